"""Who may see and change what: a role (viewer, editor, admin) over org-unit subtrees.

Every read and write path asks this module, not the pages: the cached loaders of
`ui/data.py`, the importer, the exports and the command line. A scope is a plain,
hashable value (`AccessScope`), so it can be part of a cache key.

- `viewer` reads figures in the subtree; `editor` also loads figures into it;
  `admin` also closes and reopens periods there. A grant on no unit (the national
  department) covers the whole tree.
- A person with no grant sees nothing (`NOBODY`); an unknown or disabled account is
  the same.
- `ANONYMOUS_SAMPLE` is the scope of mode `AUTH_MODE=none`: everything, but only on the
  embedded sample database (the app refuses mode none on another database unless
  `ALLOW_NO_LOGIN=1`, and there it is `ANONYMOUS_READER`, reading only, unless
  `ALLOW_NO_LOGIN=write`).
- `SYSTEM` is the operator at the command line without `--as`: whoever can run
  `python -m data_access` with the database URL can already write SQL.

The scope of the code running now is a context variable (`current_scope`), set by the
page frame for each run and by `python -m data_access` (`--as USER`, or `SYSTEM` stated
explicitly without it). Its default is `NOBODY`: code that forgot to say who is asking
(a new thread, a library call) reads nothing, instead of everything.

Small-count protection settings live here too (`PROTECT_SMALL_COUNTS`,
`SENSITIVE_ELEMENTS`); the masking itself is `data_access.protect`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, bindparam, select

from data_access.models import AppUser, OrgUnit, UserScope
from i18n import Explained
from rules.model import OrgUnitRef, Plan
from rules.suppression import DEFAULT_SENSITIVE

if TYPE_CHECKING:
    from data_access.progress import Progress

ROLES: tuple[str, ...] = ("viewer", "editor", "admin")
_RANK = {role: i for i, role in enumerate(ROLES)}
WHOLE_TREE = "*"  # the area code of a grant over everything


class AccessDenied(Explained, PermissionError):
    """This person may not read (or write) this place; `.message(lang)` says so plainly."""

    def __init__(self, key: str = "access_denied_area", **params: object) -> None:
        super().__init__(key, **params)


@dataclass(frozen=True)
class Grant:
    """A role over the subtree whose materialised path starts with `path` ("" = all)."""

    path: str
    code: str  # WHOLE_TREE for the whole tree
    role: str


@dataclass(frozen=True)
class AccessScope:
    """What one person (or process) may do; hashable, so it can key a cache."""

    user: str
    kind: str = "user"  # user | system | anonymous | nobody
    grants: tuple[Grant, ...] = ()
    aggregates_only: bool = False  # small counts are masked for this person everywhere
    sample_only: bool = False  # mode none: the embedded sample database only
    display_name: str | None = None

    @property
    def identity(self) -> str:
        """A short stable text naming this scope (cache keys, logs)."""
        grants = ",".join(f"{g.code}={g.role}" for g in sorted(self.grants, key=lambda g: (g.path, g.role)))
        return f"{self.kind}:{self.user}:{int(self.aggregates_only)}:{grants}"

    @property
    def is_empty(self) -> bool:
        return not self.grants

    def role_at(self, path: str | None) -> str | None:
        """The strongest role this scope has on the unit at `path` (None: no access)."""
        if path is None:
            return None
        best: str | None = None
        for g in self.grants:
            if path.startswith(g.path) and (best is None or _RANK[g.role] > _RANK[best]):
                best = g.role
        return best

    def allows(self, path: str | None, role: str = "viewer") -> bool:
        have = self.role_at(path)
        return have is not None and _RANK[have] >= _RANK[role]

    def has_role_anywhere(self, role: str) -> bool:
        return any(_RANK[g.role] >= _RANK[role] for g in self.grants)

    @property
    def whole_tree(self) -> bool:
        return any(g.path == "" for g in self.grants)


SYSTEM = AccessScope("system", "system", (Grant("", WHOLE_TREE, "admin"),))
ANONYMOUS_SAMPLE = AccessScope("anonymous", "anonymous", (Grant("", WHOLE_TREE, "admin"),), sample_only=True)
# Mode none on the operator's own database (`ALLOW_NO_LOGIN=1`): an open dashboard to look
# at, but nobody unnamed loads figures or closes periods there (`ALLOW_NO_LOGIN=write` says
# an operator really wants that too).
ANONYMOUS_READER = AccessScope("anonymous", "anonymous", (Grant("", WHOLE_TREE, "viewer"),), sample_only=True)
NOBODY = AccessScope("nobody", "nobody")

_current: ContextVar[AccessScope] = ContextVar("access_scope", default=NOBODY)


def current_scope() -> AccessScope:
    """The scope of the code running now (the UI sets it on every run)."""
    return _current.get()


def set_current_scope(scope: AccessScope) -> None:
    _current.set(scope)


@contextlib.contextmanager
def using_scope(scope: AccessScope) -> Iterator[AccessScope]:
    """Run a block with `scope` as the current scope (tests, the command line)."""
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)


# --------------------------------------------------------------------------- settings


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def protection_mode() -> str:
    """PROTECT_SMALL_COUNTS: off | on (default) | always.

    `on` masks small sensitive counts on the projector, in exports for circulation and
    for aggregate-only users; `always` masks them on every page for everyone.
    """
    raw = os.environ.get("PROTECT_SMALL_COUNTS", "on").strip().lower()
    if raw in ("0", "off", "false", "no"):
        return "off"
    if raw in ("always", "all", "everywhere"):
        return "always"
    return "on"


def sensitive_elements() -> tuple[str, ...]:
    """SENSITIVE_ELEMENTS (comma-separated data-element ids), default: abuse, drowning,
    injury deaths, HIV, child labour."""
    raw = os.environ.get("SENSITIVE_ELEMENTS", "").strip()
    if not raw:
        return DEFAULT_SENSITIVE
    return tuple(dict.fromkeys(p.strip() for p in raw.split(",") if p.strip()))


def must_protect(scope: AccessScope | None = None, *, projector: bool = False, for_circulation: bool = False) -> bool:
    """Whether small sensitive counts are masked for this view."""
    mode = protection_mode()
    if mode == "off":
        return False
    if mode == "always":
        return True
    scope = scope or current_scope()
    return projector or for_circulation or scope.aggregates_only


def allow_no_login_on_database() -> bool:
    return _env_flag("ALLOW_NO_LOGIN") or allow_no_login_writes()


def allow_no_login_writes() -> bool:
    """`ALLOW_NO_LOGIN=write`: mode none may also import and lock on a configured database."""
    return os.environ.get("ALLOW_NO_LOGIN", "").strip().lower() == "write"


def anonymous_scope(embedded: bool) -> AccessScope:
    """The scope of mode none: everything on the embedded sample; on another database
    (allowed by `ALLOW_NO_LOGIN`) reading only, unless `ALLOW_NO_LOGIN=write`."""
    return ANONYMOUS_SAMPLE if embedded or allow_no_login_writes() else ANONYMOUS_READER


# --------------------------------------------------------------------------- paths


def _connect(bind: Engine | Connection) -> contextlib.AbstractContextManager[Connection]:
    return bind.connect() if isinstance(bind, Engine) else contextlib.nullcontext(bind)


def unit_path(bind: Engine | Connection, code: str) -> str | None:
    """The materialised path (`/24/220/07654/`) of the unit with `code`, or None."""
    with _connect(bind) as conn:
        return conn.execute(
            OrgUnit.by_code(code, OrgUnit.path)
        ).scalar()


def unit_paths(bind: Engine | Connection, codes: Iterable[str] | None = None) -> dict[str, str]:
    """code → path for `codes` (or every unit)."""
    stmt = select(OrgUnit.code, OrgUnit.path)
    params: dict[str, object] = {}
    if codes is not None:
        wanted = sorted(set(codes))
        if not wanted:
            return {}
        stmt = stmt.where(OrgUnit.code.in_(bindparam("codes", expanding=True)))
        params["codes"] = wanted
    with _connect(bind) as conn:
        return {code: path for code, path in conn.execute(stmt, params)}


# --------------------------------------------------------------------------- checks


def require_area(bind: Engine | Connection, scope: AccessScope | None, code: str, role: str = "viewer") -> str:
    """The path of `code` if `scope` has `role` there; else `AccessDenied`.

    An unknown code is refused the same way, so the answer does not tell whether a
    place exists.
    """
    scope = scope or current_scope()
    path = unit_path(bind, code)
    if not scope.allows(path, role):
        raise AccessDenied("access_denied_area" if role == "viewer" else f"access_denied_{role}", area=code)
    return path  # type: ignore[return-value]


def require_write(bind: Engine | Connection, scope: AccessScope | None, commune_code: str) -> str:
    """Editors (and admins) may load figures for communes in their subtree."""
    return require_area(bind, scope, commune_code, "editor")


def require_admin(bind: Engine | Connection, scope: AccessScope | None, area_code: str) -> str:
    return require_area(bind, scope, area_code, "admin")


def denied_codes(
    bind: Engine | Connection, scope: AccessScope | None, codes: Iterable[str], role: str = "viewer"
) -> list[str]:
    """The codes among `codes` where `scope` lacks `role` (unknown codes included)."""
    scope = scope or current_scope()
    wanted = sorted(set(codes))
    paths = unit_paths(bind, wanted)
    return [c for c in wanted if not scope.allows(paths.get(c), role)]


def require_write_all(bind: Engine | Connection, scope: AccessScope | None, codes: Iterable[str]) -> None:
    """Refuse a write touching any commune outside the editor's subtree (all or nothing)."""
    denied = denied_codes(bind, scope, codes, "editor")
    if denied:
        raise AccessDenied("access_denied_write", area=", ".join(denied[:5]) + (" …" if len(denied) > 5 else ""))


def readable_units(bind: Engine | Connection, scope: AccessScope | None = None) -> list[OrgUnitRef]:
    """Every unit `scope` may read, roots of the scope first."""
    from data_access.queries import list_org_units

    scope = scope or current_scope()
    engine_units = list_org_units(bind) if isinstance(bind, Engine) else None
    if engine_units is None:
        raise TypeError("readable_units needs an Engine")
    if scope.whole_tree:
        return engine_units
    paths = unit_paths(bind)
    return [u for u in engine_units if scope.allows(paths.get(u.code))]


def top_units(units: Sequence[OrgUnitRef], readable: set[str]) -> list[OrgUnitRef]:
    """The readable units whose parent is not readable (the roots of a scope)."""
    return [u for u in units if u.code in readable and (u.parent_code is None or u.parent_code not in readable)]


# --------------------------------------------------------------------------- loading a user's scope


def scope_for_user(bind: Engine | Connection, username: str) -> AccessScope:
    """The scope of an account; NOBODY (named) when it is unknown or disabled."""
    with _connect(bind) as conn:
        user = conn.execute(select(AppUser).where(AppUser.username == bindparam("u")), {"u": username}).first()
        if user is None or not user.active:
            return AccessScope(username, "nobody")
        rows = conn.execute(
            select(UserScope.role, OrgUnit.code, OrgUnit.path)
            .outerjoin(OrgUnit, OrgUnit.id == UserScope.org_unit_id)
            .where(UserScope.user_id == bindparam("uid")),
            {"uid": user.id},
        ).all()
    grants = tuple(
        sorted(
            (Grant(path or "", code or WHOLE_TREE, role) for role, code, path in rows),
            key=lambda g: (g.path, g.role),
        )
    )
    return AccessScope(
        user.username,
        "user",
        grants,
        aggregates_only=bool(user.aggregates_only),
        display_name=user.display_name,
    )


def user_by_email(bind: Engine | Connection, email: str) -> str | None:
    """The username of the active account with this e-mail (mode oidc), if exactly one."""
    with _connect(bind) as conn:
        rows = conn.execute(
            select(AppUser.username).where(AppUser.email == bindparam("e"), AppUser.active.is_(True)),
            {"e": email.strip().lower()},
        ).all()
    return rows[0][0] if len(rows) == 1 else None


@dataclass(frozen=True)
class GrantRow:
    username: str
    area_code: str
    area_name: str
    role: str
    granted_by: str
    granted_at: datetime


# --------------------------------------------------------------------------- scoped reads
# The same reads as `queries` / `progress`, each refused outside the scope first.


def figures_in_area(
    engine: Engine,
    scope: AccessScope | None,
    area_code: str,
    periods: Iterable[tuple[int, str]],
    data_elements: Sequence[str] | None = None,
    on: date | None = None,
) -> dict:
    from data_access.progress import history_across_reform

    require_area(engine, scope, area_code)
    # On the communes of the last period asked for (or of `on`, a view's day); earlier
    # periods carried across mergers (a report's trend 2021-2026 of new communes).
    return dict(history_across_reform(engine, area_code, list(periods), list(data_elements or []), on=on).figures)


def communes_in(engine: Engine, scope: AccessScope | None, area_code: str, year: int | None = None) -> list[OrgUnitRef]:
    from data_access import queries

    require_area(engine, scope, area_code)
    return queries.communes_in(engine, area_code, year)


def compute_progress(
    engine: Engine, scope: AccessScope | None, plan: Plan, year: int, period: str, area_code: str | None = None
) -> Progress:
    """`progress.compute_progress` for an area the scope may read (default: the plan's)."""
    from data_access.progress import compute_progress as _compute
    from data_access.progress import resolve_plan_area, view_day

    # The plan's area as written for its first year (a 2024 plan's "Sơn Động" is the
    # district, not today's Xã Sơn Động); viewed after it was abolished it stands for the
    # communes that replaced it (data_access.queries.successors_of); viewed before it
    # began (the new Bắc Ninh for 2025 H1) it is its new communes, figures carried.
    code = area_code or resolve_plan_area(engine, plan).code
    require_area(engine, scope, code)
    return _compute(engine, plan, year, period, code, on=None if area_code else view_day(engine, plan, year, period))


def boundaries_in(engine: Engine, scope: AccessScope | None, area_code: str) -> list:
    from data_access import queries

    require_area(engine, scope, area_code)
    return queries.boundaries_in(engine, area_code)
