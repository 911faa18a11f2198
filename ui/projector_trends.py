"""The projector's fourth slide: child drowning deaths and injuries over the years, a
bar a year on the viewed year's communes (small counts arrive masked and stay so)."""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd
import streamlit as st

from data_access.progress import Progress
from i18n import escape_md, fmt_number
from rules.suppression import Hidden, is_masked
from ui import data
from ui.charts import axis_label_expr
from ui.frame import PageContext
from ui.plan_text import fmt_count

TREND_ELEMENTS: tuple[str, ...] = ("drowning_deaths", "injury_cases")  # standard element ids
VALUE_COLOR, VALUE_COLOR_LIGHT = "#0072B2", "#8DBFE0"  # Okabe-Ito blue: the selected year darker


@dataclass(frozen=True)
class TrendPoint:
    year: int
    value: float  # may be a mask ("<5", "*") on the projector: small counts are protected
    reported: int
    total: int


def trend_points(ctx: PageContext, element: str, years: list[int], total: int) -> list[TrendPoint]:
    """The area's total of `element` per year with figures, on the viewed year's communes.

    Taken from the progress rows of an indicator counting it, which `ui.data` protects
    on the projector (a small sensitive total arrives as "<5"); without such an
    indicator, summed from the communes' figures, and hidden ("*") if any is hidden.
    Every year is read on the units of the viewed one (`data.view_day`): the new Bắc
    Ninh's 2020–2024 bars are its predecessors' figures summed with their shares, not
    old Bắc Giang's, whose code 24 it reused.
    """
    ind = ctx.plan.indicator_counting(element)
    day = data.view_day(ctx.db_url, ctx.year, ctx.period)
    out = []
    if ind is not None:
        for y in years:
            row = data.progress(ctx.db_url, y, ctx.period, ctx.area.code, on=day).row(ind.id)
            if row.reported and row.numerator is not None:
                out.append(TrendPoint(y, row.numerator, row.reported, row.total))
        return out
    history = data.history(ctx.db_url, ctx.area.code, years, ctx.period, [element], viewed_year=ctx.year)
    for y in years:
        values = [figs[element] for figs in history.get((y, ctx.period), {}).values() if element in figs]
        if values:
            value = Hidden() if any(is_masked(v) for v in values) else float(sum(values))
            out.append(TrendPoint(y, value, len(values), total))
    return out


LABEL_MAX_PX, LABEL_MIN_PX = 34, 16  # a bar's figure, read from the back of the room
DIGIT_EM = 0.62  # the width of a bold digit (and of "." between thousands), in em


def _label_size(texts: list[str]) -> alt.ExprRef:
    """The bars' figures as large as fits each bar's band of the chart's real width (a
    Vega expression: the chart stretches with the screen), so "1.774" beside "1.727"
    never runs into it at 1280x720; 34 px where there is room."""
    longest = max((len(t) for t in texts), default=1)
    band = f"width / {max(len(texts), 1)}"
    return alt.expr(f"clamp(floor(0.9 * {band} / ({longest} * {DIGIT_EM})), {LABEL_MIN_PX}, {LABEL_MAX_PX})")


def _bar_chart(ctx: PageContext, points: list[TrendPoint]) -> alt.Chart:
    df = pd.DataFrame(
        {
            "year": [str(p.year) for p in points],
            # A hidden total has no bar: its mask ("<5") sits on the axis instead.
            "value": [0.0 if is_masked(p.value) else p.value for p in points],
            "text": [fmt_count(p.value, ctx.lang) for p in points],
            "colour": [VALUE_COLOR if p.year == ctx.year else VALUE_COLOR_LIGHT for p in points],
        }
    )
    top = max([*df["value"].tolist(), 4.0])
    base = alt.Chart(df).encode(
        x=alt.X("year:O", title=ctx.t("projector_axis_year"), axis=alt.Axis(labelAngle=0)),
        y=alt.Y(
            "value:Q",
            title=ctx.t("projector_axis_children"),
            scale=alt.Scale(domain=[0, top * 1.25]),
            # Every total hidden ("<5"): a scale would only suggest numbers nobody may see.
            axis=None
            if all(is_masked(p.value) for p in points)
            else alt.Axis(labelExpr=axis_label_expr(ctx.lang), tickMinStep=1, tickCount=5),
        ),
    )
    bars = base.mark_bar(cornerRadiusTopLeft=4, cornerRadiusTopRight=4).encode(
        color=alt.Color("colour:N", scale=None),
        tooltip=[
            alt.Tooltip("year:N", title=ctx.t("projector_axis_year")),
            alt.Tooltip("text:N", title=ctx.t("projector_axis_children")),
        ],
    )
    labels = base.mark_text(
        baseline="bottom", dy=-4, fontSize=_label_size(df["text"].tolist()), fontWeight="bold", color="#111111"
    ).encode(text="text:N")
    return (
        alt.layer(bars, labels)
        .configure(font="Source Sans, Source Sans Pro, sans-serif")
        .configure_axis(
            labelFontSize=24, titleFontSize=24, titleFontWeight="normal", labelColor="#222222", titleColor="#222222"
        )
        .configure_axisY(grid=True, gridColor="#E6E6E6")
        .configure_view(strokeWidth=0)
    )


def trends_slide(ctx: PageContext, progress: Progress) -> None:
    years = [y for y in data.year_options(ctx.db_url, ctx.plan) if y <= ctx.year]
    cols = st.columns(len(TREND_ELEMENTS), gap="large")
    for col, element in zip(cols, TREND_ELEMENTS, strict=True):
        de = ctx.plan.data_elements.get(element)
        name = de.name.get(ctx.lang) if de else element
        points = trend_points(ctx, element, years, len(progress.communes))
        with col:
            with st.container(key=f"proj_line_{element}"):
                st.markdown(escape_md(name))
            if not points:
                st.markdown(ctx.t("projector_trend_empty"))
                continue
            if all(is_masked(p.value) for p in points):  # empty bars would say nothing
                with st.container(key=f"proj_detail_{element}"):
                    st.markdown(escape_md(ctx.t("reports_chart_all_hidden", name=name)))
                continue
            # The box's height follows the screen (CSS, 52vh); the chart stretches to fill it.
            with st.container(key=f"proj_chartbox_{element}"):
                st.altair_chart(
                    _bar_chart(ctx, points),
                    width="stretch",
                    height="stretch",
                    theme=None,
                    alt=ctx.t("projector_trend_alt", name=name),
                )
            with st.container(key=f"proj_detail_{element}"):
                st.markdown(escape_md(_trend_sentence(ctx, points)))


def _trend_sentence(ctx: PageContext, points: list[TrendPoint]) -> str:
    last = points[-1]
    text = ctx.t("projector_trend_total", year=last.year, value=fmt_count(last.value, ctx.lang))
    if len(points) > 1 and not is_masked(last.value) and not is_masked(points[-2].value):
        prev = points[-2]
        diff = last.value - prev.value
        if abs(diff) < 1e-9:
            text += " · " + ctx.t("projector_trend_change_same", year=prev.year)
        else:
            key = "projector_trend_change_down" if diff < 0 else "projector_trend_change_up"
            text += " · " + ctx.t(key, n=fmt_number(abs(diff), None, ctx.lang), year=prev.year)
    if last.reported < last.total:
        text += " · " + ctx.t("projector_trend_partial", year=last.year, reported=last.reported, total=last.total)
    return text
