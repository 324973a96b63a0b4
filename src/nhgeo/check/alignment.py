"""How well neighbourhoods fit the units communities and general practice already use.

* **Ward alignment** ("makes sense to communities"; councils build localities from wards): wards whose
  LSOAs fall in more than one neighbourhood, and the people in the parts outside each ward's main one.
  Wards are the 2024 electoral wards, best-fitted to LSOA 2021 by ONS (an LSOA sits in one ward).
* **PCN alignment** from where patients live: each primary care network's registered patients by LSOA
  of residence (GP registrations, July 2022, practices mapped to their July 2026 PCN through
  :func:`nhgeo.sources.practices.read_practice_map`), and the share of them that live in the PCN's main
  neighbourhood. Practices missing from the July 2026 map are counted and named. This differs from the
  practice-location measure of :mod:`nhgeo.coverage` (which counts where the practices are, weighted by list size).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..sources.columns import Col
from ..sources.practices import MissingPractices, practices_not_in_map
from ..sources.practices import read_registrations as _read_registrations

PCN_DATA = ("GP registered patients by LSOA of residence, July 2022 (LSOA 2021 estimates); PCN membership July 2026 "
            "(NHS England Digital, Patients Registered at a GP Practice)")
WARD_DATA = "electoral wards 2024 (ONS LSOA 2021 best fit)"


@dataclass
class WardAlignment:
    """Wards split between neighbourhoods."""

    wards: int
    split: int
    people_in_split_parts: int
    split_wards: list[str] = field(default_factory=list)

    @property
    def pct_split(self) -> float:
        return 100.0 * self.split / self.wards if self.wards else 0.0


@dataclass
class PcnAlignment:
    """Each PCN's patients living in the area, and the share living in its main neighbourhood."""

    table: pd.DataFrame  # pcn_code, patients, main_neighbourhood, main_share
    threshold: float
    patients_unmatched: int  # registrations of practices not in the July 2026 map or in no PCN (not counted)
    missing: MissingPractices = field(default_factory=MissingPractices)  # not in the July 2026 map: named

    @property
    def pcns(self) -> int:
        return len(self.table)

    @property
    def median_share(self) -> float:
        return float(self.table["main_share"].median()) if len(self.table) else float("nan")

    def below(self, share: float) -> int:
        """How many PCNs keep under ``share`` of their patients in one neighbourhood."""
        return int((self.table["main_share"] < share).sum())


def ward_alignment(units: pd.DataFrame, labels: np.ndarray) -> WardAlignment | None:
    """Wards split between neighbourhoods (None when the units carry no wards, e.g. LSOA 2011)."""
    if Col.WARD not in units.columns or units[Col.WARD].isna().all():
        return None
    df = pd.DataFrame({"ward": units[Col.WARD].astype("string").to_numpy(), "hood": np.asarray(labels, dtype=str),
                       "pop": units[Col.POP].to_numpy(dtype=float)})
    df = df[df["ward"].notna() & (df["hood"] != "")]
    by = df.groupby(["ward", "hood"])["pop"].sum()
    total = by.groupby(level=0).sum()
    main = by.groupby(level=0).max()
    parts = by.groupby(level=0).size()
    split = parts[parts > 1].index
    return WardAlignment(wards=int(len(total)), split=int(len(split)),
                         people_in_split_parts=int(round(float((total - main)[split].sum()))),
                         split_wards=sorted(map(str, split)))


def read_registrations(codes: pd.Index | np.ndarray) -> pd.DataFrame:
    """GP registrations (LSOA of residence × practice) of the LSOAs ``codes`` with July 2026 PCNs: the one reader
    (:func:`nhgeo.sources.practices.read_registrations`) for both the measure here and the ``--align pcn`` weights."""
    return _read_registrations(codes)


def pcn_alignment(units: pd.DataFrame, labels: np.ndarray, vintage: int, threshold: float = 0.8
                  ) -> PcnAlignment | None:
    """PCN catchments against the neighbourhoods (None for LSOA 2011 units: registrations are on 2021 codes)."""
    if vintage != 2021:
        return None
    hood_of = pd.Series(np.asarray(labels, dtype=str), index=units[Col.CODE].astype(str).to_numpy())
    hood_of = hood_of[hood_of != ""]
    reg = read_registrations(hood_of.index)
    missing = practices_not_in_map(reg)
    unmatched = int(round(float(reg.loc[~reg["practice_current"] | reg["pcn_code"].isna(), "patients"].sum())))
    reg = reg[reg["practice_current"] & reg["pcn_code"].notna()]
    reg = reg.assign(hood=reg["lsoa21cd"].map(hood_of))
    by = reg.groupby(["pcn_code", "hood"])["patients"].sum().reset_index()
    total = by.groupby("pcn_code")["patients"].sum()
    top = by.sort_values(["pcn_code", "patients", "hood"], ascending=[True, False, True]).drop_duplicates("pcn_code")
    top = top.set_index("pcn_code")
    table = pd.DataFrame({"pcn_code": total.index.astype(str), "patients": np.round(total.to_numpy()).astype(int),
                          "main_neighbourhood": top.loc[total.index, "hood"].to_numpy(),
                          "main_share": np.round(top.loc[total.index, "patients"].to_numpy() / total.to_numpy(), 3)})
    # a PCN whose practices are elsewhere but a few patients live here is not "this area's" PCN
    table = table[table["patients"] >= 1000].reset_index(drop=True)
    return PcnAlignment(table, threshold, unmatched, missing)


def alignment_to_dict(ward: WardAlignment | None, pcn: PcnAlignment | None) -> dict[str, Any]:
    """Both measures as JSON-ready data (``None`` = no data for these units)."""
    out: dict[str, Any] = {"ward": None, "pcn": None}
    if ward is not None:
        out["ward"] = {"data": WARD_DATA, "wards": ward.wards, "split": ward.split,
                       "pct_split": round(ward.pct_split, 1), "people_in_split_parts": ward.people_in_split_parts}
    if pcn is not None:
        out["pcn"] = {"data": PCN_DATA, "pcns": pcn.pcns, "median_main_share": round(pcn.median_share, 3),
                      "under_50pct": pcn.below(0.5), f"under_{int(pcn.threshold * 100)}pct": pcn.below(pcn.threshold),
                      "patients_of_practices_no_longer_current": pcn.patients_unmatched,
                      "practices_not_in_jul2026_map": pcn.missing.to_dict(),
                      "note": "PCNs with at least 1,000 registered patients living in the area"}
    return out
