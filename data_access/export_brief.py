"""The chairman's one-page summary (PDF, A4 portrait): the answer a leader takes into a
meeting or reads in the car, on exactly one page.

What it says, in the order a chairman asks: (1) the verdict and how it moved since the
same period a year earlier ("5/23 chỉ tiêu đạt — cùng kỳ năm 2024: 7/23") with the
count of every status; (2) the indicators that most need direction, worst first, with
value, target and the gap in real units; (3) the communes most behind, by name, worst
first ("và N xã khác" for the rest); (4) the committee's directions that are overdue or
due soon, with their owners and dates. The selection rules are the overview's and the
projector's (`rules.scorecard`): one ranking on the desk, on the wall and on paper.

Status is a symbol and a word on a tinted background, never colour alone. When a long
plan would not fit, the page shrinks its content (ReportLab's KeepInFrame): one page,
always — the lists are capped and say how many were left out.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, timedelta

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import KeepInFrame, Spacer, Table, TableStyle

from data_access.export_pdf import GRID, _Doc, _head_row, _header, _key_line, _p, _register_fonts, _style, _table, _tint
from data_access.exports import DocumentWriter, ExportInputs, fmt_row_value, fmt_target, units_phrase
from data_access.followup import DirectionRow
from i18n import fmt_date, fmt_number
from i18n.looks import STATUS_SYMBOL
from rules.model import JUDGED_STATUSES, STATUSES
from rules.scorecard import communes_off_track, off_track_worst_first, status_counts

INDICATORS_SHOWN = 5  # "3–5 indicators that most need direction" (the leader's screen shows 4)
COMMUNES_SHOWN = 8
DIRECTIONS_SHOWN = 6
DUE_SOON = timedelta(days=30)  # an open direction due within a month is listed with the overdue


def directions_to_list(directions: Sequence[DirectionRow], today: date) -> list[DirectionRow]:
    """Overdue directions first (oldest due first), then open ones due within DUE_SOON."""
    overdue = [d for d in directions if d.status == "overdue"]
    soon = [d for d in directions if d.status == "in_progress" and d.due <= today + DUE_SOON]
    return sorted(overdue, key=lambda d: d.due) + sorted(soon, key=lambda d: d.due)


class ChairmanBrief(DocumentWriter):
    def __init__(self, inputs: ExportInputs, directions: Sequence[DirectionRow]) -> None:
        super().__init__(inputs)
        self.directions = directions
        _register_fonts()
        self.h1 = _style(17, bold=True, leading=21)
        self.h2 = _style(12.5, bold=True, leading=16)
        self.big = _style(15, bold=True, leading=19)
        self.body = _style(10.5, leading=13.5)
        self.cell = _style(9.5, leading=12)
        self.cell_b = _style(9.5, bold=True, leading=12)
        self.cell_c = _style(9.5, align=TA_CENTER, leading=12)
        self.note = _style(9, italic=True, color="#444444")

    def build(self) -> bytes:
        buf = io.BytesIO()
        title = self.of_area_and_period("brief_title")
        doc = _Doc(
            buf, A4, _header(self.i, title), self.t("reports_pdf_key", symbols=_key_line(self.lang)), self.lang, 12 * mm
        )
        self.width = doc.width
        story: list = [*self.verdict(), *self.indicators(), *self.communes(), *self.followup()]
        # One page whatever the plan's length: shrink to fit rather than spill over.
        doc.build([KeepInFrame(doc.width, doc.height, story, mode="shrink")])
        return buf.getvalue()

    # -- the verdict -------------------------------------------------------------------

    def verdict(self) -> list:
        rows = self.i.progress.area_rows
        counts = status_counts(rows)
        line = self.t("brief_verdict", met=counts["met"], total=len(rows))
        then = self.i.previous
        if then is not None and then.communes_reported and then.area_rows:
            line += self.t(
                "brief_verdict_then",
                year=then.year,
                met=status_counts(then.area_rows)["met"],
                total=len(then.area_rows),
            )
        shown = [s for s in STATUSES if counts[s] or s in JUDGED_STATUSES]
        cells = [_p(f"{STATUS_SYMBOL[s]} {counts[s]} {self.t('status_' + s).lower()}", self.cell_c) for s in shown]
        boxes = Table([cells], colWidths=[self.width / len(shown)] * len(shown))
        style = [("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("BOX", (0, 0), (-1, -1), 0.5, GRID)]
        style += [("BACKGROUND", (c, 0), (c, 0), _tint(s)) for c, s in enumerate(shown)]
        boxes.setStyle(TableStyle(style))
        reported = self.t(
            "brief_reported",
            reported=fmt_number(self.i.progress.communes_reported, lang=self.lang),
            total=fmt_number(len(self.i.progress.communes), lang=self.lang),
        )
        return [_p(line, self.big), Spacer(1, 2 * mm), boxes, Spacer(1, 1.5 * mm), _p(reported, self.note)]

    def section(self, title_key: str) -> list:
        """A section's heading, with the space the one page allows before and after it."""
        return [Spacer(1, 4 * mm), _p(self.t(title_key), self.h2), Spacer(1, 1.5 * mm)]

    # -- what needs direction ----------------------------------------------------------

    def indicators(self) -> list:
        out = self.section("reports_pdf_worst_title")
        everyone = off_track_worst_first(self.i.progress.area_rows)
        if not everyone:
            return [*out, _p(self.t("lead_indicators_none"), self.body)]
        keys = ("reports_col_status", "reports_col_indicator", "brief_col_value", "reports_col_target", "brief_col_gap")
        head = _head_row([self.t(k) for k in keys], self.cell_b)
        data: list[list[object]] = [head]
        extra: list[tuple] = []
        for r in everyone[:INDICATORS_SHOWN]:
            ind = self.plan.indicator(r.indicator_id)
            data.append(
                [
                    _p(f"{STATUS_SYMBOL[r.status]} {self.t('status_' + r.status)}", self.cell_b),
                    _p(ind.name.get(self.lang), self.cell),
                    _p(fmt_row_value(ind, r, self.lang), self.cell_c),
                    _p(fmt_target(ind, r.target_text, self.lang, compact=True), self.cell_c),
                    _p(units_phrase(ind, r.units_to_target, self.plan, self.lang) or "–", self.cell),
                ]
            )
            extra.append(("BACKGROUND", (0, len(data) - 1), (0, len(data) - 1), _tint(r.status)))
        fixed = [27 * mm, 26 * mm, 30 * mm, 48 * mm]
        widths = [fixed[0], self.width - sum(fixed), *fixed[1:]]
        out.append(_table(data, widths, extra=extra, pad=2))
        more = len(everyone) - INDICATORS_SHOWN
        if more > 0:
            out += [Spacer(1, 1 * mm), _p(self.t("brief_indicators_more", n=more), self.note)]
        return out

    def communes(self) -> list:
        progress = self.i.progress
        out = self.section("brief_communes_title")
        off = progress.commune_rows_with_status("not_met", "at_risk")  # only these count
        everyone = communes_off_track(off, ((c.code, c.full_name) for c in progress.communes))
        if not everyone:
            return [*out, _p(self.t("lead_communes_none"), self.body)]
        counts = [f"{STATUS_SYMBOL[s]} {self.t(f'status_{s}')}" for s in ("not_met", "at_risk")]
        head = _head_row([self.t("brief_col_unit"), *counts, self.t("brief_col_furthest")], self.cell_b)
        data: list[list[object]] = [head]
        for item in everyone[:COMMUNES_SHOWN]:
            furthest = "; ".join(self.plan.indicator(i).name.get(self.lang) for i in item.indicators[:2]) or "–"
            data.append(
                [
                    _p(item.name, self.cell_b),
                    _p(str(item.not_met), self.cell_c),
                    _p(str(item.at_risk), self.cell_c),
                    _p(furthest, self.cell),
                ]
            )
        fixed = [24 * mm, 24 * mm]
        first = 48 * mm
        widths = [first, *fixed, self.width - first - sum(fixed)]
        out.append(_table(data, widths, pad=2))
        more = len(everyone) - COMMUNES_SHOWN
        if more > 0:
            out += [Spacer(1, 1 * mm), _p(self.t("brief_communes_more", n=more), self.note)]
        return out

    def followup(self) -> list:
        out = self.section("brief_directions_title")
        listed = directions_to_list(self.directions, self.i.today)
        if not listed:
            return [*out, _p(self.t("brief_directions_none"), self.body)]
        keys = ("brief_col_direction", "brief_col_owner", "brief_col_due", "reports_col_status")
        head = _head_row([self.t(k) for k in keys], self.cell_b)
        data: list[list[object]] = [head]
        for d in listed[:DIRECTIONS_SHOWN]:
            where = d.area_name if d.area_code != self.i.area.code else ""
            text = f"{where}: {d.text}" if where else d.text
            data.append(
                [
                    _p(text, self.cell),
                    _p(d.owner or "–", self.cell),
                    _p(fmt_date(d.due, self.lang), self.cell_c),
                    _p(self.t(f"followup_status_{d.status}"), self.cell_b if d.status == "overdue" else self.cell),
                ]
            )
        fixed = [40 * mm, 24 * mm, 24 * mm]
        out.append(_table(data, [self.width - sum(fixed), *fixed], pad=2))
        more = len(listed) - DIRECTIONS_SHOWN
        if more > 0:
            out += [Spacer(1, 1 * mm), _p(self.t("brief_directions_more", n=more), self.note)]
        return out


def write_chairman_brief(inputs: ExportInputs, directions: Sequence[DirectionRow] = ()) -> bytes:
    """The one-page A4 summary (PDF bytes); `directions` as the viewer may see them."""
    return ChairmanBrief(inputs, directions).build()


__all__ = ["ChairmanBrief", "directions_to_list", "write_chairman_brief"]
