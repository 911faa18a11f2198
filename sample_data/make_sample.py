"""Generate the sample data in ``sample_data/`` (run from the repo root: ``python sample_data/make_sample.py``).

Writes, next to this script:

- ``org_units.csv``: the 3 provinces, 4 districts and 76 communes of the sample districts (2024 structure);
- ``boundaries/``: unchanged copies of the illustrative commune polygons from ``../shared/geo``;
- ``data_values.csv``: SYNTHETIC H1/FY figures 2020-2025 for the 34 standard data elements;
- ``README.md``: what the files are, and the stories hidden in the figures.

The figures are drawn from ``random.Random(SEED)`` around national magnitudes
(``shared/domain/README.md`` section 4). A few "stories" are fixed by the constants below so that the
dashboard has something to show. Re-running gives byte-identical files; a self-check at the end
asserts every consistency rule and the stories.
"""

from __future__ import annotations

import csv
import json
import math
import os
import random
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from data_access.standard_elements import STANDARD_DATA_ELEMENTS  # noqa: E402

SEED = 20240315
YEARS = tuple(range(2020, 2026))
PERIODS = ("H1", "FY")
VALID_FROM = "2020-01-01"  # the NQ 813 / 818 commune mergers took effect then
GEO_SOURCE = Path(os.environ.get("SAMPLE_GEO_DIR", HERE.parent.parent / "shared" / "geo"))
BOUNDARY_DIR = HERE / "boundaries"
DISTRICT_FILES = ("son_dong", "hiep_hoa", "son_ha", "chi_lang")
BOUNDARY_FILES = (*DISTRICT_FILES, "son_dong_non_commune_area")
ELEMENTS = tuple(STANDARD_DATA_ELEMENTS)
FLOWS = tuple(k for k, de in STANDARD_DATA_ELEMENTS.items() if de.kind == "flow")

# Children per (xã, thị trấn) by district; Hiệp Hòa is lowland and densely populated.
CHILDREN_RANGE = {"220": ((1000, 1800), (2000, 3000)), "223": ((2000, 3300), (3000, 3600)),
                  "529": ((1300, 2200), (2200, 3000)), "187": ((1000, 1800), (2000, 2800))}  # fmt: skip
ASSESSMENT_YEARS = (2022, 2024)  # child-friendly assessment: November of years 2 and 4 of the 5-year plan

# ---- Stories (Sơn Động = 220, Chi Lăng = 187); chosen by code, not by chance -------------------------
SON_DONG, CHI_LANG = "220", "187"
SD_NEVER_RECOGNISED = ("07621", "07624")  # Vân Sơn, Hữu Sản: never child-friendly
SLIPPING = "07648"  # Vĩnh An: safe-home rate falling, injuries rising, loses recognition in FY 2024
IMPROVING = "07663"  # Tuấn Đạo: safe-home and swim-safe rates rising fast
SD_CFC_DROWNING_2024 = "07654"  # Lệ Viễn: recognised FY 2024, 1 drowning death in 2024 -> not eligible
SD_CFC_ABUSE_2024 = "07666"  # Dương Hưu: recognised FY 2024, 1 abuse case in 2024 -> not eligible
SD_DROWNING_FY = {  # Sơn Động drowning deaths by year (every other commune 0): 4 in 2023, 2 in 2024
    2023: {"07621": 1, "07636": 1, "07642": 1, "07678": 1},
    2024: {SD_CFC_DROWNING_2024: 1, SLIPPING: 1},
}
SD_INJURY_FACTOR = {2023: 1.25, 2024: 0.85}  # district-wide injury level, so 2024 < 2023
SD_MISSING_H1_2025 = "07645"  # An Lạc: no H1 2025 report at all
SD_PARTIAL_H1_2025 = "07660"  # An Bá: H1 2025 report without these 8 figures
PARTIAL_OMITTED = ("cp_staff_trained", "families_informed", "children_consulted", "children_swim_safe",
                   "children_in_clubs", "safe_home_households", "hotline_111_households_reached",
                   "hotline_111_calls")  # fmt: skip
SD_NO_HOTLINE_H1_2025 = ("07627", "07678")  # Đại Sơn, Thanh Luận: 0 sessions, 0 households in H1 2025
CL_NOT_RECOGNISED_2024 = ("06487", "06499", "06514", "06520")  # Bằng Hữu, Lâm Sơn, Hữu Kiên, Y Tịch

# a <= b in every report (the spec's natural rules first, then bounds of the sample itself)
CHECKS = (
    ("injury_deaths", "injury_cases"), ("drowning_deaths", "injury_deaths"),
    ("special_children_supported", "special_children"), ("special_children", "children_total"),
    ("abuse_cases_with_plan", "abuse_cases"), ("child_labour_supported", "child_labour_cases"),
    ("safe_home_households", "households_with_children"), ("safe_schools", "schools_total"),
    ("children_0_8_served", "children_0_8"), ("disabled_children_served", "disabled_children"),
    ("children_swim_safe", "children_6_15"), ("children_in_clubs", "children_10_15"),
    ("children_7_15", "children_6_15"), ("children_10_15", "children_7_15"),
    ("cp_staff_trained", "cp_staff_total"), ("children_consulted", "children_7_15"),
    ("families_informed", "households_with_children"),
    ("hotline_111_households_reached", "households_with_children"),
)  # fmt: skip

Key = tuple[str, int, str]  # (commune_code, year, period)


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    full_name: str
    type: str
    district_code: str
    district: str
    province_code: str
    province: str


@dataclass(frozen=True)
class Profile:
    """A commune's fixed traits; levels at time t (years since 1/1/2020) follow from them."""

    children: float
    growth: float
    shares: tuple[float, float, float, float]  # 0-8, 6-15, 7-15, 10-15 as shares of children
    per_household: float
    schools: int
    staff: int
    rates: dict[str, float]  # level rates of the stock "served" figures
    slopes: dict[str, float]  # change of those rates per year
    injury_per_1000: float
    calls: int
    water_from: int  # first year of the water-safety programme
    board_from: int  # first year with an active child-protection board


def clamp(x: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, x))


def poisson(rng: random.Random, lam: float) -> int:
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k, p = k + 1, p * rng.random()
    return k


def split(rng: random.Random, total: int, share: float = 0.5) -> int:
    """The first-half part of a year's events (binomial for few events, a jittered share for many)."""
    if total <= 50:
        return sum(rng.random() < share for _ in range(total))
    return round(total * clamp(share + rng.uniform(-0.08, 0.08), 0.0, 1.0))


def load_communes() -> list[Commune]:
    src = GEO_SOURCE if GEO_SOURCE.is_dir() else BOUNDARY_DIR  # after the first run the copies will do
    out = []
    for stem in DISTRICT_FILES:
        for f in json.loads((src / f"{stem}.geojson").read_text(encoding="utf-8"))["features"]:
            p = f["properties"]
            out.append(Commune(p["code"], p["name"], p["full_name"], p["type"], p["district_code"],
                               p["district"], p["province_code"], p["province"]))  # fmt: skip
    return sorted(out, key=lambda c: c.code)


def draw_profile(c: Commune, rng: random.Random) -> Profile:
    town = c.type == "thị trấn"
    lo, hi = CHILDREN_RANGE[c.district_code][town]
    rates = {"special": rng.uniform(0.01, 0.03), "special_sup": rng.uniform(0.90, 1.0),
             "disabled": rng.uniform(0.005, 0.01), "disabled_served": rng.uniform(0.75, 0.90),
             "ecd": rng.uniform(0.70, 0.88), "swim": rng.uniform(0.25, 0.38), "clubs": rng.uniform(0.10, 0.55),
             "home": rng.uniform(0.58, 0.80), "school": rng.uniform(0.60, 0.85)}  # fmt: skip
    slopes = {"disabled_served": 0.01, "ecd": 0.012, "swim": rng.uniform(0.0, 0.025),
              "clubs": rng.uniform(-0.01, 0.01), "home": rng.uniform(-0.02, 0.03), "school": rng.uniform(0.0, 0.04)}  # fmt: skip
    injury = rng.uniform(2.0, 6.0)
    if c.code == IMPROVING:
        rates.update(home=0.58, swim=0.25)
        slopes.update(home=0.05, swim=0.05)
    elif c.code == SLIPPING:
        rates.update(home=0.86)
        slopes.update(home=-0.045)
        injury = 2.0
    s6_15 = rng.uniform(0.58, 0.62)
    return Profile(
        children=rng.uniform(lo, hi),
        growth=rng.uniform(-0.01, 0.02),
        shares=(rng.uniform(0.45, 0.50), s6_15, s6_15 - rng.uniform(0.04, 0.06), rng.uniform(0.35, 0.39)),
        per_household=rng.uniform(1.7, 1.9),
        schools=rng.randint(5, 8) if town else rng.randint(3, 6),
        staff=rng.randint(5, 15),
        rates=rates,
        slopes=slopes,
        injury_per_1000=injury,
        calls=rng.randint(8, 45),
        water_from=2020 if c.code == IMPROVING else rng.choice((2019, 2019, 2020, 2021, 2022, 2023, 2024, 2030)),
        board_from=rng.choice((2019,) * 8 + (2020, 2021)),
    )


def recognition(communes: list[Commune], rng: random.Random) -> dict[str, dict[int, int]]:
    """FY state of child-friendly recognition, 2019-2025; it changes only in assessment years."""
    out: dict[str, dict[int, int]] = {}
    for c in communes:
        state, by_year = rng.random() < 0.62, {}
        for year in range(2019, 2026):
            if year in ASSESSMENT_YEARS:
                state = rng.random() < (0.97 if state else 0.3)
            by_year[year] = int(state)
        if c.district_code == SON_DONG:
            fixed = 0 if c.code in (*SD_NEVER_RECOGNISED, SLIPPING) else 1
            by_year.update({2024: fixed, 2025: fixed})
            if c.code in SD_NEVER_RECOGNISED:
                by_year = dict.fromkeys(by_year, 0)
            if c.code == SLIPPING:
                by_year.update({y: 1 for y in range(2019, 2024)})
        if c.district_code == CHI_LANG:
            fixed = int(c.code not in CL_NOT_RECOGNISED_2024)
            by_year.update({2024: fixed, 2025: fixed})
        out[c.code] = by_year
    return out


def stocks(c: Commune, p: Profile, year: int, period: str, cfc: dict[int, int], rng: random.Random) -> dict[str, int]:
    """Levels at report time (end of June for H1, end of December for FY)."""
    t = year - 2020 + (0.5 if period == "H1" else 1.0)

    def rate(name: str, lo: float, hi: float) -> float:
        return clamp(p.rates[name] + p.slopes.get(name, 0.0) * t + rng.uniform(-0.01, 0.01), lo, hi)

    children = round(p.children * (1 + p.growth) ** t)
    c0_8, c6_15, c7_15, c10_15 = (round(children * s) for s in p.shares)
    households = round(children / p.per_household)
    special = max(1, round(children * p.rates["special"] * rng.uniform(0.97, 1.03)))
    disabled = max(1, round(children * p.rates["disabled"] * rng.uniform(0.97, 1.03)))
    return {
        "children_total": children, "children_0_8": c0_8, "children_6_15": c6_15, "children_7_15": c7_15,
        "children_10_15": c10_15, "households_with_children": households, "schools_total": p.schools,
        "cp_staff_total": p.staff, "special_children": special,
        "special_children_supported": round(special * rate("special_sup", 0.90, 1.0)),
        "disabled_children": disabled,
        "disabled_children_served": round(disabled * rate("disabled_served", 0.75, 0.95)),
        "children_0_8_served": round(c0_8 * rate("ecd", 0.70, 0.95)),
        "children_swim_safe": round(c6_15 * rate("swim", 0.25, 0.56)),
        "children_in_clubs": round(c10_15 * rate("clubs", 0.10, 0.60)),
        "safe_home_households": round(households * rate("home", 0.55, 0.90)),
        "safe_schools": round(p.schools * rate("school", 0.60, 1.0)),
        "cfc_recognised": cfc[year - 1 if period == "H1" else year],
        "cp_board_active": int(year >= p.board_from and not (c.code == SLIPPING and year >= 2024)),
        "water_safety_programme": int(year >= p.water_from),
    }  # fmt: skip


def forced_incidents(c: Commune, year: int, recognised: int) -> dict[str, int]:
    """The story overrides of a year's drowning deaths and abuse cases."""
    if c.district_code == SON_DONG and year in SD_DROWNING_FY:
        forced = {"drowning_deaths": SD_DROWNING_FY[year].get(c.code, 0)}
        if year == 2024 and recognised:
            forced["abuse_cases"] = int(c.code == SD_CFC_ABUSE_2024)
        return forced
    if c.district_code == CHI_LANG and year == 2024 and recognised:
        return {"drowning_deaths": 0, "abuse_cases": 0}
    return {}


def flows(c: Commune, p: Profile, year: int, fy: dict[str, int], rng: random.Random) -> dict[str, tuple[int, int]]:
    """Events in the year as (H1, FY); related counts are split part by part so H1 and FY both nest."""
    out: dict[str, tuple[int, int]] = {}

    def put(name: str, parts: list[tuple[int, float]]) -> None:  # (events in the year, H1 share) per part
        out[name] = (sum(split(rng, n, s) for n, s in parts), sum(n for n, _ in parts))

    households = fy["households_with_children"]
    put("cp_staff_trained", [(round(p.staff * rng.uniform(0.7, 1.0)), 0.5)])
    put("families_informed", [(round(households * rng.uniform(0.60, 0.95)), 0.45)])
    put("children_consulted", [(round(fy["children_7_15"] * rng.uniform(0.10, 0.35)), 0.5)])
    # injuries: drowning deaths within injury deaths within injury cases
    if c.code == SLIPPING:
        factor = 1 + 0.4 * (year - 2020)
    else:
        factor = SD_INJURY_FACTOR.get(year, 1.0) if c.district_code == SON_DONG else 1.0
    drowning, other_deaths = poisson(rng, 0.15), poisson(rng, 0.08)
    expected = fy["children_total"] * p.injury_per_1000 / 1000 * factor
    nonfatal = round(expected) if c.code == SLIPPING else poisson(rng, expected)  # a clean rising trend
    abuse, labour = min(2, poisson(rng, 0.3)), min(3, poisson(rng, 0.6))
    forced = forced_incidents(c, year, fy["cfc_recognised"])
    drowning, abuse = forced.get("drowning_deaths", drowning), forced.get("abuse_cases", abuse)
    d1, o1, n1 = split(rng, drowning, 0.45), split(rng, other_deaths), split(rng, nonfatal)
    out["drowning_deaths"] = (d1, drowning)
    out["injury_deaths"] = (d1 + o1, drowning + other_deaths)
    out["injury_cases"] = (d1 + o1 + n1, drowning + other_deaths + nonfatal)
    # abuse and child labour: the supported ones within the cases
    with_plan = sum(rng.random() < 0.9 for _ in range(abuse))
    put("abuse_cases_with_plan", [(with_plan, 0.5)])
    out["abuse_cases"] = (out["abuse_cases_with_plan"][0] + split(rng, abuse - with_plan), abuse)
    supported = sum(rng.random() < 0.8 for _ in range(labour))
    put("child_labour_supported", [(supported, 0.5)])
    out["child_labour_cases"] = (out["child_labour_supported"][0] + split(rng, labour - supported), labour)
    put("new_hiv_children", [(poisson(rng, 0.005), 0.5)])
    # hotline 111: sessions in each half-year, households reached in proportion
    s1, s2 = rng.randint(1, 6), rng.randint(1, 6)
    reached = round(households * rng.uniform(0.30, 0.80))
    h1, h2 = round(reached * s1 / (s1 + s2)), round(reached * s2 / (s1 + s2))
    if year == 2025 and c.code in SD_NO_HOTLINE_H1_2025:
        s1 = h1 = 0
    out["hotline_111_sessions"] = (s1, s1 + s2)
    out["hotline_111_households_reached"] = (h1, h1 + h2)
    put("hotline_111_calls", [(int(clamp(round(p.calls * rng.uniform(0.7, 1.3)), 5, 60)), 0.5)])
    return out


def generate(communes: list[Commune]) -> dict[Key, dict[str, int]]:
    rng = random.Random(SEED)
    profiles = {c.code: draw_profile(c, rng) for c in communes}
    cfc = recognition(communes, rng)
    data: dict[Key, dict[str, int]] = {}
    for c in communes:
        for year in YEARS:
            h1 = stocks(c, profiles[c.code], year, "H1", cfc[c.code], rng)
            fy = stocks(c, profiles[c.code], year, "FY", cfc[c.code], rng)
            for name, (h1_value, fy_value) in flows(c, profiles[c.code], year, fy, rng).items():
                h1[name], fy[name] = h1_value, fy_value
            data[(c.code, year, "H1")], data[(c.code, year, "FY")] = h1, fy
    del data[(SD_MISSING_H1_2025, 2025, "H1")]  # story 2: not reported
    for name in PARTIAL_OMITTED:  # story 3: a partial report
        del data[(SD_PARTIAL_H1_2025, 2025, "H1")][name]
    return data


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_org_units(communes: list[Commune]) -> int:
    provinces = sorted({(c.province_code, c.province) for c in communes})
    districts = sorted({(c.district_code, c.district, c.province_code) for c in communes})
    rows = [[code, name, f"Tỉnh {name}", "tỉnh", "province", "", VALID_FROM, ""] for code, name in provinces]
    rows += [
        [code, name, f"Huyện {name}", "huyện", "district", parent, VALID_FROM, ""] for code, name, parent in districts
    ]
    rows += [[c.code, c.name, c.full_name, c.type, "commune", c.district_code, VALID_FROM, ""] for c in communes]
    write_csv(HERE / "org_units.csv", ["code", "name", "full_name", "type", "level", "parent_code", "valid_from", "valid_to"], rows)  # fmt: skip
    return len(rows)


def copy_boundaries() -> None:
    BOUNDARY_DIR.mkdir(exist_ok=True)
    for stem in BOUNDARY_FILES:
        if GEO_SOURCE.is_dir():
            shutil.copy(GEO_SOURCE / f"{stem}.geojson", BOUNDARY_DIR / f"{stem}.geojson")


def write_values(data: dict[Key, dict[str, int]]) -> int:
    rows = [[code, str(year), period, name, str(int(values[name]))]
            for (code, year, period), values in sorted(data.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] == "FY"))
            for name in ELEMENTS if name in values]  # fmt: skip
    write_csv(HERE / "data_values.csv", ["commune_code", "year", "period", "data_element", "value"], rows)
    return len(rows)


def self_check(data: dict[Key, dict[str, int]], communes: list[Commune]) -> dict[str, int]:
    """Assert the consistency rules and the stories; return the Sơn Động totals the README quotes."""
    for (code, year, period), v in data.items():
        assert all(isinstance(x, int) and x >= 0 for x in v.values()), (code, year, period)
        for name in ("cfc_recognised", "cp_board_active", "water_safety_programme"):
            assert v.get(name, 0) in (0, 1), (code, year, period, name)
        for a, b in CHECKS:
            assert a not in v or b not in v or v[a] <= v[b], (code, year, period, a, v[a], b, v[b])
        if period == "FY" and (code, year, "H1") in data:
            h1 = data[(code, year, "H1")]
            assert all(h1[f] <= v[f] for f in FLOWS if f in h1), (code, year)
    sd = [c.code for c in communes if c.district_code == SON_DONG]
    cl = [c.code for c in communes if c.district_code == CHI_LANG]

    def total(codes: list[str], year: int, period: str, name: str) -> int:
        return sum(data[(k, year, period)].get(name, 0) for k in codes if (k, year, period) in data)

    def eligible(codes: list[str]) -> list[str]:
        fy = [data[(k, 2024, "FY")] for k in codes]
        return [
            k
            for k, v in zip(codes, fy, strict=True)
            if v["cfc_recognised"] and not v["drowning_deaths"] + v["abuse_cases"]
        ]

    reached = {k: data[(k, 2025, "H1")].get("hotline_111_households_reached") for k in sd if (k, 2025, "H1") in data}
    summary = {
        "drowning_2023": total(sd, 2023, "FY", "drowning_deaths"), "drowning_2024": total(sd, 2024, "FY", "drowning_deaths"),
        "injury_2023": total(sd, 2023, "FY", "injury_cases"), "injury_2024": total(sd, 2024, "FY", "injury_cases"),
        "cfc_2024": total(sd, 2024, "FY", "cfc_recognised"), "eligible_2024": len(eligible(sd)),
        "cl_cfc_2024": total(cl, 2024, "FY", "cfc_recognised"), "cl_eligible_2024": len(eligible(cl)),
        "hotline_h1_2025": total(sd, 2025, "H1", "hotline_111_households_reached"),
    }  # fmt: skip
    assert (summary["drowning_2023"], summary["drowning_2024"]) == (4, 2), summary
    assert summary["injury_2024"] < summary["injury_2023"], summary
    assert (summary["cfc_2024"], summary["eligible_2024"], len(sd)) == (14, 12, 17), summary
    assert (summary["cl_cfc_2024"], summary["cl_eligible_2024"], len(cl)) == (16, 16, 20), summary
    assert sorted(k for k, x in reached.items() if x == 0) == sorted(SD_NO_HOTLINE_H1_2025), reached
    assert reached[SD_PARTIAL_H1_2025] is None and SD_MISSING_H1_2025 not in reached
    return summary


README = """# Dữ liệu mẫu / Sample data

> **Số liệu GIẢ LẬP (SYNTHETIC)**, do `make_sample.py` sinh ra với hạt giống cố định (`random.Random({seed})`),
> không phải số liệu báo cáo thật của bất kỳ xã nào. **Ranh giới minh họa, không phải bản đồ chính thức.**

## Tiếng Việt

Dữ liệu mẫu cho 4 huyện theo danh mục năm 2024 (trước sắp xếp 01/7/2025): Sơn Động (220), Hiệp Hòa (223) thuộc
Bắc Giang; Sơn Hà (529) thuộc Quảng Ngãi; Chi Lăng (187) thuộc Lạng Sơn. Gồm 76 xã, thị trấn, năm 2020–2025, kỳ
`H1` (6 tháng đầu năm) và `FY` (cả năm), 34 chỉ số dữ liệu chuẩn. Số liệu được rút ngẫu nhiên quanh các mức thực tế
toàn quốc. Chạy lại `python sample_data/make_sample.py` (từ thư mục gốc) thì được các tệp giống hệt từng byte. Cuối
script có bước tự kiểm tra mọi quy tắc nhất quán (ví dụ `drowning_deaths <= injury_deaths <= injury_cases`, FY ≥ H1
với chỉ số phát sinh).

| tệp | cột, nội dung |
|---|---|
| `org_units.csv` | `code,name,full_name,type,level,parent_code,valid_from,valid_to`: 3 tỉnh, 4 huyện, 76 xã. `code` là mã GSO dạng chuỗi, giữ số 0 đầu (`07615`); `type`: tỉnh, huyện, xã, thị trấn; `level`: province, district, commune; `parent_code`: mã đơn vị cấp trên; hiệu lực từ {valid_from} (sáp nhập xã theo NQ 813, 818), `valid_to` để trống |
| `boundaries/*.geojson` | bản sao nguyên vẹn ranh giới xã của 4 huyện (`son_dong`, `hiep_hoa`, `son_ha`, `chi_lang`) và khu vực không thuộc xã ở Sơn Động (Trung tâm huấn luyện Cấm Sơn, `son_dong_non_commune_area`, nên tô màu xám) |
| `data_values.csv` | `commune_code,year,period,data_element,value`: {rows_vi} dòng. `period`: `H1` hoặc `FY`; `data_element`: mã chỉ số chuẩn (`data_access/standard_elements.py`); `value`: số nguyên ≥ 0 (có/không = 1/0). Chỉ số tồn (stock) là số tại thời điểm báo cáo; chỉ số phát sinh (flow) là số phát sinh trong kỳ. Không có dòng = chưa báo cáo (không phải 0) |
| `make_sample.py` | script sinh các tệp trên |

**Ranh giới.** Hình học thô (~1:250k, khoảng năm 2013, đã giản lược) từ gói R `choisy/vietnam63`, được gộp lại theo
danh mục xã năm 2024. Gói này ghi giấy phép MIT, nhưng nhãn đó do tác giả gói tự gắn. Dữ liệu gốc là bản đồ nền của
WHO Việt Nam, lấy từ bộ dữ liệu hành chính quốc gia, nên quyền phân phối lại **chưa được xác minh**. Tên và mã lấy
từ `daohoangson/dvhcvn` (danh mục GSO, 01/11/2024). Bản đồ phải ghi rõ "Ranh giới minh họa, không phải bản đồ chính
thức". Trước khi triển khai thật, thay bằng dữ liệu OpenStreetMap trước 01/7/2025 (ODbL, ghi "© OpenStreetMap
contributors") hoặc dữ liệu chính thức của Sở TN&MT. Chi tiết: `shared/geo/README.md`. Số liệu năm 2025 vẫn theo
danh mục năm 2024 (Hiệp Hòa đã sắp xếp lại từ 01/01/2025, cấp huyện bỏ từ 01/7/2025); đây là dữ liệu minh họa.

**Các tình huống cài sẵn** (huyện Sơn Động, trừ mục 7)

{stories_vi}

## English

Sample data for 4 districts as listed in 2024, before the 1 July 2025 reform: Sơn Động (220) and Hiệp Hòa (223) in
Bắc Giang, Sơn Hà (529) in Quảng Ngãi, and Chi Lăng (187) in Lạng Sơn. It covers 76 communes, the years 2020–2025, the
periods `H1` (first six months) and `FY` (whole year), and the 34 standard data elements. The figures are
**SYNTHETIC**: `make_sample.py` draws them with a fixed seed around national magnitudes. Re-running it reproduces the
files byte for byte and self-checks every consistency rule. The boundaries are **ILLUSTRATIVE, not official**. The
geometry is coarse 2013 data from `choisy/vietnam63`; the MIT label there was added by the package author, and the
upstream redistribution rights are unverified. Names and codes come from the GSO list via `daohoangson/dvhcvn`. Before
real use, replace the boundaries with OpenStreetMap data from before July 2025 or official data (see
`shared/geo/README.md`). The 2025 figures also use the 2024 units.

| file | columns, content |
|---|---|
| `org_units.csv` | `code,name,full_name,type,level,parent_code,valid_from,valid_to`: 3 provinces, 4 districts, 76 communes. Codes are strings that keep their leading zeros; `level` is province, district or commune; every unit is valid from {valid_from}; `valid_to` is empty |
| `boundaries/*.geojson` | unchanged copies of the 4 district files and the Sơn Động non-commune area (a military training ground; draw it in grey) |
| `data_values.csv` | `commune_code,year,period,data_element,value`, {rows_en} rows of whole numbers (yes/no = 1/0). Stocks are levels at report time; flows are events in the period (FY ≥ H1). A missing row means "not reported", never 0 |
| `make_sample.py` | the generator |

**Stories in the figures** (Sơn Động district unless stated)

{stories_en}

## Mẫu sau sắp xếp 2025 / The post-reform sample: `bac_ninh_2026/`

Tỉnh Bắc Ninh mới (99 xã, phường từ 01/07/2025), các xã cũ của Bắc Giang và Bắc Ninh đến 30/06/2025, quan hệ sáp
nhập, ranh giới minh họa 99 xã và số liệu giả lập 2020–2026 H1, do `make_bac_ninh.py` sinh ra; nạp cùng cơ sở dữ
liệu với mẫu này mà không đổi gì của mẫu này. Chi tiết, nguồn và các tình huống: `bac_ninh_2026/README.md`.
Nguồn và giấy phép: danh mục đơn vị `vietnamadminunits` 1.0.4 (MIT, © 2025 Tran Ngoc Minh Hieu); ranh giới dựng từ
`choisy/vietnam63` 0.1.0 (MIT theo DESCRIPTION, Marc Choisy) và `vietnamadminunits`, theo
`shared/geo/post-2025/README.md`. **Ranh giới minh họa, không phải bản đồ chính thức.**

The new Bắc Ninh province (99 communes from 1 July 2025), the old communes of Bắc Giang and Bắc Ninh, the lineage,
the 99 illustrative boundaries and synthetic figures 2020 to 2026 H1, generated by `make_bac_ninh.py`; it loads into
the same database and changes nothing of this sample. Details, sources and stories: `bac_ninh_2026/README.md`.
Sources and licences: units from `vietnamadminunits` 1.0.4 (MIT, © 2025 Tran Ngoc Minh Hieu); boundaries built from
`choisy/vietnam63` 0.1.0 (MIT per its DESCRIPTION, Marc Choisy) and `vietnamadminunits`. **Illustrative boundaries,
not an official map.**
"""


def write_readme(communes: list[Commune], s: dict[str, int], rows: int) -> None:
    names = {c.code: c.name for c in communes}

    def n(*codes: str) -> str:
        return ", ".join(f"{names[k]} ({k})" for k in codes)

    def vi_num(x: int) -> str:  # 1.234 in Vietnamese, 1,234 in English
        return f"{x:,}".replace(",", ".")

    d23, d24 = (n(*SD_DROWNING_FY[y]) for y in (2023, 2024))
    assessed, omitted = ", ".join(map(str, ASSESSMENT_YEARS)), ", ".join(f"`{x}`" for x in PARTIAL_OMITTED)
    not_recognised = n(*SD_NEVER_RECOGNISED, SLIPPING)
    vi = [
        f"1. **Xã phù hợp với trẻ em 2024 (FY):** {s['cfc_2024']}/17 xã được công nhận, nhưng chỉ {s['eligible_2024']} xã đủ điều kiện (quy tắc `requires_zero: [drowning_deaths, abuse_cases]`). {n(SD_CFC_DROWNING_2024)} có 1 trẻ tử vong do đuối nước; {n(SD_CFC_ABUSE_2024)} có 1 trẻ bị xâm hại năm 2024. Các xã được công nhận khác không có trường hợp nào. Chưa được công nhận: {not_recognised}. Kết quả công nhận chỉ thay đổi ở kỳ FY của năm đánh giá ({assessed}); kỳ H1 giữ kết quả FY năm trước.",
        f"2. **Chưa báo cáo:** {n(SD_MISSING_H1_2025)} chưa gửi báo cáo 6 tháng đầu năm 2025 (không có dòng H1 2025 nào). Mọi xã đều có FY 2025.",
        f"3. **Báo cáo thiếu:** báo cáo H1 2025 của {n(SD_PARTIAL_H1_2025)} thiếu 8 chỉ số: {omitted}.",
        f'4. **Đuối nước, tai nạn thương tích:** toàn huyện có {s["drowning_2023"]} trẻ tử vong do đuối nước năm 2023 ({d23}) và {s["drowning_2024"]} trẻ năm 2024 ({d24}), nên đạt chỉ tiêu "giảm". Số trẻ bị tai nạn thương tích giảm từ {vi_num(s["injury_2023"])} (2023) xuống {vi_num(s["injury_2024"])} (2024).',
        f"5. **Tổng đài 111, H1 2025:** {vi_num(s['hotline_h1_2025'])} hộ có trẻ em được truyền thông. {n(*SD_NO_HOTLINE_H1_2025)} báo cáo 0 buổi, 0 hộ.",
        f'6. **Xu hướng:** {n(IMPROVING)} tiến bộ rõ: tỷ lệ "Ngôi nhà an toàn" và tỷ lệ trẻ biết bơi tăng đều 2020–2025. {n(SLIPPING)} đi xuống: tỷ lệ "Ngôi nhà an toàn" giảm, tai nạn thương tích tăng; từ 2024 Ban BVTE ngừng hoạt động và xã mất công nhận.',
        f"7. **Chi Lăng:** {s['cl_cfc_2024']}/20 xã được công nhận năm 2024 (80 %), đúng như kế hoạch năm 2025 của huyện nêu. Không xã nào trong số đó có trẻ đuối nước hay bị xâm hại ({s['cl_eligible_2024']} xã đủ điều kiện). Chưa được công nhận: {n(*CL_NOT_RECOGNISED_2024)}.",
    ]
    en = [
        f"1. **Child-friendly communes, FY 2024:** {s['cfc_2024']} of 17 recognised, {s['eligible_2024']} eligible under `requires_zero: [drowning_deaths, abuse_cases]`. {n(SD_CFC_DROWNING_2024)} had 1 drowning death and {n(SD_CFC_ABUSE_2024)} had 1 abuse case in 2024; the other recognised communes had neither. Not recognised: {not_recognised}. Recognition changes only at FY of assessment years ({assessed}); H1 carries the previous FY.",
        f"2. **Not reported:** {n(SD_MISSING_H1_2025)} has not reported H1 2025 (no rows). FY 2025 is there for every commune.",
        f"3. **Partial report:** the H1 2025 report of {n(SD_PARTIAL_H1_2025)} lacks {omitted}.",
        f"4. **Drowning and injuries:** the district had {s['drowning_2023']} drowning deaths in FY 2023 ({d23}) and {s['drowning_2024']} in FY 2024 ({d24}), so `decrease` is met. Injury cases fell from {s['injury_2023']:,} (2023) to {s['injury_2024']:,} (2024).",
        f"5. **Hotline 111, H1 2025:** {s['hotline_h1_2025']:,} households reached. {n(*SD_NO_HOTLINE_H1_2025)} reported 0 sessions and 0 households.",
        f"6. **Trends:** {n(IMPROVING)} is improving: its safe-home and swim-safe rates rise every year. {n(SLIPPING)} is slipping: its safe-home rate falls and its injuries rise; from 2024 its board is inactive and it has lost recognition.",
        f"7. **Chi Lăng:** {s['cl_cfc_2024']} of 20 communes recognised in FY 2024 (80 %), as the district's 2025 plan states; none of them had a drowning death or abuse case ({s['cl_eligible_2024']} eligible). Not recognised: {n(*CL_NOT_RECOGNISED_2024)}.",
    ]  # fmt: skip
    text = README.format(seed=SEED, rows_vi=vi_num(rows), rows_en=f"{rows:,}", valid_from=VALID_FROM,
                         stories_vi="\n".join(vi), stories_en="\n".join(en))  # fmt: skip
    (HERE / "README.md").write_text(text, encoding="utf-8", newline="\n")


def main() -> None:
    communes = load_communes()
    assert len(communes) == 76, len(communes)
    copy_boundaries()
    units = write_org_units(communes)
    data = generate(communes)
    summary = self_check(data, communes)
    rows = write_values(data)
    assert rows == len(communes) * len(YEARS) * len(PERIODS) * len(ELEMENTS) - len(ELEMENTS) - len(PARTIAL_OMITTED)
    write_readme(communes, summary, rows)
    years = sorted({y for _, y, _ in data})
    print(
        f"org_units.csv: {units} rows; data_values.csv: {rows} rows, {len(communes)} communes, years {years[0]}-{years[-1]}"
    )
    print("self-check passed; Sơn Động:", ", ".join(f"{k}={v}" for k, v in summary.items()))


if __name__ == "__main__":
    main()
