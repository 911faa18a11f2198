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
