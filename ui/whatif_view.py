"""What-if building blocks: the indicator picker, the target lever, the communes lever,
and the before/after view of a `rules.Simulation` (which writes nothing).

Keys: the indicator lives in the URL (`?indicator=<id>`); the target input's key names
the indicator and year (`target_key`) so it is prefilled with that plan target each time.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from data_access.progress import Progress
from i18n import OP_SYMBOL, escape_md, fmt_amount, fmt_number, fmt_target, fmt_value
from rules import Simulation, better_direction
from rules.columnar import FigureMatrix, LazyRows
from rules.model import OFF_TRACK, Indicator, Target
from rules.suppression import is_masked
from ui import data, reform, status
from ui.frame import PageContext, url_widget
from ui.plan_text import element_name
from ui.scorecard import delta_text, fmt_result

# Commune tables stop here (with "và N xã khác"), as the app's other commune lists do.
MAX_ROWS = 1000
# Static CSS (no data): larger numbers in the two before/after cards.
STYLE = """<style>
.st-key-whatif_before [data-testid="stMetricValue"], .st-key-whatif_after [data-testid="stMetricValue"] {
  font-size: 3.4rem; line-height: 1.1;
}
</style>"""


def target_key(ind_id: str, year: int) -> str:
    """The target input's widget key (one per indicator and year, so each is prefilled)."""
    return f"whatif_target_{ind_id}_{year}"


def communes_key(area_code: str) -> str:
    return f"whatif_communes_{area_code}"


def indicator_picker(ctx: PageContext) -> Indicator:
    ids = [ind.id for ind in ctx.plan.indicators]
    chosen = url_widget(
        st.selectbox,
        ctx.t("whatif_indicator"),
        ids,
        "indicator",
        ids[0],
        format_func=lambda i: ctx.plan.indicator(i).name.get(ctx.lang),
    )
    return ctx.plan.indicator(chosen)


def _input_format(ind: Indicator) -> tuple[float, str]:
    """Step and display format of the target input, by unit."""
    if ind.unit == "per_1000":
        return 0.1, "%.1f"
    return 1.0, "%.0f"


def target_lever(ctx: PageContext, ind: Indicator) -> Target | None:
    """The year's target as the user sets it (prefilled from the plan); None without one."""
    plan_target = ind.targets.get(ctx.year)
    st.markdown(f"**{ctx.t('whatif_step1', year=ctx.year)}**")
    if plan_target is None:
        st.info(ctx.t("whatif_target_none", year=ctx.year), icon=":material/info:")
        return None
    if plan_target.is_trend:
        op = st.segmented_control(
            ctx.t("whatif_target_trend"),
            ("decrease", "increase", "maintain"),
            default=plan_target.op,
            required=True,
            format_func=lambda o: ctx.t(f"help_trend_{o}"),
            key=target_key(ind.id, ctx.year),
        )
        target = Target(op, None, op)
    else:
        step, fmt = _input_format(ind)
        number = st.number_input(
            ctx.t("whatif_target_number", op=OP_SYMBOL[plan_target.op], unit=ctx.t(f"unit_name_{ind.unit}")),
            min_value=0.0,
            max_value=100.0 if ind.unit == "percent" else None,
            value=float(plan_target.number or 0.0),
            step=step,
            format=fmt,
            key=target_key(ind.id, ctx.year),
        )
        target = Target(plan_target.op, float(number), f"{plan_target.op} {number:g}")
    st.caption(ctx.t("whatif_target_plan", target=escape_md(fmt_target(plan_target, ind.unit, ctx.lang))))
    return target


def changed_target(ind: Indicator, year: int, target: Target | None) -> Target | None:
    """The override to simulate: None when the user left the plan's target as it is."""
    plan_target = ind.targets.get(year)
    if target is None or plan_target is None:
        return None
    if target.op == plan_target.op and target.number == plan_target.number:
        return None
    return target


def communes_lever(ctx: PageContext, ind: Indicator, progress: Progress) -> list[str]:
    """The communes assumed to meet the target (codes), with a shortcut for the off-track ones."""
    st.markdown(f"**{ctx.t('whatif_step2')}**")
    if not ind.applies_to_communes:
        st.caption(ctx.t("whatif_area_only"))
    rows = {r.area_code: r for r in progress.commune_rows_of(ind.id)}
    names = {c.code: c.name for c in progress.communes}
    options = [c.code for c in sorted(progress.communes, key=lambda c: c.name)]
    key = communes_key(ctx.area.code)

    def pick_off_track() -> None:
        st.session_state[key] = [c for c in options if c in rows and rows[c].status in OFF_TRACK]

    def clear() -> None:
        st.session_state[key] = []

    chosen = st.multiselect(
        ctx.t("whatif_communes"),
        options,
        format_func=lambda c: (
            ctx.t("whatif_commune_option", name=names.get(c, c), status=status.status_label(rows[c].status, ctx.lang))
            if c in rows
            else names.get(c, c)
        ),
        placeholder=ctx.t("whatif_communes_placeholder"),
        help=ctx.t("whatif_communes_help"),
        key=key,
    )
    buttons = st.container(horizontal=True)
    buttons.button(ctx.t("whatif_pick_off_track"), on_click=pick_off_track, icon=":material/select_all:")
    buttons.button(ctx.t("whatif_clear"), on_click=clear, icon=":material/clear:")
    return list(chosen)


def _card(ctx: PageContext, ind: Indicator, sim: Simulation, after: bool) -> None:
    row = sim.after if after else sim.before
    target = sim.target if after else ind.targets.get(ctx.year)
    with st.container(border=True, key="whatif_after" if after else "whatif_before"):
        st.subheader(ctx.t("whatif_after" if after else "whatif_before"))
        delta, delta_color = None, "normal"
        if (
            after
            and row.value is not None
            and sim.before.value is not None
            and abs(row.value - sim.before.value) > 1e-9
        ):
            diff = row.value - sim.before.value
            # A difference of two percentages is in points ("+5,9 điểm %"), not "+5,9 %".
            amount = delta_text(ind, diff, None, ctx.lang) if ind.unit == "percent" else None
            delta = ("-" if diff < 0 else "+") + (amount or fmt_amount(abs(diff), ind.unit, ctx.lang))
            delta_color = "normal" if better_direction(ind) == "higher" else "inverse"
        st.metric(
            ctx.t("whatif_value_label", target=fmt_target(target, ind.unit, ctx.lang)),
            # 1,98 %, not "2,0 %", beside "Đạt" against "< 2 %" (the decimals that show why).
            fmt_result(row.value, ind, ctx.lang, target.number if target is not None and not target.is_trend else None),
            delta=delta,
            delta_color=delta_color,
        )
        color = status.STATUS_BADGE_COLOR[row.status]
        st.markdown(f"### :{color}-background[{status.status_label(row.status, ctx.lang)}]")
        if row.communes_with_target:
            met, total = (fmt_number(n, 0, ctx.lang) for n in (row.communes_met, row.communes_with_target))
            st.markdown(ctx.t("whatif_communes_met", met=met, total=total))  # 3.969/10.600, not 3969/10600


def before_after(ctx: PageContext, ind: Indicator, sim: Simulation, changed: bool) -> None:
    """Side by side: the area as it stands and in the simulation, with the verdict."""
    st.html(STYLE)
    left, right = st.columns(2)
    with left:
        _card(ctx, ind, sim, after=False)
    with right:
        _card(ctx, ind, sim, after=True)
    if not changed:
        st.info(ctx.t("whatif_nothing_changed"), icon=":material/touch_app:")
        return
    area = escape_md(ctx.area.full_name)
    before, after = sim.before.status, sim.after.status
    if before != after:
        text = ctx.t(
            "whatif_verdict_changed",
            area=area,
            before=status.status_label(before, ctx.lang),
            after=status.status_label(after, ctx.lang),
        )
        (st.success if after == "met" else st.warning)(text, icon=status.STATUS_MATERIAL_ICON[after])
    else:
        st.info(ctx.t("whatif_verdict_same", area=area, status=status.status_label(after, ctx.lang)))


def _value_pair(before: float | None, after: float | None, unit: str, lang: str) -> str:
    a, b = fmt_value(before, unit, lang), fmt_value(after, unit, lang)
    return a if a == b else f"{a} → {b}"


def _commune_columns(sim: Simulation) -> tuple[list[str], list[str], list[str], list, list]:
    """(codes, statuses before, after, values before, after) of the communes, from the
    simulation's columns when it has them (no 2 × 10,600 rows built nationally)."""
    rb, ra = sim.rows_before, sim.rows_after
    if isinstance(rb, LazyRows) and isinstance(ra, LazyRows) and rb.codes == ra.codes:
        return rb.codes, rb.status_names(), ra.status_names(), rb.value_list(), ra.value_list()
    before = {r.area_code: r for r in rb if not r.is_area}
    after = {r.area_code: r for r in ra if not r.is_area}
    codes = list(before)
    return (
        codes,
        [before[c].status for c in codes],
        [after[c].status for c in codes],
        [before[c].value for c in codes],
        [after[c].value for c in codes],
    )


def commune_table(
    ctx: PageContext, ind: Indicator, sim: Simulation, names: dict[str, str], only_flipped: bool
) -> tuple[pd.DataFrame, int]:
    """The communes by name (only those that flipped, or all), at most MAX_ROWS of
    them, and how many more there are: a leader reads the first screens, and 10,600
    formatted rows per change took most of a national what-if's time."""
    codes, was, now, before, after = _commune_columns(sim)
    flipped = {code for code, _, _ in sim.flipped}
    picked = [i for i in range(len(codes)) if not only_flipped or codes[i] in flipped]
    picked.sort(key=lambda i: names.get(codes[i], codes[i]))
    more = max(0, len(picked) - MAX_ROWS)
    picked = picked[:MAX_ROWS]
    label = {s: status.status_label(s, ctx.lang) for s in {*was, *now}}
    frame = pd.DataFrame(
        {
            ctx.t("whatif_col_commune", units=_units(ctx)): [names.get(codes[i], codes[i]) for i in picked],
            ctx.t("whatif_col_before"): [label[was[i]] for i in picked],
            ctx.t("whatif_col_after"): [label[now[i]] for i in picked],
            ctx.t("whatif_col_value"): [_value_pair(before[i], after[i], ind.unit, ctx.lang) for i in picked],
        }
    )
    return frame, more


def _table(ctx: PageContext, ind: Indicator, sim: Simulation, names: dict[str, str], only_flipped: bool) -> None:
    frame, more = commune_table(ctx, ind, sim, names, only_flipped)
    st.dataframe(frame, hide_index=True, width="stretch")
    if more:
        st.caption(ctx.t("scorecard_and_more", n=fmt_number(more, 0, ctx.lang)))


def flipped_communes(ctx: PageContext, ind: Indicator, sim: Simulation, names: dict[str, str]) -> None:
    st.subheader(ctx.t("whatif_flipped_title", count=len(sim.flipped)))
    if sim.flipped:
        _table(ctx, ind, sim, names, only_flipped=True)
    else:
        st.caption(ctx.t("whatif_flipped_none"))
    with st.expander(ctx.t("whatif_all_communes")):
        _table(ctx, ind, sim, names, only_flipped=False)


def assumed_figures(ctx: PageContext, sim: Simulation, names: dict[str, str]) -> None:
    """The figures the simulation set, so nobody mistakes them for reported ones."""
    if not sim.changes:
        return
    st.subheader(ctx.t("whatif_changes_title"))
    missing = ctx.t("whatif_not_reported")
    st.dataframe(
        pd.DataFrame(
            {
                ctx.t("whatif_col_commune", units=_units(ctx)): [names.get(c.commune_code, c.commune_code) for c in sim.changes],
                ctx.t("whatif_col_element"): [element_name(ctx.plan, c.data_element, ctx.lang) for c in sim.changes],
                ctx.t("whatif_col_figure_before"): [
                    missing if c.before is None else fmt_number(c.before, None, ctx.lang) for c in sim.changes
                ],
                ctx.t("whatif_col_figure_after"): [fmt_number(c.after, None, ctx.lang) for c in sim.changes],
            }
        ),
        hide_index=True,
        width="stretch",
    )


def notes(ctx: PageContext, sim: Simulation, names: dict[str, str]) -> None:
    """Simulation.notes in words: what had to be assumed or could not be done."""
    if not sim.notes:
        return
    st.subheader(ctx.t("whatif_notes_title"))
    lines = []
    for note in sim.notes:
        commune = escape_md(names.get(note.commune_code or "", note.commune_code or ctx.area.full_name))
        value = fmt_number(note.value, None, ctx.lang) if note.value is not None else "–"
        lines.append("- " + ctx.t(f"whatif_note_{note.key}", commune=commune, value=value))
    st.markdown("\n".join(lines))


def _units(ctx: PageContext) -> str:
    """The area's kinds of commune-level unit, from the tree ("Xã, thị trấn")."""
    communes = data.progress(ctx.db_url, ctx.year, ctx.period, ctx.area.code).communes
    return reform.unit_words(communes, ctx.lang, capital=True)


def carried_note(ctx: PageContext, progress: Progress) -> None:
    """The year before (what a trend target and 'the previous figure' use) of communes
    formed since is their predecessors' figures added up: the page says so, and which."""
    if progress.carried_from:
        sources = {(progress.year - 1, progress.period): progress.carried_from}
        reform.show_area(sources, progress.communes, ctx.lang, key="whatif_reform")


def commune_names(progress: Progress) -> dict[str, str]:
    return {c.code: c.name for c in progress.communes}


def hides_figures(progress: Progress, ind: Indicator) -> bool:
    """Whether small-count protection hid some of the figures this indicator needs: a
    simulation on hidden figures would be wrong, so the page says so instead."""
    needed = {ind.numerator, ind.denominator, *ind.requires_zero}
    return any(
        is_masked(value)
        for figures in (progress.figures, progress.previous_figures)
        if not isinstance(figures, FigureMatrix)  # plain floats: masking copies them into dicts
        for values in figures.values()
        for de, value in values.items()
        if de in needed
    )


def has_figures(progress: Progress, codes: Sequence[str] | None = None) -> bool:
    return any(progress.figures.get(c) for c in (codes or [c.code for c in progress.communes]))
