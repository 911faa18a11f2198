"""Evaluated progress that survives a restart: one local file per (database, plan,
area, year, period), used only while the figures it was computed from are unchanged.

Why: at national size a `Progress` takes seconds to compute (benchmarks/RESULTS.md),
and every server start or deployment made the first visitor wait for it. Loading the
stored result instead takes a fraction of that. Nothing here may ever show a wrong
answer, so a file is used only when its *fingerprint* equals the one computed now from
the database and the code:

* the figures of the two periods a progress reads, (year, period) and (year - 1,
  period), each as COUNT, SUM(value) and MAX(updated_at) over `data_value` (the covering
  index answers it; the importer stamps `updated_at` on every insert and update, so a
  changed figure moves the newest stamp, a deleted one the count): an import into one
  period leaves every other period's files valid;
* every org unit (code, name, path, validity, ...) and every merger row, hashed: a new
  unit, a rename or a lineage edit invalidates everything, as it should;
* the plan file's bytes, the database's identity, and the source of the modules that
  compute a progress (a new release never reads an old release's file).

A file that is corrupt, truncated, written by another release, signed with another key,
not owned by this user or writable by others is ignored (and replaced by the next
computation), never trusted: the payload is a pickle, so it is signed with a keyed
BLAKE2b whose key lives in the cache directory (0700, key 0600), and checked before it is
unpickled. Writes go to a temporary file renamed into place, so a reader sees either
the old file or the new one.

Settings: `RESULTS_CACHE_DIR` (default `.data/results-cache`; `off` disables it) and
`RESULTS_CACHE_MIN_SECONDS` (default 1.0: a result that took less to compute is not
worth a file; the sample district takes ~0.05 s).
"""

from __future__ import annotations

import gc
import hashlib
import hmac
import logging
import os
import pickle
import secrets
import stat
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text

from data_access import db

if TYPE_CHECKING:
    from collections.abc import Iterator

    from data_access.progress import Progress

# 2: commune rows stored as columns (`rules.columnar.PlanRows`), not as row objects; a
# file of format 1 is ignored (and replaced), never unpickled.
FORMAT = b"CPD-RESULTS-2\n"
_DIGEST = 32
_LOG = logging.getLogger(__name__)
# The modules whose code decides what a Progress holds: a change to any invalidates every file.
_CODE_FILES = ("data_access/progress.py", "data_access/queries.py", "data_access/place_resolution.py")
_CODE_DIRS = ("rules",)


@dataclass(frozen=True)
class Settings:
    directory: Path | None  # None: disabled
    min_seconds: float


def settings() -> Settings:
    raw = os.environ.get("RESULTS_CACHE_DIR", "").strip()
    directory = (
        None if raw.lower() in ("off", "0", "none") else Path(raw) if raw else db.REPO_ROOT / ".data" / "results-cache"
    )
    try:
        min_seconds = float(os.environ.get("RESULTS_CACHE_MIN_SECONDS", "1.0"))
    except ValueError:
        min_seconds = 1.0
    return Settings(directory, min_seconds)


@lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of the source that computes a progress (read once per process)."""
    h = hashlib.sha256()
    files = [db.REPO_ROOT / f for f in _CODE_FILES]
    for d in _CODE_DIRS:
        files += sorted((db.REPO_ROOT / d).glob("*.py"))
    for path in files:
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _database_identity(engine: Engine) -> str:
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database:
        try:  # the same path with another file behind it (restored, replaced) is another database
            st = os.stat(url.database)
            return f"sqlite:{os.path.realpath(url.database)}:{st.st_dev}:{st.st_ino}"
        except OSError:
            return f"sqlite:{url.database}"
    return url.render_as_string(hide_password=True)


def period_stamp(engine: Engine, year: int, period: str) -> tuple:
    """What changes whenever a figure of (year, period) is inserted, updated or deleted."""
    with engine.connect() as conn:
        count, total, newest = conn.execute(
            text("SELECT COUNT(*), SUM(value), MAX(updated_at) FROM data_value WHERE year = :y AND period = :p"),
            {"y": year, "p": period},
        ).one()
    return int(count), repr(float(total or 0)), str(newest)


def places_stamp(engine: Engine) -> str:
    """A hash of every unit and merger row (not the boundaries: a progress holds none)."""
    h = hashlib.sha256()
    with engine.connect() as conn:
        for sql in (
            "SELECT id, code, name, full_name, type, level, parent_id, path, depth, valid_from, valid_to "
            "FROM org_unit ORDER BY id",
            "SELECT old_unit_id, new_unit_id, effective_date, share FROM org_unit_merger "
            "ORDER BY old_unit_id, new_unit_id",
        ):
            for row in conn.exec_driver_sql(sql):
                h.update(repr(tuple(str(v) for v in row)).encode())
            h.update(b"|")
    return h.hexdigest()


def fingerprint(engine: Engine, plan_bytes: bytes, year: int, period: str, area_code: str) -> str:
    """Everything a stored progress depends on, as one hash (taken BEFORE computing it:
    an import landing during the computation then makes the stored file stale, not wrong)."""
    parts = (
        FORMAT.decode(),
        code_version(),
        _database_identity(engine),
        hashlib.sha256(plan_bytes).hexdigest(),
        year,
        period,
        area_code,
        period_stamp(engine, year, period),
        period_stamp(engine, year - 1, period),
        places_stamp(engine),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _slot(directory: Path, engine: Engine, plan_file: Path, year: int, period: str, area_code: str) -> Path:
    """One file per question: a newer answer replaces the older, so the directory stays small."""
    key = repr((_database_identity(engine), str(plan_file), year, period, area_code)).encode()
    return directory / f"progress-{hashlib.sha256(key).hexdigest()[:32]}.bin"


def _safe_dir(directory: Path, create: bool) -> bool:
    """The directory is ours and nobody else may write into it."""
    try:
        if create:
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = directory.stat()
    except OSError:
        return False
    return st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _key(directory: Path, create: bool) -> bytes | None:
    path = directory / "key"
    try:
        st = path.stat()
        if st.st_uid != os.getuid() or st.st_mode & 0o077:
            return None
        key = path.read_bytes()
        return key if len(key) == 32 else None
    except FileNotFoundError:
        if not create:
            return None
    except OSError:
        return None
    key = secrets.token_bytes(32)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".key-")
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, key)
        os.close(fd)
        os.link(tmp, path)  # fails if another process made one meanwhile: then use theirs
    except FileExistsError:
        return _key(directory, create=False)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return key


def _sign(key: bytes, body: bytes) -> bytes:
    return hashlib.blake2b(body, key=key, digest_size=_DIGEST).digest()


_gc_lock = threading.Lock()
_gc_depth = 0
_gc_was_enabled = True


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while hundreds of thousands of acyclic row objects
    are made: each full collection walks every object alive (a national server's other
    progress included), measured at 0.5–2.4 s per national progress. Nested and
    concurrent uses are counted, so the collector comes back once the last one ends."""
    global _gc_depth, _gc_was_enabled
    with _gc_lock:
        if _gc_depth == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_depth += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_depth -= 1
            if _gc_depth == 0 and _gc_was_enabled:
                gc.enable()


def load(path: Path, expected: str, key: bytes) -> Progress | None:
    """The stored progress if the file is intact, signed with `key` and of `expected`'s
    fingerprint; else None (never an exception: a bad file is only a missed shortcut)."""
    try:
        st = path.stat()
        if st.st_uid != os.getuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return None
        blob = path.read_bytes()
    except OSError:
        return None
    head = len(FORMAT)
    if len(blob) < head + _DIGEST + 64 or not blob.startswith(FORMAT):
        return None
    digest, body = blob[head : head + _DIGEST], blob[head + _DIGEST :]
    if not hmac.compare_digest(digest, _sign(key, body)):
        return None
    stored, payload = body[:64].decode("ascii", "replace"), body[64:]
    if stored != expected:
        return None  # stale: the figures, places, plan or code have changed since
    try:
        with gc_paused():
            progress = pickle.loads(payload)  # signed by this server, checked above
    except Exception:  # a file of another release's classes: recompute
        _LOG.warning("results cache: %s could not be read, ignored", path.name)
        return None
    from data_access.progress import Progress
    from rules.columnar import FigureMatrix

    if not isinstance(progress, Progress):
        return None
    for m in (progress.figures, progress.previous_figures):
        if isinstance(m, FigureMatrix):
            m.array.flags.writeable = False  # shared read-only across sessions, as when computed
    return progress


def store(path: Path, fp: str, key: bytes, progress: Progress) -> None:
    body = fp.encode("ascii") + pickle.dumps(progress, protocol=5)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".progress-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(FORMAT + _sign(key, body) + body)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def cached_progress(
    engine: Engine,
    plan_file: Path,
    year: int,
    period: str,
    area_code: str,
    compute: Callable[[], Progress],
    *,
    on_source: Callable[[str], None] | None = None,
) -> Progress:
    """The progress from its file when still valid, else `compute()` (stored when it took
    at least RESULTS_CACHE_MIN_SECONDS). `on_source("file" | "computed")` says which."""
    conf = settings()
    directory = conf.directory
    fp = path = None
    try:
        if directory is not None:
            fp = fingerprint(engine, plan_file.read_bytes(), year, period, area_code)
            path = _slot(directory, engine, plan_file, year, period, area_code)
            key = _key(directory, create=False) if _safe_dir(directory, create=False) else None
            found = load(path, fp, key) if key is not None else None
            if found is not None:
                if on_source:
                    on_source("file")
                return found
    except Exception:  # the cache is a shortcut: whatever fails here, compute instead
        _LOG.exception("results cache: lookup failed")
        fp = None
    started = time.perf_counter()
    with gc_paused():
        progress = compute()
    took = time.perf_counter() - started
    if on_source:
        on_source("computed")
    if directory is not None and fp is not None and path is not None and took >= conf.min_seconds:
        try:  # the directory and its key are made by the first result worth keeping
            key = _key(directory, create=True) if _safe_dir(directory, create=True) else None
            if key is not None:
                store(path, fp, key, progress)
        except Exception:  # a full disk or a read-only directory: the page still gets its answer
            _LOG.exception("results cache: could not store %s", path.name)
    return progress
