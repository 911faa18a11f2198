"""Writing a preview in ONE transaction: all or nothing (`apply_import`).

It re-reads the stored values under a lock (`SELECT ... FOR UPDATE` on PostgreSQL,
`BEGIN IMMEDIATE` on SQLite) and raises `ImportConflict` when any changed since the
preview; an insert that finds a figure stored meanwhile, or an update whose version
moved, raises it too, so nothing is ever silently overwritten. Each change gets an
`AuditEntry`, the file an `ImportBatch`. Rows go in bulk: on PostgreSQL by `COPY` into a
temporary table, then one INSERT, one UPDATE and one audit INSERT from it; on SQLite by
the driver's `executemany`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, bindparam, insert, text, update
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.exc import DBAPIError, IntegrityError

from data_access import access, db, locks
from data_access.access import AccessScope
from data_access.intake.issues import ImportConflict, ImportRefused
from data_access.intake.preview import Change, ImportPreview, _chunks, _stored_values
from data_access.models import AuditEntry, DataElementRow, DataValue, ImportBatch

_WRITE_CHUNK = 5000
_UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE


# --------------------------------------------------------------------------- apply


@dataclass(frozen=True)
class ImportResult:
    batch_id: int
    inserted: int
    updated: int
    unchanged: int

    @property
    def changes(self) -> int:
        return self.inserted + self.updated


@dataclass(frozen=True)
class _Batch:
    """What every written row of one import shares: who, when, the file, the batch row."""

    by: str
    now: datetime
    source: str
    batch_id: int
    code_of: Mapping[int, str]  # unit id -> commune code, for conflict messages


def _insert_stmt(conn: Connection):  # noqa: ANN202 - dialect-specific insert
    if conn.dialect.name == "postgresql":
        return pg_dialect.insert(DataValue).on_conflict_do_nothing()
    if conn.dialect.name == "sqlite":
        return sqlite_dialect.insert(DataValue).on_conflict_do_nothing()
    return insert(DataValue)


def apply_import(
    engine: Engine, preview: ImportPreview, by: str, *, now: datetime | None = None, scope: AccessScope | None = None
) -> ImportResult:
    """Write the preview's changes in one transaction, or nothing at all.

    Raises `ImportRefused` for a preview with errors, `ImportConflict` when any figure
    the preview looked at was changed by someone else since, `access.AccessDenied`
    when the person (`scope`; None = the scope of this run) may not load one of the communes,
    `locks.PeriodLocked` when one of the periods was closed meanwhile, and
    `db.DatabaseWriteFailed` when the database may not or cannot be written.
    """
    if not preview.ok:
        raise ImportRefused(preview.filename)
    by = (by or "").strip()[:120] or "?"
    now = now or datetime.now(UTC)
    source = preview.filename[:300]
    code_of = {uid: code for code, uid in preview.unit_ids.items()}
    # A read-only, deleted or replaced SQLite file, or a write that fails, is
    # `db.DatabaseWriteFailed` with nothing written (never a crash, never lost figures).
    with db.guarded_write(engine), engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            # Take the write lock before re-reading, so no other writer slips in between.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            db.ensure_writable(engine)  # again under the lock: the file may have gone meanwhile
        try:
            result = _apply(conn, preview, by, now, source, code_of, scope)
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
    if len(preview.changes) >= db.ANALYZE_AFTER_ROWS:
        db.refresh_planner_stats(engine)
    return result


def _apply(
    conn: Connection,
    preview: ImportPreview,
    by: str,
    now: datetime,
    source: str,
    code_of: Mapping[int, str],
    scope: AccessScope | None = None,
) -> ImportResult:
    uid = preview.unit_ids
    keys = {(uid[c.code], c.element, c.year, c.period): c for c in preview.changes}
    # Permission and period locks again, inside the transaction that writes.
    access.require_write_all(conn, scope, preview.communes())
    for year, period in preview.periods():
        locks.ensure_period_open(
            conn, year, period, sorted({c.code for c in preview.changes if (c.year, c.period) == (year, period)})
        )
    current = _stored_values(
        conn,
        sorted({k[0] for k in keys}),
        sorted({k[2] for k in keys}),
        sorted({k[1] for k in keys}),
        lock=True,
    )
    conflicts = []
    for key, change in keys.items():
        now_stored = current.get(key)
        seen_version = change.version
        if (now_stored[1] if now_stored else None) != seen_version:
            conflicts.append((code_of[key[0]], key[1], key[2], key[3]))
    if conflicts:
        raise ImportConflict(sorted(conflicts))

    if preview.missing_elements:
        DataElementRow.add_missing(conn, preview.missing_elements)

    batch_id = conn.execute(
        insert(ImportBatch)
        .values(
            filename=source,
            sha256=preview.sha256,
            imported_by=by,
            imported_at=now,
            rows=len(preview.changes),
            inserted=preview.new,
            updated=preview.changed,
            unchanged=preview.unchanged,
        )
        .returning(ImportBatch.id)
    ).scalar_one()

    # Only new and changed figures are written; each key once, in the preview's order
    # (the audit rows keep that order, as their ids show).
    writes = [(key, c, c.old is None) for key, c in keys.items() if c.action != "unchanged"]
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        writer = _write_postgresql
    elif conn.dialect.name == "sqlite" and conn.dialect.driver == "pysqlite":
        writer = _write_sqlite
    else:
        writer = _write_rows
    inserted, updated = writer(conn, writes, _Batch(by, now, source, batch_id, code_of)) if writes else (0, 0)
    return ImportResult(batch_id, inserted, updated, preview.unchanged)


_Write = tuple[tuple[int, str, int, str], Change, bool]  # (key, change, is new)


def _write_rows(conn: Connection, writes: Sequence[_Write], batch: _Batch) -> tuple[int, int]:
    """(inserted, updated) by SQLAlchemy's `executemany`: any other driver, and the reference
    the two fast paths below are tested against (they write the same rows)."""
    by, now, source, batch_id, code_of = batch.by, batch.now, batch.source, batch.batch_id, batch.code_of
    new_rows, upd_rows, audits = [], [], []
    for key, c, is_new in writes:
        base = {"org_unit_id": key[0], "data_element_id": c.element, "year": c.year, "period": c.period}
        if is_new:
            new_rows.append(
                {**base, "value": c.new, "source": source, "updated_by": by, "updated_at": now, "version": 1}
            )
        else:
            upd_rows.append(
                {
                    "b_uid": key[0],
                    "b_de": c.element,
                    "b_year": c.year,
                    "b_period": c.period,
                    "b_version": c.version,
                    "b_new_version": (c.version or 0) + 1,
                    "b_value": c.new,
                }
            )
        audits.append(
            {
                **base,
                "action": "insert" if is_new else "update",
                "old_value": c.old,
                "new_value": c.new,
                "changed_by": by,
                "changed_at": now,
                "source": source,
                "import_id": batch_id,
            }
        )

    pk = (DataValue.org_unit_id, DataValue.data_element_id, DataValue.year, DataValue.period)
    stmt = _insert_stmt(conn).returning(*pk)
    landed: set[tuple] = set()
    for chunk in _chunks(new_rows, _WRITE_CHUNK):
        landed.update(tuple(r) for r in conn.execute(stmt, list(chunk)).all())
    if len(landed) != len(new_rows):
        # Someone stored one of these figures after our re-read: report, never overwrite.
        lost = [
            (code_of[r["org_unit_id"]], r["data_element_id"], r["year"], r["period"])
            for r in new_rows
            if (r["org_unit_id"], r["data_element_id"], r["year"], r["period"]) not in landed
        ]
        raise ImportConflict(sorted(lost))

    table = DataValue.__table__
    upd = (
        update(table)
        .where(
            table.c.org_unit_id == bindparam("b_uid"),
            table.c.data_element_id == bindparam("b_de"),
            table.c.year == bindparam("b_year"),
            table.c.period == bindparam("b_period"),
            table.c.version == bindparam("b_version"),
        )
        .values(
            value=bindparam("b_value"),
            version=bindparam("b_new_version"),
            source=source,
            updated_by=by,
            updated_at=now,
        )
    )
    updated = 0
    for chunk in _chunks(upd_rows, _WRITE_CHUNK):
        res = conn.execute(upd, list(chunk))
        updated += res.rowcount if res.rowcount is not None and res.rowcount >= 0 else len(chunk)
    if updated != len(upd_rows):
        raise ImportConflict([(code_of[r["b_uid"]], r["b_de"], r["b_year"], r["b_period"]) for r in upd_rows])

    for chunk in _chunks(audits, _WRITE_CHUNK):
        conn.execute(insert(AuditEntry), list(chunk))
    return len(landed), updated


@contextmanager
def _driver_errors(conn: Connection, statement: str) -> Iterator[None]:
    """Errors from the driver used directly reach callers as SQLAlchemy's, as elsewhere."""
    dbapi = conn.dialect.loaded_dbapi
    try:
        yield
    except dbapi.Error as exc:
        raise DBAPIError.instance(statement, None, exc, dbapi.Error, dialect=conn.dialect) from exc


# SQLite: the statements run by the driver's own executemany on plain tuples (SQLAlchemy's
# per-row parameter handling cost more than SQLite's own work).
_SQLITE_INSERT = (
    "INSERT INTO data_value"
    " (org_unit_id, data_element_id, year, period, value, source, updated_by, updated_at, version)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)"
)
_SQLITE_UPDATE = (
    "UPDATE data_value SET value = ?, version = ?, source = ?, updated_by = ?, updated_at = ?"
    " WHERE org_unit_id = ? AND data_element_id = ? AND year = ? AND period = ? AND version = ?"
)
_SQLITE_AUDIT = (
    "INSERT INTO audit_log"
    " (org_unit_id, data_element_id, year, period, action, old_value, new_value, changed_by, changed_at, source,"
    " import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_SQLITE_KEY_TAKEN = ("SQLITE_CONSTRAINT_PRIMARYKEY", "SQLITE_CONSTRAINT_UNIQUE")
_SQLITE_STATEMENTS = "\n".join((_SQLITE_INSERT, _SQLITE_UPDATE, _SQLITE_AUDIT))  # for error messages


def _write_sqlite(conn: Connection, writes: Sequence[_Write], batch: _Batch) -> tuple[int, int]:
    """(inserted, updated) by the sqlite3 driver's executemany, inside `BEGIN IMMEDIATE`."""
    by, now, source, batch_id, code_of = batch.by, batch.now, batch.source, batch.batch_id, batch.code_of
    # The timestamp as SQLAlchemy stores it on SQLite (same text as the other writes).
    stamp_type = DataValue.__table__.c.updated_at.type.dialect_impl(conn.dialect)
    to_text = stamp_type.bind_processor(conn.dialect)
    stamp = to_text(now) if to_text else now
    # Figures in key order: the primary key's index is then filled page by page.
    new_rows = sorted((*key, c.new, source, by, stamp) for key, c, is_new in writes if is_new)
    upd_rows = sorted(
        ((c.new, (c.version or 0) + 1, source, by, stamp, *key, c.version) for key, c, is_new in writes if not is_new),
        key=lambda r: r[5:9],
    )
    with closing(conn.connection.driver_connection.cursor()) as cur, _driver_errors(conn, _SQLITE_STATEMENTS):
        if new_rows:
            # A plain INSERT stops at a figure stored meanwhile; the savepoint undoes the
            # rows before it, so that every such figure can be named.
            cur.execute("SAVEPOINT import_insert")
            try:
                cur.executemany(_SQLITE_INSERT, new_rows)
            except sqlite3.IntegrityError as exc:
                if getattr(exc, "sqlite_errorname", "") not in _SQLITE_KEY_TAKEN:
                    raise
                cur.execute("ROLLBACK TO import_insert")
                cur.execute("RELEASE import_insert")
                wanted = {r[:4] for r in new_rows}
                taken = _stored_values(
                    conn, sorted({k[0] for k in wanted}), sorted({k[2] for k in wanted}), sorted({k[1] for k in wanted})
                )
                lost = [(code_of[k[0]], k[1], k[2], k[3]) for k in wanted if k in taken]
                raise ImportConflict(sorted(lost or [(code_of[k[0]], k[1], k[2], k[3]) for k in wanted])) from None
            cur.execute("RELEASE import_insert")
        updated = 0
        if upd_rows:
            cur.executemany(_SQLITE_UPDATE, upd_rows)
            updated = cur.rowcount
            if updated != len(upd_rows):
                raise ImportConflict(
                    [(code_of[key[0]], key[1], key[2], key[3]) for key, _c, is_new in writes if not is_new]
                )
        cur.executemany(
            _SQLITE_AUDIT,
            [
                (*key, "insert" if is_new else "update", c.old, c.new, by, stamp, source, batch_id)
                for key, c, is_new in writes
            ],
        )
    return len(new_rows), updated


# PostgreSQL: the changes go to a temporary table by COPY (one stream, no per-row round
# trip), then one statement each inserts, updates and audits them all. The table lives
# for the transaction only (dropped at commit or rollback).
_PG_STAGE_CREATE = (
    "CREATE TEMPORARY TABLE import_stage ("
    " seq integer NOT NULL, org_unit_id integer NOT NULL, data_element_id varchar(64) NOT NULL,"
    " year integer NOT NULL, period varchar(2) NOT NULL, is_new boolean NOT NULL,"
    " old_value double precision, new_value double precision NOT NULL, version integer"
    ") ON COMMIT DROP"
)
_PG_STAGE_COPY = (
    "COPY import_stage (seq, org_unit_id, data_element_id, year, period, is_new, old_value, new_value, version)"
    " FROM STDIN"
)
# Inserted in key order (the primary key's index is then filled page by page). A plain
# INSERT, not ON CONFLICT DO NOTHING: a figure stored by someone else meanwhile fails it
# with a unique violation just the same (after waiting for their commit), without a
# speculative insertion per row; `_PG_LOST` then names every such figure.
_PG_INSERT = """
INSERT INTO data_value
    (org_unit_id, data_element_id, year, period, value, source, updated_by, updated_at, version)
SELECT org_unit_id, data_element_id, year, period, new_value, :source, :by, :now, 1
FROM import_stage WHERE is_new
ORDER BY org_unit_id, data_element_id, year, period
"""
_PG_LOST = """
SELECT s.org_unit_id, s.data_element_id, s.year, s.period
FROM import_stage s
JOIN data_value d
  ON d.org_unit_id = s.org_unit_id AND d.data_element_id = s.data_element_id
 AND d.year = s.year AND d.period = s.period
WHERE s.is_new
"""
# Only the version the dry run saw is overwritten.
_PG_UPDATE = """
UPDATE data_value d
SET value = s.new_value, version = s.version + 1, source = :source, updated_by = :by, updated_at = :now
FROM import_stage s
WHERE NOT s.is_new
  AND d.org_unit_id = s.org_unit_id AND d.data_element_id = s.data_element_id
  AND d.year = s.year AND d.period = s.period AND d.version = s.version
"""
_PG_AUDIT = """
INSERT INTO audit_log
    (org_unit_id, data_element_id, year, period, action, old_value, new_value, changed_by, changed_at, source, import_id)
SELECT org_unit_id, data_element_id, year, period, CASE WHEN is_new THEN 'insert' ELSE 'update' END,
       old_value, new_value, :by, :now, :source, :batch_id
FROM import_stage ORDER BY seq
"""


def _write_postgresql(conn: Connection, writes: Sequence[_Write], batch: _Batch) -> tuple[int, int]:
    """(inserted, updated) by COPY into a temporary table and three set-based statements."""
    by, now, source, batch_id, code_of = batch.by, batch.now, batch.source, batch.batch_id, batch.code_of
    # The two sorts below (720,000 rows for a national year) stay in memory: this
    # transaction only.
    conn.exec_driver_sql("SET LOCAL work_mem = '128MB'")
    conn.exec_driver_sql(_PG_STAGE_CREATE)
    raw = conn.connection.driver_connection  # psycopg, inside the transaction `conn` opened
    with _driver_errors(conn, _PG_STAGE_COPY), raw.cursor() as cur, cur.copy(_PG_STAGE_COPY) as copy:
        for seq, (key, c, is_new) in enumerate(writes):
            copy.write_row((seq, key[0], key[1], key[2], key[3], is_new, c.old, c.new, c.version))
    conn.exec_driver_sql("ANALYZE import_stage")  # row counts for the planner: hash joins, not guesses
    params = {"source": source, "by": by, "now": now}
    n_new = sum(1 for _key, _c, is_new in writes if is_new)
    n_upd = len(writes) - n_new
    if n_new:
        savepoint = conn.begin_nested()
        try:
            conn.execute(text(_PG_INSERT), params)
        except IntegrityError as exc:
            if getattr(exc.orig, "sqlstate", None) != _UNIQUE_VIOLATION:
                raise
            savepoint.rollback()
            # Someone stored one of these figures after our re-read: report, never overwrite.
            lost = conn.execute(text(_PG_LOST)).all()
            keys = [(code_of[uid], de, year, period) for uid, de, year, period in lost]
            raise ImportConflict(
                sorted(keys) or sorted((code_of[k[0]], k[1], k[2], k[3]) for k, _c, new in writes if new)
            ) from None
        savepoint.commit()
    updated = conn.execute(text(_PG_UPDATE), params).rowcount if n_upd else 0
    if updated != n_upd:
        raise ImportConflict([(code_of[key[0]], key[1], key[2], key[3]) for key, _c, is_new in writes if not is_new])
    conn.execute(text(_PG_AUDIT), {**params, "batch_id": batch_id})
    return n_new, updated

