"""Footprints drawn as shapes (issue 16 item 1): LSOAs best-fitted to polygons in any CRS, fit quality
first, then the rules; ``nhgeo fit`` writes the fitted footprint.

``tests/data/london_lad22_camden_islington_city_4326.geojson`` is three real London LA polygons (ONS LAD
Dec 2022 BGC) reprojected to EPSG:4326, so every test also proves the CRS handling.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from typer.testing import CliRunner

from nhgeo.check.validation import validate
from nhgeo.cli import app
from nhgeo.footprints.files import read_footprint
from nhgeo.footprints.fit import PWC, fit_footprint, fit_units, is_shapes, read_shapes
from nhgeo.model import Col
from nhgeo.sources.selection import select_place

LAS = Path(__file__).parent / "data" / "london_lad22_camden_islington_city_4326.geojson"
runner = CliRunner()


@pytest.fixture(scope="module")
def cic(england: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Camden, Islington and the City with their neighbours (so edges and outsiders exist)."""
    return select_place(england, "Camden,Islington,City of London,Westminster,Hackney,Haringey,Barnet,Brent")


def test_la_polygons_fit_their_own_lsoas(cic: gpd.GeoDataFrame) -> None:
    """Real LA polygons in EPSG:4326: every LSOA of the three LAs (and no other) lands in its own LA."""
    fp, rep = fit_footprint(LAS, cic, "LAD22NM")
    got = {n.id: set(n.codes) for n in fp.neighbourhoods}
    for la in ("Camden", "Islington", "City of London"):
        want = set(cic.loc[cic[Col.LA_NAME] == la, Col.CODE])
        assert got[la] == want, la
    assert rep.fitted == sum(len(v) for v in got.values()) == 262
    assert not rep.split and not rep.outside and not rep.empty
    assert any("reprojected from EPSG:4326" in n for n in rep.notes)
    assert rep.point == "the polygon holding each LSOA's population-weighted centroid"  # ONS best fit, from the data


def _halves(tmp_path: Path) -> Path:
    """Camden cut in two along an east-west line through its middle (a 'locality' file, EPSG:4326)."""
    las = gpd.read_file(LAS).to_crs(27700)
    camden = las.loc[las["LAD22NM"] == "Camden", "geometry"].iloc[0]
    x0, y0, x1, y1 = camden.bounds
    mid = (y0 + y1) / 2
    north = camden.intersection(shapely.box(x0, mid, x1, y1))
    south = camden.intersection(shapely.box(x0, y0, x1, mid))
    out = gpd.GeoDataFrame({"locality": ["Camden North", "Camden South"]}, geometry=[north, south], crs=27700)
    path = tmp_path / "camden_halves.geojson"
    out.to_crs(4326).to_file(path, driver="GeoJSON")
    return path


def test_split_lsoas_reported_and_methods_compared(cic: gpd.GeoDataFrame, tmp_path: Path) -> None:
    """A line drawn through LSOAs splits them: they are listed with their shares and people; the two
    methods can only disagree on LSOAs that are split or straddle an edge."""
    shapes, _ = read_shapes(_halves(tmp_path), "locality")
    by_c, rep = fit_units(shapes, cic, method="centroid")
    by_a, rep_a = fit_units(shapes, cic, method="area")
    assert rep.split and rep.split_population == sum(s.population for s in rep.split) > 0
    for s in rep.split:
        assert set(s.shares) == {"Camden North", "Camden South"} and s.fitted_to in s.shares
    whole = set(by_c.index) - {s.code for s in rep.split + rep.edge + rep.outside}
    assert {d.code for d in rep.disagree}.isdisjoint(whole)
    differ = {c for c in set(by_c.index) | set(by_a.index) if by_c.get(c) != by_a.get(c)}
    assert differ == {d.code for d in rep.disagree} == {d.code for d in rep_a.disagree}
    camden = set(cic.loc[cic[Col.LA_NAME] == "Camden", Col.CODE])
    assert set(by_c.index) == camden  # each Camden LSOA in exactly one half, nothing else


def test_population_weighted_centroids_used_when_present(cic: gpd.GeoDataFrame, tmp_path: Path) -> None:
    """With population-weighted centroid columns the fit follows them (here: one moved across the line)."""
    shapes, _ = read_shapes(_halves(tmp_path), "locality")
    _, base = fit_units(shapes, cic)
    units = cic.copy()
    pts = shapely.point_on_surface(np.asarray(units.geometry.values))
    units[PWC[0]], units[PWC[1]] = shapely.get_x(pts), shapely.get_y(pts)
    s = base.split[0]
    other = next(k for k in s.shares if k != s.fitted_to)
    inside = shapely.point_on_surface(shapes.loc[shapes["name"] == other, "geometry"].iloc[0]
                                      .intersection(units.loc[units[Col.CODE] == s.code, "geometry"].iloc[0]))
    units.loc[units[Col.CODE] == s.code, [PWC[0], PWC[1]]] = [inside.x, inside.y]
    fitted, rep = fit_units(shapes, units)
    assert rep.point == "the polygon holding each LSOA's population-weighted centroid"
    assert fitted[s.code] == other


def test_validate_shapes_reports_fit_first_then_rules(tmp_path: Path) -> None:
    res = runner.invoke(app, ["validate", str(LAS), "--name-column", "LAD22NM", "--min", "150000", "--max",
                              "250000", "--target", "200000"])
    assert res.exit_code == 1, res.output  # the City (8,584) is below 150,000
    out = res.output
    assert out.index("fit: 262 LSOAs (435,303 people) fitted to 3 polygon(s)") < out.index("population-band")
    assert "City of London (City of London) has 8,584 people, below the minimum 150,000" in out
    assert "min 150,000 (command line)" in out and "cross-la no (default)" in out
    d = json.loads(runner.invoke(app, ["validate", str(LAS), "--name-column", "LAD22NM", "-f", "json"]).stdout)
    assert d["fit"]["fitted"] == 262 and d["fit"]["split"] == [] and d["fit"]["method"] == "centroid"
    bad = runner.invoke(app, ["validate", str(LAS)])
    assert bad.exit_code == 2 and "--name-column" in bad.output and "LAD22NM" in bad.output
    wrong = runner.invoke(app, ["validate", str(LAS), "--name-column", "NAME"])
    assert wrong.exit_code == 2 and "columns are: LAD22NM, LAD22CD" in wrong.output


def test_fit_command_writes_an_editable_footprint(tmp_path: Path) -> None:
    out = tmp_path / "footprint.toml"
    res = runner.invoke(app, ["fit", str(LAS), "--name-column", "LAD22NM", "--out", str(out), "--min", "5000"])
    assert res.exit_code == 0, res.output
    d = tomllib.loads(out.read_text())
    assert [n["id"] for n in d["neighbourhoods"]] == ["Camden", "City of London", "Islington"]
    assert d["rules"]["min"] == 5000 and "fitted_from" in d["footprint"]
    fp = read_footprint(out)
    assert sum(len(n.codes) for n in fp.neighbourhoods) == 262
    again = runner.invoke(app, ["fit", str(LAS), "--name-column", "LAD22NM", "--out", str(out)])
    assert again.exit_code == 2 and "already exists" in again.output
    rep = validate(out)
    assert rep.fit is None and {f.unit for f in rep.errors} == {"Camden", "Islington"}  # > 60,000: band


def test_is_shapes_tells_tables_from_polygons(tmp_path: Path) -> None:
    assert is_shapes(LAS)
    table = tmp_path / "t.csv"
    table.write_text("LSOA21CD,neighbourhood\nE01000001,A\n")
    assert not is_shapes(table)
