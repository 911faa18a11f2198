"""What is wrong with a report file: `ImportIssue` (a catalogue key, its values, its row
and column), and the two refusals of a write (`ImportRefused`, `ImportConflict`).

Shared by every step of the intake, so it depends on none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from i18n import DEFAULT_LANG, fmt_date, fmt_number, t
from rules.model import LocalText

ProgressCallback = Callable[[float, str], None]  # (fraction 0..1, catalogue key of the stage)
MAX_ISSUES = 500  # errors listed one by one; the others are counted ("và N lỗi khác")


# --------------------------------------------------------------------------- problems


@dataclass(frozen=True)
class ImportIssue:
    """One problem with a file: a catalogue key, its values, and where it is.

    `row` is the row a person sees in Excel (the header is row 1 of a CSV); `column`
    is a CSV column name or an Excel column letter with its header.
    """

    key: str
    params: Mapping[str, object] = field(default_factory=dict)
    row: int | None = None
    column: str | None = None

    def reason(self, lang: str = DEFAULT_LANG) -> str:
        """The reason alone, in `lang` (numbers and names in that language)."""
        values = {k: _param_text(v, lang) for k, v in self.params.items()}
        return t(self.key, lang, **values)

    def where(self, lang: str = DEFAULT_LANG) -> str:
        if self.row is not None and self.column:
            return t("intake_where_row_col", lang, row=self.row, column=self.column)
        if self.row is not None:
            return t("intake_where_row", lang, row=self.row)
        if self.column:
            return t("intake_where_col", lang, column=self.column)
        return ""

    def message(self, lang: str = DEFAULT_LANG) -> str:
        """'Dòng 5, cột value: giá trị âm (-3) …' / 'Row 5, column value: negative value …'."""
        where = self.where(lang)
        reason = self.reason(lang)
        return f"{where}: {reason}" if where else reason[:1].upper() + reason[1:]


def _param_text(value: object, lang: str) -> str:
    if isinstance(value, LocalText):
        return value.get(lang)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float | int):
        return fmt_number(value, lang=lang)
    if isinstance(value, date):
        return fmt_date(value, lang, with_time=isinstance(value, datetime))
    return str(value)


class ImportRefused(ValueError):
    """`apply_import` was given a preview that has errors (nothing was written)."""


class ImportConflict(RuntimeError):
    """Stored figures changed since the dry run; nothing was written.

    `keys` are (commune_code, data_element, year, period) of the figures that changed.
    """

    def __init__(self, keys: Sequence[tuple[str, str, int, str]]) -> None:
        super().__init__(f"{len(keys)} figure(s) changed since the dry run")
        self.keys = list(keys)

    def message(self, lang: str = DEFAULT_LANG) -> str:
        shown = ", ".join(f"{c}/{de}/{p} {y}" for c, de, y, p in self.keys[:5])
        more = len(self.keys) - 5
        return t("intake_conflict", lang, count=len(self.keys), figures=shown) + (
            t("intake_conflict_more", lang, count=more) if more > 0 else ""
        )
