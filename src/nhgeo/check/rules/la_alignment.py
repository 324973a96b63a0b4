"""LA alignment: neighbourhoods stay inside one local authority."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from ...model import Assignment, Col, Rules, Study
from .base import Finding, Rule, Severity, fmt_codes
from .fixes import Fix, planner


class LaAlignment(Rule):
    id = "la-alignment"
    severity = Severity.ERROR
    description = ("neighbourhoods do not cross local-authority boundaries (an error while cross_la = false; with "
                   "cross_la = true each crossing is listed as a warning)")
    follows_settings = True

    def default_severity(self, rules: Rules | None = None) -> Severity:
        """An error while the footprint says ``cross_la = false``; a warning (each crossing listed) when it allows
        crossings."""
        return Severity.WARNING if rules is not None and rules.cross_la else Severity.ERROR

    def severity_note(self, rules: Rules, given: Severity) -> str | None:
        if not rules.cross_la and given != Severity.ERROR:
            return (f"la-alignment is set to {given} in [rules.severity] although cross_la = false: LA crossings "
                    "are listed but do not fail; remove that line (or set it to error) to make them fail")
        return None

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
            whole = too_small_to_stand_alone(study, assignment, nid, [str(x) for x in minor])
            fix: Fix | None = None
            if assignment.rules.cross_la:
                text: str | None = None
            elif whole:
                text = None
            else:
                nodes = [int(i) for i in m[np.isin(la[m], minor)]]
                groups = sorted((sorted(c) for x in minor for c in nx.connected_components(
                    study.adj.graph.subgraph([i for i in nodes if la[i] == x]))), key=lambda c: c[0])
                text, fix = planner(study, assignment).relocate(nid, groups, f"la-alignment of {nid}",
                                                                "is then inside one LA with")
                text = text or (f"move {fmt_codes(small, 4)} ({int(las.iloc[1:].sum()):,} people) into a "
                                f"neighbourhood of {', '.join(la_name.get(x, x) for x in minor)}")
            allowed = " (allowed by rules.cross_la)" if assignment.rules.cross_la else ""
            if whole and not allowed:
                allowed = (f" (unavoidable: {whole}, below the minimum {assignment.rules.min:,}, cannot stand alone "
                           "and is wholly inside it)")
            out.append(self.finding(nid, f"{nid} ({assignment.names.get(nid, nid)}) crosses local authorities"
                                    f"{allowed}: {sides}", text, populations={str(k): int(v) for k, v in las.items()},
                                    **({"unavoidable": True} if whole else {}),
                                    **(fix.data(codes) if fix is not None else {})))
        return out


def too_small_to_stand_alone(study: Study, assignment: Assignment, nid: str, minor: list[str]) -> str:
    """When every minor LA part of ``nid`` is a whole connected piece of its LA (in this study) with fewer people
    than the band's minimum, all inside ``nid`` (the City of London, an island LA): the words saying so; else ""."""
    la, pop, labels, g = study.column(Col.LA), study.population, assignment.labels, study.adj.graph
    la_name = dict(zip(la, study.column(Col.LA_NAME), strict=True))
    said = []
    for x in minor:
        mine = np.flatnonzero((la == x) & (labels == nid))
        pieces = list(nx.connected_components(g.subgraph(np.flatnonzero(la == x).tolist())))
        touched = [c for c in pieces if c & set(mine.tolist())]
        size = sum(len(c) for c in touched)
        people = sum(int(pop[list(c)].sum()) for c in touched)
        if size != len(mine) or people >= assignment.rules.min:
            return ""
        said.append(f"{la_name.get(x, x)} ({people:,} people)")
    return " and ".join(said)
