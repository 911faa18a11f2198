"""Khoá sổ kỳ báo cáo: an administrator closes a reporting period after the deadline
(imports into it are then refused) and reopens it when a commune must correct.

Both actions are written to the audit trail.
"""

import streamlit as st

from ui import data, locks_view
from ui.frame import page_context

ctx = page_context("locks")
st.title(ctx.t("locks_title"), anchor=False)
st.caption(ctx.t("locks_intro"))
locks_view.show_done()
rows = locks_view.locks_table(ctx)
st.subheader(ctx.t("locks_close_header"), anchor=False)
locks_view.close_form(ctx, data.year_options(ctx.db_url, ctx.plan))
if rows:
    st.subheader(ctx.t("locks_reopen_header"), anchor=False)
    locks_view.reopen_form(ctx, rows)
