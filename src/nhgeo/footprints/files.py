"""Footprint configs: the TOML format ``propose`` writes and ``validate`` reads, plus CSV/GeoPackage tables.

A footprint is one place or system: metadata, rules, neighbourhoods (id, name, LSOA codes)
and optionally places (id, name, ICB, neighbourhood ids). The JSON Schema is
``configs/footprint.schema.json``; see the README for an example.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pandas as pd
import tomli_w

from ..errors import InputError
from ..model import Footprint, NeighbourhoodSpec, PlaceSpec, Rules
from ..sources.data import config_path

FORMAT_VERSION = 1


def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(config_path("footprint.schema.json").read_text())
    return schema


@lru_cache(maxsize=1)
def _validator() -> Any:
    """The footprint schema's validator, checked and built once (``jsonschema.validate`` redoes both per call)."""
    schema = _schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _check_schema(d: dict[str, Any]) -> None:
    err = jsonschema.exceptions.best_match(_validator().iter_errors(d))
    if err is not None:
        raise err


def footprint_to_dict(fp: Footprint) -> dict[str, Any]:
    meta = {"name": fp.name, "vintage": fp.vintage, "format_version": FORMAT_VERSION}
    meta.update({k: v for k, v in fp.meta.items() if v is not None and k not in meta})
    d: dict[str, Any] = {"footprint": meta, "rules": fp.rules.to_dict()}
    d["neighbourhoods"] = [{"id": n.id, "name": n.name, "lsoas": list(n.codes)} for n in fp.neighbourhoods]
    if fp.places:
        d["places"] = [{"id": p.id, "name": p.name, **({"icb": p.icb} if p.icb else {}),
                        "neighbourhoods": list(p.neighbourhoods)} for p in fp.places]
    if fp.waivers:
        d["waivers"] = [dict(w) for w in fp.waivers]
    return d


def dumps_toml(fp: Footprint) -> str:
    """The footprint as TOML text (validated against the schema before it is written: one item per shape, as
    on reading, so an all-England footprint is checked in milliseconds rather than ~1.6 s)."""
    d = footprint_to_dict(fp)
    _check_schema(_schema_view(d)[0])
    return tomli_w.dumps(d)


def _shape(v: Any) -> Any:
    """What the footprint schema can tell apart in a value: types, keys, and whether strings and
    lists are empty (the only value constraints in its list items: non-empty ids, codes and lists)."""
    if isinstance(v, dict):
        return ("dict", tuple(sorted((str(k), _shape(x)) for k, x in v.items())))
    if isinstance(v, list):
        return ("list", bool(v), tuple(sorted({_shape(x) for x in v}, key=repr)))
    if isinstance(v, str):
        return ("str", bool(v))
    return (type(v).__name__,)


def _schema_view(d: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """``d`` cut down for a fast schema check, and where each kept list item came from.

    LSOA lists keep their first code (every code is checked in Python afterwards) and, of the
    neighbourhoods, places and waivers, one item per distinct shape is kept: items of one shape pass
    or fail the schema together. An all-England footprint has 33,755 codes in 1,143 neighbourhoods.
    """
    view = dict(d)
    origin: dict[str, list[int]] = {}
    for key in ("neighbourhoods", "places", "waivers"):
        items = d.get(key)
        if not isinstance(items, list):
            continue
        if key == "neighbourhoods":
            items = [dict(n, lsoas=n["lsoas"][:1]) if isinstance(n, dict) and isinstance(n.get("lsoas"), list)
                     else n for n in items]
        seen: dict[Any, int] = {}
        for i, item in enumerate(items):
            seen.setdefault(_shape(item), i)
        origin[key] = sorted(seen.values())
        view[key] = [items[i] for i in origin[key]]
    return view, origin


def footprint_from_dict(d: dict[str, Any], where: str) -> Footprint:
    """Check ``d`` against the schema and build a :class:`Footprint` (one-line errors)."""
    view, origin = _schema_view(d)
    try:
        _check_schema(view)
    except jsonschema.ValidationError as exc:
        path = list(exc.absolute_path)
        if len(path) > 1 and path[0] in origin and isinstance(path[1], int):
            path[1] = origin[str(path[0])][path[1]]  # back to the index in the file
        loc = "/".join(str(p) for p in path) or "top level"
        raise InputError(f"{where}: schema violation at {loc}: {exc.message}") from None
    for i, n in enumerate(d["neighbourhoods"]):
        bad = [c for c in n["lsoas"] if not isinstance(c, str) or not c.strip()]
        if bad:
            raise InputError(f"{where}: schema violation at neighbourhoods/{i}/lsoas: {bad[0]!r} is not an LSOA "
                             "code (non-empty string)")
    meta = dict(d["footprint"])
    rules = Rules.from_dict(d.get("rules", {}))
    hoods = [NeighbourhoodSpec(str(n["id"]), str(n.get("name", n["id"])), [_clean(str(c)) for c in n["lsoas"]])
             for n in d["neighbourhoods"]]
    cleaned = sum(c != str(raw) for n, h in zip(d["neighbourhoods"], hoods, strict=True)
                  for raw, c in zip(n["lsoas"], h.codes, strict=True))
    ids = [n.id for n in hoods]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise InputError(f"{where}: neighbourhood id(s) used twice: {', '.join(dup)}")
    empty = [n.id for n in hoods if not n.codes]
    if empty:
        raise InputError(f"{where}: neighbourhood(s) with no LSOAs: {', '.join(empty)}; remove them or add codes")
    places = [PlaceSpec(str(p["id"]), str(p.get("name", p["id"])), [str(x) for x in p["neighbourhoods"]],
                        p.get("icb")) for p in d.get("places", [])]
    seen: dict[str, str] = {}
    for p in places:
        for nid in p.neighbourhoods:
            if nid not in ids:
                raise InputError(f"{where}: place {p.id} lists unknown neighbourhood {nid!r}")
            if nid in seen:
                raise InputError(f"{where}: neighbourhood {nid} is listed in two places ({seen[nid]} and {p.id}); "
                                 "each neighbourhood belongs to exactly one place")
            seen[nid] = p.id
    given = tuple(k for k in d.get("rules", {}) if k != "severity") + tuple(
        f"severity.{k}" for k in d.get("rules", {}).get("severity", {}))
    return Footprint(name=str(meta.pop("name")), vintage=int(meta.pop("vintage")), rules=rules,
                     neighbourhoods=hoods, places=places, meta=meta, rules_given=given,
                     waivers=[{k: str(v) for k, v in w.items()} for w in d.get("waivers", [])],
                     read_notes=[f"{cleaned:,} code(s) cleaned (spaces, lower case)"] if cleaned else [])


def _clean(code: str) -> str:
    """A code as the data writes it: no spaces, upper case ("e01 000001" -> "E01000001")."""
    return "".join(code.split()).upper()


@dataclass(frozen=True)
class TableColumns:
    """Which columns of an assignment table hold what (None = found by its usual name), and how to read it."""

    code: str | None = None  # the code column (auto: LSOA21CD, LSOA11CD, WD24CD, MSOA21CD, practice_code, ...)
    group: str | None = None  # the neighbourhood / grouping column, e.g. PCN_Name (auto: neighbourhood, ...)
    name: str | None = None  # the neighbourhood name (auto: neighbourhood_name, name)
    code_type: str | None = None  # lsoa | ward | msoa | practice | pcn (auto: from the codes)
    sheet: str | None = None  # workbooks: the sheet (auto: the first holding a code column)
    layer: str | None = None  # GeoPackages: the layer (auto: "assignment", else the one holding a code column)


CODE_NAMES = ("lsoa21cd", "lsoa11cd", "lsoa", "code", "lsoa_code", "lsoa21", "lsoa11")
GROUP_NAMES = ("neighbourhood", "neighbourhood_id", "nbhd", "neighbourhood_code", "locality", "locality_id",
               "locality_code", "neighbourhood_name", "locality_name", "cluster", "team")


def _pick(df: pd.DataFrame, given: str | None, usual: tuple[str, ...], path: Path | str, flag: str) -> str | None:
    """The column ``given`` (must exist; case, spaces and underscores aside), else the first usual name present."""
    from .tables import norm

    cols = {norm(c): str(c) for c in df.columns}
    if given is not None:
        if given in df.columns:
            return given
        if norm(given) in cols:
            return cols[norm(given)]
        raise InputError(f"{path}: no column {given!r} ({flag}); columns are: {', '.join(map(str, df.columns))}")
    return next((cols[norm(c)] for c in usual if norm(c) in cols), None)


def _row_label(df: pd.DataFrame, pos: int, where: str, kind: str) -> str:
    if kind == "csv":
        return f"row {int(df.index[pos]) + 2} (counting the header as row 1)"
    if kind == "sheet":
        return f"data row {int(df.index[pos]) + 1} of the sheet (under the header)"
    return f"feature {int(df.index[pos]) + 1}"


def _from_table(df: pd.DataFrame, path: Path | str, vintage: int | None, columns: TableColumns | None = None,
                kind: str = "csv", notes: list[str] | None = None) -> Footprint:
    """A footprint from a table of code -> group [-> name] [-> place]; any column names via ``columns``.

    Codes are cleaned (spaces, case, an Excel ``.0``); codes of wards, MSOAs, practices or PCNs are turned into
    LSOAs by :func:`nhgeo.footprints.codes.to_lsoas`, and the footprint carries how (``conversion``)."""
    from .codes import CodeType, clean_codes, detect_code_type, to_lsoas
    from .tables import find_code_column, looks_like_code, norm

    tc = columns or TableColumns()
    notes = list(notes or [])
    df = df.rename(columns={c: str(c).strip() for c in df.columns})
    df = df.loc[:, [not (str(c).startswith("Unnamed:") and df[c].isna().all()) for c in df.columns]]
    if kind == "csv" and len(df.columns) and looks_like_code(str(df.columns[0])) and tc.code is None:
        # no header row: the first row is data (a code and its group)
        first = pd.DataFrame([[str(c) for c in df.columns]], columns=df.columns)
        df = pd.concat([first, df], ignore_index=True)
        df.columns = ["code", "neighbourhood", *[f"column {i + 3}" for i in range(len(df.columns) - 2)]][
            :len(df.columns)]
        notes.append("no header row: the first column read as codes, the second as neighbourhoods")
    cols = {norm(c): str(c) for c in df.columns}
    known = tc.code is not None and norm(tc.code) in cols  # --code-column may name the boundaries' column
    code_col = _pick(df, tc.code, CODE_NAMES, path, "--code-column") if known else find_code_column(df)[0]
    nb_col = _pick(df, tc.group, GROUP_NAMES, path, "--group-column")
    if nb_col is None and code_col is not None and tc.group is None:
        others = [str(c) for c in df.columns if str(c) != code_col]
        if len(others) == 1:  # a two-column table: the other column groups the codes
            nb_col = others[0]
            notes.append(f"grouped by the table's other column, {nb_col!r} (--group-column to choose)")
    if code_col is None or nb_col is None:
        what = " and ".join(x for x, c in (("a code column (LSOA21CD/LSOA11CD, WD24CD, MSOA21CD, practice_code, "
                                            "pcn_code; or --code-column)", code_col),
                                           ("a 'neighbourhood' column (or --group-column, e.g. --group-column "
                                            "PCN_Name)", nb_col)) if c is None)
        raise InputError(f"{path}: an assignment table needs {what}; found {', '.join(map(str, df.columns))}")
    if nb_col == code_col:
        raise InputError(f"{path}: the code column {code_col!r} cannot also group the codes; name the "
                         "neighbourhood column with --group-column")
    place_col = next((cols[c] for c in ("place", "place_id", "place_name") if c in cols), None)
    name_col = _pick(df, tc.name, ("neighbourhood_name", "name", "locality_name"), path, "--name-column")
    if name_col == nb_col:
        name_col = None
    df = df[df.notna().any(axis=1)]  # wholly empty rows (spreadsheet leftovers) carry nothing
    if df.empty:
        raise InputError(f"{path} has no rows; list one LSOA code and its neighbourhood per row")
    raw = df[code_col].astype("string")
    blank = raw.isna() | (raw.str.strip() == "")
    if blank.any():
        pos = int(np.flatnonzero(blank.to_numpy())[0])
        what = "LSOA code" if "lsoa" in code_col.lower() else "code"
        raise InputError(f"{path}: {_row_label(df, pos, str(path), kind)} has no {what} in column {code_col!r}"
                         + (f" ({int(blank.sum())} rows in all)" if blank.sum() > 1 else "")
                         + "; fill in the code or delete the row")
    cleaned = clean_codes(raw)
    changed = (cleaned != raw).fillna(False).to_numpy(dtype=bool)
    df = df.assign(**{code_col: cleaned.astype(str).to_numpy()})
    groups = df[nb_col].astype("string").str.strip()
    no_group = (groups.isna() | (groups == "")).to_numpy()
    if no_group.any():  # a totals line or a footnote under the table ("Total", "Source: ONS"): not a code, no group
        from .codes import code_type_of

        stray = no_group & np.array([code_type_of(c) is None for c in df[code_col]])
        if stray.any() and stray.sum() == no_group.sum():
            shown = ", ".join(repr(str(x)) for x in raw[stray].head(3))
            notes.append(f"ignored {int(stray.sum())} row(s) with no group and no code, e.g. {shown} (a total or a "
                         "note under the table)")
            df, groups, changed = df[~stray], groups[~stray], changed[~stray]
    if changed.any():
        notes.append(f"{int(changed.sum()):,} code(s) cleaned (spaces, lower case or an Excel number format removed)")
    if (groups.isna() | (groups == "")).any():
        n = int((groups.isna() | (groups == "")).sum())
        raise InputError(f"{path}: {n} row(s) have no {nb_col!r}; give every code a group or remove the row")
    df = df.assign(**{nb_col: groups.astype(str).to_numpy()})
    code_type = detect_code_type(df[code_col], code_col, tc.code_type)
    conversion = None
    if code_type != CodeType.LSOA:
        if vintage not in (None, 2021):
            raise InputError(f"{path} lists {code_type} codes, which nhgeo turns into LSOA 2021; drop --vintage "
                             f"{vintage}")
        pairs = pd.DataFrame({"code": df[code_col].to_numpy(), "group": df[nb_col].to_numpy()})
        lsoas, conversion = to_lsoas(pairs, code_type)
        if lsoas.empty:
            raise InputError(f"{path}: none of the {conversion.codes} {code_type} codes could be turned into LSOAs "
                             f"({conversion.summary()})")
        conversion.notes[:0] = notes
        per_group = df.drop_duplicates(nb_col).set_index(nb_col)
        extra = {c: lsoas["group"].map(per_group[c]).to_numpy() for c in (name_col, place_col) if c}
        df = pd.DataFrame({code_col: lsoas["lsoa"].to_numpy(), nb_col: lsoas["group"].to_numpy(), **extra})
        v = 2021
    else:
        v = vintage or _table_vintage(df[code_col], code_col)
    hoods = []
    conflicts: dict[str, list[str]] = {}
    for nid, grp in df.groupby(nb_col, sort=True):
        name = str(nid)
        if name_col:
            counts = grp[name_col].dropna().astype(str).str.strip().value_counts(sort=False)
            counts = counts[counts.index != ""]
            if len(counts):  # most rows first, then first seen
                order = sorted(counts.index, key=lambda x: -counts[x])
                name = order[0]
                if len(order) > 1:
                    conflicts[str(nid)] = order
        hoods.append(NeighbourhoodSpec(str(nid), name, grp[code_col].tolist()))
    places: list[PlaceSpec] = []
    if place_col:
        df = df.assign(**{place_col: df[place_col].astype("string").str.strip()})
        pn = df.groupby(nb_col)[place_col].nunique()
        if (pn > 1).any():
            raise InputError(f"{path}: neighbourhood {pn[pn > 1].index[0]} is in more than one place")
        for pid, grp in df.dropna(subset=[place_col]).groupby(place_col, sort=True):
            places.append(PlaceSpec(str(pid), str(pid), sorted(grp[nb_col].astype(str).unique().tolist())))
    unread = unread_columns(df, [c for c in (code_col, nb_col, name_col, place_col) if c], nb_col)
    stem = Path(str(path)).stem if str(path) not in ("-", "standard input") else "footprint"
    meta: dict[str, Any] = {"source": str(path)}
    if conversion is not None:
        meta["converted_from"] = f"{conversion.codes} {code_type} codes of {path} by {conversion.method}"
    return Footprint(name=stem, vintage=v, rules=Rules(), neighbourhoods=hoods, places=places,
                     meta=meta, name_conflicts=conflicts, conversion=conversion,
                     read_notes=notes if conversion is None else [],
                     unread_columns=unread)



PLACE_HINTS = ("place", "hcp", "locality", "localities", "partnership", "pbp", "system", "borough", "cluster",
               "area", "zone", "division", "district", "icp", "alliance")
NAME_HINTS = ("name", "title", "label")


def unread_columns(df: pd.DataFrame, used: list[str], group: str) -> dict[str, str]:
    """Columns of an assignment table that nhgeo does not read but that look like a place or a name (by their
    heading, or because they hold one text value per neighbourhood): column -> what it looks like."""
    out: dict[str, str] = {}
    for c in df.columns:
        if c in used or str(c).lower().startswith(("unnamed", "geometry")):
            continue
        low = str(c).lower().replace("_", " ").replace("-", " ")
        words = set(low.split())
        vals = df[c].dropna()
        texty = len(vals) > 0 and vals.astype(str).str.contains(r"[A-Za-z]").mean() > 0.5
        if words & set(PLACE_HINTS) or any(low.startswith(h) for h in PLACE_HINTS):
            out[str(c)] = "a place column"
        elif texty and (words & set(NAME_HINTS) or low.endswith("name")):
            out[str(c)] = "a name column"
        elif texty and 1 < vals.nunique() < df[group].nunique() and \
                bool((df.dropna(subset=[c]).groupby(group)[c].nunique() <= 1).all()):
            out[str(c)] = "a grouping of neighbourhoods (a place?)"
    return out


def _table_vintage(codes: pd.Series, code_col: str) -> int:
    """2011 or 2021 from the column name (LSOA11CD), else from which embedded set knows more of the codes."""
    low = code_col.lower()
    if "11" in low:
        return 2011
    if "21" in low:
        return 2021
    from ..sources.boundaries import embedded_codes

    sample = set(codes.astype(str).head(5000))
    return 2011 if len(sample - embedded_codes(2011)) < len(sample - embedded_codes(2021)) else 2021


GEO_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".parquet", ".geoparquet", ".fgb", ".zip")
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


def _looks_like_toml(data: bytes) -> bool:
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:4096]
    return head.startswith((b"[footprint]", b"[[neighbourhoods]]", b"[rules]", b"#")) or b"\n[footprint]" in head


def _read_toml(text: str, where: str) -> Footprint:
    try:
        d = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{where}: malformed TOML: {exc}") from None
    return footprint_from_dict(d, where)


def read_footprint(path: str | Path, vintage: int | None = None, columns: TableColumns | None = None) -> Footprint:
    """Read a footprint: a TOML config; a table (CSV, Excel/OpenDocument workbook, GeoPackage) of codes ->
    neighbourhood [-> place], the codes LSOAs, wards, MSOAs, practices or PCNs; ``-`` reads standard input."""
    from ..sources.tables import decode_text, is_stdin, read_source
    from .tables import read_footprint_table

    tc = columns or TableColumns()
    if is_stdin(path):
        data = read_source(path, "footprint")
        if _looks_like_toml(data):
            return _read_toml(decode_text(data, "standard input"), "standard input")
        return _table_footprint("-", vintage, tc, read_footprint_table)
    path = Path(path)
    if not path.exists():
        raise InputError(f"footprint file not found: {path}")
    if path.is_dir():
        raise InputError(f"{path} is a folder; give a footprint file (.toml, .csv, .xlsx, .ods or .gpkg)")
    suffix = path.suffix.lower()
    if suffix == ".toml":
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(f"{path} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at position "
                             f"{exc.start}); TOML must be UTF-8: re-save it as UTF-8") from None
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
        return _read_toml(text, str(path))
    if suffix in TABLE_SUFFIXES:
        return _table_footprint(path, vintage, tc, read_footprint_table)
    if suffix in GEO_SUFFIXES:
        from ..sources.geofiles import read_geo_table

        df, kind_notes = read_geo_table(path, "footprint", layer=tc.layer, prefer="assignment",
                                        wanted=_has_code_column)
        return _from_table(df, path, vintage, tc, kind="geo", notes=kind_notes)
    raise InputError(f"{path}: unsupported footprint format {suffix!r}; use .toml, .csv, .xlsx, .ods, .gpkg or a "
                     "zipped shapefile")


def _has_code_column(fields: list[str]) -> bool:
    from .codes import COLUMN_NAMES

    low = {f.strip().lower() for f in fields}
    return any(n in low for names in COLUMN_NAMES.values() for n in names)


def _table_footprint(path: str | Path, vintage: int | None, tc: TableColumns, reader: Any) -> Footprint:
    table = reader(path, tc.sheet)
    kind = "sheet" if table.sheet is not None else "csv"
    where: str | Path = table.where if str(path) == "-" else path
    return _from_table(table.frame, where, vintage, tc, kind=kind, notes=table.notes)
