"""Results for people: rich tables, trees and diagnostics on a terminal (``--format table``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.tree import Tree

from ..check.coverage import pcn_summary, place_matrix, status_matrix
from ..check.rules import severity_of
from ..model import Col
from ..sources.services import SERVICE_VINTAGE
from .json import graph_summary, hierarchy
from .text import STATUS_MARK, fit_lines, pcn_line, rule_settings_line

if TYPE_CHECKING:
    from ..check.diff import FootprintDiff
    from ..check.validation import ValidationReport
    from ..design.propose import ProposeResult
    from ..footprints.fit import FitResult
    from ..model import Study

NAME_WIDTH = 40  # names longer than this are cut with an ellipsis (some MSOA-based names run to ~100 characters)
_STYLE: dict[str, Any] = {}


def use_plain_tables(plain: bool = True) -> None:
    """``--plain``: tables without boxes (and the CLI's console without colour), for logs and copy-paste."""
    _STYLE.clear()
    if plain:
        _STYLE.update(box=None, show_edge=False, pad_edge=False)


def _table(*args: Any, **kwargs: Any) -> Table:
    """A rich table in the style in force (boxed, or plain with ``--plain``)."""
    return Table(*args, **{**kwargs, **_STYLE})


STATUS_STYLE = {"ok": "[green]ok[/]", "exception": "[yellow]exception[/]"}


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.0f}%"


def render_rules(console: Console) -> None:
    """The rule registry: id, default severity, what must hold, module."""
    from ..check.rules import REGISTRY

    t = _table(title="Rules checked by nhgeo validate")
    for c in ("id", "default", "what must hold", "module"):
        t.add_column(c, no_wrap=c == "id")
    for r in REGISTRY:
        t.add_row(r.id, str(r.severity), escape(r.description), type(r).__module__.removeprefix("nhgeo."))
    console.print(t)


def render_graph(console: Console, study: Study) -> None:
    s = graph_summary(study)
    t = _table(title=f"Adjacency graph: {s['place']}", show_header=False)
    t.add_column(style="bold")
    t.add_column()
    t.add_row("boundaries", f"{s['source']} (LSOA {s['vintage']})")
    t.add_row("units", f"{s['units']:,}")
    t.add_row("population", f"{s['population']:,} ({s['population_source']})")
    t.add_row("edges", f"{s['edges']:,} ({s['snapped_edges']} found only within the {s['snap_m']:g} m snap)")
    t.add_row("land components", f"{s['land_components']}")
    t.add_row("islands (no land neighbour)", f"{len(s['islands'])}" + (f": {', '.join(s['islands'][:8])}"
                                                                     if s["islands"] else ""))
    t.add_row("point contacts (not adjacency)", f"{s['point_contacts']:,} touching pairs sharing under "
              f"{s['min_border_m']:g} m of border")
    t.add_row("bridges added", f"{len(s['bridges'])}")
    t.add_row("components after bridges", f"{s['components']}")
    console.print(t)
    if s["bridges"]:
        b = _table(title="Bridges (non-land edges joining islands/separated groups)")
        for c in ("from", "to", "kind", "gap (m)", "units joined"):
            b.add_column(c)
        for br in s["bridges"]:
            b.add_row(br["from"], br["to"], br["kind"], f"{br['gap_m']:,.0f}", str(br["group_size"]))
        console.print(b)
    for note in s["load_notes"]:
        console.print(f"[dim]note: {note}[/]")


def render_proposal(console: Console, result: ProposeResult, detail: bool = False) -> None:
    """Summary table (every neighbourhood when small or ``detail``), totals, notes, hierarchy tree."""
    p, sc = result.proposal, result.score
    stats = {x.id: x for x in sc.parts}
    show_all = detail or len(p.neighbourhoods) <= 80
    rows = p.neighbourhoods if show_all else [h for h in p.neighbourhoods if h.status != "ok"]
    t = _table(title=f"Neighbourhoods: {result.study.place}" + ("" if show_all else " (exceptions only; --detail "
                                                                                  "for all)"))
    for c, j in (("id", "left"), ("name", "left"), ("population", "right"), ("LSOAs", "right"), ("LA", "left"),
                 ("PP", "right"), ("65+", "right"), ("<16", "right"), ("IMD 1-2", "right"), ("status", "left")):
        wide = {"max_width": NAME_WIDTH, "overflow": "ellipsis", "no_wrap": True} if c == "name" else {}
        t.add_column(c, justify=j, **wide)  # type: ignore[arg-type]
    for h in rows:
        s = stats[h.id]
        t.add_row(h.id, escape(h.name), f"{h.population:,}", str(len(h.codes)), ",".join(h.la_codes),
                  f"{s.polsby_popper:.2f}", _pct(s.share_65_plus), _pct(s.share_under_16),
                  _pct(s.share_most_deprived_fifth),
                  STATUS_STYLE.get(h.status, h.status) + (f" [dim]{'; '.join(h.reasons)}[/]" if h.reasons else ""))
    total = sum(h.population for h in p.neighbourhoods)
    t.add_section()
    t.add_row("total", f"{len(p.neighbourhoods):,} neighbourhoods", f"{total:,}",
              str(sum(len(h.codes) for h in p.neighbourhoods)), "", f"{sc.mean_polsby_popper:.2f}", "", "", "",
              f"{sum(h.status == 'ok' for h in p.neighbourhoods)} ok")
    console.print(t)
    console.print(
        f"[bold]in band[/] {sc.pct_in_band:.1f}% ({p.rules.min:,}–{p.rules.max:,}) · [bold]contiguous[/] "
        f"{sc.pct_contiguous:.1f}% · [bold]worst deviation[/] {100 * sc.worst_deviation:.1f}% of "
        f"{p.rules.target:,} · [bold]crossing LAs[/] {sc.la_splits} · [bold]Polsby–Popper[/] mean "
        f"{sc.mean_polsby_popper:.2f}, worst {sc.worst_polsby_popper:.2f} · [bold]cut edges[/] {sc.cut_edges:,}")
    if result.places:
        ok = sum(pl.status == "ok" for pl in result.places)
        console.print(f"[bold]places[/] {len(result.places)} ({ok} in band and contiguous, "
                      f"{result.study.units[Col.ICB].nunique()} ICBs; band {p.rules.place_min:,}–"
                      f"{p.rules.place_max:,})")
    ward, pcn = result.alignment()
    if ward is not None:
        console.print(f"[bold]wards split[/] {ward.split} of {ward.wards} ({ward.pct_split:.0f}%; "
                      f"{ward.people_in_split_parts:,} people in the split parts)")
    if pcn is not None:
        console.print(f"[bold]PCN catchments[/] median {100 * pcn.median_share:.0f}% of a PCN's patients (living "
                      f"here) in its main neighbourhood; {pcn.below(0.5)} of {pcn.pcns} PCNs under half, "
                      f"{pcn.below(0.8)} under 80%")
    for note in p.notes:
        console.print(f"[yellow]note:[/] {note}")
    console.print(f"[dim]data: {result.study.source}, LSOA {result.study.vintage}; population: "
                  f"{result.study.population_source}; "
                  f"seed {p.seed}; align {','.join(p.align) or 'none'}[/]")


def render_proposal_and_tree(console: Console, result: ProposeResult, detail: bool = False) -> None:
    """The proposal table, then the region -> ICB -> place (-> neighbourhood) tree."""
    render_proposal(console, result, detail=detail)
    if result.places:
        render_hierarchy(console, result, depth=4 if detail or len(result.places) <= 6 else 3)


def render_hierarchy(console: Console, result: ProposeResult, depth: int = 4) -> None:
    """region -> ICB -> place (-> neighbourhood) as a rich tree."""
    root = Tree(f"[bold]{result.study.place}[/]")
    for r in hierarchy(result):
        rn = root.add(f"[bold]{r['name']}[/] · {r['population']:,} · {r['n_icbs']} ICB(s)")
        for i in r["icbs"]:
            exc = f" · [yellow]{i['exceptions']} place exception(s)[/]" if i["exceptions"] else ""
            icn = rn.add(f"{i['name']} · {i['population']:,} · {i['n_places']} place(s), "
                         f"{i['n_neighbourhoods']} neighbourhoods{exc}")
            if depth < 3:
                continue
            for p in i["places"]:
                why = f" [dim]{'; '.join(p['reasons'])}[/]" if p["reasons"] else ""
                pn = icn.add(f"{p['id']} {p['name']} · {p['population']:,} · {STATUS_STYLE.get(p['status'])}{why}")
                if depth >= 4:
                    for n in p["neighbourhoods"]:
                        pn.add(f"[dim]{n['id']}[/] {n['name']} · {n['population']:,}")
    console.print(root)


# ---- validation ------------------------------------------------------------------------------


def render_verdict(console: Console, passed: bool, headline: str) -> None:
    """The run's verdict, always the last line a person sees (the same words as every other format)."""
    console.print(f"[bold {'green' if passed else 'red'}]{escape(headline)}[/]", highlight=False, soft_wrap=True)


def render_validation(console: Console, rep: ValidationReport, show_all: bool = False, per_rule: int = 10,
                      strict: bool = False) -> None:
    """Findings as diagnostics blocks (errors first), then the rule table and the verdict.

    A rule with more than ``per_rule`` findings shows its first ones and a count, unless
    ``show_all`` (every other format always lists every finding).
    """
    fp = rep.footprint
    console.print(f"[bold]{escape(fp.name)}[/] · {len(fp.neighbourhoods)} neighbourhoods, {len(fp.places)} places · "
                  f"{rep.units_in_place:,} LSOAs in the place · {rep.source} (LSOA {rep.vintage})")
    if rep.fit is not None:  # fit quality first: the rules below judge the fitted footprint
        for line in fit_lines(rep.fit):
            console.print(escape(line), highlight=False)
    console.print(f"[dim]{escape(rule_settings_line(fp.rules, rep.rule_sources))}[/]", highlight=False)
    # one block per finding (like a compiler's diagnostics): readable at any terminal width
    shown: dict[str, int] = {}
    for f in sorted(rep.findings, key=lambda f: f.severity != "error"):  # stable: errors first, order kept
        shown[f.rule] = shown.get(f.rule, 0) + 1
        if not show_all and shown[f.rule] > per_rule:
            continue
        mark = "[bold red]✘ error[/]" if f.severity == "error" else "[yellow]~ warning[/]"
        console.print(f"{mark} [bold]{f.rule}[/] {escape(f.unit)}")
        console.print(Padding(escape(f.message), (0, 0, 0, 2)), highlight=False)
        if f.fix:
            console.print(Padding(f"[cyan]fix:[/] {escape(f.fix)}", (0, 0, 0, 2)), highlight=False)
    hidden = {r: n - per_rule for r, n in shown.items() if n > per_rule and not show_all}
    if hidden:
        console.print("[dim]not shown: " + ", ".join(f"{n:,} more {r}" for r, n in hidden.items())
                      + " (--all shows them; json, junit, github and markdown list every finding)[/]")
    s = _table(title="Rules", show_header=True)
    for c in ("rule", "severity", "result"):
        s.add_column(c)
    for rr in rep.results:
        fs = rr.findings
        where = rep.rule_sources.get(f"severity.{rr.id}")
        sev = str(severity_of(fp.rules, rr.id)) + (f" [dim]({where})[/]" if where else "")
        if rr.status == "not checked":
            res = f"[dim]– not checked: {escape(rr.reason or 'nothing to check')}[/]"
        elif not fs:
            res = "[green]✔ holds[/]"
        else:
            worst = "error" if any(f.severity == "error" for f in fs) else "warning"
            res = ("[red]✘" if worst == "error" else "[yellow]~") + f" {len(fs)} finding(s)[/]"
        s.add_row(rr.id, sev, res)
    console.print(s)
    if rep.score:
        sc = rep.score
        console.print(f"in band {sc.pct_in_band:.1f}% · contiguous {sc.pct_contiguous:.1f}% · worst deviation "
                      f"{100 * sc.worst_deviation:.1f}% · crossing LAs {sc.la_splits} · Polsby–Popper mean "
                      f"{sc.mean_polsby_popper:.2f}")
    v = rep.verdict("validate", strict)
    render_verdict(console, v.passed, v.headline)


def render_fit(console: Console, result: FitResult) -> None:
    """How well the LSOAs fit the shapes, then one row per fitted neighbourhood."""
    for line in fit_lines(result.report, n=10):
        console.print(escape(line), highlight=False)
    t = _table(title=f"Fitted footprint: {escape(result.footprint.name)}")
    for c in ("neighbourhood", "LSOAs"):
        t.add_column(c, justify="left" if c == "neighbourhood" else "right")
    for n in result.footprint.neighbourhoods:
        t.add_row(escape(n.name), f"{len(n.codes):,}")
    console.print(t)
    console.print(f"[dim]LSOAs: {escape(result.source)}[/]")


def render_diff(console: Console, d: FootprintDiff, strict: bool = False) -> None:
    """LSOAs moved, population change, rules newly broken or fixed, and the verdict."""
    console.print(f"[bold]{d.old.path}[/] → [bold]{d.new.path}[/]: {len(d.moved)} LSOA(s) moved, "
                  + (f"{len(d.duplicated)} listed twice, " if d.duplicated else "")
                  + f"{len(d.added_neighbourhoods)} neighbourhood(s) added, {len(d.removed_neighbourhoods)} removed, "
                  f"{len(d.added_places)} place(s) added, {len(d.removed_places)} removed")
    if d.duplicated:
        t = _table(title="LSOAs listed more than once (duplicates, not moves)")
        for c in ("LSOA", "listed in"):
            t.add_column(c)
        for c, ids in list(d.duplicated.items())[:200]:
            t.add_row(c, ", ".join(ids))
        console.print(t)
    if d.moved:
        t = _table(title="LSOAs moved")
        for c in ("LSOA", "from", "to"):
            t.add_column(c)
        for c, x, y in d.moved[:200]:
            t.add_row(c, x or "–", y or "–")
        console.print(t)
    if d.population_change:
        t = _table(title="Population change")
        for c in ("unit", "old", "new", "change"):
            t.add_column(c, justify="right" if c != "unit" else "left")
        for u, (o, n) in d.population_change.items():
            t.add_row(u, f"{o:,}", f"{n:,}", f"{n - o:+,}")
        console.print(t)
    for title, fs, style in (("newly broken", d.newly_broken, "red"), ("fixed", d.fixed, "green")):
        for f in fs:
            console.print(f"[{style}]{title}[/] {f.rule} ({f.severity}) {escape(f.unit)}: {escape(f.message)}")
    if d.rules_changed:
        console.print("[yellow]rules differ[/] (findings are judged by each side's own rules): " + escape(", ".join(
            f"{k} {x} → {y}" for k, x, y in d.rules_changed)))
    for nid, x, y in d.renamed:
        console.print(f"[yellow]renamed[/] {escape(nid)}: {escape(x)!r} → {escape(y)!r}")
    for label, rep in (("old", d.old), ("new", d.new)):
        if rep.fit is not None:
            console.print(f"[dim]{label} {escape(fit_lines(rep.fit)[0])}[/]", highlight=False)
    v = d.outcome(strict)
    render_verdict(console, v.passed, v.headline)


def render_coverage(console: Console, rep: ValidationReport, show_all: bool = False,
                    max_rows: int = 60, strict: bool = False) -> None:
    """A ✔/~/✘/? grid per neighbourhood x component, GP capacity, PCN splits, data vintages.

    Big footprints list the neighbourhoods missing a required component first, and stop at
    ``max_rows`` unless ``show_all`` (json / markdown always hold every row).
    """
    res = rep.coverage
    if res is None:
        render_validation(console, rep, show_all=show_all)
        return
    if rep.fit is not None:  # a footprint drawn as shapes: how well the LSOAs fit comes first
        for line in fit_lines(rep.fit):
            console.print(escape(line), highlight=False)
    comps = res.components
    style = {"present": "green", "nearby": "yellow", "missing": "bold red", "no-data": "dim"}
    t = _table(title=f"Core offer: {rep.footprint.name}", box=box.SIMPLE_HEAD, pad_edge=False,
              collapse_padding=True)
    t.add_column("neighbourhood", no_wrap=True)
    for c in comps:
        t.add_column(c.short + ("" if c.required else "*"), justify="center", no_wrap=True)
    for heading in ("reg/res", "PCNs"):
        t.add_column(heading, justify="right", no_wrap=True)
    gp = res.gp.set_index("neighbourhood")
    status = status_matrix(res.grid, [c.name for c in comps if c.required])
    rows = status if show_all or len(status) <= max_rows else status.iloc[:max_rows]
    for h, st in rows.iterrows():
        cells = [f"[{style[st[c.name]]}]{STATUS_MARK[st[c.name]]}[/]" for c in comps]
        ratio = gp["ratio"].get(h)
        t.add_row(str(h), *cells, "–" if ratio is None or pd.isna(ratio) else f"{ratio:.2f}",
                  str(int(gp["pcns"].get(h, 0))))
    console.print(t)
    if len(rows) < len(status):
        console.print(f"{len(status) - len(rows):,} more neighbourhood(s) not shown "
                      f"({int((status['missing'] > 0).sum()):,} of {len(status):,} miss a required component); "
                      "--all shows every row, --format markdown or json writes them all")
    pm = place_matrix(res.places)
    if not pm.empty:
        pt = _table(title="Places (best status among their neighbourhoods; n✘ = neighbourhoods missing it)",
                   box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
        pt.add_column("place", no_wrap=True)
        pt.add_column("name", max_width=14, no_wrap=True, overflow="ellipsis")
        pnames = {p.id: p.name for p in rep.footprint.places}
        for c in comps:
            pt.add_column(c.short, justify="center", no_wrap=True)
        shown = pm if show_all or len(pm) <= max_rows else pm.iloc[:max_rows]
        for pid, prow in shown.iterrows():
            pt.add_row(str(pid), escape(pnames.get(str(pid), "")), *[escape(str(prow.get(c.name, "?")))
                                                                     for c in comps])
        console.print(pt)
        if len(shown) < len(pm):
            console.print(f"{len(pm) - len(shown):,} more place(s) not shown; --all shows every row")
    console.print("  ".join(f"{c.short} {c.label.lower()}" for c in comps))
    console.print("✔ inside · ~ within the component's distance · ✘ missing · ? no data (not a pass) · "
                  "* not required · reg/res = registered patients at practices inside / residents")
    miss = res.grid[(res.grid["status"] == "missing")].groupby("component").size()
    for c in comps:
        if c.name in miss.index:
            extra = "" if c.required else " (not required)"
            console.print(f"[red]{int(miss[c.name]):,}[/] neighbourhood(s) lack {c.label.lower()}{extra}")
    console.print(pcn_line(pcn_summary(res)))
    for note in res.notes:
        console.print(f"[yellow]note:[/] {escape(note)}")
    console.print(f"[dim]service data: {SERVICE_VINTAGE}; mental health by operator (mental-health trusts' sites), "
                  "else by service name[/]")
    v = rep.verdict("coverage", strict)
    render_verdict(console, v.passed, v.headline)
