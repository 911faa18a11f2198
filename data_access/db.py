"""The one place that turns configuration into a database engine.

`DATABASE_URL` (any SQLAlchemy URL; `postgresql://…` is served by psycopg 3) picks the
database. Without it the app uses an embedded SQLite file in `.data/` (git-ignored) that
is created, migrated and seeded with the sample district on first use, so a new user
needs nothing else.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError, IntegrityError, InterfaceError, OperationalError, SQLAlchemyError

from i18n import Explained

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = REPO_ROOT / ".data" / "dashboard.sqlite"
_ready_lock = threading.Lock()
_ready: set[str] = set()


# The driver's errors when the database went away mid-session (pages say it plainly).
CONNECTION_LOST: tuple[type[Exception], ...] = (OperationalError, InterfaceError)


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached or is not set up; `url` has the password masked."""

    def __init__(self, url: str, reason: str, needs_init: bool = False) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.needs_init = needs_init


class DatabaseWriteFailed(Explained, RuntimeError):
    """A write was refused or failed before anything was stored: the SQLite file is
    read-only, was deleted or replaced while the server ran, or the write itself failed
    (disk full, database gone). The server stays up; nothing was written."""


# SQLite file -> (st_dev, st_ino) when this process first opened it: a file deleted or
# replaced behind the server's back is noticed before the next write, instead of writes
# going into a deleted inode (and vanishing at the next restart).
_sqlite_identity: weakref.WeakKeyDictionary[Engine, tuple[str, tuple[int, int]]] = weakref.WeakKeyDictionary()


def _file_identity(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def ensure_writable(engine: Engine) -> None:
    """Raise `DatabaseWriteFailed` unless the engine's SQLite file is the one this process
    opened and may be written (PostgreSQL: nothing to check here). Cheap: two stat calls."""
    known = _sqlite_identity.get(engine)
    if known is None:
        return
    path, identity = known
    now = _file_identity(path)
    if now is None:
        raise DatabaseWriteFailed("hardening_db_vanished", file=path)
    if now != identity:
        raise DatabaseWriteFailed("hardening_db_replaced", file=path)
    folder = os.path.dirname(path) or "."
    if not os.access(path, os.W_OK) or not os.access(folder, os.W_OK):
        # WAL mode also writes <file>-wal and -shm beside it; a read-only file or folder
        # has crashed the SQLite library itself ("Bus error"), so it is never tried.
        raise DatabaseWriteFailed("hardening_db_read_only", file=path)


@contextmanager
def guarded_write(engine: Engine) -> Iterator[None]:
    """Around a write transaction: checks the file first, turns a failed write (read-only,
    disk full, connection lost) into `DatabaseWriteFailed`. The transaction inside rolls
    back on its own, so nothing is written."""
    ensure_writable(engine)
    try:
        yield
    except IntegrityError:
        raise  # a key taken meanwhile: the caller names the figures (ImportConflict)
    except DatabaseError as exc:
        raise DatabaseWriteFailed("hardening_db_write_failed", reason=_short_reason(exc)) from exc


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
        if path and path.startswith("file:"):  # an SQLite URI (`?mode=ro&uri=true`)
            path = path[len("file:") :].split("?")[0]
        file_path = path if path and path != ":memory:" else None
        if file_path:
            Path(file_path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
            if file_path and engine not in _sqlite_identity:
                identity = _file_identity(file_path)
                if identity is not None:
                    _sqlite_identity[engine] = (file_path, identity)
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
        if is_embedded(url):
            # Both samples (the 2024 districts and the post-reform Bắc Ninh), including
            # into an embedded database made before the second existed.
            from data_access.seed import seed_missing_samples

            seed_missing_samples(engine)
        _ready.add(url)
    return engine


def _short_reason(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__


# After this many figures written at once, the planner's statistics are refreshed at once
# rather than when autovacuum gets to it: on PostgreSQL a freshly seeded database (no
# statistics yet) made the first overview of the new Bắc Ninh take 6 s instead of 0.8 s.
ANALYZE_AFTER_ROWS = 5_000


def refresh_planner_stats(engine: Engine) -> None:
    """`ANALYZE` (both databases): the row counts the query planner chooses its plans by.
    Cheap (PostgreSQL samples each table), and a failure only leaves the old statistics."""
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    except SQLAlchemyError:
        pass  # not owner of every table, a read-only file: the plans stay as they were


def forget_ready(url: str | None = None) -> None:
    """Tests: make `ready_engine` look at the database again."""
    if url is None:
        _ready.clear()
    else:
        _ready.discard(url)
