"""The meeting page ("Họp Ban chỉ đạo") in AppTest on SQLite and PostgreSQL: an editor
opens a meeting (the figures are frozen in it), gives a direction from a red cell,
closes it and downloads the record; an import afterwards leaves the meeting's figures
as they were; a viewer reopens it by its link but cannot open or close one."""

from __future__ import annotations

import io
from datetime import date

from docx import Document

from data_access import db, followup
from data_access.progress import compute_progress
from data_access.targets import load_plan
from tests.access_util import make_user, open_page_as
from tests.apptest_util import REPO, all_text, run_app

DISTRICT = "220"


def _button(at, label: str):
    return next(b for b in at.button if b.label == label)


def _open_meeting(at, day: str) -> int:
    at.text_input(key="meeting_open_date").input(day)
    at.text_input(key="meeting_open_chair").input("Nguyễn Văn An")
    _button(at, "Mở cuộc họp").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    raw = at.query_params["meeting"]
    return int(raw[0] if isinstance(raw, list) else raw)


def test_a_meeting_from_opening_to_its_record(monkeypatch, seeded_url):
    engine = db.ready_engine(seeded_url)
    plan = load_plan(REPO / "targets.yaml")
    at = run_app(monkeypatch, seeded_url, page="meeting", year="2025", period="FY")
    assert "Chưa có cuộc họp nào" in all_text(at)
    mid = _open_meeting(at, "20/12/2025")
    meeting = followup.get_meeting(engine, None, mid)
    assert (meeting.meeting_date, meeting.year, meeting.period, meeting.chaired_by) == (
        date(2025, 12, 20),
        2025,
        "FY",
        "Nguyễn Văn An",
    )
    # The snapshot is the progress of the moment, area and communes.
    progress = compute_progress(engine, plan, 2025, "FY")
    snap = followup.meeting_snapshot(engine, None, mid)
    assert {(r["area_code"], r["indicator_id"], r["status"]) for r in snap} == {
        (r.area_code, r.indicator_id, r.status) for r in progress.rows
    }
    # A red cell pre-fills the form.
    at.radio(key="w_part").set_value("given")
    at.run()
    red = [r for r in progress.commune_rows if r.status == "not_met"]
    picker = at.selectbox(key="meeting_red_cell")
    assert len(picker.options) == sum(1 for r in progress.commune_rows if r.status in ("not_met", "at_risk"))
    picker.set_value(0)
    at.run()
    chosen = next(s for s in at.selectbox if s.key and s.key.endswith("_place") and s.key.startswith("meeting_add_"))
    first = chosen.value
    assert first in {r.area_code for r in red}
    prefix = chosen.key.removesuffix("_place")
    at.text_area(key=f"{prefix}_text").input("Mở lớp dạy bơi")
    at.text_input(key=f"{prefix}_owner").input("Trường THCS")
    at.text_input(key=f"{prefix}_due").input("15/01/2026")
    _button(at, "Ghi việc").click()
    at.run()
    [given] = followup.list_directions(engine, None, meeting_id=mid)
    assert (given.area_code, given.text, given.due) == (first, "Mở lớp dạy bơi", date(2026, 1, 15))
    at.run()
    assert "Việc giao tại cuộc họp (1)" in all_text(at)
    at.radio(key="w_part").set_value("close")
    at.run()
    at.text_area(key="meeting_conclusions").input("Tập trung dạy bơi trước hè.")
    _button(at, "Kết thúc cuộc họp").click()
    at.run()
    assert followup.get_meeting(engine, None, mid).is_closed
    assert [str(b.proto.label) for b in at.get("download_button")] == ["Tải thông báo kết luận (.docx)"]
    record = Document(io.BytesIO(_record(engine, mid, plan)))  # what the button serves
    text = "\n".join(p.text for p in record.paragraphs)
    assert "THÔNG BÁO KẾT LUẬN" in text and "Tập trung dạy bơi trước hè." in text
    assert "Mở lớp dạy bơi" in "\n".join(c.text for t in record.tables for r in t.rows for c in r.cells)
    assert "Cuộc họp đã kết thúc" in all_text(at)

    # The next meeting checks the direction (due 15/01/2026, before it).
    at = run_app(monkeypatch, seeded_url, page="meeting", year="2025", period="FY")
    mid2 = _open_meeting(at, "01/02/2026")
    assert [d.id for d in followup.due_for_meeting(engine, None, followup.get_meeting(engine, None, mid2))] == [
        given.id
    ]
    at.radio(key="w_part").set_value("due")
    at.run()
    assert "Việc đến hạn từ cuộc họp trước (1)" in all_text(at) and "Mở lớp dạy bơi" in all_text(at)


def _record(engine, mid, plan) -> bytes:
    from data_access.meeting_docx import meeting_record

    return meeting_record(engine, None, mid, plan=plan)


def test_a_viewer_reopens_a_meeting_by_its_link_but_cannot_run_one(monkeypatch, seeded_url):
    engine = db.ready_engine(seeded_url)
    snap = [
        {
            "area_code": DISTRICT,
            "indicator_id": "swim_safe_rate",
            "value": "41,0",
            "target": "≥ 50 %",
            "status": "not_met",
        }
    ]
    mid = followup.open_meeting(
        engine, None, area_code=DISTRICT, meeting_date=date(2025, 7, 1), year=2025, period="H1", snapshot=snap
    )
    make_user(seeded_url, "xem.huyen", [(DISTRICT, "viewer")])
    at = open_page_as(monkeypatch, seeded_url, "xem.huyen", "meeting")
    assert "Mở cuộc họp" not in [b.label for b in at.button]
    at = open_page_as(monkeypatch, seeded_url, "xem.huyen", "meeting", meeting=str(mid))
    text = all_text(at)
    assert "41,0" in text  # the frozen figure, not today's
    assert not [b for b in at.button if b.label in ("Kết thúc cuộc họp", "Ghi việc")]
    make_user(seeded_url, "xem.levien", [("07654", "viewer")])
    at = open_page_as(monkeypatch, seeded_url, "xem.levien", "meeting", meeting=str(mid))
    assert f"Không tìm thấy cuộc họp số {mid}" in all_text(at) and "41,0" not in all_text(at)
