"""``nhgeo diff``: what a change to a footprint moves, and which rules it breaks or fixes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import conclude, console
from .footprint_options import Reading, RuleOverrides, footprint_options, rule_options
from .options import Source, command, format_option


@command(source=True)
@footprint_options
@rule_options
def diff(
    old: Annotated[Path, typer.Argument(help="The footprint before the change.")],
    new: Annotated[Path, typer.Argument(help="The footprint after the change.")],
    fmt: Annotated[str, format_option("diff")] = "table",
    strict: Annotated[bool, typer.Option("--strict", help="Newly broken warnings fail too.")] = False,
    source: Source = None,
    reading: Reading = None,
    rules: RuleOverrides = None,
) -> None:
    """Compare two footprints: LSOAs moved, units added/removed, population change, rules broken or fixed.

    Exit 0 no rule newly broken, 1 the change breaks a rule, 2 bad input, 3 internal error.
    """
    from ..check.diff import diff as run_diff
    from ..output import emit
    from ..render import check_format

    check_format("diff", fmt)
    d = run_diff(old, new, rules=rules, **(reading or {}), **(source or {}))
    emit("diff", d, fmt, console, strict=strict)
    raise conclude(d.outcome(strict), fmt)
