"""Commune report files in: validation, all-or-nothing, audit, encodings, concurrency.

Every test that touches a database runs on SQLite and on PostgreSQL. Expected values
come from sample_data/data_values.csv, read here, never from the importer's output.
"""

from __future__ import annotations

import codecs
import contextvars
import csv
import io
import os
import threading
import time
import unicodedata

import openpyxl
import pytest
from sqlalchemy import select, text, update

from data_access import db
from data_access.intake import (
    ImportConflict,
    ImportRefused,
    apply_import,
    decode_text,
    file_kind,
    name_matches,
    parse_number,
    prepare_import,
    read_report,
)
from data_access.models import AuditEntry, DataValue, ImportBatch, OrgUnit
from data_access.targets import load_plan
from tests.conftest import REPO
from tests.intake_util import HEADER, batch_and_audits, sample_values, to_cp1258

PLAN = load_plan(REPO / "targets.yaml")





def unit_names() -> dict[str, str]:
    with (REPO / "sample_data" / "org_units.csv").open(encoding="utf-8") as fh:
        return {r["code"]: r["full_name"] for r in csv.DictReader(fh)}


SAMPLE = sample_values()
NAMES = unit_names()


def engine_for(url: str):
    return db.get_engine(url)


def dump(url: str) -> dict[str, list[tuple]]:
    """Every row of the three tables an import writes, in a stable order."""
    out = {}
    with engine_for(url).connect() as conn:
        for table, order in (
            ("data_value", "org_unit_id, data_element_id, year, period"),
            ("audit_log", "id"),
            ("import_batch", "id"),
        ):
            out[table] = [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY {order}"))]
    return out


def stored(url: str, code: str, year: int, period: str, element: str) -> tuple[float, int] | None:
    with engine_for(url).connect() as conn:
        row = conn.execute(
            select(DataValue.value, DataValue.version)
            .join(OrgUnit, OrgUnit.id == DataValue.org_unit_id)
            .where(
                OrgUnit.code == code,
                DataValue.year == year,
                DataValue.period == period,
                DataValue.data_element_id == element,
            )
        ).first()
    return (row[0], row[1]) if row else None


def csv_bytes(rows: list[str], header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


# ----------------------------------------------------------------------------- pure helpers


def test_numbers_as_excel_writes_them():
    assert parse_number("1,5", decimal_comma=True) == 1.5
    assert parse_number("1.234", decimal_comma=True) == 1234
    assert parse_number("1.234,5", decimal_comma=True) == 1234.5
    assert parse_number("1.5", decimal_comma=False) == 1.5
    assert parse_number("1,234", decimal_comma=False) == 1234
    assert parse_number(" 12 ", decimal_comma=False) == 12
    assert parse_number("abc", decimal_comma=False) is None
    assert parse_number("", decimal_comma=True) is None
    assert parse_number(float("nan"), decimal_comma=False) is None
    assert parse_number(7.0, decimal_comma=False) == 7


def test_names_compare_without_case_form_or_prefix():
    nfd = unicodedata.normalize("NFD", "lệ viễn")
    assert name_matches(nfd, "Lệ Viễn", "Xã Lệ Viễn")
    assert name_matches("XÃ LỆ VIỄN", "Lệ Viễn", "Xã Lệ Viễn")
    assert name_matches("Le Vien", "Lệ Viễn", "Xã Lệ Viễn")  # typed without diacritics
    assert name_matches("Thị trấn An Châu", "An Châu", "Thị trấn An Châu")
    assert not name_matches("Cẩm Đàn", "Lệ Viễn", "Xã Lệ Viễn")
    assert not name_matches("Lê Viên", "Lệ Viễn", "Xã Lệ Viễn")  # different diacritics: a different word





VIET = "Thị trấn Thanh Sơn; Xã Lệ Viễn; Xã Dương Hưu; Xã Tuấn Đạo"


@pytest.mark.parametrize(
    "encoding",
    ["utf-8", "utf-8-sig", "utf-16", "cp1258"],
)
def test_decoding_keeps_vietnamese_diacritics(encoding):
    data = to_cp1258(VIET) if encoding == "cp1258" else VIET.encode(encoding)
    decoded, used = decode_text(data)
    assert decoded == VIET
    if encoding == "cp1258":
        assert used == "cp1258"


def test_file_kind_is_told_by_content_not_name():
    assert file_kind(b"PK\x03\x04rest") == "xlsx"
    assert file_kind(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") == "xls"
    assert file_kind(HEADER.encode()) == "csv"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"%PDF-1.7 \x00\x01\x02 binary",
        b"\x89PNG\r\n\x1a\n\x00\x00",
        b"PK\x03\x04 this is not really a zip",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
        os.urandom(3000),
        b"just,some,words\nwith,no,figures\n",
    ],
)
def test_unreadable_files_give_a_plain_message(data):
    parsed = read_report(data, "x.csv")
    assert parsed.issues, parsed
    for issue in parsed.issues:
        assert "Traceback" not in issue.message("vi")
        assert issue.message("vi") and issue.message("en")


# ----------------------------------------------------------------------------- all or nothing

BAD_FILE_ROWS = [
    "99999,Xã Ma,2025,H1,children_total,10",  # 2 unknown commune
    "07645,Xã Cẩm Đàn,2025,H1,children_total,10",  # 3 name disagrees with code
    "07645,Xã An Lạc,1999,H1,children_total,10",  # 4 invalid year
    "07645,Xã An Lạc,2025,Q3,children_total,10",  # 5 invalid period
    "07645,Xã An Lạc,2025,H1,drowning_death,1",  # 6 unknown data element
    "07645,Xã An Lạc,2025,H1,injury_cases,-1",  # 7 negative
    "07645,Xã An Lạc,2025,H1,injury_deaths,abc",  # 8 not a number
    '07645,Xã An Lạc,2025,H1,abuse_cases,"1,5"',  # 9 fraction for a count
    "07645,Xã An Lạc,2025,H1,cfc_recognised,2",  # 10 yes/no not 0/1
    "07645,Xã An Lạc,2025,H1,special_children,3",  # 11 fine
    "07645,Xã An Lạc,2025,H1,special_children,4",  # 12 same figure twice
    "07645,Xã An Lạc,2025,H1,special_children_supported,9",  # 13 breaks a check (9 > 3)
    "07621,Xã Vân Sơn,2025,FY,injury_cases,0",  # 14 FY below stored H1
    "07654,Xã Lệ Viễn,2025,FY,children_total,1500",  # 15 fine on its own
]
BAD_FILE_ERRORS = {
    2: "intake_error_unknown_commune",
    3: "intake_error_name_mismatch",
    4: "intake_error_year",
    5: "intake_error_period",
    6: "intake_error_unknown_element_hint",
    7: "intake_error_negative",
    8: "intake_error_not_number",
    9: "intake_error_fraction",
    10: "intake_error_yes_no",
    12: "intake_error_duplicate",
    13: "intake_error_check_gt",
    14: "intake_error_flow",
}


def test_check_and_flow_messages_name_the_commune_and_the_figures_in_words(seeded_url):
    """What a commune officer reads: the figures' names, the commune's name, the period in
    words and the row; not element ids or the rule's syntax."""
    engine = engine_for(seeded_url)
    preview = prepare_import(engine, PLAN, csv_bytes(BAD_FILE_ROWS), "bad.csv")
    by_row = {i.row: i for i in preview.issues}
    assert by_row[13].message("vi") == (
        "Dòng 13, cột value: Số trẻ em có hoàn cảnh đặc biệt được trợ giúp, chăm sóc (9) lớn hơn "
        "số trẻ em có hoàn cảnh đặc biệt (3) — Xã An Lạc, 6 tháng đầu năm 2025"
    )
    assert by_row[13].message("en") == (
        "Row 13, column value: Children in special circumstances who are supported (9) is greater than "
        "children in special circumstances (3) — Xã An Lạc, First half (H1) 2025"
    )
    flow = by_row[14].message("vi")
    assert "Xã Vân Sơn" in flow and "số trẻ em bị tai nạn, thương tích" in flow
    for issue in (by_row[13], by_row[14]):
        text = issue.message("vi") + issue.message("en")
        assert "special_children" not in text and "injury_cases" not in text and "<=" not in text


def test_a_file_with_many_errors_writes_nothing_and_lists_every_error(seeded_url):
    assert SAMPLE[("07621", 2025, "H1", "injury_cases")] > 0  # the flow mistake needs a stored H1
    before = dump(seeded_url)
    engine = engine_for(seeded_url)
    preview = prepare_import(engine, PLAN, csv_bytes(BAD_FILE_ROWS), "bad.csv")
    assert not preview.ok
    found = {(i.row, i.key) for i in preview.issues}
    assert found == set(BAD_FILE_ERRORS.items()), sorted(found)
    for issue in preview.issues:
        assert issue.column, issue
        assert issue.message("vi").startswith(f"Dòng {issue.row}, cột ")
        assert issue.message("en").startswith(f"Row {issue.row}, column ")
    with pytest.raises(ImportRefused):
        apply_import(engine, preview, "tester")
    assert dump(seeded_url) == before


def test_cli_import_of_a_bad_file_exits_1_and_writes_nothing(seeded_url, tmp_path, monkeypatch, capsys):
    from data_access.__main__ import main

    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes(BAD_FILE_ROWS))
    monkeypatch.setenv("DATABASE_URL", seeded_url)
    before = dump(seeded_url)
    assert main(["import", str(path), "--by", "tester"]) == 1
    out = capsys.readouterr().out
    assert f"có {len(BAD_FILE_ERRORS)} lỗi" in out
    for row in BAD_FILE_ERRORS:
        assert f"Dòng {row}," in out
    assert "Chưa ghi gì" in out
    assert dump(seeded_url) == before


# ----------------------------------------------------------------------------- a valid file

GOOD = [
    # (code, year, period, element, value): an update, a same-value figure, a new figure
    ("07654", 2024, "FY", "children_total", SAMPLE[("07654", 2024, "FY", "children_total")] + 25),
    ("07654", 2024, "FY", "drowning_deaths", SAMPLE[("07654", 2024, "FY", "drowning_deaths")]),
    ("07645", 2025, "H1", "children_total", SAMPLE[("07645", 2025, "FY", "children_total")]),
    ("07645", 2025, "H1", "cfc_recognised", 1.0),
]


def good_file() -> bytes:
    rows = [f"{c},{NAMES[c]},{y},{p},{de},{int(v)}" for c, y, p, de, v in GOOD]
    rows.insert(2, "07660,Xã An Bá,2025,H1,cp_staff_trained,")  # empty = not reported, skipped
    return csv_bytes(rows)


def test_a_valid_file_changes_exactly_its_figures_and_the_audit_shows_each(seeded_url):
    assert ("07645", 2025, "H1", "children_total") not in SAMPLE
    engine = engine_for(seeded_url)
    before = dump(seeded_url)
    preview = prepare_import(engine, PLAN, good_file(), "xa_bao_cao.csv")
    assert preview.ok, [i.message() for i in preview.issues]
    assert (preview.new, preview.changed, preview.unchanged, preview.empty_skipped) == (2, 1, 1, 1)
    result = apply_import(engine, preview, "Nguyễn Thị Bình")
    assert (result.inserted, result.updated, result.unchanged) == (2, 1, 1)

    after = dump(seeded_url)
    changed_keys = {row[:4] for row in after["data_value"]} ^ {row[:4] for row in before["data_value"]}
    assert len(changed_keys) == 2  # the two new figures, nothing else appeared or vanished
    before_values = {row[:4]: row[4] for row in before["data_value"]}
    differing = [row for row in after["data_value"] if row[:4] in before_values and before_values[row[:4]] != row[4]]
    assert len(differing) == 1  # only children_total of Lệ Viễn FY 2024 changed
    for code, year, period, de, value in GOOD:
        assert stored(seeded_url, code, year, period, de)[0] == value
    assert stored(seeded_url, "07654", 2024, "FY", "children_total")[1] == 2  # version went up
    assert stored(seeded_url, "07654", 2024, "FY", "drowning_deaths")[1] == 1  # same value: untouched
    assert stored(seeded_url, "07660", 2025, "H1", "cp_staff_trained") is None  # empty cell: not stored as 0

    batch, audits = batch_and_audits(engine, result.batch_id)
    assert (batch.filename, batch.imported_by, batch.inserted, batch.updated, batch.unchanged) == (
        "xa_bao_cao.csv",
        "Nguyễn Thị Bình",
        2,
        1,
        1,
    )
    assert batch.sha256 and len(batch.sha256) == 64
    seen = {(a.code, a.data_element_id, a.year, a.period): a for a in audits}
    assert len(seen) == 3 == len(after["audit_log"]) - len(before["audit_log"])
    upd = seen[("07654", "children_total", 2024, "FY")]
    assert (upd.action, upd.old_value, upd.new_value) == (
        "update",
        SAMPLE[("07654", 2024, "FY", "children_total")],
        GOOD[0][4],
    )
    new = seen[("07645", "children_total", 2025, "H1")]
    assert (new.action, new.old_value, new.changed_by, new.source) == (
        "insert",
        None,
        "Nguyễn Thị Bình",
        "xa_bao_cao.csv",
    )


def test_importing_the_same_file_again_changes_nothing(seeded_url, tmp_path, monkeypatch, capsys):
    from data_access.__main__ import main

    path = tmp_path / "bao_cao.csv"
    path.write_bytes(good_file())
    monkeypatch.setenv("DATABASE_URL", seeded_url)
    assert main(["import", str(path), "--by", "A"]) == 0
    first = capsys.readouterr().out
    assert "Đã nhập: 3 thay đổi" in first
    values_after_first = dump(seeded_url)["data_value"]
    assert main(["import", str(path), "--by", "A"]) == 0
    second = capsys.readouterr().out
    assert "Đã nhập: 0 thay đổi" in second
    assert "0 mới, 0 thay đổi" in second
    assert "đã được nhập lúc" in second  # it says it has seen this very file before
    assert dump(seeded_url)["data_value"] == values_after_first


def test_dry_run_writes_nothing(seeded_url, tmp_path, monkeypatch, capsys):
    from data_access.__main__ import main

    path = tmp_path / "bao_cao.csv"
    path.write_bytes(good_file())
    monkeypatch.setenv("DATABASE_URL", seeded_url)
    before = dump(seeded_url)
    assert main(["import", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    old = fmt(SAMPLE[("07654", 2024, "FY", "children_total")])
    assert f"{old} → {fmt(GOOD[0][4])}" in out
    assert "2 mới, 1 thay đổi, 1 không đổi" in out
    assert dump(seeded_url) == before


def fmt(value: float) -> str:
    from i18n import fmt_number

    return fmt_number(value)


# ----------------------------------------------------------------------------- Excel quirks


def test_leading_zero_restored_and_unknown_short_code_rejected(seeded_url):
    engine = engine_for(seeded_url)
    preview = prepare_import(engine, PLAN, csv_bytes(["7645,An Lạc,2025,H1,children_total,1200"]), "a.csv")
    assert preview.ok, [i.message() for i in preview.issues]
    assert preview.changes[0].code == "07645"
    bad = prepare_import(engine, PLAN, csv_bytes(["7646,,2025,H1,children_total,1200"]), "a.csv")
    assert [i.key for i in bad.issues] == ["intake_error_unknown_commune"]


def semicolon_file(encoding: str) -> bytes:
    rows = [
        "commune_code;commune_name;year;period;data_element;value",
        "07654;Xã Lệ Viễn;2025;H1;children_total;1.234",  # thousands dot, as Vietnamese Excel shows it
        "07666;Xã Dương Hưu;2025;H1;drowning_deaths;0",
        "07663;Xã Tuấn Đạo;2025;H1;special_children;20,0",  # decimal comma, a whole number
        "07616;Thị trấn Tây Yên Tử;2025;H1;cfc_recognised;1",
    ]
    content = "\r\n".join(rows) + "\r\n"
    if encoding == "cp1258":
        return to_cp1258(content)
    return content.encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1258"])
def test_semicolon_files_in_every_encoding_excel_writes(seeded_url, encoding):
    engine = engine_for(seeded_url)
    preview = prepare_import(engine, PLAN, semicolon_file(encoding), f"bc_{encoding}.csv")
    assert preview.ok, [i.message() for i in preview.issues]
    got = {(c.code, c.element): c.new for c in preview.changes}
    assert got == {
        ("07654", "children_total"): 1234.0,
        ("07666", "drowning_deaths"): 0.0,
        ("07663", "special_children"): 20.0,
        ("07616", "cfc_recognised"): 1.0,
    }
    result = apply_import(engine, preview, "Trần Văn Đức")
    assert result.changes == sum(1 for c in preview.changes if c.action != "unchanged")
    with engine.connect() as conn:
        who = conn.execute(select(ImportBatch.imported_by).where(ImportBatch.id == result.batch_id)).scalar_one()
    assert who == "Trần Văn Đức"


def test_a_mangled_name_in_a_wrong_encoding_is_reported_not_guessed(seeded_url):
    # UTF-8 bytes read as if they were something else would give "XÃ£ LÃª…": the name
    # check must catch a commune name that does not survive, not store it silently.
    engine = engine_for(seeded_url)
    mangled = "07654;XÃ£ Lá»‡ Viá»…n;2025;H1;children_total;5\r\n"
    data = ("commune_code;commune_name;year;period;data_element;value\r\n" + mangled).encode("utf-8")
    preview = prepare_import(engine, PLAN, data, "x.csv")
    assert [i.key for i in preview.issues] == ["intake_error_name_mismatch"]


# ----------------------------------------------------------------------------- wide XLSX


def test_wide_xlsx_from_the_template(seeded_url, tmp_path):
    from data_access.intake.template import write_template

    engine = engine_for(seeded_url)
    content, _ = write_template(engine, PLAN, 2025, "H1")
    wb = openpyxl.load_workbook(io.BytesIO(content))
    ws = wb.worksheets[0]
    ids = [c.value for c in ws[2]]
    row_of = {ws.cell(row=r, column=1).value: r for r in range(3, ws.max_row + 1)}
    col = {de: i + 1 for i, de in enumerate(ids)}
    ws.cell(row=row_of["07645"], column=col["children_total"], value=1111)
    ws.cell(row=row_of["07645"], column=col["drowning_deaths"], value=0)
    ws.cell(row=row_of["07660"], column=col["cp_staff_trained"], value="3")  # typed as text
    ws.cell(row=row_of["07660"], column=1, value=7660)  # Excel turned the code into a number
    buf = io.BytesIO()
    wb.save(buf)
    preview = prepare_import(engine, PLAN, buf.getvalue(), "filled.xlsx")
    assert preview.ok, [i.message() for i in preview.issues]
    got = {(c.code, c.year, c.period, c.element): c.new for c in preview.changes}
    assert got == {
        ("07645", 2025, "H1", "children_total"): 1111.0,
        ("07645", 2025, "H1", "drowning_deaths"): 0.0,
        ("07660", 2025, "H1", "cp_staff_trained"): 3.0,
    }
    # Every other cell of the template was empty: not reported, not zero.
    assert preview.empty_skipped == (ws.max_row - 2) * (len(ids) - 2) - 3


def test_xlsx_errors_name_the_excel_column(seeded_url):
    from data_access.intake.template import write_template

    engine = engine_for(seeded_url)
    content, _ = write_template(engine, PLAN, 2025, "H1")
    wb = openpyxl.load_workbook(io.BytesIO(content))
    ws = wb.worksheets[0]
    ids = [c.value for c in ws[2]]
    letter = openpyxl.utils.get_column_letter(ids.index("cfc_recognised") + 1)
    ws[f"{letter}3"] = 5
    buf = io.BytesIO()
    wb.save(buf)
    preview = prepare_import(engine, PLAN, buf.getvalue(), "filled.xlsx")
    assert len(preview.issues) == 1
    issue = preview.issues[0]
    assert (issue.key, issue.row) == ("intake_error_yes_no", 3)
    assert issue.column.startswith(f"{letter} (")


# ----------------------------------------------------------------------------- concurrency


def one_figure(code: str, element: str, value: int, year: int = 2025, period: str = "FY") -> bytes:
    return csv_bytes([f"{code},,{year},{period},{element},{value}"])


def test_a_change_since_the_dry_run_is_reported_not_overwritten(seeded_url):
    engine = engine_for(seeded_url)
    mine = prepare_import(engine, PLAN, one_figure("07654", "children_total", 2001), "mine.csv")
    theirs = prepare_import(engine, PLAN, one_figure("07654", "children_total", 2002), "theirs.csv")
    apply_import(engine, theirs, "someone else")
    before = dump(seeded_url)
    with pytest.raises(ImportConflict) as caught:
        apply_import(engine, mine, "me")
    assert caught.value.keys == [("07654", "children_total", 2025, "FY")]
    assert "số liệu đã bị người khác thay đổi, hãy kiểm tra lại" in caught.value.message("vi").lower()
    assert dump(seeded_url) == before
    assert stored(seeded_url, "07654", 2025, "FY", "children_total")[0] == 2002


def test_a_new_figure_stored_meanwhile_is_a_conflict_too(seeded_url):
    engine = engine_for(seeded_url)
    mine = prepare_import(engine, PLAN, one_figure("07645", "children_total", 10, 2025, "H1"), "mine.csv")
    theirs = prepare_import(engine, PLAN, one_figure("07645", "children_total", 11, 2025, "H1"), "theirs.csv")
    apply_import(engine, theirs, "someone else")
    with pytest.raises(ImportConflict):
        apply_import(engine, mine, "me")
    assert stored(seeded_url, "07645", 2025, "H1", "children_total")[0] == 11


def run_together(*jobs):
    """Run the callables at the same moment in threads; return (results, errors)."""
    barrier = threading.Barrier(len(jobs))
    results, errors = [None] * len(jobs), [None] * len(jobs)

    def runner(i, job):
        barrier.wait()
        try:
            results[i] = job()
        except Exception as exc:  # collected for the test to look at
            errors[i] = exc

    # Each thread acts as the test's operator: the scope travels with the context.
    threads = [threading.Thread(target=contextvars.copy_context().run, args=(runner, i, job)) for i, job in enumerate(jobs)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    return results, errors


def test_two_imports_of_different_communes_at_once_both_land(seeded_url):
    engine = engine_for(seeded_url)
    codes = ["07654", "07666"]
    rows = {
        code: [
            f"{code},,2025,H1,{de},{int(SAMPLE[(code, 2025, 'H1', de)]) + 1}"
            for de in ("children_total", "special_children")
        ]
        for code in codes
    }
    previews = [prepare_import(engine, PLAN, csv_bytes(rows[c]), f"{c}.csv") for c in codes]
    assert all(p.ok for p in previews)
    _results, errors = run_together(
        *[lambda p=p, c=c: apply_import(engine, p, f"officer {c}") for p, c in zip(previews, codes, strict=True)]
    )
    assert errors == [None, None], errors
    for code in codes:
        for de in ("children_total", "special_children"):
            assert stored(seeded_url, code, 2025, "H1", de)[0] == SAMPLE[(code, 2025, "H1", de)] + 1
    with engine.connect() as conn:
        batches = conn.execute(select(ImportBatch.filename).where(ImportBatch.filename.like("076%"))).scalars().all()
    assert sorted(batches) == ["07654.csv", "07666.csv"]


def test_two_imports_of_the_same_figure_at_once_one_wins_one_is_told(seeded_url):
    engine = engine_for(seeded_url)
    a = prepare_import(engine, PLAN, one_figure("07654", "children_total", 3001), "a.csv")
    b = prepare_import(engine, PLAN, one_figure("07654", "children_total", 3002), "b.csv")
    results, errors = run_together(lambda: apply_import(engine, a, "A"), lambda: apply_import(engine, b, "B"))
    assert sum(r is not None for r in results) == 1
    assert sum(isinstance(e, ImportConflict) for e in errors) == 1, errors
    winner = 3001 if results[0] is not None else 3002
    assert stored(seeded_url, "07654", 2025, "FY", "children_total") == (winner, 2)
    with engine.connect() as conn:
        audits = (
            conn.execute(
                select(AuditEntry.new_value).where(
                    AuditEntry.data_element_id == "children_total", AuditEntry.action == "update"
                )
            )
            .scalars()
            .all()
        )
    assert audits == [winner]  # the loser left no trace


def test_a_concurrent_writer_holding_the_row_makes_the_import_wait_then_report(seeded_url):
    """A change committed while the import waits for its lock is seen, not overwritten."""
    engine = engine_for(seeded_url)
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks: PostgreSQL (SQLite serialises writers with BEGIN IMMEDIATE)")
    mine = prepare_import(engine, PLAN, one_figure("07654", "children_total", 4001), "mine.csv")
    uid = mine.unit_ids["07654"]
    other = engine.connect()
    other.execute(
        update(DataValue)
        .where(
            DataValue.org_unit_id == uid,
            DataValue.data_element_id == "children_total",
            DataValue.year == 2025,
            DataValue.period == "FY",
        )
        .values(value=4002, version=DataValue.version + 1)
    )  # holds the row lock until commit

    def commit_later():
        time.sleep(0.5)
        other.commit()
        other.close()

    _results, errors = run_together(lambda: apply_import(engine, mine, "me"), commit_later)
    assert isinstance(errors[0], ImportConflict), errors
    assert stored(seeded_url, "07654", 2025, "FY", "children_total")[0] == 4002


# ----------------------------------------------------------------------------- speed


@pytest.mark.slow
def test_the_whole_sample_reimported_is_all_unchanged(seeded_url):
    """Every sample figure (about 31,000) re-imported in one file: all found unchanged.

    Throughput is measured by the benchmark (benchmarks/run.py), not asserted here: a
    timed test fails on a busy machine for reasons users never see.
    """
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["commune_code", "year", "period", "data_element", "value"])
    for (code, year, period, de), value in SAMPLE.items():
        writer.writerow([code, year, period, de, int(value)])
    preview = prepare_import(engine_for(seeded_url), PLAN, buf.getvalue().encode(), "all.csv")
    assert preview.ok and preview.unchanged == len(SAMPLE)


def test_codecs_bom_constants_are_what_excel_writes():
    # Excel's "CSV UTF-8" starts with the UTF-8 BOM; "Unicode Text" with the UTF-16 LE BOM.
    assert codecs.BOM_UTF8 == b"\xef\xbb\xbf"
    assert decode_text(codecs.BOM_UTF16_LE + "Xã".encode("utf-16-le"))[0] == "Xã"


def test_progress_reflects_nothing_from_a_refused_file(seeded_url, tmp_path):
    """Belt and braces: even the data version (cache key) is unchanged by a refused file."""
    from data_access import queries

    engine = engine_for(seeded_url)
    version = queries.data_version(engine)
    prepare_import(engine, PLAN, csv_bytes(BAD_FILE_ROWS), "bad.csv")
    assert queries.data_version(engine) == version


# ----------------------------------------------------------------------------- permissions, closed periods


def test_an_editor_of_another_district_may_not_load_these_communes(seeded_url):
    from data_access.access import AccessScope, Grant, using_scope

    engine = engine_for(seeded_url)
    other = AccessScope("ban", "user", (Grant("/20/187/", "187", "editor"),), display_name="Cán bộ Chi Lăng")
    with using_scope(other):
        preview = prepare_import(engine, PLAN, one_figure("07654", "children_total", 3005), "x.csv")
    assert [i.key for i in preview.issues] == ["intake_error_no_write"]
    assert preview.issues[0].row == 2


def test_a_period_closed_before_or_after_the_dry_run_is_refused(seeded_url):
    from data_access.locks import PeriodLocked, close_period

    engine = engine_for(seeded_url)
    preview = prepare_import(engine, PLAN, one_figure("07654", "children_total", 3005), "x.csv")
    assert preview.ok
    close_period(engine, 2025, "FY", "220", "trưởng phòng")
    before = dump(seeded_url)
    with pytest.raises(PeriodLocked):
        apply_import(engine, preview, "me")
    assert dump(seeded_url) == before
    again = prepare_import(engine, PLAN, one_figure("07654", "children_total", 3005), "x.csv")
    assert [i.key for i in again.issues] == ["intake_error_period_locked"]
    assert "trưởng phòng" in again.issues[0].message("vi")


def test_excel_unicode_text_utf16_tab_separated(seeded_url):
    """Excel's "Unicode Text (*.txt)": UTF-16 LE with BOM, tab-separated, decimal comma."""
    content = semicolon_file("utf-8").decode("utf-8").replace(";", "\t")
    preview = prepare_import(engine_for(seeded_url), PLAN, codecs.BOM_UTF16_LE + content.encode("utf-16-le"), "bc.txt")
    assert preview.ok, [i.message() for i in preview.issues]
    assert (preview.encoding, preview.delimiter) == ("utf-16", "\t")
    assert {(c.code, c.element): c.new for c in preview.changes}[("07663", "special_children")] == 20.0


def test_recent_imports_show_only_files_that_touched_the_viewers_area(seeded_url):
    """An editor of Chi Lăng must not see the file names and authors of Sơn Động's imports."""
    from data_access import audit

    engine = engine_for(seeded_url)
    preview = prepare_import(engine, PLAN, good_file(), "son_dong_6thang.csv")
    assert preview.ok, [i.message() for i in preview.issues]
    apply_import(engine, preview, "Nguyễn Thị Bình")
    assert [r.filename for r in audit.recent_imports(engine, "220")] == ["son_dong_6thang.csv"]
    assert "son_dong_6thang.csv" in [r.filename for r in audit.recent_imports(engine, None)]
    assert audit.recent_imports(engine, "187") == []  # Chi Lăng: nothing of Sơn Động
    assert audit.recent_imports(engine, "no-such-area") == []
