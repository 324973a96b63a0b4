"""The command line on tiny real inputs: outputs written atomically, no overwrite without --force."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import geopandas as gpd
import pyogrio
from typer.testing import CliRunner

from nhgeo.cli import app

runner = CliRunner()


def test_help_and_version() -> None:
    res = runner.invoke(app, ["--help"])
    assert res.exit_code == 0
    for cmd in ("propose", "validate", "diff", "graph", "coverage"):
        assert cmd in res.output
    assert "0.1.0" in runner.invoke(app, ["--version"]).output


def test_propose_writes_everything_and_validates(tmp_path: Path) -> None:
    out = tmp_path / "camden"
    res = runner.invoke(app, ["propose", "--place", "Camden,Islington", "--out", str(out), "--no-map"])
    assert res.exit_code == 0, res.output
    fp = tomllib.loads((out / "footprint.toml").read_text())
    assert fp["footprint"]["vintage"] == 2021 and len(fp["neighbourhoods"]) == 8
    layers = {name for name, _ in pyogrio.list_layers(out / "neighbourhoods.gpkg")}
    assert layers == {"neighbourhoods", "places", "assignment"}
    hoods = gpd.read_file(out / "neighbourhoods.gpkg", layer="neighbourhoods")
    assert len(hoods) == 8 and hoods.crs.to_epsg() == 27700
    summary = json.loads((out / "summary.json").read_text())
    assert summary["score"]["pct_in_band"] == 100.0
    # refuses to overwrite, leaves the old output intact
    again = runner.invoke(app, ["propose", "--place", "Camden", "--out", str(out)])
    assert again.exit_code == 2 and "--force" in again.output
    assert len(tomllib.loads((out / "footprint.toml").read_text())["neighbourhoods"]) == 8
    assert runner.invoke(app, ["validate", str(out / "footprint.toml")]).exit_code == 0
    # --lock keeps them, --force replaces
    res = runner.invoke(app, ["propose", "--place", "Camden,Islington", "--out", str(out), "--force", "--no-map",
                              "--lock", str(out / "footprint.toml"), "--seed", "5"])
    assert res.exit_code == 0, res.output
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp leftovers


def test_propose_same_seed_identical(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert runner.invoke(app, ["propose", "-p", "Camden", "-o", str(tmp_path / name), "--no-map"]).exit_code == 0
    a = (tmp_path / "a" / "footprint.toml").read_text()
    assert a == (tmp_path / "b" / "footprint.toml").read_text()


def test_impossible_band_is_bad_input(tmp_path: Path) -> None:
    res = runner.invoke(app, ["propose", "-p", "Camden", "-o", str(tmp_path / "x"), "--min", "70000"])
    assert res.exit_code == 2 and "impossible neighbourhood band" in res.output
    assert not (tmp_path / "x").exists()


def test_graph_writes_gpkg(tmp_path: Path) -> None:
    out = tmp_path / "g.gpkg"
    res = runner.invoke(app, ["graph", "--place", "Camden", "--out", str(out)])
    assert res.exit_code == 0
    edges = gpd.read_file(out, layer="edges")
    assert len(edges) == 335 and edges["border_m"].ge(20).all()  # 7 point contacts (< 20 m) are not edges
    js = runner.invoke(app, ["graph", "--place", "Isles of Scilly,Cornwall", "--format", "json"])
    d = json.loads(js.stdout)
    assert len(d["bridges"]) == 1 and d["components"] == 1 and d["islands"] == [d["bridges"][0]["from"]]


def test_every_command_reads_user_boundaries_the_same_way(tmp_path: Path) -> None:
    """The boundary options are shared: validate, diff and coverage read a user's file with its own
    column names exactly as propose does."""
    from nhgeo.boundaries import load_embedded
    from nhgeo.selection import select_place

    units = select_place(load_embedded(2021), "Camden")[["code", "population", "la_code", "geometry"]]
    mine = tmp_path / "mine.gpkg"
    units.rename(columns={"code": "zone", "population": "people", "la_code": "council"}).to_file(mine)
    opts = ["--boundaries", str(mine), "--code-column", "zone", "--pop-column", "people", "--la-column", "council"]
    out = tmp_path / "p"
    res = runner.invoke(app, ["propose", "--place", "Camden", "--out", str(out), "--no-map", *opts])
    assert res.exit_code == 0, res.output
    fp = out / "footprint.toml"
    for args in (["validate", str(fp)], ["diff", str(fp), str(fp)], ["coverage", str(fp), "--format", "json"]):
        res = runner.invoke(app, [*args, *opts])
        assert res.exit_code == 0, (args, res.output)
    # without the column options the same file is bad input, said in one line
    bad = runner.invoke(app, ["validate", str(fp), "--boundaries", str(mine)])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


def test_readme_python_example_runs(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The README's 'From Python' block is run as written (from the repository root)."""
    import re

    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text()
    block = re.search(r"### From Python.*?```python\n(.*?)```", readme, re.S)
    assert block is not None
    monkeypatch.chdir(root)
    scope: dict[str, object] = {}
    exec(compile(block.group(1), "README.md", "exec"), scope)
    assert scope["changes"].newly_broken  # type: ignore[attr-defined]
    assert len(scope["cov"].grid) > 0  # type: ignore[attr-defined]


def test_table_report_to_file(tmp_path: Path) -> None:
    """--out with the table format writes the table as plain text (it used to be ignored)."""
    ncl = Path(__file__).resolve().parents[1] / "configs" / "examples" / "north_central_london.toml"
    out = tmp_path / "coverage.txt"
    res = runner.invoke(app, ["coverage", str(ncl), "--out", str(out)])
    assert res.exit_code == 0, res.output
    text = out.read_text()
    assert "Core offer: North Central London" in text and "E09000007-N01" in text and "\x1b[" not in text
    again = runner.invoke(app, ["validate", str(ncl), "--out", str(out)])
    assert again.exit_code == 2 and "--force" in again.output
