"""``nhgeo propose``: contiguous, balanced, LA-aligned neighbourhoods (and places) for a place."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from .app import command_line, console, progress
from .options import (
    ForceOpt,
    LsoaTableOpt,
    MaxPopOpt,
    MinPopOpt,
    PlaceMaxOpt,
    PlaceMinOpt,
    ProfileOpt,
    SeedOpt,
    Source,
    TargetOpt,
    command,
    format_option,
    place_value,
)


@command(source=True)
def propose(
    place: Annotated[str | None, typer.Option("--place", "-p", callback=place_value, help="An LA, several LAs "
                                              "(comma-separated), an ICB, a region, or 'england'. Names or ONS "
                                              "codes. Required unless "
                                              "--boundaries is given (then: every unit in the file).")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (footprint.toml, neighbourhoods.gpkg, "
                                      "summary.json, report.html, map.png).")] = Path("out"),
    target: TargetOpt = 50_000,
    min_pop: MinPopOpt = 40_000,
    max_pop: MaxPopOpt = 60_000,
    cross_la: Annotated[bool, typer.Option("--cross-la", help="Allow neighbourhoods to cross LA boundaries "
                                           "(penalised; every crossing reported).")] = False,
    levels: Annotated[str, typer.Option("--levels", help="neighbourhood,place (default) or neighbourhood.")]
    = "neighbourhood,place",
    place_min: PlaceMinOpt = 250_000,
    place_max: PlaceMaxOpt = 500_000,
    places: Annotated[str, typer.Option("--places", help="How places are made: la (default: each local authority "
                                        "is a place, one above the maximum split along neighbourhood lines, one "
                                        "below the minimum flagged with the merges that would bring it into band) "
                                        "or band (merge and split across LAs to reach the band).")] = "la",
    lock: Annotated[Path | None, typer.Option("--lock", help="Footprint, CSV or workbook (codes -> neighbourhood) "
                                              "whose neighbourhoods stay fixed.")] = None,
    seed: SeedOpt = 0,
    align: Annotated[str, typer.Option("--align", help="Soft preference for boundaries that keep units whole: "
                                       "ward (2024 electoral wards, the default), pcn (PCN catchments from where "
                                       "patients live), ward,pcn, or none. Band, contiguity and LA rule stay "
                                       "hard.")] = "ward",
    source: Source = None,
    force: ForceOpt = False,
    no_map: Annotated[bool, typer.Option("--no-map", help="Skip the PNG map.")] = False,
    no_report: Annotated[bool, typer.Option("--no-report", help="Skip report.html (the self-contained report a "
                                            "board can open in any browser).")] = False,
    detail: Annotated[bool, typer.Option("--detail", help="List every neighbourhood and the full tree.")] = False,
    profile: ProfileOpt = False,
    fmt: Annotated[str, format_option("proposal")] = "table",
    lsoa_table: LsoaTableOpt = None,
) -> None:
    """Propose contiguous, balanced, LA-aligned neighbourhoods (and places) for a place.

    Exit 0 written, 2 bad input or usage (nothing written), 3 internal error; 130/143 interrupted (nothing left).
    """
    from ..design import propose as pipeline
    from ..design.affinity import parse_align
    from ..model import Rules, open_study
    from ..output import check_out_dir, check_table_file, emit, write_proposal
    from ..render import check_format

    check_format("proposal", fmt)
    settings = parse_align(align)  # a bad value is exit 2 before any work
    src = source or {}
    if place is None and src.get("boundaries") is None:
        raise InputError("say which area to propose for: --place (an LA, several LAs, an ICB, a region, or "
                         "'england' for all of England) or --boundaries FILE (your own LSOAs)")
    rules = Rules(target=target, min=min_pop, max=max_pop, cross_la=cross_la, place_min=place_min,
                  place_max=place_max)
    if places not in ("la", "band"):
        raise InputError(f"--places takes la or band, not {places!r}")
    lv = [x.strip() for x in levels.split(",") if x.strip()]
    if not set(lv) <= {"neighbourhood", "place"} or "neighbourhood" not in lv:
        raise InputError(f"--levels must be 'neighbourhood' or 'neighbourhood,place', not {levels!r}")
    check_out_dir(out, force, inputs=[src.get("boundaries"), src.get("la_boundaries"), lock])  # before the work
    if lsoa_table is not None and not str(lsoa_table.resolve()).startswith(str(out.resolve()) + "/"):
        check_table_file(lsoa_table, force, inputs=[src.get("boundaries"), lock])
    elif lsoa_table is not None:
        check_table_file(lsoa_table, True)  # inside the output folder: replaced with it
    with progress(fmt == "table" and sys.stderr.isatty()) as prog:
        study = open_study(None, rules=rules, **src) if place is None else None  # every unit of --boundaries
        result = pipeline.propose(place or "all", rules=rules, seed=seed, lock=lock, levels=lv, progress=prog,
                                  study=study, align=settings, places=places, **src)
        if prog:
            prog("writing outputs", 0, 1)
        write_proposal(result, out, force=force, maps=not no_map, report=not no_report, command=command_line(),
                       lsoa_table=lsoa_table)
    emit("proposal", result, fmt, console, detail=detail, profile=profile)
    if fmt == "table":
        console.print(f"wrote {out}/footprint.toml, neighbourhoods.gpkg, summary.json"
                      + ("" if no_report else ", report.html") + ("" if no_map else ", map.png")
                      + (f"; LSOA table {lsoa_table}" if lsoa_table is not None else ""))
