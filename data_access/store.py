"""The one door for the pages' writes and reads outside the figure cache: `Store(engine, viewer)`.

Every method acts for `viewer`, the `AccessScope` given when the store was made, and
checks it before anything is read or written; nothing here falls back to the scope of
the run (a store cannot be made without a viewer, and `NOBODY` may do nothing).
`ui/` and `pages/` get a store from `ui.auth.store()` and never see an engine, a query
module or the intake's internals (tests/test_layers.py holds that).

Reads come in two handles the store gives out after its check, so that `ui/data.py`
can cache what they return across sessions without ever holding an engine:
- `store.directory()`: the tree's places (data version, units and their paths, years
  with figures, plan areas, view days), no figure; anyone but `NOBODY`.
- `store.reads(area_code)`: one area's figures (progress, history, boundaries, report
  counts, reporting units, small-count protection); readers of that area only.
A handle is checked when it is made, on every page call, before any cache lookup: the
cached values are the same for everyone who may see them, so the cache in front shares
them, and nobody else gets a handle to reach them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine

from data_access import access, audit, db, followup, locks, queries, results_cache
from data_access import auth as accounts
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
from data_access.place_resolution import period_end
from data_access.progress import (
    AreaNotFound,
    Carried,
    Progress,
    compute_progress,
    history_across_reform,
    plan_area_on,
)
from data_access.progress import view_day as view_day_of
from data_access.protect import Decide, Figures, Suppression, load_tree_suppression, mask_history, protect_in_tree
from rules.model import OrgUnitRef, Plan

# What a write may refuse with, each with `.message(lang)`: the page shows it and keeps
# what the person entered (a dry run stays confirmable after a failed write).
WRITE_REFUSALS: tuple[type[Exception], ...] = (ImportConflict, AccessDenied, locks.PeriodLocked, locks.LockError)
WRITE_FAILED = db.DatabaseWriteFailed
LockRow = locks.LockRow
BatchRow = audit.BatchRow
AuditPage = audit.AuditPage
AuditRow = audit.AuditRow
# What the pages get from the read handles, named here so they never import the modules behind.
Boundary = queries.Boundary
UnitTable = queries.UnitTable  # the tree read once, what ui/data.py caches per data version
PlanArea = tuple[OrgUnitRef, date | None]  # the plan's area and the day it was found valid on
REPO_ROOT = db.REPO_ROOT
DatabaseUnavailable = db.DatabaseUnavailable
CONNECTION_LOST = db.CONNECTION_LOST  # what the driver raises when the database went away
database_url = db.database_url
is_embedded = db.is_embedded


def ready_url(url: str | None = None) -> str:
    """The configured database URL (default `DATABASE_URL`), its schema checked (and the
    embedded one migrated and seeded) once per process: the frame asks before any store."""
    url = url or db.database_url()
    db.ready_engine(url)
    return url


@dataclass(frozen=True)
class Store:
    """The database, seen by one viewer."""

    engine: Engine
    viewer: AccessScope
    # The tree's paths as the cache in front read them for this data version (code ->
    # materialised path): a page's dozen checks then cost no query. None: read per check.
    paths: Mapping[str, str] | None = field(default=None, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        # The viewer is explicit, always: None would mean "whoever the run is" downstream.
        if not isinstance(self.viewer, AccessScope):
            raise TypeError("Store needs the viewer's AccessScope")

    @classmethod
    def at(cls, url: str, viewer: AccessScope, paths: Mapping[str, str] | None = None) -> Store:
        return cls(db.get_engine(url), viewer, paths)

    def _read(self, area_code: str) -> None:
        if self.paths is None:
            require_area(self.engine, self.viewer, area_code, "viewer")
        elif not self.may(area_code):
            # The same refusal as `require_area`'s: an unknown code is refused like a hidden one.
            raise AccessDenied("access_denied_area", area=area_code)

    # ------------------------------------------------------------------ reads

    def may(self, code: str, role: str = "viewer") -> bool:
        """Whether the viewer has `role` on the unit `code` (an unknown code: no)."""
        path = self.paths.get(code) if self.paths is not None else access.unit_path(self.engine, code)
        return self.viewer.allows(path, role)

    def directory(self) -> Directory:
        """The tree's places, for anyone the gate let in (never `NOBODY`)."""
        if self.viewer.kind == access.NOBODY.kind:
            raise AccessDenied("access_denied_area", area="*")
        return Directory(self.engine)

    def reads(self, area_code: str) -> AreaReads:
        """`area_code`'s figures, for readers of the area only (`AccessDenied` otherwise)."""
        self._read(area_code)
        return AreaReads(self.engine, area_code)

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


# --------------------------------------------------------------------------- the login gate


@dataclass(frozen=True)
class Gate:
    """The login gate's door, used before there is a viewer to make a store for:
    passwords, sessions, and which scope an account has. Nothing here reads a figure."""

    engine: Engine

    @classmethod
    def at(cls, url: str | None = None) -> Gate:
        """For `url` (default `DATABASE_URL`), its schema checked (`ready_url`)."""
        return cls(db.ready_engine(url or db.database_url()))

    def authenticate(self, username: str, password: str) -> accounts.LoginResult:
        return accounts.authenticate(self.engine, username, password)

    def start_session(self, username: str, mode: str = "db") -> tuple[accounts.Session, str]:
        return accounts.start_session(self.engine, username, mode)

    def resume_session(self, token: str | None) -> accounts.Session | None:
        return accounts.resume_session(self.engine, token)

    def check_session(self, session: accounts.Session) -> str | None:
        return accounts.check_session(self.engine, session)

    def end_session(self, session: accounts.Session) -> None:
        accounts.end_session(self.engine, session)

    def set_password(self, username: str, password: str) -> None:
        accounts.set_password(self.engine, username, password)

    def record_oidc_login(self, username: str) -> None:
        accounts.record_oidc_login(self.engine, username)

    def scope_for(self, username: str) -> AccessScope:
        """The account's scope; NOBODY (named) when it is unknown or disabled."""
        return access.scope_for_user(self.engine, username)

    def user_by_email(self, email: str) -> str | None:
        return access.user_by_email(self.engine, email)


# --------------------------------------------------------------------------- read handles
# Made only by a Store, after its check; plain values in and out, cached by `ui/data.py`.


@dataclass(frozen=True)
class Directory:
    """The tree's places, no figure: what the scope checks and the pickers are made of."""

    engine: Engine

    def data_version(self) -> int:
        """Changes whenever figures change: the key of every shared cache."""
        return queries.data_version(self.engine)

    def units(self, on: date | None = None) -> list[OrgUnitRef]:
        """Every unit (roots first); with `on`, those valid that day (a reused code: its unit then)."""
        return queries.list_org_units(self.engine, on)

    def unit_paths(self) -> dict[str, str]:
        return access.unit_paths(self.engine)

    def years(self) -> list[int]:
        return queries.years_with_data(self.engine)

    def unit_table(self) -> UnitTable:
        """The whole tree in one read, for a cache to derive a data version's pickers from.
        Built with the collector paused, as `results_cache` does: 14,000 rows' objects made
        in a server's heap may set off full collections, each walking every live object."""
        with results_cache.gc_paused():
            return queries.read_unit_table(self.engine)

    def plan_area(self, plan: Plan, table: UnitTable | None = None) -> PlanArea:
        """The plan's area and the day it was found on (`AreaNotFound` when it is not a unit);
        `table`: the units already read (`unit_table`), else read for each day."""
        return plan_area_on(self.engine, plan, _named_in(table, plan) if table is not None else None)

    def plan_areas(self, plans: Sequence[Plan], table: UnitTable | None = None) -> list[PlanArea | None]:
        """Each plan's area (None: not a unit), from one read of the units for every plan's days."""
        table = table or self.unit_table()
        out: list[PlanArea | None] = []
        for plan in plans:
            try:
                out.append(self.plan_area(plan, table))
            except AreaNotFound:
                out.append(None)
        return out

    def view_day(self, plan: Plan, year: int, period: str, area_on: PlanArea) -> date:
        """The day whose units the plan's view of (year, period) shows (`progress.view_day`)."""
        return view_day_of(self.engine, plan, year, period, area_on)


def _named_in(table: UnitTable, plan: Plan) -> Callable[[date], list[OrgUnitRef]]:
    # Only the units the plan's text could name (`UnitTable.named`): `match_area` over
    # them is its answer over the day's 14,000 units, at a few instead of 14,000 a day.
    return lambda day: table.named(plan.area, day)


@dataclass(frozen=True)
class AreaReads:
    """One area's figures, handed out by `Store.reads` once the viewer may read the area."""

    engine: Engine
    area_code: str

    def progress(self, plan: Plan, plan_file: Path, year: int, period: str, on: date | None = None) -> Progress:
        """Every indicator for the area and its communes, on the units of `on` (default the
        period's last day), from the results file when its figures are unchanged."""
        later = {"on": on} if on is not None and on > period_end(year, period) else {}
        # The day is part of the question: "24" on 30/06/2025 was old Bắc Giang.
        return results_cache.cached_progress(
            self.engine,
            plan_file,
            year,
            period,
            f"{self.area_code}@{on.isoformat()}" if later and on else self.area_code,
            lambda: compute_progress(self.engine, plan, year, period, self.area_code, **later),
        )

    def suppression(self, year: int, period: str, sensitive: Collection[str]) -> Suppression:
        """Which cells are hidden in (year, period): decided once for the whole tree, so a
        small count hidden in a province is hidden in its district's view too."""
        return load_tree_suppression(self.engine, year, period, sensitive)

    def protect(self, raw: Progress, sensitive: Collection[str], decide: Decide) -> Progress:
        """`raw` with its small sensitive counts masked (the command line's protection too)."""
        return protect_in_tree(raw, sensitive, decide)

    def mask_history(
        self, figures: Mapping[tuple[int, str], Figures], sensitive: Collection[str], decisions: Mapping
    ) -> dict:
        return mask_history(figures, sensitive, decisions)

    def history(
        self, periods: Sequence[tuple[int, str]], elements: Sequence[str], on: date, meant_on: date | None = None
    ) -> Carried:
        """Figures of several periods on the communes valid on `on`, earlier ones carried
        (`meant_on`: the day whose unit the area's code names, for a plan's ended area)."""
        return history_across_reform(self.engine, self.area_code, periods, elements, on=on, meant_on=meant_on)

    def communes_on(self, day: date) -> list[OrgUnitRef]:
        return queries.communes_in(self.engine, self.area_code, on=day)

    def reporting_units(self, year: int, period: str, on: date) -> list[OrgUnitRef]:
        return queries.reporting_units(self.engine, self.area_code, year, period, on=on)

    def report_counts(
        self, periods: Iterable[tuple[int, str]], elements: Sequence[str]
    ) -> dict[tuple[int, str], dict[str, int]]:
        return queries.report_counts_in(self.engine, self.area_code, periods, elements)

    def carried_reports(
        self, year: int, period: str, elements: Sequence[str], day: date
    ) -> tuple[list[OrgUnitRef], int]:
        """(the old communes that reported a period before the area began, how many sent every figure)."""
        units = self.reporting_units(year, period, day)
        counts = queries.report_counts_of_units(self.engine, units, year, period, elements)
        return units, sum(1 for u in units if counts.get(u.code, 0) >= len(elements))

    def report_received(
        self, periods: Iterable[tuple[int, str]], elements: Sequence[str]
    ) -> dict[tuple[int, str], dict[str, datetime]]:
        return queries.report_received_in(self.engine, self.area_code, periods, elements)

    def boundaries(self, level: str = "commune", on: date | None = None, with_points: bool = False) -> list[Boundary]:
        return queries.boundaries_in(self.engine, self.area_code, level=level, on=on, with_points=with_points)
