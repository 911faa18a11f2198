"""`python -m data_access generate`: a synthetic country at any size, for benchmarks.

Builds a tree country → provinces → districts → communes (GSO-shaped codes: province
2 digits, district 3, commune 5; Vietnamese-looking names with diacritics), gives
each unit a simple rectangular boundary laid out on a grid over Viet Nam's bounding
box, fills every standard data element for H1 and FY of every year at realistic
magnitudes, and writes a targets file whose area is the smallest unit holding every
commune (a district, a province or the country).

Why not `seed.add_values`: a national dataset is ~7 million figures. Values go in
with PostgreSQL's COPY or SQLite `executemany` in large transactions, in primary-key
order, without audit rows (one `ImportBatch` records the load). The figures obey the
spec's consistency rules (e.g. drowning ≤ injury deaths ≤ injuries) and FY ≥ H1 for
every flow, so the importer, the checks and the pages see plausible data.

Everything is drawn from `numpy.random.default_rng(seed)`: the same arguments give
the same database.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, delete, func, insert, select, text
from sqlalchemy.engine import make_url

from data_access import db, migrations
from data_access.models import AuditEntry, DataValue, ImportBatch, OrgUnit, OrgUnitMerger
from data_access.seed import ensure_data_elements
from data_access.standard_elements import STANDARD_DATA_ELEMENTS
from data_access.targets import load_plan
from i18n import fmt_number, t

GENERATOR_VERSION = 2  # bump when the output changes, so cached benchmark databases are rebuilt
GENERATED_BY = "generate"
COUNTRY_CODE = "VN"
# Viet Nam's bounding box (lat, lon): the grid the synthetic boundaries are laid on.
BBOX = (8.4, 102.1, 23.4, 109.5)
# The 63 GSO province codes (before the 2025 mergers).
PROVINCE_CODES = (
    "01 02 04 06 08 10 11 12 14 15 17 19 20 22 24 25 26 27 30 31 33 34 35 36 37 38 40 42 44 45 46 48 "
    "49 51 52 54 56 58 60 62 64 66 67 68 70 72 74 75 77 79 80 82 83 84 86 87 89 91 92 93 94 95 96"
).split()
SYLLABLES = (
    "An Bình Tân Phú Hòa Thạnh Long Phước Thanh Hưng Sơn Đông Tây Nam Bắc Quảng Hải Lâm Trường Vĩnh "
    "Đức Thuận Mỹ Lộc Hiệp Yên Kim Ngọc Thái Quang Minh Định Xuân Cẩm Đồng Lạc Hữu Nghĩa Trung Thượng "
    "Phong Khánh Hồng Tiến Cường Lợi Thịnh Hà Giang Châu Điền Quý Hạnh Vân Hương Liên Tường"
).split()
COMMUNES_PER_DISTRICT = 15  # ≈ 10,600 communes / 705 districts before 2025
COMMUNES_PER_PROVINCE = 168  # ≈ 10,600 / 63
ELEMENTS = tuple(sorted(STANDARD_DATA_ELEMENTS))  # primary-key order of data_element_id
PERIODS = ("FY", "H1")  # primary-key order of period
VALUE_COLUMNS = (
    "org_unit_id",
    "data_element_id",
    "year",
    "period",
    "value",
    "source",
    "updated_by",
    "updated_at",
    "version",
)


class GenerateError(Exception):
    """A mistake a person can fix (bad arguments, a database that is not empty)."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


# --- the tree ---------------------------------------------------------------------------


@dataclass
class Unit:
    code: str
    name: str
    full_name: str
    type: str
    level: str
    parent: str | None
    box: tuple[float, float, float, float]  # south, west, north, east
    children: list[str] = field(default_factory=list)


@dataclass
class Country:
    units: list[Unit]  # parents before children
    communes: list[Unit]
    provinces: int
    districts: int

    def plan_area(self) -> Unit:
        """The smallest unit that holds every commune."""
        by_code = {u.code: u for u in self.units}
        root = by_code[COUNTRY_CODE]
        unit = root
        while len(unit.children) == 1 and by_code[unit.children[0]].level != "commune":
            unit = by_code[unit.children[0]]
        return unit


def _split(total: int, parts: int, rng: np.random.Generator) -> list[int]:
    """`total` split into `parts` positive sizes that vary by about ±30 %."""
    weights = rng.uniform(0.7, 1.3, parts)
    sizes = np.maximum(1, np.floor(weights / weights.sum() * total)).astype(int)
    while sizes.sum() > total:  # at least one each, then trim or pad to the total
        sizes[int(np.argmax(sizes))] -= 1
    for i in range(total - int(sizes.sum())):
        sizes[i % parts] += 1
    return [int(s) for s in sizes]


def _grid(box: tuple[float, float, float, float], n: int) -> list[tuple[float, float, float, float]]:
    """`n` cells tiling `box` row by row, about square on the ground."""
    south, west, north, east = box
    height, width = north - south, (east - west) * math.cos(math.radians((north + south) / 2))
    cols = max(1, round(math.sqrt(n * width / height))) if height > 0 else n
    cols = min(cols, n)
    rows = math.ceil(n / cols)
    cells = []
    for i in range(n):
        r, c = divmod(i, cols)
        in_row = cols if r < rows - 1 else n - cols * (rows - 1)  # the last row stretches
        dy, dx = (north - south) / rows, (east - west) / in_row
        cells.append((north - (r + 1) * dy, west + c * dx, north - r * dy, west + (c + 1) * dx))
    return cells


def _name(rng: np.random.Generator, number: int) -> str:
    a, b = rng.choice(len(SYLLABLES), 2, replace=False)
    return f"{SYLLABLES[a]} {SYLLABLES[b]} {number}"


def build_country(communes: int, seed: int = 1) -> Country:
    """The tree for `communes` communes: ~168 per province (at most 63), ~15 per district."""
    if not 1 <= communes <= 99_999:
        raise GenerateError("generate_bad_communes", communes=communes)
    rng = np.random.default_rng(seed)
    n_prov = min(len(PROVINCE_CODES), max(1, round(communes / COMMUNES_PER_PROVINCE)))
    n_dist = min(999, max(n_prov, round(communes / COMMUNES_PER_DISTRICT)))
    country = Unit(COUNTRY_CODE, "Việt Nam", "Việt Nam (dữ liệu giả lập)", "quốc gia", "country", None, BBOX)
    units, leaves = [country], []
    dist_sizes = _split(n_dist, n_prov, rng)
    commune_sizes = iter(_split(communes, n_dist, rng))
    dist_no, commune_no = 0, 0
    for p, (p_code, p_box) in enumerate(zip(PROVINCE_CODES, _grid(BBOX, n_prov), strict=False)):
        p_name = _name(rng, p + 1)
        prov = Unit(p_code, p_name, f"Tỉnh {p_name}", "tỉnh", "province", COUNTRY_CODE, p_box)
        units.append(prov)
        country.children.append(p_code)
        for d_box in _grid(p_box, dist_sizes[p]):
            dist_no += 1
            d_code, d_name = f"{dist_no:03d}", _name(rng, dist_no)
            dist = Unit(d_code, d_name, f"Huyện {d_name}", "huyện", "district", p_code, d_box)
            units.append(dist)
            prov.children.append(d_code)
            size = next(commune_sizes)
            for i, c_box in enumerate(_grid(d_box, size)):
                commune_no += 1
                c_code, c_name = f"{commune_no:05d}", _name(rng, commune_no)
                kind = "thị trấn" if i == 0 and size > 4 else "xã"  # a district town first
                c = Unit(c_code, c_name, f"{kind[0].upper()}{kind[1:]} {c_name}", kind, "commune", d_code, c_box)
                units.append(c)
                leaves.append(c)
                dist.children.append(c_code)
    return Country(units, leaves, n_prov, n_dist)


def boundary(box: tuple[float, float, float, float], margin: float = 0.03) -> tuple[dict, tuple[float, float]]:
    """A GeoJSON polygon (five points: a closed rectangle, slightly inset) and its centroid."""
    south, west, north, east = box
    dy, dx = (north - south) * margin, (east - west) * margin
    s, w, n, e = south + dy, west + dx, north - dy, east - dx
    ring = [[round(x, 5), round(y, 5)] for x, y in ((w, s), (e, s), (e, n), (w, n), (w, s))]
    return {"type": "Polygon", "coordinates": [ring]}, (round((s + n) / 2, 5), round((w + e) / 2, 5))


# --- the figures ------------------------------------------------------------------------


def generate_figures(
    n: int, years: list[int], seed: int = 1, *, towns: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Every standard element as an int array [commune, year, period] (period 0 = FY, 1 = H1).

    Stocks are levels at report time (end of June for H1, end of December for FY);
    flows are events in the period, H1 drawn as a binomial part of the year's FY so
    that FY ≥ H1 and every nesting (drowning ⊂ injury deaths ⊂ injuries) holds in both.
    """
    rng = np.random.default_rng(seed + 7919)
    ny = len(years)
    town = towns if towns is not None else np.zeros(n, bool)
    out: dict[str, np.ndarray] = {}

    def per_commune(lo: float, hi: float) -> np.ndarray:
        return rng.uniform(lo, hi, n)[:, None, None]

    # time in years since 1 January of the first year, at each report
    tt = (np.arange(ny)[None, :, None] + np.array([1.0, 0.5])[None, None, :]).repeat(n, 0)
    base = np.where(town, rng.uniform(2500, 4000, n), rng.uniform(1000, 3000, n))[:, None, None]
    growth = per_commune(-0.01, 0.02)
    children = np.round(base * (1 + growth) ** tt)
    s0_8, s6_15 = per_commune(0.45, 0.50), per_commune(0.58, 0.62)
    s7_15, s10_15 = s6_15 - per_commune(0.04, 0.06), per_commune(0.35, 0.39)
    households = np.round(children / per_commune(1.7, 1.9))
    c0_8, c6_15 = np.round(children * s0_8), np.round(children * s6_15)
    c7_15, c10_15 = np.round(children * s7_15), np.round(children * s10_15)
    shape = children.shape

    def jitter(lo: float = 0.97, hi: float = 1.03) -> np.ndarray:
        return rng.uniform(lo, hi, shape)

    def rate(lo: float, hi: float, slope_lo: float, slope_hi: float, clip: tuple[float, float]) -> np.ndarray:
        level = per_commune(lo, hi) + per_commune(slope_lo, slope_hi) * tt + rng.uniform(-0.01, 0.01, shape)
        return np.clip(level, *clip)

    schools = np.broadcast_to(np.where(town, rng.integers(5, 9, n), rng.integers(3, 7, n))[:, None, None], shape)
    staff = np.broadcast_to(rng.integers(5, 16, n)[:, None, None], shape)
    special = np.maximum(1, np.round(children * per_commune(0.01, 0.04) * jitter()))
    disabled = np.maximum(1, np.round(children * per_commune(0.005, 0.01) * jitter()))
    out.update(
        children_total=children,
        children_0_8=c0_8,
        children_6_15=c6_15,
        children_7_15=c7_15,
        children_10_15=c10_15,
        households_with_children=households,
        schools_total=schools,
        cp_staff_total=staff,
        special_children=special,
        special_children_supported=np.round(special * rate(0.90, 1.0, 0.0, 0.0, (0.9, 1.0))),
        disabled_children=disabled,
        disabled_children_served=np.round(disabled * rate(0.75, 0.90, 0.0, 0.02, (0.75, 0.95))),
        children_0_8_served=np.round(c0_8 * rate(0.70, 0.88, 0.0, 0.02, (0.70, 0.95))),
        children_swim_safe=np.round(c6_15 * rate(0.25, 0.38, 0.0, 0.025, (0.25, 0.56))),
        children_in_clubs=np.round(c10_15 * rate(0.10, 0.55, -0.01, 0.01, (0.10, 0.60))),
        safe_home_households=np.round(households * rate(0.58, 0.80, -0.02, 0.03, (0.55, 0.90))),
        safe_schools=np.round(schools * rate(0.60, 0.85, 0.0, 0.04, (0.60, 1.0))),
    )
    # yes/no stocks: recognition changes now and then; boards and programmes start once
    cfc = np.zeros((n, ny + 1), bool)
    cfc[:, 0] = rng.random(n) < 0.62
    for y in range(1, ny + 1):
        flip = rng.random(n) < 0.12
        cfc[:, y] = np.where(flip, ~cfc[:, y - 1], cfc[:, y - 1])
    # FY states the year's own recognition; H1 still carries the previous year's
    out["cfc_recognised"] = np.stack([cfc[:, 1:], cfc[:, :-1]], axis=2)
    year_no = np.arange(ny)[None, :, None]
    out["cp_board_active"] = np.broadcast_to(year_no >= rng.choice([-1] * 8 + [0, 1], n)[:, None, None], shape)
    out["water_safety_programme"] = np.broadcast_to(year_no >= rng.integers(-2, ny + 2, n)[:, None, None], shape)

    # flows: FY totals per (commune, year), then the H1 part
    fy_children, fy_households, fy_c7 = children[:, :, 0], households[:, :, 0], c7_15[:, :, 0]
    ys = (n, ny)

    def with_h1(fy: np.ndarray, share: float = 0.5) -> np.ndarray:
        fy = fy.astype(np.int64)
        return np.stack([fy, rng.binomial(fy, share)], axis=2)

    out["cp_staff_trained"] = with_h1(np.round(staff[:, :, 0] * rng.uniform(0.7, 1.0, ys)))
    out["families_informed"] = with_h1(np.round(fy_households * rng.uniform(0.60, 0.95, ys)), 0.45)
    out["children_consulted"] = with_h1(np.round(fy_c7 * rng.uniform(0.10, 0.35, ys)))
    drowning = with_h1(rng.poisson(fy_children * 9e-5), 0.45)  # ≈ 9 per 100,000 children a year
    other_deaths = with_h1(rng.poisson(fy_children * 6e-5))
    nonfatal = with_h1(rng.poisson(fy_children * per_commune(2.0, 6.0)[:, :, 0] / 1000))
    out["drowning_deaths"] = drowning
    out["injury_deaths"] = drowning + other_deaths
    out["injury_cases"] = drowning + other_deaths + nonfatal
    abuse = np.minimum(2, rng.poisson(0.3, ys))
    with_plan = rng.binomial(abuse, 0.9)
    out["abuse_cases_with_plan"] = with_h1(with_plan)
    out["abuse_cases"] = out["abuse_cases_with_plan"] + with_h1(abuse - with_plan)
    labour = np.minimum(3, rng.poisson(0.6, ys))
    supported = rng.binomial(labour, 0.8)
    out["child_labour_supported"] = with_h1(supported)
    out["child_labour_cases"] = out["child_labour_supported"] + with_h1(labour - supported)
    out["new_hiv_children"] = with_h1(rng.poisson(0.005, ys))
    s1, s2 = rng.integers(1, 7, ys), rng.integers(1, 7, ys)
    reached = np.round(fy_households * rng.uniform(0.30, 0.80, ys))
    h1_reached = np.round(reached * s1 / (s1 + s2))
    out["hotline_111_sessions"] = np.stack([s1 + s2, s1], axis=2)
    out["hotline_111_households_reached"] = np.stack([reached, h1_reached], axis=2)
    calls = np.clip(np.round(rng.integers(8, 46, n)[:, None] * rng.uniform(0.7, 1.3, ys)), 5, 60)
    out["hotline_111_calls"] = with_h1(calls)
    assert set(out) == set(ELEMENTS), set(ELEMENTS) ^ set(out)
    return {k: np.ascontiguousarray(v, dtype=np.int64) for k, v in out.items()}


def report_days_early(n: int, years: int, seed: int) -> np.ndarray:
    """How many days before the deadline each (commune, year, period) report arrived."""
    return np.random.default_rng(seed + 104729).integers(0, 10, (n, years, 2))


# --- writing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GenerateResult:
    provinces: int
    districts: int
    communes: int
    years: tuple[int, int]
    values: int
    seconds: float
    plan_path: Path | None
    plan_area: str


def _has_org_units(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(OrgUnit)).scalar_one() > 0


def clear_database(engine: Engine) -> None:
    """Remove every figure, import, audit row and org unit (not the data elements)."""
    with engine.begin() as conn:
        for table in (AuditEntry, DataValue, ImportBatch, OrgUnitMerger):
            conn.execute(delete(table))
        # children before parents: deepest first
        conn.execute(text("UPDATE org_unit SET parent_id = NULL"))
        conn.execute(delete(OrgUnit))


def _insert_units(engine: Engine, country: Country, valid_from: datetime) -> dict[str, int]:
    with engine.begin() as conn:
        start = (conn.execute(select(func.max(OrgUnit.id))).scalar() or 0) + 1
        ids = {u.code: start + i for i, u in enumerate(country.units)}
        paths: dict[str, str] = {}
        rows = []
        for u in country.units:
            path = (paths[u.parent] if u.parent else "/") + u.code + "/"
            paths[u.code] = path
            geometry, centroid = boundary(u.box)
            rows.append(
                {
                    "id": ids[u.code],
                    "code": u.code,
                    "name": u.name,
                    "full_name": u.full_name,
                    "type": u.type,
                    "level": u.level,
                    "parent_id": ids[u.parent] if u.parent else None,
                    "path": path,
                    "depth": path.count("/") - 2,
                    "valid_from": valid_from.date(),
                    "valid_to": None,
                    "boundary": json.dumps(geometry, separators=(",", ":")),
                    "centroid_lat": centroid[0],
                    "centroid_lon": centroid[1],
                }
            )
        for i in range(0, len(rows), 2000):
            conn.execute(insert(OrgUnit), rows[i : i + 2000])
        if conn.dialect.name == "postgresql":  # explicit ids do not move the sequence
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence('org_unit', 'id'), (SELECT max(id) FROM org_unit))")
            )
    return ids


def _timestamps(years: list[int], sqlite: bool) -> list[list[list[str]]]:
    """Text of the report moment for [year][period][days_early] (deadline 15/05 or 15/11)."""
    from datetime import date, timedelta

    out = []
    for y in years:
        per_period = []
        for month in (11, 5):  # FY, H1 (PERIODS order)
            texts = []
            for early in range(10):
                day = date(y, month, 15) - timedelta(days=early)
                texts.append(f"{day.isoformat()} 09:30:00.000000" if sqlite else f"{day.isoformat()} 09:30:00+00")
            per_period.append(texts)
        out.append(per_period)
    return out


def _value_rows(
    ids: list[int],
    figures: dict[str, np.ndarray],
    years: list[int],
    early: np.ndarray,
    sqlite: bool,
    start: int,
    stop: int,
) -> Iterator[tuple]:
    """Rows for communes [start, stop) in primary-key order (unit, element, year, period)."""
    stamps = _timestamps(years, sqlite)
    lists = {de: figures[de][start:stop].tolist() for de in ELEMENTS}
    early_l = early[start:stop].tolist()
    for i in range(stop - start):
        uid = ids[start + i]
        e_i = early_l[i]
        for de in ELEMENTS:
            v_i = lists[de][i]
            for y, year in enumerate(years):
                vy, ey = v_i[y], e_i[y]
                for p in (0, 1):
                    yield (uid, de, year, PERIODS[p], vy[p], GENERATED_BY, GENERATED_BY, stamps[y][p][ey[p]], 1)


def _copy_postgres(engine: Engine, ids: list[int], figures, years, early, chunk: int) -> None:  # noqa: ANN001
    raw = engine.raw_connection()
    try:
        dbapi = raw.driver_connection
        with dbapi.cursor() as cur:
            # Foreign keys checked row by row and a secondary index kept up to date cost
            # more than the copy itself; drop them for the load and re-create them after
            # (one bulk check, one sorted build), all in the same transaction.
            cur.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'data_value'::regclass AND contype = 'f'"
            )
            fks = cur.fetchall()
            cur.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'data_value' "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'data_value'::regclass)"
            )
            indexes = cur.fetchall()
            for name, _ in fks:
                cur.execute(f'ALTER TABLE data_value DROP CONSTRAINT "{name}"')
            for name, _ in indexes:
                cur.execute(f'DROP INDEX "{name}"')
            cols = ", ".join(VALUE_COLUMNS)
            with cur.copy(f"COPY data_value ({cols}) FROM STDIN") as copy:
                for start in range(0, len(ids), chunk):
                    buf = io.StringIO()
                    for r in _value_rows(ids, figures, years, early, False, start, min(len(ids), start + chunk)):
                        buf.write(f"{r[0]}\t{r[1]}\t{r[2]}\t{r[3]}\t{r[4]}\t{r[5]}\t{r[6]}\t{r[7]}\t{r[8]}\n")
                    copy.write(buf.getvalue())
            cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for _, definition in indexes:
                cur.execute(definition)
            for name, definition in fks:
                cur.execute(f'ALTER TABLE data_value ADD CONSTRAINT "{name}" {definition}')
        dbapi.commit()
    finally:
        raw.close()


def _insert_sqlite(url: str, ids: list[int], figures, years, early, chunk: int) -> None:  # noqa: ANN001
    path = make_url(url).database
    conn = sqlite3.connect(path, timeout=60)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-400000")  # 400 MB of page cache while loading
        conn.execute("PRAGMA temp_store=MEMORY")
        sql = f"INSERT INTO data_value ({', '.join(VALUE_COLUMNS)}) VALUES ({', '.join('?' * len(VALUE_COLUMNS))})"
        for start in range(0, len(ids), chunk):
            with conn:  # one transaction per chunk of communes
                conn.executemany(
                    sql, _value_rows(ids, figures, years, early, True, start, min(len(ids), start + chunk))
                )
        conn.execute("PRAGMA synchronous=NORMAL")
    finally:
        conn.close()


def write_plan(path: Path, area: Unit, years: list[int]) -> None:
    """A targets file over standard elements only, with the same target every year."""
    path.write_text(plan_text(area, years), encoding="utf-8")


# The sample plan is the one list of indicators: the generated plan has its indicators
# and checks, each with the sample's first-year target in every generated year.
SAMPLE_PLAN = db.REPO_ROOT / "targets.yaml"


def _q(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # a JSON string is a valid YAML double-quoted scalar


def plan_text(area: Unit, years: list[int]) -> str:
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
    lines = [
        "# Kế hoạch GIẢ LẬP do `python -m data_access generate` sinh ra, để đo hiệu năng.",
        "# SYNTHETIC plan written by `python -m data_access generate`, for benchmarks.",
        "version: 1",
        "plan:",
        f"  id: generated-{area.code.lower()}-{years[0]}-{years[-1]}",
        f"  title: {_q(f'Kế hoạch thực hiện công tác trẻ em – {area.full_name}, năm {span} (giả lập)')}",
        f"  issued_by: {_q('Dữ liệu giả lập')}",
        f"  area: {_q(area.code)}",
        f"  years: [{', '.join(str(y) for y in years)}]",
        "indicators:",
    ]
    sample = load_plan(SAMPLE_PLAN)
    for ind in sample.indicators:
        target = ind.targets[min(ind.targets)].text
        lines += [
            f"  - id: {ind.id}",
            f"    name: {{vi: {_q(ind.name.vi)}, en: {_q(ind.name.en)}}}",
        ]
        if ind.group:
            lines.append(f"    group: {{vi: {_q(ind.group.vi)}, en: {_q(ind.group.en)}}}")
        lines.append(f"    numerator: {ind.numerator}")
        if ind.denominator:
            lines.append(f"    denominator: {ind.denominator}")
        lines.append(f"    unit: {ind.unit}")
        if ind.unit == "count" and target in ("decrease", "increase"):
            lines.append(f"    better: {ind.better}")
        lines.append("    targets: {" + ", ".join(f"{y}: {_q(target)}" for y in years) + "}")
        if not ind.applies_to_communes:
            lines.append("    applies_to: [area]")
        if ind.requires_zero:
            lines.append(f"    eligibility: {{requires_zero: [{', '.join(ind.requires_zero)}]}}")
    lines.append("checks:")
    lines += [f"  - {_q(c.text)}" for c in sample.checks]
    return "\n".join(lines) + "\n"


def generate(
    engine: Engine,
    communes: int,
    years: tuple[int, int],
    *,
    seed: int = 1,
    replace: bool = False,
    plan_path: Path | None = None,
    chunk: int = 500,
) -> GenerateResult:
    """Fill `engine`'s database (migrated here) with a synthetic country; see the module doc."""
    first, last = years
    if not 2000 <= first <= last <= 2100:
        raise GenerateError("generate_bad_years", years=f"{first}-{last}")
    started = time.perf_counter()
    migrations.upgrade(engine)
    if _has_org_units(engine):
        if not replace:
            raise GenerateError("generate_not_empty")
        clear_database(engine)
    ensure_data_elements(engine, STANDARD_DATA_ELEMENTS.values())
    country = build_country(communes, seed)
    year_list = list(range(first, last + 1))
    valid_from = datetime(first, 1, 1, tzinfo=UTC)
    ids_by_code = _insert_units(engine, country, valid_from)
    towns = np.array([c.type == "thị trấn" for c in country.communes])
    figures = generate_figures(len(country.communes), year_list, seed, towns=towns)
    early = report_days_early(len(country.communes), len(year_list), seed)
    ids = [ids_by_code[c.code] for c in country.communes]
    n_values = len(ids) * len(ELEMENTS) * len(year_list) * len(PERIODS)
    if engine.dialect.name == "postgresql":
        _copy_postgres(engine, ids, figures, year_list, early, chunk)
    elif engine.dialect.name == "sqlite":
        engine.dispose()  # the loader uses its own connection with bulk-load pragmas
        _insert_sqlite(str(engine.url), ids, figures, year_list, early, chunk)
    else:  # any other database: the portable (slower) path
        with engine.begin() as conn:
            for start in range(0, len(ids), chunk):
                rows = [
                    dict(zip(VALUE_COLUMNS, r, strict=True))
                    for r in _value_rows(ids, figures, year_list, early, False, start, min(len(ids), start + chunk))
                ]
                for r in rows:
                    r["updated_at"] = datetime.fromisoformat(r["updated_at"])
                conn.execute(insert(DataValue), rows)
    with engine.begin() as conn:
        conn.execute(
            insert(ImportBatch).values(
                filename=f"generate --communes {communes} --years {first}-{last} --seed {seed}",
                sha256=None,
                imported_by=GENERATED_BY,
                imported_at=datetime.now(UTC),
                rows=n_values,
                inserted=n_values,
                updated=0,
                unchanged=0,
            )
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # fresh planner statistics for the new volume; on PostgreSQL also the visibility
        # map, without which the covering index cannot answer from the index alone
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
    area = country.plan_area()
    if plan_path is not None:
        write_plan(plan_path, area, year_list)
    db.forget_ready(str(engine.url))
    return GenerateResult(
        provinces=country.provinces,
        districts=country.districts,
        communes=len(country.communes),
        years=(first, last),
        values=n_values,
        seconds=time.perf_counter() - started,
        plan_path=plan_path,
        plan_area=area.code,
    )


# --- the command line -------------------------------------------------------------------


def _years_arg(text_value: str) -> tuple[int, int]:
    parts = text_value.replace("–", "-").split("-")
    try:
        if len(parts) == 1:
            return int(parts[0]), int(parts[0])
        if len(parts) == 2:
            return int(parts[0]), int(parts[1])
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(text_value)


def cmd_generate(args: argparse.Namespace) -> int:
    url = db.database_url()
    engine = db.get_engine(url)
    plan_path = Path(args.plan) if args.plan else None
    try:
        result = generate(engine, args.communes, args.years, seed=args.seed, replace=args.replace, plan_path=plan_path)
    except GenerateError as exc:
        print(t(exc.key, args.lang, url=db.masked_url(url), **exc.params))
        return 1
    print(
        t(
            "generate_done",
            args.lang,
            url=db.masked_url(url),
            provinces=fmt_number(result.provinces, lang=args.lang),
            districts=fmt_number(result.districts, lang=args.lang),
            communes=fmt_number(result.communes, lang=args.lang),
            first=result.years[0],
            last=result.years[1],
            values=fmt_number(result.values, lang=args.lang),
            seconds=fmt_number(result.seconds, 1, lang=args.lang),
        )
    )
    if result.plan_path:
        print(t("generate_plan_written", args.lang, file=str(result.plan_path), area=result.plan_area))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate", help=t("generate_help"))
    p.add_argument("--communes", type=int, required=True, help=t("generate_help_communes"))
    p.add_argument("--years", type=_years_arg, required=True, metavar="A-B", help=t("generate_help_years"))
    p.add_argument("--seed", type=int, default=1, help=t("generate_help_seed"))
    p.add_argument("--plan", default="targets_generated.yaml", help=t("generate_help_plan"))
    p.add_argument("--replace", action="store_true", help=t("generate_help_replace"))
    p.set_defaults(func=cmd_generate)
