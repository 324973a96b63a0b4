"""Options that say how to read a footprint (shapes, any table) and which rules to check it against.

Two option groups, each handed to the command as one keyword (like ``source`` in :mod:`.options`):

* ``@footprint_options`` -> ``reading``: ``name_column``, ``group_column``, ``fit_method``, ``code_type``,
  ``sheet``, ``layer``, ``skip_invalid`` (the keyword arguments of :func:`nhgeo.validation.validate` that say
  how to read the footprint file);
* ``@rule_options`` -> ``rules``: ``target``, ``min``, ``max``, ``cross_la``, ``place_min``, ``place_max``,
  ``severity`` (overrides of the footprint's ``[rules]``; unset options are left out).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer

F = TypeVar("F", bound=Callable[..., Any])

NameColOpt = Annotated[str | None, typer.Option(
    "--name-column", help="Shapes (GeoJSON/GeoPackage/Shapefile, any CRS): the column naming each polygon; every "
    "LSOA is best-fitted to one polygon. Tables: the neighbourhood name column.")]
GroupColOpt = Annotated[str | None, typer.Option(
    "--group-column", help="Tables: the column grouping LSOAs into neighbourhoods (e.g. PCN_Name; default "
    "'neighbourhood'). The LSOA column is found by name (LSOA21CD, LSOA11CD, ...) or set with --code-column.")]
FitMethodOpt = Annotated[str, typer.Option(
    "--fit-method", help="Shapes: 'centroid' (default; the polygon holding the LSOA's population-weighted "
    "centroid, as ONS best-fits) or 'area' (the polygon holding most of its area). Both are compared.")]

CodeTypeOpt = Annotated[str | None, typer.Option(
    "--code-type", help="Tables: what the codes are — lsoa, ward (2024 wards, best fit), msoa (2021, exact), "
    "practice or pcn (by where registered patients live). Default: told from the codes.")]
SheetOpt = Annotated[str | None, typer.Option(
    "--sheet", help="Workbooks (.xlsx, .ods): the sheet to read (default: the first with a code column; the one "
    "used is said).")]
LayerOpt = Annotated[str | None, typer.Option(
    "--layer", help="GeoPackages of several layers: the layer to read (default: the one holding the codes or the "
    "--name-column).")]
SkipInvalidOpt = Annotated[bool, typer.Option(
    "--skip-invalid", help="Shapes: leave out features with no geometry (counted) instead of refusing the file.")]

Reading = dict[str, Any] | None  # filled by @footprint_options
RuleOverrides = dict[str, Any] | None  # filled by @rule_options

_READING: list[tuple[str, Any, Any]] = [("name_column", NameColOpt, None), ("group_column", GroupColOpt, None),
                                       ("fit_method", FitMethodOpt, "centroid"), ("code_type", CodeTypeOpt, None),
                                       ("sheet", SheetOpt, None), ("layer", LayerOpt, None),
                                       ("skip_invalid", SkipInvalidOpt, False)]
_RULES: list[tuple[str, Any, Any]] = [
    ("target", Annotated[int | None, typer.Option("--target", help="Target neighbourhood population (overrides "
                                                  "the footprint's \\[rules]).")], None),
    ("min", Annotated[int | None, typer.Option("--min", help="Minimum neighbourhood population (overrides "
                                               "\\[rules]).")], None),
    ("max", Annotated[int | None, typer.Option("--max", help="Maximum neighbourhood population (overrides "
                                               "\\[rules]).")], None),
    ("cross_la", Annotated[bool | None, typer.Option("--cross-la/--no-cross-la", help="Allow neighbourhoods to "
                                                     "cross LA boundaries (overrides \\[rules]).")], None),
    ("place_min", Annotated[int | None, typer.Option("--place-min", help="Minimum place population (overrides "
                                                     "\\[rules]).")], None),
    ("place_max", Annotated[int | None, typer.Option("--place-max", help="Maximum place population (overrides "
                                                     "\\[rules]).")], None),
    ("severity", Annotated[list[str] | None, typer.Option("--severity", help="RULE=LEVEL (error, warning, off); "
                                                          "repeat for several rules. Overrides \\[rules.severity]; "
                                                          "`nhgeo rules` lists the ids.")], None),
]


def _group(keyword: str, options: list[tuple[str, Any, Any]], collect: Callable[[dict[str, Any]], Any]
           ) -> Callable[[F], F]:
    """Add ``options`` to a command's signature and hand them to it together as ``keyword``."""
    def decorate(fn: F) -> F:
        sig = inspect.signature(fn, eval_str=True)
        own = [p for name, p in sig.parameters.items() if name != keyword]
        extra = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=ann)
                 for name, ann, default in options]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            given = {name: kwargs.pop(name) for name, _, _ in options}
            return fn(*args, **{keyword: collect(given)}, **kwargs)

        wrapper.__signature__ = sig.replace(parameters=own + extra)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def _rules(given: dict[str, Any]) -> dict[str, Any]:
    from ..check.validation import parse_severities

    out = {k: v for k, v in given.items() if k != "severity" and v is not None}
    if given.get("severity"):
        out["severity"] = parse_severities(given["severity"])
    return out


footprint_options = _group("reading", _READING, dict)
rule_options = _group("rules", _RULES, _rules)
