"""How many parts a population should be cut into for a band (neighbourhoods in an LA, places in an ICB)."""

from __future__ import annotations

import math

__all__ = ["choose_k"]


def choose_k(pop: float, lo: float, hi: float, target: float) -> tuple[int, bool]:
    """Number of parts for ``pop``: the feasible k closest to target size, else the least bad one.

    Returns ``(k, feasible)``. Feasible means ``ceil(pop/hi) <= k <= floor(pop/lo)``.
    """
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
