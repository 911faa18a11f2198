"""Pace to the deadline in H1: at this pace, will the year's report reach the target?

For each indicator with a numeric target, the first half's value is projected to the
year by `rules.pace` (an accumulating figure by the H1/FY ratio of earlier years, else
H1 x 2; a ratio as it is) and judged "đúng tiến độ / cần tăng tốc / khó đạt". The
earlier years' H1 and FY values come from the same cached figures as the history
charts (`ui.data.history`), so the projection uses what the person may see.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from data_access.progress import Progress
from i18n import fmt_amount
from rules import pace as rules_pace
from rules.model import Indicator
from rules.pace import Pace
from rules.scorecard import indicator_numbers
from ui import data
from ui.frame import PageContext
from ui.scorecard import fmt_result, fmt_target

PACE_SYMBOL = {"on_track": "✔", "accelerate": "▲", "unlikely": "✖"}
PACE_TINT = {"on_track": "#CCEBDF", "accelerate": "#F8E3BC", "unlikely": "#F4D0BC"}
HISTORY_YEARS = 3  # earlier years whose H1/FY ratio estimates the first half's share


@dataclass(frozen=True)
class PaceLine:
    ind: Indicator
    h1: float
    target: float
    pace: Pace
    accumulating: bool


def direction(ind: Indicator, op: str, number: float) -> bool | None:
    """Higher is better (True), lower (False), or None when pace does not apply."""
    return rules_pace.direction(op, number)


def pace_lines(ctx: PageContext, progress: Progress, codes: Sequence[str]) -> list[PaceLine]:
    """The pace of every indicator over `codes` (the area's communes, or one commune);
    the rule is `rules.pace.indicator_pace`, the same as the six-month report's."""
    plan, year = ctx.plan, ctx.year
    elements = rules_pace.history_elements(plan, year)
    earlier = [y for y in data.year_options(ctx.db_url, plan) if y < year][-HISTORY_YEARS:] if elements else []
    # Both halves of the earlier years in one read, on the communes this H1 view shows.
    past = data.history_of_periods(ctx.db_url, ctx.area.code, earlier, ("H1", "FY"), elements, (year, ctx.period))
    before = [(past.get((y, "H1"), {}), past.get((y, "FY"), {})) for y in earlier]
    out = []
    for ind in plan.indicators:
        x = rules_pace.indicator_pace(ind, year, codes, progress.figures, before, plan.data_elements)
        if x is not None:
            out.append(PaceLine(ind, x.h1, x.target, x.pace, x.accumulating))
    return out


def status_text(ctx: PageContext, status: str) -> str:
    return f"{PACE_SYMBOL[status]} {ctx.t(f'pace_status_{status}')}"


def method_text(ctx: PageContext, line: PaceLine) -> str:
    if not line.accumulating:
        return ctx.t("pace_method_ratio")
    if line.pace.share == 0.5:
        return ctx.t("pace_method_double")
    return ctx.t("pace_method_share", share=fmt_amount(line.pace.share * 100, "percent", ctx.lang))


def table(ctx: PageContext, lines: list[PaceLine], *, key: str) -> None:
    """Indicator, H1, projected year, the year's target, what H2 must add, status."""
    numbers = indicator_numbers(ctx.plan)
    cols = {
        k: ctx.t(f"pace_col_{k}") for k in ("no", "name", "h1", "projected", "target", "needed", "status", "method")
    }
    order = {"unlikely": 0, "accelerate": 1, "on_track": 2}
    lines = sorted(lines, key=lambda x: (order[x.pace.status], numbers[x.ind.id]))
    records = []
    for x in lines:
        records.append(
            {
                cols["no"]: numbers[x.ind.id],
                cols["name"]: x.ind.name.get(ctx.lang),
                cols["status"]: status_text(ctx, x.pace.status),
                cols["h1"]: against_target(x.h1, x.ind, ctx.year, ctx.lang),
                cols["projected"]: against_target(x.pace.projected, x.ind, ctx.year, ctx.lang),
                cols["target"]: fmt_target(x.ind, x.ind.targets.get(ctx.year), ctx.lang),
                cols["needed"]: fmt_amount(x.pace.needed_h2, x.ind.unit, ctx.lang)
                if x.pace.needed_h2 is not None
                else "–",
                cols["method"]: method_text(ctx, x),
            }
        )
    frame = pd.DataFrame(records)
    statuses = [x.pace.status for x in lines]

    def tint(df: pd.DataFrame) -> pd.DataFrame:
        out = pd.DataFrame("", index=df.index, columns=df.columns)
        out[cols["status"]] = [f"background-color: {PACE_TINT[s]}" for s in statuses]
        return out

    st.dataframe(
        frame.style.apply(tint, axis=None),
        hide_index=True,
        key=key,
        row_height=48,
        height=min(48 * len(frame) + 38, 520),
        column_config={
            cols["no"]: st.column_config.TextColumn(width=40),
            cols["name"]: st.column_config.TextColumn(width=260),
            cols["status"]: st.column_config.TextColumn(width=130),
            cols["needed"]: st.column_config.TextColumn(help=ctx.t("pace_help_needed")),
            cols["method"]: st.column_config.TextColumn(width=200),
        },
    )


def section(ctx: PageContext, progress: Progress, codes: Sequence[str], *, key: str, where: str) -> None:
    """H1 only: the header, a one-line count and the table (overview and commune pages)."""
    if ctx.period != "H1":
        return
    lines = pace_lines(ctx, progress, codes)
    if not lines:
        return
    st.header(ctx.t("pace_header", year=ctx.year), anchor=False)
    counts = {s: sum(1 for x in lines if x.pace.status == s) for s in PACE_SYMBOL}
    st.caption(
        ctx.t(
            "pace_caption",
            where=where,
            on_track=counts["on_track"],
            accelerate=counts["accelerate"],
            unlikely=counts["unlikely"],
        )
    )
    table(ctx, lines, key=key)
    st.page_link("pages/help.py", label=ctx.t("pace_how"), icon=":material/help:", query_params=ctx.link_params())


def against_target(value: float | None, ind: Indicator, year: int, lang: str) -> str:
    """A value beside the year's target, with the decimals that tell them apart: a
    projection of 1,98 % "on track" against "< 2 %" must not read "2,0 %"."""
    target = ind.targets.get(year)
    return fmt_result(value, ind, lang, target.number if target is not None else None)


def indicator_line(ctx: PageContext, ind: Indicator, progress: Progress) -> None:
    """The indicator page in H1: one sentence of pace for the area."""
    if ctx.period != "H1":
        return
    found = [x for x in pace_lines(ctx, progress, [c.code for c in progress.communes]) if x.ind.id == ind.id]
    if not found:
        return
    x = found[0]
    needed = ""
    if x.pace.needed_h2 is not None:
        needed = " " + ctx.t("pace_needed_sentence", needed=fmt_amount(x.pace.needed_h2, ind.unit, ctx.lang))
    text = ctx.t(
        "pace_sentence",
        status=status_text(ctx, x.pace.status),
        projected=against_target(x.pace.projected, ind, ctx.year, ctx.lang),
        target=fmt_target(ind, ind.targets.get(ctx.year), ctx.lang),
        method=method_text(ctx, x),
    )
    box = {"on_track": st.success, "accelerate": st.warning, "unlikely": st.error}[x.pace.status]
    box(text + needed, icon=":material/speed:")
