"""The Map and Commune pages in Chromium: the map canvas really draws (WebGL through
SwiftShader), in the status colours; clicking a commune on the map opens its page; the
way back to the map stays on the map; deep links to both pages; screenshots."""

from __future__ import annotations

import pytest

from data_access import db, queries
from data_access.extra_areas import non_commune_areas
from tests.browser.conftest import (
    assert_no_error,
    canvas_colours,
    map_canvas,
    open_checked,
    page_text,
    says_and_shoot,
    screenshot,
    shoot_both,
    text_with,
    wait_ready,
)
from ui.map import bounds_of, fit_view, polygons_of, project
from ui.status import STATUS_RGB

pytestmark = pytest.mark.browser

DISTRICT = "220"  # Sơn Động
BACKGROUND = {(255, 255, 255)}


def _canvas_colours(page) -> dict[tuple[int, int, int], int]:
    """Pixel counts per colour of the map canvas, once deck.gl has drawn the polygons."""
    return canvas_colours(page, lambda counts: sum(n for c, n in counts.items() if c not in BACKGROUND) > 1000)


def _view_and_centroids(db_url: str) -> tuple[dict[str, float], dict[str, tuple[float, float]]]:
    """The deck's initial view, computed the way the page does, and each commune's centroid."""
    engine = db.get_engine(db_url)
    shapes = queries.boundaries_in(engine, DISTRICT)
    polygons = [p for b in shapes for p in polygons_of(b.geometry)]
    polygons += [p for a in non_commune_areas(["Sơn Động"]) for p in polygons_of(a.geometry)]
    view = fit_view(bounds_of(polygons))
    return view, {b.code: b.centroid for b in shapes}


def test_map_deep_link_draws_the_communes_in_status_colours(browser, fresh_server):
    page = open_checked(browser, f"{fresh_server.url}/map?year=2024&indicator=special_children_rate")
    counts = _canvas_colours(page)
    drawn = {c: n for c, n in counts.items() if c not in BACKGROUND}
    assert len(drawn) > 20, f"the map canvas looks blank: {len(drawn)} colours"
    # Every status the table lists is on the canvas, as a large patch of its exact colour.
    text = page_text(page)
    for status, word in (("met", "Đạt"), ("not_met", "Chưa đạt")):
        assert word in text
        assert counts.get(STATUS_RGB[status], 0) > 500, (status, counts.get(STATUS_RGB[status]))
    shoot_both(page, "map", 1500)
    page.close()


def test_map_by_value_and_english(browser, server):
    page = open_checked(
        browser, f"{server.url}/map?year=2025&period=H1&indicator=hotline_111_sessions&color=value&lang=en"
    )
    text = page_text(page)
    assert "Legend" in text and "No data: 1 commune" in text  # An Lạc has not reported H1 2025
    drawn = {c for c in _canvas_colours(page) if c not in BACKGROUND}
    assert len(drawn) > 20
    screenshot(page, "map_value_en")
    page.close()


def test_clicking_a_commune_on_the_map_opens_it_and_the_way_back_stays(browser, server, browser_db_url):
    page = open_checked(browser, f"{server.url}/map?year=2024&indicator=cfc_rate")
    _canvas_colours(page)  # drawn
    view, centroids = _view_and_centroids(browser_db_url)
    box = map_canvas(page).bounding_box()
    code = "07654"  # Lệ Viễn
    lat, lon = centroids[code]
    x, y = project(lon, lat, view, box["width"], box["height"])
    # Just off the label (labels are not pickable anyway), well inside the polygon.
    page.mouse.move(box["x"] + x, box["y"] + y + 12)
    page.wait_for_timeout(300)
    page.mouse.click(box["x"] + x, box["y"] + y + 12)
    page.wait_for_url(f"**/commune?**commune={code}**", timeout=30_000)
    wait_ready(page)
    assert_no_error(page)
    text = page_text(page)
    assert "Xã Lệ Viễn" in text and "đuối nước" in text
    assert "year=2024" in page.url
    # Back to the map: it must stay there (a stale map selection must not bounce back).
    page.get_by_text("Về bản đồ các xã").click()
    page.wait_for_url("**/map?**", timeout=30_000)
    wait_ready(page)
    page.wait_for_timeout(2000)
    wait_ready(page)
    assert "/map" in page.url and "/commune" not in page.url
    assert "Chú giải" in page_text(page)
    page.close()


def test_commune_deep_link_and_screenshots(browser, fresh_server):
    page = open_checked(browser, f"{fresh_server.url}/commune?commune=07654&year=2024")
    text_with(page, "Xã Lệ Viễn", "1 trẻ em tử vong do đuối nước năm 2024", "Xếp hạng")
    shoot_both(page, "commune", 800)
    page.close()


def test_commune_that_has_not_reported(browser, server):
    url = f"{server.url}/commune?commune=07645&year=2025&period=H1"
    said = "Xã An Lạc chưa gửi báo cáo 6 tháng đầu năm 2025"
    says_and_shoot(browser, url, said, lambda page: screenshot(page, "commune_not_reported"))
