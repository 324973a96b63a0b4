"""Health need by LSOA 2021: Census 2021 health, disability and unpaid care; QOF 2024-25 registers brought to LSOAs.

* :func:`read_need` reads Census 2021 TS037 (general health), TS038 (disability) and TS039 (unpaid care, residents
  aged 5+) counts. ONS perturbs every table's cells slightly, so each table carries **its own total**, the
  denominator of its percentages (not ``usual_residents``).
* :func:`qof_by_lsoa` brings QOF 2024-25 disease registers (by GP practice) to LSOAs the way the House of Commons
  Library's local QOF estimates do: each practice's register, and the list size of the register's own age group
  (the prevalence denominator), are shared over the LSOAs its patients live in, in proportion to its registered
  patients there (July 2022, the latest by LSOA). It is an **estimate**: it assumes a practice's patients on a
  register live where its patients in general live. :func:`share_by_residence` is the method itself.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .data import get_path

# register -> (what it is, the QOF list type its prevalence is over)
QOF_REGISTERS: dict[str, tuple[str, str]] = {
    "AF": ("atrial fibrillation", "TOTAL"), "AST": ("asthma (6+)", "06OV"), "CAN": ("cancer", "TOTAL"),
    "CHD": ("coronary heart disease", "TOTAL"), "CKD": ("chronic kidney disease (18+)", "18OV"),
    "COPD": ("COPD", "TOTAL"), "DEM": ("dementia", "TOTAL"), "DEP": ("depression (18+)", "18OV"),
    "DM": ("diabetes (17+)", "17OV"), "EP": ("epilepsy (18+)", "18OV"), "HF": ("heart failure", "TOTAL"),
    "HYP": ("hypertension", "TOTAL"), "LD": ("learning disability", "TOTAL"),
    "MH": ("serious mental illness", "TOTAL"), "NDH": ("non-diabetic hyperglycaemia (18+)", "18OV"),
    "OB": ("obesity (18+)", "18OV"), "OST": ("osteoporosis (50+)", "50OV"), "PAD": ("peripheral arterial disease",
                                                                                   "TOTAL"),
    "PC": ("palliative care", "TOTAL"), "RA": ("rheumatoid arthritis (16+)", "16OV"), "STIA": ("stroke and TIA",
                                                                                              "TOTAL"),
}
LIST_TYPES = ("TOTAL", "06OV", "16OV", "17OV", "18OV", "50OV")
NEED_COLUMNS = ("health_total", "health_bad", "disability_total", "disabled_lot", "disabled_little",
                "ltc_not_limiting", "care_total", "carers", "care_50h")
AGE_BANDS = ("age_0_15", "age_16_24", "age_25_34", "age_35_49", "age_50_64", "age_65_plus")

CENSUS_VINTAGE = "Census 2021 (ONS), TS037 general health, TS038 disability, TS039 unpaid care; LSOA 2021"
QOF_VINTAGE = "QOF 2024-25 (NHS England) registers by practice"
QOF_METHOD = ("House of Commons Library method: each practice's register and its age-group list shared over the "
              "LSOAs its patients live in (GP registrations by LSOA, July 2022); an estimate")


def read_need(codes: pd.Index | np.ndarray | None = None) -> pd.DataFrame:
    """Census 2021 need counts (:data:`NEED_COLUMNS`, integers) indexed by LSOA 2021 code; all England when None.
    Codes the tables do not hold (not England LSOA 2021) are absent."""
    need = _need()
    return need if codes is None else need.reindex(pd.Index(codes).intersection(need.index))


@lru_cache(maxsize=1)
def _need() -> pd.DataFrame:
    return pd.read_parquet(get_path("need")).set_index("LSOA21CD")


def read_age_bands(codes: pd.Index | np.ndarray | None = None) -> pd.DataFrame:
    """Census 2021 usual residents by the six age bands, indexed by LSOA 2021 code."""
    pop = _ages()
    return pop if codes is None else pop.reindex(pd.Index(codes).intersection(pop.index))


@lru_cache(maxsize=1)
def _ages() -> pd.DataFrame:
    pop = pd.read_parquet(get_path("population"), columns=["LSOA21CD", *AGE_BANDS])
    return pop[pop["LSOA21CD"].str.startswith("E01")].set_index("LSOA21CD")


@lru_cache(maxsize=1)
def read_qof_practices() -> pd.DataFrame:
    """QOF 2024-25 by practice: the 21 registers, ``list_<TYPE>`` per list type, ``patients_jul2022`` (England and
    Wales) indexed by practice code."""
    return pd.read_parquet(get_path("qof")).set_index("practice_code")


def share_by_residence(values: pd.DataFrame, codes: pd.Index | np.ndarray | None = None) -> pd.DataFrame:
    """Practice figures (rows = practice codes, columns = counts) shared over the LSOAs of residence of each
    practice's patients, in proportion (July 2022 registrations, over England *and* Wales, so a border practice's
    Welsh share leaves England). Returns LSOA (of ``codes``, or every England LSOA with patients) x columns.
    A practice with no registrations by LSOA contributes nothing (see :func:`qof_unplaced`)."""
    from .practices import read_registrations

    reg = read_registrations(None if codes is None else codes)
    totals = _registration_totals()
    pcat, pcode = reg["practice_code"].cat.categories, reg["practice_code"].cat.codes.to_numpy()
    lcat, lcode = reg["lsoa21cd"].cat.categories, reg["lsoa21cd"].cat.codes.to_numpy()
    keep = pd.Index(values.index).get_indexer(pcat)[pcode]
    ok = keep >= 0
    lsoas = pd.Index(sorted(set(lcat[np.unique(lcode)]))) if codes is None else pd.Index(codes)
    row = lsoas.get_indexer(lcat)[lcode[ok]]
    tot = totals.reindex(pcat).to_numpy(dtype=float)[pcode[ok]]
    w = reg["patients"].to_numpy(dtype=float)[ok] / np.where(tot > 0, tot, np.inf)
    good = row >= 0
    m = sp.csr_matrix((w[good], (row[good], keep[ok][good])), shape=(len(lsoas), len(values)))
    out = m @ values.to_numpy(dtype=float)
    return pd.DataFrame(np.asarray(out), index=lsoas, columns=values.columns)


@lru_cache(maxsize=1)
def _registration_totals() -> pd.Series:
    """Practice -> July 2022 patients over every LSOA of England and Wales (the QOF and practice files carry it)."""
    from .practices import read_practice_map

    q = read_qof_practices()["patients_jul2022"]
    m = read_practice_map().set_index("practice_code")["patients_jul2022"]
    out: pd.Series = pd.concat([q, m[~m.index.isin(q.index)]]).astype(float)
    return out


def qof_columns() -> list[str]:
    """The registers then the list types, as in :func:`read_qof_practices`."""
    return [*QOF_REGISTERS, *(f"list_{t}" for t in LIST_TYPES)]


def qof_by_lsoa(codes: pd.Index | np.ndarray | None = None) -> pd.DataFrame:
    """Estimated QOF 2024-25 register counts and age-group list sizes per LSOA (columns :func:`qof_columns`)."""
    return share_by_residence(read_qof_practices()[qof_columns()], codes)


def qof_unplaced() -> list[str]:
    """QOF practices with no registrations by LSOA (their registers cannot be placed): named, not dropped."""
    q = read_qof_practices()
    return sorted(map(str, q.index[q["patients_jul2022"] <= 0]))


__all__ = ["AGE_BANDS", "CENSUS_VINTAGE", "LIST_TYPES", "NEED_COLUMNS", "QOF_METHOD", "QOF_REGISTERS", "QOF_VINTAGE",
           "qof_by_lsoa", "qof_columns", "qof_unplaced", "read_age_bands", "read_need", "read_qof_practices",
           "share_by_residence"]
