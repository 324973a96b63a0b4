"""``nhgeo propose``: contiguous, balanced, LA-aligned neighbourhoods (and places) for a place."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from .app import console, progress
from .options import ForceOpt, PlaceOpt, SeedOpt, Source, command, format_option


@command(source=True)
def propose(
    place: PlaceOpt = "england",
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (footprint.toml, neighbourhoods.gpkg, "
                                      "summary.json, map.png).")] = Path("out"),
    target: Annotated[int, typer.Option("--target", help="Target neighbourhood population.")] = 50_000,
    min_pop: Annotated[int, typer.Option("--min", help="Minimum neighbourhood population.")] = 40_000,
    max_pop: Annotated[int, typer.Option("--max", help="Maximum neighbourhood population.")] = 60_000,
    cross_la: Annotated[bool, typer.Option("--cross-la", help="Allow neighbourhoods to cross LA boundaries "
                                           "(penalised; every crossing reported).")] = False,
    levels: Annotated[str, typer.Option("--levels", help="neighbourhood,place (default) or neighbourhood.")]
    = "neighbourhood,place",
    place_min: Annotated[int, typer.Option("--place-min", help="Minimum place population.")] = 250_000,
    place_max: Annotated[int, typer.Option("--place-max", help="Maximum place population.")] = 500_000,
    lock: Annotated[Path | None, typer.Option("--lock", help="Footprint or CSV (LSOA -> neighbourhood) whose "
                                              "neighbourhoods stay fixed.")] = None,
    seed: SeedOpt = 0,
    source: Source = None,
    force: ForceOpt = False,
    no_map: Annotated[bool, typer.Option("--no-map", help="Skip the PNG map.")] = False,
    detail: Annotated[bool, typer.Option("--detail", help="List every neighbourhood and the full tree.")] = False,
    fmt: Annotated[str, format_option("proposal")] = "table",
) -> None:
    """Propose contiguous, balanced, LA-aligned neighbourhoods (and places) for a place."""
    from .. import pipeline
    from ..model import Rules
    from ..output import check_writable, emit, write_proposal
    from ..render import check_format

    check_format("proposal", fmt)
    rules = Rules(target=target, min=min_pop, max=max_pop, cross_la=cross_la, place_min=place_min,
                  place_max=place_max)
    lv = [x.strip() for x in levels.split(",") if x.strip()]
    if not set(lv) <= {"neighbourhood", "place"} or "neighbourhood" not in lv:
        raise InputError(f"--levels must be 'neighbourhood' or 'neighbourhood,place', not {levels!r}")
    check_writable(out, force)  # fail before the work, not after
    with progress(fmt == "table" and sys.stderr.isatty()) as prog:
        result = pipeline.propose(place, rules=rules, seed=seed, lock=lock, levels=lv, progress=prog,
                                  **(source or {}))
        if prog:
            prog("writing outputs", 0, 1)
        write_proposal(result, out, force=force, maps=not no_map)
    emit("proposal", result, fmt, console, detail=detail)
    if fmt == "table":
        console.print(f"wrote {out}/footprint.toml, neighbourhoods.gpkg, summary.json" + ("" if no_map else
                                                                                           ", map.png"))
