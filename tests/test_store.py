"""The pages' door (`data_access.store.Store`): every method acts for the viewer it was
made for, whatever the scope of the run around it. Each test runs with the operator's
scope set around it (the autouse fixture), so a method that fell back to the run's
scope would see everything and these tests would fail."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from data_access import db
from data_access.access import NOBODY, SYSTEM, AccessDenied, AccessScope, Grant, using_scope
from data_access.models import DataValue
from data_access.store import WRITE_REFUSALS, Store
from data_access.targets import load_plan
from tests.conftest import REPO

PLAN = load_plan(REPO / "targets.yaml")
MINE, OTHER, DISTRICT, OTHER_DISTRICT = "07654", "07648", "220", "223"
EDITOR = AccessScope("ed.leviem", "user", (Grant("/24/220/07654/", MINE, "editor"),))
DISTRICT_ADMIN = AccessScope("tp", grants=(Grant("/24/220/", DISTRICT, "admin"),))


def csv_file(*rows: tuple[str, int, str, str, float]) -> bytes:
    lines = ["commune_code,commune_name,year,period,data_element,value"]
    lines += [f"{code},,{year},{period},{de},{value:g}" for code, year, period, de, value in rows]
    return ("\n".join(lines) + "\n").encode()


def count_values(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(DataValue)).scalar_one()


def test_a_store_needs_a_viewer(shared_seeded_url):
    with pytest.raises(TypeError):
        Store(db.ready_engine(shared_seeded_url), None)  # type: ignore[arg-type]


def test_nobody_reads_nothing_through_the_store(shared_seeded_url):
    store = Store(db.ready_engine(shared_seeded_url), NOBODY)
    for read in (
        lambda: store.audit(DISTRICT, limit=5),
        lambda: store.recent_imports(DISTRICT),
        lambda: store.template(PLAN, 2025, "H1", DISTRICT),
        lambda: store.meetings(DISTRICT),
    ):
        with pytest.raises(AccessDenied):
            read()
    assert store.locks() == []


def test_the_store_writes_for_its_viewer_not_for_the_run(seeded_url):
    """The run is the operator (who may write everywhere); the store is one commune's editor."""
    engine = db.ready_engine(seeded_url)
    store = Store(engine, EDITOR)
    before = count_values(engine)
    both = csv_file((MINE, 2025, "FY", "children_total", 2000), (OTHER, 2025, "FY", "children_total", 2000))
    preview = store.preview_import(PLAN, both, "hai_xa.csv")
    assert not preview.ok
    assert any(OTHER in issue.message("vi") for issue in preview.issues)
    # A preview made by the operator cannot be written by the editor's store either.
    trusted = Store(engine, AccessScope("op", grants=(Grant("", "*", "admin"),))).preview_import(PLAN, both, "x.csv")
    assert trusted.ok
    with pytest.raises(WRITE_REFUSALS) as err:
        store.write_import(trusted, "ed.leviem")
    assert "Không có số liệu nào được ghi" in err.value.message("vi")  # type: ignore[attr-defined]
    assert count_values(engine) == before
    own = store.preview_import(PLAN, csv_file((MINE, 2025, "FY", "children_total", 2000)), "le_vien.csv")
    result = store.write_import(own, "ed.leviem")
    assert result.changes == 1
    # The audit and the imports list show it to the editor, for their commune only.
    assert store.audit(MINE, limit=5).total >= 1
    assert [b.filename for b in store.recent_imports(MINE)][:1] == ["le_vien.csv"]
    with pytest.raises(AccessDenied):
        store.audit(DISTRICT, limit=5)


def test_period_locks_are_the_viewers_to_close(seeded_url):
    engine = db.ready_engine(seeded_url)
    admin, editor = Store(engine, DISTRICT_ADMIN), Store(engine, EDITOR)
    with pytest.raises(AccessDenied):
        editor.close_period(2025, "H1", DISTRICT, "ed.leviem")
    with pytest.raises(AccessDenied):
        admin.close_period(2025, "H1", OTHER_DISTRICT, "tp")
    admin.close_period(2025, "H1", DISTRICT, "tp", reason="đã chốt")
    assert [(lock.year, lock.period, lock.area_code) for lock in admin.locks()] == [(2025, "H1", DISTRICT)]
    # The editor's commune lies inside the closed district: the lock concerns them, and
    # their import of that period is refused with its row.
    assert [lock.area_code for lock in editor.locks()] == [DISTRICT]
    refused = editor.preview_import(PLAN, csv_file((MINE, 2025, "H1", "children_total", 1900)), "h1.csv")
    assert not refused.ok and refused.issues[0].row == 2
    admin.reopen_period(2025, "H1", DISTRICT, "tp")
    assert admin.locks() == []


def test_nobody_gets_no_read_handle(shared_seeded_url):
    store = Store(db.ready_engine(shared_seeded_url), NOBODY)
    with pytest.raises(AccessDenied):
        store.directory()
    with pytest.raises(AccessDenied):
        store.reads(DISTRICT)


@pytest.mark.parametrize("with_paths", (False, True), ids=("paths read per check", "the cache's paths"))
def test_a_commune_viewer_reads_no_other_districts_figures(shared_seeded_url, monkeypatch, with_paths):
    """The read handles are the store's: a commune editor's store hands out its commune's
    figures and refuses another district's (and its own district's) progress, history,
    report counts and boundaries, whether it checks on the table or on the cache's paths."""
    monkeypatch.setenv("RESULTS_CACHE_DIR", "off")
    engine = db.ready_engine(shared_seeded_url)
    paths = Store(engine, SYSTEM).directory().unit_paths() if with_paths else None
    store = Store(engine, EDITOR, paths)
    for area in (OTHER_DISTRICT, DISTRICT, OTHER, "99999"):  # 99999: no such unit, refused alike
        with pytest.raises(AccessDenied):
            store.reads(area)
    assert not store.may(OTHER_DISTRICT) and store.may(MINE)
    mine = store.reads(MINE)
    progress = mine.progress(PLAN, REPO / "targets.yaml", 2024, "FY")
    assert {u.code for u in progress.communes} == {MINE}
    counts = mine.report_counts([(2024, "FY")], ["children_total"])
    assert set(counts[(2024, "FY")]) == {MINE}
    assert set(mine.history([(2024, "FY")], ["children_total"], date(2024, 12, 31)).figures[(2024, "FY")]) == {MINE}
    assert {b.code for b in mine.boundaries()} <= {MINE}


def test_the_pages_cache_checks_the_viewer_on_every_call(shared_seeded_url, monkeypatch):
    """ui/data.py shares one cached progress between everyone who may see it: what the
    operator's page put in the cache, the commune editor's loader is refused, and the
    editor's own commune still comes through the same loaders."""
    import streamlit as st

    from ui import data

    monkeypatch.setenv("DATABASE_URL", shared_seeded_url)
    monkeypatch.setenv("RESULTS_CACHE_DIR", "off")
    st.cache_data.clear()
    st.cache_resource.clear()
    assert data.progress(shared_seeded_url, 2024, "FY", OTHER_DISTRICT).rows  # the operator's run fills the cache
    with using_scope(EDITOR):
        for read in (
            lambda: data.progress(shared_seeded_url, 2024, "FY", OTHER_DISTRICT),
            lambda: data.history(shared_seeded_url, OTHER_DISTRICT, [2023, 2024], "FY", ["children_total"]),
            lambda: data.report_counts(shared_seeded_url, OTHER_DISTRICT, [(2024, "FY")], ["children_total"]),
            lambda: data.boundaries(shared_seeded_url, OTHER_DISTRICT),
            lambda: data.communes_of(shared_seeded_url, OTHER_DISTRICT, on=date(2024, 12, 31)),
        ):
            with pytest.raises(AccessDenied):
                read()
        assert not data.can_read(shared_seeded_url, OTHER_DISTRICT)
        assert [u.code for u in data.communes_of(shared_seeded_url, MINE, 2024, "FY")] == [MINE]
