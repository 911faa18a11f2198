"""The benchmark: district, province and national scale, on SQLite and PostgreSQL, in one run.

    python -m benchmarks.run [--sizes district,province,national] [--backends sqlite,postgresql]

For every (size, backend) it measures
  * each page's server time, cold (empty data caches) and warm (another session, same
    view), in Streamlit's AppTest, beside the database's own time for the question the
    page answers (the *floor*: the SQL alone, fetched by the driver, best of 5);
  * what each page sends to the browser (WebSocket bytes) and how long headless
    Chromium takes to show it (script finished; for maps, the deck canvas drawn);
  * import throughput: a long CSV with one year (H1 and FY) of every commune, read,
    validated and written by `data_access.intake` (then removed again);
  * the server's memory (RSS) with 1 and with 10 browser sessions open.
It writes `benchmarks/RESULTS.md` (with the machine) and `benchmarks/work/results.json`.

Databases are built once by `python -m data_access generate` and cached under
`benchmarks/work/` (SQLite files) or as PostgreSQL databases `cpd_bench_<size>`,
keyed by size, years and the generator's version; `--rebuild` builds them again.
Each measurement that needs fresh process state runs in its own subprocess
(`--worker ...`), so caches and memory of one size never leak into another.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.browser import CHROMIUM, CHROMIUM_ARGS, NO_PLACEHOLDER, READY, StreamlitServer  # noqa: E402 (after the path)

WORK = REPO / "benchmarks" / "work"
RESULTS_MD = REPO / "benchmarks" / "RESULTS.md"
ANALYSIS_MD = REPO / "benchmarks" / "analysis.md"
PG_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
READY_WATCH = """
window.__lastReady = null;
window.__deckAt = null;
window.__placeholders = false;
window.__placeholdersGone = 0;
new MutationObserver(() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (app && app.getAttribute('data-test-script-state') === 'notRunning') window.__lastReady = performance.now();
  // A widget whose code is still loading is a grey placeholder: not shown yet.
  const placeholders = document.querySelector('[data-testid="stSkeleton"]') !== null;
  if (window.__placeholders && !placeholders) window.__placeholdersGone = performance.now();
  window.__placeholders = placeholders;
  if (window.__deckAt === null && document.querySelector('[data-testid="stDeckGlJsonChart"] canvas')) {
    window.__deckAt = performance.now();
  }
}).observe(document, {subtree: true, childList: true, attributes: true, attributeFilter: ['data-test-script-state']});
"""


@dataclass(frozen=True)
class Size:
    name: str
    communes: int
    first: int
    last: int


SIZES = {
    "district": Size("district", 17, 2016, 2025),
    "province": Size("province", 250, 2016, 2025),
    "national": Size("national", 10_600, 2016, 2025),
}
BACKENDS = ("sqlite", "postgresql")
GOALS = {
    "warm_ms": 100,
    "cold_ms": 1000,
    "cold_over_floor": 1.5,
    "map_mb": 5.0,
    "map_draw_s": 3.0,
    "import_per_s": 20_000,
    "session_mb": 20.0,
}
WARM_RUNS = 3
FLOOR_RUNS = 5
RATIO_MIN_FLOOR_MS = 10  # the "cold ≤ 1.5× floor" goal is judged on pages whose floor is at least this
PAGE_TIMEOUT_S = 90  # the browser waits this long for a page, then records a time-out


# --- the databases ----------------------------------------------------------------------


def _generator_version() -> int:
    from data_access.generate import GENERATOR_VERSION

    return GENERATOR_VERSION


def db_url(size: Size, backend: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{WORK / f'{size.name}.sqlite'}"
    from sqlalchemy.engine import make_url

    return make_url(PG_ADMIN_URL).set(database=f"cpd_bench_{size.name}").render_as_string(hide_password=False)


def plan_path(size: Size) -> Path:
    return WORK / f"{size.name}_targets.yaml"


def _marker(size: Size, backend: str) -> Path:
    return WORK / f"{size.name}_{backend}.json"


def _wanted_marker(size: Size) -> dict:
    return {"communes": size.communes, "years": [size.first, size.last], "generator": _generator_version()}


def _pg_admin():
    from sqlalchemy import create_engine

    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


def _pg_exists(name: str) -> bool:
    from sqlalchemy import text

    engine = _pg_admin()
    with engine.connect() as conn:
        found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
    engine.dispose()
    return found is not None


def ensure_database(size: Size, backend: str, rebuild: bool = False) -> tuple[str, float | None]:
    """The cached database for (size, backend), built if missing or stale; (url, build seconds)."""
    from sqlalchemy import text

    WORK.mkdir(parents=True, exist_ok=True)
    url = db_url(size, backend)
    marker = _marker(size, backend)
    wanted = _wanted_marker(size)
    present = (WORK / f"{size.name}.sqlite").exists() if backend == "sqlite" else _pg_exists(f"cpd_bench_{size.name}")
    if not rebuild and present and marker.exists() and plan_path(size).exists():
        if json.loads(marker.read_text()).get("key") == wanted:
            _upgrade(url)  # a migration added since the build (an index, a table) applies here too
            return url, None
    print(f"  building {size.name} on {backend} ({size.communes} communes, {size.first}-{size.last}) ...", flush=True)
    if backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{WORK / f'{size.name}.sqlite'}{suffix}").unlink(missing_ok=True)
    else:
        engine = _pg_admin()
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "cpd_bench_{size.name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "cpd_bench_{size.name}"'))
        engine.dispose()
    started = time.perf_counter()
    cmd = [sys.executable, "-m", "data_access", "generate", "--communes", str(size.communes)]
    cmd += ["--years", f"{size.first}-{size.last}", "--plan", str(plan_path(size))]
    subprocess.run(cmd, cwd=REPO, env={**os.environ, "DATABASE_URL": url}, check=True)
    seconds = time.perf_counter() - started
    marker.write_text(json.dumps({"key": wanted, "built_at": _now(), "seconds": round(seconds, 1)}))
    return url, seconds


def _upgrade(url: str) -> None:
    from data_access import db, migrations

    engine = db.get_engine(url)
    if migrations.current_revision(engine) != migrations.head_revision():
        print("  upgrading the cached database to the current schema ...", flush=True)
        migrations.upgrade(engine)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
    engine.dispose()


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


# --- what each page asks the database (the floor) ---------------------------------------


@dataclass(frozen=True)
class View:
    """The view every page is opened with: the plan's area, its last year, FY."""

    area: str
    area_path: str
    year: int
    period: str
    commune: str
    commune_id: int
    indicator: str
    plan_elements: tuple[str, ...]
    indicator_elements: tuple[str, ...]
    years: tuple[int, ...]

    def params(self) -> dict[str, str]:
        return {
            "area": self.area,
            "year": str(self.year),
            "period": self.period,
            "commune": self.commune,
            "indicator": self.indicator,
        }


def view_for(url: str, plan_file: Path) -> View:
    from sqlalchemy import text

    from data_access import db
    from data_access.progress import resolve_area
    from data_access.targets import load_plan

    plan = load_plan(plan_file)
    engine = db.get_engine(url)
    area = resolve_area(engine, plan.area)
    with engine.connect() as conn:
        path = conn.execute(text("SELECT path FROM org_unit WHERE code = :c"), {"c": area.code}).scalar_one()
        cid, ccode = conn.execute(
            text("SELECT id, code FROM org_unit WHERE path LIKE :p AND level = 'commune' ORDER BY code LIMIT 1"),
            {"p": path + "%"},
        ).one()
    ind = next(i for i in plan.indicators if i.id == "safe_home_rate")
    elements = tuple(e for e in plan.used_data_elements() if e != "communes")
    ind_elements = tuple(e for e in (ind.numerator, ind.denominator) if e and e != "communes")
    return View(area.code, path, max(plan.years), "FY", ccode, cid, ind.id, elements, ind_elements, tuple(plan.years))


def _in(name: str, values: tuple) -> tuple[str, dict]:
    keys = {f"{name}{i}": v for i, v in enumerate(values)}
    return "(" + ", ".join(f":{k}" for k in keys) + ")", keys


def floor_queries(v: View) -> dict[str, tuple[str, dict]]:
    """SQL for the question behind each page; the rows a page needs, nothing more."""
    des, des_p = _in("de", v.plan_elements)
    ind, ind_p = _in("ie", v.indicator_elements)
    base = {"prefix": v.area_path + "%", "y": v.year, "py": v.year - 1, "p": v.period}
    join = "FROM data_value dv JOIN org_unit ou ON ou.id = dv.org_unit_id WHERE ou.path LIKE :prefix"
    per_commune_2y = (
        f"SELECT dv.org_unit_id, dv.data_element_id, dv.year, dv.value {join} "
        f"AND dv.year IN (:y, :py) AND dv.period = :p AND dv.data_element_id IN {des}",
        {**base, **des_p},
    )
    area_sums_2y = (
        f"SELECT dv.year, dv.data_element_id, SUM(dv.value), COUNT(*) {join} "
        f"AND dv.year IN (:y, :py) AND dv.period = :p AND dv.data_element_id IN {des} "
        "GROUP BY dv.year, dv.data_element_id",
        {**base, **des_p},
    )
    return {
        # the scorecard and the commune x indicator grid: every commune's plan figures, now and a year ago
        "overview": per_commune_2y,
        "whatif": per_commune_2y,
        "reports": per_commune_2y,
        # slides: area totals and the communes off track
        "projector": per_commune_2y,
        # one indicator: every commune now and a year ago, and the area's trend over the years
        "indicator": (
            f"SELECT dv.org_unit_id, dv.data_element_id, dv.year, dv.value {join} "
            f"AND dv.year IN (:y, :py) AND dv.period = :p AND dv.data_element_id IN {ind} "
            "UNION ALL "
            f"SELECT NULL, dv.data_element_id, dv.year, SUM(dv.value) {join} "
            f"AND dv.period = :p AND dv.data_element_id IN {ind} GROUP BY dv.year, dv.data_element_id",
            {**base, **ind_p},
        ),
        # one indicator's figures per commune and the shapes drawn
        "map": (
            f"SELECT dv.org_unit_id, dv.data_element_id, dv.value {join} "
            f"AND dv.year = :y AND dv.period = :p AND dv.data_element_id IN {ind} "
            "UNION ALL SELECT ou.id, ou.boundary, NULL FROM org_unit ou "
            "WHERE ou.path LIKE :prefix AND ou.level = 'commune'",
            {**base, **ind_p},
        ),
        # one commune: its plan figures for every year, both periods
        "commune": (
            "SELECT data_element_id, year, period, value FROM data_value WHERE org_unit_id = :cid "
            f"AND data_element_id IN {des}",
            {"cid": v.commune_id, **des_p},
        ),
        # reporting status: figures per commune for each period of the plan years
        "completeness": (
            f"SELECT dv.org_unit_id, dv.year, dv.period, COUNT(*) {join} "
            f"AND dv.year BETWEEN :y0 AND :y AND dv.data_element_id IN {des} "
            "GROUP BY dv.org_unit_id, dv.year, dv.period",
            {**base, "y0": min(v.years), **des_p},
        ),
        # data quality: the period's figures (and the other period of the year) per commune
        "quality": (
            f"SELECT dv.org_unit_id, dv.data_element_id, dv.year, dv.period, dv.value {join} "
            f"AND dv.year IN (:y, :py) AND dv.data_element_id IN {des}",
            {**base, **des_p},
        ),
        "audit": ("SELECT * FROM audit_log ORDER BY changed_at DESC LIMIT 200", {}),
        "import": ("SELECT * FROM import_batch ORDER BY imported_at DESC LIMIT 20", {}),
        "locks": ("SELECT * FROM period_lock ORDER BY year DESC, period", {}),
        "help": ("SELECT 1", {}),
        "_area_sums": area_sums_2y,
    }


def measure_floors(url: str, v: View) -> dict[str, float]:
    """Best of FLOOR_RUNS (after one warm-up) of each page's SQL, executed and fetched, in ms."""
    from sqlalchemy import text

    from data_access import db

    engine = db.get_engine(url)
    out = {}
    with engine.connect() as conn:
        for page, (sql, params) in floor_queries(v).items():
            times = []
            for _ in range(FLOOR_RUNS + 1):
                t0 = time.perf_counter()
                conn.execute(text(sql), params).fetchall()
                times.append((time.perf_counter() - t0) * 1000)
            out[page] = round(min(times[1:]), 1)
    return out


# --- worker: server time in AppTest -----------------------------------------------------


def worker_apptest(size: Size, backend: str) -> dict:
    """Every page cold (data caches cleared) and warm (a new session, same view)."""
    import logging

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from ui.frame import PAGES

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    url = db_url(size, backend)
    os.environ["DATABASE_URL"] = url
    os.environ["TARGETS_FILE"] = str(plan_path(size))
    os.chdir(REPO)
    v = view_for(url, plan_path(size))
    floors = measure_floors(url, v)

    # AppTest discovers installed components on every new AppTest (~0.3-1 s of reading
    # package metadata); a server does that once at start, so share one discovery.
    from streamlit.components.v2.component_manager import BidiComponentManager

    components = BidiComponentManager()
    components.discover_and_register_components(start_file_watching=False)

    def run(page_path: str) -> tuple[float, list[str]]:
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=900)
        at._bidi_component_manager = components
        for key, value in v.params().items():
            at.query_params[key] = value
        at.switch_page(page_path)
        t0 = time.perf_counter()
        at.run()
        elapsed = (time.perf_counter() - t0) * 1000
        return elapsed, [str(e.value)[:300] for e in at.exception]

    run("pages/help.py")  # imports and the engine, once, as a running server has them
    pages = {}
    wanted = set(filter(None, os.environ.get("BENCH_PAGES", "").split(",")))
    for spec in PAGES:
        if wanted and spec.key not in wanted:
            continue
        st.cache_data.clear()
        st.cache_resource.clear()
        cold, errors = run(spec.path)
        # a slow page gets one warm run, not three, so the national run stays within the hour
        warm = [run(spec.path)[0] for _ in range(WARM_RUNS if cold < 5000 else 1)]
        pages[spec.key] = {
            "cold_ms": round(cold, 1),
            "warm_ms": round(statistics.median(warm), 1),
            "floor_ms": floors.get(spec.key),
            "errors": errors,
        }
        print(f"    {spec.key:13s} cold {cold:8.0f} ms  warm {pages[spec.key]['warm_ms']:7.0f} ms", file=sys.stderr)
    return {"pages": pages, "floors": floors, "view": v.params()}


# --- worker: the plan's evaluation, columns against the reference --------------------------


def _best_ms(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    """Best of `runs` timings of `fn()` in ms (after a collection, so one run's garbage
    does not land on the next), and its last result."""
    import gc

    best, out = float("inf"), None
    for _ in range(runs):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        best = min(best, (time.perf_counter() - t0) * 1000)
    return round(best, 1), out


def worker_evaluation(size: Size, backend: str) -> dict:
    """The area's progress (the plan's area, its last year, FY) both ways, in one process:
    the database floor (the overview's SQL), reading the figures into dicts and into
    arrays, evaluating per commune (`rules`) and as columns (`rules.columnar`), the
    whole `compute_progress` both ways, and a what-if change; with the ratios."""
    from data_access import db, queries
    from data_access.place_resolution import period_end
    from data_access.progress import compute_progress
    from data_access.targets import load_plan
    from rules import Question, evaluate_plan_with_groups, simulate
    from rules.columnar import plan_rows_columnar
    from rules.whatif import parse_target_text

    url = db_url(size, backend)
    v = view_for(url, plan_path(size))
    floor = measure_floors(url, v)["overview"]
    engine = db.get_engine(url)
    plan = load_plan(plan_path(size))
    year, period = v.year, v.period
    on = period_end(year, period)
    keys = [(year, period), (year - 1, period)]
    needed = plan.used_data_elements()
    slow = 1 if size.communes > 1000 else 3
    progress = compute_progress(engine, plan, year, period)  # warms the database's cache
    area, communes = progress.area, list(progress.communes)
    parts = queries.parts_of(engine, area.code, year, on=on)
    read_dicts, dicts = _best_ms(lambda: queries.figures_in_area(engine, area.code, keys, needed, on=on), 3)
    read_arrays, arrays = _best_ms(lambda: queries.figure_matrices(engine, area.code, keys, needed, on=on), 3)
    now, before = dicts[keys[0]], dicts[keys[1]]
    eval_ref, ref = _best_ms(
        lambda: evaluate_plan_with_groups(plan, Question(year, period, area, communes, now, before, groups=parts)),
        slow,
    )
    eval_cols, cols = _best_ms(
        lambda: plan_rows_columnar(
            plan, Question(year, period, area, communes, arrays[keys[0]], arrays[keys[1]], groups=parts)
        ),
        3,
    )
    same = [repr(r) for r in ref[0] + ref[1]] == [repr(r) for r in cols[0] + cols[1]]
    progress_ref, _ = _best_ms(lambda: compute_progress(engine, plan, year, period, reference=True), slow)
    progress_cols, _ = _best_ms(lambda: compute_progress(engine, plan, year, period), 3)
    codes = [c.code for c in communes]
    changes = []
    for k in range(7):  # a moved target and five communes assumed to meet it, per change
        t0 = time.perf_counter()
        simulate(
            plan, v.indicator, year, period, area, communes, progress.figures, progress.previous_figures,
            target_override=parse_target_text(f">= {60 + k}"), assume_met=codes[k * 11 : k * 11 + 5],
        )  # fmt: skip
        changes.append((time.perf_counter() - t0) * 1000)
    restart = _restart_measures(engine, plan, size, year, period, area.code)
    out = {
        **restart,
        "communes": len(communes),
        "rows": len(cols[0]) + len(cols[1]),
        "same_rows": same,
        "floor_ms": floor,
        "read_dicts_ms": read_dicts,
        "read_arrays_ms": read_arrays,
        "eval_reference_ms": eval_ref,
        "eval_columnar_ms": eval_cols,
        "progress_reference_ms": progress_ref,
        "progress_columnar_ms": progress_cols,
        "whatif_change_ms": round(statistics.median(changes), 1),
        "eval_speedup": round(eval_ref / eval_cols, 1) if eval_cols else None,
        "progress_speedup": round(progress_ref / progress_cols, 1) if progress_cols else None,
        "progress_over_floor": round(progress_cols / floor, 1) if floor else None,
        "progress_reference_over_floor": round(progress_ref / floor, 1) if floor else None,
    }
    print(f"    evaluation {json.dumps(out)}", file=sys.stderr)
    return out


def _restart_measures(engine, plan, size: Size, year: int, period: str, area_code: str) -> dict:
    """A second progress while the first is alive (as a server holds this year's when it
    computes last year's), with the garbage collector on and paused; then the same
    progress through the results cache: computed and stored, then read back."""
    import gc
    import shutil

    from data_access import results_cache
    from data_access.progress import compute_progress

    before = year - 1
    gc.collect()
    t0 = time.perf_counter()
    compute_progress(engine, plan, before, period, area_code)
    gc_on = (time.perf_counter() - t0) * 1000
    gc.collect()
    t0 = time.perf_counter()
    with results_cache.gc_paused():
        compute_progress(engine, plan, before, period, area_code)
    gc_off = (time.perf_counter() - t0) * 1000
    directory = WORK / "results-cache-bench"
    shutil.rmtree(directory, ignore_errors=True)
    os.environ["RESULTS_CACHE_DIR"], os.environ["RESULTS_CACHE_MIN_SECONDS"] = str(directory), "0"
    timings: dict[str, float] = {}
    for label in ("computed", "file"):
        seen: list[str] = []
        gc.collect()
        t0 = time.perf_counter()
        results_cache.cached_progress(
            engine, plan_path(size), before, period, area_code,
            lambda: compute_progress(engine, plan, before, period, area_code), on_source=seen.append,
        )  # fmt: skip
        timings[label] = (time.perf_counter() - t0) * 1000
        assert seen == [label], seen
    t0 = time.perf_counter()
    results_cache.fingerprint(engine, plan_path(size).read_bytes(), before, period, area_code)
    fp_ms = (time.perf_counter() - t0) * 1000
    size_mb = sum(f.stat().st_size for f in directory.glob("progress-*.bin")) / 1e6
    shutil.rmtree(directory, ignore_errors=True)
    return {
        "second_progress_gc_on_ms": round(gc_on, 1),
        "second_progress_gc_paused_ms": round(gc_off, 1),
        "cache_compute_and_store_ms": round(timings["computed"], 1),
        "cache_read_ms": round(timings["file"], 1),
        "cache_fingerprint_ms": round(fp_ms, 1),
        "cache_file_mb": round(size_mb, 1),
    }


# --- worker: import throughput ----------------------------------------------------------


def worker_import(size: Size, backend: str) -> dict:
    """A long CSV of every commune's H1 and FY figures for the year after the data, imported."""
    import csv
    import io
    from datetime import date

    from sqlalchemy import text

    from data_access import db
    from data_access.intake import apply_import, prepare_import
    from data_access.targets import load_plan

    url = db_url(size, backend)
    engine = db.get_engine(url)
    plan = load_plan(plan_path(size))
    year = size.last + 1
    _remove_year(engine, year)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT ou.code, dv.data_element_id, dv.period, dv.value FROM data_value dv "
                "JOIN org_unit ou ON ou.id = dv.org_unit_id WHERE dv.year = :y"
            ),
            {"y": size.last},
        ).all()
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["commune_code", "year", "period", "data_element", "value"])
    for code, de, period, value in rows:
        writer.writerow([code, year, period, de, int(value)])
    data = buf.getvalue().encode("utf-8")
    t0 = time.perf_counter()
    preview = prepare_import(
        engine, plan, data, f"bench_{size.name}_{year}.csv", max_bytes=len(data) + 1, today=date(year, 12, 31)
    )
    t1 = time.perf_counter()
    if not preview.ok:
        return {"error": [i.message("en") for i in preview.issues[:5]], "figures": len(rows)}
    result = apply_import(engine, preview, "benchmark")
    t2 = time.perf_counter()
    _remove_year(engine, year)
    figures = result.inserted + result.updated + result.unchanged
    return {
        "figures": figures,
        "inserted": result.inserted,
        "file_mb": round(len(data) / 1e6, 2),
        "validate_s": round(t1 - t0, 2),
        "write_s": round(t2 - t1, 2),
        "per_s": round(figures / (t2 - t0)),
    }


def _remove_year(engine, year: int) -> None:
    """Undo the benchmark import, so the cached database stays as generated."""
    from sqlalchemy import text

    with engine.begin() as conn:
        batches = [
            r[0]
            for r in conn.execute(
                text("SELECT DISTINCT import_id FROM audit_log WHERE year = :y AND import_id IS NOT NULL"), {"y": year}
            )
        ]
        conn.execute(text("DELETE FROM audit_log WHERE year = :y"), {"y": year})
        conn.execute(text("DELETE FROM data_value WHERE year = :y"), {"y": year})
        for b in batches:
            conn.execute(text("DELETE FROM audit_log WHERE import_id = :b"), {"b": b})
            conn.execute(text("DELETE FROM import_batch WHERE id = :b"), {"b": b})


# --- the browser: payload, time to show, memory -----------------------------------------


class Server(StreamlitServer):
    """`streamlit run app.py` on a free port, for one (size, backend) and its plan."""

    def __init__(self, url: str, targets: Path, script: str = "app.py") -> None:
        super().__init__(url, WORK, env={"TARGETS_FILE": str(targets)}, script=script, start_s=60, stop_s=15)


def _open(where, server: Server, page_key: str, params: dict[str, str], timeout_s: float = PAGE_TIMEOUT_S) -> dict:
    """Open a page in a new tab; WebSocket bytes received and seconds until it is shown.

    A page not shown within `timeout_s` is recorded as timed out (`shown_s` None), so a
    very slow page cannot stretch the whole run.
    """
    from urllib.parse import urlencode

    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    received = {"bytes": 0, "frames": 0}

    def on_ws(ws) -> None:
        def on_frame(payload) -> None:
            received["bytes"] += len(payload)
            received["frames"] += 1

        ws.on("framereceived", on_frame)

    # `where`: the browser (a new context: nothing cached, a first visit) or a context
    # shared by the visits (the app's scripts cached, as for someone who has used it before)
    tab = where.new_page() if hasattr(where, "browser") else where.new_page(viewport={"width": 1920, "height": 1080})
    tab.on("websocket", on_ws)
    # The page notes, on its own clock (ms since navigation started), when its script
    # last finished; so the harness's polling and settling waits do not count.
    tab.add_init_script(READY_WATCH)
    out: dict = {}
    try:
        tab.goto(f"{server.url}/{page_key}?{urlencode(params)}")
        tab.wait_for_selector(READY, timeout=timeout_s * 1000)
        tab.wait_for_timeout(300)  # a rerun may follow at once (URL-bound widgets, a deep link's reroute)
        tab.wait_for_selector(READY, timeout=timeout_s * 1000)
        tab.wait_for_function(NO_PLACEHOLDER, timeout=timeout_s * 1000)
        shown = tab.evaluate("() => Math.max(window.__lastReady, window.__placeholdersGone)")
        out["shown_s"] = round(shown / 1000, 2)
        if tab.locator('[data-testid="stDeckGlJsonChart"]').count():
            # drawn: a visible deck.gl canvas is there (the projector keeps one rendering
            # per screen size and hides the others) and two animation frames have passed
            tab.locator('[data-testid="stDeckGlJsonChart"] canvas:visible').first.wait_for(
                state="visible", timeout=timeout_s * 1000
            )
            frames = tab.evaluate(
                "() => new Promise(r => { const a = performance.now(); "
                "requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now() - a))) })"
            )
            deck_at = tab.evaluate("() => window.__deckAt") or shown
            out["drawn_s"] = round((max(shown, deck_at) + frames) / 1000, 2)
        out["errors"] = tab.locator('[data-testid="stException"]').count()
    except PlaywrightTimeout:
        out["shown_s"] = None
        out["timeout_s"] = timeout_s
    out["ws_kb"] = round(received["bytes"] / 1024, 1)
    return out | {"_tab": tab}


CLICK_WAIT = """
async ([t0]) => {
  const app = () => document.querySelector('[data-testid="stApp"]');
  const done = () => window.__lastReady !== null && window.__lastReady > t0
    && app() && app().getAttribute('data-test-script-state') === 'notRunning'
    && !document.querySelector('[data-testid="stSkeleton"]');
  while (!done()) await new Promise(r => setTimeout(r, 20));
  await new Promise(r => setTimeout(r, 300));   // a rerun may follow at once
  while (!done()) await new Promise(r => setTimeout(r, 20));
  return Math.max(window.__lastReady, window.__placeholdersGone) - t0;
}
"""


def _click(tab, selector: str, timeout_s: float = PAGE_TIMEOUT_S) -> float | None:
    """Click a menu link on an open page; seconds until the page it opens is shown (the
    page's own clock, from just before the click until its script last finished)."""
    try:
        link = tab.locator(selector).first
        link.wait_for(state="visible", timeout=timeout_s * 1000)
        t0 = tab.evaluate(
            "() => { window.__lastReady = null; window.__placeholdersGone = 0; return performance.now(); }"
        )
        link.click()
        ms = tab.evaluate(CLICK_WAIT, [t0])
    except Exception:  # a page that never settles: recorded as missing, the run goes on
        return None
    return round(ms / 1000, 2)


def _link_to(page_key: str) -> str:
    """The menu's link to a page, whether its href is relative (`map?area=…`) or not."""
    return ", ".join(
        f'[data-testid="stPageLink"] a[href{op}"{v}"]'
        for op, v in (("^=", f"{page_key}?"), ("$=", f"/{page_key}"), ("*=", f"/{page_key}?"), ("=", page_key))
    )


def _bare_times(context, server: Server, runs: int = 3) -> dict:
    """The bare page's time to show, and a click on its one link: medians of `runs`."""
    shown, clicks = [], []
    for _ in range(runs):
        r = _open(context, server, "", {})  # the default page lives at /
        tab = r.pop("_tab")
        shown.append(r["shown_s"])
        clicks.append(_click(tab, '[data-testid="stPageLink"] a'))
        tab.close()
    return {
        "shown_s": statistics.median(x for x in shown if x is not None),
        "click_s": statistics.median(x for x in clicks if x is not None),
    }


def worker_browser(size: Size, backend: str) -> dict:
    """Payload and time to show every page; memory with 1 and 10 sessions."""
    from playwright.sync_api import sync_playwright

    from ui.frame import PAGES

    url = db_url(size, backend)
    v = view_for(url, plan_path(size))
    params = v.params()
    out: dict = {"pages": {}}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # 1. time to show: overview and map on a server nobody has visited (cold), then every page warm
        server = Server(url, plan_path(size))
        try:
            for key in ("overview", "map"):
                r = _open(browser, server, key, params)
                r.pop("_tab").close()
                out["pages"].setdefault(key, {})["cold"] = r
            # the projector paused (play=0) on its first slide, and once more on its map slide
            visits = [(spec.key, spec.key, {"play": "0"} if spec.key == "projector" else {}) for spec in PAGES]
            visits.append(("projector_map", "projector", {"play": "0", "slide": "2"}))
            context = browser.new_context(viewport={"width": 1920, "height": 1080})
            bare = Server(url, plan_path(size), script=str(REPO / "benchmarks" / "bare_app.py"))
            try:  # the bare page first and last: the load on the machine moves during a run
                out["bare"] = {"before": _bare_times(context, bare)}
                for name, key, extra in visits:
                    r = _open(context, server, key, params | extra)
                    tab = r.pop("_tab")
                    if name == "overview":  # a click on the menu: overview -> map, map -> commune
                        r["click_map_s"] = _click(tab, _link_to("map"))
                        r["click_commune_s"] = _click(tab, _link_to("commune"))
                    tab.close()
                    out["pages"].setdefault(name, {})["warm"] = r
                    print(f"    browser {name:13s} {r}", file=sys.stderr)
                out["bare"]["after"] = _bare_times(context, bare)
            finally:
                bare.stop()
            context.close()
        finally:
            server.stop()
        # 2. memory: a fresh server, 1 session, then 10
        server = Server(url, plan_path(size))
        try:
            tabs = [_open(browser, server, "overview", params)["_tab"]]
            time.sleep(2)
            one = server.rss_mb()
            for _ in range(9):
                tabs.append(_open(browser, server, "overview", params)["_tab"])
            time.sleep(2)
            ten = server.rss_mb()
            out["memory"] = {
                "rss_1_mb": round(one, 1),
                "rss_10_mb": round(ten, 1),
                "per_session_mb": round((ten - one) / 9, 2),
            }
            for tab in tabs:
                tab.close()
        finally:
            server.stop()
        browser.close()
    return out


# --- orchestration ----------------------------------------------------------------------


def _worker(kind: str, size: Size, backend: str, timeout: float = 3600, pages: str = "") -> dict:
    cmd = [sys.executable, "-m", "benchmarks.run", "--worker", kind, "--sizes", size.name, "--backends", backend]
    if pages:
        cmd += ["--pages", pages]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    sys.stderr.write(proc.stderr[-4000:] if proc.returncode else "".join(
        line + "\n" for line in proc.stderr.splitlines() if line.startswith("    ")
    ))  # fmt: skip
    if proc.returncode:
        return {"error": proc.stderr.strip().splitlines()[-1:] or ["failed"]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def machine() -> dict:
    info = {"python": platform.python_version(), "os": platform.platform()}
    try:
        cpu = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next(line.split(":", 1)[1].strip() for line in cpu.splitlines() if line.startswith("model name"))
    except (OSError, StopIteration):
        info["cpu"] = platform.processor()
    info["cores"] = os.cpu_count()
    info["load"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    try:
        mem = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
        info["ram_gb"] = round(int(mem.split()[1]) / 1024 / 1024, 1)
    except (OSError, StopIteration):
        pass
    import sqlite3

    import streamlit

    info["sqlite"] = sqlite3.sqlite_version
    info["streamlit"] = streamlit.__version__
    try:
        from sqlalchemy import text

        engine = _pg_admin()
        with engine.connect() as conn:
            info["postgresql"] = conn.execute(text("SHOW server_version")).scalar()
            info["pg_shared_buffers"] = conn.execute(text("SHOW shared_buffers")).scalar()
        engine.dispose()
    except Exception as exc:
        info["postgresql"] = f"unavailable ({exc.__class__.__name__})"
    try:
        info["chromium"] = subprocess.run(
            [CHROMIUM, "--version"], capture_output=True, text=True, timeout=20
        ).stdout.strip()
    except OSError:
        info["chromium"] = "not found"
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=",".join(SIZES))
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: evaluation,apptest,import,browser")
    parser.add_argument("--rebuild", action="store_true", help="build the cached databases again")
    parser.add_argument("--render", action="store_true", help="only write RESULTS.md again from work/results.json")
    parser.add_argument("--worker", choices=["apptest", "import", "browser", "evaluation"], help=argparse.SUPPRESS)
    parser.add_argument("--pages", default="", help="comma-separated page keys for the AppTest part (default: all)")
    parser.add_argument(
        "--partial",
        action="store_true",
        help="a look at some parts only: results to work/results_partial.json, RESULTS.md left as it is",
    )
    args = parser.parse_args(argv)
    # The generated data is synthetic: open it without logins (AUTH_MODE=none), as the
    # sample data is, so every page (import and locks too: `write`) is measured with the
    # whole tree in scope.
    os.environ.setdefault("ALLOW_NO_LOGIN", "write")
    from data_access.access import SYSTEM, set_current_scope

    set_current_scope(SYSTEM)  # the benchmark acts as the operator (the default scope is nobody)
    sizes = [SIZES[s] for s in args.sizes.split(",") if s]
    backends = [b for b in args.backends.split(",") if b]
    if args.worker:
        os.environ["BENCH_PAGES"] = args.pages  # the AppTest worker measures only these (all when empty)
        fn = {
            "apptest": worker_apptest,
            "import": worker_import,
            "browser": worker_browser,
            "evaluation": worker_evaluation,
        }[args.worker]
        print(json.dumps(fn(sizes[0], backends[0])))
        return 0
    if args.render:
        RESULTS_MD.write_text(render(json.loads((WORK / "results.json").read_text())), encoding="utf-8")
        return 0
    skip = set(filter(None, args.skip.split(",")))
    started = time.perf_counter()
    run = {"started": _now(), "command": _command(args), "machine": machine(), "results": {}}
    for size in sizes:
        for backend in backends:
            key = f"{size.name}/{backend}"
            print(f"== {key}", flush=True)
            _url, built = ensure_database(size, backend, args.rebuild)
            entry: dict = {"build_s": round(built, 1) if built else None}
            for part in ("evaluation", "apptest", "import", "browser"):
                if part in skip:
                    continue
                t0 = time.perf_counter()
                entry[part] = _worker(part, size, backend, pages=args.pages)
                print(f"  {part}: {time.perf_counter() - t0:.0f} s", flush=True)
            run["results"][key] = entry
    run["total_s"] = round(time.perf_counter() - started)
    if args.partial:
        (WORK / "results_partial.json").write_text(json.dumps(run, indent=1, ensure_ascii=False))
        print(f"wrote benchmarks/work/results_partial.json in {run['total_s']} s")
        return 0
    (WORK / "results.json").write_text(json.dumps(run, indent=1, ensure_ascii=False))
    RESULTS_MD.write_text(render(run), encoding="utf-8")
    print(f"wrote {RESULTS_MD.relative_to(REPO)} in {run['total_s']} s")
    return 0


def _command(args: argparse.Namespace) -> str:
    cmd = "python -m benchmarks.run"
    if args.sizes != ",".join(SIZES):
        cmd += f" --sizes {args.sizes}"
    if args.backends != ",".join(BACKENDS):
        cmd += f" --backends {args.backends}"
    if args.skip:
        cmd += f" --skip {args.skip}"
    return cmd


# --- RESULTS.md -------------------------------------------------------------------------


def _ms(x: float | None) -> str:
    return "–" if x is None else f"{x:,.0f}"


def _mark(ok: bool | None) -> str:
    return "–" if ok is None else ("✅ met" if ok else "❌ missed")


def render(run: dict) -> str:
    m = run["machine"]
    lines = [
        "# Benchmark results",
        "",
        f"Run {run['started']}, {run.get('total_s', 0) // 60} min {run.get('total_s', 0) % 60} s in all, with:",
        "",
        "```",
        f".venv/bin/{run['command'].replace('python', 'python', 1)}",
        "```",
        "",
        f"Machine: {m.get('cpu')}, {m.get('cores')} cores, {m.get('ram_gb')} GB RAM; {m.get('os')}; "
        f"Python {m.get('python')}, Streamlit {m.get('streamlit')}, SQLite {m.get('sqlite')}, "
        f"PostgreSQL {m.get('postgresql')} (shared_buffers {m.get('pg_shared_buffers', '?')}, default settings), "
        f"{m.get('chromium')}. Load average at the start: {m.get('load', '?')} (other work on the machine "
        "makes every timing slower).",
        "",
        "Sizes: "
        + "; ".join(f"{s.name} = {s.communes:,} communes, {s.first}–{s.last}" for s in SIZES.values())
        + ". Every page is opened on the plan's area (district, province or country), its last year, full year (FY).",
        "",
        "Server time is one AppTest run of the page: *cold* with every data cache cleared (a server just "
        "started, or right after an import), *warm* the median of 3 new sessions opening the same view. "
        "*Floor* is the database alone answering the page's question (the SQL for the rows the page shows, "
        "executed and fetched by the driver, best of 5); the 1.5× goal is judged on pages whose floor is at least "
        f"{RATIO_MIN_FLOOR_MS} ms. Browser columns: WebSocket bytes the page sends, "
        "seconds until headless Chromium shows it (warm server, the app's scripts already in the browser's cache; "
        "map: deck canvas drawn).",
        "",
    ]
    goal_rows: list[tuple[str, str, str, str]] = []
    for key, entry in run["results"].items():
        size, backend = key.split("/")
        lines += [f"## {size} — {backend}", ""]
        if entry.get("build_s"):
            lines += [f"Database built in this run in {entry['build_s']:.0f} s.", ""]
        apptest = entry.get("apptest", {})
        browser = entry.get("browser", {})
        if "error" in apptest:
            lines += [f"AppTest failed: {apptest['error']}", ""]
        pages = apptest.get("pages", {})
        bpages = browser.get("pages", {})
        bare = _bare_s(browser)
        if pages or bpages:
            lines += [
                "| page | cold ms | warm ms | floor ms | cold / floor | sends KB | shown s | × bare | errors |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---|",
            ]
            for page in [*pages, *(k for k in bpages if k not in pages)]:
                r = pages.get(page, {})
                b = bpages.get(page, {}).get("warm", {})
                ratio = r["cold_ms"] / r["floor_ms"] if r.get("floor_ms") else None
                shown = b.get("drawn_s", b.get("shown_s"))
                if b.get("timeout_s"):
                    shown = f"> {b['timeout_s']:.0f} (timed out)"
                errs = len(r.get("errors", [])) + (b.get("errors") or 0)
                times_bare = f"{shown / bare:.1f}×" if bare and isinstance(shown, float | int) else "–"
                lines.append(
                    f"| {page} | {_ms(r.get('cold_ms'))} | {_ms(r.get('warm_ms'))} | {'–' if r.get('floor_ms') is None else r['floor_ms']} | "
                    f"{'–' if ratio is None else f'{ratio:,.1f}×'} | {b.get('ws_kb', '–')} | {shown if shown is not None else '–'} | "
                    f"{times_bare} | {errs or ''} |"
                )
            lines.append("")
            for page, r in pages.items():
                for e in r.get("errors", []):
                    lines.append(f"- {page}: exception `{e[:200]}`")
        if bare:
            b = browser["bare"]
            lines.append(
                f"- Bare one-line Streamlit page in the same browser and run: shown in {b['before']['shown_s']} s "
                f"before the pages and {b['after']['shown_s']} s after (× bare uses the mean, {bare:.2f} s); "
                f"a click on its link {b['before']['click_s']} / {b['after']['click_s']} s."
            )
            ov = bpages.get("overview", {}).get("warm", {})
            bare_click = _bare_click_s(browser)
            for label, k in (("overview → map", "click_map_s"), ("map → commune", "click_commune_s")):
                if ov.get(k) is not None:
                    lines.append(
                        f"- Menu click {label}: shown in {ov[k]} s"
                        + (f" ({ov[k] / bare_click:.1f}× the bare page's click)." if bare_click else ".")
                    )
        for page in ("overview", "map"):
            cold = bpages.get(page, {}).get("cold")
            if cold:
                lines.append(
                    f"- First visit on a fresh server, {page}: shown in {cold.get('drawn_s', cold.get('shown_s'))} s, "
                    f"{cold.get('ws_kb')} KB sent."
                )
        imp = entry.get("import", {})
        if imp:
            if "error" in imp:
                lines.append(f"- Import failed: {imp['error']}")
            else:
                lines.append(
                    f"- Import: {imp['figures']:,} figures ({imp['file_mb']} MB CSV) validated in {imp['validate_s']} s "
                    f"and written in {imp['write_s']} s: **{imp['per_s']:,} figures/s**."
                )
        mem = browser.get("memory")
        if mem:
            lines.append(
                f"- Server memory: {mem['rss_1_mb']} MB with 1 session, {mem['rss_10_mb']} MB with 10: "
                f"**{mem['per_session_mb']} MB per extra session**."
            )
        if "error" in browser:
            lines.append(f"- Browser run failed: {browser['error']}")
        lines.append("")
        if size == "national":
            goal_rows += _goals(backend, pages, bpages, imp, mem)
    if goal_rows:
        lines += [
            "## Goals at national scale",
            "",
            "| backend | goal | measured | |",
            "|---|---|---|---|",
            *[f"| {b} | {g} | {m_} | {ok} |" for b, g, m_, ok in goal_rows],
            "",
        ]
    if ANALYSIS_MD.exists():
        lines += [ANALYSIS_MD.read_text(encoding="utf-8").strip(), ""]
    return "\n".join(lines)


def _bare_s(browser: dict) -> float | None:
    """The bare page's time to show: the mean of the medians before and after the pages."""
    b = browser.get("bare") or {}
    times = [x["shown_s"] for x in (b.get("before"), b.get("after")) if x and x.get("shown_s")]
    return sum(times) / len(times) if times else None


def _bare_click_s(browser: dict) -> float | None:
    b = browser.get("bare") or {}
    times = [x["click_s"] for x in (b.get("before"), b.get("after")) if x and x.get("click_s")]
    return sum(times) / len(times) if times else None


def _goals(backend: str, pages: dict, bpages: dict, imp: dict, mem: dict | None) -> list[tuple[str, str, str, str]]:
    rows = []
    if pages:
        warm = max(pages.items(), key=lambda kv: kv[1]["warm_ms"])
        cold = max(pages.items(), key=lambda kv: kv[1]["cold_ms"])
        rows.append(
            (
                backend,
                f"every page warm ≤ {GOALS['warm_ms']} ms",
                f"worst {warm[0]} {_ms(warm[1]['warm_ms'])} ms",
                _mark(warm[1]["warm_ms"] <= GOALS["warm_ms"]),
            )
        )
        rows.append(
            (
                backend,
                f"every page cold ≤ {GOALS['cold_ms']} ms",
                f"worst {cold[0]} {_ms(cold[1]['cold_ms'])} ms",
                _mark(cold[1]["cold_ms"] <= GOALS["cold_ms"]),
            )
        )
        # judged where the database does real work; a page whose question costs the
        # database almost nothing is held to the absolute cold goal instead
        ratios = {
            k: r["cold_ms"] / r["floor_ms"] for k, r in pages.items() if (r.get("floor_ms") or 0) >= RATIO_MIN_FLOOR_MS
        }
        if ratios:
            worst = max(ratios.items(), key=lambda kv: kv[1])
            rows.append(
                (
                    backend,
                    f"cold ≤ {GOALS['cold_over_floor']}× floor",
                    f"worst {worst[0]} {worst[1]:,.1f}×",
                    _mark(worst[1] <= GOALS["cold_over_floor"]),
                )
            )
    m = bpages.get("map", {}).get("warm")
    if m:
        rows.append(
            (
                backend,
                f"map sends ≤ {GOALS['map_mb']} MB",
                f"{m['ws_kb'] / 1024:.2f} MB",
                _mark(m["ws_kb"] / 1024 <= GOALS["map_mb"]),
            )
        )
        drawn = m.get("drawn_s", m.get("shown_s"))
        text = f"{drawn} s" if drawn is not None else f"> {m.get('timeout_s')} s (timed out)"
        rows.append(
            (
                backend,
                f"map drawn ≤ {GOALS['map_draw_s']} s",
                text,
                _mark(drawn is not None and drawn <= GOALS["map_draw_s"]),
            )
        )
    if imp and "per_s" in imp:
        rows.append(
            (
                backend,
                f"import ≥ {GOALS['import_per_s']:,} figures/s",
                f"{imp['per_s']:,}/s",
                _mark(imp["per_s"] >= GOALS["import_per_s"]),
            )
        )
    if mem:
        rows.append(
            (
                backend,
                f"≤ {GOALS['session_mb']} MB per extra session",
                f"{mem['per_session_mb']} MB",
                _mark(mem["per_session_mb"] <= GOALS["session_mb"]),
            )
        )
    return rows  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
