"""nhgeo: define and validate England's neighbourhood health geographies.

Typical use from Python::

    import nhgeo
    result = nhgeo.propose("Camden", seed=0)
    result.assignment            # GeoDataFrame: LSOAs with neighbourhood and place
    report = nhgeo.validate("configs/examples/north_central_london.toml")
    report = nhgeo.coverage_report("configs/examples/north_central_london.toml")
    report.coverage.grid         # neighbourhood x component

Layers (data flows one way; each subpackage imports only from those before it):
:mod:`.sources` (embedded data, boundaries, selection, services) -> :mod:`.geo` (adjacency, bridges,
dissolves) -> :mod:`.model` (Rules, Footprint, Study, Assignment) -> :mod:`.footprints` (read, write, fit) ->
:mod:`.check` (measures, the rule registry, validate, coverage, diff) -> :mod:`.design` (partition, places,
propose) -> :mod:`.render` -> :mod:`.output` -> :mod:`.cli`. See docs/architecture.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import _compat
from .check.diff import diff
from .check.rules import REGISTRY, Finding, Severity, Status
from .check.validation import ValidationReport, validate
from .design.propose import propose
from .errors import InputError, NhgeoError
from .geo.graph import build_graph
from .model import Assignment, Footprint, Rules, Study, open_study
from .sources.boundaries import LoadOptions, load_boundaries, load_embedded, load_units
from .sources.data import get_path
from .sources.services import open_services
from .version import __version__

_compat.install()


def __getattr__(name: str) -> Any:
    """Old flat module paths (``nhgeo.partition``) for one release, with a DeprecationWarning."""
    return _compat.attribute(name)


def coverage_report(footprint: str | Path, services: str | Path | None = None, component: str | None = None,
                    catalogue: str | Path | None = None, **validate_kw: Any) -> ValidationReport:
    """Validate ``footprint`` with the core-offer rule; ``report.coverage`` holds the grid."""
    return validate(footprint, services=open_services(services, component, catalogue), **validate_kw)


__all__ = [
    "REGISTRY", "Assignment", "Finding", "Footprint", "InputError", "LoadOptions", "NhgeoError", "Rules", "Severity",
    "Status", "Study", "ValidationReport", "__version__", "build_graph", "coverage_report", "diff", "get_path",
    "load_boundaries", "load_embedded", "load_units", "open_study", "propose", "validate",
]
