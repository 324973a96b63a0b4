"""The rule registry: every rule validate runs, in order, each an object with a stable id.

Adding a rule = adding one module here with a :class:`Rule` subclass and listing it in
:data:`REGISTRY` (see docs/architecture.md). Ids are stable: footprints name them in
``[rules.severity]`` and ``[[waivers]]``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from ...errors import InputError
from ...model import Assignment, Rules, Study
from .band import PopulationBand
from .base import Finding, Rule, Severity, Status
from .codes import Coverage, NeighbourhoodNames, OutsidePlace, UnknownCode
from .contiguity import Contiguity
from .core_offer import CoreOffer
from .la_alignment import LaAlignment
from .nesting import Nesting
from .places import PlaceBand, PlaceContiguity, PlaceLaAlignment
from .table_columns import UnreadColumns
from .unique_names import UniqueNames

REGISTRY: tuple[Rule, ...] = (
    Coverage(), UnknownCode(), OutsidePlace(), NeighbourhoodNames(), UniqueNames(), UnreadColumns(),
    Contiguity(), PopulationBand(), LaAlignment(), Nesting(), PlaceBand(),
    PlaceContiguity(), PlaceLaAlignment(), CoreOffer(),
)
RULES: dict[str, Rule] = {r.id: r for r in REGISTRY}

__all__ = ["REGISTRY", "RULES", "Finding", "Rule", "RuleResult", "Severity", "Status", "default_severities",
           "get_rule", "run_rules", "settle", "severity_of", "status_of"]


def get_rule(rule_id: str) -> Rule:
    """The rule with ``rule_id``; an unknown id is bad input, with a suggestion."""
    if rule_id not in RULES:
        close = difflib.get_close_matches(rule_id, list(RULES), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise InputError(f"unknown rule {rule_id!r}{hint}; known rules: {', '.join(RULES)}")
    return RULES[rule_id]


def default_severities() -> dict[str, str]:
    """Rule id -> default severity, in registry order (what a proposal writes into its footprint); a rule whose
    default follows the footprint's settings (la-alignment: an error unless ``cross_la``) is left out, so the file's
    settings decide it."""
    return {r.id: r.severity.value for r in REGISTRY if not r.follows_settings}


def severity_of(rules: Rules, rule_id: str) -> Severity:
    """The severity in force for ``rule_id``: the footprint's or user's override, else the rule's default
    (which may follow the footprint's settings, e.g. la-alignment with ``cross_la``)."""
    given = rules.severity.get(rule_id)
    return Severity(given) if given is not None else get_rule(rule_id).default_severity(rules)


@dataclass
class RuleResult:
    """One rule's outcome on one footprint: its status, findings and, when not checked, why."""

    rule: Rule
    status: Status
    findings: list[Finding]
    reason: str | None = None
    note: str | None = None  # said once for the rule, e.g. why its severity is not what the settings suggest

    @property
    def id(self) -> str:
        return self.rule.id


def run_rules(study: Study, assignment: Assignment, only: tuple[str, ...] | None = None) -> list[RuleResult]:
    """Run the registry on ``assignment``: severities from the footprint, waivers by rule id + unit.

    A waived error becomes a warning quoting the reason; severity ``off`` drops the findings.
    """
    for rule_id in assignment.rules.severity:
        get_rule(rule_id)  # an unknown id in [rules.severity] is bad input
    results = []
    for rule in REGISTRY:
        if only is not None and rule.id not in only:
            continue
        reason = rule.not_checked(study, assignment)
        if reason is not None:
            results.append(RuleResult(rule, Status.NOT_CHECKED, [], reason))
            continue
        kept = settle(rule.id, rule.check(study, assignment), assignment)
        sev = severity_of(assignment.rules, rule.id)
        note = rule.severity_note(assignment.rules, sev) if kept and rule.id in assignment.rules.severity else None
        results.append(RuleResult(rule, status_of(kept), kept, note=note))
    return results


def settle(rule_id: str, findings: list[Finding], assignment: Assignment) -> list[Finding]:
    """Findings of ``rule_id`` at the severity in force, waived errors as warnings quoting the reason, none when
    the rule is ``off`` (what :func:`run_rules` does to every rule's findings; the editor's live checks too)."""
    sev = severity_of(assignment.rules, rule_id)
    kept = []
    for f in findings:
        f.severity = sev
        waiver = assignment.waivers.get((f.rule, f.unit))
        if f.data.get("unavoidable") and sev == Severity.ERROR:  # the rule itself says no footprint can avoid it
            f.severity = Severity.WARNING
        elif waiver is not None and sev == Severity.ERROR:
            f.severity = Severity.WARNING
            f.message = f"{f.message} [waived: {waiver}]"
        if sev != Severity.OFF:
            kept.append(f)
    return kept


def status_of(findings: list[Finding]) -> Status:
    """A checked rule's status from its settled findings."""
    return (Status.FAILS if any(f.severity == Severity.ERROR for f in findings) else
            Status.WARNS if findings else Status.HOLDS)
