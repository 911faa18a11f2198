"""The six-month report writes the pace to the year's report, the notes on figures and
the right issuing body (issues 15 and 12), read back from the .docx and .xlsx.

The pace case is computed by hand: Thị trấn An Châu (07615) trained 4 of its 12
child-protection staff in the first half of 2025 (33,3 %); in 2022–2024 it trained 4, 5
and 3 of 20 by June and 10 by December, so a first half is (0,4 + 0,5 + 0,3) / 3 = 0,4 of
the year: the year projects to 33,3 / 0,4 = 83,3 % against a target of 100 %, a pace
ratio of 0,833 ("cần tăng tốc" between 0,75 and 1), and the second half must add
100 − 33,3 = 66,7 points.
Every data-access test runs on SQLite and PostgreSQL (`seeded_url`).
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from data_access import access, db, followup
from data_access.access import AccessScope, Grant, using_scope
from data_access.exports import appendix_xlsx, load_inputs, report_docx
from data_access.intake import apply_import, prepare_import
from data_access.targets import load_plan
from tests.conftest import REPO

PLAN = load_plan(REPO / "targets.yaml")
TODAY = date(2025, 7, 20)
AN_CHAU = "07615"
IND = "cp_staff_trained_rate"
NOTE = "tăng do tập huấn bổ sung cho cộng tác viên thôn"
NOTE_DAY = date(2025, 5, 12)


def _import(engine, lines: list[str]) -> None:
    body = "commune_code,year,period,data_element,value\n" + "\n".join(lines) + "\n"
    preview = prepare_import(engine, PLAN, body.encode(), "tien-do.csv")
    assert preview.ok, [e.message("vi") for e in preview.issues]
    apply_import(engine, preview, "test")


@pytest.fixture
def paced(seeded_url: str) -> str:
    """The sample, with An Châu's staff figures set for the hand-computed case and a note."""
    engine = db.get_engine(seeded_url)
    lines = [f"{AN_CHAU},2025,H1,cp_staff_trained,4", f"{AN_CHAU},2025,H1,cp_staff_total,12"]
    for year, h1 in ((2022, 4), (2023, 5), (2024, 3)):
        lines += [
            f"{AN_CHAU},{year},H1,cp_staff_trained,{h1}",
            f"{AN_CHAU},{year},H1,cp_staff_total,20",
            f"{AN_CHAU},{year},FY,cp_staff_trained,10",
            f"{AN_CHAU},{year},FY,cp_staff_total,20",
        ]
    _import(engine, lines)
    followup.add_note(
        engine, None, area_code=AN_CHAU, indicator_id=IND, year=2025, period="H1", text=NOTE, noted_on=NOTE_DAY
    )
    return seeded_url


def _docx(data: bytes) -> tuple[Document, str, list[list[str]]]:
    doc = Document(io.BytesIO(data))
    rows = [[c.text for c in row.cells] for table in doc.tables for row in table.rows]
    text = "\n".join([p.text for p in doc.paragraphs] + [" | ".join(r) for r in rows])
    return doc, text, rows


def _sheet_rows(data: bytes, title: str) -> list[list[object]]:
    wb = load_workbook(io.BytesIO(data))
    return [list(r) for r in wb[title].iter_rows(values_only=True)]


def test_h1_report_of_a_commune_writes_its_pace_and_note_beside_the_value(paced):
    inputs = load_inputs(db.get_engine(paced), PLAN, 2025, "H1", AN_CHAU, "vi", TODAY)
    doc, text, rows = _docx(report_docx(inputs))
    name = PLAN.indicator(IND).name.vi
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "2. Tiến độ thực hiện đến báo cáo năm 2025" in headings
    assert "3. Những tồn tại, hạn chế" in headings  # the items after it renumbered
    # the pace table: H1, projected year, year target, what H2 must add, status
    line = next(r for r in rows if len(r) == 7 and r[1] == name and r[-1].endswith("Cần tăng tốc"))
    assert line[2:] == ["33,3 %", "83,3 %", "≥ 100 %", "66,7 %", "▲ Cần tăng tốc"]
    # the indicator's sentence in II: its value, the note right after it, then its pace
    sentence = next(p.text for p in doc.paragraphs if p.text.startswith(name))
    assert f"33,3 % (Ghi chú: {NOTE}, 12/05/2025)" in sentence
    assert "Tiến độ: ▲ Cần tăng tốc — dự kiến cả năm 83,3 %, chỉ tiêu năm ≥ 100 %" in sentence
    assert "6 tháng cuối năm cần thêm 66,7 %." in sentence
    assert "Với nhịp độ 6 tháng đầu năm, đến báo cáo năm 2025:" in text


def test_h1_appendix_has_a_pace_row_per_commune_and_the_note_in_its_row(paced):
    inputs = load_inputs(db.get_engine(paced), PLAN, 2025, "H1", None, "vi", TODAY)
    data = appendix_xlsx(inputs)
    pace = _sheet_rows(data, "Tiến độ")
    header = pace[3]
    assert header[4:10] == [
        "6 tháng",
        "Dự kiến cả năm",
        "Chỉ tiêu năm",
        "6 tháng cuối cần thêm",
        "Tiến độ",
        "Cách dự kiến",
    ]
    mine = next(r for r in pace if r[0] == IND and r[2] == AN_CHAU)
    assert mine[4] == pytest.approx(100 / 3) and mine[5] == pytest.approx(250 / 3) and mine[7] == pytest.approx(200 / 3)
    assert mine[6] == "≥ 100 %" and mine[8] == "Cần tăng tốc"
    assert mine[9] == "cộng dồn: 6 tháng các năm trước bằng 40 % cả năm"
    assert mine[10] == f"(Ghi chú: {NOTE}, 12/05/2025)"
    area_rows = [r for r in pace if r[0] == IND and r[2] == inputs.area.code]
    assert len(area_rows) == 1  # the district, pooled, before its communes
    communes = {r[2] for r in pace if r[0] == IND} - {inputs.area.code}
    # every commune with an H1 value has its row; one that did not report has none
    assert communes == {r.area_code for r in inputs.commune_rows(IND) if r.value is not None}
    assert len(communes) >= len(inputs.progress.communes) - 3
    # the raw figures sheet carries the note on An Châu's row, not on the others'
    raw = _sheet_rows(data, "Số liệu gốc")
    notes = {r[2]: r[-1] or "" for r in raw if r[0] == IND}
    assert NOTE in notes[AN_CHAU] and "12/05/2025" in notes[AN_CHAU]
    assert not [c for c, n in notes.items() if NOTE in n and c != AN_CHAU]


def test_notes_are_read_under_the_viewer_scope(paced):
    """A viewer of another commune exports its own report: An Châu's note is not in it."""
    engine = db.get_engine(paced)
    other = next(c for c in access.communes_in(engine, None, "220", 2025) if c.code != AN_CHAU)
    viewer = AccessScope("v", grants=(Grant(access.unit_path(engine, other.code), other.code, "viewer"),))
    with using_scope(viewer):
        inputs = load_inputs(engine, PLAN, 2025, "H1", other.code, "vi", TODAY)
    assert all(n.area_code == other.code for n in inputs.notes)
    _, text, _ = _docx(report_docx(inputs))
    assert NOTE not in text


def test_fy_report_and_appendix_have_no_pace(shared_seeded_url):
    inputs = load_inputs(db.get_engine(shared_seeded_url), PLAN, 2024, "FY", None, "vi", date(2025, 1, 20))
    doc, text, _ = _docx(report_docx(inputs))
    assert "Tiến độ thực hiện đến báo cáo năm" not in text and "Cần tăng tốc" not in text
    assert "2. Những tồn tại, hạn chế" in [p.text for p in doc.paragraphs]
    assert "Tiến độ" not in load_workbook(io.BytesIO(appendix_xlsx(inputs))).sheetnames


def _header_and_signature(data: bytes) -> tuple[list[str], list[str], list[str]]:
    doc = Document(io.BytesIO(data))
    head = [p.text for p in doc.tables[0].rows[0].cells[0].paragraphs if p.text.strip()]
    sign = next(t for t in doc.tables if "Nơi nhận:" in t.rows[0].cells[0].text)
    recipients = [p.text for p in sign.rows[0].cells[0].paragraphs if p.text.strip()]
    signer = [p.text for p in sign.rows[0].cells[1].paragraphs if p.text.strip()]
    return head, recipients, signer


def test_header_and_signature_follow_the_issuing_body(shared_seeded_url):
    engine = db.get_engine(shared_seeded_url)
    inputs = load_inputs(engine, PLAN, 2024, "FY", None, "vi", date(2025, 1, 20))
    # a district's people's committee (the plan's issued_by: "UBND huyện Sơn Động")
    head, recipients, signer = _header_and_signature(report_docx(inputs))
    assert head == ["ỦY BAN NHÂN DÂN", "HUYỆN SƠN ĐỘNG", "―――――――", "Số: …/BC-UBND"]
    assert signer[:3] == ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
    assert "- UBND các xã, thị trấn;" in recipients  # the kinds of the district's 17 units
    # the same figures, the plan issued by the province's Department of Health
    dept = replace(inputs, progress=replace(inputs.progress, plan=replace(PLAN, issued_by="Sở Y tế tỉnh Bắc Giang")))
    head, recipients, signer = _header_and_signature(report_docx(dept))
    assert head == ["UBND TỈNH BẮC GIANG", "SỞ Y TẾ", "―――――――", "Số: …/BC-SYT"]
    assert signer[:2] == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]
    assert not [s for s in signer if "ỦY BAN" in s]
    assert recipients[1:3] == ["- UBND tỉnh Bắc Giang (b/c);", "- Lãnh đạo Sở Y tế;"]
    _, text, _ = _docx(report_docx(dept))
    assert "của Sở Y tế tỉnh Bắc Giang./." in text
    # no issued_by: the area's committee, its word from the tree
    none = replace(inputs, progress=replace(inputs.progress, plan=replace(PLAN, issued_by=None)))
    head, _, signer = _header_and_signature(report_docx(none))
    assert head[:2] == ["ỦY BAN NHÂN DÂN", "HUYỆN SƠN ĐỘNG"] and signer[0] == "TM. ỦY BAN NHÂN DÂN"


def test_meeting_record_names_the_committee_above_and_the_units_from_the_tree(shared_seeded_url):
    from data_access.meeting_docx import meeting_record

    engine = db.get_engine(shared_seeded_url)
    mid = followup.open_meeting(
        engine, None, area_code="220", meeting_date=date(2025, 7, 10), year=2025, period="H1", snapshot=[]
    )
    doc = Document(io.BytesIO(meeting_record(engine, None, mid, plan=PLAN)))
    head = [p.text for p in doc.tables[0].rows[0].cells[0].paragraphs if p.text.strip()]
    assert head[:2] == ["UBND HUYỆN SƠN ĐỘNG", "BAN CHỈ ĐẠO CÔNG TÁC TRẺ EM"]
    text = "\n".join(p.text for p in doc.paragraphs)
    recipients = [p.text for p in doc.tables[-1].rows[0].cells[0].paragraphs]
    assert "UBND các xã, thị trấn thuộc" in text and "- UBND các xã, thị trấn;" in recipients


def test_export_report_cli_writes_the_pace_in_h1(paced, monkeypatch, tmp_path: Path):
    from data_access.__main__ import main

    monkeypatch.setenv("DATABASE_URL", paced)
    out = tmp_path / "bao-cao.docx"
    assert main(["export-report", "--year", "2025", "--period", "H1", "--area", AN_CHAU, "--out", str(out)]) == 0
    _, text, rows = _docx(out.read_bytes())
    assert ["33,3 %", "83,3 %", "≥ 100 %", "66,7 %", "▲ Cần tăng tốc"] in [r[2:] for r in rows if len(r) == 7]
    assert f"(Ghi chú: {NOTE}, 12/05/2025)" in text


@pytest.mark.slow
def test_libreoffice_opens_the_h1_report_and_appendix(paced, tmp_path: Path):
    from tests.test_exports import _convert

    inputs = load_inputs(db.get_engine(paced), PLAN, 2025, "H1", None, "vi", TODAY)
    report = _convert(report_docx(inputs), "bao-cao.docx", tmp_path)
    assert "Tiến độ thực hiện đến báo cáo năm 2025" in report
    appendix = _convert(appendix_xlsx(inputs), "phu-luc.xlsx", tmp_path)
    assert "Cần tăng tốc" in appendix or "Đúng tiến độ" in appendix or "Khó đạt" in appendix


def test_a_commune_report_under_a_district_plan_is_the_commune_committees(shared_seeded_url):
    """The plan is issued by UBND huyện Sơn Động; An Châu's own report is its committee's."""
    inputs = load_inputs(db.get_engine(shared_seeded_url), PLAN, 2024, "FY", AN_CHAU, "vi", date(2025, 1, 20))
    head, recipients, signer = _header_and_signature(report_docx(inputs))
    assert head[:2] == ["ỦY BAN NHÂN DÂN", "THỊ TRẤN AN CHÂU"] and signer[0] == "TM. ỦY BAN NHÂN DÂN"
    assert not [r for r in recipients if r.startswith("- UBND các")]  # no units under a commune


def test_the_units_words_come_from_the_tree(shared_seeded_url):
    """Communes of a new province are "xã" and "phường": the report and the appendix say
    so, with no "thị trấn" left from the code (shown here by renaming the units' type)."""
    inputs = load_inputs(db.get_engine(shared_seeded_url), PLAN, 2024, "FY", None, "vi", date(2025, 1, 20))
    communes = tuple(replace(c, type="phường") if c.type == "thị trấn" else c for c in inputs.progress.communes)
    renamed = replace(inputs, progress=replace(inputs.progress, communes=communes))
    _, text, _ = _docx(report_docx(renamed))
    _, recipients, _ = _header_and_signature(report_docx(renamed))
    assert "- UBND các xã, phường;" in recipients
    assert f"{renamed.progress.communes_reported}/{len(communes)} xã, phường (cập nhật" in text
    assert "xã, thị trấn" not in text.replace("Tỷ lệ xã, thị trấn", "")  # indicator names are the plan's
    subtitle = _sheet_rows(appendix_xlsx(renamed), "Tổng hợp")[1][0]
    assert "xã, phường đã báo cáo" in subtitle
