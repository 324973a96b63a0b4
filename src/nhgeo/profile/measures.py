"""The need measures a profile carries: each a ratio of two counts, with its vintage and method.

Every percentage is over **its own table's total** (ONS perturbs each Census table slightly, so the totals of
TS037, TS038 and TS039 differ by a few people from usual residents and from each other); QOF prevalence is over the
list size of the register's own age group (e.g. diabetes: patients aged 17+), as QOF publishes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..sources.health import CENSUS_VINTAGE, QOF_METHOD, QOF_REGISTERS, QOF_VINTAGE


@dataclass(frozen=True)
class Measure:
    """A percentage ``100 * numerator / denominator`` of two unit-table columns."""

    key: str  # the JSON key under ``profile`` (``bad_health_pct``, ``qof.DM.prevalence_pct``)
    label: str
    numerator: str
    denominator: str
    vintage: str
    method: str


_TS037 = "Census 2021 TS037 general health (usual residents), LSOA 2021"
_TS038 = "Census 2021 TS038 disability, Equality Act (usual residents), LSOA 2021"
_TS039 = "Census 2021 TS039 provision of unpaid care (usual residents aged 5+), LSOA 2021"
CENSUS_MEASURES = (
    Measure("bad_health_pct", "bad or very bad health %", "health_bad", "health_total", _TS037,
            "bad + very bad health / the table's total"),
    Measure("disabled_pct", "disabled % (limited a lot or a little)", "disabled", "disability_total", _TS038,
            "disabled under the Equality Act, day-to-day activities limited a lot + a little / the table's total"),
    Measure("disabled_a_lot_pct", "disabled, limited a lot %", "disabled_lot", "disability_total", _TS038,
            "limited a lot / the table's total"),
    Measure("disabled_a_little_pct", "disabled, limited a little %", "disabled_little", "disability_total", _TS038,
            "limited a little / the table's total"),
    Measure("ltc_not_limiting_pct", "long-term condition, not limiting %", "ltc_not_limiting", "disability_total",
            _TS038, "not disabled, with a long-term physical or mental health condition that does not limit "
            "day-to-day activities / the table's total"),
    Measure("unpaid_carers_pct", "unpaid carers % (aged 5+)", "carers", "care_total", _TS039,
            "residents aged 5+ providing any unpaid care / the table's total (aged 5+)"),
    Measure("unpaid_care_50h_pct", "unpaid care 50+ hours a week % (aged 5+)", "care_50h", "care_total", _TS039,
            "residents aged 5+ providing 50 or more hours of unpaid care a week / the table's total (aged 5+)"),
)
QOF_MEASURES = tuple(
    Measure(f"qof.{reg}.prevalence_pct", f"{name} prevalence %", reg, f"list_{group}", QOF_VINTAGE,
            f"{QOF_METHOD}; register / registered patients aged {group.removesuffix('OV').lstrip('0')}+"
            if group != "TOTAL" else f"{QOF_METHOD}; register / all registered patients")
    for reg, (name, group) in QOF_REGISTERS.items())
#: the measures inequality, England deciles and top-fifth marks are computed for (the breakdown of disability is
#: reported, not ranked)
NEED_MEASURES = tuple(m for m in (*CENSUS_MEASURES, *QOF_MEASURES)
                      if m.key not in ("disabled_a_lot_pct", "disabled_a_little_pct"))
ALL_MEASURES = (*CENSUS_MEASURES, *QOF_MEASURES)
MEASURES = {m.key: m for m in ALL_MEASURES}
CENSUS_SOURCE = CENSUS_VINTAGE

__all__ = ["ALL_MEASURES", "CENSUS_MEASURES", "MEASURES", "NEED_MEASURES", "QOF_MEASURES", "Measure"]
