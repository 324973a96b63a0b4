"""Adjacency on real generalised boundaries: right neighbours, islands bridged, all listed."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

from nhgeo.graph import AdjacencyGraph, build_graph


def _neighbours(units: gpd.GeoDataFrame, adj: AdjacencyGraph, code: str) -> set[str]:
    codes = units["code"].tolist()
    i = codes.index(code)
    return {codes[j] for j in adj.graph[i]}


def test_london_is_one_land_component(london: gpd.GeoDataFrame, london_graph: AdjacencyGraph) -> None:
    assert london_graph.land_components == 1
    assert london_graph.bridges == []
    assert nx.is_connected(london_graph.graph)


def test_hand_checked_neighbours(three: gpd.GeoDataFrame, three_graph: AdjacencyGraph) -> None:
    # City of London 001A (Barbican): the other City LSOAs around it and Islington 022H to the north
    assert _neighbours(three, three_graph, "E01000001") == {
        "E01000002", "E01000003", "E01032739", "E01032740", "E01033490"}
    # a point contact is not a border: 001A and 001E do not share a line
    assert "E01000005" not in _neighbours(three, three_graph, "E01000001")


def test_matches_independent_slow_method(three: gpd.GeoDataFrame, three_graph: AdjacencyGraph) -> None:
    """Every edge is a real shared border found by buffering (the slow, obvious method), and vice versa."""
    g = np.asarray(three.geometry.values)
    i, j = shapely.STRtree(g).query(g, predicate="dwithin", distance=1.0)
    keep = i < j
    i, j = i[keep], j[keep]
    shared = shapely.length(shapely.intersection(shapely.boundary(g[i]), shapely.buffer(g[j], 1.0)))
    slow = {(int(a), int(b)) for a, b, s in zip(i, j, shared, strict=False) if s > 20}
    fast = {(min(a, b), max(a, b)) for a, b in three_graph.graph.edges()}
    assert slow <= fast
    # anything extra in the fast graph must still share a line (not only a corner)
    for a, b in fast - slow:
        assert three_graph.graph[a][b]["length"] > 0


def test_edges_carry_border_length(three_graph: AdjacencyGraph) -> None:
    lengths = [d["length"] for _, _, d in three_graph.graph.edges(data=True)]
    assert min(lengths) > 0
    assert 50 < float(np.median(lengths)) < 2_000


def test_england_connected_only_through_listed_bridges(england: gpd.GeoDataFrame) -> None:
    adj = build_graph(england)
    assert nx.is_connected(adj.graph)
    bridge_edges = {(min(a, b), max(a, b)) for a, b, d in adj.graph.edges(data=True) if d["bridge"]}
    listed = {(min(b.u, b.v), max(b.u, b.v)) for b in adj.bridges}
    assert bridge_edges == listed
    land = adj.graph.copy()
    land.remove_edges_from(list(bridge_edges))
    assert nx.number_connected_components(land) == adj.land_components == len(adj.bridges) + 1
    codes = england["code"].to_numpy()
    la = england["la_name"].to_numpy()
    joined = {la[b.u] for b in adj.bridges}
    assert {"Isles of Scilly", "Isle of Wight"} <= joined
    scilly = next(b for b in adj.bridges if la[b.u] == "Isles of Scilly")
    assert la[scilly.v] == "Cornwall" and scilly.distance_m > 30_000
    # Hayling Island joins its own borough (Havant), not Portsmouth across the harbour
    hayling = [b for b in adj.bridges if la[b.u] == "Havant"]
    assert hayling and all(la[b.v] == "Havant" for b in hayling)
    assert [codes[i] for i in adj.islands] == [scilly.u_code]


def test_snap_tolerance_finds_gap_neighbours() -> None:
    # two squares 2 m apart share no point: neighbours at snap 5 m, not at snap 0
    a = shapely.box(0, 0, 100, 100)
    b = shapely.box(102, 0, 202, 100)
    units = gpd.GeoDataFrame({"code": ["A", "B"]}, geometry=[a, b], crs=27700)
    assert build_graph(units, snap_m=5.0).graph.has_edge(0, 1)
    assert not build_graph(units, snap_m=0.0, connect=False).graph.has_edge(0, 1)
    bridged = build_graph(units, snap_m=0.0)
    assert bridged.graph[0][1]["bridge"] and len(bridged.bridges) == 1
