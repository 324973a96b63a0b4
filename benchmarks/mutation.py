"""Mutation testing of the modules whose faults matter most, each against the tests that exercise it (issue 27).

    python benchmarks/mutation.py                     # every module, writes benchmarks/MUTATION.md
    python benchmarks/mutation.py --only check/diff   # one module (results merge into the table)
    python benchmarks/mutation.py --limit 0           # every mutant, no sampling (slow: hours on 2 cores)

Uses mutmut (a maintained mutation tester; ``pip install -e .[dev]``). For each module a scratch copy of
``src/``, ``tests/``, ``configs/`` and ``pyproject.toml`` is made under ``--work`` (boundaries/ linked, not
copied), mutmut mutates only that module's file(s) and runs only the listed test files, with ``-x`` (first
failure kills the mutant); mutmut further narrows each mutant to the tests that reach its function.

Sampling: with ``--limit N`` (default 45) a module with more than N mutants is tested on N of them, chosen by
a fixed stride over the sorted names (deterministic, spread over the whole file); the table says how many
there were in all. Mutants listed in EQUIVALENT (with the reason) are counted apart, not as survivors.
Not part of CI: minutes per module, not hours.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# module label -> (files to mutate, test files that exercise them)
MODULES: dict[str, tuple[list[str], list[str]]] = {
    "check/rules": (["src/nhgeo/check/rules/*.py"],
                    ["tests/test_registry.py", "tests/test_fixes.py", "tests/test_validate.py",
                     "tests/test_footprint_rules.py", "tests/test_readme_rules.py", "tests/test_verdict.py",
                     "tests/test_coverage.py"]),
    "check/validation": (["src/nhgeo/check/validation.py"],
                         ["tests/test_validate.py", "tests/test_verdict.py", "tests/test_reports_cli.py",
                          "tests/test_footprint_forms.py", "tests/test_fit.py", "tests/test_footprint_rules.py"]),
    "check/diff": (["src/nhgeo/check/diff.py"],
                   ["tests/test_validate.py", "tests/test_verdict.py", "tests/test_cli.py",
                    "tests/test_edge_cases.py"]),
    "check/coverage": (["src/nhgeo/check/coverage.py"],
                       ["tests/test_coverage.py", "tests/test_verdict.py", "tests/test_edge_cases.py"]),
    "render/report_data": (["src/nhgeo/render/report_data.py"],
                           ["tests/test_reports_cli.py", "tests/test_report_html.py", "tests/test_verdict.py",
                            "tests/test_output.py"]),
    "output": (["src/nhgeo/output.py"],
               ["tests/test_output.py", "tests/test_cli.py", "tests/test_cli_conventions.py",
                "tests/test_edge_cases.py", "tests/test_tables.py", "tests/test_maps.py", "tests/test_ensemble.py"]),
    "design/partition": (["src/nhgeo/design/partition.py", "src/nhgeo/design/band_repair.py"],
                         ["tests/test_partition.py", "tests/test_refine.py", "tests/test_propose.py",
                          "tests/test_wards_whole.py",
                          "tests/test_affinity.py"]),
    "cli/app": (["src/nhgeo/cli/app.py"],
                ["tests/test_cli.py", "tests/test_cli_conventions.py", "tests/test_edge_cases.py",
                 "tests/test_verdict.py"]),
}

# mutants that cannot change behaviour, by name, with why (counted apart: not killable by any test)
EQUIVALENT: dict[str, str] = {
    "nhgeo.check.diff.x_diff__mutmut_69": "popa.get(u, None) for popa.get(u, 0) in the population-change filter "
    "differs only for a neighbourhood added with 0 people; every LSOA has residents, so no footprint has one",
    "nhgeo.render.report_data.x_proposal_services__mutmut_22": "np.full(n, None) without dtype=object: a None "
    "fill makes an object array anyway",
    "nhgeo.render.report_data.x_report_data_from_validation__mutmut_24": "pops.get(id, None) for pops.get(id, 0): "
    "only neighbourhoods holding LSOAs are listed, and each of those has a population entry",
    "nhgeo.cli.app.xǁOneLineUsageErrorsǁmain__mutmut_30": "getattr(exc, 'format_message') without a default: "
    "every click usage error has format_message",
    "nhgeo.check.rules.codes.x_gap_message__mutmut_31": "names.get(nid) for names.get(nid, ''): the next line "
    "tests `if name and ...`, and None and '' take the same branch",
    "nhgeo.check.rules.fixes.xǁFixPlannerǁ_touching__mutmut_22": "d.get('length') without the default 0.0: every "
    "edge of the unit graph carries a length (land edges their shared border, bridges 0.0), so the default is "
    "never read",
    "nhgeo.check.validation.x__score__mutmut_21": "reset_index(drop=None) for drop=True: the old index becomes a "
    "column named 'index' that score_assignment never reads (it reads the standard columns and positions)",
    "nhgeo.check.coverage.x__pairs_within__mutmut_80": "|px + xmax| for |px - xmax| in the farthest-corner bound: "
    "a larger bound settles fewer pairs from boxes alone, and those then get the exact GEOS distance, which gives "
    "the same pairs (a speed-up lost, no answer changed)",
    "nhgeo.output.x_write_edges__mutmut_16": "to_file without driver='GPKG': write_edges takes only *.gpkg names "
    "and the temporary file keeps the suffix, so GDAL infers the same driver",
    "nhgeo.output.x_write_proposal__mutmut_160": "driver='gpkg' for 'GPKG': GDAL looks driver names up "
    "case-insensitively",
    "nhgeo.cli.app.xǁOneLineUsageErrorsǁmain__mutmut_63": "'XXXX' for '' where a usage error has no context: "
    "every usage error click raises while parsing nhgeo's commands carries its context (unknown option, missing "
    "argument, bad value, no such command), so the branch is never taken",
    "nhgeo.design.band_repair.x_chain_repair__mutmut_1": "rounds=501 for 500: a safety cap; every round must lower "
    "the total band violation or the loop stops, and on every map tried (3,000 random maps, London at 5,000, "
    "England) it stops by itself within a few rounds, so one more allowed round is never used",
    "nhgeo.cli.app.x_fail__mutmut_2": "highlight=None for highlight=False on the error console: it prints "
    "without colour or markup highlighting where output is not a terminal, the same text",
}

# mutants of code deleted in the session they were found in (dead code): not counted, listed with why
REMOVED: dict[str, str] = {
    "nhgeo.check.coverage.x__count_within__mutmut_1": "_count_within was called nowhere (mutmut found no test "
    "reaching it); the function was deleted",
}

# survivors not yet killed, with what a killing test would need (listed under the survivors)
NOT_YET: dict[str, str] = {
    "nhgeo.check.coverage.x__over_land__mutmut_122": "land route <= 2d + slack read as d/2 + slack for the straight-"
    "line nearest service: on North Central London no nearest service changes (checked by hand); a test needs a "
    "map where the nearest is 0.5-2 times its distance away by land",
    "nhgeo.design.band_repair.x_chain_repair__mutmut_64": "a candidate filter in the chain search (continue -> "
    "break) only prunes the search; the total-violation check still decides, and no map tried needs that branch",
    "nhgeo.design.partition.xǁBalancedPartitionǁ_solve_atoms__mutmut_86": "the fallback to the plain solve when "
    "whole wards cannot reach the band even after node-level repair: no test map reaches it",
    "nhgeo.design.partition.xǁBalancedPartitionǁsolve__mutmut_14": "k equal to the number of wards would take the "
    "ward path (each ward a part, then node-level repair) instead of the plain solve; no test map has exactly k "
    "wards, and which answer is better there (wards whole) is a design question, not a bug to pin",
}

KILLED = ("killed", "timeout", "caught by type check", "segfault")  # segfault: the mutant crashed the tests


def _status(code: int | None) -> str:
    from mutmut.stats import status_by_exit_code

    return str(status_by_exit_code[code])


def _mutmut() -> str:
    exe = Path(sys.executable).with_name("mutmut")
    return str(exe) if exe.exists() else "mutmut"


def _prepare(work: Path, files: list[str], tests: list[str]) -> None:
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    shutil.copytree(ROOT / "src", work / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "tests", work / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "configs", work / "configs")
    (work / "boundaries").symlink_to(ROOT / "boundaries")
    for extra in ("README.md",):
        if (ROOT / extra).exists():
            shutil.copy(ROOT / extra, work / extra)
    present = [t for t in tests if (ROOT / t).exists()]
    cfg = (ROOT / "pyproject.toml").read_text()
    cfg += (
        "\n[tool.mutmut]\n"
        f'source_paths = ["src/"]\n'
        f"only_mutate = {json.dumps(files)}\n"
        f'also_copy = ["configs/", "README.md"]\n'
        f"pytest_add_cli_args = {json.dumps(['-x', '-q', '-p', 'no:cacheprovider', '-p', 'no:randomly'])}\n"
        f"pytest_add_cli_args_test_selection = {json.dumps(present)}\n"
        "use_git_change_detection = false\n"
    )
    (work / "pyproject.toml").write_text(cfg)


def _names(work: Path) -> list[str]:
    names: list[str] = []
    for meta in sorted((work / "mutants").rglob("*.meta")):
        names += sorted(json.loads(meta.read_text()).get("exit_code_by_key", {}))
    return names


def _results(work: Path) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for meta in sorted((work / "mutants").rglob("*.meta")):
        out.update(json.loads(meta.read_text()).get("exit_code_by_key", {}))
    return out


def _sample(names: list[str], limit: int) -> list[str]:
    if limit <= 0 or len(names) <= limit:
        return names
    step = len(names) / limit
    return [names[int(i * step)] for i in range(limit)]


def _generate(label: str, work: Path, tests: list[str], children: int) -> tuple[dict[str, str], list[str]]:
    """A scratch copy with mutmut's mutants generated and its test stats collected: (environment, mutant names)."""
    files, _ = MODULES[label]
    _prepare(work, files, tests)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NHGEO_DATA")}
    # a test's child process (python -m nhgeo) imports the mutated copy too, not the installed nhgeo
    env["PYTHONPATH"] = str(work / "mutants" / "src")
    env["NHGEO_DATA"] = str(ROOT / "boundaries")
    # generation + stats collection only: a name that matches no mutant stops mutmut right after them
    est = subprocess.run([_mutmut(), "run", "--max-children", str(children), "no-such-mutant"], cwd=work, env=env,
                         capture_output=True, text=True)
    names = _names(work)
    if not names:
        raise SystemExit(f"{label}: mutmut generated no mutants\n{est.stdout[-2000:]}\n{est.stderr[-2000:]}")
    return env, names


def _run_mutants(work: Path, env: dict[str, str], names: list[str], children: int) -> dict[str, str]:
    with (work / "mutmut-run.log").open("w") as fh:
        subprocess.run([_mutmut(), "run", "--max-children", str(children), *names], cwd=work, env=env,
                       stdout=fh, stderr=subprocess.STDOUT, text=True)
    res = _results(work)
    return {n: _status(res.get(n)) for n in names}


def run_module(label: str, work_root: Path, limit: int, children: int) -> dict[str, object]:
    t0 = time.time()
    work = work_root / label.replace("/", "_")
    env, all_names = _generate(label, work, MODULES[label][1], children)
    chosen = _sample(all_names, limit)
    verdicts = _run_mutants(work, env, chosen, children)
    every = _changes(work)
    return {"label": label, "total": len(all_names), "chosen": chosen, "verdicts": verdicts,
            "changes": {n: every.get(n, "") for n in chosen}, "seconds": round(time.time() - t0)}


def rerun_survivors(rec: dict[str, object], work_root: Path, children: int, tests: list[str] | None) -> list[str]:
    """Run the recorded survivors again on today's source and tests (after tests were written to kill them), each
    found by its edit (its number shifts when the function above it changed); updates ``rec`` in place."""
    label = str(rec["label"])
    verdicts: dict[str, str] = rec["verdicts"]  # type: ignore[assignment]
    changes: dict[str, str] = rec.get("changes", {})  # type: ignore[assignment]
    todo = [n for n, v in verdicts.items() if v not in KILLED and n not in EQUIVALENT and n not in REMOVED]
    if not todo:
        return []
    work = work_root / (label.replace("/", "_") + "-rerun")
    env, names = _generate(label, work, tests or MODULES[label][1], children)
    now = _changes(work)
    found: dict[str, str] = {}
    for old in todo:
        func = old.rsplit("__mutmut_", 1)[0]
        same = [n for n in names if n.rsplit("__mutmut_", 1)[0] == func and now.get(n) == changes.get(old)]
        if same:
            found[old] = old if old in same else same[0]
    again = _run_mutants(work, env, sorted(set(found.values())), children) if found else {}
    lines = []
    for old in todo:
        verdicts[old] = again[found[old]] if old in found else "gone (the code it mutated changed)"
        lines.append(f"{old}: {verdicts[old]}" + (f" (now {found[old]})" if old in found and found[old] != old else ""))
    rec.setdefault("reruns", []).append(lines)  # type: ignore[attr-defined]
    return lines


_DEF = re.compile(r"^(\s*)def (x\S+?)__mutmut_(orig|\d+)\(")


def _changes(work: Path) -> dict[str, str]:
    """Every mutant's edit as ``old<TAB>new`` (its first line that differs from the original function), read from
    the mutated copies mutmut writes under ``mutants/src`` (no process per mutant)."""
    out: dict[str, str] = {}
    root = work / "mutants" / "src"
    for path in sorted(root.rglob("*.py")):
        module = ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
        bodies: dict[tuple[str, str], list[str]] = {}
        current: tuple[str, str] | None = None
        indent = ""
        for line in path.read_text().splitlines():
            m = _DEF.match(line)
            if m:
                indent, current = m.group(1), (m.group(2), m.group(3))
                name = f"{m.group(2)}__mutmut_{m.group(3)}"
                bodies[current] = [line.strip().replace(name, m.group(2).split("ǁ")[-1].removeprefix("x_"))]
                continue  # the signature is compared too (a mutated default)
            if current is not None:
                if line.strip() and not line.startswith(indent + " ") and not line.startswith(indent + "\t"):
                    current = None  # dedented: the function ended
                    continue
                bodies[current].append(line.strip())
        for (func, idx), body in bodies.items():
            orig = bodies.get((func, "orig"))
            if idx == "orig" or orig is None:
                continue
            diff = [(a, b) for a, b in zip(orig, body, strict=False) if a != b] or [(orig[-1] if orig else "", "")]
            out[f"{module}.{func}__mutmut_{idx}"] = f"{diff[0][0]}\t{diff[0][1]}"
    return out


def _cell(change: str, context: int = 30) -> str:
    """``old<TAB>new`` shown as the changed middle in context: ``…prefix[old ⇒ new]suffix…``."""
    old, _, new = change.partition("\t")
    i = 0
    while i < min(len(old), len(new)) and old[i] == new[i]:
        i += 1
    j = 0
    while j < min(len(old), len(new)) - i and old[len(old) - 1 - j] == new[len(new) - 1 - j]:
        j += 1
    word = re.compile(r"\w")
    while i > 0 and word.match(old[i - 1]):  # whole words: [study.column ⇒ ], not st[udy.column ⇒ ]
        i -= 1
    while j > 0 and word.match(old[len(old) - j]):
        j -= 1
    left = ("…" if i > context else "") + old[max(0, i - context):i]
    right = old[len(old) - j:len(old) - j + context] + ("…" if j > context else "")
    text = f"{left}[{old[i:len(old) - j]} ⇒ {new[i:len(new) - j]}]{right}"
    return text.replace("|", "\\|").replace("`", "'")


def _score(rec: dict[str, object]) -> tuple[int, int, int, list[str]]:
    verdicts: dict[str, str] = rec["verdicts"]  # type: ignore[assignment]
    eq = [n for n in verdicts if n in EQUIVALENT or n in REMOVED]
    counted = {n: v for n, v in verdicts.items() if n not in EQUIVALENT and n not in REMOVED}
    killed = sum(v in KILLED for v in counted.values())
    survivors = sorted(n for n, v in counted.items() if v not in KILLED)
    return killed, len(counted), len(eq), survivors


def _in_order(records: dict[str, dict[str, object]]) -> list[tuple[str, dict[str, object]]]:
    """The modules that have results, in MODULES order."""
    return [(label, records[label]) for label in MODULES if label in records]


def _before_lines(before: dict[str, dict[str, object]], label: str) -> list[str]:
    lines = [f"## {label}", "", "| module | tested | killed | score |", "|---|---:|---:|---:|"]
    tk = tn = 0
    for mod, rec in _in_order(before):
        k, n, _, _ = _score(rec)
        tk, tn = tk + k, tn + n
        lines.append(f"| {mod} | {n} | {k} | {100 * k / max(n, 1):.0f}% |")
    lines += [f"| **all** | {tn} | {tk} | {100 * tk / max(tn, 1):.0f}% |", ""]
    return lines


def write_table(records: dict[str, dict[str, object]], path: Path, note: str,
                before: dict[str, dict[str, object]] | None = None, before_label: str = "Before") -> str:
    lines = ["# Mutation testing (issue 27)", "",
             "Written by `python benchmarks/mutation.py` (mutmut; each module against the tests that exercise it, "
             "`-x`). Sampled: at most `--limit` mutants per module by a fixed stride over the sorted mutant names; "
             "'mutants' is how many mutmut generated, 'tested' how many were run. Equivalent mutants and mutants of "
             "code since deleted (listed below with why) are left out of the score.", ""]
    if note:
        lines += [note, ""]
    lines += ["| module | mutants | tested | not counted | killed | survived | score | time (s) |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
    tk = tn = 0
    surv_lines: list[str] = []
    for label, rec in _in_order(records):
        k, n, e, surv = _score(rec)
        tk, tn = tk + k, tn + n
        lines.append(f"| {label} | {rec['total']} | {len(rec['chosen'])} | {e} | {k} | {n - k} | "  # type: ignore[arg-type]
                     f"{100 * k / max(n, 1):.0f}% | {rec['seconds']} |")
        surv_lines += [f"- `{s}` ({rec['verdicts'][s]})" + (f": {NOT_YET[s]}" if s in NOT_YET else "")  # type: ignore[index]
                       for s in surv]
    for label, rec in _in_order(records):
        changes: dict[str, str] = rec.get("changes", {})  # type: ignore[assignment]
        lines += ["", f"### {label}", "", "| mutant | change | verdict |", "|---|---|---|"]
        for n in rec["chosen"]:  # type: ignore[attr-defined]
            verdict = ("equivalent" if n in EQUIVALENT else "code deleted" if n in REMOVED
                       else str(rec["verdicts"][n]))  # type: ignore[index]
            if any(line.startswith(f"{n}:") for batch in rec.get("reruns", []) for line in batch):  # type: ignore[attr-defined]
                verdict += " (run again after the tests were written)"
            lines.append(f"| `{n.removeprefix('nhgeo.')}` | `{_cell(changes.get(n, ''))}` | {verdict} |")
    sampled = {n for rec in records.values() for n in rec["chosen"]}  # type: ignore[attr-defined]
    lines += ["", "## Equivalent mutants (not counted)", ""]
    lines += [f"- `{n}`: {why}" for n, why in sorted(EQUIVALENT.items()) if n in sampled] or ["- none"]
    lines += ["", "## Mutants of deleted code (not counted)", ""]
    lines += [f"- `{n}`: {why}" for n, why in sorted(REMOVED.items()) if n in sampled] or ["- none"]
    lines += ["", "## Surviving mutants", "", *(surv_lines or ["- none"]), ""]
    if before:
        lines += _before_lines(before, before_label)
    lines.append(f"overall: {tk} of {tn} killed ({100 * tk / max(tn, 1):.0f}%)")
    text = "\n".join(lines) + "\n"
    path.write_text(text)
    return text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", action="append", choices=list(MODULES), help="module(s) to run (default: all)")
    ap.add_argument("--limit", type=int, default=10, help="mutants per module at most (0 = all)")
    ap.add_argument("--children", type=int, default=2, help="mutants run in parallel")
    ap.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "nhgeo-mutation")
    ap.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "mutation-results.json")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "MUTATION.md")
    ap.add_argument("--note", default="", help="a line written above the table")
    ap.add_argument("--table-only", action="store_true", help="write the table from --results without running")
    ap.add_argument("--before", type=Path, help="results (json) of an earlier run, tabled for comparison")
    ap.add_argument("--before-label", default="Before")
    ap.add_argument("--rerun-survivors", action="store_true",
                    help="run the survivors in --results again on today's tests (after writing tests to kill them)")
    ap.add_argument("--tests", nargs="+", help="with --rerun-survivors: the test files to use (default: the module's)")
    args = ap.parse_args()
    records: dict[str, dict[str, object]] = json.loads(args.results.read_text()) if args.results.exists() else {}
    before = json.loads(args.before.read_text()) if args.before else None
    if args.table_only:  # mutants' edits read from --work where an older results file lacks them
        for label, rec in records.items():
            work = args.work / label.replace("/", "_")
            if "changes" not in rec and (work / "mutants").exists():
                every = _changes(work)
                rec["changes"] = {n: every.get(n, "") for n in rec["chosen"]}  # type: ignore[attr-defined]
        args.results.write_text(json.dumps(records, indent=1, sort_keys=True) + "\n")
        print(write_table(records, args.out, args.note, before, args.before_label))
        return
    if args.rerun_survivors:
        for label in args.only or list(records):
            print(f"{label}: survivors again ...", flush=True)
            for line in rerun_survivors(records[label], args.work, args.children, args.tests):
                print("  " + line, flush=True)
            args.results.write_text(json.dumps(records, indent=1, sort_keys=True) + "\n")
        print(write_table(records, args.out, args.note, before, args.before_label))
        return
    for label in args.only or list(MODULES):
        print(f"{label} ...", flush=True)
        rec = run_module(label, args.work, args.limit, args.children)
        records[label] = rec
        k, n, e, _ = _score(rec)
        print(f"  {k} of {n} killed ({e} equivalent), {rec['seconds']} s", flush=True)
        args.results.write_text(json.dumps(records, indent=1, sort_keys=True) + "\n")
    print(write_table(records, args.out, args.note, before, args.before_label))


if __name__ == "__main__":
    main()
