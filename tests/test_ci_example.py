"""The shipped CI example and pre-commit hook work as written.

The workflow's own ``run:`` blocks are extracted from ``examples/validate-footprints.yml`` and run with bash
(as GitHub runs them) on a throwaway two-commit git repository; ``nhgeo`` on PATH is a shim for this checkout
(the install step is checked on its own) and ``gh`` is a fake that records the comment it was asked to post.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import stat
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w
import yaml

from .child import child_env

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / "examples" / "validate-footprints.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
GOOD = ROOT / "configs" / "examples" / "north_central_london.toml"
BROKEN = ROOT / "configs" / "examples" / "broken_north_central_london.toml"
MOVED = "E01002694"  # an Islington LSOA; moved into a Barnet neighbourhood it does not touch
MOVED_FROM, MOVED_TO = "E09000019-N04", "E09000003-N01"
ANNOTATION = re.compile(r"^::(?P<level>error|warning|notice)(?: (?P<props>[^:]*))?::(?P<msg>.*)$")
PROPERTY_KEYS = {"file", "line", "endLine", "col", "endColumn", "title"}


# ---- helpers ------------------------------------------------------------------------------------------------

def load_workflow() -> dict[Any, Any]:
    """The workflow as GitHub reads it (PyYAML turns the key ``on`` into True)."""
    doc = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def steps() -> list[dict[str, Any]]:
    """The steps of the single job."""
    jobs = load_workflow()["jobs"]
    assert list(jobs) == ["validate"]
    return list(jobs["validate"]["steps"])


def step(step_id: str) -> dict[str, Any]:
    """The step with this id."""
    found = [s for s in steps() if s.get("id") == step_id]
    assert len(found) == 1, f"no single step with id {step_id!r}"
    return found[0]


def write_exe(path: Path, text: str) -> Path:
    """An executable script."""
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` with a fixed identity; return stdout."""
    cmd = ["git", "-c", "user.name=ci test", "-c", "user.email=ci@example.invalid", "-c", "commit.gpgsign=false",
           *args]
    return subprocess.run(cmd, cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def make_repo(tmp: Path, base: dict[str, str], head: dict[str, str | None]) -> tuple[Path, str, str]:
    """A git repository with two commits: ``base`` files, then ``head`` changes (None deletes a file)."""
    repo = tmp / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for files in (base, head):
        for name, text in files.items():
            p = repo / name
            if text is None:
                p.unlink()
                continue
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text, encoding="utf-8")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "change")
    return repo, git(repo, "rev-parse", "HEAD~1"), git(repo, "rev-parse", "HEAD")


def moved_footprint() -> str:
    """The good footprint with one LSOA moved into a Barnet neighbourhood it does not touch."""
    fp = tomllib.loads(GOOD.read_text(encoding="utf-8"))
    hoods = {n["id"]: n for n in fp["neighbourhoods"]}
    assert MOVED in hoods[MOVED_FROM]["lsoas"]
    hoods[MOVED_FROM]["lsoas"].remove(MOVED)
    hoods[MOVED_TO]["lsoas"].append(MOVED)
    return tomli_w.dumps(fp)


def renamed_footprint() -> str:
    """The good footprint with only a neighbourhood renamed: no rule can break."""
    fp = tomllib.loads(GOOD.read_text(encoding="utf-8"))
    fp["neighbourhoods"][0]["name"] = "Barnet: renamed in this pull request"
    return tomli_w.dumps(fp)


@dataclass
class StepRun:
    """What one step did."""

    rc: int
    out: str
    err: str
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass
class Runner:
    """Runs the workflow's ``run:`` blocks like the Actions runner: bash -eo pipefail, GITHUB_* files."""

    repo: Path
    bindir: Path
    env: dict[str, str]
    summary: Path
    runs: dict[str, StepRun] = field(default_factory=dict)

    def run(self, step_id: str, extra_env: dict[str, str] | None = None) -> StepRun:
        """Run one step's shell in the repository; collect its outputs and exported env."""
        s = step(step_id)
        tmp = self.bindir.parent
        out_file, env_file = tmp / f"{step_id}.output", tmp / f"{step_id}.env"
        out_file.write_text("")
        env_file.write_text("")
        script = write_exe(tmp / f"{step_id}.sh", s["run"])
        env = {**self.env, **(extra_env or {}), "GITHUB_OUTPUT": str(out_file), "GITHUB_ENV": str(env_file),
               "GITHUB_STEP_SUMMARY": str(self.summary)}
        p = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=self.repo,
                           env=env, capture_output=True, text=True, timeout=120)
        outputs = dict(line.split("=", 1) for line in out_file.read_text().splitlines() if "=" in line)
        self.env.update(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
        self.runs[step_id] = StepRun(p.returncode, p.stdout, p.stderr, outputs)
        return self.runs[step_id]

    def run_all(self) -> dict[str, StepRun]:
        """changed → validate → diff → comment, honouring the `count` and `comment` conditions as GitHub would."""
        changed = self.run("changed")
        assert changed.rc == 0, changed.err
        if changed.outputs["count"] != "0":
            self.run("validate")
            diff = self.run("diff")  # `if: !cancelled()`: runs even when validate failed
            if diff.outputs.get("comment"):
                self.run("comment", {"GH_TOKEN": "x", "PR_NUMBER": "42"})
        return self.runs


def make_runner(tmp: Path, repo: Path, base: str, head: str, nhgeo: str | None = None) -> Runner:
    """A runner whose PATH has an ``nhgeo`` for this checkout (or the given script) and a fake ``gh``."""
    bindir = tmp / "bin"
    bindir.mkdir()
    write_exe(bindir / "nhgeo", nhgeo or f'#!/bin/sh\nexec "{sys.executable}" -m nhgeo "$@"\n')
    write_exe(bindir / "gh", '#!/bin/bash\nprintf "%s\\n" "$@" > "$GH_LOG"\n'
              'while [ $# -gt 0 ]; do [ "$1" = --body-file ] && cp "$2" "$GH_LOG.body"; shift; done\nexit 0\n')
    job_env = dict(load_workflow()["env"])
    expressions = {k for k, v in job_env.items() if "${{" in str(v)}
    assert expressions == {"BASE_SHA", "HEAD_SHA"}, "the test sets exactly these GitHub expressions"
    env = child_env(**{**{k: str(v) for k, v in job_env.items()}, "BASE_SHA": base, "HEAD_SHA": head,
                       "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}", "GH_LOG": str(tmp / "gh.log")})
    env.pop("NHGEO_DEBUG", None)
    return Runner(repo, bindir, env, tmp / "summary.md")


def annotations(text: str) -> list[dict[str, Any]]:
    """Parse every workflow-command line, asserting it is well formed (properties escaped, known keys)."""
    out = []
    for line in text.splitlines():
        if not line.startswith("::"):
            continue
        m = ANNOTATION.match(line)
        assert m, f"malformed workflow command: {line!r}"
        props: dict[str, str] = {}
        for part in (m["props"] or "").split(","):
            key, sep, value = part.partition("=")
            assert sep and key in PROPERTY_KEYS, f"bad property {part!r} in {line!r}"
            assert "\r" not in value and "\n" not in value
            props[key] = unescape(value)
        out.append({"level": m["level"], "msg": unescape(m["msg"]), **props})
    return out


def unescape(s: str) -> str:
    """Undo workflow-command escaping."""
    for code, ch in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        s = s.replace(code, ch)
    return s


# ---- the workflow file -------------------------------------------------------------------------------------

def test_workflow_is_real_actions_yaml() -> None:
    wf = load_workflow()
    on = wf[True]
    globs = wf["env"]["FOOTPRINTS"].split()
    for event in ("pull_request", "push"):  # the trigger filter matches the footprints the steps look at
        assert sorted(on[event]["paths"]) == sorted(g.replace("**/*", "**") for g in globs)
    uses = [s["uses"] for s in steps() if "uses" in s]
    assert uses[:2] == ["actions/checkout@v4", "actions/setup-python@v5"]
    assert steps()[0]["with"]["fetch-depth"] == 0
    assert "github.com/nhgeo/nhgeo" not in WORKFLOW.read_text()  # the invented URL is gone
    for s in steps():
        if "run" in s:
            assert s["run"].startswith("set -euo pipefail\n"), s["name"]
            assert "${{" not in s["run"], f"{s['name']}: expressions go through env, not into the shell"
    for later in ("diff", "comment"):  # they run after a failed validation (a rule failing is the point)
        assert "!cancelled()" in step(later)["if"]
    for gated in ("validate", "diff"):  # the conditions Runner.run_all reproduces
        assert "steps.changed.outputs.count != '0'" in step(gated)["if"]
    assert "steps.diff.outputs.comment != ''" in step("comment")["if"]
    assert 'mkdir -p "$REPORT_DIR/junit"' in step("validate")["run"]


def test_install_step_needs_a_real_source_and_installs_it(tmp_path: Path) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "python.log"
    write_exe(bindir / "python", f'#!/bin/sh\nprintf "%s\\n" "$@" > "{log}"\n')
    write_exe(bindir / "nhgeo", '#!/bin/sh\necho "nhgeo 0.1.0"\n')
    script = write_exe(tmp_path / "install.sh", step("install")["run"])
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}

    shipped = {**env, "NHGEO_SPEC": load_workflow()["env"]["NHGEO_SPEC"]}
    p = subprocess.run(["bash", str(script)], env=shipped, capture_output=True, text=True)
    assert p.returncode == 2
    assert "::error title=nhgeo install::edit NHGEO_SPEC" in p.stdout  # placeholder: clear message, no pip
    assert not log.exists()

    p = subprocess.run(["bash", str(script)], env={**env, "NHGEO_SPEC": "./vendor/nhgeo"}, capture_output=True,
                       text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    assert log.read_text().split() == ["-m", "pip", "install", "./vendor/nhgeo"]
    assert "nhgeo 0.1.0" in p.stdout


# ---- the workflow's steps on a throwaway repository --------------------------------------------------------

def test_broken_change_fails_with_annotations_junit_and_diff_comment(tmp_path: Path) -> None:
    good = GOOD.read_text(encoding="utf-8")
    repo, base, head = make_repo(tmp_path, {"configs/ncl.toml": good, "configs/other.toml": good, "README.md": "a"},
                                 {"configs/ncl.toml": moved_footprint(), "README.md": "b"})
    runs = make_runner(tmp_path, repo, base, head).run_all()

    # only the changed footprint is checked (not the unchanged one, not the README)
    assert runs["changed"].outputs["count"] == "1"
    assert (repo / "reports/nhgeo/changed.list").read_bytes() == b"configs/ncl.toml\0"

    v = runs["validate"]
    assert v.rc == 1, v.out + v.err  # a rule fails -> the job fails
    notes = annotations(v.out)
    contiguity = [a for a in notes if a.get("title") == f"nhgeo contiguity ({MOVED_TO})"]
    assert contiguity and contiguity[0]["level"] == "error"
    assert contiguity[0]["file"] == "configs/ncl.toml"
    assert MOVED in contiguity[0]["msg"]
    assert "a rule fails in a changed footprint" in v.out

    junit = repo / "reports/nhgeo/junit/configs_ncl.toml.xml"  # in the folder the step created
    suite = ET.parse(junit).getroot()
    assert suite.tag == "testsuite" and int(suite.get("failures", "0")) >= 1
    failing = {c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None}
    assert "contiguity" in failing
    assert "| `configs/ncl.toml` | a rule fails (exit 1) |" in (tmp_path / "summary.md").read_text()

    d = runs["diff"]
    assert d.rc == 0, d.err
    body = (repo / "reports/nhgeo/diff.md").read_text(encoding="utf-8")
    row = next(ln for ln in body.splitlines() if ln.startswith(f"| {MOVED} | "))  # code | name (ward) | from | to
    assert f"| {MOVED_FROM} " in row and f"| {MOVED_TO} " in row and "(" in row
    assert "LSOAs moved: **1**" in body and "breaks a rule" in body
    assert f"`contiguity` (error) {MOVED_TO}" in body

    assert runs["comment"].rc == 0
    assert (tmp_path / "gh.log").read_text().split() == ["pr", "comment", "42", "--body-file", "reports/nhgeo/diff.md"]
    assert (tmp_path / "gh.log.body").read_text(encoding="utf-8") == body


def test_harmless_change_passes(tmp_path: Path) -> None:
    repo, base, head = make_repo(tmp_path, {"configs/ncl.toml": GOOD.read_text(encoding="utf-8")},
                                 {"configs/ncl.toml": renamed_footprint()})
    runs = make_runner(tmp_path, repo, base, head).run_all()
    v = runs["validate"]
    assert v.rc == 0, v.out + v.err
    assert [a for a in annotations(v.out) if a["level"] == "error"] == []
    assert "every changed footprint passes" in v.out
    suite = ET.parse(repo / "reports/nhgeo/junit/configs_ncl.toml.xml").getroot()
    assert suite.get("failures") == "0"
    body = (repo / "reports/nhgeo/diff.md").read_text(encoding="utf-8")
    assert runs["diff"].rc == 0
    assert "no rule newly broken" in body and "LSOAs moved: **0**" in body
    assert runs["comment"].rc == 0


def test_bad_input_fails_with_exit_2_and_an_escaped_annotation(tmp_path: Path) -> None:
    name = "configs/draft, v2: notes.toml"  # comma and colon must be escaped in the file property
    repo, base, head = make_repo(tmp_path, {"README.md": "a"}, {name: "[footprint\nname = 1\n"})
    runs = make_runner(tmp_path, repo, base, head).run_all()
    v = runs["validate"]
    assert v.rc == 2, v.out + v.err
    [note] = annotations(v.out)
    assert note["file"] == name and note["title"] == "nhgeo bad input (exit 2)"
    assert "malformed TOML" in note["msg"]  # nhgeo's own one-line reason
    assert "could not be read (bad input, exit 2)" in v.out
    assert not list((repo / "reports/nhgeo/junit").iterdir())
    body = (repo / "reports/nhgeo/diff.md").read_text(encoding="utf-8")
    assert runs["diff"].rc == 0 and "New file: nothing to compare with." in body


def test_internal_error_fails_with_exit_3_and_says_it_is_a_bug(tmp_path: Path) -> None:
    good = GOOD.read_text(encoding="utf-8")
    repo, base, head = make_repo(tmp_path, {"configs/ncl.toml": good}, {"configs/ncl.toml": renamed_footprint()})
    crash = '#!/bin/sh\necho "nhgeo: internal error (a bug): KeyError in checks.py:12" >&2\nexit 3\n'
    runs = make_runner(tmp_path, repo, base, head, nhgeo=crash).run_all()
    v = runs["validate"]
    assert v.rc == 3
    [note] = annotations(v.out)
    assert note["title"] == "nhgeo internal error (exit 3)" and "a bug in nhgeo" in note["msg"]
    assert "KeyError in checks.py:12" in note["msg"]
    assert runs["diff"].rc == 3
    assert "internal error (exit 3)" in (repo / "reports/nhgeo/diff.md").read_text(encoding="utf-8")


def test_no_footprint_changed_nothing_runs(tmp_path: Path) -> None:
    good = GOOD.read_text(encoding="utf-8")
    repo, base, head = make_repo(tmp_path, {"configs/ncl.toml": good, "README.md": "a"}, {"README.md": "b"})
    runs = make_runner(tmp_path, repo, base, head).run_all()
    assert runs["changed"].outputs["count"] == "0" and list(runs) == ["changed"]


def test_without_a_base_commit_every_footprint_is_checked(tmp_path: Path) -> None:
    repo, _, head = make_repo(tmp_path, {"configs/a.toml": "x", "configs/sub/b.csv": "y", "notes.toml": "z"},
                              {"configs/c.toml": "w", "configs/a.toml": None})
    runner = make_runner(tmp_path, repo, "0" * 40, head)  # a push that created the branch
    r = runner.run("changed")
    assert r.rc == 0 and r.outputs["count"] == "2"
    assert sorted((repo / "reports/nhgeo/changed.list").read_bytes().split(b"\0")) == [
        b"", b"configs/c.toml", b"configs/sub/b.csv"]
    assert runner.env["NHGEO_BASE"] == ""


def test_cli_escapes_annotation_properties(tmp_path: Path) -> None:
    path = tmp_path / "draft, v2: notes.toml"
    path.write_text(BROKEN.read_text(encoding="utf-8"), encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "nhgeo", "validate", str(path), "--format", "github"],
                       env=child_env(), capture_output=True, text=True)
    assert p.returncode == 1
    notes = annotations(p.stdout)
    assert notes and all(a["file"] == str(path) for a in notes)


# ---- the pre-commit hook ------------------------------------------------------------------------------------

def test_precommit_hook_validates_each_staged_footprint(tmp_path: Path) -> None:
    [hook] = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert hook["id"] == "nhgeo-validate" and hook["language"] == "python" and hook["pass_filenames"] is True
    files = re.compile(hook["files"])
    assert files.search("configs/ncl.toml") and files.search("configs/sub/ncl.csv")
    assert not files.search("README.md") and not files.search("src/nhgeo/x.toml")

    entry = shlex.split(hook["entry"])
    env = child_env(PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")

    clone = tmp_path / "clone"  # pre-commit runs in the user's clone with paths relative to it (not in ours)
    for f in (GOOD, BROKEN):
        (clone / f.relative_to(ROOT)).parent.mkdir(parents=True, exist_ok=True)
        (clone / f.relative_to(ROOT)).write_bytes(f.read_bytes())

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*entry, *args], cwd=clone, env=env, capture_output=True, text=True, timeout=120)

    # every file is checked, options reach every call, and the worst exit code wins
    p = run("--format=json", str(GOOD.relative_to(ROOT)), str(BROKEN.relative_to(ROOT)))
    assert p.returncode == 1, p.stderr
    dec, text, reports = json.JSONDecoder(), p.stdout.strip(), []
    while text:
        obj, end = dec.raw_decode(text)
        reports.append(obj)
        text = text[end:].lstrip()
    assert len(reports) == 2
    assert [r["path"] for r in reports] == [str(GOOD.relative_to(ROOT)), str(BROKEN.relative_to(ROOT))]

    bad = tmp_path / "bad.toml"
    bad.write_text("[footprint\n", encoding="utf-8")
    p = run(str(bad))
    assert p.returncode == 2 and "malformed TOML" in p.stderr
    assert run().returncode == 0  # nothing staged: nothing to do
