"""Checking figures: each raw figure on its own (commune code and name, year, period,
data element, number), then the file's figures together (the plan's checks, FY >= H1)
and who may load them (the viewer's scope, closed periods). Writes nothing.

An empty value means "not reported": it is skipped, never stored as 0. A commune code
that lost its leading zero in Excel (`7615`) is restored when the padded code is known.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection

from data_access import access, locks
from data_access.access import AccessScope
from data_access.intake.issues import ImportIssue, ProgressCallback
from data_access.intake.read import ParsedFile, RawFigure, _cell_text
from data_access.place_resolution import period_end, unit_for_period
from i18n import fmt_date, t
from rules.checks import flow_consistency, run_checks
from rules.model import PERIODS, DataElement, LocalText, Plan

CODE_WIDTH = 5  # GSO commune codes are 5 digits
MIN_YEAR = 2000
_EPS = 1e-9
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


def _element_suggestion(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.75)
    return close[0] if close else ""


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


def _permission_issues(
    conn: Connection, figures: Sequence[Figure], scope: AccessScope | None = None
) -> list[ImportIssue]:
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
        for code in access.denied_codes(conn, scope, first_row, "editor")
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
