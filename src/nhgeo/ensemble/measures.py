"""The measures an ensemble reports for every plan, vectorised (one pass of NumPy per plan), and the
diagnostics of the chains (R-hat, effective sample size) and of the plans' diversity (VI distance).

The measures are those :mod:`nhgeo.check.metrics` and :mod:`nhgeo.check.alignment` give a footprint, computed
the same way (Polsby-Popper from unit areas and perimeters less the shared border, rounded to 4 places; wards
split = wards whose LSOAs lie in more than one neighbourhood; PCN main share from where patients live), so a
footprint's value and the ensemble's distribution are comparable figure for figure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from ..check.alignment import read_registrations
from ..model import Col, Study

__all__ = ["MEASURES", "PlanMeasurer", "ess", "rhat", "vi_distance"]

#: measure -> what it is (the order of every table)
MEASURES: dict[str, str] = {
    "mean_polsby_popper": "mean Polsby-Popper compactness (higher = rounder)",
    "worst_polsby_popper": "lowest Polsby-Popper of any neighbourhood",
    "cut_edges": "adjacent LSOA pairs in different neighbourhoods",
    "max_deviation": "largest |population - target| / target",
    "wards_split": "electoral wards (2024) split between neighbourhoods",
    "pcn_median_share": "median share of a PCN's patients living in its main neighbourhood",
    "lsoas_outside_la": "LSOAs in a neighbourhood whose main LA is another",
}


@dataclass
class PlanMeasurer:
    """What the measures need from a study, prepared once; ``measure(labels)`` then costs a few array passes."""

    eu: np.ndarray
    ev: np.ndarray
    elen: np.ndarray
    area: np.ndarray
    perim: np.ndarray
    pop: np.ndarray
    target: float
    ward: np.ndarray  # ward index per unit (-1 = none)
    la: np.ndarray  # LA index per unit
    reg_unit: np.ndarray  # GP registrations: unit position, PCN index, patients
    reg_pcn: np.ndarray
    reg_patients: np.ndarray
    n_pcn: int

    @classmethod
    def of(cls, study: Study) -> PlanMeasurer:
        units = study.units
        eu, ev, elen = study.adj.edge_arrays()
        geoms = np.asarray(units.geometry.values)
        ward = np.full(len(units), -1, dtype=np.int64)
        if Col.WARD in units.columns and not units[Col.WARD].isna().all():
            codes, _ = pd.factorize(units[Col.WARD].astype("string"))
            ward = np.where(codes >= 0, codes, -1).astype(np.int64)
        la = pd.factorize(units[Col.LA].astype(str))[0].astype(np.int64)
        ru = rp = np.zeros(0, dtype=np.int64)
        rw = np.zeros(0)
        n_pcn = 0
        if study.vintage == 2021:
            pos = pd.Series(np.arange(len(units)), index=study.codes)
            reg = read_registrations(pd.Index(study.codes))
            reg = reg[reg["practice_current"] & reg["pcn_code"].notna()]
            total = reg.groupby("pcn_code")["patients"].sum()
            reg = reg[reg["pcn_code"].isin(total.index[total.round() >= 1000])]  # as pcn_alignment: >= 1,000 here
            reg = reg.sort_values(["pcn_code", "lsoa21cd"], kind="stable")
            pcn, _ = pd.factorize(reg["pcn_code"].astype(str), sort=True)
            ru = pos.loc[reg["lsoa21cd"].to_numpy()].to_numpy(dtype=np.int64)
            rp = pcn.astype(np.int64)
            rw = reg["patients"].to_numpy(dtype=float)
            n_pcn = int(rp.max()) + 1 if len(rp) else 0
        return cls(eu=eu, ev=ev, elen=elen, area=shapely.area(geoms), perim=shapely.length(geoms),
                   pop=study.population, target=float(study.rules.target), ward=ward, la=la, reg_unit=ru,
                   reg_pcn=rp, reg_patients=rw, n_pcn=n_pcn)

    def measure(self, labels: np.ndarray) -> dict[str, float]:
        """Every measure of one plan (``labels``: an integer part per unit, 0..K-1)."""
        lab = np.asarray(labels, dtype=np.int64)
        k = int(lab.max()) + 1
        same = lab[self.eu] == lab[self.ev]
        internal = np.bincount(lab[self.eu][same], weights=self.elen[same], minlength=k)
        area = np.bincount(lab, weights=self.area, minlength=k)
        perim = np.maximum(np.bincount(lab, weights=self.perim, minlength=k) - 2 * internal, 1e-9)
        present = np.bincount(lab, minlength=k) > 0
        pp = np.round(np.minimum(4 * np.pi * area / perim**2, 1.0), 4)[present]
        pop = np.bincount(lab, weights=self.pop, minlength=k)[present]
        out = {"mean_polsby_popper": round(float(pp.mean()), 4), "worst_polsby_popper": float(pp.min()),
               "cut_edges": float((~same).sum()),
               "max_deviation": round(float(np.max(np.abs(np.round(pop) - self.target)) / self.target), 4)}
        has = self.ward >= 0
        if has.any():
            pairs = np.unique(self.ward[has] * k + lab[has])
            out["wards_split"] = float((np.bincount(pairs // k) > 1).sum())
        else:
            out["wards_split"] = float("nan")
        out["pcn_median_share"] = self._pcn(lab, k)
        nla = int(self.la.max()) + 1
        by = np.bincount(lab * nla + self.la, weights=self.pop + 1e-6, minlength=k * nla).reshape(k, nla)
        main = by.argmax(axis=1)
        out["lsoas_outside_la"] = float((self.la != main[lab]).sum())
        return out

    def _pcn(self, lab: np.ndarray, k: int) -> float:
        if self.n_pcn == 0:
            return float("nan")
        w = np.bincount(self.reg_pcn * k + lab[self.reg_unit], weights=self.reg_patients,
                        minlength=self.n_pcn * k).reshape(self.n_pcn, k)
        share = np.round(w.max(axis=1) / w.sum(axis=1), 3)
        return round(float(np.median(share)), 4)

    def table(self, plans: np.ndarray) -> pd.DataFrame:
        """Every measure of every plan (``plans``: plans x units)."""
        return pd.DataFrame([self.measure(p) for p in plans], columns=list(MEASURES))


def rhat(chains: list[np.ndarray]) -> float:
    """Split R-hat (Gelman et al. 2013) of one measure over independent chains; 1.0 for a constant measure."""
    halves = []
    for c in chains:
        n = len(c) // 2
        if n >= 2:
            halves += [np.asarray(c[:n], float), np.asarray(c[len(c) - n:], float)]
    if len(halves) < 2:
        return float("nan")
    n = min(len(h) for h in halves)
    x = np.array([h[:n] for h in halves])
    if np.all(x == x.flat[0]):
        return 1.0
    w = x.var(axis=1, ddof=1).mean()
    b = n * x.mean(axis=1).var(ddof=1)
    if w == 0:
        return float("inf")
    var = (n - 1) / n * w + b / n
    return float(np.sqrt(var / w))


def ess(chains: list[np.ndarray]) -> float:
    """Effective sample size of one measure over chains (autocorrelation summed to Geyer's initial positive
    sequence, chains pooled as in Stan); the number of plans for a constant measure."""
    xs = [np.asarray(c, float) for c in chains if len(c) >= 4]
    total = sum(len(c) for c in chains)
    if not xs:
        return float(total)
    n = min(len(x) for x in xs)
    x = np.array([c[:n] for c in xs])
    if np.all(x == x.flat[0]):
        return float(total)
    m = len(x)
    xc = x - x.mean(axis=1, keepdims=True)
    f = np.fft.rfft(xc, n=2 * n, axis=1)
    acov = np.fft.irfft(f * np.conj(f), axis=1)[:, :n] / n
    w = acov[:, 0].mean() * n / (n - 1) if n > 1 else acov[:, 0].mean()
    b = n * x.mean(axis=1).var(ddof=1) if m > 1 else 0.0
    var = (n - 1) / n * w + b / n
    if var <= 0:
        return float(total)
    rho = 1 - (w - acov.mean(axis=0)) / var
    rho[0] = 1.0
    s = 0.0
    for t in range(0, n - 1, 2):
        pair = rho[t] + rho[t + 1]
        if pair < 0:
            break
        s += pair
    tau = max(2 * s - 1, 1.0 / np.log10(max(m * n, 10)))
    return float(min(m * n / tau, m * n * np.log10(max(m * n, 10))))


def vi_distance(a: np.ndarray, b: np.ndarray, pop: np.ndarray) -> float:
    """Variation of information between two plans, population-weighted, in nats (0 = the same plan)."""
    k = int(max(a.max(), b.max())) + 1
    key = a.astype(np.int64) * k + b
    _, inv = np.unique(key, return_inverse=True)
    total = float(pop.sum())
    pj = np.bincount(inv, weights=pop) / total
    pa = np.bincount(a, weights=pop) / total
    pb = np.bincount(b, weights=pop) / total

    def h(p: np.ndarray) -> float:
        p = p[p > 0]
        return float(-(p * np.log(p)).sum())

    return max(0.0, 2 * h(pj) - h(pa) - h(pb))
