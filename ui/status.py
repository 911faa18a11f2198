"""A status on a Streamlit page: the badge and its icon. The shape, word and colour
every surface shares (pages, exports, the CLI) are `i18n.looks`."""

from __future__ import annotations

from i18n import t
from i18n.looks import STATUS_COLOR, STATUS_ORDER, STATUS_RGB, STATUS_SYMBOL, status_label, status_rank

# The looks shared with exports and the CLI live in `i18n.looks`; re-exported for pages.
__all__ = [
    "STATUS_BADGE_COLOR",
    "STATUS_COLOR",
    "STATUS_INK",
    "STATUS_MATERIAL_ICON",
    "STATUS_ORDER",
    "STATUS_RGB",
    "STATUS_SYMBOL",
    "badge",
    "status_label",
    "status_rank",
]

STATUS_MATERIAL_ICON = {
    "met": ":material/check_circle:",
    "at_risk": ":material/warning:",
    "not_met": ":material/cancel:",
    "no_data": ":material/help:",
    "no_target": ":material/remove:",
    "not_applicable": ":material/radio_button_unchecked:",
}
STATUS_BADGE_COLOR = {
    "met": "green",
    "at_risk": "orange",
    "not_met": "red",
    "no_data": "gray",
    "no_target": "blue",
    "not_applicable": "violet",
}

# The status word as large text on white: the fills above are too light to read as
# letters (#E69F00 is 2.1:1), these are at least 6:1 and keep each status's hue.
STATUS_INK = {
    "met": "#00704F",
    "at_risk": "#8A5A00",
    "not_met": "#A33D00",
    "no_data": "#5C5C5C",
    "no_target": "#1B5E86",
    "not_applicable": "#8B3A6E",
}


def badge(status: str, lang: str) -> None:
    """A Streamlit badge with icon, word and colour."""
    import streamlit as st

    st.badge(t("status_" + status, lang), icon=STATUS_MATERIAL_ICON[status], color=STATUS_BADGE_COLOR[status])
