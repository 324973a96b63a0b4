"""Nesting: each neighbourhood lies in one ICB and one place; each place in one ICB."""

from __future__ import annotations

import pandas as pd

from ...model import Assignment, Col, Study
from .base import Finding, Rule, Severity


class Nesting(Rule):
    id = "nesting"
    severity = Severity.ERROR
    description = "each neighbourhood lies in one place, each place in one ICB"

    def not_checked(self, study: Study, assignment: Assignment) -> str | None:
        icb = study.column(Col.ICB)
        unknown = (icb == "") | (icb == "UNKNOWN")
        return "no data: the units have no ICB (codes unknown to the embedded lookup)" if unknown.all() else None

    def check(self, study: Study, assignment: Assignment) -> list[Finding]:
        icb, labels, fp = study.column(Col.ICB), assignment.labels, assignment.footprint
        out: list[Finding] = []
        nicb = pd.Series(icb).groupby(labels).nunique()
        for nid in sorted(set(nicb[nicb > 1].index) - {""}):
            icbs = sorted(set(icb[assignment.members(nid)].tolist()))
            if len(icbs) > 1:
                out.append(self.finding(nid, f"{nid} spans {len(icbs)} ICBs ({', '.join(icbs)}); a neighbourhood "
                                        "must nest in one ICB"))
        if not fp.places:
            return out
        for n in fp.neighbourhoods:
            if n.id not in assignment.place_of:
                out.append(self.finding(n.id, f"{n.id} is in no place; every neighbourhood must lie in exactly one "
                                        "place", "add it to the place it touches most"))
        pop = study.population
        for p in fp.places:
            m = assignment.place_members(p.id)
            icb_pop = pd.Series(pop[m], index=icb[m]).groupby(level=0).sum()
            if len(icb_pop) > 1:
                out.append(self.finding(p.id, f"place {p.id} ({p.name}) spans ICBs: " + ", ".join(
                    f"{k} {int(v):,}" for k, v in icb_pop.items()) + "; a place must lie in one ICB"))
        return out
