"""The rules a footprint is held to (national guidance defaults), shared by propose and validate."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import InputError

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


@dataclass
class Rules:
    """Population bands and what may cross boundaries. Defaults follow national guidance."""

    target: int = 50_000
    min: int = 40_000
    max: int = 60_000
    cross_la: bool = False
    place_min: int = 250_000
    place_max: int = 500_000
    severity: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SEVERITY))
    core_offer: dict[str, Any] = field(default_factory=dict)  # {required: [...], distance_m: {component: m}}

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """Reject impossible bands with one clear line."""
        if not (0 < self.min <= self.target <= self.max):
            raise InputError(f"impossible neighbourhood band: need 0 < min ({self.min:,}) <= target "
                             f"({self.target:,}) <= max ({self.max:,})")
        if not (0 < self.place_min <= self.place_max):
            raise InputError(f"impossible place band: need 0 < place-min ({self.place_min:,}) <= place-max "
                             f"({self.place_max:,})")
        if self.place_max < self.min:
            raise InputError(f"place-max ({self.place_max:,}) is below the neighbourhood minimum ({self.min:,})")
        for rule, sev in self.severity.items():
            if rule not in RULE_IDS:
                raise InputError(f"unknown rule {rule!r} in severity; known rules: {', '.join(RULE_IDS)}")
            if sev not in ("error", "warning", "off"):
                raise InputError(f"severity for {rule!r} must be error, warning or off, not {sev!r}")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if not d["core_offer"]:
            d.pop("core_offer")
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Rules:
        sev = dict(DEFAULT_SEVERITY)
        sev.update(d.get("severity", {}))
        known = {"target", "min", "max", "cross_la", "place_min", "place_max"}
        unknown = set(d) - known - {"severity", "core_offer"}
        if unknown:
            raise InputError(f"unknown key(s) in [rules]: {', '.join(sorted(unknown))}")
        return cls(**{k: d[k] for k in known if k in d}, severity=sev, core_offer=dict(d.get("core_offer", {})))


def choose_k(pop: float, lo: float, hi: float, target: float) -> tuple[int, bool]:
    """Number of parts for ``pop``: the feasible k closest to target size, else the least bad one.

    Returns ``(k, feasible)``. Feasible means ``ceil(pop/hi) <= k <= floor(pop/lo)``.
    """
    import math

    if pop <= 0:
        return 1, False
    k_min, k_max = max(1, math.ceil(pop / hi)), math.floor(pop / lo)
    if k_min <= k_max:
        k = min(max(round(pop / target), k_min), k_max)
        return max(k, 1), True
    # infeasible: compare going over max (k_max parts) with going under min (k_min parts)
    over = (pop / max(k_max, 1) - hi) / hi if k_max >= 1 else math.inf
    under = (lo - pop / k_min) / lo
    return (max(k_max, 1) if over <= under else k_min), False
