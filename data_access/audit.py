"""Reads for the audit trail, the reporting status and import history (bound parameters).

- `audit_entries(...)`: changes to figures in an area, newest first, filtered and paged.
- `report_counts(...)`: per commune and (year, period), how many of a list of data
  elements it reported and when its newest figure arrived (one grouped query).
- `recent_imports(...)`: the latest import batches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine, bindparam, func, select

from data_access.models import AuditEntry, DataValue, ImportBatch, OrgUnit
from data_access.queries import Given, by_period_and_code, columns_of, from_row, given_conditions
from i18n import to_local

# Vietnam keeps UTC+7 all year (no daylight saving), so a fixed offset is exact.
LOCAL_TZ = timezone(timedelta(hours=7), "ICT")


def local_time(value: datetime | None) -> datetime | None:
    """A stored timestamp in Vietnamese local time (SQLite hands back naive UTC); the one
    clock is `i18n.to_local`."""
    return to_local(value) if value is not None else None


@dataclass(frozen=True)
class AuditRow:
    id: int
    changed_at: datetime  # local time
    commune_code: str
    commune_name: str
    data_element: str
    year: int
    period: str
    action: str
    old_value: float | None
    new_value: float | None
    changed_by: str
    source: str | None
    import_id: int | None


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    total: int


def _area_path(conn, area_code: str) -> str | None:  # noqa: ANN001
    return conn.execute(
        OrgUnit.by_code(area_code, OrgUnit.path)
    ).scalar()


def audit_entries(
    engine: Engine,
    area_code: str,
    *,
    commune: str | None = None,
    data_element: str | None = None,
    year: int | None = None,
    period: str | None = None,
    import_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> AuditPage:
    """Changes to figures of communes under `area_code`, newest first."""
    with engine.connect() as conn:
        path = _area_path(conn, area_code)
        if path is None:
            return AuditPage([], 0)
        conds, params = given_conditions(
            (
                Given(OrgUnit.code, "commune", commune or None),
                Given(AuditEntry.data_element_id, "de", data_element or None),
                Given(AuditEntry.year, "year", year),
                Given(AuditEntry.period, "period", period or None),
                Given(AuditEntry.import_id, "import_id", import_id),
            )
        )
        conds.append(OrgUnit.path.like(bindparam("prefix")))
        params["prefix"] = path + "%"
        base = select(
            *columns_of(
                AuditRow,
                AuditEntry,
                commune_code=OrgUnit.code,
                commune_name=OrgUnit.full_name,
                data_element=AuditEntry.data_element_id,
            )
        ).join(OrgUnit, OrgUnit.id == AuditEntry.org_unit_id)
        total = conn.execute(
            select(func.count())
            .select_from(AuditEntry)
            .join(OrgUnit, OrgUnit.id == AuditEntry.org_unit_id)
            .where(*conds),
            params,
        ).scalar_one()
        stmt = (
            base.where(*conds)
            .order_by(AuditEntry.changed_at.desc(), AuditEntry.id.desc())
            .limit(bindparam("limit"))
            .offset(bindparam("offset"))
        )
        rows = conn.execute(stmt, {**params, "limit": int(limit), "offset": int(offset)}).all()
    return AuditPage([from_row(AuditRow, r, changed_at=local_time(r.changed_at)) for r in rows], int(total))


@dataclass(frozen=True)
class ReportCount:
    reported: int  # how many of the wanted data elements
    last_update: datetime | None  # local time


def report_counts(
    engine: Engine, area_code: str, periods: Iterable[tuple[int, str]], elements: Sequence[str]
) -> dict[tuple[int, str], dict[str, ReportCount]]:
    """(year, period) -> commune code -> how much of its report is in (one query)."""
    stmt = (
        select(
            OrgUnit.code,
            DataValue.year,
            DataValue.period,
            func.count(),
            func.max(DataValue.updated_at),
        )
        .join(OrgUnit, OrgUnit.id == DataValue.org_unit_id)
        .where(
            OrgUnit.path.like(bindparam("prefix")),
            DataValue.year.in_(bindparam("years", expanding=True)),
            DataValue.data_element_id.in_(bindparam("des", expanding=True)),
        )
        .group_by(OrgUnit.code, DataValue.year, DataValue.period)
    )
    return by_period_and_code(
        engine, area_code, periods, elements, stmt, lambda n, last: ReportCount(int(n), local_time(last)), _area_path
    )


@dataclass(frozen=True)
class BatchRow:
    id: int
    filename: str
    imported_by: str
    imported_at: datetime  # local time
    inserted: int
    updated: int
    unchanged: int


def recent_imports(
    engine: Engine,
    area_code: str | None,
    limit: int = 10,
    exclude_user: str | None = "sample_data",
) -> list[BatchRow]:
    """The latest import batches that changed a figure of a commune under `area_code`
    (the sample-data seed left out by default). `area_code=None` is the whole database,
    for the system only: an editor of one district must not learn another's files."""
    stmt = (
        select(
            ImportBatch.id,
            ImportBatch.filename,
            ImportBatch.imported_by,
            ImportBatch.imported_at,
            ImportBatch.inserted,
            ImportBatch.updated,
            ImportBatch.unchanged,
        )
        .order_by(ImportBatch.imported_at.desc(), ImportBatch.id.desc())
        .limit(bindparam("n"))
    )
    params: dict[str, object] = {"n": int(limit)}
    if area_code is not None:
        with engine.connect() as conn:
            path = _area_path(conn, area_code)
        if path is None:
            return []
        touched = (
            select(AuditEntry.id)
            .join(OrgUnit, OrgUnit.id == AuditEntry.org_unit_id)
            .where(AuditEntry.import_id == ImportBatch.id, OrgUnit.path.like(bindparam("prefix")))
        )
        stmt = stmt.where(touched.exists())
        params["prefix"] = path + "%"
    if exclude_user:
        stmt = stmt.where(ImportBatch.imported_by != bindparam("skip"))
        params["skip"] = exclude_user
    with engine.connect() as conn:
        rows = conn.execute(stmt, params).all()
    return [
        BatchRow(b.id, b.filename, b.imported_by, local_time(b.imported_at), b.inserted, b.updated, b.unchanged)  # type: ignore[arg-type]
        for b in rows
    ]
