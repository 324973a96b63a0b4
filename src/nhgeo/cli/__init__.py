"""The ``nhgeo`` command line: one module per command, shared options in :mod:`.options`, the app and
the exit-code contract in :mod:`.app`. Commands parse, call the library and render — no logic here."""

from __future__ import annotations

from . import coverage, datasets, diff, edit, ensemble, fit, graph, propose, rules, validate
from .app import app

__all__ = ["app", "coverage", "datasets", "diff", "edit", "ensemble", "fit", "graph", "propose", "rules", "validate"]
