"""Download buttons for the printed documents, reusable on any page.

The files are written only when someone clicks (Streamlit's deferred download: the
callable runs on the click, off the page's run), from figures the page has already
loaded through the cached loaders. Small-count protection is decided here, during the
page's run, where the signed-in person's scope is known: the click runs in another
thread that does not see it.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from data_access import access, exports
from data_access.exports import MIME, ExportInputs, file_name, history_years, protect_for
from ui import auth as ui_auth
from ui import data, followup_view
from ui.frame import PageContext

ICONS = {
    "report": ":material/description:",
    "appendix": ":material/table_view:",
    "meeting": ":material/slideshow:",
    "commune": ":material/picture_as_pdf:",
    "brief": ":material/summarize:",
}


def export_inputs(ctx: PageContext) -> ExportInputs:
    """What the documents need for the page's filters, from the cached loaders."""
    plan = ctx.plan
    progress = data.progress(ctx.db_url, ctx.year, ctx.period, ctx.area.code)
    history = data.history(ctx.db_url, ctx.area.code, history_years(ctx.year), ctx.period, plan.used_data_elements())
    previous = None
    if any((ctx.year - 1) in ind.targets for ind in plan.indicators):
        previous = data.progress(ctx.db_url, ctx.year - 1, ctx.period, ctx.area.code)
    parent = next((u for u in data.org_units(ctx.db_url) if u.code == ctx.area.parent_code), None)
    fy_history = {}
    if ctx.period == "H1":  # the H1/FY share of earlier years projects the year (pace)
        earlier = list(range(ctx.year - exports.PACE_YEARS, ctx.year))
        fy_history = data.history(ctx.db_url, ctx.area.code, earlier, "FY", plan.used_data_elements())
    inputs = ExportInputs(
        progress=progress,
        history=history,
        boundaries=tuple(data.boundaries(ctx.db_url, ctx.area.code)),
        previous=previous,
        lang=ctx.lang,
        parent_name=parent.name if parent else None,
        parent=parent,
        notes=tuple(followup_view.notes(ctx, year=ctx.year, period=ctx.period)),  # the viewer's scope
        fy_history=fy_history,
        db_url=ctx.db_url,  # protection hides the same cells as the pages
        directions=_open_directions(ctx),
    )
    return protect_for(inputs)


def _open_directions(ctx: PageContext) -> tuple:
    return tuple(followup_view.directions(ctx, status=["overdue", "in_progress"]))


def brief_button(ctx: PageContext) -> None:
    """The chairman's one-page summary (PDF) from the overview: only what it needs is
    read (this period and the same period a year earlier, both cached), not the history."""
    plan = ctx.plan
    previous = None
    if any((ctx.year - 1) in ind.targets for ind in plan.indicators):
        previous = data.progress(ctx.db_url, ctx.year - 1, ctx.period, ctx.area.code)
    inputs = ExportInputs(
        progress=data.progress(ctx.db_url, ctx.year, ctx.period, ctx.area.code),
        history={},
        previous=previous,
        lang=ctx.lang,
        db_url=ctx.db_url,
        directions=_open_directions(ctx),
    )
    download_button(ctx, "brief", protect_for(inputs), label=ctx.t("brief_overview_button"), key="overview_brief")


def _writer(kind: str, inputs: ExportInputs, codes: list[str] | None) -> Callable[[], bytes]:
    if kind == "meeting":
        # Protected as on the projector: decided now (the click's thread does not know who
        # is signed in), masked on the click (a whole-tree decision takes seconds nationally).
        if inputs.protected or not access.must_protect(ui_auth.scope(), projector=True):
            return lambda: exports.meeting_pdf(inputs)
        return lambda: exports.meeting_pdf(exports.mask_inputs(inputs))
    if kind == "commune":
        return lambda: exports.commune_sheets_pdf(inputs, codes)
    return lambda: exports.WRITERS[kind](inputs)


def download_button(
    ctx: PageContext,
    kind: str,
    inputs: ExportInputs,
    *,
    label: str,
    key: str,
    commune: str | None = None,
    primary: bool = False,
) -> None:
    """One document's download button; `commune` is a code or "all" for commune sheets."""
    codes = None if commune in (None, "all") else [commune]
    name = file_name(inputs, kind, commune)
    st.download_button(
        label,
        data=_writer(kind, inputs, codes),
        file_name=name,
        mime=MIME[name.rsplit(".", 1)[1]],
        key=key,
        on_click="ignore",
        icon=ICONS[kind],
        type="primary" if primary else "secondary",
        help=ctx.t("reports_button_help", name=name),
    )


def commune_sheet_button(ctx: PageContext, code: str, *, key: str = "commune_sheet_download") -> None:
    """A small button: the one-page results sheet of commune `code` for its chairman (PDF).

    For any page that shows one commune (the commune page, the map's side panel).
    """
    inputs = export_inputs(ctx)
    if code not in {c.code for c in inputs.progress.communes}:
        return
    download_button(ctx, "commune", inputs, label=ctx.t("reports_commune_sheet_button"), key=key, commune=code)


def card(ctx: PageContext, kind: str, inputs: ExportInputs, *, commune: str | None = None) -> None:
    """A bordered card: what the document is, for whom, and its download button."""
    with st.container(border=True):
        st.subheader(ctx.t(f"reports_card_{kind}_title"), anchor=False)
        st.markdown(ctx.t(f"reports_card_{kind}_text"))
        download_button(
            ctx,
            kind,
            inputs,
            label=ctx.t(f"reports_button_{kind}"),
            key=f"reports_download_{kind}",
            commune=commune,
            primary=kind == "report",
        )
