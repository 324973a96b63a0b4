"""Need profiles of neighbourhoods and places: sums of unit counts, then ratios; inequality within places;
the England decile of each neighbourhood on each measure.

A profile is computed from counts per unit (:func:`unit_table`): Census 2021 residents by age band, residents by
IMD 2025 decile, the Census 2021 need tables, QOF registers and age-group lists brought to LSOAs
(:func:`nhgeo.sources.health.qof_by_lsoa`) and registered patients (:func:`nhgeo.sources.practices.
registered_population`). Sums over a neighbourhood's units give its counts; each percentage is the ratio of two
sums (never a mean of unit percentages).

**England deciles** are over a fixed reference, England's 33,755 LSOAs: decile 10 = the tenth of LSOAs with the
highest value of the measure (the most need), 1 = the lowest, so a neighbourhood's decile says where its value falls
among England's small areas. Neighbourhoods average about 30 LSOAs, so they reach deciles 1 and 10 less often than
LSOAs do; the reference does not depend on how England is divided.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from ..model import Assignment, Col, Study
from ..sources.health import (
    AGE_BANDS,
    CENSUS_VINTAGE,
    NEED_COLUMNS,
    QOF_METHOD,
    QOF_REGISTERS,
    QOF_VINTAGE,
    qof_by_lsoa,
    qof_columns,
    qof_unplaced,
    read_age_bands,
    read_need,
)
from ..sources.practices import PRACTICE_VINTAGE, REGISTERED_METHOD, registered_population
from .measures import ALL_MEASURES, CENSUS_MEASURES, NEED_MEASURES, Measure

REFERENCE = ("England deciles over England's 33,755 LSOAs (LSOA 2021): 10 = the tenth of LSOAs with the highest "
             "value (most need), 1 = the lowest; a neighbourhood's value is placed among them")
TOP_FIFTH = ("top fifth of need in its place: among the highest ceil(n/5) of the place's n neighbourhoods on the "
             "measure")
COUNT_COLUMNS = ("residents", *AGE_BANDS, *(f"imd_{d}" for d in range(1, 11)), *NEED_COLUMNS, "disabled",
                 *qof_columns(), "registered")


def unit_table(codes: np.ndarray, imd: np.ndarray | None = None) -> pd.DataFrame:
    """Counts per unit (rows aligned to ``codes``; 0 where the data has no row, e.g. non-England codes):
    :data:`COUNT_COLUMNS`. ``imd`` = IMD 2025 decile per unit (residents are counted in their LSOA's decile)."""
    idx = pd.Index(np.asarray(codes, dtype=object).astype(str))
    ages = read_age_bands(idx).reindex(idx)
    out = pd.DataFrame(index=idx)
    out["residents"] = ages[list(AGE_BANDS)].sum(axis=1, min_count=1)
    for a in AGE_BANDS:
        out[a] = ages[a]
    dec = pd.to_numeric(pd.Series(imd, index=idx), errors="coerce") if imd is not None else pd.Series(np.nan,
                                                                                                       index=idx)
    for d in range(1, 11):
        out[f"imd_{d}"] = np.where(dec.to_numpy() == d, out["residents"].to_numpy(), 0.0)
    need = read_need(idx).reindex(idx)
    for c in NEED_COLUMNS:
        out[c] = need[c]
    out["disabled"] = need["disabled_lot"] + need["disabled_little"]
    qof = qof_by_lsoa(idx.drop_duplicates())
    out = out.join(qof.reindex(idx).set_axis(idx))
    out["registered"] = registered_population(idx.to_numpy()).by_lsoa.to_numpy()
    return out[list(COUNT_COLUMNS)].astype(float).fillna(0.0)


def ratios(counts: pd.DataFrame, measures: tuple[Measure, ...] = ALL_MEASURES) -> pd.DataFrame:
    """Each measure as ``100 * numerator / denominator`` per row (NaN where the denominator is 0)."""
    return pd.DataFrame({m.key: 100.0 * counts[m.numerator] / counts[m.denominator].where(counts[m.denominator] > 0)
                         for m in measures}, index=counts.index)


@lru_cache(maxsize=1)
def england_cuts() -> pd.DataFrame:
    """Decile cut points (rows 1..9 = the 10%..90% quantiles) of each need measure over England's LSOAs."""
    need = read_need()
    codes = need.index.to_numpy()
    table = unit_table(codes)
    values = ratios(table, NEED_MEASURES)
    qs = np.arange(1, 10) / 10
    return pd.DataFrame({k: np.nanquantile(values[k].to_numpy(dtype=float), qs) for k in values.columns},
                        index=range(1, 10))


def england_decile(key: str, value: float) -> int | None:
    """The England LSOA decile (1..10, 10 = highest) a value falls in."""
    if value is None or not math.isfinite(value):
        return None
    return int(np.searchsorted(england_cuts()[key].to_numpy(), value, side="right")) + 1


@dataclass
class AreaProfile:
    """One neighbourhood's or place's profile: its counts and the measures computed from them."""

    id: str
    name: str
    place: str
    counts: pd.Series
    values: dict[str, float]
    england_decile: dict[str, int | None] = field(default_factory=dict)
    top_fifth_in_place: list[str] = field(default_factory=list)
    inequality: dict[str, dict[str, Any]] = field(default_factory=dict)  # places only


@dataclass
class Profiles:
    """Profiles of every neighbourhood and place of an assignment, with what they were computed from."""

    neighbourhoods: list[AreaProfile]
    places: list[AreaProfile]
    notes: list[str] = field(default_factory=list)
    available: bool = True

    def widest_inequality(self) -> dict[str, Any] | None:
        """The place and measure with the largest max/min ratio across neighbourhoods."""
        best: dict[str, Any] | None = None
        for p in self.places:
            for key, spread in p.inequality.items():
                r = spread.get("ratio")
                if r is not None and (best is None or r > best["ratio"]):
                    best = {"place": p.id, "place_name": p.name, "measure": key, **spread}
        return best


def profile_assignment(study: Study, assignment: Assignment) -> Profiles:
    """The profiles of ``assignment`` on ``study`` (computed once per assignment and cached on it)."""
    return assignment.derived("profile", lambda: _profiles(study, assignment))


def _profiles(study: Study, assignment: Assignment) -> Profiles:
    if study.vintage != 2021:
        return Profiles([], [], ["need profiles need LSOA 2021 codes (Census 2021 tables, QOF shared by LSOA 2021, "
                                 "IMD 2025); these units are LSOA 2011"], available=False)
    imd = study.units[Col.IMD].to_numpy() if Col.IMD in study.units.columns else None
    table = unit_table(study.codes, imd)
    table.index = pd.RangeIndex(len(table))
    labels = np.asarray(assignment.labels, dtype=object).astype(str)
    by_hood = table.groupby(labels).sum()
    by_hood = by_hood[by_hood.index != ""]
    names = assignment.names
    place_of = assignment.place_of
    hoods = [_area(str(nid), names.get(str(nid), str(nid)), place_of.get(str(nid), ""), by_hood.loc[nid])
             for nid in _order(assignment, by_hood.index)]
    places: list[AreaProfile] = []
    pnames = {p.id: p.name for p in assignment.footprint.places}
    plabels = np.asarray(assignment.place_labels, dtype=object).astype(str)
    if pnames:
        by_place = table.groupby(plabels).sum()
        for p in assignment.footprint.places:
            if p.id in by_place.index:
                members = [h for h in hoods if h.place == p.id]
                area = _area(p.id, p.name, p.id, by_place.loc[p.id])
                area.inequality = _spread(members)
                _mark_top_fifth(members)
                places.append(area)
    for h in hoods:
        h.england_decile = {m.key: england_decile(m.key, h.values[m.key]) for m in NEED_MEASURES}
    notes = []
    unplaced = qof_unplaced()
    if unplaced:
        notes.append(f"QOF: {len(unplaced)} practice(s) with registers but no registrations by LSOA are not placed: "
                     + ", ".join(unplaced))
    reg = registered_population(np.zeros(0, dtype=object)).unplaced
    if reg.codes:
        notes.append(f"registered: {len(reg.codes)} July 2026 practice(s) with no July 2022 distribution by LSOA are "
                     f"not placed ({int(reg.patients):,} patients): " + ", ".join(reg.codes))
    return Profiles(hoods, places, notes)


def _order(assignment: Assignment, present: pd.Index) -> list[str]:
    """Neighbourhoods in footprint order (then any others, sorted)."""
    listed = [n.id for n in assignment.footprint.neighbourhoods if n.id in present]
    return listed + sorted(str(x) for x in present if x not in set(listed))


def _area(aid: str, name: str, place: str, counts: pd.Series | pd.DataFrame) -> AreaProfile:
    row = counts if isinstance(counts, pd.Series) else counts.iloc[0]
    vals = ratios(row.to_frame().T).iloc[0]
    return AreaProfile(aid, name, place, row, {str(k): float(v) for k, v in vals.items()})


def _spread(members: list[AreaProfile]) -> dict[str, dict[str, Any]]:
    """Per need measure: lowest and highest neighbourhood value and their ratio (None when the lowest is 0)."""
    out: dict[str, dict[str, Any]] = {}
    if len(members) < 2:
        return out
    for m in NEED_MEASURES:
        vals = [(h.values[m.key], h.id) for h in members if math.isfinite(h.values[m.key])]
        if len(vals) < 2:
            continue
        lo, hi = min(vals), max(vals)
        out[m.key] = {"min": round(lo[0], 2), "max": round(hi[0], 2),
                      "ratio": round(hi[0] / lo[0], 2) if lo[0] > 0 else None,
                      "min_neighbourhood": lo[1], "max_neighbourhood": hi[1]}
    return out


def _mark_top_fifth(members: list[AreaProfile]) -> None:
    """Mark the ceil(n/5) neighbourhoods of a place with the highest value of each need measure (ties by id)."""
    k = math.ceil(len(members) / 5)
    for m in NEED_MEASURES:
        ranked = sorted((h for h in members if math.isfinite(h.values[m.key])),
                        key=lambda h: (-h.values[m.key], h.id))
        for h in ranked[:k]:
            h.top_fifth_in_place.append(m.key)


def vintages() -> dict[str, str]:
    """Every profile figure's source and vintage, by key (what ``profile.vintages`` says)."""
    out = {"residents": "Census 2021 usual residents by age (6 bands), LSOA 2021",
           "imd_deciles": "English Indices of Deprivation 2025 (MHCLG), residents by their LSOA's IMD decile"}
    out.update({m.key: f"{m.vintage}; {m.method}" for m in CENSUS_MEASURES})
    out["qof"] = f"{QOF_VINTAGE}; {QOF_METHOD}; prevalence over the register's own age group (QOF list type)"
    out["registered"] = f"{REGISTERED_METHOD}; {PRACTICE_VINTAGE}"
    out["census_tables"] = CENSUS_VINTAGE
    return out


__all__ = ["COUNT_COLUMNS", "QOF_REGISTERS", "REFERENCE", "TOP_FIFTH", "AreaProfile", "Profiles", "england_cuts",
           "england_decile", "profile_assignment", "ratios", "unit_table", "vintages"]
