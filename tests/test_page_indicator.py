"""Indicator page (Chỉ tiêu) in AppTest on SQLite and PostgreSQL, opened with the
indicator in the URL. Expected numbers are worked out from sample_data/*.csv."""

from __future__ import annotations

import json
import math

import pandas as pd
from streamlit import dataframe_util

from tests import sample_truth as truth
from tests.apptest_util import all_text, run_app

N_COMMUNES = len(truth.communes())


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def chart_data(at, index: int) -> pd.DataFrame:
    """The first dataset of a chart (Streamlit sends it as Arrow beside the spec)."""
    return dataframe_util.convert_arrow_bytes_to_pandas_df(at.get("vega_lite_chart")[index].proto.datasets[0].data.data)


def test_child_friendly_rate_with_its_gap_in_communes(monkeypatch, shared_seeded_url):
    at = run_app(monkeypatch, shared_seeded_url, page="indicator", year="2024", period="FY", indicator="cfc_rate")
    figures = truth.figures(2024, "FY")
    eligible = [
        c
        for c in truth.communes()
        if figures[c.code]["cfc_recognised"] == 1
        and figures[c.code]["drowning_deaths"] == 0
        and figures[c.code]["abuse_cases"] == 0
    ]
    assert at.title[0].value == "4.1. Tỷ lệ xã, thị trấn phù hợp với trẻ em"
    m = metrics(at)
    assert m["Kết quả toàn địa bàn"] == f"{truth.vi_number(len(eligible) / N_COMMUNES * 100)} %"
    assert m["Xã đạt"] == f"{len(eligible)}/{N_COMMUNES}"
    assert m["Đã báo cáo"] == f"{N_COMMUNES}/{N_COMMUNES}"
    text = all_text(at)
    assert "≥ 80 %" in text and "✖ Chưa đạt" in text
    needed = math.ceil(0.80 * N_COMMUNES) - len(eligible)  # 80 % of 17 communes = 13,6 -> 14
    assert f"Cần thêm {needed} xã được công nhận phù hợp với trẻ em" in text
    # How it is computed, in words, with the eligibility rule and the plan line.
    assert "Điều kiện: xã chỉ được tính khi" in text and "Số trẻ em tử vong do đuối nước" in text
    assert "KH Chi Lăng 2025, mục II" in text

    off = at.dataframe[0].value.set_index("Xã, thị trấn")
    not_eligible = [c for c in truth.communes() if c not in eligible]
    assert sorted(off.index) == sorted(c.name for c in not_eligible)
    for c in not_eligible:
        if figures[c.code]["cfc_recognised"] == 1:  # recognised, but a child drowned or was abused
            assert off.loc[c.name, "Kết quả"] == "Có*"
            assert off.loc[c.name, "Lý do / còn thiếu"].startswith("Được công nhận phù hợp với trẻ em nhưng có 1")
        else:
            assert off.loc[c.name, "Lý do / còn thiếu"].startswith("Chưa được công nhận")


def test_drowning_deaths_trend_and_ranking(monkeypatch, shared_seeded_url):
    at = run_app(
        monkeypatch, shared_seeded_url, page="indicator", year="2024", period="FY", indicator="drowning_deaths"
    )

    def deaths(year: int) -> int:
        return int(sum(f.get("drowning_deaths", 0) for f in truth.figures(year, "FY").values()))

    assert metrics(at)["Kết quả toàn địa bàn"] == str(deaths(2024))
    text = all_text(at)
    assert "Giảm so với cùng kỳ 2023" in text
    assert f"↓ {deaths(2023) - deaths(2024)} · tốt lên" in text
    assert "✔ Đạt" in text  # 2 < 4: the district met "decrease"

    bars, trend = charts(at)
    assert len(chart_data(at, 0)) == N_COMMUNES
    # Vietnamese axis titles and legends, not English.
    spec_text = json.dumps(bars, ensure_ascii=False) + json.dumps(trend, ensure_ascii=False)
    assert "số lượng" in spec_text and "Đánh giá" in spec_text and "Năm" in spec_text
    points = chart_data(at, 1)
    points = points[points["series"] == "Kết quả Sơn Động"]
    years_with_data = sorted({y for (y, p) in truth.values() if p == "FY"})
    assert [int(y) for y in points["year"]] == years_with_data
    assert list(points["value"]) == [deaths(y) for y in years_with_data]

    off = at.dataframe[0].value
    with_deaths = [c.name for c in truth.communes() if truth.figures(2024, "FY")[c.code]["drowning_deaths"] > 0]
    assert sorted(off["Xã, thị trấn"]) == sorted(with_deaths)


def test_h1_lists_the_communes_that_did_not_report(monkeypatch, shared_seeded_url):
    at = run_app(monkeypatch, shared_seeded_url, page="indicator", year="2025", period="H1", indicator="swim_safe_rate")
    h1 = truth.figures(2025, "H1")
    silent = [c.name for c in truth.communes() if not h1.get(c.code)]
    partial = [c.name for c in truth.communes() if h1.get(c.code) and "children_swim_safe" not in h1[c.code]]
    assert silent and partial  # An Lạc sent nothing; An Bá's report lacks the swimming figure
    warnings = [w.value for w in at.warning]
    assert any("Chưa gửi báo cáo 6 tháng đầu năm 2025" in w and all(n in w for n in silent) for w in warnings)
    assert any("thiếu số liệu cho chỉ tiêu này" in w and all(n in w for n in partial) for w in warnings)
    reported = N_COMMUNES - len(silent) - len(partial)
    assert metrics(at)["Đã báo cáo"] == f"{reported}/{N_COMMUNES}"


def test_english_labels(monkeypatch, _shared_copies):
    at = run_app(
        monkeypatch,
        _shared_copies["sqlite"],
        page="indicator",
        year="2024",
        period="FY",
        indicator="cfc_rate",
        lang="en",
    )
    assert at.title[0].value == "4.1. Share of communes recognised child-friendly"
    m = metrics(at)
    assert "Result for the area" in m and "Communes met" in m
    text = all_text(at)
    assert "more communes needed" in text
    assert list(at.dataframe[0].value.columns) == ["Commune", "Result", "Status", "Reason / what is missing"]
    spec_text = json.dumps(charts(at), ensure_ascii=False)
    assert "percent (%)" in spec_text and "phần trăm" not in spec_text


def test_unknown_indicator_in_the_url_falls_back_to_the_first(monkeypatch, _shared_copies):
    at = run_app(monkeypatch, _shared_copies["sqlite"], page="indicator", year="2024", indicator="no_such_thing")
    first = truth.plan().indicators[0]
    assert at.title[0].value == f"1.1. {first.name.vi}"


def test_target_and_status_sit_with_the_metrics_as_escaped_text(monkeypatch, shared_seeded_url):
    """The target and the status are drawn as a label over a large value, like the
    metrics beside them (a caption and a subheader sat 20 px lower); the plan's "< 2"
    reaches the page as text, never as a tag, and the status keeps its symbol and word."""
    at = run_app(
        monkeypatch, shared_seeded_url, page="indicator", year="2024", period="FY", indicator="special_children_rate"
    )
    assert not at.exception
    figures = [
        str(m.value) for m in at.markdown if "Mức kế hoạch năm 2024" in str(m.value) or "Đánh giá" in str(m.value)
    ]
    target, status = figures
    assert "&lt; 2" in target and "<" not in target.replace("<div", "").replace("</div>", "")
    assert any(word in status for word in ("✔ Đạt", "▲ Có nguy cơ", "✖ Chưa đạt")), status
    assert not [h for h in at.subheader if "Đạt" in str(h.value)]  # no longer a subheader
