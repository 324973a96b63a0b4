"""The HTML pieces of ``report.html``: findings by rule, the core-offer grid, the legend and the metadata."""

from __future__ import annotations

import html
from importlib import resources
from typing import Any

import pandas as pd

from ..sources.data import ATTRIBUTION
from .display import _status
from .report_data import CORE_MARK, PALETTE, STATUS_COLOUR

# ---------------------------------------------------------------- HTML pieces


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _asset(name: str) -> str:
    return resources.files("nhgeo.render").joinpath(name).read_text(encoding="utf-8")


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
    counts_of = (dict(zip(grid["component"].astype(str), grid["counts"].astype(str), strict=False))
                 if "counts" in grid.columns else {})
    head = "".join(f'<th scope=col title="{_e(counts_of.get(c) or label[c])}">{_e(label[c])}'
                   f'{"" if req.get(c, True) else " (optional)"}</th>' for c in comps)
    rows = []
    for n in sorted(st.index.astype(str)):
        cells = []
        for c in comps:
            v: Any = st.at[n, c] if c in st.columns else None
            s = str(v) if v is not None and pd.notna(v) else "no-data"
            cells.append(f'<td class="co co-{_e(s)}">{CORE_MARK.get(s, "?")} {_e(s)}</td>')
        link = f'<a href="#map" class=unit data-unit="{_e(n)}">{_e(n)}</a>' if n in known else _e(n)
        rows.append(f"<tr><th scope=row>{link} <span class=nm>{_e(names.get(n, ''))}</span></th>{''.join(cells)}</tr>")
    counts = (dict(zip(grid["component"].astype(str), grid["counts"].astype(str), strict=False))
              if "counts" in grid.columns else {})
    what = "".join(f"<dt>{_e(label[c])}</dt><dd>{_e(counts[c])}</dd>" for c in comps if counts.get(c))
    legend = ("<p class=keys>✔ present: inside the neighbourhood · ~ nearby: within the component's distance "
              "(not across water where there is no crossing) · ✘ missing · ? no data (never a pass)</p>"
              + (f"<details><summary>What counts as each service</summary><dl class=meta>{what}</dl></details>"
                 if what else ""))
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
