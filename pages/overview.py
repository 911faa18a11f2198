"""Tổng quan: the leader's answer first, the plan's sections, then the commune grid.

The first screen (1280x720, no scrolling) is the verdict with its change since the
compare year, the indicators most needing direction and the communes most behind, each
a link (ui/leader.py). Then the sections' tables (a row opens the indicator) and the
commune x indicator grid (a cell opens the commune); every link keeps the filters. For
a province or the whole country the grid lists its provinces or districts. The grid's
toggles redraw only the grid (a fragment), not the page.
"""

import streamlit as st

from i18n import fmt_number
from ui import data, leader, pace_view, reform
from ui import exports as ex
from ui import followup_view as fv
from ui import scorecard as sc
from ui.frame import page_context
from ui.printing import print_button

ctx = page_context("overview")
t = ctx.t
when = sc.when_text(ctx.period, ctx.year, ctx.lang)
with st.container(horizontal=True, horizontal_alignment="right", key="overview_tools"):
    ex.brief_button(ctx)
    print_button(ctx.lang)
st.title(t("overview_title", area=ctx.area.full_name, when=when), anchor=False)

progress = data.progress(ctx.db_url, ctx.year, ctx.period, ctx.area.code)
if not progress.communes:
    st.info(t("overview_no_communes", area=ctx.area.full_name), icon=":material/info:")
    st.stop()
if not progress.communes_reported:
    st.info(t("overview_no_data", when=when, area=ctx.area.full_name), icon=":material/info:")
    st.stop()

reform.show_area_ended(progress, when, ctx.lang)
leader.first_screen(ctx, progress)
now = sc.area_values(ctx, progress, ctx.year)
then = sc.area_values(ctx, progress, ctx.compare_year)
if not any(v.reported for v in then.values()):
    st.caption(t("overview_compare_empty", when=sc.when_text(ctx.period, ctx.compare_year, ctx.lang)))
# Across the 2025 reform the compared year is the old communes' figures, added up: say so.
reform.show_area(
    reform.compare_sources(ctx.db_url, progress, ctx.compare_year, ctx.plan.used_data_elements()),
    progress.communes,
    ctx.lang,
    key="overview_reform",
)

# H1: will the year's report reach the targets at this pace? (the leader's June question)
pace_view.section(
    ctx,
    progress,
    [c.code for c in progress.communes],
    key="overview_pace",
    where=t("pace_where_area", area=ctx.area.full_name),
)
st.header(t("overview_indicators_header"), anchor=False)
units = reform.unit_words(progress.communes, ctx.lang)
st.caption(t("overview_indicators_hint", n=fmt_number(len(progress.communes), lang=ctx.lang), units=units))
sc.indicator_tables(ctx, progress, now, then)


@st.fragment
def grid_section() -> None:
    """The grid and its toggles: a toggle reruns this part only."""
    if sc.shows_parts(progress):
        parts = reform.unit_words(progress.parts, ctx.lang, default=t(f"level_{progress.parts[0].level}").lower())
        st.header(t("overview_part_header", parts=parts), anchor=False)  # "Từng huyện, thành phố": the tree's
        st.caption(
            t("overview_part_hint", n=len(progress.parts), communes=fmt_number(len(progress.communes), lang=ctx.lang))
        )
        sc.grid_legend(ctx)
        values = st.toggle(t("overview_show_values"), value=False, key="overview_show_values")
        sc.part_grid(ctx, progress, values)
    else:
        st.header(t("overview_grid_header"), anchor=False)
        st.caption(t("overview_grid_hint", previous=ctx.year - 1))
        marks = fv.cell_marks(ctx)
        sc.grid_legend(ctx, marker_note=bool(marks))
        left, right = st.columns(2)
        off_track_first = left.toggle(t("overview_off_track_first"), value=True, key="overview_off_track_first")
        values = right.toggle(t("overview_show_values"), value=False, key="overview_show_values")
        sc.commune_grid(ctx, progress, off_track_first, values, marks)


grid_section()
sc.ineligible_note(ctx, progress)
