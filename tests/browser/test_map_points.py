"""A map for any place, in Chromium: Lạng Sơn's 65 new communes have coordinates in the
official list but no boundaries, so the map draws a dot per commune, in its status
colour, and says so. The canvas is checked by its pixels; screenshots at 1280×720 and
1920×1080 (also of the pages that say "cộng từ … cũ")."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest

from tests.browser.conftest import AppServer, open_checked, page_text, shoot_both
from tests.reform_util import lang_son_after_reform
from ui.status import STATUS_RGB

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("SHOTS_12B", "/tmp/shots-12b"))
BACKGROUND = {(255, 255, 255)}


@pytest.fixture(scope="module")
def lang_son_server(_seeded_templates, db_factory, tmp_path_factory):
    url = db_factory.new("sqlite", template=_seeded_templates["sqlite"])
    plan = lang_son_after_reform(url, tmp_path_factory.mktemp("plan"))
    server = AppServer(url, env={"TARGETS_FILE": str(plan)})
    yield server
    server.stop()


def _canvas_colours(page, settle_ms: int = 25_000) -> dict[tuple[int, int, int], int]:
    from PIL import Image

    chart = page.get_by_test_id("stDeckGlJsonChart")
    chart.wait_for(timeout=30_000)
    canvas = chart.locator("canvas").first
    canvas.wait_for(timeout=30_000)
    deadline = time.time() + settle_ms / 1000
    counts: dict[tuple[int, int, int], int] = {}
    while time.time() < deadline:
        image = Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")
        counts = {colour: n for n, colour in image.getcolors(maxcolors=1 << 20) or []}
        if sum(n for c, n in counts.items() if c in {tuple(v) for v in STATUS_RGB.values()}) > 2000:
            break
        page.wait_for_timeout(500)
    return counts


def _shots(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for path in shoot_both(page, name, 1500):
        (SHOTS / path.name).write_bytes(path.read_bytes())


def test_the_map_of_communes_without_boundaries_draws_a_dot_each(browser, lang_son_server):
    page = open_checked(browser, f"{lang_son_server.url}/map?year=2025&period=FY&indicator=cp_staff_trained_rate")
    counts = _canvas_colours(page)
    text = page_text(page)
    _shots(page, "reform_map_points")
    status_pixels = {s: counts.get(tuple(STATUS_RGB[s]), 0) for s in STATUS_RGB}
    # 65 dots of ~250 px each (less their outline and any label over them): those that
    # reported in their status colour, the rest grey.
    assert sum(status_pixels.values()) > 65 * 60, status_pixels
    assert status_pixels["no_data"] > 1000, status_pixels
    assert sum(n for s, n in status_pixels.items() if s != "no_data") > 6 * 60, status_pixels
    # A dot is a dot: no colour covers a large area, as polygons would.
    assert max(status_pixels.values()) < 0.25 * sum(counts.values())
    # New Lạng Sơn has xã and phường: the words are the tree's.
    assert "Vị trí trung tâm xã, phường — chưa có ranh giới" in text
    assert "Ranh giới minh họa" not in text  # no boundary is drawn
    assert "Chưa có ranh giới trên bản đồ" not in text
    page.close()


def test_the_pages_that_carry_figures_say_so(browser, lang_son_server):
    page = open_checked(browser, f"{lang_son_server.url}/?year=2025&period=FY")
    assert "2024: số liệu của 6 xã mới cộng từ" in page_text(page)
    _shots(page, "reform_overview")
    page.close()
