"""Population band: each neighbourhood's population within ``rules.min``–``rules.max``."""

from __future__ import annotations

from ...model import Assignment, Study
from .base import Finding, Rule, Severity
from .fixes import planner


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
            fix = planner(study, assignment).band(nid)
            text, data = (fix, {}) if isinstance(fix, str) else (fix.text, fix.data(study.codes))
            out.append(self.finding(nid, f"{nid} ({assignment.names.get(nid, nid)}) has {int(p):,} people, {side} "
                                    f"{lim:,} (band {r.min:,}–{r.max:,})", text, population=int(p), **data))
        return out
