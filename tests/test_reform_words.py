"""The words of ui/reform.py: unit types from the tree, "2020–2024: cộng từ 2 xã, 1 thị
trấn cũ", a split commune named with its share, in Vietnamese and English."""

from __future__ import annotations

from data_access.progress import Predecessor
from rules.model import OrgUnitRef
from ui import reform


def _unit(code: str, unit_type: str) -> OrgUnitRef:
    return OrgUnitRef(code=code, name=code, full_name=f"{unit_type} {code}", type=unit_type, level="commune")


def _old(code: str, unit_type: str = "xã", share: float = 1.0) -> Predecessor:
    return Predecessor(code, code, f"{unit_type.capitalize()} {code}", unit_type, share)


def test_unit_types_are_the_tree_s_in_a_fixed_order():
    units = [_unit("1", "phường"), _unit("2", "xã"), _unit("3", "đặc khu"), _unit("4", "xã")]
    assert reform.unit_words(units, "vi") == "xã, phường, đặc khu"
    assert reform.unit_words(units, "vi", capital=True) == "Xã, phường, đặc khu"
    assert reform.unit_words(units, "en") == "commune, ward, special zone"
    assert reform.unit_words([_unit("9", "làng")], "en") == "làng"  # unknown: as stored
    assert reform.count_words(["thị trấn", "xã", "xã"], "vi") == "2 xã, 1 thị trấn"
    assert reform.count_words(["thị trấn", "xã", "xã"], "en") == "2 communes, 1 township"


def test_years_run_together():
    assert reform.year_ranges([2024, 2020, 2021, 2022]) == "2020–2022, 2024"
    assert reform.year_ranges([2024]) == "2024"


def test_a_commune_says_which_years_and_how_many_old_units_by_type():
    parts = (_old("A"), _old("B"), _old("C", "thị trấn"))
    sources = {(y, "FY"): {"N": parts} for y in (2020, 2021, 2022, 2023, 2024)}
    [(text, hover)] = reform.commune_lines(sources, "N", "vi")
    assert text == "2020–2024: cộng từ 2 xã, 1 thị trấn cũ"
    assert "Xã A" in hover and "Thị trấn C" in hover
    [(text_en, _)] = reform.commune_lines(sources, "N", "en")
    assert text_en == "2020–2024: added up from 2 communes, 1 township before the merger"
    assert reform.commune_lines(sources, "other", "vi") == []


def test_a_split_commune_is_named_with_its_share():
    sources = {(2024, "FY"): {"N": (_old("A"), _old("S", share=0.4))}}
    [(_, hover)] = reform.commune_lines(sources, "N", "vi")
    assert "Xã S (40 %)" in hover


def test_an_area_counts_new_and_old_units():
    sources = {(2024, "FY"): {"N1": (_old("A"), _old("B")), "N2": (_old("C", "thị trấn"),)}}
    communes = [_unit("N1", "xã"), _unit("N2", "phường"), _unit("N3", "xã")]
    [(text, _)] = reform.area_lines(sources, communes, "vi")
    assert text == "2024: số liệu của 1 xã, 1 phường mới cộng từ 2 xã, 1 thị trấn cũ"


def _area(code: str, full_name: str, level: str = "province") -> OrgUnitRef:
    return OrgUnitRef(code=code, name=full_name.split(" ", 1)[-1], full_name=full_name, type="tỉnh", level=level)


def test_the_area_picker_names_a_reused_code_by_the_unit_of_the_view_s_day():
    """Code 24 was Tỉnh Bắc Giang until 30/06/2025 and is today's Tỉnh Bắc Ninh: a 2024
    view names it by its 2024 unit, a 2026 view by today's (issue 12, last edges, item 2)."""
    today = [_area("24", "Tỉnh Bắc Ninh"), _area("20", "Tỉnh Lạng Sơn")]
    areas = [_area("220", "Huyện Sơn Động", "district"), *today]  # the picker's list (today's names)
    in_2024 = [_area("24", "Tỉnh Bắc Giang"), _area("27", "Tỉnh Bắc Ninh"), _area("220", "Huyện Sơn Động", "district")]
    assert reform.area_labels(areas, in_2024) == {"220": "Huyện Sơn Động", "24": "Tỉnh Bắc Giang", "20": "Tỉnh Lạng Sơn"}
    assert reform.area_labels(areas, today)["24"] == "Tỉnh Bắc Ninh"
    assert reform.area_labels(areas, today)["220"] == "Huyện Sơn Động"  # not valid that day: its own name
    # Two areas of one name that day (the old and the new Tỉnh Bắc Ninh) keep apart by code.
    both = [_area("24", "Tỉnh Bắc Ninh"), _area("27", "Tỉnh Bắc Ninh")]
    assert reform.area_labels(both, []) == {"24": "Tỉnh Bắc Ninh (24)", "27": "Tỉnh Bắc Ninh (27)"}
