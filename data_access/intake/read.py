"""Reading a commune report file: bytes in, raw figures (text as written) and file-level
problems out. Nothing here knows the database or the plan.

The format is told by content (ZIP magic bytes for XLSX), never by the file name; the
CSV's encoding (UTF-8 with or without BOM, UTF-16, cp1258, cp1252) and separator (comma,
semicolon, tab) are sniffed. What one file may expand to is bounded before it is read
(`MAX_*`).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

from data_access.intake.issues import ImportIssue
from i18n import from_spreadsheet_text

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


# What a report file is, from its first bytes ("unknown": empty, nothing to read).
FileKind = Literal["csv", "xlsx", "xls", "unknown"]


@dataclass
class ParsedFile:
    kind: FileKind
    figures: list[RawFigure] = field(default_factory=list)
    issues: list[ImportIssue] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    empty_skipped: int = 0
    columns: dict[str, str] = field(default_factory=dict)  # field -> column label, for messages


def file_kind(data: bytes) -> FileKind:
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
