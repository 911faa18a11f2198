"""The login gate every page passes through (`ui.frame.page_context` calls `gate`).

- `AUTH_MODE=none`: no login; a banner says the app runs on the sample data only
  (and `data_access.auth.check_startup` refuses a real database unless allowed).
- `AUTH_MODE=db`: a name/password form (argon2 hashes, lockout, session expiry); a
  temporary password must be changed first.
- `AUTH_MODE=oidc`: `st.login` with the provider under `[auth]` in secrets; the
  e-mail it returns must belong to an account, whose grants give the scope.

The scope found here is stored for the run (`session_state`, and the context
variable `data_access.access.current_scope`). The door to the data is made with it,
explicitly: `store()` for the pages, and the loaders of `ui/data.py` make theirs the
same way. Before there is a scope, the gate itself goes through `data_access.store.Gate`
(sessions, passwords, an account's scope): no engine is held here.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import NoReturn

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from data_access import access, auth
from data_access.access import NOBODY, AccessScope
from data_access.store import CONNECTION_LOST, DatabaseUnavailable, Gate, Store, database_url, is_embedded
from i18n import t

SESSION_KEY = "_auth_session"
SCOPE_KEY = "_access_scope"
PAGE_KEY = "_access_page"
OIDC_SEEN_KEY = "_auth_oidc_seen"
COOKIE_CODE_KEY = "_auth_cookie_code"
# The routes of `server.py` that trade a one-time code for the cookie and clear it.
SESSION_ROUTE = "/api/session"
LOGOUT_ROUTE = "/api/session/end"
# Pages only some roles may open (and see in the menu); all others need "viewer".
PAGE_ROLES: dict[str, str] = {"import": "editor", "audit": "editor", "locks": "admin"}


def scope() -> AccessScope:
    """The scope of this run (NOBODY before the gate ran, never the system's)."""
    if get_script_run_ctx(suppress_warning=True) is None:
        # Outside a Streamlit run (plain scripts, tests): the process's scope. Bare-mode
        # session_state answers every get with None, which read as NOBODY here.
        return access.current_scope()
    try:
        value = st.session_state.get(SCOPE_KEY)
    except Exception:  # no session after all: the process's scope
        return access.current_scope()
    found = value if isinstance(value, AccessScope) else NOBODY
    # A fragment rerun may run in a fresh thread: keep data_access's context in step.
    access.set_current_scope(found)
    return found


def store(url: str | None = None) -> Store:
    """The door to the database for the person of this run (their scope passed explicitly)."""
    return Store.at(url or database_url(), scope())


def current_page() -> str | None:
    try:
        return st.session_state.get(PAGE_KEY)
    except Exception:  # outside a Streamlit run
        return None


def _lang() -> str:
    lang = st.session_state.get("filter_lang") or st.query_params.get("lang") or "vi"
    return lang if lang in ("vi", "en") else "vi"


# The database went away (PostgreSQL stopped, the network dropped, a file locked too
# long): raised by the driver anywhere, in the login gate as in a page.
OUTAGE_ERRORS: tuple[type[Exception], ...] = (*CONNECTION_LOST, DatabaseUnavailable)


def outage(exc: Exception, lang: str | None = None, where=None) -> NoReturn:  # noqa: ANN001 - a container
    """Say plainly that the database cannot be reached, offer to try again, stop the run.

    Nothing of the session is dropped (the login, the filters, a dry run stay), so the
    page works again on the first run after the database is back. `where`: the
    container to say it in (the top of the page), else here."""
    lang = lang or _lang()
    box = where.container() if where is not None else st
    if isinstance(exc, DatabaseUnavailable):
        key = "db_needs_init" if exc.needs_init else "db_unavailable"
        box.error(t(key, lang, url=exc.url, reason=exc.reason), icon=":material/cloud_off:")
    else:
        box.error(t("hardening_db_outage", lang), icon=":material/cloud_off:")
    box.button(t("hardening_db_retry", lang), icon=":material/refresh:", key="_db_outage_retry")
    st.stop()


def refuse_to_start(exc: auth.ConfigError, lang: str) -> NoReturn:
    """A configuration no one may be served with: the reason on the page and in the
    server's log, then the server stops (under a real server; AppTest has none)."""
    message = exc.message(lang)
    print(t("hardening_refused_to_start", lang), message, file=sys.stderr, flush=True)
    st.error(message, icon=":material/gpp_bad:")
    from streamlit.runtime import Runtime

    if Runtime.exists():
        # Shortly after, so that the page above still reaches the browser.
        threading.Timer(1.0, Runtime.instance().stop).start()
    st.stop()


def deny(code: str, key: str = "access_denied_area") -> None:
    """Say "không có quyền" and stop the page: nothing of the unit is drawn."""
    st.error(t(key, _lang(), area=code), icon=":material/block:")
    st.stop()


def page_allowed(page_key: str, who: AccessScope | None = None) -> bool:
    who = who or scope()
    return who.has_role_anywhere(PAGE_ROLES.get(page_key, "viewer"))


def _remember(found: AccessScope, page_key: str) -> AccessScope:
    st.session_state[SCOPE_KEY] = found
    st.session_state[PAGE_KEY] = page_key
    access.set_current_scope(found)
    return found


def gate(page_key: str, lang: str) -> AccessScope:
    """The scope for this run; draws the login form (and stops) when there is none."""
    _remember(NOBODY, page_key)
    url = database_url()
    try:
        mode = auth.check_startup(url)
    except auth.ConfigError as exc:
        refuse_to_start(exc, lang)
    try:
        if mode == "none":
            found = access.anonymous_scope(is_embedded(url))  # the frame shows `banner()` under its menu
        elif mode == "db":
            found = _db_gate(url, lang)
        else:
            found = _oidc_gate(url, lang)
    except OUTAGE_ERRORS as exc:  # the session stays as it was: the next run tries again
        outage(exc, lang)
    _remember(found, page_key)
    if mode != "none":
        _account_box(found, lang, mode)
    if found.is_empty:
        st.warning(t("access_no_scope", lang), icon=":material/block:")
        st.stop()
    if not page_allowed(page_key, found):
        st.error(t("access_denied_page", lang), icon=":material/block:")
        st.stop()
    return found


def banner(lang: str) -> None:
    """Mode none: say on every page that nobody logged in and the data is the sample.

    Drawn by the frame below its menu (the top of the page is under Streamlit's header).
    """
    found = scope()
    if found.kind == "anonymous":
        key = "auth_banner_sample" if found.has_role_anywhere("editor") else "auth_banner_reader"
        st.badge(t(key, lang), icon=":material/lock_open:", color="orange")


# --------------------------------------------------------------------------- mode db


def _cookie_token() -> str | None:
    """The session token the browser sent with this page load (HttpOnly cookie)."""
    try:
        value = st.context.cookies.get(auth.SESSION_COOKIE)
    except Exception:  # no browser request behind this run (tests, scripts)
        return None
    return value if isinstance(value, str) else None


def _browser_post(route: str, body: dict[str, str] | None = None) -> None:
    """Have the browser POST to one of `server.py`'s routes (a hidden, 1 px element).

    A body goes in the POST, never in a URL; its values are `json.dumps`-ed (no markup).
    """
    options = {"method": "POST", "credentials": "same-origin"}
    if body is not None:
        options |= {"headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}
    script = f"<script>fetch({json.dumps(route)},{json.dumps(options)}).catch(function(){{}});</script>"
    with st.sidebar:
        st.html(script, unsafe_allow_javascript=True, width=1)


def _db_gate(url: str, lang: str) -> AccessScope:
    state = st.session_state
    gate = Gate.at(url)
    session = state.get(SESSION_KEY)
    from_cookie = False
    if session is None and not state.get("_auth_logged_out"):
        # A reload, a new tab or a shared link: the cookie's session, if still alive.
        token = _cookie_token()
        if token:
            session = gate.resume_session(token)
            from_cookie = session is not None
            if session is None:
                state["_auth_cookie_dead"] = True
    problem = auth.session_problem(session)
    if problem is None and session.sid and not from_cookie:
        problem = gate.check_session(session)  # logout, reset or disabled elsewhere
    if problem is None:
        found = gate.scope_for(session.username)
        if found.kind != "user":  # disabled (or removed) since the login
            state.pop(SESSION_KEY, None)
            _login_form(url, lang, t("auth_login_disabled", lang))
        state[SESSION_KEY] = auth.touch(session)
        # Drawn on every run until the browser has claimed it: a run cut short by a
        # rerun may never reach the browser.
        code = state.get(COOKIE_CODE_KEY)
        if code and auth.cookie_pending(code):
            _browser_post(SESSION_ROUTE, {"code": code})  # trade it for the HttpOnly cookie
        elif code:
            state.pop(COOKIE_CODE_KEY, None)
        if state.get("_auth_must_change"):
            _change_password_form(url, session.username, lang)
        return found
    state.pop(SESSION_KEY, None)
    if session is None and state.pop("_auth_cookie_dead", False):
        problem, session = "auth_session_ended", True  # the cookie's session is over
    notice = t(problem, lang) if session is not None else None
    _login_form(url, lang, notice)
    raise AssertionError("unreachable")  # _login_form stops the run


def _login_form(url: str, lang: str, notice: str | None = None) -> None:
    st.title(t("auth_login_title", lang))
    st.write(t("auth_login_intro", lang))
    if notice:
        st.warning(notice, icon=":material/schedule:")
    if st.session_state.pop("_auth_logged_out", False):
        st.success(t("auth_logged_out", lang))
        _browser_post(LOGOUT_ROUTE)  # the browser forgets the (already ended) cookie
    with st.form("auth_login", clear_on_submit=False, border=True, width=420):
        name = st.text_input(t("auth_username", lang), key="auth_username", max_chars=120, autocomplete="username")
        password = st.text_input(
            t("auth_password", lang),
            key="auth_password",
            type="password",
            max_chars=256,
            autocomplete="current-password",
        )
        submitted = st.form_submit_button(t("auth_login_button", lang), type="primary")
    if submitted:
        result = Gate.at(url).authenticate(name or "", password or "")
        st.session_state.pop("auth_password", None)
        if result.ok:
            session, token = Gate.at(url).start_session(result.username, "db")
            st.session_state[SESSION_KEY] = session
            # The next run hands the browser a one-time code for its HttpOnly cookie.
            st.session_state[COOKIE_CODE_KEY] = auth.offer_cookie(token)
            st.session_state["_auth_must_change"] = result.must_change_password
            st.rerun()
        st.error(result.message(lang), icon=":material/error:")
    st.stop()


def _change_password_form(url: str, username: str, lang: str) -> None:
    st.title(t("auth_change_password_title", lang))
    st.write(t("auth_change_password_intro", lang, min=auth.MIN_PASSWORD_LENGTH))
    with st.form("auth_change", border=True, width=420):
        first = st.text_input(
            t("auth_new_password", lang), type="password", key="auth_new1", autocomplete="new-password"
        )
        second = st.text_input(
            t("auth_new_password_again", lang), type="password", key="auth_new2", autocomplete="new-password"
        )
        submitted = st.form_submit_button(t("auth_change_password_button", lang), type="primary")
    if submitted:
        if first != second:
            st.error(t("auth_password_mismatch", lang))
        else:
            try:
                Gate.at(url).set_password(username, first or "")
            except auth.UserError as exc:
                st.error(exc.message(lang))
            else:
                st.session_state["_auth_must_change"] = False
                st.rerun()
    st.stop()


# --------------------------------------------------------------------------- mode oidc


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _oidc_gate(url: str, lang: str) -> AccessScope:
    if not oidc_configured():
        st.error(t("auth_oidc_not_configured", lang), icon=":material/gpp_bad:")
        st.stop()
    if not st.user.is_logged_in:
        st.title(t("auth_login_title", lang))
        st.write(t("auth_oidc_intro", lang))
        st.button(t("auth_oidc_button", lang), on_click=st.login, type="primary", key="auth_oidc_login")
        st.stop()
    email = str(st.user.get("email") or "")
    gate = Gate.at(url)
    username = gate.user_by_email(email)
    if username is None:
        st.error(t("auth_oidc_no_account", lang, email=email), icon=":material/block:")
        st.button(t("auth_logout", lang), on_click=st.logout, key="auth_oidc_logout")
        st.stop()
    # Streamlit's identity cookie lasts 30 days; our own expiry still applies.
    session = st.session_state.get(OIDC_SEEN_KEY)
    problem = auth.session_problem(session) if session is not None else None
    if session is None or getattr(session, "username", None) != username:
        gate.record_oidc_login(username)
        session = auth.new_session(username, "oidc")
    elif problem is not None:
        st.session_state.pop(OIDC_SEEN_KEY, None)
        st.logout()
        st.stop()
    st.session_state[OIDC_SEEN_KEY] = auth.touch(session)
    return gate.scope_for(username)


# --------------------------------------------------------------------------- who is logged in


def _logout(mode: str) -> None:
    session = st.session_state.pop(SESSION_KEY, None)
    if isinstance(session, auth.Session) and session.sid:
        # Ends it for every tab and for the cookie (cleared by the login form's next run).
        Gate.at().end_session(session)
    st.session_state.pop(OIDC_SEEN_KEY, None)
    st.session_state["_auth_logged_out"] = True
    st.session_state[SCOPE_KEY] = NOBODY
    if mode == "oidc":
        st.logout()


def grants_text(found: AccessScope, lang: str, names: dict[str, str] | None = None) -> str:
    names = names or {}
    parts = []
    for g in found.grants:
        place = t("access_whole_tree", lang) if g.code == access.WHOLE_TREE else names.get(g.code, g.code)
        parts.append(f"{t('access_role_' + g.role, lang)}: {place}")
    return "; ".join(parts)


def _account_box(found: AccessScope, lang: str, mode: str) -> None:
    if found.kind != "user":
        return
    sb = st.sidebar
    # st.text: the display name is data, never markup.
    sb.text(t("auth_signed_in_as", lang, name=found.display_name or found.user))
    names = {}
    try:
        from ui import data

        names = {u.code: u.full_name for u in data.org_units(database_url())}
    except Exception:  # the names are a nicety; the codes are enough
        names = {}
    sb.text(t("auth_scope_line", lang, grants=grants_text(found, lang, names)))
    sb.button(t("auth_logout", lang), key="auth_logout", on_click=_logout, args=(mode,), icon=":material/logout:")
