"""Compare two footprints: what moved, what appeared or went, and which rules broke or got fixed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .rules import Finding, Severity
from .validation import ValidationReport, Verdict, validate


@dataclass
class FootprintDiff:
    """What changed between OLD and NEW, and the rules it broke or fixed."""

    old: ValidationReport
    new: ValidationReport
    moved: list[tuple[str, str, str]]  # (code, from, to); "" = unassigned
    added_neighbourhoods: list[str]
    removed_neighbourhoods: list[str]
    added_places: list[str]
    removed_places: list[str]
    population_change: dict[str, tuple[int, int]]  # unit -> (old, new) population, changed ones only
    newly_broken: list[Finding] = field(default_factory=list)
    fixed: list[Finding] = field(default_factory=list)
    duplicated: dict[str, list[str]] = field(default_factory=dict)  # code -> neighbourhoods listing it, in NEW
    renamed: list[tuple[str, str, str]] = field(default_factory=list)  # (id, old name, new name)
    rules_changed: list[tuple[str, Any, Any]] = field(default_factory=list)  # (setting, old, new)

    @property
    def changed(self) -> bool:
        return bool(self.moved or self.duplicated or self.added_neighbourhoods or self.removed_neighbourhoods
                    or self.added_places or self.removed_places)

    def exit_code(self, strict: bool = False) -> int:
        """1 when the change breaks a rule that held before (warnings too with ``strict``)."""
        return self.outcome(strict).exit_code

    def verdict(self, strict: bool = False) -> tuple[bool, str]:
        """(passed, one sentence why) — a warning newly broken is named, with why it does not fail."""
        errors = sum(f.severity == Severity.ERROR for f in self.newly_broken)
        warnings = len(self.newly_broken) - errors
        if errors:
            return False, f"the change breaks a rule: {errors} error(s) newly broken" + (
                f", and {warnings} warning(s)" if warnings else "")
        if warnings and strict:
            return False, f"the change newly breaks {warnings} warning(s), and --strict makes warnings fail"
        if warnings:
            return True, (f"no error newly broken; {warnings} warning(s) newly broken, which do not fail without "
                          "--strict")
        return True, "no rule newly broken"

    def outcome(self, strict: bool = False) -> Verdict:
        """The one verdict of ``nhgeo diff`` (exit code, every format's pass/fail field and headline)."""
        ok, why = self.verdict(strict)
        return Verdict("diff", ok, why, f"{self.old.path} → {self.new.path}")


def _key(f: Finding) -> tuple[str, str]:
    return (f.rule, f.unit)


def _severities(rep: ValidationReport) -> dict[str, str]:
    from .rules import REGISTRY, severity_of

    return {r.id: str(severity_of(rep.footprint.rules, r.id)) for r in REGISTRY}


def _populations(rep: ValidationReport) -> dict[str, int]:
    out = {p.id: p.population for p in (rep.score.parts if rep.score else [])}
    return out


def diff(old: str | Path, new: str | Path, boundaries: str | Path | None = None, **kw: Any) -> FootprintDiff:
    """Validate both footprints and compare them unit by unit."""
    a = validate(old, boundaries, **kw)
    b = validate(new, boundaries, **kw)
    fa, fb = a.footprint.assignment(), b.footprint.assignment()
    da, db = a.footprint.duplicate_codes(), b.footprint.duplicate_codes()
    moved = []
    for code in sorted(set(fa.index) | set(fb.index)):
        if code in da or code in db:  # listed twice: a duplicate (reported as such), not a move
            continue
        x, y = str(fa.get(code, "")), str(fb.get(code, ""))
        if x != y:
            moved.append((code, x, y))
    ia = {n.id for n in a.footprint.neighbourhoods}
    ib = {n.id for n in b.footprint.neighbourhoods}
    pa = {p.id for p in a.footprint.places}
    pb = {p.id for p in b.footprint.places}
    popa, popb = _populations(a), _populations(b)
    # place populations from neighbourhood populations
    for rep, pops in ((a, popa), (b, popb)):
        for p in rep.footprint.places:
            pops[p.id] = sum(pops.get(n, 0) for n in p.neighbourhoods)
    change = {u: (popa.get(u, 0), popb.get(u, 0)) for u in sorted(set(popa) | set(popb))
              if popa.get(u, 0) != popb.get(u, 0)}
    ra, rb = a.footprint.rules.to_dict(), b.footprint.rules.to_dict()
    ra["severity"], rb["severity"] = _severities(a), _severities(b)
    rules_changed = [(k, ra.get(k), rb.get(k)) for k in ra if k != "severity" and ra.get(k) != rb.get(k)]
    rules_changed += [(f"severity.{k}", v, rb["severity"][k]) for k, v in ra["severity"].items()
                      if v != rb["severity"][k]]
    na, nb = a.assignment.names, b.assignment.names
    renamed = [(n, na[n], nb[n]) for n in sorted(set(na) & set(nb)) if na[n] != nb[n]]
    ka = {_key(f): f.severity for f in a.findings}
    kb = {_key(f): f.severity for f in b.findings}
    worse = {_key(f) for f in b.findings if ka.get(_key(f)) == Severity.WARNING and f.severity == Severity.ERROR}
    return FootprintDiff(
        old=a, new=b, moved=moved, added_neighbourhoods=sorted(ib - ia), removed_neighbourhoods=sorted(ia - ib),
        added_places=sorted(pb - pa), removed_places=sorted(pa - pb), population_change=change,
        # new, or worse than before (a waiver removed or a severity raised turns a warning into an error)
        newly_broken=[f for f in b.findings if _key(f) not in ka or _key(f) in worse],
        fixed=[f for f in a.findings if _key(f) not in kb],
        duplicated={c: ids for c, ids in db.items() if da.get(c) != ids},
        renamed=renamed, rules_changed=rules_changed)
