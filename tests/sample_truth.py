"""What the sample data says, worked out by the tests themselves from the CSV files.

Page tests compare what a page shows with these numbers: figures are read straight from
sample_data/data_values.csv and org_units.csv (not through the database or the page), and
statuses come from the pure rules applied to those figures.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from data_access.targets import load_plan
from rules import ProgressRow, Question, evaluate_plan
from rules.model import OrgUnitRef, Plan

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_data"
SON_DONG = "220"

Figures = dict[str, dict[str, float]]


@lru_cache(maxsize=1)
def values() -> dict[tuple[int, str], Figures]:
    out: dict[tuple[int, str], Figures] = defaultdict(dict)
    with open(SAMPLE / "data_values.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out[(int(row["year"]), row["period"])].setdefault(row["commune_code"], {})[row["data_element"]] = float(
                row["value"]
            )
    return dict(out)


@lru_cache(maxsize=4)
def communes(district: str = SON_DONG) -> tuple[OrgUnitRef, ...]:
    with open(SAMPLE / "org_units.csv", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["level"] == "commune" and r["parent_code"] == district]
    return tuple(
        OrgUnitRef(r["code"], r["name"], r["full_name"], r["type"], "commune", district)
        for r in sorted(rows, key=lambda r: r["code"])
    )


def figures(year: int, period: str, district: str = SON_DONG) -> Figures:
    codes = {c.code for c in communes(district)}
    return {code: dict(v) for code, v in values().get((year, period), {}).items() if code in codes}


@lru_cache(maxsize=1)
def plan() -> Plan:
    return load_plan(REPO / "targets.yaml")


def rows(year: int, period: str, district: str = SON_DONG) -> list[ProgressRow]:
    area = OrgUnitRef(district, "Sơn Động", "Huyện Sơn Động", "huyện", "district")
    return evaluate_plan(
        plan(), Question(year, period, area, communes(district), figures(year, period), figures(year - 1, period))
    )


def name_of(code: str) -> str:
    return next(c.name for c in communes() if c.code == code)


def vi_number(value: float, decimals: int = 1) -> str:
    """1234.5 -> '1.234,5', written independently of the app's formatter."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def reported(year: int, period: str) -> list[str]:
    """Communes with at least one figure for the period."""
    return [c.code for c in communes() if figures(year, period).get(c.code)]
