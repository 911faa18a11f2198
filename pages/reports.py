"""Xuất báo cáo: the six-month / annual report draft, its appendix, the meeting pack
and the commune sheets, written from the figures the dashboard shows for the filters.
"""

import streamlit as st

from i18n import fmt_date, period_text, place_words
from ui import exports as ex
from ui import scorecard as sc
from ui.frame import page_context, url_widget

ctx = page_context("reports")
t = ctx.t
when = period_text(ctx.period, ctx.year, ctx.lang)
st.title(t("reports_page_title"), anchor=False)
st.caption(t("reports_page_intro", area=ctx.area.full_name, when=when))

inputs = ex.export_inputs(ctx)
progress = inputs.progress
if not progress.communes:
    st.info(t("reports_page_no_communes", area=ctx.area.full_name), icon=":material/info:")
    st.stop()

# "xã, phường" (Bắc Ninh 2026), "xã, thị trấn" (Sơn Động 2024): the communes' own types.
place = place_words(ctx.area.type, (c.type for c in progress.communes), ctx.lang)
st.markdown(
    t(
        "reports_page_status",
        units=place["units"],
        reported=progress.communes_reported,
        total=len(progress.communes),
        date=fmt_date(progress.latest_update, ctx.lang) if progress.latest_update else "–",
    )
)
if not progress.communes_reported:
    st.warning(t("reports_page_no_data", when=when), icon=":material/warning:")
else:
    missing = [c.full_name for c in progress.communes if not progress.figures.get(c.code)]
    if missing:
        st.info(t("reports_page_not_reported", n=len(missing)), icon=":material/info:")
        st.text(sc.name_list(missing, ctx.lang))  # names are data: plain text, never markup
if inputs.protected:
    st.caption(t("reports_page_protected"))

left, right = st.columns(2)
with left:
    ex.card(ctx, "brief", inputs)
    ex.card(ctx, "report", inputs)
    ex.card(ctx, "meeting", inputs)
with right:
    ex.card(ctx, "appendix", inputs)
    with st.container(border=True):
        st.subheader(t("reports_card_commune_title"), anchor=False)
        st.markdown(t("reports_card_commune_text"))
        names = {c.code: c.full_name for c in progress.communes}
        choice = url_widget(
            st.selectbox,
            t("reports_commune_pick", Units=place["Units"]),
            ["all", *names],
            "commune",
            "all",
            format_func=lambda c: t("reports_commune_all", n=len(names), units=place["units"]) if c == "all" else names.get(c, c),
        )
        ex.download_button(
            ctx, "commune", inputs, label=t("reports_button_commune"), key="reports_download_commune", commune=choice
        )

with st.expander(t("reports_cli_title")):
    st.caption(t("reports_cli_text"))
    base = f"python -m data_access export-report --year {ctx.year} --period {ctx.period} --area {ctx.area.code}"
    st.code(
        "\n".join(
            [
                f"{base} --out bao-cao.docx",
                f"{base} --out phu-luc.xlsx",
                f"{base} --out trinh-chieu.pdf",
                f"{base} --commune all --out phieu-xa.pdf",
                f"{base} --summary --out tom-tat.pdf",
            ]
        ),
        language="bash",
    )
