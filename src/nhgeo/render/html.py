"""``report.html``: one self-contained, offline report a board can read.

The map is inline SVG written here in Python and a small vanilla script (``report.js``, inlined) adds
pan/zoom, hover/click cards, layer toggles and table sorting. No plotting library: the page needs no
network, no CDN and no tiles, is a few MB for England, and the same input gives the same bytes.

Geometry is simplified for display only, keeping topology: LSOAs are united per neighbourhood × LA piece
(``coverage_union``), the pieces are simplified together with ``shapely.coverage_simplify`` (shared edges
stay shared, so neighbours still meet) and coordinates are rounded to a grid. Neighbourhood, LA and place
outlines are all unions of the same simplified pieces, so their lines coincide.

Fill :class:`ReportData` (a GeoDataFrame of LSOAs with :class:`~nhgeo.model.Col` columns plus
``Col.NEIGHBOURHOOD``, and plain lists of dicts) and call :func:`render_html`;
:func:`report_data_from_proposal` fills it from :class:`nhgeo.pipeline.ProposeResult`.
"""

from __future__ import annotations

import html
import json
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..model import Col

if TYPE_CHECKING:
    from ..pipeline import ProposeResult

ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0. Contains OS data "
    "© Crown copyright and database right. Contains information from NHS England, licensed under the current "
    "version of the Open Government Licence. English Indices of Deprivation 2019 (MHCLG), OGL v3. Service "
    "geocoding: Contains OS data © Crown copyright and database right 2025; Contains Royal Mail data © Royal Mail "
    "copyright and database right 2025; Contains National Statistics data © Crown copyright and database right "
    "2025."
)
# Paul Tol's "light" scheme: distinguishable with colour-blindness, dark text stays readable on every colour
PALETTE = ("#77AADD", "#EE8866", "#EEDD88", "#FFAABB", "#99DDFF", "#44BB99", "#BBCC33", "#AAAA00", "#DDDDDD")
STATUS_COLOUR = {"ok": "#77AADD", "warning": "#EEDD88", "failing": "#EE8866"}
SERVICE_COLOUR = ("#004488", "#BB5566", "#117733", "#882255", "#DDAA33", "#332288", "#44AA99", "#999933",
                  "#AA4499", "#000000")
CORE_MARK = {"present": "✔", "nearby": "~", "missing": "✘", "no-data": "?"}
KINDS = ("proposal", "validation", "coverage")


@dataclass
class ReportData:
    """Everything one report shows, as plain data (no nhgeo result types needed).

    ``units``: LSOAs (EPSG:27700) with ``Col.CODE``, ``Col.POP``, ``Col.LA`` (+ names, ``Col.ICB``,
    ``Col.REGION``, ``Col.AGE_0_15``, ``Col.AGE_65_PLUS``, ``Col.IMD`` when known), ``Col.NEIGHBOURHOOD`` and
    optionally ``Col.PLACE``. ``neighbourhoods``: one dict per neighbourhood with at least ``id``; ``name``,
    ``status`` (ok | exception | warning | failing), ``reasons`` are used when given; population, LSOA count,
    age shares and deprivation mix are computed from ``units``. ``places``: dicts with ``id``, ``name``,
    ``status``, ``reasons``; a missing status comes from the unit's findings (error -> failing, warning ->
    warning). ``findings``: dicts (or ``Finding`` dataclasses) with ``rule``, ``severity``, ``unit``,
    ``message``, ``fix``; a finding on an LSOA code shows on its neighbourhood. For a validation the adapter
    is: ``ReportData(title, "validation", units_with_neighbourhood_column, [{"id": i, "name": n}, ...],
    places, report.findings, meta=...)``.
    ``coverage``: the long core-offer grid (``neighbourhood``, ``component``, ``status``, optional ``label``,
    ``required``, ``nearest_from_centre_m``). ``services``: points with a ``component`` column.
    ``meta``: ``version``, ``command``, ``seed``, ``vintages`` (dict), ``attribution``, ``data_date``.
    """

    title: str
    kind: str
    units: gpd.GeoDataFrame
    neighbourhoods: list[dict[str, Any]]
    places: list[dict[str, Any]] = field(default_factory=list)
    findings: list[Any] = field(default_factory=list)
    coverage: pd.DataFrame | None = None
    services: gpd.GeoDataFrame | None = None
    notes: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    tolerance_m: float | None = None  # display simplification; default from the map's extent


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
    """Every LSOA ring on a grid twice as coarse as the shapes (a faint layer, drawn under the outlines)."""
    coarse = _Grid(np.array([grid.x0, grid.y0, grid.x1, grid.y1]), grid.q * 2)
    return "".join(coarse.paths(np.asarray(units.geometry.values)))


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
    imd = (pd.to_numeric(units[Col.IMD], errors="coerce").to_numpy(dtype=float) if Col.IMD in units.columns
           else np.full(len(units), np.nan))
    quint = np.where(np.isnan(imd), 0, np.ceil(np.nan_to_num(imd) / 2)).astype(int)  # 1 = most deprived fifth
    for k in range(6):
        u[f"q{k}"] = np.where(quint == k, u["pop"], 0.0)
    g = u.groupby("n", sort=True)
    out = pd.DataFrame({"population": g["pop"].sum(), "n_lsoas": g.size()})
    for c, name in ((Col.AGE_65_PLUS, "share_65_plus"), (Col.AGE_0_15, "share_under_16")):
        s = g[c].sum(min_count=1)
        out[name] = (s / out["population"].where(out["population"] > 0)).astype(float)
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
                  n_colours: int = len(PALETTE)) -> dict[str, int]:
    """Greedy colouring (sorted ids, largest degree first) so that touching shapes differ; with ``within``
    only shapes in the same group count as touching (tints of one place's colour)."""
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
    for k in sorted(range(len(ids)), key=lambda k: (-len(nbrs[k]), k)):
        used = {colour[n] for n in nbrs[k] if n in colour}
        colour[k] = next(c for c in range(len(ids) + 1) if c not in used)
    return {ids[k]: c % n_colours for k, c in colour.items()}


def _tint(colour: str, t: int) -> str:
    """Tint ``t`` of a palette colour: 0 itself, 1 mixed 45% with white, 2 mixed 18% with black."""
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    mixed = [c + (255 - c) * 0.45 for c in rgb] if t == 1 else [c * 0.82 for c in rgb] if t == 2 else rgb
    return "#" + "".join(f"{round(c):02X}" for c in mixed)


# ---------------------------------------------------------------- HTML pieces


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _asset(name: str) -> str:
    return resources.files("nhgeo.render").joinpath(name).read_text(encoding="utf-8")


def _fmt_int(x: Any) -> str:
    return f"{int(x):,}" if x is not None and not (isinstance(x, float) and math.isnan(x)) else "–"


def _findings_html(findings: list[dict[str, Any]], known: set[str]) -> str:
    if not findings:
        return "<p>No findings: every rule checked holds.</p>"
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        by_rule.setdefault(str(f.get("rule", "")), []).append(f)
    out = []
    for rule in by_rule:
        fs = by_rule[rule]
        n_err = sum(_status(f.get("severity")) == "failing" for f in fs)
        head = f"{_e(rule)} <span class=count>{len(fs)} finding{'s' if len(fs) != 1 else ''}" + (
            f", {n_err} error{'s' if n_err != 1 else ''}" if n_err else "") + "</span>"
        items = []
        for f in fs:
            sev = str(f.get("severity", "warning"))
            unit = str(f.get("unit", ""))
            link = (f'<a href="#map" class=unit data-unit="{_e(unit)}">{_e(unit)}</a>' if unit in known
                    else f"<code>{_e(unit)}</code>")
            fix = f'<div class=fix><b>Fix:</b> {_e(f["fix"])}</div>' if f.get("fix") else ""
            items.append(f'<li><span class="sev sev-{_e(_status(sev))}">{_e(sev)}</span> {link}: '
                         f'{_e(f.get("message", ""))}{fix}</li>')
        out.append(f'<details open><summary><h3>{head}</h3></summary><ul class=findings>{"".join(items)}</ul>'
                   "</details>")
    return "".join(out)


def _coverage_html(grid: pd.DataFrame | None, names: dict[str, str], known: set[str]) -> tuple[str, list[str]]:
    """The neighbourhood × component table and the component order."""
    if grid is None or not len(grid):
        return "", []
    comps = list(dict.fromkeys(grid["component"].astype(str)))
    label = dict(zip(grid["component"].astype(str), grid.get("label", grid["component"]).astype(str), strict=False))
    req = (dict(zip(grid["component"].astype(str), grid["required"].astype(bool), strict=False))
           if "required" in grid.columns else {})
    st = grid.pivot_table(index="neighbourhood", columns="component", values="status", aggfunc="first")
    head = "".join(f'<th scope=col title="{_e(label[c])}">{_e(label[c])}{"" if req.get(c, True) else " (optional)"}'
                   "</th>" for c in comps)
    rows = []
    for n in sorted(st.index.astype(str)):
        cells = []
        for c in comps:
            v: Any = st.at[n, c] if c in st.columns else None
            s = str(v) if v is not None and pd.notna(v) else "no-data"
            cells.append(f'<td class="co co-{_e(s)}">{CORE_MARK.get(s, "?")} {_e(s)}</td>')
        link = f'<a href="#map" class=unit data-unit="{_e(n)}">{_e(n)}</a>' if n in known else _e(n)
        rows.append(f"<tr><th scope=row>{link} <span class=nm>{_e(names.get(n, ''))}</span></th>{''.join(cells)}</tr>")
    legend = ("<p class=keys>✔ present: inside the neighbourhood · ~ nearby: within the component's distance · "
              "✘ missing · ? no data (never a pass)</p>")
    table = (f'<div class=scroll><table class=grid><thead><tr><th scope=col>neighbourhood</th>{head}</tr></thead>'
             f'<tbody>{"".join(rows)}</tbody></table></div>')
    return legend + table, comps


def _meta_html(meta: dict[str, Any]) -> str:
    rows = [("nhgeo version", meta.get("version", "")), ("command", meta.get("command", "")),
            ("seed", meta.get("seed", "")), ("data date", meta.get("data_date", ""))]
    items = "".join(f"<dt>{_e(k)}</dt><dd><code>{_e(v)}</code></dd>" if k == "command" else
                    f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows if v != "")
    vint = meta.get("vintages") or {}
    vrows = "".join(f"<tr><th scope=row>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in vint.items())
    vt = f"<h3>Data vintages</h3><table class=plain><tbody>{vrows}</tbody></table>" if vrows else ""
    return (f"<dl class=meta>{items}</dl>{vt}<h3>Attribution</h3><p class=attr>"
            f"{_e(meta.get('attribution', ATTRIBUTION))}</p>")


def _legend_html(places: list[tuple[str, str, int]], by_status: bool, hatch: bool, services: list[tuple[str, str]],
                 has_la: bool) -> str:
    """Every colour, line and hatch used on the map."""
    sw = '<svg width=28 height=16 aria-hidden=true>{}</svg>'
    place_items = "".join(
        f'<li>{sw.format(f"<rect x=1 y=1 width=26 height=14 fill={PALETTE[c]} stroke=#333 />")} {_e(name)} '
        f'<span class=muted>{_e(pid)}</span></li>' for pid, name, c in places)
    status_items = "".join(
        f'<li>{sw.format(f"<rect x=1 y=1 width=26 height=14 fill={STATUS_COLOUR[s]} stroke=#333 />" + pat)} '
        f"{label}</li>" for s, label, pat in (
            ("ok", "ok: every rule holds", ""),
            ("warning", "warning / accepted exception",
             '<rect x=1 y=1 width=26 height=14 fill="url(#hatch-w)" />'),
            ("failing", "failing: a rule is broken", '<rect x=1 y=1 width=26 height=14 fill="url(#hatch-f)" />')))
    lines = [('<line x1=1 y1=8 x2=27 y2=8 stroke=#111 stroke-width=3 />', "place outline")]
    if has_la:
        lines.append(('<line x1=1 y1=8 x2=27 y2=8 stroke=#5a3a8a stroke-width=2 stroke-dasharray="5 3" />',
                      "local authority outline"))
    lines.append(('<line x1=1 y1=8 x2=27 y2=8 stroke=#444 stroke-width=1 />', "neighbourhood outline"))
    lines.append(('<line x1=1 y1=8 x2=27 y2=8 stroke=#666 stroke-width=0.6 />', "LSOA line (layer)"))
    if hatch:
        lines.append(('<rect x=1 y=1 width=26 height=14 fill="url(#hatch-w)" stroke=#333 />',
                      "hatched: exception (band, LA crossing, …) — see its card"))
    line_items = "".join(f"<li>{sw.format(s)} {_e(t)}</li>" for s, t in lines)
    svc_items = "".join(
        f'<li>{sw.format(f"<circle cx=14 cy=8 r=4 fill={col} stroke=#fff />")} {_e(lab)}</li>'
        for lab, col in services)
    return (f'<div class=legend><h3>Legend</h3>'
            f'<ul class="lg lg-place"{" hidden" if by_status else ""}>{place_items}</ul>'
            f'<ul class="lg lg-status"{"" if by_status else " hidden"}>{status_items}</ul>'
            f'<ul class=lg>{line_items}</ul>'
            + (f'<ul class="lg lg-svc" hidden><li><b>Service points</b></li>{svc_items}</ul>' if svc_items else "")
            + "<p class=muted>Shades of one place's colour only tell touching neighbourhoods apart. Labels: the "
              "neighbourhood id's last part (e.g. N03; the full id is on its card); zoom in for names.</p></div>")


# ---------------------------------------------------------------- the report


def render_html(data: ReportData) -> str:
    """The whole report as one HTML string (inline SVG, CSS and script; no network request)."""
    if data.kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {data.kind!r}")
    units = data.units
    findings = [_as_dict(f) for f in data.findings]
    with ThreadPoolExecutor(max_workers=3) as pool:  # GEOS releases the GIL: LSOA lines beside the shapes
        lsoa_future = pool.submit(_lsoa_lines, units, _display_grid(units, data.tolerance_m)[0])
        shapes = display_shapes(units, data.tolerance_m, pool)
        lsoa_d = lsoa_future.result()
    grid = shapes.grid
    figs = _figures(units)
    recs = {str(h["id"]): h for h in data.neighbourhoods}
    ids = sorted(set(figs.index.astype(str)) | set(shapes.hoods))
    place_rec = {str(p["id"]): p for p in data.places}
    text = _Text(units)
    place_of = _majority(text, Col.NEIGHBOURHOOD, Col.PLACE)
    place_of = {k: v for k, v in place_of.items() if v not in ("", "None", "nan", "<NA>")}
    la_of = _majority(text, Col.NEIGHBOURHOOD, Col.LA)
    icb_of = _majority(text, Col.NEIGHBOURHOOD, Col.ICB)
    region_of = _majority(text, Col.NEIGHBOURHOOD, Col.REGION)
    la_name = _majority(text, Col.LA, Col.LA_NAME)
    icb_name = _majority(text, Col.ICB, Col.ICB_NAME)
    region_name = _majority(text, Col.REGION, Col.REGION_NAME)
    by_status = data.kind != "proposal"

    # colours: by place when there are places, else neighbourhoods themselves
    hood_tint = _colour_index(shapes.hoods, grid, within={n: place_of.get(n, "") for n in ids}, n_colours=3)
    if shapes.places:
        pcol = _colour_index(shapes.places, grid)
        hood_col = {n: pcol.get(place_of.get(n, ""), 8) for n in ids}
    else:
        pcol = {}
        hood_col = _colour_index(shapes.hoods, grid)

    # findings per unit (neighbourhood, place, or an LSOA -> its neighbourhood)
    code_hood = dict(zip(units[Col.CODE].astype(str), units[Col.NEIGHBOURHOOD].astype(str), strict=False)) \
        if Col.CODE in units.columns else {}
    hood_find: dict[str, list[int]] = {}
    place_find: dict[str, list[int]] = {}
    lsoa_links: dict[str, str] = {}
    for k, f in enumerate(findings):
        unit = str(f.get("unit", ""))
        if unit in recs or unit in shapes.hoods:
            hood_find.setdefault(unit, []).append(k)
        elif unit in shapes.places or unit in place_rec:
            place_find.setdefault(unit, []).append(k)
        elif unit in code_hood:
            hood_find.setdefault(code_hood[unit], []).append(k)
            lsoa_links[unit] = code_hood[unit]

    # core offer per neighbourhood
    core: dict[str, dict[str, str]] = {}
    if data.coverage is not None and len(data.coverage):
        for n, c, s in zip(data.coverage["neighbourhood"].astype(str), data.coverage["component"].astype(str),
                           data.coverage["status"].astype(str), strict=True):
            core.setdefault(n, {})[c] = s

    labels = _label_points(shapes.hoods, grid)
    fig_rec = {str(k): v for k, v in figs.to_dict("index").items()}
    hood_bb = _bboxes(shapes.hoods, ids, grid)
    hood_json: list[dict[str, Any]] = []
    for k, n in enumerate(ids):
        rec = recs.get(n, {})
        fr = fig_rec.get(n)
        raw = _derived_status(rec.get("status"), hood_find.get(n, []), findings)
        hood_json.append({
            "i": k, "id": n, "name": str(rec.get("name", n)), "status": _status(raw), "raw_status": raw,
            "reasons": [str(x) for x in rec.get("reasons", [])],
            "population": int(rec.get("population", fr["population"] if fr is not None else 0)),
            "n_lsoas": int(rec.get("n_lsoas", fr["n_lsoas"] if fr is not None else 0)),
            "share_65_plus": _r(rec.get("share_65_plus", fr["share_65_plus"] if fr is not None else None)),
            "share_under_16": _r(rec.get("share_under_16", fr["share_under_16"] if fr is not None else None)),
            "imd": [_r(fr[f"q{q}"], 3) for q in (1, 2, 3, 4, 5, 0)] if fr is not None else [],
            "place": place_of.get(n, ""), "la": la_of.get(n, ""), "la_name": la_name.get(la_of.get(n, ""), ""),
            "icb": icb_of.get(n, ""), "region": region_of.get(n, ""),
            "core": core.get(n, {}), "findings": hood_find.get(n, []),
            "bbox": hood_bb[n],
        })
    idx = {h["id"]: h["i"] for h in hood_json}

    # places: records, else derived from the units
    pops = {h["id"]: h["population"] for h in hood_json}
    place_ids = sorted(set(place_of.values()) | set(place_rec))
    place_json: list[dict[str, Any]] = []
    place_bb = _bboxes(shapes.places, place_ids, grid)
    members_of: dict[str, list[str]] = {}
    for n in ids:
        members_of.setdefault(place_of.get(n, ""), []).append(n)
    for p in place_ids:
        rec = place_rec.get(p, {})
        members = members_of.get(p, [])
        icb = str(rec.get("icb_code", rec.get("icb", icb_of.get(members[0], "") if members else "")))
        raw = _derived_status(rec.get("status"), place_find.get(p, []), findings)
        place_json.append({
            "id": p, "name": str(rec.get("name", p)), "status": _status(raw),
            "raw_status": raw, "reasons": [str(x) for x in rec.get("reasons", [])],
            "population": int(rec.get("population", sum(pops[n] for n in members))), "icb": icb,
            "neighbourhoods": [idx[n] for n in members if n in idx], "findings": place_find.get(p, []),
            "bbox": place_bb[p], "colour": pcol.get(p, 8)})

    components = []
    cov_html, comps = _coverage_html(data.coverage, {h["id"]: h["name"] for h in hood_json}, set(idx))
    if comps and data.coverage is not None:
        labs = dict(zip(data.coverage["component"].astype(str),
                        data.coverage.get("label", data.coverage["component"]).astype(str), strict=False))
        components = [{"id": c, "label": labs.get(c, c)} for c in comps]

    # ---- SVG
    hood_paths, hatch_paths = [], []
    hood_d = grid.paths([shapes.hoods.get(h["id"]) for h in hood_json])
    for h, d in zip(hood_json, hood_d, strict=True):
        fill = f'c{hood_col.get(h["id"], 8)}t{hood_tint.get(h["id"], 0)}'
        hood_paths.append(f'<path id="h{h["i"]}" class="hood {fill} s-{h["status"]}" '
                          f'data-i="{h["i"]}" d="{d}"/>')
        if h["status"] != "ok":
            pat = "hatch-f" if h["status"] == "failing" else "hatch-w"
            hatch_paths.append(f'<path fill="url(#{pat})" d="{d}"/>')
    la_d = "".join(grid.paths(shapely.boundary([shapes.las[k] for k in sorted(shapes.las)]), close=False)) \
        if len(shapes.las) > 1 else ""
    la_on = len(shapes.las) <= 60  # for a region or England LA lines would crowd the places: a toggle
    place_d = "".join(grid.paths(shapely.boundary([shapes.places[k] for k in sorted(shapes.places)]), close=False))
    svc_paths, svc_legend = [], []
    if data.services is not None and len(data.services):
        s = data.services
        comp = s["component"].astype(object).where(s["component"].notna(), "other").astype(str).to_numpy()
        xy = grid.ints(shapely.get_coordinates(np.asarray(s.geometry.values)))
        inside = (xy[:, 0] >= 0) & (xy[:, 0] <= grid.w) & (xy[:, 1] >= 0) & (xy[:, 1] <= grid.h)
        svc_labels = dict(zip([c["id"] for c in components], [c["label"] for c in components], strict=True))
        for k, c in enumerate(sorted(set(comp[inside].tolist()))):
            pts = xy[inside & (comp == c)]
            pts = pts[np.lexsort((pts[:, 1], pts[:, 0]))]
            col = SERVICE_COLOUR[k % len(SERVICE_COLOUR)]
            lab = svc_labels.get(c, c.replace("_", " "))
            svc_legend.append((f"{lab} ({len(pts):,})", col))
            svc_paths.append(f'<path class=svc stroke="{col}" d="' + "".join(f"M{x} {y}h0" for x, y in pts.tolist())
                             + f'"><title>{_e(lab)}</title></path>')
    place_index = {p["id"]: k for k, p in enumerate(place_json)}
    hood_labels = []
    for h in hood_json:
        if h["id"] not in labels:
            continue
        x, y, r = labels[h["id"]]
        pi = place_index.get(h["place"], -1)
        hood_labels.append(f'<text class=hl data-i="{h["i"]}" data-p="{pi}" data-r="{r}" '
                           f'data-n="{len(_short_name(h["name"]))}" x="{x}" y="{y}">'
                           f'<tspan class=hid>{_e(_short_id(h["id"]))}</tspan>'
                           f'<tspan class=hnm x="{x}" dy="1.1em">{_e(_short_name(h["name"]))}</tspan></text>')
    plabels = _label_points(shapes.places, grid)
    place_labels = [f'<text class=pl data-p="{place_index[p["id"]]}" data-r="{plabels[p["id"]][2]}" '
                    f'data-n="{len(p["name"])}" data-s="{_e(_short_place(p["name"]))}" '
                    f'x="{plabels[p["id"]][0]}" y="{plabels[p["id"]][1]}">{_e(p["name"])}</text>'
                    for p in place_json if p["id"] in plabels]
    pal_css = "".join(f".by-place .c{k}t{t}{{fill:{_tint(c, t)}}}" for k, c in enumerate(PALETTE) for t in range(3))
    st_css = "".join(f".by-status .s-{k}{{fill:{c}}}" for k, c in STATUS_COLOUR.items())
    svg = (
        f'<svg id=map xmlns="http://www.w3.org/2000/svg" class="{"by-status" if by_status else "by-place"}" '
        f'viewBox="0 0 {grid.w} {grid.h}" data-w="{grid.w}" data-h="{grid.h}" data-q="{grid.q:g}" role="img" '
        f'aria-label="Map of {len(hood_json)} neighbourhoods" tabindex=0>'
        '<defs><pattern id=hatch-w patternUnits=userSpaceOnUse width=8 height=8 patternTransform="rotate(45)">'
        '<line x1=0 y1=0 x2=0 y2=8 stroke="#6b5600" stroke-width=2 /></pattern>'
        '<pattern id=hatch-f patternUnits=userSpaceOnUse width=8 height=8>'
        '<path d="M0 0L8 8M8 0L0 8" stroke="#7a1f00" stroke-width=1.6 /></pattern></defs>'
        f'<g id=g-hoods>{"".join(hood_paths)}</g><g id=g-hatch>{"".join(hatch_paths)}</g>'
        '<g id=g-lsoa class="lines layer" hidden><g transform="scale(2)"><path/></g></g>'
        f'<g id=g-la class=lines{"" if la_on else " hidden"}><path d="{la_d}"/></g>'
        f'<g id=g-place class=lines><path d="{place_d}"/></g>'
        f'<g id=g-svc class=layer hidden>{"".join(svc_paths)}</g>'
        f'<g id=g-sel class=lines></g>'
        f'<g id=g-labels>{"".join(hood_labels)}</g><g id=g-plabels>{"".join(place_labels)}</g></svg>')

    legend = _legend_html([(str(p["id"]), str(p["name"]), int(p["colour"])) for p in place_json], by_status,
                          any(h["status"] != "ok" for h in hood_json), svc_legend, len(shapes.las) > 1)
    # hierarchy data for the table
    tree = {"regions": {k: region_name.get(k, k) for k in sorted(set(region_of.values()))},
            "icbs": {k: icb_name.get(k, k) for k in sorted(set(icb_of.values()))}}
    payload = {"kind": data.kind, "hoods": hood_json, "places": place_json, "components": components,
               "findings": [{"rule": str(f.get("rule", "")), "severity": str(f.get("severity", "")),
                             "unit": str(f.get("unit", "")), "message": str(f.get("message", "")),
                             "fix": str(f.get("fix") or "")} for f in findings],
               "lsoa": lsoa_links, "tree": tree, "palette": list(PALETTE)}
    blob = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).replace("</", "<\\/")

    n_fail = sum(h["status"] == "failing" for h in hood_json)
    n_warn = sum(h["status"] == "warning" for h in hood_json)
    total = sum(h["population"] for h in hood_json)
    summary = (f"{len(hood_json):,} neighbourhoods" + (f" in {len(place_json):,} places" if place_json else "")
               + f", {total:,} people, {len(units):,} LSOAs. Status: {len(hood_json) - n_fail - n_warn:,} ok, "
               f"{n_warn:,} warning/exception, {n_fail:,} failing. {len(findings):,} finding"
               f"{'s' if len(findings) != 1 else ''}.")
    notes = "".join(f"<li>{_e(n)}</li>" for n in data.notes)
    meta = dict(data.meta)
    toggles = ('<label><input type=checkbox id=t-lsoa> LSOA lines</label>'
               + ('<label><input type=checkbox id=t-svc> service points</label>' if svc_paths else "")
               + f'<label><input type=checkbox id=t-la{" checked" if la_on and la_d else ""}'
               + ("" if la_d else " disabled") + "> LA outlines</label>"
               '<label><input type=checkbox id=t-labels checked> labels</label>'
               '<fieldset class=mode><legend>Colour by</legend>'
               f'<label><input type=radio name=mode value=place{"" if by_status else " checked"}> place</label>'
               f'<label><input type=radio name=mode value=status{" checked" if by_status else ""}> status</label>'
               '</fieldset>')
    sections = [
        f'<section id=s-map aria-label="Map"><div class=mapwrap><div class=toolbar>{toggles}'
        '<span class=zoom><button type=button id=z-in aria-label="Zoom in">+</button>'
        '<button type=button id=z-out aria-label="Zoom out">−</button>'
        '<button type=button id=z-reset>Reset view</button></span></div>'
        f'<div id=mapbox>{svg}<div id=card role=status aria-live=polite hidden></div>'
        f'<div class=scalebar id=scalebar></div></div>'
        '<p class=muted>Drag to pan, wheel or +/− to zoom; hover a neighbourhood for its card, click to pin it.</p>'
        f'</div>{legend}</section>',
        '<section id=s-tree><h2>Region → ICB → place → neighbourhood</h2>'
        '<p class=muted>Sort with the column buttons (siblings are sorted within their parent). Rows are '
        'keyboard-focusable: Enter shows the unit on the map.</p><div class=scroll><table id=tree class=tree>'
        '<thead><tr><th scope=col aria-sort=none><button type=button data-k=name>name</button></th>'
        '<th scope=col aria-sort=none><button type=button data-k=id>id</button></th>'
        '<th scope=col aria-sort=none><button type=button data-k=population>population</button></th>'
        '<th scope=col aria-sort=none><button type=button data-k=count>neighbourhoods / LSOAs</button></th>'
        '<th scope=col aria-sort=none><button type=button data-k=status>status</button></th></tr></thead>'
        '<tbody></tbody></table></div></section>',
        "<section id=s-findings><h2>Findings by rule</h2>"
        + _findings_html(findings, set(idx) | set(shapes.places) | set(lsoa_links))
        + (f"<h3>Notes</h3><ul>{notes}</ul>" if notes else "") + "</section>",
    ]
    if cov_html:
        sections.append(f"<section id=s-core><h2>Core offer: neighbourhood × component</h2>{cov_html}</section>")
    sections.append(f"<section id=s-meta><h2>Reproduce, data and attribution</h2>{_meta_html(meta)}</section>")
    css = _asset("report.css") + pal_css + st_css
    js = _asset("report.js")
    return (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "script-src 'unsafe-inline'; img-src data:\">"
        f"<title>{_e(data.title)}</title><style>{css}</style></head><body>"
        f'<header><h1>{_e(data.title)}</h1><p class=kind>nhgeo {_e(data.kind)} report'
        + (f" · data {_e(meta['data_date'])}" if meta.get("data_date") else "")
        + f'</p><p>{_e(summary)}</p><nav aria-label="Sections"><a href="#s-map">Map</a> <a href="#s-tree">Hierarchy'
        '</a> <a href="#s-findings">Findings</a>' + (' <a href="#s-core">Core offer</a>' if cov_html else "")
        + ' <a href="#s-meta">Reproduce &amp; data</a></nav></header><main>'
        + "".join(sections)
        + f'</main><script type="application/json" id=data>{blob}</script>'
        # LSOA lines: parsed only when the layer is first shown (a few MB for England)
        + f'<script type="text/plain" id=lsoa-d>{lsoa_d}</script><script>{js}</script></body></html>\n'
    )


def write_html(data: ReportData, path: str | Path) -> Path:
    """Render ``data`` and write it to ``path`` (UTF-8)."""
    p = Path(path)
    p.write_text(render_html(data), encoding="utf-8")
    return p


# ---------------------------------------------------------------- adapters


def _vintages(vintage: int) -> dict[str, str]:
    from ..data import DATASETS
    from ..services import SERVICE_VINTAGE

    key = "lsoa11" if vintage == 2011 else "lsoa21"
    return {"boundaries": DATASETS[key].vintage, "population": "Census 2021 usual residents",
            "deprivation": "IMD 2019 deciles (English Indices of Deprivation 2019)", "services": SERVICE_VINTAGE}


def proposal_services(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Embedded service points inside ``units``' bounding box, labelled with their core-offer component."""
    from ..services import component_mask, load_catalogue, load_services

    svc = load_services()
    x0, y0, x1, y1 = shapely.total_bounds(np.asarray(units.geometry.values))
    svc = svc[svc.geometry.x.between(x0, x1) & svc.geometry.y.between(y0, y1)].reset_index(drop=True)
    comp = np.full(len(svc), None, dtype=object)
    for c in reversed(load_catalogue()):  # earlier catalogue entries win
        comp[component_mask(svc, c)] = c.name
    svc = svc.assign(component=comp)
    return gpd.GeoDataFrame(svc[svc["component"].notna()].reset_index(drop=True), geometry="geometry", crs=svc.crs)


def report_data_from_proposal(result: ProposeResult, command: str | None = None,
                              services: bool = True) -> ReportData:
    """A proposal report: neighbourhoods coloured by place, exceptions hatched, waivers as findings."""
    from ..version import __version__

    p = result.proposal
    stats = {s.id: s for s in result.score.parts}
    hoods = [{"id": h.id, "name": h.name, "population": h.population, "n_lsoas": len(h.codes),
              "status": "ok" if h.status == "ok" else "exception", "reasons": list(h.reasons),
              "share_65_plus": stats[h.id].share_65_plus if h.id in stats else None,
              "share_under_16": stats[h.id].share_under_16 if h.id in stats else None} for h in p.neighbourhoods]
    places = [{"id": pl.id, "name": pl.name, "icb_code": pl.icb_code, "population": pl.population,
               "status": pl.status, "reasons": list(pl.reasons)} for pl in result.places]
    findings = [{"rule": w["rule"], "severity": "warning", "unit": w["unit"], "message": w["reason"],
                 "fix": "accepted as a waiver in footprint.toml; remove the waiver to make the rule fail"}
                for w in result.footprint().waivers]
    for h in p.neighbourhoods:
        if h.status != "ok" and not any(f["unit"] == h.id for f in findings):
            findings.append({"rule": "la-alignment" if any("LA" in r or "joined" in r for r in h.reasons)
                             else "population-band", "severity": "warning", "unit": h.id,
                             "message": "; ".join(h.reasons) or h.status, "fix": ""})
    study = result.study
    cmd = command or f"nhgeo propose --place {json.dumps(study.place)} --seed {p.seed}"
    units = result.assignment
    return ReportData(
        title=f"Neighbourhood proposal: {study.place}", kind="proposal", units=units, neighbourhoods=hoods,
        places=places, findings=findings, services=proposal_services(units) if services else None,
        notes=list(p.notes),
        meta={"version": __version__, "command": cmd, "seed": p.seed, "vintages": _vintages(study.vintage),
              "attribution": ATTRIBUTION, "data_date": "Census 2021; LSOA 2021 boundaries" if study.vintage != 2011
              else "Census 2021; LSOA 2011 boundaries"})
