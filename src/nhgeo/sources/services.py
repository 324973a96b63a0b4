"""Service data for the core offer: the catalogue (component -> data), embedded points and the user's own.

The catalogue (``configs/services_catalogue.toml``) maps each core-offer component to embedded service
points (GP practices, pharmacies, ODS settings, hospitals) or to nothing: social care and the voluntary &
community sector have no national data, so they are ``no-data`` unless the user supplies points.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ..errors import InputError
from .boundaries import to_bng
from .data import config_path, get_path
from .extent import in_england
from .tables import is_sheet, read_table

SERVICE_VINTAGE = ("GP practices ODS Feb 2026 (list sizes ~Jan 2026, PCNs ~Oct 2024); pharmacies ODS ~Mar 2025; "
                   "other ODS settings Feb 2026; hospitals NHS website <=Jun 2023")


@dataclass(frozen=True)
class Component:
    """One core-offer component and how to find it in the data."""

    name: str
    label: str
    datasets: tuple[str, ...] = ()
    setting_groups: tuple[str, ...] = ()
    name_pattern: str | None = None
    operator_category: str | None = None  # e.g. "mental_health": sites run by trusts of that CQC category count
    distance_m: float = 3000.0
    required: bool = True
    note: str = ""
    short: str = ""  # column heading in the table (defaults to the label's start)
    counts: str = ""  # what counts as this component, in plain words (tables, report, `nhgeo rules`)


def load_catalogue(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> list[Component]:
    """The service catalogue, with a footprint's ``[rules.core_offer]`` overrides applied."""
    p = Path(path) if path else config_path("services_catalogue.toml")
    if not p.exists():
        raise InputError(f"service catalogue not found: {p}")
    try:
        d = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{p}: malformed TOML: {exc}") from None
    overrides = overrides or {}
    req = overrides.get("required")
    dist = overrides.get("distance_m", {})
    comps = []
    for name, c in d.get("components", {}).items():
        try:
            comps.append(_component(name, c, dist, req))
        except (TypeError, ValueError, re.error) as exc:
            raise InputError(f"{p}: component {name!r}: {exc}") from None
    if not comps:
        raise InputError(f"{p}: no [components.*] tables; see configs/services_catalogue.toml")
    if req is not None:
        unknown = set(req) - {c.name for c in comps}
        if unknown:
            raise InputError(f"unknown core-offer component(s) in rules: {', '.join(sorted(unknown))}")
    return comps


def _component(name: str, c: dict[str, Any], dist: dict[str, Any], req: list[str] | None) -> Component:
    """One catalogue entry, checked: distances are non-negative numbers, name patterns compile."""
    distance = float(dist.get(name, c.get("distance_m", 3000)))
    if distance < 0 or distance != distance:
        raise ValueError(f"distance_m must be a number >= 0, not {distance}")
    if c.get("name_pattern"):
        re.compile(c["name_pattern"])
    return Component(
        name=name, label=str(c.get("label", name)), datasets=tuple(c.get("datasets", ())),
        setting_groups=tuple(c.get("setting_groups", ())), name_pattern=c.get("name_pattern"),
        operator_category=c.get("operator_category"), distance_m=distance,
        required=(name in req) if req is not None else bool(c.get("required", True)), note=str(c.get("note", "")),
        counts=str(c.get("counts", "")),
        short=str(c.get("short", str(c.get("label", name))[:6])))


_ACRONYMS = {"NHS", "GP", "GPS", "PCN", "HIV", "UK", "CIC", "ICB", "CCG", "CAMHS", "CMHT", "IAPT", "UTC", "A&E", "MIU",
             "WIC", "HMP", "YOI", "CDC", "OOH", "LLP", "PLC", "CHC", "MH", "LD", "ADHD", "ASD", "DN", "NHSE"}
_SMALL = {"and", "of", "the", "at", "on", "in", "for", "with", "by", "upon", "under", "&"}
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")


def proper_case(name: str) -> str:
    """A service name as people write it: "ST MARTIN'S HOSPITAL" -> "St Martin's Hospital" (not "St Martin'S"),
    "THE NHS WALK-IN CENTRE" -> "The NHS Walk-In Centre"; acronyms stay upper, small words lower inside the name.
    Names already in mixed case are left as they are."""
    if not name or (name != name.upper() and name != name.lower()):
        return name

    def fix(m: re.Match[str]) -> str:
        w = m.group(0)
        up = w.upper()
        if up in _ACRONYMS:
            return up
        if m.start() > 0 and w.lower() in _SMALL:
            return w.lower()
        head, _, tail = w.partition("'") if "'" in w else w.partition("’")
        out = head[:1].upper() + head[1:].lower()
        if w != head:  # an apostrophe: O'Brien keeps the capital, Martin's does not
            sep = w[len(head)]
            rest = tail.lower()
            out += sep + (rest[:1].upper() + rest[1:] if len(head) == 1 and len(rest) > 1 else rest)
        return out

    return _WORD.sub(fix, name)


def load_services(extra: str | Path | None = None, component: str | None = None) -> gpd.GeoDataFrame:
    """Embedded service points plus the user's own (``component`` column or the given component)."""
    svc = pd.read_parquet(get_path("services"))
    svc["component"] = None
    frames = [svc]
    notes: list[str] = []
    if extra is not None:
        user = _read_user_services(Path(extra), component)
        notes = list(user.attrs.get("notes", []))
        frames.append(user)
    df = pd.concat(frames, ignore_index=True)
    out = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["easting"], df["northing"]), crs=27700)
    out.attrs["notes"] = notes  # how the user's points were read and placed (postcodes, layouts recognised)
    return out


EAST_NORTH = (("easting", "northing"), ("location easting", "location northing"))
LAT_LON = (("latitude", "longitude"), ("lat", "lon"), ("lat", "lng"), ("location latitude", "location longitude"))
POSTCODE_COLUMNS = ("postcode", "post code", "postal code", "location postal code", "location postcode", "postal_code")
NAME_COLUMNS = ("name", "location name", "service name", "organisation name")
# columns that mark a Care Quality Commission list (care directory, active locations, local extracts of them):
# every location in it is a CQC-registered care service, counted as social care unless told otherwise
CQC_MARKERS = ("cqc_id", "location id", "cqc location id (for office use only)", "care home?", "service types",
               "location type/sector", "cqc_webpage")


def _first(cols: dict[str, str], *names: str) -> str | None:
    return next((cols[x] for x in names if x in cols), None)


def _coordinates(df: pd.DataFrame, cols: dict[str, str], path: Path, notes: list[str]
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Easting/northing per row: from BNG columns, else latitude/longitude, else (and for rows without them)
    the postcode, geocoded offline; rows placed nowhere are dropped and listed in ``notes``."""
    from .geocode import POSTCODE_VINTAGE, geocode_postcodes

    e = np.full(len(df), np.nan)
    n = np.full(len(df), np.nan)
    for ce, cn in EAST_NORTH:
        if ce in cols and cn in cols:
            e = np.array(pd.to_numeric(df[cols[ce]], errors="coerce"), dtype=float)  # a writable copy: rows
            n = np.array(pd.to_numeric(df[cols[cn]], errors="coerce"), dtype=float)  # without get postcodes
            break
    else:
        for cla, clo in LAT_LON:
            if cla in cols and clo in cols:
                lat = pd.to_numeric(df[cols[cla]], errors="coerce")
                lon = pd.to_numeric(df[cols[clo]], errors="coerce")
                ok = (lat.between(-90, 90) & lon.between(-180, 180)).to_numpy()
                g = gpd.GeoSeries(gpd.points_from_xy(lon.where(ok), lat.where(ok)), crs=4326).to_crs(27700)
                e, n = np.where(ok, g.x, np.nan), np.where(ok, g.y, np.nan)
                break
    pc = _first(cols, *POSTCODE_COLUMNS)
    have = np.isfinite(e) & np.isfinite(n)
    if pc is None and not have.any():
        raise InputError(f"{path}: a services CSV needs easting/northing, latitude/longitude or a postcode column "
                         "(e.g. CQC's 'Location Postal Code')")
    if pc is not None and not have.all():
        todo = ~have
        g = geocode_postcodes(df.loc[todo, pc])
        e[todo], n[todo] = g.easting, g.northing
        notes.append(f"{int(g.matched.sum()):,} of {int(todo.sum()):,} service(s) placed by postcode "
                     f"({POSTCODE_VINTAGE})")
        if g.unmatched:
            more = len(g.unmatched) - 10
            shown = ", ".join(g.unmatched[:10]) + (f" and {more} more" if more > 0 else "")
            notes.append(f"{len(g.unmatched):,} postcode(s) not found, those services left out: {shown}")
    placed = np.isfinite(e) & np.isfinite(n)
    if not placed.any():
        raise InputError(f"{path}: no service could be placed: no usable coordinates and no postcode found in "
                         f"{POSTCODE_VINTAGE}")
    if pc is None and not placed.all():
        raise InputError(f"{path}: {int((~placed).sum())} service(s) have no usable coordinates (and there is no "
                         "postcode column to place them by)")
    return e, n, placed


def _read_user_services(path: Path, component: str | None) -> pd.DataFrame:
    """The user's service points in the standard columns; ``attrs["notes"]`` says what was done to place them."""
    notes: list[str] = []
    if not path.exists():
        raise InputError(f"services file not found: {path}")
    if path.is_file() and path.stat().st_size == 0:
        raise InputError(f"services file {path} is empty; give a CSV with easting/northing or latitude/longitude "
                         "columns, or a geo file")
    if path.suffix.lower() in (".csv", ".tsv", ".txt") or is_sheet(path):
        if path.is_dir():
            raise InputError(f"services file {path} is a folder; give a CSV file")
        table = read_table(path, "services file", wanted=_service_columns_score,
                           wanted_what="easting/northing, latitude/longitude or postcode columns",
                           empty_hint="give a CSV with easting/northing or latitude/longitude columns, or a geo file")
        df = table.frame
        notes += table.notes
        cols = {str(c).strip().lower(): c for c in df.columns}
        e, n, placed = _coordinates(df, cols, path, notes)
        df = df[placed].reset_index(drop=True)
        e, n = e[placed], n[placed]
    else:
        from .geofiles import read_geo

        g = read_geo(path, "services file")
        g = to_bng(g, f"services file {path}", notes)
        pts = g.geometry.representative_point()
        df, e, n = pd.DataFrame(g.drop(columns=g.geometry.name)), pts.x, pts.y
        cols = {c.lower(): c for c in df.columns}
    bad = ~(np.isfinite(np.asarray(e, dtype=float)) & np.isfinite(np.asarray(n, dtype=float)))
    if bad.any():
        raise InputError(f"{path}: {int(bad.sum())} service(s) have no usable coordinates")
    e, n = np.asarray(e, dtype=float), np.asarray(n, dtype=float)
    inside = in_england(e, n)
    if not inside.all():
        out_idx = np.flatnonzero(~inside)
        name_col0 = _first(cols, *NAME_COLUMNS)
        swapped = _swapped(df, cols, out_idx)
        label = [(str(df[name_col0].iloc[i]) if name_col0 else f"row {i + 2}")
                 + (" (latitude and longitude swapped?)" if sw else "") for i, sw in zip(out_idx[:10], swapped[:10],
                                                                                          strict=False)]
        notes.append(f"warning: {len(out_idx):,} service point(s) fall outside England and are left out of coverage "
                     "(check their coordinates or postcodes): " + "; ".join(label)
                     + (f" and {len(out_idx) - 10} more" if len(out_idx) > 10 else ""))
        if not inside.any():
            raise InputError(f"{path}: every service point falls outside England"
                             + (" (latitude and longitude swapped?)" if swapped.any() else "")
                             + "; check the coordinates or postcodes")
        df, e, n = df[inside].reset_index(drop=True), e[inside], n[inside]
    comp = df[cols["component"]].astype("string").str.strip() if "component" in cols else None
    if comp is not None and (comp.isna() | (comp == "")).any():
        blank = comp.isna() | (comp == "")
        if component is None:
            rows = ", ".join(str(i + 2) for i in np.flatnonzero(blank.to_numpy())[:10])
            raise InputError(f"{path}: {int(blank.sum())} row(s) have no component (row(s) {rows}, counting the header "
                             "as row 1); fill them in or pass --component for them")
        comp = comp.where(~blank, component)
        notes.append(f"{int(blank.sum())} service(s) without a component counted as {component} (--component)")
    if comp is None and component is None:
        if not any(m in cols for m in CQC_MARKERS):
            raise InputError(f"{path}: add a 'component' column or pass --component (e.g. social_care)")
        component = "social_care"
        notes.append(f"{path.name}: recognised as a CQC list (registered care locations): counted as social care "
                     "(pass --component to say otherwise)")
    name_col = _first(cols, *NAME_COLUMNS)
    out = pd.DataFrame({"dataset": f"user:{path.name}", "service_id": [f"user-{i}" for i in range(len(df))],
                         "name": df[name_col].astype(str) if name_col else f"user service ({path.name})",
                         "setting_group": "user", "setting": "user", "easting": np.asarray(e, dtype=float),
                         "northing": np.asarray(n, dtype=float), "geocode_method": "user",
                         "component": comp.to_numpy(dtype=object) if comp is not None else component})
    out.attrs["notes"] = notes
    return out


def _service_columns_score(df: pd.DataFrame) -> int:
    """A sheet of service points: coordinate columns (2) or a postcode column (1)."""
    cols = {str(c).strip().lower() for c in df.columns}
    if any(a in cols and b in cols for a, b in EAST_NORTH + LAT_LON):
        return 2
    return 1 if any(c in cols for c in POSTCODE_COLUMNS) else 0


def _swapped(df: pd.DataFrame, cols: dict[str, Any], rows: np.ndarray) -> np.ndarray:
    """For each of ``rows``: would swapping its latitude and longitude put it in England?"""
    out = np.zeros(len(rows), dtype=bool)
    for cla, clo in LAT_LON:
        if cla in cols and clo in cols:
            lat = pd.to_numeric(df[cols[cla]].iloc[rows], errors="coerce").to_numpy(dtype=float)
            lon = pd.to_numeric(df[cols[clo]].iloc[rows], errors="coerce").to_numpy(dtype=float)
            ok = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lon) <= 90)
            if ok.any():
                g = gpd.GeoSeries(gpd.points_from_xy(lat[ok], lon[ok]), crs=4326).to_crs(27700)
                out[np.flatnonzero(ok)] = in_england(g.x.to_numpy(), g.y.to_numpy())
            break
    return out


def check_components(services: pd.DataFrame, catalogue: list[Component]) -> None:
    """Catalogue and services must name each other correctly: a typo (a dataset or setting group
    that does not exist, a user component not in the catalogue) would otherwise count for nothing."""
    for kind, col, attr in (("dataset", "dataset", "datasets"), ("setting group", "setting_group", "setting_groups")):
        have = set(services[col].dropna().astype(str))
        for comp in catalogue:
            bad = [x for x in getattr(comp, attr) if x not in have]
            if bad:
                close = difflib.get_close_matches(bad[0], sorted(have), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise InputError(f"catalogue component {comp.name!r} names {kind} {bad[0]!r}, which the service "
                                 f"data does not have{hint}; known: {', '.join(sorted(have))}")
    known = [c.name for c in catalogue]
    given = sorted(set(services["component"].dropna().astype(str)) - set(known))
    if given:
        close = difflib.get_close_matches(given[0], known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise InputError(f"unknown core-offer component {given[0]!r} in the services{hint}; use one of: "
                         f"{', '.join(known)}")


def component_mask(svc: gpd.GeoDataFrame, comp: Component) -> np.ndarray:
    """Which service points count for ``comp``."""
    m = svc["dataset"].isin(comp.datasets).to_numpy() | svc["setting_group"].isin(comp.setting_groups).to_numpy()
    if comp.name_pattern or comp.operator_category:
        m &= match_method(svc, comp) != ""
    return np.asarray(m | (svc["component"].astype(object) == comp.name).to_numpy(), dtype=bool)


def match_method(svc: pd.DataFrame, comp: Component) -> np.ndarray:
    """How each point matches ``comp`` beyond its dataset: "operator" (run by a trust of the component's CQC
    category), else "name" (the name pattern), else "" — the operator is preferred, names are the last resort."""
    out = np.full(len(svc), "", dtype=object)
    if comp.name_pattern:
        by_name = svc["name"].astype(str).str.contains(re.compile(comp.name_pattern), regex=True).to_numpy()
        out[by_name] = "name"
    if comp.operator_category and "parent_code" in svc.columns:
        trusts = pd.read_parquet(get_path("nhs_trusts"))
        if comp.operator_category not in trusts.columns:
            raise InputError(f"catalogue component {comp.name!r}: unknown operator_category "
                             f"{comp.operator_category!r}; known: mental_health")
        codes = set(trusts.loc[trusts[comp.operator_category].astype(bool), "trust_code"].astype(str))
        out[svc["parent_code"].astype(str).isin(codes).to_numpy()] = "operator"
    return out


@dataclass
class ServiceSet:
    """Service points (embedded + the user's) and the catalogue file that says which count for what."""

    points: gpd.GeoDataFrame
    catalogue_path: str | Path | None = None
    sources: list[str] = field(default_factory=list)

    def catalogue(self, overrides: dict[str, Any] | None = None) -> list[Component]:
        """The catalogue with a footprint's ``[rules.core_offer]`` overrides applied."""
        return load_catalogue(self.catalogue_path, overrides)


def open_services(extra: str | Path | None = None, component: str | None = None,
                  catalogue: str | Path | None = None) -> ServiceSet:
    """Embedded service points plus the user's ``extra`` file, with the catalogue to read them by."""
    return ServiceSet(load_services(extra, component), catalogue, [SERVICE_VINTAGE] + ([str(extra)] if extra else []))
