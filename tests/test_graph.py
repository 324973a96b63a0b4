"""Adjacency on real generalised boundaries: right neighbours, islands bridged, all listed."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely

from nhgeo.geo import graph as graph_mod
from nhgeo.geo.graph import AdjacencyGraph, build_graph


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
    # a 1 m buffer adds up to ~2 m at the ends of a shared line: above 23 m is surely >= the 20 m minimum
    slow = {(int(a), int(b)) for a, b, s in zip(i, j, shared, strict=False) if s > 23}
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
    islands = [b for b in adj.bridges if b.kind == "island"]
    assert nx.number_connected_components(land) == adj.land_components == len(islands) + 1
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
    # pieces of one LA split by water are joined by their shortest crossing inside the LA (listed)
    water = {la[b.u] for b in adj.bridges if b.kind == "water"}
    assert {"Halton", "Medway", "Wyre"} <= water
    assert all(la[b.u] == la[b.v] and 1.0 <= b.distance_m <= 5_000 for b in adj.bridges if b.kind == "water")
    # contiguity means a real shared border: contacts under 20 m are not edges (only bridges are short)
    assert adj.point_contacts > 0
    assert min(d["length"] for _, _, d in adj.graph.edges(data=True) if not d["bridge"]) >= 20.0


def test_min_border_is_a_parameter(three: gpd.GeoDataFrame) -> None:
    loose = build_graph(three, min_border_m=0.0)
    strict = build_graph(three)
    assert loose.point_contacts == 0 and strict.point_contacts > 0
    assert loose.graph.number_of_edges() == strict.graph.number_of_edges() + strict.point_contacts


def test_snap_tolerance_finds_gap_neighbours() -> None:
    # two squares 2 m apart share no point: neighbours at snap 5 m, not at snap 0
    a = shapely.box(0, 0, 100, 100)
    b = shapely.box(102, 0, 202, 100)
    units = gpd.GeoDataFrame({"code": ["A", "B"]}, geometry=[a, b], crs=27700)
    assert build_graph(units, snap_m=5.0).graph.has_edge(0, 1)
    assert not build_graph(units, snap_m=0.0, connect=False).graph.has_edge(0, 1)
    bridged = build_graph(units, snap_m=0.0)
    assert bridged.graph[0][1]["bridge"] and len(bridged.bridges) == 1


def _edge_set(units: gpd.GeoDataFrame, adj: AdjacencyGraph) -> dict[frozenset[str], float]:
    codes = units["code"].astype(str).to_numpy()
    return {frozenset((codes[a], codes[b])): d["length"] for a, b, d in adj.graph.edges(data=True)}


def test_shipped_adjacency_is_what_the_method_computes(england: gpd.GeoDataFrame,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The land edges shipped in boundaries/ (computed over all England) are exactly the edges the
    method finds on a selection on its own: guards against boundaries and adjacency drifting apart."""
    from nhgeo.sources.boundaries import load_embedded
    from nhgeo.sources.selection import select_place

    for units in (select_place(england, ["Camden", "Islington", "City of London", "Cornwall", "Isles of Scilly"]),
                  select_place(load_embedded(2011), ["Hackney", "Tower Hamlets"])):
        fresh = build_graph(units, precomputed=False)
        with monkeypatch.context() as m:  # the shipped path must not compute segments at all
            m.setattr(graph_mod, "_segment_edges", lambda *a: pytest.fail("computed, not shipped"))
            shipped = build_graph(units)
        a, b = _edge_set(units, shipped), _edge_set(units, fresh)
        assert a.keys() == b.keys() and len(a) > 500
        assert max(abs(a[k] - b[k]) for k in a) < 0.01
        assert [x.v_code for x in shipped.bridges] == [x.v_code for x in fresh.bridges]  # Scilly -> Cornwall
        assert shipped.islands == fresh.islands and shipped.snapped_edges == fresh.snapped_edges


def test_user_units_do_not_use_shipped_edges(three: gpd.GeoDataFrame) -> None:
    """A user's file with the same codes but other shapes gets its own adjacency."""
    user = three.copy()
    user.attrs = {"source": "file:user.gpkg", "vintage": 2021}
    user["geometry"] = user.geometry.buffer(-30)  # shrunk: no shared borders left, only bridges
    adj = build_graph(user)
    assert sum(not d["bridge"] for _, _, d in adj.graph.edges(data=True)) == 0
    assert len([b for b in adj.bridges if b.kind == "island"]) == len(user) - 1


def test_edge_arrays_match_the_frozen_graph(three_graph: AdjacencyGraph) -> None:
    u, v, length = three_graph.edge_arrays()
    assert nx.is_frozen(three_graph.graph)
    assert {(int(a), int(b)) for a, b in zip(u, v, strict=True)} == {(min(a, b), max(a, b))
                                                                      for a, b in three_graph.graph.edges()}
    assert np.isclose(length.sum(), sum(d["length"] for _, _, d in three_graph.graph.edges(data=True)))


def test_min_border_option_and_point_contacts_in_graph_output() -> None:
    """--min-border 0 counts corner contacts as adjacency again; the default lists them as point contacts."""
    import json

    from typer.testing import CliRunner

    from nhgeo.cli import app

    runner = CliRunner()
    default = json.loads(runner.invoke(app, ["graph", "--place", "Camden", "-f", "json"]).stdout)
    loose = json.loads(runner.invoke(app, ["graph", "--place", "Camden", "-f", "json", "--min-border", "0"]).stdout)
    assert default["min_border_m"] == 20 and default["point_contacts"] > 0
    assert loose["edges"] == default["edges"] + default["point_contacts"] and loose["point_contacts"] == 0
    halton = json.loads(runner.invoke(app, ["graph", "--place", "Halton,Knowsley", "-f", "json"]).stdout)
    # exactly one bridge, and it is an island link (a unit with no land neighbour joined to its nearest); with it
    # the two LAs form one component (a set comparison would also pass with no bridge at all)
    assert [(b["kind"], b["from"], b["to"]) for b in halton["bridges"]] == [("island", "E01012430", "E01012441")]
    assert halton["components"] == 1
