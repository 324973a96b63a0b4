"""``nhgeo datasets``: the embedded data, its vintages and where it is."""

from __future__ import annotations

from .app import console
from .options import command


@command()
def datasets() -> None:
    """List the embedded datasets, their vintage and where they are."""
    from rich.table import Table

    from ..sources.data import DATASETS, data_dir

    t = Table(title=f"Embedded data in {data_dir()}")
    for c in ("name", "file", "vintage", "what"):
        t.add_column(c)
    for d in DATASETS.values():
        t.add_row(d.name, d.filename, d.vintage, d.description)
    console.print(t)
