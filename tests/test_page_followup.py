"""The follow-up page ("Việc cần theo dõi") in AppTest on SQLite and PostgreSQL: an
editor adds a direction from the form and updates it with a note, a commune viewer
sees only that commune's directions and no form, and "Giao việc" links open the form
pre-filled."""

from __future__ import annotations

import json
from datetime import date

from data_access import db, followup
from tests.access_util import make_user, open_page_as
from tests.apptest_util import all_text, run_app

DISTRICT, MINE, OTHER = "220", "07654", "07621"  # Sơn Động, Lệ Viễn, Vân Sơn


def _add(url: str, code: str, text: str, due: date, indicator: str | None = None) -> int:
    return followup.add_direction(
        db.ready_engine(url),
        None,
        area_code=code,
        year=2025,
        text=text,
        owner="UBND xã",
        due=due,
        indicator_id=indicator,
    )


def _form_button(at, label: str):
    return next(b for b in at.button if b.label == label)


def test_an_editor_adds_a_direction_and_updates_it(monkeypatch, seeded_url):
    at = run_app(
        monkeypatch, seeded_url, page="followup", year="2025", commune=MINE, indicator="drowning_deaths", add="1"
    )
    assert "Không có việc nào" in all_text(at)
    assert at.selectbox(key="followup_add_0_place").value == MINE
    assert at.selectbox(key="followup_add_0_indicator").value == "drowning_deaths"
    at.text_area(key="followup_add_0_text").input("Rà soát các điểm nước nguy hiểm")
    at.text_input(key="followup_add_0_owner").input("Công an xã")
    at.text_input(key="followup_add_0_due").input("31/02/2025")  # no such day: said, nothing saved
    _form_button(at, "Ghi việc").click()
    at.run()
    assert any("không hợp lệ" in e.value for e in at.error)
    assert followup.list_directions(db.get_engine(seeded_url), None) == []
    assert at.text_area(key="followup_add_0_text").value == "Rà soát các điểm nước nguy hiểm"  # nothing lost
    at.text_input(key="followup_add_0_due").input("30/06/2025")
    _form_button(at, "Ghi việc").click()
    at.run()
    assert not at.exception
    [d] = followup.list_directions(db.get_engine(seeded_url), None)
    assert (d.area_code, d.indicator_id, d.owner, d.due) == (MINE, "drowning_deaths", "Công an xã", date(2025, 6, 30))
    text = all_text(at)
    assert "Đã ghi việc số" in text and "Rà soát các điểm nước nguy hiểm" in text
    assert any("badge[" in m.value and "Quá hạn" in m.value for m in at.markdown)  # 30/06/2025 is past
    at.run()  # AppTest hands back the widgets of the run before st.rerun(); draw afresh
    key = f"followup_list_upd_{d.id}"
    at.radio(key=f"{key}_status").set_value("done")
    at.text_area(key=f"{key}_note").input("Đã lắp 4 biển cảnh báo")
    _form_button(at, "Lưu").click()
    at.run()
    [d] = followup.list_directions(db.get_engine(seeded_url), None)
    assert d.status == "done" and d.last_note == "Đã lắp 4 biển cảnh báo"
    events = followup.direction_events(db.get_engine(seeded_url), None, d.id)
    assert [(e.action, e.new_status) for e in events] == [("created", "in_progress"), ("status", "done")]


def test_a_commune_viewer_sees_only_their_directions_and_no_form(monkeypatch, seeded_url):
    _add(seeded_url, MINE, "Việc của Lệ Viễn", date(2030, 6, 30))
    _add(seeded_url, OTHER, "Việc của Vân Sơn", date(2030, 6, 30))
    _add(seeded_url, DISTRICT, "Việc của cả huyện", date(2030, 6, 30))
    make_user(seeded_url, "xem.levien", [(MINE, "viewer")])
    at = open_page_as(monkeypatch, seeded_url, "xem.levien", "followup")
    text = all_text(at)
    assert "Việc của Lệ Viễn" in text
    assert "Việc của Vân Sơn" not in text and "Việc của cả huyện" not in text
    assert not at.text_area and not [b for b in at.button if b.label in ("Ghi việc", "Lưu")]
    at = open_page_as(monkeypatch, seeded_url, "xem.levien", "followup", commune=OTHER)
    assert "không có quyền" in all_text(at) and "Việc của Vân Sơn" not in all_text(at)


def test_a_district_editor_filters_by_place_and_status(monkeypatch, seeded_url):
    _add(seeded_url, MINE, "Việc quá hạn", date(2025, 1, 31))
    _add(seeded_url, OTHER, "Việc của Vân Sơn", date(2030, 6, 30))
    make_user(seeded_url, "ed.huyen", [(DISTRICT, "editor")])
    at = open_page_as(monkeypatch, seeded_url, "ed.huyen", "followup", commune=MINE)
    text = all_text(at)
    assert "Việc quá hạn" in text and "Việc của Vân Sơn" not in text
    at.selectbox(key="w_commune").set_value("")
    at.run()
    text = all_text(at)
    assert text.index("Việc quá hạn") < text.index("Việc của Vân Sơn")  # overdue first
    at.multiselect(key="followup_status").set_value(["overdue"])
    at.run()
    assert "Việc của Vân Sơn" not in all_text(at)


def _links(at) -> dict[str, dict[str, str]]:
    """The page links drawn: label -> the URL parameters they carry."""
    from urllib.parse import parse_qsl

    return {str(p.proto.label): dict(parse_qsl(p.proto.query_string)) for p in at.get("page_link")}


def test_the_overview_marks_cells_with_open_directions_and_counts_the_overdue(monkeypatch, seeded_url):
    _add(seeded_url, MINE, "Dạy bơi", date(2025, 1, 31), indicator="swim_safe_rate")  # overdue
    _add(seeded_url, OTHER, "Rà soát", date(2030, 6, 30))  # open, the commune as a whole
    at = run_app(monkeypatch, seeded_url, page="overview", year="2025")
    banner = [label for label in _links(at) if "quá hạn" in label]
    assert banner == ["⚑ 1 việc quá hạn (trong 2 việc đang theo dõi) — xem việc cần theo dõi"]
    frame = at.dataframe(key="overview_grid").value
    names = list(frame.iloc[:, 0])
    le_vien = next(i for i, n in enumerate(names) if n.startswith("Lệ Viễn"))
    marked = [str(v) for v in frame.iloc[le_vien].tolist() if "⚑" in str(v)]
    assert len(marked) == 1 and marked[0].endswith("⚑!")  # the swimming cell only, overdue
    assert "Vân Sơn ⚑" in names
    assert "⚑ ô có việc Ban chỉ đạo đã giao" in all_text(at)


def test_giao_viec_links_on_the_commune_indicator_and_projector_pages(monkeypatch, seeded_url):
    at = run_app(monkeypatch, seeded_url, page="commune", year="2025", commune=MINE, indicator="swim_safe_rate")
    links = _links(at)
    assert links["Giao việc cho xã về chỉ tiêu này"]["indicator"] == "swim_safe_rate"
    assert links["Giao việc"]["commune"] == MINE and links["Giao việc"]["add"] == "1"
    at = run_app(monkeypatch, seeded_url, page="indicator", year="2025", indicator="swim_safe_rate")
    assert _links(at)["Giao việc về chỉ tiêu này"]["indicator"] == "swim_safe_rate"
    at = run_app(monkeypatch, seeded_url, page="projector", year="2025", slide="1", play="0")
    assert not [p for p in _links(at).values() if p.get("add") == "1"]  # the scorecard slide keeps its room
    at = run_app(monkeypatch, seeded_url, page="projector", year="2025", slide="3", play="0")
    assigned = [p for label, p in _links(at).items() if p.get("add") == "1"]
    assert assigned and all(p["commune"] and p["indicator"] for p in assigned)
    make_user(seeded_url, "xem.huyen", [(DISTRICT, "viewer")])
    at = open_page_as(monkeypatch, seeded_url, "xem.huyen", "commune", commune=MINE)
    assert not [label for label in _links(at) if "Giao việc" in label]  # a viewer cannot assign


def test_an_editor_explains_a_figure_and_the_note_shows_beside_it(monkeypatch, seeded_url):
    at = run_app(monkeypatch, seeded_url, page="commune", year="2025", commune=MINE, indicator="special_children_rate")
    at.text_area(key="commune_note_0_text").input("Tăng do rà soát lại danh sách trẻ em có hoàn cảnh đặc biệt")
    _form_button(at, "Lưu ghi chú").click()
    at.run()
    [note] = followup.list_notes(db.get_engine(seeded_url), None, DISTRICT)
    assert (note.area_code, note.indicator_id, note.year, note.period) == (MINE, "special_children_rate", 2025, "FY")
    at.run()
    text = all_text(at)
    assert "Tăng do rà soát lại danh sách trẻ em có hoàn cảnh đặc biệt" in text  # in the table and under the chart
    table = next(df.value for df in at.dataframe if "Ghi chú" in df.value.columns)
    row = table[table["Số"] == "1.1"].iloc[0]
    assert row["Ghi chú"].startswith("✎ ") and "rà soát lại danh sách" in row["Ghi chú"]
    assert (table[table["Số"] != "1.1"]["Ghi chú"] == "").all()
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert [layer["mark"].get("text") for layer in spec["layer"]][-1] == "✎"  # the annotation on the trend
    noted = [d for d in at.get("vega_lite_chart")[0].proto.datasets if b"r\xc3\xa0 so\xc3\xa1t" in d.data.data]
    assert noted, "the note's text is in the chart's data (its tooltip)"
    at = run_app(monkeypatch, seeded_url, page="indicator", year="2025", indicator="special_children_rate")
    assert "Xã Lệ Viễn" in all_text(at) and "rà soát lại danh sách" in all_text(at)  # the indicator's commune notes
    make_user(seeded_url, "xem.levien", [(MINE, "viewer")])
    at = open_page_as(monkeypatch, seeded_url, "xem.levien", "commune", year="2025", indicator="special_children_rate")
    assert "rà soát lại danh sách" in all_text(at)
    assert not [b for b in at.button if b.label == "Lưu ghi chú"]
    make_user(seeded_url, "xem.vanson", [(OTHER, "viewer")])
    at = open_page_as(
        monkeypatch, seeded_url, "xem.vanson", "indicator", year="2025", indicator="special_children_rate"
    )
    assert "rà soát lại danh sách" not in all_text(at)  # another commune's note stays with it
