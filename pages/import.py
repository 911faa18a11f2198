"""Nhập số liệu: the child-affairs officer loads communes' reports (CSV or XLSX).

Three steps on one page: download the template, upload a file and read the dry run
(every error with its row, or every change), then confirm: all or nothing.
"""

import streamlit as st

from ui import import_view
from ui.frame import page_context

ctx = page_context("import")
st.title(ctx.t("nav_import"))
st.caption(ctx.t("intake_import_intro"))
import_view.show_done(ctx)

left, right = st.columns([2, 3], gap="large")
with left:
    st.subheader(ctx.t("intake_step_template"))
    import_view.template_download(ctx)
with right:
    st.subheader(ctx.t("intake_step_upload"))
    limit_mb = max(1, import_view.upload_limit_bytes() // (1024 * 1024))
    import_view.translate_uploader(ctx.lang, limit_mb)
    uploaded = st.file_uploader(
        ctx.t("intake_upload_label"),
        type=["csv", "txt", "xlsx", "xls"],
        key=import_view.uploader_key(),
        help=ctx.t("intake_upload_help", limit=limit_mb),
        max_upload_size=limit_mb,
    )
if uploaded is None:
    st.info(ctx.t("intake_upload_hint"), icon=":material/upload_file:")
else:
    st.session_state.pop("_import_done", None)
    preview = import_view.preview_for(ctx, uploaded.name, uploaded.getvalue())
    if not preview.ok:
        import_view.show_issues(preview, ctx.lang)
    else:
        st.subheader(ctx.t("intake_step_check"))
        import_view.show_preview(preview, ctx.plan, ctx.lang)
        if preview.writes:
            import_view.confirm(ctx, preview)
        else:
            st.success(ctx.t("intake_zero_changes"), icon=":material/check_circle:")

with st.expander(ctx.t("intake_recent_title"), expanded=False):
    import_view.recent_imports_table(ctx)
