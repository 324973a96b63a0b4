"""How places are searched: LA splits along neighbourhood lines (with an exchange repair) and the merge search
that keeps the most places in band, with the arithmetic of every merge that was not possible.

Used by :func:`nhgeo.places.build_places`; works on the neighbourhood graph (nodes = neighbourhood ids with
``pop``, ``la``, ``centre``; edges with ``border``).
"""

from __future__ import annotations

from collections.abc import Callable

import networkx as nx
import numpy as np

from ..model import Rules
from .partition import BalancedPartition, PartitionProblem
from .sizing import choose_k

_SPLIT_STARTS = 8  # seeds tried when an LA is split into places; the best in-band, shortest-border split wins


def split_la(ng: nx.Graph, nodes: list[str], rules: Rules, seed: int) -> list[list[str]]:
    """Split an LA's neighbourhoods into in-band places along neighbourhood lines."""
    pop = np.array([ng.nodes[n]["pop"] for n in nodes])
    target = (rules.place_min + rules.place_max) / 2
    k, _ = choose_k(float(pop.sum()), rules.place_min, rules.place_max, target)
    k = min(k, len(nodes))
    if k <= 1:
        return [nodes]
    idx = {n: i for i, n in enumerate(nodes)}
    sub = ng.subgraph(nodes)
    eu = np.array([idx[a] for a, b in sub.edges()], dtype=np.int64)
    ev = np.array([idx[b] for a, b in sub.edges()], dtype=np.int64)
    border = np.array([d["length"] for _, _, d in sub.edges(data=True)])
    xy = np.array([[ng.nodes[n]["x"], ng.nodes[n]["y"]] for n in nodes])
    travel = np.hypot(*(xy[eu] - xy[ev]).T) if len(eu) else np.zeros(0)
    prob = PartitionProblem(pop=pop, xy=xy, edges_u=eu, edges_v=ev, border=border, travel=travel, k=k,
                            lo=rules.place_min, hi=rules.place_max, target=target, aim=0.2)
    best: tuple[float, float, np.ndarray] | None = None
    for attempt in range(_SPLIT_STARTS):  # a handful of starts: these graphs have tens of nodes
        lab = BalancedPartition(prob, seed=seed + 7919 * attempt).solve().labels_
        sums = np.bincount(lab, weights=pop)
        viol = float(np.sum(np.maximum(0, rules.place_min - sums) + np.maximum(0, sums - rules.place_max)))
        cut = float(border[lab[eu] != lab[ev]].sum()) if len(eu) else 0.0
        if best is None or (viol, cut) < (best[0], best[1]):
            best = (viol, cut, lab)
        if viol == 0 and attempt >= 1:
            break
    assert best is not None
    lab = best[2]
    parts = [[nodes[i] for i in np.flatnonzero(lab == j)] for j in range(int(lab.max()) + 1)]
    return exchange_repair(ng, parts, rules.place_min, rules.place_max) if best[0] > 0 else parts


def exchange_repair(ng: nx.Graph, parts: list[list[str]], lo: float, hi: float) -> list[list[str]]:
    """Swap (or move) neighbourhoods between touching places while that lowers the total band
    violation and keeps both places contiguous: single moves alone cannot fix two places of
    249,872 and 302,016 made of ~50,000 blocks, an exchange of a 45k and a 50k block can."""
    def pop(g: list[str]) -> float:
        return float(sum(ng.nodes[n]["pop"] for n in g))

    def viol(p: float) -> float:
        return max(0.0, lo - p) + max(0.0, p - hi)

    parts = [list(p) for p in parts]
    for _ in range(50):
        pops = [pop(p) for p in parts]
        if sum(viol(p) for p in pops) == 0:
            break
        best: tuple[float, int, int, str | None, str | None] | None = None
        for i, j in ((i, j) for i in range(len(parts)) for j in range(len(parts)) if i < j):
            if viol(pops[i]) + viol(pops[j]) == 0:
                continue
            si, sj = set(parts[i]), set(parts[j])
            edge_i = [a for a in parts[i] if any(m in sj for m in ng[a])]
            edge_j = [b for b in parts[j] if any(m in si for m in ng[b])]
            if not edge_i:
                continue
            for a in [*edge_i, None]:
                for b in [*edge_j, None]:
                    if a is None and b is None:
                        continue
                    da = ng.nodes[a]["pop"] if a else 0.0
                    db = ng.nodes[b]["pop"] if b else 0.0
                    gain = viol(pops[i]) + viol(pops[j]) - viol(pops[i] - da + db) - viol(pops[j] - db + da)
                    if gain <= 0 or (best is not None and gain <= best[0]):
                        continue
                    ni = (si - {a}) | ({b} if b else set())
                    nj = (sj - {b}) | ({a} if a else set())
                    if ni and nj and nx.is_connected(ng.subgraph(ni)) and nx.is_connected(ng.subgraph(nj)):
                        best = (gain, i, j, a, b)
        if best is None:
            break
        _, i, j, a, b = best
        parts[i] = sorted((set(parts[i]) - {a}) | ({b} if b else set()))
        parts[j] = sorted((set(parts[j]) - {b}) | ({a} if a else set()))
    return parts


MERGE_SEARCH_LIMIT = 20_000  # states the place-merge search may visit per ICB


def merge_groups(ng: nx.Graph, blocks: list[tuple[list[str], list[str]]], rules: Rules,
                  la_names: dict[str, str]) -> list[tuple[list[str], list[str]]]:
    """Merge touching blocks of one ICB into places so that as many places as possible are in band.

    A search over merges of a below-band place with a touching place (when the sum stays within the
    maximum) keeps the assignment with the fewest places out of band (then the most places); a
    final greedy pass makes any merge that still lands in band. Every place left out of band gets
    the reason with the arithmetic of each possible merge.
    """
    lo, hi = rules.place_min, rules.place_max
    base = [b[0] for b in blocks]
    bpop = [float(sum(ng.nodes[n]["pop"] for n in g)) for g in base]
    where = {n: i for i, g in enumerate(base) for n in g}
    touch: dict[tuple[int, int], float] = {}
    for i, blk in enumerate(base):
        for n in blk:
            for m, d in ng[n].items():
                j = where.get(m)
                if j is not None and j != i:
                    touch[(i, j)] = touch.get((i, j), 0.0) + float(d["length"])

    # groups are bit masks of blocks; a state is a sorted tuple of masks
    nb_of = [0] * len(base)
    for i, j in touch:
        nb_of[i] |= 1 << j
    memo_pop: dict[int, float] = {}
    memo_nb: dict[int, int] = {}

    def bits(g: int) -> list[int]:
        return [i for i in range(len(base)) if g >> i & 1]

    def pop(g: int) -> float:
        v = memo_pop.get(g)
        if v is None:
            v = memo_pop[g] = sum(bpop[i] for i in bits(g))
        return v

    def nbmask(g: int) -> int:
        v = memo_nb.get(g)
        if v is None:
            v = 0
            for i in bits(g):
                v |= nb_of[i]
            v = memo_nb[g] = v & ~g
        return v

    def score(st: tuple[int, ...]) -> tuple[int, int]:
        return sum(not lo <= pop(g) <= hi for g in st), -len(st)

    def low(g: int) -> int:
        return g & -g  # lowest block: a stable order key

    start: tuple[int, ...] = tuple(1 << i for i in range(len(base)))
    best: list[tuple[tuple[int, int], tuple[int, ...]]] = [(score(start), start)]
    seen: set[tuple[tuple[int, ...], int]] = set()

    def search(st: tuple[int, ...], settled: int) -> None:
        if len(seen) >= MERGE_SEARCH_LIMIT or (st, settled) in seen or best[0][0][0] == 0:
            return
        seen.add((st, settled))
        sc = score(st)
        if sc < best[0][0]:
            best[0] = (sc, st)
        small = sorted((g for g in st if pop(g) < lo and not g & settled), key=lambda g: (pop(g), low(g)))
        if not small:
            return
        g = small[0]
        touching_g = nbmask(g)
        opts = [h for h in st if h & touching_g and pop(g) + pop(h) <= hi]
        opts.sort(key=lambda h: (not lo <= pop(g) + pop(h), not pop(h) < lo, pop(g) + pop(h), low(h)))
        for h in opts:
            search(tuple(sorted([x for x in st if x != g and x != h] + [g | h])), settled)
        search(st, settled | g)  # or leave g as it is

    search(start, 0)
    groups = [set(bits(g)) for g in best[0][1]]

    def touching(a: frozenset[int], b: frozenset[int]) -> bool:
        return any((i, j) in touch for i in a for j in b)

    # greedy finish: any merge of an out-of-band place with a touching one that lands in band
    changed = True
    while changed:
        changed = False
        for g in sorted(groups, key=lambda g: (sum(bpop[i] for i in g), min(g))):
            pg = sum(bpop[i] for i in g)
            if lo <= pg <= hi:
                continue
            for h in sorted(groups, key=min):
                if h is g or not touching(frozenset(g), frozenset(h)):
                    continue
                ph = sum(bpop[i] for i in h)
                if lo <= pg + ph <= hi:
                    h |= g
                    groups.remove(g)
                    changed = True
                    break
            if changed:
                break
    out_groups: list[tuple[list[str], list[str]]] = []
    for g in sorted(groups, key=min):
        members = sorted(n for i in sorted(g) for n in base[i])
        out_groups.append((members, [r for i in sorted(g) for r in blocks[i][1]]))
    return out_groups


def resplit(ng: nx.Graph, groups: list[tuple[list[str], list[str]]], splits: list[set[str]],
             block_of: dict[str, int], rules: Rules, seed: int) -> list[tuple[list[str], list[str]]]:
    """A place left below the minimum next to a split LA is split again together with it.

    The split LA's neighbourhoods and every place touching it are partitioned afresh into in-band
    places, with each other LA piece kept whole (contracted to one node): Solihull (216k) and
    Birmingham (1.14M) make three places of ~450k; Calderdale (207k) and Bradford (546k) two. Kept
    only when fewer places end out of band.
    """
    lo, hi = rules.place_min, rules.place_max

    def pop(g: list[str]) -> float:
        return float(sum(ng.nodes[n]["pop"] for n in g))

    def out(g: list[str]) -> bool:
        return not lo <= pop(g) <= hi

    changed = True
    while changed:
        changed = False
        gid = {n: i for i, (g, _) in enumerate(groups) for n in g}
        for i in sorted(range(len(groups)), key=lambda i: (pop(groups[i][0]), groups[i][0][0])):
            g = groups[i][0]
            if pop(g) >= lo:
                continue
            near = {gid[m] for n in g for m in ng[n] if m in gid and gid[m] != i}
            for snodes in splits:
                if not any(any(n in snodes for n in groups[j][0]) for j in near):
                    continue
                inv = sorted({j for j, (h, _) in enumerate(groups) if any(n in snodes for n in h)} | {i})
                before = sum(out(groups[j][0]) for j in inv)
                parts = _split_keeping(ng, [n for j in inv for n in groups[j][0]], snodes, block_of, rules, seed)
                if parts is not None and sum(out(p) for p in parts) < before:
                    groups = [h for j, h in enumerate(groups) if j not in inv] + [(p, []) for p in parts]
                    groups.sort(key=lambda t: t[0][0])
                    changed = True
                    break
            if changed:
                break
    return groups


def _split_keeping(ng: nx.Graph, nodes: list[str], free: set[str], block_of: dict[str, int], rules: Rules,
                   seed: int) -> list[list[str]] | None:
    """Split ``nodes`` into places along neighbourhood lines, with the neighbourhoods outside ``free`` kept
    together by block (each block one node). None when no count of places fits the band."""
    total = float(sum(ng.nodes[n]["pop"] for n in nodes))
    if not choose_k(total, rules.place_min, rules.place_max, (rules.place_min + rules.place_max) / 2)[1]:
        return None
    atom = {n: (n if n in free else f"block:{block_of[n]}") for n in nodes}
    members: dict[str, list[str]] = {}
    for n in sorted(nodes):
        members.setdefault(atom[n], []).append(n)
    cg = nx.Graph()
    for a, ms in members.items():
        w = np.array([ng.nodes[n]["pop"] for n in ms])
        ww = w + 1e-9
        cg.add_node(a, pop=float(w.sum()), x=float(np.average([ng.nodes[n]["x"] for n in ms], weights=ww)),
                    y=float(np.average([ng.nodes[n]["y"] for n in ms], weights=ww)))
    for n in nodes:
        for m, d in ng[n].items():
            if m in atom and atom[m] != atom[n]:
                a, b = sorted((atom[n], atom[m]))
                if cg.has_edge(a, b):
                    cg[a][b]["length"] += float(d["length"]) / 2  # each edge is seen from both ends
                else:
                    cg.add_edge(a, b, length=float(d["length"]) / 2)
    parts = split_la(cg, sorted(members), rules, seed)
    return [sorted(n for a in p for n in members[a]) for p in parts]


Groups = list[tuple[list[str], list[str]]]


def _annotate_small(ng: nx.Graph, groups: Groups, rules: Rules,
                    reason: Callable[[float, list[tuple[str, float]]], str], la_names: dict[str, str]) -> Groups:
    """Add ``reason(population, [(touching place's name, its population)])`` to every place below the minimum."""
    gid = {n: i for i, (g, _) in enumerate(groups) for n in g}
    pops = [float(sum(ng.nodes[n]["pop"] for n in g)) for g, _ in groups]
    out: Groups = []
    for i, (g, reasons) in enumerate(groups):
        reasons = list(reasons)
        if pops[i] < rules.place_min:
            near = sorted({gid[m] for n in g for m in ng[n] if m in gid and gid[m] != i})
            reasons.append(reason(pops[i], [(_name(ng, groups[j][0], la_names), pops[j]) for j in near]))
        out.append((g, reasons))
    return out


def explain_unmerged(ng: nx.Graph, groups: Groups, rules: Rules, la_names: dict[str, str]) -> Groups:
    """Add to every place below the minimum why: each touching place and what the merge would give."""
    return _annotate_small(ng, groups, rules, lambda pop, nbrs: _below_reason(pop, nbrs, rules), la_names)


def flag_small_las(ng: nx.Graph, groups: Groups, rules: Rules, la_names: dict[str, str]) -> Groups:
    """``--places la``: every place below the minimum stays as it is, with the merges that would bring it into band."""

    def reason(pop: float, nbrs: list[tuple[str, float]]) -> str:
        head = (f"below the place minimum {rules.place_min:,} ({int(round(pop)):,}): a local authority "
                "stays its own place (--places la)")
        fits = [f"+ {name} {int(round(other)):,} = {int(round(pop + other)):,}"
                for name, other in nbrs if rules.place_min <= pop + other <= rules.place_max]
        return (f"{head}; merges that would bring it into band: {'; '.join(fits)}" if fits else
                f"{head}; no merge with one neighbouring place of the ICB lands in band "
                f"({rules.place_min:,}-{rules.place_max:,})")

    return _annotate_small(ng, groups, rules, reason, la_names)


def _name(ng: nx.Graph, members: list[str], la_names: dict[str, str]) -> str:
    return " & ".join(la_names.get(x, x) for x in sorted({ng.nodes[n]["la"] for n in members}))


def _below_reason(pg: float, nbrs: list[tuple[str, float]], rules: Rules) -> str:
    """Why a place stays below the minimum: each touching place of the ICB and what the merge would give."""
    head = f"below the place minimum {rules.place_min:,} ({int(round(pg)):,})"
    if not nbrs:
        return f"{head}; no neighbouring place in the same ICB in this selection"
    parts = []
    for name, ph in nbrs:
        tot = pg + ph
        what = "above the maximum" if tot > rules.place_max else (
            "still below the minimum" if tot < rules.place_min else "in band")
        parts.append(f"+ {name} {int(round(ph)):,} = {int(round(tot)):,} ({what})")
    return f"{head}; no merge with a neighbouring place of the ICB lands in {rules.place_min:,}-" \
           f"{rules.place_max:,}: " + "; ".join(parts)
