"""A map for any place, in Chromium: Lạng Sơn's 65 new communes have coordinates in the
official list but no boundaries, so the map draws a dot per commune, in its status
colour, and says so. The canvas is checked by its pixels; screenshots at 1280×720 and
1920×1080 (also of the pages that say "cộng từ … cũ")."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.conftest import AppServer, canvas_colours, open_checked, page_text, says_and_shoot, shoot_both
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


def _canvas_colours(page) -> dict[tuple[int, int, int], int]:
    """Pixel counts per colour of the map canvas, once deck.gl has drawn the dots."""
    status = {tuple(v) for v in STATUS_RGB.values()}
    return canvas_colours(page, lambda counts: sum(n for c, n in counts.items() if c in status) > 2000)


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
    url = f"{lang_son_server.url}/?year=2025&period=FY"
    says_and_shoot(browser, url, "2024: số liệu của 6 xã mới cộng từ", lambda page: _shots(page, "reform_overview"))
