"""Tables that fit (issue 25 item 2): at 80, 120 and 200 columns every figure is whole (columns are dropped and
named, never cut to "…"); --plain never truncates; --format csv for every table; the one-row-per-LSOA table."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from nhgeo.check.validation import validate
from nhgeo.cli import app
from nhgeo.design.propose import propose
from nhgeo.model import Rules
from nhgeo.render import to_text
from nhgeo.render.table import use_plain_tables

EXAMPLES = Path(__file__).resolve().parents[1] / "configs" / "examples"
NCL = EXAMPLES / "north_central_london.toml"
BROKEN = EXAMPLES / "broken_north_central_london.toml"
runner = CliRunner()


@pytest.fixture(scope="module")
def camden():  # type: ignore[no-untyped-def]
    return propose("Camden", rules=Rules())


@pytest.fixture(scope="module")
def coverage_report():  # type: ignore[no-untyped-def]
    from nhgeo.sources.services import open_services

    return validate(NCL, services=open_services(None))


def _draw(kind: str, result: object, width: int, **options: object) -> str:
    rec = Console(record=True, width=width, file=io.StringIO())
    from nhgeo.render import draw

    draw(kind, result, rec, **options)
    return rec.export_text()


@pytest.mark.parametrize("width", [80, 120, 200])
def test_proposal_table_fits_with_every_figure_whole(camden, width: int) -> None:  # type: ignore[no-untyped-def]
    text = _draw("proposal", camden, width)
    assert "…" not in text
    assert max(len(ln) for ln in text.splitlines()) <= width
    for h in camden.proposal.neighbourhoods:
        assert f"{h.population:,}" in text  # every population, whole
        assert h.name.split(": ")[-1].split()[0] in text  # names, not ids, where a person reads
    assert "210,110" in text  # the total
    if width == 80:
        assert "not shown at 80 columns:" in text  # a dropped column is named, with where to see it
    if width == 200:
        assert "not shown" not in text and "IMD 1-2" in text and "E09000007-N01" in text


@pytest.mark.parametrize("width", [80, 120, 200])
def test_coverage_table_fits_and_names_neighbourhoods(coverage_report, width: int) -> None:  # type: ignore[no-untyped-def]
    text = _draw("coverage", coverage_report, width)
    assert "…" not in text and max(len(ln) for ln in text.splitlines()) <= width
    names = coverage_report.assignment.names
    assert sum(n.split(": ")[-1].split()[0] in text for n in names.values()) >= len(names) - 2
    grid = coverage_report.coverage.gp
    ratios = [f"{r:.2f}" for r in grid["ratio"].dropna()]
    if width >= 120:
        assert all(r in text for r in ratios[:10])
    assert text.strip().splitlines()[-1].startswith("nhgeo coverage: ")


@pytest.mark.parametrize("width", [80, 120])
def test_validation_and_diff_fit(width: int) -> None:
    rep = validate(BROKEN)
    text = _draw("validation", rep, width)
    assert "…" not in text and max(len(ln) for ln in text.splitlines()) <= width


def test_plain_never_truncates(camden) -> None:  # type: ignore[no-untyped-def]
    use_plain_tables()
    try:
        text = _draw("proposal", camden, 80)
    finally:
        use_plain_tables(False)
    assert "…" not in text and "┃" not in text and "not shown" not in text
    rows = [ln for ln in text.splitlines() if ln.startswith("E09000007-N")]
    assert len(rows) == 4 and all(len(ln) > 80 for ln in rows)  # one line per neighbourhood, every column
    header = next(ln for ln in text.splitlines() if ln.startswith("id "))
    for col in ("name", "population", "LSOAs", "LA", "PP", "65+", "<16", "IMD 1-2", "status"):
        assert col in header
    long = max(camden.proposal.neighbourhoods, key=lambda h: len(h.name)).name
    assert long in text  # the longest name whole


def test_csv_for_every_table(camden, coverage_report) -> None:  # type: ignore[no-untyped-def]
    rows = list(csv.DictReader(io.StringIO(to_text("proposal", camden, "csv"))))
    assert [r["id"] for r in rows] == [h.id for h in camden.proposal.neighbourhoods]
    assert int(rows[0]["population"]) == camden.proposal.neighbourhoods[0].population  # a number, not "56,225"
    grid = list(csv.DictReader(io.StringIO(to_text("coverage", coverage_report, "csv"))))
    assert len(grid) == len(coverage_report.assignment.names)
    assert {r["mental_health"] for r in grid} <= {"present", "nearby", "missing", "no-data"}
    assert all(r["neighbourhood_name"] for r in grid)
    found = list(csv.DictReader(io.StringIO(to_text("validation", validate(BROKEN), "csv"))))
    assert {"rule", "severity", "unit", "unit_name", "message", "fix"} <= set(found[0])
    assert any(r["rule"] == "contiguity" and r["unit_name"] for r in found)


def test_lsoa_table_csv_and_xlsx(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "p"
    res = runner.invoke(app, ["propose", "-p", "Camden", "-o", str(out), "--no-map", "--no-report",
                              "--lsoa-table", str(out / "lsoas.csv")])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader((out / "lsoas.csv").open(encoding="utf-8")))
    assert len(rows) == 130 and list(rows[0]) == ["lsoa_code", "lsoa_name", "ward", "msoa_name", "la_name",
                                                   "population", "neighbourhood_id", "neighbourhood_name",
                                                   "place_id", "place_name"]
    assert all(r["lsoa_name"].startswith("Camden ") and r["ward"] and r["neighbourhood_name"] for r in rows)
    assert "lsoas.csv" in (out / ".nhgeo-manifest.json").read_text()  # part of the folder nhgeo wrote
    xlsx = tmp_path / "v.xlsx"
    res = runner.invoke(app, ["validate", str(NCL), "--lsoa-table", str(xlsx)])
    assert res.exit_code == 0, res.output
    ws = load_workbook(xlsx).active
    assert ws.max_row == 1 + 806 and ws.cell(1, 1).value == "lsoa_code" and isinstance(ws.cell(2, 6).value, int)
    first = xlsx.read_bytes()
    xlsx.unlink()
    assert runner.invoke(app, ["validate", str(NCL), "--lsoa-table", str(xlsx)]).exit_code == 0
    assert xlsx.read_bytes() == first  # same rows, same bytes
    again = runner.invoke(app, ["validate", str(NCL), "--lsoa-table", str(xlsx)])
    assert again.exit_code == 2 and "--force" in again.output
    bad = runner.invoke(app, ["validate", str(NCL), "--lsoa-table", str(tmp_path / "t.txt")])
    assert bad.exit_code == 2 and re.search(r"\.csv or \.xlsx", bad.output)
