"""Logins that last (`AUTH_MODE=db`, served by `server.py` as `./run.sh` does): a reload
or a new tab within the session's life does not ask for the password again; logout and
`user reset` end it; the cookie is HttpOnly and no token is ever in the URL."""

from __future__ import annotations

import pytest

from data_access import auth, db
from tests.browser.conftest import AppServer, assert_no_error, page_text, screenshot, wait_ready

pytestmark = pytest.mark.browser

SECRET = "k3Jd9-vQ2mX7pL0sZ8wR4tY6uB1nC5eA"
PASSWORD = "mot-mat-khau-dai-7"


@pytest.fixture(scope="module")
def login_server(_seeded_templates, db_factory, browser):
    url = db_factory.new("sqlite", template=_seeded_templates["sqlite"])
    engine = db.get_engine(url)
    auth.add_user(engine, "lan.pham", PASSWORD, display_name="Phạm Thị Lan")
    auth.grant(engine, "lan.pham", "220", "viewer")
    server = AppServer(url, env={"AUTH_MODE": "db", "APP_SECRET": SECRET}, script="server.py")
    server.db_url = url
    yield server
    server.stop()


def is_login_form(page) -> bool:
    return page.get_by_role("button", name="Đăng nhập").count() > 0


def log_in(page) -> None:
    page.get_by_role("textbox", name="Tên đăng nhập").fill("lan.pham")
    page.get_by_role("textbox", name="Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_text("Đang đăng nhập: Phạm Thị Lan").wait_for(timeout=30_000)
    wait_ready(page)
    # The browser trades its one-time code for the cookie (a fetch after the run).
    page.wait_for_timeout(800)


def open_(context, url: str):
    page = context.new_page()
    page.goto(url)
    wait_ready(page)
    return page


def no_token_in(urls: list[str], token_values: list[str]) -> None:
    for u in urls:
        assert "cp_session" not in u and "code=" not in u, u
        for value in token_values:
            assert value not in u


def test_reload_new_tab_logout_and_reset(browser, login_server):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    seen_urls: list[str] = []
    context.on("request", lambda req: seen_urls.append(req.url))
    page = open_(context, f"{login_server.url}/overview?year=2024")
    assert is_login_form(page), page_text(page)[:500]
    screenshot(page, "login_form")
    log_in(page)
    assert_no_error(page)
    cookies = {c["name"]: c for c in context.cookies()}
    assert "cp_session" in cookies, cookies
    cookie = cookies["cp_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    assert "cp_session" not in page.evaluate("document.cookie")  # a script cannot read it

    # A reload: still in, on the same page and filters.
    page.reload()
    wait_ready(page)
    assert not is_login_form(page) and "Đang đăng nhập: Phạm Thị Lan" in page_text(page)
    assert "year=2024" in page.url
    # A new tab with a link (as from Zalo): still in.
    tab = open_(context, f"{login_server.url}/indicator?year=2024&lang=vi")
    assert not is_login_form(tab) and "Đang đăng nhập: Phạm Thị Lan" in page_text(tab)
    assert_no_error(tab)
    screenshot(tab, "login_lasts_new_tab")
    tab.close()

    # Logout: asked again, also after a reload and in a new tab; the cookie is gone.
    page.get_by_role("button", name="Đăng xuất").click()
    page.get_by_text("Bạn đã đăng xuất.").wait_for(timeout=30_000)
    wait_ready(page)
    page.wait_for_timeout(500)
    assert "cp_session" not in {c["name"] for c in context.cookies()}
    page.reload()
    wait_ready(page)
    assert is_login_form(page)
    tab = open_(context, f"{login_server.url}/overview")
    assert is_login_form(tab)
    tab.close()

    # Logged in again, then an administrator resets the password: the session is over.
    log_in(page)
    token = {c["name"]: c for c in context.cookies()}["cp_session"]["value"]
    auth.reset_password(db.get_engine(login_server.db_url), "lan.pham", "mat-khau-moi-da-dat-9")
    page.reload()
    wait_ready(page)
    assert is_login_form(page)
    assert "Phiên làm việc đã kết thúc" in page_text(page)
    screenshot(page, "login_session_ended")
    no_token_in([*seen_urls, page.url], [cookie["value"], token])
    context.close()


def test_a_forged_or_stale_cookie_does_not_log_in(browser, login_server):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    host = login_server.url.split("//")[1].split(":")[0]
    context.add_cookies([{"name": "cp_session", "value": "forged-token-value", "domain": host, "path": "/"}])
    page = open_(context, f"{login_server.url}/overview")
    assert is_login_form(page)
    assert_no_error(page)
    # The trading route refuses a made-up code and another site's POST.
    answer = page.request.post(f"{login_server.url}/api/session", data={"code": "made-up"})
    assert answer.status == 400
    answer = page.request.post(
        f"{login_server.url}/api/session", data={"code": "x"}, headers={"Origin": "https://evil.example"}
    )
    assert answer.status == 403
    context.close()
