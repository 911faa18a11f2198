"""Scorecard arithmetic for the Overview and Indicator pages: pure, plain data in and out.

* **Numbers** ("1.2"): section number in plan order, then the indicator's place in it,
  the short column names of the commune x indicator grid.
* **Status counts** over area rows, "x/y communes met", the off-track sort key.
* **Change** between two years for one indicator, with whether it is an improvement
  (by `better_direction`) and, for shares of communes, the change in whole communes.
* **Area history**: the indicator's area value for each year of a figures history.
* **Ineligible but recognised**: communes whose reported numerator would have counted
  but an eligibility figure (`requires_zero`) is not zero.

No Streamlit, pandas or database here (see docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from rules.indicators import EPS, AreaValue, ProgressRow, area_value, better_direction, figure_value
from rules.model import COMMUNES, OFF_TRACK, STATUS_WORST_FIRST, STATUSES, Indicator, LocalText, Plan

Figures = Mapping[str, Mapping[str, float]]
OTHER_GROUP = LocalText("Chỉ tiêu khác", "Other indicators")


def indicator_numbers(plan: Plan) -> dict[str, str]:
    """'1.1', '1.2', '2.1' … by section (plan.groups() order) and place in the section."""
    groups = plan.groups()
    seen: dict[int, int] = {}
    out: dict[str, str] = {}
    for ind in plan.indicators:
        g = groups.index(ind.group or OTHER_GROUP) + 1
        seen[g] = seen.get(g, 0) + 1
        out[ind.id] = f"{g}.{seen[g]}"
    return out


def indicators_in_group(plan: Plan, group: LocalText) -> list[Indicator]:
    return [ind for ind in plan.indicators if (ind.group or OTHER_GROUP) == group]


def decimals_needed(value: float, threshold: float | None, base: int = 1, most: int = 4) -> int:
    """Decimals to print `value` so that it does not read as the threshold it missed or
    beat: 2,04 % (not "2,0 %") "at risk" against "< 2 %", 1,96 % (not "2,0 %") met.

    `base` decimals unless the value, rounded so, equals the threshold while the value
    itself does not; then as many more as show the difference, up to `most`.
    """
    if threshold is None or abs(value - threshold) <= 1e-9:
        return base
    decimals = base
    while decimals < most and abs(round(value, decimals) - threshold) < 1e-9:
        decimals += 1
    return decimals


def status_counts(rows: Iterable[ProgressRow]) -> dict[str, int]:
    """How many rows have each status (every status present as a key, 0 if none)."""
    counts = dict.fromkeys(STATUSES, 0)
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    return counts


def relative_gap(row: ProgressRow) -> float:
    """How far off, relative to the target; 0 for a gap hidden by small-count protection
    (a masked gap is NaN) so nothing is ranked by a value nobody may see."""
    gap = row.gap
    if gap is None or gap != gap:
        return 0.0
    return gap / max(abs(row.expected), EPS) if row.expected else gap


def worst_first_key(row: ProgressRow) -> tuple[int, float]:
    """Sort key of every "worst first" list: status (not met, at risk, met, …), then the
    furthest from its target."""
    return STATUS_WORST_FIRST.index(row.status), -relative_gap(row)


def off_track_worst_first(rows: Iterable[ProgressRow], limit: int | None = None) -> list[ProgressRow]:
    """The rows a leader must act on (not met, then at risk), furthest from target first."""
    found = sorted((r for r in rows if r.status in OFF_TRACK), key=worst_first_key)
    return found if limit is None else found[:limit]


@dataclass(frozen=True)
class OffTrack:
    """A commune behind on the plan: how many indicators not met and at risk."""

    code: str
    name: str
    not_met: int
    at_risk: int
    indicators: tuple[str, ...]  # ids not met, worst first


def communes_off_track(
    commune_rows: Iterable[ProgressRow], communes: Iterable[tuple[str, str]], limit: int | None = None
) -> list[OffTrack]:
    """Communes ((code, name), in the area's order) with the most indicators not met, then
    at risk, most first: the one ranking of the projector, the overview and the
    chairman's summary."""
    by_code: dict[str, list[ProgressRow]] = {}
    for r in commune_rows:
        by_code.setdefault(r.area_code, []).append(r)
    out = []
    for code, name in communes:
        rows = by_code.get(code, [])
        not_met = [r for r in rows if r.status == "not_met"]
        at_risk = sum(1 for r in rows if r.status == "at_risk")
        if not not_met and not at_risk:
            continue
        worst = sorted(not_met, key=lambda r: -relative_gap(r))
        out.append(OffTrack(code, name, len(not_met), at_risk, tuple(r.indicator_id for r in worst)))
    out.sort(key=lambda o: (-o.not_met, -o.at_risk, o.name))
    return out if limit is None else out[:limit]


def is_commune_share(ind: Indicator) -> bool:
    """A share of communes (denominator `communes`): for one commune it is simply yes or no."""
    return ind.denominator == COMMUNES and ind.unit != "count"


# The standard element (../shared/spec/data-elements.md) of the commune recognised
# child-friendly: the country's headline of child affairs at commune level.
CHILD_FRIENDLY_ELEMENT = "cfc_recognised"


def map_indicator(plan: Plan) -> Indicator:
    """The indicator a printed map shows when nobody chose: the plan's share of communes
    recognised child-friendly (by the standard element, whatever the plan calls it), else
    its first share of communes (each commune reads as yes/no), else its first rate judged
    per commune, else its first indicator (plan order is the plan writer's priority)."""
    per_commune = [ind for ind in plan.indicators if ind.applies_to_communes]
    shares = [ind for ind in per_commune if is_commune_share(ind)]
    for candidates in (
        [ind for ind in shares if ind.numerator == CHILD_FRIENDLY_ELEMENT],
        shares,
        [ind for ind in per_commune if ind.unit == "percent"],
        list(plan.indicators),
    ):
        if candidates:
            return candidates[0]
    raise ValueError("a plan has at least one indicator")


def focus_indicator(plan: Plan, area_rows: Iterable[ProgressRow]) -> Indicator:
    """The indicator a meeting's map opens on: the worst off-track one judged per commune,
    else the plan's first judged per commune, else its first."""
    by_id = {ind.id: ind for ind in plan.indicators}
    for row in off_track_worst_first(area_rows):
        ind = by_id.get(row.indicator_id)
        if ind is not None and ind.applies_to_communes:
            return ind
    per_commune = [ind for ind in plan.indicators if ind.applies_to_communes]
    return (per_commune or list(plan.indicators))[0]


def communes_met(rows: Iterable[ProgressRow]) -> tuple[int, int]:
    """(met, assessed) over commune rows: assessed = met, at_risk or not_met.

    A commune without data (not reported, or a denominator of 0) is neither, so
    "1/1" for a rate only one commune could have is not shown as "1/17".
    """
    return statuses_met(r.status for r in rows if not r.is_area)


def statuses_met(statuses: Iterable[str]) -> tuple[int, int]:
    """`communes_met` over the commune rows' statuses alone (`Progress.commune_statuses_of`)."""
    met = assessed = 0
    for s in statuses:
        if s in ("met", "at_risk", "not_met"):
            assessed += 1
            met += s == "met"
    return met, assessed


def off_track_key(statuses: Iterable[str], name: str = "") -> tuple[int, int, int, str]:
    """Sort key putting the communes most off track first: most not_met, then at_risk, then no_data."""
    counts = {"not_met": 0, "at_risk": 0, "no_data": 0}
    for s in statuses:
        if s in counts:
            counts[s] += 1
    return (-counts["not_met"], -counts["at_risk"], -counts["no_data"], name)


@dataclass(frozen=True)
class Change:
    """Value now against value then (same period), in the indicator's unit."""

    delta: float  # now - then, in the indicator's unit (percentage points for percent)
    direction: Literal["up", "down", "same"]
    good: bool | None  # None when unchanged
    communes: float | None  # for shares of communes: the change in communes counted


def change_between(ind: Indicator, now: AreaValue | None, then: AreaValue | None) -> Change | None:
    """The change from `then` to `now`, or None when either has no value."""
    if now is None or then is None or now.value is None or then.value is None:
        return None
    delta = now.value - then.value
    if abs(delta) <= 1e-6:
        return Change(0.0, "same", None, 0.0 if ind.denominator == COMMUNES else None)
    direction: Literal["up", "down"] = "up" if delta > 0 else "down"
    good = (direction == "up") == (better_direction(ind) == "higher")
    communes = now.numerator - then.numerator if ind.denominator == COMMUNES else None
    return Change(delta, direction, good, communes)


def area_history(
    ind: Indicator, communes: Sequence[str], history: Mapping[tuple[int, str], Figures], period: str
) -> dict[int, AreaValue]:
    """The indicator over `communes` for every year of `history` (one period), by year."""
    out: dict[int, AreaValue] = {}
    for (year, p), figures in sorted(history.items()):
        if p == period:
            out[year] = area_value(ind, communes, figures)
    return out


def ineligible_recognised(ind: Indicator, rows: Iterable[ProgressRow], figures: Figures) -> list[ProgressRow]:
    """Commune rows whose reported numerator counted for nothing because of `requires_zero`.

    Only communes that would otherwise have counted (a numerator above 0) are returned:
    "recognised child-friendly, but a child drowned". A commune that was not recognised
    anyway needs no such explanation.
    """
    out = []
    for r in rows:
        if r.is_area or r.indicator_id != ind.id or not r.blocking:
            continue
        raw = figure_value(figures.get(r.area_code), ind.numerator)
        if raw is not None and raw > EPS:
            out.append(r)
    return out


def communes_reported(figures: Figures, codes: Iterable[str]) -> tuple[list[str], list[str]]:
    """(reported, not reported): a commune reported when it has at least one figure."""
    yes, no = [], []
    for code in codes:
        (yes if figures.get(code) else no).append(code)
    return yes, no
