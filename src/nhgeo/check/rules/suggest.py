"""Nearest known codes for a mistyped one: every code one or two edits away (a character dropped, added, changed,
or two swapped), found by generating the edits rather than comparing with every known code."""

from __future__ import annotations

from collections.abc import Collection, Iterable

import numpy as np
import pandas as pd

from ...model import Assignment, Col, Study
from ...sources.boundaries import embedded_codes

ALPHABET = "0123456789EWSNKL"  # the characters of ONS codes (E01..., W01..., S01...)


def _edits(code: str) -> set[str]:
    """Every string one edit from ``code``."""
    splits = [(code[:i], code[i:]) for i in range(len(code) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in ALPHABET}
    out |= {a + c + b for a, b in splits for c in ALPHABET}
    out.discard(code)
    return out


def near_codes(code: str, known: Collection[str], *more: Collection[str], n: int = 3) -> list[str]:
    """Up to ``n`` known codes one edit from ``code`` (else two), those in ``known`` (say, the place) before those
    only in ``more`` (say, all of England); sorted within each."""
    norm = code.strip().upper().replace(" ", "")
    pools = [known, *more]
    if norm != code and any(norm in p for p in pools):
        return [norm]  # only case or spaces were wrong
    one = _edits(norm)
    for cands in (one, _two(one)):
        hits = _ranked(cands, pools)
        if hits:
            return hits[:n]
    return []


def _two(one: set[str]) -> Iterable[str]:
    seen: set[str] = set()
    for e in one:
        seen |= _edits(e)
    return seen


def _ranked(cands: Iterable[str], pools: list[Collection[str]]) -> list[str]:
    out: list[str] = []
    cands = set(cands)
    for pool in pools:
        out += sorted(c for c in cands if c in pool and c not in out)
    return out


def did_you_mean(study: Study, assignment: Assignment, limit: int = 50) -> dict[str, list[str]]:
    """Unknown code -> the nearest known codes (one or two characters away), the place's own first; computed once
    per report (the coverage fix uses it too: a gap that is a mistyped code's neighbour goes back to its
    neighbourhood)."""
    def compute() -> dict[str, list[str]]:
        place = set(map(str, study.codes))
        every = embedded_codes(study.vintage) if study.source.startswith("embedded:") else set()
        out: dict[str, list[str]] = {}
        for code in assignment.unknown_codes[:limit]:
            hits = near_codes(code, place, every)
            if hits:
                out[code] = hits
        return out

    return assignment.derived("did-you-mean", compute)


def lsoa_label(study: Study, code: str, assignment: Assignment | None = None) -> str:
    """``E01016070 (Thanet 001A, Cliftonville West; in no neighbourhood)``: a code with its LSOA name and ward, and
    where the footprint puts it, for a person to find it."""
    pos = np.flatnonzero(study.codes == code)
    if not len(pos):
        return code
    i = int(pos[0])
    bits = [str(study.units[c].iloc[i]) for c in (Col.NAME, Col.WARD_NAME)
            if c in study.units.columns and not pd.isna(study.units[c].iloc[i])]
    if assignment is not None:
        nid = str(assignment.labels[i])
        bits.append(f"in {nid} {assignment.names.get(nid, '')}".rstrip() if nid else "in no neighbourhood")
    return f"{code} ({', '.join(bits)})" if bits else code


def intended_homes(study: Study, assignment: Assignment) -> dict[int, str]:
    """Unit position -> the neighbourhood that listed a mistyped code whose one suggestion (in this place) is that
    unit and which no neighbourhood holds: where the LSOA was meant to be."""
    listed = assignment.footprint.assignment()
    pos = {str(c): i for i, c in enumerate(study.codes)}
    out: dict[int, str] = {}
    for code, hits in did_you_mean(study, assignment).items():
        local = [h for h in hits if h in pos and assignment.labels[pos[h]] == ""]
        if len(local) == 1 and code in listed.index:
            out[pos[local[0]]] = str(listed[code])
    return out
