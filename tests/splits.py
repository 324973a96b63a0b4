"""An independent check that a map splits into connected pieces in a population band (for the properties).

nhgeo's partitioner may report that a region's units "could not be balanced"; these helpers re-derive that claim
without its code: an exact cut of spanning trees by dynamic programming, and a bounded exhaustive search over
connected pieces. Both are one-sided: a split found proves the claim false; none found proves nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx
import numpy as np


def tree_cuts_in_band(tree: nx.Graph, pop: Sequence[int], lo: int, hi: int) -> bool:
    """Whether removing some edges of ``tree`` leaves pieces whose populations all lie in [lo, hi] (exact).

    Dynamic programming from the leaves up: for each node, the set of populations its still-open piece can have
    (a Python int used as a bitset, sums above ``hi`` dropped); a child's piece is either cut off, allowed only if
    it can close in band, or joined (every sum plus every sum). The tree splits iff the root's piece can close."""
    root = min(tree.nodes)
    closable = ((1 << (hi + 1)) - 1) >> lo << lo  # bits lo..hi
    below = (1 << (hi + 1)) - 1
    sums: dict[int, int] = {}
    parent = dict(nx.bfs_predecessors(tree, root))
    for x in reversed([root, *(v for _, v in nx.bfs_edges(tree, root))]):  # children before their parent
        own = 1 << pop[x] if pop[x] <= hi else 0
        for c in tree[x]:
            if parent.get(c) != x:
                continue
            child = sums.pop(c)
            joined = own if child & closable else 0  # cut the edge to c: c's piece closes in band
            bits = child
            while bits:  # join: add each of c's possible sums
                low = bits & -bits
                joined |= (own << (low.bit_length() - 1)) & below
                bits ^= low
            own = joined
        sums[x] = own
    return bool(sums[root] & closable)


def piece_split_in_band(graph: nx.Graph, pop: Sequence[int], lo: int, hi: int, steps: int = 20_000
                        ) -> list[frozenset[int]] | None:
    """A split of ``graph`` into connected pieces of population in [lo, hi] found by exhaustive search within
    ``steps`` pieces tried, or None (none exists, or none found within the budget).

    Every connected piece around one node of the component (the one with the fewest neighbours in it, so pieces
    peel off the edge; ties in breadth-first order from the map's edge) is grown one neighbour at a time, each
    set once, at most ``hi`` people; the leftover components are solved the same way, smallest first (memoised).
    A component whose population no number of pieces fits (no m with m * lo <= total <= m * hi) is refused at
    once. Exact when it ends within the budget. Populations are integers."""
    first = min(graph.nodes, key=lambda x: (graph.degree(x), x))
    rank = {x: i for i, x in enumerate(nx.bfs_tree(graph, first))}
    memo: dict[frozenset[int], list[frozenset[int]] | None] = {}
    budget = [steps]

    def fits(total: int) -> bool:  # some number of pieces, m * lo <= total <= m * hi
        return -(-total // hi) * lo <= total

    def solve(comp: frozenset[int]) -> list[frozenset[int]] | None:
        if comp not in memo:
            total = sum(pop[x] for x in comp)
            memo[comp] = None
            if lo <= total <= hi:
                memo[comp] = [comp]
            elif fits(total) and max(pop[x] for x in comp) <= hi:  # a unit above hi fits no piece
                start = min(comp, key=lambda x: (sum(y in comp for y in graph[x]), rank[x]))
                memo[comp] = grow(comp, frozenset([start]), pop[start], frozenset())
        return memo[comp]

    def grow(comp: frozenset[int], piece: frozenset[int], total: int, banned: frozenset[int]
             ) -> list[frozenset[int]] | None:
        budget[0] -= 1
        if budget[0] < 0:
            return None
        if total >= lo:  # the piece could close here: can the rest be split (smallest leftover first)?
            rest = sorted((frozenset(c) for c in nx.connected_components(graph.subgraph(comp - piece))),
                          key=lambda c: (len(c), min(c)))
            if all(fits(sum(pop[x] for x in c)) for c in rest):
                parts = [piece]
                for c in rest:
                    sub = solve(c)
                    if sub is None:
                        break
                    parts += sub
                else:
                    return parts
        options = sorted({y for x in piece for y in graph[x] if y in comp and y not in piece} - banned)
        for i, w in enumerate(options):  # w joins; the options before it never will (each piece grown once)
            if total + pop[w] <= hi:
                got = grow(comp, piece | {w}, total + pop[w], banned | set(options[:i]))
                if got is not None:
                    return got
        return None

    return solve(frozenset(graph.nodes))


def balanced_split_found(graph: nx.Graph, pop: Sequence[int], lo: int, hi: int, trees: int = 30) -> str | None:
    """How a split into connected pieces of [lo, hi] people was found (for a test message), or None.

    Independent of nhgeo's partitioner and one-sided (None proves nothing): the exact cut of up to ``trees``
    random spanning trees (fixed seed; strong when pieces hold many units), then a bounded exhaustive search over
    pieces (strong when they hold few, which is where a partitioner gets stuck)."""
    rng = np.random.default_rng(0)
    weighted = nx.Graph(graph)
    for t in range(trees):
        nx.set_edge_attributes(weighted, {e: rng.random() for e in weighted.edges}, "w")
        if tree_cuts_in_band(nx.minimum_spanning_tree(weighted, weight="w"), pop, lo, hi):
            return f"random spanning tree {t} cuts into pieces of {lo:,}-{hi:,}"
    parts = piece_split_in_band(graph, pop, lo, hi)
    if parts is not None:
        return f"{len(parts)} connected pieces of " + ", ".join(f"{sum(pop[x] for x in p):,}" for p in parts)
    return None
