"""The overview of a country or a province: a grid of its provinces (or districts), not
of thousands of communes, each judged as an area; on both databases, in AppTest."""

from __future__ import annotations

import pytest

from data_access import db, queries
from data_access.generate import generate
from data_access.progress import compute_progress
from data_access.targets import validate_plan_file
from rules.scorecard import indicator_numbers, off_track_key
from tests.apptest_util import all_text, run_app
from ui import scorecard


@pytest.fixture
def country(empty_url, tmp_path, monkeypatch):
    engine = db.get_engine(empty_url)
    plan_file = tmp_path / "plan.yaml"
    generate(engine, 240, (2024, 2025), plan_path=plan_file)
    monkeypatch.setenv("TARGETS_FILE", str(plan_file))
    monkeypatch.setenv("ALLOW_NO_LOGIN", "1")
    # The real limit is 1,000 communes; 240 keeps the test quick, the rule is the same.
    monkeypatch.setattr(scorecard, "COMMUNE_GRID_LIMIT", 100)
    return empty_url, engine, validate_plan_file(plan_file).plan


def test_country_overview_lists_provinces_worst_first_with_their_pooled_status(monkeypatch, country):
    url, engine, plan = country
    at = run_app(monkeypatch, url, area="VN", year="2025", period="FY")
    # The synthetic country's provinces are all "tỉnh" in the tree: the header says so.
    assert "Từng tỉnh theo từng chỉ tiêu" in [h.value for h in at.header]
    grid = at.dataframe[-1].value
    expected = compute_progress(engine, plan, 2025, "FY", "VN")
    provinces = {u.code: u for u in queries.list_org_units(engine) if u.level == "province"}
    assert sorted(grid[grid.columns[0]]) == sorted(u.name for u in provinces.values())
    # Worst first, by the same rule as the commune grid.
    keys = [
        off_track_key((expected.part_row(i.id, code).status for i in plan.indicators), provinces[code].name)
        for code in provinces
    ]
    by_name = {provinces[code].name: key for code, key in zip(provinces, keys, strict=True)}
    assert [by_name[n] for n in grid[grid.columns[0]]] == sorted(by_name.values())
    # Each cell: the status symbol of the province judged as an area.
    symbols = {"met": "✔", "at_risk": "▲", "not_met": "✖", "no_data": "?", "no_target": "–"}
    first = next(code for code, u in provinces.items() if u.name == grid.iloc[0, 0])
    numbers = indicator_numbers(plan)
    for ind in plan.indicators:
        cell = str(grid.iloc[0][numbers[ind.id]])
        assert cell.startswith(symbols[expected.part_row(ind.id, first).status]), (ind.id, cell)
    not_met = sum(1 for i in plan.indicators if expected.part_row(i.id, first).status == "not_met")
    assert grid.iloc[0]["✖"] == not_met
    assert "10.600" not in all_text(at) and "240 xã" in all_text(at)


def test_a_district_still_gets_its_commune_grid(monkeypatch, country):
    url, engine, _plan = country
    district = next(u for u in queries.list_org_units(engine) if u.level == "district")
    at = run_app(monkeypatch, url, area=district.code, year="2025", period="FY")
    assert "Từng xã theo từng chỉ tiêu" in [h.value for h in at.header]
    communes = queries.communes_in(engine, district.code, 2025)
    assert len(at.dataframe[-1].value) == len(communes)


def test_country_indicator_page_ranks_provinces_and_lists_those_off_track(monkeypatch, country):
    url, engine, plan = country
    expected = compute_progress(engine, plan, 2025, "FY", "VN")
    ind = next(
        i
        for i in plan.indicators
        if any(expected.part_row(i.id, u.code).status in ("not_met", "at_risk") for u in expected.parts)
    )
    at = run_app(monkeypatch, url, page="indicator", area="VN", year="2025", period="FY", indicator=ind.id)
    # The provinces' own types from the tree (the synthetic country's: "tỉnh").
    kinds = ", ".join(dict.fromkeys(u.type for u in expected.parts))
    assert f"Xếp hạng {len(expected.parts)} {kinds}" in [s.value for s in at.subheader]
    off = [
        expected.part_row(ind.id, u.code)
        for u in expected.parts
        if expected.part_row(ind.id, u.code).status in ("not_met", "at_risk")
    ]
    table = next(df.value for df in at.dataframe if df.value.columns[0] == "Tỉnh")  # the provinces' type
    assert sorted(table[table.columns[0]]) == sorted(r.area_name for r in off)
    met = {r.area_name: f"{r.communes_met}/{r.total}" for r in off}
    assert dict(zip(table[table.columns[0]], table["Xã đạt"], strict=True)) == met
