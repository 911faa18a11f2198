"""Reporting status for a large area, in AppTest: a synthetic country of 400 communes
(two provinces) where 30 communes of one province sent no H1 2025 report and 5 of the
other sent an incomplete full-year report.

Above `ui.completeness_view.MAX_COMMUNE_ROWS` communes the matrix has one row per province, the
worst first; one province's communes are shown below it, chosen in a list kept in the
URL; an overdue warning names 20 communes and counts the rest. Expected numbers are
counted here from the database, never read back from the page. (A district keeps the
commune matrix: tests/test_page_intake.py.)
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from data_access import audit, db, queries
from data_access.generate import generate
from data_access.models import DataValue, OrgUnit
from data_access.targets import load_plan
from tests.apptest_util import all_text, run_app
from ui import completeness_view as intake

COMMUNES = 400
MISSING_H1 = 30  # communes of province 02 with no H1 2025 figure at all
PARTIAL_FY = 5  # communes of province 01 missing two figures of FY 2025


@pytest.fixture(scope="module")
def country(tmp_path_factory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("country")
    url = f"sqlite:///{folder / 'country.sqlite'}"
    plan_path = folder / "targets.yaml"
    engine = db.get_engine(url)
    generate(engine, COMMUNES, (2024, 2025), plan_path=plan_path)
    used = load_plan(plan_path).used_data_elements()
    with engine.begin() as conn:
        communes = conn.execute(
            select(OrgUnit.id, OrgUnit.path).where(OrgUnit.level == "commune").order_by(OrgUnit.code)
        ).all()
        in_02 = [i for i, path in communes if path.startswith("/VN/02/")][:MISSING_H1]
        in_01 = [i for i, path in communes if path.startswith("/VN/01/")][-PARTIAL_FY:]
        conn.execute(
            delete(DataValue).where(DataValue.org_unit_id.in_(in_02), DataValue.year == 2025, DataValue.period == "H1")
        )
        conn.execute(
            delete(DataValue).where(
                DataValue.org_unit_id.in_(in_01),
                DataValue.year == 2025,
                DataValue.period == "FY",
                DataValue.data_element_id.in_(used[:2]),
            )
        )
    return url, plan_path


def _counted(url: str, plan_path: Path) -> dict[tuple[str, str], Counter]:
    """(province, period) -> how many communes are complete / incomplete / have nothing (2025)."""
    used = load_plan(plan_path).used_data_elements()
    engine = db.get_engine(url)
    with engine.connect() as conn:
        communes = dict(conn.execute(select(OrgUnit.id, OrgUnit.path).where(OrgUnit.level == "commune")).all())
        rows = conn.execute(
            select(DataValue.org_unit_id, DataValue.period, func.count())
            .where(DataValue.year == 2025, DataValue.data_element_id.in_(used))
            .group_by(DataValue.org_unit_id, DataValue.period)
        ).all()
    got = {(unit, period): n for unit, period, n in rows}
    out: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for unit, path in communes.items():
        province = path.split("/")[2]
        for period in ("H1", "FY"):
            n = got.get((unit, period), 0)
            out[(province, period)]["complete" if n == len(used) else "partial" if n else "missing"] += 1
    return out


def _open(monkeypatch, country, **params: str):
    url, plan_path = country
    monkeypatch.setenv("TARGETS_FILE", str(plan_path))
    at = run_app(monkeypatch, url, page="completeness", year="2025", **{k: v for k, v in params.items() if k == "lang"})
    at.query_params["completeness_scope"] = "year"
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _frame(at, first_column: str):
    return next(df.value for df in at.dataframe if df.value.columns[0] == first_column)


def test_the_country_matrix_has_one_row_per_province_worst_first(monkeypatch, country):
    counts = _counted(*country)
    at = _open(monkeypatch, country)
    matrix = _frame(at, "Tỉnh")
    assert list(matrix.columns) == ["Tỉnh", "6 tháng đầu năm 2025", "Cả năm 2025"]
    assert len(matrix) == 2
    # Province 02 has the most communes overdue: first; every cell counts communes.
    p02, p01 = matrix.iloc[0], matrix.iloc[1]
    assert p02["Tỉnh"].endswith("(02)") and p01["Tỉnh"].endswith("(01)")
    h1 = counts[("02", "H1")]
    assert h1["missing"] == MISSING_H1
    total_02 = sum(h1.values())
    assert p02["6 tháng đầu năm 2025"] == f"✖ Quá hạn {MISSING_H1} xã — {h1['complete']}/{total_02} xã đủ"
    assert p02["Cả năm 2025"] == f"✔ Đủ — {total_02}/{total_02} xã"
    fy = counts[("01", "FY")]
    assert fy["partial"] == PARTIAL_FY
    total_01 = sum(fy.values())
    assert p01["6 tháng đầu năm 2025"] == f"✔ Đủ — {total_01}/{total_01} xã"
    assert p01["Cả năm 2025"] == f"✖ Quá hạn {PARTIAL_FY} xã — {fy['complete']}/{total_01} xã đủ"
    # No table lists the whole country commune by commune.
    assert all(len(df.value) < COMMUNES for df in at.dataframe)


def test_the_summary_still_counts_every_commune(monkeypatch, country):
    counts = _counted(*country)
    at = _open(monkeypatch, country)
    summary = _frame(at, "Kỳ").set_index("Kỳ")
    h1 = sum((counts[(p, "H1")] for p in ("01", "02")), Counter())
    fy = sum((counts[(p, "FY")] for p in ("01", "02")), Counter())
    # Four groups that add up to every commune (issue 13): the generated reports came on time.
    groups = ["✔ Đủ, đúng hạn", "◷ Nộp muộn", "… Chưa đến hạn", "✖ Quá hạn"]
    assert summary.loc["6 tháng đầu năm 2025", "✔ Đủ, đúng hạn"] == str(h1["complete"])
    assert summary.loc["6 tháng đầu năm 2025", "✖ Quá hạn"] == str(MISSING_H1)
    assert summary.loc["Cả năm 2025", "✔ Đủ, đúng hạn"] == str(fy["complete"])
    assert summary.loc["Cả năm 2025", "✖ Quá hạn"] == str(PARTIAL_FY)
    for label in ("6 tháng đầu năm 2025", "Cả năm 2025"):
        assert sum(int(summary.loc[label, g]) for g in groups) == int(summary.loc[label, "= Tổng số xã"]) == COMMUNES


def test_an_overdue_warning_names_twenty_communes_and_counts_the_rest(monkeypatch, country):
    at = _open(monkeypatch, country)
    h1 = next(w.value for w in at.warning if w.value.startswith("6 tháng đầu năm 2025"))
    head, names = h1.split(": ", 1)
    assert head == f"6 tháng đầu năm 2025 — {MISSING_H1} xã quá hạn"
    assert names.endswith(f" và {MISSING_H1 - intake.MAX_OVERDUE_NAMES} xã khác")
    assert names.count("(") == intake.MAX_OVERDUE_NAMES  # "Xã ... (00123)" for each one named
    fy = next(w.value for w in at.warning if w.value.startswith("Cả năm 2025"))
    assert fy.count("(") == PARTIAL_FY and "khác" not in fy  # few: every name, no "and N more"


def test_the_worst_province_communes_are_shown_and_another_can_be_chosen(monkeypatch, country):
    counts = _counted(*country)
    at = _open(monkeypatch, country)
    communes = _frame(at, "Xã")
    assert len(communes) == sum(counts[("02", "H1")].values())  # province 02: the worst, shown first
    assert (communes["6 tháng đầu năm 2025"].head(MISSING_H1) == "✖ Quá hạn — chưa nộp").all()
    assert "Các xã của Tỉnh" in all_text(at)

    at.selectbox(key=f"w_{intake.PART_KEY}").select("01").run()
    assert not at.exception
    assert at.query_params[intake.PART_KEY] in ("01", ["01"])  # a link to this view
    communes = _frame(at, "Xã")
    assert len(communes) == sum(counts[("01", "FY")].values())
    expected = len(load_plan(country[1]).used_data_elements())
    first = communes["Cả năm 2025"].head(PARTIAL_FY).tolist()
    assert all(cell.startswith(f"✖ Quá hạn — thiếu, {expected - 2}/{expected}") for cell in first), first


def test_a_link_opens_the_province_it_names(monkeypatch, country):
    counts = _counted(*country)
    at = _open(monkeypatch, country, **{intake.PART_KEY: "01"})
    assert len(_frame(at, "Xã")) == sum(counts[("01", "FY")].values())


def test_a_province_under_the_limit_keeps_the_commune_matrix(monkeypatch, country):
    counts = _counted(*country)
    at = _open(monkeypatch, country, area="02")
    assert sum(counts[("02", "H1")].values()) <= intake.MAX_COMMUNE_ROWS
    assert not any(df.value.columns[0] in ("Tỉnh", "Huyện") for df in at.dataframe)
    assert len(_frame(at, "Xã")) == sum(counts[("02", "H1")].values())
    assert f"w_{intake.PART_KEY}" not in [box.key for box in at.selectbox]


def test_the_country_view_in_english(monkeypatch, country):
    at = _open(monkeypatch, country, lang="en")
    matrix = _frame(at, "Province")
    assert matrix.iloc[0]["First half (H1) 2025"].startswith(f"✖ {MISSING_H1} overdue — ")
    assert "communes complete" in matrix.iloc[0]["First half (H1) 2025"]
    assert "Each province, each period" in all_text(at)
    assert f"and {MISSING_H1 - intake.MAX_OVERDUE_NAMES} more" in all_text(at)


@pytest.mark.parametrize("area", ["VN", "01", "001"])
def test_the_counting_query_agrees_with_the_audit_one(country, area):
    """`queries.report_counts_in` (the page's faster query) counts what `audit.report_counts` counts."""
    url, plan_path = country
    engine = db.get_engine(url)
    used = load_plan(plan_path).used_data_elements()
    periods = [(2024, "H1"), (2024, "FY"), (2025, "H1"), (2025, "FY")]
    fast = queries.report_counts_in(engine, area, periods, used)
    slow = audit.report_counts(engine, area, periods, used)
    assert fast == {key: {code: rc.reported for code, rc in by_code.items()} for key, by_code in slow.items()}
    assert sum(len(by_code) for by_code in fast.values()) > 0


def test_the_counting_query_on_the_sample(shared_seeded_url):
    engine = db.get_engine(shared_seeded_url)
    used = load_plan(Path(__file__).parent.parent / "targets.yaml").used_data_elements()
    periods = [(2024, "FY"), (2025, "H1")]
    fast = queries.report_counts_in(engine, "220", periods, used)
    slow = audit.report_counts(engine, "220", periods, used)
    assert fast == {key: {code: rc.reported for code, rc in by_code.items()} for key, by_code in slow.items()}
    assert fast[(2025, "H1")]["07660"] < len(used)  # An Bá's incomplete report
