"""The wide XLSX template communes fill in for one (year, period).

Sheet 1 ("Số liệu …"): one row per commune of the plan's area (code as TEXT so leading
zeros survive, then the name), one column per data element the plan uses, in plan
order. Row 1 holds the Vietnamese headers (with a comment giving the id, the kind and
what may be entered), row 2 the data element ids the importer reads (hidden, so nobody
edits it by accident). Panes are frozen at C3, every figure cell has a data validation
(whole number ≥ 0; 0/1 for yes/no) and empty cells mean "not reported".

Sheet 2 ("Hướng dẫn"): the year, the period and the area (with their ids in column C,
which the importer reads) and the instructions in Vietnamese.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import Engine

from data_access import queries
from data_access.progress import resolve_area, view_day
from i18n import local_now, place_words, spreadsheet_text, t
from rules.model import DataElement, OrgUnitRef, Plan

LANG = "vi"  # the template goes to communes: Vietnamese only
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
CODE_FILL = PatternFill("solid", fgColor="F2F2F2")
THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FIRST_DATA_ROW = 3


def template_filename(plan: Plan, area: OrgUnitRef, year: int, period: str) -> str:
    """'mau_bao_cao_220_FY_2025.xlsx': ASCII, safe on every system."""
    return f"mau_bao_cao_{area.code}_{period}_{year}.xlsx"


def _header(de: DataElement) -> str:
    name = de.name.get(LANG)
    if de.type == "yes_no" and "1 =" not in name:
        name += " " + t("intake_tpl_yes_no_hint", LANG)
    return name


def _comment(de: DataElement) -> Comment:
    kind = t(f"intake_tpl_kind_{de.kind}", LANG)
    allowed = t(f"intake_tpl_allowed_{de.type}", LANG)
    return Comment(t("intake_tpl_comment", LANG, id=de.id, kind=kind, allowed=allowed), "Dashboard", 120, 320)


def _validation(de: DataElement) -> DataValidation:
    if de.type == "yes_no":
        dv = DataValidation(type="whole", operator="between", formula1="0", formula2="1", allow_blank=True)
    elif de.type == "number":
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
    else:
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
    dv.showErrorMessage = True
    dv.errorTitle = t("intake_tpl_dv_title", LANG)
    dv.error = t(f"intake_tpl_allowed_{de.type}", LANG)
    dv.showInputMessage = True
    # The hint a commune officer sees on the cell: in Vietnamese, the figure's name first
    # (Excel allows 32 characters of title and 255 of text), never the element's id.
    dv.promptTitle = t("intake_tpl_prompt_title", LANG)[:32]
    dv.prompt = f"{de.name.get(LANG)}. {t(f'intake_tpl_allowed_{de.type}', LANG)}"[:255]
    return dv


def build_template(
    plan: Plan,
    area: OrgUnitRef,
    communes: Sequence[OrgUnitRef],
    year: int,
    period: str,
    elements: Sequence[str] | None = None,
    now: datetime | None = None,
) -> bytes:
    """The template as XLSX bytes."""
    ids = [de for de in (elements or plan.used_data_elements()) if de in plan.data_elements]
    period_name = t(f"period_{period}", LANG)
    # "Tên xã, phường", "gửi cán bộ … của tỉnh": the area's and its communes' words from the tree.
    words = place_words(area.type, (c.type for c in communes), LANG)
    wb = Workbook()
    ws = wb.active
    ws.title = t("intake_tpl_sheet", LANG, period=t(f"period_short_{period}", LANG), year=year)[:31]

    # Row 1: headers people read; row 2: ids the importer reads.
    heads = [t("intake_tpl_code", LANG), t("intake_tpl_name", LANG, **words)] + [_header(plan.data_elements[d]) for d in ids]
    keys = ["commune_code", "commune_name", *ids]
    for col, (head, key) in enumerate(zip(heads, keys, strict=True), start=1):
        cell = ws.cell(row=1, column=col, value=head)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="center")
        cell.border = BORDER
        if col > 2:
            cell.comment = _comment(plan.data_elements[key])
        id_cell = ws.cell(row=2, column=col, value=key)
        id_cell.font = Font(size=7, color="808080")
    ws.row_dimensions[1].height = 96
    ws.row_dimensions[2].hidden = True

    for r, unit in enumerate(communes, start=FIRST_DATA_ROW):
        code = ws.cell(row=r, column=1, value=spreadsheet_text(unit.code))
        code.data_type = "s"  # never a formula, whatever the text
        code.number_format = "@"  # text: leading zeros survive
        code.fill = CODE_FILL
        code.border = BORDER
        name = ws.cell(row=r, column=2, value=spreadsheet_text(unit.full_name))
        name.data_type = "s"
        name.fill = CODE_FILL
        name.border = BORDER
        for col in range(3, len(keys) + 1):
            cell = ws.cell(row=r, column=col)
            cell.number_format = "0" if plan.data_elements[keys[col - 1]].type != "number" else "0.0"
            cell.border = BORDER
    last = FIRST_DATA_ROW + max(len(communes), 1) - 1 + 50  # room for communes added by hand
    for col in range(3, len(keys) + 1):
        dv = _validation(plan.data_elements[keys[col - 1]])
        letter = get_column_letter(col)
        dv.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last}")
        ws.add_data_validation(dv)
    ws.column_dimensions["A"].width = 10
    ws.column_dimensions["B"].width = 24
    for col in range(3, len(keys) + 1):
        ws.column_dimensions[get_column_letter(col)].width = 16
    ws.freeze_panes = "C3"
    ws.sheet_view.zoomScale = 100

    _info_sheet(wb, plan, area, year, period, period_name, len(communes), len(ids), now or local_now(), words)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _info_sheet(
    wb: Workbook,
    plan: Plan,
    area: OrgUnitRef,
    year: int,
    period: str,
    period_name: str,
    n_communes: int,
    n_elements: int,
    now: datetime,
    words: dict[str, str],
) -> None:
    info = wb.create_sheet(t("intake_tpl_info_sheet", LANG))
    info.column_dimensions["A"].width = 26
    info.column_dimensions["B"].width = 90
    info.column_dimensions["C"].hidden = True
    title = info.cell(row=1, column=1, value=t("intake_tpl_title", LANG, period=period_name.upper(), year=year))
    title.font = Font(bold=True, size=14)
    facts = [
        (t("intake_tpl_year", LANG), year, "year"),
        (t("intake_tpl_period", LANG), period, "period"),
        (t("intake_tpl_period_name", LANG), period_name, None),
        (t("intake_tpl_area", LANG), area.full_name, None),
        (t("intake_tpl_area_code", LANG), area.code, "area_code"),
        (t("intake_tpl_plan", LANG), plan.title, None),
        (t("intake_tpl_made", LANG), now.strftime("%d/%m/%Y %H:%M"), None),
        (t("intake_tpl_size", LANG), t("intake_tpl_size_value", LANG, communes=n_communes, elements=n_elements, **words), None),
    ]
    for r, (label, value, key) in enumerate(facts, start=3):
        info.cell(row=r, column=1, value=label).font = Font(bold=True)
        cell = info.cell(row=r, column=2, value=spreadsheet_text(value))
        if isinstance(value, str):
            cell.data_type = "s"
        if key == "area_code":
            cell.number_format = "@"
        cell.alignment = Alignment(horizontal="left")
        if key:
            info.cell(row=r, column=3, value=key)
    start = 3 + len(facts) + 1
    info.cell(row=start, column=1, value=t("intake_tpl_howto", LANG)).font = Font(bold=True, size=12)
    for i in range(1, 9):
        cell = info.cell(row=start + i, column=1, value=f"{i}.")
        cell.alignment = Alignment(horizontal="right", vertical="top")
        text = info.cell(row=start + i, column=2, value=t(f"intake_tpl_step_{i}", LANG, **words))
        text.alignment = Alignment(wrap_text=True, vertical="top")
        info.row_dimensions[start + i].height = 32


def write_template(
    engine: Engine, plan: Plan, year: int, period: str, area_code: str | None = None
) -> tuple[bytes, str]:
    """(XLSX bytes, suggested file name) for the plan's area (or `area_code`): the
    communes that report the period, those valid on its last day (a code means the old
    unit in 2024 and the new one in 2026, never both; a 2025 file: H1 the old, FY the new)."""
    # The view's day: the period's last, or the first of an area that began later (the
    # new Bắc Ninh's 2025 H1 template lists its communes, not old Bắc Giang's).
    on = view_day(engine, plan, year, period)
    area = queries.org_unit(engine, area_code, on) if area_code else None
    if area is None:
        area = resolve_area(engine, area_code or plan.area, on)
    # The units that report the period (places.md): valid on its last day; for an area that
    # began later (the new province's template for 2025 H1), the old units it carries.
    communes = queries.reporting_units(engine, area.code, year, period, on=on)
    return build_template(plan, area, communes, year, period), template_filename(plan, area, year, period)
