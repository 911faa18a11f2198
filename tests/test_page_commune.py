"""The Commune page in AppTest on SQLite and PostgreSQL, checked against figures the
TEST computes from sample_data/data_values.csv: the eligibility warning, how complete
the report is, the rank among communes, the change, the history, and the plain
message for a commune that has not reported."""

from __future__ import annotations

import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

from data_access.targets import load_plan
from i18n import fmt_value
from rules.commune import is_rankable, rank_of, report_completeness
from tests.apptest_util import REPO, all_text, run_app
from tests.sample_figures import communes_of, figures

SD = communes_of()


@pytest.fixture(scope="module")
def plan():
    return load_plan(REPO / "targets.yaml")


def _rate(f: dict[str, float] | None, num: str, den: str) -> float | None:
    if not f or num not in f or not f.get(den):
        return None
    return f[num] / f[den] * 100


def _table_row(at, number: str):
    for df in at.dataframe:
        frame = df.value
        hit = frame[frame["Số"] == number]
        if len(hit):
            return hit.iloc[0]
    raise AssertionError(f"no row {number}")


def test_le_vien_2024_names_the_drowning_death_and_ranks_the_commune(monkeypatch, shared_seeded_url, plan):
    at = run_app(monkeypatch, shared_seeded_url, page="commune", year="2024", commune="07654")
    figs, before = figures(2024, "FY"), figures(2023, "FY")
    mine = figs["07654"]
    assert at.title[0].value == "Xã Lệ Viễn"
    assert at.selectbox(key="w_commune").value == "07654"
    assert "Xã Lệ Viễn (07654)" in at.selectbox(key="w_commune").options

    # The eligibility warning, with the count from the CSV.
    drowned = int(mine["drowning_deaths"])
    assert mine["cfc_recognised"] == 1 and drowned >= 1
    warnings = " ".join(w.value for w in at.warning)
    assert f"Được công nhận phù hợp với trẻ em nhưng có {drowned} trẻ em tử vong do đuối nước năm 2024" in warnings

    # Reported: x of the plan's data elements.
    expected = plan.used_data_elements()
    have = [de for de in expected if de in mine]
    assert f"{len(have)}/{len(expected)}" in at.success[0].value

    # Value, rank and change of 1.1 (special children, lower is better), computed here.
    values = {c: _rate(figs.get(c), "special_children", "children_total") for c in SD}
    value = values["07654"]
    better = sum(1 for v in values.values() if v is not None and v < value - 1e-9)
    counted = sum(1 for v in values.values() if v is not None)
    row = _table_row(at, "1.1")
    assert row["Kết quả"] == fmt_value(value, "percent")
    assert row["Xếp hạng"] == f"{better + 1}/{counted}"
    then = _rate(before.get("07654"), "special_children", "children_total")
    assert row["So với 2023"].startswith("↑" if value > then else "↓")
    # 4.1 (share of communes) is yes/no for one commune: shown as "Có*" and not ranked.
    cfc = _table_row(at, "4.1")
    assert cfc["Kết quả"] == "Có*" and cfc["Đánh giá"] == "✖ Chưa đạt" and cfc["Xếp hạng"] == "–"


def test_duong_huu_2024_names_the_abuse_case(monkeypatch, shared_seeded_url):
    at = run_app(monkeypatch, shared_seeded_url, page="commune", year="2024", commune="07666")
    abused = int(figures(2024, "FY")["07666"]["abuse_cases"])
    warnings = " ".join(w.value for w in at.warning)
    assert f"có {abused} trẻ em bị xâm hại năm 2024" in warnings


def test_a_commune_without_a_report_says_so_plainly(monkeypatch, shared_seeded_url):
    figs = figures(2025, "H1")
    silent = [c for c in SD if c not in figs]
    assert silent, "the sample has a commune that did not report H1 2025"
    code = silent[0]
    at = run_app(monkeypatch, shared_seeded_url, page="commune", year="2025", period="H1", commune=code)
    name = SD[code]["full_name"]
    assert f"{name} chưa gửi báo cáo 6 tháng đầu năm 2025" in at.warning[0].value
    assert not at.dataframe  # no table of "no data" rows
    assert at.get("vega_lite_chart")  # but the history of earlier years is there


def test_a_partial_report_lists_what_is_missing(monkeypatch, shared_seeded_url, plan):
    figs = figures(2025, "H1")
    expected = plan.used_data_elements()
    partial = [c for c in SD if c in figs and report_completeness(expected, figs[c])[1]]
    assert partial == ["07660"]  # An Bá (sample_data/README.md, story 3)
    have, missing = report_completeness(expected, figs["07660"])
    at = run_app(monkeypatch, shared_seeded_url, page="commune", year="2025", period="H1", commune="07660")
    info = at.info[0].value
    assert f"{len(have)}/{len(expected)}" in info
    assert plan.data_elements[missing[0]].name.vi in info.replace("\\", "")


def test_history_shows_the_commune_values_and_the_target(monkeypatch, shared_seeded_url):
    at = run_app(
        monkeypatch, shared_seeded_url, page="commune", year="2024", commune="07663", indicator="swim_safe_rate"
    )
    chart = at.get("vega_lite_chart")[0]
    data = convert_arrow_bytes_to_pandas_df(chart.proto.datasets[0].data.data)
    ours = data[data["series"] == "Tuấn Đạo"]
    target = data[data["series"] == "Chỉ tiêu"]
    for year in range(2020, 2025):
        want = _rate(figures(year, "FY").get("07663"), "children_swim_safe", "children_6_15")
        got = ours[ours["year"] == str(year)]["value"]
        assert len(got) == 1 and got.iloc[0] == pytest.approx(want)
    assert target["year"].tolist() == ["2024"] and target["value"].tolist() == [50.0]  # ">= 50" in 2024
    # Tuấn Đạo improves every year (story 6).
    assert ours["value"].is_monotonic_increasing
    assert "Đường xanh liền" in all_text(at)


def test_rank_rule_ties_and_direction():
    values = {"a": 1.0, "b": 2.0, "c": 2.0, "d": None, "e": 5.0}
    assert rank_of(values, "b", "higher") == (2, 4)
    assert rank_of(values, "c", "higher") == (2, 4)
    assert rank_of(values, "a", "higher") == (4, 4)
    assert rank_of(values, "a", "lower") == (1, 4)
    assert rank_of(values, "d", "lower") is None
    assert rank_of(values, "zz", "lower") is None


def test_completeness_and_rankable(plan):
    assert report_completeness(["x", "y", "x"], {"x": 1.0, "y": float("nan")}) == (["x"], ["y"])
    assert report_completeness(["x"], None) == ([], ["x"])
    assert not is_rankable(plan.indicator("cfc_rate")) and is_rankable(plan.indicator("injury_rate"))


def test_the_commune_page_in_english(monkeypatch, shared_seeded_url):
    at = run_app(monkeypatch, shared_seeded_url, page="commune", year="2024", commune="07654", lang="en")
    text = all_text(at)
    assert "1 Child drowning deaths" not in text  # English reads "Child drowning deaths: 1"
    assert "Child drowning deaths: 1" in text
    for word in ("Xếp hạng", "Đã báo cáo", "Diễn biến", "Chỉ tiêu xem"):
        assert word not in text
    assert "Rank" in at.dataframe[0].value.columns
