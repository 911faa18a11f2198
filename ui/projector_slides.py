"""The projector's first three slides: the scorecard (counts and the worst indicators),
the map (communes, or a country's provinces, by the headline indicator's status) and
the communes most off track. Each draws into the slide body the runner
(`ui.projector`) gives it; the decks come from `ui.projector_deck`.
"""

from __future__ import annotations

import streamlit as st

from data_access.progress import Progress
from i18n import escape_md, fmt_number, fmt_target
from rules import ProgressRow
from rules.model import JUDGED_STATUSES, STATUSES, Indicator
from rules.scorecard import off_track_worst_first, status_counts
from rules.suppression import is_masked
from ui import data
from ui.frame import PageContext
from ui.map import MAX_POLYGONS
from ui.plan_text import fmt_shown
from ui.projector_deck import MAP_SIZES, MAX_SYMBOLS, commune_dots, commune_map, part_bounds
from ui.scorecard import fmt_result, name_list
from ui.selections import communes_off_track, headline_indicator
from ui.status import STATUS_ORDER, STATUS_SYMBOL, status_label

# Communes named as not reported on a slide, in its large type, before "and N more".
NAMES_ON_SLIDE = 12


# --------------------------------------------------------------------------- slide 1: scorecard


def _has_figures(progress: Progress) -> bool:
    return any(progress.figures.get(c.code) for c in progress.communes)


def _no_data(ctx: PageContext) -> None:
    period = ctx.t(f"period_{ctx.period}")
    with st.container(key="proj_list"):
        st.markdown(ctx.t("projector_no_data", period=period, year=ctx.year, area=escape_md(ctx.area.full_name)))


def _count_card(ctx: PageContext, status: str, count: int) -> None:
    with st.container(key=f"proj_card_{status}"):
        with st.container(key=f"proj_num_{status}"):
            st.markdown(f"{STATUS_SYMBOL[status]} {count}")
        with st.container(key=f"proj_word_{status}"):
            st.markdown(f"{ctx.t('status_' + status)}")


def shown_value(ind: Indicator, row: ProgressRow, lang: str) -> str:
    """The value with the decimals needed to see its status (2,04 % "at risk" against
    "< 2 %", not "2,0 %"), as on the pages; a protected count prints its mask."""
    if row.value is None or is_masked(row.value):
        return fmt_shown(row.value, ind.unit, lang)
    return fmt_result(row.value, ind, lang, row.expected)


def _indicator_line(ctx: PageContext, row: ProgressRow) -> str:
    ind = ctx.plan.indicator(row.indicator_id)
    return ctx.t(
        "projector_worst_line",
        name=escape_md(ind.name.get(ctx.lang)),
        value=escape_md(shown_value(ind, row, ctx.lang)),
        target=escape_md(fmt_target(ind.targets.get(ctx.year), ind.unit, ctx.lang)),
    )


def scorecard_slide(ctx: PageContext, progress: Progress) -> None:
    if not _has_figures(progress):
        _no_data(ctx)
        return
    counts = status_counts(progress.area_rows)
    cols = st.columns(3, gap="medium")
    for col, key in zip(cols, JUDGED_STATUSES, strict=True):
        with col:
            _count_card(ctx, key, counts[key])
    with st.container(key="proj_summary"):
        st.markdown(
            ctx.t(
                "projector_counts_summary",
                total=len(progress.area_rows),
                met=counts["met"],
                at_risk=counts["at_risk"],
                not_met=counts["not_met"],
                no_data=counts["no_data"],
                no_target=counts["no_target"],
            )
            + (ctx.t("projector_counts_not_applicable", n=counts["not_applicable"]) if counts["not_applicable"] else "")
        )
        if counts["no_target"] == len(progress.area_rows):
            st.markdown(ctx.t("projector_no_targets", year=ctx.year))
    worst = off_track_worst_first(progress.area_rows, 5)
    with st.container(key="proj_list"):
        st.markdown(f"### {ctx.t('projector_worst_title')}")
        if not worst:
            st.markdown(ctx.t("projector_worst_none"))
        for row in worst:
            st.markdown(f"{STATUS_SYMBOL[row.status]} {_indicator_line(ctx, row)}")


# --------------------------------------------------------------------------- slide 2: map


def map_slide(ctx: PageContext, progress: Progress) -> None:
    ind = headline_indicator(ctx.plan, progress)
    rows = {r.area_code: r for r in progress.commune_rows_of(ind.id)}
    bounds = data.boundaries(ctx.db_url, ctx.area.code)
    unit, shown, shapes = "commune", rows, bounds
    if len(bounds) > MAX_POLYGONS:
        level, parts = part_bounds(ctx, progress)
        if parts:
            unit, shapes = level, parts
            shown = {p.code: row for p in progress.parts if (row := progress.part_row(ind.id, p.code)) is not None}
        else:
            unit = "dots"
    with st.container(key="proj_list"):
        st.markdown(f"### {escape_md(ind.name.get(ctx.lang))}")
    left, right = st.columns([3, 1], gap="medium")
    with left:
        if not bounds:
            st.info(ctx.t("projector_map_missing", area=ctx.area.full_name))
        else:
            if unit == "dots":
                alt = "projector_map_alt_dots"
            elif len(shapes) > MAX_SYMBOLS:
                alt = "projector_map_alt_plain"
            else:
                alt = "projector_map_alt" if unit == "commune" else f"projector_map_alt_{unit}"
            # Each box's height follows the screen (CSS, 60vh) and its map stretches to
            # fill it; CSS shows the rendering whose fixed zoom fits this screen.
            for size, fit, label_size in MAP_SIZES:
                with st.container(key=f"proj_mapbox_{size}"):
                    st.pydeck_chart(
                        commune_dots(rows, bounds, fit)
                        if unit == "dots"
                        else commune_map(shown, shapes, fit, label_size),
                        height="stretch",
                        key=f"proj_map_{size}",
                        alt=ctx.t(alt, indicator=ind.name.get(ctx.lang)),
                    )
    with right:
        notes = []
        if unit in ("province", "district"):
            by_commune = status_counts(list(rows.values()))
            counts = " · ".join(
                f"{STATUS_SYMBOL[s]} {fmt_number(by_commune[s], lang=ctx.lang)}" for s in STATUS_ORDER if by_commune[s]
            )
            notes = [ctx.t(f"projector_map_parts_note_{unit}", counts=counts)]
        elif unit == "dots":
            notes = [ctx.t("projector_map_dots_note")]
        _legend(ctx, ind, shown, progress.row(ind.id), notes, "commune" if unit == "dots" else unit)


def _legend(
    ctx: PageContext,
    ind: Indicator,
    rows: dict[str, ProgressRow],
    area_row: ProgressRow,
    notes: list[str] | None = None,
    unit: str = "commune",
) -> None:
    """Each status with how many of the areas drawn have it ("12 xã", "20 tỉnh")."""
    counts = status_counts(list(rows.values()))
    count_key = "projector_map_legend_count" if unit == "commune" else f"projector_map_legend_count_{unit}"
    for s in STATUSES:
        if counts[s] or s in JUDGED_STATUSES:
            with st.container(key=f"proj_legend_{s}"):
                count = ctx.t(count_key, count=fmt_number(counts[s], lang=ctx.lang))
                st.markdown(f"{status_label(s, ctx.lang)}: {count}")
    with st.container(key="proj_summary"):
        text = ctx.t(
            "projector_map_area",
            value=shown_value(ind, area_row, ctx.lang),
            target=fmt_target(ind.targets.get(ctx.year), ind.unit, ctx.lang),
            status=status_label(area_row.status, ctx.lang),
        )
        st.markdown(escape_md(text))
        if not ind.applies_to_communes:
            st.markdown(ctx.t("projector_map_area_only"))
    with st.container(key="proj_note"):
        for note in notes or []:
            st.markdown(note)
        st.markdown(ctx.t("projector_map_note"))


# --------------------------------------------------------------------------- slide 3: off track


def offtrack_slide(ctx: PageContext, progress: Progress) -> None:
    if not _has_figures(progress):
        _no_data(ctx)
        return
    silent = [c.name for c in progress.communes if not progress.figures.get(c.code)]
    if silent:  # above the cards, so it never meets the footer
        with st.container(key="proj_summary"):
            names = name_list(silent, ctx.lang, limit=NAMES_ON_SLIDE)
            st.markdown(escape_md(ctx.t("projector_not_reported", names=names)))
    communes = communes_off_track(progress)
    if not communes:
        with st.container(key="proj_list"):
            st.markdown(ctx.t("projector_offtrack_none"))
    for start_at in range(0, len(communes), 3):
        cols = st.columns(3, gap="medium")
        for col, item in zip(cols, communes[start_at : start_at + 3], strict=False):
            with col, st.container(key=f"proj_commune_{item.code}"):
                with st.container(key=f"proj_name_{item.code}"):
                    st.markdown(escape_md(item.name))
                with st.container(key=f"proj_line_{item.code}"):
                    line = f"{STATUS_SYMBOL['not_met']} {item.not_met} {ctx.t('status_not_met').lower()}"
                    if item.at_risk:
                        line += f" · {STATUS_SYMBOL['at_risk']} {item.at_risk} {ctx.t('status_at_risk').lower()}"
                    st.markdown(line)
                # Two indicators by name on large screens, one on small ones (CSS picks).
                for size, shown in (("l", 2), ("s", 1)):
                    with st.container(key=f"proj_detail_{size}_{item.code}"):
                        st.markdown(_indicator_list(ctx, item.indicators, shown))


def _indicator_list(ctx: PageContext, ids: tuple[str, ...], shown: int) -> str:
    lines = [f"- {escape_md(ctx.plan.indicator(i).name.get(ctx.lang))}" for i in ids[:shown]]
    if len(ids) > shown:
        lines.append(f"- {ctx.t('projector_offtrack_more', count=len(ids) - shown)}")
    return "\n".join(lines)
