"""The editor's journal: every accepted change, appended and fsync'd before the change is acknowledged.

One JSON object per line. The first line is a header naming the footprint and the SHA-256 of the file the edits
apply to; every later line is one change (its full effect, so a replay never depends on an undo history that a
save cut short). A journal lives in the user cache folder (``$NHGEO_CACHE_DIR``, else
``$XDG_CACHE_HOME/nhgeo``, else ``~/.cache/nhgeo``), named by a hash of the footprint's resolved path, so the
next ``nhgeo edit`` of the same file finds it and offers to restore. A torn last line (a crash mid-write) is
ignored: it was never acknowledged.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

JOURNAL_FORMAT = 1


def cache_dir() -> Path:
    """Where journals live (made on first use)."""
    given = os.environ.get("NHGEO_CACHE_DIR")
    if given:
        return Path(given)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "nhgeo"


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes ('' when it does not exist)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return ""


def journal_path(footprint: Path, folder: Path | None = None) -> Path:
    """The journal of edits to ``footprint`` (one per resolved path)."""
    key = hashlib.sha256(str(footprint.resolve()).encode("utf-8")).hexdigest()[:20]
    return (folder or cache_dir()) / "edit" / f"{footprint.stem[:40]}-{key}.jsonl"


@dataclass
class JournalContents:
    """What a journal on disk holds: its header and the changes after it."""

    header: dict[str, Any]
    entries: list[dict[str, Any]] = field(default_factory=list)


def read_journal(path: Path) -> JournalContents | None:
    """The journal at ``path`` (None when there is none or its header is unreadable)."""
    try:
        lines = path.read_bytes().split(b"\n")
    except FileNotFoundError:
        return None
    out: JournalContents | None = None
    for line in lines:
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            break  # a torn last line: never acknowledged
        if out is None:
            if not isinstance(obj, dict) or obj.get("journal") != JOURNAL_FORMAT:
                return None
            out = JournalContents(obj)
        elif isinstance(obj, dict):
            out.entries.append(obj)
    return out


class Journal:
    """An append-only journal file: :meth:`append` returns only once the line is on disk."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: Any = None

    def start(self, footprint: Path, sha256: str) -> None:
        """Begin a fresh journal for ``footprint`` at content ``sha256`` (replacing any earlier one atomically)."""
        self.close()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        header = {"journal": JOURNAL_FORMAT, "footprint": str(footprint.resolve()), "sha256": sha256,
                  "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(header) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        fsync_dir(self.path.parent)
        self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - held open for appends

    def resume(self) -> None:
        """Keep appending to the journal already on disk (after a restore)."""
        self.close()
        self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115

    @property
    def open(self) -> bool:
        return self._fh is not None

    def append(self, entry: dict[str, Any]) -> None:
        """Write one change and fsync it."""
        if self._fh is None:
            raise RuntimeError("journal not started")
        self._fh.write(json.dumps(entry, separators=(",", ":")) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def set_aside(self, suffix: str) -> Path | None:
        """Move the journal on disk aside (``name.<suffix>``), keeping one such copy; None when there is none."""
        self.close()
        if not self.path.exists():
            return None
        dest = self.path.with_name(self.path.name + f".{suffix}")
        os.replace(self.path, dest)
        return dest

    def remove(self) -> None:
        """Delete the journal (nothing left unsaved)."""
        self.close()
        self.path.unlink(missing_ok=True)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the platform allows opening a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
