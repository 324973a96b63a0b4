"""What a report shows, as plain data (:class:`ReportData`), its palette and attribution, and the
adapters that fill it from a proposal or a validation report."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..profile import profile_assignment, profile_to_dict
from ..sources.columns import Col
from ..sources.data import ATTRIBUTION
from .text import reading_lines

if TYPE_CHECKING:
    from ..check.validation import ValidationReport
    from ..design.propose import ProposeResult
    from ..model import Study

# Paul Tol's "light" scheme: distinguishable with colour-blindness, dark text stays readable on every colour
# Map fills: one colour per family (from Paul Tol's colour-blind-safe "light" scheme, one of each hue family: blue,
# orange, green, yellow; then a neutral grey; light enough for black labels), then the off-white of "no place".
# Touching places get different families (render.display._colour_index, DSatur); a place's neighbourhoods are
# tints of its family. Pink and pale cyan of Tol's scheme are left out: beside orange and blue they read as one.
PALETTE = ("#77AADD", "#EE8866", "#44BB99", "#EEDD88", "#BBBBBB", "#F2F2F2")
FAMILIES = len(PALETTE) - 1
NO_PLACE = len(PALETTE) - 1  # index of the grey for neighbourhoods without a place
STATUS_COLOUR = {"ok": "#77AADD", "warning": "#EEDD88", "failing": "#EE8866"}
SERVICE_COLOUR = ("#004488", "#BB5566", "#117733", "#882255", "#DDAA33", "#332288", "#44AA99", "#999933",
                  "#AA4499", "#000000")
CORE_MARK = {"present": "✔", "nearby": "~", "missing": "✘", "no-data": "?"}
KINDS = ("proposal", "validation", "coverage")


@dataclass
class ReportData:
    """Everything one report shows, as plain data (no nhgeo result types needed).

    ``units``: LSOAs (EPSG:27700) with ``Col.CODE``, ``Col.POP``, ``Col.LA`` (+ names, ``Col.ICB``,
    ``Col.REGION``, ``Col.AGE_0_15``, ``Col.AGE_65_PLUS``, ``Col.IMD`` when known), ``Col.NEIGHBOURHOOD`` and
    optionally ``Col.PLACE``. ``neighbourhoods``: one dict per neighbourhood with at least ``id``; ``name``,
    ``status`` (ok | exception | warning | failing), ``reasons`` are used when given; population, LSOA count,
    age shares and deprivation mix are computed from ``units``. ``places``: dicts with ``id``, ``name``,
    ``status``, ``reasons``; a missing status comes from the unit's findings (error -> failing, warning ->
    warning). ``findings``: dicts (or ``Finding`` dataclasses) with ``rule``, ``severity``, ``unit``,
    ``message``, ``fix``; a finding on an LSOA code shows on its neighbourhood. For a validation the adapter
    is: ``ReportData(title, "validation", units_with_neighbourhood_column, [{"id": i, "name": n}, ...],
    places, report.findings, meta=...)``.
    ``coverage``: the long core-offer grid (``neighbourhood``, ``component``, ``status``, optional ``label``,
    ``required``, ``nearest_from_centre_m``). ``services``: points with a ``component`` column.
    ``meta``: ``version``, ``command``, ``seed``, ``vintages`` (dict), ``attribution``, ``data_date``.
    """

    title: str
    kind: str
    units: gpd.GeoDataFrame
    neighbourhoods: list[dict[str, Any]]
    places: list[dict[str, Any]] = field(default_factory=list)
    findings: list[Any] = field(default_factory=list)
    coverage: pd.DataFrame | None = None
    services: gpd.GeoDataFrame | None = None
    notes: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    tolerance_m: float | None = None  # display simplification; default from the map's extent
    profile: dict[str, Any] | None = None  # nhgeo.profile.profile_to_dict: need cards, table, "colour by need"
    icb_outlines: gpd.GeoDataFrame | None = None  # official ICB outlines drawn on the map (ICB26CD, geometry)


# ---------------------------------------------------------------- adapters


def _vintages(study: Study) -> dict[str, str]:
    from ..sources.services import SERVICE_VINTAGE

    return {**study.vintages, "services": SERVICE_VINTAGE}


def _icb_outlines(study: Study) -> gpd.GeoDataFrame | None:
    """The official April 2026 ICB outlines when the study uses April 2026 ICBs (else None: another vintage)."""
    if study.units.attrs.get("icb_vintage") != 2026:
        return None
    from ..sources.icb import read_icb_outlines

    return read_icb_outlines()


def _data_date(study: Study) -> str:
    """The header's one-line data statement: whose population, which LSOA boundaries."""
    source = study.population_source
    pop = ("Census 2021" if source.startswith("Census 2021") else "GP registered patients (July 2026 lists)"
           if source.startswith("GP registered") else "your own population figures")
    return f"{pop}; LSOA {study.vintage} boundaries"


def proposal_services(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Embedded service points inside ``units``' bounding box, labelled with their core-offer component."""
    from ..sources.services import component_mask, load_catalogue, load_services

    svc = load_services()
    x0, y0, x1, y1 = shapely.total_bounds(np.asarray(units.geometry.values))
    svc = svc[svc.geometry.x.between(x0, x1) & svc.geometry.y.between(y0, y1)].reset_index(drop=True)
    comp = np.full(len(svc), None, dtype=object)
    for c in reversed(load_catalogue()):  # earlier catalogue entries win
        comp[component_mask(svc, c)] = c.name
    svc = svc.assign(component=comp)
    return gpd.GeoDataFrame(svc[svc["component"].notna()].reset_index(drop=True), geometry="geometry", crs=svc.crs)


def report_data_from_proposal(result: ProposeResult, command: str | None = None,
                              services: bool = True) -> ReportData:
    """A proposal report: neighbourhoods coloured by place, exceptions hatched, waivers as findings."""
    from ..version import __version__

    p = result.proposal
    stats = {s.id: s for s in result.score.parts}
    hoods = [{"id": h.id, "name": h.name, "population": h.population, "n_lsoas": len(h.codes),
              "status": "ok" if h.status == "ok" else "exception", "reasons": list(h.reasons),
              "share_65_plus": stats[h.id].share_65_plus if h.id in stats else None,
              "share_under_16": stats[h.id].share_under_16 if h.id in stats else None} for h in p.neighbourhoods]
    places = [{"id": pl.id, "name": pl.name, "icb_code": pl.icb_code, "population": pl.population,
               "status": pl.status, "reasons": list(pl.reasons)} for pl in result.places]
    from ..check.rules import run_rules

    # the proposal's own footprint through the rule registry: accepted exceptions come back as waived warnings
    findings: list[dict[str, Any]] = [
        {"rule": f.rule, "severity": str(f.severity), "unit": f.unit, "message": f.message, "fix": f.fix or ""}
        for r in run_rules(result.study, result.to_assignment()) for f in r.findings]
    study = result.study
    cmd = command or f"nhgeo propose --place {json.dumps(study.place)} --seed {p.seed}"
    units = result.assignment
    return ReportData(
        title=f"Neighbourhood proposal: {study.place}", kind="proposal", units=units, neighbourhoods=hoods,
        places=places, findings=findings, services=proposal_services(units) if services else None,
        notes=list(p.notes), profile=profile_to_dict(result.profile()), icb_outlines=_icb_outlines(study),
        meta={"version": __version__, "command": cmd, "seed": p.seed, "vintages": _vintages(study),
              "attribution": ATTRIBUTION, "data_date": _data_date(study)})


def report_data_from_validation(rep: ValidationReport, command: str | None = None, strict: bool = False
                                ) -> ReportData:
    """A validation (or coverage) report: neighbourhoods coloured by status (ok / warning / failing) from the
    findings, places outlined, the core-offer grid when coverage was run; headed by the run's one verdict."""
    from ..version import __version__

    study, asg = rep.study, rep.assignment
    units = study.units.copy()
    units[Col.NEIGHBOURHOOD] = asg.labels
    units[Col.PLACE] = asg.place_labels
    units = units[asg.labels != ""].reset_index(drop=True)
    pops = asg.populations(study)
    counts = pd.Series(asg.labels).value_counts()
    hoods = [{"id": n.id, "name": n.name, "population": int(pops.get(n.id, 0)), "n_lsoas": int(counts.get(n.id, 0))}
             for n in rep.footprint.neighbourhoods if counts.get(n.id, 0)]
    places = [{"id": p.id, "name": p.name, "icb_code": p.icb or "",
               "population": int(sum(pops.get(n, 0) for n in p.neighbourhoods))} for p in rep.footprint.places]
    findings = [{"rule": f.rule, "severity": str(f.severity), "unit": f.unit, "message": f.message,
                 "fix": f.fix or ""} for f in rep.findings]
    kind = "coverage" if rep.coverage is not None else "validation"
    verb = "coverage" if kind == "coverage" else "validate"
    return ReportData(
        title=f"Footprint {kind}: {rep.footprint.name}", kind=kind, units=units, neighbourhoods=hoods,
        places=places, findings=findings, coverage=rep.coverage.grid if rep.coverage is not None else None,
        notes=[*reading_lines(rep.footprint), *(f"{r.id}: not checked — {r.reason}" for r in rep.results if r.reason)],
        profile=profile_to_dict(profile_assignment(study, asg)), icb_outlines=_icb_outlines(study),
        meta={"version": __version__, "command": command or f"nhgeo {verb} {rep.path}",
              "verdict": rep.verdict(verb, strict).headline,
              "vintages": _vintages(study), "attribution": ATTRIBUTION,
              "data_date": _data_date(study)})
