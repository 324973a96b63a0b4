"""Places: population within the place band, one connected area, following LA boundaries."""

from __future__ import annotations

import pandas as pd

from ...geo.graph import part_components
from ...model import Assignment, Col, Study
from .base import Finding, Rule, Severity


class _PlaceRule(Rule):
    """A rule about places: nothing to check in a footprint without them."""

    def not_checked(self, study: Study, assignment: Assignment) -> str | None:
        return None if assignment.footprint.places else "the footprint has no places"


class PlaceBand(_PlaceRule):
    id = "place-band"
    severity = Severity.ERROR
    description = "each place's population is within the place band"

    def check(self, study: Study, assignment: Assignment) -> list[Finding]:
        r, pop, out = assignment.rules, study.population, []
        for p in assignment.footprint.places:
            m = assignment.place_members(p.id)
            if len(m) == 0:
                continue
            total = float(pop[m].sum())
            if not r.in_place_band(total):
                side = "below the minimum" if total < r.place_min else "above the maximum"
                out.append(self.finding(p.id, f"place {p.id} ({p.name}) has {int(total):,} people, {side} "
                                        f"(band {r.place_min:,}–{r.place_max:,})", population=int(total)))
        return out


class PlaceContiguity(_PlaceRule):
    id = "place-contiguity"
    severity = Severity.ERROR
    description = "each place is one connected area"

    def check(self, study: Study, assignment: Assignment) -> list[Finding]:
        pcomp = part_components(study.adj, assignment.place_labels.astype(str))
        out = []
        for p in assignment.footprint.places:
            n_parts = len(set(pcomp[assignment.place_members(p.id)].tolist()))
            if n_parts > 1:
                out.append(self.finding(p.id, f"place {p.id} ({p.name}) is in {n_parts} separate parts"))
        return out


class PlaceLaAlignment(_PlaceRule):
    id = "place-la-alignment"
    severity = Severity.WARNING
    description = "places follow local-authority boundaries"

    def check(self, study: Study, assignment: Assignment) -> list[Finding]:
        la, plab = study.column(Col.LA), assignment.place_labels
        la_name = dict(zip(la, study.column(Col.LA_NAME), strict=True))
        la_places: dict[str, set[str]] = {}
        for x, pl in zip(la, plab, strict=True):
            if pl:
                la_places.setdefault(x, set()).add(pl)
        la_pop = pd.Series(study.population).groupby(la).sum()
        out = []
        for p in assignment.footprint.places:
            m = assignment.place_members(p.id)
            for x in sorted(set(la[m].tolist())):
                if len(la_places.get(x, ())) > 1 and la_pop[x] <= assignment.rules.place_max:
                    others = sorted(la_places[x] - {p.id})
                    out.append(self.finding(p.id, f"place {p.id} holds part of {la_name.get(x, x)} (population "
                                            f"{int(la_pop[x]):,}, small enough to be whole) which is split with "
                                            f"{', '.join(others)}", f"put all of {la_name.get(x, x)} in one place"))
        return out
