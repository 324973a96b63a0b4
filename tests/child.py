"""The environment for nhgeo run in a child process (``python -m nhgeo``, the CI and pre-commit scripts): the
same nhgeo the suite imports. PYTHONPATH is passed on with its entries made absolute (``PYTHONPATH=src pytest``
from a clone reaches a child that runs in another folder); without it the child imports the installed package.
The tests never add ``src`` themselves: the suite also runs against ``pip install .``."""

from __future__ import annotations

import os
from pathlib import Path

_START = Path.cwd()  # where pytest was started: relative PYTHONPATH entries are relative to it


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    given = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    if given:
        env["PYTHONPATH"] = os.pathsep.join(str((_START / p).resolve()) for p in given)
    env.update(extra)
    return env
