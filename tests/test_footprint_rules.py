"""The file's rules are the rules (issue 25 item 4): cross_la = false makes a crossing an error (or says once why
not); unread place/name columns and duplicate names are findings; mistyped codes get the nearest known codes; the
fixes of one report agree with each other."""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path

import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from nhgeo.check.rules import REGISTRY, Severity
from nhgeo.check.rules.suggest import near_codes
from nhgeo.check.validation import validate
from nhgeo.cli import app

EXAMPLES = Path(__file__).resolve().parents[1] / "configs" / "examples"
NCL = EXAMPLES / "north_central_london.toml"
BROKEN = EXAMPLES / "broken_north_central_london.toml"
runner = CliRunner()


def _write(tmp: Path, d: dict, name: str = "f.toml") -> Path:  # type: ignore[type-arg]
    path = tmp / name
    path.write_text(tomli_w.dumps(d), encoding="utf-8")
    return path


def _la(rep):  # type: ignore[no-untyped-def]
    return [f for f in rep.findings if f.rule == "la-alignment"]


def test_cross_la_false_makes_a_crossing_an_error(tmp_path: Path) -> None:
    d = tomllib.loads(BROKEN.read_text())
    assert d["rules"]["cross_la"] is False and "la-alignment" not in d["rules"]["severity"]
    rep = validate(_write(tmp_path, d))
    assert [f.severity for f in _la(rep)] == [Severity.ERROR]
    d["rules"]["severity"]["la-alignment"] = "warning"  # the file says otherwise: a warning, and why, once
    rep = validate(_write(tmp_path, d))
    assert [f.severity for f in _la(rep)] == [Severity.WARNING]
    notes = [r.note for r in rep.results if r.note]
    assert len(notes) == 1 and "although cross_la = false" in notes[0]
    table = runner.invoke(app, ["validate", str(tmp_path / "f.toml")]).stdout
    assert table.count("although cross_la = false") == 1
    d["rules"]["severity"].pop("la-alignment")
    d["rules"]["cross_la"] = True  # crossings allowed: listed as warnings, no note
    rep = validate(_write(tmp_path, d))
    assert [f.severity for f in _la(rep)] == [Severity.WARNING] and "allowed by rules.cross_la" in _la(rep)[0].message
    assert not any(r.note for r in rep.results)


def test_a_crossing_no_footprint_can_avoid_is_a_warning() -> None:
    rep = validate(EXAMPLES / "north_east_london.toml")  # the City of London (8,584 people) joined to Tower Hamlets
    la = _la(rep)
    assert len(la) == 1 and la[0].severity == Severity.WARNING and "unavoidable: City of London" in la[0].message
    assert rep.exit_code() == 0


def test_proposals_leave_la_alignment_to_cross_la() -> None:
    from nhgeo.check.rules import default_severities

    assert "la-alignment" not in default_severities() and "contiguity" in default_severities()
    assert next(r for r in REGISTRY if r.id == "la-alignment").follows_settings


def _table(tmp: Path, rename: dict[int, str] | None = None, header: str = "HCP") -> Path:
    d = tomllib.loads(NCL.read_text())
    place = {n: p["name"] for p in d["places"] for n in p["neighbourhoods"]}
    path = tmp / "t.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["LSOA21CD", "neighbourhood", "neighbourhood_name", header])
        for i, h in enumerate(d["neighbourhoods"]):
            name = (rename or {}).get(i, h["name"])
            for c in h["lsoas"]:
                w.writerow([c, h["id"], name, place[h["id"]]])
    return path


def test_an_unread_place_column_is_reported(tmp_path: Path) -> None:
    rep = validate(_table(tmp_path))
    unread = [f for f in rep.findings if f.rule == "unread-columns"]
    assert len(unread) == 1 and unread[0].unit == "HCP" and "place column" in unread[0].message
    assert "rename it 'place'" in (unread[0].fix or "")
    odd = validate(_table(tmp_path, header="Group"))  # no telling heading, but one value per neighbourhood
    assert [f.unit for f in odd.findings if f.rule == "unread-columns"] == ["Group"]
    toml = validate(NCL)
    assert "unread-columns" in toml.not_checked  # a TOML footprint has no columns


def test_duplicate_names_are_a_finding(tmp_path: Path) -> None:
    d = tomllib.loads(NCL.read_text())
    rep = validate(_table(tmp_path, rename={3: d["neighbourhoods"][2]["name"]}))
    dup = [f for f in rep.findings if f.rule == "unique-names"]
    assert len(dup) == 1 and dup[0].unit == d["neighbourhoods"][3]["id"]
    assert d["neighbourhoods"][2]["id"] in dup[0].message
    assert not [f for f in validate(NCL).findings if f.rule == "unique-names"]


def test_a_mistyped_code_gets_its_lsoa_and_the_fixes_agree(tmp_path: Path) -> None:
    d = tomllib.loads(NCL.read_text())
    h = next(h for h in d["neighbourhoods"] if h["id"] == "E09000003-N01")
    h["lsoas"] = ["E0100250" if c == "E01000250" else c for c in h["lsoas"]]  # a digit dropped
    d["rules"]["min"] = 44_000  # without the LSOA the neighbourhood (42,441) falls below the band
    rep = validate(_write(tmp_path, d))
    by = {f.rule: f for f in rep.findings}
    unknown, gap, band = by["unknown-code"], by["coverage"], by["population-band"]
    assert "did you mean E01000250 (Barnet 001C, High Barnet, in no neighbourhood)" in unknown.message
    assert unknown.fix == "correct E0100250 to E01000250 (the LSOA in no neighbourhood)"
    assert "probably the mistyped E0100250 listed in E09000003-N01" in gap.message
    assert [(m["code"], m["to"]) for m in gap.data["moves"]] == [("E01000250", "E09000003-N01")]
    assert band.unit == "E09000003-N01" and band.fix == ("the fix for coverage (above) brings E09000003-N01 to "
                                                          "45,050, within band")


CODES = st.from_regex(r"E0[12][0-9]{6}", fullmatch=True)


@settings(max_examples=60, deadline=None)
@given(CODES, st.integers(0, 8), st.sampled_from(["drop", "swap", "change", "add"]), st.sampled_from("0123456789"))
def test_one_edit_away_is_always_suggested(code: str, i: int, how: str, ch: str) -> None:
    typo = {"drop": code[:i] + code[i + 1:], "swap": code[:i] + code[i + 1:i + 2] + code[i:i + 1] + code[i + 2:],
            "change": code[:i] + ch + code[i + 1:], "add": code[:i] + ch + code[i:]}[how]
    if typo == code:
        return
    assert code in near_codes(typo, {code, "E01999999"}, n=5)
