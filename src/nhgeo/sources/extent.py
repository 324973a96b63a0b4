"""Is a point in England? Used to flag service points and boundary files that cannot be right (a Scottish
address, latitude and longitude swapped) instead of counting them silently."""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import numpy as np
import shapely

from .data import get_path

ENGLAND_TOLERANCE_M = 2000.0  # generalised coastlines: a point on the shore may sit just off the LSOA polygons


@lru_cache(maxsize=1)
def _england_tree() -> shapely.STRtree:
    geoms = gpd.read_parquet(get_path("lsoa21"), columns=["geometry"]).geometry.values
    return shapely.STRtree(np.asarray(geoms))


def in_england(easting: np.ndarray, northing: np.ndarray) -> np.ndarray:
    """Which points (EPSG:27700) lie in England: within :data:`ENGLAND_TOLERANCE_M` of an England LSOA 2021."""
    pts = shapely.points(np.asarray(easting, dtype=float), np.asarray(northing, dtype=float))
    hit = _england_tree().query(pts, predicate="dwithin", distance=ENGLAND_TOLERANCE_M)[0]
    out = np.zeros(len(pts), dtype=bool)
    out[np.unique(hit)] = True
    return out
