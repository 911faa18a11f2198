"""The targets file (`targets.yaml`): loader and validator.

The contract is `../shared/spec/targets-yaml.md`. A targets file is written and edited
by hand, so every mistake in it becomes a `TargetsIssue` (a catalogue key, its
parameters and the line) that reads as plain Vietnamese or English; nothing here ever
shows a traceback to a person. All mistakes in a file are reported together.

Public functions
----------------
- `validate_plan_file(path, units=None) -> ValidationResult` and
  `validate_plan_text(text, filename="targets.yaml", units=None) -> ValidationResult`
  (for an upload): the plan when the file has no error, and every error and warning.
- `load_plan(path, units=None) -> Plan`: the plan, or `TargetsFileError` (with
  `.issues`) when the file has any error.
- `match_area(text, units) -> OrgUnitRef | None`: the org unit `plan.area` names.
- `check_area(plan, units) -> list[TargetsIssue]`: the area check against a list of
  org units (an error when nothing matches; a warning when there are no org units).

`units` (a list of `OrgUnitRef`) is optional: without it the file is checked on its
own; with it `plan.area` is resolved too (an empty list gives the "skipped" warning).

How the file is read
--------------------
The text is composed with PyYAML's SafeLoader into a node tree, and the plan is built
from the nodes, so every key and value keeps its line (`start_mark.line + 1`) and
duplicate keys, which a plain `yaml.safe_load` silently drops, are reported.

Project additions to the spec (files written to the spec keep loading unchanged)
-------------------------------------------------------------------------------
- `plan.deadlines: {H1: "15/05", FY: "15/11"}`: the report deadlines as day/month,
  giving `Plan.deadlines` (default 15/05 and 15/11); an impossible date is an error.
- `description: {vi: ..., en: ...}` on an indicator: a longer explanation for users.
- `name`, `group` and `description` may be a plain string, used for both languages;
  in the `{vi, en}` form `en` may be left out (the Vietnamese text is used).
- A target may be written with `≥`, `≤` or a single `=` (read as `>=`, `<=`, `==`),
  and with a trailing `%` on a percent indicator (`">= 80%"`). A bare number with a
  stated `better` is stored as `">= 80"` / `"<= 2"` so that readers see the operator.
- `applies_to` may be one word instead of a list (`applies_to: area`).
- A data element defined by the plan without `kind` is taken as `stock` (warning);
  without `name` its id is used as its name (warning).

Which way is better (`Indicator.better`) is resolved here: the stated `better`; else
the first comparison target's operator (`>=`, `>` higher; `<=`, `<`, `== 0` lower);
else `decrease` (lower) / `increase` (higher); else higher.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import cast

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from data_access.standard_elements import STANDARD_DATA_ELEMENTS
from i18n import DEFAULT_LANG, t
from rules.model import (
    COMMUNES,
    COMPARISON_OPS,
    PERIODS,
    TREND_OPS,
    UNIT_SCALE,
    Better,
    Check,
    DataElement,
    H1Rule,
    Indicator,
    Kind,
    LocalText,
    OrgUnitRef,
    Plan,
    Target,
    ValueType,
)

_FAST_LOADER = getattr(yaml, "CSafeLoader", None)  # None without libyaml: the pure parser only

__all__ = [
    "TargetsFileError",
    "TargetsIssue",
    "ValidationResult",
    "check_area",
    "load_plan",
    "match_area",
    "validate_plan_file",
    "validate_plan_text",
]

# --- the vocabulary of the file -------------------------------------------------------

TOP_KEYS = ("version", "plan", "data_elements", "indicators", "checks")
PLAN_KEYS = ("id", "title", "issued_by", "document", "area", "years", "deadlines")
PLAN_REQUIRED = ("id", "title", "area", "years")
ELEMENT_KEYS = ("name", "kind", "type")
INDICATOR_KEYS = (
    "id",
    "name",
    "group",
    "description",
    "numerator",
    "denominator",
    "unit",
    "targets",
    "tolerance",
    "better",
    "h1",
    "applies_to",
    "eligibility",
    "source",
)
INDICATOR_REQUIRED = ("id", "name", "numerator", "unit")
ELIGIBILITY_KEYS = ("requires_zero",)
TEXT_KEYS = ("vi", "en")
KINDS = ("stock", "flow")
VALUE_TYPES = ("count", "yes_no", "number")
BETTER = ("higher", "lower")
H1_RULES = ("half", "full")
APPLIES_TO = {"area": "area", "district": "area", "province": "area", "commune": "commune"}
UNITS = tuple(UNIT_SCALE)

_PLAN_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_INDICATOR_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_ELEMENT_ID_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_OPS_WRITTEN = {">=": ">=", "<=": "<=", "==": "==", "=": "==", ">": ">", "<": "<", "≥": ">=", "≤": "<="}
_TARGET_RE = re.compile(r"^(>=|<=|==|=|>|<|≥|≤)\s*(\d+(?:\.\d+)?)\s*(%?)$")
_BARE_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*(%?)$")
_CHECK_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|==|<|>)\s*([A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?)\s*$")
_DEADLINE_RE = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{1,2})\s*$")
_MIN_YEAR, _MAX_YEAR = 2000, 2100


# --- issues and results ---------------------------------------------------------------


@dataclass
class TargetsIssue:
    """One problem in a targets file: a catalogue key, its parameters and the line."""

    line: int | None
    key: str
    params: dict[str, object] = field(default_factory=dict)
    severity: str = "error"  # "error" | "warning"

    def message(self, lang: str = DEFAULT_LANG) -> str:
        """'Dòng 14: khóa không hợp lệ …' / 'Line 14: unknown key …'."""
        body = t(self.key, lang, **self.params)
        if self.line is None:
            return body[:1].upper() + body[1:]
        return f"{t('targets_line', lang, line=self.line)}: {body}"


@dataclass
class ValidationResult:
    """The plan (None when the file has an error) with every error and warning."""

    plan: Plan | None
    errors: list[TargetsIssue] = field(default_factory=list)
    warnings: list[TargetsIssue] = field(default_factory=list)
    filename: str = "targets.yaml"

    @property
    def ok(self) -> bool:
        return not self.errors

    def messages(self, lang: str = DEFAULT_LANG) -> list[str]:
        """Errors then warnings, as text."""
        return [issue.message(lang) for issue in (*self.errors, *self.warnings)]


class TargetsFileError(ValueError):
    """A targets file that cannot be used; `.issues` lists every error in it."""

    def __init__(self, issues: Sequence[TargetsIssue], filename: str = "targets.yaml") -> None:
        self.issues: list[TargetsIssue] = list(issues)
        self.filename = filename
        super().__init__(self.describe())

    def describe(self, lang: str = DEFAULT_LANG) -> str:
        head = t("targets_file_has_errors", lang, file=self.filename, count=len(self.issues))
        return "\n".join([head, *(f"  - {issue.message(lang)}" for issue in self.issues)])


# --- entry points -----------------------------------------------------------------------


def validate_plan_file(path: str | Path, units: Sequence[OrgUnitRef] | None = None) -> ValidationResult:
    """Read and check a targets file; see `validate_plan_text`."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return ValidationResult(
            None, [TargetsIssue(None, "targets_file_not_found", {"file": str(path)})], [], str(path)
        )
    except OSError as exc:
        issue = TargetsIssue(None, "targets_file_unreadable", {"file": str(path), "detail": exc.strerror or str(exc)})
        return ValidationResult(None, [issue], [], str(path))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return ValidationResult(None, [TargetsIssue(line, "targets_file_encoding", {})], [], str(path))
    return validate_plan_text(text, path.name, units)


def validate_plan_text(
    text: str, filename: str = "targets.yaml", units: Sequence[OrgUnitRef] | None = None
) -> ValidationResult:
    """Check the text of a targets file (e.g. an upload) and build the plan from it.

    Every error is reported, each with its line. With `units`, `plan.area` is resolved
    against them as well (no units at all gives a warning that the check was skipped).
    """
    reader = _Reader()
    plan = reader.read(text.lstrip("\ufeff"))
    if plan is not None and units is not None:
        for issue in check_area(plan, units):
            (reader.errors if issue.severity == "error" else reader.warnings).append(issue)
    errors = _sorted(reader.errors)
    warnings = _sorted(reader.warnings)
    return ValidationResult(plan if not errors else None, errors, warnings, filename)


def load_plan(path: str | Path, units: Sequence[OrgUnitRef] | None = None) -> Plan:
    """The plan in a targets file; `TargetsFileError` listing every error otherwise."""
    result = validate_plan_file(path, units)
    if result.errors or result.plan is None:
        raise TargetsFileError(result.errors, result.filename)
    return result.plan


# --- area resolution ----------------------------------------------------------------------

# Unit types a name may be prefixed with ("xã Chi Lăng"); longest first.
TYPE_PREFIXES: tuple[str, ...] = (
    "thành phố",
    "thị trấn",
    "thị xã",
    "đặc khu",
    "phường",
    "huyện",
    "quận",
    "tỉnh",
    "xã",
)


def _norm(text: str) -> str:
    """Case, Unicode normalisation (NFC/NFD) and spacing ignored."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _fold(text: str) -> str:
    """As `_norm`, and diacritics ignored too (đ → d)."""
    decomposed = unicodedata.normalize("NFD", _norm(text)).replace("đ", "d")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _candidates(query: str, units: Sequence[OrgUnitRef], fold: Callable[[str], str]) -> list[OrgUnitRef]:
    """Units whose name or full name is `query`, or (with a type prefix such as
    "xã …") whose name is the rest and whose type is that prefix; all compared via `fold`."""
    q = fold(query)
    typed: tuple[str, str] | None = None
    for prefix in TYPE_PREFIXES:
        p = fold(prefix)
        if q.startswith(p + " ") and len(q) > len(p) + 1:
            typed = (p, q[len(p) + 1 :].strip())
            break
    found: list[OrgUnitRef] = []
    for unit in units:
        name = fold(unit.name)
        hit = q in (name, fold(unit.full_name))
        if not hit and typed is not None:
            hit = name == typed[1] and fold(unit.type) == typed[0]
        if hit and unit not in found:
            found.append(unit)
    return found


LEVEL_RANK = {"country": 0, "province": 1, "district": 2, "commune": 3, "village": 4}


def _highest(found: list[OrgUnitRef]) -> OrgUnitRef | None:
    """The one unit at the highest level, or None if several tie. The level decides
    before the depth: since 2025 a commune hangs straight under its province, at the
    depth of an old district ("Chi Lăng" the district, not the new Xã Chi Lăng of Bắc Ninh)."""

    def rank(u: OrgUnitRef) -> tuple[int, int]:
        return LEVEL_RANK.get(u.level, 9), u.depth

    top = min(rank(u) for u in found)
    at_top = [u for u in found if rank(u) == top]
    return at_top[0] if len(at_top) == 1 else None


def match_area(text: str, units: Sequence[OrgUnitRef]) -> OrgUnitRef | None:
    """The org unit `text` names, or None when none (or more than one) fits.

    - A code matches exactly.
    - A name (or full name, "Thị trấn An Châu") matches ignoring case and Unicode
      normalisation; a prefix ("xã", "thị trấn", "huyện", "tỉnh", "phường" …) picks
      units of that type. Where the name fits units at several levels, the highest
      level (smallest depth) wins; two units at that level are ambiguous (None).
    - Only if nothing matched: the same ignoring diacritics (đ = d), provided the units
      found all carry one and the same name ("Chi Lang" → the district Chi Lăng; "Son Ha"
      fitting both "Sơn Hà" and "Sơn Hạ" → None).
    """
    query = (text or "").strip()
    if not query:
        return None
    for unit in units:
        if unit.code == query:
            return unit
    found = _candidates(query, units, _norm)
    if found:
        return _highest(found)
    found = _candidates(query, units, _fold)
    if not found or len({_norm(u.name) for u in found}) > 1:
        return None
    return _highest(found)


def check_area(plan: Plan, units: Sequence[OrgUnitRef]) -> list[TargetsIssue]:
    """An error (at the line of `plan.area`) when the area matches no org unit; a
    warning that the check was skipped when there are no org units to check against."""
    line = plan.area_line or None
    if not units:
        return [TargetsIssue(line, "targets_area_check_skipped", {"area": plan.area}, "warning")]
    if match_area(plan.area, units) is None:
        names = sorted({u.name for u in units if u.level != "commune"} | {u.full_name for u in units})
        hint = difflib.get_close_matches(plan.area, names, n=1, cutoff=0.6)
        if hint:
            return [TargetsIssue(line, "targets_area_not_found_hint", {"area": plan.area, "suggestion": hint[0]})]
        return [TargetsIssue(line, "targets_area_not_found", {"area": plan.area})]
    return []


# --- reading ------------------------------------------------------------------------------


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _sorted(issues: list[TargetsIssue]) -> list[TargetsIssue]:
    return sorted(issues, key=lambda i: -1 if i.line is None else i.line)


def _fmt_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _suggest(word: str, choices: Iterable[str]) -> str | None:
    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered:
        return lowered[word.lower()]
    hits = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return hits[0] if hits else None


@dataclass
class _Map:
    """A YAML mapping with the line of every key (duplicates already reported)."""

    line: int
    values: dict[str, Node]
    key_lines: dict[str, int]
    suggested: set[str]  # allowed keys an unknown key probably meant (typos)

    def get(self, key: str) -> Node | None:
        return self.values.get(key)


@dataclass
class _Header:
    """What `plan:` says; a field is None when missing or wrong (already reported)."""

    id: str | None = None
    title: str | None = None
    area: str | None = None
    area_line: int = 0
    years: list[int] | None = None
    issued_by: str | None = None
    document: str | None = None
    deadlines: dict[str, tuple[int, int]] | None = None


@dataclass
class _IndicatorDraft:
    indicator: Indicator | None
    id: str | None
    line: int


def _open_quote_line(text: str, error_line: int) -> int | None:
    """Where a quote was left open, if that explains a syntax error on `error_line`.

    An unclosed quote swallows the following line(s) up to the next quote character, and
    PyYAML then complains at that point, about the indentation. So: the start line of a
    quoted value that runs over several lines and ends on (or just before) the error line.
    """
    found: int | None = None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if not isinstance(token, yaml.ScalarToken) or token.style not in ('"', "'"):
                continue
            start, end = token.start_mark.line + 1, token.end_mark.line + 1
            if end > start and error_line - 1 <= end <= error_line:
                found = start
    except yaml.YAMLError:
        pass
    return found


# Syntax problems as PyYAML words them -> (catalogue key, use the context mark's line).
_SYNTAX_PROBLEMS: tuple[tuple[str, str, bool], ...] = (
    ("found character '\\t'", "targets_syntax_tab", False),
    ("mapping values are not allowed here", "targets_syntax_colon", False),
    ("could not find expected ':'", "targets_syntax_missing_colon", True),
    ("expected <block end>", "targets_syntax_indent", False),
    ("did not find expected key", "targets_syntax_indent", False),
    ("did not find expected '-' indicator", "targets_syntax_indent", False),
    ("expected ',' or ']'", "targets_syntax_bracket", True),
    ("expected ',' or '}'", "targets_syntax_bracket", True),
    ("but found another document", "targets_syntax_multi_doc", False),
)


class _Reader:
    """Builds a `Plan` from the node tree, collecting every issue on the way."""

    def __init__(self) -> None:
        self.errors: list[TargetsIssue] = []
        self.warnings: list[TargetsIssue] = []
        self._constructor = SafeConstructor()

    # -- issues
    def error(self, line: int | None, code: str, /, **params: object) -> None:
        self.errors.append(TargetsIssue(line, code, dict(params)))

    def warn(self, line: int | None, code: str, /, **params: object) -> None:
        self.warnings.append(TargetsIssue(line, code, dict(params), "warning"))

    # -- YAML building blocks
    def compose(self, text: str) -> Node | None:
        if _FAST_LOADER is not None:
            # libyaml composes a valid file ~10x faster (each page start reads every plan
            # of the deployment); a broken one is read again below, so that its message
            # and line are the pure-Python parser's, the ones the messages were written for.
            try:
                return yaml.compose(text, Loader=_FAST_LOADER)
            except yaml.YAMLError:
                pass
        try:
            return yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            problem = f"{exc.problem or ''} {exc.context or ''}"
            key, use_context = "targets_syntax_other", False
            for needle, catalogue_key, ctx in _SYNTAX_PROBLEMS:
                if needle in problem:
                    key, use_context = catalogue_key, ctx
                    break
            if "while scanning a quoted scalar" in (exc.context or ""):
                key, use_context = "targets_syntax_quote", True
            mark = exc.context_mark if use_context and exc.context_mark else exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else None
            quote_line = _open_quote_line(text, line) if line is not None and key != "targets_syntax_tab" else None
            if quote_line is not None:
                key, line = "targets_syntax_quote", quote_line
            self.error(line, key, detail=(exc.problem or exc.context or "").strip())
        except yaml.YAMLError as exc:  # not marked: very unusual
            self.error(None, "targets_syntax_other", detail=str(exc))
        return None

    def value(self, node: ScalarNode) -> object:
        try:
            return self._constructor.construct_object(node, deep=True)
        except yaml.YAMLError:
            self.error(_line(node), "targets_bad_tag", tag=node.tag)
            return node.value  # reported; read on as plain text to find further mistakes

    def mapping(self, node: Node, where: str, allowed: Sequence[str] | None) -> _Map | None:
        """The mapping at `node`; unknown keys (against `allowed`) and duplicates reported."""
        if not isinstance(node, MappingNode):
            if isinstance(node, ScalarNode) and node.tag.endswith(":null"):
                return _Map(_line(node), {}, {}, set())
            self.error(_line(node), "targets_not_mapping", field=where)
            return None
        result = _Map(_line(node), {}, {}, set())
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.error(_line(key_node), "targets_key_not_text", field=where)
                continue
            key = str(key_node.value)
            if key in result.values:
                self.error(_line(key_node), "targets_duplicate_key", key=key, first_line=result.key_lines[key])
                continue
            result.values[key] = value_node
            result.key_lines[key] = _line(key_node)
            if allowed is not None and key not in allowed:
                hint = _suggest(key, allowed)
                if hint is not None:
                    result.suggested.add(hint)
                    self.error(_line(key_node), "targets_unknown_key_hint", key=key, suggestion=hint)
                else:
                    self.error(_line(key_node), "targets_unknown_key", key=key, allowed=", ".join(allowed))
        return result

    def sequence(self, node: Node, where: str) -> list[Node] | None:
        if isinstance(node, SequenceNode):
            return list(node.value)
        if isinstance(node, ScalarNode) and node.tag.endswith(":null"):
            return []
        self.error(_line(node), "targets_not_list", field=where)
        return None

    def text(self, m: _Map, key: str, where: str) -> str | None:
        node = m.get(key)
        if node is None:
            return None
        if not isinstance(node, ScalarNode):
            self.error(_line(node), "targets_not_text", field=where)
            return None
        value = self.value(node)
        if value is None or str(value).strip() == "":
            self.error(_line(node), "targets_empty_value", field=where)
            return None
        return str(value).strip()

    def local_text(self, m: _Map, key: str, where: str) -> LocalText | None:
        node = m.get(key)
        if node is None:
            return None
        if isinstance(node, ScalarNode):
            text = self.text(m, key, where)
            return LocalText(text, text) if text else None
        texts = self.mapping(node, where, TEXT_KEYS)
        if texts is None:
            return None
        vi = self.text(texts, "vi", f"{where}.vi")
        en = self.text(texts, "en", f"{where}.en")
        if "vi" not in texts.values and "vi" not in texts.suggested:
            self.error(texts.line, "targets_missing_field", field="vi", section=where)
        if vi is None:
            return None
        return LocalText(vi, en or vi)

    def require(
        self, m: _Map, fields: Sequence[str], section: str, indicator: str | None = None, line: int | None = None
    ) -> None:
        """Report each of `fields` missing from `m` (at `line`, default the mapping's first line)."""
        for name in fields:
            if name in m.values or name in m.suggested:
                continue  # a typo of it was already reported as an unknown key
            if indicator is not None:
                self.error(line or m.line, "targets_missing_field_indicator", field=name, indicator=indicator)
            else:
                self.error(line or m.line, "targets_missing_field", field=name, section=section)

    # -- the whole file
    def read(self, text: str) -> Plan | None:
        root = self.compose(text)
        if root is None:
            if not self.errors:
                self.error(None, "targets_empty_file")
            return None
        if not isinstance(root, MappingNode):
            self.error(_line(root), "targets_root_not_mapping")
            return None
        top = self.mapping(root, "", TOP_KEYS)
        if top is None or not top.values:
            self.error(None, "targets_empty_file")
            return None
        for section in ("plan", "indicators"):
            if section not in top.values and section not in top.suggested:
                self.error(None, "targets_missing_section", field=section)
        self.version(top)

        header = self.plan_header(top.get("plan"), top.key_lines.get("plan"))
        elements = self.data_elements(top.get("data_elements"))
        known = set(elements)
        indicators = self.indicators(top, known, header.years)
        checks = self.checks(top.get("checks"), known)

        if self.errors or header.id is None or header.title is None or header.area is None or not header.years:
            return None
        return Plan(
            id=header.id,
            title=header.title,
            area=header.area,
            years=tuple(header.years),
            data_elements=elements,
            indicators=tuple(indicators),
            checks=tuple(checks),
            issued_by=header.issued_by,
            document=header.document,
            deadlines=header.deadlines or {},
            area_line=header.area_line,
        )

    def version(self, top: _Map) -> None:
        node = top.get("version")
        if node is None:
            self.warn(None, "targets_version_missing")
            return
        value = self.value(node) if isinstance(node, ScalarNode) else None
        if isinstance(value, bool) or value not in (1, "1"):
            shown = node.value if isinstance(node, ScalarNode) else "…"
            self.error(_line(node), "targets_version", value=shown)

    # -- plan:
    def plan_header(self, node: Node | None, key_line: int | None) -> _Header:
        header = _Header()
        if node is None:
            return header
        m = self.mapping(node, "plan", PLAN_KEYS)
        if m is None:
            return header
        self.require(m, PLAN_REQUIRED, "plan", line=key_line)
        header.id = self.text(m, "id", "plan.id")
        if header.id is not None and not _PLAN_ID_RE.match(header.id):
            self.error(m.key_lines["id"], "targets_plan_id_invalid", value=header.id)
        header.title = self.text(m, "title", "plan.title")
        header.area = self.text(m, "area", "plan.area")
        header.area_line = _line(m.values["area"]) if "area" in m.values else m.line
        header.issued_by = self.text(m, "issued_by", "plan.issued_by")
        header.document = self.text(m, "document", "plan.document")
        header.years = self.years(m.get("years"))
        header.deadlines = self.deadlines(m.get("deadlines"))
        return header

    def years(self, node: Node | None) -> list[int] | None:
        if node is None:
            return None
        if not isinstance(node, SequenceNode) or not node.value:
            self.error(_line(node), "targets_years_invalid")
            return None
        years: list[int] = []
        ok = True
        for item in node.value:
            value = self.value(item) if isinstance(item, ScalarNode) else None
            if isinstance(value, bool) or not isinstance(value, int) or not _MIN_YEAR <= value <= _MAX_YEAR:
                shown = item.value if isinstance(item, ScalarNode) else "…"
                self.error(_line(item), "targets_year_value_invalid", value=shown)
                ok = False
            elif value in years:
                self.error(_line(item), "targets_year_repeated", year=value)
                ok = False
            else:
                years.append(value)
        return years if ok else None

    def deadlines(self, node: Node | None) -> dict[str, tuple[int, int]] | None:
        result: dict[str, tuple[int, int]] = {"H1": (15, 5), "FY": (15, 11)}
        if node is None:
            return result
        m = self.mapping(node, "plan.deadlines", PERIODS)
        if m is None:
            return None
        ok = True
        for period in PERIODS:
            value_node = m.get(period)
            if value_node is None:
                continue
            value = self.value(value_node) if isinstance(value_node, ScalarNode) else None
            match = _DEADLINE_RE.match(value) if isinstance(value, str) else None
            day_month: tuple[int, int] | None = None
            if match:
                day, month = int(match.group(1)), int(match.group(2))
                try:
                    date(2024, month, day)  # a leap year, so 29/02 is allowed
                    day_month = (day, month)
                except ValueError:
                    day_month = None
            if day_month is None:
                shown = value_node.value if isinstance(value_node, ScalarNode) else "…"
                self.error(_line(value_node), "targets_deadline_invalid", period=period, value=shown)
                ok = False
            else:
                result[period] = day_month
        return result if ok else None

    # -- data_elements:
    def data_elements(self, node: Node | None) -> dict[str, DataElement]:
        elements = dict(STANDARD_DATA_ELEMENTS)
        if node is None:
            return elements
        m = self.mapping(node, "data_elements", None)
        if m is None:
            return elements
        for de_id, de_node in m.values.items():
            line = m.key_lines[de_id]
            if de_id == COMMUNES:
                self.error(line, "targets_communes_reserved")
                continue
            if not _ELEMENT_ID_RE.match(de_id):
                self.error(line, "targets_element_id_invalid", value=de_id)
                continue
            element = self.data_element(de_id, de_node, line)
            if element is not None:
                elements[de_id] = element
        return elements

    def data_element(self, de_id: str, node: Node, line: int) -> DataElement | None:
        where = f"data_elements.{de_id}"
        m = self.mapping(node, where, ELEMENT_KEYS)
        if m is None:
            return None
        standard = STANDARD_DATA_ELEMENTS.get(de_id)
        name = self.local_text(m, "name", f"{where}.name")
        kind = self.text(m, "kind", f"{where}.kind")
        value_type = self.text(m, "type", f"{where}.type")
        ok = True
        if kind is not None and kind not in KINDS:
            self._bad_choice(m, "kind", "targets_unknown_kind", kind, KINDS, element=de_id)
            ok = False
        if value_type is not None and value_type not in VALUE_TYPES:
            self._bad_choice(m, "type", "targets_unknown_type", value_type, VALUE_TYPES, element=de_id)
            ok = False
        if standard is not None:
            for key, stated, expected in (("kind", kind, standard.kind), ("type", value_type, standard.type)):
                if ok and stated is not None and stated != expected:
                    self.error(
                        m.key_lines[key],
                        "targets_standard_mismatch",
                        element=de_id,
                        field=key,
                        value=stated,
                        standard=expected,
                    )
                    ok = False
            if not ok:
                return None
            return DataElement(de_id, name or standard.name, standard.kind, standard.type, standard=True)
        if not ok:
            return None
        if kind is None and "kind" not in m.values:
            self.warn(line, "targets_kind_assumed", element=de_id)
        if name is None and "name" not in m.values:
            self.warn(line, "targets_element_name_missing", element=de_id)
        return DataElement(
            de_id,
            name or LocalText(de_id, de_id),
            cast(Kind, kind or "stock"),
            cast(ValueType, value_type or "count"),
            standard=False,
        )

    def _bad_choice(
        self, m: _Map, key: str, catalogue_key: str, value: str, choices: Sequence[str], **params: object
    ) -> None:
        node = m.values[key]
        hint = _suggest(value, choices)
        self.error(
            _line(node),
            catalogue_key + ("_hint" if hint else ""),
            value=value,
            allowed=", ".join(choices),
            suggestion=hint or "",
            **params,
        )

    # -- indicators:
    def indicators(self, top: _Map, known: set[str], years: list[int] | None) -> list[Indicator]:
        node = top.get("indicators")
        if node is None:
            return []
        items = self.sequence(node, "indicators")
        if items is None:
            return []
        if not items:
            self.error(top.key_lines["indicators"], "targets_indicators_empty")
            return []
        out: list[Indicator] = []
        first_line: dict[str, int] = {}
        for index, item in enumerate(items):
            draft = self.indicator(item, index, known, years)
            if draft.id is not None:
                if draft.id in first_line:
                    self.error(draft.line, "targets_duplicate_indicator", id=draft.id, first_line=first_line[draft.id])
                else:
                    first_line[draft.id] = draft.line
            if draft.indicator is not None:
                out.append(draft.indicator)
        return out

    def indicator(self, node: Node, index: int, known: set[str], years: list[int] | None) -> _IndicatorDraft:
        line = _line(node)
        m = self.mapping(node, f"indicators[{index + 1}]", INDICATOR_KEYS)
        if m is None:
            return _IndicatorDraft(None, None, line)
        ind_id = self.text(m, "id", "id")
        if ind_id is not None and not _INDICATOR_ID_RE.match(ind_id):
            self.error(m.key_lines["id"], "targets_indicator_id_invalid", value=ind_id)
        label = ind_id or f"#{index + 1}"
        errors_before = len(self.errors)
        self.require(m, INDICATOR_REQUIRED, label, indicator=label)

        name = self.local_text(m, "name", f"{label}.name")
        group = self.local_text(m, "group", f"{label}.group")
        description = self.local_text(m, "description", f"{label}.description")
        source = self.text(m, "source", f"{label}.source")
        numerator = self.element_ref(m, "numerator", label, known)
        denominator = self.element_ref(m, "denominator", label, known)

        unit = self.text(m, "unit", f"{label}.unit")
        if unit is not None and unit not in UNIT_SCALE:
            self._bad_choice(m, "unit", "targets_unknown_unit", unit, UNITS, indicator=label)
            unit = None
        elif unit == "count" and "denominator" in m.values:
            self.error(m.key_lines["denominator"], "targets_denominator_for_count", indicator=label)
        elif unit is not None and unit != "count" and "denominator" not in m.values:
            self.error(m.key_lines["unit"], "targets_denominator_missing", indicator=label, unit=unit)

        stated_better = self.text(m, "better", f"{label}.better")
        if stated_better is not None and stated_better not in BETTER:
            self._bad_choice(m, "better", "targets_better_invalid", stated_better, BETTER, indicator=label)
            stated_better = None
        targets = self.targets(m, label, unit, stated_better, years)
        better = self.resolve_better(m, label, stated_better, targets)
        tolerance = self.tolerance(m, label)
        h1 = self.text(m, "h1", f"{label}.h1")
        if h1 is not None and h1 not in H1_RULES:
            self._bad_choice(m, "h1", "targets_h1_invalid", h1, H1_RULES, indicator=label)
            h1 = None
        applies_to = self.applies_to(m, label)
        requires_zero = self.eligibility(m, label, known, better)

        if ind_id is None or name is None or numerator is None or unit is None or len(self.errors) > errors_before:
            return _IndicatorDraft(None, ind_id, line)
        return _IndicatorDraft(
            Indicator(
                id=ind_id,
                name=name,
                numerator=numerator,
                unit=unit,
                denominator=denominator,
                group=group,
                targets=targets,
                tolerance=tolerance,
                better=better,
                h1=cast(H1Rule | None, h1),
                applies_to=applies_to,
                requires_zero=requires_zero,
                source=source,
                description=description,
                line=line,
            ),
            ind_id,
            line,
        )

    def element_ref(self, m: _Map, key: str, label: str, known: set[str], allow_communes: bool = True) -> str | None:
        """A data element named by `key` (numerator, denominator)."""
        node = m.get(key)
        if node is None:
            return None
        if not isinstance(node, ScalarNode):
            self.error(_line(node), "targets_one_element", indicator=label, field=key)
            return None
        value = self.value(node)
        if value is None or str(value).strip() == "":
            self.error(_line(node), "targets_empty_value", field=f"{label}.{key}")
            return None
        return self.known_element(str(value).strip(), _line(node), label, key, known, allow_communes)

    def known_element(
        self, de_id: str, line: int, label: str, key: str, known: set[str], allow_communes: bool
    ) -> str | None:
        if de_id == COMMUNES:
            if allow_communes:
                return de_id
            self.error(line, "targets_communes_not_allowed", indicator=label, field=key)
            return None
        if de_id in known:
            return de_id
        if not _ELEMENT_ID_RE.match(de_id):
            self.error(line, "targets_one_element", indicator=label, field=key)
            return None
        choices = sorted(known | ({COMMUNES} if allow_communes else set()))
        hint = _suggest(de_id, choices)
        if hint is not None:
            self.error(
                line, "targets_undefined_element_hint", indicator=label, field=key, element=de_id, suggestion=hint
            )
        else:
            self.error(line, "targets_undefined_element", indicator=label, field=key, element=de_id)
        return None

    def targets(
        self, m: _Map, label: str, unit: str | None, stated_better: str | None, years: list[int] | None
    ) -> dict[int, Target]:
        node = m.get("targets")
        if node is None:
            return {}
        targets_map = self.mapping(node, f"{label}.targets", None)
        if targets_map is None:
            return {}
        out: dict[int, Target] = {}
        for year_text, value_node in targets_map.values.items():
            key_line = targets_map.key_lines[year_text]
            if not re.fullmatch(r"\d{4}", year_text.strip()):
                self.error(key_line, "targets_year_invalid", indicator=label, value=year_text)
                continue
            year = int(year_text)
            if years is not None and year not in years:
                self.error(
                    key_line, "targets_year_outside", indicator=label, year=year, years=", ".join(map(str, years))
                )
                continue
            target = self.target(value_node, label, year, unit, stated_better)
            if target is not None:
                out[year] = target
        return out

    def target(self, node: Node, label: str, year: int, unit: str | None, better: str | None) -> Target | None:
        line = _line(node)
        if not isinstance(node, ScalarNode):
            self.error(line, "targets_target_unparsed", indicator=label, year=year, text="…")
            return None
        value = self.value(node)
        if value is None or (isinstance(value, str) and not value.strip()):
            self.error(line, "targets_target_empty", indicator=label, year=year)
            return None
        if isinstance(value, bool):
            self.error(line, "targets_target_unparsed", indicator=label, year=year, text=node.value)
            return None
        percent_ok = unit in (None, "percent")
        if isinstance(value, int | float):
            return self._bare_number(line, label, year, float(value), better)
        text = str(value).strip()
        if text.lower() in TREND_OPS:
            return Target(text.lower(), None, text)
        match = _TARGET_RE.match(text)
        if match and (percent_ok or not match.group(3)):
            return Target(_OPS_WRITTEN[match.group(1)], float(match.group(2)), text)
        bare = _BARE_RE.match(text)
        if bare and (percent_ok or not bare.group(2)):
            return self._bare_number(line, label, year, float(bare.group(1)), better)
        self.error(line, "targets_target_unparsed", indicator=label, year=year, text=text)
        return None

    def _bare_number(self, line: int, label: str, year: int, number: float, better: str | None) -> Target | None:
        shown = _fmt_number(number)
        if better is None:
            self.error(line, "targets_target_bare_number", indicator=label, year=year, number=shown)
            return None
        op = ">=" if better == "higher" else "<="
        return Target(op, number, f"{op} {shown}")

    def resolve_better(self, m: _Map, label: str, stated: str | None, targets: dict[int, Target]) -> Better:
        comparisons = [tg for tg in targets.values() if tg.op in COMPARISON_OPS]
        implied: Better | None = None
        for tg in comparisons:
            if tg.op in (">=", ">"):
                implied = "higher"
            elif tg.op in ("<=", "<") or (tg.op == "==" and tg.number == 0):
                implied = "lower"
            else:
                continue
            if stated is not None and implied != stated:
                self.warn(
                    m.key_lines.get("better"), "targets_better_conflict", indicator=label, better=stated, target=tg.text
                )
                break
            if stated is None:
                break
        if stated is not None:
            return cast(Better, stated)
        if implied is not None:
            return implied
        for tg in targets.values():
            if tg.op == "decrease":
                return "lower"
            if tg.op == "increase":
                return "higher"
        return "higher"

    def tolerance(self, m: _Map, label: str) -> float | None:
        node = m.get("tolerance")
        if node is None:
            return None
        value = self.value(node) if isinstance(node, ScalarNode) else None
        if isinstance(value, bool) or not isinstance(value, int | float):
            shown = node.value if isinstance(node, ScalarNode) else "…"
            self.error(_line(node), "targets_tolerance_invalid", indicator=label, value=shown)
            return None
        if value < 0:
            self.error(_line(node), "targets_tolerance_negative", indicator=label, value=_fmt_number(value))
            return None
        return float(value)

    def applies_to(self, m: _Map, label: str) -> tuple[str, ...]:
        node = m.get("applies_to")
        if node is None:
            return ("area", "commune")
        items = (
            [node]
            if isinstance(node, ScalarNode) and not node.tag.endswith(":null")
            else self.sequence(node, f"{label}.applies_to")
        )
        if items is None:
            return ("area", "commune")
        if not items:
            self.error(_line(node), "targets_applies_to_empty", indicator=label)
            return ("area", "commune")
        chosen: set[str] = set()
        for item in items:
            word = str(self.value(item)).strip() if isinstance(item, ScalarNode) else "…"
            if word not in APPLIES_TO:
                hint = _suggest(word, APPLIES_TO)
                self.error(
                    _line(item),
                    "targets_applies_to_invalid_hint" if hint else "targets_applies_to_invalid",
                    indicator=label,
                    value=word,
                    suggestion=hint or "",
                )
                continue
            chosen.add(APPLIES_TO[word])
        return tuple(level for level in ("area", "commune") if level in chosen) or ("area", "commune")

    def eligibility(self, m: _Map, label: str, known: set[str], better: str) -> tuple[str, ...]:
        node = m.get("eligibility")
        if node is None:
            return ()
        rule = self.mapping(node, f"{label}.eligibility", ELIGIBILITY_KEYS)
        if rule is None:
            return ()
        self.require(rule, ELIGIBILITY_KEYS, f"{label}.eligibility", line=m.key_lines["eligibility"])
        if better == "lower":
            self.error(m.key_lines["eligibility"], "targets_eligibility_lower", indicator=label)
        zero_node = rule.get("requires_zero")
        if zero_node is None:
            return ()
        items = (
            [zero_node]
            if isinstance(zero_node, ScalarNode)
            else self.sequence(zero_node, f"{label}.eligibility.requires_zero")
        )
        out: list[str] = []
        for item in items or []:
            if not isinstance(item, ScalarNode):
                self.error(_line(item), "targets_one_element", indicator=label, field="requires_zero")
                continue
            de_id = self.known_element(str(item.value).strip(), _line(item), label, "requires_zero", known, False)
            if de_id is not None and de_id not in out:
                out.append(de_id)
        return tuple(out)

    # -- checks:
    def checks(self, node: Node | None, known: set[str]) -> list[Check]:
        if node is None:
            return []
        items = self.sequence(node, "checks")
        out: list[Check] = []
        for item in items or []:
            line = _line(item)
            text = str(self.value(item)) if isinstance(item, ScalarNode) else ""
            match = _CHECK_RE.match(text) if text else None
            if match is None:
                self.error(line, "targets_check_syntax", check=text or "…")
                continue
            left, op, right = match.groups()
            ok = self.check_side(left, line, text, known)
            if not re.fullmatch(r"\d+(?:\.\d+)?", right):
                ok = self.check_side(right, line, text, known) and ok
            if ok:
                out.append(Check(left, op, right, text.strip(), line))
        return out

    def check_side(self, de_id: str, line: int, text: str, known: set[str]) -> bool:
        if de_id in known:
            return True
        if de_id == COMMUNES:
            self.error(line, "targets_check_communes", check=text)
            return False
        hint = _suggest(de_id, sorted(known))
        if hint is not None:
            self.error(line, "targets_check_undefined_hint", check=text, element=de_id, suggestion=hint)
        else:
            self.error(line, "targets_check_undefined", check=text, element=de_id)
        return False
