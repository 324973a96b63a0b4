"""Fuzzing the command line (issue 13, item 8): whatever a user types, nhgeo answers under the exit-code contract.

Hypothesis drives the CLI in-process with generated arguments (odd numbers, NaN, infinities, huge values, unknown
formats and places, folders where files belong) and malformed files (truncated, wrong encoding, wrong types,
empty, binary junk). Every run must exit 0, 1 or 2 — never 3 (a bug) — print no traceback, and create nothing
outside its ``--out``. Places are kept tiny (the City of London, 6 LSOAs) so each example is quick; the SIGTERM
test runs a real London proposal in a subprocess and stops it while it writes.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from nhgeo.cli import app

from .child import child_env

ROOT = Path(__file__).resolve().parents[1]
NCL = ROOT / "configs" / "examples" / "north_central_london.toml"
runner = CliRunner()
MAX_EXAMPLES = 100

CITY = ["E01000001", "E01000002", "E01000003", "E01000005", "E01032739", "E01032740"]  # City of London, LSOA 2021
GOOD_TOML = ('[footprint]\nname = "City"\nvintage = 2021\n\n[[neighbourhoods]]\nid = "N1"\nname = "City"\n'
             f"lsoas = {CITY!r}\n".replace("'", '"'))
GOOD_CSV = "LSOA21CD,neighbourhood\n" + "\n".join(f"{c},N1" for c in CITY) + "\n"


def _bad_files(d: Path) -> dict[str, Path]:
    """Malformed inputs of every kind the issue lists, plus a few good ones to mix with bad options."""
    files: dict[str, bytes | None] = {
        "good.toml": GOOD_TOML.encode(), "good.csv": GOOD_CSV.encode(),
        "truncated.toml": GOOD_TOML.encode()[: len(GOOD_TOML) // 2],
        "truncated.csv": GOOD_CSV.encode()[:40],
        "latin1.toml": GOOD_TOML.replace('"City"', '"Cité"').encode("latin-1"),
        "utf16.toml": GOOD_TOML.encode("utf-16"), "utf16.csv": GOOD_CSV.encode("utf-16"),
        "empty.toml": b"", "empty.csv": b"", "empty.gpkg": b"",
        "junk.toml": bytes(range(256)), "junk.csv": bytes(range(256)), "junk.gpkg": b"\x00SQLite junk" * 20,
        "types.toml": GOOD_TOML.replace("vintage = 2021", 'vintage = "twenty"').encode(),
        "codes.toml": GOOD_TOML.replace(f"{CITY!r}".replace("'", '"'), "[1, 2.5, true]").encode(),
        "nan.toml": (GOOD_TOML + "\n[rules]\ntarget = nan\nmin = -inf\n").encode(),
        "huge.toml": (GOOD_TOML + "\n[rules]\ntarget = 99999999999999999999\nmax = 1e308\n").encode(),
        "negative.toml": (GOOD_TOML + "\n[rules]\nmin = -5\nplace_max = 0\n").encode(),
        "blank.csv": (GOOD_CSV + ",N1\n").encode(),
        "nan.csv": b"LSOA21CD,neighbourhood\nnan,NaN\nE01000001,\n",
        "numbers.csv": b"LSOA21CD,neighbourhood\n1,2\n3,4\n",
        "header.csv": b"LSOA21CD,neighbourhood\n",
        "services_nan.csv": b"easting,northing,component\nnan,inf,social_care\n",
        "services_huge.csv": b"latitude,longitude,component\n1e308,-1e308,social_care\n",
        "services_text.csv": b"easting,northing\nnorth,south\n",
        "folder.toml": None, "folder.csv": None, "folder.gpkg": None,
    }
    out = {}
    for name, data in files.items():
        p = d / name
        if data is None:
            p.mkdir()
        else:
            p.write_bytes(data)
        out[name] = p
    return out


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _bad_files(tmp_path_factory.mktemp("inputs"))


NUMBERS = st.one_of(st.sampled_from(["nan", "NaN", "inf", "-inf", "-1", "0", "-0", "1", "5", "0.5", "1e9", "1e308",
                                     "99999999999999999999999", "40000", "60000", "abc", "", "1,000", "0x10"]),
                    st.integers(-10**12, 10**12).map(str), st.floats(allow_nan=True).map(repr))
FORMATS = st.sampled_from(["table", "json", "junit", "github", "markdown", "xml", "", "JSON"])
PLACES = st.sampled_from(["City of London"] * 4 + ["E09000001", "Cty of Londn", "", ",", "Nowhere", "City of London,"])
NUMERIC_OPTS = ["--snap", "--seed", "--target", "--min", "--max", "--place-min", "--place-max", "--vintage"]
FOOTPRINTS = ["good.toml", "good.csv", "truncated.toml", "truncated.csv", "latin1.toml", "utf16.toml", "utf16.csv",
              "empty.toml", "empty.csv", "junk.toml", "junk.csv", "junk.gpkg", "types.toml", "codes.toml", "nan.toml",
              "huge.toml", "negative.toml", "blank.csv", "nan.csv", "numbers.csv", "header.csv", "folder.toml",
              "folder.csv", "missing.toml"]
LIKELY_FOOTPRINTS = FOOTPRINTS + ["good.toml"] * 8 + ["good.csv"] * 4  # so that some runs get far
SERVICES = ["empty.csv", "folder.csv", "services_nan.csv", "services_huge.csv", "services_text.csv", "junk.gpkg",
            "good.csv"]
BOUNDARIES = ["empty.gpkg", "junk.gpkg", "folder.gpkg", "folder.csv", "good.toml", "missing.gpkg"]
OUTS = ["out", "out/deep/er", ".", "..", "inputs/good.toml", "inputs/good.toml/sub", "inputs", "taken.txt",
        "taken.txt/sub"]


@st.composite
def adversarial(draw: st.DrawFn) -> tuple[list[str], str | None]:
    """A hostile command line: (arguments with {in}/ placeholders, the --out it names or None)."""
    cmd = draw(st.sampled_from(["propose", "validate", "diff", "coverage", "graph"]))
    args: list[str] = [cmd]
    if cmd in ("propose", "graph"):
        args += ["--place", draw(PLACES)]
    else:
        args.append("{in}/" + draw(st.sampled_from(LIKELY_FOOTPRINTS)))
        if cmd == "diff":
            args.append("{in}/" + draw(st.sampled_from(LIKELY_FOOTPRINTS)))
    for opt in draw(st.lists(st.sampled_from(NUMERIC_OPTS if cmd == "propose" else ["--snap", "--vintage"]),
                             max_size=2, unique=True)):
        args += [opt, draw(NUMBERS)]
    if draw(st.booleans()):
        args += ["--format", draw(FORMATS)]
    if draw(st.integers(0, 4)) == 0:
        args += ["--boundaries", "{in}/" + draw(st.sampled_from(BOUNDARIES))]
    if cmd in ("validate", "coverage") and draw(st.booleans()):
        args += ["--services", "{in}/" + draw(st.sampled_from(SERVICES))]
        if draw(st.booleans()):
            args += ["--component", draw(st.sampled_from(["social_care", "socal_care", ""]))]
    out = None
    if cmd == "propose" or draw(st.booleans()):
        out = draw(st.sampled_from(OUTS))
        args += ["--out", out]
    if cmd == "propose":
        args.append("--no-map")
    if draw(st.booleans()):
        args.append("--force")
    return args, out


VALID_OUTS = ["out", "out/deep/er"]


@st.composite
def plausible(draw: st.DrawFn) -> tuple[list[str], str | None]:
    """A command line a user would type on good files, varied within what is valid: it gets to do real work
    (propose writes its folder, the others their --out file), so 'nothing outside --out' is checked after real
    writes. Exit 0 or 1 is expected of every one (the City as one neighbourhood is below the band: exit 1)."""
    cmd = draw(st.sampled_from(["propose", "validate", "diff", "coverage", "graph"]))
    args: list[str] = [cmd]
    if cmd in ("propose", "graph"):
        args += ["--place", draw(st.sampled_from(["City of London", "E09000001"]))]
    else:
        args.append("{in}/" + draw(st.sampled_from(["good.toml", "good.csv"])))
        if cmd == "diff":
            args.append("{in}/" + draw(st.sampled_from(["good.toml", "good.csv"])))
    if cmd == "propose":
        args += ["--seed", str(draw(st.integers(0, 2**31 - 1)))]
        if draw(st.booleans()):
            lo = draw(st.integers(1_000, 8_000))
            hi = lo + draw(st.integers(1_000, 10_000))
            args += ["--min", str(lo), "--max", str(hi), "--target", str(draw(st.integers(lo, hi)))]
    if draw(st.booleans()):
        args += ["--format", draw(st.sampled_from(["table", "json"]))]
    out = draw(st.sampled_from(VALID_OUTS)) if cmd == "propose" or (cmd != "diff" and draw(st.booleans())) else None
    if out:
        args += ["--out", out]
    if cmd == "propose":
        args += ["--no-map"] + (["--no-report"] if draw(st.booleans()) else [])
    return args, out


def invocations() -> st.SearchStrategy[tuple[list[str], str | None]]:
    """Mostly plausible, a third hostile: both the work and the refusals get exercised."""
    return st.one_of(plausible(), plausible(), adversarial())  # about two thirds plausible


def _tree(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` with its content (None for folders)."""
    return {str(p.relative_to(folder)): (None if p.is_dir() else p.read_bytes()) for p in sorted(folder.rglob("*"))}


def _fuzz_one(args: list[str], out: str | None, inputs: dict[str, Path], outcomes: list[int]) -> None:
    work = Path(tempfile.mkdtemp(prefix="fuzz-"))
    shutil.copytree(next(iter(inputs.values())).parent, work / "inputs")
    (work / "taken.txt").write_text("the user's file\n")
    before = _tree(work)
    here = Path.cwd()
    os.chdir(work)  # a scratch folder, never the source tree
    try:
        res = runner.invoke(app, [a.replace("{in}", "inputs") for a in args])
    finally:
        os.chdir(here)
    text = res.output
    outcomes.append(res.exit_code)
    event(f"{args[0]} exit {res.exit_code}")
    assert res.exit_code in (0, 1, 2), f"{args}: exit {res.exit_code}\n{text}"
    assert "Traceback" not in text, f"{args}\n{text}"
    if res.exit_code == 2:  # one line: what is wrong and how to fix it
        assert len(text.strip().splitlines()) == 1 and text.startswith("error: "), f"{args}\n{text}"
    after = _tree(work)
    read = {a.replace("{in}", "inputs") for a in args if a.startswith("{in}/")}  # the files the command reads
    changed_inputs = sorted(p for p in read if p in before and after.get(p, b"gone") != before[p])
    assert not changed_inputs, f"{args}: changed its input {changed_inputs}"
    touched = {p for p in set(before) | set(after) if before.get(p, b"") != after.get(p, b"")}
    out_rel = str(Path(out)) if out and res.exit_code in (0, 1) else None
    stray = {p for p in touched if out_rel is None or not (p == out_rel or p.startswith(out_rel + "/")
                                                          or out_rel.startswith(p + "/"))}
    assert not stray, f"{args}: created or changed outside --out: {sorted(stray)}"
    if out_rel and res.exit_code in (0, 1):
        assert out_rel in after, f"{args}: exit {res.exit_code} but nothing at --out {out_rel}"
    shutil.rmtree(work)


def test_cli_fuzz(inputs: dict[str, Path]) -> None:
    """MAX_EXAMPLES command lines: every one under the exit-code contract, and at least a third of them doing real
    work (exit 0 or 1, with their outputs written), each kind of answer reached."""
    outcomes: list[int] = []

    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(case=invocations())
    def run(case: tuple[list[str], str | None]) -> None:
        _fuzz_one(*case, inputs, outcomes)

    run()
    worked = sum(c in (0, 1) for c in outcomes)
    assert worked >= len(outcomes) / 3, f"only {worked} of {len(outcomes)} runs got past the input checks"
    assert {0, 1, 2} <= set(outcomes), sorted(set(outcomes))


def _hidden(folder: Path) -> list[str]:
    """The temporary output folder nhgeo writes before renaming it into place."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".london."))


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_mid_run_leaves_nothing(tmp_path: Path) -> None:
    """CI cancels a job with SIGTERM: stopped while writing a London proposal, nhgeo exits 143 and leaves
    neither the output folder nor any temporary file beside it (the folder it writes in ends as it began)."""
    env = child_env()
    for _attempt in range(3):  # the write takes ~1 s; catch it while the temporary folder exists
        parent = tmp_path / f"run{_attempt}"
        parent.mkdir()
        proc = subprocess.Popen([sys.executable, "-m", "nhgeo", "propose", "--place", "London", "--out",
                                 str(parent / "london"), "--no-map"], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        while proc.poll() is None and not _hidden(parent):
            time.sleep(0.002)
        seen = _hidden(parent)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=300)
        if seen and proc.returncode != 0:
            assert proc.returncode == 143, err
            assert "Traceback" not in err and "SIGTERM" in err
            left = sorted(p.name for p in parent.iterdir())
            if left == ["london"]:  # stopped just after the rename: the output is whole, never half-written
                written = json.loads((parent / "london" / ".nhgeo-manifest.json").read_text())["files"]
                there = sorted(p.name for p in (parent / "london").iterdir())
                assert there == sorted([*written, ".nhgeo-manifest.json"])
            else:
                assert left == [], left
            return
    pytest.fail("the run finished before SIGTERM could reach it three times")
