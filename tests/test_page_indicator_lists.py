"""The indicator page's lagging communes are all visible or "và N xã khác" (issue 13,
item 8), in AppTest on SQLite and PostgreSQL; expected names from sample_data/*.csv."""

from __future__ import annotations

from tests import sample_truth as truth
from tests.apptest_util import all_text, run_app
from ui import indicator_view


def _not_eligible() -> list[str]:
    figures = truth.figures(2024, "FY")
    return sorted(
        c.name
        for c in truth.communes()
        if not (
            figures[c.code]["cfc_recognised"] == 1
            and figures[c.code]["drowning_deaths"] == 0
            and figures[c.code]["abuse_cases"] == 0
        )
    )


def _open(monkeypatch, url):
    return run_app(monkeypatch, url, page="indicator", year="2024", period="FY", indicator="cfc_rate")


def test_every_lagging_commune_is_in_the_table(monkeypatch, shared_seeded_url):
    lagging = _not_eligible()
    assert len(lagging) > 3
    at = _open(monkeypatch, shared_seeded_url)
    assert sorted(at.dataframe[0].value["Xã, thị trấn"]) == lagging
    assert "xã khác chưa đạt" not in all_text(at)  # nothing left out, nothing to say


def test_beyond_the_table_the_rest_are_named_and_one_click_away(monkeypatch, shared_seeded_url):
    monkeypatch.setattr(indicator_view, "OFF_TRACK_SHOWN", 3)
    lagging = _not_eligible()
    at = _open(monkeypatch, shared_seeded_url)
    shown = list(at.dataframe[0].value["Xã, thị trấn"])
    assert len(shown) == 3
    rest = [name for name in lagging if name not in shown]
    note = next(c.value for c in at.caption if "xã khác chưa đạt hoặc có nguy cơ" in c.value)
    assert note.startswith(f"… và {len(rest)} xã khác chưa đạt hoặc có nguy cơ: ")
    assert all(name in note for name in rest)
    full = next(e for e in at.expander if e.label == f"Xem cả {len(lagging)} xã trong một bảng")
    assert sorted(full.dataframe[0].value["Xã, thị trấn"]) == lagging
