"""The Map page in AppTest on SQLite and PostgreSQL: every commune drawn in the colour of
the status the TEST computes from sample_data/data_values.csv, the names with their
diacritics, no basemap, a small payload; choosing a commune (map or table) opens it."""

from __future__ import annotations

import json

import pytest

from tests.apptest_util import all_text, run_app
from tests.sample_figures import communes_of, figures
from ui.map import VALUE_RAMP, bounds_of, fit_view, polygons_of, project, value_classes
from ui.status import STATUS_COLOR, STATUS_RGB, STATUS_SYMBOL

SD = communes_of()  # the 17 communes of Sơn Động


def _deck(at) -> dict:
    charts = at.get("deck_gl_json_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.json)


def _layer(deck: dict, layer_id: str) -> list[dict]:
    return next(layer for layer in deck["layers"] if layer["id"] == layer_id)["data"]


def _fills(deck: dict) -> dict[str, tuple[int, ...]]:
    out: dict[str, tuple[int, ...]] = {}
    for row in _layer(deck, "communes"):
        assert out.setdefault(row["code"], tuple(row["fill"])) == tuple(row["fill"])  # parts agree
    return out


def _special_children_status(f: dict[str, float] | None) -> str:
    """'< 2' %, tolerance 10 % of the target (0.2 points): computed here by hand."""
    if not f or "special_children" not in f or not f.get("children_total"):
        return "no_data"
    value = f["special_children"] / f["children_total"] * 100
    return "met" if value < 2 else "at_risk" if value < 2.2 else "not_met"


def _cfc_status(f: dict[str, float] | None) -> str:
    """Recognised AND no drowning death AND no abuse case in the year (the plan's rule)."""
    if not f or "cfc_recognised" not in f:
        return "no_data"
    eligible = f.get("drowning_deaths") == 0 and f.get("abuse_cases") == 0
    return "met" if f["cfc_recognised"] == 1 and eligible else "not_met"


@pytest.mark.parametrize(
    ("indicator", "expected_status"),
    [("special_children_rate", _special_children_status), ("cfc_rate", _cfc_status)],
)
def test_every_commune_has_the_colour_and_symbol_of_its_status(
    monkeypatch, shared_seeded_url, indicator, expected_status
):
    at = run_app(monkeypatch, shared_seeded_url, page="map", year="2024", indicator=indicator)
    figs = figures(2024, "FY")
    expected = {code: expected_status(figs.get(code)) for code in SD}
    assert len(set(expected.values())) >= 2  # the test would be too easy otherwise
    deck = _deck(at)
    fills = _fills(deck)
    assert set(fills) == set(SD)
    for code, status in expected.items():
        assert fills[code] == STATUS_RGB[status], (SD[code]["name"], status)
    # Labels: the name with its diacritics and the status symbol (never colour alone); a
    # commune with no room for its name (they never overlap, issue 13) shows the symbol.
    # (the one text layer also names the areas outside the communes: kind "area")
    labels = [row["label"] for row in _layer(deck, "labels") if row.get("kind") != "area"]
    named = 0
    for code, status in expected.items():
        name = SD[code]["name"]
        mine = [x for x in labels if x.endswith(" " + name)]
        assert mine in ([f"{STATUS_SYMBOL[status]} {name}"], []), (name, mine)
        named += bool(mine)
    assert named >= len(SD) - 3
    assert set(labels) - {f"{STATUS_SYMBOL[s]} {SD[c]['name']}" for c, s in expected.items()} <= set(STATUS_SYMBOL.values())
    # The legend counts and the table agree with the computed statuses.
    text = all_text(at)
    n_not_met = sum(1 for s in expected.values() if s == "not_met")
    assert f"✖ Chưa đạt: {n_not_met} xã" in text
    table = at.dataframe[0].value
    rows = dict(zip(table["Xã, thị trấn"], table["Đánh giá"], strict=True))
    words = {"met": "✔ Đạt", "at_risk": "▲ Có nguy cơ", "not_met": "✖ Chưa đạt", "no_data": "? Chưa có số liệu"}
    for code, status in expected.items():
        assert rows[SD[code]["full_name"]] == words[status]
    assert "Ranh giới minh họa, không phải bản đồ chính thức" in text


def test_the_story_communes_are_off_track_on_the_child_friendly_map(monkeypatch, shared_seeded_url):
    """Lệ Viễn (a drowning death) and Dương Hưu (an abuse case) were recognised but do not count."""
    at = run_app(monkeypatch, shared_seeded_url, page="map", year="2024", indicator="cfc_rate")
    figs = figures(2024, "FY")
    fills = _fills(_deck(at))
    for code in ("07654", "07666"):
        assert figs[code]["cfc_recognised"] == 1
        assert figs[code]["drowning_deaths"] + figs[code]["abuse_cases"] >= 1
        assert fills[code] == STATUS_RGB["not_met"]


def test_no_basemap_no_internet_and_a_small_payload(monkeypatch, shared_seeded_url):
    at = run_app(monkeypatch, shared_seeded_url, page="map", year="2024")
    chart = at.get("deck_gl_json_chart")[0]
    deck = json.loads(chart.proto.json)
    assert deck.get("mapStyle") in (None, "__MAP_STYLE__")  # the sentinel Streamlit drops
    assert "mapProvider" not in deck and "http" not in chart.proto.json
    assert len(chart.proto.json) < 60_000
    # Coordinates are rounded to 5 decimals.
    ring = _layer(deck, "communes")[0]["polygon"][0]
    assert all(len(str(c).split(".")[-1]) <= 5 for point in ring for c in point)
    # The tooltip is a template: data goes into it through fields Streamlit escapes.
    tooltip = chart.proto.tooltip
    assert "{full_name}" in tooltip and "{status_text}" in tooltip
    assert not any(r["name"] in tooltip for r in SD.values())
    # The view is fitted on the district: every centroid is inside a 640x500 frame.
    view = deck["initialViewState"]
    for b in _layer(deck, "labels"):
        x, y = project(b["position"][0], b["position"][1], view, 640, 500)
        assert 0 < x < 640 and 0 < y < 500


def test_colour_by_value_in_h1_2025_shows_who_has_not_reported(monkeypatch, shared_seeded_url):
    at = run_app(
        monkeypatch,
        shared_seeded_url,
        page="map",
        year="2025",
        period="H1",
        indicator="hotline_111_sessions",
        color="value",
    )
    figs = figures(2025, "H1")
    silent = [c for c in SD if c not in figs]
    assert silent == ["07645"]  # An Lạc (sample_data/README.md, story 2)
    fills = _fills(_deck(at))
    assert fills["07645"] == STATUS_RGB["no_data"]
    # The ramp is monotone: more sessions never get a lighter colour.
    ramp = [tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in VALUE_RAMP]
    reported = sorted((figs[c]["hotline_111_sessions"], ramp.index(fills[c])) for c in SD if c in figs)
    assert [i for _, i in reported] == sorted(i for _, i in reported)
    assert reported[0][1] == 0 and reported[-1][1] == len(ramp) - 1
    labels = {row["label"] for row in _layer(_deck(at), "labels")}
    daison = int(figs["07627"]["hotline_111_sessions"])
    assert f"Đại Sơn\n{daison}" in labels
    text = all_text(at)
    assert "? Chưa có số liệu: 1 xã" in text and "Đơn vị: số lượng" in text


def test_choosing_a_commune_on_the_map_opens_its_page(monkeypatch, shared_seeded_url):
    at = run_app(monkeypatch, shared_seeded_url, page="map", year="2024", indicator="cfc_rate")
    rows = _layer(_deck(at), "communes")
    index = next(i for i, r in enumerate(rows) if r["code"] == "07654")
    at.session_state["map"] = {"selection": {"indices": {"communes": [index]}, "objects": {"communes": [rows[index]]}}}
    at.run()
    assert not at.exception
    assert at.title[0].value == "Xã Lệ Viễn"
    assert at.query_params["commune"] in ("07654", ["07654"])
    assert at.query_params["year"] in ("2024", ["2024"])  # the filters travel with the link


def test_choosing_a_row_of_the_table_opens_that_commune(monkeypatch, shared_seeded_url):
    at = run_app(monkeypatch, shared_seeded_url, page="map", year="2024", indicator="special_children_rate")
    first = at.dataframe[0].value.iloc[0]["Xã, thị trấn"]
    at.session_state["map_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert at.title[0].value == first


def test_a_commune_without_a_boundary_is_listed_and_stays_in_the_table(monkeypatch, seeded_url):
    from sqlalchemy import update

    from data_access import db
    from data_access.models import OrgUnit

    engine = db.get_engine(seeded_url)
    with engine.begin() as conn:
        # No boundary and no coordinates either (with coordinates it is drawn as a dot:
        # tests/test_reform_map.py).
        conn.execute(
            update(OrgUnit).where(OrgUnit.code == "07654").values(boundary=None, centroid_lat=None, centroid_lon=None)
        )
    at = run_app(monkeypatch, seeded_url, page="map", year="2024")
    assert "07654" not in _fills(_deck(at))
    assert "Chưa có ranh giới trên bản đồ: Xã Lệ Viễn" in at.warning[0].value
    assert "Xã Lệ Viễn" in at.dataframe[0].value["Xã, thị trấn"].tolist()


def test_the_map_in_english(monkeypatch, shared_seeded_url):
    at = run_app(monkeypatch, shared_seeded_url, page="map", year="2024", lang="en", color="value")
    text = all_text(at)
    assert at.title[0].value == "Map of Sơn Động in 2024"
    assert "Legend" in text and "Illustrative boundaries, not an official map." in text
    for word in ("Chú giải", "Bản đồ", "Đánh giá", "Chỉ tiêu"):
        assert word not in text
    deck = _deck(at)
    assert "Value" in _tooltip(at) and "Giá trị" not in _tooltip(at)
    assert deck["layers"]


def _tooltip(at) -> str:
    return at.get("deck_gl_json_chart")[0].proto.tooltip


# ------------------------------------------------------------------ pure helpers


def test_fit_view_and_project_round_trip():
    bounds = (106.6, 21.1, 107.1, 21.6)
    view = fit_view(bounds, width=640, height=500, padding=0.05)
    corners = [project(x, y, view, 640, 500) for x, y in ((106.6, 21.1), (107.1, 21.6))]
    xs, ys = sorted(c[0] for c in corners), sorted(c[1] for c in corners)
    assert xs[0] >= 640 * 0.05 - 1 and xs[1] <= 640 * 0.95 + 1
    assert ys[0] >= 500 * 0.05 - 1 and ys[1] <= 500 * 0.95 + 1
    # One side touches the padding: the fit is tight.
    assert abs(xs[0] - 32) < 1 or abs(ys[0] - 25) < 1


def test_polygons_are_rounded_and_multipolygons_split():
    poly = {"type": "Polygon", "coordinates": [[[106.1234567, 21.7654321], [106.2, 21.8], [106.1, 21.9]]]}
    multi = {"type": "MultiPolygon", "coordinates": [poly["coordinates"], poly["coordinates"]]}
    assert polygons_of(poly)[0][0][0] == [106.12346, 21.76543]
    assert len(polygons_of(multi)) == 2
    assert polygons_of(None) == [] and polygons_of({"type": "Point", "coordinates": [1, 2]}) == []
    assert bounds_of(polygons_of(poly)) == (106.1, 21.76543, 106.2, 21.9)


def test_value_classes_whole_numbers_and_ranges():
    counts = value_classes([0, 1, 2, None], whole=True)
    assert [(c.low, c.high) for c in counts] == [(0, 0), (1, 1), (2, 2)]
    assert counts[0].color == VALUE_RAMP[0] and counts[-1].color == VALUE_RAMP[-1]
    wide = value_classes([0, 3, 7, 13], whole=True)
    assert wide[0].low == 0 and wide[-1].high == 13 and len(wide) <= 5
    rates = value_classes([1.0, 2.0, 3.5])
    assert len(rates) == 5 and rates[0].low == 1.0 and rates[-1].high == 3.5
    assert value_classes([]) == [] and len(value_classes([2.0, 2.0])) == 1
    assert STATUS_COLOR["no_data"] not in VALUE_RAMP


def test_non_commune_areas_are_found_by_district(tmp_path):
    from data_access.extra_areas import non_commune_areas

    found = non_commune_areas(["Sơn Động"])
    assert [a.name for a in found] == ["Trung tâm huấn luyện Cấm Sơn"] and found[0].geometry["type"] == "Polygon"
    assert non_commune_areas(["Chi Lăng"]) == []
    (tmp_path / "x_non_commune.geojson").write_text("{not json", encoding="utf-8")
    assert non_commune_areas(["Sơn Động"], tmp_path) == []


def test_legend_ranges_do_not_share_end_values():
    """'10,0 – 20,0 %' then '> 20,0 – 30,0 %': a value of 20 % is in one row only."""
    from itertools import pairwise

    from ui.map import class_label

    classes = value_classes([10.0, 20.0, 30.0], n=2)
    labels = [class_label(c, "percent", False, "vi", first=i == 0) for i, c in enumerate(classes)]
    assert labels[0].startswith("10,0 – 20,0")
    assert labels[1].startswith("> 20,0 – 30,0")
    whole = value_classes([0, 3, 7, 13], whole=True)
    texts = [class_label(c, "count", True, "vi", first=i == 0) for i, c in enumerate(whole)]
    ends = [(s.split(" – ")[0], s.split(" – ")[-1]) for s in texts]
    assert all(a[1] != b[0] for a, b in pairwise(ends))


def test_every_name_is_in_one_text_layer(monkeypatch, shared_seeded_url):
    """One TextLayer (one font atlas for the browser to build, issue 13.7): the areas outside
    the communes first, in grey, then the communes' names on top of them."""
    deck = _deck(run_app(monkeypatch, shared_seeded_url, page="map", year="2024"))
    texts = [layer for layer in deck["layers"] if layer["@@type"] == "TextLayer"]
    assert [layer["id"] for layer in texts] == ["labels"]
    rows = texts[0]["data"]
    kinds = [row.get("kind") for row in rows]
    assert kinds[0] == "area" and "area" not in kinds[kinds.index(None) :]  # areas first
    assert all(row["color"] == [90, 90, 90] for row in rows if row.get("kind") == "area")
    assert {tuple(row["color"]) for row in rows if row.get("kind") is None} == {(17, 17, 17)}
