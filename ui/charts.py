"""Altair charts shared by the pages: ranked commune bars against the target line, and an
indicator's trend over the years with its target drawn in.

Every text in a chart (axis titles, legends, tooltips, value labels) comes from the
catalogue, and numbers are formatted the page's way (1.234,5 in Vietnamese): tooltips and
labels use strings formatted in Python, axes a Vega label expression. Status is colour
*and* the symbol in the value label and the legend, never colour alone. Fonts are large
enough to read from the back of a meeting room.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

from i18n import fmt_value, t
from rules.scorecard import decimals_needed
from ui.status import STATUS_COLOR, STATUS_ORDER, STATUS_SYMBOL, status_label

FONT = 14
BAR_HEIGHT = 30  # pixels per commune bar
VALUE_COLOR = "#0072B2"  # Okabe-Ito blue: the measured series
TARGET_COLOR = "#222222"


def axis_label_expr(lang: str) -> str:
    """A Vega expression printing axis numbers as 1.234,5 (vi) or 1,234.5 (en)."""
    base = "format(datum.value, ',~f')"
    if lang == "en":
        return base
    # Swap the separators through a placeholder: ',' -> '#', '.' -> ',', '#' -> '.'.
    return f"replace(replace(replace({base}, regexp(',', 'g'), '#'), regexp('\\\\.', 'g'), ','), regexp('#', 'g'), '.')"


def unit_title(unit: str, lang: str) -> str:
    return t(f"unit_name_{unit}", lang)


def _finite(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _style(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return (
        chart.configure_axis(
            labelFontSize=FONT, titleFontSize=FONT, labelLimit=260, labelColor="#222222", titleColor="#222222"
        )
        .configure_legend(labelFontSize=FONT, titleFontSize=FONT, orient="bottom", labelLimit=400)
        .configure_view(strokeWidth=0)
    )


def ranked_bars(
    df: pd.DataFrame,
    unit: str,
    target: float | None,
    lang: str,
    *,
    better: str = "higher",
    target_text: str | None = None,
    name_title: str | None = None,
) -> alt.TopLevelMixin:
    """Horizontal bars, best first, coloured by status, with the target as a dashed rule.

    `df` needs columns `name`, `value` and `status` (one row per commune or unit), and may
    carry `value_text` (the label to print, e.g. "Có"); rows without a value are left out
    (list them beside the chart as "not reported").
    `target` is the threshold in the indicator's unit (None: no rule, e.g. trend targets);
    `target_text` labels the rule (default "Chỉ tiêu: <target>").
    """
    data = df[[_finite(v) for v in df["value"]]].copy()
    data["value"] = data["value"].astype(float)
    data = data.sort_values("value", ascending=(better == "lower"), kind="stable")
    if "value_text" not in data.columns:
        data["value_text"] = [fmt_value(v, unit, lang) for v in data["value"]]
    data["label"] = [f"{STATUS_SYMBOL[s]} {txt}" for s, txt in zip(data["status"], data["value_text"], strict=True)]
    data["status_label"] = [status_label(s, lang) for s in data["status"]]
    present = [s for s in STATUS_ORDER if s in set(data["status"])]
    colour = alt.Color(
        "status_label:N",
        title=t("charts_status", lang),
        scale=alt.Scale(domain=[status_label(s, lang) for s in present], range=[STATUS_COLOR[s] for s in present]),
    )
    top = max([*data["value"].tolist(), target or 0.0, 0.0])
    x = alt.X(
        "value:Q",
        title=unit_title(unit, lang),
        scale=alt.Scale(domain=[0, top * 1.18 if top > 0 else 1]),
        axis=alt.Axis(labelExpr=axis_label_expr(lang), tickMinStep=1 if unit == "count" else alt.Undefined),
    )
    y = alt.Y("name:N", title=None, sort=data["name"].tolist(), axis=alt.Axis(labelFontSize=FONT))
    tooltip = [
        # The kind of unit as the tree names it ("Xã, phường"), given by the caller.
        alt.Tooltip(
            "name:N", title=t("charts_commune", lang, units=name_title or t("reform_type_xa", lang).capitalize())
        ),
        alt.Tooltip("value_text:N", title=t("charts_value", lang)),
        alt.Tooltip("status_label:N", title=t("charts_status", lang)),
    ]
    base = alt.Chart(data)
    bars = base.mark_bar(height=BAR_HEIGHT - 8).encode(x=x, y=y, color=colour, tooltip=tooltip)
    labels = base.mark_text(align="left", dx=5, fontSize=FONT, color="#222222").encode(
        x="value:Q", y=alt.Y("name:N", sort=data["name"].tolist()), text="label:N"
    )
    layers: list[alt.Chart] = [bars, labels]
    if target is not None:
        rule_df = pd.DataFrame(
            {
                "target": [target],
                "text": [target_text or t("charts_target_is", lang, target=fmt_value(target, unit, lang))],
            }
        )
        rule = alt.Chart(rule_df).mark_rule(color=TARGET_COLOR, strokeDash=[6, 4], size=2).encode(x="target:Q")
        rule_label = (
            alt.Chart(rule_df)
            .mark_text(
                align="left", baseline="bottom", dx=4, dy=-2, fontSize=FONT, fontWeight="bold", color=TARGET_COLOR
            )
            .encode(x="target:Q", y=alt.value(0), text="text:N")
        )
        layers += [rule, rule_label]
    # Streamlit fits the whole chart (axes, legend) into `height`: add room for them.
    height = max(BAR_HEIGHT * len(data), 60) + 130
    return _style(alt.layer(*layers).properties(height=height, padding={"top": 18, "left": 4, "right": 8}))


def trend_chart(
    df: pd.DataFrame,
    unit: str,
    target: float | None,
    lang: str,
    *,
    value_label: str | None = None,
    notes: dict[int, str] | None = None,
) -> alt.TopLevelMixin:
    """The value over the years (line, points, labels) with the target as a dashed line.
    `notes` (year -> text) marks those years with "✎" and the note in the tooltip.

    `df` needs columns `year` and `value`; an optional `target` column gives each year's
    target number (years without one draw no target point). A scalar `target` is used
    for every year when the frame has no `target` column. `value_label` names the
    measured series in the legend (default "Kết quả").
    """
    value_label = value_label or t("charts_series_value", lang)
    target_label = t("charts_series_target", lang)
    rows = []
    for rec in df.to_dict("records"):
        year = int(rec["year"])
        tv = rec.get("target", target) if "target" in df.columns else target
        if _finite(rec.get("value")):
            v = float(rec["value"])
            # 1,98 % beside the "< 2 %" line reads "1,98 %", not "2,0 %" (its status is right)
            places = decimals_needed(v, float(tv)) if unit != "count" and _finite(tv) else None
            text = fmt_value(v, unit, lang, decimals=places)
            rows.append({"year": str(year), "series": value_label, "value": v, "text": text})
        if _finite(tv):
            tv = float(tv)
            rows.append({"year": str(year), "series": target_label, "value": tv, "text": fmt_value(tv, unit, lang)})
    data = pd.DataFrame(rows, columns=["year", "series", "value", "text"])
    years = sorted({str(int(y)) for y in df["year"]})
    series = [s for s in (value_label, target_label) if s in set(data["series"])] or [value_label]
    colour = alt.Color(
        "series:N",
        title=None,
        scale=alt.Scale(domain=series, range=[VALUE_COLOR if s == value_label else TARGET_COLOR for s in series]),
    )
    dash = alt.StrokeDash(
        "series:N",
        legend=None,
        scale=alt.Scale(domain=series, range=[[1, 0] if s == value_label else [6, 4] for s in series]),
    )
    top = max([*data["value"].tolist(), 0.0])
    x = alt.X(
        "year:O", title=t("charts_year", lang), sort=years, scale=alt.Scale(domain=years), axis=alt.Axis(labelAngle=0)
    )
    y = alt.Y(
        "value:Q",
        title=unit_title(unit, lang),
        scale=alt.Scale(domain=[0, top * 1.2 if top > 0 else 1]),
        axis=alt.Axis(labelExpr=axis_label_expr(lang), tickMinStep=1 if unit == "count" else alt.Undefined),
    )
    tooltip = [
        alt.Tooltip("year:N", title=t("charts_year", lang)),
        alt.Tooltip("series:N", title=t("charts_series", lang)),
        alt.Tooltip("text:N", title=t("charts_value", lang)),
    ]
    base = alt.Chart(data)
    lines = base.mark_line(strokeWidth=3).encode(x=x, y=y, color=colour, strokeDash=dash)
    points = base.mark_point(size=90, filled=True).encode(x=x, y=y, color=colour, tooltip=tooltip)
    labels = (
        base.transform_filter(alt.datum.series == value_label)
        .mark_text(dy=-14, fontSize=FONT, fontWeight="bold", color=VALUE_COLOR)
        .encode(x=x, y=y, text="text:N")
    )
    layers = [lines, points, labels]
    noted = [{"year": str(y), "note": text} for y, text in (notes or {}).items() if str(y) in years]
    if noted:  # notes on figures (issue 15): a dotted rule and "✎" at the top of the year
        marks = alt.Chart(pd.DataFrame(noted))
        tip = [alt.Tooltip("year:N", title=t("charts_year", lang)), alt.Tooltip("note:N", title=t("charts_note", lang))]
        layers.append(marks.mark_rule(strokeDash=[2, 3], color="#555555").encode(x=x, tooltip=tip))
        layers.append(
            marks.mark_text(text="✎", fontSize=FONT + 6, color="#222222", baseline="top").encode(
                x=x, y=alt.value(0), tooltip=tip
            )
        )
    return _style(alt.layer(*layers).properties(height=320, padding={"top": 10, "right": 10}))
