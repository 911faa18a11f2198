"""The what-if page on both databases: moving a target and assuming communes meet it
change what the page shows exactly as the rules say, and nothing is written.

Expected values are computed here from the plan and figures the test loads itself
(`compute_progress` + `rules.evaluate` / `area_value`), never read off the page.
"""

from __future__ import annotations

import math
from dataclasses import replace

from sqlalchemy import func, select

from data_access import db, queries
from data_access.models import AuditEntry, DataValue, ImportBatch
from data_access.progress import compute_progress
from data_access.targets import load_plan
from i18n import fmt_number, fmt_value, t
from rules import accumulates_over_year, area_value, evaluate
from rules.model import COMMUNES, Indicator, Plan, Target
from tests.apptest_util import REPO, all_text, run_app
from ui.status import status_label
from ui.whatif_view import communes_key, target_key

YEAR, PERIOD = 2024, "FY"


def _plan() -> Plan:
    return load_plan(REPO / "targets.yaml")


def _child_friendly(plan: Plan) -> Indicator:
    """The plan's share-of-communes indicator with an eligibility rule (cfc_rate in Sơn Động's)."""
    found = [i for i in plan.indicators if i.requires_zero and i.denominator == COMMUNES]
    assert found, "the plan has no child-friendly-communes indicator"
    return found[0]


def _counts(url: str) -> tuple[int, int, int, int]:
    engine = db.get_engine(url)
    with engine.connect() as conn:
        values = conn.execute(select(func.count()).select_from(DataValue)).scalar()
        audit = conn.execute(select(func.count()).select_from(AuditEntry)).scalar()
        batches = conn.execute(select(func.count()).select_from(ImportBatch)).scalar()
    return queries.data_version(engine), values, audit, batches


def _metric_values(at) -> list[str]:
    return [m.value for m in at.metric]


def test_moving_the_child_friendly_target_flips_the_area_status(monkeypatch, seeded_url):
    plan = _plan()
    ind = _child_friendly(plan)
    progress = compute_progress(db.get_engine(seeded_url), plan, YEAR, PERIOD)
    area = progress.row(ind.id)
    plan_target = ind.targets[YEAR]
    assert plan_target.op in (">=", ">") and area.value is not None
    # A whole-number target just at (or below) today's value: the area then meets it.
    new_number = float(math.floor(area.value)) if plan_target.op == ">=" else float(math.ceil(area.value) - 1)
    moved = replace(ind, targets={**ind.targets, YEAR: Target(plan_target.op, new_number, "moved")})
    flow = accumulates_over_year(ind, plan.data_elements)
    expected_after = evaluate(moved, YEAR, PERIOD, area.value, area.previous_value, flow).status
    expected_before = evaluate(ind, YEAR, PERIOD, area.value, area.previous_value, flow).status
    assert expected_before == area.status and expected_before != expected_after  # the story holds
    before_counts = _counts(seeded_url)

    at = run_app(monkeypatch, seeded_url, page="whatif", year=str(YEAR), period=PERIOD, indicator=ind.id)
    text = all_text(at)
    assert "Mô phỏng — không ghi vào cơ sở dữ liệu" in text
    box = at.number_input(key=target_key(ind.id, YEAR))
    assert box.value == plan_target.number  # prefilled with the plan's target
    box.set_value(new_number).run()
    assert not at.exception
    text = all_text(at)
    verdict = t(
        "whatif_verdict_changed",
        "vi",
        area=progress.area.full_name,
        before=status_label(expected_before, "vi"),
        after=status_label(expected_after, "vi"),
    )
    assert verdict in text
    # Both cards show the same (unchanged) area value; the "after" one names the new target.
    assert _metric_values(at) == [fmt_value(area.value, ind.unit, "vi")] * 2
    assert _counts(seeded_url) == before_counts


def test_assuming_the_ineligible_communes_meet_raises_the_area_value(monkeypatch, seeded_url):
    plan = _plan()
    ind = _child_friendly(plan)
    progress = compute_progress(db.get_engine(seeded_url), plan, YEAR, PERIOD)
    codes = [c.code for c in progress.communes]
    pooled = area_value(ind, codes, progress.figures)
    # Recognised but ineligible (a drowning death or an abuse case): the story's two communes.
    ineligible = [c for c in pooled.ineligible if progress.figures[c].get(ind.numerator) == 1]
    assert len(ineligible) == 2
    eligible = pooled.numerator
    expected = (eligible + 2) / len(codes) * 100
    flow = accumulates_over_year(ind, plan.data_elements)
    expected_status = evaluate(ind, YEAR, PERIOD, expected, None, flow).status
    before_counts = _counts(seeded_url)

    at = run_app(monkeypatch, seeded_url, page="whatif", year=str(YEAR), period=PERIOD, indicator=ind.id)
    at.multiselect(key=communes_key(progress.area.code)).set_value(ineligible).run()
    assert not at.exception
    assert _metric_values(at) == [fmt_value(pooled.value, "percent", "vi"), fmt_value(expected, "percent", "vi")]
    # The difference of two percentages is in points: "+11,8 điểm %", never "+11,8 %".
    points = fmt_number(expected - pooled.value, 1, "vi")
    assert at.metric[1].delta == f"+{points} điểm %"
    text = all_text(at)
    names = {c.code: c.name for c in progress.communes}
    for code in ineligible:
        assert names[code] in text  # listed as flipping, and among the figures assumed
    assert status_label(expected_status, "vi") in text
    # The blockers set to 0 are shown as assumed, by their Vietnamese names.
    for de in ind.requires_zero:
        assert plan.data_elements[de].name.vi in text
    assert _counts(seeded_url) == before_counts


def test_the_off_track_shortcut_and_english(monkeypatch, _shared_copies):
    plan = _plan()
    ind = _child_friendly(plan)
    url = _shared_copies["sqlite"]
    progress = compute_progress(db.get_engine(url), plan, YEAR, PERIOD)
    off = sorted(
        r.area_code for r in progress.commune_rows if r.indicator_id == ind.id and r.status in ("not_met", "at_risk")
    )
    at = run_app(monkeypatch, url, page="whatif", year=str(YEAR), period=PERIOD, indicator=ind.id, lang="en")
    text = all_text(at)
    assert "Simulation — nothing is written to the database" in text
    assert "Mô phỏng" not in text.replace("Mô phỏng — không ghi", "")
    pick = next(b for b in at.button if b.label == t("whatif_pick_off_track", "en"))
    pick.click().run()
    assert not at.exception
    assert sorted(at.multiselect(key=communes_key(progress.area.code)).value) == off
    # Every commune assumed to meet: the area value is 100 % and the area status met.
    assert _metric_values(at)[-1] == fmt_value(100.0, "percent", "en")


def test_a_trend_target_can_be_changed(monkeypatch, _shared_copies):
    """A `decrease` target can be moved to `maintain` / `increase`; the area follows the rules."""
    plan = _plan()
    url = _shared_copies["sqlite"]
    ind = next(i for i in plan.indicators if i.targets.get(YEAR) and i.targets[YEAR].op == "decrease")
    progress = compute_progress(db.get_engine(url), plan, YEAR, PERIOD)
    area = progress.row(ind.id)
    flow = accumulates_over_year(ind, plan.data_elements)
    at = run_app(monkeypatch, url, page="whatif", year=str(YEAR), period=PERIOD, indicator=ind.id)
    control = at.segmented_control(key=target_key(ind.id, YEAR))
    assert control.value == "decrease"
    for word in ("increase", "maintain"):
        moved = replace(ind, targets={**ind.targets, YEAR: Target(word, None, word)})
        expected = evaluate(moved, YEAR, PERIOD, area.value, area.previous_value, flow).status
        at.segmented_control(key=target_key(ind.id, YEAR)).set_value(word).run()
        assert not at.exception
        text = all_text(at)
        if expected == area.status:
            assert (
                t("whatif_verdict_same", "vi", area=progress.area.full_name, status=status_label(expected, "vi"))
                in text
            )
        else:
            assert status_label(expected, "vi") in text and status_label(area.status, "vi") in text


def test_a_year_without_figures_says_so(monkeypatch, _shared_copies, tmp_path):
    """A plan year nobody has reported yet: a plain sentence, no cards, no traceback."""
    text = (REPO / "targets.yaml").read_text(encoding="utf-8")
    assert "years: [2024, 2025]" in text
    targets = tmp_path / "targets.yaml"
    targets.write_text(text.replace("years: [2024, 2025]", "years: [2019, 2024, 2025]"), encoding="utf-8")
    monkeypatch.setenv("TARGETS_FILE", str(targets))
    at = run_app(monkeypatch, _shared_copies["sqlite"], page="whatif", year="2019", indicator="cfc_rate")
    shown = all_text(at)
    assert t("whatif_target_none", "vi", year=2019) in shown
    assert t("whatif_no_figures", "vi", period=t("period_FY", "vi"), year=2019, area="Huyện Sơn Động") in shown
    assert not at.metric


def test_every_indicator_of_the_plan_can_be_simulated_in_h1(monkeypatch, _shared_copies):
    """H1 2025 (An Lạc has not reported, An Bá only in part): each indicator, with every
    commune assumed to meet it, renders without error and says what it assumed."""
    plan = _plan()
    at = run_app(monkeypatch, _shared_copies["sqlite"], page="whatif", year="2025", period="H1")
    for ind in plan.indicators:
        at.selectbox(key="w_indicator").set_value(ind.id).run()
        assert not at.exception, ind.id
        off_track = t("whatif_pick_off_track", "vi")
        next(b for b in at.button if b.label == off_track).click().run()
        assert not at.exception, ind.id
        assert "Mô phỏng — không ghi vào cơ sở dữ liệu" in all_text(at)


def test_the_value_beside_its_status_has_the_decimals_that_show_why(monkeypatch, _both_samples_copies):
    """New Bắc Ninh, 2026 H1: the area's share of children in special circumstances is just
    under its "< 2 %" target. Written "2,0 %" beside "Đạt" it reads as a mistake; the
    card shows as many decimals as tell it from the target (as the other pages do)."""
    from rules.scorecard import decimals_needed

    url = _both_samples_copies["sqlite"]
    plan = load_plan(REPO / "sample_data" / "plans" / "bac_ninh_2026.yaml")
    ind = plan.indicators[0]
    target = ind.targets[2026]
    from data_access.progress import resolve_plan_area

    area = resolve_plan_area(db.get_engine(url), plan)
    progress = compute_progress(db.get_engine(url), plan, 2026, "H1", area.code)
    value = progress.row(ind.id, progress.area.code).value
    assert round(value, 1) == target.number != value  # the story: one decimal would print the target

    at = run_app(monkeypatch, url, page="whatif", timeout=240, plan="bac_ninh_2026", year="2026", period="H1")
    shown = at.metric[0].value
    assert shown == fmt_value(value, ind.unit, "vi", decimals=decimals_needed(value, target.number))
    assert shown != fmt_value(target.number, ind.unit, "vi")
