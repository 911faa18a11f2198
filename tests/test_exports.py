"""Reports out: the report draft (.docx), the appendix (.xlsx), the meeting pack and the
commune sheets (.pdf), and `python -m data_access export-report`.

Every number is checked against what `python -m data_access progress --format csv`
prints for the same year and period (run here through `data_access.__main__.main`),
formatted by the test itself with `i18n.fmt_number`; the files are read back with
python-docx, openpyxl and poppler's `pdftotext`, and (marked slow) converted by
LibreOffice.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from datetime import date
from functools import lru_cache
from pathlib import Path

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_COLOR_INDEX
from openpyxl import load_workbook

from data_access import db
from data_access.exports import (
    ExportInputs,
    appendix_xlsx,
    commune_sheets_pdf,
    load_inputs,
    meeting_pdf,
    report_docx,
)
from data_access.targets import load_plan
from i18n import fmt_number, t
from tests.conftest import REPO

PLAN = load_plan(REPO / "targets.yaml")
TODAY = date(2024, 11, 20)
STATUS = {
    "met": "✔ Đạt",
    "at_risk": "▲ Có nguy cơ",
    "not_met": "✖ Chưa đạt",
    "no_data": "? Chưa có số liệu",
    "no_target": "– Không có chỉ tiêu",
    "not_applicable": "○ Không phát sinh",  # reported, but no case to compute a rate of
}
UNIT = {"percent": " %", "per_1000": " ‰", "per_100000": " /100.000", "count": ""}  # i18n.fmt_amount, as on the pages


# --------------------------------------------------------------------------- helpers


def progress_csv(monkeypatch, capsys, url: str, year: int = 2024, period: str = "FY") -> list[dict[str, str]]:
    """What `python -m data_access progress --format csv` prints."""
    from data_access.__main__ import main

    monkeypatch.setenv("DATABASE_URL", url)
    capsys.readouterr()
    assert main(["progress", "--year", str(year), "--period", period, "--format", "csv"]) == 0
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


@lru_cache(maxsize=16)
def _inputs(url: str, year: int = 2024, period: str = "FY", lang: str = "vi") -> ExportInputs:
    return load_inputs(db.get_engine(url), PLAN, year, period, None, lang, TODAY)


@lru_cache(maxsize=16)
def _file(kind: str, url: str, year: int = 2024, period: str = "FY", lang: str = "vi") -> bytes:
    inputs = _inputs(url, year, period, lang)
    return {"docx": report_docx, "xlsx": appendix_xlsx, "pdf": meeting_pdf, "communes": commune_sheets_pdf}[kind](
        inputs
    )


def docx_text(data: bytes) -> tuple[Document, str]:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.append(" | ".join(c.text for c in row.cells))
    return doc, "\n".join(parts)


def pdf_pages(data: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "file.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [p for p in out.split("\f") if p.strip()]


def shown(value: str, unit: str, decimals: int) -> str:
    """The test's own rendering of a CSV value: Vietnamese separators, the unit symbol."""
    v = float(value)
    d = 0 if unit == "count" and v.is_integer() else decimals
    return fmt_number(v, d, "vi") + UNIT[unit]


def candidates(row: dict[str, str], unit: str) -> set[str]:
    """One decimal; two when one would make a value that misses its target look equal to it."""
    return {shown(row["value"], unit, 1), shown(row["value"], unit, 2)}


# --------------------------------------------------------------------------- report draft (.docx)


def _list_level(paragraph) -> int | None:
    """The list level of a paragraph of our "-"/"+" Word list, or None when it is none."""
    from docx.oxml.ns import qn

    num_pr = paragraph._p.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
    if num_pr is None or num_pr.find(qn("w:numId")).get(qn("w:val")) != "90":
        return None
    return int(num_pr.find(qn("w:ilvl")).get(qn("w:val")))


def test_report_lists_are_word_lists_and_the_signature_stays_on_one_page(shared_seeded_url):
    """Issue 13: lists are real lists (marked "-" and "+" by Word, not typed), and the
    closing sentence and signature block are kept together on one page."""
    from docx.oxml.ns import qn

    doc, _ = docx_text(_file("docx", shared_seeded_url))
    items = [(p.text, _list_level(p)) for p in doc.paragraphs if _list_level(p) is not None]
    assert len(items) >= 5 and {level for _, level in items} == {0, 1}
    assert not [p.text for p in doc.paragraphs if p.text.startswith(("- ", "+ "))]  # no typed marks left
    marks = doc.part.numbering_part.element.xpath('//w:abstractNum[@w:abstractNumId="90"]//w:lvlText/@w:val')
    assert marks == ["-", "+"]
    misses = next(i for i, (text, _) in enumerate(items) if text.startswith("Tỷ lệ xã, thị trấn phù hợp với trẻ em:"))
    assert items[misses][1] == 1  # the communes that missed, one level under
    sign = next(t for t in doc.tables if "TM. ỦY BAN NHÂN DÂN" in t.rows[0].cells[-1].text)
    assert sign.rows[0]._tr.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None
    closing = sign._tbl.getprevious()
    assert closing.tag == qn("w:p") and closing.find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is not None
    for cell in sign.rows[0].cells:
        assert all(p.paragraph_format.keep_with_next for p in cell.paragraphs[:-1])


def test_report_follows_the_official_outline(shared_seeded_url):
    doc, text = docx_text(_file("docx", shared_seeded_url))
    for words in (
        "ỦY BAN NHÂN DÂN",
        "HUYỆN SƠN ĐỘNG",
        "Số: …/BC-UBND",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Sơn Động, ngày 20 tháng 11 năm 2024",
        "BÁO CÁO",
        "Kết quả công tác trẻ em năm 2024 và phương hướng, nhiệm vụ năm 2025",
        "TM. ỦY BAN NHÂN DÂN",
        "Nơi nhận:",
    ):
        assert words in text, words
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    order = [
        "I. ĐẶC ĐIỂM TÌNH HÌNH",
        "II. KẾT QUẢ THỰC HIỆN",
        "III. ĐÁNH GIÁ KẾT QUẢ ĐẠT ĐƯỢC",
        "IV. KẾ HOẠCH NĂM 2025",
    ]
    positions = [headings.index(h) for h in order]
    assert positions == sorted(positions)
    assert "1. So sánh kết quả, hiệu quả với cùng kỳ năm 2023" in headings
    # II has one item per section of the plan, in the plan's order
    group_heads = [
        h for h in headings if re.match(r"^\d+\. ", h) and h.split(". ", 1)[1] in {g.vi for g in PLAN.groups()}
    ]
    assert [h.split(". ", 1)[1] for h in group_heads] == [g.vi for g in PLAN.groups()]
    # what only a person can write is highlighted; there are not many such places
    marks = [r.text for p in doc.paragraphs for r in p.runs if r.font.highlight_color == WD_COLOR_INDEX.YELLOW]
    assert marks and all(m.startswith("[Cần bổ sung:") for m in marks)
    assert len(marks) < 25
    # charts as images, a landscape appendix for the wide tables
    assert len(doc.inline_shapes) >= 3
    assert any(s.orientation == WD_ORIENT.LANDSCAPE for s in doc.sections)


def test_report_numbers_are_the_numbers_progress_prints(monkeypatch, capsys, shared_seeded_url):
    rows = progress_csv(monkeypatch, capsys, shared_seeded_url)
    doc, text = docx_text(_file("docx", shared_seeded_url))
    area = {r["indicator_id"]: r for r in rows if r["area_level"] == "district"}
    # each section's table: the area's value and status on the indicator's line
    lines = {}
    for table in doc.tables:
        for row in table.rows:
            cells = [c.text for c in row.cells]
            if len(cells) == 7 and cells[0].isdigit():
                lines[cells[1]] = cells
    checked = 0
    for ind in PLAN.indicators:
        r = area[ind.id]
        cells = lines[ind.name.vi]
        if r["value"]:
            assert cells[2] in candidates(r, ind.unit), (ind.id, cells[2], r["value"])
            assert STATUS[r["status"]] == cells[4], (ind.id, cells[4], r["status"])
            checked += 1
    assert checked >= 20
    # the sentence a person would have typed, from the CSV's own figures
    cfc = area["cfc_rate"]
    value = shown(cfc["value"], "percent", 1)
    num, den = fmt_number(float(cfc["numerator"]), 0), fmt_number(float(cfc["denominator"]), 0)
    diff = float(cfc["value"]) - float(cfc["previous_value"])
    word = "tăng" if diff > 0 else "giảm"
    sentence = (
        # the units counted are named as the tree names the district's units (15 xã, 2 thị trấn)
        f"Tỷ lệ xã, thị trấn phù hợp với trẻ em đạt {value} ({num}/{den} xã, thị trấn), chưa đạt chỉ tiêu ≥ 80 %"
        f" (thấp hơn chỉ tiêu {fmt_number(80 - float(cfc['value']), 1)} điểm phần trăm);"
        f" {word} {fmt_number(abs(diff), 1)} điểm phần trăm so với cùng kỳ năm 2023"
    )
    assert sentence in text
    assert cfc["status"] == "not_met"
    # the communes that missed it are named, with why a recognised one does not count
    missed = [
        r["area_name"]
        for r in rows
        if r["indicator_id"] == "cfc_rate" and r["area_level"] == "commune" and r["status"] == "not_met"
    ]
    line = next(p.text for p in doc.paragraphs if p.text.startswith("Tỷ lệ xã, thị trấn phù hợp với trẻ em:"))
    for name in missed:
        assert f"xã {name}" in line or f"thị trấn {name}" in line
    assert "xã Lệ Viễn (trẻ em tử vong do đuối nước: 1)" in line
    # the comparison with the same period a year earlier, for drowning deaths (4 → 2)
    drown = area["drowning_deaths"]
    assert (
        f"Số trẻ em tử vong do đuối nước: {drown['value']}, giảm 2 so với cùng kỳ năm 2023 ({drown['previous_value']})"
        in text
    )


def test_report_says_who_has_not_reported_and_whose_report_is_partial(shared_seeded_url):
    _, text = docx_text(_file("docx", shared_seeded_url, 2025, "H1"))
    assert "Kết quả công tác trẻ em 6 tháng đầu năm 2025 và phương hướng, nhiệm vụ 6 tháng cuối năm 2025" in text
    assert "Các đơn vị chưa gửi báo cáo: xã An Lạc." in text
    # An Bá's H1 2025 report lacks some figures: count the plan's own ones in the sample file
    with (REPO / "sample_data" / "data_values.csv").open(encoding="utf-8") as fh:
        sent = {
            r["data_element"]
            for r in csv.DictReader(fh)
            if (r["commune_code"], r["year"], r["period"]) == ("07660", "2025", "H1")
        }
    missing = [de for de in PLAN.used_data_elements() if de not in sent]
    assert missing and f"xã An Bá (thiếu {len(missing)} số liệu)" in text
    assert "IV. KẾ HOẠCH 6 THÁNG CUỐI NĂM 2025" in text


def test_report_in_english_has_no_vietnamese_headings(_shared_copies):
    _, text = docx_text(_file("docx", _shared_copies["sqlite"], 2024, "FY", "en"))
    assert "SOCIALIST REPUBLIC OF VIET NAM" in text and "II. RESULTS" in text
    assert "ĐẶC ĐIỂM" not in text and "Cần bổ sung" not in text and "[To be completed:" in text


# --------------------------------------------------------------------------- appendix (.xlsx)


def test_appendix_cells_are_the_numbers_and_statuses_progress_prints(monkeypatch, capsys, shared_seeded_url):
    rows = progress_csv(monkeypatch, capsys, shared_seeded_url)
    by_key = {(r["indicator_id"], r["area_code"]): r for r in rows}
    wb = load_workbook(io.BytesIO(_file("xlsx", shared_seeded_url)))
    groups = [g.vi for g in PLAN.groups()]
    assert len(wb.sheetnames) == len(groups) + 3
    checked = 0
    for k in range(1, len(groups) + 1):
        ws = wb.worksheets[k]
        assert ws.freeze_panes == "C7"
        assert ws.print_title_rows == "$4:$6"
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
        ids = {c: ws.cell(row=5, column=c).value for c in range(3, ws.max_column + 1, 3)}
        for r in range(7, ws.max_row + 1):
            code = ws.cell(row=r, column=1).value
            for c, ind_id in ids.items():
                expected = by_key[(ind_id, code)]
                cell = ws.cell(row=r, column=c)
                if expected["value"]:
                    assert isinstance(cell.value, int | float), (ind_id, code, cell.value)
                    assert cell.value == pytest.approx(float(expected["value"]), abs=1e-4)
                    assert "#,##0" in cell.number_format
                else:
                    assert cell.value is None
                label = STATUS[expected["status"]]
                if expected["denominator"] == "0" and expected["communes_reported"] != "0":
                    assert expected["status"] == "not_applicable"
                assert ws.cell(row=r, column=c + 2).value == label
                checked += 1
    assert checked == len(PLAN.indicators) * 18
    # the raw figures behind each rate
    raw = wb["Số liệu gốc"]
    header = [c.value for c in raw[4]]
    col = {name: header.index(name) for name in ("Mã chỉ tiêu", "Mã đơn vị", "Tử số", "Mẫu số")}
    seen = 0
    for line in raw.iter_rows(min_row=5, values_only=True):
        expected = by_key[(line[col["Mã chỉ tiêu"]], line[col["Mã đơn vị"]])]
        for name, key in (("Tử số", "numerator"), ("Mẫu số", "denominator")):
            if expected[key] and line[col[name]] is not None:
                assert line[col[name]] == pytest.approx(float(expected[key]))
                seen += 1
    assert seen > 500


def test_appendix_neutralises_formulas_in_names(seeded_url):
    from data_access import migrations
    from data_access.seed import OrgUnitRecord, upsert_org_units

    engine = db.get_engine(seeded_url)
    migrations.upgrade(engine)
    names = ['=HYPERLINK("http://x.example","Bấm")', "+84 Thôn Mới", "-Xã Âm", "@Xã A"]
    upsert_org_units(
        engine,
        [OrgUnitRecord(f"0799{k}", n, n, "xã", "commune", "220") for k, n in enumerate(names)],
    )
    inputs = load_inputs(engine, PLAN, 2024, "FY", None, "vi", TODAY)
    wb = load_workbook(io.BytesIO(appendix_xlsx(inputs)))
    found = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.lstrip("'") in names:
                    assert cell.value == "'" + cell.value.lstrip("'")
                    found.add(cell.value.lstrip("'"))
    assert found == set(names)
    # the other documents take such names as plain text too
    _, text = docx_text(report_docx(inputs))
    assert names[0] in text


# --------------------------------------------------------------------------- meeting pack and commune sheets (.pdf)


def test_meeting_pack_pages_carry_the_filters_and_symbols(shared_seeded_url, tmp_path):
    pages = pdf_pages(_file("pdf", shared_seeded_url), tmp_path)
    assert len(pages) >= 5
    for page in pages:
        assert "Địa bàn: Huyện Sơn Động · Năm: 2024 · Kỳ: Cả năm" in page
        assert "Ngày in: 20/11/2024" in page
        assert "✔ Đạt" in page and "✖ Chưa đạt" in page  # the key: symbols, never colour alone
    text = "\n".join(pages)
    for title in (
        "Kết quả chung năm 2024",
        "Bảng điểm các chỉ tiêu",
        "Bản đồ: Tỷ lệ xã, thị trấn phù hợp với trẻ em",
        "Các xã, thị trấn chưa đạt chỉ tiêu",
        "Trẻ em bị tai nạn, thương tích và tử vong do đuối nước",
    ):
        assert title in text
    assert "70,6 %" in text
    # as on the projector, small sensitive counts are masked (drowning deaths: 2)
    assert re.search(r"Số trẻ em tử vong do đuối nước\s+<5", text)
    size = subprocess.run(["pdfinfo", str(tmp_path / "file.pdf")], capture_output=True, text=True).stdout
    assert re.search(r"Page size:\s+841\.\d+ x 595\.\d+ pts \(A4\)", size)  # A4 landscape


def test_commune_sheets_one_page_each_with_what_to_fix(monkeypatch, capsys, shared_seeded_url, tmp_path):
    rows = progress_csv(monkeypatch, capsys, shared_seeded_url)
    pages = pdf_pages(_file("communes", shared_seeded_url), tmp_path)
    communes = sorted({r["area_code"]: r["area_name"] for r in rows if r["area_level"] == "commune"}.items())
    assert len(pages) == len(communes) == 17
    for (code, name), page in zip(communes, pages, strict=True):
        assert name in page
        mine = {r["indicator_id"]: r for r in rows if r["area_code"] == code}
        safe = mine["safe_home_rate"]
        assert shown(safe["value"], "percent", 1) in page
        off = [r for r in mine.values() if r["status"] in ("not_met", "at_risk")]
        if off:
            assert "Việc cần làm" in page
    vinh_an = pages[[c for c, _ in communes].index("07648")]
    assert "cần thêm" in vinh_an and "hộ gia đình" in vinh_an
    assert "Xã được công nhận phù hợp với trẻ em: Không (chỉ tiêu Có)" in re.sub(r"\s+", " ", vinh_an)


# --------------------------------------------------------------------------- command line


def test_export_report_command_picks_the_kind_by_extension(monkeypatch, capsys, shared_seeded_url, tmp_path):
    from data_access.__main__ import main

    monkeypatch.setenv("DATABASE_URL", shared_seeded_url)
    for ext, magic in ((".docx", b"PK"), (".xlsx", b"PK"), (".pdf", b"%PDF")):
        out = tmp_path / f"out{ext}"
        assert main(["export-report", "--year", "2024", "--period", "FY", "--out", str(out)]) == 0
        assert out.read_bytes().startswith(magic)
    out = tmp_path / "vinh-an.pdf"
    assert main(["export-report", "--year", "2024", "--out", str(out), "--commune", "7648"]) == 0  # Excel ate the 0
    assert out.read_bytes().startswith(b"%PDF")
    printed = capsys.readouterr().out
    assert "Đã ghi" in printed and "phiếu kết quả của xã" in printed
    assert main(["export-report", "--year", "2024", "--out", str(tmp_path / "x.txt")]) == 1
    assert main(["export-report", "--year", "2024", "--out", str(tmp_path / "x.pdf"), "--commune", "99999"]) == 1
    assert main(["export-report", "--year", "2024", "--out", str(tmp_path / "x.docx"), "--commune", "07648"]) == 1
    err = capsys.readouterr().err
    assert ".txt" in err and "99999" in err and ".pdf" in err


def test_every_text_is_in_the_catalogue():
    """Both languages for every key the exporters use (a missing key would print itself)."""
    for path in (REPO / "data_access").glob("export*.py"):
        for key in re.findall(r"""["'](reports_[a-z0-9_]+)["']""", path.read_text(encoding="utf-8")):
            if key.endswith("_"):
                continue
            assert t(key, "vi") != key and t(key, "en") != key, key


# --------------------------------------------------------------------------- LibreOffice


def _libreoffice() -> str:
    found = shutil.which("libreoffice") or shutil.which("soffice")
    if not found:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-writer-nogui libreoffice-calc-nogui)")
    return found


def _convert(data: bytes, name: str, tmp_path: Path) -> str:
    src = tmp_path / name
    src.write_bytes(data)
    subprocess.run(
        [
            _libreoffice(),
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    pdf = src.with_suffix(".pdf")
    assert pdf.exists(), f"LibreOffice could not convert {name}"
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.slow
def test_libreoffice_opens_the_report_and_the_appendix(_shared_copies, tmp_path):
    url = _shared_copies["sqlite"]
    text = _convert(_file("docx", url), "report.docx", tmp_path)
    for words in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "I. ĐẶC ĐIỂM TÌNH HÌNH",
        "Phòng, chống tai nạn thương tích và đuối nước",
        "xã Lệ Viễn",
        "[Cần bổ sung:",
    ):
        assert words in text, words
    sheet = _convert(_file("xlsx", url), "appendix.xlsx", tmp_path)
    assert "Xã Vân Sơn" in sheet and "✖ Chưa đạt" in sheet
    # Vietnamese number formats as LibreOffice renders them: 27.718 children, 70,6 %
    assert "27.718" in sheet and "70,6" in sheet


def test_small_counts_are_masked_when_the_rule_says_so(monkeypatch, _shared_copies, tmp_path):
    """PROTECT_SMALL_COUNTS=always: every document shows "<5" for the 2 drowning deaths."""
    monkeypatch.setenv("PROTECT_SMALL_COUNTS", "always")
    inputs = load_inputs(db.get_engine(_shared_copies["sqlite"]), PLAN, 2024, "FY", None, "vi", TODAY)
    _, text = docx_text(report_docx(inputs))
    assert "Số trẻ em tử vong do đuối nước: <5" in text
    assert "xã Lệ Viễn (1)" not in text  # the communes of a hidden count are not named with it
    wb = load_workbook(io.BytesIO(appendix_xlsx(inputs)))
    summary = wb.worksheets[0]
    line = next(r for r in summary.iter_rows(values_only=True) if r[2] == "drowning_deaths")
    assert line[5] == "<5"
    pages = pdf_pages(commune_sheets_pdf(inputs, ["07654"]), tmp_path)
    assert len(pages) == 1


def test_a_plan_whose_area_is_one_commune(_shared_copies, tmp_path):
    inputs = load_inputs(db.get_engine(_shared_copies["sqlite"]), PLAN, 2024, "FY", "07615", "vi", TODAY)
    _, text = docx_text(report_docx(inputs))
    assert "THỊ TRẤN AN CHÂU" in text
    assert load_workbook(io.BytesIO(appendix_xlsx(inputs))).sheetnames
    assert len(pdf_pages(commune_sheets_pdf(inputs), tmp_path)) == 1
    assert len(pdf_pages(meeting_pdf(inputs), tmp_path)) >= 4


def test_meeting_pack_says_a_hidden_chart_in_words_and_leaves_no_heading_alone(shared_seeded_url, tmp_path):
    """Issue 13: drowning deaths are "<5" every year in the sample, so the trends page says
    so in one sentence instead of a panel of empty bars; no page ends with a heading."""
    pages = pdf_pages(_file("pdf", shared_seeded_url), tmp_path)
    flat = " ".join(" ".join(pages).split())
    assert "Số trẻ em tử vong do đuối nước: năm nào cũng dưới 5 trẻ em (“<5”)" in flat
    headings = {"Các chỉ tiêu cần tập trung chỉ đạo", "Kết quả chung năm 2024", "Bảng điểm các chỉ tiêu"}
    for page in pages:
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        body = [line for line in lines if not line.startswith(("Địa bàn:", "Ngày in:", "✔ Đạt"))]
        assert body and not any(body[-1].startswith(h) for h in headings), body[-3:]
