"""Hardening (issue 16): files that try to bring the server down, numbers that are not
numbers, a database that is read-only, vanished or gone, text that would become a formula.

Data-access tests run on SQLite and PostgreSQL (the `seeded_url` fixture).
"""

from __future__ import annotations

import io
import re
import time
import tracemalloc
import zipfile

import openpyxl

from data_access import db
from data_access.importer import (
    MAX_CSV_ROWS,
    MAX_ISSUES,
    MAX_SHEET_ROWS,
    MAX_UNPACKED_BYTES,
    prepare_import,
    read_report,
)
from data_access.targets import load_plan
from tests.conftest import REPO

PLAN = load_plan(REPO / "targets.yaml")
HEADER = "commune_code,commune_name,year,period,data_element,value"


def filled_template(engine) -> bytes:
    """The real template for H1 2025 with two figures of the first commune filled in."""
    from data_access.template import write_template

    content, _ = write_template(engine, PLAN, 2025, "H1")
    wb = openpyxl.load_workbook(io.BytesIO(content))
    ws = wb.worksheets[0]
    ids = [c.value for c in ws[2]]
    ws.cell(row=3, column=ids.index("children_total") + 1, value=1111)
    ws.cell(row=3, column=ids.index("drowning_deaths") + 1, value=0)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rewrite_sheet(content: bytes, edit, *, repeat_bytes: int = 0) -> bytes:
    """The same workbook with the first sheet's XML changed by `edit(xml) -> (head, row, tail)`;
    `row` is written again and again until about `repeat_bytes` (streamed, not built in memory)."""
    src = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(item, data)
                continue
            head, row, tail = edit(data)
            with dst.open(item.filename, "w", force_zip64=True) as fh:
                fh.write(head)
                block = row * max(1, (1 << 20) // max(len(row), 1))
                written = 0
                while written < repeat_bytes:
                    fh.write(block)
                    written += len(block)
                fh.write(row + tail)
    return out.getvalue()


def _split_at_first_data_row(xml: bytes, dimension: bytes = b'<dimension ref="A1:AI1048576"/>'):
    xml = re.sub(rb"<dimension [^>]*/>", dimension, xml, count=1)
    m = re.search(rb'<row r="3".*?</row>', xml, re.S)
    assert m, "the template's first data row"
    return xml[: m.start()], m.group(0), xml[m.end() :]


# ----------------------------------------------------------------------------- 1. bombs


def test_a_spreadsheet_bomb_is_refused_fast_with_a_plain_message(seeded_url):
    engine = db.get_engine(seeded_url)
    bomb = rewrite_sheet(filled_template(engine), _split_at_first_data_row, repeat_bytes=200 * 1024 * 1024)
    assert len(bomb) < 2 * 1024 * 1024  # it is small on the wire: that is the point
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(bomb)).infolist()) > 190 * 1024 * 1024
    tracemalloc.start()
    t0 = time.perf_counter()
    preview = prepare_import(engine, PLAN, bomb, "bom.xlsx")
    elapsed = time.perf_counter() - t0
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert not preview.ok and not preview.changes
    assert [i.key for i in preview.issues] == ["hardening_error_unpacked"]
    message = preview.issues[0].message("vi")
    assert "giải nén" in message and f"{MAX_UNPACKED_BYTES // 1048576} MB" in message
    assert elapsed < 2.0, elapsed
    assert peak < 64 * 1024 * 1024, peak  # the file itself (~1 MB) and buffers, never its expansion


def test_a_sheet_that_claims_a_million_rows_is_read_by_its_real_rows(seeded_url):
    engine = db.get_engine(seeded_url)
    lying = rewrite_sheet(filled_template(engine), _split_at_first_data_row)
    t0 = time.perf_counter()
    preview = prepare_import(engine, PLAN, lying, "dimension.xlsx")
    assert time.perf_counter() - t0 < 5.0
    assert preview.ok, [i.message() for i in preview.issues]
    first = openpyxl.load_workbook(io.BytesIO(lying), read_only=True).worksheets[0]["A3"].value
    assert {(c.code, c.element): c.new for c in preview.changes} == {
        (first, "children_total"): 1111.0,
        (first, "drowning_deaths"): 0.0,
    }


def test_too_many_rows_under_the_size_limit_are_refused_before_parsing(seeded_url):
    engine = db.get_engine(seeded_url)

    def many_rows(xml: bytes):
        head, _row, tail = _split_at_first_data_row(xml)
        return head, b"<row/>", tail  # tiny rows: well under the size limit

    content = rewrite_sheet(filled_template(engine), many_rows, repeat_bytes=(MAX_SHEET_ROWS + 10) * 6)
    t0 = time.perf_counter()
    parsed = read_report(content, "rows.xlsx")
    assert time.perf_counter() - t0 < 2.0
    assert [i.key for i in parsed.issues] == ["hardening_error_sheet_rows"]
    assert "quá nhiều dòng" in parsed.issues[0].message("vi")


def test_a_row_numbered_a_million_is_not_padded_with_empty_rows(seeded_url):
    engine = db.get_engine(seeded_url)

    def far_row(xml: bytes):
        head, row, tail = _split_at_first_data_row(xml)
        far = re.sub(rb'r="([A-Z]+)3"', rb'r="\g<1>1048000"', row.replace(b'<row r="3"', b'<row r="1048000"'))
        return head, row, far + tail

    content = rewrite_sheet(filled_template(engine), far_row)
    t0 = time.perf_counter()
    parsed = read_report(content, "far.xlsx")
    assert time.perf_counter() - t0 < 5.0
    assert [i.key for i in parsed.issues] == ["hardening_error_sheet_rows"]


def test_a_csv_with_too_many_rows_is_refused_with_the_limit():
    body = "\n".join(f"07645,,2025,H1,children_total,{i}" for i in range(MAX_CSV_ROWS + 1))
    parsed = read_report((HEADER + "\n" + body).encode(), "big.csv")
    assert [i.key for i in parsed.issues] == ["hardening_error_csv_rows"]
    assert not parsed.figures
    assert f"{MAX_CSV_ROWS:,}".replace(",", ".") in parsed.issues[0].message("vi")


def test_many_errors_stop_at_the_first_n_and_count_the_others(seeded_url):
    engine = db.get_engine(seeded_url)
    bad = MAX_ISSUES + 4500
    body = "\n".join(f"07645,,2025,H1,children_total,abc{i}" for i in range(bad))
    preview = prepare_import(engine, PLAN, (HEADER + "\n" + body).encode(), "loi.csv")
    assert len(preview.issues) == MAX_ISSUES
    assert preview.error_count == bad
    assert preview.issues[0].row == 2  # the first errors of the file, in order
    assert preview.more_text("vi") == "và 4.500 lỗi khác"
    assert preview.more_text("en") == "and 4,500 more error(s)"


def test_the_cli_lists_the_first_errors_then_says_how_many_more(seeded_url, capsys):
    from data_access.cli_intake import print_preview

    engine = db.get_engine(seeded_url)
    body = "\n".join(f"07645,,2025,H1,children_total,x{i}" for i in range(MAX_ISSUES + 7))
    preview = prepare_import(engine, PLAN, (HEADER + "\n" + body).encode(), "loi.csv")
    print_preview(preview, "vi")
    out = capsys.readouterr().out
    assert out.count("\n  - ") == MAX_ISSUES
    assert "và 7 lỗi khác" in out
