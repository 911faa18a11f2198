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

This module runs the deck (state, URL, controls, timer, the style); the slides are
`ui.projector_slides` (1-3) and `ui.projector_trends` (4), the map decks and their
geometry `ui.projector_deck`, the communes singled out `ui.selections`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import streamlit as st

from data_access.progress import Progress
from i18n import escape_md, fmt_date, local_today
from ui import data
from ui.frame import PageContext, keep_in_url
from ui.map import MAX_POLYGONS
from ui.projector_slides import map_slide, offtrack_slide, scorecard_slide
from ui.projector_trends import trends_slide
from ui.status import STATUS_COLOR

SLIDES: tuple[str, ...] = ("scorecard", "map", "offtrack", "trends")
DEFAULT_EVERY = 20
MIN_EVERY, MAX_EVERY = 3, 600

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


def _slide_title_key(slide: str, progress: Progress) -> str:
    """ "Bản đồ theo xã", or "theo tỉnh" when the map shows a country's provinces."""
    level = progress.parts[0].level if progress.parts else ""
    if slide == "map" and len(progress.communes) > MAX_POLYGONS and level in ("province", "district"):
        return f"projector_slide_map_{level}"
    return f"projector_slide_{slide}"


# --------------------------------------------------------------------------- the slides

DRAW: dict[str, Callable[[PageContext, Progress], None]] = {
    "scorecard": scorecard_slide,
    "map": map_slide,
    "offtrack": offtrack_slide,
    "trends": trends_slide,
}
