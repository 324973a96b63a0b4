"""Tables as CSV (``--format csv``): propose's neighbourhoods, validate's findings, coverage's grid, diff's moves;
and the one-row-per-LSOA table people edit in a spreadsheet (``--lsoa-table``).

Every table is a :class:`pandas.DataFrame` first (a Python user gets the same rows), then CSV text: UTF-8,
``\\n`` line endings, figures unformatted (no thousands separators) so a spreadsheet reads them as numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..check.coverage import status_matrix
from ..model import Col

if TYPE_CHECKING:
    from ..check.diff import FootprintDiff
    from ..check.validation import ValidationReport
    from ..design.propose import ProposeResult
    from ..model import Assignment, Study

LSOA_COLUMNS = ("lsoa_code", "lsoa_name", "ward", "msoa_name", "la_name", "population", "neighbourhood_id",
                "neighbourhood_name", "place_id", "place_name")


def to_csv(df: pd.DataFrame) -> str:
    """``df`` as CSV text (no index, ``\\n`` line endings, empty cells for missing values)."""
    return str(df.to_csv(index=False, lineterminator="\n"))


def _text(study: Study, col: str) -> np.ndarray:
    """A unit column as text ("" where the data has none)."""
    if col not in study.units.columns:
        return np.full(len(study.units), "", dtype=object)
    out: np.ndarray = study.units[col].astype("string").fillna("").to_numpy(dtype=object)
    return out


def lsoa_table(study: Study, assignment: Assignment) -> pd.DataFrame:
    """One row per LSOA of the study: code, LSOA name, ward, MSOA name, LA, population, neighbourhood (id and
    name) and place (id and name); LSOAs in no neighbourhood keep empty cells. Sorted by neighbourhood, then code."""
    names = assignment.names
    places = {p.id: p.name for p in assignment.footprint.places}
    labels = np.asarray(assignment.labels, dtype=object)
    place = np.asarray(assignment.place_labels, dtype=object)
    df = pd.DataFrame({
        "lsoa_code": study.codes.astype(str), "lsoa_name": _text(study, Col.NAME), "ward": _text(study, Col.WARD_NAME),
        "msoa_name": _text(study, Col.MSOA_NAME), "la_name": _text(study, Col.LA_NAME),
        "population": study.population.astype(np.int64), "neighbourhood_id": labels.astype(str),
        "neighbourhood_name": [names.get(str(x), "") for x in labels], "place_id": place.astype(str),
        "place_name": [places.get(str(x), "") for x in place]})
    return df.sort_values(["neighbourhood_id", "lsoa_code"], kind="stable").reset_index(drop=True)


def proposal_table(result: ProposeResult) -> pd.DataFrame:
    """Propose's neighbourhoods: one row each, every figure the terminal table shows (and the ones it drops)."""
    stats = {x.id: x for x in result.score.parts}
    la_name = dict(zip(result.study.column(Col.LA), result.study.column(Col.LA_NAME), strict=True))
    place_of = {n: pl for pl in result.places for n in pl.neighbourhoods}
    rows = []
    for h in result.proposal.neighbourhoods:
        s, pl = stats[h.id], place_of.get(h.id)
        rows.append({"id": h.id, "name": h.name, "population": h.population, "lsoas": len(h.codes),
                     "la": "; ".join(str(la_name.get(c, c)) for c in h.la_codes), "la_codes": "; ".join(h.la_codes),
                     "place_id": pl.id if pl else "", "place_name": pl.name if pl else "",
                     "polsby_popper": round(s.polsby_popper, 4), "share_65_plus": _round(s.share_65_plus),
                     "share_under_16": _round(s.share_under_16),
                     "share_most_deprived_fifth": _round(s.share_most_deprived_fifth), "status": h.status,
                     "reasons": "; ".join(h.reasons)})
    return pd.DataFrame(rows)


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), 4)


def findings_table(rep: ValidationReport) -> pd.DataFrame:
    """Validate's findings: rule, severity, unit, its name, what is wrong, the smallest fix."""
    names = rep.assignment.names
    places = {p.id: p.name for p in rep.footprint.places}
    rows = [{"rule": f.rule, "severity": str(f.severity), "unit": f.unit,
             "unit_name": names.get(f.unit) or places.get(f.unit, ""), "message": f.message, "fix": f.fix or ""}
            for f in rep.findings]
    return pd.DataFrame(rows, columns=["rule", "severity", "unit", "unit_name", "message", "fix"])


def coverage_table(rep: ValidationReport) -> pd.DataFrame:
    """Coverage's grid, one row per neighbourhood (gaps first): a status word per component (present, nearby,
    missing, no-data), GP registered/resident ratio and PCNs with a practice inside."""
    res = rep.coverage
    if res is None:
        return findings_table(rep)
    comps = res.components
    status = status_matrix(res.grid, [c.name for c in comps if c.required])
    gp = res.gp.set_index("neighbourhood")
    names = rep.assignment.names
    rows = []
    for h, st in status.iterrows():
        ratio = gp["ratio"].get(h)
        rows.append({"neighbourhood_id": str(h), "neighbourhood_name": names.get(str(h), ""),
                     **{c.name: st[c.name] for c in comps},
                     "required_missing": int(st["missing"]),
                     "gp_registered_per_resident": None if ratio is None or pd.isna(ratio) else round(float(ratio), 4),
                     "pcns": int(gp["pcns"].get(h, 0))})
    return pd.DataFrame(rows)


def diff_table(d: FootprintDiff) -> pd.DataFrame:
    """Diff's moves: one row per LSOA moved, with its name and ward and both neighbourhoods' ids and names."""
    study = d.new.study
    pos = {str(c): i for i, c in enumerate(study.codes)}
    lname, ward = _text(study, Col.NAME), _text(study, Col.WARD_NAME)
    na, nb = d.old.assignment.names, d.new.assignment.names
    rows = [{"lsoa_code": c, "lsoa_name": lname[pos[c]] if c in pos else "", "ward": ward[pos[c]] if c in pos else "",
             "from_id": x, "from_name": na.get(x, ""), "to_id": y, "to_name": nb.get(y, "")} for c, x, y in d.moved]
    return pd.DataFrame(rows, columns=["lsoa_code", "lsoa_name", "ward", "from_id", "from_name", "to_id", "to_name"])


def proposal_csv(result: ProposeResult) -> str:
    return to_csv(proposal_table(result))


def validation_csv(rep: ValidationReport) -> str:
    return to_csv(findings_table(rep))


def coverage_csv(rep: ValidationReport) -> str:
    return to_csv(coverage_table(rep))


def diff_csv(d: FootprintDiff) -> str:
    return to_csv(diff_table(d))
