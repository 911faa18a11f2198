"""Tình hình báo cáo: which commune has sent which report, how complete, what is overdue.

A district shows every commune; above `completeness_view.MAX_COMMUNE_ROWS` communes (a large
province, the country) the matrix has one row per child area and one child's
communes are shown below it, chosen in a list bound to the URL.
"""


import streamlit as st

from i18n import fmt_date, local_today
from rules.quality import deadline_date
from ui import completeness_view
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
periods = completeness_view.periods_of_the_area(ctx, [(y, p) for y in years for p in ("H1", "FY")])
today = local_today()
reported, states, overdue = completeness_view.commune_states(ctx, periods, today)
if states.empty:
    st.info(ctx.t("intake_comp_no_communes"), icon=":material/info:")
    st.stop()

st.subheader(ctx.t("intake_comp_summary"))
st.caption(ctx.t("comp_sum_caption"))
summary = completeness_view.summary_frame(ctx, states, periods, today)
st.dataframe(summary, hide_index=True, width="stretch", height=completeness_view.matrix_height(len(summary)))
for (year, period), units in sorted(overdue.items(), reverse=True):
    st.warning(completeness_view.overdue_text(ctx, year, period, units), icon=":material/schedule:")

if len(states) <= completeness_view.MAX_COMMUNE_ROWS:
    st.subheader(ctx.t("intake_comp_matrix"))
    st.caption(ctx.t("intake_comp_legend"))
    texts, cells = completeness_view.commune_matrix(ctx, reported, states)
    st.dataframe(
        completeness_view.styled_matrix(texts, cells), hide_index=True, width="stretch", height=completeness_view.matrix_height(len(texts))
    )
    st.stop()

parts = completeness_view.area_parts(ctx, list(states.index))
kind = completeness_view.part_kind(parts)
st.subheader(ctx.t(f"intake_comp_area_matrix_{kind}"))
st.caption(ctx.t("intake_comp_area_legend"))
texts, cells, parts = completeness_view.area_matrix(ctx, states, parts)
st.dataframe(
    completeness_view.styled_matrix(texts, cells), hide_index=True, width="stretch", height=completeness_view.matrix_height(len(texts))
)

by_code = {p.unit.code: p for p in parts}
chosen = url_widget(
    st.selectbox,
    ctx.t(f"intake_comp_part_pick_{kind}"),
    list(by_code),
    completeness_view.PART_KEY,
    parts[0].unit.code,  # the child area to chase first
    format_func=lambda code: by_code[code].label,
)
part = by_code[chosen]
st.subheader(ctx.t("intake_comp_part_matrix", area=part.unit.full_name))
st.caption(ctx.t("intake_comp_legend"))
codes = list(part.codes)
texts, cells = completeness_view.commune_matrix(ctx, reported.loc[codes], states.loc[codes])
st.dataframe(
    completeness_view.styled_matrix(texts, cells), hide_index=True, width="stretch", height=completeness_view.matrix_height(len(texts))
)
