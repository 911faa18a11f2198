"""Projector, what-if and help in a real Chromium: deep links on a fresh server, the
projector's timer (auto-advance and pause), sizes at 1280x720 and 1920x1080, screenshots.

Screenshots land in test-artifacts/screenshots/ (projector_slide1..4, whatif, help).
"""

from __future__ import annotations

import re
import time

import pytest

from data_access.targets import load_plan
from i18n import fmt_target, t
from tests.browser.conftest import REPO, VIEWPORTS, assert_no_error, open_page, page_text, screenshot, wait_ready

pytestmark = pytest.mark.browser

SLIDE_TITLES = {
    1: "Kết quả thực hiện các chỉ tiêu",
    2: "Bản đồ theo xã",
    3: "Các xã cần đôn đốc",
    4: "Đuối nước và tai nạn thương tích",
}


def _slide_title(page) -> str:
    return page.inner_text(".st-key-proj_title").strip()


def _fits(page) -> tuple[int, int, int, int]:
    """(content height, window height, content width, window width) of the scrolling main area."""
    return page.evaluate(
        """() => { const m = document.querySelector('[data-testid="stMain"]');
                   return [m.scrollHeight, window.innerHeight, m.scrollWidth, window.innerWidth]; }"""
    )


def _font_px(page, selector: str) -> float:
    return page.evaluate(f"() => parseFloat(getComputedStyle(document.querySelector('{selector}')).fontSize)")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/projector?slide=1&year=2024&play=0", SLIDE_TITLES[1]),
        ("/projector?slide=3&year=2024&play=0", SLIDE_TITLES[3]),
        ("/whatif?indicator=cfc_rate&year=2024", "Mô phỏng — không ghi vào cơ sở dữ liệu"),
        ("/help", "Hướng dẫn sử dụng"),
    ],
)
def test_deep_links_open_on_a_fresh_server(browser, fresh_server, path, expected):
    page = open_page(browser, fresh_server.url + path, "1920x1080")
    assert_no_error(page)
    assert expected in page_text(page)
    if path.startswith("/projector"):
        assert _slide_title(page) == expected
        # No sidebar on the projector, and the way out keeps the filters.
        assert page.locator('[data-testid="stSidebar"]').is_hidden()
        exit_link = page.get_by_role("link", name=re.compile("Thoát trình chiếu"))
        assert "year=2024" in (exit_link.get_attribute("href") or "")
    if path.startswith("/whatif"):
        plan = load_plan(REPO / "targets.yaml")
        target = plan.indicator("cfc_rate").targets[2024]
        assert t("whatif_target_plan", "vi", target=fmt_target(target, "percent", "vi")) in page_text(page)
    page.close()


def test_projector_advances_by_itself_and_pause_stops_it(browser, server):
    page = open_page(browser, server.url + "/projector?slide=1&year=2024&every=4", "1920x1080")
    assert _slide_title(page) == SLIDE_TITLES[1]
    deadline = time.time() + 15
    while time.time() < deadline and _slide_title(page) == SLIDE_TITLES[1]:
        page.wait_for_timeout(500)
    assert _slide_title(page) == SLIDE_TITLES[2], "the projector did not move on by itself"
    page.wait_for_function("() => location.search.includes('slide=2')", timeout=5000)

    page.get_by_role("button", name=re.compile("Tạm dừng")).click()
    wait_ready(page)
    page.get_by_role("button", name=re.compile("Chạy tiếp")).wait_for(timeout=10_000)
    paused_on = _slide_title(page)
    page.wait_for_timeout(10_000)  # two and a half intervals
    assert _slide_title(page) == paused_on, "the projector moved while paused"
    assert "đang dừng" in page_text(page)

    page.get_by_role("button", name="▶", exact=True).click()  # "next" still works when paused
    page.wait_for_function(
        "t => document.querySelector('.st-key-proj_title').innerText.trim() !== t", arg=paused_on, timeout=10_000
    )
    assert_no_error(page)
    page.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_every_slide_fits_the_screen_with_large_text(browser, server, viewport):
    width, height = VIEWPORTS[viewport]
    for n, title in SLIDE_TITLES.items():
        page = open_page(browser, server.url + f"/projector?slide={n}&year=2024&play=0", viewport)
        if n == 2:
            page.wait_for_timeout(1500)  # the map's canvas
        assert_no_error(page)
        assert _slide_title(page) == title
        content_h, win_h, content_w, win_w = _fits(page)
        assert content_h <= win_h + 1 and content_w <= win_w + 1, (n, viewport, _fits(page))
        screenshot(page, f"projector_slide{n}")
        if viewport == "1920x1080":
            assert _font_px(page, ".st-key-proj_title p") >= 48
            if n == 1:
                for status in ("met", "at_risk", "not_met"):
                    assert _font_px(page, f".st-key-proj_num_{status} p") >= 48
            if n == 3:
                assert _font_px(page, '[class*="st-key-proj_name_"] p') >= 48
        else:
            assert _font_px(page, ".st-key-proj_title p") >= 26 and width == 1280 and height == 720
        page.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_whatif_and_help_screenshots(browser, server, viewport):
    page = open_page(browser, server.url + "/whatif?indicator=cfc_rate&year=2024", viewport)
    assert_no_error(page)
    page.get_by_role("button", name=re.compile("Chọn các xã chưa đạt")).click()
    wait_ready(page)
    text = page_text(page)
    assert "Mô phỏng — không ghi vào cơ sở dữ liệu" in text
    assert "chuyển từ" in text and "✔ Đạt" in text  # every off-track commune assumed to meet
    screenshot(page, "whatif")
    page.close()

    page = open_page(browser, server.url + "/help?year=2024", viewport)
    assert_no_error(page)
    assert "Ý nghĩa các trạng thái" in page_text(page)
    screenshot(page, "help")
    page.get_by_text("Xã phù hợp với trẻ em (1)").click()
    page.wait_for_timeout(500)
    page.get_by_text("Tỷ lệ xã, thị trấn phù hợp với trẻ em", exact=True).scroll_into_view_if_needed()
    screenshot(page, "help_indicator")
    page.close()
