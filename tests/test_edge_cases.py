"""Odd but plausible inputs found in review: each must give the right answer or one clear line, never a crash."""

from __future__ import annotations

import re
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import tomli_w
from typer.testing import CliRunner

import nhgeo
from nhgeo.cli import app

ROOT = Path(__file__).resolve().parents[1]
EX = ROOT / "configs" / "examples"
runner = CliRunner()


def test_services_with_some_coordinates_missing_use_the_postcode(tmp_path: Path) -> None:
    from nhgeo.sources.services import load_services

    csv = tmp_path / "svc.csv"
    csv.write_text("name,easting,northing,postcode\nA,,,NW1 2DB\nB,529000,183000,\n")
    user = load_services(csv, "social_care")
    user = user[user["dataset"] == "user:svc.csv"]
    assert len(user) == 2 and user["easting"].notna().all()


def test_blank_component_rows_are_named_or_filled(tmp_path: Path) -> None:
    from nhgeo.errors import InputError
    from nhgeo.sources.services import load_services

    csv = tmp_path / "svc.csv"
    csv.write_text("name,postcode,component\nA,NW1 2DB,social_care\nB,N1 9GU,\n")
    try:
        load_services(csv)
    except InputError as exc:
        assert "row(s) 3" in str(exc)
    else:
        raise AssertionError("a blank component must not count silently")
    svc = load_services(csv, "voluntary_community")
    assert set(svc.loc[svc["dataset"] == "user:svc.csv", "component"]) == {"social_care", "voluntary_community"}


def test_diff_fails_when_a_waiver_is_removed(tmp_path: Path) -> None:
    d = tomllib.loads((EX / "north_east_london.toml").read_text())
    assert d.get("waivers")
    d.pop("waivers")
    new = tmp_path / "nel.toml"
    new.write_text(tomli_w.dumps(d))
    res = runner.invoke(app, ["diff", str(EX / "north_east_london.toml"), str(new)])
    assert res.exit_code == 1 and "breaks a rule" in res.output


def test_report_html_survives_script_like_names(tmp_path: Path) -> None:
    d = tomllib.loads((EX / "north_central_london.toml").read_text())
    d["neighbourhoods"][0]["name"] = "Evil <!--<script> \"quoted\" </script>"
    fp = tmp_path / "evil.toml"
    fp.write_text(tomli_w.dumps(d))
    report = tmp_path / "r.html"
    assert runner.invoke(app, ["validate", str(fp), "--report", str(report), "-f", "json"]).exit_code in (0, 1)
    html = report.read_text(encoding="utf-8")
    assert len(re.findall(r"<script\b", html)) == 3 and "<!--<script" not in html


def test_junit_with_a_quote_in_the_name_is_well_formed(tmp_path: Path) -> None:
    d = tomllib.loads((EX / "broken_north_central_london.toml").read_text())
    d["footprint"]["name"] = 'NCL "draft" <v2> & more'
    fp = tmp_path / "q.toml"
    fp.write_text(tomli_w.dumps(d))
    out = runner.invoke(app, ["validate", str(fp), "-f", "junit"]).stdout
    suite = ET.fromstring(out)
    case = suite.find("testcase")  # after <properties> (population_source), as the JUnit schema orders them
    assert case is not None and case.get("classname") == 'nhgeo.NCL "draft" <v2> & more'


def test_coverage_fails_when_a_required_component_is_missing() -> None:
    res = runner.invoke(app, ["coverage", str(EX / "north_central_london.toml"), "-f", "json"])
    assert res.exit_code == 1  # mental health (required) is missing in some neighbourhoods


def test_outputs_never_overwrite_inputs_or_each_other(tmp_path: Path) -> None:
    same = tmp_path / "same.txt"
    res = runner.invoke(app, ["validate", str(EX / "north_central_london.toml"), "--out", str(same),
                              "--report", str(same)])
    assert res.exit_code == 2 and "two outputs" in res.output and not same.exists()
    shapes = tmp_path / "shapes.geojson"
    shapes.write_text((ROOT / "tests" / "data" / "london_lad22_camden_islington_city_4326.geojson").read_text())
    before = shapes.read_bytes()
    res = runner.invoke(app, ["fit", str(shapes), "--name-column", "LAD22NM", "--out", str(shapes), "--force"])
    assert res.exit_code == 2 and "input" in res.output and shapes.read_bytes() == before


def test_place_names_with_a_comma() -> None:
    study = nhgeo.open_study("Bristol, City of")
    assert set(study.units["la_name"]) == {"Bristol, City of"}
    both = nhgeo.open_study("Bristol, City of,North Somerset")
    assert set(both.units["la_name"]) == {"Bristol, City of", "North Somerset"}


def test_duplicate_code_fix_keeps_the_neighbourhood_whole() -> None:
    rep = nhgeo.validate(EX / "broken_north_central_london.toml")
    dup = next(f for f in rep.findings if f.rule == "coverage" and f.unit == "E01000186")
    assert dup.fix is not None and "E09000003-N03" in dup.fix  # where the good example has it


def test_report_header_names_the_users_population(tmp_path: Path) -> None:
    from nhgeo.render.report_data import report_data_from_proposal
    from nhgeo.sources.boundaries import load_embedded
    from nhgeo.sources.selection import select_place

    units = select_place(load_embedded(), "City of London,Tower Hamlets")
    b = tmp_path / "b.gpkg"
    units[["code", "la_code", "geometry"]].assign(pop=units["population"] + 1).to_file(b)
    res = nhgeo.propose(boundaries=b, place="E09000030,E09000001", pop_column="pop")
    meta = report_data_from_proposal(res, services=False).meta
    assert "own population" in meta["data_date"]


def test_sigterm_turned_into_another_error_by_compiled_code_is_still_a_stop() -> None:
    """matplotlib once turned the SIGTERM nhgeo raises into a ValueError: that is a stop (143), not a bug (3)."""
    import importlib

    import typer

    app_module = importlib.import_module("nhgeo.cli.app")  # the module (nhgeo.cli.app is also the Typer app's name)

    def drawing() -> None:
        app_module._state["terminated"] = True  # what the SIGTERM handler records before it raises
        raise ValueError("Invalid affine transformation matrix")

    try:
        app_module.guarded(drawing)()
    except typer.Exit as exc:
        assert exc.exit_code == 143
    else:
        raise AssertionError("expected an exit")

    def bug() -> None:
        raise ValueError("a real bug")

    try:
        app_module.guarded(bug)()
    except typer.Exit as exc:
        assert exc.exit_code == 3


def test_table_and_shape_options_on_a_toml_footprint_are_refused() -> None:
    for extra in (["--group-column", "PCN"], ["--name-column", "name"], ["--fit-method", "area"]):
        res = runner.invoke(app, ["validate", str(EX / "north_central_london.toml"), *extra])
        assert res.exit_code == 2 and extra[0] in res.output, res.output
