"""Renderers: one module per output format, one dispatch shared by every command.

Each result kind (``graph``, ``proposal``, ``validation``, ``coverage``, ``diff``, ``fit``) offers exactly the
formats registered for it in :data:`RENDERERS`; a command's ``--format`` choices come from here.
``table`` draws on a rich console for people; every other format is text for machines and files.
Adding a format = a module here plus its entries in :data:`RENDERERS`.
"""

from __future__ import annotations

import io
import json as _json
from collections.abc import Callable
from typing import Any

from rich.console import Console

from ..errors import InputError
from ..profile import profile_assignment, profile_to_dict
from . import csv, github, junit, markdown, table
from . import json as json_
from . import profile as profile_

Draw = Callable[..., None]  # (console, result, **options) -> None
Text = Callable[..., str]  # (result, **options) -> str


def _dump(to_dict: Callable[[Any], dict[str, Any]]) -> Text:
    return lambda result, **_: _json.dumps(to_dict(result), indent=2) + "\n"


def _with_profile(draw_table: Draw, of: Callable[[Any], dict[str, Any]]) -> Draw:
    """A table view that, with ``profile=True`` (``--profile``), adds the need-profile table after it."""
    def drawn(console: Console, result: Any, profile: bool = False, **options: Any) -> None:
        draw_table(console, result, **options)
        if profile:
            profile_.draw_profile(console, of(result))
    return drawn


TABLES: dict[str, Draw] = {
    "graph": lambda c, s, **_: table.render_graph(c, s),
    "proposal": _with_profile(lambda c, r, detail=False, **_: table.render_proposal_and_tree(c, r, detail=detail),
                              lambda r: profile_to_dict(r.profile())),
    "validation": _with_profile(lambda c, r, show_all=False, strict=False, **_: table.render_validation(
        c, r, show_all=show_all, strict=strict), lambda r: profile_to_dict(profile_assignment(r.study, r.assignment))),
    "coverage": _with_profile(lambda c, r, show_all=False, strict=False, **_: table.render_coverage(
        c, r, show_all=show_all, strict=strict), lambda r: profile_to_dict(profile_assignment(r.study, r.assignment))),
    "diff": lambda c, d, strict=False, **_: table.render_diff(c, d, strict),
    "fit": lambda c, r, **_: table.render_fit(c, r),
    "ensemble": lambda c, r, **_: table.render_ensemble(c, r),
    "comparison": lambda c, r, **_: table.render_comparison(c, r),
}

def _report_formats(command: str) -> dict[str, Text]:
    """The formats of a validation report, as produced by ``command`` (validate or coverage): each names the
    command and carries its one verdict."""
    def js(r: Any, strict: bool = False, **_: Any) -> str:
        return _json.dumps(json_.validation_to_dict(r, command, strict), indent=2) + "\n"

    return {"json": js,
            "junit": lambda r, strict=False, **_: junit.validation_junit(r, command, strict),
            "github": lambda r, strict=False, **_: github.validation_github(r, command, strict),
            "markdown": lambda r, strict=False, **_: markdown.validation_markdown(r, command, strict),
            "csv": lambda r, **_: csv.coverage_csv(r) if command == "coverage" else csv.validation_csv(r)}


RENDERERS: dict[str, dict[str, Text]] = {
    "graph": {"json": _dump(json_.graph_summary)},
    "proposal": {"json": _dump(json_.proposal_to_dict), "csv": lambda r, **_: csv.proposal_csv(r)},
    "validation": _report_formats("validate"),
    "coverage": _report_formats("coverage"),
    "diff": {"json": lambda d, strict=False, **_: _json.dumps(json_.diff_to_dict(d, strict), indent=2) + "\n",
             "markdown": lambda d, strict=False, **_: markdown.diff_markdown(d, strict=strict),
             "csv": lambda d, **_: csv.diff_csv(d)},
    "fit": {"json": _dump(json_.fit_to_dict)},
    "ensemble": {"json": _dump(json_.ensemble_to_dict)},
    "comparison": {"json": _dump(json_.comparison_to_dict)},
}


def formats(kind: str) -> tuple[str, ...]:
    """The formats ``kind`` can be written in, table first."""
    return ("table", *RENDERERS[kind])


def check_format(kind: str, fmt: str) -> None:
    """Bad input unless ``kind`` offers ``fmt``."""
    if fmt not in formats(kind):
        raise InputError(f"unknown --format {fmt!r} here; use {', '.join(formats(kind))}")


def draw(kind: str, result: Any, console: Console, **options: Any) -> None:
    """The table view of ``result`` on ``console``."""
    TABLES[kind](console, result, **options)


def to_text(kind: str, result: Any, fmt: str, width: int = 120, **options: Any) -> str:
    """``result`` rendered as ``fmt`` text (tables as plain text ``width`` columns wide)."""
    check_format(kind, fmt)
    if fmt == "table":
        rec = Console(record=True, width=width, file=io.StringIO())
        draw(kind, result, rec, **options)
        return rec.export_text()
    return RENDERERS[kind][fmt](result, **options)
