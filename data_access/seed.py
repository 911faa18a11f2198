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

from sqlalchemy import Engine, insert, select, update

from data_access.db import REPO_ROOT
from data_access.models import AuditEntry, DataElementRow, DataValue, ImportBatch, OrgUnit
from data_access.standard_elements import STANDARD_DATA_ELEMENTS
from rules.model import DataElement

SAMPLE_DIR = REPO_ROOT / "sample_data"
SEED_USER = "sample_data"


@dataclass(frozen=True)
class OrgUnitRecord:
    code: str
    name: str
    full_name: str
    type: str
    level: str
    parent_code: str | None
    valid_from: date | None = None
    valid_to: date | None = None
    boundary: dict | None = None
    centroid: tuple[float, float] | None = None


@dataclass(frozen=True)
class SeedResult:
    org_units: int
    values_added: int
    values_kept: int


def ensure_data_elements(engine: Engine, elements: Iterable[DataElement]) -> int:
    """Insert data elements the database does not know yet; returns how many were added."""
    elements = list(elements)
    with engine.begin() as conn:
        known = set(conn.execute(select(DataElementRow.id)).scalars())
        new = [
            {
                "id": e.id,
                "name_vi": e.name.vi,
                "name_en": e.name.en,
                "kind": e.kind,
                "value_type": e.type,
                "standard": e.standard,
            }
            for e in elements
            if e.id not in known
        ]
        if new:
            conn.execute(insert(DataElementRow), new)
    return len(new)


def upsert_org_units(engine: Engine, records: Sequence[OrgUnitRecord]) -> int:
    """Add or update org units by code; parents must come before their children."""
    with engine.begin() as conn:
        existing = {
            code: (uid, path) for uid, code, path in conn.execute(select(OrgUnit.id, OrgUnit.code, OrgUnit.path))
        }
        for rec in records:
            parent = existing.get(rec.parent_code) if rec.parent_code else None
            if rec.parent_code and parent is None:
                raise ValueError(f"org unit {rec.code}: parent {rec.parent_code} is unknown")
            path = (parent[1] if parent else "/") + rec.code + "/"
            values = {
                "code": rec.code,
                "name": rec.name,
                "full_name": rec.full_name,
                "type": rec.type,
                "level": rec.level,
                "parent_id": parent[0] if parent else None,
                "path": path,
                "depth": path.count("/") - 2,
                "valid_from": rec.valid_from,
                "valid_to": rec.valid_to,
                "boundary": json.dumps(rec.boundary, ensure_ascii=False, separators=(",", ":"))
                if rec.boundary
                else None,
                "centroid_lat": rec.centroid[0] if rec.centroid else None,
                "centroid_lon": rec.centroid[1] if rec.centroid else None,
            }
            if rec.code in existing:
                conn.execute(update(OrgUnit).where(OrgUnit.code == rec.code).values(**values))
                existing[rec.code] = (existing[rec.code][0], path)
            else:
                uid = conn.execute(insert(OrgUnit).values(**values).returning(OrgUnit.id)).scalar_one()
                existing[rec.code] = (uid, path)
    return len(records)


def _parse_date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


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
                    code=row["code"],
                    name=row["name"],
                    full_name=row["full_name"],
                    type=row["type"],
                    level=row["level"],
                    parent_code=row["parent_code"] or None,
                    valid_from=_parse_date(row["valid_from"]),
                    valid_to=_parse_date(row["valid_to"]),
                    boundary=shape[0] if shape else None,
                    centroid=shape[1] if shape else None,
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
) -> tuple[int, int]:
    """Insert figures (code, year, period, element, value) that are not stored yet.

    Returns (added, kept). Never overwrites: this is for seeding and generation; the
    importer is the way to change a figure.
    """
    now = datetime.now(UTC)
    with engine.begin() as conn:
        ids = dict(conn.execute(select(OrgUnit.code, OrgUnit.id)).all())
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
            uid = ids[code]
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
        engine, read_sample_values(sample_dir), source="sample_data/data_values.csv", user=SEED_USER
    )
    return SeedResult(org_units=len(units), values_added=added, values_kept=kept)
