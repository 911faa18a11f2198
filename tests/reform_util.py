"""The sample across the 2025 reform, for the pages and the browser alike: Lạng Sơn's
official list loaded on top of the sample (65 new communes from 01/07/2025, coordinates but
no boundaries), reporting 2025 FY, and a plan whose area is "Lạng Sơn"."""

from __future__ import annotations

from pathlib import Path

from data_access import db, places
from data_access.progress import history_across_reform
from data_access.seed import add_values

REPO = Path(__file__).resolve().parent.parent


def lang_son_after_reform(url: str, folder: Path) -> Path:
    """Load Lạng Sơn into the database at `url`; returns the plan written into `folder`."""
    engine = db.get_engine(url)
    assert places.load_official(engine, ["Lạng Sơn"])[0].ok
    # The new communes report 2025 FY: their carried 2024 figures, a little better.
    carried = history_across_reform(engine, "20", [(2024, "FY"), (2025, "FY")], []).figures[(2024, "FY")]
    rows = [(code, 2025, "FY", de, round(v * 1.05)) for code, figs in carried.items() for de, v in figs.items()]
    add_values(engine, rows, source="test", user="test")
    text = (REPO / "sample_data" / "plans" / "chi_lang_2025.yaml").read_text(encoding="utf-8")
    plan = folder / "lang_son.yaml"
    plan.write_text(text.replace('area: "Chi Lăng"', 'area: "Lạng Sơn"'), encoding="utf-8")
    return plan
