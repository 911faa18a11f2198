"""`queries.columns_of` and `queries.given_conditions`: a query's columns named after its
record's fields, and its optional filters in one place (audit, directions, notes, locks)."""

from __future__ import annotations

import operator
from dataclasses import dataclass, fields

from sqlalchemy import select

from data_access.followup import NoteRow
from data_access.locks import LockRow
from data_access.models import Direction, FigureNote, OrgUnit, PeriodLock
from data_access.queries import Given, columns_of, given_conditions


def _names(columns: list) -> list[str]:
    return list(select(*columns).selected_columns.keys())


def test_the_columns_are_the_records_fields_in_order_each_under_its_fields_name():
    notes = columns_of(NoteRow, FigureNote, area_code=OrgUnit.code, area_name=OrgUnit.full_name)
    assert _names(notes) == [f.name for f in fields(NoteRow)]
    locks = columns_of(LockRow, PeriodLock, area_code=OrgUnit.code, area_name=OrgUnit.full_name)
    assert _names(locks) == [f.name for f in fields(LockRow)]


@dataclass(frozen=True)
class _Row:
    id: int
    area_code: str
    status: str  # worked out after the query


def test_computed_fields_are_left_to_the_caller_and_a_same_named_column_keeps_its_name():
    cols = columns_of(_Row, Direction, computed=("status",), area_code=OrgUnit.code)
    assert _names(cols) == ["id", "area_code"]
    assert cols[0] is Direction.id  # no label where the column already has the field's name


def test_only_the_given_filters_narrow_the_query_and_their_values_are_cast():
    conds, params = given_conditions(
        (
            Given(Direction.year, "year", "2025", cast=int),
            Given(Direction.indicator_id, "ind", None),
            Given(Direction.due, "due_to", "2025-12-31", operator.le),
        )
    )
    assert params == {"year": 2025, "due_to": "2025-12-31"}
    assert [str(c) for c in conds] == ["direction.year = :year", "direction.due <= :due_to"]
    assert given_conditions(()) == ([], {})
