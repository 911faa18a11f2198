"""A district abolished on 1 July 2025, viewed for a later period (the Sơn Động 2024–2025
plan's final report, 2025 FY), on both samples in one database (as `./run.sh` has them).

Before: the plan's "Sơn Động" was looked up on 31/12/2025, found today's Xã Sơn Động
and showed one commune as if it were the district. Now the district stands for the new
communes that took its communes over (from the lineage file, read by the test itself);
their 2024 figures are their predecessors' summed; the page says so.
"""

from __future__ import annotations

import csv
from datetime import date

from data_access import db, queries
from data_access.progress import compute_progress, resolve_plan_area
from data_access.targets import load_plan
from tests.apptest_util import all_text, run_app
from tests.conftest import REPO

PLAN = load_plan(REPO / "targets.yaml")
LINEAGE = REPO / "sample_data" / "bac_ninh_2026" / "lineage.csv"
OLD_UNITS = REPO / "sample_data" / "org_units.csv"


def _old_son_dong_codes() -> set[str]:
    with OLD_UNITS.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    district = next(r["code"] for r in rows if r["level"] == "district" and r["name"] == "Sơn Động")
    return {r["code"] for r in rows if r["level"] == "commune" and r["parent_code"] == district}


def _successors() -> dict[str, set[str]]:
    old = _old_son_dong_codes()
    out: dict[str, set[str]] = {}
    with LINEAGE.open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["old_code"] in old:
                out.setdefault(r["new_code"], set()).add(r["old_code"])
    return out


def test_the_2024_plan_at_2025_fy_is_the_district_standing_for_its_new_communes(both_samples_url):
    engine = db.get_engine(both_samples_url)
    area = resolve_plan_area(engine, PLAN)
    assert (area.full_name, area.level) == ("Huyện Sơn Động", "district")
    progress = compute_progress(engine, PLAN, 2025, "FY", area.code)
    successors = _successors()
    assert progress.area.full_name == "Huyện Sơn Động"
    assert {c.code for c in progress.communes} == set(successors)
    assert progress.ended_on == date(2025, 6, 30)
    assert progress.communes_reported > 0
    # A new commune's 2024 figure is its old communes' 2024 figures added up.
    code, olds = max(successors.items(), key=lambda kv: len(kv[1]))
    before = queries.figures_for_codes(engine, sorted(olds), [(2024, "FY")], ["children_total"])[(2024, "FY")]
    expected = sum(before[c]["children_total"] for c in olds if "children_total" in before.get(c, {}))
    assert progress.previous_figures[code]["children_total"] == expected
    assert {p.code for p in progress.carried_from[code]} == olds
    # 2024 is still the district of its 17 old communes.
    then = compute_progress(engine, PLAN, 2024, "FY", area.code)
    assert {c.code for c in then.communes} == _old_son_dong_codes() and then.ended_on is None


def test_a_2025_district_plan_is_the_district_even_where_a_new_commune_has_its_name(both_samples_url):
    engine = db.get_engine(both_samples_url)
    chi_lang = load_plan(REPO / "sample_data" / "plans" / "chi_lang_2025.yaml")
    assert resolve_plan_area(engine, chi_lang).level == "district"
    bac_ninh = load_plan(REPO / "sample_data" / "plans" / "bac_ninh_2026.yaml")
    area = resolve_plan_area(engine, bac_ninh)
    assert area.level == "province" and len(queries.communes_in(engine, area.code, on=date(2026, 6, 30))) == 99


def test_the_overview_says_the_district_was_replaced_and_by_whom(monkeypatch, _both_samples_copies):
    at = run_app(monkeypatch, _both_samples_copies["sqlite"], plan="targets", year="2025", period="FY", timeout=120)
    text = all_text(at)
    assert "Huyện Sơn Động không còn từ 01/07/2025" in text
    assert "Xã Sơn Động" in text and "Thị trấn An Châu" not in [s.value for s in at.selectbox]
