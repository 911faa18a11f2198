"""The post-reform sample in Chromium: every page of the 2026 Bắc Ninh plan renders at
1280×720 and 1920×1080 (screenshots in test-artifacts/screenshots/bac_ninh_*), the map
canvas draws the 99 communes in colour, and the plan survives a click in the menu."""

from __future__ import annotations

import io
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import AppServer, open_checked, open_page, page_text, screenshot, wait_ready
from ui.frame import PAGES

pytestmark = pytest.mark.browser

PLAN = "plan=bac_ninh_2026&year=2026&period=H1"
BACKGROUND = {(255, 255, 255)}
LOOK = Path("/tmp/shots-12a")  # a copy for the person who looks at them


@pytest.fixture(scope="module")
def bac_ninh_server(_both_samples_templates, db_factory) -> Iterator[AppServer]:
    server = AppServer(db_factory.new("sqlite", template=_both_samples_templates["sqlite"]))
    yield server
    server.stop()


def _shot(page, name: str) -> None:
    path = screenshot(page, name)
    LOOK.mkdir(exist_ok=True)
    shutil.copy(path, LOOK / path.name)


def _canvas_colours(page, settle_ms: int = 30_000) -> dict[tuple[int, int, int], int]:
    from PIL import Image

    chart = page.get_by_test_id("stDeckGlJsonChart")
    chart.wait_for(timeout=30_000)
    canvas = chart.locator("canvas").first
    canvas.wait_for(timeout=30_000)
    deadline, counts = time.time() + settle_ms / 1000, {}
    while time.time() < deadline:
        image = Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")
        counts = {colour: n for n, colour in image.getcolors(maxcolors=1 << 20) or []}
        if sum(n for c, n in counts.items() if c not in BACKGROUND) > 5000:
            break
        page.wait_for_timeout(500)
    return counts


@pytest.mark.parametrize("viewport", ["1280x720", "1920x1080"])
def test_every_page_of_the_2026_plan_renders(browser, bac_ninh_server, viewport):
    for spec in PAGES:
        page = open_checked(browser, f"{bac_ninh_server.url}/{spec.key}?{PLAN}", viewport, timeout=90_000)
        text = page_text(page)
        assert "Bắc Ninh" in text, spec.key
        assert "Thị trấn An Châu" not in text, spec.key  # a 2024 unit in a 2026 view
        page.wait_for_timeout(800)
        _shot(page, f"bac_ninh_{spec.key}")
        page.close()


def test_the_map_draws_the_99_communes_in_colour(browser, bac_ninh_server):
    page = open_checked(browser, f"{bac_ninh_server.url}/map?{PLAN}&indicator=safe_home_rate", timeout=90_000)
    counts = _canvas_colours(page)
    coloured = {c: n for c, n in counts.items() if c not in BACKGROUND and max(c) - min(c) > 40}
    assert sum(coloured.values()) > 20_000, f"the map canvas looks blank: {sum(coloured.values())} coloured px"
    _shot(page, "bac_ninh_map_canvas")
    page.close()


def test_the_plan_survives_a_click_in_the_menu(browser, bac_ninh_server):
    # Not today's plan (so the URL must carry it): Sơn Động's 2024–2025 plan.
    page = open_page(browser, f"{bac_ninh_server.url}/overview?plan=targets&year=2024", timeout=90_000)
    assert "Huyện Sơn Động" in page_text(page)
    page.get_by_test_id("stPageLink").filter(has_text="Bản đồ").first.click()
    page.wait_for_url("**/map?**plan=targets**", timeout=30_000)
    wait_ready(page, 90_000)
    text = page_text(page)
    assert "Bản đồ Sơn Động" in text and "Bắc Ninh" not in text.split("Kế hoạch")[0]
    # Today's plan (the default, so the URL may leave it out): still the province after a click.
    page.goto(f"{bac_ninh_server.url}/overview?{PLAN}")
    wait_ready(page, 90_000)
    page.get_by_test_id("stPageLink").filter(has_text="Chỉ tiêu").first.click()
    page.wait_for_url("**/indicator**", timeout=30_000)
    wait_ready(page, 90_000)
    assert "Tỉnh Bắc Ninh" in page_text(page) or "Bắc Ninh" in page_text(page)
    assert "Huyện Sơn Động" not in page_text(page)
    page.close()
