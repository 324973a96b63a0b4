"""``nhgeo validate``: check a footprint against every rule; exit 0 pass, 1 a rule fails, 2 bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import command_line, conclude, console
from .footprint_options import Reading, RuleOverrides, footprint_options, rule_options
from .options import (
    FootprintPlaceOpt,
    ForceOpt,
    HtmlReportOpt,
    LsoaTableOpt,
    ProfileOpt,
    ReportOutOpt,
    ShowAllOpt,
    Source,
    StrictOpt,
    command,
    format_option,
    source_files,
)

FootprintArg = Annotated[Path, typer.Argument(help="Footprint: TOML config; a CSV, workbook (.xlsx/.ods; --sheet) or "
                                              "GeoPackage table of codes -> neighbourhood [-> place] (--group-column), "
                                              "the codes LSOAs, wards, MSOAs, GP practices or PCNs (--code-type); or "
                                              "polygons (GeoJSON/GeoPackage/zipped Shapefile, any CRS; --name-column). "
                                              "'-' reads standard input.")]
ServicesOpt = Annotated[Path | None, typer.Option("--services", help="Your own service points: CSV or workbook with "
                                                  "easting/northing, latitude/longitude or postcodes, or any geo file "
                                                  "(points outside England are listed and left out).")]


@command(source=True)
@footprint_options
@rule_options
def validate(
    footprint: FootprintArg,
    fmt: Annotated[str, format_option("validation")] = "table",
    strict: StrictOpt = False,
    place: FootprintPlaceOpt = None,
    services: ServicesOpt = None,
    core_offer: Annotated[bool, typer.Option("--core-offer/--no-core-offer", help="Check core-offer coverage with "
                                             "the embedded service data.")] = False,
    source: Source = None,
    reading: Reading = None,
    rules: RuleOverrides = None,
    out: ReportOutOpt = None,
    report: HtmlReportOpt = None,
    force: ForceOpt = False,
    show_all: ShowAllOpt = False,
    lsoa_table: LsoaTableOpt = None,
    profile: ProfileOpt = False,
    ensemble: Annotated[Path | None, typer.Option("--ensemble", help="An nhgeo ensemble folder: place the footprint "
                                                  "on its plans, measure by measure.")] = None,
) -> None:
    """Check an existing footprint against every rule; exit 0 pass, 1 a rule fails, 2 bad input, 3 internal error."""
    from ..check.validation import validate as run_validate
    from ..output import check_out_files, check_table_file, emit, write_report, write_table
    from ..render import check_format
    from ..render.csv import lsoa_table as make_lsoa_table
    from ..sources.services import open_services

    check_format("validation", fmt)
    check_out_files([out, report, lsoa_table], force, inputs=[footprint, services, *source_files(source)])
    check_table_file(lsoa_table, force, inputs=[footprint])  # every output checked before the work
    svc = open_services(services) if core_offer or services is not None else None
    if ensemble is not None:
        from ..ensemble.compare import read_plans

        read_plans(ensemble)  # a folder that is not an ensemble is bad input before the work
    rep = run_validate(footprint, place=place, services=svc, rules=rules, **(reading or {}), **(source or {}))
    if ensemble is not None:
        from ..ensemble.compare import attach

        attach(rep, ensemble)
    emit("validation", rep, fmt, console, out, force, show_all=show_all, strict=strict, profile=profile)
    if rep.ensemble is not None and fmt == "table" and out is None:
        emit("comparison", rep.ensemble, "table", console)
    if report is not None:
        write_report(rep, report, force, command=command_line(), strict=strict)
    if lsoa_table is not None:
        write_table(make_lsoa_table(rep.study, rep.assignment), lsoa_table, force)
    raise conclude(rep.verdict("validate", strict), fmt, out)
