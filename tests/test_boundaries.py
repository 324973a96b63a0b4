"""Loading users' own boundaries: detection, reprojection, repair, and one-line errors (exit 2)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from nhgeo.cli import app
from nhgeo.errors import InputError
from nhgeo.geo.graph import build_graph
from nhgeo.model import Col
from nhgeo.sources.boundaries import load_boundaries, load_units
from nhgeo.sources.data import get_path
from nhgeo.sources.selection import select_place

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
    elif kind == "no_crs":  # a shapefile without its .prj (GeoJSON would be read as EPSG:4326 by definition)
        path = tmp_path / "nocrs.shp"
        g.to_file(path, driver="ESRI Shapefile")
        path.with_suffix(".prj").unlink()
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
    ("no_crs", "has no CRS"),
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
    assert res.exit_code == 2 and "did you mean 'Camden' (local authority)" in res.output


def test_place_resolution(england: gpd.GeoDataFrame) -> None:
    assert len(select_place(england, "E09000007")) == 130
    assert len(select_place(england, "camden, islington")) == 130 + 126
    ncl = select_place(england, "North Central London")
    assert set(ncl["la_name"]) == {"Barnet", "Camden", "Enfield", "Haringey", "Islington"}
    assert select_place(england, "London")["region_name"].eq("London").all()


def test_user_file_gets_the_chosen_icb_vintage_and_new_columns(camden_file: Path) -> None:
    units, _ = load_units(camden_file)
    assert set(units[Col.ICB_NAME]) == {"NHS West and North London Integrated Care Board"}  # 2026 default
    assert units.attrs["vintages"]["icb"] == 2026 and units.attrs["vintages"]["imd"] == 2025
    old, _ = load_units(camden_file, icb_vintage=2024)
    assert set(old[Col.ICB_NAME]) == {"NHS North Central London Integrated Care Board"}
    assert units[Col.WARD].notna().all() and units[Col.IMD].notna().all() and units[Col.HWB].eq("E09000007").all()


def test_unknown_codes_load_as_unknown_not_invented(camden_file: Path, tmp_path: Path) -> None:
    """Welsh LSOA codes (real W01 codes, with their Census population) and their own LA column."""
    g = gpd.read_file(camden_file)
    pop = pd.read_parquet(get_path("population"))
    welsh = pop.loc[pop["LSOA21CD"].str.startswith("W01"), "LSOA21CD"].head(len(g)).to_numpy()
    g["LSOA21CD"] = welsh
    g["LSOA21NM"] = welsh
    g["LAD22CD"] = "W06000015"
    path = tmp_path / "wales.gpkg"
    g.to_file(path, driver="GPKG")
    units, rep = load_boundaries(path)
    assert units[Col.ICB].eq("UNKNOWN").all() and units[Col.REGION].eq("UNKNOWN").all()
    assert units[Col.LA].eq("W06000015").all()
    assert units[Col.WARD].isna().all() and units[Col.IMD].isna().all()  # not invented
    assert any("not in the embedded" in n for n in rep.notes)
    assert int(units[Col.POP].sum()) == int(pop.set_index("LSOA21CD").loc[welsh, "usual_residents"].sum())
    assert len(select_place(units, "W06000015")) == len(g)
    assert build_graph(units).n_components == 1


def test_lsoa2011_set_has_ages_and_local_names() -> None:
    """--vintage 2011 outputs carry local MSOA names and an age mix (Census 2021 by code, estimated where the
    LSOA changed), never empty columns."""
    import nhgeo

    res = nhgeo.propose("Camden", vintage=2011, seed=0)
    assert all(p.share_65_plus is not None and 0.05 < p.share_65_plus < 0.3 for p in res.score.parts)
    assert not any(h.name.split(": ")[-1].startswith("Camden 0") for h in res.proposal.neighbourhoods)
    assert res.study.units[["age_0_15", "age_65_plus"]].notna().all().all()
