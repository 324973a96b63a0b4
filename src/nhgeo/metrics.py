"""One scoring function for any assignment of units to neighbourhoods.

``propose``, ``validate`` and the peer benchmark all grade with :func:`score_assignment`,
so no method grades itself. Compactness is computed without dissolving: a part's perimeter
is the sum of its units' perimeters minus twice the border they share with each other.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from .graph import AdjacencyGraph
from .rules import Rules


@dataclass
class PartStats:
    """Figures for one neighbourhood (or place)."""

    id: str
    population: int
    n_units: int
    components: int
    la_codes: list[str]
    icb_codes: list[str]
    polsby_popper: float
    share_65_plus: float | None
    share_under_16: float | None
    share_most_deprived_fifth: float | None
    in_band: bool


@dataclass
class Scorecard:
    """Summary figures for a whole assignment (the benchmark table's columns)."""

    n_parts: int
    pct_contiguous: float
    pct_in_band: float
    worst_deviation: float  # largest |population - target| / target
    la_splits: int  # parts whose units lie in more than one local authority
    mean_polsby_popper: float
    worst_polsby_popper: float
    cut_edges: int
    parts: list[PartStats]


def part_stats(units: gpd.GeoDataFrame, adj: AdjacencyGraph, labels: pd.Series | np.ndarray,
               lo: float, hi: float) -> list[PartStats]:
    """Per-part figures; ``labels`` aligned to ``units`` (position i -> part id)."""
    lab = np.asarray(labels).astype(str)
    geoms = np.asarray(units.geometry.values)
    area = shapely.area(geoms)
    perim = shapely.length(geoms)
    internal: dict[str, float] = {}
    for a, b, d in adj.graph.edges(data=True):
        if lab[a] == lab[b]:
            internal[lab[a]] = internal.get(lab[a], 0.0) + float(d.get("length", 0.0))
    df = pd.DataFrame({"part": lab, "pop": units["population"].to_numpy(dtype=float), "area": area, "perim": perim,
                       "la": units["la_code"].astype(str).to_numpy(), "icb": units["icb_code"].astype(str).to_numpy()})
    has_age = units["age_65_plus"].notna().all()
    if has_age:
        df["a65"] = units["age_65_plus"].to_numpy(dtype=float)
        df["a16"] = units["age_0_15"].to_numpy(dtype=float)
    dep = units["imd_decile"]
    df["dep"] = (pd.to_numeric(dep, errors="coerce") <= 2).astype(float).where(dep.notna().to_numpy())
    out: list[PartStats] = []
    for part, grp in df.groupby("part", sort=True):
        idx = grp.index.to_numpy()
        comps = nx.number_connected_components(adj.graph.subgraph(idx.tolist()))
        p = max(grp["perim"].sum() - 2 * internal.get(str(part), 0.0), 1e-9)
        pp = float(4 * np.pi * grp["area"].sum() / p**2)
        pop = float(grp["pop"].sum())
        out.append(PartStats(
            id=str(part), population=int(round(pop)), n_units=len(grp), components=comps,
            la_codes=sorted(grp["la"].unique().tolist()), icb_codes=sorted(grp["icb"].unique().tolist()),
            polsby_popper=round(min(pp, 1.0), 4),
            share_65_plus=round(float(grp["a65"].sum() / pop), 4) if has_age and pop > 0 else None,
            share_under_16=round(float(grp["a16"].sum() / pop), 4) if has_age and pop > 0 else None,
            share_most_deprived_fifth=(round(float(grp["dep"].mean()), 4) if grp["dep"].notna().any() else None),
            in_band=lo <= pop <= hi,
        ))
    return out


def score_assignment(units: gpd.GeoDataFrame, adj: AdjacencyGraph, labels: pd.Series | np.ndarray,
                     rules: Rules | None = None) -> Scorecard:
    """Grade an assignment: contiguity, band, deviation, LA splits, Polsby-Popper, cut edges."""
    rules = rules or Rules()
    lab = np.asarray(labels).astype(str)
    parts = part_stats(units, adj, lab, rules.min, rules.max)
    cut = sum(1 for a, b in adj.graph.edges() if lab[a] != lab[b])
    n = max(len(parts), 1)
    pps = [p.polsby_popper for p in parts]
    return Scorecard(
        n_parts=len(parts),
        pct_contiguous=round(100 * sum(p.components == 1 for p in parts) / n, 2),
        pct_in_band=round(100 * sum(p.in_band for p in parts) / n, 2),
        worst_deviation=round(max((abs(p.population - rules.target) / rules.target for p in parts), default=0.0), 4),
        la_splits=sum(1 for p in parts if len(p.la_codes) > 1),
        mean_polsby_popper=round(float(np.mean(pps)) if pps else 0.0, 4),
        worst_polsby_popper=round(min(pps) if pps else 0.0, 4),
        cut_edges=cut,
        parts=parts,
    )
