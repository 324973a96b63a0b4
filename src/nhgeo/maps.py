"""A quick-look PNG map of a proposal (matplotlib, headless)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd


def draw_map(units: gpd.GeoDataFrame, hoods: gpd.GeoDataFrame, path: Path, title: str) -> None:
    """Neighbourhoods coloured, LSOA lines faint, neighbourhood outlines bold, exceptions hatched."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 9))
    colour = _colouring(hoods)
    palette = plt.get_cmap("Set3").colors  # type: ignore[attr-defined]  # a ListedColormap
    units.plot(ax=ax, color=[palette[colour[n] % len(palette)] for n in units["neighbourhood"]], linewidth=0.1,
               edgecolor="white")
    hoods.boundary.plot(ax=ax, color="black", linewidth=0.6)
    bad = hoods[hoods["status"] != "ok"]
    if len(bad):
        bad.plot(ax=ax, facecolor="none", edgecolor="red", hatch="//", linewidth=1.0)
    if "place" in units.columns and units["place"].notna().all():
        units[["place", "geometry"]].dissolve("place").boundary.plot(ax=ax, color="black", linewidth=1.8)
    ax.set_title(title + "\nContains OS data © Crown copyright and database right; ONS/NHS data, OGL v3", fontsize=9)
    ax.set_axis_off()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _colouring(hoods: gpd.GeoDataFrame) -> dict[str, int]:
    """Greedy colouring so that touching neighbourhoods never share a colour."""
    import networkx as nx
    import numpy as np
    import shapely

    geoms = np.asarray(hoods.geometry.values)
    i, j = shapely.STRtree(geoms).query(shapely.buffer(geoms, 1.0), predicate="intersects")
    g = nx.Graph()
    ids = [str(x) for x in hoods.index]
    g.add_nodes_from(ids)
    g.add_edges_from((ids[a], ids[b]) for a, b in zip(i, j, strict=True) if a != b)
    return dict(nx.greedy_color(g, strategy="largest_first"))
