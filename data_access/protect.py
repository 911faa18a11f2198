"""Small-count protection applied to what the app reads: figures and progress rows.

`rules.suppression` decides which cells to hide; this module replaces them, before
anything reaches a page, an export or a command's output, by `SmallCount` ("<5") or
`Hidden` ("*") values. Those are NaN floats: they cannot be summed back into a
figure, a dataframe shows them as empty, JSON as NaN/null, and `i18n.fmt_number` /
`fmt_value` print the mask. Every number derived from a hidden one (a rate, a gap to
the target, the distance to it, the previous year's value) is hidden with it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import Engine, bindparam, select

from data_access.models import DataValue, OrgUnit
from data_access.progress import Progress
from data_access.standard_elements import STANDARD_DATA_ELEMENTS
from rules.columnar import area_value_columnar
from rules.indicators import ProgressRow, has_denominator
from rules.model import COMMUNES, Indicator, Plan
from rules.suppression import (
    FY,
    H1,
    PRIMARY,
    SECONDARY,
    TOTAL,
    Group,
    Hidden,
    Suppression,
    exposed_cells,
    is_masked,
    is_small,
    masked,
    protect_figures,
    suppress,
    suppress_periods,
    unstable_rate,
)

Figures = Mapping[str, Mapping[str, float]]
# (year, period) → the whole-tree decision of that period (`load_tree_suppression`).
Decide = Callable[[int, str], Suppression]


def _tree_values(
    figures: Figures, units: Mapping[str, str | None], elements: Collection[str]
) -> tuple[dict[Hashable, object], list[Group]]:
    """Every unit's value (`(unit_code, element)`: a commune's figure, an area's sum)
    and a group per unit with children: its children add up to it."""
    children: dict[str, list[str]] = {}
    for code, parent in units.items():
        if parent is not None and parent in units:
            children.setdefault(parent, []).append(code)
    values: dict[Hashable, object] = {}
    groups: list[Group] = []

    def total(code: str, de: str) -> float | None:
        if code not in children:
            value = (figures.get(code) or {}).get(de)
            values[(code, de)] = value
            return None if value is None or value != value else float(value)
        parts = [total(child, de) for child in sorted(children[code])]
        known = [v for v in parts if v is not None]
        value = sum(known) if known else None
        values[(code, de)] = value
        groups.append(Group(tuple((child, de) for child in sorted(children[code])), (code, de)))
        return value

    roots = [code for code, parent in units.items() if parent is None or parent not in units]
    for de in elements:
        for root in sorted(roots):
            total(root, de)
    return values, groups


def tree_suppression(figures: Figures, units: Mapping[str, str | None], sensitive: Collection[str]) -> Suppression:
    """What to hide in one period over a whole tree, so every view hides the same cells.

    `figures` are the communes' figures (commune → element → value), `units` maps every
    unit code to its parent code. Each unit with children is a group: its children add
    up to it. Keys are `(unit_code, element)` for communes and areas alike. Deciding
    once for the whole tree (not per page) matters: a cell hidden to protect a
    neighbour in the district view must not be visible in the province view, or the
    two views together would give the neighbour away. `tree_decisions_for_year` adds
    the other period of the same year.
    """
    elements = [de for de in sensitive if any(de in (f or {}) for f in figures.values())]
    values, groups = _tree_values(figures, units, elements)
    return suppress(values, lambda key: isinstance(key, tuple) and key[-1] in elements, groups)


def tree_decisions_for_year(
    h1: Figures | None, fy: Figures | None, units: Mapping[str, str | None], sensitive: Collection[str], year: int
) -> dict[tuple[int, str], Suppression]:
    """The whole-tree decisions of H1 and FY of `year`, taken together
    (`rules.suppression.suppress_periods`): no second-half count from 1 to 4 and no
    hidden cell can be worked out from both periods shown. A period not reported yet
    is decided on its own (and both again once it is)."""
    if not h1 or not fy:
        return {(year, p): tree_suppression(f, units, sensitive) for p, f in ((H1, h1), (FY, fy)) if f}
    elements = [de for de in sensitive if any(de in (f or {}) for f in (*h1.values(), *fy.values()))]
    first_values, groups = _tree_values(h1, units, elements)
    second_values, _ = _tree_values(fy, units, elements)
    out: list[tuple[set, set]] = [(set(), set()), (set(), set())]
    for de in elements:
        mine = [g for g in groups if g.total is not None and g.total[1] == de]
        first = {k: v for k, v in first_values.items() if k[1] == de}  # type: ignore[index]
        second = {k: v for k, v in second_values.items() if k[1] == de}  # type: ignore[index]
        decided = suppress_periods(first, second, lambda key, de=de: key[-1] == de, mine)
        for (primary, secondary), sup in zip(out, decided, strict=True):
            primary.update(sup.primary)
            secondary.update(sup.secondary)
    return {
        (year, H1): Suppression(frozenset(out[0][0]), frozenset(out[0][1])),
        (year, FY): Suppression(frozenset(out[1][0]), frozenset(out[1][1])),
    }


def area_suppression(figures: Figures, area_code: str, sensitive: Collection[str]) -> Suppression:
    """What to hide in one area's figures when no whole-tree decision is at hand: keys
    `(commune, element)` and `(area_code, element)` for the area's total."""
    local = protect_figures(figures, sensitive)
    rename = lambda key: (area_code, key[1]) if key[0] == TOTAL else key  # noqa: E731
    return Suppression(frozenset(rename(k) for k in local.primary), frozenset(rename(k) for k in local.secondary))


def mask_figures(
    figures: Figures, sensitive: Collection[str], suppression: Suppression | None = None
) -> tuple[dict[str, dict[str, float]], Suppression]:
    """A copy of one period's figures with the hidden cells masked, and what was hidden."""
    suppression = suppression if suppression is not None else protect_figures(figures, sensitive)
    out: dict[str, dict[str, float]] = {}
    for code, values in figures.items():
        row = dict(values)
        for de in list(row):
            mask = masked(suppression.kind((code, de)))
            if mask is not None:
                row[de] = mask
        out[code] = row
    return out, suppression


def mask_history(
    history: Mapping[tuple[int, str], Figures],
    sensitive: Collection[str],
    suppressions: Mapping[tuple[int, str], Suppression] | None = None,
    on: date | None = None,
) -> dict[tuple[int, str], dict[str, dict[str, float]]]:
    """Each period of a history (`(year, period)` → figures) masked, with the whole-tree
    decision of that period when given, as shown on the units of `on` (default: the
    history's own `shown_on`, `data_access.progress.ShownFigures`): earlier years
    carried onto today's communes are hidden by the decision keyed by them."""
    given = suppressions or {}
    day = on or getattr(history, "shown_on", None)
    out = {}
    for key, figures in history.items():
        decided = given.get(key)
        out[key] = mask_figures(figures, sensitive, decided.on(day) if decided is not None else None)[0]
    return out


def _kind(suppression: Suppression, key: tuple[str, str], sensitive: Collection[str], value: object) -> str | None:
    kind = suppression.kind(key)
    if kind is None and key[1] in sensitive and is_small(value):
        return PRIMARY  # e.g. an area numerator summed over a subset of communes
    return kind


def _row_masks(
    ind: Indicator, code: str, suppression: Suppression, sensitive: Collection[str], numerator: object
) -> tuple[str | None, str | None]:
    num = _kind(suppression, (code, ind.numerator), sensitive, numerator)
    den = None
    if ind.denominator and ind.denominator != COMMUNES:
        den = suppression.kind((code, ind.denominator))
    return num, den


def _value_kind(ind: Indicator, num: str | None, den: str | None) -> str | None:
    if not has_denominator(ind):
        return num
    return SECONDARY if (num or den) else None  # a rate on a hidden count is hidden


def protect_progress(
    progress: Progress,
    sensitive: Collection[str],
    current: Suppression | None = None,
    previous_period: Suppression | None = None,
) -> Progress:
    """`progress` with every small sensitive count and what derives from it masked.

    `current` / `previous_period` are the whole-tree decisions (`tree_suppression`) for
    the period and the year before; without them the area is protected on its own.
    """
    sensitive = tuple(sensitive)
    area = progress.area.code
    # Each decision as shown on the view's units (`Suppression.on`): figures carried onto
    # the new communes are hidden by the decision keyed by them, for every caller.
    current = current.on(progress.shown_on) if current is not None else None
    previous_period = previous_period.on(progress.shown_on) if previous_period is not None else None
    now = current if current is not None else area_suppression(progress.figures, area, sensitive)
    before = (
        previous_period if previous_period is not None else area_suppression(progress.previous_figures, area, sensitive)
    )
    codes = [c.code for c in progress.communes]
    now = _close_area_total(progress.figures, codes, area, sensitive, now)
    before = _close_area_total(progress.previous_figures, codes, area, sensitive, before)
    figures, _ = mask_figures(progress.figures, sensitive, now)
    previous, _ = mask_figures(progress.previous_figures, sensitive, before)
    rows = [_protect_row(progress, r, area if r.is_area else r.area_code, now, before, sensitive) for r in progress.rows]
    # A part's (province's, district's) totals can only be hidden by a whole-tree
    # decision, which has a key for every unit; without one the parts are not shown.
    part_rows = (
        tuple(_protect_row(progress, r, r.area_code, now, before, sensitive) for r in progress.part_rows)
        if current is not None and previous_period is not None
        else ()
    )
    protected = replace(
        progress,
        rows=tuple(rows),
        figures=figures,
        previous_figures=previous,
        part_rows=part_rows,
        parts=progress.parts if part_rows else (),
    )
    _pool_from_area_rows(progress, protected)
    return protected


def protect_in_tree(progress: Progress, sensitive: Collection[str], decide: Decide) -> Progress:
    """The one protection of a progress for every reader (a page, a command's output):
    `protect_progress` with the whole-tree decisions of its period and of the same
    period a year before, each taken with the other period of its year.

    Protected on its own, an area would hide other cells than the page does, and FY −
    H1 or the total minus the shown cells would give a "<5" away; `decide` is how the
    caller obtains the decisions (the page from its cache, the command line from the
    database: `protect_from_database`). `protect_progress` takes each as shown on the
    view's units (`Suppression.on`): the year before of a new commune, carried from
    its predecessors, is hidden by the decision keyed by the new communes.
    """
    year, period = progress.year, progress.period
    return protect_progress(progress, sensitive, decide(year, period), decide(year - 1, period))


def protect_from_database(engine: Engine, progress: Progress, sensitive: Collection[str]) -> Progress:
    """`protect_in_tree` with the decisions read from `engine` (the command line's way)."""
    wanted = tuple(sensitive)
    return protect_in_tree(progress, wanted, lambda year, period: load_tree_suppression(engine, year, period, wanted))


def _close_area_total(
    figures: Figures, codes: Collection[str], area: str, sensitive: Collection[str], decided: Suppression
) -> Suppression:
    """`decided`, with the area's total of an element hidden ("*") where it would pin a
    "<5" commune of the view.

    A whole-tree decision makes each unit's total safe over its own children. An area
    summed over other communes than a unit's children has a total no decision took: a
    district abolished in 2025 viewed for FY 2025 stands for the communes that took it
    over, and "<5" as its total beside four "<5" communes gave each away (1).
    """
    extra: set[Hashable] = set()
    in_view = set(codes)
    with_small = {key[1] for key in decided.primary if key[0] in in_view}  # type: ignore[index]
    for de in sensitive:
        total = (area, de)
        if de not in with_small or decided.kind(total) == SECONDARY:
            continue
        cells = tuple((code, de) for code in codes if de in (figures.get(code) or {}))
        values: dict[Hashable, object] = {c: figures[c[0]][de] for c in cells}
        values[total] = sum(v for v in values.values() if isinstance(v, int | float) and v == v)
        if exposed_cells(Group(cells, total), values, decided):
            extra.add(total)
    if not extra:
        return decided
    return Suppression(decided.primary - extra, decided.secondary | extra)


def _pool_from_area_rows(raw: Progress, protected: Progress) -> None:
    """Give `protected.pooled()` (the area's value this year and the year before, what
    the overview's "so với" compares) the area row's protection.

    Pooled over masked figures, a hidden count would drop out like an unreported
    commune (0 where there were 2), and `rules.indicators.hide_if_masked` then hides
    every such pool. But the area's own total is often shown (its row says so): where
    it is, the pool is that shown value; where it is hidden, so is the pool.
    """
    now, before = raw.pooled(), raw.pooled(previous=True)
    out: dict[bool, dict] = {False: {}, True: {}}
    for ind in raw.plan.indicators:
        try:
            row = protected.row(ind.id)
        except KeyError:
            continue
        for previous, pools, shown in ((False, now, row.value), (True, before, row.previous_value)):
            av = pools.get(ind.id)
            if av is None:
                continue
            if is_masked(shown):
                av = replace(av, value=Hidden(), numerator=Hidden(), denominator=Hidden())
            elif shown is None and av.value is not None:  # the row does not say: pool the masked figures
                figures = protected.previous_figures if previous else protected.figures
                av = area_value_columnar(ind, [c.code for c in raw.communes], figures)
            out[previous][ind.id] = av
    protected.__dict__["_pooled"] = out  # Progress.pooled's cache, filled here


def _protect_row(
    progress: Progress, r: ProgressRow, key: str, now: Suppression, before: Suppression, sensitive: tuple[str, ...]
) -> ProgressRow:
    """One row with its small sensitive counts (and what derives from them) masked;
    `key` is the unit whose cells the decisions name (the area for area rows)."""
    try:
        ind = progress.plan.indicator(r.indicator_id)
    except KeyError:
        return r
    num, den = _row_masks(ind, key, now, sensitive, r.numerator)
    p_num, p_den = _row_masks(ind, key, before, sensitive, None)
    value_kind = _value_kind(ind, num, den)
    prev_kind = _value_kind(ind, p_num, p_den)
    if r.previous_value is not None and ind.numerator in sensitive and not has_denominator(ind):
        prev_kind = prev_kind or (PRIMARY if is_small(r.previous_value) else None)
    changes: dict[str, object] = {}
    if value_kind and r.value is not None:
        changes["value"] = masked(value_kind)
    if num and r.numerator is not None:
        changes["numerator"] = masked(num)
    if den and r.denominator is not None:
        changes["denominator"] = masked(den)
    if prev_kind and r.previous_value is not None:
        changes["previous_value"] = masked(prev_kind)
    if (value_kind or prev_kind) and r.gap is not None:
        changes["gap"] = Hidden()
    if (value_kind or prev_kind) and r.units_to_target is not None:
        changes["units_to_target"] = Hidden()
    target = ind.targets.get(r.year)
    if prev_kind and r.expected is not None and target is not None and target.is_trend:
        changes["expected"] = Hidden()  # a trend's "expected" is last year's value
    if r.blocking and not r.is_area:
        blocking = tuple(
            (de, masked(now.kind((r.area_code, de))) or v if v is not None else v) for de, v in r.blocking
        )
        if blocking != r.blocking:
            changes["blocking"] = blocking
    return replace(r, **changes) if changes else r  # type: ignore[arg-type]


def is_protected_value(value: object) -> bool:
    return is_masked(value)


def unstable(plan: Plan, row: object) -> bool:
    """Whether a row's rate rests on too few events (or too small a base) to trust.

    Only rates of counted events are flagged: a share of communes or a yes/no figure
    is a complete count, not an estimate.
    """
    ind = plan.indicator(row.indicator_id)  # type: ignore[attr-defined]
    if not has_denominator(ind) or ind.denominator in (None, COMMUNES):
        return False
    element = plan.data_elements.get(ind.numerator) or STANDARD_DATA_ELEMENTS.get(ind.numerator)
    if element is not None and element.type != "count":
        return False
    num, den = row.numerator, row.denominator  # type: ignore[attr-defined]
    if is_masked(num) or is_masked(den) or is_masked(row.value):  # type: ignore[attr-defined]
        return False  # already hidden
    return unstable_rate(num, den)


def load_tree_suppression(engine: Engine, year: int, period: str, sensitive: Collection[str]) -> Suppression:
    """The whole-tree decision of one (year, period) for the whole database, taken
    together with the other period of the year (`tree_decisions_for_year`), so that
    FY − H1 gives nothing away (bound parameters).

    The tree is the one of the period's own day (`period_end`), as its figures were
    reported: since the 2025 reform a code can name an old commune of a district and a
    new one under the province, and a tree read across all days put the 2021 commune
    under today's parent, out of its district's sum, so the district's total narrowed
    its "<5" cells. Where H1 and FY were reported by different trees (the year of a
    reform), H1 is decided alone on its own units and FY together with H1 carried onto
    FY's units (the view of the new communes shows both).

    `later` holds the decision for each later tree (from the day it began): the figures
    as a view of that day's units shows them (a unit's own, else its predecessors'
    carried), decided on that tree, H1 and FY together, keyed by the units shown.
    Keyed by the old codes, the carried 2025 H1 of the new communes was decided apart
    from their 2025 FY and a "<5" came back by subtraction.
    """
    from data_access.place_resolution import period_end

    wanted = sorted(set(sensitive))
    with engine.connect() as conn:
        rows = conn.execute(select(OrgUnit.id, OrgUnit.code, OrgUnit.path, OrgUnit.valid_from, OrgUnit.valid_to)).all()
        if not wanted:
            return Suppression()
        stmt = (
            select(DataValue.org_unit_id, DataValue.period, DataValue.data_element_id, DataValue.value)
            .where(
                DataValue.year == bindparam("year"),
                DataValue.period.in_(bindparam("periods", expanding=True)),
                DataValue.data_element_id.in_(bindparam("des", expanding=True)),
            )
        )
        periods = sorted({period, H1, FY} if period in (H1, FY) else {period})
        values = conn.execute(stmt, {"year": int(year), "periods": periods, "des": wanted}).all()
        days = [period_end(int(year), p) for p in periods]
        later = _later_trees(rows, days, period_end(int(year), period))
        reform_year = len({_ids_on(rows, day) for day in days}) > 1
        lineage = _lineage(conn) if later or reform_year else []
    own_box: list[Suppression] = []  # the old units' own decision, for the carried ones (`_carried_decision`)

    def decide(day: date) -> Suppression:
        return _carried_decision(rows, values, lineage, int(year), period, periods, wanted, day, lambda: own_box[0])

    own = _own_decision(rows, values, int(year), period, periods, wanted, decide)
    own_box.append(own)
    out = tuple((day, own if same else decide(day)) for day, same in later)
    return replace(own, later=out) if out else own


def _own_decision(
    rows: Sequence,
    values: Sequence,
    year: int,
    period: str,
    periods: Sequence[str],
    wanted: Sequence[str],
    carried: Callable[[date], Suppression],
) -> Suppression:
    """`load_tree_suppression` on the period's own units (`carried(day)`: the decision
    on the units of `day`, for FY of a reform year)."""
    from data_access.place_resolution import is_valid_on, period_end

    # Per period: unit id → code of the units valid on its day, and code → parent code.
    ids: dict[str, dict[int, str]] = {}
    trees: dict[str, dict[str, str | None]] = {}
    for p in periods:
        day = period_end(year, p)
        valid = [r for r in rows if is_valid_on(r, day)]
        ids[p] = {r.id: r.code for r in valid}
        trees[p] = {r.code: _parent(r.path) for r in valid}
    figures: dict[str, dict[str, dict[str, float]]] = {p: {} for p in periods}
    for unit_id, p, de, value in values:
        code = ids[p].get(unit_id)
        if code is not None:  # a figure of a unit not valid on the period's day is not in its tree
            figures[p].setdefault(code, {})[de] = float(value)
    if period not in (H1, FY):
        return tree_suppression(figures[period], trees[period], wanted)
    if trees[H1] != trees[FY] and period == H1:
        return tree_suppression(figures[period], trees[period], wanted)  # the old units' own view
    if trees[H1] != trees[FY]:
        # FY reported by new units beside H1 carried onto them (a view of the new
        # communes shows both): one decision on FY's tree, as its later views take it.
        return carried(period_end(year, FY))
    decided = tree_decisions_for_year(figures[H1], figures[FY], trees[FY], wanted, year)
    return decided.get((year, period), Suppression())


def _ids_on(rows: Sequence, day: date) -> frozenset[int]:
    from data_access.place_resolution import is_valid_on

    return frozenset(r.id for r in rows if is_valid_on(r, day))


def _later_trees(rows: Sequence, days: Sequence[date], end: date) -> list[tuple[date, bool]]:
    """The days after `end` on which the tree changed, each with whether its units are
    those of the periods' own `days` (the figures then shown as reported)."""
    starts = {r.valid_from for r in rows if r.valid_from is not None and r.valid_from > end}
    starts |= {r.valid_to + timedelta(days=1) for r in rows if r.valid_to is not None and r.valid_to >= end}
    own = {_ids_on(rows, day) for day in days}
    out: list[tuple[date, bool]] = []
    last = _ids_on(rows, end)
    for day in sorted(starts):
        ids = _ids_on(rows, day)
        if ids != last:
            out.append((day, own == {ids}))
            last = ids
    return out


def _lineage(conn) -> list[tuple[int, int, float]]:  # noqa: ANN001 - a Connection
    """Every lineage row: (old unit id, new unit id, share)."""
    from data_access.models import OrgUnitMerger

    stmt = select(OrgUnitMerger.old_unit_id, OrgUnitMerger.new_unit_id, OrgUnitMerger.share)
    return [(int(o), int(n), float(s)) for o, n, s in conn.execute(stmt)]


def _carried_decision(
    rows: Sequence,
    values: Sequence,
    lineage: Sequence[tuple[int, int, float]],
    year: int,
    period: str,
    periods: Sequence[str],
    wanted: Sequence[str],
    on: date,
    old_view: Callable[[], Suppression],
) -> Suppression:
    """The decision for a view on the units of `on`: each period's figures as it shows
    them (`data_access.progress.across_reform`: a unit's own figures, else its
    predecessors' times their shares), decided on that tree, H1 and FY of the year
    together; a carried period also hides what `old_view()` (the old units' own
    decision of the period) hides underneath."""
    from data_access.place_resolution import is_valid_on, period_end
    from rules.lineage import Merger, carry_forward

    shown = {r.id: r for r in rows if is_valid_on(r, on)}
    tree = {r.code: _parent(r.path) for r in shown.values()}
    by_id = {r.id: r for r in rows}
    figures: dict[str, dict[str, dict[str, float]]] = {}
    sources: dict[str, dict[str, set[str]]] = {}  # period → shown commune → old codes behind it
    for p in periods:
        day = period_end(year, p)
        own: dict[str, dict[str, float]] = {}
        old: dict[str, dict[str, float]] = {}
        for unit_id, vp, de, value in values:
            if vp != p:
                continue
            if unit_id in shown and is_valid_on(shown[unit_id], day):
                own.setdefault(shown[unit_id].code, {})[de] = float(value)
            elif unit_id in by_id and is_valid_on(by_id[unit_id], day):
                old.setdefault(by_id[unit_id].code, {})[de] = float(value)
        mergers = [
            Merger(by_id[o].code, shown[n].code, share)
            for o, n, share in lineage
            if n in shown and o in by_id and shown[n].code not in own and is_valid_on(by_id[o], day)
        ]
        carried = carry_forward(old, mergers, STANDARD_DATA_ELEMENTS) if mergers else {}
        figures[p] = {**own, **{m.new_code: carried[m.new_code] for m in mergers if carried.get(m.new_code)}}
        if mergers:
            behind = {code: {code} for code in own}
            for m in mergers:
                if m.new_code in figures[p] and m.new_code not in own:
                    behind.setdefault(m.new_code, set()).add(m.old_code)
            sources[p] = behind
    # Only the units with figures and those above them: a unit without any is a known 0
    # in every sum, and the whole country's tree (the official list) took minutes.
    paths = {r.code: r.path for r in shown.values()}
    kept = {part for f in figures.values() for code in f for part in paths.get(code, "").split("/") if part}
    tree = {code: parent for code, parent in tree.items() if code in kept}
    if period not in (H1, FY):
        decided = tree_suppression(figures[period], tree, wanted)
    else:
        decided = tree_decisions_for_year(figures[H1], figures[FY], tree, wanted, year).get((year, period), Suppression())
    if period not in sources:
        return decided
    return _hide_what_the_old_view_hid(decided, old_view(), sources[period], tree, wanted)


def _hide_what_the_old_view_hid(
    decided: Suppression,
    old_view: Suppression,
    behind: Mapping[str, set[str]],
    tree: Mapping[str, str | None],
    wanted: Sequence[str],
) -> Suppression:
    """`decided` with every carried cell hidden ("*") whose old communes include one the
    old units' own view hides: a new commune's (or area's) carried sum beside the old
    view's shown cells would give the hidden one back (new Bắc Ninh's 2020 total minus
    old Bắc Ninh's shown total is old Bắc Giang's hidden one). A cell whose old communes
    are all shown tells nothing the old view does not."""
    under: dict[str, set[str]] = {code: set(olds) for code, olds in behind.items()}
    for code in list(behind):
        parent = tree.get(code)
        while parent is not None:
            under.setdefault(parent, set()).update(behind[code])
            parent = tree.get(parent)
    extra = {
        (code, de)
        for de in wanted
        for code, olds in under.items()
        if any(old_view.kind((o, de)) for o in olds) and decided.kind((code, de)) is None
    }
    if not extra:
        return decided
    return Suppression(decided.primary, decided.secondary | extra)


def _parent(path: str) -> str | None:
    parts = [p for p in path.split("/") if p]
    return parts[-2] if len(parts) > 1 else None


def tree_decisions(
    url: str | None, periods: Collection[tuple[int, str]], sensitive: Collection[str]
) -> dict[tuple[int, str], Suppression]:
    """`load_tree_suppression` for each (year, period) of the database at `url` (none
    without a URL: callers then protect each area on its own)."""
    if not url:
        return {}
    from data_access import db

    engine = db.get_engine(url)
    return {key: load_tree_suppression(engine, key[0], key[1], sensitive) for key in sorted(set(periods))}
