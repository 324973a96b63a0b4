"""The suite tests the nhgeo it is given — an installed package (``pip install .``) or PYTHONPATH — and never
reaches into the clone's ``src/`` itself (issue 27, issue 21 item 7)."""

from __future__ import annotations

import json
import os
import re
from importlib import metadata
from pathlib import Path

import nhgeo

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent


def _editable_source() -> Path | None:
    """The folder an editable install (``pip install -e .``) points at, if nhgeo is installed that way."""
    try:
        text = metadata.distribution("nhgeo").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    info = json.loads(text or "{}")
    if not info.get("dir_info", {}).get("editable"):
        return None
    url = str(info.get("url", ""))
    return Path(url.removeprefix("file://")).resolve() if url.startswith("file://") else None


def test_nhgeo_comes_from_the_path_or_the_installed_package() -> None:
    here = Path(nhgeo.__file__).resolve()
    src = (REPO / "src").resolve()
    if here.is_relative_to(src):  # the clone's own source: only when asked for
        given = [Path(p).resolve() for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        assert src in given or _editable_source() == REPO.resolve(), (
            f"nhgeo was imported from {here} though neither PYTHONPATH nor an editable install names {src}")
    else:  # installed: the embedded data travels inside the package
        assert (here.parent / "boundaries").is_dir() or os.environ.get("NHGEO_DATA")


def test_no_test_puts_src_on_the_path_or_works_in_the_clone() -> None:
    bad = re.compile(r"""PYTHONPATH["']?\s*[:=]|sys\.path\.(insert|append)|/ ["']src["']|chdir\((ROOT|REPO)\b|"""
                     r"""\.__file__\.rsplit|cwd=(ROOT|REPO)\b""")
    own = {Path(__file__).name, "child.py"}  # child.py passes the suite's own PYTHONPATH on, made absolute
    hits = [f"{p.name}:{i}: {line.strip()}" for p in sorted(TESTS.glob("*.py")) if p.name not in own
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if bad.search(line)]
    assert not hits, hits
