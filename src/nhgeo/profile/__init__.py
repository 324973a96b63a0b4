"""Need profiles of neighbourhoods and places (issue 24): health, disability, unpaid care, QOF disease prevalence,
age and deprivation; inequality within each place and England deciles. See docs/profiles.md."""

from .compute import AreaProfile, Profiles, profile_assignment, unit_table
from .measures import MEASURES, NEED_MEASURES, Measure
from .report import profile_to_dict

__all__ = ["MEASURES", "NEED_MEASURES", "AreaProfile", "Measure", "Profiles", "profile_assignment",
           "profile_to_dict", "unit_table"]
