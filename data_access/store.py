"""The one door for the pages' writes and reads outside the figure cache: `Store(engine, viewer)`.

Every method acts for `viewer`, the `AccessScope` given when the store was made, and
checks it before anything is read or written; nothing here falls back to the scope of
the run (a store cannot be made without a viewer, and `NOBODY` may do nothing).
`ui/` and `pages/` get a store from `ui.auth.store()` and never see an engine, a query
module or the intake's internals (tests/test_layers.py holds that).

The figure reads the pages cache (progress, history, boundaries) stay behind
`ui/data.py`, which checks the same scope before its caches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine

from data_access import audit, db, followup, locks
from data_access.access import AccessDenied, AccessScope, require_area
from data_access.intake import (
    ImportConflict,
    ImportPreview,
    ImportResult,
    apply_import,
    prepare_import,
)
from data_access.intake import upload_limit_bytes as upload_limit_bytes  # the import page's size limit
from data_access.intake.template import write_template
from data_access.meeting_docx import meeting_record
from rules.model import Plan

# What a write may refuse with, each with `.message(lang)`: the page shows it and keeps
# what the person entered (a dry run stays confirmable after a failed write).
WRITE_REFUSALS: tuple[type[Exception], ...] = (ImportConflict, AccessDenied, locks.PeriodLocked, locks.LockError)
WRITE_FAILED = db.DatabaseWriteFailed
LockRow = locks.LockRow
BatchRow = audit.BatchRow
AuditPage = audit.AuditPage
AuditRow = audit.AuditRow


@dataclass(frozen=True)
class Store:
    """The database, seen by one viewer."""

    engine: Engine
    viewer: AccessScope

    def __post_init__(self) -> None:
        # The viewer is explicit, always: None would mean "whoever the run is" downstream.
        if not isinstance(self.viewer, AccessScope):
            raise TypeError("Store needs the viewer's AccessScope")

    @classmethod
    def at(cls, url: str, viewer: AccessScope) -> Store:
        return cls(db.get_engine(url), viewer)

    def _read(self, area_code: str) -> None:
        require_area(self.engine, self.viewer, area_code, "viewer")

    # ------------------------------------------------------------------ intake

    def template(self, plan: Plan, year: int, period: str, area_code: str) -> tuple[bytes, str]:
        """The XLSX template of `area_code`'s communes (readers of the area only)."""
        self._read(area_code)
        return write_template(self.engine, plan, year, period, area_code)

    def preview_import(
        self,
        plan: Plan,
        content: bytes,
        filename: str,
        *,
        on_progress: Callable[[float, str], None] | None = None,
        max_bytes: int | None = None,
        today: date | None = None,
    ) -> ImportPreview:
        """The dry run; communes the viewer may not load are errors of their rows."""
        return prepare_import(
            self.engine,
            plan,
            content,
            filename,
            on_progress=on_progress,
            max_bytes=max_bytes,
            today=today,
            scope=self.viewer,
        )

    def write_import(self, preview: ImportPreview, by: str, *, now: datetime | None = None) -> ImportResult:
        """All of the preview or nothing; the viewer's right to write is checked again inside."""
        return apply_import(self.engine, preview, by, now=now, scope=self.viewer)

    def recent_imports(self, area_code: str, limit: int = 10) -> list[audit.BatchRow]:
        self._read(area_code)
        return audit.recent_imports(self.engine, area_code, limit=limit)

    def audit(self, area_code: str, **filters: object) -> audit.AuditPage:
        """Changes to figures under `area_code`, newest first (commune, element, year, period, batch, limit, offset)."""
        self._read(area_code)
        return audit.audit_entries(self.engine, area_code, **filters)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ period locks

    def locks(self) -> list[locks.LockRow]:
        """The closed periods that concern the viewer (inside or above their subtrees)."""
        return locks.list_locks(self.engine, self.viewer)

    def close_period(self, year: int, period: str, area_code: str, by: str, *, reason: str | None = None) -> None:
        locks.close_period(self.engine, year, period, area_code, by, reason=reason, scope=self.viewer)

    def reopen_period(self, year: int, period: str, area_code: str, by: str, *, reason: str | None = None) -> None:
        locks.reopen_period(self.engine, year, period, area_code, by, reason=reason, scope=self.viewer)

    # ------------------------------------------------------------------ directions, notes, meetings
    # Thin on purpose: `data_access.followup` checks the scope it is handed; the store
    # makes sure that scope is this viewer's, never the run's.

    def directions(self, **filters: object) -> list[followup.DirectionRow]:
        return followup.list_directions(self.engine, self.viewer, **filters)  # type: ignore[arg-type]

    def add_direction(self, **fields: object) -> int:
        return followup.add_direction(self.engine, self.viewer, **fields)  # type: ignore[arg-type]

    def update_direction(self, direction_id: int, **fields: object) -> None:
        followup.update_direction(self.engine, self.viewer, direction_id, **fields)  # type: ignore[arg-type]

    def direction_events(self, direction_id: int) -> list[followup.EventRow]:
        return followup.direction_events(self.engine, self.viewer, direction_id)

    def notes(self, area_code: str, **filters: object) -> list[followup.NoteRow]:
        return followup.list_notes(self.engine, self.viewer, area_code, **filters)  # type: ignore[arg-type]

    def add_note(self, **fields: object) -> int:
        return followup.add_note(self.engine, self.viewer, **fields)  # type: ignore[arg-type]

    def meeting(self, meeting_id: int) -> followup.MeetingRow:
        return followup.get_meeting(self.engine, self.viewer, meeting_id)

    def meetings(self, area_code: str) -> list[followup.MeetingRow]:
        return followup.list_meetings(self.engine, self.viewer, area_code)

    def meeting_snapshot(self, meeting_id: int) -> list[dict]:
        return followup.meeting_snapshot(self.engine, self.viewer, meeting_id)

    def open_meeting(self, **fields: object) -> int:
        return followup.open_meeting(self.engine, self.viewer, **fields)  # type: ignore[arg-type]

    def close_meeting(self, meeting_id: int, *, conclusions: str | None = None) -> None:
        followup.close_meeting(self.engine, self.viewer, meeting_id, conclusions=conclusions)

    def previous_meeting(self, meeting: followup.MeetingRow) -> followup.MeetingRow | None:
        return followup.previous_meeting(self.engine, self.viewer, meeting)

    def due_for_meeting(self, meeting: followup.MeetingRow) -> list[followup.DirectionRow]:
        return followup.due_for_meeting(self.engine, self.viewer, meeting)

    def meeting_record(self, meeting_id: int, **options: object) -> bytes:
        return meeting_record(self.engine, self.viewer, meeting_id, **options)  # type: ignore[arg-type]
