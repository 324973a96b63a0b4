"""Contiguity: each neighbourhood is one connected area on the adjacency graph."""

from __future__ import annotations

import networkx as nx
import pandas as pd

from ...geo.graph import part_components
from ...model import Assignment, Study
from .base import Finding, Rule, Severity
from .codes import detached_text
from .fixes import planner


class Contiguity(Rule):
    id = "contiguity"
    severity = Severity.ERROR
    description = "each neighbourhood (and place) is one connected area"

    def check(self, study: Study, assignment: Assignment) -> list[Finding]:
        labels, pop, codes = assignment.labels, study.population, study.codes
        comp = part_components(study.adj, labels)
        ncomp = pd.Series(comp).groupby(labels).nunique()
        out: list[Finding] = []
        plan = planner(study, assignment)
        for nid in sorted(set(ncomp[ncomp > 1].index) - {""}):
            nodes = assignment.members(nid).tolist()
            parts = sorted((sorted(c) for c in nx.connected_components(study.adj.graph.subgraph(nodes))),
                           key=lambda c: (-pop[c].sum(), c[0]))
            if len(parts) < 2:
                continue
            desc = []
            for part in parts[1:]:
                desc.append(detached_text(study, part))
            text, fix = plan.detached(nid, parts[1:])
            out.append(self.finding(nid, f"{nid} ({assignment.names.get(nid, nid)}) is in {len(parts)} separate "
                                    "parts; detached: " + "; ".join(desc), text,
                                    parts=[[str(codes[i]) for i in p] for p in parts],
                                    **(fix.data(codes) if fix is not None else {})))
        for f in out:  # a later fix that makes this one whole (two neighbourhoods that swapped pieces)
            if "moves" not in f.data and f.unit in plan.joined:
                f.fix = (f"the fix for {plan.joined[f.unit]} (below) joins its parts into one area: nothing else to "
                         "move")
        return out
