"""Names a resident would recognise: the town, or part of a city, where most of a neighbourhood's people live.

**Places people name** come from GeoNames (:mod:`nhgeo.sources.gazetteer`: 4,661 towns, villages and city
districts of England, CC BY 4.0). Each unit (LSOA) belongs to the named place of its own local authority whose
point is nearest its population-weighted centre, distances scaled by ``population ** PULL`` so a town draws
its edges from a village beside it, within ``REACH_M + REACH_PER_ROOT × √population`` metres (further units
belong to no place). A place that holds at least :data:`MIN_SHARE` of a neighbourhood's people names it
("Ramsgate", "Gravesend"). Places GeoNames gives more people than their whole LA (a city's name on one of
its districts, e.g. "London" in Westminster) are not used, nor a city's own name where it would cover more
than :data:`MAX_SHARED` neighbourhoods (Birmingham).

**When several neighbourhoods share a town**, each one whose own part of the town has a well-known name
keeps it; the others take the town's name with a compass word by where they lie ("Sutton Coldfield North",
"Sutton Coldfield South").

**Where no named place fits** (rural areas of many villages, a city's districts GeoNames lacks) the name
comes from the wards (2024) the neighbourhood holds, or the MSOA local names (House of Commons Library) when
units carry no wards: the largest, and a second when at least :data:`SECOND_SHARE` of the people live there
("Erdington & Kingstanding"). Parts of one town count together ("Falmouth North", "Falmouth East" are both
*Falmouth*).

Every name is at most :data:`MAX_LEN` characters and unique among the neighbourhoods named together: a name
used in two LAs gets the LA's name in brackets ("Newington (Thanet)"); two in one LA are told apart by another
candidate, and only then numbered. Names have one form: the place, with no LA prefix.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..model import Col
from ..sources.gazetteer import read_gazetteer

MAX_LEN = 40
SECOND_SHARE = 0.25
MIN_SHARE = 0.4  # a named place holding this share of a neighbourhood's people names it
MAX_SHARED = 4  # a place names at most this many neighbourhoods (then compass words run out of sense)
PULL = 0.2  # distance to a place is divided by its population ** PULL
REACH_M, REACH_PER_ROOT = 2_000.0, 6.0  # a place reaches 2 km + 6 m x sqrt(its population)
CAPACITY = 1.5  # a place takes in at most 1.5 x its GeoNames population
TOWN_SHARE = 0.25  # without a place at MIN_SHARE: the largest place at this share names it ("Deal & Sandwich")
_COMPASS = ["East", "North East", "North", "North West", "West", "South West", "South", "South East"]
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
    """``"A & B"``; names that hold pieces already become one list ("Ladywood, Bournbrook & Selly Park")."""
    pieces = list(dict.fromkeys(p for p in [*_PIECES.split(a), *_PIECES.split(b)] if p))
    if len(pieces) <= 2:
        return " & ".join(pieces)
    return ", ".join(pieces[:-1]) + " & " + pieces[-1]


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


def _namesake(place: str, la: str) -> bool:
    a, b = place.lower(), la.lower()
    return a in b or b in a


def unit_places(units: pd.DataFrame) -> np.ndarray:
    """The named place (GeoNames) each unit belongs to, "" for none (see the module docstring)."""
    out = np.full(len(units), "", dtype=object)
    if len(units) == 0 or Col.LA not in units.columns:
        return out
    la = units[Col.LA].astype(str).to_numpy()
    gaz = read_gazetteer(sorted(set(la.tolist())))
    if gaz.empty:
        return out
    if Col.PWC_X in units.columns and units[Col.PWC_X].notna().all():
        xy = units[[Col.PWC_X, Col.PWC_Y]].to_numpy(dtype=float)
    else:
        pts = units.geometry.representative_point()
        xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])
    pop = units[Col.POP].to_numpy(dtype=float)
    la_pop = pd.Series(pop).groupby(la).sum()
    la_name = dict(zip(la.tolist(), units[Col.LA_NAME].astype(str).tolist(), strict=True))
    for code, g in gaz.groupby("la_code", sort=True):
        keep = [(p <= la_pop.get(code, 0.0)) or _namesake(n, la_name.get(str(code), ""))
                for n, p in zip(g["name"], g["population"], strict=True)]
        g = g[np.array(keep, dtype=bool)]
        at = np.flatnonzero(la == code)
        if g.empty or not len(at):
            continue
        gp = g["population"].to_numpy(dtype=float)
        d = np.hypot(xy[at, 0][:, None] - g["easting"].to_numpy(dtype=float)[None, :],
                     xy[at, 1][:, None] - g["northing"].to_numpy(dtype=float)[None, :])
        score = np.where(d <= REACH_M + REACH_PER_ROOT * np.sqrt(gp)[None, :], d / np.maximum(gp, 1.0) ** PULL, np.inf)
        # nearest first, each place taking at most CAPACITY x its own population (a district of 30,000 does not
        # name a whole side of a city)
        ui, pi = np.nonzero(np.isfinite(score))
        order = np.lexsort((pi, ui, score[ui, pi]))
        room = CAPACITY * gp
        names = g["name"].to_numpy(dtype=object)
        upop = pop[at]
        for i, j in zip(ui[order].tolist(), pi[order].tolist(), strict=True):
            if out[at[i]] == "" and room[j] >= upop[i]:
                out[at[i]] = names[j]
                room[j] -= upop[i]
    return out


def _ranked(df: pd.DataFrame, col: str) -> dict[str, list[tuple[str, float]]]:
    """Per neighbourhood, its two largest values of ``col`` (blank left out) with their people, largest first
    (ties: by name). One groupby for all neighbourhoods."""
    named = df[df[col] != ""]
    if named.empty:
        return {}
    agg = named.groupby(["part", col], sort=False)["pop"].sum().reset_index()
    agg = agg.sort_values(["part", "pop", col], ascending=[True, False, True], kind="stable")
    agg = agg.groupby("part", sort=False).head(2)
    out: dict[str, list[tuple[str, float]]] = {}
    for part, val, pop in zip(agg["part"].tolist(), agg[col].tolist(), agg["pop"].tolist(), strict=True):
        out.setdefault(str(part), []).append((str(val), float(pop)))
    return out


def _local(top: list[tuple[str, float]], total: float) -> list[str]:
    """Local names from the two largest values of a column (ward or MSOA settlement), best first: the largest, or
    the largest two when :data:`SECOND_SHARE` live in the second."""
    if not top:
        return []
    out = []
    if len(top) > 1 and top[1][1] / (total or 1.0) >= SECOND_SHARE:
        out.append(fit_length("", _join(top[0][0], top[1][0])))
    out.append(fit_length("", top[0][0]))
    if len(top) > 1:
        out.append(fit_length("", _join(top[0][0], top[1][0])))
    return out


def compass_words(members: list[str], centre: dict[str, tuple[float, float]]) -> dict[str, str]:
    """A compass word for each neighbourhood sharing one town, by where its people live around the town's."""
    pts = np.array([centre[m] for m in members])
    mid = pts.mean(axis=0)
    if len(members) == 2:
        dx, dy = pts[0] - pts[1]
        a, b = (("East", "West") if dx > 0 else ("West", "East")) if abs(dx) >= abs(dy) else \
            (("North", "South") if dy > 0 else ("South", "North"))
        return {members[0]: a, members[1]: b}
    out = {}
    spread = float(np.max(np.hypot(*(pts - mid).T))) or 1.0
    for m, (x, y) in zip(members, pts, strict=True):
        if np.hypot(x - mid[0], y - mid[1]) < 0.25 * spread:
            out[m] = "Central"
        else:
            ang = np.degrees(np.arctan2(y - mid[1], x - mid[0])) % 360
            out[m] = _COMPASS[int(((ang + 22.5) % 360) // 45)]
    return out


def name_neighbourhoods(units: pd.DataFrame, labels: np.ndarray | Sequence[str], ids: Sequence[str],
                        fixed: dict[str, str] | None = None) -> dict[str, str]:
    """Neighbourhood id -> a name from where most of its people live, unique among ``ids``, <= 40 characters.

    ``labels`` gives each unit's neighbourhood id (aligned to ``units``); units need ``Col.POP``, ``Col.LA``,
    ``Col.LA_NAME`` and, for local names, ``Col.WARD_NAME`` or ``Col.MSOA_NAME`` (without any: "<LA> 1", ...).
    ``fixed`` names (a user's, for locked neighbourhoods) are kept as they are and no other takes them.
    """
    fixed = {k: v for k, v in (fixed or {}).items() if k in set(ids) and v}
    n = len(units)

    def col(c: str) -> np.ndarray:
        if c not in units.columns:
            return np.full(n, "", dtype=object)
        return units[c].astype("string").fillna("").to_numpy(dtype=object)

    msoa = col(Col.MSOA_NAME)
    pts = units.geometry.representative_point() if hasattr(units, "geometry") else None
    df = pd.DataFrame({"part": np.asarray(labels, dtype=object), "la": units[Col.LA_NAME].astype(str).to_numpy(),
                       "msoa": msoa, "ward": col(Col.WARD_NAME), "pop": units[Col.POP].to_numpy(dtype=float),
                       "gn": unit_places(units),
                       "x": pts.x.to_numpy() if pts is not None else 0.0,
                       "y": pts.y.to_numpy() if pts is not None else 0.0})
    df["town"] = [settlement(m) if m else "" for m in df["msoa"]]
    df["wtown"] = [settlement(m) if m else "" for m in df["ward"]]
    w = df["pop"].to_numpy() + 1e-9
    agg = df.assign(w=w, wx=df["x"] * w, wy=df["y"] * w).groupby("part", sort=False)[["pop", "w", "wx", "wy"]].sum()
    sums: dict[str, tuple[float, float, float, float]] = {
        str(k): (float(a), float(b), float(c), float(d)) for k, a, b, c, d in zip(
            agg.index.tolist(), agg["pop"].tolist(), agg["w"].tolist(), agg["wx"].tolist(), agg["wy"].tolist(),
            strict=True)}
    ranked = {c: _ranked(df, c) for c in ("la", "gn", "wtown", "ward", "town", "msoa")}
    la_of: dict[str, str] = {}
    top: dict[str, tuple[str, float]] = {}
    centre: dict[str, tuple[float, float]] = {}
    local: dict[str, list[str]] = {}
    second: dict[str, str] = {}  # the largest place, with the next when a tenth live there
    for pid in ids:
        if pid not in sums:
            la_of[pid], local[pid] = "", []
            continue
        ppop, pw, pwx, pwy = sums[pid]
        la_of[pid] = ranked["la"].get(pid, [("", 0.0)])[0][0]
        total = ppop or 1.0
        by = ranked["gn"].get(pid, [])
        top[pid] = (by[0][0], by[0][1] / total) if by else ("", 0.0)
        if len(by) > 1 and by[1][1] / total >= 0.1:
            second[pid] = _join(by[0][0], by[1][0])
        elif by:
            second[pid] = by[0][0]
        centre[pid] = (pwx / pw, pwy / pw)
        # local names: wards where the units have them, else MSOA towns
        local[pid] = (_local(ranked["wtown"].get(pid, []), total) + _local(ranked["ward"].get(pid, []), total)
                      or _local(ranked["town"].get(pid, []), total) + _local(ranked["msoa"].get(pid, []), total))
    # a town names the neighbourhoods where MIN_SHARE of the people live in it (up to MAX_SHARED of them)
    sharing: dict[tuple[str, str], list[str]] = {}
    for pid in ids:
        if pid in fixed or pid not in top:
            continue
        place, share = top[pid]
        if place and share >= MIN_SHARE:
            sharing.setdefault((la_of[pid], place), []).append(pid)
    cands: dict[str, list[str]] = {}
    for (_, place), members in sharing.items():
        if len(members) > MAX_SHARED:
            continue
        words = compass_words(members, centre) if len(members) > 1 else {members[0]: ""}
        for m in members:
            cands[m] = [fit_length("", f"{place} {words[m]}".strip()), *local[m]]
    numbered: dict[str, int] = {}
    for pid in ids:
        if pid in fixed:
            cands[pid] = [fixed[pid]]
        elif pid not in cands:
            if pid in second and top[pid][1] >= TOWN_SHARE and top[pid][0] not in {t[1] for t in sharing}:
                cands[pid] = [fit_length("", second[pid]), *local[pid]]
            elif local[pid]:
                cands[pid] = list(local[pid])
            else:
                la = la_of[pid] or str(pid)
                numbered[la] = numbered.get(la, 0) + 1
                cands[pid] = [fit_length("", f"{la} {numbered[la]}")]
    names = {pid: cands[pid][0] for pid in ids}
    _tell_apart(names, cands, la_of, set(fixed), list(ids))
    return names


def _tell_apart(names: dict[str, str], cands: dict[str, list[str]], la_of: dict[str, str], fixed: set[str],
                ids: list[str]) -> None:
    """Make ``names`` unique in place: inside one LA by another candidate; across LAs with the LA in brackets;
    then by number (a fixed name never changes)."""
    for _ in range(4):
        by_la: dict[tuple[str, str], list[str]] = {}
        for pid in ids:
            by_la.setdefault((la_of[pid], names[pid]), []).append(pid)
        clash = [pid for same in by_la.values() if len(same) > 1 for pid in same[1:] if pid not in fixed]
        if not clash:
            break
        taken = set(names.values())
        for pid in clash:
            alt = next((c for c in cands[pid] if c != names[pid] and c not in taken), None)
            if alt is not None:
                taken.add(alt)
                names[pid] = alt
    count: dict[str, set[str]] = {}
    for pid in ids:
        count.setdefault(names[pid], set()).add(la_of[pid])
    for pid in ids:
        if pid not in fixed and len(count[names[pid]]) > 1 and la_of[pid]:
            form = f"{names[pid]} ({la_of[pid]})"
            names[pid] = form if len(form) <= MAX_LEN else fit_length("", names[pid], MAX_LEN - len(la_of[pid]) - 3) \
                + f" ({la_of[pid]})"
    seen: dict[str, int] = {}
    total: dict[str, int] = {}
    for pid in ids:
        total[names[pid]] = total.get(names[pid], 0) + 1
    for pid in ids:  # still the same: number them, in id order
        base = names[pid]
        if total[base] > 1 and pid not in fixed:
            seen[base] = seen.get(base, 0) + 1
            suffix = f" ({seen[base]})"
            names[pid] = (base if len(base) + len(suffix) <= MAX_LEN else base[: MAX_LEN - len(suffix) - 1] + "…") \
                + suffix
