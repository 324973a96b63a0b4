"""``map.png``: a map that stands alone (matplotlib, headless).

Two layouts, chosen by how many neighbourhoods there are:

* **detail** (a place, an ICB, a few LAs): neighbourhoods in shades of their place's colour, labelled with
  the id's last part (``N03``) and, where it fits, the short name; place names, LA and place outlines,
  exceptions hatched; a legend for every colour, line and hatch; scale bar and north arrow.
* **overview** (a region, all England): places coloured and named where the name fits, no neighbourhood
  labels (they would smear), neighbourhood lines faint.

Shapes come from :func:`nhgeo.render.html.display_shapes` (simplified together, so neighbours still meet).
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np

from ..model import Col

DETAIL_MAX = 220  # up to this many neighbourhoods, label each one
ATTRIBUTION = ("Contains OS data © Crown copyright and database right; ONS and NHS England data, Open Government "
               "Licence v3.0")


def draw_map(units: gpd.GeoDataFrame, hoods: gpd.GeoDataFrame, path: Path, title: str,
             data_date: str | None = None) -> None:
    """Write ``path``: ``units`` are LSOAs with ``Col.NEIGHBOURHOOD`` (+ ``Col.PLACE``, ``Col.LA``); ``hoods`` is
    indexed by neighbourhood id with ``name`` and ``status`` columns (its geometry is not needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.patheffects as pe
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from .display import _colour_index, _short_id, _short_name, _tint, display_shapes
    from .report_data import NO_PLACE, PALETTE

    bounds = units.total_bounds
    w_m, h_m = bounds[2] - bounds[0], bounds[3] - bounds[1]
    n_hoods = int(units[Col.NEIGHBOURHOOD].nunique())
    detail = n_hoods <= DETAIL_MAX
    # figure: about 1400 px on the long side for detail, 1700 for an overview; legend on the right
    long_in = 13.0 if detail else 15.5
    aspect = h_m / max(w_m, 1.0)
    map_w = long_in if aspect <= 1 else long_in / aspect
    map_h = map_w * aspect
    legend_w = 3.6
    top_in, bottom_in = 1.0, 0.45  # title band above the map, attribution band below: nothing drawn over either
    fig_h = map_h + top_in + bottom_in
    fig = plt.figure(figsize=(map_w + legend_w, fig_h), dpi=110)
    ax = fig.add_axes((0.01, bottom_in / fig_h, map_w / (map_w + legend_w) - 0.01, map_h / fig_h))
    px_per_m = map_w * 110 / max(w_m, 1.0)
    shapes = display_shapes(units, tolerance_m=max(1.0, 0.6 / px_per_m))
    grid = shapes.grid

    place_of: dict[str, str] = {}
    if Col.PLACE in units.columns and units[Col.PLACE].notna().any():
        pairs = units[[Col.NEIGHBOURHOOD, Col.PLACE]].dropna().astype(str).drop_duplicates(Col.NEIGHBOURHOOD)
        place_of = dict(zip(pairs[Col.NEIGHBOURHOOD], pairs[Col.PLACE], strict=True))
    ids = sorted(shapes.hoods)
    if shapes.places:
        pcol = _colour_index(shapes.places, grid)
        tint = _colour_index(shapes.hoods, grid, within={n: place_of.get(n, "") for n in ids}, n_colours=3)
        colours = [_tint(PALETTE[pcol.get(place_of.get(n, ""), NO_PLACE)], tint.get(n, 0) if detail else 0)
                   for n in ids]
    else:
        hc = _colour_index(shapes.hoods, grid)
        colours = [PALETTE[hc[n]] for n in ids]
    hood_geo = gpd.GeoSeries([shapes.hoods[n] for n in ids], crs=units.crs)
    hood_geo.plot(ax=ax, color=colours, edgecolor="#444444" if detail else "#777777",
                  linewidth=0.6 if detail else 0.15)
    status = hoods["status"].astype(str).to_dict() if "status" in hoods.columns else {}
    bad = [n for n in ids if status.get(n, "ok") != "ok"]
    if bad:
        gpd.GeoSeries([shapes.hoods[n] for n in bad], crs=units.crs).plot(
            ax=ax, facecolor="none", edgecolor="#6b5600", hatch="///", linewidth=0.0)
    if len(shapes.las) > 1 and detail:
        gpd.GeoSeries([shapes.las[k] for k in sorted(shapes.las)], crs=units.crs).boundary.plot(
            ax=ax, color="#5a3a8a", linewidth=1.3, linestyle=(0, (4, 2.5)))
    if shapes.places:
        gpd.GeoSeries([shapes.places[k] for k in sorted(shapes.places)], crs=units.crs).boundary.plot(
            ax=ax, color="#111111", linewidth=1.8 if detail else 0.9)
    icb = _icb_outlines(units, bounds)
    if icb is not None:
        icb.plot(ax=ax, color="#1b7837", linewidth=1.6 if detail else 0.8, linestyle=(0, (6, 2, 1.5, 2)))
    ax.set_xlim(bounds[0] - w_m * 0.01, bounds[2] + w_m * 0.01)
    ax.set_ylim(bounds[1] - h_m * 0.01, bounds[3] + h_m * 0.01)
    ax.set_aspect("equal")
    ax.set_axis_off()

    halo = [pe.withStroke(linewidth=2.6, foreground="white")]
    import shapely

    def centre(g: shapely.Geometry) -> tuple[float, float, float]:
        parts = shapely.get_parts(g)
        main = parts[int(np.argmax(shapely.area(parts)))]
        c = shapely.maximum_inscribed_circle(main, tolerance=max(1.0, 4 / px_per_m))
        x, y = shapely.get_coordinates(shapely.get_point(c, 0))[0]
        return float(x), float(y), float(shapely.length(c)) * px_per_m  # radius in pixels

    names = hoods["name"].astype(str).to_dict() if "name" in hoods.columns else {}
    place_names = _place_names(units, shapes.places)
    unnamed = unlabelled = 0
    boxes: list[shapely.Geometry] = []  # neighbourhood labels (metres), kept clear of each other and of the place names
    if detail:
        for n in sorted(ids, key=lambda n: (-shapely.area(shapes.hoods[n]), n)):  # roomiest first
            x, y, r = centre(shapes.hoods[n])
            label = _hood_label(_short_name(names.get(n, "")) or _short_id(n), r)
            box = None
            if label is not None:
                text, size = label
                rows = text.split("\n")
                pt = size * 110 / 72  # pixels per point
                hw = max(len(t) for t in rows) * 0.55 * pt / 2 / px_per_m
                hh = len(rows) * 1.25 * pt / 2 / px_per_m
                box = shapely.box(x - hw, y - hh, x + hw, y + hh)
            if label is None or box is None or any(box.intersects(b) for b in boxes):
                unlabelled += 1
                continue
            ax.text(x, y, text, ha="center", va="center", fontsize=size, path_effects=halo, linespacing=1.05,
                    zorder=5)
            boxes.append(box)
    taken = shapely.union_all(boxes) if boxes else None
    placed: list[shapely.Geometry] = []
    for k in sorted(shapes.places, key=lambda k: (-shapely.area(shapes.places[k]), k)):  # big places first
        name = place_names.get(k, k)
        if not detail:  # the overview names a place by its largest LA ("+" when it has more)
            name = name.split(" & ")[0].rstrip(" …") + (" +" if " & " in name else "")
        lines = _wrap(name, 18 if detail else 14)
        width_px = max(len(s) for s in lines) * 6.2
        geom = shapes.places[k]
        if taken is not None:  # the roomiest spot of the place away from neighbourhood labels
            free = shapely.difference(geom, taken)
            geom = free if not free.is_empty else geom
        x, y, r = centre(geom)
        size = min(9.5, 2 * r / max(width_px / 8.0, 1) * 0.95, 2 * r / (len(lines) * 11.0 / 8.0) * 0.95)
        # the label's box (metres) must not cover one already placed
        hw = width_px * 1.15 * size / 8.0 / 2 / px_per_m  # bold text runs wider than the estimate
        hh = len(lines) * size * 1.4 / 2 / px_per_m
        box = shapely.box(x - hw, y - hh, x + hw, y + hh)
        if size < 5.0 or any(box.intersects(b) for b in placed):
            unnamed += 1
            continue
        placed.append(box)
        ax.text(x, y, "\n".join(lines), ha="center", va="center", fontsize=size, fontweight="bold",
                fontstyle="italic" if detail else "normal", color="#000000",
                path_effects=[pe.withStroke(linewidth=3.2, foreground="white")], linespacing=1.0, zorder=6)

    # title, scale bar, north arrow
    fig.text(0.01, 1 - 0.33 / fig_h, title, fontsize=14, fontweight="bold", va="center")
    fig.text(0.01, 1 - 0.68 / fig_h,
             f"{n_hoods:,} neighbourhoods" + (f" in {len(shapes.places):,} places" if shapes.places else "")
             + f" · {int(units[Col.POP].sum()):,} people · data: {data_date or data_date_of(units)}", fontsize=9,
             va="center")
    _scale_bar(ax, bounds, w_m, h_m)
    _north_arrow(ax)
    small = [f"{unlabelled} neighbourhoods" if unlabelled else "", f"{unnamed} places" if unnamed else ""]
    small = [x for x in small if x]
    fig.text(0.01, 0.12 / fig_h, ATTRIBUTION + (f" · {' and '.join(small)} too small to name at this scale "
                                                "(report.html names them all)" if small else ""), fontsize=7,
             color="#333333")

    # legend: every colour, line and hatch used
    handles: list[Patch | Line2D] = []
    if shapes.places and (detail or len(shapes.places) <= 40):
        for k in sorted(shapes.places, key=lambda k: place_names.get(k, k)):
            handles.append(Patch(facecolor=PALETTE[pcol.get(k, NO_PLACE)], edgecolor="#333333",
                                 label=f"{_clip(place_names.get(k, k), 30)}"))
    elif shapes.places:
        handles.append(Patch(facecolor=PALETTE[0], edgecolor="#333333", label="a place (colours only tell\n"
                                                                              "touching places apart;\nnamed by "
                                                                              "its largest LA,\n+ when it has more)"))
    handles.append(Line2D([], [], color="#111111", linewidth=1.8, label="place outline"))
    if len(shapes.las) > 1 and detail:
        handles.append(Line2D([], [], color="#5a3a8a", linewidth=1.3, linestyle=(0, (4, 2.5)),
                              label="local authority outline"))
    handles.append(Line2D([], [], color="#444444" if detail else "#777777", linewidth=0.6 if detail else 0.4,
                          label="neighbourhood outline"))
    if icb is not None:
        handles.append(Line2D([], [], color="#1b7837", linewidth=1.6, linestyle=(0, (6, 2, 1.5, 2)),
                              label="ICB outline (ONS April 2026)"))
    if bad:
        handles.append(Patch(facecolor="white", edgecolor="#6b5600", hatch="///",
                             label="exception (band or LA\ncrossing; see summary)"))
    leg = fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(map_w / (map_w + legend_w) + 0.005,
                                                                        1 - top_in / fig_h),
                     fontsize=8, frameon=True, title="Legend", title_fontsize=9, handlelength=2.2,
                     ncols=1 if len(handles) <= 45 else 2)
    leg.get_frame().set_edgecolor("#999999")
    if detail:
        fig.text(map_w / (map_w + legend_w) + 0.008, bottom_in / fig_h,
                 "Labels: neighbourhood names where\nthey fit; shades of a place's colour\nonly tell neighbours "
                 "apart; touching\nplaces never share a colour.", fontsize=7.5, va="bottom")
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)


def _icb_outlines(units: gpd.GeoDataFrame, bounds: np.ndarray) -> gpd.GeoSeries | None:
    """The official April 2026 ICB outlines crossing the map (None for another ICB vintage or none crossing)."""
    if units.attrs.get("icb_vintage") != 2026:
        return None
    import shapely

    from ..sources.icb import read_icb_outlines

    out = read_icb_outlines()
    pad = 0.02 * max(bounds[2] - bounds[0], bounds[3] - bounds[1])
    box = shapely.box(bounds[0] - pad, bounds[1] - pad, bounds[2] + pad, bounds[3] + pad)
    lines = shapely.intersection(shapely.boundary(np.asarray(out.geometry.values)), box)
    lines = lines[~shapely.is_empty(lines)]
    return gpd.GeoSeries(lines, crs=units.crs) if len(lines) else None


def _place_names(units: gpd.GeoDataFrame, places: dict[str, object]) -> dict[str, str]:
    """Place id -> name: from a ``place_name`` column when there is one, else the LA names it covers."""
    if not places:
        return {}
    if Col.PLACE_NAME in units.columns:
        d = units[[Col.PLACE, Col.PLACE_NAME]].dropna().astype(str).drop_duplicates(Col.PLACE)
        return dict(zip(d[Col.PLACE], d[Col.PLACE_NAME], strict=True))
    if Col.LA_NAME not in units.columns:
        return {k: k for k in places}
    d = units[[Col.PLACE, Col.LA_NAME, Col.POP]].dropna()
    g = d.groupby([d[Col.PLACE].astype(str), d[Col.LA_NAME].astype(str)])[Col.POP].sum().reset_index()
    out = {}
    for k, grp in g.groupby(Col.PLACE, sort=True):
        las = grp.sort_values([Col.POP, Col.LA_NAME], ascending=[False, True])[Col.LA_NAME].tolist()
        out[str(k)] = " & ".join(las[:3]) + (" …" if len(las) > 3 else "")
    return out


def _hood_label(name: str, r: float) -> tuple[str, float] | None:
    """A neighbourhood's name wrapped to fit a circle of radius ``r`` pixels, and its font size; None if it cannot."""
    for size in (8.0, 7.0, 6.0):
        pt = size * 110 / 72
        per_line = max(1, int(1.8 * r / (0.55 * pt)))
        lines = _wrap(name, per_line)
        if max(len(t) for t in lines) <= per_line and len(lines) * 1.25 * pt <= 1.6 * r:
            return "\n".join(lines), size
    return None


def _wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _scale_bar(ax: object, bounds: np.ndarray, w_m: float, h_m: float) -> None:
    """A black-and-white bar of a round length, bottom left."""
    from matplotlib.axes import Axes
    from matplotlib.patches import Rectangle

    assert isinstance(ax, Axes)
    target = w_m / 5
    p = 10 ** math.floor(math.log10(target))
    length = max(m * p for m in (1, 2, 5) if m * p <= target)
    x0, y0 = bounds[2] - w_m * 0.02 - length, bounds[1] + h_m * 0.02  # bottom right: clear of most coasts
    hgt = h_m * 0.008
    for i in range(2):
        ax.add_patch(Rectangle((x0 + i * length / 2, y0), length / 2, hgt, facecolor="black" if i == 0 else "white",
                               edgecolor="black", linewidth=0.8, zorder=7))
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    import matplotlib.patheffects as pe

    halo = [pe.withStroke(linewidth=2.5, foreground="white")]
    ax.text(x0, y0 + hgt * 1.8, "0", fontsize=8, ha="center", va="bottom", zorder=8, path_effects=halo)
    ax.text(x0 + length, y0 + hgt * 1.8, label, fontsize=8, ha="center", va="bottom", zorder=8, path_effects=halo)


def _north_arrow(ax: object) -> None:
    """An arrow with N, top right (the British National Grid's north is up)."""
    from matplotlib.axes import Axes

    assert isinstance(ax, Axes)
    ax.annotate("N", xy=(0.965, 0.97), xytext=(0.965, 0.89), xycoords="axes fraction", ha="center", va="center",
                fontsize=12, fontweight="bold",
                arrowprops={"facecolor": "black", "width": 4, "headwidth": 11, "headlength": 10})


def data_date_of(units: gpd.GeoDataFrame) -> str:
    """The data vintages a map depends on, from the loader's ``attrs`` (e.g. "LSOA 2021; ICB 2026; ...")."""
    v = units.attrs.get("vintages", {})
    parts = [f"Census {v.get('population', 2021)} population", f"LSOA {v.get('lsoa', units.attrs.get('vintage', 2021))}"
             " boundaries"]
    parts += [f"{k} {v[k]}" for k in ("icb", "la") if k in v]
    return "; ".join(p.replace("icb ", "ICB ").replace("la ", "LA ") for p in parts)
