"""Validate a footprint: open the study it covers, align it, run every registered rule, score it.

``validate`` is what ``nhgeo validate`` (and ``diff`` and ``coverage``) call; the rules themselves
live one family per module in :mod:`nhgeo.rules`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Unpack

import geopandas as gpd
import numpy as np
import pandas as pd

from .boundaries import LoadOptions, LoadReport, load_units
from .config import read_footprint
from .coverage import CoverageResult, coverage_of
from .errors import InputError
from .graph import DEFAULT_SNAP_M, subgraph
from .metrics import Scorecard, score_assignment
from .model import Assignment, Col, Footprint, Study, study_of
from .rules import Finding, RuleResult, Severity, Status, run_rules
from .rules.codes import other_vintage_hint
from .services import ServiceSet


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

    def exit_code(self, strict: bool = False) -> int:
        """0 when every rule holds, 1 when one fails (warnings count with ``strict``)."""
        return 1 if self.errors or (strict and self.warnings) else 0

    def by_rule(self) -> dict[str, list[Finding]]:
        """Every checked rule (in registry order) with its findings; an empty list means the rule holds."""
        return {r.id: r.findings for r in self.results if r.status != Status.NOT_CHECKED}


def validate(
    footprint: str | Path | Footprint,
    boundaries: str | Path | None = None,
    *,
    place: str | None = None,
    snap: float = DEFAULT_SNAP_M,
    services: ServiceSet | None = None,
    **options: Unpack[LoadOptions],
) -> ValidationReport:
    """Check every rule for ``footprint`` over the place it covers (``place`` or the footprint's own).

    ``options`` say how to read the units (see :class:`nhgeo.boundaries.LoadOptions`); the vintage
    defaults to the footprint's own. With ``services`` the core-offer rule runs too.
    """
    vintage = options.get("vintage")
    fp = footprint if isinstance(footprint, Footprint) else read_footprint(footprint, vintage=vintage)
    path = str(footprint) if not isinstance(footprint, Footprint) else fp.name
    v = vintage or fp.vintage
    options["vintage"] = v
    all_units, rep = load_units(boundaries, **options)
    known = pd.Index(all_units[Col.CODE].astype(str))
    listed = fp.assignment()
    unknown = sorted(map(str, listed.index.difference(known)))
    if unknown and len(unknown) == len(listed):
        hint = other_vintage_hint(unknown, v) if boundaries is None else ""
        raise InputError(f"none of the footprint's {len(listed)} codes are LSOA {v} codes{hint}")
    study = _footprint_study(fp, all_units, rep, place, listed, snap)
    study.rules, study.services = fp.rules, services
    assignment = Assignment.align(fp, study, known)
    results = run_rules(study, assignment)
    cov = coverage_of(study, assignment) if services is not None else None
    return ValidationReport(fp, path, study, assignment, results, _score(study, assignment), cov)


def _footprint_study(fp: Footprint, all_units: gpd.GeoDataFrame, rep: LoadReport, place: str | None,
                     listed: pd.Series, snap: float) -> Study:
    """The place a footprint must cover: as given, else the footprint's own, else every LA it touches;
    listed units outside it are added so they still count."""
    codes = list(map(str, listed.index))
    where = place or fp.meta.get("place")
    if where:
        try:
            return study_of(all_units, rep, str(where), snap=snap, codes=codes)
        except InputError:
            pass
    las = set(all_units.loc[all_units[Col.CODE].astype(str).isin(listed.index), Col.LA].astype(str))
    return study_of(all_units, rep, sorted(las), snap=snap, codes=codes)


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
