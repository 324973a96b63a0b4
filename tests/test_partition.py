"""The partition's repair steps on small hand-built graphs, each built so that only the step under test fixes it
(issue 27: a fault planted in one step must fail a test that names it)."""

from __future__ import annotations

import numpy as np
import pytest

from nhgeo.design.band_repair import swap_repair
from nhgeo.design.partition import PartitionProblem


def _rings(pops: list[list[float]], lo: float, hi: float) -> tuple[PartitionProblem, list[list[int]]]:
    """One ring a-b-c-d-a of four units per entry of ``pops`` (rings not joined to each other); ring r holds
    units 4r..4r+3, and the tests start with parts {a, b} and {c, d} of each ring."""
    us: list[int] = []
    vs: list[int] = []
    nbrs: list[list[int]] = []
    for r in range(len(pops)):
        a = 4 * r
        us += [a, a + 1, a + 2, a + 3]
        vs += [a + 1, a + 2, a + 3, a]
        nbrs += [[a + 1, a + 3], [a, a + 2], [a + 1, a + 3], [a + 2, a]]
    n = 4 * len(pops)
    xy = np.column_stack([np.arange(n, dtype=float), np.zeros(n)])
    prob = PartitionProblem(pop=np.array([x for ring in pops for x in ring]), xy=xy, edges_u=np.array(us),
                            edges_v=np.array(vs), border=np.ones(n), travel=np.ones(n), k=2 * len(pops), lo=lo,
                            hi=hi, target=(lo + hi) / 2)
    return prob, nbrs


def _parts(rings: int) -> np.ndarray:
    return np.array([p for r in range(rings) for p in (2 * r, 2 * r, 2 * r + 1, 2 * r + 1)])


def test_swap_repair_exchanges_where_a_single_move_overshoots() -> None:
    """J = {0, 1} holds 38 (below 40), C = {2, 3} holds 42. Moving unit 3 (12) alone into J leaves C at 30 and
    moving 2 (30) puts J at 68; only an exchange (1 <-> 3, or 0 <-> 2) puts both at 40, each part still a
    connected pair of the ring — and one round of repair finds it."""
    prob, nbrs = _rings([[28.0, 10.0, 30.0, 12.0]], lo=40, hi=60)
    labels = swap_repair(prob, _parts(1), nbrs, rounds=1)
    assert labels.tolist() in ([0, 1, 1, 0], [1, 0, 0, 1])  # an exchange: two units each
    assert np.bincount(labels, weights=prob.pop).tolist() == [40.0, 40.0]


def test_swap_repair_goes_on_with_the_populations_after_an_exchange() -> None:
    """Two rings that each need an exchange: the second round must see the true populations after the first."""
    prob, nbrs = _rings([[28.0, 10.0, 30.0, 12.0], [29.0, 10.0, 30.0, 12.0]], lo=40, hi=60)
    labels = swap_repair(prob, _parts(2), nbrs)
    pops = np.bincount(labels, weights=prob.pop)
    assert pops.tolist() == [40.0, 40.0, 41.0, 40.0] or pops.tolist() == [40.0, 40.0, 40.0, 41.0]


def test_swap_repair_leaves_an_in_band_partition_alone() -> None:
    prob, nbrs = _rings([[25.0, 20.0, 25.0, 20.0]], lo=40, hi=60)
    assert swap_repair(prob, _parts(1), nbrs).tolist() == [0, 0, 1, 1]



def test_swap_repair_gives_a_unit_alone_when_that_is_the_fix() -> None:
    """J = {0, 1} holds 65 (over 60) and C = {2, 3} 40: only giving unit 0 (15) alone puts both in band (50, 55);
    giving unit 1 empties J below the band and every exchange leaves J over."""
    prob, nbrs = _rings([[15.0, 50.0, 20.0, 20.0]], lo=40, hi=60)
    labels = swap_repair(prob, _parts(1), nbrs, rounds=1)
    assert labels.tolist() == [1, 0, 1, 1]
    assert np.bincount(labels, weights=prob.pop).tolist() == [50.0, 55.0]


def test_shape_is_the_mean_polsby_popper_of_the_parts() -> None:
    """Four unit squares in a 2 x 2 block: as one part it is a square (Polsby-Popper pi/4); as two 1 x 2
    rectangles each is 4 pi 2 / 6^2 = 2 pi / 9 — perimeters are the squares' minus twice each inner border."""
    from nhgeo.design.partition import _shape

    u, v = np.array([0, 2, 0, 1]), np.array([1, 3, 2, 3])  # 0-1 and 2-3 side by side, 0-2 and 1-3 above
    p = PartitionProblem(pop=np.ones(4), xy=np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]),
                         edges_u=u, edges_v=v, border=np.ones(4), travel=np.ones(4), k=2, lo=1, hi=3, target=2,
                         area=np.ones(4), perimeter=np.full(4, 4.0))
    assert _shape(p, np.zeros(4, dtype=np.int64), np.ones(4)) == pytest.approx(-np.pi / 4)
    assert _shape(p, np.array([0, 0, 1, 1]), np.ones(4)) == pytest.approx(-2 * np.pi / 9)
    q = PartitionProblem(**{**p.__dict__, "area": None, "perimeter": None})  # no shapes: the cut cost instead
    assert _shape(q, np.array([0, 0, 1, 1]), np.array([1.0, 1.0, 5.0, 7.0])) == 12.0


def _path(pops: list[float], k: int, aim: float = 0.2) -> PartitionProblem:
    """Units 0-1-2-... in a line, band 40-60 (by default the aim is the whole band: no soft pull towards 50)."""
    n = len(pops)
    return PartitionProblem(pop=np.array(pops), xy=np.column_stack([np.arange(n, dtype=float), np.zeros(n)]),
                            edges_u=np.arange(n - 1), edges_v=np.arange(1, n), border=np.ones(n - 1),
                            travel=np.ones(n - 1), k=k, lo=40, hi=60, target=50, aim=aim)


def test_band_repair_takes_a_part_into_the_band_even_out_of_its_aim() -> None:
    """Path 0-1-2: part J = {0} holds 38 (below 40), C = {1, 2} holds 45 (3 + 42: at the bottom of the aim band
    45-55). Moving unit 1 to J brings J into the band (41) and leaves C in it (42) though below its aim: the hard
    band comes first, so the single move is made."""
    from nhgeo.design.band_repair import local_search
    from nhgeo.design.partition import _adjacency

    p = _path([38.0, 3.0, 42.0], 2, aim=0.1)  # aim band 45-55
    nbrs, weights = _adjacency(p)
    labels = local_search(p, np.array([0, 1, 1]), nbrs, weights, max_moves=100)
    assert labels.tolist() == [0, 0, 1]
    assert np.bincount(labels, weights=p.pop).tolist() == [41.0, 42.0]


@pytest.mark.parametrize(("pops", "start", "end"), [
    # A = {0} is 10 short; its only neighbour B = {1, 2} is at the minimum, so taking unit 1 (15) leaves B 15
    # short (worse), and B <-> C is in band either way: only the chain A <- B <- C (units 1 then 3) fixes it
    ([30.0, 15.0, 25.0, 15.0, 45.0], [0, 1, 1, 2, 2], [0, 0, 1, 1, 2]),
    # the mirror: A = {0, 1} is 10 over; B = {2, 3, 4} is at the maximum: A -> B (unit 1) then B -> C (unit 4)
    ([50.0, 20.0, 20.0, 20.0, 20.0, 20.0, 20.0], [0, 0, 1, 1, 1, 2, 2], [0, 1, 1, 1, 2, 2, 2]),
])
def test_chain_repair_passes_a_shortfall_through_a_part_at_the_band_edge(pops: list[float], start: list[int],
                                                                          end: list[int]) -> None:
    from nhgeo.design.band_repair import chain_repair, local_search
    from nhgeo.design.partition import _adjacency, _violation

    p = _path(pops, 3)
    nbrs, weights = _adjacency(p)
    labels = np.array(start)
    stuck = swap_repair(p, local_search(p, labels, nbrs, weights, max_moves=100), nbrs)
    assert _violation(p, stuck, 3) == 10  # single moves and exchanges cannot fix it
    assert chain_repair(p, labels, nbrs).tolist() == end
    assert _violation(p, np.array(end), 3) == 0


def test_chain_repair_never_breaks_a_part() -> None:
    """A = {0} is 10 short; B = {1, 2, 3} could give unit 2 (its middle: 10 people, 60 -> 50, A 30 -> 40), which
    would cut B in two. Unit 1 (30) would put A at 60 and B at 30 — so nothing helps, and nothing is done."""
    from nhgeo.design.band_repair import chain_repair
    from nhgeo.design.partition import _adjacency

    p = PartitionProblem(pop=np.array([30.0, 30.0, 10.0, 20.0]), xy=np.zeros((4, 2)),
                         edges_u=np.array([0, 1, 2, 0]), edges_v=np.array([1, 2, 3, 2]), border=np.ones(4),
                         travel=np.ones(4), k=2, lo=40, hi=60, target=50)
    nbrs, _ = _adjacency(p)
    assert chain_repair(p, np.array([0, 1, 1, 1]), nbrs).tolist() == [0, 1, 1, 1]


def test_the_soft_alignment_polish_runs_after_atoms_with_the_populations() -> None:
    """With atoms (wards) and a polish (PCN alignment), the polish is called once at the end with the labels,
    the unit populations, the neighbour lists and costs, and the band — and what it returns is the answer."""
    from nhgeo.design.partition import BalancedPartition

    rows, cols = 4, 6
    n = rows * cols
    xy = np.array([[c * 100.0, r * 100.0] for r in range(rows) for c in range(cols)])
    edges = [(r * cols + c, r * cols + c + 1) for r in range(rows) for c in range(cols - 1)]
    edges += [(r * cols + c, (r + 1) * cols + c) for r in range(rows - 1) for c in range(cols)]
    u, v = np.array(edges).T
    pop = np.full(n, 1000.0)
    calls: list[tuple[np.ndarray, float, float]] = []

    def polish(labels: np.ndarray, pops: np.ndarray, nbrs: list[list[int]], costs: list[list[float]], lo: float,
               hi: float) -> np.ndarray:
        assert len(nbrs) == len(costs) == n
        calls.append((np.asarray(pops), lo, hi))
        return labels

    atoms = np.array([(r // 2) * 3 + c // 2 for r in range(rows) for c in range(cols)])  # 2 x 2 blocks: 6 atoms
    p = PartitionProblem(pop=pop, xy=xy, edges_u=u, edges_v=v, border=np.full(len(u), 100.0),
                         travel=np.full(len(u), 100.0), k=3, lo=7000, hi=9000, target=8000, atoms=atoms,
                         polish=polish)
    labels = BalancedPartition(p, seed=0).solve().labels_
    assert len(calls) >= 1 and all(c[0].tolist() == pop.tolist() and c[1:] == (7000, 9000) for c in calls)
    assert sorted(np.bincount(labels, weights=pop).tolist()) == [8000.0, 8000.0, 8000.0]
