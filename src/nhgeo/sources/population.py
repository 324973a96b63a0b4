"""Which population the band, targets and every population figure use: ``--population census|registered|FILE:COLUMN``.

* ``census`` (default): Census 2021 usual residents (or the boundary file's own population column).
* ``registered``: patients of English GP practices living in each LSOA, the July 2022 distribution by LSOA scaled to
  each practice's July 2026 list (:func:`nhgeo.sources.practices.registered_population`); LSOA 2021 codes only.
* ``FILE:COLUMN``: any per-LSOA count a user supplies (e.g. a need-weighted population), a CSV or Parquet table with
  an LSOA code column and ``COLUMN``; every unit of the study needs a value.

The choice is applied to a study's units after selection (:func:`apply_population`) and named by
``Study.population_source`` in every output.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from .columns import Col

CENSUS = "census"
REGISTERED = "registered"
CODE_COLUMNS = ["LSOA21CD", "LSOA11CD", "lsoa21cd", "lsoa11cd", "lsoa21_code", "lsoa_code", "LSOA", "code"]


def check_population(spec: str | None) -> str | None:
    """``spec`` as given (None = census), or one line saying what is wrong with it (exit 2)."""
    if spec is None or spec in (CENSUS, REGISTERED):
        return spec
    path, sep, column = spec.rpartition(":")
    if not sep or not path or not column:
        raise InputError(f"--population takes census, registered or FILE:COLUMN (a CSV/Parquet of LSOA codes and "
                         f"a count column), not {spec!r}")
    if not Path(path).is_file():
        raise InputError(f"--population file not found: {path} (give FILE:COLUMN, e.g. need.csv:weighted)")
    return spec


def apply_population(units: pd.DataFrame, spec: str | None, vintage: int) -> tuple[pd.DataFrame, str | None,
                                                                                    list[str]]:
    """``units`` with ``population`` replaced per ``spec``: (units, the population source in words or None for the
    default, notes). The input frame is not changed."""
    spec = check_population(spec)
    if spec is None or spec == CENSUS:
        return units, None, []
    codes = units[Col.CODE].astype(str)
    out = units.copy()
    out.attrs.update(units.attrs)
    out[Col.RESIDENTS] = units[Col.POP].to_numpy(dtype=float)  # age shares stay shares of residents
    if spec == REGISTERED:
        if vintage != 2021:
            raise InputError("--population registered needs LSOA 2021 units (GP registrations are on 2021 codes); "
                             "drop --vintage 2011 or use FILE:COLUMN")
        from .practices import PRACTICE_VINTAGE, REGISTERED_METHOD, registered_population

        reg = registered_population(codes.to_numpy())
        out[Col.POP] = np.round(reg.by_lsoa.to_numpy(dtype=float))
        notes = [f"registered population: {reg.unplaced.to_dict()['practices']} practice(s) of July 2026 have no "
                 f"July 2022 distribution by LSOA and are not placed ({int(reg.unplaced.patients):,} patients: "
                 + ", ".join(reg.unplaced.codes) + ")"] if reg.unplaced.codes else []
        return out, f"GP registered patients ({REGISTERED_METHOD}; {PRACTICE_VINTAGE})", notes
    path, _, column = spec.rpartition(":")
    table = _read_table(Path(path))
    code_col = next((c for c in CODE_COLUMNS if c in table.columns), None)
    if code_col is None:
        raise InputError(f"--population {path} has no LSOA code column (one of {', '.join(CODE_COLUMNS[:4])}, ...); "
                         f"columns are: {', '.join(map(str, table.columns))}")
    if column not in table.columns:
        raise InputError(f"--population column {column!r} not in {path}; columns are: "
                         f"{', '.join(map(str, table.columns))}")
    values = pd.to_numeric(table[column], errors="coerce")
    keyed = pd.Series(values.to_numpy(), index=table[code_col].astype(str).str.strip())
    if keyed.index.duplicated().any():
        raise InputError(f"--population {path}: code(s) listed twice, e.g. {keyed.index[keyed.index.duplicated()][0]}")
    got = codes.map(keyed)
    if got.isna().any():
        miss = codes[got.isna()].tolist()
        raise InputError(f"--population {path}:{column} has no number for {len(miss):,} unit(s) of the study (e.g. "
                         f"{', '.join(miss[:3])}); give every LSOA of the area a value")
    if (got < 0).any():
        raise InputError(f"--population {path}:{column} has negative values (e.g. {codes[got < 0].iloc[0]})")
    out[Col.POP] = got.to_numpy(dtype=float)
    return out, f"your own figures: column {column} of {path}", []


def _read_table(path: Path) -> pd.DataFrame:
    try:
        if path.suffix.lower() in (".parquet", ".geoparquet"):
            return pd.read_parquet(path)
        return pd.read_csv(path, dtype={c: str for c in CODE_COLUMNS})
    except Exception as exc:  # pandas/pyarrow raise many types: one line
        raise InputError(f"cannot read --population file {path}: {str(exc).splitlines()[0]}") from None


__all__ = ["CENSUS", "REGISTERED", "apply_population", "check_population"]
