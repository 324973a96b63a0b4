"""LA alignment: neighbourhoods stay inside one local authority."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..model import Assignment, Col, Study
from .base import Finding, Rule, Severity, fmt_codes


class LaAlignment(Rule):
    id = "la-alignment"
    severity = Severity.WARNING
    description = "neighbourhoods do not cross local-authority boundaries"

    def check(self, study: Study, assignment: Assignment) -> list[Finding]:
        la, labels, pop, codes = study.column(Col.LA), assignment.labels, study.population, study.codes
        la_name = dict(zip(la, study.column(Col.LA_NAME), strict=True))
        nla = pd.Series(la).groupby(labels).nunique()
        out: list[Finding] = []
        for nid in sorted(set(nla[nla > 1].index) - {""}):
            m = assignment.members(nid)
            las = pd.Series(pop[m], index=la[m]).groupby(level=0).sum().sort_values(ascending=False)
            if len(las) < 2:
                continue
            sides = ", ".join(f"{la_name.get(x, x)} {int(p):,}" for x, p in las.items())
            minor = las.index[1:]
            small = [str(c) for c in codes[m][np.isin(la[m], minor)]]
            fix = (f"move {fmt_codes(small, 4)} ({int(las.iloc[1:].sum()):,} people) into a neighbourhood of "
                   f"{', '.join(la_name.get(x, x) for x in minor)}")
            allowed = " (allowed by rules.cross_la)" if assignment.rules.cross_la else ""
            out.append(self.finding(nid, f"{nid} ({assignment.names.get(nid, nid)}) crosses local authorities"
                                    f"{allowed}: {sides}", fix, populations={str(k): int(v) for k, v in las.items()}))
        return out
