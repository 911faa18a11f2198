"""Results that survive a restart (issue 14.4): a progress stored per figures, plan and
code is read back by a new process, equals a fresh evaluation, is computed again after
an import into one of its periods (and only then), and a corrupt, stale or foreign
file is ignored, never believed."""

from __future__ import annotations

import gc
import json
import os
import pickle
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text

from data_access import db, results_cache
from data_access.generate import generate
from data_access.intake import apply_import, prepare_import
from data_access.progress import Progress, compute_progress, progress_records, resolve_area
from data_access.targets import load_plan
from rules.columnar import PlanRows

REPO = Path(__file__).resolve().parent.parent
PLAN_FILE = REPO / "targets.yaml"

# What a person could see of a progress: every row (value, status, note, ...), the
# parts, the communes and the figures behind them.
DIGEST = """
def digest(p):
    import hashlib
    parts = [repr(p.area), repr(p.communes), repr(p.parts), repr(p.latest_update)]
    parts += [repr(r) for r in p.rows] + [repr(r) for r in p.part_rows]
    for figures in (p.figures, p.previous_figures):
        parts += [repr((code, sorted(figures[code].items()))) for code in sorted(figures)]
    return hashlib.sha256("\\n".join(parts).encode()).hexdigest()
"""
namespace: dict = {}
exec(DIGEST, namespace)  # the same digest in this process and in the restarted one
digest = namespace["digest"]

RESTARTED = (
    """
import json, os, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from data_access import db, results_cache
from data_access.access import SYSTEM, set_current_scope
from data_access.progress import compute_progress, resolve_area
from data_access.targets import load_plan
"""
    + DIGEST
    + """
set_current_scope(SYSTEM)
engine = db.get_engine(os.environ["DATABASE_URL"])
plan_file, year, period = Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
plan = load_plan(plan_file)
area = resolve_area(engine, plan.area)
seen = []
p = results_cache.cached_progress(
    engine, plan_file, year, period, area.code,
    lambda: compute_progress(engine, plan, year, period, area.code), on_source=seen.append,
)
print(json.dumps({"source": seen[0], "digest": digest(p)}))
"""
)


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    directory = tmp_path / "results-cache"
    monkeypatch.setenv("RESULTS_CACHE_DIR", str(directory))
    monkeypatch.setenv("RESULTS_CACHE_MIN_SECONDS", "0")  # the sample is quick: store it anyway
    return directory


def restarted(url: str, year: int, period: str) -> dict:
    """The progress asked for by a new Python process (a restarted server)."""
    env = {**os.environ, "DATABASE_URL": url}
    out = subprocess.run(
        [sys.executable, "-c", RESTARTED, str(REPO), str(PLAN_FILE), str(year), period],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def asked(url: str, year: int, period: str) -> tuple[str, Progress]:
    engine = db.get_engine(url)
    plan = load_plan(PLAN_FILE)
    area = resolve_area(engine, plan.area)
    seen: list[str] = []
    p = results_cache.cached_progress(
        engine,
        PLAN_FILE,
        year,
        period,
        area.code,
        lambda: compute_progress(engine, plan, year, period, area.code),
        on_source=seen.append,
    )
    return seen[0], p


def fresh(url: str, year: int, period: str) -> Progress:
    engine = db.get_engine(url)
    plan = load_plan(PLAN_FILE)
    return compute_progress(engine, plan, year, period, resolve_area(engine, plan.area).code)


def stored_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("progress-*.bin"))


def test_a_restarted_process_reads_the_stored_result_and_it_equals_a_fresh_evaluation(seeded_url, cache_dir):
    first = restarted(seeded_url, 2024, "FY")
    assert first["source"] == "computed"
    assert len(stored_files(cache_dir)) == 1
    second = restarted(seeded_url, 2024, "FY")
    assert second["source"] == "file"
    assert second["digest"] == first["digest"] == digest(fresh(seeded_url, 2024, "FY"))
    # read back, the shared figures are as read-only as when computed
    _, p = asked(seeded_url, 2024, "FY")
    with pytest.raises(ValueError):
        p.figures.array[0, 0] = 1.0


def test_an_import_changes_the_answer_and_only_its_periods_are_computed_again(seeded_url, cache_dir):
    engine = db.get_engine(seeded_url)
    plan = load_plan(PLAN_FILE)
    for year, period in ((2023, "FY"), (2024, "FY"), (2024, "H1")):
        assert asked(seeded_url, year, period)[0] == "computed"
    before = {key: digest(asked(seeded_url, *key)[1]) for key in ((2023, "FY"), (2024, "FY"), (2024, "H1"))}

    # A commune's corrected report for 2023 FY: one denominator one higher.
    ind = next(i for i in plan.indicators if i.denominator and i.denominator != "communes")
    commune = fresh(seeded_url, 2023, "FY").communes[0].code
    with engine.connect() as conn:
        value = conn.execute(
            text(
                "SELECT dv.value FROM data_value dv JOIN org_unit ou ON ou.id = dv.org_unit_id "
                "WHERE ou.code = :c AND dv.year = 2023 AND dv.period = 'FY' AND dv.data_element_id = :de"
            ),
            {"c": commune, "de": ind.denominator},
        ).scalar_one()
    csv = f"commune_code,commune_name,year,period,data_element,value\n{commune},,2023,FY,{ind.denominator},{value + 1:g}\n"
    preview = prepare_import(engine, plan, csv.encode(), "sua_2023.csv")
    assert preview.ok, [i.message("en") for i in preview.issues]
    apply_import(engine, preview, "test")

    # 2023 FY itself and 2024 FY (which compares with it) are computed again, and the
    # answer is the new one; 2024 H1 never read 2023 FY, so its file still serves.
    for key in ((2023, "FY"), (2024, "FY")):
        source, p = asked(seeded_url, *key)
        assert source == "computed", key
        assert digest(p) == digest(fresh(seeded_url, *key)) != before[key]
    figures = asked(seeded_url, 2023, "FY")[1].figures
    assert figures[commune][ind.denominator] == value + 1
    source, p = asked(seeded_url, 2024, "H1")
    assert (source, digest(p)) == ("file", before[(2024, "H1")])
    assert restarted(seeded_url, 2024, "FY") == {"source": "file", "digest": digest(fresh(seeded_url, 2024, "FY"))}


def test_a_corrupt_stale_or_foreign_file_is_ignored_and_replaced(shared_seeded_url, cache_dir):
    url = shared_seeded_url
    assert asked(url, 2024, "FY")[0] == "computed"
    (path,) = stored_files(cache_dir)
    good = path.read_bytes()
    right = digest(fresh(url, 2024, "FY"))

    def check_ignored(content: bytes) -> None:
        path.write_bytes(content)
        source, p = asked(url, 2024, "FY")
        assert source == "computed"
        assert digest(p) == right
        assert path.read_bytes() != content  # replaced by the new computation
        assert asked(url, 2024, "FY")[0] == "file"

    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0xFF
    check_ignored(bytes(flipped))  # one byte changed: the signature no longer matches
    check_ignored(good[: len(good) // 3])  # cut short (a crash while copying)
    check_ignored(b"")
    check_ignored(b"CPD-RESULTS-0\n" + good[len(results_cache.FORMAT) :])  # another release's format

    # Stale: a well-signed file of other figures (its fingerprint is not today's).
    key = (cache_dir / "key").read_bytes()
    other = asked(url, 2024, "H1")[1]
    results_cache.store(path, "0" * 64, key, other)
    assert asked(url, 2024, "FY")[0] == "computed"

    # Signed with another key (someone else's cache directory copied in).
    path.write_bytes(good)
    (cache_dir / "key").write_bytes(os.urandom(32))
    assert asked(url, 2024, "FY")[0] == "computed"

    # Writable by others: never unpickled, whatever it holds.
    path.chmod(0o666)
    assert results_cache.load(path, "x" * 64, (cache_dir / "key").read_bytes()) is None


def test_a_quick_result_or_a_disabled_cache_writes_nothing(shared_seeded_url, tmp_path, monkeypatch):
    directory = tmp_path / "rc"
    monkeypatch.setenv("RESULTS_CACHE_DIR", str(directory))
    monkeypatch.delenv("RESULTS_CACHE_MIN_SECONDS", raising=False)  # default: 1 s, the sample takes less
    assert asked(shared_seeded_url, 2024, "FY")[0] == "computed"
    assert not directory.exists()
    monkeypatch.setenv("RESULTS_CACHE_DIR", "off")
    monkeypatch.setenv("RESULTS_CACHE_MIN_SECONDS", "0")
    assert asked(shared_seeded_url, 2024, "FY")[0] == "computed"
    assert not directory.exists()


def test_the_collector_is_paused_while_computing_and_back_afterwards():
    assert gc.isenabled()
    with results_cache.gc_paused():
        assert not gc.isenabled()
        with results_cache.gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer computation is still making rows
    assert gc.isenabled()
    with pytest.raises(RuntimeError), results_cache.gc_paused():
        raise RuntimeError("a failed computation")
    assert gc.isenabled()


def test_the_pages_cache_reads_the_file_after_a_restart_without_computing(seeded_url, cache_dir, monkeypatch):
    """`ui.data` (what every page asks) stores the progress and, with its in-memory
    caches gone as after a restart, answers from the file without computing."""
    import streamlit as st

    from data_access import store
    from ui import data

    monkeypatch.setenv("DATABASE_URL", seeded_url)
    st.cache_data.clear()
    st.cache_resource.clear()
    db.ready_engine(seeded_url)
    plan = data.load_plan_or_errors()
    area = data.plan_area(seeded_url, plan)
    path, mtime = data._file_key(data.targets_file())
    version = data.data_version(seeded_url)
    first = data._progress(data.AreaView(seeded_url, area.code, 2024, "FY", version), (path, mtime))
    assert len(stored_files(cache_dir)) == 1
    st.cache_resource.clear()  # a restart: nothing in memory

    def must_not_run(*args, **kwargs) -> None:
        raise AssertionError("computed although a valid file was there")

    monkeypatch.setattr(store, "compute_progress", must_not_run)  # what the store computes with
    again = data._progress(data.AreaView(seeded_url, area.code, 2024, "FY", version), (path, mtime))
    assert again is not first and digest(again) == digest(first) == digest(fresh(seeded_url, 2024, "FY"))


# --------------------------------------------------------------------------- rows stored as columns


def _unbuilt(p: Progress) -> bool:
    """No commune row has been made yet: the rows are still the stored columns."""
    return isinstance(p.rows, PlanRows) and all(seg._rows is None for seg in p.rows.segments)


def test_a_stored_progress_reads_back_as_columns_with_the_same_rows(shared_seeded_url, cache_dir):
    """The file holds the commune rows as columns; read back, a page asking for one
    commune gets its rows without every row being made, and every row, part row and
    exported note equals a fresh evaluation's and the reference's."""
    url = shared_seeded_url
    assert asked(url, 2024, "FY")[0] == "computed"
    source, p = asked(url, 2024, "FY")
    assert source == "file" and _unbuilt(p)
    truth = fresh(url, 2024, "FY")
    engine = db.get_engine(url)
    reference = compute_progress(engine, load_plan(PLAN_FILE), 2024, "FY", truth.area.code, reference=True)
    code = truth.communes[3].code
    assert [repr(r) for r in p.rows_of_commune(code)] == [repr(r) for r in reference.rows_of_commune(code)]
    assert [repr(r) for r in p.area_rows] == [repr(r) for r in reference.area_rows]
    assert _unbuilt(p)  # one commune's rows and the area's: no commune row of the others made
    assert [repr(r) for r in p.rows] == [repr(r) for r in reference.rows]
    assert [repr(r) for r in p.part_rows] == [repr(r) for r in reference.part_rows]
    assert progress_records(p) == progress_records(reference)  # value, status, note as exported
    assert digest(p) == digest(truth)


def test_a_changed_figure_makes_the_stored_rows_stale(seeded_url, cache_dir):
    """A figure changed in the database (no import, no new stamp: only its value) is
    never answered from the file: the commune's row shows the new value."""
    engine = db.get_engine(seeded_url)
    plan = load_plan(PLAN_FILE)
    ind = next(i for i in plan.indicators if i.denominator and i.denominator != "communes")
    assert asked(seeded_url, 2024, "FY")[0] == "computed"
    code = fresh(seeded_url, 2024, "FY").communes[0].code
    old = asked(seeded_url, 2024, "FY")[1].row(ind.id, code)
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE data_value SET value = value + 5 WHERE year = 2024 AND period = 'FY' "
                "AND data_element_id = :de AND org_unit_id = (SELECT id FROM org_unit WHERE code = :c)"
            ),
            {"c": code, "de": ind.numerator},
        )
    source, p = asked(seeded_url, 2024, "FY")
    assert source == "computed"
    assert p.row(ind.id, code).numerator == old.numerator + 5
    assert digest(p) == digest(fresh(seeded_url, 2024, "FY"))


def test_a_file_of_the_row_objects_format_is_never_read(shared_seeded_url, cache_dir):
    """A well-signed file of format 1 (the row objects), even under today's fingerprint,
    is ignored and replaced by one of today's format."""
    url = shared_seeded_url
    assert asked(url, 2024, "FY")[0] == "computed"
    (path,) = stored_files(cache_dir)
    key = (cache_dir / "key").read_bytes()
    engine = db.get_engine(url)
    fp = results_cache.fingerprint(engine, PLAN_FILE.read_bytes(), 2024, "FY", fresh(url, 2024, "FY").area.code)
    p = fresh(url, 2024, "FY")
    body = fp.encode() + pickle.dumps(replace(p, rows=tuple(p.rows)), protocol=5)
    path.write_bytes(b"CPD-RESULTS-1\n" + results_cache._sign(key, body) + body)
    assert asked(url, 2024, "FY")[0] == "computed"
    assert path.read_bytes().startswith(results_cache.FORMAT) and asked(url, 2024, "FY")[0] == "file"


def test_the_stored_file_is_far_smaller_than_the_row_objects(db_factory, tmp_path, cache_dir, backend):
    """A generated country of 2,000 communes: the stored file (columns) against the same
    progress pickled with its rows as objects, as the cache stored it before."""
    url = db_factory.new(backend)
    engine = db.get_engine(url)
    plan_file = tmp_path / "targets.yaml"
    generate(engine, 2_000, (2024, 2025), plan_path=plan_file)
    plan = load_plan(plan_file)
    area = resolve_area(engine, plan.area)
    p = results_cache.cached_progress(
        engine, plan_file, 2025, "FY", area.code, lambda: compute_progress(engine, plan, 2025, "FY", area.code)
    )
    (path,) = stored_files(cache_dir)
    as_objects = len(pickle.dumps(replace(p, rows=tuple(p.rows)), protocol=5))
    stored = path.stat().st_size
    assert len(p.rows) > 2_000 * len(plan.indicators)
    assert stored < as_objects / 2, (stored, as_objects)
    seen: list[str] = []
    again = results_cache.cached_progress(
        engine, plan_file, 2025, "FY", area.code, lambda: compute_progress(engine, plan, 2025, "FY", area.code),
        on_source=seen.append,
    )  # fmt: skip
    assert seen == ["file"] and [repr(r) for r in again.rows] == [repr(r) for r in p.rows]
