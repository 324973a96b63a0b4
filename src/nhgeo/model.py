"""The shared model every command starts from: column names, the rule thresholds, a study and an assignment.

It sits above loading (:mod:`nhgeo.sources`) and adjacency (:mod:`nhgeo.geo`) and below everything else, so
every later layer (footprints, check, design, render) reads it. It holds data objects and what derives from
them; algorithms live in the layer that uses them (``choose_k`` is in :mod:`nhgeo.design.sizing`).

* :class:`Col` (from :mod:`nhgeo.sources.columns`) names every standard unit column once (``units[Col.POP]``).
* :class:`Rules` holds the thresholds (band, place band, LA crossing) and per-rule severity overrides.
* :class:`Study` is a set of units with their adjacency graph and where they came from.
* :class:`Assignment` is unit -> neighbourhood -> place, with names and waivers, aligned to a study's units.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar, Unpack, cast

import geopandas as gpd
import numpy as np
import pandas as pd

from .errors import InputError
from .geo.graph import DEFAULT_MIN_BORDER_M, DEFAULT_SNAP_M, AdjacencyGraph, build_graph
from .sources.boundaries import LoadOptions, LoadReport, load_units
from .sources.columns import Col
from .sources.population import apply_population
from .sources.selection import select_place
from .sources.services import ServiceSet

T = TypeVar("T")
__all__ = ["Assignment", "Col", "Footprint", "NeighbourhoodSpec", "PlaceSpec", "Rules", "Study",
           "open_study", "positions_by", "study_of"]


SEVERITIES = ("error", "warning", "off")


@dataclass
class Rules:
    """Population bands and what may cross boundaries (national guidance defaults), plus severity overrides.

    ``severity`` holds only what a footprint or the user set (rule id -> error | warning | off); each
    rule's default lives with the rule (:mod:`nhgeo.rules`).
    """

    target: int = 50_000
    min: int = 40_000
    max: int = 60_000
    cross_la: bool = False
    place_min: int = 250_000
    place_max: int = 500_000
    severity: dict[str, str] = field(default_factory=dict)
    core_offer: dict[str, Any] = field(default_factory=dict)  # {required: [...], distance_m: {component: m}}

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """Reject impossible bands and unknown severity words with one clear line."""
        if not (0 < self.min <= self.target <= self.max):
            raise InputError(f"impossible neighbourhood band: need 0 < min ({self.min:,}) <= target "
                             f"({self.target:,}) <= max ({self.max:,})")
        if not (0 < self.place_min <= self.place_max):
            raise InputError(f"impossible place band: need 0 < place-min ({self.place_min:,}) <= place-max "
                             f"({self.place_max:,})")
        if self.place_max < self.min:
            raise InputError(f"place-max ({self.place_max:,}) is below the neighbourhood minimum ({self.min:,})")
        for rule, sev in self.severity.items():
            if sev not in SEVERITIES:
                raise InputError(f"severity for {rule!r} must be error, warning or off, not {sev!r}")

    def in_band(self, population: float) -> bool:
        """Is a neighbourhood population within the band?"""
        return self.min <= population <= self.max

    def in_place_band(self, population: float) -> bool:
        """Is a place population within the place band?"""
        return self.place_min <= population <= self.place_max

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if not d["core_offer"]:
            d.pop("core_offer")
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Rules:
        known = {"target", "min", "max", "cross_la", "place_min", "place_max"}
        unknown = set(d) - known - {"severity", "core_offer"}
        if unknown:
            raise InputError(f"unknown key(s) in [rules]: {', '.join(sorted(unknown))}")
        return cls(**{k: d[k] for k in known if k in d}, severity=dict(d.get("severity", {})),
                   core_offer=dict(d.get("core_offer", {})))


def positions_by(labels: np.ndarray) -> dict[str, np.ndarray]:
    """Label -> positions holding it, in one pass."""
    return {str(k): np.asarray(v, dtype=np.int64) for k, v in pd.Series(labels).groupby(labels).indices.items()}


# ---- footprints: what a planner writes down ------------------------------------------------------


@dataclass
class NeighbourhoodSpec:
    """A neighbourhood as written in a footprint."""

    id: str
    name: str
    codes: list[str]


@dataclass
class PlaceSpec:
    """A place as written in a footprint: the neighbourhoods it holds."""

    id: str
    name: str
    neighbourhoods: list[str]
    icb: str | None = None


@dataclass
class Footprint:
    """A whole footprint (unit codes -> neighbourhoods -> places, names, rules, waivers), keyed by code."""

    name: str
    vintage: int
    rules: Rules
    neighbourhoods: list[NeighbourhoodSpec]
    places: list[PlaceSpec] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    waivers: list[dict[str, str]] = field(default_factory=list)  # {rule, unit, reason}: accepted exceptions
    rules_given: tuple[str, ...] = ()  # [rules] keys the file set ("min", "severity.contiguity"): not written back
    name_conflicts: dict[str, list[str]] = field(default_factory=dict)  # id -> the different names a table gave it
    unread_columns: dict[str, str] | None = None  # a table's column nhgeo did not read -> what it looks like (a
    # place or name column under another heading), reported by the unread-columns rule; None: not a table
    # a footprint given as wards / MSOAs / practices / PCNs: how it became LSOAs (footprints.codes.Conversion)
    conversion: Any = field(default=None, compare=False, repr=False)
    read_notes: list[str] = field(default_factory=list)  # what reading the file did (sheet used, codes cleaned)

    def assignment(self) -> pd.Series:
        """Unit code -> neighbourhood id (a code listed twice keeps its first neighbourhood)."""
        pairs = [(c, n.id) for n in self.neighbourhoods for c in n.codes]
        s = pd.Series([p[1] for p in pairs], index=[p[0] for p in pairs], dtype=object, name="neighbourhood")
        return s[~s.index.duplicated()]

    def duplicate_codes(self) -> dict[str, list[str]]:
        """Codes listed in more than one neighbourhood (or twice in one) -> the neighbourhood ids."""
        codes = [c for n in self.neighbourhoods for c in n.codes]
        if len(set(codes)) == len(codes):
            return {}
        seen: dict[str, list[str]] = {}
        for n in self.neighbourhoods:
            for c in n.codes:
                seen.setdefault(c, []).append(n.id)
        return {c: ids for c, ids in seen.items() if len(ids) > 1}

    def place_of(self) -> dict[str, str]:
        """Neighbourhood id -> place id."""
        return {nid: p.id for p in self.places for nid in p.neighbourhoods}


# ---- a study: the units everything works on ------------------------------------------------------


@dataclass
class Study:
    """Units of one place with their adjacency graph, the rules, and where the data came from."""

    units: gpd.GeoDataFrame
    adj: AdjacencyGraph
    load: LoadReport
    place: str
    rules: Rules = field(default_factory=Rules)
    services: ServiceSet | None = None  # service points for the core offer, when asked for
    outside_place: list[str] = field(default_factory=list)  # listed codes outside the named place (added)
    place_given: bool = True  # False when the place is only the LAs a footprint touches

    @property
    def vintage(self) -> int:
        """LSOA vintage of the units (2021 or 2011)."""
        return int(self.units.attrs.get("vintage", self.load.vintage))

    @property
    def source(self) -> str:
        """Where the boundaries came from (embedded dataset and vintages, or the user's file)."""
        return str(self.units.attrs.get("source", self.load.source))

    @property
    def vintages(self) -> dict[str, str]:
        """Every dataset vintage the results depend on, in words (what reports print)."""
        v: dict[str, Any] = dict(self.units.attrs.get("vintages", {}))
        out = {"boundaries": f"LSOA {self.vintage} ({self.source})", "population": self.population_source}
        if v.get("icb"):
            out["ICB"] = ("April 2026 (36 ICBs; rebuilt from the 2024 lookup and published counts, Frimley split by "
                          "county; checked against the official ONS outlines: 33,745 of 33,748 LSOA centroids agree)"
                          if v["icb"] == 2026 else f"{v['icb']} ({42} ICBs)")
        if v.get("la"):
            out["local authority"] = str(v["la"])
        if v.get("ward"):
            out["ward"] = f"electoral wards {v['ward']} (ONS best fit)"
        if v.get("imd"):
            out["deprivation"] = f"English Indices of Deprivation {v['imd']} (IMD deciles)"
        return out

    @property
    def population_source(self) -> str:
        """What the population figures are: Census 2021 (embedded, or matched to the file's codes), registered
        patients or a table given with ``--population``, or the user's own column. Every output labels population
        with this, never with a constant."""
        chosen = self.units.attrs.get("population_source")
        if chosen:
            return str(chosen)
        estimated = " (1,034 changed 2011 LSOAs estimated)" if self.vintage == 2011 else ""
        if self.source.startswith("embedded:"):
            return f"Census 2021 usual residents{estimated}"
        if any(n.startswith("population from Census 2021") for n in self.load.notes):
            return f"Census 2021 usual residents, matched by LSOA code{estimated}"
        return f"your own figures: the population column of {self.source.removeprefix('file:')}"

    @property
    def codes(self) -> np.ndarray:
        """Unit codes as strings, aligned to ``units``."""
        return np.asarray(self.units[Col.CODE].astype(str).to_numpy(dtype=object))

    @property
    def population(self) -> np.ndarray:
        """Unit populations as floats, aligned to ``units``."""
        return np.asarray(self.units[Col.POP].to_numpy(dtype=float))

    def column(self, col: str) -> np.ndarray:
        """Any standard column as strings (NA as ''), aligned to ``units``."""
        return np.asarray(self.units[col].astype("string").fillna("").to_numpy(dtype=object))


def open_study(place: str | Sequence[str] | None = "england", boundaries: str | Path | None = None, *,
               snap: float = DEFAULT_SNAP_M, rules: Rules | None = None, codes: Sequence[str] = (),
               min_border: float = DEFAULT_MIN_BORDER_M, **options: Unpack[LoadOptions]) -> Study:
    """The one loader every command uses: read boundaries, select ``place`` (plus any extra ``codes``
    that lie outside it) and build the adjacency graph."""
    units, rep = load_units(boundaries, **options)
    return study_of(units, rep, place, snap=snap, rules=rules, codes=codes, min_border=min_border)


def study_of(units: gpd.GeoDataFrame, rep: LoadReport, place: str | Sequence[str] | None, *,
             snap: float = DEFAULT_SNAP_M, rules: Rules | None = None, codes: Sequence[str] = (),
             min_border: float = DEFAULT_MIN_BORDER_M) -> Study:
    """A study of ``place`` within already loaded ``units`` (see :func:`open_study`)."""
    sub = select_place(units, place)
    outside: list[str] = []
    if len(codes):
        extra = pd.Index(pd.Series(list(codes), dtype=object)).intersection(pd.Index(units[Col.CODE].astype(str)))
        extra = extra.difference(pd.Index(sub[Col.CODE].astype(str)))
        outside = sorted(map(str, extra))
        if len(extra):  # assigned units outside the named place still count
            more = units[units[Col.CODE].astype(str).isin(extra)]
            sub = pd.concat([sub, more], ignore_index=True)
            sub.attrs.update(units.attrs)
    sub, chosen, notes = apply_population(sub, rep.population, int(sub.attrs.get("vintage", rep.vintage)))
    if chosen:
        sub.attrs["population_source"] = chosen
        rep.notes.extend(n for n in notes if n not in rep.notes)
    adj = build_graph(sub, snap_m=snap, min_border_m=min_border)
    label = place if isinstance(place, str) or place is None else ",".join(place)
    return Study(sub, adj, rep, label or "all", rules or Rules(), outside_place=outside)


# ---- an assignment: a footprint aligned to a study's units ---------------------------------------


@dataclass
class Assignment:
    """Unit -> neighbourhood -> place for one study (GerryChain-style: rules read it, derived figures
    are computed once and cached by name)."""

    footprint: Footprint
    labels: np.ndarray  # neighbourhood id per unit of the study ("" = in no neighbourhood)
    unknown_codes: list[str] = field(default_factory=list)  # listed codes that are not units of the boundaries
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def align(cls, footprint: Footprint, study: Study, known: pd.Index | None = None) -> Assignment:
        """``footprint`` on ``study``'s units; ``known`` = every code the boundaries hold (for unknown codes)."""
        listed = footprint.assignment()
        codes = pd.Series(study.codes)
        labels = codes.map(listed).astype(object).fillna("").to_numpy(dtype=object)  # all-NaN maps are float
        unknown = sorted(map(str, listed.index.difference(known))) if known is not None else []
        return cls(footprint, labels, unknown)

    @property
    def rules(self) -> Rules:
        return self.footprint.rules

    @property
    def names(self) -> dict[str, str]:
        """Neighbourhood id -> name."""
        return self.derived("names", lambda: {n.id: n.name for n in self.footprint.neighbourhoods})

    @property
    def place_of(self) -> dict[str, str]:
        """Neighbourhood id -> place id."""
        return self.derived("place_of", self.footprint.place_of)

    @property
    def place_labels(self) -> np.ndarray:
        """Place id per unit ("" = none)."""
        return self.derived("place_labels", lambda: np.array([self.place_of.get(str(x), "") for x in self.labels],
                                                             dtype=object))

    @property
    def waivers(self) -> dict[tuple[str, str], str]:
        """(rule id, unit) -> reason of every accepted exception."""
        return self.derived("waivers", lambda: {(w["rule"], w["unit"]): w["reason"] for w in self.footprint.waivers})

    def derived(self, key: str, compute: Callable[[], T]) -> T:
        """A figure computed from this assignment once, then reused by every rule and renderer."""
        if key not in self._cache:
            self._cache[key] = compute()
        return cast(T, self._cache[key])

    def members(self, nid: str) -> np.ndarray:
        """Positions of the units in neighbourhood ``nid``."""
        return self.derived("members", lambda: positions_by(self.labels)).get(nid, np.zeros(0, dtype=np.int64))

    def place_members(self, pid: str) -> np.ndarray:
        """Positions of the units in place ``pid``."""
        groups = self.derived("place_members", lambda: positions_by(self.place_labels))
        return groups.get(pid, np.zeros(0, dtype=np.int64))

    def populations(self, study: Study) -> dict[str, float]:
        """Neighbourhood id -> population."""
        return self.derived("populations", lambda: {str(k): float(v) for k, v in
                                                    pd.Series(study.population).groupby(self.labels).sum().items()})
