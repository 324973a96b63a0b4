"""Band repair for :mod:`nhgeo.design.partition`: moves that bring every part's population into the band while
keeping every part connected — single boundary moves (:func:`local_search`), one-for-one exchanges
(:func:`swap_repair`) and ejection chains through a line of touching parts (:func:`chain_repair`).

Each works on plain labels (0..k-1 per node) and neighbour lists, and is deterministic (candidates in a fixed
order). See ``docs/algorithm.md`` for when each runs and what it changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .partition import PartitionProblem


def band_gap(x: float, lo: float, hi: float) -> float:
    """How far a part of ``x`` people lies outside the band [lo, hi] (0 inside)."""
    return max(0.0, lo - x) + max(0.0, x - hi)


def connected(members: set[int], nbrs: list[list[int]]) -> bool:
    """Is ``members`` non-empty and connected?"""
    if not members:
        return False
    start = next(iter(members))
    seen = {start}
    stack = [start]
    while stack:
        x = stack.pop()
        for y in nbrs[x]:
            if y in members and y not in seen:
                seen.add(y)
                stack.append(y)
    return len(seen) == len(members)


def swap_repair(p: PartitionProblem, labels: np.ndarray, nbrs: list[list[int]], rounds: int = 100) -> np.ndarray:
    """Exchange units between touching parts (one each way, or one alone) while that lowers the total
    band violation and keeps both parts connected. Fixes tight regions (e.g. 80,400 people in two
    parts of 40,000+) where single moves overshoot: the exchange moves only the difference."""
    k = int(labels.max()) + 1
    pop = p.pop.astype(float)
    pops = np.bincount(labels, weights=pop, minlength=k)

    def viol(x: float) -> float:
        return band_gap(x, p.lo, p.hi)

    if all(viol(float(x)) == 0 for x in pops):
        return labels
    labels = labels.copy()
    members = [set(np.flatnonzero(labels == j).tolist()) for j in range(k)]
    for _ in range(rounds):
        bad = [j for j in range(k) if viol(float(pops[j])) > 0]
        if not bad:
            break
        cands: list[tuple[float, float, int, int, int, int]] = []
        for j in bad:
            touching = sorted({int(labels[w]) for u in members[j] for w in nbrs[u] if labels[w] != j})
            for c in touching:
                bj = sorted(u for u in members[j] if any(labels[w] == c for w in nbrs[u]))
                bc = sorted(v for v in members[c] if any(labels[w] == j for w in nbrs[v]))
                before = viol(float(pops[j])) + viol(float(pops[c]))
                for u in [*bj, -1]:
                    for v in [*bc, -1]:
                        if u < 0 and v < 0:
                            continue
                        dj = (pop[v] if v >= 0 else 0.0) - (pop[u] if u >= 0 else 0.0)
                        nj, nc = float(pops[j] + dj), float(pops[c] - dj)
                        gain = before - viol(nj) - viol(nc)
                        if gain > 1e-9:
                            cands.append((-gain, abs(nj - p.target) + abs(nc - p.target), j, c, u, v))
        done = False
        for _, _, j, c, u, v in sorted(cands):
            set_j = (members[j] - {u}) | ({v} if v >= 0 else set())
            set_c = (members[c] - {v}) | ({u} if u >= 0 else set())
            if connected(set_j, nbrs) and connected(set_c, nbrs):
                members[j], members[c] = set_j, set_c
                if u >= 0:
                    labels[u] = c
                if v >= 0:
                    labels[v] = j
                pops = np.bincount(labels, weights=pop, minlength=k)
                done = True
                break
        if not done:
            break
    return labels


def connected_without(members: set[int], drop: int, nbrs: list[list[int]]) -> bool:
    """Is ``members - {drop}`` still connected (and non-empty)?"""
    return connected(members - {drop}, nbrs)


def local_search(p: PartitionProblem, labels: np.ndarray, nbrs: list[list[int]],
                  weights: list[dict[int, float]], max_moves: int) -> np.ndarray:
    """Move boundary units to fix band violations, then to shorten the weighted cut."""
    labels = labels.copy()
    k = int(labels.max()) + 1
    pops = np.bincount(labels, weights=p.pop, minlength=k).astype(float)
    members = [set(np.flatnonzero(labels == j).tolist()) for j in range(k)]
    pop = p.pop.astype(float)
    lo_aim, hi_aim = max(p.lo, p.target * (1 - p.aim)), min(p.hi, p.target * (1 + p.aim))

    def viol(x: float) -> float:
        """Band violation, with a small extra pull towards the aim band inside it."""
        hard = max(0.0, p.lo - x) + max(0.0, x - p.hi)
        soft = max(0.0, lo_aim - x) + max(0.0, x - hi_aim)
        return hard * 1_000.0 + soft

    def cut_delta(u: int, a: int, b: int) -> float:
        """Change in weighted cut if ``u`` moves from part ``a`` to part ``b``."""
        to_a = sum(w for v, w in weights[u].items() if labels[v] == a)
        to_b = sum(w for v, w in weights[u].items() if labels[v] == b)
        return to_a - to_b

    moves = 0
    # phase 1: band repair (strictly reduce total violation)
    for _ in range(200):
        improved = False
        bad = [j for j in range(k) if viol(float(pops[j])) > 0]
        if not bad:
            break
        for j in sorted(bad, key=lambda j: -viol(float(pops[j]))):
            best: tuple[float, float, int, int, int] | None = None
            cands: list[tuple[int, int, int]] = []
            if pops[j] > p.hi:  # push a unit out of j
                for u in members[j]:
                    for v in nbrs[u]:
                        if labels[v] != j:
                            cands.append((u, j, int(labels[v])))
            else:  # pull a unit into j
                for u in members[j]:
                    for v in nbrs[u]:
                        if labels[v] != j:
                            cands.append((v, int(labels[v]), j))
            for u, a, b in set(cands):
                before = viol(pops[a]) + viol(pops[b])
                after = viol(pops[a] - pop[u]) + viol(pops[b] + pop[u])
                gain = before - after
                if gain <= 1e-9:
                    continue
                key = (-gain, cut_delta(u, a, b), u, a, b)
                if (best is None or key < best) and connected_without(members[a], u, nbrs):
                    best = key
            if best is not None:
                _, _, u, a, b = best
                labels[u] = b
                members[a].discard(u)
                members[b].add(u)
                pops[a] -= pop[u]
                pops[b] += pop[u]
                moves += 1
                improved = True
        if not improved or moves > max_moves:
            break
    return labels


CHAIN_DEPTH = 8  # parts an ejection chain may pass the shortfall (or surplus) through
CHAIN_WIDTH = 6  # moves tried at each link of a chain, best first
CHAIN_BUDGET = 20_000  # links examined per chain search (bounds the time on large regions; deterministic)


def chain_repair(p: PartitionProblem, labels: np.ndarray, nbrs: list[list[int]], rounds: int = 500) -> np.ndarray:
    """Ejection chains: a part below the minimum takes a boundary unit from a touching part; if that pushes the
    donor below the minimum, the donor takes one from a part touching it, and so on (at most ``CHAIN_DEPTH``
    links; the mirror for a part above the maximum passes a unit on). Every part stays connected at every link,
    no part or unit is used twice in a chain, and a chain is applied only if the total band violation falls.
    This finds the balanced splits that single moves and one-for-one exchanges cannot reach, where the slack
    lies several parts away from the part that misses the band. Deterministic: candidates in a fixed order."""
    k = int(labels.max()) + 1
    pop = [float(x) for x in p.pop]
    lab = [int(x) for x in labels]
    members = [set[int]() for _ in range(k)]
    pops = [0.0] * k
    for i, j in enumerate(lab):
        members[j].add(i)
        pops[j] += pop[i]
    lo, hi, target = float(p.lo), float(p.hi), float(p.target)

    def viol(x: float) -> float:
        return band_gap(x, lo, hi)

    def move(u: int, a: int, b: int) -> None:
        lab[u] = b
        members[a].discard(u)
        members[b].add(u)
        pops[a] -= pop[u]
        pops[b] += pop[u]

    budget = [0]

    def links(part: int, short: bool, used: set[int], moved: set[int]) -> list[tuple[int, int, int]]:
        """The next link's moves ``(unit, from, to)``, best first: the other part's band violation after the
        move, then its distance from the target; only moves that keep ``part`` inside the maximum (short) or
        minimum (surplus) and the donor connected."""
        cands: list[tuple[float, float, int, int, int]] = []
        for x in sorted(members[part]):
            for y in nbrs[x]:
                other = lab[y]
                if other == part or other in used:
                    continue
                if short:  # y moves into part
                    if y in moved or pops[part] + pop[y] > hi:
                        continue
                    after = pops[other] - pop[y]
                    cands.append((viol(after), abs(after - target), y, other, part))
                else:  # x moves out of part
                    if x in moved or pops[part] - pop[x] < lo:
                        continue
                    after = pops[other] + pop[x]
                    cands.append((viol(after), abs(after - target), x, part, other))
        out: list[tuple[int, int, int]] = []
        for _, _, u, a, b in sorted(set(cands)):
            if len(members[a]) > 1 and connected(members[a] - {u}, nbrs):
                out.append((u, a, b))
                if len(out) == CHAIN_WIDTH:
                    break
        return out

    def search(part: int, short: bool, used: set[int], moved: set[int], gain: float, depth: int
               ) -> list[tuple[int, int, int]] | None:
        """A chain from ``part`` (already changed by ``gain`` of violation) that lowers the total violation."""
        for u, a, b in links(part, short, used, moved):
            budget[0] += 1
            if budget[0] > CHAIN_BUDGET:
                return None
            before = viol(pops[a]) + viol(pops[b])
            move(u, a, b)
            g = gain + before - viol(pops[a]) - viol(pops[b])
            nxt = a if short else b  # the donor now short, or the receiver now over
            if g > 1e-9:
                move(u, b, a)
                return [(u, a, b)]
            if depth < CHAIN_DEPTH and viol(pops[nxt]) > 0:
                rest = search(nxt, short, used | {nxt}, moved | {u}, g, depth + 1)
                if rest is not None:
                    move(u, b, a)
                    return [(u, a, b), *rest]
            move(u, b, a)
        return None

    for _ in range(rounds):
        bad = sorted((j for j in range(k) if viol(pops[j]) > 0), key=lambda j: (-viol(pops[j]), j))
        chain = None
        for j in bad:
            budget[0] = 0
            chain = search(j, pops[j] < lo, {j}, set(), 0.0, 1)
            if chain is not None:
                break
        if chain is None:
            break
        for u, a, b in chain:
            move(u, a, b)
    return np.asarray(lab, dtype=np.int64)
