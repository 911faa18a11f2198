"""Hardening (issue 16): files that try to bring the server down, numbers that are not
numbers, a database that is read-only, vanished or gone, text that would become a formula.

Data-access tests run on SQLite and PostgreSQL (the `seeded_url` fixture).
"""

from __future__ import annotations

import io
import os
import re
import time
import tracemalloc
import zipfile

import openpyxl
import pytest

from benchmarks.bomb import rewrite_sheet
from data_access import db
from data_access.intake import (
    MAX_CSV_ROWS,
    MAX_ISSUES,
    MAX_SHEET_ROWS,
    MAX_UNPACKED_BYTES,
    apply_import,
    prepare_import,
    read_report,
)
from data_access.targets import load_plan
from tests.conftest import REPO
from tests.intake_util import HEADER, to_cp1258

PLAN = load_plan(REPO / "targets.yaml")


def filled_template(engine) -> bytes:
    """The real template for H1 2025 with two figures of the first commune filled in."""
    from data_access.intake.template import write_template

    content, _ = write_template(engine, PLAN, 2025, "H1")
    wb = openpyxl.load_workbook(io.BytesIO(content))
    ws = wb.worksheets[0]
    ids = [c.value for c in ws[2]]
    ws.cell(row=3, column=ids.index("children_total") + 1, value=1111)
    ws.cell(row=3, column=ids.index("drowning_deaths") + 1, value=0)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


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


# ----------------------------------------------------------------------------- 2. database file


def dump(url: str) -> dict[str, list[tuple]]:
    """Every row of the three tables an import writes."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)  # a fresh engine: what a restarted server would see
    try:
        with engine.connect() as conn:
            return {
                table: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2"))]
                for table in ("data_value", "audit_log", "import_batch")
            }
    finally:
        engine.dispose()


ONE_FIGURE = (HEADER + "\n07645,,2025,H1,children_total,4321\n").encode()


def _read_only_url(url: str, backend: str) -> str:
    """The same database, opened so that it may be read but not written."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from tests.conftest import PG_ADMIN_URL

    if backend == "sqlite":
        return f"sqlite:///file:{make_url(url).database}?mode=ro&uri=true"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{make_url(url).database}" SET default_transaction_read_only = on'))
    admin.dispose()
    db.get_engine(url).dispose()  # new connections take the setting
    return url


def test_confirming_on_a_read_only_database_writes_nothing_and_says_so(seeded_url, backend):
    before = dump(seeded_url)
    engine = db.get_engine(_read_only_url(seeded_url, backend))
    preview = prepare_import(engine, PLAN, ONE_FIGURE, "ro.csv")
    assert preview.ok and preview.writes
    with pytest.raises(db.DatabaseWriteFailed) as caught:
        apply_import(engine, preview, "Nguyễn Văn A")
    assert caught.value.message("vi").startswith("Không ghi gì")
    assert dump(seeded_url) == before
    with engine.connect() as conn:  # the engine (the server) is still usable for reading
        assert conn.exec_driver_sql("SELECT count(*) FROM org_unit").scalar() > 0


def _sqlite_file(url: str):
    from pathlib import Path

    from sqlalchemy.engine import make_url

    return Path(make_url(url).database)


def test_a_deleted_sqlite_file_is_noticed_before_writing(db_factory, _seeded_templates):
    url = db_factory.new("sqlite", template=_seeded_templates["sqlite"])
    engine = db.get_engine(url)
    preview = prepare_import(engine, PLAN, ONE_FIGURE, "gone.csv")
    assert preview.ok
    path = _sqlite_file(url)
    path.unlink()
    with pytest.raises(db.DatabaseWriteFailed) as caught:
        apply_import(engine, preview, "Nguyễn Văn A")
    assert "đã bị xoá" in caught.value.message("vi")
    assert not path.exists()  # nothing recreated an empty database behind the operator's back


def test_a_replaced_sqlite_file_is_noticed_and_neither_file_gets_the_figures(db_factory, _seeded_templates):
    import os
    import shutil

    url = db_factory.new("sqlite", template=_seeded_templates["sqlite"])
    engine = db.get_engine(url)
    preview = prepare_import(engine, PLAN, ONE_FIGURE, "replaced.csv")
    path = _sqlite_file(url)
    copy = path.with_suffix(".copy")
    shutil.copy(path, copy)
    before = dump(url)
    os.replace(copy, path)  # a restore from backup while the server runs
    with pytest.raises(db.DatabaseWriteFailed) as caught:
        apply_import(engine, preview, "Nguyễn Văn A")
    assert "thay bằng tệp khác" in caught.value.message("vi")
    assert dump(url) == before


def test_the_import_page_says_the_database_file_was_replaced_and_keeps_running(
    monkeypatch, db_factory, _seeded_templates
):
    import os
    import shutil

    from tests.apptest_util import run_app

    url = db_factory.new("sqlite", template=_seeded_templates["sqlite"])
    at = run_app(monkeypatch, url, page="import")
    at.file_uploader[0].set_value(("bao_cao.csv", ONE_FIGURE, "text/csv"))
    at.run()
    at.text_input(key="import_by").input("Nguyễn Văn Hùng").run()
    path = _sqlite_file(url)
    shutil.copy(path, path.with_suffix(".copy"))
    before = dump(url)
    os.replace(path.with_suffix(".copy"), path)
    at.button(key="import_confirm").click().run()
    assert not at.exception, [e.value for e in at.exception]
    errors = " ".join(e.value for e in at.error)
    assert "Không ghi gì" in errors and "thay bằng tệp khác" in errors
    assert not at.success
    assert dump(url) == before
    at.run()  # the session goes on
    assert not at.exception


# ----------------------------------------------------------------------------- 3. formulas

HOSTILE_NAME = '=HYPERLINK("http://example.invalid/x","Bấm vào đây")'
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _rename_commune(url: str, code: str, name: str) -> None:
    from sqlalchemy import update

    from data_access.models import OrgUnit

    with db.get_engine(url).begin() as conn:
        conn.execute(update(OrgUnit).where(OrgUnit.code == code).values(name=name, full_name=name))


def test_the_template_writes_a_formula_like_name_as_text_and_reads_it_back(seeded_url):
    from data_access.intake.template import write_template

    _rename_commune(seeded_url, "07645", HOSTILE_NAME)
    engine = db.get_engine(seeded_url)
    content, _ = write_template(engine, PLAN, 2025, "H1")
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        sheets = [zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/")]
    assert not any(b"<f>" in x or b"<f " in x for x in sheets)  # no formula anywhere
    wb = openpyxl.load_workbook(io.BytesIO(content))
    ws = wb.worksheets[0]
    row = next(r for r in range(3, ws.max_row + 1) if ws.cell(row=r, column=1).value == "07645")
    name_cell = ws.cell(row=row, column=2)
    assert name_cell.data_type == "s" and name_cell.value == "'" + HOSTILE_NAME
    ids = [c.value for c in ws[2]]
    ws.cell(row=row, column=ids.index("children_total") + 1, value=777)
    buf = io.BytesIO()
    wb.save(buf)
    preview = prepare_import(engine, PLAN, buf.getvalue(), "mau.xlsx")
    assert preview.ok, [i.message() for i in preview.issues]  # the name still names the commune
    assert [(c.code, c.new) for c in preview.changes] == [("07645", 777.0)]


def test_progress_csv_leaves_no_cell_a_spreadsheet_would_run(seeded_url):
    import csv
    import subprocess
    import sys

    from tests.conftest import REPO as repo

    _rename_commune(seeded_url, "07645", "+1+cmd|' /C calc'!A0")
    _rename_commune(seeded_url, "07654", "@SUM(1+1)")
    result = subprocess.run(
        [sys.executable, "-m", "data_access", "progress", "--year", "2025", "--period", "FY", "--format", "csv"],
        cwd=repo,
        env={**os.environ, "DATABASE_URL": seeded_url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    cells = [c for r in rows for c in r]
    assert not [c for c in cells if c.startswith(FORMULA_START)]
    assert "'+1+cmd|' /C calc'!A0" in cells and "'@SUM(1+1)" in cells  # the name is kept, as text
    assert "'== 0" in cells  # a target "== 0" is text too, never a formula


# ----------------------------------------------------------------------------- 4. markdown

HOSTILE_MD = "![i](http://x.invalid/i.png) ${7*7} *a* {value_text} <b>b</b> :red[r]"


def html_seen(html: str) -> tuple[set[str], str]:
    """(the elements, the text) a browser shows for `html`."""
    from html.parser import HTMLParser

    tags: set[str] = set()
    text: list[str] = []

    class Seen(HTMLParser):
        def handle_starttag(self, tag, attrs) -> None:
            tags.add(tag)

        def handle_data(self, data) -> None:
            text.append(data)

    Seen().feed(html)
    return tags, "".join(text).strip()


def rendered(markdown: str) -> str:
    """What a reader sees of `markdown`: the HTML a CommonMark renderer makes of it (with
    GFM tables and strikethrough, as Streamlit's), checked to hold no element other than
    paragraphs, headings and bold."""
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"]).render(markdown)
    tags, text = html_seen(html)
    assert tags <= {"p", "h1", "h2", "h3", "h4", "strong"}, (markdown, html)
    return text


@pytest.mark.parametrize(
    "text",
    [
        HOSTILE_MD,
        "![i](http://x)",
        "${7*7}",
        "*a*",
        "{value_text}",
        "1. # _x_ | y | ~~z~~",
        "a\n# b",
        "a__b__c d_e_f",
        "www.x.vn http://x",
        "- x",
    ],
)
def test_escaped_data_reads_as_written(text):
    from i18n import escape_md

    assert rendered(escape_md(text)) == " ".join(text.splitlines())
    assert "$" not in escape_md(text).replace("\\$", "")  # no unescaped maths delimiter
    assert not re.search(r"(?<!\\)://|www\.", escape_md(text))  # no link made of a bare address


def test_no_other_markdown_escaping_function_is_defined():
    import subprocess

    found = subprocess.run(
        ["grep", "-rnE", r"def _?(escape_md|md_escape)\b", "--include=*.py", "ui", "pages", "i18n", "data_access"],
        cwd=REPO,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    assert [line.split(":")[0] for line in found] == ["i18n/__init__.py"]


def _hostile_plan(tmp_path) -> str:
    plan = (REPO / "targets.yaml").read_text(encoding="utf-8")
    label = "Số trẻ em tử vong do đuối nước"
    assert f'name: {{vi: "{label}"' in plan
    plan = plan.replace(f'name: {{vi: "{label}"', f'name: {{vi: "{label} {HOSTILE_MD}"')
    path = tmp_path / "targets.yaml"
    path.write_text(plan, encoding="utf-8")
    return str(path)


def test_indicator_heading_and_completeness_warning_show_data_literally(monkeypatch, seeded_url, tmp_path):
    from sqlalchemy import text

    from tests.apptest_util import run_app

    name = f"Xã {HOSTILE_MD}"
    _rename_commune(seeded_url, "07654", name)
    with db.get_engine(seeded_url).begin() as conn:  # this commune has not reported for H1 2025
        conn.execute(
            text(
                "DELETE FROM data_value WHERE year = 2025 AND period = 'H1'"
                " AND org_unit_id IN (SELECT id FROM org_unit WHERE code = '07654')"
            )
        )
    monkeypatch.setenv("TARGETS_FILE", _hostile_plan(tmp_path))
    at = run_app(monkeypatch, seeded_url, page="indicator", year="2025", period="H1", indicator="drowning_deaths")
    titles = [rendered(el.value) for el in at.title]
    assert any(f"Số trẻ em tử vong do đuối nước {HOSTILE_MD}" in x for x in titles), titles
    warnings = [rendered(el.value) for el in at.warning]
    assert any(name in w for w in warnings), warnings


def test_an_upload_filename_is_shown_as_written(monkeypatch, shared_seeded_url):
    from tests.apptest_util import run_app

    filename = "![i](http://x.invalid) ${7*7} *a* {value_text}.csv"
    at = run_app(monkeypatch, shared_seeded_url, page="import")
    at.file_uploader[0].set_value((filename, (HEADER + "\n99999,,2025,H1,children_total,1\n").encode(), "text/csv"))
    at.run()
    assert not at.exception
    errors = [rendered(el.value) for el in at.error]
    assert any(f"Tệp {filename} có 1 lỗi" in e for e in errors), errors


def test_the_map_tooltip_shows_a_name_as_written():
    """deck.gl fills the tooltip's HTML with each field in turn (pydeck's `substituteIn`:
    `output.replace('{' + key + '}', value)` for every key); done the same way here."""
    from ui.map import CommunePaint, _tip_fields, _tooltip

    paint = CommunePaint(
        code="07654",
        name=HOSTILE_MD,
        full_name=f"Xã {HOSTILE_MD}",
        status="met",
        value=3.0,
        value_text="3 trẻ em",
        target_text="≤ 5 {status_text}",
        fill="#00AA00",
    )
    record = _tip_fields(paint, "vi")
    html = _tooltip("Số trẻ em tử vong do đuối nước", "vi")["html"]
    for key, value in record.items():
        html = html.replace("{" + key + "}", value)

    tags, text = html_seen(html)
    assert tags <= {"b", "br"}  # no <img>, nothing fetched
    assert f"Xã {HOSTILE_MD}" in text  # "{value_text}" in the name was not filled in
    assert "≤ 5 {status_text}" in text


# ----------------------------------------------------------------------------- 5. numbers

NOT_NUMBERS = {  # value -> what the message must say
    "²": "không phải chữ số 0–9",
    "①": "không phải chữ số 0–9",
    "٣": "không phải chữ số 0–9",  # Arabic-Indic three: float() would take it
    "３": "không phải chữ số 0–9",  # full-width
    "1_000": "không phải là số",  # float() would take it
    "inf": "không phải là số",
    "nan": "không phải là số",
    "1e308": "quá lớn",
    "1000000000000000": "quá lớn",  # 10^15 children
    "10000001": "quá lớn",
}


def not_numbers_file() -> bytes:
    rows = [f"07645,,2025,H1,{de},{v}" for de, v in zip(_ELEMENTS, NOT_NUMBERS, strict=False)]
    return (HEADER + "\n" + "\n".join(rows) + "\n").encode()


_ELEMENTS = [
    "children_total",
    "children_0_8",
    "children_6_15",
    "children_7_15",
    "children_10_15",
    "special_children",
    "disabled_children",
    "injury_cases",
    "abuse_cases",
    "children_swim_safe",
]


def test_numbers_that_are_not_numbers_are_refused_with_their_row(seeded_url):
    engine = db.get_engine(seeded_url)
    preview = prepare_import(engine, PLAN, not_numbers_file(), "so.csv")
    by_row = {i.row: i.message("vi") for i in preview.issues}
    for row, (value, says) in enumerate(NOT_NUMBERS.items(), start=2):
        assert row in by_row, (value, by_row)
        assert says in by_row[row] and f"«{value}»" in by_row[row], (value, by_row[row])
    assert not preview.changes


def test_a_plausible_bound_per_element_and_a_large_commune_still_fits(seeded_url):
    engine = db.get_engine(seeded_url)
    rows = [
        "07645,,2025,H1,children_total,250000",  # a big ward after the merger: fine
        "07645,,2025,H1,schools_total,20000",  # 20,000 schools in one commune: a slip
    ]
    preview = prepare_import(engine, PLAN, (HEADER + "\n" + "\n".join(rows) + "\n").encode(), "b.csv")
    assert [(i.row, i.key) for i in preview.issues] == [(3, "hardening_error_implausible")]
    assert "tối đa 10.000" in preview.issues[0].message("vi")


def test_the_cli_names_the_rows_without_a_traceback(seeded_url, tmp_path):
    import subprocess
    import sys

    path = tmp_path / "so.csv"
    path.write_bytes(not_numbers_file())
    result = subprocess.run(
        [sys.executable, "-m", "data_access", "import", str(path), "--by", "tester"],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": seeded_url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    for row in range(2, 2 + len(NOT_NUMBERS)):
        assert f"Dòng {row}," in result.stdout


def test_the_import_page_lists_them_in_vietnamese(monkeypatch, shared_seeded_url):
    from tests.apptest_util import run_app

    at = run_app(monkeypatch, shared_seeded_url, page="import")
    at.file_uploader[0].set_value(("so.csv", not_numbers_file(), "text/csv"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value
    assert list(table["Dòng"]) == [str(r) for r in range(2, 2 + len(NOT_NUMBERS))]
    assert "không phải chữ số 0–9" in table["Lý do"][0]


# ----------------------------------------------------------------------------- 6. outage


class Outage:
    """The database of `url` goes away (every new connection fails, as when PostgreSQL
    is stopped) and comes back, in this process: the app under AppTest uses the same
    pooled engine."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import event

        self.engine = db.get_engine(url)
        self.down = False
        error = self.engine.dialect.loaded_dbapi.OperationalError

        def refuse(*_args, **_kwargs):
            if self.down:
                raise error("connection refused: the server is not running (test)")
            return None

        event.listen(self.engine, "do_connect", refuse)

    def start(self) -> None:
        self.down = True
        self.engine.dispose()  # pooled connections die with the server

    def end(self) -> None:
        self.down = False


def test_a_database_outage_mid_session_is_said_plainly_and_the_page_recovers(monkeypatch, seeded_url):
    from tests.access_util import make_user, open_page_as

    make_user(seeded_url, "lan", [("220", "viewer")])
    at = open_page_as(monkeypatch, seeded_url, "lan", "indicator", year="2024", period="FY")
    before = [el.value for el in at.title]
    outage = Outage(seeded_url)
    outage.start()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    errors = " ".join(e.value for e in at.error)
    assert "Tạm thời không kết nối được cơ sở dữ liệu" in errors
    assert "Traceback" not in errors and "OperationalError" not in errors
    assert any(b.label == "Thử lại" for b in at.button)
    at.run()  # still down: the same message, nothing stuck
    assert not at.exception and "Tạm thời không kết nối" in " ".join(e.value for e in at.error)
    outage.end()
    next(b for b in at.button if b.label == "Thử lại").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error
    assert [el.value for el in at.title] == before  # the same page, still signed in
    assert not at.text_input  # no login form: the session survived the outage


def test_the_cli_says_the_database_went_away_without_a_traceback(monkeypatch, seeded_url, capsys):
    from data_access.__main__ import main

    monkeypatch.setenv("DATABASE_URL", seeded_url)
    db.ready_engine(seeded_url)  # the schema was seen: the outage comes after
    outage = Outage(seeded_url)
    outage.start()
    try:
        assert main(["progress", "--year", "2024", "--format", "csv"]) == 1
    finally:
        outage.end()
    err = capsys.readouterr().err
    assert "Tạm thời không kết nối được cơ sở dữ liệu" in err and "Traceback" not in err


# ----------------------------------------------------------------------------- 7. smaller





def test_short_cp1258_files_read_every_name_right():
    import csv

    from data_access.intake import decode_text

    with (REPO / "sample_data" / "org_units.csv").open(encoding="utf-8") as fh:
        names = [r["full_name"] for r in csv.DictReader(fh)]
    wrong = []
    for name in names:
        data = HEADER.encode() + b"\r\n07645," + to_cp1258(name) + b",2025,H1,children_total,5\r\n"
        text, _encoding = decode_text(data)
        if name not in text:
            wrong.append((name, text.splitlines()[1]))
    assert not wrong  # on main: 10 of 83, e.g. 'Thị trấn' read as 'Thiò trâìn'


def test_a_formula_without_a_computed_result_is_an_error_with_its_cell(seeded_url):
    engine = db.get_engine(seeded_url)
    wb = openpyxl.load_workbook(io.BytesIO(filled_template(engine)))
    ws = wb.worksheets[0]
    ids = [c.value for c in ws[2]]
    col = ids.index("injury_cases") + 1
    ws.cell(row=4, column=col, value="=2+3")  # openpyxl, like many programs, stores no result
    buf = io.BytesIO()
    wb.save(buf)
    preview = prepare_import(engine, PLAN, buf.getvalue(), "cong_thuc.xlsx")
    letter = openpyxl.utils.get_column_letter(col)
    assert [(i.key, i.row) for i in preview.issues] == [("hardening_error_formula_no_value", 4)]
    assert preview.issues[0].column.startswith(letter) and f"ô {letter}4" in preview.issues[0].message("vi")


def test_a_year_that_has_not_begun_is_refused_with_its_row(seeded_url):
    from datetime import date

    engine = db.get_engine(seeded_url)
    rows = ["07645,,2025,FY,children_total,10", "07645,,2026,FY,children_total,10", "07645,,2026,H1,drowning_deaths,0"]
    preview = prepare_import(
        engine, PLAN, (HEADER + "\n" + "\n".join(rows) + "\n").encode(), "tuong_lai.csv", today=date(2025, 12, 2)
    )
    future = [i.row for i in preview.issues if i.key == "hardening_error_future_period"]
    assert future == [3, 4]  # this year's FY (row 2) is not in the future
    first = next(i for i in preview.issues if i.row == 3)
    assert "năm 2026 chưa bắt đầu (hôm nay là 02/12/2025)" in first.message("vi")


@pytest.mark.parametrize(
    ("body", "row"),
    [
        ('07645,"Xã An Lạc,2025,H1,children_total,5\n07648,,2025,H1,children_total,6\n', 2),
        (
            '07645,,2025,H1,children_total,5\n07648,"B,2025,H1,children_total,6\n07660,,2025,H1,x,7\n07661,"D",2025,H1,y,8\n',
            3,
        ),
    ],
)
def test_an_unbalanced_quote_is_named_by_its_row(body, row):
    parsed = read_report((HEADER + "\n" + body).encode(), "ngoac.csv")
    assert [(i.key, i.row) for i in parsed.issues] == [("hardening_error_csv_quote", row)]
    assert parsed.issues[0].message("vi").startswith(f"Dòng {row}: dấu ngoặc kép")


@pytest.mark.parametrize(
    "secret",
    ["abcdefghijklmnopqrstuvwxyz0123456789", "passwordpasswordpasswordpassword1", "0123456789" * 4],
)
def test_a_guessable_secret_is_refused(monkeypatch, secret):
    from data_access import auth

    monkeypatch.setenv("AUTH_MODE", "db")
    monkeypatch.setenv("APP_SECRET", secret)
    with pytest.raises(auth.ConfigError) as caught:
        auth.check_startup("sqlite:///x.sqlite")
    assert caught.value.key == "hardening_secret_low_entropy"


def test_random_keys_are_accepted():
    import secrets

    from data_access import auth

    assert all(auth.secret_problem(secrets.token_hex(16)) is None for _ in range(200))
    assert all(auth.secret_problem(secrets.token_urlsafe(32)) is None for _ in range(200))


def test_run_sh_refuses_to_start_on_a_bad_secret(tmp_path):
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    env.update(AUTH_MODE="db", APP_SECRET="changeme", DATABASE_URL=f"sqlite:///{tmp_path / 'a.db'}")
    result = subprocess.run(
        ["bash", str(REPO / "run.sh")], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert "APP_SECRET" in result.stderr and "Traceback" not in result.stderr


def test_the_app_shows_nothing_but_the_reason_on_a_bad_secret(monkeypatch, shared_seeded_url, capsys):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DATABASE_URL", shared_seeded_url)
    monkeypatch.setenv("AUTH_MODE", "db")
    monkeypatch.setenv("APP_SECRET", "abcdefghijklmnopqrstuvwxyz0123456789")
    monkeypatch.chdir(REPO)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert ["APP_SECRET" in e.value for e in at.error] == [True]
    assert not at.text_input and not at.title  # no login form, no page
    assert "APP_SECRET" in capsys.readouterr().err  # and in the server's log
