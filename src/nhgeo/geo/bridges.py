"""Bridges: the listed non-land edges that join islands and the water-separated pieces of one LA.

Every bridge is a :class:`Bridge` the user can see (``nhgeo graph``); nothing is joined silently.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import shapely

MAX_CROSSING_M = 5_000.0  # longest water crossing that joins two pieces of one LA


@dataclass(frozen=True)
class Bridge:
    """An edge joining a unit (or group) with no land connection to its nearest unit."""

    u: int
    v: int
    u_code: str
    v_code: str
    distance_m: float
    component_size: int  # units in the group that was joined
    kind: str = "island"  # island: a group with no land link; water: two pieces of one LA across water


def connect_group_pieces(graph: nx.Graph, geoms: np.ndarray, codes: np.ndarray, key: np.ndarray,
                         tree: shapely.STRtree, eu: np.ndarray, ev: np.ndarray, max_m: float = MAX_CROSSING_M,
                         ) -> list[Bridge]:
    """Join the pieces of each group (LA x ICB) that water separates, by their shortest crossing.

    Within each group, pieces of the graph restricted to the group's own edges are joined smallest
    first to the nearest unit of another piece, when the straight crossing between them runs over
    no unit of another group (water, not another LA's land) and is at most ``max_m`` long. Pieces
    that only another LA's land separates (true exclaves), or that touch only at a point (closer than
    1 m: a contact below the minimum border, not a crossing), are left alone. ``eu``/``ev`` are the
    graph's edges as arrays. Edges are added in place.
    """
    n = len(geoms)
    same = key[eu] == key[ev]
    comp = component_labels(n, eu[same], ev[same])
    bridges: list[Bridge] = []
    kid = np.unique(key, return_inverse=True)[1]
    pairs = np.unique(kid.astype(np.int64) * n + comp)
    multi = np.flatnonzero(np.bincount(pairs // n) > 1)
    for k in sorted({str(x) for x in key[np.isin(kid, multi)]}):
        idx = np.flatnonzero(key == k)
        pieces = [np.sort(idx[comp[idx] == c]) for c in np.unique(comp[idx])]
        stuck: set[int] = set()
        while len(pieces) > 1:
            pieces.sort(key=lambda c: (len(c), int(c[0])))
            i = next((j for j, c in enumerate(pieces) if int(c[0]) not in stuck), None)
            if i is None:
                break
            small = pieces[i]
            rest = np.concatenate([c for j, c in enumerate(pieces) if j != i])
            a, b, d = _closest_pair(geoms, small, rest)
            if d > max_m or d < 1.0 or not _over_water(geoms, tree, key, a, b):
                stuck.add(int(small[0]))
                continue
            graph.add_edge(a, b, length=0.0, bridge=True, distance=d)
            bridges.append(Bridge(a, b, str(codes[a]), str(codes[b]), round(d, 1), len(small), kind="water"))
            j = next(j for j, c in enumerate(pieces) if j != i and b in set(c.tolist()))
            pieces[j] = np.sort(np.concatenate([pieces[j], small]))
            pieces.pop(i)
    return bridges


def _over_water(geoms: np.ndarray, tree: shapely.STRtree, key: np.ndarray, a: int, b: int) -> bool:
    """Does the shortest line between units ``a`` and ``b`` cross no unit of another group (> 1 m)?"""
    line = shapely.shortest_line(geoms[a], geoms[b])
    hit = tree.query(line, predicate="intersects")
    other = hit[key[hit] != key[a]]
    if len(other) == 0:
        return True
    return bool((shapely.length(shapely.intersection(geoms[other], line)) <= 1.0).all())


def _nearest_outside(geoms: np.ndarray, tree: shapely.STRtree, members: np.ndarray, inside: np.ndarray,
                     restrict: np.ndarray | None = None, group: np.ndarray | None = None,
                     ) -> tuple[int, int, float] | None:
    """Closest (member, outsider, distance) with the outsider not in the group (and in ``restrict``).

    With ``group`` (e.g. LA codes), a unit of the members' own group is preferred when it is
    at most twice as far (plus 1 km) as the nearest of any group: Hayling Island joins Havant,
    not Portsmouth across the harbour mouth.
    """
    xmin, ymin, xmax, ymax = shapely.bounds(geoms[members]).T
    hull = shapely.box(xmin.min(), ymin.min(), xmax.max(), ymax.max())
    reach = 1_000.0
    while True:
        cand = tree.query(hull, predicate="dwithin", distance=reach)
        cand = cand[~inside[cand]]
        if restrict is not None:
            cand = cand[restrict[cand]]
        if len(cand):
            best = _closest_pair(geoms, members, cand)
            if best[2] <= reach:
                if group is not None:
                    same = [_closest_pair(geoms, members[group[members] == g], cand[group[cand] == g])
                            for g in np.unique(group[members]) if (group[cand] == g).any()]
                    if same:
                        near_same = min(same, key=lambda t: (t[2], t[0], t[1]))
                        if near_same[2] <= 2 * best[2] + 1_000.0:
                            best = near_same
                return best
        if reach > 2_000_000:
            return None
        reach *= 4


def _closest_pair(geoms: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[int, int, float]:
    """(unit of ``a``, unit of ``b``, distance) of the closest pair, through an index (not all pairs)."""
    (ia, ib), d = shapely.STRtree(geoms[b]).query_nearest(geoms[a], return_distance=True, all_matches=False)
    k = int(np.lexsort((b[ib], a[ia], d))[0])  # smallest distance, ties to the lowest positions
    return int(a[ia[k]]), int(b[ib[k]]), float(d[k])


def connect_components(graph: nx.Graph, geoms: np.ndarray, codes: np.ndarray,
                       tree: shapely.STRtree | None = None, nodes: list[int] | None = None,
                       same_group: np.ndarray | None = None) -> list[Bridge]:
    """Join the components of ``graph`` (restricted to ``nodes``) with nearest-unit bridge edges.

    Smallest components are joined first, each to the nearest unit outside it, until one
    component remains. The edges are added to ``graph`` in place and returned.
    """
    tree = tree or shapely.STRtree(geoms)
    restrict = None
    sub = graph
    if nodes is not None:
        restrict = np.zeros(len(geoms), dtype=bool)
        restrict[nodes] = True
        sub = graph.subgraph(nodes)
    bridges: list[Bridge] = []
    comps = [sorted(c) for c in nx.connected_components(sub)]
    while len(comps) > 1:
        comps.sort(key=lambda c: (len(c), c[0]))
        small = np.array(comps[0])
        inside = np.zeros(len(geoms), dtype=bool)
        inside[small] = True
        found = _nearest_outside(geoms, tree, small, inside, restrict, same_group)
        if found is None:
            break
        a, b, d = found
        graph.add_edge(a, b, length=0.0, bridge=True, distance=d)
        bridges.append(Bridge(a, b, str(codes[a]), str(codes[b]), round(d, 1), len(small)))
        target = next(k for k, c in enumerate(comps) if b in set(c))
        comps[target] = sorted(comps[target] + comps[0])
        comps.pop(0)
    return bridges


def component_labels(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Connected-component id (0..c-1) of nodes 0..n-1 given edge arrays (SciPy, no Python loop)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    m = coo_matrix((np.ones(len(u)), (np.asarray(u, dtype=np.int64), np.asarray(v, dtype=np.int64))), shape=(n, n))
    _, comp = connected_components(m, directed=False)
    return np.asarray(comp, dtype=np.int64)
