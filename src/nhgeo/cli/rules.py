"""``nhgeo rules``: every rule validate checks, with its id, default severity and what it means."""

from __future__ import annotations

from .app import console
from .options import command


@command()
def rules() -> None:
    """List the rules (ids for [rules.severity] and [[waivers]]), default severities and descriptions."""
    from ..render.table import render_rules

    render_rules(console)
