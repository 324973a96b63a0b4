"""Names a resident would recognise (issue 16 item 8, issue 25 item 3): the town or district where most people
live (GeoNames), else ward or MSOA local names; <= 40 characters, unique, one form (no LA prefix)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nhgeo
from nhgeo.design.naming import MAX_LEN, fit_length, name_neighbourhoods, settlement, unit_places
from nhgeo.model import Col
from nhgeo.sources.gazetteer import read_gazetteer

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
    assert name_neighbourhoods(corn, labels, ["N1"]) == {"N1": "Falmouth"}
    no_gazetteer = corn.assign(**{Col.LA: "E99999999"}).drop(columns=[Col.WARD, Col.WARD_NAME])
    assert name_neighbourhoods(no_gazetteer, labels, ["N1"]) == {"N1": "Falmouth"}  # from the MSOA names alone


def test_second_place_when_a_quarter_live_there(three: gpd.GeoDataFrame) -> None:
    cam = three[three[Col.MSOA_NAME].isin(["Kentish Town East", "Kentish Town West", "Tufnell Park West"])]
    cam = cam.reset_index(drop=True).assign(**{Col.LA: "E99999999"}).drop(columns=[Col.WARD, Col.WARD_NAME])
    labels = np.full(len(cam), "N", dtype=object)
    assert name_neighbourhoods(cam, labels, ["N"])["N"] == "Kentish Town & Tufnell Park"


def test_long_names_are_shortened_by_pieces() -> None:
    assert fit_length("Camden", "Holborn, St Giles & Bloomsbury South") == "Camden: Holborn & St Giles"
    long = "Holborn, St Giles, Bloomsbury South & Fitzrovia West"
    assert fit_length("", long) == "Holborn, St Giles & Bloomsbury South"
    assert fit_length("Bournemouth, Christchurch and Poole", "Poole Town Centre") == "Poole Town Centre"
    assert len(fit_length("Hammersmith and Fulham", "Sands End & Chelsea Harbour / Parsons Green West")) <= MAX_LEN


def test_no_msoa_names_numbers_within_the_la(three: gpd.GeoDataFrame) -> None:
    units = three.copy().assign(**{Col.LA: "E99999999"}).drop(columns=[Col.WARD, Col.WARD_NAME])
    units[Col.MSOA_NAME] = None
    labels = np.where(units[Col.LA_NAME] == "Camden", "A", np.where(units[Col.LA_NAME] == "Islington", "B", "C"))
    names = name_neighbourhoods(units, labels, ["A", "B", "C"])
    assert names == {"A": "Camden 1", "B": "Islington 1", "C": "City of London 1"}


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(2, 40))
def test_names_unique_short_and_local(three: gpd.GeoDataFrame, seed: int, k: int) -> None:
    """Any grouping of Camden, Islington and City MSOAs into k parts: names unique, <= 40 characters, one form
    (no "LA:" prefix), each built from a named place, ward or MSOA of the part."""
    rng = np.random.default_rng(seed)
    msoas = sorted(three[Col.MSOA].astype(str).unique())
    part_of = dict(zip(msoas, rng.integers(0, k, size=len(msoas)), strict=True))
    labels = np.array([f"P{part_of[m]:02d}" for m in three[Col.MSOA].astype(str)], dtype=object)
    ids = sorted(set(labels.tolist()))
    names = name_neighbourhoods(three, labels, ids)
    assert len(set(names.values())) == len(ids)
    places = unit_places(three)
    for pid, name in names.items():
        assert len(name) <= MAX_LEN, name
        assert ": " not in name
        m = labels == pid
        local = ({settlement(x) for x in three.loc[m, Col.MSOA_NAME]} | set(three.loc[m, Col.MSOA_NAME])
                 | set(three.loc[m, Col.WARD_NAME]) | {settlement(x) for x in three.loc[m, Col.WARD_NAME]}
                 | set(places[m].tolist()) - {""})
        body = name.split(" (")[0]
        words = [w for p in body.split(" & ") for w in p.split(", ")]
        assert any(any(w in x or x in w for x in local) for w in words), (name, local)


def test_places_take_at_most_their_share(england: gpd.GeoDataFrame) -> None:
    """A district does not name a whole side of a city: each named place takes in at most 1.5x its people."""
    bham = england[england[Col.LA_NAME] == "Birmingham"].reset_index(drop=True)
    got = pd.Series(bham[Col.POP].to_numpy(), index=unit_places(bham)).groupby(level=0).sum()
    gaz = read_gazetteer(["E08000025"]).set_index("name")["population"]
    assert "Sutton Coldfield" in got.index
    for place, people in got.items():
        if place:
            assert people <= 1.5 * gaz[place]


def test_kent_and_birmingham_names_people_know() -> None:
    """Issue 25: Ramsgate, Gravesend, Sheerness, Sutton Coldfield appear; never an "LA:" prefix; unique."""
    for place, want in (("Kent and Medway", ["Ramsgate", "Gravesend", "Sheerness", "Margate", "Dover"]),
                        ("Birmingham", ["Sutton Coldfield"])):
        res = nhgeo.propose(place, seed=0, levels=("neighbourhood",))
        names = [h.name for h in res.proposal.neighbourhoods]
        assert len(set(names)) == len(names)
        assert not any(": " in n for n in names), names
        for w in want:
            assert any(n.startswith(w) for n in names), (w, names)


def test_lock_keeps_the_users_names(tmp_path: object) -> None:
    """Issue 25: `propose --lock` kept the user's LSOAs but replaced the user's names."""
    from pathlib import Path

    from nhgeo.footprints.files import dumps_toml

    first = nhgeo.propose("Camden", seed=0, levels=("neighbourhood",))
    fp = first.footprint()
    fp.neighbourhoods[0].name = "Our Kentish Town"
    fp.neighbourhoods = fp.neighbourhoods[:2]
    path = Path(str(tmp_path)) / "mine.toml"
    path.write_text(dumps_toml(fp))
    again = nhgeo.propose("Camden", seed=5, lock=path, levels=("neighbourhood",))
    by_id = {h.id: h for h in again.proposal.neighbourhoods}
    for spec in fp.neighbourhoods:
        assert by_id[spec.id].name == spec.name and sorted(by_id[spec.id].codes) == sorted(spec.codes)
        assert by_id[spec.id].locked
    names = [h.name for h in again.proposal.neighbourhoods]
    assert len(set(names)) == len(names)
