"""Việc cần theo dõi: the steering committee's directions for the area, overdue first.

Filters by place (`commune=<code>` in the URL, the area's own code for "the whole
district"), indicator (`indicator=<id>`), status and due date; `add=1` opens the add
form pre-filled with the place and indicator (the "Giao việc" links of the overview,
commune, indicator and projector pages). Each direction shows its follow-up notes; an
editor of the place updates its status with a note.
"""

import streamlit as st

from ui import followup_view as fv
from ui.frame import page_context, url_widget

ctx = page_context("followup")
t = ctx.t
st.title(t("followup_title", area=ctx.area.full_name), anchor=False)
st.caption(t("followup_subtitle"))
fv.flash()

units = fv.places(ctx)
by_code = {u.code: u for u in units}
ind_ids = ["", *[ind.id for ind in ctx.plan.indicators]]
c1, c2, c3, c4 = st.columns([3, 3, 3, 2], vertical_alignment="bottom")
with c1:
    place = url_widget(
        st.selectbox,
        t("followup_filter_place"),
        ["", *by_code],
        "commune",
        "",
        format_func=lambda c: t("followup_filter_all_places") if not c else fv.place_label(ctx, by_code[c]),
    )
with c2:
    indicator = url_widget(
        st.selectbox,
        t("followup_filter_indicator"),
        ind_ids,
        "indicator",
        "",
        format_func=lambda i: t("followup_filter_all_indicators") if not i else fv.indicator_label(ctx, i),
    )
statuses = c3.multiselect(
    t("followup_filter_status"),
    list(fv.STATUS_ORDER),
    default=["overdue", "in_progress"],
    format_func=lambda s: t(f"followup_status_{s}"),
    key="followup_status",
)
due_to = c4.date_input(t("followup_filter_due"), value=None, format="DD/MM/YYYY", key="followup_due_to")

rows = [
    d
    for d in fv.directions(ctx, status=statuses or None, indicator_id=indicator or None, due_to=due_to)
    if not place or d.area_code == place
]
if fv.can_edit(ctx) or any(fv.can_edit(ctx, u.code) for u in units[1:]):
    opened = st.query_params.get("add") == "1"
    with st.expander(t("followup_add_title"), expanded=opened, icon=":material/assignment_add:"):
        fv.add_form(ctx, key="followup_add", commune=place or None, indicator=indicator or None)

st.subheader(t("followup_list_header", n=len(rows)), anchor=False)
if rows:
    st.caption(fv.counts_line(ctx, rows))
fv.direction_list(ctx, rows, key="followup_list")
