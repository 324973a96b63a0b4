"""Ensembles of valid plans: how typical a footprint is, which lines are firm, which alternatives exist.

:func:`sample` draws N plans (per-region ReCom chains, :mod:`.recom`, as Dask tasks); :mod:`.measures` scores
them and diagnoses the chains; :mod:`.stability` says which boundaries are firm; :mod:`.compare` places a
footprint on the ensemble; :mod:`.alternatives` picks genuinely different good plans.
"""

from __future__ import annotations

from .measures import MEASURES
from .regions import Region, regions_of
from .sample import Ensemble, dask_client, sample

__all__ = ["MEASURES", "Ensemble", "Region", "dask_client", "regions_of", "sample"]
