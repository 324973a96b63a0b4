"""tests/splits.py, the properties' own check that a map splits into connected pieces in band: exact on small cases."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import networkx as nx
import numpy as np
import pytest

from .splits import balanced_split_found, piece_split_in_band, tree_cuts_in_band


def test_a_path_with_no_balanced_split() -> None:
    path, pop = nx.path_graph(3), [3_000, 3_000, 3_000]  # one piece is below 4,000; any two are 6,000+3,000 apart
    assert not tree_cuts_in_band(path, pop, 4_000, 6_000)
    assert piece_split_in_band(path, pop, 4_000, 6_000) is None
    assert balanced_split_found(path, pop, 4_000, 6_000) is None


def test_a_path_with_a_balanced_split() -> None:
    path, pop = nx.path_graph(4), [2_000, 2_500, 3_000, 2_000]  # 4,500 + 5,000
    assert tree_cuts_in_band(path, pop, 4_000, 6_000)
    assert sorted(map(sorted, piece_split_in_band(path, pop, 4_000, 6_000) or [])) == [[0, 1], [2, 3]]
    assert balanced_split_found(path, pop, 4_000, 6_000) is not None


def test_a_cut_must_leave_pieces_connected() -> None:
    """A star: 1,000 in the centre, three leaves of 3,000. 4,000-6,000 pieces would need the centre twice."""
    star, pop = nx.star_graph(3), [1_000, 3_000, 3_000, 3_000]
    assert not tree_cuts_in_band(star, pop, 4_000, 6_000)
    assert piece_split_in_band(star, pop, 4_000, 6_000) is None
    ring = nx.cycle_graph(4)  # the same people on a ring of 3,000-1,000-3,000-3,000: 4,000 + 6,000
    ring_pop = [3_000, 1_000, 3_000, 3_000]
    assert tree_cuts_in_band(ring, ring_pop, 4_000, 6_000)
    assert piece_split_in_band(ring, ring_pop, 4_000, 6_000) is not None


def test_a_piece_that_leaves_several_components() -> None:
    """Centre 0 (2 people) with legs 0-1-2 (2, 4), 0-3 (4) and 0-4 (4); band 4-4: pieces {2}, {0, 1}, then the two
    legs left over, {3} and {4}, each solved on its own — every node is in the split."""
    spider, pop = nx.Graph([(0, 1), (1, 2), (0, 3), (0, 4)]), [2, 2, 4, 4, 4]
    found = piece_split_in_band(spider, pop, 4, 4)
    assert found is not None and sorted(map(sorted, found)) == [[0, 1], [2], [3], [4]]
    assert tree_cuts_in_band(spider, pop, 4, 4)
    assert piece_split_in_band(spider, [2, 2, 4, 4, 3], 4, 4) is None  # the last leg cannot close


def _connected_partitions(graph: nx.Graph) -> Iterator[list[list[int]]]:
    """Every partition of the nodes into connected pieces (brute force: all set partitions)."""
    nodes = sorted(graph.nodes)

    def partitions(rest: list[int]) -> Iterator[list[list[int]]]:
        if not rest:
            yield []
            return
        head, tail = rest[0], rest[1:]
        for p in partitions(tail):
            yield [[head], *p]
            for i in range(len(p)):
                yield [*p[:i], [head, *p[i]], *p[i + 1:]]

    for parts in partitions(nodes):
        if all(nx.is_connected(graph.subgraph(p)) for p in parts):
            yield parts


def _small_cases() -> Iterator[tuple[nx.Graph, list[int], int, int]]:
    rng = np.random.default_rng(5)
    for _ in range(60):
        n = int(rng.integers(2, 8))
        graph = nx.random_labeled_tree(n, seed=int(rng.integers(1 << 30)))
        for a, b in itertools.combinations(range(n), 2):  # a few extra edges: not only trees
            if rng.random() < 0.15:
                graph.add_edge(a, b)
        pop = [int(x) for x in rng.integers(0, 10, size=n)]
        lo = int(rng.integers(1, 12))
        yield graph, pop, lo, lo + int(rng.integers(0, 8))


@pytest.mark.parametrize("case", list(_small_cases()))
def test_agrees_with_brute_force(case: tuple[nx.Graph, list[int], int, int]) -> None:
    graph, pop, lo, hi = case
    ok = [parts for parts in _connected_partitions(graph) if all(lo <= sum(pop[x] for x in p) <= hi for p in parts)]
    found = piece_split_in_band(graph, pop, lo, hi)
    assert (found is not None) == bool(ok)  # exact within its budget (these need a few dozen steps)
    if found is not None:
        assert sorted(x for p in found for x in p) == sorted(graph.nodes)
        assert all(nx.is_connected(graph.subgraph(p)) and lo <= sum(pop[x] for x in p) <= hi for p in found)
    tree = nx.minimum_spanning_tree(graph)
    by_edges = any(all(lo <= sum(pop[x] for x in c) <= hi for c in nx.connected_components(
        nx.restricted_view(tree, [], cut))) for r in range(len(tree.edges) + 1)
        for cut in itertools.combinations(list(tree.edges), r))
    assert tree_cuts_in_band(tree, pop, lo, hi) == by_edges
