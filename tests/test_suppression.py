"""Small-count protection, case by case (rules/suppression.py; pure, no database).

Each case states what a reader sees and checks, by brute force over every table
consistent with it, that no hidden small count can be pinned to one value.
"""

from __future__ import annotations

import itertools
import json
import math
import pickle

import pytest

from i18n import fmt_number, fmt_value
from rules.suppression import (
    DEFAULT_SENSITIVE,
    PRIMARY,
    SECONDARY,
    TOTAL,
    Group,
    Hidden,
    SmallCount,
    is_small,
    protect_figures,
    suppress,
    suppress_periods,
    unstable_rate,
)


def _possible_values(values, suppression, group, cell, limit=40):
    """Every value `cell` can take in a table consistent with what is shown (brute force).

    Knowledge: visible cells exact; "<5" in 1..4; "*" cell 0 or >= 5; "*" total any;
    cells add up to the total.
    """
    hidden = [c for c in group.cells if suppression.kind(c)]
    visible_sum = sum(values[c] or 0 for c in group.cells if not suppression.kind(c))

    def domain(key, is_total=False):
        kind = suppression.kind(key)
        if kind is None:
            return [values[key]]
        if kind == PRIMARY:
            return [1, 2, 3, 4]
        return list(range(limit)) if is_total else [0, *range(5, limit)]

    found = set()
    for combo in itertools.product(*(domain(c) for c in hidden)):
        total = visible_sum + sum(combo)
        if total in domain(group.total, is_total=True):
            found.add(dict(zip(hidden, combo, strict=True))[cell])
    return found


def _assert_safe(values, suppression, groups):
    for group in groups:
        for cell in group.cells:
            if suppression.kind(cell) == PRIMARY:
                assert len(_possible_values(values, suppression, group, cell)) >= 2, (cell, suppression)


def test_small_means_one_to_four():
    assert [is_small(v) for v in (0, 1, 4, 4.0, 5, None, math.nan, -1)] == [
        False,
        True,
        True,
        True,
        False,
        False,
        False,
        False,
    ]


def test_no_small_count_hides_nothing():
    values = {"a": 0, "b": 7, "c": 12, "T": 19}
    assert not suppress(values, values, [Group(("a", "b", "c"), "T")])


def test_a_lone_small_count_with_a_visible_total_hides_a_second_cell():
    # 2 + 6 + 30 = 38: hiding only the 2 would give it away (38 - 6 - 30).
    values = {"a": 2, "b": 6, "c": 30, "T": 38}
    groups = [Group(("a", "b", "c"), "T")]
    result = suppress(values, values, groups)
    assert result.primary == {"a"}
    assert result.secondary == {"b"}  # the smallest other non-zero cell
    _assert_safe(values, result, groups)


def test_when_the_second_cell_is_not_enough_the_total_is_hidden_too():
    # 1 + 5 = 6: with "*" meaning 0 or >= 5, the 5 can only be 5, so the 1 is still 1.
    values = {"a": 1, "b": 5, "T": 6}
    groups = [Group(("a", "b"), "T")]
    result = suppress(values, values, groups)
    assert result.primary == {"a"}
    assert result.secondary == {"b", "T"}
    _assert_safe(values, result, groups)


def test_a_small_total_protects_its_single_small_cell():
    # Lệ Viễn's one drowning in a district of zeros: the total is "<5" as well.
    values = {"a": 1, "b": 0, "c": 0, "T": 1}
    groups = [Group(("a", "b", "c"), "T")]
    result = suppress(values, values, groups)
    assert result.primary == {"a", "T"}
    assert not result.secondary
    _assert_safe(values, result, groups)


def test_four_ones_adding_up_to_four_hide_the_total_as_star():
    # "<5" four times with a "<5" total means 1 each; the total must say nothing.
    values = {"a": 1, "b": 1, "c": 1, "d": 1, "e": 0, "T": 4}
    groups = [Group(("a", "b", "c", "d", "e"), "T")]
    result = suppress(values, values, groups)
    assert result.primary == {"a", "b", "c", "d"}
    assert result.secondary == {"T"}
    _assert_safe(values, result, groups)


def test_two_small_cells_with_a_visible_total_can_protect_each_other():
    values = {"a": 2, "b": 3, "c": 40, "T": 45}
    groups = [Group(("a", "b", "c"), "T")]
    result = suppress(values, values, groups)
    _assert_safe(values, result, groups)
    assert result.primary == {"a", "b"}


def test_not_reported_cells_count_as_visible_zero():
    values = {"a": 3, "b": None, "c": 9, "T": 12}
    groups = [Group(("a", "b", "c"), "T")]
    result = suppress(values, values, groups)
    assert "b" not in result.hidden
    assert result.secondary == {"c"}


def test_rows_and_columns_are_both_made_safe():
    # A 2 x 2 table with row and column totals; one small cell.
    v = {
        ("x", "p"): 3,
        ("x", "q"): 10,
        ("y", "p"): 8,
        ("y", "q"): 20,
        ("x", "T"): 13,
        ("y", "T"): 28,
        ("T", "p"): 11,
        ("T", "q"): 30,
        ("T", "T"): 41,
    }
    groups = [
        Group((("x", "p"), ("x", "q")), ("x", "T")),
        Group((("y", "p"), ("y", "q")), ("y", "T")),
        Group((("x", "p"), ("y", "p")), ("T", "p")),
        Group((("x", "q"), ("y", "q")), ("T", "q")),
    ]
    result = suppress(v, [("x", "p")], groups)
    assert result.primary == {("x", "p")}
    _assert_safe(v, result, groups)
    # The row and the column of the small cell each lose another cell.
    assert result.secondary & {("x", "q"), ("x", "T")}
    assert result.secondary & {("y", "p"), ("T", "p")}


def test_only_sensitive_cells_are_suppressed():
    values = {"a": 2, "b": 3, "T": 5}
    assert not suppress(values, [], [Group(("a", "b"), "T")])
    assert suppress(values, lambda k: k == "a", [Group(("a", "b"), "T")]).primary == {"a"}


def test_protect_figures_per_element_with_area_total():
    figures = {
        "07654": {"drowning_deaths": 1, "children_total": 1035},
        "07648": {"drowning_deaths": 0, "children_total": 1798},
        "07615": {"drowning_deaths": 0, "children_total": 3000},
    }
    result = protect_figures(figures, DEFAULT_SENSITIVE)
    assert ("07654", "drowning_deaths") in result.primary
    assert (TOTAL, "drowning_deaths") in result.primary
    assert not any(key[1] == "children_total" for key in result.hidden)


def test_protect_figures_with_district_subtotals_inside_a_province():
    figures = {"c1": {"abuse_cases": 2}, "c2": {"abuse_cases": 9}, "c3": {"abuse_cases": 7}, "c4": {"abuse_cases": 6}}
    result = protect_figures(figures, ["abuse_cases"], subtotals={"d1": ["c1", "c2"], "d2": ["c3", "c4"]})
    assert ("c1", "abuse_cases") in result.primary
    # d1 = 11 is shown: c2 must go, or 11 - 9 = 2.
    assert ("c2", "abuse_cases") in result.secondary or ("d1", "abuse_cases") in result.secondary


@pytest.mark.parametrize(
    ("num", "den", "unstable"),
    [
        (3, 1000, True),
        (0, 1000, True),
        (5, 1000, False),
        (40, 12, True),
        (40, 20, False),
        (None, 10, False),
        (3, 0, False),
    ],
)
def test_unstable_rates(num, den, unstable):
    assert unstable_rate(num, den) is unstable


def test_masked_values_never_carry_the_number():
    small, hidden = SmallCount(), Hidden()
    assert str(small) == "<5" and f"{small:.1f}" == "<5" and str(hidden) == "*"
    assert math.isnan(small) and math.isnan(small + 1)
    assert json.dumps([small, hidden]) == "[NaN, NaN]"
    assert isinstance(pickle.loads(pickle.dumps(small)), SmallCount)
    assert fmt_number(small) == "<5" and fmt_value(small, "count") == "<5"
    assert fmt_value(hidden, "percent", "en") == "*"
    assert SmallCount.kind == PRIMARY and Hidden.kind == SECONDARY


# --------------------------------------------------------------------------- H1 and FY together


def _period_tables(first, second, groups, hidden_first, hidden_second):
    """Every pair of tables (H1, FY) consistent with what both periods show, by brute
    force: the reader's knowledge of the module docstring, plus FY >= H1 cell by cell.
    Yields (h1, fy) dicts over the cells; totals follow from the cells."""
    cells = sorted({c for g in groups for c in g.cells})
    totals = {g.total for g in groups}
    # Values cut at the largest figure + 2: that only removes possibilities, so the
    # check is stricter than the reader, never laxer.
    limit = max(v for v in (*first.values(), *second.values())) + 2

    def domain(value, kind, key):
        if kind is None:
            return [value]
        if kind == PRIMARY:
            return [1, 2, 3, 4]
        return list(range(limit)) if key in totals else [0, *range(5, limit)]

    def tables(values, hidden):
        for combo in itertools.product(*(domain(values[c], hidden.kind(c), c) for c in cells)):
            table = dict(zip(cells, combo, strict=True))
            ok = True
            for g in groups:
                table[g.total] = sum(table[c] for c in g.cells)
                if table[g.total] not in domain(values[g.total], hidden.kind(g.total), g.total):
                    ok = False
            if ok:
                yield table

    seconds = list(tables(second, hidden_second))
    for h1 in tables(first, hidden_first):
        for fy in seconds:
            if all(fy[c] >= h1[c] for c in cells):
                yield h1, fy


def _assert_periods_safe(first, second, groups, decided):
    """No '<5' cell of either period and no second-half count 1-4 has one possible value."""
    h1_hidden, fy_hidden = decided
    possible: dict = {}
    for h1, fy in _period_tables(first, second, groups, h1_hidden, fy_hidden):
        for key in h1:
            possible.setdefault(("H1", key), set()).add(h1[key])
            possible.setdefault(("FY", key), set()).add(fy[key])
            possible.setdefault(("H2", key), set()).add(fy[key] - h1[key])
    assert possible, "the true tables must be consistent with what is shown"
    for key in first:
        if h1_hidden.kind(key) == PRIMARY:
            assert len(possible[("H1", key)]) >= 2, ("H1", key, decided)
        if fy_hidden.kind(key) == PRIMARY:
            assert len(possible[("FY", key)]) >= 2, ("FY", key, decided)
        if 1 <= second[key] - first[key] <= 4:
            assert len(possible[("H2", key)]) >= 2, ("H2", key, first, second, decided)


def test_h1_two_and_fy_three_keep_the_second_half_one_hidden():
    # One commune with 2 abuse cases in H1 and 3 in the year: the second half had 1.
    first = {"a": 2, "b": 9, "T": 11}
    second = {"a": 3, "b": 9, "T": 12}
    groups = [Group(("a", "b"), "T")]
    decided = suppress_periods(first, second, first, groups)
    assert "a" in decided[0].primary and "a" in decided[1].primary  # both "<5"
    _assert_periods_safe(first, second, groups, decided)


def test_visible_h1_five_and_fy_six_would_tell_one_in_the_second_half():
    # Neither period has a small count, yet FY - H1 = 1: one is hidden now.
    first = {"a": 5, "b": 7, "T": 12}
    second = {"a": 6, "b": 20, "T": 26}
    groups = [Group(("a", "b"), "T")]
    alone = (suppress(first, first, groups), suppress(second, second, groups))
    assert not alone[0] and not alone[1]  # each period on its own hides nothing
    decided = suppress_periods(first, second, first, groups)
    assert decided[0].hidden | decided[1].hidden
    assert "a" in decided[1].hidden  # the year's figure goes first, H1 has been sent out
    _assert_periods_safe(first, second, groups, decided)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # FY hides b to protect a; H1 shows everything and b's H2 is 0: FY's b would be 8
        # for anyone who reads H1 and assumes nothing happened - unless the sums say more.
        pytest.param(
            {"a": 0, "b": 8, "c": 30, "T": 38},
            {"a": 2, "b": 8, "c": 31, "T": 41},
            id="a cell hidden in one period cannot be recovered through the other",
        ),
        pytest.param(
            {"a": 1, "b": 0, "c": 0, "T": 1},
            {"a": 1, "b": 4, "c": 0, "T": 5},
            id="a district total shown in one period protects the communes in both",
        ),
    ],
)
def test_what_one_period_shows_does_not_undo_the_other(first, second):
    groups = [Group(("a", "b", "c"), "T")]
    decided = suppress_periods(first, second, first, groups)
    _assert_periods_safe(first, second, groups, decided)


@pytest.mark.parametrize("seed", range(60))
def test_brute_force_no_hidden_small_count_is_pinned_by_both_periods(seed):
    """Small random districts (2-3 communes, counts 0-9, FY >= H1): from every number
    shown in H1 and FY together, no '<5' cell and no second-half count 1-4 can be worked
    out to one value - checked over every pair of tables consistent with the view."""
    import random

    rng = random.Random(seed)
    n = rng.choice((2, 3))
    cells = tuple("abc"[:n])
    first = {c: rng.choice((0, 0, 1, 2, 3, 5, 6, 8)) for c in cells}
    second = {c: first[c] + rng.choice((0, 0, 1, 2, 3, 5)) for c in cells}
    first["T"], second["T"] = sum(first[c] for c in cells), sum(second[c] for c in cells)
    groups = [Group(cells, "T")]
    decided = suppress_periods(first, second, lambda k: True, groups)
    _assert_periods_safe(first, second, groups, decided)


def test_the_interval_arithmetic_of_what_a_reader_knows():
    from rules.suppression import ANY, NOT_SMALL, SMALL, domain_add, domain_meet, domain_sub, domain_values

    assert domain_add(SMALL, SMALL) == ((2, 8),)
    assert domain_add(NOT_SMALL, NOT_SMALL) == NOT_SMALL  # 0, or 5 and up, stays so
    assert domain_values(domain_sub(((6, 6),), NOT_SMALL)) == [0, 1, 6]  # 6 - {0, 5, 6}
    assert domain_meet(ANY, SMALL) == SMALL
    assert domain_values(domain_meet(domain_sub(((6, 6),), NOT_SMALL), SMALL)) == [1]  # the 1 + 5 = 6 case
