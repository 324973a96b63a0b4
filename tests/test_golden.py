"""Golden outputs: the example footprints and a London proposal give byte-identical files.

The digests in ``tests/golden/digests.json`` change only on purpose: ``python scripts/update_golden.py`` stores
new ones (it refuses to run with CI set); say why in the commit message. This test only compares — and checks
what the outputs mean (counts, statuses, populations re-derived from the embedded LSOA table), so a digest
change that alters the meaning fails here whatever the digests say.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

import geopandas as gpd
import pytest
from typer.testing import CliRunner

from nhgeo.cli import app
from nhgeo.sources.columns import Col

from .child import child_env
from .golden_outputs import GOLDEN, digest, produce

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


@pytest.fixture(scope="module")
def produced(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Run the commands whose outputs are kept golden; return name -> file."""
    files, codes = produce(tmp_path_factory.mktemp("golden"))
    # the README's promise: a proposal and the passing examples exit 0; the broken example fails its rules and
    # NCL's coverage misses required components (mental health, public health) somewhere: exit 1
    assert codes == {**{f"propose-london/{n}": 0 for n in ("footprint.toml", "neighbourhoods.gpkg", "summary.json")},
                     "validate-north_central_london.json": 0, "validate-broken_north_central_london.json": 1,
                     "validate-north_east_london.json": 0, "coverage-north_central_london.json": 1}
    return files


def test_outputs_match_golden(produced: dict[str, Path]) -> None:
    got = {name: digest(p) for name, p in sorted(produced.items())}
    want = json.loads(GOLDEN.read_text())
    changed = sorted(k for k in want if got.get(k) != want[k])
    assert not changed, (f"outputs differ from tests/golden/digests.json: {changed}; if intended, run "
                         "python scripts/update_golden.py and say why in the commit")
    assert set(got) == set(want)


def test_golden_outputs_mean_what_they_should(produced: dict[str, Path], london: gpd.GeoDataFrame) -> None:
    """What the golden files say, checked against the embedded data rather than against themselves."""
    s = json.loads(produced["propose-london/summary.json"].read_text())
    hoods = s["neighbourhoods"]
    pop = dict(zip(london["code"], london["population"], strict=True))
    fp = tomllib.loads(produced["propose-london/footprint.toml"].read_text())
    listed = [c for h in fp["neighbourhoods"] for c in h["lsoas"]]
    assert sorted(listed) == sorted(london["code"])  # every London LSOA exactly once
    assert len(hoods) == len(fp["neighbourhoods"]) == 175
    by_id = {h["id"]: h for h in fp["neighbourhoods"]}
    for h in hoods:  # each population is the sum of its LSOAs' Census 2021 residents
        assert h["population"] == int(sum(pop[c] for c in by_id[h["id"]]["lsoas"])), h["id"]
        assert h["lsoas"] == len(by_id[h["id"]]["lsoas"])
        assert 40_000 <= h["population"] <= 60_000, h["id"]
    assert sum(h["population"] for h in hoods) == int(london["population"].sum())
    # one exception: the neighbourhood that takes in the City of London (8,584 people, below the minimum)
    assert Counter(h["status"] for h in hoods) == {"ok": 174, "exception": 1}
    (exc,) = (h for h in hoods if h["status"] == "exception")
    assert exc["la_codes"] == ["E09000001", "E09000030"]
    places = s["places"]
    assert sum(p["population"] for p in places) == sum(h["population"] for h in hoods)
    for p in places:
        assert p["population"] == sum(h["population"] for h in hoods if h["id"] in p["neighbourhoods"])
    # --places la (the default): one place per London borough; the City of London (8,584 people) has no
    # neighbourhood of its own, so 33 LAs give 32 places, and a place is in band exactly when its LA is
    assert len(places) == 32 and all(len(p["la_codes"]) == 1 for p in places)
    assert sorted(p["la_codes"][0] for p in places) == sorted(set(london[Col.LA]) - {"E09000001"})
    assert all((p["status"] == "ok") == (250_000 <= p["population"] <= 500_000) for p in places)
    assert Counter(p["status"] for p in places) == {"ok": 21, "exception": 11}
    gpkg = gpd.read_file(produced["propose-london/neighbourhoods.gpkg"], layer="neighbourhoods")
    assert len(gpkg) == 175 and dict(zip(gpkg["neighbourhood"], gpkg["population"], strict=True)) == {
        h["id"]: h["population"] for h in hoods}

    ncl = json.loads(produced["validate-north_central_london.json"].read_text())
    assert (ncl["neighbourhoods"], ncl["places"], ncl["passed"], ncl["errors"], ncl["warnings"]) == (28, 4, True, 0, 0)
    broken = json.loads(produced["validate-broken_north_central_london.json"].read_text())
    # the file says cross_la = false, so its one LSOA outside its LA is an error (issue 25), not a warning
    assert (broken["passed"], broken["errors"], broken["warnings"]) == (False, 11, 2)
    assert Counter(f["rule"] for f in broken["findings"] if f["severity"] == "error") == {
        "contiguity": 4, "coverage": 2, "population-band": 2, "unknown-code": 1, "place-contiguity": 1,
        "la-alignment": 1}
    cov = json.loads(produced["coverage-north_central_london.json"].read_text())["extras"]["coverage"]
    assert cov["neighbourhoods_missing"] == {"mental_health": 3, "public_health": 8}
    grid = cov["grid"]
    assert len({g["neighbourhood"] for g in grid}) == 28
    missing = Counter(g["component"] for g in grid if g["status"] == "missing" and g["required"])
    assert dict(missing) == {"mental_health": 3, "public_health": 8}


def test_two_runs_give_identical_bytes(produced: dict[str, Path], tmp_path: Path) -> None:
    """Same inputs + seed -> byte-identical GeoPackage (no embedded timestamp) and TOML."""
    out = tmp_path / "again"
    res = runner.invoke(app, ["propose", "--place", "London", "--out", str(out), "--no-map", "--seed", "0"])
    assert res.exit_code == 0, res.output
    for name in ("footprint.toml", "neighbourhoods.gpkg", "summary.json"):
        assert digest(out / name) == digest(produced[f"propose-london/{name}"]), name


def test_update_script_refuses_in_ci() -> None:
    p = subprocess.run([sys.executable, str(ROOT / "scripts" / "update_golden.py")], env=child_env(CI="true"),
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "refusing" in p.stderr and p.stderr.count("\n") == 1
