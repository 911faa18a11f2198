"""Plan entries as words: a target in a sentence ("từ 80 % trở lên"), a data element's
name, an indicator's formula (a target's short form, "≥ 80 %", is `i18n.fmt_target`).
Used by the what-if, projector and help pages.

No Streamlit here, so the texts can be tested and reused anywhere; every word comes from
the catalogue (i18n/catalogue/help.yaml, keys `help_op_*`, `help_trend_*`, ...).
"""

from __future__ import annotations

from i18n import fmt_amount, fmt_number, fmt_value, t
from rules.model import COMMUNES, Indicator, Plan, Target
from rules.suppression import is_masked

OP_WORD_KEY = {">=": "help_op_ge", ">": "help_op_gt", "<=": "help_op_le", "<": "help_op_lt", "==": "help_op_eq"}


def fmt_target_words(target: Target | None, unit: str, lang: str) -> str:
    """A target in a sentence: 'từ 80 % trở lên', 'dưới 3 ‰', 'giảm so với cùng kỳ năm trước'."""
    if target is None:
        return t("help_no_target_short", lang)
    if target.is_trend:
        return t(f"help_trend_{target.op}", lang)
    return t(OP_WORD_KEY[target.op], lang, n=fmt_amount(target.number, unit, lang))


def element_name(plan: Plan, de_id: str, lang: str, communes_key: str = "help_communes_denominator") -> str:
    """What communes report, by name (else its id); `communes` is the built-in 'each commune
    counts 1', named by `communes_key` as the sentence around it needs."""
    if de_id == COMMUNES:
        return t(communes_key, lang)
    de = plan.data_elements.get(de_id)
    return de.name.get(lang) if de is not None else de_id


def indicator_name(ind: Indicator, lang: str) -> str:
    return ind.name.get(lang)


def formula(plan: Plan, ind: Indicator, lang: str) -> str:
    """'Tổng (A) của các xã ÷ tổng (B) của các xã × 100' or 'Tổng (A) của các xã'."""
    num = element_name(plan, ind.numerator, lang)
    if ind.unit == "count" or ind.denominator is None:
        return t("help_formula_count", lang, numerator=num)
    scale = fmt_number(ind.scale, 0, lang)
    return t(
        "help_formula_rate", lang, numerator=num, denominator=element_name(plan, ind.denominator, lang), scale=scale
    )


def join_words(items: list[str], lang: str) -> str:
    """'a, b và c' / 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return t("help_list_separator", lang).join(items[:-1]) + t("help_list_last", lang) + items[-1]


def fmt_shown(value: float | None, unit: str, lang: str, decimals: int | None = None) -> str:
    """`fmt_value`, but a figure hidden by small-count protection prints its mask ("<5", "*")."""
    if is_masked(value):
        return str(value)
    return fmt_value(value, unit, lang, decimals)


def fmt_count(value: float | None, lang: str) -> str:
    """A plain count (1.234), or its mask when it is hidden."""
    if is_masked(value):
        return str(value)
    return fmt_number(value, None, lang)
