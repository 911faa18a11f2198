"""The database layer on SQLite and PostgreSQL: schema, seed, tree queries, figures."""

from __future__ import annotations

import csv

from sqlalchemy import func, select

from data_access import db, migrations, queries
from data_access.models import AuditEntry, DataValue, OrgUnit
from data_access.seed import SAMPLE_DIR, seed_sample


def _sample_rows() -> list[dict[str, str]]:
    with (SAMPLE_DIR / "data_values.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_init_is_repeatable_and_reaches_head(empty_url):
    engine = db.get_engine(empty_url)
    migrations.upgrade(engine)
    migrations.upgrade(engine)  # safe to run again
    assert migrations.current_revision(engine) == migrations.head_revision()


def test_seed_loads_every_sample_figure_once(empty_url):
    engine = db.get_engine(empty_url)
    migrations.upgrade(engine)
    first = seed_sample(engine)
    second = seed_sample(engine)
    expected = len(_sample_rows())
    assert first.values_added == expected
    assert second.values_added == 0 and second.values_kept == expected
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(DataValue)).scalar() == expected
        # every stored figure has exactly one audit row saying where it came from
        assert conn.execute(select(func.count()).select_from(AuditEntry)).scalar() == expected


def test_seed_never_overwrites_a_stored_figure(seeded_url):
    engine = db.get_engine(seeded_url)
    with engine.begin() as conn:
        uid = conn.execute(select(OrgUnit.id).where(OrgUnit.code == "07615")).scalar_one()
        conn.execute(
            DataValue.__table__.update()
            .where(DataValue.org_unit_id == uid, DataValue.data_element_id == "children_total")
            .where(DataValue.year == 2024, DataValue.period == "FY")
            .values(value=123456)
        )
    seed_sample(engine)
    figures = queries.figures_in_area(engine, "07615", [(2024, "FY")], ["children_total"])
    assert figures[(2024, "FY")]["07615"]["children_total"] == 123456


def test_tree_keeps_official_codes_and_levels(shared_seeded_url):
    engine = db.get_engine(shared_seeded_url)
    units = {u.code: u for u in queries.list_org_units(engine)}
    son_dong = units["220"]
    assert son_dong.level == "district" and son_dong.name == "Sơn Động"
    assert units["07615"].parent_code == "220"  # leading zero kept
    communes = queries.communes_in(engine, "220", 2024)
    assert len(communes) == 17
    assert {c.level for c in communes} == {"commune"}
    # province → all its districts' communes
    bac_giang = queries.communes_in(engine, son_dong.parent_code, 2024)
    assert len(bac_giang) == 17 + 25
    # a commune asked for itself
    assert [c.code for c in queries.communes_in(engine, "07615", 2024)] == ["07615"]


def test_figures_match_the_sample_file(shared_seeded_url):
    engine = db.get_engine(shared_seeded_url)
    rows = [r for r in _sample_rows() if r["year"] == "2024" and r["period"] == "FY"]
    son_dong = {c.code for c in queries.communes_in(engine, "220", 2024)}
    expected: dict[str, dict[str, float]] = {}
    for r in rows:
        if r["commune_code"] in son_dong:
            expected.setdefault(r["commune_code"], {})[r["data_element"]] = float(r["value"])
    got = queries.figures_in_area(engine, "220", [(2024, "FY")])[(2024, "FY")]
    assert got == expected


def test_boundaries_come_with_the_communes(shared_seeded_url):
    engine = db.get_engine(shared_seeded_url)
    shapes = queries.boundaries_in(engine, "220")
    assert len(shapes) == 17
    assert all(s.geometry["type"] in ("Polygon", "MultiPolygon") for s in shapes)
    assert any(s.name == "Tây Yên Tử" for s in shapes)  # diacritics intact


def test_data_version_moves_when_figures_change(seeded_url):
    from data_access.seed import add_values

    engine = db.get_engine(seeded_url)
    before = queries.data_version(engine)
    add_values(engine, [("07615", 2019, "FY", "children_total", 2000.0)], source="test", user="test")
    assert queries.data_version(engine) != before


def test_password_is_masked():
    assert "secret" not in db.masked_url("postgresql://user:secret@db.example/x")
    assert "***" in db.masked_url("postgresql://user:secret@db.example/x")


def test_unreachable_database_is_a_plain_error(monkeypatch):
    import pytest

    url = "postgresql://nobody:pw@127.0.0.1:1/none"
    db.forget_ready(url)
    with pytest.raises(db.DatabaseUnavailable) as info:
        db.ready_engine(url)
    assert "pw" not in info.value.url
