"""The report's need pieces (issue 24): cards, the sortable need table, "colour by need" and ICB outlines."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nhgeo.check.validation import validate
from nhgeo.render.html import render_html
from nhgeo.render.report_data import report_data_from_validation

from .browser import headless
from .test_report_html import Page

NCL = Path(__file__).parents[1] / "configs" / "examples" / "north_central_london.toml"


@pytest.fixture(scope="module")
def ncl_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("need") / "report.html"
    p.write_text(render_html(report_data_from_validation(validate(NCL))), encoding="utf-8")
    return p


def test_report_carries_need_table_measures_and_icb_outlines(ncl_html: Path) -> None:
    html = ncl_html.read_text(encoding="utf-8")
    assert "<section id=s-need>" in html and html.count("<tr><td><a href=\"#\" class=unit") == 28
    assert "value=need" in html and 'option value="qof.DM.prevalence_pct"' in html
    assert "<g id=g-icb class=lines><path d=\"M" in html and "ICB outline (ONS April 2026)" in html
    assert "Widest inequality in a place" in html


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium (tests/browser.py: a skip on a developer's machine, a failure with CI set)."""
    with headless() as b:
        yield b


def test_browser_colour_by_need_and_sort(browser: Any, ncl_html: Path) -> None:
    page = Page(browser, ncl_html)
    pg = page.page
    pg.select_option("#need-m", "qof.DM.prevalence_pct")  # choosing a measure switches the map to need
    assert "by-need" in (pg.get_attribute("#map", "class") or "")
    classes = pg.eval_on_selector_all("#g-hoods path.hood", "ps => ps.map(p => p.getAttribute('class'))")
    deciles = {c for cls in classes for c in cls.split() if c[:1] == "n" and c[1:].isdigit()}
    assert len(classes) == 28 and len(deciles) >= 3  # NCL spans several England deciles of diabetes
    assert sum(" top" in c for c in classes) >= 4  # at least the top of each of the 4 places
    assert pg.locator(".lg-need").is_visible()
    fills = pg.eval_on_selector_all("#g-hoods path.hood", "ps => ps.map(p => getComputedStyle(p).fill)")
    assert len(set(fills)) >= 3
    # the table sorts by diabetes, highest first
    pg.click("#need th button[data-c='9']")
    vals = pg.eval_on_selector_all("#need tbody tr td:nth-child(10)",
                                   "ts => ts.map(t => parseFloat(t.textContent))")
    assert vals == sorted(vals, reverse=True)
    pg.hover("#h3")
    assert "registered / resident" in pg.locator("#card").inner_text()
    pg.click("#t-icb")
    assert pg.locator("#g-icb").is_hidden()
    assert page.errors == [] and page.requests == [page.target]
    page.close()
