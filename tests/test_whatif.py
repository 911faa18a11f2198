"""What-if simulations: moving a target, assuming communes meet it, and parsing a typed target.

Expected values are worked out by hand next to each case.
"""

from __future__ import annotations

import copy

import pytest

from rules import parse_target_text, simulate
from rules.model import COMMUNES, Target
from tests.test_rules import (
    DISTRICT,
    cfc_indicator,
    drowning_indicator,
    indicator,
    injury_indicator,
    plan_of,
    tgt,
    unit,
)

# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "better", "expected"),
    [
        (">= 80", None, Target(">=", 80.0, ">= 80")),
        ("<3", None, Target("<", 3.0, "<3")),
        ("== 0", None, Target("==", 0.0, "== 0")),
        ("> 2.5", None, Target(">", 2.5, "> 2.5")),
        ("<= 2,5", None, Target("<=", 2.5, "<= 2,5")),  # decimal comma, as written in Vietnamese
        ("≥ 95%", None, Target(">=", 95.0, "≥ 95%")),
        ("≤ 3", None, Target("<=", 3.0, "≤ 3")),
        ("= 0", None, Target("==", 0.0, "= 0")),
        ("  >=80  ", None, Target(">=", 80.0, ">=80")),
        ("decrease", None, Target("decrease", None, "decrease")),
        ("Increase", None, Target("increase", None, "Increase")),
        ("maintain", None, Target("maintain", None, "maintain")),
        ("80", None, None),  # a bare number is refused, as in targets.yaml ...
        ("80", "higher", Target(">=", 80.0, "80")),  # ... unless the direction is known
        ("3", "lower", Target("<=", 3.0, "3")),
        (">= eighty", None, None),
        ("=> 80", None, None),
        ("", None, None),
        ("reduce", None, None),
        ("< -1", None, None),
    ],
)
def test_parse_target_text(text, better, expected):
    assert parse_target_text(text, better) == expected


def test_parse_target_text_not_a_string():
    assert parse_target_text(None) is None  # type: ignore[arg-type]


# --------------------------------------------------------------------------- target moves


INJURY_FIGURES = {
    "A": {"injury_cases": 2, "children_total": 1000},  # 2 per 1,000
    "B": {"injury_cases": 4, "children_total": 1000},  # 4 per 1,000
    "C": {"injury_cases": 32, "children_total": 10000},  # 3.2 per 1,000
}
ABC = [unit("A"), unit("B"), unit("C")]


def test_nothing_changed_changes_nothing():
    plan = plan_of(injury_indicator())
    sim = simulate(plan, "injury_rate", 2024, "FY", DISTRICT, ABC, INJURY_FIGURES, {})
    assert sim.before == sim.after
    assert (sim.flipped, sim.assumed, sim.notes, sim.changes) == ((), (), (), ())


@pytest.mark.parametrize(
    ("new_target", "area_before", "area_after", "flipped"),
    [
        # "< 3" (band < 3.3): A 2 met, B 4 not_met, C 3.2 at_risk;
        # area (2 + 4 + 32) / (1000 + 1000 + 10000) x 1000 = 3.17: at_risk.
        # "< 5" (band < 5.5): everything met.
        (tgt("<", 5), "at_risk", "met", (("B", "not_met", "met"), ("C", "at_risk", "met"))),
        # "< 2.5" (band < 2.75): A still met, B still not_met, C 3.2 not_met; area 3.17 not_met.
        (tgt("<", 2.5), "at_risk", "not_met", (("C", "at_risk", "not_met"),)),
        # "<= 4" (band <= 4.4): B 4 met, C met, A met; area met
        (tgt("<=", 4), "at_risk", "met", (("B", "not_met", "met"), ("C", "at_risk", "met"))),
    ],
)
def test_target_move_flips_communes(new_target, area_before, area_after, flipped):
    plan = plan_of(injury_indicator())
    sim = simulate(plan, "injury_rate", 2024, "FY", DISTRICT, ABC, INJURY_FIGURES, {}, target_override=new_target)
    assert sim.before.value == pytest.approx(38 / 12000 * 1000)
    assert sim.after.value == sim.before.value  # the figures did not move
    assert (sim.before.status, sim.after.status) == (area_before, area_after)
    assert sim.before.target_text == "< 3"
    assert sim.after.target_text == new_target.text
    assert sim.flipped == flipped
    assert sim.target == new_target
    assert plan.indicator("injury_rate").targets[2024] == tgt("<", 3)  # the plan is untouched


def test_target_for_a_year_without_one():
    plan = plan_of(cfc_indicator())  # only 2024 has a target
    figures = {"A": {"cfc_recognised": 1, "drowning_deaths": 0, "abuse_cases": 0}}
    sim = simulate(plan, "cfc_rate", 2025, "FY", DISTRICT, [unit("A")], figures, {}, target_override=tgt(">=", 50))
    assert (sim.before.status, sim.after.status) == ("no_target", "met")
    assert sim.flipped == (("A", "no_target", "met"),)


# --------------------------------------------------------------------------- assume met


def test_assume_met_raises_the_area_value():
    plan = plan_of(cfc_indicator())
    communes = [unit(c) for c in "ABCDE"]
    figures = {
        "A": {"cfc_recognised": 1, "drowning_deaths": 0, "abuse_cases": 0},
        "B": {"cfc_recognised": 1, "drowning_deaths": 1, "abuse_cases": 0},  # ineligible
        "C": {"cfc_recognised": 0, "drowning_deaths": 0, "abuse_cases": 0},
        "D": {"cfc_recognised": 0, "drowning_deaths": 0, "abuse_cases": 0},
        # E did not report
    }
    kept = copy.deepcopy(figures)
    sim = simulate(plan, "cfc_rate", 2024, "FY", DISTRICT, communes, figures, {}, assume_met={"E", "C", "B"})
    # before: A counts, B counts 0, C and D 0, E not reported: 1 / 4 x 100 = 25 %
    assert sim.before.value == pytest.approx(25.0)
    assert sim.before.status == "not_met"
    # after: A, B (blocker cleared), C (recognised), E (recognised, reported): 4 / 5 x 100 = 80 %
    assert sim.after.value == pytest.approx(80.0)
    assert sim.after.status == "met"
    assert (sim.after.reported, sim.after.communes_met) == (5, 4)
    assert sim.assumed == ("B", "C", "E")
    assert sim.flipped == (("B", "not_met", "met"), ("C", "not_met", "met"), ("E", "no_data", "met"))
    assert {(c.commune_code, c.data_element, c.before, c.after) for c in sim.changes} == {
        ("B", "drowning_deaths", 1.0, 0.0),
        ("C", "cfc_recognised", 0.0, 1.0),
        ("E", "cfc_recognised", None, 1.0),
        ("E", "drowning_deaths", None, 0.0),
        ("E", "abuse_cases", None, 0.0),
    }
    assert figures == kept  # a simulation writes nothing


def test_assume_met_denominator_from_previous_year_or_median():
    plan = plan_of(injury_indicator())  # "< 3" per 1,000
    communes = [unit(c) for c in ("A", "B", "C", "X", "Y")]
    figures = {
        "A": {"injury_cases": 1, "children_total": 1000},  # 1: already meets
        "B": {"injury_cases": 5, "children_total": 3000},  # 1.67
        "C": {"injury_cases": 20, "children_total": 4000},  # 5
        # X and Y did not report
    }
    previous = {"X": {"children_total": 2000}}
    sim = simulate(
        plan, "injury_rate", 2024, "FY", DISTRICT, communes, figures, previous, assume_met=["A", "C", "X", "Y"]
    )
    changed = {(c.commune_code, c.data_element): c.after for c in sim.changes}
    # A already meets: the largest value still meeting is 2, but a figure is never raised
    assert ("A", "injury_cases") not in changed
    # C: fewer than 3 x 4000 / 1000 = 12, so 11
    assert changed["C", "injury_cases"] == 11
    # X: last year's 2,000 children; fewer than 3 x 2 = 6, so 5
    assert changed["X", "children_total"] == 2000
    assert changed["X", "injury_cases"] == 5
    # Y: median of the reporting communes' 1000, 3000, 4000 = 3000; fewer than 9, so 8
    assert changed["Y", "children_total"] == 3000
    assert changed["Y", "injury_cases"] == 8
    assert [(n.key, n.commune_code, n.value) for n in sim.notes] == [
        ("denominator_from_previous", "X", 2000.0),
        ("denominator_median", "Y", 3000.0),
    ]
    assert "median" in str(sim.notes[1])
    # before: (1 + 5 + 20) / 8000 x 1000 = 3.25 (at_risk, < 3.3)
    assert sim.before.value == pytest.approx(3.25)
    assert sim.before.status == "at_risk"
    # after: (1 + 5 + 11 + 5 + 8) / (1000 + 3000 + 4000 + 2000 + 3000) x 1000 = 30 / 13
    assert sim.after.value == pytest.approx(30 / 13000 * 1000)
    assert sim.after.status == "met"
    assert {r.area_code: r.status for r in sim.rows_after if not r.is_area} == dict.fromkeys("ABCXY", "met")


def test_assume_met_without_any_denominator():
    plan = plan_of(injury_indicator())
    sim = simulate(plan, "injury_rate", 2024, "FY", DISTRICT, [unit("A")], {}, {}, assume_met=["A"])
    assert [n.key for n in sim.notes] == ["no_denominator"]
    assert sim.changes == ()
    assert sim.after.status == "no_data"


def test_assume_met_zero_denominator():
    plan = plan_of(injury_indicator())
    figures = {"A": {"injury_cases": 0, "children_total": 0}}
    sim = simulate(plan, "injury_rate", 2024, "FY", DISTRICT, [unit("A")], figures, {}, assume_met=["A"])
    assert [n.key for n in sim.notes] == ["zero_denominator"]


@pytest.mark.parametrize(
    ("target", "better", "current", "previous", "expected"),
    [
        (tgt("decrease"), None, 4, 3, 2),  # previous - 1
        (tgt("decrease"), None, 1, 3, 1),  # already below: left alone
        (tgt("decrease"), None, 2, 0, 0),  # previous 0: 0 (0 -> 0 meets)
        (tgt("decrease"), None, None, 1, 0),  # did not report: previous - 1 = 0
        (tgt("increase"), None, 1, 3, 4),  # previous + 1
        (tgt("increase"), None, 9, 3, 9),  # already above
        (tgt("maintain"), "lower", 5, 2, 2),  # back to the previous value
        (tgt("maintain"), "higher", 2, 5, 5),
        (tgt("maintain"), "higher", 7, 5, 7),
        (tgt("==", 0), None, 3, None, 0),
        (tgt("<=", 2), None, 5, None, 2),  # the largest whole value still meeting
        (tgt("<", 2), None, 5, None, 1),
        (tgt("<=", 2), None, 1, None, 1),  # never raised
    ],
)
def test_assume_met_counts_and_trends(target, better, current, previous, expected):
    ind = drowning_indicator(targets={2024: target}, better=better)
    figures = {"A": {"drowning_deaths": current}} if current is not None else {}
    prev = {"A": {"drowning_deaths": previous}} if previous is not None else {}
    sim = simulate(plan_of(ind), "drowning_deaths", 2024, "FY", DISTRICT, [unit("A")], figures, prev, assume_met=["A"])
    row = sim.rows_after[1]
    assert row.value == expected
    assert row.status == "met"
    assert sim.notes == ()


def test_assume_met_trend_without_previous():
    ind = drowning_indicator()  # 2024: decrease
    figures = {"A": {"drowning_deaths": 2}}
    sim = simulate(plan_of(ind), "drowning_deaths", 2024, "FY", DISTRICT, [unit("A")], figures, {}, assume_met=["A"])
    assert [(n.key, n.commune_code) for n in sim.notes] == [("no_previous", "A")]
    assert sim.changes == ()
    assert sim.rows_after[1].status == "no_data"


@pytest.mark.parametrize(
    ("period", "override", "expected"),
    [
        ("H1", None, 500),  # a flow at H1 is held to half of ">= 1000"
        ("FY", None, 1000),
        ("FY", tgt(">=", 600), 600),  # assume-met uses the moved target
        ("H1", tgt(">", 600), 301),  # > 600 / 2 = 300: the next whole number
    ],
)
def test_assume_met_prorated_and_overridden(period, override, expected):
    ind = indicator(
        id_="families", numerator="families_informed", unit="count", denominator=None, targets={2024: tgt(">=", 1000)}
    )
    figures = {"A": {"families_informed": 100}, "B": {"families_informed": 2000}}
    sim = simulate(
        plan_of(ind),
        "families",
        2024,
        period,
        DISTRICT,
        [unit("A"), unit("B")],
        figures,
        {},
        target_override=override,
        assume_met=["A"],
    )
    assert sim.rows_after[1].value == expected
    assert sim.rows_after[1].status == "met"
    # the area total moves by the same amount: 2000 + expected
    assert sim.after.value == 2000 + expected


@pytest.mark.parametrize(
    ("ind", "figures", "expected_value", "cap"),
    [
        # a share of communes above 100 %: cfc is yes_no, capped at 1
        (
            cfc_indicator(targets={2024: tgt(">", 100)}),
            {"cfc_recognised": 0, "drowning_deaths": 0, "abuse_cases": 0},
            1,
            1,
        ),
        # a percent numerator cannot exceed its denominator: 120 % of 10 -> capped at 10
        (
            indicator(
                numerator="special_children_supported",
                unit="percent",
                denominator="special_children",
                targets={2024: tgt(">=", 120)},
            ),
            {"special_children_supported": 4, "special_children": 10},
            10,
            10,
        ),
    ],
)
def test_assume_met_unreachable_is_capped_and_noted(ind, figures, expected_value, cap):
    sim = simulate(plan_of(ind), ind.id, 2024, "FY", DISTRICT, [unit("A")], {"A": figures}, {}, assume_met=["A"])
    assert [(n.key, n.value) for n in sim.notes] == [("unreachable", cap)]
    assert sim.rows_after[1].numerator == expected_value
    assert sim.rows_after[1].status != "met"


def test_assume_met_fractional_numerator_strict_target():
    ind = indicator(numerator="budget_share", unit="percent", denominator=COMMUNES, targets={2024: tgt(">", 50)})
    sim = simulate(
        plan_of(ind), ind.id, 2024, "FY", DISTRICT, [unit("A")], {"A": {"budget_share": 0.2}}, {}, assume_met=["A"]
    )
    # a `number` element is not rounded: just above 0.5 (50 %)
    assert sim.rows_after[1].numerator == pytest.approx(0.5)
    assert sim.rows_after[1].status == "met"


def test_assume_met_outside_scope_and_without_target():
    plan = plan_of(cfc_indicator())
    figures = {"A": {"cfc_recognised": 0, "drowning_deaths": 0, "abuse_cases": 0}}
    sim = simulate(plan, "cfc_rate", 2024, "FY", DISTRICT, [unit("A")], figures, {}, assume_met=["ZZ"])
    assert [(n.key, n.commune_code) for n in sim.notes] == [("not_in_scope", "ZZ")]
    assert sim.assumed == ()
    sim = simulate(plan, "cfc_rate", 2025, "FY", DISTRICT, [unit("A")], figures, {}, assume_met=["A"])
    assert [(n.key, n.commune_code) for n in sim.notes] == [("no_target", "A")]
    assert sim.changes == ()


def test_assume_met_on_an_area_only_indicator():
    plan = plan_of(injury_indicator(applies_to=("area",)))
    sim = simulate(plan, "injury_rate", 2024, "FY", DISTRICT, ABC, INJURY_FIGURES, {}, assume_met=["B"])
    # B is held to the area's "< 3": fewer than 3 x 1000 / 1000 = 3, so 2 (from 4)
    assert [n.key for n in sim.notes] == ["area_only"]
    assert {(c.commune_code, c.data_element, c.after) for c in sim.changes} == {("B", "injury_cases", 2.0)}
    # area: (2 + 2 + 32) / 12000 x 1000 = 3.0: not < 3, but < 3.3: still at_risk; commune rows stay no_target
    assert sim.after.value == pytest.approx(36 / 12000 * 1000)
    assert sim.after.status == "at_risk"
    assert sim.flipped == ()


def test_assume_met_when_the_area_is_a_commune():
    plan = plan_of(cfc_indicator())
    area = unit("A", level="commune")
    figures = {"A": {"cfc_recognised": 1, "drowning_deaths": 2, "abuse_cases": 0}}
    sim = simulate(plan, "cfc_rate", 2024, "FY", area, [area], figures, {}, assume_met=["A"])
    assert len(sim.rows_after) == 1
    assert sim.flipped == (("A", "not_met", "met"),)
    assert sim.after.blocking == ()
