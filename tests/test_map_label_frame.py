"""Map labels stay inside the map (issue 12): on the Bắc Ninh 2026 map the names of the
communes near the edge are placed inside the canvas the view is fitted for, never cut
at its border (the browser check: tests/browser/test_map_label_edges.py)."""

from __future__ import annotations

import json

import pytest

from tests.apptest_util import run_app
from ui import map as mapview


@pytest.fixture
def sqlite_both(_both_samples_copies) -> str:
    return _both_samples_copies["sqlite"]


@pytest.mark.parametrize("color", ["status", "value"])
def test_every_label_of_the_bac_ninh_map_lies_inside_the_canvas(monkeypatch, sqlite_both, color):
    at = run_app(monkeypatch, sqlite_both, page="map", plan="bac_ninh_2026", year="2026", period="H1", color=color)
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    view = deck["initialViewState"]
    labels = [
        label for layer in deck["layers"] if layer["id"] in ("labels", "non_commune_labels") for label in layer["data"]
    ]
    assert len(labels) > 30  # most of the 99 communes are named
    outside = []
    for label in labels:
        x, y = mapview.project(*label["position"], view, mapview.FIT_WIDTH, mapview.MAP_HEIGHT)
        x, y = x + label["offset"][0], y + label["offset"][1]
        half, height = mapview.label_box(label["label"], mapview.LABEL_SIZE)
        if x - half < 0 or x + half > mapview.FIT_WIDTH or y - height / 2 < 0 or y + height / 2 > mapview.MAP_HEIGHT:
            outside.append((label["label"], round(x), round(y)))
    assert not outside, outside
