"""Chỉ tiêu: one indicator across the communes — how it is computed, where the area
stands against the target, the communes ranked, the trend, and who is off track.

The chosen indicator is in the URL (`indicator=<id>`), so a view can be shared as a link.
"""

import streamlit as st

from rules.scorecard import indicator_numbers
from ui import data, pace_view
from ui import followup_view as fv
from ui import indicator_view as view
from ui import scorecard as sc
from ui.frame import indicator_picker, page_context
from ui.printing import print_button

ctx = page_context("indicator")
t = ctx.t
plan = ctx.plan
numbers = indicator_numbers(plan)
# The URL carries the indicator's id (?indicator=cfc_rate), not its label.
ind = indicator_picker(ctx, t("indicator_pick"))
when = sc.when_text(ctx.period, ctx.year, ctx.lang)
print_button(ctx.lang)
fv.flash()
st.title(view.option_label(numbers, ind, ctx.lang, markdown=True), anchor=False)
st.caption(t("indicator_subtitle", group=view.group_name(ind, ctx.lang), area=ctx.area.full_name, when=when))

progress = data.progress(ctx.db_url, ctx.year, ctx.period, ctx.area.code)
with st.expander(t("indicator_how_computed"), expanded=False):
    view.definition(ctx, ind)
if not progress.communes_reported:
    st.info(t("indicator_no_data", when=when, area=ctx.area.full_name), icon=":material/info:")
    st.stop()

view.standing(ctx, ind, progress, view.change_text(ctx, ind, progress))
pace_view.indicator_line(ctx, ind, progress)
fv.add_link(ctx, indicator=ind.id, label_key="followup_assign_indicator")

left, right = st.columns([3, 2], gap="large")
with left:
    st.subheader(view.ranked_header(ctx, progress), anchor=False)
    view.ranked(ctx, ind, progress)
    fv.notes_list(ctx, None, ind.id)
with right:
    st.subheader(t("indicator_trend_header", period=t(f"period_{ctx.period}")), anchor=False)
    view.trend(ctx, ind, progress, fv.year_notes(ctx, ctx.area.code, ind.id))
    fv.note_form(ctx, ctx.area.code, ind.id, key="indicator_note")

st.subheader(t("indicator_off_track_header"), anchor=False)
view.off_track(ctx, ind, progress)
st.subheader(t("indicator_missing_header"), anchor=False)
view.missing(ctx, ind, progress)
