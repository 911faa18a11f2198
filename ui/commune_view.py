"""The Commune page's blocks: has the commune reported (and how completely), why a
recognised commune does not count, every indicator against its target with the change
and the commune's rank, and one indicator's history with the target drawn in.

Numbers come from the progress rows and `rules`; words from the catalogue and the
shared scorecard wording (ui/scorecard.py), so a leader reads the same phrases on the
Overview, Indicator and Commune pages. Data only reaches the screen through dataframes,
metrics and escaped markdown.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from data_access.progress import Progress
from i18n import t, unit_words
from rules import AreaValue, accumulates_over_year, area_value, better_direction, evaluate
from rules.commune import is_rankable, rank_of, report_completeness
from rules.model import COMMUNES, JUDGED_STATUSES, Indicator, OrgUnitRef
from rules.scorecard import indicator_numbers, ineligible_recognised, status_counts
from rules.suppression import is_masked
from ui import charts, data, reform
from ui import scorecard as sc
from ui.frame import PageContext
from ui.status import STATUS_BADGE_COLOR, status_label

ROW_HEIGHT = 38
WRAP_ROW_HEIGHT = 68  # above 4rem the grid wraps long names onto two lines

Figures = Mapping[str, Mapping[str, float]]


def option_label(commune: OrgUnitRef) -> str:
    """'Thị trấn An Châu (07615)'."""
    return f"{commune.full_name} ({commune.code})"


def figures_for_year(ctx: PageContext, progress: Progress, year: int) -> Figures:
    """Every commune's figures for `year` (same period), from the progress when it has them."""
    if year == progress.year:
        return progress.figures
    if year == progress.year - 1:
        return progress.previous_figures
    history = data.history(ctx.db_url, ctx.area.code, [year], ctx.period, ctx.plan.used_data_elements())
    return history.get((year, ctx.period), {})


def report_status(ctx: PageContext, progress: Progress, commune: OrgUnitRef) -> bool:
    """Whether the commune reported this period, said plainly; False when it has not."""
    lang = ctx.lang
    when = sc.when_text(ctx.period, ctx.year, lang)
    expected = ctx.plan.used_data_elements()
    figures = progress.figures.get(commune.code) or {}
    reported, missing = report_completeness(expected, figures)
    # A figure hidden by small-count protection ("<5", "*") was sent: masked, not missing.
    reported += [de for de in missing if is_masked(figures.get(de))]
    missing = [de for de in missing if not is_masked(figures.get(de))]
    name = sc.escape_md(commune.full_name)
    if not reported:
        st.warning(t("commune_not_reported", lang, commune=name, when=when), icon=":material/schedule:")
        return False
    if missing:
        names = "; ".join(sc.element_name(ctx.plan, de, lang) for de in missing)
        text = t("commune_report_partial", lang, commune=name, when=when, n=len(reported), total=len(expected))
        st.info(text + "\n\n" + t("commune_report_missing", lang, names=sc.escape_md(names)), icon=":material/rule:")
    else:
        text = t("commune_report_complete", lang, commune=name, when=when, n=len(reported), total=len(expected))
        st.success(text, icon=":material/task_alt:")
    return True


def eligibility_warnings(ctx: PageContext, progress: Progress, commune: OrgUnitRef) -> None:
    """'Được công nhận phù hợp với trẻ em nhưng có 1 trẻ em tử vong do đuối nước năm 2024 …'."""
    for ind in ctx.plan.indicators:
        row = progress.row(ind.id, commune.code)
        for r in ineligible_recognised(ind, [row], progress.figures):
            reason = sc.commune_reason(ind, r, ctx.plan, progress.figures, ctx.lang)
            title = t("commune_ineligible", ctx.lang, indicator=ind.name.get(ctx.lang))
            st.warning(f"**{sc.escape_md(title)}** {sc.escape_md(reason)}", icon=":material/report:")


def summary(ctx: PageContext, progress: Progress, commune: OrgUnitRef) -> None:
    """How many indicators the commune meets, at a glance (symbol + word in each label)."""
    rows = list(progress.rows_of_commune(commune.code))
    counts = status_counts(rows)
    assessed = counts["met"] + counts["at_risk"] + counts["not_met"]
    cols = st.columns(4)
    values = (f"{counts['met']}/{assessed}", str(counts["at_risk"]), str(counts["not_met"]), str(counts["no_data"]))
    for col, status, value in zip(cols, (*JUDGED_STATUSES, "no_data"), values, strict=True):
        # Symbol, word and colour in the label (Streamlit's named colours closest to ui/status).
        col.metric(f":{STATUS_BADGE_COLOR[status]}[**{status_label(status, ctx.lang)}**]", value)
    unit = unit_words([commune.type], ctx.lang)  # "phường", "thị trấn": the unit's own word
    hint = t("commune_summary_hint", ctx.lang, n=assessed, area_only=counts["no_target"], unit=unit)
    if counts["not_applicable"]:
        hint += " " + t("commune_summary_not_applicable", ctx.lang, n=counts["not_applicable"])
    st.caption(hint)


def rank_text(ind: Indicator, progress: Progress, code: str) -> str:
    """'3/17' (best first by the indicator's direction), or '–'."""
    if not is_rankable(ind):
        return "–"
    values = {r.area_code: r.value for r in progress.commune_rows_of(ind.id)}
    rank = rank_of(values, code, better_direction(ind))
    return f"{rank[0]}/{rank[1]}" if rank else "–"


def _tint(status_col: str):  # noqa: ANN202 - a Styler function
    def apply(df: pd.DataFrame, statuses: list[str]) -> pd.DataFrame:
        out = pd.DataFrame("", index=df.index, columns=df.columns)
        out[status_col] = [f"background-color: {sc.STATUS_TINT[s]}; color: #111111" for s in statuses]
        return out

    return apply


def indicator_tables(
    ctx: PageContext, progress: Progress, commune: OrgUnitRef, then: Figures, notes: Mapping[str, str] | None = None
) -> None:
    """One table per plan section; choosing a row opens that indicator for all communes.
    `notes` (indicator id -> the newest note on the value) adds a "Ghi chú" column."""
    plan, lang, code = ctx.plan, ctx.lang, commune.code
    numbers = indicator_numbers(plan)
    cols = sc.table_columns(ctx, rank=t("commune_col_rank", lang))

    def record(ind: Indicator) -> tuple[dict[str, object], str]:
        row = progress.row(ind.id, code)
        now: AreaValue = area_value(ind, [code], progress.figures)
        before: AreaValue = area_value(ind, [code], then)
        target = sc.fmt_target(
            ind, ind.targets.get(ctx.year), lang, expected=row.expected, prorated=row.prorated, year=ctx.year
        )
        return {
            cols["no"]: numbers[ind.id],
            cols["name"]: ind.name.get(lang),
            cols["value"]: sc.commune_value(ind, row, plan, progress.figures, lang),
            cols["target"]: target if ind.applies_to_communes else t("commune_area_only", lang),
            cols["status"]: status_label(row.status, lang),
            cols["change"]: sc.change_cell(ind, now, before, lang),
            cols["rank"]: rank_text(ind, progress, code),
            **({t("followup_col_note", lang): notes.get(ind.id, "")} if notes else {}),
        }, row.status

    sc.section_tables(
        ctx,
        record,
        _tint(cols["status"]),
        {
            **sc.text_columns(
                cols,
                {"no": 38, "name": 250, "value": 76, "target": 112, "status": 104, "change": 126, "rank": 66},
                {
                    "change": t("scorecard_help_change", lang, year=ctx.compare_year),
                    "rank": t("commune_help_rank", lang),
                },
            ),
            t("followup_col_note", lang): st.column_config.TextColumn(width=220),
        },
        "commune_group",
    )


def history_frame(ctx: PageContext, ind: Indicator, commune: OrgUnitRef) -> pd.DataFrame:
    """The commune's value for every year up to the chosen one (same period), with the target."""
    years = [y for y in data.year_options(ctx.db_url, ctx.plan) if y <= ctx.year]
    elements = [e for e in (ind.numerator, ind.denominator, *ind.requires_zero) if e and e != COMMUNES]
    history = data.history(ctx.db_url, ctx.area.code, years, ctx.period, elements, viewed_year=ctx.year)
    flow = accumulates_over_year(ind, ctx.plan.data_elements)
    records = []
    for year in years:
        value = area_value(ind, [commune.code], history.get((year, ctx.period), {})).value
        target = ind.targets.get(year)
        expected = None
        if ind.applies_to_communes and target is not None and not target.is_trend:
            expected = evaluate(ind, year, ctx.period, value, None, flow).expected
        records.append({"year": year, "value": value, "target": expected})
    return pd.DataFrame(records, columns=["year", "value", "target"])


def history(ctx: PageContext, ind: Indicator, commune: OrgUnitRef, notes: dict[int, str] | None = None) -> None:
    """The history chart (or a plain sentence when there is nothing to draw); `notes`
    (year -> text) are marked on it."""
    lang = ctx.lang
    frame = history_frame(ctx, ind, commune)
    if frame.empty or frame["value"].isna().all():
        st.info(t("commune_no_history", lang), icon=":material/info:")
        return
    chart = charts.trend_chart(frame, ind.unit, None, lang, value_label=commune.name, notes=notes)
    st.altair_chart(chart, alt=t("commune_history_alt", lang, indicator=ind.name.get(lang), commune=commune.full_name))
    st.caption(t("commune_history_key", lang, commune=sc.escape_md(commune.name)))
    # Years before the commune existed are its predecessors' figures added up: say so.
    years = [y for y in data.year_options(ctx.db_url, ctx.plan) if y <= ctx.year]
    elements = [e for e in (ind.numerator, ind.denominator, *ind.requires_zero) if e and e != COMMUNES]
    reform.show_commune(
        data.carried_sources(ctx.db_url, ctx.area.code, years, ctx.period, elements, viewed_year=ctx.year),
        commune,
        lang,
    )
    target = ind.targets.get(ctx.year)
    if target is not None and target.is_trend:
        st.caption(t("commune_history_trend", lang, target=sc.fmt_target(ind, target, lang)))
    missing = [str(int(y)) for y, v in zip(frame["year"], frame["value"], strict=True) if pd.isna(v)]
    if missing:
        st.caption(t("commune_history_missing", lang, years=", ".join(missing)))
