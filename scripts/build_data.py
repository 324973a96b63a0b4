"""Build nhgeo's embedded data in ``boundaries/`` from the read-only ``../shared/data``.

Run from the repository root::

    python scripts/build_data.py [--shared ../shared/data]

Everything written here is derived from real ONS / NHS / MHCLG data published
under the Open Government Licence v3.0 (see README and ../shared/data/SOURCES.md).
The outputs are deterministic: running the script twice gives identical files.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "boundaries"
GRID_M = 1.0  # coordinates rounded to 1 m: the sources are generalised to ~20 m


def _tidy(geoms: np.ndarray) -> np.ndarray:
    """Round to a 1 m grid (keeps files small) and repair anything that breaks."""
    out = shapely.set_precision(geoms, GRID_M)
    bad = ~shapely.is_valid(out)
    out[bad] = shapely.make_valid(out[bad])
    # keep polygonal parts only
    out = np.array([_polygonal(g) for g in out], dtype=object)
    return out


def _polygonal(g: shapely.Geometry) -> shapely.Geometry:
    if g.geom_type in ("Polygon", "MultiPolygon"):
        return g
    parts = [p for p in getattr(g, "geoms", [g]) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts)


def _lad_lookup(shared: Path) -> pd.DataFrame:
    return pd.read_csv(shared / "lookups" / "england_lad_all_codes.csv")


def _add_lookups(shared: Path, g: gpd.GeoDataFrame, lad: pd.DataFrame) -> None:
    """Join the per-LSOA lookups of ``lookups/`` (all 33,755 codes each) onto ``g`` in place.

    ICB/sub-ICB 2024 (ONS) and April 2026 (rebuilt; Frimley split by county), upper tier and Health and
    Wellbeing Board, combined authority, electoral ward 2024 (best fit), population-weighted centroid and
    IMD 2025. Upper tier and HWB follow the LSOA's *current* LA (``LAD_CD``) so they always nest.
    """
    lk = shared / "lookups"
    code = g["LSOA21CD"]

    def table(name: str, key: str) -> pd.DataFrame:
        t = pd.read_csv(lk / name, dtype=str).set_index(key)
        missing = set(code) - set(t.index)
        if missing or not t.index.is_unique:
            raise SystemExit(f"{name}: {len(missing)} LSOA codes missing or duplicate keys")
        return t

    i26 = table("england_lsoa21_sicbl26_icb26.csv.gz", "lsoa21_code")
    i24 = table("england_lsoa21_sicbl24_icb24.csv.gz", "lsoa21_code")
    for vin, t in ((26, i26), (24, i24)):
        g[f"SICBL{vin}_CD"] = code.map(t[f"sicbl{vin}_code"])
        g[f"SICBL{vin}_NM"] = code.map(t[f"sicbl{vin}_name"])
        g[f"ICB{vin}_CD"] = code.map(t[f"icb{vin}_code"])
        g[f"ICB{vin}_NM"] = code.map(t[f"icb{vin}_name"])
    g["ICB26_DERIVATION"] = code.map(i26["derivation"])
    # upper tier and combined authority from the LA lookup by current LA (the HWB file still carries the
    # superseded Barnsley/Sheffield codes, and one best-fit LSOA in another LA); HWB = upper tier except
    # the joint boards the HWB file has (City of London + Hackney, Isles of Scilly + Cornwall)
    cur = lad[lad["Current"]].set_index("LADCD")
    g["CAUTH_CD"] = g["LAD_CD"].map(cur["CAUTHCD"])
    g["CAUTH_NM"] = g["LAD_CD"].map(cur["CAUTHNM"])
    hw = table("england_lsoa21_lad24_utla23_hwb.csv.gz", "lsoa21_code")
    forward = lad.set_index("LADCD")["LADCD_ACTIVE"]
    hw_utla = hw["utla23_code"].map(forward).fillna(hw["utla23_code"])
    hw_code = hw["hwb_code"].map(forward).fillna(hw["hwb_code"])
    joint = hw_code != hw_utla
    boards = dict(zip(hw_utla[joint], hw_code[joint], strict=False))
    names = dict(zip(hw_code, hw["hwb_name"], strict=False))
    g["HWB_CD"] = g["UTLA_CD"].map(lambda u: boards.get(u, u))
    g["HWB_NM"] = g["HWB_CD"].map(lambda c: names.get(c)).fillna(g["UTLA_NM"])
    wd = table("england_lsoa21_ward24_lad24.csv", "LSOA21CD")
    g["WD24CD"] = code.map(wd["WD24CD"])
    g["WD24NM"] = code.map(wd["WD24NM"])
    pwc = table("england_lsoa21_population_weighted_centroids.csv", "LSOA21CD")
    g["PWC_E"] = code.map(pwc["easting"]).astype(float).round().astype("int32")
    g["PWC_N"] = code.map(pwc["northing"]).astype(float).round().astype("int32")
    imd = table("england_lsoa21_imd2025.csv", "LSOA21CD")
    g["IMD25_RANK"] = code.map(imd["IMD25_RANK"]).astype("int32")
    g["IMD25_DECILE"] = code.map(imd["IMD25_DECILE"]).astype("int8")
    g["IMD25_SCORE"] = code.map(imd["IMD25_SCORE"]).astype("float32")
    for dom in ("INCOME", "EMPLOYMENT", "HEALTH"):
        g[f"IMD25_{dom}_DECILE"] = code.map(imd[f"{dom}_DECILE"]).astype("int8")


def build_lsoa21(shared: Path, pop: pd.DataFrame) -> gpd.GeoDataFrame:
    g = gpd.read_file(shared / "boundaries" / "england_lsoa21_bgc.gpkg")
    lad = _lad_lookup(shared)
    cur = lad[lad["Current"]].set_index("LADCD")
    # 582 LSOAs carry a superseded code (Sheffield E08000019, Barnsley E08000016, Somerset West
    # and Taunton E07000246): map every code forward to its current successor
    forward = lad.set_index("LADCD")["LADCD_ACTIVE"]
    g["LAD_CD"] = g["LAD_ACTIVE_CD"].map(forward).fillna(g["LAD_ACTIVE_CD"])
    g["LAD_NM"] = g["LAD_CD"].map(cur["LADNM"])
    g["UTLA_CD"] = g["LAD_CD"].map(cur["UTLACD"])
    g["UTLA_NM"] = g["LAD_CD"].map(cur["UTLANM"])
    g["RGN_CD"] = g["LAD_CD"].map(cur["RGNCD"])
    g["RGN_NM"] = g["LAD_CD"].map(cur["RGNNM"])
    # MSOA: an LSOA's name is its MSOA's name plus one letter
    msoa = pd.read_csv(shared / "lookups" / "england_msoa21_names_lad.csv").set_index("MSOA21NM")
    mname = g["LSOA21NM"].str[:-1]
    g["MSOA21CD"] = mname.map(msoa["MSOA21CD"])
    g["MSOA21_NAME"] = mname.map(msoa["MSOA21_HCL_NAME"])
    _add_lookups(shared, g, lad)
    p = pop.set_index("LSOA21CD")
    for c in ["usual_residents", "age_0_15", "age_16_24", "age_25_34", "age_35_49", "age_50_64", "age_65_plus"]:
        g[c] = g["LSOA21CD"].map(p[c]).astype("int32")
    g = g.rename(columns={"usual_residents": "population"})
    g["geometry"] = _tidy(g.geometry.values)
    cols = ["LSOA21CD", "LSOA21NM", "MSOA21CD", "MSOA21_NAME", "LAD_CD", "LAD_NM", "UTLA_CD", "UTLA_NM",
            "HWB_CD", "HWB_NM", "CAUTH_CD", "CAUTH_NM", "RGN_CD", "RGN_NM", "WD24CD", "WD24NM",
            "SICBL26_CD", "SICBL26_NM", "ICB26_CD", "ICB26_NM", "ICB26_DERIVATION",
            "SICBL24_CD", "SICBL24_NM", "ICB24_CD", "ICB24_NM", "PWC_E", "PWC_N",
            "IMD25_RANK", "IMD25_DECILE", "IMD25_SCORE", "IMD25_INCOME_DECILE", "IMD25_EMPLOYMENT_DECILE",
            "IMD25_HEALTH_DECILE", "population",
            "age_0_15", "age_16_24", "age_25_34", "age_35_49", "age_50_64", "age_65_plus", "geometry"]
    return g[cols].sort_values("LSOA21CD").reset_index(drop=True)


def build_lsoa11(shared: Path, pop: pd.DataFrame, lsoa21_raw: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    g = gpd.read_file(shared / "boundaries" / "england_lsoa11_bsc.gpkg")
    look = pd.read_csv(shared / "lookups" / "england_lsoa11_lad19_sicbl_icb_imd.csv")
    g = g.merge(look, on="LSOA11CD", how="left", validate="1:1")
    lad = _lad_lookup(shared).set_index("LADCD")
    g["LAD_CD"] = g["LAD19CD"].map(lad["LADCD_ACTIVE"])
    g["LAD_NM"] = g["LAD19CD"].map(lad["LADNM_ACTIVE"])
    g["RGN_CD"] = g["LAD19CD"].map(lad["RGNCD"])
    g["RGN_NM"] = g["LAD19CD"].map(lad["RGNNM"])
    g = g.rename(columns={"SICBL22CD": "SICBL_CD", "SICBL22NM": "SICBL_NM", "ICB22CD": "ICB_CD",
                          "ICB22NM": "ICB_NM", "IMD19_DECILE": "IMD19_DECILE"})
    p = pop.set_index("LSOA21CD")["usual_residents"]
    direct = g["LSOA11CD"].map(p)
    g["population"] = direct
    g["POP_METHOD"] = np.where(direct.notna(), "census2021_same_code", "estimated_areal_interpolation")
    # Estimate changed codes: each new 2021 LSOA's population is shared among the changed
    # 2011 LSOAs it overlaps, in proportion to overlap area (nearest changed one if none overlap).
    changed = g[direct.isna()].reset_index()
    new21 = lsoa21_raw[~lsoa21_raw["LSOA21CD"].isin(g["LSOA11CD"])].reset_index(drop=True)
    new_pop = new21["LSOA21CD"].map(p).to_numpy(dtype=float)
    tree = shapely.STRtree(changed.geometry.values)
    i21, i11 = tree.query(new21.geometry.values, predicate="intersects")
    inter = shapely.area(shapely.intersection(new21.geometry.values[i21], changed.geometry.values[i11]))
    df = pd.DataFrame({"i21": i21, "i11": i11, "a": inter})
    df = df[df["a"] > 0]
    tot = df.groupby("i21")["a"].transform("sum")
    df["pop"] = new_pop[df["i21"]] * df["a"] / tot
    orphan = np.setdiff1d(np.arange(len(new21)), df["i21"].unique())
    if len(orphan):
        near = tree.query_nearest(new21.geometry.values[orphan], return_distance=False)
        df = pd.concat([df, pd.DataFrame({"i21": orphan[near[0]], "i11": near[1], "a": 0.0,
                                          "pop": new_pop[orphan[near[0]]]})])
    est = df.groupby("i11")["pop"].sum()
    vals = np.zeros(len(changed))
    vals[est.index.to_numpy()] = est.to_numpy()
    g.loc[changed["index"].to_numpy(), "population"] = vals
    g["population"] = g["population"].round().astype("int32")
    g["IMD19_DECILE"] = g["IMD19_DECILE"].astype("Int8")
    g["MSOA11NM"] = g["LSOA11NM"].str[:-1]  # ONS: an LSOA's name is its MSOA's name plus one letter
    g["geometry"] = _tidy(g.geometry.values)
    cols = ["LSOA11CD", "LSOA11NM", "MSOA11NM", "LAD19CD", "LAD_CD", "LAD_NM", "RGN_CD", "RGN_NM", "SICBL_CD",
            "SICBL_NM", "ICB_CD", "ICB_NM", "IMD19_DECILE", "population", "POP_METHOD", "geometry"]
    return g[cols].sort_values("LSOA11CD").reset_index(drop=True)


def _upper_tiers_2011(l11: gpd.GeoDataFrame, l21: gpd.GeoDataFrame, lad: pd.DataFrame) -> gpd.GeoDataFrame:
    """Upper tier, combined authority and HWB of each LSOA 2011 by its current LA (as in the 2021 set)."""
    cur = lad[lad["Current"]].set_index("LADCD")
    hwb = l21.drop_duplicates("UTLA_CD").set_index("UTLA_CD")
    out = l11.copy()
    for col, src in (("UTLA_CD", "UTLACD"), ("UTLA_NM", "UTLANM"), ("CAUTH_CD", "CAUTHCD"), ("CAUTH_NM", "CAUTHNM")):
        out[col] = out["LAD_CD"].map(cur[src])
    out["HWB_CD"] = out["UTLA_CD"].map(hwb["HWB_CD"])
    out["HWB_NM"] = out["UTLA_CD"].map(hwb["HWB_NM"])
    geom = out.pop("geometry")
    return gpd.GeoDataFrame(out.assign(geometry=geom), geometry="geometry", crs=l11.crs)


def build_services(shared: Path) -> pd.DataFrame:
    """One table of service points: dataset, id, name, category fields, easting/northing."""
    s = shared / "services"
    frames = []
    gp = pd.read_csv(s / "gp_practices_england.csv", dtype=str)
    frames.append(pd.DataFrame({"dataset": "gp_practices", "service_id": gp["practice_code"],
                                "name": gp["practice_name"], "setting_group": "general_practice",
                                "setting": "gp practice", "list_size": gp["list_size"],
                                "pcn_code": gp["pcn_code"], "pcn_name": gp["pcn_name"],
                                "easting": gp["easting"], "northing": gp["northing"],
                                "geocode_method": gp["geocode_method"], "lsoa11cd": gp["lsoa11cd"]}))
    ph = pd.read_csv(s / "community_pharmacies_england.csv", dtype=str)
    frames.append(pd.DataFrame({"dataset": "community_pharmacies", "service_id": ph["pharmacy_code"],
                                "name": ph["pharmacy_name"], "setting_group": "community_pharmacy",
                                "setting": "community pharmacy", "easting": ph["easting"],
                                "northing": ph["northing"], "geocode_method": ph["geocode_method"],
                                "lsoa11cd": ph["lsoa11cd"]}))
    od = pd.read_csv(s / "ods_other_prescribing_settings_england.csv", dtype=str)
    frames.append(pd.DataFrame({"dataset": "ods_other_settings", "service_id": od["ods_code"],
                                "name": od["name"], "setting_group": od["setting_group"],
                                "setting": od["setting"], "easting": od["easting"],
                                "northing": od["northing"], "geocode_method": od["geocode_method"]}))
    ho = pd.read_csv(s / "hospitals_nhs_website_england.csv", dtype=str)
    ho = ho[ho["postcode_live_2025"] == "True"]  # drop closed/moved sites (SOURCES.md caveat)
    frames.append(pd.DataFrame({"dataset": "hospitals", "service_id": ho["ods_code"], "name": ho["name"],
                                "parent_code": ho["parent_ods_code"],
                                "setting_group": "hospital_site", "setting": ho["subtype"] + " / " + ho["sector"],
                                "easting": ho["easting"], "northing": ho["northing"],
                                "geocode_method": ho["geocode_method"]}))
    cdc = pd.read_csv(s / "nhs_cdc_and_elective_hubs_england.csv", dtype=str)
    frames.append(pd.DataFrame({"dataset": "cdc_and_elective_hubs",
                                "service_id": cdc["site_type"] + ":" + cdc["postcode"],
                                "name": cdc["name"], "setting_group": cdc["site_type"], "setting": cdc["site_type"],
                                "easting": cdc["easting"], "northing": cdc["northing"],
                                "geocode_method": "published_latlon"}))
    de = pd.read_csv(s / "dental_practices_england.csv", dtype=str)
    de = de[de["status"] == "A"]  # active practices only (346 closed dropped)
    frames.append(pd.DataFrame({"dataset": "dental_practices", "service_id": de["org_code"], "name": de["name"],
                                "setting_group": "dental_practice", "setting": "general dental practice",
                                "easting": de["easting"], "northing": de["northing"],
                                "geocode_method": "codepoint_postcode"}))
    out = pd.concat(frames, ignore_index=True)
    out["easting"] = pd.to_numeric(out["easting"], errors="coerce")
    out["northing"] = pd.to_numeric(out["northing"], errors="coerce")
    out["list_size"] = pd.to_numeric(out["list_size"], errors="coerce").astype("Int32")
    out = out.dropna(subset=["easting", "northing"]).reset_index(drop=True)
    return out


MH_TRUSTS_MISSING = {  # SOURCES.md: mental-health trusts absent from the 2022 CQC list (T-coded)
    "TAD": "Bradford District Care NHS Foundation Trust",
    "TAF": "Camden and Islington NHS Foundation Trust",
    "TAH": "Sheffield Health and Social Care NHS Foundation Trust",
    "TAJ": "Black Country Healthcare NHS Foundation Trust",
}


def build_trusts(shared: Path) -> pd.DataFrame:
    """NHS trusts with their CQC category and a ``mental_health`` flag, the list's known gaps filled.

    The four T-coded mental-health trusts missing from the 2022 list are added; RHA (Nottinghamshire
    Healthcare, a mental-health and community trust) is listed by CQC as "Acute hospital - NHS specialist"
    and flagged mental health; ``category_source`` says which rows were changed and why.
    """
    t = pd.read_csv(shared / "services" / "nhs_trusts_cqc_category_2022.csv", dtype=str)
    t = t[["trust_code", "trust_name", "primary_category"]].copy()
    t["mental_health"] = t["primary_category"].fillna("").str.startswith("Mental health")
    t["category_source"] = np.where(t["primary_category"].isna(), "no category in CQC 2022 list", "CQC 2022")
    rha = t["trust_code"] == "RHA"
    t.loc[rha, "mental_health"] = True
    t.loc[rha, "category_source"] = "CQC 2022 says acute specialist; mental-health trust (SOURCES.md caveat)"
    add = pd.DataFrame({"trust_code": list(MH_TRUSTS_MISSING), "trust_name": list(MH_TRUSTS_MISSING.values()),
                        "primary_category": pd.NA, "mental_health": True,
                        "category_source": "not in CQC 2022 list; mental-health trust (SOURCES.md known gap)"})
    out = pd.concat([t, add[~add["trust_code"].isin(t["trust_code"])]], ignore_index=True)
    return out.sort_values("trust_code").reset_index(drop=True)


def build_gp_registrations(shared: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Practice x LSOA 2021 registered patients (July 2022, estimated onto 2021 codes) with today's PCN.

    Returns the table and the practices whose code is not in the current practice list (ODS Feb 2026),
    with their patients: kept in the table (``pcn_code`` NA), reported, never dropped.
    """
    s = shared / "services"
    reg = pd.read_csv(s / "gp_registered_patients_by_lsoa21_jul2022_estimated.csv.gz",
                      dtype={"PRACTICE_CODE": str, "LSOA21_CODE": str})
    reg = reg[reg["LSOA21_CODE"].str.startswith("E01")]
    gp = pd.read_csv(s / "gp_practices_england.csv", dtype=str).set_index("practice_code")
    out = pd.DataFrame({"practice_code": reg["PRACTICE_CODE"].to_numpy(), "lsoa21cd": reg["LSOA21_CODE"].to_numpy(),
                        "patients": reg["NUMBER_OF_PATIENTS_EST"].astype("float32").to_numpy()})
    out["pcn_code"] = out["practice_code"].map(gp["pcn_code"])
    out["practice_current"] = out["practice_code"].isin(gp.index)
    out = out.sort_values(["practice_code", "lsoa21cd"]).reset_index(drop=True)
    gone = (out[~out["practice_current"]].groupby("practice_code", as_index=False)
            .agg(patients=("patients", "sum"), lsoas=("lsoa21cd", "size")))
    gone["patients"] = gone["patients"].round(1)
    return out, gone.sort_values("practice_code").reset_index(drop=True)


def build_postcodes(shared: Path) -> pd.DataFrame:
    """Code-Point Open 2025.2, England: postcode (as published) + int32 easting/northing; (0,0) rows dropped."""
    pc = pd.read_csv(shared / "lookups" / "england_postcodes_codepoint_open_2025_2.csv.gz",
                     usecols=["postcode", "easting", "northing", "pq"], dtype={"postcode": str})
    pc = pc[(pc["pq"] != 90) & ~((pc["easting"] == 0) & (pc["northing"] == 0))]
    out = pd.DataFrame({"postcode": pc["postcode"].to_numpy(), "easting": pc["easting"].astype("int32").to_numpy(),
                        "northing": pc["northing"].astype("int32").to_numpy()})
    return out.sort_values("postcode").drop_duplicates("postcode").reset_index(drop=True)


def build_geonames_places(shared: Path) -> pd.DataFrame:
    """Towns, villages and city districts people name (GeoNames cities500, England; CC BY 4.0), for naming
    neighbourhoods: name, population (GeoNames' figure, for ranking), BNG point and the LA holding it."""
    g = pd.read_csv(shared / "lookups" / "geonames_england_places.csv", dtype={"LAD_CD": "string"})
    g = g[g["LAD_CD"].notna()]
    out = pd.DataFrame({"name": g["name"].astype(str), "population": g["population"].astype("int64"),
                        "easting": g["easting"].round().astype("int64"),
                        "northing": g["northing"].round().astype("int64"),
                        "la_code": g["LAD_CD"].astype(str)})
    return out.sort_values(["la_code", "population", "name"], ascending=[True, False, True]).reset_index(drop=True)


def _write_registrations(reg: pd.DataFrame, path: Path) -> None:
    """Sorted by practice: codes dictionary-encoded, LSOA codes prefix-shared, counts byte-split (1.9 MB, not 2.3)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pandas(reg, preserve_index=False), path, compression="zstd", compression_level=19,
                   use_dictionary=["practice_code", "pcn_code"],
                   column_encoding={"lsoa21cd": "DELTA_BYTE_ARRAY", "patients": "BYTE_STREAM_SPLIT",
                                    "practice_current": "RLE"})


def _write_postcodes(pcs: pd.DataFrame, path: Path) -> None:
    """Sorted postcodes share prefixes and neighbours share coordinates: delta encodings halve the file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(pcs, preserve_index=False)
    pq.write_table(table, path, compression="zstd", compression_level=19, use_dictionary=False,
                   column_encoding={"postcode": "DELTA_BYTE_ARRAY", "easting": "DELTA_BINARY_PACKED",
                                    "northing": "DELTA_BINARY_PACKED"})


def build_crossings(max_gap_m: float = 450.0) -> pd.DataFrame:
    """Short water crossings of the LSOA 2021 set (u_code, v_code, gap_m): shore LSOAs (boundary not all shared
    with a land neighbour) of different banks at most ``max_gap_m`` apart that share no land border — a tidal river
    people cross by its bridges (the Thames through London). Wider water (the Thames estuary, the Solent) has
    none. Used by coverage so that "nearby" never counts a service across water with no crossing."""
    import shapely

    from nhgeo.geo.graph import _shipped_edges
    from nhgeo.sources.boundaries import load_embedded

    units = load_embedded(2021)
    codes = units["code"].astype(str).to_numpy()
    geoms = np.asarray(units.geometry.values)
    edges = _shipped_edges(2021)
    pos = pd.Series(np.arange(len(codes)), index=codes)
    u = pos[edges["u_code"]].to_numpy()
    v = pos[edges["v_code"]].to_numpy()
    shared = np.bincount(u, weights=edges["border_m"], minlength=len(codes)) + np.bincount(
        v, weights=edges["border_m"], minlength=len(codes))
    shore = np.flatnonzero(shapely.length(geoms) - shared > 50.0)
    tree = shapely.STRtree(geoms[shore])
    a, b = tree.query(geoms[shore], predicate="dwithin", distance=max_gap_m)
    a, b = shore[a], shore[b]
    keep = a < b
    a, b = a[keep], b[keep]
    land = set((np.minimum(u, v) * len(codes) + np.maximum(u, v)).tolist())
    new = ~np.isin(a * len(codes) + b, np.array(sorted(land), dtype=np.int64))
    a, b = a[new], b[new]
    gap = shapely.distance(geoms[a], geoms[b])
    out = pd.DataFrame({"u_code": codes[a], "v_code": codes[b], "gap_m": np.round(gap, 1)})
    return out.sort_values(["u_code", "v_code"]).reset_index(drop=True)


def build_adjacency() -> dict[str, int]:
    """Land edges of each embedded LSOA set over all England (see nhgeo.geo.graph), from the files just written."""
    from nhgeo.geo.graph import land_edges
    from nhgeo.sources.boundaries import load_embedded

    counts = {}
    for vintage in (2021, 2011):
        units = load_embedded(vintage)
        codes = units["code"].astype(str).to_numpy()
        u, v, length, snapped = land_edges(units, precomputed=False)
        edges = pd.DataFrame({"u_code": codes[u], "v_code": codes[v], "border_m": np.round(length, 3),
                              "snapped": snapped})
        edges.to_parquet(OUT / f"lsoa{vintage % 100}_adjacency.parquet", compression="zstd", index=False)
        counts[f"lsoa{vintage % 100}_land_edges"] = len(edges)
    return counts


def _changed_icb(l21: pd.DataFrame) -> int:
    """LSOAs whose April 2026 ICB is not their 2024 ICB (SOURCES.md: 10,207)."""
    return int((l21["ICB26_CD"] != l21["ICB24_CD"]).sum())


# ---- issue 24: need profiles, QOF, July 2026 practices, April 2026 ICB outlines ---------------------------

NEED_COLUMNS = {  # embedded column -> (TS table, source column(s) summed); each table keeps its own total
    "health_total": ("ts037", ["General health: Total: All usual residents"]),
    "health_bad": ("ts037", ["General health: Bad health", "General health: Very bad health"]),
    "disability_total": ("ts038", ["Disability: Total: All usual residents"]),
    "disabled_lot": ("ts038", ["Disability: Disabled under the Equality Act: Day-to-day activities limited a lot"]),
    "disabled_little": ("ts038", ["Disability: Disabled under the Equality Act: Day-to-day activities limited a "
                                  "little"]),
    "ltc_not_limiting": ("ts038", ["Disability: Not disabled under the Equality Act: Has long term physical or "
                                   "mental health condition but day-to-day activities are not limited"]),
    "care_total": ("ts039", ["Provision of unpaid care: Total: All usual residents aged 5 and over"]),
    "care_none": ("ts039", ["Provision of unpaid care: Provides no unpaid care"]),
    "care_50h": ("ts039", ["Provision of unpaid care: Provides 50 or more hours unpaid care a week"]),
}
NEED_FILES = {"ts037": "census2021_ts037_general_health_lsoa21.csv.gz",
              "ts038": "census2021_ts038_disability_lsoa21.csv.gz",
              "ts039": "census2021_ts039_unpaid_care_lsoa21.csv.gz"}


def build_need(shared: Path) -> pd.DataFrame:
    """Census 2021 TS037/TS038/TS039 for England LSOA 2021: only the counts the profiles use, int32.

    Carers = the table's total minus "provides no unpaid care" (so every band of care counts once).
    """
    tables = {k: pd.read_csv(shared / "health" / f, dtype={"LSOA21CD": str}).set_index("LSOA21CD")
              for k, f in NEED_FILES.items()}
    codes = sorted(c for c in tables["ts037"].index if c.startswith("E01"))
    out = pd.DataFrame({"LSOA21CD": codes})
    for col, (table, cols) in NEED_COLUMNS.items():
        t = tables[table]
        out[col] = t.loc[codes, cols].sum(axis=1).astype("int32").to_numpy()
    out["carers"] = (out["care_total"] - out["care_none"]).astype("int32")
    return out.drop(columns="care_none")


QOF_LIST_TYPES = ("TOTAL", "06OV", "16OV", "17OV", "18OV", "50OV")


def build_qof(shared: Path) -> pd.DataFrame:
    """QOF 2024-25 registers by practice, wide: one int32 column per register (21) and per list type (the
    register's own age group: ``list_TOTAL``, ``list_18OV``, ...); ``group_list`` in the attrs says which."""
    q = pd.read_csv(shared / "health" / "qof_prevalence_2024_25_by_practice.csv.gz", dtype={"PRACTICE_CODE": str})
    reg = q.pivot(index="PRACTICE_CODE", columns="GROUP_CODE", values="REGISTER").astype("int32")
    lists = (q.drop_duplicates(["PRACTICE_CODE", "PATIENT_LIST_TYPE"])
             .pivot(index="PRACTICE_CODE", columns="PATIENT_LIST_TYPE", values="PRACTICE_LIST_SIZE"))
    lists = lists[list(QOF_LIST_TYPES)].fillna(0).astype("int32").add_prefix("list_")
    out = reg.join(lists).reset_index().rename(columns={"PRACTICE_CODE": "practice_code"})
    return out.sort_values("practice_code").reset_index(drop=True)


def qof_groups(shared: Path) -> dict[str, str]:
    """Register -> the list type its prevalence is over (AF -> TOTAL, DM -> 17OV, ...)."""
    q = pd.read_csv(shared / "health" / "qof_prevalence_2024_25_by_practice.csv.gz",
                    usecols=["GROUP_CODE", "PATIENT_LIST_TYPE"]).drop_duplicates()
    if q["GROUP_CODE"].duplicated().any():
        raise SystemExit("QOF: a register with more than one list type")
    return dict(sorted(zip(q["GROUP_CODE"], q["PATIENT_LIST_TYPE"], strict=True)))


def build_practices_2026(shared: Path) -> pd.DataFrame:
    """July 2026 practice -> PCN -> sub-ICB -> ICB (April 2026) with each practice's registered list (all ages)
    and its July 2022 patients by LSOA of residence in total (England and Wales), which the registered
    population and the QOF method share out. PCN code ``U`` (no PCN) becomes NA."""
    s = shared / "services"
    m = pd.read_csv(s / "gp_practice_pcn_icb_map_jul2026.csv", dtype=str)
    age = pd.read_csv(s / "gp_registered_patients_by_practice_age_jul2026.csv.gz", dtype={"PRACTICE_CODE": str})
    tot = age[(age["SEX"] == "ALL") & (age["AGE_GROUP_5"] == "ALL")].set_index("PRACTICE_CODE")["NUMBER_OF_PATIENTS"]
    out = pd.DataFrame({"practice_code": m["PRACTICE_CODE"], "practice_name": m["PRACTICE_NAME"],
                        "pcn_code": m["PCN_CODE"].where(m["PCN_CODE"] != "U"),
                        "pcn_name": m["PCN_NAME"].where(m["PCN_CODE"] != "U"),
                        "sicbl_code": m["ONS_SUB_ICB_LOCATION_CODE"], "icb_code": m["ONS_ICB_CODE"],
                        "icb_name": m["ICB_NAME"]})
    out["list_size"] = out["practice_code"].map(tot).astype("int32")
    return out.sort_values("practice_code").reset_index(drop=True)


def registration_totals(shared: Path) -> pd.DataFrame:
    """Each practice's July 2022 patients over every LSOA (England and Wales): the denominator of its shares."""
    reg = pd.read_csv(shared / "services" / "gp_registered_patients_by_lsoa21_jul2022_estimated.csv.gz",
                      dtype={"PRACTICE_CODE": str, "LSOA21_CODE": str})
    eng = reg["LSOA21_CODE"].str.startswith("E01")
    # summed from the float32 counts the embedded registrations hold, in float64: shares then add up to exactly 1
    pat = reg["NUMBER_OF_PATIENTS_EST"].astype("float32").astype("float64")
    t = pd.DataFrame({"patients_jul2022": pat.groupby(reg["PRACTICE_CODE"]).sum(),
                      "patients_jul2022_england": pat[eng].groupby(reg.loc[eng, "PRACTICE_CODE"]).sum()})
    t = t.fillna(0.0)
    t.index.name = "practice_code"
    return t.reset_index()


def build_icb26_outlines(shared: Path) -> tuple[gpd.GeoDataFrame, dict[str, int]]:
    """The official April 2026 ICB outlines (BSC), 1 m grid; and the check of the rebuilt LSOA lookup against them:
    how many population-weighted centroids fall in the polygon of the ICB the lookup gives."""
    g = gpd.read_file(shared / "boundaries" / "england_icb26_bsc.gpkg")[["ICB26CD", "ICB26NM", "geometry"]]
    g = g.sort_values("ICB26CD").reset_index(drop=True)
    g["geometry"] = _tidy(g.geometry.values)
    pwc = pd.read_csv(shared / "lookups" / "england_lsoa21_population_weighted_centroids.csv", dtype={"LSOA21CD": str})
    lk = pd.read_csv(shared / "lookups" / "england_lsoa21_sicbl26_icb26.csv.gz", dtype=str).set_index("lsoa21_code")
    check = icb_outline_check(g, pwc["LSOA21CD"].to_numpy(), pwc["easting"].to_numpy(), pwc["northing"].to_numpy(),
                              pwc["LSOA21CD"].map(lk["icb26_code"]).to_numpy())
    return g, check


def icb_outline_check(outlines: gpd.GeoDataFrame, codes: np.ndarray, x: np.ndarray, y: np.ndarray,
                      icb: np.ndarray) -> dict[str, int]:
    """Centroids in some outline, and of those how many in the outline of their lookup ICB (same as the runtime)."""
    pts = shapely.points(x, y)
    tree = shapely.STRtree(outlines.geometry.values)
    ip, io = tree.query(pts, predicate="within")
    holder = pd.Series(outlines["ICB26CD"].to_numpy()[io], index=ip)
    holder = holder[~holder.index.duplicated()]
    inside = np.zeros(len(codes), dtype=bool)
    inside[holder.index.to_numpy()] = True
    agree = np.zeros(len(codes), dtype=bool)
    agree[holder.index.to_numpy()] = holder.to_numpy() == icb[holder.index.to_numpy()]
    return {"icb26_outline_centroids": len(codes), "icb26_outline_centroids_inside": int(inside.sum()),
            "icb26_outline_centroids_agree": int(agree.sum())}


def _small_parquet(df: pd.DataFrame, path: Path, dictionary: list[str] | None = None) -> None:
    """zstd level 19, strings dictionary-encoded only where asked (sorted codes compress better delta-encoded)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path, compression="zstd", compression_level=19,
                   use_dictionary=dictionary or False)


def build_need_data(shared: Path) -> dict[str, object]:
    """Issue 24's embedded files (rebuilt alone with ``--need-only``) and their figures for BUILD_SUMMARY."""
    need = build_need(shared)
    _small_parquet(need, OUT / "census2021_lsoa21_need.parquet")
    totals = registration_totals(shared).set_index("practice_code")
    qof = build_qof(shared)
    for c in ("patients_jul2022", "patients_jul2022_england"):
        qof[c] = qof["practice_code"].map(totals[c]).fillna(0.0)
    _small_parquet(qof, OUT / "qof_2024_25_practices.parquet")
    groups = qof_groups(shared)
    from nhgeo.sources.health import QOF_REGISTERS

    if groups != {k: v[1] for k, v in QOF_REGISTERS.items()}:
        raise SystemExit(f"QOF registers differ from nhgeo.sources.health.QOF_REGISTERS: {groups}")
    prac = build_practices_2026(shared)
    for c in ("patients_jul2022", "patients_jul2022_england"):
        prac[c] = prac["practice_code"].map(totals[c]).fillna(0.0)
    _small_parquet(prac, OUT / "gp_practices_jul2026.parquet", dictionary=["pcn_code", "pcn_name", "sicbl_code",
                                                                            "icb_code", "icb_name"])
    icb, check = build_icb26_outlines(shared)
    icb.to_parquet(OUT / "icb26_outlines.parquet", compression="zstd", index=False)
    reg_practices = set(totals.index)
    return {
        "need_lsoas": len(need), "need_health_total": int(need["health_total"].sum()),
        "qof_practices": len(qof), "qof_registers": len(groups),
        "qof_practices_without_lsoa_distribution": int((qof["patients_jul2022"] <= 0).sum()),
        "qof_diabetes_register": int(qof["DM"].sum()), "qof_hypertension_register": int(qof["HYP"].sum()),
        "practices_jul2026": len(prac), "practices_jul2026_patients": int(prac["list_size"].sum()),
        "practices_jul2026_pcns": int(prac["pcn_code"].nunique()),
        "practices_jul2026_no_pcn": int(prac["pcn_code"].isna().sum()),
        "practices_jul2026_without_lsoa_distribution": int((~prac["practice_code"].isin(reg_practices)).sum()),
        "practices_jul2022_not_in_jul2026": len(reg_practices - set(prac["practice_code"])),
        "icb26_outlines": len(icb), **check,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--crossings-only", action="store_true",
                    help="only rebuild lsoa21_crossings.parquet (short water crossings, for coverage distances)")
    ap.add_argument("--places-only", action="store_true",
                    help="only rebuild geonames_places.csv (the place names used to name neighbourhoods)")
    ap.add_argument("--adjacency-only", action="store_true",
                    help="only recompute the adjacency files from the boundaries already in boundaries/")
    ap.add_argument("--need-only", action="store_true",
                    help="only rebuild the need-profile, QOF, July 2026 practice and ICB outline files (issue 24)")
    args = ap.parse_args()
    shared: Path = args.shared
    OUT.mkdir(exist_ok=True)
    if args.crossings_only:
        build_crossings().to_parquet(OUT / "lsoa21_crossings.parquet", compression="zstd", index=False)
        return
    if args.places_only:
        build_geonames_places(shared).to_csv(OUT / "geonames_places.csv", index=False)
        return
    if args.need_only:
        summary = json.loads((OUT / "BUILD_SUMMARY.json").read_text())
        summary.update(build_need_data(shared))
        (OUT / "BUILD_SUMMARY.json").write_text(json.dumps(summary, indent=2) + "\n")
        print(json.dumps(summary, indent=2))
        return
    if args.adjacency_only:
        summary = json.loads((OUT / "BUILD_SUMMARY.json").read_text())
        summary.update(build_adjacency())
        (OUT / "BUILD_SUMMARY.json").write_text(json.dumps(summary, indent=2) + "\n")
        print(json.dumps(summary, indent=2))
        return
    pop_all = pd.read_csv(shared / "population" / "census2021_lsoa21_usual_residents_by_age.csv")
    pop_all.to_parquet(OUT / "census2021_lsoa21_population.parquet", compression="zstd", index=False)
    raw21 = gpd.read_file(shared / "boundaries" / "england_lsoa21_bgc.gpkg", columns=["LSOA21CD", "LAD_ACTIVE_CD"])
    raw21 = raw21.sort_values("LSOA21CD").reset_index(drop=True)
    l11 = build_lsoa11(shared, pop_all, raw21)
    l21 = build_lsoa21(shared, pop_all)
    l21.to_parquet(OUT / "lsoa21_england.parquet", compression="zstd", index=False)
    l11 = _upper_tiers_2011(l11, l21, _lad_lookup(shared))
    l11.to_parquet(OUT / "lsoa11_england.parquet", compression="zstd", index=False)
    svc = build_services(shared)
    svc.to_parquet(OUT / "services_england.parquet", compression="zstd", index=False)
    lad = _lad_lookup(shared)
    lad.to_csv(OUT / "lad_codes.csv", index=False)
    trusts = build_trusts(shared)
    trusts.to_parquet(OUT / "nhs_trusts.parquet", compression="zstd", index=False)
    reg, gone = build_gp_registrations(shared)
    _write_registrations(reg, OUT / "gp_registrations_lsoa21.parquet")
    gone.to_csv(OUT / "gp_registrations_practices_not_current.csv", index=False)
    pcs = build_postcodes(shared)
    _write_postcodes(pcs, OUT / "postcodes_england.parquet")
    names = build_geonames_places(shared)
    names.to_csv(OUT / "geonames_places.csv", index=False)
    eng21 = int(pop_all[pop_all["LSOA21CD"].str.startswith("E")]["usual_residents"].sum())
    summary = {
        "lsoa21_rows": len(l21), "lsoa21_population": int(l21["population"].sum()),
        "lsoa21_la_codes_mapped_forward": int((l21["LAD_CD"] != raw21["LAD_ACTIVE_CD"]).sum()),
        "lsoa21_las": int(l21["LAD_CD"].nunique()),
        "lsoa21_icb26": int(l21["ICB26_CD"].nunique()), "lsoa21_icb24": int(l21["ICB24_CD"].nunique()),
        "lsoa21_sicbl26": int(l21["SICBL26_CD"].nunique()), "lsoa21_sicbl24": int(l21["SICBL24_CD"].nunique()),
        "lsoa21_changed_icb_2024_2026": int(_changed_icb(l21)),
        "lsoa21_icb26_frimley_lsoas_split_by_county": int(l21["SICBL24_NM"].str.contains("Frimley").sum()),
        "lsoa21_icb26_lsoas_in_rebuilt_sicbls": int((l21["ICB26_DERIVATION"] != "retained_sicbl").sum()),
        "lsoa21_utlas": int(l21["UTLA_CD"].nunique()), "lsoa21_hwbs": int(l21["HWB_CD"].nunique()),
        "lsoa21_combined_authorities": int(l21["CAUTH_CD"].nunique()),
        "lsoa21_wards": int(l21["WD24CD"].nunique()),
        "lsoa11_utla_missing": int(l11["UTLA_CD"].isna().sum()), "lsoa11_hwb_missing": int(l11["HWB_CD"].isna().sum()),
        "lsoa21_imd25_missing": int(l21["IMD25_DECILE"].isna().sum()),
        "lsoa11_rows": len(l11), "lsoa11_population": int(l11["population"].sum()),
        "lsoa11_estimated": int((l11["POP_METHOD"] != "census2021_same_code").sum()),
        "england_census2021_total": eng21,
        "lsoa11_total_error_pct": round(100 * (int(l11["population"].sum()) - eng21) / eng21, 4),
        "services_rows": len(svc),
        "services_by_dataset": {k: int(v) for k, v in svc["dataset"].value_counts().sort_index().items()},
        "nhs_trusts": len(trusts), "nhs_trusts_mental_health": int(trusts["mental_health"].sum()),
        "gp_registrations_rows": len(reg), "gp_registrations_practices": int(reg["practice_code"].nunique()),
        "gp_registrations_patients": round(float(reg["patients"].sum())),
        "gp_registrations_practices_not_current": len(gone),
        "gp_registrations_patients_not_current": round(float(gone["patients"].sum())),
        "postcodes_rows": len(pcs), "geonames_places": len(names),
    }
    summary.update(build_adjacency())
    crossings = build_crossings()
    crossings.to_parquet(OUT / "lsoa21_crossings.parquet", compression="zstd", index=False)
    summary["lsoa21_crossings"] = len(crossings)
    summary.update(build_need_data(shared))
    (OUT / "BUILD_SUMMARY.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
