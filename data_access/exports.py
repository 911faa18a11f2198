"""Figures out: the six-month / annual report draft, its appendix, the meeting pack and
the commune sheets, plus the `export-report` subcommand.

The writers are plain functions over an `ExportInputs` (a `Progress`, the same period
of earlier years, the commune boundaries); they never touch Streamlit, so the page, the
command line and the tests produce byte-for-byte the same documents. Every number in
them comes from the `Progress` rows the dashboard shows, formatted by the helpers
below, so "what the report says" and "what the dashboard says" cannot drift apart.

The heavy libraries (python-docx, openpyxl, reportlab, matplotlib) are imported only
when a file is written: `python -m data_access` imports this module for every
subcommand and must stay quick.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from data_access.progress import Progress
from data_access.queries import Boundary, FiguresByPeriod
from i18n import DEFAULT_LANG, fmt_date, fmt_number, local_today, period_text, t
from i18n import fmt_amount as i18n_fmt_amount
from i18n import fmt_target as i18n_fmt_target
from i18n.looks import STATUS_COLOR, status_label
from rules import ProgressRow, area_value, better_direction, commune_result
from rules.issuer import IssuingBody, issuing_body, unit_label, unit_types_phrase
from rules.model import COMMUNES, Indicator, LocalText, OrgUnitRef
from rules.pace import IndicatorPace, indicator_pace
from rules.scorecard import decimals_needed, is_commune_share, off_track_worst_first

# How many years of the same period the trends show (the report year included).
TREND_YEARS = 5
# Earlier years whose H1/FY ratio estimates the first half's share (as ui/pace_view.py).
PACE_YEARS = 3
# Raw figures whose yearly totals the meeting pack and the report chart over time.
TREND_ELEMENTS: tuple[str, ...] = ("injury_cases", "drowning_deaths")
# Events a report lists with the communes where they happened (section I.2).
INCIDENT_ELEMENTS: tuple[str, ...] = (
    "drowning_deaths",
    "injury_deaths",
    "injury_cases",
    "abuse_cases",
    "child_labour_cases",
    "new_hiv_children",
)
# Counts that describe the district's children (section I.1), when the plan uses them.
CONTEXT_ELEMENTS: tuple[str, ...] = (
    "children_total",
    "children_0_8",
    "children_6_15",
    "children_10_15",
    "households_with_children",
    "special_children",
    "disabled_children",
    "schools_total",
    "cp_staff_total",
)
KINDS = {".docx": "report", ".xlsx": "appendix", ".pdf": "meeting"}
MIME = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class ExportInputs:
    """Everything a document needs, read once (by the page's cached loaders or the CLI)."""

    progress: Progress
    history: FiguresByPeriod  # (year, period) -> commune -> element -> value, same period
    boundaries: Sequence[Boundary] = ()
    previous: Progress | None = None  # the same period a year earlier, when the plan had targets then
    lang: str = DEFAULT_LANG
    today: date = field(default_factory=local_today)
    parent_name: str | None = None  # the province, for the report's addressees
    parent: OrgUnitRef | None = None  # the unit above the area (its type names it: tỉnh…)
    # Notes on figures (data_access.followup.NoteRow) of this year and period, read under
    # the viewer's scope: written beside the value they explain.
    notes: Sequence = ()
    # The FY figures of earlier years (H1 reports only): with `history`'s H1 figures they
    # give the H1/FY share that projects an accumulating figure to the year (rules.pace).
    fy_history: FiguresByPeriod = field(default_factory=dict)
    protected: bool = False  # small sensitive counts already masked (see `protect_for`)
    # The database the figures come from: small-count protection then hides the same
    # cells as the pages (decided once for the whole tree, data_access/protect.py).
    db_url: str | None = None
    # The committee's open directions the viewer may see (overdue and in progress), for
    # the chairman's summary; read once, scoped, by the page or the command line.
    directions: tuple = ()  # data_access.followup.DirectionRow

    @property
    def plan(self):  # noqa: ANN201 - rules.model.Plan
        return self.progress.plan

    @property
    def year(self) -> int:
        return self.progress.year

    @property
    def period(self) -> str:
        return self.progress.period

    @property
    def area(self) -> OrgUnitRef:
        return self.progress.area

    def t(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)

    def row(self, indicator_id: str, code: str | None = None) -> ProgressRow:
        """The area's row (`code` None) or a commune's; a commune that is itself the area
        has only the one row."""
        rows = self._rows()
        key = (indicator_id, code or self.area.code, code is None)
        if key not in rows and code == self.area.code:
            key = (indicator_id, code, True)
        return rows[key]

    @property
    def all_commune_rows(self) -> list[ProgressRow]:
        """Every commune row; when the area is one commune, its own rows."""
        if self.area.level == "commune":
            return list(self.progress.rows)
        return self.progress.commune_rows

    def _rows(self) -> dict[tuple[str, str, bool], ProgressRow]:
        cache = self.__dict__.get("_row_index")
        if cache is None:
            cache = {(r.indicator_id, r.area_code, r.is_area): r for r in self.progress.rows}
            object.__setattr__(self, "_row_index", cache)
        return cache

    def commune_rows(self, indicator_id: str) -> list[ProgressRow]:
        if self.area.level == "commune":
            return [r for r in self.all_commune_rows if r.indicator_id == indicator_id]
        return list(self.progress.commune_rows_of(indicator_id))

    def commune(self, code: str) -> OrgUnitRef:
        for c in self.progress.communes:
            if c.code == code:
                return c
        raise KeyError(code)

    def years(self) -> list[int]:
        return sorted({y for (y, p) in self.history if p == self.period} | {self.year})

    # ------------------------------------------------------------------ issuing body

    @property
    def issuer(self) -> IssuingBody:
        """Who issues the report: the plan's `issued_by`, else the area's committee."""
        places = [(self.area.type, self.area.name)]
        if self.parent is not None:
            places.append((self.parent.type, self.parent.name))
        # The plan's issuer writes the report of the plan's own area; a report on another
        # area (a commune of the district) is its own committee's.
        return issuing_body(self.plan.issued_by if self.is_plan_area else None, places)

    @property
    def is_plan_area(self) -> bool:
        """Whether the report covers the plan's area (`plan.area`: a code or a name)."""
        wanted = unicodedata.normalize("NFC", (self.plan.area or "").strip().lower())
        names = {self.area.code, self.area.name, self.area.full_name, f"{self.area.type} {self.area.name}"}
        return wanted in {unicodedata.normalize("NFC", n.strip().lower()) for n in names if n}

    def issuer_name(self) -> str:
        """'Sở Y tế tỉnh Bắc Ninh' as the plan writes it; 'UBND huyện Sơn Động' without one."""
        body = self.issuer
        return body.written or self.t("reports_committee_short", unit=body.unit)

    def commune_types(self) -> str:
        """'xã, thị trấn' — the kinds of the area's communes, from the tree."""
        if self.area.level == "commune":
            return ""
        return unit_types_phrase(c.type for c in self.progress.communes)

    def units_word(self) -> str:
        """What the report calls the area's units in running text: 'xã, thị trấn' (from
        the tree; a commune's own report: its own word)."""
        return self.commune_types() or self.area.type or self.t("reports_noun_communes_short")

    def parent_label(self) -> str | None:
        """'tỉnh Bắc Giang': the unit above the area with its word from the tree."""
        if self.parent is not None:
            return unit_label(self.parent.type, self.parent.name)
        return self.parent_name

    # ------------------------------------------------------------------ pace (H1)

    def pace(self, indicator_id: str, code: str | None = None) -> IndicatorPace | None:
        """The pace to the year's report of one indicator for the area (`code` None) or a
        commune; None outside H1 or where the indicator has none (rules.pace)."""
        if self.period != "H1":
            return None
        cache = self.__dict__.setdefault("_pace_cache", {})
        key = (indicator_id, code)
        if key not in cache:
            codes = [code] if code else [c.code for c in self.progress.communes]
            earlier = [
                (self.history.get((y, "H1"), {}), self.fy_history.get((y, "FY"), {}))
                for y in range(self.year - PACE_YEARS, self.year)
                if (y, "H1") in self.history and (y, "FY") in self.fy_history
            ]
            ind = self.plan.indicator(indicator_id)
            cache[key] = indicator_pace(ind, self.year, codes, self.progress.figures, earlier, self.plan.data_elements)
        return cache[key]

    # ------------------------------------------------------------------ notes on figures

    def notes_on(self, indicator_id: str, code: str | None = None) -> list:
        """The notes on this year's and period's value of one indicator, oldest first."""
        where = code or self.area.code
        return [
            n
            for n in self.notes
            if n.indicator_id == indicator_id
            and n.area_code == where
            and n.year == self.year
            and n.period == self.period
        ]

    def note_suffix(self, indicator_id: str, code: str | None = None) -> str:
        """' (Ghi chú: tăng do rà soát lại danh sách, 12/05/2026)' after a value; ''."""
        found = self.notes_on(indicator_id, code)
        if not found:
            return ""
        return " " + note_text(found, self.lang)


class DocumentWriter:
    """What every writer of a document starts from: its inputs (`i`), their language and
    plan, and `t` for the words (a writer adds the area's units where its text names them)."""

    def __init__(self, inputs: ExportInputs) -> None:
        self.i = inputs
        self.lang = inputs.lang
        self.plan = inputs.plan

    def t(self, key: str, **values: object) -> str:
        return self.i.t(key, **values)

    def of_area_and_period(self, key: str) -> str:
        """A title naming the area and the period ("… huyện Sơn Động, 6 tháng đầu năm 2025")."""
        return self.t(key, area=self.i.area.full_name, period=period_text(self.i.period, self.i.year, self.lang))


def history_years(year: int) -> list[int]:
    return list(range(year - TREND_YEARS + 1, year + 1))


def load_inputs(
    engine,  # noqa: ANN001 - sqlalchemy Engine
    plan,  # noqa: ANN001 - rules.model.Plan
    year: int,
    period: str,
    area_code: str | None = None,
    lang: str = DEFAULT_LANG,
    today: date | None = None,
) -> ExportInputs:
    """Read what the documents need from the database (the command line's path)."""
    from data_access import access, followup, queries
    from data_access.place_resolution import period_end
    from data_access.progress import resolve_area

    # The scoped reads refuse an area outside the acting account's grants (`--as`).
    code = resolve_area(engine, area_code, period_end(year, period)).code if area_code else None
    progress = access.compute_progress(engine, None, plan, year, period, code)
    # On the view's communes: the new Bắc Ninh's report for 2025 H1 (before it began) is its
    # 99 communes, never old Bắc Giang, whose code 24 it reused (`Progress.began_on`).
    day = progress.began_on
    history = access.figures_in_area(
        engine, None, progress.area.code, [(y, period) for y in history_years(year)], plan.used_data_elements(), on=day
    )
    previous = None
    if any((year - 1) in ind.targets for ind in plan.indicators):
        previous = access.compute_progress(engine, None, plan, year - 1, period, code)  # the plan's area: by its day
    parent = queries.org_unit(engine, progress.area.parent_code) if progress.area.parent_code else None
    directions = followup.list_directions(engine, None, area_code=progress.area.code, status=["overdue", "in_progress"])
    fy_history = {}
    if period == "H1":
        earlier = [(y, "FY") for y in range(year - PACE_YEARS, year)]
        fy_history = access.figures_in_area(engine, None, progress.area.code, earlier, plan.used_data_elements(), on=day)
    return ExportInputs(
        progress=progress,
        history=history,
        boundaries=access.boundaries_in(engine, None, progress.area.code),
        previous=previous,
        lang=lang,
        today=today or local_today(),
        parent_name=parent.name if parent else None,
        parent=parent,
        notes=tuple(followup.list_notes(engine, None, progress.area.code, year=year, period=period)),
        fy_history=fy_history,
        db_url=engine.url.render_as_string(hide_password=False),
        directions=tuple(directions),
    )


def protect_for(inputs: ExportInputs, *, projector: bool = False, for_circulation: bool = False) -> ExportInputs:
    """Mask small sensitive counts where the app's rule says so (`access.must_protect`):
    for an aggregate-only account, under PROTECT_SMALL_COUNTS=always, for the meeting
    pack as for the projector (`projector=True`) and for a document marked for
    circulation (`for_circulation=True`, `export-report --for-circulation`)."""
    from data_access import access

    if inputs.protected or not access.must_protect(projector=projector, for_circulation=for_circulation):
        return inputs
    return mask_inputs(inputs)


def mask_inputs(inputs: ExportInputs) -> ExportInputs:
    """`inputs` with small sensitive counts masked, decided over the whole tree.

    The work behind `protect_for` once it has decided to protect; at national scale it
    takes a while, so a page decides during its run and masks only when a file is asked for.
    """
    if inputs.protected:
        return inputs
    from dataclasses import replace

    from data_access import access
    from data_access.protect import mask_history, protect_progress, tree_decisions

    sensitive = access.sensitive_elements()
    periods = {(inputs.year, inputs.period), (inputs.year - 1, inputs.period), *inputs.history}
    decide = tree_decisions(inputs.db_url, periods, sensitive)
    key, before = (inputs.year, inputs.period), (inputs.year - 1, inputs.period)
    previous = None
    if inputs.previous:
        older = (inputs.year - 2, inputs.period)
        previous = protect_progress(
            inputs.previous, sensitive, decide.get(before), tree_decisions(inputs.db_url, [older], sensitive).get(older)
        )
    return replace(
        inputs,
        progress=protect_progress(inputs.progress, sensitive, decide.get(key), decide.get(before)),
        history=mask_history(inputs.history, sensitive, decide),
        previous=previous,
        protected=True,
    )


# --------------------------------------------------------------------------- numbers as text


def mask_text(value: object) -> str | None:
    """'<5' or '*' for a figure hidden by small-count protection, else None."""
    return getattr(value, "mask_text", None) if isinstance(value, float) else None


def is_masked(*values: object) -> bool:
    return any(mask_text(v) is not None for v in values)


def note_text(notes: Sequence, lang: str) -> str:
    """'(Ghi chú: tăng do rà soát lại danh sách, 12/05/2026)'; several notes joined by ';'."""
    parts = [t("reports_note_part", lang, text=n.text, date=fmt_date(n.noted_on, lang)) for n in notes]
    return t("reports_note_inline", lang, notes="; ".join(parts))


def pace_status_text(status: str, lang: str) -> str:
    """'Đúng tiến độ' / 'Cần tăng tốc' / 'Khó đạt': the pages' words (followup.yaml)."""
    return t(f"pace_status_{status}", lang)


def pace_method_text(x: IndicatorPace, lang: str) -> str:
    """How the year was projected, in the pages' words (ui/pace_view.method_text)."""
    if not x.accumulating:
        return t("pace_method_ratio", lang)
    if x.pace.share == 0.5:
        return t("pace_method_double", lang)
    share = x.pace.share * 100
    decimals = 0 if abs(share - round(share)) < 0.05 else 1  # "40%", not "40,0%" from 39,999…
    return t("pace_method_share", lang, share=fmt_amount(share, "percent", lang, decimals))


def decimals_for(ind: Indicator, row: ProgressRow | None = None, value: float | None = None) -> int:
    """One decimal for rates, none for counts; more when one would hide why a row failed or met.

    "2,0 %" against "< 2" looks met; "2,01 %" shows it is not.
    """
    if ind.unit == "count":
        v = value if value is not None else (row.value if row else None)
        return 0 if v is None or float(v).is_integer() else 1
    if row is not None and row.value is not None and row.expected is not None:
        if is_masked(row.value) or is_masked(row.expected):
            return 1
        return decimals_needed(float(row.value), float(row.expected))
    return 1


def fmt_amount(value: float | None, unit: str, lang: str, decimals: int | None = None, compact: bool = False) -> str:
    """`i18n.fmt_amount` with the reports' decimals: '70,6 %', '3,6 ‰', '14,4 /100.000', '2'.

    Reports show rates with one decimal even when whole ('80,0 %'); `compact` is kept for
    the writers' narrow cells, which read the same now that there is one spelling.
    """
    del compact
    if value is None:
        return "–"
    if is_masked(value):
        return mask_text(value) or "*"
    if decimals is None:
        decimals = 0 if unit == "count" and float(value).is_integer() else 1
    return i18n_fmt_amount(value, unit, lang, decimals)


def fmt_row_value(ind: Indicator, row: ProgressRow, lang: str, compact: bool = False) -> str:
    if row.value is None:
        return t("reports_no_case" if no_case(row) else "reports_dash", lang)
    if is_masked(row.value):
        return mask_text(row.value) or "*"
    if row.area_level == "commune" and is_commune_share(ind):
        return t("reports_yes" if row.value >= 50 else "reports_no", lang)
    return fmt_amount(row.value, ind.unit, lang, decimals_for(ind, row), compact)


def fmt_row_target(ind: Indicator, row: ProgressRow, lang: str, compact: bool = False) -> str:
    """The target as it applies to this row: for one commune, a share of communes is 'Có'."""
    if row.area_level == "commune" and is_commune_share(ind) and row.target_text[:1] in (">", "=", "<"):
        return t("reports_yes", lang)
    return fmt_target(ind, row.target_text, lang, compact)


def indicator_label(ind: Indicator, row: ProgressRow | None, plan, lang: str) -> str:  # noqa: ANN001 - Plan
    """The indicator's name; for one commune a share of communes reads as its yes/no figure."""
    if row is not None and row.area_level == "commune" and is_commune_share(ind):
        de = plan.data_elements.get(ind.numerator)
        if de is not None:
            return re.sub(r"\s*\([^)]*\)", "", de.name.get(lang)).strip()
    return ind.name.get(lang)


def no_case(row: ProgressRow) -> bool:
    """Reported, but nothing to count: 0 abuse cases means no rate of cases with a plan
    (the status `not_applicable`, "Không phát sinh")."""
    return row.status == "not_applicable"


def fmt_target(ind: Indicator, target_text: str, lang: str, compact: bool = False) -> str:
    """The row's target as the pages and the command line write it (`i18n.fmt_target`):
    '>= 80' -> '≥ 80 %'; 'decrease' -> 'giảm so với cùng kỳ'; '' -> '–'."""
    del compact
    return i18n_fmt_target(target_text, ind.unit, lang, trend_key="reports_target_{op}", none_key=None)


def row_status_text(row: ProgressRow, lang: str) -> str:
    return status_label(row.status, lang)


def status_tint(status: str, strength: float = 0.25) -> str:
    """The status colour mixed with white: a background that black text stays readable on."""
    hexcol = STATUS_COLOR[status].lstrip("#")
    rgb = [int(hexcol[i : i + 2], 16) for i in (0, 2, 4)]
    mixed = [round(255 - (255 - c) * strength) for c in rgb]
    return "".join(f"{c:02X}" for c in mixed)


def change_unit(ind: Indicator, lang: str) -> str:
    return t(f"reports_change_unit_{ind.unit}", lang)


def change_phrase(ind: Indicator, value: float | None, previous: float | None, prev_year: int, lang: str) -> str:
    """'tăng 17,6 điểm phần trăm so với cùng kỳ năm 2023 (52,9%)'."""
    if value is None:
        return ""
    if is_masked(value, previous):
        return t("reports_change_hidden", lang, year=prev_year)
    if previous is None:
        return t("reports_change_no_previous", lang, year=prev_year)
    diff = value - previous
    decimals = 0 if ind.unit == "count" and float(diff).is_integer() else 1
    prev_text = fmt_amount(previous, ind.unit, lang, 0 if ind.unit == "count" and previous.is_integer() else 1)
    if abs(diff) < 0.05 if ind.unit != "count" else abs(diff) < 1e-9:
        return t("reports_change_same", lang, year=prev_year, prev=prev_text)
    key = "reports_change_up" if diff > 0 else "reports_change_down"
    return t(
        key, lang, d=fmt_number(abs(diff), decimals, lang), unit=change_unit(ind, lang), year=prev_year, prev=prev_text
    )


def trend_word(ind: Indicator, value: float | None, previous: float | None, lang: str) -> str:
    """'↑ Tiến bộ' / '↓ Giảm sút' / '= Không đổi', by which way is better for the indicator."""
    if value is None or previous is None or is_masked(value, previous):
        return "–"
    diff = value - previous
    if abs(diff) < (0.05 if ind.unit != "count" else 1e-9):
        return t("reports_trend_same", lang)
    better = (diff > 0) == (better_direction(ind) == "higher")
    arrow = "↑" if diff > 0 else "↓"
    return f"{arrow} {t('reports_trend_better' if better else 'reports_trend_worse', lang)}"


def trend_kind(ind: Indicator, value: float | None, previous: float | None) -> str | None:
    if value is None or previous is None or is_masked(value, previous):
        return None
    diff = value - previous
    if abs(diff) < (0.05 if ind.unit != "count" else 1e-9):
        return "same"
    return "better" if (diff > 0) == (better_direction(ind) == "higher") else "worse"


def fmt_change(ind: Indicator, value: float | None, previous: float | None, lang: str) -> str:
    """'+17,6' / '−2' for tables."""
    if value is None or previous is None or is_masked(value, previous):
        return "–"
    diff = value - previous
    decimals = 0 if ind.unit == "count" and float(diff).is_integer() else 1
    if abs(diff) < 10 ** (-decimals) / 2:
        return "0"
    sign = "+" if diff > 0 else "−"
    return sign + fmt_number(abs(diff), decimals, lang)


def gap_phrase(ind: Indicator, row: ProgressRow, lang: str) -> str:
    """How far the value is from the target, in the indicator's own unit."""
    if (
        row.gap is None
        or is_masked(row.gap, row.value)
        or row.gap <= 0
        or not row.target_text
        or row.target_text in ("decrease", "increase", "maintain")
    ):
        return ""
    op = row.target_text.split()[0]
    key = {">=": "reports_gap_below", ">": "reports_gap_below", "<=": "reports_gap_above", "<": "reports_gap_above"}
    decimals = 0 if ind.unit == "count" and float(row.gap).is_integer() else (2 if row.gap < 0.05 else 1)
    return t(key.get(op, "reports_gap_off"), lang, gap=fmt_number(row.gap, decimals, lang), unit=change_unit(ind, lang))


def numerator_noun(ind: Indicator, plan, lang: str, communes: str | None = None) -> str:  # noqa: ANN001 - Plan
    """What the numerator counts, for 'cần thêm 2 xã, thị trấn', '+2.193 children 6–15 who can swim';
    `communes`: the area's units as the tree calls them ('xã, phường'), when known."""
    de = plan.data_elements.get(ind.numerator)
    if de is not None and de.type == "yes_no" and ind.denominator == COMMUNES:
        return communes or t("reports_noun_communes", lang)
    return element_noun(de.name if de else LocalText(ind.numerator, ind.numerator), lang)


def element_noun(name: LocalText, lang: str) -> str:
    """'Số trẻ em bị tai nạn, thương tích' → 'trẻ em bị tai nạn, thương tích'."""
    text = name.get(lang)
    text = re.sub(r"\s*\([^)]*\)", "", text).strip()
    if lang != "en":
        text = re.sub(r"^(Tổng số|Số)\s+", "", text)
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def denominator_noun(ind: Indicator, plan, lang: str, communes: str | None = None) -> str:  # noqa: ANN001 - Plan
    if ind.denominator == COMMUNES:
        return communes or t("reports_noun_communes_short", lang)
    de = plan.data_elements.get(ind.denominator or "")
    return element_noun(de.name, lang) if de else ""


def units_phrase(ind: Indicator, units: float | None, plan, lang: str, communes: str | None = None) -> str:  # noqa: ANN001 - Plan
    """'cần thêm 2 xã, thị trấn' / 'cần giảm 24 trẻ em bị tai nạn, thương tích'."""
    if units is None or is_masked(units) or abs(units) < 1e-9:
        return ""
    amount = fmt_number(abs(units), 0 if float(units).is_integer() else 1, lang)
    key = "reports_units_more" if units > 0 else "reports_units_fewer"
    return t(key, lang, n=amount, noun=numerator_noun(ind, plan, lang, communes))


def fraction_text(ind: Indicator, row: ProgressRow, plan, lang: str, communes: str | None = None) -> str:  # noqa: ANN001 - Plan
    """'(12/17 xã)' behind a rate; '' for counts."""
    if ind.unit == "count" or row.numerator is None or row.denominator is None or row.value is None:
        return ""
    if is_masked(row.numerator, row.denominator, row.value):
        return ""
    return t(
        "reports_fraction",
        lang,
        num=fmt_number(row.numerator, None, lang),
        den=fmt_number(row.denominator, None, lang),
        noun=denominator_noun(ind, plan, lang, communes),
    )


def commune_label(unit: OrgUnitRef) -> str:
    """'xã Vân Sơn', 'thị trấn An Châu' — in running text."""
    name = unit.full_name or unit.name
    return name[:1].lower() + name[1:] if name[:1].isupper() and name[1:2].islower() else name


def join_names(names: Sequence[str], lang: str) -> str:
    return ", ".join(names)


def blocking_text(row: ProgressRow, plan, lang: str) -> str:  # noqa: ANN001 - Plan
    """Why an otherwise recognised commune does not count: '(số trẻ em tử vong do đuối nước: 1)'."""
    parts = []
    for de_id, value in row.blocking:
        de = plan.data_elements.get(de_id)
        name = element_noun(de.name, lang) if de else de_id
        parts.append(
            t("reports_blocking_missing", lang, name=name)
            if value is None
            else t("reports_blocking_value", lang, name=name, v=mask_text(value) or fmt_number(value, None, lang))
        )
    return "; ".join(parts)


def date_in_words(day: date, place: str, lang: str) -> str:
    """'Sơn Động, ngày 05 tháng 11 năm 2024' (the form's place-and-date line)."""
    return t("reports_place_date", lang, place=place, d=f"{day.day:02d}", m=f"{day.month:02d}", y=day.year)


# --------------------------------------------------------------------------- series and groupings


def group_of(ind: Indicator) -> LocalText:
    return ind.group or LocalText("Chỉ tiêu khác", "Other indicators")


def indicators_by_group(plan) -> list[tuple[LocalText, list[Indicator]]]:  # noqa: ANN001 - Plan
    return [(g, [i for i in plan.indicators if group_of(i) == g]) for g in plan.groups()]


def area_series(inputs: ExportInputs, ind: Indicator) -> dict[int, float | None]:
    """The indicator for the whole area, year by year (same period)."""
    codes = [c.code for c in inputs.progress.communes]
    out: dict[int, float | None] = {}
    for y in inputs.years():
        figures = inputs.history.get((y, inputs.period))
        out[y] = area_value(ind, codes, figures).value if figures else None
    value = inputs.row(ind.id).value
    out[inputs.year] = None if is_masked(value) else value  # a hidden count draws no point
    return out


def commune_series(inputs: ExportInputs, ind: Indicator, code: str) -> dict[int, float | None]:
    out: dict[int, float | None] = {}
    for y in inputs.years():
        figures = inputs.history.get((y, inputs.period)) or {}
        out[y] = commune_result(ind, code, figures.get(code)).value
    value = inputs.row(ind.id, code).value
    out[inputs.year] = None if is_masked(value) else value  # a hidden count draws no point
    return out


def element_totals(inputs: ExportInputs, element: str) -> dict[int, float | None]:
    """Yearly totals of one raw figure over the area's communes (None = nobody reported it)."""
    codes = {c.code for c in inputs.progress.communes}
    out: dict[int, float | None] = {}
    for y in inputs.years():
        figures = inputs.history.get((y, inputs.period)) or {}
        if y == inputs.year:
            figures = inputs.progress.figures
        out[y] = element_total(figures, codes, element)
    return out


def element_total(figures: Mapping[str, Mapping[str, float]], codes: set[str], element: str) -> float | None:
    """The area's total of one figure; hidden ('*') when a commune's figure is masked."""
    values = [f[element] for code, f in figures.items() if code in codes and element in f]
    if any(is_masked(v) for v in values):
        from rules.suppression import Hidden

        return Hidden()
    return sum(values) if values else None


def commune_fixes(inputs: ExportInputs, code: str) -> list[ProgressRow]:
    """A commune's not-met and at-risk indicators, worst first."""
    return off_track_worst_first(r for r in inputs.all_commune_rows if r.area_code == code)


def slug(text: str) -> str:
    """'Sơn Động' → 'son-dong' for file names."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-zA-Z0-9]+", "-", text).strip("-").lower() or "file"


def file_name(inputs: ExportInputs, kind: str, commune: str | None = None) -> str:
    """'bao-cao-tre-em-son-dong-2024-FY.docx' — ASCII, so every mail system keeps it."""
    stem = {
        "report": "bao-cao",
        "appendix": "phu-luc",
        "meeting": "trinh-chieu",
        "commune": "phieu-xa",
        "brief": "tom-tat-1-trang",
    }[kind]
    ext = {"report": "docx", "appendix": "xlsx", "meeting": "pdf", "commune": "pdf", "brief": "pdf"}[kind]
    where = slug(inputs.area.name)
    if commune:
        where = slug(inputs.commune(commune).name) if commune != "all" else where + "-cac-xa"
    return f"{stem}-tre-em-{where}-{inputs.year}-{inputs.period}.{ext}"


# --------------------------------------------------------------------------- writers


def report_docx(inputs: ExportInputs) -> bytes:
    from data_access.export_docx import write_report

    return write_report(protect_for(inputs))


def appendix_xlsx(inputs: ExportInputs) -> bytes:
    from data_access.export_xlsx import write_appendix

    return write_appendix(protect_for(inputs))


def meeting_pdf(inputs: ExportInputs) -> bytes:
    """The projector's slides on paper: small sensitive counts masked as on the projector."""
    from data_access.export_pdf import write_meeting_pack

    return write_meeting_pack(protect_for(inputs, projector=True))


def commune_sheets_pdf(inputs: ExportInputs, codes: Sequence[str] | None = None) -> bytes:
    """One A4 page per commune (every commune of the area when `codes` is None)."""
    from data_access.export_pdf import write_commune_sheets

    chosen = list(codes) if codes else [c.code for c in inputs.progress.communes]
    return write_commune_sheets(protect_for(inputs), chosen)


def chairman_brief_pdf(inputs: ExportInputs) -> bytes:
    """The chairman's one-page A4 summary: verdict, what needs direction, who is behind,
    the directions overdue or due soon."""
    from data_access.export_brief import write_chairman_brief

    return write_chairman_brief(protect_for(inputs), inputs.directions)


WRITERS: dict[str, Callable[[ExportInputs], bytes]] = {
    "report": report_docx,
    "appendix": appendix_xlsx,
    "meeting": meeting_pdf,
    "commune": commune_sheets_pdf,
    "brief": chairman_brief_pdf,
}


# --------------------------------------------------------------------------- command line


class ExportError(ValueError):
    """A mistake on the command line a person can fix (said in their language)."""


def cmd_export_report(args: argparse.Namespace) -> int:
    from data_access import db
    from data_access.__main__ import EXIT_ERROR, EXIT_OK, targets_path
    from data_access.targets import load_plan

    out = Path(args.out)
    suffix = out.suffix.lower()
    lang = args.lang
    if args.summary and suffix != ".pdf":
        print(t("brief_cli_pdf_only", lang), file=sys.stderr)
        return EXIT_ERROR
    if args.commune and suffix != ".pdf":
        print(t("reports_cli_commune_pdf_only", lang), file=sys.stderr)
        return EXIT_ERROR
    if suffix not in KINDS:
        print(t("reports_cli_bad_extension", lang, ext=suffix or "''"), file=sys.stderr)
        return EXIT_ERROR
    plan = load_plan(targets_path(args.targets))
    engine = db.ready_engine()
    inputs = load_inputs(engine, plan, args.year, args.period, args.area, lang)
    if getattr(args, "for_circulation", False):
        inputs = protect_for(inputs, for_circulation=True)  # small counts "<5" before any writer
    if args.commune:
        codes = None
        if args.commune != "all":
            known = {c.code for c in inputs.progress.communes}
            code = args.commune.zfill(5) if args.commune.isdigit() and args.commune.zfill(5) in known else args.commune
            if code not in known:
                print(
                    t("reports_cli_unknown_commune", lang, code=args.commune, area=inputs.area.full_name),
                    file=sys.stderr,
                )
                return EXIT_ERROR
            codes = [code]
        data = commune_sheets_pdf(inputs, codes)
    elif args.summary:
        data = chairman_brief_pdf(inputs)
    else:
        data = WRITERS[KINDS[suffix]](inputs)
    kind = "commune" if args.commune else "brief" if args.summary else KINDS[suffix]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    print(
        t(
            "reports_cli_written",
            lang,
            file=str(out),
            kind=t(f"reports_kind_{kind}", lang),
            area=inputs.area.full_name,
            period=period_text(args.period, args.year, lang),
            size=fmt_number(len(data) / 1024, 0, lang),
        )
    )
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export-report", help=t("reports_cli_help"))
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--period", choices=["FY", "H1"], default="FY")
    p.add_argument("--out", required=True, help=t("reports_cli_help_out"))
    p.add_argument("--area", help=t("cli_help_area"))
    p.add_argument("--commune", help=t("reports_cli_help_commune"))
    p.add_argument("--summary", action="store_true", help=t("reports_cli_help_summary"))
    p.add_argument("--targets")
    p.add_argument("--for-circulation", action="store_true", help=t("access_cli_help_for_circulation"))
    p.set_defaults(func=cmd_export_report)


__all__ = [
    "MIME",
    "ExportInputs",
    "appendix_xlsx",
    "chairman_brief_pdf",
    "commune_sheets_pdf",
    "file_name",
    "fmt_date",
    "load_inputs",
    "meeting_pdf",
    "report_docx",
]
