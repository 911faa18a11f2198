"""The one catalogue of user-facing text (Vietnamese first, English beside it) and
the number and date formats users expect.

Text lives in `i18n/catalogue/*.yaml` (one file per area of the app, loaded as one
catalogue; a key may appear in only one file). Each entry is `key: {vi: ..., en: ...}`
with `{name}` placeholders. Nothing here imports Streamlit, so the command line, the
exporters and the pages share it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from pathlib import Path

import yaml

CATALOGUE_DIR = Path(__file__).parent / "catalogue"
LANGUAGES: tuple[str, ...] = ("vi", "en")
DEFAULT_LANG = "vi"


class CatalogueError(RuntimeError):
    """The catalogue itself is broken (duplicate key, missing language)."""


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """All entries of every catalogue file, checked for duplicates and completeness."""
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(CATALOGUE_DIR.glob("*.yaml")):
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, texts in entries.items():
            if key in merged:
                raise CatalogueError(f"{path.name}: key {key!r} is defined twice")
            if not isinstance(texts, dict) or any(texts.get(lang) is None for lang in LANGUAGES):
                raise CatalogueError(f"{path.name}: key {key!r} needs both vi and en")
            merged[key] = {lang: str(texts[lang]) for lang in LANGUAGES}
    return merged


def t(key: str, lang: str = DEFAULT_LANG, /, **values: object) -> str:
    """The text for `key` in `lang`, with `{placeholders}` filled in.

    An unknown key returns the key itself (visible, never a crash) so a missing
    entry is noticed on screen and by the catalogue test.
    """
    entry = catalogue().get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry[DEFAULT_LANG]
    if not values:
        return text
    text = text.format(**values)
    return english_plurals(text) if lang == "en" else text


# "1 communes", "1 commune(s)" → "1 commune"; "3 commune(s)" → "3 communes". Vietnamese
# nouns do not change with the number, so English entries can share one template.
_NOUNS = r"(commune|province|district|indicator|household|case|child|figure|row|area|file|report|account|part)"
_ONE_PLURAL = re.compile(r"(?<![\d.,])\b1 " + _NOUNS + r"(?:s|\(s\))(?![\w(])")
_OPTIONAL_S = re.compile(r"\b" + _NOUNS + r"\(s\)")


def english_plurals(text: str) -> str:
    """Number agreement for English text built from a template with a count in it."""
    text = _ONE_PLURAL.sub(lambda m: "1 " + m.group(1), text)
    return _OPTIONAL_S.sub(lambda m: m.group(1) + ("ren" if m.group(1) == "child" else "s"), text)


def normalise_lang(lang: object) -> str:
    return lang if lang in LANGUAGES else DEFAULT_LANG  # type: ignore[return-value]


def fmt_number(value: float | int | None, decimals: int | None = None, lang: str = DEFAULT_LANG) -> str:
    """1.234,5 in Vietnamese, 1,234.5 in English; '–' for nothing.

    With `decimals=None`, whole numbers print without decimals and others with one.
    A protected small count (rules.suppression.Masked) prints its mask, "<5" or "*".
    """
    mask = getattr(value, "mask_text", None)
    if mask:
        return mask
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 1
    text = f"{float(value):,.{decimals}f}"
    if text in ("-0", "-0.0", "-0.00"):
        text = text[1:]
    if lang == "en":
        return text
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


UNIT_SUFFIX = {"percent": "unit_percent", "per_1000": "unit_per_1000", "per_100000": "unit_per_100000", "count": "unit_count"}


def fmt_value(value: float | None, unit: str, lang: str = DEFAULT_LANG, decimals: int | None = None) -> str:
    """A value in its unit: '82,4 %', '2,1 ‰ trẻ em', '3 trẻ em'."""
    mask = getattr(value, "mask_text", None)
    if mask:  # a protected small count: "<5" (with its unit word for counts) or "*"
        return f"{mask}{t(UNIT_SUFFIX['count'], lang)}" if unit == "count" else mask
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if decimals is None:
        decimals = 0 if unit == "count" and float(value).is_integer() else 1
    return f"{fmt_number(value, decimals, lang)}{t(UNIT_SUFFIX.get(unit, 'unit_count'), lang)}"


# How a plan's comparison reads on every surface (pages, exports, command line).
OP_SYMBOL = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}
_TARGET_TEXT = re.compile(r"^\s*(>=|<=|==|>|<|≥|≤|=)\s*(-?[0-9]+(?:\.[0-9]+)?)\s*%?\s*$")
_SYMBOL_OP = {"≥": ">=", "≤": "<=", "=": "=="}


def fmt_amount(value: float | None, unit: str, lang: str = DEFAULT_LANG, decimals: int | None = None) -> str:
    """A number in its unit as a plan writes it: '80 %', '70,6 %', '2,5 ‰', '16 /100.000', '3'.

    The one spelling of an amount for the pages, the documents and the command line.
    With `decimals=None` a whole number has none and any other one; a protected small
    count prints its mask ("<5", "*").
    """
    mask = getattr(value, "mask_text", None)
    if mask:
        return mask
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{fmt_number(value, decimals, lang)}{t(UNIT_SUFFIX.get(unit, 'unit_count'), lang)}"


def fmt_target(
    target: object,
    unit: str,
    lang: str = DEFAULT_LANG,
    *,
    trend_key: str = "help_trend_{op}",
    none_key: str | None = "help_no_target_short",
) -> str:
    """A target in short form: '≥ 80 %', '< 3 ‰', '= 0'; a trend in words.

    `target` is a plan's `Target` (op, number) or the text a plan wrote (">= 80",
    "decrease"; what a progress row carries). Trend words and "no target" depend on
    the sentence around them (`trend_key` with `{op}`, `none_key`; None: a dash); a
    comparison reads the same everywhere.
    """
    if target is None or target == "":
        return t(none_key, lang) if none_key else "–"
    if isinstance(target, str):
        text = target.strip()
        if text in ("decrease", "increase", "maintain"):
            return t(trend_key.format(op=text), lang)
        m = _TARGET_TEXT.match(text)
        if not m:
            return text
        op, number = _SYMBOL_OP.get(m.group(1), m.group(1)), float(m.group(2))
    else:
        op, number = getattr(target, "op", ""), getattr(target, "number", None)
        if number is None:
            return t(trend_key.format(op=op), lang)
    return f"{OP_SYMBOL.get(op, op)} {fmt_amount(number, unit, lang)}"


def _zone() -> tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Asia/Ho_Chi_Minh")
    except Exception:  # no tz database on the machine: Vietnam has no daylight saving
        return timezone(timedelta(hours=7), "ICT")


# One clock for every "today" and timestamp: Vietnam's, whatever the server's zone is
# (a container in UTC would otherwise call 06:30 on the 16th "the 15th", a day before
# or after the report deadline).
LOCAL_ZONE: tzinfo = _zone()


def local_now() -> datetime:
    """Now in Asia/Ho_Chi_Minh."""
    return datetime.now(LOCAL_ZONE)


def local_today() -> date:
    """Today's date in Asia/Ho_Chi_Minh."""
    return local_now().date()


def to_local(value: datetime) -> datetime:
    """A stored timestamp in Vietnam's time; a naive one is taken as UTC (how it is stored)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LOCAL_ZONE)


def period_label(period: str, year: int, lang: str = DEFAULT_LANG) -> str:
    """A period as a label: 'Cả năm 2024', '6 tháng đầu năm 2024' (tables, menus, files)."""
    return f"{t(f'period_{period}', lang)} {year}"


def period_text(period: str, year: int, lang: str = DEFAULT_LANG) -> str:
    """A period inside a sentence: 'năm 2024', '6 tháng đầu năm 2024' (reports, messages)."""
    return t(f"reports_period_{period}", lang, year=year)


# --------------------------------------------------------------------------- words for places
# The words for a place are the tree's own (`org_unit.type`: "xã", "phường", "thị trấn",
# "tỉnh"…), never written into a sentence: a province of xã and phường since the 2025
# reform must not read "xã, thị trấn" or "huyện". The catalogue's `reform_type_*` entries
# give each type its English.

# The order types are named in ("xã, phường, thị trấn"): the common ones first.
TYPE_ORDER = ("xã", "phường", "thị trấn", "đặc khu", "thị xã", "quận", "huyện", "thành phố", "tỉnh")


def type_key(unit_type: str) -> str:
    """'thị trấn' -> 'thi_tran' (the catalogue key of a type word)."""
    text = unicodedata.normalize("NFD", unit_type.strip().lower().replace("đ", "d"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return "_".join(text.split())


def type_word(unit_type: str, lang: str = DEFAULT_LANG) -> str:
    """The tree's type in the language asked: Vietnamese as stored, English from the
    catalogue (a type the catalogue does not know is shown as stored)."""
    key = f"reform_type_{type_key(unit_type)}"
    text = t(key, lang)
    return unit_type if text == key else text


def ordered_types(types: Iterable[str | None]) -> list[str]:
    """The distinct types, in `TYPE_ORDER` (others after, by name)."""
    found = list(dict.fromkeys(x.strip() for x in types if x and x.strip()))
    return sorted(found, key=lambda x: (TYPE_ORDER.index(x) if x in TYPE_ORDER else len(TYPE_ORDER), x))


def unit_words(
    types: Iterable[str | None], lang: str = DEFAULT_LANG, capital: bool = False, default: str | None = None
) -> str:
    """The kinds of unit a view holds, from their types: 'xã, phường', 'xã, thị trấn'
    (for headers and sentences in place of a fixed 'xã, thị trấn'); `default` (else
    'xã') when no unit carries a type."""
    words = [type_word(x, lang) for x in ordered_types(types)]
    text = t("reform_and", lang).join(words) if words else (default or type_word("xã", lang))
    return _capital(text) if capital else text


def _capital(text: str) -> str:
    """'xã, phường' -> 'Xã, phường' (a header); the rest left as written."""
    return text[:1].upper() + text[1:]


capitalised = _capital  # the public name (the parameter `capital` shadows it inside)


def area_word(unit_type: str | None, lang: str = DEFAULT_LANG, capital: bool = False) -> str:
    """What an area is called in a sentence ('lãnh đạo tỉnh', 'toàn huyện'): its type
    from the tree ('tỉnh', 'huyện', 'xã'); 'địa bàn' when it has none."""
    text = type_word(unit_type, lang) if unit_type and unit_type.strip() else t("place_area_word", lang)
    return _capital(text) if capital else text


def place_words(area_type: str | None, unit_types: Iterable[str | None], lang: str = DEFAULT_LANG) -> dict[str, str]:
    """The placeholders a sentence about an area and its units may use, from the tree:
    `area_level` ('tỉnh'), `units` ('xã, phường'), `Units` ('Xã, phường')."""
    types = list(unit_types)
    return {
        "area_level": area_word(area_type, lang),
        "units": unit_words(types, lang),
        "Units": unit_words(types, lang, capital=True),
        "UNITS": unit_words(types, lang).upper(),
    }


def fmt_date(value: date | datetime | None, lang: str = DEFAULT_LANG, with_time: bool = False) -> str:
    """dd/mm/yyyy (and HH:MM), the way Vietnamese offices write dates, in Vietnam's time."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = to_local(value)
    if with_time and isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


class Explained(Exception):
    """An error that says itself in the reader's language: a catalogue key and its values.

    Mixed into the errors of data access (`class UserError(Explained, ValueError)`) so that
    a page and the command line show `.message(lang)` instead of a traceback."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key, params)
        self.key = key
        self.params = params

    def message(self, lang: str = DEFAULT_LANG) -> str:
        return t(self.key, lang, **{k: str(v) for k, v in self.params.items()})


# --------------------------------------------------------------------------- spreadsheets

# Text a spreadsheet would read as a formula (`=HYPERLINK(…)`, `+1+cmd|…`, `@SUM(…)`, a
# leading tab or CR): every CSV and XLSX a person opens in Excel gets it with a leading
# apostrophe, and XLSX cells are typed as text besides. One rule for the template, the
# appendix, `progress --format csv` and every other export.
FORMULA_START: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: object) -> object:
    """`value` with a leading apostrophe when it is text a spreadsheet would run; other
    values (numbers, None) unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def spreadsheet_row(row: dict[str, object]) -> dict[str, object]:
    """A CSV record with `spreadsheet_text` applied to every value."""
    return {k: spreadsheet_text(v) for k, v in row.items()}


def from_spreadsheet_text(text: str) -> str:
    """The text as it was before `spreadsheet_text` (a name read back from the template)."""
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        return text[1:]
    return text


# --------------------------------------------------------------------------- markdown

# What Streamlit's markdown gives a meaning to: emphasis, code, links and images (`*_`[]`),
# HTML (`<>`), `$…$` maths, strikethrough, entities, table cells, `{}` and `:smile:` /
# `:red[…]` directives anywhere; headings, lists, quotes and rules at the start of a
# line. Data (a commune's name, a plan label, a file name) passes through `escape_md`
# once, where it is put into markdown, and shows as the text it is. Line breaks become
# spaces, so the start of the text is the only start of a line.
# An underscore between two letters (`bao_cao.csv`) is no emphasis in CommonMark: kept.
# A ':' before a letter or '/' ('http://…' would become a link) and the '.' of 'www.' too.
_MD_ANYWHERE = re.compile(r"([\\`*{}\[\]<>$~&|]|:(?=[\w/])|(?<=[wW]{3})\.|(?<![^\W_])_|_(?![^\W_]))")
_MD_LINE_START = re.compile(r"^(\s*)(?:([#+\-=])|(\d+)([.)]))")


def escape_md(text: object) -> str:
    """`text` as literal text inside markdown: '*a*' is not italic, '![i](http://x)'
    fetches nothing, '${7*7}' is no formula, '1. a' is no list."""
    flat = _MD_ANYWHERE.sub(r"\\\1", " ".join(str(text).splitlines()))
    return _MD_LINE_START.sub(lambda m: m[1] + ("\\" + m[2] if m[2] else m[3] + "\\" + m[4]), flat, count=1)
