"""Wording shared by the human-readable renderers (table, markdown, html)."""

from __future__ import annotations

from typing import Any

from ..coverage import STATUS_MARK

__all__ = ["STATUS_MARK", "pcn_line"]


def pcn_line(s: dict[str, Any]) -> str:
    """One sentence on PCNs split across neighbourhoods, from :func:`nhgeo.coverage.pcn_summary`."""
    return (f"PCNs split across neighbourhoods: {s['pcns_split']} of {s['pcns']} ({s['pcns_split_under_80pct']} "
            f"with under 80% of their list in one neighbourhood); neighbourhoods with no PCN practice inside: "
            f"{s['neighbourhoods_without_pcn_practice']}")
