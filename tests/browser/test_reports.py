"""The "Xuất báo cáo" page in Chromium: a deep link with the filters in the URL, the
four download buttons, and real downloads (the files are generated on the click) that
open as the kind of file they claim to be."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_no_error, open_checked, page_text, screenshot

pytestmark = pytest.mark.browser


def _download(page, label: str):
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name=label).click()
    return info.value


def test_reports_page_downloads_the_report_and_the_appendix(browser, server, tmp_path):
    page = open_checked(browser, f"{server.url}/reports?year=2024&period=FY&lang=vi", "1280x720")
    # the cards render before their buttons on a cold server (the documents' inputs load first)
    page.get_by_role("button", name="Tải phiếu kết quả (.pdf)").wait_for(timeout=60_000)
    text = page_text(page)
    assert "Xuất báo cáo" in text and "17/17" in text
    for label in (
        "Tải dự thảo báo cáo (.docx)",
        "Tải phụ lục (.xlsx)",
        "Tải bộ trình chiếu (.pdf)",
        "Tải phiếu kết quả (.pdf)",
    ):
        assert label in text
    screenshot(page, "reports")

    report = _download(page, "Tải dự thảo báo cáo (.docx)")
    assert report.suggested_filename == "bao-cao-tre-em-son-dong-2024-FY.docx"
    path = tmp_path / report.suggested_filename
    report.save_as(path)
    from docx import Document

    doc = Document(str(path))
    body = "\n".join(p.text for p in doc.paragraphs) + "\n".join(c.text for c in doc.tables[0].rows[0].cells)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in body and "I. ĐẶC ĐIỂM TÌNH HÌNH" in body

    appendix = _download(page, "Tải phụ lục (.xlsx)")
    assert appendix.suggested_filename.endswith(".xlsx")
    from openpyxl import load_workbook

    appendix.save_as(tmp_path / "a.xlsx")
    assert "Số liệu gốc" in load_workbook(tmp_path / "a.xlsx").sheetnames
    assert_no_error(page)
    page.close()


def test_commune_sheet_for_the_commune_in_the_link(browser, server, tmp_path):
    page = open_checked(browser, f"{server.url}/reports?year=2024&period=FY&commune=07648", "1920x1080")
    screenshot(page, "reports")
    picker = page.get_by_test_id("stSelectbox").filter(has_text="Xã, thị trấn")
    assert "Xã Vĩnh An" in picker.inner_text() or picker.locator("input").input_value() == "Xã Vĩnh An"
    sheet = _download(page, "Tải phiếu kết quả (.pdf)")
    assert sheet.suggested_filename == "phieu-xa-tre-em-vinh-an-2024-FY.pdf"
    sheet.save_as(tmp_path / "s.pdf")
    assert (tmp_path / "s.pdf").read_bytes().startswith(b"%PDF")
    page.close()


def test_reports_page_in_english(browser, server):
    page = open_checked(browser, f"{server.url}/reports?year=2025&period=H1&lang=en", "1280x720")
    text = page_text(page)
    assert "Download the report draft (.docx)" in text and "Tải" not in text
    screenshot(page, "reports_en")
    page.close()


def test_the_six_month_report_downloaded_from_the_page_carries_the_pace(browser, server, tmp_path):
    """H1 from the page: the draft has its pace section with the same counts the overview
    shows (one rule, rules.pace), and the appendix a pace sheet."""
    from docx import Document
    from openpyxl import load_workbook

    page = open_checked(browser, f"{server.url}/reports?year=2025&period=H1&lang=vi", "1920x1080")
    screenshot(page, "reports-h1")
    report = _download(page, "Tải dự thảo báo cáo (.docx)")
    assert report.suggested_filename == "bao-cao-tre-em-son-dong-2025-H1.docx"
    report.save_as(tmp_path / "r.docx")
    doc = Document(str(tmp_path / "r.docx"))
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "Tiến độ thực hiện đến báo cáo năm 2025" in body
    intro = next(p.text for p in doc.paragraphs if p.text.startswith("Với nhịp độ 6 tháng đầu năm"))
    appendix = _download(page, "Tải phụ lục (.xlsx)")
    appendix.save_as(tmp_path / "a.xlsx")
    sheet = load_workbook(tmp_path / "a.xlsx")["Tiến độ"]
    area_rows = [r for r in sheet.iter_rows(min_row=5, values_only=True) if r[2] == "220"]
    for status, word in (("on_track", "Đúng tiến độ"), ("accelerate", "cần tăng tốc"), ("unlikely", "khó đạt")):
        n = sum(1 for r in area_rows if r[8].lower() == word.lower())
        assert f"{n} chỉ tiêu {word.lower()}" in intro, (status, n, intro)
    page.goto(f"{server.url}/overview?year=2025&period=H1&lang=vi")
    page.get_by_text("Tiến độ đến báo cáo năm 2025").first.wait_for(timeout=60_000)
    caption = page.get_by_text("Với nhịp độ 6 tháng đầu năm, toàn").first.inner_text()
    counts = [sum(1 for r in area_rows if r[8] == w) for w in ("Đúng tiến độ", "Cần tăng tốc", "Khó đạt")]
    assert f"{counts[0]} chỉ tiêu đúng tiến độ, {counts[1]} cần tăng tốc, {counts[2]} khó đạt" in caption
    assert_no_error(page)
    page.close()
