"""GitHub Actions workflow commands: one annotation per finding, on the footprint file.

Escaping follows the workflow-command format: data escapes ``%``, CR and LF; property values
(file, title) also escape ``:`` and ``,``, which would otherwise end the property.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..check.validation import ValidationReport


def escape_data(s: str) -> str:
    """Escape a workflow command's message."""
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    """Escape a workflow command's property value (file=, title=)."""
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def validation_github(rep: ValidationReport, command: str = "validate", strict: bool = False) -> str:
    """One ``::error`` per finding that makes the run fail, ``::warning`` for the others, then the verdict."""
    verdict = rep.verdict(command, strict)
    failing = {id(f) for f in rep.failing(command, strict)}
    lines = []
    if rep.fit is not None:
        lines.append(f"::notice file={escape_property(rep.path)},title=nhgeo fit::{escape_data(rep.fit.summary())}")
    for rr in rep.results:
        if rr.note:
            lines.append(f"::notice file={escape_property(rep.path)},title={escape_property(f'nhgeo {rr.id}')}::"
                         f"{escape_data(rr.note)}")
    if rep.conversion is not None:
        lines.append(f"::notice file={escape_property(rep.path)},title=nhgeo codes to LSOAs::"
                     f"{escape_data(rep.conversion.summary())}")
    for f in rep.findings:
        level = "error" if id(f) in failing else "warning"
        msg = f.message + (f" — fix: {f.fix}" if f.fix else "")
        lines.append(f"::{level} file={escape_property(rep.path)},title={escape_property(f'nhgeo {f.rule} ({f.unit})')}"
                     f"::{escape_data(msg)}")
    skipped = "; ".join(f"{k} ({v})" for k, v in rep.not_checked.items())
    if skipped:
        lines.append(f"not checked: {skipped}")
    lines.append(f"population: {rep.study.population_source}")
    lines.append(f"{verdict.headline} ({rep.path})")
    return "\n".join(lines) + "\n"
