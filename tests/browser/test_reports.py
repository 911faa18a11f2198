"""The "Xuất báo cáo" page in Chromium: a deep link with the filters in the URL, the
four download buttons, and real downloads (the files are generated on the click) that
open as the kind of file they claim to be."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_no_error, open_page, page_text, screenshot

pytestmark = pytest.mark.browser


def _download(page, label: str):
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name=label).click()
    return info.value


def test_reports_page_downloads_the_report_and_the_appendix(browser, server, tmp_path):
    page = open_page(browser, f"{server.url}/reports?year=2024&period=FY&lang=vi", "1280x720")
    assert_no_error(page)
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
    page = open_page(browser, f"{server.url}/reports?year=2024&period=FY&commune=07648", "1920x1080")
    assert_no_error(page)
    screenshot(page, "reports")
    picker = page.get_by_test_id("stSelectbox").filter(has_text="Xã, thị trấn")
    assert "Xã Vĩnh An" in picker.inner_text() or picker.locator("input").input_value() == "Xã Vĩnh An"
    sheet = _download(page, "Tải phiếu kết quả (.pdf)")
    assert sheet.suggested_filename == "phieu-xa-tre-em-vinh-an-2024-FY.pdf"
    sheet.save_as(tmp_path / "s.pdf")
    assert (tmp_path / "s.pdf").read_bytes().startswith(b"%PDF")
    page.close()


def test_reports_page_in_english(browser, server):
    page = open_page(browser, f"{server.url}/reports?year=2025&period=H1&lang=en", "1280x720")
    assert_no_error(page)
    text = page_text(page)
    assert "Download the report draft (.docx)" in text and "Tải" not in text
    screenshot(page, "reports_en")
    page.close()
