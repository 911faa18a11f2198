"""Generate the post-reform sample in ``sample_data/bac_ninh_2026/`` (run from the repo root:
``python sample_data/make_bac_ninh.py``).

The new Bắc Ninh province (code 24, from 01/07/2025: 99 xã/phường) and the old units it was
made of (until 30/06/2025: the provinces Bắc Giang and Bắc Ninh, their 18 districts and their
communes), the lineage between them, the 99 illustrative boundaries, and SYNTHETIC figures:
old communes 2020 to 2025 H1, new communes 2025 FY and 2026 H1.

It sits beside the older sample (``make_sample.py``: Sơn Động and Hiệp Hòa among others), which
must stay exactly as it is and load into the same database. So:

- the 42 old communes of Sơn Động and Hiệp Hòa, those districts and the province Bắc Giang are
  written here with the old sample's own names (the seed then only ends their validity on
  30/06/2025, never renames them) and get no figures here: theirs are the old sample's;
- the old sample lists Hiệp Hòa as it was before its own rearrangement of 01/01/2025 (25
  communes; the official list of 2025 has 19). Those 25 are used, and the 6 that the official
  list no longer has are linked to the new commune of the commune that absorbed them (the
  official list names them as its aliases);
- a new commune made only of old-sample communes gets, for 2025 FY, the sum of their 2025 FY
  figures from the old sample (reuse theirs, contradict nothing).

Units and codes come from the pinned official list (``vietnamadminunits``, MIT) through
``data_access.places.read_official``; boundaries and lineage from ``shared/geo/post-2025``
(copied unchanged). The figures are drawn from ``random.Random(SEED)`` with the old sample's
own generator (``make_sample.stocks`` / ``flows``) around national magnitudes
(``shared/domain/README.md`` section 4). Re-running gives byte-identical files; a self-check at
the end asserts every consistency rule and the stories the README tells.
"""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
import make_sample as base  # noqa: E402  - the old sample's generator: same shapes of figures

from data_access.places import fold, read_official  # noqa: E402
from data_access.standard_elements import STANDARD_DATA_ELEMENTS  # noqa: E402

SEED = 20260701
OUT = HERE / "bac_ninh_2026"
GEO_SOURCE = Path(os.environ.get("BAC_NINH_GEO_DIR", HERE.parent.parent / "shared" / "geo" / "post-2025"))
GEO_FILE, LINEAGE_FILE = "bac_ninh_2025.geojson", "bac_ninh_2025_lineage.csv"
OLD_FROM, OLD_TO, NEW_FROM = "2020-01-01", "2025-06-30", "2025-07-01"
OLD_YEARS = tuple(range(2020, 2026))  # stored: 2020 H1 .. 2025 H1 (2025 FY belongs to the new units)
ELEMENTS = tuple(STANDARD_DATA_ELEMENTS)
FLOWS = {k for k, de in STANDARD_DATA_ELEMENTS.items() if de.kind == "flow"}
YES_NO = {k for k, de in STANDARD_DATA_ELEMENTS.items() if de.type == "yes_no"}
OLD_SAMPLE_DISTRICTS = ("220", "223")  # Sơn Động, Hiệp Hòa: in sample_data/org_units.csv already
MOUNTAIN_DISTRICTS = ("215", "218", "219", "220", "224")  # Yên Thế, Lục Nam, Lục Ngạn, Sơn Động, Chũ
OLD_BAC_NINH = "27"

# ---- Stories, chosen by code (README.md says them) -----------------------------------------------
FELL = "09187"  # Phường Kinh Bắc: its old wards' Safe Home rate was good (carried 2025 H1), 2026 H1 fell
FELL_HOME_BEFORE, FELL_HOME_2026 = 0.88, 0.62
DROWNING_CLUSTER_2026 = {"07582": 2, "07573": 1, "07594": 2}  # Lục Ngạn, Biển Động, Đèo Gia: neighbours
NOT_REPORTED_2026_H1 = "07543"  # Xã Sơn Hải: no 2026 H1 report at all
CODE_TRAP = "07615"  # Thị trấn An Châu until 30/06/2025, Xã Sơn Động (3 old communes) after
H1_DROWNING_RATE = 0.04
NESTED = (("abuse_cases_with_plan", "abuse_cases"), ("child_labour_supported", "child_labour_cases"))  # per new commune in the first half-year, outside the cluster (the peak is summer)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def source(name: str) -> Path:
    """The shared file, or (once copied) the copy here."""
    return GEO_SOURCE / name if (GEO_SOURCE / name).is_file() else OUT / name


def tidy(full_name: str) -> str:
    """The package writes "Thị Xã Việt Yên"; Vietnamese writes "Thị xã"."""
    return full_name.replace("Thị Xã", "Thị xã")


def point(centroid: tuple[float, float] | None) -> list[str]:
    return [f"{centroid[0]:.6f}", f"{centroid[1]:.6f}"] if centroid else ["", ""]


# --------------------------------------------------------------------------- units


def build_units() -> tuple[list[list[str]], list[base.Commune], dict[str, dict], set[str]]:
    """Rows of org_units.csv, the old communes to draw figures for, the new units' GeoJSON
    properties by code, and the codes of the old sample's units (no figures here)."""
    listing = read_official(["Bắc Ninh"])
    old_sample = {r["code"]: r for r in read_csv(HERE / "org_units.csv")}
    features = json.loads(source(GEO_FILE).read_text(encoding="utf-8"))["features"]
    new_props = {f["properties"]["code"]: f["properties"] for f in features}
    rows: list[list[str]] = []
    draw: list[base.Commune] = []
    districts = {u.code: u for u in listing.units if u.level == "district"}
    provinces_old = {u.code: u for u in listing.units if u.level == "province" and u.valid_to}
    sample_codes: set[str] = set()

    def sample_row(code: str) -> None:
        r = old_sample[code]
        sample_codes.add(code)
        rows.append([code, r["name"], r["full_name"], r["type"], r["level"], r["parent_code"], r["valid_from"], OLD_TO, "", ""])  # fmt: skip

    for code, p in sorted(provinces_old.items()):
        if code in old_sample:
            sample_row(code)
        else:
            rows.append([code, p.name, p.full_name, p.type, "province", "", OLD_FROM, OLD_TO, *point(p.centroid)])
    for code, d in sorted(districts.items(), key=lambda kv: (kv[1].parent_code or "", kv[0])):
        if code in old_sample:
            sample_row(code)
        else:
            rows.append([code, d.name, tidy(d.full_name), d.type, "district", d.parent_code or "", OLD_FROM, OLD_TO, *point(d.centroid)])  # fmt: skip
    for u in sorted((u for u in listing.units if u.level == "commune" and u.valid_to), key=lambda u: u.code):
        if u.parent_code in OLD_SAMPLE_DISTRICTS:
            continue  # the old sample's communes of these districts, below
        rows.append([u.code, u.name, u.full_name, u.type, "commune", u.parent_code or "", OLD_FROM, OLD_TO, *point(u.centroid)])  # fmt: skip
        d, p = districts[u.parent_code], provinces_old[districts[u.parent_code].parent_code]
        draw.append(base.Commune(u.code, u.name, u.full_name, u.type, d.code, d.name, p.code, p.name))
    for code, r in sorted(old_sample.items()):
        if r["level"] == "commune" and r["parent_code"] in OLD_SAMPLE_DISTRICTS:
            sample_row(code)
    new_province = next(u for u in listing.units if u.level == "province" and u.valid_from)
    rows.append([new_province.code, new_province.name, new_province.full_name, new_province.type, "province", "", NEW_FROM, "", *point(new_province.centroid)])  # fmt: skip
    for code, p in sorted(new_props.items()):
        name = p["name"]
        rows.append([code, name, p["full_name"], p["type"], "commune", p["province_code"], NEW_FROM, "", *point((p["centroid_lat"], p["centroid_lon"]))])  # fmt: skip
    return rows, sorted(draw, key=lambda c: c.code), new_props, sample_codes


def build_lineage(sample_codes: set[str]) -> list[list[str]]:
    """The shared 313 rows (with their effective date, as `places lineage` reads them), and a
    row for each old-sample commune the official list no longer has, to its absorber's unit."""
    shared = read_csv(source(LINEAGE_FILE))
    by_old = {r["old_code"]: r for r in shared}
    rows = [[r["old_code"], r["new_code"], r["share"], NEW_FROM, r["old_name"], r["new_name"]] for r in shared]
    sample = {r["code"]: r for r in read_csv(HERE / "org_units.csv")}
    absorbed = [c for c in sorted(sample_codes) if sample[c]["level"] == "commune" and c not in by_old]
    aliases = official_aliases()
    for code in absorbed:
        key = fold(sample[code]["full_name"]).replace(" ", "")
        absorber = next(k for k, names in aliases.items() if key in names)
        target = by_old[absorber]
        rows.append([code, target["new_code"], "1.0", NEW_FROM, sample[code]["full_name"], target["new_name"]])
    return sorted(rows, key=lambda r: r[0])


def official_aliases() -> dict[str, set[str]]:
    """Old (2024-list) commune code -> folded names of the communes merged into it in 2019–2025."""
    import sqlite3
    from importlib import resources

    with resources.as_file(resources.files("vietnamadminunits") / "data" / "dataset.db") as path:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            got = conn.execute(
                "SELECT wardCode, wardAlias FROM admin_units_legacy WHERE provinceCode IN ('24', '27')"
            ).fetchall()
        finally:
            conn.close()
    return {code: set(json.loads(alias)) for code, alias in got if alias}


# --------------------------------------------------------------------------- figures


def draw_profile(c: base.Commune, rng: random.Random) -> base.Profile:
    """The old sample's profile with this province's sizes: the lowland wards of old Bắc Ninh
    are large, the mountain communes of old Bắc Giang small (about 2,300 children on average)."""
    urban = c.type in ("phường", "thị trấn")
    if c.district_code in MOUNTAIN_DISTRICTS:
        lo, hi = (1800, 2800) if urban else (1100, 2100)
    elif c.province_code == OLD_BAC_NINH:
        lo, hi = (2600, 4200) if urban else (2000, 3400)
    else:
        lo, hi = (2400, 3800) if urban else (1600, 2900)
    saved = base.CHILDREN_RANGE.get(c.district_code)
    base.CHILDREN_RANGE[c.district_code] = ((lo, hi), (lo, hi))
    try:
        profile = base.draw_profile(c, rng)
    finally:
        if saved is None:
            del base.CHILDREN_RANGE[c.district_code]
        else:
            base.CHILDREN_RANGE[c.district_code] = saved
    return profile


def old_figures(communes: list[base.Commune], predecessors_of_fell: set[str], rng: random.Random):
    """(code, year, period) -> figures for 2020..2025 FY of the old communes drawn here
    (2025 FY is kept only to build the new communes' first figures; it is not written)."""
    profiles = {}
    for c in communes:
        p = draw_profile(c, rng)
        if c.code in predecessors_of_fell:  # story: good Safe Home rates before the reform
            p.rates["home"] = FELL_HOME_BEFORE
            p.slopes["home"] = 0.0
        profiles[c.code] = p
    cfc = base.recognition(communes, rng)
    data: dict[tuple[str, int, str], dict[str, int]] = {}
    for c in communes:
        for year in OLD_YEARS:
            h1 = base.stocks(c, profiles[c.code], year, "H1", cfc[c.code], rng)
            fy = base.stocks(c, profiles[c.code], year, "FY", cfc[c.code], rng)
            for name, (h1_value, fy_value) in base.flows(c, profiles[c.code], year, fy, rng).items():
                h1[name], fy[name] = h1_value, fy_value
            data[(c.code, year, "H1")], data[(c.code, year, "FY")] = h1, fy
    return data


def old_sample_figures() -> dict[tuple[str, int, str], dict[str, int]]:
    out: dict[tuple[str, int, str], dict[str, int]] = defaultdict(dict)
    for r in read_csv(HERE / "data_values.csv"):
        out[(r["commune_code"], int(r["year"]), r["period"])][r["data_element"]] = int(r["value"])
    return out


def combine(parts: list[dict[str, int]]) -> dict[str, int]:
    """A new commune's figures from its predecessors' (all shares are 1 in this province):
    counts add up; a yes/no holds only if it held for every one of them."""
    out: dict[str, int] = {}
    for name in ELEMENTS:
        values = [p[name] for p in parts if name in p]
        if len(values) < len(parts):
            continue
        out[name] = min(values) if name in YES_NO else sum(values)
    return out


def nest(v: dict[str, int]) -> dict[str, int]:
    """Keep every "a <= b" rule of the old sample after rescaling."""
    for a, b in base.CHECKS:
        if a in v and b in v:
            v[a] = min(v[a], v[b])
    return v


def first_half_2026(code: str, fy25: dict[str, int], rng: random.Random) -> dict[str, int]:
    """2026 H1 from the commune's 2025 FY: stocks move a little, flows are about half a year's."""
    grow = rng.uniform(0.995, 1.015)
    out: dict[str, int] = {}
    for name in ELEMENTS:
        x = fy25[name]
        if name in YES_NO:
            out[name] = x if name != "water_safety_programme" else max(x, int(rng.random() < 0.15))
        elif name in FLOWS:
            out[name] = round(x * rng.uniform(0.85, 1.10))  # this year's events; halved below
        elif name in ("schools_total", "cp_staff_total"):
            out[name] = x
        elif (
            (name.startswith("children")
            and not name.endswith(("served", "safe", "clubs")))
            or name
            in (
                "households_with_children",
                "special_children",
                "disabled_children",
            )
        ):
            out[name] = round(x * grow)
        else:  # the "served" stocks: a rate that drifts
            out[name] = round(x * grow * rng.uniform(0.97, 1.04))
    # The first half of the year's events, split part by part so that nested counts stay
    # nested with their real proportions (a case with a plan is one of the cases).
    year = {name: out[name] for name in FLOWS}
    for inner, outer in NESTED:
        year[inner] = min(year[inner], year[outer])
    for name in FLOWS:
        if name not in {i for i, _ in NESTED} | {o for _, o in NESTED}:
            out[name] = base.split(rng, year[name], 0.5)
    for inner, outer in NESTED:
        out[inner] = base.split(rng, year[inner], 0.5)
        out[outer] = out[inner] + base.split(rng, year[outer] - year[inner], 0.5)
    out["drowning_deaths"] = DROWNING_CLUSTER_2026.get(code, base.poisson(rng, H1_DROWNING_RATE))
    out["injury_deaths"] = max(out["injury_deaths"], out["drowning_deaths"])
    out["injury_cases"] = max(out["injury_cases"], out["injury_deaths"])
    if code == FELL:
        out["safe_home_households"] = round(out["households_with_children"] * FELL_HOME_2026)
    return nest(out)


def build_figures(new_props: dict[str, dict], lineage: list[list[str]], draw: list[base.Commune]):
    rng = random.Random(SEED)
    preds: dict[str, list[str]] = defaultdict(list)
    for old, new, *_ in lineage:
        preds[new].append(old)
    drawn = old_figures(draw, set(preds[FELL]), rng)
    sample = old_sample_figures()
    data: dict[tuple[str, int, str], dict[str, int]] = {k: v for k, v in drawn.items() if k[1:] != (2025, "FY")}
    for code in sorted(new_props):
        parts = [drawn.get((o, 2025, "FY")) or sample[(o, 2025, "FY")] for o in sorted(preds[code])]
        fy25 = combine(parts)
        data[(code, 2025, "FY")] = fy25
        if code != NOT_REPORTED_2026_H1:
            data[(code, 2026, "H1")] = first_half_2026(code, fy25, rng)
    return data, preds


# --------------------------------------------------------------------------- checks and README


def self_check(data, preds, units_rows, new_props) -> dict[str, object]:
    for (code, year, period), v in data.items():
        assert all(isinstance(x, int) and x >= 0 for x in v.values()), (code, year, period)
        for name in YES_NO:
            assert v.get(name, 0) in (0, 1), (code, year, period, name)
        for a, b in base.CHECKS:
            assert a not in v or b not in v or v[a] <= v[b], (code, year, period, a, v[a], b, v[b])
        if period == "FY" and (code, year, "H1") in data:
            h1 = data[(code, year, "H1")]
            assert all(h1[f] <= v[f] for f in FLOWS if f in h1), (code, year)
    new_codes = sorted(new_props)
    assert len(new_codes) == 99 and sum(1 for p in new_props.values() if p["type"] == "phường") == 33
    old_communes = [r for r in units_rows if r[4] == "commune" and r[7]]
    assert len(old_communes) == 319, len(old_communes)  # 294 official + the old sample's 25 of Hiệp Hòa
    assert sorted({o for olds in preds.values() for o in olds}) == sorted(r[0] for r in old_communes)
    assert all((c, 2025, "FY") in data for c in new_codes)
    reported = [c for c in new_codes if (c, 2026, "H1") in data]
    assert reported == [c for c in new_codes if c != NOT_REPORTED_2026_H1]

    def rate(v: dict[str, int]) -> float:
        return v["safe_home_households"] / v["households_with_children"]

    before = combine([data[(o, 2025, "H1")] for o in preds[FELL]])
    fell = (rate(before), rate(data[(FELL, 2026, "H1")]))
    assert fell[0] >= 0.85 and fell[1] <= 0.65, fell
    drowning = {c: data[(c, 2026, "H1")]["drowning_deaths"] for c in reported}
    cluster = sum(drowning[c] for c in DROWNING_CLUSTER_2026)
    elsewhere = {c: n for c, n in drowning.items() if n and c not in DROWNING_CLUSTER_2026}
    assert cluster == 5 and all(n == 1 for n in elsewhere.values()) and len(elsewhere) < cluster, elsewhere
    return {
        "fell": fell,
        "cluster": cluster,
        "elsewhere": len(elsewhere),
        "trap_parts": sorted(preds[CODE_TRAP]),
        "fell_parts": sorted(preds[FELL]),
        "children_2026": sum(data[(c, 2026, "H1")]["children_total"] for c in reported),
    }


def write_values(data) -> int:
    rows = [[code, str(year), period, name, str(values[name])]
            for (code, year, period), values in sorted(data.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] == "FY"))
            for name in ELEMENTS if name in values]  # fmt: skip
    write_csv(OUT / "data_values.csv", ["commune_code", "year", "period", "data_element", "value"], rows)
    return len(rows)



README = """# Mẫu sau sắp xếp: tỉnh Bắc Ninh 2025–2026 / Post-reform sample: Bắc Ninh province

> **Số liệu GIẢ LẬP (SYNTHETIC)**, do `../make_bac_ninh.py` sinh ra với hạt giống cố định (`random.Random({seed})`),
> không phải số liệu báo cáo thật. **Ranh giới minh họa, không phải bản đồ chính thức.**

## Tiếng Việt

Tỉnh Bắc Ninh mới (mã 24, từ 01/07/2025) gồm {new} xã, phường ({wards} phường, {xa} xã; loại đơn vị lấy từ tệp
ranh giới) và các đơn vị cũ đến 30/06/2025: tỉnh Bắc Giang (24) và tỉnh Bắc Ninh (27), {districts} huyện, thị xã,
thành phố và {old} xã, phường, thị trấn. Số liệu: các xã cũ báo cáo 2020 đến 6 tháng đầu năm 2025; các xã mới
báo cáo cả năm 2025 và 6 tháng đầu năm 2026 ({rows_vi} dòng).

Mẫu này nạp cùng một cơ sở dữ liệu với mẫu cũ (Sơn Động, Hiệp Hòa, …) và không làm thay đổi mẫu cũ: 42 xã cũ
của Sơn Động và Hiệp Hòa, hai huyện đó và tỉnh Bắc Giang giữ nguyên tên và số liệu của mẫu cũ, chỉ được ghi
ngày hết hiệu lực 30/06/2025. Mẫu cũ ghi Hiệp Hòa như trước khi sắp xếp ngày 01/01/2025 (25 xã; danh mục chính
thức năm 2025 có 19), nên ở đây có {old} xã cũ (294 theo danh mục chính thức + 25 của Hiệp Hòa); 6 xã không còn
trong danh mục chính thức được nối vào xã mới của xã đã nhận chúng (theo tên cũ ghi trong danh mục). Số liệu cả
năm 2025 của một xã mới chỉ gồm các xã của mẫu cũ là tổng số liệu cả năm 2025 của các xã đó trong mẫu cũ.

| tệp | nội dung |
|---|---|
| `org_units.csv` | `code,name,full_name,type,level,parent_code,valid_from,valid_to,centroid_lat,centroid_lon`: {units} đơn vị của hai giai đoạn; tọa độ tâm từ danh mục chính thức (đơn vị cũ) và từ tệp ranh giới (đơn vị mới) |
| `lineage.csv` | `old_code,new_code,share,effective_date,old_name,new_name`: {lineage} dòng (mọi tỷ lệ = 1: không xã nào bị chia), đọc được bằng `places lineage` |
| `bac_ninh_2025.geojson`, `bac_ninh_2025_lineage.csv` | bản sao nguyên vẹn từ `shared/geo/post-2025/` |
| `data_values.csv` | `commune_code,year,period,data_element,value`; không có dòng = chưa báo cáo |

**Nguồn và giấy phép.** Danh mục đơn vị và mã: gói `vietnamadminunits` 1.0.4 (PyPI, giấy phép MIT, © 2025 Tran
Ngoc Minh Hieu), qua `data_access.places.read_official`. Ranh giới: dựng từ `choisy/vietnam63` 0.1.0 (giấy phép
MIT ghi trong DESCRIPTION, tác giả Marc Choisy; đa giác xã năm 2013, tỷ lệ 1:250.000) và `vietnamadminunits` 1.0.4,
theo cách mô tả trong `shared/geo/post-2025/README.md`. Khi phân phối lại, giữ các thông báo bản quyền này.
**Ranh giới minh họa, không phải bản đồ chính thức.**

**Các tình huống cài sẵn**

{stories_vi}

## English

The new Bắc Ninh province (code 24, from 1 July 2025): {new} communes ({wards} phường, {xa} xã; types from the
GeoJSON), and the old units until 30 June 2025: the provinces Bắc Giang (24) and Bắc Ninh (27), {districts}
districts and {old} communes. Old communes report 2020 to 2025 H1; new communes 2025 FY and 2026 H1 ({rows_en}
rows). It loads into the same database as the older sample and changes nothing of it: the 42 old communes of Sơn
Động and Hiệp Hòa, those districts and the province Bắc Giang keep the old sample's names and figures and only get
their end date. The old sample has Hiệp Hòa as before its 1 January 2025 rearrangement (25 communes; the official
2025 list has 19), hence {old} old communes (294 official + 25); the 6 missing from the official list are linked to
the new commune of the commune that absorbed them. A new commune made only of old-sample communes gets, for 2025
FY, the sum of their 2025 FY figures in the old sample.

Sources and licences: units and codes from `vietnamadminunits` 1.0.4 (MIT, © 2025 Tran Ngoc Minh Hieu); boundaries
built from `choisy/vietnam63` 0.1.0 (MIT per its DESCRIPTION, Marc Choisy; 2013 polygons at 1:250,000) and
`vietnamadminunits` (method in `shared/geo/post-2025/README.md`). Keep these notices when redistributing.
**Illustrative boundaries, not an official map.**

**Stories in the figures**

{stories_en}
"""


def write_readme(summary: dict[str, object], units: list[list[str]], lineage: int, rows: int) -> None:
    names = {r[0] + r[6]: r[2] for r in units}

    def new(code: str) -> str:
        return f"{names[code + NEW_FROM]} ({code})"

    def old(code: str) -> str:
        return f"{names[code + OLD_FROM]} ({code})"

    def pct(x: float, lang: str) -> str:
        text = f"{x * 100:.1f}"
        return (text.replace(".", ",") if lang == "vi" else text) + " %"

    before, after = summary["fell"]
    trap = ", ".join(old(c) for c in summary["trap_parts"])
    cluster = ", ".join(f"{new(c)}: {n}" for c, n in DROWNING_CLUSTER_2026.items())
    vi = [
        f"1. **Mã không phải là đơn vị:** `07615` là {old(CODE_TRAP).split(' (')[0]} đến 30/06/2025 và là Xã Sơn Động từ 01/07/2025, gồm {trap}. So 6 tháng đầu năm 2026 với cùng kỳ 2025, số liệu năm trước của Xã Sơn Động là tổng của ba xã cũ, không phải của riêng thị trấn An Châu.",
        f'2. **Tốt trước sáp nhập, rồi giảm:** {new(FELL)} gồm {len(summary["fell_parts"])} phường cũ có tỷ lệ hộ đạt "Ngôi nhà an toàn" cao ({pct(before, "vi")} cộng chung, 6 tháng đầu năm 2025); 6 tháng đầu năm 2026 chỉ còn {pct(after, "vi")}, dưới chỉ tiêu 80 %.',
        f"3. **Cụm đuối nước:** 6 tháng đầu năm 2026 có {summary['cluster']} trẻ tử vong do đuối nước ở ba xã liền nhau của vùng Lục Ngạn cũ ({cluster}); cả tỉnh còn {summary['elsewhere']} trường hợp ở nơi khác.",
        f"4. **Chưa báo cáo:** {new(NOT_REPORTED_2026_H1)} chưa gửi báo cáo 6 tháng đầu năm 2026 (không có dòng nào); 98/99 xã đã báo cáo.",
        "5. **Xã phù hợp với trẻ em sau sáp nhập:** một xã mới chỉ được tính là phù hợp với trẻ em nếu mọi xã cũ của nó đều đã được công nhận, nên tỷ lệ toàn tỉnh giảm mạnh so với các huyện trước sáp nhập.",
    ]
    en = [
        f"1. **A code is not a unit:** `07615` is {old(CODE_TRAP).split(' (')[0]} until 30/06/2025 and Xã Sơn Động from 01/07/2025, made of {trap}. Compared with 2025 H1, Xã Sơn Động's earlier figures are the sum of the three, not An Châu's alone.",
        f'2. **Good before the merger, then fell:** {new(FELL)} is {len(summary["fell_parts"])} old wards with a high "Safe Home" rate ({pct(before, "en")} pooled, 2025 H1); in 2026 H1 it is {pct(after, "en")}, below the 80 % target.',
        f"3. **A drowning cluster:** in 2026 H1, {summary['cluster']} child drowning deaths in three neighbouring communes of the former Lục Ngạn ({cluster}); {summary['elsewhere']} elsewhere in the province.",
        f"4. **Not reported:** {new(NOT_REPORTED_2026_H1)} has not sent its 2026 H1 report (no rows); 98 of 99 communes have.",
        "5. **Child-friendly communes after the merger:** a new commune counts as child-friendly only if every old commune in it was recognised, so the province's share drops well below the districts' before the reform.",
    ]  # fmt: skip
    text = README.format(
        seed=SEED, new=99, wards=33, xa=66, districts=18, old=319, units=len(units), lineage=lineage,
        rows_vi=f"{rows:,}".replace(",", "."), rows_en=f"{rows:,}", stories_vi="\n".join(vi), stories_en="\n".join(en),
    )  # fmt: skip
    (OUT / "README.md").write_text(text, encoding="utf-8", newline="\n")

def main() -> None:
    OUT.mkdir(exist_ok=True)
    units, draw, new_props, sample_codes = build_units()
    lineage = build_lineage(sample_codes)
    data, preds = build_figures(new_props, lineage, draw)
    summary = self_check(data, preds, units, new_props)
    for name in (GEO_FILE, LINEAGE_FILE):  # unchanged copies, with their licence lines in README.md
        if (GEO_SOURCE / name).is_file() and GEO_SOURCE.resolve() != OUT.resolve():
            (OUT / name).unlink(missing_ok=True)  # the shared files are read-only; their copies need not be
            shutil.copyfile(GEO_SOURCE / name, OUT / name)
    header = ["code", "name", "full_name", "type", "level", "parent_code", "valid_from", "valid_to", "centroid_lat", "centroid_lon"]  # fmt: skip
    write_csv(OUT / "org_units.csv", header, units)
    write_csv(OUT / "lineage.csv", ["old_code", "new_code", "share", "effective_date", "old_name", "new_name"], lineage)
    rows = write_values(data)
    write_readme(summary, units, len(lineage), rows)
    print(f"org_units.csv: {len(units)} rows; lineage.csv: {len(lineage)} rows; data_values.csv: {rows} rows")
    print("self-check passed:", ", ".join(f"{k}={v}" for k, v in summary.items()))


if __name__ == "__main__":
    main()
