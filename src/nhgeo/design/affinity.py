"""Edge weights that make the partition keep wards and PCN catchments whole (``propose --align``).

The partition's local search (:mod:`nhgeo.refine`) minimises the summed cost of the edges it cuts
(one per cut edge plus the perimeter it adds). Multiplying that cost by a factor ``>= 1`` for edges
*inside* something that should stay whole makes the search cut elsewhere where the band and
contiguity allow; both stay hard constraints, only the preference changes.

* **ward**: an edge between two LSOAs of the same 2024 electoral ward costs ``1 + WARD_WEIGHT`` times
  as much to cut, so boundaries run along ward lines.
* **pcn**: each LSOA's registered patients are shared among PCNs (GP registrations July 2022, practices
  mapped to their July 2026 PCN by ``read_practice_map``; practices not in that map are left out). The
  affinity of two LSOAs is ``Σ_pcn min(share_u, share_v)`` (0: no PCN in common, 1: the same mix); the cut
  cost is multiplied by ``1 + PCN_WEIGHT × affinity ** PCN_POWER``, so boundaries run where patients' PCNs change.
  Then a greedy polish (:class:`PcnPolish`, after the shape search of each region) moves units on the cut into
  the neighbourhood where most patients of their PCNs live, while that outweighs the extra cut cost
  (``PCN_SCALE`` patients per cost unit).

The factors of several settings multiply. Units without the data (LSOA 2011, user boundaries without
wards) get factor 1: the setting then changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..check.alignment import read_registrations
from ..errors import InputError
from ..sources.columns import Col
from .refine import _still_connected

WARD_WEIGHT = 0.75  # extra cut cost (times the edge's cost) of an edge inside one ward (tuned on London)
WARD_WEIGHT_WITH_PCN = 1.5  # with --align ward,pcn: the PCN polish crosses ward lines, so wards weigh more
PCN_WEIGHT = 1.0  # extra cut cost at full PCN affinity (same patient mix; tuned on London)
PCN_SCALE = 200.0  # PCN polish: patients moved into their PCN's main neighbourhood worth one cut-cost unit
PCN_POWER = 4.0  # affinity ** PCN_POWER: neighbours mostly share PCNs (London median 0.81), so sharpen it
ALIGN_CHOICES = ("ward", "pcn")
DEFAULT_ALIGN: tuple[str, ...] = ("ward",)


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


def wards_of(units: pd.DataFrame) -> np.ndarray | None:
    """Each unit's ward code ("" unknown), or None when the units carry no wards."""
    if Col.WARD not in units.columns:
        return None
    return np.asarray(units[Col.WARD].astype("string").fillna("").to_numpy(dtype=object).astype(str))


def ward_factor(units: pd.DataFrame, u: np.ndarray, v: np.ndarray, weight: float = WARD_WEIGHT) -> np.ndarray:
    """Cut-cost factor per edge ``(u[i], v[i])`` (unit positions): ``1 + weight`` inside one ward, else 1."""
    ward = wards_of(units)
    return np.ones(len(u)) if ward is None else _ward_factor(ward, u, v, weight)


def _ward_factor(ward: np.ndarray, u: np.ndarray, v: np.ndarray, weight: float) -> np.ndarray:
    out = np.ones(len(u))
    out[(ward[u] == ward[v]) & (ward[u] != "")] += weight
    return out


def registrations(units: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Each unit's patients by PCN as sparse rows: (unit position, PCN index, patients), sorted by unit, PCN.

    Current practices only (``practice_current``); None when no unit has registrations (not LSOA 2021 codes).
    """
    codes = units[Col.CODE].astype(str).to_numpy()
    reg = read_registrations(codes)
    reg = reg[reg["practice_current"] & reg["pcn_code"].notna()]
    if reg.empty:
        return None
    pos = pd.Series(np.arange(len(codes)), index=codes)
    by = reg.groupby(["lsoa21cd", "pcn_code"], sort=True)["patients"].sum().reset_index()
    unit = by["lsoa21cd"].astype(str).map(pos).to_numpy(dtype=np.int64)
    pcn = pd.factorize(by["pcn_code"].astype(str), sort=True)[0].astype(np.int64)
    pat = by["patients"].to_numpy(dtype=float)
    order = np.lexsort((pcn, unit))
    return unit[order], pcn[order], pat[order]


def shares(reg: tuple[np.ndarray, np.ndarray, np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`registrations` rows as shares of each unit's patients: (unit position, PCN index, share)."""
    unit, pcn, pat = reg
    tot = np.bincount(unit, weights=pat, minlength=n)
    return unit, pcn, pat / np.maximum(tot[unit], 1e-9)


@dataclass
class Aligner:
    """The soft alignment of one set of units: cut-cost factors per edge, and a PCN polish per region."""

    n: int
    ward: np.ndarray | None = None  # ward code per unit ("" unknown)
    reg: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # registrations(): unit, PCN, patients
    ward_weight: float = WARD_WEIGHT
    pcn_weight: float = PCN_WEIGHT
    pcn_power: float = PCN_POWER
    pcn_scale: float = PCN_SCALE
    _shares: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.reg is not None:
            self._shares = shares(self.reg, self.n)

    def __call__(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Cut-cost factor (>= 1) of each edge ``(u[i], v[i])`` (unit positions)."""
        out = np.ones(len(u)) if self.ward is None else _ward_factor(self.ward, u, v, self.ward_weight)
        if self._shares is not None:
            out *= 1.0 + self.pcn_weight * _affinity_rows(self._shares, self.n, u, v) ** self.pcn_power
        return out

    def region_polish(self, nodes: np.ndarray, atom: np.ndarray) -> PcnPolish | None:
        """The PCN polish of one region (``nodes``: its unit positions, ``atom``: each one's problem node)."""
        if self.reg is None or self.pcn_scale <= 0:
            return None
        unit, pcn, pat = self.reg
        node = np.full(self.n, -1, dtype=np.int64)
        node[nodes] = atom
        keep = node[unit] >= 0
        if not keep.any():
            return None
        pcn, pat = pcn[keep], pat[keep]
        return PcnPolish(node=node[unit][keep], pcn=pcn, patients=pat, scale=self.pcn_scale)


def edge_weight(units: pd.DataFrame, align: Iterable[str], *, vintage: int = 2021, ward_weight: float | None = None,
                pcn_weight: float = PCN_WEIGHT, pcn_power: float = PCN_POWER, pcn_scale: float = PCN_SCALE
                ) -> Aligner | None:
    """The :class:`Aligner` for ``align`` (a callable (u, v) -> cut-cost factor >= 1); None when nothing to do.

    The registrations are read once here; the result is cheap and deterministic. Registrations are on
    LSOA 2021 codes: with another ``vintage`` the PCN setting does nothing (as :func:`nhgeo.alignment.pcn_alignment`).
    """
    settings = set(align)
    if not settings <= set(ALIGN_CHOICES):
        raise InputError(f"unknown alignment {sorted(settings - set(ALIGN_CHOICES))}: use {ALIGN_CHOICES}")
    reg = registrations(units) if "pcn" in settings and vintage == 2021 else None
    ward = wards_of(units) if "ward" in settings else None
    if ward is None and reg is None:
        return None
    if ward_weight is None:
        ward_weight = WARD_WEIGHT_WITH_PCN if reg is not None else WARD_WEIGHT
    return Aligner(n=len(units), ward=ward, reg=reg, ward_weight=ward_weight, pcn_weight=pcn_weight,
                   pcn_power=pcn_power, pcn_scale=pcn_scale)


@dataclass
class PcnPolish:
    """Greedy sweeps that move units on the cut towards the main neighbourhood of their patients' PCNs.

    Each sweep fixes every PCN's main part (most of its patients in the region); moving unit ``i`` from
    ``a`` to ``b`` gains the patients of ``i`` whose PCN's main part is ``b`` minus those whose main part is
    ``a``, divided by ``scale`` (patients per cost unit), minus the change of the cut cost. A move is made
    when that is positive and it keeps the rules of :func:`nhgeo.refine.refine` (donor connected and
    non-empty, no band violation grows).
    """

    node: np.ndarray  # problem node of each registration row
    pcn: np.ndarray
    patients: np.ndarray
    scale: float = PCN_SCALE
    sweeps: int = 20

    def __call__(self, labels: np.ndarray, pop: np.ndarray, nbrs: list[list[int]], costs: list[list[float]],
                 lo: float, hi: float) -> np.ndarray:
        n = len(labels)
        k = int(labels.max()) + 1 if n else 0
        if n < 2 or k < 2 or len(self.node) == 0:
            return labels.copy()
        lab = [int(x) for x in labels]
        pl = [float(x) for x in pop]
        pops = np.bincount(labels, weights=pop, minlength=k).tolist()
        size = np.bincount(labels, minlength=k).tolist()
        npcn = int(self.pcn.max()) + 1
        rows: list[list[tuple[int, float]]] = [[] for _ in range(n)]
        for i, p, x in zip(self.node.tolist(), self.pcn.tolist(), self.patients.tolist(), strict=True):
            rows[i].append((p, x))

        def viol(x: float) -> float:
            return lo - x if x < lo else (x - hi if x > hi else 0.0)

        for _ in range(self.sweeps):
            cur = np.asarray(lab, dtype=np.int64)
            m = np.zeros((npcn, k))
            np.add.at(m, (self.pcn, cur[self.node]), self.patients)
            main = m.argmax(axis=1).tolist()
            moved = 0
            for i in range(n):
                a = lab[i]
                into: dict[int, float] = {}
                for w, c in zip(nbrs[i], costs[i], strict=True):
                    into[lab[w]] = into.get(lab[w], 0.0) + c
                if (len(into) == 1 and a in into) or not rows[i]:
                    continue
                best, best_b = 1e-9, -1
                for b in sorted(into):
                    if b == a:
                        continue
                    gain = sum(x if main[p] == b else (-x if main[p] == a else 0.0) for p, x in rows[i])
                    score = gain / self.scale - (into.get(a, 0.0) - into[b])
                    if score > best:
                        best, best_b = score, b
                if best_b < 0 or size[a] <= 1:
                    continue
                b, p_i = best_b, pl[i]
                if viol(pops[a] - p_i) > viol(pops[a]) + 1e-9 or viol(pops[b] + p_i) > viol(pops[b]) + 1e-9:
                    continue
                if not _still_connected(a, i, lab, nbrs):
                    continue
                lab[i] = b
                pops[a] -= p_i
                pops[b] += p_i
                size[a] -= 1
                size[b] += 1
                moved += 1
            if not moved:
                break
        return np.asarray(lab, dtype=np.int64)


def _affinity_rows(rows: tuple[np.ndarray, np.ndarray, np.ndarray], n: int, u: np.ndarray, v: np.ndarray
                   ) -> np.ndarray:
    """``Σ_pcn min(share_u, share_v)`` per edge from :func:`shares` rows."""
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
