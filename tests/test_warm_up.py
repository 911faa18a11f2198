"""The background warm-up: after a server start or an import, the plan area's progress
is computed once, off any page, and the pages then reuse it."""

from __future__ import annotations

import streamlit as st

from data_access import db, store
from tests import sample_truth as truth
from ui import data


def test_warm_up_computes_the_area_once_and_the_page_reuses_it(monkeypatch, seeded_url):
    monkeypatch.setenv("DATABASE_URL", seeded_url)
    st.cache_data.clear()
    st.cache_resource.clear()
    calls: list[tuple[int, str, str]] = []
    real = store.compute_progress

    def counting(engine, plan, year, period, area_code=None):
        calls.append((year, period, area_code))
        return real(engine, plan, year, period, area_code)

    monkeypatch.setattr(store, "compute_progress", counting)  # what the store computes with
    db.ready_engine(seeded_url)
    plan = data.load_plan_or_errors()
    area = data.plan_area(seeded_url, plan)
    thread = data.warm_up(seeded_url, plan, 2024)
    assert thread is not None
    thread.join(timeout=60)
    assert sorted(calls) == [(2023, "FY", area.code), (2024, "FY", area.code)]
    # Asked again for the same data version: nothing more to do.
    assert data.warm_up(seeded_url, plan, 2024) is None
    # What a page asks for is already there, and it is the right answer.
    path, mtime = data._file_key(data.targets_file())
    version = data.data_version(seeded_url)
    progress = data._progress(data.AreaView(seeded_url, area.code, 2024, "FY", version), (path, mtime))
    assert len(calls) == 2
    cfc = progress.row("cfc_rate")
    expected = next(r for r in truth.rows(2024, "FY") if r.is_area and r.indicator_id == "cfc_rate")
    assert (cfc.value, cfc.status) == (expected.value, expected.status)


def test_a_run_that_imported_modules_leaves_them_out_of_later_collections(monkeypatch, seeded_url):
    """What a page's first visit imported (Streamlit, pandas, ours: ~270,000 objects) is
    moved out of the collector's reach (`gc.freeze`): a full collection walking it again
    was ~0.1 s of a cold page. A run that imported nothing new freezes nothing."""
    import gc

    from tests.apptest_util import run_app
    from ui import frame

    gc.unfreeze()
    monkeypatch.setattr(frame, "_frozen_at_modules", 0)
    assert gc.get_freeze_count() == 0
    at = run_app(monkeypatch, seeded_url, "help")
    assert not at.exception
    frozen = gc.get_freeze_count()
    assert frozen > 100_000
    run_app(monkeypatch, seeded_url, "help")  # may import what the first run put off
    frozen = gc.get_freeze_count()
    run_app(monkeypatch, seeded_url, "help")
    assert gc.get_freeze_count() <= frozen  # nothing new imported: nothing more kept
