"""The report's appendix (.xlsx): every indicator for the area and every commune.

Sheets: a summary of the area, one sheet per section of the plan (communes × indicators
with value, target and status), the raw figures behind every rate (numerator and
denominator per commune) and a key. Numbers are numbers (never text) with a
Vietnamese-locale number format, headers frozen and repeated on every printed page, A4
landscape fitted to the width. Text that a spreadsheet would read as a formula (a
commune or plan label starting with = + - @) is written with a leading apostrophe.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from copy import copy
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from data_access.exports import (
    DocumentWriter,
    ExportInputs,
    denominator_noun,
    fmt_date,
    fmt_target,
    group_of,
    indicators_by_group,
    is_masked,
    mask_text,
    no_case,
    note_text,
    pace_method_text,
    pace_status_text,
    period_text,
    row_status_text,
    status_tint,
)
from i18n import capitalised, spreadsheet_text, t
from i18n.looks import status_label
from rules import ProgressRow
from rules.model import COMMUNES, STATUSES, Indicator
from rules.scorecard import decimals_needed

# The [$-42A] locale tag makes LibreOffice show 1.234,5 (Vietnamese) whatever the
# machine's locale; Excel keeps the tag and uses the Windows separators.
FMT_RATE = "[$-42A]#,##0.0"
FMT_RATE2 = "[$-42A]#,##0.00"
FMT_COUNT = "[$-42A]#,##0"
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
GREY = "D9D9D9"  # a table's header
LIGHT_GREY = "F2F2F2"  # the area's own row
FONT = "Times New Roman"
PACE_FILL = {"on_track": "CCEBDF", "accelerate": "F8E3BC", "unlikely": "F4D0BC"}  # as the pages

# The appendix's tables, column by column: (catalogue key of the header, width in characters).
Columns = Sequence[tuple[str, int]]
SUMMARY_COLUMNS: Columns = (
    ("reports_col_no", 5),
    ("reports_xlsx_col_group", 22),
    ("reports_xlsx_col_id", 16),
    ("reports_col_indicator", 48),
    ("reports_xlsx_col_unit", 12),
    ("reports_col_result", 12),  # {period}: the period's short name
    ("reports_col_target", 15),
    ("reports_col_status", 16),
    ("reports_col_same_period", 12),  # {year}: the year before
    ("reports_xlsx_col_numerator", 12),
    ("reports_xlsx_col_denominator", 12),
    ("reports_col_communes_met", 10),
    ("reports_xlsx_col_reported", 10),
    ("reports_xlsx_col_note", 40),
)
# The raw figures and the pace: a row per (indicator, unit), the same first columns.
PER_UNIT: Columns = (
    ("reports_xlsx_col_id", 16),
    ("reports_col_indicator", 40),
    ("reports_xlsx_col_code", 9),
    ("reports_col_commune", 24),
)
RAW_COLUMNS: Columns = (
    *PER_UNIT,
    ("reports_xlsx_col_numerator_name", 36),
    ("reports_xlsx_col_numerator", 12),
    ("reports_xlsx_col_denominator_name", 30),
    ("reports_xlsx_col_denominator", 12),
    ("reports_xlsx_col_value", 11),
    ("reports_xlsx_col_unit", 12),
    ("reports_col_status", 16),
    ("reports_xlsx_col_note", 36),
)
PACE_COLUMNS: Columns = (
    *PER_UNIT,
    ("pace_col_h1", 11),
    ("pace_col_projected", 12),
    ("pace_col_target", 13),
    ("pace_col_needed", 13),
    ("pace_col_status", 15),
    ("pace_col_method", 36),
    ("reports_xlsx_col_note", 36),
)


@dataclass(frozen=True)
class CellStyle:
    """How a cell looks, besides its number format: the key of the one styled cell per
    look whose style the others copy."""

    bold: bool = False
    fill: str | None = None
    wrap: bool = False
    align: str | None = None
    size: float = 11


PLAIN = CellStyle()
WRAPPED = CellStyle(wrap=True)
HEADING = CellStyle(bold=True, fill=GREY, wrap=True, align="center")  # a table's header cell
HEADING_BLANK = CellStyle(fill=GREY)  # the empty cells a heading spans


def _put(ws: Worksheet, row: int, col: int, value: object, style: CellStyle = PLAIN, fmt: str | None = None) -> Cell:
    cell = ws.cell(row=row, column=col)
    if style.wrap and isinstance(value, str) and value:
        _grow(ws, row, col, value, style.size)
    if isinstance(value, str):
        cell.value = spreadsheet_text(value)  # the one rule against formula injection
        cell.data_type = "s"  # never a formula, whatever the text
    else:
        cell.value = value
    number_format = fmt if fmt and isinstance(value, int | float) else None
    # Building openpyxl style objects per cell is slow (they are hashed on every
    # assignment); style one cell per combination and copy its style array after.
    key = (number_format, style)
    cache = ws.parent.__dict__.setdefault("_style_cache", {})
    if key in cache:
        cell._style = copy(cache[key])
        return cell
    if number_format:
        cell.number_format = number_format
    cell.font = Font(name=FONT, bold=style.bold, size=style.size)
    if style.fill:
        cell.fill = PatternFill("solid", fgColor=style.fill)
    cell.alignment = Alignment(wrap_text=style.wrap, vertical="center", horizontal=style.align)
    cell.border = BORDER
    cache[key] = copy(cell._style)
    return cell


def _grow(ws: Worksheet, row: int, col: int, text: str, size: float) -> None:
    """Set the row tall enough for wrapped text: spreadsheets do not always fit it on open."""
    width = ws.column_dimensions[get_column_letter(col)].width or 10
    per_line = max(int(width * 1.15 * 11 / size), 4)
    lines = sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))
    height = 15 * size / 11 * lines + 2
    current = ws.row_dimensions[row].height or 15
    if height > current:
        ws.row_dimensions[row].height = height


def _title(ws: Worksheet, lines: Sequence[str], width: int) -> None:
    for k, text in enumerate(lines, start=1):
        cell = ws.cell(row=k, column=1, value=spreadsheet_text(text))
        cell.data_type = "s"
        cell.font = Font(name=FONT, bold=k == 1, italic=k > 1, size=13 if k == 1 else 11)
        cell.alignment = Alignment(horizontal="left", vertical="center")
        ws.merge_cells(start_row=k, start_column=1, end_row=k, end_column=max(width, 1))


def _print_setup(ws: Worksheet, header_rows: str, freeze: str) -> None:
    ws.freeze_panes = freeze
    ws.print_title_rows = header_rows
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "&P/&N"
    ws.oddFooter.center.size = 9


def _header_row(ws: Worksheet, cols: Sequence[tuple[str, int]], height: int, hr: int = 4) -> int:
    """The table's header on row `hr` under the title (grey, bold, wrapped) with its column
    widths; returns that row, the last one written so far."""
    for c, (text, width) in enumerate(cols, start=1):
        _put(ws, hr, c, text, HEADING)
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.row_dimensions[hr].height = height
    return hr


def _put_row(
    ws: Worksheet,
    r: int,
    values: Sequence[tuple[object, str | None]],
    *,
    wrap: Sequence[int],
    bold: bool = False,
    fill: str | None = None,
    fills: dict[int, str | None] | None = None,
) -> None:
    """One table row of (value, number format) pairs: numbers right-aligned, the `wrap`
    columns wrapped, `fills` colouring single columns (a status) over the row's `fill`."""
    for c, (value, f) in enumerate(values, start=1):
        cell_fill = (fills or {}).get(c, fill)
        _put(ws, r, c, value, CellStyle(bold=bold, fill=cell_fill, wrap=c in wrap, align="right" if f else None), f)


def _close_table(ws: Worksheet, hr: int, last: int, width: int) -> None:
    """Print the header again on every page, freeze it and the first columns, filter the table."""
    _print_setup(ws, f"{hr}:{hr}", f"E{hr + 1}")
    ws.auto_filter.ref = f"A{hr}:{get_column_letter(width)}{last}"


def _value_format(ind: Indicator, row: ProgressRow | None = None) -> str:
    if ind.unit == "count":
        return FMT_COUNT
    from data_access.exports import decimals_for

    return FMT_RATE2 if row is not None and decimals_for(ind, row) == 2 else FMT_RATE


def _num(value: float | None) -> float | str | None:
    """Whole numbers as ints (so 12 shows as 12 everywhere), others as floats; a figure
    hidden by small-count protection as its mask ("<5", "*"), never NaN."""
    if value is None:
        return None
    if is_masked(value):
        return mask_text(value)
    return int(value) if float(value).is_integer() else float(value)


def _sheet_name(k: int, text: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", f"{k}. {text}").strip()
    if len(name) > 31:
        name = name[:30].rstrip(" ,.") + "…"
    base, n = name, 2
    while name in used:
        name = f"{base[:28]}({n})"
        n += 1
    used.add(name)
    return name


class AppendixWriter(DocumentWriter):
    def __init__(self, inputs: ExportInputs) -> None:
        super().__init__(inputs)
        self.wb = Workbook()
        self.used_names: set[str] = set()
        self.units = inputs.units_word()

    def t(self, key: str, **values: object) -> str:
        # The area's units in running text ("xã, thị trấn", "xã, phường") come from the tree.
        units = {"units": self.units, "Units": capitalised(self.units), "UNITS": self.units.upper()}
        return t(key, self.lang, **{**units, **values})

    def named_sheet(self, key: str) -> Worksheet:
        """A new sheet named by its catalogue key, without the numbering of the section sheets."""
        return self.wb.create_sheet(_sheet_name(0, self.t(key), self.used_names).split(". ", 1)[1])

    def headings(self, what: str) -> list[str]:
        progress = self.i.progress
        return [
            self.t("reports_xlsx_title", what=what, period=period_text(self.i.period, self.i.year, self.lang).upper()),
            self.t(
                "reports_xlsx_subtitle",
                area=self.i.area.full_name,
                plan=self.plan.title,
                reported=progress.communes_reported,
                total=len(progress.communes),
                date=fmt_date(progress.latest_update, self.lang) if progress.latest_update else "–",
                today=fmt_date(self.i.today, self.lang),
            ),
        ]

    def table_head(self, ws: Worksheet, what: str, columns: Columns, height: int, **values: object) -> int:
        """The sheet's title (`what`, a catalogue key) and its table's header row with the
        columns' widths; `values` fill the placeholders of both. Returns the header's row."""
        _title(ws, self.headings(self.t(what, **values)), len(columns))
        return _header_row(ws, [(self.t(key, **values), width) for key, width in columns], height=height)

    def build(self) -> bytes:
        self.summary(self.wb.active)
        for k, (group, indicators) in enumerate(indicators_by_group(self.plan), start=1):
            self.group_sheet(k, group.get(self.lang), indicators)
        self.raw_sheet()
        if self.i.period == "H1":
            self.pace_sheet()
        self.key_sheet()
        self.wb.properties.title = self.headings(self.t("reports_xlsx_what_summary"))[0]
        self.wb.properties.language = "vi-VN" if self.lang == "vi" else "en-GB"
        buf = io.BytesIO()
        self.wb.save(buf)
        return buf.getvalue()

    # ------------------------------------------------------------------ summary

    def summary(self, ws: Worksheet) -> None:
        ws.title = _sheet_name(0, self.t("reports_xlsx_sheet_summary"), self.used_names).split(". ", 1)[1]
        y1 = self.i.year - 1
        short = self.t(f"reports_short_period_{self.i.period}", year=self.i.year)
        hr = r = self.table_head(ws, "reports_xlsx_what_summary", SUMMARY_COLUMNS, 45, period=short, year=y1)
        for k, ind in enumerate(self.plan.indicators, start=1):
            row = self.i.row(ind.id)
            r += 1
            fmt = _value_format(ind, row)
            judged = [x for x in self.i.commune_rows(ind.id) if x.status != "no_target" and not no_case(x)]
            values: list[tuple[object, str | None]] = [
                (k, None),
                (group_of(ind).get(self.lang), None),
                (ind.id, None),
                (ind.name.get(self.lang), None),
                (self.t(f"reports_unit_short_{ind.unit}"), None),
                (_num(row.value), fmt),
                (fmt_target(ind, row.target_text, self.lang), None),
                (row_status_text(row, self.lang), None),
                (_num(row.previous_value), _value_format(ind)),
                (_num(row.numerator), FMT_COUNT),
                (
                    _num(row.denominator) if ind.denominator not in (None, COMMUNES) or ind.unit != "count" else None,
                    FMT_COUNT,
                ),
                (sum(1 for x in judged if x.status == "met") if ind.applies_to_communes else None, FMT_COUNT),
                (row.reported, FMT_COUNT),
                (self.note(ind, row), None),
            ]
            _put_row(ws, r, values, wrap=(2, 4, 7, 14), fills={8: status_tint(row.status, 0.35)})
        _close_table(ws, hr, r, len(SUMMARY_COLUMNS))

    def note(self, ind: Indicator, row: ProgressRow) -> str:
        parts = []
        if no_case(row):
            parts.append(self.t("reports_xlsx_note_no_case"))
        if row.prorated:
            parts.append(self.t("reports_xlsx_note_prorated"))
        if row.not_reported:
            names = ", ".join(self.i.commune(c).name for c in row.not_reported)
            parts.append(self.t("reports_xlsx_note_not_reported", names=names))
        if row.ineligible:
            names = ", ".join(self.i.commune(c).name for c in row.ineligible)
            parts.append(self.t("reports_xlsx_note_ineligible", names=names))
        if not ind.applies_to_communes:
            parts.append(self.t("reports_xlsx_note_area_only"))
        found = self.i.notes_on(ind.id)
        if found:  # the editor's explanation of the value, dated (data_access/followup.py)
            parts.append(note_text(found, self.lang))
        return "; ".join(parts)

    # ------------------------------------------------------------------ one sheet per section

    def group_sheet(self, k: int, group_name: str, indicators: list[Indicator]) -> None:
        ws = self.wb.create_sheet(_sheet_name(k, group_name, self.used_names))
        width = 2 + 3 * len(indicators)
        _title(ws, [*self.headings(f"{k}. {group_name}".upper())], width)
        r_name, r_id, r_sub = 4, 5, 6
        _put(ws, r_name, 1, self.t("reports_xlsx_col_code"), HEADING)
        _put(ws, r_name, 2, self.t("reports_col_commune"), HEADING)
        for r in (r_id, r_sub):
            _put(ws, r, 1, "", HEADING_BLANK)
            _put(ws, r, 2, "", HEADING_BLANK)
        ws.merge_cells(start_row=r_name, start_column=1, end_row=r_sub, end_column=1)
        ws.merge_cells(start_row=r_name, start_column=2, end_row=r_sub, end_column=2)
        ws.column_dimensions["A"].width = 9
        ws.column_dimensions["B"].width = 24
        for j, ind in enumerate(indicators):
            c = 3 + 3 * j
            _put(ws, r_name, c, ind.name.get(self.lang), HEADING)
            for extra in (1, 2):
                _put(ws, r_name, c + extra, "", HEADING_BLANK)
            ws.merge_cells(start_row=r_name, start_column=c, end_row=r_name, end_column=c + 2)
            _put(ws, r_id, c, ind.id, CellStyle(fill=LIGHT_GREY, align="center", size=8))
            for extra in (1, 2):
                _put(ws, r_id, c + extra, "", CellStyle(fill=LIGHT_GREY))
            ws.merge_cells(start_row=r_id, start_column=c, end_row=r_id, end_column=c + 2)
            for extra, key in enumerate(("reports_xlsx_col_value", "reports_col_target", "reports_col_status")):
                _put(ws, r_sub, c + extra, self.t(key), HEADING)
            unit = self.t(f"reports_unit_short_{ind.unit}")
            ws.cell(row=r_sub, column=c).value = f"{self.t('reports_xlsx_col_value')} ({unit})"
            ws.column_dimensions[get_column_letter(c)].width = 12
            ws.column_dimensions[get_column_letter(c + 1)].width = 11
            ws.column_dimensions[get_column_letter(c + 2)].width = 15
        ws.row_dimensions[r_name].height = 60
        ws.row_dimensions[r_sub].height = 32
        r = r_sub
        units = [(self.i.area, None), *[(c, c.code) for c in self.i.progress.communes]]
        for unit, code in units:
            r += 1
            is_area = code is None
            look = CellStyle(bold=is_area, fill=LIGHT_GREY if is_area else None)
            _put(ws, r, 1, unit.code, look)
            _put(ws, r, 2, unit.full_name, look)
            for j, ind in enumerate(indicators):
                c = 3 + 3 * j
                row = self.i.row(ind.id, code)
                _put(ws, r, c, _num(row.value), CellStyle(bold=is_area, align="right"), _value_format(ind, row))
                target = fmt_target(ind, row.target_text, self.lang) if row.target_text else "–"
                _put(ws, r, c + 1, target, CellStyle(wrap=True, align="center"))
                _put(ws, r, c + 2, row_status_text(row, self.lang), CellStyle(bold=is_area, fill=status_tint(row.status, 0.35)))
        _print_setup(ws, f"{r_name}:{r_sub}", f"C{r_sub + 1}")

    # ------------------------------------------------------------------ raw figures

    def raw_sheet(self) -> None:
        ws = self.named_sheet("reports_xlsx_sheet_raw")
        hr = r = self.table_head(ws, "reports_xlsx_what_raw", RAW_COLUMNS, 32)
        des = self.plan.data_elements
        for ind in self.plan.indicators:
            num_name = des[ind.numerator].name.get(self.lang) if ind.numerator in des else ind.numerator
            if ind.unit == "count" or ind.denominator is None:
                den_name = ""
            elif ind.denominator == COMMUNES:
                den_name = self.t("reports_xlsx_one_per_commune")
            else:
                den_name = des[ind.denominator].name.get(self.lang) if ind.denominator in des else ind.denominator
            units = [(self.i.area, None), *[(c, c.code) for c in self.i.progress.communes]]
            for unit, code in units:
                row = self.i.row(ind.id, code)
                r += 1
                is_area = code is None
                fill = LIGHT_GREY if is_area else None
                note = self.note(ind, row) if is_area else self.commune_note(row)
                values: list[tuple[object, str | None]] = [
                    (ind.id, None),
                    (ind.name.get(self.lang), None),
                    (unit.code, None),
                    (unit.full_name, None),
                    (num_name, None),
                    (_num(row.numerator), FMT_COUNT),
                    (den_name, None),
                    (_num(row.denominator) if den_name else None, FMT_COUNT),
                    (_num(row.value), _value_format(ind, row)),
                    (self.t(f"reports_unit_short_{ind.unit}"), None),
                    (row_status_text(row, self.lang), None),
                    (note, None),
                ]
                _put_row(ws, r, values, wrap=(2, 5, 7, 12), bold=is_area, fill=fill)
        _close_table(ws, hr, r, len(RAW_COLUMNS))

    def commune_note(self, row: ProgressRow) -> str:
        from data_access.exports import blocking_text

        parts = []
        found = self.i.notes_on(row.indicator_id, row.area_code)
        if found:
            parts.append(note_text(found, self.lang))
        if row.blocking:
            parts.append(self.t("reports_xlsx_note_blocking", why=blocking_text(row, self.plan, self.lang)))
        if no_case(row):
            parts.append(self.t("reports_xlsx_note_no_case"))
        elif not row.reported:
            parts.append(self.t("reports_xlsx_note_not_reported_one"))
        return "; ".join(parts)

    # ------------------------------------------------------------------ pace (H1)

    def pace_sheet(self) -> None:
        """One row per (indicator, unit): the area first, then every commune; H1 value, the
        projected year, the year's target, what H2 must add, the status and how it was
        projected (rules.pace, the pages' rule and words)."""
        ws = self.named_sheet("reports_xlsx_sheet_pace")
        hr = r = self.table_head(ws, "reports_xlsx_what_pace", PACE_COLUMNS, 32, year=self.i.year)
        communes = [] if self.i.area.level == "commune" else list(self.i.progress.communes)
        for ind in self.plan.indicators:
            units = [(self.i.area, None)]
            if ind.applies_to_communes:
                units += [(c, c.code) for c in communes]
            for unit, code in units:
                x = self.i.pace(ind.id, code)
                if x is None:
                    continue
                # a second decimal where one would make a value that misses look equal (2,0005 vs < 2)
                fine = ind.unit != "count" and decimals_needed(x.h1, x.target) == 2
                fmt = FMT_RATE2 if fine else _value_format(ind)
                r += 1
                is_area = code is None
                values: list[tuple[object, str | None]] = [
                    (ind.id, None),
                    (ind.name.get(self.lang), None),
                    (unit.code, None),
                    (unit.full_name, None),
                    (_num(x.h1), fmt),
                    (_num(x.pace.projected), fmt),
                    (fmt_target(ind, ind.targets[self.i.year].text, self.lang), None),
                    (_num(x.pace.needed_h2), fmt),
                    (pace_status_text(x.pace.status, self.lang), None),
                    (pace_method_text(x, self.lang), None),
                    (" ".join(note_text([n], self.lang) for n in self.i.notes_on(ind.id, code)), None),
                ]
                fill = LIGHT_GREY if is_area else None
                _put_row(ws, r, values, wrap=(2, 10, 11), bold=is_area, fill=fill, fills={9: PACE_FILL[x.pace.status]})
        _close_table(ws, hr, r, len(PACE_COLUMNS))

    # ------------------------------------------------------------------ key

    def key_sheet(self) -> None:
        ws = self.named_sheet("reports_xlsx_sheet_key")
        ws.column_dimensions["A"].width = 24
        ws.column_dimensions["B"].width = 90
        _title(ws, self.headings(self.t("reports_xlsx_what_key")), 2)
        r = 4
        for status in STATUSES:
            _put(ws, r, 1, status_label(status, self.lang), CellStyle(fill=status_tint(status, 0.35)))
            _put(ws, r, 2, self.t(f"reports_xlsx_key_{status}"), WRAPPED)
            r += 1
        for key in ("reports_xlsx_key_values", "reports_xlsx_key_text"):
            r += 1
            _put(ws, r, 1, "")
            _put(ws, r, 2, self.t(key), WRAPPED)
        r += 2
        _put(ws, r, 1, self.t("reports_xlsx_key_source"), CellStyle(bold=True))
        _put(ws, r, 2, self.plan.document or self.plan.title, WRAPPED)
        _print_setup(ws, "4:4", "A4")


def write_appendix(inputs: ExportInputs) -> bytes:
    """The appendix as .xlsx bytes."""
    return AppendixWriter(inputs).build()


__all__ = ["denominator_noun", "write_appendix"]
