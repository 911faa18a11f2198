"""Every page renders in AppTest, in both languages, on both databases; error states
are plain messages, never tracebacks."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest_util import REPO, all_text, run_app
from ui.frame import PAGES

PAGE_KEYS = [p.key for p in PAGES]


@pytest.mark.parametrize("page", PAGE_KEYS)
def test_page_renders_in_vietnamese(monkeypatch, shared_seeded_url, page):
    at = run_app(monkeypatch, shared_seeded_url, page=page, year="2024", period="FY")
    text = all_text(at)
    assert text.strip(), f"{page} drew nothing"


@pytest.mark.parametrize("page", PAGE_KEYS)
def test_page_renders_in_english(monkeypatch, _shared_copies, page):
    at = run_app(monkeypatch, _shared_copies["sqlite"], page=page, year="2024", period="H1", lang="en")
    assert all_text(at).strip()


def test_sidebar_filters_follow_the_url(monkeypatch, shared_seeded_url):
    at = run_app(monkeypatch, shared_seeded_url, year="2023", period="H1")
    assert at.selectbox(key="w_year").value == 2023
    assert at.radio(key="w_period").value == "H1"
    assert at.selectbox(key="w_area").value == "220"  # the plan's area, Sơn Động


def test_an_invalid_targets_file_lists_its_errors_on_the_page(monkeypatch, _shared_copies):
    monkeypatch.setenv("TARGETS_FILE", str(REPO / "tests" / "fixtures" / "targets_five_mistakes.yaml"))
    monkeypatch.setenv("DATABASE_URL", _shared_copies["sqlite"])
    monkeypatch.chdir(REPO)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert "5 lỗi" in at.error[0].value
    bullets = [m.value for m in at.markdown if "Dòng" in m.value]
    assert bullets and bullets[0].count("Dòng") == 5


def test_an_unreachable_database_is_said_plainly_with_the_password_masked(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://officer:hunter2@127.0.0.1:1/childplan")
    monkeypatch.chdir(REPO)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    assert not at.exception
    message = at.error[0].value
    assert "Không kết nối được cơ sở dữ liệu" in message
    assert "hunter2" not in message and "***" in message


def test_the_url_carries_codes_not_labels(monkeypatch, shared_seeded_url):
    at = run_app(monkeypatch, shared_seeded_url, lang="en")
    at.radio(key="w_period").set_value("H1").run()
    at.selectbox(key="w_area").set_value("187").run()  # Chi Lăng district
    assert at.query_params["period"] == ["H1"] or at.query_params["period"] == "H1"
    assert "187" in str(at.query_params["area"])
    assert "en" in str(at.query_params["lang"])
    # a link made of these parameters opens the same view in the other language
    again = run_app(monkeypatch, shared_seeded_url, period="H1", area="187", lang="vi")
    assert again.selectbox(key="w_area").value == "187" and again.radio(key="w_period").value == "H1"
