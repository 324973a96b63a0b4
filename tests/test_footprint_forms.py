"""Footprints and lists as organisations keep them (issue 21).

Workbooks (.xlsx/.ods, the sheet found or named), codes in the forms they arrive in, wards / MSOAs / practices /
PCNs turned into LSOAs with the method and the approximate share stated, zipped shapefiles, multi-layer
GeoPackages, null geometries, standard input, service points outside England — on real data (NCL, Camden,
Manchester); and a Hypothesis property over generated files: exit 0/1/2, one line on error, no traceback,
nothing written outside --out.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from nhgeo.cli import app
from nhgeo.errors import InputError
from nhgeo.footprints.codes import CodeType, clean_codes, detect_code_type, patients_by_lsoa, practice_pcns, to_lsoas
from nhgeo.footprints.files import TableColumns, read_footprint
from nhgeo.sources.data import get_path
from tests.spreadsheets import write_workbook

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
NCL = ROOT / "configs" / "examples" / "north_central_london.toml"
runner = CliRunner()
CITY = ["E01000001", "E01000002", "E01000003", "E01000005", "E01032739", "E01032740"]  # City of London, LSOA 2021


def _codes(fp) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    return {n.id: sorted(n.codes) for n in fp.neighbourhoods}


# ---- 1. spreadsheets --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_workbook_footprint_equals_the_toml(suffix: str) -> None:
    """The NCL workbook (About and names sheets first, a title block above the header, codes in lower case and
    with spaces) reads to exactly the NCL footprint, and says which sheet it used."""
    fp = read_footprint(DATA / f"ncl_footprint{suffix}")
    ref = read_footprint(NCL)
    assert _codes(fp) == _codes(ref)
    assert {p.id: sorted(p.neighbourhoods) for p in fp.places} == {p.id: sorted(p.neighbourhoods) for p in ref.places}
    assert any("read sheet 'LSOA map'" in n for n in fp.read_notes)
    assert any("code(s) cleaned" in n for n in fp.read_notes)


def test_sheet_option_names_or_refuses() -> None:
    with pytest.raises(InputError, match=r"no sheet 'Nope'.*About, Neighbourhood names, LSOA map"):
        read_footprint(DATA / "ncl_footprint.xlsx", columns=TableColumns(sheet="Nope"))
    fp = read_footprint(DATA / "ncl_footprint.xlsx", columns=TableColumns(sheet="lsoa map"))
    assert len(fp.neighbourhoods) == 28


def test_clean_codes() -> None:
    raw = pd.Series([" e01000001 ", "E01 000002", "e0100\u00a00003", "u12345", "12.0"])
    assert clean_codes(raw).tolist() == ["E01000001", "E01000002", "E01000003", "U12345", "12"]


# ---- 2. other geographies ---------------------------------------------------------------------------------------


def test_detects_code_types() -> None:
    for codes, want in ((["E05013689"], CodeType.WARD), (["E02000001"], CodeType.MSOA), (["U12345"], CodeType.PCN),
                        (["F83004", "a81001"], CodeType.PRACTICE), (CITY, CodeType.LSOA)):
        assert detect_code_type(pd.Series(codes)) == want
    with pytest.raises(InputError, match="--code-type 'wardz'"):
        detect_code_type(pd.Series(CITY), given="wardz")


def test_wards_become_their_best_fit_lsoas_and_unknown_wards_are_listed() -> None:
    fp = read_footprint(DATA / "manchester_wards_localities.csv")
    lk = pd.read_parquet(get_path("lsoa21"), columns=["LSOA21CD", "LAD_NM"])
    manchester = set(lk.loc[lk["LAD_NM"] == "Manchester", "LSOA21CD"])
    got = {c for n in fp.neighbourhoods for c in n.codes}
    assert got == manchester  # every ward's LSOAs, nothing else
    assert {n.id for n in fp.neighbourhoods} == {"North", "Central", "South"}
    conv = fp.conversion
    assert conv.code_type == CodeType.WARD and conv.unknown == ["E05000698"]
    assert "best fit" in conv.summary() and "E05000698" in conv.summary()


def test_msoas_nest_exactly() -> None:
    lk = pd.read_parquet(get_path("lsoa21"), columns=["LSOA21CD", "MSOA21CD"])
    pairs = pd.DataFrame({"code": ["E02000001", "E02000193", "E02999999"], "group": ["A", "B", "B"]})
    out, conv = to_lsoas(pairs, CodeType.MSOA)
    want = set(lk.loc[lk["MSOA21CD"].isin(["E02000001", "E02000193"]), "LSOA21CD"])
    assert set(out["lsoa"]) == want and conv.exact and conv.unknown == ["E02999999"]


def test_practices_by_where_patients_live_recomputed_independently() -> None:
    """Each LSOA goes to the group holding most of its registered patients (of every practice); the shares and
    the approximate count are recomputed here from the registrations by hand."""
    df = pd.read_csv(DATA / "camden_practices.csv", dtype=str)
    fp = read_footprint(DATA / "camden_practices.csv")
    conv = fp.conversion
    group = dict(zip(df["Practice code"].str.upper(), df["neighbourhood"], strict=True))
    reg = patients_by_lsoa()
    reg["g"] = reg["practice_code"].map(group).fillna("")
    touched = set(reg.loc[reg["g"] != "", "lsoa21cd"])
    loc = reg[reg["lsoa21cd"].isin(touched)]
    expect: dict[str, str] = {}
    strong = 0
    for lsoa, grp in loc.groupby("lsoa21cd"):
        by = grp.groupby("g")["patients"].sum().sort_index()
        best = by.idxmax()
        if best != "":
            expect[str(lsoa)] = str(best)
            strong += by[best] / by.sum() >= 0.8
    got = {c: n.id for n in fp.neighbourhoods for c in n.codes}
    assert got == expect
    assert conv.lsoas == len(expect) and conv.strong_lsoas == strong
    assert conv.approx_lsoas == len(expect) - strong


def test_pcns_use_the_one_practice_pcn_reader() -> None:
    fp = read_footprint(DATA / "camden_pcns.csv")
    pcns = pd.read_csv(DATA / "camden_pcns.csv")
    members = practice_pcns()
    assert set(members.loc[members["pcn_code"].isin(pcns["PCN code"]), "practice_code"])  # the PCNs are known
    assert fp.conversion.code_type == CodeType.PCN and not fp.conversion.unknown
    assert {n.id for n in fp.neighbourhoods} == {"Camden North", "Camden South"}


def test_practice_in_two_groups_is_bad_input(tmp_path: Path) -> None:
    p = tmp_path / "p.csv"
    p.write_text("practice_code,neighbourhood\nF83004,A\nF83004,B\n")
    r = runner.invoke(app, ["validate", str(p)])
    assert r.exit_code == 2 and "more than one neighbourhood" in r.output


def test_validate_json_and_fit_out_state_the_method(tmp_path: Path) -> None:
    r = runner.invoke(app, ["validate", str(DATA / "camden_pcns.csv"), "-f", "json"])
    assert r.exit_code == 1, r.output  # rules fail on these real-world lists (e.g. band, contiguity)
    conv = json.loads(r.stdout)["conversion"]
    assert conv["code_type"] == "pcn" and conv["approximate_lsoas"] is not None and "patients" in conv["method"]
    out = tmp_path / "footprint.toml"
    r = runner.invoke(app, ["fit", str(DATA / "manchester_wards_localities.csv"), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "converted:" in r.output and "best fit" in r.output
    again = read_footprint(out)
    assert _codes(again) == _codes(read_footprint(DATA / "manchester_wards_localities.csv"))
    assert "converted_from" in again.meta
    r = runner.invoke(app, ["validate", str(out)])
    assert r.exit_code == 1 and "Traceback" not in r.output, r.output


# ---- 3. files as they arrive ------------------------------------------------------------------------------------


def test_stdin_footprint() -> None:
    csv = "LSOA21CD,neighbourhood\r\n" + "".join(f"{c.lower()},N1\r\n" for c in CITY)
    r = runner.invoke(app, ["validate", "-", "--place", "City of London", "-f", "json"], input=csv)
    assert r.exit_code == 1, r.output  # rules fail on these real-world lists (e.g. band, contiguity)
    assert json.loads(r.stdout)["neighbourhoods"] == 1


def test_zipped_shapefile_and_accented_path(tmp_path: Path) -> None:
    g = gpd.read_file(DATA / "london_lad22_camden_islington_city_4326.geojson")
    d = tmp_path / "dossier é"
    d.mkdir()
    g.to_file(d / "lad.shp")
    z = d / "lad areas.zip"
    with zipfile.ZipFile(z, "w") as f:
        for part in d.glob("lad.*"):
            f.write(part, part.name)
    r = runner.invoke(app, ["validate", str(z), "--name-column", "LAD22NM", "-f", "json"])
    assert r.exit_code == 1, r.output  # rules fail on these real-world lists (e.g. band, contiguity)
    assert json.loads(r.stdout)["fit"]["polygons"] == 3


def test_multilayer_geopackage_and_null_geometry(tmp_path: Path) -> None:
    g = gpd.read_file(DATA / "london_lad22_camden_islington_city_4326.geojson")
    gp = tmp_path / "two.gpkg"
    g.to_file(gp, layer="a")
    g.to_file(gp, layer="b")
    r = runner.invoke(app, ["validate", str(gp), "--name-column", "LAD22NM"])
    assert r.exit_code == 2 and "--layer" in r.output and "a, b" in r.output
    r = runner.invoke(app, ["validate", str(gp), "--name-column", "LAD22NM", "--layer", "b", "-f", "json"])
    assert r.exit_code == 1, r.output  # rules fail on these real-world lists (e.g. band, contiguity)
    bad = g.copy()
    bad.loc[1, "geometry"] = None
    nul = tmp_path / "null.gpkg"
    bad.to_file(nul)
    r = runner.invoke(app, ["validate", str(nul), "--name-column", "LAD22NM"])
    assert r.exit_code == 2 and "no geometry" in r.output and f"{g.loc[1, 'LAD22NM']} (feature 2)" in r.output
    r = runner.invoke(app, ["validate", str(nul), "--name-column", "LAD22NM", "--skip-invalid", "-f", "json"])
    assert r.exit_code == 1, r.output
    assert any("--skip-invalid" in n for n in json.loads(r.stdout)["fit"]["notes"])


# ---- 4. coordinates outside England -----------------------------------------------------------------------------


def test_services_outside_england_are_listed_and_left_out(tmp_path: Path) -> None:
    from nhgeo.sources.services import load_services

    p = tmp_path / "svc.xlsx"
    write_workbook(p, {"Sites": [["name", "latitude", "longitude", "component"],
                                 ["Camden hub", 51.539, -0.1426, "social_care"],
                                 ["Swapped hub", -0.1426, 51.539, "social_care"],
                                 ["Edinburgh office", 55.953, -3.188, "social_care"]]})
    s = load_services(p)
    user = s[s["dataset"].astype(str).str.startswith("user")]
    assert user["name"].tolist() == ["Camden hub"]
    note = next(n for n in s.attrs["notes"] if "outside England" in n)
    assert "Swapped hub (latitude and longitude swapped?)" in note and "Edinburgh office" in note


# ---- 6. names from the user's file ----------------------------------------------------------------------------


def _welsh(tmp: Path, with_la: bool) -> Path:
    """Camden's real LSOAs moved to Cardiff and given Welsh codes: codes the embedded data does not know."""
    g = gpd.read_parquet(get_path("lsoa21"))
    c = g[g["LAD_NM"] == "Camden"].copy()
    c["geometry"] = c.geometry.translate(-210000, -8000)
    c["LSOA21CD"] = [f"W0100{i:04d}" for i in range(len(c))]
    c["LSOA21NM"] = c["LSOA21NM"].str.replace("Camden", "Caerdydd")
    cols = ["LSOA21CD", "LSOA21NM", "population", "geometry"]
    if with_la:
        c["LAD22CD"], c["LAD22NM"] = "W06000015", "Cardiff"
        cols[2:2] = ["LAD22CD", "LAD22NM"]
    path = tmp / f"wales{'_la' if with_la else ''}.gpkg"
    c[cols].to_file(path, layer="lsoa")
    return path


def test_names_come_from_the_file_never_bare_codes(tmp_path: Path) -> None:
    from nhgeo.design.naming import name_neighbourhoods
    from nhgeo.model import Col
    from nhgeo.sources.boundaries import load_boundaries

    units, rep = load_boundaries(_welsh(tmp_path, True))
    assert set(units[Col.LA_NAME]) == {"Cardiff"}
    assert units[Col.MSOA_NAME].str.startswith("Caerdydd ").all()
    labels = ["N1"] * 60 + ["N2"] * (len(units) - 60)
    names = name_neighbourhoods(units, labels, ["N1", "N2"])
    # no GeoNames town outside England: the file's own area names, never the bare code ("W06000015 1")
    assert all(n.startswith("Caerdydd ") and "W06" not in n for n in names.values()), names
    units, rep = load_boundaries(_welsh(tmp_path, False))
    assert any("lies mostly outside England" in n and "no LA column" in n for n in rep.notes)


# ---- 8. generated files under the exit-code contract ----------------------------------------------------------


def _form(code: str, how: int) -> str:
    return [code, code.lower(), f" {code}  ", code[:3] + " " + code[3:]][how]


@st.composite
def footprint_files(draw: st.DrawFn) -> tuple[str, bytes | dict[str, list[list[object]]], list[str]]:
    """A footprint file as it might arrive: CSV (BOM or not, CRLF or LF, ; or ,) or a workbook (extra sheets,
    a title block), codes in any form; sometimes broken (a blank code, junk codes, no group column)."""
    kind = draw(st.sampled_from(["csv", "xlsx", "ods"]))
    codes = draw(st.sampled_from([CITY, ["E05009288"], ["E02000001"], ["F83004", "F83006"], ["U37086"]]))
    forms = [draw(st.integers(0, 3)) for _ in codes]
    broken = draw(st.sampled_from(["", "", "", "blank", "junk", "nogroup"]))
    header = ["code", "neighbourhood"] if broken != "nogroup" else ["code", "whatever"]
    rows: list[list[object]] = [[_form(c, f), "N1"] for c, f in zip(codes, forms, strict=True)]
    if broken == "blank":
        rows.append(["", "N1"])
    if broken == "junk":
        rows = [["ZZ" + str(i), "N1"] for i in range(len(rows))]
    if draw(st.booleans()):  # a name column with accents: the encoding matters
        header = [*header, "name"]
        rows = [[*r, "Médecins Sans Frontières"] for r in rows]
    if kind == "csv":
        sep = draw(st.sampled_from([",", ";", "\t"]))
        nl = draw(st.sampled_from(["\n", "\r\n"]))
        text = nl.join(sep.join(map(str, r)) for r in [header, *rows]) + nl
        encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
        return "f.csv", text.encode(encoding), []
    sheets: dict[str, list[list[object]]] = {}
    if draw(st.booleans()):
        sheets["About"] = [["A footprint"], ["kept in a workbook"]]
    title = [["Neighbourhood footprint"], []] if draw(st.booleans()) else []
    sheets["Map"] = [*title, header, *rows]
    if draw(st.booleans()):
        sheets["Notes"] = [["code", "note"], ["x", "y"]]
    return f"f.{kind}", sheets, []


@st.composite
def geopackages(draw: st.DrawFn) -> tuple[bytes, list[str]]:
    """A GeoPackage of one or two layers: polygons named by a column, a table of codes, or both."""
    g = gpd.read_file(DATA / "london_lad22_camden_islington_city_4326.geojson")
    layers = draw(st.lists(st.sampled_from(["shapes", "codes", "empty_geom"]), min_size=1, max_size=2, unique=True))
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "x.gpkg"
        for name in layers:
            if name == "codes":
                pts = gpd.GeoDataFrame({"LSOA21CD": CITY, "neighbourhood": ["N1"] * len(CITY)},
                                       geometry=gpd.points_from_xy([0] * 6, [0] * 6), crs=27700)
                pts.to_file(p, layer=name)
            else:
                gg = g.copy()
                if name == "empty_geom":
                    gg.loc[0, "geometry"] = None
                gg.to_file(p, layer=name)
        return p.read_bytes(), layers


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=footprint_files(), fmt=st.sampled_from(["table", "json", "markdown"]))
def test_generated_files_keep_the_exit_code_contract(spec: tuple[str, object, list[str]], fmt: str) -> None:
    name, content, _ = spec
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        path = d / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            write_workbook(path, content)  # type: ignore[arg-type]
        before = sorted(p.name for p in d.iterdir())
        out = d / "out" / "report.txt"
        r = runner.invoke(app, ["validate", str(path), "-f", fmt, "--out", str(out)])
        assert r.exit_code in (0, 1, 2), (r.exit_code, r.output, r.exception)
        assert "Traceback" not in r.output
        if r.exit_code == 2:
            assert len(r.output.strip().splitlines()) == 1, r.output
        after = sorted(p.name for p in d.iterdir())
        assert set(after) - set(before) <= {"out"}, after


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=geopackages(), layer=st.sampled_from([None, "shapes", "codes", "nope"]), skip=st.booleans())
def test_generated_geopackages_keep_the_exit_code_contract(spec: tuple[bytes, list[str]], layer: str | None,
                                                          skip: bool) -> None:
    data, layers = spec
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        path = d / "mes données.gpkg"
        path.write_bytes(data)
        args = ["validate", str(path), "--name-column", "LAD22NM", "-f", "json"]
        args += ["--layer", layer] if layer else []
        args += ["--skip-invalid"] if skip else []
        r = runner.invoke(app, args)
        assert r.exit_code in (0, 1, 2), (r.exit_code, r.output, r.exception)
        assert "Traceback" not in r.output
        if r.exit_code == 2:
            assert len(r.output.strip().splitlines()) == 1, r.output
        if layer is None and len(layers) == 2 and "codes" not in layers:
            assert r.exit_code == 2 and "--layer" in r.output  # two shape layers: ambiguous, named
        assert sorted(p.name for p in d.iterdir()) == ["mes données.gpkg"]


def test_every_format_states_the_method_and_the_approximation() -> None:
    """A PCN footprint validated once; every renderer says how its codes became LSOAs and how much is approximate
    (the report's notes too)."""
    from rich.console import Console

    from nhgeo.check.validation import validate
    from nhgeo.render import RENDERERS, TABLES
    from nhgeo.render.report_data import report_data_from_validation

    rep = validate(DATA / "camden_pcns.csv")
    conv = rep.conversion
    assert conv is not None and conv.approx_lsoas is not None
    phrase = f"{conv.approx_lsoas:,} of {conv.lsoas:,} LSOAs split"
    for fmt, render in RENDERERS["validation"].items():
        if fmt == "csv":  # the findings as a data table, one row per finding: the report formats state the method
            continue
        text = render(rep)
        assert "where registered patients live" in text, fmt
        assert phrase in text or str(conv.approx_lsoas) in text, fmt
    console = Console(record=True, width=400)
    TABLES["validation"](console, rep)
    assert phrase in console.export_text()
    assert any(phrase in n for n in report_data_from_validation(rep).notes)


def test_awkward_tables(tmp_path: Path) -> None:
    """No header row; a two-column table whose group column has no usual name; a workbook saved as .csv;
    column names with spaces and capitals."""
    p = tmp_path / "nohdr.csv"
    p.write_text("".join(f"{c},City\n" for c in CITY))
    fp = read_footprint(p)
    assert _codes(fp) == {"City": sorted(CITY)} and "no header row" in fp.read_notes[0]
    p = tmp_path / "two.csv"
    p.write_text("LSOA 2021 code,INT\n" + "".join(f"{c},City\n" for c in CITY))
    fp = read_footprint(p)
    assert _codes(fp) == {"City": sorted(CITY)} and "'INT'" in fp.read_notes[0]
    p = tmp_path / "Ward Code.csv"
    p.write_text("Ward Code,Locality Name\nE05009288,City\n")
    assert read_footprint(p).conversion.code_type == CodeType.WARD
    p = tmp_path / "totals.csv"
    p.write_text("LSOA21CD,neighbourhood\n" + "".join(f"{c},City\n" for c in CITY) + "Total,\n\"Source: ONS\",\n")
    fp = read_footprint(p)
    assert _codes(fp) == {"City": sorted(CITY)} and "ignored 2 row(s)" in fp.read_notes[-1]
    p.write_text("LSOA21CD,neighbourhood\n" + "".join(f"{c},City\n" for c in CITY) + "E01000007,\n")
    with pytest.raises(InputError, match="1 row\\(s\\) have no 'neighbourhood'"):
        read_footprint(p)  # a code with no group is still an error
    p = tmp_path / "really a workbook.csv"
    p.write_bytes((DATA / "ncl_footprint.xlsx").read_bytes())
    fp = read_footprint(p)
    assert _codes(fp) == _codes(read_footprint(NCL)) and "is a workbook" in fp.read_notes[0]


def test_codes_of_your_own_boundaries_are_not_converted(tmp_path: Path) -> None:
    """Unit codes that happen to look like PCN codes (U00001) are the boundaries' own units when --boundaries
    knows them: no conversion."""
    import numpy as np

    from tests.synthetic import grid

    g = grid(2, 3, np.full(6, 25_000.0))
    b = tmp_path / "grid.gpkg"
    g[["code", "population", "la_code", "geometry"]].to_file(b)
    fp = tmp_path / "fp.csv"
    fp.write_text("code,neighbourhood\n" + "".join(f"{c},{'A' if i < 3 else 'B'}\n" for i, c in enumerate(g["code"])))
    r = runner.invoke(app, ["validate", str(fp), "--boundaries", str(b), "--code-column", "code", "-f", "json"])
    assert r.exit_code == 1, r.output  # rules fail on these real-world lists (e.g. band, contiguity)
    out = json.loads(r.stdout)
    assert "conversion" not in out and out["neighbourhoods"] == 2


def test_toml_and_boundary_codes_are_cleaned_too(tmp_path: Path) -> None:
    text = NCL.read_text().replace('"E01000907"', '"e01 000907"', 1)
    assert "e01 000907" in text
    p = tmp_path / "ncl.toml"
    p.write_bytes(("\ufeff" + text).encode("utf-8"))  # with a byte-order mark
    fp = read_footprint(p)
    assert _codes(fp) == _codes(read_footprint(NCL)) and fp.read_notes == ["1 code(s) cleaned (spaces, lower case)"]


def test_lock_from_a_workbook(tmp_path: Path) -> None:
    """propose --lock takes a workbook (extra sheet first, lower-case codes): the locked neighbourhood stays."""
    ncl = read_footprint(NCL)
    keep = next(n for n in ncl.neighbourhoods if n.name.startswith("Camden"))
    lock = write_workbook(tmp_path / "lock.xlsx", {"Read me": [["locked"]], "Lock": [["LSOA code", "Neighbourhood"]]
                                                   + [[c.lower(), "KEEP"] for c in keep.codes]})
    out = tmp_path / "out"
    r = runner.invoke(app, ["propose", "--place", "Camden", "--lock", str(lock), "--out", str(out), "--no-map"])
    assert r.exit_code == 0, r.output
    got = read_footprint(out / "footprint.toml")
    assert sorted(next(n for n in got.neighbourhoods if n.id == "KEEP").codes) == sorted(keep.codes)
