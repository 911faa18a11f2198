"""Loading the sample district(s) from `sample_data/` into a database.

Safe to run again: org units are added or updated by code, and figures already
stored are never overwritten (only missing ones are added, each with an audit row).
"""

from __future__ import annotations

import csv
import json
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select, update

from data_access import db
from data_access.db import REPO_ROOT
from data_access.models import AuditEntry, DataElementRow, DataValue, ImportBatch, OrgUnit
from data_access.place_resolution import period_end
from data_access.places import (
    OPEN_START,
    LineageRow,
    LoadResult,
    Unit,
    UnitRow,
    load_units,
    unit_on,
    unit_values,
    write_lineage,
    write_units,
)
from data_access.standard_elements import STANDARD_DATA_ELEMENTS
from rules.model import DataElement

SAMPLE_DIR = REPO_ROOT / "sample_data"
SEED_USER = "sample_data"
OLD_SAMPLE_SOURCE = "sample_data/data_values.csv"
# The old sample's figures (2020–2025, H1 and FY) all belong to its own units, the 2024
# list: the last day those are valid once the post-reform sample has closed them.
OLD_SAMPLE_UNITS_DAY = date(2025, 6, 30)


@dataclass(frozen=True)
class OrgUnitRecord(UnitRow):
    """A unit of the sample, with its boundary (GeoJSON geometry) where the sample has one."""

    boundary: dict | None = None


@dataclass(frozen=True)
class SeedResult:
    org_units: int
    values_added: int
    values_kept: int


def ensure_data_elements(engine: Engine, elements: Iterable[DataElement]) -> int:
    """Insert data elements the database does not know yet; returns how many were added."""
    with engine.begin() as conn:
        return DataElementRow.add_missing(conn, elements)


def upsert_org_units(engine: Engine, records: Sequence[OrgUnitRecord]) -> int:
    """Add or update org units by code *and validity*; parents must come before their children.

    Since the 2025 reform a code can name two units (07615: Thị trấn An Châu until
    30/06/2025, Xã Sơn Động after). A record updates the stored unit of its code that
    starts when it starts (or is valid on its first day); an end of validity the database
    already knows is kept when the record has none, so running the old sample's seed again
    after the Bắc Ninh sample neither reopens An Châu nor renames Xã Sơn Động.
    """
    with engine.begin() as conn:
        units = load_units(conn)
        for rec in records:
            day = rec.valid_from or OPEN_START
            parent = None
            if rec.parent_code:
                candidates = units.get(rec.parent_code, [])
                parent = unit_on(candidates, day) or (candidates[-1] if candidates else None)
                if parent is None:
                    raise ValueError(f"org unit {rec.code}: parent {rec.parent_code} is unknown")
            same = [u for u in units.get(rec.code, []) if u.valid_from == rec.valid_from] or [
                u for u in units.get(rec.code, []) if u.valid_on(day)
            ]
            stored = same[0] if same else None
            values = unit_values(rec, parent)
            values |= {
                "valid_to": rec.valid_to or (stored.valid_to if stored else None),
                "boundary": json.dumps(rec.boundary, ensure_ascii=False, separators=(",", ":"))
                if rec.boundary
                else None,
                "centroid_lat": rec.centroid[0] if rec.centroid else None,
                "centroid_lon": rec.centroid[1] if rec.centroid else None,
            }
            if stored is not None:
                conn.execute(update(OrgUnit).where(OrgUnit.id == stored.id).values(**values))
                uid = stored.id
            else:
                uid = conn.execute(insert(OrgUnit).values(**values).returning(OrgUnit.id)).scalar_one()
            unit = Unit.written(uid, values)
            others = [u for u in units.get(rec.code, []) if u.id != uid]
            units[rec.code] = sorted([*others, unit], key=lambda u: u.valid_from or OPEN_START)
    return len(records)


def _parse_date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def _csv_unit(row: dict[str, str]) -> dict[str, Any]:
    """A unit's fields as both samples' org_units.csv spell them (empty = none)."""
    return {
        "code": row["code"],
        "name": row["name"],
        "full_name": row["full_name"],
        "type": row["type"],
        "level": row["level"],
        "parent_code": row["parent_code"] or None,
        "valid_from": _parse_date(row["valid_from"]),
        "valid_to": _parse_date(row["valid_to"]),
    }


def read_sample_org_units(sample_dir: Path = SAMPLE_DIR) -> list[OrgUnitRecord]:
    """org_units.csv joined with the boundaries in sample_data/boundaries/*.geojson."""
    shapes: dict[str, tuple[dict, tuple[float, float] | None]] = {}
    for path in sorted((sample_dir / "boundaries").glob("*.geojson")):
        for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
            props = feature.get("properties") or {}
            code = props.get("code")
            if code:
                centroid = (props["centroid_lat"], props["centroid_lon"]) if "centroid_lat" in props else None
                shapes[str(code)] = (feature["geometry"], centroid)
    records = []
    with (sample_dir / "org_units.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            shape = shapes.get(row["code"])
            records.append(
                OrgUnitRecord(
                    **_csv_unit(row), boundary=shape[0] if shape else None, centroid=shape[1] if shape else None
                )
            )
    return records


def report_timestamp(code: str, year: int, period: str) -> datetime:
    """A plausible moment a commune's report arrived: a few days before the deadline."""
    deadline = date(year, 5, 15) if period == "H1" else date(year, 11, 15)
    days_early = zlib.crc32(f"{code}{year}{period}".encode()) % 10
    day = deadline - timedelta(days=days_early)
    return datetime(day.year, day.month, day.day, 9, 30, tzinfo=UTC)


def add_values(
    engine: Engine,
    rows: Iterable[tuple[str, int, str, str, float]],
    *,
    source: str,
    user: str,
    timestamp_for=report_timestamp,  # noqa: ANN001 - (code, year, period) -> datetime
    audit: bool = True,
    units_of_day: date | None = None,
) -> tuple[int, int]:
    """Insert figures (code, year, period, element, value) that are not stored yet.

    A code means the unit valid on the period's last day, or on `units_of_day` when
    given (the old sample's files name the units of the 2024 list, whatever the period).
    Returns (added, kept). Never overwrites: this is for seeding and generation; the
    importer is the way to change a figure.
    """
    now = datetime.now(UTC)
    with engine.begin() as conn:
        units = load_units(conn)
        ids: dict[tuple[str, int, str], int] = {}  # a code means the unit valid on the period's last day
        existing = {
            (u, d, y, p)
            for u, d, y, p in conn.execute(
                select(DataValue.org_unit_id, DataValue.data_element_id, DataValue.year, DataValue.period)
            )
        }
        batch_id = conn.execute(
            insert(ImportBatch)
            .values(filename=source, sha256=None, imported_by=user, imported_at=now, rows=0)
            .returning(ImportBatch.id)
        ).scalar_one()
        values, audits, kept = [], [], 0
        for code, year, period, de, value in rows:
            uid = ids.get((code, year, period))
            if uid is None:
                unit = unit_on(units[code], units_of_day or period_end(year, period)) or units[code][0]
                uid = ids[(code, year, period)] = unit.id
            key = (uid, de, year, period)
            if key in existing:
                kept += 1
                continue
            existing.add(key)
            at = timestamp_for(code, year, period)
            values.append(
                {
                    "org_unit_id": uid,
                    "data_element_id": de,
                    "year": year,
                    "period": period,
                    "value": value,
                    "source": source,
                    "updated_by": user,
                    "updated_at": at,
                    "version": 1,
                }
            )
            if audit:
                audits.append(
                    {
                        "org_unit_id": uid,
                        "data_element_id": de,
                        "year": year,
                        "period": period,
                        "action": "insert",
                        "old_value": None,
                        "new_value": value,
                        "changed_by": user,
                        "changed_at": at,
                        "source": source,
                        "import_id": batch_id,
                    }
                )
        for start in range(0, len(values), 5000):
            conn.execute(insert(DataValue), values[start : start + 5000])
        for start in range(0, len(audits), 5000):
            conn.execute(insert(AuditEntry), audits[start : start + 5000])
        conn.execute(
            update(ImportBatch)
            .where(ImportBatch.id == batch_id)
            .values(rows=len(values) + kept, inserted=len(values), unchanged=kept)
        )
    return len(values), kept


def read_sample_values(sample_dir: Path = SAMPLE_DIR) -> list[tuple[str, int, str, str, float]]:
    with (sample_dir / "data_values.csv").open(encoding="utf-8", newline="") as fh:
        return [
            (r["commune_code"], int(r["year"]), r["period"], r["data_element"], float(r["value"]))
            for r in csv.DictReader(fh)
        ]


def seed_sample(engine: Engine, sample_dir: Path = SAMPLE_DIR) -> SeedResult:
    """Load the sample district(s); safe to run again."""
    ensure_data_elements(engine, STANDARD_DATA_ELEMENTS.values())
    units = read_sample_org_units(sample_dir)
    upsert_org_units(engine, units)
    added, kept = add_values(
        engine,
        read_sample_values(sample_dir),
        source=OLD_SAMPLE_SOURCE,
        user=SEED_USER,
        units_of_day=OLD_SAMPLE_UNITS_DAY,
    )
    return SeedResult(org_units=len(units), values_added=added, values_kept=kept)


# --------------------------------------------------------------------------- the post-reform sample

BAC_NINH_DIR = SAMPLE_DIR / "bac_ninh_2026"
BAC_NINH_SOURCE = "sample_data/bac_ninh_2026/data_values.csv"


class SampleError(RuntimeError):
    """The sample files do not fit the database (a message for the operator, not a traceback)."""


def read_bac_ninh_units(sample_dir: Path = BAC_NINH_DIR) -> list[UnitRow]:
    """org_units.csv of the post-reform sample: old units first, then the new ones."""
    out = []
    with (sample_dir / "org_units.csv").open(encoding="utf-8", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            lat, lon = row.get("centroid_lat"), row.get("centroid_lon")
            out.append(UnitRow(**_csv_unit(row), centroid=(float(lat), float(lon)) if lat and lon else None, row=n))
    return out


def read_bac_ninh_lineage(sample_dir: Path = BAC_NINH_DIR) -> list[LineageRow]:
    with (sample_dir / "lineage.csv").open(encoding="utf-8", newline="") as fh:
        return [
            LineageRow(r["old_code"], r["new_code"], float(r["share"]), date.fromisoformat(r["effective_date"]), n)
            for n, r in enumerate(csv.DictReader(fh), start=2)
        ]


def _attach_new_boundaries(conn, sample_dir: Path) -> int:  # noqa: ANN001 - a Connection
    """The 99 polygons onto the units valid from 01/07/2025 (never onto the old unit of a
    reused code: 07615's polygon is Xã Sơn Động's, not Thị trấn An Châu's)."""
    from data_access.places import REFORM_DAY

    units = load_units(conn)
    features = json.loads((sample_dir / "bac_ninh_2025.geojson").read_text(encoding="utf-8"))["features"]
    count = 0
    for feature in features:
        props = feature["properties"]
        unit = unit_on(units.get(str(props["code"]), []), REFORM_DAY)
        if unit is None:
            continue
        conn.execute(
            update(OrgUnit)
            .where(OrgUnit.id == unit.id)
            .values(
                boundary=json.dumps(feature["geometry"], ensure_ascii=False, separators=(",", ":")),
                centroid_lat=props["centroid_lat"],
                centroid_lon=props["centroid_lon"],
            )
        )
        count += 1
    return count


def seed_bac_ninh(engine: Engine, sample_dir: Path = BAC_NINH_DIR) -> SeedResult:
    """Load the post-reform Bắc Ninh sample; safe to run again, and beside the old sample.

    Units the old sample has (Bắc Giang, Sơn Động, Hiệp Hòa and their 42 communes) are
    matched by code and validity and only get their end (30/06/2025); nothing is added twice.
    """
    ensure_data_elements(engine, STANDARD_DATA_ELEMENTS.values())
    units = read_bac_ninh_units(sample_dir)
    result = LoadResult()
    with engine.begin() as conn:
        write_units(conn, units, result)
        if result.ok:
            write_lineage(conn, read_bac_ninh_lineage(sample_dir), result)
        if not result.ok:
            conn.rollback()
            raise SampleError("; ".join(issue.message("en") for issue in result.issues[:5]))
        _attach_new_boundaries(conn, sample_dir)
    added, kept = add_values(engine, read_sample_values(sample_dir), source=BAC_NINH_SOURCE, user=SEED_USER)
    return SeedResult(org_units=len(units), values_added=added, values_kept=kept)


def seed_samples(engine: Engine) -> SeedResult:
    """Both samples (the 2024 districts, then the post-reform province); safe to run again."""
    old = seed_sample(engine)
    new = seed_bac_ninh(engine)
    db.refresh_planner_stats(engine)
    return SeedResult(
        org_units=old.org_units + new.org_units,
        values_added=old.values_added + new.values_added,
        values_kept=old.values_kept + new.values_kept,
    )


def seed_missing_samples(engine: Engine) -> bool:
    """The embedded database: load whichever sample it lacks (one query when it has both),
    so an embedded database made before the post-reform sample existed gets it too.
    Returns whether anything was loaded."""
    with engine.connect() as conn:
        loaded = set(conn.execute(select(ImportBatch.filename).where(ImportBatch.imported_by == SEED_USER)).scalars())
    if BAC_NINH_SOURCE in loaded and OLD_SAMPLE_SOURCE in loaded:
        return False
    if OLD_SAMPLE_SOURCE not in loaded:
        seed_sample(engine)
    if BAC_NINH_SOURCE not in loaded:
        seed_bac_ninh(engine)
    db.refresh_planner_stats(engine)
    return True
