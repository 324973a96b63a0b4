"""The embedded data is complete, real and consistent with the published totals."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from nhgeo.boundaries import load_embedded
from nhgeo.data import DATASETS, get_path
from nhgeo.errors import InputError

ENGLAND_CENSUS_2021 = 56_489_608  # ONS Census 2021 usual residents, England


def test_lsoa21_complete(england: gpd.GeoDataFrame) -> None:
    assert len(england) == 33_755
    assert england["code"].is_unique
    assert england.crs.to_epsg() == 27700
    assert int(england["population"].sum()) == ENGLAND_CENSUS_2021
    for col in ("la_code", "la_name", "icb_code", "region_code", "msoa_code", "msoa_name"):
        assert england[col].notna().all(), col
    assert england["la_code"].nunique() == 296  # current LAs (superseded codes mapped forward)
    assert england["icb_code"].nunique() == 42
    assert england.geometry.is_valid.all()


def test_icb_assigned_per_lsoa_not_per_la(england: gpd.GeoDataFrame) -> None:
    # SOURCES.md: 13 current LAs lie in more than one ICB
    icbs_per_la = england.groupby("la_code")["icb_code"].nunique()
    assert (icbs_per_la > 1).sum() >= 10
    assert england.loc[england["la_name"] == "North Yorkshire", "icb_code"].nunique() > 1


def test_lsoa11_population_estimate() -> None:
    l11 = load_embedded(2011)
    assert len(l11) == 32_844
    est = l11["POP_METHOD"] != "census2021_same_code"
    assert int(est.sum()) == 1_034
    assert abs(int(l11["population"].sum()) - ENGLAND_CENSUS_2021) / ENGLAND_CENSUS_2021 < 0.001
    assert l11.loc[est, "population"].gt(0).all()


def test_population_table_covers_england_and_wales() -> None:
    pop = pd.read_parquet(get_path("population"))
    assert len(pop) == 35_672
    assert int(pop.loc[pop["LSOA21CD"].str.startswith("E"), "usual_residents"].sum()) == ENGLAND_CENSUS_2021


def test_get_path_lists_what_exists() -> None:
    for name in DATASETS:
        assert get_path(name).exists()
    with pytest.raises(InputError, match=r"available: .*lsoa21"):
        get_path("nope")
