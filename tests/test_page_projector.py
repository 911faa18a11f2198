"""Projector mode in AppTest on both databases: the slide in the URL opens, the buttons
move between slides, and slide 1 shows the counts this test computes from Progress rows."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from data_access import db
from data_access.progress import compute_progress
from data_access.targets import load_plan
from i18n import fmt_number, t
from tests.apptest_util import REPO, all_text, run_app
from ui.projector import SLIDES
from ui.status import STATUS_SYMBOL

YEAR, PERIOD = 2024, "FY"


def _progress(url: str):
    return compute_progress(db.get_engine(url), load_plan(REPO / "targets.yaml"), YEAR, PERIOD)


def _title(at) -> str:
    """The slide's title: the first markdown of the page that names a slide."""
    titles = {t(f"projector_slide_{key}", "vi"): key for key in SLIDES}
    titles.update({t(f"projector_slide_{key}", "en"): key for key in SLIDES})
    for m in at.markdown:
        if m.value in titles:
            return titles[m.value]
    raise AssertionError("no slide title on the page")


def test_slide_1_shows_the_counts_computed_from_progress_rows(monkeypatch, shared_seeded_url):
    progress = _progress(shared_seeded_url)
    counts = Counter(r.status for r in progress.area_rows)
    at = run_app(monkeypatch, shared_seeded_url, page="projector", year=str(YEAR), period=PERIOD, slide="1")
    assert _title(at) == "scorecard"
    markdowns = [m.value for m in at.markdown]
    for status in ("met", "at_risk", "not_met"):
        assert f"{STATUS_SYMBOL[status]} {counts[status]}" in markdowns  # the big numbers
        assert t(f"status_{status}", "vi") in markdowns  # with the word beside each
    shown = ("met", "at_risk", "not_met", "no_data", "no_target")
    summary = t("projector_counts_summary", "vi", total=len(progress.area_rows), **{s: counts[s] for s in shown})
    assert summary in all_text(at)
    # The worst indicator (not met, furthest from target) is named.
    not_met = [r for r in progress.area_rows if r.status == "not_met"]
    worst = max(not_met, key=lambda r: r.gap / abs(r.expected) if r.expected else r.gap)
    name = progress.plan.indicator(worst.indicator_id).name.vi
    assert any(name in m.replace("\\", "") for m in markdowns)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_the_slide_parameter_opens_that_slide(monkeypatch, _shared_copies, n):
    at = run_app(monkeypatch, _shared_copies["sqlite"], page="projector", year=str(YEAR), slide=str(n))
    assert _title(at) == SLIDES[n - 1]
    assert f"trang {n}/4" in all_text(at)  # the footer says which slide this is


def test_next_and_previous_buttons_change_the_slide_and_the_url(monkeypatch, _shared_copies):
    at = run_app(monkeypatch, _shared_copies["sqlite"], page="projector", year=str(YEAR), slide="3", play="0")
    assert _title(at) == "offtrack"
    at.button(key="proj_btn_next").click().run()
    assert _title(at) == "trends"
    assert at.query_params["slide"] in ("4", ["4"])
    at.button(key="proj_btn_next").click().run()  # wraps round to the first slide
    assert _title(at) == "scorecard"
    at.button(key="proj_btn_prev").click().run()
    assert _title(at) == "trends"
    at.button(key="proj_btn_goto_2").click().run()
    assert _title(at) == "map"
    assert not at.exception


def test_pause_and_play(monkeypatch, _shared_copies):
    at = run_app(monkeypatch, _shared_copies["sqlite"], page="projector", year=str(YEAR), every="7")
    assert "tự chuyển sau 7 giây" in all_text(at)
    at.button(key="proj_btn_play").click().run()
    assert "đang dừng" in all_text(at)
    at.button(key="proj_btn_play").click().run()
    assert "tự chuyển sau 7 giây" in all_text(at)


def test_off_track_slide_names_the_communes_with_most_indicators_not_met(monkeypatch, shared_seeded_url):
    progress = _progress(shared_seeded_url)
    not_met = Counter(r.area_code for r in progress.commune_rows if r.status == "not_met")
    most = max(not_met.values())
    leaders = {c.name for c in progress.communes if not_met.get(c.code) == most}
    at = run_app(monkeypatch, shared_seeded_url, page="projector", year=str(YEAR), slide="3")
    markdowns = [m.value for m in at.markdown]
    for name in leaders:
        assert name in markdowns


def _csv_totals(codes: set[str], element: str) -> Counter:
    totals: Counter = Counter()
    with open(REPO / "sample_data" / "data_values.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["commune_code"] in codes and row["period"] == PERIOD and row["data_element"] == element:
                totals[int(row["year"])] += int(float(row["value"]))
    return totals


def test_trends_slide_sums_the_communes_figures_and_masks_small_counts(monkeypatch, _shared_copies):
    monkeypatch.setenv("PROTECT_SMALL_COUNTS", "on")  # the projector protects small sensitive counts
    codes = {c.code for c in _progress(_shared_copies["sqlite"]).communes}
    injuries = _csv_totals(codes, "injury_cases")
    drownings = _csv_totals(codes, "drowning_deaths")
    at = run_app(monkeypatch, _shared_copies["sqlite"], page="projector", year=str(YEAR), slide="4")
    text = all_text(at).replace("\\", "")
    change = injuries[YEAR] - injuries[YEAR - 1]
    key = "projector_trend_change_down" if change < 0 else "projector_trend_change_up"
    injury_line = t("projector_trend_total", "vi", year=YEAR, value=fmt_number(injuries[YEAR]))
    assert injury_line + " · " + t(key, "vi", n=abs(change), year=YEAR - 1) in text
    # The district's drowning deaths are a small count (1 to 4): "<5", never the number.
    assert 1 <= drownings[YEAR] <= 4
    assert t("projector_trend_total", "vi", year=YEAR, value=drownings[YEAR]) + " " not in text + " "
    # Every year's total is "<5" (issue 13): one sentence instead of a chart of empty bars.
    assert all(1 <= n <= 4 for y, n in drownings.items() if y <= YEAR)
    assert t("reports_chart_all_hidden", "vi", name="Số trẻ em tử vong do đuối nước") in text
    assert len(at.get("vega_lite_chart")) == 1  # the injuries' chart only


def test_english_projector(monkeypatch, _shared_copies):
    at = run_app(monkeypatch, _shared_copies["sqlite"], page="projector", year=str(YEAR), lang="en", slide="2")
    assert _title(at) == "map"
    text = all_text(at)
    assert "Illustrative boundaries, not an official map." in text
    assert "Bản đồ" not in text
