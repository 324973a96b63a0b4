"""``nhgeo fit``: best-fit LSOAs to polygons and write the fitted footprint (TOML) to edit and keep."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import console
from .footprint_options import Reading, RuleOverrides, footprint_options, rule_options
from .options import ForceOpt, Source, command, format_option, source_files


@command(source=True)
@footprint_options
@rule_options
def fit(
    shapes: Annotated[Path, typer.Argument(help="Polygons (GeoJSON, GeoPackage, zipped Shapefile; any CRS), one "
                                           "per neighbourhood, locality or PCN area — or a table (CSV, .xlsx, .ods) "
                                           "of wards, MSOAs, GP practices or PCNs -> neighbourhood.")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the LSOA footprint (TOML) here.")] = None,
    force: ForceOpt = False,
    fmt: Annotated[str, format_option("fit")] = "table",
    source: Source = None,
    reading: Reading = None,
    rules: RuleOverrides = None,
) -> None:
    """The LSOA footprint of shapes (each LSOA best-fitted to one polygon) or of a table of wards, MSOAs, practices
    or PCNs (turned into LSOAs by a stated method); write it as TOML with --out."""
    from ..footprints.files import dumps_toml
    from ..footprints.fit import fit_file
    from ..output import atomic_file, check_out_files, emit
    from ..render import check_format

    check_format("fit", fmt)
    check_out_files([out], force, inputs=[shapes, *source_files(source)])  # before the work; never over an input
    rd = dict(reading or {})
    result = fit_file(shapes, rd.pop("name_column", None), method=rd.pop("fit_method", "centroid"), rules=rules,
                      **rd, **(source or {}))
    if out is not None:
        with atomic_file(out, force) as tmp:
            tmp.write_text(dumps_toml(result.footprint), encoding="utf-8")
    emit("fit", result, fmt, console)
    if out is not None and fmt == "table":
        console.print(f"wrote {out} ({len(result.footprint.neighbourhoods)} neighbourhoods); check it with "
                      f"nhgeo validate {out}")
