"""Pace to the deadline on the overview, indicator, commune and help pages in H1
(AppTest, SQLite and PostgreSQL). The expected projection is computed here from the
area's H1 and FY values of earlier years (`compute_progress`) and `rules.pace`."""

from __future__ import annotations

from data_access import db
from data_access.progress import compute_progress
from data_access.targets import load_plan
from rules import accumulates_over_year
from rules.pace import pace
from tests.apptest_util import REPO, all_text, run_app
from ui.scorecard import fmt_result

YEAR = 2025
ACCUMULATING = "families_informed_rate"  # households reached / households: builds up over the year
RATIO = "swim_safe_rate"  # children who swim safely / children: a level, not pro-rated


def _expected(url: str, indicator_id: str):
    plan = load_plan(REPO / "targets.yaml")
    ind = plan.indicator(indicator_id)
    engine = db.get_engine(url)
    h1 = compute_progress(engine, plan, YEAR, "H1").row(indicator_id).value
    history = []
    for y in (2022, 2023, 2024):  # the three years before
        a = compute_progress(engine, plan, y, "H1").row(indicator_id).value
        b = compute_progress(engine, plan, y, "FY").row(indicator_id).value
        history.append((a, b))
    target = ind.targets[YEAR]
    flow = accumulates_over_year(ind, plan.data_elements)
    return ind, pace(h1, target.number, higher_is_better=target.op in (">=", ">"), accumulating=flow, history=history)


def _pace_table(at):
    return next(df.value for df in at.dataframe if "Dự kiến cả năm" in df.value.columns)


def _row(at, number: str):
    frame = _pace_table(at)
    return frame[frame["Số"] == number].iloc[0]


def test_the_overview_in_h1_says_which_indicators_will_reach_the_year_target(monkeypatch, shared_seeded_url):
    plan = load_plan(REPO / "targets.yaml")
    from rules.scorecard import indicator_numbers

    numbers = indicator_numbers(plan)
    at = run_app(monkeypatch, shared_seeded_url, page="overview", year=str(YEAR), period="H1")
    assert f"Tiến độ đến báo cáo năm {YEAR}" in all_text(at)
    ind, expected = _expected(shared_seeded_url, ACCUMULATING)
    assert accumulates_over_year(ind, plan.data_elements)
    row = _row(at, numbers[ACCUMULATING])
    assert row["Dự kiến cả năm"] == fmt_result(expected.projected, ind, "vi", ind.targets[YEAR].number)
    assert row["Tiến độ"].endswith(
        {"on_track": "Đúng tiến độ", "accelerate": "Cần tăng tốc", "unlikely": "Khó đạt"}[expected.status]
    )
    assert expected.share != 0.5 and "các năm trước" in row["Cách dự kiến"]  # the earlier years' share, not x 2
    ind, expected = _expected(shared_seeded_url, RATIO)
    row = _row(at, numbers[RATIO])
    assert (
        row["Dự kiến cả năm"] == row["6 tháng"] == fmt_result(expected.projected, ind, "vi", ind.targets[YEAR].number)
    )
    assert row["Cách dự kiến"] == "tỷ lệ: giữ mức 6 tháng"


def test_pace_only_in_h1_and_on_the_indicator_commune_and_help_pages(monkeypatch, shared_seeded_url):
    at = run_app(monkeypatch, shared_seeded_url, page="overview", year=str(YEAR), period="FY")
    assert "Tiến độ đến báo cáo năm" not in all_text(at)
    ind, expected = _expected(shared_seeded_url, ACCUMULATING)
    at = run_app(monkeypatch, shared_seeded_url, page="indicator", year=str(YEAR), period="H1", indicator=ACCUMULATING)
    text = all_text(at)
    assert f"dự kiến cả năm {fmt_result(expected.projected, ind, 'vi', ind.targets[YEAR].number)}" in text
    at = run_app(monkeypatch, shared_seeded_url, page="commune", year=str(YEAR), period="H1", commune="07654")
    assert "Tiến độ đến báo cáo năm 2025" in all_text(at) and len(_pace_table(at))
    at = run_app(monkeypatch, shared_seeded_url, page="help")
    assert "6 tháng × 2" in all_text(at) and "0,75 ≤ r < 1" in all_text(at)


def test_a_projection_beside_its_target_shows_the_decimals_that_tell_them_apart():
    from ui.pace_view import against_target

    ind = load_plan(REPO / "targets.yaml").indicator("special_children_rate")  # "< 2" (%)
    year = next(y for y, t in ind.targets.items() if t.number == 2)
    assert against_target(1.98, ind, year, "vi") == "1,98 %"  # not "2,0 %" beside "< 2 %"
    assert against_target(1.5, ind, year, "vi") == "1,5 %"
