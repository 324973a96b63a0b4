"""Unread columns: a column of a footprint table that looks like a place or a name, under a heading nhgeo does not
read, is reported — never silently ignored (a CSV with an ``HCP`` column would otherwise validate with 0 places)."""

from __future__ import annotations

from ...model import Assignment, Study
from .base import Finding, Rule, Severity

HOW = {"a place column": "rename it 'place' (each neighbourhood's place id) to read it",
       "a name column": "rename it 'neighbourhood_name' (or give --name-column) to read it",
       "a grouping of neighbourhoods (a place?)": "if it is each neighbourhood's place, rename it 'place'"}


class UnreadColumns(Rule):
    id = "unread-columns"
    severity = Severity.WARNING
    description = "every column of a footprint table that looks like a place or a name is read"

    def not_checked(self, study: Study, assignment: Assignment) -> str | None:
        return None if assignment.footprint.unread_columns is not None else ("the footprint is not a table (a TOML "
                                                                             "footprint names its own fields)")

    def check(self, study: Study, assignment: Assignment) -> list[Finding]:
        return [self.finding(col, f"column {col!r} looks like {what} but nhgeo does not read it"
                             + (" (the footprint has no places)" if "place" in what and
                                not assignment.footprint.places else ""),
                             HOW.get(what, "rename it or remove it"), column=col)
                for col, what in (assignment.footprint.unread_columns or {}).items()]
