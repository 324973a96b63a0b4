"""The whole job from Python, one function per CLI command (same parameter names).

``load -> graph -> partition -> places -> score``; the CLI only parses, calls these and renders.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Unpack

import geopandas as gpd
import pandas as pd

from . import __version__
from .boundaries import LoadOptions, LoadReport, load_units
from .config import Footprint, NeighbourhoodSpec, PlaceSpec, read_footprint
from .graph import DEFAULT_SNAP_M, AdjacencyGraph, build_graph
from .metrics import Scorecard, score_assignment
from .model import Rules
from .neighbourhoods import Proposal, propose_neighbourhoods
from .places import Place, build_places
from .selection import select_place

Progress = Callable[[str, int, int], None]


@dataclass
class Study:
    """Units of one place with their graph: the input every later stage shares."""

    units: gpd.GeoDataFrame
    adj: AdjacencyGraph
    load: LoadReport
    place: str

    @property
    def vintage(self) -> int:
        return int(self.units.attrs.get("vintage", self.load.vintage))

    @property
    def source(self) -> str:
        return str(self.units.attrs.get("source", self.load.source))


def open_study(place: str | Sequence[str] | None = "england", boundaries: str | Path | None = None, *,
               snap: float = DEFAULT_SNAP_M, **options: Unpack[LoadOptions]) -> Study:
    """Load boundaries, select ``place`` and build its adjacency graph."""
    units, rep = load_units(boundaries, **options)
    sub = select_place(units, place)
    adj = build_graph(sub, snap_m=snap)
    label = place if isinstance(place, str) or place is None else ",".join(place)
    return Study(sub, adj, rep, label or "all")


@dataclass
class ProposeResult:
    """Everything ``nhgeo propose`` produces, as plain data."""

    study: Study
    proposal: Proposal
    places: list[Place]
    score: Scorecard
    assignment: gpd.GeoDataFrame = field(repr=False)  # units + neighbourhood (+ place) columns

    def footprint(self) -> Footprint:
        """The proposal in the config format ``validate`` reads."""
        p = self.proposal
        icbs = sorted({h.icb_code for h in p.neighbourhoods})
        r = p.rules
        waivers: list[dict[str, str]] = []
        for h in p.neighbourhoods:
            if h.reasons and not r.min <= h.population <= r.max:
                waivers.append({"rule": "population-band", "unit": h.id, "reason": "; ".join(h.reasons)})
        for pl in self.places:
            if pl.reasons and not r.place_min <= pl.population <= r.place_max:
                waivers.append({"rule": "place-band", "unit": pl.id, "reason": "; ".join(pl.reasons)})
            if any("not contiguous" in x for x in pl.reasons):
                waivers.append({"rule": "place-contiguity", "unit": pl.id, "reason": "; ".join(pl.reasons)})
        from .rules import DEFAULT_SEVERITY

        written = replace(r, severity={**DEFAULT_SEVERITY, **r.severity})  # every rule's severity, explicit
        return Footprint(
            name=self.study.place, vintage=self.study.vintage, rules=written,
            neighbourhoods=[NeighbourhoodSpec(h.id, h.name, h.codes) for h in p.neighbourhoods],
            places=[PlaceSpec(pl.id, pl.name, pl.neighbourhoods, pl.icb_code) for pl in self.places],
            meta={"place": self.study.place, "icb": icbs, "version": "1", "source": self.study.source,
                  "generated_by": f"nhgeo {__version__} propose --seed {p.seed}", "seed": p.seed},
            waivers=waivers,
        )


def propose(
    place: str | Sequence[str] = "england",
    boundaries: str | Path | None = None,
    *,
    rules: Rules | None = None,
    seed: int = 0,
    lock: str | Path | pd.Series | None = None,
    levels: Sequence[str] = ("neighbourhood", "place"),
    snap: float = DEFAULT_SNAP_M,
    progress: Progress | None = None,
    study: Study | None = None,
    **options: Unpack[LoadOptions],
) -> ProposeResult:
    """Propose neighbourhoods (and places) for ``place``; same inputs and seed give the same result.

    ``options`` say how to read the units (``vintage``, ``code_column``, ...: see :class:`LoadOptions`).
    """
    rules = rules or Rules()
    if progress:
        progress("load + graph", 0, 1)
    study = study or open_study(place, boundaries, snap=snap, **options)
    if progress:
        progress("load + graph", 1, 1)
    lock_series = read_lock(lock) if isinstance(lock, (str, Path)) else lock
    prop = propose_neighbourhoods(study.units, study.adj, rules, seed=seed, lock=lock_series, progress=progress)
    places = build_places(study.units, study.adj, prop, rules, seed=seed, progress=progress) \
        if "place" in levels else []
    score = score_assignment(study.units, study.adj, prop.labels.to_numpy(), rules)
    assignment = study.units.copy()
    assignment["neighbourhood"] = prop.labels.to_numpy()
    names = {h.id: h.name for h in prop.neighbourhoods}
    assignment["neighbourhood_name"] = assignment["neighbourhood"].map(names)
    if places:
        pmap = {n: pl.id for pl in places for n in pl.neighbourhoods}
        assignment["place"] = assignment["neighbourhood"].map(pmap)
    return ProposeResult(study, prop, places, score, assignment)


def read_lock(path: str | Path) -> pd.Series:
    """Unit code -> neighbourhood id from a footprint (TOML/CSV/GeoPackage) to keep fixed."""
    fp = read_footprint(path)
    return fp.assignment()
