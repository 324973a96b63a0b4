"""Propose neighbourhoods for a place: split it into regions, partition each, name the parts.

Regions are the connected pieces of each local authority (within one ICB, so neighbourhoods
always nest into ICBs). Pieces too small for the band are joined to a neighbouring piece
in the same ICB (contracted to one node, so it stays whole) and the crossing is reported. Each
region is then partitioned by :class:`nhgeo.partition.BalancedPartition` into the number of
neighbourhoods that best fits the band (:func:`nhgeo.design.sizing.choose_k`); when no count fits, the
least-bad one is used and the neighbourhoods out of band are flagged with the arithmetic.
Regions are independent: they are solved as Dask tasks on forked worker processes (``workers``,
``NHGEO_WORKERS``) with the same result for any number of workers.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing as mp
import os
from collections.abc import Callable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import InputError
from ..geo.bridges import component_labels
from ..geo.graph import AdjacencyGraph
from ..model import Col, Rules, positions_by
from .affinity import Aligner
from .naming import name_neighbourhoods
from .partition import BalancedPartition, PartitionProblem
from .sizing import choose_k

Progress = Callable[[str, int, int], None]
LA_PENALTY = 4.0  # travel-weight factor for edges crossing an LA boundary (--cross-la mode)
MSOA_DISCOUNT = 0.7  # travel-weight factor inside one MSOA: keeps MSOAs whole
WARDS_FIRST = True  # --align ward: partition whole wards first (issue 25); False: the LSOA-level search of 0.1


@dataclass
class Neighbourhood:
    """One proposed (or validated) neighbourhood."""

    id: str
    name: str
    codes: list[str]
    population: int
    la_codes: list[str]
    icb_code: str
    status: str = "ok"  # ok | exception
    reasons: list[str] = field(default_factory=list)
    locked: bool = False


@dataclass
class Proposal:
    """The result of :func:`propose_neighbourhoods`: labels aligned to the units, and the parts."""

    labels: pd.Series  # index aligned to units, value = neighbourhood id
    neighbourhoods: list[Neighbourhood]
    rules: Rules
    notes: list[str] = field(default_factory=list)
    seed: int = 0
    align: tuple[str, ...] = ()  # soft alignment used (nhgeo.affinity): "ward", "pcn"
    places_mode: str = "la"  # how places were made (nhgeo.design.places): "la" or "band"


def _centres(units: gpd.GeoDataFrame) -> np.ndarray:
    return np.asarray(shapely.get_coordinates(shapely.point_on_surface(np.asarray(units.geometry.values))))


def _regions(units: gpd.GeoDataFrame, adj: AdjacencyGraph, free: np.ndarray, rules: Rules,
             notes: list[str]) -> list[list[np.ndarray]]:
    """Connected pieces of LA x ICB (ICB only with cross_la); pieces below the minimum are joined to a neighbour.

    Each region is returned as its list of original pieces (positions), the largest first: a joined
    piece stays whole inside one neighbourhood (so it adds one LA crossing, not several).
    """
    la = units[Col.LA].astype(str).to_numpy()
    icb = units[Col.ICB].astype(str).to_numpy()
    key = icb if rules.cross_la else np.char.add(np.char.add(la.astype(str), "|"), icb.astype(str))
    key_id = np.unique(key, return_inverse=True)[1]
    pop = units[Col.POP].to_numpy(dtype=float)
    n = len(units)
    eu, ev, elen = adj.edge_arrays()
    bridge = _bridge_mask(adj, eu, ev)
    inside = free[eu] & free[ev] & (key_id[eu] == key_id[ev])
    comp = component_labels(n, eu[inside], ev[inside])
    comp = np.where(free, comp, -1)
    # pieces numbered by their first unit (stable, as before)
    first: dict[int, int] = {}
    for i, c in enumerate(comp.tolist()):
        if c >= 0 and c not in first:
            first[c] = i
    order = sorted(first, key=first.__getitem__)
    renum = np.full(int(comp.max()) + 2 if n else 1, -1, dtype=np.int64)
    renum[np.array(order, dtype=np.int64)] = np.arange(len(order))
    owner = np.where(comp >= 0, renum[comp], -1)
    npieces = len(order)
    members = positions_by(owner)
    pieces: list[list[np.ndarray]] = [[members[str(i)]] for i in range(npieces)]
    alive = [True] * npieces
    ppop = np.bincount(owner[owner >= 0], weights=pop[owner >= 0], minlength=npieces).tolist() if n else []
    names = units[Col.LA_NAME].astype(str).to_numpy()
    # border between pieces (bridges count 1 m), and whether the pair shares an ICB
    cross = (owner[eu] >= 0) & (owner[ev] >= 0) & (owner[eu] != owner[ev])
    pa, pb = owner[eu][cross], owner[ev][cross]
    blen = elen[cross] + bridge[cross].astype(float)
    same_icb = icb[eu][cross] == icb[ev][cross]
    touch: dict[int, dict[int, list[float]]] = {}
    for a, b, w, si in zip(pa.tolist(), pb.tolist(), blen.tolist(), same_icb.tolist(), strict=True):
        for x, y in ((a, b), (b, a)):
            cur = touch.setdefault(x, {}).setdefault(y, [0.0, 0.0])
            cur[0] = max(cur[0], float(si))
            cur[1] += w
    while True:
        merged = False
        for i in sorted((i for i in range(npieces) if alive[i] and ppop[i] < rules.min), key=lambda i: (ppop[i], i)):
            if not alive[i] or ppop[i] >= rules.min:
                continue
            border = {j: v for j, v in touch.get(i, {}).items() if alive[j] and j != i}
            if not border:
                continue
            j = max(border, key=lambda j: (border[j][0], border[j][1], -j))
            a0, b0 = int(pieces[i][0][0]), int(pieces[j][0][0])
            what = "ICB" if rules.cross_la else "LA"
            notes.append(f"{names[a0]} piece ({int(ppop[i]):,} people, {sum(len(x) for x in pieces[i])} units) is "
                         f"below the minimum {rules.min:,}: joined to neighbouring {names[b0]}"
                         + ("" if border[j][0] else f" (different {what}: no neighbour in the same ICB)"))
            pieces[j] = pieces[j] + pieces[i]
            ppop[j] += ppop[i]
            alive[i] = False
            for y, v in touch.pop(i, {}).items():  # i's borders now belong to j
                if y == j:
                    touch.get(j, {}).pop(i, None)
                    continue
                cur = touch.setdefault(j, {}).setdefault(y, [0.0, 0.0])
                cur[0], cur[1] = max(cur[0], v[0]), cur[1] + v[1]
                back = touch.setdefault(y, {})
                old = back.pop(i, [0.0, 0.0])
                cur2 = back.setdefault(j, [0.0, 0.0])
                cur2[0], cur2[1] = max(cur2[0], old[0]), cur2[1] + old[1]
            merged = True
        if not merged:
            break
    return _natural_units([pieces[i] for i in range(npieces) if alive[i]], adj, pop, rules, names, notes)


def _cut_edges(n: int, nbrs: list[list[int]]) -> list[tuple[int, int, np.ndarray]]:
    """The graph's bridges (edges whose removal disconnects it) with the nodes beyond each, below the DFS root.

    Iterative Tarjan over adjacency lists ``nbrs`` (nodes 0..n-1, connected): ``(parent, child, subtree)``.
    """
    disc = [-1] * n
    low = [0] * n
    order: list[int] = []
    parent = [-1] * n
    out: list[tuple[int, int]] = []
    t = 0
    stack = [(0, 0)]
    disc[0] = low[0] = 0
    order.append(0)
    while stack:
        x, i = stack[-1]
        if i < len(nbrs[x]):
            stack[-1] = (x, i + 1)
            y = nbrs[x][i]
            if disc[y] < 0:
                t += 1
                disc[y] = low[y] = t
                parent[y] = x
                order.append(y)
                stack.append((y, 0))
            elif y != parent[x]:
                low[x] = min(low[x], disc[y])
        else:
            stack.pop()
            if stack:
                px = stack[-1][0]
                low[px] = min(low[px], low[x])
                if low[x] > disc[px]:
                    out.append((px, x))
    if not out:
        return []
    # subtree of each child: the nodes discovered from it, contiguous in DFS order
    size = [1] * n
    for x in reversed(order[1:]):
        size[parent[x]] += size[x]
    pos = np.empty(n, dtype=np.int64)
    pos[np.array(order, dtype=np.int64)] = np.arange(len(order))
    arr = np.array(order, dtype=np.int64)
    return [(a, b, arr[pos[b]: pos[b] + size[b]]) for a, b in out]


def _natural_units(regions: list[list[np.ndarray]], adj: AdjacencyGraph, pop: np.ndarray, rules: Rules,
                   names: np.ndarray, notes: list[str]) -> list[list[np.ndarray]]:
    """Split off natural units: a part of a region joined to the rest by one border only (an island such as
    Sheppey joined by its crossing, a peninsula) stands alone when it is in band and the rest can still be
    split into the band."""
    out: list[list[np.ndarray]] = []
    eu, ev, _ = adj.edge_arrays()
    for pieces in regions:
        if len(pieces) > 1 or pop[pieces[0]].sum() < 2 * rules.min:
            out.append(pieces)
            continue
        todo, done = [np.sort(pieces[0])], []
        while todo:
            nodes = todo.pop()
            loc = np.full(len(pop), -1, dtype=np.int64)
            loc[nodes] = np.arange(len(nodes))
            inner = (loc[eu] >= 0) & (loc[ev] >= 0)
            nbrs: list[list[int]] = [[] for _ in range(len(nodes))]
            for a, b in zip(loc[eu[inner]].tolist(), loc[ev[inner]].tolist(), strict=True):
                nbrs[a].append(b)
                nbrs[b].append(a)
            total = float(pop[nodes].sum())
            best: tuple[float, np.ndarray] | None = None
            for _, _, sub in _cut_edges(len(nodes), nbrs):
                for side in (sub, np.setdiff1d(np.arange(len(nodes)), sub)):
                    sp = float(pop[nodes[side]].sum())
                    if rules.min <= sp <= rules.max and sp <= total - sp \
                            and choose_k(total - sp, rules.min, rules.max, rules.target)[1] \
                            and (best is None or sp > best[0]):
                        best = (sp, nodes[np.sort(side)])
            if best is None:
                done.append(nodes)
                continue
            side_a = best[1]
            notes.append(f"{names[int(side_a[0])]}: {len(side_a)} units ({int(best[0]):,} people) joined to the rest "
                         "by one border only stand alone as a neighbourhood (a natural unit, e.g. an island)")
            done.append(side_a)
            todo.append(np.setdiff1d(nodes, side_a))
        out.extend([[x] for x in sorted(done, key=lambda x: int(x.min()))])
    return out


def _bridge_mask(adj: AdjacencyGraph, eu: np.ndarray, ev: np.ndarray) -> np.ndarray:
    """Which of the edge arrays' edges are listed bridges."""
    if not adj.bridges or len(eu) == 0:
        return np.zeros(len(eu), dtype=bool)
    n = max(int(eu.max()), int(ev.max())) + 1
    keys = {min(b.u, b.v) * n + max(b.u, b.v) for b in adj.bridges}
    return np.isin(np.minimum(eu, ev) * n + np.maximum(eu, ev), np.array(sorted(keys), dtype=np.int64))


@dataclass
class _Columns:
    """The unit columns every region needs, converted once."""

    pop: np.ndarray
    la: np.ndarray
    msoa: np.ndarray
    xy: np.ndarray
    area: np.ndarray
    perimeter: np.ndarray

    @classmethod
    def of(cls, units: gpd.GeoDataFrame, xy: np.ndarray) -> _Columns:
        geoms = np.asarray(units.geometry.values)
        return cls(pop=units[Col.POP].to_numpy(dtype=float), la=units[Col.LA].astype(str).to_numpy(),
                   msoa=units[Col.MSOA].to_numpy(), xy=xy, area=shapely.area(geoms), perimeter=shapely.length(geoms))


def _problem(cols: _Columns, edges: tuple[np.ndarray, np.ndarray, np.ndarray], pieces: list[np.ndarray],
             k: int, rules: Rules) -> tuple[PartitionProblem, np.ndarray, np.ndarray]:
    """The partition problem of one region, with each joined (under-size) piece contracted to one node.

    Returns the problem, the region's unit positions and each unit's node in the problem.
    """
    nodes = np.concatenate(pieces)
    main = len(pieces[0])
    atom = np.concatenate([np.arange(main), *[np.full(len(p), main + i) for i, p in enumerate(pieces[1:])]])
    m = main + len(pieces) - 1
    eu, ev, elen = edges
    pop_u = cols.pop[nodes]
    xy = cols.xy
    w = np.maximum(pop_u, 1e-9)
    pop = np.bincount(atom, weights=pop_u, minlength=m)
    cx = np.bincount(atom, weights=xy[nodes, 0] * w, minlength=m) / np.bincount(atom, weights=w, minlength=m)
    cy = np.bincount(atom, weights=xy[nodes, 1] * w, minlength=m) / np.bincount(atom, weights=w, minlength=m)
    pts = np.column_stack([cx, cy])
    u, v = atom[eu], atom[ev]
    keep = u != v
    u, v, border = u[keep], v[keep], elen[keep]
    if len(pieces) > 1 and len(u):  # parallel edges to a contracted piece: one edge, borders summed
        lo, hi = np.minimum(u, v), np.maximum(u, v)
        key, inv = np.unique(lo * m + hi, return_inverse=True)
        border = np.bincount(inv, weights=border)
        u, v = key // m, key % m
    travel = np.hypot(*(pts[u] - pts[v]).T) if len(u) else np.zeros(0)
    la = cols.la[nodes[:main]]
    msoa = cols.msoa[nodes[:main]]
    group = None
    if main == m:
        la_u = la[u]
        travel = np.where(la_u != la[v], travel * LA_PENALTY, travel)
        if pd.notna(msoa).all():
            group = msoa.astype(str)
            travel = np.where(group[u] == group[v], travel * MSOA_DISCOUNT, travel)
    prob = PartitionProblem(pop=pop, xy=pts, edges_u=u.astype(np.int64), edges_v=v.astype(np.int64),
                            border=np.asarray(border, dtype=float), travel=travel, k=k, lo=rules.min,
                            hi=rules.max, target=rules.target, group=group,
                            area=np.bincount(atom, weights=cols.area[nodes], minlength=m),
                            perimeter=np.bincount(atom, weights=cols.perimeter[nodes], minlength=m))
    return prob, nodes, atom


def _ward_atoms(ward: np.ndarray, nodes: np.ndarray, main: int, prob: PartitionProblem) -> np.ndarray:
    """Each problem node's atom: the connected part of its ward inside the region. The region's first ``main``
    nodes are its own units; a joined piece (a node after them) or a unit without a ward is an atom of its own."""
    key = np.full(prob.n, "", dtype=object)
    key[:main] = ward[nodes[:main]]
    u, v = prob.edges_u, prob.edges_v
    same = (key[u] == key[v]) & (key[u] != "")
    return component_labels(prob.n, u[same], v[same])


def _region_edges(adj: AdjacencyGraph, n: int, regions: list[list[np.ndarray]]
                  ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Each region's internal edges, in region-local positions (one pass over all edges)."""
    eu, ev, elen = adj.edge_arrays()
    rid = np.full(n, -1, dtype=np.int64)
    loc = np.zeros(n, dtype=np.int64)
    for r, pieces in enumerate(regions):
        nodes = np.concatenate(pieces)
        rid[nodes] = r
        loc[nodes] = np.arange(len(nodes))
    inner = (rid[eu] >= 0) & (rid[eu] == rid[ev])
    eu, ev, elen, er = eu[inner], ev[inner], elen[inner], rid[eu][inner]
    order = np.argsort(er, kind="stable")
    eu, ev, elen, er = eu[order], ev[order], elen[order], er[order]
    cuts = np.searchsorted(er, np.arange(len(regions) + 1))
    return [(loc[eu[a:b]], loc[ev[a:b]], elen[a:b]) for a, b in itertools.pairwise(cuts)]


def _solve(job: tuple[PartitionProblem, int]) -> np.ndarray:
    """Solve one region (top level so a Dask task can pickle it)."""
    prob, seed = job
    return BalancedPartition(prob, seed=seed).solve().labels_


def default_workers() -> int:
    """Worker processes for independent regions: ``NHGEO_WORKERS`` or the CPU count (at most 8)."""
    env = os.environ.get("NHGEO_WORKERS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, min(8, os.cpu_count() or 1))


POOL_MIN_UNITS = 10_000  # below this (London: 4,994 units, ~0.7 s) forking costs as much as it saves


def _solve_all(jobs: list[tuple[PartitionProblem, int]], workers: int) -> list[np.ndarray]:
    """Solve every region; with ``workers`` > 1 as Dask tasks on its multiprocessing scheduler (forked workers:
    nothing re-imported), the same results in any number of workers since regions are independent."""
    size = sum(j[0].n for j in jobs)
    if workers <= 1 or len(jobs) < 2 or size < POOL_MIN_UNITS or "fork" not in mp.get_all_start_methods():
        return [_solve(j) for j in jobs]
    import dask
    from dask.delayed import delayed

    order = sorted(range(len(jobs)), key=lambda i: -jobs[i][0].n)  # biggest listed first
    tasks = [delayed(_solve, pure=True)(jobs[i]) for i in order]
    with dask.config.set({"multiprocessing.context": "fork"}):
        solved = dask.base.compute(*tasks, scheduler="processes", chunksize=1,  # type: ignore[no-untyped-call]
                                   num_workers=min(workers, len(jobs)))
    out: list[np.ndarray] = [np.zeros(0, dtype=np.int64)] * len(jobs)
    for i, lab in zip(order, solved, strict=True):
        out[i] = np.asarray(lab)
    return out


def _locked_labels(units: gpd.GeoDataFrame, lock: pd.Series | None, notes: list[str]) -> np.ndarray:
    """Locked neighbourhood id per unit ("" = free). Lock codes outside the place are ignored with a note
    (a footprint of a whole ICB can lock one of its LAs)."""
    lab = np.full(len(units), "", dtype=object)
    if lock is None or len(lock) == 0:
        return lab
    codes = units[Col.CODE].astype(str)
    outside = sorted(set(lock.index.astype(str)) - set(codes))
    if outside and len(outside) == len(set(lock.index.astype(str))):
        raise InputError(f"none of the lock file's {len(outside)} code(s) is in this place (e.g. "
                         f"{', '.join(outside[:3])}); lock units of the chosen --place")
    if outside:
        notes.append(f"lock: {len(outside):,} code(s) outside this place ignored (e.g. {', '.join(outside[:3])})")
    m = codes.map(lock.astype(str))
    lab[m.notna().to_numpy()] = m[m.notna()].to_numpy()
    return lab


def propose_neighbourhoods(
    units: gpd.GeoDataFrame,
    adj: AdjacencyGraph,
    rules: Rules | None = None,
    seed: int = 0,
    lock: pd.Series | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    edge_weight: Aligner | None = None,
    lock_names: dict[str, str] | None = None,
) -> Proposal:
    """Partition ``units`` (one place, positions 0..n-1 matching ``adj``) into neighbourhoods.

    ``lock`` maps unit code -> neighbourhood id for neighbourhoods to keep as they are (codes outside
    ``units`` are ignored with a note). ``workers`` processes solve the independent regions
    (default :func:`default_workers`); the result does not depend on it. ``edge_weight`` maps unit
    positions (u, v) to a cut-cost factor >= 1 per edge, and may polish each region (soft alignment,
    :class:`nhgeo.affinity.Aligner`). ``lock_names`` (locked id -> the user's name) are kept as they are.
    """
    rules = rules or Rules()
    if len(units) == 0:
        raise InputError("the place has no units; check --place")
    notes: list[str] = []
    fixed = _locked_labels(units, lock, notes)
    free = fixed == ""
    xy = _centres(units)
    regions = _regions(units, adj, free, rules, notes)
    labels = fixed.copy()
    la_codes = units[Col.LA].astype(str).to_numpy()
    pop = units[Col.POP].to_numpy(dtype=float)
    reasons: dict[str, list[str]] = {}
    used_ids = set(fixed[~free].tolist())
    counters: dict[str, int] = {}
    if progress:
        progress("neighbourhoods", 0, 2)
    edges = _region_edges(adj, len(units), regions)
    jobs: list[tuple[PartitionProblem, int]] = []
    meta: list[tuple[np.ndarray, np.ndarray, int, bool, float]] = []
    cols = _Columns.of(units, xy)
    for pieces, e in zip(regions, edges, strict=True):
        p = float(sum(pop[x].sum() for x in pieces))
        k, feasible = choose_k(p, rules.min, rules.max, rules.target)
        prob, nodes, atom = _problem(cols, e, pieces, k, rules)
        if edge_weight is not None:  # a joined piece is one node: its first unit stands for it
            rep = nodes[np.unique(atom, return_index=True)[1]]
            prob.cut_weight = edge_weight(rep[prob.edges_u], rep[prob.edges_v])
            prob.polish = edge_weight.region_polish(nodes, atom)
            if edge_weight.ward is not None and WARDS_FIRST:  # wards whole wherever the band allows
                prob.atoms = _ward_atoms(edge_weight.ward, nodes, len(pieces[0]), prob)
        k = min(k, prob.n)
        prob.k = k
        jobs.append((prob, seed))
        meta.append((nodes, atom, k, feasible, p))
    solved = _solve_all(jobs, default_workers() if workers is None else workers)
    if progress:
        progress("neighbourhoods", 1, 2)
    for (nodes, atom, k, feasible, p), local_atoms in zip(meta, solved, strict=True):
        local = local_atoms[atom]
        # stable ids: LA code of the region's largest LA + number, ordered north-west first
        main_la = str(pd.Series(pop[nodes], index=la_codes[nodes]).groupby(level=0).sum().idxmax())
        cnt = np.maximum(np.bincount(local, minlength=k), 1)
        cy = np.bincount(local, weights=xy[nodes, 1], minlength=k) / cnt
        cx = np.bincount(local, weights=xy[nodes, 0], minlength=k) / cnt
        order = sorted(range(k), key=lambda j: (-round(float(cy[j]), -2), round(float(cx[j]), -2)))
        for j in order:
            counters[main_la] = counters.get(main_la, 0) + 1
            pid = f"{main_la}-N{counters[main_la]:02d}"
            while pid in used_ids:
                counters[main_la] += 1
                pid = f"{main_la}-N{counters[main_la]:02d}"
            used_ids.add(pid)
            labels[nodes[local == j]] = pid
            if not feasible:
                reasons[pid] = [infeasible_reason(p, k, rules)]
    if progress:
        progress("neighbourhoods", 2, 2)
    ids = sorted(set(labels.tolist()))
    locked_ids = set(fixed[~free].tolist())
    names = name_neighbourhoods(units, labels, ids,
                                fixed={k: v for k, v in (lock_names or {}).items() if k in locked_ids})
    icb = units[Col.ICB].astype(str).to_numpy()
    codes = units[Col.CODE].astype(str).to_numpy()
    where = positions_by(labels.astype(str))
    hoods: list[Neighbourhood] = []
    for pid in ids:
        m = where[pid]
        ppop = int(round(pop[m].sum()))
        why: list[str] = []
        if not rules.min <= ppop <= rules.max:  # an in-band part of an infeasible region is not an exception
            why = list(reasons.get(pid, [])) or [
                f"population {ppop:,} outside {rules.min:,}-{rules.max:,}: the region's units could not be "
                "balanced further without breaking contiguity"]
        las = sorted(set(la_codes[m].tolist()))
        if len(las) > 1:
            why.append(f"crosses local authorities {', '.join(las)} (see notes)")
        icb_pop: dict[str, float] = {}
        for c, x in zip(icb[m].tolist(), pop[m].tolist(), strict=True):
            icb_pop[c] = icb_pop.get(c, 0.0) + x
        hoods.append(Neighbourhood(
            id=pid, name=names[pid], codes=sorted(codes[m].tolist()), population=ppop, la_codes=las,
            icb_code=max(sorted(icb_pop), key=lambda c: icb_pop[c]),
            status="exception" if why else "ok", reasons=why, locked=bool((~free[m]).any())))
    return Proposal(labels=pd.Series(labels, index=units.index, name="neighbourhood"), neighbourhoods=hoods,
                    rules=rules, notes=notes, seed=seed)


def infeasible_reason(pop: float, k: int, rules: Rules) -> str:
    """Why a region of ``pop`` people cannot be in band, with the arithmetic."""
    lo, hi = rules.min, rules.max
    fewer, more = math.floor(pop / lo), max(1, math.ceil(pop / hi))
    parts = []
    if fewer >= 1:
        parts.append(f"{fewer} neighbourhood(s) average {pop / fewer:,.0f}, above {hi:,}")
    parts.append(f"{more} average {pop / more:,.0f}, below {lo:,}")
    return (f"region of {int(round(pop)):,} people cannot be split into parts of {lo:,}-{hi:,}: "
            f"{'; '.join(parts)}; used {k} neighbourhood(s)")
