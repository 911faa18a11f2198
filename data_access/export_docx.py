"""The six-month / annual report draft (.docx) in the official outline.

Outline of the "MẪU BÁO CÁO (6 tháng và 1 năm)" the district's guidance attaches:
national-motto header block; I. Đặc điểm tình hình; II. Kết quả thực hiện (one item per
section of the plan, `plan.groups()`); III. Đánh giá (with the comparison against the
same period a year earlier); IV. Kế hoạch; addressees and signature; then a landscape
appendix of every commune's result. Every figure comes from the `Progress` rows; only
what a person must write is left as a yellow "[Cần bổ sung: …]" placeholder.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

from data_access import export_charts as charts
from data_access.exports import (
    CONTEXT_ELEMENTS,
    INCIDENT_ELEMENTS,
    DocumentWriter,
    ExportInputs,
    change_phrase,
    commune_label,
    date_in_words,
    element_noun,
    element_total,
    fmt_amount,
    fmt_change,
    fmt_row_value,
    fmt_target,
    fraction_text,
    gap_phrase,
    indicators_by_group,
    is_masked,
    mask_text,
    no_case,
    pace_method_text,
    pace_status_text,
    period_text,
    row_status_text,
    status_tint,
    trend_kind,
    trend_word,
    units_phrase,
)
from i18n import capitalised, fmt_date, fmt_number
from rules import accumulates_over_year, area_value, evaluate, units_to_target
from rules.indicators import better_direction
from rules.issuer import signature_roles
from rules.model import Indicator
from rules.scorecard import (
    decimals_needed,
    is_commune_share,
    map_indicator,
    off_track_worst_first,
    status_counts,
    worst_first_key,
)

FONT = "Times New Roman"
BODY_PT = 13
TABLE_PT = 10
MAX_NAMES = 30  # communes listed by name in running text; the rest are in the appendix
ROMAN = ("I", "II", "III", "IV", "V")
# Pace in the six-month report: the pages' symbols (ui/pace_view.py), tints as docx fills.
PACE_SYMBOL = {"on_track": "✔", "accelerate": "▲", "unlikely": "✖"}
PACE_TINT = {"on_track": "CCEBDF", "accelerate": "F8E3BC", "unlikely": "F4D0BC"}


# --------------------------------------------------------------------------- low-level helpers


def _set_font(run, size: float | None = None, bold: bool | None = None, italic: bool | None = None) -> None:  # noqa: ANN001
    """Size and weight of a run; the typeface comes from the Normal style (set once)."""
    if size is not None:
        run.font.size = Pt(size)
    if bold is not None:
        run.font.bold = bold
    if italic is not None:
        run.font.italic = italic


def _shade(cell, fill: str) -> None:  # noqa: ANN001
    tcpr = cell._element.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def _repeat_header(row) -> None:  # noqa: ANN001
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def _no_split(row) -> None:  # noqa: ANN001
    trpr = row._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))


LIST_NUM_ID = 90  # our own list definition in numbering.xml (clear of the template's)
LIST_MARKS = ("-", "+")  # the marks of Vietnamese administrative texts, level 1 and 2


def _add_dash_list(doc) -> None:  # noqa: ANN001
    """A real Word list whose items are marked "-" (and "+" one level down): Word
    renumbers, indents and wraps them as a list, and a reader's "bullets" tool sees one."""
    numbering = doc.part.numbering_part.element
    abstract = OxmlElement("w:abstractNum")
    abstract.set(qn("w:abstractNumId"), str(LIST_NUM_ID))
    for level, mark in enumerate(LIST_MARKS):
        lvl = OxmlElement("w:lvl")
        lvl.set(qn("w:ilvl"), str(level))
        for tag, value in (("w:start", "1"), ("w:numFmt", "bullet"), ("w:lvlText", mark), ("w:lvlJc", "left")):
            el = OxmlElement(tag)
            el.set(qn("w:val"), value)
            lvl.append(el)
        ppr = OxmlElement("w:pPr")
        ind = OxmlElement("w:ind")
        ind.set(qn("w:left"), str(851 + 284 * level))  # the mark at 1 cm, as a first-line indent
        ind.set(qn("w:hanging"), "284")
        ppr.append(ind)
        lvl.append(ppr)
        abstract.append(lvl)
    first_num = numbering.find(qn("w:num"))  # abstract definitions come before the lists
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    num = OxmlElement("w:num")
    num.set(qn("w:numId"), str(LIST_NUM_ID))
    ref = OxmlElement("w:abstractNumId")
    ref.set(qn("w:val"), str(LIST_NUM_ID))
    num.append(ref)
    numbering.append(num)


def _no_borders(table) -> None:  # noqa: ANN001
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tblpr.append(borders)


def _widths(table, widths_cm: Sequence[float]) -> None:  # noqa: ANN001
    """Fixed column widths, written where Word (tcW) and LibreOffice (gridCol) read them."""
    table.autofit = False
    tblpr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tblpr.append(layout)
    for col, w in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths_cm, strict=False):
        col.set(qn("w:w"), str(round(w * 567)))
    for row in table.rows:
        for cell, w in zip(row.cells, widths_cm, strict=False):
            cell.width = Cm(w)


def _page_number(paragraph) -> None:  # noqa: ANN001
    run = paragraph.add_run()
    _set_font(run, 12)
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)


def _set_fonts(rpr: BaseOxmlElement) -> BaseOxmlElement:
    """The report's font for every script of a run's properties (Word picks a font per
    script: without `w:cs` and `w:eastAsia` Vietnamese diacritics may fall back)."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    return fonts


class ReportWriter(DocumentWriter):
    """Builds the document top to bottom; one method per part of the outline."""

    def __init__(self, inputs: ExportInputs) -> None:
        super().__init__(inputs)
        self.doc = Document()
        _add_dash_list(self.doc)
        self.tables = 0
        self.figures = 0
        self.prev_year = inputs.year - 1
        self.units = inputs.units_word()
        self._styles()

    # ----------------------------------------------------------------- text primitives

    def t(self, key: str, **values: object) -> str:
        # The area's units in running text ("xã, thị trấn", "xã, phường") come from the tree.
        # Headers take them capitalised ("Xã, phường") or in capitals (the appendix title).
        units = {"units": self.units, "unit_one": self.units, "Units": capitalised(self.units), "UNITS": self.units.upper()}
        return self.i.t(key, **{**units, **values})

    def _styles(self) -> None:
        normal = self.doc.styles["Normal"]
        normal.font.name = FONT
        normal.font.size = Pt(BODY_PT)
        rpr = normal.element.get_or_add_rPr()
        _set_fonts(rpr)
        lang_el = OxmlElement("w:lang")
        lang_el.set(qn("w:val"), "vi-VN" if self.lang == "vi" else "en-GB")
        rpr.append(lang_el)
        pf = normal.paragraph_format
        pf.space_before = Pt(0)
        pf.space_after = Pt(4)
        pf.line_spacing = 1.1
        for level in (1, 2, 3):
            st = self.doc.styles[f"Heading {level}"]
            st.font.name = FONT
            st.font.size = Pt(BODY_PT)
            st.font.bold = True
            st.font.italic = level == 3
            st.font.color.rgb = RGBColor(0, 0, 0)
            sfonts = _set_fonts(st.element.get_or_add_rPr())
            for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
                sfonts.attrib.pop(qn(attr), None)
            st.paragraph_format.space_before = Pt(6)
            st.paragraph_format.space_after = Pt(3)
            st.paragraph_format.first_line_indent = Cm(1)
            st.paragraph_format.keep_with_next = True
        section = self.doc.sections[0]
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.top_margin, section.bottom_margin = Cm(2), Cm(2)
        section.left_margin, section.right_margin = Cm(3), Cm(1.5)
        section.different_first_page_header_footer = True
        header_p = section.header.paragraphs[0]
        header_p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _page_number(header_p)

    def para(
        self,
        text: str = "",
        *,
        bold: bool = False,
        italic: bool = False,
        align: str = "justify",
        indent: bool = True,
        size: float | None = None,
        after: float | None = None,
        keep: bool = False,
    ) -> Paragraph:
        p = self.doc.add_paragraph()
        p.alignment = {
            "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
            "center": WD_ALIGN_PARAGRAPH.CENTER,
            "left": WD_ALIGN_PARAGRAPH.LEFT,
            "right": WD_ALIGN_PARAGRAPH.RIGHT,
        }[align]
        if indent and align == "justify":
            p.paragraph_format.first_line_indent = Cm(1)
        if after is not None:
            p.paragraph_format.space_after = Pt(after)
        if keep:
            p.paragraph_format.keep_with_next = True
        if text:
            _set_font(p.add_run(text), size, bold, italic)
        return p

    def bullet(self, text: str, mark: str = "-") -> None:
        """A list item ("-", or "+" one level down), a real Word list (`_add_dash_list`)."""
        p = self.para(text, indent=False)
        num_pr = p._p.get_or_add_pPr().get_or_add_numPr()
        num_pr.get_or_add_ilvl().val = LIST_MARKS.index(mark)
        num_pr.get_or_add_numId().val = LIST_NUM_ID

    def placeholder(self, what: str, paragraph=None) -> None:  # noqa: ANN001
        """A yellow '[Cần bổ sung: …]' where only a person can write the text."""
        p = paragraph if paragraph is not None else self.para()
        run = p.add_run(self.t("reports_placeholder", what=what))
        _set_font(run, None, False, True)
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW

    def heading(self, text: str, level: int) -> None:
        p = self.doc.add_paragraph(style=f"Heading {level}")
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        _set_font(p.add_run(text), BODY_PT, True, level == 3)

    def caption(self, text: str) -> None:
        self.para(text, bold=True, align="center", size=12, after=3, keep=True)

    def note(self, text: str) -> None:
        self.para(text, italic=True, align="left", indent=False, size=10.5, after=6)

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        *,
        align: Sequence[str] | None = None,
        tints: Sequence[dict[int, str]] | None = None,
        bold_rows: Sequence[int] = (),
        size: float = TABLE_PT,
    ) -> Table:
        """A bordered table; the header row repeats on every page; tinted status cells."""
        table = self.doc.add_table(rows=1 + len(rows), cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        align = align or ["left"] * len(header)
        amap = {"left": WD_ALIGN_PARAGRAPH.LEFT, "right": WD_ALIGN_PARAGRAPH.RIGHT, "center": WD_ALIGN_PARAGRAPH.CENTER}
        for c, text in enumerate(header):
            cell = table.rows[0].cells[c]
            _shade(cell, "D9D9D9")
            p = cell.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.space_after = Pt(0)
            _set_font(p.add_run(text), size, True)
        _repeat_header(table.rows[0])
        for r, values in enumerate(rows, start=1):
            row = table.rows[r]
            _no_split(row)
            for c, text in enumerate(values):
                cell = row.cells[c]
                p = cell.paragraphs[0]
                p.alignment = amap[align[c]]
                p.paragraph_format.space_after = Pt(0)
                p.paragraph_format.line_spacing = 1.0
                _set_font(p.add_run(str(text)), size, (r - 1) in bold_rows)
                if tints and tints[r - 1].get(c):
                    _shade(cell, tints[r - 1][c])
        _widths(table, widths)
        self.para(after=2)
        return table

    def picture(self, png: bytes, width_cm: float, caption: str) -> None:
        self.figures += 1
        p = self.para(align="center", indent=False, after=2, keep=True)
        p.add_run().add_picture(io.BytesIO(png), width=Cm(width_cm))
        self.para(
            self.t("reports_figure_caption", n=self.figures, text=caption),
            italic=True,
            align="center",
            size=11,
            after=6,
        )

    def next_table_caption(self, text: str) -> None:
        self.tables += 1
        self.caption(self.t("reports_table_caption", n=self.tables, text=text))

    # ----------------------------------------------------------------- data helpers

    def name(self, ind: Indicator) -> str:
        return ind.name.get(self.lang)

    def value(self, ind: Indicator, code: str | None = None) -> str:
        return fmt_row_value(ind, self.i.row(ind.id, code), self.lang)

    def target_display(self, ind: Indicator, code: str | None = None, compact: bool = False) -> str:
        row = self.i.row(ind.id, code)
        text = fmt_target(ind, row.target_text, self.lang, compact)
        if row.prorated and row.expected is not None:
            half = fmt_amount(row.expected, ind.unit, self.lang, 0 if float(row.expected).is_integer() else 1)
            op = row.target_text.split()[0].replace(">=", "≥")
            return self.t("reports_target_prorated", half=f"{op} {half}", full=text)
        return text

    @property
    def codes(self) -> set[str]:
        return {c.code for c in self.i.progress.communes}

    # ----------------------------------------------------------------- parts of the outline

    def build(self) -> bytes:
        self.header_block()
        self.opening()
        self.part_situation()
        self.part_results()
        self.part_assessment()
        self.part_plan()
        self.closing()
        self.appendix()
        buf = io.BytesIO()
        self.doc.save(buf)
        return buf.getvalue()

    def header_block(self) -> None:
        area = self.i.area
        table = self.doc.add_table(rows=1, cols=2)
        _no_borders(table)
        left, right = table.rows[0].cells

        def line(cell, text: str, *, bold: bool = False, italic: bool = False, size: float = 13, first: bool = False):  # noqa: ANN001, ANN202
            p = cell.paragraphs[0] if first else cell.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.space_after = Pt(0)
            p.paragraph_format.first_line_indent = Cm(0)
            if text:
                _set_font(p.add_run(text), size, bold, italic)
            return p

        body = self.i.issuer
        if body.is_committee:  # ỦY BAN NHÂN DÂN / TỈNH BẮC NINH
            line(left, self.t("reports_header_people_committee"), bold=True, size=13, first=True)
            line(left, body.unit.upper(), bold=True, size=13)
        else:  # UBND TỈNH BẮC NINH / SỞ Y TẾ: the committee above, then the body itself
            line(left, self.t("reports_header_superior", unit=body.unit).upper(), size=13, first=True)
            line(left, body.body.upper(), bold=True, size=13)
        line(left, "―――――――", size=8)
        line(left, self.t("reports_header_number", abbr=body.abbreviation), size=13)
        line(right, self.t("reports_header_country"), bold=True, size=12, first=True)
        line(right, self.t("reports_header_motto"), bold=True, size=13)
        line(right, "――――――――――――――", size=8)
        line(right, date_in_words(self.i.today, area.name, self.lang), italic=True, size=13)
        _widths(table, [6.5, 9.5])
        self.para(after=6)
        self.para(self.t("reports_title_word"), bold=True, align="center", size=14, after=0)
        self.para(self.report_subject(), bold=True, align="center", size=14, after=0)
        self.para("――――――", align="center", size=8, after=8)

    def report_subject(self) -> str:
        y = self.i.year
        key = "reports_subject_FY" if self.i.period == "FY" else "reports_subject_H1"
        return self.t(key, year=y, next_year=y + 1)

    def opening(self) -> None:
        plan = self.plan
        issuer = self.i.issuer_name()
        basis = (
            self.t("reports_opening_document", document=plan.document, issuer=issuer)
            if plan.document
            else self.t("reports_opening_plan", title=plan.title)
        )
        self.para(
            self.t(
                "reports_opening",
                basis=basis,
                committee=issuer,
                period=period_text(self.i.period, self.i.year, self.lang),
            )
        )
        progress = self.i.progress
        total = len(progress.communes)
        text = self.t(
            "reports_opening_sources",
            reported=progress.communes_reported,
            total=total,
            date=fmt_date(progress.latest_update, self.lang) if progress.latest_update else "–",
        )
        self.para(text)
        missing = [c for c in progress.communes if not progress.figures.get(c.code)]
        if missing:
            self.para(self.t("reports_not_reported", names=self.names(missing)))

    def names(self, units: Sequence) -> str:
        labels = [commune_label(u) for u in units[:MAX_NAMES]]
        if len(units) > MAX_NAMES:
            labels.append(self.t("reports_and_more", n=len(units) - MAX_NAMES))
        return ", ".join(labels)

    # I. ---------------------------------------------------------------------------------

    def part_situation(self) -> None:
        self.heading(self.t("reports_part_situation", n=ROMAN[0]), 1)
        self.heading(self.t("reports_situation_1"), 2)
        self.placeholder(self.t("reports_ph_socioeconomic"))
        self.para(self.units_sentence())
        self.context_figures()
        self.heading(self.t("reports_situation_2"), 2)
        self.incidents()
        self.placeholder(self.t("reports_ph_incidents"))

    def units_sentence(self) -> str:
        types = Counter(c.type for c in self.i.progress.communes)
        parts = ", ".join(f"{n} {kind}" for kind, n in sorted(types.items(), key=lambda kv: -kv[1]))
        return self.t(
            "reports_units_sentence",
            area=self.i.area.full_name,
            total=len(self.i.progress.communes),
            parts=parts or "0",
        )

    def context_figures(self) -> None:
        figures, previous = self.i.progress.figures, self.i.progress.previous_figures
        elements = [e for e in CONTEXT_ELEMENTS if e in self.plan.data_elements]
        rows = []
        totals = {}
        for de_id in elements:
            now = element_total(figures, self.codes, de_id)
            before = element_total(previous, self.codes, de_id)
            if now is None and before is None:
                continue
            totals[de_id] = (now, before)
            diff = "–" if now is None or before is None else _signed(now - before, self.lang)
            rows.append(
                [
                    self.plan.data_elements[de_id].name.get(self.lang),
                    fmt_number(before, 0, self.lang),
                    fmt_number(now, 0, self.lang),
                    diff,
                ]
            )
        if "children_total" in totals and totals["children_total"][0] is not None:
            now, before = totals["children_total"]
            self.para(
                self.t(
                    "reports_children_sentence",
                    n=fmt_number(now, 0, self.lang),
                    change=_count_change(now, before, self.prev_year, self.lang, self.t),
                )
            )
        if rows:
            self.next_table_caption(self.t("reports_table_context"))
            self.table(
                [
                    self.t("reports_col_figure"),
                    self.t("reports_col_same_period", year=self.prev_year),
                    self.t("reports_col_this_period", period=self.short_period()),
                    self.t("reports_col_change"),
                ],
                rows,
                [8.0, 2.6, 2.6, 2.6],
                align=["left", "right", "right", "right"],
            )

    def short_period(self) -> str:
        return self.t(f"reports_short_period_{self.i.period}", year=self.i.year)

    def incidents(self) -> None:
        figures, previous = self.i.progress.figures, self.i.progress.previous_figures
        any_line = False
        for de_id in INCIDENT_ELEMENTS:
            de = self.plan.data_elements.get(de_id)
            if de is None:
                continue
            now = element_total(figures, self.codes, de_id)
            if now is None:
                continue
            before = element_total(previous, self.codes, de_id)
            counted = next((i for i in self.plan.indicators if i.numerator == de_id and i.unit == "count"), None)
            if counted is not None:  # the area row: protected as the dashboard protects it
                row = self.i.row(counted.id)
                now = row.numerator if row.numerator is not None else now
                before = row.previous_value if row.previous_value is not None else before
            where = sorted(
                ((c, figures.get(c.code, {}).get(de_id, 0.0)) for c in self.i.progress.communes),
                key=lambda cv: (-cv[1], cv[0].code),
            )
            where = [(c, v) for c, v in where if v > 0]
            places = ""
            if where:
                shown = where[:6]
                listed = ", ".join(f"{commune_label(c)} ({fmt_number(v, None, self.lang)})" for c, v in shown)
                key = "reports_incident_where" if len(where) <= 6 else "reports_incident_where_most"
                places = self.t(key, places=listed, n=len(where))
            self.bullet(
                self.t(
                    "reports_incident_line",
                    name=de.name.get(self.lang),
                    n=mask_text(now) or fmt_number(now, None, self.lang),
                    change=_count_change(now, before, self.prev_year, self.lang, self.t),
                    places=places,
                )
            )
            any_line = True
        if not any_line:
            self.para(self.t("reports_no_incident_figures"))

    # II. --------------------------------------------------------------------------------

    def part_results(self) -> None:
        self.heading(self.t("reports_part_results", n=ROMAN[1]), 1)
        n = 1
        self.heading(f"{n}. {self.t('reports_results_direction')}", 2)
        self.placeholder(self.t("reports_ph_direction"))
        for group, indicators in indicators_by_group(self.plan):
            n += 1
            self.heading(f"{n}. {group.get(self.lang)}", 2)
            self.group_results(group.get(self.lang), indicators)
        for key, ph in (
            ("reports_results_projects", "reports_ph_projects"),
            ("reports_results_fund", "reports_ph_fund"),
            ("reports_results_budget", "reports_ph_budget"),
        ):
            n += 1
            self.heading(f"{n}. {self.t(key)}", 2)
            self.placeholder(self.t(ph))
        self.note(self.t("reports_see_appendix"))

    def indicator_sentence(self, ind: Indicator) -> str:
        row = self.i.row(ind.id)
        name = self.name(ind)
        if no_case(row):
            return self.t("reports_sentence_no_case", name=name)
        if row.value is None:
            return self.t("reports_sentence_no_data", name=name)
        verb_key = (
            "reports_verb_reach" if ind.unit != "count" and better_direction(ind) == "higher" else "reports_verb_is"
        )
        value = fmt_row_value(ind, row, self.lang) + self.i.note_suffix(ind.id)
        fraction = fraction_text(ind, row, self.plan, self.lang, self.units)
        target = self.target_display(ind)
        gap = gap_phrase(ind, row, self.lang)
        status_key = f"reports_sentence_status_{row.status}"
        status = self.t(status_key, target=target, gap=f" ({gap})" if gap else "", year=self.i.year)
        change = change_phrase(ind, row.value, row.previous_value, self.prev_year, self.lang)
        sentence = self.t(
            "reports_sentence",
            name=name,
            verb=self.t(verb_key),
            value=value,
            fraction=f" {fraction}" if fraction else "",
            status=status,
            change=f"; {change}" if change else "",
        )
        pace = self.pace_sentence(ind)
        return f"{sentence} {pace}" if pace else sentence

    def pace_sentence(self, ind: Indicator, code: str | None = None) -> str:
        """H1: 'Tiến độ: ▲ Cần tăng tốc — dự kiến cả năm 60, chỉ tiêu năm ≥ 100 (…). 6 tháng
        cuối năm cần thêm 60.' — the pages' sentence (ui/pace_view.indicator_line)."""
        x = self.i.pace(ind.id, code)
        if x is None:
            return ""
        text = self.t(
            "pace_sentence",
            status=f"{PACE_SYMBOL[x.pace.status]} {pace_status_text(x.pace.status, self.lang)}",
            projected=self.pace_amount(ind, x.pace.projected, x.target),
            target=fmt_target(ind, ind.targets[self.i.year].text, self.lang),
            method=pace_method_text(x, self.lang),
        )
        if x.pace.needed_h2 is not None:
            text += " " + self.t("pace_needed_sentence", needed=self.pace_amount(ind, x.pace.needed_h2))
        return text

    def pace_amount(self, ind: Indicator, value: float, against: float | None = None, compact: bool = False) -> str:
        """A pace figure in its unit; against the target, a second decimal when one would
        make a value that misses it look equal to it (2,0005 % against < 2 %: "2,00 %")."""
        if ind.unit == "count":
            decimals = 0 if float(value).is_integer() else 1
        else:
            decimals = decimals_needed(float(value), float(against)) if against is not None else 1
        return fmt_amount(value, ind.unit, self.lang, decimals, compact)

    def group_results(self, group_name: str, indicators: list[Indicator]) -> None:
        for ind in indicators:
            self.bullet(self.indicator_sentence(ind))
        self.next_table_caption(self.t("reports_table_group", group=group_name, period=self.short_period()))
        rows, tints = [], []
        for k, ind in enumerate(indicators, start=1):
            row = self.i.row(ind.id)
            met = _communes_met(self.i.commune_rows(ind.id), self.lang) if ind.applies_to_communes else "–"
            rows.append(
                [
                    str(k),
                    self.name(ind),
                    fmt_row_value(ind, row, self.lang, compact=True),
                    self.target_display(ind, compact=True),
                    row_status_text(row, self.lang),
                    fmt_amount(row.previous_value, ind.unit, self.lang, _dec(ind, row.previous_value), compact=True),
                    met,
                ]
            )
            tints.append({4: status_tint(row.status)})
        self.table(
            [
                self.t("reports_col_no"),
                self.t("reports_col_indicator"),
                self.t("reports_col_result", period=self.short_period()),
                self.t("reports_col_target"),
                self.t("reports_col_status"),
                self.t("reports_col_same_period", year=self.prev_year),
                self.t("reports_col_communes_met"),
            ],
            rows,
            [1.0, 5.1, 2.3, 2.2, 2.2, 2.1, 1.6],
            align=["center", "left", "right", "center", "left", "right", "center"],
            tints=tints,
        )
        self.commune_misses(indicators)
        self.group_charts(indicators)
        self.placeholder(self.t("reports_ph_group_activities", group=group_name[:1].lower() + group_name[1:]))

    def commune_misses(self, indicators: list[Indicator]) -> None:
        lines = []
        for ind in indicators:
            if not ind.applies_to_communes:
                continue
            rows = self.i.commune_rows(ind.id)
            parts = []
            for status in ("not_met", "at_risk", "no_data"):
                hit = [r for r in rows if r.status == status]
                if not hit:
                    continue
                hit.sort(key=worst_first_key)
                shown = []
                for r in hit[:MAX_NAMES]:
                    label = commune_label(self.i.commune(r.area_code))
                    if status == "no_data":
                        shown.append(label)
                    elif r.blocking:
                        shown.append(f"{label} ({_blocking(r, self.plan, self.lang)})")
                    elif is_commune_share(ind):
                        shown.append(label)
                    else:
                        value = fmt_row_value(ind, r, self.lang) + self.i.note_suffix(ind.id, r.area_code)
                        shown.append(f"{label} ({value})")
                if len(hit) > MAX_NAMES:
                    shown.append(self.t("reports_and_more", n=len(hit) - MAX_NAMES))
                parts.append(self.t(f"reports_misses_{status}", n=len(hit), names=", ".join(shown)))
            if parts:
                lines.append(f"{self.name(ind)}: {'; '.join(parts)}.")
        if lines:
            self.para(self.t("reports_misses_title"), italic=True, keep=True)
            for line in lines:
                self.bullet(line, "+")

    def group_charts(self, indicators: list[Indicator]) -> None:
        ids = {ind.id for ind in indicators}
        numerators = {ind.numerator for ind in indicators}
        headline = map_indicator(self.plan)
        if headline.id in ids and self.i.boundaries:
            png = charts.map_png(self.i, headline, width_in=6.3, height_in=5.0)
            self.picture(
                png,
                15.0,
                self.t(
                    "reports_fig_map", name=self.name(headline), area=self.i.area.full_name, period=self.short_period()
                ),
            )
        if numerators & {"drowning_deaths", "injury_cases", "injury_deaths"}:
            png = charts.trend_png(self.i, width_in=6.3, height_in=2.6)
            if png:
                years = self.i.years()
                self.picture(
                    png, 15.5, self.t("reports_fig_trend", first=years[0], last=years[-1], area=self.i.area.full_name)
                )
            for name, series in charts.trend_series(self.i):
                if charts.all_hidden(series):  # one sentence, not a chart of empty bars
                    self.note(self.t("reports_chart_all_hidden", name=name))

    # III. -------------------------------------------------------------------------------

    def part_assessment(self) -> None:
        self.heading(self.t("reports_part_assessment", n=ROMAN[2]), 1)
        self.heading(self.t("reports_assessment_1", year=self.prev_year), 2)
        self.comparison()
        n = 2
        if self.i.period == "H1":  # the six-month report says whether the year is within reach
            self.heading(self.t("reports_assessment_pace", n=n, year=self.i.year), 2)
            self.pace_part()
            n += 1
        self.heading(self.t("reports_assessment_2", n=n), 2)
        self.shortcomings()
        self.placeholder(self.t("reports_ph_shortcomings"))
        self.heading(self.t("reports_assessment_3", n=n + 1), 2)
        self.placeholder(self.t("reports_ph_causes"))

    def pace_part(self) -> None:
        """Per indicator: H1, the projected year, the year's target, what H2 must add, the
        status; then the units unlikely to reach their target (rules.pace, as the pages)."""
        lines = [(k, ind, self.i.pace(ind.id)) for k, ind in enumerate(self.plan.indicators, start=1)]
        lines = [(k, ind, x) for k, ind, x in lines if x is not None]
        if not lines:
            self.para(self.t("reports_pace_none"))
            return
        counts = Counter(x.pace.status for _, _, x in lines)
        self.para(
            self.t(
                "reports_pace_intro",
                year=self.i.year,
                on_track=counts["on_track"],
                accelerate=counts["accelerate"],
                unlikely=counts["unlikely"],
            )
        )
        self.next_table_caption(self.t("reports_table_pace", year=self.i.year))
        rows, tints = [], []
        for k, ind, x in lines:
            rows.append(
                [
                    str(k),
                    self.name(ind),
                    self.pace_amount(ind, x.h1, x.target, compact=True),
                    self.pace_amount(ind, x.pace.projected, x.target, compact=True),
                    fmt_target(ind, ind.targets[self.i.year].text, self.lang, compact=True),
                    self.pace_amount(ind, x.pace.needed_h2, compact=True) if x.pace.needed_h2 is not None else "–",
                    f"{PACE_SYMBOL[x.pace.status]} {pace_status_text(x.pace.status, self.lang)}",
                ]
            )
            tints.append({6: PACE_TINT[x.pace.status]})
        self.table(
            [
                self.t("reports_col_no"),
                *(self.t(f"pace_col_{c}") for c in ("name", "h1", "projected", "target", "needed", "status")),
            ],
            rows,
            [0.9, 4.4, 2.2, 2.2, 2.2, 1.9, 2.7],
            align=["center", "left", "right", "right", "center", "right", "left"],
            tints=tints,
            size=9,  # "27,1/100.000" fits its cell on one line
        )
        self.note(self.t("reports_pace_note"))
        if self.i.area.level == "commune":
            return
        listed = []
        for _, ind, _x in lines:
            if not ind.applies_to_communes:
                continue
            hit = [
                c
                for c in self.i.progress.communes
                if (p := self.i.pace(ind.id, c.code)) and p.pace.status == "unlikely"
            ]
            if hit:
                names = self.names(hit)
                listed.append(self.t("reports_pace_communes", name=self.name(ind), n=len(hit), names=names))
        if listed:
            self.para(self.t("reports_pace_communes_title"), italic=True, keep=True)
            for line in listed:
                self.bullet(line, "+")

    def comparison(self) -> None:
        area_rows = self.i.progress.area_rows
        counts = status_counts(area_rows)
        total = len(area_rows)
        self.para(
            self.t(
                "reports_status_summary",
                period=self.short_period(),
                total=total,
                met=counts["met"],
                at_risk=counts["at_risk"],
                not_met=counts["not_met"],
                no_data=counts["no_data"] + counts["no_target"],
            )
            + (
                self.t("reports_status_summary_not_applicable", n=counts["not_applicable"])
                if counts["not_applicable"]
                else ""
            )
        )
        if self.i.previous is not None:
            pc = status_counts(self.i.previous.area_rows)
            if sum(pc[s] for s in ("met", "at_risk", "not_met")):
                self.para(
                    self.t(
                        "reports_status_summary_previous",
                        year=self.prev_year,
                        met=pc["met"],
                        total=total,
                        not_met=pc["not_met"],
                        at_risk=pc["at_risk"],
                    )
                )
        kinds: dict[str, list[Indicator]] = {"better": [], "worse": [], "same": []}
        for ind in self.plan.indicators:
            row = self.i.row(ind.id)
            k = trend_kind(ind, row.value, row.previous_value)
            if k:
                kinds[k].append(ind)
        self.para(
            self.t(
                "reports_trend_summary",
                year=self.prev_year,
                better=len(kinds["better"]),
                worse=len(kinds["worse"]),
                same=len(kinds["same"]),
            )
        )
        if kinds["worse"]:
            listed = "; ".join(
                f"{self.name(ind)} ({change_phrase(ind, self.i.row(ind.id).value, self.i.row(ind.id).previous_value, self.prev_year, self.lang)})"
                for ind in kinds["worse"]
            )
            self.bullet(self.t("reports_trend_worse_list", items=listed))
        self.next_table_caption(self.t("reports_table_comparison", year=self.prev_year, period=self.short_period()))
        rows = []
        for k, ind in enumerate(self.plan.indicators, start=1):
            row = self.i.row(ind.id)
            rows.append(
                [
                    str(k),
                    self.name(ind),
                    fmt_amount(row.previous_value, ind.unit, self.lang, _dec(ind, row.previous_value), compact=True),
                    fmt_row_value(ind, row, self.lang, compact=True),
                    fmt_change(ind, row.value, row.previous_value, self.lang),
                    trend_word(ind, row.value, row.previous_value, self.lang),
                ]
            )
        self.table(
            [
                self.t("reports_col_no"),
                self.t("reports_col_indicator"),
                self.t("reports_col_same_period", year=self.prev_year),
                self.t("reports_col_result", period=self.short_period()),
                self.t("reports_col_change_short"),
                self.t("reports_col_trend"),
            ],
            rows,
            [1.0, 7.1, 2.3, 2.3, 1.8, 2.0],
            align=["center", "left", "right", "right", "right", "left"],
        )
        self.note(self.t("reports_comparison_note"))
        png = charts.rates_png(self.i, width_in=6.3)
        if png:
            self.picture(png, 16.0, self.t("reports_fig_rates", period=self.short_period(), year=self.prev_year))

    def shortcomings(self) -> None:
        rows = [r for r in self.i.progress.area_rows if r.status in ("not_met", "at_risk")]
        rows.sort(key=worst_first_key)
        for row in rows:
            ind = self.plan.indicator(row.indicator_id)
            gap = gap_phrase(ind, row, self.lang)
            units = units_phrase(ind, row.units_to_target, self.plan, self.lang, self.units)
            communes = ""
            if row.communes_with_target:
                communes = self.t(
                    "reports_shortcoming_communes",
                    missed=row.communes_with_target - (row.communes_met or 0),
                    total=row.communes_with_target,
                )
            self.bullet(
                self.t(
                    f"reports_shortcoming_{row.status}",
                    name=self.name(ind),
                    value=fmt_row_value(ind, row, self.lang),
                    target=self.target_display(ind),
                    gap=f", {gap}" if gap else "",
                    units=f"; {units}" if units else "",
                    communes=communes,
                )
            )
        if not rows:
            self.para(self.t("reports_shortcoming_none"))
        self.data_gaps()

    def data_gaps(self) -> None:
        progress = self.i.progress
        used = self.plan.used_data_elements()
        partial = []
        for c in progress.communes:
            figures = progress.figures.get(c.code)
            if not figures:
                continue
            missing = [de for de in used if de not in figures]
            if missing:
                partial.append(f"{commune_label(c)} ({self.t('reports_missing_figures', n=len(missing))})")
        if partial:
            self.bullet(self.t("reports_partial_reports", names=", ".join(partial)))

    # IV. --------------------------------------------------------------------------------

    def part_plan(self) -> None:
        y = self.i.year
        key = "reports_part_plan_FY" if self.i.period == "FY" else "reports_part_plan_H1"
        self.heading(self.t(key, n=ROMAN[3], year=y, next_year=y + 1), 1)
        self.heading(self.t("reports_plan_1"), 2)
        self.placeholder(self.t("reports_ph_general_goal"))
        self.heading(self.t("reports_plan_2"), 2)
        self.focus()
        self.heading(self.t("reports_plan_3"), 2)
        self.targets_ahead()
        self.heading(self.t("reports_plan_4"), 2)
        self.placeholder(self.t("reports_ph_programmes"))
        self.heading(self.t("reports_plan_5"), 2)
        self.placeholder(self.t("reports_ph_budget_plan"))

    def focus(self) -> None:
        off = off_track_worst_first(self.i.progress.area_rows)
        if off:
            names = "; ".join(self.name(self.plan.indicator(r.indicator_id)) for r in off)
            self.bullet(
                self.t(
                    "reports_focus_indicators", period=period_text(self.i.period, self.i.year, self.lang), names=names
                )
            )
        per_commune = Counter(r.area_code for r in self.i.all_commune_rows if r.status == "not_met")
        worst = [(code, n) for code, n in per_commune.most_common() if n > 0][:5]
        if worst:
            listed = ", ".join(
                self.t("reports_focus_commune", name=commune_label(self.i.commune(code)), n=n) for code, n in worst
            )
            self.bullet(self.t("reports_focus_communes", items=listed))
        if not off and not worst:
            self.para(self.t("reports_focus_none"))

    def targets_ahead(self) -> None:
        """Next period's targets and how far the current value is from each, in real units."""
        year_ahead = self.i.year + 1 if self.i.period == "FY" else self.i.year
        codes = [c.code for c in self.i.progress.communes]
        figures = self.i.progress.figures
        des = self.plan.data_elements
        rows = []
        missing_targets = 0
        for k, ind in enumerate(self.plan.indicators, start=1):
            row = self.i.row(ind.id)
            target = ind.targets.get(year_ahead)
            if target is None:
                missing_targets += 1
                rows.append([str(k), self.name(ind), fmt_row_value(ind, row, self.lang, compact=True), "–", "–"])
                continue
            need = "–"
            hidden = is_masked(row.value, row.numerator, row.denominator, row.previous_value)
            if row.value is not None and not hidden and not (self.i.period == "H1" and target.is_trend):
                av = area_value(ind, codes, figures)
                previous = row.value if target.is_trend else row.previous_value
                ev = evaluate(ind, year_ahead, "FY", row.value, previous, accumulates_over_year(ind, des))
                if is_masked(av.value, av.numerator, av.denominator):
                    pass  # summed over a hidden small count: no distance worked out from it
                elif ev.status == "met":
                    need = self.t("reports_ahead_already_met")
                else:
                    units = units_to_target(ind, av, ev, des)
                    need = units_phrase(ind, units, self.plan, self.lang, self.units) or "–"
                    need = need[:1].upper() + need[1:]
            rows.append(
                [
                    str(k),
                    self.name(ind),
                    fmt_row_value(ind, row, self.lang, compact=True),
                    fmt_target(ind, target.text, self.lang, compact=True),
                    need,
                ]
            )
        if missing_targets == len(self.plan.indicators):
            self.placeholder(self.t("reports_ph_targets_missing", year=year_ahead))
            return
        self.next_table_caption(self.t("reports_table_ahead", year=year_ahead))
        self.table(
            [
                self.t("reports_col_no"),
                self.t("reports_col_indicator"),
                self.t("reports_col_result", period=self.short_period()),
                self.t("reports_col_target_year", year=year_ahead),
                self.t("reports_col_needed"),
            ],
            rows,
            [1.0, 5.8, 2.3, 2.6, 4.8],
            align=["center", "left", "right", "center", "left"],
        )
        if self.i.period == "H1":
            self.note(self.t("reports_ahead_note_H1"))
        if missing_targets:
            self.placeholder(self.t("reports_ph_targets_missing", year=year_ahead))

    # closing ------------------------------------------------------------------------------

    def closing(self) -> None:
        self.para(
            self.t(
                "reports_closing",
                subject=self.report_subject()[:1].lower() + self.report_subject()[1:],
                committee=self.i.issuer_name(),
            ),
            keep=True,  # the closing sentence goes with the signature block
        )
        table = self.doc.add_table(rows=1, cols=2)
        _no_borders(table)
        _no_split(table.rows[0])  # the signature block is never cut across two pages
        left, right = table.rows[0].cells
        p = left.paragraphs[0]
        _set_font(p.add_run(self.t("reports_recipients")), 12, True, True)
        for line in self.recipients():
            q = left.add_paragraph()
            q.paragraph_format.space_after = Pt(0)
            _set_font(q.add_run(line), 11)
        # Who signs follows the issuing body: TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH, or KT. GIÁM ĐỐC.
        for k, role in enumerate(signature_roles(self.i.issuer)):
            q = right.paragraphs[0] if k == 0 else right.add_paragraph()
            q.alignment = WD_ALIGN_PARAGRAPH.CENTER
            q.paragraph_format.space_after = Pt(0)
            _set_font(q.add_run(self.t(f"reports_sign_{role}")), 13, True)
        for _ in range(3):
            right.add_paragraph()
        q = right.add_paragraph()
        q.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.placeholder(self.t("reports_ph_signer"), q)
        for cell in (left, right):  # every line with the next: the block stays on one page
            for para in cell.paragraphs[:-1]:
                para.paragraph_format.keep_with_next = True
        _widths(table, [8.0, 8.0])

    def recipients(self) -> list[str]:
        """Addressees: those above the issuing body, its own leaders, the communes' committees
        (their kinds from the tree: "UBND các xã, thị trấn"), the archive."""
        body = self.i.issuer
        types = self.i.commune_types()
        communes = [self.t("reports_recipient_communes", types=types)] if types else []
        if not body.is_committee:  # a department reports to its committee
            return [
                self.t("reports_recipient_superior", superior=self.t("reports_header_superior", unit=body.unit)),
                self.t("reports_recipient_body_leaders", body=body.body),
                *communes,
                self.t("reports_recipient_archive"),
            ]
        province = self.i.parent_label()
        unit = self.i.area.type or ""
        party = {"huyện": "Huyện ủy", "tỉnh": "Tỉnh ủy", "thị xã": "Thị ủy", "thành phố": "Thành ủy"}.get(
            unit, "Đảng ủy"
        )
        lines = []
        if province:
            key = "reports_recipient_dept_labour" if self.i.year <= 2024 else "reports_recipient_dept_health"
            lines.append(self.t(key, province=province))
        lines += [
            self.t("reports_recipient_party", party=party, unit=unit),
            self.t("reports_recipient_leaders", unit=unit),
            *communes,
            self.t("reports_recipient_archive"),
        ]
        return lines

    # appendix (landscape) ---------------------------------------------------------------

    def appendix(self) -> None:
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21)
        section.left_margin, section.right_margin = Cm(1.5), Cm(1.5)
        section.top_margin, section.bottom_margin = Cm(1.5), Cm(1.5)
        self.para(self.t("reports_appendix_title"), bold=True, align="center", size=13, after=0)
        self.para(
            self.of_area_and_period("reports_appendix_subtitle"),
            italic=True,
            align="center",
            size=12,
            after=6,
        )
        communes = list(self.i.progress.communes)
        for gi, (group, indicators) in enumerate(indicators_by_group(self.plan), start=1):
            self.para(
                f"{gi}. {group.get(self.lang)}", bold=True, align="left", indent=False, size=12, after=2, keep=True
            )
            header = [self.t("reports_col_commune")]
            for ind in indicators:
                header.append(f"{self.name(ind)} ({fmt_target(ind, self.i.row(ind.id).target_text, self.lang)})")
            rows, tints = [], []
            area_line = [self.i.area.full_name]
            for ind in indicators:
                row = self.i.row(ind.id)
                area_line.append(_cell(ind, row, self.lang))
            rows.append(area_line)
            tints.append({c + 1: status_tint(self.i.row(ind.id).status) for c, ind in enumerate(indicators)})
            for commune in communes:
                line = [commune.full_name]
                tint = {}
                for c, ind in enumerate(indicators):
                    r = self.i.row(ind.id, commune.code)
                    line.append(_cell(ind, r, self.lang))
                    tint[c + 1] = status_tint(r.status)
                rows.append(line)
                tints.append(tint)
            first = 4.2
            rest = (26.7 - first) / max(len(indicators), 1)
            self.table(
                header,
                rows,
                [first] + [rest] * len(indicators),
                align=["left"] + ["center"] * len(indicators),
                tints=tints,
                bold_rows=[0],
                size=9.5,
            )
        self.note(self.t("reports_appendix_legend"))


def _cell(ind: Indicator, row, lang: str) -> str:  # noqa: ANN001
    """'✔ 85,2%' — symbol and value in one narrow cell; per 100,000 without its long unit."""
    if row.status == "no_target" and row.value is None:
        return "–"
    symbol = row_status_text(row, lang).split(" ")[0]
    return f"{symbol} {fmt_row_value(ind, row, lang, compact=True)}"


def _communes_met(rows, lang: str) -> str:  # noqa: ANN001
    """'12/17': communes meeting the target among those it applies to (a commune with no case is left out)."""
    judged = [r for r in rows if r.status != "no_target" and not no_case(r)]
    if not judged:
        return "–"
    return f"{sum(1 for r in judged if r.status == 'met')}/{len(judged)}"


def _dec(ind: Indicator, value: float | None) -> int:
    if value is None:
        return 1
    return 0 if ind.unit == "count" and float(value).is_integer() else 1


def _signed(diff: float, lang: str) -> str:
    if abs(diff) < 1e-9:
        return "0"
    return ("+" if diff > 0 else "−") + fmt_number(abs(diff), None, lang)


def _count_change(now: float | None, before: float | None, prev_year: int, lang: str, tr) -> str:  # noqa: ANN001
    if now is None:
        return ""
    if is_masked(now, before):
        return tr("reports_change_hidden", year=prev_year)
    if before is None:
        return tr("reports_count_change_none", year=prev_year)
    diff = now - before
    if abs(diff) < 1e-9:
        return tr("reports_count_change_same", year=prev_year)
    key = "reports_count_change_up" if diff > 0 else "reports_count_change_down"
    return tr(key, d=fmt_number(abs(diff), None, lang), year=prev_year, prev=fmt_number(before, None, lang))


def _blocking(row, plan, lang: str) -> str:  # noqa: ANN001
    from data_access.exports import blocking_text

    return blocking_text(row, plan, lang)


def write_report(inputs: ExportInputs) -> bytes:
    """The report draft as .docx bytes."""
    return ReportWriter(inputs).build()


__all__ = ["element_noun", "write_report"]
