"""Geo files as they arrive: zipped shapefiles, GeoPackages of several layers, null or empty geometries.

Every reader of a user's geo file (``--boundaries``, shapes to fit, a footprint GeoPackage, service points)
goes through :func:`choose_layer` and :func:`check_geometries`, so a ``.zip`` holding a shapefile, a
multi-layer GeoPackage (the layer holding the wanted columns, or ``--layer``; ambiguous is exit 2 naming the
layers) and null geometries (named, exit 2, or skipped with a count under ``--skip-invalid``) are handled
the same way everywhere. GDAL reads ``.zip`` archives itself (``/vsizip/``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from ..errors import InputError

GEO_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".zip", ".fgb", ".gml", ".kml", ".parquet", ".geoparquet")


def layers_of(path: str | Path) -> list[str]:
    """The layers of a geo file ([] for GeoParquet, which has one table)."""
    if Path(path).suffix.lower() in (".parquet", ".geoparquet"):
        return []
    try:
        return [str(n) for n, _ in pyogrio.list_layers(path)]
    except Exception as exc:  # pyogrio raises several types
        raise InputError(f"cannot read {path}: {str(exc).splitlines()[0]}") from None


def choose_layer(path: str | Path, layer: str | None, wanted: Callable[[list[str]], bool] | None,
                 what: str, prefer: str | None = None, flag: str = "--layer") -> str | None:
    """The layer to read: ``layer`` (must exist), a single layer, ``prefer`` when present, else the one layer
    whose columns ``wanted`` accepts; several or none of them is bad input naming the layers (--layer)."""
    names = layers_of(path)
    if layer is not None:
        if layer not in names:
            raise InputError(f"{path} has no layer {layer!r}; its layers are: {', '.join(names) or 'none'} ({flag})")
        return layer
    if len(names) <= 1:
        return names[0] if names else None
    if prefer is not None and prefer in names:
        return prefer
    fits = []
    for n in names:
        try:
            fields = [str(c) for c in pyogrio.read_info(path, layer=n)["fields"]]
        except Exception:  # an unreadable layer cannot be the one
            continue
        if wanted is None or wanted(fields):
            fits.append(n)
    if len(fits) == 1:
        return fits[0]
    which = "several layers hold" if fits else "no layer holds"
    how = (f"choose one with {flag} NAME" if flag.startswith("--layer") or flag.endswith("-layer")
           else f"save the layer you mean as a file of its own for {flag}")
    raise InputError(f"{path} has {len(names)} layers and {which} {what} ({', '.join(fits or names)}); {how}")


def check_geometries(gdf: gpd.GeoDataFrame, path: str | Path, skip_invalid: bool, notes: list[str],
                     label: Callable[[int], str] | None = None) -> gpd.GeoDataFrame:
    """Null or empty geometries: named (exit 2), or dropped with a count under ``skip_invalid``."""
    geoms = np.asarray(gdf.geometry.values)
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if not bad.any():
        return gdf
    idx = np.flatnonzero(bad)
    names = [label(int(i)) if label else f"feature {int(i) + 1}" for i in idx[:5]]
    shown = ", ".join(names) + (f" and {len(idx) - 5} more" if len(idx) > 5 else "")
    if not skip_invalid:
        raise InputError(f"{len(idx)} feature(s) of {path} have no geometry (null or empty): {shown}; remove or fix "
                         "them, or pass --skip-invalid to leave them out")
    notes.append(f"left out {len(idx)} feature(s) with no geometry (--skip-invalid): {shown}")
    return gdf[~bad].reset_index(drop=True)


def read_geo(path: str | Path, what: str, *, layer: str | None = None,
             wanted: Callable[[list[str]], bool] | None = None, wanted_what: str = "the columns needed",
             prefer: str | None = None, flag: str = "--layer") -> gpd.GeoDataFrame:
    """A geo file's chosen layer (see :func:`choose_layer`) as a GeoDataFrame; one line on any failure."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{what} not found: {p}")
    try:
        if p.suffix.lower() in (".parquet", ".geoparquet"):
            return gpd.read_parquet(p)
        chosen = choose_layer(p, layer, wanted, wanted_what, prefer, flag)
        return gpd.read_file(p, layer=chosen)
    except InputError:
        raise
    except Exception as exc:  # pyogrio/pyarrow raise many types; report on one line
        raise InputError(f"cannot read {what} {p}: {str(exc).splitlines()[0]}") from None


def read_geo_table(path: str | Path, what: str, *, layer: str | None = None, prefer: str | None = None,
                   wanted: Callable[[list[str]], bool] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """A geo file's attribute table (no geometry) from the chosen layer, and what was done."""
    p = Path(path)
    notes: list[str] = []
    try:
        if p.suffix.lower() in (".parquet", ".geoparquet"):
            return pd.DataFrame(gpd.read_parquet(p).drop(columns="geometry", errors="ignore")), notes
        names = layers_of(p)
        chosen = choose_layer(p, layer, wanted, "a code column", prefer)
        if len(names) > 1:
            notes.append(f"{p}: read layer {chosen!r} (of {', '.join(names)}; --layer to choose another)")
        df = pd.DataFrame(pyogrio.read_dataframe(p, layer=chosen, read_geometry=False))
    except InputError:
        raise
    except Exception as exc:  # pyogrio raises several types
        raise InputError(f"{p}: cannot read {what} table: {str(exc).splitlines()[0]}") from None
    return df, notes
