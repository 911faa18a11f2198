"""Overview and Indicator pages in Chromium: deep links with filters on a fresh server,
the drill-down clicks (grid cell -> commune, indicator row -> indicator), screenshots at
1280x720 and 1920x1080. Expected numbers are worked out from sample_data/*.csv."""

from __future__ import annotations

import math

import pytest

from rules.scorecard import off_track_key
from tests import sample_truth as truth
from tests.browser.conftest import VIEWPORTS, assert_no_error, open_page, page_text, screenshot, text_with, wait_ready
from ui.scorecard import COMPACT_CELL_WIDTH, COUNT_CELL_WIDTH

pytestmark = pytest.mark.browser


def shoot(page, name: str, scroll_to: str | None = None) -> None:
    for size in VIEWPORTS.values():
        page.set_viewport_size({"width": size[0], "height": size[1]})
        page.wait_for_timeout(400)
        if scroll_to:
            page.get_by_text(scroll_to).first.scroll_into_view_if_needed()
            page.wait_for_timeout(300)
        screenshot(page, name)


def settle(page, element) -> dict:
    """Scroll a grid into view and let it finish drawing before clicking its canvas."""
    element.scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    return element.bounding_box()


def click(page, x: float, y: float) -> None:
    # The grid is a canvas: hover first so it knows which cell is under the pointer.
    page.mouse.move(x, y)
    page.wait_for_timeout(200)
    page.mouse.click(x, y)


def wait_for_path(page, path: str) -> None:
    """Streamlit switches pages in the same document (no load event): watch the address."""
    page.wait_for_function(f"() => location.pathname.endsWith('{path}')", timeout=20_000)


@pytest.fixture(scope="module")
def warm_server(browser, server):
    """A server some session has already opened.

    On a cold server the first session that arrives by a deep link runs the page file
    without app.py (Streamlit's legacy pages/ mode) and loses its first widget event
    (see test_first_click_on_a_cold_server below); every later session is unaffected.
    """
    page = open_page(browser, f"{server.url}/overview")
    page.close()
    return server


def test_overview_deep_link_on_a_fresh_server(browser, fresh_server):
    page = open_page(browser, f"{fresh_server.url}/overview?year=2024&period=FY&lang=vi")
    assert_no_error(page)
    area_rows = [r for r in truth.rows(2024, "FY") if r.is_area]
    met = sum(1 for r in area_rows if r.status == "met")
    text = page_text(page)
    assert f"{met}/{len(area_rows)} chỉ tiêu đạt" in text
    assert f"{len(truth.reported(2024, 'FY'))}/17 xã đã báo cáo năm 2024" in text
    assert "Lệ Viễn: được công nhận phù hợp với trẻ em nhưng có 1 trẻ em tử vong do đuối nước năm 2024" in text
    shoot(page, "overview")
    shoot(page, "overview_grid", scroll_to="Từng xã theo từng chỉ tiêu")
    page.close()


def commune_order() -> list:
    statuses: dict[str, list[str]] = {}
    for r in truth.rows(2024, "FY"):
        if not r.is_area:
            statuses.setdefault(r.area_code, []).append(r.status)
    return sorted(truth.communes(), key=lambda c: off_track_key(statuses[c.code], c.name))


def click_grid_cell(page, row: int) -> None:
    grid = page.get_by_test_id("stDataFrame").last
    box = settle(page, grid)
    row_height, header = 38, 38  # ui/scorecard.ROW_HEIGHT
    # The cell under indicator 1.1 (right of the name and the two counts).
    click(page, box["x"] + NAME + 2 * COUNT + CELL / 2, box["y"] + header + row_height * row + row_height / 2)


# The grid's column widths (ui/scorecard.py: the pinned name, the two counts, a compact cell).
NAME, COUNT, CELL = 150, COUNT_CELL_WIDTH, COMPACT_CELL_WIDTH


def test_a_grid_cell_opens_that_commune(browser, warm_server):
    page = open_page(browser, f"{warm_server.url}/overview?year=2024&period=FY", viewport="1920x1080")
    order = commune_order()
    click_grid_cell(page, 1)
    wait_for_path(page, "/commune")
    wait_ready(page)
    assert f"commune={order[1].code}" in page.url and "year=2024" in page.url
    assert_no_error(page)
    page.close()


def test_a_grid_column_header_opens_that_indicator(browser, warm_server):
    page = open_page(browser, f"{warm_server.url}/overview?year=2024&period=FY", viewport="1920x1080")
    box = settle(page, page.get_by_test_id("stDataFrame").last)
    # Columns: the name and the two counts at their widths, then one per indicator in plan
    # order, stretched alike to fill the page's width.
    ids = [ind.id for ind in truth.plan().indicators]
    cell = max(CELL, (box["width"] - NAME - 2 * COUNT) / len(ids))
    position = ids.index("drowning_deaths")
    click(page, box["x"] + NAME + 2 * COUNT + cell * position + cell / 2, box["y"] + 19)
    wait_for_path(page, "/indicator")
    wait_ready(page)
    assert "indicator=drowning_deaths" in page.url
    assert "2.3. Số trẻ em tử vong do đuối nước" in page_text(page)
    page.close()


def test_an_indicator_row_opens_that_indicator(browser, warm_server):
    page = open_page(browser, f"{warm_server.url}/overview?year=2024&period=FY", viewport="1920x1080")
    section = page.get_by_test_id("stDataFrame").nth(3)  # section 4: child-friendly communes
    box = settle(page, section)
    click(page, box["x"] + 16, box["y"] + box["height"] - 68 / 2 - 3)  # its only row's checkbox
    wait_for_path(page, "/indicator")
    wait_ready(page)
    assert "indicator=cfc_rate" in page.url and "year=2024" in page.url
    assert "4.1. Tỷ lệ xã, thị trấn phù hợp với trẻ em" in page_text(page)
    assert_no_error(page)
    page.close()


def test_indicator_deep_link_on_a_fresh_server(browser, fresh_server):
    page = open_page(browser, f"{fresh_server.url}/indicator?year=2024&period=FY&indicator=cfc_rate")
    assert_no_error(page)
    figures = truth.figures(2024, "FY")
    eligible = sum(
        1 for f in figures.values() if f["cfc_recognised"] == 1 and f["drowning_deaths"] == 0 and f["abuse_cases"] == 0
    )
    text_with(
        page,
        "4.1. Tỷ lệ xã, thị trấn phù hợp với trẻ em",
        f"{truth.vi_number(eligible / 17 * 100)} %",
        f"Cần thêm {math.ceil(0.8 * 17) - eligible} xã được công nhận phù hợp với trẻ em",
    )
    assert page.get_by_test_id("stVegaLiteChart").count() == 2
    shoot(page, "indicator")
    shoot(page, "indicator_lists", scroll_to="Xã chưa đạt")
    page.close()


def test_indicator_deep_link_in_english(browser, server):
    page = open_page(browser, f"{server.url}/indicator?year=2025&period=H1&indicator=swim_safe_rate&lang=en")
    assert_no_error(page)
    text = page_text(page)
    assert "Children 6–15 who can swim safely" in text
    assert "No report in the first half of 2025 from: An Lạc" in text
    shoot(page, "indicator_en")
    page.close()


def test_first_click_on_a_cold_server(browser, fresh_server):
    page = open_page(browser, f"{fresh_server.url}/overview?year=2024&period=FY", viewport="1920x1080")
    click_grid_cell(page, 0)
    try:
        wait_for_path(page, "/commune")
    finally:
        page.close()
