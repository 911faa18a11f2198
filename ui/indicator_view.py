"""The Indicator page's blocks: what the indicator is and how it is computed, where the
area stands (value, target, status, the gap in real units), communes ranked against the
target, the trend over the years, and who is off track or has not reported.

Numbers come from the progress rows and `rules`; words from the catalogue.
"""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from data_access.progress import Progress
from i18n import fmt_amount, fmt_number, t
from rules import accumulates_over_year, better_direction, evaluate
from rules.model import COMMUNES, OFF_TRACK, Indicator, LocalText
from rules.scorecard import communes_met, communes_reported, ineligible_recognised
from ui import charts, data, reform
from ui import scorecard as sc
from ui.frame import PageContext
from ui.status import STATUS_INK, STATUS_ORDER, status_label

# Lagging communes, worst first: this many in the page's table at its full height, then
# "và N xã khác" with their names, and up to OFF_TRACK_ROWS in an expander.
OFF_TRACK_SHOWN = 25
OFF_TRACK_ROWS = 200
OFF_TRACK_MAX_HEIGHT = sc.ROW_HEIGHT + sc.WRAP_ROW_HEIGHT * OFF_TRACK_SHOWN + 3  # the full list scrolls beyond


def _quoted(ctx: PageContext, element: str | None) -> str:
    return f"“{sc.element_name(ctx.plan, element, ctx.lang)}”"


def definition(ctx: PageContext, ind: Indicator) -> None:
    """Source line in the plan and the computation in words."""
    lang, lines = ctx.lang, []
    if ind.source:
        lines.append(t("indicator_source", lang, source=ind.source))
    unit = t(f"unit_name_{ind.unit}", lang)
    if ind.unit == "count" or not ind.denominator:
        lines.append(t("indicator_formula_count", lang, numerator=_quoted(ctx, ind.numerator)))
    elif ind.denominator == COMMUNES:
        lines.append(t("indicator_formula_communes", lang, numerator=_quoted(ctx, ind.numerator), unit=unit))
    else:
        scale = fmt_amount(ind.scale, "count", lang)
        lines.append(
            t(
                "indicator_formula_rate",
                lang,
                numerator=_quoted(ctx, ind.numerator),
                denominator=_quoted(ctx, ind.denominator),
                scale=scale,
                unit=unit,
            )
        )
    if ind.requires_zero:
        names = t("scorecard_and", lang).join(_quoted(ctx, de) for de in ind.requires_zero)
        lines.append(t("indicator_eligibility", lang, names=names))
    if not ind.applies_to_communes:
        lines.append(t("indicator_area_only", lang))
    if ind.description:
        lines.append(ind.description.get(lang))
    st.markdown("\n".join(f"- {sc.escape_md(x)}" for x in lines))


def figure_like_metric(label: str, value: str, colour: str = "#262730", weight: int = 400) -> None:
    """A label over a large value, on the line of the `st.metric`s beside it (a caption and
    a subheader sat 20 px lower), its text wrapping instead of being cut."""
    st.markdown(
        f'<div style="font-size:0.875rem;line-height:1.6;color:#31333F;min-height:1.5rem;padding-top:2px">'
        f"{html.escape(label)}</div>"
        f'<div style="font-size:2.25rem;line-height:1.25;padding-bottom:0.25rem;color:{colour};'
        f'font-weight:{weight}">{html.escape(value)}</div>',
        unsafe_allow_html=True,
    )


def standing(ctx: PageContext, ind: Indicator, progress: Progress, change: str) -> None:
    """Value, target, status, communes met, communes reported; then the gap in words."""
    lang = ctx.lang
    row = progress.row(ind.id)
    cols = st.columns([1.2, 1.5, 1.5, 1, 1])
    cols[0].metric(t("indicator_metric_value", lang), sc.fmt_result(row.value, ind, lang, row.expected))
    target = sc.fmt_target(ind, ind.targets.get(ctx.year), lang, row.expected, row.prorated, ctx.year)
    with cols[1]:
        # Words ("Giảm so với cùng kỳ 2023") wrap here, where a metric would cut them.
        figure_like_metric(t("indicator_metric_target", lang, year=ctx.year), target)
    with cols[2]:
        # Symbol, word and colour, as large as the numbers beside it.
        figure_like_metric(t("scorecard_col_status", lang), status_label(row.status, lang), STATUS_INK[row.status], 600)
    rows = progress.commune_rows_of(ind.id)
    if any(r.status != "no_target" for r in rows):
        met, assessed = communes_met(rows)
        sc.count_metric(cols[3], t("scorecard_col_communes_met", lang), met, assessed, lang)
    else:
        cols[3].metric(t("scorecard_col_communes_met", lang), t("scorecard_area_only", lang))
    sc.count_metric(cols[4], t("scorecard_col_reported", lang), row.reported, row.total, lang)
    st.markdown(t("indicator_change", lang, year=ctx.compare_year, change=change))
    gap = sc.gap_text(ind, row, ctx.plan, lang)
    if row.status == "met":
        st.success(
            t("indicator_met", lang, when=sc.when_text(ctx.period, ctx.year, lang)), icon=":material/check_circle:"
        )
    elif gap:
        st.warning(t("indicator_gap", lang, gap=gap), icon=":material/flag:")
    elif row.status == "no_data":
        st.info(t("indicator_no_value", lang), icon=":material/help:")
    elif row.status == "not_applicable":
        st.info(t("indicator_not_applicable", lang), icon=":material/radio_button_unchecked:")


def ranked_header(ctx: PageContext, progress: Progress) -> str:
    """ "The 17 communes ranked", or for a country "The 63 provinces ranked"."""
    if sc.shows_parts(progress):
        level = t(f"level_{progress.parts[0].level}", ctx.lang).lower()
        units = reform.unit_words(progress.parts, ctx.lang, default=level)  # "tỉnh, thành phố": the tree's
        return t(f"indicator_ranked_parts_{progress.parts[0].level}", ctx.lang, n=len(progress.parts), units=units)
    units = reform.unit_words(progress.communes, ctx.lang)  # "xã, phường": the tree's words
    return t("indicator_ranked_header", ctx.lang, n=fmt_number(len(progress.communes), lang=ctx.lang), units=units)


def ranked(ctx: PageContext, ind: Indicator, progress: Progress) -> None:
    """Communes (a country's provinces, a big province's districts) as bars, best first,
    with the target line."""
    lang = ctx.lang
    if sc.shows_parts(progress):
        rows = [r for u in progress.parts if (r := progress.part_row(ind.id, u.code)) is not None]
        flagged: set[str] = set()
        texts = [sc.fmt_result(r.value, ind, lang, r.expected) for r in rows]
    else:
        rows = list(progress.commune_rows_of(ind.id))
        flagged = {r.area_code for r in ineligible_recognised(ind, rows, progress.figures)}
        texts = [sc.commune_value(ind, r, ctx.plan, progress.figures, lang) for r in rows]
    frame = pd.DataFrame(
        {
            "name": [f"{r.area_name} *" if r.area_code in flagged else r.area_name for r in rows],
            "value": [r.value for r in rows],
            "status": [r.status for r in rows],
            "value_text": texts,
        }
    )
    if frame["value"].isna().all():
        st.info(t("indicator_no_commune_values", lang), icon=":material/info:")
        return
    area_row = progress.row(ind.id)
    target = ind.targets.get(ctx.year)
    rule = area_row.expected if target is not None and not target.is_trend else None
    chart = charts.ranked_bars(
        frame,
        ind.unit,
        rule,
        lang,
        better=better_direction(ind),
        name_title=reform.unit_words(progress.communes, lang, capital=True),
        target_text=t(
            "charts_target_is", lang, target=sc.fmt_target(ind, target, lang, area_row.expected, area_row.prorated)
        ),
    )
    st.altair_chart(chart, alt=t("indicator_bars_alt", lang, name=ind.name.get(lang)))
    if flagged:
        st.caption(t("indicator_flagged_note", lang))


def trend(ctx: PageContext, ind: Indicator, progress: Progress, notes: dict[int, str] | None = None) -> None:
    """The area value for every year with figures (same period), with each year's target;
    `notes` (year -> text) are marked on it."""
    lang = ctx.lang
    years = data.year_options(ctx.db_url, ctx.plan)
    values = data.indicator_history(ctx.db_url, ctx.area.code, ind.id, ctx.year, years, ctx.period)
    flow = accumulates_over_year(ind, ctx.plan.data_elements)
    records = []
    for year, av in values.items():
        if av.value is None:
            continue
        target = ind.targets.get(year)
        expected = None
        if target is not None and not target.is_trend:
            expected = evaluate(ind, year, ctx.period, av.value, None, flow).expected
        records.append({"year": year, "value": av.value, "target": expected})
    if not records:
        st.info(t("indicator_no_history", lang), icon=":material/info:")
        return
    frame = pd.DataFrame(records)
    chart = charts.trend_chart(
        frame, ind.unit, None, lang, value_label=t("indicator_series_area", lang, area=ctx.area.name), notes=notes
    )
    st.altair_chart(chart, alt=t("indicator_trend_alt", lang, name=ind.name.get(lang)))
    # Years before a merger are the old communes' figures added up: say so, and which.
    elements = [e for e in (ind.numerator, ind.denominator, *ind.requires_zero) if e and e != COMMUNES]
    sources = data.carried_sources(ctx.db_url, ctx.area.code, years, ctx.period, elements, viewed_year=ctx.year)
    reform.show_area(sources, progress.communes, lang, key=f"indicator_reform_{ind.id}")
    target = ind.targets.get(ctx.year)
    if target is not None and target.is_trend:
        st.caption(sc.fmt_target(ind, target, lang))


def off_track(ctx: PageContext, ind: Indicator, progress: Progress) -> None:
    """Communes not meeting the indicator, worst first, with their value and the reason."""
    lang = ctx.lang
    if sc.shows_parts(progress):
        _parts_off_track(ctx, ind, progress)
    rows = [r for r in progress.commune_rows_of(ind.id) if r.status in OFF_TRACK]
    rows.sort(key=lambda r: (STATUS_ORDER.index(r.status), r.area_name))
    if not rows:
        st.success(t("indicator_all_communes_ok", lang), icon=":material/check_circle:")
        return
    shown, rest = rows[:OFF_TRACK_SHOWN], rows[OFF_TRACK_SHOWN:]
    _off_track_table(ctx, ind, progress, shown)
    if not rest:
        return
    # Every lagging commune is named: the first ones in the table, then "và N xã khác"
    # with their names, and all of them (up to OFF_TRACK_ROWS) one click away.
    names = sc.name_list([r.area_name for r in rest], lang)
    st.caption(t("indicator_off_track_more", lang, n=fmt_number(len(rest), lang=lang), names=names))
    with st.expander(t("indicator_off_track_all", lang, n=fmt_number(len(rows), lang=lang))):
        if len(rows) > OFF_TRACK_ROWS:
            st.caption(
                t(
                    "indicator_off_track_first",
                    lang,
                    n=fmt_number(OFF_TRACK_ROWS, lang=lang),
                    total=fmt_number(len(rows), lang=lang),
                )
            )
        _off_track_table(ctx, ind, progress, rows[:OFF_TRACK_ROWS])


def _off_track_table(ctx: PageContext, ind: Indicator, progress: Progress, rows: list) -> None:
    """The communes with value, status and reason, the table as tall as its rows (no
    inner scroll for the first OFF_TRACK_SHOWN; the full list in the expander scrolls)."""
    lang = ctx.lang
    records = []
    for r in rows:
        records.append(
            {
                t(
                    "scorecard_grid_commune", lang, units=reform.unit_words(progress.communes, lang, capital=True)
                ): r.area_name,
                t("scorecard_col_value", lang): sc.commune_value(ind, r, ctx.plan, progress.figures, lang),
                t("scorecard_col_status", lang): status_label(r.status, lang),
                t("indicator_col_reason", lang): sc.commune_reason(ind, r, ctx.plan, progress.figures, lang),
            }
        )
    st.dataframe(
        pd.DataFrame(records),
        hide_index=True,
        row_height=sc.WRAP_ROW_HEIGHT,  # long reasons wrap instead of being cut
        height=min(sc.ROW_HEIGHT + sc.WRAP_ROW_HEIGHT * len(rows) + 3, OFF_TRACK_MAX_HEIGHT),
        column_config={
            t(
                "scorecard_grid_commune", lang, units=reform.unit_words(progress.communes, lang, capital=True)
            ): st.column_config.TextColumn(width=130),
            t("scorecard_col_value", lang): st.column_config.TextColumn(width=90),
            t("scorecard_col_status", lang): st.column_config.TextColumn(width=120),
            t("indicator_col_reason", lang): st.column_config.TextColumn(width=440),
        },
    )


def _parts_off_track(ctx: PageContext, ind: Indicator, progress: Progress) -> None:
    """The provinces (districts) off track, each judged as an area, with how many of
    their communes meet the target."""
    lang = ctx.lang
    rows = [r for u in progress.parts if (r := progress.part_row(ind.id, u.code)) and r.status in OFF_TRACK]
    rows.sort(key=lambda r: (STATUS_ORDER.index(r.status), r.area_name))
    level = progress.parts[0].level
    level_word = t(f"scorecard_part_{level}" if level in ("province", "district") else "scorecard_part", lang)
    name_col = reform.unit_words(progress.parts, lang, capital=True, default=level_word)  # the parts' own types
    if not rows:
        st.success(t("indicator_all_parts_ok", lang), icon=":material/check_circle:")
        return
    st.dataframe(
        pd.DataFrame(
            {
                name_col: [r.area_name for r in rows],
                t("scorecard_col_value", lang): [sc.fmt_result(r.value, ind, lang, r.expected) for r in rows],
                t("scorecard_col_status", lang): [status_label(r.status, lang) for r in rows],
                t("scorecard_col_communes_met", lang): [
                    f"{fmt_number(r.communes_met or 0, lang=lang)}/{fmt_number(r.total, lang=lang)}" for r in rows
                ],
            }
        ),
        hide_index=True,
        height=min(sc.ROW_HEIGHT * (len(rows) + 1) + 3, sc.COMMUNE_GRID_MAX_HEIGHT),
    )


def missing(ctx: PageContext, ind: Indicator, progress: Progress) -> None:
    """Communes that sent nothing, and those whose report lacks this indicator's figures."""
    lang = ctx.lang
    names = {c.code: c.name for c in progress.communes}
    _, silent = communes_reported(progress.figures, names)
    area_row = progress.row(ind.id)
    partial = [c for c in area_row.not_reported if c not in silent]
    zero = [r.area_name for r in progress.commune_rows_of(ind.id) if r.reported and r.value is None]
    when = sc.when_text(ctx.period, ctx.year, lang)
    if not (silent or partial or zero):
        st.caption(t("indicator_all_reported", lang, n=len(names), when=when))
        return
    if silent:
        st.warning(
            t("indicator_silent", lang, when=when, names=sc.escape_md(sc.name_list([names[c] for c in silent], lang))),
            icon=":material/schedule:",
        )
    if partial:
        st.warning(
            t("indicator_partial", lang, names=sc.escape_md(sc.name_list([names[c] for c in partial], lang))),
            icon=":material/rule:",
        )
    if zero:
        denominator = sc.element_name(ctx.plan, ind.denominator, lang)
        st.caption(
            t("indicator_zero_denominator", lang, names=sc.escape_md(sc.name_list(zero, lang)), denominator=denominator)
        )


def change_text(ctx: PageContext, ind: Indicator, progress: Progress) -> str:
    now = sc.area_values(ctx, progress, ctx.year)
    then = sc.area_values(ctx, progress, ctx.compare_year)
    return sc.change_cell(ind, now.get(ind.id), then.get(ind.id), ctx.lang)


def option_label(numbers: dict[str, str], ind: Indicator, lang: str, *, markdown: bool = False) -> str:
    """'4.1. Tỷ lệ …'; with `markdown`, the plan's name escaped (for a heading)."""
    name = ind.name.get(lang)
    return f"{numbers[ind.id]}. {sc.escape_md(name) if markdown else name}"


def group_name(ind: Indicator, lang: str) -> str:
    return (ind.group or LocalText("Chỉ tiêu khác", "Other indicators")).get(lang)
