"""How a status looks everywhere (pages, exports, the command line): a shape, a word and
a colour, never colour alone. No Streamlit here, so exports and the CLI share it with the
pages (`ui/status.py` adds the Streamlit-only badges and icons).

Colours are from the Okabe–Ito palette, which stays distinguishable with the common
colour-vision deficiencies and on a washed-out projector; the shapes carry the meaning on
their own in black and white.
"""

from __future__ import annotations

from i18n import t
from rules.model import STATUS_WORST_FIRST

STATUS_ORDER = STATUS_WORST_FIRST  # the sort order of every "worst first" list
STATUS_SYMBOL = {"met": "✔", "at_risk": "▲", "not_met": "✖", "no_data": "?", "no_target": "–", "not_applicable": "○"}
STATUS_COLOR = {
    "met": "#009E73",
    "at_risk": "#E69F00",
    "not_met": "#D55E00",
    "no_data": "#8C8C8C",
    "no_target": "#56B4E9",
    "not_applicable": "#CC79A7",  # reported, nothing to measure (0 cases): neither good nor bad
}
# RGB for map layers.
STATUS_RGB = {k: tuple(int(v[i : i + 2], 16) for i in (1, 3, 5)) for k, v in STATUS_COLOR.items()}


def status_label(status: str, lang: str) -> str:
    """'✔ Đạt', '▲ Có nguy cơ', '✖ Chưa đạt' — for tables, tooltips and exports."""
    return f"{STATUS_SYMBOL[status]} {t('status_' + status, lang)}"


def status_rank(status: str) -> int:
    """Sort key: off track first."""
    return STATUS_ORDER.index(status)
