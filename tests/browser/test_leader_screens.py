"""The leader's screens in Chromium (issue 13): the Overview's answer fits the first
screen at 1280x720, the commune grid fits 1920 without sideways scroll, and the print
button prints on the overview, commune and indicator pages with a print stylesheet."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_no_error, open_checked, open_page, screenshot

pytestmark = pytest.mark.browser


def test_overview_answer_fits_the_first_screen_at_1280(browser, server):
    page = open_checked(browser, f"{server.url}/overview?year=2025&period=FY", "1280x720")
    page.wait_for_timeout(800)
    screenshot(page, "leader_first_screen")
    verdict = page.locator(".st-key-lead_verdict h3").first
    assert "chỉ tiêu đạt — năm 2024:" in verdict.inner_text()
    links = page.locator('.st-key-lead_focus [data-testid="stPageLink"] a')
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert sum("indicator=" in h for h in hrefs) >= 3 and sum("commune=" in h for h in hrefs) >= 3
    # Everything of the answer, down to the last caption, is above the fold.
    focus = page.locator(".st-key-lead_focus").bounding_box()
    assert focus["y"] + focus["height"] <= 720, focus
    assert page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollTop") == 0


def test_commune_grid_fits_1920_without_sideways_scroll(browser, server):
    page = open_page(browser, f"{server.url}/overview?year=2025&period=FY", "1920x1080")
    grid = page.locator(".st-key-overview_grid, [data-testid='stDataFrame']").last
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(1200)
    screenshot(page, "leader_grid")
    box = grid.bounding_box()
    assert box["x"] + box["width"] <= 1920
    # Glide's scroller: content no wider than the box (no horizontal scrollbar).
    widths = page.evaluate(
        """() => { const all = [...document.querySelectorAll('[data-testid="stDataFrame"] .dvn-scroller')];
                   const s = all[all.length - 1]; return [s.scrollWidth, s.clientWidth]; }"""
    )
    assert widths[0] <= widths[1] + 1, widths


@pytest.mark.parametrize(
    "path", ["overview?year=2025", "commune?year=2025&commune=07678", "indicator?year=2025&indicator=cfc_rate"]
)
def test_print_button_prints_the_page_with_a_print_stylesheet(browser, server, path):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.add_init_script("window.print = () => { window.__printed = (window.__printed || 0) + 1; };")
    page.goto(f"{server.url}/{path}")
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=30_000)
    page.wait_for_timeout(800)
    assert_no_error(page)
    frame = page.frame_locator(".st-key-print_button iframe")
    button = frame.locator("button#print")
    assert button.inner_text() == "In / Xuất PDF trang này"
    button.click()
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__printed") == 1
    page.emulate_media(media="print")
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    assert not page.locator(".st-key-print_button").is_visible()
    page.close()


def test_the_chairmans_one_page_summary_downloads_from_the_overview(browser, server, tmp_path):
    import subprocess

    for size in ("1280x720", "1920x1080"):
        page = open_checked(browser, f"{server.url}/overview?year=2025&period=FY", size)
        screenshot(page, "overview_tools")
        button = page.locator(".st-key-overview_tools").get_by_role("button", name="Tóm tắt 1 trang (PDF)")
        assert button.count() == 1
        # Beside the print button, both above the title: neither pushes the answer down.
        title = page.locator("h1").first.bounding_box()
        assert button.bounding_box()["y"] < title["y"]
        page.close()
    page = open_page(browser, f"{server.url}/overview?year=2025&period=FY", "1280x720")
    with page.expect_download(timeout=60_000) as download:
        page.locator(".st-key-overview_tools").get_by_role("button", name="Tóm tắt 1 trang (PDF)").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == "tom-tat-1-trang-tre-em-son-dong-2025-FY.pdf"
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           1" in info
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "chỉ tiêu đạt" in text and "Sơn Động" in text
    page.close()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_menu_is_one_row_at_1280_and_reaches_every_page(browser, server, lang):
    page = open_checked(browser, f"{server.url}/overview?year=2025&lang={lang}", "1280x720")
    screenshot(page, f"menu_{lang}")
    row = page.locator(".st-key-nav_row")
    items = row.locator('[data-testid="stPageLink"], [data-testid="stPopover"]')
    boxes = [items.nth(i).bounding_box() for i in range(items.count())]
    middles = [b["y"] + b["height"] / 2 for b in boxes]
    assert items.count() == 7, items.count()  # five pages, two menus
    assert max(middles) - min(middles) < 6, middles  # on one line
    assert max(b["x"] + b["width"] for b in boxes) <= 1280
    # The committee's menu holds the projector, the follow-up and the meeting; links keep the filters.
    row.locator('[data-testid="stPopover"] button').first.click()
    menu = page.locator('[data-testid="stPopoverBody"]')
    hrefs = [a.get_attribute("href") for a in menu.locator("a").all()]
    assert {h.split("?")[0].rsplit("/", 1)[-1] for h in hrefs} == {"projector", "followup", "meeting"}
    assert all("year=2025" in h for h in hrefs)
    # The guide sits at the foot of the sidebar.
    help_link = page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"] a')
    assert help_link.get_attribute("href").split("?")[0].rsplit("/", 1)[-1] == "help"
    page.close()
