"""Choose the units of a place: LA names/codes, ICBs, regions or ``england``, with "did you mean"."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

import geopandas as gpd
import pandas as pd

from .errors import InputError

_LEVELS = (("la_code", "la_name"), ("icb_code", "icb_name"), ("region_code", "region_name"))


def _norm(s: str) -> str:
    s = s.lower().replace("&", "and")
    return re.sub(r"[^a-z0-9]+", " ", s).strip()


def _short_icb(name: str) -> str:
    """'NHS North East London Integrated Care Board' -> 'north east london'."""
    n = _norm(name)
    n = re.sub(r"^nhs ", "", n)
    return re.sub(r" integrated care board$| icb$", "", n).strip()


def place_names(units: gpd.GeoDataFrame) -> dict[str, tuple[str, str]]:
    """Every name a user may type (normalised) -> (column, code)."""
    names: dict[str, tuple[str, str]] = {}
    for code_col, name_col in _LEVELS:
        pairs = units[[code_col, name_col]].dropna().drop_duplicates()
        for code, name in pairs.itertuples(index=False):
            names[_norm(str(code))] = (code_col, str(code))
            names[_norm(str(name))] = (code_col, str(code))
            if code_col == "icb_code":
                names[_short_icb(str(name))] = (code_col, str(code))
                names[_short_icb(str(name)) + " icb"] = (code_col, str(code))
    return names


def resolve_place(units: gpd.GeoDataFrame, place: str | Sequence[str]) -> pd.Series:
    """Boolean mask of the units in ``place`` (comma-separated or a list of names/codes)."""
    parts = [p.strip() for p in (place.split(",") if isinstance(place, str) else place) if p.strip()]
    if not parts:
        raise InputError("empty --place; give an LA, ICB or region name or code, or 'england'")
    names = place_names(units)
    mask = pd.Series(False, index=units.index)
    for part in parts:
        key = _norm(part)
        if key in ("england", "all", "all england"):
            mask[:] = True
            continue
        if key not in names:
            close = difflib.get_close_matches(key, list(names), n=3, cutoff=0.6)
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else \
                "; give an LA (e.g. 'Camden' or E09000007), an ICB, a region, or 'england'"
            raise InputError(f"unknown place {part!r}{hint}")
        col, code = names[key]
        mask |= units[col].astype("string") == code
    if not mask.any():
        raise InputError(f"place {place!r} contains no units in these boundaries")
    return mask


def select_place(units: gpd.GeoDataFrame, place: str | Sequence[str] | None) -> gpd.GeoDataFrame:
    """The subset of ``units`` in ``place`` (all when ``place`` is None), re-indexed 0..n-1."""
    sub = units if place is None else units[resolve_place(units, place).to_numpy()]
    out = sub.reset_index(drop=True)
    out.attrs.update(units.attrs)
    out.attrs["place"] = place if isinstance(place, str) or place is None else ",".join(place)
    return out
