"""Which unit a code means for a report's period (no database, no file reading).

A figure for a period belongs to the unit valid on the period's last day (H1 → 30/06,
FY → 31/12): `07615` in a 2024 file is Thị trấn An Châu, in a 2026 file Xã Sơn Động.
Used by the importer and by `data_access.places`; kept apart so neither grows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol, TypeVar

REFORM_DAY = date(2025, 7, 1)  # districts abolished, new communes from this day


class Dated(Protocol):
    valid_from: date | None
    valid_to: date | None


U = TypeVar("U", bound=Dated)


def period_end(year: int, period: str) -> date:
    """The day whose units report a period's figures (H1 → 30/06, FY → 31/12)."""
    return date(year, 6, 30) if period == "H1" else date(year, 12, 31)


def is_valid_on(unit: Dated, day: date) -> bool:
    return (unit.valid_from is None or unit.valid_from <= day) and (unit.valid_to is None or unit.valid_to >= day)


def unit_for_period(candidates: Sequence[U], year: int, period: str) -> U | None:
    """The unit of one code that reports `year` `period` (None if the code meant none)."""
    day = period_end(year, period)
    return next((u for u in candidates if is_valid_on(u, day)), None)

