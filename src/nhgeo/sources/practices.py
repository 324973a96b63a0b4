"""GP practices as of July 2026: practice -> PCN -> sub-ICB -> ICB, list sizes, and where patients live.

* :func:`read_practice_map` is **the one reader of current primary-care membership** (NHS England Digital,
  Patients Registered at a GP Practice, 1 July 2026): the PCN split measure, ``--align pcn``, coverage and the
  practice/PCN method all read PCNs through it.
* :func:`read_registrations` gives patients by LSOA of residence (July 2022, the latest by LSOA; on 2021
  codes) with each practice's July 2026 PCN; practices missing from the July 2026 map keep their rows with
  ``pcn_code`` NA and are counted and named by :func:`practices_not_in_map`, never dropped silently.
* :func:`registered_population` is the ``--population registered`` figure: each practice's July 2022
  distribution over LSOAs scaled to its July 2026 list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from .data import get_path

PRACTICE_VINTAGE = ("practices, PCNs and list sizes: NHS England Digital, Patients Registered at a GP Practice, "
                    "July 2026")
REGISTRATION_VINTAGE = "patients by LSOA of residence: July 2022 (moved onto LSOA 2021 codes)"
REGISTERED_METHOD = ("patients of English GP practices living in each LSOA: each practice's July 2022 distribution "
                     "over LSOAs (England and Wales) scaled to its July 2026 list")


@lru_cache(maxsize=1)
def _practice_map() -> pd.DataFrame:
    return pd.read_parquet(get_path("practices_jul2026"))


def read_practice_map() -> pd.DataFrame:
    """Every practice of July 2026: ``practice_code, practice_name, pcn_code, pcn_name, sicbl_code, icb_code,
    icb_name, list_size`` (all ages), ``patients_jul2022`` (its patients by LSOA in July 2022, England and Wales;
    0 for a practice that had none) and ``patients_jul2022_england``. ``pcn_code`` is NA for the practices in
    no PCN. A copy: callers may change it."""
    return _practice_map().copy()


@lru_cache(maxsize=1)
def _registrations() -> pd.DataFrame:
    import pyarrow.parquet as pq

    # codes as categoricals: 0.9 M rows map and filter by their few thousand categories, not row by row
    t = pq.read_table(get_path("gp_registrations"), columns=["practice_code", "lsoa21cd", "patients"],
                      read_dictionary=["practice_code"])
    t = t.set_column(1, "lsoa21cd", t.column("lsoa21cd").dictionary_encode())
    reg: pd.DataFrame = t.to_pandas()
    for c in ("practice_code", "lsoa21cd"):
        reg[c] = reg[c].cat.rename_categories(list(reg[c].cat.categories.astype(object).astype(str)))
    m = _practice_map().set_index("practice_code")
    cats = reg["practice_code"].cat.categories
    codes = reg["practice_code"].cat.codes.to_numpy()
    pcn = m["pcn_code"].astype(object).reindex(cats).to_numpy(dtype=object)
    reg["pcn_code"] = pd.Series(pcn[codes], index=reg.index).astype(object)
    reg["practice_current"] = cats.isin(m.index)[codes]
    return reg


def read_registrations(codes: pd.Index | np.ndarray | None = None) -> pd.DataFrame:
    """GP registrations (LSOA of residence x practice, July 2022) of the LSOAs ``codes`` (all England when None):
    ``practice_code, lsoa21cd, patients, pcn_code`` (the July 2026 PCN; NA when the practice is in no PCN or
    not in the July 2026 map) and ``practice_current`` (in the July 2026 map)."""
    reg = _registrations()
    return reg if codes is None else reg[reg["lsoa21cd"].isin(codes)]


@dataclass
class MissingPractices:
    """Practices whose registrations cannot be placed in July 2026 membership: counted and named."""

    codes: list[str] = field(default_factory=list)
    patients: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return {"practices": len(self.codes), "patients": int(round(self.patients)), "codes": self.codes}


def practices_not_in_map(reg: pd.DataFrame) -> MissingPractices:
    """The practices of ``reg`` (a :func:`read_registrations` slice) that are not in the July 2026 map (closed or
    merged since July 2022), with their July 2022 patients in these LSOAs."""
    gone = reg[~reg["practice_current"]]
    return MissingPractices(sorted(map(str, gone["practice_code"].unique())), float(gone["patients"].sum()))


@dataclass
class RegisteredPopulation:
    """Registered patients per LSOA (July 2026 lists on the July 2022 distribution) and what could not be placed."""

    by_lsoa: pd.Series  # LSOA 2021 code -> patients (float)
    unplaced: MissingPractices  # July 2026 practices with no July 2022 distribution: their list is not placed


@lru_cache(maxsize=1)
def _registered_all() -> RegisteredPopulation:
    m = _practice_map().set_index("practice_code")
    reg = _registrations()
    reg = reg[reg["practice_current"]]
    cats, codes = reg["practice_code"].cat.categories, reg["practice_code"].cat.codes.to_numpy()
    total = m["patients_jul2022"].reindex(cats).to_numpy(dtype=float)[codes]
    scale = m["list_size"].reindex(cats).to_numpy(dtype=float)[codes] / np.where(total > 0, total, np.nan)
    pat = reg["patients"].to_numpy(dtype=float) * np.nan_to_num(scale)
    by = pd.Series(pat).groupby(reg["lsoa21cd"].astype(object).to_numpy()).sum()
    no_dist = m[m["patients_jul2022"] <= 0]
    return RegisteredPopulation(by, MissingPractices(sorted(map(str, no_dist.index)),
                                                     float(no_dist["list_size"].sum())))


def registered_population(codes: pd.Index | np.ndarray) -> RegisteredPopulation:
    """Registered patients of English practices living in each LSOA of ``codes`` (0 where none), July 2026 lists
    (see :data:`REGISTERED_METHOD`); ``unplaced`` names the practices (England-wide) with no July 2022 distribution."""
    allp = _registered_all()
    return RegisteredPopulation(allp.by_lsoa.reindex(pd.Index(codes)).fillna(0.0), allp.unplaced)


__all__ = [
    "PRACTICE_VINTAGE",
    "REGISTERED_METHOD",
    "REGISTRATION_VINTAGE",
    "MissingPractices",
    "RegisteredPopulation",
    "practices_not_in_map",
    "read_practice_map",
    "read_registrations",
    "registered_population",
]
