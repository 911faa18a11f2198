"""Writing a large import: the bulk path (COPY on PostgreSQL, the driver's executemany on
SQLite) stores exactly what the file says, audits every change, and never overwrites a
figure someone else stored or changed meanwhile.

Every test runs on SQLite and on PostgreSQL. The files are whole years of the sample
(about 5,000 figures) written under another year; expected values come from
sample_data/data_values.csv and from the database as it was before the import, and the
rows written are also compared with those of the row-by-row writer the bulk path replaced
(`data_access.intake.write._write_rows`, kept for other drivers).
"""

from __future__ import annotations

import contextvars
import csv
import io
import threading
import time
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, text, update

from data_access import db, queries
from data_access.intake import ImportConflict, apply_import, prepare_import
from data_access.intake import write as importer  # the writers and the locked re-read live there
from data_access.models import DataValue, OrgUnit
from data_access.targets import load_plan
from tests.conftest import REPO
from tests.intake_util import batch_and_audits, sample_values

PLAN = load_plan(REPO / "targets.yaml")
TODAY = date(2026, 6, 30)  # 2026 may be imported
NOW = datetime(2026, 6, 30, 8, 15, 30, 123456, tzinfo=UTC)
BY = "Nguyễn Thị Bình"





SAMPLE = sample_values()


def year_file(source_year: int, as_year: int) -> tuple[bytes, dict[tuple[str, int, str, str], float]]:
    """The sample's figures of `source_year` written as `as_year`, and what they say."""
    figures = {(c, as_year, p, de): v for (c, y, p, de), v in SAMPLE.items() if y == source_year}
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["commune_code", "year", "period", "data_element", "value"])
    for (code, year, period, de), value in figures.items():
        writer.writerow([code, year, period, de, int(value)])
    return buf.getvalue().encode("utf-8"), figures


def dump(url: str) -> dict[str, list[tuple]]:
    """Every row of the tables an import writes, in a stable order."""
    out = {}
    with db.get_engine(url).connect() as conn:
        for table, order in (
            ("data_value", "org_unit_id, data_element_id, year, period"),
            ("audit_log", "id"),
            ("import_batch", "id"),
            ("data_element", "id"),
        ):
            out[table] = [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY {order}"))]
    return out


def stored_by_code(url: str, years: set[int]) -> dict[tuple[str, int, str, str], tuple[float, int, str | None]]:
    """(code, year, period, element) -> (value, version, updated_by) for `years`."""
    with db.get_engine(url).connect() as conn:
        rows = conn.execute(
            select(
                OrgUnit.code,
                DataValue.year,
                DataValue.period,
                DataValue.data_element_id,
                DataValue.value,
                DataValue.version,
                DataValue.updated_by,
            )
            .join(OrgUnit, OrgUnit.id == DataValue.org_unit_id)
            .where(DataValue.year.in_(sorted(years)))
        ).all()
    return {(c, y, p, de): (v, ver, who) for c, y, p, de, v, ver, who in rows}


@pytest.fixture
def twin_url(backend, _seeded_templates, db_factory) -> str:
    """A second fresh copy of the seeded database, for the reference writer."""
    return db_factory.new(backend, template=_seeded_templates[backend])


# (source year, written as): new figures only; or new, changed and unchanged together.
CASES = {"a new year": (2024, 2026), "new, changed and unchanged": (2024, 2025)}


@pytest.mark.parametrize("case", list(CASES))
def test_a_large_import_stores_exactly_its_figures_and_audits_each_change(case, seeded_url, twin_url, monkeypatch):
    source_year, as_year = CASES[case]
    data, figures = year_file(source_year, as_year)
    engine = db.get_engine(seeded_url)
    before = stored_by_code(seeded_url, {as_year})
    version_before = queries.data_version(engine)
    preview = prepare_import(engine, PLAN, data, "bao_cao_ca_nam.csv", today=TODAY)
    assert preview.ok, [i.message("en") for i in preview.issues[:5]]
    assert len(preview.changes) == len(figures) > 4000

    result = apply_import(engine, preview, BY, now=NOW)

    new = [k for k in figures if k not in before]
    changed = [k for k in figures if k in before and before[k][0] != figures[k]]
    unchanged = [k for k in figures if k in before and before[k][0] == figures[k]]
    if case == "a new year":
        assert len(new) == len(figures)
    else:
        assert new and changed and unchanged
    assert (result.inserted, result.updated, result.unchanged) == (len(new), len(changed), len(unchanged))

    after = stored_by_code(seeded_url, {as_year})
    for key, value in figures.items():
        assert after[key][0] == value, key
    assert all(after[k][1:] == (1, BY) for k in new)
    assert all(after[k][1:] == (before[k][1] + 1, BY) for k in changed)
    assert all(after[k] == before[k] for k in unchanged)  # not even touched
    assert {k: v for k, v in after.items() if k not in figures} == {k: v for k, v in before.items() if k not in figures}

    batch, audits = batch_and_audits(engine, result.batch_id)
    assert (batch.filename, batch.imported_by, batch.rows, batch.inserted, batch.updated, batch.unchanged) == (
        "bao_cao_ca_nam.csv",
        BY,
        len(figures),
        len(new),
        len(changed),
        len(unchanged),
    )
    seen = {(a.code, a.year, a.period, a.data_element_id): a for a in audits}
    assert len(seen) == len(audits) == len(new) + len(changed)
    for key in new:
        a = seen[key]
        assert (a.action, a.old_value, a.new_value, a.changed_by, a.source) == (
            "insert",
            None,
            figures[key],
            BY,
            "bao_cao_ca_nam.csv",
        )
    for key in changed:
        assert (seen[key].action, seen[key].old_value, seen[key].new_value) == ("update", before[key][0], figures[key])
    # The audit lists the changes in the file's order.
    in_file = [k for k in figures if k in seen]
    assert [(a.code, a.year, a.period, a.data_element_id) for a in audits] == in_file
    assert queries.data_version(engine) != version_before  # caches keyed on it are refreshed

    # The row-by-row writer, given the same file on a twin database, writes the same rows
    # (ids, timestamps and all).
    monkeypatch.setattr(importer, "_write_postgresql", importer._write_rows)
    monkeypatch.setattr(importer, "_write_sqlite", importer._write_rows)
    twin = db.get_engine(twin_url)
    reference = apply_import(twin, prepare_import(twin, PLAN, data, "bao_cao_ca_nam.csv", today=TODAY), BY, now=NOW)
    assert reference == result
    assert dump(twin_url) == dump(seeded_url)


def _key_ids(engine, key: tuple[str, int, str, str]) -> tuple[int, str, int, str]:
    code, year, period, de = key
    with engine.connect() as conn:
        uid = conn.execute(select(OrgUnit.id).where(OrgUnit.code == code)).scalar_one()
    return uid, de, year, period


def _insert_theirs(conn, engine, key: tuple[str, int, str, str], value: float) -> None:
    """Someone else's new figure, on their own connection (committed or not is theirs to say)."""
    uid, de, year, period = _key_ids(engine, key)
    conn.execute(
        DataValue.__table__.insert().values(
            org_unit_id=uid,
            data_element_id=de,
            year=year,
            period=period,
            value=value,
            source="tay.csv",
            updated_by="someone else",
            updated_at=datetime.now(UTC),
            version=1,
        )
    )


def _store(engine, key: tuple[str, int, str, str], value: float) -> None:
    """Someone else stores a new figure (committed)."""
    with engine.begin() as conn:
        _insert_theirs(conn, engine, key, value)


def _change(engine, key: tuple[str, int, str, str], value: float) -> None:
    """Someone else changes a stored figure (committed), as the app does: version + 1."""
    uid, de, year, period = _key_ids(engine, key)
    with engine.begin() as conn:
        conn.execute(
            update(DataValue)
            .where(
                DataValue.org_unit_id == uid,
                DataValue.data_element_id == de,
                DataValue.year == year,
                DataValue.period == period,
            )
            .values(value=value, version=DataValue.version + 1, updated_by="someone else")
        )


def test_a_figure_stored_by_someone_else_after_the_dry_run_stops_the_whole_import(seeded_url):
    engine = db.get_engine(seeded_url)
    data, figures = year_file(2024, 2026)
    preview = prepare_import(engine, PLAN, data, "bao_cao.csv", today=TODAY)
    assert preview.ok and preview.new == len(figures)
    theirs = list(figures)[len(figures) // 2]
    _store(engine, theirs, 777)
    before = dump(seeded_url)
    with pytest.raises(ImportConflict) as caught:
        apply_import(engine, preview, BY, now=NOW)
    assert caught.value.keys == [(theirs[0], theirs[3], theirs[1], theirs[2])]
    assert dump(seeded_url) == before  # nothing of the file, their figure kept


def test_a_figure_changed_by_someone_else_after_the_dry_run_stops_the_whole_import(seeded_url):
    engine = db.get_engine(seeded_url)
    data, _figures = year_file(2024, 2025)
    preview = prepare_import(engine, PLAN, data, "bao_cao.csv", today=TODAY)
    assert preview.ok and preview.changed > 1000
    change = next(c for c in preview.changes if c.action == "changed")
    theirs = (change.code, change.year, change.period, change.element)
    _change(engine, theirs, 778)
    before = dump(seeded_url)
    with pytest.raises(ImportConflict) as caught:
        apply_import(engine, preview, BY, now=NOW)
    assert caught.value.keys == [(theirs[0], theirs[3], theirs[1], theirs[2])]
    assert dump(seeded_url) == before


def _reread_before(monkeypatch, hidden: dict) -> None:
    """The locked re-read answers as if it ran just before someone else's write.

    `hidden` maps (unit id, element, year, period) to what the re-read shows instead
    (None: not stored). The writes themselves must then notice the change.
    """
    real = importer._stored_values

    def reread(*args, **kwargs):
        out = real(*args, **kwargs)
        if kwargs.get("lock"):
            for key, shown in hidden.items():
                if shown is None:
                    out.pop(key, None)
                else:
                    out[key] = shown
        return out

    monkeypatch.setattr(importer, "_stored_values", reread)


def test_a_new_figure_stored_between_the_reread_and_the_write_is_reported_not_overwritten(seeded_url, monkeypatch):
    engine = db.get_engine(seeded_url)
    data, figures = year_file(2024, 2026)
    preview = prepare_import(engine, PLAN, data, "bao_cao.csv", today=TODAY)
    assert preview.ok
    keys = list(figures)
    theirs = [keys[10], keys[len(keys) - 3]]
    for key in theirs:
        _store(engine, key, 779)
    _reread_before(monkeypatch, {_key_ids(engine, k): None for k in theirs})
    before = dump(seeded_url)
    with pytest.raises(ImportConflict) as caught:
        apply_import(engine, preview, BY, now=NOW)
    assert caught.value.keys == sorted((c, de, y, p) for c, y, p, de in theirs)
    assert dump(seeded_url) == before


def test_a_figure_changed_between_the_reread_and_the_write_is_reported_not_overwritten(seeded_url, monkeypatch):
    engine = db.get_engine(seeded_url)
    data, _figures = year_file(2024, 2025)
    preview = prepare_import(engine, PLAN, data, "bao_cao.csv", today=TODAY)
    assert preview.ok
    change = next(c for c in preview.changes if c.action == "changed")
    theirs = (change.code, change.year, change.period, change.element)
    _change(engine, theirs, 780)
    _reread_before(monkeypatch, {_key_ids(engine, theirs): (change.old, change.version)})
    before = dump(seeded_url)
    with pytest.raises(ImportConflict) as caught:
        apply_import(engine, preview, BY, now=NOW)
    assert (theirs[0], theirs[3], theirs[1], theirs[2]) in caught.value.keys
    assert dump(seeded_url) == before
    assert stored_by_code(seeded_url, {2025})[theirs][0] == 780


def test_a_concurrent_insert_of_the_same_figure_waits_then_is_reported(seeded_url):
    """Their uncommitted figure is invisible to the re-read; the insert waits for their
    commit and reports it (PostgreSQL; SQLite serialises writers with BEGIN IMMEDIATE)."""
    engine = db.get_engine(seeded_url)
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers inside one import: PostgreSQL")
    data, figures = year_file(2024, 2026)
    preview = prepare_import(engine, PLAN, data, "bao_cao.csv", today=TODAY)
    assert preview.ok
    theirs = list(figures)[1234]
    before = dump(seeded_url)
    other = engine.connect()
    _insert_theirs(other, engine, theirs, 781)  # not committed yet
    errors: list[BaseException] = []

    def mine() -> None:
        try:
            apply_import(engine, preview, BY, now=NOW)
        except BaseException as exc:  # collected for the test to look at
            errors.append(exc)

    worker = threading.Thread(target=contextvars.copy_context().run, args=(mine,))  # as the same operator
    worker.start()
    time.sleep(1.0)  # the import is now waiting on their figure
    other.commit()
    other.close()
    worker.join(60)
    assert len(errors) == 1 and isinstance(errors[0], ImportConflict), errors
    assert errors[0].keys == [(theirs[0], theirs[3], theirs[1], theirs[2])]
    after = dump(seeded_url)
    assert after["audit_log"] == before["audit_log"] and after["import_batch"] == before["import_batch"]
    added = set(after["data_value"]) - set(before["data_value"])
    assert [row[:5] for row in added] == [(*_key_ids(engine, theirs), 781)]  # theirs only
