"""The projector's trend slide in Chromium (issue 12, last edges, item 4): the new
province's injury counts have four digits ("1.774"), and at 1280x720 the bars' figures
ran into each other. Each figure now fits its bar's band at 1280x720 and 1920x1080, at
least 16 px (screenshots: test-artifacts/screenshots/projector_trend_labels_*)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

import pytest

from tests.browser.conftest import AppServer, open_checked, screenshot

pytestmark = pytest.mark.browser

URL = "/projector?slide=4&plan=bac_ninh_2026&year=2026&period=H1&play=0"
LABELS = ".st-key-proj_chartbox_injury_cases svg .mark-text.role-mark text"


@pytest.fixture(scope="module")
def bac_ninh_server(_both_samples_templates, db_factory) -> Iterator[AppServer]:
    server = AppServer(db_factory.new("sqlite", template=_both_samples_templates["sqlite"]))
    yield server
    server.stop()


@pytest.mark.parametrize("viewport", ["1280x720", "1920x1080"])
def test_four_digit_bar_figures_do_not_overlap(browser, bac_ninh_server, viewport):
    page = open_checked(browser, bac_ninh_server.url + URL, viewport, timeout=120_000)
    page.wait_for_selector(LABELS, timeout=30_000)
    boxes = page.evaluate(
        """sel => Array.from(document.querySelectorAll(sel)).map(e => {
               const r = e.getBoundingClientRect();
               return {text: e.textContent, left: r.left, right: r.right,
                       px: parseFloat(getComputedStyle(e).fontSize || e.getAttribute('font-size'))};
           }).sort((a, b) => a.left - b.left)""",
        LABELS,
    )
    screenshot(page, "projector_trend_labels")
    texts = [b["text"] for b in boxes]
    assert len(texts) >= 5 and any(len(t) >= 5 for t in texts), texts  # four digits: "1.774" (can fail)
    overlaps = [(a["text"], b["text"]) for a, b in pairwise(boxes) if a["right"] > b["left"] - 2]
    assert overlaps == [], boxes
    assert min(b["px"] for b in boxes) >= 16, boxes
    page.close()
