"""The scorecard pieces of the Overview page (and the words the Indicator page shares).

* Text helpers: a target as a leader reads it ("≥ 80 %", "Giảm so với cùng kỳ năm
  trước"), a result with enough decimals not to look like its target, the change
  against the compare year ("↓ 2 xã · xấu đi"), the gap in real units ("Cần thêm 3 xã
  được công nhận phù hợp với trẻ em") and why an eligible-looking commune does not count.
* Streamlit blocks: the 5-second headline, the per-section indicator tables, and the
  commune x indicator traffic-light grid; rows and cells lead to the drill-down pages.

Numbers come from `rules` (progress rows, `rules.scorecard`); nothing here decides a
status. Data (commune names, plan labels) only reaches the screen through dataframes,
metrics and escaped markdown, never as HTML.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

import pandas as pd
import streamlit as st

from data_access.progress import Progress
from i18n import escape_md, fmt_date, fmt_number, fmt_value, t
from i18n import fmt_target as i18n_fmt_target
from rules import AreaValue, ProgressRow, area_value
from rules.model import COMMUNES, Indicator, LocalText, OrgUnitRef, Plan, Target
from rules.scorecard import (
    change_between,
    decimals_needed,
    indicator_numbers,
    indicators_in_group,
    ineligible_recognised,
    off_track_key,
    status_counts,
    statuses_met,
)
from rules.suppression import is_masked
from ui import data, plan_text, reform
from ui.frame import PageContext
from ui.status import STATUS_SYMBOL, status_label

# Light tints of the Okabe-Ito status colours: dark text stays readable on a projector.
STATUS_TINT = {
    "met": "#CCEBDF",
    "at_risk": "#FBE5B8",
    "not_met": "#F6CDB5",
    "no_data": "#E4E4E4",
    "no_target": "#DCEEF9",
    "not_applicable": "#F2DDE9",
}
ROW_HEIGHT = 38
# Above 4rem Streamlit's grid wraps long text (indicator names, trend targets) in the cell.
WRAP_ROW_HEIGHT = 68
# Above this many communes the grid lists the area's provinces or districts (a commune
# grid of 10,600 x 26 cells is past what pandas styles and what anyone reads), or, for
# an area without such parts, its first communes in the chosen order.
COMMUNE_GRID_LIMIT = 1000
# Long grids scroll inside a box of 40 rows, so the page under them stays in reach.
COMMUNE_GRID_MAX_HEIGHT = ROW_HEIGHT * 41 + 3  # (and the province grid)
# Grid cells without values ("✖ ↓") and the counts: a district's 26 indicators fit at 1920
# without sideways scroll (150 + 2 x 44 + 26 x 46 = 1.434 px of the 1.460 there are).
COMPACT_CELL_WIDTH = 46
COUNT_CELL_WIDTH = 44
# Communes recognised but not counted, listed in words under the grid; more are counted.
INELIGIBLE_LINES = 30
# Names listed in a sentence ("not reported: …") before "and N more".
NAMES_LISTED = 30


# --------------------------------------------------------------------------- words


def phrase(name: LocalText, lang: str) -> str:
    """A data element's name as a noun phrase: 'Số trẻ em tử vong…' -> 'trẻ em tử vong…'."""
    text = re.sub(r"\s*\([^)]*\)\s*$", "", name.get(lang)).strip()
    if lang == "vi":
        for prefix in ("Số ", "Xã "):
            if text.startswith(prefix):
                return text[len(prefix) :]
    return text


def element_name(plan: Plan, element: str | None, lang: str) -> str:
    """`ui.plan_text.element_name`, with the built-in `communes` as 'communes in scope'."""
    return plan_text.element_name(plan, element or "", lang, communes_key="scorecard_communes_in_scope")


def name_list(names: list[str], lang: str, limit: int = NAMES_LISTED) -> str:
    """Names in a sentence: the first `limit` and a count of the rest (a national list
    of communes that have not reported can run to thousands)."""
    if len(names) <= limit:
        return ", ".join(names)
    more = t("scorecard_and_more", lang, n=fmt_number(len(names) - limit, lang=lang))
    return ", ".join(names[:limit]) + " " + more


def when_text(period: str, year: int, lang: str) -> str:
    """'năm 2024' / '6 tháng đầu năm 2025'."""
    return t(f"scorecard_when_{period}", lang, year=year)


def fmt_target(
    ind: Indicator,
    target: Target | None,
    lang: str,
    expected: float | None = None,
    prorated: bool = False,
    year: int | None = None,
) -> str:
    """`i18n.fmt_target` ('≥ 80 %', '< 3 ‰') in the scorecard's words: a trend as
    'Giảm so với cùng kỳ 2023' (with `year`, the target's year) or 'Giảm so với cùng kỳ
    năm trước'; H1 pro-rating spelled out."""
    if target is not None and target.is_trend and year is not None:
        return t(f"scorecard_target_{target.op}_year", lang, year=year - 1)
    text = i18n_fmt_target(target, ind.unit, lang, trend_key="scorecard_target_{op}", none_key="scorecard_no_target")
    if target is not None and not target.is_trend and prorated and expected is not None:
        half = i18n_fmt_target(Target(target.op, expected, ""), ind.unit, lang)
        return t("scorecard_target_half", lang, half=half, year_target=text)
    return text


def fmt_result(value: float | None, ind: Indicator, lang: str, expected: float | None = None) -> str:
    """The value in its unit, with a second decimal when one decimal would equal the target
    (2,0 % 'at risk' against '< 2' reads as a mistake; 2,04 % does not)."""
    if value is None:
        return "–"
    if expected is not None and ind.unit != "count":
        return fmt_value(value, ind.unit, lang, decimals=decimals_needed(value, expected))
    return fmt_value(value, ind.unit, lang)


def delta_text(ind: Indicator, delta: float, communes: float | None, lang: str) -> str:
    """A difference in real units: '2 xã', '5,9 điểm %', '0,4 ‰', '3'."""
    if communes is not None:
        return t("scorecard_n_communes", lang, n=fmt_number(abs(communes), lang=lang))
    # As many decimals as show a real change: '↑ 0,00 · xấu đi' reads as a mistake.
    decimals = decimals_needed(delta, 0.0)
    if ind.unit == "percent":
        return t("scorecard_points", lang, n=fmt_number(abs(delta), decimals, lang))
    if ind.unit == "count":
        return fmt_number(abs(delta), lang=lang)
    return fmt_value(abs(delta), ind.unit, lang, decimals=decimals)


def change_cell(ind: Indicator, now: AreaValue | None, then: AreaValue | None, lang: str) -> str:
    """'↓ 2 · tốt lên' (the arrow is the direction, the word says whether that is good);
    'không so sánh được (số nhỏ được ẩn)' where either side is a masked small count."""
    if any(v is not None and is_masked(v.value) for v in (now, then)):
        return t("scorecard_change_hidden", lang)  # a difference of masked values would be made up
    ch = change_between(ind, now, then)
    if ch is None:
        return "–"
    if ch.direction == "same":
        return t("scorecard_unchanged", lang)
    arrow = "↑" if ch.direction == "up" else "↓"
    word = t("scorecard_better" if ch.good else "scorecard_worse", lang)
    return f"{arrow} {delta_text(ind, ch.delta, ch.communes, lang)} · {word}"


def gap_text(ind: Indicator, row: ProgressRow, plan: Plan, lang: str) -> str | None:
    """How far from the target in the numerator's units, or None when nothing is missing."""
    if row.status in ("met", "no_data", "no_target", "not_applicable"):
        return None
    n = row.units_to_target
    if n is None or abs(n) < 1e-9:
        return t("scorecard_gap_unreachable", lang) if n is None and not row.blocking else None
    de = plan.data_elements.get(ind.numerator)
    name = de.name if de else LocalText(ind.numerator, ind.numerator)
    amount = fmt_number(abs(n), lang=lang)
    if de is not None and de.type == "yes_no":
        text = t(
            "scorecard_gap_more_communes" if n > 0 else "scorecard_gap_fewer_communes",
            lang,
            n=amount,
            what=phrase(name, lang),
        )
    else:
        text = t("scorecard_gap_more" if n > 0 else "scorecard_gap_fewer", lang, n=amount, what=phrase(name, lang))
    target = ind.targets.get(row.year)
    if target is not None and target.is_trend:
        text += " " + t(f"scorecard_gap_vs_previous_{target.op}", lang, year=row.year - 1)
    return text


def _blockers(row: ProgressRow, plan: Plan, lang: str) -> list[str]:
    """What keeps the commune ineligible, one phrase per blocking element ("1 trẻ em tử
    vong do đuối nước", or that the figure is missing)."""
    out = []
    for element, value in row.blocking:
        ename = plan.data_elements[element].name if element in plan.data_elements else LocalText(element, element)
        if value is None:
            out.append(t("scorecard_blocker_missing", lang, what=ename.get(lang)))
        else:
            out.append(t("scorecard_blocker", lang, n=fmt_number(value, lang=lang), what=phrase(ename, lang)))
    return out


def ineligible_reason(ind: Indicator, row: ProgressRow, plan: Plan, figures: Mapping, lang: str) -> str:
    """'Lệ Viễn: được công nhận phù hợp với trẻ em nhưng có 1 trẻ em tử vong do đuối nước năm 2024'."""
    de = plan.data_elements.get(ind.numerator)
    if de is not None and de.type == "yes_no":
        claim = phrase(de.name, lang) if lang == "vi" else de.name.get(lang)
    else:
        raw = (figures.get(row.area_code) or {}).get(ind.numerator)
        claim = f"{element_name(plan, ind.numerator, lang)}: {fmt_number(raw, lang=lang)}"
    parts = _blockers(row, plan, lang)
    return t(
        "scorecard_ineligible",
        lang,
        commune=row.area_name,
        claim=claim,
        blockers=t("scorecard_and", lang).join(parts),
        when=when_text(row.period, row.year, lang),
    )


def communes_met_text(progress: Progress, indicator_id: str, lang: str) -> str:
    """'12/17': communes meeting the target out of those assessed (a status other than no data)."""
    statuses = progress.commune_statuses_of(indicator_id)  # from the columns: no 10,600 rows made
    if not any(s != "no_target" for s in statuses):
        return t("scorecard_area_only", lang)
    met, assessed = statuses_met(statuses)
    return f"{fmt_number(met, lang=lang)}/{fmt_number(assessed, lang=lang)}"


def count_metric(column, label: str, count: int, total: int, lang: str) -> None:  # noqa: ANN001 - a column
    """A "12/17" metric; with thousands ("7.010/10.600" would be cut off in a narrow
    column) the total moves into the label: "Xã đạt (trên 10.600)" over "7.010"."""
    if total < 1000:
        column.metric(label, f"{fmt_number(count, lang=lang)}/{fmt_number(total, lang=lang)}")
    else:
        column.metric(
            t("scorecard_metric_of", lang, label=label, total=fmt_number(total, lang=lang)),
            fmt_number(count, lang=lang),
        )


def is_commune_flag(ind: Indicator, plan: Plan) -> bool:
    """A share of communes whose numerator is yes/no: for one commune it is yes or no."""
    de = plan.data_elements.get(ind.numerator)
    return ind.denominator == COMMUNES and de is not None and de.type == "yes_no"


def commune_value(
    ind: Indicator, row: ProgressRow, plan: Plan, figures: Mapping, lang: str, compact: bool = False
) -> str:
    """A commune's value as a leader reads it: '95,3 %', 'Có', 'Không', or 'Có*' when it
    was recognised but does not qualify (see `ineligible_note`)."""
    if row.value is None:
        return t("status_not_applicable", lang) if row.status == "not_applicable" else "–"
    if is_commune_flag(ind, plan):
        raw = (figures.get(row.area_code) or {}).get(ind.numerator)
        if row.blocking and raw:
            return t("scorecard_yes", lang) + "*"
        return t("scorecard_yes" if row.value > 0 else "scorecard_no", lang)
    if compact and ind.unit == "per_100000":
        return fmt_number(row.value, lang=lang)  # the unit is in the column's help
    return fmt_result(row.value, ind, lang, row.expected)


def trend_arrow(row: ProgressRow | None) -> str:
    """'↑', '↓' or '=' against the same period of the year before; '' without both values.

    The arrow is the direction only (as in DHIS2's scorecard); whether that is good is
    the cell's status and the indicator's target."""
    if row is None or row.value is None or row.previous_value is None:
        return ""
    if is_masked(row.value) or is_masked(row.previous_value):
        return ""  # small counts are protected: a direction would leak them
    delta = row.value - row.previous_value
    if abs(delta) < 1e-9:
        return "="
    return "↑" if delta > 0 else "↓"


def commune_cell(
    ind: Indicator, row: ProgressRow | None, plan: Plan, figures: Mapping, lang: str, values: bool = True
) -> str:
    """A grid cell: the status symbol, a compact value unless `values` is off, and the
    trend arrow ('✔ 95,3 % ↑', '✖ Có*', '✖* ↓', '?')."""
    if row is None or (row.status == "no_data" and row.value is None):
        return STATUS_SYMBOL["no_data"]
    if row.value is None:  # ○ reported, nothing to measure (not_applicable); – no target
        return STATUS_SYMBOL[row.status]
    arrow = trend_arrow(row)
    if values:
        text = f"{STATUS_SYMBOL[row.status]} {commune_value(ind, row, plan, figures, lang, compact=True)}"
    else:
        # Recognised but not counted keeps its mark without the value ("✖*").
        star = "*" if commune_value(ind, row, plan, figures, lang).endswith("*") else ""
        text = STATUS_SYMBOL[row.status] + star
    return f"{text} {arrow}" if arrow else text


def commune_reason(ind: Indicator, row: ProgressRow, plan: Plan, figures: Mapping, lang: str) -> str:
    """Why a commune is off track, in words (the ineligibility, or what it lacks)."""
    raw = (figures.get(row.area_code) or {}).get(ind.numerator)
    if row.blocking and raw:
        reason = ineligible_reason(ind, row, plan, figures, lang).split(": ", 1)[-1]
        return reason[:1].upper() + reason[1:]
    parts = []
    de = plan.data_elements.get(ind.numerator)
    if is_commune_flag(ind, plan) and de is not None:
        parts.append(t("scorecard_not_yet", lang, what=phrase(de.name, lang)))
    else:
        gap = gap_text(ind, row, plan, lang)
        if gap:
            parts.append(gap)
    parts += _blockers(row, plan, lang)
    return "; ".join(parts)


# --------------------------------------------------------------------------- data


def area_values(ctx: PageContext, progress: Progress, year: int) -> dict[str, AreaValue]:
    """Each indicator's area value for `year` (same period), over the current communes."""
    if year == progress.year:
        return progress.pooled()
    if year == progress.year - 1:
        return progress.pooled(previous=True)
    codes = [c.code for c in progress.communes]
    history = data.history(
        ctx.db_url, ctx.area.code, [year], ctx.period, ctx.plan.used_data_elements(), viewed_year=progress.year
    )
    figures = history.get((year, ctx.period), {})
    return {ind.id: area_value(ind, codes, figures) for ind in ctx.plan.indicators}


# --------------------------------------------------------------------------- blocks


def headline(ctx: PageContext, progress: Progress) -> None:
    """One line a leader reads in five seconds, then the same numbers big."""
    rows = progress.area_rows
    counts = status_counts(rows)
    # An indicator with nothing to report (no case, so no rate) counts neither way.
    total = len(rows) - counts["not_applicable"]
    n_communes = len(progress.communes)
    reported = progress.communes_reported
    when = when_text(ctx.period, ctx.year, ctx.lang)
    if counts["no_target"] == total:
        years = ", ".join(str(y) for y in ctx.plan.years)
        st.info(t("scorecard_no_targets_year", ctx.lang, year=ctx.year, years=years), icon=":material/info:")
    parts = [t("scorecard_head_met", ctx.lang, n=counts["met"], total=total)]
    for status in ("at_risk", "not_met", "no_data", "not_applicable", "no_target"):
        if counts[status]:
            parts.append(t(f"scorecard_head_{status}", ctx.lang, n=counts[status]))
    line = (
        ", ".join(parts)
        + " — "
        + t(
            "scorecard_head_reported",
            ctx.lang,
            n=fmt_number(reported, lang=ctx.lang),
            total=fmt_number(n_communes, lang=ctx.lang),
            when=when,
        )
    )
    st.subheader(line, anchor=False)
    cols = st.columns(4)
    cols[0].metric(status_label("met", ctx.lang), f"{counts['met']}/{total}")
    cols[1].metric(status_label("at_risk", ctx.lang), str(counts["at_risk"]))
    cols[2].metric(status_label("not_met", ctx.lang), str(counts["not_met"]))
    count_metric(cols[3], t("scorecard_metric_reported", ctx.lang), reported, n_communes, ctx.lang)
    st.caption(
        t(
            "scorecard_updated",
            ctx.lang,
            date=fmt_date(progress.latest_update, ctx.lang),
            n=fmt_number(n_communes, lang=ctx.lang),
            units=reform.unit_words(progress.communes, ctx.lang),
        )
    )


def _tint(status_frame: pd.DataFrame) -> pd.DataFrame:
    # Cells without a status (names, counts) get dark text too: the pinned column is faded otherwise.
    return status_frame.map(
        lambda s: f"background-color: {STATUS_TINT[s]}; color: #111111" if s in STATUS_TINT else "color: #111111"
    )


def table_columns(ctx: PageContext, **more: str) -> dict[str, str]:
    """The headers every section table has (number, indicator, value, target, status,
    change since the compared year), then the table's own (`more`, key -> header)."""
    lang = ctx.lang
    return {
        "no": t("scorecard_col_no", lang),
        "name": t("scorecard_col_indicator", lang),
        "value": t("scorecard_col_value", lang),
        "target": t("scorecard_col_target", lang),
        "status": t("scorecard_col_status", lang),
        "change": t("scorecard_col_change", lang, year=ctx.compare_year),
        **more,
    }


def text_columns(
    cols: Mapping[str, str], widths: Mapping[str, int], helps: Mapping[str, str] | None = None
) -> dict[str, object]:
    """A section table's column settings: per key of `cols`, its width and its help."""
    helps = helps or {}
    return {cols[k]: st.column_config.TextColumn(help=helps.get(k), width=w) for k, w in widths.items()}


def section_tables(
    ctx: PageContext,
    record: Callable[[Indicator], tuple[dict[str, object], str]],
    tint: Callable[[pd.DataFrame, list[str]], pd.DataFrame],
    column_config: Mapping[str, object],
    key: str,
) -> None:
    """One table per plan section, a row per indicator (`record`: its cells and its
    status; `tint`: the frame's cell styles from the statuses); choosing a row opens
    that indicator's page. The overview's and the commune page's tables."""
    plan, lang = ctx.plan, ctx.lang
    for g_index, group in enumerate(plan.groups(), start=1):
        st.markdown(f"#### {g_index}. {escape_md(group.get(lang))}")
        inds = indicators_in_group(plan, group)
        records, statuses = [], []
        for ind in inds:
            rec, status = record(ind)
            records.append(rec)
            statuses.append(status)
        frame = pd.DataFrame(records)
        event = st.dataframe(
            frame.style.apply(lambda df, ss=statuses: tint(df, ss), axis=None),
            key=f"{key}_{g_index}",
            on_select="rerun",
            selection_mode="single-row",
            hide_index=True,
            row_height=WRAP_ROW_HEIGHT,
            height=WRAP_ROW_HEIGHT * len(frame) + ROW_HEIGHT + 3,
            column_config=dict(column_config),
        )
        chosen = event["selection"]["rows"]
        if chosen:
            st.switch_page("pages/indicator.py", query_params=ctx.link_params(indicator=inds[chosen[0]].id))


def indicator_tables(
    ctx: PageContext, progress: Progress, now: Mapping[str, AreaValue], then: Mapping[str, AreaValue]
) -> None:
    """One table per plan section; choosing a row opens that indicator's page."""
    plan, lang = ctx.plan, ctx.lang
    numbers = indicator_numbers(plan)
    small = len(progress.communes) < 1000  # "3.969/10.600" needs wider count columns
    cols = table_columns(ctx, met=t("scorecard_col_communes_met", lang), reported=t("scorecard_col_reported", lang))

    def record(ind: Indicator) -> tuple[dict[str, object], str]:
        r = progress.row(ind.id)
        met = communes_met_text(progress, ind.id, lang)
        return {
            cols["no"]: numbers[ind.id],
            cols["name"]: ind.name.get(lang),
            cols["value"]: fmt_result(r.value, ind, lang, r.expected),
            cols["target"]: fmt_target(ind, ind.targets.get(ctx.year), lang, r.expected, r.prorated, ctx.year),
            cols["status"]: status_label(r.status, lang),
            cols["met"]: met,
            cols["change"]: change_cell(ind, now.get(ind.id), then.get(ind.id), lang),
            cols["reported"]: f"{fmt_number(r.reported, lang=lang)}/{fmt_number(r.total, lang=lang)}",
        }, r.status

    def tint(frame: pd.DataFrame, statuses: list[str]) -> pd.DataFrame:
        status_frame = pd.DataFrame("", index=frame.index, columns=frame.columns)
        status_frame[cols["status"]] = statuses
        return _tint(status_frame)

    widths = {"no": 40, "name": 200, "value": 76, "target": 106, "status": 100, "met": 64 if small else 104}
    widths |= {"change": 110, "reported": 80 if len(progress.communes) < 1000 else 104}
    helps = {
        "met": t("scorecard_help_communes_met", lang),
        "change": t("scorecard_help_change", lang, year=ctx.compare_year),
        "reported": t("scorecard_help_reported", lang),
    }
    section_tables(
        ctx,
        record,
        tint,
        text_columns(cols, widths, helps),
        "overview_group",
    )


def shows_parts(progress: Progress) -> bool:
    """Whether the grid lists the area's provinces or districts rather than its communes:
    a leader of a province or of the country reads 63 provinces, not 10,600 communes."""
    return bool(progress.parts) and len(progress.communes) > COMMUNE_GRID_LIMIT


def part_grid(ctx: PageContext, progress: Progress, values: bool = False) -> None:
    """Provinces (or districts) x indicators, each judged as an area against the plan's
    target; a cell opens that province's own overview, a header the indicator."""
    plan, lang = ctx.plan, ctx.lang
    rows_of = {u.code: {ind.id: progress.part_row(ind.id, u.code) for ind in plan.indicators} for u in progress.parts}
    parts = sorted(
        progress.parts, key=lambda u: off_track_key((r.status for r in rows_of[u.code].values() if r), u.name)
    )
    level = parts[0].level

    def cell(ind: Indicator, r: ProgressRow | None) -> str:
        if r is None or r.value is None:
            return STATUS_SYMBOL[r.status if r else "no_data"]
        arrow = trend_arrow(r)
        if not values:
            return f"{STATUS_SYMBOL[r.status]} {arrow}".strip()
        # As in the commune grid: "16,8", the "/100.000" unit is in the column's help.
        shown = (
            fmt_number(r.value, lang=lang) if ind.unit == "per_100000" else fmt_result(r.value, ind, lang, r.expected)
        )
        return f"{STATUS_SYMBOL[r.status]} {shown} {arrow}".strip()

    _status_grid(
        ctx,
        [(u.name, rows_of[u.code]) for u in parts],
        cell,
        # "Huyện, thành phố": the parts' own types from the tree; the level's word without them.
        name_col=reform.unit_words(
            parts,
            lang,
            capital=True,
            default=t(f"scorecard_part_{level}" if level in ("province", "district") else "scorecard_part", lang),
        ),
        kind="part",
        opens=parts,
        cell_width=104 if values else COMPACT_CELL_WIDTH,
    )


def commune_grid(
    ctx: PageContext,
    progress: Progress,
    off_track_first: bool,
    values: bool = False,
    marks: Mapping[tuple[str, str | None], str] | None = None,
) -> None:
    """Communes x indicators with traffic lights; a cell opens the commune, a header the indicator.

    Above `COMMUNE_GRID_LIMIT` communes (an area without provinces or districts to
    show instead) only the first communes in the chosen order are listed, and a note
    says so: a table of 10,600 rows helps nobody and overflows the browser.
    """
    plan, lang = ctx.plan, ctx.lang
    by_commune: dict[str, dict[str, ProgressRow]] = {}
    for r in progress.commune_rows:
        by_commune.setdefault(r.area_code, {})[r.indicator_id] = r
    communes = list(progress.communes)
    if off_track_first:
        communes.sort(key=lambda c: off_track_key((r.status for r in by_commune.get(c.code, {}).values()), c.name))
    if len(communes) > COMMUNE_GRID_LIMIT:
        st.caption(t("scorecard_grid_first", lang, n=COMMUNE_GRID_LIMIT, total=len(communes)))
        communes = communes[:COMMUNE_GRID_LIMIT]
    marks = marks or {}

    def cell(ind: Indicator, r: ProgressRow | None) -> str:
        text = commune_cell(ind, r, plan, progress.figures, lang, values)
        mark = marks.get((r.area_code, ind.id), "") if r else ""
        return f"{text} {mark}" if mark else text  # ⚑: a direction is open on this cell

    _status_grid(
        ctx,
        [
            (f"{c.name} {marks[(c.code, None)]}" if (c.code, None) in marks else c.name, by_commune.get(c.code, {}))
            for c in communes
        ],
        cell,
        name_col=t("scorecard_grid_commune", lang, units=reform.unit_words(communes, lang, capital=True)),
        kind="commune",
        opens=communes,
        cell_width=96 if values else COMPACT_CELL_WIDTH,
    )


# kind -> (help key prefix, widget key, alt text key, the page a cell opens, its query parameter)
_GRIDS = {
    "part": ("scorecard_help_part", "overview_part_grid", "scorecard_part_grid_alt", "pages/overview.py", "area"),
    "commune": ("scorecard_help_grid", "overview_grid", "scorecard_grid_alt", "pages/commune.py", "commune"),
}


def _status_grid(
    ctx: PageContext,
    lines: list[tuple[str, Mapping[str, ProgressRow | None]]],
    cell: Callable[[Indicator, ProgressRow | None], str],
    *,
    name_col: str,
    kind: str,
    opens: Sequence[OrgUnitRef],
    cell_width: int,
) -> None:
    """A (name x indicator) grid of status cells, tinted, with counts of not met / at
    risk per line. A column header opens the indicator, a cell the line's unit (`opens`,
    one per line) on the page `_GRIDS[kind]` names."""
    plan, lang = ctx.plan, ctx.lang
    help_prefix, key, alt_key, page, param = _GRIDS[kind]
    alt = t(alt_key, lang)
    numbers = indicator_numbers(plan)
    nm_col, ar_col = t("scorecard_grid_not_met", lang), t("scorecard_grid_at_risk", lang)
    column_of = {ind.id: numbers[ind.id] for ind in plan.indicators}
    records, statuses = [], []
    for name, rows in lines:
        known = [r for r in rows.values() if r]
        rec: dict[str, object] = {
            name_col: name,
            nm_col: sum(1 for r in known if r.status == "not_met"),
            ar_col: sum(1 for r in known if r.status == "at_risk"),
        }
        st_rec = {name_col: "", nm_col: "", ar_col: ""}
        for ind in plan.indicators:
            r = rows.get(ind.id)
            rec[column_of[ind.id]] = cell(ind, r)
            st_rec[column_of[ind.id]] = r.status if r else "no_data"
        records.append(rec)
        statuses.append(st_rec)
    frame = pd.DataFrame(records)
    status_frame = pd.DataFrame(statuses, index=frame.index)
    config: dict[str, object] = {
        name_col: st.column_config.TextColumn(pinned=True, width=150),
        nm_col: st.column_config.NumberColumn(help=t(f"{help_prefix}_not_met", lang), width=COUNT_CELL_WIDTH),
        ar_col: st.column_config.NumberColumn(help=t(f"{help_prefix}_at_risk", lang), width=COUNT_CELL_WIDTH),
    }
    for ind in plan.indicators:
        target = fmt_target(ind, ind.targets.get(ctx.year), lang, year=ctx.year)
        help_text = f"{numbers[ind.id]}. {ind.name.get(lang)} — {t('charts_target_is', lang, target=target)}"
        config[column_of[ind.id]] = st.column_config.TextColumn(help=help_text, width=cell_width)
    event = st.dataframe(
        frame.style.apply(lambda _df: _tint(status_frame), axis=None),
        key=key,
        on_select="rerun",
        selection_mode=["single-cell", "single-column"],
        hide_index=True,
        row_height=ROW_HEIGHT,
        height=min(ROW_HEIGHT * (len(frame) + 1) + 3, COMMUNE_GRID_MAX_HEIGHT),
        column_config=config,
        alt=alt,
    )
    columns = event["selection"]["columns"]
    if columns:
        by_column = {v: k for k, v in column_of.items()}
        if columns[0] in by_column:
            st.switch_page("pages/indicator.py", query_params=ctx.link_params(indicator=by_column[columns[0]]))
    cells = event["selection"]["cells"]
    if cells and 0 <= int(cells[0][0]) < len(lines):
        st.switch_page(page, query_params=ctx.link_params(**{param: opens[int(cells[0][0])].code}))


def grid_legend(ctx: PageContext, marker_note: bool = False) -> None:
    """The indicator numbers of the grid's columns with their names, section by section
    (the headers are numbers so that every indicator fits on one screen); with
    `marker_note`, what the follow-up flag ⚑ in a cell means."""
    plan, lang = ctx.plan, ctx.lang
    numbers = indicator_numbers(plan)
    groups = plan.groups()
    with st.expander(t("scorecard_legend_title", lang), expanded=True):
        cols = st.columns(min(3, len(groups)) or 1)
        for i, group in enumerate(groups):
            lines = [f"**{i + 1}. {escape_md(group.get(lang))}**"]
            lines += [f"{numbers[ind.id]} {escape_md(ind.name.get(lang))}" for ind in indicators_in_group(plan, group)]
            with cols[i % len(cols)]:
                st.caption("  \n".join(lines))
        if marker_note:
            st.caption(t("followup_legend_marker", lang))


def ineligible_note(ctx: PageContext, progress: Progress) -> None:
    """Communes recognised but not counted, in words, under the grid."""
    lines = []
    for ind in ctx.plan.indicators:
        for r in ineligible_recognised(ind, progress.blocked_commune_rows_of(ind.id), progress.figures):
            lines.append(ineligible_reason(ind, r, ctx.plan, progress.figures, ctx.lang))
    if lines:
        more = len(lines) - INELIGIBLE_LINES
        shown = [f"- {escape_md(x)}" for x in lines[:INELIGIBLE_LINES]]
        if more > 0:
            shown.append(f"- {t('scorecard_ineligible_more', ctx.lang, n=more)}")
        st.warning(t("scorecard_ineligible_title", ctx.lang) + "\n\n" + "\n".join(shown), icon=":material/info:")
