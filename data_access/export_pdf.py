"""Printable PDFs (reportlab): the steering-committee meeting pack and the commune sheets.

Meeting pack: A4 landscape slides readable from the back of a room — the district
scorecard, a map of the headline indicator, the communes off track, and the trends of
drowning deaths and injuries. Every page carries the filters (area, year, period), the
date the figures were updated and the print date, and a key of the status symbols.

Commune sheet: one A4 portrait page per commune for its chairman — its indicators
against the targets, its trend over five years, and what to fix first with the gap in
real units ("cần thêm 312 hộ gia đình …").

Status is always a symbol and a word on a tinted background, never colour alone.
Fonts: DejaVu Sans (system copy, else the one matplotlib ships), so Vietnamese renders.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Circle, Drawing, PolyLine
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    Image,
    KeepInFrame,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from data_access import export_charts as charts
from data_access.exports import (
    DocumentWriter,
    ExportInputs,
    blocking_text,
    commune_fixes,
    commune_label,
    commune_series,
    fmt_amount,
    fmt_date,
    fmt_row_target,
    fmt_row_value,
    fmt_target,
    gap_phrase,
    indicator_label,
    indicators_by_group,
    mask_text,
    no_case,
    period_text,
    row_status_text,
    status_tint,
    trend_word,
    units_phrase,
)
from i18n import capitalised, fmt_number, t
from i18n.looks import STATUS_COLOR, STATUS_SYMBOL
from rules import ProgressRow
from rules.model import JUDGED_STATUSES, STATUSES, Indicator
from rules.scorecard import is_commune_share, map_indicator, off_track_worst_first, status_counts, worst_first_key

FONT, BOLD, ITALIC = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique"
# Narrower faces for the dense commune sheet (falling back to the regular ones).
NARROW, NARROW_BOLD = "DejaVuSansCondensed", "DejaVuSansCondensed-Bold"
_FONT_FILES = {FONT: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf", ITALIC: "DejaVuSans-Oblique.ttf"}
_NARROW_FILES = {NARROW: ("DejaVuSansCondensed.ttf", FONT), NARROW_BOLD: ("DejaVuSansCondensed-Bold.ttf", BOLD)}
_SYSTEM_FONTS = Path("/usr/share/fonts/truetype/dejavu")
GRID = colors.HexColor("#9A9A9A")
HEAD = colors.HexColor("#D9D9D9")
FIXES_SHOWN = 6  # the worst few on a commune sheet; the table has the rest


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    import matplotlib

    bundled = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    for name, file in _FONT_FILES.items():
        path = _SYSTEM_FONTS / file
        pdfmetrics.registerFont(TTFont(name, str(path if path.exists() else bundled / file)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=ITALIC, boldItalic=BOLD)
    for name, (file, fallback) in _NARROW_FILES.items():
        path = _SYSTEM_FONTS / file
        pdfmetrics.registerFont(TTFont(name, str(path if path.exists() else bundled / _FONT_FILES[fallback])))


def _style(
    size: float,
    *,
    bold: bool = False,
    italic: bool = False,
    align: int = TA_LEFT,
    leading: float | None = None,
    color: str = "#000000",
    narrow: bool = False,
) -> ParagraphStyle:
    if narrow:
        name = NARROW_BOLD if bold else NARROW
    else:
        name = BOLD if bold else (ITALIC if italic else FONT)
    return ParagraphStyle(
        name=f"s{size}{bold}{italic}{align}{narrow}",
        fontName=name,
        fontSize=size,
        leading=leading or size * 1.22,
        alignment=align,
        textColor=colors.HexColor(color),
    )


# Room a heading needs below it (itself and a few lines of what it heads) on its page.
HEADING_ROOM = 45 * mm


def _heading(paragraph: Paragraph, after: float = 2 * mm) -> list:
    """A heading that is never left alone at the foot of a page: a new page when less
    than HEADING_ROOM remains (ReportLab's CondPageBreak), and kept with the next."""
    return [CondPageBreak(HEADING_ROOM), paragraph, Spacer(1, after)]


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    """Data is text: escape it so a commune called '<b>' prints as typed."""
    return Paragraph(escape(text), style)


def _head_row(texts: Sequence[str], style: ParagraphStyle) -> list[Paragraph]:
    """A table's header row: each column's heading as a paragraph in the header style."""
    return [_p(text, style) for text in texts]


def _tint(status: str) -> colors.Color:
    return colors.HexColor("#" + status_tint(status, 0.35))


def _status_cell(row: ProgressRow, lang: str, style: ParagraphStyle) -> Paragraph:
    return _p(row_status_text(row, lang), style)


def _png_image(png: bytes, width: float, height: float | None = None) -> Image:
    img = Image(io.BytesIO(png))
    ratio = img.imageHeight / img.imageWidth
    w = width
    h = w * ratio
    if height is not None and h > height:
        h = height
        w = h / ratio
    img.drawWidth, img.drawHeight = w, h
    return img


class _Doc(BaseDocTemplate):
    """A document whose every page draws the filters line, the date and the status key."""

    def __init__(
        self, buf: io.BytesIO, pagesize: tuple[float, float], header: list[str], footer: str, lang: str, margin: float
    ) -> None:
        super().__init__(
            buf,
            pagesize=pagesize,
            leftMargin=margin,
            rightMargin=margin,
            topMargin=margin + 16 * mm,
            bottomMargin=margin + 8 * mm,
            title=header[0],
            author="",
            subject=header[1] if len(header) > 1 else "",
        )
        self.header = header
        self.footer = footer
        self.lang = lang
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body", showBoundary=0)
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=self._decorate)])

    def _decorate(self, canvas, doc) -> None:  # noqa: ANN001
        from reportlab.lib.utils import simpleSplit

        w, h = self.pagesize
        left, right = self.leftMargin, w - self.rightMargin
        top = h - self.topMargin + 16 * mm
        canvas.saveState()
        date = self.header[2] if len(self.header) > 2 else ""
        canvas.setFont(FONT, 9)
        canvas.drawRightString(right, top - 5 * mm, date)
        room = right - left - pdfmetrics.stringWidth(date, FONT, 9) - 6 * mm
        size = 11.0
        while size > 7 and pdfmetrics.stringWidth(self.header[0], BOLD, size) > room:
            size -= 0.5
        canvas.setFont(BOLD, size)
        canvas.drawString(left, top - 5 * mm, self.header[0])
        canvas.setFont(FONT, 8)
        for k, line in enumerate(simpleSplit(self.header[1], FONT, 8, right - left)[:2]):
            canvas.drawString(left, top - 9.5 * mm - k * 3.6 * mm, line)
        canvas.setStrokeColor(GRID)
        canvas.line(left, top - 14.5 * mm, right, top - 14.5 * mm)
        bottom = self.bottomMargin - 8 * mm
        canvas.line(left, bottom + 6 * mm, right, bottom + 6 * mm)
        canvas.setFont(FONT, 8.5)
        canvas.drawString(left, bottom + 2 * mm, self.footer)
        canvas.drawRightString(right, bottom + 2 * mm, t("reports_pdf_page", self.lang, n=doc.page))
        canvas.restoreState()


def _key_line(lang: str) -> str:
    return "   ".join(
        f"{STATUS_SYMBOL[s]} {t('status_' + s, lang)}" for s in STATUSES
    )


def _header(inputs: ExportInputs, title: str) -> list[str]:
    progress = inputs.progress
    lang = inputs.lang
    filters = t(
        "reports_pdf_filters",
        lang,
        area=inputs.area.full_name,
        year=inputs.year,
        period=t(f"period_{inputs.period}", lang),
        compare=inputs.year - 1,
        date=fmt_date(progress.latest_update, lang) if progress.latest_update else "–",
        reported=progress.communes_reported,
        total=len(progress.communes),
    )
    return [title, filters, t("reports_pdf_printed", lang, date=fmt_date(inputs.today, lang))]


def _table(
    data: list[list[object]],
    widths: Sequence[float],
    *,
    header_rows: int = 1,
    extra: Sequence[tuple] = (),
    pad: float = 3,
) -> Table:
    table = Table(data, colWidths=widths, repeatRows=header_rows)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), HEAD),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), pad),
        ("BOTTOMPADDING", (0, 0), (-1, -1), pad),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        *extra,
    ]
    table.setStyle(TableStyle(style))
    return table


# --------------------------------------------------------------------------- meeting pack


class _PdfWriter(DocumentWriter):
    """A PDF's writer: the fonts registered, and words that name the area's units."""

    def __init__(self, inputs: ExportInputs) -> None:
        super().__init__(inputs)
        self.units = inputs.units_word()  # "xã, phường": the area's units as the tree names them
        _register_fonts()

    def t(self, key: str, **values: object) -> str:
        # The area's units ("xã, phường", "Xã, thị trấn") come from the tree.
        return t(key, self.lang, **{"units": self.units, "Units": capitalised(self.units), **values})

    def doc(self, buf: io.BytesIO, size: tuple[float, float], title_key: str, margin: float) -> _Doc:
        """The document: each page headed by `title_key` (of the area and period), with the symbols' key."""
        title = self.of_area_and_period(title_key)
        key_line = self.t("reports_pdf_key", symbols=_key_line(self.lang))
        return _Doc(buf, size, _header(self.i, title), key_line, self.lang, margin)


class MeetingPack(_PdfWriter):
    def __init__(self, inputs: ExportInputs) -> None:
        super().__init__(inputs)
        # A heading never ends a page: it keeps with what follows (and see `_heading`).
        self.h1 = _style(20, bold=True, leading=25)
        self.h2 = _style(14, bold=True)
        self.h1.keepWithNext = self.h2.keepWithNext = 1
        self.body = _style(13, leading=17)
        self.cell = _style(11.5, leading=14)
        self.cell_b = _style(11.5, bold=True, leading=14)
        self.cell_r = _style(11.5, align=TA_RIGHT, leading=14)
        self.cell_c = _style(11.5, align=TA_CENTER, leading=14)
        self.note = _style(10, italic=True, color="#444444")

    def name(self, ind: Indicator) -> str:
        return ind.name.get(self.lang)

    def build(self) -> bytes:
        buf = io.BytesIO()
        doc = self.doc(buf, landscape(A4), "reports_pdf_meeting_title", 12 * mm)
        self.width, self.height = doc.width, doc.height
        story: list = []
        for part in (self.overview, self.scorecard, self.map, self.off_track, self.trends):
            story.extend(part())
            story.append(PageBreak())
        story.pop()
        doc.build(story)
        return buf.getvalue()

    # -- slide 1: the headline numbers -------------------------------------------------

    def overview(self) -> list:
        rows = self.i.progress.area_rows
        counts = status_counts(rows)
        out: list = [
            _p(
                self.t("reports_pdf_slide_overview", period=period_text(self.i.period, self.i.year, self.lang)), self.h1
            ),
            Spacer(1, 4 * mm),
        ]
        boxes = []
        shown = [
            s
            for s in STATUSES
            if counts[s] or s in JUDGED_STATUSES
        ]
        for s in shown:
            boxes.append(
                [
                    _p(STATUS_SYMBOL[s], _style(34, bold=True, align=TA_CENTER, leading=40)),
                    _p(f"{counts[s]}/{len(rows)}", _style(30, bold=True, align=TA_CENTER, leading=36)),
                    _p(self.t("status_" + s), _style(15, align=TA_CENTER, leading=19)),
                ]
            )
        w = self.width / len(boxes)
        table = Table([[b[0] for b in boxes], [b[1] for b in boxes], [b[2] for b in boxes]], colWidths=[w] * len(boxes))
        style = [("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("BOX", (0, 0), (-1, -1), 0.5, GRID)]
        for c, s in enumerate(shown):
            style += [("BACKGROUND", (c, 0), (c, -1), _tint(s)), ("LINEAFTER", (c, 0), (c, -1), 2, colors.white)]
        table.setStyle(TableStyle(style))
        out += [table, Spacer(1, 6 * mm), *_heading(_p(self.t("reports_pdf_worst_title"), self.h2))]
        worst = off_track_worst_first(rows, 6)
        for r in worst:
            ind = self.plan.indicator(r.indicator_id)
            units = units_phrase(ind, r.units_to_target, self.plan, self.lang)
            text = self.t(
                "reports_pdf_worst_line",
                symbol=STATUS_SYMBOL[r.status],
                name=self.name(ind),
                value=fmt_row_value(ind, r, self.lang),
                target=fmt_target(ind, r.target_text, self.lang),
                units=f" — {units}" if units else "",
            )
            out.append(_p(text, self.body))
            out.append(Spacer(1, 1.5 * mm))
        if not worst:
            out.append(_p(self.t("reports_shortcoming_none"), self.body))
        return out

    # -- slides 2+: the scorecard ------------------------------------------------------

    def scorecard(self) -> list:
        y1 = self.i.year - 1
        head = _head_row(
            [
                self.t("reports_col_indicator"),
                self.t("reports_col_result", period=self.t(f"reports_short_period_{self.i.period}", year=self.i.year)),
                self.t("reports_col_target"),
                self.t("reports_col_status"),
                self.t("reports_col_same_period", year=y1),
                self.t("reports_col_trend"),
                self.t("reports_col_communes_met"),
            ],
            self.cell_b,
        )
        data: list[list[object]] = [head]
        extra: list[tuple] = []
        for group, indicators in indicators_by_group(self.plan):
            data.append([_p(group.get(self.lang).upper(), self.cell_b), "", "", "", "", "", ""])
            r = len(data) - 1
            extra += [("SPAN", (0, r), (-1, r)), ("BACKGROUND", (0, r), (-1, r), colors.HexColor("#F2F2F2"))]
            for ind in indicators:
                row = self.i.row(ind.id)
                judged = [x for x in self.i.commune_rows(ind.id) if x.status != "no_target" and not no_case(x)]
                met = (
                    f"{sum(1 for x in judged if x.status == 'met')}/{len(judged)}"
                    if ind.applies_to_communes and judged
                    else "–"
                )
                data.append(
                    [
                        _p(self.name(ind), self.cell),
                        _p(fmt_row_value(ind, row, self.lang, compact=True), self.cell_r),
                        _p(fmt_target(ind, row.target_text, self.lang, compact=True), self.cell_c),
                        _status_cell(row, self.lang, self.cell_b),
                        _p(_previous(ind, row, self.lang), self.cell_r),
                        _p(trend_word(ind, row.value, row.previous_value, self.lang), self.cell),
                        _p(met, self.cell_c),
                    ]
                )
                extra.append(("BACKGROUND", (3, len(data) - 1), (3, len(data) - 1), _tint(row.status)))
        fixed = [30 * mm, 33 * mm, 36 * mm, 27 * mm, 30 * mm, 22 * mm]
        widths = [self.width - sum(fixed), *fixed]
        return [
            _p(self.t("reports_pdf_slide_scorecard"), self.h1),
            Spacer(1, 3 * mm),
            _table(data, widths, extra=extra, pad=2.5),
        ]

    # -- map ---------------------------------------------------------------------------

    def map(self) -> list:
        ind = map_indicator(self.plan)
        row = self.i.row(ind.id)
        title = self.t("reports_pdf_slide_map", name=self.name(ind))
        out: list = [_p(title, self.h1), Spacer(1, 2 * mm)]
        summary = self.t(
            "reports_pdf_map_summary",
            value=fmt_row_value(ind, row, self.lang),
            target=fmt_target(ind, row.target_text, self.lang),
            status=row_status_text(row, self.lang),
        )
        out.append(_p(summary, self.body))
        map_w = self.width * 0.6
        left: list = []
        if self.i.boundaries:
            png = charts.map_png(self.i, ind, width_in=7.2, height_in=5.8, dpi=170, label_size=10.5)
            left.append(_png_image(png, map_w, self.height - 30 * mm))
        else:
            left.append(_p(self.t("reports_pdf_no_map"), self.body))
        right: list = []
        rows = self.i.commune_rows(ind.id)
        for status in ("not_met", "at_risk", "no_data", "met"):
            hit = sorted((r for r in rows if r.status == status), key=worst_first_key)
            if not hit:
                continue
            right.append(
                _p(f"{STATUS_SYMBOL[status]} {self.t('status_' + status)} ({len(hit)})", _style(13, bold=True))
            )
            names = []
            for r in hit:
                unit = self.i.commune(r.area_code)
                why = f" – {blocking_text(r, self.plan, self.lang)}" if r.blocking else ""
                value = "" if status == "no_data" or is_commune_share(ind) else f" ({fmt_row_value(ind, r, self.lang)})"
                names.append(f"{unit.name}{value}{why}")
            right.append(_p("; ".join(names), _style(11, leading=14)))
            right.append(Spacer(1, 2.5 * mm))
        table = Table(
            [[left, KeepInFrame(self.width - map_w - 6 * mm, self.height - 30 * mm, right, mode="shrink")]],
            colWidths=[map_w + 4 * mm, self.width - map_w - 4 * mm],
        )
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        out.append(table)
        return out

    # -- communes off track ------------------------------------------------------------------

    def off_track(self) -> list:
        out: list = [_p(self.t("reports_pdf_slide_off_track"), self.h1), Spacer(1, 3 * mm)]
        counts = [f"{STATUS_SYMBOL[s]} {self.t(f'status_{s}')}" for s in ("not_met", "at_risk", "met")]
        head = _head_row([self.t("reports_col_commune"), *counts, self.t("reports_pdf_col_worst")], self.cell_b)
        data: list[list[object]] = [head]
        per: list[tuple[int, int, str, list[ProgressRow]]] = []
        for commune in self.i.progress.communes:
            rows = [r for r in self.i.all_commune_rows if r.area_code == commune.code]
            counts = status_counts(rows)
            fixes = commune_fixes(self.i, commune.code)
            per.append((-counts["not_met"], -counts["at_risk"], commune.code, fixes))
        per.sort()
        extra: list[tuple] = []
        for _not_met, _at_risk, code, fixes in per:
            commune = self.i.commune(code)
            rows = [r for r in self.i.all_commune_rows if r.area_code == code]
            counts = status_counts(rows)
            if not self.i.progress.figures.get(code):
                worst = self.t("reports_pdf_not_reported")
            else:
                worst = "; ".join(
                    [self.name(self.plan.indicator(r.indicator_id)) for r in fixes if r.status == "not_met"][:3]
                )
                more = sum(1 for r in fixes if r.status == "not_met") - 3
                if more > 0:
                    worst += " " + self.t("reports_pdf_and_more", n=more)
            data.append(
                [
                    _p(commune.full_name, self.cell),
                    _p(str(counts["not_met"]), self.cell_c),
                    _p(str(counts["at_risk"]), self.cell_c),
                    _p(str(counts["met"]), self.cell_c),
                    _p(worst or "–", _style(10.5, leading=13)),
                ]
            )
            r = len(data) - 1
            if counts["not_met"]:
                extra.append(("BACKGROUND", (1, r), (1, r), _tint("not_met")))
            if counts["at_risk"]:
                extra.append(("BACKGROUND", (2, r), (2, r), _tint("at_risk")))
        fixed = [48 * mm, 28 * mm, 30 * mm, 22 * mm]
        out.append(_table(data, [*fixed, self.width - sum(fixed)], extra=extra, pad=2))
        return out

    # -- trends --------------------------------------------------------------------------------

    def trends(self) -> list:
        years = self.i.years()
        out: list = [
            _p(self.t("reports_pdf_slide_trends", first=years[0], last=years[-1]), self.h1),
            Spacer(1, 3 * mm),
        ]
        png = charts.trend_png(self.i, width_in=10.5, height_in=4.2, dpi=170, size=12)
        hidden = [name for name, series in charts.trend_series(self.i) if charts.all_hidden(series)]
        if png is None and not hidden:
            out.append(_p(self.t("reports_pdf_no_trend"), self.body))
            return out
        if png is not None:
            out.append(_png_image(png, self.width, self.height - 45 * mm))
            out.append(Spacer(1, 3 * mm))
        for name in hidden:  # one sentence, not a chart of empty bars
            out.append(_p(self.t("reports_chart_all_hidden", name=name), self.body))
        for name, series in charts.trend_series(self.i):
            if name in hidden:
                continue
            now, before = series.get(self.i.year), series.get(self.i.year - 1)
            out.append(
                _p(
                    self.t(
                        "reports_pdf_trend_line",
                        name=name,
                        now=self.t(f"reports_short_period_{self.i.period}", year=self.i.year),
                        n=mask_text(now) or fmt_number(now, None, self.lang),
                        prev_year=self.i.year - 1,
                        prev=mask_text(before) or fmt_number(before, None, self.lang),
                    ),
                    self.body,
                )
            )
        return out


def _previous(ind: Indicator, row: ProgressRow, lang: str) -> str:
    """The same period a year earlier, as the row's own value is shown (yes/no for one commune)."""
    if row.previous_value is None:
        return "–"
    if row.area_level == "commune" and is_commune_share(ind):
        return t("reports_yes" if row.previous_value >= 50 else "reports_no", lang)
    return fmt_amount(
        row.previous_value, ind.unit, lang, 0 if ind.unit == "count" and row.previous_value.is_integer() else 1, True
    )


def write_meeting_pack(inputs: ExportInputs) -> bytes:
    return MeetingPack(inputs).build()


# --------------------------------------------------------------------------- commune sheets


def sparkline(values: Sequence[float | None], status: str, width: float = 18 * mm, height: float = 3.6 * mm) -> Drawing:
    """A tiny line of the commune's value over the years, the last point marked."""
    d = Drawing(width, height)
    points = [(k, v) for k, v in enumerate(values) if v is not None and v == v]  # v == v: not NaN
    if len(points) < 1:
        return d
    lo = min(v for _, v in points)
    hi = max(v for _, v in points)
    span = hi - lo or 1.0
    n = max(len(values) - 1, 1)

    def xy(k: int, v: float) -> tuple[float, float]:
        return 2 + (width - 6) * k / n, 1.5 + (height - 3) * (v - lo) / span

    flat: list[float] = []
    for k, v in points:
        flat.extend(xy(k, v))
    if len(points) > 1:
        d.add(PolyLine(flat, strokeColor=colors.HexColor("#333333"), strokeWidth=0.8))
    x, y = xy(*points[-1])
    d.add(Circle(x, y, 1.6, fillColor=colors.HexColor(STATUS_COLOR[status]), strokeColor=colors.black, strokeWidth=0.3))
    return d


class CommuneSheets(_PdfWriter):
    def __init__(self, inputs: ExportInputs) -> None:
        super().__init__(inputs)
        self.title = _style(13, bold=True, align=TA_CENTER, leading=16)
        self.body = _style(9.5, leading=12)
        self.body_b = _style(9.5, bold=True, leading=12)
        self.cell = _style(8.5, leading=10, narrow=True)
        self.cell_b = _style(8.5, bold=True, leading=10, narrow=True)
        self.cell_r = _style(8.5, align=TA_RIGHT, leading=10, narrow=True)
        self.cell_c = _style(8.5, align=TA_CENTER, leading=10, narrow=True)
        self.small = _style(7.5, italic=True, leading=9, color="#444444")

    def build(self, codes: Sequence[str]) -> bytes:
        buf = io.BytesIO()
        doc = self.doc(buf, A4, "reports_pdf_sheet_doc_title", 11 * mm)
        story: list = []
        for k, code in enumerate(codes):
            if k:
                story.append(PageBreak())
            story.append(KeepInFrame(doc.width, doc.height, self.page(code, doc.width), mode="shrink"))
        doc.build(story)
        return buf.getvalue()

    def page(self, code: str, width: float) -> list:
        commune = self.i.commune(code)
        rows = [r for r in self.i.all_commune_rows if r.area_code == code]
        counts = status_counts(rows)
        out: list = []
        head = Table(
            [
                [
                    _p(self.t("reports_header_people_committee"), _style(9.5, bold=True, align=TA_CENTER)),
                    _p(self.t("reports_pdf_sheet_title"), _style(12, bold=True, align=TA_CENTER)),
                ],
                [
                    _p(self.i.area.full_name.upper(), _style(9.5, bold=True, align=TA_CENTER)),
                    _p(
                        f"{commune.full_name} – {period_text(self.i.period, self.i.year, self.lang)}",
                        _style(12, bold=True, align=TA_CENTER),
                    ),
                ],
            ],
            colWidths=[width * 0.35, width * 0.65],
        )
        head.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("TOPPADDING", (0, 0), (-1, -1), 1),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ]
            )
        )
        out += [head, Spacer(1, 3 * mm)]
        out.append(_p(self.t("reports_pdf_sheet_to", name=commune_label(commune)), self.body_b))
        out.append(Spacer(1, 1.5 * mm))
        if not self.i.progress.figures.get(code):
            out.append(
                _p(
                    self.t("reports_pdf_sheet_not_reported", period=period_text(self.i.period, self.i.year, self.lang)),
                    self.body_b,
                )
            )
            out.append(Spacer(1, 1.5 * mm))
        judged = sum(counts[s] for s in JUDGED_STATUSES)
        out.append(
            _p(
                self.t(
                    "reports_pdf_sheet_summary",
                    met=counts["met"],
                    judged=judged,
                    at_risk=counts["at_risk"],
                    not_met=counts["not_met"],
                    other=counts["no_data"] + counts["no_target"] + counts["not_applicable"],
                ),
                self.body,
            )
        )
        out.append(Spacer(1, 2.5 * mm))
        out += self.fixes(code)
        out.append(Spacer(1, 2.5 * mm))
        out.append(self.table(code, width))
        out.append(Spacer(1, 1.5 * mm))
        out.append(
            _p(
                self.t("reports_pdf_sheet_note", first=self.i.years()[0], last=self.i.year, area=self.i.area.full_name),
                self.small,
            )
        )
        return out

    def fixes(self, code: str) -> list:
        fixes = commune_fixes(self.i, code)
        out: list = [_p(self.t("reports_pdf_sheet_fix_title"), _style(11, bold=True))]
        if not fixes:
            out.append(_p(self.t("reports_pdf_sheet_fix_none"), self.body))
            return out
        for k, row in enumerate(fixes[:FIXES_SHOWN], start=1):
            ind = self.plan.indicator(row.indicator_id)
            if row.blocking:
                what = self.t("reports_pdf_fix_blocking", why=blocking_text(row, self.plan, self.lang))
            elif is_commune_share(ind):
                what = ""  # yes/no for one commune: "Không (chỉ tiêu: Có)" says it
            else:
                what = units_phrase(ind, row.units_to_target, self.plan, self.lang) or gap_phrase(ind, row, self.lang)
            text = self.t(
                "reports_pdf_fix_line",
                k=k,
                symbol=STATUS_SYMBOL[row.status],
                name=indicator_label(ind, row, self.plan, self.lang),
                value=fmt_row_value(ind, row, self.lang),
                target=fmt_row_target(ind, row, self.lang),
                what=f": {what}" if what else "",
            )
            out.append(_p(text, self.body))
        if len(fixes) > FIXES_SHOWN:
            out.append(_p(self.t("reports_pdf_fix_more", n=len(fixes) - FIXES_SHOWN), self.body))
        return out

    def table(self, code: str, width: float) -> Table:
        years = self.i.years()
        keys = ("reports_col_indicator", "reports_pdf_col_commune_value", "reports_col_target", "reports_col_status")
        head = _head_row(
            [
                *(self.t(k) for k in keys),
                self.t("reports_pdf_col_trend", first=years[0], last=years[-1]),
                self.t("reports_pdf_col_area", area=self.i.area.full_name),
            ],
            self.cell_b,
        )
        data: list[list[object]] = [head]
        extra: list[tuple] = []
        for group, indicators in indicators_by_group(self.plan):
            data.append([_p(group.get(self.lang).upper(), self.cell_b), "", "", "", "", ""])
            r = len(data) - 1
            extra += [("SPAN", (0, r), (-1, r)), ("BACKGROUND", (0, r), (-1, r), colors.HexColor("#F2F2F2"))]
            for ind in indicators:
                row = self.i.row(ind.id, code)
                area_row = self.i.row(ind.id)
                series = commune_series(self.i, ind, code)
                data.append(
                    [
                        _p(indicator_label(ind, row, self.plan, self.lang), self.cell),
                        _p(fmt_row_value(ind, row, self.lang, compact=True), self.cell_r),
                        _p(fmt_row_target(ind, row, self.lang, compact=True), self.cell_c),
                        _status_cell(row, self.lang, self.cell_b),
                        sparkline([series.get(y) for y in years], row.status),
                        _p(fmt_row_value(ind, area_row, self.lang, compact=True), self.cell_r),
                    ]
                )
                extra.append(("BACKGROUND", (3, len(data) - 1), (3, len(data) - 1), _tint(row.status)))
        fixed = [21 * mm, 19 * mm, 22 * mm, 20 * mm, 21 * mm]
        return _table(data, [width - sum(fixed), *fixed], extra=extra, pad=1.3)


def write_commune_sheets(inputs: ExportInputs, codes: Sequence[str]) -> bytes:
    return CommuneSheets(inputs).build(codes)
