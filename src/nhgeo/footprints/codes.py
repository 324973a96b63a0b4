"""Footprints keyed by other geographies: wards, MSOAs, GP practices and PCNs turned into LSOAs.

Many footprints are not written as LSOAs: a city's localities are lists of electoral wards, an
integrated neighbourhood team is a list of GP practices or PCNs. :func:`detect_code_type` tells the code
type from the codes themselves (or ``--code-type`` says it) and :func:`to_lsoas` turns the footprint into
LSOA 2021 by a stated method, with how much of it is approximate:

* **wards** (E05): the 2024 wards of the embedded ONS best-fit lookup — each LSOA whole in the ward holding
  its population-weighted centroid. Ward codes of other vintages are listed, never silently dropped.
* **MSOAs 2021** (E02): LSOAs nest exactly in MSOAs; nothing is approximate.
* **GP practices** (A81001) and **PCNs** (U12345): by where registered patients live. Each LSOA goes to the
  practice group (neighbourhood) holding most of its registered patients — of every practice, listed or
  not, so an LSOA whose patients mostly use practices outside the footprint stays out — with the share.
  LSOAs whose assigned group holds under :data:`STRONG_SHARE` of their patients are the approximate part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..sources.data import get_path
from ..sources.practices import PRACTICE_VINTAGE, REGISTRATION_VINTAGE, read_practice_map, read_registrations

STRONG_SHARE = 0.8  # an LSOA whose group holds at least 80% of its registered patients is firmly placed
REGISTRATIONS_VINTAGE = f"GP registered patients by LSOA 2021 of residence ({REGISTRATION_VINTAGE})"
PCN_MAP_VINTAGE = f"practice -> PCN: {PRACTICE_VINTAGE}"


def practice_pcns() -> pd.DataFrame:
    """Practices with their PCN (``practice_code, pcn_code``), through the one reader of primary-care
    membership (:func:`nhgeo.sources.practices.read_practice_map`, July 2026)."""
    m = read_practice_map()
    m = m[m["pcn_code"].notna()]
    return m[["practice_code", "pcn_code"]].astype(str).sort_values("practice_code").reset_index(drop=True)


def patients_by_lsoa() -> pd.DataFrame:
    """Registered patients by practice and LSOA 2021 of residence: ``practice_code, lsoa21cd, patients`` (every
    practice of the July 2022 data, in the July 2026 map or since merged)."""
    reg = read_registrations()[["practice_code", "lsoa21cd", "patients"]]
    return reg.astype({"practice_code": str, "lsoa21cd": str})


class CodeType(StrEnum):
    """What a footprint's codes are."""

    LSOA = "lsoa"  # LSOA 2021 or 2011 (the vintage is decided from the codes)
    WARD = "ward"
    MSOA = "msoa"
    PRACTICE = "practice"
    PCN = "pcn"


CODE_TYPES = tuple(str(t) for t in CodeType)
PATTERNS: dict[CodeType, re.Pattern[str]] = {  # priority order: the first type a column's codes fit
    CodeType.LSOA: re.compile(r"^[EW]01\d{6}$"),
    CodeType.WARD: re.compile(r"^[EWSN]05\d{6}$"),
    CodeType.MSOA: re.compile(r"^[EW]02\d{6}$"),
    CodeType.PCN: re.compile(r"^U\d{5}$"),
    CodeType.PRACTICE: re.compile(r"^[A-Z]\d{5}$"),
}
COLUMN_NAMES: dict[CodeType, tuple[str, ...]] = {  # usual column names, lower case
    CodeType.LSOA: ("lsoa21cd", "lsoa11cd", "lsoa", "lsoa_code", "lsoa21", "lsoa11", "lsoa code", "lsoacd", "code"),
    CodeType.WARD: ("wd24cd", "wd23cd", "wd22cd", "wd21cd", "wd20cd", "wd19cd", "ward_code", "ward code", "wardcode",
                    "ward"),
    CodeType.MSOA: ("msoa21cd", "msoa_code", "msoa code", "msoa"),
    CodeType.PCN: ("pcn_code", "pcn code", "pcn"),
    CodeType.PRACTICE: ("practice_code", "practice code", "org_code", "ods_code", "ods code", "gp_code",
                        "practice"),
}
_SPACE = re.compile(r"\s+")
_FLOAT_INT = re.compile(r"^(\d+)\.0+$")


def clean_codes(codes: pd.Series) -> pd.Series:
    """Codes as written in the data: no spaces anywhere, upper case, an Excel ``12.0`` back to ``12``."""
    s = codes.astype("string").str.replace(_SPACE, "", regex=True).str.upper()
    return s.str.replace(_FLOAT_INT, r"\1", regex=True)


def code_type_of(code: str) -> CodeType | None:
    """The type a single cleaned code fits (None: none)."""
    return next((t for t, p in PATTERNS.items() if p.match(code)), None)


def column_code_type(values: pd.Series, share: float = 0.8) -> CodeType | None:
    """The code type at least ``share`` of a column's non-blank values fit (None when none does)."""
    s = clean_codes(values.dropna())
    s = s[s != ""]
    if s.empty:
        return None
    for t, p in PATTERNS.items():
        if s.str.match(p).mean() >= share:
            return t
    return None


def detect_code_type(codes: pd.Series, column: str | None = None, given: str | None = None) -> CodeType:
    """``given`` (``--code-type``), else what most codes fit, else the column's name; bad input when unclear."""
    if given is not None:
        try:
            return CodeType(given.strip().lower())
        except ValueError:
            raise InputError(f"--code-type {given!r} is not one of {', '.join(CODE_TYPES)}") from None
    found = column_code_type(codes, share=0.5)
    if found is not None:
        return found
    low = (column or "").strip().lower()
    for t, names in COLUMN_NAMES.items():
        if low in names:
            return t
    return CodeType.LSOA


@dataclass
class Conversion:
    """How a footprint of wards / MSOAs / practices / PCNs became LSOAs, and how much of it is approximate."""

    code_type: CodeType
    method: str
    data: str  # the lookups used, with their vintages
    codes: int  # distinct codes given
    lsoas: int  # LSOAs in the result
    population: int  # Census 2021 residents of those LSOAs
    unknown: list[str] = field(default_factory=list)  # codes the data does not know: listed, not dropped silently
    empty: list[str] = field(default_factory=list)  # groups (or codes) that received no LSOA
    exact: bool = False
    approx_lsoas: int | None = None  # LSOAs whose placing is approximate (None: the data cannot say)
    approx_population: int | None = None
    strong_lsoas: int | None = None  # practices/PCNs: LSOAs assigned with >= STRONG_SHARE of their patients
    median_share: float | None = None
    patients_listed: int | None = None  # practices/PCNs: registered patients of the listed practices
    patients_inside: int | None = None  # of them, living in an LSOA assigned to their own practice's group
    notes: list[str] = field(default_factory=list)
    given: list[str] = field(default_factory=list, repr=False)  # the distinct codes as given (cleaned)

    @property
    def strong_pct(self) -> float | None:
        return None if self.strong_lsoas is None or not self.lsoas else 100.0 * self.strong_lsoas / self.lsoas

    def approximation(self) -> str:
        """How much is approximate, in one phrase."""
        if self.exact:
            return "exact (LSOAs nest in MSOAs): nothing approximate"
        if self.approx_lsoas is None:
            return ("approximate along ward edges that cut LSOAs (a best-fit lookup; without ward boundaries the "
                    "LSOAs cut cannot be counted)")
        out = (f"{self.approx_lsoas:,} of {self.lsoas:,} LSOAs split (their group holds under "
               f"{100 * STRONG_SHARE:.0f}% of their patients; {self.approx_population or 0:,} people); "
               f"{self.strong_lsoas or 0:,} ({self.strong_pct or 0:.0f}%) assigned with {100 * STRONG_SHARE:.0f}% "
               f"or more; median share {100 * (self.median_share or 0):.0f}%")
        if self.patients_listed:
            out += (f"; {100 * (self.patients_inside or 0) / self.patients_listed:.0f}% of the listed practices' "
                    f"{self.patients_listed:,} patients live in their own group's LSOAs")
        return out

    def summary(self) -> str:
        """One sentence for every renderer: what was given, the method, how much is approximate."""
        label = {CodeType.WARD: "ward", CodeType.MSOA: "MSOA 2021", CodeType.PRACTICE: "GP practice",
                 CodeType.PCN: "PCN", CodeType.LSOA: "LSOA"}[self.code_type]
        return (f"{self.codes:,} {label} code(s) -> {self.lsoas:,} LSOA 2021 ({self.population:,} people) by "
                f"{self.method}; {self.approximation()}"
                + (f"; {len(self.unknown)} code(s) the data does not know: {', '.join(self.unknown[:8])}"
                   + (" ..." if len(self.unknown) > 8 else "") if self.unknown else ""))

    def to_dict(self) -> dict[str, Any]:
        """As JSON-ready data."""
        return {"code_type": str(self.code_type), "method": self.method, "data": self.data, "codes": self.codes,
                "lsoas": self.lsoas, "population": self.population, "exact": self.exact,
                "approximate_lsoas": self.approx_lsoas, "approximate_population": self.approx_population,
                "strong_share": STRONG_SHARE, "strong_lsoas": self.strong_lsoas,
                "median_share": None if self.median_share is None else round(self.median_share, 4),
                "patients_listed": self.patients_listed, "patients_inside": self.patients_inside,
                "unknown_codes": self.unknown, "empty": self.empty, "notes": self.notes, "summary": self.summary()}


def _lsoa_lookup() -> pd.DataFrame:
    """LSOA 2021 -> ward 2024 (best fit), MSOA 2021, Census 2021 residents, from the embedded set."""
    df = pd.read_parquet(get_path("lsoa21"), columns=["LSOA21CD", "WD24CD", "WD24NM", "MSOA21CD", "population"])
    return df.astype({"LSOA21CD": str, "WD24CD": str, "MSOA21CD": str})


def to_lsoas(pairs: pd.DataFrame, code_type: CodeType) -> tuple[pd.DataFrame, Conversion]:
    """``pairs`` (columns ``code``, ``group``; cleaned codes) as ``lsoa, group`` rows, with the conversion."""
    if code_type in (CodeType.WARD, CodeType.MSOA):
        out, conv = _by_lookup(pairs, code_type)
    elif code_type in (CodeType.PRACTICE, CodeType.PCN):
        out, conv = _by_patients(pairs, code_type)
    else:
        raise ValueError(f"{code_type} footprints are already LSOAs")
    conv.given = [str(c) for c in pd.unique(pairs["code"])]
    return out, conv


def _by_lookup(pairs: pd.DataFrame, code_type: CodeType) -> tuple[pd.DataFrame, Conversion]:
    lk = _lsoa_lookup()
    key = "WD24CD" if code_type == CodeType.WARD else "MSOA21CD"
    known = set(lk[key])
    codes = pd.unique(pairs["code"])
    unknown = sorted(c for c in codes if c not in known)
    out = pairs.merge(lk[["LSOA21CD", key]], left_on="code", right_on=key, how="inner")
    out = out.rename(columns={"LSOA21CD": "lsoa"})[["lsoa", "group"]]
    pop = lk.set_index("LSOA21CD")["population"]
    lsoas = pd.unique(out["lsoa"])
    got = set(out["group"])
    if code_type == CodeType.WARD:
        method = ("ONS best fit: each LSOA 2021 whole in the 2024 electoral ward holding its population-weighted "
                  "centroid")
        data = "LSOA 2021 -> electoral ward 2024 best-fit lookup (ONS, via the embedded LSOA set)"
        conv = Conversion(code_type, method, data, len(codes), len(lsoas), int(pop.reindex(lsoas).sum()),
                          unknown, sorted(str(g) for g in set(pairs["group"]) - got))
        if unknown:
            conv.notes.append(f"{len(unknown)} ward code(s) hold no LSOA in the 2024 best-fit lookup: a ward of "
                              "another vintage, or a 2024 ward too small to hold an LSOA's centroid (its people are "
                              "in the wards around it); give 2024 ward codes (WD24CD) or LSOAs for them")
    else:
        method = "exact nesting: every LSOA 2021 of each MSOA 2021"
        data = "LSOA 2021 -> MSOA 2021 (ONS, the embedded LSOA set)"
        conv = Conversion(code_type, method, data, len(codes), len(lsoas), int(pop.reindex(lsoas).sum()), unknown,
                          sorted(str(g) for g in set(pairs["group"]) - got), exact=True)
        if unknown:
            conv.notes.append(f"{len(unknown)} code(s) are not England MSOA 2021 codes (MSOA 2011?)")
    return out.drop_duplicates().reset_index(drop=True), conv


def _by_patients(pairs: pd.DataFrame, code_type: CodeType) -> tuple[pd.DataFrame, Conversion]:
    """Each LSOA to the group whose practices hold most of its registered patients (all practices counted)."""
    reg = patients_by_lsoa()
    codes = pd.unique(pairs["code"])
    if code_type == CodeType.PCN:
        pcn = practice_pcns()
        known_pcns = set(pcn["pcn_code"])
        unknown = sorted(c for c in codes if c not in known_pcns)
        members = pcn.merge(pairs, left_on="pcn_code", right_on="code")[["practice_code", "group"]]
        method = ("where registered patients live: each LSOA to the neighbourhood whose PCNs' practices hold most "
                  "of its registered patients")
        data = f"{REGISTRATIONS_VINTAGE}; {PCN_MAP_VINTAGE}"
    else:
        known_practices = set(reg["practice_code"])
        unknown = sorted(c for c in codes if c not in known_practices)
        members = pairs.rename(columns={"code": "practice_code"})[["practice_code", "group"]]
        method = ("where registered patients live: each LSOA to the neighbourhood whose practices hold most of its "
                  "registered patients")
        data = REGISTRATIONS_VINTAGE
    members = members.drop_duplicates()
    twice = members[members["practice_code"].duplicated(keep=False)]
    if len(twice):
        p = twice["practice_code"].iloc[0]
        groups = ", ".join(sorted(map(str, twice.loc[twice["practice_code"] == p, "group"])))
        raise InputError(f"practice {p} is in more than one neighbourhood ({groups}); a practice's patients can be "
                         "counted for one neighbourhood only")
    group_of = members.set_index("practice_code")["group"]
    reg = reg.assign(group=reg["practice_code"].map(group_of))
    listed = reg[reg["group"].notna()]
    touched = pd.unique(listed["lsoa21cd"])
    local = reg[reg["lsoa21cd"].isin(touched)].fillna({"group": ""})
    by = local.groupby(["lsoa21cd", "group"], sort=True)["patients"].sum().reset_index()
    total = by.groupby("lsoa21cd")["patients"].sum()
    top = by.sort_values(["lsoa21cd", "patients", "group"], ascending=[True, False, True]).drop_duplicates("lsoa21cd")
    top = top.assign(share=top["patients"].to_numpy() / total.loc[top["lsoa21cd"]].to_numpy())
    won = top[top["group"] != ""]
    out = pd.DataFrame({"lsoa": won["lsoa21cd"].to_numpy(), "group": won["group"].to_numpy()})
    pop = _lsoa_lookup().set_index("LSOA21CD")["population"]
    share = won["share"].to_numpy(dtype=float)
    weak = share < STRONG_SHARE
    inside = listed.merge(out, left_on=["lsoa21cd", "group"], right_on=["lsoa", "group"])["patients"].sum()
    got = set(out["group"])
    conv = Conversion(code_type, method, data, len(codes), len(out), int(pop.reindex(out["lsoa"]).fillna(0).sum()),
                      unknown, sorted(str(g) for g in set(pairs["group"]) - got),
                      approx_lsoas=int(weak.sum()),
                      approx_population=int(pop.reindex(out["lsoa"][weak]).fillna(0).sum()),
                      strong_lsoas=int((~weak).sum()), median_share=float(np.median(share)) if len(share) else None,
                      patients_listed=int(round(float(listed["patients"].sum()))),
                      patients_inside=int(round(float(inside))))
    if unknown:
        what = "PCN codes not in the practice -> PCN map" if code_type == CodeType.PCN else \
            "practice codes with no registered patients in the data (closed before July 2022, or not GP practices)"
        conv.notes.append(f"{len(unknown)} {what}: {', '.join(unknown[:10])}" + (" ..." if len(unknown) > 10 else ""))
    return out.sort_values(["group", "lsoa"]).reset_index(drop=True), conv
