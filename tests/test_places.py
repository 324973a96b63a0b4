"""Places: neighbourhoods nested in places of 250k-500k inside one ICB (real London and Manchester,
plus a property test of the exchange repair on synthetic graphs)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nhgeo
from nhgeo.design.place_search import exchange_repair
from nhgeo.design.propose import ProposeResult


@pytest.fixture(scope="module")
def london() -> ProposeResult:  # --places band: the 42 ICBs these merges were written for
    return nhgeo.propose("London", seed=0, icb_vintage=2024, places="band")


@pytest.fixture(scope="module")
def london_la() -> ProposeResult:
    return nhgeo.propose("London", seed=0)


def _assert_nested(res: ProposeResult) -> None:
    """Each neighbourhood in exactly one place; each place one ICB, contiguous, in band or flagged with a true
    reason: no touching place of the same ICB gives an in-band merge (checked on the unit graph, independently)."""
    labels = res.proposal.labels.to_numpy()
    in_place = [n for p in res.places for n in p.neighbourhoods]
    assert sorted(in_place) == sorted(h.id for h in res.proposal.neighbourhoods)
    icb = res.study.units["icb_code"].astype(str).to_numpy()
    pop = res.study.units["population"].to_numpy(dtype=float)
    place_of = {n: i for i, p in enumerate(res.places) for n in p.neighbourhoods}
    unit_place = np.array([place_of[x] for x in labels])
    touching: set[tuple[int, int]] = set()
    for a, b in res.study.adj.graph.edges():
        if unit_place[a] != unit_place[b]:
            touching |= {(int(unit_place[a]), int(unit_place[b])), (int(unit_place[b]), int(unit_place[a]))}
    for i, p in enumerate(res.places):
        nodes = np.flatnonzero(unit_place == i)
        assert set(icb[nodes]) == {p.icb_code}, p.id
        assert p.population == int(round(pop[nodes].sum()))
        assert nx.is_connected(res.study.adj.graph.subgraph(nodes.tolist())), p.id  # never in pieces
        if res.proposal.places_mode == "la":  # one LA each; below the band: flagged with the merges into band
            assert len(p.la_codes) == 1 or p.status == "exception", p.id
            if p.population < 250_000:
                assert p.status == "exception" and "--places la" in p.reasons[-1], p.id
                for j, q in enumerate(res.places):
                    if (i, j) in touching and q.icb_code == p.icb_code and \
                            250_000 <= p.population + q.population <= 500_000:
                        assert f"= {p.population + q.population:,}" in p.reasons[-1], (p.name, q.name)
            continue
        if not 250_000 <= p.population <= 500_000:
            assert p.status == "exception" and p.reasons, p.id
            for j, q in enumerate(res.places):
                if (i, j) in touching and q.icb_code == p.icb_code:
                    assert not 250_000 <= p.population + q.population <= 500_000, (p.name, q.name)
                    assert f"= {p.population + q.population:,}" in p.reasons[-1]  # the arithmetic is stated


def test_london_places_nest_and_follow_las(london: ProposeResult) -> None:
    _assert_nested(london)
    by_name = {p.name: p for p in london.places}
    # small neighbouring boroughs of one ICB merge (Camden 210k + Islington 217k); LAs in band stay whole
    assert by_name["Camden & Islington"].la_codes == ["E09000007", "E09000019"]
    assert by_name["Hackney"].la_codes == ["E09000012"] and by_name["Hackney"].status == "ok"
    # merges that land in band are made, also with a place already in band (Hounslow, Havering)
    la_name = dict(zip(london.study.units["la_code"], london.study.units["la_name"], strict=False))
    by_las = {tuple(sorted(la_name[c] for c in p.la_codes)): p for p in london.places}
    for las in (("Kensington and Chelsea", "Westminster"), ("Hammersmith and Fulham", "Hounslow"),
                ("Barking and Dagenham", "Havering")):
        assert by_las[las].status == "ok", las
        assert by_las[las].name in (" & ".join(las), *(f"{x} and district" for x in las))  # never a long chain
    # only Bexley (246k) is left below: both its neighbours would go above 500,000
    out = [p for p in london.places if p.status != "ok"]
    assert [p.name for p in out] == ["Bexley"]
    assert "Bromley 330,031 = 576,490 (above the maximum)" in out[0].reasons[0]


def test_london_places_are_boroughs_by_default(london_la: ProposeResult) -> None:
    """--places la (default): every borough is its own place; none above 500,000 so none is split; Camden (210k)
    is flagged with the merge that would bring it into band (+ Islington)."""
    _assert_nested(london_la)
    las = [p.la_codes for p in london_la.places]
    assert all(len(x) == 1 for x in las) and len({x[0] for x in las}) == len(las)
    camden = next(p for p in london_la.places if p.name == "Camden")
    assert camden.status == "exception" and "+ Islington" in camden.reasons[-1]
    hackney = next(p for p in london_la.places if p.name == "Hackney")
    assert hackney.status == "ok"


def test_solihull_and_trafford_are_their_own_places() -> None:
    """Issue 25: the partnerships are the boroughs; --places band merges Solihull into east Birmingham."""
    la = nhgeo.propose("Birmingham and Solihull", seed=0)
    sol = [p for p in la.places if "E08000029" in p.la_codes]
    assert len(sol) == 1 and sol[0].la_codes == ["E08000029"] and sol[0].name == "Solihull"
    assert all(len(p.la_codes) == 1 for p in la.places)
    _assert_nested(la)
    band = nhgeo.propose("Birmingham and Solihull", seed=0, places="band")
    assert any(len(p.la_codes) > 1 for p in band.places)
    assert all(" & " not in p.name or p.name.count("&") == 1 for p in band.places)  # never a chain of every LA


def test_big_la_split_into_in_band_places() -> None:
    """Manchester (552k) is split along neighbourhood lines into two in-band contiguous places:
    the first split (249,872 + 302,016) is fixed by exchanging neighbourhoods."""
    res = nhgeo.propose("Manchester", seed=0)
    _assert_nested(res)
    assert len(res.places) == 2
    assert all(250_000 <= p.population <= 500_000 and p.status == "ok" for p in res.places)


@settings(max_examples=40, deadline=None)
@given(rows=st.integers(2, 5), cols=st.integers(3, 7), seed=st.integers(0, 10_000))
def test_exchange_repair_never_worsens(rows: int, cols: int, seed: int) -> None:
    """On any grid of blocks and any starting split into column bands, the repair keeps every
    block once, every part connected, and never raises the total band violation."""
    rng = np.random.default_rng(seed)
    g = nx.grid_2d_graph(rows, cols)
    ng = nx.relabel_nodes(g, {n: f"{n[0]}-{n[1]}" for n in g.nodes})
    for n in ng.nodes:
        ng.nodes[n]["pop"] = float(rng.integers(30_000, 70_000))
    cut = int(rng.integers(1, cols))
    parts = [[f"{r}-{c}" for r in range(rows) for c in range(cols) if (c < cut) == side] for side in (True, False)]
    lo, hi = 0.4 * sum(ng.nodes[n]["pop"] for n in ng.nodes), 0.6 * sum(ng.nodes[n]["pop"] for n in ng.nodes)

    def total_violation(ps: list[list[str]]) -> float:
        sums = [sum(ng.nodes[n]["pop"] for n in p) for p in ps]
        return sum(max(0.0, lo - s) + max(0.0, s - hi) for s in sums)

    out = exchange_repair(ng, parts, lo, hi)
    assert sorted(n for p in out for n in p) == sorted(ng.nodes)
    assert all(p and nx.is_connected(ng.subgraph(p)) for p in out)
    assert total_violation(out) <= total_violation(parts)


def test_cli_places_option(tmp_path: object) -> None:
    """--places la (default) and band; a bad value is exit 2 in one line; the footprint says how it was made."""
    from pathlib import Path

    from typer.testing import CliRunner

    from nhgeo.cli import app

    out = Path(str(tmp_path))
    bad = CliRunner().invoke(app, ["propose", "--place", "Camden", "--out", str(out / "x"), "--places", "icb"])
    assert bad.exit_code == 2 and "--places" in bad.output
    ok = CliRunner().invoke(app, ["propose", "--place", "Camden,Islington", "--out", str(out / "b"), "--places",
                                  "band", "--no-map", "--no-report", "--format", "json"])
    assert ok.exit_code == 0, ok.output
    text = (out / "b" / "footprint.toml").read_text()
    assert "--places band" in text and 'name = "Camden & Islington"' in text
    la = CliRunner().invoke(app, ["propose", "--place", "Camden,Islington", "--out", str(out / "l"), "--no-map",
                                  "--no-report", "--format", "json"])
    assert la.exit_code == 0
    text = (out / "l" / "footprint.toml").read_text()
    assert "propose --seed 0 --places" not in text and "--places la)" in text
    assert 'name = "Camden"' in text and 'name = "Islington"' in text
