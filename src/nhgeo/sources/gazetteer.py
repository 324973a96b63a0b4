"""Named places (towns, villages, city districts) for naming neighbourhoods: GeoNames, CC BY 4.0.

The embedded ``geonames_places`` dataset: the GeoNames "cities500" entries of England (populated places with
500+ people, including city districts such as Sutton Coldfield or Camden Town), each with its British
National Grid point and the local authority holding it. GeoNames' populations are of various dates: they rank
places, they are not counts. Attribution: GeoNames (geonames.org), CC BY 4.0.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from .data import get_path

GAZETTEER_ATTRIBUTION = "Place names: GeoNames (geonames.org), CC BY 4.0"


@lru_cache(maxsize=1)
def _read() -> pd.DataFrame:
    return pd.read_csv(get_path("geonames_places"), dtype={"name": str, "la_code": str})


def read_gazetteer(la_codes: list[str] | None = None) -> pd.DataFrame:
    """``name, population, easting, northing, la_code`` of the named places (of ``la_codes`` if given)."""
    g = _read()
    return (g[g["la_code"].isin(la_codes)] if la_codes is not None else g).reset_index(drop=True)
