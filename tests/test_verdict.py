"""One verdict per run (issue 25): the exit code, every format's pass/fail field and headline, and the terminal's
last line agree, and every format names the command that produced it — for validate, coverage and diff, on
passing and failing inputs (the matrix is printed by ``pytest -s``)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nhgeo.cli import app
from nhgeo.render import formats

EXAMPLES = Path(__file__).resolve().parents[1] / "configs" / "examples"
NCL = str(EXAMPLES / "north_central_london.toml")
BROKEN = str(EXAMPLES / "broken_north_central_london.toml")
runner = CliRunner()


def _gp_only_catalogue(tmp: Path) -> str:
    """A catalogue whose one required component (general practice, 5 km) every NCL neighbourhood reaches."""
    path = tmp / "gp_only.toml"
    path.write_text('[components.general_practice]\nlabel = "General practice"\nshort = "GP"\n'
                    'datasets = ["gp_practices"]\ndistance_m = 5000\nrequired = true\nnote = "GP main sites"\n',
                    encoding="utf-8")
    return str(path)


def _cases(tmp: Path) -> dict[tuple[str, str], list[str]]:
    return {
        ("validate", "pass"): ["validate", NCL],
        ("validate", "fail"): ["validate", BROKEN],
        ("coverage", "pass"): ["coverage", NCL, "--catalogue", _gp_only_catalogue(tmp)],
        ("coverage", "fail"): ["coverage", NCL],
        ("diff", "pass"): ["diff", NCL, NCL],
        ("diff", "fail"): ["diff", NCL, BROKEN],
    }


KIND = {"validate": "validation", "coverage": "coverage", "diff": "diff"}


def _read(command: str, fmt: str, stdout: str) -> tuple[bool | None, str]:
    """(the format's pass/fail field, its headline naming the command) as a person or a program reads them."""
    if fmt == "json":
        d = json.loads(stdout)
        return d["passed"], f'{d["command"]}: {"PASS" if d["passed"] else "FAIL"} — {d["verdict"]}'
    if fmt == "junit":
        root = ET.fromstring(stdout)
        props = {p.get("name"): p.get("value") for p in root.iter("property")}
        assert root.get("name", "").startswith(f"nhgeo {command} ")
        assert (int(root.get("failures", "0")) > 0) == (props["verdict"] == "fail")
        return props["verdict"] == "pass", str(props["headline"])
    if fmt == "github":
        last = stdout.strip().splitlines()[-1]
        errors = any(ln.startswith("::error") for ln in stdout.splitlines())
        passed = " PASS — " in last
        assert errors != passed or (command == "validate" and passed)  # ::error only where the run fails
        return passed, last.rsplit(" (", 1)[0]
    if fmt == "markdown":
        head = stdout.splitlines()[0]
        assert head.startswith(f"### nhgeo {command}: ")
        why = next(ln for ln in stdout.splitlines() if ln.startswith("**Verdict:** "))
        passed = head.endswith("✅ **pass**")
        return passed, f"nhgeo {command}: {'PASS' if passed else 'FAIL'} — " + why.removeprefix("**Verdict:** ")[:-1]
    if fmt == "table":
        last = stdout.strip().splitlines()[-1]
        return " PASS — " in last, last
    raise AssertionError(fmt)


def test_one_verdict_per_run(tmp_path: Path) -> None:
    rows = []
    for (command, case), args in _cases(tmp_path).items():
        headlines = set()
        for fmt in formats(KIND[command]):
            res = runner.invoke(app, [*args, "--format", fmt])
            assert res.exit_code in (0, 1), (args, fmt, res.output)
            if fmt == "csv":  # a data table with no room for a verdict: the terminal (stderr) carries it
                headline = res.stderr.strip().splitlines()[-1]
                passed = " PASS — " in headline
            else:
                passed, headline = _read(command, fmt, res.stdout)
            assert headline.startswith(f"nhgeo {command}: "), (fmt, headline)  # names the command that made it
            assert passed == (res.exit_code == 0), (command, case, fmt, headline)
            assert passed == case.startswith("pass"), (command, case, fmt)
            # the terminal's last line: the table's own, else the verdict on stderr after the report on stdout
            terminal = res.stdout if fmt == "table" else res.stderr
            assert terminal.strip().splitlines()[-1] == headline, (fmt, terminal)
            headlines.add(headline)
            rows.append((command, case, fmt, res.exit_code, "pass" if passed else "fail"))
        assert len(headlines) == 1, headlines  # the same words everywhere
    print("\ncommand   input          format    exit  verdict")
    for r in rows:
        print(f"{r[0]:<9} {r[1]:<14} {r[2]:<9} {r[3]:<5} {r[4]}")


def test_report_written_with_out_ends_on_the_verdict(tmp_path: Path) -> None:
    out = tmp_path / "cov.md"
    res = runner.invoke(app, ["coverage", NCL, "-f", "markdown", "--out", str(out)])
    assert res.exit_code == 1
    lines = res.stdout.strip().splitlines()
    assert lines[-2] == f"wrote {out}" and lines[-1].startswith("nhgeo coverage: FAIL — ")
    assert out.read_text(encoding="utf-8").startswith("### nhgeo coverage: ")  # never "nhgeo validate"


@pytest.mark.parametrize("command", ["validate", "coverage"])
def test_html_report_carries_the_verdict(tmp_path: Path, command: str) -> None:
    rep = tmp_path / "r.html"
    res = runner.invoke(app, [command, NCL, "--report", str(rep)])
    last = res.stdout.strip().splitlines()[-1]
    assert last.startswith(f"nhgeo {command}: ") and last in rep.read_text(encoding="utf-8")


def test_the_verdicts_words_are_counted_from_the_findings() -> None:
    """North Central London with the core offer: ``coverage`` fails on the neighbourhoods missing a required
    component (counted here from the grid), and ``validate`` passes but says the same gap as a warning."""
    import nhgeo

    rep = nhgeo.coverage_report(NCL)
    assert rep.coverage is not None
    grid = rep.coverage.grid
    missing = grid[grid["required"] & (grid["status"] == "missing")]["neighbourhood"].nunique()
    assert missing > 0
    cov = rep.verdict("coverage")
    assert not cov.passed and cov.summary == f"{missing} neighbourhood(s) miss a required core-offer component"
    val = rep.verdict("validate")
    assert val.passed and val.summary == (f"0 error(s), {len(rep.warnings)} warning(s); core-offer: {missing} "
                                      "neighbourhood(s) miss a required component, a warning here (nhgeo coverage "
                                      "fails on it)")
