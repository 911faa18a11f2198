"""Pace to the deadline, case by case against values computed by hand."""

from __future__ import annotations

import pytest

from rules.pace import h1_share, pace


def test_an_accumulating_count_without_history_doubles_h1():
    p = pace(40, 100, higher_is_better=True, accumulating=True)
    assert (p.share, p.projected, p.needed_h2) == (0.5, 80.0, 60.0)
    assert p.ratio == pytest.approx(0.8) and p.status == "accelerate"


def test_earlier_years_h1_share_replaces_the_half():
    # 2022: 30 of 100 in H1, 2023: 50 of 125 -> shares 0.3 and 0.4 -> mean 0.35
    assert h1_share([(30, 100), (50, 125)]) == pytest.approx(0.35)
    p = pace(35, 100, higher_is_better=True, accumulating=True, history=[(30, 100), (50, 125)])
    assert p.projected == pytest.approx(100.0) and p.status == "on_track"


def test_a_year_with_no_fy_figure_is_left_out_of_the_share():
    assert h1_share([(10, 0), (20, 80)]) == pytest.approx(0.25)


def test_a_ratio_projects_to_its_h1_value():
    p = pace(60.0, 80.0, higher_is_better=True, accumulating=False)
    assert (p.projected, p.share, p.needed_h2) == (60.0, 1.0, None)
    assert p.ratio == pytest.approx(0.75) and p.status == "accelerate"
    assert pace(50.0, 80.0, higher_is_better=True, accumulating=False).status == "unlikely"  # 0.625


def test_lower_is_better_ratio():
    assert pace(2.5, 3.0, higher_is_better=False, accumulating=False).status == "on_track"
    p = pace(3.6, 3.0, higher_is_better=False, accumulating=False)
    assert p.ratio == pytest.approx(3.0 / 3.6) and p.status == "accelerate"


def test_a_ceiling_already_passed_at_h1_cannot_be_met():
    p = pace(4, 3, higher_is_better=False, accumulating=True)
    assert p.status == "unlikely"
    assert pace(1, 3, higher_is_better=False, accumulating=True).status == "on_track"  # projects to 2


def test_earlier_first_halves_all_zero_fall_back_to_the_half():
    # A commune that held nothing in H1 of earlier years (0 of 4, 0 of 6): no share to use.
    assert h1_share([(0, 4), (0, 6)]) == 0.5
    p = pace(3, 8, higher_is_better=True, accumulating=True, history=[(0, 4), (0, 6)])
    assert (p.projected, p.needed_h2, p.status) == (6.0, 5.0, "accelerate")


def test_the_earlier_years_a_page_reads_are_only_those_the_pace_uses():
    """Pages read the earlier years (carried across the 2025 reform, the costly part of a
    Bắc Ninh overview) only for `history_elements`; every indicator's pace over the
    sample district must come out the same as with the whole plan's figures."""
    from pathlib import Path

    from data_access.targets import load_plan
    from rules.indicators import accumulates_over_year
    from rules.pace import history_elements, indicator_pace
    from tests import sample_figures

    plan = load_plan(Path(__file__).resolve().parent.parent / "targets.yaml")
    year = 2025
    wanted = history_elements(plan, year)
    flows = [i for i in plan.indicators if accumulates_over_year(i, plan.data_elements) and year in i.targets]
    ratios = [i for i in plan.indicators if not accumulates_over_year(i, plan.data_elements)]
    assert flows and ratios and set(wanted) < set(plan.used_data_elements())
    assert all(i.numerator in wanted for i in flows if i.targets[year].number is not None)

    codes = list(sample_figures.communes_of())
    now = sample_figures.figures(year, "H1")
    whole = [(sample_figures.figures(y, "H1"), sample_figures.figures(y, "FY")) for y in range(2021, year)]

    def only(figures: dict) -> dict:
        return {c: {de: v for de, v in row.items() if de in wanted} for c, row in figures.items()}

    narrow = [(only(a), only(b)) for a, b in whole]
    for ind in plan.indicators:
        assert indicator_pace(ind, year, codes, now, narrow, plan.data_elements) == indicator_pace(
            ind, year, codes, now, whole, plan.data_elements
        ), ind.id
