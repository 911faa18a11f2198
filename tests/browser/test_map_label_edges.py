"""The Bắc Ninh 2026 map (and Sơn Động's of 2024) at 1280×720 in Chromium: the communes' names near the edge
of the map stay inside the canvas (issue 12), none cut at its border. The canvas is
photographed (test-artifacts/screenshots/*_map_edges_*) and its outer strip
checked for label pixels: a label's dark text on its light background, cut by the edge,
leaves dark pixels in the first and last columns and rows of the canvas."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from tests.browser.conftest import SCREENSHOTS, AppServer, assert_no_error, open_page

pytestmark = pytest.mark.browser

VIEWS = {"bac_ninh": "plan=bac_ninh_2026&year=2026&period=H1", "son_dong": "plan=targets&year=2024&period=FY"}


@pytest.fixture(scope="module")
def bac_ninh_server(_both_samples_templates, db_factory) -> Iterator[AppServer]:
    server = AppServer(db_factory.new("sqlite", template=_both_samples_templates["sqlite"]))
    yield server
    server.stop()


def _canvas(page):  # a playwright Page -> a PIL Image
    from PIL import Image

    chart = page.get_by_test_id("stDeckGlJsonChart")
    chart.wait_for(timeout=30_000)
    canvas = chart.locator("canvas").first
    canvas.wait_for(timeout=30_000)
    image = None
    for _ in range(60):  # until the communes are drawn
        page.wait_for_timeout(500)
        image = Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")
        colours = image.getcolors(maxcolors=1 << 20) or []
        if sum(n for n, c in colours if c != (255, 255, 255)) > 20_000:
            page.wait_for_timeout(1500)  # labels come with the font atlas, a moment later
            return Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")
    return image


def _dark_on_edges(image, strip: int = 2) -> int:  # a PIL Image
    """Label text pixels (near-black, the labels' colour) in the canvas's outer strip."""
    w, h = image.size
    px = image.load()
    edge = [(x, y) for x in range(w) for y in (*range(strip), *range(h - strip, h))]
    edge += [(x, y) for y in range(h) for x in (*range(strip), *range(w - strip, w))]
    return sum(1 for x, y in edge if max(px[x, y]) < 60)


@pytest.mark.parametrize(("view", "color"), [("bac_ninh", "status"), ("bac_ninh", "value"), ("son_dong", "status")])
def test_no_commune_name_is_cut_at_the_map_edge_at_1280x720(browser, bac_ninh_server, view, color):
    url = f"{bac_ninh_server.url}/map?{VIEWS[view]}&color={color}"
    page = open_page(browser, url, "1280x720", timeout=90_000)
    assert_no_error(page)
    image = _canvas(page)
    image.save(SCREENSHOTS / f"{view}_map_edges_{color}_1280x720.png")
    page.screenshot(path=str(SCREENSHOTS / f"{view}_map_edges_page_{color}_1280x720.png"))
    assert _dark_on_edges(image) == 0
    page.close()
