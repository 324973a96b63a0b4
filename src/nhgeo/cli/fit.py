"""``nhgeo fit``: best-fit LSOAs to polygons and write the fitted footprint (TOML) to edit and keep."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import console
from .footprint_options import FitMethodOpt, NameColOpt, RuleOverrides, rule_options
from .options import ForceOpt, Source, command, format_option, source_files


@command(source=True)
@rule_options
def fit(
    shapes: Annotated[Path, typer.Argument(help="Polygons (GeoJSON, GeoPackage, Shapefile; any CRS), one per "
                                           "neighbourhood, locality or PCN area.")],
    name_column: NameColOpt = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the fitted footprint (TOML) here.")] = None,
    fit_method: FitMethodOpt = "centroid",
    force: ForceOpt = False,
    fmt: Annotated[str, format_option("fit")] = "table",
    source: Source = None,
    rules: RuleOverrides = None,
) -> None:
    """Best-fit every LSOA to one polygon (population-weighted centroid) and write the footprint TOML."""
    from ..footprints.files import dumps_toml
    from ..footprints.fit import fit_file
    from ..output import atomic_file, check_out_files, emit
    from ..render import check_format

    check_format("fit", fmt)
    check_out_files([out], force, inputs=[shapes, *source_files(source)])  # before the work; never over an input
    result = fit_file(shapes, name_column, method=fit_method, rules=rules, **(source or {}))
    if out is not None:
        with atomic_file(out, force) as tmp:
            tmp.write_text(dumps_toml(result.footprint), encoding="utf-8")
    emit("fit", result, fmt, console)
    if out is not None and fmt == "table":
        console.print(f"wrote {out} ({len(result.footprint.neighbourhoods)} neighbourhoods); check it with "
                      f"nhgeo validate {out}")
