"""Ward and PCN alignment measures on real data (wards 2024, GP registrations July 2022)."""

from __future__ import annotations

import numpy as np

import nhgeo
from nhgeo.check.alignment import pcn_alignment, ward_alignment
from nhgeo.sources.columns import Col


def test_ward_alignment_matches_a_hand_count() -> None:
    res = nhgeo.propose("Camden,Islington", seed=0)
    labels = res.proposal.labels.to_numpy()
    w = ward_alignment(res.study.units, labels)
    assert w is not None
    units = res.study.units.assign(hood=labels)
    per_ward = units.groupby(Col.WARD)["hood"].nunique()
    assert w.wards == len(per_ward) and w.split == int((per_ward > 1).sum())
    assert sorted(per_ward[per_ward > 1].index) == w.split_wards
    # one neighbourhood for everything: nothing is split
    whole = ward_alignment(res.study.units, np.full(len(labels), "all", dtype=object))
    assert whole is not None and whole.split == 0 and whole.people_in_split_parts == 0


def test_pcn_alignment_shares() -> None:
    res = nhgeo.propose("Camden,Islington", seed=0)
    labels = res.proposal.labels.to_numpy()
    p = pcn_alignment(res.study.units, labels, 2021)
    assert p is not None and p.pcns > 10
    assert ((p.table["main_share"] > 0) & (p.table["main_share"] <= 1)).all()
    assert set(p.table["main_neighbourhood"]) <= set(labels)
    assert 0 <= p.below(0.5) <= p.below(0.8) <= p.pcns
    whole = pcn_alignment(res.study.units, np.full(len(labels), "all", dtype=object), 2021)
    assert whole is not None and (whole.table["main_share"] == 1.0).all()
    assert pcn_alignment(res.study.units, labels, 2011) is None  # registrations are on 2021 codes
