"""GP practices, their primary care networks (PCNs) and where their registered patients live.

:func:`practice_pcns` is the ONE reader of practice -> PCN membership for footprints given as PCN codes:
swap the PCN map (e.g. for a newer one) here and every caller follows. :func:`patients_by_lsoa` reads the
embedded GP registrations by LSOA 2021 of residence (July 2022, NHS England Digital).
"""

from __future__ import annotations

import pandas as pd

from .data import get_path

REGISTRATIONS_VINTAGE = "GP registered patients by LSOA 2021 of residence, July 2022 (NHS England Digital)"
PCN_MAP_VINTAGE = "practice -> PCN of about October 2024 (the registrations' current practices)"


def practice_pcns() -> pd.DataFrame:
    """Current practices with their PCN: ``practice_code, pcn_code`` (one row per practice)."""
    reg = pd.read_parquet(get_path("gp_registrations"), columns=["practice_code", "pcn_code", "practice_current"])
    reg = reg[reg["practice_current"] & reg["pcn_code"].notna()]
    out = reg.drop_duplicates("practice_code")[["practice_code", "pcn_code"]].astype(str)
    return out.sort_values("practice_code").reset_index(drop=True)


def patients_by_lsoa() -> pd.DataFrame:
    """Registered patients by practice and LSOA 2021 of residence: ``practice_code, lsoa21cd, patients``
    (every practice of the July 2022 data, current or since merged)."""
    reg = pd.read_parquet(get_path("gp_registrations"), columns=["practice_code", "lsoa21cd", "patients"])
    return reg.astype({"practice_code": str, "lsoa21cd": str})
