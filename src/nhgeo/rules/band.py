"""Population band: each neighbourhood's population within ``rules.min``–``rules.max``."""

from __future__ import annotations

import networkx as nx

from ..model import Assignment, Study
from .base import Finding, Rule, Severity


class PopulationBand(Rule):
    id = "population-band"
    severity = Severity.ERROR
    description = "each neighbourhood's population is within the band"

    def check(self, study: Study, assignment: Assignment) -> list[Finding]:
        r = assignment.rules
        pops = assignment.populations(study)
        out: list[Finding] = []
        for nid in sorted(pops):
            p = pops[nid]
            if nid == "" or r.in_band(p):
                continue
            side = "below the minimum" if p < r.min else "above the maximum"
            lim = r.min if p < r.min else r.max
            out.append(self.finding(nid, f"{nid} ({assignment.names.get(nid, nid)}) has {int(p):,} people, {side} "
                                    f"{lim:,} (band {r.min:,}–{r.max:,})", band_fix(study, assignment, nid),
                                    population=int(p)))
        return out


def _connected_without(study: Study, nodes: set[int], drop: set[int]) -> bool:
    rest = nodes - drop
    return bool(rest) and nx.is_connected(study.adj.graph.subgraph(rest))


def band_fix(study: Study, assignment: Assignment, nid: str, max_moves: int = 8) -> str | None:
    """Fewest boundary moves (greedy, up to ``max_moves``) that bring ``nid`` in band without
    pushing the neighbour out of band or breaking contiguity."""
    r = assignment.rules
    g, labels, pop, codes = study.adj.graph, assignment.labels, study.population, study.codes
    mine = set(assignment.members(nid).tolist())
    pops = dict(assignment.populations(study))
    moves: list[tuple[int, str, str]] = []
    for _ in range(max_moves):
        p = pops[nid]
        if r.in_band(p):
            break
        best: tuple[float, int, str, str] | None = None
        if p > r.max:  # give a boundary unit away
            for u in sorted(mine):
                for v in g[u]:
                    other = str(labels[v])
                    if v in mine or other == "" or pops[other] + pop[u] > r.max:
                        continue
                    score = abs(p - pop[u] - r.target)
                    if (best is None or score < best[0]) and _connected_without(study, mine, {u}):
                        best = (score, u, nid, other)
        else:  # take a boundary unit in
            for u in sorted(mine):
                for v in g[u]:
                    other = str(labels[v])
                    if v in mine or other == "" or pops[other] - pop[v] < r.min:
                        continue
                    score = abs(p + pop[v] - r.target)
                    if best is None or score < best[0]:
                        theirs = set(assignment.members(other).tolist()) - {m[0] for m in moves if m[1] == other}
                        theirs |= {m[0] for m in moves if m[2] == other}
                        if _connected_without(study, theirs, {v}):
                            best = (score, v, other, nid)
        if best is None:
            return None
        _, u, src, dst = best
        moves.append((u, src, dst))
        pops[src] -= pop[u]
        pops[dst] += pop[u]
        if src == nid:
            mine.discard(u)
        else:
            mine.add(u)
    if not r.in_band(pops[nid]):
        return None
    parts = [f"{codes[u]} ({int(pop[u]):,} people) from {a} to {b}" for u, a, b in moves]
    touched = sorted({x for _, a, b in moves for x in (a, b)})
    after = ", ".join(f"{t} {int(pops[t]):,}" for t in touched)
    return f"move {'; '.join(parts)}: afterwards {after}, all within band"
