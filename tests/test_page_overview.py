"""Overview page (Tổng quan) in AppTest on SQLite and PostgreSQL.

Every expected number is worked out here from sample_data/*.csv (tests/sample_truth.py),
never read back from the page.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import delete

from data_access import db
from data_access.models import DataValue
from rules.scorecard import off_track_key
from tests import sample_truth as truth
from tests.apptest_util import all_text, run_app
from ui.scorecard import escape_md

N_COMMUNES = len(truth.communes())


def group_tables(at) -> list[pd.DataFrame]:
    """The per-section indicator tables (every dataframe but the last, the grid)."""
    return [df.value for df in at.dataframe[:-1]]


def indicator_line(at, number: str) -> pd.Series:
    for table in group_tables(at):
        first = table.columns[0]
        hit = table[table[first] == number]
        if len(hit):
            return hit.iloc[0]
    raise AssertionError(f"indicator {number} not on the page")


def grid(at) -> pd.DataFrame:
    return at.dataframe[-1].value


def headline(at) -> str:
    """The verdict line and the counts under it (the first screen's caption)."""
    return at.subheader[0].value + " · " + " ".join(str(c.value) for c in at.caption)


def test_headline_counts_every_indicator_and_commune(monkeypatch, shared_seeded_url):
    at = run_app(monkeypatch, shared_seeded_url, year="2024", period="FY")
    area_rows = [r for r in truth.rows(2024, "FY") if r.is_area]
    count = {s: sum(1 for r in area_rows if r.status == s) for s in ("met", "at_risk", "not_met")}
    line = headline(at)
    assert f"{count['met']}/{len(area_rows)} chỉ tiêu đạt" in line
    assert f"{count['at_risk']} có nguy cơ" in line and f"{count['not_met']} chưa đạt" in line
    reported = len(truth.reported(2024, "FY"))
    assert f"{reported}/{N_COMMUNES} xã đã báo cáo năm 2024" in line
    # Every section of the plan has its table, every indicator its line.
    numbers = [n for table in group_tables(at) for n in table[table.columns[0]]]
    assert len(numbers) == len(truth.plan().indicators)
    assert len(group_tables(at)) == len(truth.plan().groups())


def test_child_friendly_rate_counts_only_eligible_communes(monkeypatch, shared_seeded_url):
    at = run_app(monkeypatch, shared_seeded_url, year="2024", period="FY")
    figures = truth.figures(2024, "FY")
    recognised = [c for c in truth.communes() if figures[c.code].get("cfc_recognised") == 1]
    blocked = [c for c in recognised if figures[c.code]["drowning_deaths"] > 0 or figures[c.code]["abuse_cases"] > 0]
    eligible = len(recognised) - len(blocked)
    assert blocked, "the sample data's story: recognised communes with a drowning death or abuse case"

    line = indicator_line(at, "4.1")
    assert line["Kết quả"] == f"{truth.vi_number(eligible / N_COMMUNES * 100)} %"
    assert line["Xã đạt"] == f"{eligible}/{N_COMMUNES}"
    assert line["Đã báo cáo"] == f"{N_COMMUNES}/{N_COMMUNES}"
    assert line["Đánh giá"].startswith("✖") and "Chưa đạt" in line["Đánh giá"]  # 70,6 % < 80 %

    # Visible in the grid and explained in words under it.
    g = grid(at).set_index("Xã, thị trấn")
    note = at.warning[0].value
    for c in blocked:
        assert g.loc[c.name, "4.1"].startswith("✖*")
        reason = "tử vong do đuối nước" if figures[c.code]["drowning_deaths"] > 0 else "bị xâm hại"
        assert f"{c.name}: được công nhận phù hợp với trẻ em nhưng có 1 trẻ em {reason} năm 2024" in note
    for c in recognised:
        if c not in blocked:
            assert g.loc[c.name, "4.1"].startswith("✔") and "*" not in g.loc[c.name, "4.1"]


def test_change_against_the_compare_year_is_in_real_units(monkeypatch, shared_seeded_url):
    def deaths(year: int) -> int:
        return int(sum(f.get("drowning_deaths", 0) for f in truth.figures(year, "FY").values()))

    at = run_app(monkeypatch, shared_seeded_url, year="2024", period="FY")
    diff = deaths(2024) - deaths(2023)
    assert diff < 0  # fewer deaths: better
    line = indicator_line(at, "2.3")
    assert line["So với 2023"] == f"↓ {-diff} · tốt lên"
    assert line["Mức kế hoạch"] == "Giảm so với cùng kỳ 2023"

    at = run_app(monkeypatch, shared_seeded_url, year="2024", period="FY", compare="2021")
    diff = deaths(2024) - deaths(2021)
    arrow = "↓" if diff < 0 else "↑"
    word = "tốt lên" if diff < 0 else "xấu đi"
    expected = "= không đổi" if diff == 0 else f"{arrow} {abs(diff)} · {word}"
    assert indicator_line(at, "2.3")["So với 2021"] == expected


def test_grid_lists_communes_most_off_track_first(monkeypatch, shared_seeded_url):
    at = run_app(monkeypatch, shared_seeded_url, year="2024", period="FY")
    statuses: dict[str, list[str]] = {}
    for r in truth.rows(2024, "FY"):
        if not r.is_area:
            statuses.setdefault(r.area_code, []).append(r.status)
    expected = sorted(truth.communes(), key=lambda c: off_track_key(statuses[c.code], c.name))
    g = grid(at)
    assert list(g["Xã, thị trấn"]) == [c.name for c in expected]
    worst = expected[0]
    assert g.iloc[0]["✖"] == statuses[worst.code].count("not_met")
    # Every cell says its status with a symbol, never colour alone.
    cells = g.drop(columns=["Xã, thị trấn", "✖", "▲"]).to_numpy().ravel()
    assert all(str(v)[0] in "✔▲✖?–○" for v in cells)
    # A commune that reported no abuse case has nothing to measure for "cases with a plan": ○.
    assert "○" in {str(v) for v in cells}

    # Stay on /overview (the app's root forwards there, and would redraw the widgets).
    at.switch_page("pages/overview.py").run()
    at.toggle(key="overview_off_track_first").set_value(False).run()
    assert list(grid(at)["Xã, thị trấn"]) == [c.name for c in truth.communes()]  # by code


def test_a_commune_that_has_not_reported_is_counted_and_shown(monkeypatch, shared_seeded_url):
    at = run_app(monkeypatch, shared_seeded_url, year="2025", period="H1")
    reported = truth.reported(2025, "H1")
    silent = [c for c in truth.communes() if c.code not in reported]
    assert silent
    assert f"{len(reported)}/{N_COMMUNES} xã đã báo cáo 6 tháng đầu năm 2025" in headline(at)
    g = grid(at).set_index("Xã, thị trấn")
    for c in silent:
        row = g.loc[c.name].drop(["✖", "▲"])
        # "?" no data; "–" where the commune has no target of its own (area-only indicators).
        assert set(row) <= {"?", "–"} and "?" in set(row)


def test_english_labels(monkeypatch, _shared_copies):
    at = run_app(monkeypatch, _shared_copies["sqlite"], year="2024", period="FY", lang="en")
    area_rows = [r for r in truth.rows(2024, "FY") if r.is_area]
    met = sum(1 for r in area_rows if r.status == "met")
    assert f"{met} of {len(area_rows)} indicators met" in headline(at)
    line = indicator_line(at, "4.1")
    assert list(line.index) == [
        "No.",
        "Indicator",
        "Result",
        "Target",
        "Status",
        "Communes met",
        "Against 2023",
        "Reported",
    ]
    assert line["Indicator"] == "Share of communes recognised child-friendly"
    assert line["Status"] == "✖ Not met"
    text = all_text(at)
    for vietnamese in ("Chưa đạt", "Đạt", "xã đã báo cáo", "tốt lên", "Giảm so với"):
        assert vietnamese not in text.replace("Ngôn ngữ / Language", "")
    assert "Commune" in grid(at).columns


def test_a_period_without_figures_says_so_plainly(monkeypatch, seeded_url):
    engine = db.get_engine(seeded_url)
    with engine.begin() as conn:
        conn.execute(delete(DataValue).where(DataValue.year == 2025, DataValue.period == "FY"))
    at = run_app(monkeypatch, seeded_url, year="2025", period="FY")
    text = all_text(at)
    assert "Chưa có xã nào của Huyện Sơn Động báo cáo số liệu năm 2025" in text
    assert not at.dataframe


# ----------------------------------------------------------------- the first screen (issue 13)


def _links(at, page: str) -> list:
    """Links to `page` that name one indicator or commune (not the menu's)."""
    return [link for link in at.get("page_link") if link.proto.page == page and f"{page}=" in link.proto.query_string]


def test_first_screen_verdict_moves_against_the_compare_year(monkeypatch, shared_seeded_url):
    at = run_app(monkeypatch, shared_seeded_url, year="2025", period="FY")

    def met(year: int) -> tuple[int, int]:
        area = [r for r in truth.rows(year, "FY") if r.is_area]
        return sum(1 for r in area if r.status == "met"), len(area)

    (now, total), (then, total_then) = met(2025), met(2024)
    assert at.subheader[0].value == f"{now}/{total} chỉ tiêu đạt — năm 2024: {then}/{total_then}"


def test_first_screen_names_the_indicators_needing_direction(monkeypatch, shared_seeded_url):
    at = run_app(monkeypatch, shared_seeded_url, year="2025", period="FY")
    plan = truth.plan()
    area = {r.indicator_id: r for r in truth.rows(2025, "FY") if r.is_area}
    off = [i for i, r in area.items() if r.status in ("not_met", "at_risk")]
    links = _links(at, "indicator")[:4]
    assert len(links) == min(4, len(off)) >= 3
    ranks = []
    for link in links:
        ind_id = dict(p.split("=") for p in link.proto.query_string.split("&"))["indicator"]
        assert ind_id in off
        ind = plan.indicator(ind_id)
        assert ind.name.get("vi") in link.label
        ranks.append(0 if area[ind_id].status == "not_met" else 1)
        assert "year=2025" in link.proto.query_string
    assert ranks == sorted(ranks)  # not met before at risk
    # Value, target and gap in real units under each link.
    captions = [str(c.value) for c in at.caption]
    gaps = [c for c in captions if c.startswith("Kết quả ") and ", chỉ tiêu " in c]
    assert len(gaps) == len(links)
    assert any("Cần " in c for c in gaps)


def test_first_screen_lists_the_communes_behind_worst_first(monkeypatch, shared_seeded_url):
    at = run_app(monkeypatch, shared_seeded_url, year="2025", period="FY")
    counts: dict[str, list[int]] = {}
    for r in truth.rows(2025, "FY"):
        if not r.is_area:
            c = counts.setdefault(r.area_code, [0, 0])
            c[0] += r.status == "not_met"
            c[1] += r.status == "at_risk"
    behind = [c for c in truth.communes() if sum(counts[c.code])]
    behind.sort(key=lambda c: (-counts[c.code][0], -counts[c.code][1], c.name))
    links = _links(at, "commune")
    shown = [link.label.split(" — ")[0] for link in links]
    assert shown == [c.name for c in behind[: len(shown)]] and len(shown) == min(6, len(behind))
    for link, c in zip(links, behind, strict=False):
        assert f"commune={c.code}" in link.proto.query_string
        assert f"✖ {counts[c.code][0]}" in link.label
    rest = len(behind) - len(shown)
    if rest:
        assert any(f"và {rest} xã khác" in str(c.value) for c in at.caption)


def test_grid_cells_carry_a_trend_arrow_and_values_on_request(monkeypatch, shared_seeded_url):
    at = run_app(monkeypatch, shared_seeded_url, year="2025", period="FY")
    now, then = truth.figures(2025, "FY"), truth.figures(2024, "FY")
    g = grid(at).set_index("Xã, thị trấn")
    for c in truth.communes():
        a, b = now[c.code]["drowning_deaths"], then[c.code]["drowning_deaths"]
        arrow = "=" if a == b else ("↑" if a > b else "↓")
        assert g.loc[c.name, "2.3"].endswith(" " + arrow), (c.name, g.loc[c.name, "2.3"])
        assert any(ch.isdigit() for ch in g.loc[c.name, "2.3"]) is False  # compact: symbol and arrow
    # The legend names every column.
    legend = " ".join(str(c.value) for c in at.caption)
    for ind in truth.plan().indicators:
        assert escape_md(ind.name.get("vi")) in legend  # markdown-escaped: "\\(kể cả…"
    at.switch_page("pages/overview.py").run()
    at.toggle(key="overview_show_values").set_value(True).run()
    g = grid(at).set_index("Xã, thị trấn")
    c = truth.communes()[0]
    assert g.loc[c.name, "2.3"].split(" ")[1] == str(int(now[c.code]["drowning_deaths"]))


def test_the_menu_and_links_keep_the_chosen_comparison(monkeypatch, shared_seeded_url):
    """Comparing 2025 with 2023 and opening another page from the menu keeps 2023."""
    at = run_app(monkeypatch, shared_seeded_url, "overview", year="2025", compare="2023")
    assert not at.exception
    menu = [link for link in at.get("page_link") if link.proto.page in ("map", "commune", "indicator")]
    assert menu, "the menu links were not drawn"
    assert all("compare=2023" in link.proto.query_string for link in menu)
    # The default comparison (the previous year) is left out of the URL, as every default is.
    at = run_app(monkeypatch, shared_seeded_url, "overview", year="2025")
    assert not any("compare=" in link.proto.query_string for link in at.get("page_link"))
