"""Adjacency graph of units that is right on generalised boundaries.

Two units are neighbours when they share a border line (not just a point):

1. *Exact shared segments*: boundary segments are hashed on their (rounded) end points;
   a segment found in two units is shared. This is exact on topologically clean data and
   needs no geometry operations, so all England takes about a second.
2. *Snapped gaps*: pairs within ``snap_m`` of each other that share no segment (tiny gaps
   or slivers in generalised files) are neighbours when at least ``min_gap_border_m`` of
   one's boundary lies within ``snap_m`` of the other (a corner contact gives only ~2×snap).

Units left with no land neighbour (islands) and any other disconnected groups are joined
to their nearest unit by an edge flagged ``bridge=True``; every bridge is listed.

The land edges of the two embedded LSOA sets are computed once by ``scripts/build_data.py``
with exactly this method over all England and shipped in ``boundaries/`` (``adjacency21``,
``adjacency11``): a selection of embedded units takes its land edges from there (the same
edges, as the tests check), then islands and bridges are worked out for the selection.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from ..errors import InputError
from ..sources.columns import Col
from .bridges import MAX_CROSSING_M, Bridge, component_labels, connect_components, connect_group_pieces

DEFAULT_SNAP_M = 5.0
DEFAULT_MIN_BORDER_M = 20.0  # shorter contacts (corners, 1-4 m touches) are not adjacency


@dataclass
class AdjacencyGraph:
    """The graph plus what a user needs to trust it."""

    graph: nx.Graph
    bridges: list[Bridge] = field(default_factory=list)
    islands: list[int] = field(default_factory=list)  # units with no land neighbour
    land_components: int = 1  # connected components before bridging
    snap_m: float = DEFAULT_SNAP_M
    snapped_edges: int = 0  # edges found only through the snapping tolerance
    min_border_m: float = DEFAULT_MIN_BORDER_M
    point_contacts: int = 0  # touching pairs dropped because their shared border is below min_border_m

    @property
    def n_components(self) -> int:
        return nx.number_connected_components(self.graph) if self.graph.number_of_nodes() else 0

    def edge_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(u, v, border length) of every edge as arrays, for vectorised scoring.

        Cached: the graph of a built :class:`AdjacencyGraph` is frozen (``nx.freeze``), so
        the arrays cannot go stale.
        """
        cached = self.__dict__.get("_edge_cache")
        if cached is None or not nx.is_frozen(self.graph):
            e = np.array([(a, b, d.get("length", 0.0)) for a, b, d in self.graph.edges(data=True)],
                         dtype=float).reshape(-1, 3)
            cached = (e[:, 0].astype(np.int64), e[:, 1].astype(np.int64), e[:, 2])
            if nx.is_frozen(self.graph):
                self.__dict__["_edge_cache"] = cached
        return cached[0], cached[1], cached[2]


def _segment_edges(geoms: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(u, v, shared length) for unit pairs sharing an identical boundary segment, and a mask of
    units with any unshared ("free") segment: only those can have gap neighbours."""
    polys, pidx = shapely.get_parts(geoms, return_index=True)
    rings, ridx = shapely.get_rings(polys, return_index=True)
    coords, cidx = shapely.get_coordinates(rings, return_index=True)
    same = cidx[1:] == cidx[:-1]
    a, b = coords[:-1][same], coords[1:][same]
    owner = pidx[ridx[cidx[:-1][same]]]
    qa = np.round(a * 2).astype(np.int64)
    qb = np.round(b * 2).astype(np.int64)
    ka = qa[:, 0] * 4_000_000 + qa[:, 1]
    kb = qb[:, 0] * 4_000_000 + qb[:, 1]
    lo, hi = np.minimum(ka, kb), np.maximum(ka, kb)
    length = np.hypot(*(a - b).T)
    order = np.lexsort((owner, hi, lo))
    lo, hi, owner, length = lo[order], hi[order], owner[order], length[order]
    eq = (lo[1:] == lo[:-1]) & (hi[1:] == hi[:-1]) & (owner[1:] != owner[:-1])
    matched = np.zeros(len(lo), dtype=bool)
    matched[:-1] |= eq
    matched[1:] |= eq
    has_free = np.zeros(n, dtype=bool)
    has_free[owner[~matched]] = True
    u, v = owner[:-1][eq], owner[1:][eq]
    seg_len = length[:-1][eq]
    uu, vv = np.minimum(u, v), np.maximum(u, v)
    key = uu.astype(np.int64) * n + vv
    uniq, inv = np.unique(key, return_inverse=True)
    total = np.bincount(inv, weights=seg_len)
    return uniq // n, uniq % n, total, has_free


def _gap_edges(geoms: np.ndarray, free: np.ndarray, known: np.ndarray, n: int, snap_m: float,
               min_gap_border_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(u, v, length) for pairs of units with free segments within ``snap_m`` sharing no segment."""
    idx = np.flatnonzero(free)
    sub = geoms[idx]
    xmin, ymin, xmax, ymax = shapely.bounds(sub).T
    boxes = shapely.box(xmin - snap_m, ymin - snap_m, xmax + snap_m, ymax + snap_m)
    i, j = shapely.STRtree(sub).query(boxes)
    i, j = idx[i], idx[j]
    keep = i < j
    i, j = i[keep], j[keep]
    key = i.astype(np.int64) * n + j
    new = ~np.isin(key, known)
    i, j = i[new], j[new]
    near = shapely.distance(geoms[i], geoms[j]) <= snap_m
    i, j = i[near], j[near]
    if len(i) == 0:
        return i, j, np.zeros(0)
    zone = shapely.buffer(geoms[j], snap_m, quad_segs=2)
    length = shapely.length(shapely.intersection(shapely.boundary(geoms[i]), zone))
    ok = length >= min_gap_border_m
    return i[ok], j[ok], length[ok]


def _add_land_edges(g: nx.Graph, u: np.ndarray, v: np.ndarray, length: np.ndarray) -> None:
    g.add_edges_from((a, b, {"length": c, "bridge": False})
                     for a, b, c in zip(u.tolist(), v.tolist(), np.asarray(length, dtype=float).tolist(), strict=True))


def land_edges(units: gpd.GeoDataFrame, snap_m: float = DEFAULT_SNAP_M, min_gap_border_m: float | None = None,
               precomputed: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(u, v, border length, snapped?) for every pair of units sharing a border, as positions in ``units``.

    Embedded LSOA units with the default tolerances take the edges shipped in ``boundaries/``;
    anything else (user files, other tolerances, ``precomputed=False``) is computed here.
    """
    geoms = np.asarray(units.geometry.values)
    n = len(geoms)
    if precomputed and snap_m == DEFAULT_SNAP_M and min_gap_border_m is None:
        cached = _embedded_land_edges(units)
        if cached is not None:
            return cached
    min_gap = 4 * snap_m if min_gap_border_m is None else min_gap_border_m
    u, v, length, free = _segment_edges(geoms, n)
    snapped = np.zeros(len(u), dtype=bool)
    if snap_m > 0:
        gu, gv, gl = _gap_edges(geoms, free, u * n + v, n, snap_m, min_gap)
        u, v, length = np.concatenate([u, gu]), np.concatenate([v, gv]), np.concatenate([length, gl])
        snapped = np.concatenate([snapped, np.ones(len(gu), dtype=bool)])
    return u, v, length, snapped


@lru_cache(maxsize=2)
def _shipped_edges(vintage: int) -> pd.DataFrame:
    from ..sources.data import get_path

    return pd.read_parquet(get_path(f"adjacency{vintage % 100}"))


def _embedded_land_edges(units: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """The shipped land edges among ``units``, or None when ``units`` are not (all) embedded LSOAs."""
    vintage = units.attrs.get("vintage")
    if not str(units.attrs.get("source", "")).startswith("embedded:") or vintage not in (2011, 2021):
        return None
    try:
        edges = _shipped_edges(int(vintage))
    except InputError:  # a data folder (NHGEO_DATA) without the adjacency files: compute instead
        return None
    pos = pd.Series(np.arange(len(units)), index=units[Col.CODE].astype(str).to_numpy())
    if not pos.index.is_unique:
        return None
    u = pos.reindex(edges["u_code"].to_numpy()).to_numpy()
    v = pos.reindex(edges["v_code"].to_numpy()).to_numpy()
    ok = ~(np.isnan(u) | np.isnan(v))
    u, v = u[ok].astype(np.int64), v[ok].astype(np.int64)
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    return lo, hi, edges["border_m"].to_numpy(dtype=float)[ok], edges["snapped"].to_numpy(dtype=bool)[ok]


def build_graph(
    units: gpd.GeoDataFrame,
    snap_m: float = DEFAULT_SNAP_M,
    min_gap_border_m: float | None = None,
    connect: bool = True,
    precomputed: bool = True,
    min_border_m: float = DEFAULT_MIN_BORDER_M,
) -> AdjacencyGraph:
    """Adjacency graph of ``units`` (nodes are positions 0..n-1, edges carry ``length`` in metres).

    Pairs whose shared border is shorter than ``min_border_m`` (corner and point contacts) are not
    neighbours; they are counted in ``point_contacts``. ``connect`` joins islands and other
    land-disconnected groups with listed bridge edges, and then the pieces of one local
    authority (and ICB) that water separates by their shortest crossing (a ``water`` bridge, when
    the straight crossing touches no other LA's land and is at most ``MAX_CROSSING_M``), so every
    place can be partitioned; bridges are the only non-land edges. ``precomputed`` lets embedded
    LSOAs use the land edges shipped with the data (same result, ~3x faster); pass
    ``precomputed=False`` if you have changed the shapes of an embedded frame.
    """
    if min_border_m < 0:
        raise InputError(f"--min-border must be 0 or more metres, not {min_border_m}")
    geoms = np.asarray(units.geometry.values)
    n = len(geoms)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    if n == 0:
        return AdjacencyGraph(g, snap_m=snap_m, land_components=0, min_border_m=min_border_m)
    u, v, length, snapped = land_edges(units, snap_m, min_gap_border_m, precomputed)
    real = np.asarray(length, dtype=float) >= min_border_m
    points = int((~real).sum())
    u, v, length, snapped = u[real], v[real], length[real], snapped[real]
    _add_land_edges(g, u, v, length)
    islands = np.flatnonzero(np.bincount(np.concatenate([u, v]).astype(np.int64), minlength=n) == 0).tolist()
    land = int(component_labels(n, u, v).max()) + 1
    result = AdjacencyGraph(g, islands=islands, land_components=land, snap_m=snap_m,
                            snapped_edges=int(snapped.sum()), min_border_m=min_border_m, point_contacts=points)
    codes = units[Col.CODE].astype(str).to_numpy() if Col.CODE in units.columns else np.arange(n).astype(str)
    group = units[Col.LA].astype(str).to_numpy() if Col.LA in units.columns else None
    tree = shapely.STRtree(geoms) if connect and (land > 1 or group is not None) else None
    if connect and land > 1:
        result.bridges = connect_components(g, geoms, codes, tree, same_group=group)
    if connect and group is not None and tree is not None:
        key = group
        if Col.ICB in units.columns:
            key = np.char.add(np.char.add(group.astype(str), "|"), units[Col.ICB].astype(str).to_numpy())
        eu = np.concatenate([u, [b.u for b in result.bridges]]).astype(np.int64)
        ev = np.concatenate([v, [b.v for b in result.bridges]]).astype(np.int64)
        result.bridges += connect_group_pieces(g, geoms, codes, key, tree, eu, ev)
    if result.bridges:
        u = np.concatenate([u, [b.u for b in result.bridges]]).astype(np.int64)
        v = np.concatenate([v, [b.v for b in result.bridges]]).astype(np.int64)
        length = np.concatenate([length, np.zeros(len(result.bridges))])
    nx.freeze(g)  # built once, never changed: cached edge arrays stay right
    if len(u) == g.number_of_edges():  # no duplicate pairs: the arrays are the edge list
        result.__dict__["_edge_cache"] = (np.asarray(u, dtype=np.int64), np.asarray(v, dtype=np.int64),
                                          np.asarray(length, dtype=float))
    return result


def edges_frame(units: gpd.GeoDataFrame, adj: AdjacencyGraph) -> gpd.GeoDataFrame:
    """Edges as lines between unit interior points, for inspection in QGIS."""
    pts = shapely.point_on_surface(np.asarray(units.geometry.values))
    codes = units[Col.CODE].astype(str).to_numpy()
    rows = [(codes[a], codes[b], d.get("length", 0.0), bool(d.get("bridge", False)), d.get("distance", 0.0),
             shapely.LineString([pts[a], pts[b]])) for a, b, d in adj.graph.edges(data=True)]
    return gpd.GeoDataFrame(rows, columns=["u_code", "v_code", "border_m", "bridge", "gap_m", "geometry"],
                            crs=units.crs)


def subgraph(adj: AdjacencyGraph, nodes: np.ndarray) -> AdjacencyGraph:
    """The graph restricted to ``nodes`` (positions), renumbered 0..m-1 in that order."""
    keep = [int(x) for x in nodes]
    mapping = {old: new for new, old in enumerate(keep)}
    g = nx.freeze(nx.relabel_nodes(adj.graph.subgraph(keep), mapping, copy=True))
    bridges = [b for b in adj.bridges if b.u in mapping and b.v in mapping]
    return AdjacencyGraph(g, bridges=bridges, islands=[mapping[i] for i in adj.islands if i in mapping],
                          land_components=adj.land_components, snap_m=adj.snap_m, snapped_edges=adj.snapped_edges,
                          min_border_m=adj.min_border_m, point_contacts=adj.point_contacts)


def part_components(adj: AdjacencyGraph, labels: np.ndarray) -> np.ndarray:
    """Connected-component id of every node when only edges inside the same part are kept.

    A part is contiguous exactly when all its nodes share one component id. Vectorised
    (SciPy) so checking a thousand neighbourhoods costs one pass over the edges.
    """
    n = adj.graph.number_of_nodes()
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    lab = np.asarray(labels)
    u, v, _ = adj.edge_arrays()
    keep = lab[u] == lab[v]
    return component_labels(n, u[keep], v[keep])


__all__ = ["DEFAULT_MIN_BORDER_M", "DEFAULT_SNAP_M", "MAX_CROSSING_M", "AdjacencyGraph", "Bridge", "build_graph",
           "component_labels", "edges_frame", "land_edges", "part_components", "subgraph"]
