"""Geometry and figures for display in ``report.html``: topology-keeping simplification to an integer grid,
SVG path text, label points, per-neighbourhood figures and map colouring."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..model import Col
from .report_data import FAMILIES

# ---------------------------------------------------------------- geometry for display


def _groups(keys: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Sorted unique keys and the positions holding each."""
    uniq, inv = np.unique(keys, return_inverse=True)
    order = np.argsort(inv, kind="stable")
    return uniq, np.split(order, np.flatnonzero(np.diff(inv[order])) + 1)


def _union(geoms: np.ndarray) -> shapely.Geometry:
    """Union of touching polygons: the fast coverage union, the robust union where the coverage is not noded."""
    try:
        return shapely.coverage_union_all(geoms)
    except shapely.errors.GEOSException:
        return shapely.union_all(geoms)


_LUT_R = 4096
_LUT = np.array([str(v) if v < 0 else f" {v}" for v in range(-_LUT_R, _LUT_R + 1)], dtype=object)
_LUT_LEN = np.array([len(t) for t in _LUT], dtype=np.int64)


def _tokens(nums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each integer as SVG path text with its separator (" 12", "-3": no space needed before a minus) and the
    text lengths; a lookup table makes this one fancy index instead of millions of ``str`` calls."""
    ix = np.clip(nums, -_LUT_R, _LUT_R) + _LUT_R
    toks = _LUT[ix]
    width = _LUT_LEN[ix]
    for i in np.flatnonzero(np.abs(nums) > _LUT_R).tolist():
        toks[i] = str(nums[i]) if nums[i] < 0 else f" {nums[i]}"
        width[i] = len(toks[i])
    return toks, width


class _Grid:
    """British National Grid metres -> integer SVG units (y down) on a grid of ``q`` metres."""

    def __init__(self, bounds: np.ndarray, q: float) -> None:
        self.x0, self.y0, self.x1, self.y1 = (float(b) for b in bounds)
        self.q = q
        self.w = max(1, math.ceil((self.x1 - self.x0) / q))
        self.h = max(1, math.ceil((self.y1 - self.y0) / q))

    def ints(self, xy: np.ndarray) -> np.ndarray:
        out = np.empty((len(xy), 2), dtype=np.int64)
        out[:, 0] = np.rint((xy[:, 0] - self.x0) / self.q)
        out[:, 1] = np.rint((self.y1 - xy[:, 1]) / self.q)
        return out

    def paths(self, geoms: list[shapely.Geometry] | np.ndarray, close: bool = True) -> list[str]:
        """SVG path data per geometry (polygons: ``close``; lines: not): an absolute move to each ring's start,
        then relative line-tos on the grid, repeated points dropped. Vectorised: one string join for all."""
        arr = np.array([g if g is not None else shapely.Polygon() for g in geoms], dtype=object)
        n = len(arr)
        if not n:
            return []
        if close:
            arr = shapely.get_parts(arr, return_index=True)
            parts, owner = arr
            rings, ring_part = shapely.get_rings(parts, return_index=True)
            ring_owner = owner[ring_part]
        else:
            rings, ring_owner = shapely.get_parts(arr, return_index=True)
            rings = np.asarray(rings)
        rings = np.asarray(rings)
        if not len(rings):
            return [""] * n
        xy, ring_of = shapely.get_coordinates(rings, return_index=True)
        q = self.ints(xy)
        d = np.diff(q, axis=0)
        keep = (ring_of[1:] == ring_of[:-1]) & (d != 0).any(axis=1)
        if close:  # the segment back to the start is the 'z'
            last = np.r_[np.flatnonzero(np.diff(ring_of)), len(ring_of) - 1] - 1
            keep[last[last >= 0]] = False
        seg = np.flatnonzero(keep)
        seg_ring = ring_of[seg]
        nums = d[seg].ravel()
        toks, width = _tokens(nums)
        ends = np.cumsum(width)
        text = "".join(toks.tolist())
        first = np.searchsorted(ring_of, np.arange(len(rings)))
        lo = np.searchsorted(seg_ring, np.arange(len(rings)))
        hi = np.searchsorted(seg_ring, np.arange(len(rings)), side="right")
        out: list[list[str]] = [[] for _ in range(n)]
        minimum = 2 if close else 1
        z = "z" if close else ""
        for a, b, f, o in zip(lo.tolist(), hi.tolist(), first.tolist(), ring_owner.tolist(), strict=True):
            if b - a < minimum or f >= len(q):
                continue
            s0 = int(ends[2 * a - 1]) if a else 0
            body = text[s0:int(ends[2 * b - 1])]
            out[o].append(f"M{q[f, 0]} {q[f, 1]}l{body}{z}")
        return ["".join(x) for x in out]

    def path(self, geom: shapely.Geometry, close: bool = True) -> str:
        """SVG path data of one geometry (see :meth:`paths`)."""
        return self.paths([geom], close)[0]


@dataclass
class _Shapes:
    grid: _Grid
    hoods: dict[str, shapely.Geometry]
    places: dict[str, shapely.Geometry]
    las: dict[str, shapely.Geometry]


def _display_grid(units: gpd.GeoDataFrame, tolerance_m: float | None) -> tuple[_Grid, float]:
    """The drawing grid and simplification tolerance: by default 1/15,000 of the extent (2-40 m)."""
    bounds = shapely.total_bounds(np.asarray(units.geometry.values))
    extent = float(max(bounds[2] - bounds[0], bounds[3] - bounds[1], 1.0))
    tol = tolerance_m if tolerance_m is not None else float(np.clip(extent / 15_000, 2.0, 40.0))
    return _Grid(bounds, max(1.0, tol / 2)), tol


def display_shapes(units: gpd.GeoDataFrame, tolerance_m: float | None = None,
                   pool: ThreadPoolExecutor | None = None) -> _Shapes:
    """Neighbourhood, place and LA shapes simplified together (shared edges kept), with the grid to draw them.

    With ``pool`` the unions run in two halves side by side (GEOS releases the GIL)."""
    geoms = np.asarray(units.geometry.values)
    grid, tol = _display_grid(units, tolerance_m)
    hood = units[Col.NEIGHBOURHOOD].astype(str).to_numpy()
    la = units[Col.LA].astype(str).to_numpy() if Col.LA in units.columns else np.full(len(units), "")
    place = (units[Col.PLACE].astype(object).where(units[Col.PLACE].notna(), "").astype(str).to_numpy()
             if Col.PLACE in units.columns else np.full(len(units), ""))
    _, members = _groups(np.char.add(np.char.add(hood.astype(str), "\x00"), la.astype(str)))
    pieces = np.empty(len(members), dtype=object)
    if pool is None:
        pieces[:] = [_union(geoms[ix]) for ix in members]
    else:
        halves = [pool.submit(lambda h: [_union(geoms[ix]) for ix in members[h::2]], h) for h in (0, 1)]
        pieces[0::2], pieces[1::2] = halves[0].result(), halves[1].result()
    pieces = shapely.coverage_simplify(pieces, tol) if tol > 0 else pieces
    first = np.array([ix[0] for ix in members])

    def by(labels: np.ndarray) -> dict[str, shapely.Geometry]:
        out: dict[str, shapely.Geometry] = {}
        lab = labels[first]
        ks, grp = _groups(lab)
        for k, ix in zip(ks.tolist(), grp, strict=True):
            if k != "":
                out[str(k)] = pieces[ix[0]] if len(ix) == 1 else _union(pieces[ix])
        return out

    return _Shapes(grid, by(hood), by(place), by(la))


def _lsoa_lines(units: gpd.GeoDataFrame, grid: _Grid) -> str:
    """Every LSOA ring on a grid twice as coarse as the shapes, one path per LSOA in the units' order, separated
    by ``|``: drawn as a faint layer under the outlines, and hit-tested to show the LSOA under the pointer."""
    coarse = _Grid(np.array([grid.x0, grid.y0, grid.x1, grid.y1]), grid.q * 2)
    return "|".join(coarse.paths(np.asarray(units.geometry.values)))


def lsoa_table_json(units: gpd.GeoDataFrame, hood_index: dict[str, int]) -> dict[str, Any]:
    """The report's per-LSOA table, column-wise and compact (wards as indexes into a list): code, LSOA name, ward,
    population and the index of its neighbourhood, in the units' order (the order of the LSOA paths)."""
    def text(col: str) -> list[str]:
        if col not in units.columns:
            return [""] * len(units)
        c = units[col]
        return [str(x) for x in c.astype(object).where(c.notna(), "").tolist()]

    wards = text(Col.WARD_NAME)
    ward_list = sorted(set(wards))
    at = {w: i for i, w in enumerate(ward_list)}
    pop = units[Col.POP].fillna(0).round().astype(np.int64).tolist() if Col.POP in units.columns else []
    return {"code": text(Col.CODE), "name": text(Col.NAME), "ward": [at[w] for w in wards], "wards": ward_list,
            "pop": pop, "hood": [hood_index.get(h, -1) for h in text(Col.NEIGHBOURHOOD)]}


def _bboxes(shapes: dict[str, shapely.Geometry], ids: list[str], grid: _Grid) -> dict[str, list[int]]:
    """Bounding box of each shape on the grid as [left, top, right, bottom] (zeros when it has no shape)."""
    b = shapely.bounds(np.array([shapes.get(i) for i in ids], dtype=object))
    lo, hi = grid.ints(np.nan_to_num(b[:, :2])), grid.ints(np.nan_to_num(b[:, 2:]))
    return {i: ([int(lo[k, 0]), int(hi[k, 1]), int(hi[k, 0]), int(lo[k, 1])] if i in shapes else [0, 0, 0, 0])
            for k, i in enumerate(ids)}


def _label_points(shapes: dict[str, shapely.Geometry], grid: _Grid) -> dict[str, tuple[int, int, int]]:
    """Label position (x, y) and a size (the largest circle inside, in grid units) per shape."""
    ids = sorted(shapes)
    geoms = np.array([shapes[i] for i in ids], dtype=object)
    if not len(geoms):
        return {}
    # the largest part: labels go where most of the shape is
    parts, idx = shapely.get_parts(geoms, return_index=True)
    area = shapely.area(parts)
    best = pd.Series(area).groupby(idx).idxmax().to_numpy()
    main = parts[best]
    circ = shapely.maximum_inscribed_circle(main, tolerance=grid.q * 10)
    centre = shapely.get_coordinates(shapely.get_point(circ, 0))
    radius = shapely.length(circ)
    xy = grid.ints(centre)
    return {i: (int(xy[k, 0]), int(xy[k, 1]), max(1, round(radius[k] / grid.q))) for k, i in enumerate(ids)}


# ---------------------------------------------------------------- figures per neighbourhood


def _as_dict(f: Any) -> dict[str, Any]:
    """A finding as a dict (``nhgeo`` ``Finding`` dataclasses are accepted as they are)."""
    if isinstance(f, dict):
        return f
    import dataclasses

    return dataclasses.asdict(f) if dataclasses.is_dataclass(f) and not isinstance(f, type) else dict(vars(f))


def _derived_status(given: Any, found: list[int], findings: list[dict[str, Any]]) -> str:
    """The record's status, else from its findings: failing with an error, warning with a warning, else ok."""
    if given:
        return str(given)
    sev = {_status(str(findings[k].get("severity"))) for k in found}
    return "failing" if "failing" in sev else "warning" if sev else "ok"


def _status(s: str | None) -> str:
    s = (s or "ok").lower()
    return "ok" if s == "ok" else "failing" if s in ("error", "failing", "fail") else "warning"


def _short_id(nid: str) -> str:
    return nid.rsplit("-", 1)[-1] if "-" in nid else nid


def _short_place(name: str) -> str:
    """A place named by several LAs, shortened to the first ("Boston & Lincoln & ..." -> "Boston +")."""
    return name.split(" & ")[0] + " +" if " & " in name else name


def _short_name(name: str) -> str:
    return name.split(": ", 1)[1] if ": " in name else name


def _figures(units: gpd.GeoDataFrame) -> pd.DataFrame:
    """Per neighbourhood: population, LSOAs, shares aged 65+ / under 16, deprivation quintile mix, LAs."""
    u = pd.DataFrame({"n": units[Col.NEIGHBOURHOOD].astype(str).to_numpy(),
                      "pop": units[Col.POP].to_numpy(dtype=float) if Col.POP in units.columns else 0.0})
    for c in (Col.AGE_65_PLUS, Col.AGE_0_15):
        u[c] = units[c].to_numpy(dtype=float) if c in units.columns else np.nan
    u["res"] = units[Col.RESIDENTS].to_numpy(dtype=float) if Col.RESIDENTS in units.columns else u["pop"]
    imd = (pd.to_numeric(units[Col.IMD], errors="coerce").to_numpy(dtype=float) if Col.IMD in units.columns
           else np.full(len(units), np.nan))
    quint = np.where(np.isnan(imd), 0, np.ceil(np.nan_to_num(imd) / 2)).astype(int)  # 1 = most deprived fifth
    for k in range(6):
        u[f"q{k}"] = np.where(quint == k, u["pop"], 0.0)
    g = u.groupby("n", sort=True)
    out = pd.DataFrame({"population": g["pop"].sum(), "n_lsoas": g.size()})
    for c, name in ((Col.AGE_65_PLUS, "share_65_plus"), (Col.AGE_0_15, "share_under_16")):
        s = g[c].sum(min_count=1)
        res = g["res"].sum()  # shares of residents, whatever population the band uses
        out[name] = (s / res.where(res > 0)).astype(float)
    for k in range(6):
        out[f"q{k}"] = g[f"q{k}"].sum() / out["population"].where(out["population"] > 0, 1.0)
    return out


class _Text:
    """String columns of the units, each converted once (arrow-backed strings are slow to convert)."""

    def __init__(self, units: gpd.GeoDataFrame) -> None:
        self.units = units
        self.cache: dict[str, np.ndarray] = {}
        self.pop = units[Col.POP].to_numpy(dtype=float) if Col.POP in units.columns else np.ones(len(units))

    def __contains__(self, col: str) -> bool:
        return col in self.units.columns

    def __getitem__(self, col: str) -> np.ndarray:
        if col not in self.cache:
            c = self.units[col]
            self.cache[col] = c.astype(object).where(c.notna(), "").astype(str).to_numpy()
        return self.cache[col]


def _majority(text: _Text, key: str, col: str) -> dict[str, str]:
    """For each ``key`` value, the ``col`` value holding most people."""
    if col not in text or key not in text:
        return {}
    df = pd.DataFrame({"k": text[key], "v": text[col], "p": text.pop})
    s = df.groupby(["k", "v"], sort=True)["p"].sum().reset_index().sort_values(["k", "p", "v"],
                                                                               ascending=[True, False, True])
    return dict(zip(s.drop_duplicates("k")["k"], s.drop_duplicates("k")["v"], strict=True))


def _r(x: Any, nd: int = 4) -> Any:
    """JSON-ready number: rounded, NaN -> None."""
    if x is None:
        return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return x
    return None if math.isnan(f) else round(f, nd)


# ---------------------------------------------------------------- colouring


def _colour_index(shapes: dict[str, shapely.Geometry], grid: _Grid, within: dict[str, str] | None = None,
                  n_colours: int = FAMILIES) -> dict[str, int]:
    """Colour index per shape so that touching shapes differ: DSatur (the most-constrained shape first, ties by
    degree then id), which needs at most 5 colours on maps of places in practice; with ``within`` only shapes in
    the same group count as touching (tints of one place's colour). Beyond ``n_colours`` the index wraps."""
    ids = sorted(shapes)
    if not ids:
        return {}
    geoms = np.array([shapes[i] for i in ids], dtype=object)
    a, b = shapely.STRtree(geoms).query(geoms, predicate="intersects")  # simplified together: borders are shared
    nbrs: dict[int, set[int]] = {k: set() for k in range(len(ids))}
    for i, j in zip(a.tolist(), b.tolist(), strict=True):
        if i != j and (within is None or within.get(ids[i]) == within.get(ids[j])):
            nbrs[i].add(j)
            nbrs[j].add(i)
    colour: dict[int, int] = {}
    sat: dict[int, set[int]] = {k: set() for k in range(len(ids))}
    left = set(range(len(ids)))
    while left:
        k = min(left, key=lambda k: (-len(sat[k]), -len(nbrs[k]), k))
        left.discard(k)
        c = next(c for c in range(len(ids) + 1) if c not in sat[k])
        colour[k] = c
        for n in nbrs[k]:
            sat[n].add(c)
    return {ids[k]: c % n_colours for k, c in colour.items()}


def _tint(colour: str, t: int) -> str:
    """Tint ``t`` of a palette colour: 0 itself, 1 mixed 45% with white, 2 mixed 18% with black."""
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    mixed = [c + (255 - c) * 0.45 for c in rgb] if t == 1 else [c * 0.82 for c in rgb] if t == 2 else rgb
    return "#" + "".join(f"{round(c):02X}" for c in mixed)
