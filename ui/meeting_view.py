"""The building blocks of "Họp Ban chỉ đạo": open a meeting (freezing the figures it
shows), reopen a past one by its link (`?meeting=<id>`), the directions due since the
last meeting, the red cells of the frozen figures from which directions are given, the
directions given at the meeting, its close and the record (.docx).

What the committee saw is the snapshot stored when the meeting opened
(`data_access.followup.open_meeting`): it is drawn from the meeting row, never from the
live figures, so an import during the meeting does not move it.
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from data_access.access import AccessDenied
from data_access.cli_followup import parse_day
from data_access.followup import FollowUpError, MeetingRow
from data_access.progress import Progress
from i18n import DEFAULT_LANG, escape_md, fmt_date, local_today
from rules.scorecard import indicator_numbers
from ui import data
from ui import followup_view as fv
from ui.frame import PageContext
from ui.scorecard import fmt_result, fmt_target, when_text
from ui.status import STATUS_ORDER, status_label

RED = ("not_met", "at_risk")
PARTS = ("figures", "due", "given", "close")


def snapshot_records(ctx: PageContext, progress: Progress) -> list[dict]:
    """The figures as the committee sees them now, one record per (unit, indicator):
    the value and target as written (Vietnamese for the record; English beside it)
    and the number, so nothing needs the live database to be shown again."""
    out = []
    for r in progress.rows:
        ind = ctx.plan.indicator(r.indicator_id)
        target = ind.targets.get(r.year)
        number = None if r.value is None or (isinstance(r.value, float) and math.isnan(r.value)) else float(r.value)
        rec = {
            "area_code": r.area_code,
            "area_name": r.area_name,
            "area_level": r.area_level,
            "is_area": r.is_area,
            "indicator_id": r.indicator_id,
            "status": r.status,
            "value_num": number,
        }
        for lang in ("vi", "en"):
            suffix = "" if lang == DEFAULT_LANG else f"_{lang}"
            rec["value" + suffix] = fmt_result(r.value, ind, lang, r.expected) if r.value is not None else ""
            rec["target" + suffix] = fmt_target(ind, target, lang, r.expected, r.prorated, r.year)
        out.append(rec)
    return out


def _text(rec: dict, field: str, lang: str) -> str:
    return str(rec.get(field if lang == DEFAULT_LANG else f"{field}_{lang}", rec.get(field, "")) or "–")


def meeting_from_url(ctx: PageContext) -> MeetingRow | None:
    raw = st.query_params.get("meeting")
    if not raw:
        return None
    try:
        return fv.store(ctx).meeting(int(raw))
    except (ValueError, FollowUpError):
        st.error(ctx.t("followup_meeting_not_found", id=raw), icon=":material/error:")
        st.stop()
    return None  # pragma: no cover


def snapshot(ctx: PageContext, m: MeetingRow) -> list[dict]:
    """The progress records frozen when the meeting opened (never the live figures)."""
    return fv.store(ctx).meeting_snapshot(m.id)


def meeting_link(ctx: PageContext, m: MeetingRow | None, label: str, icon: str = ":material/groups:") -> None:
    params = ctx.link_params(year=m.year, period=m.period, meeting=m.id) if m else ctx.link_params()
    st.page_link("pages/meeting.py", label=label, icon=icon, query_params=params)


# --------------------------------------------------------------------------- no meeting chosen


def open_form(ctx: PageContext) -> None:
    """Open a meeting for a date and the area: the figures of the chosen year and
    period are frozen at this moment."""
    if not fv.can_edit(ctx):
        return
    when = when_text(ctx.period, ctx.year, ctx.lang)
    with st.form("meeting_open", border=True):
        st.markdown(f"**{ctx.t('meeting_open_title')}**")
        st.caption(ctx.t("meeting_open_hint", when=when, area=escape_md(ctx.area.full_name)))
        left, mid, right = st.columns([2, 3, 3])
        day = left.text_input(ctx.t("meeting_form_date"), value=fmt_date(local_today()), key="meeting_open_date")
        title = mid.text_input(
            ctx.t("meeting_form_title"), placeholder=ctx.t("meeting_form_title_hint"), key="meeting_open_name"
        )
        chair = right.text_input(ctx.t("meeting_form_chair"), key="meeting_open_chair")
        submitted = st.form_submit_button(ctx.t("meeting_open_submit"), type="primary", icon=":material/play_arrow:")
    if not submitted:
        return
    try:
        on = parse_day(day)
        progress = data.progress(ctx.db_url, ctx.year, ctx.period, ctx.area.code)
        new_id = fv.store(ctx).open_meeting(area_code=ctx.area.code,
            meeting_date=on,
            year=ctx.year,
            period=ctx.period,
            snapshot=snapshot_records(ctx, progress),
            title=title or ctx.t("meeting_default_title", date=fmt_date(on)),
            chaired_by=chair,
        )
    except (FollowUpError, AccessDenied) as exc:
        st.error(exc.message(ctx.lang), icon=":material/error:")
        return
    st.query_params["meeting"] = str(new_id)
    st.rerun()


def past_meetings(ctx: PageContext) -> None:
    try:
        meetings = fv.store(ctx).meetings(ctx.area.code)
    except AccessDenied:
        meetings = []
    st.subheader(ctx.t("meeting_list_header"), anchor=False)
    if not meetings:
        st.info(ctx.t("meeting_list_none"), icon=":material/info:")
        return
    for m in meetings:
        state = ctx.t("meeting_state_closed" if m.is_closed else "meeting_state_open")
        meeting_link(ctx, m, f"{fmt_date(m.meeting_date, ctx.lang)} – {m.title} ({state})")


# --------------------------------------------------------------------------- one meeting


def header(ctx: PageContext, m: MeetingRow) -> None:
    st.title(m.title, anchor=False)
    state = ctx.t("meeting_state_closed" if m.is_closed else "meeting_state_open")
    st.caption(
        ctx.t(
            "meeting_caption",
            date=fmt_date(m.meeting_date, ctx.lang),
            area=escape_md(m.area_name),
            when=when_text(m.period, m.year, ctx.lang),
            opened=fmt_date(m.opened_at, ctx.lang, with_time=True),
            state=state,
            chair=escape_md(m.chaired_by or "–"),
        )
    )
    links = st.container(horizontal=True, gap="small")
    with links:
        meeting_link(ctx, None, ctx.t("meeting_back"), ":material/arrow_back:")
        st.page_link(
            "pages/overview.py",
            label=ctx.t("meeting_live"),
            icon=":material/dashboard:",
            query_params=ctx.link_params(year=m.year, period=m.period, area=m.area_code),
        )


def frozen_figures(ctx: PageContext, m: MeetingRow, snapshot: list[dict]) -> None:
    """The area's indicators as frozen: counts by status, then a table worst first."""
    numbers = indicator_numbers(ctx.plan)
    st.subheader(ctx.t("meeting_figures_header"), anchor=False)
    st.caption(ctx.t("meeting_figures_hint", opened=fmt_date(m.opened_at, ctx.lang, with_time=True)))
    area = [r for r in snapshot if r.get("area_code") == m.area_code]
    counts = {s: sum(1 for r in area if r.get("status") == s) for s in STATUS_ORDER}
    cols = st.columns(4)
    for col, status in zip(cols, ("met", "at_risk", "not_met", "no_data"), strict=True):
        col.metric(status_label(status, ctx.lang), f"{counts.get(status, 0)}/{len(area)}")
    order = {s: i for i, s in enumerate(STATUS_ORDER)}
    area.sort(key=lambda r: (order.get(str(r.get("status")), 9), numbers.get(r["indicator_id"], "")))
    frame = pd.DataFrame(
        [
            {
                ctx.t("meeting_col_indicator"): fv.indicator_label(ctx, r["indicator_id"]),
                ctx.t("meeting_col_value"): _text(r, "value", ctx.lang),
                ctx.t("meeting_col_target"): _text(r, "target", ctx.lang),
                ctx.t("meeting_col_status"): status_label(str(r.get("status")), ctx.lang),
            }
            for r in area
        ]
    )
    if not frame.empty:  # a plain table: the frozen words as written, readable on a projector and in print
        st.table(frame.set_index(frame.columns[0]))


def red_cells(ctx: PageContext, m: MeetingRow, snapshot: list[dict]) -> list[dict]:
    """The communes x indicators not met (then at risk) in the frozen figures."""
    numbers = indicator_numbers(ctx.plan)
    order = {s: i for i, s in enumerate(STATUS_ORDER)}
    red = [r for r in snapshot if r.get("area_code") != m.area_code and r.get("status") in RED]
    red.sort(key=lambda r: (order.get(str(r.get("status")), 9), numbers.get(r["indicator_id"], ""), r["area_name"]))
    return red


def red_cell_picker(ctx: PageContext, red: list[dict]) -> tuple[str | None, str | None]:
    """The red cells of the frozen figures; the one chosen pre-fills the add form."""
    if not red:
        return None, None
    options = list(range(len(red)))

    def label(i: int) -> str:
        r = red[i]
        return ctx.t(
            "meeting_red_option",
            status=status_label(str(r["status"]), ctx.lang),
            commune=r["area_name"],
            indicator=fv.indicator_label(ctx, r["indicator_id"]),
            value=_text(r, "value", ctx.lang),
            target=_text(r, "target", ctx.lang),
        )

    chosen = st.selectbox(
        ctx.t("meeting_red_pick", n=len(red)),
        options,
        index=None,
        format_func=label,
        placeholder=ctx.t("meeting_red_placeholder"),
        key="meeting_red_cell",
    )
    if chosen is None:
        return None, None
    return red[chosen]["area_code"], red[chosen]["indicator_id"]


def due_section(ctx: PageContext, m: MeetingRow) -> None:
    due = fv.store(ctx).due_for_meeting(m)
    prev = fv.store(ctx).previous_meeting(m)
    st.subheader(ctx.t("meeting_due_header", n=len(due)), anchor=False)
    st.caption(
        ctx.t("meeting_due_since", date=fmt_date(prev.meeting_date, ctx.lang), until=fmt_date(m.meeting_date, ctx.lang))
        if prev
        else ctx.t("meeting_due_first", until=fmt_date(m.meeting_date, ctx.lang))
    )
    if due:
        st.caption(fv.counts_line(ctx, due))
    fv.direction_list(ctx, due, key="meeting_due", editable=not m.is_closed)


def given_section(ctx: PageContext, m: MeetingRow, red: list[dict]) -> None:
    given = fv.store(ctx).directions(area_code=m.area_code, meeting_id=m.id)
    st.subheader(ctx.t("meeting_given_header", n=len(given)), anchor=False)
    if not m.is_closed and fv.can_edit(ctx, m.area_code):
        commune, indicator = red_cell_picker(ctx, red)
        fv.add_form(
            ctx, key=f"meeting_add_{commune}_{indicator}", commune=commune, indicator=indicator, meeting_id=m.id
        )
    fv.direction_list(ctx, given, key="meeting_given", editable=not m.is_closed)


def close_section(ctx: PageContext, m: MeetingRow) -> None:
    st.subheader(ctx.t("meeting_close_header"), anchor=False)
    if m.is_closed:
        st.success(
            ctx.t("meeting_closed_at", at=fmt_date(m.closed_at, ctx.lang, with_time=True)), icon=":material/lock:"
        )
        if m.conclusions:
            st.markdown(escape_md(m.conclusions).replace("\n", "  \n"))
    elif fv.can_edit(ctx, m.area_code):
        with st.form("meeting_close", border=True):
            conclusions = st.text_area(ctx.t("meeting_conclusions"), key="meeting_conclusions", height=140)
            submitted = st.form_submit_button(
                ctx.t("meeting_close_submit"), type="primary", icon=":material/stop_circle:"
            )
        if submitted:
            try:
                fv.store(ctx).close_meeting(m.id, conclusions=conclusions)
            except (FollowUpError, AccessDenied) as exc:
                st.error(exc.message(ctx.lang), icon=":material/error:")
            else:
                st.rerun()
    record = fv.store(ctx).meeting_record(m.id, lang=ctx.lang, plan=ctx.plan)
    st.download_button(
        ctx.t("meeting_download" if m.is_closed else "meeting_download_draft"),
        data=record,
        file_name=f"thong-bao-ket-luan-{m.meeting_date:%Y-%m-%d}-{m.id}.docx",
        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        icon=":material/download:",
        type="primary" if m.is_closed else "secondary",
        key="meeting_download",
    )
