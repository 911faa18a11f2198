"""Map labels that do not overlap and a map that fits 1280x720 (issue 13, item 11), in
AppTest on SQLite and PostgreSQL: the labels the map page sends, placed where deck.gl
draws them (the view's zoom, each label's pixel offset), never cover one another."""

from __future__ import annotations

import json

import pytest

from tests.apptest_util import run_app
from tests.sample_figures import communes_of
from ui import map as mapview

PX_PER_CHAR = 0.62  # a bold sans character at the label size, measured on DejaVu Sans Bold


def _boxes(deck: dict) -> list[tuple[str, tuple[float, float, float, float]]]:
    view = deck["initialViewState"]
    labels = [
        label for layer in deck["layers"] if layer["id"] in ("labels", "non_commune_labels") for label in layer["data"]
    ]
    out = []
    for label in labels:
        lon, lat = label["position"]
        x, y = mapview.project(lon, lat, view, mapview.FIT_WIDTH, mapview.MAP_HEIGHT)
        x, y = x + label["offset"][0], y + label["offset"][1]
        lines = label["label"].split("\n")
        half = max(map(len, lines)) * mapview.LABEL_SIZE * PX_PER_CHAR / 2 + 4  # with the background
        height = len(lines) * mapview.LABEL_SIZE * 1.15 + 4
        out.append((label["label"], (x - half, y - height / 2, x + half, y + height / 2)))
    return out


@pytest.mark.parametrize("color", ["status", "value"])
def test_no_two_labels_overlap_and_the_map_fits(monkeypatch, shared_seeded_url, color):
    at = run_app(monkeypatch, shared_seeded_url, page="map", year="2024")
    at.query_params["color"] = color
    at.run()
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    boxes = _boxes(deck)
    names = {r["name"] for r in communes_of("220").values()}
    named = {text.split("\n")[0].lstrip("✔✖▲? ") for text, _ in boxes} & names
    # A commune with no room for its name shows its status symbol (coloured by value: its
    # value) on its own spot, never a name over another; at most two are left unlabelled
    # (its tooltip and its table row remain).
    assert len(boxes) - 1 >= len(communes_of("220")) - 2  # beside the non-commune area's name
    assert len(named) >= len(communes_of("220")) - 3  # names where there is room
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1 :]:
            apart = box_a[2] <= box_b[0] or box_b[2] <= box_a[0] or box_a[3] <= box_b[1] or box_b[3] <= box_a[1]
            assert apart, (a, b)
    # Title (~280 px from the top at 1280x720) plus the map: the whole map is on the screen.
    assert mapview.MAP_HEIGHT + 280 <= 720
