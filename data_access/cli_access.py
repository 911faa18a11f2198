"""`python -m data_access user …` and `period …`: accounts, grants and period locks.

    python -m data_access user add an.nguyen --display-name "Nguyễn Văn An" \\
        --role editor --area 07654              # password asked twice (or --password-stdin)
    python -m data_access user grant an.nguyen --role viewer --area 220
    python -m data_access user grant an.nguyen --area 220 --revoke
    python -m data_access user disable an.nguyen | enable | reset | list
    python -m data_access period close --year 2024 --period FY --area 220 --reason "Hết hạn báo cáo"
    python -m data_access period reopen --year 2024 --period FY --area 220
    python -m data_access period list

Every command runs with a scope. `--as USER` (a global option, before the command;
or the environment variable `DATA_ACCESS_AS`) runs it as that account: its grants
decide what `progress`, `import`, `export`, `period` and `user` may touch, and an
unknown or disabled account is refused. Without it the command runs as the operator
(`system`: full access; whoever can run this with the database URL can already write
SQL). `user add|disable|enable|reset|list` need an admin grant; `user grant` and
`period close|reopen` need admin on the area concerned.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from data_access import auth, db, locks
from data_access.access import (
    ROLES,
    SYSTEM,
    WHOLE_TREE,
    AccessDenied,
    AccessScope,
    current_scope,
    require_admin,
    scope_for_user,
    set_current_scope,
)
from i18n import fmt_date, t

EXIT_OK, EXIT_ERROR = 0, 1
AS_ENV = "DATA_ACCESS_AS"


# --------------------------------------------------------------------------- the acting scope


def acting_user() -> str:
    """The name written to the audit log for what this command does."""
    scope = current_scope()
    if scope.kind == "user":
        return scope.user
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name in a container: still say it came from the CLI
        return "cli"


def apply_as_user(name: str | None) -> AccessScope:
    """Set the current scope from `--as` / DATA_ACCESS_AS; refuse unknown or disabled accounts."""
    name = (name or os.environ.get(AS_ENV) or "").strip()
    if not name:
        set_current_scope(SYSTEM)
        return SYSTEM
    scope = scope_for_user(db.ready_engine(), auth.normalise_username(name))
    if scope.kind != "user":
        raise AccessDenied("access_cli_unknown_user", user=name)
    set_current_scope(scope)
    return scope


def _require_user_admin(engine, target: str | None = None) -> None:  # noqa: ANN001
    """Managing accounts needs an admin grant; touching an account needs admin over
    every place that account has a grant on."""
    scope = current_scope()
    if not scope.has_role_anywhere("admin"):
        raise AccessDenied("access_denied_admin", area=WHOLE_TREE)
    if target is None or scope.whole_tree:
        return
    for row in auth.list_users(engine):
        if row.username == auth.normalise_username(target):
            for code, _name, _role in row.grants:
                if code == WHOLE_TREE:
                    raise AccessDenied("access_denied_admin", area=WHOLE_TREE)
                require_admin(engine, scope, code)


def _read_password(args: argparse.Namespace, confirm: bool = True) -> str | None:
    """From stdin (--password-stdin), else asked twice on a terminal, else None
    (a temporary one is generated and must be changed at the first login)."""
    if getattr(args, "password_stdin", False):
        return sys.stdin.readline().rstrip("\n")
    if sys.stdin.isatty():
        first = getpass.getpass(t("access_cli_password_prompt", args.lang))
        if confirm and getpass.getpass(t("access_cli_password_again", args.lang)) != first:
            raise auth.UserError("access_cli_password_mismatch")
        return first
    return None


# --------------------------------------------------------------------------- user commands


def cmd_user_add(args: argparse.Namespace) -> int:
    engine = db.ready_engine()
    _require_user_admin(engine)
    if args.area or args.role:
        if (args.area or WHOLE_TREE) == WHOLE_TREE:
            _require_whole_tree()
        else:
            require_admin(engine, None, args.area)
    password = _read_password(args)
    generated = password is None
    auth.add_user(
        engine,
        args.username,
        password,
        display_name=args.display_name,
        email=args.email,
        aggregates_only=args.aggregates_only,
        must_change_password=generated,
    )
    if generated:
        password = auth.reset_password(engine, args.username)
    if args.area or args.role:
        auth.grant(engine, args.username, args.area or WHOLE_TREE, args.role or "viewer", by=acting_user())
    print(t("access_cli_user_added", args.lang, user=auth.normalise_username(args.username)))
    if generated:
        print(t("access_cli_temporary_password", args.lang, password=password))
    return EXIT_OK


def _require_whole_tree() -> None:
    if not current_scope().whole_tree:
        raise AccessDenied("access_denied_admin", area=WHOLE_TREE)


def _set_active(args: argparse.Namespace, active: bool) -> int:
    """`user disable` / `user enable`: an admin over the account's area turns it off or on."""
    engine = db.ready_engine()
    _require_user_admin(engine, args.username)
    auth.set_active(engine, args.username, active)
    done = "access_cli_user_enabled" if active else "access_cli_user_disabled"
    print(t(done, args.lang, user=auth.normalise_username(args.username)))
    return EXIT_OK


def cmd_user_disable(args: argparse.Namespace) -> int:
    return _set_active(args, False)


def cmd_user_enable(args: argparse.Namespace) -> int:
    return _set_active(args, True)


def cmd_user_reset(args: argparse.Namespace) -> int:
    engine = db.ready_engine()
    _require_user_admin(engine, args.username)
    password = _read_password(args)
    new = auth.reset_password(engine, args.username, password)
    print(t("access_cli_user_reset", args.lang, user=auth.normalise_username(args.username)))
    if password is None:
        print(t("access_cli_temporary_password", args.lang, password=new))
    return EXIT_OK


def cmd_user_list(args: argparse.Namespace) -> int:
    engine = db.ready_engine()
    _require_user_admin(engine)
    rows = auth.list_users(engine)
    if not rows:
        print(t("access_cli_no_users", args.lang))
        return EXIT_OK
    for row in rows:
        state = t("access_cli_state_active" if row.active else "access_cli_state_disabled", args.lang)
        if row.locked_until is not None:
            state += ", " + t("access_cli_state_locked", args.lang)
        if row.aggregates_only:
            state += ", " + t("access_cli_state_aggregates", args.lang)
        grants = "; ".join(
            f"{t('access_role_' + role, args.lang)} @ {code}{(' ' + name) if name else ''}"
            for code, name, role in row.grants
        ) or t("access_cli_no_grants", args.lang)
        last = fmt_date(row.last_login_at, args.lang, with_time=True) if row.last_login_at else "–"
        print(f"{row.username:<24} {state:<28} {grants}  [{t('access_cli_last_login', args.lang)}: {last}]")
    return EXIT_OK


def cmd_user_grant(args: argparse.Namespace) -> int:
    engine = db.ready_engine()
    area = args.area
    if area == WHOLE_TREE:
        _require_whole_tree()
    else:
        require_admin(engine, None, area)
    if args.revoke:
        removed = auth.revoke(engine, args.username, area)
        key = "access_cli_revoked" if removed else "access_cli_nothing_revoked"
        print(t(key, args.lang, user=auth.normalise_username(args.username), area=area))
        return EXIT_OK
    auth.grant(engine, args.username, area, args.role, by=acting_user())
    print(
        t(
            "access_cli_granted",
            args.lang,
            user=auth.normalise_username(args.username),
            role=t("access_role_" + args.role, args.lang),
            area=area,
        )
    )
    return EXIT_OK


# --------------------------------------------------------------------------- period commands


def _period_change(args: argparse.Namespace, change, done_key: str) -> int:  # noqa: ANN001 - locks.close_period / reopen_period
    change(db.ready_engine(), args.year, args.period, args.area, acting_user(), reason=args.reason)
    print(t(done_key, args.lang, period=t(f"period_{args.period}", args.lang), year=args.year, area=args.area))
    return EXIT_OK


def cmd_period_close(args: argparse.Namespace) -> int:
    return _period_change(args, locks.close_period, "access_cli_period_closed")


def cmd_period_reopen(args: argparse.Namespace) -> int:
    return _period_change(args, locks.reopen_period, "access_cli_period_reopened")


def cmd_period_list(args: argparse.Namespace) -> int:
    rows = locks.list_locks(db.ready_engine())
    if not rows:
        print(t("access_cli_no_locks", args.lang))
        return EXIT_OK
    for lock in rows:
        print(
            t(
                "access_cli_lock_line",
                args.lang,
                period=t(f"period_{lock.period}", args.lang),
                year=lock.year,
                area=f"{lock.area_name} ({lock.area_code})",
                by=lock.locked_by,
                when=fmt_date(lock.locked_at, args.lang, with_time=True),
                reason=lock.reason or "–",
            )
        )
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    user = sub.add_parser("user", help=t("access_cli_help_user"))
    users = user.add_subparsers(dest="user_command", required=True)
    p = users.add_parser("add", help=t("access_cli_help_user_add"))
    p.add_argument("username")
    p.add_argument("--display-name")
    p.add_argument("--email")
    p.add_argument("--role", choices=ROLES)
    p.add_argument("--area", help=t("access_cli_help_area"))
    p.add_argument("--aggregates-only", action="store_true", help=t("access_cli_help_aggregates"))
    p.add_argument("--password-stdin", action="store_true", help=t("access_cli_help_password_stdin"))
    p.set_defaults(func=cmd_user_add)
    for name, func in (("disable", cmd_user_disable), ("enable", cmd_user_enable)):
        p = users.add_parser(name, help=t(f"access_cli_help_user_{name}"))
        p.add_argument("username")
        p.set_defaults(func=func)
    p = users.add_parser("reset", help=t("access_cli_help_user_reset"))
    p.add_argument("username")
    p.add_argument("--password-stdin", action="store_true", help=t("access_cli_help_password_stdin"))
    p.set_defaults(func=cmd_user_reset)
    users.add_parser("list", help=t("access_cli_help_user_list")).set_defaults(func=cmd_user_list)
    p = users.add_parser("grant", help=t("access_cli_help_user_grant"))
    p.add_argument("username")
    p.add_argument("--area", required=True, help=t("access_cli_help_area"))
    p.add_argument("--role", choices=ROLES, default="viewer")
    p.add_argument("--revoke", action="store_true")
    p.set_defaults(func=cmd_user_grant)

    period = sub.add_parser("period", help=t("access_cli_help_period"))
    periods = period.add_subparsers(dest="period_command", required=True)
    for name, func in (("close", cmd_period_close), ("reopen", cmd_period_reopen)):
        p = periods.add_parser(name, help=t(f"access_cli_help_period_{name}"))
        p.add_argument("--year", type=int, required=True)
        p.add_argument("--period", choices=["FY", "H1"], required=True)
        p.add_argument("--area", required=True, help=t("access_cli_help_area"))
        p.add_argument("--reason")
        p.set_defaults(func=func)
    periods.add_parser("list", help=t("access_cli_help_period_list")).set_defaults(func=cmd_period_list)
