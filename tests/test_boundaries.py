"""Loading users' own boundaries: detection, reprojection, repair, and one-line errors (exit 2)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from typer.testing import CliRunner

from nhgeo.boundaries import load_boundaries
from nhgeo.cli import app
from nhgeo.errors import InputError
from nhgeo.selection import select_place

runner = CliRunner()


@pytest.fixture()
def camden_file(england: gpd.GeoDataFrame, tmp_path: Path) -> Path:
    sub = select_place(england, "Camden")[["code", "name", "la_code", "geometry"]]
    sub = sub.rename(columns={"code": "LSOA21CD", "name": "LSOA21NM", "la_code": "LAD22CD"})
    path = tmp_path / "camden.gpkg"
    sub.to_file(path, driver="GPKG")
    return path


def test_user_file_autodetects_columns_and_gets_census_population(camden_file: Path,
                                                                   england: gpd.GeoDataFrame) -> None:
    units, rep = load_boundaries(camden_file)
    assert rep.vintage == 2021
    assert len(units) == 130
    ref = select_place(england, "Camden")
    assert int(units["population"].sum()) == int(ref["population"].sum())
    assert set(units["la_code"]) == {"E09000007"}
    assert units.crs.to_epsg() == 27700


def test_reprojects_and_repairs(camden_file: Path, tmp_path: Path) -> None:
    g = gpd.read_file(camden_file).to_crs(4326)
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])  # self-intersecting
    c = g.geometry.iloc[0].centroid
    g.loc[0, "geometry"] = shapely.affinity.translate(shapely.affinity.scale(bowtie, 0.001, 0.001), c.x, c.y)
    path = tmp_path / "wgs84.geojson"
    g.to_file(path, driver="GeoJSON")
    units, rep = load_boundaries(path)
    assert units.crs.to_epsg() == 27700
    assert rep.repaired == 1
    assert any("reprojected" in n for n in rep.notes)
    assert units.geometry.is_valid.all()


def _bad(tmp_path: Path, camden_file: Path, kind: str) -> Path:
    g = gpd.read_file(camden_file)
    path = tmp_path / f"{kind}.gpkg"
    if kind == "duplicate":
        g.loc[1, "LSOA21CD"] = g.loc[0, "LSOA21CD"]
    elif kind == "missing_code":
        g.loc[3, "LSOA21CD"] = None
    elif kind == "negative_pop":
        g["population"] = 1000
        g.loc[2, "population"] = -5
    elif kind == "no_code_column":
        g = g.rename(columns={"LSOA21CD": "foo"})
    elif kind == "empty":
        g = g.iloc[0:0]
    elif kind == "no_crs":
        g = g.set_crs(None, allow_override=True)
        path = tmp_path / "nocrs.geojson"
        g.to_file(path, driver="GeoJSON")
        return path
    elif kind == "unknown_code":
        g.loc[0, "LSOA21CD"] = "E01999999"
    g.to_file(path, driver="GPKG")
    return path


@pytest.mark.parametrize(("kind", "message"), [
    ("duplicate", "duplicate codes"),
    ("missing_code", "have no code"),
    ("negative_pop", "negative population"),
    ("no_code_column", "no LSOA code column"),
    ("empty", "no features"),
    ("unknown_code", "no population for 1 code"),
])
def test_bad_input_one_line_exit_2(kind: str, message: str, camden_file: Path, tmp_path: Path) -> None:
    path = _bad(tmp_path, camden_file, kind)
    with pytest.raises(InputError, match=message):
        load_boundaries(path)
    res = runner.invoke(app, ["graph", "--boundaries", str(path), "--place", "england"])
    assert res.exit_code == 2
    assert message in res.output
    assert "Traceback" not in res.output


def test_missing_file_and_unknown_place() -> None:
    res = runner.invoke(app, ["graph", "--boundaries", "/nonexistent/x.gpkg"])
    assert res.exit_code == 2 and "not found" in res.output
    res = runner.invoke(app, ["graph", "--place", "Camdn"])
    assert res.exit_code == 2 and "did you mean 'camden'" in res.output


def test_place_resolution(england: gpd.GeoDataFrame) -> None:
    assert len(select_place(england, "E09000007")) == 130
    assert len(select_place(england, "camden, islington")) == 130 + 126
    ncl = select_place(england, "North Central London")
    assert set(ncl["la_name"]) == {"Barnet", "Camden", "Enfield", "Haringey", "Islington"}
    assert select_place(england, "London")["region_name"].eq("London").all()
