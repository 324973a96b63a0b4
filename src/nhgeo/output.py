"""Writing results safely: never half-written, never overwritten without ``force``."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError

if TYPE_CHECKING:
    from .pipeline import ProposeResult


def check_writable(dest: Path, force: bool) -> None:
    """Refuse to replace an existing file or non-empty folder unless ``force``."""
    if dest.exists() and not force and (dest.is_file() or any(dest.iterdir())):
        raise InputError(f"{dest} already exists; use --force to overwrite it or choose another --out")


@contextmanager
def atomic_dir(dest: str | Path, force: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside ``dest``; on success it replaces ``dest`` in one rename."""
    dest = Path(dest)
    check_writable(dest, force)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if dest.exists():
        old = dest.with_name(f".{dest.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(dest, old)
    os.replace(tmp, dest)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def atomic_file(dest: str | Path, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; on success it is renamed onto ``dest``."""
    dest = Path(dest)
    check_writable(dest, force)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=dest.suffix, dir=dest.parent)
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()  # writers such as GDAL want to create the file themselves
    try:
        yield tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, dest)


GPKG_TIMESTAMP = "2000-01-01T00:00:00.000Z"  # GeoPackage stamps "last change": fixed, so same input -> same bytes


@contextmanager
def fixed_gpkg_timestamps() -> Iterator[None]:
    """Make GDAL write a fixed GeoPackage timestamp (reproducible bytes), then restore the old setting."""
    import pyogrio

    old = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GPKG_TIMESTAMP})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": old})


def write_proposal(result: ProposeResult, out: str | Path, force: bool = False, maps: bool = True) -> list[Path]:
    """Write ``footprint.toml``, ``neighbourhoods.gpkg`` (neighbourhoods, places, assignment layers),
    ``summary.json`` and, with ``maps``, ``map.png`` into ``out`` atomically."""
    import json

    import geopandas as gpd

    from .config import dumps_toml
    from .dissolve import dissolve
    from .report import proposal_to_dict

    out = Path(out)
    with atomic_dir(out, force) as tmp, fixed_gpkg_timestamps():
        (tmp / "footprint.toml").write_text(dumps_toml(result.footprint()), encoding="utf-8")
        assign = result.assignment
        keep = [c for c in ["code", "name", "population", "la_code", "la_name", "icb_code", "msoa_code",
                            "msoa_name", "neighbourhood", "neighbourhood_name", "place", "geometry"]
                if c in assign.columns]
        a = gpd.GeoDataFrame(assign[keep].copy(), geometry="geometry", crs=assign.crs)
        for col in a.columns:
            if col != "geometry" and a[col].dtype != "int64" and col != "population":
                a[col] = a[col].astype(object).where(a[col].notna(), None)
        hoods = dissolve(a, "neighbourhood", ["population"])  # coverage union: ~10x faster than .dissolve
        info = {h.id: h for h in result.proposal.neighbourhoods}
        stats = {p.id: p for p in result.score.parts}
        hoods["name"] = [info[i].name for i in hoods.index]
        hoods["status"] = [info[i].status for i in hoods.index]
        hoods["reasons"] = ["; ".join(info[i].reasons) for i in hoods.index]
        hoods["polsby_popper"] = [stats[i].polsby_popper for i in hoods.index]
        place_of = {n: pl.id for pl in result.places for n in pl.neighbourhoods}
        hoods["place"] = [place_of.get(i) for i in hoods.index]
        gpkg = tmp / "neighbourhoods.gpkg"
        hoods.reset_index().to_file(gpkg, layer="neighbourhoods", driver="GPKG")
        if result.places:
            pl = dissolve(hoods.reset_index(), "place", ["population"])  # from the neighbourhoods, not the units
            pinfo = {p.id: p for p in result.places}
            pl["name"] = [pinfo[i].name for i in pl.index]
            pl["icb_code"] = [pinfo[i].icb_code for i in pl.index]
            pl["status"] = [pinfo[i].status for i in pl.index]
            pl["reasons"] = ["; ".join(pinfo[i].reasons) for i in pl.index]
            pl.reset_index().to_file(gpkg, layer="places", driver="GPKG")
        a.to_file(gpkg, layer="assignment", driver="GPKG")
        (tmp / "summary.json").write_text(json.dumps(proposal_to_dict(result), indent=2) + "\n", encoding="utf-8")
        if maps:
            from .maps import draw_map

            draw_map(a, hoods, tmp / "map.png", title=f"nhgeo proposal: {result.study.place}")
    return [out / n for n in ("footprint.toml", "neighbourhoods.gpkg", "summary.json")]
