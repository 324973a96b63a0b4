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


def build_lsoa21(shared: Path, lsoa11: gpd.GeoDataFrame, pop: pd.DataFrame) -> gpd.GeoDataFrame:
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
    # ICB: per LSOA, from the 2011 lookup where unchanged, else by interior point in LSOA11
    l11 = lsoa11.set_index("LSOA11CD")
    icb = g["LSOA21CD"].map(l11["ICB_CD"])
    g["ICB_METHOD"] = np.where(icb.notna(), "lsoa11_code_unchanged", "interior_point_in_lsoa11")
    missing = icb.isna().to_numpy()
    pts = shapely.point_on_surface(g.geometry.values[missing])
    tree = shapely.STRtree(lsoa11.geometry.values)
    idx_pt, idx_poly = tree.query(pts, predicate="within")
    hit = pd.Series(idx_poly, index=idx_pt)
    hit = hit[~hit.index.duplicated()]
    pos = np.full(len(pts), -1)
    pos[hit.index.to_numpy()] = hit.to_numpy()
    if (pos < 0).any():  # points outside the super-generalised 2011 shapes: nearest one
        nearest = tree.query_nearest(pts[pos < 0], return_distance=False)[1]
        pos[pos < 0] = nearest
    icb_vals = icb.to_numpy(dtype=object)
    icb_vals[missing] = lsoa11["ICB_CD"].to_numpy()[pos]
    g["ICB_CD"] = icb_vals
    icb_names = lsoa11.drop_duplicates("ICB_CD").set_index("ICB_CD")["ICB_NM"]
    g["ICB_NM"] = g["ICB_CD"].map(icb_names)
    g["IMD19_DECILE"] = g["LSOA21CD"].map(l11["IMD19_DECILE"]).astype("Int8")
    p = pop.set_index("LSOA21CD")
    for c in ["usual_residents", "age_0_15", "age_16_24", "age_25_34", "age_35_49", "age_50_64", "age_65_plus"]:
        g[c] = g["LSOA21CD"].map(p[c]).astype("int32")
    g = g.rename(columns={"usual_residents": "population"})
    g["geometry"] = _tidy(g.geometry.values)
    cols = ["LSOA21CD", "LSOA21NM", "MSOA21CD", "MSOA21_NAME", "LAD_CD", "LAD_NM", "UTLA_CD", "UTLA_NM",
            "RGN_CD", "RGN_NM", "ICB_CD", "ICB_NM", "ICB_METHOD", "IMD19_DECILE", "population",
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
    g["geometry"] = _tidy(g.geometry.values)
    cols = ["LSOA11CD", "LSOA11NM", "LAD19CD", "LAD_CD", "LAD_NM", "RGN_CD", "RGN_NM", "SICBL_CD",
            "SICBL_NM", "ICB_CD", "ICB_NM", "IMD19_DECILE", "population", "POP_METHOD", "geometry"]
    return g[cols].sort_values("LSOA11CD").reset_index(drop=True)


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
                                "setting_group": "hospital_site", "setting": ho["subtype"] + " / " + ho["sector"],
                                "easting": ho["easting"], "northing": ho["northing"],
                                "geocode_method": ho["geocode_method"]}))
    cdc = pd.read_csv(s / "nhs_cdc_and_elective_hubs_england.csv", dtype=str)
    frames.append(pd.DataFrame({"dataset": "cdc_and_elective_hubs",
                                "service_id": cdc["site_type"] + ":" + cdc["postcode"],
                                "name": cdc["name"], "setting_group": cdc["site_type"], "setting": cdc["site_type"],
                                "easting": cdc["easting"], "northing": cdc["northing"],
                                "geocode_method": "published_latlon"}))
    out = pd.concat(frames, ignore_index=True)
    out["easting"] = pd.to_numeric(out["easting"], errors="coerce")
    out["northing"] = pd.to_numeric(out["northing"], errors="coerce")
    out["list_size"] = pd.to_numeric(out["list_size"], errors="coerce").astype("Int32")
    out = out.dropna(subset=["easting", "northing"]).reset_index(drop=True)
    return out


def build_adjacency() -> dict[str, int]:
    """Land edges of each embedded LSOA set over all England (see nhgeo.graph), from the files just written."""
    from nhgeo.boundaries import load_embedded
    from nhgeo.graph import land_edges

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--adjacency-only", action="store_true",
                    help="only recompute the adjacency files from the boundaries already in boundaries/")
    args = ap.parse_args()
    shared: Path = args.shared
    OUT.mkdir(exist_ok=True)
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
    l11.to_parquet(OUT / "lsoa11_england.parquet", compression="zstd", index=False)
    l21 = build_lsoa21(shared, l11, pop_all)
    l21.to_parquet(OUT / "lsoa21_england.parquet", compression="zstd", index=False)
    svc = build_services(shared)
    svc.to_parquet(OUT / "services_england.parquet", compression="zstd", index=False)
    lad = _lad_lookup(shared)
    lad.to_csv(OUT / "lad_codes.csv", index=False)
    eng21 = int(pop_all[pop_all["LSOA21CD"].str.startswith("E")]["usual_residents"].sum())
    summary = {
        "lsoa21_rows": len(l21), "lsoa21_population": int(l21["population"].sum()),
        "lsoa21_la_codes_mapped_forward": int((l21["LAD_CD"] != raw21["LAD_ACTIVE_CD"]).sum()),
        "lsoa21_las": int(l21["LAD_CD"].nunique()),
        "lsoa21_icb_by_interior_point": int((l21["ICB_METHOD"] != "lsoa11_code_unchanged").sum()),
        "lsoa11_rows": len(l11), "lsoa11_population": int(l11["population"].sum()),
        "lsoa11_estimated": int((l11["POP_METHOD"] != "census2021_same_code").sum()),
        "england_census2021_total": eng21,
        "lsoa11_total_error_pct": round(100 * (int(l11["population"].sum()) - eng21) / eng21, 4),
        "services_rows": len(svc),
    }
    summary.update(build_adjacency())
    (OUT / "BUILD_SUMMARY.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
