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

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from ..model import Col
from . import profile as profile_
from .display import (
    _as_dict,
    _bboxes,
    _colour_index,
    _derived_status,
    _display_grid,
    _figures,
    _label_points,
    _lsoa_lines,
    _majority,
    _r,
    _short_id,
    _short_name,
    _short_place,
    _status,
    _Text,
    _tint,
    display_shapes,
    lsoa_table_json,
)
from .html_parts import _asset, _coverage_html, _e, _findings_html, _legend_html, _meta_html
from .report_data import (
    KINDS,
    NO_PLACE,
    PALETTE,
    SERVICE_COLOUR,
    STATUS_COLOUR,
    ReportData,
    report_data_from_proposal,
)

__all__ = ["ReportData", "display_shapes", "render_html", "report_data_from_proposal", "write_html"]

# ---------------------------------------------------------------- the report


def _two_lines(name: str) -> list[str]:
    """A map label on one line, or two balanced lines when it is long (names are unique: no bare ids)."""
    if len(name) <= 14 or " " not in name:
        return [name]
    words = name.split(" ")
    cut = min(range(1, len(words)), key=lambda i: abs(len(" ".join(words[:i])) - len(" ".join(words[i:]))))
    return [" ".join(words[:cut]), " ".join(words[cut:])]


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
        hood_col = {n: pcol.get(place_of.get(n, ""), NO_PLACE) for n in ids}
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

    need_of, need_measures = profile_.card_data(data.profile)
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
            "bbox": hood_bb[n], **({"need": need_of[n]} if n in need_of else {}),
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
            "bbox": place_bb[p], "colour": pcol.get(p, NO_PLACE)})

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
        fill = f'c{hood_col.get(h["id"], NO_PLACE)}t{hood_tint.get(h["id"], 0)}'
        hood_paths.append(f'<path id="h{h["i"]}" class="hood {fill} s-{h["status"]}" '
                          f'data-i="{h["i"]}" d="{d}"/>')
        if h["status"] != "ok":
            pat = "hatch-f" if h["status"] == "failing" else "hatch-w"
            hatch_paths.append(f'<path fill="url(#{pat})" d="{d}"/>')
    la_d = "".join(grid.paths(shapely.boundary([shapes.las[k] for k in sorted(shapes.las)]), close=False)) \
        if len(shapes.las) > 1 else ""
    la_on = len(shapes.las) <= 60  # for a region or England LA lines would crowd the places: a toggle
    place_d = "".join(grid.paths(shapely.boundary([shapes.places[k] for k in sorted(shapes.places)]), close=False))
    icb_d = _icb_lines(data, units, grid)
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
        lines = _two_lines(_short_name(h["name"]) or _short_id(h["id"]))
        spans = "".join(f'<tspan x="{x}" dy="{"0" if not k else "1.1em"}">{_e(t)}</tspan>'
                        for k, t in enumerate(lines))
        hood_labels.append(f'<text class=hl data-i="{h["i"]}" data-p="{pi}" data-r="{r}" '
                           f'data-n="{max(len(t) for t in lines)}" data-l="{len(lines)}" x="{x}" y="{y}" '
                           f'dy="{"-0.2em" if len(lines) > 1 else "0.35em"}">{spans}</text>')
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
        + (f'<g id=g-icb class=lines><path d="{icb_d}"/></g>' if icb_d else "") +
        f'<g id=g-svc class=layer hidden>{"".join(svc_paths)}</g>'
        f'<g id=g-sel class=lines></g><g id=g-lsel class=lines></g>'
        f'<g id=g-labels>{"".join(hood_labels)}</g><g id=g-plabels>{"".join(place_labels)}</g></svg>')

    legend = _legend_html([(str(p["id"]), str(p["name"]), int(p["colour"])) for p in place_json], by_status,
                          any(h["status"] != "ok" for h in hood_json), svc_legend, len(shapes.las) > 1)
    extra = (profile_.icb_legend_html() if icb_d else "") + (profile_.need_legend_html() if need_measures else "")
    if extra and legend.endswith("</div>"):  # inside the legend box, before its end
        legend = legend[: -len("</div>")] + extra + "</div>"
    # hierarchy data for the table
    tree = {"regions": {k: region_name.get(k, k) for k in sorted(set(region_of.values()))},
            "icbs": {k: icb_name.get(k, k) for k in sorted(set(icb_of.values()))}}
    payload = {"kind": data.kind, "hoods": hood_json, "places": place_json, "components": components,
               "findings": [{"rule": str(f.get("rule", "")), "severity": str(f.get("severity", "")),
                             "unit": str(f.get("unit", "")), "message": str(f.get("message", "")),
                             "fix": str(f.get("fix") or "")} for f in findings],
               "lsoa": lsoa_links, "tree": tree, "palette": list(PALETTE), "measures": need_measures,
               "units": lsoa_table_json(units, idx)}
    blob = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    blob = blob.replace("<", "\\u003c")  # JSON's own escape: no tag can open or close inside the data

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
               + ('<label><input type=checkbox id=t-icb checked> ICB outlines (ONS April 2026)</label>'
                  if icb_d else "")
               + '<label><input type=checkbox id=t-labels checked> labels</label>'
               '<fieldset class=mode><legend>Colour by</legend>'
               f'<label><input type=radio name=mode value=place{"" if by_status else " checked"}> place</label>'
               f'<label><input type=radio name=mode value=status{" checked" if by_status else ""}> status</label>'
               + ('<label><input type=radio name=mode value=need> need: <select id=need-m aria-label="Need measure">'
                  + "".join(f'<option value="{_e(m["id"])}">{_e(m["label"])}</option>' for m in need_measures)
                  + "</select></label>" if need_measures else "")
               + '</fieldset>')
    sections = [
        f'<section id=s-map aria-label="Map"><div class=mapwrap><div class=toolbar>{toggles}'
        '<span class=zoom><button type=button id=z-in aria-label="Zoom in">+</button>'
        '<button type=button id=z-out aria-label="Zoom out">−</button>'
        '<button type=button id=z-reset>Reset view</button></span></div>'
        f'<div id=mapbox>{svg}<div id=card role=status aria-live=polite hidden></div>'
        f'<div class=scalebar id=scalebar></div></div>'
        '<p class=muted>Drag to pan, wheel or +/− to zoom; hover a neighbourhood for its card, click to pin it.</p>'
        f'</div>{legend}</section>',
        *([profile_.table_html(data.profile)] if need_measures else []),
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
    css = _asset("report.css") + pal_css + st_css + profile_.need_css()
    js = _asset("report.js")
    return (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "script-src 'unsafe-inline'; img-src data:\">"
        f"<title>{_e(data.title)}</title><style>{css}</style></head><body>"
        f'<header><h1>{_e(data.title)}</h1><p class=kind>nhgeo {_e(data.kind)} report'
        + (f" · data {_e(meta['data_date'])}" if meta.get("data_date") else "")
        + "</p>" + (f"<p class=verdict><strong>{_e(meta['verdict'])}</strong></p>" if meta.get("verdict") else "")
        + f'<p>{_e(summary)}</p><nav aria-label="Sections"><a href="#s-map">Map</a> <a href="#s-tree">Hierarchy'
        '</a>' + (' <a href="#s-need">Need profiles</a>' if need_measures else "")
        + ' <a href="#s-findings">Findings</a>' + (' <a href="#s-core">Core offer</a>' if cov_html else "")
        + ' <a href="#s-meta">Reproduce &amp; data</a></nav></header><main>'
        + "".join(sections)
        + f'</main><script type="application/json" id=data>{blob}</script>'
        # LSOA lines: parsed only when the layer is first shown (a few MB for England)
        + f'<script type="text/plain" id=lsoa-d>{lsoa_d}</script><script>{js}</script></body></html>\n'
    )


def _icb_lines(data: ReportData, units: Any, grid: Any) -> str:
    """SVG path of the official ICB outlines that touch the map (clipped to its extent, simplified like the map)."""
    out = data.icb_outlines
    if out is None or not len(out):
        return ""
    x0, y0, x1, y1 = shapely.total_bounds(np.asarray(units.geometry.values))
    pad = 0.02 * max(x1 - x0, y1 - y0)
    box = shapely.box(x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    lines = shapely.intersection(shapely.boundary(np.asarray(out.geometry.values)), box)
    lines = [g for g in lines.tolist() if not g.is_empty]
    return "".join(grid.paths(lines, close=False)) if lines else ""


def write_html(data: ReportData, path: str | Path) -> Path:
    """Render ``data`` and write it to ``path`` (UTF-8)."""
    p = Path(path)
    p.write_text(render_html(data), encoding="utf-8")
    return p
