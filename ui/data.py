"""Cached reads for the pages, shared across sessions.

Every cache key includes the database URL and a data version (which changes on every
import) or the targets file's modification time, so what one person imports, everyone
sees on their next click, and nobody recomputes what another session just computed.

Two Streamlit rules matter here (benchmarks/RESULTS.md): a parameter whose name starts
with "_" is left OUT of the cache key, so the version is passed as `version`; and
`st.cache_data` pickles the value on every hit, which for a national Progress (~250,000
rows) costs seconds per page, so progress and history live in `st.cache_resource`,
shared read-only by every session (nothing may change what they return).

Nothing here holds an engine or calls a query: every read goes through the door,
`data_access.store.Store`, made for the person of this run (`ui.auth.scope()`, passed
explicitly). A loader asks the store for a handle first, on every call — `directory()`
for the tree's places, `reads(area)` for an area's figures, refused outside the scope —
and hands it to its cached function as an argument whose name starts with "_", so the
handle is not part of the key: the cached values are the same for everyone who may see
them (what of the viewer changes the answer, the masking of small counts, is in the key
as `sensitive`). A cached function called without a handle makes one for this run.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from data_access import access
from data_access.access import AccessDenied
from data_access.place_resolution import period_end
from data_access.progress import Progress
from data_access.store import REPO_ROOT, AreaNotFound, AreaReads, Directory, Store, UnitTable, ready_url
from data_access.store import Boundary as Boundary  # what pages get for a map
from data_access.targets import TargetsIssue, validate_plan_file
from i18n import to_local
from rules import AreaValue
from rules.model import COMMUNES, OrgUnitRef, Plan
from rules.quality import QualityFinding, quality_findings
from rules.scorecard import area_history
from ui import auth as ui_auth

Periods = tuple[tuple[int, str], ...]  # (year, period) pairs, a cache key's part
Handle = AreaReads | None  # a cached function's read handle, left out of its key ("_")


class PlanErrors(Exception):
    def __init__(self, filename: str, issues: list[TargetsIssue]) -> None:
        super().__init__(filename)
        self.filename = filename
        self.issues = issues


class PlanAreaMissing(LookupError):
    pass


def targets_file() -> Path:
    """The plan of this view: TARGETS_FILE when set (one plan pinned), else the plan the
    frame chose for this session (`?plan=`, see `plan_choices`), else targets.yaml."""
    pinned = os.environ.get("TARGETS_FILE")
    if pinned:
        return Path(pinned)
    try:
        chosen = st.session_state.get(_CHOSEN_PLAN)
    except Exception:  # no Streamlit session (a thread, the command line): the default file
        chosen = None
    return Path(chosen) if chosen else DEFAULT_TARGETS


# --------------------------------------------------------------------------- plans
# Several plans in one deployment (the province's 2026 plan, a district's 2024–2025 plan,
# a commune's own): targets.yaml plus every *.yaml in PLANS_DIR (default sample_data/plans).
# A plan is offered when its file is valid, its area exists in the database, and the
# person of this run may read that area; `?plan=<file stem>` carries the choice.

DEFAULT_TARGETS = REPO_ROOT / "targets.yaml"
_CHOSEN_PLAN = "_plan_path"


@dataclass(frozen=True)
class PlanChoice:
    key: str  # the file's stem, the value of ?plan=
    path: str
    title: str
    years: tuple[int, ...]
    area_code: str
    area_depth: int
    area_name: str = ""

    @property
    def label(self) -> str:
        """ "Tỉnh Bắc Ninh · 2025–2026": every plan's title starts with the same words,
        so the picker says whose plan and which years."""
        years = f"{self.years[0]}–{self.years[-1]}" if len(self.years) > 1 else "".join(map(str, self.years))
        return f"{self.area_name} · {years}" if years else self.area_name


def plans_dir() -> Path:
    return Path(os.environ.get("PLANS_DIR") or REPO_ROOT / "sample_data" / "plans")


def plan_pinned() -> bool:
    """TARGETS_FILE names one plan: no choice is offered."""
    return bool(os.environ.get("TARGETS_FILE"))


# --------------------------------------------------------------------------- the door
# Each loader's first step: a handle from the store made for the person of this run.


def _directory(url: str) -> Directory:
    """The tree's places, for the person of this run (the store refuses `NOBODY`)."""
    return Store.at(url, ui_auth.scope()).directory()


def _store(url: str) -> Store:
    """The store for the person of this run, with the tree's paths of this data version
    (its scope checks then read no table)."""
    return Store.at(url, ui_auth.scope(), _paths(url))


def _reads(url: str, area_code: str) -> AreaReads:
    """`area_code`'s figures for the person of this run; `AccessDenied` outside their scope."""
    return _store(url).reads(area_code)


@st.cache_data(ttl="1h", show_spinner=False, max_entries=8)
def _plan_choices(
    url: str, files: tuple[tuple[str, float], ...], version: int, _dir: Directory | None = None
) -> list[PlanChoice]:
    plans = [(path, validate_plan_file(Path(path)).plan) for path, _mtime in files]
    # An invalid file is reported when it is the pinned or default plan.
    valid = [(path, plan) for path, plan in plans if plan is not None]
    directory = _dir or _directory(url)
    table = _unit_table(url, version, _dir=directory)
    areas = directory.plan_areas([plan for _, plan in valid], table)
    out: list[PlanChoice] = []
    for (path, plan), found in zip(valid, areas, strict=True):
        if found is None:
            continue
        area, years = found[0], tuple(sorted(plan.years))
        out.append(PlanChoice(Path(path).stem, path, plan.title, years, area.code, area.depth, area.full_name))
    return out


def all_plan_choices(url: str) -> list[PlanChoice]:
    """Every plan whose file is valid and whose area exists (before any scope check)."""
    if plan_pinned():
        return []
    files = [DEFAULT_TARGETS, *sorted(plans_dir().glob("*.yaml"))]
    keys = tuple(_file_key(f) for f in files if f.is_file())
    return _plan_choices(url, keys, data_version(url), _dir=_directory(url))


def plan_choices(url: str) -> list[PlanChoice]:
    """The plans this person may open: those whose area they may read."""
    return [c for c in all_plan_choices(url) if can_read(url, c.area_code)]


def default_plan(choices: Sequence[PlanChoice], today: date) -> PlanChoice | None:
    """The plan of this year (the widest area first), else targets.yaml, else the first."""
    current = sorted((c for c in choices if today.year in c.years), key=lambda c: (c.area_depth, c.key))
    if current:
        return current[0]
    return next((c for c in choices if Path(c.path) == DEFAULT_TARGETS), choices[0] if choices else None)


def choose_plan(choice: PlanChoice | None) -> None:
    """Make `choice` the plan of this session's loaders (None: the default file)."""
    st.session_state[_CHOSEN_PLAN] = choice.path if choice else None


def has_figures(url: str, area_code: str, year: int, period: str) -> bool:
    """Whether any commune under the area reported the period (the frame's default
    period: in December 2026 the communes have sent only their H1 reports). One element
    every report carries is counted, so this stays cheap for a whole country. An area
    outside the scope has none to show (a question, not a page refused)."""
    try:
        reads = _reads(url, area_code)
    except AccessDenied:
        return False
    periods, elements = ((year, "FY"), (year, "H1")), ("children_total",)
    counts = _report_counts(url, area_code, periods, elements, data_version(url), _reads=reads)
    return bool(len(counts.get((year, period), ())))


def _file_key(path: Path) -> tuple[str, float]:
    try:
        return str(path), path.stat().st_mtime
    except OSError:
        return str(path), -1.0


@st.cache_data(show_spinner=False, max_entries=8)
def _validated_plan(path: str, mtime: float) -> tuple[Plan | None, list[TargetsIssue]]:
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
    return ready_url()


@st.cache_data(ttl="5s", show_spinner=False, max_entries=16)
def _data_version(url: str, _dir: Directory | None = None) -> int:
    return (_dir or _directory(url)).data_version()


def data_version(url: str) -> int:
    return _data_version(url, _dir=_directory(url))


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=16)
def _unit_table(url: str, version: int, _dir: Directory | None = None) -> UnitTable:
    # The tree read once per data version: the units of any day and the plans' areas
    # come from it (with the official list, 14,000 rows read per day and per plan cost
    # the frame's pickers 1.3 s cold).
    return (_dir or _directory(url)).unit_table()


def _table(url: str) -> UnitTable:
    return _unit_table(url, data_version(url), _dir=_directory(url))


def org_units(url: str) -> list[OrgUnitRef]:
    """Every unit, roots first (a reused code: today's unit). Shared: do not change it."""
    return _table(url).on()


def units_on(url: str, day: date) -> list[OrgUnitRef]:
    """The units valid on `day`: a code of both eras names its unit of that day (24 is
    Tỉnh Bắc Giang in 2024, Tỉnh Bắc Ninh in 2026), for the area picker's labels."""
    return _table(url).on(day)


def areas_on(url: str, day: date, areas: Sequence[OrgUnitRef]) -> list[OrgUnitRef]:
    """`units_on(day)` of the `areas`' codes only (the area picker's labels)."""
    return _table(url).on_with_codes(day, (a.code for a in areas))


@st.cache_data(ttl="1h", show_spinner=False, max_entries=16)
def _years(url: str, version: int, _dir: Directory | None = None) -> list[int]:
    return (_dir or _directory(url)).years()


def year_options(url: str, plan: Plan) -> list[int]:
    return sorted(set(_years(url, data_version(url), _dir=_directory(url))) | set(plan.years))


def default_year(plan: Plan, years: list[int]) -> int:
    """The latest plan year that has figures; else the latest plan year."""
    with_data = [y for y in plan.years if y in years]
    return max(with_data or plan.years or years)


def _area_key(plan: Plan) -> tuple[str, tuple[int, ...]]:
    """All of a plan that its area's lookup reads (`plan_area_on`): hashing the whole plan
    for the cache key cost ~9 ms a call, several calls a page."""
    return plan.area, tuple(plan.years)


@st.cache_data(ttl="1h", show_spinner=False, max_entries=16, hash_funcs={Plan: _area_key})
def _area_on(url: str, plan: Plan, version: int, _dir: Directory | None = None) -> tuple[OrgUnitRef, date | None]:
    # Read once per data version for the plan's area and every view day below: with the
    # official list loaded each lookup reads 14,000 units twice (0.1–0.2 s).
    try:
        directory = _dir or _directory(url)
        return directory.plan_area(plan, _unit_table(url, version, _dir=directory))
    except AreaNotFound as exc:
        raise PlanAreaMissing(plan.area) from exc


def _plan_area(url: str, plan: Plan, version: int) -> OrgUnitRef:
    return _area_on(url, plan, version, _dir=_directory(url))[0]


def plan_area(url: str, plan: Plan) -> OrgUnitRef:
    """The plan's area as written for its first year (`resolve_plan_area`)."""
    return _plan_area(url, plan, data_version(url))


@st.cache_data(ttl="1h", show_spinner=False, max_entries=64)
def _view_day(
    url: str, plan_path: str, plan_mtime: float, year: int, period: str, version: int, _dir: Directory | None = None
) -> date:
    plan, _ = _validated_plan(plan_path, plan_mtime)
    if plan is None:
        return period_end(year, period)
    directory = _dir or _directory(url)
    try:
        area_on = _area_on(url, plan, version, _dir=directory)
    except PlanAreaMissing:
        return period_end(year, period)  # said where the area is used
    return directory.view_day(plan, year, period, area_on)


def _later_day(year: int, period: str, day: date) -> date | None:
    """`day` when later than the period's last day, else None: one cache key for the
    usual view, whoever asks (a page, the warm-up)."""
    return day if day > period_end(year, period) else None


def view_day(url: str, year: int, period: str) -> date:
    """The day whose units this plan's view of (year, period) shows, for every read below
    (`data_access.progress.view_day`): the period's last day, or the first day of a plan
    area that began later (the new Bắc Ninh viewed for 2025 H1: its 99 communes, their
    figures carried, never old Bắc Giang, whose code 24 it reused)."""
    return _view_day(url, *_file_key(targets_file()), year, period, data_version(url), _dir=_directory(url))


# --------------------------------------------------------------------------- access
# Every loader below gets its handle from the store (which checks the scope of this
# run) BEFORE its cache: the cached values are the same for everyone who may see them,
# and nobody else reaches them. Masked (small-count protected) results are cached under
# their own key.


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=16)
def _unit_paths(url: str, version: int, _dir: Directory | None = None) -> dict[str, str]:
    return (_dir or _directory(url)).unit_paths()


def _paths(url: str) -> dict[str, str]:
    return _unit_paths(url, data_version(url), _dir=_directory(url))


def is_unit(url: str, code: str) -> bool:
    return code in _paths(url)


def can_read(url: str, code: str, role: str = "viewer") -> bool:
    """Whether the person of this run may read (`role`) the unit `code`."""
    return _store(url).may(code, role)


def readable_units(url: str, role: str = "viewer") -> list[OrgUnitRef]:
    """Every unit the person of this run may read with `role`, roots first: one scope
    check per unit on one dict (11,000 `can_read` calls took a second nationally)."""
    store = _store(url)
    return [u for u in org_units(url) if store.may(u.code, role)]


def require_read(url: str, code: str) -> AreaReads:
    """The area's figures (the store's handle); the page stops with "không có quyền"
    when `code` is outside the scope."""
    try:
        return _reads(url, code)
    except AccessDenied:
        ui_auth.deny(code)
        raise  # deny stops the run; outside Streamlit the refusal stands


def protected() -> bool:
    """Whether small sensitive counts are masked in this view (projector, aggregate-only
    users, or PROTECT_SMALL_COUNTS=always)."""
    return access.must_protect(ui_auth.scope(), projector=ui_auth.current_page() == "projector")


def scoped_areas(url: str, plan: Plan) -> tuple[list[OrgUnitRef], OrgUnitRef]:
    """The area choices of this person and the default one.

    The plan's area and the units above commune level they may read; a person whose
    scope is one commune (or a few) gets those communes as areas.
    """
    # The scope is checked for the units above commune level only (~800 of 14,000 with
    # the official list), on one dict: calling can_read per unit read the cached paths
    # back 2 x 11,000 times at national scale (16 s of unpickling per page).
    store = _store(url)
    try:
        home: OrgUnitRef | None = plan_area(url, plan)
    except PlanAreaMissing:
        if ui_auth.scope().whole_tree:
            raise
        home = None
    above = _table(url).above_commune()  # no commune's unit made: 800 of 14,000
    options = [u for u in ([home] if home else []) + above if store.may(u.code)]
    # The plan's own area (first) keeps its code's place and name: today's unit of a
    # reused code must not stand in for the area the plan was written for.
    firsts: dict[str, OrgUnitRef] = {}
    for u in options:
        firsts.setdefault(u.code, u)
    options = list(firsts.values())
    if not options:  # a scope of communes only: every unit's check, once
        readable = {code for code in _paths(url) if store.may(code)}
        options = [u for u in access.top_units(org_units(url), readable)]
    if not options:
        return [], home or org_units(url)[0]
    default = home if home is not None and store.may(home.code) else options[0]
    return options, default


def area_options(url: str, plan: Plan) -> list[OrgUnitRef]:
    """The plan's area first, then every other unit above commune level."""
    home = plan_area(url, plan)
    others = [u for u in _table(url).above_commune() if u.code != home.code]
    return [home, *others]


def communes_of(
    url: str, area_code: str, year: int | None = None, period: str | None = None, on: date | None = None
) -> list[OrgUnitRef]:
    """The area's communes the person may see, valid on one day: with a year and period,
    those that report it (the progress's communes); otherwise those valid on `on`, by
    default the last day of the period this view shows (the frame's year and period).
    Since the 2025 reform a code names an old commune in 2024 and a new one in 2026:
    never a mix of the two eras under one code. Pages pass the day (`view_day`, or the
    period's last day for the units that report it); without one, the frame's period."""
    reads, store = require_read(url, area_code), _store(url)
    if year is not None and period is not None:
        units = sorted(progress(url, year, period, area_code).communes, key=lambda u: u.code)
    else:
        day = on or _frame_day(url)
        if day:
            units = _communes_on(url, area_code, day, data_version(url), _reads=reads)
        else:
            units = _communes_of(url, area_code)
    return [u for u in units if store.may(u.code)]


def reporting_units(url: str, area_code: str, year: int, period: str) -> list[OrgUnitRef]:
    """The communes that report (year, period) for this view's area, the person may see
    (`AreaReads.reporting_units`): what an import template of that period lists — 2024's
    old communes for a 2024 period, the new ones for 2026."""
    reads, store = require_read(url, area_code), _store(url)
    day = view_day(url, year, period)
    units = _reporting_units(url, area_code, year, period, day, data_version(url), _reads=reads)
    return [u for u in units if store.may(u.code)]


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=16)
def _reporting_units(
    url: str, area_code: str, year: int, period: str, day: date, version: int, _reads: AreaReads | None = None
) -> list[OrgUnitRef]:
    return _reads_of(url, area_code, _reads).reporting_units(year, period, day)


def _frame_day(url: str) -> date | None:
    try:
        year, period = st.session_state.get("filter_year"), st.session_state.get("filter_period")
    except Exception:  # no Streamlit session
        return None
    return view_day(url, int(year), period) if year and period else None


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=32)
def _communes_on(
    url: str, area_code: str, day: date, version: int, _reads: AreaReads | None = None
) -> list[OrgUnitRef]:
    return _reads_of(url, area_code, _reads).communes_on(day)


def _communes_of(url: str, area_code: str) -> list[OrgUnitRef]:
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


def _reads_of(url: str, area_code: str, reads: AreaReads | None = None) -> AreaReads:
    """The handle a cached function was given, else one for the person of this run (a
    test or a benchmark calling the cached function itself): the store's check either way."""
    return reads if reads is not None else _reads(url, area_code)


@dataclass(frozen=True)
class AreaView:
    """One view of an area, the shared caches' key: the database at a data version, the
    area, the year and period viewed, the day whose units it shows, and the sensitive
    elements whose small counts it masks (none unless `protected()`). Compared by value:
    a page, the warm-up and a test that build the same view share one cached value.

    `on` is the day a read is keyed by: for a progress only a day later than the
    period's last (`_later_day`, else None), for a history or a finding the view day."""

    url: str
    area_code: str
    year: int
    period: str
    version: int
    on: date | None = None
    sensitive: tuple[str, ...] = ()


PlanFile = tuple[str, float]  # a plan's path and modification time (`_file_key`)


def _plan_of(plan_file: PlanFile) -> Plan:
    plan, _ = _validated_plan(*plan_file)
    assert plan is not None
    return plan


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=32)
def _progress(view: AreaView, plan_file: PlanFile, _reads: Handle = None) -> Progress:
    # From its file when the figures it came from are unchanged (a server restart, or an
    # import into another period); computed otherwise. data_access/results_cache.py.
    reads = _reads_of(view.url, view.area_code, _reads)
    return reads.progress(_plan_of(plan_file), Path(plan_file[0]), view.year, view.period, view.on)


@st.cache_data(ttl="1h", show_spinner=False, max_entries=64)
def _tree_suppression(  # noqa: ANN202
    url: str, year: int, period: str, sensitive: tuple[str, ...], version: int, _reads: AreaReads | None = None
):
    """Which cells are hidden in (year, period), decided once for the whole tree (any
    readable area's handle reads it; the decision is the same for every area)."""
    assert _reads is not None, "the handle of the area being masked"
    return _reads.suppression(year, period, sensitive)


def _decided(view: AreaView, reads: AreaReads):  # noqa: ANN202
    """`_tree_suppression` of the view's sensitive elements, for any (year, period)."""
    return lambda y, p: _tree_suppression(view.url, y, p, view.sensitive, view.version, _reads=reads)


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=32)
def _protected_progress(view: AreaView, plan_file: PlanFile, _reads: Handle = None) -> Progress:
    reads = _reads_of(view.url, view.area_code, _reads)
    raw = _progress(replace(view, sensitive=()), plan_file, _reads=reads)
    # The command line's protection too (data_access.protect.protect_in_tree), decided once here.
    return reads.protect(raw, view.sensitive, _decided(view, reads))


def _view(url: str, area_code: str, year: int, period: str, on: date | None = None) -> AreaView:
    """The view of this run (masked when `protected()`), on the units of `on`."""
    sensitive = tuple(access.sensitive_elements()) if protected() else ()
    return AreaView(url, area_code, year, period, data_version(url), on, sensitive)


def _any_progress(view: AreaView, plan_file: PlanFile, reads: AreaReads) -> Progress:
    cached = _protected_progress if view.sensitive else _progress
    return cached(view, plan_file, _reads=reads)


def progress(url: str, year: int, period: str, area_code: str, on: date | None = None) -> Progress:
    """Every indicator for the area and its communes, cached across sessions.

    On the units of `on` (default `view_day`): a trend passes the viewed year's day so
    that its earlier years are this year's communes, their figures carried.
    Refused outside the person's scope; small sensitive counts masked when `protected()`.
    """
    reads = require_read(url, area_code)
    day = _later_day(year, period, on or view_day(url, year, period))
    return _any_progress(_view(url, area_code, year, period, day), _file_key(targets_file()), reads)


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=32)
def _carried(  # noqa: ANN202
    view: AreaView,
    years: tuple[int, ...],
    elements: tuple[str, ...],
    meant_on: date | None,
    _reads: Handle = None,
    periods: tuple[str, ...] = (),
):
    # On the communes of the viewed day, earlier years carried across mergers; the plan's
    # own area as the plan meant it (an ended province whose code was reused: its successors).
    # `periods`: those years' H1 and FY read together (the pace), default the view's period.
    assert view.on is not None, "the viewed year's day"
    reads = _reads_of(view.url, view.area_code, _reads)
    return reads.history([(y, p) for y in years for p in periods or (view.period,)], elements, view.on, meant_on)


def meant_on(url: str, area_code: str) -> date | None:
    """The day whose unit the plan's area code names, when `area_code` is the plan's area."""
    plan, _ = _validated_plan(*_file_key(targets_file()))
    if plan is None:
        return None
    try:
        unit, day = _area_on(url, plan, data_version(url), _dir=_directory(url))
    except PlanAreaMissing:
        return None
    return day if unit.code == area_code else None


def _history_view(url: str, area_code: str, years: list[int], period: str, viewed_year: int | None) -> AreaView:
    """The view a history is keyed by: the viewed year (default the last of `years`) on its day."""
    year = viewed_year or max(years)
    return _view(url, area_code, year, period, view_day(url, year, period))


def carried_sources(
    url: str, area_code: str, years: list[int], period: str, elements: list[str], viewed_year: int | None = None
) -> dict:
    """(year, period) -> commune -> the old units whose figures stand for it in `history`
    (only the years that were carried; empty when no commune was formed since)."""
    reads = require_read(url, area_code)
    if not years:
        return {}
    view = replace(_history_view(url, area_code, years, period, viewed_year), sensitive=())
    ys = tuple(sorted(set(years)))
    return _carried(view, ys, tuple(elements), meant_on(url, area_code), _reads=reads).sources


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=32)
def _protected_history(
    view: AreaView,
    years: tuple[int, ...],
    elements: tuple[str, ...],
    meant: date | None,
    _reads: Handle = None,
    periods: tuple[str, ...] = (),
) -> dict:
    reads = _reads_of(view.url, view.area_code, _reads)
    decide = _decided(view, reads)
    decisions = {(y, p): decide(y, p) for y in years for p in periods or (view.period,)}
    figures = _carried(replace(view, sensitive=()), years, elements, meant, _reads=reads, periods=periods).figures
    return reads.mask_history(figures, view.sensitive, decisions)


def _any_history(
    view: AreaView,
    years: tuple[int, ...],
    elements: tuple[str, ...],
    meant: date | None,
    reads: AreaReads,
    periods: tuple[str, ...] = (),
) -> dict:
    """The figures of `years` in the view's period, or in `periods` (masked when the view is)."""
    if view.sensitive:
        return _protected_history(view, years, elements, meant, _reads=reads, periods=periods)
    return _carried(view, years, elements, meant, _reads=reads, periods=periods).figures


def history(
    url: str, area_code: str, years: list[int], period: str, elements: list[str], viewed_year: int | None = None
) -> dict:
    """Figures for several years of one period: (year, period) -> commune -> element -> value.

    Keyed by the communes of the viewed year (default: the last of `years`) on its
    `view_day`, earlier years carried across mergers
    (`data_access.progress.history_across_reform`).
    Refused outside the person's scope; small sensitive counts masked when `protected()`.
    """
    reads = require_read(url, area_code)
    if not years:
        return {}
    view = _history_view(url, area_code, years, period, viewed_year)
    return _any_history(view, tuple(sorted(set(years))), tuple(elements), meant_on(url, area_code), reads)


def history_of_periods(
    url: str, area_code: str, years: list[int], periods: tuple[str, ...], elements: list[str], view: tuple[int, str]
) -> dict:
    """`history` of several periods read together ((year, period) -> commune -> element ->
    value), on the communes of the (year, period) `view` shows: the H1 pace's earlier
    halves and years in one read of the old communes' figures instead of one per period."""
    reads = require_read(url, area_code)
    if not years:
        return {}
    year, period = view
    shown = _view(url, area_code, year, period, view_day(url, year, period))
    ys = tuple(sorted(set(years)))
    return _any_history(shown, ys, tuple(elements), meant_on(url, area_code), reads, periods=tuple(periods))


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=64)
def _indicator_history(
    view: AreaView, plan_file: PlanFile, indicator_id: str, years: tuple[int, ...], _reads: Handle = None
) -> dict[int, AreaValue]:
    reads = _reads_of(view.url, view.area_code, _reads)
    ind = _plan_of(plan_file).indicator(indicator_id)
    elements = tuple(e for e in (ind.numerator, ind.denominator, *ind.requires_zero) if e and e != COMMUNES)
    figures = _any_history(view, years, elements, meant_on(view.url, view.area_code), reads)
    assert view.on is not None, "the viewed year's day"
    later = replace(view, on=_later_day(view.year, view.period, view.on), sensitive=())
    raw = _progress(later, plan_file, _reads=reads)
    return area_history(ind, [c.code for c in raw.communes], figures, view.period)


def indicator_history(url: str, area_code: str, indicator_id: str, year: int, years: list[int], period: str):  # noqa: ANN201
    """The indicator pooled over the communes of `year` for each of `years` (one period),
    cached across sessions: at national scale that is 10 x 10,600 communes per view.

    Refused outside the person's scope; small sensitive counts masked when `protected()`.
    """
    reads = require_read(url, area_code)
    view = _view(url, area_code, year, period, view_day(url, year, period))
    return _indicator_history(view, _file_key(targets_file()), indicator_id, tuple(sorted(years)), _reads=reads)


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=16)
def _quality(
    view: AreaView, plan_file: PlanFile, years: tuple[int, ...], _reads: Handle = None
) -> tuple[bool, list[QualityFinding]]:
    plan = _plan_of(plan_file)
    reads = _reads_of(view.url, view.area_code, _reads)
    elements = tuple(plan.used_data_elements())
    other = "FY" if view.period == "H1" else "H1"

    # Every period on the viewed period's communes (`view.on`), earlier ones carried: 2025
    # FY's Xã Sơn Động is compared with its old communes' 2025 H1 summed, never with Thị
    # trấn An Châu, whose code it reused; 2025 H1's old communes have no FY of their own.
    # No `meant_on`: the findings read an ended area's own figures (the trends pass it).
    figures = dict(_any_history(view, years, elements, None, reads))
    figures.update(_any_history(replace(view, period=other), (view.year,), elements, None, reads))
    if not figures.get((view.year, view.period)):
        return False, []
    return True, quality_findings(plan, figures, view.year, view.period)


def quality(url: str, area_code: str, year: int, period: str, years: list[int]) -> tuple[bool, list[QualityFinding]]:
    """(any figures for the period, the data-quality findings of the area, worst first),
    over `years` of the same period and the other period of `year`; cached across
    sessions (a national history is 10 years x 10,600 communes).

    Refused outside the person's scope; small sensitive counts masked when `protected()`.
    """
    reads = require_read(url, area_code)
    view = _view(url, area_code, year, period, view_day(url, year, period))
    ys = tuple(sorted(y for y in years if y <= year))
    return _quality(view, _file_key(targets_file()), ys, _reads=reads)


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=8)
def _report_counts(
    url: str, area_code: str, periods: Periods, elements: tuple[str, ...], version: int, _reads: Handle = None
) -> dict[tuple[int, str], pd.Series]:
    # Shared and read-only, one integer Series per period: nationally 212,000 counts
    # held as objects and unpickled on every run (st.cache_data) cost ~1 s a run.
    counts = _reads_of(url, area_code, _reads).report_counts(periods, elements)
    return {key: pd.Series(by_code, dtype="int64") for key, by_code in counts.items()}


def report_counts(
    url: str, area_code: str, periods: Sequence[tuple[int, str]], elements: Sequence[str]
) -> dict[tuple[int, str], pd.Series]:
    """(year, period) -> how many of `elements` each commune of the area has sent
    (communes with none left out), cached across sessions. Refused outside the scope."""
    reads = require_read(url, area_code)
    return _report_counts(url, area_code, tuple(periods), tuple(elements), data_version(url), _reads=reads)


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=16)
def _carried_reports(
    url: str,
    area_code: str,
    year: int,
    period: str,
    elements: tuple[str, ...],
    day: date,
    version: int,
    _reads: AreaReads | None = None,
) -> tuple[list[OrgUnitRef], int]:
    return _reads_of(url, area_code, _reads).carried_reports(year, period, elements, day)


def reports_before_area(
    url: str, area_code: str, year: int, period: str, elements: Sequence[str]
) -> tuple[list[OrgUnitRef], int] | None:
    """For a period before the plan's area began (the new Bắc Ninh's 2025 H1): (the old
    communes that reported it, how many of them sent every figure); None for a period of
    the area's own communes. Refused outside the scope."""
    reads = require_read(url, area_code)
    day = view_day(url, year, period)
    if day <= period_end(year, period):
        return None
    return _carried_reports(url, area_code, year, period, tuple(elements), day, data_version(url), _reads=reads)


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=8)
def _report_received(
    url: str, area_code: str, periods: Periods, elements: tuple[str, ...], version: int, _reads: Handle = None
) -> dict[tuple[int, str], dict[str, date]]:
    got = _reads_of(url, area_code, _reads).report_received(periods, elements)
    return {key: {code: to_local(at).date() for code, at in by_code.items()} for key, by_code in got.items()}


def report_received(
    url: str, area_code: str, periods: Sequence[tuple[int, str]], elements: Sequence[str]
) -> dict[tuple[int, str], dict[str, date]]:
    """(year, period) -> the local day each commune's report got its last figure, cached
    across sessions (reporting status: "nộp muộn"). Refused outside the scope."""
    reads = require_read(url, area_code)
    return _report_received(url, area_code, tuple(periods), tuple(elements), data_version(url), _reads=reads)


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=16)
def _boundaries(url: str, area_code: str, version: int, _reads: AreaReads | None = None) -> list[Boundary]:
    return _reads_of(url, area_code, _reads).boundaries()


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=16)
def _places_on(url: str, area_code: str, on: date, version: int, _reads: AreaReads | None = None) -> list[Boundary]:
    return _reads_of(url, area_code, _reads).boundaries(on=on, with_points=True)


def places_on(url: str, area_code: str, on: date) -> list[Boundary]:
    """The communes valid on `on` with their boundary, or only their coordinates
    (geometry None) where no boundary is loaded: what a map of any place draws."""
    reads = require_read(url, area_code)
    return _places_on(url, area_code, on, data_version(url), _reads=reads)


def boundaries(url: str, area_code: str) -> list[Boundary]:
    reads = require_read(url, area_code)
    return _boundaries(url, area_code, data_version(url), _reads=reads)


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=8)
def _part_boundaries(
    url: str, area_code: str, level: str, version: int, _reads: AreaReads | None = None
) -> list[Boundary]:
    return _reads_of(url, area_code, _reads).boundaries(level=level)


def part_boundaries(url: str, area_code: str, level: str) -> list[Boundary]:
    """Boundaries of the area's units of one level ('province', 'district'), for maps of parts."""
    reads = require_read(url, area_code)
    return _part_boundaries(url, area_code, level, data_version(url), _reads=reads)


def clear_after_import() -> None:
    """Imports change the data version, but clearing also frees memory at once."""
    st.cache_data.clear()
    for shared in (
        _part_boundaries,
        _unit_table,
        _communes_on,
        _reporting_units,
        _unit_paths,
        _boundaries,
        _progress,
        _protected_progress,
        _carried,  # the histories (`_history` reads through it)
        _protected_history,
        _indicator_history,
        _quality,
        _report_counts,
        _report_received,
    ):
        shared.clear()


# --------------------------------------------------------------------------- warm-up

_warmed: set[tuple] = set()
_warm_lock = threading.Lock()


def warm_up(url: str, plan: Plan, year: int) -> threading.Thread | None:
    """Compute the plan area's usual views in the background, once per server start,
    import and targets file: the first leader to open the overview after an import, or
    a meeting's first slide, then finds it ready instead of waiting for the whole
    country's figures to be evaluated (seconds at national scale).

    Whoever asks while the work runs waits for that same computation (Streamlit's cache
    computes a key once), never repeats it. Only under a real server (`enabled`): a
    test's throwaway database must not be read after the test has dropped it.
    """
    path, mtime = _file_key(targets_file())
    key = (url, path, mtime, data_version(url))
    with _warm_lock:
        if key in _warmed:
            return None
    try:
        area = plan_area(url, plan)
        # The handle is made here, in the page's run, by the person's store: the thread
        # has no session, and someone who may not read the plan's area warms nothing
        # (the next reader of it will).
        reads = _reads(url, area.code)
    except (PlanAreaMissing, AccessDenied):
        return None
    with _warm_lock:
        if key in _warmed:
            return None
        _warmed.add(key)
    version = key[-1]
    days = {y: _later_day(y, "FY", view_day(url, y, "FY")) for y in (year, year - 1)}

    def work() -> None:
        try:
            for y in (year, year - 1):
                _progress(AreaView(url, area.code, y, "FY", version, days[y]), (path, mtime), _reads=reads)
            _boundaries(url, area.code, version, _reads=reads)
        except Exception:  # a warm-up never breaks anything: the page computes it then
            logging.getLogger(__name__).exception("warm-up of %s failed", area.code)

    thread = threading.Thread(target=work, name="cache-warm-up", daemon=True)
    thread.start()
    return thread
