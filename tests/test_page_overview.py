"""Overview page (Tổng quan) in AppTest on SQLite and PostgreSQL.

Every expected number is worked out here from sample_data/*.csv (tests/sample_truth.py),
never read back from the page.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import delete

from data_access import db
from data_access.models import DataValue
from rules.scorecard import off_track_key
from tests import sample_truth as truth
from tests.apptest_util import all_text, run_app

N_COMMUNES = len(truth.communes())


def group_tables(at) -> list[pd.DataFrame]:
    """The per-section indicator tables (every dataframe but the last, the grid)."""
    return [df.value for df in at.dataframe[:-1]]


def indicator_line(at, number: str) -> pd.Series:
    for table in group_tables(at):
        first = table.columns[0]
        hit = table[table[first] == number]
        if len(hit):
            return hit.iloc[0]
    raise AssertionError(f"indicator {number} not on the page")


def grid(at) -> pd.DataFrame:
    return at.dataframe[-1].value


def headline(at) -> str:
    return at.subheader[0].value


def test_headline_counts_every_indicator_and_commune(monkeypatch, shared_seeded_url):
    at = run_app(monkeypatch, shared_seeded_url, year="2024", period="FY")
    area_rows = [r for r in truth.rows(2024, "FY") if r.is_area]
    count = {s: sum(1 for r in area_rows if r.status == s) for s in ("met", "at_risk", "not_met")}
    line = headline(at)
    assert f"{count['met']}/{len(area_rows)} chỉ tiêu đạt" in line
    assert f"{count['at_risk']} có nguy cơ" in line and f"{count['not_met']} chưa đạt" in line
    reported = len(truth.reported(2024, "FY"))
    assert f"{reported}/{N_COMMUNES} xã đã báo cáo năm 2024" in line
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["✔ Đạt"] == f"{count['met']}/{len(area_rows)}"
    assert metrics["Xã đã báo cáo"] == f"{reported}/{N_COMMUNES}"
    # Every section of the plan has its table, every indicator its line.
    numbers = [n for table in group_tables(at) for n in table[table.columns[0]]]
    assert len(numbers) == len(truth.plan().indicators)
    assert len(group_tables(at)) == len(truth.plan().groups())


def test_child_friendly_rate_counts_only_eligible_communes(monkeypatch, shared_seeded_url):
    at = run_app(monkeypatch, shared_seeded_url, year="2024", period="FY")
    figures = truth.figures(2024, "FY")
    recognised = [c for c in truth.communes() if figures[c.code].get("cfc_recognised") == 1]
    blocked = [c for c in recognised if figures[c.code]["drowning_deaths"] > 0 or figures[c.code]["abuse_cases"] > 0]
    eligible = len(recognised) - len(blocked)
    assert blocked, "the sample data's story: recognised communes with a drowning death or abuse case"

    line = indicator_line(at, "4.1")
    assert line["Kết quả"] == f"{truth.vi_number(eligible / N_COMMUNES * 100)} %"
    assert line["Xã đạt"] == f"{eligible}/{N_COMMUNES}"
    assert line["Đã báo cáo"] == f"{N_COMMUNES}/{N_COMMUNES}"
    assert line["Đánh giá"].startswith("✖") and "Chưa đạt" in line["Đánh giá"]  # 70,6 % < 80 %

    # Visible in the grid and explained in words under it.
    g = grid(at).set_index("Xã, thị trấn")
    note = at.warning[0].value
    for c in blocked:
        assert g.loc[c.name, "4.1"] == "✖ Có*"
        reason = "tử vong do đuối nước" if figures[c.code]["drowning_deaths"] > 0 else "bị xâm hại"
        assert f"{c.name}: được công nhận phù hợp với trẻ em nhưng có 1 trẻ em {reason} năm 2024" in note
    for c in recognised:
        if c not in blocked:
            assert g.loc[c.name, "4.1"] == "✔ Có"


def test_change_against_the_compare_year_is_in_real_units(monkeypatch, shared_seeded_url):
    def deaths(year: int) -> int:
        return int(sum(f.get("drowning_deaths", 0) for f in truth.figures(year, "FY").values()))

    at = run_app(monkeypatch, shared_seeded_url, year="2024", period="FY")
    diff = deaths(2024) - deaths(2023)
    assert diff < 0  # fewer deaths: better
    line = indicator_line(at, "2.3")
    assert line["So với 2023"] == f"↓ {-diff} · tốt lên"
    assert line["Mức kế hoạch"] == "Giảm so với cùng kỳ 2023"

    at = run_app(monkeypatch, shared_seeded_url, year="2024", period="FY", compare="2021")
    diff = deaths(2024) - deaths(2021)
    arrow = "↓" if diff < 0 else "↑"
    word = "tốt lên" if diff < 0 else "xấu đi"
    expected = "= không đổi" if diff == 0 else f"{arrow} {abs(diff)} · {word}"
    assert indicator_line(at, "2.3")["So với 2021"] == expected


def test_grid_lists_communes_most_off_track_first(monkeypatch, shared_seeded_url):
    at = run_app(monkeypatch, shared_seeded_url, year="2024", period="FY")
    statuses: dict[str, list[str]] = {}
    for r in truth.rows(2024, "FY"):
        if not r.is_area:
            statuses.setdefault(r.area_code, []).append(r.status)
    expected = sorted(truth.communes(), key=lambda c: off_track_key(statuses[c.code], c.name))
    g = grid(at)
    assert list(g["Xã, thị trấn"]) == [c.name for c in expected]
    worst = expected[0]
    assert g.iloc[0]["✖ Chưa đạt"] == statuses[worst.code].count("not_met")
    # Every cell says its status with a symbol, never colour alone.
    cells = g.drop(columns=["Xã, thị trấn", "✖ Chưa đạt", "▲ Nguy cơ"]).to_numpy().ravel()
    assert all(str(v)[0] in "✔▲✖?–○" for v in cells)
    # A commune that reported no abuse case has nothing to measure for "cases with a plan": ○.
    assert "○" in {str(v) for v in cells}

    # Stay on /overview (the app's root forwards there, and would redraw the widgets).
    at.switch_page("pages/overview.py").run()
    at.toggle(key="overview_off_track_first").set_value(False).run()
    assert list(grid(at)["Xã, thị trấn"]) == [c.name for c in truth.communes()]  # by code


def test_a_commune_that_has_not_reported_is_counted_and_shown(monkeypatch, shared_seeded_url):
    at = run_app(monkeypatch, shared_seeded_url, year="2025", period="H1")
    reported = truth.reported(2025, "H1")
    silent = [c for c in truth.communes() if c.code not in reported]
    assert silent
    assert f"{len(reported)}/{N_COMMUNES} xã đã báo cáo 6 tháng đầu năm 2025" in headline(at)
    g = grid(at).set_index("Xã, thị trấn")
    for c in silent:
        row = g.loc[c.name].drop(["✖ Chưa đạt", "▲ Nguy cơ"])
        # "?" no data; "–" where the commune has no target of its own (area-only indicators).
        assert set(row) <= {"?", "–"} and "?" in set(row)


def test_english_labels(monkeypatch, _shared_copies):
    at = run_app(monkeypatch, _shared_copies["sqlite"], year="2024", period="FY", lang="en")
    area_rows = [r for r in truth.rows(2024, "FY") if r.is_area]
    met = sum(1 for r in area_rows if r.status == "met")
    assert f"{met} of {len(area_rows)} indicators met" in headline(at)
    line = indicator_line(at, "4.1")
    assert list(line.index) == [
        "No.",
        "Indicator",
        "Result",
        "Target",
        "Status",
        "Communes met",
        "Against 2023",
        "Reported",
    ]
    assert line["Indicator"] == "Share of communes recognised child-friendly"
    assert line["Status"] == "✖ Not met"
    text = all_text(at)
    for vietnamese in ("Chưa đạt", "Đạt", "xã đã báo cáo", "tốt lên", "Giảm so với"):
        assert vietnamese not in text.replace("Ngôn ngữ / Language", "")
    assert "Commune" in grid(at).columns


def test_a_period_without_figures_says_so_plainly(monkeypatch, seeded_url):
    engine = db.get_engine(seeded_url)
    with engine.begin() as conn:
        conn.execute(delete(DataValue).where(DataValue.year == 2025, DataValue.period == "FY"))
    at = run_app(monkeypatch, seeded_url, year="2025", period="FY")
    text = all_text(at)
    assert "Chưa có xã nào của Huyện Sơn Động báo cáo số liệu năm 2025" in text
    assert not at.dataframe
