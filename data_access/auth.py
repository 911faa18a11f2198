"""Logging in: configuration, argon2 passwords, lockout, sessions and user management.

Configuration (environment variables):

- `AUTH_MODE`: `none` (default: no login, the embedded sample only, a banner says so),
  `db` (accounts in the database, passwords hashed with argon2id) or `oidc`
  (`st.login` with the OpenID Connect provider configured under `[auth]` in
  `.streamlit/secrets.toml`; the e-mail it returns must belong to an account here,
  which carries the scope).
- `APP_SECRET`: required when `AUTH_MODE` is not `none` (at least 32 characters, not a
  known placeholder); it signs the session record, so a session cannot be forged.
- `LOGIN_MAX_FAILURES` (default 5) failures in a row lock a name for
  `LOGIN_LOCK_MINUTES` (default 15); `SESSION_IDLE_MINUTES` (default 30) and
  `SESSION_MAX_HOURS` (default 12) end a session.

Nothing here imports Streamlit; `ui/auth.py` draws the forms.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from types import SimpleNamespace

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, Engine, bindparam, delete, func, insert, select, text, update

from data_access import db
from data_access.access import ROLES, WHOLE_TREE, allow_no_login_on_database
from data_access.models import AppUser, AuthSession, LoginAttempt, OrgUnit, UserScope
from i18n import DEFAULT_LANG, Explained, t

AUTH_MODES: tuple[str, ...] = ("none", "db", "oidc")
MIN_SECRET_LENGTH = 32
# Placeholders people paste from examples; a deployment with one of these is refused.
KNOWN_DEFAULT_SECRETS = frozenset(
    {
        "changeme",
        "change-me",
        "change_me",
        "secret",
        "default",
        "password",
        "app_secret",
        "appsecret",
        "dev",
        "development",
        "test",
        "xxx",
        "your-secret-here",
        "please-change-this-secret",
        "replace-me-with-a-long-random-string",
    }
)
MIN_PASSWORD_LENGTH = 10
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,119}$")

_hasher = PasswordHasher()  # argon2id, RFC 9106 "low memory" parameters
_dummy_hash: str | None = None


class ConfigError(Explained, RuntimeError):
    """The app is configured in a way that is not safe to start; `.message(lang)`."""


class UserError(Explained, ValueError):
    """A user-management request that cannot be done (unknown user, weak password…)."""


# --------------------------------------------------------------------------- configuration


def _int_env(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, "") or default))
    except ValueError:
        return default


def auth_mode() -> str:
    mode = os.environ.get("AUTH_MODE", "none").strip().lower() or "none"
    if mode not in AUTH_MODES:
        raise ConfigError("auth_error_mode", mode=mode)
    return mode


def max_failures() -> int:
    return _int_env("LOGIN_MAX_FAILURES", 5)


def lock_minutes() -> int:
    return _int_env("LOGIN_LOCK_MINUTES", 15)


def session_idle() -> timedelta:
    return timedelta(minutes=_int_env("SESSION_IDLE_MINUTES", 30))


def session_max() -> timedelta:
    return timedelta(hours=_int_env("SESSION_MAX_HOURS", 12))


def secret_problem(secret: str | None) -> str | None:
    """Why a secret is not good enough (a catalogue key), or None."""
    value = (secret or "").strip()
    if not value:
        return "auth_error_secret_missing"
    if value.lower() in KNOWN_DEFAULT_SECRETS or len(set(value)) < 8:
        return "auth_error_secret_default"
    if len(value) < MIN_SECRET_LENGTH:
        return "auth_error_secret_short"
    if guessable(value):
        return "hardening_secret_low_entropy"
    return None


def guessable(value: str) -> bool:
    """True for a secret long enough but with little in it: mostly steps to the next or
    the same character ('abcdefgh…', '12345678…'), a word repeated ('passwordpassword…'),
    or under 64 bits of character entropy in all. A random hex or base64 key never is."""
    n = len(value)
    if n == 0:
        return True
    if 2 * sum(1 for a, b in pairwise(value) if abs(ord(a) - ord(b)) <= 1) >= n:
        return True
    for period in range(1, n // 2 + 1):
        if sum(1 for i in range(period, n) if value[i] == value[i - period]) >= 0.8 * (n - period):
            return True
    counts: dict[str, int] = {}
    for ch in value:
        counts[ch] = counts.get(ch, 0) + 1
    return n * -sum(c / n * math.log2(c / n) for c in counts.values()) < 64


def startup_refusal(lang: str = "vi", url: str | None = None) -> str | None:
    """The message to stop with when this configuration must not be served, else None
    (`./run.sh` checks it before starting Streamlit; the app itself too)."""
    try:
        check_startup(url)
    except ConfigError as exc:
        return exc.message(lang)
    return None


def app_secret() -> str:
    return os.environ.get("APP_SECRET", "")


def check_startup(url: str | None = None) -> str:
    """The auth mode, after refusing configurations that are unsafe to serve.

    - any mode but `none` needs a real `APP_SECRET`;
    - mode `none` runs only on the embedded sample database, unless `ALLOW_NO_LOGIN=1`
      says an operator really wants an open dashboard on their own database.
    """
    mode = auth_mode()
    if mode != "none":
        problem = secret_problem(app_secret())
        if problem:
            raise ConfigError(problem, min=MIN_SECRET_LENGTH)
    else:
        url = url or db.database_url()
        if not db.is_embedded(url) and not allow_no_login_on_database():
            raise ConfigError("auth_error_none_database", url=db.masked_url(url))
    return mode


# --------------------------------------------------------------------------- passwords


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _dummy() -> str:
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash(secrets.token_urlsafe(16))
    return _dummy_hash


def verify_password(stored: str | None, password: str) -> bool:
    """argon2 verification; an account without a hash still costs one verification
    (so timing does not say whether a name exists)."""
    try:
        return _hasher.verify(stored or _dummy(), password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_problem(password: str, username: str = "") -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return "auth_error_password_short"
    if username and password.strip().lower() == username.strip().lower():
        return "auth_error_password_username"
    if len(set(password)) < 4:
        return "auth_error_password_weak"
    return None


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


# --------------------------------------------------------------------------- login and lockout


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _record(conn: Connection, username: str, success: bool, reason: str, now: datetime) -> None:
    conn.execute(insert(LoginAttempt).values(username=username[:120], attempted_at=now, success=success, reason=reason))


# A failure counts from the moment it is recorded, before its password is checked
# ("checking"), so parallel guesses see each other.
_FAILURE_REASONS = ("bad_password", "checking")


def _failures_since_success(conn: Connection, username: str, before_id: int | None = None) -> tuple[int, datetime | None]:
    """Failures of `username` since its last success (only attempts before `before_id`)."""
    ok_stmt = select(func.max(LoginAttempt.id)).where(
        LoginAttempt.username == bindparam("u"), LoginAttempt.success.is_(True)
    )
    stmt = select(func.count(), func.max(LoginAttempt.attempted_at)).where(
        LoginAttempt.username == bindparam("u"),
        LoginAttempt.success.is_(False),
        LoginAttempt.reason.in_(_FAILURE_REASONS),
    )
    params: dict[str, object] = {"u": username}
    if before_id is not None:
        ok_stmt = ok_stmt.where(LoginAttempt.id < bindparam("before"))
        stmt = stmt.where(LoginAttempt.id < bindparam("before"))
        params["before"] = before_id
    last_ok = conn.execute(ok_stmt, params).scalar()
    if last_ok is not None:
        stmt = stmt.where(LoginAttempt.id > bindparam("last_ok"))
        params["last_ok"] = last_ok
    count, latest = conn.execute(stmt, params).one()
    return int(count or 0), _utc(latest)


def _lock_end(count: int, latest: datetime | None, now: datetime) -> datetime | None:
    if count < max_failures() or latest is None:
        return None
    until = latest + timedelta(minutes=lock_minutes())
    return until if until > now else None


def locked_until(bind: Engine | Connection, username: str, now: datetime | None = None) -> datetime | None:
    """When the lockout of `username` ends, or None when it may try now."""
    now = now or datetime.now(UTC)
    username = normalise_username(username)
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return locked_until(conn, username, now)
    return _lock_end(*_failures_since_success(bind, username), now)


def _claim_attempt(engine: Engine, name: str, now: datetime) -> int:
    """Record an attempt as a failure being checked, committed at once, and return its id.

    The ids of one name's attempts are committed in the order they were given
    (PostgreSQL: a transaction lock on the name; SQLite: one writer at a time), so each
    attempt can tell exactly how many failures came before it, however many arrive at
    the same moment: the sixth is refused without its password being looked at.
    """
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:u))"), {"u": "login:" + name})
        return int(
            conn.execute(
                insert(LoginAttempt)
                .values(username=name, attempted_at=now, success=False, reason="checking")
                .returning(LoginAttempt.id)
            ).scalar_one()
        )


def _settle(conn: Connection, attempt_id: int, success: bool, reason: str) -> None:
    conn.execute(update(LoginAttempt).where(LoginAttempt.id == attempt_id).values(success=success, reason=reason))


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    username: str
    reason: str  # ok | bad | locked | disabled
    locked_until: datetime | None = None
    must_change_password: bool = False

    def message(self, lang: str = DEFAULT_LANG) -> str:
        if self.reason == "locked" and self.locked_until is not None:
            minutes = max(1, int((self.locked_until - datetime.now(UTC)).total_seconds() // 60) + 1)
            return t("auth_login_locked", lang, minutes=minutes)
        return t(f"auth_login_{self.reason}", lang)


def authenticate(engine: Engine, username: str, password: str, *, now: datetime | None = None) -> LoginResult:
    """Check a name and password; every attempt is recorded; repeated failures lock.

    Unknown names and wrong passwords get the same answer and the same work (one
    argon2 verification), and lock out the same way. Counting and locking are atomic:
    with `LOGIN_MAX_FAILURES` = 5, at most 5 passwords are ever checked between two
    successes, even when 15 guesses arrive at once.
    """
    now = now or datetime.now(UTC)
    name = normalise_username(username)[:120]
    attempt = _claim_attempt(engine, name, now)
    with engine.begin() as conn:
        until = _lock_end(*_failures_since_success(conn, name, before_id=attempt), now)
        if until is not None:
            _settle(conn, attempt, False, "locked")
            return LoginResult(False, name, "locked", until)
        user = conn.execute(select(AppUser).where(AppUser.username == bindparam("u")), {"u": name}).first()
        good = verify_password(user.password_hash if user else None, password or "")
        if not good:
            _settle(conn, attempt, False, "bad_password")
            until = _lock_end(*_failures_since_success(conn, name, before_id=attempt + 1), now)
            if until is not None:
                return LoginResult(False, name, "locked", until)
            return LoginResult(False, name, "bad")
        assert user is not None
        if not user.active:
            _settle(conn, attempt, False, "disabled")
            return LoginResult(False, name, "disabled")
        _settle(conn, attempt, True, "ok")
        values: dict[str, object] = {"last_login_at": now}
        if user.password_hash and _hasher.check_needs_rehash(user.password_hash):
            values["password_hash"] = hash_password(password)
        conn.execute(update(AppUser).where(AppUser.id == user.id).values(**values))
        return LoginResult(True, name, "ok", must_change_password=bool(user.must_change_password))


def record_oidc_login(engine: Engine, username: str, *, now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        _record(conn, username, True, "oidc", now)
        conn.execute(
            update(AppUser).where(AppUser.username == bindparam("u")).values(last_login_at=now), {"u": username}
        )


# --------------------------------------------------------------------------- sessions


@dataclass(frozen=True)
class Session:
    """A logged-in session, kept in the server-side session state and signed.

    `sid` is its row in `auth_session` (0: not recorded there, e.g. mode oidc, whose
    identity cookie is Streamlit's own); that row is the truth: a logout, a password
    reset or a disabled account ends it for every tab at once.
    """

    username: str
    mode: str
    login_at: float  # epoch seconds
    last_seen: float
    signature: str = ""
    sid: int = 0

    def _payload(self) -> bytes:
        return f"{self.username}\x1f{self.mode}\x1f{self.login_at:.3f}\x1f{self.sid}".encode()


# The cookie that carries a session's random token from one page load to the next.
SESSION_COOKIE = "cp_session"
# How often a session's last use is written back (each run would be a write per click).
_TOUCH_EVERY = timedelta(seconds=60)
# A freshly made token waits this long for the browser to fetch its cookie.
_HANDOFF_SECONDS = 120
_handoffs: dict[str, tuple[str, float]] = {}
_handoff_lock = threading.Lock()


def _sign(session: Session, secret: str) -> str:
    return hmac.new(secret.encode(), session._payload(), hashlib.sha256).hexdigest()


def new_session(
    username: str, mode: str, *, now: datetime | None = None, secret: str | None = None, sid: int = 0
) -> Session:
    stamp = (now or datetime.now(UTC)).timestamp()
    session = Session(username, mode, stamp, stamp, sid=sid)
    return replace(session, signature=_sign(session, secret if secret is not None else app_secret()))


def session_problem(session: object, *, now: datetime | None = None, secret: str | None = None) -> str | None:
    """Why a session may not be used any more (a catalogue key), or None."""
    if not isinstance(session, Session):
        return "auth_session_missing"
    expected = _sign(session, secret if secret is not None else app_secret())
    if not hmac.compare_digest(expected, session.signature):
        return "auth_session_invalid"
    stamp = (now or datetime.now(UTC)).timestamp()
    if stamp - session.last_seen > session_idle().total_seconds():
        return "auth_session_expired"
    if stamp - session.login_at > session_max().total_seconds():
        return "auth_session_expired"
    return None


def touch(session: Session, *, now: datetime | None = None) -> Session:
    return replace(session, last_seen=(now or datetime.now(UTC)).timestamp())


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(engine: Engine, username: str, mode: str = "db", *, now: datetime | None = None) -> tuple[Session, str]:
    """Record a new session of `username`; returns it and its random token (for the cookie)."""
    now = now or datetime.now(UTC)
    token = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        user_id = conn.execute(select(AppUser.id).where(AppUser.username == bindparam("u")), {"u": username}).scalar()
        if user_id is None:
            raise UserError("auth_error_unknown_user", user=username)
        sid = conn.execute(
            insert(AuthSession)
            .values(token_hash=token_hash(token), user_id=user_id, mode=mode, created_at=now, last_seen_at=now)
            .returning(AuthSession.id)
        ).scalar_one()
    return new_session(username, mode, now=now, sid=int(sid)), token


def _row_problem(row: object, now: datetime) -> str | None:
    if row is None:
        return "auth_session_invalid"
    if not row.active:  # type: ignore[attr-defined]  # before "ended": disabling ends it too
        return "auth_login_disabled"
    if row.ended_at is not None:  # type: ignore[attr-defined]
        return "auth_session_ended"
    if now - _utc(row.last_seen_at) > session_idle() or now - _utc(row.created_at) > session_max():  # type: ignore[attr-defined,operator]
        return "auth_session_expired"
    return None


def _session_row(conn: Connection, where: object, params: dict[str, object]):  # noqa: ANN202
    return conn.execute(
        select(
            AuthSession.id,
            AuthSession.mode,
            AuthSession.created_at,
            AuthSession.last_seen_at,
            AuthSession.ended_at,
            AppUser.username,
            AppUser.active,
        )
        .join(AppUser, AppUser.id == AuthSession.user_id)
        .where(where),
        params,
    ).first()


def resume_session(engine: Engine, token: str | None, *, now: datetime | None = None) -> Session | None:
    """The session a cookie's token stands for, if it is still alive (a reload, a new
    tab, a link opened from a chat app); None otherwise."""
    if not token or len(token) > 200:
        return None
    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        row = _session_row(conn, AuthSession.token_hash == bindparam("h"), {"h": token_hash(token)})
        if row is None or _row_problem(row, now) is not None:
            return None
        conn.execute(update(AuthSession).where(AuthSession.id == row.id).values(last_seen_at=now))
    session = new_session(row.username, row.mode, now=_utc(row.created_at), sid=int(row.id))
    return touch(session, now=now)


def check_session(engine: Engine, session: Session, *, now: datetime | None = None) -> str | None:
    """Why a recorded session is over (ended by a logout or reset elsewhere, account
    disabled, idle or too old), or None; also notes its use now and then."""
    if not session.sid:
        return "auth_session_invalid"
    now = now or datetime.now(UTC)
    with engine.connect() as conn:
        row = _session_row(conn, AuthSession.id == bindparam("sid"), {"sid": session.sid})
        if row is not None and row.username != session.username:
            return "auth_session_invalid"
        # The row's last use may lag by up to _TOUCH_EVERY; this run's own stamp counts.
        if row is not None and row.ended_at is None and row.active:
            seen = max(_utc(row.last_seen_at), datetime.fromtimestamp(session.last_seen, UTC))  # type: ignore[type-var]
            row = SimpleNamespace(**{**row._asdict(), "last_seen_at": seen})  # a Row is immutable
        problem = _row_problem(row, now)
        if problem is None and now - _utc(row.last_seen_at) > _TOUCH_EVERY:  # type: ignore[operator,union-attr]
            conn.execute(update(AuthSession).where(AuthSession.id == session.sid).values(last_seen_at=now))
            conn.commit()
    return problem


def end_session(engine: Engine, session: Session | None = None, *, token: str | None = None, reason: str = "logout") -> None:
    """End one session (by its record or its cookie's token); harmless if already over."""
    if session is not None and session.sid:
        where = AuthSession.id == session.sid
    elif token:
        where = AuthSession.token_hash == token_hash(token)
    else:
        return
    with engine.begin() as conn:
        conn.execute(
            update(AuthSession)
            .where(where, AuthSession.ended_at.is_(None))
            .values(ended_at=datetime.now(UTC), end_reason=reason)
        )


def _end_user_sessions(conn: Connection, user_id: int, reason: str) -> int:
    return (
        conn.execute(
            update(AuthSession)
            .where(AuthSession.user_id == user_id, AuthSession.ended_at.is_(None))
            .values(ended_at=datetime.now(UTC), end_reason=reason)
        ).rowcount
        or 0
    )


def open_sessions(engine: Engine, username: str) -> int:
    """How many sessions of `username` have not been ended (expired ones included)."""
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(AuthSession)
                .join(AppUser, AppUser.id == AuthSession.user_id)
                .where(AppUser.username == bindparam("u"), AuthSession.ended_at.is_(None)),
                {"u": normalise_username(username)},
            ).scalar()
            or 0
        )


def offer_cookie(token: str) -> str:
    """A one-time code the browser trades (in a POST body, never a URL) for the
    HttpOnly cookie holding `token`; see `server.py`."""
    code = secrets.token_urlsafe(24)
    deadline = time.monotonic() + _HANDOFF_SECONDS
    with _handoff_lock:
        for stale in [k for k, (_, d) in _handoffs.items() if d < time.monotonic()]:
            _handoffs.pop(stale, None)
        _handoffs[code] = (token, deadline)
    return code


def claim_cookie(code: str) -> str | None:
    """The token a one-time code stands for (once, within two minutes), or None."""
    with _handoff_lock:
        found = _handoffs.pop(code, None)
    if found is None or found[1] < time.monotonic():
        return None
    return found[0]


def cookie_pending(code: str) -> bool:
    """Whether a one-time code still waits for the browser (not claimed, not stale)."""
    with _handoff_lock:
        found = _handoffs.get(code)
    return found is not None and found[1] >= time.monotonic()


# --------------------------------------------------------------------------- user management


def _user(conn: Connection, username: str) -> AppUser:
    user = conn.execute(select(AppUser).where(AppUser.username == bindparam("u")), {"u": username}).first()
    if user is None:
        raise UserError("auth_error_unknown_user", user=username)
    return user


def add_user(
    engine: Engine,
    username: str,
    password: str | None,
    *,
    display_name: str | None = None,
    email: str | None = None,
    aggregates_only: bool = False,
    must_change_password: bool = False,
    now: datetime | None = None,
) -> None:
    """Create an account (no grants yet: it sees nothing until `grant`)."""
    name = normalise_username(username)
    if not USERNAME_RE.match(name):
        raise UserError("auth_error_username", user=username)
    if password is not None:
        problem = password_problem(password, name)
        if problem:
            raise UserError(problem, min=MIN_PASSWORD_LENGTH)
    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        exists = conn.execute(select(AppUser.id).where(AppUser.username == bindparam("u")), {"u": name}).scalar()
        if exists is not None:
            raise UserError("auth_error_user_exists", user=name)
        conn.execute(
            insert(AppUser).values(
                username=name,
                display_name=(display_name or "").strip()[:200] or None,
                email=(email or "").strip().lower()[:254] or None,
                password_hash=hash_password(password) if password is not None else None,
                active=True,
                aggregates_only=aggregates_only,
                must_change_password=must_change_password,
                created_at=now,
                password_changed_at=now if password is not None else None,
            )
        )


def set_password(engine: Engine, username: str, password: str, *, must_change: bool = False) -> None:
    name = normalise_username(username)
    problem = password_problem(password, name)
    if problem:
        raise UserError(problem, min=MIN_PASSWORD_LENGTH)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        user = _user(conn, name)
        conn.execute(
            update(AppUser)
            .where(AppUser.id == user.id)
            .values(password_hash=hash_password(password), must_change_password=must_change, password_changed_at=now)
        )


def reset_password(engine: Engine, username: str, password: str | None = None) -> str:
    """Give an account a new password (generated when not given; the person must change
    it at the next login) and lift any lockout. Returns the new password."""
    name = normalise_username(username)
    new = password or secrets.token_urlsafe(12)
    set_password(engine, name, new, must_change=password is None)
    with engine.begin() as conn:
        _record(conn, name, True, "reset", datetime.now(UTC))  # failures before this no longer count
        # Whoever had the old password (or a session opened with it) is out.
        _end_user_sessions(conn, _user(conn, name).id, "reset")
    return new


def set_active(engine: Engine, username: str, active: bool) -> None:
    with engine.begin() as conn:
        user = _user(conn, normalise_username(username))
        conn.execute(update(AppUser).where(AppUser.id == user.id).values(active=active))
        if not active:
            _end_user_sessions(conn, user.id, "disabled")


def set_aggregates_only(engine: Engine, username: str, value: bool) -> None:
    with engine.begin() as conn:
        user = _user(conn, normalise_username(username))
        conn.execute(update(AppUser).where(AppUser.id == user.id).values(aggregates_only=value))


def _unit_id(conn: Connection, area_code: str) -> int | None:
    if area_code == WHOLE_TREE:
        return None
    unit = conn.execute(
        OrgUnit.by_code(area_code)
    ).scalar()
    if unit is None:
        raise UserError("auth_error_unknown_area", area=area_code)
    return unit


def grant(engine: Engine, username: str, area_code: str, role: str, *, by: str = "system") -> None:
    """Give `role` over the subtree of `area_code` (`*` = everything); replaces the
    account's earlier role on that same unit."""
    if role not in ROLES:
        raise UserError("auth_error_role", role=role)
    with engine.begin() as conn:
        user = _user(conn, normalise_username(username))
        unit_id = _unit_id(conn, area_code)
        cond = UserScope.org_unit_id.is_(None) if unit_id is None else UserScope.org_unit_id == unit_id
        conn.execute(delete(UserScope).where(UserScope.user_id == user.id, cond))
        conn.execute(
            insert(UserScope).values(
                user_id=user.id, org_unit_id=unit_id, role=role, granted_by=by[:120], granted_at=datetime.now(UTC)
            )
        )


def revoke(engine: Engine, username: str, area_code: str) -> int:
    """Remove the account's grant on `area_code`; returns how many were removed."""
    with engine.begin() as conn:
        user = _user(conn, normalise_username(username))
        unit_id = _unit_id(conn, area_code)
        cond = UserScope.org_unit_id.is_(None) if unit_id is None else UserScope.org_unit_id == unit_id
        return conn.execute(delete(UserScope).where(UserScope.user_id == user.id, cond)).rowcount or 0


@dataclass(frozen=True)
class UserRow:
    username: str
    display_name: str | None
    email: str | None
    active: bool
    aggregates_only: bool
    grants: tuple[tuple[str, str, str], ...]  # (area code, area name, role)
    last_login_at: datetime | None
    locked_until: datetime | None


def list_users(engine: Engine) -> list[UserRow]:
    with engine.connect() as conn:
        users = conn.execute(select(AppUser).order_by(AppUser.username)).all()
        grants = conn.execute(
            select(UserScope.user_id, OrgUnit.code, OrgUnit.full_name, UserScope.role)
            .outerjoin(OrgUnit, OrgUnit.id == UserScope.org_unit_id)
            .order_by(UserScope.user_id, OrgUnit.code)
        ).all()
        by_user: dict[int, list[tuple[str, str, str]]] = {}
        for uid, code, name, role in grants:
            by_user.setdefault(uid, []).append((code or WHOLE_TREE, name or "", role))
        return [
            UserRow(
                u.username,
                u.display_name,
                u.email,
                bool(u.active),
                bool(u.aggregates_only),
                tuple(by_user.get(u.id, [])),
                _utc(u.last_login_at),
                locked_until(conn, u.username),
            )
            for u in users
        ]
