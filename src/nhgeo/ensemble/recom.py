"""ReCom (recombination) chains on one region, in NumPy/SciPy: the sampler every ensemble task runs.

One step (DeFord, Duchin & Solomon 2021, as GerryChain's ``recom``): pick a cut edge at random, merge the two
neighbourhoods it separates, draw a random spanning tree of the merged area (the minimum spanning tree of
random edge weights (Kruskal); an edge crossing a ward boundary costs ``surcharge`` more, so the tree crosses wards
rarely and the cut tends to fall on a ward line), and cut the tree at an edge chosen uniformly among those
leaving both sides in band. When no tree in ``TREE_TRIES`` has a balanced cut the step keeps the plan.
Every plan of the chain is contiguous (both sides of a tree edge are connected) and in band by construction.
The start is a random recursive spanning-tree split (each part cut off a random tree in band, the rest able to
hold the remaining parts), so independent chains start far apart, which is what R-hat needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .regions import Region

__all__ = ["ChainJob", "ChainResult", "canonical", "run_chain", "start_plan"]

TREE_TRIES = 20  # spanning trees drawn per step before the step keeps the plan
START_TRIES = 200  # whole recursive starts tried before widening an exception's band
INFEASIBLE_SLACK = 0.1  # a region choose_k cannot put in band: parts within its mean size +/- 10% (or the band)


@dataclass
class ChainJob:
    """One independent task: a chain on one region with its own seed."""

    region: Region
    chain: int
    entropy: tuple[int, ...]  # SeedSequence entropy: (seed, chain, LA-key bytes...)
    samples: int
    thin: int  # steps between stored plans
    burn: int  # steps before the first stored plan
    surcharge: float


@dataclass
class ChainResult:
    """The stored plans of one chain (node labels, canonical) and what it cost."""

    key: str
    chain: int
    labels: np.ndarray  # (samples, m) int16
    steps: int
    moved: int  # steps that changed the plan
    lo: float  # the band the chain kept (wider than the rule's only for a proven exception)
    hi: float


def canonical(labels: np.ndarray) -> np.ndarray:
    """Parts renumbered by first appearance (so equal plans have equal labels)."""
    _, first = np.unique(labels, return_index=True)
    remap = np.empty(int(labels.max()) + 1, dtype=np.int64)
    remap[labels[np.sort(first)]] = np.arange(len(first))
    return np.asarray(remap[labels])


def _tree(m: int, lu: np.ndarray, lv: np.ndarray, cross: np.ndarray, surcharge: float,
          rng: np.random.Generator) -> tuple[list[int], list[int]]:
    """A random spanning tree of the m-node graph (Kruskal on random weights): BFS order from node 0 and each
    node's parent. Plain Python on these small graphs (tens of nodes) is ~4x faster than building SciPy
    sparse matrices for each tree."""
    w = rng.random(len(lu)) + surcharge * cross
    us, vs = lu.tolist(), lv.tolist()
    parent = list(range(m))
    nbrs: list[list[int]] = [[] for _ in range(m)]
    joined = 0
    for e in np.argsort(w, kind="stable").tolist():
        a, b = us[e], vs[e]
        ra = a
        while parent[ra] != ra:
            parent[ra] = parent[parent[ra]]
            ra = parent[ra]
        rb = b
        while parent[rb] != rb:
            parent[rb] = parent[parent[rb]]
            rb = parent[rb]
        if ra != rb:
            parent[ra] = rb
            nbrs[a].append(b)
            nbrs[b].append(a)
            joined += 1
            if joined == m - 1:
                break
    pred = [-1] * m
    order = [0]
    seen = [False] * m
    seen[0] = True
    i = 0
    while i < len(order):
        x = order[i]
        i += 1
        for y in nbrs[x]:
            if not seen[y]:
                seen[y] = True
                pred[y] = x
                order.append(y)
    return order, pred


def _side(order: list[int], pred: list[int], v: int, m: int) -> np.ndarray:
    """The nodes below ``v`` in the tree (``v``'s side of the edge to its parent)."""
    inside = [False] * m
    inside[v] = True
    for u in order[order.index(v) + 1:]:
        if inside[pred[u]]:
            inside[u] = True
    return np.array(inside, dtype=bool)


def _cut(pop: np.ndarray, lu: np.ndarray, lv: np.ndarray, cross: np.ndarray, surcharge: float,
         lo_a: float, hi_a: float, lo_b: float, hi_b: float, rng: np.random.Generator, tries: int
         ) -> np.ndarray | None:
    """Side A of a balanced cut of a random spanning tree (A in [lo_a, hi_a], the rest in [lo_b, hi_b])."""
    m = len(pop)
    total = float(pop.sum())
    pops = pop.astype(float).tolist()
    for _ in range(tries):
        order, pred = _tree(m, lu, lv, cross, surcharge, rng)
        if len(order) < m:
            return None  # not connected (cannot happen on a region's graph)
        acc = list(pops)
        for v in order[:0:-1]:
            acc[pred[v]] += acc[v]
        sub = np.array(acc)
        sub[order[0]] = np.nan
        ok_below = (sub >= lo_a) & (sub <= hi_a) & (total - sub >= lo_b) & (total - sub <= hi_b)
        ok_above = (total - sub >= lo_a) & (total - sub <= hi_a) & (sub >= lo_b) & (sub <= hi_b)
        cand = np.flatnonzero(ok_below | ok_above)
        if len(cand) == 0:
            continue
        v = int(cand[rng.integers(len(cand))])
        below = _side(order, pred, v, m)
        return below if ok_below[v] else ~below
    return None


def start_plan(region: Region, lo: float, hi: float, rng: np.random.Generator) -> np.ndarray | None:
    """A random plan of ``region.k`` contiguous parts in [lo, hi] (recursive spanning-tree splits), else None."""
    m, k = region.m, region.k
    for _ in range(START_TRIES):
        labels = np.full(m, k - 1, dtype=np.int64)
        rest = np.arange(m)
        ok = True
        for part in range(k - 1):
            left = k - part - 1  # parts the rest must still hold
            sub_of = np.full(m, -1, dtype=np.int64)
            sub_of[rest] = np.arange(len(rest))
            emask = (sub_of[region.eu] >= 0) & (sub_of[region.ev] >= 0)
            side = _cut(region.pop[rest], sub_of[region.eu[emask]], sub_of[region.ev[emask]],
                        region.ward_cross[emask], 0.0, lo, hi, left * lo, left * hi, rng, 5)
            if side is None:
                ok = False
                break
            labels[rest[side]] = part
            rest = rest[~side]
        if ok:
            return labels
    return None


def run_chain(job: ChainJob) -> ChainResult:
    """Run one chain: a random start, ``burn`` steps, then a plan stored every ``thin`` steps."""
    r = job.region
    rng = np.random.default_rng(np.random.SeedSequence(list(job.entropy)))
    lo, hi = r.lo, r.hi
    if r.k <= 1:
        return ChainResult(r.key, job.chain, np.zeros((job.samples, r.m), dtype=np.int16), 0, 0, lo, hi)
    if not r.feasible:
        ideal = r.population / r.k
        lo, hi = min(lo, ideal * (1 - INFEASIBLE_SLACK)), max(hi, ideal * (1 + INFEASIBLE_SLACK))
    labels = start_plan(r, lo, hi, rng)
    while labels is None:  # an exception the band cannot hold even at +/-10%: widen until a plan exists
        ideal = r.population / r.k
        lo, hi = min(lo, ideal * 0.8, lo * 0.9), max(hi, ideal * 1.2, hi * 1.1)
        labels = start_plan(r, lo, hi, rng)
    eu, ev, cross = r.eu, r.ev, r.ward_cross.astype(float)
    out = np.empty((job.samples, r.m), dtype=np.int16)
    steps = moved = 0
    total_steps = job.burn + job.samples * job.thin
    stored = 0
    loc = np.empty(r.m, dtype=np.int64)
    for step in range(1, total_steps + 1):
        cut = np.flatnonzero(labels[eu] != labels[ev])
        e = int(cut[rng.integers(len(cut))])
        a, b = int(labels[eu[e]]), int(labels[ev[e]])
        mask = (labels == a) | (labels == b)
        idx = np.flatnonzero(mask)
        loc[idx] = np.arange(len(idx))
        emask = mask[eu] & mask[ev]
        side = _cut(r.pop[idx], loc[eu[emask]], loc[ev[emask]], cross[emask], job.surcharge, lo, hi, lo, hi, rng,
                    TREE_TRIES)
        steps += 1
        if side is not None:
            new = np.where(side, a, b)
            if not np.array_equal(new, labels[idx]):
                moved += 1
            labels[idx] = new
        if step > job.burn and (step - job.burn) % job.thin == 0:
            out[stored] = canonical(labels)
            stored += 1
    return ChainResult(r.key, job.chain, out, steps, moved, lo, hi)
