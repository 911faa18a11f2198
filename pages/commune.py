"""Xã: one commune against the plan — has it reported, why a recognised commune does
not count, every indicator with its target, status, change and rank among the
communes, and one indicator's history. The commune and indicator are in the URL
(`commune=<code>`, `indicator=<id>`), so the view can be shared as a link.
"""

import streamlit as st

from i18n import escape_md, unit_words
from ui import commune_view as view
from ui import data, pace_view, reform
from ui import followup_view as fv
from ui.frame import indicator_picker, page_context, url_widget
from ui.printing import print_button
from ui.scorecard import when_text

ctx = page_context("commune")
t, plan, lang = ctx.t, ctx.plan, ctx.lang
when = when_text(ctx.period, ctx.year, lang)
communes = data.communes_of(ctx.db_url, ctx.area.code, ctx.year, ctx.period)
if not communes:
    st.title(t("nav_commune"), anchor=False)
    st.info(t("commune_no_communes", area=escape_md(ctx.area.full_name)), icon=":material/info:")
    st.stop()

by_code = {c.code: c for c in communes}
title_col, pick_col = st.columns([3, 2], vertical_alignment="bottom")
with pick_col:
    code = url_widget(
        st.selectbox,
        t("commune_pick", units=reform.unit_words(communes, lang)),
        list(by_code),
        "commune",
        communes[0].code,
        format_func=lambda c: view.option_label(by_code[c]),
    )
commune = by_code[code]
with title_col:
    print_button(ctx.lang)
    st.title(escape_md(commune.full_name), anchor=False)
st.caption(t("commune_subtitle", area=escape_md(ctx.area.full_name), when=when, code=commune.code))
fv.flash()
fv.add_link(ctx, commune=commune.code)

back_link = st.container()  # filled once the indicator is known, so the map shows it too

progress = data.progress(ctx.db_url, ctx.year, ctx.period, ctx.area.code)
reported = view.report_status(ctx, progress, commune)
if reported:
    view.eligibility_warnings(ctx, progress, commune)
    view.summary(ctx, progress, commune)
    st.header(t("commune_indicators_header", when=when, unit=unit_words([commune.type], ctx.lang)), anchor=False)
    st.caption(t("commune_indicators_hint", year=ctx.compare_year))
    then = view.figures_for_year(ctx, progress, ctx.compare_year)
    view.indicator_tables(ctx, progress, commune, then, fv.latest_notes(ctx, commune.code))
    pace_view.section(ctx, progress, [commune.code], key="commune_pace", where=escape_md(commune.full_name))

st.header(t("commune_history_header", period=t(f"period_{ctx.period}")), anchor=False)
ind = indicator_picker(ctx, t("commune_history_pick"))
view.history(ctx, ind, commune, fv.year_notes(ctx, commune.code, ind.id))
fv.notes_list(ctx, commune.code, ind.id)
actions = st.container(horizontal=True, gap="small")
with actions:
    fv.note_form(ctx, commune.code, ind.id, key="commune_note")
    fv.add_link(ctx, commune=commune.code, indicator=ind.id, label_key="followup_assign_cell")
st.page_link(
    "pages/indicator.py",
    label=t("commune_link_indicator"),
    icon=":material/monitoring:",
    query_params=ctx.link_params(indicator=ind.id),
)
back_link.page_link(
    "pages/map.py",
    label=t("commune_back_to_map"),
    icon=":material/map:",
    query_params=ctx.link_params(indicator=ind.id),
)
