"""An editing session: a footprint open for change, its live checks, undo/redo, locks, journal and save.

Everything the page (and a script) can do is a method here; :mod:`nhgeo.edit.server` only maps HTTP onto it.
Every change is one *step* (a stroke of LSOA moves, adding, renaming or removing a neighbourhood) holding its
full effect, so undo and redo apply it backwards or forwards and the journal can replay it. A step is written to
the journal (fsync'd) before the method returns. Locked neighbourhoods refuse every change that would alter
them, an undo or redo included. ``version`` counts accepted changes: a request made on an older version (another
tab) is refused so two tabs cannot silently overwrite each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..check.alignment import PCN_DATA, pcn_alignment
from ..check.rules import REGISTRY, Finding, Status
from ..check.validation import ValidationReport, validate
from ..footprints.files import dumps_toml
from ..model import Assignment, Col, Footprint, NeighbourhoodSpec, PlaceSpec, Study, positions_by
from ..sources.services import ServiceSet
from ..version import __version__
from .journal import Journal, file_sha256, journal_path, read_journal
from .live import LIVE_RULES, LiveChecker, WardTracker
from .mapdata import colour_neighbourhoods, free_colour
from .saving import SaveTarget, save_target, write_atomically, written_by_nhgeo
from .steps import Refused, clean_name, describe, hoods_of

UNDO_DEPTH = 500  # steps kept for undo (the issue asks for at least 100)


def _finding(f: Finding) -> dict[str, Any]:
    return {"rule": f.rule, "severity": str(f.severity), "unit": f.unit, "message": f.message, "fix": f.fix,
            **({"parts": f.data["parts"]} if "parts" in f.data else {})}


@dataclass
class EditSession:
    """A footprint being edited (see the module doc). Open one with :meth:`open`."""

    footprint_path: Path
    target: SaveTarget
    report: ValidationReport
    journal: Journal
    locked: set[str] = field(default_factory=set)
    version: int = 0  # every accepted change, locks included (what a stale tab is told apart by)
    content: int = 0  # changes to the footprint itself (what a save clears)
    saved_content: int = 0
    undo_stack: list[dict[str, Any]] = field(default_factory=list)
    redo_stack: list[dict[str, Any]] = field(default_factory=list)
    pending: list[dict[str, Any]] = field(default_factory=list)  # journalled changes offered for restore
    set_aside: str | None = None  # a journal of an older version of the file, moved aside
    full: list[dict[str, Any]] = field(default_factory=list)  # the last full check's results
    full_version: int = -1
    colours: dict[str, int] = field(default_factory=dict)
    static: dict[str, Any] = field(default_factory=dict)  # figures that no edit changes (ward tables)
    ward_tracker: WardTracker | None = None

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, footprint: str | Path, *, place: str | None = None, out: str | Path | None = None,
             force: bool = False, services: ServiceSet | None = None, journal_dir: str | Path | None = None,
             **validate_kw: Any) -> EditSession:
        """Read ``footprint`` (any form ``validate`` reads), check where saves go, find any journal to restore."""
        path = Path(footprint)
        target = save_target(path, Path(out) if out is not None else None, force)
        report = validate(path, place=place, services=services, **validate_kw)
        jpath = journal_path(path, Path(journal_dir) if journal_dir is not None else None)
        s = cls(path, target, report, Journal(jpath))
        s._setup()
        old = read_journal(jpath)
        if old is not None and old.entries:
            if old.header.get("sha256") == file_sha256(path):
                s.pending = old.entries
            else:
                aside = s.journal.set_aside("stale")
                s.set_aside = str(aside) if aside else None
        if not s.pending:
            s.journal.start(path, file_sha256(path))
        return s

    def _setup(self) -> None:
        a = self.assignment
        fp = a.footprint
        fp.neighbourhoods = [NeighbourhoodSpec(n.id, n.name, []) for n in fp.neighbourhoods]  # codes live in labels
        fp.places = [PlaceSpec(p.id, p.name, list(p.neighbourhoods), p.icb) for p in fp.places]
        a.labels = np.asarray(a.labels, dtype=object).copy()
        self.index = {str(c): i for i, c in enumerate(self.study.codes)}
        self._cache_all()
        self.live = LiveChecker(self.study, a)
        units = self.study.units
        if Col.WARD in units.columns and not units[Col.WARD].isna().all():
            ward = self.study.column(Col.WARD)
            self.static["ward_names"] = dict(zip(ward, self.study.column(Col.WARD_NAME), strict=True))
            self.static["ward_pop"] = {str(k): float(v) for k, v in
                                       pd.Series(self.study.population).groupby(ward).sum().items() if k}
            self.ward_tracker = WardTracker(ward, self.study.population, a.labels)
        self.live.refresh_all()
        self.colours = colour_neighbourhoods(self.study.adj, a.labels, self.hood_ids())
        self.full = self._results(self.report.results)
        self.full_version = 0

    @property
    def study(self) -> Study:
        return self.report.study

    @property
    def assignment(self) -> Assignment:
        return self.report.assignment

    @property
    def footprint(self) -> Footprint:
        return self.assignment.footprint

    def _cache_all(self) -> None:
        """Reset the assignment's derived figures after a change (members kept by the session itself)."""
        a = self.assignment
        cache = a._cache  # the session owns this assignment; its labels change in place
        members = cache.get("members")
        cache.clear()
        cache["members"] = members if members is not None else positions_by(a.labels)

    def _touch(self, hoods: set[str]) -> None:
        """Re-derive the members of ``hoods`` after their labels changed, and forget every other cached figure."""
        a = self.assignment
        members = a._cache.get("members") or {}
        for nid in hoods:
            if nid:
                members[nid] = np.flatnonzero(a.labels == nid)
        self._cache_all()

    # ------------------------------------------------------------------ reading

    def hood_ids(self) -> list[str]:
        return [n.id for n in self.footprint.neighbourhoods]

    def place_of(self, nid: str) -> str:
        return next((p.id for p in self.footprint.places if nid in p.neighbourhoods), "")

    def _hood(self, nid: str) -> dict[str, Any]:
        fig = self.live.figures.get(nid)
        a = self.assignment
        rules = a.rules
        pop = fig.population if fig else 0.0
        fs = [f for f in self.live.hood.get(nid, [])]
        status = ("failing" if any(f.severity == "error" for f in fs) else "warning" if fs else "ok")
        return {"id": nid, "name": a.names.get(nid, nid), "place": self.place_of(nid), "population": int(pop),
                "lsoas": fig.lsoas if fig else 0, "parts": fig.parts if fig else [], "las": fig.las if fig else {},
                "icbs": fig.icbs if fig else [], "locked": nid in self.locked, "colour": self.colours.get(nid, 0),
                "status": status, "in_band": bool(rules.in_band(pop))}

    def findings(self) -> list[dict[str, Any]]:
        """The live findings, then those of the other rules as of the last full check."""
        live = [_finding(f) for f in self.live.findings()]
        rest = [f for r in self.full if r["rule"] not in self.live.active for f in r["findings"]]
        return live + rest

    def wards(self) -> dict[str, Any] | None:
        """Wards split between neighbourhoods, forced by the arithmetic or avoidable (None without ward data)."""
        if self.ward_tracker is None:
            return None
        return self.ward_tracker.summary(self.static["ward_names"], self.static["ward_pop"], self.assignment.rules.max)

    def state(self) -> dict[str, Any]:
        """Everything the page needs (``GET /api/state``)."""
        r = self.assignment.rules
        return {
            "footprint": {"name": self.footprint.name, "path": self.footprint_path.name,
                          "saves_to": self.target.path.name, "vintage": self.study.vintage,
                          "vintages": self.study.vintages, "place": self.study.place},
            "rules": {"min": r.min, "max": r.max, "target": r.target, "place_min": r.place_min,
                      "place_max": r.place_max, "cross_la": r.cross_la},
            "version": self.version, "unsaved": self.unsaved,
            "can_undo": bool(self.undo_stack), "can_redo": bool(self.redo_stack),
            "neighbourhoods": [self._hood(n) for n in self.hood_ids()],
            "places": [{"id": p.id, "name": p.name, "icb": p.icb, "neighbourhoods": list(p.neighbourhoods)}
                       for p in self.footprint.places],
            "labels": {str(c): str(x) for c, x in zip(self.study.codes, self.assignment.labels, strict=True)},
            "findings": self.findings(), "live_rules": list(self.live.active),
            "full_check": {"version": self.full_version, "results": self.full},
            "wards": self.wards(),
            "restore": ({"changes": len(self.pending), "journal": str(self.journal.path)} if self.pending else None),
            "set_aside": self.set_aside,
        }

    @property
    def unsaved(self) -> bool:
        return self.content != self.saved_content

    # ------------------------------------------------------------------ changing

    def _check_version(self, version: int | None) -> None:
        if version is not None and int(version) != self.version:
            raise Refused(f"the footprint changed in another tab or script (now at change {self.version}, this page "
                          f"was at {version}); the page has been reloaded with the latest state", 409, "stale")

    def _check_unlocked(self, hoods: set[str], what: str) -> None:
        locked = sorted(hoods & self.locked)
        if locked:
            raise Refused(f"{what} would change locked neighbourhood(s) {', '.join(locked)}: unlock them first",
                          409, "locked")

    def _known_hood(self, nid: str) -> None:
        if nid not in self.assignment.names:
            raise Refused(f"unknown neighbourhood {nid!r}", 404, "unknown-neighbourhood")

    def _begin(self) -> None:
        """A change is about to be accepted: a restore not taken is set aside and a fresh journal begun."""
        if self.pending:
            aside = self.journal.set_aside("discarded")
            self.set_aside = str(aside) if aside else None
            self.pending = []
            self.journal.start(self.footprint_path, file_sha256(self.footprint_path))

    def move(self, lsoas: list[str], to: str, version: int | None = None) -> dict[str, Any]:
        """Assign ``lsoas`` to neighbourhood ``to`` (one undo step); answer with what changed and the findings."""
        self._check_version(version)
        if not isinstance(lsoas, list) or not all(isinstance(c, str) for c in lsoas):
            raise Refused('"lsoas" must be a list of LSOA codes')
        self._known_hood(to)
        unknown = [c for c in lsoas if c not in self.index]
        if unknown:
            raise Refused(f"unknown LSOA code(s) {', '.join(unknown[:5])}: not in {self.study.place}", 400,
                          "unknown-code")
        labels = self.assignment.labels
        changes = [[c, str(labels[self.index[c]]), to] for c in dict.fromkeys(lsoas) if labels[self.index[c]] != to]
        if not changes:
            return self._answer(set(), "nothing to move")
        self._check_unlocked({to} | {ch[1] for ch in changes}, "this move")
        return self._do({"kind": "move", "changes": changes})

    def add(self, name: str, place: str | None = None, nid: str | None = None,
            version: int | None = None) -> dict[str, Any]:
        """A new, empty neighbourhood (in ``place`` when the footprint has places)."""
        self._check_version(version)
        name = clean_name(name)
        ids = set(self.hood_ids())
        if nid is None:
            k = 1
            while f"N{k:03d}" in ids:
                k += 1
            nid = f"N{k:03d}"
        elif not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}", nid) or nid in ids:
            raise Refused(f"neighbourhood id {nid!r} is taken or not a plain id (letters, digits, - _ .)")
        if place and place not in {p.id for p in self.footprint.places}:
            raise Refused(f"unknown place {place!r}", 404, "unknown-place")
        if not place and self.footprint.places:
            place = self.footprint.places[0].id
        return self._do({"kind": "add", "id": nid, "name": name, "place": place or "",
                         "index": len(self.footprint.neighbourhoods)})

    def rename(self, nid: str, name: str, version: int | None = None) -> dict[str, Any]:
        self._check_version(version)
        self._known_hood(nid)
        self._check_unlocked({nid}, "renaming")
        return self._do({"kind": "rename", "id": nid, "old": self.assignment.names[nid], "new": clean_name(name)})

    def remove(self, nid: str, version: int | None = None) -> dict[str, Any]:
        """Remove a neighbourhood; its LSOAs become unassigned (paint them into others)."""
        self._check_version(version)
        self._known_hood(nid)
        self._check_unlocked({nid}, "removing it")
        ids = self.hood_ids()
        codes = [str(c) for c in self.study.codes[self.assignment.members(nid)]]
        return self._do({"kind": "remove", "id": nid, "name": self.assignment.names[nid], "place": self.place_of(nid),
                         "index": ids.index(nid), "codes": codes})

    def lock(self, nid: str, locked: bool = True, version: int | None = None) -> dict[str, Any]:
        """Lock (or unlock) a neighbourhood: no move, undo or redo may change it while locked."""
        self._check_version(version)
        self._known_hood(nid)
        self._begin()
        self.journal.append({"op": "lock", "id": nid, "locked": bool(locked)})
        (self.locked.add if locked else self.locked.discard)(nid)
        self.version += 1
        return self._answer(set(), f"{nid} {'locked' if locked else 'unlocked'}", changed_ids={nid})

    def undo(self, version: int | None = None) -> dict[str, Any]:
        return self._replay(version, backwards=True)

    def redo(self, version: int | None = None) -> dict[str, Any]:
        return self._replay(version, backwards=False)

    def _replay(self, version: int | None, backwards: bool) -> dict[str, Any]:
        """Undo (``backwards``) or redo the last step: moved between the two stacks, journalled, applied."""
        self._check_version(version)
        source, target = (self.undo_stack, self.redo_stack) if backwards else (self.redo_stack, self.undo_stack)
        op, doing, did = ("undo", "undoing the last change", "undid") if backwards else ("redo", "redoing that change",
                                                                                          "redid")
        if not source:
            raise Refused(f"nothing to {op}", 409, "empty")
        step = source[-1]
        self._check_unlocked(hoods_of(step), doing)
        self._begin()
        source.pop()
        target.append(step)
        self.journal.append({"op": op, "step": step})
        return self._apply(step, backwards=backwards, note=f"{did}: {describe(step)}")

    def _do(self, step: dict[str, Any]) -> dict[str, Any]:
        self._begin()
        self.journal.append({"op": "do", "step": step})  # on disk before it is acknowledged
        self.undo_stack.append(step)
        del self.undo_stack[:-UNDO_DEPTH]
        self.redo_stack.clear()
        return self._apply(step, backwards=False, note=describe(step))

    def _apply(self, step: dict[str, Any], backwards: bool, note: str) -> dict[str, Any]:
        """Carry out ``step`` (or undo it) on the labels and neighbourhood list; refresh the live checks."""
        fp = self.footprint
        kind = step["kind"]
        touched: set[str] = set()
        moved: list[str] = []
        if kind == "move":
            for code, old, new in step["changes"]:
                self._set(self.index[code], old if backwards else new)
                touched |= {old, new}
                moved.append(code)
        elif kind in ("add", "remove") and (kind == "add") != backwards:  # the neighbourhood comes (back)
            fp.neighbourhoods.insert(min(step["index"], len(fp.neighbourhoods)),
                                     NeighbourhoodSpec(step["id"], step["name"], []))
            if step["place"]:
                next(p for p in fp.places if p.id == step["place"]).neighbourhoods.append(step["id"])
            for code in step.get("codes", []):
                self._set(self.index[code], step["id"])
                moved.append(code)
            near = [self.index[c] for c in step.get("codes", [])]
            self.colours.setdefault(step["id"], free_colour(self.study.adj, self.assignment.labels, near, self.colours))
            touched.add(step["id"])
        elif kind in ("add", "remove"):  # it goes (remove forwards, add backwards)
            fp.neighbourhoods = [n for n in fp.neighbourhoods if n.id != step["id"]]
            for p in fp.places:
                p.neighbourhoods = [n for n in p.neighbourhoods if n != step["id"]]
            for code in step.get("codes", []):
                self._set(self.index[code], "")
                moved.append(code)
            touched.add(step["id"])
        elif kind == "rename":
            for n in fp.neighbourhoods:
                if n.id == step["id"]:
                    n.name = step["old"] if backwards else step["new"]
            touched.add(step["id"])
        self.version += 1
        self.content += 1
        self._touch(touched)
        places = {self.place_of(n) for n in touched} - {""}
        if kind in ("add", "remove"):
            places |= {step["place"]} - {""}
        self.live.refresh(touched, places, gaps=True)
        return self._answer(touched, note, moved=moved)

    def _set(self, i: int, label: str) -> None:
        """Give unit ``i`` a new neighbourhood label (and keep the ward figures in step)."""
        labels = self.assignment.labels
        if self.ward_tracker is not None:
            self.ward_tracker.move(i, str(labels[i]), label)
        labels[i] = label

    def _answer(self, touched: set[str], note: str, moved: list[str] | None = None,
                changed_ids: set[str] | None = None) -> dict[str, Any]:
        ids = set(self.hood_ids())
        changed = sorted((touched | (changed_ids or set())) - {""})
        lab = self.assignment.labels
        return {"version": self.version, "unsaved": self.unsaved, "note": note,
                "can_undo": bool(self.undo_stack), "can_redo": bool(self.redo_stack),
                "neighbourhoods": [self._hood(n) for n in changed if n in ids],
                "removed": [n for n in changed if n not in ids],
                "order": self.hood_ids(),
                "labels": {c: str(lab[self.index[c]]) for c in (moved or [])},
                "findings": self.findings(), "wards": self.wards()}

    # ------------------------------------------------------------------ restore, full check, save

    def restore(self) -> dict[str, Any]:
        """Replay the journalled changes of an earlier session (``POST /api/restore``)."""
        if not self.pending:
            raise Refused("there is nothing to restore", 409, "empty")
        entries, self.pending = self.pending, []
        for e in entries:
            op, step = e.get("op"), e.get("step")
            if op == "lock":
                (self.locked.add if e.get("locked") else self.locked.discard)(str(e.get("id")))
                self.version += 1
                continue
            if not isinstance(step, dict):
                continue
            if op == "do":
                self.undo_stack.append(step)
                self.redo_stack.clear()
                self._apply(step, backwards=False, note="")
            elif op == "undo":
                if self.undo_stack and self.undo_stack[-1] == step:
                    self.redo_stack.append(self.undo_stack.pop())
                self._apply(step, backwards=True, note="")
            elif op == "redo":
                if self.redo_stack and self.redo_stack[-1] == step:
                    self.undo_stack.append(self.redo_stack.pop())
                self._apply(step, backwards=False, note="")
        self.journal.resume()
        self.live.refresh_all()
        return {"restored": len(entries), **self.state()}

    def discard(self) -> dict[str, Any]:
        """Set the journal of an earlier session aside without replaying it."""
        if not self.pending:
            raise Refused("there is nothing to discard", 409, "empty")
        self._begin()
        return self.state()

    def current_footprint(self) -> tuple[Footprint, list[str]]:
        """The footprint as edited (codes from the labels; empty neighbourhoods left out, and named)."""
        fp, a = self.footprint, self.assignment
        by = positions_by(a.labels)
        codes = self.study.codes
        hoods, empty = [], []
        for n in fp.neighbourhoods:
            pos = by.get(n.id)
            if pos is None or not len(pos):
                empty.append(n.id)
                continue
            hoods.append(NeighbourhoodSpec(n.id, n.name, [str(codes[i]) for i in sorted(pos)]))
        keep = {n.id for n in hoods}
        places = [PlaceSpec(p.id, p.name, [n for n in p.neighbourhoods if n in keep], p.icb) for p in fp.places]
        meta = {**fp.meta, "generated_by": f"nhgeo {__version__} edit"}
        return replace(fp, neighbourhoods=hoods, places=[p for p in places if p.neighbourhoods], meta=meta), empty

    def full_check(self) -> dict[str, Any]:
        """Run the whole registry (with suggested fixes) on the footprint as edited."""
        from ..check.rules import run_rules

        fp = self.footprint
        copy = replace(fp, neighbourhoods=[NeighbourhoodSpec(n.id, n.name, []) for n in fp.neighbourhoods],
                       places=[PlaceSpec(p.id, p.name, list(p.neighbourhoods), p.icb) for p in fp.places])
        a = Assignment(copy, self.assignment.labels.copy(), list(self.assignment.unknown_codes))
        self.full = self._results(run_rules(self.study, a))
        self.full_version = self.version
        return {"version": self.version, "results": self.full, "pcn": self.pcn()}

    def pcn(self) -> dict[str, Any] | None:
        """How whole the PCNs are, from where their patients live (``PCN_DATA``): the median share
        of a PCN's patients living in its main neighbourhood and how many PCNs keep under half there."""
        pa = pcn_alignment(self.study.units, self.assignment.labels, self.study.vintage)
        if pa is None or not pa.pcns:
            return None
        return {"pcns": pa.pcns, "median_share": round(pa.median_share, 3), "under_half": pa.below(0.5),
                "data": PCN_DATA}

    @staticmethod
    def _results(results: list[Any]) -> list[dict[str, Any]]:
        order = [r.id for r in REGISTRY]
        return sorted(({"rule": r.id, "status": str(r.status), "reason": r.reason,
                        "findings": [_finding(f) for f in r.findings]} for r in results),
                      key=lambda r: order.index(str(r["rule"])))

    def save(self, version: int | None = None) -> dict[str, Any]:
        """Write the footprint as TOML, atomically (fsync'd, then renamed over the old file), then start a fresh
        journal against the new file."""
        self._check_version(version)
        fp, empty = self.current_footprint()
        text = dumps_toml(fp)
        dest = self.target.path
        if dest.exists() and not self.target.force and not written_by_nhgeo(dest):
            raise Refused(f"{dest.name} was not written by nhgeo (someone replaced it since the editor opened); "
                          "restart with --force or --out", 409, "foreign-file")
        write_atomically(dest, text)
        self.saved_content = self.content
        self.target.force = True  # from now on the file is ours
        if dest.resolve() == self.footprint_path.resolve():
            self.journal.start(self.footprint_path, file_sha256(dest))
        else:  # the journal applies to the original footprint: keep it, marked as saved
            self.journal.append({"op": "saved", "to": dest.name})
        check = self.full_check()
        failing = [r["rule"] for r in check["results"] if r["status"] == str(Status.FAILS)]
        return {"saved": dest.name, "version": self.version, "unsaved": False, "dropped_empty": empty,
                "failing_rules": failing, "full_check": check, "findings": self.findings()}

    def close(self) -> str | None:
        """End the session: the journal is removed when nothing is left unsaved, else kept and its path returned."""
        if self.pending or self.unsaved:
            self.journal.close()
            return str(self.journal.path)
        self.journal.remove()
        return None


__all__ = ["LIVE_RULES", "EditSession", "Refused", "SaveTarget", "save_target", "write_atomically"]
