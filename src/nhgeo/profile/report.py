"""Profiles as JSON-ready data: what ``summary.json`` and validation JSON carry under ``profile``."""

from __future__ import annotations

import math
from typing import Any

from ..sources.health import AGE_BANDS, QOF_REGISTERS
from .compute import REFERENCE, TOP_FIFTH, AreaProfile, Profiles, vintages
from .measures import CENSUS_MEASURES, MEASURES, NEED_MEASURES


def _pct(x: float) -> float | None:
    return round(x, 2) if math.isfinite(x) else None


def area_to_dict(a: AreaProfile, *, place: bool = False) -> dict[str, Any]:
    """One neighbourhood's (or place's) profile: ``bad_health_pct`` ... ``qof.DM.{count, prevalence_pct}``."""
    c = a.counts
    residents = float(c["residents"])
    d: dict[str, Any] = {"id": a.id, "name": a.name}
    if not place:
        d["place"] = a.place or None
    d["residents"] = int(round(residents))
    d["age_bands"] = {band: int(round(float(c[band]))) for band in AGE_BANDS}
    d["age_pct"] = {band: _pct(100.0 * float(c[band]) / residents) if residents else None for band in AGE_BANDS}
    imd = {str(k): int(round(float(c[f"imd_{k}"]))) for k in range(1, 11)}
    d["imd_deciles"] = imd
    d["most_deprived_fifth_pct"] = _pct(100.0 * (imd["1"] + imd["2"]) / residents) if residents else None
    for m in CENSUS_MEASURES:
        d[m.key] = _pct(a.values[m.key])
    d["qof"] = {reg: {"count": int(round(float(c[reg]))), "prevalence_pct": _pct(a.values[f"qof.{reg}.prevalence_pct"])}
                for reg in QOF_REGISTERS}
    d["registered"] = int(round(float(c["registered"])))
    d["registered_per_resident"] = round(float(c["registered"]) / residents, 3) if residents else None
    if not place:
        d["england_decile"] = dict(a.england_decile)
        d["top_fifth_in_place"] = list(a.top_fifth_in_place)
    else:
        d["inequality"] = a.inequality
    return d


def profile_to_dict(p: Profiles) -> dict[str, Any]:
    """The whole profile block: vintages and methods, the reference of the deciles, every neighbourhood and place,
    and the widest inequality found."""
    if not p.available:
        return {"available": False, "notes": p.notes}
    return {
        "available": True, "vintages": vintages(), "england_decile_reference": REFERENCE, "top_fifth": TOP_FIFTH,
        "measures": {m.key: m.label for m in MEASURES.values()},
        "ranked_measures": [m.key for m in NEED_MEASURES],
        "neighbourhoods": [area_to_dict(h) for h in p.neighbourhoods],
        "places": [area_to_dict(pl, place=True) for pl in p.places],
        "widest_inequality": p.widest_inequality(), "notes": p.notes,
    }


__all__ = ["area_to_dict", "profile_to_dict"]
