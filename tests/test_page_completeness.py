"""Reporting status that adds up (issue 13, item 10), on SQLite and PostgreSQL.

Each commune is in exactly one group per period: complete on time + sent late + not yet
due + overdue = all communes; a report imported after its deadline stays "nộp muộn"
(it does not turn into a plain "đủ"), and a correction after the deadline does not make
an on-time report late. Expected numbers are counted here from the sample files.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from data_access import db, queries
from data_access.intake import apply_import, prepare_import
from tests.apptest_util import run_app
from tests.test_page_intake import COMMUNES, PLAN, ROWS, USED
from ui import data

AN_LAC = "07645"  # sent no H1 2025 report in the sample
AN_BA = "07660"  # its H1 2025 report lacks figures
H1_2025 = "6 tháng đầu năm 2025"


def _import(url: str, code: str, year: int, period: str, values: dict[str, float], now: datetime) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["commune_code", "commune_name", "year", "period", "data_element", "value"])
    for de, value in values.items():
        writer.writerow([code, COMMUNES[code], year, period, de, value])
    engine = db.ready_engine(url)
    preview = prepare_import(engine, PLAN, out.getvalue().encode(), "late.csv", today=now.date())
    assert preview.ok, [i.key for i in preview.issues]
    apply_import(engine, preview, "tester", now=now)


def _figures(code: str, year: int, period: str) -> dict[str, float]:
    return {
        r["data_element"]: float(r["value"])
        for r in ROWS
        if (r["commune_code"], int(r["year"]), r["period"]) == (code, year, period) and r["data_element"] in USED
    }


def test_received_is_the_first_arrival_of_the_last_figure(seeded_url):
    engine = db.ready_engine(seeded_url)
    periods = [(2025, "H1"), (2024, "FY")]
    before = queries.report_received_in(engine, "220", periods, USED)
    assert AN_LAC not in before[(2025, "H1")]  # nothing sent
    due_h1 = date(2025, 5, 15)
    assert all(at.date() <= due_h1 for at in before[(2025, "H1")].values())  # the sample came on time
    late = datetime(2025, 7, 2, 3, 0, tzinfo=UTC)
    _import(seeded_url, AN_LAC, 2025, "H1", _figures(AN_LAC, 2024, "H1"), late)
    # An on-time 2024 report corrected later keeps its first arrival.
    some = next(iter(_figures("07654", 2024, "FY").items()))
    _import(seeded_url, "07654", 2024, "FY", {some[0]: some[1] + 1}, datetime(2025, 3, 1, tzinfo=UTC))
    after = queries.report_received_in(engine, "220", periods, USED)
    assert after[(2025, "H1")][AN_LAC] == late
    assert after[(2024, "FY")]["07654"] == before[(2024, "FY")]["07654"]


def _summary_row(at, label: str) -> dict[str, str]:
    summary = next(df.value for df in at.dataframe if "Kỳ" in df.value.columns)
    return next(row for _, row in summary.iterrows() if row["Kỳ"] == label).to_dict()


def test_the_four_groups_add_up_and_late_stays_late(monkeypatch, seeded_url):
    total = len(COMMUNES)
    at = run_app(monkeypatch, seeded_url, page="completeness")
    row = _summary_row(at, H1_2025)
    groups = ["✔ Đủ, đúng hạn", "◷ Nộp muộn", "… Chưa đến hạn", "✖ Quá hạn"]
    assert int(row["= Tổng số xã"]) == total
    assert sum(int(row[g]) for g in groups) == total
    # Today is after 15/05/2025: An Lạc (nothing) and An Bá (partial) are overdue, none late.
    assert (int(row["✖ Quá hạn"]), int(row["◷ Nộp muộn"])) == (2, 0)
    assert int(row["… Chưa đến hạn"]) == 0
    assert int(row["✔ Đủ, đúng hạn"]) == total - 2
    summary = next(df.value for df in at.dataframe if "Kỳ" in df.value.columns)
    assert len(summary) == 2 * len(PLAN.years)
    for _, other in summary.iterrows():  # every period adds up
        assert sum(int(other[g]) for g in groups) == int(other["= Tổng số xã"]) == total, other["Kỳ"]

    _import(seeded_url, AN_LAC, 2025, "H1", _figures(AN_LAC, 2024, "H1"), datetime.now(UTC))
    data.clear_after_import()  # as the import page does
    at = run_app(monkeypatch, seeded_url, page="completeness")
    row = _summary_row(at, H1_2025)
    assert (int(row["✖ Quá hạn"]), int(row["◷ Nộp muộn"])) == (1, 1)
    assert sum(int(row[g]) for g in groups) == total
    matrix = next(df.value for df in at.dataframe if "Xã" in df.value.columns)
    cell = next(r[H1_2025] for _, r in matrix.iterrows() if r["Xã"] == f"{COMMUNES[AN_LAC]} ({AN_LAC})")
    assert cell.startswith("◷ Nộp muộn") and f"{len(USED)}/{len(USED)}" in cell
    warning = " ".join(w.value for w in at.warning)
    assert "Xã An Lạc" not in warning and "Xã An Bá" in warning  # no longer chased
