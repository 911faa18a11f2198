"""A print button, and the print stylesheet that makes the page fit A4.

"In / Xuất PDF trang này" opens the browser's print dialog (where "Lưu thành PDF" is one
choice) for the page as it is: the filters, the commune, the indicator. The stylesheet
hides what only makes sense on a screen (sidebar, menu, toolbar, toggles, the button
itself) and keeps tables and charts from being cut across pages. Both are static text:
no data passes through HTML or script here. Works offline (no library, no font).
"""

from __future__ import annotations

import streamlit as st

from i18n import t

PRINT_CSS = """<style>
@media print {
  @page { size: A4; margin: 12mm; }
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stSidebarCollapsedControl"], [data-testid="stDecoration"],
  .st-key-nav_bar, .st-key-print_button, iframe[title="print_button"],
  [data-testid="stCheckbox"], [data-testid="stElementToolbar"],
  [data-testid="stDownloadButton"] { display: none !important; }
  [data-testid="stMain"], [data-testid="stAppViewContainer"] { overflow: visible !important; }
  [data-testid="stMainBlockContainer"] { padding: 0 !important; max-width: 100% !important; }
  [data-testid="stDataFrame"], [data-testid="stVegaLiteChart"], [data-testid="stTable"],
  [data-testid="stMetric"], [data-testid="stAlert"] { break-inside: avoid; }
  h1, h2, h3, h4 { break-after: avoid; }
  body { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
</style>"""

# The button lives in a tiny iframe (the only way to run `print()` from Streamlit); it
# prints the parent page. Its label is catalogue text, escaped for HTML.
# Sized like Streamlit's own buttons beside it (38 px high, 14 px text, the same border),
# with the machine's sans-serif: the iframe cannot reach the app's bundled font.
_BUTTON = """<body style="margin: 0"><button id="print" type="button" onclick="window.parent.print()"
 style="font: 14px 'Source Sans 3', 'Source Sans Pro', sans-serif; height: 38px; padding: 0 12px;
 border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 8px; background: #fff; color: #31333f;
 cursor: pointer;">{label}</button></body>"""


BUTTON_WIDTH = 250  # px: the English label, the longer one, on one line


def print_button(lang: str) -> None:
    """The button and the print stylesheet, at the top right of a page."""
    import html

    st.html(PRINT_CSS)
    with st.container(key="print_button"):
        # st.iframe, not components.html (deprecated, removed after 2026-06-01).
        st.iframe(_BUTTON.format(label=html.escape(t("print_button", lang))), width=BUTTON_WIDTH, height=40)
