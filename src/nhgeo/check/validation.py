"""Validate a footprint: open the study it covers, align it, run every registered rule, score it.

``validate`` is what ``nhgeo validate`` (and ``diff`` and ``coverage``) call; the rules themselves
live one family per module in :mod:`nhgeo.rules`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Unpack

import geopandas as gpd
import numpy as np
import pandas as pd

from ..errors import InputError
from ..footprints.files import TableColumns, read_footprint
from ..footprints.fit import FitReport, fit_footprint, is_shapes
from ..geo.graph import DEFAULT_MIN_BORDER_M, DEFAULT_SNAP_M, subgraph
from ..model import SEVERITIES, Assignment, Col, Footprint, Rules, Study, study_of
from ..sources.boundaries import LoadOptions, LoadReport, load_units
from ..sources.services import ServiceSet
from .coverage import CoverageResult, coverage_of
from .metrics import Scorecard, score_assignment
from .rules import REGISTRY, Finding, RuleResult, Severity, Status, get_rule, run_rules
from .rules.codes import other_vintage_hint


@dataclass(frozen=True)
class Verdict:
    """The one verdict of a run: what the exit code, every format's pass/fail field and headline, and the
    terminal's last line all say. ``command`` names what produced it (``validate``, ``coverage``, ``diff``)."""

    command: str
    passed: bool
    summary: str  # one sentence: why
    subject: str = ""  # what was judged (a footprint path, or "OLD → NEW")

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    @property
    def word(self) -> str:
        return "PASS" if self.passed else "FAIL"

    @property
    def headline(self) -> str:
        """``nhgeo coverage: FAIL — 3 neighbourhood(s) miss a required component`` (every format's last word)."""
        return f"nhgeo {self.command}: {self.word} — {self.summary}"

    def to_dict(self) -> dict[str, Any]:
        return {"command": f"nhgeo {self.command}", "passed": self.passed, "verdict": self.summary,
                "headline": self.headline}


COMMANDS = ("validate", "coverage")


@dataclass
class ValidationReport:
    """Every rule's outcome for a footprint, the figures they came from, and coverage when asked for."""

    footprint: Footprint
    path: str
    study: Study
    assignment: Assignment
    results: list[RuleResult]
    score: Scorecard | None
    coverage: CoverageResult | None = None
    fit: FitReport | None = None  # when the footprint was drawn as shapes: how well the LSOAs fit them
    rule_sources: dict[str, str] = field(default_factory=dict)  # rule setting -> file | command line | default
    ensemble: Any = None  # the footprint placed on an ensemble (nhgeo.ensemble.compare.Comparison), when asked for

    @property
    def conversion(self) -> Any:
        """How a footprint of wards, MSOAs, practices or PCNs became LSOAs (None: it listed LSOAs)."""
        return self.footprint.conversion

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.results for f in r.findings]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.WARNING]

    @property
    def source(self) -> str:
        return self.study.source

    @property
    def vintage(self) -> int:
        return self.study.vintage

    @property
    def units_in_place(self) -> int:
        return len(self.study.units)

    @property
    def rules_checked(self) -> list[str]:
        return [r.id for r in self.results if r.status != Status.NOT_CHECKED]

    def exit_code(self, strict: bool = False, command: str = "validate") -> int:
        """0 when every rule holds, 1 when one fails (warnings count with ``strict``); see :meth:`verdict`."""
        return self.verdict(command, strict).exit_code

    def failing(self, command: str = "validate", strict: bool = False) -> list[Finding]:
        """The findings that make ``command`` fail: for ``validate`` the errors (and warnings with ``strict``);
        for ``coverage`` a required core-offer component missing somewhere (with ``strict``: any core-offer
        finding, "no data" included), whatever the rule's severity in validate."""
        if command == "coverage":
            return [f for f in self.by_rule().get("core-offer", []) if strict or f.data.get("component")]
        if command != "validate":
            raise ValueError(f"unknown command {command!r}; use one of {COMMANDS}")
        return [f for f in self.findings if f.severity == Severity.ERROR or strict]

    def verdict(self, command: str = "validate", strict: bool = False) -> Verdict:
        """The one verdict of ``nhgeo validate`` or ``nhgeo coverage`` on this report (see :class:`Verdict`)."""
        bad = self.failing(command, strict)
        if command == "coverage":
            hoods = sorted({f.unit for f in bad if f.data.get("component")})
            nodata = [f.unit for f in bad if not f.data.get("component")]
            if hoods:
                why = f"{len(hoods)} neighbourhood(s) miss a required core-offer component"
            elif nodata:
                why = f"no data for {', '.join(nodata)} (--strict fails on components with no data)"
            else:
                why = "every neighbourhood has every required core-offer component inside or nearby"
            if hoods and nodata:
                why += f"; no data for {', '.join(nodata)}"
            if self.errors:
                why += f"; the rules (nhgeo validate) find {len(self.errors)} error(s) as well"
            return Verdict(command, not bad, why, self.path)
        why = f"{len(self.errors)} error(s), {len(self.warnings)} warning(s)"
        if strict and self.warnings:
            why += " (--strict: warnings fail)"
        core = [f for f in self.by_rule().get("core-offer", []) if f.data.get("component")]
        if core and not {id(f) for f in core} & {id(f) for f in bad}:
            why += (f"; core-offer: {len({f.unit for f in core})} neighbourhood(s) miss a required component, a "
                    "warning here (nhgeo coverage fails on it)")
        return Verdict(command, not bad, why, self.path)

    def by_rule(self) -> dict[str, list[Finding]]:
        """Every checked rule (in registry order) with its findings; an empty list means the rule holds."""
        return {r.id: r.findings for r in self.results if r.status != Status.NOT_CHECKED}

    @property
    def not_checked(self) -> dict[str, str]:
        """Rule id -> why it was not checked (never reported as holding)."""
        return {r.id: r.reason or "nothing to check" for r in self.results if r.status == Status.NOT_CHECKED}


RULE_SETTINGS = ("target", "min", "max", "cross_la", "place_min", "place_max")


def parse_severities(items: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``["contiguity=warning", ...]`` -> {rule id: level}; unknown rules and levels are bad input."""
    out: dict[str, str] = {}
    for item in items:
        rule_id, sep, level = item.partition("=")
        rule_id, level = rule_id.strip(), level.strip().lower()
        if not sep or not rule_id or not level:
            raise InputError(f"--severity takes RULE=LEVEL (e.g. population-band=warning), not {item!r}")
        get_rule(rule_id)
        if level not in SEVERITIES:
            raise InputError(f"--severity {item}: level must be error, warning or off, not {level!r}")
        out[rule_id] = level
    return out


def apply_overrides(fp: Footprint, overrides: dict[str, Any] | None) -> tuple[Rules, dict[str, str]]:
    """The footprint's rules with command-line ``overrides`` (settings and ``severity``) on top, and where
    each setting came from: ``command line``, ``file`` or ``default``."""
    given, ov = set(fp.rules_given), dict(overrides or {})
    sev = dict(ov.pop("severity", None) or {})
    unknown = set(ov) - set(RULE_SETTINGS)
    if unknown:
        raise InputError(f"unknown rule setting(s): {', '.join(sorted(unknown))}; use {', '.join(RULE_SETTINGS)}")
    for rule_id in sev:
        get_rule(rule_id)
    vals = {k: v for k, v in ov.items() if v is not None}
    rules = replace(fp.rules, **vals, severity={**fp.rules.severity, **sev})  # re-checked in __post_init__
    sources = {k: "command line" if k in vals else "file" if k in given else "default" for k in RULE_SETTINGS}
    for r in REGISTRY:
        key = f"severity.{r.id}"
        sources[key] = "command line" if r.id in sev else "file" if key in given else "default"
    return rules, sources


def validate(
    footprint: str | Path | Footprint,
    boundaries: str | Path | None = None,
    *,
    place: str | None = None,
    snap: float = DEFAULT_SNAP_M,
    min_border: float = DEFAULT_MIN_BORDER_M,
    services: ServiceSet | None = None,
    name_column: str | None = None,
    group_column: str | None = None,
    fit_method: str = "centroid",
    rules: dict[str, Any] | None = None,
    code_type: str | None = None,
    sheet: str | None = None,
    layer: str | None = None,
    skip_invalid: bool = False,
    **options: Unpack[LoadOptions],
) -> ValidationReport:
    """Check every rule for ``footprint`` over the place it covers (``place`` or the footprint's own).

    ``options`` say how to read the units (see :class:`nhgeo.boundaries.LoadOptions`); the vintage
    defaults to the footprint's own. With ``services`` the core-offer rule runs too. A polygon file
    (with ``name_column``) is first best-fitted to LSOAs (:mod:`nhgeo.fit`); a table may name its
    columns (``code_column`` in ``options``, ``group_column``, ``name_column``). ``rules`` overrides the
    footprint's [rules]: any of target, min, max, cross_la, place_min, place_max, and severity {rule: level}.
    A table may list wards, MSOAs, GP practices or PCNs instead of LSOAs (``code_type``, else detected from the
    codes): they are turned into LSOAs first (:mod:`nhgeo.footprints.codes`) and the report says how. A workbook's
    ``sheet`` and a GeoPackage's ``layer`` are found when not given; ``skip_invalid`` leaves out shapes with
    no geometry (counted) instead of refusing the file.
    """
    vintage = options.get("vintage")
    fit: FitReport | None = None
    shapes = not isinstance(footprint, Footprint) and is_shapes(footprint, layer)
    toml = not isinstance(footprint, Footprint) and Path(footprint).suffix.lower() == ".toml"
    given = [f for f, v in (("--group-column", group_column), ("--name-column", name_column)) if v]
    if toml and given:
        raise InputError(f"{given[0]} is for table and shape footprints (CSV, GeoPackage, GeoJSON); {footprint} is a "
                         "TOML footprint, which names its own neighbourhoods and codes: drop the option")
    if not shapes and fit_method != "centroid":
        raise InputError("--fit-method is for footprints drawn as shapes; this footprint lists its LSOAs")
    if isinstance(footprint, Footprint):
        fp = footprint
    elif not shapes:
        cols = TableColumns(code=options.get("code_column"), group=group_column, name=name_column,
                            code_type=code_type, sheet=sheet, layer=layer)
        fp = read_footprint(footprint, vintage=vintage, columns=cols)
    path = str(footprint) if not isinstance(footprint, Footprint) else footprint.name
    v = vintage or (2021 if shapes else fp.vintage)
    options["vintage"] = v
    if options.get("icb_vintage") is None and not shapes and fp.meta.get("icb_vintage") and v == 2021:
        options["icb_vintage"] = int(fp.meta["icb_vintage"])  # the NHS geography the footprint was written for
    all_units, rep = load_units(boundaries, **options)
    conv = None if isinstance(footprint, Footprint) or shapes else fp.conversion
    if conv is not None and boundaries is not None and code_type is None and not isinstance(footprint, Footprint):
        own = set(all_units[Col.CODE].astype(str))
        if sum(c in own for c in conv.given) >= 0.5 * max(len(conv.given), 1):  # the boundaries' own unit codes
            fp = read_footprint(footprint, vintage=vintage, columns=replace(cols, code_type="lsoa"))
    if shapes:
        fp, fit = fit_footprint(str(footprint), all_units, name_column, method=fit_method, vintage=v, layer=layer,
                                skip_invalid=skip_invalid)
    rule_set, sources = apply_overrides(fp, rules)
    fp = replace(fp, rules=rule_set)
    known = pd.Index(all_units[Col.CODE].astype(str))
    listed = fp.assignment()
    unknown = sorted(map(str, listed.index.difference(known)))
    if unknown and len(unknown) == len(listed):
        hint = other_vintage_hint(unknown, v) if boundaries is None else ""
        raise InputError(f"none of the footprint's {len(listed)} codes are LSOA {v} codes{hint}")
    study = _footprint_study(fp, all_units, rep, place, listed, snap, min_border)
    study.rules, study.services = fp.rules, services
    assignment = Assignment.align(fp, study, known)
    results = run_rules(study, assignment)
    cov = coverage_of(study, assignment) if services is not None else None
    return ValidationReport(fp, path, study, assignment, results, _score(study, assignment), cov, fit, sources)


def _footprint_study(fp: Footprint, all_units: gpd.GeoDataFrame, rep: LoadReport, place: str | None,
                     listed: pd.Series, snap: float, min_border: float = DEFAULT_MIN_BORDER_M) -> Study:
    """The place a footprint must cover: as given (an unknown place is bad input, with suggestions), else
    the footprint's own, else every LA it touches; listed units outside it are added so they still count."""
    codes = list(map(str, listed.index))
    if place:
        return study_of(all_units, rep, place, snap=snap, codes=codes, min_border=min_border)
    own = fp.meta.get("place")
    if own:
        try:
            return study_of(all_units, rep, str(own), snap=snap, codes=codes, min_border=min_border)
        except InputError:
            pass  # a place these boundaries do not name: fall back to the LAs the footprint touches
    las = set(all_units.loc[all_units[Col.CODE].astype(str).isin(listed.index), Col.LA].astype(str))
    study = study_of(all_units, rep, sorted(las), snap=snap, codes=codes, min_border=min_border)
    study.place_given = False
    return study


def _score(study: Study, assignment: Assignment) -> Scorecard | None:
    """The shared scorecard over the assigned units (None when nothing is assigned)."""
    labels = assignment.labels
    assigned = labels != ""
    if assigned.all():
        return score_assignment(study.units, study.adj, labels, assignment.rules)
    if assigned.any():
        return score_assignment(study.units[assigned].reset_index(drop=True),
                                subgraph(study.adj, np.flatnonzero(assigned)), labels[assigned], assignment.rules)
    return None
