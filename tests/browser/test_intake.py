"""The officer's loop in a real browser: upload a CSV, read the dry run, confirm, see
the change in the audit trail; then the reporting-status and data-quality pages.

Runs on its own copy of the sample database (it writes to it), with its own server.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

import pytest
from sqlalchemy import select, update

from data_access import db
from data_access.models import AuditEntry, DataValue, OrgUnit
from tests.browser.conftest import (
    AppServer,
    assert_no_error,
    open_checked,
    open_page,
    page_text,
    shoot_both,
    wait_ready,
)
from tests.conftest import REPO

pytestmark = pytest.mark.browser


def sample_value(code: str, year: int, period: str, de: str) -> float:
    with (REPO / "sample_data" / "data_values.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if (r["commune_code"], int(r["year"]), r["period"], r["data_element"]) == (code, year, period, de):
                return float(r["value"])
    raise KeyError(code)


@pytest.fixture(scope="module")
def intake_db(_seeded_templates, db_factory) -> str:
    url = db_factory.new("sqlite", template=_seeded_templates["sqlite"])
    # A finding for the quality page: Tuấn Đạo's children count ×10 in FY 2025 (a typing slip).
    engine = db.get_engine(url)
    with engine.begin() as conn:
        uid = conn.execute(select(OrgUnit.id).where(OrgUnit.code == "07663")).scalar_one()
        conn.execute(
            update(DataValue)
            .where(DataValue.org_unit_id == uid, DataValue.data_element_id == "children_total")
            .where(DataValue.year == 2025, DataValue.period == "FY")
            .values(value=sample_value("07663", 2025, "FY", "children_total") * 10)
        )
        # And an error: more injury deaths than injuries in Đại Sơn.
        uid = conn.execute(select(OrgUnit.id).where(OrgUnit.code == "07627")).scalar_one()
        conn.execute(
            update(DataValue)
            .where(DataValue.org_unit_id == uid, DataValue.data_element_id == "injury_deaths")
            .where(DataValue.year == 2025, DataValue.period == "FY")
            .values(value=sample_value("07627", 2025, "FY", "injury_cases") + 1)
        )
    return url


@pytest.fixture(scope="module")
def intake_server(browser, intake_db) -> Iterator[AppServer]:
    server = AppServer(intake_db)
    # Warm the server through app.py first: on a cold server the very first session,
    # opened by a deep link, runs in Streamlit's legacy `pages/` mode and an upload
    # there never reruns the script (a frame-level quirk, reported; a reload fixes it).
    open_page(browser, server.url + "/").close()
    yield server
    server.stop()




def test_upload_dry_run_confirm_then_the_audit_lists_the_change(browser, intake_server, intake_db, tmp_path):
    old = sample_value("07654", 2025, "FY", "children_total")
    new = old + 40
    path = tmp_path / "bao_cao_le_vien.csv"
    path.write_text(
        "commune_code;commune_name;year;period;data_element;value\n"
        f"7654;Xã Lệ Viễn;2025;FY;children_total;{int(new)}\n"
        "07645;Xã An Lạc;2025;H1;drowning_deaths;0\n",
        encoding="utf-8-sig",
    )
    page = open_checked(browser, f"{intake_server.url}/import?year=2025&period=FY&lang=vi")
    text = page_text(page)
    assert "1. Tải mẫu báo cáo" in text and "Tải mẫu Excel" in text
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    page.get_by_text("3. Kiểm tra và xác nhận").wait_for(timeout=30_000)
    wait_ready(page)
    text = page_text(page)
    assert "Xác nhận nhập 2 thay đổi" in text
    metrics = page.get_by_test_id("stMetric").all_inner_texts()
    assert any("Mới" in m and m.strip().endswith("1") for m in metrics), metrics
    assert any("Thay đổi" in m and m.strip().endswith("1") for m in metrics), metrics
    page.get_by_text("3. Kiểm tra và xác nhận").scroll_into_view_if_needed()
    shoot_both(page, "intake_import_dry_run", 400)

    page.get_by_role("textbox", name="Người nhập (họ tên)").fill("Nguyễn Văn Hùng")
    page.get_by_role("textbox", name="Người nhập (họ tên)").press("Enter")
    wait_ready(page)
    page.get_by_role("button", name="Xác nhận nhập 2 thay đổi").click()
    page.get_by_text("Đã nhập tệp bao_cao_le_vien.csv").wait_for(timeout=30_000)
    wait_ready(page)
    assert_no_error(page)
    assert "2 thay đổi (1 mới, 1 sửa" in page_text(page)
    shoot_both(page, "intake_import_done", 400)
    page.close()

    page = open_checked(
        browser,
        f"{intake_server.url}/audit?commune=07654&audit_year=2025&audit_period=FY&audit_element=children_total&lang=vi",
    )
    # The table is drawn on a canvas: its text is not in the DOM. The filtered count
    # (the seed's insert + this import's update) says the change is listed; the
    # values themselves are checked in tests/test_page_intake.py.
    assert "2 thay đổi — trang 1/1" in page_text(page)
    with db.get_engine(intake_db).connect() as conn:
        changes = conn.execute(
            select(AuditEntry.old_value, AuditEntry.new_value, AuditEntry.source).where(
                AuditEntry.changed_by == "Nguyễn Văn Hùng"
            )
        ).all()
    assert sorted(changes, key=str) == sorted([(old, new, path.name), (None, 0.0, path.name)], key=str)
    shoot_both(page, "intake_audit", 400)
    page.close()


def test_reporting_status_page(browser, intake_server):
    page = open_checked(browser, f"{intake_server.url}/completeness?year=2025&period=H1&lang=vi")
    text = page_text(page)
    assert "Hạn nộp" in text and "An Lạc" in text
    shoot_both(page, "intake_completeness", 400)
    page.close()


def test_data_quality_page(browser, intake_server):
    page = open_checked(browser, f"{intake_server.url}/quality?year=2025&period=FY&lang=vi")
    text = page_text(page)
    assert "Tuấn Đạo" in text and "Cần xem lại" in text and "Mở trang xã" in text
    assert text.index("Đại Sơn") < text.index("Tuấn Đạo")  # the error before the warning
    shoot_both(page, "intake_quality", 400)
    page.get_by_role("link", name="Mở trang xã").first.click()
    wait_ready(page)
    assert "commune=07627" in page.url  # (year and period are the defaults: not in the URL)
    assert "Đại Sơn" in page_text(page)
    page.close()


def test_pages_in_english(browser, intake_server):
    for key, word in (("completeness", "Reporting status"), ("audit", "Audit trail"), ("import", "Import figures")):
        page = open_checked(browser, f"{intake_server.url}/{key}?year=2025&period=FY&lang=en")
        assert word in page_text(page)
        page.close()
