"""Offline postcode geocoding (OS Code-Point Open 2025.2, England, shipped in ``boundaries/``).

For the lists people bring for the core offer (care homes, VCS groups) that have a postcode and no
coordinates. A postcode's point is the Code-Point Open unit-postcode centroid (EPSG:27700 metres).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .data import get_path

POSTCODE_VINTAGE = "OS Code-Point Open 2025.2 (England; terminated postcodes are absent)"


def normalise(postcodes: pd.Series) -> pd.Series:
    """Upper case, spaces removed ("m41 5bu" and "M415BU" both -> "M415BU")."""
    return postcodes.astype("string").str.upper().str.replace(r"\s+", "", regex=True).fillna("")


@dataclass
class Geocoded:
    """Coordinates for each input row (NaN where the postcode was not found)."""

    easting: np.ndarray
    northing: np.ndarray
    matched: np.ndarray  # bool per row
    unmatched: list[str]  # the postcodes as given, in input order, without repeats


def geocode_postcodes(postcodes: pd.Series) -> Geocoded:
    """Look up every postcode in the embedded Code-Point Open table."""
    table = pd.read_parquet(get_path("postcodes"))
    index = pd.Index(normalise(table["postcode"]))
    pos = index.get_indexer(normalise(postcodes))
    ok = pos >= 0
    e = np.full(len(postcodes), np.nan)
    n = np.full(len(postcodes), np.nan)
    e[ok] = table["easting"].to_numpy()[pos[ok]]
    n[ok] = table["northing"].to_numpy()[pos[ok]]
    missing = postcodes[~ok].astype("string").fillna("(blank)")
    return Geocoded(e, n, ok, list(dict.fromkeys(missing.tolist())))
