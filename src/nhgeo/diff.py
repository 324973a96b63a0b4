"""Compare two footprints: what moved, what appeared or went, and which rules broke or got fixed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .checks import Finding, ValidationReport, validate


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

    @property
    def changed(self) -> bool:
        return bool(self.moved or self.added_neighbourhoods or self.removed_neighbourhoods or self.added_places
                    or self.removed_places)

    def exit_code(self, strict: bool = False) -> int:
        """1 when the change breaks a rule that held before (warnings too with ``strict``)."""
        bad = [f for f in self.newly_broken if f.severity == "error" or strict]
        return 1 if bad else 0


def _key(f: Finding) -> tuple[str, str]:
    return (f.rule, f.unit)


def _populations(rep: ValidationReport) -> dict[str, int]:
    out = {p.id: p.population for p in (rep.score.parts if rep.score else [])}
    return out


def diff(old: str | Path, new: str | Path, boundaries: str | Path | None = None, **kw: Any) -> FootprintDiff:
    """Validate both footprints and compare them unit by unit."""
    a = validate(old, boundaries, **kw)
    b = validate(new, boundaries, **kw)
    fa, fb = a.footprint.assignment(), b.footprint.assignment()
    moved = []
    for code in sorted(set(fa.index) | set(fb.index)):
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
    ka = {_key(f) for f in a.findings}
    kb = {_key(f) for f in b.findings}
    return FootprintDiff(
        old=a, new=b, moved=moved, added_neighbourhoods=sorted(ib - ia), removed_neighbourhoods=sorted(ia - ib),
        added_places=sorted(pb - pa), removed_places=sorted(pa - pb), population_change=change,
        newly_broken=[f for f in b.findings if _key(f) not in ka], fixed=[f for f in a.findings if _key(f) not in kb])


def diff_to_dict(d: FootprintDiff) -> dict[str, Any]:
    def fd(f: Finding) -> dict[str, Any]:
        return {"rule": f.rule, "severity": f.severity, "unit": f.unit, "message": f.message, "fix": f.fix}

    return {
        "old": d.old.path, "new": d.new.path, "changed": d.changed,
        "moved": [{"code": c, "from": x or None, "to": y or None} for c, x, y in d.moved],
        "added_neighbourhoods": d.added_neighbourhoods, "removed_neighbourhoods": d.removed_neighbourhoods,
        "added_places": d.added_places, "removed_places": d.removed_places,
        "population_change": {u: {"old": o, "new": n, "change": n - o} for u, (o, n) in d.population_change.items()},
        "newly_broken": [fd(f) for f in d.newly_broken], "fixed": [fd(f) for f in d.fixed],
        "old_errors": len(d.old.errors), "new_errors": len(d.new.errors),
    }


def diff_markdown(d: FootprintDiff, limit: int = 50) -> str:
    """A pull-request comment."""
    verdict = "❌ breaks a rule" if d.exit_code() else "✅ no rule newly broken"
    out = [f"### nhgeo diff: `{d.old.path}` → `{d.new.path}` — {verdict}", ""]
    if not d.changed:
        out.append("No LSOA, neighbourhood or place changed.")
    out.append(f"- LSOAs moved: **{len(d.moved)}**")
    for label, xs in (("neighbourhoods added", d.added_neighbourhoods), ("neighbourhoods removed",
                      d.removed_neighbourhoods), ("places added", d.added_places), ("places removed",
                                                                                      d.removed_places)):
        if xs:
            out.append(f"- {label}: {', '.join(xs)}")
    if d.moved:
        out += ["", "| LSOA | from | to |", "|---|---|---|"]
        out += [f"| {c} | {x or '–'} | {y or '–'} |" for c, x, y in d.moved[:limit]]
        if len(d.moved) > limit:
            out.append(f"| … | {len(d.moved) - limit} more | |")
    if d.population_change:
        out += ["", "| unit | old population | new population | change |", "|---|---:|---:|---:|"]
        out += [f"| {u} | {o:,} | {n:,} | {n - o:+,} |" for u, (o, n) in list(d.population_change.items())[:limit]]
    for title, fs in (("Rules newly broken", d.newly_broken), ("Rules fixed", d.fixed)):
        if fs:
            out += ["", f"**{title}**", ""]
            out += [f"- `{f.rule}` ({f.severity}) {f.unit}: {f.message}" + (f" — fix: {f.fix}" if f.fix else "")
                    for f in fs]
    return "\n".join(out) + "\n"
