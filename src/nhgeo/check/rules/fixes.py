"""Fixes that are true: computed, checked against the other rules, and never sharing an LSOA.

One :class:`FixPlanner` serves every rule of one report (``assignment.derived("fix-planner", ...)``).
A fix is a list of LSOA moves. Before it is offered it is applied to a copy of the neighbourhoods
and checked: every neighbourhood it touches is in band (the donor of a detached part is reported
as it is, since the part must leave), one connected area, and inside the local authorities it
already had (unless ``rules.cross_la``). Once offered, its LSOAs and neighbourhoods are reserved:
no later fix in the report moves them, so the fixes can be applied together and each stays true.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from ...geo.graph import part_components
from ...model import Assignment, Col, Study
from .base import fmt_codes
from .suggest import intended_homes

MAX_MOVES = 8


@dataclass
class Fix:
    """A checked fix: the moves (unit position, from, to), populations after, and its wording."""

    moves: list[tuple[int, str, str]]
    after: dict[str, int]
    text: str
    verified: bool
    problems: list[str] = field(default_factory=list)

    def data(self, codes: np.ndarray) -> dict[str, Any]:
        return {"moves": [{"code": str(codes[u]), "from": a, "to": b} for u, a, b in self.moves],
                "after": self.after, "verified": self.verified}


class FixPlanner:
    """Plans and checks fixes for one report; reserves what each offered fix uses."""

    def __init__(self, study: Study, assignment: Assignment) -> None:
        self.g = study.adj.graph
        self.rules = assignment.rules
        self.labels = assignment.labels
        self.pop = study.population
        self.codes = study.codes
        self.la = study.column(Col.LA)
        self.la_name = dict(zip(self.la, study.column(Col.LA_NAME), strict=True))
        self.assignment = assignment
        self.lsoa_name = (study.units[Col.NAME].astype("string").fillna("").to_numpy(dtype=object)
                          if Col.NAME in study.units.columns else None)
        self.ward = (study.units[Col.WARD_NAME].astype("string").fillna("").to_numpy(dtype=object)
                     if Col.WARD_NAME in study.units.columns else None)
        self.intended = intended_homes(study, assignment)  # gaps that are a mistyped code's LSOA -> its neighbourhood
        self.pops = {k: float(v) for k, v in assignment.populations(study).items()}
        self.used_units: set[int] = set()
        self.used_hoods: dict[str, str] = {}  # neighbourhood -> the finding whose fix touches it
        self.after_of: dict[str, tuple[str, int]] = {}  # neighbourhood -> (that finding, population after)
        self.joined: dict[str, str] = {}  # neighbourhood in parts that a fix makes one area -> that finding
        self._joined: list[str] = []
        self.moved_by: dict[int, str] = {}  # unit -> the finding whose fix moves it
        comp = part_components(study.adj, self.labels)
        n_parts = pd.Series(comp).groupby(self.labels).nunique()
        self.troubled = {str(k) for k, v in n_parts.items() if v > 1} | {
            k for k, v in self.pops.items() if not self.rules.in_band(v)}  # other rules' fixes come first here

    # ---- state -----------------------------------------------------------------------------
    def _codes(self, units: list[int], n: int = 12, named: int = 4) -> str:
        """Every code of a move (the first ``n`` and a count when longer; the finding's data lists all); up to
        ``named`` of them with their LSOA name and ward, so a person can find them."""
        codes = [str(self.codes[u]) for u in units]
        if len(codes) <= named:
            return ", ".join(self._lsoa(u) for u in units)
        return ", ".join(codes) if len(codes) <= n else fmt_codes(codes, n) + " (every code in the finding's data)"

    def _lsoa(self, u: int) -> str:
        """``E01002694 (Barnet 030B, Totteridge)``: the code with its LSOA name and ward."""
        bits = [str(x[u]) for x in (self.lsoa_name, self.ward) if x is not None and x[u] not in ("", "<NA>")]
        return f"{self.codes[u]} ({', '.join(bits)})" if bits else str(self.codes[u])

    def hood(self, nid: str) -> str:
        """``E09000003-N01 (High Barnet)``: a neighbourhood's id with its name."""
        name = self.assignment.names.get(nid, "")
        return f"{nid} ({name})" if name and name != nid else nid

    def members(self, nid: str) -> set[int]:
        return set(self.assignment.members(nid).tolist())

    def las(self, nid: str) -> set[str]:
        return {str(x) for x in self.la[self.assignment.members(nid)]}

    def free(self, nid: str) -> bool:
        return nid != "" and nid not in self.used_hoods

    def main_la(self, nid: str) -> str:
        """The local authority where most of ``nid``'s people live."""
        m = self.assignment.members(nid)
        return str(pd.Series(self.pop[m], index=self.la[m]).groupby(level=0).sum().idxmax()) if len(m) else ""

    def la_ok(self, units: list[int], dst: str) -> bool:
        """``units`` all belong to the local authority where most of ``dst``'s people live, so moving them
        there adds no crossing (always true with cross_la)."""
        return self.rules.cross_la or {str(self.la[u]) for u in units} <= {self.main_la(dst)}

    def connected(self, nodes: set[int]) -> bool:
        return bool(nodes) and nx.is_connected(self.g.subgraph(nodes))

    # ---- checking --------------------------------------------------------------------------
    def parts(self, nodes: set[int]) -> int:
        return nx.number_connected_components(self.g.subgraph(nodes)) if nodes else 0

    def check(self, moves: list[tuple[int, str, str]], exempt: set[str] | None = None
              ) -> tuple[dict[str, int], list[str], list[str]]:
        """Apply ``moves`` to a copy: the populations after, every rule they would break, and the touched
        neighbourhoods still in several parts (as they were before)."""
        touched = sorted({x for _, a, b in moves for x in (a, b)})
        after = {t: self.pops.get(t, 0.0) for t in touched}
        mem = {t: self.members(t) for t in touched}
        before = {t: self.parts(mem[t]) for t in touched}
        for u, a, b in moves:
            after[a] -= self.pop[u]
            after[b] += self.pop[u]
            mem[a].discard(u)
            mem[b].add(u)
        problems: list[str] = []
        still: list[str] = []
        joined: list[str] = []
        for t in touched:
            if t == "":  # LSOAs in no neighbourhood: nothing to keep whole or in band
                continue
            n = self.parts(mem[t])
            if n > max(before[t], 1) or n == 0:
                problems.append(f"{t} would be split into {n} parts" if n else f"{t} would be empty")
            elif n > 1:
                still.append(f"{t} stays in {n} parts (see its contiguity finding)")
            elif before[t] > 1:
                joined.append(t)
            if exempt and t in exempt:
                continue
            if not self.rules.in_band(after[t]):
                problems.append(f"{t} would have {int(after[t]):,} people, outside {self.rules.min:,}–"
                                f"{self.rules.max:,}")
            if not self.rules.cross_la and {str(self.la[u]) for u in mem[t]} - self.las(t):
                problems.append(f"{t} would cross into another local authority")
        self._joined = joined
        return {t: int(round(v)) for t, v in after.items()}, problems, still

    def offer(self, moves: list[tuple[int, str, str]], finding: str, exempt: set[str] | None = None) -> Fix:
        """Check ``moves``, reserve their LSOAs and neighbourhoods, and word the fix truthfully."""
        after, problems, still = self.check(moves, exempt)
        for t in self._joined:
            self.joined.setdefault(t, finding)
        for u, a, b in moves:
            self.used_units.add(u)
            self.moved_by.setdefault(u, finding)
            for t in (a, b):
                if t not in self.used_hoods:
                    self.used_hoods[t] = finding
                    self.after_of[t] = (finding, after[t])
        by_pair: dict[tuple[str, str], list[int]] = {}
        for u, a, b in moves:
            by_pair.setdefault((a, b), []).append(u)
        parts = [f"{self._codes(us)} ({int(self.pop[us].sum()):,} people) " + (
            f"from {self.hood(a)} to {self.hood(b)}" if a else f"to {self.hood(b)}") for (a, b), us in by_pair.items()]
        after = {t: p for t, p in after.items() if t}
        pops = ", ".join(f"{t} {p:,}" for t, p in after.items())
        band = [t for t in after if not (exempt and t in exempt)]
        short = [t for t in after if t not in band and not self.rules.in_band(after[t])]
        verdict = (("all within band" if len(band) == len(after) else f"{', '.join(band)} within band" if band else
                    f"{', '.join(short)} still outside the band {self.rules.min:,}–{self.rules.max:,} but nearer"
                    if short else "all within band")
                   + ", none split or taken across a local-authority boundary" if not problems else
                   "but " + "; ".join(problems))
        verb = "move" if all(a for _, a, _ in moves) else "assign"
        return Fix(moves, after, f"{verb} {'; '.join(parts)}: afterwards {pops}; {verdict}"
                   + (f" ({'; '.join(still)})" if still else ""), not problems, problems)

    # ---- population band -------------------------------------------------------------------
    def band(self, nid: str, max_moves: int = MAX_MOVES) -> Fix | str:
        """A checked set of boundary moves bringing ``nid`` into band, or why there is none."""
        r = self.rules
        if nid in self.used_hoods:
            by, after = self.after_of.get(nid, (self.used_hoods[nid], 0))
            if after and r.in_band(after):
                return f"the fix for {by} (above) brings {nid} to {after:,}, within band"
            return (f"not computed: {nid} is changed by the fix for {by}"
                    + (f" (to {after:,})" if after else "") + "; apply that fix and validate again")
        p0 = self.pops[nid]
        mine = self.members(nid)
        moves: list[tuple[int, str, str]] = []
        pops = dict(self.pops)
        hoods: dict[str, set[int]] = {}
        for _ in range(max_moves):
            p = pops[nid]
            if r.in_band(p):
                break
            cands = self._band_moves(nid, mine, pops, hoods, moves)
            if not cands:
                break
            # a neighbour outside the band on the other side first (it must end in band too), then the
            # biggest step that does not overshoot the far edge of the band: fewest moves
            _, _, neg_u, a, b = max(cands)
            u = -neg_u
            moves.append((u, a, b))
            pops[a] -= self.pop[u]
            pops[b] += self.pop[u]
            hoods.setdefault(a, self.members(a) if a != nid else mine).discard(u)
            hoods.setdefault(b, self.members(b) if b != nid else mine).add(u)
            if a == nid:
                mine.discard(u)
            else:
                mine.add(u)
        if moves and r.in_band(pops[nid]) and not self.check(moves)[1]:
            fix = self.offer(moves, nid)
            if fix.verified:
                if len(moves) > 1:
                    fix.text = (f"no single move brings {nid} into band; smallest set found ({len(moves)} moves): "
                                + fix.text)
                return fix
        return self._no_move(nid, p0)

    def _band_moves(self, nid: str, mine: set[int], pops: dict[str, float], hoods: dict[str, set[int]],
                    moves: list[tuple[int, str, str]]) -> list[tuple[float, float, int, str, str]]:
        """Valid next moves for ``nid``: (step size, unit, from, to)."""
        r, g, pop = self.rules, self.g, self.pop
        p = pops[nid]
        moved = {u for u, _, _ in moves}
        out: list[tuple[float, float, int, str, str]] = []
        seen: set[tuple[int, str]] = set()
        for u in sorted(mine):
            for v in g[u]:
                if v in mine:
                    continue
                other = str(self.labels[v]) if v not in moved else next(b for x, _, b in moves if x == v)
                if not self.free(other) or other == nid:
                    continue
                if p > r.max:  # give u away to ``other``
                    unit, src, dst = u, nid, other
                else:  # take v from ``other``
                    unit, src, dst = v, other, nid
                if (unit, dst) in seen or unit in self.used_units or unit in moved:
                    continue
                seen.add((unit, dst))
                step = float(pop[unit])
                new_p = p - step if src == nid else p + step
                if (src == nid and new_p < r.min) or (dst == nid and new_p > r.max):
                    continue  # overshoots the band
                now, then = pops[other], pops[other] + (step if dst == other else -step)
                if self._gap(then) > 0 and self._gap(then) >= self._gap(now):
                    continue  # the neighbour must end in band, or move towards it (it is checked at the end)
                if not self.la_ok([unit], dst):
                    continue
                donor = hoods.get(src) or (self.members(src) if src != nid else mine)
                if not self.connected(donor - {unit}):
                    continue
                out.append((float(self._gap(then) < self._gap(now)), step, -unit, src, dst))
        return out  # (helps the neighbour, step, -unit: lowest position first on ties, from, to)

    def _gap(self, p: float) -> float:
        """How far ``p`` is outside the band (0 inside)."""
        return max(self.rules.min - p, p - self.rules.max, 0.0)

    def _no_move(self, nid: str, p: float) -> str:
        """Why no boundary moves work, and the merge that would, when one does."""
        r = self.rules
        mine = self.members(nid)
        near = sorted({str(self.labels[v]) for u in mine for v in self.g[u]} - {nid, ""})
        head = (f"no set of up to {MAX_MOVES} boundary moves brings {nid} into band while keeping its neighbours "
                "in band, connected and inside their local authorities")
        if p < r.min:
            for other in near:
                both = p + self.pops[other]
                if (self.free(other) and r.in_band(both) and self.la_ok(sorted(mine), other)
                        and self.parts(mine | self.members(other)) == 1):
                    for t in (nid, other):
                        self.used_hoods.setdefault(t, nid)
                        self.after_of.setdefault(t, (f"{nid} (merge with {other})", int(both)))
                    return f"{head}; merge it with {other} (together {int(both):,}, within band, one connected area)"
            return f"{head}; it is too small to stand alone: redraw it with its neighbours ({fmt_codes(near, 4)})"
        return f"{head}; split it (e.g. nhgeo propose on its LSOAs) or redraw it with its neighbours"

    # ---- contiguity ------------------------------------------------------------------------
    def detached(self, nid: str, parts: list[list[int]]) -> tuple[str | None, Fix | None]:
        """One checked fix moving each detached part of ``nid`` into a neighbour it touches (the fix text,
        and the fix when every part found a home); parts that cannot move are said so."""
        return self.relocate(nid, parts, f"contiguity of {nid}", "is then one area of")

    def relocate(self, nid: str, parts: list[list[int]], finding: str, then: str) -> tuple[str | None, Fix | None]:
        """One checked fix moving each group of ``parts`` out of ``nid`` into a neighbourhood it touches
        (of its own LA), keeping that neighbourhood in band; ``nid`` must lose them, so its band is reported
        rather than required."""
        units = [u for part in parts for u in part]
        if units and all(u in self.used_units for u in units):
            by = sorted({self.moved_by.get(u, "another fix") for u in units})
            return f"the fix for {', '.join(by)} (above) already moves {self._codes(units, 4)} out of {nid}", None
        if nid in self.used_hoods:
            return (f"not computed: {nid} is changed by the fix for {self.used_hoods[nid]}; apply that fix and "
                    "validate again"), None
        moves: list[tuple[int, str, str]] = []
        texts: list[str] = []
        for part in parts:
            pc = [str(self.codes[i]) for i in part]
            if any(u in self.used_units for u in part):
                by = sorted({self.moved_by.get(u, "another fix") for u in part if u in self.used_units})
                texts.append(f"{fmt_codes(pc, 3)}: already moved by the fix for {', '.join(by)} (above)")
                continue
            near = self._touching(part, nid)
            chosen = None
            for other in near:
                if not self.free(other) or not self.la_ok(part, other):
                    continue
                trial = [*moves, *((u, nid, other) for u in part)]
                _, problems, _ = self.check(trial, exempt={nid})
                if not problems:
                    chosen = other
                    moves = trial
                    break
            if chosen is None:
                held = [o for o in near if o in self.used_hoods]
                why = ("no neighbour it touches can take it and stay in band inside its local authority"
                       if near else "it touches no other neighbourhood")
                if held:  # a neighbour that could take it may be reserved by an earlier fix: say so, not "cannot"
                    held_by = (f"changed by the fix for {self.used_hoods[held[0]]} (above): apply that fix and "
                               "validate again")
                    why = (f"the neighbourhood it touches ({', '.join(held)}) is {held_by}"
                           if len(held) == len(near) else f"{why} ({', '.join(held)} is {held_by})")
                texts.append(f"{fmt_codes(pc, 3)} ({int(self.pop[part].sum()):,} people) cannot move: {why}; "
                             "redraw it with the neighbourhood of its LA that surrounds it")
        if not moves:
            return ("; ".join(texts) or None), None
        fix = self.offer(moves, finding, exempt={nid})
        p = fix.after[nid]
        state = "within band" if self.rules.in_band(p) else (
            f"outside the band {self.rules.min:,}–{self.rules.max:,}: rebalance it next (population-band finding)")
        fix.text += f"; {nid} {then} {p:,} people ({state})"
        if texts:
            fix.text += "; " + "; ".join(texts)
        return fix.text, fix

    def assign(self, units: list[int]) -> Fix | None:
        """One checked fix giving unassigned ``units`` to neighbourhoods they touch (None when none can).

        A gap that is the LSOA of a mistyped code goes back to the neighbourhood that listed the typo; a
        neighbourhood below the band takes a gap that brings it towards the band (so the population-band fix
        that follows agrees with this one instead of moving other LSOAs in)."""
        moves: list[tuple[int, str, str]] = []
        exempt: set[str] = set()
        for u in units:
            if u in self.used_units:
                continue
            near = self._touching([u], "")
            home = self.intended.get(u)
            for other in ([home] if home else []) + [x for x in near if x != home]:
                if not self.free(other) or not self.la_ok([u], other):
                    continue
                short = self.pops.get(other, 0.0) + sum(self.pop[v] for v, _, b in moves if b == other) < self.rules.min
                if other in self.troubled and not short and other != home:
                    continue
                trial = [*moves, (u, "", other)]
                ex = exempt | ({other} if short else set())
                if not self.check(trial, ex)[1]:
                    moves, exempt = trial, ex
                    break
        return self.offer(moves, "coverage", exempt or None) if moves else None

    def _touching(self, part: list[int], exclude: str) -> list[str]:
        counts: dict[str, float] = {}
        s = set(part)
        for a in part:
            for b, d in self.g[a].items():
                lb = str(self.labels[b])
                if b not in s and lb not in ("", exclude):
                    counts[lb] = counts.get(lb, 0.0) + float(d.get("length", 0.0)) + 1.0
        return sorted(counts, key=lambda k: (-counts[k], k))


def planner(study: Study, assignment: Assignment) -> FixPlanner:
    """The one planner of this report (shared by every rule, so no LSOA is offered twice)."""
    return assignment.derived("fix-planner", lambda: FixPlanner(study, assignment))
