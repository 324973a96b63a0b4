"""Every standard unit column named once: code reads ``units[Col.POP]``, never a string literal.

The lowest module of the package (the loaders fill these columns; everything else reads them).
"""

from __future__ import annotations


class Col:
    """Standard unit columns (every loader returns these; missing information is NA, never invented)."""

    CODE = "code"
    NAME = "name"
    POP = "population"
    LA = "la_code"
    LA_NAME = "la_name"
    ICB = "icb_code"
    ICB_NAME = "icb_name"
    REGION = "region_code"
    REGION_NAME = "region_name"
    MSOA = "msoa_code"
    MSOA_NAME = "msoa_name"
    AGE_0_15 = "age_0_15"
    AGE_65_PLUS = "age_65_plus"
    IMD = "imd_decile"
    GEOMETRY = "geometry"
    # assignment columns (added to a copy of the units)
    NEIGHBOURHOOD = "neighbourhood"
    NEIGHBOURHOOD_NAME = "neighbourhood_name"
    PLACE = "place"
    PLACE_NAME = "place_name"
    # set only when --population replaces ``population``: the residents the age shares are of
    RESIDENTS = "residents"

    STANDARD = (CODE, NAME, POP, LA, LA_NAME, ICB, ICB_NAME, REGION, REGION_NAME, MSOA, MSOA_NAME, AGE_0_15,
                AGE_65_PLUS, IMD)
    # geography and deprivation added for issue 17 (NA where the data has none, e.g. the 2011 set)
    SICBL = "sicbl_code"  # sub-ICB location of the chosen ICB vintage
    SICBL_NAME = "sicbl_name"
    ICB_OTHER = "icb_other_code"  # the ICB of the other vintage (2024 when 2026 is chosen, and vice versa)
    ICB_OTHER_NAME = "icb_other_name"
    SICBL_OTHER = "sicbl_other_code"
    SICBL_OTHER_NAME = "sicbl_other_name"
    UTLA = "utla_code"  # upper-tier LA: county, unitary, metropolitan or London borough
    UTLA_NAME = "utla_name"
    HWB = "hwb_code"  # Health and Wellbeing Board
    HWB_NAME = "hwb_name"
    CAUTH = "cauth_code"  # combined authority (the data's pre-2024 list of 10)
    CAUTH_NAME = "cauth_name"
    WARD = "ward_code"  # electoral ward 2024, best fit
    WARD_NAME = "ward_name"
    PWC_X = "pwc_x"  # population-weighted centroid, EPSG:27700 metres
    PWC_Y = "pwc_y"
    IMD_RANK = "imd_rank"  # 1 = most deprived
    IMD_SCORE = "imd_score"
    IMD_INCOME = "imd_income_decile"
    IMD_EMPLOYMENT = "imd_employment_decile"
    IMD_HEALTH = "imd_health_decile"
    GEOGRAPHY = (SICBL, SICBL_NAME, ICB_OTHER, ICB_OTHER_NAME, SICBL_OTHER, SICBL_OTHER_NAME, UTLA, UTLA_NAME, HWB,
                 HWB_NAME, CAUTH, CAUTH_NAME, WARD, WARD_NAME, PWC_X, PWC_Y, IMD_RANK, IMD_SCORE, IMD_INCOME,
                 IMD_EMPLOYMENT, IMD_HEALTH)
