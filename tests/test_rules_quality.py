"""Pure data-quality and reporting rules (rules/quality.py): plain pytest, no database."""

from __future__ import annotations

from datetime import date

from rules.model import Check, DataElement, Indicator, LocalText, Plan
from rules.quality import (
    deadline_date,
    find_outliers,
    history_ratio,
    is_overdue,
    quality_findings,
    rates_over_100,
    report_state,
)

N = LocalText("x", "x")
ELEMENTS = {
    "children_total": DataElement("children_total", N, "stock", "count"),
    "special_children": DataElement("special_children", N, "stock", "count"),
    "special_children_supported": DataElement("special_children_supported", N, "stock", "count"),
    "injury_cases": DataElement("injury_cases", N, "flow", "count"),
    "cfc_recognised": DataElement("cfc_recognised", N, "stock", "yes_no"),
}
SUPPORTED = Indicator("supported_rate", N, "special_children_supported", "percent", denominator="special_children")
CFC = Indicator("cfc_rate", N, "cfc_recognised", "percent", denominator="communes")
CHECK = Check("special_children", "<=", "children_total", "special_children <= children_total")


def plan(checks: tuple[Check, ...] = (CHECK,)) -> Plan:
    return Plan("p", "P", "220", (2024, 2025), ELEMENTS, (SUPPORTED, CFC), checks)


def test_history_ratio_flags_threefold_changes_either_way():
    assert history_ratio(400, [100, 110, 90]) == 4.0
    assert history_ratio(30, [100, 110, 90]) == 0.3
    assert history_ratio(250, [100, 110, 90]) is None  # 2.5x: within the band
    assert history_ratio(0, [20, 20]) == 0.0  # a vanished stock
    assert history_ratio(9, [2, 3]) is None  # small stocks swing: not judged
    assert history_ratio(100, []) is None  # no history


def test_find_outliers_looks_at_stocks_only_and_sorts_by_distance():
    by_year = {
        2023: {"A": {"children_total": 1000, "injury_cases": 2, "cfc_recognised": 0}, "B": {"children_total": 500}},
        2024: {"A": {"children_total": 1010, "injury_cases": 3, "cfc_recognised": 1}, "B": {"children_total": 510}},
        2025: {"A": {"children_total": 10100, "injury_cases": 90, "cfc_recognised": 1}, "B": {"children_total": 100}},
    }
    found = find_outliers(ELEMENTS, by_year, 2025)
    assert [(o.commune_code, o.data_element) for o in found] == [("A", "children_total"), ("B", "children_total")]
    assert found[0].ratio > 9 and found[0].median == 1005
    assert found[1].ratio < 1 / 3


def test_rates_over_100_unless_a_check_already_covers_the_pair():
    figures = {
        "A": {"special_children_supported": 12, "special_children": 10},
        "B": {"special_children_supported": 5, "special_children": 10},
    }
    found = rates_over_100([SUPPORTED, CFC], figures)
    assert [(r.commune_code, r.numerator_value, r.denominator_value) for r in found] == [("A", 12, 10)]
    covering = Check("special_children_supported", "<=", "special_children", "…")
    assert rates_over_100([SUPPORTED], figures, [covering]) == []


def test_quality_findings_errors_first_then_outliers():
    figures = {
        (2025, "FY"): {
            "A": {"special_children": 50, "children_total": 40, "injury_cases": 1},
            "B": {"children_total": 5000},
        },
        (2025, "H1"): {"A": {"injury_cases": 3}},
        (2024, "FY"): {"B": {"children_total": 500}},
        (2023, "FY"): {"B": {"children_total": 520}},
    }
    found = quality_findings(plan(), figures, 2025, "FY")
    assert [(f.severity, f.kind, f.commune_code) for f in found] == [
        ("error", "check", "A"),
        ("error", "flow", "A"),
        ("warning", "outlier", "B"),
    ]
    assert found[1].values == (3, 1)  # H1, FY


def test_deadlines_and_report_states():
    deadlines = {"H1": (15, 5), "FY": (15, 11)}
    assert deadline_date(deadlines, 2025, "H1") == date(2025, 5, 15)
    due = deadline_date(deadlines, 2025, "FY")
    assert report_state(33, 33, due, date(2025, 12, 1)) == "complete"
    assert report_state(20, 33, due, date(2025, 11, 1)) == "partial"
    assert report_state(0, 33, due, date(2025, 11, 15)) == "missing"  # the deadline day itself is not late
    assert report_state(20, 33, due, date(2025, 11, 16)) == "overdue_partial"
    assert report_state(0, 33, due, date(2026, 1, 1)) == "overdue_missing"
    assert is_overdue("overdue_partial") and not is_overdue("partial")


def test_coverage_text_for_totals():
    from ui.completeness_view import coverage_text

    assert coverage_text(16, 17, "vi") == "Tổng này tính trên 16/17 xã (1 xã chưa có số liệu)."
    assert coverage_text(17, 17, "vi") == "Tổng này tính trên đủ 17/17 xã."
    assert coverage_text(3, 5, "en") == "This total covers 3 of 5 communes (2 without figures)."
