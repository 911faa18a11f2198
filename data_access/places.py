"""Places of both eras: which unit a code means on a day, the official list, your own units.

A unit is its code *and* the days it was valid (`org_unit.valid_from/valid_to`): since
the 2025 reform `07615` is Thị trấn An Châu until 30/06/2025 and Xã Sơn Động from
01/07/2025. A figure for a period belongs to the unit valid on the period's last day
(H1 → 30/06, FY → 31/12), so 2025 H1 is reported by the old communes and 2025 FY by
the new ones. On any one day a code names at most one unit.

This module loads units and lineage (official list, CSV/XLSX files, GeoJSON
boundaries) all or nothing, every problem as an `ImportIssue` with its row.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from importlib import metadata, resources
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, delete, insert, select, update

from data_access import db
from data_access.intake import ImportIssue
from data_access.models import OrgUnit, OrgUnitMerger
from i18n import local_today

REFORM_DAY = date(2025, 7, 1)  # districts abolished, 34 provinces, 3,321 communes
OLD_ERA_END = REFORM_DAY - timedelta(days=1)
OPEN_START = date(1900, 1, 1)
ERA_DAYS = {"2024": date(2024, 12, 31), "2025": REFORM_DAY}
COMMUNE_TYPES = ("xã", "phường", "thị trấn", "đặc khu")
OFFICIAL_PACKAGE = "vietnamadminunits"
OFFICIAL_LICENCE = "MIT, © 2025 Tran Ngoc Minh Hieu"


def period_end(year: int, period: str) -> date:
    """The day whose units report a period's figures (H1 → 30/06, FY → 31/12)."""
    return date(year, 6, 30) if period == "H1" else date(year, 12, 31)


def valid_on(valid_from: date | None, valid_to: date | None, day: date) -> bool:
    return (valid_from is None or valid_from <= day) and (valid_to is None or valid_to >= day)


def era_of(day: date) -> str:
    """'2024' (provinces, districts, communes) or '2025' (provinces and communes)."""
    return "2024" if day < REFORM_DAY else "2025"


def fold(text: str) -> str:
    """Names compared without case, Unicode form or diacritics (đ = d)."""
    text = unicodedata.normalize("NFD", (text or "").replace("đ", "d").replace("Đ", "D"))
    return " ".join("".join(ch for ch in text if not unicodedata.combining(ch)).casefold().split())


# --------------------------------------------------------------------------- units on a day


@dataclass(frozen=True)
class Unit:
    id: int
    code: str
    name: str
    full_name: str
    type: str
    level: str
    path: str
    valid_from: date | None
    valid_to: date | None
    parent_id: int | None = None

    def valid_on(self, day: date) -> bool:
        return valid_on(self.valid_from, self.valid_to, day)

    @classmethod
    def written(cls, uid: int, values: Mapping[str, Any]) -> Unit:
        """The unit just written with these org_unit columns (`unit_values`) under id `uid`."""
        v = values
        return cls(uid, v["code"], v["name"], v["full_name"], v["type"], v["level"], v["path"],
                   v["valid_from"], v["valid_to"], v["parent_id"])  # fmt: skip


def load_units(conn: Connection, level: str | None = None) -> dict[str, list[Unit]]:
    """Every unit by code (several per code when eras differ), oldest first."""
    stmt = select(
        OrgUnit.id,
        OrgUnit.code,
        OrgUnit.name,
        OrgUnit.full_name,
        OrgUnit.type,
        OrgUnit.level,
        OrgUnit.path,
        OrgUnit.valid_from,
        OrgUnit.valid_to,
        OrgUnit.parent_id,
    )
    if level:
        stmt = stmt.where(OrgUnit.level == level)
    out: dict[str, list[Unit]] = {}
    for r in conn.execute(stmt):
        out.setdefault(r.code, []).append(Unit(*r))
    for units in out.values():
        units.sort(key=lambda u: u.valid_from or OPEN_START)
    return out


def unit_on(candidates: Sequence[Unit], day: date) -> Unit | None:
    """The unit of one code valid on `day` (None when the code meant nothing then)."""
    return next((u for u in candidates if u.valid_on(day)), None)


def current_or_latest(candidates: Sequence[Unit], day: date | None = None) -> Unit | None:
    """The unit valid on `day` (today when None), else the most recent one."""
    if not candidates:
        return None
    return unit_on(candidates, day or local_today()) or candidates[-1]


def _date_text(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def validity_text(unit: Unit) -> str:
    """ "01/07/2025 – " or "– 30/06/2025" for messages."""
    return f"{_date_text(unit.valid_from)} – {_date_text(unit.valid_to)}".strip()


# --------------------------------------------------------------------------- results


@dataclass
class LoadResult:
    """What a load did (units and lineage), or why it did nothing."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0
    lineage_added: int = 0
    lineage_unchanged: int = 0
    boundaries: int = 0
    unmatched: list[str] = field(default_factory=list)  # features without a unit
    without_boundary: list[str] = field(default_factory=list)  # units without a feature
    issues: list[ImportIssue] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.issues


@dataclass(frozen=True)
class UnitRow:
    """A unit to write: what `places import` and `load-official` produce."""

    code: str
    name: str
    full_name: str
    type: str
    level: str
    parent_code: str | None
    valid_from: date | None = None
    valid_to: date | None = None
    centroid: tuple[float, float] | None = None
    row: int | None = None

    def valid_on(self, day: date) -> bool:
        return valid_on(self.valid_from, self.valid_to, day)


class UnitFields(Protocol):
    """What a unit to write says of itself (a `UnitRow`, the seed's `OrgUnitRecord`)."""

    code: str
    name: str
    full_name: str
    type: str
    level: str
    valid_from: date | None
    valid_to: date | None


def unit_values(rec: UnitFields, parent: Unit | None) -> dict[str, Any]:
    """The org_unit columns of a unit under `parent`: its names, type, level, validity and
    its place in the tree (the materialised path and its depth)."""
    path = (parent.path if parent else "/") + rec.code + "/"
    return {
        "code": rec.code,
        "name": rec.name,
        "full_name": rec.full_name,
        "type": rec.type,
        "level": rec.level,
        "parent_id": parent.id if parent else None,
        "path": path,
        "depth": path.count("/") - 2,
        "valid_from": rec.valid_from,
        "valid_to": rec.valid_to,
    }


def _level_day(rec: UnitRow) -> date:
    """The day on which a unit's parent is looked up: its first valid day (or last)."""
    return rec.valid_from or rec.valid_to or local_today()


def write_units(conn: Connection, records: Sequence[UnitRow], result: LoadResult) -> None:
    """Add or update units, matched by code on their own validity; parents first.

    A record matches the stored unit of its code whose validity overlaps its own; a
    stored open-ended unit of an earlier era is closed by a record of the next era
    only through that earlier era's own record (the official list gives both).
    """
    units = load_units(conn)
    for rec in records:
        parent: Unit | None = None
        if rec.parent_code:
            parent = unit_on(units.get(rec.parent_code, []), _level_day(rec))
            if parent is None:
                result.issues.append(
                    ImportIssue("places_error_parent", {"code": rec.code, "parent": rec.parent_code}, rec.row)
                )
                continue
        values = unit_values(rec, parent)
        same = _overlapping(units.get(rec.code, []), rec.valid_from, rec.valid_to)
        if len(same) == 1 and rec.valid_from and (same[0].valid_from or OPEN_START) < rec.valid_from:
            # The code named another unit before: that one ends the day before this starts.
            old = same[0]
            conn.execute(
                update(OrgUnit).where(OrgUnit.id == old.id).values(valid_to=rec.valid_from - timedelta(days=1))
            )
            closed = replace(old, valid_to=rec.valid_from - timedelta(days=1))
            units[rec.code] = [closed if u.id == old.id else u for u in units[rec.code]]
            result.changed += 1
            same = []
        if len(same) > 1:
            result.issues.append(ImportIssue("places_error_overlap", {"code": rec.code}, rec.row))
            continue
        if same:
            old = same[0]
            if old.valid_from is not None and rec.valid_from is None:
                values["valid_from"] = old.valid_from  # keep a start the database knows
            current = (
                old.name,
                old.full_name,
                old.type,
                old.level,
                old.parent_id,
                old.path,
                old.valid_from,
                old.valid_to,
            )
            wanted = tuple(
                values[k] for k in ("name", "full_name", "type", "level", "parent_id", "path", "valid_from", "valid_to")
            )
            if rec.centroid:
                conn.execute(
                    update(OrgUnit)
                    .where(OrgUnit.id == old.id, OrgUnit.centroid_lat.is_(None))
                    .values(centroid_lat=rec.centroid[0], centroid_lon=rec.centroid[1])
                )
            if current == wanted:
                result.unchanged += 1
                continue
            conn.execute(update(OrgUnit).where(OrgUnit.id == old.id).values(**values))
            new = Unit.written(old.id, values)
            units[rec.code] = [new if u.id == old.id else u for u in units[rec.code]]
            result.changed += 1
        else:
            if rec.centroid:
                values["centroid_lat"], values["centroid_lon"] = rec.centroid
            uid = conn.execute(insert(OrgUnit).values(**values).returning(OrgUnit.id)).scalar_one()
            units.setdefault(rec.code, []).append(Unit.written(uid, values))
            units[rec.code].sort(key=lambda u: u.valid_from or OPEN_START)
            result.added += 1


def _overlapping(candidates: Iterable[Unit], start: date | None, end: date | None) -> list[Unit]:
    lo, hi = start or OPEN_START, end or date(9999, 12, 31)
    return [u for u in candidates if (u.valid_from or OPEN_START) <= hi and (u.valid_to or date(9999, 12, 31)) >= lo]


@dataclass(frozen=True)
class LineageRow:
    old_code: str
    new_code: str
    share: float
    effective_date: date
    row: int | None = None


def write_lineage(conn: Connection, rows: Sequence[LineageRow], result: LoadResult) -> None:
    """Old unit (valid the day before) → new unit (valid that day), with its share.

    The rows given for an old unit replace the ones stored for it.
    """
    units = load_units(conn)
    pairs: list[tuple[int, int, LineageRow]] = []
    for r in rows:
        old = unit_on(units.get(r.old_code, []), r.effective_date - timedelta(days=1))
        new = unit_on(units.get(r.new_code, []), r.effective_date)
        if old is None:
            result.issues.append(
                ImportIssue(
                    "places_error_lineage_old", {"code": r.old_code, "day": _date_text(r.effective_date)}, r.row
                )
            )
        if new is None:
            result.issues.append(
                ImportIssue(
                    "places_error_lineage_new", {"code": r.new_code, "day": _date_text(r.effective_date)}, r.row
                )
            )
        if old is not None and new is not None:
            pairs.append((old.id, new.id, r))
    if result.issues:
        return
    stored = {
        (o, n): (s, d)
        for o, n, s, d in conn.execute(
            select(
                OrgUnitMerger.old_unit_id, OrgUnitMerger.new_unit_id, OrgUnitMerger.share, OrgUnitMerger.effective_date
            )
        )
    }
    wanted = {(o, n): (r.share, r.effective_date) for o, n, r in pairs}
    olds = {o for o, _ in wanted}
    stale = [k for k in stored if k[0] in olds and k not in wanted]
    for o, n in stale:
        conn.execute(delete(OrgUnitMerger).where(OrgUnitMerger.old_unit_id == o, OrgUnitMerger.new_unit_id == n))
    new_rows = []
    for (o, n), (share, day) in wanted.items():
        if (o, n) in stored and abs(stored[(o, n)][0] - share) < 1e-9 and stored[(o, n)][1] == day:
            result.lineage_unchanged += 1
            continue
        if (o, n) in stored:
            conn.execute(
                update(OrgUnitMerger)
                .where(OrgUnitMerger.old_unit_id == o, OrgUnitMerger.new_unit_id == n)
                .values(share=share, effective_date=day)
            )
        else:
            new_rows.append({"old_unit_id": o, "new_unit_id": n, "share": share, "effective_date": day})
        result.lineage_added += 1
    if new_rows:
        conn.execute(insert(OrgUnitMerger), new_rows)


# --------------------------------------------------------------------------- the official list


def official_source() -> str:
    """ "vietnamadminunits 1.0.4 (MIT, …)" for messages and the README."""
    try:
        version = metadata.version(OFFICIAL_PACKAGE)
    except metadata.PackageNotFoundError:
        version = "?"
    return f"{OFFICIAL_PACKAGE} {version} ({OFFICIAL_LICENCE})"


@dataclass
class OfficialList:
    """Both eras as rows to write, and the lineage between them."""

    units: list[UnitRow]
    lineage: list[LineageRow]
    provinces_new: list[str]
    provinces_old: list[str]


_NEW_TYPES = {"Xã": "xã", "Phường": "phường", "Đặc khu": "đặc khu"}


def _province_type(full_name: str) -> str:
    return "thành phố" if full_name.startswith("Thành phố") else "tỉnh"


def _province_once(
    units: list[UnitRow],
    seen: set[str],
    province: tuple[str, str, str, float | None, float | None],
    valid_from: date | None,
    valid_to: date | None,
) -> None:
    """Add a province the first time one of its rows comes by (the package repeats it on
    every commune row): (code, short name, full name, latitude, longitude)."""
    code, short, full, lat, lon = province
    if code not in seen:
        seen.add(code)
        units.append(
            UnitRow(code, short, full, _province_type(full), "province", None, valid_from, valid_to, _point(lat, lon))
        )


def read_official(provinces: Sequence[str] = (), era: str = "both") -> OfficialList:
    """The national list from the pinned `vietnamadminunits` package (no network).

    `provinces` are names or codes of either era; each selects a new province with
    every old province that went into it, so the lineage between them is whole.
    Raises LookupError(name) for a province nobody knows.
    """
    data = resources.files(OFFICIAL_PACKAGE) / "data"
    with resources.as_file(data / "dataset.db") as db_path:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            new_rows = conn.execute(
                "SELECT province, provinceShort, provinceCode, provinceKey, provinceLat, provinceLon, "
                "ward, wardShort, wardType, wardCode, wardKey, wardLat, wardLon FROM admin_units"
            ).fetchall()
            old_rows = conn.execute(
                "SELECT province, provinceShort, provinceCode, provinceKey, provinceLat, provinceLon, "
                "district, districtShort, districtType, districtCode, districtKey, districtLat, districtLon, "
                "ward, wardShort, wardType, wardCode, wardKey, wardLat, wardLon FROM admin_units_legacy"
            ).fetchall()
        finally:
            conn.close()
    converter = json.loads((data / "converter_2025.json").read_text(encoding="utf-8"))
    old_of_new: dict[str, list[str]] = converter["DICT_PROVINCE"]

    new_provinces = {r[3]: (r[0], r[1], r[2]) for r in new_rows}
    old_provinces = {r[3]: (r[0], r[1], r[2]) for r in old_rows}
    new_of_old = {old: new for new, olds in old_of_new.items() for old in olds}
    chosen: set[str] = set()
    for text in provinces:
        key = fold(text)
        hits = [k for k, (full, short, code) in new_provinces.items() if key in (fold(full), fold(short), code)]
        hits += [
            new_of_old[k]
            for k, (full, short, code) in old_provinces.items()
            if key in (fold(full), fold(short), code) and k in new_of_old
        ]
        if not hits:
            raise LookupError(text)
        chosen.update(hits)
    if not provinces:
        chosen = set(new_provinces)
    chosen_old = {old for new in chosen for old in old_of_new.get(new, [])}

    units: list[UnitRow] = []
    if era in ("2024", "both"):
        seen: set[str] = set()
        for r in sorted(old_rows, key=lambda r: (r[2], r[9], r[16])):
            pfull, pshort, pcode, pkey, plat, plon, dfull, dshort, dtype, dcode, _dk, dlat, dlon = r[:13]
            wfull, wshort, wtype, wcode, _wk, wlat, wlon = r[13:]
            if pkey not in chosen_old:
                continue
            _province_once(units, seen, (pcode, pshort, pfull, plat, plon), None, OLD_ERA_END)
            if dcode not in seen:
                seen.add(dcode)
                units.append(
                    UnitRow(
                        dcode, dshort, dfull, dtype.lower(), "district", pcode, None, OLD_ERA_END, _point(dlat, dlon)
                    )
                )
            if wcode:  # island districts (Bạch Long Vĩ, Côn Đảo …) had no communes
                units.append(
                    UnitRow(
                        wcode, wshort, wfull, wtype.lower(), "commune", dcode, None, OLD_ERA_END, _point(wlat, wlon)
                    )
                )
    if era in ("2025", "both"):
        seen = set()
        for r in sorted(new_rows, key=lambda r: (r[2], r[9])):
            pfull, pshort, pcode, pkey, plat, plon, wfull, wshort, wtype, wcode, _wk, wlat, wlon = r
            if pkey not in chosen:
                continue
            _province_once(units, seen, (pcode, pshort, pfull, plat, plon), REFORM_DAY, None)
            units.append(
                UnitRow(
                    wcode,
                    wshort,
                    wfull,
                    _NEW_TYPES.get(wtype, wtype.lower()),
                    "commune",
                    pcode,
                    REFORM_DAY,
                    None,
                    _point(wlat, wlon),
                )
            )

    lineage: list[LineageRow] = []
    if era == "both":
        old_code = {f"{r[3]}_{r[10]}_{r[17]}": r[16] for r in old_rows}
        new_code = {(r[3], r[10]): r[9] for r in new_rows}
        for pkey in sorted(chosen):
            divided: Mapping[str, list[dict]] = converter["DICT_PROVINCE_WARD_DIVIDED"].get(pkey, {})
            for new_key, old_keys in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].get(pkey, {}).items():
                for ok in old_keys:
                    if ok in divided or ok not in old_code or (pkey, new_key) not in new_code:
                        continue
                    lineage.append(LineageRow(old_code[ok], new_code[(pkey, new_key)], 1.0, REFORM_DAY))
            for ok, parts in divided.items():
                # The package lists which new communes share a divided one, not how much
                # each took: an equal share each (stated in the README).
                targets = [new_code[(pkey, p["newWardKey"])] for p in parts if (pkey, p["newWardKey"]) in new_code]
                if ok not in old_code or not targets:
                    continue
                for code in targets:
                    lineage.append(LineageRow(old_code[ok], code, 1.0 / len(targets), REFORM_DAY))
    return OfficialList(
        units,
        lineage,
        sorted(new_provinces[k][0] for k in chosen),
        sorted(old_provinces[k][0] for k in chosen_old),
    )


def _point(lat: float | None, lon: float | None) -> tuple[float, float] | None:
    return (float(lat), float(lon)) if lat is not None and lon is not None else None


def load_official(engine: Engine, provinces: Sequence[str] = (), era: str = "both") -> tuple[LoadResult, OfficialList]:
    """`places load-official`: both eras (or one) and the lineage, safe to run again."""
    started = datetime.now()
    listing = read_official(provinces, era)
    result = LoadResult()
    with engine.begin() as conn:
        write_units(conn, listing.units, result)
        if result.issues:
            conn.rollback()
        elif listing.lineage:
            write_lineage(conn, listing.lineage, result)
            if result.issues:
                conn.rollback()
    if not result.issues:
        db.refresh_planner_stats(engine)  # thousands of units (and lineage) at once
    result.seconds = (datetime.now() - started).total_seconds()
    return result, listing


# --------------------------------------------------------------------------- your own files


def read_table(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and rows (with the row number a person sees) of a CSV or XLSX file."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            rows = list(wb.active.iter_rows(values_only=True))
        finally:
            wb.close()
        cells = [["" if v is None else _cell(v) for v in r] for r in rows]
    else:
        text = path.read_bytes().decode("utf-8-sig")
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        cells = list(csv.reader(io.StringIO(text), dialect))
    if not cells:
        return [], []
    header = [h.strip().lower() for h in cells[0]]
    out = []
    for n, row in enumerate(cells[1:], start=2):
        if not any(str(c).strip() for c in row):
            continue
        out.append((n, {h: str(row[i]).strip() if i < len(row) else "" for i, h in enumerate(header)}))
    return header, out


def _cell(value: object) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_day(text: str) -> date | None:
    """dd/mm/yyyy or ISO yyyy-mm-dd; raises ValueError otherwise."""
    text = text.strip()
    if not text:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


UNIT_COLUMNS = ("code", "name", "type", "parent_code", "valid_from", "valid_to")
LINEAGE_COLUMNS = ("old_code", "new_code", "share", "effective_date")


def _missing_columns(header: Sequence[str], wanted: Sequence[str], optional: Sequence[str] = ()) -> list[ImportIssue]:
    missing = [c for c in wanted if c not in header and c not in optional]
    return (
        [ImportIssue("places_error_columns", {"missing": ", ".join(missing), "wanted": ", ".join(wanted)}, 1)]
        if missing
        else []
    )


def _level_of(unit_type: str, parent: UnitRow | Unit | None) -> str:
    if unit_type in COMMUNE_TYPES:
        return "commune"
    if parent is None:
        return "province"
    if parent.level == "commune" or parent.level == "village":
        return "village"
    return "district"


def import_units(engine: Engine, path: Path) -> LoadResult:
    """`places import FILE`: code,name,type,parent_code,valid_from,valid_to; all or nothing."""
    result = LoadResult()
    header, rows = read_table(path)
    result.issues = _missing_columns(header, UNIT_COLUMNS, optional=("valid_from", "valid_to", "parent_code"))
    if result.issues:
        return result
    with engine.begin() as conn:
        stored = load_units(conn)
        in_file: dict[str, list[UnitRow]] = {}
        records: list[UnitRow] = []
        for n, r in rows:
            code, name, unit_type = r.get("code", ""), r.get("name", ""), r.get("type", "").lower()
            parent_code = r.get("parent_code", "") or None
            bad = False
            if not code:
                result.issues.append(ImportIssue("places_error_no_code", {}, n, "code"))
                bad = True
            if not name:
                result.issues.append(ImportIssue("places_error_no_name", {"code": code}, n, "name"))
                bad = True
            days: list[date | None] = []
            for col in ("valid_from", "valid_to"):
                try:
                    days.append(parse_day(r.get(col, "")))
                except ValueError:
                    result.issues.append(ImportIssue("places_error_date", {"value": r.get(col, "")}, n, col))
                    days.append(None)
                    bad = True
            start, end = days
            if start and end and end < start:
                result.issues.append(ImportIssue("places_error_dates_order", {"code": code}, n, "valid_to"))
                bad = True
            if bad:
                continue
            full = (
                name if fold(name).startswith(fold(unit_type)) or not unit_type else f"{unit_type.capitalize()} {name}"
            )
            rec = UnitRow(code, name, full, unit_type or "xã", "", parent_code, start, end, None, n)
            if _overlapping(in_file.get(code, []), start, end):  # type: ignore[arg-type]
                result.issues.append(ImportIssue("places_error_duplicate", {"code": code}, n, "code"))
                continue
            in_file.setdefault(code, []).append(rec)
            records.append(rec)
        # Parents may come after their children in the file: levels are set once all are read.
        records.sort(key=lambda rec: _depth_in_file(rec, in_file))
        placed: dict[str, list[UnitRow]] = {}
        for i, rec in enumerate(records):
            parent = None
            if rec.parent_code:
                day = _level_day(rec)
                parent = unit_on(placed.get(rec.parent_code, []), day) or unit_on(stored.get(rec.parent_code, []), day)  # type: ignore[arg-type]
                if parent is None:
                    result.issues.append(
                        ImportIssue(
                            "places_error_parent", {"code": rec.code, "parent": rec.parent_code}, rec.row, "parent_code"
                        )
                    )
                    continue
            records[i] = rec = replace(rec, level=_level_of(rec.type, parent))
            placed.setdefault(rec.code, []).append(rec)
        if result.issues:
            return result
        write_units(conn, records, result)
        if result.issues:
            conn.rollback()
    return result


def _depth_in_file(rec: UnitRow, in_file: Mapping[str, list[UnitRow]]) -> int:
    """How many of a unit's ancestors are in the same file (they are written first)."""
    depth, seen = 0, {rec.code}
    while rec.parent_code and rec.parent_code in in_file and rec.parent_code not in seen:
        seen.add(rec.parent_code)
        rec = unit_on(in_file[rec.parent_code], _level_day(rec)) or in_file[rec.parent_code][0]  # type: ignore[assignment]
        depth += 1
    return depth


def import_lineage(engine: Engine, path: Path) -> LoadResult:
    """`places lineage FILE`: old_code,new_code,share,effective_date; shares of an old unit sum to 1."""
    result = LoadResult()
    header, rows = read_table(path)
    result.issues = _missing_columns(header, LINEAGE_COLUMNS, optional=("share",))
    if result.issues:
        return result
    out: list[LineageRow] = []
    sums: dict[tuple[str, date], list[tuple[int, float]]] = {}
    for n, r in rows:
        bad = False
        share_text = r.get("share", "") or "1"
        try:
            share = float(share_text.replace(",", "."))
            if not 0 < share <= 1:
                raise ValueError(share_text)
        except ValueError:
            result.issues.append(ImportIssue("places_error_share", {"value": share_text}, n, "share"))
            bad = True
        try:
            day = parse_day(r.get("effective_date", ""))
            if day is None:
                raise ValueError("")
        except ValueError:
            result.issues.append(
                ImportIssue("places_error_date", {"value": r.get("effective_date", "")}, n, "effective_date")
            )
            bad = True
        if not r.get("old_code") or not r.get("new_code"):
            result.issues.append(ImportIssue("places_error_no_code", {}, n, "old_code"))
            bad = True
        if bad:
            continue
        out.append(LineageRow(r["old_code"], r["new_code"], share, day, n))  # type: ignore[arg-type]
        sums.setdefault((r["old_code"], day), []).append((n, share))  # type: ignore[arg-type]
    for (code, _day), parts in sums.items():
        total = sum(s for _, s in parts)
        if abs(total - 1.0) > 0.001:
            result.issues.append(
                ImportIssue(
                    "places_error_share_sum", {"code": code, "total": f"{total:.3f}".replace(".", ",")}, parts[0][0]
                )
            )
    if result.issues:
        return result
    with engine.begin() as conn:
        write_lineage(conn, out, result)
        if result.issues:
            conn.rollback()
    return result


# --------------------------------------------------------------------------- boundaries


def attach_boundaries(
    engine: Engine, path: Path, era: str | None = None, code_property: str = "code", tolerance: float = 0.0003
) -> LoadResult:
    """`places boundaries FILE.geojson`: polygons onto the units valid in `era`.

    By code (`code_property`), else by name within the feature's province. Polygons
    are simplified (about 30 m) so a province's map stays light on a projector.
    """
    from shapely.geometry import mapping, shape

    result = LoadResult()
    try:
        features = json.loads(path.read_text(encoding="utf-8-sig")).get("features") or []
    except (OSError, ValueError, AttributeError) as exc:
        result.issues.append(ImportIssue("places_error_geojson", {"reason": str(exc)[:200]}))
        return result
    day = ERA_DAYS.get(era or "", None) or local_today()
    with engine.begin() as conn:
        units = load_units(conn)
        valid = {code: u for code, us in units.items() if (u := unit_on(us, day)) is not None}
        by_name: dict[tuple[str, str], Unit] = {}
        for u in valid.values():
            province = u.path.strip("/").split("/")[0]
            prov = valid.get(province)
            if prov is not None:
                by_name.setdefault((fold(prov.name), fold(u.name)), u)
                by_name.setdefault((fold(prov.name), fold(u.full_name)), u)
        matched: set[str] = set()
        for i, feature in enumerate(features, start=1):
            props = feature.get("properties") or {}
            code = str(props.get(code_property) or "").strip()
            unit = valid.get(code) if code else None
            if unit is None and props.get("name"):
                unit = by_name.get((fold(str(props.get("province", ""))), fold(str(props.get("name")))))
            label = f"#{i} {code or props.get('name') or '?'}"
            if unit is None:
                result.unmatched.append(label)
                continue
            try:
                geom = shape(feature["geometry"]).simplify(tolerance, preserve_topology=True)
                point = geom.representative_point() if not geom.centroid.within(geom) else geom.centroid
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                result.issues.append(ImportIssue("places_error_geometry", {"feature": label, "reason": str(exc)[:120]}))
                continue
            conn.execute(
                update(OrgUnit)
                .where(OrgUnit.id == unit.id)
                .values(
                    boundary=json.dumps(mapping(geom), separators=(",", ":")),
                    centroid_lat=round(point.y, 6),
                    centroid_lon=round(point.x, 6),
                )
            )
            matched.add(unit.code)
            result.boundaries += 1
        if result.issues:
            conn.rollback()
            return result
        provinces = {u.path.strip("/").split("/")[0] for code, u in valid.items() if code in matched}
        result.without_boundary = sorted(
            f"{u.code} {u.full_name}"
            for u in valid.values()
            if u.level == "commune"
            and u.code not in matched
            and u.path.strip("/").split("/")[0] in provinces
            and not _has_boundary(conn, u.id)
        )
    return result


def _has_boundary(conn: Connection, unit_id: int) -> bool:
    return conn.execute(select(OrgUnit.boundary.is_not(None)).where(OrgUnit.id == unit_id)).scalar() or False


# --------------------------------------------------------------------------- the tree on a day

LIST_COLUMNS = ("code", "name", "type", "level", "parent_code", "valid_from", "valid_to")


def tree_on(engine: Engine, day: date, area: str | None = None) -> list[dict[str, str]] | None:
    """`places list`: the units valid on `day` (under `area` when given), parents first.

    None when `area` names no unit valid that day.
    """
    with engine.connect() as conn:
        units = load_units(conn)
    valid = [u for us in units.values() if (u := unit_on(us, day)) is not None]
    by_id = {u.id: u for us in units.values() for u in us}
    if area:
        from data_access.targets import match_area
        from rules.model import OrgUnitRef

        refs = {
            u.code: OrgUnitRef(u.code, u.name, u.full_name, u.type, u.level, None, u.path.count("/") - 2) for u in valid
        }
        found = match_area(area, list(refs.values()))
        if found is None:
            return None
        root = next(u for u in valid if u.code == found.code)
        valid = [u for u in valid if u.path.startswith(root.path)]
    valid.sort(key=lambda u: (u.path.count("/"), u.path))
    return [
        {
            "code": u.code,
            "name": u.full_name,
            "type": u.type,
            "level": u.level,
            "parent_code": by_id[u.parent_id].code if u.parent_id in by_id else "",
            "valid_from": _date_text(u.valid_from),
            "valid_to": _date_text(u.valid_to),
        }
        for u in valid
    ]
