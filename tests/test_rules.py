"""Rules over plain data: values, status, tolerance, pro-rating, trends, eligibility, checks.

Every expected value is worked out by hand in the test (the arithmetic is written
next to it), never copied from the code's output.
"""

from __future__ import annotations

import pytest

from rules import (
    AreaValue,
    Evaluation,
    Question,
    accumulates_over_year,
    area_value,
    better_direction,
    check_holds,
    commune_result,
    evaluate,
    evaluate_plan,
    evaluate_plan_with_groups,
    flow_consistency,
    indicator_rows,
    is_flow,
    run_checks,
    units_to_target,
)
from rules.model import COMMUNES, Check, DataElement, Indicator, LocalText, OrgUnitRef, Plan, Target

# --------------------------------------------------------------------------- builders


def de(id_: str, kind: str = "stock", type_: str = "count") -> DataElement:
    return DataElement(id=id_, name=LocalText(id_, id_), kind=kind, type=type_)  # type: ignore[arg-type]


DES: dict[str, DataElement] = {
    d.id: d
    for d in (
        de("children_total"),
        de("households_with_children"),
        de("cfc_recognised", type_="yes_no"),
        de("drowning_deaths", "flow"),
        de("abuse_cases", "flow"),
        de("injury_cases", "flow"),
        de("injury_deaths", "flow"),
        de("families_informed", "flow"),
        de("special_children"),
        de("special_children_supported"),
        de("budget_share", type_="number"),
    )
}

OPS_TEXT = {">=": ">= {}", ">": "> {}", "<=": "<= {}", "<": "< {}", "==": "== {}"}


def tgt(op: str, number: float | None = None) -> Target:
    """A target as the loader would build it."""
    if number is None:
        return Target(op, None, op)
    return Target(op, float(number), OPS_TEXT[op].format(f"{number:g}"))


def indicator(
    id_: str = "ind",
    numerator: str = "injury_cases",
    unit: str = "per_1000",
    denominator: str | None = "children_total",
    targets: dict[int, Target] | None = None,
    **kw,
) -> Indicator:
    return Indicator(
        id=id_,
        name=LocalText(id_, id_),
        numerator=numerator,
        unit=unit,
        denominator=denominator,
        targets=targets or {},
        **kw,
    )


def cfc_indicator(**kw) -> Indicator:
    """Share of communes recognised child-friendly, with the eligibility rule."""
    return indicator(
        **{
            "id_": "cfc_rate",
            "numerator": "cfc_recognised",
            "unit": "percent",
            "denominator": COMMUNES,
            "targets": {2024: tgt(">=", 80)},
            "requires_zero": ("drowning_deaths", "abuse_cases"),
            **kw,
        }
    )


def injury_indicator(**kw) -> Indicator:
    return indicator(**{"id_": "injury_rate", "targets": {2024: tgt("<", 3)}, **kw})


def drowning_indicator(**kw) -> Indicator:
    targets = {2024: tgt("decrease"), 2025: tgt("==", 0)}
    return indicator(
        **{"id_": "drowning_deaths", "numerator": "drowning_deaths", "unit": "count", "denominator": None,
           "targets": targets, **kw}
    )  # fmt: skip


def unit(code: str, level: str = "commune", name: str | None = None) -> OrgUnitRef:
    return OrgUnitRef(code=code, name=name or code, full_name=name or code, type="xã", level=level)


DISTRICT = unit("D1", level="district", name="Sơn Động")


def plan_of(*indicators: Indicator, area: str = "Sơn Động") -> Plan:
    return Plan(
        id="p",
        title="p",
        area=area,
        years=(2024, 2025),
        data_elements=DES,
        indicators=tuple(indicators),
    )


# --------------------------------------------------------------------------- direction, flow


@pytest.mark.parametrize(
    ("better", "targets", "expected"),
    [
        (None, {2024: tgt(">=", 80)}, "higher"),
        (None, {2024: tgt(">", 1)}, "higher"),
        (None, {2024: tgt("<=", 3)}, "lower"),
        (None, {2024: tgt("<", 3)}, "lower"),
        (None, {2024: tgt("==", 0)}, "lower"),
        (None, {2024: tgt("decrease")}, "lower"),
        (None, {2024: tgt("increase")}, "higher"),
        (None, {2024: tgt("maintain")}, "higher"),  # maintain carries no direction: default
        (None, {2024: tgt("maintain"), 2025: tgt("<", 3)}, "lower"),  # the first that carries one
        (None, {2025: tgt("<=", 3), 2024: tgt(">=", 80)}, "higher"),  # first by year, not by insertion
        (None, {2024: tgt("decrease"), 2025: tgt(">=", 80)}, "higher"),  # a comparison before a trend word
        (None, {}, "higher"),
        ("lower", {2024: tgt(">=", 80)}, "lower"),  # stated in the plan wins
        ("higher", {2024: tgt("decrease")}, "higher"),
    ],
)
def test_better_direction(better, targets, expected):
    assert better_direction(indicator(targets=targets, better=better)) == expected


@pytest.mark.parametrize(
    ("numerator", "expected"),
    [("drowning_deaths", True), ("children_total", False), ("not_in_catalogue", False)],
)
def test_is_flow(numerator, expected):
    assert is_flow(indicator(numerator=numerator), DES) is expected


# --------------------------------------------------------------------------- one commune


@pytest.mark.parametrize(
    ("ind", "figures", "value", "reported", "numerator", "denominator"),
    [
        # 30 injuries among 1,000 children: 30 / 1000 x 1000 = 30 per 1,000
        (injury_indicator(), {"injury_cases": 30, "children_total": 1000}, 30.0, True, 30.0, 1000.0),
        # denominator 0: no value, but reported (its figures still go into the sums)
        (injury_indicator(), {"injury_cases": 0, "children_total": 0}, None, True, 0.0, 0.0),
        # only the numerator: not reported
        (injury_indicator(), {"injury_cases": 5}, None, False, 5.0, None),
        # only the denominator: not reported
        (injury_indicator(), {"children_total": 800}, None, False, None, 800.0),
        # nothing at all
        (injury_indicator(), None, None, False, None, None),
        (injury_indicator(), {}, None, False, None, None),
        # built-in `communes` denominator is 1: cfc 1 -> 1 / 1 x 100 = 100 %
        (
            cfc_indicator(),
            {"cfc_recognised": 1, "drowning_deaths": 0, "abuse_cases": 0},
            100.0,
            True,
            1.0,
            1.0,
        ),
        # a count has no denominator: value = the count
        (drowning_indicator(), {"drowning_deaths": 2}, 2.0, True, 2.0, None),
        # NaN (an empty spreadsheet cell) is "not reported"
        (drowning_indicator(), {"drowning_deaths": float("nan")}, None, False, None, None),
    ],
)
def test_commune_result(ind, figures, value, reported, numerator, denominator):
    cr = commune_result(ind, "C1", figures)
    assert cr.code == "C1"
    assert cr.value == (pytest.approx(value) if value is not None else None)
    assert cr.reported is reported
    assert cr.numerator == numerator
    assert cr.denominator == denominator


# --------------------------------------------------------------------------- eligibility


@pytest.mark.parametrize(
    ("figures", "blocking", "numerator", "value"),
    [
        ({"cfc_recognised": 1, "drowning_deaths": 0, "abuse_cases": 0}, (), 1.0, 100.0),
        # one drowning death: recognised, but counts 0
        ({"cfc_recognised": 1, "drowning_deaths": 1, "abuse_cases": 0}, (("drowning_deaths", 1.0),), 0.0, 0.0),
        # a missing requires_zero figure counts as not zero
        ({"cfc_recognised": 1, "drowning_deaths": 0}, (("abuse_cases", None),), 0.0, 0.0),
        # both, in the plan's requires_zero order
        ({"cfc_recognised": 1, "abuse_cases": 2}, (("drowning_deaths", None), ("abuse_cases", 2.0)), 0.0, 0.0),
        # not recognised and not eligible either
        ({"cfc_recognised": 0, "drowning_deaths": 3, "abuse_cases": 0}, (("drowning_deaths", 3.0),), 0.0, 0.0),
    ],
)
def test_eligibility_blocking(figures, blocking, numerator, value):
    cr = commune_result(cfc_indicator(), "C1", figures)
    assert cr.blocking == blocking
    assert cr.eligible is (blocking == ())
    assert cr.raw_numerator == figures["cfc_recognised"]
    assert cr.numerator == numerator
    assert cr.value == pytest.approx(value)


def test_eligibility_ignored_where_lower_is_better():
    # A lower-is-better indicator with requires_zero: the rule does not apply.
    ind = injury_indicator(requires_zero=("drowning_deaths",))
    cr = commune_result(ind, "C1", {"injury_cases": 4, "children_total": 1000, "drowning_deaths": 2})
    assert cr.blocking == ()
    assert cr.eligible is True
    assert cr.numerator == 4.0


def test_eligibility_in_area_sum_and_commune_status():
    ind = cfc_indicator()
    figures = {
        "C1": {"cfc_recognised": 1, "drowning_deaths": 0, "abuse_cases": 0},  # counts
        "C2": {"cfc_recognised": 1, "drowning_deaths": 1, "abuse_cases": 0},  # ineligible
        "C3": {"cfc_recognised": 1, "drowning_deaths": 0},  # abuse missing: ineligible
        "C4": {"cfc_recognised": 0, "drowning_deaths": 0, "abuse_cases": 0},
    }
    av = area_value(ind, ["C1", "C2", "C3", "C4"], figures)
    # numerator 1 (C1) + 0 + 0 + 0 = 1; denominator 4 communes -> 1 / 4 x 100 = 25 %
    assert av.numerator == 1.0
    assert av.denominator == 4.0
    assert av.value == pytest.approx(25.0)
    assert av.ineligible == ("C2", "C3")

    rows = evaluate_plan(plan_of(ind), Question(2024, "FY", DISTRICT, [unit(c) for c in figures], figures, {}))
    by_code = {r.area_code: r for r in rows if not r.is_area}
    assert by_code["C1"].status == "met"
    assert by_code["C2"].status == "not_met"  # reported cfc 1, still not met
    assert by_code["C2"].blocking == (("drowning_deaths", 1.0),)
    assert by_code["C3"].status == "not_met"
    assert by_code["C3"].blocking == (("abuse_cases", None),)
    assert by_code["C4"].status == "not_met"
    assert rows[0].ineligible == ("C2", "C3")


@pytest.mark.parametrize(
    ("figures", "status"),
    [
        (None, "no_data"),  # nothing sent yet: late, not failed
        ({"drowning_deaths": 1}, "not_met"),  # a known non-zero blocker: cannot be met
        ({"drowning_deaths": 0, "abuse_cases": 0}, "no_data"),  # eligible but no cfc figure
    ],
)
def test_ineligible_commune_that_did_not_report(figures, status):
    ind = cfc_indicator()
    rows = evaluate_plan(
        plan_of(ind), Question(2024, "FY", DISTRICT, [unit("C1")], {"C1": figures} if figures else {}, {})
    )
    assert rows[1].status == status


# --------------------------------------------------------------------------- area values


def test_rates_are_pooled_never_averaged():
    ind = injury_indicator()
    figures = {
        "A": {"injury_cases": 10, "children_total": 1000},  # 10 per 1,000
        "B": {"injury_cases": 2, "children_total": 4000},  # 0.5 per 1,000
    }
    av = area_value(ind, ["A", "B"], figures)
    pooled = (10 + 2) / (1000 + 4000) * 1000  # 2.4
    mean_of_rates = (10 / 1000 * 1000 + 2 / 4000 * 1000) / 2  # 5.25
    assert av.value == pytest.approx(pooled)
    assert av.value == pytest.approx(2.4)
    assert av.value != pytest.approx(mean_of_rates)
    assert (av.numerator, av.denominator, av.reported, av.total) == (12.0, 5000.0, 2, 2)


def test_partial_reporters_left_out_of_both_sums():
    ind = injury_indicator()
    figures = {
        "A": {"injury_cases": 6, "children_total": 2000},
        "B": {"injury_cases": 9},  # numerator only
        "C": {"children_total": 3000},  # denominator only
        # D reported nothing
    }
    av = area_value(ind, ["A", "B", "C", "D"], figures)
    # only A: 6 / 2000 x 1000 = 3
    assert av.value == pytest.approx(3.0)
    assert (av.numerator, av.denominator) == (6.0, 2000.0)
    assert (av.reported, av.total) == (1, 4)
    assert av.not_reported == ("B", "C", "D")


def test_zero_denominator_commune_still_adds_to_sums():
    ind = injury_indicator()
    figures = {
        "A": {"injury_cases": 10, "children_total": 1000},
        "Z": {"injury_cases": 1, "children_total": 0},  # odd, but reported
    }
    av = area_value(ind, ["A", "Z"], figures)
    # (10 + 1) / (1000 + 0) x 1000 = 11
    assert av.value == pytest.approx(11.0)
    assert av.reported == 2


@pytest.mark.parametrize(
    ("ind", "figures", "value", "reported"),
    [
        (injury_indicator(), {"A": {"injury_cases": 0, "children_total": 0}}, None, 1),  # sums to 0
        (injury_indicator(), {}, None, 0),  # nobody reported
        (drowning_indicator(), {}, None, 0),
        # count: 1 + 0 + 3 = 4; the commune without a figure is left out
        (
            drowning_indicator(),
            {"A": {"drowning_deaths": 1}, "B": {"drowning_deaths": 0}, "C": {"drowning_deaths": 3}, "D": {}},
            4.0,
            3,
        ),
    ],
)
def test_area_value_edges(ind, figures, value, reported):
    av = area_value(ind, ["A", "B", "C", "D"], figures)
    assert av.value == value
    assert av.reported == reported
    assert av.total == 4


def test_area_value_counts_a_commune_listed_twice_once():
    av = area_value(drowning_indicator(), ["A", "A"], {"A": {"drowning_deaths": 2}})
    assert (av.value, av.total) == (2.0, 1)


# --------------------------------------------------------------------------- status


@pytest.mark.parametrize(
    ("op", "number", "value", "status", "gap"),
    [
        # >= 80, tolerance 10 % of 80 = 8: at_risk from 80 - 8 = 72
        (">=", 80, 80.0, "met", 0.0),
        (">=", 80, 95.0, "met", -15.0),
        (">=", 80, 72.0, "at_risk", 8.0),
        (">=", 80, 71.9, "not_met", 80 - 71.9),
        # float noise: 49 / 10000 x 1000 = 4.8999999999999995 still meets ">= 4.9"
        (">=", 4.9, 49 / 10000 * 1000, "met", 4.9 - 49 / 10000 * 1000),
        # > 80: met strictly above; at_risk for value > 80 - 8 = 72
        (">", 80, 80.5, "met", -0.5),
        (">", 80, 80.0, "at_risk", 0.0),
        (">", 80, 72.5, "at_risk", 7.5),
        (">", 80, 72.0, "not_met", 8.0),
        # <= 3, tolerance 0.3: at_risk up to 3 + 0.3 = 3.3
        ("<=", 3, 3.0, "met", 0.0),
        ("<=", 3, 3.3, "at_risk", 3.3 - 3),
        ("<=", 3, 3.31, "not_met", 3.31 - 3),
        # < 3: met strictly below; at_risk for value < 3.3
        ("<", 3, 2.99, "met", 2.99 - 3),
        ("<", 3, 3.0, "at_risk", 0.0),
        ("<", 3, 3.29, "at_risk", 3.29 - 3),
        ("<", 3, 3.3, "not_met", 3.3 - 3),
        # == 10, tolerance 1: |value - 10| <= 1
        ("==", 10, 10.0, "met", 0.0),
        ("==", 10, 11.0, "at_risk", 1.0),
        ("==", 10, 9.0, "at_risk", 1.0),
        ("==", 10, 11.5, "not_met", 1.5),
        # == 0: 10 % of 0 = 0, so no at_risk band
        ("==", 0, 0.0, "met", 0.0),
        ("==", 0, 1.0, "not_met", 1.0),
    ],
)
def test_comparison_targets_and_default_tolerance(op, number, value, status, gap):
    ind = indicator(targets={2024: tgt(op, number)})
    ev = evaluate(ind, 2024, "FY", value, None, accumulates=False)
    assert ev.status == status
    assert ev.expected == number
    assert ev.tolerance == pytest.approx(0.1 * number)
    assert ev.gap == pytest.approx(gap)
    assert ev.prorated is False


@pytest.mark.parametrize(
    ("op", "tolerance", "value", "status"),
    [
        (">=", 5, 75.0, "at_risk"),  # 80 - 5 = 75
        (">=", 5, 74.9, "not_met"),
        (">=", 0, 79.99, "not_met"),  # tolerance 0: no band
        (">", 0, 80.0, "not_met"),  # no band for > either
        ("<", 1, 3.9, "at_risk"),  # < 3 + 1
        ("<", 1, 4.0, "not_met"),
        ("<=", 1, 4.0, "at_risk"),  # <= 3 + 1
    ],
)
def test_explicit_tolerance(op, tolerance, value, status):
    number = 80 if op.startswith(">") else 3
    ind = indicator(targets={2024: tgt(op, number)}, tolerance=tolerance)
    ev = evaluate(ind, 2024, "FY", value, None, accumulates=False)
    assert ev.status == status
    assert ev.tolerance == tolerance


@pytest.mark.parametrize(
    ("period", "flow", "op", "number", "tolerance", "value", "status", "expected", "exp_tol", "prorated"),
    [
        # flow at H1 against a yearly ">= 1000": held to 1000 / 2 = 500, tolerance 100 / 2 = 50
        ("H1", True, ">=", 1000, None, 500.0, "met", 500.0, 50.0, True),
        ("H1", True, ">=", 1000, None, 450.0, "at_risk", 500.0, 50.0, True),
        ("H1", True, ">=", 1000, None, 449.0, "not_met", 500.0, 50.0, True),
        ("H1", True, ">", 1000, None, 501.0, "met", 500.0, 50.0, True),
        # explicit tolerance 40 is halved too: 20
        ("H1", True, ">=", 1000, 40, 480.0, "at_risk", 500.0, 20.0, True),
        ("H1", True, ">=", 1000, 40, 479.0, "not_met", 500.0, 20.0, True),
        # the same figure for the whole year is far short: 1000 - 100 = 900 band
        ("FY", True, ">=", 1000, None, 500.0, "not_met", 1000.0, 100.0, False),
        # a stock at H1 is a level, not pro-rated
        ("H1", False, ">=", 80, None, 40.0, "not_met", 80.0, 8.0, False),
        # a ceiling on a flow is not pro-rated: "< 3" at H1 stays 3
        ("H1", True, "<", 3, None, 2.0, "met", 3.0, 0.3, False),
        ("H1", True, "<=", 3, None, 3.2, "at_risk", 3.0, 0.3, False),
        ("H1", True, "==", 0, None, 0.0, "met", 0.0, 0.0, False),
    ],
)
def test_h1_prorating(period, flow, op, number, tolerance, value, status, expected, exp_tol, prorated):
    ind = indicator(targets={2024: tgt(op, number)}, tolerance=tolerance)
    ev = evaluate(ind, 2024, period, value, None, accumulates=flow)
    assert ev.status == status
    assert ev.expected == pytest.approx(expected)
    assert ev.tolerance == pytest.approx(exp_tol)
    assert ev.prorated is prorated


@pytest.mark.parametrize(
    ("numerator", "unit", "denominator", "h1", "expected"),
    [
        # a count of a flow accumulates: half of ">= 1000" sessions by June
        ("families_informed", "count", None, None, True),
        # a flow over a stock accumulates: households reached / all households
        ("families_informed", "percent", "households_with_children", None, True),
        # a flow over the built-in `communes` (1 per commune, a stock) too
        ("families_informed", "percent", COMMUNES, None, True),
        # a ratio of two flows does not: cases with a plan / cases is a share at any time
        ("abuse_cases_with_plan", "percent", "abuse_cases", None, False),
        # a ratio of two stocks does not
        ("special_children_supported", "percent", "special_children", None, False),
        ("cfc_recognised", "percent", COMMUNES, None, False),
        # `h1` on the indicator wins over the rule, both ways
        ("abuse_cases_with_plan", "percent", "abuse_cases", "half", True),
        ("special_children_supported", "percent", "special_children", "half", True),
        ("families_informed", "percent", "households_with_children", "full", False),
        ("families_informed", "count", None, "full", False),
    ],
)
def test_accumulates_over_year(numerator, unit, denominator, h1, expected):
    des = {**DES, "abuse_cases_with_plan": de("abuse_cases_with_plan", "flow")}
    ind = indicator(numerator=numerator, unit=unit, denominator=denominator, h1=h1)
    assert accumulates_over_year(ind, des) is expected


def test_h1_ratio_of_two_flows_is_held_to_the_full_target():
    """60 % of June's abuse cases with a support plan is 60 %, short of ">= 100", not met."""
    des = {**DES, "abuse_cases_with_plan": de("abuse_cases_with_plan", "flow")}
    ind = indicator(
        numerator="abuse_cases_with_plan", unit="percent", denominator="abuse_cases", targets={2024: tgt(">=", 100)}
    )
    area = OrgUnitRef("D", "D", "Huyện D", "huyện", "district")
    communes = [OrgUnitRef(c, c, c, "xã", "commune", "D") for c in ("A", "B")]
    figures = {"A": {"abuse_cases": 3, "abuse_cases_with_plan": 3}, "B": {"abuse_cases": 2, "abuse_cases_with_plan": 0}}
    rows = indicator_rows(ind, Question(2024, "H1", area, communes, figures, None, data_elements=des))
    assert rows[0].value == pytest.approx(60.0)
    assert (rows[0].status, rows[0].expected, rows[0].prorated) == ("not_met", 100.0, False)
    # the old rule halved it to ">= 50" and called 60 % met
    assert [r.status for r in rows[1:]] == ["met", "not_met"]


def test_no_target_and_no_data():
    ind = indicator(targets={2024: tgt(">=", 80)})
    ev = evaluate(ind, 2026, "FY", 90.0, 85.0, accumulates=False)
    assert ev == Evaluation("no_target", None, None, None, 85.0, None, False)
    ev = evaluate(ind, 2024, "FY", None, None, accumulates=False)
    assert ev.status == "no_data"
    assert ev.expected == 80.0  # the threshold is still known
    assert ev.gap is None


@pytest.mark.parametrize(
    ("op", "better", "value", "previous", "status", "gap"),
    [
        ("decrease", None, 2.0, 3.0, "met", -1.0),
        ("decrease", None, 3.0, 3.0, "not_met", 0.0),
        ("decrease", None, 4.0, 3.0, "not_met", 1.0),
        ("decrease", None, 0.0, 1.0, "met", -1.0),
        ("decrease", None, 1.0, 0.0, "not_met", 1.0),
        # DESIGN DECISION: 0 two years running meets "decrease" (nothing left to decrease)
        ("decrease", None, 0.0, 0.0, "met", 0.0),
        ("decrease", None, 2.0, None, "no_data", None),
        ("decrease", None, None, 2.0, "no_data", None),
        ("increase", None, 4.0, 3.0, "met", -1.0),
        ("increase", None, 3.0, 3.0, "not_met", 0.0),
        ("increase", None, 0.0, 0.0, "not_met", 0.0),  # increase stays strict
        ("increase", None, 3.0, None, "no_data", None),
        ("maintain", None, 3.0, 3.0, "met", 0.0),  # default: higher is better
        ("maintain", None, 4.0, 3.0, "met", -1.0),
        ("maintain", None, 2.0, 3.0, "not_met", 1.0),
        ("maintain", "lower", 3.0, 3.0, "met", 0.0),
        ("maintain", "lower", 2.0, 3.0, "met", -1.0),
        ("maintain", "lower", 4.0, 3.0, "not_met", 1.0),
        ("maintain", None, 3.0, None, "no_data", None),
    ],
)
def test_trend_targets(op, better, value, previous, status, gap):
    ind = drowning_indicator(targets={2024: tgt(op)}, better=better)
    ev = evaluate(ind, 2024, "FY", value, previous, accumulates=True)
    assert ev.status == status
    assert ev.tolerance is None  # no tolerance for trend words
    assert ev.expected == previous
    assert ev.previous == previous
    assert ev.prorated is False
    assert ev.gap == gap


# --------------------------------------------------------------------------- units to target


def _area(ind: Indicator, figures: dict, period: str = "FY", flow: bool = False, previous: float | None = None):
    av = area_value(ind, sorted(figures), figures)
    return av, evaluate(ind, 2024, period, av.value, previous, flow)


def _cfc_figures(recognised: int, total: int) -> dict:
    return {
        f"C{i:02d}": {"cfc_recognised": 1 if i < recognised else 0, "drowning_deaths": 0, "abuse_cases": 0}
        for i in range(total)
    }


@pytest.mark.parametrize(
    ("number", "recognised", "total", "expected"),
    [
        (80, 6, 10, 2),  # 80 % of 10 = 8 communes; 8 - 6 = +2
        (75, 6, 10, 2),  # 75 % of 10 = 7.5 -> 8 whole communes; +2
        (95, 6, 10, 4),  # 9.5 -> 10; +4
        (80, 7, 10, 1),  # 70 % < 80 - 8 = 72: not_met; 8 - 7 = +1
        (80, 15, 20, 1),  # 75 % at_risk (>= 72); 16 needed -> +1
    ],
)
def test_units_to_target_share_of_communes(number, recognised, total, expected):
    ind = cfc_indicator(targets={2024: tgt(">=", number)})
    av, ev = _area(ind, _cfc_figures(recognised, total))
    assert ev.status in ("not_met", "at_risk")
    assert units_to_target(ind, av, ev) == expected


@pytest.mark.parametrize(
    ("op", "expected"),
    [
        # 20 injuries among 5,000 children = 4 per 1,000.
        # "< 3": fewer than 3 x 5000 / 1000 = 15 injuries, i.e. at most 14: 14 - 20 = -6
        ("<", -6),
        # "<= 3": at most 15: 15 - 20 = -5
        ("<=", -5),
    ],
)
def test_units_to_target_per_1000_rate(op, expected):
    ind = injury_indicator(targets={2024: tgt(op, 3)})
    figures = {"A": {"injury_cases": 12, "children_total": 2000}, "B": {"injury_cases": 8, "children_total": 3000}}
    av, ev = _area(ind, figures)
    assert av.value == pytest.approx(20 / 5000 * 1000)
    assert units_to_target(ind, av, ev) == expected
    # and the answer does meet: (20 + expected) / 5000 x 1000
    assert evaluate(ind, 2024, "FY", (20 + expected) / 5000 * 1000, None, False).status == "met"


@pytest.mark.parametrize(
    ("target", "better", "deaths", "previous", "expected"),
    [
        (tgt("==", 0), None, [1, 1], None, -2),  # 2 deaths -> 0
        (tgt("<=", 1), None, [2, 1], None, -2),  # 3 -> 1
        (tgt("decrease"), None, [2, 1], 3.0, -1),  # -(3 - 3 + 1)
        (tgt("decrease"), None, [3, 2], 3.0, -3),  # -(5 - 3 + 1)
        (tgt("decrease"), None, [1, 1], 0.0, -2),  # previous 0: down to 0 (0 -> 0 meets)
        (tgt("increase"), None, [1, 1], 2.0, 1),  # 2 -> 3
        (tgt("maintain"), "lower", [2, 2], 3.0, -1),  # 4 -> back to 3
        (tgt("maintain"), None, [1, 0], 3.0, 2),  # higher is better by default: 1 -> 3
    ],
)
def test_units_to_target_count(target, better, deaths, previous, expected):
    ind = drowning_indicator(targets={2024: target}, better=better)
    figures = {"A": {"drowning_deaths": deaths[0]}, "B": {"drowning_deaths": deaths[1]}}
    av, ev = _area(ind, figures, previous=previous)
    assert ev.status == "not_met"
    assert units_to_target(ind, av, ev) == expected


def test_units_to_target_count_flow_prorated_at_h1():
    ind = indicator(numerator="families_informed", unit="count", denominator=None, targets={2024: tgt(">=", 1000)})
    figures = {"A": {"families_informed": 200}, "B": {"families_informed": 180}}
    av, ev = _area(ind, figures, period="H1", flow=True)
    # H1: expected 1000 / 2 = 500; reached 200 + 180 = 380; +120
    assert ev.expected == 500
    assert units_to_target(ind, av, ev) == 120


def test_units_to_target_fractional_numerator_not_rounded():
    ind = indicator(numerator="budget_share", unit="percent", denominator=COMMUNES, targets={2024: tgt(">=", 75)})
    figures = {f"C{i}": {"budget_share": 0.5} for i in range(10)}
    av, ev = _area(ind, figures)
    # 75 % of 10 = 7.5; reached 10 x 0.5 = 5; +2.5 (no rounding for a `number` element)
    assert units_to_target(ind, av, ev, DES) == pytest.approx(2.5)
    # without the catalogue the numerator is taken as whole: 8 - 5 = 3
    assert units_to_target(ind, av, ev) == 3


@pytest.mark.parametrize(
    ("ind", "figures", "previous"),
    [
        (cfc_indicator(), _cfc_figures(9, 10), None),  # met
        (cfc_indicator(), {}, None),  # no_data
        (cfc_indicator(targets={2025: tgt(">=", 80)}), _cfc_figures(1, 10), None),  # no_target in 2024
        (cfc_indicator(targets={2024: tgt(">", 100)}), _cfc_figures(1, 10), None),  # above 100 %: unreachable
        (drowning_indicator(targets={2024: tgt("decrease")}), {"A": {"drowning_deaths": 1}}, None),  # no previous
    ],
)
def test_units_to_target_none(ind, figures, previous):
    av, ev = _area(ind, figures, previous=previous)
    assert units_to_target(ind, av, ev) is None


def test_units_to_target_none_for_zero_denominator():
    ind = injury_indicator()
    av = AreaValue(value=None, numerator=0.0, denominator=0.0, reported=1, total=1, not_reported=(), ineligible=())
    ev = evaluate(ind, 2024, "FY", None, None, False)
    assert units_to_target(ind, av, ev) is None


# --------------------------------------------------------------------------- the plan


def _plan_fixture():
    cfc = cfc_indicator()
    injury = injury_indicator(applies_to=("area",))
    drowning = drowning_indicator()
    plan = plan_of(cfc, injury, drowning)
    communes = [unit("C03"), unit("C01"), unit("C02")]  # deliberately not sorted
    figures = {
        "C01": {"cfc_recognised": 1, "drowning_deaths": 0, "abuse_cases": 0, "injury_cases": 2, "children_total": 1000},
        "C02": {"cfc_recognised": 1, "drowning_deaths": 1, "abuse_cases": 0, "injury_cases": 6, "children_total": 2000},
        "C03": {"cfc_recognised": 0, "drowning_deaths": 0, "abuse_cases": 0},
    }
    previous = {"C01": {"drowning_deaths": 1}, "C02": {"drowning_deaths": 1}, "C03": {"drowning_deaths": 0}}
    return plan, communes, figures, previous


def test_evaluate_plan_rows_and_order():
    plan, communes, figures, previous = _plan_fixture()
    rows = evaluate_plan(plan, Question(2024, "FY", DISTRICT, communes, figures, previous))
    assert [(r.indicator_id, r.area_code, r.area_level, r.is_area) for r in rows] == [
        (ind_id, code, "district" if code == "D1" else "commune", code == "D1")
        for ind_id in ("cfc_rate", "injury_rate", "drowning_deaths")
        for code in ("D1", "C01", "C02", "C03")
    ]


def test_evaluate_plan_values_statuses_and_counts():
    plan, communes, figures, previous = _plan_fixture()
    rows = evaluate_plan(plan, Question(2024, "FY", DISTRICT, communes, figures, previous))
    get = {(r.indicator_id, r.area_code): r for r in rows}

    # cfc_rate: C01 counts, C02 ineligible (1 drowning death), C03 not recognised: 1 / 3 x 100
    area = get["cfc_rate", "D1"]
    assert area.value == pytest.approx(100 / 3)
    assert area.status == "not_met"  # 33.3 < 80 - 8
    assert area.target_text == ">= 80"
    assert (area.reported, area.total) == (3, 3)
    assert (area.communes_met, area.communes_with_target) == (1, 3)
    # 80 % of 3 = 2.4 -> 3 communes; 3 - 1 = +2
    assert area.units_to_target == 2
    assert get["cfc_rate", "C02"].status == "not_met"
    assert get["cfc_rate", "C02"].blocking == (("drowning_deaths", 1.0),)
    assert get["cfc_rate", "C02"].units_to_target is None  # the blocker is what must change

    # injury_rate applies to the area only: (2 + 6) / (1000 + 2000) x 1000 = 2.67 < 3: met
    area = get["injury_rate", "D1"]
    assert area.value == pytest.approx(8 / 3000 * 1000)
    assert area.status == "met"
    assert (area.reported, area.total) == (2, 3)
    assert area.not_reported == ("C03",)
    assert (area.communes_met, area.communes_with_target) == (0, 0)
    for code in ("C01", "C02", "C03"):
        row = get["injury_rate", code]
        assert row.status == "no_target"
        assert row.target_text == ""
    assert get["injury_rate", "C01"].value == pytest.approx(2.0)  # still shown: 2 / 1000 x 1000

    # drowning "decrease": area 0 + 1 + 0 = 1 against 1 + 1 + 0 = 2 the year before: met
    area = get["drowning_deaths", "D1"]
    assert (area.value, area.previous_value, area.status) == (1.0, 2.0, "met")
    assert area.denominator is None
    assert get["drowning_deaths", "C01"].status == "met"  # 0 < 1
    assert get["drowning_deaths", "C02"].status == "not_met"  # 1 -> 1
    assert get["drowning_deaths", "C03"].status == "met"  # 0 -> 0: the design decision
    assert (area.communes_met, area.communes_with_target) == (2, 3)


def test_evaluate_plan_year_without_target():
    plan, communes, figures, previous = _plan_fixture()
    # 2025: cfc has no target; drowning "== 0"
    rows = evaluate_plan(plan, Question(2025, "FY", DISTRICT, communes, figures, previous))
    cfc_rows = [r for r in rows if r.indicator_id == "cfc_rate"]
    assert {r.status for r in cfc_rows} == {"no_target"}
    assert {r.target_text for r in cfc_rows} == {""}
    assert cfc_rows[0].value == pytest.approx(100 / 3)  # shown for information
    assert (cfc_rows[0].communes_met, cfc_rows[0].communes_with_target) == (0, 0)
    drown = {r.area_code: r for r in rows if r.indicator_id == "drowning_deaths"}
    assert drown["D1"].status == "not_met"  # 1 death, "== 0", no band
    assert (drown["D1"].communes_met, drown["D1"].communes_with_target) == (2, 3)


def test_evaluate_plan_area_is_a_commune():
    plan, _, figures, previous = _plan_fixture()
    area = unit("C02", level="commune", name="An Châu")
    rows = evaluate_plan(plan, Question(2024, "FY", area, [area], figures, previous))
    assert len(rows) == 3  # one row per indicator, nothing else
    assert {(r.area_code, r.area_level, r.is_area) for r in rows} == {("C02", "commune", True)}
    get = {r.indicator_id: r for r in rows}
    # C02 is recognised but had a drowning death: not met, and says why
    assert get["cfc_rate"].status == "not_met"
    assert get["cfc_rate"].blocking == (("drowning_deaths", 1.0),)
    assert get["cfc_rate"].communes_met is None
    # the area's own target applies: 6 / 2000 x 1000 = 3, not < 3, but < 3.3: at_risk
    assert get["injury_rate"].value == pytest.approx(3.0)
    assert get["injury_rate"].status == "at_risk"
    assert get["drowning_deaths"].status == "not_met"  # 1 -> 1


def test_evaluate_plan_prorates_flows_from_the_plan_catalogue():
    families = indicator(
        id_="families",
        numerator="families_informed",
        unit="percent",
        denominator="households_with_children",
        targets={2024: tgt(">=", 80)},
    )
    plan = plan_of(families)
    figures = {"A": {"families_informed": 450, "households_with_children": 1000}}
    h1 = evaluate_plan(plan, Question(2024, "H1", DISTRICT, [unit("A")], figures, None))
    # 450 / 1000 x 100 = 45 %, against 80 / 2 = 40 at H1: met
    assert h1[0].value == pytest.approx(45.0)
    assert (h1[0].status, h1[0].expected, h1[0].prorated) == ("met", 40.0, True)
    assert h1[1].status == "met"
    fy = evaluate_plan(plan, Question(2024, "FY", DISTRICT, [unit("A")], figures, None))
    assert (fy[0].status, fy[0].expected) == ("not_met", 80.0)  # 45 < 72
    # without the catalogue the element is unknown and taken as a stock: not pro-rated
    stock = evaluate_plan(plan, Question(2024, "H1", DISTRICT, [unit("A")], figures, None, data_elements={}))
    assert (stock[0].status, stock[0].expected) == ("not_met", 80.0)


# --------------------------------------------------------------------------- checks


LE = Check("injury_deaths", "<=", "injury_cases", "injury_deaths <= injury_cases")


@pytest.mark.parametrize(
    ("check", "figures", "holds"),
    [
        (LE, {"injury_deaths": 1, "injury_cases": 2}, True),
        (LE, {"injury_deaths": 2, "injury_cases": 2}, True),
        (LE, {"injury_deaths": 3, "injury_cases": 2}, False),
        (LE, {"injury_cases": 2}, None),  # left missing: not applicable
        (LE, {"injury_deaths": 2}, None),  # right missing
        (LE, None, None),
        (Check("cfc_recognised", "<=", "1", "cfc_recognised <= 1"), {"cfc_recognised": 1}, True),
        (Check("cfc_recognised", "<=", "1", "cfc_recognised <= 1"), {"cfc_recognised": 2}, False),
        (Check("cfc_recognised", "<=", "1", "cfc_recognised <= 1"), {}, None),
        (Check("drowning_deaths", "==", "0", "drowning_deaths == 0"), {"drowning_deaths": 0}, True),
        (Check("abuse_cases", ">", "2.5", "abuse_cases > 2.5"), {"abuse_cases": 2}, False),
        (Check("children_total", ">=", "children_0_8", "t"), {"children_total": 5, "children_0_8": 5}, True),
        (Check("children_total", "<", "children_0_8", "t"), {"children_total": 5, "children_0_8": 5}, False),
    ],
)
def test_check_holds(check, figures, holds):
    assert check_holds(check, figures) is holds


def test_run_checks_broken_only_sorted_with_values():
    second = Check("special_children_supported", "<=", "special_children", "supported <= special")
    figures = {
        "C02": {"injury_deaths": 3, "injury_cases": 1, "special_children_supported": 9, "special_children": 4},
        "C01": {"injury_deaths": 0, "injury_cases": 1, "special_children_supported": 5, "special_children": 4},
        "C03": {"injury_deaths": 7},  # right side missing: not applicable
    }
    findings = run_checks([LE, second], figures, period="FY")
    assert [(f.commune_code, f.check.text, f.left_value, f.right_value) for f in findings] == [
        ("C01", second.text, 5.0, 4.0),
        ("C02", LE.text, 3.0, 1.0),
        ("C02", second.text, 9.0, 4.0),
    ]
    assert {f.period for f in findings} == {"FY"}


def test_flow_consistency_fy_below_h1():
    h1 = {
        "C01": {"drowning_deaths": 2, "children_total": 1000, "injury_cases": 5},
        "C02": {"injury_cases": 3},
        "C03": {"injury_cases": 9},  # no FY report yet: skipped
    }
    fy = {
        "C01": {"drowning_deaths": 1, "children_total": 900, "injury_cases": 5},  # stock may go down
        "C02": {"injury_cases": 2, "abuse_cases": 1},
    }
    findings = flow_consistency(DES, h1, fy)
    assert [(f.commune_code, f.data_element, f.h1_value, f.fy_value) for f in findings] == [
        ("C01", "drowning_deaths", 2.0, 1.0),
        ("C02", "injury_cases", 3.0, 2.0),
    ]


# --------------------------------------------------------------------------- parts of the area


def test_group_rows_pool_each_part_like_an_area_of_its_own():
    """A province's row on the national overview is what the plan would say with the
    province as the area: pooled over its own communes, judged against the same target."""
    ind = injury_indicator()  # per 1,000 children, target < 3 in 2024
    province = unit("DN", level="district", name="Đông")
    west = unit("TY", level="district", name="Tây")
    communes = [unit(c) for c in ("C1", "C2", "C3", "C4")]
    figures = {
        "C1": {"injury_cases": 2, "children_total": 1000},
        "C2": {"injury_cases": 6, "children_total": 1000},
        "C3": {"injury_cases": 1, "children_total": 2000},
        # C4 did not report
    }
    previous = {"C1": {"injury_cases": 9, "children_total": 1000}}
    rows, groups = evaluate_plan_with_groups(
        plan_of(ind),
        Question(
            2024,
            "FY",
            DISTRICT,
            communes,
            figures,
            previous,
            groups=[(province, ["C1", "C2"]), (west, ["C3", "C4", "ELSEWHERE"])],
        ),
    )
    assert rows == evaluate_plan(plan_of(ind), Question(2024, "FY", DISTRICT, communes, figures, previous))
    east_row, west_row = groups
    # Đông: (2 + 6) / (1000 + 1000) x 1000 = 4 per 1,000 -> not below 3; 3.3 would be at risk.
    assert (east_row.area_code, east_row.area_level, east_row.is_area) == ("DN", "district", True)
    assert east_row.value == pytest.approx(4.0)
    assert east_row.status == "not_met"
    assert (east_row.reported, east_row.total, east_row.communes_met) == (2, 2, 1)  # C1 (2 < 3) met
    assert east_row.previous_value == pytest.approx(9.0)  # only C1 reported last year: 9 / 1000
    # Tây: 1 / 2000 x 1000 = 0.5 -> met; C4 missing, the unknown code ignored.
    assert west_row.value == pytest.approx(0.5)
    assert west_row.status == "met"
    assert (west_row.reported, west_row.total, west_row.not_reported) == (1, 2, ("C4",))
    # Each part's row equals the plan evaluated with that part as the area.
    alone = evaluate_plan(plan_of(ind), Question(2024, "FY", province, communes[:2], figures, previous))[0]
    assert alone == east_row


# --------------------------------------------------------------------------- nothing to report


def _abuse_plan_rows(figures: dict, targets: dict | None = None, previous: dict | None = None):
    des = {**DES, "abuse_cases_with_plan": de("abuse_cases_with_plan", "flow")}
    ind = indicator(
        numerator="abuse_cases_with_plan",
        unit="percent",
        denominator="abuse_cases",
        targets=targets if targets is not None else {2024: tgt(">=", 100)},
    )
    area = OrgUnitRef("D", "D", "Huyện D", "huyện", "district")
    communes = [OrgUnitRef(c, c, c, "xã", "commune", "D") for c in ("A", "B", "C")]
    return indicator_rows(ind, Question(2024, "FY", area, communes, figures, previous, data_elements=des))


def test_zero_denominator_over_reporting_communes_is_not_applicable():
    # A had 2 cases, both with a plan; B reported 0 cases; C did not report.
    figures = {"A": {"abuse_cases": 2, "abuse_cases_with_plan": 2}, "B": {"abuse_cases": 0, "abuse_cases_with_plan": 0}}
    area, a, b, c = _abuse_plan_rows(figures)
    assert (a.status, b.status, c.status) == ("met", "not_applicable", "no_data")
    assert b.value is None and b.reported == 1
    # the area: 2/2 = 100 % met; B counts neither for nor against it: 1 met of the 2
    # communes with a target (A, and C that is still to report)
    assert area.status == "met"
    assert (area.communes_met, area.communes_with_target) == (1, 2)


def test_area_whose_reporting_communes_had_no_case_is_not_applicable():
    figures = {"A": {"abuse_cases": 0, "abuse_cases_with_plan": 0}, "B": {"abuse_cases": 0, "abuse_cases_with_plan": 0}}
    area, *communes = _abuse_plan_rows(figures)
    assert area.status == "not_applicable"
    assert area.value is None and area.reported == 2
    assert [r.status for r in communes] == ["not_applicable", "not_applicable", "no_data"]
    assert area.communes_with_target == 1  # only C, which has not reported
    # nobody reported at all is still no data, and a year without a target stays no_target
    assert _abuse_plan_rows({})[0].status == "no_data"
    assert _abuse_plan_rows(figures, targets={2025: tgt(">=", 100)})[0].status == "no_target"


def test_status_counts_and_communes_met_leave_not_applicable_out():
    from rules.scorecard import communes_met, status_counts

    figures = {"A": {"abuse_cases": 2, "abuse_cases_with_plan": 1}, "B": {"abuse_cases": 0, "abuse_cases_with_plan": 0}}
    _area_row, *communes = _abuse_plan_rows(figures)
    assert status_counts(communes)["not_applicable"] == 1
    assert communes_met(communes) == (0, 1)  # A not met; B is not "assessed"
