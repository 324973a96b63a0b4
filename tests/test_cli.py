"""The command line on tiny real inputs: outputs written atomically, no overwrite without --force."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
import pytest
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
    # --out may not hold an input (replacing it would lose it)
    res = runner.invoke(app, ["propose", "--place", "Camden,Islington", "--out", str(out), "--force", "--no-map",
                              "--lock", str(out / "footprint.toml"), "--seed", "5"])
    assert res.exit_code == 2 and "holds the input" in res.output
    # --lock keeps them, --force replaces
    lock = tmp_path / "lock.toml"
    lock.write_bytes((out / "footprint.toml").read_bytes())
    res = runner.invoke(app, ["propose", "--place", "Camden,Islington", "--out", str(out), "--force", "--no-map",
                              "--lock", str(lock), "--seed", "5"])
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
    bridges = gpd.read_file(out, layer="bridges")
    assert list(bridges.columns) == list(edges.columns) and len(bridges) == int(edges["bridge"].sum())
    for name in ("g.shp", "g"):  # two layers need a GeoPackage: another name is a usage error, nothing written
        bad = runner.invoke(app, ["graph", "--place", "Camden", "--out", str(tmp_path / name)])
        assert bad.exit_code == 2 and "name the file *.gpkg" in bad.output and len(bad.output.splitlines()) == 1
        assert not (tmp_path / name).exists()
    js = runner.invoke(app, ["graph", "--place", "Isles of Scilly,Cornwall", "--format", "json"])
    d = json.loads(js.stdout)
    assert len(d["bridges"]) == 1 and d["components"] == 1 and d["islands"] == [d["bridges"][0]["from"]]


def test_every_command_reads_user_boundaries_the_same_way(tmp_path: Path) -> None:
    """The boundary options are shared: validate, diff and coverage read a user's file with its own
    column names exactly as propose does."""
    from nhgeo.sources.boundaries import load_embedded
    from nhgeo.sources.selection import select_place

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


def test_readme_python_example_runs(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The README's 'From Python' block is run as written (from a folder holding the repository's configs/)."""
    import re

    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text()
    block = re.search(r"### From Python.*?```python\n(.*?)```", readme, re.S)
    assert block is not None
    (tmp_path / "configs").symlink_to(root / "configs", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    scope: dict[str, object] = {}
    exec(compile(block.group(1), "README.md", "exec"), scope)
    assert scope["changes"].newly_broken  # type: ignore[attr-defined]
    assert len(scope["report"].coverage.grid) > 0  # type: ignore[attr-defined]


def test_table_report_to_file(tmp_path: Path) -> None:
    """--out with the table format writes the table as plain text (it used to be ignored)."""
    ncl = Path(__file__).resolve().parents[1] / "configs" / "examples" / "north_central_london.toml"
    out = tmp_path / "coverage.txt"
    res = runner.invoke(app, ["coverage", str(ncl), "--out", str(out)])
    assert res.exit_code == 1, res.output  # mental health (required) is missing somewhere: a coverage failure
    text = out.read_text()
    assert "Core offer: North Central London" in text and "E09000007-N01" in text and "\x1b[" not in text
    again = runner.invoke(app, ["validate", str(ncl), "--out", str(out)])
    assert again.exit_code == 2 and "--force" in again.output


# ---- issue 13: every bad input is exit 2 with one line; nothing is computed or written first -----------------

NCL = Path(__file__).resolve().parents[1] / "configs" / "examples" / "north_central_london.toml"


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Malformed inputs a new user might give."""
    from nhgeo.sources.boundaries import load_embedded
    from nhgeo.sources.selection import select_place

    d = tmp_path_factory.mktemp("bad")
    units = select_place(load_embedded(2021), "City of London")[["code", "population", "geometry"]].copy()
    units["code"] = range(len(units))
    units.to_file(d / "numeric.gpkg")
    (d / "latin1.toml").write_bytes('[footprint]\nname = "Bromley & Sévenoaks"\n'.encode("latin-1"))
    (d / "folder.toml").mkdir()
    (d / "folder.csv").mkdir()
    (d / "empty.csv").write_text("")
    (d / "blank.csv").write_text("LSOA21CD,neighbourhood\nE01000001,a\n ,a\nE01000002,a\n")
    (d / "file.txt").write_text("mine\n")
    (d / "table.csv").write_text("LSOA21CD,population\nE01000001,1500\n")
    return d


CASES = [  # (argument list with {d} for the folder of bad inputs, first words of the one error line)
    (["propose", "--boundaries", "{d}/numeric.gpkg", "--out", "{d}/o"], "code column 'code' in"),
    (["validate", "{d}/latin1.toml"], "is not UTF-8 text"),
    (["validate", "{d}/folder.toml"], "is a folder"),
    (["validate", "{d}/folder.csv"], "is a folder"),
    (["coverage", str(NCL), "--services", "{d}/empty.csv", "--component", "social_care"], "services file"),
    (["coverage", str(NCL), "--services", "{d}/folder.csv", "--component", "social_care"], "is a folder"),
    (["propose", "-p", "Camden", "--la-boundaries", "{d}/empty.csv", "--out", "{d}/o"], "--la-boundaries"),
    (["propose", "-p", "Camden", "--la-boundaries", "{d}/folder.csv", "--out", "{d}/o"], "--la-boundaries"),
    (["propose", "-p", "Camden", "--out", "{d}/file.txt/sub"], "is a file, not a folder"),
    (["propose", "-p", "Camden", "--out", "/proc/nhgeo-out"], "cannot write in"),
    (["propose", "-p", "Camden", "--out", ".", "--force"], "is the current folder"),
    (["propose", "-p", "Camden", "--out", "{d}/o", "--snap", "inf"], "--snap"),
    (["propose", "-p", "Camden", "--out", "{d}/o", "--snap", "nan"], "--snap"),
    (["propose", "-p", "Camden", "--out", "{d}/o", "--snap", "-1"], "--snap"),
    (["propose", "-p", "Camden", "--out", "{d}/o", "--snap", "1e9"], "--snap"),
    (["propose", "-p", "Camden", "--out", "{d}/o", "--seed", "-1"], "--seed"),
    (["propose", "-p", "Camden", "--out", "{d}/o", "--target", "0"], "--target"),
    (["propose", "-p", "Camden", "--out", "{d}/o", "--place-max", "1e99"], "--place-max"),
    (["validate", "{d}/blank.csv"], "row 3 (counting the header as row 1) has no LSOA code"),
    (["validate", str(NCL), "--format", "xml"], "unknown --format 'xml'"),
    (["diff", str(NCL), str(NCL), "--format", "junit"], "unknown --format 'junit'"),
    (["diff", str(NCL), str(NCL), "--format", "github"], "unknown --format 'github'"),
    (["coverage", str(NCL), "--format", "xml"], "unknown --format 'xml'"),
    (["propose", "-p", "Camden", "--out", "{d}/o", "--format", "markdown"], "unknown --format 'markdown'"),
    (["graph", "-p", "Camden", "--format", "junit"], "unknown --format 'junit'"),
    (["propose", "--out", "{d}/o"], "say which area to propose for"),
    (["validate", str(NCL), "--out", str(NCL), "--force"], "is an input of this command"),
    (["validate", str(NCL), "--out", "{d}/file.txt/report.txt"], "is a file, not a folder"),
    (["validate", str(NCL), "--out", "{d}", "--force"], "is a folder; give a file name"),
    (["coverage", str(NCL), "--catalogue", "{d}/folder.toml"], "--catalogue"),
    (["coverage", str(NCL), "--catalogue", "{d}/latin1.toml"], "is not UTF-8 text"),
    (["propose", "--boundaries", "{d}/table.csv", "--out", "{d}/o"], "has no geometry"),
    (["propose", "-p", "Camden", "--out", "{d}/o", "--lock", "{d}/folder.toml"], "is a folder"),
    (["validate", "{d}/empty.csv"], "is empty"),
]


@pytest.mark.parametrize(("args", "says"), CASES, ids=[" ".join(a[:1] + a[-2:]) for a, _ in CASES])
def test_bad_input_is_exit_2_with_one_line(bad_inputs: Path, args: list[str], says: str) -> None:
    before = sorted(p.name for p in bad_inputs.iterdir())
    res = runner.invoke(app, [a.replace("{d}", str(bad_inputs)) for a in args])
    assert res.exit_code == 2, res.output
    assert says in " ".join(res.output.split()) and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1 and res.output.startswith("error: "), res.output
    assert sorted(p.name for p in bad_inputs.iterdir()) == before  # nothing written, not even a temp folder


def test_force_leaves_a_foreign_file_alone(tmp_path: Path) -> None:
    """--force replaces what nhgeo wrote (its manifest), never a file it did not write."""
    out = tmp_path / "col"
    args = ["propose", "-p", "City of London", "--out", str(out), "--no-map"]
    assert runner.invoke(app, args).exit_code == 0
    assert json.loads((out / ".nhgeo-manifest.json").read_text())["files"] == [
        "footprint.toml", "neighbourhoods.gpkg", "report.html", "summary.json"]
    (out / "notes.txt").write_text("my notes\n")
    res = runner.invoke(app, [*args, "--force"])
    assert res.exit_code == 2 and "notes.txt" in res.output
    assert (out / "notes.txt").read_text() == "my notes\n" and (out / "footprint.toml").exists()
    (out / "notes.txt").unlink()
    assert runner.invoke(app, [*args, "--force", "--seed", "3"]).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["col"]  # no temp folder or .old copy beside it
    # a plain folder holding the user's files is not nhgeo's to replace either
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "data.csv").write_text("x\n")
    res = runner.invoke(app, ["propose", "-p", "City of London", "--out", str(mine), "--no-map", "--force"])
    assert res.exit_code == 2 and "data.csv" in res.output and (mine / "data.csv").exists()


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_outputs_follow_the_umask(tmp_path: Path, mask: int) -> None:
    """Every folder and file of an output folder (the GeoPackage too, which SQLite makes 0644 by itself)."""
    import os
    import stat

    old = os.umask(mask)
    try:
        assert runner.invoke(app, ["propose", "-p", "City of London", "-o", str(tmp_path / "a" / "b"),
                                   "--no-map"]).exit_code == 0
    finally:
        os.umask(old)
    out = tmp_path / "a" / "b"
    paths = [tmp_path / "a", out, *out.iterdir()]
    assert {p.name for p in paths} >= {"footprint.toml", "neighbourhoods.gpkg", "summary.json", "report.html"}
    for p in paths:
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode == (0o777 if p.is_dir() else 0o666) & ~mask, (p, oct(mode))


def test_failed_report_leaves_no_folder(tmp_path: Path) -> None:
    """A report that cannot be produced leaves neither the file nor the folders made for it."""
    res = runner.invoke(app, ["validate", str(tmp_path / "missing.toml"), "--out", str(tmp_path / "x" / "y.json")])
    assert res.exit_code == 2 and not (tmp_path / "x").exists()


def test_diff_reports_a_duplicate_not_a_move(tmp_path: Path) -> None:
    import tomli_w

    d = tomllib.loads(NCL.read_text())
    code = d["neighbourhoods"][1]["lsoas"][0]
    d["neighbourhoods"][0]["lsoas"].append(code)  # now listed in the first neighbourhood too
    new = tmp_path / "dup.toml"
    new.write_text(tomli_w.dumps(d))
    res = runner.invoke(app, ["diff", str(NCL), str(new), "--format", "json"])
    out = json.loads(res.stdout)
    assert code not in [m["code"] for m in out["moved"]]
    assert out["duplicated"] == [{"code": code, "neighbourhoods": [d["neighbourhoods"][0]["id"],
                                                                   d["neighbourhoods"][1]["id"]]}]
    table = " ".join(runner.invoke(app, ["diff", str(NCL), str(new)]).output.split())
    assert "listed more than once" in table and "0 LSOA(s) moved, 1 listed twice" in table
    assert res.exit_code == 1  # listing a code twice breaks the unknown-code rule


def test_boundaries_outside_england_end_to_end(tmp_path: Path) -> None:
    """Welsh-style codes with their own LA column: no ICB or region is known; everything still runs, unknown
    levels are shown as such, places follow the user's LAs, and population is labelled as the user's."""
    from nhgeo.sources.boundaries import load_embedded
    from nhgeo.sources.selection import select_place

    u = select_place(load_embedded(2021), "Camden,Islington")[["code", "population", "la_code", "geometry"]].copy()
    u["code"] = [f"W01{i:06d}" for i in range(len(u))]
    u["la_code"] = u["la_code"].map({"E09000007": "W06000015", "E09000019": "W06000014"})
    f = tmp_path / "wales.gpkg"
    u.to_file(f)
    out = tmp_path / "w"
    res = runner.invoke(app, ["propose", "--boundaries", str(f), "--out", str(out), "--no-map"])
    assert res.exit_code == 0, res.output
    assert "unknown region" in res.output.lower() and "Census" not in res.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["population_source"].startswith("your own figures")
    assert summary["hierarchy"][0]["code"] == "UNKNOWN"
    assert {la for p in summary["places"] for la in p["la_codes"]} == {"W06000014", "W06000015"}
    fp = str(out / "footprint.toml")
    for args in (["validate", fp], ["coverage", fp, "--format", "json"], ["diff", fp, fp],
                 ["validate", fp, "--format", "markdown"]):
        res = runner.invoke(app, [*args, "--boundaries", str(f)])
        # its own proposal passes every rule; no service data covers these codes, so coverage has nothing that
        # fails (no-data is never a pass, but not a missing required component either)
        assert res.exit_code == 0, (args, res.output)
    assert "your own figures" in res.output


def test_internal_error_is_exit_3_and_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug gives exit 3 and one line naming it; --debug (or NHGEO_DEBUG=1) adds the traceback."""
    import nhgeo.check.validation

    def boom(*args: object, **kwargs: object) -> None:
        raise KeyError("oops")

    monkeypatch.setattr(nhgeo.check.validation, "validate", boom)
    monkeypatch.delenv("NHGEO_DEBUG", raising=False)
    res = runner.invoke(app, ["validate", str(NCL)])
    assert res.exit_code == 3 and "Traceback" not in res.output
    line = " ".join(res.output.split())
    assert "internal error (a bug in nhgeo" in line and "KeyError" in line and "--debug" in line
    assert "Traceback" in runner.invoke(app, ["--debug", "validate", str(NCL)]).output
    monkeypatch.setenv("NHGEO_DEBUG", "1")
    assert "Traceback" in runner.invoke(app, ["validate", str(NCL)]).output


@pytest.mark.parametrize(("exc", "code"), [(KeyboardInterrupt, 130), (RuntimeError, 3),
                                              (lambda _: OSError(28, "No space left on device"), 2)])
def test_stopped_while_writing_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              exc: Any, code: int) -> None:
    """Ctrl-C or a failure half-way through writing: no output, no temporary folder, no folder made for it,
    and an earlier output (replaced with --force) is left as it was."""
    import nhgeo.render.json as rjson

    monkeypatch.delenv("NHGEO_DEBUG", raising=False)
    args = ["propose", "-p", "City of London", "--no-map"]
    earlier = tmp_path / "earlier"
    assert runner.invoke(app, [*args, "-o", str(earlier)]).exit_code == 0
    before = {p.name: p.read_bytes() for p in earlier.iterdir()}

    def stop(*a: object, **k: object) -> None:
        raise exc("stopped")

    monkeypatch.setattr(rjson, "proposal_to_dict", stop)  # called while summary.json is written
    res = runner.invoke(app, [*args, "-o", str(tmp_path / "new" / "deeper")])
    assert res.exit_code == code and "Traceback" not in res.output
    res = runner.invoke(app, [*args, "-o", str(earlier), "--force", "--seed", "2"])
    assert res.exit_code == code
    assert sorted(p.name for p in tmp_path.iterdir()) == ["earlier"]
    assert {p.name: p.read_bytes() for p in earlier.iterdir()} == before


def test_a_long_usage_error_stays_one_line() -> None:
    """A usage error longer than the terminal is still one line (soft wrap), under the exit-code contract."""
    opt = "--" + "a-very-long-option-name-nobody-has-" * 4
    res = runner.invoke(app, ["validate", opt])
    assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1 and res.output.startswith("error: ")
    assert opt in res.output and len(res.output.strip()) > 120
