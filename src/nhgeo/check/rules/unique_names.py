"""Unique names: no two neighbourhoods (and no two places) of a footprint share a name."""

from __future__ import annotations

from ...model import Assignment, Study
from .base import Finding, Rule, Severity


class UniqueNames(Rule):
    id = "unique-names"
    severity = Severity.WARNING
    description = "no two neighbourhoods, and no two places, share a name (people tell them apart by name)"

    def check(self, study: Study, assignment: Assignment) -> list[Finding]:
        fp = assignment.footprint
        out: list[Finding] = []
        for what, items in (("neighbourhood", [(n.id, n.name) for n in fp.neighbourhoods]),
                            ("place", [(p.id, p.name) for p in fp.places])):
            first: dict[str, str] = {}
            for uid, name in items:
                key = " ".join(name.casefold().split())
                if key not in first:
                    first[key] = uid
                    continue
                if name == uid:  # no name given: the id stands in, and ids are unique
                    continue
                out.append(self.finding(uid, f"{what} {uid} has the same name as {first[key]}: {name!r}",
                                        f"give {uid} a name of its own (e.g. after the town or part of town where "
                                        "most of its people live)", name=name, same_as=first[key]))
        return out
