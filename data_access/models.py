"""SQLAlchemy 2 models: the org-unit tree, data elements, data values and their audit.

The schema itself is created and changed only by the Alembic migrations in
`data_access/migrations/`; these classes describe it for queries and writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    Text,
    UniqueConstraint,
    insert,
    select,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from rules.model import DataElement


class Base(DeclarativeBase):
    pass


class OrgUnit(Base):
    """A node of the administrative tree: country, province, district, commune.

    `path` holds the codes from the root down (`/24/220/07615/`) so a subtree is one
    indexed prefix match, whatever its depth.

    A unit is its code *and* the days it was valid (migration 0004): since the 2025
    reform most codes name one unit until 30/06/2025 and another from 01/07/2025. On
    any one day a code names at most one unit, so a path read on a day is unambiguous.
    """

    __tablename__ = "org_unit"
    __table_args__ = (
        Index("uq_org_unit_code_from", "code", text("coalesce(valid_from, '1900-01-01')"), unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(200))
    full_name: Mapped[str] = mapped_column(String(250))
    type: Mapped[str] = mapped_column(String(30))
    level: Mapped[str] = mapped_column(String(20), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    path: Mapped[str] = mapped_column(String(400), index=True)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    boundary: Mapped[str | None] = mapped_column(Text)  # GeoJSON geometry
    centroid_lat: Mapped[float | None] = mapped_column(Float)
    centroid_lon: Mapped[float | None] = mapped_column(Float)

    @classmethod
    def current_first(cls) -> tuple[Any, ...]:
        """ORDER BY for a lookup by code alone (a grant, a lock, an area picked by code):
        the unit still valid comes first, then the most recent, so a code reused by the
        2025 reform means today's unit, the same on SQLite and PostgreSQL."""
        return (cls.valid_to.is_(None).desc(), cls.valid_from.desc().nulls_last(), cls.id.desc())

    @classmethod
    def by_code(cls, code: str, column: Any = None) -> Select:
        """SELECT `column` (default: the id) of the unit a code alone means: today's unit
        when the reform reused the code (`current_first`)."""
        wanted = cls.id if column is None else column
        return select(wanted).where(cls.code == code).order_by(*cls.current_first()).limit(1)


class OrgUnitMerger(Base):
    """Which old commune went into which new one, so years either side can be compared."""

    __tablename__ = "org_unit_merger"

    old_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), primary_key=True)
    new_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), primary_key=True)
    effective_date: Mapped[date] = mapped_column(Date)
    share: Mapped[float] = mapped_column(Float, default=1.0)  # of the old unit's population


class DataElementRow(Base):
    """A raw figure communes report (standard catalogue or added by a plan)."""

    __tablename__ = "data_element"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(10))
    value_type: Mapped[str] = mapped_column(String(10))
    standard: Mapped[bool] = mapped_column(Boolean, default=True)

    @classmethod
    def add_missing(cls, conn: Connection, elements: Iterable[DataElement]) -> int:
        """Insert the elements the database does not know yet (the seed, and an import
        whose plan adds its own); returns how many were added."""
        known = set(conn.execute(select(cls.id)).scalars())
        new = [
            {"id": e.id, "name_vi": e.name.vi, "name_en": e.name.en, "kind": e.kind, "value_type": e.type,
             "standard": e.standard}
            for e in elements
            if e.id not in known
        ]  # fmt: skip
        if new:
            conn.execute(insert(cls), new)
        return len(new)


class DataValue(Base):
    """One figure: (commune, data element, year, period) → value, with its provenance."""

    __tablename__ = "data_value"
    __table_args__ = (
        CheckConstraint("period IN ('H1', 'FY')", name="ck_data_value_period"),
        # Migration 0003: covering, so an area's figures for a period are read from the
        # index alone (SQLite has no INCLUDE: value and updated_at are key columns there).
        Index(
            "ix_data_value_cover",
            "year",
            "period",
            "data_element_id",
            "org_unit_id",
            postgresql_include=["value", "updated_at"],
        ),
    )

    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), primary_key=True)
    data_element_id: Mapped[str] = mapped_column(ForeignKey("data_element.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(2), primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str | None] = mapped_column(String(300))
    updated_by: Mapped[str | None] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic concurrency


class ImportBatch(Base):
    """One file (or seed) loaded into the database."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filename: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str | None] = mapped_column(String(64))
    imported_by: Mapped[str] = mapped_column(String(120))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)


class AuditEntry(Base):
    """Every change to a figure: old value, new value, who, when, from which file."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_unit_element", "org_unit_id", "data_element_id", "year", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    data_element_id: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(2))
    action: Mapped[str] = mapped_column(String(20))  # insert | update | delete
    old_value: Mapped[float | None] = mapped_column(Float)
    new_value: Mapped[float | None] = mapped_column(Float)
    changed_by: Mapped[str] = mapped_column(String(120))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    source: Mapped[str | None] = mapped_column(String(300))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))


# --------------------------------------------------------------------------- access control
# Added by migration 0002: who may log in, where each person may read or write, which
# periods are closed, and every login attempt (for lockout and for the record).


class AppUser(Base):
    """A person who logs in (mode "db": with a password; mode "oidc": by e-mail)."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))  # argon2id; None for OIDC-only users
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    aggregates_only: Mapped[bool] = mapped_column(Boolean, default=False)  # small counts masked for them
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UserScope(Base):
    """One grant: a role (viewer, editor, admin) over an org-unit subtree.

    `org_unit_id` NULL means the whole tree (the national department).
    """

    __tablename__ = "user_scope"
    __table_args__ = (
        CheckConstraint("role IN ('viewer', 'editor', 'admin')", name="ck_user_scope_role"),
        UniqueConstraint("user_id", "org_unit_id", name="uq_user_scope_user_unit"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    role: Mapped[str] = mapped_column(String(10))
    granted_by: Mapped[str] = mapped_column(String(120))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PeriodLock(Base):
    """A closed (year, period) for an org-unit subtree: imports into it are refused."""

    __tablename__ = "period_lock"
    __table_args__ = (
        CheckConstraint("period IN ('H1', 'FY')", name="ck_period_lock_period"),
        UniqueConstraint("year", "period", "org_unit_id", name="uq_period_lock"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(2))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    locked_by: Mapped[str] = mapped_column(String(120))
    locked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(String(300))


class LoginAttempt(Base):
    """Every login attempt, good or bad; failures since the last success lock a name out."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_user_at", "username", "attempted_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(120))
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    success: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(30))  # ok | bad_password | locked | disabled | reset


# --------------------------------------------------------------------------- follow-up
# Added by migration 0005 (issue 15): directions of the steering committee, their
# follow-up events, notes on figures and the meetings with their frozen snapshot.


class Meeting(Base):
    """A steering-committee meeting (họp Ban chỉ đạo) for a date and an area."""

    __tablename__ = "meeting"
    __table_args__ = (CheckConstraint("period IN ('H1', 'FY')", name="ck_meeting_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    meeting_date: Mapped[date] = mapped_column(Date)
    year: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(String(300))
    chaired_by: Mapped[str | None] = mapped_column(String(200))
    conclusions: Mapped[str | None] = mapped_column(Text)
    snapshot: Mapped[str | None] = mapped_column(Text)  # JSON of the progress rows
    opened_by: Mapped[str] = mapped_column(String(120))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Direction(Base):
    """A direction (chỉ đạo / nhiệm vụ) on a commune, an indicator or a cell; never deleted."""

    __tablename__ = "direction"
    __table_args__ = (
        CheckConstraint("status IN ('in_progress', 'done', 'cancelled')", name="ck_direction_status"),
        Index("ix_direction_due", "status", "due"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    indicator_id: Mapped[str | None] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id"))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DirectionEvent(Base):
    """One change to a direction (created, status, note): its audit trail."""

    __tablename__ = "direction_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    direction_id: Mapped[int] = mapped_column(ForeignKey("direction.id"), index=True)
    action: Mapped[str] = mapped_column(String(12))
    old_status: Mapped[str | None] = mapped_column(String(12))
    new_status: Mapped[str | None] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class FigureNote(Base):
    """A dated explanation attached to a value (commune or area x indicator x year x period)."""

    __tablename__ = "figure_note"
    __table_args__ = (
        CheckConstraint("period IN ('H1', 'FY')", name="ck_figure_note_period"),
        Index("ix_figure_note_cell", "year", "period", "indicator_id", "org_unit_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    indicator_id: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(2))
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(120))
    noted_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# --------------------------------------------------------------------------- sessions
# Added by migration 0006: every login session is known here, so a reload or a new tab
# can resume it (the browser holds only a random token in an HttpOnly cookie, this table
# its SHA-256) and a logout, a password reset or a disabled account ends it everywhere.


class AuthSession(Base):
    """A logged-in session; `ended_at` set means it can no longer be used."""

    __tablename__ = "auth_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    mode: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(20))  # logout | reset | disabled | expired
