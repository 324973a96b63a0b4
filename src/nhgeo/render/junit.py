"""JUnit XML for CI dashboards: one test case per rule, failures carry the findings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..check.rules import Severity

if TYPE_CHECKING:
    from ..check.validation import ValidationReport


def validation_junit(rep: ValidationReport, command: str = "validate", strict: bool = False) -> str:
    """JUnit XML: one test case per rule; a case fails when its findings make the run fail (the run's one
    verdict: errors for validate, warnings too with --strict, a missing required component for coverage)."""
    from xml.sax.saxutils import escape, quoteattr

    verdict = rep.verdict(command, strict)
    failing = {id(f) for f in rep.failing(command, strict)}
    cases = []
    fails = 0
    for rr in rep.results:
        r, fs = rr.id, rr.findings
        if rr.status == "not checked":
            cases.append(f'  <testcase classname={quoteattr("nhgeo." + rep.footprint.name)} name={quoteattr(r)}>'
                         f"<skipped message={quoteattr('not checked: ' + (rr.reason or 'nothing to check'))}/>"
                         "</testcase>")
            continue
        errs = [f for f in fs if id(f) in failing]
        body = "\n".join(f"[{f.severity}] {f.unit}: {f.message}" + (f" | fix: {f.fix}" if f.fix else "") for f in fs)
        if errs:
            fails += 1
            what = "error(s)" if all(f.severity == Severity.ERROR for f in errs) else "failing finding(s)"
            inner = f'<failure message={quoteattr(f"{len(errs)} {what}")}>{escape(body)}</failure>'
        elif fs:
            inner = f"<system-out>{escape(body)}</system-out>"
        else:
            inner = ""
        cases.append(f'  <testcase classname={quoteattr("nhgeo." + rep.footprint.name)} name={quoteattr(r)}>{inner}'
                     "</testcase>")
    head = (f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name={quoteattr(f"nhgeo {command} " + rep.path)} '
            f'tests="{len(rep.results)}" failures="{fails}" skipped="{len(rep.not_checked)}">')
    conversion = ""
    if rep.conversion is not None:  # a footprint of wards / practices: the method and its approximation, stated
        conversion = f'<property name="conversion" value={quoteattr(rep.conversion.summary())}/>'
    props = ("  <properties>" + "".join(f"<property name={quoteattr(k)} value={quoteattr(str(v))}/>" for k, v in (
        ("command", f"nhgeo {command}"), ("verdict", verdict.word.lower()), ("headline", verdict.headline),
        ("population_source", rep.study.population_source))) + conversion + "</properties>")
    return head + "\n" + props + "\n" + "\n".join(cases) + "\n</testsuite>\n"
