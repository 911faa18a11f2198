"""The standard data-element catalogue (../shared/spec/data-elements.md), with its exact ids.

Report files, plan files and databases from different districts fit together because
they all use these ids. A plan may add its own or reword these (same kind and type).
"""

from __future__ import annotations

from rules.model import DataElement, LocalText

_ROWS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "children_total",
        "stock",
        "count",
        "Tổng số trẻ em (dưới 16 tuổi)",
        "Children under 16",
    ),
    (
        "children_0_8",
        "stock",
        "count",
        "Số trẻ em từ 0 đến 8 tuổi",
        "Children aged 0–8",
    ),
    (
        "children_6_15",
        "stock",
        "count",
        "Số trẻ em từ 6 đến dưới 16 tuổi",
        "Children aged 6–15",
    ),
    (
        "children_7_15",
        "stock",
        "count",
        "Số trẻ em từ 7 đến dưới 16 tuổi",
        "Children aged 7–15",
    ),
    (
        "children_10_15",
        "stock",
        "count",
        "Số trẻ em từ 10 đến dưới 16 tuổi",
        "Children aged 10–15",
    ),
    (
        "households_with_children",
        "stock",
        "count",
        "Số hộ gia đình có trẻ em",
        "Households with children",
    ),
    (
        "schools_total",
        "stock",
        "count",
        "Số trường mầm non, tiểu học, THCS",
        "Kindergartens, primary and lower-secondary schools",
    ),
    (
        "cp_staff_total",
        "stock",
        "count",
        "Số người làm công tác bảo vệ trẻ em (cán bộ, cộng tác viên)",
        "Child-protection staff and collaborators",
    ),
    (
        "special_children",
        "stock",
        "count",
        "Số trẻ em có hoàn cảnh đặc biệt",
        "Children in special circumstances",
    ),
    (
        "special_children_supported",
        "stock",
        "count",
        "Số trẻ em có hoàn cảnh đặc biệt được trợ giúp, chăm sóc",
        "Children in special circumstances who are supported",
    ),
    (
        "disabled_children",
        "stock",
        "count",
        "Số trẻ em khuyết tật",
        "Children with disabilities",
    ),
    (
        "disabled_children_served",
        "stock",
        "count",
        "Số trẻ em khuyết tật được tiếp cận dịch vụ",
        "Children with disabilities reached by services",
    ),
    (
        "children_0_8_served",
        "stock",
        "count",
        "Số trẻ em đến 8 tuổi được tiếp cận dịch vụ chăm sóc phát triển toàn diện",
        "Children 0–8 reached by early-childhood services",
    ),
    (
        "children_swim_safe",
        "stock",
        "count",
        "Số trẻ em 6 đến dưới 16 tuổi biết bơi an toàn",
        "Children 6–15 who can swim safely",
    ),
    (
        "children_in_clubs",
        "stock",
        "count",
        'Số trẻ em tham gia câu lạc bộ "Quyền trẻ em", "Thủ lĩnh của sự thay đổi"',
        "Children in children's-rights clubs",
    ),
    (
        "safe_home_households",
        "stock",
        "count",
        'Số hộ gia đình có trẻ em đạt tiêu chí "Ngôi nhà an toàn"',
        'Households meeting "Safe Home" criteria',
    ),
    (
        "safe_schools",
        "stock",
        "count",
        'Số trường đạt tiêu chuẩn "Trường học an toàn"',
        'Schools meeting "Safe School" criteria',
    ),
    (
        "cp_staff_trained",
        "flow",
        "count",
        "Số người làm công tác bảo vệ trẻ em được tập huấn",
        "Child-protection staff trained",
    ),
    (
        "families_informed",
        "flow",
        "count",
        "Số hộ gia đình có trẻ em được cung cấp kiến thức, kỹ năng bảo vệ trẻ em",
        "Households given child-protection knowledge",
    ),
    (
        "children_consulted",
        "flow",
        "count",
        "Số trẻ em từ 7 tuổi được lấy ý kiến về các vấn đề trẻ em",
        "Children 7+ consulted on children's issues",
    ),
    (
        "injury_cases",
        "flow",
        "count",
        "Số trẻ em bị tai nạn, thương tích",
        "Children injured",
    ),
    (
        "injury_deaths",
        "flow",
        "count",
        "Số trẻ em tử vong do tai nạn, thương tích",
        "Child deaths from injury",
    ),
    (
        "drowning_deaths",
        "flow",
        "count",
        "Số trẻ em tử vong do đuối nước",
        "Child drowning deaths",
    ),
    (
        "abuse_cases",
        "flow",
        "count",
        "Số trẻ em bị xâm hại (kể cả bạo lực)",
        "Children abused (incl. violence)",
    ),
    (
        "abuse_cases_with_plan",
        "flow",
        "count",
        "Số vụ việc trẻ em bị xâm hại được phê duyệt kế hoạch hỗ trợ, can thiệp",
        "Abuse cases with an approved support plan",
    ),
    (
        "child_labour_cases",
        "flow",
        "count",
        "Số trẻ em lao động trái quy định hoặc có nguy cơ",
        "Children in or at risk of illegal labour",
    ),
    (
        "child_labour_supported",
        "flow",
        "count",
        "Số trẻ em lao động, có nguy cơ được hỗ trợ, can thiệp",
        "of whom supported",
    ),
    (
        "new_hiv_children",
        "flow",
        "count",
        "Số trẻ em nhiễm HIV mới",
        "New HIV infections in children",
    ),
    (
        "hotline_111_sessions",
        "flow",
        "count",
        "Số buổi truyền thông về Tổng đài 111",
        "Outreach sessions on the 111 hotline",
    ),
    (
        "hotline_111_households_reached",
        "flow",
        "count",
        "Số hộ gia đình có trẻ em được truyền thông về Tổng đài 111",
        "Households with children reached about the 111 hotline",
    ),
    (
        "hotline_111_calls",
        "flow",
        "count",
        "Số cuộc gọi đến Tổng đài 111 từ địa bàn",
        "Calls to the 111 hotline from the area",
    ),
    (
        "cfc_recognised",
        "stock",
        "yes_no",
        "Xã được công nhận phù hợp với trẻ em",
        "Commune recognised child-friendly",
    ),
    (
        "cp_board_active",
        "stock",
        "yes_no",
        "Xã có Ban/nhóm bảo vệ trẻ em hoạt động",
        "Commune has an active child-protection board",
    ),
    (
        "water_safety_programme",
        "stock",
        "yes_no",
        "Xã triển khai dạy bơi, an toàn trong môi trường nước",
        "Commune runs a swimming / water-safety programme",
    ),
)

STANDARD_DATA_ELEMENTS: dict[str, DataElement] = {
    row[0]: DataElement(
        id=row[0],
        kind=row[1],
        type=row[2],
        name=LocalText(row[3], row[4]),
        standard=True,
    )  # type: ignore[arg-type]
    for row in _ROWS
}
