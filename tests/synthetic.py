"""Synthetic maps for property tests (only where a rule must hold for many shapes)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from nhgeo.sources.boundaries import STANDARD_COLUMNS


def _frame(geoms: list[shapely.Geometry], pops: np.ndarray, las: np.ndarray) -> gpd.GeoDataFrame:
    n = len(geoms)
    df = pd.DataFrame({c: pd.Series([pd.NA] * n, dtype=object) for c in STANDARD_COLUMNS})
    df["code"] = [f"U{i:05d}" for i in range(n)]
    df["name"] = df["code"]
    df["population"] = pops.astype(float)
    df["la_code"] = las
    df["la_name"] = ["LA " + x for x in las]
    df["icb_code"] = "ICB1"
    df["icb_name"] = "Synthetic ICB"
    df["region_code"] = "R1"
    df["region_name"] = "Region"
    return gpd.GeoDataFrame(df, geometry=geoms, crs=27700)


def grid(rows: int, cols: int, pops: np.ndarray, size: float = 500.0, n_las: int = 1) -> gpd.GeoDataFrame:
    """A rows x cols grid of squares; LAs are vertical strips."""
    geoms = [shapely.box(c * size, r * size, (c + 1) * size, (r + 1) * size) for r in range(rows) for c in range(cols)]
    las = np.array([f"L{min(c * n_las // cols, n_las - 1)}" for r in range(rows) for c in range(cols)])
    return _frame(geoms, pops, las)


def voronoi(n: int, seed: int, pops: np.ndarray) -> gpd.GeoDataFrame:
    """A random planar map: Voronoi cells of ``n`` random points clipped to a 10 km square."""
    rng = np.random.default_rng(seed)
    pts = shapely.multipoints(rng.uniform(0, 10_000, size=(n, 2)))
    box = shapely.box(0, 0, 10_000, 10_000)
    cells = [c.intersection(box) for c in shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=box))]
    cells = [c for c in cells if not c.is_empty][: len(pops)]
    return _frame(cells, pops[: len(cells)], np.array(["L0"] * len(cells)))
