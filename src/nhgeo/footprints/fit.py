"""Footprints drawn as shapes: best-fit each LSOA to one polygon, and say how good the fit is.

Many localities, PCN areas and council "neighbourhoods" exist only as polygons. :func:`fit_units`
puts each LSOA whole into one polygon.

**Method (the default, ``centroid``)**: the polygon holding the LSOA's *population-weighted
centroid* — the ONS best-fit method, used for every official LSOA -> higher-geography lookup.
It follows where people live, so a polygon edge drawn through empty land (a park, an estuary, farmland)
does not move a whole LSOA the way an area share would. When the units carry no population-weighted
centroid (``Col.PWC_X``/``Col.PWC_Y``), the LSOA's ``point_on_surface`` stands in, and the report says so.
**Alternative (``area``)**: the polygon holding the largest share of the LSOA's area (at least half).
Both are always computed; LSOAs where they disagree are listed, with their people.

Fit quality, reported before any rule: LSOAs whose area is split between polygons (and the people in
them), LSOAs straddling the shapes' outer edge, LSOAs the shapes touch but that fit no polygon (outside
every polygon), and polygons that received no LSOA.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Unpack

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from ..errors import InputError
from ..model import Col, Footprint, NeighbourhoodSpec, Rules
from ..sources.boundaries import CRS, LoadOptions, load_units, to_bng

METHODS = ("centroid", "area")
SHAPE_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip", ".fgb", ".parquet", ".geoparquet")
SPLIT_SHARE = 0.05  # an LSOA counts as split when at least 5% of its area lies in a second polygon (or outside)
MIN_TOUCH_SHARE = 0.001  # overlaps below 0.1% of an LSOA's area are generalisation slivers, not coverage
PWC = (str(getattr(Col, "PWC_X", "pwc_x")), str(getattr(Col, "PWC_Y", "pwc_y")))
LSOA_CODE = re.compile(r"^[EW]0[01]\d{6}$")


@dataclass
class SplitUnit:
    """An LSOA whose area is not all in the polygon it was fitted to."""

    code: str
    population: int
    fitted_to: str  # "" = fitted to none
    shares: dict[str, float]  # polygon name -> share of the LSOA's area (>= SPLIT_SHARE only)
    outside: float  # share of the LSOA's area outside every polygon


@dataclass
class Disagreement:
    """An LSOA the centroid and area-share methods put in different polygons ("" = none)."""

    code: str
    population: int
    by_centroid: str
    by_area: str


@dataclass
class FitReport:
    """How well the LSOAs fit the shapes, stated before any rule is checked."""

    source: str
    name_column: str
    method: str  # centroid | area
    point: str  # what "centroid" used: population-weighted centroids or point on surface
    polygons: int
    names: list[str]
    fitted: int  # LSOAs put in a polygon
    fitted_population: int
    split: list[SplitUnit] = field(default_factory=list)  # area in two or more polygons
    edge: list[SplitUnit] = field(default_factory=list)  # fitted, but >= SPLIT_SHARE of the area outside all
    outside: list[SplitUnit] = field(default_factory=list)  # touched by the shapes, fitted to none
    disagree: list[Disagreement] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)  # polygons that received no LSOA
    notes: list[str] = field(default_factory=list)

    @property
    def split_population(self) -> int:
        return sum(s.population for s in self.split)

    @property
    def outside_population(self) -> int:
        return sum(s.population for s in self.outside)

    @property
    def disagree_population(self) -> int:
        return sum(d.population for d in self.disagree)

    def summary(self) -> str:
        """One sentence on the fit, for every renderer."""
        return (f"{self.fitted:,} LSOAs ({self.fitted_population:,} people) fitted to {self.polygons} polygon(s) "
                f"of {self.source} by {self.point}; split between polygons: {len(self.split):,} LSOAs "
                f"({self.split_population:,} people); straddling the outer edge: {len(self.edge):,}; outside every "
                f"polygon: {len(self.outside):,} ({self.outside_population:,} people); centroid and area share "
                f"disagree on {len(self.disagree):,} ({self.disagree_population:,} people)"
                + (f"; polygons with no LSOA: {', '.join(self.empty)}" if self.empty else ""))

    def to_dict(self) -> dict[str, Any]:
        """As JSON-ready data."""
        def su(s: SplitUnit) -> dict[str, Any]:
            return {"code": s.code, "population": s.population, "fitted_to": s.fitted_to or None,
                    "shares": {k: round(v, 4) for k, v in s.shares.items()}, "outside": round(s.outside, 4)}

        return {"source": self.source, "name_column": self.name_column, "method": self.method, "point": self.point,
                "polygons": self.polygons, "fitted": self.fitted, "fitted_population": self.fitted_population,
                "split_threshold": SPLIT_SHARE,
                "split": [su(s) for s in self.split], "split_population": self.split_population,
                "edge": [su(s) for s in self.edge], "outside": [su(s) for s in self.outside],
                "outside_population": self.outside_population,
                "disagree": [{"code": d.code, "population": d.population, "by_centroid": d.by_centroid or None,
                              "by_area": d.by_area or None} for d in self.disagree],
                "disagree_population": self.disagree_population, "empty_polygons": self.empty, "notes": self.notes}


def _columns(path: Path, layer: str | None = None) -> tuple[list[str], str | None]:
    """Attribute columns and geometry type of a geo file's layer (cheap: no features read)."""
    info = pyogrio.read_info(path, layer=layer)
    return [str(c) for c in info["fields"]], (str(info["geometry_type"]) if info["geometry_type"] else None)


def _has_codes(cols: list[str]) -> bool:
    from .codes import COLUMN_NAMES

    low = {c.strip().lower() for c in cols}
    return any(n in low for names in COLUMN_NAMES.values() for n in names if n != "code")


def is_shapes(path: str | Path, layer: str | None = None) -> bool:
    """Is ``path`` a polygon file without a code column (a footprint drawn as shapes)? A GeoPackage with
    an ``assignment`` layer (a proposal's) or any layer of codes is a table."""
    if str(path) == "-":
        return False
    path = Path(path)
    if path.suffix.lower() not in SHAPE_SUFFIXES or not path.exists() or path.is_dir():
        return False
    try:
        if path.suffix.lower() in (".parquet", ".geoparquet"):
            import pyarrow.parquet as pq

            cols = [str(c) for c in pq.read_schema(path).names]
            return "geometry" in cols and not _has_codes(cols)
        layers = [str(n) for n, _ in pyogrio.list_layers(path)]
        if layer is None and "assignment" in layers:  # a proposal's GeoPackage: a table of LSOAs
            return False
        if layer is None and len(layers) > 1:
            return not any(_has_codes(_columns(path, n)[0]) for n in layers)
        cols, geom = _columns(path, layer)
    except Exception:  # unreadable files are reported by the table reader
        return False
    if geom is None or "polygon" not in geom.lower():
        return False
    return not _has_codes(cols)


def read_shapes(path: str | Path, name_column: str | None, *, layer: str | None = None,
                skip_invalid: bool = False) -> tuple[gpd.GeoDataFrame, list[str]]:
    """The polygons of ``path`` in EPSG:27700 with a ``name`` column (one row per name), and what was done.

    A zipped shapefile is read as it is; of a GeoPackage of several layers, ``layer`` or the one layer
    holding ``name_column``; features with no geometry are named (exit 2) or, with ``skip_invalid``, left out."""
    from ..sources.geofiles import check_geometries, read_geo

    path = Path(path)
    if not path.exists():
        raise InputError(f"shape file not found: {path}")
    raw = read_geo(path, "shape file", layer=layer, wanted_what=f"a column {name_column!r}",
                   wanted=(lambda cols: name_column in cols) if name_column else None)
    cols = [str(c) for c in raw.columns if c != raw.geometry.name]
    if name_column is None:
        raise InputError(f"{path} holds polygons: say which column names each area with --name-column "
                         f"(columns: {', '.join(cols)})")
    if name_column not in raw.columns:
        raise InputError(f"name column {name_column!r} not in {path}; columns are: {', '.join(cols)} "
                         "(set --name-column)")
    notes: list[str] = []
    raw = to_bng(raw, f"shape file {path}", notes)
    notes[:] = [f"shapes {n}" for n in notes]
    raw = check_geometries(raw, path, skip_invalid, notes,
                           label=lambda i: f"{raw[name_column].iloc[i]!s} (feature {i + 1})")
    names = raw[name_column].astype("string").str.strip()
    if names.isna().any() or (names == "").any():
        n = int((names.isna() | (names == "")).sum())
        raise InputError(f"{n} feature(s) of {path} have no name in {name_column!r}; name every polygon")
    geoms = np.asarray(raw.geometry.values)
    if not np.isin(shapely.get_type_id(geoms), [3, 6, 7]).all():
        raise InputError(f"{path} must hold polygons to fit LSOAs to")
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        geoms = geoms.copy()
        geoms[bad] = shapely.make_valid(geoms[bad])
        notes.append(f"repaired {int(bad.sum())} invalid polygon(s)")
    df = gpd.GeoDataFrame({"name": names.to_numpy(dtype=object)}, geometry=geoms, crs=CRS)
    if df["name"].duplicated().any():
        multi = sorted(df.loc[df["name"].duplicated(), "name"].unique().tolist())
        notes.append(f"{len(multi)} name(s) on several polygons, joined into one area each: {', '.join(multi[:5])}"
                     + (" ..." if len(multi) > 5 else ""))
        df = df.dissolve("name", sort=True).reset_index()[["name", "geometry"]]
    return df, notes


def fit_points(units: gpd.GeoDataFrame) -> tuple[np.ndarray, str]:
    """One point per unit to best-fit by: population-weighted centroids where present, else point on surface."""
    geoms = np.asarray(units.geometry.values)
    pts = shapely.point_on_surface(geoms)
    if all(c in units.columns for c in PWC):
        x = pd.to_numeric(units[PWC[0]], errors="coerce").to_numpy(dtype=float)
        y = pd.to_numeric(units[PWC[1]], errors="coerce").to_numpy(dtype=float)
        have = np.isfinite(x) & np.isfinite(y)
        if have.any():
            pts = np.where(have, shapely.points(np.where(have, x, 0.0), np.where(have, y, 0.0)), pts)
            if have.all():
                return pts, "population-weighted centroid"
            return pts, (f"population-weighted centroid ({int((~have).sum()):,} LSOA(s) without one: point on "
                         "surface)")
    return pts, "point on surface (the data has no population-weighted centroids)"


def fit_units(shapes: gpd.GeoDataFrame, units: gpd.GeoDataFrame, *, method: str = "centroid",
              source: str = "shapes", name_column: str = "name") -> tuple[pd.Series, FitReport]:
    """Unit code -> polygon name for every unit fitted to ``shapes`` (EPSG:27700, column ``name``)."""
    if method not in METHODS:
        raise InputError(f"unknown fit method {method!r}; use {' or '.join(METHODS)}")
    names = shapes["name"].astype(str).to_numpy()
    sgeoms = np.asarray(shapes.geometry.values)
    ugeoms = np.asarray(units.geometry.values)
    codes = units[Col.CODE].astype(str).to_numpy()
    pop = units[Col.POP].to_numpy(dtype=float)
    # area shares of every (unit, polygon) pair that overlaps
    tree = shapely.STRtree(sgeoms)
    iu, ip = tree.query(ugeoms, predicate="intersects")
    inter = shapely.area(shapely.intersection(ugeoms[iu], sgeoms[ip])) if len(iu) else np.zeros(0)
    uarea = shapely.area(ugeoms)
    share = np.divide(inter, uarea[iu], out=np.zeros(len(iu)), where=uarea[iu] > 0)
    pairs = pd.DataFrame({"u": iu, "p": ip, "share": share})
    pairs = pairs[pairs["share"] >= MIN_TOUCH_SHARE]
    touched = np.unique(pairs["u"].to_numpy())
    # by area: the polygon with the largest share, if it holds at least half
    best = pairs.sort_values(["u", "share", "p"], ascending=[True, False, True]).drop_duplicates("u")
    by_area = np.full(len(units), -1)
    ok = best["share"].to_numpy() >= 0.5
    by_area[best["u"].to_numpy()[ok]] = best["p"].to_numpy()[ok]
    # by centroid: the polygon holding the unit's point (overlapping polygons: the larger share wins)
    pts, point_kind = fit_points(units)
    by_point = np.full(len(units), -1)
    ju, jp = tree.query(pts[touched], predicate="intersects") if len(touched) else (np.zeros(0, int),) * 2
    if len(ju):
        cand = pd.DataFrame({"u": touched[ju], "p": jp})
        cand = cand.merge(pairs, on=["u", "p"], how="left").fillna({"share": 0.0})
        cand = cand.sort_values(["u", "share", "p"], ascending=[True, False, True]).drop_duplicates("u")
        by_point[cand["u"].to_numpy()] = cand["p"].to_numpy()
    chosen = by_point if method == "centroid" else by_area
    fitted = np.flatnonzero(chosen >= 0)
    assigned = pd.Series(names[chosen[fitted]], index=codes[fitted], dtype=object, name="neighbourhood")
    rep = FitReport(source=source, name_column=name_column, method=method,
                    point=(f"the polygon holding each LSOA's {point_kind}" if method == "centroid" else
                           "the polygon holding the largest share (at least half) of each LSOA's area"),
                    polygons=len(shapes), names=sorted(set(names.tolist())), fitted=len(fitted),
                    fitted_population=int(round(pop[fitted].sum())))
    shares_of: dict[int, dict[str, float]] = {}
    for u, p, s in pairs.itertuples(index=False):
        shares_of.setdefault(int(u), {})[str(names[p])] = float(s)
    for u in touched.tolist():
        sh = shares_of.get(u, {})
        outside = max(0.0, 1.0 - sum(sh.values()))
        if chosen[u] < 0 and by_point[u] < 0 and by_area[u] < 0 and 1.0 - outside < SPLIT_SHARE:
            continue  # a sliver of a neighbouring LSOA under a generalised edge: not part of the shapes
        big = {k: v for k, v in sorted(sh.items(), key=lambda kv: -kv[1]) if v >= SPLIT_SHARE}
        to = str(names[chosen[u]]) if chosen[u] >= 0 else ""
        item = SplitUnit(str(codes[u]), int(round(pop[u])), to, big, outside)
        if chosen[u] < 0:
            rep.outside.append(item)
        elif len(big) >= 2:
            rep.split.append(item)
        elif outside >= SPLIT_SHARE:
            rep.edge.append(item)
        a = str(names[by_area[u]]) if by_area[u] >= 0 else ""
        c = str(names[by_point[u]]) if by_point[u] >= 0 else ""
        if a != c:
            rep.disagree.append(Disagreement(str(codes[u]), int(round(pop[u])), c, a))
    got = set(assigned.tolist())
    rep.empty = [n for n in rep.names if n not in got]
    return assigned, rep


def footprint_from_fit(assigned: pd.Series, name: str, vintage: int, source: str) -> Footprint:
    """The fitted footprint: one neighbourhood per polygon name (id = name), codes sorted."""
    hoods = [NeighbourhoodSpec(str(n), str(n), sorted(map(str, grp.index)))
             for n, grp in assigned.groupby(assigned, sort=True)]
    if not hoods:
        raise InputError(f"no LSOA fits any polygon of {source}; are the shapes in England and in the right CRS?")
    return Footprint(name=name, vintage=vintage, rules=Rules(), neighbourhoods=hoods,
                     meta={"fitted_from": source, "generated_by": "nhgeo fit"})


def fit_footprint(path: str | Path, units: gpd.GeoDataFrame, name_column: str | None, *, method: str = "centroid",
                  vintage: int = 2021, layer: str | None = None, skip_invalid: bool = False
                  ) -> tuple[Footprint, FitReport]:
    """Read shapes from ``path``, fit ``units`` to them, and return the footprint and the fit report."""
    shapes, notes = read_shapes(path, name_column, layer=layer, skip_invalid=skip_invalid)
    assigned, rep = fit_units(shapes, units, method=method, source=str(path), name_column=str(name_column))
    rep.notes = notes + rep.notes
    fp = footprint_from_fit(assigned, Path(path).stem, vintage, f"fitted from {path} ({name_column}) by {method}")
    return fp, rep


@dataclass
class FitResult:
    """What ``nhgeo fit`` produces: the LSOA footprint, and how good the fit is (shapes) or how the codes
    became LSOAs (a table of wards, MSOAs, practices or PCNs: ``footprint.conversion``)."""

    footprint: Footprint
    report: FitReport | None
    source: str  # the LSOA boundaries fitted, or the lookup the codes were turned into LSOAs by

    @property
    def conversion(self) -> Any:
        return self.footprint.conversion


def fit_file(path: str | Path, name_column: str | None, *, method: str = "centroid",
             boundaries: str | Path | None = None, rules: dict[str, Any] | None = None, snap: float | None = None,
             min_border: float | None = None, group_column: str | None = None, code_type: str | None = None,
             sheet: str | None = None, layer: str | None = None, skip_invalid: bool = False,
             **options: Unpack[LoadOptions]) -> FitResult:
    """The LSOA footprint of ``path``: its polygons best-fitted to the LSOAs (embedded, or ``boundaries``), or
    its table of codes (wards, MSOAs, practices, PCNs, LSOAs) turned into LSOAs; ``rules`` go into [rules]."""
    from dataclasses import replace

    from .files import TableColumns, read_footprint

    del snap, min_border  # fitting needs no adjacency graph; accepted so every command passes the same options
    fit: FitReport | None = None
    if not is_shapes(path, layer):
        if method != "centroid":
            raise InputError("--fit-method is for footprints drawn as shapes; this file lists codes")
        cols = TableColumns(code=options.get("code_column"), group=group_column, name=name_column,
                            code_type=code_type, sheet=sheet, layer=layer)
        fp = read_footprint(path, vintage=options.get("vintage"), columns=cols)
        conv = fp.conversion
        source = conv.data if conv is not None else f"the LSOA {fp.vintage} codes as listed"
        fp.meta["generated_by"] = "nhgeo fit"
    else:
        units, rep = load_units(boundaries, **options)
        vintage = int(units.attrs.get("vintage", rep.vintage))
        fp, fit = fit_footprint(path, units, name_column, method=method, vintage=vintage, layer=layer,
                                skip_invalid=skip_invalid)
        source = str(units.attrs.get("source", rep.source))
        fp.meta["source"] = source
        fp.meta["fitted_from"] = f"{path} ({name_column}; {method})"
    if rules:
        sev = dict(rules.get("severity") or {})
        fp.rules = replace(fp.rules, **{k: v for k, v in rules.items() if k != "severity"},
                           severity={**fp.rules.severity, **sev})
    return FitResult(fp, fit, source)
