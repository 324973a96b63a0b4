"""Golden outputs: the example footprints and a London proposal give byte-identical files.

The digests in ``tests/golden/digests.json`` change only on purpose (say why in the commit message):
regenerate them with ``NHGEO_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nhgeo.cli import app

GOLDEN = Path(__file__).parent / "golden" / "digests.json"
ROOT = Path(__file__).parents[1]
EXAMPLES = Path("configs") / "examples"  # relative: reports quote the path, which must not depend on the clone
runner = CliRunner()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def produced(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Run the commands whose outputs are kept golden; return name -> file."""
    d = tmp_path_factory.mktemp("golden")
    os.chdir(ROOT)
    files: dict[str, Path] = {}
    res = runner.invoke(app, ["propose", "--place", "London", "--out", str(d / "london"), "--no-map", "--seed", "0",
                              "--format", "json"])
    assert res.exit_code == 0, res.output
    for name in ("footprint.toml", "neighbourhoods.gpkg", "summary.json"):
        files[f"propose-london/{name}"] = d / "london" / name
    for ex in ("north_central_london", "broken_north_central_london", "north_east_london"):
        out = d / f"{ex}.json"
        res = runner.invoke(app, ["validate", str(EXAMPLES / f"{ex}.toml"), "--format", "json", "--out", str(out)])
        assert res.exit_code in (0, 1), res.output
        files[f"validate-{ex}.json"] = out
    out = d / "coverage.json"
    res = runner.invoke(app, ["coverage", str(EXAMPLES / "north_central_london.toml"), "--format", "json",
                              "--out", str(out)])
    assert res.exit_code in (0, 1), res.output
    files["coverage-north_central_london.json"] = out
    return files


def test_outputs_match_golden(produced: dict[str, Path]) -> None:
    got = {name: _digest(p) for name, p in sorted(produced.items())}
    if os.environ.get("NHGEO_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(got, indent=2) + "\n")
    want = json.loads(GOLDEN.read_text())
    changed = sorted(k for k in want if got.get(k) != want[k])
    assert not changed, f"outputs differ from tests/golden/digests.json: {changed}"
    assert set(got) == set(want)


def test_two_runs_give_identical_bytes(produced: dict[str, Path], tmp_path: Path) -> None:
    """Same inputs + seed -> byte-identical GeoPackage (no embedded timestamp) and TOML."""
    out = tmp_path / "again"
    res = runner.invoke(app, ["propose", "--place", "London", "--out", str(out), "--no-map", "--seed", "0"])
    assert res.exit_code == 0, res.output
    for name in ("footprint.toml", "neighbourhoods.gpkg", "summary.json"):
        assert _digest(out / name) == _digest(produced[f"propose-london/{name}"]), name
