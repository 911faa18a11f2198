"""Streamlit pieces of the reporting-status page: which commune has reported what, per
period, against the plan's deadlines (rules from `rules.quality`), worst first; above
`MAX_COMMUNE_ROWS` communes one row per child area.

`coverage_text` / `coverage_caption` are for any page that shows a total: "this total
covers x of y communes".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from i18n import fmt_date, fmt_number, period_label, t, unit_words
from rules.model import OrgUnitRef
from rules.quality import deadline_date, is_overdue, report_state
from ui import data
from ui.frame import PageContext
from ui.status import STATUS_COLOR

# ----------------------------------------------------------------------------- coverage


def coverage_text(reported: int, total: int, lang: str) -> str:
    """'Tổng này tính trên 16/17 xã (1 xã chưa có số liệu).' — for under any total."""
    if total and reported >= total:
        return t("intake_coverage_all", lang, total=total)
    return t("intake_coverage_some", lang, reported=reported, total=total, missing=max(total - reported, 0))


def coverage_caption(reported: int, total: int, lang: str) -> None:
    st.caption(coverage_text(reported, total, lang))


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


def periods_of_the_area(ctx: PageContext, periods: Sequence[tuple[int, str]]) -> list[tuple[int, str]]:
    """The periods reported by the area's own communes; each period before the area began
    (the new Bắc Ninh's 2025 H1, reported by 319 old communes whose codes the new ones
    reuse) is said in one line with its old communes' reports, not mixed into the tables."""
    own = []
    for year, period in periods:
        before = data.reports_before_area(ctx.db_url, ctx.area.code, year, period, ctx.plan.used_data_elements())
        if before is None:
            own.append((year, period))
            continue
        units, complete = before
        total = len(units)
        began = data.view_day(ctx.db_url, year, period)
        st.info(
            t(
                "reform_comp_before_area",
                ctx.lang,
                when=period_label(period, year, ctx.lang),
                area=ctx.area.full_name,
                began=fmt_date(began, ctx.lang),
                total=fmt_number(total, lang=ctx.lang),
                units=unit_words((u.type for u in units), ctx.lang),  # "xã, phường, thị trấn": the tree's
                complete=fmt_number(complete, lang=ctx.lang),
                missing=fmt_number(total - complete, lang=ctx.lang),
            ),
            icon=":material/merge:",
        )
    return own


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
