"""The query planner knows the tables' sizes right after a big write (issue 12's benchmark).

Freshly seeded, a PostgreSQL database has no statistics until autovacuum comes round: the
first overview of the new Bắc Ninh then took 6 s instead of 1 s, because the planner
guessed the figures table empty. Loading places or the samples, or a large import, ends
with ANALYZE on both databases.
"""

from __future__ import annotations

from sqlalchemy import Engine

from data_access import db
from data_access.places import load_official


def _org_unit_rows_known(engine: Engine) -> float:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            return conn.exec_driver_sql("SELECT reltuples FROM pg_class WHERE relname = 'org_unit'").scalar_one()
        has_stats = conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").scalar_one()
        if not has_stats:
            return -1
        stat = conn.exec_driver_sql("SELECT stat FROM sqlite_stat1 WHERE tbl = 'org_unit' LIMIT 1").scalar()
        return float(stat.split()[0]) if stat else -1


def test_loading_the_official_list_leaves_the_planner_the_tables_sizes(empty_url):
    from data_access import migrations

    engine = db.get_engine(empty_url)
    migrations.upgrade(engine)
    assert _org_unit_rows_known(engine) <= 0  # nothing known before: the test can fail
    result, _ = load_official(engine, ["Lạng Sơn"])
    assert not result.issues and result.added > 0
    assert _org_unit_rows_known(engine) >= result.added
