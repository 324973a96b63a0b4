"""--place beyond LAs and ICBs: counties, HWBs, sub-ICB locations, both ICB vintages, did-you-mean."""

from __future__ import annotations

import geopandas as gpd
import pytest

from nhgeo.errors import InputError
from nhgeo.model import Col
from nhgeo.sources.boundaries import load_embedded
from nhgeo.sources.selection import select_place


def _las(units: gpd.GeoDataFrame, place: str) -> set[str]:
    return set(select_place(units, place)[Col.LA_NAME])


def test_counties_are_places(england: gpd.GeoDataFrame) -> None:
    kent = select_place(england, "Kent")
    assert set(kent[Col.LA_NAME]) == {
        "Ashford", "Canterbury", "Dartford", "Dover", "Folkestone and Hythe", "Gravesham", "Maidstone",
        "Sevenoaks", "Swale", "Thanet", "Tonbridge and Malling", "Tunbridge Wells"}  # not Medway (unitary)
    assert kent.attrs["place_matches"] == ["Kent (upper-tier authority, E10000016)"]
    assert _las(england, "East Sussex") == {"Eastbourne", "Hastings", "Lewes", "Rother", "Wealden"}
    assert len(_las(england, "Surrey")) == 11
    assert _las(england, "E10000030") == _las(england, "Surrey")  # by code too
    assert "Brighton and Hove" not in _las(england, "East Sussex")


def test_health_and_wellbeing_board(england: gpd.GeoDataFrame) -> None:
    assert _las(england, "City of London and Hackney") == {"City of London", "Hackney"}
    assert _las(england, "hwb:E09000012") == {"City of London", "Hackney"}
    assert _las(england, "E09000012") == {"Hackney"}  # the bare code is the LA's first
    assert _las(england, "Cornwall and Isles of Scilly HWB") == {"Cornwall", "Isles of Scilly"}


def test_sub_icb_location(england: gpd.GeoDataFrame) -> None:
    by_name = select_place(england, "NHS North East London ICB - A3A8R")
    by_nhs_code = select_place(england, "A3A8R")
    assert len(by_name) == len(by_nhs_code) > 0
    assert set(by_name[Col.SICBL]) == {"E38000255"}
    assert set(by_name[Col.ICB_NAME]) == {"NHS North East London Integrated Care Board"}


def test_icb_2026_and_the_other_vintage(england: gpd.GeoDataFrame) -> None:
    # April 2026: North Central and North West London merged into West and North London
    wnl = select_place(england, "West and North London")
    ncl = select_place(england, "North Central London")  # a 2024 ICB, still selectable by name
    nwl = select_place(england, "E54000027")  # and by code
    assert len(wnl) == len(ncl) + len(nwl)
    assert set(ncl[Col.ICB_OTHER_NAME]) == {"NHS North Central London Integrated Care Board"}
    assert ncl.attrs["place_matches"][0].endswith("(ICB 2024, E54000028)")
    # a name in both vintages means the chosen one; a prefix picks the other
    hiow26 = select_place(england, "Hampshire and Isle of Wight")
    hiow24 = select_place(england, "icb2024:Hampshire and Isle of Wight")
    assert len(hiow26) > len(hiow24)  # 2026 gained Hart and Rushmoor from Frimley
    assert "Rushmoor" in set(hiow26[Col.LA_NAME]) - set(hiow24[Col.LA_NAME])
    hart = england[england[Col.LA_NAME] == "Hart"]
    assert hart[Col.ICB].eq(hiow26[Col.ICB].iloc[0]).all() and hart[Col.ICB_OTHER].nunique() == 2
    e24 = load_embedded(2021, icb_vintage=2024)
    assert len(select_place(e24, "Hampshire and Isle of Wight")) == len(hiow24)


def test_region_combined_authority_and_england(england: gpd.GeoDataFrame) -> None:
    assert select_place(england, "North East")[Col.REGION_NAME].eq("North East").all()
    ca = select_place(england, "ca:North East")  # the pre-2024 combined authority of that name
    assert set(ca[Col.LA_NAME]) == {"County Durham", "Gateshead", "South Tyneside", "Sunderland"}
    assert len(select_place(england, "Greater Manchester")) == len(select_place(england, "ca:Greater Manchester"))
    assert len(select_place(england, "england")) == len(england)


@pytest.mark.parametrize(("typo", "suggestion"), [
    ("Kentt", "'Kent' (upper-tier authority)"),
    ("East Susex", "'East Sussex' (upper-tier authority)"),
    ("North Central Londn", "'NHS North Central London Integrated Care Board' (ICB 2024)"),
    ("City of London & Hackny", "'City of London and Hackney' (Health and Wellbeing Board)"),
])
def test_did_you_mean(england: gpd.GeoDataFrame, typo: str, suggestion: str) -> None:
    with pytest.raises(InputError, match="did you mean") as err:
        select_place(england, typo)
    assert suggestion in str(err.value)


def test_unknown_place_says_what_places_are(england: gpd.GeoDataFrame) -> None:
    with pytest.raises(InputError, match="combined authority \\(only the data's pre-2024 list"):
        select_place(england, "xyzzy")
