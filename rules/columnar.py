"""The plan evaluated as columns: every commune at once, with NumPy.

Same meaning as `rules.indicators` (the reference, spec "Meaning"), computed as vector
operations over a communes × data elements matrix instead of commune by commune in
Python: at national size (10,600 communes × 23 indicators, this year and last) the
reference takes seconds, this a small fraction of it. `tests/test_columnar.py` holds
the two to identical rows (value, status, note, …) for every commune, part and
indicator.

Exactness: the pooled sums are added in the reference's order (commune code order,
one after the other: `np.bincount` accumulates sequentially), and every comparison
uses the same expression with the same EPS, so the floats are the same, not close.

Figures travel as a `FigureMatrix`: a read-only `Mapping[code, Mapping[element, float]]`
(what the rest of the app expects, built per commune only when asked) over one float
array where NaN means "not reported" (never 0), as `rules.figure_value` reads a NaN.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from rules.indicators import (
    _FIELD_NAMES,
    _SNAP,
    EPS,
    AreaValue,
    Figures,
    ProgressRow,
    Question,
    _meets,
    accumulates_over_year,
    better_direction,
    eligibility_applies,
    evaluate,
    evaluate_plan_with_groups,
    has_denominator,
    hide_if_masked,
    indicator_rows,
    is_whole,
    pooled_row,
    pooled_value,
)
from rules.model import COMMUNES, STATUSES, DataElement, Indicator, OrgUnitRef, Plan

_STATUS_NAMES: tuple[str, ...] = STATUSES  # a status's code is its index here
_MET, _AT_RISK, _NOT_MET, _NO_DATA, _NO_TARGET, _NOT_APPLICABLE = (
    _STATUS_NAMES.index(s) for s in ("met", "at_risk", "not_met", "no_data", "no_target", "not_applicable")
)


# --------------------------------------------------------------------------- figures


@dataclass(frozen=True, eq=False)
class FigureMatrix(Mapping[str, Mapping[str, float]]):
    """Figures of one (year, period): `array[i, j]` is commune `codes[i]`'s figure for
    `elements[j]`, NaN when not reported. A code is a key when it has a figure."""

    codes: tuple[str, ...]
    elements: tuple[str, ...]
    array: np.ndarray  # float64, shape (len(codes), len(elements))
    _rows: dict[str, int] = field(default_factory=dict, repr=False)
    _cols: dict[str, int] = field(default_factory=dict, repr=False)
    _dicts: dict[str, dict[str, float]] = field(default_factory=dict, repr=False)
    _positions: dict[tuple[str, ...], np.ndarray] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.array.shape != (len(self.codes), len(self.elements)):
            raise ValueError(f"array {self.array.shape} for {len(self.codes)} codes x {len(self.elements)} elements")
        self._rows.update({c: i for i, c in enumerate(self.codes)})
        self._cols.update({e: j for j, e in enumerate(self.elements)})
        self.array.flags.writeable = False  # shared read-only across sessions

    def __reduce__(self) -> tuple:
        # The figures only: the indexes and the per-commune dicts a page made are rebuilt.
        return FigureMatrix, (self.codes, self.elements, self.array)

    @staticmethod
    def empty(elements: Sequence[str] = ()) -> FigureMatrix:
        return FigureMatrix((), tuple(elements), np.empty((0, len(elements))))

    @staticmethod
    def from_figures(figures: Figures, elements: Sequence[str] | None = None) -> FigureMatrix:
        """A matrix from the dict form (codes sorted; elements as given, else every one seen)."""
        if isinstance(figures, FigureMatrix) and elements is None:
            return figures
        if elements is None:
            seen: dict[str, None] = {}
            for figs in figures.values():
                seen.update(dict.fromkeys(figs))
            elements = sorted(seen)
        codes = sorted(code for code, figs in figures.items() if figs)
        cols = {e: j for j, e in enumerate(elements)}
        values = np.full((len(codes), len(elements)), np.nan)
        for i, code in enumerate(codes):
            for de, v in figures[code].items():
                j = cols.get(de)
                if j is not None and v is not None:
                    values[i, j] = float(v)
        return FigureMatrix(tuple(codes), tuple(elements), values)

    def overlay(self, figures: Figures) -> FigureMatrix:
        """These figures with some communes' replaced (or added) from the dict form, as
        `{**self, **figures}` reads (an empty dict: the commune reported nothing)."""
        if not figures:
            return self
        extra = FigureMatrix.from_figures(figures, self.elements)
        keep = [i for i, c in enumerate(self.codes) if c not in figures]
        codes = [self.codes[i] for i in keep] + list(extra.codes)
        values = np.vstack([self.array[keep], extra.array])
        order = sorted(range(len(codes)), key=codes.__getitem__)
        return FigureMatrix(tuple(codes[i] for i in order), self.elements, values[order])

    def take(self, codes: Sequence[str], elements: Sequence[str]) -> np.ndarray:
        """A (len(codes), len(elements)) array; NaN for a code or an element not held."""
        out = np.full((len(codes), len(elements)), np.nan)
        key = tuple(codes)
        rows = self._positions.get(key)
        if rows is None:  # the same communes are asked for per indicator: look them up once
            rows = np.array([self._rows.get(c, -1) for c in codes], dtype=np.intp)
            self._positions.clear()
            self._positions[key] = rows
        have_row = rows >= 0
        for k, de in enumerate(elements):
            j = self._cols.get(de)
            if j is not None and have_row.any():
                out[have_row, k] = self.array[rows[have_row], j]
        return out

    # The Mapping the pages and the reference rules read (a dict per commune on demand).
    def __getitem__(self, code: str) -> Mapping[str, float]:
        found = self._dicts.get(code)
        if found is None:
            i = self._rows[code]
            row = self.array[i].tolist()
            found = {de: v for de, v in zip(self.elements, row, strict=True) if v == v}
            if not found:
                raise KeyError(code)
            self._dicts[code] = found
        return found

    def __iter__(self) -> Iterator[str]:
        return (c for c in self.codes if c in self)

    def __len__(self) -> int:
        return int((~np.isnan(self.array)).any(axis=1).sum()) if self.array.size else 0

    def __contains__(self, code: object) -> bool:
        i = self._rows.get(code)  # type: ignore[arg-type]
        return i is not None and bool((~np.isnan(self.array[i])).any())

    def count_reported(self, codes: Iterable[str]) -> int:
        """How many of `codes` have at least one figure, as `sum(1 for c in codes if
        self.get(c))` counts, without a dict per commune (0.4 s per national overview)."""
        rows = [i for i in map(self._rows.get, codes) if i is not None]
        if not rows or not self.array.size:
            return 0
        return int((~np.isnan(self.array[rows])).any(axis=1).sum())


# --------------------------------------------------------------------------- one indicator


@dataclass(frozen=True)
class CommuneColumns:
    """`rules.CommuneResult` for every commune of the area, as arrays (NaN = None)."""

    numerator: np.ndarray  # after eligibility
    denominator: np.ndarray  # NaN for count indicators and when not reported
    value: np.ndarray
    reported: np.ndarray  # bool
    eligible: np.ndarray  # bool
    blockers: tuple[tuple[str, np.ndarray, np.ndarray], ...]  # (element, blocks?, its value)


def commune_columns(ind: Indicator, codes: Sequence[str], figures: FigureMatrix) -> CommuneColumns:
    """The indicator for each commune (`rules.commune_result`, vectorised)."""
    with_denominator = has_denominator(ind)
    requires_zero = tuple(ind.requires_zero) if eligibility_applies(ind) else ()
    wanted = [ind.numerator]
    if with_denominator and ind.denominator != COMMUNES:
        wanted.append(ind.denominator or "")
    wanted += list(requires_zero)
    x = figures.take(codes, wanted)
    raw = x[:, 0]
    n = len(codes)
    if not with_denominator:
        denominator = np.full(n, np.nan)
    elif ind.denominator == COMMUNES:
        denominator = np.ones(n)  # built in: 1 for every commune in scope, never reported
    else:
        denominator = x[:, 1]
    reported = ~np.isnan(raw)
    if with_denominator:
        reported &= ~np.isnan(denominator)
    blockers = []
    blocked = np.zeros(n, dtype=bool)
    for k, de in enumerate(requires_zero, start=len(wanted) - len(requires_zero)):
        v = x[:, k]
        blocks = np.isnan(v) | (np.abs(v) > EPS)  # a missing figure counts as not zero
        blockers.append((de, blocks, v))
        blocked |= blocks
    eligible = ~blocked
    numerator = np.where(eligible, raw, np.where(np.isnan(raw), np.nan, 0.0))
    if not with_denominator:
        value = np.where(reported, numerator, np.nan)
    else:
        ok = reported & (np.abs(np.nan_to_num(denominator)) > EPS)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(ok, numerator / denominator * float(ind.scale), np.nan)
    return CommuneColumns(numerator, denominator, value, reported, eligible, tuple(blockers))


@dataclass(frozen=True)
class CommuneStatus:
    """`rules.evaluate` for every commune's value, as arrays (NaN = None)."""

    status: np.ndarray  # int8 codes into STATUSES, before eligibility and not_applicable
    expected: np.ndarray
    tolerance: np.ndarray
    gap: np.ndarray
    prorated: bool
    target_text: str


def evaluate_columns(
    ind: Indicator, year: int, period: str, value: np.ndarray, previous: np.ndarray, accumulates: bool
) -> CommuneStatus:
    """`rules.evaluate(ind, year, period, value[i], previous[i], accumulates)` for every i."""
    n = len(value)
    nan = np.full(n, np.nan)
    target = ind.targets.get(year)
    if target is None:
        return CommuneStatus(np.full(n, _NO_TARGET, dtype=np.int8), nan, nan, nan, False, "")
    v, p = value, previous
    if target.is_trend:
        have = ~np.isnan(v) & ~np.isnan(p)
        if target.op == "decrease":
            met = (v < p - EPS) | ((np.abs(v) <= EPS) & (np.abs(p) <= EPS))
            gap = v - p
        elif target.op == "increase":
            met = v > p + EPS
            gap = p - v
        elif target.op == "maintain" and better_direction(ind) == "higher":
            met = v >= p - EPS
            gap = p - v
        elif target.op == "maintain":
            met = v <= p + EPS
            gap = v - p
        else:
            raise ValueError(f"unknown trend target {target.op!r}")
        status = np.where(have, np.where(met, _MET, _NOT_MET), _NO_DATA).astype(np.int8)
        return CommuneStatus(status, p.copy(), nan, np.where(have, gap, np.nan), False, target.text)

    # Scalars exactly as `rules.evaluate` works them out, then one comparison per array.
    probe = evaluate(ind, year, period, None, None, accumulates)
    expected, tolerance, op = float(probe.expected), float(probe.tolerance), target.op
    have = ~np.isnan(v)
    met = _meets(v, op, expected)
    if tolerance <= 0:
        near = np.zeros(n, dtype=bool)
    elif op in (">=", ">"):
        near = _meets(v, op, expected - tolerance)
    elif op in ("<=", "<"):
        near = _meets(v, op, expected + tolerance)
    else:
        near = np.abs(v - expected) <= tolerance + EPS
    if op in (">=", ">"):
        gap = expected - v
    elif op in ("<=", "<"):
        gap = v - expected
    else:
        gap = np.abs(v - expected)
    status = np.where(~have, _NO_DATA, np.where(met, _MET, np.where(near, _AT_RISK, _NOT_MET))).astype(np.int8)
    return CommuneStatus(
        status, np.full(n, expected), np.full(n, tolerance), np.where(have, gap, np.nan), probe.prorated, target.text
    )


def needed_numerators(op: str, threshold: np.ndarray, whole: bool, step: np.ndarray) -> np.ndarray:
    """`rules.needed_numerator` over arrays; NaN where it is None."""
    if op == ">=":
        n = np.ceil(threshold - _SNAP) if whole else threshold
    elif op == ">":
        n = np.floor(threshold + _SNAP) + 1 if whole else threshold + step
    elif op == "<=":
        n = np.floor(threshold + _SNAP) if whole else threshold
    elif op == "<":
        n = np.ceil(threshold - _SNAP) - 1 if whole else threshold - step
    elif op == "==":
        n = threshold
        if whole:
            n = np.where(np.abs(threshold - np.round(threshold)) > _SNAP, np.nan, np.round(threshold))
    else:
        raise ValueError(f"unknown comparison operator {op!r}")
    n = np.where(n < -EPS, np.nan, n)
    return np.where(n < 0.0, 0.0, n)


def commune_units_to_target(
    ind: Indicator,
    year: int,
    cols: CommuneColumns,
    ev: CommuneStatus,
    previous: np.ndarray,
    data_elements: Mapping[str, DataElement],
) -> np.ndarray:
    """`rules.units_to_target` of each commune's own pool (NaN = None); the caller keeps
    it only where the row's status asks for it."""
    n = len(cols.value)
    target = ind.targets.get(year)
    if target is None or not ind.applies_to_communes:
        return np.full(n, np.nan)
    with_denominator = has_denominator(ind)
    # The commune's pool of one: 0 + its figures when it reported, else nothing.
    num = np.where(cols.reported, 0.0 + np.nan_to_num(cols.numerator), 0.0)
    den = np.where(cols.reported, 0.0 + np.nan_to_num(cols.denominator), 0.0) if with_denominator else np.zeros(n)
    factor = den / float(ind.scale) if with_denominator else np.ones(n)
    whole = is_whole(ind, data_elements)
    step = 1e-6 * factor
    if target.is_trend:
        op = {"decrease": "<", "increase": ">"}.get(target.op) or (">=" if better_direction(ind) == "higher" else "<=")
        threshold = previous * factor
        needed = needed_numerators(op, threshold, whole, step)
        if target.op == "decrease":
            needed = np.where(np.abs(threshold) <= EPS, 0.0, needed)  # 0 → 0 counts as a decrease
    else:
        needed = needed_numerators(target.op, ev.expected * factor, whole, step)
    if ind.unit == "percent" and with_denominator:
        needed = np.where(needed > den + EPS, np.nan, needed)  # a share cannot go above 100 %
    out = needed - num
    no_value = np.isnan(cols.value)
    if with_denominator:
        no_value |= np.abs(den) <= EPS
    return np.where(no_value, np.nan, out)


# --------------------------------------------------------------------------- the plan


def _none(values: np.ndarray) -> list[float | None]:
    """Python floats, None for NaN (what the rows carry)."""
    return [None if v != v else v for v in values.tolist()]


@dataclass(frozen=True)
class _Pools:
    """Pooled sums per group (group 0 = the whole area, then the parts), in one pass."""

    numerator: np.ndarray
    denominator: np.ndarray
    reported: np.ndarray
    met: np.ndarray
    judged: np.ndarray


class _Groups:
    """The area (all its communes) and its parts as one concatenated index."""

    def __init__(self, codes: Sequence[str], groups: Sequence[tuple[OrgUnitRef, Sequence[str]]]) -> None:
        position = {c: i for i, c in enumerate(codes)}
        members = [np.arange(len(codes), dtype=np.intp)]
        for _unit, codes_of in groups:
            known = [position[c] for c in dict.fromkeys(codes_of) if c in position]
            members.append(np.array(known, dtype=np.intp))
        self.members = members
        self.index = np.concatenate(members) if members else np.empty(0, dtype=np.intp)
        self.group = np.repeat(np.arange(len(members)), [len(m) for m in members])
        self.count = len(members)
        self.codes = np.array(list(codes), dtype=object)

    def sums(self, weights: np.ndarray) -> np.ndarray:
        """Per group, added one commune after the other in the reference's order."""
        return np.bincount(self.group, weights=weights[self.index], minlength=self.count)

    def pools(self, cols: CommuneColumns, statuses: np.ndarray | None) -> _Pools:
        rep = cols.reported
        num = self.sums(np.where(rep, np.nan_to_num(cols.numerator), 0.0))
        den = self.sums(np.where(rep, np.nan_to_num(cols.denominator), 0.0))
        reported = np.bincount(self.group, weights=rep[self.index], minlength=self.count)
        if statuses is None:
            return _Pools(num, den, reported, reported, reported)
        met = np.bincount(self.group, weights=(statuses == _MET)[self.index], minlength=self.count)
        judged = (statuses != _NO_TARGET) & (statuses != _NOT_APPLICABLE)
        judged_n = np.bincount(self.group, weights=judged[self.index], minlength=self.count)
        return _Pools(num, den, reported, met, judged_n)

    def codes_where(self, g: int, mask: np.ndarray) -> tuple[str, ...]:
        idx = self.members[g]
        return tuple(self.codes[idx[mask[idx]]].tolist())


def _area_value(
    ind: Indicator, pools: _Pools, g: int, total: int, not_reported: tuple[str, ...], ineligible: tuple[str, ...]
) -> AreaValue:
    numerator, denominator, reported = float(pools.numerator[g]), float(pools.denominator[g]), int(pools.reported[g])
    value = pooled_value(ind, numerator, denominator, reported)
    return AreaValue(value, numerator, denominator, reported, total, not_reported, ineligible)


def area_value_columnar(ind: Indicator, communes: Sequence[str], figures: Figures) -> AreaValue:
    """`rules.area_value` (the indicator pooled over these communes, each once, added
    in the order given), computed as columns."""
    codes = list(dict.fromkeys(communes))
    cols = commune_columns(ind, codes, _matrix(figures))
    grouping = _Groups(codes, ())
    pools = grouping.pools(cols, None)
    not_reported = grouping.codes_where(0, ~cols.reported)
    ineligible = grouping.codes_where(0, cols.reported & ~cols.eligible)
    return hide_if_masked(ind, codes, figures, _area_value(ind, pools, 0, len(codes), not_reported, ineligible))


# A commune row's own fields, in the order `CommuneRows.rows_at` zips its columns.
_PER_ROW = (
    "area_code", "area_name", "value", "status", "numerator", "denominator", "reported", "previous_value",
    "expected", "gap", "blocking", "tolerance", "units_to_target",
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class CommuneRows:
    """One indicator's commune rows held as columns (NaN = None), one entry per commune
    in `codes`: what a `ProgressRow` of a commune carries, without the 10,600 objects.

    Rows are made only when asked (`rows_at`): a page showing a handful pays for a
    handful, and the results cache pickles these arrays (compact with protocol 5)
    instead of a quarter of a million row objects. `codes` and `names` are the same
    lists for every indicator of a plan (pickled once)."""

    indicator_id: str
    year: int
    period: str
    target_text: str
    prorated: bool
    codes: list[str]
    names: list[str]
    status: np.ndarray  # int8 codes into STATUSES
    value: np.ndarray
    numerator: np.ndarray
    denominator: np.ndarray
    previous_value: np.ndarray
    expected: np.ndarray
    gap: np.ndarray
    tolerance: np.ndarray
    units_to_target: np.ndarray
    reported: np.ndarray  # bool
    blockers: tuple[tuple[str, np.ndarray, np.ndarray], ...]  # (element, blocks?, its value)

    def rows_at(self, at: Sequence[int] | None = None) -> list[ProgressRow]:
        """The rows of the communes at these positions (every commune when None)."""
        idx = np.arange(len(self.codes)) if at is None else np.asarray(at, dtype=np.intp)
        positions = idx.tolist()
        codes = self.codes if at is None else [self.codes[i] for i in positions]
        names = self.names if at is None else [self.names[i] for i in positions]
        status_names = [_STATUS_NAMES[s] for s in self.status[idx].tolist()]
        values, nums, dens, prevs = (
            _none(self.value[idx]),
            _none(self.numerator[idx]),
            _none(self.denominator[idx]),
            _none(self.previous_value[idx]),
        )
        expected, gaps, tols = _none(self.expected[idx]), _none(self.gap[idx]), _none(self.tolerance[idx])
        units = _none(self.units_to_target[idx])
        reported = [1 if r else 0 for r in self.reported[idx].tolist()]
        blocking: dict[int, list[tuple[str, float | None]]] = {}
        for de, blocks, v in self.blockers:
            for k in np.flatnonzero(blocks[idx]).tolist():
                x = float(v[idx[k]])
                blocking.setdefault(k, []).append((de, None if x != x else x))
        blocks = [tuple(blocking.get(k, ())) for k in range(len(codes))] if blocking else [()] * len(codes)
        # What every row of this indicator shares; the rest is filled per row below. Rows
        # are built by setting their __dict__ (as `_frozen` does, without its per-row merge
        # and check): 245,000 national rows, the largest cost left in this module.
        shared = dict(
            area_level="commune",
            indicator_id=self.indicator_id,
            year=self.year,
            period=self.period,
            target_text=self.target_text,
            total=1,
            communes_met=None,
            communes_with_target=None,
            is_area=False,
            prorated=self.prorated,
            not_reported=(),
            ineligible=(),
        )
        new, put = object.__new__, object.__setattr__
        out = []
        per_row = zip(
            codes, names, values, status_names, nums, dens, reported, prevs, expected, gaps, blocks, tols, units,
            strict=True,
        )  # fmt: skip
        for own in per_row:
            fields = shared.copy()
            fields.update(zip(_PER_ROW, own, strict=True))
            row = new(ProgressRow)
            put(row, "__dict__", fields)
            out.append(row)
        if out and set(out[0].__dict__) != _FIELD_NAMES[ProgressRow]:
            raise TypeError("ProgressRow fields changed: update rules.columnar.CommuneRows")
        return out


class LazyRows(Sequence[ProgressRow]):
    """One indicator's rows (the area row, then the communes by code) over its
    `CommuneRows`: all commune rows are built on first iteration, a single one
    (`commune_row`) on its own; `codes` and `statuses` are there without any. Pickles
    as the columns only (the rows built so far are left out)."""

    def __init__(self, area_row: ProgressRow, commune: CommuneRows) -> None:
        self.area_row = area_row
        self.commune = commune
        self._rows: tuple[ProgressRow, ...] | None = None
        self._one: dict[int, ProgressRow] = {}
        self._position: dict[str, int] | None = None

    def __getstate__(self) -> dict:
        return {"area_row": self.area_row, "commune": self.commune}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["area_row"], state["commune"])  # type: ignore[misc]

    @property
    def codes(self) -> list[str]:
        return self.commune.codes

    @property
    def statuses(self) -> np.ndarray:
        return self.commune.status  # int8 codes, one per commune in `codes`

    @property
    def values(self) -> np.ndarray:
        return self.commune.value  # each commune's value (NaN = None), as on its row

    def status_names(self) -> list[str]:
        return [_STATUS_NAMES[s] for s in self.statuses.tolist()]

    def value_list(self) -> list[float | None]:
        return _none(self.values)

    def share_positions(self, position: dict[str, int]) -> None:
        """Use this code -> position index (the plan's indicators share one list of codes)."""
        self._position = position

    def position_of(self, code: str) -> int | None:
        if self._position is None:
            self._position = {c: i for i, c in enumerate(self.codes)}
        return self._position.get(code)

    def rows_with_status(self, statuses: Iterable[str]) -> list[ProgressRow]:
        """The commune rows whose status is one of `statuses`, by code, made alone: the
        communes off track are a few of the area's, and a leader screen needs no more."""
        wanted = [_STATUS_NAMES.index(s) for s in statuses]
        mask = np.isin(self.statuses, np.asarray(wanted, dtype=self.statuses.dtype))
        return [self._row_at(i) for i in np.flatnonzero(mask).tolist()]

    def blocked_rows(self) -> list[ProgressRow]:
        """The commune rows with a blocking element (`blocking` not empty), by code,
        made alone: the overview explains those, among 10,600."""
        mask = np.zeros(len(self.codes), dtype=bool)
        for _de, blocks, _v in self.commune.blockers:
            mask |= blocks
        return [self._row_at(i) for i in np.flatnonzero(mask).tolist()]

    def commune_row(self, code: str) -> ProgressRow | None:
        """One commune's row, built alone unless all are built already (then that one)."""
        i = self.position_of(code)
        return None if i is None else self._row_at(i)

    def _row_at(self, i: int) -> ProgressRow:
        if self._rows is not None:
            return self._rows[1 + i]
        found = self._one.get(i)
        if found is None:
            found = self._one[i] = self.commune.rows_at([i])[0]
        return found

    @property
    def rows(self) -> tuple[ProgressRow, ...]:
        if self._rows is None:
            self._rows = (self.area_row, *self.commune.rows_at())
            self._one = {}
        return self._rows

    def __len__(self) -> int:
        return 1 + len(self.codes)

    def __getitem__(self, i):  # noqa: ANN001, ANN204 - Sequence's int | slice
        if isinstance(i, int) and i in (0, -len(self)):
            return self.area_row
        return self.rows[i]

    def __iter__(self) -> Iterator[ProgressRow]:
        return iter(self.rows)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.rows)

    def __repr__(self) -> str:
        return f"LazyRows({self.area_row.indicator_id}, {len(self)} rows)"


class PlanRows(Sequence[ProgressRow]):
    """A plan's rows as `rules.evaluate_plan_with_groups` orders them (per indicator:
    the area row, then the communes by code), one `LazyRows` per indicator: iterating
    builds every row, `area_rows`, `of_indicator` and `of_commune` only what they give.
    Reads like the tuple it replaces (`+` and `*` give tuples)."""

    def __init__(self, segments: Sequence[LazyRows]) -> None:
        self.segments = tuple(segments)
        self._by_indicator: dict[str, LazyRows] = {}
        for seg in self.segments:
            self._by_indicator.setdefault(seg.area_row.indicator_id, seg)
        shared: dict[int, dict[str, int]] = {}  # one code index per list of codes
        for seg in self.segments:
            key = id(seg.codes)
            if key not in shared:
                shared[key] = {c: i for i, c in enumerate(seg.codes)}
            seg.share_positions(shared[key])

    def __getstate__(self) -> dict:
        return {"segments": self.segments}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["segments"])  # type: ignore[misc]

    def area_rows(self) -> tuple[ProgressRow, ...]:
        return tuple(seg.area_row for seg in self.segments)

    def of_indicator(self, indicator_id: str) -> LazyRows | None:
        return self._by_indicator.get(indicator_id)

    def of_commune(self, code: str) -> tuple[ProgressRow, ...]:
        """The commune's row of each indicator, in plan order (one row built each)."""
        return tuple(r for seg in self.segments if (r := seg.commune_row(code)) is not None)

    def __len__(self) -> int:
        return sum(len(seg) for seg in self.segments)

    def __getitem__(self, i):  # noqa: ANN001, ANN204 - Sequence's int | slice
        if isinstance(i, slice):
            return tuple(self)[i]
        k = i + len(self) if i < 0 else i
        for seg in self.segments:
            if 0 <= k < len(seg):
                return seg[k]
            k -= len(seg)
        raise IndexError(i)

    def __iter__(self) -> Iterator[ProgressRow]:
        for seg in self.segments:
            yield from seg.rows

    def __add__(self, other: Sequence[ProgressRow]) -> tuple[ProgressRow, ...]:
        return (*self, *other)

    def __mul__(self, n: int) -> tuple[ProgressRow, ...]:
        return tuple(self) * n

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"PlanRows({len(self.segments)} indicators, {len(self)} rows)"


def _matrix(figures: Figures | None) -> FigureMatrix:
    return figures if isinstance(figures, FigureMatrix) else FigureMatrix.from_figures(figures or {})


def _matrices(q: Question) -> tuple[FigureMatrix, FigureMatrix]:
    """The figures now and a year before, as matrices."""
    return _matrix(q.figures), _matrix(q.previous_figures)


class _Scope:
    """The area's communes (by code, each once) and its parts, worked out once per plan."""

    def __init__(self, q: Question) -> None:
        ordered: dict[str, OrgUnitRef] = {}
        for c in sorted(q.communes, key=lambda c: c.code):
            ordered.setdefault(c.code, c)
        self.codes = list(ordered)
        self.names = [c.name for c in ordered.values()]
        self.grouping = _Groups(self.codes, q.groups)
        self.units = [q.area, *(unit for unit, _ in q.groups)]
        self.totals = [len(m) for m in self.grouping.members]


def _indicator_rows(
    scope: _Scope,
    ind: Indicator,
    year: int,
    period: str,
    now: FigureMatrix,
    before: FigureMatrix,
    des: Mapping[str, DataElement],
    group_out: list[ProgressRow],
    lazy: bool = False,
) -> Sequence[ProgressRow]:
    """The area row, then the commune rows; the parts' rows appended to `group_out`."""
    accumulates = accumulates_over_year(ind, des)
    cols = commune_columns(ind, scope.codes, now)
    prev_cols = commune_columns(ind, scope.codes, before)
    commune = _commune_rows(ind, year, period, scope.codes, scope.names, cols, prev_cols, accumulates, des)
    pools = scope.grouping.pools(cols, commune.status)
    prev_pools = scope.grouping.pools(prev_cols, None)
    ineligible_mask = cols.reported & ~cols.eligible
    rows: list[ProgressRow] = []
    for g, unit in enumerate(scope.units):
        not_reported = scope.grouping.codes_where(g, ~cols.reported)
        ineligible = scope.grouping.codes_where(g, ineligible_mask)
        av = _area_value(ind, pools, g, scope.totals[g], not_reported, ineligible)
        prev = _area_value(ind, prev_pools, g, scope.totals[g], (), ())
        met, judged = int(pools.met[g]), int(pools.judged[g])
        row = pooled_row(ind, year, period, unit, av, prev, met, judged, accumulates, des)
        (rows if g == 0 else group_out).append(row)
    return LazyRows(rows[0], commune) if lazy else [*rows, *commune.rows_at()]


def indicator_rows_columnar(
    ind: Indicator, q: Question, group_out: list[ProgressRow] | None = None, *, lazy: bool = False
) -> Sequence[ProgressRow]:
    """`rules.indicator_rows`, computed as columns (the same rows, in the same order).

    `lazy=True`: a `LazyRows` whose commune rows are built on first use; its statuses
    are there at once (a what-if compares 10,600 of them per change, rows or not).
    """
    if group_out is None:
        group_out = []
    if q.area.level == "commune":  # a single row: nothing to vectorise
        return indicator_rows(ind, q, group_out)
    des = q.data_elements or {}
    return _indicator_rows(_Scope(q), ind, q.year, q.period, *_matrices(q), des, group_out, lazy)


def plan_rows_columnar(plan: Plan, q: Question) -> tuple[Sequence[ProgressRow], list[ProgressRow]]:
    """`rules.evaluate_plan_with_groups`, computed as columns: the same rows, in the
    same order (per indicator: the area row, then the communes by code; a pooled row
    per part and indicator, parts in the order given). The rows are a `PlanRows`:
    commune rows are made when read."""
    if q.area.level == "commune":  # one row per indicator: nothing to vectorise
        return evaluate_plan_with_groups(plan, q)
    des = q.elements_of(plan)
    now, before = _matrices(q)
    scope = _Scope(q)
    part_rows: list[ProgressRow] = []
    segments = [
        _indicator_rows(scope, ind, q.year, q.period, now, before, des, part_rows, True) for ind in plan.indicators
    ]
    return PlanRows(segments), part_rows  # type: ignore[arg-type]


def commune_statuses(
    ind: Indicator,
    year: int,
    period: str,
    cols: CommuneColumns,
    prev_cols: CommuneColumns,
    accumulates: bool,
) -> tuple[CommuneStatus, np.ndarray, np.ndarray]:
    """(the evaluation, each commune's final status code, which communes are blocked):
    eligibility and `not_applicable` on top of `evaluate`, as `rules` does per row."""
    n = len(cols.value)
    if ind.applies_to_communes:
        ev = evaluate_columns(ind, year, period, cols.value, prev_cols.value, accumulates)
    else:  # the target is the plan area's only (applies_to: [area])
        nan = np.full(n, np.nan)
        ev = CommuneStatus(np.full(n, _NO_TARGET, dtype=np.int8), nan, nan, nan, False, "")
    blocked = ~cols.eligible
    known_blocker = np.zeros(n, dtype=bool)
    for _de, blocks, v in cols.blockers:
        known_blocker |= blocks & ~np.isnan(v)
    status = ev.status.copy()
    turn = (status != _NO_TARGET) & blocked & (cols.reported | known_blocker)
    status[turn] = _NOT_MET
    zero_den = cols.reported & ~np.isnan(cols.denominator) & (np.abs(np.nan_to_num(cols.denominator)) <= EPS)
    status[(status == _NO_DATA) & zero_den] = _NOT_APPLICABLE
    return ev, status, blocked


def _commune_rows(
    ind: Indicator,
    year: int,
    period: str,
    codes: Sequence[str],
    names: Sequence[str],
    cols: CommuneColumns,
    prev_cols: CommuneColumns,
    accumulates: bool,
    des: Mapping[str, DataElement],
) -> CommuneRows:
    """The commune rows of one indicator as columns (their status codes for the pools,
    and for a what-if's flipped communes, without any row)."""
    ev, status, blocked = commune_statuses(ind, year, period, cols, prev_cols, accumulates)
    wants = ~blocked & (status != _MET) & (status != _NO_DATA) & (status != _NO_TARGET) & (status != _NOT_APPLICABLE)
    to_target = np.full(len(codes), np.nan)
    if wants.any():
        to_target = np.where(wants, commune_units_to_target(ind, year, cols, ev, prev_cols.value, des), np.nan)
    return CommuneRows(
        ind.id, year, period, ev.target_text, ev.prorated, codes, names, status,  # type: ignore[arg-type]
        cols.value, cols.numerator, cols.denominator, prev_cols.value, ev.expected, ev.gap, ev.tolerance,
        to_target, cols.reported, cols.blockers,
    )  # fmt: skip
