"""Fixes are true: applying a suggested fix gives in-band, contiguous, LA-aligned parts, and no LSOA is
offered twice in one report (issue 16 item 6)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nhgeo.check.rules import Finding, run_rules
from nhgeo.geo.graph import build_graph
from nhgeo.model import Assignment, Footprint, NeighbourhoodSpec, Rules, Study
from nhgeo.sources.boundaries import LoadReport

from .synthetic import grid


def _report(rows: int, cols: int, pops: np.ndarray, cuts: list[int], n_las: int, rules: Rules
            ) -> tuple[Study, Assignment, list[Finding]]:
    """Vertical strips between column ``cuts`` as neighbourhoods on a synthetic grid; every rule run."""
    strip = np.searchsorted(np.array(cuts), np.arange(rows * cols) % cols, side="right")
    return _labelled(rows, cols, pops, [f"N{s}" for s in strip.tolist()], rules, n_las)


def _apply(study: Study, asg: Assignment, moves: list[dict[str, str]]) -> np.ndarray:
    labels = asg.labels.copy()
    pos = {c: i for i, c in enumerate(study.codes)}
    for m in moves:
        assert labels[pos[m["code"]]] == (m["from"] or ""), m
        labels[pos[m["code"]]] = m["to"]
    return labels


def _assert_true(study: Study, asg: Assignment, labels: np.ndarray, touched: set[str]) -> None:
    """Every touched neighbourhood: in band, one connected area, no LA it did not have before."""
    la = study.column("la_code")
    for t in touched:
        m = np.flatnonzero(labels == t)
        assert asg.rules.in_band(float(study.population[m].sum())), (t, study.population[m].sum())
        assert nx.is_connected(study.adj.graph.subgraph(m.tolist())), t
        assert set(la[m]) <= set(la[asg.members(t)]), t


def test_band_fix_names_moves_and_is_true() -> None:
    """Strips of 1, 3 and 2 columns (6k, 18k, 12k; band 10k-14k): no single move fixes the small one;
    the report says so, gives the set of moves, and the set works when applied; the big neighbour's
    own finding points to that fix instead of offering its LSOAs again."""
    rules = Rules(target=12_000, min=10_000, max=14_000, place_min=10_000, place_max=100_000)
    study, asg, findings = _report(6, 6, np.full(36, 1000.0), [1, 4], 1, rules)
    band = {f.unit: f for f in findings if f.rule == "population-band"}
    assert set(band) == {"N0", "N1"}
    small = band["N0"]
    moves = small.data["moves"]
    assert small.fix is not None and small.fix.startswith("no single move brings N0 into band")
    assert len(moves) == 4 and all(m["from"] == "N1" and m["to"] == "N0" for m in moves)
    assert "afterwards N0 10,000, N1 14,000; all within band" in small.fix
    _assert_true(study, asg, _apply(study, asg, moves), {"N0", "N1"})
    assert band["N1"].fix == "the fix for N0 (above) brings N1 to 14,000, within band"
    assert "moves" not in band["N1"].data


def test_no_fix_says_so() -> None:
    """6k, 12k, 18k in a row with band 10k-14k: the middle strip can spare only 2k, so nothing brings
    the small one into band, and the report says so rather than claiming a fix."""
    rules = Rules(target=12_000, min=10_000, max=14_000, place_min=10_000, place_max=100_000)
    _, _, findings = _report(6, 6, np.full(36, 1000.0), [1, 3], 1, rules)
    small = next(f for f in findings if f.rule == "population-band" and f.unit == "N0")
    assert small.fix is not None and small.fix.startswith("no set of up to 8 boundary moves brings N0 into band")
    assert "within band" not in small.fix.split(";")[0] and "moves" not in small.data


def test_fixes_respect_la_alignment() -> None:
    """Two LAs as column halves (L0 = columns 0-2, L1 = 3-5) and strips 0 | 1-3 | 4-5: the middle strip
    straddles the LA boundary; its fix moves exactly its L1 column to the L1 neighbourhood, which stays in
    band, and no fix anywhere takes an LSOA across the LA boundary."""
    rules = Rules(target=12_000, min=6_000, max=18_000, place_min=6_000, place_max=100_000)
    study, asg, findings = _report(6, 6, np.full(36, 1000.0), [1, 4], 2, rules)
    la = dict(zip(study.codes, study.column("la_code"), strict=True))
    for f in findings:
        for m in f.data.get("moves", []):
            assert la[m["code"]] in set(study.column("la_code")[asg.members(m["to"])]), (f.unit, m)
    (cross,) = [f for f in findings if f.rule == "la-alignment"]
    col3 = {str(c) for i, c in enumerate(study.codes) if i % 6 == 3}
    assert cross.unit == "N1" and {m["code"] for m in cross.data["moves"]} == col3
    assert {m["to"] for m in cross.data["moves"]} == {"N2"} and cross.data["after"] == {"N1": 12_000, "N2": 18_000}
    _assert_true(study, asg, _apply(study, asg, cross.data["moves"]), {"N1", "N2"})


@settings(max_examples=40, deadline=None)
@given(rows=st.integers(3, 6), cols=st.integers(4, 8), seed=st.integers(0, 10_000), k=st.integers(2, 4),
       n_las=st.integers(1, 2), slack=st.floats(0.1, 0.35))
def test_applying_any_fix_gives_true_parts(rows: int, cols: int, seed: int, k: int, n_las: int,
                                           slack: float) -> None:
    rng = np.random.default_rng(seed)
    pops = rng.integers(500, 3000, size=rows * cols).astype(float)
    cuts = sorted(rng.choice(np.arange(1, cols), size=min(k - 1, cols - 1), replace=False).tolist())
    mean = pops.sum() / (len(cuts) + 1)
    rules = Rules(target=int(mean), min=int(mean * (1 - slack)), max=int(mean * (1 + slack)) + 1,
                  place_min=1, place_max=int(pops.sum()) + 1)
    study, asg, findings = _report(rows, cols, pops, cuts, n_las, rules)
    used: set[str] = set()
    all_moves: list[dict[str, str]] = []
    for f in findings:
        moves = f.data.get("moves", [])
        codes = {m["code"] for m in moves}
        assert not codes & used, "an LSOA offered in two fixes"
        used |= codes
        if f.fix and "all within band" in f.fix:
            assert f.data.get("verified") is True
        if f.rule == "population-band" and moves:
            assert f.data["verified"] is True
            touched = {m["from"] for m in moves} | {m["to"] for m in moves}
            _assert_true(study, asg, _apply(study, asg, moves), touched)
            all_moves += moves
        elif moves:  # a detached part or another LA's LSOAs must leave: the receivers stay true
            assert f.data["verified"] is True
            _assert_true(study, asg, _apply(study, asg, moves), {m["to"] for m in moves})
            all_moves += moves
    if all_moves:  # the fixes hold together too: they touch different neighbourhoods
        band_fixed = {m["from"] for f in findings if f.rule == "population-band" for m in f.data.get("moves", [])}
        touched = {m["to"] for m in all_moves} | band_fixed
        _assert_true(study, asg, _apply(study, asg, all_moves), touched)


def test_merge_offered_only_when_it_is_true() -> None:
    """6k | 6k | 24k with band 10k-14k: no moves help the two small strips, but together they are 12k and one
    area: the first is told to merge with the second, and the second's finding points to that merge."""
    rules = Rules(target=12_000, min=10_000, max=14_000, place_min=10_000, place_max=100_000)
    _, _, findings = _report(6, 6, np.full(36, 1000.0), [1, 2], 1, rules)
    band = {f.unit: f.fix for f in findings if f.rule == "population-band"}
    assert band["N0"] is not None and band["N0"].endswith(
        "merge it with N1 (together 12,000, within band, one connected area)")
    assert band["N1"] == "the fix for N0 (merge with N1) (above) brings N1 to 12,000, within band"


@pytest.mark.parametrize(("column_pops", "cuts", "n_las", "over", "to", "after"), [
    # strips of 2 columns: N0 13,500 (near the top of 10k-14k), N1 14,400 (over), N2 12,000. Giving N1's first
    # border LSOA to N0 would put N0 at 14,700, so the fix gives one to N2 instead (both end at 13,200)
    ([1125, 1125, 1200, 1200, 1000, 1000], [2, 4], 1, "N1", "N2", "afterwards N1 13,200, N2 13,200"),
    # L0 = columns 0-2, L1 = 3-5; N1 (columns 2-4) lives mostly in L1 (8,400 of 11,400); N2 (column 5, L1) is over
    # at 15,000 and gives one LSOA to N1: no new crossing, N1's own LA being L1 (by people, not by the alphabet)
    ([1000, 1000, 500, 700, 700, 2500], [2, 5], 2, "N2", "N1", "afterwards N1 13,900, N2 12,500"),
], ids=["never-pushes-a-neighbour-out", "into-the-la-where-most-live"])
def test_band_fix_gives_to_the_right_neighbour(column_pops: list[int], cuts: list[int], n_las: int, over: str,
                                               to: str, after: str) -> None:
    rules = Rules(target=12_000, min=10_000, max=14_000, place_min=10_000, place_max=100_000)
    study, asg, findings = _report(6, 6, np.tile(np.array(column_pops, dtype=float), 6), cuts, n_las, rules)
    finding = next(f for f in findings if f.rule == "population-band" and f.unit == over)
    moves = finding.data["moves"]
    assert [(m["from"], m["to"]) for m in moves] == [(over, to)]
    assert f"{after}; all within band" in (finding.fix or "")
    _assert_true(study, asg, _apply(study, asg, moves), {over, to})


def _labelled(rows: int, cols: int, pops: np.ndarray, labels: list[str], rules: Rules, n_las: int = 1
              ) -> tuple[Study, Assignment, list[Finding]]:
    """A grid (LAs as vertical strips) whose unit i belongs to ``labels[i]`` ("" = in no neighbourhood); every
    rule run."""
    units = grid(rows, cols, pops, n_las=n_las)
    study = Study(units, build_graph(units), LoadReport("synthetic", 2021, len(units)), "synthetic", rules)
    codes = units["code"].astype(str).to_numpy()
    ids = sorted(set(labels) - {""})
    fp = Footprint("synthetic", 2021, rules, [NeighbourhoodSpec(i, i, [c for c, x in zip(codes, labels, strict=True)
                                                                        if x == i]) for i in ids])
    asg = Assignment.align(fp, study, pd.Index(codes))
    return study, asg, [f for r in run_rules(study, asg) for f in r.findings]


def _strips(cols_n0: int, rows: int = 6, cols: int = 6) -> list[str]:
    return ["N0" if i % cols < cols_n0 else "N1" for i in range(rows * cols)]


def test_a_detached_part_no_neighbour_can_take_says_so() -> None:
    """N0 = columns 0-1 plus one LSOA (row 2, column 4) inside N1, which is at the top of the band: nothing can take
    the detached LSOA, and the fix says what to do instead, word for word."""
    rules = Rules(target=16_000, min=8_000, max=23_000, place_min=8_000, place_max=100_000)
    labels = _strips(2)
    labels[2 * 6 + 4] = "N0"
    _, _, findings = _labelled(6, 6, np.full(36, 1000.0), labels, rules)
    cont = next(f for f in findings if f.rule == "contiguity" and f.unit == "N0")
    assert cont.fix is not None and cont.fix.endswith(
        "U00016 (1,000 people) cannot move: no neighbour it touches can take it and stay in band inside its local "
        "authority; redraw it with the neighbourhood of its LA that surrounds it"), cont.fix
    assert "moves" not in cont.data


def test_a_gap_no_neighbour_can_take_gets_no_fix() -> None:
    """An LSOA in no neighbourhood, inside N1 at the top of the band: no checked fix exists, so the finding offers
    none (no empty 'assign' that claims the band holds)."""
    rules = Rules(target=16_000, min=8_000, max=23_000, place_min=8_000, place_max=100_000)
    labels = _strips(2)
    labels[2 * 6 + 4] = ""
    _, _, findings = _labelled(6, 6, np.full(36, 1000.0), labels, rules)
    gap = next(f for f in findings if f.rule == "coverage")
    assert gap.fix == "assign them to a neighbourhood of their LA they touch (N1) once its own findings are fixed"
    assert "moves" not in gap.data


def test_the_coverage_fix_that_joins_a_split_neighbourhood_says_so() -> None:
    """N0 (columns 0-1, 10,000 people, below the band's 11,000) is cut in two by a row of two LSOAs in no
    neighbourhood; the fix for coverage gives the first to N0, which makes it one area in band, so N0's contiguity
    and band findings point to that fix instead of moving LSOAs."""
    rules = Rules(target=16_000, min=11_000, max=30_000, place_min=8_000, place_max=100_000)
    labels = _strips(2)
    labels[12] = labels[13] = ""
    study, asg, findings = _labelled(6, 6, np.full(36, 1000.0), labels, rules)
    gap = next(f for f in findings if f.rule == "coverage")
    assert [(m["code"], m["to"]) for m in gap.data["moves"]] == [("U00012", "N0"), ("U00013", "N1")]
    cont = next(f for f in findings if f.rule == "contiguity" and f.unit == "N0")
    assert cont.fix == "the fix for coverage (below) joins its parts into one area: nothing else to move"
    assert "moves" not in cont.data
    band = next(f for f in findings if f.rule == "population-band" and f.unit == "N0")
    assert band.fix == "the fix for coverage (above) brings N0 to 11,000, within band"
    _assert_true(study, asg, _apply(study, asg, gap.data["moves"]), {"N0", "N1"})


def test_a_neighbour_held_by_an_earlier_fix_is_named_not_called_full() -> None:
    """N0's detached top could go to N1 (room for it), but the fix for coverage already changes N1: the advice
    says so and what to do, instead of claiming no neighbour can take it."""
    rules = Rules(target=16_000, min=8_000, max=30_000, place_min=8_000, place_max=100_000)
    labels = _strips(2)
    labels[12] = labels[13] = ""
    _, _, findings = _labelled(6, 6, np.full(36, 1000.0), labels, rules)
    gap = next(f for f in findings if f.rule == "coverage")
    assert [(m["code"], m["to"]) for m in gap.data["moves"]] == [("U00013", "N1")]
    cont = next(f for f in findings if f.rule == "contiguity" and f.unit == "N0")
    assert cont.fix is not None and "cannot move: the neighbourhood it touches (N1) is changed by the fix for " \
        "coverage (above): apply that fix and validate again" in cont.fix, cont.fix
    assert "no neighbour it touches can take it" not in cont.fix
