"""The rule registry: stable ids, one object per rule, and adding a rule needs nothing but the rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import nhgeo.check.rules as registry
from nhgeo.check.rules.base import Finding, Rule, Severity, Status
from nhgeo.check.validation import validate
from nhgeo.cli import app
from nhgeo.model import Assignment, Col, Study

NCL = str(Path(__file__).resolve().parents[1] / "configs" / "examples" / "north_central_london.toml")
runner = CliRunner()


def test_registry_ids_are_unique_and_described() -> None:
    ids = [r.id for r in registry.REGISTRY]
    assert len(ids) == len(set(ids)) >= 10
    core = {"coverage", "contiguity", "population-band", "la-alignment", "nesting", "place-band", "core-offer"}
    assert core <= set(ids)
    assert all(r.description and isinstance(r.severity, Severity) for r in registry.REGISTRY)
    out = runner.invoke(app, ["rules"]).output
    assert all(i in out for i in ids)


class OlderPeople(Rule):
    """The docs/architecture.md walk-through rule (threshold raised so London breaks it)."""

    id = "older-people"
    severity = Severity.WARNING
    description = "each neighbourhood has at least 8,000 residents aged 65+"

    def check(self, study: Study, assignment: Assignment) -> list[Finding]:
        older = study.units[Col.AGE_65_PLUS].fillna(0).groupby(assignment.labels).sum()
        return [self.finding(str(nid), f"{nid} has {int(n):,} residents aged 65+", "merge with a neighbour")
                for nid, n in older.items() if nid and n < 8000]


def test_adding_a_rule_is_one_object(monkeypatch: pytest.MonkeyPatch) -> None:
    rule = OlderPeople()
    monkeypatch.setattr(registry, "REGISTRY", (*registry.REGISTRY, rule))
    monkeypatch.setitem(registry.RULES, rule.id, rule)
    rep = validate(NCL)
    res = {r.id: r for r in rep.results}["older-people"]
    assert res.status == Status.WARNS and res.findings and rep.exit_code() == 0
    assert rep.exit_code(strict=True) == 1
    # severity overrides and waivers reach it by id
    rep.footprint.rules.severity["older-people"] = "off"
    assert {r.id: r for r in validate(rep.footprint).results}["older-people"].status == Status.HOLDS


def test_waivers_match_rule_and_unit_not_text() -> None:
    broken = validate(Path(NCL).with_name("broken_north_central_london.toml"))
    target = next(f for f in broken.findings if f.rule == "population-band")
    fp = broken.footprint
    fp.waivers.append({"rule": "population-band", "unit": target.unit, "reason": "agreed by the board"})
    fp.waivers.append({"rule": "contiguity", "unit": "no-such-unit", "reason": target.message})
    again = validate(fp)
    waived = next(f for f in again.findings if f.rule == "population-band" and f.unit == target.unit)
    assert waived.severity == Severity.WARNING and "agreed by the board" in waived.message
    assert all(f.severity == Severity.ERROR for f in again.findings if f.rule == "contiguity")


def test_not_checked_is_never_holds() -> None:
    rep = validate(NCL)
    core = {r.id: r for r in rep.results}["core-offer"]
    assert core.status == Status.NOT_CHECKED and core.reason
    assert "core-offer" not in json.loads(runner.invoke(app, ["validate", NCL, "-f", "json"]).stdout)["rules_checked"]
