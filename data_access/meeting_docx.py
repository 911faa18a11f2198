"""The meeting record (thông báo kết luận) of a steering-committee meeting, as .docx.

Layout of an administrative notice (Nghị định 30/2020/NĐ-CP): the issuing body and
the national motto side by side, place and date, the title "THÔNG BÁO KẾT LUẬN" and
its subject, then I. the figures the committee saw (from the meeting's frozen
snapshot, not the live database), II. the directions due since the last meeting with
their status, III. the conclusions, IV. the directions given at this meeting (a table:
what, where, who is responsible, by when); addressees and signature last.
"""

from __future__ import annotations

import io
from collections import Counter

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from sqlalchemy import Engine

from data_access import queries
from data_access.access import AccessScope
from data_access.export_docx import FONT, _no_borders, _repeat_header, _set_font, _widths
from data_access.exports import date_in_words
from data_access.followup import DirectionRow, due_for_meeting, get_meeting, list_directions, meeting_snapshot
from i18n import DEFAULT_LANG, fmt_date, t
from rules.issuer import issuing_body, unit_types_phrase
from rules.model import OFF_TRACK


def _para(doc, text: str = "", *, bold: bool = False, italic: bool = False, align: str | None = None, size: float = 13):  # noqa: ANN001, ANN202
    p = doc.add_paragraph()
    if align == "center":
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif align == "justify":
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    p.paragraph_format.space_after = Pt(4)
    if text:
        _set_font(p.add_run(text), size, bold, italic)
    return p


def _where(d: DirectionRow, indicator_names: dict[str, str]) -> str:
    if d.indicator_id:
        return f"{d.area_name} – {indicator_names.get(d.indicator_id, d.indicator_id)}"
    return d.area_name


def commune_types(engine: Engine, meeting) -> str:  # noqa: ANN001 - followup.MeetingRow
    """'xã, thị trấn': the kinds of the communes under the meeting's area on its day."""
    return unit_types_phrase(c.type for c in queries.communes_in(engine, meeting.area_code, on=meeting.meeting_date))


def meeting_record(
    engine: Engine,
    scope: AccessScope | None,
    meeting_id: int,
    *,
    lang: str = DEFAULT_LANG,
    plan=None,  # noqa: ANN001 - rules.model.Plan, for indicator names (TARGETS_FILE when None)
) -> bytes:
    """The record of meeting `meeting_id` (the scope must read its area)."""
    meeting = get_meeting(engine, scope, meeting_id)
    if plan is None:
        try:
            from data_access.__main__ import targets_path
            from data_access.targets import load_plan

            plan = load_plan(targets_path())
        except Exception:  # the record still lists ids when the plan cannot be read
            plan = None
    names = {ind.id: ind.name.get(lang) for ind in plan.indicators} if plan else {}
    tr = lambda key, **v: t(key, lang, **v)  # noqa: E731
    snapshot = meeting_snapshot(engine, scope, meeting_id)
    due = due_for_meeting(engine, scope, meeting)
    given = list_directions(engine, scope, area_code=meeting.area_code, meeting_id=meeting.id, on=meeting.meeting_date)

    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(13)
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    section.top_margin = section.bottom_margin = Cm(2)

    head = doc.add_table(rows=1, cols=2)
    _no_borders(head)
    left, right = head.rows[0].cells

    def line(
        cell,  # noqa: ANN001 - a python-docx table cell
        text: str,
        *,
        bold: bool = False,
        italic: bool = False,
        size: float = 13,
        first: bool = False,
    ) -> None:
        p = cell.paragraphs[0] if first else cell.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_after = Pt(0)
        _set_font(p.add_run(text), size, bold, italic)

    # The committee above (UBND HUYỆN SƠN ĐỘNG, its word from the tree), then the body itself.
    unit = queries.org_unit(engine, meeting.area_code, on=meeting.meeting_date)
    places = [(unit.type, unit.name)] if unit else [(None, meeting.area_name)]
    superior = issuing_body(None, places).unit
    types = "" if unit is not None and unit.level == "commune" else commune_types(engine, meeting)
    line(left, tr("reports_header_superior", unit=superior).upper(), size=12, first=True)
    line(left, tr("meeting_doc_body").upper(), bold=True)
    line(left, "―――――――", size=8)
    line(left, tr("meeting_doc_number"))
    line(right, tr("reports_header_country"), bold=True, size=12, first=True)
    line(right, tr("reports_header_motto"), bold=True)
    line(right, "――――――――――――――", size=8)
    place = meeting.area_name.split(" ", 1)[-1] if " " in meeting.area_name else meeting.area_name
    line(right, date_in_words(meeting.meeting_date, place, lang), italic=True)
    _widths(head, [6.5, 9.5])

    _para(doc)
    _para(doc, tr("meeting_doc_title"), bold=True, align="center", size=14)
    _para(
        doc,
        tr("meeting_doc_subject", title=meeting.title, date=fmt_date(meeting.meeting_date, lang)),
        bold=True,
        align="center",
    )
    _para(doc, "――――――", align="center", size=8)
    intro = tr(
        "meeting_doc_intro",
        date=fmt_date(meeting.meeting_date, lang),
        area=meeting.area_name,
        chair=meeting.chaired_by or tr("meeting_doc_chair_missing"),
    )
    _para(doc, intro, align="justify")

    # I. What the committee saw (the frozen snapshot)
    _para(
        doc, "I. " + tr("meeting_doc_part_figures", period=tr(f"period_{meeting.period}"), year=meeting.year), bold=True
    )
    area_rows = [r for r in snapshot if r.get("area_code") == meeting.area_code]
    counts = Counter(r.get("status") for r in area_rows)
    _para(
        doc,
        tr(
            "meeting_doc_figures_summary",
            total=len(area_rows),
            met=counts.get("met", 0),
            at_risk=counts.get("at_risk", 0),
            not_met=counts.get("not_met", 0),
            no_data=counts.get("no_data", 0),
        ),
        align="justify",
    )
    for r in area_rows:
        if r.get("status") in OFF_TRACK:
            _para(
                doc,
                "- "
                + tr(
                    "meeting_doc_figure_line",
                    indicator=names.get(r["indicator_id"], r["indicator_id"]),
                    value=r.get("value") or "–",
                    target=r.get("target") or "–",
                    status=tr("status_" + str(r.get("status"))),
                ),
            )

    # II. Directions due since the last meeting
    _para(doc, "II. " + tr("meeting_doc_part_due"), bold=True)
    if not due:
        _para(doc, tr("meeting_doc_none"))
    for d in due:
        text = "- " + tr(
            "meeting_doc_due_line",
            text=d.text,
            where=_where(d, names),
            owner=d.owner,
            due=fmt_date(d.due, lang),
            status=tr(f"followup_status_{d.status}").upper(),
        )
        if d.last_note:
            text += " " + tr("meeting_doc_note", note=d.last_note)
        _para(doc, text, align="justify")

    # III. Conclusions
    _para(doc, "III. " + tr("meeting_doc_part_conclusions"), bold=True)
    conclusions = (meeting.conclusions or "").strip()
    if conclusions:
        for chunk in conclusions.splitlines():
            if chunk.strip():
                _para(doc, chunk.strip(), align="justify")
    else:
        _para(doc, tr("meeting_doc_conclusions_missing"), italic=True)

    # IV. Directions given at this meeting
    _para(doc, "IV. " + tr("meeting_doc_part_given"), bold=True)
    if not given:
        _para(doc, tr("meeting_doc_none"))
    else:
        table = doc.add_table(rows=1, cols=5)
        table.style = "Table Grid"
        for cell, key in zip(
            table.rows[0].cells, ("col_no", "col_text", "col_where", "col_owner", "col_due"), strict=True
        ):
            cell.text = ""
            _set_font(cell.paragraphs[0].add_run(tr(f"meeting_doc_{key}")), 11, True)
        _repeat_header(table.rows[0])
        for i, d in enumerate(given, 1):
            cells = table.add_row().cells
            for cell, value in zip(
                cells, (str(i), d.text, _where(d, names), d.owner, fmt_date(d.due, lang)), strict=True
            ):
                _set_font(cell.paragraphs[0].add_run(value), 11)
        _widths(table, [1.0, 6.0, 3.6, 3.0, 2.4])

    _para(doc)
    closing = (
        tr("meeting_doc_closing", area=meeting.area_name, types=types)
        if types
        else tr("meeting_doc_closing_one", area=meeting.area_name)
    )
    _para(doc, closing, align="justify")
    sign = doc.add_table(rows=1, cols=2)
    _no_borders(sign)
    left, right = sign.rows[0].cells
    line(left, tr("meeting_doc_recipients"), bold=True, italic=True, size=12, first=True)
    recipients = [tr("meeting_doc_recipient_members")]
    if types:  # "UBND các xã, thị trấn": the kinds of units under the area on the meeting's day
        recipients.append(tr("meeting_doc_recipient_units", types=types))
    for who in (*recipients, tr("meeting_doc_recipient_file")):
        p = left.add_paragraph()
        p.paragraph_format.space_after = Pt(0)
        _set_font(p.add_run("- " + who), 11)
    line(right, tr("meeting_doc_signer").upper(), bold=True, first=True)
    line(right, tr("meeting_doc_sign_hint"), italic=True, size=12)
    line(right, "")
    line(right, "")
    line(right, meeting.chaired_by or "", bold=True)
    _widths(sign, [8.0, 8.0])

    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
