"""rules/scorecard.py: numbering, counts, change against another year, off-track order,
history and ineligible-but-recognised communes. Expected values are worked out by hand."""

from __future__ import annotations

import pytest

from rules import ProgressRow, Question, area_value, evaluate_plan
from rules.model import COMMUNES, DataElement, Indicator, LocalText, OrgUnitRef, Plan, Target
from rules.scorecard import (
    area_history,
    change_between,
    communes_met,
    communes_reported,
    focus_indicator,
    indicator_numbers,
    ineligible_recognised,
    map_indicator,
    off_track_key,
    off_track_worst_first,
    relative_gap,
    status_counts,
    worst_first_key,
)
from rules.suppression import SmallCount

A = LocalText("Nhóm A", "Group A")
B = LocalText("Nhóm B", "Group B")
CFC = Indicator(
    "cfc",
    LocalText("Tỷ lệ xã phù hợp", "CFC"),
    "cfc_recognised",
    "percent",
    COMMUNES,
    group=A,
    targets={2024: Target(">=", 80, ">= 80")},
    requires_zero=("drowning_deaths",),
)
DEATHS = Indicator(
    "deaths",
    LocalText("Số trẻ tử vong", "Deaths"),
    "drowning_deaths",
    "count",
    group=B,
    better="lower",
    targets={2024: Target("decrease", None, "decrease")},
)
SWIM = Indicator(
    "swim", LocalText("Biết bơi", "Swim"), "swim", "percent", "kids", group=A, targets={2024: Target(">=", 50, ">= 50")}
)
DES = {
    "cfc_recognised": DataElement("cfc_recognised", LocalText("Xã được công nhận", "Recognised"), "stock", "yes_no"),
    "drowning_deaths": DataElement("drowning_deaths", LocalText("Số trẻ em tử vong do đuối nước", "Deaths"), "flow"),
    "swim": DataElement("swim", LocalText("Số trẻ biết bơi", "Swim")),
    "kids": DataElement("kids", LocalText("Số trẻ", "Kids")),
}
PLAN = Plan("p", "Plan", "D", (2024,), DES, (CFC, DEATHS, SWIM))
AREA = OrgUnitRef("D", "D", "Huyện D", "huyện", "district")
COMMUNE_REFS = [OrgUnitRef(c, c, c, "xã", "commune", "D") for c in ("c1", "c2", "c3")]
NOW = {
    "c1": {"cfc_recognised": 1, "drowning_deaths": 0, "swim": 30, "kids": 100},
    "c2": {"cfc_recognised": 1, "drowning_deaths": 1, "swim": 60, "kids": 100},
    "c3": {"cfc_recognised": 0, "drowning_deaths": 1},
}
BEFORE = {
    "c1": {"cfc_recognised": 0, "drowning_deaths": 2, "swim": 20, "kids": 100},
    "c2": {"cfc_recognised": 1, "drowning_deaths": 1, "swim": 50, "kids": 100},
    "c3": {"cfc_recognised": 0, "drowning_deaths": 0, "swim": 10, "kids": 100},
}
CODES = ["c1", "c2", "c3"]


def test_numbers_follow_sections_in_plan_order():
    # cfc and swim are section A (first used), deaths section B.
    assert indicator_numbers(PLAN) == {"cfc": "1.1", "deaths": "2.1", "swim": "1.2"}


def test_change_says_whether_it_is_better_by_direction():
    # CFC: now c1 counts (c2 blocked by a death) = 1 of 3; before c2 had a death too = 0 of 3.
    ch = change_between(CFC, area_value(CFC, CODES, NOW), area_value(CFC, CODES, BEFORE))
    assert ch is not None and (ch.direction, ch.good, ch.communes) == ("up", True, 1.0)
    same = change_between(CFC, area_value(CFC, CODES, NOW), area_value(CFC, CODES, NOW))
    assert same is not None and same.direction == "same" and same.good is None
    # Deaths: 0+1+1 = 2 now, 2+1+0 = 3 before -> down 1, and lower is better.
    ch = change_between(DEATHS, area_value(DEATHS, CODES, NOW), area_value(DEATHS, CODES, BEFORE))
    assert ch is not None and (ch.direction, ch.good, ch.delta, ch.communes) == ("down", True, -1.0, None)
    # Swim: (30+60)/200 = 45 % now, (20+50+10)/300 = 26,67 % before -> up, better.
    ch = change_between(SWIM, area_value(SWIM, CODES, NOW), area_value(SWIM, CODES, BEFORE))
    assert ch is not None and ch.direction == "up" and ch.good is True
    assert abs(ch.delta - (45 - 80 / 3)) < 1e-9
    assert change_between(SWIM, area_value(SWIM, CODES, NOW), area_value(SWIM, CODES, {})) is None


def test_change_in_communes_for_a_share_of_communes():
    before = {c: {"cfc_recognised": 1, "drowning_deaths": 0} for c in CODES}
    ch = change_between(CFC, area_value(CFC, CODES, NOW), area_value(CFC, CODES, before))
    assert ch is not None and ch.communes == -2.0 and (ch.direction, ch.good) == ("down", False)  # 3 -> 1


def test_counts_and_communes_met_leave_out_no_data():
    rows = evaluate_plan(PLAN, Question(2024, "FY", AREA, COMMUNE_REFS, NOW, BEFORE, data_elements=DES))
    swim = [r for r in rows if r.indicator_id == "swim"]
    # c1 30 % (not met, 50 - 5 tolerance = 45 > 30), c2 60 % met, c3 reported no swim figure.
    assert communes_met(swim) == (1, 2)
    counts = status_counts(r for r in rows if r.is_area)
    assert sum(counts.values()) == 3 and set(counts) == {"met", "at_risk", "not_met", "no_data", "no_target", "not_applicable"}


def test_off_track_order():
    worst = off_track_key(["not_met", "not_met", "met"], "Z")
    risky = off_track_key(["not_met", "at_risk", "at_risk"], "A")
    quiet = off_track_key(["not_met", "at_risk", "no_data"], "B")
    assert sorted([quiet, risky, worst]) == [worst, risky, quiet]


def test_ineligible_recognised_only_lists_communes_that_would_have_counted():
    rows = evaluate_plan(PLAN, Question(2024, "FY", AREA, COMMUNE_REFS, NOW, BEFORE, data_elements=DES))
    # c2 recognised with a death -> listed; c3 has a death too but was not recognised.
    assert [r.area_code for r in ineligible_recognised(CFC, rows, NOW)] == ["c2"]


def test_area_history_by_year():
    history = {(2023, "FY"): BEFORE, (2024, "FY"): NOW, (2024, "H1"): {}}
    values = area_history(DEATHS, CODES, history, "FY")
    assert {y: v.value for y, v in values.items()} == {2023: 3.0, 2024: 2.0}


def test_communes_reported():
    assert communes_reported({"c1": {"x": 1}, "c2": {}}, CODES) == (["c1"], ["c2", "c3"])


@pytest.mark.parametrize(
    ("value", "threshold", "decimals"),
    [
        (2.04, 2.0, 2),  # "2,04 %" at risk against "< 2 %", never "2,0 %"
        (1.96, 2.0, 2),  # met "< 2 %" with 1,96 %, never "2,0 %"
        (2.004, 2.0, 3),  # as many as it takes
        (79.96, 80.0, 2),
        (2.0, 2.0, 1),  # exactly the threshold: nothing to show
        (85.3, 80.0, 1),  # far from it: one decimal
        (2.00000001, 2.0, 4),  # at most four
        (3.0, None, 1),
    ],
)
def test_decimals_needed_keep_the_number_apart_from_its_threshold(value, threshold, decimals):
    from rules.scorecard import decimals_needed

    assert decimals_needed(value, threshold) == decimals


# --------------------------------------------------------------------------- worst first, headline


def _area_row(ind_id: str, status: str, gap: float | None, expected: float | None) -> ProgressRow:
    return ProgressRow(
        "D", "Huyện D", "district", ind_id, 2024, "FY", 1.0, ">= 1", status, None, None, 3, 3,
        None, expected, gap, None, None, (), True,
    )


def test_worst_first_puts_not_met_before_at_risk_and_the_furthest_first():
    near = _area_row("a", "not_met", gap=5, expected=50)  # 10 % short
    far = _area_row("b", "not_met", gap=40, expected=80)  # 50 % short
    risky = _area_row("c", "at_risk", gap=60, expected=80)  # further, but only at risk
    fine = _area_row("d", "met", gap=None, expected=80)
    assert [r.indicator_id for r in off_track_worst_first([fine, risky, near, far])] == ["b", "a", "c"]
    assert [r.indicator_id for r in off_track_worst_first([fine, risky, near, far], limit=1)] == ["b"]
    assert sorted([fine, near], key=worst_first_key)[0] is near


def test_a_masked_gap_ranks_as_no_gap_so_nothing_hidden_orders_the_list():
    hidden = _area_row("a", "not_met", gap=SmallCount(), expected=10)
    shown = _area_row("b", "not_met", gap=1, expected=10)
    assert relative_gap(hidden) == 0.0
    assert [r.indicator_id for r in off_track_worst_first([hidden, shown])] == ["b", "a"]


def test_the_map_headlines_the_child_friendly_share_whatever_the_plan_calls_it():
    renamed = Indicator("xa_ptt", CFC.name, "cfc_recognised", "percent", COMMUNES, group=A)
    other_share = Indicator("board", LocalText("Ban bảo vệ", "Board"), "board_active", "percent", COMMUNES, group=A)
    plan = Plan("p", "Plan", "D", (2024,), DES, (SWIM, other_share, renamed, DEATHS))
    assert map_indicator(plan).id == "xa_ptt"
    without = Plan("p", "Plan", "D", (2024,), DES, (DEATHS, SWIM, other_share))
    assert map_indicator(without).id == "board"  # the first share of communes
    assert map_indicator(Plan("p", "Plan", "D", (2024,), DES, (DEATHS, SWIM))).id == "swim"


def test_the_meetings_focus_is_the_worst_indicator_judged_per_commune():
    rows = [_area_row("deaths", "not_met", 3, 1), _area_row("swim", "not_met", 30, 50), _area_row("cfc", "met", None, 80)]
    local = Indicator("local", LocalText("Chỉ huyện", "District only"), "swim", "percent", "kids", applies_to=("area",))
    plan = Plan("p", "Plan", "D", (2024,), DES, (CFC, DEATHS, SWIM, local))
    assert focus_indicator(plan, rows).id == "deaths"  # 300 % short, judged per commune
    assert focus_indicator(plan, [_area_row("local", "not_met", 50, 50)]).id == "cfc"  # none off track per commune


def test_communes_behind_most_not_met_first_then_at_risk_then_name():
    from dataclasses import replace as _replace

    from rules.scorecard import communes_off_track

    def r(code: str, ind: str, status: str, gap: float = 1.0) -> ProgressRow:
        return _replace(_area_row(ind, status, gap=gap, expected=10), area_code=code, is_area=False)

    rows = [
        r("1", "a", "not_met"), r("1", "b", "at_risk"),
        r("2", "a", "not_met", gap=1), r("2", "b", "not_met", gap=9), r("2", "c", "met"),
        r("3", "a", "not_met"), r("3", "b", "at_risk"),  # ties with 1: by name
        r("4", "a", "met"),  # on track: not listed
    ]
    names = [("1", "Xã Bình"), ("2", "Xã Cao"), ("3", "Xã An"), ("4", "Xã Đông")]
    ranked = communes_off_track(rows, names)
    assert [o.name for o in ranked] == ["Xã Cao", "Xã An", "Xã Bình"]
    assert ranked[0].indicators == ("b", "a")  # the furthest from target first
    assert (ranked[1].not_met, ranked[1].at_risk) == (1, 1)
    assert [o.code for o in communes_off_track(rows, names, limit=1)] == ["2"]
