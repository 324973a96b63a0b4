"""nhgeo: define and validate England's neighbourhood health geographies.

Typical use from Python::

    import nhgeo
    result = nhgeo.propose("Camden", seed=0)
    result.assignment            # GeoDataFrame: LSOAs with neighbourhood and place
    report = nhgeo.validate("configs/examples/north_central_london.toml")
"""

from __future__ import annotations

__version__ = "0.1.0"

from .boundaries import load_boundaries, load_embedded, load_units  # noqa: E402
from .data import get_path  # noqa: E402
from .errors import InputError, NhgeoError  # noqa: E402
from .graph import build_graph  # noqa: E402
from .pipeline import open_study, propose  # noqa: E402
from .rules import Rules  # noqa: E402

__all__ = [
    "InputError", "NhgeoError", "Rules", "__version__", "build_graph", "get_path", "load_boundaries",
    "load_embedded", "load_units", "open_study", "propose",
]
