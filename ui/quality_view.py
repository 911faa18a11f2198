"""Streamlit pieces of the data-quality page: a finding (`rules.quality`) in plain words,
its severity as symbol and word.
"""

from __future__ import annotations

from i18n import fmt_number, t
from rules.model import Plan
from rules.quality import QualityFinding
from ui.plan_text import element_name
from ui.status import STATUS_SYMBOL

# ----------------------------------------------------------------------------- quality

SEVERITY_STYLE = {"error": (STATUS_SYMBOL["not_met"], "red"), "warning": (STATUS_SYMBOL["at_risk"], "orange")}


def finding_text(f: QualityFinding, plan: Plan, lang: str) -> str:
    """One finding in plain words (data are plain text: pages show it with st.text/markdown-escaped)."""
    names = [element_name(plan, e, lang) for e in f.elements]
    vals = [fmt_number(v, lang=lang) for v in f.values]
    if f.kind == "check":
        return t(
            "intake_q_check",
            lang,
            rule=f.reference,
            left=names[0],
            left_value=vals[0],
            right=names[1],
            right_value=vals[1],
        )
    if f.kind == "flow":
        return t("intake_q_flow", lang, element=names[0], h1=vals[0], fy=vals[1], year=f.year)
    if f.kind == "rate":
        try:
            indicator = plan.indicator(f.reference).name.get(lang)
        except KeyError:
            indicator = f.reference
        return t(
            "intake_q_rate", lang, indicator=indicator, num=names[0], num_value=vals[0], den=names[1], den_value=vals[1]
        )
    ratio = f.ratio or 0.0
    median = fmt_number(f.median, lang=lang)
    if ratio >= 1:
        return t(
            "intake_q_outlier_high",
            lang,
            element=names[0],
            value=vals[0],
            ratio=fmt_number(ratio, 1, lang),
            median=median,
        )
    return t(
        "intake_q_outlier_low",
        lang,
        element=names[0],
        value=vals[0],
        pct=fmt_number(100 * ratio, 0, lang),
        median=median,
    )


def severity_label(severity: str, lang: str) -> str:
    return f"{SEVERITY_STYLE[severity][0]} {t('intake_severity_' + severity, lang)}"
