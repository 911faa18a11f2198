"""Plan × figures → progress rows: the one computation behind pages, CLI and exports.

Reads the figures an area needs for a period and the same period a year earlier in
one query, then hands plain data to `rules.evaluate_plan`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property

from sqlalchemy import Engine

from data_access import queries
from data_access.place_resolution import period_end
from data_access.targets import match_area
from rules import AreaValue, ProgressRow, evaluate_plan_with_groups
from rules.columnar import FigureMatrix, area_value_columnar, plan_rows_columnar
from rules.lineage import Merger, carry_forward
from rules.model import OrgUnitRef, Plan


class AreaNotFound(LookupError):
    """The plan's area (or the area asked for) is not an org unit in the database."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@dataclass(frozen=True)
class Progress:
    plan: Plan
    year: int
    period: str
    area: OrgUnitRef
    communes: tuple[OrgUnitRef, ...]
    rows: tuple[ProgressRow, ...]
    # commune -> element -> value; a `rules.columnar.FigureMatrix` (read-only) unless
    # computed with `reference=True` or masked by `protect`.
    figures: Mapping[str, Mapping[str, float]]
    previous_figures: Mapping[str, Mapping[str, float]]
    latest_update: datetime | None
    # The area's provinces or districts (none when its parts are communes), and a pooled
    # row per part and indicator: a national or provincial overview shows those.
    parts: tuple[OrgUnitRef, ...] = ()
    part_rows: tuple[ProgressRow, ...] = ()

    @property
    def area_rows(self) -> list[ProgressRow]:
        return list(self._split_rows[0])

    @property
    def commune_rows(self) -> list[ProgressRow]:
        return list(self._split_rows[1])

    @cached_property
    def _split_rows(self) -> tuple[tuple[ProgressRow, ...], tuple[ProgressRow, ...]]:
        # Split once: pages ask for the commune rows per indicator, ~250,000 rows nationally.
        return tuple(r for r in self.rows if r.is_area), tuple(r for r in self.rows if not r.is_area)

    @property
    def communes_reported(self) -> int:
        """Communes with at least one figure for this period."""
        if isinstance(self.figures, FigureMatrix):  # same count, one array operation (issue 14)
            return self.figures.count_reported(c.code for c in self.communes)
        return sum(1 for c in self.communes if self.figures.get(c.code))

    def row(self, indicator_id: str, area_code: str | None = None) -> ProgressRow:
        code = area_code or self.area.code
        index = self._row_index[0 if area_code is not None else 1]
        found = index.get((indicator_id, code))
        if found is None:
            raise KeyError((indicator_id, code))
        return found

    def commune_rows_of(self, indicator_id: str) -> tuple[ProgressRow, ...]:
        """The commune rows of one indicator, by commune code (indexed once)."""
        return self._by_indicator.get(indicator_id, ())

    def rows_of_commune(self, code: str) -> tuple[ProgressRow, ...]:
        """One commune's rows, in plan order (indexed once)."""
        return self._by_commune.get(code, ())

    @cached_property
    def _by_indicator(self) -> dict[str, tuple[ProgressRow, ...]]:
        # Pages used to filter ~250,000 national rows per indicator, several times per view.
        out: dict[str, list[ProgressRow]] = {}
        for r in self._split_rows[1]:
            out.setdefault(r.indicator_id, []).append(r)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def _by_commune(self) -> dict[str, tuple[ProgressRow, ...]]:
        out: dict[str, list[ProgressRow]] = {}
        for r in self._split_rows[1]:
            out.setdefault(r.area_code, []).append(r)
        return {k: tuple(v) for k, v in out.items()}

    def pooled(self, previous: bool = False) -> dict[str, AreaValue]:
        """Each indicator's value over the area's communes, this year or the year before
        (from the figures held here), computed once per Progress: every page view of a
        national overview asked for 2 x 23 pools of 10,600 communes."""
        cache = self.__dict__.setdefault("_pooled", {})
        if previous not in cache:
            codes = [c.code for c in self.communes]
            figures = self.previous_figures if previous else self.figures
            cache[previous] = {ind.id: area_value_columnar(ind, codes, figures) for ind in self.plan.indicators}
        return cache[previous]

    def part_row(self, indicator_id: str, part_code: str) -> ProgressRow | None:
        """The pooled row of one of the area's parts (province, district) for an indicator."""
        return self._part_index.get((indicator_id, part_code))

    @cached_property
    def _part_index(self) -> dict[tuple[str, str], ProgressRow]:
        return {(r.indicator_id, r.area_code): r for r in self.part_rows}

    @cached_property
    def _row_index(self) -> tuple[dict[tuple[str, str], ProgressRow], dict[tuple[str, str], ProgressRow]]:
        """(first row of each (indicator, code), first area row of each), built once.

        `row()` used to scan every row: a map of 10,600 communes asked 10,600 times
        over ~250,000 rows (minutes). Same answer as the scan, found by key.
        """
        first: dict[tuple[str, str], ProgressRow] = {}
        first_area: dict[tuple[str, str], ProgressRow] = {}
        for r in self.rows:
            key = (r.indicator_id, r.area_code)
            first.setdefault(key, r)
            if r.is_area:
                first_area.setdefault(key, r)
        return first, first_area


def resolve_area(engine: Engine, text: str, on: date | None = None) -> OrgUnitRef:
    """The org unit a plan's `area` (or a URL `area=`) names, by code or name, among
    the units valid on `on` (a period's last day; today's tree when None)."""
    units = queries.list_org_units(engine, on)
    found = match_area(text, units)
    if found is None:
        raise AreaNotFound(text)
    return found


def compute_progress(
    engine: Engine, plan: Plan, year: int, period: str, area_code: str | None = None, *, reference: bool = False
) -> Progress:
    """Every indicator of the plan for the area and each of its communes.

    Figures are read into arrays and evaluated as columns (`rules.columnar`);
    `reference=True` takes the per-commune path of `rules` over dicts instead (the same
    rows: tests/test_columnar.py holds the two together).
    """
    # The units that report this period: those valid on its last day (places.md).
    on = period_end(year, period)
    area = queries.org_unit(engine, area_code, on) if area_code else None
    if area is None:
        area = resolve_area(engine, plan.area, on)
    communes = queries.communes_in(engine, area.code, year, on=on)
    needed = plan.used_data_elements()
    read = queries.figures_in_area if reference else queries.figure_matrices
    figures = read(engine, area.code, [(year, period), (year - 1, period)], needed, on=on)
    current, previous = figures[(year, period)], figures[(year - 1, period)]
    previous = _previous_across_mergers(engine, plan, area.code, year - 1, period, communes, previous, on)
    parts = queries.parts_of(engine, area.code, year, on=on) if area.level != "commune" else []
    evaluate = evaluate_plan_with_groups if reference else plan_rows_columnar
    rows, part_rows = evaluate(plan, year, period, area, communes, current, previous, groups=parts)
    return Progress(
        plan=plan,
        year=year,
        period=period,
        area=area,
        communes=tuple(communes),
        rows=tuple(rows),
        figures=current,
        previous_figures=previous,
        latest_update=queries.latest_update(engine, area.code, year, period),
        parts=tuple(unit for unit, _ in parts),
        part_rows=tuple(part_rows),
    )


def _previous_across_mergers(
    engine: Engine,
    plan: Plan,
    area_code: str,
    year: int,
    period: str,
    communes: list[OrgUnitRef],
    previous: Mapping,
    on: date | None = None,
) -> Mapping:
    """Last year's figures for communes formed by a merger come from their predecessors
    (times their shares; across the 2025 reform for almost every commune)."""
    mergers = [Merger(o, n, s) for o, n, s in queries.mergers_into(engine, area_code, on)]
    codes = {c.code for c in communes}
    relevant = [m for m in mergers if m.new_code in codes and m.new_code not in previous]
    if not relevant:
        return previous
    old = queries.figures_for_codes(engine, [m.old_code for m in relevant], [(year, period)], plan.used_data_elements())
    carried = carry_forward(old[(year, period)], relevant, plan.data_elements)
    found = {m.new_code: carried[m.new_code] for m in relevant if m.new_code in carried}
    if isinstance(previous, FigureMatrix):
        return previous.overlay(found)
    return {**previous, **found}


CSV_COLUMNS = (
    "area_code",
    "area_name",
    "area_level",
    "indicator_id",
    "period",
    "year",
    "value",
    "target",
    "status",
    "numerator",
    "denominator",
    "communes_reported",
    "communes_total",
    "previous_value",
    "note",
)


def _num(value: float | None) -> str:
    """Stable text for a number: the same on SQLite and PostgreSQL, no float noise."""
    if value is None:
        return ""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def progress_records(progress: Progress) -> list[dict[str, str]]:
    """One record per (area, indicator) with the spec's CSV columns and a few more."""
    out = []
    for r in progress.rows:
        note = ""
        if r.blocking:
            note = "; ".join(f"{de}={_num(v) if v is not None else 'missing'}" for de, v in r.blocking)
        out.append(
            {
                "area_code": r.area_code,
                "area_name": r.area_name,
                "area_level": r.area_level,
                "indicator_id": r.indicator_id,
                "period": r.period,
                "year": str(r.year),
                "value": _num(r.value),
                "target": r.target_text,
                "status": r.status,
                "numerator": _num(r.numerator),
                "denominator": _num(r.denominator),
                "communes_reported": str(r.reported),
                "communes_total": str(r.total),
                "previous_value": _num(r.previous_value),
                "note": note,
            }
        )
    return out
