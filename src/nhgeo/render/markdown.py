"""Markdown for pull-request comments and reports: validation (with the core-offer section) and diffs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ..check.coverage import place_matrix, status_matrix
from .csv import diff_table
from .json import coverage_to_dict
from .text import STATUS_MARK, fit_lines, pcn_line, reading_lines, rule_settings_line

if TYPE_CHECKING:
    from ..check.diff import FootprintDiff
    from ..check.validation import ValidationReport


def _mark(passed: bool) -> str:
    return "✅ **pass**" if passed else "❌ **fail**"


def validation_markdown(rep: ValidationReport, command: str = "validate", strict: bool = False) -> str:
    """The report as markdown, headed by the run's one verdict and the command that produced it."""
    v = rep.verdict(command, strict)
    out = [f"### nhgeo {command}: `{rep.path}` — {_mark(v.passed)}", "", f"**Verdict:** {v.summary}.", "",
           f"{len(rep.footprint.neighbourhoods)} neighbourhoods, {len(rep.footprint.places)} places; "
           f"{rep.source}, LSOA {rep.vintage}; population: {rep.study.population_source}.", ""]
    if rep.fit is not None:
        out += ["**Fit of the shapes** (checked before the rules):", "", "```", *fit_lines(rep.fit, n=10), "```", ""]
    if reading_lines(rep.footprint):
        out += ["**Reading the footprint** (checked before the rules):", "", "```", *reading_lines(rep.footprint),
                "```", ""]
    out += [rule_settings_line(rep.footprint.rules, rep.rule_sources) + ".", "", "| rule | result |", "|---|---|"]
    for r in rep.results:
        fs = r.findings
        res = (f"– not checked: {r.reason}" if r.status == "not checked" else
               "✔ holds" if not fs else f"{len(fs)} finding(s)")
        out.append(f"| {r.id} | {res.replace('|', '/')}" + (f" — {r.note.replace('|', '/')}" if r.note else "") + " |")
    if rep.findings:
        out += ["", "| rule | severity | unit | what is wrong | smallest fix |", "|---|---|---|---|---|"]
        for f in rep.findings:
            cell = f.message.replace("|", "\\|")
            out.append(f"| {f.rule} | {f.severity} | {f.unit} | {cell} | {(f.fix or '–').replace('|', '/')} |")
    if rep.coverage is not None:
        out += _coverage_markdown(coverage_to_dict(rep.coverage))
    return "\n".join(out) + "\n"


def _coverage_markdown(cov: dict[str, Any]) -> list[str]:
    """The core-offer section of the markdown report: counts per component, then every
    neighbourhood and place in collapsible tables (a PR comment stays short)."""
    comps = cov["components"]
    grid = pd.DataFrame(cov["grid"])
    nodata = [c["label"] for c in comps if (grid.loc[grid["component"] == c["name"], "status"] == "no-data").all()]
    out = ["", "#### Core offer", "", f"Service data: {cov['service_data']}. Mental health counts the sites of "
           "mental-health trusts, else services named as such. ? = no data, never a pass"
           + (f" (no data here for: {', '.join(nodata)}; add your own with "
                                                "`--services FILE --component NAME`)" if nodata else "") + ".", "",
           *[f"Note: {n}" for n in cov.get("service_notes", [])], *([""] if cov.get("service_notes") else []),
           "| component | required | distance (m) | ✔ inside | ~ nearby | ✘ missing | ? no data |",
           "|---|---|---:|---:|---:|---:|---:|"]
    counts = grid.groupby(["component", "status"]).size()
    for c in comps:
        n = {k: int(counts.get((c["name"], k), 0)) for k in STATUS_MARK}
        out.append(f"| {c['label']} | {'yes' if c['required'] else 'no'} | {c['distance_m']:,.0f} | "
                   f"{n['present']} | {n['nearby']} | {n['missing']} | {n['no-data']} |")
    out += ["", pcn_line(cov) + ".", ""]
    status = status_matrix(grid, [c["name"] for c in comps if c["required"]])
    gp = pd.DataFrame(cov["gp_capacity"]).set_index("neighbourhood") if cov["gp_capacity"] else pd.DataFrame()
    out += [f"<details><summary>Every neighbourhood ({len(status)}), gaps first</summary>", "",
            "| neighbourhood | " + " | ".join(c["label"] for c in comps) + " | GP reg/res | PCNs |",
            "|---|" + "---|" * len(comps) + "---:|---:|"]
    for h, st in status.iterrows():
        ratio = gp["ratio"].get(h) if "ratio" in gp else None
        out.append(f"| {h} | " + " | ".join(STATUS_MARK[st[c["name"]]] for c in comps)
                   + f" | {'–' if ratio is None or pd.isna(ratio) else f'{ratio:.2f}'} | "
                   f"{int(gp['pcns'].get(h, 0)) if 'pcns' in gp else 0} |")
    out += ["", "</details>"]
    pm = place_matrix(pd.DataFrame(cov["places"]))
    if not pm.empty:
        out += ["", f"<details><summary>Every place ({len(pm)}): best status, n✘ = neighbourhoods missing it"
                "</summary>", "", "| place | " + " | ".join(c["label"] for c in comps) + " |",
                "|---|" + "---|" * len(comps)]
        for pid, cells in pm.iterrows():
            out.append(f"| {pid} | " + " | ".join(str(cells.get(c["name"], "?")) for c in comps) + " |")
        out += ["", "</details>"]
    return out


def diff_markdown(d: FootprintDiff, limit: int = 50, strict: bool = False) -> str:
    """A pull-request comment."""
    v = d.outcome(strict)
    out = [f"### nhgeo diff: `{d.old.path}` → `{d.new.path}` — {_mark(v.passed)}", "", f"**Verdict:** {v.summary}.",
           ""]
    if not d.changed:
        out.append("No LSOA, neighbourhood or place changed.")
    out.append(f"- LSOAs moved: **{len(d.moved)}**")
    out.append(f"- population: {d.new.study.population_source}")
    if d.duplicated:
        out.append(f"- LSOAs listed more than once (duplicates, not moves): **{len(d.duplicated)}** — "
                   + ", ".join(f"{c} in {' and '.join(ids)}" for c, ids in list(d.duplicated.items())[:limit]))
    for label, xs in (("neighbourhoods added", d.added_neighbourhoods), ("neighbourhoods removed",
                      d.removed_neighbourhoods), ("places added", d.added_places), ("places removed",
                                                                                      d.removed_places)):
        if xs:
            out.append(f"- {label}: {', '.join(xs)}")
    if d.moved:
        def cell(s: str) -> str:
            return s.replace("|", "/")

        out += ["", "| LSOA | name (ward) | from | to |", "|---|---|---|---|"]
        out += [f"| {r['lsoa_code']} | {cell(r['lsoa_name'])}" + (f" ({cell(r['ward'])})" if r["ward"] else "")
                + f" | {r['from_id'] or '–'} {cell(r['from_name'])} | {r['to_id'] or '–'} {cell(r['to_name'])} |"
                for r in diff_table(d).head(limit).to_dict("records")]
        if len(d.moved) > limit:
            out.append(f"| … | {len(d.moved) - limit} more | |")
    if d.population_change:
        out += ["", "| unit | old population | new population | change |", "|---|---:|---:|---:|"]
        out += [f"| {u} | {o:,} | {n:,} | {n - o:+,} |" for u, (o, n) in list(d.population_change.items())[:limit]]
    if d.rules_changed:
        out += ["", "**Rules differ** (each side is judged by its own): " + ", ".join(
            f"`{k}` {x} → {y}" for k, x, y in d.rules_changed)]
    if d.renamed:
        out += ["", "**Renamed**", ""] + [f"- {n}: “{x}” → “{y}”" for n, x, y in d.renamed]
    for label, rep in (("old", d.old), ("new", d.new)):
        if rep.fit is not None:
            out += ["", f"Fit of the {label} shapes: {rep.fit.summary()}."]
        if rep.conversion is not None:
            out += ["", f"The {label} footprint's codes became LSOAs: {rep.conversion.summary()}."]
    for title, fs in (("Rules newly broken", d.newly_broken), ("Rules fixed", d.fixed)):
        if fs:
            out += ["", f"**{title}**", ""]
            out += [f"- `{f.rule}` ({f.severity}) {f.unit}: {f.message}" + (f" — fix: {f.fix}" if f.fix else "")
                    for f in fs]
    return "\n".join(out) + "\n"


RULES_START, RULES_END = "<!-- rules:start (generated from the registry: python scripts/sync_readme.py) -->", \
    "<!-- rules:end -->"


def rules_markdown() -> str:
    """The rule registry as a markdown table (id, default severity, what must hold): the README's rule list, kept
    in step by ``scripts/sync_readme.py`` and ``tests/test_readme_rules.py``."""
    from ..check.rules import REGISTRY

    rows = ["| rule id | default | what must hold |", "|---|---|---|"]
    for r in REGISTRY:
        rows.append(f"| `{r.id}` | {r.severity} | {r.description.replace('|', '/')} |")
    return "\n".join(rows) + "\n"


def with_rules(readme: str) -> str:
    """``readme`` with the block between the rules markers replaced by :func:`rules_markdown`."""
    start, end = readme.index(RULES_START) + len(RULES_START), readme.index(RULES_END)
    return readme[:start] + "\n" + rules_markdown() + readme[end:]
