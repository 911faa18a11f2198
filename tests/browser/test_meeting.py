"""A whole steering-committee meeting in a real browser, on the sample district:
open the meeting, give two directions from red cells, import a report mid-meeting
(the meeting's frozen figures do not move, the live indicator page does), close the
meeting, download the record and read it back with python-docx; the next meeting
lists those two directions as due. Screenshots at 1280x720 and 1920x1080.

Expected figures are computed here with `compute_progress` on the test's own database,
before and after the import, never read off the page.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from docx import Document

from data_access import db, followup
from data_access.progress import compute_progress
from data_access.targets import load_plan
from i18n import fmt_date, local_today
from tests.browser.conftest import (
    assert_no_error,
    open_checked,
    open_page,
    own_sample_server,
    page_text,
    shoot_both,
    wait_ready,
)
from tests.conftest import REPO
from ui.scorecard import fmt_result

pytestmark = pytest.mark.browser
INDICATOR = "hotline_111_sessions"  # a count the import moves: area value = sum of the communes


@pytest.fixture(scope="module")
def meeting_server(_seeded_templates, db_factory, browser):
    server = own_sample_server(browser, db_factory, _seeded_templates)
    yield server
    server.stop()




def _tab(page, name: str) -> None:
    page.get_by_test_id("stRadio").get_by_text(name).click()
    wait_ready(page)


def _submit(page, fields: dict[str, str], button: str, done: str, timeout: float) -> None:
    """Fill the form's text boxes (by their labels), press `button`, wait for `done` and the rerun."""
    for name, value in fields.items():
        page.get_by_role("textbox", name=name).fill(value)
    page.get_by_role("button", name=button).click()
    page.get_by_text(done).wait_for(timeout=timeout)
    wait_ready(page)
    assert_no_error(page)


def _open_meeting(page, day: str, chair: str) -> None:
    fields = {"Ngày họp (ngày/tháng/năm)": day, "Người chủ trì": chair}
    _submit(page, fields, "Mở cuộc họp", "Kết quả các chỉ tiêu (số liệu đã chốt)", 60_000)


def _give_from_red_cell(page, option: int, text: str, owner: str, due: str) -> str:
    """Pick the `option`-th red cell, fill the pre-filled form, save; returns the cell's label."""
    page.get_by_test_id("stSelectbox").filter(has_text="Giao việc từ ô chưa đạt").locator("input").click()
    choice = page.get_by_role("option").nth(option)
    label = choice.inner_text()
    choice.click()
    wait_ready(page)
    fields = {"Nội dung chỉ đạo": text, "Đơn vị, người chịu trách nhiệm": owner, "Thời hạn (ngày/tháng/năm)": due}
    _submit(page, fields, "Ghi việc", "Đã ghi việc số", 30_000)
    return label


def test_a_whole_meeting_on_the_sample(browser, meeting_server, tmp_path):
    engine = db.get_engine(meeting_server.db_url)
    plan = load_plan(REPO / "targets.yaml")
    ind = plan.indicator(INDICATOR)
    before = compute_progress(engine, plan, 2025, "FY")
    old_row = before.row(INDICATOR)
    old_text = fmt_result(old_row.value, ind, "vi", old_row.expected)
    today = local_today()
    due = fmt_date(today + timedelta(days=10))

    page = open_checked(browser, f"{meeting_server.url}/meeting?year=2025&period=FY&area=220")
    assert "Chưa có cuộc họp nào" in page_text(page)
    shoot_both(page, "meeting_start")
    _open_meeting(page, fmt_date(today), "Nguyễn Văn An")
    meeting_url = page.url
    assert "meeting=" in meeting_url
    text = page_text(page)
    assert "Nguyễn Văn An" in text and old_text in text
    shoot_both(page, "meeting_figures")

    _tab(page, "3. Giao việc")
    first = _give_from_red_cell(page, 0, "Rà soát các điểm nước nguy hiểm", "Công an xã", due)
    shoot_both(page, "meeting_given_one")

    # A report lands mid-meeting: 50 more hotline sessions in the first commune.
    commune = before.communes[0]
    old_commune = before.figures.get(commune.code, {}).get(INDICATOR, 0.0)
    path = tmp_path / "bao_cao.csv"
    path.write_text(
        "commune_code,commune_name,year,period,data_element,value\n"
        f"{commune.code},{commune.full_name},2025,FY,{INDICATOR},{int(old_commune) + 50}\n",
        encoding="utf-8",
    )
    other = open_page(browser, f"{meeting_server.url}/import?year=2025&period=FY&lang=vi")
    other.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    other.get_by_text("3. Kiểm tra và xác nhận").wait_for(timeout=30_000)
    wait_ready(other)
    other.get_by_role("textbox", name="Người nhập (họ tên)").fill("Nguyễn Văn Hùng")
    other.get_by_role("textbox", name="Người nhập (họ tên)").press("Enter")
    wait_ready(other)
    other.get_by_role("button", name="Xác nhận nhập 1 thay đổi").click()
    other.get_by_text("Đã nhập tệp bao_cao.csv").wait_for(timeout=30_000)
    after = compute_progress(engine, plan, 2025, "FY")
    new_text = fmt_result(after.row(INDICATOR).value, ind, "vi", after.row(INDICATOR).expected)
    assert new_text != old_text
    other.goto(f"{meeting_server.url}/indicator?year=2025&period=FY&area=220&indicator={INDICATOR}")
    wait_ready(other)
    other.wait_for_timeout(5500)  # the data version is re-read every 5 s
    other.reload()
    wait_ready(other)
    assert new_text in page_text(other)  # the live view moved
    other.close()

    page.goto(meeting_url)  # the meeting reopened by its link: the frozen figures have not moved
    wait_ready(page)
    text = page_text(page)
    assert old_text in text and new_text not in text
    _tab(page, "3. Giao việc")
    second = _give_from_red_cell(page, 1, "Mở lớp dạy bơi cho trẻ em", "Trường THCS", due)
    assert first != second
    given = followup.list_directions(engine, None, meeting_id=int(meeting_url.split("meeting=")[1].split("&")[0]))
    assert sorted(d.text for d in given) == ["Mở lớp dạy bơi cho trẻ em", "Rà soát các điểm nước nguy hiểm"]
    assert all(d.due == today + timedelta(days=10) for d in given)

    _tab(page, "4. Kết luận, biên bản")
    page.get_by_role("textbox", name="Nội dung kết luận (mỗi ý một dòng)").fill(
        "Tập trung phòng chống đuối nước trước hè."
    )
    page.get_by_role("button", name="Kết thúc cuộc họp").click()
    page.get_by_text("Cuộc họp đã kết thúc lúc").wait_for(timeout=30_000)
    wait_ready(page)
    assert_no_error(page)
    shoot_both(page, "meeting_closed")
    with page.expect_download() as info:
        page.get_by_role("button", name="Tải thông báo kết luận (.docx)").click()
    out = tmp_path / "bien-ban.docx"
    info.value.save_as(out)
    record = Document(str(out))
    paragraphs = "\n".join(p.text for p in record.paragraphs)
    cells = "\n".join(c.text for t in record.tables for r in t.rows for c in r.cells)
    assert "THÔNG BÁO KẾT LUẬN" in paragraphs and "Tập trung phòng chống đuối nước trước hè." in paragraphs
    assert "Rà soát các điểm nước nguy hiểm" in cells and "Mở lớp dạy bơi cho trẻ em" in cells and due in cells
    assert "Nguyễn Văn An" in cells
    if old_row.status in ("not_met", "at_risk"):  # part I lists the figures off track, as frozen
        assert old_text in paragraphs and new_text not in paragraphs
    page.close()

    # The next meeting: both directions are due since the last one.
    page = open_page(browser, f"{meeting_server.url}/meeting?year=2025&period=FY&area=220")
    assert "đã kết thúc" in page_text(page)
    _open_meeting(page, fmt_date(today + timedelta(days=20)), "Nguyễn Văn An")
    _tab(page, "2. Việc đến hạn")
    text = page_text(page)
    assert "Việc đến hạn từ cuộc họp trước (2)" in text
    assert "Rà soát các điểm nước nguy hiểm" in text and "Mở lớp dạy bơi cho trẻ em" in text
    assert "Quá hạn" in text  # due 10 days after the first meeting, still open 20 days after
    shoot_both(page, "meeting_next_due")
    page.close()
