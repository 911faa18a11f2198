"""The post-reform sample (new Bắc Ninh, 99 communes) beside the 2024 districts, and
several plans in one deployment.

Expected numbers are computed here from the sample's own CSV files (sample_data/ and
sample_data/bac_ninh_2026/), never copied from the output: a figure that the seed puts
on the wrong unit, or a carried value that is not the sum of the old communes, fails.
"""

from __future__ import annotations

import csv
import time
from collections import defaultdict
from datetime import date

import pytest
from sqlalchemy import func, select

from data_access import db, migrations, queries
from data_access.models import DataValue, OrgUnit
from data_access.progress import compute_progress
from data_access.seed import BAC_NINH_DIR, SAMPLE_DIR, seed_sample, seed_samples
from data_access.targets import check_area, load_plan
from tests.access_util import make_user, open_page_as
from tests.apptest_util import REPO, all_text, run_app
from ui.frame import PAGES

BAC_NINH_PLAN = REPO / "sample_data" / "plans" / "bac_ninh_2026.yaml"
COMMUNE_PLAN = REPO / "sample_data" / "plans" / "xa_son_dong_2026.yaml"


def _csv(path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _figures(path, year: int, period: str) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for r in _csv(path):
        if int(r["year"]) == year and r["period"] == period:
            out[r["commune_code"]][r["data_element"]] = float(r["value"])
    return out


def _new_units() -> dict[str, dict[str, str]]:
    return {r["code"]: r for r in _csv(BAC_NINH_DIR / "org_units.csv") if r["valid_from"] == "2025-07-01"}


def _predecessors() -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for r in _csv(BAC_NINH_DIR / "lineage.csv"):
        out[r["new_code"]].append(r["old_code"])
    return out


def test_99_new_communes_each_get_a_progress_row_for_2026_h1(both_samples_url):
    engine = db.get_engine(both_samples_url)
    plan = load_plan(BAC_NINH_PLAN)
    progress = compute_progress(engine, plan, 2026, "H1")
    new = {c: r for c, r in _new_units().items() if r["level"] == "commune"}
    assert progress.area.full_name == "Tỉnh Bắc Ninh" and len(new) == 99
    assert {c.code for c in progress.communes} == set(new)
    assert {c.full_name for c in progress.communes} == {r["full_name"] for r in new.values()}
    rows_by_commune = defaultdict(set)
    for row in progress.rows:
        rows_by_commune[row.area_code].add(row.indicator_id)
    assert all(rows_by_commune[c] == {i.id for i in plan.indicators} for c in new)
    # The commune that has not reported 2026 H1 is there too, with no data.
    reported = set(_figures(BAC_NINH_DIR / "data_values.csv", 2026, "H1"))
    silent = sorted(set(new) - reported)
    assert len(silent) == 1
    statuses = {r.status for r in progress.rows if r.area_code == silent[0]}
    assert "no_data" in statuses and statuses <= {"no_data", "no_target"}  # no_target: area-only targets


@pytest.mark.parametrize(
    "code",
    ["07615", "09187"],  # Xã Sơn Động (old-sample communes), Phường Kinh Bắc (6 old wards of Bắc Ninh)
)
def test_a_new_communes_2024_value_is_summed_from_its_predecessors(both_samples_url, code):
    engine = db.get_engine(both_samples_url)
    plan = load_plan(BAC_NINH_PLAN)
    progress = compute_progress(engine, plan, 2025, "FY")
    old = _figures(SAMPLE_DIR / "data_values.csv", 2024, "FY")
    old.update(_figures(BAC_NINH_DIR / "data_values.csv", 2024, "FY"))
    preds = _predecessors()[code]
    assert len(preds) >= 3
    cases = sum(old[p]["injury_cases"] for p in preds)
    children = sum(old[p]["children_total"] for p in preds)
    row = next(r for r in progress.rows if r.area_code == code and r.indicator_id == "injury_rate")
    assert row.previous_value == pytest.approx(cases / children * 1000)
    # ... and not the old unit that had the same code (07615 was only Thị trấn An Châu).
    if code in old:
        alone = old[code]["injury_cases"] / old[code]["children_total"] * 1000
        assert row.previous_value != pytest.approx(alone)


def test_07615_is_an_chau_in_2024_and_xa_son_dong_in_2026(both_samples_url):
    engine = db.get_engine(both_samples_url)
    assert queries.org_unit(engine, "07615", date(2024, 12, 31)).full_name == "Thị trấn An Châu"
    assert queries.org_unit(engine, "07615", date(2026, 6, 30)).full_name == "Xã Sơn Động"
    got = queries.figures_in_area(engine, "07615", [(2024, "FY")], ["children_total"], on=date(2024, 12, 31))
    want = _figures(SAMPLE_DIR / "data_values.csv", 2024, "FY")["07615"]["children_total"]
    assert got[(2024, "FY")]["07615"]["children_total"] == want
    got = queries.figures_in_area(engine, "07615", [(2026, "H1")], ["children_total"], on=date(2026, 6, 30))
    want = _figures(BAC_NINH_DIR / "data_values.csv", 2026, "H1")["07615"]["children_total"]
    assert got[(2026, "H1")]["07615"]["children_total"] == want
    commune_plan = load_plan(COMMUNE_PLAN)
    progress = compute_progress(engine, commune_plan, 2026, "H1")
    assert [c.full_name for c in progress.communes] == ["Xã Sơn Động"]


def test_the_old_samples_figures_and_views_are_unchanged(both_samples_url, seeded_url):
    both, alone = db.get_engine(both_samples_url), db.get_engine(seeded_url)

    def stored(engine) -> set[tuple]:
        with engine.connect() as conn:
            return set(
                conn.execute(
                    select(
                        OrgUnit.code,
                        OrgUnit.full_name,
                        DataValue.year,
                        DataValue.period,
                        DataValue.data_element_id,
                        DataValue.value,
                    )
                    .join(OrgUnit, OrgUnit.id == DataValue.org_unit_id)
                    .where(DataValue.source == "sample_data/data_values.csv")
                ).all()
            )

    old_rows = stored(alone)
    assert len(old_rows) == len(_csv(SAMPLE_DIR / "data_values.csv"))
    assert stored(both) == old_rows  # every figure, on the unit of the same name
    plan = load_plan(REPO / "targets.yaml")
    for year, period in ((2024, "FY"), (2025, "H1")):
        a, b = compute_progress(alone, plan, year, period), compute_progress(both, plan, year, period)
        assert [c.code for c in b.communes] == [c.code for c in a.communes] and len(a.communes) == 17
        assert [(r.area_code, r.indicator_id, r.value, r.previous_value, r.status) for r in b.rows] == [
            (r.area_code, r.indicator_id, r.value, r.previous_value, r.status) for r in a.rows
        ]


def test_seeding_both_samples_is_safe_to_repeat_and_adds_no_unit_twice(empty_url):
    engine = db.get_engine(empty_url)
    migrations.upgrade(engine)
    started = time.perf_counter()
    first = seed_samples(engine)
    seconds = time.perf_counter() - started
    figures = len(_csv(SAMPLE_DIR / "data_values.csv")) + len(_csv(BAC_NINH_DIR / "data_values.csv"))
    assert first.values_added == figures
    with engine.connect() as conn:
        units = conn.execute(select(OrgUnit.code, OrgUnit.valid_from)).all()
    expected = {(r["code"], r["valid_from"]) for r in _csv(SAMPLE_DIR / "org_units.csv")}
    expected |= {(r["code"], r["valid_from"]) for r in _csv(BAC_NINH_DIR / "org_units.csv")}
    assert len(units) == len(expected)  # the old sample's 45 units of Bắc Giang are not added again
    again = seed_samples(engine)
    seed_sample(engine)  # the old seed alone, after the new one: renames nothing, reopens nothing
    assert (again.values_added, again.values_kept) == (0, figures)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(OrgUnit)).scalar() == len(units)
        names = dict(conn.execute(select(OrgUnit.valid_to, OrgUnit.full_name).where(OrgUnit.code == "07615")).all())
    assert names == {date(2025, 6, 30): "Thị trấn An Châu", None: "Xã Sơn Động"}
    assert seconds < 60, seconds  # measured: about 6 s on SQLite on a busy 2-core machine


def test_both_sample_plans_load_and_their_areas_exist(both_samples_url):
    units = queries.list_org_units(db.get_engine(both_samples_url), date(2026, 12, 31))
    for path in (BAC_NINH_PLAN, COMMUNE_PLAN):
        plan = load_plan(path)
        assert check_area(plan, units) == [], path
    plan = load_plan(BAC_NINH_PLAN)
    assert (plan.issued_by, tuple(plan.years)) == ("Sở Y tế tỉnh Bắc Ninh", (2025, 2026))


# --------------------------------------------------------------------------- the app


@pytest.fixture
def sqlite_both(_both_samples_copies) -> str:
    return _both_samples_copies["sqlite"]


@pytest.mark.parametrize("page", [p.key for p in PAGES])
def test_every_page_renders_the_2026_bac_ninh_plan(monkeypatch, sqlite_both, page):
    at = run_app(monkeypatch, sqlite_both, page=page, plan="bac_ninh_2026", year="2026", period="H1", timeout=180)
    text = all_text(at)
    # No 2024 unit in a 2026 view, except where the page says whose figures were added up
    # ("cộng từ …": the old units listed beside the new commune that took them over).
    selects = " ".join(str(o) for s in at.selectbox for o in s.options)
    assert "Thị trấn An Châu" not in selects
    named_alone = [line for line in text.splitlines() if "Thị trấn An Châu" in line and "," not in line]
    assert not named_alone, named_alone
    new = [r for r in _new_units().values() if r["level"] == "commune"]
    shown = {r["code"] for r in new if r["full_name"] in text or r["name"] in text or r["code"] in selects}
    if page in ("overview", "map", "completeness"):  # a row per commune of the province
        assert len(shown) >= 90, (page, len(shown))
    elif page in ("commune", "indicator", "whatif"):
        assert shown, page
    elif page == "quality":  # names the communes with findings, or says there are none
        assert shown or "Không phát hiện vấn đề nào" in text, page


def test_today_opens_the_plan_of_this_year_and_the_menu_keeps_the_plan(monkeypatch, sqlite_both):
    monkeypatch.setattr("ui.frame.local_today", lambda: date(2026, 3, 1))
    at = run_app(monkeypatch, sqlite_both)
    assert at.selectbox(key="w_plan").value == "bac_ninh_2026"
    assert at.selectbox(key="w_area").value == "24"
    links = [el for el in at.main if getattr(el, "proto", None) is not None and hasattr(el.proto, "page")]
    assert links  # the menu
    assert all("plan=bac_ninh_2026" in el.proto.query_string for el in links if el.proto.query_string)
    # A plan chosen in the sidebar brings its own area; a link may open another plan.
    at.selectbox(key="w_plan").set_value("targets").run()
    assert not at.exception
    assert at.selectbox(key="w_area").value == "220"
    other = run_app(monkeypatch, sqlite_both, plan="targets", year="2024")
    assert other.selectbox(key="w_area").value == "220" and "17" in all_text(other)


def test_a_pinned_targets_file_offers_no_choice(monkeypatch, sqlite_both):
    monkeypatch.setenv("TARGETS_FILE", str(REPO / "targets.yaml"))
    at = run_app(monkeypatch, sqlite_both, plan="bac_ninh_2026")
    assert not [s for s in at.selectbox if s.key == "w_plan"]
    assert at.selectbox(key="w_area").value == "220"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_commune_viewer_gets_only_the_communes_plan(monkeypatch, both_samples_copy):
    make_user(both_samples_copy, "xa.sondong", [("07615", "viewer")])
    at = open_page_as(monkeypatch, both_samples_copy, "xa.sondong", "overview")
    assert not [s for s in at.selectbox if s.key == "w_plan"]  # one plan only: no choice
    assert "Xã Sơn Động" in all_text(at) and "Tỉnh Bắc Ninh" not in all_text(at)
    # The province's plan by URL: "không có quyền", nothing of it drawn.
    at = open_page_as(monkeypatch, both_samples_copy, "xa.sondong", "overview", plan="bac_ninh_2026")
    assert any("quyền" in e.value for e in at.error)
    assert "Tỉnh Bắc Ninh" not in all_text(at)
