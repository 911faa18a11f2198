"""rules.issuer: the issuing body of a report from the plan's `issued_by` and the tree."""

from __future__ import annotations

import pytest

from rules.issuer import initials, issuing_body, signature_roles, unit_label, unit_types_phrase

DISTRICT = [("huyện", "Sơn Động"), ("tỉnh", "Bắc Giang")]


COMMITTEE = ("on_behalf_committee", "for_chair", "vice_chair")  # who signs for a people's committee
DIRECTOR = ("for_director", "vice_director")  # … for a department (Sở)
BAC_NINH = [("tỉnh", "Bắc Ninh")]


@pytest.mark.parametrize(
    ("issued_by", "places", "kind", "body", "unit", "abbr", "roles"),
    [
        ("UBND tỉnh Bắc Ninh", BAC_NINH, "committee", "", "tỉnh Bắc Ninh", "UBND", COMMITTEE),
        ("Ủy ban nhân dân huyện Sơn Động", DISTRICT, "committee", "", "huyện Sơn Động", "UBND", COMMITTEE),
        ("Sở Y tế tỉnh Bắc Ninh", BAC_NINH, "body", "Sở Y tế", "tỉnh Bắc Ninh", "SYT", DIRECTOR),
        # the unit named without its word: the word comes from the tree
        ("Sở Y tế Bắc Ninh", BAC_NINH, "body", "Sở Y tế", "tỉnh Bắc Ninh", "SYT", DIRECTOR),
        # a department of the province above a district plan's area
        (
            "Sở Lao động - Thương binh và Xã hội tỉnh Bắc Giang",
            DISTRICT,
            "body",
            "Sở Lao động - Thương binh và Xã hội",
            "tỉnh Bắc Giang",
            "SLĐTBXH",
            DIRECTOR,
        ),
        # no unit written: the body belongs to the area
        (
            "Phòng Văn hóa - Xã hội",
            DISTRICT,
            "body",
            "Phòng Văn hóa - Xã hội",
            "huyện Sơn Động",
            "PVHXH",
            ("for_head_office", "vice_head_office"),
        ),
        # no issued_by: the area's people's committee, its word from the tree
        (None, [("thị trấn", "Thắng")], "committee", "", "thị trấn Thắng", "UBND", COMMITTEE),
        (None, [("phường", "Kinh Bắc")], "committee", "", "phường Kinh Bắc", "UBND", COMMITTEE),
    ],
)
def test_issuing_body(issued_by, places, kind, body, unit, abbr, roles):
    b = issuing_body(issued_by, places)
    assert (b.kind, b.body, b.unit, b.abbreviation) == (kind, body, unit, abbr)
    assert signature_roles(b) == roles


def test_words_from_the_data():
    assert unit_label("xã", "Vân Sơn") == "xã Vân Sơn"
    assert unit_label("thị trấn", "Thị trấn An Châu") == "thị trấn An Châu"
    assert initials("Sở Giáo dục và Đào tạo") == "SGDĐT"
    assert unit_types_phrase(["xã", "phường", "xã", None, "thị trấn", "phường", "xã"]) == "xã, phường, thị trấn"
    assert unit_types_phrase([]) == ""
