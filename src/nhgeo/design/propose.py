"""Propose from Python: ``load -> graph -> partition -> places -> score`` (what ``nhgeo propose`` calls).

The CLI only parses, calls :func:`propose` and renders; a library user gets the same result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Unpack

import geopandas as gpd
import pandas as pd

from ..check.alignment import PcnAlignment, WardAlignment, pcn_alignment, ward_alignment
from ..check.metrics import Scorecard, score_assignment
from ..check.rules import default_severities
from ..errors import InputError
from ..footprints.files import read_footprint
from ..geo.graph import DEFAULT_MIN_BORDER_M, DEFAULT_SNAP_M, part_components
from ..model import Assignment, Col, Footprint, NeighbourhoodSpec, PlaceSpec, Rules, Study, open_study
from ..profile import Profiles, profile_assignment
from ..sources.boundaries import LoadOptions
from ..version import __version__
from .affinity import align_flag, edge_weight, parse_align
from .neighbourhoods import Proposal, propose_neighbourhoods
from .places import DEFAULT_PLACES, PLACE_MODES, Place, build_places

Progress = Callable[[str, int, int], None]


@dataclass
class ProposeResult:
    """Everything ``nhgeo propose`` produces, as plain data."""

    study: Study
    proposal: Proposal
    places: list[Place]
    score: Scorecard
    assignment: gpd.GeoDataFrame = field(repr=False)  # units + neighbourhood (+ place) columns
    _alignment: tuple[WardAlignment | None, PcnAlignment | None] | None = field(default=None, init=False,
                                                                              repr=False, compare=False)
    _assignment: Assignment | None = field(default=None, init=False, repr=False, compare=False)

    def footprint(self) -> Footprint:
        """The proposal in the config format ``validate`` reads, with its accepted exceptions as waivers."""
        p = self.proposal
        icbs = sorted({h.icb_code for h in p.neighbourhoods})
        r = p.rules
        waivers: list[dict[str, str]] = []
        for h in p.neighbourhoods:
            if h.reasons and not r.in_band(h.population):
                waivers.append({"rule": "population-band", "unit": h.id, "reason": "; ".join(h.reasons)})
        broken = self._places_in_pieces()
        for pl in self.places:
            if pl.reasons and not r.in_place_band(pl.population):
                waivers.append({"rule": "place-band", "unit": pl.id, "reason": "; ".join(pl.reasons)})
            if pl.id in broken:
                waivers.append({"rule": "place-contiguity", "unit": pl.id, "reason": "; ".join(pl.reasons)})
        written = replace(r, severity={**default_severities(), **r.severity})  # every rule's severity, explicit
        icb_vintage = self.study.units.attrs.get("icb_vintage")
        return Footprint(
            name=self.study.place, vintage=self.study.vintage, rules=written,
            neighbourhoods=[NeighbourhoodSpec(h.id, h.name, h.codes) for h in p.neighbourhoods],
            places=[PlaceSpec(pl.id, pl.name, pl.neighbourhoods, pl.icb_code) for pl in self.places],
            meta={"place": self.study.place, "icb": icbs, "version": "1", "source": self.study.source,
                  "generated_by": f"nhgeo {__version__} propose --seed {p.seed}{align_flag(p.align)}"
                  + ("" if p.places_mode == DEFAULT_PLACES else f" --places {p.places_mode}"), "seed": p.seed,
                  **({"icb_vintage": icb_vintage} if icb_vintage in (2024, 2026) else {})},
            waivers=waivers,
        )

    def to_assignment(self) -> Assignment:
        """The proposal as the shared :class:`nhgeo.model.Assignment` (what rules and renderers read)."""
        return Assignment.align(self.footprint(), self.study)

    def profile(self) -> Profiles:
        """Need profiles of the neighbourhoods and places (:mod:`nhgeo.profile`), computed once."""
        if self._assignment is None:
            self._assignment = self.to_assignment()
        return profile_assignment(self.study, self._assignment)

    def alignment(self) -> tuple[WardAlignment | None, PcnAlignment | None]:
        """Wards split between neighbourhoods, and PCN catchments kept together (None where no data); measured once,
        then read by summary.json and the table alike."""
        if self._alignment is None:
            labels = self.proposal.labels.to_numpy()
            self._alignment = (ward_alignment(self.study.units, labels),
                               pcn_alignment(self.study.units, labels, self.study.vintage))
        return self._alignment

    def _places_in_pieces(self) -> set[str]:
        """Places whose units are not one connected area on the study's graph."""
        if not self.places or Col.PLACE not in self.assignment.columns:
            return set()
        labels = self.assignment[Col.PLACE].astype("string").fillna("").to_numpy(dtype=object)
        comp = part_components(self.study.adj, labels.astype(str))
        n = pd.Series(comp).groupby(labels).nunique()
        return {str(k) for k, v in n.items() if v > 1 and k != ""}


def propose(
    place: str | Sequence[str] = "england",
    boundaries: str | Path | None = None,
    *,
    rules: Rules | None = None,
    seed: int = 0,
    lock: str | Path | pd.Series | None = None,
    levels: Sequence[str] = ("neighbourhood", "place"),
    snap: float = DEFAULT_SNAP_M,
    min_border: float = DEFAULT_MIN_BORDER_M,
    progress: Progress | None = None,
    study: Study | None = None,
    align: str | Sequence[str] | None = "ward",
    places: str = DEFAULT_PLACES,
    **options: Unpack[LoadOptions],
) -> ProposeResult:
    """Propose neighbourhoods (and places) for ``place``; same inputs and seed give the same result.

    ``options`` say how to read the units (``vintage``, ``code_column``, ...: see :class:`LoadOptions`).
    ``align`` is the soft preference for keeping units whole (:mod:`nhgeo.affinity`): ``"ward"`` (default),
    ``"pcn"``, ``"ward,pcn"`` or ``"none"``; the band, contiguity and LA rule stay hard. ``places`` is how places
    are made (:mod:`nhgeo.design.places`): ``"la"`` (default, one LA each) or ``"band"`` (merged to 250k-500k).
    """
    if places not in PLACE_MODES:
        raise InputError(f"places must be 'la' or 'band', not {places!r}")
    settings = parse_align(align)
    rules = rules or Rules()
    if progress:
        progress("load + graph", 0, 1)
    study = study or open_study(place, boundaries, snap=snap, rules=rules, min_border=min_border, **options)
    if progress:
        progress("load + graph", 1, 1)
    lock_names: dict[str, str] = {}
    lock_series: pd.Series | None
    if isinstance(lock, (str, Path)):
        locked = read_footprint(lock)
        lock_series = locked.assignment()
        lock_names = {h.id: h.name for h in locked.neighbourhoods if h.name}
    else:
        lock_series = lock
    prop = propose_neighbourhoods(study.units, study.adj, rules, seed=seed, lock=lock_series, progress=progress,
                                  edge_weight=edge_weight(study.units, settings, vintage=study.vintage),
                                  lock_names=lock_names)
    prop.align = settings
    if "pcn" in settings and study.vintage != 2021:
        prop.notes.append("--align pcn ignored: GP registrations are on LSOA 2021 codes, these units are LSOA "
                          f"{study.vintage}")
    prop.places_mode = places
    built = build_places(study.units, study.adj, prop, rules, seed=seed, progress=progress, mode=places) \
        if "place" in levels else []
    score = score_assignment(study.units, study.adj, prop.labels.to_numpy(), rules)
    assignment = study.units.copy()
    assignment[Col.NEIGHBOURHOOD] = prop.labels.to_numpy()
    names = {h.id: h.name for h in prop.neighbourhoods}
    assignment[Col.NEIGHBOURHOOD_NAME] = assignment[Col.NEIGHBOURHOOD].map(names)
    if built:
        pmap = {n: pl.id for pl in built for n in pl.neighbourhoods}
        assignment[Col.PLACE] = assignment[Col.NEIGHBOURHOOD].map(pmap)
    return ProposeResult(study, prop, built, score, assignment)


__all__ = ["ProposeResult", "propose"]
