"""Comparing years across a merger of communes (the 2025 reform merged most of them)."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from sqlalchemy import insert, select, update

from data_access import db, queries
from data_access.models import OrgUnit, OrgUnitMerger
from data_access.progress import compute_progress
from data_access.seed import OrgUnitRecord, add_values, upsert_org_units
from data_access.standard_elements import STANDARD_DATA_ELEMENTS
from data_access.targets import load_plan
from rules.lineage import Merger, carry_forward
from tests.conftest import REPO


def test_counts_add_up_and_yes_no_needs_every_part():
    figures = {
        "A": {"injury_cases": 3, "cfc_recognised": 1, "children_total": 1000},
        "B": {"injury_cases": 2, "cfc_recognised": 0, "children_total": 1500},
        "C": {"injury_cases": 7},
    }
    out = carry_forward(figures, [Merger("A", "N"), Merger("B", "N")], STANDARD_DATA_ELEMENTS)
    assert out["N"] == {"injury_cases": 5, "cfc_recognised": 0, "children_total": 2500}
    assert out["C"] == {"injury_cases": 7}  # untouched
    assert "A" not in out and "B" not in out


def test_a_figure_missing_in_one_part_is_not_carried():
    figures = {"A": {"injury_cases": 3, "drowning_deaths": 1}, "B": {"injury_cases": 2}}
    out = carry_forward(figures, [Merger("A", "N"), Merger("B", "N")], STANDARD_DATA_ELEMENTS)
    assert out["N"] == {"injury_cases": 5}


def test_a_split_commune_gives_each_successor_its_share():
    out = carry_forward(
        {"A": {"children_total": 1000}}, [Merger("A", "N1", 0.4), Merger("A", "N2", 0.6)], STANDARD_DATA_ELEMENTS
    )
    assert out["N1"]["children_total"] == pytest.approx(400)
    assert out["N2"]["children_total"] == pytest.approx(600)


def test_progress_compares_a_merged_commune_with_its_predecessors(seeded_url):
    engine = db.get_engine(seeded_url)
    old_codes = ["07654", "07663"]  # two Sơn Động communes merged at the end of 2025
    with engine.begin() as conn:
        conn.execute(update(OrgUnit).where(OrgUnit.code.in_(old_codes)).values(valid_to=date(2025, 12, 31)))
    upsert_org_units(
        engine, [OrgUnitRecord("99001", "Hợp Nhất", "Xã Hợp Nhất", "xã", "commune", "220", valid_from=date(2026, 1, 1))]
    )
    with engine.begin() as conn:
        ids = dict(conn.execute(select(OrgUnit.code, OrgUnit.id)).all())
        conn.execute(
            insert(OrgUnitMerger),
            [
                {"old_unit_id": ids[c], "new_unit_id": ids["99001"], "effective_date": date(2026, 1, 1), "share": 1.0}
                for c in old_codes
            ],
        )
    add_values(
        engine,
        [("99001", 2026, "FY", "injury_cases", 1.0), ("99001", 2026, "FY", "children_total", 5000.0)],
        source="t",
        user="t",
    )

    expected_previous = 0.0
    with (REPO / "sample_data" / "data_values.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if (
                r["commune_code"] in old_codes
                and r["year"] == "2025"
                and r["period"] == "FY"
                and r["data_element"] == "injury_cases"
            ):
                expected_previous += float(r["value"])

    assert [c.code for c in queries.communes_in(engine, "220", 2026)].count("99001") == 1
    assert not set(old_codes) & {c.code for c in queries.communes_in(engine, "220", 2026)}
    plan = load_plan(REPO / "targets.yaml")
    progress = compute_progress(engine, plan, 2026, "FY", "220")
    assert progress.previous_figures["99001"]["injury_cases"] == expected_previous
