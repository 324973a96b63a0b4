"""``nhgeo rules``: every rule validate checks, with its id, default severity and what it means."""

from __future__ import annotations

from .app import console
from .options import command


@command()
def rules() -> None:
    """List the rules (ids for [rules.severity] and [[waivers]]), default severities and descriptions."""
    from ..render.table import render_rules
    from ..render.table import styled_table as Table  # boxed, or plain with --plain
    from ..sources.services import load_catalogue

    render_rules(console)

    ct = Table(title="core-offer: what counts as each service (configs/services_catalogue.toml; --catalogue FILE)")
    for col in ("component", "counts", "nearby within", "required"):
        ct.add_column(col)
    for comp in load_catalogue():
        ct.add_row(comp.label, comp.counts or comp.note, f"{int(comp.distance_m):,} m",
                   "yes" if comp.required else "no")
    console.print(ct)
