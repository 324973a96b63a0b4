"""What a rule is and what it reports: :class:`Rule`, :class:`Finding`, severities and statuses as enums."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from ...model import Assignment, Rules, Study


class Severity(StrEnum):
    """How much a broken rule matters: errors fail validation, warnings only with ``--strict``."""

    ERROR = "error"
    WARNING = "warning"
    OFF = "off"


class Status(StrEnum):
    """The outcome of one rule on one footprint."""

    HOLDS = "holds"
    WARNS = "warns"
    FAILS = "fails"
    NOT_CHECKED = "not checked"


@dataclass
class Finding:
    """One broken (or doubtful) rule for one unit, with a plain explanation and the smallest fix."""

    rule: str
    severity: Severity
    unit: str  # neighbourhood id, place id or LSOA code
    message: str
    fix: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


class Rule:
    """A rule: a stable ``id``, a default severity, a one-line description and ``check``.

    ``check`` returns findings at the rule's default severity; the runner applies the
    footprint's severity overrides and waivers (matched by rule id + unit, never by text).
    """

    id: ClassVar[str]
    severity: ClassVar[Severity] = Severity.ERROR
    description: ClassVar[str]

    def not_checked(self, study: Study, assignment: Assignment) -> str | None:
        """Why the rule has nothing to check here (None when it does)."""
        return None

    def default_severity(self, rules: Rules | None = None) -> Severity:
        """The severity when a footprint sets none; a rule whose default follows the footprint's own settings
        (``cross_la`` for la-alignment) overrides this and :attr:`follows_settings`."""
        return self.severity

    follows_settings: ClassVar[bool] = False  # the default severity depends on the footprint's [rules] settings

    def severity_note(self, rules: Rules, given: Severity) -> str | None:
        """Why an explicitly set severity does not match what the footprint's settings say (said once)."""
        return None

    def check(self, study: Study, assignment: Assignment) -> list[Finding]:
        raise NotImplementedError

    def finding(self, unit: str, message: str, fix: str | None = None, **data: Any) -> Finding:
        """A finding of this rule at its default severity."""
        return Finding(self.id, self.severity, unit, message, fix, data)


def fmt_codes(codes: list[str], n: int = 6) -> str:
    """The first ``n`` codes and how many more."""
    return ", ".join(codes[:n]) + (f" and {len(codes) - n} more" if len(codes) > n else "")


def touching(study: Study, assignment: Assignment, nodes: list[int], exclude: str) -> list[str]:
    """Neighbourhoods that ``nodes`` touch (not ``exclude``), longest shared border first."""
    counts: dict[str, float] = {}
    s = set(nodes)
    g = study.adj.graph
    for a in nodes:
        for b, d in g[a].items():
            lb = str(assignment.labels[b])
            if b not in s and lb not in ("", exclude):
                counts[lb] = counts.get(lb, 0.0) + float(d.get("length", 0.0)) + 1.0
    return sorted(counts, key=lambda k: -counts[k])
