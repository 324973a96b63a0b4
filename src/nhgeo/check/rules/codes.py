"""Codes and coverage: every unit of the place in exactly one neighbourhood, every listed code known."""

from __future__ import annotations

import numpy as np

from ...model import Assignment, Study
from ...sources.boundaries import embedded_codes
from .base import Finding, Rule, Severity, fmt_codes, touching
from .fixes import planner
from .suggest import did_you_mean, intended_homes, lsoa_label


class Coverage(Rule):
    id = "coverage"
    severity = Severity.ERROR
    description = "every unit in the place is assigned to exactly one neighbourhood"

    def check(self, study: Study, assignment: Assignment) -> list[Finding]:
        out: list[Finding] = []
        labels, codes = assignment.labels, study.codes
        gaps = [str(c) for c in codes[labels == ""]]
        if gaps:
            gap_pop = int(study.population[labels == ""].sum())
            first = [int(i) for i in np.flatnonzero(labels == "")[:10]]
            fix = planner(study, assignment).assign(first)
            near = touching(study, assignment, first, exclude="")
            other = (f"assign them to a neighbourhood of their LA they touch ({fmt_codes(near, 3)}) once its own "
                     "findings are fixed" if near else "assign them to a neighbourhood of their LA")
            out.append(self.finding(fmt_codes(gaps, 3), gap_message(study, assignment, gaps, gap_pop),
                                    fix.text if fix else other,
                                    codes=gaps, **(fix.data(codes) if fix else {})))
        for code, ids in sorted(assignment.footprint.duplicate_codes().items()):
            home = _best_home(study, assignment, code, ids)
            out.append(self.finding(code, f"{code} is listed in {len(ids)} neighbourhoods ({', '.join(ids)})",
                                    f"keep it only in {home}, whose other LSOAs it touches most"
                                    if len(set(ids)) > 1 else "list it once", neighbourhoods=ids))
        return out


def gap_message(study: Study, assignment: Assignment, gaps: list[str], gap_pop: int) -> str:
    """The coverage finding's words for LSOAs in no neighbourhood (named when few; a mistyped code's LSOA said so):
    shared with the editor's live checks, so both say the same."""
    typos = {str(study.codes[u]): nid for u, nid in intended_homes(study, assignment).items()}
    listed = ", ".join(lsoa_label(study, c) if len(gaps) <= 4 else c for c in gaps[:6]) + (
        f" and {len(gaps) - 6} more" if len(gaps) > 6 else "")

    def hood(nid: str) -> str:
        name = assignment.names.get(nid, "")
        return f"{nid} ({name})" if name and name != nid else nid

    meant = "".join(f"; {c} is probably the mistyped {t} listed in {hood(typos[c])}"
                    for t, hits in did_you_mean(study, assignment).items() for c in hits[:1] if c in typos)
    return f"{len(gaps)} LSOA(s) in the place ({gap_pop:,} people) are in no neighbourhood: {listed}{meant}"


def detached_text(study: Study, part: list[int]) -> str:
    """``1 LSOA(s) (1,665 people): E01002694 (Islington 019A, Barnsbury)``: a detached part (named when few)."""
    pc = [str(study.codes[i]) for i in part]
    named = ", ".join(lsoa_label(study, c) for c in pc) if len(pc) <= 3 else fmt_codes(pc)
    return f"{len(part)} LSOA(s) ({int(study.population[part].sum()):,} people): {named}"


def _best_home(study: Study, assignment: Assignment, code: str, ids: list[str]) -> str:
    """Of the neighbourhoods listing ``code``, the one whose other LSOAs it shares most borders with (so keeping it
    there leaves that neighbourhood in one piece); the first listed on a tie."""
    pos = np.flatnonzero(study.codes == code)
    if not len(pos) or len(set(ids)) < 2:
        return ids[0]
    listed = {n.id: set(n.codes) - {code} for n in assignment.footprint.neighbourhoods if n.id in ids}
    near = {str(study.codes[j]) for j in study.adj.graph[int(pos[0])]}
    return max(dict.fromkeys(ids), key=lambda i: (len(near & listed.get(i, set())), -ids.index(i)))


class UnknownCode(Rule):
    id = "unknown-code"
    severity = Severity.ERROR
    description = "every code in the footprint is a known unit"

    def check(self, study: Study, assignment: Assignment) -> list[Finding]:
        unknown = assignment.unknown_codes
        if not unknown:
            return []
        hint = other_vintage_hint(unknown, study.vintage) if study.source.startswith("embedded:") else ""
        guesses = did_you_mean(study, assignment)
        gaps = {str(study.codes[u]) for u in planner(study, assignment).intended}
        guesses = {c: sorted(g, key=lambda x: x not in gaps) for c, g in guesses.items()}  # the missing LSOA first
        sure = {c: g[0] for c, g in guesses.items() if len(g) == 1 or g[0] in gaps}
        said = [f"{c} (did you mean {' or '.join(lsoa_label(study, g, assignment) for g in guesses[c])}?)"
                if c in guesses else c for c in unknown[:6]]
        listing = ", ".join(said) + (f" and {len(unknown) - 6} more" if len(unknown) > 6 else "")
        fix = ("correct " + "; ".join(f"{c} to {sure[c]}" + (" (the LSOA in no neighbourhood)" if sure[c] in gaps
                                                              else "") for c in unknown if c in sure)
               + ("; correct or remove the others" if len(sure) < len(unknown) else "")
               if sure else "correct or remove them")
        return [self.finding(fmt_codes(unknown, 3), f"{len(unknown)} code(s) are not LSOA {study.vintage} codes in "
                             f"{study.source}: {listing}{hint}", fix, codes=unknown,
                             suggestions={c: g for c, g in guesses.items()})]



class OutsidePlace(Rule):
    id = "outside-place"
    severity = Severity.WARNING
    description = "every LSOA of the footprint lies in the place it is checked against"

    def not_checked(self, study: Study, assignment: Assignment) -> str | None:
        return None if study.place_given else ("no --place given and the footprint names none: the place is the "
                                               "local authorities it touches")

    def check(self, study: Study, assignment: Assignment) -> list[Finding]:
        out = list(study.outside_place)
        if not out:
            return []
        pos = np.flatnonzero(np.isin(study.codes, out))
        pop = int(study.population[pos].sum())
        hoods = sorted({str(x) for x in assignment.labels[pos]} - {""})
        return [self.finding(fmt_codes(out, 3), f"{len(out)} LSOA(s) of the footprint ({pop:,} people, in "
                             f"{fmt_codes(hoods, 4)}) lie outside {study.place}: {fmt_codes(out)}",
                             "check --place (a wider place would include them) or remove them from the footprint",
                             codes=out)]


class NeighbourhoodNames(Rule):
    id = "neighbourhood-names"
    severity = Severity.WARNING
    description = "each neighbourhood has one name"

    def check(self, study: Study, assignment: Assignment) -> list[Finding]:
        return [self.finding(nid, f"{nid} has {len(names)} different names in the footprint: "
                             + ", ".join(repr(n) for n in names) + f"; {names[0]!r} (most rows) is shown",
                             f"give every row of {nid} the same name", names=names)
                for nid, names in sorted(assignment.footprint.name_conflicts.items())]


def other_vintage_hint(unknown: list[str], vintage: int) -> str:
    """'; N of them are LSOA 2011 codes: ...' when unknown codes belong to the other embedded vintage."""
    other = 2011 if vintage == 2021 else 2021
    codes = embedded_codes(other)
    hits = sum(c in codes for c in unknown)
    if hits:
        return (f"; {hits} of them are LSOA {other} codes: set vintage = {other} in [footprint] "
                f"(or --vintage {other})")
    return ""
