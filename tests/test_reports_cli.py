"""report.html from the command line: propose writes it beside its outputs, validate/coverage with --report."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from nhgeo.cli import app
from nhgeo.render.html import render_html
from nhgeo.render.png import data_date_of

EXAMPLES = Path(__file__).resolve().parents[1] / "configs" / "examples"
runner = CliRunner()


def report_payload(html: str) -> dict[str, Any]:
    """The data a report.html carries (its ``<script type="application/json" id=data>``)."""
    m = re.search(r'<script type="application/json" id=data>(.*?)</script>', html, re.S)
    assert m, "report.html carries no data block"
    return dict(json.loads(m.group(1)))


def test_propose_writes_report_html(tmp_path: Path) -> None:
    out = tmp_path / "p"
    res = runner.invoke(app, ["propose", "--place", "Camden,Islington", "--out", str(out), "--no-map"])
    assert res.exit_code == 0, res.output
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "nhgeo propose --place Camden,Islington" in html  # the command that reproduces it
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "") and "https://" not in html
    assert "Deprivation 2025" in html and "April 2026" in html
    none = tmp_path / "q"
    assert runner.invoke(app, ["propose", "--place", "Camden", "--out", str(none), "--no-map",
                               "--no-report"]).exit_code == 0
    assert not (none / "report.html").exists()


def test_validate_and_coverage_report(tmp_path: Path) -> None:
    broken = EXAMPLES / "broken_north_central_london.toml"
    rep = tmp_path / "v.html"
    res = runner.invoke(app, ["validate", str(broken), "--report", str(rep), "-f", "json"])
    assert res.exit_code == 1
    html = rep.read_text(encoding="utf-8")
    assert "validation report" in html and "contiguity" in html and "failing" in html
    # what the map and table show, from the CLI's own report: the broken example has 28 neighbourhoods, of which
    # exactly those with an error finding of their own fail (contiguity / band); the other 24 are ok
    data = report_payload(html)
    hoods = {h["id"]: h for h in data["hoods"]}
    assert Counter(h["status"] for h in hoods.values()) == {"ok": 24, "failing": 4}
    verdict = json.loads(res.stdout)
    erring = {f["unit"] for f in verdict["findings"] if f["severity"] == "error" and f["unit"] in hoods}
    assert {n for n, h in hoods.items() if h["status"] == "failing"} == erring == {
        "E09000003-N01", "E09000003-N02", "E09000003-N05", "E09000003-N06"}
    assert hoods["E09000003-N06"]["population"] > 60000 > 40000 > hoods["E09000003-N05"]["population"]
    again = runner.invoke(app, ["validate", str(broken), "--report", str(rep)])
    assert again.exit_code == 2 and "--force" in again.output  # never overwritten without --force
    cov = tmp_path / "c.html"
    res = runner.invoke(app, ["coverage", str(EXAMPLES / "north_central_london.toml"), "--report", str(cov)])
    assert res.exit_code == 1, res.output  # a required component is missing somewhere
    assert "Core offer" in cov.read_text(encoding="utf-8")


def test_map_subtitle_states_the_vintages() -> None:
    from nhgeo.sources.boundaries import load_embedded

    assert data_date_of(load_embedded(2021)) == ("Census 2021 population; LSOA 2021 boundaries; ICB 2026; LA 2023")


def test_plain_tables_never_cut(tmp_path: Path) -> None:
    """--plain: no boxes; one line per row, nothing cut (issue 25: --plain never truncates)."""
    from nhgeo.render.table import use_plain_tables

    try:
        res = runner.invoke(app, ["--plain", "propose", "--place", "Camden", "--out", str(tmp_path / "p"),
                                  "--no-map", "--no-report"])
    finally:
        use_plain_tables(False)
    assert res.exit_code == 0, res.output
    assert "┃" not in res.output and "│" not in res.output
    rows = [ln for ln in res.output.splitlines() if ln.startswith("E09000007-N")]
    assert len(rows) == 4 and all(len(ln) > 80 for ln in rows)  # one line per neighbourhood, not a stack
    boxed = runner.invoke(app, ["propose", "--place", "Camden", "--out", str(tmp_path / "q"), "--no-map",
                                "--no-report"])
    assert "┃" in boxed.output and "…" not in res.output


def test_icb_vintage_option_and_footprint_key(tmp_path: Path) -> None:
    """--icb-vintage 2024 proposes on the 42 ICBs and says so in the footprint; validate then reads that vintage
    unless told otherwise."""
    import tomllib

    out = tmp_path / "p"
    res = runner.invoke(app, ["propose", "--place", "Camden", "--icb-vintage", "2024", "--out", str(out),
                              "--no-map", "--no-report"])
    assert res.exit_code == 0, res.output
    fp = tomllib.loads((out / "footprint.toml").read_text())
    assert fp["footprint"]["icb_vintage"] == 2024 and fp["footprint"]["icb"] == ["E54000028"]  # NCL, 2024

    js = json.loads(runner.invoke(app, ["validate", str(out / "footprint.toml"), "-f", "json"]).stdout)
    assert "ICB April 2024" in js["source"]
    js = json.loads(runner.invoke(app, ["validate", str(out / "footprint.toml"), "-f", "json", "--icb-vintage",
                                        "2026"]).stdout)
    assert "ICB April 2026" in js["source"]
    bad = runner.invoke(app, ["validate", str(out / "footprint.toml"), "--icb-vintage", "2019"])
    assert bad.exit_code == 2 and "2026" in bad.output


def test_report_data_is_plain_data_a_python_user_can_read(examples: Path) -> None:
    """The adapters' ReportData (what a Python user gets): populations re-derived from the LSOA table, places
    summing their neighbourhoods, the proposal's reasons and service points, the header's data statement."""
    from nhgeo.check.validation import validate
    from nhgeo.render.report_data import report_data_from_validation

    rep = validate(examples / "broken_north_central_london.toml")
    data = report_data_from_validation(rep)
    pop = data.units.groupby(data.units["neighbourhood"])["population"].sum()
    assert {h["id"]: h["population"] for h in data.neighbourhoods} == {k: int(v) for k, v in pop.items()}
    by_id = {h["id"]: h["population"] for h in data.neighbourhoods}
    assert [p["population"] for p in data.places] == [sum(by_id.get(n, 0) for n in pl.neighbourhoods)
                                                      for pl in rep.footprint.places]
    assert data.meta["data_date"] == "Census 2021; LSOA 2021 boundaries"
    html = render_html(data)
    assert "data Census 2021; LSOA 2021 boundaries" in html


def test_proposal_report_data_keeps_reasons_and_services() -> None:
    import nhgeo
    from nhgeo.render.report_data import report_data_from_proposal

    res = nhgeo.propose("City of London,Westminster", seed=0)
    data = report_data_from_proposal(res)
    assert data.services is not None and len(data.services) > 0 and data.services["component"].notna().all()
    exc = [h for h in data.neighbourhoods if h["status"] == "exception"]
    assert exc and all(h["reasons"] for h in exc)  # the City (8,584 people) joins Westminster: said why
    assert {h["id"]: h["reasons"] for h in data.neighbourhoods} == {
        h.id: list(h.reasons) for h in res.proposal.neighbourhoods}


def test_proposal_report_data_says_what_the_proposal_says() -> None:
    """Every field of the proposal's ReportData re-read from the proposal itself: statuses (exactly 'ok' or
    'exception'), age shares, places with their reasons, findings with their fixes ('' only where none), notes,
    the seed and the attribution."""
    import nhgeo
    from nhgeo.check.rules import run_rules
    from nhgeo.render.report_data import ATTRIBUTION, report_data_from_proposal

    res = nhgeo.propose("City of London,Westminster", seed=3)
    data = report_data_from_proposal(res, services=False)
    p = res.proposal
    stats = {s.id: s for s in res.score.parts}
    assert [(h["id"], h["status"]) for h in data.neighbourhoods] == [
        (h.id, "ok" if h.status == "ok" else "exception") for h in p.neighbourhoods]
    assert {h["status"] for h in data.neighbourhoods} == {"ok", "exception"}
    assert [(h["share_under_16"], h["share_65_plus"]) for h in data.neighbourhoods] == [
        (stats[h.id].share_under_16, stats[h.id].share_65_plus) for h in p.neighbourhoods]
    assert data.places == [{"id": pl.id, "name": pl.name, "icb_code": pl.icb_code, "population": pl.population,
                            "status": pl.status, "reasons": list(pl.reasons)} for pl in res.places]
    fixes = [f.fix or "" for r in run_rules(res.study, res.to_assignment()) for f in r.findings]
    assert [f["fix"] for f in data.findings] == fixes
    scilly = nhgeo.propose("Isles of Scilly", seed=0)  # 2,100 people: the band finding says why no fix exists
    said = [f["fix"] for f in report_data_from_proposal(scilly, services=False).findings]
    assert any(x.startswith("no set of up to 8 boundary moves brings E06000053-N01 into band") for x in said)
    assert data.notes == list(p.notes) and any("City of London" in n for n in data.notes)
    assert data.meta["seed"] == 3 and data.meta["attribution"] == ATTRIBUTION
    assert data.meta["command"] == 'nhgeo propose --place "City of London,Westminster" --seed 3'


def test_validation_report_data_carries_no_stray_columns(examples: Path) -> None:
    """The units a validation report draws are the study's columns plus neighbourhood and place (no leftover
    index column), and the header carries the attribution."""
    from nhgeo.check.validation import validate
    from nhgeo.render.report_data import ATTRIBUTION, report_data_from_validation

    rep = validate(examples / "north_central_london.toml")
    data = report_data_from_validation(rep)
    assert list(data.units.columns) == [*rep.study.units.columns, "neighbourhood", "place"]
    assert data.meta["attribution"] == ATTRIBUTION


def test_the_data_statement_names_whose_population() -> None:
    from types import SimpleNamespace

    from nhgeo.render.report_data import _data_date

    def said(source: str) -> str:
        return _data_date(SimpleNamespace(population_source=source, vintage=2021))  # type: ignore[arg-type]

    assert said("Census 2021 (ONS TS001)") == "Census 2021; LSOA 2021 boundaries"
    assert said("GP registered patients, July 2026") == "GP registered patients (July 2026 lists); LSOA 2021 boundaries"
    assert said("people.csv column 'n'") == "your own population figures; LSOA 2021 boundaries"
