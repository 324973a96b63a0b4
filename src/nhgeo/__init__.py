"""nhgeo: define and validate England's neighbourhood health geographies.

Typical use from Python::

    import nhgeo
    result = nhgeo.propose("Camden", seed=0)
    result.assignment            # GeoDataFrame: LSOAs with neighbourhood and place
    report = nhgeo.validate("configs/examples/north_central_london.toml")
    report, grid = nhgeo.coverage_report("configs/examples/north_central_london.toml")
"""

from __future__ import annotations

__version__ = "0.1.0"

from .boundaries import LoadOptions, load_boundaries, load_embedded, load_units
from .checks import validate
from .coverage import coverage_report
from .data import get_path
from .diff import diff
from .errors import InputError, NhgeoError
from .graph import build_graph
from .model import Rules
from .pipeline import open_study, propose

__all__ = [
    "InputError", "LoadOptions", "NhgeoError", "Rules", "__version__", "build_graph", "coverage_report", "diff",
    "get_path", "load_boundaries", "load_embedded", "load_units", "open_study", "propose", "validate",
]
