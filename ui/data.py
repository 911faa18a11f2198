"""Cached reads for the pages, shared across sessions.

Every cache key includes the database URL and a data version (which changes on every
import) or the targets file's modification time, so what one person imports, everyone
sees on their next click, and nobody recomputes what another session just computed.

Two Streamlit rules matter here (benchmarks/RESULTS.md): a parameter whose name starts
with "_" is left OUT of the cache key, so the version is passed as `version`; and
`st.cache_data` pickles the value on every hit, which for a national Progress (~250,000
rows) costs seconds per page, so progress and history live in `st.cache_resource`,
shared read-only by every session (nothing may change what they return).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from data_access import access, db, queries, results_cache
from data_access.place_resolution import period_end
from data_access.progress import (
    AreaNotFound,
    Progress,
    compute_progress,
    history_across_reform,
    plan_area_on,
)
from data_access.progress import view_day as _view_day_of
from data_access.protect import load_tree_suppression, mask_history, protect_in_tree
from data_access.targets import TargetsIssue, validate_plan_file
from i18n import to_local
from rules import AreaValue
from rules.model import COMMUNES, OrgUnitRef, Plan
from rules.quality import QualityFinding, quality_findings
from rules.scorecard import area_history
from ui import auth as ui_auth

Boundary = queries.Boundary  # what pages get for a map, without importing the query module


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

DEFAULT_TARGETS = db.REPO_ROOT / "targets.yaml"
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
    return Path(os.environ.get("PLANS_DIR") or db.REPO_ROOT / "sample_data" / "plans")


def plan_pinned() -> bool:
    """TARGETS_FILE names one plan: no choice is offered."""
    return bool(os.environ.get("TARGETS_FILE"))




@st.cache_data(ttl="1h", show_spinner=False, max_entries=8)
def _plan_choices(url: str, files: tuple[tuple[str, float], ...], version: int) -> list[PlanChoice]:
    engine = db.get_engine(url)
    units_on = queries.units_on_days(engine)  # one read of the units for every plan's days
    out: list[PlanChoice] = []
    for path, _mtime in files:
        plan = validate_plan_file(Path(path)).plan
        if plan is None:
            continue  # an invalid file is reported when it is the pinned or default plan
        try:
            area = plan_area_on(engine, plan, units_on)[0]
        except AreaNotFound:
            continue
        years = tuple(sorted(plan.years))
        out.append(PlanChoice(Path(path).stem, path, plan.title, years, area.code, area.depth, area.full_name))
    return out


def all_plan_choices(url: str) -> list[PlanChoice]:
    """Every plan whose file is valid and whose area exists (before any scope check)."""
    if plan_pinned():
        return []
    files = [DEFAULT_TARGETS, *sorted(plans_dir().glob("*.yaml"))]
    return _plan_choices(url, tuple(_file_key(f) for f in files if f.is_file()), data_version(url))


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
    every report carries is counted, so this stays cheap for a whole country."""
    counts = _report_counts(url, area_code, ((year, "FY"), (year, "H1")), ("children_total",), data_version(url))
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
    url = db.database_url()
    db.ready_engine(url)
    return url


@st.cache_data(ttl="5s", show_spinner=False, max_entries=16)
def data_version(url: str) -> int:
    return queries.data_version(db.get_engine(url))


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=16)
def _org_units(url: str, version: int) -> list[OrgUnitRef]:
    return queries.list_org_units(db.get_engine(url))


def org_units(url: str) -> list[OrgUnitRef]:
    return _org_units(url, data_version(url))


@st.cache_data(ttl="1h", show_spinner=False, max_entries=16)
def _years(url: str, version: int) -> list[int]:
    return queries.years_with_data(db.get_engine(url))


def year_options(url: str, plan: Plan) -> list[int]:
    return sorted(set(_years(url, data_version(url))) | set(plan.years))


def default_year(plan: Plan, years: list[int]) -> int:
    """The latest plan year that has figures; else the latest plan year."""
    with_data = [y for y in plan.years if y in years]
    return max(with_data or plan.years or years)


@st.cache_data(ttl="1h", show_spinner=False, max_entries=16)
def _area_on(url: str, plan: Plan, version: int) -> tuple[OrgUnitRef, date | None]:
    # Read once per data version for the plan's area and every view day below: with the
    # official list loaded each lookup reads 14,000 units twice (0.1–0.2 s).
    try:
        return plan_area_on(db.get_engine(url), plan)
    except AreaNotFound as exc:
        raise PlanAreaMissing(plan.area) from exc


def _plan_area(url: str, plan: Plan, version: int) -> OrgUnitRef:
    return _area_on(url, plan, version)[0]


def plan_area(url: str, plan: Plan) -> OrgUnitRef:
    """The plan's area as written for its first year (`resolve_plan_area`)."""
    return _plan_area(url, plan, data_version(url))


@st.cache_data(ttl="1h", show_spinner=False, max_entries=64)
def _view_day(url: str, plan_path: str, plan_mtime: float, year: int, period: str, version: int) -> date:
    plan, _ = _validated_plan(plan_path, plan_mtime)
    if plan is None:
        return period_end(year, period)
    try:
        area_on = _area_on(url, plan, version)
    except PlanAreaMissing:
        return period_end(year, period)  # said where the area is used
    return _view_day_of(db.get_engine(url), plan, year, period, area_on)


def _later_day(year: int, period: str, day: date) -> date | None:
    """`day` when later than the period's last day, else None: one cache key for the
    usual view, whoever asks (a page, the warm-up)."""
    return day if day > period_end(year, period) else None


def view_day(url: str, year: int, period: str) -> date:
    """The day whose units this plan's view of (year, period) shows, for every read below
    (`data_access.progress.view_day`): the period's last day, or the first day of a plan
    area that began later (the new Bắc Ninh viewed for 2025 H1: its 99 communes, their
    figures carried, never old Bắc Giang, whose code 24 it reused)."""
    return _view_day(url, *_file_key(targets_file()), year, period, data_version(url))


# --------------------------------------------------------------------------- access
# Every loader below checks the scope of this run (ui/auth.py) BEFORE its cache: the
# cached values are the same for everyone who may see them, and nobody else reaches
# them. Masked (small-count protected) results are cached under their own key.


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=16)
def _unit_paths(url: str, version: int) -> dict[str, str]:
    return access.unit_paths(db.get_engine(url))


def is_unit(url: str, code: str) -> bool:
    return code in _unit_paths(url, data_version(url))


def can_read(url: str, code: str, role: str = "viewer") -> bool:
    """Whether the person of this run may read (`role`) the unit `code`."""
    return ui_auth.scope().allows(_unit_paths(url, data_version(url)).get(code), role)


def readable_units(url: str, role: str = "viewer") -> list[OrgUnitRef]:
    """Every unit the person of this run may read with `role`, roots first: one scope
    check per unit on one dict (11,000 `can_read` calls took a second nationally)."""
    scope, paths = ui_auth.scope(), _unit_paths(url, data_version(url))
    return [u for u in org_units(url) if scope.allows(paths.get(u.code), role)]


def require_read(url: str, code: str) -> None:
    """Stop the page with "không có quyền" when `code` is outside the scope."""
    if not can_read(url, code):
        ui_auth.deny(code)


def protected() -> bool:
    """Whether small sensitive counts are masked in this view (projector, aggregate-only
    users, or PROTECT_SMALL_COUNTS=always)."""
    return access.must_protect(ui_auth.scope(), projector=ui_auth.current_page() == "projector")


def scoped_areas(url: str, plan: Plan) -> tuple[list[OrgUnitRef], OrgUnitRef]:
    """The area choices of this person and the default one.

    The plan's area and the units above commune level they may read; a person whose
    scope is one commune (or a few) gets those communes as areas.
    """
    # One scope check per unit on one dict: calling can_read per unit read the cached
    # paths back 2 x 11,000 times at national scale (16 s of unpickling per page).
    scope, paths = ui_auth.scope(), _unit_paths(url, data_version(url))
    readable = {code for code, path in paths.items() if scope.allows(path, "viewer")}
    units = org_units(url)
    try:
        home: OrgUnitRef | None = plan_area(url, plan)
    except PlanAreaMissing:
        if ui_auth.scope().whole_tree:
            raise
        home = None
    options = [u for u in ([home] if home else []) + [u for u in units if u.level != "commune"] if u.code in readable]
    options = list({u.code: u for u in options}.values())
    if not options:
        options = [u for u in access.top_units(units, readable)]
    if not options:
        return [], home or units[0]
    default = home if home is not None and home.code in readable else options[0]
    return options, default


def area_options(url: str, plan: Plan) -> list[OrgUnitRef]:
    """The plan's area first, then every other unit above commune level."""
    home = plan_area(url, plan)
    others = [u for u in org_units(url) if u.level != "commune" and u.code != home.code]
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
    require_read(url, area_code)
    scope, paths = ui_auth.scope(), _unit_paths(url, data_version(url))
    if year is not None and period is not None:
        units = sorted(progress(url, year, period, area_code).communes, key=lambda u: u.code)
    else:
        day = on or _frame_day(url)
        units = _communes_on(url, area_code, day, data_version(url)) if day else _communes_of(url, area_code)
    return [u for u in units if scope.allows(paths.get(u.code), "viewer")]


def reporting_units(url: str, area_code: str, year: int, period: str) -> list[OrgUnitRef]:
    """The communes that report (year, period) for this view's area, the person may see
    (`queries.reporting_units`): what an import template of that period lists — 2024's
    old communes for a 2024 period, the new ones for 2026."""
    require_read(url, area_code)
    scope, paths = ui_auth.scope(), _unit_paths(url, data_version(url))
    day = view_day(url, year, period)
    units = _reporting_units(url, area_code, year, period, day, data_version(url))
    return [u for u in units if scope.allows(paths.get(u.code), "viewer")]


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=16)
def _reporting_units(url: str, area_code: str, year: int, period: str, day: date, version: int) -> list[OrgUnitRef]:
    return queries.reporting_units(db.get_engine(url), area_code, year, period, on=day)


def _frame_day(url: str) -> date | None:
    try:
        year, period = st.session_state.get("filter_year"), st.session_state.get("filter_period")
    except Exception:  # no Streamlit session
        return None
    return view_day(url, int(year), period) if year and period else None


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=32)
def _communes_on(url: str, area_code: str, day: date, version: int) -> list[OrgUnitRef]:
    return queries.communes_in(db.get_engine(url), area_code, on=day)


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


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=32)
def _progress(
    url: str,
    plan_path: str,
    plan_mtime: float,
    year: int,
    period: str,
    area_code: str,
    version: int,
    on: date | None = None,
) -> Progress:
    plan, _ = _validated_plan(plan_path, plan_mtime)
    assert plan is not None
    engine = db.get_engine(url)
    later = {"on": on} if on is not None and on > period_end(year, period) else {}
    # From its file when the figures it came from are unchanged (a server restart, or an
    # import into another period); computed otherwise. data_access/results_cache.py.
    # The day is part of the question: "24" on 30/06/2025 was old Bắc Giang.
    return results_cache.cached_progress(
        engine,
        Path(plan_path),
        year,
        period,
        f"{area_code}@{on.isoformat()}" if later else area_code,
        lambda: compute_progress(engine, plan, year, period, area_code, **later),
    )


def _progress_on(
    url: str, plan_path: str, plan_mtime: float, year: int, period: str, area_code: str, version: int, on: date | None
) -> Progress:
    """`_progress`, the day left out when it is the period's own: Streamlit keys a cache by
    the arguments passed, so a page and the warm-up must ask in the same words."""
    if on is None:
        return _progress(url, plan_path, plan_mtime, year, period, area_code, version)
    return _progress(url, plan_path, plan_mtime, year, period, area_code, version, on)


@st.cache_data(ttl="1h", show_spinner=False, max_entries=64)
def _tree_suppression(url: str, year: int, period: str, sensitive: tuple[str, ...], version: int):  # noqa: ANN202
    """Which cells are hidden in (year, period), decided once for the whole tree."""
    return load_tree_suppression(db.get_engine(url), year, period, sensitive)


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=32)
def _protected_progress(
    url: str,
    plan_path: str,
    plan_mtime: float,
    year: int,
    period: str,
    area_code: str,
    sensitive: tuple[str, ...],
    version: int,
    on: date | None = None,
) -> Progress:
    raw = _progress_on(url, plan_path, plan_mtime, year, period, area_code, version, on)
    # The command line's protection too (data_access.protect.protect_in_tree), decided once here.
    return protect_in_tree(raw, sensitive, lambda y, p: _tree_suppression(url, y, p, sensitive, version))


def progress(url: str, year: int, period: str, area_code: str, on: date | None = None) -> Progress:
    """Every indicator for the area and its communes, cached across sessions.

    On the units of `on` (default `view_day`): a trend passes the viewed year's day so
    that its earlier years are this year's communes, their figures carried.
    Refused outside the person's scope; small sensitive counts masked when `protected()`.
    """
    require_read(url, area_code)
    path, mtime = _file_key(targets_file())
    day = _later_day(year, period, on or view_day(url, year, period))
    if protected():
        sensitive = access.sensitive_elements()
        if day is None:
            return _protected_progress(url, path, mtime, year, period, area_code, sensitive, data_version(url))
        return _protected_progress(url, path, mtime, year, period, area_code, sensitive, data_version(url), day)
    return _progress_on(url, path, mtime, year, period, area_code, data_version(url), day)


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=32)
def _carried(  # noqa: ANN202
    url: str, area_code: str, years: tuple[int, ...], period: str, elements: tuple[str, ...], on: date, version: int
):
    # On the communes of the viewed day, earlier years carried across mergers.
    return history_across_reform(db.get_engine(url), area_code, [(y, period) for y in years], elements, on=on)


def _history(  # noqa: ANN202
    url: str,
    area_code: str,
    years: tuple[int, ...],
    period: str,
    elements: tuple[str, ...],
    version: int,
    on: date,
):
    return _carried(url, area_code, years, period, elements, on, version).figures


def carried_sources(
    url: str, area_code: str, years: list[int], period: str, elements: list[str], viewed_year: int | None = None
) -> dict:
    """(year, period) -> commune -> the old units whose figures stand for it in `history`
    (only the years that were carried; empty when no commune was formed since)."""
    require_read(url, area_code)
    if not years:
        return {}
    ys = tuple(sorted(set(years)))
    day = view_day(url, viewed_year or ys[-1], period)
    return _carried(url, area_code, ys, period, tuple(elements), day, data_version(url)).sources


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=32)
def _protected_history(
    url: str,
    area_code: str,
    years: tuple[int, ...],
    period: str,
    elements: tuple[str, ...],
    sensitive: tuple[str, ...],
    version: int,
    on: date,
) -> dict:
    decisions = {(y, period): _tree_suppression(url, y, period, sensitive, version) for y in years}
    return mask_history(_history(url, area_code, years, period, elements, version, on), sensitive, decisions)


def history(
    url: str, area_code: str, years: list[int], period: str, elements: list[str], viewed_year: int | None = None
) -> dict:
    """Figures for several years of one period: (year, period) -> commune -> element -> value.

    Keyed by the communes of the viewed year (default: the last of `years`) on its
    `view_day`, earlier years carried across mergers
    (`data_access.progress.history_across_reform`).
    Refused outside the person's scope; small sensitive counts masked when `protected()`.
    """
    require_read(url, area_code)
    if not years:
        return {}
    key = (url, area_code, tuple(sorted(set(years))), period, tuple(elements))
    day = view_day(url, viewed_year or max(years), period)
    if protected():
        return _protected_history(*key, access.sensitive_elements(), data_version(url), day)
    return _history(*key, data_version(url), day)


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=64)
def _indicator_history(
    url: str,
    plan_path: str,
    plan_mtime: float,
    area_code: str,
    indicator_id: str,
    year: int,
    years: tuple[int, ...],
    period: str,
    sensitive: tuple[str, ...],
    version: int,
    on: date,
) -> dict[int, AreaValue]:
    plan, _ = _validated_plan(plan_path, plan_mtime)
    assert plan is not None
    ind = plan.indicator(indicator_id)
    elements = tuple(e for e in (ind.numerator, ind.denominator, *ind.requires_zero) if e and e != COMMUNES)
    if sensitive:
        figures = _protected_history(url, area_code, years, period, elements, sensitive, version, on)
    else:
        figures = _history(url, area_code, years, period, elements, version, on)
    later = _later_day(year, period, on)
    codes = [c.code for c in _progress_on(url, plan_path, plan_mtime, year, period, area_code, version, later).communes]
    return area_history(ind, codes, figures, period)


def indicator_history(url: str, area_code: str, indicator_id: str, year: int, years: list[int], period: str):  # noqa: ANN201
    """The indicator pooled over the communes of `year` for each of `years` (one period),
    cached across sessions: at national scale that is 10 x 10,600 communes per view.

    Refused outside the person's scope; small sensitive counts masked when `protected()`.
    """
    require_read(url, area_code)
    path, mtime = _file_key(targets_file())
    sensitive = access.sensitive_elements() if protected() else ()
    return _indicator_history(
        url,
        path,
        mtime,
        area_code,
        indicator_id,
        year,
        tuple(sorted(years)),
        period,
        tuple(sensitive),
        data_version(url),
        view_day(url, year, period),
    )


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=16)
def _quality(
    url: str,
    plan_path: str,
    plan_mtime: float,
    area_code: str,
    year: int,
    period: str,
    years: tuple[int, ...],
    sensitive: tuple[str, ...],
    version: int,
    on: date,
) -> tuple[bool, list[QualityFinding]]:
    plan, _ = _validated_plan(plan_path, plan_mtime)
    assert plan is not None
    elements = tuple(plan.used_data_elements())
    other = "FY" if period == "H1" else "H1"

    # Every period on the viewed period's communes (`on`), earlier ones carried: 2025 FY's
    # Xã Sơn Động is compared with its old communes' 2025 H1 summed, never with Thị trấn
    # An Châu, whose code it reused; 2025 H1's old communes have no FY of their own.
    def read(ys: tuple[int, ...], p: str) -> dict:
        if sensitive:
            return _protected_history(url, area_code, ys, p, elements, sensitive, version, on)
        return _history(url, area_code, ys, p, elements, version, on)

    figures = dict(read(years, period))
    figures.update(read((year,), other))
    if not figures.get((year, period)):
        return False, []
    return True, quality_findings(plan, figures, year, period)


def quality(url: str, area_code: str, year: int, period: str, years: list[int]) -> tuple[bool, list[QualityFinding]]:
    """(any figures for the period, the data-quality findings of the area, worst first),
    over `years` of the same period and the other period of `year`; cached across
    sessions (a national history is 10 years x 10,600 communes).

    Refused outside the person's scope; small sensitive counts masked when `protected()`.
    """
    require_read(url, area_code)
    path, mtime = _file_key(targets_file())
    sensitive = tuple(access.sensitive_elements()) if protected() else ()
    ys = tuple(sorted(y for y in years if y <= year))
    day = view_day(url, year, period)
    return _quality(url, path, mtime, area_code, year, period, ys, sensitive, data_version(url), day)


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=8)
def _report_counts(
    url: str, area_code: str, periods: tuple[tuple[int, str], ...], elements: tuple[str, ...], version: int
) -> dict[tuple[int, str], pd.Series]:
    # Shared and read-only, one integer Series per period: nationally 212,000 counts
    # held as objects and unpickled on every run (st.cache_data) cost ~1 s a run.
    counts = queries.report_counts_in(db.get_engine(url), area_code, periods, elements)
    return {key: pd.Series(by_code, dtype="int64") for key, by_code in counts.items()}


def report_counts(
    url: str, area_code: str, periods: Sequence[tuple[int, str]], elements: Sequence[str]
) -> dict[tuple[int, str], pd.Series]:
    """(year, period) -> how many of `elements` each commune of the area has sent
    (communes with none left out), cached across sessions. Refused outside the scope."""
    require_read(url, area_code)
    return _report_counts(url, area_code, tuple(periods), tuple(elements), data_version(url))


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=16)
def _carried_reports(
    url: str, area_code: str, year: int, period: str, elements: tuple[str, ...], day: date, version: int
) -> tuple[list[OrgUnitRef], int]:
    units = queries.reporting_units(db.get_engine(url), area_code, year, period, on=day)
    counts = queries.report_counts_of_units(db.get_engine(url), units, year, period, elements)
    return units, sum(1 for u in units if counts.get(u.code, 0) >= len(elements))


def reports_before_area(
    url: str, area_code: str, year: int, period: str, elements: Sequence[str]
) -> tuple[list[OrgUnitRef], int] | None:
    """For a period before the plan's area began (the new Bắc Ninh's 2025 H1): (the old
    communes that reported it, how many of them sent every figure); None for a period of
    the area's own communes. Refused outside the scope."""
    require_read(url, area_code)
    day = view_day(url, year, period)
    if day <= period_end(year, period):
        return None
    return _carried_reports(url, area_code, year, period, tuple(elements), day, data_version(url))


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=8)
def _report_received(
    url: str, area_code: str, periods: tuple[tuple[int, str], ...], elements: tuple[str, ...], version: int
) -> dict[tuple[int, str], dict[str, date]]:
    got = queries.report_received_in(db.get_engine(url), area_code, periods, elements)
    return {key: {code: to_local(at).date() for code, at in by_code.items()} for key, by_code in got.items()}


def report_received(
    url: str, area_code: str, periods: Sequence[tuple[int, str]], elements: Sequence[str]
) -> dict[tuple[int, str], dict[str, date]]:
    """(year, period) -> the local day each commune's report got its last figure, cached
    across sessions (reporting status: "nộp muộn"). Refused outside the scope."""
    require_read(url, area_code)
    return _report_received(url, area_code, tuple(periods), tuple(elements), data_version(url))


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=16)
def _boundaries(url: str, area_code: str, version: int) -> list[queries.Boundary]:
    return queries.boundaries_in(db.get_engine(url), area_code)


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=16)
def _places_on(url: str, area_code: str, on: date, version: int) -> list[queries.Boundary]:
    return queries.boundaries_in(db.get_engine(url), area_code, on=on, with_points=True)


def places_on(url: str, area_code: str, on: date) -> list[queries.Boundary]:
    """The communes valid on `on` with their boundary, or only their coordinates
    (geometry None) where no boundary is loaded: what a map of any place draws."""
    require_read(url, area_code)
    return _places_on(url, area_code, on, data_version(url))


def boundaries(url: str, area_code: str) -> list[queries.Boundary]:
    require_read(url, area_code)
    return _boundaries(url, area_code, data_version(url))


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=8)
def _part_boundaries(url: str, area_code: str, level: str, version: int) -> list[queries.Boundary]:
    return queries.boundaries_in(db.get_engine(url), area_code, level=level)


def part_boundaries(url: str, area_code: str, level: str) -> list[queries.Boundary]:
    """Boundaries of the area's units of one level ('province', 'district'), for maps of parts."""
    require_read(url, area_code)
    return _part_boundaries(url, area_code, level, data_version(url))


def clear_after_import() -> None:
    """Imports change the data version, but clearing also frees memory at once."""
    st.cache_data.clear()
    for shared in (
        _part_boundaries,
        _org_units,
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
        _warmed.add(key)
    try:
        area = plan_area(url, plan)
    except PlanAreaMissing:
        return None
    version = key[-1]
    days = {y: _later_day(y, "FY", view_day(url, y, "FY")) for y in (year, year - 1)}

    def work() -> None:
        try:
            for y in (year, year - 1):
                _progress_on(url, path, mtime, y, "FY", area.code, version, days[y])
            _boundaries(url, area.code, version)
        except Exception:  # a warm-up never breaks anything: the page computes it then
            logging.getLogger(__name__).exception("warm-up of %s failed", area.code)

    thread = threading.Thread(target=work, name="cache-warm-up", daemon=True)
    thread.start()
    return thread
