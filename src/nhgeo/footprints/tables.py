"""Footprint tables as they arrive: which column holds the codes, which sheet of a workbook to read.

A footprint table is one row per code (LSOA, ward, MSOA, GP practice or PCN) with the neighbourhood it
belongs to. The code column is found by its usual names (LSOA21CD, WD24CD, practice_code, ...) or, failing
that, by its values (the first column whose codes fit a known pattern); :func:`read_footprint_table` reads a
CSV, a workbook (``--sheet`` or the first sheet holding codes) or standard input through
:func:`nhgeo.sources.tables.read_table`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..sources.tables import Table, read_table
from .codes import COLUMN_NAMES, PATTERNS, CodeType, clean_codes, column_code_type


def norm(name: object) -> str:
    """A column name as matched: lower case, spaces and hyphens as underscores ("Ward Code" -> "ward_code")."""
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


EMPTY_HINT = "a footprint table needs a header (e.g. LSOA21CD,neighbourhood) and one row per code"


def find_code_column(df: pd.DataFrame, given: str | None = None) -> tuple[str | None, bool]:
    """The code column: ``given`` if the table has it (any case), else a usual name whose values are codes,
    else the first column most of whose values are codes of one type. Returns (column, found by name)."""
    cols = {norm(c): str(c) for c in df.columns}
    if given is not None and norm(given) in cols:
        return cols[norm(given)], True
    for names in COLUMN_NAMES.values():
        for n in map(norm, names):
            if n in cols and (n != "code" or column_code_type(df[cols[n]]) is not None or len(df) == 0):
                return cols[n], True
    by_type: dict[CodeType, str] = {}
    for c in df.columns:
        t = column_code_type(df[c])
        if t is not None and t not in by_type:
            by_type[t] = str(c)
    for t in PATTERNS:  # LSOA first, then wards, MSOAs, PCNs, practices
        if t in by_type:
            return by_type[t], False
    return None, False


def code_column_score(df: pd.DataFrame) -> int:
    """How plainly ``df`` holds a code column: 2 by name, 1 by values only, 0 none (picks sheet and header)."""
    col, by_name = find_code_column(df)
    if col is None:
        return 0
    return 2 if by_name and not looks_like_code(col) else 1


def looks_like_code(name: str) -> bool:
    """A header that is itself a code (the header row was taken from the data)."""
    return any(p.match(str(clean_codes(pd.Series([name])).iloc[0])) for p in PATTERNS.values())


def read_footprint_table(path: str | Path, sheet: str | None = None) -> Table:
    """The table of a footprint file (CSV, workbook, ``-``) with the sheet used and what was done noted."""
    return read_table(path, "footprint file", sheet=sheet, wanted=code_column_score,
                      wanted_what="a code column (LSOA, ward, MSOA, practice or PCN)", empty_hint=EMPTY_HINT)
