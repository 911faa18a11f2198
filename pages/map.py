"""Bản đồ: the area's communes coloured by one indicator's status (or value), a legend
beside the map, and the same communes as a table under it. Choosing a commune on the
map or in the table opens its page; the indicator and colouring are in the URL.

The picker, the map and the table are one fragment: a new indicator or colouring
redraws them, not the frame (menu, sidebar) around them (issue 13.7).
"""

import streamlit as st

from i18n import escape_md
from rules.scorecard import indicator_numbers
from ui import data
from ui import map as mapview
from ui.frame import PageContext, indicator_picker, page_context, url_widget
from ui.scorecard import when_text

ctx = page_context("map")
when = when_text(ctx.period, ctx.year, ctx.lang)
st.title(ctx.t("map_title", area=escape_md(ctx.area.name), when=when), anchor=False)


@st.fragment
def map_and_table(ctx: PageContext, when: str) -> None:
    """The controls, the map, its legend and the commune table."""
    t, plan, lang = ctx.t, ctx.plan, ctx.lang
    numbers = indicator_numbers(plan)
    # Controls and legend beside the map, so the whole map fits a 1280x720 screen.
    map_col, side_col = st.columns([2.7, 1.2], gap="medium")
    with side_col:
        ind = indicator_picker(ctx, t("map_indicator"))
        mode = url_widget(
            st.radio,
            t("map_colour_by"),
            ["status", "value"],
            "color",
            "status",
            format_func=lambda m: t(f"map_colour_{m}"),
        )
    ind_label = f"{numbers[ind.id]}. {ind.name.get(lang)}"

    progress = data.progress(ctx.db_url, ctx.year, ctx.period, ctx.area.code)
    if not progress.communes:
        st.info(t("map_no_communes", area=escape_md(ctx.area.full_name)), icon=":material/info:")
        return
    if not progress.communes_reported:
        map_col.info(t("map_no_data", when=when, area=escape_md(ctx.area.full_name)), icon=":material/info:")
    if not ind.applies_to_communes:
        side_col.caption(t("map_area_only"))

    whole = ind.unit == "count"
    values = [progress.row(ind.id, c.code).value for c in progress.communes]
    classes = mapview.value_classes(values, whole=whole) if mode == "value" else []
    painted = mapview.paint_communes(ind, progress, mode, lang, classes)
    shapes = mapview.commune_shapes(ctx.db_url, ctx.area.code, ctx.year, ctx.period)
    extra = mapview.extra_areas(ctx.db_url, ctx.area)
    deck, view = mapview.build_deck(shapes, painted, extra, mode, ind_label, lang)

    shown = mapview.how_drawn(painted, shapes)  # polygons, dots, neither
    with map_col:
        # The map's place; the deck itself is sent last (below), so that no element sent
        # after it makes the browser draw its canvas again (software WebGL in headless use).
        deck_slot = st.empty()
        if view is not None:
            drawn = mapview.drawn_caption(painted, shapes, progress.communes, lang)
            st.caption(t("map_hint_click") + (" " + t("map_disclaimer") if shown["polygons"] else ""))
            if drawn:
                st.caption(f":material/location_on: {drawn}")
    with side_col:
        st.markdown(f"**{escape_md(ind_label)}**")
        mapview.legend(painted, mode, ind, classes, whole, extra, lang, area=ctx.area, dots=bool(shown["points"]), outline=bool(shown["polygons"]))
        st.page_link("pages/indicator.py", label=t("map_link_indicator"), query_params=ctx.link_params(indicator=ind.id))

    no_shape = [c.full_name for c in progress.communes if shapes.get(c.code, ([], None)) == ([], None)]
    if no_shape:
        st.warning(t("map_no_boundary", names=escape_md(", ".join(no_shape))), icon=":material/wrong_location:")

    st.subheader(t("map_table_header", indicator=escape_md(ind_label)), anchor=False)
    st.caption(t("map_table_hint"))
    frame, codes, statuses = mapview.commune_table(painted, lang)
    chosen = mapview.show_table(frame, statuses, key="map_table")
    if chosen:
        st.switch_page("pages/commune.py", query_params=ctx.link_params(commune=codes[chosen[0]]))

    if view is None:  # no commune of the area has a boundary: the table below still works
        deck_slot.info(t("map_no_shapes", area=escape_md(ctx.area.full_name)), icon=":material/wrong_location:")
        return
    event = deck_slot.pydeck_chart(
        deck,
        height=mapview.MAP_HEIGHT,
        on_select="rerun",
        selection_mode="single-object",
        key="map",
    )
    # Item access (not attributes): AppTest seeds this state as a plain dict.
    objects = event["selection"]["objects"]
    picked = objects.get("communes", []) or objects.get(mapview.POINTS_LAYER, [])
    if picked:
        st.switch_page("pages/commune.py", query_params=ctx.link_params(commune=picked[0]["code"]))


map_and_table(ctx, when)
