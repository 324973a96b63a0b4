"""Where the editor saves and how: TOML, only over what nhgeo wrote (or with ``--force``), atomically."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..output import atomic_file
from .journal import fsync_dir


@dataclass
class SaveTarget:
    """Where a save goes and whether nhgeo may write over what is there."""

    path: Path
    force: bool = False


def save_target(footprint: Path, out: Path | None, force: bool) -> SaveTarget:
    """Where ``nhgeo edit`` saves: ``out`` if given, else the footprint itself when it is TOML. An existing file
    that nhgeo did not write ([footprint] generated_by "nhgeo ...") is replaced only with ``force``."""
    if out is None:
        if footprint.suffix.lower() != ".toml":
            raise InputError(f"{footprint} is not a TOML footprint, so the editor cannot save over it: give --out "
                             "FILE.toml")
        dest = footprint
    else:
        dest = out
        if dest.suffix.lower() != ".toml":
            raise InputError(f"--out {dest}: the editor saves TOML footprints; give a name ending in .toml")
        if dest.is_dir():
            raise InputError(f"--out {dest} is a folder; give a file name ending in .toml")
    if dest.exists() and not force and not written_by_nhgeo(dest):
        raise InputError(f"{dest} was not written by nhgeo ([footprint] generated_by); use --force to let the editor "
                         "replace it, or --out FILE.toml to save elsewhere")
    return SaveTarget(dest, force)


def written_by_nhgeo(path: Path) -> bool:
    """Does the TOML footprint at ``path`` say nhgeo wrote it?"""
    try:
        d = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    gen = d.get("footprint", {}).get("generated_by", "") if isinstance(d.get("footprint"), dict) else ""
    return isinstance(gen, str) and gen.startswith("nhgeo ")


def write_atomically(dest: Path, text: str) -> None:
    """Write ``text`` over ``dest`` through :func:`nhgeo.output.atomic_file` (a temporary file beside it, renamed
    over it), fsync'd before the rename: a save cut at any point leaves the old file whole or the new one. Whether
    nhgeo may replace ``dest`` at all was decided by :func:`save_target` (only what nhgeo wrote, or ``--force``)."""
    with atomic_file(dest, force=True) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    fsync_dir(dest.parent)
