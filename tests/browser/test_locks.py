"""The period-lock page in a real browser: an administrator closes a period, the table
lists it, an import into it is refused with a plain message; screenshots of each."""

from __future__ import annotations

import pytest

from data_access import db, locks
from tests.browser.conftest import assert_no_error, open_checked, own_sample_server, page_text, shoot_both, wait_ready

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def locks_server(_seeded_templates, db_factory, browser):
    server = own_sample_server(browser, db_factory, _seeded_templates)
    yield server
    server.stop()




def test_close_a_period_then_an_import_is_refused(browser, locks_server, tmp_path):
    page = open_checked(browser, f"{locks_server.url}/locks?year=2025&period=FY&area=220")
    assert "Chưa có kỳ báo cáo nào bị khoá sổ" in page_text(page)
    page.get_by_role("textbox", name="Lý do (ví dụ: hết hạn nộp báo cáo)").fill("Hết hạn nộp báo cáo năm")
    page.get_by_role("button", name="Khoá sổ").click()
    page.get_by_text("Đã khoá sổ").wait_for(timeout=30_000)
    wait_ready(page)
    assert_no_error(page)
    shoot_both(page, "locks_closed")
    page.close()
    engine = db.get_engine(locks_server.db_url)
    assert [(lk.year, lk.period, lk.area_code) for lk in locks.list_locks(engine)] == [(2025, "FY", "220")]

    path = tmp_path / "le_vien.csv"
    path.write_text(
        "commune_code,commune_name,year,period,data_element,value\n07654,Xã Lệ Viễn,2025,FY,children_total,1999\n",
        encoding="utf-8",
    )
    page = open_checked(browser, f"{locks_server.url}/import?year=2025&period=FY&area=220")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    # The reasons are in a table drawn on a canvas; the headline says nothing was written.
    page.get_by_text("nên chưa ghi gì", exact=False).first.wait_for(timeout=30_000)
    wait_ready(page)
    assert not page.get_by_role("button", name="Xác nhận").count()
    shoot_both(page, "locks_import_refused")
    page.close()
