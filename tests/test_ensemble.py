"""nhgeo ensemble: every sampled plan is valid under the rule registry, the same seed gives the same bytes on
any number of Dask workers, and the diagnostics and comparisons mean what they say."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from nhgeo.check.rules import Status, run_rules
from nhgeo.cli import app
from nhgeo.ensemble import Ensemble, dask_client, regions_of, sample
from nhgeo.ensemble.compare import compare_labels, percentile_of
from nhgeo.ensemble.measures import PlanMeasurer, ess, rhat, vi_distance
from nhgeo.ensemble.recom import ChainJob, run_chain
from nhgeo.ensemble.regions import Region
from nhgeo.ensemble.run import EnsembleResult
from nhgeo.model import Assignment, Footprint, NeighbourhoodSpec, Rules, Study, open_study
from nhgeo.output import write_ensemble

PLACE = "Camden,Islington,City of London"


@pytest.fixture(scope="module")
def study() -> Study:
    return open_study(PLACE)


@pytest.fixture(scope="module")
def ens(study: Study) -> Ensemble:
    return sample(study, 24, seed=3, chains=2)


def _assignment(study: Study, ens: Ensemble, plan: np.ndarray) -> Assignment:
    """A plan as a footprint, with the exceptions the ensemble proves (regions choose_k finds infeasible) waived."""
    ids = np.array([f"N{x:03d}" for x in plan], dtype=object)
    hoods = [NeighbourhoodSpec(i, i, sorted(study.codes[ids == i].tolist())) for i in sorted(set(ids.tolist()))]
    waivers = []
    for r in ens.regions:
        if r.reason:
            for i in sorted(set(ids[r.nodes].tolist())):
                waivers.append({"rule": "population-band", "unit": i, "reason": r.reason})
    city = study.column("la_code") == "E09000001"  # City of London: too small, no neighbour in its own ICB
    (joined,) = set(ids[city].tolist())  # joined whole, as propose joins it
    waivers.append({"rule": "nesting", "unit": joined, "reason": "City of London piece joined across the ICB"})
    fp = Footprint(name="plan", vintage=2021, rules=study.rules, neighbourhoods=hoods, waivers=waivers)
    return Assignment.align(fp, study)


def test_every_plan_holds_the_rules(study: Study, ens: Ensemble) -> None:
    assert ens.plans.shape == (24, len(study.units))
    assert (ens.plans >= 0).all()
    for plan in ens.plans:
        res = {r.rule.id: r for r in run_rules(study, _assignment(study, ens, plan))}
        for rule in ("contiguity", "population-band", "la-alignment", "nesting", "coverage"):
            assert res[rule].status in (Status.HOLDS, Status.WARNS), (rule, [f.message for f in res[rule].findings])
        assert res["contiguity"].status == Status.HOLDS


def test_a_broken_plan_is_caught_by_the_same_check(study: Study, ens: Ensemble) -> None:
    plan = ens.plans[0].copy()
    plan[plan == plan[0]] = plan[np.flatnonzero(plan != plan[0])[0]]  # plant the fault: two parts merged
    res = {r.rule.id: r for r in run_rules(study, _assignment(study, ens, plan))}
    assert res["population-band"].status == Status.FAILS or res["contiguity"].status == Status.FAILS


def test_regions_follow_propose_city_of_london_joined(study: Study) -> None:
    regions = regions_of(study)
    las = sorted(r.la for r in regions)
    assert las == ["E09000007", "E09000019"]  # City of London (8,600 people) joined whole to a neighbour
    assert sum(len(r.nodes) for r in regions) == len(study.units)


def test_plans_differ_and_chains_start_apart(ens: Ensemble) -> None:
    assert len({p.tobytes() for p in ens.plans}) > 12
    vi = ens.vi(100)
    assert np.median(vi) > 0.3


def test_same_seed_same_bytes_on_two_dask_workers(study: Study, ens: Ensemble, tmp_path: Path) -> None:
    from distributed import LocalCluster

    # a real 2-worker LocalCluster, reached by its address as --scheduler reaches an existing cluster
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0") as cluster, \
            dask_client(scheduler=cluster.scheduler_address) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        other = sample(study, 24, seed=3, chains=2, client=client)
    assert np.array_equal(ens.plans, other.plans)
    outs = []
    for name, e in (("a", ens), ("b", other)):
        res = EnsembleResult(e, e.separation(), e.vi(), e.diagnostics())
        write_ensemble(res, tmp_path / name, report=True)
        outs.append(tmp_path / name)
    for f in ("plans.parquet", "stability.gpkg", "summary.json", "report.html"):
        assert (outs[0] / f).read_bytes() == (outs[1] / f).read_bytes(), f
    differ = sample(study, 24, seed=4, chains=2)
    assert not np.array_equal(ens.plans, differ.plans)


def test_outputs_hold_what_the_issue_names(study: Study, ens: Ensemble, tmp_path: Path) -> None:
    import geopandas as gpd

    res = EnsembleResult(ens, ens.separation(), ens.vi(), ens.diagnostics())
    write_ensemble(res, tmp_path / "o", report=False)
    df = pd.read_parquet(tmp_path / "o" / "plans.parquet")
    assert list(df.columns[:3]) == ["code", "plan_0000", "plan_0001"] and len(df.columns) == 25
    assert df["code"].tolist() == study.codes.tolist()
    assert np.array_equal(df["plan_0005"].to_numpy(), ens.plans[5])
    lines = gpd.read_file(tmp_path / "o" / "stability.gpkg", layer="lines")
    eu, ev, _ = study.adj.edge_arrays()
    assert len(lines) == len(eu)
    share = (ens.plans[:, eu] != ens.plans[:, ev]).mean(axis=0)
    assert np.allclose(lines["share_separated"], np.round(share, 4))
    assert set(lines["status"]) <= {"firm", "open", "inside"}
    co = gpd.read_file(tmp_path / "o" / "stability.gpkg", layer="co_members")
    first = co.iloc[0]
    top_code, top_share = first["co_members"].split("; ")[0].split(" ")
    together = (ens.plans[:, 0] == ens.plans[:, study.codes.tolist().index(top_code)]).mean()
    assert float(top_share) == pytest.approx(together, abs=0.006)
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    for m in ("mean_polsby_popper", "cut_edges", "wards_split", "pcn_median_share"):
        assert {"rhat", "ess", "p5", "p50", "p95"} <= set(summary["measures"][m])
    assert summary["diagnostics"]["runs"] == 2


def test_measures_match_the_validators_scorer(study: Study, ens: Ensemble) -> None:
    from nhgeo.check.alignment import pcn_alignment, ward_alignment
    from nhgeo.check.metrics import score_assignment

    plan = ens.plans[7]
    got = PlanMeasurer.of(study).measure(plan)
    sc = score_assignment(study.units, study.adj, plan.astype(str), study.rules)
    assert got["cut_edges"] == sc.cut_edges
    assert got["worst_polsby_popper"] == pytest.approx(sc.worst_polsby_popper)
    assert got["mean_polsby_popper"] == pytest.approx(sc.mean_polsby_popper, abs=1e-4)
    assert got["max_deviation"] == pytest.approx(sc.worst_deviation, abs=1e-4)
    ward = ward_alignment(study.units, plan.astype(str))
    pcn = pcn_alignment(study.units, plan.astype(str), 2021)
    assert ward is not None and pcn is not None
    assert got["wards_split"] == ward.split
    assert got["pcn_median_share"] == pytest.approx(pcn.median_share, abs=1e-4)


def test_compare_flags_a_planted_outlier(study: Study, ens: Ensemble) -> None:
    typical = compare_labels(study, ens.plans, ens.plans[0].astype(str), "plan 0", measures=ens.measures)
    assert 0 <= typical.measures["cut_edges"]["percentile"] <= 100
    # plant the fault: a plan cutting every ward it can (units alternate between two parts along a chain) is
    # not in the ensemble's range for cut edges
    bad = np.where(np.arange(len(study.units)) % 2 == 0, "A", "B").astype(object)
    cmp = compare_labels(study, ens.plans, bad, "bad", measures=ens.measures)
    assert cmp.measures["cut_edges"]["outlier"] and cmp.measures["cut_edges"]["percentile"] == 100.0
    assert set(cmp.measures["cut_edges"]) == {"value", "p5", "p50", "p95", "percentile", "outlier"}
    assert all(h["firm_share"] is None or 0 <= h["firm_share"] <= 1 for h in cmp.neighbourhoods)


def test_percentile_counts_ties_half() -> None:
    assert percentile_of(np.array([1.0, 2.0, 3.0, 4.0]), 2.0) == pytest.approx(37.5)
    assert percentile_of(np.array([5.0] * 10), 5.0) == 50.0


def test_rhat_and_ess_on_known_chains() -> None:
    rng = np.random.default_rng(0)
    iid = [rng.normal(size=2000) for _ in range(4)]
    assert rhat(iid) < 1.01
    assert 5000 < ess(iid) <= 8000 * 1.2
    apart = [rng.normal(size=500) + 3 * c for c in range(2)]
    assert rhat(apart) > 1.5
    ar = []
    for _ in range(2):
        x = np.zeros(2000)
        for t in range(1, 2000):
            x[t] = 0.95 * x[t - 1] + rng.normal()
        ar.append(x)
    assert ess(ar) < 400  # theory: 4000 (1 - 0.95) / (1 + 0.95) ~ 100


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=6, max_size=30), st.lists(st.integers(0, 4), min_size=6, max_size=30),
       st.permutations(range(5)))
def test_vi_is_a_distance_blind_to_relabelling(a: list[int], b: list[int], perm: list[int]) -> None:
    n = min(len(a), len(b))
    x, y = np.array(a[:n]), np.array(b[:n])
    pop = np.ones(n)
    assert vi_distance(x, np.array(perm)[x], pop) == pytest.approx(0, abs=1e-9)
    assert vi_distance(x, y, pop) == pytest.approx(vi_distance(y, x, pop))
    assert vi_distance(x, y, pop) >= 0


def _grid_region(w: int, h: int, k: int, pops: list[int]) -> Region:
    idx = np.arange(w * h).reshape(h, w)
    eu = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    ev = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    pop = np.array([pops[i % len(pops)] for i in range(w * h)], dtype=float)
    total = pop.sum()
    return Region(key="grid|0", la="grid", nodes=np.arange(w * h), atom=np.arange(w * h), pop=pop, eu=eu, ev=ev,
                  ward_cross=(eu // 4) != (ev // 4), ward=(np.arange(w * h) // 4).astype(str), k=k,
                  lo=total / k * 0.8, hi=total / k * 1.2, feasible=True)


@settings(max_examples=15, deadline=None)
@given(st.integers(4, 8), st.integers(4, 8), st.integers(2, 4),
       st.lists(st.integers(50, 150), min_size=1, max_size=5), st.integers(0, 2**16))
def test_every_recom_plan_is_contiguous_and_in_band(w: int, h: int, k: int, pops: list[int], seed: int) -> None:
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    r = _grid_region(w, h, k, pops)
    res = run_chain(ChainJob(r, 0, (seed,), samples=10, thin=3, burn=5, surcharge=1.0))
    for lab in res.labels:
        assert len(set(lab.tolist())) == k
        pop = np.bincount(lab, weights=r.pop)
        assert (pop >= res.lo - 1e-9).all() and (pop <= res.hi + 1e-9).all()
        for p in range(k):
            m = np.flatnonzero(lab == p)
            keep = (lab[r.eu] == p) & (lab[r.ev] == p)
            loc = np.full(r.m, -1)
            loc[m] = np.arange(len(m))
            g = csr_matrix((np.ones(keep.sum()), (loc[r.eu[keep]], loc[r.ev[keep]])), shape=(len(m), len(m)))
            assert connected_components(g, directed=False)[0] == 1


def test_an_infeasible_region_is_an_exception_like_propose() -> None:
    study = open_study("Camden", rules=Rules(target=45_500, min=45_000, max=46_000))
    (r,) = regions_of(study)
    assert not r.feasible and "cannot be split" in r.reason
    e = sample(study, 6, seed=0, chains=2)
    lo, hi = e.bands[r.key]
    assert lo < 45_000 or hi > 46_000
    pops = [np.bincount(p, weights=study.population) for p in e.plans]
    assert all(((x >= lo) & (x <= hi)).all() for x in pops)


def test_cli_ensemble_and_validate_against_it(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "e"
    r = runner.invoke(app, ["ensemble", "-p", "Camden", "-n", "8", "--chains", "2", "--workers", "1", "-o", str(out),
                            "--alternatives", "2", "--format", "json", "--compare",
                            "configs/examples/north_central_london.toml"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout[r.stdout.index("{"):])
    assert d["method"]["plans"] == 8 and len(d["alternatives"]) == 2
    assert d == json.loads((out / "summary.json").read_text())
    assert set(d["compare"]["measures"]) == {"mean_polsby_popper", "worst_polsby_popper", "cut_edges", "max_deviation",
                                             "wards_split", "pcn_median_share", "lsoas_outside_la"}
    keys = {"value", "p5", "p50", "p95", "percentile", "outlier"}
    assert all(set(v) == keys for v in d["compare"]["measures"].values())
    assert {h["id"][:9] for h in d["compare"]["neighbourhoods"]} == {"E09000007"}  # Camden's, from the NCL file
    page = (out / "report.html").read_text()
    assert "configs/examples/north_central_london.toml on the ensemble" in page and page.count("<figure>") == 7
    assert (out / "alternatives" / "alternative_1.toml").is_file()
    assert (out / "alternatives" / "comparison.html").is_file()
    r = runner.invoke(app, ["validate", str(out / "alternatives" / "alternative_1.toml"), "--ensemble", str(out),
                            "--format", "json"])
    assert r.exit_code == 0, r.output
    v = json.loads(r.stdout)
    assert set(v["ensemble"]["measures"]) >= {"mean_polsby_popper", "cut_edges", "wards_split"}
    r = runner.invoke(app, ["ensemble", "-p", "Camden", "-n", "2", "--chains", "3", "-o", str(tmp_path / "x")])
    assert r.exit_code == 2 and "--chains" in r.output
    r = runner.invoke(app, ["validate", str(out / "alternatives" / "alternative_1.toml"), "--ensemble", str(tmp_path)])
    assert r.exit_code == 2 and "plans.parquet" in r.output
