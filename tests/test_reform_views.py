"""Across the 2025 reform wherever a view reads a period: the new Bắc Ninh province (code
24 since 01/07/2025; until 30/06/2025 code 24 was old Bắc Giang) viewed for a period
before it existed, the projector's trend, the quality page's other period, and the
commune lists of the data pages.

Both samples in one database (as `./run.sh` has them). Expected numbers are summed here
from the sample's CSV files and lineage, never read back from the page.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from datetime import date

import pyarrow as pa
import pytest
import streamlit as st
from sqlalchemy import select, update

from data_access import access, db
from data_access.access import SYSTEM
from data_access.models import DataValue, OrgUnit
from data_access.seed import BAC_NINH_DIR, SAMPLE_DIR
from data_access.targets import load_plan
from tests.apptest_util import REPO, all_text, run_app

BAC_NINH_PLAN = REPO / "sample_data" / "plans" / "bac_ninh_2026.yaml"
SON_DONG_PLAN = REPO / "targets.yaml"


def _csv(path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _old_figures(year: int, period: str) -> dict[str, dict[str, float]]:
    """The old units' figures of a period before the reform, from both samples."""
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for path in (SAMPLE_DIR / "data_values.csv", BAC_NINH_DIR / "data_values.csv"):
        for r in _csv(path):
            if int(r["year"]) == year and r["period"] == period:
                out[r["commune_code"]][r["data_element"]] = float(r["value"])
    return out


def _lineage() -> dict[str, list[tuple[str, float]]]:
    """New commune -> [(old code, share)]."""
    out: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for r in _csv(BAC_NINH_DIR / "lineage.csv"):
        out[r["new_code"]].append((r["old_code"], float(r["share"])))
    return out


def _new_communes() -> dict[str, str]:
    return {
        r["code"]: r["full_name"]
        for r in _csv(BAC_NINH_DIR / "org_units.csv")
        if r["valid_from"] == "2025-07-01" and r["level"] == "commune"
    }


def _carried(code: str, element: str, old: dict[str, dict[str, float]]) -> float | None:
    """A new commune's figure summed from its old communes (times their shares); None
    unless every one of them reported it (a partial sum would look like a fall)."""
    parts = _lineage()[code]
    if not all(element in old.get(o, {}) for o, _ in parts):
        return None
    return sum(old[o][element] * s for o, s in parts)


def _old_bac_giang_communes() -> set[str]:
    """The communes of old Bắc Giang (province 24 until 30/06/2025), through their districts."""
    units = _csv(BAC_NINH_DIR / "org_units.csv")
    districts = {r["code"] for r in units if r["parent_code"] == "24" and r["valid_to"] == "2025-06-30"}
    return {r["code"] for r in units if r["level"] == "commune" and r["parent_code"] in districts}


# --------------------------------------------------------------------------- the new province, before it existed


@pytest.mark.parametrize("year, period", [(2025, "H1"), (2024, "FY")])
def test_the_new_province_before_1_july_2025_is_its_99_communes_with_their_predecessors_figures(
    both_samples_url, year, period
):
    engine = db.get_engine(both_samples_url)
    plan = load_plan(BAC_NINH_PLAN)
    progress = access.compute_progress(engine, None, plan, year, period)  # the plan's own area
    new = _new_communes()
    # Never old Bắc Giang (198 communes) under the new name: the new province, said so.
    assert (progress.area.code, progress.area.full_name) == ("24", "Tỉnh Bắc Ninh")
    assert progress.began_on == date(2025, 7, 1)
    assert {c.code: c.full_name for c in progress.communes} == new
    old = _old_figures(year, period)
    checked = 0
    for code in new:
        expected = _carried(code, "children_total", old)
        if expected is None:  # an old commune did not report: no partial sum
            assert "children_total" not in progress.figures.get(code, {})
            continue
        assert progress.figures[code]["children_total"] == pytest.approx(expected)
        assert {p.code for p in progress.carried_now[code]} == {o for o, _ in _lineage()[code]}
        checked += 1
    assert checked >= 98
    # The province's count: every old commune of both old provinces, not Bắc Giang's alone.
    ind = next(i for i in plan.indicators if i.numerator == "injury_cases" and i.denominator == "children_total")
    both = [c for c in new if _carried(c, "injury_cases", old) is not None and _carried(c, "children_total", old)]
    total = sum(_carried(c, "injury_cases", old) for c in both)
    assert progress.row(ind.id).numerator == pytest.approx(total)
    bac_giang = sum(v["injury_cases"] for c, v in old.items() if c in _old_bac_giang_communes())
    assert total > bac_giang > 0
    # The year before is carried the same way.
    before = _old_figures(year - 1, period)
    code = max(new, key=lambda c: len(_lineage()[c]))
    assert progress.previous_figures[code]["children_total"] == pytest.approx(_carried(code, "children_total", before))


def test_the_cli_area_code_still_means_that_years_unit(both_samples_url):
    """`progress --area 24 --year 2024` asks for the unit 24 of 2024's tree: old Bắc Giang."""
    engine = db.get_engine(both_samples_url)
    progress = access.compute_progress(engine, None, load_plan(BAC_NINH_PLAN), 2024, "FY", "24")
    assert progress.area.full_name == "Tỉnh Bắc Giang"
    assert {c.code for c in progress.communes} == _old_bac_giang_communes()


@pytest.mark.parametrize("area_code", [None, "24"])
@pytest.mark.parametrize("year, period", [(2026, "H1"), (2025, "FY")])
def test_a_2024_plan_of_old_bac_giang_viewed_later_shows_the_communes_that_took_it_over(
    both_samples_url, tmp_path, area_code, year, period
):
    """places.md: an area that no longer exists on the viewed day stands for the communes
    that took over its communes (and the page says so: `ended_on`). Its code 24 is today's
    Bắc Ninh, and its name a ward's (Phường Bắc Giang): neither is what the plan meant."""
    from data_access.progress import compute_progress, view_day

    text = (REPO / "sample_data" / "plans" / "thang_2024.yaml").read_text(encoding="utf-8")
    path = tmp_path / "bac_giang_2024.yaml"
    path.write_text(re.sub(r"(?m)^  area: .*$", '  area: "Bắc Giang"', text), encoding="utf-8")
    plan = load_plan(path)
    engine = db.get_engine(both_samples_url)
    progress = compute_progress(engine, plan, year, period, area_code, on=view_day(engine, plan, year, period))
    old = _old_bac_giang_communes()
    took_over = {new for new, parts in _lineage().items() if any(o in old for o, _ in parts)}
    assert (progress.area.code, progress.area.full_name) == ("24", "Tỉnh Bắc Giang")
    assert progress.ended_on == date(2025, 6, 30)
    assert {c.code for c in progress.communes} == took_over
    assert 0 < len(took_over) < len(_new_communes())  # not the whole new province


def test_the_trend_of_that_plan_is_the_history_of_the_communes_that_took_it_over(both_samples_url, tmp_path):
    """Its trend and commune history read like its progress: the new communes that took
    over old Bắc Giang's communes, their earlier years carried; read by code alone they
    would be today's Bắc Ninh (99 communes), which reused 24."""
    from data_access.progress import history_across_reform, plan_area_on

    text = (REPO / "sample_data" / "plans" / "thang_2024.yaml").read_text(encoding="utf-8")
    path = tmp_path / "bac_giang_2024.yaml"
    path.write_text(re.sub(r"(?m)^  area: .*$", '  area: "Bắc Giang"', text), encoding="utf-8")
    engine = db.get_engine(both_samples_url)
    unit, meant = plan_area_on(engine, load_plan(path))
    assert unit.code == "24" and meant is not None and meant < date(2025, 7, 1)
    old = _old_bac_giang_communes()
    took_over = {new for new, parts in _lineage().items() if any(o in old for o, _ in parts)}
    periods = [(2024, "H1"), (2026, "H1")]
    day = date(2026, 6, 30)
    carried = history_across_reform(engine, "24", periods, ["injury_cases"], on=day, meant_on=meant)
    assert set(carried.figures[(2026, "H1")]) <= took_over
    assert set(carried.figures[(2024, "H1")]) <= took_over
    assert len(carried.figures[(2026, "H1")]) > len(took_over) // 2
    by_code = history_across_reform(engine, "24", periods, ["injury_cases"], on=day)
    assert len(by_code.figures[(2026, "H1")]) > len(took_over)  # today's whole province


@pytest.fixture
def sqlite_both(_both_samples_copies) -> str:
    return _both_samples_copies["sqlite"]


def test_the_overview_says_the_province_did_not_exist_yet_and_adds_up_its_old_communes(monkeypatch, sqlite_both):
    at = run_app(monkeypatch, sqlite_both, plan="bac_ninh_2026", year="2025", period="H1", timeout=180)
    said = [i.value for i in at.info if "chưa có trước" in i.value]
    assert said, all_text(at)
    assert said[0].startswith("Tỉnh Bắc Ninh chưa có trước 01/07/2025")
    assert "số liệu 6 tháng đầu năm 2025 của 99 xã, phường là cộng từ" in said[0]
    assert "Tỉnh Bắc Giang" not in all_text(at)
    # "2025: số liệu của … mới cộng từ … cũ": the period itself is carried, and said so.
    assert any(c.value.startswith(":material/merge_type: 2025: số liệu của") for c in at.caption)


# --------------------------------------------------------------------------- the projector's trend


def _bars(at) -> list[dict[str, float]]:
    """Each trend chart's bars: year -> value (from the data the chart was sent)."""
    out = []
    for chart in at.get("vega_lite_chart"):
        table = pa.ipc.open_stream(io.BytesIO(chart.proto.datasets[0].data.data)).read_all()
        out.append(dict(zip(table.column("year").to_pylist(), table.column("value").to_pylist(), strict=True)))
    return out


def test_the_projector_trend_of_2026_adds_up_the_predecessors_for_every_earlier_year(monkeypatch, sqlite_both):
    at = run_app(
        monkeypatch, sqlite_both, page="projector", plan="bac_ninh_2026", year="2026", period="H1", slide="4",
        play="0", timeout=240,
    )
    injuries = next(b for b in _bars(at) if float(b.get("2026", 0)) > 100)  # the drowning chart is smaller
    new = _new_communes()
    for year in range(2020, 2026):
        old = _old_figures(year, "H1")
        both = [c for c in new if _carried(c, "injury_cases", old) is not None and _carried(c, "children_total", old)]
        expected = sum(_carried(c, "injury_cases", old) for c in both)
        assert injuries[str(year)] == pytest.approx(expected), year
    # 2024: not old Bắc Giang's communes alone, whose code the new province reused.
    old = _old_figures(2024, "H1")
    assert injuries["2024"] > sum(v["injury_cases"] for c, v in old.items() if c in _old_bac_giang_communes())
    # The sentence under the chart compares 2026 with 2025's carried figure.
    diff = injuries["2026"] - injuries["2025"]
    word = "giảm" if diff < 0 else "tăng"
    assert re.search(rf"{word} {abs(int(diff))} so với năm 2025", all_text(at).replace(".", "")), all_text(at)


# --------------------------------------------------------------------------- quality: the other period


def _outside_a_page(monkeypatch, url: str, plan_path) -> None:
    """`ui.data` called as a page would, without a Streamlit run: this plan, the operator."""
    from ui import auth

    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("TARGETS_FILE", str(plan_path))
    monkeypatch.setenv("RESULTS_CACHE_DIR", "off")
    monkeypatch.setattr(auth, "scope", lambda: SYSTEM)
    st.cache_data.clear()
    st.cache_resource.clear()


def _quality(monkeypatch, url: str, plan_path, year: int, period: str, area: str):
    from ui import data

    _outside_a_page(monkeypatch, url, plan_path)
    years = list(range(2020, year + 1))
    found, findings = data.quality(url, area, year, period, years)
    assert found
    return [f for f in findings if f.kind == "flow" and f.commune_code == "07615" and f.elements == ("injury_cases",)]


def test_quality_compares_a_new_communes_full_year_with_its_old_communes_first_half(monkeypatch, both_samples_copy):
    """Xã Sơn Động (07615 from 01/07/2025) reports 2025 FY; its 2025 H1 was reported by its
    old communes, Thị trấn An Châu (the old 07615) among them. FY below their H1 summed is
    an error with the summed figure; FY below An Châu's H1 alone, in the old era's view, is
    no error at all: An Châu has no full year of its own."""
    engine = db.get_engine(both_samples_copy)
    h1 = _carried("07615", "injury_cases", _old_figures(2025, "H1"))
    an_chau = _old_figures(2025, "H1")["07615"]["injury_cases"]
    assert h1 > an_chau > 1
    fy = an_chau - 1  # below both
    xa_son_dong = select(OrgUnit.id).where(OrgUnit.code == "07615", OrgUnit.valid_from == date(2025, 7, 1))
    with engine.begin() as conn:  # a correction of the full-year report, as an import would write it
        changed = conn.execute(
            update(DataValue)
            .where(
                DataValue.org_unit_id == xa_son_dong.scalar_subquery(),
                DataValue.year == 2025,
                DataValue.period == "FY",
                DataValue.data_element_id == "injury_cases",
            )
            .values(value=fy)
        ).rowcount
    assert changed == 1

    found = _quality(monkeypatch, both_samples_copy, BAC_NINH_PLAN, 2025, "FY", "24")
    assert [(f.values, f.year, f.period) for f in found] == [((h1, fy), 2025, "FY")]
    # The Sơn Động plan viewed for 2025 H1: the district's old communes, An Châu one of them.
    assert _quality(monkeypatch, both_samples_copy, SON_DONG_PLAN, 2025, "H1", "220") == []


# --------------------------------------------------------------------------- commune lists of one era


@pytest.mark.parametrize("year, period", [("2024", "FY"), ("2026", "H1")])
def test_the_import_page_counts_the_communes_that_report_that_period(monkeypatch, sqlite_both, year, period):
    # 2024: the old communes of both old provinces report (every new commune's predecessors,
    # old Bắc Ninh's too, not old Bắc Giang's alone); 2026: the 99 new ones.
    olds = {o for parts in _lineage().values() for o, _ in parts}
    n = len(olds) if year == "2024" else len(_new_communes())
    assert len(olds) > len(_old_bac_giang_communes())
    at = run_app(monkeypatch, sqlite_both, page="import", plan="bac_ninh_2026", year=year, period=period, timeout=180)
    caption = next(c.value for c in at.caption if c.value.startswith("Mẫu Excel"))
    assert f"Tỉnh Bắc Ninh: {n} " in caption, caption


def test_the_follow_up_places_are_those_of_the_viewed_period(monkeypatch, both_samples_url):
    """A direction is given to a place of the view: the Sơn Động plan for 2024 lists the
    district's 17 old communes (Thị trấn An Châu among them), for 2026 the new communes
    that took them over (Xã Sơn Động, not An Châu, under 07615)."""
    from data_access.queries import org_unit
    from ui import followup_view
    from ui.frame import PageContext

    _outside_a_page(monkeypatch, both_samples_url, SON_DONG_PLAN)
    engine = db.get_engine(both_samples_url)
    plan = load_plan(SON_DONG_PLAN)
    area = org_unit(engine, "220", date(2024, 12, 31))
    old = [r for r in _csv(SAMPLE_DIR / "org_units.csv") if r["parent_code"] == "220"]
    old_codes = {r["code"] for r in old}
    successors = {n for n, parts in _lineage().items() if old_codes & {o for o, _ in parts}}
    for year, period, expected in (
        (2024, "FY", {r["code"]: r["full_name"] for r in old}),
        (2026, "H1", {c: name for c, name in _new_communes().items() if c in successors}),
    ):
        ctx = PageContext("vi", year, period, year - 1, area, plan, both_samples_url, "followup")
        places = followup_view.places(ctx)
        assert places[0] == area
        assert {p.code: p.full_name for p in places[1:]} == expected, year
    assert expected["07615"] == "Xã Sơn Động" and len(old) == 17


def test_the_map_of_2025_h1_draws_the_new_communes_whose_figures_it_shows(monkeypatch, sqlite_both):
    at = run_app(monkeypatch, sqlite_both, page="map", plan="bac_ninh_2026", year="2025", period="H1", timeout=180)
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    communes = next(layer for layer in deck["layers"] if layer["id"] == "communes")["data"]
    assert {c["code"] for c in communes} == set(_new_communes())  # not old Bắc Giang's 198


def test_the_reports_read_the_year_before_and_the_trend_on_the_new_provinces_communes(both_samples_url):
    """`export-report` of the 2026 plan: the same period a year earlier (2025 H1) is the
    new province's 99 communes carried, not old Bắc Giang; a 2025 H1 report's trend too."""
    from data_access.exports import load_inputs

    engine = db.get_engine(both_samples_url)
    plan = load_plan(BAC_NINH_PLAN)
    new = set(_new_communes())
    inputs = load_inputs(engine, plan, 2026, "H1")
    assert inputs.previous is not None
    assert inputs.previous.area.full_name == "Tỉnh Bắc Ninh" and {c.code for c in inputs.previous.communes} == new
    earlier = load_inputs(engine, plan, 2025, "H1")
    assert earlier.progress.began_on == date(2025, 7, 1)
    old = _old_figures(2023, "H1")
    code = max(new, key=lambda c: len(_lineage()[c]))
    assert set(earlier.history[(2023, "H1")]) <= new
    assert earlier.history[(2023, "H1")][code]["children_total"] == pytest.approx(_carried(code, "children_total", old))


def test_the_completeness_page_says_who_reported_a_period_before_the_province_began(monkeypatch, sqlite_both):
    """2025 H1 of the new Bắc Ninh was reported by the old communes, whose codes and paths
    the new ones reuse: counted under the new communes, old Bắc Giang's reports made 58 new
    communes 'complete' and 41 'overdue'. The page says who reported it, out of the tables."""
    plan = load_plan(BAC_NINH_PLAN)
    elements = set(plan.used_data_elements())
    old = {r["old_code"] for r in _csv(BAC_NINH_DIR / "lineage.csv")}
    figures = _old_figures(2025, "H1")
    complete = sum(1 for code in old if elements <= set(figures.get(code, {})))

    at = run_app(monkeypatch, sqlite_both, page="completeness", plan="bac_ninh_2026", year="2026", period="H1", timeout=240)
    notes = [box.value for box in at.info if "trước khi" in box.value]
    assert len(notes) == 1 and notes[0].startswith("**6 tháng đầu năm 2025**"), notes
    assert f"**{len(old)}**" in notes[0] and f"{complete} đủ, {len(old) - complete} chưa đủ" in notes[0], notes[0]
    summary = at.dataframe[0].value
    assert "6 tháng đầu năm 2025" not in summary.iloc[:, 0].tolist()
    assert set(summary.iloc[:, -1]) == {str(len(_new_communes()))}


# --------------------------------------------------------------------------- the area picker



@pytest.mark.parametrize(("year", "named", "gone"), [("2024", "Tỉnh Bắc Giang", "Tỉnh Bắc Ninh (24)"), ("2025", "Tỉnh Bắc Ninh (24)", "Tỉnh Bắc Giang")])
def test_the_area_picker_names_code_24_by_the_unit_of_the_year_viewed(monkeypatch, sqlite_both, year, named, gone):
    """Code 24 was Tỉnh Bắc Giang until 30/06/2025; today's Tỉnh Bắc Ninh reuses it. The
    2024 view of the Sơn Động plan offers "Tỉnh Bắc Giang"; the 2025 FY view offers the new
    province, told apart from the old Tỉnh Bắc Ninh (27) by its code."""
    at = run_app(monkeypatch, sqlite_both, plan="targets", year=year, period="FY", timeout=180)
    labels = list(at.sidebar.selectbox(key="w_area").options)
    assert named in labels, labels
    assert gone not in labels, labels
