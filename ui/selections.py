"""What a view singles out of a `Progress`, without drawing it (no pydeck, no chart):
the communes furthest off track (the overview's leader screen, the projector's third
slide, its "Giao việc" links) and the indicator a meeting's map opens on.

The ordering itself is `rules.scorecard` (pure); this module only hands it a view's rows.
"""

from __future__ import annotations

import streamlit as st

from data_access.progress import Progress
from rules.model import Indicator, Plan
from rules.scorecard import OffTrack, focus_indicator
from rules.scorecard import communes_off_track as rules_off_track


def communes_off_track(progress: Progress, limit: int = 6) -> list[OffTrack]:
    """Communes with the most indicators not met (then at risk), most first."""
    # Only the rows not met or at risk count (rules.scorecard), made alone from the columns.
    off = progress.commune_rows_with_status("not_met", "at_risk")
    return rules_off_track(off, ((c.code, c.name) for c in progress.communes), limit)


def headline_indicator(plan: Plan, progress: Progress) -> Indicator:
    """`?indicator=` if valid, else the meeting's focus (`rules.scorecard.focus_indicator`)."""
    wanted = st.query_params.get("indicator")
    if wanted in {ind.id for ind in plan.indicators}:
        return plan.indicator(wanted)
    return focus_indicator(plan, progress.area_rows)
