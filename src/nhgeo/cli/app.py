"""The Typer app, its consoles, and how every command reports failure.

Exit codes (the contract CI relies on): 0 pass, 1 a rule fails (for ``diff``: the change breaks one),
2 bad input or usage (one line: what is wrong and how to fix it), 3 an internal error (one line
naming the bug; ``--debug`` or ``NHGEO_DEBUG=1`` shows the traceback), 130 interrupted (Ctrl-C), 143 stopped by
SIGTERM (how CI cancels a job). Both signals unwind through the writers, which remove every temporary file.
"""

from __future__ import annotations

import functools
import os
import shlex
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from typer.core import TyperGroup

from ..errors import InputError
from ..version import __version__

EXIT_CODES = ("Exit codes: 0 pass, 1 a rule fails, 2 bad input or usage, 3 internal error (a bug; --debug shows it), "
              "130 Ctrl-C, 143 SIGTERM (nothing is left half-written).")


GLOBAL_FLAGS = ("--plain", "--debug")  # accepted before or after the command
# the order people use the commands in (--help lists them so)
ORDER = ("propose", "ensemble", "edit", "validate", "diff", "coverage", "fit", "graph", "rules", "datasets")


def global_first(args: list[str]) -> list[str]:
    """``nhgeo validate F --plain`` as ``nhgeo --plain validate F``: the global flags move before the command
    (never past a ``--``, after which every word is an argument)."""
    end = args.index("--") if "--" in args else len(args)
    flags = [a for a in args[:end] if a in GLOBAL_FLAGS]
    return flags + [a for a in args[:end] if a not in GLOBAL_FLAGS] + args[end:]


def readable_help(cmd: Any) -> Any:
    """Help that renders every word: rich markup is escaped (``[rules.severity]`` is text, not a style tag) and
    flags show no ``<bool>`` type (they take no value)."""
    if getattr(cmd, "_nhgeo_help", False):
        return cmd
    for attr in ("help", "short_help", "epilog"):
        if getattr(cmd, attr, None):
            setattr(cmd, attr, escape(getattr(cmd, attr)))
    for p in cmd.params:
        if getattr(p, "help", None):
            p.help = escape(p.help)
        if getattr(p, "is_flag", False):
            p.metavar = ""
    make_help = cmd.get_help_option

    def help_option(ctx: Any) -> Any:
        opt = make_help(ctx)
        if opt is not None:
            opt.metavar = ""
        return opt

    cmd.get_help_option = help_option
    cmd._nhgeo_help = True
    return cmd


def did_you_mean(ctx: Any, message: str) -> str:
    """A positional word where an option was meant: ``nhgeo propose Kent`` -> "did you mean --place Kent"."""
    import re

    m = re.match(r"Got unexpected extra argument(?:s|\(s\))? \((.+)\)", message)
    cmd = getattr(ctx, "command", None)
    if not m or cmd is None or not any("--place" in getattr(p, "opts", ()) for p in cmd.params):
        return ""
    return f"; did you mean --place {shlex.quote(m.group(1))}?"


class OneLineUsageErrors(TyperGroup):
    """Usage errors (a bad option value, an unknown option or command) on one line like every other error, exit 2;
    commands listed in the order people use them; global flags before or after the command."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        _state["argv"] = list(args)  # the command as given (sys.argv is not it when nhgeo runs in-process)
        return list(super().parse_args(ctx, global_first(list(args))))

    def list_commands(self, ctx: Any) -> list[str]:
        names = list(super().list_commands(ctx))
        return sorted(names, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), names.index(n)))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        cmd = super().get_command(ctx, cmd_name)
        return readable_help(cmd) if cmd is not None else None

    def get_params(self, ctx: Any) -> list[Any]:
        readable_help(self)
        return list(super().get_params(ctx))

    def main(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("standalone_mode", True) is False:
            return super().main(*args, **kwargs)
        try:
            rv = super().main(*args, **{**kwargs, "standalone_mode": False})
        except typer.TyperException as exc:
            ctx, message = getattr(exc, "ctx", None), getattr(exc, "format_message", None)
            if type(exc).__name__ == "NoArgsIsHelpError" or message is None:  # help was asked for, in effect
                typer.echo(ctx.get_help() if ctx is not None else str(exc), err=True)
                sys.exit(getattr(exc, "exit_code", 2))
            where = f" (see {ctx.command_path} --help)" if ctx is not None else ""
            text = message() + did_you_mean(ctx, message())
            err.print(f"[bold red]error:[/] {escape(text)}{escape(where)}", highlight=False, soft_wrap=True)
            sys.exit(getattr(exc, "exit_code", 2))
        except typer.Abort:  # the user ended it before a command's own guard (input closed, a prompt refused)
            err.print("aborted; nothing was written")
            sys.exit(130)  # an interruption, as Ctrl-C (typer's own Exit(130)); not 1, which says a rule failed
        sys.exit(rv if isinstance(rv, int) else 0)


app = typer.Typer(
    cls=OneLineUsageErrors,
    name="nhgeo",
    help="Define and check England's neighbourhood health geographies: neighbourhoods of about 50,000 people "
    f"built from LSOAs, nested in places of 250,000–500,000 inside ICBs.\n\n{EXIT_CODES}",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
def _console(stderr: bool = False) -> Console:
    """A console; when the output is not a terminal (CI logs, pipes) and COLUMNS is unset, 160 columns wide,
    so tables stay tables instead of wrapping at rich's default of 80 into unreadable stacks."""
    stream = sys.stderr if stderr else sys.stdout
    wide = not stream.isatty() and "COLUMNS" not in os.environ
    return Console(stderr=stderr, width=160 if wide else None)


console = _console()
err = _console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])
_state: dict[str, Any] = {"debug": False, "argv": None}


def command_line() -> str:
    """The command as typed (what a report quotes so anyone can reproduce it)."""
    argv = _state["argv"] if _state["argv"] is not None else sys.argv[1:]
    return "nhgeo " + shlex.join(argv)


def debugging() -> bool:
    """Tracebacks wanted: ``--debug`` or ``NHGEO_DEBUG=1``."""
    return _state["debug"] or os.environ.get("NHGEO_DEBUG", "") not in ("", "0")


def fail(message: str, code: int) -> typer.Exit:
    """Print one error line on stderr and return the exit to raise."""
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def conclude(verdict: Any, fmt: str, out: Any = None) -> typer.Exit:
    """End a judging command on its one verdict (:class:`nhgeo.check.validation.Verdict`): the table already
    ends on it; a report written with ``--out`` is named and the verdict printed after it; a machine format on
    stdout carries it itself and the verdict also goes to stderr, so the terminal's last line says the same."""
    from ..render.table import render_verdict

    if out is not None:
        console.print(f"wrote {escape(str(out))}", highlight=False, soft_wrap=True)
        render_verdict(console, verdict.passed, verdict.headline)
    elif fmt != "table":
        render_verdict(err, verdict.passed, verdict.headline)
    return typer.Exit(verdict.exit_code)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Python was so that every ``with``/``finally`` cleans up as for Ctrl-C."""


@contextmanager
def sigterm_raises() -> Iterator[None]:
    """While inside, SIGTERM raises :class:`Terminated` (once; a second SIGTERM waits for the cleanup)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        _state["terminated"] = True  # remembered: compiled code (e.g. matplotlib) may turn the raise into its own error
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def guarded(fn: F) -> F:
    """Run a command under the exit-code contract: bad input 2, internal error 3, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _state["terminated"] = False
        try:
            with sigterm_raises():
                return fn(*args, **kwargs)
        except InputError as exc:
            raise fail(str(exc), 2) from None
        except Terminated:
            err.print("stopped (SIGTERM); no output was left half-written")
            raise typer.Exit(143) from None
        except KeyboardInterrupt:
            err.print("interrupted; no output was left half-written")
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except Exception as exc:
            if _state.get("terminated"):  # the SIGTERM surfaced as another exception: still a stop, not a bug
                err.print("stopped (SIGTERM); no output was left half-written")
                raise typer.Exit(143) from None
            if debugging():
                traceback.print_exc()
            tb = traceback.extract_tb(exc.__traceback__)
            where = f"{os.path.basename(tb[-1].filename)}:{tb[-1].lineno}" if tb else "?"
            raise fail(f"internal error (a bug in nhgeo {__version__}): {type(exc).__name__} at {where}: "
                       f"{str(exc).splitlines()[0] if str(exc) else ''} — rerun with --debug for the traceback "
                       "and report it", 3) from None

    return wrapper  # type: ignore[return-value]


@contextmanager
def progress(enabled: bool = True) -> Iterator[Callable[[str, int, int], None] | None]:
    """A rich progress bar per stage, on stderr so JSON on stdout stays clean."""
    if not enabled:
        yield None
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=err, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=max(total, 1))
            bar.update(tasks[stage], completed=done, total=max(total, 1))

        yield update


def _version(value: bool) -> None:
    if value:
        console.print(f"nhgeo {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                               help="Show the version and exit.")] = False,
         debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an internal error.")] = False,
         plain: Annotated[bool, typer.Option("--plain", help="Tables without colour or boxes (for logs and "
                                             "copy-paste).")] = False
         ) -> None:
    """nhgeo: neighbourhood health geographies for England."""
    _state["debug"] = debug
    if plain:
        from ..render.table import use_plain_tables

        use_plain_tables()
        console.no_color = err.no_color = True
