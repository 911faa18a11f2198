"""Nhật ký thay đổi: every change to a figure: old, new, who, when, from which file."""

import streamlit as st

from ui import audit_view
from ui.frame import page_context

ctx = page_context("audit")
st.title(ctx.t("nav_audit"))
st.caption(ctx.t("intake_audit_intro", area=ctx.area.full_name))
filters = audit_view.audit_filters(ctx)
if filters["import_id"] is not None:
    st.info(ctx.t("intake_audit_batch", batch=filters["import_id"]), icon=":material/filter_alt:")
    params = ctx.link_params()
    st.page_link(
        "pages/audit.py", label=ctx.t("intake_audit_all_batches"), icon=":material/filter_alt_off:", query_params=params
    )
audit_view.audit_table(ctx, filters)
