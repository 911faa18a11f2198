"""Issue 16 in a real browser: a spreadsheet bomb and a file with many errors on the
import page, data that looks like markdown in the indicator page's heading and warning,
and PostgreSQL going away and coming back under an open page.

Screenshots at 1280×720 and 1920×1080 go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from data_access import db
from data_access.intake import MAX_ISSUES
from tests.browser.conftest import AppServer, assert_no_error, open_checked, page_text, screenshot, wait_ready
from tests.conftest import PG_ADMIN_URL
from tests.test_hardening import (
    HEADER,
    HOSTILE_MD,
    _hostile_plan,
    _rename_commune,
    _split_at_first_data_row,
    filled_template,
    rewrite_sheet,
)

pytestmark = pytest.mark.browser
NAME = f"Xã {HOSTILE_MD}"


def _both_sizes(page, name: str) -> None:
    for width, height in ((1280, 720), (1920, 1080)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(300)
        screenshot(page, name)


def _upload(page, path) -> None:
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    page.wait_for_timeout(1500)
    wait_ready(page, 60_000)


@pytest.fixture(scope="module")
def hostile_url(_seeded_templates, db_factory) -> str:
    url = db_factory.new("sqlite", template=_seeded_templates["sqlite"])
    _rename_commune(url, "07654", NAME)
    with db.get_engine(url).begin() as conn:  # Lệ Viễn has not reported for H1 2025
        conn.execute(
            text(
                "DELETE FROM data_value WHERE year = 2025 AND period = 'H1'"
                " AND org_unit_id IN (SELECT id FROM org_unit WHERE code = '07654')"
            )
        )
    return url


@pytest.fixture(scope="module")
def hostile_server(hostile_url, tmp_path_factory):
    server = AppServer(
        hostile_url, env={"TARGETS_FILE": _hostile_plan(tmp_path_factory.mktemp("plan")), "AUTH_MODE": "none"}
    )
    yield server
    server.stop()


def _no_markup(page) -> None:
    assert page.locator('[data-testid="stApp"] img[src*="x.invalid"]').count() == 0
    assert page.locator('[data-testid="stMarkdownContainer"] em').count() == 0
    assert page.locator('[data-testid="stMarkdownContainer"] .katex').count() == 0  # no maths


def test_the_bomb_and_many_errors_on_the_import_page(browser, hostile_server, hostile_url, tmp_path):
    bomb = tmp_path / "bom.xlsx"
    bomb.write_bytes(
        rewrite_sheet(filled_template(db.get_engine(hostile_url)), _split_at_first_data_row, repeat_bytes=200 << 20)
    )
    page = open_checked(browser, f"{hostile_server.url}/import?year=2025&period=H1")
    _upload(page, bomb)
    assert "Tệp bom.xlsx có 1 lỗi nên chưa ghi gì" in page_text(page)
    assert "giải nén lên tới" in page_text(page)  # the reason in the box, not cut off in a grid
    _both_sizes(page, "hardening_import_bomb")
    page.close()

    many = tmp_path / "![i](x.invalid) ${7*7} *a* {value_text}.csv"  # no "/" in a file name
    body = "\n".join(f"07645,,2025,H1,children_total,x{i}" for i in range(MAX_ISSUES + 7))
    many.write_text(HEADER + "\n" + body + "\n", encoding="utf-8")
    page = open_checked(browser, f"{hostile_server.url}/import?year=2025&period=H1")
    _upload(page, many)
    shown = page_text(page)
    assert f"Tệp {many.name} có {MAX_ISSUES + 7} lỗi" in shown, shown[:800]
    assert "Và 7 lỗi khác." in shown
    _no_markup(page)
    _both_sizes(page, "hardening_import_many_errors")
    page.close()


def test_the_indicator_heading_and_warning_show_data_as_written(browser, hostile_server):
    page = open_checked(browser, f"{hostile_server.url}/indicator?year=2025&period=H1&indicator=drowning_deaths")
    shown = page_text(page)
    assert f"Số trẻ em tử vong do đuối nước {HOSTILE_MD}" in shown
    assert NAME in shown
    _no_markup(page)
    _both_sizes(page, "hardening_indicator_hostile")
    page.close()


def test_postgresql_going_away_and_coming_back_under_an_open_page(browser, _seeded_templates, db_factory):
    url = db_factory.new("postgresql", template=_seeded_templates["postgresql"])
    name = make_url(url).database
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    # A configured database without logins: `write`, so the import page (read afresh) opens.
    server = AppServer(url, env={"AUTH_MODE": "none", "ALLOW_NO_LOGIN": "write"})
    try:
        page = open_checked(
            browser, f"{server.url}/indicator?year=2024&period=FY&indicator=drowning_deaths", timeout=60_000
        )
        with admin.connect() as conn:  # the server stops taking this database's connections
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
        # Pages drawn from the server's caches still show; the import page reads afresh.
        page.goto(f"{server.url}/import?year=2024&period=FY")
        wait_ready(page, 60_000)
        assert_no_error(page)
        assert "Tạm thời không kết nối được cơ sở dữ liệu" in page_text(page)
        _both_sizes(page, "hardening_outage")
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        page.get_by_role("button", name="Thử lại").click()
        page.wait_for_timeout(1000)
        wait_ready(page, 60_000)
        assert_no_error(page)
        assert "Tạm thời không kết nối" not in page_text(page)
        assert "Các lần nhập gần đây" in page_text(page)
        page.close()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()
        server.stop()
