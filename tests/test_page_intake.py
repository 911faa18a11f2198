"""The four data pages in AppTest: import, audit trail, reporting status, data quality.

Expected numbers are computed here from sample_data/ (and from rules applied to
figures this test loads itself), never read back from the page.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date
from urllib.parse import parse_qs

from sqlalchemy import select, update

from data_access import db
from data_access.models import AuditEntry, DataValue, OrgUnit
from data_access.targets import load_plan
from i18n import fmt_number
from rules.quality import deadline_date, quality_findings, report_state
from tests.apptest_util import all_text, run_app
from tests.conftest import REPO

PLAN = load_plan(REPO / "targets.yaml")


def sample_rows() -> list[dict[str, str]]:
    with (REPO / "sample_data" / "data_values.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def son_dong() -> dict[str, str]:
    with (REPO / "sample_data" / "org_units.csv").open(encoding="utf-8") as fh:
        return {r["code"]: r["full_name"] for r in csv.DictReader(fh) if r["parent_code"] == "220"}


ROWS = sample_rows()
COMMUNES = son_dong()
USED = PLAN.used_data_elements()


def value(code: str, year: int, period: str, de: str) -> float:
    for r in ROWS:
        if (r["commune_code"], int(r["year"]), r["period"], r["data_element"]) == (code, year, period, de):
            return float(r["value"])
    raise KeyError((code, year, period, de))


def with_params(at, **values: str):
    """Put page parameters in the URL of the page already open, as a link would.

    (AppTest drops page-specific URL parameters on its page switch; the browser test
    opens real deep links.)"""
    for key, val in values.items():
        at.query_params[key] = val
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# ----------------------------------------------------------------------------- import


def test_import_page_shows_the_three_steps(monkeypatch, shared_seeded_url):
    at = run_app(monkeypatch, shared_seeded_url, page="import", year="2025", period="H1")
    text = all_text(at)
    assert "Nhập số liệu" in text
    assert "1. Tải mẫu báo cáo" in text and "2. Tải tệp báo cáo lên" in text
    assert at.download_button[0].label.startswith("Tải mẫu Excel — 6 tháng đầu năm 2025")
    assert len(at.file_uploader) == 1
    assert f"{len(COMMUNES)} xã, thị trấn" in text


def test_upload_dry_run_confirm_and_the_figure_is_stored(monkeypatch, seeded_url):
    old = value("07654", 2025, "FY", "children_total")
    content = (
        "commune_code,commune_name,year,period,data_element,value\n"
        f"07654,Xã Lệ Viễn,2025,FY,children_total,{int(old) + 40}\n"
        "07645,Xã An Lạc,2025,H1,drowning_deaths,0\n"
        f"07654,Xã Lệ Viễn,2025,FY,drowning_deaths,{int(value('07654', 2025, 'FY', 'drowning_deaths'))}\n"
    ).encode()
    at = run_app(monkeypatch, seeded_url, page="import")
    at.file_uploader[0].set_value(("bao_cao.csv", content, "text/csv"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["+ Mới"] == "1" and metrics["✎ Thay đổi"] == "1" and metrics["= Không đổi"] == "1"
    table = at.dataframe[0].value
    assert list(table["Giá trị cũ"]) == [fmt_number(old), "–"]
    assert list(table["Giá trị mới"]) == [fmt_number(old + 40), "0"]
    confirm = at.button(key="import_confirm")
    assert confirm.disabled  # no name yet
    at.text_input(key="import_by").input("Nguyễn Văn Hùng").run()
    at.button(key="import_confirm").click().run()
    assert not at.exception, [e.value for e in at.exception]
    success = " ".join(s.value for s in at.success)
    assert "Đã nhập tệp bao_cao.csv: 2 thay đổi (1 mới, 1 sửa; 1 không đổi)" in success
    audit_links = [pl for pl in at.page_link if pl.proto.page == "audit" and "batch=" in pl.proto.query_string]
    assert len(audit_links) == 1  # straight to this import's changes
    with db.get_engine(seeded_url).connect() as conn:
        stored = conn.execute(
            select(DataValue.value, DataValue.updated_by)
            .join(OrgUnit, OrgUnit.id == DataValue.org_unit_id)
            .where(OrgUnit.code == "07654", DataValue.year == 2025, DataValue.period == "FY")
            .where(DataValue.data_element_id == "children_total")
        ).one()
        who = conn.execute(select(AuditEntry.changed_by).order_by(AuditEntry.id.desc()).limit(1)).scalar()
    assert stored == (old + 40, "Nguyễn Văn Hùng") and who == "Nguyễn Văn Hùng"


def test_a_bad_upload_lists_every_error_with_its_row(monkeypatch, shared_seeded_url):
    content = (
        "commune_code;commune_name;year;period;data_element;value\n"
        "99999;Xã Ma;2025;H1;children_total;10\n"
        "07654;Xã Lệ Viễn;2025;H1;children_total;-4\n"
        "07654;Xã Lệ Viễn;2025;H1;cfc_recognised;2\n"
    ).encode("utf-8-sig")
    at = run_app(monkeypatch, shared_seeded_url, page="import")
    at.file_uploader[0].set_value(("loi.csv", content, "text/csv"))
    at.run()
    assert not at.exception
    assert "Tệp loi.csv có 3 lỗi nên chưa ghi gì" in " ".join(e.value for e in at.error)
    errors = at.dataframe[0].value
    assert list(errors["Dòng"]) == ["2", "3", "4"]
    assert "mã xã «99999»" in errors["Lý do"][0]
    assert not at.button  # nothing to confirm


def test_a_file_that_is_not_a_table_gets_a_plain_message(monkeypatch, shared_seeded_url):
    at = run_app(monkeypatch, shared_seeded_url, page="import")
    at.file_uploader[0].set_value(("anh.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00binary", "text/csv"))
    at.run()
    assert not at.exception
    assert "không phải bảng số liệu" in all_text(at)


# ----------------------------------------------------------------------------- audit


def test_audit_page_filtered_by_commune_element_year_period(monkeypatch, shared_seeded_url):
    at = with_params(
        run_app(monkeypatch, shared_seeded_url, page="audit"),
        commune="07654",
        audit_element="drowning_deaths",
        audit_year="2024",
        audit_period="FY",
    )
    table = at.dataframe[0].value
    assert len(table) == 1
    row = table.iloc[0]
    assert row["Xã"] == "Xã Lệ Viễn (07654)"
    assert row["Giá trị mới"] == fmt_number(value("07654", 2024, "FY", "drowning_deaths"))
    assert row["Giá trị cũ"] == "–" and row["Thao tác"] == "Thêm mới"
    assert row["Tệp"] == "sample_data/data_values.csv"
    assert len(row["Thời gian"]) == len("15/11/2024 16:30") and row["Thời gian"][2] == "/"


def test_audit_page_counts_every_change_in_the_district(monkeypatch, shared_seeded_url):
    expected = sum(1 for r in ROWS if r["commune_code"] in COMMUNES)  # the seed audits every figure
    at = run_app(monkeypatch, shared_seeded_url, page="audit")
    assert f"{fmt_number(expected)} thay đổi — trang 1/" in all_text(at)
    assert len(at.dataframe[0].value) == 50  # one page at a time


# ----------------------------------------------------------------------------- completeness


def test_completeness_matrix_and_overdue_communes(monkeypatch, shared_seeded_url):
    reported: dict[tuple[str, int, str], int] = defaultdict(int)
    for r in ROWS:
        if r["commune_code"] in COMMUNES and r["data_element"] in USED:
            reported[(r["commune_code"], int(r["year"]), r["period"])] += 1
    at = run_app(monkeypatch, shared_seeded_url, page="completeness")
    matrix = next(df.value for df in at.dataframe if "Xã" in df.value.columns)
    by_commune = {row["Xã"]: row for _, row in matrix.iterrows()}
    today = date.today()
    for code, name in COMMUNES.items():
        for year in PLAN.years:
            for period, label in (("H1", "6 tháng đầu năm"), ("FY", "Cả năm")):
                n = reported[(code, year, period)]
                state = report_state(n, len(USED), deadline_date(PLAN.deadlines, year, period), today)
                cell = by_commune[f"{name} ({code})"][f"{label} {year}"]
                symbol = {"complete": "✔", "partial": "▲", "missing": "?"}.get(state, "✖")
                assert cell.startswith(symbol), (code, year, period, cell)
                if state != "overdue_missing" and state != "missing":
                    assert f"{n}/{len(USED)}" in cell
    # The stories: An Lạc sent no H1 2025 report, An Bá's lacks figures.
    assert reported[("07645", 2025, "H1")] == 0
    cell = by_commune["Xã An Lạc (07645)"]["6 tháng đầu năm 2025"]
    assert cell == ("✖ Quá hạn — chưa nộp" if today > date(2025, 5, 15) else "? Chưa nộp")
    assert (
        "Thiếu" in by_commune["Xã An Bá (07660)"]["6 tháng đầu năm 2025"]
        or "thiếu" in by_commune["Xã An Bá (07660)"]["6 tháng đầu năm 2025"]
    )
    if today > date(2025, 5, 15):
        warning = " ".join(w.value for w in at.warning)
        assert "6 tháng đầu năm 2025 — 2 xã quá hạn: Xã An Lạc (07645), Xã An Bá (07660)" in warning


def test_completeness_for_the_selected_year_only(monkeypatch, shared_seeded_url):
    at = with_params(
        run_app(monkeypatch, shared_seeded_url, page="completeness", year="2024"), completeness_scope="year"
    )
    matrix = next(df.value for df in at.dataframe if "Xã" in df.value.columns)
    assert list(matrix.columns) == ["Xã", "6 tháng đầu năm 2024", "Cả năm 2024"]
    assert len(matrix) == len(COMMUNES)


def test_completeness_in_english(monkeypatch, shared_seeded_url):
    at = run_app(monkeypatch, shared_seeded_url, page="completeness", lang="en")
    matrix = next(df.value for df in at.dataframe if "Commune" in df.value.columns)
    assert "First half (H1) 2025" in matrix.columns
    assert "Overdue" in all_text(at) or "Complete" in all_text(at)


# ----------------------------------------------------------------------------- quality


def test_quality_page_on_clean_sample_data(monkeypatch, shared_seeded_url):
    figures = figures_by_period(ROWS)
    assert quality_findings(PLAN, figures, 2025, "FY") == []
    at = run_app(monkeypatch, shared_seeded_url, page="quality")
    assert "Không phát hiện vấn đề nào" in all_text(at)


def test_quality_page_lists_findings_worst_first_with_links(monkeypatch, seeded_url):
    # Two mistakes straight into the database (the importer would refuse the first):
    # more injury deaths than injuries in Lệ Viễn, and Tuấn Đạo's children ×10.
    engine = db.get_engine(seeded_url)
    changes = {
        ("07654", "injury_deaths"): value("07654", 2025, "FY", "injury_cases") + 2,
        ("07663", "children_total"): value("07663", 2025, "FY", "children_total") * 10,
    }
    with engine.begin() as conn:
        ids = dict(conn.execute(select(OrgUnit.code, OrgUnit.id)).all())
        for (code, de), v in changes.items():
            conn.execute(
                update(DataValue)
                .where(DataValue.org_unit_id == ids[code], DataValue.data_element_id == de)
                .where(DataValue.year == 2025, DataValue.period == "FY")
                .values(value=v)
            )
    rows = [
        {**r, "value": str(changes.get((r["commune_code"], r["data_element"]), r["value"]))}
        if (r["year"], r["period"]) == ("2025", "FY")
        else r
        for r in ROWS
    ]
    expected = quality_findings(PLAN, figures_by_period(rows), 2025, "FY")
    errors = [f for f in expected if f.severity == "error"]
    assert errors and len(expected) > len(errors)

    at = run_app(monkeypatch, seeded_url, page="quality", year="2025", period="FY")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["✖ Lỗi"] == str(len(errors))
    assert metrics["▲ Cần xem lại"] == str(len(expected) - len(errors))
    text = all_text(at)
    assert text.index("Xã Lệ Viễn") < text.index("Xã Tuấn Đạo")  # errors before warnings
    assert "Vi phạm quy tắc «injury_deaths <= injury_cases»" in text.replace("\\", "")  # markdown-escaped
    links = [pl for pl in at.page_link if pl.proto.page == "commune" and pl.proto.label == "Mở trang xã"]
    assert len(links) == len(expected)
    params = parse_qs(links[0].proto.query_string)
    assert params["commune"] == ["07654"] and params["year"] == ["2025"] and params["period"] == ["FY"]


def figures_by_period(rows: list[dict[str, str]]) -> dict[tuple[int, str], dict[str, dict[str, float]]]:
    out: dict[tuple[int, str], dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    for r in rows:
        if r["commune_code"] in COMMUNES and r["data_element"] in USED:
            out[(int(r["year"]), r["period"])][r["commune_code"]][r["data_element"]] = float(r["value"])
    return out
