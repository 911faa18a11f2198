"""Shared fixtures: real databases on both backends, built from sample_data/ in code.

Every test that takes `seeded_url` or `empty_url` runs twice, on SQLite and on a real
PostgreSQL (a throwaway database per test run, dropped at the end). PostgreSQL is
found at TEST_POSTGRES_URL (default: postgres@127.0.0.1:5432, trust auth); if it cannot
be reached the tests fail rather than skip, because "works on PostgreSQL" is a promise.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
# The test databases are not the embedded sample: allow mode AUTH_MODE=none on them
# (the app refuses that in a real deployment; see data_access/auth.py check_startup).
os.environ.setdefault("ALLOW_NO_LOGIN", "write")  # the suite imports into throwaway databases without a login

from data_access import db, migrations  # noqa: E402
from data_access.access import SYSTEM, using_scope  # noqa: E402
from data_access.seed import seed_sample  # noqa: E402

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
RUN_ID = uuid.uuid4().hex[:8]
BACKENDS = ["sqlite", "postgresql"]


def _pg_admin():
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


class DatabaseFactory:
    """Creates throwaway databases and drops them at the end of the run."""

    def __init__(self, tmp_dir: Path) -> None:
        self.tmp_dir = tmp_dir
        self.pg_names: list[str] = []
        self.count = 0

    def new(self, backend: str, template: str | None = None) -> str:
        self.count += 1
        if backend == "sqlite":
            path = self.tmp_dir / f"db{self.count}.sqlite"
            if template:
                import shutil

                shutil.copy(make_url(template).database, path)
            return f"sqlite:///{path}"
        name = f"cpd_test_{RUN_ID}_{self.count}"
        admin = _pg_admin()
        with admin.connect() as conn:
            tmpl = f" TEMPLATE {make_url(template).database}" if template else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{tmpl}'))
        admin.dispose()
        self.pg_names.append(name)
        return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if not self.pg_names:
            return
        db.get_engine.cache_clear()  # drops pooled connections so DROP DATABASE can go ahead
        admin = _pg_admin()
        with admin.connect() as conn:
            for name in self.pg_names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def db_factory(tmp_path_factory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(tmp_path_factory.mktemp("databases"))
    yield factory
    factory.drop_all()


def _templates(db_factory, seed) -> dict[str, str]:
    """A migrated database per backend, filled by `seed`."""
    urls = {}
    for backend in BACKENDS:
        url = db_factory.new(backend)
        engine = db.get_engine(url)
        migrations.upgrade(engine)
        seed(engine)
        engine.dispose()
        db.get_engine.cache_clear()
        urls[backend] = url
    return urls


@pytest.fixture(scope="session")
def _seeded_templates(db_factory) -> dict[str, str]:
    """One migrated and seeded database per backend, built once per run."""
    return _templates(db_factory, seed_sample)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


def _fresh_copy(name: str, templates: str, doc: str):
    """A fixture `name`: a fresh copy, free to change, of the session's `templates`."""

    def fresh(request, backend, db_factory) -> str:
        return db_factory.new(backend, template=request.getfixturevalue(templates)[backend])

    fresh.__doc__ = doc
    return pytest.fixture(name=name)(fresh)


def _shared(copies: str, templates: str, url: str, doc: str):
    """Two fixtures: `copies`, one copy per backend of the session's `templates` made
    once per run, and `url`, this backend's copy, shared by tests that only read."""

    @pytest.fixture(scope="session", name=copies)
    def each_backend(request, db_factory) -> dict[str, str]:
        # Tests never connect to the templates themselves: PostgreSQL copies a template
        # only while nobody is connected to it.
        return {b: db_factory.new(b, template=request.getfixturevalue(templates)[b]) for b in BACKENDS}

    def this_backend(request, backend) -> str:
        return request.getfixturevalue(copies)[backend]

    this_backend.__doc__ = doc
    return each_backend, pytest.fixture(name=url)(this_backend)


seeded_url = _fresh_copy("seeded_url", "_seeded_templates", "A fresh copy of the seeded sample database, free to change.")
_shared_copies, shared_seeded_url = _shared(
    "_shared_copies",
    "_seeded_templates",
    "shared_seeded_url",
    "The seeded sample database for tests that only read (do not change it).",
)


@pytest.fixture
def empty_url(backend, db_factory) -> str:
    """A database with nothing in it, not even the schema."""
    return db_factory.new(backend)


@pytest.fixture(autouse=True)
def operator_scope() -> Iterator[None]:
    """Tests call the data layer as the operator at the command line does: `SYSTEM`,
    stated explicitly (the default scope is nobody; tests of scopes set their own)."""
    with using_scope(SYSTEM):
        yield


# --------------------------------------------------------------------------- both samples
# The embedded database's content: the 2024 districts and the post-reform Bắc Ninh
# province (sample_data/bac_ninh_2026). Built once per run and backend.


@pytest.fixture(scope="session")
def _both_samples_templates(db_factory) -> dict[str, str]:
    from data_access.seed import seed_samples

    return _templates(db_factory, seed_samples)


_both_samples_copies, both_samples_url = _shared(
    "_both_samples_copies",
    "_both_samples_templates",
    "both_samples_url",
    "Both samples in one database (as `./run.sh` has them), shared: do not change it.",
)
both_samples_copy = _fresh_copy(
    "both_samples_copy",
    "_both_samples_templates",
    "A fresh copy of the two-sample database, free to change (accounts, imports).",
)
