"""``nhgeo rules``: every rule validate checks, with its id, default severity and what it means."""

from __future__ import annotations

from .app import console
from .options import command


@command()
def rules() -> None:
    """List the rules (ids for [rules.severity] and [[waivers]]), default severities and descriptions."""
    from rich.table import Table

    from ..check.rules import REGISTRY

    t = Table(title="Rules checked by nhgeo validate")
    for c in ("id", "default", "what must hold", "module"):
        t.add_column(c)
    for r in REGISTRY:
        t.add_row(r.id, str(r.severity), r.description, type(r).__module__.removeprefix("nhgeo."))
    console.print(t)
