"""What the intake tests share: the long CSV header, the sample's own figures read from
sample_data/data_values.csv (never from the importer's output), and Vietnamese text as
Windows-1258 writes it."""

from __future__ import annotations

import csv
import unicodedata

from tests.conftest import REPO

HEADER = "commune_code,commune_name,year,period,data_element,value"
_TONES = "\u0300\u0301\u0303\u0309\u0323"


def sample_values() -> dict[tuple[str, int, str, str], float]:
    """(commune, year, period, element) -> value, as the sample's CSV says."""
    with (REPO / "sample_data" / "data_values.csv").open(encoding="utf-8") as fh:
        return {
            (r["commune_code"], int(r["year"]), r["period"], r["data_element"]): float(r["value"])
            for r in csv.DictReader(fh)
        }


def to_cp1258(text: str) -> bytes:
    """What Excel on a Vietnamese Windows writes: the letter precomposed where the code
    page has it (â, ơ, đ …), the tone as a combining mark after it."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        marks = "".join(m for m in parts[1:] if m in _TONES)
        base = unicodedata.normalize("NFC", parts[0] + "".join(m for m in parts[1:] if m not in _TONES))
        out += base.encode("cp1258") + marks.encode("cp1258")
    return bytes(out)


def batch_and_audits(engine, batch_id: int):
    """What one import wrote to the log: its batch row and its audit entries (with the
    commune code), in the order they were written."""
    from sqlalchemy import select

    from data_access.models import AuditEntry, ImportBatch, OrgUnit

    with engine.connect() as conn:
        batch = conn.execute(select(ImportBatch).where(ImportBatch.id == batch_id)).one()
        audits = conn.execute(
            select(AuditEntry.__table__, OrgUnit.code)
            .join(OrgUnit, OrgUnit.id == AuditEntry.org_unit_id)
            .where(AuditEntry.import_id == batch_id)
            .order_by(AuditEntry.id)
        ).all()
    return batch, audits
