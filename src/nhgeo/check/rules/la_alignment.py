"""LA alignment: neighbourhoods stay inside one local authority."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from ...model import Assignment, Col, Study
from .base import Finding, Rule, Severity, fmt_codes
from .fixes import Fix, planner


class LaAlignment(Rule):
    id = "la-alignment"
    severity = Severity.WARNING
    description = "neighbourhoods do not cross local-authority boundaries"

    def not_checked(self, study: Study, assignment: Assignment) -> str | None:
        la = study.column(Col.LA)
        if ((la == "") | (la == "UNKNOWN")).all():
            return "no data: the units have no local authority (set --la-column or --la-boundaries)"
        return None

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
            fix: Fix | None = None
            if assignment.rules.cross_la:
                text: str | None = None
            else:
                nodes = [int(i) for i in m[np.isin(la[m], minor)]]
                groups = sorted((sorted(c) for x in minor for c in nx.connected_components(
                    study.adj.graph.subgraph([i for i in nodes if la[i] == x]))), key=lambda c: c[0])
                text, fix = planner(study, assignment).relocate(nid, groups, f"la-alignment of {nid}",
                                                                "is then inside one LA with")
                text = text or (f"move {fmt_codes(small, 4)} ({int(las.iloc[1:].sum()):,} people) into a "
                                f"neighbourhood of {', '.join(la_name.get(x, x) for x in minor)}")
            allowed = " (allowed by rules.cross_la)" if assignment.rules.cross_la else ""
            out.append(self.finding(nid, f"{nid} ({assignment.names.get(nid, nid)}) crosses local authorities"
                                    f"{allowed}: {sides}", text, populations={str(k): int(v) for k, v in las.items()},
                                    **(fix.data(codes) if fix is not None else {})))
        return out
