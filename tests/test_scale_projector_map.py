"""The projector's map slide at every scale, in AppTest.

* a district (the sample's 17 communes): communes labelled with symbol and name, as ever;
* a province (a synthetic one of ~160 communes): communes coloured and marked with their
  symbol alone (names would overlap), in black on the fill;
* a country above `ui.map.MAX_POLYGONS` communes (synthetic, 1,100 in 7 provinces): its
  provinces, each in the colour of its own pooled status with symbol and name; no
  commune polygon is sent.

Statuses are taken from `compute_progress` here, never read back from the page.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest

from data_access import db
from data_access.generate import generate
from data_access.progress import compute_progress
from data_access.queries import Boundary
from data_access.targets import load_plan
from i18n import t
from tests.apptest_util import REPO, all_text, run_app
from ui.map import MAX_POLYGONS
from ui.projector_deck import MAP_SIZES, MAX_LABELS, MAX_SYMBOLS, commune_dots
from ui.status import STATUS_RGB, STATUS_SYMBOL

COMMUNES = 1100
INDICATOR = "safe_home_rate"


@pytest.fixture(scope="module")
def country(tmp_path_factory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("country")
    url = f"sqlite:///{folder / 'country.sqlite'}"
    plan_path = folder / "targets.yaml"
    generate(db.get_engine(url), COMMUNES, (2024, 2025), plan_path=plan_path)
    return url, plan_path


def _decks(at) -> list[dict]:
    decks = [json.loads(chart.proto.json) for chart in at.get("deck_gl_json_chart")]
    assert len(decks) == len(MAP_SIZES)  # one rendering per screen size
    return decks


def _layer(deck: dict, layer_id: str) -> dict | None:
    return next((layer for layer in deck["layers"] if layer["id"] == layer_id), None)


def _slide(monkeypatch, url: str, plan_path: Path | None = None, **params: str):
    if plan_path is not None:
        monkeypatch.setenv("TARGETS_FILE", str(plan_path))
    return run_app(monkeypatch, url, page="projector", slide="2", play="0", **params)


def test_a_country_is_drawn_as_its_provinces_in_their_own_status(monkeypatch, country):
    url, plan_path = country
    progress = compute_progress(db.get_engine(url), load_plan(plan_path), 2025, "FY")
    assert len(progress.communes) > MAX_POLYGONS and progress.parts
    status = {p.code: progress.part_row(INDICATOR, p.code).status for p in progress.parts}
    at = _slide(monkeypatch, url, plan_path, year="2025", indicator=INDICATOR)
    for deck in _decks(at):
        shapes = _layer(deck, "proj_communes")["data"]["features"]
        assert len(shapes) == len(progress.parts)  # provinces, not 1,100 communes
        fills = Counter(tuple(f["properties"]["fill"][:3]) for f in shapes)
        assert fills == Counter(STATUS_RGB[s] for s in status.values())
        # Each province also carries its status symbol and, being few, its name.
        labels = _layer(deck, "proj_labels")["data"]
        assert {label["text"] for label in labels} == {
            f"{STATUS_SYMBOL[status[p.code]]} {p.name}" for p in progress.parts
        }
    text = all_text(at)
    by_status = Counter(status.values())
    for s in ("met", "at_risk", "not_met"):
        assert f"{STATUS_SYMBOL[s]} {t('status_' + s)}: {by_status[s]} tỉnh" in text
    # The communes are still counted, in a sentence under the legend.
    communes = Counter(r.status for r in progress.commune_rows if r.indicator_id == INDICATOR)
    assert f"{STATUS_SYMBOL['not_met']} {communes['not_met']}" in text
    assert "Mỗi tỉnh tính chung các xã của tỉnh" in text
    assert "Bản đồ theo tỉnh, thành phố" in text and "Bản đồ theo xã" not in text


def test_the_country_map_in_english_counts_provinces(monkeypatch, country):
    url, plan_path = country
    at = _slide(monkeypatch, url, plan_path, year="2025", indicator=INDICATOR, lang="en")
    text = all_text(at)
    assert " provinces" in text and "Each province pools its communes" in text
    assert "Map by province" in text
    assert all("Map of the provinces" in chart.proto.alt for chart in at.get("deck_gl_json_chart"))


def test_a_province_marks_its_communes_with_the_symbol_alone(monkeypatch, country):
    url, plan_path = country
    engine = db.get_engine(url)
    plan = load_plan(plan_path)
    area = compute_progress(engine, plan, 2025, "FY").parts[0]
    progress = compute_progress(engine, plan, 2025, "FY", area.code)
    assert MAX_LABELS < len(progress.communes) <= MAX_SYMBOLS
    status = {r.area_code: r.status for r in progress.commune_rows if r.indicator_id == INDICATOR}
    at = _slide(monkeypatch, url, plan_path, year="2025", indicator=INDICATOR, area=area.code)
    for deck in _decks(at):
        assert len(_layer(deck, "proj_communes")["data"]["features"]) == len(progress.communes)
        labels = _layer(deck, "proj_labels")
        assert Counter(label["text"] for label in labels["data"]) == Counter(STATUS_SYMBOL[s] for s in status.values())
        assert not labels.get("background")  # black on the fill: a white box would hide a small commune
    assert f"{STATUS_SYMBOL['met']} {t('status_met')}: {Counter(status.values())['met']} xã" in all_text(at)


def test_a_district_keeps_symbol_and_name_on_every_commune(monkeypatch, shared_seeded_url):
    plan = load_plan(REPO / "targets.yaml")
    progress = compute_progress(db.get_engine(shared_seeded_url), plan, 2024, "FY")
    assert len(progress.communes) <= MAX_LABELS
    ind = next(i for i in plan.indicators if i.applies_to_communes)
    at = _slide(monkeypatch, shared_seeded_url, year="2024", indicator=ind.id)
    expected = {f"{STATUS_SYMBOL[r.status]} {r.area_name}" for r in progress.commune_rows if r.indicator_id == ind.id}
    assert len(expected) == len(progress.communes)
    for deck in _decks(at):
        labels = _layer(deck, "proj_labels")
        assert {label["text"] for label in labels["data"]} == expected
        assert labels["background"] is True


def test_dots_when_there_are_no_provinces_to_draw():
    """The fallback for a huge area without parts: a dot per commune in its status
    colour, in code order (no status drawn over another), and no label."""
    statuses = ["met", "not_met", "at_risk", "no_data"] * 300
    bounds = [
        Boundary(f"{i:05d}", f"X{i}", f"Xã X{i}", {"type": "Polygon", "coordinates": []}, (10 + i / 1000, 105.0))
        for i in range(len(statuses))
    ]
    rows = {b.code: SimpleNamespace(status=s) for b, s in zip(bounds, statuses, strict=True) if s != "no_data"}
    deck = json.loads(commune_dots(rows, bounds, MAP_SIZES[0][1]).to_json())
    assert [layer["@@type"] for layer in deck["layers"]] == ["ScatterplotLayer"]
    points = deck["layers"][0]["data"]
    assert [tuple(p["f"][:3]) for p in points] == [STATUS_RGB[s] for s in statuses]
