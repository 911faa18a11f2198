"""The parts of the help page generated from the plan: the status legend with an example
taken from the current targets, and how each indicator is computed.

A different targets file gives a different help page: nothing about the indicators is
written into the catalogue, only the sentences around them.
"""

from __future__ import annotations

import streamlit as st

from i18n import escape_md, fmt_amount, fmt_target, place_words
from rules import accumulates_over_year, better_direction
from rules.model import STATUSES, Indicator, LocalText, Plan
from ui import data, status
from ui.frame import PageContext
from ui.plan_text import element_name, fmt_target_words, formula, join_words

HIGHER_OPS = (">=", ">")
# The section Plan.groups() gives indicators without a group.
OTHER_GROUP = LocalText("Chỉ tiêu khác", "Other indicators")


def prorated_indicators(plan: Plan) -> list[Indicator]:
    """Indicators whose H1 expectation is half the year's (flow numerator, `>=` / `>` target)."""
    return [
        ind
        for ind in plan.indicators
        if accumulates_over_year(ind, plan.data_elements) and any(tg.op in HIGHER_OPS for tg in ind.targets.values())
    ]


def _tolerance_example(ctx: PageContext) -> str | None:
    """The at-risk band of the first indicator with a number target, in the chosen year."""
    # "≥ 80 %" reads more naturally than "< 2 %": take such a target first.
    ordered = sorted(ctx.plan.indicators, key=lambda i: not any(tg.op in HIGHER_OPS for tg in i.targets.values()))
    for ind in ordered:
        year = ctx.year if ctx.year in ind.targets else (min(ind.targets) if ind.targets else None)
        target = ind.targets.get(year) if year is not None else None
        if target is None or target.is_trend or target.number is None:
            continue
        tol = ind.tolerance if ind.tolerance is not None else 0.1 * abs(target.number)
        if tol <= 0:
            continue
        number = target.number
        if target.op in HIGHER_OPS:
            band = ctx.t(
                "help_band_higher",
                low=fmt_amount(number - tol, ind.unit, ctx.lang),
                high=fmt_amount(number, ind.unit, ctx.lang),
            )
        else:
            band = ctx.t(
                "help_band_lower",
                low=fmt_amount(number, ind.unit, ctx.lang),
                high=fmt_amount(number + tol, ind.unit, ctx.lang),
            )
        return ctx.t(
            "help_status_at_risk_example",
            name=escape_md(ind.name.get(ctx.lang)),
            year=year,
            target=escape_md(fmt_target(target, ind.unit, ctx.lang)),
            tolerance=escape_md(fmt_amount(tol, ind.unit, ctx.lang)),
            band=escape_md(band),
        )
    return None


def words(ctx: PageContext) -> dict[str, str]:
    """The help page's words for the area and its units, from the tree: "lãnh đạo tỉnh",
    "các xã, phường" for the new Bắc Ninh, "lãnh đạo huyện", "các xã, thị trấn" for Sơn
    Động 2024 (`i18n.place_words`), as markdown-safe text."""
    communes = data.communes_of(ctx.db_url, ctx.area.code)
    found = place_words(ctx.area.type, (c.type for c in communes), ctx.lang)
    return {k: escape_md(v) for k, v in found.items()}


def status_legend(ctx: PageContext, place: dict[str, str] | None = None) -> None:
    """Each status with its badge (symbol, word, colour) and what it means."""
    place = place if place is not None else words(ctx)
    st.markdown(ctx.t("help_status_intro"))
    for key in STATUSES:
        with st.container(border=True, key=f"help_status_{key}"):
            badge = f":{status.STATUS_BADGE_COLOR[key]}-badge[{status.status_label(key, ctx.lang)}]"
            st.markdown(f"{badge} {ctx.t('help_status_' + key, **place)}")
            if key == "at_risk":
                example = _tolerance_example(ctx)
                if example:
                    st.markdown(example)
                st.markdown(ctx.t("help_status_prorate"))
                halved = [escape_md(ind.name.get(ctx.lang)) for ind in prorated_indicators(ctx.plan)]
                if halved:
                    st.markdown(ctx.t("help_status_prorate_list") + "\n" + "\n".join(f"- {n}" for n in halved))
                else:
                    st.markdown(ctx.t("help_status_prorate_none"))
            if key == "not_met":
                st.markdown(ctx.t("help_status_trend"))


def indicator_markdown(ctx: PageContext, ind: Indicator) -> str:
    """One indicator as a short list: formula, unit, targets per year, condition, source."""
    lang, plan = ctx.lang, ctx.plan
    lines = [f"**{escape_md(ind.name.get(lang))}**", ""]

    def item(label_key: str, text: str) -> None:
        lines.append(f"- {ctx.t(label_key)}: {text}")

    item("help_ind_formula", escape_md(formula(plan, ind, lang)))
    item("help_ind_unit", ctx.t(f"unit_name_{ind.unit}"))
    years = [
        ctx.t("help_ind_target_year", year=y, target=escape_md(fmt_target_words(ind.targets[y], ind.unit, lang)))
        for y in sorted(ind.targets)
    ]
    item("help_ind_targets", "; ".join(years) if years else ctx.t("help_no_target_short"))
    item("help_ind_better", ctx.t(f"help_better_{better_direction(ind)}"))
    if all(tg.is_trend for tg in ind.targets.values()):
        item("help_ind_tolerance", ctx.t("help_ind_tolerance_trend"))
    elif ind.tolerance is not None:
        item("help_ind_tolerance", escape_md(fmt_amount(ind.tolerance, ind.unit, lang)))
    else:
        item("help_ind_tolerance", ctx.t("help_ind_tolerance_default"))
    if ind.requires_zero:
        names = join_words([f"“{escape_md(element_name(plan, de, lang))}”" for de in ind.requires_zero], lang)
        item("help_ind_eligibility", ctx.t("help_ind_eligibility_text", names=names))
    if not ind.applies_to_communes:
        item("help_ind_scope", ctx.t("help_ind_scope_area"))
    if ind in prorated_indicators(plan):
        item("help_ind_prorate", ctx.t("help_ind_prorate_text"))
    item("help_ind_source", escape_md(ind.source) if ind.source else ctx.t("help_ind_source_missing"))
    return "\n".join(lines)


def indicators_section(ctx: PageContext, filename: str) -> None:
    """Every indicator of the plan, grouped as the plan groups them."""
    plan = ctx.plan
    years = ", ".join(str(y) for y in plan.years)
    st.markdown(ctx.t("help_indicators_intro", file=escape_md(filename), count=len(plan.indicators), years=years))
    for group in plan.groups():
        members = [ind for ind in plan.indicators if (ind.group or OTHER_GROUP) == group]
        with st.expander(f"{escape_md(group.get(ctx.lang))} ({len(members)})", expanded=False):
            for ind in members:
                with st.container(border=True):
                    st.markdown(indicator_markdown(ctx, ind))


def pace_method(ctx: PageContext) -> str:
    """How pace to the deadline is computed (rules/pace.py), with the plan's FY deadline."""
    from ui.pace_view import HISTORY_YEARS

    day, month = ctx.plan.deadlines.get("FY", (15, 11))
    return ctx.t("help_pace_body", fy=f"{day:02d}/{month:02d}", years=HISTORY_YEARS)
