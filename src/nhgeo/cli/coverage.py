"""``nhgeo coverage``: the core offer per neighbourhood × component."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import command_line, conclude, console
from .footprint_options import Reading, footprint_options
from .options import (
    FootprintPlaceOpt,
    ForceOpt,
    HtmlReportOpt,
    ProfileOpt,
    ReportOutOpt,
    ShowAllOpt,
    Source,
    check_text_file,
    command,
    format_option,
    source_files,
)
from .validate import FootprintArg, ServicesOpt


@command(source=True)
@footprint_options
def coverage(
    footprint: FootprintArg,
    services: ServicesOpt = None,
    component: Annotated[str | None, typer.Option("--component", help="Core-offer component of --services when "
                                                  "the file has no 'component' column (e.g. social_care).")] = None,
    catalogue: Annotated[Path | None, typer.Option("--catalogue", help="Service catalogue TOML (default: "
                                                   "configs/services_catalogue.toml).")] = None,
    place: FootprintPlaceOpt = None,
    fmt: Annotated[str, format_option("coverage")] = "table",
    strict: Annotated[bool, typer.Option("--strict", help="Missing components fail (exit 1).")] = False,
    source: Source = None,
    reading: Reading = None,
    out: ReportOutOpt = None,
    report: HtmlReportOpt = None,
    force: ForceOpt = False,
    show_all: ShowAllOpt = False,
    profile: ProfileOpt = False,
) -> None:
    """Core offer: which services each neighbourhood has inside (✔), nearby (~), missing (✘) or no data (?).

    Exit 0, 1 a required component is missing (--strict: any), 2 bad input, 3 internal error.
    """
    from ..check.validation import validate as run_validate
    from ..output import check_out_files, emit, write_report
    from ..render import check_format
    from ..sources.services import open_services

    check_format("coverage", fmt)
    check_out_files([out, report], force, inputs=[footprint, services, catalogue, *source_files(source)])
    check_text_file(catalogue, "--catalogue")
    rep = run_validate(footprint, place=place, services=open_services(services, component, catalogue),
                       **(reading or {}), **(source or {}))
    emit("coverage", rep, fmt, console, out, force, show_all=show_all, strict=strict, profile=profile)
    if report is not None:
        write_report(rep, report, force, command=command_line(), strict=strict)
    # a required component missing somewhere fails (whatever the rule's severity in validate); --strict: any finding,
    # "no data" included: one verdict, the same in every format (ValidationReport.verdict)
    raise conclude(rep.verdict("coverage", strict), fmt, out)
