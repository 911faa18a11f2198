"""Every page through a deep link with filters in the URL on a freshly started server:
the full frame (navigation, filters, language) must be there, not Streamlit's bare
`pages/` fallback."""

from __future__ import annotations

import pytest

from tests.browser.conftest import open_checked, open_page, page_text, screenshot, wait_ready
from ui.frame import PAGES

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("page_key", [p.key for p in PAGES if p.key != "projector"])
def test_deep_link_on_a_fresh_server_gets_the_whole_frame(browser, fresh_server, page_key):
    page = open_checked(browser, f"{fresh_server.url}/{page_key}?year=2024&period=H1&lang=vi")
    # the Vietnamese menu (a cold link goes round once through app.py: wait for it)
    page.get_by_test_id("stPageLink").filter(has_text="Tổng quan").first.wait_for(timeout=20_000)
    nav = page.get_by_test_id("stMain").inner_text()
    assert "Tổng quan" in nav and "Bản đồ" in nav and "Số liệu" in nav
    sidebar = page.get_by_test_id("stSidebar").inner_text()
    assert "2024" in sidebar and "6 tháng đầu năm" in sidebar  # the URL's filters are applied
    assert "year=2024" in page.url and "period=H1" in page.url
    for viewport in ("1280x720", "1920x1080"):
        page.set_viewport_size({"width": int(viewport.split("x")[0]), "height": int(viewport.split("x")[1])})
        page.wait_for_timeout(300)
        screenshot(page, f"frame_{page_key}")
    page.close()


def test_language_switch_changes_every_label(browser, server):
    page = open_page(browser, f"{server.url}/overview?year=2024")
    assert "Tổng quan" in page_text(page)
    page.get_by_test_id("stSidebar").get_by_text("English").click()
    wait_ready(page)
    assert "lang=en" in page.url
    nav = page.get_by_test_id("stMain").inner_text()
    assert "Overview" in nav and "Tổng quan" not in nav
    sidebar = page.get_by_test_id("stSidebar").inner_text()
    assert "Year" in sidebar and "Năm" not in sidebar.replace("Ngôn ngữ / Language", "")
    page.close()
