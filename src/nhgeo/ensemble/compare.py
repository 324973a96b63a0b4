"""Place a footprint on an ensemble: each measure's value against the ensemble's 5/50/95% and its percentile,
and for each of its neighbourhoods the share of its boundary that is firm in the ensemble."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..geo.graph import subgraph
from ..model import Study
from .measures import MEASURES, PlanMeasurer
from .stability import FIRM

__all__ = ["OUTLIER", "Comparison", "attach", "compare_labels", "compare_with_folder", "read_plans", "study_on"]

OUTLIER = (2.5, 97.5)  # a value outside these percentiles of the ensemble is flagged


@dataclass
class Comparison:
    """A footprint against the ensemble, measure by measure and neighbourhood by neighbourhood."""

    name: str
    measures: dict[str, dict[str, Any]]  # measure -> {value, p5, p50, p95, percentile, outlier}
    neighbourhoods: list[dict[str, Any]] = field(default_factory=list)  # {id, name, boundary_m, firm_share}
    plans: int = 0

    @property
    def outliers(self) -> list[str]:
        return [m for m, v in self.measures.items() if v["outlier"]]


def percentile_of(values: np.ndarray, v: float) -> float:
    """Mid-rank percentile of ``v`` among ``values`` (ties count half)."""
    return float(100.0 * ((values < v).sum() + 0.5 * (values == v).sum()) / len(values))


def compare_labels(study: Study, plans: np.ndarray, labels: np.ndarray, name: str,
                   names: dict[str, str] | None = None, measures: pd.DataFrame | None = None,
                   separation: np.ndarray | None = None) -> Comparison:
    """Compare the footprint ``labels`` (a neighbourhood id per unit of ``study``, "" = none) with ``plans``
    (plans x the same units); ``measures``/``separation`` are the ensemble's when already computed."""
    measurer = PlanMeasurer.of(study)
    if measures is None:
        measures = measurer.table(plans)
    ids, lab = np.unique(np.asarray(labels, dtype=str), return_inverse=True)
    own = measurer.measure(lab)
    out: dict[str, dict[str, Any]] = {}
    for m in MEASURES:
        x = measures[m].to_numpy(dtype=float)
        v = own[m]
        if np.isnan(v) or np.isnan(x).all():
            continue
        pct = percentile_of(x, v)
        out[m] = {"value": v, "p5": float(np.percentile(x, 5)), "p50": float(np.percentile(x, 50)),
                  "p95": float(np.percentile(x, 95)), "percentile": round(pct, 1),
                  "outlier": bool(pct < OUTLIER[0] or pct > OUTLIER[1])}
    eu, ev, elen = study.adj.edge_arrays()
    if separation is None:
        separation = (plans[:, eu] != plans[:, ev]).mean(axis=0) if len(plans) else np.zeros(len(eu))
    firm = separation >= FIRM
    cut = lab[eu] != lab[ev]
    length = np.where(elen > 0, elen, 1.0)  # a bridge counts 1 m, as everywhere
    hoods = []
    k = len(ids)
    bnd = np.bincount(lab[eu][cut], weights=length[cut], minlength=k) + np.bincount(lab[ev][cut],
                                                                                    weights=length[cut], minlength=k)
    fb = cut & firm
    fir = np.bincount(lab[eu][fb], weights=length[fb], minlength=k) + np.bincount(lab[ev][fb], weights=length[fb],
                                                                                 minlength=k)
    for i, nid in enumerate(ids.tolist()):
        if nid == "":
            continue
        hoods.append({"id": nid, "name": (names or {}).get(nid, nid), "boundary_m": round(float(bnd[i]), 1),
                      "firm_share": round(float(fir[i] / bnd[i]), 3) if bnd[i] > 0 else None})
    return Comparison(name=name, measures=out, neighbourhoods=hoods, plans=len(plans))


def read_plans(folder: str | Path) -> pd.DataFrame:
    """``plans.parquet`` of an ensemble folder (``code``, ``plan_0000``...); bad input when it is not one."""
    path = Path(folder) / "plans.parquet"
    if not path.is_file():
        raise InputError(f"--ensemble {folder}: no plans.parquet there; give a folder written by nhgeo ensemble")
    df = pd.read_parquet(path)
    if "code" not in df.columns or not any(c.startswith("plan_") for c in df.columns):
        raise InputError(f"--ensemble {folder}: plans.parquet has no code/plan_ columns; give a folder written by "
                         "nhgeo ensemble")
    return df


def study_on(study: Study, codes: np.ndarray) -> tuple[Study, np.ndarray]:
    """``study`` restricted to ``codes`` (the ensemble's units), and the positions of those codes in ``study``;
    bad input when the study lacks some of them."""
    pos = pd.Series(np.arange(len(study.units)), index=study.codes)
    missing = pd.Index(codes).difference(pos.index)
    if len(missing):
        raise InputError(f"the ensemble covers {len(missing):,} LSOA(s) this footprint's study does not (e.g. "
                         f"{', '.join(map(str, missing[:3]))}); validate with --place set to the ensemble's place")
    at = pos.loc[codes].to_numpy()
    if len(at) == len(study.units) and np.array_equal(at, np.arange(len(at))):
        return study, at
    units = study.units.iloc[at].reset_index(drop=True)
    units.attrs.update(study.units.attrs)
    return Study(units, subgraph(study.adj, at), study.load, study.place, study.rules), at


def attach(rep: Any, folder: str | Path) -> Any:
    """Place a validated footprint (a :class:`nhgeo.check.validation.ValidationReport`) on the ensemble written
    in ``folder``; the comparison is kept in ``rep.ensemble`` (``nhgeo validate --ensemble``)."""
    rep.ensemble = compare_with_folder(rep.study, rep.assignment.labels, folder, rep.path, rep.assignment.names)
    return rep


def compare_with_folder(study: Study, labels: np.ndarray, folder: str | Path, name: str,
                        names: dict[str, str] | None = None) -> Comparison:
    """Compare a footprint (``labels`` on ``study``) with the plans of an ensemble folder."""
    df = read_plans(folder)
    codes = df["code"].astype(str).to_numpy()
    sub, at = study_on(study, codes)
    plans = df[[c for c in df.columns if c.startswith("plan_")]].to_numpy(dtype=np.int64).T
    return compare_labels(sub, plans, np.asarray(labels, dtype=object)[at], name, names)
