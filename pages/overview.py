"""Tổng quan: the plan's scorecard for the area, then the commune x indicator grid.

A leader reads the headline in five seconds, scans the sections, and clicks a row (an
indicator) or a grid cell (a commune) to drill down; every link keeps the filters. For a
province or the whole country the grid lists its provinces or districts, and a cell
opens that area's own overview.
"""

import streamlit as st

from i18n import fmt_number
from ui import data
from ui import scorecard as sc
from ui.frame import page_context

ctx = page_context("overview")
t = ctx.t
when = sc.when_text(ctx.period, ctx.year, ctx.lang)
st.title(t("overview_title", area=ctx.area.full_name, when=when), anchor=False)

progress = data.progress(ctx.db_url, ctx.year, ctx.period, ctx.area.code)
if not progress.communes:
    st.info(t("overview_no_communes", area=ctx.area.full_name), icon=":material/info:")
    st.stop()
if not progress.communes_reported:
    st.info(t("overview_no_data", when=when, area=ctx.area.full_name), icon=":material/info:")
    st.stop()

sc.headline(ctx, progress)
now = sc.area_values(ctx, progress, ctx.year)
then = sc.area_values(ctx, progress, ctx.compare_year)
if not any(v.reported for v in then.values()):
    st.caption(t("overview_compare_empty", when=sc.when_text(ctx.period, ctx.compare_year, ctx.lang)))

st.header(t("overview_indicators_header"), anchor=False)
st.caption(t("overview_indicators_hint", n=fmt_number(len(progress.communes), lang=ctx.lang)))
sc.indicator_tables(ctx, progress, now, then)

if sc.shows_parts(progress):
    level = progress.parts[0].level
    st.header(t(f"overview_part_header_{level}" if level == "province" else "overview_part_header"), anchor=False)
    st.caption(
        t("overview_part_hint", n=len(progress.parts), communes=fmt_number(len(progress.communes), lang=ctx.lang))
    )
    sc.part_grid(ctx, progress)
else:
    st.header(t("overview_grid_header"), anchor=False)
    off_track_first = st.toggle(t("overview_off_track_first"), value=True, key="overview_off_track_first")
    st.caption(t("overview_grid_hint"))
    sc.commune_grid(ctx, progress, off_track_first)
sc.ineligible_note(ctx, progress)
