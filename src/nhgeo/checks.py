"""Validate a footprint: every rule checked, each finding explained with the smallest fix.

Rules (ids in :data:`nhgeo.rules.RULE_IDS`): coverage, unknown-code, contiguity, population-band,
la-alignment, nesting, place-band, place-contiguity, place-la-alignment, core-offer (run when
service data is supplied; see :mod:`nhgeo.coverage`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Unpack

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from .boundaries import LoadOptions, embedded_codes, load_units
from .config import Footprint, read_footprint
from .errors import InputError
from .graph import DEFAULT_SNAP_M, AdjacencyGraph, build_graph, part_components, subgraph
from .metrics import Scorecard, score_assignment
from .model import Rules
from .rules import DEFAULT_SEVERITY, RULE_IDS
from .selection import select_place


@dataclass
class Finding:
    """One broken (or doubtful) rule for one unit, with a plain explanation and the smallest fix."""

    rule: str
    severity: str  # error | warning
    unit: str  # neighbourhood id, place id or LSOA code
    message: str
    fix: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class ValidationReport:
    """All findings for a footprint, plus the figures they were computed from."""

    footprint: Footprint
    path: str
    source: str
    vintage: int
    units_in_place: int
    findings: list[Finding]
    score: Scorecard | None
    rules_checked: list[str]
    extras: dict[str, Any] = field(default_factory=dict)  # e.g. the coverage grid

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def exit_code(self, strict: bool = False) -> int:
        """0 when every rule holds, 1 when one fails (warnings count with ``strict``)."""
        return 1 if self.errors or (strict and self.warnings) else 0

    def by_rule(self) -> dict[str, list[Finding]]:
        """Every checked rule (in order) with its findings; an empty list means the rule holds."""
        out: dict[str, list[Finding]] = {r: [] for r in self.rules_checked}
        for f in self.findings:
            if f.rule in out:
                out[f.rule].append(f)
        return out


def _fmt_codes(codes: list[str], n: int = 6) -> str:
    return ", ".join(codes[:n]) + (f" and {len(codes) - n} more" if len(codes) > n else "")


class _Checker:
    """Holds the units/graph/labels of one footprint while the rules run."""

    def __init__(self, fp: Footprint, units: gpd.GeoDataFrame, adj: AdjacencyGraph, labels: np.ndarray) -> None:
        self.fp, self.units, self.adj, self.labels = fp, units, adj, labels
        self.rules: Rules = fp.rules
        self.codes = units["code"].astype(str).to_numpy()
        self.pop = units["population"].to_numpy(dtype=float)
        self.la = units["la_code"].astype(str).to_numpy()
        self.la_name = dict(zip(self.la, units["la_name"].astype(str).to_numpy(dtype=object), strict=False))
        self.icb = units["icb_code"].astype(str).to_numpy()
        self.findings: list[Finding] = []
        self.hood_pop: dict[str, float] = {str(k): float(v) for k, v in
                                           pd.Series(self.pop).groupby(labels).sum().items()}
        self._groups = _positions_by(labels)
        self.names = {n.id: n.name for n in fp.neighbourhoods}
        self.waived = {(w["rule"], w["unit"]): w["reason"] for w in fp.waivers}

    def add(self, rule: str, unit: str, message: str, fix: str | None = None, **data: Any) -> None:
        """Record a finding at the footprint's severity for ``rule`` ("off" drops it); a waiver for
        (rule, unit) turns an error into a warning that quotes the reason."""
        sev = self.rules.severity.get(rule, DEFAULT_SEVERITY.get(rule, "error"))
        waiver = self.waived.get((rule, unit))
        if waiver is not None and sev == "error":
            sev = "warning"
            message = f"{message} [waived: {waiver}]"
        if sev != "off":
            self.findings.append(Finding(rule, sev, unit, message, fix, data))

    def members(self, nid: str) -> np.ndarray:
        """Positions of the units in neighbourhood ``nid`` (grouped once, not a scan per call)."""
        return self._groups.get(nid, np.zeros(0, dtype=np.int64))

    def in_band(self, p: float) -> bool:
        return self.rules.min <= p <= self.rules.max

    # -- contiguity --------------------------------------------------------------------------
    def contiguity(self) -> None:
        comp = part_components(self.adj, self.labels)
        ncomp = pd.Series(comp).groupby(self.labels).nunique()
        for nid in sorted(set(ncomp[ncomp > 1].index) - {""}):
            nodes = self.members(nid).tolist()
            parts = sorted((sorted(c) for c in nx.connected_components(self.adj.graph.subgraph(nodes))),
                           key=lambda c: (-self.pop[c].sum(), c[0]))
            if len(parts) < 2:
                continue
            desc = []
            fixes = []
            for part in parts[1:]:
                codes = [str(self.codes[i]) for i in part]
                desc.append(f"{len(part)} LSOA(s) ({int(self.pop[part].sum()):,} people): {_fmt_codes(codes)}")
                touching = self._touching_hoods(part, exclude=nid)
                if touching:
                    fixes.append(f"move {_fmt_codes(codes, 3)} to {touching[0]}, which they touch")
            self.add("contiguity", nid, f"{nid} ({self.names.get(nid, nid)}) is in {len(parts)} separate parts; "
                     f"detached: " + "; ".join(desc), "; ".join(fixes) or None,
                     parts=[[str(self.codes[i]) for i in p] for p in parts])

    def _touching_hoods(self, nodes: list[int], exclude: str) -> list[str]:
        counts: dict[str, float] = {}
        s = set(nodes)
        for a in nodes:
            for b, d in self.adj.graph[a].items():
                lb = str(self.labels[b])
                if b not in s and lb not in ("", exclude):
                    counts[lb] = counts.get(lb, 0.0) + float(d.get("length", 0.0)) + 1.0
        return sorted(counts, key=lambda k: -counts[k])

    # -- population band ----------------------------------------------------------------------
    def band(self) -> None:
        r = self.rules
        for nid in sorted(map(str, self.hood_pop)):
            if nid == "":
                continue
            p = self.hood_pop[nid]
            if self.in_band(p):
                continue
            side = "below the minimum" if p < r.min else "above the maximum"
            lim = r.min if p < r.min else r.max
            fix = self._band_fix(nid)
            self.add("population-band", nid, f"{nid} ({self.names.get(nid, nid)}) has {int(p):,} people, {side} "
                     f"{lim:,} (band {r.min:,}–{r.max:,})", fix, population=int(p))

    def _connected_without(self, nodes: set[int], drop: set[int]) -> bool:
        rest = nodes - drop
        return bool(rest) and nx.is_connected(self.adj.graph.subgraph(rest))

    def _band_fix(self, nid: str, max_moves: int = 8) -> str | None:
        """Fewest boundary moves (greedy, up to ``max_moves``) that bring ``nid`` in band without
        pushing the neighbour out of band or breaking contiguity."""
        g = self.adj.graph
        mine = set(self.members(nid).tolist())
        pops = dict(self.hood_pop)
        moves: list[tuple[int, str, str]] = []
        for _ in range(max_moves):
            p = pops[nid]
            if self.in_band(p):
                break
            best: tuple[float, int, str, str] | None = None
            if p > self.rules.max:  # give a boundary unit away
                for u in sorted(mine):
                    for v in g[u]:
                        other = str(self.labels[v])
                        if v in mine or other == "" or pops[other] + self.pop[u] > self.rules.max:
                            continue
                        score = abs(p - self.pop[u] - self.rules.target)
                        if (best is None or score < best[0]) and self._connected_without(mine, {u}):
                            best = (score, u, nid, other)
            else:  # take a boundary unit in
                for u in sorted(mine):
                    for v in g[u]:
                        other = str(self.labels[v])
                        if v in mine or other == "" or pops[other] - self.pop[v] < self.rules.min:
                            continue
                        score = abs(p + self.pop[v] - self.rules.target)
                        if best is None or score < best[0]:
                            theirs = set(self.members(other).tolist()) - {m[0] for m in moves if m[1] == other}
                            theirs |= {m[0] for m in moves if m[2] == other}
                            if self._connected_without(theirs, {v}):
                                best = (score, v, other, nid)
            if best is None:
                return None
            _, u, src, dst = best
            moves.append((u, src, dst))
            pops[src] -= self.pop[u]
            pops[dst] += self.pop[u]
            if src == nid:
                mine.discard(u)
            else:
                mine.add(u)
        if not self.in_band(pops[nid]):
            return None
        parts = [f"{self.codes[u]} ({int(self.pop[u]):,} people) from {a} to {b}" for u, a, b in moves]
        touched = sorted({x for _, a, b in moves for x in (a, b)})
        after = ", ".join(f"{t} {int(pops[t]):,}" for t in touched)
        return f"move {'; '.join(parts)}: afterwards {after}, all within band"

    # -- LA alignment ------------------------------------------------------------------------
    def la_alignment(self) -> None:
        nla = pd.Series(self.la).groupby(self.labels).nunique()
        for nid in sorted(set(nla[nla > 1].index) - {""}):
            m = self.members(nid)
            las = pd.Series(self.pop[m], index=self.la[m]).groupby(level=0).sum().sort_values(ascending=False)
            if len(las) < 2:
                continue
            sides = ", ".join(f"{self.la_name.get(la, la)} {int(p):,}" for la, p in las.items())
            minor = las.index[1:]
            small = [str(c) for c in self.codes[m][np.isin(self.la[m], minor)]]
            fix = (f"move {_fmt_codes(small, 4)} ({int(las.iloc[1:].sum()):,} people) into a neighbourhood of "
                   f"{', '.join(self.la_name.get(x, x) for x in minor)}")
            allowed = " (allowed by rules.cross_la)" if self.rules.cross_la else ""
            self.add("la-alignment", nid, f"{nid} ({self.names.get(nid, nid)}) crosses local authorities{allowed}: "
                     f"{sides}", fix, populations={str(k): int(v) for k, v in las.items()})

    # -- places and nesting ------------------------------------------------------------------
    def nesting_and_places(self) -> None:
        fp = self.fp
        nicb = pd.Series(self.icb).groupby(self.labels).nunique()
        for nid in sorted(set(nicb[nicb > 1].index) - {""}):
            icbs = sorted(set(self.icb[self.members(nid)].tolist()))
            if len(icbs) > 1:
                self.add("nesting", nid, f"{nid} spans {len(icbs)} ICBs ({', '.join(icbs)}); a neighbourhood must "
                         "nest in one ICB")
        if not fp.places:
            return
        place_of = fp.place_of()
        orphans = [n.id for n in fp.neighbourhoods if n.id not in place_of]
        for nid in orphans:
            self.add("nesting", nid, f"{nid} is in no place; every neighbourhood must lie in exactly one place",
                     "add it to the place it touches most")
        plab = np.array([place_of.get(str(x), "") for x in self.labels], dtype=object)
        la_places: dict[str, set[str]] = {}
        for la, pl in zip(self.la, plab, strict=True):
            if pl:
                la_places.setdefault(la, set()).add(pl)
        la_pop = pd.Series(self.pop).groupby(self.la).sum()
        pcomp = part_components(self.adj, plab.astype(str))
        r = self.rules
        place_units = _positions_by(plab)
        for p in fp.places:
            m = place_units.get(p.id, np.zeros(0, dtype=np.int64))
            if len(m) == 0:
                continue
            pop = float(self.pop[m].sum())
            icb_pop = pd.Series(self.pop[m], index=self.icb[m]).groupby(level=0).sum()
            if len(icb_pop) > 1:
                self.add("nesting", p.id, f"place {p.id} ({p.name}) spans ICBs: "
                         + ", ".join(f"{k} {int(v):,}" for k, v in icb_pop.items()) + "; a place must lie in one ICB")
            if not r.place_min <= pop <= r.place_max:
                side = "below the minimum" if pop < r.place_min else "above the maximum"
                self.add("place-band", p.id, f"place {p.id} ({p.name}) has {int(pop):,} people, {side} "
                         f"(band {r.place_min:,}–{r.place_max:,})", population=int(pop))
            n_parts = len(set(pcomp[m].tolist()))
            if n_parts > 1:
                self.add("place-contiguity", p.id, f"place {p.id} ({p.name}) is in {n_parts} separate parts")
            for la in sorted(set(self.la[m].tolist())):
                if len(la_places.get(la, ())) > 1 and la_pop[la] <= r.place_max:
                    others = sorted(la_places[la] - {p.id})
                    self.add("place-la-alignment", p.id, f"place {p.id} holds part of {self.la_name.get(la, la)} "
                             f"(population {int(la_pop[la]):,}, small enough to be whole) which is split with "
                             f"{', '.join(others)}", f"put all of {self.la_name.get(la, la)} in one place")


def _positions_by(labels: np.ndarray) -> dict[str, np.ndarray]:
    """Label -> positions holding it, in one pass."""
    return {str(k): np.asarray(v, dtype=np.int64) for k, v in pd.Series(labels).groupby(labels).indices.items()}


def _other_vintage_hint(unknown: list[str], vintage: int) -> str:
    other = 2011 if vintage == 2021 else 2021
    codes = embedded_codes(other)
    hits = sum(c in codes for c in unknown)
    if hits:
        return (f"; {hits} of them are LSOA {other} codes: set vintage = {other} in [footprint] "
                f"(or --vintage {other})")
    return ""


def validate(
    footprint: str | Path | Footprint,
    boundaries: str | Path | None = None,
    *,
    place: str | None = None,
    snap: float = DEFAULT_SNAP_M,
    services: Callable[[gpd.GeoDataFrame, np.ndarray, Footprint], list[Finding]] | None = None,
    **options: Unpack[LoadOptions],
) -> ValidationReport:
    """Check every rule for ``footprint`` over the place it covers (``place`` or the footprint's own).

    ``options`` say how to read the units (see :class:`nhgeo.boundaries.LoadOptions`); the vintage
    defaults to the footprint's own.
    """
    vintage = options.get("vintage")
    fp = footprint if isinstance(footprint, Footprint) else read_footprint(footprint, vintage=vintage)
    path = str(footprint) if not isinstance(footprint, Footprint) else fp.name
    unknown_rules = sorted(set(fp.rules.severity) - set(RULE_IDS))
    if unknown_rules:
        raise InputError(f"unknown rule {unknown_rules[0]!r} in severity; known rules: {', '.join(RULE_IDS)}")
    v = vintage or fp.vintage
    options["vintage"] = v
    all_units, rep = load_units(boundaries, **options)
    known = pd.Index(all_units["code"].astype(str))
    assign = fp.assignment()
    unknown = sorted(map(str, assign.index.difference(known)))
    hint = _other_vintage_hint(unknown, v) if unknown and boundaries is None else ""
    if unknown and len(unknown) == len(assign):
        raise InputError(f"none of the footprint's {len(assign)} codes are LSOA {v} codes{hint}")
    # the place: as given, else the footprint's own `place`, else every LA it touches
    where = place or fp.meta.get("place")
    if where:
        try:
            units = select_place(all_units, str(where))
        except InputError:
            units = None
    else:
        units = None
    if units is None:
        las = set(all_units.loc[all_units["code"].astype(str).isin(assign.index), "la_code"].astype(str))
        units = select_place(all_units, sorted(las))
    extra = sorted(map(str, assign.index.intersection(known).difference(pd.Index(units["code"].astype(str)))))
    if extra:  # assigned units outside the named place still count
        more = all_units[all_units["code"].astype(str).isin(extra)]
        units = pd.concat([units, more], ignore_index=True)
        units.attrs.update(all_units.attrs)
    adj = build_graph(units, snap_m=snap)
    codes = units["code"].astype(str)
    labels = codes.map(assign).fillna("").to_numpy(dtype=object)
    ck = _Checker(fp, units, adj, labels)
    if unknown:
        ck.add("unknown-code", _fmt_codes(unknown, 3), f"{len(unknown)} code(s) are not LSOA {v} codes in "
               f"{rep.source}: {_fmt_codes(unknown)}{hint}", "correct or remove them", codes=unknown)
    gaps = codes[labels == ""].tolist()
    if gaps:
        gap_pop = int(units.loc[labels == "", "population"].sum())
        fixes = []
        for i in np.flatnonzero(labels == "")[:5]:
            t = ck._touching_hoods([int(i)], exclude="")
            if t:
                fixes.append(f"{codes.iloc[i]} -> {t[0]}")
        ck.add("coverage", _fmt_codes(gaps, 3), f"{len(gaps)} LSOA(s) in the place ({gap_pop:,} people) are in no "
               f"neighbourhood: {_fmt_codes(gaps)}", ("assign " + ", ".join(fixes)) if fixes else None, codes=gaps)
    for code, ids in sorted(fp.duplicate_codes().items()):
        ck.add("coverage", code, f"{code} is listed in {len(ids)} neighbourhoods ({', '.join(ids)})",
               f"keep it only in {ids[0]}" if len(set(ids)) > 1 else "list it once", neighbourhoods=ids)
    ck.contiguity()
    ck.band()
    ck.la_alignment()
    ck.nesting_and_places()
    if services is not None:  # the hook's findings get the same severities and waivers as every other rule
        for f in services(units, labels, fp):
            ck.add(f.rule, f.unit, f.message, f.fix, **f.data)
    assigned = labels != ""
    score: Scorecard | None = None
    if assigned.all():
        score = score_assignment(units, adj, labels, fp.rules)
    elif assigned.any():
        score = score_assignment(units[assigned].reset_index(drop=True), subgraph(adj, np.flatnonzero(assigned)),
                                 labels[assigned], fp.rules)
    checked = [r for r in RULE_IDS if r != "core-offer" or services is not None]
    return ValidationReport(fp, path, rep.source, v, len(units), ck.findings, score, checked)
