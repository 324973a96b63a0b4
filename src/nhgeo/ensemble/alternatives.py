"""K genuinely different good plans from an ensemble: the best-scoring plans, clustered by VI distance, the best
of each cluster; each made a full footprint (ids, names, places) the way ``propose`` makes one."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from scipy.cluster.hierarchy import fcluster, linkage

from ..check.metrics import score_assignment
from ..design.naming import name_neighbourhoods
from ..design.neighbourhoods import Neighbourhood, Proposal
from ..design.places import build_places
from ..design.propose import ProposeResult
from ..errors import InputError
from ..model import Col, Footprint, positions_by
from ..version import __version__
from .measures import vi_distance
from .sample import Ensemble

__all__ = ["POOL", "Alternative", "alternatives", "plan_scores"]

POOL = 200  # the best-scoring plans the clusters are drawn from


@dataclass
class Alternative:
    """One alternative plan: its index in the ensemble, its score and measures, and its footprint."""

    plan: int
    score: float
    measures: dict[str, float]
    result: ProposeResult

    def footprint(self) -> Footprint:
        return self.result.footprint()


def plan_scores(ens: Ensemble) -> np.ndarray:
    """A plan's score: rounder (mean Polsby-Popper), fewer wards split, closer to target, shorter cut, each as a
    z-score over the ensemble (higher is better)."""
    m = ens.measures

    def z(col: str) -> np.ndarray:
        x = m[col].to_numpy(dtype=float)
        if np.isnan(x).all():
            return np.zeros(len(x))
        sd = float(np.nanstd(x))
        return np.nan_to_num((x - np.nanmean(x)) / sd) if sd > 0 else np.zeros(len(x))

    return np.asarray(z("mean_polsby_popper") - z("wards_split") - z("max_deviation") - z("cut_edges"))


def alternatives(ens: Ensemble, k: int) -> list[Alternative]:
    """``k`` different good plans (fewer when the ensemble holds fewer distinct plans), best first."""
    if k < 1:
        raise InputError(f"--alternatives must be at least 1, not {k}")
    score = plan_scores(ens)
    order = np.lexsort((np.arange(ens.n), -score))  # best first, ties by index
    uniq: list[int] = []
    seen: set[bytes] = set()
    for i in order.tolist():
        key = ens.plans[i].tobytes()
        if key not in seen:
            seen.add(key)
            uniq.append(i)
        if len(uniq) == POOL:
            break
    pool = np.array(uniq)
    if len(pool) <= k:
        picks = pool.tolist()
    else:
        pop = ens.study.population
        d = np.array([vi_distance(ens.plans[pool[a]], ens.plans[pool[b]], pop)
                      for a in range(len(pool)) for b in range(a + 1, len(pool))])
        cl = fcluster(linkage(d, method="average"), t=k, criterion="maxclust")
        picks = [int(pool[np.flatnonzero(cl == c)[0]]) for c in sorted(set(cl.tolist()))]  # pool is best-first
        picks = sorted(picks, key=lambda i: (-score[i], i))
    return [Alternative(i, float(score[i]), {c: float(v) for c, v in ens.measures.iloc[i].items()},
                        as_result(ens, ens.plans[i], f"alternative {n + 1}")) for n, i in enumerate(picks)]


def as_result(ens: Ensemble, plan: np.ndarray, what: str) -> ProposeResult:
    """A plan as a full proposal: ids (main LA code + number, north-west first, as ``propose``), names, places."""
    study, rules = ens.study, ens.study.rules
    units = study.units
    pop = study.population
    la = units[Col.LA].astype(str).to_numpy()
    icb = units[Col.ICB].astype(str).to_numpy()
    codes = study.codes
    xy = shapely.get_coordinates(shapely.point_on_surface(np.asarray(units.geometry.values)))
    parts = positions_by(plan)
    reasons = {r.key: r.reason for r in ens.regions}
    region_of = np.empty(len(units), dtype=object)
    for r in ens.regions:
        region_of[r.nodes] = r.key
    rows = []
    for p, m in parts.items():
        main = str(pd.Series(pop[m], index=la[m]).groupby(level=0).sum().idxmax())
        rows.append((main, -round(float(xy[m, 1].mean()), -2), round(float(xy[m, 0].mean()), -2), p))
    labels = np.empty(len(units), dtype=object)
    count: dict[str, int] = {}
    ids = []
    for main, _, _, p in sorted(rows):
        count[main] = count.get(main, 0) + 1
        nid = f"{main}-N{count[main]:02d}"
        labels[parts[p]] = nid
        ids.append((nid, p))
    names = name_neighbourhoods(units, labels, [i for i, _ in ids])
    hoods = []
    for nid, p in sorted(ids):
        m = parts[p]
        hp = int(round(pop[m].sum()))
        why = [] if rules.in_band(hp) else [reasons.get(str(region_of[m[0]]), "") or
                                            f"population {hp:,} outside {rules.min:,}-{rules.max:,}"]
        las = sorted(set(la[m].tolist()))
        if len(las) > 1:
            why.append(f"crosses local authorities {', '.join(las)} (a piece too small for the band)")
        main_icb = str(pd.Series(pop[m], index=icb[m]).groupby(level=0).sum().idxmax())
        hoods.append(Neighbourhood(id=nid, name=names[nid], codes=sorted(codes[m].tolist()), population=hp,
                                   la_codes=las, icb_code=main_icb, status="exception" if why else "ok",
                                   reasons=why))
    prop = Proposal(labels=pd.Series(labels, index=units.index, name="neighbourhood"), neighbourhoods=hoods,
                    rules=rules, notes=[f"{what} of the ensemble (nhgeo {__version__} ensemble --seed {ens.seed})"],
                    seed=ens.seed)
    places = build_places(units, study.adj, prop, rules, seed=ens.seed)
    assignment = units.copy()
    assignment[Col.NEIGHBOURHOOD] = labels
    assignment[Col.NEIGHBOURHOOD_NAME] = assignment[Col.NEIGHBOURHOOD].map(names)
    pmap = {n: pl.id for pl in places for n in pl.neighbourhoods}
    if places:
        assignment[Col.PLACE] = assignment[Col.NEIGHBOURHOOD].map(pmap)
    score = score_assignment(units, study.adj, labels, rules)
    return ProposeResult(study, prop, places, score, assignment)
