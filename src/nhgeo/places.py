"""Group neighbourhoods into places of 250k-500k that follow local authorities inside each ICB.

Rules, applied per ICB on the neighbourhood adjacency graph:

* an LA (its neighbourhoods in this ICB) of ``place_min``-``place_max`` people is a place;
* an LA above ``place_max`` is split into places along neighbourhood lines
  (:class:`~nhgeo.partition.BalancedPartition` on the neighbourhood graph);
* LAs below ``place_min`` are merged with neighbouring LAs of the same ICB, smallest first,
  preferring a merge that lands in the band, else the smallest neighbour;
* when no rule can hold (no neighbour in the ICB, every merge would exceed the maximum,
  an ICB smaller than a place) the place is kept and flagged with the rule that gave way.

Every neighbourhood ends in exactly one place and every place in exactly one ICB.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from .graph import AdjacencyGraph
from .model import Rules, choose_k
from .neighbourhoods import Proposal
from .partition import BalancedPartition, PartitionProblem

_SPLIT_STARTS = 8  # seeds tried when an LA is split into places; the best in-band, shortest-border split wins
_COMPASS = ["East", "North-East", "North", "North-West", "West", "South-West", "South", "South-East"]


@dataclass
class Place:
    """A place: neighbourhoods nested in one ICB."""

    id: str
    name: str
    icb_code: str
    neighbourhoods: list[str]
    population: int
    la_codes: list[str]
    status: str = "ok"
    reasons: list[str] = field(default_factory=list)


def neighbourhood_graph(units: gpd.GeoDataFrame, adj: AdjacencyGraph, labels: np.ndarray) -> nx.Graph:
    """Graph of neighbourhoods: nodes carry pop/xy/icb/la; edges the shared border (bridges count 1 m)."""
    lab = np.asarray(labels).astype(str)
    ng = nx.Graph()
    pts = shapely.get_coordinates(shapely.point_on_surface(np.asarray(units.geometry.values)))
    df = pd.DataFrame({"n": lab, "pop": units["population"].to_numpy(dtype=float), "x": pts[:, 0], "y": pts[:, 1],
                       "icb": units["icb_code"].astype(str).to_numpy(), "la": units["la_code"].astype(str).to_numpy()})
    df["wx"], df["wy"] = df["x"] * df["pop"], df["y"] * df["pop"]
    for nid, grp in df.groupby("n", sort=True):
        pop = float(grp["pop"].sum())
        w = max(pop, 1.0)
        ng.add_node(str(nid), pop=pop, x=float(grp["wx"].sum() / w) if pop else float(grp["x"].mean()),
                    y=float(grp["wy"].sum() / w) if pop else float(grp["y"].mean()),
                    icb=grp.groupby("icb")["pop"].sum().idxmax(), la=grp.groupby("la")["pop"].sum().idxmax())
    for a, b, d in adj.graph.edges(data=True):
        if lab[a] != lab[b]:
            w = float(d.get("length", 0.0)) or 1.0
            if ng.has_edge(lab[a], lab[b]):
                ng[lab[a]][lab[b]]["length"] += w
            else:
                ng.add_edge(lab[a], lab[b], length=w)
    return ng


def _split(ng: nx.Graph, nodes: list[str], rules: Rules, seed: int) -> list[list[str]]:
    """Split an LA's neighbourhoods into in-band places along neighbourhood lines."""
    pop = np.array([ng.nodes[n]["pop"] for n in nodes])
    target = (rules.place_min + rules.place_max) / 2
    k, _ = choose_k(float(pop.sum()), rules.place_min, rules.place_max, target)
    k = min(k, len(nodes))
    if k <= 1:
        return [nodes]
    idx = {n: i for i, n in enumerate(nodes)}
    sub = ng.subgraph(nodes)
    eu = np.array([idx[a] for a, b in sub.edges()], dtype=np.int64)
    ev = np.array([idx[b] for a, b in sub.edges()], dtype=np.int64)
    border = np.array([d["length"] for _, _, d in sub.edges(data=True)])
    xy = np.array([[ng.nodes[n]["x"], ng.nodes[n]["y"]] for n in nodes])
    travel = np.hypot(*(xy[eu] - xy[ev]).T) if len(eu) else np.zeros(0)
    prob = PartitionProblem(pop=pop, xy=xy, edges_u=eu, edges_v=ev, border=border, travel=travel, k=k,
                            lo=rules.place_min, hi=rules.place_max, target=target, aim=0.2)
    best: tuple[float, float, np.ndarray] | None = None
    for attempt in range(_SPLIT_STARTS):  # a handful of starts: these graphs have tens of nodes
        lab = BalancedPartition(prob, seed=seed + 7919 * attempt).solve().labels_
        sums = np.bincount(lab, weights=pop)
        viol = float(np.sum(np.maximum(0, rules.place_min - sums) + np.maximum(0, sums - rules.place_max)))
        cut = float(border[lab[eu] != lab[ev]].sum()) if len(eu) else 0.0
        if best is None or (viol, cut) < (best[0], best[1]):
            best = (viol, cut, lab)
        if viol == 0 and attempt >= 1:
            break
    assert best is not None
    lab = best[2]
    parts = [[nodes[i] for i in np.flatnonzero(lab == j)] for j in range(int(lab.max()) + 1)]
    return _exchange_repair(ng, parts, rules.place_min, rules.place_max) if best[0] > 0 else parts


def _exchange_repair(ng: nx.Graph, parts: list[list[str]], lo: float, hi: float) -> list[list[str]]:
    """Swap (or move) neighbourhoods between touching places while that lowers the total band
    violation and keeps both places contiguous: single moves alone cannot fix two places of
    249,872 and 302,016 made of ~50,000 blocks, an exchange of a 45k and a 50k block can."""
    def pop(g: list[str]) -> float:
        return float(sum(ng.nodes[n]["pop"] for n in g))

    def viol(p: float) -> float:
        return max(0.0, lo - p) + max(0.0, p - hi)

    parts = [list(p) for p in parts]
    for _ in range(50):
        pops = [pop(p) for p in parts]
        if sum(viol(p) for p in pops) == 0:
            break
        best: tuple[float, int, int, str | None, str | None] | None = None
        for i, j in ((i, j) for i in range(len(parts)) for j in range(len(parts)) if i < j):
            if viol(pops[i]) + viol(pops[j]) == 0:
                continue
            si, sj = set(parts[i]), set(parts[j])
            edge_i = [a for a in parts[i] if any(m in sj for m in ng[a])]
            edge_j = [b for b in parts[j] if any(m in si for m in ng[b])]
            if not edge_i:
                continue
            for a in [*edge_i, None]:
                for b in [*edge_j, None]:
                    if a is None and b is None:
                        continue
                    da = ng.nodes[a]["pop"] if a else 0.0
                    db = ng.nodes[b]["pop"] if b else 0.0
                    gain = viol(pops[i]) + viol(pops[j]) - viol(pops[i] - da + db) - viol(pops[j] - db + da)
                    if gain <= 0 or (best is not None and gain <= best[0]):
                        continue
                    ni = (si - {a}) | ({b} if b else set())
                    nj = (sj - {b}) | ({a} if a else set())
                    if ni and nj and nx.is_connected(ng.subgraph(ni)) and nx.is_connected(ng.subgraph(nj)):
                        best = (gain, i, j, a, b)
        if best is None:
            break
        _, i, j, a, b = best
        parts[i] = sorted((set(parts[i]) - {a}) | ({b} if b else set()))
        parts[j] = sorted((set(parts[j]) - {b}) | ({a} if a else set()))
    return parts


def build_places(units: gpd.GeoDataFrame, adj: AdjacencyGraph, proposal: Proposal, rules: Rules | None = None,
                 seed: int = 0, progress: Callable[[str, int, int], None] | None = None) -> list[Place]:
    """Places for the neighbourhoods of ``proposal`` (see module docstring for the rules)."""
    rules = rules or proposal.rules
    ng = neighbourhood_graph(units, adj, proposal.labels.to_numpy())
    la_names = dict(zip(units["la_code"].astype(str), units["la_name"].astype(str), strict=False))
    icbs = sorted({ng.nodes[n]["icb"] for n in ng.nodes})
    places: list[Place] = []
    for i, icb in enumerate(icbs):
        if progress:
            progress("places", i, len(icbs))
        nodes = sorted(n for n in ng.nodes if ng.nodes[n]["icb"] == icb)
        groups: dict[str, list[str]] = {}
        for n in nodes:
            groups.setdefault(ng.nodes[n]["la"], []).append(n)
        parts: list[tuple[list[str], list[str]]] = []  # (neighbourhoods, reasons)
        small: list[list[str]] = []
        gpop = {la: sum(ng.nodes[n]["pop"] for n in g) for la, g in groups.items()}
        for la in sorted(groups):
            if gpop[la] > rules.place_max:
                for chunk in _split(ng, groups[la], rules, seed):
                    parts.append((chunk, []))
            elif gpop[la] >= rules.place_min:
                parts.append((groups[la], []))
            else:
                small.append(groups[la])
        parts.extend(_merge_small(ng, small, parts, rules, la_names))
        for members, reasons in parts:
            places.append(_make_place(ng, members, reasons, icb, rules, la_names))
    if progress:
        progress("places", len(icbs), len(icbs))
    return _number(places, ng)


def _merge_small(ng: nx.Graph, small: list[list[str]], fixed: list[tuple[list[str], list[str]]], rules: Rules,
                 la_names: dict[str, str]) -> list[tuple[list[str], list[str]]]:
    """Merge below-band LA groups with neighbouring groups of the same ICB, smallest first."""
    groups = [list(g) for g in small]
    reasons: list[list[str]] = [[] for _ in groups]
    big_nodes = {n for g, _ in fixed for n in g}

    def pop(g: list[str]) -> float:
        return float(sum(ng.nodes[n]["pop"] for n in g))

    def touching(a: list[str], b: list[str]) -> float:
        sb = set(b)
        return float(sum(d["length"] for n in a for m, d in ng[n].items() if m in sb))

    while True:
        order = sorted((i for i, g in enumerate(groups) if g and pop(g) < rules.place_min),
                       key=lambda i: (pop(groups[i]), groups[i][0]))
        changed = False
        for i in order:
            g = groups[i]
            if not g or pop(g) >= rules.place_min:
                continue
            cands = [(j, touching(g, h)) for j, h in enumerate(groups) if j != i and h]
            cands = [(j, t) for j, t in cands if t > 0]
            if not cands:
                touches_big = any(m in big_nodes for n in g for m in ng[n])
                las = ", ".join(sorted({la_names.get(ng.nodes[n]["la"], "") for n in g}))
                why = ("every neighbouring place in the ICB is already in band; merging would break it"
                       if touches_big else "no neighbouring local authority of the same ICB in this selection")
                reasons[i].append(f"{las}: below the place minimum {rules.place_min:,} ({int(pop(g)):,}); {why}")
                continue

            def rank(jt: tuple[int, float], g: list[str] = g) -> tuple[int, float, float]:
                total = pop(g) + pop(groups[jt[0]])
                band = 0 if total <= rules.place_max and total >= rules.place_min else (
                    1 if total < rules.place_min else 2)
                return band, total, -jt[1]

            j, _ = min(cands, key=rank)
            if pop(g) + pop(groups[j]) > rules.place_max:
                reasons[i].append(f"below the place minimum; joining its smallest neighbour would exceed "
                                  f"{rules.place_max:,}")
                continue
            groups[j] = groups[j] + g
            reasons[j] += reasons[i]
            groups[i], reasons[i] = [], []
            changed = True
        if not changed:
            break
    return [(g, r) for g, r in zip(groups, reasons, strict=True) if g]


def _make_place(ng: nx.Graph, members: list[str], reasons: list[str], icb: str, rules: Rules,
                la_names: dict[str, str]) -> Place:
    pop = int(round(sum(ng.nodes[n]["pop"] for n in members)))
    las = sorted({ng.nodes[n]["la"] for n in members})
    why = list(dict.fromkeys(reasons))
    if not rules.place_min <= pop <= rules.place_max and not why:
        why.append(f"population {pop:,} outside {rules.place_min:,}-{rules.place_max:,}")
    if not nx.is_connected(ng.subgraph(members)):
        why.append("not contiguous: its local authorities do not touch inside this selection")
    name = " & ".join(la_names.get(la, la) for la in las)
    return Place(id="", name=name, icb_code=icb, neighbourhoods=sorted(members), population=pop, la_codes=las,
                 status="exception" if why else "ok", reasons=why)


def _number(places: list[Place], ng: nx.Graph) -> list[Place]:
    """Stable ids per ICB (north-west first); split LAs get a compass suffix in their name."""
    def centre(p: Place) -> tuple[float, float]:
        w = np.array([ng.nodes[n]["pop"] for n in p.neighbourhoods]) + 1e-9
        return (float(np.average([ng.nodes[n]["x"] for n in p.neighbourhoods], weights=w)),
                float(np.average([ng.nodes[n]["y"] for n in p.neighbourhoods], weights=w)))

    by_name: dict[str, list[Place]] = {}
    for p in places:
        by_name.setdefault(p.name, []).append(p)
    for same in by_name.values():
        if len(same) > 1:
            cs = np.array([centre(p) for p in same])
            mid = cs.mean(axis=0)
            for p, c in zip(same, cs, strict=True):
                ang = np.degrees(np.arctan2(c[1] - mid[1], c[0] - mid[0])) % 360
                p.name = f"{p.name} {_COMPASS[int(((ang + 22.5) % 360) // 45)]}"
    out: list[Place] = []
    for icb in sorted({p.icb_code for p in places}):
        mine = sorted((p for p in places if p.icb_code == icb), key=lambda p: (-round(centre(p)[1], -3),
                                                                               round(centre(p)[0], -3)))
        for i, p in enumerate(mine, start=1):
            p.id = f"{icb}-P{i:02d}"
            out.append(p)
    return out
