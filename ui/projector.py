"""Projector mode: four slides for a steering-committee meeting, one message each.

1. scorecard — how many indicators are met / at risk / not met, and the worst ones;
2. map — the communes coloured *and* marked (✔ ▲ ✖ ?) by one indicator's status (a
   country's map shows its provinces, each judged as an area);
3. off track — the communes with the most indicators not met, names large;
4. trends — child drowning deaths and injuries over the years.

Small sensitive counts (drowning deaths…) arrive masked ("<5", "*") from `ui.data` on
the projector and are shown as such, never summed back.

The slide number lives in the URL (`?slide=3` opens slide 3); `?every=30` sets the
auto-advance interval in seconds (default 20) and `?play=0` opens paused. The timer is
an `st.fragment(run_every=...)`, never a sleeping loop. Text sizes follow the screen
height (vh) so a slide fits 1920x1080 and stays readable at 1280x720; the CSS below is
static (built from constants only, never from data).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import pairwise

import altair as alt
import pandas as pd
import pydeck as pdk
import streamlit as st

from data_access.progress import Progress
from i18n import escape_md, fmt_date, fmt_number, fmt_target, local_today
from rules import ProgressRow
from rules.model import JUDGED_STATUSES, STATUSES, Indicator
from rules.scorecard import OffTrack, focus_indicator, off_track_worst_first, status_counts
from rules.scorecard import communes_off_track as rules_off_track
from rules.suppression import Hidden, is_masked
from ui import data
from ui.charts import axis_label_expr
from ui.frame import PageContext, keep_in_url
from ui.map import MAX_POLYGONS, CompactDeck, label_offsets, polygons_of
from ui.plan_text import fmt_count, fmt_shown
from ui.scorecard import fmt_result, name_list
from ui.status import STATUS_COLOR, STATUS_ORDER, STATUS_RGB, STATUS_SYMBOL, status_label

SLIDES: tuple[str, ...] = ("scorecard", "map", "offtrack", "trends")
DEFAULT_EVERY = 20
MIN_EVERY, MAX_EVERY = 3, 600
TREND_ELEMENTS: tuple[str, ...] = ("drowning_deaths", "injury_cases")  # standard element ids
# Two renderings of the map (the zoom is fixed when the page is drawn): one sized for
# screens up to 1280x720-ish, one for 1920x1080; CSS shows the one that fits the screen.
# Each: (name, pixels the district must fit in, label size in pixels).
MAP_SIZES = (("s", (820, 400), 18), ("l", (1250, 600), 24))
# Names on the map only while they can be read (a district: 17 communes); the status
# symbol alone up to MAX_SYMBOLS shapes (a province's communes, a country's provinces);
# colour alone beyond, with the legend. A province's hundreds of names overlapped.
MAX_LABELS = 40
MAX_SYMBOLS = 300
# Communes named as not reported on a slide, in its large type, before "and N more".
NAMES_ON_SLIDE = 12
# Above `ui.map.MAX_POLYGONS` communes (the country) the map shows the area's provinces
# (or districts), each in the colour of its own pooled status: two decks of 10,600
# labelled commune polygons sent ~23 MB and took 20-30 s to show. Without such parts,
# a dot per commune at its centroid.
DOT_RADIUS_PX = 2.0  # on the small rendering; 10,600 dots about tile the country
VALUE_COLOR, VALUE_COLOR_LIGHT = "#0072B2", "#8DBFE0"  # Okabe-Ito blue: the selected year darker

# Session keys.
SLIDE, PLAY, EVERY, SHOWN_AT, RERUN_APP = "proj_slide", "proj_play", "proj_every", "proj_shown_at", "proj_rerun_app"
URL_WRITTEN = "proj_url_slide"  # the `slide` value this session last put in the URL

_CARDS = "\n".join(
    f".st-key-proj_card_{s}, .st-key-proj_legend_{s} {{ background: {c}24; border-left: 1.1vw solid {c}; }}"
    for s, c in STATUS_COLOR.items()
)
STYLE = f"""<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"] {{ display: none !important; }}
[data-testid="stMainBlockContainer"] {{ padding: 1.6vh 2.4vw 8vh 2.4vw; max-width: 100%; }}
.st-key-proj_title p {{ font-size: clamp(26px, 5.4vh, 80px); font-weight: 800; line-height: 1.1; margin: 0; }}
.st-key-proj_subtitle p {{ font-size: clamp(16px, 2.8vh, 42px); color: #333; margin: 0; }}
[class*="st-key-proj_num_"] p {{ font-size: clamp(48px, 13vh, 190px); font-weight: 800; line-height: 1.05; margin: 0; }}
[class*="st-key-proj_word_"] p {{ font-size: clamp(22px, 4.6vh, 66px); font-weight: 700; line-height: 1.25; margin: 0; }}
[class*="st-key-proj_card_"], [class*="st-key-proj_legend_"], [class*="st-key-proj_commune_"] {{
  border-radius: 10px; padding: 1.6vh 1.2vw 2.2vh 1.4vw;
}}
[class*="st-key-proj_commune_"] {{ background: #F2F2F2; border-left: 1.1vw solid {STATUS_COLOR["not_met"]}; }}
[class*="st-key-proj_name_"] p {{ font-size: clamp(30px, 5.8vh, 84px); font-weight: 800; line-height: 1.1; margin: 0; }}
[class*="st-key-proj_line_"] p {{ font-size: clamp(18px, 3.2vh, 46px); font-weight: 700; line-height: 1.25; margin: 0; }}
[class*="st-key-proj_detail_"] p, [class*="st-key-proj_detail_"] li {{ font-size: clamp(15px, 2.3vh, 34px); margin: 0; }}
[class*="st-key-proj_detail_"] ul {{ padding-left: 1.2em; margin: 0; }}
[class*="st-key-proj_detail_s_"] {{ display: none !important; }}
@media (max-height: 800px) {{  /* small screens: one indicator per commune card, then "and N more" */
  [class*="st-key-proj_detail_s_"] {{ display: flex !important; }}
  [class*="st-key-proj_detail_l_"] {{ display: none !important; }}
}}
.st-key-proj_list p, .st-key-proj_list li {{ font-size: clamp(18px, 3.6vh, 52px); line-height: 1.3; margin: 0 0 0.4vh 0; }}
.st-key-proj_list h3 {{ font-size: clamp(20px, 4vh, 58px); padding: 0.6vh 0; }}
.st-key-proj_summary p, .st-key-proj_note p {{ font-size: clamp(20px, 2.8vh, 40px); margin: 0; }}
[class*="st-key-proj_legend_"] p {{ font-size: clamp(18px, 3.4vh, 50px); font-weight: 700; margin: 0; }}
[class*="st-key-proj_mapbox_"] {{ height: 55vh !important; min-height: 55vh; }}
.st-key-proj_mapbox_l {{ display: none !important; }}
@media (min-height: 1000px) and (min-width: 1700px) {{
  .st-key-proj_mapbox_s {{ display: none !important; }}
  .st-key-proj_mapbox_l {{ display: flex !important; }}
}}
[class*="st-key-proj_chartbox_"] {{ height: 52vh !important; min-height: 52vh; }}
.st-key-proj_controls button {{ min-height: 5vh; min-width: 0; padding: 0 0.8vw; }}
.st-key-proj_controls button p, .st-key-proj_controls button span {{ font-size: clamp(15px, 2.4vh, 34px); }}
.st-key-proj_footer {{
  position: fixed; left: 0; right: 0; bottom: 0; z-index: 10; background: #FFFFFF;
  padding: 0.8vh 2.4vw; border-top: 1px solid #DDDDDD;
}}
.st-key-proj_protected p {{ font-size: clamp(20px, 2.8vh, 40px); color: #333; margin: 0; }}
.st-key-proj_footer p {{ font-size: clamp(20px, 2.8vh, 34px); color: #333; margin: 0; }}
.st-key-proj_footer a p {{ font-size: clamp(20px, 2.8vh, 34px); }}
{_CARDS}
</style>"""


def style() -> None:
    """Hide the sidebar and toolbar, and size the text for the room (static CSS)."""
    st.html(STYLE)


# --------------------------------------------------------------------------- state and URL


def _int_param(name: str, default: int, low: int, high: int) -> int:
    raw = st.query_params.get(name)
    try:
        value = int(str(raw))
    except (TypeError, ValueError):
        return default
    return min(max(value, low), high)


def start() -> None:
    """Full runs only: take the slide, interval and play state from the URL."""
    state = st.session_state
    raw = st.query_params.get("slide")
    # Only a URL changed from outside (a link, back/forward) moves the slide; otherwise
    # the buttons and the timer have moved it and the URL follows.
    if SLIDE not in state or raw != state.get(URL_WRITTEN):
        slide = _int_param("slide", 1, 1, len(SLIDES))
        if str(slide) != (raw or "1"):
            slide = 1  # out of range or not a number: the first slide
        state[SLIDE] = slide
        state[SHOWN_AT] = time.time()
    state[EVERY] = _int_param("every", DEFAULT_EVERY, MIN_EVERY, MAX_EVERY)
    if PLAY not in state:
        state[PLAY] = st.query_params.get("play") != "0"
    state.setdefault(SHOWN_AT, time.time())


def _go(step: int) -> None:
    state = st.session_state
    state[SLIDE] = (state[SLIDE] - 1 + step) % len(SLIDES) + 1
    state[SHOWN_AT] = time.time()


def _go_to(n: int) -> None:
    st.session_state[SLIDE] = n
    st.session_state[SHOWN_AT] = time.time()


def _toggle_play() -> None:
    state = st.session_state
    state[PLAY] = not state[PLAY]
    state[SHOWN_AT] = time.time()
    state[RERUN_APP] = True  # the timer is set when the fragment is defined: a full run


def show(ctx: PageContext, under: dict[str, Callable[[PageContext, Progress], None]] | None = None) -> None:
    """The deck: a fragment that reruns on its own every `every` seconds while playing.
    `under`: what to draw under a given slide (the "Giao việc" links under the communes
    behind), inside the slide so every slide still fits the screen."""
    state = st.session_state
    every = state[EVERY] if state[PLAY] else None
    st.fragment(_deck, run_every=every)(ctx, under or {})


def _deck(ctx: PageContext, under: dict[str, Callable[[PageContext, Progress], None]]) -> None:
    state = st.session_state
    # Read on every tick (cached): figures imported during the meeting show up on the next slide.
    progress = data.progress(ctx.db_url, ctx.year, ctx.period, ctx.area.code)
    if state.pop(RERUN_APP, False):
        st.rerun()
    # A timer tick: move on once the slide has been up for (nearly) the interval.
    if state[PLAY] and time.time() - state[SHOWN_AT] >= state[EVERY] * 0.8:
        _go(1)
    n = state[SLIDE]
    keep_in_url("slide", n, 1)
    state[URL_WRITTEN] = None if n == 1 else str(n)
    slide = SLIDES[n - 1]

    head, controls = st.columns([5, 3], vertical_alignment="center")
    with head:
        with st.container(key="proj_title"):
            st.markdown(ctx.t(_slide_title_key(slide, progress)))
        with st.container(key="proj_subtitle"):
            st.markdown(_subtitle(ctx))
    with controls:
        _controls(ctx, n)
    with st.container(key=f"proj_body_{slide}"):
        DRAW[slide](ctx, progress)
        if slide in under:
            under[slide](ctx, progress)
    _footer(ctx, n)


def _subtitle(ctx: PageContext) -> str:
    return escape_md(
        ctx.t("projector_subtitle", area=ctx.area.full_name, year=ctx.year, period=ctx.t(f"period_{ctx.period}"))
    )


def _controls(ctx: PageContext, n: int) -> None:
    playing = st.session_state[PLAY]
    bar = st.container(horizontal=True, horizontal_alignment="right", key="proj_controls", gap="small")
    bar.button("◀", key="proj_btn_prev", help=ctx.t("projector_prev"), on_click=_go, args=(-1,))
    bar.button(
        ctx.t("projector_pause") if playing else ctx.t("projector_play"),
        key="proj_btn_play",
        icon=":material/pause:" if playing else ":material/play_arrow:",
        on_click=_toggle_play,
    )
    bar.button("▶", key="proj_btn_next", help=ctx.t("projector_next"), on_click=_go, args=(1,))
    for i, key in enumerate(SLIDES, start=1):
        bar.button(
            str(i),
            key=f"proj_btn_goto_{i}",
            type="primary" if i == n else "secondary",
            help=ctx.t("projector_goto", n=i, title=ctx.t(f"projector_slide_{key}")),
            on_click=_go_to,
            args=(i,),
        )


def _footer(ctx: PageContext, n: int) -> None:
    state = st.session_state
    playing = ctx.t("projector_state_playing", every=state[EVERY]) if state[PLAY] else ctx.t("projector_state_paused")
    text = ctx.t(
        "projector_footer",
        area=ctx.area.full_name,
        year=ctx.year,
        period=ctx.t(f"period_{ctx.period}"),
        n=n,
        total=len(SLIDES),
        state=playing,
        today=fmt_date(local_today(), ctx.lang),
    )
    with st.container(key="proj_footer", horizontal=True, vertical_alignment="center"):
        st.markdown(escape_md(text), width="stretch")
        st.page_link(
            "pages/overview.py", label=ctx.t("projector_exit"), icon=":material/close:", query_params=ctx.link_params()
        )


# --------------------------------------------------------------------------- slide 1: scorecard


def _has_figures(progress: Progress) -> bool:
    return any(progress.figures.get(c.code) for c in progress.communes)


def _no_data(ctx: PageContext) -> None:
    period = ctx.t(f"period_{ctx.period}")
    with st.container(key="proj_list"):
        st.markdown(ctx.t("projector_no_data", period=period, year=ctx.year, area=escape_md(ctx.area.full_name)))


def _count_card(ctx: PageContext, status: str, count: int) -> None:
    with st.container(key=f"proj_card_{status}"):
        with st.container(key=f"proj_num_{status}"):
            st.markdown(f"{STATUS_SYMBOL[status]} {count}")
        with st.container(key=f"proj_word_{status}"):
            st.markdown(f"{ctx.t('status_' + status)}")


def shown_value(ind: Indicator, row: ProgressRow, lang: str) -> str:
    """The value with the decimals needed to see its status (2,04 % "at risk" against
    "< 2 %", not "2,0 %"), as on the pages; a protected count prints its mask."""
    if row.value is None or is_masked(row.value):
        return fmt_shown(row.value, ind.unit, lang)
    return fmt_result(row.value, ind, lang, row.expected)


def _indicator_line(ctx: PageContext, row: ProgressRow) -> str:
    ind = ctx.plan.indicator(row.indicator_id)
    return ctx.t(
        "projector_worst_line",
        name=escape_md(ind.name.get(ctx.lang)),
        value=escape_md(shown_value(ind, row, ctx.lang)),
        target=escape_md(fmt_target(ind.targets.get(ctx.year), ind.unit, ctx.lang)),
    )


def scorecard_slide(ctx: PageContext, progress: Progress) -> None:
    if not _has_figures(progress):
        _no_data(ctx)
        return
    counts = status_counts(progress.area_rows)
    cols = st.columns(3, gap="medium")
    for col, key in zip(cols, JUDGED_STATUSES, strict=True):
        with col:
            _count_card(ctx, key, counts[key])
    with st.container(key="proj_summary"):
        st.markdown(
            ctx.t(
                "projector_counts_summary",
                total=len(progress.area_rows),
                met=counts["met"],
                at_risk=counts["at_risk"],
                not_met=counts["not_met"],
                no_data=counts["no_data"],
                no_target=counts["no_target"],
            )
            + (ctx.t("projector_counts_not_applicable", n=counts["not_applicable"]) if counts["not_applicable"] else "")
        )
        if counts["no_target"] == len(progress.area_rows):
            st.markdown(ctx.t("projector_no_targets", year=ctx.year))
    worst = off_track_worst_first(progress.area_rows, 5)
    with st.container(key="proj_list"):
        st.markdown(f"### {ctx.t('projector_worst_title')}")
        if not worst:
            st.markdown(ctx.t("projector_worst_none"))
        for row in worst:
            st.markdown(f"{STATUS_SYMBOL[row.status]} {_indicator_line(ctx, row)}")


# --------------------------------------------------------------------------- slide 2: map


def headline_indicator(ctx: PageContext, progress: Progress) -> Indicator:
    """`?indicator=` if valid, else the meeting's focus (`rules.scorecard.focus_indicator`)."""
    wanted = st.query_params.get("indicator")
    if wanted in {ind.id for ind in ctx.plan.indicators}:
        return ctx.plan.indicator(wanted)
    return focus_indicator(ctx.plan, progress.area_rows)


def _view(geometries: list[dict], fit: tuple[int, int]) -> pdk.ViewState:
    """Centre and zoom that fit every boundary in `fit` (width, height) pixels."""
    lons, lats = [], []

    def walk(coords: object) -> None:
        if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
            lons.append(float(coords[0]))
            lats.append(float(coords[1]))
        elif isinstance(coords, (list, tuple)):
            for c in coords:
                walk(c)

    for g in geometries:
        walk(g.get("coordinates"))
    if not lons:
        return pdk.ViewState(latitude=21.0, longitude=106.0, zoom=6)
    dx = max(max(lons) - min(lons), 0.01)
    dy = max(max(lats) - min(lats), 0.01) / math.cos(math.radians((max(lats) + min(lats)) / 2))
    zoom = min(math.log2(fit[0] * 360 / (512 * dx)), math.log2(fit[1] * 360 / (512 * dy)))  # 512-px world at zoom 0
    return pdk.ViewState(latitude=(max(lats) + min(lats)) / 2, longitude=(max(lons) + min(lons)) / 2, zoom=zoom)


def _area(geometry: dict) -> float:
    """Rough size of a (multi)polygon in square degrees (outer rings, shoelace)."""
    polygons = geometry.get("coordinates") or []
    if geometry.get("type") == "Polygon":
        polygons = [polygons]
    total = 0.0
    for poly in polygons:
        ring = poly[0] if poly else []
        total += abs(sum(x1 * y2 - x2 * y1 for (x1, y1, *_), (x2, y2, *_) in pairwise(ring))) / 2
    return total


def commune_map(rows: dict[str, ProgressRow], bounds: list, fit: tuple[int, int], label_size: int) -> pdk.Deck:
    """Areas (communes, or the provinces of a country) filled with their status colour
    and labelled with symbol and name; with many, the symbol alone, in black on the fill."""
    features, labels = [], []
    named, marked = len(bounds) <= MAX_LABELS, len(bounds) <= MAX_SYMBOLS
    for b in bounds:
        s = rows[b.code].status if b.code in rows else "no_data"
        features.append({"type": "Feature", "geometry": b.geometry, "properties": {"fill": [*STATUS_RGB[s], 210]}})
        if b.centroid and marked:
            text = f"{STATUS_SYMBOL[s]} {b.name}" if named else STATUS_SYMBOL[s]
            labels.append({"lat": b.centroid[0], "lon": b.centroid[1], "text": text, "area": _area(b.geometry)})
    view = _view([b.geometry for b in bounds], fit)
    # A symbol sits inside its own shape: only names need moving apart.
    found = label_offsets(labels, view.zoom, label_size) if named else [None for _ in labels]
    offsets = [f[0] if f is not None else [0, 0] for f in found]  # every commune keeps its name
    for label, offset in zip(labels, offsets, strict=True):
        label["offset"] = offset
        del label["area"]
    layers = [
        pdk.Layer(
            "GeoJsonLayer",
            {"type": "FeatureCollection", "features": features},
            id="proj_communes",
            filled=True,
            stroked=True,
            get_fill_color="properties.fill",
            get_line_color=[255, 255, 255],
            line_width_min_pixels=2 if marked else 1,
        ),
    ]
    if labels:
        box = (
            {"background": True, "get_background_color": [255, 255, 255, 225], "background_padding": [4, 2]}
            if named
            else {}  # a white box would hide the small shape's colour
        )
        layers.append(
            pdk.Layer(
                "TextLayer",
                pd.DataFrame(labels),
                id="proj_labels",
                get_position=["lon", "lat"],
                get_text="text",
                get_pixel_offset="offset",
                get_size=label_size if named else round(label_size * 0.8),
                get_color=[20, 20, 20],
                # pydeck turns bare strings into accessors; quoted ones stay literal.
                font_family="'sans-serif'",
                font_weight=700,
                # Every character the labels use (Vietnamese letters, status symbols).
                character_set='"' + "".join(sorted({ch for item in labels for ch in item["text"]} - {'"'})) + '"',
                **box,
            )
        )
    # No basemap and no tile requests: map_provider=None with pydeck's default map_style
    # sentinel (map_style=None makes Streamlit fetch a Carto style from the internet).
    return CompactDeck(layers=layers, initial_view_state=view, map_provider=None, tooltip=False)


def _centroid(b: data.Boundary) -> tuple[float, float] | None:
    """(lat, lon) of a boundary: its stored centroid, else the middle of its extent."""
    if b.centroid:
        return b.centroid
    lons: list[float] = []
    lats: list[float] = []
    for polygon in polygons_of(b.geometry):
        for lon, lat in polygon[0] if polygon else []:
            lons.append(lon)
            lats.append(lat)
    return ((min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2) if lons else None


def commune_dots(rows: dict[str, ProgressRow], bounds: list, fit: tuple[int, int]) -> pdk.Deck:
    """Many communes and no provinces or districts to show instead: a dot per commune in
    its status colour, in code order (no status drawn over another, so the mix of colours
    shows the real shares); no labels."""
    points = []
    for b in bounds:
        where = _centroid(b)
        if where is not None:
            s = rows[b.code].status if b.code in rows else "no_data"
            points.append({"p": [round(where[1], 3), round(where[0], 3)], "f": [*STATUS_RGB[s], 230]})
    view = _view([{"coordinates": item["p"]} for item in points], fit)
    radius = DOT_RADIUS_PX * fit[1] / MAP_SIZES[0][1][1]  # the same share of the map on every screen
    layer = pdk.Layer(
        "ScatterplotLayer",
        points,
        id="proj_commune_dots",
        get_position="p",
        get_fill_color="f",
        stroked=False,
        get_radius=1,
        radius_min_pixels=radius,
        radius_max_pixels=radius,
    )
    return CompactDeck(layers=[layer], initial_view_state=view, map_provider=None, tooltip=False)


def part_bounds(ctx: PageContext, progress: Progress) -> tuple[str, list[data.Boundary]]:
    """The level ('province', 'district') and boundaries of the area's parts, when they
    are all of one level and have boundaries; else ('', [])."""
    levels = {p.level for p in progress.parts}
    if len(levels) != 1:
        return "", []
    level = levels.pop()
    data.require_read(ctx.db_url, ctx.area.code)  # before the shared cache, for every viewer
    bounds = _part_bounds(ctx.db_url, ctx.area.code, level, data.data_version(ctx.db_url))
    codes = {p.code for p in progress.parts}
    return level, [b for b in bounds if b.code in codes]


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=8)
def _part_bounds(url: str, area_code: str, level: str, version: int) -> list[data.Boundary]:
    # Rounded to 4 decimals (~10 m): a province's outline needs no more on a slide.
    return [
        replace(
            b,
            geometry={"type": "MultiPolygon", "coordinates": polygons_of(b.geometry, digits=4)},
            centroid=_centroid(b),  # where its symbol goes
        )
        for b in data.part_boundaries(url, area_code, level)
    ]


def map_slide(ctx: PageContext, progress: Progress) -> None:
    ind = headline_indicator(ctx, progress)
    rows = {r.area_code: r for r in progress.commune_rows_of(ind.id)}
    bounds = data.boundaries(ctx.db_url, ctx.area.code)
    unit, shown, shapes = "commune", rows, bounds
    if len(bounds) > MAX_POLYGONS:
        level, parts = part_bounds(ctx, progress)
        if parts:
            unit, shapes = level, parts
            shown = {p.code: row for p in progress.parts if (row := progress.part_row(ind.id, p.code)) is not None}
        else:
            unit = "dots"
    with st.container(key="proj_list"):
        st.markdown(f"### {escape_md(ind.name.get(ctx.lang))}")
    left, right = st.columns([3, 1], gap="medium")
    with left:
        if not bounds:
            st.info(ctx.t("projector_map_missing", area=ctx.area.full_name))
        else:
            if unit == "dots":
                alt = "projector_map_alt_dots"
            elif len(shapes) > MAX_SYMBOLS:
                alt = "projector_map_alt_plain"
            else:
                alt = "projector_map_alt" if unit == "commune" else f"projector_map_alt_{unit}"
            # Each box's height follows the screen (CSS, 60vh) and its map stretches to
            # fill it; CSS shows the rendering whose fixed zoom fits this screen.
            for size, fit, label_size in MAP_SIZES:
                with st.container(key=f"proj_mapbox_{size}"):
                    st.pydeck_chart(
                        commune_dots(rows, bounds, fit)
                        if unit == "dots"
                        else commune_map(shown, shapes, fit, label_size),
                        height="stretch",
                        key=f"proj_map_{size}",
                        alt=ctx.t(alt, indicator=ind.name.get(ctx.lang)),
                    )
    with right:
        notes = []
        if unit in ("province", "district"):
            by_commune = status_counts(list(rows.values()))
            counts = " · ".join(
                f"{STATUS_SYMBOL[s]} {fmt_number(by_commune[s], lang=ctx.lang)}" for s in STATUS_ORDER if by_commune[s]
            )
            notes = [ctx.t(f"projector_map_parts_note_{unit}", counts=counts)]
        elif unit == "dots":
            notes = [ctx.t("projector_map_dots_note")]
        _legend(ctx, ind, shown, progress.row(ind.id), notes, "commune" if unit == "dots" else unit)


def _legend(
    ctx: PageContext,
    ind: Indicator,
    rows: dict[str, ProgressRow],
    area_row: ProgressRow,
    notes: list[str] | None = None,
    unit: str = "commune",
) -> None:
    """Each status with how many of the areas drawn have it ("12 xã", "20 tỉnh")."""
    counts = status_counts(list(rows.values()))
    count_key = "projector_map_legend_count" if unit == "commune" else f"projector_map_legend_count_{unit}"
    for s in STATUSES:
        if counts[s] or s in JUDGED_STATUSES:
            with st.container(key=f"proj_legend_{s}"):
                count = ctx.t(count_key, count=fmt_number(counts[s], lang=ctx.lang))
                st.markdown(f"{status_label(s, ctx.lang)}: {count}")
    with st.container(key="proj_summary"):
        text = ctx.t(
            "projector_map_area",
            value=shown_value(ind, area_row, ctx.lang),
            target=fmt_target(ind.targets.get(ctx.year), ind.unit, ctx.lang),
            status=status_label(area_row.status, ctx.lang),
        )
        st.markdown(escape_md(text))
        if not ind.applies_to_communes:
            st.markdown(ctx.t("projector_map_area_only"))
    with st.container(key="proj_note"):
        for note in notes or []:
            st.markdown(note)
        st.markdown(ctx.t("projector_map_note"))


# --------------------------------------------------------------------------- slide 3: off track


def communes_off_track(progress: Progress, limit: int = 6) -> list[OffTrack]:
    """Communes with the most indicators not met (then at risk), most first."""
    return rules_off_track(progress.commune_rows, ((c.code, c.name) for c in progress.communes), limit)


def _slide_title_key(slide: str, progress: Progress) -> str:
    """ "Bản đồ theo xã", or "theo tỉnh" when the map shows a country's provinces."""
    level = progress.parts[0].level if progress.parts else ""
    if slide == "map" and len(progress.communes) > MAX_POLYGONS and level in ("province", "district"):
        return f"projector_slide_map_{level}"
    return f"projector_slide_{slide}"


def offtrack_slide(ctx: PageContext, progress: Progress) -> None:
    if not _has_figures(progress):
        _no_data(ctx)
        return
    silent = [c.name for c in progress.communes if not progress.figures.get(c.code)]
    if silent:  # above the cards, so it never meets the footer
        with st.container(key="proj_summary"):
            names = name_list(silent, ctx.lang, limit=NAMES_ON_SLIDE)
            st.markdown(escape_md(ctx.t("projector_not_reported", names=names)))
    communes = communes_off_track(progress)
    if not communes:
        with st.container(key="proj_list"):
            st.markdown(ctx.t("projector_offtrack_none"))
    for start_at in range(0, len(communes), 3):
        cols = st.columns(3, gap="medium")
        for col, item in zip(cols, communes[start_at : start_at + 3], strict=False):
            with col, st.container(key=f"proj_commune_{item.code}"):
                with st.container(key=f"proj_name_{item.code}"):
                    st.markdown(escape_md(item.name))
                with st.container(key=f"proj_line_{item.code}"):
                    line = f"{STATUS_SYMBOL['not_met']} {item.not_met} {ctx.t('status_not_met').lower()}"
                    if item.at_risk:
                        line += f" · {STATUS_SYMBOL['at_risk']} {item.at_risk} {ctx.t('status_at_risk').lower()}"
                    st.markdown(line)
                # Two indicators by name on large screens, one on small ones (CSS picks).
                for size, shown in (("l", 2), ("s", 1)):
                    with st.container(key=f"proj_detail_{size}_{item.code}"):
                        st.markdown(_indicator_list(ctx, item.indicators, shown))


def _indicator_list(ctx: PageContext, ids: tuple[str, ...], shown: int) -> str:
    lines = [f"- {escape_md(ctx.plan.indicator(i).name.get(ctx.lang))}" for i in ids[:shown]]
    if len(ids) > shown:
        lines.append(f"- {ctx.t('projector_offtrack_more', count=len(ids) - shown)}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- slide 4: trends


@dataclass(frozen=True)
class TrendPoint:
    year: int
    value: float  # may be a mask ("<5", "*") on the projector: small counts are protected
    reported: int
    total: int


def _trend_indicator(ctx: PageContext, element: str) -> Indicator | None:
    """The plan indicator counting `element` (a count first, else a rate on it)."""
    found = [ind for ind in ctx.plan.indicators if ind.numerator == element]
    found.sort(key=lambda ind: ind.unit != "count")
    return found[0] if found else None


def trend_points(ctx: PageContext, element: str, years: list[int], total: int) -> list[TrendPoint]:
    """The area's total of `element` per year with figures, on the viewed year's communes.

    Taken from the progress rows of an indicator counting it, which `ui.data` protects
    on the projector (a small sensitive total arrives as "<5"); without such an
    indicator, summed from the communes' figures, and hidden ("*") if any is hidden.
    Every year is read on the units of the viewed one (`data.view_day`): the new Bắc
    Ninh's 2020–2024 bars are its predecessors' figures summed with their shares, not
    old Bắc Giang's, whose code 24 it reused.
    """
    ind = _trend_indicator(ctx, element)
    day = data.view_day(ctx.db_url, ctx.year, ctx.period)
    out = []
    if ind is not None:
        for y in years:
            row = data.progress(ctx.db_url, y, ctx.period, ctx.area.code, on=day).row(ind.id)
            if row.reported and row.numerator is not None:
                out.append(TrendPoint(y, row.numerator, row.reported, row.total))
        return out
    history = data.history(ctx.db_url, ctx.area.code, years, ctx.period, [element], viewed_year=ctx.year)
    for y in years:
        values = [figs[element] for figs in history.get((y, ctx.period), {}).values() if element in figs]
        if values:
            value = Hidden() if any(is_masked(v) for v in values) else float(sum(values))
            out.append(TrendPoint(y, value, len(values), total))
    return out


LABEL_MAX_PX, LABEL_MIN_PX = 34, 16  # a bar's figure, read from the back of the room
DIGIT_EM = 0.62  # the width of a bold digit (and of "." between thousands), in em


def _label_size(texts: list[str]) -> alt.ExprRef:
    """The bars' figures as large as fits each bar's band of the chart's real width (a
    Vega expression: the chart stretches with the screen), so "1.774" beside "1.727"
    never runs into it at 1280x720; 34 px where there is room."""
    longest = max((len(t) for t in texts), default=1)
    band = f"width / {max(len(texts), 1)}"
    return alt.expr(f"clamp(floor(0.9 * {band} / ({longest} * {DIGIT_EM})), {LABEL_MIN_PX}, {LABEL_MAX_PX})")


def _bar_chart(ctx: PageContext, points: list[TrendPoint]) -> alt.Chart:
    df = pd.DataFrame(
        {
            "year": [str(p.year) for p in points],
            # A hidden total has no bar: its mask ("<5") sits on the axis instead.
            "value": [0.0 if is_masked(p.value) else p.value for p in points],
            "text": [fmt_count(p.value, ctx.lang) for p in points],
            "colour": [VALUE_COLOR if p.year == ctx.year else VALUE_COLOR_LIGHT for p in points],
        }
    )
    top = max([*df["value"].tolist(), 4.0])
    base = alt.Chart(df).encode(
        x=alt.X("year:O", title=ctx.t("projector_axis_year"), axis=alt.Axis(labelAngle=0)),
        y=alt.Y(
            "value:Q",
            title=ctx.t("projector_axis_children"),
            scale=alt.Scale(domain=[0, top * 1.25]),
            # Every total hidden ("<5"): a scale would only suggest numbers nobody may see.
            axis=None
            if all(is_masked(p.value) for p in points)
            else alt.Axis(labelExpr=axis_label_expr(ctx.lang), tickMinStep=1, tickCount=5),
        ),
    )
    bars = base.mark_bar(cornerRadiusTopLeft=4, cornerRadiusTopRight=4).encode(
        color=alt.Color("colour:N", scale=None),
        tooltip=[
            alt.Tooltip("year:N", title=ctx.t("projector_axis_year")),
            alt.Tooltip("text:N", title=ctx.t("projector_axis_children")),
        ],
    )
    labels = base.mark_text(
        baseline="bottom", dy=-4, fontSize=_label_size(df["text"].tolist()), fontWeight="bold", color="#111111"
    ).encode(text="text:N")
    return (
        alt.layer(bars, labels)
        .configure(font="Source Sans, Source Sans Pro, sans-serif")
        .configure_axis(
            labelFontSize=24, titleFontSize=24, titleFontWeight="normal", labelColor="#222222", titleColor="#222222"
        )
        .configure_axisY(grid=True, gridColor="#E6E6E6")
        .configure_view(strokeWidth=0)
    )


def trends_slide(ctx: PageContext, progress: Progress) -> None:
    years = [y for y in data.year_options(ctx.db_url, ctx.plan) if y <= ctx.year]
    cols = st.columns(len(TREND_ELEMENTS), gap="large")
    for col, element in zip(cols, TREND_ELEMENTS, strict=True):
        de = ctx.plan.data_elements.get(element)
        name = de.name.get(ctx.lang) if de else element
        points = trend_points(ctx, element, years, len(progress.communes))
        with col:
            with st.container(key=f"proj_line_{element}"):
                st.markdown(escape_md(name))
            if not points:
                st.markdown(ctx.t("projector_trend_empty"))
                continue
            if all(is_masked(p.value) for p in points):  # empty bars would say nothing
                with st.container(key=f"proj_detail_{element}"):
                    st.markdown(escape_md(ctx.t("reports_chart_all_hidden", name=name)))
                continue
            # The box's height follows the screen (CSS, 52vh); the chart stretches to fill it.
            with st.container(key=f"proj_chartbox_{element}"):
                st.altair_chart(
                    _bar_chart(ctx, points),
                    width="stretch",
                    height="stretch",
                    theme=None,
                    alt=ctx.t("projector_trend_alt", name=name),
                )
            with st.container(key=f"proj_detail_{element}"):
                st.markdown(escape_md(_trend_sentence(ctx, points)))


def _trend_sentence(ctx: PageContext, points: list[TrendPoint]) -> str:
    last = points[-1]
    text = ctx.t("projector_trend_total", year=last.year, value=fmt_count(last.value, ctx.lang))
    if len(points) > 1 and not is_masked(last.value) and not is_masked(points[-2].value):
        prev = points[-2]
        diff = last.value - prev.value
        if abs(diff) < 1e-9:
            text += " · " + ctx.t("projector_trend_change_same", year=prev.year)
        else:
            key = "projector_trend_change_down" if diff < 0 else "projector_trend_change_up"
            text += " · " + ctx.t(key, n=fmt_number(abs(diff), None, ctx.lang), year=prev.year)
    if last.reported < last.total:
        text += " · " + ctx.t("projector_trend_partial", year=last.year, reported=last.reported, total=last.total)
    return text


DRAW: dict[str, Callable[[PageContext, Progress], None]] = {
    "scorecard": scorecard_slide,
    "map": map_slide,
    "offtrack": offtrack_slide,
    "trends": trends_slide,
}
