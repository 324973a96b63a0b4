"""Balanced contiguous partitioning of a connected graph (one algorithm, spopt-style API).

``BalancedPartition(...).solve()`` sets ``labels_`` (0..k-1 per node) such that every part is
connected, and tries hard to put every part's population in ``[lo, hi]`` with a short total
cut (compact shapes). Four stages, all deterministic for a given ``seed``:

1. **Seeds**: population-weighted k-means++ and Lloyd steps on unit centres.
2. **Balanced graph Voronoi**: a multi-source Dijkstra over the adjacency graph where each
   seed starts with an additive offset. Every node joins the seed with the smallest
   offset + path length, and its shortest-path predecessor has the same seed, so every part
   is connected by construction. Offsets are raised for over-full parts and lowered for
   under-full ones until the populations balance (the best iterate is kept).
3. **Band repair**: boundary units move out of over-full / into under-full parts, then
   exchanges (one unit each way) while the total band violation falls; both keep every part
   connected (:mod:`nhgeo.design.band_repair`). A feasible region that still misses the band gets up to
   ``starts`` seeded starts; if every one misses, **ejection chains** pass the shortfall or surplus through a line of
   touching parts, on each start and then on ``CHAIN_STARTS`` more (so a start that reaches the band alone
   gives the same result as without them).
4. **Local search** (:mod:`nhgeo.refine`): annealing then a greedy polish on cut edges +
   0.5 × perimeter (km), single-unit moves that keep both parts connected and in band.

With ``atoms`` (wards, from ``propose --align ward``, the default) the four stages run first on the graph of
atoms (each contracted to one node; the roundest of ``ATOM_STARTS`` seeds wins), and atoms are split only
where the band forces it or a greedy polish finds a much shorter boundary (:meth:`BalancedPartition._solve_atoms`).

See ``docs/algorithm.md`` for why and for measured figures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from .band_repair import chain_repair, local_search, swap_repair
from .refine import adjacency_lists, edge_costs, refine

CHAIN_STARTS = 8  # further starts (each with chains) when every start and its chains still miss the band
VORONOI_DEV = 0.15  # balancing stops once every part is in band and within this share of the target


@dataclass
class PartitionProblem:
    """A connected graph with populations: nodes 0..n-1, undirected edges given once."""

    pop: np.ndarray  # (n,) population
    xy: np.ndarray  # (n, 2) unit centres, metres
    edges_u: np.ndarray
    edges_v: np.ndarray
    border: np.ndarray  # shared border length per edge (0 for bridges)
    travel: np.ndarray  # path weight per edge (centre distance, with penalties)
    k: int
    lo: float
    hi: float
    target: float
    group: np.ndarray | None = None  # soft grouping (e.g. MSOA codes) kept whole where possible
    aim: float = 0.1  # local search aims for target +/- aim (inside the band) where it can
    cut_weight: np.ndarray | None = None  # per-edge factor >= 1 on the refine cut cost (nhgeo.affinity)
    polish: Callable[..., np.ndarray] | None = None  # after refine: (labels, pop, nbrs, costs, lo, hi) -> labels
    area: np.ndarray | None = None  # node areas and perimeters (m², m): the atom-level start is chosen by shape
    perimeter: np.ndarray | None = None
    atoms: np.ndarray | None = None  # node -> atom (e.g. a ward): connected groups kept whole wherever the band allows

    @property
    def n(self) -> int:
        return len(self.pop)


@dataclass
class BalancedPartition:
    """Partition ``problem`` into ``problem.k`` connected, balanced, compact parts."""

    problem: PartitionProblem
    seed: int = 0
    voronoi_iter: int = 80
    max_moves: int = 20_000
    starts: int = 8  # seeded starts tried while a part of a feasible region misses the band
    refine_moves: int | None = None  # annealing proposals per unit (None: refine.MOVES_PER_UNIT; 0: no refine)
    chains: bool = True  # when every start misses the band: ejection chains, then CHAIN_STARTS more starts
    labels_: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def solve(self) -> BalancedPartition:
        p = self.problem
        if p.k <= 1 or p.n <= 1:
            self.labels_ = np.zeros(p.n, dtype=np.int64)
            return self
        if p.atoms is not None and p.k < len(np.unique(p.atoms)) < p.n:  # atoms that group nodes
            self.labels_ = self._solve_atoms(p)
            return self
        k = min(p.k, p.n)
        nbrs, weights = _adjacency(p)
        total = float(p.pop.sum())
        feasible = k * p.lo <= total <= k * p.hi
        tried: list[tuple[float, int, np.ndarray]] = []  # (violation, start seed, labels) of each start
        for attempt in range(self.starts if feasible else 1):  # more starts only while a part misses the band
            start = self.seed + 7919 * attempt
            labels = self._attempt(p, k, nbrs, weights, start)
            tried.append((_violation(p, labels, k), start, labels))
            if tried[-1][0] == 0:
                break
        best = min(tried, key=lambda t: t[0])  # the first start with the least violation
        labels = best[2]
        if best[0] > 0 and feasible and self.chains:  # every start misses the band: ejection chains, more starts
            labels = self._chains(p, k, nbrs, weights, tried)
        self.labels_ = labels
        return self

    def _chains(self, p: PartitionProblem, k: int, nbrs: list[list[int]], weights: list[dict[int, float]],
                tried: list[tuple[float, int, np.ndarray]]) -> np.ndarray:
        """When every start misses the band: ejection chains (:func:`chain_repair`) on each start in turn, then on
        up to ``CHAIN_STARTS`` further starts; the first in band wins (refined again), else the least violation."""
        def starts() -> Iterator[tuple[float, int, np.ndarray]]:
            yield from tried
            for attempt in range(self.starts, self.starts + CHAIN_STARTS):
                start = self.seed + 7919 * attempt
                labels = self._attempt(p, k, nbrs, weights, start)
                yield _violation(p, labels, k), start, labels

        best: tuple[float, np.ndarray] | None = None
        for viol, start, labels in starts():
            chained = chain_repair(p, labels, nbrs)
            if _violation(p, chained, k) < viol:
                labels = _relabel(self._shape_pass(p, chained, start))
                viol = _violation(p, labels, k)
            if best is None or viol < best[0]:
                best = (viol, labels)
            if viol == 0:
                break
        assert best is not None
        return best[1]

    def _plain(self, p: PartitionProblem) -> np.ndarray:
        q = PartitionProblem(**{**p.__dict__, "atoms": None})
        return BalancedPartition(q, seed=self.seed, voronoi_iter=self.voronoi_iter, max_moves=self.max_moves,
                                 starts=self.starts, refine_moves=self.refine_moves).solve().labels_

    def _solve_atoms(self, p: PartitionProblem) -> np.ndarray:
        """Whole atoms first: partition the graph of atoms; split atoms only where the band forces it.

        The atom-level parts are expanded to the nodes; when a part misses the band, boundary nodes move
        (band repair, then exchanges) starting from the atom solution, and a greedy polish that prices a cut
        inside an atom at ``1 + ATOM_WEIGHT`` times heals what it can. If that still misses the band, the
        plain node-level solve is tried too and the one with less band violation (then fewer atoms split) wins.
        Last, a greedy polish (a cut inside an atom at ``1 + ATOM_POLISH``) rounds the shapes: it splits an atom
        only where that shortens the boundary a lot.
        """
        assert p.atoms is not None
        atom = np.unique(p.atoms, return_inverse=True)[1].astype(np.int64)
        coarse = contract(p, atom)
        lab_c = self._best_coarse(coarse)
        labels = lab_c[atom]
        k = min(p.k, p.n)
        if _violation(p, labels, k) > 0:
            nbrs, weights = _adjacency(p, atom)
            labels = _relabel(local_search(p, labels, nbrs, weights, self.max_moves))
            labels = swap_repair(p, labels, nbrs)
            labels = _atom_polish(p, atom, labels, ATOM_WEIGHT)
            if _violation(p, labels, k) > 0:
                other = self._plain(p)
                if (_violation(p, other, k), _atoms_split(other, atom)) < (_violation(p, labels, k),
                                                                            _atoms_split(labels, atom)):
                    return other
        if self.refine_moves != 0:  # greedy shape polish on the nodes: a cut inside an atom costs 1 + ATOM_POLISH
            labels = _atom_polish(p, atom, labels, ATOM_POLISH)
        if p.polish is not None:
            nbrs_l, costs_l = adjacency_lists(p.n, p.edges_u, p.edges_v, edge_costs(p.border) * (
                p.cut_weight if p.cut_weight is not None else 1.0))
            labels = p.polish(labels, p.pop, nbrs_l, costs_l, p.lo, p.hi)
        return _relabel(labels)

    def _best_coarse(self, coarse: PartitionProblem) -> np.ndarray:
        """The atom-level partition: the best of ``ATOM_STARTS`` seeds by (band violation, shape score)."""
        cost = edge_costs(coarse.border)
        best: tuple[float, float, np.ndarray] | None = None
        for attempt in range(ATOM_STARTS):
            lab = BalancedPartition(coarse, seed=self.seed + 7919 * attempt, voronoi_iter=min(30, self.voronoi_iter),
                                    max_moves=self.max_moves, starts=1, refine_moves=self.refine_moves,
                                    chains=False).solve().labels_  # the node level repairs what is left
            key = (_violation(coarse, lab, coarse.k), _shape(coarse, lab, cost))
            if best is None or key < best[:2]:
                best = (*key, lab)
        assert best is not None
        return best[2]

    def _attempt(self, p: PartitionProblem, k: int, nbrs: list[list[int]], weights: list[dict[int, float]],
                 seed: int) -> np.ndarray:
        """One start: seeds, balanced Voronoi, band repair, then the compactness refine."""
        seeds = _initial_seeds(p, k, np.random.default_rng(seed))
        labels = _relabel(self._voronoi(p, seeds))
        labels = _relabel(local_search(p, labels, nbrs, weights, self.max_moves))
        labels = swap_repair(p, labels, nbrs)
        return _relabel(self._shape_pass(p, labels, seed))

    def _shape_pass(self, p: PartitionProblem, labels: np.ndarray, seed: int) -> np.ndarray:
        """The compactness refine (then the problem's soft-alignment polish); no band violation grows."""
        if self.refine_moves != 0:
            cost = edge_costs(p.border)
            if p.cut_weight is not None:  # soft alignment (wards, PCN catchments): dearer to cut inside
                cost = cost * p.cut_weight
            rn, rc = adjacency_lists(p.n, p.edges_u, p.edges_v, cost)
            labels = refine(labels, p.pop, rn, rc, p.lo, p.hi, seed=seed,
                            moves=None if self.refine_moves is None else self.refine_moves * p.n)
            if p.polish is not None:  # soft alignment after the shape search (nhgeo.affinity.PcnPolish)
                labels = p.polish(labels, p.pop, rn, rc, p.lo, p.hi)
        return labels

    def _voronoi(self, p: PartitionProblem, seeds: np.ndarray) -> np.ndarray:
        n, k = p.n, len(seeds)
        w = np.maximum(p.travel, 1e-3)
        # directed graph: node -> node both ways, except that seeds cannot be entered,
        # plus a super source (index n) -> each seed carrying the seed's offset
        is_seed = np.zeros(n, dtype=bool)
        is_seed[seeds] = True
        src = np.concatenate([p.edges_u, p.edges_v])
        dst = np.concatenate([p.edges_v, p.edges_u])
        ww = np.concatenate([w, w])
        keep = ~is_seed[dst]
        src, dst, ww = src[keep], dst[keep], ww[keep]
        scale = float(np.median(w)) * np.sqrt(n / k)
        offsets = np.zeros(k)
        best: tuple[float, float] | None = None
        best_labels = np.zeros(n, dtype=np.int64)
        step = 0.6
        # the matrix is built once; only the super source's k edges (the offsets) change per iteration
        g = sp.csr_matrix((np.concatenate([ww, np.arange(1.0, k + 1.0)]),
                           (np.concatenate([src, np.full(k, n)]), np.concatenate([dst, seeds]))),
                          shape=(n + 1, n + 1))
        g.sort_indices()
        row = slice(int(g.indptr[n]), int(g.indptr[n + 1]))
        order = np.argsort(seeds)  # the source's edges are stored by column: seed order[r] at position r
        for it in range(self.voronoi_iter):
            base = offsets - offsets.min() + 1.0
            g.data[row] = base[order]
            _, pred = dijkstra(g, directed=True, indices=n, return_predecessors=True)
            labels = _labels_from_pred(pred[:n], seeds, n)
            pops = np.bincount(labels, weights=p.pop, minlength=k)
            viol = float(np.sum(np.maximum(0, p.lo - pops) + np.maximum(0, pops - p.hi)))
            dev = float(np.max(np.abs(pops - p.target)))
            if best is None or (viol, dev) < best:
                best, best_labels = (viol, dev), labels.copy()
            if viol == 0 and dev <= VORONOI_DEV * p.target:
                break
            offsets += step * scale * (pops - p.target) / p.target
            if it % 10 == 9:
                step *= 0.7
        return best_labels


ATOM_STARTS = 4  # atom-level starts (cheap: tens of nodes); the roundest in band wins


def _shape(p: PartitionProblem, labels: np.ndarray, cost: np.ndarray) -> float:
    """Lower is rounder: mean Polsby-Popper (negated) when the problem knows areas and perimeters, else the cut cost."""
    if p.area is not None and p.perimeter is not None:
        k = int(labels.max()) + 1
        area = np.bincount(labels, weights=p.area, minlength=k)
        cut = labels[p.edges_u] != labels[p.edges_v]
        inner = np.bincount(labels[p.edges_u][~cut], weights=p.border[~cut], minlength=k)
        per = np.bincount(labels, weights=p.perimeter, minlength=k) - 2 * inner
        return -float(np.mean(4 * np.pi * area / np.maximum(per, 1e-9) ** 2))
    return float(cost[labels[p.edges_u] != labels[p.edges_v]].sum())


ATOM_POLISH = 1.0  # extra cut cost inside an atom in the final greedy polish (tuned: Birmingham, London, England)
ATOM_WEIGHT = 9.0  # extra cut cost inside an atom (a ward) when the band forces atoms to be split


def _atom_polish(p: PartitionProblem, atom: np.ndarray, labels: np.ndarray, extra: float) -> np.ndarray:
    """Greedy shape polish (no annealing) of node labels with a cut inside an atom costing ``1 + extra`` times."""
    cost = edge_costs(p.border) * np.where(atom[p.edges_u] == atom[p.edges_v], 1.0 + extra, 1.0)
    if p.cut_weight is not None:
        cost = cost * p.cut_weight
    rn, rc = adjacency_lists(p.n, p.edges_u, p.edges_v, cost)
    return refine(labels, p.pop, rn, rc, p.lo, p.hi, moves=0)


def _violation(p: PartitionProblem, labels: np.ndarray, k: int) -> float:
    pops = np.bincount(labels, weights=p.pop, minlength=k)
    return float(np.sum(np.maximum(0, p.lo - pops) + np.maximum(0, pops - p.hi)))


def _atoms_split(labels: np.ndarray, atom: np.ndarray) -> int:
    """How many atoms have nodes in more than one part."""
    pairs = np.unique(atom.astype(np.int64) * (int(labels.max()) + 1) + labels)
    return int(np.sum(np.bincount(pairs // (int(labels.max()) + 1)) > 1))


def contract(p: PartitionProblem, atom: np.ndarray) -> PartitionProblem:
    """The problem on the graph of atoms (``atom``: node -> 0..m-1, each atom connected): populations summed,
    population-weighted centres, parallel edges merged (borders summed; travel scaled from the nodes' own
    travel/distance ratio; cut weights averaged by cost)."""
    m = int(atom.max()) + 1
    w = np.maximum(p.pop.astype(float), 1e-9)
    sw = np.bincount(atom, weights=w, minlength=m)
    xy = np.column_stack([np.bincount(atom, weights=p.xy[:, 0] * w, minlength=m) / sw,
                          np.bincount(atom, weights=p.xy[:, 1] * w, minlength=m) / sw])
    u, v = atom[p.edges_u], atom[p.edges_v]
    keep = u != v
    u, v = u[keep], v[keep]
    border = p.border[keep].astype(float)
    dist = np.hypot(*(p.xy[p.edges_u[keep]] - p.xy[p.edges_v[keep]]).T)
    ratio = np.where(dist > 0, p.travel[keep] / np.maximum(dist, 1e-9), 1.0)
    cost = edge_costs(border)
    cw = p.cut_weight[keep] if p.cut_weight is not None else np.ones(len(u))
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    key, inv = np.unique(lo.astype(np.int64) * m + hi, return_inverse=True)
    cu, cv = (key // m).astype(np.int64), (key % m).astype(np.int64)
    cb = np.bincount(inv, weights=border, minlength=len(key))
    cnt = np.maximum(np.bincount(inv, minlength=len(key)), 1)
    travel = np.hypot(*(xy[cu] - xy[cv]).T) * np.bincount(inv, weights=ratio, minlength=len(key)) / cnt
    cut_weight = None
    if p.cut_weight is not None:
        cut_weight = np.bincount(inv, weights=cost * cw, minlength=len(key)) / np.bincount(inv, weights=cost,
                                                                                             minlength=len(key))
    area = perimeter = None
    if p.area is not None and p.perimeter is not None:
        area = np.bincount(atom, weights=p.area, minlength=m)
        same = ~keep
        inner = np.bincount(atom[p.edges_u[same]], weights=p.border[same], minlength=m)
        perimeter = np.bincount(atom, weights=p.perimeter, minlength=m) - 2 * inner
    return PartitionProblem(pop=np.bincount(atom, weights=p.pop, minlength=m), xy=xy, edges_u=cu, edges_v=cv,
                            border=cb, travel=travel, k=min(p.k, m), lo=p.lo, hi=p.hi, target=p.target, aim=p.aim,
                            cut_weight=cut_weight, area=area, perimeter=perimeter)


def _adjacency(p: PartitionProblem, atoms: np.ndarray | None = None
               ) -> tuple[list[list[int]], list[dict[int, float]]]:
    """Neighbour lists and per-neighbour cut weights (border metres, doubled inside a group; with ``atoms``,
    ten times inside an atom instead, so band repair moves whole-atom edges last)."""
    nbrs: list[list[int]] = [[] for _ in range(p.n)]
    weights: list[dict[int, float]] = [{} for _ in range(p.n)]
    wt = p.border.astype(float).copy()
    group, factor = (p.group, 2.0) if atoms is None else (atoms, 1.0 + ATOM_WEIGHT)
    if group is not None:
        same = group[p.edges_u] == group[p.edges_v]
        wt[same] *= factor
    for a, b, c in zip(p.edges_u.tolist(), p.edges_v.tolist(), wt.tolist(), strict=False):
        if b not in weights[a]:
            nbrs[a].append(b)
            nbrs[b].append(a)
        weights[a][b] = weights[a].get(b, 0.0) + c
        weights[b][a] = weights[b].get(a, 0.0) + c
    return nbrs, weights


def _initial_seeds(p: PartitionProblem, k: int, rng: np.random.Generator) -> np.ndarray:
    """Population-weighted k-means++ then Lloyd steps; each centre snapped to a distinct node."""
    xy, w = p.xy, np.maximum(p.pop.astype(float), 1.0)
    centres = [xy[rng.choice(p.n, p=w / w.sum())]]
    for _ in range(1, k):
        d2 = np.min(((xy[:, None, :] - np.array(centres)[None, :, :]) ** 2).sum(-1), axis=1)
        prob = w * d2
        prob = prob / prob.sum() if prob.sum() > 0 else w / w.sum()
        centres.append(xy[rng.choice(p.n, p=prob)])
    c = np.array(centres)
    for _ in range(15):
        lab = np.argmin(((xy[:, None, :] - c[None, :, :]) ** 2).sum(-1), axis=1)
        sw = np.bincount(lab, weights=w, minlength=k)
        has = sw > 0
        c[has, 0] = np.bincount(lab, weights=w * xy[:, 0], minlength=k)[has] / sw[has]
        c[has, 1] = np.bincount(lab, weights=w * xy[:, 1], minlength=k)[has] / sw[has]
    seeds: list[int] = []
    taken = np.zeros(p.n, dtype=bool)
    for j in range(k):
        d = ((xy - c[j]) ** 2).sum(-1)
        d[taken] = np.inf
        s = int(np.argmin(d))
        taken[s] = True
        seeds.append(s)
    return np.array(seeds, dtype=np.int64)


def _labels_from_pred(pred: np.ndarray, seeds: np.ndarray, n: int) -> np.ndarray:
    """Seed index of each node, by pointer jumping up the shortest-path tree."""
    root = pred.astype(np.int64).copy()
    root[seeds] = seeds
    unreachable = root < 0
    root[unreachable] = np.flatnonzero(unreachable)
    root[root == n] = np.flatnonzero(root == n)
    for _ in range(64):
        nxt = root[root]
        if np.array_equal(nxt, root):
            break
        root = nxt
    lookup = np.full(n, -1, dtype=np.int64)
    lookup[seeds] = np.arange(len(seeds))
    labels = lookup[root]
    if (labels < 0).any():  # should not happen on a connected graph; attach to seed 0
        labels[labels < 0] = 0
    return labels


def _relabel(labels: np.ndarray) -> np.ndarray:
    """Renumber parts 0..k-1 in order of their first node (stable, seed-independent ids)."""
    _, first = np.unique(labels, return_index=True)
    order = np.argsort(first)
    remap = np.empty(labels.max() + 1, dtype=np.int64)
    remap[np.unique(labels)[order]] = np.arange(len(order))
    return np.asarray(remap[labels], dtype=np.int64)
