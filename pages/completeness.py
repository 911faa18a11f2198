"""Tình hình báo cáo: which commune has sent which report, how complete, what is overdue."""

from datetime import date

import streamlit as st

from i18n import fmt_date
from rules.quality import deadline_date
from ui import intake
from ui.frame import page_context, url_widget

ctx = page_context("completeness")
st.title(ctx.t("nav_completeness"))
deadlines = {p: deadline_date(ctx.plan.deadlines, ctx.year, p) for p in ("H1", "FY")}
st.caption(
    ctx.t(
        "intake_comp_intro",
        area=ctx.area.full_name,
        expected=len(ctx.plan.used_data_elements()),
        h1=fmt_date(deadlines["H1"], ctx.lang)[:5],
        fy=fmt_date(deadlines["FY"], ctx.lang)[:5],
    )
)
scope = url_widget(
    st.segmented_control,
    ctx.t("intake_comp_scope"),
    ["plan", "year"],
    "completeness_scope",
    "plan",
    format_func=lambda s: (
        ctx.t("intake_comp_scope_plan") if s == "plan" else ctx.t("intake_comp_scope_year", year=ctx.year)
    ),
)
years = sorted(ctx.plan.years) if scope != "year" else [ctx.year]
periods = [(y, p) for y in years for p in ("H1", "FY")]
today = date.today()
texts, states, overdue = intake.completeness_frames(ctx, periods, today)
if texts.empty:
    st.info(ctx.t("intake_comp_no_communes"), icon=":material/info:")
    st.stop()

st.subheader(ctx.t("intake_comp_summary"))
st.dataframe(intake.summary_frame(ctx, states, periods, today), hide_index=True, width="stretch")
for (year, period), units in sorted(overdue.items(), reverse=True):
    names = ", ".join(f"{name} ({code})" for code, name in units)
    st.warning(
        ctx.t("intake_comp_overdue", period=intake.period_label(period, year, ctx.lang), count=len(units), names=names),
        icon=":material/schedule:",
    )

st.subheader(ctx.t("intake_comp_matrix"))
st.caption(ctx.t("intake_comp_legend"))
st.dataframe(
    intake.styled_matrix(texts, states),
    hide_index=True,
    width="stretch",
    height=min(38 + 35 * len(texts), 760),
)
