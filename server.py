"""The dashboard as an ASGI app: `app.py` plus the two routes that make a login last.

`./run.sh` starts this file (`streamlit run server.py`); `streamlit run app.py` still
works, only without logins that survive a reload.

With `AUTH_MODE=db`, a successful login records a session (`data_access.auth.start_session`)
whose random token must reach the browser as an HttpOnly cookie, which a page script
cannot set. So the page hands the browser a one-time code (`auth.offer_cookie`), and the
browser trades it here, in a POST body (never a URL), for the cookie:

- `POST /api/session` {"code": ...} -> `Set-Cookie: cp_session=<token>; HttpOnly;
  SameSite=Lax; Path=/` (+ `Secure` over https), 204; a code works once, for two minutes.
- `POST /api/session/end` -> ends the cookie's session and clears the cookie (logout).

A reload, a new tab or a link opened from Zalo then sends the cookie with Streamlit's
websocket; `ui/auth.py` reads it (`st.context.cookies`) and resumes the session while the
database says it is alive (logout, `user reset`, a disabled account and expiry end it).
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from data_access import auth, db
from ui.auth import LOGOUT_ROUTE, SESSION_ROUTE

MAX_BODY = 1024


def _same_origin(request: Request) -> bool:
    """A browser's POST from our own page (another site cannot plant or end a session)."""
    origin = request.headers.get("origin")
    if not origin:  # same-origin fetches in older browsers omit it; SameSite covers those
        return True
    host = request.headers.get("x-forwarded-host") or request.headers.get("host", "")
    return urlsplit(origin).netloc == host


def _secure(request: Request) -> bool:
    proto = request.headers.get("x-forwarded-proto") or request.url.scheme
    return proto.split(",")[0].strip().lower() == "https"


def _cookie_response(request: Request, token: str | None) -> Response:
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    if token:
        response.set_cookie(
            auth.SESSION_COOKIE,
            token,
            max_age=int(auth.session_max().total_seconds()),
            path="/",
            httponly=True,
            samesite="lax",
            secure=_secure(request),
        )
    else:
        response.delete_cookie(auth.SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(request))
    return response


async def claim(request: Request) -> Response:
    """Trade a one-time code for the session cookie."""
    if not _same_origin(request):
        return Response(status_code=403)
    body = await request.body()
    try:
        code = str(json.loads(body[:MAX_BODY]).get("code", "")) if body else ""
    except (ValueError, AttributeError):
        code = ""
    token = auth.claim_cookie(code) if code else None
    if token is None:
        return Response(status_code=400, headers={"Cache-Control": "no-store"})
    return _cookie_response(request, token)


async def end(request: Request) -> Response:
    """Logout: end the cookie's session in the database and clear the cookie."""
    if not _same_origin(request):
        return Response(status_code=403)
    token = request.cookies.get(auth.SESSION_COOKIE)
    if token and len(token) <= 200:
        try:
            await run_in_threadpool(auth.end_session, db.ready_engine(db.database_url()), token=token)
        except db.DatabaseUnavailable:  # the cookie goes anyway; the session expires on its own
            pass
    return _cookie_response(request, None)


app = st.App(
    "app.py",
    routes=[
        Route(SESSION_ROUTE, claim, methods=["POST"]),
        Route(LOGOUT_ROUTE, end, methods=["POST"]),
    ],
)
