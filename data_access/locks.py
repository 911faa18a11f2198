"""Period locking: figures that were reported and closed must not move afterwards.

An admin closes a (year, period) for an org-unit subtree, e.g. the district after the
report deadline; from then on imports touching any commune under it are refused with
a plain message, until an admin reopens it. Both actions are written to the audit
log (`audit_log.action` = `period_close` / `period_reopen`, `data_element_id` = `*`,
on the closed unit), so the audit page shows them beside the figures' changes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypedDict, Unpack

from sqlalchemy import Connection, Engine, delete, insert, select

from data_access.access import AccessScope, current_scope, require_admin, unit_paths
from data_access.models import AuditEntry, OrgUnit, PeriodLock
from data_access.queries import Given, columns_of, from_row, given_conditions
from i18n import DEFAULT_LANG, Explained, fmt_date, t, to_local
from rules.model import PERIODS

LOCK_ELEMENT = "*"
ACTION_CLOSE = "period_close"
ACTION_REOPEN = "period_reopen"


@dataclass(frozen=True)
class LockRow:
    year: int
    period: str
    area_code: str
    area_name: str
    locked_by: str
    locked_at: datetime  # local time
    reason: str | None


class PeriodLocked(Explained, RuntimeError):
    """An import or change touches a closed period; nothing was written."""

    def __init__(self, lock: LockRow) -> None:
        super().__init__("access_period_locked", period=lock.period, year=lock.year, area=lock.area_code)
        self.lock = lock

    def message(self, lang: str = DEFAULT_LANG) -> str:
        lock = self.lock
        return t(
            "access_period_locked",
            lang,
            period=t(f"period_{lock.period}", lang),
            year=lock.year,
            area=lock.area_name,
            by=lock.locked_by,
            when=fmt_date(lock.locked_at, lang, with_time=True),
        )


class LockError(Explained, ValueError):
    """Closing a closed period, reopening an open one, a bad period name."""

    def message(self, lang: str = DEFAULT_LANG) -> str:
        values = {k: (t(f"period_{v}", lang) if k == "period" else str(v)) for k, v in self.params.items()}
        return t(self.key, lang, **values)


def _connect(bind: Engine | Connection) -> contextlib.AbstractContextManager[Connection]:
    return bind.connect() if isinstance(bind, Engine) else contextlib.nullcontext(bind)


def _rows(conn: Connection, year: int | None = None, period: str | None = None) -> list[tuple[LockRow, str]]:
    stmt = select(
        *columns_of(LockRow, PeriodLock, area_code=OrgUnit.code, area_name=OrgUnit.full_name),
        OrgUnit.path,
    ).join(OrgUnit, OrgUnit.id == PeriodLock.org_unit_id)
    conds, params = given_conditions(
        (Given(PeriodLock.year, "year", year, cast=int), Given(PeriodLock.period, "period", period))
    )
    stmt = stmt.where(*conds)
    stmt = stmt.order_by(PeriodLock.year.desc(), PeriodLock.period, OrgUnit.code)
    out = []
    for r in conn.execute(stmt, params):
        out.append((from_row(LockRow, r, locked_at=to_local(r.locked_at)), r.path))
    return out


def list_locks(bind: Engine | Connection, scope: AccessScope | None = None) -> list[LockRow]:
    """The closed periods that concern `scope`: locks inside its subtrees or above them."""
    scope = scope or current_scope()
    with _connect(bind) as conn:
        rows = _rows(conn)
    out = []
    for lock, path in rows:
        inside = scope.allows(path)
        above = any(g.path.startswith(path) for g in scope.grants)
        if inside or above:
            out.append(lock)
    return out


def find_lock(
    bind: Engine | Connection, year: int, period: str, commune_codes: Iterable[str] | None = None
) -> LockRow | None:
    """The first lock of (year, period) covering any of `commune_codes` (None: any lock)."""
    with _connect(bind) as conn:
        rows = _rows(conn, year, period)
        if not rows:
            return None
        if commune_codes is None:
            return rows[0][0]
        paths = unit_paths(conn, commune_codes)
    for lock, lock_path in rows:
        if any(p.startswith(lock_path) for p in paths.values()):
            return lock
    return None


def ensure_period_open(
    bind: Engine | Connection, year: int, period: str, commune_codes: Iterable[str] | None = None
) -> None:
    """Raise `PeriodLocked` when (year, period) is closed for any of the communes.

    The importer calls this for every (year, period) of a file, in the transaction
    that writes, so a period closed while someone was previewing is still refused.
    """
    lock = find_lock(bind, year, period, None if commune_codes is None else list(commune_codes))
    if lock is not None:
        raise PeriodLocked(lock)


def _check_period(period: str) -> None:
    if period not in PERIODS:
        raise LockError("access_lock_bad_period", period=period)


def _this_lock(year: int, period: str, unit_id: int):  # noqa: ANN202 - a where clause
    return (PeriodLock.year == int(year), PeriodLock.period == period, PeriodLock.org_unit_id == unit_id)


@contextlib.contextmanager
def _admin_change(
    engine: Engine, period: str, area_code: str, scope: AccessScope | None
) -> Iterator[tuple[Connection, int]]:
    """A transaction for an admin of `area_code` changing a lock: (connection, unit id)."""
    _check_period(period)
    with engine.begin() as conn:
        require_admin(conn, scope, area_code)
        yield conn, conn.execute(OrgUnit.by_code(area_code)).scalar()


class LockChange(TypedDict, total=False):
    """What closing and reopening a period take besides the period and who acts."""

    reason: str | None  # kept (at most 300 characters) in the audit trail
    scope: AccessScope | None  # the actor's scope; None: the configured one
    now: datetime | None  # the change's time (default: now)


def close_period(
    engine: Engine, year: int, period: str, area_code: str, by: str, **change: Unpack[LockChange]
) -> None:
    """Close (year, period) for the subtree of `area_code` (admins of that area only)."""
    _change_lock(engine, year, period, area_code, by, ACTION_CLOSE, change)


def reopen_period(
    engine: Engine, year: int, period: str, area_code: str, by: str, **change: Unpack[LockChange]
) -> None:
    """Reopen a closed (year, period) of `area_code` (admins of that area only)."""
    _change_lock(engine, year, period, area_code, by, ACTION_REOPEN, change)


def _change_lock(
    engine: Engine, year: int, period: str, area_code: str, by: str, action: str, change: LockChange
) -> None:
    # One transaction for either change: the admin check, the lock row, the audit entry.
    now = change.get("now") or datetime.now(UTC)
    text = (change.get("reason") or "").strip()[:300] or None
    with _admin_change(engine, period, area_code, change.get("scope")) as (conn, unit_id):
        this = _this_lock(year, period, unit_id)
        if action == ACTION_CLOSE:
            if conn.execute(select(PeriodLock.id).where(*this)).scalar() is not None:
                raise LockError("access_lock_already_closed", period=period, year=year, area=area_code)
            conn.execute(
                insert(PeriodLock).values(
                    year=int(year), period=period, org_unit_id=unit_id, locked_by=by[:120], locked_at=now, reason=text
                )
            )
        elif not conn.execute(delete(PeriodLock).where(*this)).rowcount:
            raise LockError("access_lock_not_closed", period=period, year=year, area=area_code)
        _audit(conn, unit_id, year, period, action, by, now, text)


def _audit(
    conn: Connection, unit_id: int, year: int, period: str, action: str, by: str, now: datetime, reason: str | None
) -> None:
    conn.execute(
        insert(AuditEntry).values(
            org_unit_id=unit_id,
            data_element_id=LOCK_ELEMENT,
            year=int(year),
            period=period,
            action=action,
            old_value=None,
            new_value=None,
            changed_by=by[:120],
            changed_at=now,
            source=reason,
            import_id=None,
        )
    )
