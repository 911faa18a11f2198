"""Streamlit pieces for the data pages: import, audit trail, reporting status, data quality.

Pages stay short and call these. Reads and writes go through the viewer's door
(`ui.auth.store()`, a `data_access.store.Store`); rules come from `rules.quality`; every
text from the catalogue (`intake_*`).
`coverage_text` / `coverage_caption` are for any page that shows a total: "this total
covers x of y communes".
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from data_access import access
from data_access.store import WRITE_FAILED, WRITE_REFUSALS, AuditRow, ImportPreview, upload_limit_bytes
from i18n import catalogue, escape_md, fmt_date, fmt_number, period_label, spreadsheet_text, t, to_local
from rules.model import OrgUnitRef, Plan
from rules.quality import QualityFinding, deadline_date, is_overdue, report_state
from rules.suppression import SmallCount, is_small
from ui import auth as ui_auth
from ui import data
from ui.frame import PageContext, url_widget
from ui.status import STATUS_COLOR, STATUS_SYMBOL

# ----------------------------------------------------------------------------- coverage


def coverage_text(reported: int, total: int, lang: str) -> str:
    """'Tổng này tính trên 16/17 xã (1 xã chưa có số liệu).' — for under any total."""
    if total and reported >= total:
        return t("intake_coverage_all", lang, total=total)
    return t("intake_coverage_some", lang, reported=reported, total=total, missing=max(total - reported, 0))


def coverage_caption(reported: int, total: int, lang: str) -> None:
    st.caption(coverage_text(reported, total, lang))


# ----------------------------------------------------------------------------- shared helpers


def element_name(plan: Plan, element: str, lang: str) -> str:
    de = plan.data_elements.get(element)
    return de.name.get(lang) if de else element


def _num(value: float | None, lang: str) -> str:
    return (
        fmt_number(value, lang=lang)
        if value is not None and not (isinstance(value, float) and math.isnan(value))
        else "–"
    )


# ----------------------------------------------------------------------------- import page


def template_download(ctx: PageContext) -> None:
    """Step 1: the XLSX template for the selected year and period, made when clicked."""
    label = period_label(ctx.period, ctx.year, ctx.lang)
    n = len(data.communes_of(ctx.db_url, ctx.area.code))
    st.caption(t("intake_template_caption", ctx.lang, period=label, area=ctx.area.full_name, communes=n))

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
            t("intake_col_old", lang): [_num(c.old, lang) for c in rows],
            t("intake_col_new", lang): [_num(c.new, lang) for c in rows],
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
    return _num(value, lang)


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


# ----------------------------------------------------------------------------- completeness

STATE_STYLE = {
    "complete": ("✔", STATUS_COLOR["met"], "#DDF3EA"),
    "late": ("◷", STATUS_COLOR["met"], "#E8F0D8"),  # complete, after the deadline
    "partial": ("▲", STATUS_COLOR["at_risk"], "#FCEFD6"),
    "missing": ("?", STATUS_COLOR["no_data"], "#EDEDED"),
    "overdue_partial": ("✖", STATUS_COLOR["not_met"], "#F8DCCD"),
    "overdue_missing": ("✖", STATUS_COLOR["not_met"], "#F8DCCD"),
}


STATE_RANK = {"overdue_missing": 0, "overdue_partial": 1, "partial": 2, "missing": 3, "late": 4, "complete": 5}
# The four groups every commune falls in exactly one of (they add up to all communes).
STATE_GROUPS = {
    "complete": ("complete",),
    "late": ("late",),
    "not_due": ("partial", "missing"),
    "overdue": ("overdue_partial", "overdue_missing"),
}

# Above this many communes (a large province, the country) the matrix has one row per
# child area (provinces of the country, districts of a province) and one child's
# communes on demand: a styled 10,600-row matrix took 5 s to build and sent 15 MB.
MAX_COMMUNE_ROWS = 300
MAX_OVERDUE_NAMES = 20  # an overdue warning names this many communes, then "and N more"
PART_KEY = "completeness_part"  # URL parameter: the child area whose communes are shown


def report_counts(ctx: PageContext, periods: Sequence[tuple[int, str]]) -> dict[tuple[int, str], pd.Series]:
    """(year, period) -> figures in per commune code (communes with none left out)."""
    return data.report_counts(ctx.db_url, ctx.area.code, periods, ctx.plan.used_data_elements())


def state_text(state: str, reported: int, expected: int, lang: str) -> str:
    """'✔ Đủ 33/33', '▲ Thiếu 26/33 (79 %)', '✖ Quá hạn — chưa nộp' (symbol + word)."""
    symbol = STATE_STYLE[state][0]
    pct = fmt_number(100.0 * reported / expected, 0, lang) if expected else "0"
    return symbol + " " + t(f"intake_state_{state}", lang, reported=reported, expected=expected, pct=pct)


def commune_states(
    ctx: PageContext, periods: Sequence[tuple[int, str]], today: date
) -> tuple[pd.DataFrame, pd.DataFrame, dict[tuple[int, str], list[tuple[str, str]]]]:
    """(figures in, states, overdue communes per period) for every commune of the area.

    Both frames are indexed by commune code (code order); `states` starts with the
    commune column ("Xã An Lạc (07645)"), then one column per period (its label).
    No texts here: a country's 212,000 cells only need their state.
    """
    lang = ctx.lang
    communes = data.communes_of(ctx.db_url, ctx.area.code)
    expected = len(ctx.plan.used_data_elements())
    counts = report_counts(ctx, periods)
    received = data.report_received(ctx.db_url, ctx.area.code, periods, ctx.plan.used_data_elements())
    codes = [c.code for c in communes]
    reported: dict[str, pd.Series] = {}
    states: dict[str, object] = {t("intake_col_commune", lang): [f"{c.full_name} ({c.code})" for c in communes]}
    overdue: dict[tuple[int, str], list[tuple[str, str]]] = {}
    for year, period in periods:
        col = period_label(period, year, lang)
        due = deadline_date(ctx.plan.deadlines, year, period)
        got = counts.get((year, period))
        ns = (got if got is not None else pd.Series(dtype="int64")).reindex(codes, fill_value=0)
        days = received.get((year, period), {})
        late_in = pd.Series([days.get(c, due) > due for c in codes], index=codes)
        # One rule call per distinct (count, after the deadline), not per commune.
        pairs = list(zip(map(int, ns), late_in, strict=True))
        state_of = {
            p: report_state(p[0], expected, due, today, received=due + timedelta(days=1) if p[1] else None)
            for p in set(pairs)
        }
        col_states = pd.Series([state_of[p] for p in pairs], index=codes)
        reported[col], states[col] = ns, col_states
        late = [s for s in state_of.values() if is_overdue(s)]
        if late:
            mask = col_states.isin(late).tolist()
            overdue[(year, period)] = [(c.code, c.full_name) for c, m in zip(communes, mask, strict=True) if m]
    return pd.DataFrame(reported, index=codes), pd.DataFrame(states, index=codes), overdue


def _worst_first(states: pd.DataFrame) -> pd.Index:
    """Row labels ordered by their worst state (overdue, then partial...), stably."""
    if len(states.columns) < 2:
        return states.index
    worst = [min(STATE_RANK[s] for s in row) for row in states.iloc[:, 1:].itertuples(index=False)]
    return pd.Series(worst, index=states.index).sort_values(kind="stable").index


def commune_matrix(ctx: PageContext, reported: pd.DataFrame, states: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(texts, states) of these communes, one row each, communes to chase first."""
    expected = len(ctx.plan.used_data_elements())
    texts = states.copy()
    for col in states.columns[1:]:
        texts[col] = [state_text(s, n, expected, ctx.lang) for s, n in zip(states[col], reported[col], strict=True)]
    order = _worst_first(states)
    return texts.loc[order].reset_index(drop=True), states.loc[order].reset_index(drop=True)


def overdue_text(ctx: PageContext, year: int, period: str, units: Sequence[tuple[str, str]]) -> str:
    """'6 tháng đầu năm 2025 — 2 xã quá hạn: Xã An Lạc (07645), ...' naming at most
    MAX_OVERDUE_NAMES communes, then 'và N xã khác'."""
    names = ", ".join(f"{name} ({code})" for code, name in units[:MAX_OVERDUE_NAMES])
    if len(units) > MAX_OVERDUE_NAMES:
        more = fmt_number(len(units) - MAX_OVERDUE_NAMES, lang=ctx.lang)
        names += " " + t("intake_comp_overdue_more", ctx.lang, count=more)
    return t(
        "intake_comp_overdue",
        ctx.lang,
        period=period_label(period, year, ctx.lang),
        count=fmt_number(len(units), lang=ctx.lang),
        names=names,
    )


@dataclass(frozen=True)
class AreaPart:
    """A child of the area (a province of the country, a district of a province) and its communes."""

    unit: OrgUnitRef
    codes: tuple[str, ...]  # its communes' codes, in code order

    @property
    def label(self) -> str:
        return f"{self.unit.full_name} ({self.unit.code})"


def area_parts(ctx: PageContext, codes: Sequence[str]) -> list[AreaPart]:
    """The area's direct children among org units, each with its communes among `codes`.

    A commune placed right under the area (no district between) is its own part.
    """
    by_code = {u.code: u for u in data.org_units(ctx.db_url)}
    found: dict[str, list[str]] = {}
    for code in codes:
        unit = by_code.get(code)
        while unit is not None and unit.parent_code not in (None, ctx.area.code):
            unit = by_code.get(unit.parent_code)
        found.setdefault(unit.code if unit is not None else code, []).append(code)
    return [AreaPart(by_code[child], tuple(members)) for child, members in sorted(found.items()) if child in by_code]


def part_kind(parts: Sequence[AreaPart]) -> str:
    """'province', 'district' or 'area' (mixed levels): for the matrix's words."""
    levels = {p.unit.level for p in parts}
    return levels.pop() if len(levels) == 1 and levels <= {"province", "district"} else "area"


def area_state_text(state: str, complete: int, total: int, overdue: int, lang: str) -> str:
    """'✖ Quá hạn 12 xã — 150/170 xã đủ': the worst commune's symbol and state in words,
    with how many communes are complete."""
    key = "overdue" if is_overdue(state) else state
    return (
        STATE_STYLE[state][0]
        + " "
        + t(
            f"intake_area_state_{key}",
            lang,
            complete=fmt_number(complete, lang=lang),
            total=fmt_number(total, lang=lang),
            overdue=fmt_number(overdue, lang=lang),
        )
    )


def area_matrix(
    ctx: PageContext, states: pd.DataFrame, parts: Sequence[AreaPart]
) -> tuple[pd.DataFrame, pd.DataFrame, list[AreaPart]]:
    """(texts, states, parts) with one row per child area, worst first.

    A cell reads "complete/total" communes and carries the state of the area's worst
    commune (overdue if any commune is overdue), so the colour and symbol say where to
    chase. Rows: worst state first, then most communes overdue, then least complete.
    """
    lang = ctx.lang
    period_cols = list(states.columns[1:])
    part_of = pd.Series({code: i for i, p in enumerate(parts) for code in p.codes}).reindex(states.index)
    # Counted a column at a time over every commune (212,000 cells nationally).
    ranks = pd.DataFrame({col: states[col].map(STATE_RANK) for col in period_cols}, index=states.index)
    groups = ranks.groupby(part_of)
    worst = groups.min()
    complete = (ranks >= STATE_RANK["late"]).groupby(part_of).sum()  # all figures in, late or not
    late = (ranks <= STATE_RANK["overdue_partial"]).groupby(part_of).sum()
    total = groups.size()
    state_name = {rank: state for state, rank in STATE_RANK.items()}
    first = t(f"intake_comp_area_col_{part_kind(parts)}", lang)
    texts: dict[str, list[str]] = {first: [p.label for p in parts]}
    cells: dict[str, list[str]] = {first: ["" for _ in parts]}
    worst_a, complete_a, late_a = worst.to_numpy(), complete.to_numpy(), late.to_numpy()
    total_a = total.to_numpy()
    for j, col in enumerate(period_cols):
        cells[col] = [state_name[int(worst_a[i, j])] for i in range(len(parts))]
        texts[col] = [
            area_state_text(cells[col][i], int(complete_a[i, j]), int(total_a[i]), int(late_a[i, j]), lang)
            for i in range(len(parts))
        ]
    keys = [
        (
            int(worst_a[i].min()),
            -int(late_a[i].sum()),
            -(len(period_cols) * int(total_a[i]) - int(complete_a[i].sum())) / int(total_a[i]),
            p.unit.code,
        )
        for i, p in enumerate(parts)
    ]
    order = sorted(range(len(parts)), key=keys.__getitem__)
    text_df, state_df = pd.DataFrame(texts), pd.DataFrame(cells)
    return (
        text_df.loc[order].reset_index(drop=True),
        state_df.loc[order].reset_index(drop=True),
        [parts[i] for i in order],
    )


def summary_frame(
    ctx: PageContext, states: pd.DataFrame, periods: Sequence[tuple[int, str]], today: date
) -> pd.DataFrame:
    """One row per period: complete + late + not yet due + overdue = all communes, shown
    as such (each commune in exactly one group; "nộp muộn" stays after the import)."""
    lang = ctx.lang

    def n(count: int) -> str:
        return fmt_number(count, lang=lang)

    rows = []
    for year, period in periods:
        col = states[period_label(period, year, lang)]
        due = deadline_date(ctx.plan.deadlines, year, period)
        row = {
            t("intake_col_period", lang): period_label(period, year, lang),
            t("intake_col_deadline", lang): fmt_date(due, lang)
            + (" — " + t("intake_deadline_passed", lang) if today > due else ""),
        }
        for group, members in STATE_GROUPS.items():
            row[t(f"comp_group_{group}", lang)] = n(int(col.isin(members).sum()))
        row[t("comp_group_total", lang)] = n(len(col))
        rows.append(row)
    return pd.DataFrame(rows)


def styled_matrix(texts: pd.DataFrame, states: pd.DataFrame):  # noqa: ANN201 - pandas Styler
    """Colour as a third cue beside the symbol and the word."""

    def css(column: pd.Series) -> list[str]:
        out = []
        for state in states[column.name]:
            style = STATE_STYLE.get(state)
            out.append(f"background-color: {style[2]}; color: #1A1A1A" if style else "")
        return out

    return texts.style.apply(css, axis=0)


def matrix_height(rows: int) -> int:
    """Every row up to ~20, then the table scrolls."""
    return min(38 + 35 * rows, 760)


# ----------------------------------------------------------------------------- quality

SEVERITY_STYLE = {"error": (STATUS_SYMBOL["not_met"], "red"), "warning": (STATUS_SYMBOL["at_risk"], "orange")}


def finding_text(f: QualityFinding, plan: Plan, lang: str) -> str:
    """One finding in plain words (data are plain text: pages show it with st.text/markdown-escaped)."""
    names = [element_name(plan, e, lang) for e in f.elements]
    vals = [fmt_number(v, lang=lang) for v in f.values]
    if f.kind == "check":
        return t(
            "intake_q_check",
            lang,
            rule=f.reference,
            left=names[0],
            left_value=vals[0],
            right=names[1],
            right_value=vals[1],
        )
    if f.kind == "flow":
        return t("intake_q_flow", lang, element=names[0], h1=vals[0], fy=vals[1], year=f.year)
    if f.kind == "rate":
        try:
            indicator = plan.indicator(f.reference).name.get(lang)
        except KeyError:
            indicator = f.reference
        return t(
            "intake_q_rate", lang, indicator=indicator, num=names[0], num_value=vals[0], den=names[1], den_value=vals[1]
        )
    ratio = f.ratio or 0.0
    median = fmt_number(f.median, lang=lang)
    if ratio >= 1:
        return t(
            "intake_q_outlier_high",
            lang,
            element=names[0],
            value=vals[0],
            ratio=fmt_number(ratio, 1, lang),
            median=median,
        )
    return t(
        "intake_q_outlier_low",
        lang,
        element=names[0],
        value=vals[0],
        pct=fmt_number(100 * ratio, 0, lang),
        median=median,
    )


def severity_label(severity: str, lang: str) -> str:
    return f"{SEVERITY_STYLE[severity][0]} {t('intake_severity_' + severity, lang)}"

