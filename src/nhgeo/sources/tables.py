"""Tables as organisations keep them: CSV (any line ending, a byte-order mark, ``;`` or tab separated),
Excel and OpenDocument workbooks (``.xlsx``, ``.xlsm``, ``.xls``, ``.ods``), or standard input (``-``).

Every cell is read as text (a code such as ``007`` keeps its zeros; Excel numbers come back without a
``.0``). Workbooks are read by python-calamine through pandas (``engine="calamine"``): one maintained
reader (Rust) for every spreadsheet format, far faster than openpyxl and, unlike it, reads ``.ods`` too.
Which sheet to use is the caller's choice (``sheet``) or the first sheet ``wanted`` accepts; the sheet used
is always said in :attr:`Table.notes`.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError

SHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
STDIN = "-"
HEADER_SEARCH_ROWS = 20  # a workbook's header may sit under a title block: look this far down for it


@dataclass
class Table:
    """A table read from a file: the cells as text, the sheet used (workbooks) and what was done."""

    frame: pd.DataFrame
    where: str  # the file as the user named it ("standard input" for -)
    sheet: str | None = None
    notes: list[str] = field(default_factory=list)


def is_stdin(path: str | Path) -> bool:
    return str(path) == STDIN


def is_sheet(path: str | Path) -> bool:
    return Path(str(path)).suffix.lower() in SHEET_SUFFIXES


_STDIN: dict[str, Any] = {}


def read_source(path: str | Path, what: str) -> bytes:
    """The bytes of ``path`` (``-``: standard input), one line on any failure."""
    if is_stdin(path):  # read once per run: later readers (the format sniff, then the table) get the same bytes
        stream = sys.stdin
        if _STDIN.get("stream") is not stream:
            _STDIN["stream"] = stream
            _STDIN["data"] = stream.buffer.read() if hasattr(stream, "buffer") else stream.read().encode("utf-8")
        data: bytes = _STDIN["data"]
        return data
    p = Path(path)
    if not p.exists():
        raise InputError(f"{what} not found: {p}")
    if p.is_dir():
        raise InputError(f"{p} is a folder; give a {what} file")
    try:
        return p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {p}: {exc.strerror or exc}") from None


def decode_text(data: bytes, where: str, notes: list[str] | None = None) -> str:
    """Text of a file saved as UTF-8 (with or without a byte-order mark) or UTF-16 with a byte-order mark
    (Excel's "Unicode text"); anything else is bad input naming the first bad byte."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        if notes is not None:
            notes.append(f"{where}: read as UTF-16 (byte-order mark)")
        return data.decode("utf-16")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{where} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at position {exc.start}); "
                         "re-save it as UTF-8 (Excel: CSV UTF-8)") from None
    if "\x00" in text:
        raise InputError(f"{where} holds binary data (NUL bytes), not text; give a CSV or a workbook (.xlsx, .ods)")
    return text


def _separator(text: str) -> str:
    """``,`` unless the header line is plainly ``;`` or tab separated (European Excel, TSV)."""
    head = text.lstrip().split("\n", 1)[0]
    counts = {sep: head.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] > counts[","] else ","


def read_csv_text(text: str, where: str, empty_hint: str) -> pd.DataFrame:
    """A CSV (any line endings) as text cells; blank headers and wholly blank rows dropped."""
    if not text.strip():
        raise InputError(f"{where} is empty; {empty_hint}")
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, sep=_separator(text), skip_blank_lines=True)
    except pd.errors.EmptyDataError:
        raise InputError(f"{where} is empty; {empty_hint}") from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"{where}: cannot read CSV: {str(exc).splitlines()[0]}") from None
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _with_header(raw: pd.DataFrame, score: Callable[[pd.DataFrame], int] | None) -> tuple[pd.DataFrame, int]:
    """A sheet read without a header, given its header row: the first row (of :data:`HEADER_SEARCH_ROWS`)
    with the best ``score`` of the table under it (a title block above the header scores lower), else the
    first non-blank row. Returns the table and its score."""
    raw = raw.dropna(how="all").dropna(axis=1, how="all")
    if raw.empty:
        return pd.DataFrame(), 0
    if score is None:
        return _frame(raw, 0), 1
    best, chosen = 0, 0
    for i in range(min(HEADER_SEARCH_ROWS, len(raw))):
        got = score(_frame(raw, i))
        if got > best:
            best, chosen = got, i
        if best >= 2:  # found by its column names: no better header below
            break
    return _frame(raw, chosen), best


def _frame(raw: pd.DataFrame, i: int) -> pd.DataFrame:
    header = [str(x).strip() if isinstance(x, str) and x.strip() else f"column {j + 1}"
              for j, x in enumerate(raw.iloc[i].tolist())]
    seen: dict[str, int] = {}
    for j, h in enumerate(header):  # duplicate headings get a suffix, as pandas does for CSV
        if h in seen:
            seen[h] += 1
            header[j] = f"{h}.{seen[h]}"
        else:
            seen[h] = 0
    df = raw.iloc[i + 1:].copy()
    df.columns = header
    return df.reset_index(drop=True)


def read_workbook(data: bytes, where: str) -> dict[str, pd.DataFrame]:
    """Every sheet of a workbook (bytes), cells as text, no header applied (row 0 is the first row)."""
    try:
        sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, header=None, dtype=str, engine="calamine")
    except ImportError:  # pragma: no cover - python-calamine is a dependency
        raise InputError("reading spreadsheets needs python-calamine: pip install python-calamine") from None
    except Exception as exc:  # calamine raises several types for a damaged or foreign file
        why = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{where}: cannot read the workbook ({why}); save it as .xlsx, .ods or CSV") from None
    return {str(k): v for k, v in sheets.items()}


def read_table(path: str | Path, what: str, *, sheet: str | None = None,
               wanted: Callable[[pd.DataFrame], int] | None = None, wanted_what: str = "the columns needed",
               empty_hint: str = "give a header and rows") -> Table:
    """A table from a CSV, a workbook or standard input (``-``), cells as text.

    Workbooks: ``sheet`` names the sheet; else the first sheet ``wanted`` scores above 0 (a header row may sit
    under a title block: the row giving the best score is taken as the header). The sheet used
    is noted. ``sheet`` on a CSV is bad input.
    """
    where = "standard input" if is_stdin(path) else str(path)
    data = read_source(path, what)
    notes: list[str] = []
    magic = data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # zip (xlsx, ods) or OLE (xls)
    workbook = is_sheet(path) or magic
    if workbook and not is_sheet(path) and not is_stdin(path):
        notes.append(f"{where} is a workbook (whatever its name says): read as one")
    if not workbook:
        if sheet is not None:
            raise InputError(f"--sheet {sheet!r} is for workbooks (.xlsx, .ods); {where} is a text table")
        text = decode_text(data, where, notes)
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        return Table(read_csv_text(text, where, empty_hint), where, None, notes)
    if not data:
        raise InputError(f"{where} is empty; {empty_hint}")
    sheets = read_workbook(data, where)
    names = list(sheets)
    if sheet is not None:
        match = sheet if sheet in sheets else next((n for n in names if n.strip().lower() == sheet.strip().lower()),
                                                   None)
        if match is None:
            raise InputError(f"{where} has no sheet {sheet!r}; its sheets are: {', '.join(names)} (--sheet NAME)")
        df, _ = _with_header(sheets[match], wanted)
        notes.append(f"{where}: read sheet {match!r} (--sheet)")
        return Table(df, where, match, notes)
    for name in names:
        df, score = _with_header(sheets[name], wanted)
        if not df.empty and score > 0:
            if len(names) > 1:
                notes.append(f"{where}: read sheet {name!r}, the first with {wanted_what} (of {', '.join(names)}; "
                             "--sheet to choose another)")
            return Table(df, where, name, notes)
    raise InputError(f"{where}: no sheet has {wanted_what} (sheets: {', '.join(names)}); name one with --sheet and "
                     "its columns with the column options")
