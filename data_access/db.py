"""The one place that turns configuration into a database engine.

`DATABASE_URL` (any SQLAlchemy URL; `postgresql://…` is served by psycopg 3) picks the
database. Without it the app uses an embedded SQLite file in `.data/` (git-ignored) that
is created, migrated and seeded with the sample district on first use, so a new user
needs nothing else.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = REPO_ROOT / ".data" / "dashboard.sqlite"
_ready_lock = threading.Lock()
_ready: set[str] = set()


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached or is not set up; `url` has the password masked."""

    def __init__(self, url: str, reason: str, needs_init: bool = False) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.needs_init = needs_init


def database_url() -> str:
    """The configured URL, or the embedded SQLite file."""
    url = os.environ.get("DATABASE_URL", "").strip()
    return url or f"sqlite:///{DEFAULT_SQLITE_PATH}"


def is_embedded(url: str) -> bool:
    return normalise_url(url) == normalise_url(f"sqlite:///{DEFAULT_SQLITE_PATH}")


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def masked_url(url: str) -> str:
    """The URL with any password replaced by ***, safe to show on a page."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparseable URL is shown without its credentials
        return url.split("@")[-1]


@lru_cache(maxsize=8)
def get_engine(url: str | None = None) -> Engine:
    """A pooled engine for `url` (default: `database_url()`), one per URL per process."""
    url = normalise_url(url or database_url())
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")  # readers do not block the importer
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def ready_engine(url: str | None = None) -> Engine:
    """An engine whose schema is current; the embedded database is also seeded.

    A configured (non-embedded) database is never changed behind the operator's back:
    if its schema is missing or old, `DatabaseUnavailable(needs_init=True)` says to run
    `python -m data_access init-db`.
    """
    url = url or database_url()
    engine = get_engine(url)
    if url in _ready:
        return engine
    with _ready_lock:
        if url in _ready:
            return engine
        from data_access import migrations

        try:
            current = migrations.current_revision(engine)
        except SQLAlchemyError as exc:
            raise DatabaseUnavailable(masked_url(url), _short_reason(exc)) from exc
        if current != migrations.head_revision():
            if not is_embedded(url):
                raise DatabaseUnavailable(masked_url(url), "schema not initialised", needs_init=True)
            migrations.upgrade(engine)
        if is_embedded(url) and not _has_org_units(engine):
            from data_access.seed import seed_sample

            seed_sample(engine)
        _ready.add(url)
    return engine


def _has_org_units(engine: Engine) -> bool:
    with engine.connect() as conn:
        if not inspect(conn).has_table("org_unit"):
            return False
        return conn.exec_driver_sql("SELECT 1 FROM org_unit LIMIT 1").first() is not None


def _short_reason(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__


def forget_ready(url: str | None = None) -> None:
    """Tests: make `ready_engine` look at the database again."""
    if url is None:
        _ready.clear()
    else:
        _ready.discard(url)
