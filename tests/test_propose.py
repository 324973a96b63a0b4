"""propose: invariants on real London data and on many synthetic maps (hypothesis)."""

from __future__ import annotations

import re

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from nhgeo.check.metrics import score_assignment
from nhgeo.design import neighbourhoods, partition
from nhgeo.design.neighbourhoods import Proposal, propose_neighbourhoods
from nhgeo.design.sizing import choose_k
from nhgeo.geo.graph import AdjacencyGraph, build_graph
from nhgeo.model import Rules

from .splits import balanced_split_found
from .synthetic import grid, voronoi


def assert_invariants(units: gpd.GeoDataFrame, adj: AdjacencyGraph, prop: Proposal, rules: Rules) -> None:
    """Covers every unit once, every part connected, every part in band or flagged with a reason."""
    labels = prop.labels.to_numpy()
    assert (labels != "").all()
    listed = [c for h in prop.neighbourhoods for c in h.codes]
    assert sorted(listed) == sorted(units["code"].astype(str))  # each unit exactly once
    for h in prop.neighbourhoods:
        nodes = np.flatnonzero(labels == h.id).tolist()
        assert nx.is_connected(adj.graph.subgraph(nodes)), h.id
        assert h.population == int(round(units["population"].to_numpy(dtype=float)[nodes].sum()))
        if not rules.min <= h.population <= rules.max:
            assert h.status == "exception" and h.reasons, h.id
            assert_true_reason(h.reasons[0], rules, h.population)


def assert_true_reason(reason: str, rules: Rules, population: int | None = None) -> None:
    """An out-of-band neighbourhood's reason is true. Either it is the arithmetic of its region — no number of
    neighbourhoods puts that population in band (checked here, not taken from the code) — or, on adversarial
    synthetic maps where the heuristic stops short, it says so with the neighbourhood's own population and band;
    the properties then re-derive that no balanced split was there to find (grids: :func:`splits_in_band`;
    planar maps: :func:`assert_no_balanced_split`). Real England data is held to the first kind only
    (tests/test_england.py)."""
    stuck = re.match(r"population ([\d,]+) outside ([\d,]+)-([\d,]+): the region's units could not be balanced",
                     reason)
    if stuck and population is not None:
        got, lo, hi = (int(x.replace(",", "")) for x in stuck.groups())
        assert got == population and (lo, hi) == (rules.min, rules.max) and not lo <= got <= hi, reason
        return
    m = re.match(r"region of ([\d,]+) people cannot be split", reason)
    assert m, reason
    pop = int(m.group(1).replace(",", ""))
    assert not any(rules.min * k <= pop <= rules.max * k for k in range(1, pop // max(rules.min, 1) + 2)), reason


@pytest.fixture(scope="module")
def london_proposal(london: gpd.GeoDataFrame, london_graph: AdjacencyGraph) -> Proposal:
    return propose_neighbourhoods(london, london_graph, Rules(), seed=0)


def test_london_all_rules(london: gpd.GeoDataFrame, london_graph: AdjacencyGraph, london_proposal: Proposal) -> None:
    rules = Rules()
    assert_invariants(london, london_graph, london_proposal, rules)
    sc = score_assignment(london, london_graph, london_proposal.labels.to_numpy(), rules)
    assert sc.pct_contiguous == 100.0
    assert sc.pct_in_band == 100.0
    # the only LA crossing is the documented City of London exception (8,584 people < 40,000)
    crossing = [h for h in london_proposal.neighbourhoods if len(h.la_codes) > 1]
    assert len(crossing) == 1 and "E09000001" in crossing[0].la_codes
    assert any("City of London" in n and "below the minimum" in n for n in london_proposal.notes)
    # compact (issue 18: strictly better than METIS's 0.32 / ~3,000 cut edges on the same graph)
    assert sc.mean_polsby_popper >= 0.38
    assert sc.cut_edges <= 2_950
    # every neighbourhood lies in one ICB
    icb = london["icb_code"].to_numpy()
    labels = london_proposal.labels.to_numpy()
    for h in london_proposal.neighbourhoods:
        assert len(set(icb[labels == h.id])) == 1


def test_names_are_readable_and_unique(london_proposal: Proposal) -> None:
    names = [h.name for h in london_proposal.neighbourhoods]
    assert len(set(names)) == len(names)
    camden = [h.name for h in london_proposal.neighbourhoods if h.id.startswith("E09000007")]
    assert camden and not any(":" in n for n in camden)  # one form: the place people name, no LA prefix


def test_deterministic_and_seed_sensitive(three: gpd.GeoDataFrame, three_graph: AdjacencyGraph) -> None:
    a = propose_neighbourhoods(three, three_graph, seed=7)
    b = propose_neighbourhoods(three, three_graph, seed=7)
    assert a.labels.tolist() == b.labels.tolist()
    assert [h.name for h in a.neighbourhoods] == [h.name for h in b.neighbourhoods]


def test_lock_keeps_neighbourhoods(three: gpd.GeoDataFrame, three_graph: AdjacencyGraph) -> None:
    first = propose_neighbourhoods(three, three_graph, seed=0)
    keep = first.neighbourhoods[0]
    lock = pd.Series(keep.id, index=keep.codes)
    again = propose_neighbourhoods(three, three_graph, seed=99, lock=lock)
    kept = [h for h in again.neighbourhoods if h.id == keep.id]
    assert kept and sorted(kept[0].codes) == sorted(keep.codes) and kept[0].locked
    assert_invariants(three, three_graph, again, Rules())


def test_lock_outside_the_place_is_ignored_with_a_note(three: gpd.GeoDataFrame,
                                                       three_graph: AdjacencyGraph) -> None:
    """A footprint of a whole ICB can lock one borough of it: codes outside the place are ignored."""
    camden = three[three["la_name"] == "Camden"].reset_index(drop=True)
    adj = build_graph(camden)
    first = propose_neighbourhoods(three, three_graph, seed=0)
    lock = pd.Series(first.labels.to_numpy(), index=three["code"].to_numpy())
    prop = propose_neighbourhoods(camden, adj, seed=0, lock=lock)
    assert any("outside this place ignored" in n for n in prop.notes)
    assert_invariants(camden, adj, prop, Rules())
    assert all(h.locked for h in prop.neighbourhoods)


def test_same_result_for_any_number_of_workers(london: gpd.GeoDataFrame, london_graph: AdjacencyGraph,
                                               london_proposal: Proposal, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(neighbourhoods, "POOL_MIN_UNITS", 0)  # use the process pool even for London
    two = propose_neighbourhoods(london, london_graph, Rules(), seed=0, workers=2)
    one = propose_neighbourhoods(london, london_graph, Rules(), seed=0, workers=1)
    assert one.labels.tolist() == two.labels.tolist() == london_proposal.labels.tolist()
    assert [h.name for h in one.neighbourhoods] == [h.name for h in two.neighbourhoods]


def test_infeasible_region_is_flagged_not_silent() -> None:
    # 70,000 people cannot be split into 40k-60k parts: flagged with the reason
    units = grid(6, 6, np.full(36, 70_000 / 36))
    adj = build_graph(units)
    prop = propose_neighbourhoods(units, adj, Rules())
    assert len(prop.neighbourhoods) in (1, 2)
    assert all(h.status == "exception" and "cannot be split" in h.reasons[0] for h in prop.neighbourhoods)
    # the reason says the arithmetic: one part is above the maximum, two are below the minimum
    assert "1 neighbourhood(s) average 70,000, above 60,000" in prop.neighbourhoods[0].reasons[0]
    assert "2 average 35,000, below 40,000" in prop.neighbourhoods[0].reasons[0]


def test_choose_k() -> None:
    assert choose_k(210_110, 40_000, 60_000, 50_000) == (4, True)
    assert choose_k(100_000, 40_000, 60_000, 50_000) == (2, True)
    assert choose_k(70_000, 40_000, 60_000, 50_000)[1] is False
    assert choose_k(8_584, 40_000, 60_000, 50_000) == (1, False)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.integers(3, 14), cols=st.integers(3, 14), n_las=st.integers(1, 3), seed=st.integers(0, 2**16),
       data=st.data())
def test_property_grids(rows: int, cols: int, n_las: int, seed: int, data: st.DataObject) -> None:
    n = rows * cols
    pops = np.array(data.draw(st.lists(st.integers(0, 4_000), min_size=n, max_size=n)), dtype=float)
    units = grid(rows, cols, pops, n_las=n_las)
    adj = build_graph(units)
    rules = Rules()
    prop = propose_neighbourhoods(units, adj, rules, seed=seed)
    assert_invariants(units, adj, prop, rules)
    la = units["la_code"].to_numpy()
    labels = prop.labels.to_numpy()
    for h in prop.neighbourhoods:
        if len(h.la_codes) > 1:  # crossing an LA line: only to take in whole LA pieces below the minimum
            assert_crossing_takes_in_small_pieces(units, adj, labels == h.id, rules)
        if h.status == "exception" and "could not be balanced" in h.reasons[0] and len(h.la_codes) == 1:
            # the heuristic may give up only where the test finds no balanced split either: the LA strip's units
            # in snake order (consecutive runs of a grid strip are contiguous) cut into runs all in band
            (code,) = h.la_codes
            strip = [r * cols + c for r in range(rows) for c in (range(cols) if r % 2 == 0 else range(cols - 1, -1, -1))
                     if la[r * cols + c] == code]
            assert not splits_in_band(pops[strip], rules.min, rules.max), (h.id, h.reasons[0])


def splits_in_band(seq: np.ndarray, lo: int, hi: int) -> bool:
    """Whether ``seq`` can be cut into consecutive runs whose sums all lie in [lo, hi] (exact, by prefix sums)."""
    pre = np.concatenate([[0.0], np.cumsum(seq)])
    ok = [True] + [False] * len(seq)
    for i in range(1, len(seq) + 1):
        ok[i] = any(ok[j] and lo <= pre[i] - pre[j] <= hi for j in range(i))
    return ok[-1]


def assert_crossing_takes_in_small_pieces(units: gpd.GeoDataFrame, adj: AdjacencyGraph, inside: np.ndarray,
                                          rules: Rules) -> None:
    """A neighbourhood spanning several LAs holds, in every LA but one, only whole connected pieces of that LA
    (its units joined within the LA) whose population is below the minimum — re-derived from the map."""
    la = units["la_code"].to_numpy()
    pop = units["population"].to_numpy(dtype=float)
    small = 0
    codes = sorted(set(la[inside].tolist()))
    for code in codes:
        mine = set(np.flatnonzero(inside & (la == code)).tolist())
        pieces = list(nx.connected_components(adj.graph.subgraph(np.flatnonzero(la == code).tolist())))
        held = [p for p in pieces if p & mine]
        if all(p <= mine and pop[list(p)].sum() < rules.min for p in held):
            small += 1
    assert small >= len(codes) - 1, codes


def planar_case(n: int, seed: int, target: int) -> tuple[gpd.GeoDataFrame, AdjacencyGraph, Rules]:
    """A random planar map of ``n`` units of 200-3,000 people in one LA, and a band of ``target`` +/- 20%."""
    rng = np.random.default_rng(seed)
    units = voronoi(n, seed, rng.integers(200, 3_000, size=n).astype(float))
    return units, build_graph(units), Rules(target=target, min=int(target * 0.8), max=int(target * 1.2))


def assert_no_balanced_split(units: gpd.GeoDataFrame, adj: AdjacencyGraph, prop: Proposal, rules: Rules) -> None:
    """A neighbourhood of a one-LA map excused with "could not be balanced" is accepted only if the test's own
    search (tests/splits.py: spanning-tree cuts, then pieces) finds no split of the map's units into connected
    pieces in band either; a split found proves the excuse false."""
    stuck = [h for h in prop.neighbourhoods if h.reasons and "could not be balanced" in h.reasons[0]]
    if not stuck:
        return
    assert units["la_code"].nunique() == 1 and nx.is_connected(adj.graph)  # the region is the whole map
    pop = [int(x) for x in units["population"].to_numpy(dtype=float).round()]
    how = balanced_split_found(adj.graph, pop, rules.min, rules.max)
    assert how is None, f"{stuck[0].id}: {stuck[0].reasons[0]!r}, but {how}"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(20, 160), seed=st.integers(0, 2**16), target=st.sampled_from([5_000, 10_000, 20_000]))
@example(n=71, seed=11, target=5_000)  # every start missed the band here before ejection chains (3,913 people)
def test_property_random_planar_maps(n: int, seed: int, target: int) -> None:
    units, adj, rules = planar_case(n, seed, target)
    prop = propose_neighbourhoods(units, adj, rules, seed=seed)
    assert_invariants(units, adj, prop, rules)
    assert_no_balanced_split(units, adj, prop, rules)


def probe_case(seed: int) -> tuple[gpd.GeoDataFrame, AdjacencyGraph, Rules]:
    """The random-map probe's map for ``seed``: n (20-160) and target drawn first, then the populations."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 161))
    target = int(rng.choice([5_000, 10_000, 20_000]))
    units = voronoi(n, seed, rng.integers(200, 3_000, size=n).astype(float))
    return units, build_graph(units), Rules(target=target, min=int(target * 0.8), max=int(target * 1.2))


# probe maps where every start of the partitioner missed the band before ejection chains; the first ended with a
# part of 3,969 people (band 4,000-6,000; 119,104 people in 24 parts), the others with 6,020 and 6,021
STUCK_BEFORE_CHAINS = [24, 91, 168]


@pytest.mark.parametrize("seed", STUCK_BEFORE_CHAINS)
def test_planar_maps_once_stuck_are_balanced(seed: int) -> None:
    units, adj, rules = probe_case(seed)
    prop = propose_neighbourhoods(units, adj, rules, seed=seed, workers=1)
    assert_invariants(units, adj, prop, rules)
    assert all(rules.min <= h.population <= rules.max and h.status == "ok" for h in prop.neighbourhoods), [
        h.population for h in prop.neighbourhoods]


def test_a_false_could_not_be_balanced_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fault planted: without ejection chains (the best start kept as it is) the first map above keeps a
    neighbourhood of 3,969 people excused as "could not be balanced", and the planar property's check refutes
    the excuse with a balanced split of its own."""
    monkeypatch.setattr(partition.BalancedPartition, "_chains",
                        lambda self, p, k, nbrs, weights, tried: min(tried, key=lambda t: t[0])[2])
    seed = STUCK_BEFORE_CHAINS[0]
    units, adj, rules = probe_case(seed)
    prop = propose_neighbourhoods(units, adj, rules, seed=seed, workers=1)
    assert_invariants(units, adj, prop, rules)  # the excuse's wording and band hold...
    assert [h.population for h in prop.neighbourhoods if h.status == "exception"] == [3_969]
    with pytest.raises(AssertionError, match="connected pieces of"):  # ...but a balanced split exists
        assert_no_balanced_split(units, adj, prop, rules)
