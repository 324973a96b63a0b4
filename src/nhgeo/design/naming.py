"""Names a resident would recognise: from the places where most of a neighbourhood's people live.

A name is ``"<LA>: <local name>"`` (e.g. ``"Camden: Kentish Town & Gospel Oak"``), at most
:data:`MAX_LEN` characters, unique among the neighbourhoods named together (so within every place).

The local name comes from the MSOA local names (``Col.MSOA_NAME``, House of Commons Library), weighted
by the people of the neighbourhood who live in each. Parts of one town are counted together first —
"Falmouth North", "Falmouth East" and "Falmouth West & South" are all *Falmouth* — so a neighbourhood
where most people live in Falmouth is named after Falmouth even if its single biggest MSOA is Penryn.
A second place is added when at least :data:`SECOND_SHARE` of the people live there. Names too long are
shortened piece by piece ("Holborn, St Giles & Bloomsbury South" -> "Holborn & St Giles"), then lose the
LA prefix, and only then are cut. Two neighbourhoods with the same name are told apart by their own
biggest MSOA ("Falmouth North"), then by their second place, and only then numbered.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..model import Col

MAX_LEN = 40
SECOND_SHARE = 0.25
_DIRECTION = r"(?:North|South|East|West|Central|Centre|North East|North West|South East|South West)"
_TRAILING = re.compile(rf"^(?P<stem>.+?)(?:\s+{_DIRECTION}(?:\s*(?:&|and|,)\s*{_DIRECTION})*)$")
_PIECES = re.compile(r",\s*|\s+&\s+|\s+and\s+")


def settlement(msoa_name: str) -> str:
    """The town an MSOA name is part of: trailing compass words dropped ("Falmouth West & South" ->
    "Falmouth", "Kentish Town East" -> "Kentish Town", "St Austell East & Carlyon Bay" -> "St Austell");
    other names stand as they are ("Holborn, St Giles & Bloomsbury South", "West Hampstead")."""
    name = msoa_name.strip()
    m = _TRAILING.match(name)
    if m is not None and not _PIECES.search(m.group("stem")):
        return m.group("stem").strip()
    first = _PIECES.split(name)[0]
    m = _TRAILING.match(first)
    if first != name and m is not None:
        return m.group("stem").strip()
    return name


def _join(a: str, b: str) -> str:
    return f"{a} & {b}" if "&" not in a and "&" not in b else f"{a} / {b}"


def _shorter(local: str) -> list[str]:
    """``local`` and shorter forms of it, by whole pieces."""
    pieces = [p for p in _PIECES.split(local) if p]
    out = [local]
    for k in range(len(pieces) - 1, 0, -1):
        head = pieces[:k]
        out.append(head[0] if k == 1 else ", ".join(head[:-1]) + " & " + head[-1])
    return out


def fit_length(la: str, local: str, limit: int = MAX_LEN) -> str:
    """``"<la>: <local>"`` within ``limit`` characters: shorten ``local`` by pieces, then drop the LA, then cut."""
    for form in _shorter(local):
        name = f"{la}: {form}" if la else form
        if len(name) <= limit:
            return name
    for form in _shorter(local):
        if len(form) <= limit:
            return form
    return local[: limit - 1].rstrip() + "…"


def _candidates(la: str, grp: pd.DataFrame) -> list[str]:
    """Names for one neighbourhood, best first (every one within the length limit)."""
    total = float(grp["pop"].sum()) or 1.0
    by_place = grp.groupby("place", sort=False)["pop"].sum().sort_values(ascending=False, kind="stable")
    by_msoa = grp.groupby("msoa", sort=False)["pop"].sum().sort_values(ascending=False, kind="stable")
    places, msoas = list(by_place.index), list(by_msoa.index)
    out: list[str] = []
    if len(places) > 1 and by_place.iloc[1] / total >= SECOND_SHARE:
        out.append(fit_length(la, _join(places[0], places[1])))
    out.append(fit_length(la, places[0]))
    out.append(fit_length(la, msoas[0]))
    if len(places) > 1:
        out.append(fit_length(la, _join(places[0], places[1])))
    if len(msoas) > 1:
        out.append(fit_length(la, _join(msoas[0], msoas[1])))
    seen: set[str] = set()
    return [x for x in out if not (x in seen or seen.add(x))]  # type: ignore[func-returns-value]


def name_neighbourhoods(units: pd.DataFrame, labels: np.ndarray | Sequence[str], ids: Sequence[str]) -> dict[str, str]:
    """Neighbourhood id -> a name from where most of its people live, unique among ``ids``, <= 40 characters.

    ``labels`` gives each unit's neighbourhood id (aligned to ``units``); units need ``Col.POP``,
    ``Col.LA_NAME`` and, for local names, ``Col.MSOA_NAME`` (without it: "<LA> 1", "<LA> 2", ...).
    """
    msoa = (units[Col.MSOA_NAME].astype("string").fillna("") if Col.MSOA_NAME in units.columns
            else pd.Series("", index=units.index, dtype="string"))
    df = pd.DataFrame({"part": np.asarray(labels, dtype=object), "la": units[Col.LA_NAME].astype(str).to_numpy(),
                       "msoa": msoa.to_numpy(dtype=object), "pop": units[Col.POP].to_numpy(dtype=float)})
    df["place"] = [settlement(m) if m else "" for m in df["msoa"]]
    groups = dict(tuple(df.groupby("part", sort=False)))
    cands: dict[str, list[str]] = {}
    numbered: dict[str, int] = {}
    for pid in ids:
        grp = groups.get(pid)
        if grp is None or grp.empty:
            cands[pid] = [fit_length("", str(pid))]
            continue
        la = str(grp.groupby("la")["pop"].sum().sort_values(ascending=False, kind="stable").index[0])
        named = grp[grp["msoa"] != ""]
        if named.empty:
            numbered[la] = numbered.get(la, 0) + 1
            cands[pid] = [fit_length("", f"{la} {numbered[la]}")]
        else:
            cands[pid] = _candidates(la, named)
    names = {pid: cands[pid][0] for pid in ids}
    # tell apart neighbourhoods that got the same name, with names no other neighbourhood uses
    for _ in range(4):
        dup = pd.Series(names).duplicated(keep=False)
        clash = [pid for pid in ids if dup[pid]]
        if not clash:
            break
        taken = set(names.values())
        for pid in clash:
            alt = next((c for c in cands[pid] if c != names[pid] and c not in taken), None)
            if alt is not None:
                taken.add(alt)
                names[pid] = alt
    seen: dict[str, int] = {}
    for pid in ids:  # still the same: number them, in id order
        base = names[pid]
        if list(names.values()).count(base) > 1:
            seen[base] = seen.get(base, 0) + 1
            suffix = f" ({seen[base]})"
            names[pid] = (base if len(base) + len(suffix) <= MAX_LEN else base[: MAX_LEN - len(suffix) - 1] + "…") \
                + suffix
    return names
