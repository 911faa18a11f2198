"""The frame every page stands in: page config, navigation, global filters, language.

`app.py` calls `start()` and runs the chosen page. Because the pages live in `pages/`,
Streamlit runs a page file directly (without `app.py`) when a deep link is the first
request a fresh server sees; each page therefore begins with `page_context()`, which
draws the frame itself when `app.py` did not. Either way the page gets the same
filters, language and navigation, and the URL carries every filter so any view can be
shared as a link.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from data_access.db import DatabaseUnavailable
from i18n import DEFAULT_LANG, LANGUAGES, escape_md, local_today, t
from rules.model import Indicator, OrgUnitRef, Plan
from rules.scorecard import indicator_numbers
from ui import auth as ui_auth
from ui import data
from ui.reform import area_labels


@dataclass(frozen=True)
class PageSpec:
    key: str  # url path and catalogue key suffix (nav_<key>)
    path: str
    icon: str
    section: str
    default: bool = False


PAGES: tuple[PageSpec, ...] = (
    PageSpec("overview", "pages/overview.py", ":material/dashboard:", "follow", default=True),
    PageSpec("map", "pages/map.py", ":material/map:", "follow"),
    PageSpec("commune", "pages/commune.py", ":material/location_city:", "follow"),
    PageSpec("indicator", "pages/indicator.py", ":material/monitoring:", "follow"),
    PageSpec("whatif", "pages/whatif.py", ":material/science:", "follow"),
    PageSpec("projector", "pages/projector.py", ":material/slideshow:", "committee"),
    PageSpec("followup", "pages/followup.py", ":material/checklist:", "committee"),
    PageSpec("meeting", "pages/meeting.py", ":material/groups:", "committee"),
    PageSpec("import", "pages/import.py", ":material/upload_file:", "data"),
    PageSpec("completeness", "pages/completeness.py", ":material/fact_check:", "data"),
    PageSpec("quality", "pages/quality.py", ":material/rule:", "data"),
    PageSpec("audit", "pages/audit.py", ":material/history:", "data"),
    PageSpec("locks", "pages/locks.py", ":material/lock_clock:", "data"),
    PageSpec("reports", "pages/reports.py", ":material/description:", "data"),
    PageSpec("help", "pages/help.py", ":material/help:", "help"),
)
PERIODS = ("FY", "H1")
COMPARE_PREVIOUS = "prev"


@dataclass(frozen=True)
class PageContext:
    """What every page needs: the filters, the plan and where the data is."""

    lang: str
    year: int
    period: str
    compare_year: int
    area: OrgUnitRef
    plan: Plan
    db_url: str
    page: str
    compare: str = COMPARE_PREVIOUS  # the comparison as chosen ("prev" or a year), kept by links
    plan_key: str | None = None  # ?plan= when the deployment offers several plans

    def t(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)

    def link_params(self, **extra: object) -> dict[str, str]:
        """The global filters as URL parameters, for links that keep them."""
        params = {"year": str(self.year), "period": self.period, "lang": self.lang, "area": self.area.code}
        if self.compare != COMPARE_PREVIOUS:
            params["compare"] = self.compare
        if self.plan_key:
            params["plan"] = self.plan_key
        params.update({k: str(v) for k, v in extra.items() if v is not None})
        return params


_FRAME_FLAG = "_frame_drawn_for_run"
FAVICON = Path(__file__).resolve().parent.parent / "assets" / "favicon.png"


def current_lang() -> str:
    lang = st.session_state.get("filter_lang") or st.query_params.get("lang") or DEFAULT_LANG
    return lang if lang in LANGUAGES else DEFAULT_LANG


def _navigation(lang: str, current: str | None):  # noqa: ANN202 - st.Page
    sections: dict[str, list] = {}
    first = None
    for spec in PAGES:
        page = st.Page(spec.path, title=t(f"nav_{spec.key}", lang), icon=spec.icon, url_path=spec.key)
        first = first or page
        sections.setdefault(t(f"nav_section_{spec.section}", lang), []).append(page)

    def home() -> None:
        # The app's root opens the overview at its own address (/overview), so that
        # a link to /overview works like a link to any other page.
        st.switch_page(first, query_params=dict(st.query_params))

    sections[next(iter(sections))].insert(
        0, st.Page(home, title=t("nav_overview", lang), url_path="home", default=True, visibility="hidden")
    )
    # Streamlit's own menu has English chrome ("5 more") and drops the filters from
    # links; `nav_bar` draws a Vietnamese one whose links keep them.
    return st.navigation(sections, position="hidden")


def start(current: str | None = None):  # noqa: ANN201 - returns st.Page
    """Draw the frame. `current` is the page key when a page draws it itself."""
    lang = current_lang()
    st.set_page_config(
        page_title=t("app_title", lang),
        page_icon=str(FAVICON),  # a local file: a Material icon would be fetched from Google
        layout="wide",
        initial_sidebar_state="collapsed" if current == "projector" else "auto",
    )
    page = _navigation(lang, current)
    if current is None:
        current = page.url_path or "overview"
    st.session_state["_current_page"] = current
    return page


def url_widget(
    widget,  # noqa: ANN001 - st.selectbox, st.radio, st.multiselect... (or a container's)
    label: str,
    options: Sequence[Any],
    key: str,
    default: Any,
    *,
    format_func: Callable[[Any], str] = str,
    parse: Callable[[str], Any] = str,
    **kwargs: Any,
) -> Any:
    """A widget whose value lives in the URL as `?key=<code>`, not as its label.

    Streamlit's own `bind="query-params"` writes the *formatted* option into the URL
    ("?area=Huyện Sơn Động"), which breaks links when the language changes; here the
    URL carries the code ("?area=220", "?period=H1"). A value in the URL that is not
    an option falls back to the default. The value is kept in `filter_<key>` (not a
    widget key) so it survives pages that do not draw the widget.
    """
    state = st.session_state
    canon, widget_key = f"filter_{key}", f"w_{key}"
    seen: dict[str, str | None] = state.setdefault("_url_seen", {})
    raw = st.query_params.get(key)
    by_text = {str(o): o for o in options}
    if raw is not None and raw != seen.get(key) and raw in by_text:
        state[canon] = by_text[raw]  # the URL changed (a link, a page switch): it wins
    elif raw is None and seen.get(key) not in (None, str(default)) and canon in state:
        state[canon] = default  # the parameter was removed from the URL
    if state.get(canon) not in options:
        state[canon] = default if default in options else (options[0] if options else None)
    state[widget_key] = state[canon]

    def _remember() -> None:
        state[canon] = state[widget_key]

    widget(label, options, key=widget_key, format_func=format_func, on_change=_remember, **kwargs)
    value = state[canon]
    _write_url(key, value, default)
    return value


def indicator_picker(ctx: PageContext, label: str) -> Indicator:
    """The plan's indicator the URL names (`?indicator=<id>`, not its label), picked by its
    number and name ("4.1. Tỷ lệ …"); the plan's first by default. The one picker of the
    indicator, commune and map pages."""
    numbers = indicator_numbers(ctx.plan)
    by_id = {ind.id: ind for ind in ctx.plan.indicators}
    chosen = url_widget(
        st.selectbox,
        label,
        list(by_id),
        "indicator",
        ctx.plan.indicators[0].id,
        format_func=lambda i: f"{numbers[i]}. {by_id[i].name.get(ctx.lang)}",
    )
    return by_id[chosen]


def keep_in_url(key: str, value: Any, default: Any) -> None:
    """Put a value a page shows without a widget (e.g. a slide number) in the URL."""
    _write_url(key, value, default)


def _write_url(key: str, value: Any, default: Any) -> None:
    seen: dict[str, str | None] = st.session_state.setdefault("_url_seen", {})
    if value is None or value == default:
        if key in st.query_params:
            del st.query_params[key]
        seen[key] = None
    else:
        if st.query_params.get(key) != str(value):
            st.query_params[key] = str(value)
        seen[key] = str(value)


# The filters that belong to one plan: a new plan (chosen in the sidebar) starts from its
# own area, year and period rather than the previous plan's.
_PLAN_FILTERS = ("area", "year", "period", "compare", "commune", "indicator")


def _choose_plan(lang: str, sidebar: bool) -> str | None:
    """The plan of this view, among those this person may open (`?plan=<file stem>`).

    None when one plan is pinned (TARGETS_FILE) or only one is offered. A link to a plan
    of a place outside the scope says "không có quyền" and shows nothing of it.
    """
    if data.plan_pinned():
        return None
    try:
        url = data.database_url_ready()
        offered = data.plan_choices(url)
        raw = st.query_params.get("plan")
        if raw and raw not in {c.key for c in offered}:
            hidden = next((c for c in data.all_plan_choices(url) if c.key == raw), None)
            if hidden is not None:
                ui_auth.deny(hidden.area_code)
    except DatabaseUnavailable:
        return None  # page_context says so in its own words
    default = data.default_plan(offered, local_today())
    if len(offered) < 2:
        data.choose_plan(default)
        return None
    by_key = {c.key: c for c in offered}
    state = st.session_state
    # The previous run's plan (not `filter_plan`: the widget's callback has already set it).
    before, raw = state.get("_plan_prev"), st.query_params.get("plan")
    if sidebar:
        key = url_widget(
            st.sidebar.selectbox,
            t("filter_plan", lang),
            list(by_key),
            "plan",
            default.key if default else None,
            format_func=lambda k: by_key[k].label,
        )
    else:
        key = raw if raw in by_key else (before if before in by_key else default.key)
        state["filter_plan"] = key
    if before is not None and key != before and raw != key:
        # Chosen in the sidebar, not opened by a link: the old plan's place and year go.
        for name in _PLAN_FILTERS:
            state.pop(f"filter_{name}", None)
            state.get("_url_seen", {}).pop(name, None)
            if name in st.query_params:
                del st.query_params[name]
    state["_plan_prev"] = key
    data.choose_plan(by_key[key])
    return key


def _sidebar_filters(
    url: str, lang: str, plan: Plan, years: list[int], areas: list[OrgUnitRef], default_area: str, default_period: str
) -> None:
    sb = st.sidebar
    url_widget(
        sb.radio,
        t("filter_language", lang),
        LANGUAGES,
        "lang",
        DEFAULT_LANG,
        format_func=lambda code: {"vi": "Tiếng Việt", "en": "English"}[code],
        horizontal=True,
    )
    lang = current_lang()
    year = url_widget(sb.selectbox, t("filter_year", lang), years, "year", data.default_year(plan, years))
    period = url_widget(
        sb.radio,
        t("filter_period", lang),
        PERIODS,
        "period",
        default_period,
        format_func=lambda p: t(f"period_{p}", lang),
        horizontal=True,
    )
    url_widget(
        sb.selectbox,
        t("filter_compare", lang),
        [COMPARE_PREVIOUS, *[str(y) for y in years]],
        "compare",
        COMPARE_PREVIOUS,
        format_func=lambda v: t("filter_compare_previous", lang) if v == COMPARE_PREVIOUS else v,
    )
    # Each code by the unit it meant on the view's day (a reused code: 24 of 2024 is Tỉnh
    # Bắc Giang), two alike with their code beside (`ui.reform.area_labels`).
    names = area_labels(areas, data.areas_on(url, data.view_day(url, year, period), areas))
    url_widget(
        sb.selectbox,
        t("filter_area", lang),
        [a.code for a in areas],
        "area",
        default_area,
        format_func=lambda c: names.get(c, c),
    )


def _filters_from_url_only(
    plan: Plan, years: list[int], areas: list[OrgUnitRef], default_area: str, default_period: str
) -> None:
    """Pages without a sidebar (projector) still honour the URL's filters."""
    choices = {
        "lang": (LANGUAGES, DEFAULT_LANG),
        "year": (years, data.default_year(plan, years)),
        "period": (PERIODS, default_period),
        "compare": ([COMPARE_PREVIOUS, *[str(y) for y in years]], COMPARE_PREVIOUS),
        "area": ([a.code for a in areas], default_area),
    }
    for key, (options, default) in choices.items():
        raw = st.query_params.get(key)
        by_text = {str(o): o for o in options}
        if raw in by_text:
            st.session_state[f"filter_{key}"] = by_text[raw]
        elif st.session_state.get(f"filter_{key}") not in options:
            st.session_state[f"filter_{key}"] = default


def _default_period(url: str, plan: Plan, years: list[int], area_code: str) -> str:
    """FY, unless the default year has no FY figure yet (in December 2026 the communes
    have sent only their H1 reports): then H1, so the first screen is not empty."""
    year = data.default_year(plan, years)
    if not data.has_figures(url, area_code, year, "FY") and data.has_figures(url, area_code, year, "H1"):
        return "H1"
    return "FY"


def _served_by_a_server() -> bool:
    """True under `streamlit run` (a browser at the other end), False under AppTest,
    which runs a page file on its own and needs no rerouting."""
    from streamlit import runtime

    if not runtime.exists():
        return False
    return type(runtime.get_instance()).__name__ == "Runtime"


def page_context(page_key: str) -> PageContext:
    """Every page's first line: the frame (if app.py did not draw it) and the filters.

    Stops the page with a plain message when the targets file or the database cannot
    be used, so no page ever shows a traceback for them.
    """
    if not st.session_state.get(_FRAME_FLAG):
        start(page_key)
        if not st.session_state.get("_cold_link_rerouted") and _served_by_a_server():
            # Streamlit ran this file in its legacy `pages/` mode (a deep link to a fresh
            # server). Go round once through app.py, or the first click on this page
            # would be lost when the widgets get their app.py identities.
            st.session_state["_cold_link_rerouted"] = True
            spec = next(p for p in PAGES if p.key == page_key)
            st.switch_page(spec.path, query_params=dict(st.query_params))
    lang = current_lang()
    # Login and scope first (ui/auth.py): stops with the login form, or with "không có
    # quyền" for a page this person's role may not open.
    ui_auth.gate(page_key, lang)
    plan_key = _choose_plan(lang, sidebar=page_key != "projector")
    try:
        plan = data.load_plan_or_errors()
    except data.PlanErrors as errors:
        _show_plan_errors(errors, lang)
        st.stop()
    try:
        url = data.database_url_ready()
        years = data.year_options(url, plan)
        areas, default_area = data.scoped_areas(url, plan)
    except DatabaseUnavailable as exc:
        key = "db_needs_init" if exc.needs_init else "db_unavailable"
        st.error(t(key, lang, url=exc.url, reason=exc.reason), icon=":material/cloud_off:")
        st.stop()
    except data.PlanAreaMissing as exc:
        st.error(t("plan_area_missing", lang, area=exc.args[0]), icon=":material/error:")
        st.stop()
    if not areas:
        st.warning(t("access_no_scope", lang), icon=":material/block:")
        st.stop()
    for key in ("area", "commune"):  # a shared link to a place outside the scope
        raw = st.query_params.get(key)
        if raw and data.is_unit(url, raw) and not data.can_read(url, raw):
            ui_auth.deny(raw)
    default_period = _default_period(url, plan, years, default_area.code)
    if page_key != "projector":
        _sidebar_filters(url, lang, plan, years, areas, default_area.code, default_period)
    else:
        _filters_from_url_only(plan, years, areas, default_area.code, default_period)
    state = st.session_state
    lang = current_lang()
    if _served_by_a_server():
        data.warm_up(url, plan, data.default_year(plan, years))
    year = int(state.get("filter_year") or data.default_year(plan, years))
    period = state.get("filter_period") or default_period
    compare = state.get("filter_compare") or COMPARE_PREVIOUS
    compare_year = year - 1 if compare == COMPARE_PREVIOUS else int(compare)
    area_code = state.get("filter_area") or default_area.code
    area = next((a for a in areas if a.code == area_code), default_area)
    if page_key != "projector":
        st.sidebar.caption(t("sidebar_plan", lang, title=plan.title))
        st.sidebar.caption(t("sidebar_today", lang, today=local_today().strftime("%d/%m/%Y")))
    ctx = PageContext(lang, year, period, compare_year, area, plan, url, page_key, str(compare), plan_key)
    if page_key != "projector":
        nav_bar(ctx)
    ui_auth.banner(lang)  # mode none: "Chế độ mẫu — không đăng nhập, chỉ dùng dữ liệu mẫu"
    if data.protected():
        if page_key == "projector":  # read from the back of the room: short, and large (projector CSS)
            with st.container(key="proj_protected"):
                st.markdown(t("projector_protected_short", lang))
        else:
            st.caption(t("access_protected_note", lang))
    return ctx


def nav_bar(ctx: PageContext) -> None:
    """The page menu on one row at 1280x720: the leader's daily pages as links, the
    steering committee's pages (projector, meeting, follow-up) in one menu, the
    officer's tools in another, the guide at the foot of the sidebar. Every link carries
    the current filters."""
    params = ctx.link_params()
    # Static CSS only (never data): less empty space above the menu, but clear of the header bar.
    st.html("<style>.block-container{padding-top:3.6rem}</style>")
    bar = st.container(horizontal=True, gap="small", vertical_alignment="center", key="nav_row")
    allowed = [spec for spec in PAGES if ui_auth.page_allowed(spec.key)]  # viewers: no import, audit, locks

    def links(section: str, where=st) -> None:  # noqa: ANN001 - a container or st itself
        for spec in allowed:
            if spec.section == section:
                where.page_link(spec.path, label=ctx.t(f"nav_{spec.key}"), icon=spec.icon, query_params=params)

    links("follow", bar)
    for section, icon in (("committee", ":material/groups:"), ("data", ":material/folder_open:")):
        with bar.popover(ctx.t(f"nav_{section}_menu"), icon=icon):
            links(section)
    links("help", st.sidebar)


def _show_plan_errors(errors: data.PlanErrors, lang: str) -> None:
    st.error(t("plan_invalid_title", lang, file=errors.filename, count=len(errors.issues)), icon=":material/error:")
    st.markdown("\n".join(f"- {escape_md(issue.message(lang))}" for issue in errors.issues))
    st.info(t("plan_invalid_hint", lang), icon=":material/info:")


def run_in_frame(page) -> None:  # noqa: ANN001
    """app.py: run the chosen page inside the frame already drawn."""
    st.session_state[_FRAME_FLAG] = True
    top = st.empty()  # nothing, unless the database goes away while the page draws
    try:
        page.run()
    except ui_auth.OUTAGE_ERRORS as exc:  # said plainly, at the top where it is seen
        ui_auth.outage(exc, where=top)
    finally:
        st.session_state[_FRAME_FLAG] = False
        _freeze_what_is_loaded()


_frozen_at_modules = 0


def _freeze_what_is_loaded() -> None:
    """After a run that imported modules, move what is alive into Python's permanent
    generation (`gc.freeze`): Streamlit, pandas and our modules are 270,000 objects
    that every full collection walked again, ~0.1 s of a cold page. Only after runs that
    imported something (a page's first visit), so a run's own objects are rarely kept."""
    global _frozen_at_modules
    if len(sys.modules) != _frozen_at_modules:
        _frozen_at_modules = len(sys.modules)
        gc.freeze()
