"""The columnar evaluation (`rules.columnar`, `queries.figure_matrices`) gives the same
rows as the per-commune reference (`rules.evaluate_plan_with_groups` over dicts).

Rows are compared by `repr` (so 1 and 1.0, None and NaN, or a reordered field would
fail) for every commune, area and part row, every indicator, every year and period,
on the sample and on a generated country of 300 communes, on SQLite and PostgreSQL, with the cases
where the two paths could part: missing reports, zero denominators, masked small
counts, eligibility blockers, H1 pro-rating, trends, tolerance 0, area-only targets.
"""

from __future__ import annotations

import math
import pickle
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import text

from data_access import db, queries
from data_access.generate import generate
from data_access.place_resolution import period_end
from data_access.progress import compute_progress, progress_records
from data_access.targets import load_plan
from rules import Question, area_value, evaluate_plan_with_groups
from rules.columnar import FigureMatrix, PlanRows, plan_rows_columnar
from rules.model import Plan, Target
from rules.suppression import Hidden, SmallCount

REPO = Path(__file__).resolve().parent.parent


def _same(a: list, b: list) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert repr(x) == repr(y), f"{x.indicator_id} {x.area_code}: {x} != {y}"


def _both_ways(engine, plan: Plan, year: int, period: str) -> tuple:
    old = compute_progress(engine, plan, year, period, reference=True)
    new = compute_progress(engine, plan, year, period)
    return old, new


def _assert_same_progress(old, new) -> None:
    _same(list(old.rows), list(new.rows))
    _same(list(old.part_rows), list(new.part_rows))
    assert old.parts == new.parts
    assert new.figures == old.figures  # the matrix reads as the same commune -> element dict
    assert new.previous_figures == old.previous_figures
    assert progress_records(new) == progress_records(old)  # value, status, note, … as exported
    codes = [c.code for c in old.communes]
    for previous, figures in ((False, old.figures), (True, old.previous_figures)):
        pooled = new.pooled(previous)  # the area's values the overview's tables show
        for ind in old.plan.indicators:
            assert repr(pooled[ind.id]) == repr(area_value(ind, codes, figures))


# --------------------------------------------------------------------------- the sample


def test_sample_every_year_and_period_both_ways(shared_seeded_url: str) -> None:
    engine = db.get_engine(shared_seeded_url)
    plan = load_plan(REPO / "targets.yaml")
    for year in (*plan.years, plan.years[0] - 1):  # a year without targets too
        for period in ("H1", "FY"):
            old, new = _both_ways(engine, plan, year, period)
            assert any(r.status != "no_data" for r in old.rows) or year < plan.years[0]
            _assert_same_progress(old, new)
            assert isinstance(new.figures, FigureMatrix)


def test_figure_matrices_hold_what_figures_in_area_reads(shared_seeded_url: str) -> None:
    engine = db.get_engine(shared_seeded_url)
    plan = load_plan(REPO / "targets.yaml")
    area = compute_progress(engine, plan, 2025, "FY").area
    periods = [(2025, "FY"), (2025, "H1"), (2024, "FY"), (1999, "FY")]
    elements = plan.used_data_elements()
    on = period_end(2025, "FY")
    dicts = queries.figures_in_area(engine, area.code, periods, elements, on=on)
    arrays = queries.figure_matrices(engine, area.code, periods, elements, on=on)
    for key in periods:
        assert arrays[key] == dicts[key]
        assert dict(arrays[key]) == dicts[key]
        assert len(arrays[key]) == len(dicts[key])
    assert len(arrays[(1999, "FY")]) == 0 and not arrays[(1999, "FY")].get("anything")
    assert queries.figure_matrices(engine, "no such area", periods, elements)[(2025, "FY")] == {}


# --------------------------------------------------------------------------- a generated country


@pytest.fixture(scope="module")
def generated(tmp_path_factory, db_factory, _seeded_templates) -> dict:
    """A generated country (300 communes, 2021–2025) per backend, then made awkward:
    communes that did not report, zero denominators, blockers that stop eligibility."""
    out = {}
    for backend in ("sqlite", "postgresql"):
        url = db_factory.new(backend)
        engine = db.get_engine(url)
        plan_file = tmp_path_factory.mktemp(f"gen_{backend}") / "targets.yaml"
        generate(engine, 300, (2021, 2025), plan_path=plan_file)
        with engine.begin() as conn:
            ids = [r[0] for r in conn.execute(text("SELECT id FROM org_unit WHERE level = 'commune' ORDER BY code"))]
            silent, no_children, no_abuse, blocked, gone = ids[0:12], ids[12:20], ids[20:40], ids[40:55], ids[55:60]
            conn.execute(text(f"DELETE FROM data_value WHERE org_unit_id IN ({','.join(map(str, silent))})"))
            conn.execute(
                text(
                    "DELETE FROM data_value WHERE data_element_id IN ('children_total', 'households_with_children') "
                    f"AND org_unit_id IN ({','.join(map(str, no_children))})"
                )
            )
            conn.execute(
                text(
                    "UPDATE data_value SET value = 0 WHERE data_element_id IN ('abuse_cases', 'abuse_cases_with_plan', "
                    f"'child_labour_cases', 'child_labour_supported') AND org_unit_id IN ({','.join(map(str, no_abuse))})"
                )
            )
            conn.execute(
                text(
                    "UPDATE data_value SET value = 2 WHERE data_element_id = 'drowning_deaths' "
                    f"AND org_unit_id IN ({','.join(map(str, blocked))})"
                )
            )
            conn.execute(
                text(
                    "DELETE FROM data_value WHERE data_element_id IN ('abuse_cases', 'cfc_recognised') AND year = 2024 "
                    f"AND org_unit_id IN ({','.join(map(str, gone))})"
                )
            )
        out[backend] = (engine, load_plan(plan_file))
    return out


@pytest.mark.parametrize("backend_name", ["sqlite", "postgresql"])
def test_generated_country_every_year_and_period_both_ways(generated: dict, backend_name: str) -> None:
    engine, plan = generated[backend_name]
    statuses: set[str] = set()
    for year in range(2021, 2026):
        for period in ("H1", "FY"):
            old, new = _both_ways(engine, plan, year, period)
            assert len(old.communes) == 300 and old.parts  # pooled by its provinces too
            _assert_same_progress(old, new)
            statuses |= {r.status for r in new.rows}
            assert any(r.blocking for r in new.rows) and any(r.not_reported for r in new.rows if r.is_area)
    # The edge cases did happen: the statuses they lead to were compared too.
    assert statuses >= {"met", "not_met", "no_data", "not_applicable"}


# --------------------------------------------------------------------------- pure: harder plans, masks


def _variants(plan: Plan) -> Plan:
    """The plan with the rules' other branches: tolerance 0, h1 half / full, maintain,
    ==, >, a year without a target, an area-only target, a stated tolerance."""
    out = []
    for n, ind in enumerate(plan.indicators):
        years = sorted(ind.targets)
        targets = dict(ind.targets)
        kind = n % 6
        if kind == 0:
            ind = replace(ind, tolerance=0.0, h1="half")
        elif kind == 1:
            ind = replace(ind, h1="full", tolerance=2.5)
            targets[years[-1]] = Target("maintain", None, "maintain")
        elif kind == 2:
            targets.pop(years[0], None)
        elif kind == 3 and ind.unit != "count":
            targets[years[-1]] = Target("==", 100.0, "== 100")
        elif kind == 4:
            ind = replace(ind, applies_to=("area",))
        elif kind == 5 and ind.unit != "count":
            targets[years[-1]] = Target(">", 60.0, "> 60")
        out.append(replace(ind, targets=targets))
    return replace(plan, indicators=tuple(out))


def _masked(figures: dict, every: int) -> dict:
    """Some figures masked as the protection does (NaN floats that print as a mask)."""
    out = {}
    for n, (code, values) in enumerate(sorted(figures.items())):
        out[code] = dict(values)
        if n % every == 0:
            for k, de in enumerate(sorted(values)):
                if k % 3 == 0:
                    out[code][de] = SmallCount() if k % 2 else Hidden()
    return out


@pytest.mark.parametrize("backend_name", ["sqlite"])
def test_harder_plan_and_masked_figures_both_ways(generated: dict, backend_name: str) -> None:
    engine, plan = generated[backend_name]
    hard = _variants(plan)
    for year in (2024, 2025):
        for period in ("H1", "FY"):
            progress = compute_progress(engine, plan, year, period, reference=True)
            now = _masked(progress.figures, 7)
            before = _masked(progress.previous_figures, 11)
            groups = queries.parts_of(engine, progress.area.code, year, on=period_end(year, period))
            groups.append((progress.parts[0], ["not a commune", *groups[0][1][::-1], groups[0][1][0]]))
            for p in (plan, hard):
                q = Question(year, period, progress.area, progress.communes, now, before, groups=groups)
                a_rows, a_parts = evaluate_plan_with_groups(p, q)
                b_rows, b_parts = plan_rows_columnar(p, q)
                _same(a_rows, b_rows)
                _same(a_parts, b_parts)
            assert any(math.isnan(v) for f in now.values() for v in f.values())


def test_fractional_figures_are_added_in_the_same_order() -> None:
    """Sums of fractions depend on their order; the pools must add like the rules do."""
    plan = load_plan(REPO / "targets.yaml")
    from rules.model import OrgUnitRef

    area = OrgUnitRef("D", "Huyện", "Huyện D", "huyện", "district")
    rng = np.random.default_rng(3)
    communes = [OrgUnitRef(f"C{i:03d}", f"Xã {i}", f"Xã {i}", "xã", "commune", "D") for i in range(60)]
    elements = plan.used_data_elements()
    now = {c.code: {de: float(rng.random() * 1000) / 7 for de in elements} for c in communes[3:]}
    before = {c.code: {de: float(rng.random() * 1000) / 3 for de in elements} for c in communes[:50]}
    now["C010"] = {}  # a commune with an empty report
    for year in plan.years:
        for period in ("H1", "FY"):
            groups = [(area, [c.code for c in communes[::2]])]
            q = Question(year, period, area, communes, now, before, groups=groups)
            _same(evaluate_plan_with_groups(plan, q)[0], plan_rows_columnar(plan, q)[0])
            _same(evaluate_plan_with_groups(plan, q)[1], plan_rows_columnar(plan, q)[1])


def test_a_commune_as_the_area_and_no_figures_at_all(shared_seeded_url: str) -> None:
    engine = db.get_engine(shared_seeded_url)
    plan = load_plan(REPO / "targets.yaml")
    first = compute_progress(engine, plan, 2025, "FY").communes[0]
    old = compute_progress(engine, plan, 2025, "FY", first.code, reference=True)
    new = compute_progress(engine, plan, 2025, "FY", first.code)
    _assert_same_progress(old, new)
    district = compute_progress(engine, plan, 2025, "FY")
    q = Question(2025, "FY", district.area, district.communes, {}, None)
    _same(evaluate_plan_with_groups(plan, q)[0], plan_rows_columnar(plan, q)[0])


@pytest.mark.parametrize("backend_name", ["sqlite", "postgresql"])
def test_whatif_from_columns_gives_the_reference_rows(generated: dict, backend_name: str) -> None:
    """A what-if (moved target, assumed communes) on the arrays: its rows before and after
    and its flipped communes are those of `rules.indicator_rows` on plain dicts."""
    from rules import indicator_rows, simulate
    from rules.whatif import parse_target_text

    engine, plan = generated[backend_name]
    progress = compute_progress(engine, plan, 2025, "H1")
    assert isinstance(progress.figures, FigureMatrix)
    now, before = dict(progress.figures), dict(progress.previous_figures)
    codes = [c.code for c in progress.communes]
    for n, ind in enumerate(plan.indicators):
        override = parse_target_text(">= 55") if ind.unit != "count" else parse_target_text("<= 3")
        assumed = [*codes[n : n + 40 : 3], "not in the area"]
        sim = simulate(plan, ind.id, 2025, "H1", progress.area, progress.communes, progress.figures,
                       progress.previous_figures, target_override=override, assume_met=assumed)  # fmt: skip
        args = (2025, "H1", progress.area, progress.communes)
        expected_before = indicator_rows(ind, Question(*args, now, before, data_elements=plan.data_elements))
        changed = {code: dict(now.get(code, {})) for code in {c.commune_code for c in sim.changes}}
        for change in sim.changes:
            changed[change.commune_code][change.data_element] = change.after
        after_ind = replace(ind, targets={**ind.targets, 2025: override})
        after = {**now, **changed}
        expected_after = indicator_rows(after_ind, Question(*args, after, before, data_elements=plan.data_elements))
        was = {r.area_code: r.status for r in expected_before if not r.is_area}
        flipped = sorted(
            (r.area_code, was[r.area_code], r.status) for r in expected_after[1:] if was[r.area_code] != r.status
        )
        assert list(sim.flipped) == flipped
        _same(list(sim.rows_before), expected_before)
        _same(list(sim.rows_after), expected_after)
        assert sim.after == expected_after[0] and len(sim.rows_after) == len(codes) + 1


def test_a_matrix_reads_like_the_dicts_it_was_made_from() -> None:
    """The Mapping the pages read: keys, values, items, get, `in`, overlay as `{**a, **b}`."""
    figures = {"C2": {"a": 1.0, "b": 0.0}, "C1": {"b": 2.5}, "C3": {}}
    m = FigureMatrix.from_figures(figures, ["a", "b", "c"])
    assert dict(m) == {"C1": {"b": 2.5}, "C2": {"a": 1.0, "b": 0.0}}  # C3 reported nothing
    assert list(m) == ["C1", "C2"] and len(m) == 2 and "C3" not in m and m.get("C3") is None
    assert [dict(v) for v in m.values()] == [{"b": 2.5}, {"a": 1.0, "b": 0.0}]
    assert dict(m.items())["C2"]["b"] == 0.0  # a reported 0 stays a figure, never "missing"
    over = m.overlay({"C2": {}, "C4": {"c": 7.0}, "C1": {"a": 3.0}})
    assert dict(over) == {"C1": {"a": 3.0}, "C4": {"c": 7.0}}
    assert m == {"C1": {"b": 2.5}, "C2": {"a": 1.0, "b": 0.0}}  # the original is untouched
    with pytest.raises(ValueError):
        m.array[0, 0] = 5.0  # read-only: one matrix is shared by every session


def test_communes_reported_counts_as_the_dicts_do(shared_seeded_url: str) -> None:
    """`count_reported` (the overview's "x communes reported") counts what
    `sum(1 for c in codes if figures.get(c))` counts: a commune with only NaN, a code not
    held, a code asked twice; and a progress from columns says the same as the reference."""
    figures = {"C2": {"a": 1.0, "b": 0.0}, "C1": {"b": 2.5}, "C3": {}}
    m = FigureMatrix.from_figures(figures, ["a", "b"])
    for codes in (["C1", "C2", "C3"], ["C3", "C9"], ["C2", "C2", "C1"], []):
        assert m.count_reported(codes) == sum(1 for c in codes if figures.get(c)), codes
    assert FigureMatrix.empty(["a"]).count_reported(["C1"]) == 0
    engine = db.get_engine(shared_seeded_url)
    plan = load_plan(REPO / "targets.yaml")
    counts = {}
    for year, period in ((2025, "H1"), (2024, "FY")):
        cols, ref = (compute_progress(engine, plan, year, period, reference=r) for r in (False, True))
        assert isinstance(cols.figures, FigureMatrix) and not isinstance(ref.figures, FigureMatrix)
        assert cols.communes_reported == ref.communes_reported
        counts[year] = (cols.communes_reported, len(cols.communes))
    # the sample's 2025 H1: one commune has not reported yet (sample_data/README.md)
    assert counts[2025][0] == counts[2025][1] - 1 and counts[2024][0] == counts[2024][1]


# --------------------------------------------------------------------------- rows held as columns


@pytest.mark.parametrize("backend_name", ["sqlite", "postgresql"])
def test_rows_asked_one_by_one_from_the_columns_are_the_reference_rows(generated: dict, backend_name: str) -> None:
    """What a page asks of a progress (one commune's rows, one indicator's, one row, the
    area's) comes from the columns without making every row, and is the reference's row
    for every commune and indicator; pickled (as the results cache stores it) the rows
    are the columns, the same before and after every row was made."""
    engine, plan = generated[backend_name]
    for year, period in ((2025, "FY"), (2024, "H1")):
        old, new = _both_ways(engine, plan, year, period)
        assert isinstance(new.rows, PlanRows)
        stored = pickle.dumps(new, protocol=5)
        _same(new.area_rows, old.area_rows)
        for c in old.communes:
            _same(list(new.rows_of_commune(c.code)), list(old.rows_of_commune(c.code)))
            for ind in plan.indicators:
                assert repr(new.row(ind.id, c.code)) == repr(old.row(ind.id, c.code))
        for ind in plan.indicators:
            assert repr(new.row(ind.id)) == repr(old.row(ind.id))
            # the overview's "communes met" and its blocked communes, from the columns
            assert new.commune_statuses_of(ind.id) == [r.status for r in old.commune_rows_of(ind.id)]
            _same(new.blocked_commune_rows_of(ind.id), [r for r in old.commune_rows_of(ind.id) if r.blocking])
        assert any(new.blocked_commune_rows_of(ind.id) for ind in plan.indicators)
        # the leader screen's communes off track: only the rows not met or at risk made
        off = new.commune_rows_with_status("not_met", "at_risk")
        _same(off, [r for r in old.commune_rows if r.status in ("not_met", "at_risk")])
        assert off and len(off) < len(old.commune_rows)
        assert all(seg._rows is None for seg in new.rows.segments)  # none made all at once
        ind = plan.indicators[0].id
        _same(list(new.commune_rows_of(ind)), list(old.commune_rows_of(ind)))
        _same(list(new.rows), list(old.rows))
        again = pickle.loads(pickle.dumps(new, protocol=5))
        assert len(pickle.dumps(new, protocol=5)) == len(stored)  # the rows made are not kept
        _same(list(again.rows), list(old.rows))
        _same(list(again.part_rows), list(old.part_rows))
        assert again.figures == old.figures and again.previous_figures == old.previous_figures
        with pytest.raises(KeyError):
            new.row(ind, "no such commune")
