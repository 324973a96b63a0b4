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
import pyogrio
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
        bad = [c for c in n["lsoas"] if not isinstance(c, str) or not c]
        if bad:
            raise InputError(f"{where}: schema violation at neighbourhoods/{i}/lsoas: {bad[0]!r} is not an LSOA "
                             "code (non-empty string)")
    meta = dict(d["footprint"])
    rules = Rules.from_dict(d.get("rules", {}))
    hoods = [NeighbourhoodSpec(str(n["id"]), str(n.get("name", n["id"])), [str(c) for c in n["lsoas"]])
             for n in d["neighbourhoods"]]
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
                     waivers=[{k: str(v) for k, v in w.items()} for w in d.get("waivers", [])])


@dataclass(frozen=True)
class TableColumns:
    """Which columns of an assignment table hold what (None = found by its usual name)."""

    code: str | None = None  # LSOA code (auto: LSOA21CD, LSOA11CD, lsoa, code, lsoa_code)
    group: str | None = None  # the neighbourhood / grouping column, e.g. PCN_Name (auto: neighbourhood, ...)
    name: str | None = None  # the neighbourhood name (auto: neighbourhood_name, name)


CODE_NAMES = ("lsoa21cd", "lsoa11cd", "lsoa", "code", "lsoa_code", "lsoa21", "lsoa11")
GROUP_NAMES = ("neighbourhood", "neighbourhood_id", "nbhd")


def _pick(df: pd.DataFrame, given: str | None, usual: tuple[str, ...], path: Path, flag: str) -> str | None:
    """The column ``given`` (must exist; case-insensitive), else the first usual name present."""
    cols = {str(c).lower(): str(c) for c in df.columns}
    if given is not None:
        if given in df.columns:
            return given
        if given.lower() in cols:
            return cols[given.lower()]
        raise InputError(f"{path}: no column {given!r} ({flag}); columns are: {', '.join(map(str, df.columns))}")
    return next((cols[c] for c in usual if c in cols), None)


def _from_table(df: pd.DataFrame, path: Path, vintage: int | None, columns: TableColumns | None = None) -> Footprint:
    """A footprint from a table of LSOA code -> group [-> name] [-> place]; any column names via ``columns``."""
    tc = columns or TableColumns()
    cols = {str(c).lower(): str(c) for c in df.columns}
    known = tc.code is not None and tc.code.lower() in cols  # --code-column may name the boundaries' column
    code_col = _pick(df, tc.code if known else None, CODE_NAMES, path, "--code-column")
    nb_col = _pick(df, tc.group, GROUP_NAMES, path, "--group-column")
    if code_col is None or nb_col is None:
        what = " and ".join(x for x, c in (("an LSOA code column (LSOA21CD/LSOA11CD/code; or --code-column)",
                                            code_col), ("a 'neighbourhood' column (or --group-column, e.g. "
                                                        "--group-column PCN_Name)", nb_col)) if c is None)
        raise InputError(f"{path}: an assignment table needs {what}; found {', '.join(map(str, df.columns))}")
    place_col = next((cols[c] for c in ("place", "place_id") if c in cols), None)
    name_col = _pick(df, tc.name, ("neighbourhood_name", "name"), path, "--name-column")
    if name_col == nb_col:
        name_col = None
    df = df[df.notna().any(axis=1)]  # wholly empty rows (spreadsheet leftovers) carry nothing
    if df.empty:
        raise InputError(f"{path} has no rows; list one LSOA code and its neighbourhood per row")
    blank = df[code_col].isna() | (df[code_col].astype("string").str.strip() == "")
    if blank.any():
        pos = int(np.flatnonzero(blank.to_numpy())[0])
        row = f"row {int(df.index[pos]) + 2} (counting the header as row 1)" if path.suffix.lower() == ".csv" \
            else f"feature {int(df.index[pos]) + 1}"
        raise InputError(f"{path}: {row} has no LSOA code in column {code_col!r}"
                         + (f" ({int(blank.sum())} rows in all)" if blank.sum() > 1 else "")
                         + "; fill in the code or delete the row")
    df = df.assign(**{code_col: df[code_col].astype(str).str.strip()})
    if df[nb_col].isna().any():
        raise InputError(f"{path}: {int(df[nb_col].isna().sum())} row(s) have no {nb_col!r}; give every LSOA a "
                         "group or remove the row")
    v = vintage or _table_vintage(df[code_col], code_col)
    hoods = []
    conflicts: dict[str, list[str]] = {}
    for nid, grp in df.groupby(nb_col, sort=True):
        name = str(nid)
        if name_col:
            counts = grp[name_col].dropna().astype(str).value_counts(sort=False)
            if len(counts):  # most rows first, then first seen
                order = sorted(counts.index, key=lambda x: -counts[x])
                name = order[0]
                if len(order) > 1:
                    conflicts[str(nid)] = order
        hoods.append(NeighbourhoodSpec(str(nid), name, grp[code_col].tolist()))
    places: list[PlaceSpec] = []
    if place_col:
        pn = df.groupby(nb_col)[place_col].nunique()
        if (pn > 1).any():
            raise InputError(f"{path}: neighbourhood {pn[pn > 1].index[0]} is in more than one place")
        for pid, grp in df.groupby(place_col, sort=True):
            places.append(PlaceSpec(str(pid), str(pid), sorted(grp[nb_col].astype(str).unique().tolist())))
    unread = unread_columns(df, [c for c in (code_col, nb_col, name_col, place_col) if c], nb_col)
    return Footprint(name=path.stem, vintage=v, rules=Rules(), neighbourhoods=hoods, places=places,
                     meta={"source": str(path)}, name_conflicts=conflicts, unread_columns=unread)


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


def read_footprint(path: str | Path, vintage: int | None = None, columns: TableColumns | None = None) -> Footprint:
    """Read a footprint: TOML config, or a CSV / GeoPackage assignment table (code -> neighbourhood [-> place])."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"footprint file not found: {path}")
    if path.is_dir():
        raise InputError(f"{path} is a folder; give a footprint file (.toml, .csv or .gpkg)")
    suffix = path.suffix.lower()
    if suffix == ".toml":
        try:
            d = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{path}: malformed TOML: {exc}") from None
        except UnicodeDecodeError as exc:
            raise InputError(f"{path} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at position "
                             f"{exc.start}); TOML must be UTF-8: re-save it as UTF-8") from None
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
        return footprint_from_dict(d, str(path))
    if suffix == ".csv":
        try:
            df = pd.read_csv(path, dtype=str)
        except UnicodeDecodeError as exc:
            raise InputError(f"{path} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at position "
                             f"{exc.start}); re-save the CSV as UTF-8") from None
        except pd.errors.EmptyDataError:
            raise InputError(f"{path} is empty; a footprint CSV needs a header (LSOA21CD,neighbourhood) and "
                             "rows") from None
        except (pd.errors.ParserError, OSError) as exc:
            raise InputError(f"{path}: cannot read CSV: {str(exc).splitlines()[0]}") from None
        return _from_table(df, path, vintage, columns)
    if suffix in (".gpkg", ".geojson", ".shp", ".parquet"):
        try:
            layers = [name for name, _ in pyogrio.list_layers(path)] if suffix == ".gpkg" else [None]
            layer = "assignment" if "assignment" in layers else layers[0]
            df = pd.DataFrame(pyogrio.read_dataframe(path, layer=layer, read_geometry=False))
        except Exception as exc:  # pyogrio raises several types
            raise InputError(f"{path}: cannot read assignment table: {str(exc).splitlines()[0]}") from None
        return _from_table(df, path, vintage, columns)
    raise InputError(f"{path}: unsupported footprint format {suffix!r}; use .toml, .csv or .gpkg")
