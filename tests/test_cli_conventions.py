"""Command-line conventions (issue 21 item 5, issue 25 item 9): global flags anywhere, NO_COLOR/FORCE_COLOR,
help that renders every word and shows no ``<bool>``, commands in the order people use them, an empty --place
and a positional place are usage errors with a way out."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from nhgeo.cli import app
from nhgeo.cli.app import ORDER, global_first

from .child import child_env

runner = CliRunner()
NCL = str(Path(__file__).resolve().parents[1] / "configs" / "examples" / "north_central_london.toml")


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m nhgeo`` in a child: the nhgeo the suite imports (tests/child.py), colour variables cleared."""
    clean = {k: v for k, v in child_env().items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS")}
    return subprocess.run([sys.executable, "-m", "nhgeo", *args], capture_output=True, text=True,
                          env={**clean, **env}, timeout=300)


def test_global_flags_before_or_after_the_command() -> None:
    assert global_first(["validate", "F", "--plain", "--debug"]) == ["--plain", "--debug", "validate", "F"]
    assert global_first(["validate", "--", "--plain"]) == ["validate", "--", "--plain"]  # after --: an argument
    try:
        after = runner.invoke(app, ["rules", "--plain"])
        before = runner.invoke(app, ["--plain", "rules"])
    finally:
        from nhgeo.render.table import use_plain_tables

        use_plain_tables(False)
    assert after.exit_code == before.exit_code == 0
    assert after.stdout == before.stdout and "┃" not in after.stdout


def test_no_color_and_force_color() -> None:
    forced = _run("validate", NCL, FORCE_COLOR="1")
    assert re.search(r"\x1b\[[0-9;]*3[12]m", forced.stdout)  # green/red verdict when colour is forced
    both = _run("validate", NCL, FORCE_COLOR="1", NO_COLOR="1")
    assert not re.search(r"\x1b\[[0-9;]*3[0-7]m", both.stdout)  # NO_COLOR: no colour (bold may stay)
    piped = _run("validate", NCL)
    assert "\x1b[" not in piped.stdout  # not a terminal: no escapes at all


def test_help_renders_every_word_and_no_bool() -> None:
    import inspect

    from nhgeo.cli import propose, rules, validate

    top = runner.invoke(app, ["--help"], env={"COLUMNS": "200"}).stdout
    assert "<bool>" not in top
    assert "(ids for [rules.severity] and [[waivers]])" in top  # markup did not eat the words
    listed = [ln.split()[1] for ln in top.splitlines() if re.match(r"^│ [a-z]+ ", ln)]
    assert [c for c in listed if c in ORDER] == [c for c in ORDER if c in listed] and listed[0] == "propose"
    for name, fn in (("rules", rules.rules), ("validate", validate.validate), ("propose", propose.propose)):
        out = runner.invoke(app, [name, "--help"], env={"COLUMNS": "200"}).stdout
        assert "<bool>" not in out
        words = " ".join(out.replace("│", " ").split())
        first = inspect.getdoc(fn).splitlines()[0]  # type: ignore[union-attr]
        assert " ".join(first.split()) in words, (name, first)


@pytest.mark.parametrize("args", [["propose", "--place", ""], ["graph", "-p", " "], ["validate", NCL, "-p", ""]])
def test_empty_place_is_a_usage_error(args: list[str]) -> None:
    res = runner.invoke(app, args)
    assert res.exit_code == 2 and "is empty" in res.output and len(res.output.strip().splitlines()) == 1


def test_positional_place_suggests_the_option() -> None:
    res = runner.invoke(app, ["propose", "Kent"])
    assert res.exit_code == 2 and "did you mean --place Kent?" in res.output
    res = runner.invoke(app, ["propose", "Kent and Medway"])
    assert "did you mean --place 'Kent and Medway'?" in res.output
    assert "did you mean --place" not in runner.invoke(app, ["rules", "x"]).output  # rules takes no place


class _Pipe:
    """A stream that is not a terminal (a CI log, a pipe)."""

    def isatty(self) -> bool:
        return False

    def write(self, s: str) -> int:
        return len(s)

    def flush(self) -> None:
        pass


class _Tty(_Pipe):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("stderr", [False, True])
def test_consoles_are_wide_in_logs_and_follow_columns(monkeypatch: pytest.MonkeyPatch, stderr: bool) -> None:
    """Output to a pipe with COLUMNS unset is 160 wide (tables stay tables in CI logs); COLUMNS wins when set;
    a terminal keeps its own width; the error console writes to stderr."""
    from nhgeo.cli.app import _console

    name = "stderr" if stderr else "stdout"
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr(sys, name, _Pipe())
    c = _console(stderr=stderr)
    assert c.width == 160 and c.stderr is stderr and c.file is getattr(sys, name)
    monkeypatch.setattr(sys, "stdout" if stderr else "stderr", _Tty())  # the other stream's kind does not matter
    assert _console(stderr=stderr).width == 160
    monkeypatch.setenv("COLUMNS", "97")
    assert _console(stderr=stderr).width == 97
    monkeypatch.delenv("COLUMNS")
    monkeypatch.setattr(sys, name, _Tty())
    assert _console(stderr=stderr).width != 160  # a terminal: rich asks it (80 when it cannot tell)


def test_the_default_console_is_stdout() -> None:
    from nhgeo.cli.app import _console

    assert _console().stderr is False


def test_no_command_shows_the_help_and_exits_2() -> None:
    """``nhgeo`` alone: the help with its commands (not an error line), exit 2 as for any usage error."""
    res = runner.invoke(app, [])
    assert res.exit_code == 2
    assert "Usage: nhgeo" in res.output and "propose" in res.output and "error:" not in res.output


def test_an_unknown_option_is_one_exact_line() -> None:
    res = runner.invoke(app, ["validate", NCL, "--bogus"])
    assert res.exit_code == 2
    assert res.output == ("error: No such option: --bogus (Possible options: --boundaries, --out) "
                          "(see nhgeo validate --help)\n")


def test_option_help_is_shown() -> None:
    res = runner.invoke(app, ["coverage", "--help"])
    assert res.exit_code == 0 and "--services" in res.output
    text = " ".join(res.output.replace("│", " ").split())
    assert "where the service points come from" in text.lower() or "service points" in text.lower()


def test_an_interrupt_before_the_command_runs_is_130(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C while the arguments are read, or an Abort in the global options before the command's own guard:
    exit 130, never 1 (which would say a rule failed)."""
    import nhgeo.render.table as table

    cli_app = importlib.import_module("nhgeo.cli.app")  # the module (nhgeo.cli.app is also the Typer app's name)

    def abort(*args: object) -> None:
        raise typer.Abort

    def interrupt(*args: object) -> list[str]:
        raise KeyboardInterrupt

    monkeypatch.setattr(table, "use_plain_tables", abort)  # the --plain callback, inside click's invoke
    res = runner.invoke(app, ["--plain", "rules"])
    assert res.exit_code == 130 and res.output == "aborted; nothing was written\n"
    monkeypatch.undo()
    monkeypatch.setattr(cli_app, "global_first", interrupt)  # reading the arguments (typer: Exit(130))
    assert runner.invoke(app, ["rules"]).exit_code == 130


def test_a_written_report_is_named_without_highlighting(monkeypatch: pytest.MonkeyPatch) -> None:
    """'wrote PATH' is the path as typed, even on a colour terminal (no number or path highlighting inside it)."""
    import io

    from rich.console import Console

    from nhgeo.check.validation import Verdict

    cli_app = importlib.import_module("nhgeo.cli.app")

    buf = io.StringIO()
    monkeypatch.setattr(cli_app, "console", Console(file=buf, force_terminal=True, color_system="truecolor",
                                                    width=200))
    cli_app.conclude(Verdict("validate", True, "0 error(s), 0 warning(s)"), "json", out="out 2026/report-1.json")
    assert buf.getvalue().splitlines()[0] == "wrote out 2026/report-1.json"
