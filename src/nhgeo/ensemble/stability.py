"""Which boundaries are firm: for each pair of adjacent LSOAs the share of plans that separate them, and each
LSOA's most frequent co-members (the LSOAs most often in its neighbourhood).

A line separated in at least :data:`FIRM` of plans is *firm* (the population arithmetic and the rules force it);
one separated in some plans but fewer is *open* (a local choice).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import scipy.sparse as sp
import shapely

from ..model import Col, Study

__all__ = ["FIRM", "TOP_CO_MEMBERS", "co_members", "firm_inside_la", "separation_lines"]

FIRM = 0.9
TOP_CO_MEMBERS = 10


def firm_inside_la(study: Study, share: np.ndarray) -> int:
    """Firm lines between two LSOAs of the same LA (the others lie on LA borders, firm by the LA rule)."""
    eu, ev, _ = study.adj.edge_arrays()
    la = study.column(Col.LA)
    return int(((share >= FIRM) & (la[eu] == la[ev])).sum())


def separation_lines(study: Study, share: np.ndarray) -> gpd.GeoDataFrame:
    """One line per adjacent pair (their shared border; the line between their centres for a bridge or a
    corner contact) with ``share_separated`` and ``status`` (firm / open / inside = never separated)."""
    units = study.units
    eu, ev, elen = study.adj.edge_arrays()
    geoms = np.asarray(units.geometry.values)
    bnd = shapely.boundary(geoms)
    line = shapely.line_merge(shapely.intersection(bnd[eu], bnd[ev]))
    empty = shapely.is_empty(line) | (shapely.length(line) == 0)
    if empty.any():
        pts = shapely.point_on_surface(geoms)
        line[empty] = shapely.linestrings(
            np.stack([shapely.get_coordinates(pts[eu[empty]]), shapely.get_coordinates(pts[ev[empty]])], axis=1))
    codes = study.codes
    status = np.where(share >= FIRM, "firm", np.where(share > 0, "open", "inside"))
    return gpd.GeoDataFrame({"u_code": codes[eu], "v_code": codes[ev], "border_m": np.round(elen, 1),
                             "share_separated": np.round(share, 4), "status": status},
                            geometry=line, crs=units.crs)


def co_members(study: Study, plans: np.ndarray, groups: list[np.ndarray], top: int = TOP_CO_MEMBERS
               ) -> gpd.GeoDataFrame:
    """Each unit's ``top`` most frequent co-members (codes with the share of plans, highest first) and how many
    share its neighbourhood in at least :data:`FIRM` of plans; ``groups`` = the unit positions of each region
    (co-membership never crosses a region, so it is counted region by region)."""
    n_plans, n = plans.shape
    codes = study.codes
    text = np.full(n, "", dtype=object)
    firm = np.zeros(n, dtype=np.int64)
    for nodes in groups:
        m = len(nodes)
        if m < 2:
            continue
        lab = plans[:, nodes]
        base = lab.min()
        k = int(lab.max() - base) + 1
        cols = (np.arange(n_plans)[:, None] * k + (lab - base)).ravel()
        rows = np.tile(np.arange(m), n_plans)
        a = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(m, n_plans * k))
        co = (a @ a.T).toarray() / n_plans
        np.fill_diagonal(co, -1.0)
        order = np.argsort(-co, axis=1, kind="stable")[:, :top]
        firm[nodes] = (co >= FIRM).sum(axis=1)
        for i in range(m):
            text[nodes[i]] = "; ".join(f"{codes[nodes[j]]} {co[i, j]:.2f}" for j in order[i] if co[i, j] > 0)
    return gpd.GeoDataFrame({"code": codes, "firm_co_members": firm, "co_members": text},
                            geometry=np.asarray(study.units.geometry.values), crs=study.units.crs)
