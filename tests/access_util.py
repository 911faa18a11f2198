"""Helpers for the access-control tests: accounts, logging in through the form in
AppTest, and the sample's small sensitive counts computed from the CSV itself."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

from streamlit.testing.v1 import AppTest

from data_access import auth, db
from rules.suppression import DEFAULT_SENSITIVE
from tests.apptest_util import run_app

REPO = Path(__file__).resolve().parent.parent
SECRET = "k3J9x!aQ2mZ7pL0vB5nR8tW1yE4uI6oP-test-only"
PASSWORD = "mat-khau-du-dai-1"


def make_user(url: str, name: str, grants: list[tuple[str, str]], *, aggregates_only: bool = False) -> None:
    engine = db.ready_engine(url)
    auth.add_user(engine, name, PASSWORD, aggregates_only=aggregates_only)
    for area, role in grants:
        auth.grant(engine, name, area, role)


def open_app(monkeypatch, url: str, *, mode: str = "none", **params: str) -> AppTest:
    monkeypatch.setenv("AUTH_MODE", mode)
    monkeypatch.setenv("APP_SECRET", SECRET)
    return run_app(monkeypatch, url, timeout=120, **params)


def log_in(at: AppTest, name: str, password: str = PASSWORD) -> AppTest:
    at.text_input(key="auth_username").input(name)
    at.text_input(key="auth_password").input(password)
    at.button[0].click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_page_as(monkeypatch, url: str, user: str, page: str, **params: str) -> AppTest:
    """Log in (mode db) through the form, then open `page` with `params` in the URL."""
    at = open_app(monkeypatch, url, mode="db")
    log_in(at, user)
    for key, value in params.items():
        at.query_params[key] = value
    if page != "overview":
        at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def org_units() -> dict[str, dict[str, str]]:
    with open(REPO / "sample_data" / "org_units.csv", encoding="utf-8") as f:
        return {r["code"]: r for r in csv.DictReader(f)}


def communes_of(district: str) -> list[str]:
    return sorted(code for code, r in org_units().items() if r["parent_code"] == district)


def sample_figures(year: int, period: str) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = defaultdict(dict)
    with open(REPO / "sample_data" / "data_values.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if int(r["year"]) == year and r["period"] == period:
                out[r["commune_code"]][r["data_element"]] = float(r["value"])
    return dict(out)


def small_sensitive_cells(year: int, period: str, district: str) -> dict[tuple[str, str], float]:
    """(commune, element) → value for every sensitive count from 1 to 4 in the district."""
    figures = sample_figures(year, period)
    out = {}
    for code in communes_of(district):
        for de in DEFAULT_SENSITIVE:
            value = figures.get(code, {}).get(de)
            if value is not None and 1 <= value <= 4:
                out[(code, de)] = value
    return out


def element_dump(at: AppTest) -> list[str]:
    """Every element the run sent, as text (protos include deck JSON, Arrow tables,
    Vega-Lite specs with their data)."""
    out = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return out
