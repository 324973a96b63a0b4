"""Group neighbourhoods into places that follow local authorities inside each ICB.

Two modes (``propose --places``):

* ``la`` (default): a place is one local authority (its neighbourhoods in the ICB), as the place-based
  partnerships people run are (Solihull, Trafford); an LA above ``place_max`` is split into places along
  neighbourhood lines; an LA below ``place_min`` stays its own place, flagged with the merges with a
  neighbouring LA that would bring it into band.
* ``band``: places of ``place_min``-``place_max`` people, merging and splitting across LAs to reach the band,
  by the rules below.

``band`` rules, applied per ICB on the neighbourhood adjacency graph:

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

from ..geo.graph import AdjacencyGraph
from ..model import Col, Rules
from .naming import compass_words
from .neighbourhoods import Proposal
from .place_search import explain_unmerged, flag_small_las, merge_groups, resplit, split_la

PLACE_MODES = ("la", "band")
DEFAULT_PLACES = "la"


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
    """Graph of neighbourhoods: nodes carry pop/xy/icb/la; edges the shared border (bridges count 1 m).

    One pass over the units and one over the edges (no per-neighbourhood scan).
    """
    lab = np.asarray(labels).astype(str)
    ids, inv = np.unique(lab, return_inverse=True)
    m = len(ids)
    pts = shapely.get_coordinates(shapely.point_on_surface(np.asarray(units.geometry.values)))
    pop = units[Col.POP].to_numpy(dtype=float)
    tot = np.bincount(inv, weights=pop, minlength=m)
    cnt = np.maximum(np.bincount(inv, minlength=m), 1)
    w = np.maximum(tot, 1.0)
    x = np.where(tot > 0, np.bincount(inv, weights=pts[:, 0] * pop, minlength=m) / w,
                 np.bincount(inv, weights=pts[:, 0], minlength=m) / cnt)
    y = np.where(tot > 0, np.bincount(inv, weights=pts[:, 1] * pop, minlength=m) / w,
                 np.bincount(inv, weights=pts[:, 1], minlength=m) / cnt)
    main = {}
    for col in (Col.ICB, Col.LA):
        df = pd.DataFrame({"n": inv, "v": units[col].astype(str).to_numpy(), "pop": pop})
        agg = df.groupby(["n", "v"], sort=True)["pop"].sum().reset_index()
        agg = agg.sort_values(["n", "pop"], ascending=[True, False], kind="stable").drop_duplicates("n")
        main[col] = dict(zip(agg["n"].tolist(), agg["v"].tolist(), strict=True))
    ng = nx.Graph()
    for i, nid in enumerate(ids.tolist()):
        ng.add_node(str(nid), pop=float(tot[i]), x=float(x[i]), y=float(y[i]), icb=main[Col.ICB][i],
                    la=main[Col.LA][i])
    eu, ev, elen = adj.edge_arrays()
    a, b = inv[eu], inv[ev]
    cut = a != b
    if cut.any():
        lo, hi = np.minimum(a[cut], b[cut]), np.maximum(a[cut], b[cut])
        wlen = np.where(elen[cut] > 0, elen[cut], 1.0)
        key, kinv = np.unique(lo.astype(np.int64) * m + hi, return_inverse=True)
        length = np.bincount(kinv, weights=wlen)
        ng.add_edges_from((str(ids[k // m]), str(ids[k % m]), {"length": float(v)})
                          for k, v in zip(key.tolist(), length.tolist(), strict=True))
    return ng


def build_places(units: gpd.GeoDataFrame, adj: AdjacencyGraph, proposal: Proposal, rules: Rules | None = None,
                 seed: int = 0, progress: Callable[[str, int, int], None] | None = None,
                 mode: str = DEFAULT_PLACES) -> list[Place]:
    """Places for the neighbourhoods of ``proposal`` (``mode`` "la" or "band"; see the module docstring)."""
    if mode not in PLACE_MODES:
        raise ValueError(f"places mode must be one of {PLACE_MODES}, not {mode!r}")
    rules = rules or proposal.rules
    ng = neighbourhood_graph(units, adj, proposal.labels.to_numpy())
    la_names = dict(zip(units[Col.LA].astype(str), units[Col.LA_NAME].astype(str), strict=False))
    icb_names = dict(zip(units[Col.ICB].astype(str), units[Col.ICB_NAME].astype(str), strict=False)) \
        if Col.ICB_NAME in units.columns else {}
    icbs = sorted({ng.nodes[n]["icb"] for n in ng.nodes})
    places: list[Place] = []
    for i, icb in enumerate(icbs):
        if progress:
            progress("places", i, len(icbs))
        nodes = sorted(n for n in ng.nodes if ng.nodes[n]["icb"] == icb)
        groups: dict[str, list[str]] = {}
        for n in nodes:
            groups.setdefault(ng.nodes[n]["la"], []).append(n)
        blocks: list[tuple[list[str], list[str]]] = []  # (neighbourhoods, reasons): contiguous LA pieces
        splits: list[set[str]] = []  # the LA pieces above the maximum that were split
        for la in sorted(groups):
            for piece in sorted((sorted(c) for c in nx.connected_components(ng.subgraph(groups[la]))),
                                key=lambda c: c[0]):
                if sum(ng.nodes[n]["pop"] for n in piece) > rules.place_max:
                    blocks.extend((chunk, []) for chunk in split_la(ng, piece, rules, seed))
                    splits.append(set(piece))
                else:
                    blocks.append((piece, []))
        if mode == "la":
            final = flag_small_las(ng, blocks, rules, la_names)
        else:
            block_of = {n: b for b, (members, _) in enumerate(blocks) for n in members}
            merged = merge_groups(ng, blocks, rules, la_names)
            final = explain_unmerged(ng, resplit(ng, merged, splits, block_of, rules, seed), rules, la_names)
        for members, reasons in final:
            places.append(_make_place(ng, members, reasons, icb, rules, la_names, icb_names.get(icb, "")))
    if progress:
        progress("places", len(icbs), len(icbs))
    return _number(places, ng)


def place_name(la_pops: dict[str, float], la_names: dict[str, str], icb_name: str = "") -> str:
    """A readable place name: the LA's own name; two LAs as "A & B" when short; else the largest LA
    "and district" (never a chain of every LA, never the ICB's name)."""
    las = sorted(la_pops, key=lambda la: (-la_pops[la], la))
    names = [la_names.get(la, la) for la in las]
    if len(names) == 1:
        name = names[0]
    elif len(names) == 2 and len(" & ".join(names)) <= 32:
        name = " & ".join(sorted(names))
    else:
        name = f"{names[0]} and district"
    if icb_name and _plain(name) == _plain(icb_name):
        name = f"{names[0]} and district"
    return name


def _plain(name: str) -> str:
    return name.lower().replace("&", "and").replace(" integrated care board", "").replace("nhs ", "").strip()


def _make_place(ng: nx.Graph, members: list[str], reasons: list[str], icb: str, rules: Rules,
                la_names: dict[str, str], icb_name: str = "") -> Place:
    pop = int(round(sum(ng.nodes[n]["pop"] for n in members)))
    las = sorted({ng.nodes[n]["la"] for n in members})
    why = list(dict.fromkeys(reasons))
    if not rules.place_min <= pop <= rules.place_max and not why:
        why.append(f"population {pop:,} outside {rules.place_min:,}-{rules.place_max:,}")
    if not nx.is_connected(ng.subgraph(members)):
        why.append("not contiguous: its local authorities do not touch inside this selection")
    la_pops: dict[str, float] = {}
    for n in members:
        la_pops[ng.nodes[n]["la"]] = la_pops.get(ng.nodes[n]["la"], 0.0) + ng.nodes[n]["pop"]
    name = place_name(la_pops, la_names, icb_name)
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
            keys = [str(i) for i in range(len(same))]
            words = compass_words(keys, {k: centre(p) for k, p in zip(keys, same, strict=True)})
            for k, p in zip(keys, same, strict=True):
                p.name = f"{p.name} {words[k]}"
    count: dict[str, int] = {}
    for p in places:
        count[p.name] = count.get(p.name, 0) + 1
    seen: dict[str, int] = {}
    for p in sorted(places, key=lambda p: (-round(centre(p)[1], -3), round(centre(p)[0], -3))):
        if count[p.name] > 1:  # the compass could not tell them apart: number them, north-west first
            seen[p.name] = seen.get(p.name, 0) + 1
            p.name = f"{p.name} {seen[p.name]}"
    out: list[Place] = []
    for icb in sorted({p.icb_code for p in places}):
        mine = sorted((p for p in places if p.icb_code == icb), key=lambda p: (-round(centre(p)[1], -3),
                                                                               round(centre(p)[0], -3)))
        for i, p in enumerate(mine, start=1):
            p.id = f"{icb}-P{i:02d}"
            out.append(p)
    return out
