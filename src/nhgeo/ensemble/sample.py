"""Sample an ensemble of valid plans for a place: per-region ReCom chains as independent Dask tasks.

Each (region, chain) pair is one task with its own seed, derived from ``(seed, chain, region key)`` with NumPy's
``SeedSequence``; results are put together by region and chain, never by finishing order, so the same seed gives
the same plans whatever the number of workers (or none: ``client=None`` runs the tasks in this process). Plan
``j`` takes from every region the same stored step of the same chain: chain ``c`` of the place is the product
of the regions' chains ``c``, and the chains are the independent runs the diagnostics compare.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..model import Study
from .measures import MEASURES, PlanMeasurer, ess, rhat, vi_distance
from .recom import ChainJob, ChainResult, run_chain
from .regions import Region, regions_of

__all__ = ["Ensemble", "dask_client", "sample"]

Progress = Callable[[int, int], None]  # (plans done, plans asked for)
DEFAULT_CHAINS = 4
WARD_SURCHARGE = 1.0  # extra random-tree weight of an edge crossing a ward boundary (GerryChain's region surcharge)
VI_PAIRS = 500  # random plan pairs the diversity figures are measured on


@dataclass
class Ensemble:
    """N valid plans of a study's units, how they were drawn, and what they measure."""

    study: Study
    regions: list[Region]
    plans: np.ndarray  # (N, units) int32: the neighbourhood index of each unit in each plan
    chain_of: np.ndarray  # (N,) the chain (independent run) each plan comes from
    seed: int
    chains: int
    thin: dict[str, int]  # region key -> steps between stored plans
    burn: dict[str, int]
    surcharge: float
    bands: dict[str, tuple[float, float]]  # region key -> the band its chains kept
    moved: dict[str, float]  # region key -> share of steps that changed the plan
    steps: int
    measures: pd.DataFrame = field(init=False, repr=False)
    measurer: PlanMeasurer = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.measurer = PlanMeasurer.of(self.study)
        self.measures = self.measurer.table(self.plans)

    @property
    def n(self) -> int:
        return len(self.plans)

    @property
    def codes(self) -> np.ndarray:
        return self.study.codes

    def separation(self) -> np.ndarray:
        """Per adjacency edge (``study.adj.edge_arrays()`` order): the share of plans that separate its two units."""
        eu, ev, _ = self.study.adj.edge_arrays()
        if self.n == 0:
            return np.zeros(len(eu))
        return np.asarray((self.plans[:, eu] != self.plans[:, ev]).mean(axis=0), dtype=float)

    def vi(self, pairs: int = VI_PAIRS) -> np.ndarray:
        """VI distance of up to ``pairs`` random pairs of different plans (drawn from the seed)."""
        if self.n < 2:
            return np.zeros(0)
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, 7]))
        a = rng.integers(self.n, size=pairs)
        b = (a + 1 + rng.integers(self.n - 1, size=pairs)) % self.n
        return np.array([vi_distance(self.plans[i], self.plans[j], self.study.population)
                         for i, j in zip(a.tolist(), b.tolist(), strict=True)])

    def diagnostics(self) -> dict[str, dict[str, float]]:
        """Per measure: mean, 5/50/95%, split R-hat over the chains and effective sample size."""
        out: dict[str, dict[str, float]] = {}
        for m in MEASURES:
            x = self.measures[m].to_numpy(dtype=float)
            if np.isnan(x).all():
                continue
            runs = [x[self.chain_of == c] for c in range(self.chains)]
            out[m] = {"mean": float(np.mean(x)), "p5": float(np.percentile(x, 5)), "p50": float(np.percentile(x, 50)),
                      "p95": float(np.percentile(x, 95)), "rhat": rhat(runs), "ess": ess(runs)}
        return out


@contextmanager
def dask_client(workers: int = 2, scheduler: str | None = None) -> Iterator[Any]:
    """A Dask client: on the cluster at ``scheduler``, else on a LocalCluster of ``workers`` processes
    (one thread each: the chains are pure Python/NumPy and hold the GIL), listening on loopback only."""
    from distributed import Client, LocalCluster

    for name in ("distributed", "distributed.worker", "distributed.scheduler", "distributed.nanny"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if scheduler:
        try:
            client = Client(scheduler, timeout="10s")  # type: ignore[no-untyped-call]
        except OSError as exc:
            raise InputError(f"cannot reach the Dask scheduler at {scheduler} ({exc}); check --scheduler") from None
        with client:
            yield client
        return
    if workers < 1:
        raise InputError(f"--workers must be at least 1, not {workers}")
    # loopback only: the scheduler, and its HTTP endpoint (no dashboard) on a free port
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,  # type: ignore[no-untyped-call]
                           host="127.0.0.1", dashboard_address="127.0.0.1:0", scheduler_kwargs={"dashboard": False},
                           silence_logs=logging.ERROR)
    with cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
        yield client


def _split(n: int, chains: int) -> list[int]:
    return [n // chains + (1 if c < n % chains else 0) for c in range(chains)]


def _jobs(regions: list[Region], n: int, seed: int, chains: int, thin: int | None, burn: int | None,
          surcharge: float) -> list[ChainJob]:
    per = _split(n, chains)
    jobs = []
    for r in regions:
        if r.k <= 1:
            continue
        t = thin if thin is not None else 2 * r.k
        b = burn if burn is not None else 20 * r.k
        for c in range(chains):
            if per[c]:
                jobs.append(ChainJob(r, c, (seed, c, *r.key.encode()), per[c], t, b, surcharge))
    return jobs


def sample(study: Study, n: int = 1000, *, seed: int = 0, chains: int = DEFAULT_CHAINS, thin: int | None = None,
           burn: int | None = None, surcharge: float = WARD_SURCHARGE, client: Any = None,
           progress: Progress | None = None) -> Ensemble:
    """Sample ``n`` valid plans of ``study`` (see the module docstring); ``client`` a Dask client or None.

    ``thin`` (steps between stored plans) and ``burn`` (steps before the first) default per region to its number
    of neighbourhoods k: 2 k and 20 k (England, 200 plans: R-hat 1.06 with k, below 1.05 with 2 k).
    """
    if n < 1:
        raise InputError(f"-n must be at least 1, not {n}")
    if chains < 2 or chains > n:
        raise InputError(f"--chains must be 2 to -n ({n}) for independent runs to compare, not {chains}")
    regions = regions_of(study)
    jobs = _jobs(regions, n, seed, chains, thin, burn, surcharge)
    work = {(j.region.key, j.chain): float(j.region.m * (j.burn + j.samples * j.thin)) for j in jobs}
    total_work = sum(work.values()) or 1.0
    done = 0.0
    results: dict[tuple[str, int], ChainResult] = {}

    def tick(res: ChainResult) -> None:
        nonlocal done
        results[(res.key, res.chain)] = res
        done += work[(res.key, res.chain)]
        if progress:
            progress(int(n * done / total_work), n)

    if progress:
        progress(0, n)
    order = sorted(jobs, key=lambda j: -work[(j.region.key, j.chain)])  # biggest first: an even finish
    if client is None:
        for j in order:
            tick(run_chain(j))
    else:
        from distributed import as_completed

        futures = client.map(run_chain, order, pure=False)
        for fut in as_completed(futures):  # type: ignore[no-untyped-call]
            tick(fut.result())
    if progress:
        progress(n, n)
    return _assemble(study, regions, results, n, seed, chains, jobs, surcharge)


def _assemble(study: Study, regions: list[Region], results: dict[tuple[str, int], ChainResult], n: int, seed: int,
              chains: int, jobs: list[ChainJob], surcharge: float) -> Ensemble:
    per = _split(n, chains)
    starts = np.concatenate([[0], np.cumsum(per)]).astype(int)
    plans = np.full((n, len(study.units)), -1, dtype=np.int32)
    chain_of = np.repeat(np.arange(chains), per)
    offset = 0
    bands: dict[str, tuple[float, float]] = {}
    moved: dict[str, float] = {}
    steps = 0
    for r in regions:
        if r.k <= 1:
            plans[:, r.nodes] = offset
            bands[r.key] = (r.lo, r.hi)
        else:
            mv = st = 0
            for c in range(chains):
                if not per[c]:
                    continue
                res = results[(r.key, c)]
                rows = np.arange(starts[c], starts[c + 1])
                plans[np.ix_(rows, r.nodes)] = offset + res.labels[:, r.atom].astype(np.int32)
                mv, st = mv + res.moved, st + res.steps
                lo, hi = bands.get(r.key, (res.lo, res.hi))
                bands[r.key] = (min(lo, res.lo), max(hi, res.hi))
            moved[r.key] = mv / st if st else 0.0
            steps += st
        offset += r.k
    thin = {j.region.key: j.thin for j in jobs}
    burn = {j.region.key: j.burn for j in jobs}
    return Ensemble(study=study, regions=regions, plans=plans, chain_of=chain_of, seed=seed, chains=chains,
                    thin=thin, burn=burn, surcharge=surcharge, bands=bands, moved=moved, steps=steps)
