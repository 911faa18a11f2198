"""The leader's first screen of the Overview: the answer before any table.

At 1280x720, without scrolling, a district leader reads (1) the verdict and how it
moved since the compare year ("5/23 chỉ tiêu đạt — năm 2024: 7/23"), (2) the few
indicators that most need direction, each with its value, target and gap in real units,
and (3) the communes most behind, by name, worst first, each a link to its page; under
the verdict, how many of the committee's directions are overdue (a link to them). The
sections and the grid follow underneath.

The choice of indicators and communes is the projector's ("Cần tập trung nhất"): one
ranking for the meeting room and the desk. Data reaches the screen only as link labels
and escaped markdown (never HTML); the only HTML here is the static CSS that tightens
the links.
"""

from __future__ import annotations

import streamlit as st

from data_access.progress import Progress
from i18n import escape_md, fmt_date, fmt_number
from rules.scorecard import off_track_worst_first, status_counts
from ui import data, followup_view, reform
from ui.frame import PageContext
from ui.scorecard import fmt_result, fmt_target, gap_text, shows_parts, when_text
from ui.selections import communes_off_track
from ui.status import STATUS_ORDER, STATUS_SYMBOL

# How many indicators need direction on the first screen (3-5 in the issue; four fit
# at 1280x720 with names wrapped over two lines) and how many communes are named before "và N xã khác".
FOCUS_INDICATORS = 4
FOCUS_COMMUNES = 6

# Static CSS: page links as tight lines of a list (Streamlit pads them like buttons).
_STYLE = """<style>
.st-key-lead_focus [data-testid="stPageLink"] a { padding: 0.05rem 0.25rem; min-height: 0; }
.st-key-lead_focus [data-testid="stPageLink"] p { font-weight: 600; white-space: normal; }
.st-key-lead_focus [data-testid="stCaptionContainer"] { margin-top: -0.6rem; }
.st-key-lead_focus [data-testid="stVerticalBlock"] { gap: 0.35rem; }
.st-key-lead_verdict h3 { padding-bottom: 0; }
</style>"""


def _met_of(progress: Progress) -> tuple[int, int]:
    counts = status_counts(progress.area_rows)
    return counts.get("met", 0), len(progress.area_rows)


def verdict_change(ctx: PageContext, progress: Progress) -> str | None:
    """'năm 2024: 7/23' — the compare year's verdict judged against its own targets, or
    None when that year has no figures or no targets (nothing honest to compare)."""
    if ctx.compare_year not in ctx.plan.years:
        return None
    try:
        then = data.progress(ctx.db_url, ctx.compare_year, ctx.period, ctx.area.code)
    except LookupError:  # the area did not exist that year
        return None
    if not then.communes_reported:
        return None
    met, total = _met_of(then)
    return ctx.t("lead_verdict_then", when=when_text(ctx.period, ctx.compare_year, ctx.lang), n=met, total=total)


def verdict(ctx: PageContext, progress: Progress) -> None:
    """The one line a leader reads first, then the rest of the counts in a caption."""
    counts = status_counts(progress.area_rows)
    met, total = _met_of(progress)
    line = ctx.t("scorecard_head_met", n=met, total=total)
    change = verdict_change(ctx, progress)
    if change:
        line += " — " + change
    rest = [ctx.t(f"scorecard_head_{s}", n=counts[s]) for s in STATUS_ORDER if s != "met" and counts.get(s)]
    rest.append(
        ctx.t(
            "scorecard_head_reported",
            n=fmt_number(progress.communes_reported, lang=ctx.lang),
            total=fmt_number(len(progress.communes), lang=ctx.lang),
            when=when_text(ctx.period, ctx.year, ctx.lang),
        )
    )
    rest.append(ctx.t("lead_updated", date=fmt_date(progress.latest_update, ctx.lang)))
    with st.container(key="lead_verdict"):
        st.subheader(line, anchor=False)
        st.caption(" · ".join(rest))


def focus_indicators(ctx: PageContext, progress: Progress) -> None:
    """The indicators most off track: a link each, then value, target and gap."""
    st.markdown(f"**{ctx.t('lead_indicators_title')}**")
    rows = off_track_worst_first(progress.area_rows, FOCUS_INDICATORS)
    if not rows:
        st.markdown(ctx.t("lead_indicators_none"))
        return
    for row in rows:
        ind = ctx.plan.indicator(row.indicator_id)
        st.page_link(
            "pages/indicator.py",
            label=f"{STATUS_SYMBOL[row.status]} {ind.name.get(ctx.lang)}",
            query_params=ctx.link_params(indicator=ind.id),
        )
        target = fmt_target(ind, ind.targets.get(ctx.year), ctx.lang, row.expected, row.prorated, ctx.year)
        target = target[:1].lower() + target[1:]  # mid-sentence: "chỉ tiêu giảm so với cùng kỳ 2024"
        parts = [ctx.t("lead_value_target", value=fmt_result(row.value, ind, ctx.lang, row.expected), target=target)]
        gap = gap_text(ind, row, ctx.plan, ctx.lang)
        if gap:
            parts.append(gap)
        st.caption(escape_md(" · ".join(parts)))


def _line(ctx: PageContext, not_met: int, at_risk: int) -> str:
    text = f"{STATUS_SYMBOL['not_met']} {not_met}"
    if at_risk:
        text += f" · {STATUS_SYMBOL['at_risk']} {at_risk}"
    return text


def focus_communes(ctx: PageContext, progress: Progress) -> None:
    """The communes (or, for a province, the districts) most behind, worst first, each a link."""
    if shows_parts(progress):
        _focus_parts(ctx, progress)
        return
    st.markdown(f"**{ctx.t('lead_communes_title')}**")
    everyone = communes_off_track(progress, limit=len(progress.communes))
    if not everyone:
        st.markdown(ctx.t("lead_communes_none"))
        return
    for item in everyone[:FOCUS_COMMUNES]:
        st.page_link(
            "pages/commune.py",
            label=f"{item.name} — {_line(ctx, item.not_met, item.at_risk)}",
            query_params=ctx.link_params(commune=item.code),
        )
    more = len(everyone) - FOCUS_COMMUNES
    if more > 0:
        st.caption(ctx.t("lead_communes_more", n=fmt_number(more, lang=ctx.lang)))
    st.caption(ctx.t("lead_communes_hint"))


def _focus_parts(ctx: PageContext, progress: Progress) -> None:
    level = ctx.t(f"level_{progress.parts[0].level}").lower()
    parts = reform.unit_words(progress.parts, ctx.lang, default=level)  # "huyện, thành phố": the tree's words
    st.markdown(f"**{ctx.t('lead_parts_title', parts=parts, Parts=parts[:1].upper() + parts[1:])}**")
    ranked = []
    for u in progress.parts:
        rows = [progress.part_row(ind.id, u.code) for ind in ctx.plan.indicators]
        not_met = sum(1 for r in rows if r and r.status == "not_met")
        at_risk = sum(1 for r in rows if r and r.status == "at_risk")
        if not_met or at_risk:
            ranked.append((-not_met, -at_risk, u.name, u.code, not_met, at_risk))
    ranked.sort()
    if not ranked:
        st.markdown(ctx.t("lead_communes_none"))
        return
    for _nm, _ar, name, code, not_met, at_risk in ranked[:FOCUS_COMMUNES]:
        st.page_link(
            "pages/overview.py",
            label=f"{name} — {_line(ctx, not_met, at_risk)}",
            query_params=ctx.link_params(area=code),
        )
    more = len(ranked) - FOCUS_COMMUNES
    if more > 0:
        st.caption(ctx.t("lead_parts_more", n=fmt_number(more, lang=ctx.lang)))


def first_screen(ctx: PageContext, progress: Progress) -> None:
    """Verdict, then indicators needing direction beside the communes most behind."""
    st.html(_STYLE)
    verdict(ctx, progress)
    followup_view.overdue_banner(ctx)  # the committee's overdue directions, one click away
    with st.container(key="lead_focus"):
        left, right = st.columns([3, 2], gap="medium")
        with left:
            focus_indicators(ctx, progress)
        with right:
            focus_communes(ctx, progress)
