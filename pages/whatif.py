"""What-if: move a target or assume some communes meet it, and see what the area and
the communes would become. A simulation only: nothing is written to the database."""

import streamlit as st

from i18n import fmt_amount
from rules import simulate
from ui import data
from ui import whatif_view as view
from ui.frame import page_context

ctx = page_context("whatif")

st.title(ctx.t("whatif_title"))
st.warning(ctx.t("whatif_banner"), icon=":material/science:")
st.caption(ctx.t("whatif_context", area=ctx.area.full_name, year=ctx.year, period=ctx.t(f"period_{ctx.period}")))

progress = data.progress(ctx.db_url, ctx.year, ctx.period, ctx.area.code)
names = view.commune_names(progress)
ind = view.indicator_picker(ctx)

levers, results = st.columns([2, 3], gap="large")
with levers:
    target = view.target_lever(ctx, ind)
    assumed = view.communes_lever(ctx, ind, progress)

with results:
    if view.hides_figures(progress, ind):
        st.info(ctx.t("whatif_protected"), icon=":material/shield:")
        st.stop()
    if not view.has_figures(progress):
        period = ctx.t(f"period_{ctx.period}")
        st.info(
            ctx.t("whatif_no_figures", period=period, year=ctx.year, area=ctx.area.full_name), icon=":material/info:"
        )
        st.stop()
    override = view.changed_target(ind, ctx.year, target)
    sim = simulate(
        ctx.plan,
        ind.id,
        ctx.year,
        ctx.period,
        progress.area,
        progress.communes,
        progress.figures,
        progress.previous_figures,
        target_override=override,
        assume_met=assumed,
    )
    view.before_after(ctx, ind, sim, changed=override is not None or bool(assumed))
    if sim.before.prorated and sim.before.expected is not None:
        st.caption(ctx.t("whatif_prorated", half=fmt_amount(sim.before.expected, ind.unit, ctx.lang)))

st.divider()
view.flipped_communes(ctx, ind, sim, names)
view.assumed_figures(ctx, sim, names)
view.notes(ctx, sim, names)
view.carried_note(ctx, progress)
st.caption(ctx.t("whatif_nothing_written"))
