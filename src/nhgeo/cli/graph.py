"""``nhgeo graph``: which LSOAs touch — units, edges, islands and the bridges that join them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import console
from .options import ForceOpt, PlaceOpt, Source, command, format_option, source_files


@command(source=True)
def graph(
    place: PlaceOpt = "england",
    source: Source = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write edges and bridges to this *.gpkg file.")] = None,
    force: ForceOpt = False,
    fmt: Annotated[str, format_option("graph")] = "table",
) -> None:
    """Check which LSOAs touch: units, edges, islands and the bridges that join them. Exit 0, 2 bad input, 3 bug."""
    from ..model import open_study
    from ..output import check_out_file, emit, write_edges
    from ..render import check_format

    check_format("graph", fmt)
    if out is not None:  # before the work
        check_out_file(out, force, inputs=[*source_files(source)])
    study = open_study(place, **(source or {}))
    if out is not None:
        write_edges(study, out, force)
    emit("graph", study, fmt, console)
    if out is not None and fmt == "table":
        console.print(f"wrote {out} (layers: edges, bridges)")
