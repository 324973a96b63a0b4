"""One scoring function for any assignment of units to neighbourhoods.

``propose``, ``validate`` and the peer benchmark all grade with :func:`score_assignment`,
so no method grades itself. Compactness is computed without dissolving: a part's perimeter
is the sum of its units' perimeters minus twice the border they share with each other.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..geo.graph import AdjacencyGraph, part_components
from ..model import Col, Rules


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
    eu, ev, elen = adj.edge_arrays()
    same = lab[eu] == lab[ev]
    internal = pd.Series(elen[same]).groupby(lab[eu][same]).sum()
    comp = part_components(adj, lab)
    df = pd.DataFrame({"part": lab, "pop": units[Col.POP].to_numpy(dtype=float), "area": area, "perim": perim,
                       "comp": comp,
                       "la": units[Col.LA].astype(str).to_numpy(),
                       "icb": units[Col.ICB].astype(str).to_numpy()})
    has_age = units[Col.AGE_65_PLUS].notna().all()
    if has_age:  # shares of residents (``population`` may be registered patients or the user's figure)
        df["res"] = units[Col.RESIDENTS if Col.RESIDENTS in units.columns else Col.POP].to_numpy(dtype=float)
        df["a65"] = units[Col.AGE_65_PLUS].to_numpy(dtype=float)
        df["a16"] = units[Col.AGE_0_15].to_numpy(dtype=float)
    dep = units[Col.IMD]
    df["dep"] = (pd.to_numeric(dep, errors="coerce") <= 2).astype(float).where(dep.notna().to_numpy())
    g = df.groupby("part", sort=True)
    agg = g.agg(pop=("pop", "sum"), n=("pop", "size"), area=("area", "sum"), perim=("perim", "sum"),
                comps=("comp", "nunique"), dep=("dep", "mean"))
    las = _sorted_values(df["part"], df["la"])
    icbs = _sorted_values(df["part"], df["icb"])
    a65 = g["a65"].sum().to_numpy() if has_age else None
    a16 = g["a16"].sum().to_numpy() if has_age else None
    res = g["res"].sum().to_numpy() if has_age else None
    internal_s = internal.reindex(agg.index).fillna(0.0)
    perim_net = np.maximum(agg["perim"].to_numpy() - 2 * internal_s.to_numpy(), 1e-9)
    pp = np.minimum(4 * np.pi * agg["area"].to_numpy() / perim_net**2, 1.0)
    pops, ns, comps, deps = (agg[c].to_numpy() for c in ("pop", "n", "comps", "dep"))
    out: list[PartStats] = []
    for i, part in enumerate(agg.index.tolist()):
        pop = float(pops[i])
        out.append(PartStats(
            id=str(part), population=int(round(pop)), n_units=int(ns[i]), components=int(comps[i]),
            la_codes=las[part], icb_codes=icbs[part], polsby_popper=round(float(pp[i]), 4),
            share_65_plus=round(float(a65[i] / res[i]), 4) if a65 is not None and res is not None and res[i] > 0
            else None,
            share_under_16=round(float(a16[i] / res[i]), 4) if a16 is not None and res is not None and res[i] > 0
            else None,
            share_most_deprived_fifth=None if np.isnan(deps[i]) else round(float(deps[i]), 4),
            in_band=lo <= pop <= hi,
        ))
    return out


def _sorted_values(part: pd.Series, value: pd.Series) -> dict[str, list[str]]:
    """Part id -> sorted distinct values (e.g. the LA codes a part touches)."""
    pairs = pd.DataFrame({"part": part, "value": value}).drop_duplicates().sort_values(["part", "value"])
    return {str(k): [str(x) for x in v] for k, v in pairs.groupby("part", sort=False)["value"].agg(list).items()}


def score_assignment(units: gpd.GeoDataFrame, adj: AdjacencyGraph, labels: pd.Series | np.ndarray,
                     rules: Rules | None = None) -> Scorecard:
    """Grade an assignment: contiguity, band, deviation, LA splits, Polsby-Popper, cut edges."""
    rules = rules or Rules()
    lab = np.asarray(labels).astype(str)
    parts = part_stats(units, adj, lab, rules.min, rules.max)
    eu, ev, _ = adj.edge_arrays()
    cut = int((lab[eu] != lab[ev]).sum())
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


@dataclass
class ShapeStats:
    """Thin corridors and enclaves, measured on the dissolved parts (for benchmarks and reports)."""

    worst_hull_ratio: float  # min over parts of area / convex-hull area (1 = convex; corridors are low)
    parts_hull_below_half: int  # parts with less than half their convex hull filled
    enclaves: int  # parts whose whole outline borders one other part (a part inside another)


def shape_stats(units: gpd.GeoDataFrame, adj: AdjacencyGraph, labels: pd.Series | np.ndarray) -> ShapeStats:
    """Convex-hull ratio of every part and the number of enclaves (see :class:`ShapeStats`)."""
    from ..geo.dissolve import dissolve

    lab = np.asarray(labels).astype(str)
    frame = gpd.GeoDataFrame({"part": lab}, geometry=np.asarray(units.geometry.values), crs=units.crs)
    parts = dissolve(frame, "part")
    geoms = np.asarray(parts.geometry.values)
    ratio = shapely.area(geoms) / np.maximum(shapely.area(shapely.convex_hull(geoms)), 1e-9)
    # enclave: the part's outline (its perimeter) is all border with one single other part
    eu, ev, elen = adj.edge_arrays()
    cut = lab[eu] != lab[ev]
    df = pd.DataFrame({"a": np.concatenate([lab[eu][cut], lab[ev][cut]]),
                       "b": np.concatenate([lab[ev][cut], lab[eu][cut]]),
                       "len": np.concatenate([elen[cut], elen[cut]])})
    border = df.groupby("a")["len"].sum()
    others = df.groupby("a")["b"].nunique()
    perim = pd.Series(shapely.length(shapely.get_exterior_ring(shapely.get_parts(geoms))),
                      index=np.repeat(parts.index.to_numpy(), shapely.get_num_geometries(geoms))).groupby(level=0).sum()
    enclaves = sum(1 for p in parts.index if others.get(p, 0) == 1 and border.get(p, 0.0) >= 0.95 * perim[p])
    return ShapeStats(worst_hull_ratio=round(float(ratio.min()), 4) if len(ratio) else 0.0,
                      parts_hull_below_half=int((ratio < 0.5).sum()), enclaves=int(enclaves))
