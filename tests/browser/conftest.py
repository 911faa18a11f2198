"""Real-browser fixtures: a fresh Streamlit server on a free port, Debian's Chromium.

Screenshots go to test-artifacts/screenshots/ (git-ignored) so a person can look at
every page at 1280x720 and 1920x1080 after a run.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from benchmarks.browser import CHROMIUM, CHROMIUM_ARGS, NO_PLACEHOLDER, READY, StreamlitServer

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
VIEWPORTS = {"1280x720": (1280, 720), "1920x1080": (1920, 1080)}


class AppServer(StreamlitServer):
    """`streamlit run app.py` (or `server.py`, as `./run.sh` does) in a subprocess, its log
    in test-artifacts/, stopped at teardown."""

    def __init__(self, db_url: str, env: dict[str, str] | None = None, script: str = "app.py") -> None:
        super().__init__(db_url, REPO / "test-artifacts", env=env, script=script)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package")
    (REPO / "test-artifacts").mkdir(exist_ok=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def browser_db_url(_seeded_templates, db_factory) -> str:
    """A seeded SQLite copy for the servers under test."""
    return db_factory.new("sqlite", template=_seeded_templates["sqlite"])


@pytest.fixture
def fresh_server(browser_db_url) -> Iterator[AppServer]:
    """A server nobody has visited yet (deep links behave differently on a cold one)."""
    server = AppServer(browser_db_url)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def server(browser_db_url) -> Iterator[AppServer]:
    server = AppServer(browser_db_url)
    yield server
    server.stop()


def open_page(browser, url: str, viewport: str = "1280x720", timeout: float = 30_000):
    """A new page at `url`, waited for until the script has finished running."""
    width, height = VIEWPORTS[viewport]
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(url)
    wait_ready(page, timeout)
    return page


def open_checked(browser, url: str, viewport: str = "1280x720", timeout: float = 30_000):
    """`open_page`, then `assert_no_error`: the page as a person first sees it, no error on it."""
    page = open_page(browser, url, viewport, timeout)
    assert_no_error(page)
    return page


def wait_ready(page, timeout: float = 30_000) -> None:
    page.wait_for_selector(READY, timeout=timeout)
    # A rerun can start right after the first run ends (bound widgets syncing the URL).
    page.wait_for_timeout(400)
    page.wait_for_selector(READY, timeout=timeout)
    page.wait_for_function(NO_PLACEHOLDER, timeout=timeout)


def screenshot(page, name: str) -> Path:
    size = page.viewport_size
    path = SCREENSHOTS / f"{name}_{size['width']}x{size['height']}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def page_text(page) -> str:
    return page.inner_text('[data-testid="stApp"]')


def text_with(page, *phrases: str, timeout: float = 20_000) -> str:
    """The page's text once it says every one of `phrases`; on a slow or cold server the
    first run can end before a rerun (the URL's filters applied) has drawn the rest.
    Fails with the whole text, so a wrong figure is seen, not a cut-off one."""
    deadline = time.monotonic() + timeout / 1000
    text = page_text(page)
    while not all(p in text for p in phrases) and time.monotonic() < deadline:
        page.wait_for_timeout(250)
        text = page_text(page)
    missing = [p for p in phrases if p not in text]
    assert not missing, f"missing {missing} in:\n{text}"
    return text


def assert_no_error(page) -> None:
    """No exception box and no traceback on the page."""
    assert page.locator('[data-testid="stException"]').count() == 0, page_text(page)[:2000]
    assert "Traceback" not in page_text(page)


def shoot_both(page, name: str, settle_ms: int = 300) -> list[Path]:
    """The page at 1280x720 and at 1920x1080, back to 1280x720 after (what every page is
    checked at); the two screenshots' paths."""
    paths = []
    for width, height in ((1280, 720), (1920, 1080)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(settle_ms)
        paths.append(screenshot(page, name))
    page.set_viewport_size({"width": 1280, "height": 720})
    return paths


def map_canvas(page):
    """The map's canvas, once deck.gl has put it on the page."""
    chart = page.get_by_test_id("stDeckGlJsonChart")
    chart.wait_for(timeout=30_000)
    canvas = chart.locator("canvas").first
    canvas.wait_for(timeout=30_000)
    return canvas


def canvas_colours(
    page, drawn: Callable[[dict[tuple[int, int, int], int]], bool], settle_ms: int = 25_000
) -> dict[tuple[int, int, int], int]:
    """Pixel counts per colour of the map canvas, once `drawn(counts)` says deck.gl has
    drawn what the test waits for (or when `settle_ms` have passed)."""
    from PIL import Image

    canvas = map_canvas(page)
    deadline = time.time() + settle_ms / 1000
    counts: dict[tuple[int, int, int], int] = {}
    while time.time() < deadline:
        image = Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")
        counts = {colour: n for n, colour in image.getcolors(maxcolors=1 << 20) or []}
        if drawn(counts):
            break
        page.wait_for_timeout(500)
    return counts


def says_and_shoot(browser, url: str, phrase: str, shoot: Callable[[object], object]) -> None:
    """Open `url` (no error on it), check that it says `phrase`, take its screenshots, close it."""
    page = open_checked(browser, url)
    assert phrase in page_text(page)
    shoot(page)
    page.close()


def own_sample_server(browser, db_factory, templates: dict[str, str]) -> AppServer:
    """A server on its own copy of the sample (a test that writes must not move another's
    figures), warmed at the root; `server.db_url` is that copy."""
    url = db_factory.new("sqlite", template=templates["sqlite"])
    server = AppServer(url, env={"AUTH_MODE": "none"})
    open_page(browser, server.url + "/").close()  # warm: the root switches off the legacy pages/ mode
    server.db_url = url
    return server
