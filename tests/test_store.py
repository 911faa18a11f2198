"""The pages' door (`data_access.store.Store`): every method acts for the viewer it was
made for, whatever the scope of the run around it. Each test runs with the operator's
scope set around it (the autouse fixture), so a method that fell back to the run's
scope would see everything and these tests would fail."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from data_access import db
from data_access.access import NOBODY, AccessDenied, AccessScope, Grant
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
