"""Results that survive a restart (issue 14.4): a progress stored per figures, plan and
code is read back by a new process, equals a fresh evaluation, is computed again after
an import into one of its periods (and only then), and a corrupt, stale or foreign
file is ignored, never believed."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from data_access import db, results_cache
from data_access.intake import apply_import, prepare_import
from data_access.progress import Progress, compute_progress, resolve_area
from data_access.targets import load_plan

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
