"""nhgeo ensemble benchmarks: wall time, worker speed-up, memory, and effectively independent plans per second
against GerryChain 1.0 ReCom on the same LA graphs and band.

    python benchmarks/ensemble.py                 # everything (England takes minutes)
    python benchmarks/ensemble.py --no-england    # NCL, speed-up and the GerryChain comparison only

Goals (2 cores): North Central London 1,000 plans <= 60 s; England 200 plans <= 10 min with peak memory < 4 GB;
1 -> 2 workers >= 1.6x; nhgeo >= 2x GerryChain in autocorrelation-corrected effective plans per second.

The GerryChain comparison runs one chain of each in one process (timed in CPU seconds, which the machine's load
inflates less than wall time), on each region's graph as nhgeo samples it (the
contracted graph ``propose`` partitions), the same band (40,000-60,000: GerryChain pop_target 50,000, epsilon
0.2), the same ward surcharge (``region_surcharge={"ward": 1.0}``) and the same pair selection (a random cut
edge), from the same start plan. The measure is the region's cut-edge count (summed over the regions of NCL at
the same step), its effective sample size from :func:`nhgeo.ensemble.measures.ess`.
"""

from __future__ import annotations

import argparse
import functools
import random
import resource
import time
from typing import Any

import networkx as nx
import numpy as np

from nhgeo.ensemble import dask_client, regions_of, sample
from nhgeo.ensemble.measures import ess, rhat
from nhgeo.ensemble.recom import ChainJob, run_chain, start_plan
from nhgeo.ensemble.regions import Region
from nhgeo.model import open_study

NCL = "Barnet,Camden,Enfield,Haringey,Islington"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _worker_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def timed_sample(place: str, n: int, workers: int, seed: int = 0) -> dict[str, Any]:
    """Sample on a warm LocalCluster of ``workers``; the time of the sampling itself and of the whole run."""
    t0 = time.perf_counter()
    study = open_study(place)
    t_study = time.perf_counter() - t0
    with dask_client(workers) as client:
        c0 = sum(client.run(_cpu_s).values())
        t1 = time.perf_counter()
        ens = sample(study, n, seed=seed, client=client)
        t_sample = time.perf_counter() - t1
        cpu = sum(client.run(_cpu_s).values()) - c0
        worker_mb = max(client.run(_worker_peak_mb).values())
    t2 = time.perf_counter()
    sep = ens.separation()
    vi = ens.vi()
    diag = ens.diagnostics()
    t_after = time.perf_counter() - t2
    return {"place": place, "n": n, "workers": workers, "study_s": t_study, "sample_s": t_sample, "sample_cpu_s": cpu,
            "after_s": t_after, "total_s": time.perf_counter() - t0, "main_mb": _peak_mb(), "worker_mb": worker_mb,
            "rhat_max": max(d["rhat"] for d in diag.values()), "ess_min": min(d["ess"] for d in diag.values()),
            "vi": np.percentile(vi, [5, 50, 95]).tolist(), "firm": int((sep >= 0.9).sum()), "edges": len(sep),
            "units": len(study.units), "regions": len(ens.regions)}


def _region_cut(r: Region, labels: np.ndarray) -> int:
    return int((labels[r.eu] != labels[r.ev]).sum())


def nhgeo_chain(regions: list[Region], samples: int, seed: int) -> tuple[float, np.ndarray, int]:
    """One chain per region, run in this process; the summed cut-edge series of the stored plans."""
    t = time.process_time()
    series = np.zeros(samples)
    steps = 0
    for r in regions:
        if r.k <= 1:
            continue
        res = run_chain(ChainJob(r, 0, (seed, 0, *r.key.encode()), samples, 2 * r.k, 20 * r.k, 1.0))
        series += [_region_cut(r, lab) for lab in res.labels]
        steps += res.steps
    return time.process_time() - t, series, steps


def gerrychain_chain(regions: list[Region], steps: int, seed: int) -> tuple[float, np.ndarray]:
    """GerryChain 1.0 ReCom on each region's graph (same start, band, surcharge, pair selection)."""
    from gerrychain import Graph, MarkovChain, Partition
    from gerrychain.accept import always_accept
    from gerrychain.proposals import recom
    from gerrychain.updaters import Tally, cut_edges

    series = np.zeros(steps)
    total = 0.0
    for r in regions:
        if r.k <= 1:
            continue
        rng = np.random.default_rng(seed)
        start = start_plan(r, r.lo, r.hi, rng)
        assert start is not None
        g = nx.Graph()
        for i in range(r.m):
            g.add_node(i, population=float(r.pop[i]), ward=str(r.ward[i]))
        g.add_edges_from(zip(r.eu.tolist(), r.ev.tolist(), strict=True))
        t = time.process_time()
        graph = Graph.from_networkx(g)
        part = Partition(graph, assignment={i: int(start[i]) for i in range(r.m)},
                         updaters={"population": Tally("population", alias="population"), "cut_edges": cut_edges})
        target = (r.lo + r.hi) / 2
        proposal = functools.partial(recom, pop_col="population", pop_target=target, epsilon=(r.hi - r.lo) / 2 / target,
                                     node_repeats=0, region_surcharge={"ward": 1.0}, pair_selection="cut_edges")
        chain = MarkovChain(proposal, constraints=[], acceptance_fn=always_accept, initial_partition=part,
                            total_steps=steps, rng=random.Random(seed))
        cuts = [len(p["cut_edges"]) for p in chain]
        total += time.process_time() - t
        series += np.array(cuts[:steps], dtype=float)
    return total, series


def versus_gerrychain(place: str, nh_samples: int, gc_steps: int, seed: int = 1) -> dict[str, Any]:
    study = open_study(place)
    regions = regions_of(study)
    t_nh, s_nh, nh_steps = nhgeo_chain(regions, nh_samples, seed)
    t_gc, s_gc = gerrychain_chain(regions, gc_steps, seed)
    e_nh, e_gc = ess([s_nh]), ess([s_gc])
    return {"place": place, "units": len(study.units), "k": sum(r.k for r in regions),
            "nh_steps_s": nh_steps / t_nh, "gc_steps_s": gc_steps * sum(r.k > 1 for r in regions) / t_gc,
            "nh_ess": e_nh, "gc_ess": e_gc, "nh_ess_s": e_nh / t_nh, "gc_ess_s": e_gc / t_gc,
            "ratio": (e_nh / t_nh) / (e_gc / t_gc) if e_gc > 0 else float("inf"),
            "nh_s": t_nh, "gc_s": t_gc, "means": (float(s_nh.mean()), float(s_gc.mean())),
            "rhat_halves": rhat([s_nh, s_gc])}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-england", action="store_true")
    ap.add_argument("--quick", action="store_true", help="fewer steps for the GerryChain comparison")
    a = ap.parse_args()
    print("Timings are wall clock on a shared 2-core VM (other jobs running): figures are inflated.\n")
    rows = []
    two = timed_sample(NCL, 1000, 2)
    one = timed_sample(NCL, 1000, 1)
    rows.append(("NCL 1,000 plans, 2 workers: sampling", f"{two['sample_s']:.1f} s", "<= 60 s",
                 f"workers' CPU {two['sample_cpu_s']:.1f} s; "
                 f"whole run {two['total_s']:.1f} s (study {two['study_s']:.1f} s, measures/VI/firm "
                 f"{two['after_s']:.1f} s, cluster start the rest)"))
    rows.append(("NCL 1 -> 2 workers speed-up", f"{one['sample_s'] / two['sample_s']:.2f}x", ">= 1.6x",
                 f"1 worker {one['sample_s']:.1f} s (CPU {one['sample_cpu_s']:.1f} s)"))
    rows.append(("NCL R-hat (largest) / ESS (smallest)", f"{two['rhat_max']:.3f} / {two['ess_min']:.0f}", "< 1.05",
                 f"VI 5/50/95% {two['vi'][0]:.2f}/{two['vi'][1]:.2f}/{two['vi'][2]:.2f}; firm lines {two['firm']:,}"
                 f" of {two['edges']:,}"))
    if not a.no_england:
        eng = timed_sample("england", 200, 2)
        rows.append(("England 200 plans, 2 workers: whole run", f"{eng['total_s']:.0f} s", "<= 600 s",
                     f"sampling {eng['sample_s']:.0f} s (workers' CPU {eng['sample_cpu_s']:.0f} s); "
                     f"{eng['units']:,} LSOAs, {eng['regions']} regions"))
        rows.append(("England peak memory (main + largest worker)", f"{eng['main_mb'] + eng['worker_mb']:,.0f} MB",
                     "< 4,096 MB", f"main {eng['main_mb']:,.0f} MB, worker {eng['worker_mb']:,.0f} MB"))
        rows.append(("England R-hat (largest) / ESS (smallest)", f"{eng['rhat_max']:.3f} / {eng['ess_min']:.0f}",
                     "< 1.05", f"VI 5/50/95% {eng['vi'][0]:.2f}/{eng['vi'][1]:.2f}/{eng['vi'][2]:.2f}"))
    steps = 600 if a.quick else 2000
    for place, samples in (("Camden", 400), ("Birmingham", 200), (NCL, 300)):
        v = versus_gerrychain(place, samples // (2 if a.quick else 1), steps)
        rows.append((f"vs GerryChain: {place if place != NCL else 'NCL'} ({v['units']} LSOAs, k={v['k']})",
                     f"{v['ratio']:.1f}x", ">= 2x",
                     f"ESS per CPU-s nhgeo {v['nh_ess_s']:.1f} (ESS {v['nh_ess']:.0f} in {v['nh_s']:.1f} s, "
                     f"{v['nh_steps_s']:,.0f} steps/s) vs GerryChain {v['gc_ess_s']:.2f} (ESS {v['gc_ess']:.0f} in "
                     f"{v['gc_s']:.1f} s, {v['gc_steps_s']:,.0f} steps/s); mean cut edges "
                     f"{v['means'][0]:.0f} vs {v['means'][1]:.0f}"))
    w = max(len(r[0]) for r in rows)
    print(f"{'measure':<{w}}  {'result':>12}  {'goal':>11}  notes")
    for r in rows:
        print(f"{r[0]:<{w}}  {r[1]:>12}  {r[2]:>11}  {r[3]}")
    print("\nnhgeo: thinned plans (a plan every 2k steps); GerryChain: every step. Both: one chain, one process.")


if __name__ == "__main__":
    main()
