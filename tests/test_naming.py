"""Names a resident would recognise (issue 16 item 8): from where most people live, <= 40 characters,
unique, from the MSOA local names."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nhgeo.design.naming import MAX_LEN, fit_length, name_neighbourhoods, settlement
from nhgeo.model import Col

FALMOUTH = ["Falmouth East", "Falmouth North", "Falmouth West & South", "Penryn", "Mylor Bridge & Frogpool",
            "Ponsanooth, Mabe Burnthouse & Constantine"]


@pytest.mark.parametrize(("msoa", "town"), [
    ("Falmouth West & South", "Falmouth"), ("Kentish Town East", "Kentish Town"), ("Truro South & Central", "Truro"),
    ("St Austell East & Carlyon Bay", "St Austell"), ("West Hampstead", "West Hampstead"),
    ("Holborn, St Giles & Bloomsbury South", "Holborn, St Giles & Bloomsbury South"), ("Penryn", "Penryn"),
])
def test_settlement(msoa: str, town: str) -> None:
    assert settlement(msoa) == town


def test_falmouth_is_named_after_falmouth(england: gpd.GeoDataFrame) -> None:
    """The Falmouth area: its biggest single MSOA is Ponsanooth (then Penryn), but most people live in one of
    Falmouth's three MSOAs, so the name is Falmouth."""
    corn = england[(england[Col.LA_NAME] == "Cornwall") & england[Col.MSOA_NAME].isin(FALMOUTH)].reset_index(drop=True)
    by_msoa = corn.groupby(Col.MSOA_NAME)[Col.POP].sum().sort_values()
    assert not by_msoa.index[-1].startswith("Falmouth") and not by_msoa.index[-2].startswith("Falmouth")
    labels = np.full(len(corn), "N1", dtype=object)
    assert name_neighbourhoods(corn, labels, ["N1"]) == {"N1": "Cornwall: Falmouth"}


def test_second_place_when_a_quarter_live_there(three: gpd.GeoDataFrame) -> None:
    cam = three[three[Col.MSOA_NAME].isin(["Kentish Town East", "Kentish Town West", "Tufnell Park West"])]
    cam = cam.reset_index(drop=True)
    labels = np.full(len(cam), "N", dtype=object)
    assert name_neighbourhoods(cam, labels, ["N"])["N"] == "Camden: Kentish Town & Tufnell Park"


def test_long_names_are_shortened_by_pieces() -> None:
    assert fit_length("Camden", "Holborn, St Giles & Bloomsbury South") == "Camden: Holborn & St Giles"
    assert fit_length("Bournemouth, Christchurch and Poole", "Poole Town Centre") == "Poole Town Centre"
    assert len(fit_length("Hammersmith and Fulham", "Sands End & Chelsea Harbour / Parsons Green West")) <= MAX_LEN


def test_no_msoa_names_numbers_within_the_la(three: gpd.GeoDataFrame) -> None:
    units = three.copy()
    units[Col.MSOA_NAME] = None
    labels = np.where(units[Col.LA_NAME] == "Camden", "A", np.where(units[Col.LA_NAME] == "Islington", "B", "C"))
    names = name_neighbourhoods(units, labels, ["A", "B", "C"])
    assert names == {"A": "Camden 1", "B": "Islington 1", "C": "City of London 1"}


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(2, 40))
def test_names_unique_short_and_local(three: gpd.GeoDataFrame, seed: int, k: int) -> None:
    """Any grouping of Camden, Islington and City MSOAs into k parts: names unique, <= 40 characters,
    each led by its main LA and built from the local names of MSOAs in the part."""
    rng = np.random.default_rng(seed)
    msoas = sorted(three[Col.MSOA].astype(str).unique())
    part_of = dict(zip(msoas, rng.integers(0, k, size=len(msoas)), strict=True))
    labels = np.array([f"P{part_of[m]:02d}" for m in three[Col.MSOA].astype(str)], dtype=object)
    ids = sorted(set(labels.tolist()))
    names = name_neighbourhoods(three, labels, ids)
    assert len(set(names.values())) == len(ids)
    for pid, name in names.items():
        assert len(name) <= MAX_LEN, name
        m = labels == pid
        local = {settlement(x) for x in three.loc[m, Col.MSOA_NAME]} | set(three.loc[m, Col.MSOA_NAME])
        body = name.split(": ", 1)[-1].split(" (")[0]
        words = body.replace(" / ", " & ").split(" & ")
        assert any(any(w.split(",")[0] in x for x in local) for w in words), (name, local)
