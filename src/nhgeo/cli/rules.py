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
    from ..sources.services import load_catalogue

    ct = Table(title="core-offer: what counts as each service (configs/services_catalogue.toml; --catalogue FILE)")
    for col in ("component", "counts", "nearby within", "required"):
        ct.add_column(col)
    for comp in load_catalogue():
        ct.add_row(comp.label, comp.counts or comp.note, f"{int(comp.distance_m):,} m",
                   "yes" if comp.required else "no")
    console.print(ct)
