"""Indicator values, status against the plan's targets, and the distance to a target.

Everything here is a pure function over plain data (the dataclasses of
`rules.model` and mappings of figures); no Streamlit, no database, no pandas.
The contract is `../shared/spec/targets-yaml.md`, section "Meaning":

* **Values.** For any set of communes, `sum(numerator) / sum(denominator) x scale`
  over the communes that reported both figures. Rates are never averaged across
  communes. A count indicator has no denominator: its value is `sum(numerator)`.
  The built-in denominator `communes` is 1 for every commune.
* **Eligibility** (higher-is-better indicators with `requires_zero`): a commune whose
  `requires_zero` figures are not all zero (missing counts as not zero) adds 0 to the
  numerator and its own status is `not_met`.
* **Status**: `met`, `at_risk` (not met, but within the tolerance), `not_met`,
  `no_data`, `no_target`, `not_applicable`; H1 figures of values that accumulate over
  the year (a count of a flow, a flow over a stock) against `>=` / `>` targets are held
  to half of the yearly target (and half its tolerance); a ratio of two flows is not.

Figures for one (year, period) are `Mapping[commune_code, Mapping[data_element, float]]`;
a missing key means "not reported", never 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal, TypeVar

from rules.model import COMMUNES, DataElement, Indicator, OrgUnitRef, Plan, Target
from rules.suppression import Hidden, is_masked

# Tolerance for float comparisons: 80 communes of 100 recognised is 80.00000000000001 %
# after the division, and that must still meet ">= 80".
EPS = 1e-9
# Tolerance used when snapping a needed numerator to a whole number: 8.000000000000002
# communes needed is 8 communes, not 9.
_SNAP = 1e-6

Figures = Mapping[str, Mapping[str, float]]

_T = TypeVar("_T")
_V = TypeVar("_V")  # a float, or a numpy array of them


def _frozen(cls: type[_T], fields: dict[str, object]) -> _T:
    """`cls(**fields)` for a frozen dataclass, without its per-field `object.__setattr__`.

    A national view builds ~250,000 rows and ~500,000 commune results; the generated
    frozen `__init__` took a second of that. Same object (equal, same hash), built by
    filling its `__dict__`; every field must be given (defaults come from the class).
    """
    obj = object.__new__(cls)
    values = {**_DEFAULTS[cls], **fields}
    if len(values) != len(_FIELD_NAMES[cls]):
        raise TypeError(f"{cls.__name__}: unknown or missing fields {set(values) ^ set(_FIELD_NAMES[cls])}")
    obj.__dict__.update(values)
    return obj


_DEFAULTS: dict[type, dict[str, object]] = {}
_FIELD_NAMES: dict[type, frozenset[str]] = {}


def _register_frozen(cls: type[_T]) -> type[_T]:
    """Note a frozen dataclass's fields and defaults for `_frozen`."""
    from dataclasses import MISSING, fields

    _FIELD_NAMES[cls] = frozenset(f.name for f in fields(cls))
    _DEFAULTS[cls] = {f.name: f.default for f in fields(cls) if f.default is not MISSING}
    return cls


CommuneFigures = Mapping[str, float]
Direction = Literal["higher", "lower"]

HIGHER_OPS: tuple[str, ...] = (">=", ">")
LOWER_OPS: tuple[str, ...] = ("<=", "<", "==")


# --------------------------------------------------------------------------- helpers


def figure_value(figures: CommuneFigures | None, data_element: str) -> float | None:
    """One reported figure, or None when it was not reported.

    A NaN (what a spreadsheet or a dataframe may hand over for an empty cell) is
    treated as "not reported" too, so it can never poison a sum.
    """
    if figures is None:
        return None
    value = figures.get(data_element)
    if value is None:
        return None
    value = float(value)
    if math.isnan(value):
        return None
    return value


def has_denominator(ind: Indicator) -> bool:
    """A count indicator (or one without a denominator) is a plain sum of the numerator."""
    return ind.unit != "count" and ind.denominator is not None


def better_direction(ind: Indicator) -> Direction:
    """Which way is better: `ind.better` if set, else from the targets, else "higher".

    The targets loader already resolves `better`; this fallback serves plans built in
    code and follows the same order: the first comparison target by year (`>=`, `>`
    higher; `<=`, `<`, `==` lower), else the first `decrease` (lower) / `increase`
    (higher). `maintain` says nothing about the direction.
    """
    if ind.better in ("higher", "lower"):
        return ind.better
    years = sorted(ind.targets)
    for year in years:
        op = ind.targets[year].op
        if op in HIGHER_OPS:
            return "higher"
        if op in LOWER_OPS:
            return "lower"
    for year in years:
        op = ind.targets[year].op
        if op == "increase":
            return "higher"
        if op == "decrease":
            return "lower"
    return "higher"


def eligibility_applies(ind: Indicator) -> bool:
    """Eligibility only makes sense where higher is better (spec "Eligibility")."""
    return bool(ind.requires_zero) and better_direction(ind) == "higher"


def is_flow(ind: Indicator, data_elements: Mapping[str, DataElement]) -> bool:
    """True when the indicator's numerator is a flow (events in the period).

    An element the mapping does not know is taken as a stock, the safe side: a stock
    is never pro-rated.
    """
    de = data_elements.get(ind.numerator)
    return de is not None and de.kind == "flow"


def accumulates_over_year(ind: Indicator, data_elements: Mapping[str, DataElement]) -> bool:
    """Whether the indicator's value builds up over the year, so that an H1 figure is
    held to half of a `>=` / `>` yearly target (spec "Status").

    It does for a count of a flow (trainings held) and for a flow over a stock
    (households reached / all households, staff trained / all staff). It does not for a
    ratio of two flows (abuse cases with a support plan / abuse cases: 60 % of June's
    cases with a plan is 60 %, not "120 % of the half-year") nor for anything over a
    stock numerator (a level at report time). `h1: half` / `h1: full` on the indicator
    wins over the rule. An element the mapping does not know is taken as a stock: a
    numerator is then never pro-rated and a denominator never makes a ratio of flows.
    """
    if ind.h1 == "half":
        return True
    if ind.h1 == "full":
        return False
    if not is_flow(ind, data_elements):
        return False
    if not has_denominator(ind) or ind.denominator == COMMUNES:
        return True
    de = data_elements.get(ind.denominator or "")
    return de is None or de.kind != "flow"


def is_whole(ind: Indicator, data_elements: Mapping[str, DataElement] | None) -> bool:
    """Whether the numerator only takes whole values (count and yes_no; count is the default)."""
    if data_elements is None:
        return True
    de = data_elements.get(ind.numerator)
    return de is None or de.type != "number"


def _meets(value: _V, op: str, threshold: float) -> _V:
    """`value OP threshold` with EPS slack in the direction that forgives float noise: a
    bool for a number, and element by element for a numpy array (`rules.columnar`'s;
    NaN never meets)."""
    if op == ">=":
        return value >= threshold - EPS
    if op == ">":
        return value > threshold + EPS
    if op == "<=":
        return value <= threshold + EPS
    if op == "<":
        return value < threshold - EPS
    if op == "==":
        return abs(value - threshold) <= EPS
    raise ValueError(f"unknown comparison operator {op!r}")


def _within_tolerance(value: float, op: str, threshold: float, tolerance: float) -> bool:
    """The at_risk band: the same comparison against a threshold moved by the tolerance.

    `>= T` → `value >= T - tol`; `> T` → `value > T - tol`; `<= T` → `value <= T + tol`;
    `< T` → `value < T + tol`; `== T` → `|value - T| <= tol`. Keeping the operator's
    strictness means a tolerance of 0 gives no band at all for every operator.
    """
    if tolerance <= 0:
        return False
    if op in (">=", ">"):
        return _meets(value, op, threshold - tolerance)
    if op in ("<=", "<"):
        return _meets(value, op, threshold + tolerance)
    if op == "==":
        return abs(value - threshold) <= tolerance + EPS
    raise ValueError(f"unknown comparison operator {op!r}")


def _gap(value: float, op: str, threshold: float) -> float:
    """Distance to the threshold in the indicator's unit; positive = short of it."""
    if op in (">=", ">"):
        return threshold - value
    if op in ("<=", "<"):
        return value - threshold
    return abs(value - threshold)  # "==": any distance is a shortfall


# --------------------------------------------------------------------------- one commune


@_register_frozen
@dataclass(frozen=True)
class CommuneResult:
    """One commune's figures for an indicator, after eligibility."""

    code: str
    numerator: float | None  # after eligibility: 0 when ineligible; None = not reported
    denominator: float | None  # None for count indicators and when not reported
    value: float | None  # numerator / denominator x scale (or the count); None if not computable
    reported: bool  # the numerator and (if the indicator has one) the denominator are present
    eligible: bool
    # requires_zero figures that are not zero, with their value (None = missing).
    blocking: tuple[tuple[str, float | None], ...]
    raw_numerator: float | None  # as reported, before eligibility


def commune_result(ind: Indicator, code: str, figures: CommuneFigures | None) -> CommuneResult:
    """The indicator for one commune.

    A denominator of 0 gives value None, but the commune still counts as reported and
    its figures still go into the area sums (spec: "A denominator that sums to 0 gives
    no_data" is about the sum, not about one commune).
    """
    return _IndicatorShape.of(ind).result(code, figures)


@dataclass(frozen=True)
class _IndicatorShape:
    """What `commune_result` needs to know about an indicator, worked out once.

    At national scale the rules run ~500,000 times per view (23 indicators x 10,600
    communes, this year and last); asking `has_denominator` / `eligibility_applies`
    each time was a third of the cost.
    """

    numerator: str
    denominator: str | None  # None: count indicator; COMMUNES: 1 per commune
    scale: float
    requires_zero: tuple[str, ...]  # empty when eligibility does not apply

    @staticmethod
    def of(ind: Indicator) -> _IndicatorShape:
        return _IndicatorShape(
            numerator=ind.numerator,
            denominator=ind.denominator if has_denominator(ind) else None,
            scale=float(ind.scale),
            requires_zero=tuple(ind.requires_zero) if eligibility_applies(ind) else (),
        )

    def result(self, code: str, figures: CommuneFigures | None) -> CommuneResult:
        raw_numerator = figure_value(figures, self.numerator)
        denominator: float | None
        if self.denominator is None:
            denominator = None
        elif self.denominator == COMMUNES:
            denominator = 1.0  # built in: 1 for every commune in scope, never reported
        else:
            denominator = figure_value(figures, self.denominator)
        with_denominator = self.denominator is not None
        reported = raw_numerator is not None and (not with_denominator or denominator is not None)

        blocking: tuple[tuple[str, float | None], ...] = ()
        if self.requires_zero:
            found = []
            for de in self.requires_zero:
                v = figure_value(figures, de)
                if v is None or abs(v) > EPS:  # a missing figure counts as not zero
                    found.append((de, v))
            blocking = tuple(found)
        eligible = not blocking

        numerator = None if raw_numerator is None else (raw_numerator if eligible else 0.0)
        value: float | None = None
        if reported and numerator is not None:
            if not with_denominator:
                value = numerator
            elif denominator is not None and abs(denominator) > EPS:
                value = numerator / denominator * self.scale
        return _frozen(
            CommuneResult,
            dict(
                code=code,
                numerator=numerator,
                denominator=denominator,
                value=value,
                reported=reported,
                eligible=eligible,
                blocking=blocking,
                raw_numerator=raw_numerator,
            ),
        )


def commune_results(ind: Indicator, codes: Sequence[str], figures: Figures) -> dict[str, CommuneResult]:
    """`commune_result` for each code (first occurrence kept), computed once."""
    shape = _IndicatorShape.of(ind)
    out: dict[str, CommuneResult] = {}
    for code in codes:
        if code not in out:
            out[code] = shape.result(code, figures.get(code))
    return out


# --------------------------------------------------------------------------- an area


@dataclass(frozen=True)
class AreaValue:
    """The indicator pooled over a set of communes."""

    value: float | None  # None when nobody reported or the denominator sums to 0
    numerator: float  # sum over reporting communes, after eligibility
    denominator: float  # sum over reporting communes; 0 for count indicators
    reported: int  # communes that reported both figures
    total: int  # communes in scope
    not_reported: tuple[str, ...]  # codes, in the order given
    ineligible: tuple[str, ...]  # reporting communes whose numerator counted as 0


def pooled_value(ind: Indicator, numerator: float, denominator: float, reported: int) -> float | None:
    """An area's value from its sums: None when nobody reported (or the denominator sums
    to 0), the numerator itself for a count, else numerator / denominator x scale."""
    if not reported:
        return None
    if not has_denominator(ind):
        return numerator
    return numerator / denominator * ind.scale if abs(denominator) > EPS else None


def area_value(ind: Indicator, communes: Sequence[str], figures: Figures) -> AreaValue:
    """sum(numerator) / sum(denominator) x scale over the communes that reported both.

    Never an average of the communes' rates: a commune of 4,000 children weighs four
    times one of 1,000. A commune code listed twice is counted once.
    """
    pooled = pool(ind, list(commune_results(ind, communes, figures).values()))
    return hide_if_masked(ind, communes, figures, pooled)


def hide_if_masked(ind: Indicator, communes: Sequence[str], figures: Figures, pooled: AreaValue) -> AreaValue:
    """`pooled` with its value hidden ("*") when a figure it rests on is masked.

    Masked small counts are NaN and would drop out of the sum like an unreported
    commune: the pooled value would look real (0 drownings where there were 2) and so
    would any comparison made with it. Only plain dicts can hold masked values (the
    masked copies of `data_access.protect`); a `FigureMatrix` holds raw figures.
    """
    if not isinstance(figures, dict) or pooled.value is None:
        return pooled
    elements = [de for de in (ind.numerator, ind.denominator, *ind.requires_zero) if de]
    for code in communes:
        row = figures.get(code) or {}
        if any(is_masked(row.get(de)) for de in elements):
            return AreaValue(Hidden(), Hidden(), Hidden(), *_tail(pooled))
    return pooled


def _tail(av: AreaValue) -> tuple:
    return (av.reported, av.total, av.not_reported, av.ineligible)


def pool(ind: Indicator, results: Sequence[CommuneResult]) -> AreaValue:
    """`area_value` from commune results already computed (each commune once, in order)."""
    numerator = 0.0
    denominator = 0.0
    reported = 0
    not_reported: list[str] = []
    ineligible: list[str] = []
    for cr in results:
        if not cr.reported:
            not_reported.append(cr.code)
            continue
        reported += 1
        numerator += cr.numerator or 0.0
        denominator += cr.denominator or 0.0
        if not cr.eligible:
            ineligible.append(cr.code)
    return AreaValue(
        value=pooled_value(ind, numerator, denominator, reported),
        numerator=numerator,
        denominator=denominator,
        reported=reported,
        total=len(results),
        not_reported=tuple(not_reported),
        ineligible=tuple(ineligible),
    )


# --------------------------------------------------------------------------- status


@dataclass(frozen=True)
class Evaluation:
    """A value held against the year's target."""

    status: str  # met | at_risk | not_met | no_data | no_target (rows add not_applicable)
    target: Target | None
    expected: float | None  # the threshold applied (after H1 pro-rating; previous value for trends)
    tolerance: float | None  # after H1 pro-rating; None for trend targets
    previous: float | None  # same period, the year before
    gap: float | None  # in the indicator's unit; positive = short of the target, <= 0 when met
    prorated: bool


def evaluate(
    ind: Indicator,
    year: int,
    period: str,
    value: float | None,
    previous_value: float | None,
    accumulates: bool,
) -> Evaluation:
    """Status of `value` against the indicator's target for `year` (spec "Status").

    * No target for the year → `no_target`; no value → `no_data`.
    * `OP NUMBER`: met when `value OP expected`. Tolerance is `ind.tolerance` or 10 % of
      |target number|; `at_risk` is "not met, but met against the threshold moved by
      the tolerance" (see `_within_tolerance`).
    * H1 pro-rating: an H1 figure of a value that accumulates over the year
      (`accumulates`, see `accumulates_over_year`) against a `>=` / `>` target is held
      to half the yearly number, with half the tolerance. `<=` / `<` / `==` are
      not pro-rated: a ceiling on yearly events is also a ceiling on six months, and
      halving it would call a commune "not met" for half a year's normal events.
    * `decrease` / `increase` / `maintain` compare with `previous_value` (the same period
      of the year before; `no_data` without it), have no tolerance and so are only
      met or not_met; `expected` is the previous value.
      DESIGN DECISION: `decrease` is met when the value is below the previous one,
      **and also when both are 0** — there is nothing left to decrease. With counts
      such as child drowning deaths, a commune with 0 two years running must not show
      "not met". `increase` stays strict (most increase targets are open-ended counts).
      `maintain` = not worse than the previous value, by `better_direction`.
    """
    target = ind.targets.get(year)
    if target is None:
        return Evaluation("no_target", None, None, None, previous_value, None, False)

    if target.is_trend:
        return _evaluate_trend(ind, target, value, previous_value)

    if target.number is None:
        raise ValueError(f"target {target.text!r} of {ind.id} has an operator but no number")
    number = float(target.number)
    prorated = period == "H1" and accumulates and target.op in HIGHER_OPS
    tolerance = ind.tolerance if ind.tolerance is not None else 0.1 * abs(number)
    expected = number / 2 if prorated else number
    if prorated:
        tolerance = tolerance / 2
    if value is None:
        return Evaluation("no_data", target, expected, tolerance, previous_value, None, prorated)
    if _meets(value, target.op, expected):
        status = "met"
    elif _within_tolerance(value, target.op, expected, tolerance):
        status = "at_risk"
    else:
        status = "not_met"
    gap = _gap(value, target.op, expected)
    return Evaluation(status, target, expected, tolerance, previous_value, gap, prorated)


def _evaluate_trend(ind: Indicator, target: Target, value: float | None, previous: float | None) -> Evaluation:
    if value is None or previous is None:
        return Evaluation("no_data", target, previous, None, previous, None, False)
    if target.op == "decrease":
        both_zero = abs(value) <= EPS and abs(previous) <= EPS
        met = value < previous - EPS or both_zero
        gap = value - previous
    elif target.op == "increase":
        met = value > previous + EPS
        gap = previous - value
    elif target.op == "maintain":
        if better_direction(ind) == "higher":
            met = value >= previous - EPS
            gap = previous - value
        else:
            met = value <= previous + EPS
            gap = value - previous
    else:
        raise ValueError(f"unknown trend target {target.op!r}")
    return Evaluation("met" if met else "not_met", target, previous, None, previous, gap, False)


# --------------------------------------------------------------------------- distance


def needed_numerator(op: str, threshold: float, whole: bool, step: float = 0.0) -> float | None:
    """The numerator at the edge of `numerator OP threshold` (both in numerator units).

    For `>=` / `>` the smallest value that meets, for `<=` / `<` the largest, for `==`
    the value itself. Whole-number numerators are rounded to the whole value that meets
    (ceil for `>=`, next whole above for `>`, floor for `<=`, next whole below for `<`).
    For numerators that take any value, `step` is the margin added for strict operators.
    None when no non-negative numerator can meet (`< 0`, or `== 2.5` in whole numbers).
    """
    if op == ">=":
        n = float(math.ceil(threshold - _SNAP)) if whole else threshold
    elif op == ">":
        n = float(math.floor(threshold + _SNAP) + 1) if whole else threshold + step
    elif op == "<=":
        n = float(math.floor(threshold + _SNAP)) if whole else threshold
    elif op == "<":
        n = float(math.ceil(threshold - _SNAP) - 1) if whole else threshold - step
    elif op == "==":
        n = threshold
        if whole:
            if abs(threshold - round(threshold)) > _SNAP:
                return None
            n = float(round(threshold))
    else:
        raise ValueError(f"unknown comparison operator {op!r}")
    if n < -EPS:
        return None
    return max(n, 0.0)


def trend_as_comparison(ind: Indicator, target: Target) -> str:
    """The comparison a trend word makes against the previous value."""
    if target.op == "decrease":
        return "<"
    if target.op == "increase":
        return ">"
    return ">=" if better_direction(ind) == "higher" else "<="


def units_to_target(
    ind: Indicator,
    area: AreaValue,
    evaluation: Evaluation,
    data_elements: Mapping[str, DataElement] | None = None,
) -> float | None:
    """How much the area's NUMERATOR must change for the target to be met.

    Positive = more is needed (+3 communes recognised, +120 households reached),
    negative = fewer (−2 drowning deaths). It uses the area's own denominator, so for a
    per_1000 rate it answers "how many fewer injuries among these children".
    Whole-number numerators (count and yes_no elements, hence whole communes for a
    share-of-communes indicator) are rounded up in magnitude. `data_elements` only
    tells whole from fractional numerators; without it the numerator is taken as whole
    (count is the default type).

    Trend targets: the difference to the previous value, e.g. for `decrease` on a count
    `-(value - previous + 1)`, or `-value` when the previous value was 0 (0→0 meets).

    None when the status is met, no_data or no_target, and when the target cannot be
    reached by changing the numerator (a percent above 100, `< 0`).
    """
    if evaluation.status in ("met", "no_data", "no_target") or evaluation.target is None:
        return None
    if area.value is None:
        return None
    target = evaluation.target
    with_denominator = has_denominator(ind)
    if with_denominator and abs(area.denominator) <= EPS:
        return None
    # Numerator units per unit of the indicator's value.
    factor = area.denominator / ind.scale if with_denominator else 1.0
    whole = is_whole(ind, data_elements)

    if target.is_trend:
        if evaluation.previous is None:
            return None
        threshold = evaluation.previous * factor
        op = trend_as_comparison(ind, target)
        if target.op == "decrease" and abs(threshold) <= EPS:
            needed: float | None = 0.0  # 0 → 0 counts as a decrease (see `evaluate`)
        else:
            needed = needed_numerator(op, threshold, whole, step=1e-6 * factor)
    else:
        if evaluation.expected is None:
            return None
        needed = needed_numerator(target.op, evaluation.expected * factor, whole, step=1e-6 * factor)
    if needed is None:
        return None
    if ind.unit == "percent" and with_denominator and needed > area.denominator + EPS:
        return None  # a share cannot go above 100 %
    return needed - area.numerator


# --------------------------------------------------------------------------- the plan


@_register_frozen
@dataclass(frozen=True)
class ProgressRow:
    """One (area or commune) x indicator line of the scorecard."""

    area_code: str
    area_name: str
    area_level: str  # the plan area's level, or "commune"
    indicator_id: str
    year: int
    period: str
    value: float | None
    target_text: str  # as written in the plan; "" when the row has no target
    status: str
    numerator: float | None
    denominator: float | None  # None for count indicators
    reported: int  # communes that reported both figures (0 or 1 on a commune row)
    total: int  # communes in scope (1 on a commune row)
    previous_value: float | None
    expected: float | None
    gap: float | None
    communes_met: int | None  # area rows: commune rows with status met
    communes_with_target: int | None  # area rows: commune rows judged (not no_target / not_applicable)
    blocking: tuple[tuple[str, float | None], ...]  # commune rows: eligibility blockers
    is_area: bool
    # Additions beyond the agreed contract; all have defaults.
    tolerance: float | None = None
    prorated: bool = False
    units_to_target: float | None = None  # see `units_to_target`; None on ineligible commune rows
    not_reported: tuple[str, ...] = ()  # area rows: communes missing a figure
    ineligible: tuple[str, ...] = ()  # area rows: reporting communes counted as 0


def _commune_status(ind: Indicator, cr: CommuneResult, evaluation: Evaluation) -> str:
    """A commune's own status, with the eligibility rule on top of the evaluation.

    INTERPRETATION: an ineligible commune is `not_met` "whatever it reported" — when it
    reported the indicator's figures, or when a blocker is known to be non-zero (it
    cannot be met then, whatever comes in). A commune that reported nothing at all
    stays `no_data`: its blockers are merely missing, and calling every commune that has
    not sent its report yet "not met" would hide who is late behind who failed.
    """
    if evaluation.status == "no_target":
        return "no_target"
    if cr.blocking and (cr.reported or any(v is not None for _, v in cr.blocking)):
        return "not_met"
    return evaluation.status


def not_applicable(status: str, reported: int | bool, denominator: float | None) -> str:
    """`no_data` becomes `not_applicable` when communes did report but the denominator
    sums to 0 (spec "Values"): nothing happened, which is not "nothing reported".

    Only `no_data` is turned: a year without a target stays `no_target`, and an
    ineligible commune stays `not_met`.
    """
    if status == "no_data" and reported and denominator is not None and abs(denominator) <= EPS:
        return "not_applicable"
    return status


def _target_text(evaluation: Evaluation) -> str:
    return evaluation.target.text if evaluation.target is not None else ""


def _row(
    ind: Indicator,
    year: int,
    period: str,
    unit: OrgUnitRef,
    level: str,
    ev: Evaluation,
    previous_value: float | None,
    **own: object,
) -> ProgressRow:
    """A progress row: the fields every row takes from its unit and its evaluation, then
    the row's own (value, counts, status…). The one builder of the three kinds of row
    (an area, a commune in an area, a commune viewed as the area)."""
    return _frozen(
        ProgressRow,
        dict(
            area_code=unit.code,
            area_name=unit.name,
            area_level=level,
            indicator_id=ind.id,
            year=year,
            period=period,
            target_text=_target_text(ev),
            previous_value=previous_value,
            expected=ev.expected,
            gap=ev.gap,
            tolerance=ev.tolerance,
            prorated=ev.prorated,
            **own,
        ),
    )


@dataclass(frozen=True)
class Question:
    """What an evaluation is asked: a period, an area with its communes, their figures now
    and in the same period a year before (for trend targets and the "previous" column).

    `data_elements` tells flows from stocks (an element it does not know is a stock, never
    pro-rated); `groups` are parts of the area (its provinces or districts) with their
    communes' codes, each judged as an area too. The one set of inputs of `indicator_rows`,
    `evaluate_plan` and their columnar twins (`rules.columnar`).
    """

    year: int
    period: str
    area: OrgUnitRef
    communes: Sequence[OrgUnitRef]
    figures: Figures
    previous_figures: Figures | None = None
    data_elements: Mapping[str, DataElement] | None = None
    groups: Sequence[tuple[OrgUnitRef, Sequence[str]]] = ()

    def elements_of(self, plan: Plan) -> Mapping[str, DataElement]:
        """The elements to evaluate `plan` with: those given, else the plan's own."""
        return self.data_elements if self.data_elements is not None else plan.data_elements


def indicator_rows(ind: Indicator, q: Question, group_out: list[ProgressRow] | None = None) -> list[ProgressRow]:
    """The area row, then one row per commune (by code), for one indicator.

    When the area is itself a commune there is a single row (`area_level` "commune",
    `is_area` True, the commune's eligibility applied, `communes_met` None).
    A pooled row for each of `q.groups` is appended to `group_out`, from the same commune
    results (codes outside the area are ignored).
    """
    if group_out is None:
        group_out = []
    year, period, area, figures, data_elements = q.year, q.period, q.area, q.figures, q.data_elements
    previous = q.previous_figures or {}
    des: Mapping[str, DataElement] = data_elements or {}
    accumulates = accumulates_over_year(ind, des)

    if area.level == "commune":
        codes = [area.code]
        av = area_value(ind, codes, figures)
        prev = area_value(ind, codes, previous)
        ev = evaluate(ind, year, period, av.value, prev.value, accumulates)
        cr = commune_result(ind, area.code, figures.get(area.code))
        status = not_applicable(_commune_status(ind, cr, ev), cr.reported, cr.denominator)
        to_target = None if cr.blocking else units_to_target(ind, av, ev, data_elements)
        own = dict(status=status, numerator=cr.numerator, denominator=cr.denominator, blocking=cr.blocking)
        own |= dict(communes_met=None, communes_with_target=None, units_to_target=to_target)
        return [_row(ind, year, period, area, "commune", ev, prev.value, **_pooled(av), **own)]

    ordered: list[OrgUnitRef] = []
    seen: set[str] = set()
    for c in sorted(q.communes, key=lambda c: c.code):
        if c.code not in seen:
            seen.add(c.code)
            ordered.append(c)

    # Each commune is evaluated once per figure set; the area pools those results.
    codes = [c.code for c in ordered]
    now_results = commune_results(ind, codes, figures)
    before_results = commune_results(ind, codes, previous)
    commune_rows = [
        _commune_row(ind, year, period, c, now_results[c.code], before_results[c.code], accumulates, data_elements)
        for c in ordered
    ]
    status_of = {r.area_code: r.status for r in commune_rows}

    def pooled_over(unit: OrgUnitRef, members: Sequence[str]) -> ProgressRow:
        known = [code for code in dict.fromkeys(members) if code in now_results]
        now, before = [now_results[code] for code in known], [before_results[code] for code in known]
        statuses = [status_of[code] for code in known]
        return _area_row(ind, year, period, unit, now, before, statuses, accumulates, data_elements)

    area_row = pooled_over(area, codes)
    group_out.extend(pooled_over(unit, members) for unit, members in q.groups)
    return [area_row, *commune_rows]


def _area_row(
    ind: Indicator,
    year: int,
    period: str,
    area: OrgUnitRef,
    now: Sequence[CommuneResult],
    before: Sequence[CommuneResult],
    commune_statuses: Sequence[str],
    accumulates: bool,
    data_elements: Mapping[str, DataElement] | None,
) -> ProgressRow:
    """The pooled row of an area from its communes' results and their own statuses."""
    met = sum(1 for s in commune_statuses if s == "met")
    judged = sum(1 for s in commune_statuses if s not in ("no_target", "not_applicable"))
    return pooled_row(
        ind, year, period, area, pool(ind, now), pool(ind, before), met, judged, accumulates, data_elements
    )


def pooled_row(
    ind: Indicator,
    year: int,
    period: str,
    area: OrgUnitRef,
    av: AreaValue,
    prev: AreaValue,
    communes_met: int,
    communes_with_target: int,
    accumulates: bool,
    data_elements: Mapping[str, DataElement] | None,
) -> ProgressRow:
    """An area's (or a part's) row from its pooled values now and a year before, and
    how many of its communes met the target / were judged (also `rules.columnar`'s)."""
    ev = evaluate(ind, year, period, av.value, prev.value, accumulates)
    den = (av.denominator if av.reported else None) if has_denominator(ind) else None
    status = not_applicable(ev.status, av.reported, av.denominator if has_denominator(ind) else None)
    own = dict(status=status, numerator=av.numerator if av.reported else None, denominator=den, blocking=())
    own |= dict(communes_met=communes_met, communes_with_target=communes_with_target)
    own["units_to_target"] = units_to_target(ind, av, ev, data_elements)
    return _row(ind, year, period, area, area.level, ev, prev.value, **_pooled(av), **own)


def _pooled(av: AreaValue) -> dict[str, object]:
    """What a row judged as an area (an area, a part, a commune viewed as the area)
    takes from its pooled value: these fields as they are, and `is_area`."""
    return {name: getattr(av, name) for name in _POOLED_FIELDS} | {"is_area": True}


_POOLED_FIELDS = ("value", "reported", "total", "not_reported", "ineligible")


def _commune_row(
    ind: Indicator,
    year: int,
    period: str,
    commune: OrgUnitRef,
    cr: CommuneResult,
    prev: CommuneResult,
    accumulates: bool,
    data_elements: Mapping[str, DataElement] | None,
) -> ProgressRow:
    if ind.applies_to_communes:
        ev = evaluate(ind, year, period, cr.value, prev.value, accumulates)
    else:
        # The target is the plan area's only (applies_to: [area]).
        ev = Evaluation("no_target", None, None, None, prev.value, None, False)
    status = not_applicable(_commune_status(ind, cr, ev), cr.reported, cr.denominator)
    to_target = None
    if not cr.blocking and status not in ("met", "no_data", "no_target", "not_applicable"):
        to_target = units_to_target(ind, pool(ind, [cr]), ev, data_elements)
    return _row(
        ind,
        year,
        period,
        commune,
        "commune",
        ev,
        prev.value,
        value=cr.value,
        status=status,
        numerator=cr.numerator,
        denominator=cr.denominator,
        reported=1 if cr.reported else 0,
        total=1,
        communes_met=None,
        communes_with_target=None,
        blocking=cr.blocking,
        is_area=False,
        units_to_target=to_target,
    )


def evaluate_plan(plan: Plan, q: Question) -> list[ProgressRow]:
    """Every indicator of the plan, in plan order: its area row, then its commune rows.

    `q.data_elements` defaults to `plan.data_elements`; it must know every element the
    plan uses (standard ones included), because an element the mapping does not know is
    treated as a stock (never pro-rated). `q.groups` are not evaluated here.
    """
    return evaluate_plan_with_groups(plan, replace(q, groups=()))[0]


def evaluate_plan_with_groups(plan: Plan, q: Question) -> tuple[list[ProgressRow], list[ProgressRow]]:
    """`evaluate_plan`, and a pooled row per group and indicator (groups in the order
    given, within each indicator in plan order): a province's or a district's standing,
    judged against the plan's target exactly as the whole area is, with its own
    `communes_met`. Computed from the same commune results, so nothing is evaluated twice.
    """
    q = replace(q, data_elements=q.elements_of(plan))
    rows: list[ProgressRow] = []
    group_rows: list[ProgressRow] = []
    for ind in plan.indicators:
        rows.extend(indicator_rows(ind, q, group_rows))
    return rows, group_rows
