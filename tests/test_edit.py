"""nhgeo edit without a browser: the session (moves, undo/redo, locks, journal, restore, save), the live checks
against the full registry, and the server's guards (token, Host, Origin, JSON errors) through Starlette's
TestClient. North Central London (the example footprint) is the real subset everything runs on."""

from __future__ import annotations

import os
import shutil
import tomllib
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

with warnings.catch_warnings():  # Starlette >= 1.x would rather have httpx2; httpx still works
    warnings.filterwarnings("ignore", message=".*httpx2")
    from starlette.testclient import TestClient

from nhgeo.check.alignment import ward_alignment
from nhgeo.edit.journal import read_journal
from nhgeo.edit.live import LIVE_RULES
from nhgeo.edit.server import Guard, make_app
from nhgeo.edit.session import EditSession, Refused
from nhgeo.errors import InputError
from nhgeo.footprints.files import read_footprint

EXAMPLE = Path(__file__).parent.parent / "configs" / "examples" / "north_central_london.toml"
PORT = 50123


@pytest.fixture()
def ncl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NHGEO_CACHE_DIR", str(tmp_path / "cache"))
    dest = tmp_path / "ncl.toml"
    shutil.copy(EXAMPLE, dest)
    return dest


@pytest.fixture()
def session(ncl: Path) -> Iterator[EditSession]:
    s = EditSession.open(ncl)
    yield s
    s.journal.close()


def _keys(findings: list[Any]) -> set[tuple[str, str, str, str]]:
    return {(str(f["rule"]), str(f["unit"]), str(f["message"]), str(f["severity"])) for f in findings}


def _full(s: EditSession) -> set[tuple[str, str, str, str]]:
    return _keys([f for r in s.full_check()["results"] if r["rule"] in LIVE_RULES for f in r["findings"]])


def _live(s: EditSession) -> set[tuple[str, str, str, str]]:
    return _keys([f for f in s.findings() if f["rule"] in LIVE_RULES])


def _border_lsoas(s: EditSession) -> list[tuple[str, str]]:
    """(LSOA, a neighbouring neighbourhood it could move to): the moves a person makes at a boundary."""
    lab, g, codes = s.assignment.labels, s.study.adj.graph, s.study.codes
    return sorted({(str(codes[i]), str(lab[j])) for i in range(len(codes)) for j in g[i] if lab[j] != lab[i]})


# ------------------------------------------------------------------ live checks = the registry


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EditSession]:
    d = tmp_path_factory.mktemp("live")
    os.environ["NHGEO_CACHE_DIR"] = str(d / "cache")
    text = EXAMPLE.read_text(encoding="utf-8")
    # a severity override and a waiver, so the live checks must settle findings as run_rules does
    text = text.replace('la-alignment = "warning"', 'la-alignment = "error"')
    text += '\n[[waivers]]\nrule = "contiguity"\nunit = "E09000019-N03"\nreason = "agreed with the council"\n'
    (d / "ncl.toml").write_text(text, encoding="utf-8")
    s = EditSession.open(d / "ncl.toml")
    yield s
    s.journal.close()
    del os.environ["NHGEO_CACHE_DIR"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_live_findings_agree_with_the_registry_on_random_edits(shared: EditSession, data: st.DataObject) -> None:
    s = shared
    before = s.assignment.labels.copy()
    border = _border_lsoas(s)
    codes = list(s.index)
    ids = s.hood_ids()
    try:
        for _ in range(data.draw(st.integers(1, 6))):
            if data.draw(st.booleans()):  # a boundary move (what a brush does)
                code, to = data.draw(st.sampled_from(border))
                s.move([code], to)
            else:  # anything anywhere: detached pieces, LA and ICB crossings, gaps
                picked = data.draw(st.lists(st.sampled_from(codes), min_size=1, max_size=12, unique=True))
                s.move(picked, data.draw(st.sampled_from(ids)))
        if data.draw(st.booleans()):
            s.remove(data.draw(st.sampled_from(ids)))  # its LSOAs become gaps (coverage)
        assert _live(s) == _full(s)
        wa = ward_alignment(s.study.units, s.assignment.labels)  # the report's measure, from scratch
        w = s.wards()
        assert wa is not None and w is not None
        assert (w["split"], w["people_in_split_parts"]) == (wa.split, wa.people_in_split_parts)
    finally:
        while s.undo_stack:
            s.undo()
    assert (s.assignment.labels == before).all()
    assert _live(s) == _full(s)


def test_full_check_has_every_rule_and_the_pcn_figure(session: EditSession) -> None:
    r = session.full_check()
    assert [x["rule"] for x in r["results"]][:2] == ["coverage", "unknown-code"]
    assert r["pcn"]["pcns"] > 10 and 0 < r["pcn"]["median_share"] <= 1


def test_live_checker_sees_a_planted_fault(session: EditSession) -> None:
    """Cutting a neighbourhood in two and overfilling another shows at once, as the registry says."""
    s = session
    nid = s.hood_ids()[0]
    members = [str(c) for c in s.study.codes[s.assignment.members(nid)]]
    far = s.hood_ids()[-1]
    r = s.move(members[: len(members) // 2], far)
    rules = {f["rule"] for f in r["findings"]}
    assert {"population-band", "contiguity"} <= rules or {"population-band", "la-alignment"} <= rules
    assert _live(s) == _full(s)


# ------------------------------------------------------------------ undo, redo, locks, version


def test_undo_redo_a_hundred_strokes_and_locks(session: EditSession) -> None:
    s = session
    start = s.assignment.labels.copy()
    moves = _border_lsoas(s)
    rng = np.random.default_rng(0)
    for k in rng.permutation(len(moves))[:120]:
        code, to = moves[int(k)]
        if s.assignment.labels[s.index[code]] != to:
            s.move([code], to)
    after = s.assignment.labels.copy()
    n = len(s.undo_stack)
    assert n >= 100
    for _ in range(n):
        s.undo()
    assert (s.assignment.labels == start).all()
    with pytest.raises(Refused, match="nothing to undo"):
        s.undo()
    for _ in range(n):
        s.redo()
    assert (s.assignment.labels == after).all()
    # a lock holds against moves, undo and redo alike
    last = s.undo_stack[-1]
    hood = last["changes"][0][2]
    s.lock(hood)
    with pytest.raises(Refused, match="locked") as e:
        s.undo()
    assert e.value.status == 409
    code = next(str(c) for c in s.study.codes if s.assignment.labels[s.index[str(c)]] != hood)
    with pytest.raises(Refused, match="locked"):
        s.move([code], hood)
    s.lock(hood, False)
    s.undo()
    # a change made on an old version (another tab) is refused
    with pytest.raises(Refused, match="another tab") as e:
        s.move([code], hood, version=s.version - 1)
    assert e.value.status == 409


def test_add_rename_remove_are_steps(session: EditSession) -> None:
    s = session
    r = s.add("Estate <b>&amp; high street</b>")
    nid = r["neighbourhoods"][0]["id"]
    assert s.assignment.names[nid] == "Estate <b>&amp; high street</b>"  # text as given; the page shows it as text
    code = str(s.study.codes[0])
    s.move([code], nid)
    s.rename(nid, "Estate")
    s.remove(nid)
    assert s.assignment.labels[s.index[code]] == ""
    assert nid not in s.hood_ids()
    s.undo()
    assert s.assignment.labels[s.index[code]] == nid and s.assignment.names[nid] == "Estate"
    s.undo()
    s.undo()
    s.undo()
    assert nid not in s.hood_ids()
    with pytest.raises(Refused) as e:
        s.move([code], "nope")
    assert e.value.status == 404


# ------------------------------------------------------------------ journal, restore, save


def test_journal_is_written_before_acknowledging_and_restores(ncl: Path) -> None:
    s = EditSession.open(ncl)
    moves = _border_lsoas(s)[:5]
    for code, to in moves:
        s.move([code], to)
        entries = read_journal(s.journal.path)
        assert entries is not None and entries.entries[-1]["step"]["changes"][0][0] == code  # on disk already
    s.undo()
    s.lock(s.hood_ids()[2])
    expected = s.assignment.labels.copy()
    s.journal.close()  # the process dies: nothing saved, nothing closed cleanly
    again = EditSession.open(ncl)
    assert again.state()["restore"]["changes"] == 7
    assert again.version == 0 and (again.assignment.labels != expected).any()
    r = again.restore()
    assert r["restored"] == 7
    assert (again.assignment.labels == expected).all()
    assert again.hood_ids()[2] in again.locked
    assert _live(again) == _full(again)
    again.redo()  # the undo history came back too
    assert again.close() is not None  # unsaved: the journal stays


def test_a_change_without_restoring_sets_the_old_journal_aside(ncl: Path) -> None:
    s = EditSession.open(ncl)
    code, to = _border_lsoas(s)[0]
    s.move([code], to)
    s.journal.close()
    again = EditSession.open(ncl)
    assert again.pending
    code2, to2 = _border_lsoas(again)[1]
    again.move([code2], to2)
    assert not again.pending and again.set_aside and Path(again.set_aside).exists()
    again.journal.close()


def test_save_writes_toml_atomically_and_reads_back(ncl: Path) -> None:
    s = EditSession.open(ncl)
    moves = list(dict(_border_lsoas(s)[::7]).items())[:3]  # three different LSOAs
    for code, to in moves:
        s.move([code], to)
    r = s.save()
    assert r["saved"] == "ncl.toml" and not s.unsaved
    fp = read_footprint(ncl)
    assert fp.meta["generated_by"].endswith(" edit")
    listed = fp.assignment()
    for code, to in moves:
        assert listed[code] == to
    assert not [p for p in ncl.parent.iterdir() if p.name.startswith(".ncl.toml")]  # no temporary left
    assert s.close() is None and not s.journal.path.exists()  # nothing unsaved: the journal is gone
    again = EditSession.open(ncl)
    assert again.state()["restore"] is None
    again.journal.close()


def test_an_interrupted_save_leaves_the_old_file_whole(ncl: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = EditSession.open(ncl)
    code, to = _border_lsoas(s)[0]
    s.move([code], to)
    before = ncl.read_bytes()

    def cut(*a: Any, **k: Any) -> None:
        raise KeyboardInterrupt  # Ctrl-C between writing the new file and renaming it

    monkeypatch.setattr(os, "replace", cut)
    with pytest.raises(KeyboardInterrupt):
        s.save()
    monkeypatch.undo()
    assert ncl.read_bytes() == before
    assert sorted(p.name for p in ncl.parent.iterdir()) == ["cache", "ncl.toml"]
    assert s.unsaved
    s.journal.close()


def test_save_targets(ncl: Path, tmp_path: Path) -> None:
    foreign = tmp_path / "mine.toml"
    foreign.write_text(ncl.read_text(encoding="utf-8").replace('generated_by = "nhgeo', 'generated_by = "hand'),
                       encoding="utf-8")
    with pytest.raises(InputError, match="not written by nhgeo"):
        EditSession.open(foreign)
    csv = tmp_path / "fp.csv"
    fp = read_footprint(ncl)
    csv.write_text("LSOA21CD,neighbourhood\n" + "".join(f"{c},{n.id}\n" for n in fp.neighbourhoods for c in n.codes),
                   encoding="utf-8")
    with pytest.raises(InputError, match="give --out"):
        EditSession.open(csv)
    s = EditSession.open(csv, out=tmp_path / "out.toml")
    s.save()
    assert tomllib.loads((tmp_path / "out.toml").read_text(encoding="utf-8"))["neighbourhoods"]
    s.journal.close()


# ------------------------------------------------------------------ the server's guards


@pytest.fixture()
def client(session: EditSession) -> Iterator[TestClient]:
    app = make_app(session, Guard("s3cret-token", PORT))
    with TestClient(app, base_url=f"http://127.0.0.1:{PORT}") as c:
        yield c


H = {"X-Nhgeo-Token": "s3cret-token"}


def test_every_request_needs_the_token(client: TestClient) -> None:
    for path in ("/", "/api/state", "/api/map", "/api/version", "/api/search?q=holloway", "/nope"):
        assert client.get(path).status_code == 403, path
        assert client.get(path, headers={"X-Nhgeo-Token": "wrong"}).status_code == 403
    assert client.post("/api/undo", json={}).status_code == 403
    assert client.get("/api/state", headers=H).status_code == 200
    assert client.get("/api/version?token=s3cret-token").status_code == 200


def test_host_origin_and_fetch_site_are_checked(client: TestClient) -> None:
    for bad in ({"Host": "evil.example:50123"}, {"Host": "127.0.0.1:1"}, {"Origin": "http://evil.example"},
                {"Origin": "null"}, {"Origin": f"http://127.0.0.1:{PORT + 1}"}, {"Sec-Fetch-Site": "cross-site"}):
        r = client.get("/api/state", headers={**H, **bad})
        assert r.status_code == 403, bad
        assert r.json()["code"] == "forbidden"
    ok = client.get("/api/state", headers={**H, "Origin": f"http://127.0.0.1:{PORT}", "Host": f"localhost:{PORT}"})
    assert ok.status_code == 200
    # a form post (what another site's page can send without CORS) is refused
    r = client.post("/api/undo", headers={**H, "Content-Type": "application/x-www-form-urlencoded"}, content="a=1")
    assert r.status_code == 403


def test_page_has_a_strict_csp_and_no_outside_reference(client: TestClient) -> None:
    r = client.get("/?token=s3cret-token")
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp and "unsafe-inline" not in csp
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert r.text.count(f'nonce="{nonce}"') == 2
    assert "http://" not in r.text.replace("http://www.w3.org/2000/svg", "") and "https://" not in r.text
    assert "innerHTML" not in r.text and "insertAdjacentHTML" not in r.text  # names go in as text
    assert r.headers["x-frame-options"] == "DENY"
    api = client.get("/api/state", headers=H)
    assert api.headers["content-security-policy"].startswith("default-src 'none'")


def test_api_errors_are_json_4xx(client: TestClient, session: EditSession) -> None:
    ids = session.hood_ids()
    code = str(session.study.codes[session.assignment.members(ids[0])[0]])
    r = client.post("/api/move", headers=H, json={"lsoas": ["E01999999"], "to": ids[1]})
    assert r.status_code == 400 and r.json()["code"] == "unknown-code"
    r = client.post("/api/move", headers=H, json={"lsoas": [code], "to": "N999"})
    assert r.status_code == 404 and r.json()["code"] == "unknown-neighbourhood"
    assert client.post("/api/lock", headers=H, json={"id": ids[1]}).status_code == 200
    r = client.post("/api/move", headers=H, json={"lsoas": [code], "to": ids[1]})
    assert r.status_code == 409 and r.json()["code"] == "locked"
    r = client.post("/api/move", headers=H, json={"lsoas": [code], "to": ids[2], "version": 0})
    assert r.status_code == 409 and r.json()["code"] == "stale"
    r = client.post("/api/move", headers=H, json={"lsoas": [code], "to": ids[2], "version": session.version})
    assert r.status_code == 200
    body = r.json()
    assert {h["id"] for h in body["neighbourhoods"]} == {ids[0], ids[2]}
    assert body["labels"] == {code: ids[2]} and "findings" in body
    assert client.post("/api/move", headers=H, content=b"not json",
                       ).status_code in (400, 403)  # no content type: refused before parsing
    r = client.post("/api/move", headers={**H, "Content-Type": "application/json"}, content=b"{not json")
    assert r.status_code == 400 and "error" in r.json()
    assert client.post("/api/undo", headers=H, json={}).status_code == 200
    assert client.get("/api/state", headers=H).json()["version"] == session.version
    # no endpoint takes a file path: save goes where the command line said, whatever the body says
    r = client.post("/api/save", headers=H, json={"path": "/tmp/elsewhere.toml", "out": "/etc/x"})
    assert r.status_code == 200 and r.json()["saved"] == "ncl.toml"
    assert not Path("/tmp/elsewhere.toml").exists()


# ------------------------------------------------------------------ the command's refusals (exit 2, one line)


@pytest.mark.parametrize("case", ["csv-without-out", "remote-host", "foreign-toml", "busy-port"])
def test_command_refuses_with_one_line(case: str, ncl: Path, tmp_path: Path) -> None:
    import socket

    from typer.testing import CliRunner

    from nhgeo.cli import app

    args = [str(ncl), "--no-browser"]
    held = None
    if case == "csv-without-out":
        csv = tmp_path / "fp.csv"
        csv.write_text("LSOA21CD,neighbourhood\nE01000907,A\n", encoding="utf-8")
        args = [str(csv), "--no-browser"]
    elif case == "remote-host":
        args += ["--host", "0.0.0.0"]
    elif case == "foreign-toml":
        ncl.write_text(ncl.read_text(encoding="utf-8").replace('generated_by = "nhgeo', 'generated_by = "QGIS'),
                       encoding="utf-8")
    else:
        held = socket.socket()
        held.bind(("127.0.0.1", 0))
        held.listen(1)
        args += ["--port", str(held.getsockname()[1])]
    try:
        r = CliRunner().invoke(app, ["edit", *args])
    finally:
        if held is not None:
            held.close()
    assert r.exit_code == 2, r.output
    assert len(r.output.strip().splitlines()) == 1 and "error:" in r.output
    assert {"csv-without-out": "--out", "remote-host": "--allow-remote", "foreign-toml": "--force",
            "busy-port": "--port"}[case] in r.output
