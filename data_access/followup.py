"""Directions of the steering committee, notes on figures and meetings (issue 15).

A direction (chỉ đạo / nhiệm vụ) is bound to an org unit (a commune, or the plan's
area for "the whole district"), optionally to an indicator (so to a cell commune x
indicator x year), with a text, who is responsible, a due date and a status:

- stored statuses: `in_progress` (đang làm), `done` (hoàn thành), `cancelled` (huỷ);
- `overdue` (quá hạn) is derived, never stored: `in_progress` past its due date, so
  it turns by itself the morning after the deadline.

Scope, as for figures (`data_access.access`): a person sees the directions and notes
on units inside their grants (a commune viewer: that commune's only, not the
district's); an editor of the unit may add and update them. Nothing is deleted: a
direction is cancelled, and every change is a `direction_event` row (who, when, old
and new status, the note) — its audit trail and its follow-up notes.
"""

from __future__ import annotations

import contextlib
import json
import operator
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection, Engine, bindparam, insert, or_, select, update

from data_access.access import AccessScope, current_scope, require_area
from data_access.audit import local_time
from data_access.models import Direction, DirectionEvent, FigureNote, Meeting, OrgUnit
from data_access.queries import Given, columns_of, from_row, given_conditions
from i18n import DEFAULT_LANG, Explained, fmt_date, t
from rules.model import PERIODS

STORED_STATUSES: tuple[str, ...] = ("in_progress", "done", "cancelled")
STATUSES: tuple[str, ...] = ("in_progress", "overdue", "done", "cancelled")  # as people see them
MAX_TEXT = 2000


class FollowUpError(Explained, ValueError):
    """A direction, note or meeting that cannot be saved as given; nothing was written."""


@dataclass(frozen=True)
class DirectionRow:
    id: int
    area_code: str
    area_name: str
    area_level: str
    indicator_id: str | None
    year: int
    text: str
    owner: str
    due: date
    status: str  # effective: in_progress | overdue | done | cancelled
    stored_status: str
    meeting_id: int | None
    created_by: str
    created_at: datetime  # local time
    updated_at: datetime  # local time
    last_note: str | None = None

    @property
    def is_open(self) -> bool:
        return self.stored_status == "in_progress"


@dataclass(frozen=True)
class EventRow:
    id: int
    direction_id: int
    action: str
    old_status: str | None
    new_status: str | None
    note: str | None
    author: str
    at: datetime  # local time


@dataclass(frozen=True)
class NoteRow:
    id: int
    area_code: str
    area_name: str
    indicator_id: str
    year: int
    period: str
    text: str
    author: str
    noted_on: date


@dataclass(frozen=True)
class MeetingRow:
    id: int
    area_code: str
    area_name: str
    meeting_date: date
    year: int
    period: str
    title: str
    chaired_by: str | None
    conclusions: str | None
    opened_by: str
    opened_at: datetime  # local time
    closed_at: datetime | None  # local time

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


def _now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """Today in Vietnam (UTC+7), the day deadlines are counted in."""
    return local_time(_now()).date()  # type: ignore[union-attr]


def effective_status(stored: str, due: date, on: date | None = None) -> str:
    """`overdue` for an open direction past its due date; else the stored status."""
    on = on or today()
    if stored == "in_progress" and due < on:
        return "overdue"
    return stored


@contextlib.contextmanager
def _begin(bind: Engine | Connection) -> Iterator[Connection]:
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            yield conn
    else:
        yield bind


def _connect(bind: Engine | Connection) -> contextlib.AbstractContextManager[Connection]:
    return bind.connect() if isinstance(bind, Engine) else contextlib.nullcontext(bind)


def _clean_text(value: str | None, key: str) -> str:
    text = (value or "").strip()
    if not text:
        raise FollowUpError(key)
    if len(text) > MAX_TEXT:
        raise FollowUpError("followup_text_too_long", limit=MAX_TEXT)
    return text


def _unit_id(conn: Connection, code: str) -> int:
    return conn.execute(
        OrgUnit.by_code(code)
    ).scalar_one()


def _who(scope: AccessScope, by: str | None) -> str:
    if by:
        return by
    return scope.user if scope.kind == "user" else scope.kind


def _insert_dated(
    bind: Engine | Connection,
    scope: AccessScope,
    table: type[FigureNote] | type[Meeting],
    area_code: str,
    year: int,
    period: str,
    values: dict[str, object],
    *,
    by: tuple[str, str | None],
    at: str,
) -> int:
    """Insert a record on (unit, year, period) for an editor of the unit, signed by who
    wrote it and when; returns its id. A note on a figure and a meeting are both made so."""
    if period not in PERIODS:
        raise FollowUpError("followup_bad_period", period=period)
    require_area(bind, scope, area_code, "editor")
    author_column, author = by
    with _begin(bind) as conn:
        row = {"org_unit_id": _unit_id(conn, area_code), "year": int(year), "period": period, **values}
        row |= {author_column: _who(scope, author), at: _now()}
        return int(conn.execute(insert(table).returning(table.id), row).scalar_one())


# --------------------------------------------------------------------------- directions


def add_direction(
    bind: Engine | Connection,
    scope: AccessScope | None,
    *,
    area_code: str,
    year: int,
    text: str,
    owner: str,
    due: date,
    indicator_id: str | None = None,
    meeting_id: int | None = None,
    by: str | None = None,
    known_indicators: Iterable[str] | None = None,
) -> int:
    """Record a direction on `area_code` (editor there); returns its id."""
    scope = scope or current_scope()
    text = _clean_text(text, "followup_text_missing")
    owner = _clean_text(owner, "followup_owner_missing")
    if len(owner) > 200:
        raise FollowUpError("followup_text_too_long", limit=200)
    if known_indicators is not None and indicator_id and indicator_id not in set(known_indicators):
        raise FollowUpError("followup_unknown_indicator", indicator=indicator_id)
    if not isinstance(due, date):
        raise FollowUpError("followup_bad_date", value=due)
    require_area(bind, scope, area_code, "editor")
    who = _who(scope, by)
    now = _now()
    with _begin(bind) as conn:
        if meeting_id is not None:
            meeting = conn.execute(select(Meeting.closed_at).where(Meeting.id == bindparam("m")), {"m": meeting_id}).first()
            if meeting is None:
                raise FollowUpError("followup_meeting_not_found", id=meeting_id)
        new_id = conn.execute(
            insert(Direction).returning(Direction.id),
            {
                "org_unit_id": _unit_id(conn, area_code),
                "indicator_id": indicator_id or None,
                "year": int(year),
                "text": text,
                "owner": owner,
                "due": due,
                "status": "in_progress",
                "meeting_id": meeting_id,
                "created_by": who,
                "created_at": now,
                "updated_at": now,
            },
        ).scalar_one()
        conn.execute(
            insert(DirectionEvent),
            {"direction_id": new_id, "action": "created", "new_status": "in_progress", "author": who, "at": now},
        )
    return int(new_id)


def _direction_unit(conn: Connection, direction_id: int) -> tuple[str, str] | None:
    row = conn.execute(
        select(OrgUnit.code, Direction.status)
        .join(OrgUnit, OrgUnit.id == Direction.org_unit_id)
        .where(Direction.id == bindparam("d")),
        {"d": int(direction_id)},
    ).first()
    return (row[0], row[1]) if row else None


def update_direction(
    bind: Engine | Connection,
    scope: AccessScope | None,
    direction_id: int,
    *,
    status: str | None = None,
    note: str | None = None,
    by: str | None = None,
) -> None:
    """Change the status and/or add a follow-up note (editor of the direction's unit)."""
    scope = scope or current_scope()
    if status is not None and status not in STORED_STATUSES:
        raise FollowUpError("followup_bad_status", status=status)
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_TEXT:
        raise FollowUpError("followup_text_too_long", limit=MAX_TEXT)
    if status is None and note is None:
        raise FollowUpError("followup_nothing_to_change")
    with _connect(bind) as conn:
        found = _direction_unit(conn, direction_id)
    if found is None:
        raise FollowUpError("followup_direction_not_found", id=direction_id)
    code, old = found
    # Not readable and not found answer alike, so ids do not reveal other places' work.
    try:
        require_area(bind, scope, code)
    except PermissionError:
        raise FollowUpError("followup_direction_not_found", id=direction_id) from None
    require_area(bind, scope, code, "editor")
    who = _who(scope, by)
    now = _now()
    changed = status is not None and status != old
    if not changed and note is None:
        raise FollowUpError("followup_nothing_to_change")
    with _begin(bind) as conn:
        if changed:
            conn.execute(
                update(Direction).where(Direction.id == bindparam("d")).values(status=bindparam("s"), updated_at=bindparam("u")),
                {"d": int(direction_id), "s": status, "u": now},
            )
        else:
            conn.execute(
                update(Direction).where(Direction.id == bindparam("d")).values(updated_at=bindparam("u")),
                {"d": int(direction_id), "u": now},
            )
        conn.execute(
            insert(DirectionEvent),
            {
                "direction_id": int(direction_id),
                "action": "status" if changed else "note",
                "old_status": old if changed else None,
                "new_status": status if changed else None,
                "note": note,
                "author": who,
                "at": now,
            },
        )


def list_directions(
    bind: Engine | Connection,
    scope: AccessScope | None,
    *,
    area_code: str | None = None,
    status: str | Sequence[str] | None = None,
    indicator_id: str | None = None,
    year: int | None = None,
    due_from: date | None = None,
    due_to: date | None = None,
    meeting_id: int | None = None,
    on: date | None = None,
) -> list[DirectionRow]:
    """Directions inside the scope (and under `area_code` when given), by due date.

    `status` filters on the status people see (`overdue` included)."""
    scope = scope or current_scope()
    on = on or today()
    prefix = require_area(bind, scope, area_code) if area_code else None
    stmt = select(
        *columns_of(
            DirectionRow,
            Direction,
            computed=("status", "last_note"),
            area_code=OrgUnit.code,
            area_name=OrgUnit.full_name,
            area_level=OrgUnit.level,
            stored_status=Direction.status,
        ),
        OrgUnit.path,
    ).join(OrgUnit, OrgUnit.id == Direction.org_unit_id)
    params: dict[str, object] = {}
    if prefix is not None:
        stmt = stmt.where(OrgUnit.path.like(bindparam("prefix")))
        params["prefix"] = prefix + "%"
    elif not scope.whole_tree:
        conds = [OrgUnit.path.like(bindparam(f"g{i}")) for i, _ in enumerate(scope.grants)]
        if not conds:
            return []
        stmt = stmt.where(or_(*conds))
        params.update({f"g{i}": g.path + "%" for i, g in enumerate(scope.grants)})
    conds, given = given_conditions(
        (
            Given(Direction.indicator_id, "ind", indicator_id or None),
            Given(Direction.year, "year", year, cast=int),
            Given(Direction.due, "due_from", due_from, operator.ge),
            Given(Direction.due, "due_to", due_to, operator.le),
            Given(Direction.meeting_id, "meeting", meeting_id, cast=int),
        )
    )
    stmt = stmt.where(*conds)
    params |= given
    stmt = stmt.order_by(Direction.due, Direction.id)
    wanted = {status} if isinstance(status, str) else set(status or ())
    with _connect(bind) as conn:
        rows = conn.execute(stmt, params).all()
        notes = _last_notes(conn, [r.id for r in rows])
    out = []
    for r in rows:
        if not scope.allows(r.path):
            continue
        eff = effective_status(r.stored_status, r.due, on)
        if wanted and eff not in wanted:
            continue
        out.append(
            from_row(
                DirectionRow,
                r,
                status=eff,
                created_at=local_time(r.created_at),
                updated_at=local_time(r.updated_at),
                last_note=notes.get(r.id),
            )
        )
    return out


def _last_notes(conn: Connection, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    stmt = (
        select(DirectionEvent.direction_id, DirectionEvent.note)
        .where(DirectionEvent.direction_id.in_(bindparam("ids", expanding=True)), DirectionEvent.note.is_not(None))
        .order_by(DirectionEvent.at, DirectionEvent.id)
    )
    out: dict[int, str] = {}
    for did, note in conn.execute(stmt, {"ids": list(ids)}):
        out[did] = note  # the newest wins
    return out


def direction_events(bind: Engine | Connection, scope: AccessScope | None, direction_id: int) -> list[EventRow]:
    """The history of one direction, oldest first (refused outside the scope)."""
    scope = scope or current_scope()
    with _connect(bind) as conn:
        found = _direction_unit(conn, direction_id)
        if found is None:
            raise FollowUpError("followup_direction_not_found", id=direction_id)
        try:
            require_area(conn, scope, found[0])
        except PermissionError:
            raise FollowUpError("followup_direction_not_found", id=direction_id) from None
        rows = conn.execute(
            select(*DirectionEvent.__table__.c)
            .where(DirectionEvent.direction_id == bindparam("d"))
            .order_by(DirectionEvent.at, DirectionEvent.id),
            {"d": int(direction_id)},
        ).all()
        return [
            EventRow(e.id, e.direction_id, e.action, e.old_status, e.new_status, e.note, e.author, local_time(e.at))  # type: ignore[arg-type]
            for e in rows
        ]


def direction_cells(rows: Iterable[DirectionRow]) -> dict[tuple[str, str | None], list[DirectionRow]]:
    """(area code, indicator id or None) -> its open directions: the markers of a grid."""
    out: dict[tuple[str, str | None], list[DirectionRow]] = {}
    for r in rows:
        if r.status in ("in_progress", "overdue"):
            out.setdefault((r.area_code, r.indicator_id), []).append(r)
    return out


def marker(rows: Sequence[DirectionRow]) -> str:
    """The mark shown in a cell with directions: a flag, and "!" when one is overdue
    (a shape and a character, so it reads without colour on a projector)."""
    if not rows:
        return ""
    return "⚑!" if any(r.status == "overdue" for r in rows) else "⚑"


# --------------------------------------------------------------------------- notes on figures


def add_note(
    bind: Engine | Connection,
    scope: AccessScope | None,
    *,
    area_code: str,
    indicator_id: str,
    year: int,
    period: str,
    text: str,
    noted_on: date | None = None,
    by: str | None = None,
) -> int:
    """Attach a dated explanation to a value (editor of the unit)."""
    scope = scope or current_scope()
    text = _clean_text(text, "followup_text_missing")
    values = {"indicator_id": indicator_id, "text": text, "noted_on": noted_on or today()}
    return _insert_dated(bind, scope, FigureNote, area_code, year, period, values, by=("author", by), at="created_at")


def list_notes(
    bind: Engine | Connection,
    scope: AccessScope | None,
    area_code: str,
    *,
    year: int | None = None,
    period: str | None = None,
    indicator_id: str | None = None,
) -> list[NoteRow]:
    """Notes on figures of units under `area_code` that the scope may read, by date."""
    scope = scope or current_scope()
    prefix = require_area(bind, scope, area_code)
    stmt = (
        select(*columns_of(NoteRow, FigureNote, area_code=OrgUnit.code, area_name=OrgUnit.full_name), OrgUnit.path)
        .join(OrgUnit, OrgUnit.id == FigureNote.org_unit_id)
        .where(OrgUnit.path.like(bindparam("prefix")))
    )
    conds, params = given_conditions(
        (
            Given(FigureNote.year, "year", year, cast=int),
            Given(FigureNote.period, "period", period),
            Given(FigureNote.indicator_id, "ind", indicator_id),
        )
    )
    stmt = stmt.where(*conds)
    params["prefix"] = prefix + "%"
    stmt = stmt.order_by(FigureNote.noted_on, FigureNote.id)
    with _connect(bind) as conn:
        rows = conn.execute(stmt, params).all()
    return [from_row(NoteRow, n) for n in rows if scope.allows(n.path)]


def notes_by_cell(notes: Iterable[NoteRow]) -> dict[tuple[str, str, int, str], list[NoteRow]]:
    """(area code, indicator, year, period) -> its notes."""
    out: dict[tuple[str, str, int, str], list[NoteRow]] = {}
    for n in notes:
        out.setdefault((n.area_code, n.indicator_id, n.year, n.period), []).append(n)
    return out


# --------------------------------------------------------------------------- meetings


def open_meeting(
    bind: Engine | Connection,
    scope: AccessScope | None,
    *,
    area_code: str,
    meeting_date: date,
    year: int,
    period: str,
    snapshot: list[dict],
    title: str | None = None,
    chaired_by: str | None = None,
    by: str | None = None,
) -> int:
    """Open a meeting and freeze the figures it shows (`snapshot`: progress records)."""
    scope = scope or current_scope()
    values = {
        "meeting_date": meeting_date,
        "title": (title or "").strip() or t("meeting_default_title", DEFAULT_LANG, date=fmt_date(meeting_date)),
        "chaired_by": (chaired_by or "").strip() or None,
        "snapshot": json.dumps(snapshot, ensure_ascii=False, default=str),
    }
    return _insert_dated(bind, scope, Meeting, area_code, year, period, values, by=("opened_by", by), at="opened_at")


def _meeting_rows(conn: Connection, where, params: dict) -> list[tuple[MeetingRow, str]]:  # noqa: ANN001
    stmt = (
        select(*Meeting.__table__.c, OrgUnit.code, OrgUnit.full_name, OrgUnit.path)
        .join(OrgUnit, OrgUnit.id == Meeting.org_unit_id)
        .where(*where)
        .order_by(Meeting.meeting_date.desc(), Meeting.id.desc())
    )
    out = []
    for m in conn.execute(stmt, params).all():
        code, name, path = m.code, m.full_name, m.path
        out.append(
            (
                MeetingRow(
                    m.id,
                    code,
                    name,
                    m.meeting_date,
                    m.year,
                    m.period,
                    m.title,
                    m.chaired_by,
                    m.conclusions,
                    m.opened_by,
                    local_time(m.opened_at),  # type: ignore[arg-type]
                    local_time(m.closed_at),
                ),
                path,
            )
        )
    return out


def get_meeting(bind: Engine | Connection, scope: AccessScope | None, meeting_id: int) -> MeetingRow:
    """One meeting the scope may read (else "not found", whether it exists or not)."""
    scope = scope or current_scope()
    with _connect(bind) as conn:
        rows = _meeting_rows(conn, [Meeting.id == bindparam("m")], {"m": int(meeting_id)})
    if not rows or not scope.allows(rows[0][1]):
        raise FollowUpError("followup_meeting_not_found", id=meeting_id)
    return rows[0][0]


def list_meetings(bind: Engine | Connection, scope: AccessScope | None, area_code: str) -> list[MeetingRow]:
    """Meetings held for `area_code` itself, newest first."""
    scope = scope or current_scope()
    require_area(bind, scope, area_code)
    with _connect(bind) as conn:
        rows = _meeting_rows(conn, [OrgUnit.code == bindparam("c")], {"c": area_code})
    return [m for m, _ in rows]


def meeting_snapshot(bind: Engine | Connection, scope: AccessScope | None, meeting_id: int) -> list[dict]:
    """The progress records frozen when the meeting opened."""
    get_meeting(bind, scope, meeting_id)
    with _connect(bind) as conn:
        raw = conn.execute(select(Meeting.snapshot).where(Meeting.id == bindparam("m")), {"m": int(meeting_id)}).scalar()
    return json.loads(raw or "[]")


def close_meeting(
    bind: Engine | Connection, scope: AccessScope | None, meeting_id: int, *, conclusions: str | None = None
) -> None:
    """Close a meeting with its conclusions; a closed meeting keeps them unchanged."""
    scope = scope or current_scope()
    meeting = get_meeting(bind, scope, meeting_id)
    require_area(bind, scope, meeting.area_code, "editor")
    if meeting.is_closed:
        raise FollowUpError("followup_meeting_closed", id=meeting_id)
    with _begin(bind) as conn:
        conn.execute(
            update(Meeting).where(Meeting.id == bindparam("m")).values(conclusions=bindparam("c"), closed_at=bindparam("at")),
            {"m": int(meeting_id), "c": (conclusions or "").strip() or None, "at": _now()},
        )


def previous_meeting(bind: Engine | Connection, scope: AccessScope | None, meeting: MeetingRow) -> MeetingRow | None:
    """The meeting held for the same area just before this one."""
    earlier = [
        m
        for m in list_meetings(bind, scope, meeting.area_code)
        if (m.meeting_date, m.id) < (meeting.meeting_date, meeting.id)
    ]
    return earlier[0] if earlier else None


def due_for_meeting(bind: Engine | Connection, scope: AccessScope | None, meeting: MeetingRow) -> list[DirectionRow]:
    """What the committee checks: directions of the area due since the last meeting
    (up to this meeting's date), and older ones still open; added at this meeting
    left out (they are listed apart)."""
    prev = previous_meeting(bind, scope, meeting)
    since = prev.meeting_date if prev else None
    out = []
    for d in list_directions(bind, scope, area_code=meeting.area_code, due_to=meeting.meeting_date, on=meeting.meeting_date):
        if d.meeting_id == meeting.id:
            continue
        recent = since is None or d.due > since
        carried = d.stored_status == "in_progress"
        if recent or carried:
            out.append(d)
    return out
