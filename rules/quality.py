"""Data-quality and reporting rules: outliers, impossible rates, deadlines, completeness.

Pure functions over plain data (see docs/ARCHITECTURE.md): figures are
`Mapping[commune_code, Mapping[data_element, float]]`, a missing key means "not
reported". Nothing here knows about Streamlit, SQL or text; the pages turn the
findings into words.

- `history_ratio` / `find_outliers`: a stock far from the commune's own history
  (more than `factor` times, or less than 1/`factor` of, the median of its other years).
- `rates_over_100`: a percent indicator whose numerator exceeds its denominator.
- `quality_findings`: every finding for one (year, period), worst first: the plan's
  `checks`, flows whose FY is below H1, rates above 100 %, then outliers.
- `deadline_date` / `report_state`: when a report is due and how a commune stands.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

from rules.checks import flow_consistency, run_checks
from rules.indicators import EPS, Figures, figure_value
from rules.model import COMMUNES, Check, DataElement, Indicator, Plan

OUTLIER_FACTOR = 3.0
# Small stocks swing a lot in relative terms (2 -> 7 children is normal); only look at
# stocks whose usual size makes a threefold change implausible.
OUTLIER_MIN_SIZE = 10.0
Severity = Literal["error", "warning"]  # errors first
SEVERITIES: tuple[Severity, ...] = get_args(Severity)


# --------------------------------------------------------------------------- outliers


def history_ratio(
    value: float, others: Iterable[float], *, factor: float = OUTLIER_FACTOR, min_size: float = OUTLIER_MIN_SIZE
) -> float | None:
    """value / median(others) when it is beyond `factor` either way, else None.

    None as well when there is no history or the usual size (the median) is below
    `min_size`. A value of 0 against a median of 10 or more is an outlier (ratio 0).
    """
    history = [v for v in others if v is not None]
    if not history:
        return None
    median = statistics.median(history)
    if median < min_size:
        return None
    ratio = value / median
    if ratio > factor or ratio < 1.0 / factor:
        return ratio
    return None


@dataclass(frozen=True)
class Outlier:
    """A stock far from the commune's own history for the same period."""

    commune_code: str
    data_element: str
    year: int
    value: float
    median: float
    ratio: float


def find_outliers(
    data_elements: Mapping[str, DataElement],
    figures_by_year: Mapping[int, Figures],
    year: int,
    *,
    factor: float = OUTLIER_FACTOR,
    min_size: float = OUTLIER_MIN_SIZE,
) -> list[Outlier]:
    """Outliers among the stocks (counts and numbers, not yes/no) reported in `year`.

    `figures_by_year` holds the same period of every year available; the history of a
    figure is its values in the other years. Sorted by how far off they are.
    """
    current = figures_by_year.get(year) or {}
    out: list[Outlier] = []
    for code in sorted(current):
        for de_id, de in data_elements.items():
            if de.kind != "stock" or de.type == "yes_no":
                continue
            value = figure_value(current[code], de_id)
            if value is None:
                continue
            others = [
                v
                for y, figs in figures_by_year.items()
                if y != year and (v := figure_value(figs.get(code), de_id)) is not None
            ]
            ratio = history_ratio(value, others, factor=factor, min_size=min_size)
            if ratio is not None:
                out.append(Outlier(code, de_id, year, value, statistics.median(others), ratio))
    return sorted(out, key=lambda o: -_distance(o.ratio))


def _distance(ratio: float) -> float:
    """How far a ratio is from 1, the same either way (x3 and /3 are equally far)."""
    if ratio <= 0:
        return float("inf")
    return max(ratio, 1.0 / ratio)


# --------------------------------------------------------------------------- rates


@dataclass(frozen=True)
class RateOver100:
    """A percent indicator whose numerator is above its denominator for one commune."""

    commune_code: str
    indicator_id: str
    numerator: str
    denominator: str
    numerator_value: float
    denominator_value: float


def _covered_by_check(checks: Sequence[Check], numerator: str, denominator: str) -> bool:
    return any(c.left == numerator and c.right == denominator and c.op in ("<=", "<") for c in checks)


def rates_over_100(
    indicators: Sequence[Indicator], figures: Figures, checks: Sequence[Check] = ()
) -> list[RateOver100]:
    """Percent indicators with numerator > denominator, commune by commune.

    A pair the plan already checks (`numerator <= denominator`) is left to that check
    so one mistake is reported once. The built-in denominator `communes` is skipped.
    """
    out: list[RateOver100] = []
    seen: set[tuple[str, str, str]] = set()
    for ind in indicators:
        den = ind.denominator
        if ind.unit != "percent" or not den or den == COMMUNES or _covered_by_check(checks, ind.numerator, den):
            continue
        for code in sorted(figures):
            num_v = figure_value(figures[code], ind.numerator)
            den_v = figure_value(figures[code], den)
            key = (code, ind.numerator, den)
            if num_v is None or den_v is None or key in seen:
                continue
            if num_v > den_v + EPS:
                seen.add(key)
                out.append(RateOver100(code, ind.id, ind.numerator, den, num_v, den_v))
    return out


# --------------------------------------------------------------------------- all findings


@dataclass(frozen=True)
class QualityFinding:
    """One thing a person should look at, in plain data (the page words it).

    kind: "check" (a plan check is broken), "flow" (FY below H1), "rate" (a rate
    above 100 %) or "outlier". `elements` and `values` go together; `reference` is
    the check's text, the indicator id, or the median for an outlier.
    """

    severity: Severity
    kind: Literal["check", "flow", "rate", "outlier"]
    commune_code: str
    year: int
    period: str
    elements: tuple[str, ...]
    values: tuple[float, ...]
    reference: str = ""
    median: float | None = None
    ratio: float | None = None


def quality_findings(
    plan: Plan, figures_by_period: Mapping[tuple[int, str], Figures], year: int, period: str
) -> list[QualityFinding]:
    """Every finding for the figures of (year, period), errors first, then by commune.

    `figures_by_period` needs (year, period), (year, "H1") and (year, "FY") for the
    flow rule, and the same period of other years for the outlier rule.
    """
    current = figures_by_period.get((year, period)) or {}
    out: list[QualityFinding] = []
    for f in run_checks(plan.checks, current, period=period):
        out.append(
            QualityFinding(
                "error",
                "check",
                f.commune_code,
                year,
                period,
                (f.check.left, f.check.right),
                (f.left_value or 0.0, f.right_value or 0.0),
                reference=f.check.text,
            )
        )
    h1 = figures_by_period.get((year, "H1")) or {}
    fy = figures_by_period.get((year, "FY")) or {}
    for f in flow_consistency(plan.data_elements, h1, fy):
        out.append(
            QualityFinding("error", "flow", f.commune_code, year, "FY", (f.data_element,), (f.h1_value, f.fy_value))
        )
    for r in rates_over_100(plan.indicators, current, plan.checks):
        out.append(
            QualityFinding(
                "error",
                "rate",
                r.commune_code,
                year,
                period,
                (r.numerator, r.denominator),
                (r.numerator_value, r.denominator_value),
                reference=r.indicator_id,
            )
        )
    by_year = {y: figs for (y, p), figs in figures_by_period.items() if p == period}
    used = {de: plan.data_elements[de] for de in plan.used_data_elements() if de in plan.data_elements}
    errors_sorted = sorted(out, key=lambda f: (f.commune_code, f.kind))
    outliers = [
        QualityFinding(
            "warning",
            "outlier",
            o.commune_code,
            o.year,
            period,
            (o.data_element,),
            (o.value,),
            median=o.median,
            ratio=o.ratio,
        )
        for o in find_outliers(used, by_year, year)
    ]
    return errors_sorted + outliers


# --------------------------------------------------------------------------- deadlines


REPORT_STATES: tuple[str, ...] = ("complete", "partial", "missing", "overdue_partial", "overdue_missing")


def deadline_date(deadlines: Mapping[str, tuple[int, int]], year: int, period: str) -> date:
    """The day a period's report is due, e.g. 15/11/2024 for FY 2024."""
    day, month = deadlines.get(period) or ((15, 5) if period == "H1" else (15, 11))
    return date(year, month, day)


def report_state(reported: int, expected: int, deadline: date, today: date, received: date | None = None) -> str:
    """complete | late | partial | missing, or overdue_partial | overdue_missing after the deadline.

    A report is complete when it has every figure the plan uses (`expected`); a plan
    that uses nothing counts any report as complete. It is `late` ("nộp muộn") when it
    became complete after the deadline (`received`: the local day its last figure came),
    and stays so once imported. Every commune is in exactly one of: complete, late, not
    yet due (partial, missing) and overdue (overdue_partial, overdue_missing).
    """
    if reported > 0 and reported >= expected:
        return "late" if received is not None and received > deadline else "complete"
    overdue = today > deadline
    if reported > 0:
        return "overdue_partial" if overdue else "partial"
    return "overdue_missing" if overdue else "missing"


def is_overdue(state: str) -> bool:
    return state.startswith("overdue")
