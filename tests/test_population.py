"""--population census|registered|FILE:COLUMN (issue 24): the band, targets and every figure use it, and every
output names it; July 2026 practices, PCNs and the April 2026 ICB outlines."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from nhgeo.cli import app
from nhgeo.errors import InputError
from nhgeo.footprints.files import read_footprint
from nhgeo.model import open_study
from nhgeo.sources.data import get_path
from nhgeo.sources.practices import read_practice_map, read_registrations, registered_population

ROOT = Path(__file__).parents[1]
NCL = ROOT / "configs" / "examples" / "north_central_london.toml"
runner = CliRunner()
REGISTERED = "GP registered patients"


def _validate(*args: str) -> tuple[int, str]:
    res = runner.invoke(app, ["validate", str(NCL), *args], env={"COLUMNS": "200"})
    # a machine format: stdout alone (the verdict line and errors go to stderr)
    return res.exit_code, res.stdout if "--format" in args and res.exit_code in (0, 1) else res.output


def test_registered_changes_the_band_check() -> None:
    code, out = _validate("--format", "json")
    census = json.loads(out)
    code_r, out_r = _validate("--format", "json", "--population", "registered")
    reg = json.loads(out_r)
    assert code == 0 and census["passed"] and census["population_source"].startswith("Census 2021")
    # North Central London has ~1.25 registered patients per resident: most neighbourhoods leave the band
    assert code_r == 1 and not reg["passed"]
    band = next(r for r in reg["rule_results"] if r["id"] == "population-band")
    assert band["status"] == "fails" and band["findings"] >= 10
    assert reg["population_source"].startswith(REGISTERED) and "July 2026" in reg["population_source"]
    assert reg["vintages"]["population"] == reg["population_source"]


@pytest.mark.parametrize("fmt", ["table", "json", "markdown", "junit", "github"])
def test_registered_is_named_in_every_format(fmt: str) -> None:
    _, out = _validate("--format", fmt, "--population", "registered")
    assert REGISTERED in " ".join(out.split())


def test_diff_names_the_population() -> None:
    for fmt in ("table", "json", "markdown"):
        res = runner.invoke(app, ["diff", str(NCL), str(NCL), "--population", "registered", "--format", fmt],
                            env={"COLUMNS": "200"})
        assert res.exit_code == 0, res.output
        assert REGISTERED in " ".join(res.output.split())


def test_library_registered_population_is_the_scaled_distribution() -> None:
    study = open_study("Camden", population="registered")
    reg = registered_population(study.codes)
    assert study.population.sum() == pytest.approx(reg.by_lsoa.round().sum())
    assert study.population.sum() > 1.3 * open_study("Camden").population.sum()  # London list inflation
    assert study.population_source.startswith(REGISTERED)
    # by hand for Camden: each practice's July 2022 patients here x (July 2026 list / its July 2022 total)
    r = read_registrations(study.codes)
    m = read_practice_map().set_index("practice_code")
    r = r[r["practice_current"]]
    want = (r["patients"] * r["practice_code"].astype(str).map(m["list_size"])
            / r["practice_code"].astype(str).map(m["patients_jul2022"])).sum()
    assert reg.by_lsoa.sum() == pytest.approx(want, rel=1e-9)


def test_population_from_a_file_column(tmp_path: Path) -> None:
    codes = [c for n in read_footprint(NCL).neighbourhoods for c in n.codes]
    census = pd.read_parquet(get_path("population")).set_index("LSOA21CD")["usual_residents"]
    table = pd.DataFrame({"LSOA21CD": codes, "weighted": census.loc[codes].to_numpy() * 2})
    f = tmp_path / "need.csv"
    table.to_csv(f, index=False)
    code, out = _validate("--format", "json", "--population", f"{f}:weighted")
    d = json.loads(out)
    assert code == 1 and d["population_source"] == f"your own figures: column weighted of {f}"
    assert next(r for r in d["rule_results"] if r["id"] == "population-band")["findings"] == 28  # doubled: all out
    table.iloc[:-1].to_csv(f, index=False)
    code, out = _validate("--population", f"{f}:weighted")
    assert code == 2 and "has no number for 1 unit" in out
    for bad, msg in (("nope", "census, registered or FILE:COLUMN"), (f"{f}:missing", "column 'missing' not in"),
                     (f"{tmp_path / 'x.csv'}:a", "file not found")):
        code, out = _validate("--population", bad)
        assert code == 2 and msg in " ".join(out.split()), out


def test_registered_needs_2021_codes() -> None:
    with pytest.raises(InputError, match="LSOA 2021"):
        open_study("City of London", vintage=2011, population="registered")


def test_july_2026_practice_map_is_the_one_reader() -> None:
    m = read_practice_map()
    assert len(m) == 6139 and m["practice_code"].is_unique
    assert m["pcn_code"].nunique() == 1298 and m["pcn_code"].isna().sum() == 52  # 'U' = in no PCN
    assert m["icb_code"].nunique() == 36 and int(m["list_size"].sum()) == 63_436_508
    reg = read_registrations(None)
    pcn = reg["practice_code"].astype(str).map(m.set_index("practice_code")["pcn_code"])
    assert (reg["pcn_code"].fillna("-") == pcn.fillna("-")).all()  # PCNs of July 2026, not of the older file


def test_practices_missing_from_the_map_are_named() -> None:
    res = runner.invoke(app, ["coverage", str(NCL), "--format", "json"])
    notes = json.loads(res.stdout)["extras"]["coverage"]["service_notes"]
    assert any("July 2026" in n for n in notes)
    from nhgeo.check.alignment import pcn_alignment
    from nhgeo.model import Assignment

    study = open_study("Camden,Islington,Barnet,Enfield,Haringey")
    asg = Assignment.align(read_footprint(NCL), study)
    pcn = pcn_alignment(study.units, asg.labels, 2021)
    assert pcn is not None and pcn.missing.codes and pcn.missing.patients > 0
    gone = set(read_registrations(study.codes).query("~practice_current")["practice_code"].astype(str))
    assert set(pcn.missing.codes) == gone and not gone & set(read_practice_map()["practice_code"])


def test_icb_2026_checked_against_the_official_outlines(england: object) -> None:
    from nhgeo.sources.icb import check_against_outlines, read_icb_outlines

    assert len(read_icb_outlines()) == 36
    check = check_against_outlines(england)  # type: ignore[arg-type]
    assert check is not None and (check.agree, check.checked, check.outside) == (33_745, 33_748, 7)
    assert "33,745 of 33,748" in " ".join(england.attrs["notes"])  # type: ignore[attr-defined]
    assert "not checked LSOA by LSOA" not in " ".join(england.attrs["notes"])  # type: ignore[attr-defined]


def test_datasets_lists_the_new_files() -> None:
    res = runner.invoke(app, ["datasets"], env={"COLUMNS": "300"})
    for name in ("need", "qof", "practices_jul2026", "icb26_outlines"):
        assert name in res.output
    assert "ICB April 2026 (ONS BSC)" in res.output and "QOF 2024-25" in res.output


def test_age_shares_stay_shares_of_residents() -> None:
    from nhgeo.check.validation import validate

    census, reg = validate(NCL), validate(NCL, population="registered")
    assert census.score is not None and reg.score is not None
    a = {p.id: (p.share_65_plus, p.share_under_16, p.population) for p in census.score.parts}
    b = {p.id: (p.share_65_plus, p.share_under_16, p.population) for p in reg.score.parts}
    assert all(a[k][:2] == b[k][:2] for k in a)  # the same residents' ages ...
    assert sum(v[2] for v in b.values()) > 1.15 * sum(v[2] for v in a.values())  # ... whatever the band counts
