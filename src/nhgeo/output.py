"""Writing results safely: checked before the work, never half-written, nothing left behind, and ``force``
replaces only what nhgeo wrote (the manifest in each output folder)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError
from .sources.columns import Col

if TYPE_CHECKING:
    from rich.console import Console

    from .check.validation import ValidationReport
    from .design.propose import ProposeResult
    from .model import Study


MANIFEST = ".nhgeo-manifest.json"  # in every output folder: the files nhgeo wrote there (what --force may replace)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _first_existing(path: Path) -> Path:
    """``path`` or its nearest ancestor that exists."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _check_can_create(dest: Path, flag: str) -> None:
    """``dest`` can be created: its nearest existing ancestor is a folder we may write in."""
    base = _first_existing(dest.parent)
    if not base.is_dir():
        raise InputError(f"{flag} {dest}: {base} is a file, not a folder; choose another {flag}")
    try:  # a real probe: os.access says yes to root on a read-only file system
        with signals_held():  # a signal between making and removing the probe would leave it behind
            os.rmdir(tempfile.mkdtemp(prefix=".nhgeo-probe.", dir=base))
    except OSError as exc:
        raise InputError(f"{flag} {dest}: cannot write in {base} ({exc.strerror or exc}); choose another "
                         f"{flag}") from None


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM for a short step that must not be cut in half; they are delivered after it."""
    stop = {signal.SIGINT, signal.SIGTERM}
    held = threading.current_thread() is threading.main_thread() and hasattr(signal, "pthread_sigmask")
    if held:
        signal.pthread_sigmask(signal.SIG_BLOCK, stop)
    try:
        yield
    finally:
        if held:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, stop)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def written_by_nhgeo(dest: Path) -> set[str]:
    """The names the manifest of output folder ``dest`` lists (empty when there is none or it is unreadable)."""
    try:
        files = json.loads((dest / MANIFEST).read_text(encoding="utf-8")).get("files", [])
    except (OSError, ValueError, AttributeError):
        return set()
    return {str(f) for f in files} if isinstance(files, list) else set()


def check_out_dir(dest: str | Path, force: bool, inputs: Iterable[str | Path | None] = ()) -> None:
    """Check an output folder before any work: creatable and writable, not a file, not the current folder or one
    above it or one holding an input; existing and non-empty only with ``force``, and then holding nothing but
    what nhgeo wrote there (its manifest)."""
    dest = Path(dest)
    real = dest.resolve()
    if _inside(Path.cwd().resolve(), real):
        raise InputError(f"--out {dest} is the current folder or one above it; nhgeo writes a folder of its own: "
                         "give a new one, e.g. --out out/run1")
    for inp in inputs:
        if inp is not None and _inside(Path(inp).resolve(), real):
            raise InputError(f"--out {dest} holds the input {inp}; write to another folder")
    if real.exists() and not real.is_dir():
        raise InputError(f"--out {dest} is a file, not a folder; give a folder name")
    _check_can_create(real, "--out")
    if real.exists() and any(real.iterdir()):
        if not force:
            raise InputError(f"{dest} already exists; use --force to overwrite it or choose another --out")
        ours = written_by_nhgeo(real) | {MANIFEST}
        foreign = sorted(p.name for p in real.iterdir() if p.name not in ours)
        if foreign:
            raise InputError(f"--force replaces only what nhgeo wrote, and {dest} also holds "
                             f"{', '.join(foreign[:5])}{' ...' if len(foreign) > 5 else ''}; move them out or "
                             "choose another --out")


def check_out_file(dest: str | Path, force: bool, inputs: Iterable[str | Path | None] = (), flag: str = "--out"
                   ) -> None:
    """Check an output file before any work: creatable, not a folder, not an input, not replaced without ``force``."""
    dest = Path(dest)
    real = dest.resolve()
    if real.is_dir():
        raise InputError(f"{flag} {dest} is a folder; give a file name, e.g. {flag} {dest / 'report.txt'}")
    for inp in inputs:
        if inp is not None and Path(inp).resolve() == real:
            raise InputError(f"{flag} {dest} is an input of this command; write the result to another file")
    _check_can_create(real, flag)
    if real.exists() and not force:
        raise InputError(f"{dest} already exists; use --force to overwrite it or choose another --out")


def check_out_files(dests: Iterable[str | Path | None], force: bool, inputs: Iterable[str | Path | None] = ()
                    ) -> None:
    """:func:`check_out_file` for each output asked for (``None`` = not asked for), before any work."""
    given = list(inputs)
    asked = [Path(d) for d in dests if d is not None]
    same = [d for i, d in enumerate(asked) if any(d.resolve() == e.resolve() for e in asked[:i])]
    if same:
        raise InputError(f"{same[0]} is given for two outputs (--out and --report); give each its own file")
    for dest in asked:
        check_out_file(dest, force, inputs=given)


def check_writable(dest: Path, force: bool) -> None:
    """Refuse to replace an existing file or non-empty folder unless ``force`` (see :func:`check_out_dir`)."""
    if dest.exists() and not dest.is_dir():
        check_out_file(dest, force)
    else:
        check_out_dir(dest, force)


def _make_parents(path: Path) -> list[Path]:
    """Create the missing parents of ``path``; return those created (deepest last) to undo on failure."""
    made = []
    for p in reversed(path.parents):
        if not p.exists():
            p.mkdir()
            made.append(p)
    return made


def _raise_write_error(exc: BaseException, dest: Path) -> None:
    """A full disk or a folder made read-only mid-run is the machine's doing, not a bug: one line, exit 2."""
    if isinstance(exc, OSError) and exc.errno is not None:
        raise InputError(f"cannot write {dest}: {exc.strerror or exc}; free some space or choose another "
                         "--out") from None


def _undo(made: list[Path]) -> None:
    for p in reversed(made):
        try:
            p.rmdir()
        except OSError:
            break


@contextmanager
def atomic_dir(dest: str | Path, force: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside ``dest``; on success it replaces ``dest`` in one rename, with a manifest of
    its files. Whatever happens (error, Ctrl-C, SIGTERM) no temporary folder or old copy is left behind."""
    dest = Path(dest)
    check_out_dir(dest, force)
    made = _make_parents(dest)
    tmp = old = None
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
        yield tmp
        names = sorted(p.name for p in tmp.iterdir())
        (tmp / MANIFEST).write_text(json.dumps({"written_by": "nhgeo", "files": names}, indent=1) + "\n",
                                    encoding="utf-8")
        mask = _umask()
        for p in tmp.rglob("*"):  # SQLite (GeoPackages) creates files 0644 whatever the umask: 002 asks for 0664
            if p.is_file():
                os.chmod(p, 0o666 & ~mask)
        os.chmod(tmp, 0o777 & ~mask)  # mkdtemp makes 0700
        with signals_held():  # swap and remove the old copy in one uninterrupted step: no .old left behind
            if dest.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old.", dir=dest.parent))
                os.replace(dest, old / "x")
            os.replace(tmp, dest)
            tmp = None
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
                old = None
    except BaseException as exc:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and not dest.exists():
            os.replace(old / "x", dest)  # put the previous output back
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        _undo(made)
        _raise_write_error(exc, dest)
        raise


@contextmanager
def atomic_file(dest: str | Path, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; on success it is renamed onto ``dest``; on any failure nothing is
    left behind (not even the folders made for it)."""
    dest = Path(dest)
    check_out_file(dest, force)
    made = _make_parents(dest)
    tmp = None
    try:
        fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=dest.suffix, dir=dest.parent)
        os.close(fd)
        tmp = Path(name)
        tmp.unlink()  # writers such as GDAL want to create the file themselves (with the umask's permissions)
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # SQLite (GeoPackages) creates files 0644 whatever the umask
        os.replace(tmp, dest)
        tmp = None
    except BaseException as exc:
        if tmp is not None:
            for p in (tmp, *tmp.parent.glob(tmp.name + "-*")):  # with the SQLite journals of a stopped GDAL write
                p.unlink(missing_ok=True)
        _undo(made)
        _raise_write_error(exc, dest)
        raise


TABLE_SUFFIXES = (".csv", ".xlsx")


def check_table_file(dest: str | Path | None, force: bool, inputs: Iterable[str | Path | None] = (),
                     flag: str = "--lsoa-table") -> None:
    """Check a table output (CSV or XLSX, by its suffix) before any work."""
    if dest is None:
        return
    if Path(dest).suffix.lower() not in TABLE_SUFFIXES:
        raise InputError(f"{flag} {dest}: give a .csv or .xlsx file name")
    check_out_file(dest, force, inputs, flag)


def write_table_to(df: Any, path: Path, sheet: str = "LSOAs") -> None:
    """``df`` as CSV or XLSX at ``path`` (by suffix), byte-identical for the same rows (XLSX: fixed timestamps)."""
    if path.suffix.lower() == ".xlsx":
        _write_xlsx(df, path, sheet)
    else:
        path.write_text(df.to_csv(index=False, lineterminator="\n"), encoding="utf-8")


def write_table(df: Any, dest: str | Path, force: bool = False, sheet: str = "LSOAs") -> None:
    """A table as ``dest`` (``.csv`` or ``.xlsx``), written atomically."""
    with atomic_file(dest, force) as tmp:
        write_table_to(df, tmp, sheet)


def _write_xlsx(df: Any, path: Path, sheet: str) -> None:
    """An XLSX workbook of ``df`` (header row bold and frozen, columns sized) through openpyxl; the document's
    dates and the zip entries' times are fixed so the same rows give the same bytes."""
    import datetime as dt
    import io
    import re
    import zipfile

    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    ws.append([str(c) for c in df.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in df.itertuples(index=False):
        ws.append([None if (isinstance(v, float) and v != v) else (v.item() if hasattr(v, "item") else v)
                   for v in row])
    ws.freeze_panes = "A2"
    for i, c in enumerate(df.columns, start=1):
        longest = max([len(str(c))] + [len(str(v)) for v in df[c].head(2000)])
        ws.column_dimensions[ws.cell(1, i).column_letter].width = min(60, longest + 2)
    fixed = dt.datetime(2000, 1, 1)
    wb.properties.created = wb.properties.modified = fixed
    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time: fixed here
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z", data)
            dst.writestr(entry, data)


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


ASSIGNMENT_COLUMNS = (Col.CODE, Col.NAME, Col.POP, Col.LA, Col.LA_NAME, Col.ICB, Col.MSOA, Col.MSOA_NAME, Col.WARD,
                      Col.WARD_NAME, Col.IMD, Col.NEIGHBOURHOOD, Col.NEIGHBOURHOOD_NAME, Col.PLACE, Col.GEOMETRY)


def write_proposal(result: ProposeResult, out: str | Path, force: bool = False, maps: bool = True,
                   report: bool = True, command: str | None = None, lsoa_table: str | Path | None = None
                   ) -> list[Path]:
    """Write ``footprint.toml``, ``neighbourhoods.gpkg`` (neighbourhoods, places, assignment layers),
    ``summary.json``, with ``report`` the self-contained ``report.html`` and with ``maps`` ``map.png`` into
    ``out`` atomically; ``command`` is the command line the report quotes to reproduce it. ``lsoa_table``
    (``.csv`` or ``.xlsx``): the one-row-per-LSOA table too, inside ``out`` or wherever it is named."""
    import geopandas as gpd
    import pandas as pd

    from .footprints.files import dumps_toml
    from .geo.dissolve import dissolve
    from .render.json import proposal_to_dict

    out = Path(out)
    table = None
    if lsoa_table is not None:
        from .render.csv import lsoa_table as make_table

        table = make_table(result.study, result.to_assignment())
    inside = lsoa_table is not None and _inside(Path(lsoa_table).resolve(), out.resolve())
    if inside and Path(lsoa_table).resolve().parent != out.resolve():  # type: ignore[arg-type]
        raise InputError(f"--lsoa-table {lsoa_table}: inside --out, give a file name directly in {out}")
    with atomic_dir(out, force) as tmp, fixed_gpkg_timestamps():
        (tmp / "footprint.toml").write_text(dumps_toml(result.footprint()), encoding="utf-8")
        if table is not None and inside:
            write_table_to(table, tmp / Path(lsoa_table).name)  # type: ignore[arg-type]
        assign = result.assignment
        keep = [c for c in ASSIGNMENT_COLUMNS if c in assign.columns]
        a = gpd.GeoDataFrame(assign[keep].copy(), geometry="geometry", crs=assign.crs)
        for col in a.columns:  # text columns: missing values as NULL; numbers (IMD decile) keep their type
            if col not in (Col.GEOMETRY, Col.POP) and not pd.api.types.is_numeric_dtype(a[col]):
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
        if report:
            from .render.html import render_html, report_data_from_proposal

            html = render_html(report_data_from_proposal(result, command=command))
            (tmp / "report.html").write_text(html, encoding="utf-8")
        if maps:
            from .render.png import draw_map

            names = {p.id: p.name for p in result.places}
            draw_map(a.assign(**{Col.PLACE_NAME: a[Col.PLACE].map(names)}) if names else a, hoods, tmp / "map.png",
                     title=f"nhgeo proposal: {result.study.place}")
    if table is not None and not inside:
        write_table(table, lsoa_table, force)  # type: ignore[arg-type]
    return [out / n for n in ("footprint.toml", "neighbourhoods.gpkg", "summary.json")]


def write_report(rep: ValidationReport, dest: str | Path, force: bool = False, command: str | None = None,
                 strict: bool = False) -> None:
    """A validation or coverage report as one self-contained ``report.html``, written atomically."""
    from .render.html import render_html
    from .render.report_data import report_data_from_validation

    html = render_html(report_data_from_validation(rep, command=command, strict=strict))
    with atomic_file(dest, force) as tmp:
        tmp.write_text(html, encoding="utf-8")


def write_edges(study: Study, out: str | Path, force: bool = False) -> None:
    """The study's adjacency as a GeoPackage: layers ``edges`` and ``bridges``."""
    from .geo.graph import edges_frame

    if Path(out).suffix.lower() != ".gpkg":  # two layers need a GeoPackage; a .shp name would hide one
        raise InputError(f"--out {out}: the graph is written as a GeoPackage with two layers (edges, bridges); "
                         "name the file *.gpkg")
    with atomic_file(out, force) as tmp, fixed_gpkg_timestamps():
        edges = edges_frame(study.units, study.adj)
        edges.to_file(tmp, layer="edges", driver="GPKG")
        edges[edges["bridge"]].to_file(tmp, layer="bridges", driver="GPKG")


def emit(kind: str, result: Any, fmt: str, console: Console, out: Path | None = None, force: bool = False,
         **options: Any) -> None:
    """Render ``result`` as ``fmt``: tables drawn on ``console``, other formats to stdout; with ``out``,
    written atomically to that file instead (tables as plain text)."""
    from . import render

    render.check_format(kind, fmt)
    if out is None:
        if fmt == "table":
            render.draw(kind, result, console, **options)
        else:
            sys.stdout.write(render.to_text(kind, result, fmt, **options))
        return
    text = render.to_text(kind, result, fmt, **options)
    with atomic_file(out, force) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_ensemble(result: Any, out: str | Path, force: bool = False, report: bool = True,
                   command: str | None = None) -> list[Path]:
    """Write an ensemble (:class:`nhgeo.ensemble.run.EnsembleResult`) into ``out`` atomically: ``plans.parquet``
    (``code``, then ``plan_0000``... the neighbourhood index per plan), ``stability.gpkg`` (layers ``lines``: each
    adjacent pair with the share of plans separating it; ``co_members``: each LSOA's most frequent co-members),
    ``summary.json``, with ``report`` ``report.html``, and with alternatives ``alternatives/`` (one footprint TOML
    each and ``comparison.html``). Same result, same bytes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .ensemble.stability import co_members
    from .footprints.files import dumps_toml
    from .render.json import ensemble_to_dict

    ens = result.ensemble
    out = Path(out)
    with atomic_dir(out, force) as tmp, fixed_gpkg_timestamps():
        cols = {"code": pa.array(ens.codes.tolist(), type=pa.string())}
        for j in range(ens.n):
            cols[f"plan_{j:04d}"] = pa.array(ens.plans[j], type=pa.int32())
        pq.write_table(pa.table(cols), tmp / "plans.parquet", compression="zstd")
        gpkg = tmp / "stability.gpkg"
        result.lines().to_file(gpkg, layer="lines", driver="GPKG")
        co_members(ens.study, ens.plans, [r.nodes for r in ens.regions]).to_file(gpkg, layer="co_members",
                                                                              driver="GPKG")
        (tmp / "summary.json").write_text(json.dumps(ensemble_to_dict(result), indent=2) + "\n", encoding="utf-8")
        if report:
            from .render.ensemble_html import render_ensemble_html

            (tmp / "report.html").write_text(render_ensemble_html(result, command=command), encoding="utf-8")
        if result.alternatives:
            from .render.ensemble_html import render_alternatives_html

            (tmp / "alternatives").mkdir()
            for i, fp in enumerate(result.alternative_footprints(), start=1):
                (tmp / "alternatives" / f"alternative_{i}.toml").write_text(dumps_toml(fp), encoding="utf-8")
            (tmp / "alternatives" / "comparison.html").write_text(render_alternatives_html(result, command=command),
                                                                  encoding="utf-8")
    return [out / n for n in ("plans.parquet", "stability.gpkg", "summary.json")]
