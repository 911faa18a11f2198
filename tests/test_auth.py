"""Logging in: configuration refusals, argon2 passwords, lockout, sessions, accounts,
and the login gate in the app (AppTest, logging in through the form).

Database tests run on SQLite and PostgreSQL (`seeded_url`).
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from apptest_util import REPO, all_text, run_app
from streamlit.testing.v1 import AppTest

from data_access import access, auth, db
from tests.access_util import log_in
from tests.cli_util import run_cli

SECRET = "k3J9x!aQ2mZ7pL0vB5nR8tW1yE4uI6oP-test-only"
GOOD = "mat-khau-du-dai-1"


@pytest.fixture
def engine(seeded_url):
    return db.ready_engine(seeded_url)


@pytest.fixture
def db_mode(monkeypatch):
    monkeypatch.setenv("AUTH_MODE", "db")
    monkeypatch.setenv("APP_SECRET", SECRET)


# --------------------------------------------------------------------------- configuration


def test_mode_none_is_for_the_embedded_sample_only(monkeypatch):
    monkeypatch.delenv("AUTH_MODE", raising=False)
    monkeypatch.delenv("ALLOW_NO_LOGIN", raising=False)
    assert auth.check_startup(f"sqlite:///{db.DEFAULT_SQLITE_PATH}") == "none"
    with pytest.raises(auth.ConfigError) as err:
        auth.check_startup("postgresql://u:pw@db.example/real")
    assert err.value.key == "auth_error_none_database"
    assert "pw" not in err.value.message()  # the password is masked
    monkeypatch.setenv("ALLOW_NO_LOGIN", "1")
    assert auth.check_startup("postgresql://u:pw@db.example/real") == "none"


@pytest.mark.parametrize(
    ("secret", "key"),
    [
        (None, "auth_error_secret_missing"),
        ("", "auth_error_secret_missing"),
        ("changeme", "auth_error_secret_default"),
        ("replace-me-with-a-long-random-string", "auth_error_secret_default"),
        ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "auth_error_secret_default"),
        ("Short-but-mixed-9!", "auth_error_secret_short"),
    ],
)
def test_login_modes_refuse_a_missing_or_default_secret(monkeypatch, secret, key):
    monkeypatch.setenv("AUTH_MODE", "db")
    if secret is None:
        monkeypatch.delenv("APP_SECRET", raising=False)
    else:
        monkeypatch.setenv("APP_SECRET", secret)
    with pytest.raises(auth.ConfigError) as err:
        auth.check_startup("sqlite:///x.sqlite")
    assert err.value.key == key


def test_a_real_secret_and_a_bad_mode(monkeypatch):
    monkeypatch.setenv("AUTH_MODE", "oidc")
    monkeypatch.setenv("APP_SECRET", SECRET)
    assert auth.check_startup("postgresql://u@h/d") == "oidc"
    monkeypatch.setenv("AUTH_MODE", "ldap")
    with pytest.raises(auth.ConfigError):
        auth.check_startup("sqlite:///x.sqlite")


def test_no_secrets_in_the_repository():
    """No secrets file, private key or filled-in secret is tracked by git."""
    files = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    assert ".streamlit/secrets.toml" not in files
    assert ".streamlit/secrets.toml" in (REPO / ".gitignore").read_text()
    for name in files:
        path = REPO / name
        if not path.is_file() or path.suffix in (".png", ".xlsx", ".docx", ".pdf", ".sqlite", ".geojson"):
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        key_marker = "-----" + "BEGIN"  # split, so this file does not match itself
        assert not re.search(key_marker + r"[A-Z ]*PRIVATE KEY", text), name
        for line in text.splitlines():
            low = line.replace(" ", "").lower()
            if low.startswith(("cookie_secret=", "client_secret=", "app_secret=")):
                value = low.split("=", 1)[1].strip("\"'")
                assert value in ("", "...", "<random>", "changeme"), f"{name}: {line}"


# --------------------------------------------------------------------------- passwords and lockout


def test_passwords_are_argon2_hashes(engine):
    auth.add_user(engine, "An.Nguyen", GOOD, display_name="Nguyễn Văn An")
    with engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT username, password_hash FROM app_user").one()
    assert stored[0] == "an.nguyen"
    assert stored[1].startswith("$argon2id$") and GOOD not in stored[1]
    assert auth.authenticate(engine, "AN.NGUYEN ", GOOD).ok


@pytest.mark.parametrize(
    ("name", "password", "key"),
    [
        ("x", GOOD, "auth_error_username"),
        ("bad name", GOOD, "auth_error_username"),
        ("an", "short", "auth_error_password_short"),
        ("an.nguyen.x", "an.nguyen.x", "auth_error_password_username"),
        ("an2", "aaaaaaaaaaaa", "auth_error_password_weak"),
    ],
)
def test_account_rules(engine, name, password, key):
    with pytest.raises(auth.UserError) as err:
        auth.add_user(engine, name, password)
    assert err.value.key == key


def test_wrong_password_unknown_name_and_disabled_account(engine):
    auth.add_user(engine, "an", GOOD)
    bad = auth.authenticate(engine, "an", "wrong-password")
    unknown = auth.authenticate(engine, "nobody-here", "wrong-password")
    assert (bad.ok, bad.reason) == (False, "bad")
    assert unknown.reason == "bad" and unknown.message() == bad.message()  # same answer
    auth.set_active(engine, "an", False)
    assert auth.authenticate(engine, "an", GOOD).reason == "disabled"
    assert access.scope_for_user(engine, "an").kind == "nobody"


def test_lockout_after_repeated_failures_and_reset(engine, monkeypatch):
    monkeypatch.setenv("LOGIN_MAX_FAILURES", "3")
    monkeypatch.setenv("LOGIN_LOCK_MINUTES", "15")
    auth.add_user(engine, "an", GOOD)
    t0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    for i in range(2):
        assert auth.authenticate(engine, "an", "nope-nope", now=t0 + timedelta(seconds=i)).reason == "bad"
    third = auth.authenticate(engine, "an", "nope-nope", now=t0 + timedelta(seconds=2))
    assert third.reason == "locked"
    # Locked: even the right password is refused until the lock ends.
    assert auth.authenticate(engine, "an", GOOD, now=t0 + timedelta(minutes=5)).reason == "locked"
    assert "15" in third.message("vi") or "phút" in third.message("vi")
    assert auth.authenticate(engine, "an", GOOD, now=t0 + timedelta(minutes=16)).ok
    # After a success the count starts again.
    assert auth.authenticate(engine, "an", "nope-nope", now=t0 + timedelta(minutes=17)).reason == "bad"
    # An admin's reset lifts a lock at once.
    for i in range(3):
        auth.authenticate(engine, "an", "nope-nope", now=datetime.now(UTC) + timedelta(seconds=i))
    assert auth.locked_until(engine, "an") is not None
    new = auth.reset_password(engine, "an")
    assert auth.locked_until(engine, "an") is None
    result = auth.authenticate(engine, "an", new)
    assert result.ok and result.must_change_password


def test_unknown_names_lock_out_the_same_way(engine, monkeypatch):
    monkeypatch.setenv("LOGIN_MAX_FAILURES", "2")
    auth.authenticate(engine, "ghost", "x-x-x-x-x")
    assert auth.authenticate(engine, "ghost", "x-x-x-x-x").reason == "locked"


# --------------------------------------------------------------------------- sessions


def test_sessions_expire_and_cannot_be_forged(monkeypatch):
    monkeypatch.setenv("APP_SECRET", SECRET)
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "30")
    monkeypatch.setenv("SESSION_MAX_HOURS", "12")
    t0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    session = auth.new_session("an", "db", now=t0)
    assert auth.session_problem(session, now=t0 + timedelta(minutes=29)) is None
    assert auth.session_problem(session, now=t0 + timedelta(minutes=31)) == "auth_session_expired"
    kept = session
    for minutes in range(20, 12 * 60, 20):  # active all day: the idle limit never bites...
        kept = auth.touch(kept, now=t0 + timedelta(minutes=minutes))
        assert auth.session_problem(kept, now=t0 + timedelta(minutes=minutes + 1)) is None
    later = auth.touch(kept, now=t0 + timedelta(hours=12, minutes=5))
    assert auth.session_problem(later, now=t0 + timedelta(hours=12, minutes=6)) == "auth_session_expired"
    forged = type(session)("admin", "db", session.login_at, session.last_seen, session.signature)
    assert auth.session_problem(forged, now=t0) == "auth_session_invalid"
    assert auth.session_problem(session, now=t0, secret="another-secret-entirely-0123456789") == "auth_session_invalid"
    assert auth.session_problem({"username": "an"}) == "auth_session_missing"


# --------------------------------------------------------------------------- accounts and grants


def test_grants_make_the_scope(engine):
    auth.add_user(engine, "ed", GOOD)
    assert access.scope_for_user(engine, "ed").is_empty  # no grant: sees nothing
    auth.grant(engine, "ed", "07654", "editor")
    auth.grant(engine, "ed", "220", "viewer")
    auth.grant(engine, "ed", "220", "viewer")  # again: replaces, no duplicate
    scope = access.scope_for_user(engine, "ed")
    assert sorted((g.code, g.role) for g in scope.grants) == [("07654", "editor"), ("220", "viewer")]
    assert auth.revoke(engine, "ed", "220") == 1
    auth.grant(engine, "ed", "*", "admin")
    assert access.scope_for_user(engine, "ed").whole_tree
    with pytest.raises(auth.UserError):
        auth.grant(engine, "ed", "99999", "viewer")
    with pytest.raises(auth.UserError):
        auth.grant(engine, "ed", "220", "owner")
    rows = {r.username: r for r in auth.list_users(engine)}
    assert {g[0] for g in rows["ed"].grants} == {"07654", "*"}


def _cli(url: str, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess:
    return run_cli(*args, db_url=url, env=env, stdin=stdin)


def test_cli_user_commands(seeded_url):
    out = _cli(
        seeded_url,
        "user",
        "add",
        "chi.tran",
        "--role",
        "editor",
        "--area",
        "07654",
        "--password-stdin",
        stdin=GOOD + "\n",
    )
    assert out.returncode == 0, out.stderr
    out = _cli(seeded_url, "user", "add", "lan", "--role", "viewer", "--area", "220")
    assert out.returncode == 0 and "Mật khẩu tạm" in out.stdout
    temporary = out.stdout.strip().split(": ")[-1]
    engine = db.ready_engine(seeded_url)
    assert auth.authenticate(engine, "lan", temporary).must_change_password
    listing = _cli(seeded_url, "--lang", "en", "user", "list").stdout
    assert "chi.tran" in listing and "Editor @ 07654" in listing and "Viewer @ 220" in listing
    assert _cli(seeded_url, "user", "disable", "chi.tran").returncode == 0
    assert auth.authenticate(engine, "chi.tran", GOOD).reason == "disabled"
    assert _cli(seeded_url, "user", "enable", "chi.tran").returncode == 0
    out = _cli(seeded_url, "user", "reset", "chi.tran", "--password-stdin", stdin="mot-mat-khau-moi-2\n")
    assert out.returncode == 0 and auth.authenticate(engine, "chi.tran", "mot-mat-khau-moi-2").ok
    # A viewer may not manage accounts; an unknown --as is refused; no traceback anywhere.
    out = _cli(seeded_url, "--as", "lan", "user", "list")
    assert out.returncode == 1 and "Traceback" not in out.stderr
    out = _cli(seeded_url, "--as", "ghost", "user", "list")
    assert out.returncode == 1 and "ghost" in out.stderr
    out = _cli(seeded_url, "user", "add", "chi.tran", "--password-stdin", stdin=GOOD + "\n")
    assert out.returncode == 1 and "đã có" in out.stderr


# --------------------------------------------------------------------------- the gate in the app


def _app(monkeypatch, url: str, **params: str) -> AppTest:
    return run_app(monkeypatch, url, timeout=90, **params)


def _logged_in(monkeypatch, url: str) -> AppTest:
    """The app after "ed", a viewer of the district, has logged in."""
    engine = db.ready_engine(url)
    auth.add_user(engine, "ed", GOOD)
    auth.grant(engine, "ed", "220", "viewer")
    at = _app(monkeypatch, url)
    log_in(at, "ed", GOOD)
    return at


def test_mode_none_shows_the_sample_banner(monkeypatch, shared_seeded_url):
    monkeypatch.delenv("AUTH_MODE", raising=False)
    at = _app(monkeypatch, shared_seeded_url)
    badges = [str(el.proto) for el in at.get("badge")] + [str(el.proto) for el in at.get("markdown")]
    assert any("Chế độ mẫu — không đăng nhập, chỉ dùng dữ liệu mẫu" in b for b in badges)


def test_mode_none_refused_on_a_configured_database(monkeypatch, shared_seeded_url):
    monkeypatch.delenv("AUTH_MODE", raising=False)
    monkeypatch.delenv("ALLOW_NO_LOGIN", raising=False)
    at = _app(monkeypatch, shared_seeded_url)
    assert "AUTH_MODE=none" in all_text(at)
    assert not at.dataframe and not at.metric


def test_mode_db_refuses_to_start_with_a_default_secret(monkeypatch, shared_seeded_url):
    monkeypatch.setenv("AUTH_MODE", "db")
    monkeypatch.setenv("APP_SECRET", "changeme")
    at = _app(monkeypatch, shared_seeded_url)
    assert "APP_SECRET" in all_text(at)
    assert not at.text_input  # not even a login form


def test_login_through_the_form(monkeypatch, seeded_url, db_mode):
    engine = db.ready_engine(seeded_url)
    auth.add_user(engine, "ed.leviem", GOOD, display_name="<b>Cán bộ</b> Lệ Viễn")
    auth.grant(engine, "ed.leviem", "07654", "editor")
    at = _app(monkeypatch, seeded_url)
    assert [t.value for t in at.title] == ["Đăng nhập"]
    assert not at.dataframe and not at.metric  # nothing of the data before logging in
    log_in(at, "ed.leviem", "wrong-password-1")
    assert "không đúng" in all_text(at)
    log_in(at, "ed.leviem", GOOD)
    text = all_text(at)
    assert "Đăng nhập" not in [t.value for t in at.title]
    assert "Lệ Viễn" in text
    # The display name is shown as plain text.
    assert any(el.value == "Đang đăng nhập: <b>Cán bộ</b> Lệ Viễn" for el in at.sidebar.text)
    # The area is the commune; the district is not offered.
    assert at.sidebar.selectbox(key="w_area").options == ["Xã Lệ Viễn"]


def test_lockout_through_the_form(monkeypatch, seeded_url, db_mode):
    monkeypatch.setenv("LOGIN_MAX_FAILURES", "3")
    engine = db.ready_engine(seeded_url)
    auth.add_user(engine, "ed", GOOD)
    auth.grant(engine, "ed", "220", "viewer")
    at = _app(monkeypatch, seeded_url)
    for _ in range(3):
        log_in(at, "ed", "not-the-password")
    assert "quá nhiều lần" in all_text(at)
    log_in(at, "ed", GOOD)  # the right password during the lock: still refused
    assert "quá nhiều lần" in all_text(at)
    assert [t.value for t in at.title] == ["Đăng nhập"]


def test_expired_session_asks_to_log_in_again(monkeypatch, seeded_url, db_mode):
    at = _logged_in(monkeypatch, seeded_url)
    assert [t.value for t in at.title] != ["Đăng nhập"]
    # The person left the tab open for an hour.
    from ui.auth import SESSION_KEY

    old = auth.new_session("ed", "db", now=datetime.now(UTC) - timedelta(hours=1))
    at.session_state[SESSION_KEY] = old
    at.run()
    assert [t.value for t in at.title] == ["Đăng nhập"]
    assert "hết hạn" in all_text(at)
    assert not at.dataframe and not at.metric


def test_disabled_while_logged_in_and_logout(monkeypatch, seeded_url, engine, db_mode):
    at = _logged_in(monkeypatch, seeded_url)
    at.sidebar.button(key="auth_logout").click()
    at.run()
    assert [t.value for t in at.title] == ["Đăng nhập"] and "đã đăng xuất" in all_text(at)
    log_in(at, "ed", GOOD)
    auth.set_active(engine, "ed", False)
    at.run()
    assert [t.value for t in at.title] == ["Đăng nhập"]
    assert "đã bị khoá" in all_text(at)


def test_temporary_password_must_be_changed(monkeypatch, seeded_url, db_mode):
    engine = db.ready_engine(seeded_url)
    auth.add_user(engine, "ed", GOOD)
    auth.grant(engine, "ed", "220", "viewer")
    temporary = auth.reset_password(engine, "ed")
    at = _app(monkeypatch, seeded_url)
    log_in(at, "ed", temporary)
    assert [t.value for t in at.title] == ["Đổi mật khẩu"]
    at.text_input(key="auth_new1").input("mot-mat-khau-moi-9")
    at.text_input(key="auth_new2").input("mot-mat-khau-moi-9")
    at.button[0].click()
    at.run()
    assert [t.value for t in at.title] != ["Đổi mật khẩu"]
    assert auth.authenticate(engine, "ed", "mot-mat-khau-moi-9").ok


def test_an_account_without_grants_sees_nothing(monkeypatch, seeded_url, db_mode):
    engine = db.ready_engine(seeded_url)
    auth.add_user(engine, "new.person", GOOD)
    at = _app(monkeypatch, seeded_url)
    log_in(at, "new.person", GOOD)
    assert "chưa được giao địa bàn" in all_text(at)
    assert not at.dataframe and not at.metric and not at.get("deck_gl_json_chart")


def test_oidc_without_configuration_says_so(monkeypatch, shared_seeded_url):
    monkeypatch.setenv("AUTH_MODE", "oidc")
    monkeypatch.setenv("APP_SECRET", SECRET)
    at = _app(monkeypatch, shared_seeded_url)
    assert "[auth]" in all_text(at)


# --------------------------------------------------------------------------- hardening


def test_production_settings():
    import tomllib

    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] in ("none", False)  # no tracebacks to the browser
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["enableXsrfProtection"] is True
    assert 0 < config["server"]["maxUploadSize"] <= 50
    assert config["server"].get("enableCORS", True) is not False


def test_sql_is_written_with_bound_parameters_only():
    """No SQL text is built from values in the app's code (f-strings, % or .format)."""
    import re

    built = re.compile(
        r"""(text|exec_driver_sql|execute)\(\s*f["']|(SELECT|INSERT|UPDATE|DELETE)[^"']*["']\s*(%|\.format\()"""
    )
    offenders = []
    for folder in ("data_access", "ui", "pages", "rules"):
        for path in (REPO / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                # DDL names identifiers (from the database's own catalogue), which SQL
                # cannot bind; values never go there.
                if built.search(line) and not re.search(r"(ALTER TABLE|DROP INDEX) ", line):
                    offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not offenders


def test_data_is_never_passed_as_html():
    """`unsafe_allow_html` / `st.html` only with static CSS or escaped text (reviewed list)."""
    # leader.py and printing.py: static CSS constants only (the print label is html.escape-d);
    # auth.py: a fetch of a fixed route with a json.dumps-ed one-time code;
    # indicator_view.py: a label and a value html.escape-d, a colour from STATUS_INK.
    reviewed = {
        "ui/auth.py",
        "ui/map.py",
        "ui/import_view.py",
        "ui/projector.py",
        "ui/frame.py",
        "ui/whatif_view.py",
        "ui/leader.py",
        "ui/printing.py",
        "ui/indicator_view.py",
    }
    users = set()
    for folder in ("ui", "pages"):
        for path in (REPO / folder).rglob("*.py"):
            text_ = path.read_text(encoding="utf-8")
            if "unsafe_allow_html=True" in text_ or "st.html(" in text_:
                users.add(str(path.relative_to(REPO)))
    assert users <= reviewed, users - reviewed


def _oidc_app(monkeypatch, url: str, user: dict) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("AUTH_MODE", "oidc")
    monkeypatch.setenv("APP_SECRET", SECRET)
    monkeypatch.chdir(REPO)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=90)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": SECRET,
        "client_id": "dashboard",
        "client_secret": "test-only",
        "server_metadata_url": "https://idp.example/.well-known/openid-configuration",
    }
    at.user = user
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_oidc_login_maps_the_email_to_an_account(monkeypatch, seeded_url):
    engine = db.ready_engine(seeded_url)
    auth.add_user(engine, "ed.leviem", None, email="Ed.LeVien@example.vn")
    auth.grant(engine, "ed.leviem", "07654", "editor")
    at = _oidc_app(monkeypatch, seeded_url, {"is_logged_in": False})
    assert [b.label for b in at.button] == ["Đăng nhập bằng tài khoản cơ quan"]
    assert not at.dataframe and not at.metric
    at = _oidc_app(monkeypatch, seeded_url, {"is_logged_in": True, "email": "someone@else.vn"})
    assert "chưa được cấp quyền" in all_text(at) and not at.dataframe
    at = _oidc_app(monkeypatch, seeded_url, {"is_logged_in": True, "email": "ed.levien@example.vn"})
    assert at.sidebar.selectbox(key="w_area").options == ["Xã Lệ Viễn"]
    at.query_params["area"] = "220"
    at.run()
    assert "không có quyền" in all_text(at)


def test_parallel_guesses_are_counted_and_locked_atomically(engine, monkeypatch):
    """15 wrong passwords at once: only 5 are checked, the rest and the right one are refused."""
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setenv("LOGIN_MAX_FAILURES", "5")
    auth.add_user(engine, "an", GOOD)
    with ThreadPoolExecutor(15) as pool:
        results = list(pool.map(lambda i: auth.authenticate(engine, "an", f"wrong-guess-{i}"), range(15)))
    checked = [r for r in results if r.reason == "bad"]
    assert len(checked) <= 4 and all(not r.ok for r in results)
    assert auth.authenticate(engine, "an", GOOD).reason == "locked"


def test_reset_ends_the_accounts_open_sessions(engine):
    """After `user reset`, a session opened before it (another tab, a stolen cookie) is over."""
    auth.add_user(engine, "binh", GOOD)
    session, token = auth.start_session(engine, "binh")
    assert auth.check_session(engine, session) is None
    assert auth.resume_session(engine, token) is not None
    auth.reset_password(engine, "binh")
    assert auth.check_session(engine, session) is not None
    assert auth.resume_session(engine, token) is None
    assert auth.open_sessions(engine, "binh") == 0


def _post(handler, body: bytes, headers: dict[str, str]):
    """Call one of server.py's routes as the ASGI server would (no HTTP client needed)."""
    import asyncio
    import concurrent.futures

    from starlette.requests import Request

    raw = [(k.lower().encode(), v.encode()) for k, v in {"host": "dash.local", **headers}.items()]
    scope = {"type": "http", "method": "POST", "path": "/", "headers": raw, "scheme": "http", "query_string": b""}
    sent = False

    async def receive():
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    # In a thread of its own: the browser tests' Playwright may hold this thread's event loop.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, handler(Request(scope, receive))).result()


def test_the_cookie_routes_of_server_py():
    """The one-time code becomes an HttpOnly, SameSite=Lax cookie, once; Secure behind
    https; another site's POST is refused; logout clears the cookie."""
    import server

    code = auth.offer_cookie("the-random-token")
    body = json.dumps({"code": code}).encode()
    assert _post(server.claim, body, {"Origin": "https://evil.example"}).status_code == 403
    answer = _post(server.claim, body, {"Origin": "http://dash.local", "X-Forwarded-Proto": "https"})
    assert answer.status_code == 204
    set_cookie = answer.headers["set-cookie"]
    assert set_cookie.startswith(f"{auth.SESSION_COOKIE}=the-random-token;")
    assert (
        "HttpOnly" in set_cookie and "SameSite=lax" in set_cookie and "Path=/" in set_cookie and "Secure" in set_cookie
    )
    assert _post(server.claim, body, {}).status_code == 400  # once only
    plain = _post(server.claim, json.dumps({"code": auth.offer_cookie("t2")}).encode(), {})
    assert plain.status_code == 204 and "Secure" not in plain.headers["set-cookie"]
    assert _post(server.claim, b"not json", {}).status_code == 400
    assert _post(server.end, b"", {"Origin": "https://evil.example"}).status_code == 403


@pytest.mark.parametrize("page", ["import", "locks"])
def test_mode_none_on_a_configured_database_is_for_reading_only(monkeypatch, shared_seeded_url, page):
    """`ALLOW_NO_LOGIN=1` opens the dashboard on the operator's own database to look at;
    nobody unnamed loads figures or closes periods there (issue 16, item 11)."""
    monkeypatch.delenv("AUTH_MODE", raising=False)
    monkeypatch.setenv("ALLOW_NO_LOGIN", "1")
    overview = run_app(monkeypatch, shared_seeded_url)
    badges = " ".join(str(el.proto) for el in [*overview.get("badge"), *overview.get("markdown")])
    assert "Không đăng nhập — chỉ xem" in badges and "dữ liệu mẫu" not in badges
    at = run_app(monkeypatch, shared_seeded_url, page=page)
    assert "không có quyền" in all_text(at)
    assert not at.get("file_uploader")
    monkeypatch.setenv("ALLOW_NO_LOGIN", "write")  # the operator's explicit choice
    at = run_app(monkeypatch, shared_seeded_url, page=page)
    assert "không có quyền" not in all_text(at)
    assert at.get("file_uploader") or page != "import"
