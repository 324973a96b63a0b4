"""report.html from the command line: propose writes it beside its outputs, validate/coverage with --report."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from nhgeo.cli import app
from nhgeo.render.png import data_date_of

EXAMPLES = Path(__file__).resolve().parents[1] / "configs" / "examples"
runner = CliRunner()


def _shapes(html: str) -> int:
    return len(re.findall(r'<path[^>]*data-n="', html))


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
    import json

    js = json.loads(runner.invoke(app, ["validate", str(out / "footprint.toml"), "-f", "json"]).stdout)
    assert "ICB April 2024" in js["source"]
    js = json.loads(runner.invoke(app, ["validate", str(out / "footprint.toml"), "-f", "json", "--icb-vintage",
                                        "2026"]).stdout)
    assert "ICB April 2026" in js["source"]
    bad = runner.invoke(app, ["validate", str(out / "footprint.toml"), "--icb-vintage", "2019"])
    assert bad.exit_code == 2 and "2026" in bad.output
