"""Cached reads for the pages, shared across sessions.

Every cache key includes the database URL and a data version (which changes on every
import) or the targets file's modification time, so what one person imports, everyone
sees on their next click, and nobody recomputes what another session just computed.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from data_access import db, queries
from data_access.progress import AreaNotFound, Progress, compute_progress, resolve_area
from data_access.targets import TargetsIssue, validate_plan_file
from rules.model import OrgUnitRef, Plan


class PlanErrors(Exception):
    def __init__(self, filename: str, issues: list[TargetsIssue]) -> None:
        super().__init__(filename)
        self.filename = filename
        self.issues = issues


class PlanAreaMissing(LookupError):
    pass


def targets_file() -> Path:
    return Path(os.environ.get("TARGETS_FILE") or db.REPO_ROOT / "targets.yaml")


def _file_key(path: Path) -> tuple[str, float]:
    try:
        return str(path), path.stat().st_mtime
    except OSError:
        return str(path), -1.0


@st.cache_data(show_spinner=False, max_entries=8)
def _validated_plan(path: str, _mtime: float) -> tuple[Plan | None, list[TargetsIssue]]:
    result = validate_plan_file(Path(path))
    return result.plan, list(result.errors)


def load_plan_or_errors() -> Plan:
    path = targets_file()
    plan, issues = _validated_plan(*_file_key(path))
    if plan is None:
        raise PlanErrors(path.name, issues)
    return plan


def database_url_ready() -> str:
    """The configured database URL, migrated (and seeded if embedded) once per process."""
    url = db.database_url()
    db.ready_engine(url)
    return url


@st.cache_data(ttl="5s", show_spinner=False, max_entries=16)
def data_version(url: str) -> int:
    return queries.data_version(db.get_engine(url))


@st.cache_data(ttl="1h", show_spinner=False, max_entries=16)
def _org_units(url: str, _version: int) -> list[OrgUnitRef]:
    return queries.list_org_units(db.get_engine(url))


def org_units(url: str) -> list[OrgUnitRef]:
    return _org_units(url, data_version(url))


@st.cache_data(ttl="1h", show_spinner=False, max_entries=16)
def _years(url: str, _version: int) -> list[int]:
    return queries.years_with_data(db.get_engine(url))


def year_options(url: str, plan: Plan) -> list[int]:
    return sorted(set(_years(url, data_version(url))) | set(plan.years))


def default_year(plan: Plan, years: list[int]) -> int:
    """The latest plan year that has figures; else the latest plan year."""
    with_data = [y for y in plan.years if y in years]
    return max(with_data or plan.years or years)


@st.cache_data(ttl="1h", show_spinner=False, max_entries=16)
def _plan_area(url: str, area_text: str, _version: int) -> OrgUnitRef:
    try:
        return resolve_area(db.get_engine(url), area_text)
    except AreaNotFound as exc:
        raise PlanAreaMissing(area_text) from exc


def plan_area(url: str, plan: Plan) -> OrgUnitRef:
    return _plan_area(url, plan.area, data_version(url))


def area_options(url: str, plan: Plan) -> list[OrgUnitRef]:
    """The plan's area first, then every other unit above commune level."""
    home = plan_area(url, plan)
    others = [u for u in org_units(url) if u.level != "commune" and u.code != home.code]
    return [home, *others]


def communes_of(url: str, area_code: str) -> list[OrgUnitRef]:
    prefix_units = org_units(url)
    by_code = {u.code: u for u in prefix_units}
    out = []
    for u in prefix_units:
        if u.level != "commune":
            continue
        parent = u.parent_code
        while parent and parent != area_code:
            parent = by_code[parent].parent_code if parent in by_code else None
        if parent == area_code or u.code == area_code:
            out.append(u)
    return sorted(out, key=lambda u: u.code)


@st.cache_data(ttl="1h", show_spinner=False, max_entries=256)
def _progress(
    url: str, plan_path: str, plan_mtime: float, year: int, period: str, area_code: str, _version: int
) -> Progress:
    plan, _ = _validated_plan(plan_path, plan_mtime)
    assert plan is not None
    return compute_progress(db.get_engine(url), plan, year, period, area_code)


def progress(url: str, year: int, period: str, area_code: str) -> Progress:
    """Every indicator for the area and its communes, cached across sessions."""
    path, mtime = _file_key(targets_file())
    return _progress(url, path, mtime, year, period, area_code, data_version(url))


@st.cache_data(ttl="1h", show_spinner=False, max_entries=64)
def _history(url: str, area_code: str, years: tuple[int, ...], period: str, elements: tuple[str, ...], _version: int):  # noqa: ANN202
    return queries.figures_in_area(db.get_engine(url), area_code, [(y, period) for y in years], elements)


def history(url: str, area_code: str, years: list[int], period: str, elements: list[str]) -> dict:
    """Figures for several years of one period: (year, period) -> commune -> element -> value."""
    return _history(url, area_code, tuple(sorted(years)), period, tuple(elements), data_version(url))


@st.cache_data(ttl="1h", show_spinner=False, max_entries=16)
def _boundaries(url: str, area_code: str, _version: int) -> list[queries.Boundary]:
    return queries.boundaries_in(db.get_engine(url), area_code)


def boundaries(url: str, area_code: str) -> list[queries.Boundary]:
    return _boundaries(url, area_code, data_version(url))


def clear_after_import() -> None:
    """Imports change the data version, but clearing also frees memory at once."""
    st.cache_data.clear()
