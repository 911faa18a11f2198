"""`python -m data_access generate`: a synthetic country of any size, on both databases."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict

import pytest
from sqlalchemy import select

from data_access import db, queries
from data_access.generate import GenerateError, build_country, generate
from data_access.models import DataValue, ImportBatch, OrgUnit
from data_access.standard_elements import STANDARD_DATA_ELEMENTS
from data_access.targets import check_area, validate_plan_file
from tests.test_cli import cli

FLOWS = [k for k, de in STANDARD_DATA_ELEMENTS.items() if de.kind == "flow"]
NESTED = [  # a <= b in every report
    ("drowning_deaths", "injury_deaths"),
    ("injury_deaths", "injury_cases"),
    ("special_children_supported", "special_children"),
    ("special_children", "children_total"),
    ("abuse_cases_with_plan", "abuse_cases"),
    ("child_labour_supported", "child_labour_cases"),
    ("safe_home_households", "households_with_children"),
    ("safe_schools", "schools_total"),
    ("children_swim_safe", "children_6_15"),
    ("cp_staff_trained", "cp_staff_total"),
]
SHAPE = {"country": r"VN", "province": r"\d{2}", "district": r"\d{3}", "commune": r"\d{5}"}


@pytest.fixture
def generated(empty_url, tmp_path):
    engine = db.get_engine(empty_url)
    plan = tmp_path / "plan.yaml"
    result = generate(engine, 400, (2023, 2025), plan_path=plan)
    return engine, result, plan


def test_tree_has_the_communes_under_provinces_and_districts(generated):
    engine, result, _ = generated
    units = queries.list_org_units(engine)
    by_code = {u.code: u for u in units}
    assert len(by_code) == len(units)  # codes unique
    communes = [u for u in units if u.level == "commune"]
    assert len(communes) == 400 == result.communes
    for u in units:
        assert re.fullmatch(SHAPE[u.level], u.code), u
    for c in communes:  # commune → district → province → country
        district = by_code[c.parent_code]
        province = by_code[district.parent_code]
        assert (district.level, province.level) == ("district", "province")
        assert by_code[province.parent_code].level == "country"
        assert c.full_name.split()[0] in ("Xã", "Thị")
    assert any(ch in "ăâđêôơưáàảãạ" for ch in "".join(c.name.lower() for c in communes))
    assert 1 <= result.provinces <= result.districts < 400
    # every unit has a small closed polygon inside Viet Nam's bounding box
    for b in queries.boundaries_in(engine, "VN", "commune"):
        ring = b.geometry["coordinates"][0]
        assert 5 <= len(ring) <= 7 and ring[0] == ring[-1]
        assert all(102 <= x <= 110 and 8 <= y <= 24 for x, y in ring)


def test_every_standard_element_for_h1_and_fy_of_every_year(generated):
    engine, result, _ = generated
    with engine.connect() as conn:
        rows = conn.execute(
            select(OrgUnit.code, DataValue.data_element_id, DataValue.year, DataValue.period, DataValue.value).join(
                OrgUnit, OrgUnit.id == DataValue.org_unit_id
            )
        ).all()
        batches = conn.execute(select(ImportBatch.rows)).scalars().all()
    assert len(rows) == 400 * len(STANDARD_DATA_ELEMENTS) * 3 * 2 == result.values
    assert batches == [result.values]  # one import batch records the load
    figures: dict[tuple[str, int, str], dict[str, float]] = defaultdict(dict)
    for code, de, year, period, value in rows:
        figures[(code, year, period)][de] = value
    assert {k[1] for k in figures} == {2023, 2024, 2025} and {k[2] for k in figures} == {"H1", "FY"}
    for key, values in figures.items():
        assert set(values) == set(STANDARD_DATA_ELEMENTS), key
        assert all(v >= 0 and float(v).is_integer() for v in values.values()), key
        for de, element in STANDARD_DATA_ELEMENTS.items():
            if element.type == "yes_no":
                assert values[de] in (0, 1), (key, de)
        for a, b in NESTED:
            assert values[a] <= values[b], (key, a, b)
        if key[2] == "FY":
            h1 = figures[(key[0], key[1], "H1")]
            assert all(values[f] >= h1[f] for f in FLOWS), key
    # realistic magnitudes: 1,000–4,000 children a commune, drowning deaths rare
    children = [v["children_total"] for v in figures.values()]
    assert 900 <= min(children) and max(children) <= 4500
    drowning = [v["drowning_deaths"] for k, v in figures.items() if k[2] == "FY"]
    assert sum(1 for d in drowning if d == 0) > 0.6 * len(drowning)


def test_plan_file_validates_and_its_area_resolves(generated):
    engine, result, plan_path = generated
    validation = validate_plan_file(plan_path)
    assert validation.errors == [] and validation.plan is not None
    plan = validation.plan
    assert list(plan.years) == [2023, 2024, 2025]
    assert check_area(plan, queries.list_org_units(engine)) == []
    assert plan.area == result.plan_area
    used = set(plan.used_data_elements()) - {"communes"}
    assert used <= set(STANDARD_DATA_ELEMENTS)
    assert all(set(ind.targets) == {2023, 2024, 2025} for ind in plan.indicators)


def test_progress_runs_on_the_generated_data(empty_url, tmp_path):
    plan = tmp_path / "plan.yaml"
    result = cli("generate", "--communes", "30", "--years", "2024-2025", "--plan", str(plan), db_url=empty_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "30 xã" in result.stdout
    result = cli("progress", "--year", "2025", "--targets", str(plan), "--format", "csv", db_url=empty_url)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    communes = {r["area_code"] for r in rows if r["area_level"] == "commune"}
    assert len(communes) == 30
    area_rows = [r for r in rows if r["area_level"] != "commune"]
    assert area_rows and all(r["status"] != "no_data" for r in area_rows)


def test_refuses_a_database_that_is_not_empty_unless_replace(empty_url, tmp_path):
    engine = db.get_engine(empty_url)
    generate(engine, 20, (2025, 2025))
    with pytest.raises(GenerateError):
        generate(engine, 20, (2025, 2025))
    again = generate(engine, 25, (2024, 2025), replace=True)
    assert len(queries.communes_in(engine, "VN")) == 25 == again.communes
    result = cli("generate", "--communes", "5", "--years", "2025", "--plan", str(tmp_path / "p.yaml"), db_url=empty_url)
    assert result.returncode == 1 and "--replace" in result.stdout


def test_national_tree_shape_without_a_database():
    country = build_country(10_600)
    assert (country.provinces, len(country.communes)) == (63, 10_600)
    assert 650 <= country.districts <= 760
    assert country.plan_area().code == "VN"
    assert build_country(17).plan_area().level == "district"
    assert build_country(250).plan_area().level == "province"


def test_country_progress_has_a_pooled_row_per_province_that_protection_masks(generated):
    """The national overview shows provinces: each province's row is the plan evaluated
    with that province as the area, and small sensitive counts are hidden there too."""
    import math

    from data_access.progress import compute_progress
    from data_access.protect import load_tree_suppression, protect_progress

    engine, _result, plan_file = generated
    plan = validate_plan_file(plan_file).plan
    country = compute_progress(engine, plan, 2025, "FY", "VN")
    provinces = [u for u in queries.list_org_units(engine) if u.level == "province"]
    assert [p.code for p in country.parts] == sorted(p.code for p in provinces)
    assert len(country.part_rows) == len(provinces) * len(plan.indicators)
    for province in provinces:
        alone = compute_progress(engine, plan, 2025, "FY", province.code)
        for ind in plan.indicators:
            assert country.part_row(ind.id, province.code) == alone.row(ind.id)
    # A province's parts are its districts; a district's parts are its communes (none listed).
    province = compute_progress(engine, plan, 2025, "FY", provinces[0].code)
    assert province.parts and all(p.level == "district" for p in province.parts)
    district = compute_progress(engine, plan, 2025, "FY", province.parts[0].code)
    assert district.parts == () and district.part_rows == ()

    sensitive = ("drowning_deaths", "abuse_cases")
    now = load_tree_suppression(engine, 2025, "FY", sensitive)
    before = load_tree_suppression(engine, 2024, "FY", sensitive)
    masked = protect_progress(country, sensitive, now, before)
    hidden = 0
    for r in masked.part_rows:
        ind = plan.indicator(r.indicator_id)
        if ind.numerator in sensitive and now.kind((r.area_code, ind.numerator)):
            assert math.isnan(r.value) and str(r.value) in ("<5", "*"), (r.area_code, r.indicator_id)
            hidden += 1
        elif ind.numerator in sensitive and r.value is not None:
            assert r.value == country.part_row(r.indicator_id, r.area_code).value
    # Without a whole-tree decision the provinces cannot be checked: none is shown.
    alone_masked = protect_progress(country, sensitive)
    assert alone_masked.part_rows == () and alone_masked.parts == ()
    assert hidden or all(not now.kind((p.code, de)) for p in provinces for de in sensitive)


def test_the_generated_plan_is_the_sample_plans_indicators_and_checks():
    """One list of indicators: the generated plan takes the sample plan's (names, groups,
    units, eligibility, checks) with its first-year target in every year, not a copy that
    drifts from it (the copy had shortened names and "< 3" where the sample says "< 2")."""
    from data_access.generate import SAMPLE_PLAN, Unit, plan_text
    from data_access.targets import load_plan, validate_plan_text

    sample = load_plan(SAMPLE_PLAN)
    area = Unit("01", "Tỉnh Thử", "Tỉnh Thử", "Tỉnh", "province", None, (0, 0, 1, 1))
    result = validate_plan_text(plan_text(area, [2030, 2031]), "generated.yaml")
    assert result.ok, result.messages()
    generated = result.plan
    assert [i.id for i in generated.indicators] == [i.id for i in sample.indicators]
    for mine, theirs in zip(generated.indicators, sample.indicators, strict=True):
        first = theirs.targets[min(theirs.targets)].text
        assert (mine.name, mine.group, mine.numerator, mine.denominator, mine.unit) == (
            theirs.name,
            theirs.group,
            theirs.numerator,
            theirs.denominator,
            theirs.unit,
        )
        assert (mine.applies_to, mine.requires_zero, mine.better) == (theirs.applies_to, theirs.requires_zero, theirs.better)
        assert {y: t.text for y, t in mine.targets.items()} == {2030: first, 2031: first}
    assert [c.text for c in generated.checks] == [c.text for c in sample.checks]
