"""The commands whose outputs are kept golden, run into a folder: shared by tests/test_golden.py (which compares)
and scripts/update_golden.py (the one way to store new digests, refused in CI)."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from typer.testing import CliRunner

from nhgeo.cli import app

GOLDEN = Path(__file__).parent / "golden" / "digests.json"
REPO = Path(__file__).resolve().parents[1]
EXAMPLES = Path("configs") / "examples"  # relative: reports quote the path, which must not depend on the clone
runner = CliRunner()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def produce(d: Path) -> tuple[dict[str, Path], dict[str, int]]:
    """Run the golden commands with ``d`` as the working folder (the examples copied under ``configs/examples``,
    so the paths the outputs quote are the same in every clone); return name -> file and name -> exit code."""
    (d / EXAMPLES).mkdir(parents=True, exist_ok=True)
    for ex in ("north_central_london", "broken_north_central_london", "north_east_london"):
        shutil.copy(REPO / EXAMPLES / f"{ex}.toml", d / EXAMPLES / f"{ex}.toml")
    files: dict[str, Path] = {}
    codes: dict[str, int] = {}
    here = Path.cwd()
    os.chdir(d)
    try:
        res = runner.invoke(app, ["propose", "--place", "London", "--out", "london", "--no-map", "--seed", "0",
                                  "--format", "json"])
        for name in ("footprint.toml", "neighbourhoods.gpkg", "summary.json"):
            files[f"propose-london/{name}"] = d / "london" / name
            codes[f"propose-london/{name}"] = res.exit_code
        for ex in ("north_central_london", "broken_north_central_london", "north_east_london"):
            res = runner.invoke(app, ["validate", str(EXAMPLES / f"{ex}.toml"), "--format", "json", "--out",
                                      f"{ex}.json"])
            files[f"validate-{ex}.json"] = d / f"{ex}.json"
            codes[f"validate-{ex}.json"] = res.exit_code
        res = runner.invoke(app, ["coverage", str(EXAMPLES / "north_central_london.toml"), "--format", "json",
                                  "--out", "coverage.json"])
        files["coverage-north_central_london.json"] = d / "coverage.json"
        codes["coverage-north_central_london.json"] = res.exit_code
    finally:
        os.chdir(here)
    return files, codes
