"""Live checks for the editor: the registry's neighbourhood rules recomputed for the changed neighbourhoods only.

A stroke changes two or three neighbourhoods of hundreds; rerunning the whole registry (with its fix planner)
after each would take a second on London. :class:`LiveChecker` keeps every neighbourhood's findings and, after
a change, recomputes only those of the neighbourhoods (and places) it touched. The findings carry the same rule
ids, units, messages and severities (settled by :func:`nhgeo.check.rules.settle`, waivers included) as
``validate``'s, without the suggested fixes (the full check, on demand and on save, adds them); a property test
holds the two to agreement on random edits. Rules not in :data:`LIVE_RULES` are shown from the last full check.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..check.rules import RULES, Finding, settle
from ..check.rules.base import fmt_codes
from ..check.rules.codes import detached_text, gap_message
from ..check.rules.la_alignment import too_small_to_stand_alone
from ..model import Assignment, Col, Study

#: the rules kept up to date after every change (all others: as of the last full check)
LIVE_RULES = ("coverage", "contiguity", "population-band", "la-alignment", "nesting", "place-band",
              "place-contiguity")


@dataclass
class HoodFigures:
    """What the page shows for one neighbourhood: population, size, the LSOA codes of each piece (largest first),
    population per LA and the ICBs it touches."""

    population: float
    lsoas: int
    parts: list[list[str]]
    las: dict[str, int]
    icbs: list[str]


class LiveChecker:
    """Findings of :data:`LIVE_RULES` kept per neighbourhood and place, recomputed where a change lands."""

    def __init__(self, study: Study, assignment: Assignment) -> None:
        self.study = study
        self.assignment = assignment
        self.pop = study.population
        self.codes = study.codes
        self.la = study.column(Col.LA)
        self.icb = study.column(Col.ICB)
        self.la_name = dict(zip(self.la, study.column(Col.LA_NAME), strict=True))
        self.nbrs = [list(study.adj.graph[i]) for i in range(len(self.codes))]  # plain lists: fast walks
        self.active = tuple(r for r in LIVE_RULES if RULES[r].not_checked(study, assignment) is None)
        self.hood: dict[str, list[Finding]] = {}
        self.place: dict[str, list[Finding]] = {}
        self.global_: list[Finding] = []
        self.figures: dict[str, HoodFigures] = {}

    # ------------------------------------------------------------------ updating

    def refresh(self, hoods: Iterable[str], places: Iterable[str] = (), gaps: bool = True) -> None:
        """Recompute the findings of ``hoods`` and ``places`` (and the unassigned LSOAs when ``gaps``)."""
        names = self.assignment.names
        for nid in hoods:
            if nid == "":
                continue
            if nid not in names:
                self.hood.pop(nid, None)
                self.figures.pop(nid, None)
                continue
            self.hood[nid] = self._hood(nid)
        for pid in places:
            self.place[pid] = self._place(pid)
        if gaps:
            self.global_ = self._gaps()

    def refresh_all(self) -> None:
        """Recompute everything (at start, and after a restore)."""
        self.hood, self.place, self.figures = {}, {}, {}
        self.refresh([n.id for n in self.assignment.footprint.neighbourhoods],
                     [p.id for p in self.assignment.footprint.places])

    def findings(self) -> list[Finding]:
        """Every live finding, in registry order then by unit (as ``validate`` lists them)."""
        every = [*self.global_, *(f for fs in self.hood.values() for f in fs),
                 *(f for fs in self.place.values() for f in fs)]
        order = {r: i for i, r in enumerate(LIVE_RULES)}
        return sorted(every, key=lambda f: (order[f.rule], f.unit, f.message))

    # ------------------------------------------------------------------ one neighbourhood

    def _members(self, nid: str) -> np.ndarray:
        return self.assignment.members(nid)

    def _hood(self, nid: str) -> list[Finding]:
        a, pop, codes = self.assignment, self.pop, self.codes
        m = self._members(nid)
        name = a.names.get(nid, nid)
        total = float(pop[m].sum())
        parts = self._parts(m)
        las = _sums(self.la[m], pop[m])
        las = dict(sorted(las.items(), key=lambda kv: -kv[1]))  # stable: ties keep code order, as pandas does
        icbs = sorted(set(self.icb[m].tolist()))
        self.figures[nid] = HoodFigures(total, len(m), [[str(codes[i]) for i in p] for p in parts],
                                        {str(k): int(v) for k, v in las.items()}, icbs)
        out: dict[str, list[Finding]] = {r: [] for r in self.active}
        r = a.rules
        if "population-band" in out and len(m) and not r.in_band(total):
            side = "below the minimum" if total < r.min else "above the maximum"
            lim = r.min if total < r.min else r.max
            out["population-band"].append(RULES["population-band"].finding(
                nid, f"{nid} ({name}) has {int(total):,} people, {side} {lim:,} (band {r.min:,}–{r.max:,})", None,
                population=int(total)))
        if "contiguity" in out and len(parts) > 1:
            desc = [detached_text(self.study, [int(i) for i in p]) for p in parts[1:]]
            out["contiguity"].append(RULES["contiguity"].finding(
                nid, f"{nid} ({name}) is in {len(parts)} separate parts; detached: " + "; ".join(desc), None,
                parts=[[str(codes[i]) for i in p] for p in parts]))
        if "la-alignment" in out and len(las) > 1:
            sides = ", ".join(f"{self.la_name.get(x, x)} {int(p):,}" for x, p in las.items())
            allowed = " (allowed by rules.cross_la)" if r.cross_la else ""
            whole = "" if r.cross_la else too_small_to_stand_alone(self.study, a, nid, [str(x) for x in list(las)[1:]])
            if whole:
                allowed = (f" (unavoidable: {whole}, below the minimum {r.min:,}, cannot stand alone and is wholly "
                           "inside it)")
            out["la-alignment"].append(RULES["la-alignment"].finding(
                nid, f"{nid} ({name}) crosses local authorities{allowed}: {sides}", None,
                populations={str(k): int(v) for k, v in las.items()}, **({"unavoidable": True} if whole else {})))
        if "nesting" in out:
            if len(icbs) > 1:
                out["nesting"].append(RULES["nesting"].finding(
                    nid, f"{nid} spans {len(icbs)} ICBs ({', '.join(icbs)}); a neighbourhood must nest in one ICB"))
            if a.footprint.places and nid not in a.place_of:
                out["nesting"].append(RULES["nesting"].finding(
                    nid, f"{nid} is in no place; every neighbourhood must lie in exactly one place",
                    "add it to the place it touches most"))
        return [f for rule, fs in out.items() for f in settle(rule, fs, a)]

    def _parts(self, m: np.ndarray) -> list[list[int]]:
        """The connected pieces of positions ``m`` on the adjacency graph, largest population first."""
        left = {int(i) for i in m}
        parts = []
        g = self.nbrs
        while left:
            start = min(left)
            left.discard(start)
            piece, stack = [start], [start]
            while stack:
                for b in g[stack.pop()]:
                    if b in left:
                        left.discard(b)
                        piece.append(b)
                        stack.append(b)
            parts.append(sorted(piece))
        return sorted(parts, key=lambda c: (-self.pop[c].sum(), c[0]))

    # ------------------------------------------------------------------ one place, and the unassigned

    def _place(self, pid: str) -> list[Finding]:
        a, pop = self.assignment, self.pop
        spec = next((p for p in a.footprint.places if p.id == pid), None)
        if spec is None:
            return []
        m = np.concatenate([self._members(n) for n in spec.neighbourhoods] or [np.zeros(0, dtype=np.int64)])
        out: dict[str, list[Finding]] = {r: [] for r in self.active}
        if "place-band" in out and len(m):
            total = float(pop[m].sum())
            r = a.rules
            if not r.in_place_band(total):
                side = "below the minimum" if total < r.place_min else "above the maximum"
                out["place-band"].append(RULES["place-band"].finding(
                    pid, f"place {pid} ({spec.name}) has {int(total):,} people, {side} "
                    f"(band {r.place_min:,}–{r.place_max:,})", population=int(total)))
        if "place-contiguity" in out and len(m):
            n_parts = len(self._parts(m))
            if n_parts > 1:
                out["place-contiguity"].append(RULES["place-contiguity"].finding(
                    pid, f"place {pid} ({spec.name}) is in {n_parts} separate parts"))
        if "nesting" in out:
            icb_pop = _sums(self.icb[m], pop[m])
            if len(icb_pop) > 1:
                spans = ", ".join(f"{k} {int(v):,}" for k, v in icb_pop.items())
                out["nesting"].append(RULES["nesting"].finding(
                    pid, f"place {pid} ({spec.name}) spans ICBs: {spans}; a place must lie in one ICB"))
        return [f for rule, fs in out.items() for f in settle(rule, fs, a)]

    def _gaps(self) -> list[Finding]:
        if "coverage" not in self.active:
            return []
        labels = self.assignment.labels
        free = np.flatnonzero(labels == "")
        if not len(free):
            return []
        gaps = [str(c) for c in self.codes[free]]
        f = RULES["coverage"].finding(fmt_codes(gaps, 3), gap_message(self.study, self.assignment, gaps,
                                                                      int(self.pop[free].sum())), None, codes=gaps)
        return settle("coverage", [f], self.assignment)


def _sums(keys: np.ndarray, values: np.ndarray) -> dict[str, float]:
    """Sum of ``values`` per key, keys in sorted order (a groupby-sum without pandas' per-call cost)."""
    out: dict[str, float] = {}
    for k, v in zip(keys.tolist(), values.tolist(), strict=True):
        out[k] = out.get(k, 0.0) + v
    return dict(sorted(out.items()))


class WardTracker:
    """Wards split between neighbourhoods, kept up to date LSOA by LSOA (what
    :func:`nhgeo.check.alignment.ward_alignment` computes for a whole assignment)."""

    def __init__(self, ward: np.ndarray, pop: np.ndarray, labels: np.ndarray) -> None:
        self.ward, self.pop = ward, pop
        self.count: dict[str, dict[str, int]] = {}  # ward -> neighbourhood -> LSOAs
        self.people: dict[str, dict[str, float]] = {}  # ward -> neighbourhood -> people
        self.split_set: set[str] = set()
        self.outside: dict[str, float] = {}  # split ward -> people outside its largest part
        self.outside_sum = 0.0
        for i, h in enumerate(labels.tolist()):
            self.move(i, "", h)

    def move(self, i: int, old: str, new: str) -> None:
        """LSOA ``i`` moved from neighbourhood ``old`` to ``new`` ('' = none)."""
        w = self.ward[i]
        if not w:
            return
        c, p = self.count.setdefault(w, {}), self.people.setdefault(w, {})
        if old:
            c[old] -= 1
            p[old] -= float(self.pop[i])
            if c[old] == 0:
                del c[old], p[old]
        if new:
            c[new] = c.get(new, 0) + 1
            p[new] = p.get(new, 0.0) + float(self.pop[i])
        out = sum(p.values()) - max(p.values()) if len(c) > 1 else 0.0
        (self.split_set.add if len(c) > 1 else self.split_set.discard)(w)
        self.outside_sum += out - self.outside.get(w, 0.0)
        self.outside[w] = out

    def split(self) -> list[str]:
        """Wards whose LSOAs lie in more than one neighbourhood."""
        return sorted(self.split_set)

    def people_in_split_parts(self) -> int:
        """People of split wards outside each ward's largest part."""
        return int(round(self.outside_sum))

    def summary(self, names: dict[str, str], population: dict[str, float], band_max: int) -> dict[str, Any]:
        """Wards split: forced by the arithmetic (the ward alone is above the band's maximum) or avoidable, the
        first 200 avoidable ones listed."""
        split = self.split()
        forced = {w for w in split if population.get(w, 0.0) > band_max}
        avoid = [w for w in split if w not in forced]
        return {"wards": len(population), "split": len(split), "forced": len(forced), "avoidable": len(avoid),
                "people_in_split_parts": self.people_in_split_parts(),
                "avoidable_wards": [{"code": w, "name": str(names.get(w, w))} for w in avoid[:200]]}
