"""The building blocks of "Việc cần theo dõi": directions listed and filtered, the form
that adds one (pre-filled from a red cell, a commune or an indicator) and the form that
updates its status with a follow-up note.

Every read and write goes through `data_access.followup` with the scope of this run
(`ui.auth.scope()`): a commune viewer sees that commune's directions only, and the
forms are drawn only for a person who may edit the place. Errors are shown with
`.message(lang)`, and what was typed stays in the form.
"""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from data_access import followup
from data_access.access import AccessDenied
from data_access.cli_followup import parse_day
from data_access.followup import DirectionRow, FollowUpError
from data_access.store import Store
from i18n import escape_md, fmt_date, fmt_number, local_today
from rules.model import OrgUnitRef
from rules.scorecard import indicator_numbers
from ui import auth as ui_auth
from ui import data
from ui.frame import PageContext
from ui.selections import communes_off_track

# How people see the statuses: overdue first, then open, then closed.
STATUS_ORDER = ("overdue", "in_progress", "done", "cancelled")
STATUS_ICON = {
    "overdue": ":material/alarm:",
    "in_progress": ":material/pending:",
    "done": ":material/task_alt:",
    "cancelled": ":material/block:",
}
STATUS_COLOR = {"overdue": "red", "in_progress": "blue", "done": "green", "cancelled": "gray"}
DEFAULT_DUE_DAYS = 30
LISTED = 60  # directions drawn at once; the rest are counted


def store(ctx: PageContext) -> Store:
    """The door for this person: every read and write below checks their scope."""
    return ui_auth.store(ctx.db_url)


def directions(ctx: PageContext, **filters: object) -> list[DirectionRow]:
    """The directions of the viewer's area (and scope), overdue first then by due date."""
    try:
        rows = store(ctx).directions(area_code=ctx.area.code, **filters)  # type: ignore[arg-type]
    except AccessDenied:
        return []
    return sorted(rows, key=lambda d: (STATUS_ORDER.index(d.status), d.due, d.id))


def overdue_count(ctx: PageContext) -> int:
    return sum(1 for d in directions(ctx, status="overdue"))


def can_edit(ctx: PageContext, code: str | None = None) -> bool:
    return data.can_read(ctx.db_url, code or ctx.area.code, "editor")


def places(ctx: PageContext) -> list[OrgUnitRef]:
    """The area itself (a direction for the whole district) then its communes."""
    day = data.view_day(ctx.db_url, ctx.year, ctx.period)  # the units this view shows, of one era
    communes = [c for c in data.communes_of(ctx.db_url, ctx.area.code, on=day) if c.code != ctx.area.code]
    return [ctx.area, *communes]


def place_label(ctx: PageContext, unit: OrgUnitRef) -> str:
    if unit.code == ctx.area.code:
        return ctx.t("followup_whole_area", area=unit.full_name)
    return unit.full_name


def indicator_label(ctx: PageContext, indicator_id: str | None) -> str:
    if not indicator_id:
        return ctx.t("followup_no_indicator")
    numbers = indicator_numbers(ctx.plan)
    try:
        ind = ctx.plan.indicator(indicator_id)
    except (KeyError, LookupError):
        return indicator_id
    return f"{numbers.get(ind.id, '')}. {ind.name.get(ctx.lang)}".strip(". ")


def where_text(ctx: PageContext, d: DirectionRow) -> str:
    place = d.area_name
    return f"{place} – {indicator_label(ctx, d.indicator_id)}" if d.indicator_id else place


def status_badge(ctx: PageContext, status: str) -> None:
    st.badge(ctx.t(f"followup_status_{status}"), icon=STATUS_ICON[status], color=STATUS_COLOR[status])


def add_link(
    ctx: PageContext,
    *,
    commune: str | None = None,
    indicator: str | None = None,
    container=None,  # noqa: ANN001 - a Streamlit container (default: the page)
    label_key: str = "followup_assign",
) -> None:
    """ "Giao việc": opens the follow-up page's add form pre-filled with this place and indicator."""
    if not can_edit(ctx, commune):
        return
    target = container or st
    target.page_link(
        "pages/followup.py",
        label=ctx.t(label_key),
        icon=":material/assignment_add:",
        query_params=ctx.link_params(commune=commune, indicator=indicator, add="1"),
    )


# --------------------------------------------------------------------------- the add form

_FLASH = "_followup_flash"


def flash() -> None:
    """The message of the last save, shown once after the rerun that cleared the form."""
    message = st.session_state.pop(_FLASH, None)
    if message:
        st.success(message, icon=":material/check_circle:")


def add_form(
    ctx: PageContext,
    *,
    key: str,
    commune: str | None = None,
    indicator: str | None = None,
    meeting_id: int | None = None,
) -> None:
    """The form that records a direction (bound to `meeting_id` when given); after a save
    the page reruns with a fresh form and says which number the direction got."""
    units = [u for u in places(ctx) if can_edit(ctx, u.code)]
    if not units:
        return
    by_code = {u.code: u for u in units}
    ind_ids: list[str | None] = [None, *[ind.id for ind in ctx.plan.indicators]]
    generation = st.session_state.setdefault(f"_gen_{key}", 0)  # a new form after each save
    fkey = f"{key}_{generation}"
    with st.form(fkey, border=True):
        left, right = st.columns(2)
        place = left.selectbox(
            ctx.t("followup_form_place"),
            list(by_code),
            index=list(by_code).index(commune) if commune in by_code else 0,
            format_func=lambda c: place_label(ctx, by_code[c]),
            key=f"{fkey}_place",
        )
        ind = right.selectbox(
            ctx.t("followup_form_indicator"),
            ind_ids,
            index=ind_ids.index(indicator) if indicator in ind_ids else 0,
            format_func=lambda i: indicator_label(ctx, i),
            key=f"{fkey}_indicator",
        )
        text = st.text_area(
            ctx.t("followup_form_text"), placeholder=ctx.t("followup_form_text_hint"), key=f"{fkey}_text", height=90
        )
        left, right = st.columns(2)
        owner = left.text_input(
            ctx.t("followup_form_owner"), placeholder=ctx.t("followup_form_owner_hint"), key=f"{fkey}_owner"
        )
        due_default = fmt_date(local_today() + timedelta(days=DEFAULT_DUE_DAYS))
        due_text = right.text_input(ctx.t("followup_form_due"), value=due_default, key=f"{fkey}_due")
        st.caption(ctx.t("followup_form_year", year=ctx.year))
        submitted = st.form_submit_button(ctx.t("followup_form_submit"), type="primary", icon=":material/save:")
    if not submitted:
        return
    try:
        new_id = store(ctx).add_direction(area_code=place,
            year=ctx.year,
            text=text,
            owner=owner,
            due=parse_day(due_text),
            indicator_id=ind,
            meeting_id=meeting_id,
            known_indicators=[i.id for i in ctx.plan.indicators],
        )
    except (FollowUpError, AccessDenied) as exc:
        st.error(exc.message(ctx.lang), icon=":material/error:")  # what was typed stays in the form
        return
    st.session_state[f"_gen_{key}"] = generation + 1
    st.session_state[_FLASH] = ctx.t("followup_added", id=new_id, where=place_label(ctx, by_code[place]))
    st.rerun()


# --------------------------------------------------------------------------- the list


def direction_card(ctx: PageContext, d: DirectionRow, *, editable: bool, key: str) -> None:
    """One direction: status, text, where, who, due; its notes; the update form."""
    with st.container(border=True, key=f"{key}_{d.id}"):
        head, side = st.columns([5, 2], vertical_alignment="top")
        with head:
            st.markdown(f"**{escape_md(d.text)}**")
            st.caption(
                ctx.t(
                    "followup_card_line",
                    id=d.id,
                    where=escape_md(where_text(ctx, d)),
                    owner=escape_md(d.owner),
                    due=fmt_date(d.due, ctx.lang),
                )
            )
            if d.last_note:
                st.caption(ctx.t("followup_card_note", note=escape_md(d.last_note)))
        with side:
            status_badge(ctx, d.status)
        events = store(ctx).direction_events(d.id)
        notes = [e for e in events if e.note or e.action != "created"]
        if notes:
            with st.expander(ctx.t("followup_history", n=len(notes))):
                for e in notes:
                    change = ""
                    if e.new_status:
                        change = ctx.t("followup_history_status", status=ctx.t(f"followup_status_{e.new_status}"))
                    st.markdown(
                        ctx.t(
                            "followup_history_line",
                            date=fmt_date(e.at, ctx.lang, with_time=True),
                            author=escape_md(e.author),
                            change=change,
                            note=escape_md(e.note or ""),
                        )
                    )
        if editable and can_edit(ctx, d.area_code):
            update_form(ctx, d, key=f"{key}_upd_{d.id}")


def update_form(ctx: PageContext, d: DirectionRow, *, key: str) -> None:
    choices = list(followup.STORED_STATUSES)
    with st.popover(ctx.t("followup_update"), icon=":material/edit:"):
        with st.form(key, border=False):
            status = st.radio(
                ctx.t("followup_update_status"),
                choices,
                index=choices.index(d.stored_status),
                format_func=lambda s: ctx.t(f"followup_status_{s}"),
                horizontal=True,
                key=f"{key}_status",
            )
            note = st.text_area(ctx.t("followup_update_note"), key=f"{key}_note", height=80)
            if not st.form_submit_button(ctx.t("followup_update_submit"), type="primary"):
                return
    try:
        store(ctx).update_direction(d.id, status=None if status == d.stored_status else status, note=note
        )
    except (FollowUpError, AccessDenied) as exc:
        st.error(exc.message(ctx.lang), icon=":material/error:")
        return
    st.session_state[_FLASH] = ctx.t("followup_updated", id=d.id, status=ctx.t(f"followup_status_{status}"))
    st.rerun()


def direction_list(ctx: PageContext, rows: list[DirectionRow], *, key: str, editable: bool = True) -> None:
    if not rows:
        st.info(ctx.t("followup_none"), icon=":material/info:")
        return
    for d in rows[:LISTED]:
        direction_card(ctx, d, editable=editable, key=key)
    if len(rows) > LISTED:
        st.caption(ctx.t("followup_more", n=fmt_number(len(rows) - LISTED, lang=ctx.lang)))


def counts_line(ctx: PageContext, rows: list[DirectionRow]) -> str:
    """'3 quá hạn · 5 đang làm · 2 hoàn thành' — the list in one line."""
    parts = []
    for status in STATUS_ORDER:
        n = sum(1 for d in rows if d.status == status)
        if n:
            parts.append(f"{n} {ctx.t(f'followup_status_{status}').lower()}")
    return " · ".join(parts)


# --------------------------------------------------------------------------- hooks on the figures' pages


def cell_marks(ctx: PageContext) -> dict[tuple[str, str | None], str]:
    """(commune code, indicator id or None) -> "⚑" / "⚑!" for the overview grid."""
    return {cell: followup.marker(rows) for cell, rows in followup.direction_cells(directions(ctx)).items()}


def overdue_banner(ctx: PageContext) -> None:
    """The overview's first screen: how many directions are overdue, a link to them."""
    rows = directions(ctx, status=["overdue", "in_progress"])
    overdue = sum(1 for d in rows if d.status == "overdue")
    if not rows:
        return
    key = "followup_overview_overdue" if overdue else "followup_overview_open"
    st.page_link(
        "pages/followup.py",
        label=ctx.t(key, n=overdue, open=len(rows)),
        query_params=ctx.link_params(),
    )


def assign_row(ctx: PageContext, progress) -> None:  # noqa: ANN001 - data_access.progress.Progress
    """Under the projector's slides: "Giao việc" for the communes most behind, each
    pre-filled with the commune's worst indicator (one click from the meeting room)."""
    if not can_edit(ctx):
        return
    lagging = communes_off_track(progress, limit=4)
    if not lagging:
        return
    with st.container(horizontal=True, gap="small", vertical_alignment="center", key="projector_assign"):
        st.markdown(f"**{ctx.t('followup_projector_assign')}**", width="content")
        for item in lagging:
            st.page_link(
                "pages/followup.py",
                label=item.name,
                icon=":material/assignment_add:",
                query_params=ctx.link_params(
                    commune=item.code, indicator=item.indicators[0] if item.indicators else None, add="1"
                ),
            )


# --------------------------------------------------------------------------- notes on figures


def notes(ctx: PageContext, *, indicator_id: str | None = None, year: int | None = None, period: str | None = None):  # noqa: ANN201
    """Notes on figures of the area's units that this person may read."""
    try:
        return store(ctx).notes(ctx.area.code, year=year, period=period, indicator_id=indicator_id
        )
    except AccessDenied:
        return []


def note_text(ctx: PageContext, n) -> str:  # noqa: ANN001 - followup.NoteRow
    return ctx.t("followup_note_line", date=fmt_date(n.noted_on, ctx.lang), text=n.text, author=n.author)


def latest_notes(ctx: PageContext, code: str) -> dict[str, str]:
    """indicator id -> "✎ dd/mm/yyyy: text" of the newest note on `code`'s value this year and period."""
    out: dict[str, str] = {}
    for n in notes(ctx, year=ctx.year, period=ctx.period):
        if n.area_code == code:
            out[n.indicator_id] = "✎ " + ctx.t("followup_note_short", date=fmt_date(n.noted_on, ctx.lang), text=n.text)
    return out


def year_notes(ctx: PageContext, code: str, indicator_id: str) -> dict[int, str]:
    """year -> the notes on `code`'s value of `indicator_id` (this period), for a trend chart."""
    out: dict[int, list[str]] = {}
    for n in notes(ctx, indicator_id=indicator_id, period=ctx.period):
        if n.area_code == code:
            out.setdefault(n.year, []).append(note_text(ctx, n))
    return {y: " | ".join(texts) for y, texts in out.items()}


def notes_list(ctx: PageContext, code: str | None, indicator_id: str) -> None:
    """The notes on this value (this year and period) as lines under the chart or list;
    `code` None: every unit of the area."""
    rows = [
        n
        for n in notes(ctx, indicator_id=indicator_id, year=ctx.year, period=ctx.period)
        if code in (None, n.area_code)
    ]
    if not rows:
        return
    lines = []
    for n in rows:
        where = "" if code else f"**{escape_md(n.area_name)}** — "
        lines.append(f"- ✎ {where}{escape_md(note_text(ctx, n))}")
    st.markdown(f"**{ctx.t('followup_notes_header')}**\n" + "\n".join(lines))


def note_form(ctx: PageContext, code: str, indicator_id: str, *, key: str) -> None:
    """An editor explains a value: a dated note on (unit, indicator, year, period)."""
    if not can_edit(ctx, code):
        return
    with st.popover(ctx.t("followup_note_add"), icon=":material/edit_note:"):
        st.caption(
            ctx.t(
                "followup_note_hint",
                indicator=indicator_label(ctx, indicator_id),
                year=ctx.year,
                period=ctx.t(f"period_{ctx.period}"),
            )
        )
        generation = st.session_state.setdefault(f"_gen_{key}", 0)
        with st.form(f"{key}_{generation}", border=False):
            text = st.text_area(
                ctx.t("followup_note_text"),
                placeholder=ctx.t("followup_note_placeholder"),
                key=f"{key}_{generation}_text",
            )
            submitted = st.form_submit_button(ctx.t("followup_note_submit"), type="primary")
    if not submitted:
        return
    try:
        store(ctx).add_note(area_code=code,
            indicator_id=indicator_id,
            year=ctx.year,
            period=ctx.period,
            text=text,
        )
    except (FollowUpError, AccessDenied) as exc:
        st.error(exc.message(ctx.lang), icon=":material/error:")
        return
    st.session_state[f"_gen_{key}"] = generation + 1
    st.session_state[_FLASH] = ctx.t("followup_note_saved")
    st.rerun()
