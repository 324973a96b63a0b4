"""Core-offer coverage on real London data, checked against the published LSOA of each service."""

from __future__ import annotations

import tomllib
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import nhgeo
from nhgeo.check.coverage import CoverageResult
from nhgeo.cli import app
from nhgeo.sources.services import load_catalogue, load_services

EXAMPLES = Path(__file__).resolve().parents[1] / "configs" / "examples"
NCL = EXAMPLES / "north_central_london.toml"
runner = CliRunner()


def coverage_report(*args: object, **kw: object) -> tuple[nhgeo.ValidationReport, CoverageResult]:
    """The report and its coverage grid (a typed field of the report)."""
    rep = nhgeo.coverage_report(*args, **kw)  # type: ignore[arg-type]
    assert rep.coverage is not None
    return rep, rep.coverage


@pytest.fixture(scope="module")
def ncl() -> tuple[object, CoverageResult]:
    return coverage_report(NCL)


def _assignment() -> dict[str, str]:
    d = tomllib.loads(NCL.read_text())
    return {c: h["id"] for h in d["neighbourhoods"] for c in h["lsoas"]}


def test_practice_lies_in_the_neighbourhood_of_its_published_lsoa(ncl: tuple[object, CoverageResult]) -> None:
    """For practices whose published (ONS postcode lookup) LSOA code is unchanged in 2021, the
    neighbourhood found by point-in-polygon is the one that holds that LSOA."""
    _, res = ncl
    assign = _assignment()
    gp = res.located[res.located["dataset"] == "gp_practices"]
    known = gp[gp["lsoa11cd"].isin(assign)]  # published LSOA is an unchanged code inside NCL
    assert len(known) > 150
    expected = known["lsoa11cd"].map(assign)
    agree = (expected == known["neighbourhood"]).mean()
    assert agree > 0.97  # the rest sit on an LSOA edge (postcode points vs generalised boundaries)
    one = known[known["service_id"] == known["service_id"].iloc[0]].iloc[0]
    assert one["neighbourhood"] == assign[one["lsoa11cd"]]
    grid_gp = res.gp.set_index("neighbourhood")
    ratio = grid_gp["registered_patients"].sum() / grid_gp["residents"].sum()
    assert 0.9 < ratio < 1.5  # list inflation in inner London


def test_no_data_components_are_never_a_pass(ncl: tuple[object, CoverageResult]) -> None:
    rep, res = ncl
    social = res.grid[res.grid["component"] == "social_care"]
    assert (social["status"] == "no-data").all()
    msgs = [f for f in rep.findings if f.rule == "core-offer" and f.unit == "social_care"]  # type: ignore[attr-defined]
    assert msgs and "no data" in msgs[0].message


def test_missing_means_none_inside_or_within_distance(ncl: tuple[object, CoverageResult]) -> None:
    _, res = ncl
    g = res.grid
    assert ((g["status"] == "missing") == ((g["inside"] == 0) & (g["within_distance"] == 0)
                                           & (g["status"] != "no-data"))).all()
    assert (g.loc[g["status"] == "present", "inside"] > 0).all()
    # every NCL neighbourhood has a GP practice and a pharmacy within 1 km (inner London)
    for comp in ("general_practice", "community_pharmacy"):
        assert (g.loc[g["component"] == comp, "status"].isin(["present", "nearby"])).all()


def test_tight_distance_makes_pharmacy_missing(tmp_path: Path) -> None:
    """With the pharmacy distance set to 0 m, 'nearby' is impossible: every neighbourhood without a
    pharmacy inside must be missing and every one with one present."""
    import tomli_w

    d = tomllib.loads(NCL.read_text())
    d["rules"]["core_offer"] = {"distance_m": {"community_pharmacy": 0}}
    path = tmp_path / "tight.toml"
    path.write_text(tomli_w.dumps(d))
    _rep, res = coverage_report(path)
    g = res.grid[res.grid["component"] == "community_pharmacy"]
    assert ((g["inside"] > 0) == (g["status"] == "present")).all()
    assert (g["within_distance"] == g["inside"]).all()  # 0 m: nothing outside counts


def test_rural_neighbourhood_without_pharmacy_is_missing(tmp_path: Path) -> None:
    """Hand-checked: LSOA E01027503 (Northumberland 019C, Bellingham, Otterburn & Redesdale, 1,579
    people) has no community pharmacy inside or within 1 km of its boundary; the closest is 3.6 km
    from the boundary. As a neighbourhood of its own it is 'missing', never 'nearby'."""
    from nhgeo.sources.boundaries import load_embedded
    from nhgeo.sources.selection import select_place

    codes = select_place(load_embedded(2021), "Northumberland")["code"].astype(str).tolist()
    table = tmp_path / "fp.csv"
    table.write_text("LSOA21CD,neighbourhood\n" + "".join(
        f"{c},{'REDESDALE' if c == 'E01027503' else 'REST'}\n" for c in codes))
    _, res = coverage_report(table)
    row = res.grid.set_index(["neighbourhood", "component"]).loc[("REDESDALE", "community_pharmacy")]
    assert row["inside"] == 0 and row["within_distance"] == 0 and row["status"] == "missing"
    assert row["nearest_from_centre_m"] >= 3_600  # a point inside is at least as far as the boundary is
    rest = res.grid.set_index(["neighbourhood", "component"]).loc[("REST", "community_pharmacy")]
    assert rest["status"] == "present" and rest["inside"] > 20


def test_named_practice_in_its_neighbourhood(ncl: tuple[object, CoverageResult]) -> None:
    """Hand-checked: the James Wigg Practice (F83023, Kentish Town Health Centre, NW5) has its published
    LSOA E01000866 (Camden 009A, MSOA Kentish Town East), which the NCL example puts in E09000007-N03
    'Camden: Kentish Town East & Camden Road South'; point-in-polygon agrees, and its list counts there."""
    _, res = ncl
    wigg = res.located[res.located["service_id"] == "F83023"].iloc[0]
    assert wigg["name"] == "JAMES WIGG PRACTICE" and wigg["lsoa11cd"] == "E01000866"
    assert wigg["neighbourhood"] == _assignment()["E01000866"] == "E09000007-N03"
    gp = res.gp.set_index("neighbourhood").loc["E09000007-N03"]
    assert gp["registered_patients"] >= 23_054 and gp["practices"] >= 1


def test_user_services_fill_no_data(tmp_path: Path) -> None:
    csv = tmp_path / "social.csv"
    csv.write_text("name,easting,northing\nCamden adult social care,529500,184100\n")
    _rep, res = coverage_report(NCL, services=csv, component="social_care")
    social = res.grid[res.grid["component"] == "social_care"]
    assert (social["status"] != "no-data").all()
    assert social["status"].eq("present").sum() == 1


def test_catalogue_and_services_load() -> None:
    comps = {c.name: c for c in load_catalogue()}
    assert {"general_practice", "community_pharmacy", "community_health", "mental_health", "public_health",
            "social_care", "voluntary_community"} <= set(comps)
    svc = load_services()
    assert svc.crs.to_epsg() == 27700 and (svc["dataset"] == "gp_practices").sum() == 6_208


def test_cli_coverage_formats() -> None:
    res = runner.invoke(app, ["coverage", str(NCL), "--format", "json"])
    assert res.exit_code == 1, res.output  # a required component is missing somewhere
    import json

    d = json.loads(res.stdout)
    assert d["extras"]["coverage"]["pcns_split"] >= 1
    table = runner.invoke(app, ["coverage", str(NCL)])
    assert "✔" in table.output and "no data" in table.output


def test_within_distance_matches_brute_force(ncl: tuple[object, CoverageResult]) -> None:
    """'Within distance' counts, checked the slow obvious way: distance to each neighbourhood's union."""
    import numpy as np
    import shapely

    from nhgeo.sources.boundaries import load_embedded

    _, res = ncl
    assign = _assignment()
    units = load_embedded(2021)
    units = units[units["code"].isin(assign)]
    hoods = units.assign(h=units["code"].map(assign)).dissolve("h")
    gp = res.located[res.located["dataset"] == "gp_practices"]
    pts = shapely.points(gp["easting"].to_numpy(), gp["northing"].to_numpy())
    grid = res.grid[res.grid["component"] == "general_practice"].set_index("neighbourhood")
    for h, geom in zip(hoods.index[:12], hoods.geometry[:12], strict=True):
        d = shapely.distance(geom, pts)
        assert grid.loc[h, "within_distance"] == int((d <= 1000).sum()), h
        # strictly inside always counts; a point exactly on a shared edge counts on one side only
        assert int(shapely.within(pts, geom).sum()) <= grid.loc[h, "inside"] <= int((d == 0).sum()), h
        assert grid.loc[h, "nearest_from_centre_m"] >= 0
    assert np.all(grid["within_distance"] >= grid["inside"])


def test_lsoa2011_footprint_coverage(tmp_path: Path) -> None:
    """An LSOA 2011 footprint is covered by point-in-polygon on the 2011 shapes; practices land in
    the neighbourhood holding their published LSOA 2011 code."""
    from nhgeo.footprints.files import dumps_toml

    res = nhgeo.propose(["Camden", "Islington"], vintage=2011, seed=0)
    path = tmp_path / "ci11.toml"
    path.write_text(dumps_toml(res.footprint()))
    rep, cov = coverage_report(path)
    assert rep.vintage == 2011
    d = tomllib.loads(path.read_text())
    assign = {c: h["id"] for h in d["neighbourhoods"] for c in h["lsoas"]}
    gp = cov.located[(cov.located["dataset"] == "gp_practices") & cov.located["lsoa11cd"].isin(assign)]
    assert len(gp) > 40
    assert (gp["lsoa11cd"].map(assign) == gp["neighbourhood"]).mean() > 0.95
    assert set(cov.grid["neighbourhood"]) == set(assign.values())


def test_user_boundaries_give_the_same_coverage(tmp_path: Path, ncl: tuple[object, CoverageResult]) -> None:
    """The same shapes supplied as a user's GeoPackage give the same grid as the embedded set."""
    from nhgeo.sources.boundaries import load_embedded

    assign = _assignment()
    units = load_embedded(2021)
    units = units[units["code"].isin(assign)][["code", "population", "la_code", "geometry"]]
    gpkg = tmp_path / "mine.gpkg"
    units.rename(columns={"code": "LSOA21CD"}).to_file(gpkg)
    table = tmp_path / "fp.csv"
    table.write_text("LSOA21CD,neighbourhood\n" + "".join(f"{c},{h}\n" for c, h in assign.items()))
    _, mine = coverage_report(table, boundaries=gpkg)
    _, ref = ncl
    cols = ["neighbourhood", "component", "inside", "within_distance", "status"]
    a = mine.grid[cols].sort_values(cols[:2]).reset_index(drop=True)
    b = ref.grid[cols].sort_values(cols[:2]).reset_index(drop=True)
    assert a.equals(b)


def test_table_lists_gaps_first_and_all_on_request() -> None:
    """The table puts neighbourhoods missing a required component first; --all shows every row."""
    from rich.console import Console

    from nhgeo.render.table import render_coverage

    rep, res = coverage_report(NCL)
    console = Console(width=200, record=True)  # wide enough for the id column (names come first when narrow)
    render_coverage(console, rep, max_rows=5)
    text = console.export_text()
    hoods = sorted(set(res.grid["neighbourhood"]))
    missing = set(res.grid.loc[res.grid["status"] == "missing", "neighbourhood"])
    shown = [h for h in hoods if h in text]
    assert len(shown) == 5 and set(shown) <= missing
    assert f"{len(hoods) - 5:,} more neighbourhood(s) not shown" in text
    full = runner.invoke(app, ["coverage", str(NCL), "--all"])
    assert all(h in full.output for h in hoods)


def test_markdown_holds_every_neighbourhood_and_place(ncl: tuple[object, CoverageResult]) -> None:
    """--format markdown carries the whole grid (the table view may cut it short), counts per component,
    and says which components have no data."""
    from nhgeo.render.markdown import validation_markdown

    rep, res = ncl
    md = validation_markdown(rep)  # type: ignore[arg-type]
    section = md[md.index("#### Core offer"):]
    for h in set(res.grid["neighbourhood"]):
        assert f"| {h} |" in section
    for p in set(res.places["place"]):
        assert f"| {p} |" in section
    missing_mh = int(((res.grid["component"] == "mental_health") & (res.grid["status"] == "missing")).sum())
    assert "| Mental health | yes | 5,000 |" in section and f"| {missing_mh} | 0 |" in section
    assert "no data here for: Social care, Voluntary & community sector" in section


def test_place_matrix_counts_missing_neighbourhoods(ncl: tuple[object, CoverageResult]) -> None:
    """Each place cell counts exactly the neighbourhoods of that place missing the component."""
    from nhgeo.check.coverage import place_matrix
    from nhgeo.footprints.files import read_footprint

    _, res = ncl
    pm = place_matrix(res.places)
    g = res.grid.assign(place=res.grid["neighbourhood"].map(read_footprint(NCL).place_of()))
    assert len(pm) == g["place"].nunique() == 4
    for (pid, comp), grp in g.groupby(["place", "component"]):
        n = int((grp["status"] == "missing").sum())
        cell = pm.loc[pid, comp]
        assert cell.endswith(f" {n}✘") if n else "✘" not in cell, (pid, comp, cell)


def test_user_services_latlon_geofile_and_typos(tmp_path: Path) -> None:
    """Latitude/longitude CSVs and geo files both work; a misspelt component is bad input (exit 2)."""
    import geopandas as gpd
    import shapely

    from nhgeo.sources.boundaries import load_embedded

    assign = _assignment()
    units = load_embedded(2021)
    camden = units[units["code"] == "E01000907"].iloc[0]  # an LSOA in Camden, inside NCL
    pt = shapely.point_on_surface(camden.geometry)
    lonlat = gpd.GeoSeries([pt], crs=27700).to_crs(4326).iloc[0]
    csv = tmp_path / "vcs.csv"
    csv.write_text(f"name,latitude,longitude,component\nhub,{lonlat.y:.7f},{lonlat.x:.7f},voluntary_community\n")
    _, res = coverage_report(NCL, services=csv)
    vcs = res.grid[res.grid["component"] == "voluntary_community"].set_index("neighbourhood")["status"]
    assert vcs[assign["E01000907"]] == "present" and (vcs != "no-data").all()
    geo = tmp_path / "care.geojson"
    gpd.GeoDataFrame({"component": ["social_care"]}, geometry=[pt], crs=27700).to_crs(4326).to_file(geo)
    _, res2 = coverage_report(NCL, services=geo)
    sc = res2.grid[res2.grid["component"] == "social_care"].set_index("neighbourhood")["status"]
    assert sc[assign["E01000907"]] == "present"
    csv.write_text(f"name,latitude,longitude,component\nhub,{lonlat.y},{lonlat.x},socialcare\n")
    bad = runner.invoke(app, ["coverage", str(NCL), "--services", str(csv)])
    assert bad.exit_code == 2 and "did you mean 'social_care'" in bad.output
    nocoords = tmp_path / "x.csv"
    nocoords.write_text("name,component\nhub,social_care\n")
    bad2 = runner.invoke(app, ["coverage", str(NCL), "--services", str(nocoords)])
    assert bad2.exit_code == 2 and "easting/northing, latitude/longitude or a postcode" in bad2.output


def test_far_services_are_missing_not_no_data(tmp_path: Path) -> None:
    """The Isles of Scilly have no hospice within the 20 km search margin: that is 'missing' with the
    true distance to the nearest (Cornwall, ~69 km), never 'no data'."""
    from nhgeo.footprints.files import dumps_toml

    path = tmp_path / "scilly.toml"
    path.write_text(dumps_toml(nhgeo.propose("Isles of Scilly", seed=0, levels=["neighbourhood"]).footprint()))
    _, res = coverage_report(path)
    g = res.grid.set_index("component")
    assert g.loc["hospice", "status"] == "missing" and 60_000 < g.loc["hospice", "nearest_from_centre_m"] < 80_000
    assert g.loc["general_practice", "status"] == "present"
    assert g.loc["social_care", "status"] == "no-data"


def test_pcn_summary_counts_from_the_practices(ncl: tuple[object, CoverageResult]) -> None:
    """Split PCNs recounted straight from the located practices."""
    from nhgeo.check.coverage import pcn_summary

    _, res = ncl
    gp = res.located[(res.located["dataset"] == "gp_practices") & (res.located["neighbourhood"] != "")]
    spans = gp.dropna(subset=["pcn_code"]).groupby("pcn_code")["neighbourhood"].nunique()
    s = pcn_summary(res)
    assert s["pcns"] == gp["pcn_code"].nunique() and s["pcns_split"] == int((spans > 1).sum()) > 0
    assert 0 <= s["pcns_split_under_80pct"] <= s["pcns_split"]


@pytest.mark.parametrize(("edit", "message"), [
    (lambda s: s.replace('setting_groups = ["public_health"]', 'setting_groups = ["publichealth"]'),
     "did you mean 'public_health'"),
    (lambda s: s.replace("distance_m = 1000", 'distance_m = "far"', 1), "component 'general_practice'"),
    (lambda s: s.replace("distance_m = 1000", "distance_m = -5", 1), "must be a number >= 0"),
    (lambda s: "[footprint]\n", "no [components.*] tables"),
])
def test_bad_catalogue_is_bad_input(tmp_path: Path, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    cat = tmp_path / "catalogue.toml"
    cat.write_text(edit((Path(__file__).resolve().parents[1] / "configs" / "services_catalogue.toml").read_text()))
    res = runner.invoke(app, ["coverage", str(NCL), "--catalogue", str(cat)])
    assert res.exit_code == 2 and message in res.output, res.output
    assert "Traceback" not in res.output


@settings(max_examples=25, deadline=None)
@given(n=st.integers(20, 80), seed=st.integers(0, 10_000), n_pts=st.integers(1, 40),
       distance=st.sampled_from([0.0, 150.0, 700.0, 2_500.0]))
def test_property_counts_match_brute_force(n: int, seed: int, n_pts: int, distance: float) -> None:
    """On random planar maps with random neighbourhood labels and random service points, 'inside',
    'within distance' and 'nearest' agree with the obvious computation on each neighbourhood's union."""
    import geopandas as gpd
    import numpy as np
    import shapely

    from nhgeo.check.coverage import coverage
    from nhgeo.sources.services import Component

    from .synthetic import voronoi

    rng = np.random.default_rng(seed)
    units = voronoi(n, seed, rng.integers(1_000, 3_000, n))
    labels = np.array([f"H{x}" for x in rng.integers(0, 4, len(units))], dtype=object)
    labels[rng.random(len(units)) < 0.1] = ""  # some units in no neighbourhood
    xy = rng.uniform(-1_000, 11_000, size=(n_pts, 2))
    svc = gpd.GeoDataFrame({"dataset": "x", "service_id": [f"s{i}" for i in range(n_pts)], "name": "s",
                            "setting_group": "g", "component": None, "list_size": np.nan, "pcn_code": None,
                            "pcn_name": None}, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=27700)
    comp = Component("c", "C", datasets=("x",), distance_m=distance)
    res = coverage(units, labels, [comp], svc)
    pts = np.asarray(svc.geometry.values)
    for h in sorted(set(labels) - {""}):
        cells = np.asarray(units.geometry.values)[labels == h]
        d = np.min([shapely.distance(c, pts) for c in cells], axis=0)  # distance to the neighbourhood
        strictly_in = np.any([shapely.within(pts, c) for c in cells], axis=0)
        row = res.grid[res.grid["neighbourhood"] == h].iloc[0]
        # a point exactly on a shared edge is inside one side only
        assert int(strictly_in.sum()) <= row["inside"] <= int((d == 0).sum())
        assert row["within_distance"] == int((d <= distance).sum())
        assert row["status"] == ("present" if row["inside"] else "nearby" if row["within_distance"] else "missing")


def test_missing_findings_name_the_nearest_service(ncl: tuple[object, CoverageResult]) -> None:
    """Each 'missing' finding names the nearest service and its distance, and says how to fix it."""
    rep, res = ncl
    g = res.grid.set_index(["neighbourhood", "component"])
    missing = [f for f in rep.findings if f.rule == "core-offer" and f.data.get("component")]  # type: ignore[attr-defined]
    assert missing
    for f in missing:
        row = g.loc[(f.unit, f.data["component"])]
        assert row["status"] == "missing" and isinstance(row["nearest_name"], str)
        assert row["nearest_name"] in f.message and f"{int(row['nearest_from_centre_m']):,} m" in f.message
        assert f.fix and f.fix.startswith(f"plan access to {row['nearest_name']}")


def test_mental_health_by_operator_before_name() -> None:
    """Hospital sites run by mental-health trusts count by operator; the name pattern is the last resort."""
    from nhgeo.sources.services import component_mask, match_method

    svc = load_services()
    mh = {c.name: c for c in load_catalogue()}["mental_health"]
    counted, method = component_mask(svc, mh), match_method(svc, mh)
    assert set(method[counted]) == {"operator", "name"}
    by_op = svc[counted & (method == "operator")]
    assert (by_op["dataset"] == "hospitals").all() and len(by_op) > 100
    dent = {c.name: c for c in load_catalogue()}["dentistry"]
    assert not dent.required and component_mask(svc, dent).sum() == (svc["dataset"] == "dental_practices").sum()


TRAFFORD = Path(__file__).parent / "data" / "trafford_care_homes_cqc_2026-02.csv"  # 12 real rows (OGL v3)


def test_trafford_cqc_list_needs_no_flags(tmp_path: Path) -> None:
    """The staged Trafford care-home list (CQC ids, lat/lon) is social care without --component."""
    from nhgeo.sources.services import load_services

    svc = load_services(TRAFFORD)
    user = svc[svc["dataset"].str.startswith("user:")]
    assert len(user) == 12 and set(user["component"]) == {"social_care"}
    assert any("CQC list" in n for n in svc.attrs["notes"])


def test_cqc_download_layout_with_postcodes_only(tmp_path: Path) -> None:
    """CQC's active-locations layout (Location Name, Location Postal Code, Care home?) and no coordinates:
    placed by the offline postcode table; a postcode that does not exist is listed, not silently dropped."""
    import numpy as np

    from nhgeo.sources.services import load_services

    real = pd.read_csv(TRAFFORD)
    cqc = pd.DataFrame({"Location ID": real["cqc_id"], "Location Name": real["name"],
                        "Care home?": "Y", "Location Postal Code": real["postcode"].str.lower()})
    cqc.loc[len(cqc)] = ["1-0", "Nowhere House", "Y", "ZZ99 9ZZ"]
    path = tmp_path / "cqc.csv"
    cqc.to_csv(path, index=False)
    svc = load_services(path)
    user = svc[svc["dataset"] == "user:cqc.csv"]
    assert len(user) == 12 and set(user["component"]) == {"social_care"}
    assert list(user["name"]) == list(real["name"])
    placed = gpd.GeoSeries(gpd.points_from_xy(real["lon"], real["lat"]), crs=4326).to_crs(27700)
    gap = np.hypot(placed.x.to_numpy() - user["easting"].to_numpy(), placed.y.to_numpy() - user["northing"].to_numpy())
    assert gap.max() < 200  # postcode centroids sit beside the homes' own coordinates
    notes = " ".join(svc.attrs["notes"])
    assert "12 of 13 service(s) placed by postcode" in notes and "ZZ99 9ZZ" in notes


def test_service_names_in_proper_case_and_components_say_what_counts() -> None:
    """Issue 25: "St Martin'S Hospital"; "public health" turned out to be drug and alcohol services, not said."""
    from nhgeo.sources.services import load_catalogue, proper_case

    assert proper_case("ST MARTIN'S HOSPITAL") == "St Martin's Hospital"
    assert proper_case("THE NHS WALK-IN CENTRE") == "The NHS Walk-in Centre"
    assert proper_case("O'BRIEN HOUSE") == "O'Brien House"
    assert proper_case("Boots the Chemist") == "Boots the Chemist"  # mixed case is left alone
    cat = {c.name: c for c in load_catalogue()}
    assert all(c.counts for c in cat.values())
    assert "drug and alcohol" in cat["public_health"].counts and "no health visiting" in cat["public_health"].counts


def test_no_service_counts_across_the_thames_estuary(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 25: straight lines made Southend nearest for Sheppey and Thurrock nearby for Gravesend. Over land
    (with the short river crossings of London), neither counts; in a straight line both did."""
    from nhgeo.check import coverage as cv

    res = nhgeo.propose("Swale,Gravesham", seed=0, levels=("neighbourhood",))
    units, labels = res.study.units, res.proposal.labels.to_numpy()
    essex = ("Southend", "Thurrock", "Basildon", "Canvey", "Tilbury", "Grays")
    land = cv.coverage(units, labels)
    assert not land.grid["nearest_name"].fillna("").str.contains("|".join(essex)).any()
    located = land.located
    essex_ids = set(located[located["name"].astype(str).str.upper().str.contains("THURROCK|SOUTHEND")]["service_id"])
    assert essex_ids  # the Essex services are in the search area ...
    monkeypatch.setattr(cv, "_over_land", lambda *a: None)
    straight = cv.coverage(units, labels)  # ... and a straight line picks them
    assert straight.grid["nearest_name"].fillna("").str.contains("|".join(essex)).any()
    assert (straight.grid["within_distance"] >= land.grid["within_distance"]).all()
    assert any("straight lines" in n for n in straight.notes) and not any("straight lines" in n for n in land.notes)


def test_gp_capacity_recounted_from_the_located_practices(ncl: tuple[object, CoverageResult]) -> None:
    """The GP table's practices and registered patients per neighbourhood are the located practices' count and
    list-size sum, re-derived here; residents are the LSOA populations of the footprint."""
    from nhgeo.sources.boundaries import load_embedded

    _, res = ncl
    gp = res.located[(res.located["dataset"] == "gp_practices") & (res.located["neighbourhood"] != "")]
    tab = res.gp.set_index("neighbourhood")
    counted = gp.groupby("neighbourhood").size()
    assert (tab["practices"] == counted.reindex(tab.index).fillna(0).astype(int)).all()
    assert tab["practices"].sum() == len(gp) > 150
    lists = pd.to_numeric(gp["list_size"], errors="coerce").fillna(0).groupby(gp["neighbourhood"]).sum()
    assert (tab["registered_patients"] == lists.reindex(tab.index).fillna(0).astype(int)).all()
    units = load_embedded(2021).set_index("code")["population"]
    residents = pd.Series(_assignment()).groupby(lambda c: _assignment()[c]).apply(
        lambda s: units.reindex(s.index).sum())
    assert (tab["residents"] - residents.reindex(tab.index).round()).abs().max() <= 1


def test_service_notes_reach_the_coverage_result(tmp_path: Path) -> None:
    """How the user's points were read (here: one outside England left out) is said in the coverage result, not
    lost between reading and counting."""
    csv = tmp_path / "svc.csv"
    csv.write_text("name,latitude,longitude,component\nEdinburgh office,55.9533,-3.1883,voluntary_community\n"
                   "Camden hub,51.5390,-0.1426,voluntary_community\n")
    _, res = coverage_report(NCL, services=csv)
    assert any("outside England" in n and "Edinburgh office" in n for n in res.notes), res.notes


def test_unreadable_list_sizes_are_unknown_not_a_crash(tmp_path: Path) -> None:
    """A practice list with 'n/a' for a list size (as exports have) is read: that practice counts, its list is
    unknown (0 registered), and the other practice's list is summed."""
    from nhgeo.check.coverage import coverage
    from nhgeo.sources.boundaries import load_embedded

    units = load_embedded(2021)
    assign = _assignment()
    camden = units[units["code"].isin(assign)].reset_index(drop=True)
    labels = camden["code"].map(assign).to_numpy()
    pts = [camden.geometry.iloc[i].point_on_surface() for i in (0, 1)]
    svc = load_services()
    svc = svc[svc["dataset"] != "gp_practices"]
    mine = gpd.GeoDataFrame({"dataset": "gp_practices", "name": ["A", "B"], "service_id": ["X1", "X2"],
                             "list_size": ["n/a", "5000"]}, geometry=pts, crs=27700)
    res = coverage(camden, labels, services=pd.concat([svc, mine], ignore_index=True))
    tab = res.gp.set_index("neighbourhood")
    assert tab["practices"].sum() == 2
    assert tab["registered_patients"].sum() == 5000
