"""nhgeo: define and validate England's neighbourhood health geographies.

Typical use from Python::

    import nhgeo
    result = nhgeo.propose("Camden", seed=0)
    result.assignment            # GeoDataFrame: LSOAs with neighbourhood and place
    report = nhgeo.validate("configs/examples/north_central_london.toml")
    report = nhgeo.coverage_report("configs/examples/north_central_london.toml")
    report.coverage.grid         # neighbourhood x component

Layers (data flows one way): load (:mod:`.boundaries`, :mod:`.selection`, :mod:`.config`,
:mod:`.services`) -> model (:mod:`.model`, :mod:`.graph`) -> partition/places -> rules
(:mod:`.rules`, :mod:`.validation`, :mod:`.coverage`) -> render/output (:mod:`.render`, :mod:`.output`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .boundaries import LoadOptions, load_boundaries, load_embedded, load_units
from .data import get_path
from .diff import diff
from .errors import InputError, NhgeoError
from .graph import build_graph
from .model import Assignment, Footprint, Rules, Study, open_study
from .pipeline import propose
from .rules import REGISTRY, Finding, Severity, Status
from .services import open_services
from .validation import ValidationReport, validate
from .version import __version__


def coverage_report(footprint: str | Path, services: str | Path | None = None, component: str | None = None,
                    catalogue: str | Path | None = None, **validate_kw: Any) -> ValidationReport:
    """Validate ``footprint`` with the core-offer rule; ``report.coverage`` holds the grid."""
    return validate(footprint, services=open_services(services, component, catalogue), **validate_kw)


__all__ = [
    "REGISTRY", "Assignment", "Finding", "Footprint", "InputError", "LoadOptions", "NhgeoError", "Rules", "Severity",
    "Status", "Study", "ValidationReport", "__version__", "build_graph", "coverage_report", "diff", "get_path",
    "load_boundaries", "load_embedded", "load_units", "open_study", "propose", "validate",
]
