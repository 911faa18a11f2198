"""Plan × figures → progress rows: the one computation behind pages, CLI and exports.

Reads the figures an area needs for a period and the same period a year earlier in
one query, then hands plain data to `rules.evaluate_plan`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from functools import cached_property

from sqlalchemy import Engine

from data_access import queries
from data_access.place_resolution import is_valid_on, period_end
from data_access.standard_elements import STANDARD_DATA_ELEMENTS
from data_access.targets import LEVEL_RANK, match_area
from i18n import local_today
from rules import AreaValue, ProgressRow, Question, evaluate_plan_with_groups
from rules.columnar import FigureMatrix, PlanRows, area_value_columnar, plan_rows_columnar
from rules.lineage import Merger, carry_forward
from rules.model import OrgUnitRef, Plan


class AreaNotFound(LookupError):
    """The plan's area (or the area asked for) is not an org unit in the database."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def _grouped(rows: Sequence[ProgressRow], key: Callable[[ProgressRow], str]) -> dict[str, tuple[ProgressRow, ...]]:
    """The rows by `key`, each group in the rows' order (an index built once)."""
    out: dict[str, list[ProgressRow]] = {}
    for r in rows:
        out.setdefault(key(r), []).append(r)
    return {k: tuple(v) for k, v in out.items()}


@dataclass(frozen=True)
class Progress:
    plan: Plan
    year: int
    period: str
    area: OrgUnitRef
    communes: tuple[OrgUnitRef, ...]
    # A `rules.columnar.PlanRows` (commune rows held as columns, made when read) unless
    # computed with `reference=True` or masked by `protect`: then a tuple.
    rows: Sequence[ProgressRow]
    # commune -> element -> value; a `rules.columnar.FigureMatrix` (read-only) unless
    # computed with `reference=True` or masked by `protect`.
    figures: Mapping[str, Mapping[str, float]]
    previous_figures: Mapping[str, Mapping[str, float]]
    latest_update: datetime | None
    # The area's provinces or districts (none when its parts are communes), and a pooled
    # row per part and indicator: a national or provincial overview shows those.
    parts: tuple[OrgUnitRef, ...] = ()
    part_rows: tuple[ProgressRow, ...] = ()
    # Commune -> the old units whose figures of the year before were carried into its
    # `previous_figures` (times their shares); empty when no commune was formed since.
    carried_from: Mapping[str, tuple[Predecessor, ...]] = field(default_factory=dict)
    # The day the area ceased (a district abolished in 2025) when the period is later: its
    # `communes` are then the units of the period that took its communes over.
    ended_on: date | None = None
    # The day the area began (the new province of 1 July 2025) when the period is earlier:
    # its `communes` are then the new ones and this period's figures are their
    # predecessors' carried (`carried_now` says from whom), never those of the old unit
    # whose code it reused (old Bắc Giang was "24" until 30/06/2025).
    began_on: date | None = None
    carried_now: Mapping[str, tuple[Predecessor, ...]] = field(default_factory=dict)
    # The day whose units show the figures (`compute_progress`'s `on`): carried figures
    # are protected by a decision taken on that day's tree (`data_access.protect`).
    shown_on: date | None = None

    def __getstate__(self) -> dict:
        # The fields only: the indexes and pools below are rebuilt when asked (a stored
        # progress would otherwise carry every commune row they made).
        return {f.name: self.__dict__[f.name] for f in fields(self)}

    @property
    def area_rows(self) -> list[ProgressRow]:
        if isinstance(self.rows, PlanRows):
            return list(self.rows.area_rows())
        return list(self._split_rows[0])

    @property
    def commune_rows(self) -> list[ProgressRow]:
        return list(self._split_rows[1])

    @cached_property
    def _split_rows(self) -> tuple[tuple[ProgressRow, ...], tuple[ProgressRow, ...]]:
        # Split once: pages ask for the commune rows per indicator, ~250,000 rows nationally.
        if isinstance(self.rows, PlanRows):
            return self.rows.area_rows(), tuple(r for seg in self.rows.segments for r in seg.rows[1:])
        return tuple(r for r in self.rows if r.is_area), tuple(r for r in self.rows if not r.is_area)

    @property
    def communes_reported(self) -> int:
        """Communes with at least one figure for this period."""
        if isinstance(self.figures, FigureMatrix):  # same count, one array operation (issue 14)
            return self.figures.count_reported(c.code for c in self.communes)
        return sum(1 for c in self.communes if self.figures.get(c.code))

    def row(self, indicator_id: str, area_code: str | None = None) -> ProgressRow:
        code = area_code or self.area.code
        if isinstance(self.rows, PlanRows):  # one row made, not the indicator's 10,600
            found = self._lazy_row(indicator_id, code, area_only=area_code is None)
            if found is None:
                raise KeyError((indicator_id, code))
            return found
        index = self._row_index[0 if area_code is not None else 1]
        found = index.get((indicator_id, code))
        if found is None:
            raise KeyError((indicator_id, code))
        return found

    def _lazy_row(self, indicator_id: str, code: str, area_only: bool) -> ProgressRow | None:
        """`row()` over `PlanRows`: the first row of (indicator, code), the area row first."""
        seg = self.rows.of_indicator(indicator_id)  # type: ignore[attr-defined]
        if seg is None:
            return None
        if seg.area_row.area_code == code:
            return seg.area_row
        return None if area_only else seg.commune_row(code)

    def commune_rows_of(self, indicator_id: str) -> tuple[ProgressRow, ...]:
        """The commune rows of one indicator, by commune code (indexed once)."""
        if isinstance(self.rows, PlanRows):  # that indicator's rows only
            seg = self.rows.of_indicator(indicator_id)
            return seg.rows[1:] if seg is not None else ()
        return self._by_indicator.get(indicator_id, ())

    def commune_statuses_of(self, indicator_id: str) -> list[str]:
        """The status of each commune row of one indicator (as `commune_rows_of`), read
        from the columns when there are: the overview counts 23 indicators' communes met."""
        if isinstance(self.rows, PlanRows):
            seg = self.rows.of_indicator(indicator_id)
            return seg.status_names() if seg is not None else []
        return [r.status for r in self.commune_rows_of(indicator_id)]

    def commune_rows_with_status(self, *statuses: str) -> list[ProgressRow]:
        """Every indicator's commune rows whose status is one of `statuses`, in plan
        order (made alone from the columns when there are): the communes off track."""
        if isinstance(self.rows, PlanRows):
            return [r for seg in self.rows.segments for r in seg.rows_with_status(statuses)]
        return [r for r in self._split_rows[1] if r.status in statuses]

    def blocked_commune_rows_of(self, indicator_id: str) -> list[ProgressRow]:
        """The commune rows of one indicator whose `blocking` is not empty (made alone
        from the columns when there are)."""
        if isinstance(self.rows, PlanRows):
            seg = self.rows.of_indicator(indicator_id)
            return seg.blocked_rows() if seg is not None else []
        return [r for r in self.commune_rows_of(indicator_id) if r.blocking]

    def rows_of_commune(self, code: str) -> tuple[ProgressRow, ...]:
        """One commune's rows, in plan order (indexed once)."""
        if isinstance(self.rows, PlanRows):  # one row per indicator made, kept by the rows
            return self.rows.of_commune(code)
        return self._by_commune.get(code, ())

    @cached_property
    def _by_indicator(self) -> dict[str, tuple[ProgressRow, ...]]:
        # Pages used to filter ~250,000 national rows per indicator, several times per view.
        return _grouped(self._split_rows[1], lambda r: r.indicator_id)

    @cached_property
    def _by_commune(self) -> dict[str, tuple[ProgressRow, ...]]:
        return _grouped(self._split_rows[1], lambda r: r.area_code)

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
    if found is None and on is not None:
        # A unit of the other era: a 2024 plan's district ("Chi Lăng") viewed for 2026,
        # when districts no longer exist, is still that district (the page says what
        # it became); a name of several eras: the highest level, then the latest unit.
        every = queries.list_org_units(engine, None)
        fits = [u for u in every if match_area(text, [u]) is not None]
        rank = {"country": 0, "province": 1, "district": 2, "commune": 3}
        fits.sort(key=lambda u: rank.get(u.level, 9))
        if fits and (len(fits) == 1 or rank.get(fits[0].level) != rank.get(fits[1].level)):
            found = fits[0]
    if found is None:
        raise AreaNotFound(text)
    return found


def plan_days(plan: Plan) -> tuple[date, date]:
    """The days a plan's area is looked up on: the start and the end of its first year
    (a plan is written for the units of its time)."""
    first = min(plan.years) if plan.years else local_today().year
    return date(first, 1, 1), date(first, 12, 31)


def resolve_plan_area(engine: Engine, plan: Plan) -> OrgUnitRef:
    """The unit the plan's `area` names, as written for the plan's first year: "Sơn Động"
    of a 2024 plan is the district, "Chi Lăng" of a 2025 district plan the district (not
    the Xã Chi Lăng of 2026), "Bắc Ninh" of a 2025–2026 plan the new province. Among the
    units the text names on either day, the highest level wins, then the later one."""
    return plan_area_on(engine, plan)[0]


UnitsOn = Callable[[date], Sequence[OrgUnitRef]]


def plan_area_on(engine: Engine, plan: Plan, units_on: UnitsOn | None = None) -> tuple[OrgUnitRef, date | None]:
    """`resolve_plan_area` and the day the unit was found valid on (None: any day).

    `units_on(day)` gives the units valid that day (default: read them): with the whole
    official list that is 14,000 units, so a caller resolving several plans shares them."""
    units_on = units_on or (lambda day: queries.list_org_units(engine, day))
    start, end = plan_days(plan)
    found = [(u, day) for day in (end, start) if (u := match_area(plan.area, units_on(day))) is not None]
    if not found:
        return resolve_area(engine, plan.area), None
    return min(found, key=lambda f: LEVEL_RANK.get(f[0].level, 9))  # end day first: ties keep it


def view_day(
    engine: Engine, plan: Plan, year: int, period: str, area_on: tuple[OrgUnitRef, date | None] | None = None
) -> date:
    """The day whose units a view of the plan for (year, period) shows.

    The period's last day (the units that reported it, places.md), unless the plan's
    area began later: the new Bắc Ninh province (from 01/07/2025, code 24) viewed for
    2025 H1 or 2024 is shown on its first day, its 99 communes with their predecessors'
    figures carried, because on 30/06/2025 code 24 was old Bắc Giang alone.
    """
    end = period_end(year, period)
    try:
        area, day = area_on or plan_area_on(engine, plan)  # `area_on`: `plan_area_on`, known already
    except AreaNotFound:  # said where the area is used; the period's own units meanwhile
        return end
    unit = queries.dated_unit(engine, area.code, day)
    if unit is not None and unit.valid_from is not None and unit.valid_from > end:
        return unit.valid_from
    return end


def compute_progress(
    engine: Engine,
    plan: Plan,
    year: int,
    period: str,
    area_code: str | None = None,
    *,
    reference: bool = False,
    on: date | None = None,
) -> Progress:
    """Every indicator of the plan for the area and each of its communes.

    The communes are those valid on `on` (default: the period's last day, the units that
    reported it; a day before that is taken as that day, for figures cannot be split
    back onto older units). A later day (`view_day`: the new province viewed for 2025
    H1, or a trend's earlier years on this year's communes) shows the units of that day,
    the period's figures carried from their predecessors like the year before's.

    Figures are read into arrays and evaluated as columns (`rules.columnar`);
    `reference=True` takes the per-commune path of `rules` over dicts instead (the same
    rows: tests/test_columnar.py holds the two together).
    """
    end = period_end(year, period)
    day = max(on or end, end)
    gone = _successors(engine, plan, area_code, day)
    area = queries.org_unit(engine, area_code, day) if area_code and gone is None else None
    if gone is not None:
        area = gone.area
    elif area is None:
        area = resolve_area(engine, plan.area, day)
    needed = plan.used_data_elements()
    periods = [(year, period), (year - 1, period)]
    if gone is not None:
        # A district abolished before the period's end (1 July 2025): it stands for the
        # communes that took its communes over, their figures read by code.
        communes = list(gone.communes)
        figures = queries.figures_for_codes(engine, [c.code for c in communes], periods, needed, valid_on=day)
    else:
        communes = queries.communes_in(engine, area.code, year, on=day)
        read = queries.figures_in_area if reference else queries.figure_matrices
        figures = read(engine, area.code, periods, needed, on=day)
    # The year before always crosses a merger when one happened since; this period too
    # when its units are older than the day shown.
    carry = [(year - 1, period)] + ([(year, period)] if day > end else [])
    carried = across_reform(
        engine, area.code, carry, {key: figures[key] for key in carry}, communes, day, plan, by_codes=gone is not None
    )
    current = carried.figures.get((year, period), figures[(year, period)])
    previous = carried.figures[(year - 1, period)]
    carried_now = carried.sources.get((year, period), {})
    parts = queries.parts_of(engine, area.code, year, on=day) if area.level != "commune" and gone is None else []
    evaluate = evaluate_plan_with_groups if reference else plan_rows_columnar
    rows, part_rows = evaluate(plan, Question(year, period, area, communes, current, previous, groups=parts))
    if carried_now:  # this period's figures were written by the old units
        olds = sorted({p.code for found in carried_now.values() for p in found})
        latest = queries.latest_update_of(engine, olds, year, period)
    elif gone is not None:
        latest = queries.latest_update_of(engine, [c.code for c in communes], year, period)
    else:
        latest = queries.latest_update(engine, area.code, year, period)
    began = queries.dated_unit(engine, area.code, day) if day > end and gone is None else None
    began_on = began.valid_from if began is not None and began.valid_from and began.valid_from > end else None
    return Progress(
        plan=plan,
        year=year,
        period=period,
        area=area,
        communes=tuple(communes),
        rows=rows if isinstance(rows, PlanRows) else tuple(rows),
        figures=current,
        previous_figures=previous,
        latest_update=latest,
        parts=tuple(unit for unit, _ in parts),
        part_rows=tuple(part_rows),
        carried_from=carried.sources.get((year - 1, period), {}),
        ended_on=gone.ended_on if gone is not None else None,
        began_on=began_on,
        carried_now=carried_now,
        shown_on=day,
    )


def _successors(engine: Engine, plan: Plan, area_code: str | None, day: date) -> queries.Successors | None:
    """The plan's own area (or `area_code`) when it ended before `day`, with the units of
    that day that took its communes over (places.md). The plan's area is the unit its
    text named for the plan's first year: "Bắc Giang" of a 2024 plan is the old province
    even where its code 24 is today's Bắc Ninh, so viewed for 2026 it stands for the new
    communes that took over its communes, not for the province that reused its code."""
    if area_code is not None:  # the plan's unit is looked up only where the code's unit of its time ended
        then = queries.dated_unit(engine, area_code, plan_days(plan)[1])
        if then is None or then.valid_to is None or then.valid_to >= day:
            return queries.successors_of(engine, area_code, day)
    try:
        unit, plan_day = plan_area_on(engine, plan)
    except AreaNotFound:
        unit, plan_day = None, None
    if unit is not None and plan_day is not None and area_code in (None, unit.code):
        return queries.successors_of(engine, unit.code, day, of_day=plan_day)
    return queries.successors_of(engine, area_code, day) if area_code else None


@dataclass(frozen=True)
class Predecessor:
    """An old unit whose figures were carried into a new commune (for the page's words)."""

    code: str
    name: str
    full_name: str
    type: str  # from the tree: xã, phường, thị trấn ...
    share: float


class ShownFigures(dict):
    """(year, period) -> commune -> element -> value, and `shown_on`: the day whose units
    they are keyed by (`data_access.protect.mask_history` hides them as shown there)."""

    def __init__(self, figures: Mapping = (), shown_on: date | None = None) -> None:  # type: ignore[assignment]
        super().__init__(figures)
        self.shown_on = shown_on


@dataclass(frozen=True)
class Carried:
    """Figures of several periods on the viewed period's communes, and where they came from.

    `figures`: (year, period) -> commune -> element -> value, keyed by the communes valid
    on the viewed day; `sources`: (year, period) -> commune -> the predecessors whose
    figures stand for it that period (only the periods and communes that were carried).
    """

    figures: Mapping[tuple[int, str], Mapping[str, Mapping[str, float]]]
    sources: Mapping[tuple[int, str], Mapping[str, tuple[Predecessor, ...]]]


def across_reform(
    engine: Engine,
    area_code: str,
    periods: Sequence[tuple[int, str]],
    read: Mapping[tuple[int, str], Mapping[str, Mapping[str, float]]],
    communes: Sequence[OrgUnitRef],
    on: date,
    plan: Plan | None = None,
    data_elements: Sequence[str] | None = None,
    *,
    by_codes: bool = False,
) -> Carried:
    """The one place where earlier figures cross a merger (places.md, "Comparisons").

    `read` holds each period's figures of the units valid on `on` (the viewed period's
    last day). A commune of that day with no figures for an earlier period, but with
    predecessors through the lineage, gets their figures times their shares
    (`rules.lineage.carry_forward`: counts add, rates are recomputed later from the
    summed numerators and denominators, a yes/no holds only if every part held it).
    Used by the year-before comparison, the trends and the commune history alike.
    """
    codes = {c.code for c in communes}
    if by_codes:  # the successors of an abolished area are not under its path
        rows = queries.predecessors_of_codes(engine, sorted(codes), on)
    else:
        rows = [r for r in queries.predecessors_in(engine, area_code, on) if r.new_code in codes]
    figures: dict[tuple[int, str], Mapping[str, Mapping[str, float]]] = ShownFigures(read, on)
    sources: dict[tuple[int, str], dict[str, tuple[Predecessor, ...]]] = {}
    if not rows:
        return Carried(figures, sources)
    elements = list(data_elements or (plan.used_data_elements() if plan else [])) or None
    types = {**STANDARD_DATA_ELEMENTS, **(plan.data_elements if plan else {})}
    old = queries.figures_for_codes(engine, sorted({r.old_code for r in rows}), periods, elements)
    for key in periods:
        current = read.get(key, {})
        relevant = [r for r in rows if r.new_code not in current and is_valid_on(r.old, period_end(*key))]
        if not relevant:
            continue
        mergers = [Merger(r.old_code, r.new_code, r.share) for r in relevant]
        carried = carry_forward(old.get(key, {}), mergers, types)
        found = {n: carried[n] for n in {m.new_code for m in mergers} if carried.get(n)}
        if not found:
            continue
        figures[key] = current.overlay(found) if isinstance(current, FigureMatrix) else {**current, **found}
        sources[key] = {
            n: tuple(
                Predecessor(r.old_code, r.old.name, r.old.full_name, r.old.type, r.share)
                for r in relevant
                if r.new_code == n
            )
            for n in found
        }
    return Carried(figures, sources)


def history_across_reform(
    engine: Engine,
    area_code: str,
    periods: Sequence[tuple[int, str]],
    data_elements: Sequence[str],
    on: date | None = None,
    meant_on: date | None = None,
) -> Carried:
    """Figures of several periods (a trend, a commune's history) on the communes valid
    on `on` (default: the last period's last day), earlier ones carried across mergers.

    Read by code alone, a 2026 view of `07615` would take Thị trấn An Châu's 2024
    figures for the whole of Xã Sơn Động; read on the day, they come from all of its
    predecessors. `meant_on`: the day whose unit `area_code` names (a 2024 plan's "24"
    is old Bắc Giang, ended: its history is that of the communes that took it over, as
    its progress is, not that of today's Bắc Ninh, which reused the code).
    """
    wanted = sorted(set(periods))
    if not wanted:
        return Carried({}, {})
    day = on or period_end(*wanted[-1])
    gone = queries.successors_of(engine, area_code, day, of_day=meant_on)
    if gone is not None:  # an abolished district: the history of the communes that replaced it
        codes = [c.code for c in gone.communes]
        read = queries.figures_for_codes(engine, codes, wanted, list(data_elements) or None, valid_on=day)
        return across_reform(engine, area_code, wanted, read, gone.communes, day, None, data_elements, by_codes=True)
    unit = queries.org_unit(engine, area_code, day)
    if unit is None:
        return Carried({key: {} for key in wanted}, {})
    read = queries.figures_in_area(engine, area_code, wanted, list(data_elements) or None, on=day)
    communes = queries.communes_in(engine, area_code, on=day)
    return across_reform(engine, area_code, wanted, read, communes, day, None, data_elements)


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
