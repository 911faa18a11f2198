"""Help: how to read the scorecard, what each status means, how each indicator of the
current plan is computed (generated from the targets file), sharing links, sources."""

from urllib.parse import urlencode

import streamlit as st

from i18n import escape_md
from ui import data
from ui.frame import page_context
from ui.help_view import indicators_section, pace_method, status_legend, words

ctx = page_context("help")
plan = ctx.plan
place = words(ctx)  # "tỉnh", "xã, phường": the area's and its units' words from the tree

st.title(ctx.t("help_title"))
st.markdown(ctx.t("help_intro", plan=escape_md(plan.title), **place))
links = st.columns(3)
links[0].page_link(
    "pages/overview.py", label=ctx.t("help_open_overview"), icon=":material/dashboard:", query_params=ctx.link_params()
)
links[1].page_link(
    "pages/projector.py",
    label=ctx.t("help_open_projector"),
    icon=":material/slideshow:",
    query_params=ctx.link_params(),
)
links[2].page_link(
    "pages/whatif.py", label=ctx.t("help_open_whatif"), icon=":material/science:", query_params=ctx.link_params()
)

st.header(ctx.t("help_read_title"))
st.markdown(ctx.t("help_read_body", **place))

st.header(ctx.t("help_status_title"))
status_legend(ctx, place)

st.header(ctx.t("help_indicators_title"))
indicators_section(ctx, data.targets_file().name)

st.header(ctx.t("help_pace_title"))
st.markdown(pace_method(ctx))

st.header(ctx.t("help_share_title"))
st.markdown(ctx.t("help_share_body"))
st.markdown(ctx.t("help_share_example"))
st.code(f"/overview?{urlencode(ctx.link_params())}", language=None)
st.markdown(ctx.t("help_share_projector"))

st.header(ctx.t("help_sources_title"))
h1_day, h1_month = plan.deadlines.get("H1", (15, 5))
fy_day, fy_month = plan.deadlines.get("FY", (15, 11))
issuer = ""
if plan.issued_by:
    issuer = ctx.t("help_sources_issuer", issued_by=escape_md(plan.issued_by), document=escape_md(plan.document or "–"))
st.markdown(
    ctx.t(
        "help_sources_body",
        h1=f"{h1_day:02d}/{h1_month:02d}",
        fy=f"{fy_day:02d}/{fy_month:02d}",
        plan=escape_md(plan.title),
        issuer=issuer,
        **place,
    )
)

st.header(ctx.t("help_sample_title"))
st.warning(ctx.t("help_sample_body"), icon=":material/info:")
