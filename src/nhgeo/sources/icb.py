"""The official April 2026 ICB outlines (ONS, super generalised clipped) and the check of the LSOA lookup against them.

The April 2026 LSOA -> ICB lookup the units carry is rebuilt (Frimley's LSOAs split by county from published
counts). :func:`check_against_outlines` places each LSOA's population-weighted centroid in the official outlines:
for all England, 33,745 of the 33,748 centroids inside an outline fall in the ICB the lookup gives (the other 3 lie
on a border of the very simplified outline; 7 coastal centroids fall outside every polygon).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import geopandas as gpd
import pandas as pd
import shapely

from .columns import Col
from .data import get_path

OUTLINE_VINTAGE = "ICB April 2026 boundaries (ONS, BSC), 36 ICBs"


@lru_cache(maxsize=1)
def _outlines() -> gpd.GeoDataFrame:
    return gpd.read_parquet(get_path("icb26_outlines"))


def read_icb_outlines() -> gpd.GeoDataFrame:
    """The 36 April 2026 ICB outlines (``ICB26CD``, ``ICB26NM``, geometry; EPSG:27700). A copy."""
    return _outlines().copy()


@dataclass(frozen=True)
class OutlineCheck:
    """LSOA centroids checked against the official ICB outlines."""

    checked: int  # centroids inside some outline
    agree: int  # of those, in the outline of the ICB the lookup gives
    outside: int  # centroids in no outline (coast)
    disagree: tuple[str, ...]  # LSOA codes whose centroid lies in another ICB's outline

    def sentence(self) -> str:
        return (f"ICB April 2026 (36): the rebuilt LSOA lookup checked against the official ONS outlines: "
                f"{self.agree:,} of {self.checked:,} LSOA population-weighted centroids fall in the lookup's ICB"
                + (f" ({', '.join(self.disagree)} on a border of the generalised outline)" if self.disagree else "")
                + (f"; {self.outside:,} coastal centroid(s) outside every outline" if self.outside else ""))


def check_against_outlines(units: pd.DataFrame) -> OutlineCheck | None:
    """Check the units' April 2026 ICB (``icb_code``) against the official outlines by population-weighted centroid
    (None when the units carry no centroids, e.g. LSOA 2011 or a user's file without known codes)."""
    if Col.PWC_X not in units.columns or units[Col.PWC_X].isna().all():
        return None
    ok = units[Col.PWC_X].notna().to_numpy()
    x = units[Col.PWC_X].to_numpy()[ok].astype(float)
    y = units[Col.PWC_Y].to_numpy()[ok].astype(float)
    codes = units[Col.CODE].astype(str).to_numpy()[ok]
    icb = units[Col.ICB].astype(str).to_numpy()[ok]
    out = _outlines()
    ip, io = shapely.STRtree(out.geometry.values).query(shapely.points(x, y), predicate="within")
    holder = pd.Series(out["ICB26CD"].to_numpy()[io], index=ip)
    holder = holder[~holder.index.duplicated()]
    pos = holder.index.to_numpy()
    same = holder.to_numpy() == icb[pos]
    return OutlineCheck(checked=len(pos), agree=int(same.sum()), outside=int(len(codes) - len(pos)),
                        disagree=tuple(sorted(map(str, codes[pos[~same]]))))


__all__ = ["OUTLINE_VINTAGE", "OutlineCheck", "check_against_outlines", "read_icb_outlines"]
