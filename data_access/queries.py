"""Reads, all with bound parameters: org units, figures for an area, history, freshness.

Subtrees are prefix matches on `org_unit.path`, so one query serves a district, a
province or the whole country without a list of ten thousand codes.
"""

from __future__ import annotations

import json
import operator
import unicodedata
from collections import Counter, defaultdict, namedtuple
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from typing import Any, NamedTuple, TypeVar

import numpy as np
from sqlalchemy import Engine, Select, bindparam, func, select

from data_access.models import (
    AuditEntry,
    DataElementRow,
    DataValue,
    ImportBatch,
    OrgUnit,
)
from data_access.place_resolution import is_valid_on, period_end
from data_access.targets import TYPE_PREFIXES, _fold
from i18n import local_today
from rules.columnar import FigureMatrix
from rules.model import OrgUnitRef

# (year, period) -> commune code -> data element -> value
FiguresByPeriod = dict[tuple[int, str], dict[str, dict[str, float]]]

_V = TypeVar("_V")
_D = TypeVar("_D")


def from_row(cls: type[_D], row: object, **given: object) -> _D:
    """A dataclass from a result row: each field not `given` is the row's attribute of
    the same name."""
    return cls(**{f.name: getattr(row, f.name) for f in fields(cls) if f.name not in given}, **given)  # type: ignore[call-arg]


def columns_of(cls: type, table: object, *, computed: Iterable[str] = (), **named: Any) -> list[Any]:
    """The SELECT's columns for the dataclass `cls`, one per field and labelled with the
    field's name, so that `from_row` reads them back: the `named` column where a field
    comes from another column or table, else `table`'s column of the same name; the
    `computed` fields (filled by the caller after the query) are left out.

    One list, the dataclass's, says what a query reads and what its record holds."""
    skip = set(computed)
    out = []
    for f in fields(cls):
        if f.name in skip:
            continue
        column = named[f.name] if f.name in named else getattr(table, f.name)
        out.append(column if getattr(column, "key", None) == f.name else column.label(f.name))
    return out


class Given(NamedTuple):
    """One optional filter of a query: `column <op> :name` when `value` is given (not
    None), the value passed through `cast`."""

    column: Any
    name: str
    value: object
    op: Callable[[Any, Any], Any] = operator.eq
    cast: Callable[[Any], object] | None = None


def given_conditions(filters: Iterable[Given]) -> tuple[list[Any], dict[str, object]]:
    """The WHERE conditions and bound parameters of the filters that were given: a
    filter left empty selects everything."""
    conds: list[Any] = []
    params: dict[str, object] = {}
    for g in filters:
        if g.value is None:
            continue
        conds.append(g.op(g.column, bindparam(g.name)))
        params[g.name] = g.cast(g.value) if g.cast else g.value
    return conds, params


def _ref(row: OrgUnit | object, parent_code: str | None = None) -> OrgUnitRef:
    return from_row(OrgUnitRef, row, parent_code=parent_code)


def _parent_code(path: str) -> str | None:
    # "/24/213/07210/" -> "213": the second code from the end (called once per unit listed:
    # 14,000 units with the official list, so no list of all the parts).
    parts = path.strip("/").rsplit("/", 2)
    return parts[-2] if len(parts) > 1 and parts[-2] else None


def _picked(rows: Sequence, on: date | None) -> list[int]:
    """The positions in `rows` of one unit per code: the one valid on `on` (today when
    None), else the latest, in the order of each code's first row.

    Since the 2025 reform a code may name a unit of each era (migration 0004).
    """
    day = on or local_today()
    by_code: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_code.setdefault(r.code, []).append(i)
    out = []
    for found in by_code.values():
        if len(found) > 1:
            valid = [i for i in found if is_valid_on(rows[i], day)]
            found = valid or [max(found, key=lambda i: rows[i].valid_from or date.min)]
        out.append(found[0])
    return out


def _pick(rows: Sequence, on: date | None) -> list:
    """One unit per code (`_picked`)."""
    return [rows[i] for i in _picked(rows, on)]


def list_org_units(engine: Engine, on: date | None = None) -> list[OrgUnitRef]:
    """Every org unit, roots first (used to resolve `plan.area` and area pickers);
    with `on`, only those valid that day (a code of both eras: the one valid then)."""
    stmt = select(OrgUnit).order_by(OrgUnit.depth, OrgUnit.code)
    if on is not None:
        stmt = stmt.where(_valid_on(on))
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    return [_ref(r, _parent_code(r.path)) for r in _pick(rows, on)]


# The unit table's columns: OrgUnitRef's fields (its parent_code read from the path),
# then what a day's choice and the scope checks need. One tuple, one record type.
_REF_FIELDS = tuple(f.name for f in fields(OrgUnitRef))
UNIT_TABLE_COLUMNS = (*_REF_FIELDS, "path", "valid_from", "valid_to")
UnitTableRow = namedtuple("UnitTableRow", UNIT_TABLE_COLUMNS)
_PARENT = _REF_FIELDS.index("parent_code")


def _name_key(text: str) -> str:
    """`targets._fold(text)` with whatever is still not ASCII dropped: equal for any two
    texts `_fold` finds equal, and all in C (28,000 names with the official list took
    `_fold`'s loop per character 0.5 s)."""
    spaced = " ".join(unicodedata.normalize("NFC", text).casefold().split())
    return unicodedata.normalize("NFD", spaced).replace("đ", "d").encode("ascii", "ignore").decode()


def _name_keys(texts: Sequence[str]) -> list[str]:
    """`_name_key` of each text, the Unicode work done once on all of them joined (17,000
    distinct names of the official list: 46 ms one by one)."""
    if any("\n" in t for t in texts):
        return [_name_key(t) for t in texts]
    joined = unicodedata.normalize("NFC", "\n".join(texts)).casefold()
    ascii_ = unicodedata.normalize("NFD", joined).replace("đ", "d").encode("ascii", "ignore").decode()
    return [" ".join(line.split()) for line in ascii_.split("\n")]


class UnitTable:
    """The org_unit table read once (a data version's, cached by `ui/data.py`): the units
    valid on any day, the area a text names, without going back to the database.

    With the whole official list that is 14,000 rows; `list_org_units` per day and
    `match_area` over all of them per plan made the frame's pickers cost 1.3 s cold.
    The lists handed out are shared: nothing may change them.
    """

    def __init__(self, rows: Sequence[UnitTableRow]) -> None:
        self.rows = tuple(rows)  # ordered as `list_org_units` reads them
        # Each unit's OrgUnitRef made when first handed out: the frame lists the ~800
        # units above commune level, and making all 14,000 was a third of the table's read.
        self._refs: list[OrgUnitRef | None] = [None] * len(self.rows)
        self._positions: dict[object, list[int]] = {}  # a day's (or every) unit's rows
        self._lists: dict[object, list[OrgUnitRef]] = {}  # the lists handed out, shared
        self._spans = [(r[-2] or date.min, r[-1] or date.max) for r in self.rows]  # valid_from, valid_to
        codes = Counter([r[0] for r in self.rows])
        self._reused = {code for code, n in codes.items() if n > 1}
        # Each row under its code and its folded name and full name: every unit
        # `match_area` could pick for a text is under one of the text's keys.
        texts = list({t for r in self.rows for t in (r.name, r.full_name)})
        folded = dict(zip(texts, _name_keys(texts), strict=True))
        self._keys: dict[str, list[int]] = {}
        for i, r in enumerate(self.rows):
            for k in {r.code, folded[r.name], folded[r.full_name]}:
                self._keys.setdefault(k, []).append(i)

    def _positions_on(self, day: date | None) -> list[int]:
        # None: every unit, a reused code's by today (the day changes, the table not).
        key = day if day is not None else ("every", local_today())
        if key not in self._positions:
            self._positions[key] = self._every() if day is None else self._valid_on(day)
        return self._positions[key]

    def ref(self, i: int) -> OrgUnitRef:
        """The unit of row `i` (one object per row, shared)."""
        found = self._refs[i]
        if found is None:
            found = self._refs[i] = OrgUnitRef(*self.rows[i][: len(_REF_FIELDS)])
        return found

    def _every(self) -> list[int]:
        """`_picked(self.rows, None)`, choosing among the rows of reused codes only."""
        reused = [i for i, r in enumerate(self.rows) if r.code in self._reused]
        chosen = {self.rows[reused[j]].code: reused[j] for j in _picked([self.rows[i] for i in reused], None)}
        out = []
        for i, r in enumerate(self.rows):
            if r.code not in self._reused:
                out.append(i)
            elif (pick := chosen.pop(r.code, None)) is not None:  # at the code's first row
                out.append(pick)
        return out

    def _valid_on(self, day: date) -> list[int]:
        """`_picked` of the rows valid on `day`: the first of a code's valid rows, in the
        order of each code's first, looking for a code's others only where it has some."""
        seen: set[str] = set()
        out = []
        for i, (start, end) in enumerate(self._spans):
            if start <= day <= end:
                code = self.rows[i].code
                if code in self._reused:
                    if code in seen:
                        continue
                    seen.add(code)
                out.append(i)
        return out

    def on(self, day: date | None = None) -> list[OrgUnitRef]:
        """`list_org_units(engine, day)`: every unit (None), or those valid on `day`."""
        key = day if day is not None else ("every", local_today())
        if key not in self._lists:
            self._lists[key] = [self.ref(i) for i in self._positions_on(day)]
        return self._lists[key]

    def named(self, text: str, day: date | None = None) -> list[OrgUnitRef]:
        """The units of `on(day)` that `text` could name (by code, name, full name, or a
        type prefix and name; `match_area`'s rules), in `on(day)`'s order: `match_area`
        over these gives what it gives over all of `on(day)`."""
        query = (text or "").strip()
        folded = _fold(query)
        keys = {query, _name_key(folded)}
        for prefix in TYPE_PREFIXES:
            p = _fold(prefix)
            if folded.startswith(p + " "):
                keys.add(_name_key(folded[len(p) + 1 :]))
        hits = {i for k in keys for i in self._keys.get(k, ())}
        if not hits:
            return []
        if day is None or day in self._positions:
            return [self.ref(i) for i in self._positions_on(day) if i in hits]
        return [self.ref(i) for i in sorted(hits) if self._first_valid(i, day)]

    def _first_valid(self, i: int, day: date) -> bool:
        """Whether row `i` is in `_valid_on(day)` (valid, and its code's first valid row),
        decided on its code's rows alone: a plan's area is looked for on several days, and
        walking 14,000 rows for each was most of the lookup."""
        start, end = self._spans[i]
        if not start <= day <= end:
            return False
        code = self.rows[i][0]
        if code not in self._reused:
            return True
        same = (j for j in self._keys[code] if j < i and self.rows[j][0] == code)
        return not any(self._spans[j][0] <= day <= self._spans[j][1] for j in same)

    def on_with_codes(self, day: date | None, codes: Iterable[str]) -> list[OrgUnitRef]:
        """`on(day)` kept to `codes` (the area picker's labels), no other unit's ref made."""
        wanted = set(codes)
        return [self.ref(i) for i in self._positions_on(day) if self.rows[i][0] in wanted]

    def above_commune(self) -> list[OrgUnitRef]:
        """`on()` without its communes (the area picker's choices), no commune's ref made."""
        key = ("above communes", local_today())
        if key not in self._lists:
            self._lists[key] = [self.ref(i) for i in self._positions_on(None) if self.rows[i].level != "commune"]
        return self._lists[key]


def _day(value: object) -> date | None:
    # SQLite's driver hands dates back as their ISO text, PostgreSQL's as dates.
    if value is None or isinstance(value, date):
        return value  # type: ignore[return-value]
    return date.fromisoformat(str(value)[:10])


def read_unit_table(engine: Engine) -> UnitTable:
    """The whole org_unit table in one read, as plain rows (no ORM objects).

    Read from the driver's cursor: SQLAlchemy's result rows and its date parsing of
    28,000 dates were a third of the official list's read."""
    columns = ", ".join("path" if n == "parent_code" else n for n in UNIT_TABLE_COLUMNS)
    with engine.connect() as conn:
        rows = _driver_rows(conn, f"SELECT {columns} FROM org_unit ORDER BY depth, code, id", ())
    start, end = len(UNIT_TABLE_COLUMNS) - 2, len(UNIT_TABLE_COLUMNS) - 1
    make = UnitTableRow._make
    return UnitTable(
        [
            make((*r[:_PARENT], _parent_code(r[_PARENT]), *r[_PARENT + 1 : start], _day(r[start]), _day(r[end])))
            for r in rows
        ]
    )


def org_unit(engine: Engine, code: str, on: date | None = None) -> OrgUnitRef | None:
    with engine.connect() as conn:
        rows = _pick(conn.execute(select(OrgUnit).where(OrgUnit.code == code)).all(), on)
    return _ref(rows[0], _parent_code(rows[0].path)) if rows else None


def dated_unit(engine: Engine, code: str, on: date | None = None) -> DatedUnit | None:
    """The unit of `code` valid on `on` (today when None; else the latest), with the dates
    it was valid: whether the unit a view means existed on a period's last day."""
    with engine.connect() as conn:
        rows = _pick(conn.execute(select(OrgUnit).where(OrgUnit.code == code)).all(), on)
    if not rows:
        return None
    r = rows[0]
    return DatedUnit(r.code, r.name, r.full_name, r.type, r.valid_from, r.valid_to)


def _valid_on(day: date):  # noqa: ANN202 - SQLAlchemy clause
    return (OrgUnit.valid_from.is_(None) | (OrgUnit.valid_from <= day)) & (
        OrgUnit.valid_to.is_(None) | (OrgUnit.valid_to >= day)
    )


def _year_filter(year: int | None, on: date | None = None):  # noqa: ANN202 - SQLAlchemy clause
    if on is not None:  # the units that report a period: valid on its last day
        return _valid_on(on)
    if year is None:
        return True
    start, end = date(year, 1, 1), date(year, 12, 31)
    return (func.coalesce(OrgUnit.valid_from, start) <= end) & (
        (OrgUnit.valid_to.is_(None)) | (OrgUnit.valid_to >= start)
    )


def _path_of(conn, code: str, on: date | None = None) -> str | None:  # noqa: ANN001
    rows = _pick(conn.execute(select(OrgUnit).where(OrgUnit.code == code)).all(), on)
    return rows[0].path if rows else None


def communes_in(engine: Engine, area_code: str, year: int | None = None, on: date | None = None) -> list[OrgUnitRef]:
    """The communes (leaves) under `area_code`, or the unit itself if it is a commune;
    with `on` (a period's last day) those valid that day.

    An area that no longer exists on `on` (a district abolished on 1 July 2025, viewed
    for 2025 FY or later) stands for the communes that took its communes over: see
    `successors_of`."""
    if on is not None:
        gone = successors_of(engine, area_code, on)
        if gone is not None:
            return list(gone.communes)
    with engine.connect() as conn:
        path = _path_of(conn, area_code, on)
        if path is None:
            return []
        stmt = (
            select(OrgUnit)
            .where(
                OrgUnit.path.like(bindparam("prefix")),
                OrgUnit.level == "commune",
                _year_filter(year, on),
            )
            .order_by(OrgUnit.code)
        )
        rows = conn.execute(stmt, {"prefix": path + "%"}).all()
    return [_ref(r, _parent_code(r.path)) for r in rows]


@dataclass(frozen=True)
class Successors:
    """An area that ended before the viewed day, and the units of that day that took over
    its communes (through the lineage), by code."""

    area: OrgUnitRef
    ended_on: date
    communes: tuple[OrgUnitRef, ...]


def successors_of(engine: Engine, area_code: str, on: date, of_day: date | None = None) -> Successors | None:
    """None while a unit of `area_code` is valid on `on` (the usual case, a code reused
    by a new unit included); otherwise the latest unit of that code, ended before `on`,
    with the communes valid on `on` into which its communes merged (places.md: a 2024
    district plan viewed for 2025 FY shows the new communes that replaced the district).
    `of_day`: the unit meant is the one valid that day (a 2024 plan's "24" is old Bắc
    Giang, ended, though today's Bắc Ninh reuses the code)."""
    from data_access.models import OrgUnitMerger

    with engine.connect() as conn:
        units = conn.execute(select(OrgUnit).where(OrgUnit.code == area_code)).all()
        if of_day is not None:
            units = [u for u in units if is_valid_on(u, of_day)]
        if not units or any(is_valid_on(u, on) for u in units):
            return None
        ended = [u for u in units if u.valid_to is not None and u.valid_to < on]
        if not ended:
            return None
        unit = max(ended, key=lambda u: u.valid_to)
        old, new = OrgUnit.__table__.alias("old"), OrgUnit.__table__.alias("new")
        day = on
        stmt = (
            select(new)
            .distinct()
            .join(OrgUnitMerger, OrgUnitMerger.new_unit_id == new.c.id)
            .join(old, old.c.id == OrgUnitMerger.old_unit_id)
            .where(
                old.c.path.like(bindparam("prefix")),
                new.c.level == "commune",
                new.c.valid_from.is_(None) | (new.c.valid_from <= day),
                new.c.valid_to.is_(None) | (new.c.valid_to >= day),
            )
            .order_by(new.c.code)
        )
        rows = conn.execute(stmt, {"prefix": unit.path + "%"}).all()
    return Successors(
        _ref(unit, _parent_code(unit.path)), unit.valid_to, tuple(_ref(r, _parent_code(r.path)) for r in rows)
    )


def latest_update_of(engine: Engine, codes: Sequence[str], year: int, period: str) -> datetime | None:
    """When the newest figure of these communes (the units that reported the period) was written."""
    if not codes:
        return None
    with engine.connect() as conn:
        stmt = (
            select(func.max(DataValue.updated_at), OrgUnit.valid_from, OrgUnit.valid_to)
            .join(OrgUnit, OrgUnit.id == DataValue.org_unit_id)
            .where(
                OrgUnit.code.in_(bindparam("codes", expanding=True)),
                DataValue.year == year,
                DataValue.period == period,
            )
            .group_by(OrgUnit.id, OrgUnit.valid_from, OrgUnit.valid_to)
        )
        day = period_end(year, period)
        found = [r[0] for r in conn.execute(stmt, {"codes": list(codes)}) if r[0] and is_valid_on(r, day)]
    return max(found, default=None)


def parts_of(
    engine: Engine, area_code: str, year: int | None = None, on: date | None = None
) -> list[tuple[OrgUnitRef, list[str]]]:
    """The area's direct sub-areas above commune level (a country's provinces, a
    province's districts), each with the codes of the communes under it, by code.

    Empty for a district whose children are communes: the communes are its parts.
    """
    with engine.connect() as conn:
        path = _path_of(conn, area_code, on)
        if path is None:
            return []
        depth = len([p for p in path.split("/") if p])
        children = conn.execute(
            select(OrgUnit)
            .where(
                OrgUnit.path.like(bindparam("prefix")),
                OrgUnit.depth == bindparam("depth"),
                OrgUnit.level != "commune",
                _year_filter(year, on),
            )
            .order_by(OrgUnit.code),
            {"prefix": path + "%", "depth": depth},
        ).all()
        if not children:
            return []
        communes = conn.execute(
            select(OrgUnit.code, OrgUnit.path).where(
                OrgUnit.path.like(bindparam("prefix")), OrgUnit.level == "commune", _year_filter(year, on)
            ),
            {"prefix": path + "%"},
        ).all()
    members: dict[str, list[str]] = {c.code: [] for c in children}
    for code, commune_path in communes:
        parts = [p for p in commune_path.split("/") if p]
        if len(parts) > depth and parts[depth] in members:
            members[parts[depth]].append(code)
    return [(_ref(c, area_code), sorted(members[c.code])) for c in children]


def children_of(engine: Engine, area_code: str) -> list[OrgUnitRef]:
    """The direct children of an org unit (for drilling down an area picker)."""
    with engine.connect() as conn:
        parent = conn.execute(OrgUnit.by_code(area_code)).scalar()
        rows = conn.execute(select(OrgUnit).where(OrgUnit.parent_id == parent).order_by(OrgUnit.name)).all()
    return [_ref(r, area_code) for r in rows]


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" * len(values))


def _driver_rows(conn, sql: str, params: Sequence[object]) -> list[tuple]:  # noqa: ANN001 - a Connection
    """Rows as plain tuples from the DB-API cursor; `sql` uses `?` placeholders and
    only bound values (never text from outside) are passed in."""
    if conn.dialect.paramstyle in ("format", "pyformat"):
        sql = sql.replace("?", "%s")
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql, tuple(params))
        return cursor.fetchall()
    finally:
        cursor.close()


def _asked(periods: Iterable[tuple[int, str]]) -> tuple[list[tuple[int, str]], list[int], list[str]]:
    """The (year, period)s asked for, sorted, with their years and period names."""
    wanted = sorted(set(periods))
    return wanted, sorted({y for y, _ in wanted}), sorted({p for _, p in wanted})


def _valid_sql(conn, on: date | None) -> tuple[str, list[object]]:  # noqa: ANN001 - a Connection
    """The SQL (on `ou`) and parameters keeping the units valid on `on` (none when None)."""
    if on is None:
        return "", []
    day = on if conn.dialect.name == "postgresql" else on.isoformat()
    return " AND (ou.valid_from IS NULL OR ou.valid_from <= ?) AND (ou.valid_to IS NULL OR ou.valid_to >= ?)", [
        day,
        day,
    ]


def figures_in_area(
    engine: Engine,
    area_code: str,
    periods: Iterable[tuple[int, str]],
    data_elements: Sequence[str] | None = None,
    on: date | None = None,
) -> FiguresByPeriod:
    """Figures for every commune under `area_code` for the given (year, period)s.

    With `on`, only of the units valid that day: a code of the other era (07615 as
    An Châu in a 2026 view) never passes for today's unit; its figures come through
    the lineage (`mergers_into`).
    """
    wanted, years, period_names = _asked(periods)
    out: FiguresByPeriod = {key: {} for key in wanted}
    if not wanted:
        return out
    with engine.connect() as conn:
        path = _path_of(conn, area_code, on)
        if path is None:
            return out
        # Straight from the driver's cursor: at national scale this is ~700,000 rows,
        # and SQLAlchemy Row objects alone would cost seconds (benchmarks/RESULTS.md).
        des = list(data_elements or [])
        sql = (
            "SELECT ou.code, dv.data_element_id, dv.year, dv.period, dv.value "
            "FROM data_value dv JOIN org_unit ou ON ou.id = dv.org_unit_id "
            f"WHERE ou.path LIKE ? AND dv.year IN ({_marks(years)}) AND dv.period IN ({_marks(period_names)})"
        )
        if des:
            sql += f" AND dv.data_element_id IN ({_marks(des)})"
        valid, day_params = _valid_sql(conn, on)
        rows = _driver_rows(conn, sql + valid, [path + "%", *years, *period_names, *des, *day_params])
    for code, de, year, period, value in rows:
        bucket = out.get((year, period))
        if bucket is not None:
            figures = bucket.get(code)
            if figures is None:
                figures = bucket[code] = {}
            figures[de] = float(value)
    return out


def latest_update(engine: Engine, area_code: str, year: int, period: str) -> datetime | None:
    """When the newest figure for this area and period was written."""
    with engine.connect() as conn:
        path = _path_of(conn, area_code, period_end(year, period))
        if path is None:
            return None
        stmt = (
            select(func.max(DataValue.updated_at))
            .join(OrgUnit, OrgUnit.id == DataValue.org_unit_id)
            .where(
                OrgUnit.path.like(bindparam("prefix")),
                DataValue.year == year,
                DataValue.period == period,
            )
        )
        return conn.execute(stmt, {"prefix": path + "%"}).scalar()


def years_with_data(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(select(DataValue.year).distinct().order_by(DataValue.year))]


def data_version(engine: Engine) -> int:
    """A number that changes whenever figures change: the key for shared caches."""
    with engine.connect() as conn:
        audit = conn.execute(select(func.max(AuditEntry.id))).scalar() or 0
        batches = conn.execute(select(func.max(ImportBatch.id))).scalar() or 0
    return int(audit) * 1_000_003 + int(batches)


def data_element_names(engine: Engine) -> dict[str, tuple[str, str]]:
    with engine.connect() as conn:
        return {r.id: (r.name_vi, r.name_en) for r in conn.execute(select(DataElementRow))}


@dataclass(frozen=True)
class Boundary:
    code: str
    name: str
    full_name: str
    geometry: dict | None  # None: no boundary loaded, the unit is drawn at `centroid`
    centroid: tuple[float, float] | None


def boundaries_in(
    engine: Engine, area_code: str, level: str = "commune", on: date | None = None, with_points: bool = False
) -> list[Boundary]:
    """Boundaries (GeoJSON geometry) of the units at `level` under `area_code`.

    With `on`, of the units valid that day (a 2024 view draws An Châu, not today's Xã
    Sơn Động under the same code). With `with_points`, also the units that have only
    coordinates (the official list has them for every unit): geometry None.
    """
    with engine.connect() as conn:
        path = _path_of(conn, area_code, on)
        if path is None:
            return []
        stmt = (
            select(
                OrgUnit.code,
                OrgUnit.name,
                OrgUnit.full_name,
                OrgUnit.boundary,
                OrgUnit.centroid_lat,
                OrgUnit.centroid_lon,
                OrgUnit.valid_from,
                OrgUnit.valid_to,
            )
            .where(
                OrgUnit.path.like(bindparam("prefix")),
                OrgUnit.level == level,
                OrgUnit.boundary.is_not(None)
                if not with_points
                else (OrgUnit.boundary.is_not(None) | OrgUnit.centroid_lat.is_not(None)),
            )
            .order_by(OrgUnit.code)
        )
        if on is not None:
            stmt = stmt.where(_valid_on(on))
        # A code of both eras: the unit of `on` (today's when None; the old one only if it is the last).
        rows = _pick(conn.execute(stmt, {"prefix": path + "%"}).all(), on)
    return [
        Boundary(
            r.code,
            r.name,
            r.full_name,
            json.loads(r.boundary) if r.boundary else None,
            (r.centroid_lat, r.centroid_lon) if r.centroid_lat is not None else None,
        )
        for r in rows
    ]


def value_counts_by_commune(engine: Engine, area_code: str, year: int, period: str) -> dict[str, int]:
    """How many figures each commune under the area has for one period (completeness)."""
    with engine.connect() as conn:
        path = _path_of(conn, area_code)
        if path is None:
            return {}
        stmt = (
            select(OrgUnit.code, func.count())
            .join(OrgUnit, OrgUnit.id == DataValue.org_unit_id)
            .where(
                OrgUnit.path.like(bindparam("prefix")),
                DataValue.year == year,
                DataValue.period == period,
            )
            .group_by(OrgUnit.code)
        )
        return {code: int(n) for code, n in conn.execute(stmt, {"prefix": path + "%"})}


def by_period_and_code(
    engine: Engine,
    area_code: str,
    periods: Iterable[tuple[int, str]],
    elements: Sequence[str],
    stmt: Select,
    value: Callable[..., _V | None],
    path_of: Callable[..., str | None] | None = None,
) -> dict[tuple[int, str], dict[str, _V]]:
    """(year, period) -> commune code -> `value(*rest)`, from a statement whose rows are
    (code, year, period, *rest) and which binds `prefix` (the area's path), `years` and
    `des` (the elements): the frame every reporting-status query shares. A period not
    asked for is dropped, and so is a row whose value is None. `path_of(conn, code)`
    finds the area's path (default: `_path_of`)."""
    wanted = sorted(set(periods))
    out: dict[tuple[int, str], dict[str, _V]] = {key: {} for key in wanted}
    if not wanted or not elements:
        return out
    with engine.connect() as conn:
        path = (path_of or _path_of)(conn, area_code)
        if path is None:
            return out
        params = {"prefix": path + "%", "years": sorted({y for y, _ in wanted}), "des": list(elements)}
        for code, year, period, *rest in conn.execute(stmt, params):
            bucket = out.get((year, period))
            if bucket is not None and (v := value(*rest)) is not None:
                bucket[code] = v
    return out


def _in_area() -> Select:
    # The ids of the subtree, as a subquery on the bound `prefix`.
    return select(OrgUnit.id).where(OrgUnit.path.like(bindparam("prefix")))


def report_counts_in(
    engine: Engine, area_code: str, periods: Iterable[tuple[int, str]], elements: Sequence[str]
) -> dict[tuple[int, str], dict[str, int]]:
    """(year, period) -> commune code -> how many of `elements` it has (reporting status).

    The figures are counted per unit id, the ids of the subtree given by a subquery, and
    the codes joined afterwards: with the path filter on a join, SQLite probed the
    figures' index once per (unit, year, period, element), ~40 s for the whole country
    against ~5 s this way (PostgreSQL: the same ~3.5 s either way).
    """
    counted = (
        select(
            DataValue.org_unit_id.label("unit_id"),
            DataValue.year.label("year"),
            DataValue.period.label("period"),
            func.count().label("n"),
        )
        .where(
            DataValue.org_unit_id.in_(_in_area()),
            DataValue.year.in_(bindparam("years", expanding=True)),
            DataValue.data_element_id.in_(bindparam("des", expanding=True)),
        )
        .group_by(DataValue.org_unit_id, DataValue.year, DataValue.period)
        .subquery()
    )
    stmt = select(OrgUnit.code, counted.c.year, counted.c.period, counted.c.n).join(
        counted, counted.c.unit_id == OrgUnit.id
    )
    return by_period_and_code(engine, area_code, periods, elements, stmt, int)


def _aware(at: datetime | str | None) -> datetime | None:
    if at is None:
        return None
    if isinstance(at, str):  # SQLite hands back the stored text for max(coalesce(...))
        at = datetime.fromisoformat(at)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def report_received_in(
    engine: Engine, area_code: str, periods: Iterable[tuple[int, str]], elements: Sequence[str]
) -> dict[tuple[int, str], dict[str, datetime]]:
    """(year, period) -> commune code -> when its report's last figure first arrived.

    A figure arrives with its first `insert` in the audit trail (a later correction does
    not make an on-time report late); a figure without one counts from its `updated_at`.
    Compared with the deadline this tells "nộp muộn" (complete, but after the deadline)
    from "đủ" even after the late report has been imported.
    """
    units = _in_area()
    years = bindparam("years", expanding=True)
    des = bindparam("des", expanding=True)
    keys = (AuditEntry.org_unit_id, AuditEntry.data_element_id, AuditEntry.year, AuditEntry.period)
    first_in = (
        select(*keys, func.min(AuditEntry.changed_at).label("at"))
        .where(
            AuditEntry.action == "insert",
            AuditEntry.org_unit_id.in_(units),
            AuditEntry.year.in_(years),
            AuditEntry.data_element_id.in_(des),
        )
        .group_by(*keys)
        .subquery()
    )
    arrived = func.max(func.coalesce(first_in.c.at, DataValue.updated_at)).label("at")
    received = (
        select(DataValue.org_unit_id.label("unit_id"), DataValue.year, DataValue.period, arrived)
        .outerjoin(
            first_in,
            (first_in.c.org_unit_id == DataValue.org_unit_id)
            & (first_in.c.data_element_id == DataValue.data_element_id)
            & (first_in.c.year == DataValue.year)
            & (first_in.c.period == DataValue.period),
        )
        .where(DataValue.org_unit_id.in_(units), DataValue.year.in_(years), DataValue.data_element_id.in_(des))
        .group_by(DataValue.org_unit_id, DataValue.year, DataValue.period)
        .subquery()
    )
    stmt = select(OrgUnit.code, received.c.year, received.c.period, received.c.at).join(
        received, received.c.unit_id == OrgUnit.id
    )
    return by_period_and_code(engine, area_code, periods, elements, stmt, _aware)


def group_by_commune(
    rows: Iterable[tuple[str, str, float]],
) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for code, de, value in rows:
        out[code][de] = value
    return dict(out)


def mergers_into(engine: Engine, area_code: str, on: date | None = None) -> list[tuple[str, str, float]]:
    """(old code, new code, share) for every merger whose new commune is under the area
    (with `on`: the new communes valid that day)."""
    from data_access.models import OrgUnitMerger

    old, new = OrgUnit.__table__.alias("old"), OrgUnit.__table__.alias("new")
    with engine.connect() as conn:
        path = _path_of(conn, area_code, on)
        if path is None:
            return []
        stmt = (
            select(old.c.code, new.c.code, OrgUnitMerger.share)
            .join(old, old.c.id == OrgUnitMerger.old_unit_id)
            .join(new, new.c.id == OrgUnitMerger.new_unit_id)
            .where(new.c.path.like(bindparam("prefix")))
        )
        if on is not None:
            stmt = stmt.where(
                (new.c.valid_from.is_(None) | (new.c.valid_from <= on))
                & (new.c.valid_to.is_(None) | (new.c.valid_to >= on))
            )
        return [(o, n, float(s)) for o, n, s in conn.execute(stmt, {"prefix": path + "%"})]


@dataclass(frozen=True)
class DatedUnit:
    """A unit with its validity (an old commune behind a new one)."""

    code: str
    name: str
    full_name: str
    type: str
    valid_from: date | None
    valid_to: date | None


@dataclass(frozen=True)
class LineageRow:
    """One old unit that went (whole or `share` of it) into a new commune."""

    old: DatedUnit
    new_code: str
    share: float

    @property
    def old_code(self) -> str:
        return self.old.code


def _lineage_rows(conn, which: str, value: object, on: date | None) -> list[LineageRow]:  # noqa: ANN001
    """Lineage rows whose new unit is under a path (`which` "prefix") or has one of the
    codes (`which` "codes"), valid on `on` when given."""
    from data_access.models import OrgUnitMerger

    old, new = OrgUnit.__table__.alias("old"), OrgUnit.__table__.alias("new")
    chosen = (
        new.c.path.like(bindparam("prefix"))
        if which == "prefix"
        else new.c.code.in_(bindparam("codes", expanding=True))
    )
    stmt = (
        select(
            old.c.code,
            old.c.name,
            old.c.full_name,
            old.c.type,
            old.c.valid_from,
            old.c.valid_to,
            new.c.code,
            OrgUnitMerger.share,
        )
        .join(old, old.c.id == OrgUnitMerger.old_unit_id)
        .join(new, new.c.id == OrgUnitMerger.new_unit_id)
        .where(chosen)
        .order_by(new.c.code, old.c.code)
    )
    if on is not None:
        stmt = stmt.where(
            (new.c.valid_from.is_(None) | (new.c.valid_from <= on))
            & (new.c.valid_to.is_(None) | (new.c.valid_to >= on))
        )
    rows = conn.execute(stmt, {which: value}).all()
    return [LineageRow(DatedUnit(*r[:6]), r[6], float(r[7])) for r in rows]


def predecessors_in(engine: Engine, area_code: str, on: date | None = None) -> list[LineageRow]:
    """Every lineage row whose new commune is under the area (valid on `on`), with the
    old unit's name, type and validity: what the pages say was carried, and from when."""
    with engine.connect() as conn:
        path = _path_of(conn, area_code, on)
        return [] if path is None else _lineage_rows(conn, "prefix", path + "%", on)


def predecessors_of_codes(engine: Engine, codes: Sequence[str], on: date) -> list[LineageRow]:
    """`predecessors_in` for named new communes (valid on `on`) rather than an area's:
    the successors of an abolished district are not under its path."""
    with engine.connect() as conn:
        return _lineage_rows(conn, "codes", list(codes), on)


def report_counts_of_units(
    engine: Engine, units: Sequence[OrgUnitRef], year: int, period: str, elements: Sequence[str]
) -> dict[str, int]:
    """Code -> how many of `elements` each of `units` sent for (year, period), counting
    only the unit each code meant on the period's last day: the old communes that reported
    2025 H1 for a province formed later share codes and paths with its new communes."""
    if not units or not elements:
        return {}
    stmt = (
        select(OrgUnit.code, func.count())
        .join(DataValue, DataValue.org_unit_id == OrgUnit.id)
        .where(
            OrgUnit.code.in_(bindparam("codes", expanding=True)),
            _valid_on(period_end(year, period)),
            DataValue.year == year,
            DataValue.period == period,
            DataValue.data_element_id.in_(bindparam("des", expanding=True)),
        )
        .group_by(OrgUnit.code)
    )
    with engine.connect() as conn:
        rows = conn.execute(stmt, {"codes": sorted({u.code for u in units}), "des": list(elements)}).all()
    return {code: int(n) for code, n in rows}


def reporting_units(engine: Engine, area_code: str, year: int, period: str, on: date | None = None) -> list[OrgUnitRef]:
    """The communes that report (year, period) for an area viewed on `on` (a view's day,
    default the period's last day): those valid on the period's last day (places.md),
    and for an area that began later (the new Bắc Ninh viewed for 2025 H1) the old units
    whose figures its communes carry, old Bắc Giang's and old Bắc Ninh's alike."""
    end = period_end(year, period)
    if on is None or on <= end:
        return communes_in(engine, area_code, on=end)
    codes = sorted({r.old_code for r in predecessors_in(engine, area_code, on) if is_valid_on(r.old, end)})
    if not codes:
        return []
    with engine.connect() as conn:
        rows = conn.execute(
            select(OrgUnit).where(OrgUnit.code.in_(bindparam("codes", expanding=True)), _valid_on(end)),
            {"codes": codes},
        ).all()
    return [_ref(r, _parent_code(r.path)) for r in sorted(rows, key=lambda r: r.code)]


def figures_for_codes(
    engine: Engine,
    codes: Sequence[str],
    periods: Iterable[tuple[int, str]],
    data_elements: Sequence[str] | None = None,
    valid_on: date | None = None,
) -> FiguresByPeriod:
    """Figures of named communes (e.g. the predecessors of merged communes); with
    `valid_on`, only of the units valid that day (a new commune's own figures, never
    those of the old unit whose code it reuses)."""
    wanted = sorted(set(periods))
    out: FiguresByPeriod = {key: {} for key in wanted}
    if not wanted or not codes:
        return out
    # A code of two eras: each period's figure belongs to the unit that reported it (valid
    # on the period's last day, or on `valid_on`), decided by the database: a carried
    # history reads ~50,000 figures, and a Python test per row was half its time. Read
    # from the driver's cursor, as `figures_in_area` is (SQLAlchemy's rows were the rest).
    des = list(data_elements or [])
    with engine.connect() as conn:
        per_period, params = [], []
        for year, period in wanted:
            valid, day_params = _valid_sql(conn, valid_on or period_end(year, period))
            per_period.append(f"(dv.year = ? AND dv.period = ?{valid})")
            params += [year, period, *day_params]
        sql = (
            "SELECT ou.code, dv.data_element_id, dv.year, dv.period, dv.value "
            "FROM data_value dv JOIN org_unit ou ON ou.id = dv.org_unit_id "
            f"WHERE ou.code IN ({_marks(codes)}) AND ({' OR '.join(per_period)})"
        )
        if des:
            sql += f" AND dv.data_element_id IN ({_marks(des)})"
        rows = _driver_rows(conn, sql, [*codes, *params, *des])
    for code, element, year, period, value in rows:
        out[(year, period)].setdefault(code, {})[element] = float(value)
    return out


def _driver_array(conn, sql: str, params: Sequence[object], width: int, chunk: int = 50_000) -> np.ndarray:  # noqa: ANN001
    """Numeric rows from the DB-API cursor as one float64 array (rows × `width`).

    Fetched in chunks, each turned into an array at once: 700,000 row tuples alive
    together made the garbage collector walk them again and again (seconds on a busy
    machine); 50,000 at a time it does not notice them.
    """
    if conn.dialect.paramstyle in ("format", "pyformat"):
        sql = sql.replace("?", "%s")
    cursor = conn.connection.dbapi_connection.cursor()
    parts: list[np.ndarray] = []
    try:
        cursor.execute(sql, tuple(params))
        while batch := cursor.fetchmany(chunk):
            parts.append(np.array(batch, dtype=np.float64))
    finally:
        cursor.close()
    return np.concatenate(parts) if parts else np.empty((0, width))


def figure_matrices(
    engine: Engine,
    area_code: str,
    periods: Iterable[tuple[int, str]],
    data_elements: Sequence[str],
    on: date | None = None,
) -> dict[tuple[int, str], FigureMatrix]:
    """`figures_in_area` as arrays: per (year, period) a units × `data_elements` matrix
    (NaN = not reported) of every unit under the area, for `rules.columnar`.

    The same figures as `figures_in_area`, but the database sends numbers only (the
    unit's id, the element's and the period's position in the lists asked for, the
    value), so the driver's rows become one NumPy array and are scattered into the
    matrices in one step each: no dict per commune, no Python loop per figure
    (benchmarks/RESULTS.md, "reading figures", has the measurement behind the choice).
    """
    wanted, years, period_names = _asked(periods)
    des = list(dict.fromkeys(data_elements))
    out = {key: FigureMatrix.empty(des) for key in wanted}
    if not wanted or not des:
        return out
    with engine.connect() as conn:
        path = _path_of(conn, area_code, on)
        if path is None:
            return out
        valid, day_params = _valid_sql(conn, on)
        units = _driver_rows(
            conn, f"SELECT ou.id, ou.code FROM org_unit ou WHERE ou.path LIKE ?{valid}", [path + "%", *day_params]
        )
        # Positions, not names: element j of `des`, period k of `period_names` (bound values only).
        de_case = "CASE dv.data_element_id " + " ".join(f"WHEN ? THEN {j}" for j in range(len(des))) + " END"
        period_case = "CASE dv.period " + " ".join(f"WHEN ? THEN {k}" for k in range(len(period_names))) + " END"
        sql = (
            f"SELECT dv.org_unit_id, {de_case}, dv.year, {period_case}, dv.value "
            "FROM data_value dv JOIN org_unit ou ON ou.id = dv.org_unit_id "
            f"WHERE ou.path LIKE ? AND dv.year IN ({_marks(years)}) AND dv.period IN ({_marks(period_names)})"
            f" AND dv.data_element_id IN ({_marks(des)}){valid}"
        )
        params = [*des, *period_names, path + "%", *years, *period_names, *des, *day_params]
        rows = _driver_array(conn, sql, params, 5)
    return _scatter(units, rows, wanted, des, period_names)


def _scatter(
    units: Sequence[tuple[int, str]],
    rows: np.ndarray,
    wanted: list[tuple[int, str]],
    des: list[str],
    period_names: list[str],
) -> dict[tuple[int, str], FigureMatrix]:
    """(unit id, element position, year, period position, value) rows into one matrix per period."""
    codes = sorted({code for _, code in units})
    row_of_code = {code: i for i, code in enumerate(codes)}
    unit_ids = np.array([uid for uid, _ in units], dtype=np.int64)
    unit_rows = np.array([row_of_code[code] for _, code in units], dtype=np.intp)
    order = np.argsort(unit_ids)
    unit_ids, unit_rows = unit_ids[order], unit_rows[order]
    ids = rows[:, 0].astype(np.int64)
    where = unit_rows[np.searchsorted(unit_ids, ids)] if len(unit_ids) else np.empty(0, dtype=np.intp)
    cols = rows[:, 1].astype(np.intp)
    year_of = rows[:, 2].astype(np.int64)
    period_of = rows[:, 3].astype(np.intp)
    out: dict[tuple[int, str], FigureMatrix] = {}
    for year, period in wanted:
        matrix = np.full((len(codes), len(des)), np.nan)
        mask = (year_of == year) & (period_of == period_names.index(period))
        matrix[where[mask], cols[mask]] = rows[mask, 4]
        out[(year, period)] = FigureMatrix(tuple(codes), tuple(des), matrix)
    return out
