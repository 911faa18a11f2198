"""Who may see and change what: scopes, scoped reads, imports, period locks, exports,
the command line with --as, every page with URL parameters, the caches, and small-count
protection in what the server sends.

The person under test is a commune editor of Lệ Viễn (07654) in Sơn Động (220); the
other commune is Vĩnh An (07648), in the same district. Database tests run on SQLite
and PostgreSQL.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from access_util import (
    REPO,
    element_dump,
    log_in,
    make_user,
    open_app,
    open_page_as,
    sample_figures,
    small_sensitive_cells,
)
from apptest_util import all_text
from sqlalchemy import func, select, text

from data_access import access, db, locks
from data_access.access import ANONYMOUS_SAMPLE, NOBODY, SYSTEM, AccessDenied, AccessScope, Grant, using_scope
from data_access.intake import apply_import, prepare_import
from data_access.models import AuditEntry, DataValue
from data_access.targets import load_plan
from rules.suppression import DEFAULT_SENSITIVE
from tests.cli_util import run_cli

PLAN = load_plan(REPO / "targets.yaml")
MINE, OTHER, DISTRICT = "07654", "07648", "220"
MINE_NAME, OTHER_NAME = "Lệ Viễn", "Vĩnh An"
EDITOR = AccessScope("ed.leviem", "user", (Grant("/24/220/07654/", MINE, "editor"),))


def csv_file(*rows: tuple[str, int, str, str, float]) -> bytes:
    lines = ["commune_code,commune_name,year,period,data_element,value"]
    lines += [f"{code},,{year},{period},{de},{value:g}" for code, year, period, de, value in rows]
    return ("\n".join(lines) + "\n").encode()


def count_values(url: str) -> int:
    with db.get_engine(url).connect() as conn:
        return conn.execute(select(func.count()).select_from(DataValue)).scalar_one()


# --------------------------------------------------------------------------- the scope itself


def test_roles_apply_to_the_subtree_only():
    district_viewer = AccessScope("v", grants=(Grant("/24/220/", DISTRICT, "viewer"),))
    assert district_viewer.allows("/24/220/07654/")
    assert not district_viewer.allows("/24/223/07700/")
    assert not district_viewer.allows("/24/")  # not upwards
    assert not district_viewer.allows("/24/220/07654/", "editor")
    mixed = AccessScope("m", grants=(Grant("/24/220/", DISTRICT, "viewer"), Grant("/24/220/07654/", MINE, "editor")))
    assert mixed.role_at("/24/220/07654/") == "editor" and mixed.role_at("/24/220/07648/") == "viewer"
    assert not NOBODY.allows("/24/") and NOBODY.is_empty
    assert SYSTEM.allows("/51/529/", "admin") and ANONYMOUS_SAMPLE.sample_only
    assert not EDITOR.allows(None)  # an unknown unit is never allowed
    assert EDITOR.identity != district_viewer.identity and hash(EDITOR) == hash(EDITOR)


def test_code_that_says_nobody_is_asking_reads_nothing(shared_seeded_url):
    """The default scope is nobody: a new thread (a warm-up, a library call) that forgot to
    say who asks is refused, where it used to read the whole tree."""
    import threading

    engine = db.ready_engine(shared_seeded_url)
    seen: dict[str, object] = {}

    def fresh_thread() -> None:  # a new thread starts from the default context
        seen["scope"] = access.current_scope()
        try:
            access.figures_in_area(engine, None, MINE, [(2024, "FY")], ["drowning_deaths"])
            seen["read"] = True
        except AccessDenied:
            seen["read"] = False

    worker = threading.Thread(target=fresh_thread)
    worker.start()
    worker.join()
    assert seen == {"scope": NOBODY, "read": False}


def test_the_operator_is_stated_and_using_scope_restores_it():
    assert access.current_scope() is SYSTEM  # tests act as the operator (conftest)
    with using_scope(EDITOR):
        assert access.current_scope() is EDITOR
    assert access.current_scope() is SYSTEM


# --------------------------------------------------------------------------- reads


def test_a_commune_editor_reads_only_their_commune(shared_seeded_url):
    engine = db.ready_engine(shared_seeded_url)
    own = access.figures_in_area(engine, EDITOR, MINE, [(2024, "FY")], ["drowning_deaths"])
    assert own[(2024, "FY")] == {MINE: {"drowning_deaths": 1.0}}
    for area in (OTHER, DISTRICT, "24", "99999"):
        with pytest.raises(AccessDenied):
            access.figures_in_area(engine, EDITOR, area, [(2024, "FY")])
        with pytest.raises(AccessDenied):
            access.communes_in(engine, EDITOR, area)
        with pytest.raises(AccessDenied):
            access.boundaries_in(engine, EDITOR, area)
        with pytest.raises(AccessDenied):
            access.compute_progress(engine, EDITOR, PLAN, 2024, "FY", area)
    with pytest.raises(AccessDenied):  # the plan's own area (the district) by default
        access.compute_progress(engine, EDITOR, PLAN, 2024, "FY")
    progress = access.compute_progress(engine, EDITOR, PLAN, 2024, "FY", MINE)
    assert {r.area_code for r in progress.rows} == {MINE}
    # The current scope is used when none is passed.
    with using_scope(EDITOR), pytest.raises(AccessDenied):
        access.figures_in_area(engine, None, OTHER, [(2024, "FY")])


def test_readable_units_and_denied_codes(shared_seeded_url):
    engine = db.ready_engine(shared_seeded_url)
    assert [u.code for u in access.readable_units(engine, EDITOR)] == [MINE]
    viewer = AccessScope("v", grants=(Grant("/24/220/", DISTRICT, "viewer"),))
    codes = {u.code for u in access.readable_units(engine, viewer)}
    assert DISTRICT in codes and OTHER in codes and "223" not in codes and "24" not in codes
    assert access.denied_codes(engine, EDITOR, [MINE, OTHER, "nope"], "editor") == [OTHER, "nope"]
    assert access.readable_units(engine, NOBODY) == []


# --------------------------------------------------------------------------- writes


def test_a_commune_editor_cannot_import_another_commune(seeded_url):
    engine = db.ready_engine(seeded_url)
    before = count_values(seeded_url)
    data = csv_file((MINE, 2025, "FY", "children_total", 2000), (OTHER, 2025, "FY", "children_total", 2000))
    with using_scope(EDITOR):
        preview = prepare_import(engine, PLAN, data, "hai_xa.csv")
        assert not preview.ok
        assert any(OTHER in issue.message("vi") for issue in preview.issues)
    # Even a preview made by someone else cannot be written under the editor's scope.
    trusted = prepare_import(engine, PLAN, data, "hai_xa.csv")
    assert trusted.ok
    with using_scope(EDITOR), pytest.raises(AccessDenied) as err:
        apply_import(engine, trusted, "ed.leviem")
    assert OTHER in err.value.message("vi") and "Không có số liệu nào được ghi" in err.value.message("vi")
    assert count_values(seeded_url) == before
    # Their own commune goes through.
    with using_scope(EDITOR):
        own = prepare_import(engine, PLAN, csv_file((MINE, 2025, "FY", "children_total", 2000)), "le_vien.csv")
        assert own.ok
        apply_import(engine, own, "ed.leviem")


def test_a_closed_period_refuses_imports_until_reopened(seeded_url):
    engine = db.ready_engine(seeded_url)
    admin = AccessScope("tp", grants=(Grant("/24/220/", DISTRICT, "admin"),))
    with pytest.raises(AccessDenied):  # an editor cannot close a period
        locks.close_period(engine, 2025, "FY", DISTRICT, "ed.leviem", scope=EDITOR)
    locks.close_period(engine, 2025, "FY", DISTRICT, "Trưởng phòng", reason="Hết hạn báo cáo 15/11", scope=admin)
    with pytest.raises(locks.LockError):
        locks.close_period(engine, 2025, "FY", DISTRICT, "Trưởng phòng", scope=admin)
    data = csv_file((MINE, 2025, "FY", "children_total", 2000))
    preview = prepare_import(engine, PLAN, data, "le_vien.csv")
    assert not preview.ok
    message = preview.issues[0].message("vi")
    assert "2025" in message and "Trưởng phòng" in message
    with pytest.raises(locks.PeriodLocked) as err:
        locks.ensure_period_open(engine, 2025, "FY", [MINE])
    assert "đã khoá sổ" in err.value.message("vi") and "Huyện Sơn Động" in err.value.message("vi")
    locks.ensure_period_open(engine, 2025, "H1", [MINE])  # another period is open
    locks.ensure_period_open(engine, 2025, "FY", ["06463"])  # another district is open
    assert [(lk.year, lk.period, lk.area_code) for lk in locks.list_locks(engine, EDITOR)] == [(2025, "FY", DISTRICT)]
    assert locks.list_locks(engine, AccessScope("cl", grants=(Grant("/20/187/", "187", "viewer"),))) == []
    locks.reopen_period(engine, 2025, "FY", DISTRICT, "Trưởng phòng", reason="Xã bổ sung", scope=admin)
    again = prepare_import(engine, PLAN, data, "le_vien.csv")
    assert again.ok
    apply_import(engine, again, "ed")
    with engine.connect() as conn:
        trail = conn.execute(
            select(AuditEntry.action, AuditEntry.changed_by, AuditEntry.source, AuditEntry.year, AuditEntry.period)
            .where(AuditEntry.data_element_id == locks.LOCK_ELEMENT)
            .order_by(AuditEntry.id)
        ).all()
    assert [tuple(r) for r in trail] == [
        ("period_close", "Trưởng phòng", "Hết hạn báo cáo 15/11", 2025, "FY"),
        ("period_reopen", "Trưởng phòng", "Xã bổ sung", 2025, "FY"),
    ]


# --------------------------------------------------------------------------- exports


def test_a_commune_editor_cannot_export_another_area(shared_seeded_url):
    from data_access.exports import load_inputs

    engine = db.ready_engine(shared_seeded_url)
    with using_scope(EDITOR):
        for area in (DISTRICT, OTHER):
            with pytest.raises(AccessDenied):
                load_inputs(engine, PLAN, 2024, "FY", area)
        own = load_inputs(engine, PLAN, 2024, "FY", MINE)
    assert own.progress.area.code == MINE
    assert set(own.history[(2024, "FY")]) == {MINE}


def test_exports_for_circulation_mask_small_counts(shared_seeded_url, monkeypatch):
    from data_access.exports import load_inputs, protect_for

    monkeypatch.setenv("PROTECT_SMALL_COUNTS", "on")
    engine = db.ready_engine(shared_seeded_url)
    inputs = load_inputs(engine, PLAN, 2024, "FY", DISTRICT)
    assert protect_for(inputs) is inputs  # an ordinary officer's working copy
    small = small_sensitive_cells(2024, "FY", DISTRICT)
    for pack in (protect_for(inputs, projector=True), protect_for(inputs, for_circulation=True)):
        for (code, de), _value in small.items():
            assert str(pack.progress.figures[code][de]) in ("<5", "*")
            assert str(pack.history[(2024, "FY")][code][de]) in ("<5", "*")
        assert str(pack.progress.row("drowning_deaths").value) == "<5"
    # The same cells as the pages hide: decided once for the whole tree.
    from data_access.protect import load_tree_suppression

    tree = load_tree_suppression(engine, 2024, "FY", DEFAULT_SENSITIVE)
    pack = protect_for(inputs, for_circulation=True)
    for code, values in pack.progress.figures.items():
        for de in DEFAULT_SENSITIVE:
            if de in values:
                assert (str(values[de]) in ("<5", "*")) == bool(tree.kind((code, de))), (code, de)


def test_export_for_circulation_from_the_command_line(shared_seeded_url, tmp_path):
    import openpyxl

    out = _cli(
        shared_seeded_url,
        "export-report",
        "--year",
        "2024",
        "--area",
        DISTRICT,
        "--for-circulation",
        "--out",
        str(tmp_path / "a.xlsx"),
    )
    assert out.returncode == 0, out.stderr
    cells = [str(c.value) for ws in openpyxl.load_workbook(tmp_path / "a.xlsx") for row in ws.iter_rows() for c in row]
    assert "<5" in " ".join(cells)


# --------------------------------------------------------------------------- command line


def _cli(url: str, *args: str) -> subprocess.CompletedProcess:
    return run_cli(*args, db_url=url)


def test_the_command_line_as_a_commune_editor(seeded_url, tmp_path):
    make_user(seeded_url, "ed.leviem", [(MINE, "editor")])
    out = _cli(seeded_url, "--as", "ed.leviem", "progress", "--year", "2024", "--area", DISTRICT, "--format", "csv")
    assert out.returncode == 1 and "không có quyền" in out.stderr and out.stdout == ""
    out = _cli(seeded_url, "--as", "ed.leviem", "progress", "--year", "2024", "--area", MINE, "--format", "csv")
    assert out.returncode == 0 and {line.split(",")[0] for line in out.stdout.splitlines()[1:]} == {MINE}
    before = count_values(seeded_url)
    path = tmp_path / "two.csv"
    path.write_bytes(csv_file((MINE, 2025, "FY", "children_total", 2222), (OTHER, 2025, "FY", "children_total", 2222)))
    out = _cli(seeded_url, "--as", "ed.leviem", "import", str(path))
    assert out.returncode == 1 and OTHER in out.stdout + out.stderr
    assert count_values(seeded_url) == before
    out = _cli(
        seeded_url,
        "--as",
        "ed.leviem",
        "export-report",
        "--year",
        "2024",
        "--area",
        DISTRICT,
        "--out",
        str(tmp_path / "r.docx"),
    )
    assert out.returncode == 1 and not (tmp_path / "r.docx").exists()
    out = _cli(seeded_url, "--as", "ed.leviem", "period", "close", "--year", "2024", "--period", "FY", "--area", MINE)
    assert out.returncode == 1 and "quản trị" in out.stderr
    assert "Traceback" not in out.stderr
    # DATA_ACCESS_AS works like --as.
    env = {**os.environ, "DATABASE_URL": seeded_url, "DATA_ACCESS_AS": "ed.leviem"}
    out = subprocess.run(
        [sys.executable, "-m", "data_access", "progress", "--year", "2024", "--area", DISTRICT],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 1


# --------------------------------------------------------------------------- every page, every URL parameter


PAGES = ["overview", "map", "commune", "indicator", "whatif", "projector", "completeness", "quality", "reports", "help"]


def _shows_nothing_of_the_other(at, *names: str) -> None:
    text = all_text(at)
    assert "không có quyền" in text, text[:500]
    dumped = "\n".join(element_dump(at))
    for name in names:
        assert name not in dumped, name
    assert (
        not at.dataframe and not at.metric and not at.get("deck_gl_json_chart") and not at.get("arrow_vega_lite_chart")
    )


@pytest.mark.parametrize("page", PAGES)
def test_no_page_opens_another_area_or_commune_by_url(monkeypatch, seeded_url, page):
    make_user(seeded_url, "ed.leviem", [(MINE, "editor")])
    at = open_page_as(monkeypatch, seeded_url, "ed.leviem", page, area=DISTRICT)
    _shows_nothing_of_the_other(at, "Huyện Sơn Động", OTHER_NAME)
    at = open_page_as(monkeypatch, seeded_url, "ed.leviem", page, commune=OTHER)
    _shows_nothing_of_the_other(at, OTHER_NAME)
    at = open_page_as(monkeypatch, seeded_url, "ed.leviem", page, area="187")  # another province's district
    _shows_nothing_of_the_other(at, "Chi Lăng")


def test_the_commune_editor_sees_their_commune_everywhere(monkeypatch, seeded_url):
    make_user(seeded_url, "ed.leviem", [(MINE, "editor")])
    for page in ("overview", "commune", "map", "import"):
        at = open_page_as(monkeypatch, seeded_url, "ed.leviem", page)
        text = all_text(at)
        assert "không có quyền" not in text, page
        assert OTHER_NAME not in "\n".join(element_dump(at)), page


def test_viewers_do_not_get_the_officers_pages(monkeypatch, seeded_url):
    make_user(seeded_url, "lan", [(DISTRICT, "viewer")])
    at = open_page_as(monkeypatch, seeded_url, "lan", "overview")
    links = [str(el.proto) for el in at.get("page_link")]
    assert not any("import" in link or "audit" in link or "locks" in link for link in links)
    for page in ("import", "audit", "locks"):
        at = open_page_as(monkeypatch, seeded_url, "lan", page)
        assert "không có quyền mở trang này" in all_text(at)
        assert not at.dataframe and not at.get("file_uploader")


def test_caches_never_serve_one_person_s_data_to_another(monkeypatch, seeded_url):
    make_user(seeded_url, "boss", [(DISTRICT, "admin")])
    make_user(seeded_url, "ed.leviem", [(MINE, "editor")])
    # The district leader fills every cache for the district first...
    for page in ("overview", "map", "commune", "indicator", "projector"):
        at = open_page_as(monkeypatch, seeded_url, "boss", page, commune=OTHER)
        assert "không có quyền" not in all_text(at)
    # ...then the commune editor asks for the same views: refused, nothing served.
    for page in ("overview", "map", "commune", "indicator", "projector"):
        at = open_page_as(monkeypatch, seeded_url, "ed.leviem", page, area=DISTRICT, commune=OTHER)
        _shows_nothing_of_the_other(at, OTHER_NAME)


def test_ui_loaders_refuse_outside_the_scope_even_when_called_directly(monkeypatch, seeded_url):
    """A page that forgets the frame's area still cannot read another commune."""
    make_user(seeded_url, "ed.leviem", [(MINE, "editor")])
    page = REPO / f"_scratch_loader_page_{os.getpid()}.py"  # beside app.py, so pages/ resolve
    page.write_text(
        "from ui.frame import page_context\nfrom ui import data\nimport streamlit as st\n"
        "ctx = page_context('overview')\n"
        f"p = data.progress(ctx.db_url, 2024, 'FY', '{DISTRICT}')\n"
        "st.write('LEAK', len(p.rows))\n"
    )
    try:
        monkeypatch.setenv("DATABASE_URL", seeded_url)
        monkeypatch.setenv("AUTH_MODE", "db")
        from access_util import SECRET

        monkeypatch.setenv("APP_SECRET", SECRET)
        monkeypatch.chdir(REPO)
        from streamlit.testing.v1 import AppTest

        at = AppTest.from_file(str(page), default_timeout=120)
        at.run()
        log_in(at, "ed.leviem")
        text = all_text(at)
        assert "LEAK" not in text and "không có quyền" in text
    finally:
        page.unlink()


# --------------------------------------------------------------------------- small-count protection


def _deck_records(at) -> list[dict]:
    records = []
    for el in at.get("deck_gl_json_chart"):
        spec = json.loads(el.proto.json)
        for layer in spec.get("layers", []):
            data = layer.get("data")
            if isinstance(data, list):
                records.extend(d for d in data if isinstance(d, dict))
    return records


@pytest.mark.parametrize("indicator", ["drowning_deaths", "abuse_cases", "injury_death_rate", "abuse_plan_rate"])
@pytest.mark.parametrize("colour", ["status", "value"])
def test_map_data_carries_no_small_count(monkeypatch, shared_seeded_url, indicator, colour):
    monkeypatch.setenv("PROTECT_SMALL_COUNTS", "always")
    at = open_app(monkeypatch, shared_seeded_url, year="2024", period="FY", area=DISTRICT)
    at.query_params["indicator"] = indicator
    at.query_params["color"] = colour
    at.switch_page("pages/map.py")
    at.run()
    assert not at.exception
    ind = PLAN.indicator(indicator)
    small = {code for (code, de), _ in small_sensitive_cells(2024, "FY", DISTRICT).items() if de == ind.numerator}
    assert small, "the sample has small counts for this indicator"
    names = {code: r["name"] for code, r in __import__("access_util").org_units().items()}
    records = _deck_records(at)
    assert records
    seen = set()
    for record in records:
        code = record.get("code")
        label = str(record.get("label", ""))
        who = code if code in small else next((c for c in small if label.startswith(names[c] + "\n")), None)
        if who is None:
            continue
        seen.add(who)
        shown = " ".join(str(v) for k, v in record.items() if k not in ("polygon", "position", "fill", "code"))
        shown = shown.replace(names[who], "")
        assert not re.search(r"(?<![\d,.])[1-4](?![\d,.])", shown), (who, record)
    assert seen == small
    for frame in (df.value for df in at.dataframe):
        for _, row in frame.iterrows():
            cells = [str(v) for v in row.to_list()]
            if any(names[c] in cells[0] for c in small):
                assert not any(re.fullmatch(r"[1-4]( .*)?", c) for c in cells[1:]), cells


def _projector_dump(monkeypatch, url: str, year: int = 2024) -> list[str]:
    out = []
    for slide in range(1, 5):
        at = open_app(monkeypatch, url, year=str(year), period="FY", area=DISTRICT, slide=str(slide), play="0")
        at.switch_page("pages/projector.py")
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        out.extend(element_dump(at))
    return out


def test_projector_shows_small_district_totals_as_below_five(monkeypatch, shared_seeded_url):
    monkeypatch.setenv("PROTECT_SMALL_COUNTS", "on")  # the projector is protected by default
    monkeypatch.delenv("AUTH_MODE", raising=False)
    figures = sample_figures(2024, "FY")
    from access_util import communes_of

    drowning = sum(figures[c].get("drowning_deaths", 0) for c in communes_of(DISTRICT))
    assert 1 <= drowning <= 4  # the sample's story: 2 drownings in 2024
    dumped = "\n".join(_projector_dump(monkeypatch, shared_seeded_url))
    assert "&lt;5" in dumped or "<5" in dumped
    # The drowning row of the scorecard slide never carries the count.
    for line in dumped.splitlines():
        if "đuối nước" in line.lower():
            assert not re.search(rf"(?<![\d,.]){int(drowning)} trẻ", line), line


def _swap_candidates() -> tuple[int, str, str, str]:
    """A (year, period) and two communes whose small sensitive counts can be swapped
    without changing any total, any visible figure or any status the rules compute
    (the test's own computation), while an unprotected page would show the change (a
    commune's count or rate moves). If nothing hidden leaks, protected pages must look
    exactly the same before and after the swap."""
    from access_util import communes_of, org_units

    from data_access.standard_elements import STANDARD_DATA_ELEMENTS
    from rules import Question, evaluate_plan
    from rules.model import OrgUnitRef

    units = org_units()
    codes = communes_of(DISTRICT)
    refs = [
        OrgUnitRef(c, units[c]["name"], units[c]["full_name"], units[c]["type"], "commune", DISTRICT) for c in codes
    ]
    area = OrgUnitRef(DISTRICT, "Sơn Động", "Huyện Sơn Động", "huyện", "district", "24")
    des = {**STANDARD_DATA_ELEMENTS, **PLAN.data_elements}
    for year in (2025, 2024, 2023, 2022, 2021):
        period = "FY"
        figures, previous = sample_figures(year, period), sample_figures(year - 1, period)

        def rows(figs, year=year, period=period, previous=previous):
            return evaluate_plan(PLAN, Question(year, period, area, refs, figs, previous, data_elements=des))

        base = rows(figures)
        for a in codes:
            for b in codes:
                if a >= b:
                    continue
                pairs = [(figures[a].get(de), figures[b].get(de)) for de in DEFAULT_SENSITIVE]
                if any(va != vb and not (va and vb and 1 <= va <= 4 and 1 <= vb <= 4) for va, vb in pairs):
                    continue
                if all(va == vb for va, vb in pairs):
                    continue
                swapped = {**figures, a: dict(figures[a]), b: dict(figures[b])}
                for de in DEFAULT_SENSITIVE:
                    if de in figures[a]:
                        swapped[a][de], swapped[b][de] = figures[b][de], figures[a][de]
                after = rows(swapped)
                same_status = [r.status for r in after] == [r.status for r in base]
                visible_change = any(r.value != q.value for r, q in zip(base, after, strict=True))
                if same_status and visible_change:
                    return year, period, a, b
    raise AssertionError("no swappable pair in the sample")


def _swap_in_database(url: str, a: str, b: str, year: int, period: str) -> None:
    figures = sample_figures(year, period)
    engine = db.get_engine(url)
    with engine.begin() as conn:
        for de in DEFAULT_SENSITIVE:
            if de not in figures[a] or figures[a][de] == figures[b][de]:
                continue
            for code, value in ((a, figures[b][de]), (b, figures[a][de])):
                conn.execute(
                    text(
                        "UPDATE data_value SET value = :v WHERE year = :y AND period = :p AND data_element_id = :de "
                        "AND org_unit_id = (SELECT id FROM org_unit WHERE code = :c)"
                    ),
                    {"v": value, "y": year, "p": period, "de": de, "c": code},
                )


def _views(a: str, b: str) -> list[tuple[str, dict[str, str]]]:
    views = [("overview", {}), ("whatif", {}), ("completeness", {}), ("quality", {})]
    views += [("commune", {"commune": code}) for code in (a, b)]
    for ind in (
        "drowning_deaths",
        "abuse_cases",
        "injury_death_rate",
        "abuse_plan_rate",
        "child_labour_supported_rate",
    ):
        views.append(("indicator", {"indicator": ind}))
        views += [("map", {"indicator": ind, "color": colour}) for colour in ("status", "value")]
    return views


def _normalised(dump: list[str], url: str) -> list[str]:
    """The dump without what differs on every run: the URL, pandas Styler's random ids and
    a deferred download's file id (the file itself is written on the click)."""
    out = []
    for d in dump:
        d = d.replace(url, "<url>")
        d = re.sub(r'deferred_file_id: "\w+"', 'deferred_file_id: "<id>"', d)
        for uid in set(re.findall(r'uuid: "(\w+)"', d)):
            d = d.replace(uid, "<uuid>")
        out.append(d)
    return out


def test_hidden_values_do_not_reach_the_browser(monkeypatch, backend, _seeded_templates, db_factory):
    """Non-interference: swap two communes' small sensitive counts in a copy of the
    database (every total, visible figure and status unchanged); with protection on,
    every page sends exactly the same elements for both databases."""
    monkeypatch.setenv("PROTECT_SMALL_COUNTS", "always")
    year, period, a, b = _swap_candidates()
    original = db_factory.new(backend, template=_seeded_templates[backend])
    swapped = db_factory.new(backend, template=_seeded_templates[backend])
    _swap_in_database(swapped, a, b, year, period)
    assert access.figures_in_area(db.ready_engine(swapped), None, a, [(year, period)]) != access.figures_in_area(
        db.ready_engine(original), None, a, [(year, period)]
    )
    params = {"year": str(year), "period": period, "area": DISTRICT}
    for page, extra in _views(a, b):
        dumps = []
        for url in (original, swapped):
            at = open_app(monkeypatch, url, **params, **extra)
            if page != "overview":
                at.switch_page(f"pages/{page}.py")
                at.run()
            assert not at.exception, (page, [e.value for e in at.exception])
            dumps.append(_normalised(element_dump(at), url))
        assert dumps[0] == dumps[1], (page, extra, [x for x, y in zip(*dumps, strict=False) if x != y][:2])
    dumps = [_normalised(_projector_dump(monkeypatch, url, year), url) for url in (original, swapped)]
    assert dumps[0] == dumps[1], "projector"


# --------------------------------------------------------------------------- the period-lock page


def test_an_admin_closes_and_reopens_a_period_on_the_page(monkeypatch, seeded_url):
    make_user(seeded_url, "boss", [(DISTRICT, "admin")])
    at = open_page_as(monkeypatch, seeded_url, "boss", "locks", year="2025", period="FY")
    assert "Chưa có kỳ báo cáo nào bị khoá sổ" in all_text(at)
    at.text_input(key="locks_reason").input("Hết hạn nộp báo cáo")
    next(b for b in at.button if b.label == "Khoá sổ").click()
    at.run()
    text_after = all_text(at)
    assert "Đã khoá sổ" in text_after
    table = at.dataframe[0].value
    assert table.iloc[0].tolist()[:3] == ["Cả năm 2025", "Huyện Sơn Động", "boss"]
    engine = db.ready_engine(seeded_url)
    with pytest.raises(locks.PeriodLocked):
        locks.ensure_period_open(engine, 2025, "FY", [MINE])
    at.text_input(key="locks_reason_reopen").input("Xã bổ sung số liệu")
    next(b for b in at.button if b.label == "Mở lại").click()
    at.run()
    assert "Đã mở lại" in all_text(at)
    locks.ensure_period_open(engine, 2025, "FY", [MINE])
    with engine.connect() as conn:
        actions = conn.execute(
            select(AuditEntry.action).where(AuditEntry.data_element_id == "*").order_by(AuditEntry.id)
        ).scalars()
        assert list(actions) == ["period_close", "period_reopen"]
    # The audit page lists both.
    at = open_page_as(monkeypatch, seeded_url, "boss", "audit", year="2025", period="FY")
    assert not at.exception


def test_an_editor_cannot_open_the_lock_page(monkeypatch, seeded_url):
    make_user(seeded_url, "ed.leviem", [(MINE, "editor")])
    at = open_page_as(monkeypatch, seeded_url, "ed.leviem", "locks")
    assert "không có quyền mở trang này" in all_text(at)
    assert not at.get("form")


def test_an_aggregate_only_account_gets_masked_figures(monkeypatch, seeded_url):
    make_user(seeded_url, "hoi.dong", [(DISTRICT, "viewer")], aggregates_only=True)
    make_user(seeded_url, "lan", [(DISTRICT, "viewer")])
    params = {"year": "2024", "period": "FY", "indicator": "drowning_deaths", "color": "value"}
    masked = open_page_as(monkeypatch, seeded_url, "hoi.dong", "map", **params)
    plain = open_page_as(monkeypatch, seeded_url, "lan", "map", **params)
    texts = {
        who: {r["code"]: r["value_text"] for r in _deck_records(at) if "value_text" in r}
        for who, at in (("masked", masked), ("plain", plain))
    }
    assert texts["masked"][MINE] == "<5" and texts["masked"][OTHER] == "<5"
    assert texts["plain"][MINE] != "<5"  # an ordinary viewer sees the figure
    assert "số nhỏ từ 1 đến 4" in all_text(masked) and "số nhỏ từ 1 đến 4" not in all_text(plain)
