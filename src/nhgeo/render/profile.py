"""Need profiles for people: the terminal table (``--profile``) and the report's pieces (card data, the sortable
profile table, the "colour by need" classes). The figures come from :func:`nhgeo.profile.profile_to_dict`."""

from __future__ import annotations

import html
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

# the columns shown to people (summary.json holds all 21 registers); key -> (short header, JSON path)
COLUMNS: tuple[tuple[str, str], ...] = (
    ("bad_health_pct", "bad health %"), ("disabled_pct", "disabled %"), ("ltc_not_limiting_pct", "LTC not limiting %"),
    ("unpaid_carers_pct", "carers %"), ("unpaid_care_50h_pct", "care 50h+ %"),
    ("qof.DM.prevalence_pct", "diabetes %"), ("qof.HYP.prevalence_pct", "hypertension %"),
    ("qof.DEP.prevalence_pct", "depression %"), ("qof.COPD.prevalence_pct", "COPD %"),
    ("qof.AST.prevalence_pct", "asthma %"), ("qof.MH.prevalence_pct", "SMI %"),
    ("qof.DEM.prevalence_pct", "dementia %"),
)
# England decile 1..10 (10 = most need): a sequential, colour-blind-safe ramp (ColorBrewer YlOrRd-like, light->dark)
DECILE_COLOUR = ("#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026",
                 "#4d0019")


def value(area: dict[str, Any], key: str) -> float | None:
    """A measure of one profile record by its key (``qof.DM.prevalence_pct`` reads ``area['qof']['DM']``)."""
    if key.startswith("qof."):
        _, reg, field = key.split(".")
        v = area.get("qof", {}).get(reg, {}).get(field)
    else:
        v = area.get(key)
    return None if v is None else float(v)


def draw_profile(console: Console, profile: dict[str, Any]) -> None:
    """Each neighbourhood's need profile (England decile of bad health; ▲ = top fifth of its place), then each
    place's widest spread, then vintages."""
    if not profile.get("available"):
        for n in profile.get("notes", []):
            console.print(f"[yellow]profile:[/] {escape(n)}")
        return
    t = Table(title="Need profiles (▲ top fifth of need in its place; d = England LSOA decile, 10 = most need)")
    t.add_column("neighbourhood")
    t.add_column("residents", justify="right")
    t.add_column("reg/res", justify="right")
    for _, head in COLUMNS:
        t.add_column(head, justify="right")
    for h in profile["neighbourhoods"]:
        cells = []
        for key, _ in COLUMNS:
            v = value(h, key)
            mark = " ▲" if key in h.get("top_fifth_in_place", []) else ""
            d = h.get("england_decile", {}).get(key)
            cells.append("–" if v is None else f"{v:.1f}{mark}" + (f" d{d}" if key == "bad_health_pct" and d else ""))
        ratio = h.get("registered_per_resident")
        t.add_row(escape(f"{h['id']} {h['name']}"), f"{h['residents']:,}", "–" if ratio is None else f"{ratio:.2f}",
                  *cells)
    console.print(t)
    for p in profile["places"]:
        spread = p.get("inequality", {})
        if spread:
            key = max(spread, key=lambda k: (spread[k]["ratio"] or 0, k))
            s = spread[key]
            console.print(f"[bold]{escape(p['name'])}[/] widest spread: {profile['measures'][key]} "
                          f"{s['min']}–{s['max']} (×{s['ratio']}, {s['min_neighbourhood']} → {s['max_neighbourhood']})")
    w = profile.get("widest_inequality")
    if w:
        console.print(f"widest inequality in any place: {escape(w['place_name'])}, {profile['measures'][w['measure']]} "
                      f"×{w['ratio']}")
    v = profile["vintages"]
    console.print(f"[dim]{escape(v['census_tables'])}; {escape(v['qof'])}; registered: {escape(v['registered'])}; "
                  f"{escape(profile['england_decile_reference'])}[/]", highlight=False)
    for n in profile.get("notes", []):
        console.print(f"[dim]note: {escape(n)}[/]", highlight=False)


def card_data(profile: dict[str, Any] | None) -> tuple[dict[str, dict[str, Any]], list[dict[str, str]]]:
    """Per neighbourhood id: the shown measures, their England deciles and top-fifth marks (for cards and the need
    colouring); and the list of measures a "colour by need" choice offers."""
    if not profile or not profile.get("available"):
        return {}, []
    out = {}
    for h in profile["neighbourhoods"]:
        out[h["id"]] = {"v": {k: value(h, k) for k in profile["ranked_measures"]},
                        "d": {k: h["england_decile"].get(k) for k in profile["ranked_measures"]},
                        "top": list(h["top_fifth_in_place"]), "res": h["residents"],
                        "rr": h["registered_per_resident"]}
    measures = [{"id": k, "label": profile["measures"][k]} for k in profile["ranked_measures"]]
    return out, measures


def table_html(profile: dict[str, Any] | None) -> str:
    """The sortable need-profile table (one row per neighbourhood; buttons sort by any column)."""
    if not profile or not profile.get("available"):
        return ""
    heads = ["neighbourhood", "place", "residents", "registered / resident", *(h for _, h in COLUMNS)]
    th = "".join(f'<th scope=col aria-sort=none><button type=button data-c="{i}">{html.escape(h)}</button></th>'
                 for i, h in enumerate(heads))
    rows = []
    for h in profile["neighbourhoods"]:
        cells = [f'<td><a href="#" class=unit data-unit="{html.escape(h["id"])}">{html.escape(h["name"])}</a></td>',
                 f"<td>{html.escape(h.get('place') or '')}</td>", f"<td class=num>{h['residents']:,}</td>",
                 f"<td class=num>{'' if h['registered_per_resident'] is None else h['registered_per_resident']}</td>"]
        for key, _ in COLUMNS:
            v = value(h, key)
            top = key in h["top_fifth_in_place"]
            d = h["england_decile"].get(key)
            title = f' title="England decile {d}{"; top fifth of its place" if top else ""}"' if d else ""
            cells.append(f'<td class="num{" top" if top else ""}"{title}>{"" if v is None else f"{v:.2f}"}'
                         f'{" ▲" if top else ""}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    w = profile.get("widest_inequality")
    widest = (f"<p>Widest inequality in a place: <b>{html.escape(w['place_name'])}</b>, "
              f"{html.escape(profile['measures'][w['measure']])} from {w['min']} to {w['max']} (×{w['ratio']}).</p>"
              if w else "")
    return ("<section id=s-need><h2>Need profiles</h2><p class=muted>Click a column to sort. ▲ = in the top fifth "
            "of its place on that measure; hover a cell for its England decile (of LSOAs; 10 = most need). QOF "
            "prevalence is estimated by the House of Commons Library method (practice registers shared over where "
            "patients live). All 21 registers and every vintage are in summary.json under <code>profile</code>."
            f"</p>{widest}<div class=scroll><table id=need class=tree><thead><tr>{th}</tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></div></section>")


def need_css() -> str:
    """Fill of each England decile when the map is coloured by a need measure; top fifth outlined."""
    return ("".join(f".by-need .n{k + 1}{{fill:{c}}}" for k, c in enumerate(DECILE_COLOUR))
            + "#need td.num{white-space:nowrap}.by-need .nx{fill:#dddddd}.by-need .top{stroke:#000;stroke-width:2.2px}"
            "#g-icb path{stroke:#1b7837;stroke-width:2.2px;stroke-dasharray:10 3 2 3}")


def need_legend_html() -> str:
    """Legend of the need colouring (hidden until chosen)."""
    sw = "".join(f'<li><svg width=18 height=12><rect width=18 height=12 fill="{c}" stroke="#444"/></svg> decile '
                 f"{k + 1}{' (least)' if k == 0 else ' (most need)' if k == 9 else ''}</li>"
                 for k, c in enumerate(DECILE_COLOUR))
    return (f"<div class=lg-need hidden><b>England decile (LSOAs)</b><ul class=lg>{sw}</ul>"
            "<p class=muted>Thick outline: top fifth of its place on this measure.</p></div>")


def icb_legend_html() -> str:
    """Legend line of the official ICB outlines."""
    return ('<ul class=lg><li><svg width=28 height=16><line x1=1 y1=8 x2=27 y2=8 stroke="#1b7837" stroke-width=2.2 '
            'stroke-dasharray="10 3 2 3"/></svg> ICB outline (ONS April 2026)</li></ul>')


__all__ = ["COLUMNS", "card_data", "draw_profile", "icb_legend_html", "need_css", "need_legend_html", "table_html",
           "value"]
