"""Rule registry (being built: see docs/architecture.md)."""

from __future__ import annotations

RULE_IDS = {
    "coverage": "every unit in the place is assigned to exactly one neighbourhood",
    "unknown-code": "every code in the footprint is a known unit",
    "contiguity": "each neighbourhood (and place) is one connected area",
    "population-band": "each neighbourhood's population is within the band",
    "la-alignment": "neighbourhoods do not cross local-authority boundaries",
    "nesting": "each neighbourhood lies in one place, each place in one ICB",
    "place-band": "each place's population is within the place band",
    "place-contiguity": "each place is one connected area",
    "place-la-alignment": "places follow local-authority boundaries",
    "core-offer": "each neighbourhood can reach every core-offer service",
}

DEFAULT_SEVERITY = {
    "coverage": "error", "unknown-code": "error", "contiguity": "error", "population-band": "error",
    "la-alignment": "warning", "nesting": "error", "place-band": "error", "place-contiguity": "error",
    "place-la-alignment": "warning", "core-offer": "warning",
}
