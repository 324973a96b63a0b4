"""Core offer: each neighbourhood has every required service inside or within the component's distance."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...model import Assignment, Study
from ..coverage import coverage_of
from .base import Finding, Rule, Severity


class CoreOffer(Rule):
    id = "core-offer"
    severity = Severity.WARNING
    description = "each neighbourhood can reach every core-offer service"

    def not_checked(self, study: Study, assignment: Assignment) -> str | None:
        return None if study.services is not None else "no service data asked for (use --core-offer or --services)"

    def check(self, study: Study, assignment: Assignment) -> list[Finding]:
        res = coverage_of(study, assignment)
        out: list[Finding] = []
        for comp in res.components:
            if not comp.required:
                continue
            g = res.grid[res.grid["component"] == comp.name]
            if (g["status"] == "no-data").all():
                out.append(self.finding(comp.name, f"{comp.label}: no data, so not checked ({comp.note})",
                                        f"supply locations with --services FILE --component {comp.name}"))
                continue
            for r in g[g["status"] == "missing"].itertuples():
                far = _metres(r.nearest_from_centre_m)
                out.append(self.finding(
                    str(r.neighbourhood), f"{r.neighbourhood} has no {comp.label.lower()} inside or within "
                    f"{int(comp.distance_m):,} m; the nearest, {r.nearest_name}, is {far:,} m from its "
                    "population-weighted centre",
                    f"plan access to {r.nearest_name} ({far / 1000:.1f} km) or a local service (add it with "
                    f"--services); or set [rules.core_offer] distance_m.{comp.name} if {far:,} m is acceptable",
                    component=comp.name))
        return out


def _metres(x: Any) -> int:
    """A distance from the grid (nullable integer) as int, 0 when unknown."""
    return 0 if pd.isna(x) else int(x)
