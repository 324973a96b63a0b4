"""``nhgeo ensemble``: many valid plans of a place — how typical a footprint is, which lines are firm, which
alternatives exist."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from .app import command_line, console, progress
from .options import (
    ForceOpt,
    MaxPopOpt,
    MinPopOpt,
    PlaceMaxOpt,
    PlaceMinOpt,
    SeedOpt,
    Source,
    TargetOpt,
    command,
    format_option,
)


@command(source=True)
def ensemble(
    place: Annotated[str, typer.Option("--place", "-p", help="An LA, several LAs (comma-separated), an ICB, a region, "
                                       "or 'england'. Names or ONS codes.")],
    n: Annotated[int, typer.Option("-n", "--plans", min=1, max=100_000, help="Number of plans to sample.")] = 1000,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (plans.parquet, stability.gpkg, summary.json, "
                                      "report.html, alternatives/).")] = Path("ensemble"),
    seed: SeedOpt = 0,
    chains: Annotated[int, typer.Option("--chains", min=2, max=64, help="Independent runs (chains per region, each "
                                        "with its own seed); R-hat compares them.")] = 4,
    thin: Annotated[int | None, typer.Option("--thin", min=1, max=10_000, help="ReCom steps between stored plans "
                                             "(default: twice the region's number of neighbourhoods).")] = None,
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, max=256, help="Local Dask worker processes (a "
                                         "LocalCluster). The result does not depend on it.")] = 2,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Address of an existing Dask scheduler (e.g. "
                                                  "tcp://10.0.0.5:8786) to run on instead of local workers.")] = None,
    compare: Annotated[Path | None, typer.Option("--compare", help="A footprint (anything validate reads) to place on "
                                                 "the ensemble, measure by measure.")] = None,
    n_alternatives: Annotated[int, typer.Option("--alternatives", min=0, max=20, help="Write K genuinely different "
                                                "good plans as footprints, with a side-by-side page.")] = 0,
    target: TargetOpt = 50_000,
    min_pop: MinPopOpt = 40_000,
    max_pop: MaxPopOpt = 60_000,
    place_min: PlaceMinOpt = 250_000,
    place_max: PlaceMaxOpt = 500_000,
    source: Source = None,
    force: ForceOpt = False,
    no_report: Annotated[bool, typer.Option("--no-report", help="Skip report.html.")] = False,
    fmt: Annotated[str, format_option("ensemble")] = "table",
) -> None:
    """Sample many valid plans (per-LA ReCom chains on Dask) and say which lines are firm and how typical a
    footprint is. Exit 0 written, 2 bad input or usage (nothing written), 3 internal error."""
    from ..ensemble.run import run_ensemble
    from ..model import Rules
    from ..output import check_out_dir, emit, write_ensemble
    from ..render import check_format

    check_format("ensemble", fmt)
    if chains > n:
        raise InputError(f"--chains ({chains}) cannot exceed -n ({n}): each run needs plans of its own")
    if compare is not None and not compare.exists():
        raise InputError(f"--compare {compare} not found; give a footprint file validate reads")
    rules = Rules(target=target, min=min_pop, max=max_pop, place_min=place_min, place_max=place_max)
    src = source or {}
    check_out_dir(out, force, inputs=[src.get("boundaries"), src.get("la_boundaries"), compare])  # before the work
    with progress(fmt == "table" and sys.stderr.isatty()) as prog:
        res = run_ensemble(place, n, seed=seed, chains=chains, thin=thin, rules=rules, compare=compare,
                           n_alternatives=n_alternatives, workers=workers, scheduler=scheduler,
                           progress=(lambda done, total: prog("plans", done, total)) if prog else None, **src)
        write_ensemble(res, out, force=force, report=not no_report, command=command_line())
    emit("ensemble", res, fmt, console)
    if fmt == "table":
        console.print(f"wrote {out}/plans.parquet, stability.gpkg, summary.json"
                      + ("" if no_report else ", report.html") + (", alternatives/" if res.alternatives else ""))
