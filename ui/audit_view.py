"""Streamlit pieces of the audit-trail page: filters bound to the URL, and the changes to
figures newest first, a page at a time (through the viewer's door, `ui.auth.store()`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from data_access import access
from data_access.store import AuditRow
from i18n import catalogue, fmt_date, fmt_number, period_label, t
from rules.model import Plan
from rules.suppression import SmallCount, is_small
from ui import auth as ui_auth
from ui import data
from ui.frame import PageContext, url_widget
from ui.plan_text import element_name

# ----------------------------------------------------------------------------- audit page

ALL = "all"
AUDIT_PAGE_SIZE = 50


def audit_filters(ctx: PageContext) -> dict[str, object]:
    """Commune, data element, year, period: all bound to the URL so a view can be shared."""
    lang = ctx.lang
    communes = data.communes_of(ctx.db_url, ctx.area.code)
    names = {c.code: c.full_name for c in communes}
    elements = list(ctx.plan.data_elements)
    years = [str(y) for y in sorted(data.year_options(ctx.db_url, ctx.plan), reverse=True)]
    c1, c2, c3, c4 = st.columns([3, 4, 2, 2])
    # The URL carries codes (?commune=07654&audit_period=FY), never labels.
    commune = url_widget(
        c1.selectbox,
        t("intake_filter_commune", lang),
        [ALL, *names],
        "commune",
        ALL,
        format_func=lambda c: t("intake_all_communes", lang) if c == ALL else f"{names[c]} ({c})",
    )
    element = url_widget(
        c2.selectbox,
        t("intake_filter_element", lang),
        [ALL, *elements],
        "audit_element",
        ALL,
        format_func=lambda e: t("intake_all_elements", lang) if e == ALL else element_name(ctx.plan, e, lang),
    )
    year = url_widget(
        c3.selectbox,
        t("filter_year", lang),
        [ALL, *years],
        "audit_year",
        ALL,
        format_func=lambda y: t("intake_all_years", lang) if y == ALL else y,
    )
    period = url_widget(
        c4.selectbox,
        t("filter_period", lang),
        [ALL, "H1", "FY"],
        "audit_period",
        ALL,
        format_func=lambda p: t("intake_all_periods", lang) if p == ALL else t(f"period_{p}", lang),
    )
    batch = st.query_params.get("batch")
    return {
        "commune": None if commune in (ALL, None) else commune,
        "data_element": None if element in (ALL, None) else element,
        "year": None if year in (ALL, None) else int(year),
        "period": None if period in (ALL, None) else period,
        "import_id": int(batch) if batch and str(batch).isdigit() else None,
    }


def _audit_num(element: str, value: float | None, lang: str) -> str:
    """A figure in the audit trail; a small sensitive count is "<5" when the view is
    protected (PROTECT_SMALL_COUNTS=always, an aggregate-only account)."""
    if data.protected() and element in access.sensitive_elements() and is_small(value):
        return SmallCount.mask_text
    return fmt_number(value, lang=lang)


def audit_frame(rows: Sequence[AuditRow], plan: Plan, lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("intake_col_when", lang): [fmt_date(r.changed_at, lang, with_time=True) for r in rows],
            t("intake_col_commune", lang): [f"{r.commune_name} ({r.commune_code})" for r in rows],
            t("intake_col_element", lang): [
                t("intake_audit_whole_period", lang)
                if r.data_element == "*"
                else element_name(plan, r.data_element, lang)
                for r in rows
            ],
            t("intake_col_period", lang): [period_label(r.period, r.year, lang) for r in rows],
            t("intake_col_old", lang): [_audit_num(r.data_element, r.old_value, lang) for r in rows],
            t("intake_col_new", lang): [_audit_num(r.data_element, r.new_value, lang) for r in rows],
            t("intake_col_audit_action", lang): [action_label(r.action, lang) for r in rows],
            t("intake_col_by", lang): [r.changed_by for r in rows],
            t("intake_col_file", lang): [r.source or "" for r in rows],
        }
    )


def action_label(action: str, lang: str) -> str:
    key = f"intake_audit_{action}"
    return t(key, lang) if key in catalogue() else action


def audit_table(ctx: PageContext, filters: dict[str, object]) -> None:
    store = ui_auth.store(ctx.db_url)
    first = store.audit(ctx.area.code, limit=1, **filters)
    if first.total == 0:
        st.info(t("intake_audit_empty", ctx.lang), icon=":material/info:")
        return
    pages = max(1, math.ceil(first.total / AUDIT_PAGE_SIZE))
    page_box = st.container()
    page = st.pagination(pages, key="audit_page") if pages > 1 else 1
    page = min(max(int(page or 1), 1), pages)
    result = store.audit(ctx.area.code, limit=AUDIT_PAGE_SIZE, offset=(page - 1) * AUDIT_PAGE_SIZE, **filters)
    page_box.caption(
        t("intake_audit_count", ctx.lang, total=fmt_number(result.total, lang=ctx.lang), page=page, pages=pages)
    )
    page_box.dataframe(audit_frame(result.rows, ctx.plan, ctx.lang), hide_index=True, width="stretch")
