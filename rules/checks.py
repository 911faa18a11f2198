"""Consistency checks on commune figures: the plan's `checks` and FY ≥ H1 for flows.

Pure functions over plain data. A check whose side was not reported is "not
applicable" (None), never broken: a commune that has not sent a figure yet has
nothing inconsistent in it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rules.indicators import EPS, CommuneFigures, Figures, figure_value
from rules.model import Check, DataElement

CHECK_OPS: tuple[str, ...] = ("<=", "<", ">=", ">", "==", "!=")


def _as_number(token: str) -> float | None:
    """A number literal on a side of a check (`x <= 100`), else None."""
    try:
        return float(token.strip().replace(",", "."))
    except (ValueError, AttributeError):
        return None


def _side(token: str, figures: CommuneFigures | None) -> float | None:
    number = _as_number(token)
    if number is not None:
        return number
    return figure_value(figures, token.strip())


def _compare(left: float, op: str, right: float) -> bool:
    # EPS slack so that figures computed elsewhere (a sum, a conversion) do not break
    # an equality by float noise.
    if op == "<=":
        return left <= right + EPS
    if op == "<":
        return left < right - EPS
    if op == ">=":
        return left >= right - EPS
    if op == ">":
        return left > right + EPS
    if op == "==":
        return abs(left - right) <= EPS
    if op == "!=":
        return abs(left - right) > EPS
    raise ValueError(f"unknown check operator {op!r}")


def check_values(check: Check, figures_for_commune: CommuneFigures | None) -> tuple[float | None, float | None]:
    """The left and right values of a check for one commune (None = not reported)."""
    return _side(check.left, figures_for_commune), _side(check.right, figures_for_commune)


def check_holds(check: Check, figures_for_commune: CommuneFigures | None) -> bool | None:
    """True/False, or None when a side is missing (the check does not apply)."""
    left, right = check_values(check, figures_for_commune)
    if left is None or right is None:
        return None
    return _compare(left, check.op, right)


@dataclass(frozen=True)
class CheckFinding:
    """A broken check: which commune, which rule, and both values."""

    commune_code: str
    check: Check
    left_value: float | None
    right_value: float | None
    period: str | None = None  # filled when the caller passes it to `run_checks`


def run_checks(checks: Sequence[Check], figures: Figures, *, period: str | None = None) -> list[CheckFinding]:
    """Every broken check, by commune code and then in the plan's check order."""
    findings: list[CheckFinding] = []
    for code in sorted(figures):
        for check in checks:
            left, right = check_values(check, figures[code])
            if left is None or right is None:
                continue
            if not _compare(left, check.op, right):
                findings.append(CheckFinding(code, check, left, right, period))
    return findings


@dataclass(frozen=True)
class FlowFinding:
    """A flow whose whole-year (FY) figure is below its six-month (H1) figure."""

    commune_code: str
    data_element: str
    h1_value: float
    fy_value: float


def flow_consistency(
    data_elements: Mapping[str, DataElement],
    h1_figures: Figures,
    fy_figures: Figures,
) -> list[FlowFinding]:
    """Flows counted over the whole year cannot be fewer than over its first half.

    Only communes and elements with both figures are looked at; stocks are skipped
    (a level can go down). Sorted by commune code, then in the mapping's order.
    """
    findings: list[FlowFinding] = []
    for code in sorted(set(h1_figures) & set(fy_figures)):
        for de_id, de in data_elements.items():
            if de.kind != "flow":
                continue
            h1 = figure_value(h1_figures[code], de_id)
            fy = figure_value(fy_figures[code], de_id)
            if h1 is not None and fy is not None and fy < h1 - EPS:
                findings.append(FlowFinding(code, de_id, h1, fy))
    return findings
