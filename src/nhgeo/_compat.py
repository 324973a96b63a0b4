"""Old flat module paths (``nhgeo.graph``, ``nhgeo.partition``, …) kept importable for one release.

The package was laid out by layer after 0.1.0 (``sources/``, ``geo/``, ``footprints/``, ``check/``, ``design/``).
Importing an old path gives the module at its new home and a :class:`DeprecationWarning` naming it; nothing
inside nhgeo uses these names. To be removed in 0.2.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from collections.abc import Sequence
from types import ModuleType

#: old module name (under ``nhgeo.``) -> its new home. ``diff`` is absent on purpose: ``nhgeo.diff`` is the
#: function, and an import of a module under that name would replace it.
MOVED = {
    "columns": "sources.columns", "data": "sources.data", "boundaries": "sources.boundaries",
    "selection": "sources.selection", "services": "sources.services", "geocode": "sources.geocode",
    "graph": "geo.graph", "bridges": "geo.bridges", "dissolve": "geo.dissolve",
    "config": "footprints.files", "fit": "footprints.fit",
    "metrics": "check.metrics", "alignment": "check.alignment", "coverage": "check.coverage",
    "validation": "check.validation", "rules": "check.rules",
    "partition": "design.partition", "refine": "design.refine", "affinity": "design.affinity",
    "neighbourhoods": "design.neighbourhoods", "naming": "design.naming", "places": "design.places",
    "place_search": "design.place_search", "pipeline": "design.propose",
}


def new_home(name: str) -> str | None:
    """``nhgeo.graph`` -> ``nhgeo.geo.graph`` (also ``nhgeo.rules.base`` -> ``nhgeo.check.rules.base``)."""
    parts = name.split(".")
    if len(parts) < 2 or parts[0] != "nhgeo" or parts[1] not in MOVED:
        return None
    return ".".join(["nhgeo", MOVED[parts[1]], *parts[2:]])


def _warn(old: str, new: str) -> None:
    warnings.warn(f"{old} moved to {new}; the old path goes in nhgeo 0.2", DeprecationWarning, stacklevel=3)


class _Alias(importlib.abc.Loader):
    """Loads an old name as the module already living at its new home."""

    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        _warn(spec.name, self.target)
        return importlib.import_module(self.target)

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the module was executed at its new home."""


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None,
                  ) -> importlib.machinery.ModuleSpec | None:
        new = new_home(fullname)
        if new is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _Alias(new), is_package=False)


def attribute(name: str) -> ModuleType:
    """``nhgeo.partition`` as an attribute (``import nhgeo; nhgeo.partition.BalancedPartition``)."""
    new = new_home(f"nhgeo.{name}")
    if new is None:
        raise AttributeError(f"module 'nhgeo' has no attribute {name!r}")
    _warn(f"nhgeo.{name}", new)
    return importlib.import_module(new)


def install() -> None:
    """Put the finder first on ``sys.meta_path`` once."""
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())  # before the path finder, which would load a second copy of a submodule
