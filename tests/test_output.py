"""Single-file outputs (--out FILE, --report, graph --out): stopped mid-write they leave nothing behind; their
permissions follow the umask; a real Ctrl-C to a running nhgeo exits 130 with nothing left (issue 27)."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from typer.testing import CliRunner

from nhgeo.cli import app
from nhgeo.output import atomic_file

runner = CliRunner()


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_atomic_file_interrupted_leaves_nothing(tmp_path: Path) -> None:
    """Ctrl-C after the temporary file is half-written: no temporary file, no folder made for it; an error after a
    complete write is the same; a clean exit renames the temporary file onto the destination."""
    dest = tmp_path / "made" / "deeper" / "out.json"
    seen: list[set[str]] = []
    with pytest.raises(KeyboardInterrupt), atomic_file(dest) as tmp:
        tmp.write_text('{"half": ')
        seen.append(_tree(tmp_path))
        raise KeyboardInterrupt
    assert any(name.startswith("made/deeper/.out.json.") for name in seen[0])  # there was a temp to clean up
    assert _tree(tmp_path) == set()
    with pytest.raises(RuntimeError), atomic_file(dest) as tmp:
        tmp.write_text("{}")
        raise RuntimeError("boom")
    assert _tree(tmp_path) == set()
    with atomic_file(dest) as tmp:
        tmp.write_text("{}")
    assert _tree(tmp_path) == {"made", "made/deeper", "made/deeper/out.json"} and dest.read_text() == "{}"


@pytest.fixture
def stop_mid_write(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[set[str]]]:
    """Raise KeyboardInterrupt right after the first write of a hidden temporary file (a text write or a GeoPackage
    layer), recording what the output's folder held at that moment."""
    seen: list[set[str]] = []
    orig_text: Callable[..., Any] = Path.write_text
    orig_gpkg: Callable[..., Any] = gpd.GeoDataFrame.to_file

    def write_text(self: Path, *a: Any, **k: Any) -> Any:
        n = orig_text(self, *a, **k)
        if self.name.startswith("."):
            seen.append({p.name for p in self.parent.iterdir()})
            raise KeyboardInterrupt
        return n

    def to_file(self: gpd.GeoDataFrame, filename: Any, *a: Any, **k: Any) -> Any:
        orig_gpkg(self, filename, *a, **k)
        if Path(filename).name.startswith("."):  # the first layer of two is written
            seen.append({p.name for p in Path(filename).parent.iterdir()})
            raise KeyboardInterrupt

    monkeypatch.setattr(Path, "write_text", write_text)
    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", to_file)
    yield seen


SINGLE_FILE = [
    (["validate", "{ncl}", "-f", "json", "--out", "{dest}"], "v.json"),
    (["validate", "{ncl}", "--report", "{dest}"], "v.html"),
    (["coverage", "{ncl}", "--report", "{dest}"], "c.html"),
    (["graph", "--place", "City of London", "--out", "{dest}"], "g.gpkg"),
]


@pytest.mark.parametrize(("args", "name"), SINGLE_FILE, ids=[a[0] + " " + a[-2] for a, _ in SINGLE_FILE])
def test_single_file_output_interrupted_mid_write(tmp_path: Path, examples: Path, stop_mid_write: list[set[str]],
                                                  args: list[str], name: str) -> None:
    """Ctrl-C with the temporary file half-written: exit 130, no temporary file, no output, no folder made."""
    work = tmp_path / "w"
    work.mkdir()
    (work / "keep.txt").write_text("mine")
    dest = work / "new" / name
    argv = [a.format(ncl=examples / "north_central_london.toml", dest=dest) for a in args]
    res = runner.invoke(app, argv)
    assert res.exit_code == 130, res.output
    assert "interrupted" in res.output and "Traceback" not in res.output
    assert len(stop_mid_write) == 1 and any(n.startswith(f".{name}.") for n in stop_mid_write[0])
    assert _tree(work) == {"keep.txt"}
    # into an existing folder, over an earlier output with --force: the earlier file is left as it was
    earlier = work / name
    earlier.write_text("earlier")
    argv = [a.format(ncl=examples / "north_central_london.toml", dest=earlier) for a in args]
    res = runner.invoke(app, [*argv, "--force"])
    assert res.exit_code == 130 and _tree(work) == {"keep.txt", name} and earlier.read_text() == "earlier"


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
@pytest.mark.parametrize(("args", "name"), SINGLE_FILE, ids=[a[0] + " " + a[-2] for a, _ in SINGLE_FILE])
def test_single_file_outputs_follow_the_umask(tmp_path: Path, examples: Path, mask: int, args: list[str],
                                              name: str) -> None:
    dest = tmp_path / "a" / name
    argv = [a.format(ncl=examples / "north_central_london.toml", dest=dest) for a in args]
    old = os.umask(mask)
    try:
        res = runner.invoke(app, argv)
    finally:
        os.umask(old)
    assert res.exit_code == (1 if argv[0] == "coverage" else 0), res.output  # NCL misses a core-offer component
    assert stat.S_IMODE(dest.stat().st_mode) == 0o666 & ~mask
    assert stat.S_IMODE(dest.parent.stat().st_mode) == 0o777 & ~mask


def _opens(pid: int, fragment: str) -> bool:
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if fragment in os.readlink(f"/proc/{pid}/fd/{fd}"):
                return True
        except OSError:
            continue
    return False


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see when the command has started")
def test_real_ctrl_c_exits_130_and_leaves_nothing(tmp_path: Path) -> None:
    """A real SIGINT to ``python -m nhgeo propose --place england`` once it is reading the embedded data (seen in
    /proc): exit 130, one line saying so, and neither --out nor any temporary file."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NHGEO_DEBUG")}
    proc = subprocess.Popen([sys.executable, "-m", "nhgeo", "propose", "--place", "england", "--out", "out"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            # as from a terminal: a suite started in the background (nohup, &) ignores SIGINT,
                            # and a child inherits that
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 300
        while proc.poll() is None and not _opens(proc.pid, "lsoa21_") and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, "propose ended before it could be interrupted"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, (out, err)
    assert err.strip() == "interrupted; no output was left half-written" and "Traceback" not in out + err
    assert _tree(tmp_path) == set()


def test_check_writable_replaces_only_with_force(tmp_path: Path) -> None:
    from nhgeo.errors import InputError
    from nhgeo.output import check_writable

    f = tmp_path / "old.json"
    f.write_text("{}")
    with pytest.raises(InputError, match="--force"):
        check_writable(f, force=False)
    check_writable(f, force=True)  # an existing file may be replaced when asked
    check_writable(tmp_path / "new.json", force=False)


def test_proposal_geopackage_layers_carry_their_columns(tmp_path: Path) -> None:
    """neighbourhoods.gpkg: the places layer names each place's ICB, the neighbourhoods layer its place."""
    import json

    out = tmp_path / "p"
    res = runner.invoke(app, ["propose", "--place", "Camden,Islington", "--out", str(out), "--no-map", "--no-report"])
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "summary.json").read_text())
    places = gpd.read_file(out / "neighbourhoods.gpkg", layer="places")
    assert dict(zip(places["place"], places["icb_code"], strict=True)) == {
        p["id"]: p["icb_code"] for p in summary["places"]}
    hoods = gpd.read_file(out / "neighbourhoods.gpkg", layer="neighbourhoods")
    assert dict(zip(hoods["neighbourhood"], hoods["place"], strict=True)) == {
        n: p["id"] for p in summary["places"] for n in p["neighbourhoods"]}
    # the assignment layer keeps numbers as numbers (the IMD decile was written as text before) and text as text
    lsoas = gpd.read_file(out / "neighbourhoods.gpkg", layer="assignment")
    assert pd.api.types.is_integer_dtype(lsoas["imd_decile"]) and lsoas["imd_decile"].between(1, 10).all()
    assert pd.api.types.is_integer_dtype(lsoas["population"]) and lsoas["code"].str.startswith("E01").all()
