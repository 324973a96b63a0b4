"""Results for people: rich tables, trees and diagnostics on a terminal (``--format table``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from ..check.coverage import pcn_summary, place_matrix, status_matrix
from ..check.rules import severity_of
from ..model import Col
from ..sources.services import SERVICE_VINTAGE
from .json import graph_summary, hierarchy
from .text import STATUS_MARK, fit_lines, pcn_line, reading_lines, rule_settings_line

if TYPE_CHECKING:
    from ..check.diff import FootprintDiff
    from ..check.validation import ValidationReport
    from ..design.propose import ProposeResult
    from ..footprints.fit import FitResult
    from ..model import Study

_STYLE: dict[str, Any] = {}
ALWAYS = 100  # a field's priority that is never dropped


def use_plain_tables(plain: bool = True) -> None:
    """``--plain``: tables without boxes (and the CLI's console without colour), for logs and copy-paste."""
    _STYLE.clear()
    if plain:
        _STYLE.update(box=None, show_edge=False, pad_edge=False)


def _table(*args: Any, **kwargs: Any) -> Table:
    """A rich table in the style in force (boxed, or plain with ``--plain``)."""
    return Table(*args, **{**kwargs, **_STYLE})


styled_table = _table  # for commands drawing a table of their own in the style in force


def plain() -> bool:
    """``--plain`` in force."""
    return bool(_STYLE)


@dataclass
class Field:
    """One column of a table that must fit the terminal: numbers and ids never wrap and are never cut; names
    and reasons may wrap down to ``wrap`` characters; when the table is too wide, the lowest ``priority``
    fields are dropped (and named under the table) — a figure is shown whole or not at all."""

    header: str
    cells: list[str]  # rich markup allowed
    priority: int = ALWAYS
    justify: str = "left"
    wrap: int = 0  # 0: never wraps; n: may wrap down to n characters (names, reasons)
    footer: str = ""

    def longest(self) -> int:
        """The width the field takes on one line per row."""
        return max([Text.from_markup(c).cell_len for c in [*self.cells, self.footer]] + [cell_len(self.header)])

    def width(self) -> int:
        """The narrowest the field can be: its longest cell, or for a wrapping one ``wrap`` (or its longest word)."""
        longest = self.longest()
        if not self.wrap:
            return longest
        texts = [Text.from_markup(c) for c in [*self.cells, self.footer]]
        word = max([cell_len(w) for t in texts for w in t.plain.split()] + [cell_len(self.header)])
        return min(longest, max(self.wrap, word))


def overhead(console: Console, n: int, **table: Any) -> int:
    """Columns a table of ``n`` columns spends on borders and padding (measured, in the style in force)."""
    from rich.measure import Measurement

    t = _table(**table)
    for _ in range(n):
        t.add_column(width=1, no_wrap=True)
    return Measurement.get(console, console.options, t).maximum - n


def fit_fields(fields: list[Field], width: int, spent: Callable[[int], int]) -> tuple[list[Field], list[Field]]:
    """The fields that fit ``width`` columns (lowest priority dropped first, order kept) and those dropped;
    ``spent(n)`` is what borders and padding take for ``n`` columns."""
    kept = list(fields)
    dropped: list[Field] = []

    def need(fs: list[Field]) -> int:
        return sum(f.width() for f in fs) + spent(len(fs))

    while need(kept) > width:
        cands = [f for f in kept if f.priority < ALWAYS]
        if not cands:
            break
        low = min(cands, key=lambda f: (f.priority, -kept.index(f)))
        kept.remove(low)
        dropped.append(low)
    return kept, dropped


def print_fitted(console: Console, fields: list[Field], title: str = "", footer: bool = False,
                 **table: Any) -> list[str]:
    """Draw ``fields`` as a table that fits ``console``'s width without cutting a figure; with ``--plain`` every
    field is kept at full width on one line per row (for logs: never cut, never wrapped). Returns the headers
    dropped to fit (the caller says how to see them)."""
    def spent(n: int) -> int:
        return overhead(console, n, **table)

    dropped: list[Field] = []
    if plain():
        kept = list(fields)
    else:
        kept, dropped = fit_fields(fields, console.width, spent)
    t = _table(title=title, **table)
    widths = {id(f): f.width() for f in kept}
    spare = console.width - sum(widths.values()) - spent(len(kept))
    wraps = [f for f in kept if f.wrap]
    want = {id(f): f.longest() - widths[id(f)] for f in wraps}
    total = sum(want.values())
    for f in wraps:  # the room left, shared in proportion to what each wrapping field lacks to be on one line
        more = min(want[id(f)], max(spare, 0) * want[id(f)] // total) if total else 0
        widths[id(f)] += more
    for f in kept:
        if f.wrap and not plain():
            t.add_column(f.header, justify=f.justify, overflow="fold", width=widths[id(f)])  # type: ignore[arg-type]
        else:
            t.add_column(f.header, justify=f.justify, no_wrap=True,  # type: ignore[arg-type]
                         min_width=f.longest() if plain() else f.width())
    n = max((len(f.cells) for f in kept), default=0)
    for i in range(n):
        t.add_row(*[f.cells[i] if i < len(f.cells) else "" for f in kept])
    if footer:
        t.add_section()
        t.add_row(*[f.footer for f in kept])
    if plain():
        natural = sum(f.longest() for f in kept) + spent(len(kept))
        console.print(t, width=max(console.width, natural), crop=False, overflow="ignore")
    else:
        console.print(t)
    return [f.header for f in fields if any(f is d for d in dropped)]


def dropped_note(console: Console, dropped: list[str], more: str = "--format csv or json") -> None:
    """Say which columns did not fit, and where they are."""
    if dropped:
        console.print(f"[dim]not shown at {console.width} columns: {', '.join(dropped)} (a wider terminal, --plain "
                      f"or {more} show them)[/]", highlight=False)


STATUS_STYLE = {"ok": "[green]ok[/]", "exception": "[yellow]exception[/]"}


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.0f}%"


def render_rules(console: Console) -> None:
    """The rule registry: id, default severity, what must hold, module."""
    from ..check.rules import REGISTRY

    rules = list(REGISTRY)
    print_fitted(console, [Field("id", [r.id for r in rules]), Field("default", [str(r.severity) for r in rules]),
                           Field("what must hold", [escape(r.description) for r in rules], wrap=24),
                           Field("module", [type(r).__module__.removeprefix("nhgeo.") for r in rules], 20)],
                 title="Rules checked by nhgeo validate")


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
    la_name = dict(zip(result.study.column(Col.LA), result.study.column(Col.LA_NAME), strict=True))
    st = [stats[h.id] for h in rows]
    total = sum(h.population for h in p.neighbourhoods)
    n_lsoas = sum(len(h.codes) for h in p.neighbourhoods)
    fields = [
        Field("id", [h.id for h in rows], 45, footer="total"),
        Field("name", [escape(h.name) for h in rows], wrap=18, footer=f"{len(p.neighbourhoods):,} neighbourhoods"),
        Field("population", [f"{h.population:,}" for h in rows], justify="right", footer=f"{total:,}"),
        Field("LSOAs", [str(len(h.codes)) for h in rows], 60, "right", footer=f"{n_lsoas:,}"),
        Field("LA", [escape(", ".join(str(la_name.get(c, c)) for c in h.la_codes)) for h in rows], 70, wrap=10),
        Field("PP", [f"{s.polsby_popper:.2f}" for s in st], 50, "right", footer=f"{sc.mean_polsby_popper:.2f}"),
        Field("65+", [_pct(s.share_65_plus) for s in st], 40, "right"),
        Field("<16", [_pct(s.share_under_16) for s in st], 30, "right"),
        Field("IMD 1-2", [_pct(s.share_most_deprived_fifth) for s in st], 35, "right"),
        Field("status", [STATUS_STYLE.get(h.status, h.status) + (f" [dim]{escape('; '.join(h.reasons))}[/]"
                                                                  if h.reasons else "") for h in rows], 95, wrap=12,
              footer=f"{sum(h.status == 'ok' for h in p.neighbourhoods)} ok"),
    ]
    dropped = print_fitted(console, fields, title=f"Neighbourhoods: {result.study.place}" + (
        "" if show_all else " (exceptions only; --detail for all)"), footer=True)
    dropped_note(console, dropped)
    console.print("[dim]PP = Polsby–Popper compactness (1 = a circle); 65+, <16 = share of residents; IMD 1-2 = "
                  "share in England's most deprived fifth of LSOAs[/]", highlight=False)
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
    console.print(f"[dim]population: {escape(rep.study.population_source)}[/]", highlight=False)
    if rep.fit is not None:  # fit quality first: the rules below judge the fitted footprint
        for line in fit_lines(rep.fit):
            console.print(escape(line), highlight=False)
    for line in reading_lines(fp):  # a footprint of wards / practices: how it became LSOAs, before the rules
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
    for rr in rep.results:
        if rr.note:
            console.print(f"[yellow]note:[/] {escape(rr.note)}", highlight=False)
    if rep.score:
        sc = rep.score
        console.print(f"in band {sc.pct_in_band:.1f}% · contiguous {sc.pct_contiguous:.1f}% · worst deviation "
                      f"{100 * sc.worst_deviation:.1f}% · crossing LAs {sc.la_splits} · Polsby–Popper mean "
                      f"{sc.mean_polsby_popper:.2f}")
    v = rep.verdict("validate", strict)
    render_verdict(console, v.passed, v.headline)


def render_fit(console: Console, result: FitResult) -> None:
    """How well the LSOAs fit the shapes (or how the codes became LSOAs), then one row per neighbourhood."""
    if result.report is not None:
        for line in fit_lines(result.report, n=10):
            console.print(escape(line), highlight=False)
    for line in reading_lines(result.footprint):
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
    console.print(f"[dim]population: {escape(d.new.study.population_source)}[/]", highlight=False)
    study = d.new.study
    pos = {str(c): i for i, c in enumerate(study.codes)}
    lsoa_name = study.column(Col.NAME) if Col.NAME in study.units.columns else None
    ward = study.column(Col.WARD_NAME) if Col.WARD_NAME in study.units.columns else None
    na, nb = d.old.assignment.names, d.new.assignment.names

    def lsoa(code: str) -> str:
        i = pos.get(code)
        bits = [str(x[i]) for x in (lsoa_name, ward) if x is not None and i is not None and not pd.isna(x[i])]
        return escape(code + (f" {bits[0]}" if bits else "") + (f" ({bits[1]})" if len(bits) > 1 else ""))

    def hood(nid: str, names: dict[str, str]) -> str:
        return escape(f"{nid} {names[nid]}" if nid in names else nid or "–")

    if d.duplicated:
        dups = list(d.duplicated.items())[:200]
        print_fitted(console, [Field("LSOA (ward)", [lsoa(c) for c, _ in dups], wrap=14),
                               Field("listed in", [escape(", ".join(hood(i, nb) for i in ids)) for _, ids in dups],
                                     wrap=16)], title="LSOAs listed more than once (duplicates, not moves)")
    if d.moved:
        moved = d.moved[:200]
        print_fitted(console, [Field("LSOA (ward)", [lsoa(c) for c, _, _ in moved], wrap=14),
                               Field("from", [hood(x, na) for _, x, _ in moved], wrap=14),
                               Field("to", [hood(y, nb) for _, _, y in moved], wrap=14)], title="LSOAs moved")
        if len(d.moved) > len(moved):
            console.print(f"{len(d.moved) - len(moved):,} more; --format csv or json lists every move")
    if d.population_change:
        pnames = {**{p.id: p.name for p in d.old.footprint.places}, **{p.id: p.name for p in d.new.footprint.places},
                  **na, **nb}
        ch = list(d.population_change.items())
        print_fitted(console, [Field("unit", [escape(f"{u} {pnames[u]}" if u in pnames else u) for u, _ in ch],
                                     wrap=16),
                               Field("old", [f"{o:,}" for _, (o, _) in ch], justify="right"),
                               Field("new", [f"{n:,}" for _, (_, n) in ch], justify="right"),
                               Field("change", [f"{n - o:+,}" for _, (o, n) in ch], justify="right")],
                     title="Population change")
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
        for line in reading_lines(rep.footprint)[:1] if rep.conversion is not None else []:
            console.print(f"[dim]{label} {escape(line)}[/]", highlight=False)
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
    for line in reading_lines(rep.footprint):
        console.print(escape(line), highlight=False)
    comps = res.components
    style = {"present": "green", "nearby": "yellow", "missing": "bold red", "no-data": "dim"}
    gp = res.gp.set_index("neighbourhood")
    status = status_matrix(res.grid, [c.name for c in comps if c.required])
    rows = status if show_all or len(status) <= max_rows else status.iloc[:max_rows]
    names = rep.assignment.names
    ids = [str(h) for h in rows.index]
    ratios = [gp["ratio"].get(h) for h in rows.index]
    fields = [Field("neighbourhood", [escape(names.get(h) or h) for h in ids], wrap=16),
              Field("id", ids, 40),
              *[Field(c.short + ("" if c.required else "*"), [f"[{style[v]}]{STATUS_MARK[v]}[/]" for v in
                                                               rows[c.name]], 90 if c.required else 45, "center")
                for c in comps],
              Field("reg/res", ["–" if r is None or pd.isna(r) else f"{r:.2f}" for r in ratios], 60, "right"),
              Field("PCNs", [str(int(gp["pcns"].get(h, 0))) for h in rows.index], 55, "right")]
    dropped = print_fitted(console, fields, title=f"Core offer: {escape(rep.footprint.name)}", box=box.SIMPLE_HEAD,
                           pad_edge=False, collapse_padding=True)
    dropped_note(console, dropped)
    if len(rows) < len(status):
        console.print(f"{len(status) - len(rows):,} more neighbourhood(s) not shown "
                      f"({int((status['missing'] > 0).sum()):,} of {len(status):,} miss a required component); "
                      "--all shows every row, --format csv, markdown or json writes them all")
    pm = place_matrix(res.places)
    if not pm.empty:
        pnames = {p.id: p.name for p in rep.footprint.places}
        shown = pm if show_all or len(pm) <= max_rows else pm.iloc[:max_rows]
        pids = [str(x) for x in shown.index]
        pfields = [Field("place", [escape(pnames.get(x) or x) for x in pids], wrap=16), Field("id", pids, 40),
                   *[Field(c.short, [escape(str(shown.loc[x].get(c.name, "?"))) for x in shown.index],
                           90 if c.required else 45, "center") for c in comps]]
        pdropped = print_fitted(console, pfields, title="Places (best status among their neighbourhoods; n✘ = "
                                "neighbourhoods missing it)", box=box.SIMPLE_HEAD, pad_edge=False,
                                collapse_padding=True)
        dropped_note(console, [d for d in pdropped if d not in dropped])
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


def _num(v: Any) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "–"
    if isinstance(v, float) and abs(v) < 10 and v != int(v):
        return f"{v:.3f}"
    return f"{v:,.0f}"


def render_comparison(console: Console, cmp: Any) -> None:
    """A footprint placed on an ensemble: value, 5/50/95%, percentile, outlier flag per measure."""
    t = Table(title=f"{escape(cmp.name)} on an ensemble of {cmp.plans:,} plans", box=box.SIMPLE_HEAD)
    for c in ("measure", "value", "5%", "50%", "95%", "percentile", ""):
        t.add_column(c, justify="left" if c == "measure" else "right")
    for m, v in cmp.measures.items():
        t.add_row(m, _num(v["value"]), _num(v["p5"]), _num(v["p50"]), _num(v["p95"]), f"{v['percentile']:.1f}",
                  "[bold red]outlier[/]" if v["outlier"] else "typical")
    console.print(t)
    shares = [h["firm_share"] for h in cmp.neighbourhoods if h["firm_share"] is not None]
    if shares:
        low = sorted((h for h in cmp.neighbourhoods if h["firm_share"] is not None), key=lambda h: h["firm_share"])
        console.print(f"firm share of each neighbourhood's boundary: median {pd.Series(shares).median():.0%}; least "
                      "firm: " + ", ".join(f"{escape(h['name'])} {h['firm_share']:.0%}" for h in low[:3]))


def render_ensemble(console: Console, res: Any) -> None:
    """An ensemble: the measures with their diagnostics, diversity, firm lines, the comparison, alternatives."""
    from .json import ensemble_to_dict

    d = ensemble_to_dict(res)
    ens = res.ensemble
    t = Table(title=f"Ensemble of {ens.n:,} plans: {escape(ens.study.place)} ({len(ens.regions)} regions, "
              f"{ens.chains} runs)", box=box.SIMPLE_HEAD)
    for c in ("measure", "mean", "5%", "50%", "95%", "R-hat", "ESS"):
        t.add_column(c, justify="left" if c == "measure" else "right")
    for m, v in d["measures"].items():
        t.add_row(m, _num(v["mean"]), _num(v["p5"]), _num(v["p50"]), _num(v["p95"]), f"{v['rhat']:.3f}",
                  f"{v['ess']:.0f}")
    console.print(t)
    dg, dv, st = d["diagnostics"], d["diversity"], d["stability"]
    console.print(f"R-hat: largest {_num(dg['rhat_max'])} " + ("(below 1.05)" if dg["rhat_below_1.05"] else
                                                              "([bold yellow]not below 1.05: run more plans[/])"))
    if dv["pairs"]:
        console.print(f"diversity (VI distance, {dv['pairs']} random pairs): 5% {dv['vi_p5']:.3f}, median "
                      f"{dv['vi_p50']:.3f}, 95% {dv['vi_p95']:.3f}; {dv['share_above_0.5']:.0%} above 0.5")
    console.print(f"lines: {st['firm']:,} firm (separated in >= {st['firm_threshold']:.0%} of plans), {st['open']:,} "
                  f"open, {st['never_separated']:,} never separated")
    exc = [r for r in d["regions"] if r["exception"]]
    for r in exc:
        console.print(f"exception: {escape(r['la'])}: {escape(r['exception'])}")
    if res.comparison is not None:
        render_comparison(console, res.comparison)
    for i, a in enumerate(d.get("alternatives", []), start=1):
        console.print(f"alternative {i}: plan {a['plan']}, score {a['score']:.2f}, mean PP "
                      f"{a['measures']['mean_polsby_popper']:.3f}, wards split {_num(a['measures']['wards_split'])} "
                      f"-> {a['file']}")
