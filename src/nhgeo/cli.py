"""The ``nhgeo`` command line: a thin Typer layer that parses, calls the library and renders."""

from __future__ import annotations

import functools
import inspect
import io
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from . import __version__
from .errors import InputError
from .graph import DEFAULT_SNAP_M

app = typer.Typer(
    name="nhgeo",
    help="Define and check England's neighbourhood health geographies: neighbourhoods of about 50,000 people "
    "built from LSOAs, nested in places of 250,000–500,000 inside ICBs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])

# ---- shared options (defined once, same names as the library parameters) ----
PlaceOpt = Annotated[str, typer.Option("--place", "-p", help="An LA, several LAs (comma-separated), an ICB, a "
                                       "region, or 'england'. Names or ONS codes.")]
BoundariesOpt = Annotated[Path | None, typer.Option("--boundaries", help="Your own LSOA boundary file (any format "
                                                    "GDAL reads, or GeoParquet). Default: embedded England LSOA 2021.")]
VintageOpt = Annotated[int | None, typer.Option("--vintage", help="LSOA vintage: 2021 (default) or 2011.")]
CodeColOpt = Annotated[str | None, typer.Option("--code-column", help="LSOA code column (auto: LSOA21CD, "
                                                "LSOA11CD, ...).")]
PopColOpt = Annotated[str | None, typer.Option("--pop-column", help="Population column (auto; else Census 2021 "
                                               "by code).")]
LaColOpt = Annotated[str | None, typer.Option("--la-column", help="Local authority code column (auto: LAD22CD, "
                                              "...).")]
LaBoundOpt = Annotated[Path | None, typer.Option("--la-boundaries", help="LA boundary file: each LSOA goes to the LA "
                                                 "holding most of its area.")]
SnapOpt = Annotated[float, typer.Option("--snap", help="Snapping tolerance in metres for tiny gaps between "
                                        "generalised boundaries.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed: same inputs and seed give identical output.")]
FootprintPlaceOpt = Annotated[str | None, typer.Option("--place", "-p", help="The place the footprint must cover "
                                                   "(default: the footprint's own, else the LAs it touches).")]
ShowAllOpt = Annotated[bool, typer.Option("--all", help="Table format: show every row and finding, not just the "
                                           "first (gaps and errors come first).")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite existing output.")]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="Output format: table, json, junit, github or "
                                        "markdown.")]


Source = dict[str, Any] | None  # filled by @_source_options, never a command-line option itself
_SOURCE_OPTIONS: list[tuple[str, Any, Any]] = [
    ("boundaries", BoundariesOpt, None), ("vintage", VintageOpt, None), ("code_column", CodeColOpt, None),
    ("pop_column", PopColOpt, None), ("la_column", LaColOpt, None), ("la_boundaries", LaBoundOpt, None),
    ("snap", SnapOpt, DEFAULT_SNAP_M)]


def _source_options(fn: F) -> F:
    """Give a command the options that say which units to read (rio-style shared options).

    They are declared once, above, with the library's parameter names (``boundaries``, ``snap`` and
    :class:`nhgeo.boundaries.LoadOptions`); the command receives them together as ``source``.
    """
    sig = inspect.signature(fn, eval_str=True)
    own = [p for name, p in sig.parameters.items() if name != "source"]
    shared = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=ann)
              for name, ann, default in _SOURCE_OPTIONS]

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        source = {name: kwargs.pop(name) for name, _, _ in _SOURCE_OPTIONS}
        return fn(*args, source=source, **kwargs)

    wrapper.__signature__ = sig.replace(parameters=own + shared)  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def _cli(fn: F) -> F:
    """Turn bad input into one clear line on stderr and exit code 2, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            err.print("interrupted; nothing was written")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def _command(*, source: bool = False) -> Callable[[F], F]:
    """Register a command: one-line errors (exit 2) and, with ``source``, the shared boundary options."""

    def register(fn: F) -> F:
        command = _cli(_source_options(fn) if source else fn)
        app.command()(command)
        return command

    return register


@contextmanager
def _progress(enabled: bool = True) -> Iterator[Callable[[str, int, int], None] | None]:
    """A rich progress bar per stage, on stderr so JSON on stdout stays clean."""
    if not enabled:
        yield None
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=err, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=max(total, 1))
            bar.update(tasks[stage], completed=done, total=max(total, 1))

        yield update


def _version(value: bool) -> None:
    if value:
        console.print(f"nhgeo {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                               help="Show the version and exit.")] = False) -> None:
    """nhgeo: neighbourhood health geographies for England."""


@_command(source=True)
def graph(
    place: PlaceOpt = "england",
    source: Source = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write edges and bridges to this GeoPackage.")] = None,
    force: ForceOpt = False,
    fmt: FormatOpt = "table",
) -> None:
    """Check which LSOAs touch: units, edges, islands and the bridges that join them."""
    from .graph import edges_frame
    from .output import atomic_file
    from .pipeline import open_study
    from .report import graph_summary, render_graph

    study = open_study(place, **(source or {}))
    if out is not None:
        with atomic_file(out, force) as tmp:
            edges = edges_frame(study.units, study.adj)
            edges.to_file(tmp, layer="edges", driver="GPKG")
            edges[edges["bridge"]].to_file(tmp, layer="bridges", driver="GPKG")
    if fmt == "json":
        print(json.dumps(graph_summary(study), indent=2))
    else:
        render_graph(console, study)
        if out is not None:
            console.print(f"wrote {out} (layers: edges, bridges)")


@_command(source=True)
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
    fmt: FormatOpt = "table",
) -> None:
    """Propose contiguous, balanced, LA-aligned neighbourhoods (and places) for a place."""
    from . import pipeline
    from .model import Rules
    from .output import check_writable, write_proposal
    from .report import proposal_to_dict, render_hierarchy, render_proposal

    rules = Rules(target=target, min=min_pop, max=max_pop, cross_la=cross_la, place_min=place_min,
                  place_max=place_max)
    lv = [x.strip() for x in levels.split(",") if x.strip()]
    if not set(lv) <= {"neighbourhood", "place"} or "neighbourhood" not in lv:
        raise InputError(f"--levels must be 'neighbourhood' or 'neighbourhood,place', not {levels!r}")
    check_writable(out, force)  # fail before the work, not after
    with _progress(fmt == "table" and sys.stderr.isatty()) as prog:
        result = pipeline.propose(place, rules=rules, seed=seed, lock=lock, levels=lv, progress=prog,
                                  **(source or {}))
        if prog:
            prog("writing outputs", 0, 1)
        write_proposal(result, out, force=force, maps=not no_map)
    if fmt == "json":
        print(json.dumps(proposal_to_dict(result), indent=2))
        return
    render_proposal(console, result, detail=detail)
    if result.places:
        render_hierarchy(console, result, depth=4 if detail or len(result.places) <= 6 else 3)
    console.print(f"wrote {out}/footprint.toml, neighbourhoods.gpkg, summary.json" + ("" if no_map else
                                                                                       ", map.png"))


@_command()
def datasets() -> None:
    """List the embedded datasets, their vintage and where they are."""
    from rich.table import Table

    from .data import DATASETS, data_dir

    t = Table(title=f"Embedded data in {data_dir()}")
    for c in ("name", "file", "vintage", "what"):
        t.add_column(c)
    for d in DATASETS.values():
        t.add_row(d.name, d.filename, d.vintage, d.description)
    console.print(t)


def _emit_validation(rep: Any, fmt: str, out: Path | None, force: bool,
                     table: Callable[[Console], None] | None = None) -> None:
    """Write a validation report in ``fmt`` to stdout or, atomically, to ``out`` (tables as plain text)."""
    from .output import atomic_file
    from .report import render_validation, validation_github, validation_junit, validation_markdown, validation_to_dict

    draw = table or (lambda c: render_validation(c, rep))

    def as_text(_: Any) -> str:
        rec = Console(record=True, width=120, file=io.StringIO())
        draw(rec)
        return rec.export_text()

    renderers: dict[str, Callable[[Any], str]] = {
        "json": lambda r: json.dumps(validation_to_dict(r), indent=2) + "\n",
        "junit": validation_junit, "github": validation_github, "markdown": validation_markdown, "table": as_text,
    }
    if fmt not in renderers:
        raise InputError(f"unknown --format {fmt!r}; use table, json, junit, github or markdown")
    if fmt == "table" and out is None:
        draw(console)
        return
    text = renderers[fmt](rep)
    if out is None:
        sys.stdout.write(text)
    else:
        with atomic_file(out, force) as tmp:
            tmp.write_text(text, encoding="utf-8")


@_command(source=True)
def validate(
    footprint: Annotated[Path, typer.Argument(help="Footprint: TOML config, or CSV/GeoPackage table "
                                              "(LSOA code -> neighbourhood [-> place]).")],
    fmt: FormatOpt = "table",
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too (exit 1).")] = False,
    place: FootprintPlaceOpt = None,
    services: Annotated[Path | None, typer.Option("--services", help="Your own service points (CSV or geo file) "
                                                  "to add to the core-offer check.")] = None,
    core_offer: Annotated[bool, typer.Option("--core-offer/--no-core-offer", help="Check core-offer coverage with "
                                             "the embedded service data.")] = False,
    source: Source = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the report to a file instead of stdout.")]
    = None,
    force: ForceOpt = False,
    show_all: ShowAllOpt = False,
) -> None:
    """Check an existing footprint against every rule; exit 0 pass, 1 a rule fails, 2 bad input."""
    from .checks import validate as run_validate
    from .report import render_validation

    kw: dict[str, Any] = {"place": place, **(source or {})}
    if core_offer or services is not None:
        from .coverage import coverage_report

        rep, _ = coverage_report(footprint, services, **kw)
    else:
        rep = run_validate(footprint, **kw)
    _emit_validation(rep, fmt, out, force, table=lambda c: render_validation(c, rep, show_all=show_all))
    raise typer.Exit(rep.exit_code(strict))


@_command(source=True)
def diff(
    old: Annotated[Path, typer.Argument(help="The footprint before the change.")],
    new: Annotated[Path, typer.Argument(help="The footprint after the change.")],
    fmt: FormatOpt = "table",
    strict: Annotated[bool, typer.Option("--strict", help="Newly broken warnings fail too.")] = False,
    source: Source = None,
) -> None:
    """Compare two footprints: LSOAs moved, units added/removed, population change, rules broken or fixed."""
    from .diff import diff as run_diff
    from .diff import diff_markdown, diff_to_dict
    from .report import render_diff

    d = run_diff(old, new, **(source or {}))
    if fmt == "json":
        print(json.dumps(diff_to_dict(d), indent=2))
    elif fmt == "markdown":
        sys.stdout.write(diff_markdown(d))
    elif fmt == "table":
        render_diff(console, d, strict)
    else:
        raise InputError(f"unknown --format {fmt!r} for diff; use table, json or markdown")
    raise typer.Exit(d.exit_code(strict))


@_command(source=True)
def coverage(
    footprint: Annotated[Path, typer.Argument(help="Footprint: TOML config, or CSV/GeoPackage table.")],
    services: Annotated[Path | None, typer.Option("--services", help="Your own service points: CSV with "
                                                  "easting/northing or latitude/longitude, or any geo file.")] = None,
    component: Annotated[str | None, typer.Option("--component", help="Core-offer component of --services when "
                                                  "the file has no 'component' column (e.g. social_care).")] = None,
    catalogue: Annotated[Path | None, typer.Option("--catalogue", help="Service catalogue TOML (default: "
                                                   "configs/services_catalogue.toml).")] = None,
    place: FootprintPlaceOpt = None,
    fmt: FormatOpt = "table",
    strict: Annotated[bool, typer.Option("--strict", help="Missing components fail (exit 1).")] = False,
    source: Source = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the report to a file.")] = None,
    force: ForceOpt = False,
    show_all: ShowAllOpt = False,
) -> None:
    """Core offer: which services each neighbourhood has inside (✔), nearby (~), missing (✘) or no data (?)."""
    from .coverage import coverage_report
    from .report import render_coverage

    rep, res = coverage_report(footprint, services, component, catalogue, place=place, **(source or {}))
    _emit_validation(rep, fmt, out, force, table=lambda c: render_coverage(c, rep, res, show_all=show_all))
    failing = [f for f in rep.by_rule().get("core-offer", []) if strict or f.severity == "error"]
    raise typer.Exit(1 if failing else 0)
