"""The org_unit table read once (`queries.UnitTable`), from which ui/data.py derives the
frame's pickers: the units of a day and the plans' areas must be what the queries per day
and `match_area` over every unit gave, on SQLite and PostgreSQL, with the official list
loaded beside both samples (codes of both eras, names repeated across provinces)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from data_access import db, places, queries
from data_access.progress import AreaNotFound, plan_area_on
from data_access.store import Directory
from data_access.targets import match_area, validate_plan_file
from tests.conftest import REPO

# Both eras, the reform's first day and its eve, and a day before any unit of 2025.
DAYS = (date(2020, 6, 30), date(2024, 12, 31), date(2025, 6, 30), date(2025, 7, 1), date(2026, 12, 31))
PROVINCES = ["Bắc Ninh", "Bắc Giang", "Lạng Sơn"]  # the samples' provinces, old and new


@pytest.fixture
def official_url(both_samples_copy) -> str:
    """Both samples and the official list of their provinces (both eras, with lineage)."""
    assert places.load_official(db.get_engine(both_samples_copy), PROVINCES)[0].ok
    return both_samples_copy


def _plans() -> list:
    files = [REPO / "targets.yaml", *sorted((REPO / "sample_data" / "plans").glob("*.yaml"))]
    plans = [validate_plan_file(f).plan for f in files]
    assert all(plans) and len(plans) == 5
    return plans


def test_units_on_a_day_are_the_querys(official_url):
    engine = db.get_engine(official_url)
    table = queries.read_unit_table(engine)
    # The official list is there: Lạng Sơn's 65 new communes of 2026 beside the samples.
    assert sum(u.parent_code == "20" and u.level == "commune" for u in table.on(date(2026, 12, 31))) == 65
    for day in DAYS:
        assert table.on(day) == queries.list_org_units(engine, day), day
        # the area picker's labels: that day's units of the codes asked, nothing else
        codes = {"24", "07615", "220", "20", "no such code"}
        assert table.on_with_codes(day, codes) == [u for u in table.on(day) if u.code in codes], day
    # Without a day: every code once, a reused code by today's unit (07615: Xã Sơn Động).
    every = table.on()
    assert every == queries.list_org_units(engine)
    assert next(u for u in every if u.code == "07615").full_name == "Xã Sơn Động"
    old = next(u for u in table.on(date(2024, 12, 31)) if u.code == "07615")
    assert old.full_name == "Thị trấn An Châu"
    # The area picker's choices: every unit above commune level, in the same order.
    assert table.above_commune() == [u for u in every if u.level != "commune"]
    assert {u.level for u in table.above_commune()} == {"province", "district"}


def test_a_text_names_what_match_area_over_every_unit_names(official_url):
    """`UnitTable.named` keeps, of a day's units, those a text could name: `match_area`
    over them gives its answer over all of them, for codes, names, full names, a type
    prefix in any case, without diacritics, and names that fit nothing."""
    table = queries.read_unit_table(db.get_engine(official_url))
    units = table.on(date(2026, 12, 31))
    texts = [
        "Bắc Ninh",
        "bac ninh",
        "Chi Lang",
        "huyện Chi Lăng",
        "XÃ SƠN ĐỘNG",
        "Son Dong",
        "07615",
        "24",
        "Nowhere",
        "",
    ]
    for u in units[::40]:
        texts += [u.code, u.name, u.full_name, f"{u.type} {u.name}", places.fold(u.full_name)]
    found = 0
    for day in DAYS:
        every = table.on(day)
        # a table that has listed no day yet answers from the text's rows alone
        fresh = queries.read_unit_table(db.get_engine(official_url))
        for text in texts:
            expected = match_area(text, every)
            assert match_area(text, table.named(text, day)) == expected, (text, day)
            assert fresh.named(text, day) == table.named(text, day), (text, day)
            found += expected is not None
        assert day not in fresh._positions
    assert found > len(texts)  # most texts name a unit on one day at least


def test_plan_picker_areas_equal_the_old_per_plan_match(official_url):
    """The plans' areas from the table equal `plan_area_on` reading every unit of each
    plan's days from the database and matching each plan's text against all of them."""
    engine = db.get_engine(official_url)
    samples = _plans()
    base = samples[0]
    others = [
        replace(base, area=area, years=years)
        for area, years in [
            ("Lạng Sơn", (2026,)),
            ("Lạng Sơn", (2024,)),
            ("Chi Lăng", (2024,)),
            ("Chi Lăng", (2026,)),  # the district of 2024 viewed later, or the new Xã Chi Lăng
            ("Bắc Giang", (2024, 2025)),
            ("tỉnh Bắc Giang", (2026,)),  # no longer a unit in 2026: the old province
            ("07615", (2024,)),
            ("07615", (2026,)),
            ("Nowhere", (2026,)),
        ]
    ]
    plans = [*samples, *others]
    directory = Directory(engine)
    table = directory.unit_table()

    def old(plan):
        try:
            return plan_area_on(engine, plan)
        except AreaNotFound:
            return None

    expected = [old(p) for p in plans]
    assert directory.plan_areas(plans, table) == expected
    assert directory.plan_areas(plans) == expected  # the table read for the call
    by_area = dict(zip([(p.area, p.years) for p in plans], expected, strict=True))
    assert by_area[("Bắc Ninh", (2025, 2026))][0].full_name == "Tỉnh Bắc Ninh"
    assert by_area[("Xã Sơn Động", (2026,))][0].full_name == "Xã Sơn Động"
    assert by_area[("Lạng Sơn", (2026,))][0].level == "province"
    assert by_area[("Nowhere", (2026,))] is None


def test_names_keyed_together_are_keyed_as_one_by_one():
    """The table keys 17,000 names in one Unicode pass (`queries._name_keys`): each key
    must be what the name alone gives, whatever its case, spaces or composed letters."""
    names = ["Thị trấn An Châu", "  XÃ   sơn động ", "Đặc khu Vân Đồn", "Phường Bắc Giang\t",
             "Tỉnh Bắc Ninh", "Straße", "Xã Ea H'leo", "", "Xa\u0303 Sơn Đô\u0323ng", "line\nbreak"]  # fmt: skip
    assert queries._name_keys(names) == [queries._name_key(n) for n in names]
    assert queries._name_keys(names[:-1]) == [queries._name_key(n) for n in names[:-1]]
    assert queries._name_keys(["Xã Sơn Động"])[0] == queries._name_keys(["xa son dong"])[0] == "xa son dong"
