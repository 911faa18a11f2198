"""The dry run: `prepare_import` reads a file, validates it, reads the stored values in
bulk (one query on PostgreSQL, one per 500 communes on SQLite) and returns an
`ImportPreview`: every error with its row and column, or the changes (new, changed
old -> new, unchanged) with the version of each stored value it saw. Nothing is written.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Connection, Engine, Integer, String, any_, bindparam, select
from sqlalchemy.dialects import postgresql as pg_dialect

from data_access.access import AccessScope
from data_access.db import REPO_ROOT
from data_access.intake.issues import MAX_ISSUES, ImportIssue, ProgressCallback
from data_access.intake.read import FileKind, read_report
from data_access.intake.validate import _EPS, _consistency, _permission_issues, _unique, _Unit, _validate
from data_access.models import DataElementRow, DataValue, ImportBatch, OrgUnit
from i18n import DEFAULT_LANG, fmt_number, local_today, t
from rules.model import DataElement, LocalText, Plan

_CHUNK = 500  # ids per IN (...) list: well under SQLite's variable limit


# --------------------------------------------------------------------------- preview


@dataclass(slots=True)
class Change:
    """What importing one figure would do: new, changed (old → new) or unchanged."""

    row: int
    code: str
    commune: str
    year: int
    period: str
    element: str
    old: float | None
    new: float
    version: int | None  # the stored version the dry run saw (None = not stored)

    @property
    def action(self) -> str:
        if self.old is None:
            return "new"
        return "unchanged" if abs(self.old - self.new) <= _EPS else "changed"


@dataclass
class ImportPreview:
    """The dry run: what a file would change, or every reason it cannot be imported."""

    filename: str
    sha256: str
    size: int
    kind: FileKind = "unknown"  # until the file is read
    encoding: str | None = None
    delimiter: str | None = None
    figures_read: int = 0
    empty_skipped: int = 0
    issues: list[ImportIssue] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    unit_ids: dict[str, int] = field(default_factory=dict)
    missing_elements: list[DataElement] = field(default_factory=list)  # plan elements the database lacks
    previous_imports: list[tuple[datetime, str]] = field(default_factory=list)  # same file before: (when, who)
    issues_more: int = 0  # errors past the first MAX_ISSUES, counted but not listed

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def error_count(self) -> int:
        return len(self.issues) + self.issues_more

    def more_text(self, lang: str = DEFAULT_LANG) -> str:
        """'và 4.500 lỗi khác' when errors were left unlisted, else ''."""
        return t("hardening_more_errors", lang, count=fmt_number(self.issues_more, lang=lang)) if self.issues_more else ""

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)

    @property
    def new(self) -> int:
        return self.count("new")

    @property
    def changed(self) -> int:
        return self.count("changed")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def writes(self) -> list[Change]:
        return [c for c in self.changes if c.action != "unchanged"]

    def periods(self) -> list[tuple[int, str]]:
        return sorted({(c.year, c.period) for c in self.changes})

    def communes(self) -> list[str]:
        return sorted({c.code for c in self.changes})


def upload_limit_bytes() -> int:
    """The upload size limit: `server.maxUploadSize` (MB) in .streamlit/config.toml, else 20 MB."""
    try:
        with (REPO_ROOT / ".streamlit" / "config.toml").open("rb") as fh:
            mb = tomllib.load(fh).get("server", {}).get("maxUploadSize", 20)
        return int(float(mb) * 1024 * 1024)
    except (OSError, tomllib.TOMLDecodeError, ValueError, TypeError):
        return 20 * 1024 * 1024


def _chunks(items: Sequence, size: int = _CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _load_units(conn: Connection) -> dict[str, list[_Unit]]:
    """Communes by code; a code has one unit per era it was used in (oldest first)."""
    stmt = select(
        OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.full_name, OrgUnit.valid_from, OrgUnit.valid_to
    ).where(OrgUnit.level == "commune")
    out: dict[str, list[_Unit]] = {}
    for r in conn.execute(stmt):
        out.setdefault(r.code, []).append(_Unit(r.id, r.code, r.name, r.full_name, r.valid_from, r.valid_to))
    for found in out.values():
        found.sort(key=lambda u: u.valid_from or date.min)
    return out


def _stored_values(
    conn: Connection,
    unit_ids: Sequence[int],
    years: Sequence[int],
    elements: Sequence[str] | None = None,
    *,
    lock: bool = False,
) -> dict[tuple[int, str, int, str], tuple[float, int]]:
    """(unit id, element, year, period) -> (value, version).

    PostgreSQL gets every commune in one query (array parameters); SQLite in chunks of
    communes, under its limit on bound variables.
    """
    out: dict[tuple[int, str, int, str], tuple[float, int]] = {}
    if not unit_ids or not years:
        return out
    stmt = select(
        DataValue.org_unit_id,
        DataValue.data_element_id,
        DataValue.year,
        DataValue.period,
        DataValue.value,
        DataValue.version,
    )
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        stmt = stmt.where(
            DataValue.org_unit_id == any_(bindparam("ids", type_=pg_dialect.ARRAY(Integer))),
            DataValue.year == any_(bindparam("years", type_=pg_dialect.ARRAY(Integer))),
        )
    else:
        stmt = stmt.where(
            DataValue.org_unit_id.in_(bindparam("ids", expanding=True)),
            DataValue.year.in_(bindparam("years", expanding=True)),
        )
    params: dict[str, object] = {"years": list(years)}
    if elements is not None:
        if postgres:
            stmt = stmt.where(DataValue.data_element_id == any_(bindparam("des", type_=pg_dialect.ARRAY(String))))
        else:
            stmt = stmt.where(DataValue.data_element_id.in_(bindparam("des", expanding=True)))
        params["des"] = list(elements)
    if lock and postgres:
        # Rows stay locked until commit: a concurrent import of the same figures waits,
        # then sees the new versions and reports a conflict. Locked in key order: two
        # imports over the same figures take their locks in the same order.
        stmt = stmt.order_by(
            DataValue.org_unit_id, DataValue.data_element_id, DataValue.year, DataValue.period
        ).with_for_update()
    ids = list(unit_ids)
    for chunk in [ids] if postgres else _chunks(ids):
        for uid, de, year, period, value, version in conn.execute(stmt, {**params, "ids": list(chunk)}):
            out[(uid, de, year, period)] = (float(value), int(version))
    return out


def prepare_import(
    engine: Engine,
    plan: Plan,
    data: bytes,
    filename: str,
    *,
    on_progress: ProgressCallback | None = None,
    max_bytes: int | None = None,
    today: date | None = None,
    scope: AccessScope | None = None,
) -> ImportPreview:
    """Validate a file against the database and the plan and work out what it would change.

    Never writes. Every problem becomes an `ImportIssue` in `preview.issues`: the first
    MAX_ISSUES of them; the others are counted in `preview.issues_more`. Communes outside
    `scope` (the viewer; None = the scope of this run) are errors of their rows.
    """
    preview = _prepare(engine, plan, data, filename, on_progress, max_bytes, today, scope)
    if len(preview.issues) > MAX_ISSUES:
        preview.issues_more += len(preview.issues) - MAX_ISSUES
        del preview.issues[MAX_ISSUES:]
    return preview


class _CappedIssues(list):
    """A list of issues that keeps the first `cap` and only counts the rest (a file with
    a million bad rows must not build a million messages)."""

    def __init__(self, cap: int) -> None:
        super().__init__()
        self.cap = cap
        self.more = 0

    def append(self, issue: ImportIssue) -> None:
        if len(self) < self.cap:
            super().append(issue)
        else:
            self.more += 1


def _prepare(
    engine: Engine,
    plan: Plan,
    data: bytes,
    filename: str,
    on_progress: ProgressCallback | None,
    max_bytes: int | None,
    today: date | None,
    scope: AccessScope | None = None,
) -> ImportPreview:
    report = on_progress or (lambda _f, _k: None)
    limit = max_bytes if max_bytes is not None else upload_limit_bytes()
    preview = ImportPreview(filename=filename, sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    if len(data) > limit:
        preview.issues.append(
            ImportIssue(
                "intake_error_too_large", {"size": round(len(data) / 1048576, 1), "limit": round(limit / 1048576, 1)}
            )
        )
        return preview
    report(0.05, "intake_stage_reading")
    parsed = read_report(data, filename)
    preview.kind, preview.encoding, preview.delimiter = parsed.kind, parsed.encoding, parsed.delimiter
    preview.empty_skipped = parsed.empty_skipped
    preview.figures_read = len(parsed.figures)
    preview.issues.extend(parsed.issues)
    if parsed.issues:
        return preview
    if not parsed.figures:
        preview.issues.append(ImportIssue("intake_error_no_figures"))
        return preview

    report(0.2, "intake_stage_validating")
    with engine.connect() as conn:
        units = _load_units(conn)
        db_elements = {
            r.id: DataElement(r.id, LocalText(r.name_vi, r.name_en), r.kind, r.value_type)  # type: ignore[arg-type]
            for r in conn.execute(select(DataElementRow))
        }
        batches = conn.execute(
            select(ImportBatch.imported_at, ImportBatch.imported_by)
            .where(ImportBatch.sha256 == preview.sha256)
            .order_by(ImportBatch.imported_at)
        ).all()
    preview.previous_imports = [(when, who) for when, who in batches]
    elements: dict[str, DataElement] = {**db_elements, **plan.data_elements}
    preview.missing_elements = [de for de_id, de in plan.data_elements.items() if de_id not in db_elements]
    resolved: dict[str, _Unit] = {}  # code -> the unit it means for this file's periods
    found_issues = _CappedIssues(MAX_ISSUES * 4)  # room for duplicates, removed next
    figures = _validate(parsed, units, elements, found_issues, today or local_today(), report, resolved)
    units = resolved  # type: ignore[assignment]
    preview.issues = _unique([*preview.issues, *found_issues])
    preview.issues_more = found_issues.more
    if not figures:
        return preview

    # Checks run on the valid figures even when others are wrong, so that the person
    # sees every problem of the file at once.
    report(0.7, "intake_stage_comparing")
    used_units = sorted({units[f.code].id for f in figures})
    years = sorted({f.year for f in figures})
    with engine.connect() as conn:
        stored = _stored_values(conn, used_units, years)
        preview.issues.extend(_permission_issues(conn, figures, scope))
    preview.unit_ids = {f.code: units[f.code].id for f in figures}

    report(0.85, "intake_stage_checking")
    names = {f.code: units[f.code].full_name for f in figures}
    found = _consistency(plan, figures, stored, preview.unit_ids, elements, names)
    if preview.issues or found:
        preview.issues = sorted([*preview.issues, *found], key=lambda i: (i.row or 0, i.column or ""))
        preview.unit_ids = {}
        return preview
    for f in figures:
        old = stored.get((preview.unit_ids[f.code], f.element, f.year, f.period))
        preview.changes.append(
            Change(
                f.row,
                f.code,
                units[f.code].full_name,
                f.year,
                f.period,
                f.element,
                old[0] if old else None,
                f.value,
                old[1] if old else None,
            )
        )
    report(1.0, "intake_stage_done")
    return preview
