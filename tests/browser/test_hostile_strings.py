"""Hostile strings in a commune name, a plan label and an imported file are shown as
plain text in a real browser and change nothing (no script runs, no SQL is executed).

The commune Lệ Viễn is renamed `<img src=x onerror=…>Lệ Viễn'; DROP TABLE data_value;--`
in the database, the plan's title and the drowning indicator's label carry the same
kind of text, and a report file carries it in a commune name and a data element. Every
page that shows them is opened; `window.__xss` must stay unset, no `<img src="x">` may
appear in the DOM, no dialog may open, and the database must be untouched.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from data_access import db
from data_access.models import DataValue, OrgUnit
from tests.browser.conftest import REPO, AppServer, assert_no_error, open_page, page_text, screenshot, wait_ready

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=window.__xss=1>"
SQL = "'; DROP TABLE data_value;--"
NAME = f"{XSS}Lệ Viễn{SQL}"
PLAN_TITLE = f"{XSS}Kế hoạch{SQL}"
LABEL = f"{XSS}Số trẻ em tử vong do đuối nước{SQL}"


@pytest.fixture(scope="module")
def hostile_db(_seeded_templates, db_factory) -> str:
    url = db_factory.new("sqlite", template=_seeded_templates["sqlite"])
    engine = db.get_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE org_unit SET name = :n, full_name = :f WHERE code = '07654'"),
            {"n": NAME, "f": "Xã " + NAME},
        )
    return url


@pytest.fixture(scope="module")
def hostile_plan(tmp_path_factory) -> str:
    plan = (REPO / "targets.yaml").read_text(encoding="utf-8")
    plan = plan.replace(
        'title: "Kế hoạch thực hiện công tác trẻ em – huyện Sơn Động, năm 2024–2025"', f'title: "{PLAN_TITLE}"'
    )
    plan = plan.replace('name: {vi: "Số trẻ em tử vong do đuối nước"', f'name: {{vi: "{LABEL}"')
    assert PLAN_TITLE in plan and LABEL in plan
    path = tmp_path_factory.mktemp("plan") / "targets.yaml"
    path.write_text(plan, encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def hostile_server(hostile_db, hostile_plan, browser):
    server = AppServer(hostile_db, env={"TARGETS_FILE": hostile_plan, "AUTH_MODE": "none"})
    open_page(browser, server.url + "/").close()  # warm: the root switches off the legacy pages/ mode
    yield server
    server.stop()


def _counts(url: str) -> tuple[int, int]:
    with db.get_engine(url).connect() as conn:
        values = conn.execute(select(func.count()).select_from(DataValue)).scalar_one()
        units = conn.execute(select(func.count()).select_from(OrgUnit)).scalar_one()
    return values, units


def _assert_inert(page, dialogs: list[str]) -> None:
    assert_no_error(page)
    assert page.evaluate("() => window.__xss") is None, "a script from the data ran"
    assert page.locator('img[src="x"]').count() == 0, "data was rendered as HTML"
    assert not dialogs


VIEWS = [
    ("overview", "overview?year=2024&period=FY&area=220"),
    ("commune", "commune?year=2024&period=FY&area=220&commune=07654"),
    ("indicator", "indicator?year=2024&period=FY&area=220&indicator=drowning_deaths"),
    ("map", "map?year=2024&period=FY&area=220&indicator=drowning_deaths&color=value"),
    ("projector", "projector?year=2024&period=FY&area=220&slide=3&play=0"),
    ("completeness", "completeness?year=2024&period=FY&area=220"),
]


@pytest.mark.parametrize(("name", "path"), VIEWS)
def test_hostile_names_and_labels_are_plain_text(browser, hostile_server, hostile_db, name, path):
    before = _counts(hostile_db)
    page = open_page(browser, f"{hostile_server.url}/{path}")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.wait_for_timeout(800)  # charts and the map draw after the script run
    _assert_inert(page, dialogs)
    shown = page_text(page)
    if name in ("commune", "overview", "indicator", "completeness"):
        # The text itself is there, as text: the name, the plan's title or label.
        assert "<img src=x onerror=window.__xss=1>" in shown, shown[:800]
    for viewport in ((1280, 720), (1920, 1080)):
        page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
        page.wait_for_timeout(300)
        screenshot(page, f"hostile_{name}")
    page.close()
    assert _counts(hostile_db) == before


def test_a_hostile_report_file_changes_nothing(browser, hostile_server, hostile_db, tmp_path):
    before = _counts(hostile_db)
    path = tmp_path / "bao_cao.csv"
    path.write_text(
        "commune_code,commune_name,year,period,data_element,value\n"
        f"07654,{XSS}{SQL},2025,FY,children_total,1200\n"
        f"07654,Xã Lệ Viễn,2025,FY,{XSS}{SQL},3\n"
        f"07648,Xã Vĩnh An,2025,FY,children_total,{SQL}\n",
        encoding="utf-8",
    )
    page = open_page(browser, f"{hostile_server.url}/import?year=2025&period=FY")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    page.wait_for_timeout(1500)
    wait_ready(page)
    _assert_inert(page, dialogs)
    shown = page_text(page)
    assert "DROP TABLE" in shown, shown[:1500]  # the file's text is quoted back, as text
    assert not page.get_by_role("button", name="Xác nhận").count()  # nothing to confirm: all refused
    for viewport in ((1280, 720), (1920, 1080)):
        page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
        page.wait_for_timeout(300)
        screenshot(page, "hostile_import")
    page.close()
    assert _counts(hostile_db) == before
    with db.get_engine(hostile_db).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM data_value")).scalar_one() == before[0]
