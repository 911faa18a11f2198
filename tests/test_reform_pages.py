"""The pages say where figures were carried across the 2025 reform ("2024: cộng từ 3 xã
cũ"), and draw a map for communes that have coordinates but no boundary.

The sample database with Lạng Sơn's official list loaded on top (65 new communes from
01/07/2025, coordinates but no boundaries); a plan whose area is "Lạng Sơn", viewed for
2025 FY: its year before (2024) is the old Chi Lăng communes' figures, carried.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import date

import pytest

from data_access import db, queries
from tests.apptest_util import all_text, run_app
from tests.reform_util import lang_son_after_reform


@pytest.fixture
def lang_son_plan(seeded_url, tmp_path, monkeypatch):
    plan = lang_son_after_reform(seeded_url, tmp_path)
    monkeypatch.setenv("TARGETS_FILE", str(plan))
    return seeded_url


def _merged(url: str) -> dict[str, list[str]]:
    """New commune -> the old Chi Lăng communes it took over (from the lineage)."""
    engine = db.get_engine(url)
    old = {c.code: c for c in queries.communes_in(engine, "187", on=date(2024, 12, 31))}
    out: dict[str, list[str]] = defaultdict(list)
    for r in queries.predecessors_in(engine, "20", date(2025, 12, 31)):
        if r.old_code in old and r.old.valid_to == date(2025, 6, 30):
            out[r.new_code].append(r.old.type)
    return out


def _captions(at) -> list[tuple[str, str]]:
    return [(c.value, c.proto.help) for c in at.caption]


def test_the_commune_history_says_it_is_added_up_from_the_old_communes(monkeypatch, lang_son_plan):
    merged = _merged(lang_son_plan)
    code, types = max(merged.items(), key=lambda kv: len(kv[1]))
    at = run_app(monkeypatch, lang_son_plan, page="commune", year="2025", period="FY", commune=code)
    said = [(text, hover) for text, hover in _captions(at) if "cộng từ" in text]
    assert said, all_text(at)
    text, hover = said[0]
    # "2020–2024: cộng từ 3 xã, 1 thị trấn cũ": the years before the reform, the count by type.
    assert re.search(r"2020–2024: cộng từ .* cũ", text), text
    n = sum(int(x) for x in re.findall(r"(\d+) (?:xã|thị trấn)", text.split("cộng từ")[1]))
    assert n == len(types)
    engine = db.get_engine(lang_son_plan)
    names = [
        r.old.full_name
        for r in queries.predecessors_in(engine, code, date(2025, 12, 31))
        if r.old.valid_to == date(2025, 6, 30)
    ]
    assert names and all(name in hover for name in names)


def test_the_overview_comparison_says_how_many_new_communes_were_added_up(monkeypatch, lang_son_plan):
    at = run_app(monkeypatch, lang_son_plan, year="2025", period="FY")
    said = [text for text, _ in _captions(at) if "cộng từ" in text]
    assert said, all_text(at)
    assert "2024: số liệu của " in said[0]
    merged = _merged(lang_son_plan)
    n_new = sum(int(x) for x in re.findall(r"(\d+) (?:xã|phường)", said[0].split("mới")[0]))
    assert 0 < n_new <= len(merged)
    expander = [e for e in at.expander if e.label == "Các đơn vị cũ được cộng vào"]
    assert expander


def test_the_same_words_in_english(monkeypatch, lang_son_plan):
    merged = _merged(lang_son_plan)
    code = max(merged, key=lambda c: len(merged[c]))
    at = run_app(monkeypatch, lang_son_plan, page="commune", year="2025", period="FY", commune=code, lang="en")
    said = [text for text, _ in _captions(at) if "added up from" in text]
    assert said and "cộng từ" not in all_text(at)


def test_a_map_of_communes_without_boundaries_draws_dots_and_says_so(monkeypatch, lang_son_plan):
    at = run_app(monkeypatch, lang_son_plan, page="map", year="2025", period="FY")
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    dots = next(layer for layer in deck["layers"] if layer["id"] == "commune_points")["data"]
    assert len(dots) == 65
    lon, lat = dots[0]["position"]
    assert 106 < lon < 107.5 and 21.3 < lat < 22.6  # in Lạng Sơn
    text = all_text(at)
    assert "Vị trí trung tâm xã" in text and "chưa có ranh giới" in text
    assert "Chưa có ranh giới trên bản đồ" not in text  # every commune is on the map


def test_a_mix_of_boundaries_and_dots_is_counted(monkeypatch, seeded_url):
    from sqlalchemy import update

    from data_access.models import OrgUnit

    engine = db.get_engine(seeded_url)
    with engine.begin() as conn:
        conn.execute(update(OrgUnit).where(OrgUnit.code.in_(["07654", "07663"])).values(boundary=None))
    at = run_app(monkeypatch, seeded_url, page="map", year="2024")
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    dots = next(layer for layer in deck["layers"] if layer["id"] == "commune_points")["data"]
    assert sorted(d["code"] for d in dots) == ["07654", "07663"]
    text = all_text(at)
    # Sơn Động's other 15 units are 14 xã and 1 thị trấn: the words are the tree's.
    found = re.search(r"(\d+) xã, (\d+) thị trấn vẽ theo ranh giới; 2 xã vẽ là chấm tròn tại vị trí trung tâm", text)
    assert found and int(found[1]) + int(found[2]) == 15
