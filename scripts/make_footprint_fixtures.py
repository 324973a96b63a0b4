"""Build the real-data footprint fixtures of issue 21 under tests/data/ (small; committed).

* ``ncl_footprint.xlsx`` / ``.ods``: the North Central London example footprint (configs/examples) as a council
  would keep it: an "About" sheet, a "Neighbourhood names" sheet, and the "LSOA map" sheet under a title block,
  with codes in the forms they arrive in (some lower case, some with trailing or inner spaces).
* ``manchester_wards_localities.csv``: Manchester's 32 electoral wards (2024 codes from the embedded best-fit
  lookup) -> three localities (North, Central, South: the city's three locality areas; wards split by the
  northing of their LSOAs' population-weighted centroids, a stand-in for the published list), UTF-8 with a
  byte-order mark and Windows line endings, plus one pre-2018 ward code that the 2024 lookup does not know.
* ``camden_practices.csv``: Camden's GP practices (codes and PCNs from the embedded registrations' practice
  -> PCN map; names from the embedded practice list) -> neighbourhood = their PCN.
* ``camden_pcns.csv``: Camden's PCNs -> two neighbourhoods (north / south by the PCN's practices' northing).

Run: PYTHONPATH=src:. python scripts/make_footprint_fixtures.py
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
from tests.spreadsheets import write_workbook

from nhgeo.footprints.codes import practice_pcns
from nhgeo.sources.data import get_path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data"


def ncl_workbooks() -> None:
    d = tomllib.loads((ROOT / "configs" / "examples" / "north_central_london.toml").read_text())
    place_of = {n: p["id"] for p in d.get("places", []) for n in p["neighbourhoods"]}
    rows: list[list[object]] = [["North Central London neighbourhood footprint"], ["Signed off by the ICB board"],
                                [], ["LSOA Code", "Neighbourhood", "Place"]]
    for n in d["neighbourhoods"]:
        for i, c in enumerate(n["lsoas"]):
            code = c.lower() if i % 7 == 3 else c + "  " if i % 7 == 5 else c[:3] + " " + c[3:] if i % 11 == 6 else c
            rows.append([code, n["id"], place_of.get(n["id"], "")])
    names = [["Neighbourhood", "Name"]] + [[n["id"], n["name"]] for n in d["neighbourhoods"]]
    about = [["About"], ["Neighbourhood footprint for North Central London (LSOA 2021)."],
             ["Source: nhgeo example footprint (configs/examples/north_central_london.toml)."]]
    for suffix in (".xlsx", ".ods"):
        write_workbook(OUT / f"ncl_footprint{suffix}", {"About": about, "Neighbourhood names": names,
                                                        "LSOA map": rows})


def manchester_wards() -> None:
    lk = pd.read_parquet(get_path("lsoa21"), columns=["LSOA21CD", "WD24CD", "WD24NM", "LAD_NM", "PWC_N"])
    man = lk[lk["LAD_NM"] == "Manchester"]
    wards = man.groupby(["WD24CD", "WD24NM"])["PWC_N"].mean().reset_index().sort_values("PWC_N")
    third = len(wards) // 3
    loc = ["South"] * third + ["Central"] * third + ["North"] * (len(wards) - 2 * third)
    wards = wards.assign(locality=loc).sort_values("WD24CD")
    lines = ["Ward code,Ward name,Locality"] + [f"{c},{n},{x}" for c, n, x in
                                                  wards[["WD24CD", "WD24NM", "locality"]].itertuples(index=False)]
    lines.append("E05000698,Ardwick (2004-2018 ward),Central")  # a pre-2018 Manchester ward code
    (OUT / "manchester_wards_localities.csv").write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))


def camden() -> None:
    lk = pd.read_parquet(get_path("lsoa21"), columns=["LSOA21CD", "LAD_NM"])
    camden_lsoas = set(lk.loc[lk["LAD_NM"] == "Camden", "LSOA21CD"])
    svc = pd.read_parquet(get_path("services"))
    gp = svc[svc["dataset"] == "gp_practices"]
    pcn = practice_pcns()
    # Camden's practices: those whose registered patients mostly live in Camden
    reg = pd.read_parquet(get_path("gp_registrations"), columns=["practice_code", "lsoa21cd", "patients"])
    share = reg.assign(cam=reg["lsoa21cd"].isin(camden_lsoas) * reg["patients"]).groupby("practice_code")[
        ["cam", "patients"]].sum()
    codes = sorted(share.index[(share["cam"] / share["patients"]) > 0.5])
    prac = pcn[pcn["practice_code"].isin(codes)]
    names = gp.set_index("service_id")["name"]
    df = pd.DataFrame({"Practice code": prac["practice_code"].str.lower().where(prac.index % 5 == 0,
                                                                                 prac["practice_code"]),
                       "Practice name": prac["practice_code"].map(names).fillna(""),
                       "neighbourhood": prac["pcn_code"]})
    df.to_csv(OUT / "camden_practices.csv", index=False)
    north = gp.set_index("service_id")["northing"]
    pcns = prac.assign(n=prac["practice_code"].map(north)).groupby("pcn_code")["n"].mean().sort_values()
    half = len(pcns) // 2
    pd.DataFrame({"PCN code": pcns.index, "neighbourhood": ["Camden South"] * half + ["Camden North"] *
                  (len(pcns) - half)}).sort_values("PCN code").to_csv(OUT / "camden_pcns.csv", index=False)


if __name__ == "__main__":
    ncl_workbooks()
    manchester_wards()
    camden()
    for p in sorted(OUT.glob("*")):
        print(f"{p.name}: {p.stat().st_size:,} bytes")
