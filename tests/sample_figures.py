"""The sample data read straight from the CSV files, for tests that check a page's
numbers against figures they compute themselves (not against the page's own output)."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
SON_DONG = "220"


@lru_cache(maxsize=1)
def org_units() -> dict[str, dict[str, str]]:
    with (SAMPLE / "org_units.csv").open(encoding="utf-8", newline="") as fh:
        return {row["code"]: row for row in csv.DictReader(fh)}


def communes_of(district: str = SON_DONG) -> dict[str, dict[str, str]]:
    """code -> org_units.csv row, for the communes of a district."""
    return {c: r for c, r in org_units().items() if r["parent_code"] == district and r["level"] == "commune"}


@lru_cache(maxsize=1)
def _values() -> dict[tuple[int, str], dict[str, dict[str, float]]]:
    out: dict[tuple[int, str], dict[str, dict[str, float]]] = {}
    with (SAMPLE / "data_values.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            key = (int(row["year"]), row["period"])
            out.setdefault(key, {}).setdefault(row["commune_code"], {})[row["data_element"]] = float(row["value"])
    return out


def figures(year: int, period: str, district: str = SON_DONG) -> dict[str, dict[str, float]]:
    """commune code -> data element -> value for one period (a missing commune = not reported)."""
    codes = communes_of(district)
    return {c: dict(v) for c, v in _values().get((year, period), {}).items() if c in codes}
