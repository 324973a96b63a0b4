"""What the editor's map draws and searches: simplified LSOA outlines as SVG path text, and a search index.

The outlines are simplified (topology not kept: a hairline gap between LSOAs is invisible at map scale) with a
tolerance that grows with the area shown, rounded to whole metres and written with y flipped (SVG's y grows
down), so London is ~1.5 MB and England stays usable. Search matches LSOA codes and names, wards, MSOAs, local
authorities, neighbourhood ids and names, and postcodes (the embedded Code-Point Open table; the LSOA holding the
postcode's point).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import shapely

from ..geo.graph import AdjacencyGraph
from ..model import Col, Study
from ..sources.geocode import geocode_postcodes

_POSTCODE = r"^[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}$"


def tolerance_for(study: Study) -> float:
    """Simplification tolerance in metres: ~1/6000 of the larger side of the area shown, at least 8 m."""
    x0, y0, x1, y1 = study.units.total_bounds
    return max(8.0, float(max(x1 - x0, y1 - y0)) / 6000)


def _path(geom: shapely.Geometry) -> str:
    """SVG path text of a (multi)polygon in whole metres, y flipped; each ring 'Mx y' then relative steps."""
    out = []
    polys = geom.geoms if geom.geom_type == "MultiPolygon" else [geom]
    for poly in polys:
        for ring in (poly.exterior, *poly.interiors):
            xy = np.rint(np.asarray(ring.coords)[:-1]).astype(np.int64)
            if len(xy) < 3:
                continue
            keep = np.ones(len(xy), dtype=bool)
            keep[1:] = np.any(xy[1:] != xy[:-1], axis=1)  # repeated points after rounding
            xy = xy[keep]
            xy[:, 1] = -xy[:, 1]
            d = np.diff(xy, axis=0)  # relative steps: short numbers
            out.append(f"M{xy[0, 0]} {xy[0, 1]}l" + " ".join(map(str, d.ravel().tolist())) + "z")
    return "".join(out)


def map_json(study: Study) -> str:
    """The map as JSON text: bounding box (y flipped), and per LSOA its code, name, path, label point, population,
    ward and LA (what the page draws and brushes with)."""
    units = study.units
    tol = tolerance_for(study)
    geoms = shapely.simplify(units.geometry.to_numpy(), tol, preserve_topology=False)
    empty = shapely.is_empty(geoms)
    geoms = np.where(empty, units.geometry.to_numpy(), geoms)
    pts = shapely.point_on_surface(units.geometry.to_numpy())
    px, py = shapely.get_x(pts), shapely.get_y(pts)
    if Col.PWC_X in units.columns:  # the population-weighted centroid where the data has one
        wx, wy = units[Col.PWC_X].to_numpy(dtype=float), units[Col.PWC_Y].to_numpy(dtype=float)
        ok = np.isfinite(wx) & np.isfinite(wy)
        px, py = np.where(ok, wx, px), np.where(ok, wy, py)
    ward = study.column(Col.WARD) if Col.WARD in units.columns else np.full(len(units), "", dtype=object)
    x0, y0, x1, y1 = (float(v) for v in units.total_bounds)
    lsoas = [{"c": str(c), "n": str(n), "d": _path(g), "x": int(round(x)), "y": -int(round(y)), "p": int(p),
              "w": str(w), "l": str(la)}
             for c, n, g, x, y, p, w, la in zip(study.codes, study.column(Col.NAME), geoms, px, py,
                                                 study.population, ward, study.column(Col.LA), strict=True)]
    wards = dict(zip(ward, study.column(Col.WARD_NAME), strict=True)) if Col.WARD in units.columns else {}
    las = dict(zip(study.column(Col.LA), study.column(Col.LA_NAME), strict=True))
    return json.dumps({"bbox": [round(x0), round(-y1), round(x1 - x0), round(y1 - y0)], "tolerance_m": tol,
                       "lsoas": lsoas, "wards": {str(k): str(v) for k, v in wards.items() if k},
                       "las": {str(k): str(v) for k, v in las.items()}}, separators=(",", ":"))


def colour_neighbourhoods(adj: AdjacencyGraph, labels: np.ndarray, ids: list[str]) -> dict[str, int]:
    """A colour index per neighbourhood so that touching ones differ (greedy, most neighbours first)."""
    u, v, _ = adj.edge_arrays()
    nbrs: dict[str, set[str]] = {i: set() for i in ids}
    for a, b in {(str(labels[i]), str(labels[j])) for i, j in zip(u, v, strict=True) if labels[i] != labels[j]}:
        if a and b:
            nbrs.setdefault(a, set()).add(b)
            nbrs.setdefault(b, set()).add(a)
    colour: dict[str, int] = {}
    for k in sorted(nbrs, key=lambda k: (-len(nbrs[k]), k)):
        used = {colour[n] for n in nbrs[k] if n in colour}
        colour[k] = next(c for c in range(len(nbrs) + 1) if c not in used)
    return colour


def free_colour(adj: AdjacencyGraph, labels: np.ndarray, near: list[int], colours: dict[str, int],
                n_colours: int = 9) -> int:
    """A colour no neighbourhood touching units ``near`` uses (the least used such one)."""
    used = {colours[str(labels[j])] % n_colours for i in near for j in adj.graph[i] if str(labels[j]) in colours}
    counts = dict.fromkeys(range(n_colours), 0)
    for c in colours.values():
        counts[c % n_colours] += 1
    return min((c for c in range(n_colours) if c not in used), key=lambda c: (counts[c], c), default=0)


class SearchIndex:
    """Text search over a study's units (and the session's neighbourhood names, passed per query)."""

    def __init__(self, study: Study) -> None:
        self.study = study
        self.codes = study.codes
        cols = [(Col.CODE, "LSOA"), (Col.NAME, "LSOA"), (Col.WARD_NAME, "ward"), (Col.MSOA_NAME, "MSOA"),
                (Col.LA_NAME, "local authority")]
        self.fields = [(kind, study.column(col), pd.Series(study.column(col)).str.lower().to_numpy(dtype=object))
                       for col, kind in cols if col in study.units.columns]
        self._tree: shapely.STRtree | None = None

    def search(self, query: str, hoods: dict[str, str], labels: np.ndarray, limit: int = 20) -> list[dict[str, Any]]:
        """Matches for ``query``: each {kind, label, lsoas}; exact and prefix matches first."""
        q = " ".join(str(query).split()).lower()
        if len(q) < 2:
            return []
        out: list[dict[str, Any]] = []
        if pd.Series([q]).str.match(_POSTCODE).iloc[0]:
            out.extend(self._postcode(q))
        for nid, name in hoods.items():
            if q in nid.lower() or q in name.lower():
                pos = np.flatnonzero(labels == nid)
                out.append({"kind": "neighbourhood", "label": f"{nid} {name}", "id": nid,
                            "lsoas": [str(c) for c in self.codes[pos]]})
        for kind, values, lower in self.fields:
            hit = np.flatnonzero(np.char.find(lower.astype(str), q) >= 0) if len(lower) else np.zeros(0, dtype=int)
            groups: dict[str, list[int]] = {}
            for i in hit:
                groups.setdefault(str(values[i]), []).append(int(i))
            for label in sorted(groups, key=lambda s: (not s.lower().startswith(q), s)):
                out.append({"kind": kind, "label": label, "lsoas": [str(self.codes[i]) for i in groups[label]]})
            if len(out) >= 4 * limit:
                break
        seen: set[tuple[str, str]] = set()
        uniq = []
        for r in out:
            key = (r["kind"], r["label"])
            if key not in seen:
                seen.add(key)
                uniq.append(r)
        return uniq[:limit]

    def _postcode(self, q: str) -> list[dict[str, Any]]:
        g = geocode_postcodes(pd.Series([q]))
        if not g.matched[0]:
            return [{"kind": "postcode", "label": f"{q.upper()}: not found (Code-Point Open)", "lsoas": []}]
        if self._tree is None:
            self._tree = shapely.STRtree(self.study.units.geometry.to_numpy())
        pt = shapely.Point(float(g.easting[0]), float(g.northing[0]))
        hit = self._tree.query(pt, predicate="intersects")
        if not len(hit):
            return [{"kind": "postcode", "label": f"{q.upper()}: outside this footprint's place", "lsoas": []}]
        return [{"kind": "postcode", "label": f"{q.upper()} (in {self.codes[int(hit[0])]})",
                 "lsoas": [str(self.codes[int(hit[0])])]}]
