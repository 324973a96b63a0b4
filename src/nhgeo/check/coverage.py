"""Core-offer coverage: which services each neighbourhood has inside, nearby, or not at all.

**Distances do not cross water where there is no crossing.** A service outside a neighbourhood counts as
*nearby* when it is within the component's distance of the neighbourhood in a straight line **and** reachable
over land: the LSOA nearest the service (by population-weighted centre) is reached from the neighbourhood's own
LSOAs along the England LSOA 2021 land adjacency graph, plus the shipped short water crossings (tidal rivers up to
450 m wide, crossed by bridges: the Thames through London), within ``DETOUR`` × the distance + ``SLACK_M``
(steps between MSOA centres). The *nearest* service named for a neighbourhood is the nearest in a straight line
among those reachable that way (within ``REACH_LIMIT_M``). So Sheppey does not count Southend, nor Gravesend
Thurrock, across the Thames estuary. Fixed crossings over wider water (the Dartford Crossing, the Humber Bridge,
the Mersey tunnels) are not in the data: services across them count only by the land route. Units that are not
LSOA 2021 codes keep straight-line distances (said in the notes).

The service data and catalogue are :mod:`nhgeo.services`; social care and the voluntary & community
sector have no national data, so they are ``no-data`` (never a pass) unless the user supplies points.
Points are placed in neighbourhoods by point-in-polygon on the footprint's own boundaries,
so this works for LSOA 2021, LSOA 2011 and users' own files alike.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import InputError
from ..model import Assignment, Study
from ..sources.columns import Col
from ..sources.practices import PRACTICE_VINTAGE, read_practice_map
from ..sources.services import (
    Component,
    check_components,
    component_mask,
    load_catalogue,
    load_services,
    proper_case,
)

STATUS_MARK = {"present": "✔", "nearby": "~", "missing": "✘", "no-data": "?"}


DETOUR = 2.0  # a service is reachable when the land route is at most twice the component's distance ...
SLACK_M = 5_000.0  # ... plus this (routes run between MSOA centres, not from the boundary)
REACH_LIMIT_M = 40_000.0  # the land search for the nearest service stops here (then: straight-line nearest)


@dataclass
class _Reach:
    """The land graph (+ short crossings) of England's MSOAs 2021 (LSOA edges lifted to their MSOAs), with
    centre-to-centre distances; each LSOA's MSOA; and a nearest-LSOA lookup for points. MSOAs (6,856) rather
    than LSOAs keep a search per neighbourhood to a few milliseconds; the question is only whether a land route
    of about the right length exists, which an estuary answers by tens of kilometres."""

    index: pd.Index  # LSOA codes
    node: np.ndarray  # LSOA position -> MSOA node
    graph: object  # scipy.sparse csr_matrix over MSOA nodes
    tree: object  # scipy.spatial.cKDTree over LSOA centres

    def lsoa_of(self, xy: np.ndarray) -> np.ndarray:
        """The MSOA node of the LSOA whose centre is nearest each point."""
        if not len(xy):
            return np.zeros(0, dtype=np.int64)
        return self.node[np.asarray(self.tree.query(xy)[1], dtype=np.int64)]  # type: ignore[attr-defined]

    def distances(self, sources: np.ndarray, limit: float) -> np.ndarray:
        """Land distance from the nearest of ``sources`` (MSOA nodes) to every node (inf beyond ``limit``)."""
        from scipy.sparse.csgraph import dijkstra

        return np.asarray(dijkstra(self.graph, directed=False, indices=np.unique(sources), min_only=True,
                                   limit=limit))


@lru_cache(maxsize=1)
def _reach() -> _Reach:
    from scipy.sparse import coo_matrix
    from scipy.spatial import cKDTree

    from ..sources.data import get_path

    lsoa = pd.read_parquet(get_path("lsoa21"), columns=["LSOA21CD", "MSOA21CD", "PWC_E", "PWC_N", "population"])
    index = pd.Index(lsoa["LSOA21CD"].astype(str))
    xy = lsoa[["PWC_E", "PWC_N"]].to_numpy(dtype=float)
    node = pd.factorize(lsoa["MSOA21CD"].astype(str), sort=True)[0].astype(np.int64)
    m = int(node.max()) + 1
    w = lsoa["population"].to_numpy(dtype=float) + 1.0
    cxy = np.column_stack([np.bincount(node, weights=xy[:, k] * w, minlength=m) / np.bincount(node, weights=w,
                                                                                              minlength=m)
                           for k in (0, 1)])
    land = pd.read_parquet(get_path("adjacency21"), columns=["u_code", "v_code"])
    cross = pd.read_parquet(get_path("crossings21"), columns=["u_code", "v_code"])
    e = pd.concat([land, cross], ignore_index=True)
    u = index.get_indexer(pd.Index(e["u_code"].astype(str)))
    v = index.get_indexer(pd.Index(e["v_code"].astype(str)))
    ok = (u >= 0) & (v >= 0)
    a, b = node[u[ok]], node[v[ok]]
    keep = a != b
    key = np.unique(np.minimum(a[keep], b[keep]) * m + np.maximum(a[keep], b[keep]))
    a, b = key // m, key % m
    dist = np.maximum(np.hypot(*(cxy[a] - cxy[b]).T), 1.0)
    g = coo_matrix((np.r_[dist, dist], (np.r_[a, b], np.r_[b, a])), shape=(m, m)).tocsr()
    return _Reach(index, node, g, cKDTree(xy))


_STATUS_ORDER = {"present": 0, "nearby": 1, "missing": 2, "no-data": 3}
_GRID_COLUMNS = ["neighbourhood", "component", "label", "counts", "required", "inside", "within_distance", "distance_m",
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


def _pairs_within(tree: shapely.STRtree, geoms: np.ndarray, xy: np.ndarray, home: np.ndarray, distance: float,
                  hood_of_unit: np.ndarray, n_hoods: int) -> np.ndarray:
    """The (point, neighbourhood) pairs, as ``point * n_hoods + hood``, of points ``xy`` within ``distance`` of
    each neighbourhood (0..n_hoods-1).

    Exact, but most unit–point pairs are settled from bounding boxes alone: a unit whose whole
    box is within the distance is within it, one whose box is beyond it is not, and a point
    counts for the neighbourhood it lies in (``home``). Only the rest get a GEOS distance.
    """
    if not len(xy) or not n_hoods:
        return np.zeros(0, dtype=np.int64)
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
    return np.union1d(sure, key[check][close])


@dataclass
class CoverageResult:
    """Neighbourhood x component coverage, GP capacity and PCN alignment."""

    grid: pd.DataFrame  # one row per (neighbourhood, component)
    places: pd.DataFrame  # one row per (place, component)
    gp: pd.DataFrame  # per neighbourhood: registered patients, residents, ratio, PCNs
    pcn_splits: pd.DataFrame  # PCNs whose practices fall in more than one neighbourhood
    components: list[Component]
    located: pd.DataFrame  # every service point near the footprint with the neighbourhood it lies in
    notes: list[str] = field(default_factory=list)  # how the user's service points were read and placed


def coverage(units: gpd.GeoDataFrame, labels: np.ndarray, catalogue: list[Component] | None = None,
             services: gpd.GeoDataFrame | None = None, place_of: dict[str, str] | None = None) -> CoverageResult:
    """Core-offer coverage for the neighbourhoods ``labels`` (aligned to ``units``; "" = unassigned)."""
    catalogue = catalogue or load_catalogue()
    services = services if services is not None else load_services()
    check_components(services, catalogue)
    labels = np.asarray(labels).astype(str)
    geoms = np.asarray(units.geometry.values)
    pop = units[Col.POP].to_numpy(dtype=float)
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
    all_names = np.array([proper_case(x) for x in services["name"].astype(str)], dtype=object)
    full_masks = [component_mask(services, comp) for comp in catalogue]  # nearest: search all England
    masks = [m[keep] for m in full_masks]
    xy = shapely.get_coordinates(pts)
    tree.query(shapely.points(xy[:1]))  # build the tree once, before threads share it
    dists = [c.distance_m for c in catalogue]
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        # the pair queries release the GIL: components run side by side on two cores
        pairs = list(pool.map(lambda m, d: _pairs_within(tree, geoms, xy[m], h_of_point[m], d, h_of_unit,
                                                         len(hoods)), masks, dists))
    n_h = max(len(hoods), 1)
    nearest_pt: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # per component: hood, point (of fm), metres
    for fm in full_masks:
        if fm.any() and len(hoods):
            (ih, ip_), d = shapely.STRtree(all_pts[fm]).query_nearest(centres, return_distance=True, all_matches=False)
            nearest_pt.append((ih, ip_, d))
        else:
            nearest_pt.append((np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)))
    notes: list[str] = list(services.attrs.get("notes", []))
    land = _over_land(units, h_of_unit, len(hoods), catalogue, masks, full_masks, pairs, xy, h_of_point,
                      shapely.get_coordinates(all_pts), centres, nearest_pt)
    if land is None:
        notes.append("distances are straight lines: the units are not LSOA 2021 codes, so the land route "
                     "(no crossing of water without a bridge) could not be checked")
    else:
        pairs, nearest_pt = land
    frames = []
    for comp, cm, fm, pr, (ih, ip_, d) in zip(catalogue, masks, full_masks, pairs, nearest_pt, strict=True):
        inside = np.bincount(h_of_point[cm][h_of_point[cm] >= 0], minlength=len(hoods))
        near = np.bincount(pr % n_h, minlength=len(hoods)) if len(hoods) else np.zeros(0, dtype=np.int64)
        dist = np.full(len(hoods), np.nan)
        nearest = np.full(len(hoods), None, dtype=object)
        if fm.any():  # "no data" only when the component has no points anywhere, not just none nearby
            dist[ih] = d
            nearest[ih] = all_names[fm][ip_]
            status = np.where(inside > 0, "present", np.where(near > 0, "nearby", "missing"))
        else:
            status = np.full(len(hoods), "no-data")
        frames.append(pd.DataFrame({
            "neighbourhood": hoods, "component": comp.name, "label": comp.label, "counts": comp.counts,
            "required": comp.required,
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
    svc, current_notes = _current_practices(svc)
    gp, splits = _gp_and_pcns(svc, units, labels, hoods)
    located = pd.DataFrame(svc.drop(columns=svc.geometry.name))
    return CoverageResult(grid, places, gp, splits, catalogue, located, [*notes, *current_notes])


def _over_land(units: gpd.GeoDataFrame, h_of_unit: np.ndarray, n_hoods: int, catalogue: list[Component],
               masks: list[np.ndarray], full_masks: list[np.ndarray], pairs: list[np.ndarray], xy: np.ndarray,
               h_of_point: np.ndarray, all_xy: np.ndarray, centres: np.ndarray,
               nearest_pt: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
               ) -> tuple[list[np.ndarray], list[tuple[np.ndarray, np.ndarray, np.ndarray]]] | None:
    """Keep only what is reachable over land (see the module docstring): the nearby (point, neighbourhood) pairs
    of each component, and each neighbourhood's nearest service. None when the units are not LSOA 2021 codes."""
    if Col.CODE not in units.columns or not n_hoods:
        return None
    reach = _reach()
    pos = reach.index.get_indexer(pd.Index(units[Col.CODE].astype(str)))
    if (pos < 0).any():
        return None
    pos = reach.node[pos]
    n_h = n_hoods
    cxy = shapely.get_coordinates(centres)
    sources = [pos[h_of_unit == h] for h in range(n_h)]
    pt_lsoa = [reach.lsoa_of(xy[m]) for m in masks]
    fm_xy = [all_xy[fm] for fm in full_masks]
    fm_lsoa = [reach.lsoa_of(q) for q in fm_xy]
    keep_pairs: list[list[np.ndarray]] = [[] for _ in catalogue]
    by_hood = [(pr // n_h, pr % n_h) for pr in pairs]
    order = [np.argsort(h, kind="stable") for _, h in by_hood]
    cuts = [np.searchsorted(h[o], np.arange(n_h + 1)) for (_, h), o in zip(by_hood, order, strict=True)]
    near_h = [dict(zip(ih.tolist(), zip(ip_.tolist(), d.tolist(), strict=True), strict=True))
              for ih, ip_, d in nearest_pt]
    new_nearest: list[dict[int, tuple[int, float]]] = [dict(x) for x in near_h]
    for h in range(n_h):
        need = 0.0  # search only as far as this neighbourhood's checks need (most are inland and short)
        for c, comp in enumerate(catalogue):
            if cuts[c][h + 1] > cuts[c][h]:
                need = max(need, DETOUR * comp.distance_m + SLACK_M)
            if h in near_h[c]:
                need = max(need, DETOUR * near_h[c][h][1] + SLACK_M)
        dist = reach.distances(sources[h], min(need, REACH_LIMIT_M))
        widened = need >= REACH_LIMIT_M
        for c, comp in enumerate(catalogue):
            pr = pairs[c]
            o = order[c][cuts[c][h]:cuts[c][h + 1]]
            if len(o):
                p = by_hood[c][0][o]
                ok = (h_of_point[masks[c]][p] == h) | (dist[pt_lsoa[c][p]] <= DETOUR * comp.distance_m + SLACK_M)
                keep_pairs[c].append(pr[o][ok])
            got = near_h[c].get(h)
            if got is None:
                continue
            ip_, d = got
            if dist[fm_lsoa[c][ip_]] <= DETOUR * d + SLACK_M:
                continue
            # the straight-line nearest is across water: the nearest of those the land route reaches
            if not widened:
                dist, widened = reach.distances(sources[h], REACH_LIMIT_M), True
            ok = np.flatnonzero(np.isfinite(dist[fm_lsoa[c]]))
            if len(ok):
                dd = np.hypot(*(fm_xy[c][ok] - cxy[h]).T)
                ok2 = dist[fm_lsoa[c][ok]] <= DETOUR * dd + SLACK_M
                if ok2.any():
                    k = int(np.argmin(np.where(ok2, dd, np.inf)))
                    new_nearest[c][h] = (int(ok[k]), float(dd[k]))
    out_pairs = [np.sort(np.concatenate(k)) if k else np.zeros(0, dtype=np.int64) for k in keep_pairs]
    out_near = []
    for nn in new_nearest:
        hs = np.array(sorted(nn), dtype=np.int64)
        out_near.append((hs, np.array([nn[h][0] for h in hs.tolist()], dtype=np.int64),
                         np.array([nn[h][1] for h in hs.tolist()], dtype=float)))
    return out_pairs, out_near


def _current_practices(svc: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[str]]:
    """GP practices take their PCN and list size from the July 2026 map (:func:`read_practice_map`); practices
    of the service data missing from it keep their own list, lose their PCN, and are counted and named."""
    gp = (svc["dataset"] == "gp_practices") & (svc["neighbourhood"] != "")
    if not gp.any() or "service_id" not in svc.columns:
        return svc, []
    m = read_practice_map().set_index("practice_code")
    ids = svc.loc[gp, "service_id"].astype(str)
    known = ids.isin(m.index)
    svc = svc.copy()
    for col in ("pcn_code", "pcn_name"):
        if col not in svc.columns:
            svc[col] = pd.NA
        svc[col] = svc[col].astype(object)
        svc.loc[ids.index, col] = ids.map(m[col]).astype(object).where(known, None).to_numpy()
    if "list_size" not in svc.columns:
        svc["list_size"] = pd.NA
    size = pd.to_numeric(svc.loc[ids.index, "list_size"], errors="coerce")
    svc["list_size"] = pd.to_numeric(svc["list_size"], errors="coerce")
    svc.loc[ids.index, "list_size"] = ids.map(m["list_size"]).astype(float).where(known, size).to_numpy()
    missing = sorted(ids[~known])
    notes = [f"GP practices: PCNs and list sizes of July 2026 ({PRACTICE_VINTAGE}); {len(missing)} practice(s) here "
             "are not in the July 2026 map (closed, merged or not a GP list) and count in no PCN: "
             + ", ".join(missing)] if missing else [f"GP practices: PCNs and list sizes of July 2026 "
                                                    f"({PRACTICE_VINTAGE})"]
    return svc, notes


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
    residents = pd.Series(units[Col.POP].to_numpy(dtype=float)).groupby(labels).sum()
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


def coverage_of(study: Study, assignment: Assignment) -> CoverageResult:
    """Coverage of ``assignment`` with the study's service data, computed once per assignment."""
    if study.services is None:
        raise InputError("no service data in this study; open it with services (e.g. --core-offer)")
    svc = study.services
    return assignment.derived("coverage", lambda: coverage(
        study.units, assignment.labels, svc.catalogue(assignment.rules.core_offer), svc.points, assignment.place_of))


def pcn_summary(res: CoverageResult) -> dict[str, int]:
    """PCNs with a practice in the footprint, how many are split, and how many keep under 80% of
    their registered list in any one neighbourhood (split in substance, not by one branch)."""
    gp = res.located[(res.located["dataset"] == "gp_practices") & (res.located["neighbourhood"] != "")]
    top = res.pcn_splits.groupby("pcn_code")["share"].max() if len(res.pcn_splits) else pd.Series(dtype=float)
    return {"pcns": int(gp["pcn_code"].nunique()), "pcns_split": len(top),
            "pcns_split_under_80pct": int((top < 0.8).sum()),
            "neighbourhoods_without_pcn_practice": int((res.gp["pcns"] == 0).sum())}
