"""Họp Ban chỉ đạo: the steering committee's meeting, from opening to its record.

Without `meeting=<id>` in the URL: the form that opens a meeting for a date and the
area (freezing the figures of the chosen year and period) and the past meetings, each
a link. With it: the figures as frozen, the directions due since the last meeting with
their status, directions given from the red cells during the meeting, the conclusions
and close, and the record (.docx) to download.
"""

import streamlit as st

from ui import followup_view as fv
from ui import meeting_view as mv
from ui.frame import page_context, url_widget

ctx = page_context("meeting")
meeting = mv.meeting_from_url(ctx)
if meeting is None:
    st.title(ctx.t("meeting_page_title", area=ctx.area.full_name), anchor=False)
    st.caption(ctx.t("meeting_page_hint"))
    fv.flash()
    mv.open_form(ctx)
    mv.past_meetings(ctx)
    st.stop()

mv.header(ctx, meeting)
snapshot = mv.snapshot(ctx, meeting)
# The part shown is in the URL (`part=due`): it survives the reruns of a save and can be
# projected or shared as a link, like a slide.
part = url_widget(
    st.radio,
    ctx.t("meeting_part"),
    mv.PARTS,
    "part",
    mv.PARTS[0],
    format_func=lambda p: ctx.t(f"meeting_tab_{p}"),
    horizontal=True,
    label_visibility="collapsed",
)
fv.flash()
if part == "figures":
    mv.frozen_figures(ctx, meeting, snapshot)
elif part == "due":
    mv.due_section(ctx, meeting)
elif part == "given":
    mv.given_section(ctx, meeting, mv.red_cells(ctx, meeting, snapshot))
else:
    mv.close_section(ctx, meeting)
