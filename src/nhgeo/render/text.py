"""Wording shared by the human-readable renderers (table, markdown, html)."""

from __future__ import annotations

from typing import Any

from ..check.coverage import STATUS_MARK

__all__ = ["STATUS_MARK", "fit_lines", "pcn_line", "reading_lines", "rule_settings_line"]


def reading_lines(footprint: Any) -> list[str]:
    """What reading the footprint did: the sheet or layer used, codes cleaned, and — for a footprint of wards,
    MSOAs, practices or PCNs — the method that made it LSOAs and how much of it is approximate."""
    conv = getattr(footprint, "conversion", None)
    lines = [f"read: {x}" for x in getattr(footprint, "read_notes", [])]
    if conv is not None:
        lines.append(f"converted: {conv.summary()}")
        lines.append(f"  data: {conv.data}")
        lines += [f"  note: {x}" for x in conv.notes]
        if conv.empty:
            lines.append(f"  no LSOA for: {', '.join(conv.empty[:10])}" + (" ..." if len(conv.empty) > 10 else ""))
    return lines


def pcn_line(s: dict[str, Any]) -> str:
    """One sentence on PCNs split across neighbourhoods, from :func:`nhgeo.coverage.pcn_summary`."""
    return (f"PCNs split across neighbourhoods: {s['pcns_split']} of {s['pcns']} ({s['pcns_split_under_80pct']} "
            f"with under 80% of their list in one neighbourhood); neighbourhoods with no PCN practice inside: "
            f"{s['neighbourhoods_without_pcn_practice']}")


def rule_settings_line(rules: Any, sources: dict[str, str]) -> str:
    """The band and crossing settings in force and where each came from (file, command line, default)."""
    def src(k: str) -> str:
        return sources.get(k, "default")

    parts = [f"target {rules.target:,} ({src('target')})", f"min {rules.min:,} ({src('min')})",
             f"max {rules.max:,} ({src('max')})", f"cross-la {'yes' if rules.cross_la else 'no'} ({src('cross_la')})",
             f"place {rules.place_min:,}–{rules.place_max:,} ({src('place_min')}/{src('place_max')})"]
    sev = sorted(k.removeprefix("severity.") + f" ({v})" for k, v in sources.items()
                 if k.startswith("severity.") and v != "default")
    return "rules: " + ", ".join(parts) + ("; severity set for " + ", ".join(sev) if sev else
                                           "; every severity is the rule's default")


def fit_lines(fit: Any, n: int = 5) -> list[str]:
    """The fit quality of a footprint drawn as shapes: a summary, then the first LSOAs of each kind."""
    lines = [f"fit: {fit.summary()}"]
    for label, items in (("split between polygons", fit.split), ("straddling the outer edge", fit.edge),
                         ("outside every polygon (not fitted)", fit.outside)):
        if items:
            lines.append(f"  {label}: " + "; ".join(
                f"{s.code} ({s.population:,} people: " + ", ".join(
                    [f"{k} {100 * v:.0f}%" for k, v in s.shares.items()]
                    + ([f"outside {100 * s.outside:.0f}%"] if s.outside >= 0.01 else [])) + ")" for s in items[:n])
                + (f"; and {len(items) - n} more" if len(items) > n else ""))
    if fit.disagree:
        lines.append("  centroid vs area share: " + "; ".join(
            f"{d.code} ({d.population:,}) {d.by_centroid or 'none'} vs {d.by_area or 'none'}" for d in fit.disagree[:n])
            + (f"; and {len(fit.disagree) - n} more" if len(fit.disagree) > n else ""))
    lines += [f"  note: {x}" for x in fit.notes]
    return lines
