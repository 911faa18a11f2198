"""Chất lượng số liệu: findings a person can work through, worst first, each leading to its commune."""

import streamlit as st

from i18n import escape_md, period_label
from ui import data, quality_view
from ui.frame import page_context

PAGE_SIZE = 20

ctx = page_context("quality")
st.title(ctx.t("nav_quality"))
label = period_label(ctx.period, ctx.year, ctx.lang)
st.caption(ctx.t("intake_q_intro", area=ctx.area.full_name, period=label))

years = data.year_options(ctx.db_url, ctx.plan)
has_figures, findings = data.quality(ctx.db_url, ctx.area.code, ctx.year, ctx.period, years)
if not has_figures:
    st.info(ctx.t("intake_q_no_data", period=label), icon=":material/info:")
    st.stop()

# The findings' communes: those of the viewed period's day, as the findings were read.
day = data.view_day(ctx.db_url, ctx.year, ctx.period)
names = {c.code: c.full_name for c in data.communes_of(ctx.db_url, ctx.area.code, on=day)}
errors = sum(1 for f in findings if f.severity == "error")
c1, c2, c3 = st.columns(3)
c1.metric(quality_view.severity_label("error", ctx.lang), errors)
c2.metric(quality_view.severity_label("warning", ctx.lang), len(findings) - errors)
c3.metric(ctx.t("intake_q_communes"), f"{len({f.commune_code for f in findings})}/{len(names)}")
if not findings:
    st.success(ctx.t("intake_q_none", period=label), icon=":material/check_circle:")
    st.stop()

pages = (len(findings) + PAGE_SIZE - 1) // PAGE_SIZE
page = st.pagination(pages, key="quality_page") if pages > 1 else 1
for f in findings[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]:
    with st.container(border=True):
        left, right = st.columns([5, 2], vertical_alignment="center")
        commune = names.get(f.commune_code, f.commune_code)
        badge_color = quality_view.SEVERITY_STYLE[f.severity][1]
        left.markdown(
            f":{badge_color}-badge[{quality_view.severity_label(f.severity, ctx.lang)}] "
            f"**{escape_md(commune)}** · {escape_md(period_label(f.period, f.year, ctx.lang))}"
        )
        left.markdown(escape_md(quality_view.finding_text(f, ctx.plan, ctx.lang)))
        right.page_link(
            "pages/commune.py",
            label=ctx.t("intake_q_open_commune"),
            icon=":material/location_city:",
            query_params=ctx.link_params(commune=f.commune_code),
        )
