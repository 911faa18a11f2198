"""How a status looks everywhere: a shape, a word and a colour (never colour alone).

Colours are from the Okabe–Ito palette, which stays distinguishable with the common
colour-vision deficiencies and on a washed-out projector; the shapes carry the
meaning on their own in black and white.
"""

from __future__ import annotations

from i18n import t

STATUS_ORDER = ("not_met", "at_risk", "met", "no_data", "not_applicable", "no_target")  # worst first
STATUS_SYMBOL = {"met": "✔", "at_risk": "▲", "not_met": "✖", "no_data": "?", "no_target": "–", "not_applicable": "○"}
STATUS_COLOR = {
    "met": "#009E73",
    "at_risk": "#E69F00",
    "not_met": "#D55E00",
    "no_data": "#8C8C8C",
    "no_target": "#56B4E9",
    "not_applicable": "#CC79A7",  # reported, nothing to measure (0 cases): neither good nor bad
}
# RGB for pydeck layers.
STATUS_RGB = {k: tuple(int(v[i : i + 2], 16) for i in (1, 3, 5)) for k, v in STATUS_COLOR.items()}
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


def status_label(status: str, lang: str) -> str:
    """'✔ Đạt', '▲ Có nguy cơ', '✖ Chưa đạt' — for tables, tooltips and exports."""
    return f"{STATUS_SYMBOL[status]} {t('status_' + status, lang)}"


def status_rank(status: str) -> int:
    """Sort key: communes off track first."""
    return STATUS_ORDER.index(status)


def badge(status: str, lang: str) -> None:
    """A Streamlit badge with icon, word and colour."""
    import streamlit as st

    st.badge(t("status_" + status, lang), icon=STATUS_MATERIAL_ICON[status], color=STATUS_BADGE_COLOR[status])
