"""``report.html`` of an ensemble, and the side-by-side page of its alternatives, in the proposal report's style
(its stylesheet, meta and attribution blocks). Static inline SVG: a map of firm lines (separated in >= 90% of
plans) and open lines, a histogram per measure with the compared footprint's value, the diagnostics. No network,
no script; the same result gives the same bytes."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from ..ensemble.measures import MEASURES
from ..ensemble.stability import FIRM, firm_inside_la
from ..model import Col
from ..sources.data import ATTRIBUTION
from ..version import __version__
from .display import _Grid, _union
from .html_parts import _asset, _e, _meta_html
from .report_data import PALETTE

__all__ = ["render_alternatives_html", "render_ensemble_html"]

MAP_W = 900  # SVG width in CSS pixels; the height follows the place's shape
EXTRA_CSS = (".hist{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:14px}"
             ".hist figure{margin:0;border:1px solid var(--line);padding:6px}.hist figcaption{font-size:.9em}"
             ".firm{stroke:#b2182b}.open{stroke:#f4a582}.lamap{fill:#f7f7f7;stroke:#5a3a8a;stroke-width:1.2px;"
             "stroke-dasharray:5 3;vector-effect:non-scaling-stroke}.ln{fill:none;vector-effect:non-scaling-stroke;"
             "stroke-linecap:round}.side{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));"
             "gap:14px}.side figure{margin:0;border:1px solid var(--line);padding:6px}"
             "table.plain td,table.plain th{padding:2px 8px;text-align:right}table.plain td:first-child,"
             "table.plain th:first-child{text-align:left}.out{color:#b2182b;font-weight:bold}")


def _grid(units: Any) -> tuple[_Grid, float]:
    bounds = shapely.total_bounds(np.asarray(units.geometry.values))
    extent = float(max(bounds[2] - bounds[0], bounds[3] - bounds[1], 1.0))
    tol = float(np.clip(extent / 3000, 5.0, 400.0))
    return _Grid(bounds, tol / 2), tol


def _svg(grid: _Grid, body: str, label: str, width: int = MAP_W) -> str:
    h = round(width * grid.h / max(grid.w, 1))
    return (f'<svg viewBox="0 0 {grid.w} {grid.h}" width={width} height={h} role=img aria-label="{_e(label)}" '
            f'style="max-width:100%;height:auto;background:#f4f7fa">{body}</svg>')


def _la_shapes(units: Any, tol: float) -> list[shapely.Geometry]:
    geoms = np.asarray(units.geometry.values)
    la = units[Col.LA].astype(str).to_numpy()
    out = []
    for code in sorted(set(la.tolist())):
        out.append(shapely.simplify(_union(geoms[la == code]), tol))
    return out


def _map(res: Any) -> str:
    study = res.ensemble.study
    units = study.units
    grid, tol = _grid(units)
    las = _la_shapes(units, tol)
    lines = res.lines()
    sep = lines["share_separated"].to_numpy()
    geoms = shapely.simplify(np.asarray(lines.geometry.values), tol)
    body = [f'<path class=lamap d="{d}"/>' for d in grid.paths(las)]
    opened = (sep > 0) & (sep < FIRM)
    for lo, hi in ((0.0, 0.25), (0.25, 0.5), (0.5, 0.75), (0.75, FIRM)):
        sel = opened & (sep > lo) & (sep <= hi) if lo else opened & (sep <= hi)
        if sel.any():
            d = "".join(grid.paths(geoms[sel], close=False))
            body.append(f'<path class="ln open" stroke-opacity="{0.35 + hi / 2:.2f}" '
                        f'stroke-width="{0.6 + 2 * hi:.1f}" d="{d}"><title>open: separated in {lo:.0%}-'
                        f'{hi:.0%} of plans</title></path>')
    firm = sep >= FIRM
    if firm.any():
        d = "".join(grid.paths(geoms[firm], close=False))
        body.append(f'<path class="ln firm" stroke-width="2.6" d="{d}"><title>firm: separated in at '
                    f'least {FIRM:.0%} of plans</title></path>')
    return _svg(grid, "".join(body), "Map of firm and open neighbourhood lines")


def _hist(values: np.ndarray, name: str, mark: float | None) -> str:
    w, h, pad = 300, 120, 18
    x = values[~np.isnan(values)]
    if not len(x):
        return ""
    lo, hi = float(x.min()), float(x.max())
    if mark is not None and not np.isnan(mark):
        lo, hi = min(lo, mark), max(hi, mark)
    if hi == lo:
        hi = lo + 1.0
    bins = 24
    counts, _ = np.histogram(x, bins=bins, range=(lo, hi))
    top = max(int(counts.max()), 1)
    bw = (w - 2 * pad) / bins
    bars = "".join(f'<rect x="{pad + i * bw:.1f}" y="{h - pad - c / top * (h - 2 * pad):.1f}" width="{bw - 1:.1f}" '
                   f'height="{c / top * (h - 2 * pad):.1f}" fill="#7a9cc6"/>' for i, c in enumerate(counts.tolist()))

    def sx(v: float) -> float:
        return pad + (v - lo) / (hi - lo) * (w - 2 * pad)

    ticks = "".join(f'<line x1="{sx(v):.1f}" x2="{sx(v):.1f}" y1="{h - pad}" y2="{h - pad + 5}" stroke="#333"/>'
                    for v in np.percentile(x, [5, 50, 95]))
    m = ""
    if mark is not None and not np.isnan(mark):
        anchor = "start" if sx(mark) < w / 4 else "end" if sx(mark) > 3 * w / 4 else "middle"
        m = (f'<line x1="{sx(mark):.1f}" x2="{sx(mark):.1f}" y1="{pad - 6}" y2="{h - pad}" stroke="#b2182b" '
             f'stroke-width="2.5"/><text x="{sx(mark):.1f}" y="{pad - 8}" font-size="10" text-anchor="{anchor}" '
             'fill="#b2182b">footprint</text>')
    axis = (f'<text x="{pad}" y="{h - 2}" font-size="10">{_fmt(lo)}</text><text x="{w - pad}" y="{h - 2}" '
            f'font-size="10" text-anchor="end">{_fmt(hi)}</text>')
    return (f'<figure><svg viewBox="0 0 {w} {h}" width={w} height={h} role=img aria-label="Histogram of {_e(name)}">'
            f'<line x1="{pad}" x2="{w - pad}" y1="{h - pad}" y2="{h - pad}" stroke="#333"/>{bars}{ticks}{m}{axis}'
            f'</svg><figcaption><b>{_e(name)}</b>: {_e(MEASURES[name])}. Ticks: 5/50/95%.</figcaption></figure>')


def _fmt(v: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "–"
    if isinstance(v, float) and abs(v) < 10 and v != int(v):
        return f"{v:.3f}"
    return f"{v:,.0f}"


def _table(head: list[str], rows: list[list[Any]]) -> str:
    th = "".join(f"<th scope=col>{_e(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<div class=scroll><table class=plain><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table></div>"


def _page(title: str, kind: str, summary: str, nav: list[tuple[str, str]], sections: list[str], meta: dict[str, Any]
          ) -> str:
    links = " ".join(f'<a href="#{a}">{_e(t)}</a>' for a, t in nav)
    return ("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
            '<meta name=viewport content="width=device-width, initial-scale=1">'
            "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; style-src 'unsafe-inline'; "
            "img-src data:\">"
            f"<title>{_e(title)}</title><style>{_asset('report.css')}{EXTRA_CSS}</style></head><body>"
            f"<header><h1>{_e(title)}</h1><p class=kind>nhgeo {_e(kind)}</p><p>{_e(summary)}</p>"
            f'<nav aria-label="Sections">{links} <a href="#s-meta">Reproduce &amp; data</a></nav></header><main>'
            + "".join(sections)
            + f"<section id=s-meta><h2>Reproduce, data and attribution</h2>{_meta_html(meta)}</section>"
            "</main></body></html>\n")


def _meta(res: Any, command: str | None) -> dict[str, Any]:
    ens = res.ensemble
    return {"version": __version__, "command": command or f"nhgeo ensemble --place {ens.study.place!r} -n {ens.n} "
            f"--seed {ens.seed}", "seed": ens.seed, "vintages": ens.study.vintages, "attribution": ATTRIBUTION}


def render_ensemble_html(res: Any, command: str | None = None) -> str:
    """The ensemble report (an :class:`nhgeo.ensemble.run.EnsembleResult`) as one self-contained HTML page."""
    ens = res.ensemble
    sep = res.separation
    cmp = res.comparison
    n_firm, n_open = int((sep >= FIRM).sum()), int(((sep > 0) & (sep < FIRM)).sum())
    n_firm_in = firm_inside_la(ens.study, sep)
    vi = res.vi
    rh = [d["rhat"] for d in res.diagnostics.values()]
    summary = (f"{ens.n:,} valid plans of {len(ens.study.units):,} LSOAs in {len(ens.regions)} region(s) "
               f"({ens.chains} independent runs). {n_firm:,} firm lines (separated in at least {FIRM:.0%} of plans), "
               f"{n_open:,} open ({n_firm_in:,} of the firm lines inside a local authority, the rest on LA borders the "
               f"LA rule holds). Largest R-hat {max(rh):.3f}" + (" (below 1.05)." if max(rh) < 1.05 else
                                                                   " (not below 1.05: run more plans)."))
    legend = ('<ul class=lg><li><svg width=28 height=16 aria-hidden=true><line x1=1 y1=8 x2=27 y2=8 stroke=#b2182b '
              f'stroke-width=3 /></svg> firm: separated in at least {FIRM:.0%} of plans</li>'
              '<li><svg width=28 height=16 aria-hidden=true><line x1=1 y1=8 x2=27 y2=8 stroke=#f4a582 stroke-width=2 />'
              '</svg> open: separated in some plans (thicker and darker = more often)</li>'
              '<li><svg width=28 height=16 aria-hidden=true><line x1=1 y1=8 x2=27 y2=8 stroke=#5a3a8a stroke-width=2 '
              'stroke-dasharray="5 3" /></svg> local authority</li></ul>')
    sections = [f"<section id=s-map aria-label=Map><h2>Firm and open lines</h2>{_map(res)}{legend}</section>"]
    marks = {m: v["value"] for m, v in cmp.measures.items()} if cmp is not None else {}
    hists = "".join(_hist(ens.measures[m].to_numpy(dtype=float), m, marks.get(m)) for m in res.diagnostics)
    sections.append(f"<section id=s-hist><h2>Measures over the ensemble</h2><div class=hist>{hists}</div></section>")
    drows = [[_e(m), _fmt(d["mean"]), _fmt(d["p5"]), _fmt(d["p50"]), _fmt(d["p95"]), f"{d['rhat']:.3f}",
              f"{d['ess']:.0f}"] for m, d in res.diagnostics.items()]
    div = (f"<p>Plan diversity: variation of information between {len(vi)} random pairs of plans (population-"
           f"weighted, nats): 5% {np.percentile(vi, 5):.3f}, median {np.percentile(vi, 50):.3f}, 95% "
           f"{np.percentile(vi, 95):.3f}; {float((vi > 0.5).mean()):.0%} of pairs above 0.5.</p>") if len(vi) else ""
    sections.append("<section id=s-diag><h2>Diagnostics</h2>"
                    + _table(["measure", "mean", "5%", "50%", "95%", "R-hat", "ESS"], drows) + div
                    + "<p class=muted>R-hat: split R-hat over the independent runs (below 1.05 = they agree). ESS: "
                      "effective sample size, autocorrelation-corrected, pooled over runs.</p></section>")
    if cmp is not None:
        rows = [[_e(m), _fmt(v["value"]), _fmt(v["p5"]), _fmt(v["p50"]), _fmt(v["p95"]), f"{v['percentile']:.1f}",
                 "<span class=out>outlier</span>" if v["outlier"] else "typical"] for m, v in cmp.measures.items()]
        hrows = [[_e(h["id"]), _e(h["name"]), _fmt(h["boundary_m"]),
                  "–" if h["firm_share"] is None else f"{h['firm_share']:.0%}"] for h in cmp.neighbourhoods]
        sections.append(f"<section id=s-compare><h2>{_e(cmp.name)} on the ensemble</h2>"
                        + _table(["measure", "value", "5%", "50%", "95%", "percentile", ""], rows)
                        + "<p class=muted>Outlier: outside 2.5-97.5% of the ensemble.</p><h3>Share of each "
                          "neighbourhood's boundary that is firm</h3>"
                        + _table(["id", "name", "boundary (m)", "firm"], hrows) + "</section>")
    rrows = [[_e(r.la), str(len(r.nodes)), f"{r.population:,.0f}", str(r.k),
              "–".join(f"{x:,.0f}" for x in ens.bands.get(r.key, (r.lo, r.hi))),
              _e(r.reason or "")] for r in ens.regions]
    sections.append("<section id=s-regions><h2>Regions (sampled independently)</h2>"
                    + _table(["main LA", "LSOAs", "population", "neighbourhoods", "band", "exception"], rrows)
                    + "</section>")
    nav = [("s-map", "Map"), ("s-hist", "Measures"), ("s-diag", "Diagnostics")]
    if cmp is not None:
        nav.append(("s-compare", "Footprint"))
    nav.append(("s-regions", "Regions"))
    return _page(f"nhgeo ensemble: {ens.study.place}", "ensemble report", summary, nav, sections, _meta(res, command))


def render_alternatives_html(res: Any, command: str | None = None) -> str:
    """The alternatives side by side: a small map of each (neighbourhoods coloured) and their measures."""
    ens = res.ensemble
    units = ens.study.units
    grid, tol = _grid(units)
    geoms = np.asarray(units.geometry.values)
    figs = []
    for i, alt in enumerate(res.alternatives, start=1):
        plan = ens.plans[alt.plan]
        shapes = [shapely.simplify(_union(geoms[plan == p]), tol)
                  for p in range(int(plan.max()) + 1)]
        ds = grid.paths(shapes)
        sw = f"{grid.w / 320:.1f}"
        body = "".join(f'<path d="{d}" fill="{PALETTE[p % len(PALETTE)]}" stroke="#333" stroke-width="{sw}"/>'
                       for p, d in enumerate(ds))
        figs.append(f"<figure>{_svg(grid, body, f'Alternative {i}', 320)}<figcaption><b>Alternative {i}</b> "
                    f"(plan {alt.plan}, score {alt.score:.2f}): alternatives/alternative_{i}.toml</figcaption>"
                    "</figure>")
    from ..ensemble.measures import vi_distance

    names = list(MEASURES)
    rows = [[_e(m)] + [_fmt(a.measures.get(m)) for a in res.alternatives] for m in names]
    pop = ens.study.population
    vi_rows = [[f"alternative {i + 1}", *(f"{vi_distance(ens.plans[a.plan], ens.plans[b.plan], pop):.3f}"
                                          for b in res.alternatives)] for i, a in enumerate(res.alternatives)]
    head = ["measure"] + [f"alternative {i}" for i in range(1, len(res.alternatives) + 1)]
    sections = [f"<section id=s-maps><h2>Side by side</h2><div class=side>{''.join(figs)}</div></section>",
                "<section id=s-measures><h2>Measures</h2>" + _table(head, rows) + "</section>",
                "<section id=s-vi><h2>How different they are</h2><p>Variation of information between each pair "
                "(population-weighted, nats; 0 = the same plan).</p>" + _table(["", *head[1:]], vi_rows) + "</section>"]
    summary = (f"{len(res.alternatives)} genuinely different good plans from {ens.n:,}: the best-scoring plans "
               "clustered by VI distance, the best of each cluster.")
    return _page(f"nhgeo ensemble alternatives: {ens.study.place}", "ensemble alternatives", summary,
                 [("s-maps", "Maps"), ("s-measures", "Measures"), ("s-vi", "Differences")], sections,
                 _meta(res, command))
