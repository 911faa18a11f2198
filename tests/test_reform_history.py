"""Across the 2025 reform: every comparison of a new commune with earlier years takes its
predecessors' figures times their shares, on SQLite and PostgreSQL.

The database is the sample (old Chi Lăng's 20 communes with figures 2020–2025) with the
official list of Lạng Sơn loaded on top (`places load-official --province "Lạng Sơn"`:
65 new communes from 01/07/2025), plus 2026 figures written by the new communes here.
Expected values are summed from `sample_data/data_values.csv`, never typed in.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date

import pytest

from data_access import access, db, places, queries
from data_access.progress import compute_progress, history_across_reform
from data_access.seed import add_values
from data_access.targets import load_plan
from rules.indicators import area_value
from tests.conftest import REPO

CHI_LANG_PLAN = REPO / "sample_data" / "plans" / "chi_lang_2025.yaml"
YEARS = list(range(2020, 2027))
ON_2026 = date(2026, 12, 31)


def _sample() -> dict[tuple[str, int, str], dict[str, float]]:
    """(code, year, period) -> element -> value, from the sample's CSV."""
    out: dict[tuple[str, int, str], dict[str, float]] = defaultdict(dict)
    with (REPO / "sample_data" / "data_values.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            out[(r["commune_code"], int(r["year"]), r["period"])][r["data_element"]] = float(r["value"])
    return out


@pytest.fixture
def lang_son(seeded_url):
    engine = db.get_engine(seeded_url)
    result, _ = places.load_official(engine, ["Lạng Sơn"])
    assert result.ok
    return engine


def _merged(engine):
    """New commune -> [(old code, share)] for the new communes formed from old Chi Lăng's."""
    chi_lang_old = {c.code for c in queries.communes_in(engine, "187", on=date(2024, 12, 31))}
    assert len(chi_lang_old) == 20
    out: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for r in queries.predecessors_in(engine, "20", ON_2026):
        if r.old_code in chi_lang_old and r.old.valid_to == date(2025, 6, 30):
            out[r.new_code].append((r.old_code, r.share))
    return out


def test_a_new_commune_history_is_its_predecessors_every_year_before_the_reform(lang_son):
    engine = lang_son
    merged = _merged(engine)
    several = {n: parts for n, parts in merged.items() if len(parts) >= 3}
    assert several, "some new communes of Lạng Sơn took over three or more old Chi Lăng communes"
    sample = _sample()
    elements = ["children_total", "injury_cases"]
    history = history_across_reform(engine, "20", [(y, "FY") for y in YEARS], elements)
    for new_code, parts in several.items():
        for year in range(2020, 2025):
            for de in elements:
                expected = sum(sample[(old, year, "FY")][de] * share for old, share in parts)
                assert history.figures[(year, "FY")][new_code][de] == pytest.approx(expected)
            said = history.sources[(year, "FY")][new_code]
            assert sorted(p.code for p in said) == sorted(old for old, _ in parts)
            assert all(p.type in ("xã", "thị trấn") and p.full_name for p in said)
        # 2025 FY belongs to the new communes: the old ones' 2025 FY figures are not theirs.
        assert new_code not in history.figures[(2025, "FY")]


def test_a_reused_code_is_not_compared_with_one_of_its_parts(lang_son):
    """06463 was Thị trấn Đồng Mỏ until 30/06/2025 and is Xã Chi Lăng since: its 2024
    figure is the sum of all its predecessors, not Đồng Mỏ's alone."""
    engine = lang_son
    merged = _merged(engine)
    reused = [n for n, parts in merged.items() if n in {old for old, _ in parts} and len(parts) > 1]
    assert reused
    code = reused[0]
    sample = _sample()
    history = history_across_reform(engine, "20", [(2024, "FY"), (2026, "FY")], ["children_total"])
    got = history.figures[(2024, "FY")][code]["children_total"]
    alone = sample[(code, 2024, "FY")]["children_total"]
    assert got == pytest.approx(sum(sample[(o, 2024, "FY")]["children_total"] * s for o, s in merged[code]))
    assert got > alone
    # The commune's own history (a single commune as the area) says the same.
    own = history_across_reform(engine, code, [(2024, "FY"), (2026, "FY")], ["children_total"])
    assert own.figures[(2024, "FY")][code]["children_total"] == pytest.approx(got)


def test_rates_come_from_summed_numerators_and_yes_no_needs_every_part(lang_son):
    engine = lang_son
    plan = load_plan(CHI_LANG_PLAN)
    merged = _merged(engine)
    sample = _sample()
    rate = next(i for i in plan.indicators if i.denominator and i.unit == "percent" and i.denominator != "communes")
    history = history_across_reform(engine, "20", [(2024, "FY"), (2026, "FY")], plan.used_data_elements())
    for new_code, parts in merged.items():
        num = sum(sample[(o, 2024, "FY")][rate.numerator] * s for o, s in parts)
        den = sum(sample[(o, 2024, "FY")][rate.denominator] * s for o, s in parts)
        value = area_value(rate, [new_code], history.figures[(2024, "FY")]).value
        assert value == pytest.approx(100 * num / den)
        held = all(sample[(o, 2024, "FY")]["cfc_recognised"] >= 1 for o, _ in parts)
        assert history.figures[(2024, "FY")][new_code]["cfc_recognised"] == (1.0 if held else 0.0)


def test_the_year_before_and_the_reports_trend_are_carried_the_same_way(lang_son):
    engine = lang_son
    plan = load_plan(CHI_LANG_PLAN)
    de = next(i.numerator for i in plan.indicators if i.unit == "percent" and i.numerator)
    merged = _merged(engine)
    new_code = max(merged, key=lambda n: len(merged[n]))
    add_values(engine, [(new_code, 2026, "FY", de, 9000.0)], source="t", user="t")
    progress = compute_progress(engine, plan, 2025, "FY", "20")
    assert len(progress.communes) == 65
    sample = _sample()
    expected = sum(sample[(o, 2024, "FY")][de] * s for o, s in merged[new_code])
    assert progress.previous_figures[new_code][de] == pytest.approx(expected)
    assert sorted(p.code for p in progress.carried_from[new_code]) == sorted(o for o, _ in merged[new_code])
    # The reports read their trend through access.figures_in_area: the same carried years.
    trend = access.figures_in_area(engine, None, "20", [(y, "FY") for y in YEARS], [de])
    assert trend[(2024, "FY")][new_code][de] == pytest.approx(expected)
    assert trend[(2026, "FY")][new_code][de] == 9000.0


def test_a_2024_plan_still_shows_its_2024_units_after_the_official_list(lang_son):
    engine = lang_son
    plan = load_plan(CHI_LANG_PLAN)  # area "Chi Lăng": the district, in 2024
    progress = access.compute_progress(engine, None, plan, 2024, "FY")
    assert progress.area.level == "district" and len(progress.communes) == 20
    assert not progress.carried_from  # nothing was merged before 2024
