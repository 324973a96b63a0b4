"""JUnit XML for CI dashboards: one test case per rule, failures carry the findings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..check.rules import Severity

if TYPE_CHECKING:
    from ..check.validation import ValidationReport


def validation_junit(rep: ValidationReport) -> str:
    """JUnit XML: one test case per rule (failures carry the findings), for CI dashboards."""
    from xml.sax.saxutils import escape, quoteattr

    cases = []
    fails = 0
    for rr in rep.results:
        r, fs = rr.id, rr.findings
        if rr.status == "not checked":
            cases.append(f'  <testcase classname={quoteattr("nhgeo." + rep.footprint.name)} name={quoteattr(r)}>'
                         f"<skipped message={quoteattr('not checked: ' + (rr.reason or 'nothing to check'))}/>"
                         "</testcase>")
            continue
        errs = [f for f in fs if f.severity == Severity.ERROR]
        body = "\n".join(f"[{f.severity}] {f.unit}: {f.message}" + (f" | fix: {f.fix}" if f.fix else "") for f in fs)
        if errs:
            fails += 1
            inner = f'<failure message={quoteattr(f"{len(errs)} error(s)")}>{escape(body)}</failure>'
        elif fs:
            inner = f"<system-out>{escape(body)}</system-out>"
        else:
            inner = ""
        cases.append(f'  <testcase classname={quoteattr("nhgeo." + rep.footprint.name)} name={quoteattr(r)}>{inner}'
                     "</testcase>")
    head = (f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name={quoteattr("nhgeo validate " + rep.path)} '
            f'tests="{len(rep.results)}" failures="{fails}" skipped="{len(rep.not_checked)}">')
    conversion = ""
    if rep.conversion is not None:  # a footprint of wards / practices: the method and its approximation, stated
        conversion = f'<property name="conversion" value={quoteattr(rep.conversion.summary())}/>'
    props = (f'  <properties><property name="population_source" value={quoteattr(rep.study.population_source)}/>'
             f"{conversion}</properties>")
    return head + "\n" + props + "\n" + "\n".join(cases) + "\n</testsuite>\n"
