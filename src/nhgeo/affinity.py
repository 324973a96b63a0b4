"""Edge weights that make the partition keep wards and PCN catchments whole (``propose --align``).

The partition's local search (:mod:`nhgeo.refine`) minimises the summed cost of the edges it cuts
(one per cut edge plus the perimeter it adds). Multiplying that cost by a factor ``>= 1`` for edges
*inside* something that should stay whole makes the search cut elsewhere where the band and
contiguity allow; both stay hard constraints, only the preference changes.

* **ward**: an edge between two LSOAs of the same 2024 electoral ward costs ``1 + WARD_WEIGHT`` times
  as much to cut, so boundaries run along ward lines.
* **pcn**: each LSOA's registered patients are shared among PCNs (GP registrations July 2022, practices
  mapped to their current PCN; practices no longer current are left out). The affinity of two LSOAs is
  ``Σ_pcn min(share_u, share_v)`` (0: no PCN in common, 1: the same mix); the cut cost is multiplied by
  ``1 + PCN_WEIGHT × affinity ** PCN_POWER``, so boundaries run where patients' PCNs change.

The factors of several settings multiply. Units without the data (LSOA 2011, user boundaries without
wards) get factor 1: the setting then changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from .columns import Col
from .data import get_path
from .errors import InputError

WARD_WEIGHT = 0.75  # extra cut cost (times the edge's cost) of an edge inside one ward (tuned on London)
PCN_WEIGHT = 3.0  # extra cut cost at full PCN affinity (same patient mix)
PCN_POWER = 4.0  # affinity ** PCN_POWER: neighbours mostly share PCNs (London median 0.81), so sharpen it
ALIGN_CHOICES = ("ward", "pcn")
DEFAULT_ALIGN: tuple[str, ...] = ("ward",)

EdgeWeight = Callable[[np.ndarray, np.ndarray], np.ndarray]


def parse_align(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """``"ward"``, ``"pcn"``, ``"ward,pcn"``, ``"none"`` (or a sequence of these) -> sorted settings."""
    if value is None:
        return DEFAULT_ALIGN
    parts = [p.strip().lower() for p in (value.split(",") if isinstance(value, str) else value)]
    parts = [p for p in parts if p]
    if parts == ["none"]:
        return ()
    bad = [p for p in parts if p not in ALIGN_CHOICES]
    if bad or not parts:
        raise InputError(f"--align takes ward, pcn, ward,pcn or none, not {','.join(parts) or repr(value)!r}")
    return tuple(sorted(set(parts)))


def align_flag(settings: tuple[str, ...]) -> str:
    """The ``--align`` option that reproduces ``settings`` ("" for the default)."""
    if settings == DEFAULT_ALIGN:
        return ""
    return f" --align {','.join(settings) or 'none'}"


def ward_factor(units: pd.DataFrame, u: np.ndarray, v: np.ndarray, weight: float = WARD_WEIGHT) -> np.ndarray:
    """Cut-cost factor per edge ``(u[i], v[i])`` (unit positions): ``1 + weight`` inside one ward, else 1."""
    out = np.ones(len(u))
    if Col.WARD not in units.columns:
        return out
    ward = units[Col.WARD].astype("string").fillna("").to_numpy(dtype=object).astype(str)
    same = (ward[u] == ward[v]) & (ward[u] != "")
    out[same] += weight
    return out


def pcn_shares(units: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Each unit's patients by PCN as sparse rows: (unit position, PCN index, share), sorted by unit.

    None when the units have no registrations (not LSOA 2021 codes).
    """
    codes = units[Col.CODE].astype(str).to_numpy()
    reg = pd.read_parquet(get_path("gp_registrations"),
                          columns=["lsoa21cd", "patients", "pcn_code", "practice_current"])
    reg = reg[reg["practice_current"] & reg["pcn_code"].notna() & reg["lsoa21cd"].isin(codes)]
    if reg.empty:
        return None
    pos = pd.Series(np.arange(len(codes)), index=codes)
    by = reg.groupby(["lsoa21cd", "pcn_code"], sort=True)["patients"].sum().reset_index()
    unit = by["lsoa21cd"].astype(str).map(pos).to_numpy(dtype=np.int64)
    pcn = pd.factorize(by["pcn_code"].astype(str), sort=True)[0]
    pat = by["patients"].to_numpy(dtype=float)
    tot = np.bincount(unit, weights=pat, minlength=len(codes))
    share = pat / np.maximum(tot[unit], 1e-9)
    order = np.lexsort((pcn, unit))
    return unit[order], pcn[order], share[order]


def pcn_affinity(units: pd.DataFrame, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``Σ_pcn min(share_u, share_v)`` per edge (0..1); 0 where a unit has no registrations."""
    rows = pcn_shares(units)
    return np.zeros(len(u)) if rows is None else _affinity_rows(rows, len(units), u, v)


def pcn_factor(units: pd.DataFrame, u: np.ndarray, v: np.ndarray, weight: float = PCN_WEIGHT,
               power: float = PCN_POWER) -> np.ndarray:
    """Cut-cost factor per edge: ``1 + weight × affinity ** power``."""
    return 1.0 + weight * pcn_affinity(units, u, v) ** power


def edge_weight(units: pd.DataFrame, align: Iterable[str], *, vintage: int = 2021, ward_weight: float = WARD_WEIGHT,
                pcn_weight: float = PCN_WEIGHT, pcn_power: float = PCN_POWER) -> EdgeWeight | None:
    """A function (unit positions u, v) -> cut-cost factor (>= 1) for ``align``; None when nothing to do.

    The PCN shares are read once here; the function is cheap and deterministic. Registrations are on
    LSOA 2021 codes: with another ``vintage`` the PCN setting does nothing (as :func:`nhgeo.alignment.pcn_alignment`).
    """
    settings = set(align)
    if not settings <= set(ALIGN_CHOICES):
        raise InputError(f"unknown alignment {sorted(settings - set(ALIGN_CHOICES))}: use {ALIGN_CHOICES}")
    if not settings:
        return None
    rows = pcn_shares(units) if "pcn" in settings and vintage == 2021 else None
    ward = None
    if "ward" in settings and Col.WARD in units.columns:
        ward = units[Col.WARD].astype("string").fillna("").to_numpy(dtype=object).astype(str)
    if ward is None and rows is None:
        return None
    n = len(units)

    def factor(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        out = np.ones(len(u))
        if ward is not None:
            out[(ward[u] == ward[v]) & (ward[u] != "")] *= 1.0 + ward_weight
        if rows is not None:
            out *= 1.0 + pcn_weight * _affinity_rows(rows, n, u, v) ** pcn_power
        return out

    return factor


def _affinity_rows(rows: tuple[np.ndarray, np.ndarray, np.ndarray], n: int, u: np.ndarray, v: np.ndarray
                   ) -> np.ndarray:
    """``Σ_pcn min(share_u, share_v)`` per edge from :func:`pcn_shares` rows."""
    unit, pcn, share = rows
    if len(u) == 0 or len(unit) == 0:
        return np.zeros(len(u))
    npcn = int(pcn.max()) + 1
    key = unit.astype(np.int64) * npcn + pcn
    starts = np.searchsorted(unit, np.arange(n + 1))
    lo, hi = starts[u], starts[u + 1]
    cnt = hi - lo
    edge = np.repeat(np.arange(len(u)), cnt)
    idx = np.repeat(lo - np.cumsum(cnt) + cnt, cnt) + np.arange(int(cnt.sum()))
    want = v[edge].astype(np.int64) * npcn + pcn[idx]
    at = np.minimum(np.searchsorted(key, want), len(key) - 1)
    hit = key[at] == want
    common = np.minimum(share[idx][hit], share[at][hit])
    return np.clip(np.bincount(edge[hit], weights=common, minlength=len(u)), 0.0, 1.0)
