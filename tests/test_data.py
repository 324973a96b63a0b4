"""The embedded data is complete, real and consistent with the published totals."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from nhgeo.errors import InputError
from nhgeo.model import Col
from nhgeo.sources.boundaries import load_embedded
from nhgeo.sources.data import DATASETS, get_path

ENGLAND_CENSUS_2021 = 56_489_608  # ONS Census 2021 usual residents, England


def test_lsoa21_complete(england: gpd.GeoDataFrame) -> None:
    assert len(england) == 33_755
    assert england["code"].is_unique
    assert england.crs.to_epsg() == 27700
    assert int(england["population"].sum()) == ENGLAND_CENSUS_2021
    for col in (Col.LA, Col.LA_NAME, Col.ICB, Col.REGION, Col.MSOA, Col.MSOA_NAME, *Col.GEOGRAPHY):
        if col not in (Col.CAUTH, Col.CAUTH_NAME):  # most LAs are in no combined authority
            assert england[col].notna().all(), col
    assert england[Col.LA].nunique() == 296  # current LAs (superseded codes mapped forward)
    assert england.geometry.is_valid.all()


def test_geography_counts(england: gpd.GeoDataFrame) -> None:
    # SOURCES.md (Added 2026-11-25): 36 ICBs in April 2026, 42 in 2024, 10,207 LSOAs changed ICB,
    # 106 sub-ICB locations, 6,784 wards (2024), 153 upper tiers, 151 Health and Wellbeing Boards
    assert england.attrs["icb_vintage"] == 2026
    assert england[Col.ICB].nunique() == 36
    assert england[Col.ICB_OTHER].nunique() == 42
    assert int((england[Col.ICB] != england[Col.ICB_OTHER]).sum()) == 10_207
    assert england[Col.SICBL].nunique() == england[Col.SICBL_OTHER].nunique() == 106
    assert england[Col.WARD].nunique() == 6_784
    assert england[Col.UTLA].nunique() == 153
    assert england[Col.HWB].nunique() == 151
    assert england[Col.CAUTH].nunique() == 10
    # the two joint boards; every other HWB is its upper tier
    joint = england[england[Col.HWB] != england[Col.UTLA]]
    assert set(joint[Col.HWB_NAME]) == {"City of London and Hackney", "Cornwall and Isles of Scilly"}
    assert set(joint[Col.LA_NAME]) == {"City of London", "Isles of Scilly"}
    # sub-ICB nests in ICB, ICB in nothing else; upper tier and HWB nest the LA
    for child, parent in ((Col.SICBL, Col.ICB), (Col.LA, Col.UTLA), (Col.UTLA, Col.HWB), (Col.LA, Col.REGION)):
        assert england.groupby(child)[parent].nunique().max() == 1, (child, parent)


def test_icb_vintage_2024(england: gpd.GeoDataFrame) -> None:
    e24 = load_embedded(2021, icb_vintage=2024)
    assert e24[Col.ICB].nunique() == 42 and e24[Col.ICB_OTHER].nunique() == 36
    assert (e24[Col.ICB].to_numpy() == england[Col.ICB_OTHER].to_numpy()).all()
    assert e24.attrs["vintages"]["icb"] == 2024 and england.attrs["vintages"]["icb"] == 2026
    assert any("Frimley" in n for n in england.attrs["notes"])  # the 2026 caveat travels with the data
    with pytest.raises(InputError, match=r"2026 .* or 2024"):
        load_embedded(2021, icb_vintage=2022)


def test_icb_assigned_per_lsoa_not_per_la(england: gpd.GeoDataFrame) -> None:
    # LAs straddling two ICBs (SOURCES.md); in April 2026 Frimley's split by county leaves 5
    icbs_per_la = england.groupby(Col.LA)[Col.ICB].nunique()
    assert (icbs_per_la > 1).sum() == 5
    assert england.loc[england[Col.LA_NAME] == "North Yorkshire", Col.ICB].nunique() > 1
    e24 = load_embedded(2021, icb_vintage=2024)
    assert (e24.groupby(Col.LA)[Col.ICB].nunique() > 1).sum() >= 10


def test_imd_2025_everywhere(england: gpd.GeoDataFrame) -> None:
    assert england.attrs["vintages"]["imd"] == 2025
    rank = england[Col.IMD_RANK].to_numpy()
    assert np.array_equal(np.sort(rank), np.arange(1, 33_756))
    # MHCLG: decile = ceil(rank * 10 / 33,755)
    assert (england[Col.IMD].to_numpy() == np.ceil(rank * 10 / 33_755)).all()
    for col in (Col.IMD_INCOME, Col.IMD_EMPLOYMENT, Col.IMD_HEALTH):
        assert england[col].between(1, 10).all(), col
    # more deprived (lower rank) means a higher score
    assert np.corrcoef(rank, england[Col.IMD_SCORE].to_numpy())[0, 1] < -0.8


def test_population_weighted_centroids_lie_in_their_lsoa(england: gpd.GeoDataFrame) -> None:
    pts = shapely.points(england[Col.PWC_X].to_numpy(), england[Col.PWC_Y].to_numpy())
    dist = shapely.distance(england.geometry.values, pts)
    assert (dist == 0).mean() > 0.985  # the rest fall just outside the generalised (BGC) outline
    assert dist.max() < 100


def test_lsoa11_keeps_imd2019_and_gains_names() -> None:
    l11 = load_embedded(2011)
    assert l11.attrs["vintages"]["imd"] == 2019 and l11.attrs["icb_vintage"] == 2022
    ons = l11[Col.MSOA_NAME] + l11[Col.NAME].str[-1] == l11[Col.NAME]  # still the ONS name "Camden 011"
    assert l11[Col.MSOA_NAME].notna().all() and ons.mean() < 0.05  # local (House of Commons Library) names
    assert l11[Col.ICB].nunique() == 42 and l11[Col.SICBL].notna().all()
    assert l11[Col.HWB].nunique() == 151 and l11[Col.WARD].isna().all()  # no ward data for 2011 codes


def test_gp_registrations_kept_and_reported() -> None:
    reg = pd.read_parquet(get_path("gp_registrations"))
    assert len(reg) == 901_570 and reg["practice_code"].nunique() == 6_484
    assert reg["lsoa21cd"].nunique() == 33_755
    assert abs(float(reg["patients"].sum()) - 61.7e6) < 0.1e6  # SOURCES.md: 61.7 million
    svc = pd.read_parquet(get_path("services"))
    current = set(svc.loc[svc["dataset"] == "gp_practices", "service_id"])
    assert (reg["practice_current"] == reg["practice_code"].isin(current)).all()
    assert reg.loc[~reg["practice_current"], "pcn_code"].isna().all()
    gone = pd.read_csv(get_path("gp_registrations_not_current"))
    assert set(gone["practice_code"]) == set(reg.loc[~reg["practice_current"], "practice_code"])
    assert len(gone) > 0


def test_dental_practices_and_trusts() -> None:
    svc = pd.read_parquet(get_path("services"))
    dental = svc[svc["dataset"] == "dental_practices"]
    assert 8_900 <= len(dental) <= 8_971  # active practices with a postcode found
    assert dental["service_id"].str.match(r"^V\d{5,6}$").all()
    trusts = pd.read_parquet(get_path("nhs_trusts")).set_index("trust_code")
    for code in ("TAD", "TAF", "TAH", "TAJ", "RHA"):  # SOURCES.md known gaps, flagged mental health
        assert trusts.loc[code, "mental_health"], code
    assert not trusts.loc["R0A", "mental_health"]  # Manchester University: acute
    hospitals = svc[svc["dataset"] == "hospitals"]
    assert hospitals["parent_code"].notna().mean() > 0.9


def test_postcodes_lean_and_right() -> None:
    pc = pd.read_parquet(get_path("postcodes"))
    assert len(pc) == 1_489_121 and pc["postcode"].is_unique  # 1,489,907 less the 786 without coordinates
    assert str(pc["easting"].dtype) == "int32" and (pc["easting"] > 0).all()
    row = pc[pc["postcode"] == "AL1 1AG"].iloc[0]  # first row of the Code-Point Open extract
    assert (int(row["easting"]), int(row["northing"])) == (515487, 206498)
    assert get_path("postcodes").stat().st_size < 6e6


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


def test_attribution_is_the_readme_text() -> None:
    """Reports quote nhgeo.sources.data.ATTRIBUTION; the README's attribution paragraph says the same."""
    from pathlib import Path

    from nhgeo.sources.data import ATTRIBUTION

    readme = " ".join((Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8").split())
    assert ATTRIBUTION in readme and "Deprivation 2025" in ATTRIBUTION
