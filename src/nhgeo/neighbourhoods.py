"""Propose neighbourhoods for a place: split it into regions, partition each, name the parts.

Regions are the connected pieces of each local authority (within one ICB, so neighbourhoods
always nest into ICBs). Pieces too small for the band are joined to a neighbouring piece
in the same ICB and the crossing is reported. Each region is then partitioned by
:class:`nhgeo.partition.BalancedPartition` into the number of neighbourhoods that best fits
the band (:func:`nhgeo.model.choose_k`); when no count fits, the least-bad one is used and
the neighbourhoods are flagged with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from .errors import InputError
from .graph import AdjacencyGraph
from .model import Rules, choose_k
from .naming import name_neighbourhoods
from .partition import BalancedPartition, PartitionProblem

Progress = Callable[[str, int, int], None]
LA_PENALTY = 4.0  # travel-weight factor for edges crossing an LA boundary (--cross-la mode)
MSOA_DISCOUNT = 0.7  # travel-weight factor inside one MSOA: keeps MSOAs whole


@dataclass
class Neighbourhood:
    """One proposed (or validated) neighbourhood."""

    id: str
    name: str
    codes: list[str]
    population: int
    la_codes: list[str]
    icb_code: str
    status: str = "ok"  # ok | exception
    reasons: list[str] = field(default_factory=list)
    locked: bool = False


@dataclass
class Proposal:
    """The result of :func:`propose_neighbourhoods`: labels aligned to the units, and the parts."""

    labels: pd.Series  # index aligned to units, value = neighbourhood id
    neighbourhoods: list[Neighbourhood]
    rules: Rules
    notes: list[str] = field(default_factory=list)
    seed: int = 0


def _centres(units: gpd.GeoDataFrame) -> np.ndarray:
    return np.asarray(shapely.get_coordinates(shapely.point_on_surface(np.asarray(units.geometry.values))))


def _regions(units: gpd.GeoDataFrame, adj: AdjacencyGraph, free: np.ndarray, rules: Rules,
             notes: list[str]) -> list[np.ndarray]:
    """Connected pieces of LA x ICB (ICB only with cross_la); tiny pieces merged into neighbours."""
    la = units["la_code"].astype(str).to_numpy()
    icb = units["icb_code"].astype(str).to_numpy()
    key = icb if rules.cross_la else np.char.add(np.char.add(la.astype(str), "|"), icb.astype(str))
    pop = units["population"].to_numpy(dtype=float)
    g = adj.graph
    pieces: list[list[int]] = []
    for k in sorted(set(key[free].tolist())):
        nodes = np.flatnonzero(free & (key == k)).tolist()
        pieces.extend(sorted(c) for c in nx.connected_components(g.subgraph(nodes)))
    pieces.sort(key=lambda c: c[0])
    owner = np.full(len(units), -1)
    for i, c in enumerate(pieces):
        owner[c] = i
    alive = [True] * len(pieces)
    ppop = [float(pop[c].sum()) for c in pieces]
    names = units["la_name"].astype(str).to_numpy()
    while True:
        small = [i for i in range(len(pieces)) if alive[i] and ppop[i] < rules.min]
        merged = False
        for i in sorted(small, key=lambda i: (ppop[i], i)):
            if not alive[i] or ppop[i] >= rules.min:
                continue
            border: dict[int, list[float]] = {}
            for a in pieces[i]:
                for b, d in g[a].items():
                    j = int(owner[b])
                    if j >= 0 and j != i and alive[j]:
                        same_icb = float(icb[b] == icb[a])
                        cur = border.setdefault(j, [0.0, 0.0])
                        cur[0] = max(cur[0], same_icb)
                        cur[1] += float(d.get("length", 0.0)) + (1.0 if d.get("bridge") else 0.0)
            if not border:
                continue
            j = max(border, key=lambda j: (border[j][0], border[j][1], -j))
            a0 = pieces[i][0]
            b0 = pieces[j][0]
            what = "ICB" if rules.cross_la else "LA"
            notes.append(f"{names[a0]} piece ({int(ppop[i]):,} people, {len(pieces[i])} units) is below the "
                         f"minimum {rules.min:,}: joined to neighbouring {names[b0]}"
                         + ("" if border[j][0] else f" (different {what}: no neighbour in the same ICB)"))
            pieces[j] = sorted(pieces[j] + pieces[i])
            owner[pieces[i]] = j
            ppop[j] += ppop[i]
            alive[i] = False
            merged = True
        if not merged:
            break
    return [np.array(c) for i, c in enumerate(pieces) if alive[i]]


def _problem(units: gpd.GeoDataFrame, adj: AdjacencyGraph, nodes: np.ndarray, xy: np.ndarray, k: int,
             rules: Rules) -> PartitionProblem:
    local = {int(n): i for i, n in enumerate(nodes)}
    sub = adj.graph.subgraph(nodes.tolist())
    eu, ev, border = [], [], []
    for a, b, d in sub.edges(data=True):
        eu.append(local[a])
        ev.append(local[b])
        border.append(float(d.get("length", 0.0)))
    u, v = np.array(eu, dtype=np.int64), np.array(ev, dtype=np.int64)
    pts = xy[nodes]
    travel = np.hypot(*(pts[u] - pts[v]).T) if len(u) else np.zeros(0)
    la = units["la_code"].astype(str).to_numpy()[nodes]
    travel = np.where(la[u] != la[v], travel * LA_PENALTY, travel)
    msoa = units["msoa_code"].to_numpy()[nodes]
    group = None
    if pd.notna(msoa).all():
        group = msoa.astype(str)
        travel = np.where(group[u] == group[v], travel * MSOA_DISCOUNT, travel)
    return PartitionProblem(pop=units["population"].to_numpy(dtype=float)[nodes], xy=pts, edges_u=u, edges_v=v,
                            border=np.array(border), travel=travel, k=k, lo=rules.min, hi=rules.max,
                            target=rules.target, group=group)


def _name_parts(units: gpd.GeoDataFrame, labels: np.ndarray, part_ids: list[str]) -> dict[str, str]:
    """Readable names from the local names of the MSOAs a part covers (most people first)."""
    la_name = units["la_name"].astype(str).to_numpy()
    msoa = units["msoa_name"].astype("string").fillna("").to_numpy()
    pop = units["population"].to_numpy(dtype=float)
    df = pd.DataFrame({"part": labels, "la": la_name, "m": msoa, "pop": pop})
    names: dict[str, str] = {}
    for pid in part_ids:
        grp = df[df["part"] == pid]
        la_main = grp.groupby("la")["pop"].sum().sort_values(ascending=False).index[0]
        top = grp[grp["m"] != ""].groupby("m")["pop"].sum().sort_values(ascending=False, kind="stable")
        if len(top):
            picks = list(top.index[:2]) if len(top) > 1 and top.iloc[1] >= 0.15 * top.sum() else [top.index[0]]
            sep = " / " if any("&" in x for x in picks) else " & "
            names[pid] = f"{la_main}: {sep.join(picks)}"
        else:
            names[pid] = f"{la_main}: {pid}"
    seen: dict[str, int] = {}
    for pid in part_ids:
        base = names[pid]
        seen[base] = seen.get(base, 0) + 1
        if seen[base] > 1:
            names[pid] = f"{base} ({seen[base]})"
    return names


def _locked_labels(units: gpd.GeoDataFrame, lock: pd.Series | None) -> np.ndarray:
    lab = np.full(len(units), "", dtype=object)
    if lock is None or len(lock) == 0:
        return lab
    codes = units["code"].astype(str)
    unknown = sorted(set(lock.index.astype(str)) - set(codes))
    if unknown:
        raise InputError(f"lock file has {len(unknown)} code(s) not in this place (e.g. {', '.join(unknown[:3])}); "
                         "lock only units of the chosen --place")
    m = codes.map(lock.astype(str))
    lab[m.notna().to_numpy()] = m[m.notna()].to_numpy()
    return lab


def propose_neighbourhoods(
    units: gpd.GeoDataFrame,
    adj: AdjacencyGraph,
    rules: Rules | None = None,
    seed: int = 0,
    lock: pd.Series | None = None,
    progress: Progress | None = None,
) -> Proposal:
    """Partition ``units`` (one place, positions 0..n-1 matching ``adj``) into neighbourhoods.

    ``lock`` maps unit code -> neighbourhood id for neighbourhoods to keep as they are.
    """
    rules = rules or Rules()
    if len(units) == 0:
        raise InputError("the place has no units; check --place")
    notes: list[str] = []
    fixed = _locked_labels(units, lock)
    free = fixed == ""
    xy = _centres(units)
    regions = _regions(units, adj, free, rules, notes)
    labels = fixed.copy()
    la_codes = units["la_code"].astype(str).to_numpy()
    pop = units["population"].to_numpy(dtype=float)
    reasons: dict[str, list[str]] = {}
    used_ids = set(fixed[~free].tolist())
    counters: dict[str, int] = {}
    for i, nodes in enumerate(regions):
        if progress:
            progress("neighbourhoods", i, len(regions))
        p = float(pop[nodes].sum())
        k, feasible = choose_k(p, rules.min, rules.max, rules.target)
        k = min(k, len(nodes))
        local = BalancedPartition(_problem(units, adj, nodes, xy, k, rules), seed=seed).solve().labels_
        # stable ids: LA code of the region's largest LA + number, ordered north-west first
        main_la = str(pd.Series(pop[nodes], index=la_codes[nodes]).groupby(level=0).sum().idxmax())
        order = sorted(range(k), key=lambda j: (-round(xy[nodes][local == j][:, 1].mean(), -2),
                                                 round(xy[nodes][local == j][:, 0].mean(), -2)))
        for j in order:
            counters[main_la] = counters.get(main_la, 0) + 1
            pid = f"{main_la}-N{counters[main_la]:02d}"
            while pid in used_ids:
                counters[main_la] += 1
                pid = f"{main_la}-N{counters[main_la]:02d}"
            used_ids.add(pid)
            labels[nodes[local == j]] = pid
            if not feasible:
                reasons[pid] = [f"region population {int(p):,} cannot be split into parts of "
                                f"{rules.min:,}-{rules.max:,}; used {k} neighbourhood(s)"]
    if progress:
        progress("neighbourhoods", len(regions), len(regions))
    ids = sorted(set(labels.tolist()))
    names = name_neighbourhoods(units, labels, ids)
    icb = units["icb_code"].astype(str).to_numpy()
    codes = units["code"].astype(str).to_numpy()
    hoods: list[Neighbourhood] = []
    for pid in ids:
        m = labels == pid
        ppop = int(round(pop[m].sum()))
        why = list(reasons.get(pid, []))
        if not rules.min <= ppop <= rules.max and not why:
            why.append(f"population {ppop:,} outside {rules.min:,}-{rules.max:,}: the region's units could not be "
                       "balanced further without breaking contiguity")
        las = sorted(set(la_codes[m].tolist()))
        if len(las) > 1:
            why.append(f"crosses local authorities {', '.join(las)} (see notes)")
        hoods.append(Neighbourhood(
            id=pid, name=names[pid], codes=sorted(codes[m].tolist()), population=ppop, la_codes=las,
            icb_code=str(pd.Series(pop[m], index=icb[m]).groupby(level=0).sum().idxmax()),
            status="exception" if why else "ok", reasons=why, locked=bool((~free[m]).any())))
    return Proposal(labels=pd.Series(labels, index=units.index, name="neighbourhood"), neighbourhoods=hoods,
                    rules=rules, notes=notes, seed=seed)
