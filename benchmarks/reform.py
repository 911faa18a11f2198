"""The 2025 reform's two measured promises (issue 12, "Done when"), on both databases.

1. Loading the whole official list (`places load-official`: both eras, every province,
   the lineage between them) into an empty database takes under 30 s.
2. The overview of the new Bắc Ninh province (99 communes, its 2026 plan, figures carried
   from 319 old communes; then again with the whole official list loaded beside the
   samples, as a deployment has it) stays within the province size's cold and warm server times
   (250 communes, 17 districts: `benchmarks.run`'s cached database), measured in the same
   run, since the machine is shared and only same-run ratios mean anything.

    .venv/bin/python -m benchmarks.reform                 # both databases
    .venv/bin/python -m benchmarks.reform --backends sqlite
    .venv/bin/python -m benchmarks.reform --runs 5        # the median of 5 per view

Prints a Markdown table; `RESULTS.md`'s "2025 reform" section is written from it by hand.
Each measurement runs in its own process, as a fresh server would; with `--runs N` each
view is measured N times, the views taking turns (one of each, then again), so a burst of
load on the shared machine hits them all alike, and the median of each is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
LOAD_GOAL_S = 30.0
WARM_RUNS = 3


def _pg_database(name: str, create: bool = True) -> str:
    """URL of a PostgreSQL database `name`, dropped first (and created when `create`)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)


def empty_database(backend: str, work: Path, name: str) -> str:
    """A new database with the current schema and nothing in it."""
    from data_access import db, migrations

    url = f"sqlite:///{work / (name + '.sqlite')}" if backend == "sqlite" else _pg_database(name)
    migrations.upgrade(db.get_engine(url))
    return url


def worker_load_official(url: str) -> dict:
    """Time `load_official` of everything into the empty database at `url`."""
    from sqlalchemy import text

    from data_access import db
    from data_access.places import load_official, official_source

    engine = db.get_engine(url)
    started = time.perf_counter()
    result, _ = load_official(engine)
    seconds = time.perf_counter() - started
    with engine.connect() as conn:
        units = conn.execute(text("SELECT COUNT(*) FROM org_unit")).scalar_one()
        lineage = conn.execute(text("SELECT COUNT(*) FROM org_unit_merger")).scalar_one()
    return {
        "seconds": round(seconds, 2),
        "units": units,
        "lineage": lineage,
        "issues": len(result.issues),
        "source": official_source(),
    }


def worker_overview(url: str, params: str, targets_file: str = "") -> dict:
    """The overview opened with the query `params` (JSON) cold, then warm in new sessions."""
    import logging

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    os.environ["DATABASE_URL"] = url
    if targets_file:
        os.environ["TARGETS_FILE"] = targets_file
    os.chdir(REPO)
    query = json.loads(params)

    def run(page: str) -> tuple[float, list[str]]:
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=600)
        for key, value in query.items():
            at.query_params[key] = value
        at.switch_page(page)
        t0 = time.perf_counter()
        at.run()
        return (time.perf_counter() - t0) * 1000, [str(e.value)[:200] for e in at.exception]

    run("pages/help.py")  # imports and the engine once, as a running server has them
    st.cache_data.clear()
    st.cache_resource.clear()
    cold, errors = run("pages/overview.py")
    warm = [run("pages/overview.py")[0] for _ in range(WARM_RUNS)]
    return {"cold_ms": round(cold), "warm_ms": round(statistics.median(warm)), "errors": errors}


def _in_process(kind: str, *args: str) -> dict:
    """Run one worker in a fresh interpreter; its JSON answer."""
    env = {**os.environ, "AUTH_MODE": "none", "ALLOW_NO_LOGIN": "1", "RESULTS_CACHE_DIR": "off"}
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.reform", "--worker", kind, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        return {"error": (out.stderr or out.stdout).strip().splitlines()[-1:] or ["?"]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def _median(answers: list[dict]) -> dict:
    """One view's runs as one answer: the median cold and warm times (the first error, if any)."""
    failed = next((a for a in answers if "error" in a or a["errors"]), None)
    if failed is not None:
        return failed
    return {
        "cold_ms": round(statistics.median(a["cold_ms"] for a in answers)),
        "warm_ms": round(statistics.median(a["warm_ms"] for a in answers)),
        "cold_range": (min(a["cold_ms"] for a in answers), max(a["cold_ms"] for a in answers)),
        "errors": [],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=3, help="measurements per view (median), taking turns")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        kind, *rest = args.worker
        answer = worker_load_official(*rest) if kind == "load" else worker_overview(*rest)
        print(json.dumps(answer))
        return 0

    from benchmarks.run import SIZES, ensure_database, plan_path, view_for
    from data_access import db
    from data_access.seed import seed_samples

    rows = []
    started_load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for backend in args.backends.split(","):
            load = _in_process("load", empty_database(backend, work, "cpd_bench_official"))
            sample = empty_database(backend, work, "cpd_bench_samples")
            seed_samples(db.get_engine(sample))
            official_db = empty_database(backend, work, "cpd_bench_samples_official")
            seed_samples(db.get_engine(official_db))
            _in_process("load", official_db)  # the whole official list beside the samples, as a deployment has it
            size = SIZES["province"]
            province_url, _ = ensure_database(size, backend)
            view = json.dumps(view_for(province_url, plan_path(size)).params())
            views = (
                (province_url, view, str(plan_path(size))),
                (sample, json.dumps({"plan": "bac_ninh_2026"})),
                (sample, json.dumps({"plan": "xa_son_dong_2026"})),
                (official_db, json.dumps({"plan": "bac_ninh_2026"})),
            )
            runs = [[_in_process("overview", *v) for v in views] for _ in range(args.runs)]
            province, bac_ninh, son_dong, official = (_median([r[i] for r in runs]) for i in range(len(views)))
            rows.append((backend, load, bac_ninh, son_dong, official, province))
            if backend == "postgresql":
                db.get_engine(sample).dispose()
                db.get_engine(official_db).dispose()
                for name in ("cpd_bench_official", "cpd_bench_samples", "cpd_bench_samples_official"):
                    _pg_database(name, create=False)
    load_avg = os.getloadavg()[0]
    print(
        f"\n2025 reform, {time.strftime('%d/%m/%Y %H:%M')} UTC, median of {args.runs} per view, "
        f"load average {started_load:.1f} at the start, {load_avg:.1f} at the end\n"
    )
    print("| backend | official list loaded | units | lineage rows | goal ≤ 30 s |")
    print("|---|---:|---:|---:|---|")
    for backend, load, *_ in rows:
        ok = "error" not in load and load["seconds"] <= LOAD_GOAL_S and not load["issues"]
        print(
            f"| {backend} | {load.get('seconds', '–')} s | {load.get('units', '–'):,} | "
            f"{load.get('lineage', '–'):,} | {'✅ met' if ok else '❌ missed ' + str(load.get('error', ''))} |"
        )
    print("\n| backend | overview | cold ms | cold min–max | warm ms | / province size cold | / warm | within |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for backend, _, bac_ninh, son_dong, official, ref in rows:
        views = (
            ("province size (250 xã, 17 huyện)", ref),
            ("Bắc Ninh 2026 (99 xã, phường)", bac_ninh),
            ("Xã Sơn Động 2026", son_dong),
            ("Bắc Ninh 2026, official list loaded (14,000 units)", official),
        )
        for label, o in views:
            if "error" in o or o["errors"] or "error" in ref:
                print(
                    f"| {backend} | {label} | – | – | – | – | – | ❌ {o.get('error') or o.get('errors') or ref.get('error')} |"
                )
                continue
            cold, warm = o["cold_ms"] / ref["cold_ms"], o["warm_ms"] / ref["warm_ms"]
            within = "✅" if cold <= 1 and warm <= 1 else "❌"
            low, high = o["cold_range"]
            print(
                f"| {backend} | {label} | {o['cold_ms']:,} | {low:,}–{high:,} | {o['warm_ms']:,} | "
                f"{cold:.2f}× | {warm:.2f}× | {within} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
