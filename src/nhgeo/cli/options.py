"""Options shared by several commands, declared once with the library's parameter names (rio-style)."""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from ..errors import InputError
from ..geo.graph import DEFAULT_MIN_BORDER_M, DEFAULT_SNAP_M

F = TypeVar("F", bound=Callable[..., Any])

def place_value(value: str | None) -> str | None:
    """``--place``: a name or code; an empty one is a usage error (it would otherwise mean all of England)."""
    if value is not None and not value.strip(" ,"):
        raise typer.BadParameter("is empty; give an LA, several LAs (comma-separated), an ICB, a region, or "
                                 "'england' for all of England")
    return value


PlaceOpt = Annotated[str, typer.Option("--place", "-p", callback=place_value, help="An LA, several LAs "
                                       "(comma-separated), an ICB, a region, or 'england'. Names or ONS codes.")]
BoundariesOpt = Annotated[Path | None, typer.Option("--boundaries", help="Your own LSOA boundary file (any format "
                                                    "GDAL reads, or GeoParquet). Default: embedded England LSOA 2021.")]
VintageOpt = Annotated[int | None, typer.Option("--vintage", help="LSOA vintage: 2021 (default) or 2011.")]
IcbVintageOpt = Annotated[int | None, typer.Option("--icb-vintage", help="NHS geography: 2026 (April 2026, 36 ICBs; "
                                                  "default) or 2024 (42 ICBs). A footprint's [footprint] "
                                                  "icb_vintage is used when this is not given.")]
CodeColOpt = Annotated[str | None, typer.Option("--code-column", help="LSOA code column (auto: LSOA21CD, "
                                                "LSOA11CD, ...).")]
PopColOpt = Annotated[str | None, typer.Option("--pop-column", help="Population column (auto; else Census 2021 "
                                               "by code).")]
LaColOpt = Annotated[str | None, typer.Option("--la-column", help="Local authority code column (auto: LAD22CD, "
                                              "...).")]
AreaNameColOpt = Annotated[str | None, typer.Option("--area-name-column", help="Your boundaries: the column of local "
                                                   "area names (MSOA-like) to name neighbourhoods by where the "
                                                   "embedded data has none (e.g. Welsh LSOAs; auto: MSOA21NM, "
                                                   "area_name, ..., else the LSOA name).")]
BoundariesLayerOpt = Annotated[str | None, typer.Option("--boundaries-layer", help="--boundaries of several layers "
                                                       "(GeoPackage): the layer to read (default: the one holding "
                                                       "LSOA codes).")]
LaBoundOpt = Annotated[Path | None, typer.Option("--la-boundaries", help="LA boundary file: each LSOA goes to the LA "
                                                 "holding most of its area.")]
# ---- numeric options: every range is declared here, once, and shown in --help -------------------------
SNAP_RANGE_M = (0.0, 100.0)  # generalised ONS boundaries need ~5 m; beyond 100 m "touching" loses its meaning
SEED_MAX = 2**32 - 1  # numpy's seed range
POP_MAX = 100_000_000  # far above England's 56.5 million: a typo, not a band


def _snap_metres(text: str) -> float:
    """``--snap``: a finite number of metres in :data:`SNAP_RANGE_M` (NaN and infinities named as such)."""
    lo, hi = SNAP_RANGE_M
    try:
        value = float(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a number; give metres from {lo:g} to {hi:g}") from None
    if not math.isfinite(value):
        raise typer.BadParameter(f"{text} is not a finite number; give metres from {lo:g} to {hi:g}")
    if not lo <= value <= hi:
        raise typer.BadParameter(f"{text} is outside {lo:g}-{hi:g} m; the default {DEFAULT_SNAP_M:g} m suits "
                                 "generalised ONS boundaries")
    return value


def population_option(flag: str, what: str) -> Any:
    """A population threshold: a positive whole number of people (``Annotated[int, ...]``)."""
    return typer.Option(flag, min=1, max=POP_MAX, help=f"{what} (people).")


SnapOpt = Annotated[float, typer.Option("--snap", parser=_snap_metres, metavar=f"[{SNAP_RANGE_M[0]:g}<=x<="
                                        f"{SNAP_RANGE_M[1]:g}]", help="Snapping tolerance in metres for tiny gaps "
                                        "between generalised boundaries.")]
MinBorderOpt = Annotated[float, typer.Option("--min-border", min=0.0, max=1000.0, help="Shortest shared border "
                                             "(metres) that makes two LSOAs neighbours: corner and point contacts "
                                             "below it do not count (listed bridges and water crossings do).")]
PopulationOpt = Annotated[str | None, typer.Option("--population", help="Population the band, targets and every "
                                                 "figure use: census (Census 2021 residents, default), registered "
                                                 "(GP patients living in each LSOA: July 2022 distribution scaled to "
                                                 "July 2026 lists) or FILE:COLUMN (a CSV/Parquet of LSOA codes and "
                                                 "your own count).")]
SeedOpt = Annotated[int, typer.Option("--seed", min=0, max=SEED_MAX, help="Random seed: same inputs and seed give "
                                      "identical output.")]
TargetOpt = Annotated[int, population_option("--target", "Target neighbourhood population")]
MinPopOpt = Annotated[int, population_option("--min", "Minimum neighbourhood population")]
MaxPopOpt = Annotated[int, population_option("--max", "Maximum neighbourhood population")]
PlaceMinOpt = Annotated[int, population_option("--place-min", "Minimum place population")]
PlaceMaxOpt = Annotated[int, population_option("--place-max", "Maximum place population")]
FootprintPlaceOpt = Annotated[str | None, typer.Option("--place", "-p", callback=place_value, help="The place the "
                                                   "footprint must cover (default: the footprint's own, else the LAs "
                                                   "it touches).")]
ProfileOpt = Annotated[bool, typer.Option("--profile", help="Table format: also show each neighbourhood's need profile "
                                           "(bad health, disability, unpaid care, QOF prevalence; England deciles, "
                                           "top fifth of need per place). JSON always carries it under 'profile'.")]
ShowAllOpt = Annotated[bool, typer.Option("--all", help="Table format: show every row and finding, not just the "
                                           "first (gaps and errors come first).")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Replace an earlier output: a folder only if it holds "
                                         "nothing but what nhgeo wrote there; a report file you name.")]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Warnings fail too (exit 1).")]
HtmlReportOpt = Annotated[Path | None, typer.Option("--report", help="Also write a self-contained report.html "
                                                   "(map, findings, hierarchy; opens offline in any browser).")]
LsoaTableOpt = Annotated[Path | None, typer.Option("--lsoa-table", help="Also write one row per LSOA (code, LSOA "
                                                  "name, ward, MSOA name, LA, population, neighbourhood, place) "
                                                  "as .csv or .xlsx, for editing in a spreadsheet.")]
ReportOutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="Write the report to a file instead of "
                                                   "stdout.")]


def format_option(kind: str) -> Any:
    """``--format`` offering exactly the formats ``kind`` can be written in (use as ``Annotated[str, ...]``)."""
    from ..render import formats

    return typer.Option("--format", "-f", help=f"Output format: {', '.join(formats(kind))}.")


Source = dict[str, Any] | None  # filled by @source_options, never a command-line option itself
_SOURCE_OPTIONS: list[tuple[str, Any, Any]] = [
    ("boundaries", BoundariesOpt, None), ("boundaries_layer", BoundariesLayerOpt, None),
    ("vintage", VintageOpt, None), ("icb_vintage", IcbVintageOpt, None),
    ("code_column", CodeColOpt, None),
    ("pop_column", PopColOpt, None), ("la_column", LaColOpt, None), ("area_name_column", AreaNameColOpt, None),
    ("la_boundaries", LaBoundOpt, None), ("population", PopulationOpt, None),
    ("snap", SnapOpt, DEFAULT_SNAP_M), ("min_border", MinBorderOpt, DEFAULT_MIN_BORDER_M)]


def check_geo_file(path: Path | None, flag: str) -> None:
    """A boundary file GDAL (or pyarrow, for GeoParquet) can open; else one line saying why (exit 2)."""
    if path is None or not path.exists():
        return  # the loaders say "not found" with the right words
    if path.is_file() and path.stat().st_size == 0:
        raise InputError(f"{flag} {path} is an empty file; give a polygon file (GeoPackage, shapefile, GeoJSON, "
                         "GeoParquet)")
    if path.suffix.lower() in (".parquet", ".geoparquet") and path.is_file():
        return
    import pyogrio

    try:
        info = pyogrio.read_info(path)
    except Exception as exc:  # pyogrio raises several types
        what = "a folder GDAL cannot read" if path.is_dir() else "not a file GDAL can read"
        raise InputError(f"{flag} {path} is {what} ({str(exc).splitlines()[0].split(';')[0]}); give a polygon "
                         "file (GeoPackage, shapefile, GeoJSON, GeoParquet)") from None
    if info.get("geometry_type") is None:
        raise InputError(f"{flag} {path} has no geometry (a plain table); give a polygon file (GeoPackage, "
                         "shapefile, GeoJSON, GeoParquet)")


def check_text_file(path: Path | None, flag: str) -> None:
    """A UTF-8 text file (a TOML such as --catalogue); else one line saying why (exit 2)."""
    if path is None or not path.exists():
        return  # the readers say "not found"
    if path.is_dir():
        raise InputError(f"{flag} {path} is a folder; give a file")
    try:
        path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{flag} {path} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at position "
                         f"{exc.start}); re-save it as UTF-8") from None
    except OSError as exc:
        raise InputError(f"cannot read {flag} {path}: {exc.strerror or exc}") from None


def source_files(source: Source) -> list[Path | None]:
    """The files named by the boundary options (inputs an ``--out`` must not overwrite)."""
    return [(source or {}).get("boundaries"), (source or {}).get("la_boundaries")]


def source_options(fn: F) -> F:
    """Give a command the options that say which units to read; it receives them together as ``source``
    (the keyword arguments of :func:`nhgeo.model.open_study` and :class:`nhgeo.boundaries.LoadOptions`)."""
    sig = inspect.signature(fn, eval_str=True)
    own = [p for name, p in sig.parameters.items() if name != "source"]
    shared = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=ann)
              for name, ann, default in _SOURCE_OPTIONS]

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        source = {name: kwargs.pop(name) for name, _, _ in _SOURCE_OPTIONS}
        check_geo_file(source["boundaries"], "--boundaries")
        check_geo_file(source["la_boundaries"], "--la-boundaries")
        return fn(*args, source=source, **kwargs)

    wrapper.__signature__ = sig.replace(parameters=own + shared)  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def command(*, source: bool = False) -> Callable[[F], F]:
    """Register a command under the exit-code contract and, with ``source``, the shared boundary options."""
    from .app import app, guarded

    def register(fn: F) -> F:
        cmd = guarded(source_options(fn) if source else fn)
        app.command()(cmd)
        return cmd

    return register
