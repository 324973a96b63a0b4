"""Core-offer coverage: which services each neighbourhood has inside, nearby, or not at all.

The service catalogue (``configs/services_catalogue.toml``) maps each core-offer component to
embedded service points (GP practices, pharmacies, ODS settings, hospitals) or to nothing:
social care and the voluntary & community sector have no national data, so they are
reported as ``no-data`` (never as a pass) unless the user supplies ``--services``.
Points are placed in neighbourhoods by point-in-polygon on the footprint's own boundaries,
so this works for LSOA 2021, LSOA 2011 and users' own files alike.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import tomllib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .data import config_path, get_path
from .errors import InputError

STATUS_MARK = {"present": "✔", "nearby": "~", "missing": "✘", "no-data": "?"}
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
    distance_m: float = 3000.0
    required: bool = True
    note: str = ""
    short: str = ""  # column heading in the table (defaults to the label's start)


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
        setting_groups=tuple(c.get("setting_groups", ())), name_pattern=c.get("name_pattern"), distance_m=distance,
        required=(name in req) if req is not None else bool(c.get("required", True)), note=str(c.get("note", "")),
        short=str(c.get("short", str(c.get("label", name))[:6])))


def load_services(extra: str | Path | None = None, component: str | None = None) -> gpd.GeoDataFrame:
    """Embedded service points plus the user's own (``component`` column or the given component)."""
    svc = pd.read_parquet(get_path("services"))
    svc["component"] = None
    frames = [svc]
    if extra is not None:
        frames.append(_read_user_services(Path(extra), component))
    df = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["easting"], df["northing"]), crs=27700)


def _read_user_services(path: Path, component: str | None) -> pd.DataFrame:
    if not path.exists():
        raise InputError(f"services file not found: {path}")
    if path.suffix.lower() == ".csv":
        df = pd.read_csv(path)
        cols = {c.lower(): c for c in df.columns}
        if "easting" in cols and "northing" in cols:
            e, n = pd.to_numeric(df[cols["easting"]], errors="coerce"), pd.to_numeric(df[cols["northing"]],
                                                                                       errors="coerce")
        elif "latitude" in cols and "longitude" in cols:
            g = gpd.GeoSeries(gpd.points_from_xy(df[cols["longitude"]], df[cols["latitude"]]), crs=4326)
            g = g.to_crs(27700)
            e, n = g.x, g.y
        else:
            raise InputError(f"{path}: a services CSV needs easting/northing or latitude/longitude columns")
    else:
        g = gpd.read_file(path)
        if g.crs is None:
            raise InputError(f"{path}: services file has no CRS")
        g = g.to_crs(27700)
        pts = g.geometry.representative_point()
        df, e, n = pd.DataFrame(g.drop(columns=g.geometry.name)), pts.x, pts.y
        cols = {c.lower(): c for c in df.columns}
    if pd.isna(e).any() or pd.isna(n).any():
        raise InputError(f"{path}: {int(pd.isna(e).sum())} service(s) have no usable coordinates")
    comp = df[cols["component"]].astype(str) if "component" in cols else None
    if comp is None and component is None:
        raise InputError(f"{path}: add a 'component' column or pass --component (e.g. social_care)")
    name_col = cols.get("name")
    return pd.DataFrame({"dataset": f"user:{path.name}", "service_id": [f"user-{i}" for i in range(len(df))],
                         "name": df[name_col].astype(str) if name_col else f"user service ({path.name})",
                         "setting_group": "user", "setting": "user", "easting": np.asarray(e, dtype=float),
                         "northing": np.asarray(n, dtype=float), "geocode_method": "user",
                         "component": comp.to_numpy() if comp is not None else component})


def _check_components(services: pd.DataFrame, catalogue: list[Component]) -> None:
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
    if comp.name_pattern:
        m &= svc["name"].astype(str).str.contains(re.compile(comp.name_pattern), regex=True).to_numpy()
    return np.asarray(m | (svc["component"].astype(object) == comp.name).to_numpy(), dtype=bool)


_STATUS_ORDER = {"present": 0, "nearby": 1, "missing": 2, "no-data": 3}
_GRID_COLUMNS = ["neighbourhood", "component", "label", "required", "inside", "within_distance", "distance_m",
                 "nearest_from_centre_m", "nearest_name", "status"]


def _weighted_centres(geoms: np.ndarray, pop: np.ndarray, group: np.ndarray, n: int) -> np.ndarray:
    """Population-weighted centre (as points) of each group 0..n-1 of units' interior points."""
    xy = shapely.get_coordinates(shapely.point_on_surface(geoms))
    ok = group >= 0
    w = pop[ok] + 1e-9
    tot = np.bincount(group[ok], weights=w, minlength=n)
    cx = np.bincount(group[ok], weights=w * xy[ok, 0], minlength=n) / np.where(tot > 0, tot, 1)
    cy = np.bincount(group[ok], weights=w * xy[ok, 1], minlength=n) / np.where(tot > 0, tot, 1)
    return np.asarray(shapely.points(cx, cy))


def _count_within(tree: shapely.STRtree, geoms: np.ndarray, xy: np.ndarray, home: np.ndarray, distance: float,
                  hood_of_unit: np.ndarray, n_hoods: int) -> np.ndarray:
    """How many of the points ``xy`` lie within ``distance`` of each neighbourhood (0..n_hoods-1).

    Exact, but most unit–point pairs are settled from bounding boxes alone: a unit whose whole
    box is within the distance is within it, one whose box is beyond it is not, and a point
    counts for the neighbourhood it lies in (``home``). Only the rest get a GEOS distance.
    """
    if not len(xy) or not n_hoods:
        return np.zeros(n_hoods, dtype=np.int64)
    x, y, d = xy[:, 0], xy[:, 1], distance
    p, u = tree.query(shapely.box(x - d, y - d, x + d, y + d))
    h = hood_of_unit[u]
    p, u, h = p[h >= 0], u[h >= 0], h[h >= 0]
    key = p.astype(np.int64) * n_hoods + h  # each point counts once per neighbourhood
    xmin, ymin, xmax, ymax = shapely.bounds(geoms[u]).T
    px, py = x[p], y[p]
    near_box = np.hypot(np.maximum(np.maximum(xmin - px, px - xmax), 0),  # point to nearest side of the box
                        np.maximum(np.maximum(ymin - py, py - ymax), 0))
    far_box = np.hypot(np.maximum(np.abs(px - xmin), np.abs(px - xmax)),  # point to farthest corner
                       np.maximum(np.abs(py - ymin), np.abs(py - ymax)))
    own = np.flatnonzero(home >= 0) * n_hoods + home[home >= 0]
    sure = np.unique(np.concatenate([key[far_box <= d], own]))
    check = (near_box <= d) & ~np.isin(key, sure)
    close = shapely.distance(shapely.points(xy[p[check]]), geoms[u[check]]) <= d
    pairs = np.union1d(sure, key[check][close])
    return np.bincount(pairs % n_hoods, minlength=n_hoods)


@dataclass
class CoverageResult:
    """Neighbourhood x component coverage, GP capacity and PCN alignment."""

    grid: pd.DataFrame  # one row per (neighbourhood, component)
    places: pd.DataFrame  # one row per (place, component)
    gp: pd.DataFrame  # per neighbourhood: registered patients, residents, ratio, PCNs
    pcn_splits: pd.DataFrame  # PCNs whose practices fall in more than one neighbourhood
    components: list[Component]
    located: pd.DataFrame  # every service point near the footprint with the neighbourhood it lies in


def coverage(units: gpd.GeoDataFrame, labels: np.ndarray, catalogue: list[Component] | None = None,
             services: gpd.GeoDataFrame | None = None, place_of: dict[str, str] | None = None) -> CoverageResult:
    """Core-offer coverage for the neighbourhoods ``labels`` (aligned to ``units``; "" = unassigned)."""
    catalogue = catalogue or load_catalogue()
    services = services if services is not None else load_services()
    _check_components(services, catalogue)
    labels = np.asarray(labels).astype(str)
    geoms = np.asarray(units.geometry.values)
    pop = units["population"].to_numpy(dtype=float)
    tree = shapely.STRtree(geoms)
    pts = np.asarray(services.geometry.values)
    # clip to the area of interest (20 km margin) before any pairwise work
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    far = max((c.distance_m for c in catalogue), default=0.0)
    keep = shapely.intersects(shapely.box(xmin - 20_000 - far, ymin - 20_000 - far, xmax + 20_000 + far,
                                          ymax + 20_000 + far), pts)
    svc = services[keep].reset_index(drop=True)
    pts = pts[keep]
    ip, iu = tree.query(pts, predicate="intersects")
    home = np.full(len(svc), "", dtype=object)
    home[ip] = labels[iu]
    svc = svc.assign(neighbourhood=home)
    hoods = sorted(set(labels) - {""})
    hood_idx = pd.Series(np.arange(len(hoods)), index=hoods)
    h_of_unit = hood_idx.reindex(labels).fillna(-1).to_numpy(dtype=np.int64)
    h_of_point = hood_idx.reindex(home).fillna(-1).to_numpy(dtype=np.int64)
    centres = _weighted_centres(geoms, pop, h_of_unit, len(hoods))
    all_pts = np.asarray(services.geometry.values)
    all_names = services["name"].astype(str).str.title().to_numpy(dtype=object)
    full_masks = [component_mask(services, comp) for comp in catalogue]  # nearest: search all England
    masks = [m[keep] for m in full_masks]
    xy = shapely.get_coordinates(pts)
    tree.query(shapely.points(xy[:1]))  # build the tree once, before threads share it
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        # the pair queries release the GIL: components run side by side on two cores
        nears = list(pool.map(lambda m, d: _count_within(tree, geoms, xy[m], h_of_point[m], d, h_of_unit,
                                                         len(hoods)), masks, [c.distance_m for c in catalogue]))
    frames = []
    for comp, cm, fm, near in zip(catalogue, masks, full_masks, nears, strict=True):
        inside = np.bincount(h_of_point[cm][h_of_point[cm] >= 0], minlength=len(hoods))
        dist = np.full(len(hoods), np.nan)
        nearest = np.full(len(hoods), None, dtype=object)
        if fm.any():  # "no data" only when the component has no points anywhere, not just none nearby
            if len(hoods):
                (ih, ip_), d = shapely.STRtree(all_pts[fm]).query_nearest(centres, return_distance=True,
                                                                          all_matches=False)
                dist[ih] = d
                nearest[ih] = all_names[fm][ip_]
            status = np.where(inside > 0, "present", np.where(near > 0, "nearby", "missing"))
        else:
            status = np.full(len(hoods), "no-data")
        frames.append(pd.DataFrame({
            "neighbourhood": hoods, "component": comp.name, "label": comp.label, "required": comp.required,
            "inside": inside.astype(int), "within_distance": near.astype(int), "distance_m": comp.distance_m,
            "nearest_from_centre_m": pd.array(np.round(dist), dtype="Int64"), "nearest_name": nearest,
            "status": status}))
    grid = (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=_GRID_COLUMNS))
    place_of = place_of or {}
    places = pd.DataFrame()
    if place_of and len(grid):
        g2 = grid.assign(place=grid["neighbourhood"].map(place_of)).dropna(subset=["place"])
        rank = g2["status"].map(_STATUS_ORDER)
        g2 = g2.assign(missing=(g2["status"] == "missing").astype(int), rank=rank)
        places = g2.groupby(["place", "component"], sort=True).agg(
            inside=("inside", "sum"), neighbourhoods_missing=("missing", "sum"), best=("rank", "min")).reset_index()
        places["best"] = places["best"].map({v: k for k, v in _STATUS_ORDER.items()})
    gp, splits = _gp_and_pcns(svc, units, labels, hoods)
    located = pd.DataFrame(svc.drop(columns=svc.geometry.name))
    return CoverageResult(grid, places, gp, splits, catalogue, located)


def status_matrix(grid: pd.DataFrame, required: list[str]) -> pd.DataFrame:
    """Neighbourhood x component status (rows with most required components missing first) and
    a ``missing`` column counting them: the shape of every coverage table."""
    status = grid.pivot(index="neighbourhood", columns="component", values="status")
    missing = (status[required] == "missing").sum(axis=1) if required else pd.Series(0, index=status.index)
    status = status.assign(missing=missing.astype(int))
    return status.sort_values("missing", ascending=False, kind="stable")


def place_matrix(places: pd.DataFrame) -> pd.DataFrame:
    """Place x component cells: the best status among its neighbourhoods and how many miss it."""
    if places.empty:
        return pd.DataFrame()
    n = places["neighbourhoods_missing"].astype(int)
    cell: pd.Series = places["best"].map(STATUS_MARK).fillna("?") + np.where(n > 0, " " + n.astype(str) + "✘", "")
    return places.assign(cell=cell).pivot(index="place", columns="component", values="cell")


def _gp_and_pcns(svc: pd.DataFrame, units: gpd.GeoDataFrame, labels: np.ndarray,
                 hoods: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Registered patients vs residents per neighbourhood; PCNs split across neighbourhoods."""
    gp = svc[(svc["dataset"] == "gp_practices") & (svc["neighbourhood"] != "")].copy()
    gp["list_size"] = pd.to_numeric(gp["list_size"], errors="coerce").fillna(0)
    residents = pd.Series(units["population"].to_numpy(dtype=float)).groupby(labels).sum()
    reg = gp.groupby("neighbourhood")["list_size"].sum()
    pcns = gp.dropna(subset=["pcn_code"]).groupby("neighbourhood")["pcn_code"].nunique()
    gp_tab = pd.DataFrame({"neighbourhood": hoods})
    gp_tab["residents"] = gp_tab["neighbourhood"].map(residents).fillna(0).astype(int)
    gp_tab["registered_patients"] = gp_tab["neighbourhood"].map(reg).fillna(0).astype(int)
    gp_tab["practices"] = gp_tab["neighbourhood"].map(gp.groupby("neighbourhood").size()).fillna(0).astype(int)
    gp_tab["ratio"] = (gp_tab["registered_patients"] / gp_tab["residents"].where(gp_tab["residents"] > 0)).round(3)
    gp_tab["pcns"] = gp_tab["neighbourhood"].map(pcns).fillna(0).astype(int)
    withp = gp.dropna(subset=["pcn_code"])
    by = withp.groupby(["pcn_code", "neighbourhood"])["list_size"].sum().reset_index()
    tot = by.groupby("pcn_code")["list_size"].transform("sum")
    by["share"] = (by["list_size"] / tot.where(tot > 0)).fillna(0).round(3)
    n = by.groupby("pcn_code")["neighbourhood"].nunique()
    split_codes = n[n > 1].index
    names = withp.drop_duplicates("pcn_code").set_index("pcn_code")["pcn_name"]
    splits = by[by["pcn_code"].isin(split_codes)].assign(pcn_name=lambda d: d["pcn_code"].map(names))
    return gp_tab, splits.sort_values(["pcn_code", "share"], ascending=[True, False]).reset_index(drop=True)


def core_offer_rule(extra_services: str | Path | None = None, component: str | None = None,
                    catalogue: str | Path | None = None) -> Callable[..., list[Any]]:
    """A ``services`` hook for :func:`nhgeo.checks.validate`: findings for missing / no-data components.

    validate applies the footprint's severity for "core-offer" (default warning) and its waivers.
    """
    from .checks import Finding
    from .rules import DEFAULT_SEVERITY

    services = load_services(extra_services, component)

    def rule(units: gpd.GeoDataFrame, labels: np.ndarray, fp: Any) -> list[Any]:
        comps = load_catalogue(catalogue, fp.rules.core_offer)
        res = coverage(units, labels, comps, services, fp.place_of())
        rule.result = res  # type: ignore[attr-defined]
        sev = DEFAULT_SEVERITY["core-offer"]
        out: list[Finding] = []
        for comp in comps:
            if not comp.required:
                continue
            g = res.grid[res.grid["component"] == comp.name]
            if (g["status"] == "no-data").all():
                out.append(Finding("core-offer", sev, comp.name, f"{comp.label}: no data, so not checked "
                                   f"({comp.note})", "supply locations with --services FILE --component "
                                   f"{comp.name}"))
                continue
            for r in g[g["status"] == "missing"].itertuples():
                far = _int_or_zero(r.nearest_from_centre_m)
                out.append(Finding("core-offer", sev, str(r.neighbourhood), f"{r.neighbourhood} has no "
                                   f"{comp.label.lower()} inside or within {int(comp.distance_m):,} m; the nearest, "
                                   f"{r.nearest_name}, is {far:,} m from its population-weighted centre",
                                   f"plan access to {r.nearest_name} ({far / 1000:.1f} km) or a local service (add it "
                                   f"with --services); or set [rules.core_offer] distance_m.{comp.name} if "
                                   f"{far:,} m is acceptable", {"component": comp.name}))
        return out

    return rule


def _int_or_zero(x: Any) -> int:
    return 0 if pd.isna(x) else int(x)


def coverage_report(footprint: str | Path, services: str | Path | None = None, component: str | None = None,
                    catalogue: str | Path | None = None, **validate_kw: Any) -> tuple[Any, CoverageResult]:
    """Validate ``footprint`` with the core-offer rule and return (report, coverage grid)."""
    from .checks import validate

    hook = core_offer_rule(services, component, catalogue)
    rep = validate(footprint, services=hook, **validate_kw)
    res: CoverageResult = hook.result  # type: ignore[attr-defined]
    rep.extras["coverage"] = coverage_to_dict(res)
    return rep, res


def coverage_to_dict(res: CoverageResult) -> dict[str, Any]:
    """The grid, place summary, GP capacity and PCN splits as JSON-ready data."""
    def recs(df: pd.DataFrame) -> list[dict[str, Any]]:
        # pandas' C JSON writer turns NaN/NA into null and numpy scalars into plain numbers, fast
        out: list[dict[str, Any]] = json.loads(df.to_json(orient="records", force_ascii=False))
        return out

    missing = res.grid[res.grid["status"] == "missing"].groupby("component").size().to_dict()
    return {"service_data": SERVICE_VINTAGE,
            "components": [{"name": c.name, "label": c.label, "distance_m": c.distance_m, "required": c.required,
                            "note": c.note} for c in res.components],
            "neighbourhoods_missing": {k: int(v) for k, v in missing.items()},
            "grid": recs(res.grid), "places": recs(res.places), "gp_capacity": recs(res.gp),
            "pcn_splits": recs(res.pcn_splits), **pcn_summary(res)}


def pcn_summary(res: CoverageResult) -> dict[str, int]:
    """PCNs with a practice in the footprint, how many are split, and how many keep under 80% of
    their registered list in any one neighbourhood (split in substance, not by one branch)."""
    gp = res.located[(res.located["dataset"] == "gp_practices") & (res.located["neighbourhood"] != "")]
    top = res.pcn_splits.groupby("pcn_code")["share"].max() if len(res.pcn_splits) else pd.Series(dtype=float)
    return {"pcns": int(gp["pcn_code"].nunique()), "pcns_split": len(top),
            "pcns_split_under_80pct": int((top < 0.8).sum()),
            "neighbourhoods_without_pcn_practice": int((res.gp["pcns"] == 0).sum())}
