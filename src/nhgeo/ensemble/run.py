"""``nhgeo ensemble`` from Python: open the study, sample, diagnose, compare a footprint, pick alternatives."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Unpack

import numpy as np

from ..check.validation import validate
from ..model import Footprint, Rules, open_study
from ..sources.boundaries import LoadOptions
from ..version import __version__
from .alternatives import Alternative, alternatives
from .compare import Comparison, compare_labels
from .sample import DEFAULT_CHAINS, WARD_SURCHARGE, Ensemble, Progress, dask_client, sample
from .stability import separation_lines

__all__ = ["EnsembleResult", "compare_footprint", "run_ensemble"]


@dataclass
class EnsembleResult:
    """Everything ``nhgeo ensemble`` writes, computed once."""

    ensemble: Ensemble
    separation: np.ndarray  # per adjacency edge: share of plans separating it
    vi: np.ndarray  # VI distance of random plan pairs
    diagnostics: dict[str, dict[str, float]]
    comparison: Comparison | None = None
    alternatives: list[Alternative] = field(default_factory=list)
    workers: str = ""  # how the tasks ran (not written into outputs: they do not depend on it)
    _lines: Any = field(default=None, init=False, repr=False)

    def lines(self) -> Any:
        """The adjacent pairs as lines with their share of plans separating them (computed once: the GeoPackage
        and the report's map both draw them)."""
        if self._lines is None:
            self._lines = separation_lines(self.ensemble.study, self.separation)
        return self._lines

    @property
    def study(self) -> Any:
        return self.ensemble.study

    def alternative_footprints(self) -> list[Footprint]:
        """The alternatives as footprints, saying where they came from."""
        out = []
        for i, alt in enumerate(self.alternatives, start=1):
            fp = alt.footprint()
            fp.meta["generated_by"] = (f"nhgeo {__version__} ensemble -n {self.ensemble.n} --seed {self.ensemble.seed}"
                                       f" --alternatives {len(self.alternatives)}: alternative {i} (plan {alt.plan})")
            fp.name = f"{fp.name} alternative {i}"
            out.append(fp)
        return out


def compare_footprint(ens: Ensemble, footprint: str | Path, separation: np.ndarray | None = None,
                      **options: Any) -> Comparison:
    """Place ``footprint`` (anything ``validate`` reads) on ``ens``; ``options`` = how the ensemble's units were
    read (``boundaries``, ``vintage``, ...), so the footprint is read on the same units."""
    rep = validate(footprint, place=ens.study.place, rules=None, **options)
    pos = dict(zip(rep.study.codes.tolist(), rep.assignment.labels.tolist(), strict=True))
    labels = np.array([pos.get(c, "") for c in ens.codes.tolist()], dtype=object)
    return compare_labels(ens.study, ens.plans, labels, str(footprint), rep.assignment.names, ens.measures, separation)


def run_ensemble(place: str | Sequence[str] = "england", n: int = 1000, *, seed: int = 0,
                 chains: int = DEFAULT_CHAINS, thin: int | None = None, burn: int | None = None,
                 surcharge: float = WARD_SURCHARGE, rules: Rules | None = None, compare: str | Path | None = None,
                 n_alternatives: int = 0, workers: int = 2, scheduler: str | None = None, client: Any = None,
                 progress: Progress | None = None, **options: Unpack[LoadOptions]) -> EnsembleResult:
    """Sample ``n`` plans of ``place`` on Dask (``client``, else ``scheduler``, else a LocalCluster of ``workers``;
    ``workers=0`` runs in this process) and measure them; same inputs and seed give the same result."""
    study = open_study(place, rules=rules or Rules(), **options)
    if client is not None or (workers == 0 and scheduler is None):
        ens = sample(study, n, seed=seed, chains=chains, thin=thin, burn=burn, surcharge=surcharge, client=client,
                     progress=progress)
        how = "in process" if client is None else "on the given Dask client"
    else:
        with dask_client(workers, scheduler) as c:
            ens = sample(study, n, seed=seed, chains=chains, thin=thin, burn=burn, surcharge=surcharge, client=c,
                         progress=progress)
        how = f"Dask scheduler {scheduler}" if scheduler else f"Dask LocalCluster, {workers} worker process(es)"
    sep = ens.separation()
    res = EnsembleResult(ens, sep, ens.vi(), ens.diagnostics(), workers=how)
    if compare is not None:
        res.comparison = compare_footprint(ens, compare, sep, **options)
    if n_alternatives:
        res.alternatives = alternatives(ens, n_alternatives)
    return res
