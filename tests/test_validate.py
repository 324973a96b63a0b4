"""validate and diff on real footprints: every rule, every format, every bad input."""

from __future__ import annotations

import json
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import tomli_w
from typer.testing import CliRunner

from nhgeo.check.validation import validate
from nhgeo.cli import app
from nhgeo.errors import InputError

EXAMPLES = Path(__file__).resolve().parents[1] / "configs" / "examples"
GOOD = EXAMPLES / "north_central_london.toml"
BROKEN = EXAMPLES / "broken_north_central_london.toml"
runner = CliRunner()
OLD_2011_CODE = "E01000010"  # an LSOA 2011 code that has no 2021 equivalent


@pytest.fixture(scope="module")
def broken_report():  # type: ignore[no-untyped-def]
    return validate(BROKEN)


def test_generated_examples_pass() -> None:
    for name in ("north_central_london.toml", "north_east_london.toml"):
        rep = validate(EXAMPLES / name)
        assert rep.exit_code() == 0, [f.message for f in rep.errors]
        assert rep.score is not None and rep.score.pct_contiguous == 100.0


def test_broken_example_every_fault_found(broken_report) -> None:  # type: ignore[no-untyped-def]
    by_rule: dict[str, list] = {}
    for f in broken_report.findings:
        by_rule.setdefault(f.rule, []).append(f)
    assert "E01999999" in by_rule["unknown-code"][0].message
    cov = " ".join(f.message for f in by_rule["coverage"])
    assert "in no neighbourhood" in cov and "listed in 2 neighbourhoods" in cov
    detached = [f for f in by_rule["contiguity"] if f.unit == "E09000003-N01"]
    assert detached and "E01002694" in detached[0].message and detached[0].fix
    low = [f for f in by_rule["population-band"] if "below the minimum" in f.message]
    assert low and low[0].fix == ("the fix for contiguity of E09000003-N06 (above) brings E09000003-N05 to 53,508, "
                                  "within band")
    assert broken_report.exit_code() == 1


def test_fixes_are_real_and_never_share_an_lsoa(broken_report) -> None:  # type: ignore[no-untyped-def]
    """Apply every fix the report computed, all together: the neighbourhoods they touch become one area
    each, in band, with no new LA; no LSOA appears in two fixes."""
    d = tomllib.loads(BROKEN.read_text())
    hoods = {h["id"]: h for h in d["neighbourhoods"]}
    moved: list[str] = []
    touched: set[str] = set()
    for f in broken_report.findings:
        for m in f.data.get("moves", []):
            assert f.data["verified"] is True
            moved.append(m["code"])
            if m["from"]:
                hoods[m["from"]]["lsoas"].remove(m["code"])
                touched.add(m["from"])
            hoods[m["to"]]["lsoas"].append(m["code"])
            touched.add(m["to"])
    assert len(moved) == len(set(moved)) and len(moved) >= 14
    assert {"E09000003-N05", "E09000003-N06"} <= touched
    after = validate_dict(d)
    left = [x for x in after.findings if x.unit in touched and x.rule in ("contiguity", "population-band",
                                                                          "la-alignment")]
    assert not left, [x.message for x in left]


def validate_dict(d: dict, tmp: Path | None = None):  # type: ignore[no-untyped-def]
    import tempfile

    path = Path(tempfile.mkdtemp()) / "f.toml"
    path.write_text(tomli_w.dumps(d))
    return validate(path)


def test_other_vintage_hint() -> None:
    d = tomllib.loads(GOOD.read_text())
    d["neighbourhoods"][0]["lsoas"].append(OLD_2011_CODE)  # replaced in 2021
    rep = validate_dict(d)
    unk = [f for f in rep.findings if f.rule == "unknown-code"]
    assert len(unk) == 1 and OLD_2011_CODE in unk[0].message
    assert "are LSOA 2011 codes: set vintage = 2011" in unk[0].message


@pytest.mark.parametrize("fmt", ["json", "junit", "github", "markdown"])
def test_formats(fmt: str) -> None:
    res = runner.invoke(app, ["validate", str(BROKEN), "--format", fmt])
    assert res.exit_code == 1
    out = res.stdout
    if fmt == "json":
        d = json.loads(out)
        assert d["passed"] is False and d["errors"] >= 5
        assert {"rule", "severity", "unit", "message", "fix"} <= set(d["findings"][0])
    elif fmt == "junit":
        root = ET.fromstring(out)
        assert int(root.get("failures")) >= 4
    elif fmt == "github":
        assert out.startswith("::error file=")
    else:
        assert "| rule | severity |" in out


def test_exit_codes_and_strict(tmp_path: Path) -> None:
    assert runner.invoke(app, ["validate", str(GOOD)]).exit_code == 0
    d = tomllib.loads(GOOD.read_text())
    d["rules"]["place_max"] = 300_000  # Barnet (389k) and Camden & Islington (427k) now too big...
    d["rules"]["severity"] = {"place-band": "warning"}  # ...but only as a warning
    path = tmp_path / "warn.toml"
    path.write_text(tomli_w.dumps(d))
    rep = validate(path)
    assert len(rep.warnings) == 3 and not rep.errors
    assert runner.invoke(app, ["validate", str(path)]).exit_code == 0
    assert runner.invoke(app, ["validate", str(path), "--strict"]).exit_code == 1


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda t: t.replace("[footprint]", "[footprint", 1), "malformed TOML"),
    (lambda t: t.replace("vintage = 2021", 'vintage = "new"'), "schema violation"),
    (lambda t: t + '\n[[neighbourhoods]]\nid = "EMPTY"\nlsoas = []\n', "no LSOAs: EMPTY"),
    (lambda t: t.replace('neighbourhoods = [\n    "E09000003-N01",', 'neighbourhoods = [\n    "E09000007-N01",', 1),
     "listed in two places"),
    # a fault deep in the list is reported at its own index (the fast check keeps one item per shape)
    (lambda t: t.replace('id = "E09000007-N02"', 'id = ""', 1), "neighbourhoods/9/id"),
    (lambda t: t.replace('id = "E09000007-N02"', 'id = "E09000007-N02"\ncolour = "red"', 1),
     "neighbourhoods/9: Additional properties"),
    (lambda t: t.replace('neighbourhoods = [\n    "E09000003-N01",', 'neighbourhoods = [\n    3,', 1),
     "places/1/neighbourhoods/0: 3 is not of type 'string'"),
])
def test_bad_footprints_exit_2(mutate, message: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.toml"
    path.write_text(mutate(GOOD.read_text()))
    res = runner.invoke(app, ["validate", str(path)])
    assert res.exit_code == 2, res.output
    assert message in res.output and "Traceback" not in res.output


def test_all_codes_unknown_is_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("LSOA21CD,neighbourhood\nE01999998,A\nE01999999,A\n")
    with pytest.raises(InputError, match="none of the footprint"):
        validate(path)


def test_csv_assignment_round_trip(tmp_path: Path) -> None:
    d = tomllib.loads(GOOD.read_text())
    place_of = {n: p["id"] for p in d["places"] for n in p["neighbourhoods"]}
    rows = ["LSOA21CD,neighbourhood,place"] + [f"{c},{h['id']},{place_of[h['id']]}" for h in d["neighbourhoods"]
                                                for c in h["lsoas"]]
    path = tmp_path / "ncl.csv"
    path.write_text("\n".join(rows) + "\n")
    rep = validate(path)
    assert not rep.errors


def test_diff_reports_moves_and_newly_broken(tmp_path: Path) -> None:
    res = runner.invoke(app, ["diff", str(GOOD), str(BROKEN), "--format", "json"])
    assert res.exit_code == 1
    d = json.loads(res.stdout)
    assert any(m["code"] == "E01002694" for m in d["moved"])
    assert {f["rule"] for f in d["newly_broken"]} >= {"contiguity", "coverage", "unknown-code"}
    same = runner.invoke(app, ["diff", str(GOOD), str(GOOD), "--format", "markdown"])
    assert same.exit_code == 0 and "No LSOA, neighbourhood or place changed" in same.stdout
    fixed = runner.invoke(app, ["diff", str(BROKEN), str(GOOD), "--format", "json"])
    assert fixed.exit_code == 0 and json.loads(fixed.stdout)["fixed"]


def test_diff_names_what_went_and_what_came_with_populations(england, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A neighbourhood renumbered (N01 -> N99) is one removed and one added, each way round; an LSOA moved from
    N02 to N03 changes both populations by exactly its own; every figure re-derived from the LSOA table."""
    d = tomllib.loads(GOOD.read_text())
    hoods = {h["id"]: h for h in d["neighbourhoods"]}
    pop = dict(zip(england["code"], england["population"], strict=True))
    before = {i: sum(pop[c] for c in h["lsoas"]) for i, h in hoods.items()}
    code = hoods["E09000003-N02"]["lsoas"].pop()
    hoods["E09000003-N03"]["lsoas"].append(code)
    hoods["E09000003-N01"]["id"] = "E09000003-N99"
    for pl in d["places"]:
        pl["neighbourhoods"] = ["E09000003-N99" if n == "E09000003-N01" else n for n in pl["neighbourhoods"]]
    new = tmp_path / "new.toml"
    new.write_text(tomli_w.dumps(d))
    res = runner.invoke(app, ["diff", str(GOOD), str(new), "--format", "json"])
    out = json.loads(res.stdout)
    assert out["added_neighbourhoods"] == ["E09000003-N99"] and out["removed_neighbourhoods"] == ["E09000003-N01"]
    assert out["added_places"] == out["removed_places"] == []
    assert {m["code"]: (m["from"], m["to"]) for m in out["moved"]} == {
        code: ("E09000003-N02", "E09000003-N03"),
        **{c: ("E09000003-N01", "E09000003-N99") for c in hoods["E09000003-N01"]["lsoas"]}}
    x = int(pop[code])
    assert {u: (c["old"], c["new"], c["change"]) for u, c in out["population_change"].items()} == {
        "E09000003-N01": (before["E09000003-N01"], 0, -before["E09000003-N01"]),
        "E09000003-N99": (0, before["E09000003-N01"], before["E09000003-N01"]),
        "E09000003-N02": (before["E09000003-N02"], before["E09000003-N02"] - x, -x),
        "E09000003-N03": (before["E09000003-N03"], before["E09000003-N03"] + x, x)}
    again = runner.invoke(app, ["diff", str(new), str(GOOD), "--format", "json"])
    assert again.exit_code == 0
    back = json.loads(again.stdout)
    assert back["added_neighbourhoods"] == ["E09000003-N01"] and back["removed_neighbourhoods"] == ["E09000003-N99"]
    # the moved LSOA does not touch N03: that break is the one newly broken rule (exit 1), and going back fixes it
    assert [(f["rule"], f["unit"]) for f in out["newly_broken"]] == [("contiguity", "E09000003-N03")]
    assert res.exit_code == 1 and [(f["rule"], f["unit"]) for f in back["fixed"]] == [("contiguity", "E09000003-N03")]


def test_table_caps_findings_per_rule_errors_first(broken_report) -> None:  # type: ignore[no-untyped-def]
    """The terminal view shows errors before warnings and at most ``per_rule`` findings of a rule,
    saying how many it held back; --all shows every one."""
    from rich.console import Console

    from nhgeo.render.table import render_validation

    con = Console(width=200, record=True)
    render_validation(con, broken_report, per_rule=1)
    text = con.export_text()
    assert "not shown: " in text and "3 more contiguity" in text
    first_warning = text.index("~ warning")
    assert all(text.index(f"✘ error {r}") < first_warning for r in ("unknown-code", "contiguity", "place-contiguity"))
    full = runner.invoke(app, ["validate", str(BROKEN), "--all"])
    assert full.output.count("✘ error contiguity") == 4 and "not shown" not in full.output


def test_every_rule_obeys_severity_and_waivers(tmp_path: Path) -> None:
    """Unknown codes and core-offer findings follow the footprint's severities and waivers like the
    other rules: "off" drops them, a waiver turns an error into a warning with its reason."""
    from nhgeo.sources.services import open_services

    d = tomllib.loads(GOOD.read_text())
    d["neighbourhoods"][0]["lsoas"].append(OLD_2011_CODE)
    d["rules"]["severity"] = {"unknown-code": "off"}
    assert not [f for f in validate_dict(d).findings if f.rule == "unknown-code"]
    d["rules"]["severity"] = {"core-offer": "error"}
    d["waivers"] = [{"rule": "core-offer", "unit": "social_care", "reason": "council data due in spring"}]
    path = tmp_path / "w.toml"
    path.write_text(tomli_w.dumps(d))
    rep = validate(path, services=open_services())
    social = next(f for f in rep.findings if f.rule == "core-offer" and f.unit == "social_care")
    assert social.severity == "warning" and "council data due in spring" in social.message
    assert any(f.rule == "core-offer" and f.severity == "error" for f in rep.findings)  # others stay errors


def test_diff_table_view() -> None:
    res = runner.invoke(app, ["diff", str(GOOD), str(BROKEN)])
    assert res.exit_code == 1
    assert "LSOAs moved" in res.output and "newly broken" in res.output and "FAIL" in res.output


# ---- issue 16: tables with any columns, rule options, what was not checked, consistent verdicts -------------


def _pcn_table(england, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """A PCN-style table for Camden built from the embedded data: LSOA -> its MSOA's local name as the group,
    under column names that are not ours; one group carries two different labels."""
    cam = england[england["la_name"] == "Camden"]
    rows = ["LSOA Code,PCN_Name,PCN label"]
    for code, msoa in zip(cam["code"], cam["msoa_name"], strict=True):
        label = "Kilburn PCN (old name)" if msoa == "Kilburn East" and code == max(
            cam.loc[cam["msoa_name"] == "Kilburn East", "code"]) else f"{msoa} PCN"
        rows.append(f'{code},"{msoa}","{label}"')
    path = tmp_path / "pcns.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_table_with_any_group_column(england, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _pcn_table(england, tmp_path)
    res = runner.invoke(app, ["validate", str(path), "--code-column", "LSOA Code", "--group-column", "PCN_Name",
                              "--name-column", "PCN label", "--min", "4000", "--max", "15000", "--target", "8000",
                              "-f", "json"])
    assert res.exit_code == 0, res.output  # MSOA groups fit the 4,000-15,000 band; two labels are only a warning
    d = json.loads(res.stdout)
    assert d["neighbourhoods"] == 27 and d["vintage"] == 2021
    names = [f for f in d["findings"] if f["rule"] == "neighbourhood-names"]
    assert len(names) == 1 and names[0]["unit"] == "Kilburn East"
    assert "'Kilburn East PCN'" in names[0]["message"] and "'Kilburn PCN (old name)'" in names[0]["message"]
    assert not [f for f in d["findings"] if f["rule"] == "coverage"]
    assert d["rule_sources"]["min"] == "command line" and d["rule_sources"]["place_min"] == "default"
    missing = runner.invoke(app, ["validate", str(path), "--group-column", "PCN"])
    assert missing.exit_code == 2 and "no column 'PCN' (--group-column)" in missing.output


def test_table_in_2011_codes_detected(tmp_path: Path) -> None:
    from nhgeo.sources.boundaries import load_embedded

    old = load_embedded(2011)
    cam = old[old["la_name"] == "Camden"]
    path = tmp_path / "pcn2011.csv"
    path.write_text("lsoa,practice_group\n" + "".join(f"{c},{'North' if y > 184_000 else 'South'}\n" for c, y in
                                                     zip(cam["code"], cam.geometry.centroid.y, strict=True)))
    rep = validate(path, group_column="practice_group", rules={"min": 50_000, "max": 200_000, "target": 100_000})
    assert rep.vintage == 2011 and not rep.assignment.unknown_codes
    assert {n.id for n in rep.footprint.neighbourhoods} == {"North", "South"}


def test_rule_options_override_the_file(tmp_path: Path) -> None:
    res = runner.invoke(app, ["validate", str(BROKEN), "--severity", "population-band=warning", "--severity",
                              "contiguity=off", "-f", "json"])
    d = json.loads(res.stdout)
    assert not [f for f in d["findings"] if f["rule"] == "contiguity"]
    assert {f["severity"] for f in d["findings"] if f["rule"] == "population-band"} == {"warning"}
    assert d["rule_sources"]["severity.population-band"] == "command line"
    assert d["rule_sources"]["severity.nesting"] == "file" and d["rule_sources"]["target"] == "file"
    assert d["rules"]["severity"]["contiguity"] == "off"
    loose = runner.invoke(app, ["validate", str(GOOD), "--min", "20000", "--max", "70000", "--place-max", "1000000"])
    assert loose.exit_code == 0 and "min 20,000 (command line)" in loose.output
    for bad, msg in ((["--severity", "contiguity"], "RULE=LEVEL"), (["--severity", "contiguity="], "RULE=LEVEL"),
                     (["--severity", "=off"], "RULE=LEVEL"), (["--severity", "contiguity=fatal"], "fatal"),
                     (["--severity", "contiguty=off"], "did you mean 'contiguity'"),
                     (["--min", "70000"], "impossible neighbourhood band")):
        r = runner.invoke(app, ["validate", str(GOOD), *bad])
        assert r.exit_code == 2 and msg in r.output, (bad, r.output)


def test_not_checked_is_never_holds(tmp_path: Path) -> None:
    path = tmp_path / "no_places.csv"
    d = tomllib.loads(GOOD.read_text())
    path.write_text("LSOA21CD,neighbourhood\n" + "".join(f"{c},{h['id']}\n" for h in d["neighbourhoods"]
                                                         for c in h["lsoas"]))
    rep = validate(path)
    assert set(rep.not_checked) == {"place-band", "place-contiguity", "place-la-alignment", "core-offer",
                                    "outside-place"}
    assert "no places" in rep.not_checked["place-band"] and "--core-offer" in rep.not_checked["core-offer"]
    assert not set(rep.not_checked) & set(rep.by_rule())
    from nhgeo.render import to_text

    table = to_text("validation", rep, "table", width=200)
    assert "place-band" in table and "– not checked: the footprint has no places" in table
    md = runner.invoke(app, ["validate", str(path), "-f", "markdown"]).stdout
    assert "| place-band | – not checked: the footprint has no places |" in md
    junit = ET.fromstring(runner.invoke(app, ["validate", str(path), "-f", "junit"]).stdout)
    skipped = [c.get("name") for c in junit if c.find("skipped") is not None]
    assert set(skipped) == set(rep.not_checked) and junit.get("skipped") == "5"
    js = json.loads(runner.invoke(app, ["validate", str(path), "-f", "json"]).stdout)
    assert js["not_checked"]["place-band"] == "the footprint has no places"
    assert {r["id"]: r["status"] for r in js["rule_results"]}["place-band"] == "not checked"


def test_place_is_checked_both_ways() -> None:
    res = runner.invoke(app, ["validate", str(GOOD), "--place", "Camdn"])
    assert res.exit_code == 2 and "unknown place 'Camdn'" in res.output and "camden" in res.output.lower()
    rep = validate(GOOD, place="Camden,Islington,Westminster")
    outside = next(f for f in rep.findings if f.rule == "outside-place")
    assert outside.data["codes"] and all(c not in set(rep.study.codes[rep.assignment.labels == ""])
                                         for c in outside.data["codes"])
    gaps = next(f for f in rep.findings if f.rule == "coverage" and "in no neighbourhood" in f.message)
    west = set(rep.study.units.loc[rep.study.units["la_name"] == "Westminster", "code"])
    assert set(gaps.data["codes"]) == west  # every Westminster LSOA is missing from the footprint


def test_diff_says_why_a_warning_does_not_fail(tmp_path: Path) -> None:
    d = tomllib.loads(GOOD.read_text())
    d["rules"]["place_max"] = 300_000
    d["rules"]["severity"] = {"place-band": "warning"}
    d["neighbourhoods"][0]["name"] = "A new name"
    new = tmp_path / "new.toml"
    new.write_text(tomli_w.dumps(d))
    res = runner.invoke(app, ["diff", str(GOOD), str(new)])
    assert res.exit_code == 0
    text = " ".join(res.output.split())
    assert "(warning)" in text and "nhgeo diff: PASS — no error newly broken; 3 warning(s) newly broken, " \
        "which do not fail without --strict" in text
    first = tomllib.loads(GOOD.read_text())["neighbourhoods"][0]
    assert f"renamed {first['id']}: '{first['name']}' → 'A new name'" in text
    strict = runner.invoke(app, ["diff", str(GOOD), str(new), "--strict", "-f", "markdown"])
    assert strict.exit_code == 1 and "❌ **fail**" in strict.stdout.splitlines()[0] and \
        "the change newly breaks 3 warning(s), and --strict makes warnings fail" in strict.stdout
    js = json.loads(runner.invoke(app, ["diff", str(GOOD), str(new), "-f", "json"]).stdout)
    assert js["passed"] is True and js["passed_with_strict"] is False
    from nhgeo.check.diff import diff

    result = diff(GOOD, new)  # the Python API: warnings fail only when asked, as on the command line
    assert result.outcome().passed and not result.outcome(strict=True).passed
    assert {(c["setting"], c["old"], c["new"]) for c in js["rules_changed"]} == {
        ("place_max", 500_000, 300_000), ("severity.place-band", "error", "warning")}


def test_missing_data_is_not_checked_never_holds() -> None:
    """Units without LA or ICB data: LA alignment and nesting say 'no data' instead of holding."""
    import numpy as np
    import pandas as pd

    from nhgeo.check.rules import Status, run_rules
    from nhgeo.geo.graph import build_graph
    from nhgeo.model import Assignment, Footprint, NeighbourhoodSpec, Rules, Study
    from nhgeo.sources.boundaries import LoadReport

    from .synthetic import grid

    units = grid(4, 4, np.full(16, 1000.0))
    units["la_code"], units["icb_code"] = "UNKNOWN", "UNKNOWN"
    rules = Rules(target=8_000, min=4_000, max=12_000, place_min=4_000, place_max=100_000)
    study = Study(units, build_graph(units), LoadReport("synthetic", 2021, 16), "synthetic", rules)
    fp = Footprint("x", 2021, rules, [NeighbourhoodSpec("A", "A", units["code"].tolist())])
    res = {r.id: r for r in run_rules(study, Assignment.align(fp, study, pd.Index(units["code"])))}
    for rid in ("la-alignment", "nesting"):
        assert res[rid].status == Status.NOT_CHECKED and res[rid].reason and res[rid].reason.startswith("no data")


def test_code_column_names_the_column_read(tmp_path: Path) -> None:
    """A table with two LSOA code columns: --code-column (code_column=) chooses which one the neighbourhoods are
    made of; without it the column named like a code column is read."""
    from nhgeo.sources.boundaries import load_embedded

    units = load_embedded(2021)
    camden = sorted(units.loc[units["la_name"] == "Camden", "code"])[:30]
    islington = sorted(units.loc[units["la_name"] == "Islington", "code"])[:30]
    path = tmp_path / "two codes.csv"
    path.write_text("lsoa,other_lsoa,hood\n" + "".join(f"{a},{b},N1\n" for a, b in zip(camden, islington, strict=True)))
    chosen = validate(path, code_column="other_lsoa", group_column="hood")
    assert sorted(chosen.assignment.footprint.neighbourhoods[0].codes) == islington
    default = validate(path, group_column="hood")
    assert sorted(default.assignment.footprint.neighbourhoods[0].codes) == camden


def test_an_lsoa_outside_the_footprints_own_place_is_found_not_dropped() -> None:
    """North Central London's footprint with one Westminster LSOA added to a Camden neighbourhood: the place is
    the file's own (no --place), and the stray LSOA is still checked — outside the place, detached, across an LA."""
    from nhgeo.sources.boundaries import load_embedded

    units = load_embedded(2021)
    west = sorted(units.loc[units["la_name"] == "Westminster", "code"])[0]
    d = tomllib.loads(GOOD.read_text())
    hood = next(h for h in d["neighbourhoods"] if h["id"] == "E09000007-N01")
    hood["lsoas"].append(west)
    rep = validate_dict(d)
    assert west in set(rep.study.codes)
    by = {f.rule: f for f in rep.findings}
    assert by["outside-place"].unit == west and "lie outside North Central London" in by["outside-place"].message
    assert by["contiguity"].unit == "E09000007-N01" and west in by["contiguity"].message
    assert "unknown-code" not in by and rep.exit_code() == 1


def test_diff_counts_an_lsoa_dropped_or_taken_in_as_a_move(tmp_path: Path) -> None:
    """An LSOA left out of the new footprint moves from its neighbourhood to none (""), and back the other way:
    a code listed on one side only is a move, never skipped."""
    from nhgeo.check.diff import diff

    d = tomllib.loads(GOOD.read_text())
    first = d["neighbourhoods"][0]
    code = first["lsoas"].pop()
    new = tmp_path / "fewer.toml"
    new.write_text(tomli_w.dumps(d))
    assert diff(GOOD, new).moved == [(code, first["id"], "")]
    assert diff(new, GOOD).moved == [(code, "", first["id"])]
