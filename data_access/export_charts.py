"""Charts for the printed documents (matplotlib, Agg, PNG bytes).

Offline and thread-safe: a `Figure` per chart with its own Agg canvas (no pyplot, no
global figure state), DejaVu Sans so Vietnamese diacritics and the status symbols
render. Status is shown by symbol and hatching as well as colour, so the charts still
read on a black-and-white printer or a washed-out projector.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath

from data_access.exports import (
    TREND_ELEMENTS,
    ExportInputs,
    element_noun,
    element_totals,
    fmt_amount,
    fmt_row_value,
    is_masked,
    mask_text,
    no_case,
)
from i18n import fmt_number, t
from i18n.looks import STATUS_COLOR, STATUS_SYMBOL
from rules.model import JUDGED_STATUSES, STATUSES, Indicator
from rules.scorecard import is_commune_share

FONT = "DejaVu Sans"
HATCH = {"met": "", "at_risk": "//", "not_met": "xx", "no_data": "..", "no_target": "", "not_applicable": "oo"}
RC = {"font.family": FONT, "font.size": 10, "axes.spines.top": False, "axes.spines.right": False}


def _png(fig: Figure, dpi: int = 170, tight: bool = False) -> bytes:
    """PNG bytes; `tight` (a second layout pass) only where labels could fall off the edge."""
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight" if tight else None, facecolor="white")
    return buf.getvalue()


def _figure(width_in: float, height_in: float) -> Figure:
    with matplotlib.rc_context(RC):
        return Figure(figsize=(width_in, height_in))


def _rc():  # noqa: ANN202 - context manager
    return matplotlib.rc_context(RC)


# --------------------------------------------------------------------------- map


def _rings(geometry: dict) -> list[list[tuple[float, float]]]:
    kind = geometry.get("type")
    coords = geometry.get("coordinates") or []
    if kind == "Polygon":
        return [[(x, y) for x, y, *_ in ring] for ring in coords]
    if kind == "MultiPolygon":
        return [[(x, y) for x, y, *_ in ring] for poly in coords for ring in poly]
    return []


def map_png(
    inputs: ExportInputs,
    ind: Indicator,
    width_in: float = 7.0,
    height_in: float = 5.5,
    dpi: int = 170,
    label_size: float = 7.5,
) -> bytes:
    """The communes coloured, hatched and labelled (symbol + name) by their status."""
    lang = inputs.lang
    rows = {r.area_code: r for r in inputs.commune_rows(ind.id)}
    with _rc():
        fig = _figure(width_in, height_in)
        ax = fig.add_axes((0, 0.1, 1, 0.9))
        ax.set_axis_off()
        lats = []
        for b in inputs.boundaries:
            row = rows.get(b.code)
            status = row.status if row else "no_data"
            for ring in _rings(b.geometry):
                if len(ring) < 3:
                    continue
                lats.extend(y for _, y in ring)
                path = MplPath(ring, closed=True)
                ax.add_patch(
                    PathPatch(
                        path,
                        facecolor=STATUS_COLOR[status],
                        alpha=0.55,
                        edgecolor="#333333",
                        linewidth=0.6,
                        hatch=HATCH[status],
                    )
                )
        ax.autoscale_view()
        if lats:
            mid = (min(lats) + max(lats)) / 2
            ax.set_aspect(1 / math.cos(math.radians(mid)))
        for b in inputs.boundaries:
            row = rows.get(b.code)
            if b.centroid is None:
                continue
            status = row.status if row else "no_data"
            # A share of communes is yes/no for one commune: the symbol says it all.
            value = (
                "" if is_commune_share(ind) else "\n" + (fmt_row_value(ind, row, lang, compact=True) if row else "–")
            )
            ax.text(
                b.centroid[1],
                b.centroid[0],
                f"{STATUS_SYMBOL[status]} {b.name}{value}",
                ha="center",
                va="center",
                fontsize=label_size,
                linespacing=1.1,
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "alpha": 0.75, "linewidth": 0},
            )
        present = [
            s
            for s in STATUSES
            if any((rows.get(b.code).status if rows.get(b.code) else "no_data") == s for b in inputs.boundaries)
        ]
        handles = [
            Patch(
                facecolor=STATUS_COLOR[s],
                alpha=0.55,
                edgecolor="#333333",
                hatch=HATCH[s],
                label=f"{STATUS_SYMBOL[s]} {t('status_' + s, lang)}",
            )
            for s in present
        ]
        fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False, fontsize=label_size + 1.5)
        fig.text(0.99, 0.995, t("reports_map_disclaimer", lang), ha="right", va="top", fontsize=6, color="#555555")
        return _png(fig, dpi)


# --------------------------------------------------------------------------- trends


def trend_series(inputs: ExportInputs) -> list[tuple[str, dict[int, float | None]]]:
    out = []
    for de_id in TREND_ELEMENTS:
        de = inputs.plan.data_elements.get(de_id)
        if de is None:
            continue
        series = element_totals(inputs, de_id)
        if any(v is not None for v in series.values()):
            out.append((de.name.get(inputs.lang), series))
    return out


def all_hidden(series: dict[int, float | None]) -> bool:
    """Every year's total is hidden ("<5"): a chart would be empty bars; say it in words."""
    shown = [v for v in series.values() if v is not None]
    return bool(shown) and all(is_masked(v) for v in shown)


def trend_png(
    inputs: ExportInputs, width_in: float = 7.0, height_in: float = 2.8, dpi: int = 170, size: float = 9
) -> bytes | None:
    """Yearly totals of injuries and drowning deaths, one small panel each (a series
    whose every total is hidden gets a sentence instead, see `all_hidden`)."""
    series = [(name, values) for name, values in trend_series(inputs) if not all_hidden(values)]
    if not series:
        return None
    lang = inputs.lang
    with _rc():
        fig = _figure(width_in, height_in)
        axes = fig.subplots(1, len(series))
        axes = axes if isinstance(axes, Sequence) or hasattr(axes, "__len__") else [axes]
        for ax, (title, values) in zip(axes, series, strict=False):
            years = sorted(values)
            # A count hidden by small-count protection ("<5") has no bar, only its mask.
            heights = [0.0 if values[y] is None or is_masked(values[y]) else float(values[y]) for y in years]
            colors = ["#0072B2" if y == inputs.year else "#9DB9D3" for y in years]
            bars = ax.bar([str(y) for y in years], heights, color=colors, edgecolor="#333333", linewidth=0.5)
            top = max(heights) if heights else 0
            for bar, y in zip(bars, years, strict=False):
                v = values[y]
                label = mask_text(v) or (
                    fmt_number(v, None, lang) if v is not None else t("reports_chart_no_data_short", lang)
                )
                ax.text(
                    bar.get_x() + bar.get_width() / 2,
                    bar.get_height() + top * 0.02,
                    label,
                    ha="center",
                    va="bottom",
                    fontsize=size,
                    fontweight="bold" if y == inputs.year else "normal",
                )
            ax.set_title("\n".join(textwrap.wrap(title, 38)), fontsize=size + 0.5)
            ax.set_ylim(0, top * 1.2 + 1)
            ax.tick_params(labelsize=size - 0.5)
            ax.set_yticks([])
            ax.spines["left"].set_visible(False)
        fig.tight_layout()
        return _png(fig, dpi)


# --------------------------------------------------------------------------- rates against targets


def rates_png(inputs: ExportInputs, width_in: float = 7.0, dpi: int = 160, size: float = 8.5) -> bytes | None:
    """Every percent indicator: this period (bar in its status colour and hatching), the same
    period a year earlier (thin grey bar) and the target (black tick); the value and status
    symbol in a column of their own on the right, clear of the bars and ticks."""
    lang = inputs.lang
    items = [(ind, inputs.row(ind.id)) for ind in inputs.plan.indicators if ind.unit == "percent"]
    if not items:
        return None
    height = 0.42 * len(items) + 1.0
    with _rc(), matplotlib.rc_context({"hatch.linewidth": 0.4, "hatch.color": "#555555"}):
        fig = _figure(width_in, height)
        ax = fig.add_axes((0.44, 0.8 / height, 0.42, 1 - 1.0 / height))
        ys = list(range(len(items)))[::-1]
        for y, (ind, row) in zip(ys, items, strict=False):
            if row.previous_value is not None and not is_masked(row.previous_value):
                ax.barh(y + 0.22, min(row.previous_value, 100), height=0.22, color="#BBBBBB", edgecolor="none")
            if row.value is not None and not is_masked(row.value):
                ax.barh(
                    y - 0.1,
                    min(row.value, 100),
                    height=0.44,
                    color=STATUS_COLOR[row.status],
                    alpha=0.8,
                    edgecolor="#333333",
                    linewidth=0.4,
                    hatch=HATCH[row.status],
                )
            if row.expected is not None and row.target_text not in ("decrease", "increase", "maintain"):
                ax.plot([row.expected, row.expected], [y - 0.42, y + 0.42], color="black", linewidth=1.8)
            label = (
                t("reports_no_case", lang)
                if no_case(row)
                else (f"{STATUS_SYMBOL[row.status]} {fmt_row_value(ind, row, lang)}" if row.value is not None else "?")
            )
            ax.text(1.02, y - 0.05, label, va="center", fontsize=size, transform=ax.get_yaxis_transform())
        ax.set_yticks(ys)
        ax.set_yticklabels(["\n".join(textwrap.wrap(ind.name.get(lang), 50)) for ind, _ in items], fontsize=size - 0.5)
        ax.set_xlim(0, 100)
        ax.set_xticks([0, 20, 40, 60, 80, 100])
        ax.set_xticklabels([fmt_amount(v, "percent", lang, 0) for v in (0, 20, 40, 60, 80, 100)], fontsize=size - 0.5)
        ax.set_ylim(-0.7, len(items) - 0.3)
        ax.grid(axis="x", color="#DDDDDD", linewidth=0.5)
        ax.set_axisbelow(True)
        shown = [s for s in JUDGED_STATUSES if any(r.status == s for _, r in items)]
        handles = [
            Patch(facecolor="#BBBBBB", label=t("reports_chart_previous", lang, year=inputs.year - 1)),
            *[
                Patch(
                    facecolor=STATUS_COLOR[s],
                    alpha=0.8,
                    hatch=HATCH[s],
                    edgecolor="#333333",
                    label=f"{STATUS_SYMBOL[s]} {t('status_' + s, lang)}",
                )
                for s in shown
            ],
            matplotlib.lines.Line2D([0], [0], color="black", linewidth=1.8, label=t("reports_chart_target", lang)),
        ]
        fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False, fontsize=size - 0.5)
        return _png(fig, dpi, tight=True)


def commune_noun(inputs: ExportInputs, element: str) -> str:
    de = inputs.plan.data_elements.get(element)
    return element_noun(de.name, inputs.lang) if de else element
