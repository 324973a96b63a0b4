"""Load LSOA boundaries (embedded or the user's own) into one standard GeoDataFrame.

Every loader returns a GeoDataFrame in EPSG:27700 indexed 0..n-1 with the columns of
:data:`STANDARD_COLUMNS` (named by :class:`nhgeo.model.Col`; missing information is NA, never invented):

``code``, ``name``, ``population``, ``la_code``, ``la_name``, ``icb_code``, ``icb_name``,
``region_code``, ``region_name``, ``msoa_code``, ``msoa_name``, ``age_0_15``, ``age_65_plus``,
``imd_decile``, then the wider geography: sub-ICB location (``sicbl_*``), the other ICB vintage's
ICB and sub-ICB (``icb_other_*``, ``sicbl_other_*``), upper tier (``utla_*``), Health and Wellbeing
Board (``hwb_*``), combined authority (``cauth_*``), electoral ward 2024 (``ward_*``), the
population-weighted centroid (``pwc_x``, ``pwc_y``) and IMD rank, score and domain deciles, and ``geometry``.

ICB vintage: the LSOA 2021 set carries the April 2026 ICBs (36, the default) and April 2024 (42);
``icb_vintage`` picks which fills ``icb_code``/``sicbl_code`` (the other goes to ``icb_other_*``).
The LSOA 2011 set has ICBs of 2022 and IMD 2019 only; the 2021 set has IMD 2025.

``gdf.attrs`` carries ``vintage`` (LSOA 2011/2021), ``icb_vintage``, ``vintages`` (a dict: lsoa, la,
icb, imd, population, ward, ...), ``source`` and ``notes`` so every output can state what it was computed from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict, Unpack

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ..errors import InputError
from .columns import Col
from .data import DATASETS, get_path
from .extent import in_england

CRS = "EPSG:27700"
STANDARD_COLUMNS = [*Col.STANDARD, *Col.GEOGRAPHY]
ICB_VINTAGES = (2026, 2024)
DEFAULT_ICB_VINTAGE = 2026
UNKNOWN_ICB = ("UNKNOWN", "Unknown ICB")
UNKNOWN_REGION = ("UNKNOWN", "Unknown region")
UNKNOWN_LA = ("UNKNOWN", "Unknown LA")

_EMBEDDED_RENAME = {
    21: {"LSOA21CD": Col.CODE, "LSOA21NM": Col.NAME, "LAD_CD": Col.LA, "LAD_NM": Col.LA_NAME,
         "RGN_CD": Col.REGION, "RGN_NM": Col.REGION_NAME, "MSOA21CD": Col.MSOA, "MSOA21_NAME": Col.MSOA_NAME,
         "UTLA_CD": Col.UTLA, "UTLA_NM": Col.UTLA_NAME, "HWB_CD": Col.HWB, "HWB_NM": Col.HWB_NAME,
         "CAUTH_CD": Col.CAUTH, "CAUTH_NM": Col.CAUTH_NAME, "WD24CD": Col.WARD, "WD24NM": Col.WARD_NAME,
         "PWC_E": Col.PWC_X, "PWC_N": Col.PWC_Y, "IMD25_DECILE": Col.IMD, "IMD25_RANK": Col.IMD_RANK,
         "IMD25_SCORE": Col.IMD_SCORE, "IMD25_INCOME_DECILE": Col.IMD_INCOME,
         "IMD25_EMPLOYMENT_DECILE": Col.IMD_EMPLOYMENT, "IMD25_HEALTH_DECILE": Col.IMD_HEALTH},
    11: {"LSOA11CD": Col.CODE, "LSOA11NM": Col.NAME, "MSOA11NM": Col.MSOA_NAME, "LAD_CD": Col.LA,
         "LAD_NM": Col.LA_NAME, "ICB_CD": Col.ICB, "ICB_NM": Col.ICB_NAME, "SICBL_CD": Col.SICBL,
         "SICBL_NM": Col.SICBL_NAME, "RGN_CD": Col.REGION, "RGN_NM": Col.REGION_NAME, "IMD19_DECILE": Col.IMD,
         "UTLA_CD": Col.UTLA, "UTLA_NM": Col.UTLA_NAME, "HWB_CD": Col.HWB, "HWB_NM": Col.HWB_NAME,
         "CAUTH_CD": Col.CAUTH, "CAUTH_NM": Col.CAUTH_NAME},
}

# what each embedded set's columns date from (stated in every output through ``attrs["vintages"]``)
_VINTAGES: dict[int, dict[str, int]] = {
    2021: {"lsoa": 2021, "la": 2023, "utla": 2023, "hwb": 2023, "ward": 2024, "imd": 2025, "population": 2021,
           "centroid": 2021},
    2011: {"lsoa": 2011, "la": 2023, "utla": 2023, "hwb": 2023, "icb": 2022, "sicbl": 2022, "imd": 2019,
           "population": 2021},
}
ICB_2026_CAVEAT = ("ICB April 2026 (36) rebuilt from the 2024 lookup and published counts (Frimley's 455 LSOAs split "
                   "by county), checked against the official ONS April 2026 outlines: 33,745 of 33,748 LSOA "
                   "population-weighted centroids inside an outline fall in the lookup's ICB (the other 3 on a border "
                   "of the generalised outline; nhgeo.sources.icb.check_against_outlines)")

CODE_CANDIDATES = ["LSOA21CD", "LSOA11CD", "lsoa21cd", "lsoa11cd", "LSOA21", "LSOA11", "lsoa_code", "LSOACD", "code"]
POP_CANDIDATES = ["population", "usual_residents", "pop", "POP", "Population", "total_population"]
LA_CANDIDATES = ["LAD22CD", "LAD23CD", "LAD21CD", "LAD19CD", "LAD_ACTIVE_CD", "LAD_CD", "lad22cd", "lad21cd",
                 "lad19cd", "la_code", "LADCD"]
LA_NAME_CANDIDATES = ["LAD22NM", "LAD23NM", "LAD24NM", "LAD21NM", "LAD19NM", "LAD_NM", "lad22nm", "lad23nm", "lad24nm",
                      "la_name", "LADNM", "lad_name", "LA name", "Local authority", "UA_NAME"]
AREA_NAME_CANDIDATES = ["MSOA21NM", "MSOA11NM", "MSOA21HCLNM", "MSOA11HCLNM", "msoa21nm", "msoa11nm", "msoa_name",
                        "area_name", "Area name", "locality", "community", "COMMUNITY"]


@dataclass
class LoadReport:
    """What the loader did to the input, for the user to see."""

    source: str
    vintage: int
    rows: int
    repaired: int = 0
    notes: list[str] = field(default_factory=list)
    population: str | None = None  # --population census|registered|FILE:COLUMN, applied by study_of after selection


def _detect(columns: list[str], given: str | None, candidates: list[str], what: str, flag: str) -> str | None:
    if given is not None:
        if given not in columns:
            raise InputError(f"{what} column {given!r} not found; columns are: {', '.join(columns)} (set {flag})")
        return given
    lower = {c.lower(): c for c in columns}
    for cand in candidates:
        if cand in columns:
            return cand
        if cand.lower() in lower:
            return lower[cand.lower()]
    return None


def _vintage_from_codes(codes: pd.Series, column: str | None = None) -> int:
    """Guess 2011 vs 2021 from the column name, else from how many codes exist in each embedded set."""
    if column and "11" in column:
        return 2011
    if column and "21" in column:
        return 2021
    c21 = set(pd.read_parquet(get_path("population"), columns=["LSOA21CD"])["LSOA21CD"])
    c11 = embedded_codes(2011)
    s = set(codes)
    return 2011 if len(s - c11) < len(s - c21) else 2021


def embedded_codes(vintage: int) -> set[str]:
    """The LSOA codes of an embedded set, read from its code column alone (no geometry)."""
    col = f"LSOA{vintage % 100}CD"
    return set(pd.read_parquet(get_path(f"lsoa{vintage % 100}"), columns=[col])[col].astype(str))


def check_icb_vintage(icb_vintage: int | None) -> int:
    """The ICB vintage to use: 2026 (default) or 2024; anything else is an input error."""
    if icb_vintage is None:
        return DEFAULT_ICB_VINTAGE
    if icb_vintage not in ICB_VINTAGES:
        raise InputError(f"unknown ICB vintage {icb_vintage}; use 2026 (36 ICBs, default) or 2024 (42 ICBs)")
    return int(icb_vintage)


def _source_vintages(vintage: int, icb_vintage: int) -> str:
    """What the units' columns date from, in one line for every output's ``source``."""
    if vintage == 2011:
        return DATASETS["lsoa11"].vintage
    icb = "ICB April 2026 (36, rebuilt)" if icb_vintage == 2026 else "ICB April 2024 (42)"
    return f"LSOA 2021 (BGC); LA 2023; {icb}; ward 2024; Census 2021; IMD 2025"


def load_embedded(vintage: int = 2021, icb_vintage: int | None = None) -> gpd.GeoDataFrame:
    """The embedded England LSOA set for ``vintage`` (2021 default, or 2011) in the standard schema.

    ``icb_vintage`` (2026 default, or 2024) decides which ICB and sub-ICB fill ``icb_code``/``sicbl_code``
    in the 2021 set; the 2011 set has the ICBs of 2022 only (said in ``attrs["notes"]``).
    """
    if vintage not in (2011, 2021):
        raise InputError(f"unknown LSOA vintage {vintage}; use 2021 or 2011")
    icbv = check_icb_vintage(icb_vintage)
    name = "lsoa21" if vintage == 2021 else "lsoa11"
    gdf = gpd.read_parquet(get_path(name))
    rename = dict(_EMBEDDED_RENAME[vintage % 100])
    vintages = dict(_VINTAGES[vintage])
    notes: list[str] = []
    if vintage == 2021:
        other = 2024 if icbv == 2026 else 2026
        for yy, (icb, icb_nm, sub, sub_nm) in ((icbv % 100, (Col.ICB, Col.ICB_NAME, Col.SICBL, Col.SICBL_NAME)),
                                               (other % 100, (Col.ICB_OTHER, Col.ICB_OTHER_NAME, Col.SICBL_OTHER,
                                                              Col.SICBL_OTHER_NAME))):
            rename.update({f"ICB{yy}_CD": icb, f"ICB{yy}_NM": icb_nm, f"SICBL{yy}_CD": sub, f"SICBL{yy}_NM": sub_nm})
        gdf["ICB_METHOD"] = gdf["ICB26_DERIVATION"] if icbv == 2026 else "ons_lookup_2024"
        vintages.update(icb=icbv, sicbl=icbv, icb_other=other)
        if icbv == 2026:
            notes.append(ICB_2026_CAVEAT)
    else:
        icbv = 2022
        notes.append("the LSOA 2011 set has ICBs of 2022 (42) and IMD 2019 only; use 2021 codes for ICB 2026/2024 "
                     "and IMD 2025")
    gdf = gdf.rename(columns=rename)
    for col in STANDARD_COLUMNS:
        if col not in gdf.columns:
            gdf[col] = pd.NA
    if vintage == 2011:
        _fill_2011(gdf, notes)
    extra = [c for c in ("POP_METHOD", "ICB_METHOD") if c in gdf.columns]
    gdf = gdf[[*STANDARD_COLUMNS, *extra, "geometry"]]
    gdf.attrs.update(vintage=vintage, icb_vintage=icbv, vintages=vintages, notes=notes,
                     source=f"embedded:{name} ({_source_vintages(vintage, icbv)})")
    return gdf


def _fill_2011(gdf: gpd.GeoDataFrame, notes: list[str]) -> None:
    """The LSOA 2011 set gets what the 2021 data knows: Census 2021 age bands by code for the LSOAs that did not
    change (97%), for the others the age mix of their MSOA applied to their estimated population; and the
    House of Commons Library MSOA names (by MSOA name, unchanged for almost all MSOAs), else the ONS name."""
    census = pd.read_parquet(get_path("population"), columns=["LSOA21CD", "LSOA21NM", "usual_residents",
                                                              Col.AGE_0_15, Col.AGE_65_PLUS])
    by_code = census.set_index("LSOA21CD")
    cols = ["usual_residents", Col.AGE_0_15, Col.AGE_65_PLUS]
    named = census.assign(msoa=census["LSOA21NM"].str[:-1], la=census["LSOA21NM"].str[:-5])
    msoa, la = named.groupby("msoa")[cols].sum(), named.groupby("la")[cols].sum()
    pop = gdf[Col.POP].astype(float)
    la_of = gdf[Col.NAME].astype("string").str[:-5]
    estimated = 0
    for col in (Col.AGE_0_15, Col.AGE_65_PLUS):
        exact = gdf[Col.CODE].map(by_code[col]).astype(float)
        share = gdf[Col.MSOA_NAME].map(msoa[col] / msoa["usual_residents"]).astype(float)
        la_share = la[col] / la["usual_residents"]
        share = share.fillna(la_of.map(la_share).astype(float))  # MSOA changed: its LA (2011 name, then current)
        share = share.fillna(gdf[Col.LA_NAME].astype("string").map(la_share).astype(float))
        share = share.fillna(float(census[col].sum() / census["usual_residents"].sum()))  # last resort: England
        gdf[col] = exact.fillna((pop * share).round())
        estimated = int(exact.isna().sum())
    l21 = pd.read_parquet(get_path("lsoa21"), columns=["LSOA21CD", "LSOA21NM", "MSOA21_NAME"])
    hoc = l21.assign(msoa=l21["LSOA21NM"].str[:-1]).drop_duplicates("msoa").set_index("msoa")["MSOA21_NAME"]
    same_lsoa = gdf[Col.CODE].map(l21.set_index("LSOA21CD")["MSOA21_NAME"])  # unchanged LSOA: its 2021 MSOA
    gdf[Col.MSOA_NAME] = same_lsoa.fillna(gdf[Col.MSOA_NAME].map(hoc)).fillna(gdf[Col.MSOA_NAME])
    notes.append(f"LSOA 2011 age mix from Census 2021 by code; {estimated:,} changed LSOAs take the mix of their "
                 "MSOA (or LA, or England for 3 whose LA was renamed)")


def to_bng(raw: gpd.GeoDataFrame, what: str, notes: list[str]) -> gpd.GeoDataFrame:
    """A user's polygon file checked (features, a known CRS) and in EPSG:27700; a reprojection is noted."""
    if len(raw) == 0:
        raise InputError(f"{what} has no features; is it the right file or layer?")
    if raw.crs is None:
        raise InputError(f"{what} has no CRS; set one (e.g. EPSG:4326 or EPSG:27700) with ogr2ogr -a_srs")
    try:
        pyproj.CRS.from_user_input(raw.crs)
    except pyproj.exceptions.CRSError:
        raise InputError(f"{what} has an unknown CRS {raw.crs!r}") from None
    if raw.crs.to_epsg() != 27700:
        notes.append(f"reprojected from {raw.crs.to_string()} to EPSG:27700")
        raw = raw.to_crs(CRS)
    return raw


def load_boundaries(
    path: str | Path,
    *,
    code_column: str | None = None,
    pop_column: str | None = None,
    la_column: str | None = None,
    la_boundaries: str | Path | None = None,
    vintage: int | None = None,
    layer: str | None = None,
    icb_vintage: int | None = None,
    area_name_column: str | None = None,
) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Read a user's LSOA boundary file into the standard schema.

    Codes are checked (present, unique); population comes from ``pop_column`` or, for
    LSOA codes, from the embedded Census 2021 table / 2011 set; LA membership from
    ``la_column``, ``la_boundaries`` (largest overlap) or the embedded lookup by code.
    ICB (of ``icb_vintage``), MSOA, ward and the rest come from the embedded set when the codes are known
    there; codes it does not know (e.g. Welsh W01 codes) get ICB and region "UNKNOWN" and NA elsewhere.
    """
    from .geofiles import check_geometries, read_geo

    path = Path(path)
    if not path.exists():
        raise InputError(f"boundary file not found: {path}")
    raw = read_geo(path, "boundary file", layer=layer, wanted_what="an LSOA code column", flag="--boundaries-layer",
                   wanted=lambda cols: code_column in cols if code_column else
                   _detect(cols, None, CODE_CANDIDATES, "", "") is not None)
    report = LoadReport(source=str(path), vintage=0, rows=len(raw))
    raw = to_bng(raw, f"boundary file {path}", report.notes)
    cols = [c for c in raw.columns if c != raw.geometry.name]
    code_col = _detect(cols, code_column, CODE_CANDIDATES, "code", "--code-column")
    if code_col is None:
        raise InputError(f"no LSOA code column found in {path}; columns are: {', '.join(cols)} (set --code-column)")
    if pd.api.types.is_numeric_dtype(raw[code_col]):
        raise InputError(f"code column {code_col!r} in {path} holds numbers (e.g. {raw[code_col].iloc[0]}), not LSOA "
                         "codes such as E01000001; point --code-column at the column of LSOA codes")
    codes = raw[code_col].astype("string").str.strip()
    clean = codes.str.replace(r"\s+", "", regex=True).str.upper()  # as footprint codes are cleaned (e01 000001)
    if (clean.fillna("") != codes.fillna("")).any():
        report.notes.append(f"{int((clean.fillna('') != codes.fillna('')).sum()):,} code(s) cleaned (spaces, lower "
                            "case)")
        codes = clean
    if codes.isna().any() or (codes == "").any():
        n = int((codes.isna() | (codes == "")).sum())
        raise InputError(f"{n} feature(s) in {path} have no code in column {code_col!r}; every feature needs a code")
    dup = codes[codes.duplicated()].unique()
    if len(dup):
        raise InputError(f"duplicate codes in {path} column {code_col!r}: {', '.join(dup[:5])}"
                         + (f" and {len(dup) - 5} more" if len(dup) > 5 else "") + "; each code must appear once")
    if vintage is None:
        vintage = _vintage_from_codes(codes, code_col)
    report.vintage = vintage
    embedded = load_embedded(vintage, icb_vintage)
    ref = embedded.drop(columns="geometry").set_index(Col.CODE)
    check_geometries(raw, path, False, report.notes, label=lambda i: str(codes.iloc[i]))
    geoms = raw.geometry.values
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        geoms = geoms.copy()
        geoms[bad] = shapely.make_valid(geoms[bad])
        report.repaired = int(bad.sum())
        report.notes.append(f"repaired {report.repaired} invalid geometr{'y' if report.repaired == 1 else 'ies'}")
    if not np.isin(shapely.get_type_id(geoms), [3, 6, 7]).all():
        raise InputError(f"{path} must hold polygons (LSOA areas); found {sorted(set(shapely.get_type_id(geoms)))}")
    out = gpd.GeoDataFrame({"code": codes.to_numpy(dtype=object)}, geometry=np.asarray(geoms), crs=CRS)
    name_col = _detect(cols, None, ["LSOA21NM", "LSOA11NM", "lsoa21nm", "lsoa11nm", "name"], "name", "")
    out[Col.NAME] = raw[name_col].to_numpy() if name_col else out[Col.CODE].map(ref[Col.NAME])
    # population
    pop_col = _detect(cols, pop_column, POP_CANDIDATES, "population", "--pop-column")
    if pop_col is not None:
        pop = pd.to_numeric(raw[pop_col], errors="coerce")
        if pop.isna().any():
            raise InputError(f"{int(pop.isna().sum())} feature(s) have missing or non-numeric population in "
                             f"column {pop_col!r}")
        if (pop < 0).any():
            raise InputError(f"{int((pop < 0).sum())} feature(s) have negative population in column {pop_col!r}")
        out[Col.POP] = pop.to_numpy()
    else:
        if vintage == 2021:
            census = pd.read_parquet(get_path("population")).set_index("LSOA21CD")["usual_residents"]
            pop = out[Col.CODE].map(census)
        else:
            pop = out[Col.CODE].map(ref[Col.POP])
        if pop.isna().any():
            miss = out.loc[pop.isna(), "code"].tolist()
            raise InputError(f"no population for {len(miss)} code(s) (e.g. {', '.join(miss[:3])}); they are not "
                             f"LSOA {vintage} codes known to Census 2021; add a population column and set --pop-column")
        out[Col.POP] = pop.to_numpy()
        report.notes.append("population from Census 2021" + (" (1,034 changed 2011 codes estimated)"
                                                              if vintage == 2011 else ""))
    for col in STANDARD_COLUMNS:
        if col not in (Col.CODE, Col.NAME, Col.POP):
            out[col] = out[Col.CODE].map(ref[col]) if col in ref.columns else pd.NA
    # local authority
    la_col = _detect(cols, la_column, LA_CANDIDATES, "local authority", "--la-column")
    if la_boundaries is not None:
        out = _assign_la_from_boundaries(out, Path(la_boundaries), report)
    elif la_col is not None:
        out[Col.LA] = raw[la_col].astype("string").to_numpy()
        la_name_col = _detect(cols, None, LA_NAME_CANDIDATES, "", "")
        out[Col.LA_NAME] = raw[la_name_col].to_numpy() if la_name_col else _la_names(out[Col.LA])
    elif out[Col.LA].isna().any():
        n = int(out[Col.LA].isna().sum())
        report.notes.append(f"{n} unit(s) have no local authority (no LA column, codes unknown); set --la-column "
                            "or --la-boundaries")
        if not _mostly_in_england(out):
            report.notes.append(f"warning: {path} lies mostly outside England (its extent is not in England) and has "
                                "no LA column: LA alignment, ICBs and names cannot come from the embedded data; give "
                                "--la-column (and an LA name column) or --la-boundaries")
        out[Col.LA] = out[Col.LA].fillna(UNKNOWN_LA[0])
        out[Col.LA_NAME] = out[Col.LA_NAME].fillna(UNKNOWN_LA[1])
    _names_from_file(out, raw, cols, la_col if la_boundaries is None else None, area_name_column, report.notes)
    unknown = out[Col.ICB].isna()
    if unknown.any():
        report.notes.append(f"{int(unknown.sum())} unit(s) have codes not in the embedded England LSOA {vintage} set "
                            "(e.g. Welsh W01): ICB and region 'UNKNOWN'")
    for (col, col_name), (code, label) in (((Col.ICB, Col.ICB_NAME), UNKNOWN_ICB),
                                           ((Col.REGION, Col.REGION_NAME), UNKNOWN_REGION)):
        out[col] = out[col].astype(object).where(out[col].notna(), code)
        out[col_name] = out[col_name].astype(object).where(out[col_name].notna(), label)
    out = out[[*STANDARD_COLUMNS, "geometry"]]
    out.attrs.update(vintage=vintage, icb_vintage=embedded.attrs["icb_vintage"],
                     vintages=dict(embedded.attrs["vintages"]), notes=list(embedded.attrs["notes"]),
                     source=f"file:{path}")
    return out, report


def _mostly_in_england(units: gpd.GeoDataFrame) -> bool:
    """Do most of the units' representative points lie in England (near an embedded LSOA 2021)?"""
    pts = units.geometry.representative_point()
    return bool(in_england(pts.x.to_numpy(), pts.y.to_numpy()).mean() >= 0.5)


def _names_from_file(out: gpd.GeoDataFrame, raw: gpd.GeoDataFrame, cols: list[str], la_col: str | None,
                     area_name_column: str | None, notes: list[str]) -> None:
    """Names the embedded data has none for (codes it does not know, e.g. Welsh): LA names from the file's LA
    name column, local (MSOA-like) area names from ``area_name_column`` or a usual area name column, else the
    LSOA name without its letter ("Cardiff 001A" -> "Cardiff 001"); never a bare code when the file names it."""
    missing = out[Col.MSOA_NAME].isna().to_numpy()
    area_col = _detect(cols, area_name_column, AREA_NAME_CANDIDATES, "area name", "--area-name-column")
    if missing.any():
        if area_col is not None:
            out.loc[missing, Col.MSOA_NAME] = raw[area_col].astype("string").str.strip().to_numpy()[missing]
            notes.append(f"local area names for {int(missing.sum()):,} unit(s) from the file's {area_col!r} column")
        else:
            nm = out[Col.NAME].astype("string")
            stem = nm.str.replace(r"[A-Z]$", "", regex=True).str.strip()
            use = missing & nm.notna().to_numpy() & (stem != out[Col.CODE].astype("string")).fillna(False).to_numpy()
            out.loc[use, Col.MSOA_NAME] = stem.to_numpy()[use]
    la_name_col = _detect(cols, None, LA_NAME_CANDIDATES, "", "")
    if la_name_col is not None:
        bare = (out[Col.LA_NAME].astype("string") == out[Col.LA].astype("string")).fillna(True).to_numpy()
        if bare.any():
            out.loc[bare, Col.LA_NAME] = raw[la_name_col].astype("string").str.strip().to_numpy()[bare]


def _la_names(codes: pd.Series) -> pd.Series:
    """ONS names of LA codes (any since 2011, from the embedded lookup); unknown codes stand for themselves."""
    lad = pd.read_csv(get_path("lad_codes"), usecols=["LADCD", "LADNM"]).drop_duplicates("LADCD")
    return codes.map(dict(zip(lad["LADCD"], lad["LADNM"], strict=True))).fillna(codes)


def _assign_la_from_boundaries(units: gpd.GeoDataFrame, la_path: Path, report: LoadReport) -> gpd.GeoDataFrame:
    """Give each unit the LA polygon holding most of its area; list units >1% outside it."""
    if not la_path.exists():
        raise InputError(f"LA boundary file not found: {la_path}")
    from .geofiles import read_geo

    las = read_geo(la_path, "LA boundary file", wanted_what="an LA code column", flag="--la-boundaries",
                   wanted=lambda cols: _detect(cols, None, LA_CANDIDATES, "", "") is not None)
    las = to_bng(las, f"LA boundary file {la_path}", report.notes)
    cols = [c for c in las.columns if c != las.geometry.name]
    code_col = _detect(cols, None, LA_CANDIDATES, "LA code", "")
    if code_col is None:
        raise InputError(f"no LA code column (e.g. LAD22CD) in {la_path}; columns are: {', '.join(cols)}")
    name_col = _detect(cols, None, LA_NAME_CANDIDATES, "", "") or code_col
    tree = shapely.STRtree(las.geometry.values)
    iu, il = tree.query(units.geometry.values, predicate="intersects")
    area = shapely.area(shapely.intersection(units.geometry.values[iu], las.geometry.values[il]))
    df = pd.DataFrame({"u": iu, "l": il, "a": area}).sort_values(["u", "a"], ascending=[True, False])
    best = df.drop_duplicates("u").set_index("u")
    units = units.copy()
    la_code = np.full(len(units), "UNKNOWN", dtype=object)
    la_code[best.index.to_numpy()] = las[code_col].to_numpy()[best["l"].to_numpy()]
    units[Col.LA] = la_code
    units[Col.LA_NAME] = units[Col.LA].map(dict(zip(las[code_col], las[name_col], strict=False))).fillna("Unknown LA")
    share = best["a"] / shapely.area(units.geometry.values[best.index.to_numpy()])
    outside = units.loc[share.index[share < 0.99], "code"].tolist()
    if outside:
        report.notes.append(f"{len(outside)} unit(s) have >1% of their area outside their LA: "
                            + ", ".join(outside[:10]) + (" ..." if len(outside) > 10 else ""))
    return units


class LoadOptions(TypedDict, total=False):
    """How to read the units: every command and pipeline function takes these, with these names."""

    vintage: int | None  # LSOA 2021 (default) or 2011
    icb_vintage: int | None  # ICBs of April 2026 (36, default) or 2024 (42); the 2011 set has 2022 only
    code_column: str | None  # user files: the LSOA code column (auto-detected when None)
    pop_column: str | None  # user files: population (else Census 2021 by code)
    la_column: str | None  # user files: LA code column
    area_name_column: str | None  # user files: local area names (MSOA-like) for codes the embedded data lacks
    boundaries_layer: str | None  # user files of several layers (GeoPackage): the layer to read
    la_boundaries: str | Path | None  # LA polygons: each unit goes to the LA holding most of its area
    population: str | None  # census (default), registered, or FILE:COLUMN (nhgeo.sources.population)


def load_units(boundaries: str | Path | None = None, **options: Unpack[LoadOptions]) -> tuple[gpd.GeoDataFrame,
                                                                                                LoadReport]:
    """The units to work on: the embedded set (default, 2021) or the user's own file. ``population`` is checked
    here and carried in the report; :func:`nhgeo.model.study_of` applies it to the selected units."""
    from .population import check_population

    opts = dict(options)
    population = check_population(opts.pop("population", None))  # type: ignore[arg-type]
    la_boundaries = opts.get("la_boundaries")
    if boundaries is None:
        v = opts.get("vintage") or 2021
        gdf = load_embedded(v, opts.get("icb_vintage"))  # type: ignore[arg-type]
        rep = LoadReport(source=gdf.attrs["source"], vintage=v, rows=len(gdf))  # type: ignore[arg-type]
        if la_boundaries is not None:
            gdf = _assign_la_from_boundaries(gdf, Path(la_boundaries), rep)  # type: ignore[arg-type]
    else:
        layer = opts.pop("boundaries_layer", None)
        gdf, rep = load_boundaries(boundaries, layer=layer, **opts)  # type: ignore[arg-type]
    rep.population = population
    return gdf, rep
