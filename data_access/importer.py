"""Commune report files in: read (CSV or XLSX), validate, compare with what is stored, apply.

The contract is `../shared/spec/reports-and-cli.md`. Three steps, each usable alone:

1. `read_report(data, filename)` turns the bytes of a long CSV or a wide XLSX into raw
   figures (text as written) and file-level problems. The format is told by content
   (ZIP magic bytes for XLSX), never by the file name; the CSV's encoding (UTF-8 with or
   without BOM, UTF-16, cp1258, cp1252) and separator (comma, semicolon, tab) are sniffed.
2. `prepare_import(engine, plan, data, filename)` validates every figure, reads the stored
   values in bulk (one query on PostgreSQL, one per 500 communes on SQLite), runs the
   plan's `checks` and the FY ≥ H1 rule on the figures the file would produce, and
   returns an `ImportPreview`: every error with its row and column, or the changes (new,
   changed old → new, unchanged) with the version of each stored value it saw. Nothing
   is written.
3. `apply_import(engine, preview, by)` writes the preview in ONE transaction: all or
   nothing. It re-reads the stored values under a lock (`SELECT … FOR UPDATE` on
   PostgreSQL, `BEGIN IMMEDIATE` on SQLite) and raises `ImportConflict` when any of them
   changed since the preview; an insert that finds a figure stored meanwhile, or an
   update whose version moved, raises it too, so nothing is ever silently overwritten.
   Each change gets an `AuditEntry`, the file an `ImportBatch`. Rows go in bulk: on
   PostgreSQL by `COPY` into a temporary table, then one INSERT, one UPDATE and one
   audit INSERT from it; on SQLite by the driver's `executemany`.

An empty value means "not reported": it is skipped, never stored as 0. A commune code
that lost its leading zero in Excel (`7615`) is restored when the padded code is known.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import hashlib
import io
import math
import re
import sqlite3
import tomllib
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import pairwise
from pathlib import Path

from sqlalchemy import Connection, Engine, Integer, String, any_, bindparam, insert, select, text, update
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.exc import DBAPIError, IntegrityError

from data_access import access, db, locks
from data_access.db import REPO_ROOT
from data_access.models import AuditEntry, DataElementRow, DataValue, ImportBatch, OrgUnit
from data_access.place_resolution import period_end, unit_for_period
from i18n import DEFAULT_LANG, fmt_date, fmt_number, from_spreadsheet_text, local_today, t
from rules.checks import flow_consistency, run_checks
from rules.model import PERIODS, DataElement, LocalText, Plan

ProgressCallback = Callable[[float, str], None]  # (fraction 0..1, catalogue key of the stage)

CODE_WIDTH = 5  # GSO commune codes are 5 digits
MIN_YEAR = 2000
_CHUNK = 500  # ids per IN (...) list: well under SQLite's variable limit
_WRITE_CHUNK = 5000
_UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE
_EPS = 1e-9

# What one file may expand to, checked before it is read (README, "Bảo mật"): a 726 KB
# spreadsheet can unpack to gigabytes, and a sheet's own `<dimension>` can claim a
# million rows. National files stay well inside: the wide template has one row per
# commune (about 10,600) and ~40 columns; a national long CSV about 720,000 rows.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024  # every part of an XLSX together, uncompressed
MAX_ZIP_PARTS = 1000
MAX_SHEET_ROWS = 50_000
MAX_SHEET_COLUMNS = 500
MAX_SHEET_CELLS = 1_000_000
MAX_CSV_ROWS = 1_500_000
MAX_ISSUES = 500  # errors listed one by one; the others are counted ("và N lỗi khác")

# Long CSV columns and the other spellings people (and Excel) give them.
CSV_FIELDS = ("commune_code", "commune_name", "year", "period", "data_element", "value")
REQUIRED_FIELDS = ("commune_code", "year", "period", "data_element", "value")
_FIELD_ALIASES = {
    "commune_code": ("commune_code", "code", "ma_xa", "mã xã", "ma xa", "mã_xã", "orgunit", "org_unit"),
    "commune_name": ("commune_name", "name", "ten_xa", "tên xã", "ten xa", "tên_xã", "xã"),
    "year": ("year", "nam", "năm"),
    "period": ("period", "ky", "kỳ", "kỳ báo cáo", "ky_bao_cao"),
    "data_element": ("data_element", "dataelement", "element", "chi_so", "chỉ số", "ma_chi_so", "mã chỉ số"),
    "value": ("value", "gia_tri", "giá trị", "so_lieu", "số liệu"),
}
_PERIOD_ALIASES = {
    "h1": "H1",
    "6t": "H1",
    "6 tháng": "H1",
    "6 thang": "H1",
    "6 tháng đầu năm": "H1",
    "fy": "FY",
    "năm": "FY",
    "nam": "FY",
    "cả năm": "FY",
    "ca nam": "FY",
    "cn": "FY",
}
_COMMUNE_PREFIXES = ("thị trấn", "thi tran", "phường", "phuong", "xã", "xa", "tt.", "tt", "p.", "x.")


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


# --------------------------------------------------------------------------- reading files


@dataclass(slots=True)
class RawFigure:
    """One figure as written in the file, before validation."""

    row: int
    code: str
    name: str | None
    year: object
    period: object
    element: str
    value: object  # text from a CSV; text, number or bool from an XLSX cell
    value_column: str
    element_column: str


@dataclass
class ParsedFile:
    kind: str  # "csv" | "xlsx" | "unknown"
    figures: list[RawFigure] = field(default_factory=list)
    issues: list[ImportIssue] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    empty_skipped: int = 0
    columns: dict[str, str] = field(default_factory=dict)  # field -> column label, for messages


def file_kind(data: bytes) -> str:
    """'xlsx' (a ZIP container), 'xls' (old binary Excel), 'csv' (anything textual)."""
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "xls"
    return "csv"


def read_report(data: bytes, filename: str = "") -> ParsedFile:
    """The raw figures of a report file and any problem that stops reading it."""
    if not data or not data.strip():
        return ParsedFile("unknown", issues=[ImportIssue("intake_error_empty_file")])
    kind = file_kind(data)
    try:
        if kind == "xlsx":
            try:
                return _read_xlsx(data)
            except _SheetTooBig as exc:
                return ParsedFile("xlsx", issues=[exc.issue])
        if kind == "xls":
            return ParsedFile("xls", issues=[ImportIssue("intake_error_old_xls")])
        return _read_csv(data)
    except Exception:  # any file we cannot parse gets a plain message, never a traceback
        return ParsedFile(kind, issues=[ImportIssue("intake_error_unreadable", {"file": filename or "?"})])


# -- text encodings

_VIET_BASE = "aăâeêioôơuưy"
_TONES = ("\u0300", "\u0301", "\u0303", "\u0309", "\u0323")


def _viet_letters() -> frozenset[str]:
    letters = set("đĐ")
    for base in _VIET_BASE + _VIET_BASE.upper():
        letters.add(unicodedata.normalize("NFC", base))
        for tone in _TONES:
            letters.add(unicodedata.normalize("NFC", base + tone))
    return frozenset(letters)


VIET_LETTERS = _viet_letters()


_NON_ASCII_WORD = re.compile(r"[^\W\d_]*[^\x00-\x7f][^\W\d_]*")


def _impossible_syllable(word: str) -> bool:
    """A word no Vietnamese syllable looks like: two tone marks ('Bãìc'), two marked vowels
    other than ươ ('Huyêòn'), or a capital after a small letter ('TiÒnh'). What cp1252
    makes of cp1258 bytes looks like that, though each letter alone is Vietnamese."""
    decomposed = unicodedata.normalize("NFD", word)
    if sum(1 for ch in decomposed if ch in _TONES) > 1:
        return True
    marked = [ch for ch in word if ord(ch) >= 128 and ch not in "đĐ"]
    if len(marked) > 1:
        bases = "".join(c for c in unicodedata.normalize("NFD", "".join(marked)) if c not in _TONES).casefold()
        if unicodedata.normalize("NFC", bases) not in ("ươ", "ưu", "ưa"):
            return True
    return any(a.islower() and b.isupper() for a, b in pairwise(word))


def _plausibility(text: str) -> int:
    """How Vietnamese a decoding looks, over the whole text: Vietnamese letters count for,
    other non-ASCII characters and impossible syllables against."""
    score = 0
    for ch in text:
        if ord(ch) < 128:
            continue
        score += 1 if ch in VIET_LETTERS else -3
    words: dict[str, int] = {}
    for word in _NON_ASCII_WORD.findall(text):
        words[word] = words.get(word, 0) + 1
    return score - 5 * sum(n for word, n in words.items() if _impossible_syllable(word))


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding) for what Excel and Notepad save, NFC-normalised.

    BOMs first (UTF-8, UTF-16 LE/BE); UTF-16 without a BOM by its NUL bytes; then strict
    UTF-8; then the Windows code page that reads most like Vietnamese (cp1258 — which
    writes tone marks as combining characters — or cp1252).
    """
    if data.startswith(codecs.BOM_UTF8):
        return unicodedata.normalize("NFC", data[3:].decode("utf-8")), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return unicodedata.normalize("NFC", data.decode("utf-16")), "utf-16"
    head = data[:4000]
    if head.count(b"\x00") > len(head) // 4:
        enc = "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be"
        return unicodedata.normalize("NFC", data.decode(enc)), enc
    try:
        return unicodedata.normalize("NFC", data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = []
    for enc in ("cp1258", "cp1252"):
        try:
            text = unicodedata.normalize("NFC", data.decode(enc))
        except UnicodeDecodeError:
            continue
        candidates.append((_plausibility(text), enc, text))
    if not candidates:
        return unicodedata.normalize("NFC", data.decode("latin-1")), "latin-1"
    # Ties go to cp1258: this is a Vietnamese application.
    _, enc, text = max(candidates, key=lambda c: (c[0], c[1] == "cp1258"))
    return text, enc


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _fold_header(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).strip().strip('"').lower().replace("\ufeff", "").split())


def _map_header(header: Sequence[str]) -> tuple[dict[str, int], list[str]]:
    """Field -> column index, and the header cells nobody understood."""
    lookup = {alias: name for name, aliases in _FIELD_ALIASES.items() for alias in aliases}
    mapping: dict[str, int] = {}
    unknown: list[str] = []
    for i, cell in enumerate(header):
        folded = _fold_header(cell)
        name = lookup.get(folded) or lookup.get(folded.replace(" ", "_"))
        if name and name not in mapping:
            mapping[name] = i
        elif folded:
            unknown.append(cell.strip())
    return mapping, unknown


_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")


def _looks_binary(text: str) -> bool:
    sample = text[:20000]
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n\x0c")
    return control > max(2, len(sample) // 100)


def _read_csv(data: bytes) -> ParsedFile:
    if data.startswith(_BINARY_MAGIC):
        return ParsedFile("unknown", issues=[ImportIssue("intake_error_not_table")])
    text, encoding = decode_text(data)
    if _looks_binary(text):
        return ParsedFile("unknown", issues=[ImportIssue("intake_error_not_table")])
    first = next((ln for ln in text[:65536].splitlines() if ln.strip()), "")
    delimiter = _sniff_delimiter(first)
    parsed = ParsedFile("csv", encoding=encoding, delimiter=delimiter)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    mapping: dict[str, int] = {}
    for start, cells in _csv_records(reader):
        if start < 0:  # a quote opened and never closed: the rest of the file is one cell
            parsed.issues.append(ImportIssue("hardening_error_csv_quote", row=-start))
            parsed.figures.clear()
            return parsed
        if reader.line_num > MAX_CSV_ROWS:
            parsed.issues.append(ImportIssue("hardening_error_csv_rows", {"limit": MAX_CSV_ROWS}))
            parsed.figures.clear()
            return parsed
        if header is None:
            if not any(c.strip() for c in cells):
                continue
            header = cells
            mapping, _unknown = _map_header(header)
            missing = [f for f in REQUIRED_FIELDS if f not in mapping]
            if missing:
                parsed.issues.append(
                    ImportIssue(
                        "intake_error_missing_columns",
                        {"columns": ", ".join(missing), "expected": ",".join(CSV_FIELDS)},
                        row=reader.line_num,
                    )
                )
                return parsed
            parsed.columns = {f: header[i].strip() or f for f, i in mapping.items()}
            i_code, i_year, i_period = mapping["commune_code"], mapping["year"], mapping["period"]
            i_de, i_value, i_name = mapping["data_element"], mapping["value"], mapping.get("commune_name")
            need = max(mapping.values()) + 1
            value_col, de_col = parsed.columns["value"], parsed.columns["data_element"]
            continue
        if len(cells) < need:
            if not "".join(cells).strip():
                continue  # a blank line
            cells = cells + [""] * (need - len(cells))
        value = cells[i_value].strip()
        if not value:
            if "".join(cells).strip():
                parsed.empty_skipped += 1
            continue
        parsed.figures.append(
            RawFigure(
                reader.line_num,
                cells[i_code].strip(),
                (from_spreadsheet_text(cells[i_name].strip()) or None) if i_name is not None else None,
                cells[i_year].strip(),
                cells[i_period].strip(),
                cells[i_de].strip(),
                value,
                value_col,
                de_col,
            )
        )
    if header is None:
        parsed.issues.append(ImportIssue("intake_error_empty_file"))
    return parsed


def _csv_records(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    """(first line, cells) of each record; (-first line, []) where a quote opened there is
    not closed (the record runs on over the next lines, or to the end of the file). No
    field of a report holds a line break, so such a record is always a mistake."""
    line = 0
    while True:
        start = line + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            yield -start, []
            return
        line = reader.line_num  # type: ignore[attr-defined]
        if line > start and any("\n" in c or "\r" in c for c in cells):
            yield -start, []
            return
        yield start, cells


# -- wide XLSX (the template)

ID_ROW_MARKER = "commune_code"


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFC", str(value)).strip()


_SHEET_PART = re.compile(r"^xl/worksheets/[^/]+\.xml$")
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s>/]")
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")


def _scan_xlsx(data: bytes) -> tuple[ImportIssue | None, set[str]]:
    """(why this XLSX may not be opened — too big unpacked, too many rows or cells — or
    None; the sheets that hold formulas).

    Looks at the ZIP's declared sizes (Python's zipfile never unpacks more than those:
    a part that lies fails its CRC), then streams each sheet's XML counting `<row>` and
    `<c>` tags — its `<dimension>` is not trusted. Nothing is parsed, so a bomb costs
    a fraction of a second and a few megabytes.
    """
    formulas: set[str] = set()
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return ImportIssue("intake_error_not_xlsx"), formulas
    with zf:
        parts = zf.infolist()
        unpacked = sum(p.file_size for p in parts)
        if len(parts) > MAX_ZIP_PARTS or unpacked > MAX_UNPACKED_BYTES:
            return ImportIssue(
                "hardening_error_unpacked",
                {"size": round(unpacked / 1048576, 1), "limit": round(MAX_UNPACKED_BYTES / 1048576)},
            ), formulas
        for part in parts:
            if not _SHEET_PART.match(part.filename):
                continue
            rows = cells = 0
            with zf.open(part) as fh:
                carry = b""
                while chunk := fh.read(1 << 20):
                    buf = carry + chunk
                    cut = buf.rfind(b"<")  # a tag cut by the chunk boundary waits for the next
                    cut = len(buf) if cut < 0 else cut
                    rows += len(_ROW_TAG.findall(buf, 0, cut))
                    cells += len(_CELL_TAG.findall(buf, 0, cut))
                    if _FORMULA_TAG.search(buf, 0, cut):
                        formulas.add(part.filename)
                    carry = buf[cut:]
                    if rows > MAX_SHEET_ROWS or cells > MAX_SHEET_CELLS:
                        return _sheet_too_big(rows, cells), formulas
                rows += len(_ROW_TAG.findall(carry))
                cells += len(_CELL_TAG.findall(carry))
            if rows > MAX_SHEET_ROWS or cells > MAX_SHEET_CELLS:
                return _sheet_too_big(rows, cells), formulas
    return None, formulas


def _formula_cells(data: bytes, title: str) -> set[tuple[int, int]]:
    """(row, column) of every formula cell of sheet `title` (read a second time, with
    formulas instead of their cached results; only for a sheet that has formulas)."""
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        ws = wb[title]
        ws.reset_dimensions()
        return {
            (r, c)
            for r, values in enumerate(_bounded_rows(ws.iter_rows(values_only=True)), start=1)
            for c, v in enumerate(values, start=1)
            if isinstance(v, str) and v.startswith("=")
        }
    finally:
        wb.close()


def _sheet_too_big(rows: int, cells: int) -> ImportIssue:
    if rows > MAX_SHEET_ROWS:
        return ImportIssue("hardening_error_sheet_rows", {"limit": MAX_SHEET_ROWS})
    return ImportIssue("hardening_error_sheet_cells", {"limit": MAX_SHEET_CELLS})


def _read_xlsx(data: bytes) -> ParsedFile:
    import openpyxl
    from openpyxl.utils import get_column_letter

    refused, formula_parts = _scan_xlsx(data)
    if refused is not None:
        return ParsedFile("xlsx", issues=[refused])
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return ParsedFile("xlsx", issues=[ImportIssue("intake_error_not_xlsx")])
    parsed = ParsedFile("xlsx")
    try:
        for ws in wb.worksheets:
            ws.reset_dimensions()  # a sheet's own <dimension> may claim a million rows
        info = _xlsx_info(wb)
        for ws in wb.worksheets:
            rows = _bounded_rows(ws.iter_rows(values_only=True))
            head: list[tuple] = []
            for _ in range(6):
                try:
                    head.append(next(rows))
                except StopIteration:
                    break
            id_row = next((i for i, r in enumerate(head) if r and _cell_text(r[0]).lower() == ID_ROW_MARKER), None)
            if id_row is None:
                continue
            ids = [_cell_text(v) for v in head[id_row]]
            labels = [_cell_text(v) for v in head[id_row - 1]] if id_row > 0 else ids
            col = {name: i for i, name in enumerate(ids) if name in ("commune_code", "commune_name", "year", "period")}
            elements = [
                (i, ids[i]) for i in range(len(ids)) if ids[i] and ids[i] not in col and ids[i] not in ("", "note")
            ]

            def label(i: int, labels: list[str] = labels, ids: list[str] = ids) -> str:
                name = labels[i] if i < len(labels) and labels[i] else ids[i]
                return f"{get_column_letter(i + 1)} ({name})"

            parsed.columns = {"commune_code": label(col["commune_code"])}
            if "commune_name" in col:
                parsed.columns["commune_name"] = label(col["commune_name"])
            year_default = info.get("year", "")
            period_default = info.get("period", "")
            if ("year" not in col and not year_default) or ("period" not in col and not period_default):
                parsed.issues.append(ImportIssue("intake_error_xlsx_no_period"))
                return parsed
            sheet = str(info.get("sheet", ""))
            parsed.columns["year"] = label(col["year"]) if "year" in col else sheet
            parsed.columns["period"] = label(col["period"]) if "period" in col else sheet
            # A formula whose result was never computed (a file written by a program,
            # not Excel) reads as empty: it is an error with its cell, not "not reported".
            formulas = _formula_cells(data, ws.title) if ws._worksheet_path in formula_parts else set()
            # Rows above the data rows that a person might have added keep their numbers.
            for offset, values in enumerate(_rest(head, id_row + 1, rows), start=id_row + 2):
                if not values or not any(v not in (None, "") for v in values):
                    continue
                code = _cell_text(values[col["commune_code"]]) if col["commune_code"] < len(values) else ""
                # The template writes a name Excel would run as '=… (the apostrophe is not the name's).
                name = from_spreadsheet_text(_cell_text(values[col["commune_name"]])) if "commune_name" in col else None
                year = values[col["year"]] if "year" in col else year_default
                period = values[col["period"]] if "period" in col else period_default
                for i, de in elements:
                    v = values[i] if i < len(values) else None
                    if v is None and (offset, i + 1) in formulas:
                        parsed.issues.append(
                            ImportIssue(
                                "hardening_error_formula_no_value",
                                {"cell": f"{get_column_letter(i + 1)}{offset}"},
                                offset,
                                label(i),
                            )
                        )
                        continue
                    if v is None or (isinstance(v, str) and not v.strip()):
                        parsed.empty_skipped += 1
                        continue
                    parsed.figures.append(
                        RawFigure(offset, code, name or None, year, period, de, v, label(i), label(i))
                    )
            return parsed
    finally:
        wb.close()
    parsed.issues.append(ImportIssue("intake_error_xlsx_no_ids"))
    return parsed


class _SheetTooBig(Exception):
    """A sheet went past MAX_SHEET_ROWS or MAX_SHEET_COLUMNS while it was read."""

    def __init__(self, issue: ImportIssue) -> None:
        super().__init__(issue.key)
        self.issue = issue


def _bounded_rows(rows: Iterable[tuple]) -> Iterator[tuple]:
    """The sheet's rows, stopping at the limits (rows skipped by number count too)."""
    for n, values in enumerate(rows, start=1):
        if n > MAX_SHEET_ROWS:
            raise _SheetTooBig(ImportIssue("hardening_error_sheet_rows", {"limit": MAX_SHEET_ROWS}))
        if len(values) > MAX_SHEET_COLUMNS:
            raise _SheetTooBig(ImportIssue("hardening_error_sheet_columns", {"limit": MAX_SHEET_COLUMNS}, row=n))
        yield values


def _rest(head: list[tuple], start: int, rows: Iterable[tuple]) -> Iterable[tuple]:
    yield from head[start:]
    yield from rows


def _xlsx_info(wb) -> dict[str, object]:  # noqa: ANN001 - openpyxl workbook
    """Year and period from the template's information sheet (ids in column C)."""
    out: dict[str, object] = {}
    for ws in wb.worksheets:
        for values in ws.iter_rows(min_row=1, max_row=40, max_col=3, values_only=True):
            if len(values) >= 3 and _cell_text(values[2]) in ("year", "period", "area_code"):
                out[_cell_text(values[2])] = values[1]
        if out:
            out["sheet"] = ws.title
            break
    return out


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class _Unit:
    id: int
    code: str
    name: str
    full_name: str
    valid_from: date | None
    valid_to: date | None


def fold_name(text: str) -> str:
    """A commune name compared without case, Unicode form, spacing or the 'Xã/Thị trấn' prefix."""
    folded = " ".join(unicodedata.normalize("NFC", text).casefold().split())
    for prefix in _COMMUNE_PREFIXES:
        if folded.startswith(prefix + " "):
            folded = folded[len(prefix) + 1 :]
            break
    return folded


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def name_matches(given: str, unit_name: str, unit_full_name: str) -> bool:
    """True when `given` names the unit: same letters ignoring case and prefix.

    A name typed entirely without diacritics ("Le Vien") is accepted when it matches
    the unit's name with its diacritics removed: it still names the same commune.
    """
    g = fold_name(given)
    if g in (fold_name(unit_name), fold_name(unit_full_name)):
        return True
    if g.isascii():
        return g in (_strip_marks(fold_name(unit_name)), _strip_marks(fold_name(unit_full_name)))
    return False


_THOUSANDS_DOT = re.compile(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$")
# A number as people type it, in ASCII digits only: Python's float() would also take
# '1_000', Arabic-Indic '٣' and full-width digits, and str.isdigit() says yes to '²' and '①'.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_THOUSANDS_COMMA = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


def parse_number(value: object, decimal_comma: bool) -> float | None:
    """A number from a cell, or None when it is not one.

    `decimal_comma` (semicolon CSVs, text typed in Excel): '1,5' is 1.5 and '1.234' is
    1234. Otherwise '1.5' is 1.5 and '1,234' is 1234. Spaces inside are ignored.
    """
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return float(value)  # the common case, fast
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    if decimal_comma:
        if _THOUSANDS_DOT.match(text):
            text = text.replace(".", "")
        text = text.replace(",", ".") if text.count(",") == 1 else text
    elif _THOUSANDS_COMMA.match(text):
        text = text.replace(",", "")
    elif text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")  # '1,5' quoted in a comma file: still one and a half
    if not _PLAIN_NUMBER.fullmatch(text):
        return None
    number = float(text)
    return number if math.isfinite(number) else None


def has_other_digits(text: str) -> bool:
    """True for '²', '①', '٣', '３': characters Unicode calls digits that are not 0–9."""
    return any(not ("0" <= ch <= "9") and (ch.isdigit() or ch.isnumeric()) for ch in text)


# Plausible upper bounds for one commune's report (the largest wards after the 2025
# merger have some hundred thousand children; these stop typing slips such as 10^15
# and numbers that would make totals infinite, not unusual communes).
MAX_CHILDREN = 10_000_000
_PLAUSIBLE_MAX: dict[str, float] = {
    "households_with_children": 5_000_000,
    "safe_home_households": 5_000_000,
    "families_informed": 5_000_000,
    "hotline_111_households_reached": 5_000_000,
    "schools_total": 10_000,
    "safe_schools": 10_000,
    "cp_staff_total": 100_000,
    "cp_staff_trained": 100_000,
    "hotline_111_sessions": 100_000,
}
_DEFAULT_MAX = {"count": MAX_CHILDREN, "yes_no": 1, "number": 1e9}


def plausible_max(de: DataElement) -> float:
    """The largest value one commune may report for `de` (children: 10 million)."""
    return _PLAUSIBLE_MAX.get(de.id, _DEFAULT_MAX.get(de.type, MAX_CHILDREN))


def _parse_year(value: object, max_year: int) -> int | None:
    number = parse_number(value, decimal_comma=False)
    if number is None or not number.is_integer():
        return None
    year = int(number)
    return year if MIN_YEAR <= year <= max_year else None


def _parse_period(value: object) -> str | None:
    text = " ".join(str(value or "").strip().split())
    if text.upper() in PERIODS:
        return text.upper()
    return _PERIOD_ALIASES.get(text.casefold())


@dataclass(slots=True)
class Figure:
    """A validated figure from the file."""

    row: int
    column: str
    code: str
    year: int
    period: str
    element: str
    value: float


# --------------------------------------------------------------------------- preview


@dataclass(slots=True)
class Change:
    """What importing one figure would do: new, changed (old → new) or unchanged."""

    row: int
    code: str
    commune: str
    year: int
    period: str
    element: str
    old: float | None
    new: float
    version: int | None  # the stored version the dry run saw (None = not stored)

    @property
    def action(self) -> str:
        if self.old is None:
            return "new"
        return "unchanged" if abs(self.old - self.new) <= _EPS else "changed"


@dataclass
class ImportPreview:
    """The dry run: what a file would change, or every reason it cannot be imported."""

    filename: str
    sha256: str
    size: int
    kind: str
    encoding: str | None = None
    delimiter: str | None = None
    figures_read: int = 0
    empty_skipped: int = 0
    issues: list[ImportIssue] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    unit_ids: dict[str, int] = field(default_factory=dict)
    missing_elements: list[DataElement] = field(default_factory=list)  # plan elements the database lacks
    previous_imports: list[tuple[datetime, str]] = field(default_factory=list)  # same file before: (when, who)
    issues_more: int = 0  # errors past the first MAX_ISSUES, counted but not listed

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def error_count(self) -> int:
        return len(self.issues) + self.issues_more

    def more_text(self, lang: str = DEFAULT_LANG) -> str:
        """'và 4.500 lỗi khác' when errors were left unlisted, else ''."""
        return t("hardening_more_errors", lang, count=fmt_number(self.issues_more, lang=lang)) if self.issues_more else ""

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)

    @property
    def new(self) -> int:
        return self.count("new")

    @property
    def changed(self) -> int:
        return self.count("changed")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def writes(self) -> list[Change]:
        return [c for c in self.changes if c.action != "unchanged"]

    def periods(self) -> list[tuple[int, str]]:
        return sorted({(c.year, c.period) for c in self.changes})

    def communes(self) -> list[str]:
        return sorted({c.code for c in self.changes})


def upload_limit_bytes() -> int:
    """The upload size limit: `server.maxUploadSize` (MB) in .streamlit/config.toml, else 20 MB."""
    try:
        with (REPO_ROOT / ".streamlit" / "config.toml").open("rb") as fh:
            mb = tomllib.load(fh).get("server", {}).get("maxUploadSize", 20)
        return int(float(mb) * 1024 * 1024)
    except (OSError, tomllib.TOMLDecodeError, ValueError, TypeError):
        return 20 * 1024 * 1024


def _chunks(items: Sequence, size: int = _CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _load_units(conn: Connection) -> dict[str, list[_Unit]]:
    """Communes by code; a code has one unit per era it was used in (oldest first)."""
    stmt = select(
        OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.full_name, OrgUnit.valid_from, OrgUnit.valid_to
    ).where(OrgUnit.level == "commune")
    out: dict[str, list[_Unit]] = {}
    for r in conn.execute(stmt):
        out.setdefault(r.code, []).append(_Unit(r.id, r.code, r.name, r.full_name, r.valid_from, r.valid_to))
    for found in out.values():
        found.sort(key=lambda u: u.valid_from or date.min)
    return out


def _stored_values(
    conn: Connection,
    unit_ids: Sequence[int],
    years: Sequence[int],
    elements: Sequence[str] | None = None,
    *,
    lock: bool = False,
) -> dict[tuple[int, str, int, str], tuple[float, int]]:
    """(unit id, element, year, period) -> (value, version).

    PostgreSQL gets every commune in one query (array parameters); SQLite in chunks of
    communes, under its limit on bound variables.
    """
    out: dict[tuple[int, str, int, str], tuple[float, int]] = {}
    if not unit_ids or not years:
        return out
    stmt = select(
        DataValue.org_unit_id,
        DataValue.data_element_id,
        DataValue.year,
        DataValue.period,
        DataValue.value,
        DataValue.version,
    )
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        stmt = stmt.where(
            DataValue.org_unit_id == any_(bindparam("ids", type_=pg_dialect.ARRAY(Integer))),
            DataValue.year == any_(bindparam("years", type_=pg_dialect.ARRAY(Integer))),
        )
    else:
        stmt = stmt.where(
            DataValue.org_unit_id.in_(bindparam("ids", expanding=True)),
            DataValue.year.in_(bindparam("years", expanding=True)),
        )
    params: dict[str, object] = {"years": list(years)}
    if elements is not None:
        if postgres:
            stmt = stmt.where(DataValue.data_element_id == any_(bindparam("des", type_=pg_dialect.ARRAY(String))))
        else:
            stmt = stmt.where(DataValue.data_element_id.in_(bindparam("des", expanding=True)))
        params["des"] = list(elements)
    if lock and postgres:
        # Rows stay locked until commit: a concurrent import of the same figures waits,
        # then sees the new versions and reports a conflict. Locked in key order: two
        # imports over the same figures take their locks in the same order.
        stmt = stmt.order_by(
            DataValue.org_unit_id, DataValue.data_element_id, DataValue.year, DataValue.period
        ).with_for_update()
    ids = list(unit_ids)
    for chunk in [ids] if postgres else _chunks(ids):
        for uid, de, year, period, value, version in conn.execute(stmt, {**params, "ids": list(chunk)}):
            out[(uid, de, year, period)] = (float(value), int(version))
    return out


def _element_suggestion(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.75)
    return close[0] if close else ""


def prepare_import(
    engine: Engine,
    plan: Plan,
    data: bytes,
    filename: str,
    *,
    on_progress: ProgressCallback | None = None,
    max_bytes: int | None = None,
    today: date | None = None,
) -> ImportPreview:
    """Validate a file against the database and the plan and work out what it would change.

    Never writes. Every problem becomes an `ImportIssue` in `preview.issues`: the first
    MAX_ISSUES of them; the others are counted in `preview.issues_more`.
    """
    preview = _prepare(engine, plan, data, filename, on_progress, max_bytes, today)
    if len(preview.issues) > MAX_ISSUES:
        preview.issues_more += len(preview.issues) - MAX_ISSUES
        del preview.issues[MAX_ISSUES:]
    return preview


class _CappedIssues(list):
    """A list of issues that keeps the first `cap` and only counts the rest (a file with
    a million bad rows must not build a million messages)."""

    def __init__(self, cap: int) -> None:
        super().__init__()
        self.cap = cap
        self.more = 0

    def append(self, issue: ImportIssue) -> None:
        if len(self) < self.cap:
            super().append(issue)
        else:
            self.more += 1


def _prepare(
    engine: Engine,
    plan: Plan,
    data: bytes,
    filename: str,
    on_progress: ProgressCallback | None,
    max_bytes: int | None,
    today: date | None,
) -> ImportPreview:
    report = on_progress or (lambda _f, _k: None)
    limit = max_bytes if max_bytes is not None else upload_limit_bytes()
    preview = ImportPreview(filename=filename, sha256=hashlib.sha256(data).hexdigest(), size=len(data), kind="unknown")
    if len(data) > limit:
        preview.issues.append(
            ImportIssue(
                "intake_error_too_large", {"size": round(len(data) / 1048576, 1), "limit": round(limit / 1048576, 1)}
            )
        )
        return preview
    report(0.05, "intake_stage_reading")
    parsed = read_report(data, filename)
    preview.kind, preview.encoding, preview.delimiter = parsed.kind, parsed.encoding, parsed.delimiter
    preview.empty_skipped = parsed.empty_skipped
    preview.figures_read = len(parsed.figures)
    preview.issues.extend(parsed.issues)
    if parsed.issues:
        return preview
    if not parsed.figures:
        preview.issues.append(ImportIssue("intake_error_no_figures"))
        return preview

    report(0.2, "intake_stage_validating")
    with engine.connect() as conn:
        units = _load_units(conn)
        db_elements = {
            r.id: DataElement(r.id, LocalText(r.name_vi, r.name_en), r.kind, r.value_type)  # type: ignore[arg-type]
            for r in conn.execute(select(DataElementRow))
        }
        batches = conn.execute(
            select(ImportBatch.imported_at, ImportBatch.imported_by)
            .where(ImportBatch.sha256 == preview.sha256)
            .order_by(ImportBatch.imported_at)
        ).all()
    preview.previous_imports = [(when, who) for when, who in batches]
    elements: dict[str, DataElement] = {**db_elements, **plan.data_elements}
    preview.missing_elements = [de for de_id, de in plan.data_elements.items() if de_id not in db_elements]
    resolved: dict[str, _Unit] = {}  # code -> the unit it means for this file's periods
    found_issues = _CappedIssues(MAX_ISSUES * 4)  # room for duplicates, removed next
    figures = _validate(parsed, units, elements, found_issues, today or local_today(), report, resolved)
    units = resolved  # type: ignore[assignment]
    preview.issues = _unique([*preview.issues, *found_issues])
    preview.issues_more = found_issues.more
    if not figures:
        return preview

    # Checks run on the valid figures even when others are wrong, so that the person
    # sees every problem of the file at once.
    report(0.7, "intake_stage_comparing")
    used_units = sorted({units[f.code].id for f in figures})
    years = sorted({f.year for f in figures})
    with engine.connect() as conn:
        stored = _stored_values(conn, used_units, years)
        preview.issues.extend(_permission_issues(conn, figures))
    preview.unit_ids = {f.code: units[f.code].id for f in figures}

    report(0.85, "intake_stage_checking")
    names = {f.code: units[f.code].full_name for f in figures}
    found = _consistency(plan, figures, stored, preview.unit_ids, elements, names)
    if preview.issues or found:
        preview.issues = sorted([*preview.issues, *found], key=lambda i: (i.row or 0, i.column or ""))
        preview.unit_ids = {}
        return preview
    for f in figures:
        old = stored.get((preview.unit_ids[f.code], f.element, f.year, f.period))
        preview.changes.append(
            Change(
                f.row,
                f.code,
                units[f.code].full_name,
                f.year,
                f.period,
                f.element,
                old[0] if old else None,
                f.value,
                old[1] if old else None,
            )
        )
    report(1.0, "intake_stage_done")
    return preview


def _validate(
    parsed: ParsedFile,
    units: Mapping[str, Sequence[_Unit]],
    elements: Mapping[str, DataElement],
    issues: list[ImportIssue],
    today: date,
    report: ProgressCallback,
    resolved: dict[str, _Unit] | None = None,
) -> list[Figure]:
    """Every figure checked on its own; problems go to `issues` (all of them)."""
    cols = parsed.columns
    decimal_comma = parsed.kind == "xlsx" or parsed.delimiter in (";", "\t")
    max_year = today.year + 1
    seen: dict[tuple[str, int, str, str], int] = {}
    code_cache: dict[str, str | None] = {}
    year_cache: dict[object, int | None] = {}
    period_cache: dict[object, str | None] = {}
    name_ok: dict[tuple[str, str], bool] = {}
    bad_rows_code: set[int] = set()
    resolved = {} if resolved is None else resolved
    out: list[Figure] = []
    total = len(parsed.figures)
    for n, raw in enumerate(parsed.figures):
        if n and n % 20000 == 0:
            report(0.2 + 0.5 * n / total, "intake_stage_validating")
        row_ok = True
        # Commune: codes that lost their leading zero in Excel are padded back.
        if raw.code not in code_cache:
            code_cache[raw.code] = _resolve_code(raw.code, units)
        code = code_cache[raw.code]
        if code is None:
            row_ok = False
            if raw.row not in bad_rows_code:  # a wide row has many figures, one message
                bad_rows_code.add(raw.row)
                key = "intake_error_no_code" if not raw.code else "intake_error_unknown_commune"
                issues.append(ImportIssue(key, {"code": raw.code}, raw.row, cols.get("commune_code")))
        year = year_cache.get(raw.year, -1)
        if year == -1:
            year = year_cache[raw.year] = _parse_year(raw.year, max_year)
        if year is None:
            row_ok = False
            issues.append(
                ImportIssue(
                    "intake_error_year",
                    {"value": _cell_text(raw.year), "max": str(max_year)},
                    raw.row,
                    cols.get("year"),
                )
            )
        period = period_cache.get(raw.period, "?")
        if period == "?":
            period = period_cache[raw.period] = _parse_period(raw.period)
        if period is None:
            row_ok = False
            issues.append(
                ImportIssue("intake_error_period", {"value": _cell_text(raw.period)}, raw.row, cols.get("period"))
            )
        if year is not None and period is not None and year > today.year:
            # A report of a year that has not begun (FY 2027 typed for 2026) is a slip;
            # it would also pass for a finished year in every total.
            row_ok = False
            issues.append(
                ImportIssue(
                    "hardening_error_future_period",
                    {"year": str(year), "today": today},
                    raw.row,
                    cols.get("year"),
                )
            )
        if row_ok and code is not None and year is not None and period is not None:
            if not _place_ok(raw, code, year, period, units, resolved, name_ok, issues, cols, bad_rows_code):
                row_ok = False
        de = elements.get(raw.element)
        if de is None:
            row_ok = False
            hint = _element_suggestion(raw.element, elements)
            issues.append(
                ImportIssue(
                    "intake_error_unknown_element_hint" if hint else "intake_error_unknown_element",
                    {"element": raw.element, "hint": hint},
                    raw.row,
                    raw.element_column,
                )
            )
        value = parse_number(raw.value, decimal_comma)
        text = raw.value if isinstance(raw.value, str) else _cell_text(raw.value)
        if value is None:
            row_ok = False
            key = "hardening_error_digits" if has_other_digits(text) else "intake_error_not_number"
            issues.append(ImportIssue(key, {"value": text}, raw.row, raw.value_column))
        elif value < 0:
            row_ok = False
            issues.append(ImportIssue("intake_error_negative", {"value": text}, raw.row, raw.value_column))
        elif de is not None and de.type == "yes_no" and value not in (0.0, 1.0):
            row_ok = False
            issues.append(ImportIssue("intake_error_yes_no", {"value": text}, raw.row, raw.value_column))
        elif de is not None and value > plausible_max(de):
            row_ok = False
            issues.append(
                ImportIssue(
                    "hardening_error_implausible",
                    {"value": text, "element": de.name, "max": plausible_max(de)},
                    raw.row,
                    raw.value_column,
                )
            )
        elif de is not None and de.type == "count" and abs(value - round(value)) > _EPS:
            row_ok = False
            issues.append(ImportIssue("intake_error_fraction", {"value": text}, raw.row, raw.value_column))
        if not row_ok or code is None or year is None or period is None or value is None or de is None:
            continue
        key = (code, year, period, de.id)
        first = seen.get(key)
        if first is not None:
            issues.append(
                ImportIssue(
                    "intake_error_duplicate",
                    {"first": str(first), "code": code, "element": de.id, "period": period, "year": str(year)},
                    raw.row,
                    raw.value_column,
                )
            )
            continue
        seen[key] = raw.row
        if de.type != "number":
            value = float(round(value))
        out.append(Figure(raw.row, raw.value_column, code, year, period, de.id, value))
    return out


def _permission_issues(conn: Connection, figures: Sequence[Figure]) -> list[ImportIssue]:
    """Communes the current person may not load, and periods closed by an administrator.

    Checked again inside the writing transaction (`_apply`), so a period closed while
    someone looks at the dry run is still refused.
    """
    first_row: dict[str, Figure] = {}
    by_period: dict[tuple[int, str], set[str]] = {}
    for f in figures:
        first_row.setdefault(f.code, f)
        by_period.setdefault((f.year, f.period), set()).add(f.code)
    issues = [
        ImportIssue("intake_error_no_write", {"code": code}, first_row[code].row, None)
        for code in access.denied_codes(conn, None, first_row, "editor")
    ]
    for (year, period), codes in sorted(by_period.items()):
        lock = locks.find_lock(conn, year, period, sorted(codes))
        if lock is not None:
            row = min(f.row for f in figures if f.year == year and f.period == period)
            issues.append(
                ImportIssue(
                    "intake_error_period_locked",
                    {"period": period, "year": str(year), "area": lock.area_name, "by": lock.locked_by},
                    row,
                    None,
                )
            )
    return issues


def _unique(issues: Sequence[ImportIssue]) -> list[ImportIssue]:
    """Each problem once (a bad year on the info sheet is one problem, not one per cell)."""
    seen: set[tuple] = set()
    out = []
    for issue in issues:
        key = (issue.key, issue.row, issue.column, tuple(sorted((k, str(v)) for k, v in issue.params.items())))
        if key not in seen:
            seen.add(key)
            out.append(issue)
    return out


def _place_ok(
    raw: RawFigure,
    code: str,
    year: int,
    period: str,
    units: Mapping[str, Sequence[_Unit]],
    resolved: dict[str, _Unit],
    name_ok: dict[tuple[str, str], bool],
    issues: list[ImportIssue],
    cols: Mapping[str, str],
    bad_rows: set[int],
) -> bool:
    """The unit `code` means for the row's period; its name, when given, must fit it.

    Since the 2025 reform a code may mean another commune in another era, so the unit
    is the one valid on the period's last day (`data_access.place_resolution`).
    """
    candidates = units[code]
    unit = unit_for_period(candidates, year, period)
    where = cols.get("commune_code")
    end = period_end(year, period)
    if unit is None:
        if raw.row not in bad_rows:
            bad_rows.add(raw.row)
            others = " / ".join(f"{u.full_name} ({_validity(u)})" for u in candidates)
            issues.append(
                ImportIssue(
                    "intake_error_commune_not_valid_period",
                    {"code": code, "year": str(year), "period": period, "day": fmt_date(end), "units": others},
                    raw.row,
                    where,
                )
            )
        return False
    if raw.name:
        ok = name_ok.get((unit.code + str(unit.id), raw.name))
        if ok is None:
            ok = name_ok[(unit.code + str(unit.id), raw.name)] = name_matches(raw.name, unit.name, unit.full_name)
        if not ok:
            if raw.row not in bad_rows:
                bad_rows.add(raw.row)
                other = next(
                    (u for u in candidates if u.id != unit.id and name_matches(raw.name, u.name, u.full_name)), None
                )
                if other is not None:
                    issues.append(
                        ImportIssue(
                            "intake_error_name_other_era",
                            {
                                "name": raw.name,
                                "code": code,
                                "other_validity": _validity(other),
                                "year": str(year),
                                "period": period,
                                "day": fmt_date(end),
                                "expected": unit.full_name,
                            },
                            raw.row,
                            cols.get("commune_name"),
                        )
                    )
                else:
                    issues.append(
                        ImportIssue(
                            "intake_error_name_mismatch",
                            {"name": raw.name, "code": code, "expected": unit.full_name},
                            raw.row,
                            cols.get("commune_name"),
                        )
                    )
            return False
    first = resolved.setdefault(code, unit)
    if first.id != unit.id:
        if raw.row not in bad_rows:
            bad_rows.add(raw.row)
            issues.append(
                ImportIssue(
                    "intake_error_code_two_eras",
                    {"code": code, "first": first.full_name, "second": unit.full_name},
                    raw.row,
                    where,
                )
            )
        return False
    return True


def _validity(unit: _Unit) -> str:
    start = fmt_date(unit.valid_from) if unit.valid_from else "…"
    end = fmt_date(unit.valid_to) if unit.valid_to else "…"
    return f"{start} – {end}"


def _resolve_code(text: str, units: Mapping[str, object]) -> str | None:
    code = text.strip()
    if code.endswith(".0") and code[:-2].isdigit():
        code = code[:-2]
    if code in units:
        return code
    if code.isdigit() and len(code) < CODE_WIDTH:
        padded = code.zfill(CODE_WIDTH)
        if padded in units:
            return padded
    return None


# How a broken `left OP right` reads: "<=" broken is "greater than", and so on.
_BROKEN = {"<=": "gt", "<": "ge", ">=": "lt", ">": "le", "==": "ne"}


def _consistency(
    plan: Plan,
    figures: Sequence[Figure],
    stored: Mapping[tuple[int, str, int, str], tuple[float, int]],
    unit_ids: Mapping[str, int],
    elements: Mapping[str, DataElement],
    names: Mapping[str, str] | None = None,
) -> list[ImportIssue]:
    """The plan's checks and FY ≥ H1 on stored figures merged with the file's.

    Only findings that involve at least one figure from the file are reported: the file
    is not to blame for what was already stored. The messages are for the commune's
    officer: the figures' Vietnamese names, the commune's name and the period in words,
    not element ids or the rule's syntax (the rule is still in the CSV of errors).
    """
    names = names or {}

    def element(de_id: str, inside: bool = False) -> LocalText | str:
        """A figure's name; `inside` a sentence it starts in lower case ("… lớn hơn số trẻ em …")."""
        de = elements.get(de_id)
        if de is None:
            return de_id
        if not inside:
            return de.name
        return LocalText(de.name.vi[:1].lower() + de.name.vi[1:], de.name.en[:1].lower() + de.name.en[1:])

    def period_words(period: str, year: int) -> LocalText:
        return LocalText(
            f"{t('period_' + period, 'vi').lower()} {year}", f"{t('period_' + period, 'en')} {year}"
        )

    code_of = {uid: code for code, uid in unit_ids.items()}
    merged: dict[tuple[str, int, str], dict[str, float]] = {}
    for (uid, de, year, period), (value, _version) in stored.items():
        code = code_of.get(uid)
        if code is not None:
            merged.setdefault((code, year, period), {})[de] = value
    in_file: dict[tuple[str, int, str], dict[str, Figure]] = {}
    for f in figures:
        merged.setdefault((f.code, f.year, f.period), {})[f.element] = f.value
        in_file.setdefault((f.code, f.year, f.period), {})[f.element] = f
    issues: list[ImportIssue] = []
    for (code, year, period), from_file in sorted(in_file.items()):
        for finding in run_checks(plan.checks, {code: merged[(code, year, period)]}, period=period):
            chk = finding.check
            fig = from_file.get(chk.left) or from_file.get(chk.right)
            if fig is None:
                continue
            issues.append(
                ImportIssue(
                    "intake_error_check_" + _BROKEN.get(chk.op, "ne")
                    + ("" if chk.right in elements else "_number"),
                    {
                        "rule": chk.text,
                        "left": element(chk.left),
                        "left_value": finding.left_value,
                        "right": element(chk.right, inside=True),
                        "right_value": finding.right_value,
                        "commune": names.get(code, code),
                        "code": code,
                        "when": period_words(period, year),
                        "period": period,
                        "year": str(year),
                    },
                    fig.row,
                    fig.column,
                )
            )
    flow_elements = {k: v for k, v in elements.items() if v.kind == "flow"}
    for code, year in sorted({(c, y) for c, y, _p in in_file}):
        h1 = merged.get((code, year, "H1"))
        fy = merged.get((code, year, "FY"))
        if not h1 or not fy:
            continue
        for finding in flow_consistency(flow_elements, {code: h1}, {code: fy}):
            fig = in_file.get((code, year, "FY"), {}).get(finding.data_element) or in_file.get(
                (code, year, "H1"), {}
            ).get(finding.data_element)
            if fig is None:
                continue
            issues.append(
                ImportIssue(
                    "intake_error_flow",
                    {
                        "element": element(finding.data_element, inside=True),
                        "commune": names.get(code, code),
                        "h1": finding.h1_value,
                        "fy": finding.fy_value,
                        "code": code,
                        "year": str(year),
                    },
                    fig.row,
                    fig.column,
                )
            )
    return sorted(issues, key=lambda i: (i.row or 0, i.column or ""))


# --------------------------------------------------------------------------- apply


@dataclass(frozen=True)
class ImportResult:
    batch_id: int
    inserted: int
    updated: int
    unchanged: int

    @property
    def changes(self) -> int:
        return self.inserted + self.updated


def _insert_stmt(conn: Connection):  # noqa: ANN202 - dialect-specific insert
    if conn.dialect.name == "postgresql":
        return pg_dialect.insert(DataValue).on_conflict_do_nothing()
    if conn.dialect.name == "sqlite":
        return sqlite_dialect.insert(DataValue).on_conflict_do_nothing()
    return insert(DataValue)


def apply_import(engine: Engine, preview: ImportPreview, by: str, *, now: datetime | None = None) -> ImportResult:
    """Write the preview's changes in one transaction, or nothing at all.

    Raises `ImportRefused` for a preview with errors, `ImportConflict` when any figure
    the preview looked at was changed by someone else since, `access.AccessDenied`
    when the current person may not load one of the communes,
    `locks.PeriodLocked` when one of the periods was closed meanwhile, and
    `db.DatabaseWriteFailed` when the database may not or cannot be written.
    """
    if not preview.ok:
        raise ImportRefused(preview.filename)
    by = (by or "").strip()[:120] or "?"
    now = now or datetime.now(UTC)
    source = preview.filename[:300]
    code_of = {uid: code for code, uid in preview.unit_ids.items()}
    # A read-only, deleted or replaced SQLite file, or a write that fails, is
    # `db.DatabaseWriteFailed` with nothing written (never a crash, never lost figures).
    with db.guarded_write(engine), engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            # Take the write lock before re-reading, so no other writer slips in between.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            db.ensure_writable(engine)  # again under the lock: the file may have gone meanwhile
        try:
            result = _apply(conn, preview, by, now, source, code_of)
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
    return result


def _apply(
    conn: Connection, preview: ImportPreview, by: str, now: datetime, source: str, code_of: Mapping[int, str]
) -> ImportResult:
    uid = preview.unit_ids
    keys = {(uid[c.code], c.element, c.year, c.period): c for c in preview.changes}
    # Permission and period locks again, inside the transaction that writes.
    access.require_write_all(conn, None, preview.communes())
    for year, period in preview.periods():
        locks.ensure_period_open(
            conn, year, period, sorted({c.code for c in preview.changes if (c.year, c.period) == (year, period)})
        )
    current = _stored_values(
        conn,
        sorted({k[0] for k in keys}),
        sorted({k[2] for k in keys}),
        sorted({k[1] for k in keys}),
        lock=True,
    )
    conflicts = []
    for key, change in keys.items():
        now_stored = current.get(key)
        seen_version = change.version
        if (now_stored[1] if now_stored else None) != seen_version:
            conflicts.append((code_of[key[0]], key[1], key[2], key[3]))
    if conflicts:
        raise ImportConflict(sorted(conflicts))

    if preview.missing_elements:
        known = set(conn.execute(select(DataElementRow.id)).scalars())
        rows = [
            {
                "id": e.id,
                "name_vi": e.name.vi,
                "name_en": e.name.en,
                "kind": e.kind,
                "value_type": e.type,
                "standard": e.standard,
            }
            for e in preview.missing_elements
            if e.id not in known
        ]
        if rows:
            conn.execute(insert(DataElementRow), rows)

    batch_id = conn.execute(
        insert(ImportBatch)
        .values(
            filename=source,
            sha256=preview.sha256,
            imported_by=by,
            imported_at=now,
            rows=len(preview.changes),
            inserted=preview.new,
            updated=preview.changed,
            unchanged=preview.unchanged,
        )
        .returning(ImportBatch.id)
    ).scalar_one()

    # Only new and changed figures are written; each key once, in the preview's order
    # (the audit rows keep that order, as their ids show).
    writes = [(key, c, c.old is None) for key, c in keys.items() if c.action != "unchanged"]
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        inserted, updated = _write_postgresql(conn, writes, by, now, source, batch_id, code_of)
    elif conn.dialect.name == "sqlite" and conn.dialect.driver == "pysqlite":
        inserted, updated = _write_sqlite(conn, writes, by, now, source, batch_id, code_of)
    else:
        inserted, updated = _write_rows(conn, writes, by, now, source, batch_id, code_of)
    return ImportResult(batch_id, inserted, updated, preview.unchanged)


_Write = tuple[tuple[int, str, int, str], Change, bool]  # (key, change, is new)


def _write_rows(
    conn: Connection,
    writes: Sequence[_Write],
    by: str,
    now: datetime,
    source: str,
    batch_id: int,
    code_of: Mapping[int, str],
) -> tuple[int, int]:
    """(inserted, updated) by SQLAlchemy's `executemany`: any other driver, and the reference
    the two fast paths below are tested against (they write the same rows)."""
    new_rows, upd_rows, audits = [], [], []
    for key, c, is_new in writes:
        base = {"org_unit_id": key[0], "data_element_id": c.element, "year": c.year, "period": c.period}
        if is_new:
            new_rows.append(
                {**base, "value": c.new, "source": source, "updated_by": by, "updated_at": now, "version": 1}
            )
        else:
            upd_rows.append(
                {
                    "b_uid": key[0],
                    "b_de": c.element,
                    "b_year": c.year,
                    "b_period": c.period,
                    "b_version": c.version,
                    "b_new_version": (c.version or 0) + 1,
                    "b_value": c.new,
                }
            )
        audits.append(
            {
                **base,
                "action": "insert" if is_new else "update",
                "old_value": c.old,
                "new_value": c.new,
                "changed_by": by,
                "changed_at": now,
                "source": source,
                "import_id": batch_id,
            }
        )

    pk = (DataValue.org_unit_id, DataValue.data_element_id, DataValue.year, DataValue.period)
    stmt = _insert_stmt(conn).returning(*pk)
    landed: set[tuple] = set()
    for chunk in _chunks(new_rows, _WRITE_CHUNK):
        landed.update(tuple(r) for r in conn.execute(stmt, list(chunk)).all())
    if len(landed) != len(new_rows):
        # Someone stored one of these figures after our re-read: report, never overwrite.
        lost = [
            (code_of[r["org_unit_id"]], r["data_element_id"], r["year"], r["period"])
            for r in new_rows
            if (r["org_unit_id"], r["data_element_id"], r["year"], r["period"]) not in landed
        ]
        raise ImportConflict(sorted(lost))

    table = DataValue.__table__
    upd = (
        update(table)
        .where(
            table.c.org_unit_id == bindparam("b_uid"),
            table.c.data_element_id == bindparam("b_de"),
            table.c.year == bindparam("b_year"),
            table.c.period == bindparam("b_period"),
            table.c.version == bindparam("b_version"),
        )
        .values(
            value=bindparam("b_value"),
            version=bindparam("b_new_version"),
            source=source,
            updated_by=by,
            updated_at=now,
        )
    )
    updated = 0
    for chunk in _chunks(upd_rows, _WRITE_CHUNK):
        res = conn.execute(upd, list(chunk))
        updated += res.rowcount if res.rowcount is not None and res.rowcount >= 0 else len(chunk)
    if updated != len(upd_rows):
        raise ImportConflict([(code_of[r["b_uid"]], r["b_de"], r["b_year"], r["b_period"]) for r in upd_rows])

    for chunk in _chunks(audits, _WRITE_CHUNK):
        conn.execute(insert(AuditEntry), list(chunk))
    return len(landed), updated


@contextmanager
def _driver_errors(conn: Connection, statement: str) -> Iterator[None]:
    """Errors from the driver used directly reach callers as SQLAlchemy's, as elsewhere."""
    dbapi = conn.dialect.loaded_dbapi
    try:
        yield
    except dbapi.Error as exc:
        raise DBAPIError.instance(statement, None, exc, dbapi.Error, dialect=conn.dialect) from exc


# SQLite: the statements run by the driver's own executemany on plain tuples (SQLAlchemy's
# per-row parameter handling cost more than SQLite's own work).
_SQLITE_INSERT = (
    "INSERT INTO data_value"
    " (org_unit_id, data_element_id, year, period, value, source, updated_by, updated_at, version)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)"
)
_SQLITE_UPDATE = (
    "UPDATE data_value SET value = ?, version = ?, source = ?, updated_by = ?, updated_at = ?"
    " WHERE org_unit_id = ? AND data_element_id = ? AND year = ? AND period = ? AND version = ?"
)
_SQLITE_AUDIT = (
    "INSERT INTO audit_log"
    " (org_unit_id, data_element_id, year, period, action, old_value, new_value, changed_by, changed_at, source,"
    " import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_SQLITE_KEY_TAKEN = ("SQLITE_CONSTRAINT_PRIMARYKEY", "SQLITE_CONSTRAINT_UNIQUE")
_SQLITE_STATEMENTS = "\n".join((_SQLITE_INSERT, _SQLITE_UPDATE, _SQLITE_AUDIT))  # for error messages


def _write_sqlite(
    conn: Connection,
    writes: Sequence[_Write],
    by: str,
    now: datetime,
    source: str,
    batch_id: int,
    code_of: Mapping[int, str],
) -> tuple[int, int]:
    """(inserted, updated) by the sqlite3 driver's executemany, inside `BEGIN IMMEDIATE`."""
    if not writes:
        return 0, 0
    # The timestamp as SQLAlchemy stores it on SQLite (same text as the other writes).
    stamp_type = DataValue.__table__.c.updated_at.type.dialect_impl(conn.dialect)
    to_text = stamp_type.bind_processor(conn.dialect)
    stamp = to_text(now) if to_text else now
    # Figures in key order: the primary key's index is then filled page by page.
    new_rows = sorted((*key, c.new, source, by, stamp) for key, c, is_new in writes if is_new)
    upd_rows = sorted(
        ((c.new, (c.version or 0) + 1, source, by, stamp, *key, c.version) for key, c, is_new in writes if not is_new),
        key=lambda r: r[5:9],
    )
    with closing(conn.connection.driver_connection.cursor()) as cur, _driver_errors(conn, _SQLITE_STATEMENTS):
        if new_rows:
            # A plain INSERT stops at a figure stored meanwhile; the savepoint undoes the
            # rows before it, so that every such figure can be named.
            cur.execute("SAVEPOINT import_insert")
            try:
                cur.executemany(_SQLITE_INSERT, new_rows)
            except sqlite3.IntegrityError as exc:
                if getattr(exc, "sqlite_errorname", "") not in _SQLITE_KEY_TAKEN:
                    raise
                cur.execute("ROLLBACK TO import_insert")
                cur.execute("RELEASE import_insert")
                wanted = {r[:4] for r in new_rows}
                taken = _stored_values(
                    conn, sorted({k[0] for k in wanted}), sorted({k[2] for k in wanted}), sorted({k[1] for k in wanted})
                )
                lost = [(code_of[k[0]], k[1], k[2], k[3]) for k in wanted if k in taken]
                raise ImportConflict(sorted(lost or [(code_of[k[0]], k[1], k[2], k[3]) for k in wanted])) from None
            cur.execute("RELEASE import_insert")
        updated = 0
        if upd_rows:
            cur.executemany(_SQLITE_UPDATE, upd_rows)
            updated = cur.rowcount
            if updated != len(upd_rows):
                raise ImportConflict(
                    [(code_of[key[0]], key[1], key[2], key[3]) for key, _c, is_new in writes if not is_new]
                )
        cur.executemany(
            _SQLITE_AUDIT,
            [
                (*key, "insert" if is_new else "update", c.old, c.new, by, stamp, source, batch_id)
                for key, c, is_new in writes
            ],
        )
    return len(new_rows), updated


# PostgreSQL: the changes go to a temporary table by COPY (one stream, no per-row round
# trip), then one statement each inserts, updates and audits them all. The table lives
# for the transaction only (dropped at commit or rollback).
_PG_STAGE_CREATE = (
    "CREATE TEMPORARY TABLE import_stage ("
    " seq integer NOT NULL, org_unit_id integer NOT NULL, data_element_id varchar(64) NOT NULL,"
    " year integer NOT NULL, period varchar(2) NOT NULL, is_new boolean NOT NULL,"
    " old_value double precision, new_value double precision NOT NULL, version integer"
    ") ON COMMIT DROP"
)
_PG_STAGE_COPY = (
    "COPY import_stage (seq, org_unit_id, data_element_id, year, period, is_new, old_value, new_value, version)"
    " FROM STDIN"
)
# Inserted in key order (the primary key's index is then filled page by page). A plain
# INSERT, not ON CONFLICT DO NOTHING: a figure stored by someone else meanwhile fails it
# with a unique violation just the same (after waiting for their commit), without a
# speculative insertion per row; `_PG_LOST` then names every such figure.
_PG_INSERT = """
INSERT INTO data_value
    (org_unit_id, data_element_id, year, period, value, source, updated_by, updated_at, version)
SELECT org_unit_id, data_element_id, year, period, new_value, :source, :by, :now, 1
FROM import_stage WHERE is_new
ORDER BY org_unit_id, data_element_id, year, period
"""
_PG_LOST = """
SELECT s.org_unit_id, s.data_element_id, s.year, s.period
FROM import_stage s
JOIN data_value d
  ON d.org_unit_id = s.org_unit_id AND d.data_element_id = s.data_element_id
 AND d.year = s.year AND d.period = s.period
WHERE s.is_new
"""
# Only the version the dry run saw is overwritten.
_PG_UPDATE = """
UPDATE data_value d
SET value = s.new_value, version = s.version + 1, source = :source, updated_by = :by, updated_at = :now
FROM import_stage s
WHERE NOT s.is_new
  AND d.org_unit_id = s.org_unit_id AND d.data_element_id = s.data_element_id
  AND d.year = s.year AND d.period = s.period AND d.version = s.version
"""
_PG_AUDIT = """
INSERT INTO audit_log
    (org_unit_id, data_element_id, year, period, action, old_value, new_value, changed_by, changed_at, source, import_id)
SELECT org_unit_id, data_element_id, year, period, CASE WHEN is_new THEN 'insert' ELSE 'update' END,
       old_value, new_value, :by, :now, :source, :batch_id
FROM import_stage ORDER BY seq
"""


def _write_postgresql(
    conn: Connection,
    writes: Sequence[_Write],
    by: str,
    now: datetime,
    source: str,
    batch_id: int,
    code_of: Mapping[int, str],
) -> tuple[int, int]:
    """(inserted, updated) by COPY into a temporary table and three set-based statements."""
    if not writes:
        return 0, 0
    # The two sorts below (720,000 rows for a national year) stay in memory: this
    # transaction only.
    conn.exec_driver_sql("SET LOCAL work_mem = '128MB'")
    conn.exec_driver_sql(_PG_STAGE_CREATE)
    raw = conn.connection.driver_connection  # psycopg, inside the transaction `conn` opened
    with _driver_errors(conn, _PG_STAGE_COPY), raw.cursor() as cur, cur.copy(_PG_STAGE_COPY) as copy:
        for seq, (key, c, is_new) in enumerate(writes):
            copy.write_row((seq, key[0], key[1], key[2], key[3], is_new, c.old, c.new, c.version))
    conn.exec_driver_sql("ANALYZE import_stage")  # row counts for the planner: hash joins, not guesses
    params = {"source": source, "by": by, "now": now}
    n_new = sum(1 for _key, _c, is_new in writes if is_new)
    n_upd = len(writes) - n_new
    if n_new:
        savepoint = conn.begin_nested()
        try:
            conn.execute(text(_PG_INSERT), params)
        except IntegrityError as exc:
            if getattr(exc.orig, "sqlstate", None) != _UNIQUE_VIOLATION:
                raise
            savepoint.rollback()
            # Someone stored one of these figures after our re-read: report, never overwrite.
            lost = conn.execute(text(_PG_LOST)).all()
            keys = [(code_of[uid], de, year, period) for uid, de, year, period in lost]
            raise ImportConflict(
                sorted(keys) or sorted((code_of[k[0]], k[1], k[2], k[3]) for k, _c, new in writes if new)
            ) from None
        savepoint.commit()
    updated = conn.execute(text(_PG_UPDATE), params).rowcount if n_upd else 0
    if updated != n_upd:
        raise ImportConflict([(code_of[key[0]], key[1], key[2], key[3]) for key, _c, is_new in writes if not is_new])
    conn.execute(text(_PG_AUDIT), {**params, "batch_id": batch_id})
    return n_new, updated


def import_file(
    engine: Engine, plan: Plan, path: Path, by: str, *, dry_run: bool = False
) -> tuple[ImportPreview, ImportResult | None]:
    """Read, check and (unless `dry_run` or it has errors) apply one file from disk."""
    preview = prepare_import(engine, plan, path.read_bytes(), path.name)
    if dry_run or not preview.ok:
        return preview, None
    return preview, apply_import(engine, preview, by)
