"""The projector in a real browser (issue 13): the footnote and notes are at least 20 px
at 1280x720 on every slide (a committee reads them from the back of the room), the
slides still fit the screen, and auto-advance keeps the slide in the URL (a reload
stays on it)."""

from __future__ import annotations

import time

import pytest

from tests.browser.conftest import assert_no_error, open_page, screenshot, wait_ready
from tests.browser.test_projector_whatif_help import SLIDE_TITLES, _fits, _slide_title

pytestmark = pytest.mark.browser

SMALL_TEXT = (
    ".st-key-proj_footer p",
    ".st-key-proj_protected p",
    ".st-key-proj_note p",
    ".st-key-proj_summary p",
)


def _smallest_px(page) -> dict[str, float]:
    """The computed font size of every footnote-like paragraph on the slide, by selector."""
    return page.evaluate(
        """sels => Object.fromEntries(sels.map(s => [s, Math.min(...Array.from(document.querySelectorAll(s))
               .filter(e => e.innerText.trim()).map(e => parseFloat(getComputedStyle(e).fontSize)))]))""",
        list(SMALL_TEXT),
    )


def test_footnotes_are_at_least_20px_and_every_slide_fits(browser, server):
    for n, title in SLIDE_TITLES.items():
        page = open_page(browser, server.url + f"/projector?slide={n}&year=2024&play=0", "1280x720")
        if n == 2:
            page.wait_for_timeout(1500)  # the map's canvas
        assert_no_error(page)
        assert _slide_title(page) == title
        sizes = {sel: px for sel, px in _smallest_px(page).items() if px != float("inf")}
        assert ".st-key-proj_footer p" in sizes and ".st-key-proj_protected p" in sizes, sizes
        assert all(px >= 20 for px in sizes.values()), (n, sizes)
        content_h, win_h, content_w, win_w = _fits(page)
        assert content_h <= win_h + 1 and content_w <= win_w + 1, (n, _fits(page))
        screenshot(page, f"projector_footnote_slide{n}")
        page.close()


def test_auto_advance_puts_the_slide_in_the_url_and_a_reload_stays(browser, server):
    page = open_page(browser, server.url + "/projector?slide=2&year=2024&every=6", "1280x720")
    deadline = time.time() + 20
    while time.time() < deadline and _slide_title(page) != SLIDE_TITLES[3]:
        page.wait_for_timeout(300)
    assert _slide_title(page) == SLIDE_TITLES[3], "the projector did not move on by itself"
    page.wait_for_function("() => location.search.includes('slide=3')", timeout=5000)
    assert "year=2024" in page.url and "every=6" in page.url  # the other filters are kept
    page.goto(page.url.replace("every=6", "every=600"))  # that link opened again, slow timer
    wait_ready(page)
    assert _slide_title(page) == SLIDE_TITLES[3]
    assert_no_error(page)
    page.close()
