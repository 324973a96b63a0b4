"""Choose the units of a place by name or code, with "did you mean".

A place is any of (first match wins when one name means two areas): local authority, upper-tier
authority (county or unitary: ``Kent``, ``East Sussex``), Health and Wellbeing Board, ICB and sub-ICB
location of the chosen ICB vintage, region, combined authority (the data's pre-2024 list of 10), the
other ICB vintage's ICBs and sub-ICB locations (e.g. ``North Central London``, a 2024 ICB, when 2026 is
chosen), or ``england``. Several places: comma-separated. A prefix picks the kind when a name is shared:
``ca:North East`` (the combined authority, not the region), ``hwb:E09000012``, ``icb2024:Frimley``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from ..errors import InputError
from .columns import Col

PLACE_HINT = ("give a local authority ('Camden' or E09000007), a county or unitary ('Kent'), a Health and Wellbeing "
              "Board, a sub-ICB location, an ICB (2026 or 2024 name or code), a region, a combined authority "
              "(only the data's pre-2024 list of 10, e.g. 'Greater Manchester', 'Sheffield City Region'; later ones "
              "are not in it), or 'england'")


@dataclass(frozen=True)
class PlaceMatch:
    """What a name given as ``--place`` resolved to."""

    kind: str  # e.g. "local authority", "ICB 2026"
    column: str  # the unit column holding the code
    code: str
    name: str

    def label(self) -> str:
        """'Kent (upper-tier authority, E10000016)'."""
        return f"{self.name} ({self.kind}, {self.code})"


def _norm(s: str) -> str:
    s = s.lower().replace("&", "and")
    return re.sub(r"[^a-z0-9]+", " ", s).strip()


def _short_icb(name: str) -> str:
    """'NHS North East London Integrated Care Board' -> 'north east london'."""
    n = _norm(name)
    n = re.sub(r"^nhs ", "", n)
    return re.sub(r" integrated care board$| icb$", "", n).strip()


def _aliases(prefix: str, name: str) -> list[str]:
    """Other ways people write the name of an area of this kind."""
    n = _norm(name)
    if prefix == "icb":
        short = _short_icb(name)
        return [short, short + " icb", short + " integrated care board"]
    if prefix == "sicbl":  # 'NHS North East London ICB - A3A8R': also 'north east london icb a3a8r', 'a3a8r'
        tail = n.rsplit(" ", 1)[-1]
        return [re.sub(r"^nhs ", "", n), tail]
    if prefix == "hwb":
        return [n + " hwb", n + " health and wellbeing board"]
    if prefix == "ca":
        return [n + " ca", n + " combined authority"]
    if prefix == "utla":
        return [n + " county", n + " county council"]
    return []


def _levels(units: gpd.GeoDataFrame) -> list[tuple[str, str, str, str]]:
    """(prefix, kind, code column, name column) in order of precedence, for the columns ``units`` has."""
    v = units.attrs.get("icb_vintage")
    other = {2026: 2024, 2024: 2026}.get(int(v)) if v is not None else None
    icb_kind = f"ICB {v}" if v is not None else "ICB"
    levels = [
        ("la", "local authority", Col.LA, Col.LA_NAME),
        ("utla", "upper-tier authority", Col.UTLA, Col.UTLA_NAME),
        ("hwb", "Health and Wellbeing Board", Col.HWB, Col.HWB_NAME),
        ("icb", icb_kind, Col.ICB, Col.ICB_NAME),
        ("sicbl", f"sub-ICB location {v}" if v is not None else "sub-ICB location", Col.SICBL, Col.SICBL_NAME),
        ("region", "region", Col.REGION, Col.REGION_NAME),
        ("ca", "combined authority (pre-2024 list)", Col.CAUTH, Col.CAUTH_NAME),
        ("icb", f"ICB {other}", Col.ICB_OTHER, Col.ICB_OTHER_NAME),
        ("sicbl", f"sub-ICB location {other}", Col.SICBL_OTHER, Col.SICBL_OTHER_NAME),
    ]
    return [lv for lv in levels if lv[2] in units.columns and lv[3] in units.columns]


_PREFIXES = {"la": ("la",), "lad": ("la",), "utla": ("utla",), "county": ("utla",), "hwb": ("hwb",),
             "icb": ("icb",), "icb2026": ("icb",), "icb2024": ("icb",), "subicb": ("sicbl",), "sicbl": ("sicbl",),
             "region": ("region",), "ca": ("ca",), "cauth": ("ca",)}


def place_index(units: gpd.GeoDataFrame, only: Sequence[str] | None = None,
                year: str = "") -> dict[str, PlaceMatch]:
    """Every name or code a user may type (normalised) -> what it selects; earlier kinds win a shared name.

    ``only`` keeps some kinds (by prefix: la, utla, hwb, icb, sicbl, region, ca); ``year`` those of one vintage.
    """
    index: dict[str, PlaceMatch] = {}
    for prefix, kind, code_col, name_col in _levels(units):
        if (only is not None and prefix not in only) or not kind.endswith(year):
            continue
        pairs = units[[code_col, name_col]].dropna().drop_duplicates()
        for code, name in pairs.itertuples(index=False):
            code, name = str(code), str(name)
            if code == "UNKNOWN":
                continue
            match = PlaceMatch(kind, code_col, code, name)
            for key in (_norm(code), _norm(name), *_aliases(prefix, name)):
                index.setdefault(key, match)
    return index


def place_names(units: gpd.GeoDataFrame) -> dict[str, tuple[str, str]]:
    """Every name a user may type (normalised) -> (column, code)."""
    return {k: (m.column, m.code) for k, m in place_index(units).items()}


def match_place(units: gpd.GeoDataFrame, part: str,
                index: dict[str, PlaceMatch] | None = None) -> PlaceMatch | None:
    """What one name or code means (None for 'england'); unknown names raise with suggestions.

    ``index`` is :func:`place_index` of ``units`` when the caller already has it.
    """
    text = part.strip()
    key = _norm(text)
    if key in ("england", "all", "all england"):
        return None
    head, sep, rest = text.partition(":")
    prefix = _norm(head).replace(" ", "") if sep else ""
    if prefix in _PREFIXES:
        key = _norm(rest)
        index = place_index(units, _PREFIXES[prefix], prefix[3:] if prefix.startswith("icb") else "")
    elif index is None:
        index = place_index(units)
    if key in index:
        return index[key]
    close = difflib.get_close_matches(key, list(index), n=6, cutoff=0.6)
    first: dict[str, str] = {}  # one suggestion per name (an LA and its HWB of the same name are one area)
    for c in close:
        first.setdefault(index[c].name, index[c].kind)
    labels = [f"{n!r} ({k})" for n, k in first.items()][:3]
    hint = f"; did you mean {' or '.join(labels)}?" if labels else f"; {PLACE_HINT}"
    raise InputError(f"unknown place {text!r}{hint}")


def _parts(place: str | Sequence[str], index: dict[str, PlaceMatch] | None = None) -> list[str]:
    """The names in ``place``: split on commas, except where the words around a comma make one known name
    ("Bristol, City of", "Herefordshire, County of")."""
    raw = [p.strip() for p in (place.split(",") if isinstance(place, str) else place)]
    parts: list[str] = []
    i = 0
    while i < len(raw):
        j = next((j for j in range(len(raw), i + 1, -1) if index is not None and isinstance(place, str)
                  and _norm(", ".join(raw[i:j])) in index), i + 1)
        parts.append(", ".join(raw[i:j]))
        i = j
    parts = [p for p in parts if p.strip()]
    if not parts:
        raise InputError(f"empty --place; {PLACE_HINT}")
    return parts


def _resolve(units: gpd.GeoDataFrame, place: str | Sequence[str]) -> tuple[pd.Series, list[str]]:
    index = place_index(units)
    mask = pd.Series(False, index=units.index)
    labels = []
    for part in _parts(place, index):
        m = match_place(units, part, index)
        if m is None:
            mask[:] = True
            labels.append("England")
            continue
        mask |= (units[m.column].astype("string") == m.code).fillna(False).astype(bool)
        labels.append(m.label())
    if not mask.any():
        raise InputError(f"place {place!r} contains no units in these boundaries")
    return mask, labels


def resolve_place(units: gpd.GeoDataFrame, place: str | Sequence[str]) -> pd.Series:
    """Boolean mask of the units in ``place`` (comma-separated or a list of names/codes)."""
    return _resolve(units, place)[0]


def select_place(units: gpd.GeoDataFrame, place: str | Sequence[str] | None) -> gpd.GeoDataFrame:
    """The subset of ``units`` in ``place`` (all when ``place`` is None), re-indexed 0..n-1.

    ``attrs["place"]`` keeps what was asked and ``attrs["place_matches"]`` what it was taken to mean.
    """
    labels: list[str] = []
    if place is None:
        sub = units
    else:
        mask, labels = _resolve(units, place)
        sub = units[mask.to_numpy()]
    out = sub.reset_index(drop=True)
    out.attrs.update(units.attrs)
    out.attrs["place"] = place if isinstance(place, str) or place is None else ",".join(place)
    out.attrs["place_matches"] = labels
    return out
