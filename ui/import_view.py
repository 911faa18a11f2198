"""Streamlit pieces of the import page: the template, the upload, the dry run (errors with
their rows, or the changes), the confirmation and the recent imports.

Reads and writes go through the viewer's door (`ui.auth.store()`); every text from the
catalogue (`intake_*`).
"""

from __future__ import annotations

import csv
import hashlib
import io

import pandas as pd
import streamlit as st

from data_access.store import WRITE_FAILED, WRITE_REFUSALS, ImportPreview, upload_limit_bytes
from i18n import escape_md, fmt_date, fmt_number, period_label, spreadsheet_text, t, to_local, unit_words
from rules.model import Plan
from ui import auth as ui_auth
from ui import data
from ui.frame import PageContext
from ui.plan_text import element_name

# ----------------------------------------------------------------------------- import page


def template_download(ctx: PageContext) -> None:
    """Step 1: the XLSX template for the selected year and period, made when clicked."""
    label = period_label(ctx.period, ctx.year, ctx.lang)
    # The communes that report this period (2024: the old ones; 2026: the new ones).
    communes = data.reporting_units(ctx.db_url, ctx.area.code, ctx.year, ctx.period)
    units = unit_words((c.type for c in communes), ctx.lang)  # "xã, phường": the tree's words
    n = len(communes)
    st.caption(t("intake_template_caption", ctx.lang, period=label, area=ctx.area.full_name, communes=n, units=units))

    def make() -> bytes:
        return ui_auth.store(ctx.db_url).template(ctx.plan, ctx.year, ctx.period, ctx.area.code)[0]

    st.download_button(
        t("intake_template_button", ctx.lang, period=label),
        data=make,
        file_name=f"mau_bao_cao_{ctx.area.code}_{ctx.period}_{ctx.year}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
        on_click="ignore",
    )


def _css_text(text: str) -> str:
    """A catalogue text as a CSS string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ") + '"'


def translate_uploader(lang: str, limit_mb: int) -> None:
    """Streamlit's uploader says "Upload" and "20MB per file" in English whatever the
    app's language; static CSS (catalogue text, never data) puts our words there."""
    button = _css_text(t("intake_upload_button", lang))
    note = _css_text(t("intake_upload_note", lang, limit=limit_mb))
    drop = '[data-testid="stFileUploaderDropzone"]'
    st.html(
        "<style>"
        f"{drop} button [data-testid=stMarkdownContainer] p{{font-size:0}}"
        f"{drop} button [data-testid=stMarkdownContainer] p::after{{content:{button};font-size:1rem}}"
        f"{drop} [data-testid=stFileUploaderDropzoneInstructions] span{{font-size:0}}"
        f"{drop} [data-testid=stFileUploaderDropzoneInstructions] span::after{{content:{note};font-size:.875rem}}"
        "</style>"
    )


def uploader_key() -> str:
    return f"import_file_{st.session_state.get('_import_round', 0)}"


def preview_for(ctx: PageContext, name: str, content: bytes) -> ImportPreview:
    """The dry run for an uploaded file, computed once per file (kept in the session)."""
    digest = hashlib.sha256(content).hexdigest()
    kept = st.session_state.get("_import_preview")
    if kept and kept[0] == digest and kept[1] == name:
        return kept[2]
    with st.status(t("intake_status_checking", ctx.lang, file=escape_md(name)), expanded=False) as status:
        bar = st.progress(0.0)

        def progress(fraction: float, key: str) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), text=t(key, ctx.lang))

        preview = ui_auth.store(ctx.db_url).preview_import(
            ctx.plan, content, name, on_progress=progress, max_bytes=upload_limit_bytes()
        )
        status.update(label=t("intake_status_checked", ctx.lang, file=escape_md(name)), state="complete")
    st.session_state["_import_preview"] = (digest, name, preview)
    return preview


def show_issues(preview: ImportPreview, lang: str) -> None:
    title = t("intake_errors_title", lang, file=escape_md(preview.filename), count=fmt_number(preview.error_count, lang=lang))
    if all(i.row is None and i.column is None for i in preview.issues):
        # The file as a whole (too big, a bomb, not a table): the reason in the box itself,
        # not in a one-row grid where a long sentence is cut off.
        st.error(title + "\n\n" + "\n\n".join(escape_md(i.message(lang)) for i in preview.issues), icon=":material/error:")
        return
    st.error(title, icon=":material/error:")
    frame = pd.DataFrame(
        {
            t("intake_col_row", lang): [str(i.row) if i.row is not None else "" for i in preview.issues],
            t("intake_col_column", lang): [i.column or "" for i in preview.issues],
            t("intake_col_reason", lang): [i.reason(lang) for i in preview.issues],
        }
    )
    st.dataframe(frame, hide_index=True, width="stretch")
    if preview.issues_more:
        st.caption(preview.more_text(lang)[:1].upper() + preview.more_text(lang)[1:] + ".")
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(frame.columns)
    writer.writerows([spreadsheet_text(v) for v in row] for row in frame.itertuples(index=False))
    st.download_button(
        t("intake_errors_download", lang),
        data=("\ufeff" + buf.getvalue()).encode("utf-8"),
        file_name="loi_nhap_so_lieu.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
    )


ACTION_SYMBOL = {"new": "+", "changed": "✎", "unchanged": "="}


def changes_frame(preview: ImportPreview, plan: Plan, lang: str, include_unchanged: bool) -> pd.DataFrame:
    rows = [c for c in preview.changes if include_unchanged or c.action != "unchanged"]
    return pd.DataFrame(
        {
            t("intake_col_row", lang): [c.row for c in rows],
            t("intake_col_action", lang): [
                f"{ACTION_SYMBOL[c.action]} {t('intake_action_' + c.action, lang)}" for c in rows
            ],
            t("intake_col_commune", lang): [f"{c.commune} ({c.code})" for c in rows],
            t("intake_col_period", lang): [period_label(c.period, c.year, lang) for c in rows],
            t("intake_col_element", lang): [element_name(plan, c.element, lang) for c in rows],
            t("intake_col_old", lang): [fmt_number(c.old, lang=lang) for c in rows],
            t("intake_col_new", lang): [fmt_number(c.new, lang=lang) for c in rows],
        }
    )


def show_preview(preview: ImportPreview, plan: Plan, lang: str) -> None:
    """The dry run of a valid file: counts, what was detected, the table of changes."""
    cols = st.columns(4)
    cols[0].metric(t("intake_metric_figures", lang), fmt_number(len(preview.changes), lang=lang))
    cols[1].metric(f"{ACTION_SYMBOL['new']} {t('intake_metric_new', lang)}", fmt_number(preview.new, lang=lang))
    cols[2].metric(
        f"{ACTION_SYMBOL['changed']} {t('intake_metric_changed', lang)}", fmt_number(preview.changed, lang=lang)
    )
    cols[3].metric(
        f"{ACTION_SYMBOL['unchanged']} {t('intake_metric_unchanged', lang)}", fmt_number(preview.unchanged, lang=lang)
    )
    periods = ", ".join(period_label(p, y, lang) for y, p in preview.periods())
    st.caption(
        t(
            "intake_preview_caption",
            lang,
            kind=t(f"intake_kind_{preview.kind}", lang),
            communes=len(preview.communes()),
            periods=periods,
            empty=fmt_number(preview.empty_skipped, lang=lang),
        )
    )
    for when, who in preview.previous_imports[-1:]:
        st.info(
            t("intake_seen_before", lang, when=fmt_date(to_local(when), lang, with_time=True), who=escape_md(who)),
            icon=":material/history:",
        )
    show_all = st.toggle(t("intake_show_unchanged", lang), key="import_show_unchanged")
    frame = changes_frame(preview, plan, lang, show_all)
    if frame.empty:
        st.info(t("intake_nothing_to_change", lang), icon=":material/check_circle:")
    else:
        st.dataframe(frame, hide_index=True, width="stretch", height=min(420, 38 + 35 * len(frame)))


def signed_in_name() -> str | None:
    """The signed-in person's name, when there is one (then nobody types a name)."""
    scope = ui_auth.scope()
    return (scope.display_name or scope.user) if scope.kind == "user" else None


def confirm(ctx: PageContext, preview: ImportPreview) -> None:
    """Step 3: who is importing, then one click writes everything (or nothing)."""
    name_col, button_col = st.columns([2, 2], vertical_alignment="bottom")
    by = signed_in_name()
    if by:
        name_col.caption(t("intake_by_signed_in", ctx.lang, name=by))
    else:
        by = name_col.text_input(
            t("intake_by_label", ctx.lang), key="import_by", max_chars=120, help=t("intake_by_help", ctx.lang)
        ).strip()
    label = t("intake_confirm_button", ctx.lang, count=fmt_number(len(preview.writes), lang=ctx.lang))
    if not by:
        st.caption(t("intake_by_needed", ctx.lang))
    if button_col.button(label, type="primary", disabled=not by, icon=":material/save:", key="import_confirm"):
        try:
            with st.spinner(t("intake_applying", ctx.lang)):
                result = ui_auth.store(ctx.db_url).write_import(preview, by)
        except WRITE_REFUSALS as exc:
            st.session_state.pop("_import_preview", None)
            st.error(exc.message(ctx.lang), icon=":material/sync_problem:")
            return
        except WRITE_FAILED as exc:  # the dry run stays: the same file can be confirmed again
            st.error(exc.message(ctx.lang), icon=":material/database:")
            return
        data.clear_after_import()
        st.session_state.pop("_import_preview", None)
        st.session_state["_import_round"] = st.session_state.get("_import_round", 0) + 1
        st.session_state["_import_done"] = (
            preview.filename,
            result.inserted,
            result.updated,
            result.unchanged,
            result.batch_id,
        )
        st.rerun()


def show_done(ctx: PageContext) -> None:
    done = st.session_state.get("_import_done")
    if not done:
        return
    name, inserted, updated, unchanged, batch = done
    st.success(
        t(
            "intake_done",
            ctx.lang,
            file=escape_md(name),
            changes=fmt_number(inserted + updated, lang=ctx.lang),
            new=fmt_number(inserted, lang=ctx.lang),
            changed=fmt_number(updated, lang=ctx.lang),
            unchanged=fmt_number(unchanged, lang=ctx.lang),
        ),
        icon=":material/check_circle:",
    )
    st.page_link(
        "pages/audit.py",
        label=t("intake_done_audit_link", ctx.lang),
        icon=":material/history:",
        query_params=ctx.link_params(batch=batch),
    )


def recent_imports_table(ctx: PageContext) -> None:
    rows = ui_auth.store(ctx.db_url).recent_imports(ctx.area.code, limit=10)
    if not rows:
        st.caption(t("intake_recent_none", ctx.lang))
        return
    lang = ctx.lang
    st.dataframe(
        pd.DataFrame(
            {
                t("intake_col_when", lang): [fmt_date(r.imported_at, lang, with_time=True) for r in rows],
                t("intake_col_file", lang): [r.filename for r in rows],
                t("intake_col_by", lang): [r.imported_by for r in rows],
                t("intake_metric_new", lang): [fmt_number(r.inserted, lang=lang) for r in rows],
                t("intake_metric_changed", lang): [fmt_number(r.updated, lang=lang) for r in rows],
                t("intake_metric_unchanged", lang): [fmt_number(r.unchanged, lang=lang) for r in rows],
            }
        ),
        hide_index=True,
        width="stretch",
    )
