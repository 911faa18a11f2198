"""What-if: move a target, or assume some communes meet it, and see what changes.

A simulation only: it works on copies of the figures and writes nothing. Two levers:

* `target_override` replaces the indicator's target for the year, and everything
  (area and communes) is evaluated again against it.
* `assume_met` sets the figures of the chosen communes so that each commune's own row
  meets the (possibly overridden) target with the smallest change (see `_assume_met`).

`parse_target_text` reads a target typed in the what-if form, the same way targets are
written in targets.yaml.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from rules.columnar import FigureMatrix, LazyRows, commune_columns, indicator_rows_columnar
from rules.indicators import (
    EPS,
    Figures,
    ProgressRow,
    Question,
    accumulates_over_year,
    commune_result,
    eligibility_applies,
    evaluate,
    figure_value,
    has_denominator,
    is_whole,
    needed_numerator,
    trend_as_comparison,
)
from rules.model import COMMUNES, TREND_OPS, DataElement, Indicator, OrgUnitRef, Plan, Target

# --------------------------------------------------------------------------- parsing

_OP_ALIASES = {"≥": ">=", "≤": "<=", "=": "=="}
_TARGET_RE = re.compile(r"^(>=|<=|==|>|<|≥|≤|=)\s*(\d+(?:[.,]\d+)?)\s*%?$")
_NUMBER_RE = re.compile(r"^(\d+(?:[.,]\d+)?)\s*%?$")


def parse_target_text(text: str, better: str | None = None) -> Target | None:
    """A target as typed: `">= 80"`, `"<3"`, `"== 0"`, `"decrease"`, `"increase"`, `"maintain"`.

    Also accepted, as the targets loader does: `≥` / `≤` / a single `=`, a decimal comma (`"< 2,5"`,
    as numbers are written in Vietnamese) and a trailing `%`. A bare number is refused
    (None) as in targets.yaml, unless `better` says which way it goes (`>=` for
    "higher", `<=` for "lower"). `Target.text` keeps the text as typed (stripped).
    None for anything else.
    """
    if not isinstance(text, str):
        return None
    stripped = text.strip()
    word = stripped.lower()
    if word in TREND_OPS:
        return Target(op=word, number=None, text=stripped)
    match = _TARGET_RE.match(stripped)
    if match:
        op = _OP_ALIASES.get(match.group(1), match.group(1))
        return Target(op=op, number=float(match.group(2).replace(",", ".")), text=stripped)
    match = _NUMBER_RE.match(stripped)
    if match and better in ("higher", "lower"):
        op = ">=" if better == "higher" else "<="
        return Target(op=op, number=float(match.group(1).replace(",", ".")), text=stripped)
    return None


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class WhatIfNote:
    """Something the simulation had to assume or could not do.

    `key` is stable, for the UI's catalogue: `denominator_from_previous`,
    `denominator_median`, `no_denominator`, `zero_denominator`, `no_previous`,
    `no_target`, `unreachable`, `not_in_scope`, `area_only`. `value` is the figure
    involved (the denominator assumed, the value that could not be reached), if any.
    """

    key: str
    commune_code: str | None
    value: float | None = None

    def __str__(self) -> str:
        where = f"{self.commune_code}: " if self.commune_code else ""
        texts = {
            "denominator_from_previous": "denominator taken from the year before ({value})",
            "denominator_median": "did not report; denominator assumed to be the median of reporting communes ({value})",
            "no_denominator": "no denominator known (not reported, none the year before, nobody else reported)",
            "zero_denominator": "denominator is 0, the indicator cannot be computed",
            "no_previous": "no figure for the year before, a trend target cannot be met",
            "no_target": "the year has no target",
            "unreachable": "the target cannot be reached by this commune (closest value used: {value})",
            "not_in_scope": "not a commune of the area",
            "area_only": "the target is the area's only; figures set as if the commune were held to it",
        }
        text = texts.get(self.key, self.key).format(value=self.value)
        return where + text


@dataclass(frozen=True)
class FigureChange:
    """One figure the simulation changed (None = not reported)."""

    commune_code: str
    data_element: str
    before: float | None
    after: float | None


@dataclass(frozen=True)
class Simulation:
    """Before and after, for the area and every commune."""

    before: ProgressRow  # the area row as things stand
    after: ProgressRow  # the area row in the simulation
    flipped: tuple[tuple[str, str, str], ...]  # (commune code, status before, status after), changed only
    assumed: tuple[str, ...]  # communes assumed to meet the target, by code
    notes: tuple[WhatIfNote, ...] = ()
    # The area row then the commune rows; from `simulate`, a `rules.columnar.LazyRows`
    # whose commune rows are built only when read (a national what-if shows few).
    rows_before: Sequence[ProgressRow] = ()
    rows_after: Sequence[ProgressRow] = ()
    changes: tuple[FigureChange, ...] = ()  # figures set by assume-met
    target: Target | None = None  # the target applied in the simulation


# --------------------------------------------------------------------------- simulate


def simulate(
    plan: Plan,
    ind_id: str,
    year: int,
    period: str,
    area: OrgUnitRef,
    communes: Sequence[OrgUnitRef],
    figures: Figures,
    previous_figures: Figures | None,
    *,
    target_override: Target | None = None,
    assume_met: Collection[str] = (),
    data_elements: Mapping[str, DataElement] | None = None,
) -> Simulation:
    """Evaluate one indicator as it stands and under the what-if, and compare.

    `data_elements` defaults to `plan.data_elements` (flows and whole-number types).
    Nothing passed in is modified.
    """
    ind = plan.indicator(ind_id)
    des = data_elements if data_elements is not None else plan.data_elements
    previous = previous_figures or {}
    q = Question(year, period, area, communes, figures, previous, des)
    # Columns (rules.columnar): the same rows as `indicator_rows`, at national size in
    # tens of milliseconds rather than a second per change.
    rows_before = indicator_rows_columnar(ind, q, lazy=True)

    ind_after = ind
    if target_override is not None:
        ind_after = replace(ind, targets={**ind.targets, year: target_override})

    scope = [area.code] if area.level == "commune" else sorted({c.code for c in communes})
    # Only the assumed communes' figures change: copy those, read the rest as they are.
    new_figures: dict[str, dict[str, float]] = {}
    notes: list[WhatIfNote] = []
    changes: list[FigureChange] = []
    assumed: list[str] = []
    median_den = _median_denominator(ind, scope, figures)
    for code in sorted(set(assume_met)):
        if code not in scope:
            notes.append(WhatIfNote("not_in_scope", code))
            continue
        assumed.append(code)
        new_figures[code] = dict(figures.get(code) or {})
        _assume_met(ind_after, code, year, period, des, new_figures, previous, median_den, notes, changes)
        if not new_figures[code]:
            del new_figures[code]  # nothing set: the commune stays "not reported"

    after = _with(figures, new_figures)
    rows_after = indicator_rows_columnar(ind_after, replace(q, figures=after), lazy=True)
    return Simulation(
        before=rows_before[0],
        after=rows_after[0],
        flipped=tuple(sorted(_flipped(rows_before, rows_after))),
        assumed=tuple(assumed),
        notes=tuple(notes),
        rows_before=rows_before,
        rows_after=rows_after,
        changes=tuple(changes),
        target=ind_after.targets.get(year),
    )


def _flipped(before: Sequence[ProgressRow], after: Sequence[ProgressRow]) -> list[tuple[str, str, str]]:
    """(code, status before, status after) of the communes whose status changed: from
    the status columns when there are (no row is built), else row by row."""
    if isinstance(before, LazyRows) and isinstance(after, LazyRows) and before.codes == after.codes:
        changed = np.flatnonzero(before.statuses != after.statuses).tolist()
        was, now = before.status_names(), after.status_names()
        return [(before.codes[i], was[i], now[i]) for i in changed]
    before_status = {r.area_code: r.status for r in before if not r.is_area or r.area_level == "commune"}
    return [
        (r.area_code, before_status[r.area_code], r.status)
        for r in after
        if (not r.is_area or r.area_level == "commune") and before_status.get(r.area_code, r.status) != r.status
    ]


def _with(figures: Figures, changed: dict[str, dict[str, float]]) -> Figures:
    """The figures with some communes' replaced, without copying the others."""
    if not changed:
        return figures
    if isinstance(figures, FigureMatrix):
        return figures.overlay(changed)
    return {**figures, **changed}


def _median_denominator(ind: Indicator, scope: Sequence[str], figures: Figures) -> float | None:
    """Median denominator over the communes that reported both figures (for stand-ins)."""
    if not has_denominator(ind) or ind.denominator == COMMUNES:
        return None
    cols = commune_columns(ind, scope, FigureMatrix.from_figures(figures))
    dens = cols.denominator[cols.reported & ~np.isnan(cols.denominator)].tolist()
    return float(statistics.median(dens)) if dens else None


def _set(figs: dict[str, float], code: str, de: str, value: float, changes: list[FigureChange]) -> None:
    old = figure_value(figs, de)
    if old is None or abs(old - value) > EPS:
        changes.append(FigureChange(code, de, old, value))
    figs[de] = value


def _assume_met(
    ind: Indicator,
    code: str,
    year: int,
    period: str,
    data_elements: Mapping[str, DataElement],
    figures: dict[str, dict[str, float]],
    previous: Figures,
    median_den: float | None,
    notes: list[WhatIfNote],
    changes: list[FigureChange],
) -> None:
    """Set one commune's figures so that its own row meets the target, changing least.

    * Higher-is-better `>=` / `>`: the numerator becomes the smallest value reaching
      the (pro-rated) target — whole for count / yes_no elements — and is never
      lowered; it is capped at 1 for a yes_no element and at the denominator on a
      percent indicator. Eligibility blockers are set to 0.
    * `<=` / `<`: the largest whole value still meeting, never raising a figure
      already below it. `==`: the target value itself.
    * `decrease`: previous − 1 floored at 0 (in numerator units; 0 when the previous
      value was 0, as 0 → 0 meets); `increase`: previous + 1; `maintain`: the previous
      value — each never moving a figure that already meets.
    * A commune that did not report the denominator gets the one it had the year
      before, else the median of the reporting communes (noted).
    """
    target = ind.targets.get(year)
    if target is None:
        notes.append(WhatIfNote("no_target", code))
        return
    if not ind.applies_to_communes:
        notes.append(WhatIfNote("area_only", code))
    figs = figures.setdefault(code, {})
    prev_figs = previous.get(code)

    # The denominator: as reported, else last year's, else the median of the others.
    factor = 1.0
    if has_denominator(ind):
        den_value = 1.0
        if ind.denominator != COMMUNES:
            den_id = ind.denominator or ""
            reported_den = figure_value(figs, den_id)
            if reported_den is None:
                prev_den = figure_value(prev_figs, den_id)
                if prev_den is not None:
                    reported_den = prev_den
                    notes.append(WhatIfNote("denominator_from_previous", code, prev_den))
                elif median_den is not None:
                    reported_den = median_den
                    notes.append(WhatIfNote("denominator_median", code, median_den))
                else:
                    notes.append(WhatIfNote("no_denominator", code))
                    return
                _set(figs, code, den_id, reported_den, changes)
            den_value = reported_den
        if abs(den_value) <= EPS:
            notes.append(WhatIfNote("zero_denominator", code))
            return
        factor = den_value / ind.scale
    else:
        den_value = None

    whole = is_whole(ind, data_elements)
    de = data_elements.get(ind.numerator)
    step = 1e-6 * factor  # strict operators on fractional numerators: just past the edge
    current = figure_value(figs, ind.numerator)
    flow = accumulates_over_year(ind, data_elements)

    if target.is_trend:
        prev_value = commune_result(ind, code, prev_figs).value
        if prev_value is None:
            notes.append(WhatIfNote("no_previous", code))
            return
        threshold = prev_value * factor
        op = trend_as_comparison(ind, target)
        if target.op == "decrease" and abs(threshold) <= EPS:
            needed: float | None = 0.0  # 0 → 0 meets "decrease"
        else:
            needed = needed_numerator(op, threshold, whole, step)
    else:
        op = target.op
        # `expected` is the threshold evaluate() applies, H1 pro-rating included.
        expected = evaluate(ind, year, period, 0.0, None, flow).expected
        threshold = (expected or 0.0) * factor
        needed = needed_numerator(op, threshold, whole, step)

    if needed is None:
        # `< 0` or `== 2.5` on whole numbers: take the closest value that exists.
        needed = max(0.0, float(round(threshold)) if whole else threshold)
        notes.append(WhatIfNote("unreachable", code, needed))
    elif op in (">=", ">"):
        if current is not None:
            needed = max(needed, current)  # never lower a figure that already meets
        cap = None
        if de is not None and de.type == "yes_no":
            cap = 1.0
        if ind.unit == "percent" and den_value is not None:
            cap = den_value if cap is None else min(cap, den_value)
        if cap is not None and needed > cap + EPS:
            notes.append(WhatIfNote("unreachable", code, cap))
            needed = cap
    elif op in ("<=", "<") and current is not None:
        needed = min(needed, current)  # never raise a figure that already meets

    _set(figs, code, ind.numerator, needed, changes)

    if eligibility_applies(ind):
        for blocker in ind.requires_zero:
            _set(figs, code, blocker, 0.0, changes)
