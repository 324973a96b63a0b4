"""Soft alignment (nhgeo.design.affinity): wards and PCN catchments as cut-cost factors; hard rules unchanged."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import nhgeo
from nhgeo.check.alignment import pcn_alignment, ward_alignment
from nhgeo.cli import app
from nhgeo.design import affinity
from nhgeo.design.neighbourhoods import propose_neighbourhoods
from nhgeo.design.partition import BalancedPartition, PartitionProblem
from nhgeo.design.refine import adjacency_lists, edge_costs
from nhgeo.errors import InputError
from nhgeo.geo.graph import build_graph
from nhgeo.model import Rules
from nhgeo.sources.columns import Col

from .synthetic import grid, voronoi


@pytest.mark.parametrize(("value", "want"), [
    ("ward", ("ward",)), ("pcn", ("pcn",)), ("pcn,ward", ("pcn", "ward")), (" Ward , PCN ", ("pcn", "ward")),
    ("none", ()), (None, ("ward",)), (["ward"], ("ward",)),
])
def test_parse_align(value: str | list[str] | None, want: tuple[str, ...]) -> None:
    assert affinity.parse_align(value) == want


@pytest.mark.parametrize("value", ["", "msoa", "ward,none", "ward;pcn"])
def test_parse_align_refuses(value: str) -> None:
    with pytest.raises(InputError, match="--align"):
        affinity.parse_align(value)


def test_ward_factor_only_inside_one_ward() -> None:
    units = pd.DataFrame({Col.WARD: ["A", "A", "B", None]})
    u, v = np.array([0, 1, 2, 0]), np.array([1, 2, 3, 3])
    f = affinity.ward_factor(units, u, v, weight=2.0)
    assert f.tolist() == [3.0, 1.0, 1.0, 1.0]  # unknown wards are never "the same ward"


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 12), npcn=st.integers(1, 5), seed=st.integers(0, 2**16))
def test_pcn_affinity_is_the_sum_of_common_shares(n: int, npcn: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    mat = rng.integers(0, 4, size=(n, npcn)).astype(float) * (rng.random((n, npcn)) < 0.6)
    unit, pcn = np.nonzero(mat)
    tot = mat.sum(axis=1)
    rows = (unit.astype(np.int64), pcn.astype(np.int64), mat[unit, pcn] / tot[unit])
    u = rng.integers(0, n, size=20)
    v = rng.integers(0, n, size=20)
    got = affinity._affinity_rows(rows, n, u, v)
    share = np.divide(mat, tot[:, None], out=np.zeros_like(mat), where=tot[:, None] > 0)
    want = np.minimum(share[u], share[v]).sum(axis=1)
    assert np.allclose(got, want)
    assert ((got >= 0) & (got <= 1 + 1e-12)).all()
    assert np.allclose(affinity._affinity_rows(rows, n, v, u), got)  # symmetric


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**16), wards=st.integers(2, 30), w=st.floats(0.0, 10.0))
def test_weighted_partition_keeps_the_hard_rules(seed: int, wards: int, w: float) -> None:
    """Any ward weighting: every part contiguous, in band, inside its LA (grid of 2 LAs, 4 parts each)."""
    rng = np.random.default_rng(seed)
    units = grid(16, 16, rng.integers(800, 1_200, size=256).astype(float), n_las=2)
    units[Col.WARD] = [f"W{x}" for x in rng.integers(0, wards, size=256)]
    units[Col.MSOA] = "M"
    adj = build_graph(units)
    lo = float(units[Col.POP].sum()) / 8 * 0.8
    rules = Rules(target=int(lo / 0.8), min=int(lo), max=int(lo / 0.8 * 1.2))
    ew = affinity.edge_weight(units, ("ward",), ward_weight=w)
    prop = propose_neighbourhoods(units, adj, rules, seed=seed, edge_weight=ew, workers=1)
    lab = prop.labels.to_numpy()
    for h in prop.neighbourhoods:
        pos = np.flatnonzero(lab == h.id).tolist()
        assert nx.is_connected(adj.graph.subgraph(pos))
        assert len(h.la_codes) == 1
        assert rules.min <= h.population <= rules.max or h.status == "exception"


@pytest.fixture(scope="module")
def camden_islington() -> dict[str, nhgeo.design.propose.ProposeResult]:
    return {a: nhgeo.propose("Camden,Islington", seed=0, align=a, levels=("neighbourhood",))
            for a in ("none", "ward", "pcn")}


def test_ward_alignment_splits_fewer_wards_with_the_same_rules(
        camden_islington: dict[str, nhgeo.design.propose.ProposeResult]) -> None:
    res = camden_islington
    split = {}
    for a, r in res.items():
        assert r.score.pct_contiguous == 100.0 and r.score.pct_in_band == 100.0 and r.score.la_splits == 0
        assert r.score.n_parts == res["none"].score.n_parts
        w = ward_alignment(r.study.units, r.proposal.labels.to_numpy())
        assert w is not None
        split[a] = w.split
    assert split["ward"] < split["none"]
    assert res["ward"].proposal.align == ("ward",) and res["none"].proposal.align == ()
    assert "--align" not in res["ward"].footprint().meta["generated_by"]
    assert res["pcn"].footprint().meta["generated_by"].endswith("--align pcn")
    again = nhgeo.propose("Camden,Islington", seed=0, align="ward", levels=("neighbourhood",))
    assert again.proposal.labels.tolist() == res["ward"].proposal.labels.tolist()  # deterministic


def test_default_is_ward(camden_islington: dict[str, nhgeo.design.propose.ProposeResult]) -> None:
    default = nhgeo.propose("Camden,Islington", seed=0, levels=("neighbourhood",))
    assert default.proposal.labels.tolist() == camden_islington["ward"].proposal.labels.tolist()


def test_align_without_data_changes_nothing() -> None:
    """LSOA 2011 units have no wards and no registrations: every setting gives the plain proposal."""
    plain = nhgeo.propose("Camden", seed=0, align="none", levels=("neighbourhood",), vintage=2011)
    both = nhgeo.propose("Camden", seed=0, align="ward,pcn", levels=("neighbourhood",), vintage=2011)
    assert plain.proposal.labels.tolist() == both.proposal.labels.tolist()


def test_cli_refuses_a_bad_align(tmp_path: object) -> None:
    res = CliRunner().invoke(app, ["propose", "--place", "Camden", "--out", f"{tmp_path}/o", "--align", "msoa"])
    assert res.exit_code == 2
    assert "--align" in res.output


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(20, 120), seed=st.integers(0, 2**16), k=st.integers(2, 5), slack=st.floats(0.05, 0.4),
       npcn=st.integers(1, 8), scale=st.floats(1.0, 1_000.0))
def test_pcn_polish_keeps_the_rules(n: int, seed: int, k: int, slack: float, npcn: int, scale: float) -> None:
    """The PCN polish never breaks contiguity, empties a part or lets a band violation grow."""
    rng = np.random.default_rng(seed)
    units = voronoi(n, seed, rng.integers(200, 3_000, size=n).astype(float))
    adj = build_graph(units)
    u, v, border = adj.edge_arrays()
    pop = units[Col.POP].to_numpy(dtype=float)
    n = len(pop)
    xy = np.column_stack([units.geometry.centroid.x, units.geometry.centroid.y])
    mean = pop.sum() / k
    prob = PartitionProblem(pop=pop, xy=xy, edges_u=u, edges_v=v, border=border,
                            travel=np.hypot(*(xy[u] - xy[v]).T), k=k, lo=mean * (1 - slack),
                            hi=mean * (1 + slack), target=mean)
    start = BalancedPartition(prob, seed=seed).solve().labels_
    node = np.repeat(np.arange(n), 2)
    pcn = rng.integers(0, npcn, size=2 * n)
    polish = affinity.PcnPolish(node=node, pcn=pcn, patients=rng.integers(0, 2_000, size=2 * n).astype(float),
                                scale=scale)
    nbrs, costs = adjacency_lists(n, u, v, edge_costs(border))
    out = polish(start, pop, nbrs, costs, prob.lo, prob.hi)
    assert sorted(set(out.tolist())) == sorted(set(start.tolist()))
    for j in set(out.tolist()):
        assert nx.is_connected(adj.graph.subgraph(np.flatnonzero(out == j).tolist()))
    sums0, sums1 = np.bincount(start, weights=pop, minlength=k), np.bincount(out, weights=pop, minlength=k)
    viol0 = np.maximum(0, prob.lo - sums0) + np.maximum(0, sums0 - prob.hi)
    viol1 = np.maximum(0, prob.lo - sums1) + np.maximum(0, sums1 - prob.hi)
    assert (viol1 <= viol0 + 1e-6).all()
    assert polish(start, pop, nbrs, costs, prob.lo, prob.hi).tolist() == out.tolist()  # deterministic


def test_pcn_keeps_more_patients_together(camden_islington: dict[str, nhgeo.design.propose.ProposeResult]) -> None:
    """Camden + Islington: --align pcn raises the median share of a PCN's patients in its main neighbourhood."""
    share = {}
    for a in ("none", "pcn"):
        r = camden_islington[a]
        p = pcn_alignment(r.study.units, r.proposal.labels.to_numpy(), 2021)
        assert p is not None
        share[a] = p.median_share
    assert share["pcn"] > share["none"]
