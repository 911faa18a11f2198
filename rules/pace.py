"""Pace to the deadline: will the first half's figure reach the year's target? (issue 15)

Pure functions, no database. Inspired by the SDG progress method (the ratio of the
actual to the required change), adapted to one year:

- an accumulating figure (a flow counted through the year) projects to
  `H1 / share`, where `share` is the mean H1/FY ratio of earlier years when known
  (years with FY > 0), else 1/2 (H1 x 2);
- a ratio or a stock projects to its H1 value as it is;
- `needed_h2` is what the second half must add (accumulating, higher is better).

Status, with the pace ratio r = projected / target (higher is better) or
target / projected (lower is better):
`on_track` (đúng tiến độ) r >= 1; `accelerate` (cần tăng tốc) 0.75 <= r < 1;
`unlikely` (khó đạt) r < 0.75. For a lower-is-better accumulating count already
above its ceiling at H1, the year cannot come back under it: `unlikely`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rules.indicators import Figures, accumulates_over_year, area_value
from rules.model import COMMUNES, DataElement, Indicator, Plan

ACCELERATE_FROM = 0.75
DEFAULT_SHARE = 0.5


@dataclass(frozen=True)
class Pace:
    projected: float
    share: float  # the H1 share of the year used (1.0 for ratios)
    needed_h2: float | None  # accumulating, higher is better: what H2 must add
    ratio: float | None  # the pace ratio; None when the target is 0
    status: str  # on_track | accelerate | unlikely


def h1_share(history: Sequence[tuple[float, float]]) -> float:
    """Mean H1/FY of earlier years with FY > 0; 1/2 when there is none, or when every
    earlier first half was 0 (a share of 0 cannot project anything)."""
    shares = [h1 / fy for h1, fy in history if fy and fy > 0 and h1 is not None and 0 <= h1 <= fy]
    mean = sum(shares) / len(shares) if shares else 0.0
    return mean if mean > 0 else DEFAULT_SHARE


def pace(
    h1_value: float,
    target: float,
    *,
    higher_is_better: bool,
    accumulating: bool,
    history: Sequence[tuple[float, float]] = (),
) -> Pace:
    """The projection of `h1_value` to the year and its status against `target`."""
    share = h1_share(history) if accumulating else 1.0
    projected = h1_value / share if accumulating else h1_value
    needed = max(target - h1_value, 0.0) if accumulating and higher_is_better else None
    if higher_is_better:
        ratio = projected / target if target > 0 else None
        ok = projected >= target
    else:
        if accumulating and h1_value > target:
            return Pace(projected, share, needed, target / h1_value if h1_value else None, "unlikely")
        ratio = target / projected if projected > 0 else None
        ok = projected <= target
    if ok:
        status = "on_track"
    elif ratio is not None and ratio >= ACCELERATE_FROM:
        status = "accelerate"
    else:
        status = "unlikely"
    return Pace(projected, share, needed, ratio, status)


# --------------------------------------------------------------------------- per indicator
# One rule for the pages (ui/pace_view.py) and the six-month report (data_access/exports.py):
# which indicators have a pace, which way is better, and what the earlier years say.


@dataclass(frozen=True)
class IndicatorPace:
    """The pace of one indicator over some communes (the area, or one commune)."""

    indicator_id: str
    h1: float
    target: float
    pace: Pace
    accumulating: bool


def direction(op: str, number: float) -> bool | None:
    """Higher is better (True), lower (False), or None when pace does not apply."""
    if op in (">=", ">"):
        return True
    if op in ("<=", "<") or (op == "==" and number == 0):
        return False
    return None


def _finite(v: float | None) -> bool:
    return v is not None and v == v  # NaN (also a masked small count) is not a value


def history_elements(plan: Plan, year: int) -> list[str]:
    """The data elements whose earlier years `indicator_pace` reads for `year`: those of
    the accumulating indicators with a numeric target (the H1/FY share of a flow). Read
    across the 2025 reform these years are carried from the old communes, so a page
    reads only these, not the whole plan."""
    out: list[str] = []
    for ind in plan.indicators:
        target = ind.targets.get(year)
        if target is None or target.is_trend or target.number is None or direction(target.op, target.number) is None:
            continue
        if not accumulates_over_year(ind, plan.data_elements):
            continue
        for de in (ind.numerator, ind.denominator, *ind.requires_zero):
            if de and de != COMMUNES and de not in out:
                out.append(de)
    return out


def indicator_pace(
    ind: Indicator,
    year: int,
    codes: Sequence[str],
    h1_figures: Figures,
    earlier: Sequence[tuple[Figures, Figures]],
    data_elements: Mapping[str, DataElement],
) -> IndicatorPace | None:
    """The pace of `ind` over `codes` in the first half of `year`, or None when it has
    none (no numeric target that year, a trend target, no H1 value).

    `earlier` holds the (H1, FY) figures of earlier years, oldest first; a year where
    either value is missing is left out of the H1/FY share.
    """
    target = ind.targets.get(year)
    if target is None or target.is_trend or target.number is None:
        return None
    better = direction(target.op, target.number)
    if better is None:
        return None
    h1 = area_value(ind, list(codes), h1_figures).value
    if not _finite(h1):
        return None
    flow = accumulates_over_year(ind, data_elements)
    history = []
    for h1_past, fy_past in earlier if flow else ():  # a ratio or a stock projects as it is
        a = area_value(ind, list(codes), h1_past).value
        b = area_value(ind, list(codes), fy_past).value
        if _finite(a) and _finite(b):
            history.append((float(a), float(b)))
    p = pace(float(h1), float(target.number), higher_is_better=better, accumulating=flow, history=history)
    return IndicatorPace(ind.id, float(h1), float(target.number), p, flow)
