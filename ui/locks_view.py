"""Streamlit pieces of the period-lock page: the closed periods, close, reopen.

Reads and writes go through the viewer's door (`ui.auth.store()`), whose lock methods
check the admin role on the area again (the page hiding a button is not the protection).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from data_access.store import WRITE_REFUSALS, LockRow
from i18n import fmt_date, period_label, t
from rules.model import OrgUnitRef
from ui import auth as ui_auth
from ui import data
from ui.frame import PERIODS, PageContext

# Above this many units the form offers areas down to district level only: a list of
# 11,000 communes is no choice, and closing a period is a district's or province's act.
AREA_CHOICES_LIMIT = 1000


def admin_areas(ctx: PageContext) -> list[OrgUnitRef]:
    """Units where this person is an administrator, districts before communes."""
    units = sorted(data.readable_units(ctx.db_url, "admin"), key=lambda u: (u.depth, u.code))
    if len(units) > AREA_CHOICES_LIMIT:
        units = [u for u in units if u.level != "commune"] or units[:AREA_CHOICES_LIMIT]
    return units


def who(ctx: PageContext) -> str:
    scope = ui_auth.scope()
    return (scope.display_name or scope.user) if scope.kind == "user" else t("locks_by_sample", ctx.lang)


def locks_table(ctx: PageContext) -> list[LockRow]:
    rows = ui_auth.store(ctx.db_url).locks()
    if not rows:
        st.info(t("locks_none", ctx.lang), icon=":material/lock_open:")
        return rows
    frame = pd.DataFrame(
        {
            t("locks_col_period", ctx.lang): [period_label(r.period, r.year, ctx.lang) for r in rows],
            t("locks_col_area", ctx.lang): [r.area_name for r in rows],
            t("locks_col_by", ctx.lang): [r.locked_by for r in rows],
            t("locks_col_when", ctx.lang): [fmt_date(r.locked_at, ctx.lang, with_time=True) for r in rows],
            t("locks_col_reason", ctx.lang): [r.reason or "" for r in rows],
        }
    )
    st.dataframe(frame, hide_index=True, width="stretch")
    return rows


def _done(message: str) -> None:
    st.session_state["_locks_done"] = message
    st.rerun()


def show_done() -> None:
    message = st.session_state.pop("_locks_done", None)
    if message:
        st.success(message, icon=":material/check_circle:")


def close_form(ctx: PageContext, years: list[int]) -> None:
    areas = admin_areas(ctx)
    if not areas:
        return
    names = {u.code: u.full_name for u in areas}
    default = ctx.area.code if ctx.area.code in names else areas[0].code
    with st.form("locks_close", border=True):
        cols = st.columns(3)
        year = cols[0].selectbox(t("filter_year", ctx.lang), sorted(years, reverse=True), index=0, key="locks_year")
        period = cols[1].radio(
            t("filter_period", ctx.lang),
            PERIODS,
            index=PERIODS.index(ctx.period),
            format_func=lambda p: t(f"period_{p}", ctx.lang),
            horizontal=True,
            key="locks_period",
        )
        area = cols[2].selectbox(
            t("locks_col_area", ctx.lang),
            list(names),
            index=list(names).index(default),
            format_func=lambda c: names[c],
            key="locks_area",
        )
        reason = st.text_input(t("locks_reason", ctx.lang), max_chars=300, key="locks_reason")
        if st.form_submit_button(t("locks_close_button", ctx.lang), icon=":material/lock:", type="primary"):
            try:
                ui_auth.store(ctx.db_url).close_period(int(year), period, area, who(ctx), reason=reason)
            except WRITE_REFUSALS as exc:
                st.error(exc.message(ctx.lang))
            else:
                _done(t("locks_closed", ctx.lang, period=period_label(period, int(year), ctx.lang), area=names[area]))


def reopen_form(ctx: PageContext, rows: list[LockRow]) -> None:
    mine = [r for r in rows if data.can_read(ctx.db_url, r.area_code, "admin")]
    if not mine:
        return
    labels = {i: f"{period_label(r.period, r.year, ctx.lang)} — {r.area_name}" for i, r in enumerate(mine)}
    with st.form("locks_reopen", border=True):
        chosen = st.selectbox(t("locks_which", ctx.lang), list(labels), format_func=labels.get, key="locks_which")
        reason = st.text_input(t("locks_reason_reopen", ctx.lang), max_chars=300, key="locks_reason_reopen")
        if st.form_submit_button(t("locks_reopen_button", ctx.lang), icon=":material/lock_open:"):
            lock = mine[chosen]
            try:
                ui_auth.store(ctx.db_url).reopen_period(lock.year, lock.period, lock.area_code, who(ctx), reason=reason)
            except WRITE_REFUSALS as exc:
                st.error(exc.message(ctx.lang))
            else:
                _done(
                    t(
                        "locks_reopened",
                        ctx.lang,
                        period=period_label(lock.period, lock.year, ctx.lang),
                        area=lock.area_name,
                    )
                )
