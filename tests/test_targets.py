"""The targets-file loader and validator (data_access/targets.py), case by case.

Each error case starts from a small valid plan, makes one mistake, and checks that the
mistake is reported once, with the right catalogue key and the line the mistake is on
(found in the text by a marker, not typed in by hand).
"""

from __future__ import annotations

import csv
import textwrap
import unicodedata
from pathlib import Path

import pytest

from data_access.targets import (
    TargetsFileError,
    TargetsIssue,
    ValidationResult,
    check_area,
    load_plan,
    match_area,
    validate_plan_file,
    validate_plan_text,
)
from i18n import catalogue
from rules.model import OrgUnitRef

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

BASE = textwrap.dedent(
    """\
    version: 1
    plan:
      id: test-plan
      title: "Kế hoạch thử"
      area: "Sơn Động"
      years: [2024, 2025]

    data_elements:
      cfc_recognised:
        name: {vi: "Xã được công nhận phù hợp với trẻ em", en: "Commune recognised child-friendly"}
        kind: stock
        type: yes_no

    indicators:
      - id: injury_rate
        name: {vi: "Tỷ suất trẻ em bị tai nạn thương tích", en: "Child injury rate"}
        numerator: injury_cases
        denominator: children_total
        unit: per_1000
        targets: {2024: "< 3"}

      - id: cfc_rate
        name: {vi: "Tỷ lệ xã phù hợp với trẻ em", en: "Child-friendly communes"}
        numerator: cfc_recognised
        denominator: communes
        unit: percent
        targets: {2024: ">= 80", 2025: ">= 85"}
        eligibility:
          requires_zero: [drowning_deaths, abuse_cases]

      - id: drowning_deaths
        name: {vi: "Số trẻ em tử vong do đuối nước", en: "Child drowning deaths"}
        numerator: drowning_deaths
        unit: count
        targets: {2024: decrease, 2025: "== 0"}

    checks:
      - "injury_deaths <= injury_cases"
    """
)


# --- helpers ------------------------------------------------------------------------------


def line_of(text: str, needle: str, occurrence: int = 1, exact: bool = False) -> int:
    """1-based line of the `occurrence`-th line containing `needle` (or, with `exact`,
    the line that is `needle` apart from surrounding spaces)."""
    seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if (line.strip() == needle) if exact else (needle in line):
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not in text")


def edit(old: str, new: str, text: str = BASE) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def check(text: str) -> ValidationResult:
    result = validate_plan_text(text, "test.yaml")
    for issue in (*result.errors, *result.warnings):
        assert issue.key in catalogue(), f"{issue.key} is not in the catalogue"
    return result


def only_error(text: str) -> TargetsIssue:
    result = check(text)
    assert len(result.errors) == 1, result.messages("en")
    assert result.plan is None
    return result.errors[0]


def error_on_line(text: str, *at: object) -> TargetsIssue:
    """The one error in `text`, asserted to name the line `line_of(text, *at)` finds."""
    issue = only_error(text)
    assert issue.line == line_of(text, *at)
    return issue


def keys(result: ValidationResult) -> list[str]:
    return [issue.key for issue in result.errors]


# --- a valid file -----------------------------------------------------------------------


def test_base_plan_is_valid_and_built():
    result = check(BASE)
    assert result.errors == []
    plan = result.plan
    assert plan is not None
    assert plan.id == "test-plan"
    assert plan.years == (2024, 2025)
    assert plan.area == "Sơn Động"
    assert plan.area_line == line_of(BASE, "area:")
    assert [i.id for i in plan.indicators] == ["injury_rate", "cfc_rate", "drowning_deaths"]
    cfc = plan.indicator("cfc_rate")
    assert cfc.requires_zero == ("drowning_deaths", "abuse_cases")
    assert cfc.targets[2024].op == ">=" and cfc.targets[2024].number == 80
    assert cfc.line == line_of(BASE, "- id: cfc_rate")
    drowning = plan.indicator("drowning_deaths")
    assert drowning.denominator is None
    assert drowning.targets[2024].is_trend and drowning.targets[2024].number is None
    assert drowning.targets[2025].op == "==" and drowning.targets[2025].number == 0
    assert plan.checks[0].left == "injury_deaths" and plan.checks[0].op == "<="
    assert plan.checks[0].right == "injury_cases"
    assert plan.checks[0].line == line_of(BASE, "injury_deaths <= injury_cases")


def test_data_elements_merge_standard_and_plan_own():
    text = edit(
        "data_elements:\n",
        "data_elements:\n"
        "  pupils_total:\n"
        "    name: {vi: 'Số học sinh', en: 'Pupils'}\n"
        "    kind: stock\n"
        "  children_total:\n"
        "    name: {vi: 'Trẻ em dưới 16 tuổi (cách gọi của huyện)', en: 'Children'}\n"
        "    kind: stock\n",
    )
    plan = check(text).plan
    assert plan is not None
    assert "drowning_deaths" in plan.data_elements and plan.data_elements["drowning_deaths"].standard
    assert plan.data_elements["pupils_total"].standard is False
    restated = plan.data_elements["children_total"]
    assert restated.standard is True
    assert restated.name.vi == "Trẻ em dưới 16 tuổi (cách gọi của huyện)"
    assert plan.data_elements["cfc_recognised"].type == "yes_no"


def test_plain_string_names_are_used_for_both_languages():
    text = edit(
        'name: {vi: "Tỷ suất trẻ em bị tai nạn thương tích", en: "Child injury rate"}',
        'name: "Tỷ suất TNTT"\n    group: "Phòng, chống TNTT"\n    description: {vi: "Mô tả"}',
    )
    plan = check(text).plan
    assert plan is not None
    ind = plan.indicator("injury_rate")
    assert ind.name.vi == ind.name.en == "Tỷ suất TNTT"
    assert ind.group is not None and ind.group.get("en") == "Phòng, chống TNTT"
    assert ind.description is not None and ind.description.en == "Mô tả"


# --- syntax --------------------------------------------------------------------------------


def test_yaml_syntax_error_tab_reports_its_line_in_plain_vietnamese():
    issue = error_on_line(edit("  title:", "\ttitle:"), "title:")
    assert issue.key == "targets_syntax_tab"
    assert "lỗi cú pháp YAML" in issue.message() and "Tab" in issue.message()
    assert issue.message().startswith(f"Dòng {issue.line}:")


def test_yaml_syntax_error_stray_colon():
    issue = error_on_line(edit('title: "Kế hoạch thử"', "title: Kế hoạch: năm 2024"), "Kế hoạch: năm 2024")
    assert issue.key == "targets_syntax_colon"


def test_yaml_syntax_error_unclosed_quote_points_at_the_quote():
    issue = error_on_line(edit('title: "Kế hoạch thử"', 'title: "Kế hoạch thử'), "title:")
    assert issue.key == "targets_syntax_quote"


def test_yaml_syntax_error_bad_indentation():
    issue = error_on_line(edit("    unit: per_1000", "   unit: per_1000"), "   unit: per_1000")
    assert issue.key.startswith("targets_syntax_")


def test_empty_file_and_file_not_found_are_errors_not_exceptions(tmp_path):
    assert keys(check("# chỉ có ghi chú\n")) == ["targets_empty_file"]
    missing = validate_plan_file(tmp_path / "nope.yaml")
    assert [i.key for i in missing.errors] == ["targets_file_not_found"]
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("version: 1\ntitle: Kế hoạch\n".encode("utf-16"))
    assert [i.key for i in validate_plan_file(latin).errors] == ["targets_file_encoding"]


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(BASE.encode("utf-8-sig"))
    assert validate_plan_file(path).errors == []


# --- unknown keys --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "suggestion"),  # the misspelt key is the one `new` ends with
    [
        ("    numerator: injury_cases", "    numerater: injury_cases", "numerator"),
        ("  years: [2024, 2025]", "  yeras: [2024, 2025]", "years"),
        ("    kind: stock", "    knid: stock", "kind"),
        ("      requires_zero:", "      require_zero:", "requires_zero"),
        ("checks:", "chekcs:", "checks"),
        ("  - id: cfc_rate", "  - id: cfc_rate\n    sourse: 'KH'", "source"),
    ],
)
def test_unknown_key_at_every_level_with_did_you_mean(old, new, suggestion):
    typo = new.splitlines()[-1].split(":")[0].strip()
    issue = error_on_line(edit(old, new), f"{typo}:")
    assert issue.key == "targets_unknown_key_hint"
    assert issue.params == {"key": typo, "suggestion": suggestion}
    line = issue.line
    assert issue.message() == f"Dòng {line}: khóa không hợp lệ '{typo}' (có phải ý bạn là '{suggestion}'?)"
    assert issue.message("en") == f"Line {line}: unknown key '{typo}' (did you mean '{suggestion}'?)"


def test_unknown_key_without_a_close_match_lists_the_allowed_keys():
    issue = error_on_line(edit('en: "Child injury rate"', 'zz: "Child injury rate"'), "zz:")
    assert issue.key == "targets_unknown_key"
    assert "vi, en" in issue.message()


# --- required fields, duplicates --------------------------------------------------------


@pytest.mark.parametrize("field", ["name", "numerator", "unit"])
def test_missing_required_indicator_field(field):
    start = BASE.index("  - id: injury_rate")
    end = BASE.index("  - id: cfc_rate")
    kept = [ln for ln in BASE[start:end].splitlines() if not ln.startswith(f"    {field}:")]
    assert len(kept) == len(BASE[start:end].splitlines()) - 1
    text = BASE[:start] + "\n".join(kept) + "\n" + BASE[end:]
    issue = error_on_line(text, "- id: injury_rate")
    assert issue.key == "targets_missing_field_indicator"
    assert issue.params == {"field": field, "indicator": "injury_rate"}
    assert f"thiếu trường bắt buộc '{field}'" in issue.message()


def test_missing_required_plan_field_and_section():
    text = edit('  title: "Kế hoạch thử"\n', "")
    issue = error_on_line(text, "plan:")
    assert issue.key == "targets_missing_field"
    assert issue.params == {"field": "title", "section": "plan"}
    text = BASE[: BASE.index("indicators:")]
    assert keys(check(text)) == ["targets_missing_section"]


def test_duplicate_indicator_id_reports_both_lines():
    text = edit("  - id: drowning_deaths", "  - id: injury_rate")
    issue = error_on_line(text, "- id: injury_rate", 2)
    assert issue.key == "targets_duplicate_indicator"
    assert issue.params["first_line"] == line_of(text, "- id: injury_rate", 1)


def test_duplicate_yaml_key_is_reported_not_silently_dropped():
    text = edit("    unit: per_1000", "    unit: per_1000\n    unit: percent")
    issue = error_on_line(text, "unit: percent", 1)
    assert issue.key == "targets_duplicate_key"
    assert issue.params["key"] == "unit"
    assert issue.params["first_line"] == line_of(text, "unit: per_1000")


# --- data elements ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "field", "element", "suggestion"),
    [
        ("numerator: injury_cases", "numerator: injury_casez", "numerator", "injury_casez", "injury_cases"),
        ("denominator: children_total", "denominator: children_totl", "denominator", "children_totl", "children_total"),
        (
            "requires_zero: [drowning_deaths, abuse_cases]",
            "requires_zero: [drowning_deaths, abuse_casez]",
            "requires_zero",
            "abuse_casez",
            "abuse_cases",
        ),
    ],
)
def test_indicator_naming_an_undefined_data_element(old, new, field, element, suggestion):
    issue = error_on_line(edit(old, new), new)
    assert issue.key == "targets_undefined_element_hint"
    assert (issue.params["field"], issue.params["element"], issue.params["suggestion"]) == (field, element, suggestion)


def test_undefined_element_without_close_match():
    text = edit("numerator: injury_cases", "numerator: xyz")
    issue = only_error(text)
    assert issue.key == "targets_undefined_element"
    assert "xyz" in issue.message()


def test_check_naming_an_undefined_data_element():
    issue = error_on_line(edit('"injury_deaths <= injury_cases"', '"injury_deaths <= injury_casess"'), "injury_casess")
    assert issue.key == "targets_check_undefined_hint"
    assert issue.params["suggestion"] == "injury_cases"


@pytest.mark.parametrize("bad", ['"injury_deaths <== injury_cases"', '"injury_deaths"', '"a + b <= c"', "{x: 1}"])
def test_bad_check_syntax(bad):
    issue = error_on_line(edit('"injury_deaths <= injury_cases"', bad), bad)
    assert issue.key == "targets_check_syntax"


def test_check_against_a_number_is_accepted():
    text = edit('"injury_deaths <= injury_cases"', '"new_hiv_children <= 0"')
    plan = check(text).plan
    assert plan is not None and plan.checks[0].right == "0"


def test_unknown_kind_and_type_of_a_data_element():
    text = edit("    kind: stock\n    type: yes_no", "    kind: stok\n    type: boolean")
    result = check(text)
    assert keys(result) == ["targets_unknown_kind_hint", "targets_unknown_type"]
    assert result.errors[0].line == line_of(text, "kind: stok")
    assert result.errors[0].params["suggestion"] == "stock"
    assert result.errors[1].line == line_of(text, "type: boolean")


def test_restating_a_standard_element_with_another_kind_or_type():
    text = edit("    kind: stock\n    type: yes_no", "    kind: flow\n    type: yes_no")
    issue = only_error(text)
    assert issue.key == "targets_standard_mismatch"
    assert issue.params["field"] == "kind" and issue.params["standard"] == "stock"
    assert issue.line == line_of(text, "kind: flow")
    text = edit("    kind: stock\n    type: yes_no", "    kind: stock\n    type: count")
    issue = only_error(text)
    assert issue.params["field"] == "type"


def test_new_element_without_kind_is_a_warning_and_stock():
    text = edit("data_elements:\n", "data_elements:\n  pupils_total:\n    name: 'Số học sinh'\n")
    result = check(text)
    assert result.errors == []
    assert [w.key for w in result.warnings] == ["targets_kind_assumed"]
    assert result.plan is not None and result.plan.data_elements["pupils_total"].kind == "stock"


# --- units, denominators ------------------------------------------------------------------


def test_unknown_unit():
    issue = error_on_line(edit("unit: per_1000", "unit: per_thousand"), "per_thousand")
    assert issue.key in ("targets_unknown_unit", "targets_unknown_unit_hint")
    assert "percent, per_1000, per_100000, count" in issue.message()


def test_denominator_missing_for_a_rate():
    issue = error_on_line(edit("    denominator: children_total\n", ""), "unit: per_1000")
    assert issue.key == "targets_denominator_missing"


def test_denominator_present_for_a_count():
    issue = error_on_line(edit("    numerator: drowning_deaths\n", "    numerator: drowning_deaths\n    denominator: children_total\n"), "denominator: children_total", 2)
    assert issue.key == "targets_denominator_for_count"


# --- targets --------------------------------------------------------------------------------


def test_target_that_does_not_parse():
    text = edit('{2024: ">= 80", 2025: ">= 85"}', '{2024: ">= eighty", 2025: ">= 85"}')
    issue = error_on_line(text, ">= eighty")
    assert issue.key == "targets_target_unparsed"
    assert issue.params["text"] == ">= eighty" and issue.params["year"] == 2024


def test_bare_number_without_better_is_refused_with_a_hint():
    issue = error_on_line(edit('{2024: ">= 80", 2025: ">= 85"}', '{2024: 80, 2025: ">= 85"}'), "2024: 80")
    assert issue.key == "targets_target_bare_number"
    assert '">= 80"' in issue.message() and '">= 80"' in issue.message("en")


def test_bare_number_with_better_means_at_least_or_at_most():
    text = edit('{2024: ">= 80", 2025: ">= 85"}', "{2024: 80, 2025: 85}\n    better: higher")
    plan = check(text).plan
    assert plan is not None
    target = plan.indicator("cfc_rate").targets[2024]
    assert (target.op, target.number) == (">=", 80)
    text = edit('targets: {2024: "< 3"}', "targets: {2024: 3}\n    better: lower")
    plan = check(text).plan
    assert plan is not None
    assert plan.indicator("injury_rate").targets[2024].op == "<="


def test_year_outside_plan_years():
    issue = error_on_line(edit('{2024: ">= 80", 2025: ">= 85"}', '{2024: ">= 80", 2026: ">= 85"}'), "2026")
    assert issue.key == "targets_year_outside"
    assert issue.params["year"] == 2026


def test_target_written_with_percent_sign_and_unicode_operator():
    text = edit('{2024: ">= 80", 2025: ">= 85"}', '{2024: ">= 80%", 2025: "≥ 85"}')
    plan = check(text).plan
    assert plan is not None
    targets = plan.indicator("cfc_rate").targets
    assert (targets[2024].op, targets[2024].number, targets[2024].text) == (">=", 80, ">= 80%")
    assert (targets[2025].op, targets[2025].number) == (">=", 85)


@pytest.mark.parametrize(
    ("targets", "stated", "expected"),
    [
        ('{2024: "< 3"}', None, "lower"),
        ('{2024: "> 50"}', None, "higher"),
        ('{2024: "== 0"}', None, "lower"),
        ("{2024: decrease}", None, "lower"),
        ("{2024: increase}", None, "higher"),
        ("{2024: maintain}", None, "higher"),
        ("{}", None, "higher"),
        ("{2024: maintain}", "lower", "lower"),
        ('{2024: decrease, 2025: ">= 5"}', None, "higher"),
    ],
)
def test_better_is_resolved(targets, stated, expected):
    new = f"targets: {targets}" + (f"\n    better: {stated}" if stated else "")
    text = edit('targets: {2024: "< 3"}', new)
    plan = check(text).plan
    assert plan is not None
    assert plan.indicator("injury_rate").better == expected


def test_h1_rule_is_read_and_a_wrong_word_is_refused_with_its_line():
    text = edit('targets: {2024: "< 3"}', 'targets: {2024: "< 3"}\n    h1: full')
    plan = check(text).plan
    assert plan is not None
    assert plan.indicator("injury_rate").h1 == "full"
    assert plan.indicator("cfc_rate").h1 is None  # not stated: the rule decides
    text = edit('targets: {2024: "< 3"}', 'targets: {2024: "< 3"}\n    h1: halve')
    issue = error_on_line(text, "h1: halve")
    assert issue.key == "targets_h1_invalid_hint"
    assert "'half'" in issue.message() and "half" in issue.message("en")


def test_eligibility_on_a_lower_is_better_indicator():
    text = edit(
        '{2024: ">= 80", 2025: ">= 85"}',
        '{2024: ">= 80", 2025: ">= 85"}\n    better: lower',
    )
    result = check(text)
    assert "targets_eligibility_lower" in keys(result)
    issue = next(i for i in result.errors if i.key == "targets_eligibility_lower")
    assert issue.line == line_of(text, "eligibility:")


# --- other sensible errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "key", "marker"),
    [
        ("years: [2024, 2025]", "years: 2024", "targets_years_invalid", "years: 2024"),
        ("years: [2024, 2025]", "years: [2024, hai nghìn]", "targets_year_value_invalid", "years:"),
        ("version: 1", "version: 2", "targets_version", "version: 2"),
        ("    unit: per_1000", "    unit: per_1000\n    tolerance: -1", "targets_tolerance_negative", "tolerance"),
        ("    unit: per_1000", "    unit: per_1000\n    tolerance: nhiều", "targets_tolerance_invalid", "tolerance"),
        (
            "    unit: per_1000",
            "    unit: per_1000\n    applies_to: [area, village]",
            "targets_applies_to_invalid",
            "village",
        ),
        ("    unit: per_1000", "    unit: per_1000\n    better: up", "targets_better_invalid", "better: up"),
        ("  id: test-plan", "  id: kế hoạch thử", "targets_plan_id_invalid", "kế hoạch thử"),
    ],
)
def test_sensible_errors(old, new, key, marker):
    issue = error_on_line(edit(old, new), marker)
    assert issue.key.removesuffix("_hint") == key


def test_empty_indicators_list():
    text = BASE[: BASE.index("indicators:")] + "indicators: []\n"
    issue = error_on_line(text, "indicators:")
    assert issue.key == "targets_indicators_empty"


@pytest.mark.parametrize(
    ("written", "expected"),
    [("[district]", ("area",)), ("[province, commune]", ("area", "commune")), ("[commune]", ("commune",))],
)
def test_applies_to_is_normalised(written, expected):
    text = edit("    unit: per_1000", f"    unit: per_1000\n    applies_to: {written}")
    plan = check(text).plan
    assert plan is not None
    assert plan.indicator("injury_rate").applies_to == expected
    assert plan.indicator("cfc_rate").applies_to == ("area", "commune")


def test_deadlines_extension():
    text = edit("  years: [2024, 2025]", '  years: [2024, 2025]\n  deadlines: {H1: "31/05", FY: "30/11"}')
    plan = check(text).plan
    assert plan is not None
    assert plan.deadlines == {"H1": (31, 5), "FY": (30, 11)}
    assert check(BASE).plan.deadlines == {"H1": (15, 5), "FY": (15, 11)}  # type: ignore[union-attr]
    text = edit("  years: [2024, 2025]", '  years: [2024, 2025]\n  deadlines: {H1: "31/02", FY: "15/11"}')
    issue = only_error(text)
    assert issue.key == "targets_deadline_invalid"
    assert issue.params["period"] == "H1"
    text = edit("  years: [2024, 2025]", '  years: [2024, 2025]\n  deadlines: {H2: "15/05"}')
    issue = only_error(text)
    assert issue.key.startswith("targets_unknown_key") and issue.params["key"] == "H2"


# --- several errors at once ------------------------------------------------------------------


def test_every_error_is_reported_together_in_line_order():
    text = BASE
    text = edit("    numerator: injury_cases", "    numerater: injury_cases", text)
    text = edit("unit: percent", "unit: procent", text)
    text = edit('2025: "== 0"', '2025: "== zero"', text)
    text = edit('"injury_deaths <= injury_cases"', '"injury_deaths =< injury_cases"', text)
    result = check(text)
    assert result.plan is None
    assert [i.line for i in result.errors] == [
        line_of(text, "numerater"),
        line_of(text, "procent"),
        line_of(text, "== zero"),
        line_of(text, "=< injury_cases"),
    ]


def test_five_mistakes_fixture_has_exactly_five_errors():
    path = FIXTURES / "targets_five_mistakes.yaml"
    text = path.read_text(encoding="utf-8")
    result = validate_plan_file(path)
    assert result.plan is None
    assert [i.key for i in result.errors] == [
        "targets_unknown_key_hint",
        "targets_missing_field_indicator",
        "targets_undefined_element_hint",
        "targets_unknown_unit_hint",
        "targets_target_unparsed",
    ]
    assert [i.line for i in result.errors] == [
        line_of(text, "    numerater:"),
        line_of(text, "  - id: drowning_deaths"),
        line_of(text, "numerator: drowning_death", exact=True),
        line_of(text, "    unit: percentage"),
        line_of(text, '">= eighty"', 2),  # the first occurrence is in the header comment
    ]
    with pytest.raises(TargetsFileError) as caught:
        load_plan(path)
    assert len(caught.value.issues) == 5
    assert "numerater" in str(caught.value)


# --- messages ------------------------------------------------------------------------------


def test_messages_are_vietnamese_by_default_and_english_on_request():
    text = edit("unit: percent", "unit: procent")
    issue = only_error(text)
    vi, en = issue.message(), issue.message("en")
    assert vi.startswith("Dòng ") and "đơn vị 'procent' không hợp lệ" in vi
    assert en.startswith("Line ") and "unknown unit 'procent'" in en
    assert unicodedata.is_normalized("NFC", vi)


def test_every_targets_catalogue_entry_has_both_languages():
    entries = {k: v for k, v in catalogue().items() if k.startswith("targets_")}
    assert len(entries) > 40
    for key, texts in entries.items():
        assert texts["vi"] and texts["en"], key
        assert texts["vi"] != texts["en"] or key == "targets_syntax_other", key


# --- the project's plan files --------------------------------------------------------------


def test_repo_targets_yaml_loads_with_no_errors():
    result = validate_plan_file(REPO / "targets.yaml")
    assert result.errors == [], result.messages("en")
    plan = result.plan
    assert plan is not None
    assert plan.area == "Sơn Động"
    assert plan.years == (2024, 2025)
    assert plan.deadlines == {"H1": (15, 5), "FY": (15, 11)}
    assert len(plan.indicators) >= 18
    assert all(ind.source for ind in plan.indicators)
    assert all(ind.group is not None for ind in plan.indicators)
    cfc = plan.indicator("cfc_rate")
    assert (cfc.numerator, cfc.denominator, cfc.unit) == ("cfc_recognised", "communes", "percent")
    assert set(cfc.requires_zero) == {"drowning_deaths", "abuse_cases"}
    assert cfc.targets[2024].text == ">= 80"
    assert "Sơn Hà" in (cfc.source or "")
    assert plan.indicator("drowning_deaths").unit == "count"
    assert plan.indicator("injury_rate").unit == "per_1000"
    assert len(plan.checks) >= 8
    for ind in plan.indicators:
        for de in (ind.numerator, ind.denominator, *ind.requires_zero):
            assert de is None or de == "communes" or de in plan.data_elements


@pytest.mark.parametrize("name", ["chi_lang_2025.yaml", "thang_2024.yaml"])
def test_sample_plans_load_with_no_errors(name):
    result = validate_plan_file(REPO / "sample_data" / "plans" / name)
    assert result.errors == [], result.messages("en")
    assert result.plan is not None and len(result.plan.indicators) >= 10
    assert all(ind.source for ind in result.plan.indicators)
    assert result.warnings == []


def test_chi_lang_plan_has_one_year_and_its_own_elements():
    plan = load_plan(REPO / "sample_data" / "plans" / "chi_lang_2025.yaml")
    assert plan.years == (2025,)
    assert plan.indicator("cfc_rate").targets[2025].number == 95
    assert any(not de.standard for de in plan.data_elements.values())


# --- area resolution ----------------------------------------------------------------------


def unit(code, name, type_, level, depth, parent=None):
    full = f"{type_[:1].upper()}{type_[1:]} {name}"
    return OrgUnitRef(code, name, full, type_, level, parent, depth)


UNITS = [
    unit("20", "Lạng Sơn", "tỉnh", "province", 0),
    unit("187", "Chi Lăng", "huyện", "district", 1, "20"),
    unit("06466", "Chi Lăng", "thị trấn", "commune", 2, "187"),
    unit("06523", "Chi Lăng", "xã", "commune", 2, "187"),
    unit("06463", "Đồng Mỏ", "thị trấn", "commune", 2, "187"),
    unit("529", "Sơn Hà", "huyện", "district", 1),
    unit("09001", "Sơn Hạ", "xã", "commune", 2, "529"),
    unit("09002", "Sơn Hà", "xã", "commune", 2, "529"),
]


def code_of(text, units=UNITS):
    found = match_area(text, units)
    return found.code if found else None


def test_match_area_by_code():
    assert code_of("06523") == "06523"
    assert code_of(" 187 ") == "187"


def test_match_area_ignores_case_and_unicode_normalisation():
    nfd = unicodedata.normalize("NFD", "Đồng Mỏ")
    assert nfd != "Đồng Mỏ"
    assert code_of(nfd) == "06463"
    assert code_of("đồng mỏ") == "06463"
    assert code_of("ĐỒNG MỎ") == "06463"


def test_match_area_without_diacritics_when_unambiguous():
    assert code_of("Dong Mo") == "06463"
    assert code_of("lang son") == "20"


def test_match_area_higher_level_wins_and_prefix_picks_the_type():
    assert code_of("Chi Lăng") == "187"
    assert code_of("xã Chi Lăng") == "06523"
    assert code_of("Xã Chi Lăng") == "06523"
    assert code_of("thị trấn Chi Lăng") == "06466"
    assert code_of("huyện Chi Lăng") == "187"
    assert code_of("xa Chi Lang") == "06523"


def test_match_area_unknown_or_ambiguous_is_none():
    assert code_of("Hà Nội") is None
    assert code_of("") is None
    assert code_of("Son Ha") is None  # Sơn Hà or Sơn Hạ?
    assert code_of("Sơn Hà") == "529"
    assert code_of("Sơn Hạ") == "09001"


def _sample_units():
    path = REPO / "sample_data" / "org_units.csv"
    if path.exists():
        rows = list(csv.DictReader(path.open(encoding="utf-8")))
        parent = {r["code"]: r["parent_code"] or None for r in rows}
        out = []
        for r in rows:
            depth, code = 0, r["code"]
            while parent.get(code):
                code, depth = parent[code], depth + 1
            out.append(
                OrgUnitRef(r["code"], r["name"], r["full_name"], r["type"], r["level"], r["parent_code"] or None, depth)
            )
        return out
    rows = list(csv.DictReader((REPO.parent / "shared" / "geo" / "communes.csv").open(encoding="utf-8")))
    districts = sorted({r["district"] for r in rows})
    out = [OrgUnitRef(f"D{i}", d, f"Huyện {d}", "huyện", "district", None, 1) for i, d in enumerate(districts)]
    for r in rows:
        full = f"{r['type'][:1].upper()}{r['type'][1:]} {r['commune']}"
        out.append(OrgUnitRef(r["code"], r["commune"], full, r["type"], "commune", None, 2))
    return out


def test_plan_areas_resolve_against_the_sample_org_units():
    units = _sample_units()
    by_name = {"Chi Lăng": "district", "Sơn Động": "district", "thị trấn Thắng": "commune"}
    for text, level in by_name.items():
        found = match_area(text, units)
        assert found is not None and found.level == level, text
    assert match_area("thị trấn Thắng", units).code == "07840"  # type: ignore[union-attr]
    assert match_area("xã Chi Lăng", units).code == "06523"  # type: ignore[union-attr]
    for name in ("targets.yaml", "sample_data/plans/chi_lang_2025.yaml", "sample_data/plans/thang_2024.yaml"):
        result = validate_plan_file(REPO / name, units)
        assert result.errors == [] and result.warnings == [], result.messages("en")


def test_check_area():
    plan = load_plan(REPO / "targets.yaml")
    assert check_area(plan, [*UNITS, unit("220", "Sơn Động", "huyện", "district", 1)]) == []
    [issue] = check_area(plan, UNITS)
    assert issue.severity == "error"
    assert issue.key.startswith("targets_area_not_found")
    assert issue.line == line_of((REPO / "targets.yaml").read_text(encoding="utf-8"), "  area:")
    [skipped] = check_area(plan, [])
    assert skipped.severity == "warning" and skipped.key == "targets_area_check_skipped"


def test_validate_with_units_reports_the_area():
    result = validate_plan_text(BASE, "x.yaml", UNITS)
    assert keys(result) == ["targets_area_not_found"] or keys(result) == ["targets_area_not_found_hint"]
    assert result.plan is None
    result = validate_plan_text(BASE, "x.yaml", [])
    assert result.errors == [] and [w.key for w in result.warnings] == ["targets_area_check_skipped"]
    assert result.plan is not None


def test_sample_plan_halves_at_h1_only_what_accumulates_over_the_year():
    """Sơn Động's plan: the two ratios of two flows (abuse cases with a support plan,
    child labour supported) are held to the full target at H1; the four flows over a
    stock (children consulted, families informed, hotline reach, staff trained) to half."""
    from rules import accumulates_over_year, evaluate

    plan = load_plan(REPO / "targets.yaml")
    halved = {
        ind.id
        for ind in plan.indicators
        if evaluate(ind, 2025, "H1", 0.0, None, accumulates_over_year(ind, plan.data_elements)).prorated
    }
    assert halved == {
        "children_consulted_rate",
        "families_informed_rate",
        "hotline_111_reach_rate",
        "cp_staff_trained_rate",
    }
    abuse_plan = plan.indicator("abuse_plan_rate")
    ev = evaluate(abuse_plan, 2025, "H1", 60.0, None, accumulates_over_year(abuse_plan, plan.data_elements))
    assert (ev.expected, ev.status) == (100.0, "not_met")
