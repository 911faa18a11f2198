"""`python -m data_access`: the one entry point for what an administrator automates.

Every subcommand honours DATABASE_URL and TARGETS_FILE, prints a human-readable
result (Vietnamese by default, `--lang en` for English), exits 0 on success and 1 on
any error, and never prints a traceback for a mistake a person can fix.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import io
import json
import os
import signal
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from sqlalchemy.exc import InterfaceError, OperationalError

from data_access import db, migrations, queries
from data_access.progress import CSV_COLUMNS, AreaNotFound, progress_records, resolve_area
from data_access.seed import seed_samples
from data_access.targets import TargetsFileError, check_area, load_plan, validate_plan_file
from i18n import Explained, fmt_number, spreadsheet_row, t

EXIT_OK, EXIT_ERROR = 0, 1


def targets_path(arg: str | None = None) -> Path:
    return Path(arg or os.environ.get("TARGETS_FILE") or db.REPO_ROOT / "targets.yaml")


def _engine(lang: str, *, migrate: bool = False):  # noqa: ANN202
    url = db.database_url()
    engine = db.get_engine(url)
    if migrate:
        migrations.upgrade(engine)
        db.forget_ready(url)
        return engine
    return db.ready_engine(url)


def cmd_init_db(args: argparse.Namespace) -> int:
    engine = _engine(args.lang, migrate=True)
    print(t("cli_init_db_done", args.lang, url=db.masked_url(str(engine.url)), revision=migrations.head_revision()))
    return EXIT_OK


def cmd_seed(args: argparse.Namespace) -> int:
    engine = _engine(args.lang, migrate=True)
    result = seed_samples(engine)
    print(
        t(
            "cli_seed_done",
            args.lang,
            units=result.org_units,
            added=fmt_number(result.values_added, lang=args.lang),
            kept=fmt_number(result.values_kept, lang=args.lang),
        )
    )
    return EXIT_OK


def cmd_validate_targets(args: argparse.Namespace) -> int:
    path = targets_path(args.file)
    result = validate_plan_file(path)
    issues = list(result.errors)
    warnings = list(result.warnings)
    if result.plan is not None:
        units = []
        try:
            # The units of the plan's own time (the end of its first year): on today's tree
            # "Bắc Ninh" is both the old and the new province.
            plan_day = date(min(result.plan.years), 12, 31) if result.plan.years else None
            units = queries.list_org_units(db.ready_engine(), plan_day)
        except db.DatabaseUnavailable as exc:
            print(t("cli_db_unavailable_warning", args.lang, url=exc.url, reason=exc.reason))
        for issue in check_area(result.plan, units):
            (warnings if issue.key.endswith("skipped") else issues).append(issue)
    for w in warnings:
        print(t("cli_warning_prefix", args.lang) + w.message(args.lang))
    if issues:
        print(t("cli_targets_errors", args.lang, file=str(path), count=len(issues)))
        for issue in issues:
            print("  - " + issue.message(args.lang))
        return EXIT_ERROR
    assert result.plan is not None
    print(t("cli_targets_ok", args.lang, file=str(path), indicators=len(result.plan.indicators)))
    return EXIT_OK


def cmd_progress(args: argparse.Namespace) -> int:
    plan = load_plan(targets_path(args.targets))
    engine = db.ready_engine()
    progress = _scoped_progress(engine, plan, args.year, args.period, args.area)
    records = progress_records(progress)
    if args.format == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(spreadsheet_row(r) for r in records)  # no formula reaches Excel
        sys.stdout.write(buf.getvalue())
    elif args.format == "json":
        json.dump(records, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        _print_table(progress, args.lang)
    return EXIT_OK


def _scoped_progress(engine, plan, year: int, period: str, area: str | None):  # noqa: ANN001, ANN202
    """Progress for an area the acting scope may read (`--as`), small counts masked
    for an aggregate-only account with the page's decisions: whole-tree, H1 and FY
    of a year together, so no FY − H1 difference and no total narrows a "<5"."""
    from data_access import access
    from data_access.place_resolution import period_end
    from data_access.protect import protect_from_database

    code = resolve_area(engine, area, period_end(year, period)).code if area else None
    progress = access.compute_progress(engine, None, plan, year, period, code)
    if access.must_protect():
        progress = protect_from_database(engine, progress, access.sensitive_elements())
    return progress


def _print_table(progress, lang: str) -> None:  # noqa: ANN001
    from i18n import fmt_target, fmt_value

    plan = progress.plan
    print(
        t(
            "cli_progress_title",
            lang,
            area=progress.area.full_name,
            year=progress.year,
            period=t(f"period_{progress.period}", lang),
            reported=progress.communes_reported,
            total=len(progress.communes),
        )
    )
    width = max(len(u.full_name) for u in (progress.area, *progress.communes))
    for ind in plan.indicators:
        print()
        print(f"[{ind.id}] {ind.name.get(lang)}")
        for r in progress.rows:
            if r.indicator_id != ind.id:
                continue
            name = (
                progress.area.full_name
                if r.is_area
                else next(c.full_name for c in progress.communes if c.code == r.area_code)
            )
            # The target as the pages and the documents write it ('≥ 80 %'), not the plan's '>= 80'.
            target = fmt_target(r.target_text, ind.unit, lang, trend_key="reports_target_{op}", none_key=None)
            print(
                f"  {name:<{width}}  {fmt_value(r.value, ind.unit, lang):>14}  {target:>10}  {t('status_' + r.status, lang)}"
            )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m data_access", description=t("cli_description"))
    parser.add_argument("--lang", choices=["vi", "en"], default=os.environ.get("APP_LANG", "vi"))
    # Run as an account: its grants decide what the command may read or change
    # (data_access/cli_access.py); without it, the operator's full access.
    parser.add_argument("--as", dest="as_user", metavar="USER", default=None, help=t("access_cli_help_as"))
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init-db", help=t("cli_help_init_db")).set_defaults(func=cmd_init_db)
    sub.add_parser("seed", help=t("cli_help_seed")).set_defaults(func=cmd_seed)
    p = sub.add_parser("validate-targets", help=t("cli_help_validate"))
    p.add_argument("file", nargs="?")
    p.set_defaults(func=cmd_validate_targets)
    p = sub.add_parser("progress", help=t("cli_help_progress"))
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--period", choices=["FY", "H1"], default="FY")
    p.add_argument("--targets")
    p.add_argument("--area", help=t("cli_help_area"))
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.set_defaults(func=cmd_progress)
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(sub)
    return parser


# The modules that add their own subcommands: each has `register(subparsers)`. Named here,
# in one place, rather than registering themselves on import (under `python -m` this file
# runs as `__main__`, a second module object, which made self-registration fragile).
COMMAND_MODULES = (
    "data_access.cli_intake",
    "data_access.exports",
    "data_access.generate",
    "data_access.cli_access",
    "data_access.cli_places",
    "data_access.cli_followup",
)


def main(argv: Sequence[str] | None = None) -> int:
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `progress | head` ends quietly
    parser = build_parser()
    args = parser.parse_args(argv)
    from data_access.cli_access import apply_as_user

    try:
        apply_as_user(getattr(args, "as_user", None))
        return args.func(args)
    except TargetsFileError as exc:
        print(
            t(
                "cli_targets_errors",
                args.lang,
                file=str(targets_path(getattr(args, "targets", None))),
                count=len(exc.issues),
            )
        )
        for issue in exc.issues:
            print("  - " + issue.message(args.lang))
    except db.DatabaseUnavailable as exc:
        key = "cli_db_needs_init" if exc.needs_init else "cli_db_unavailable"
        print(t(key, args.lang, url=exc.url, reason=exc.reason), file=sys.stderr)
    except AreaNotFound as exc:
        print(t("cli_area_not_found", args.lang, area=exc.text), file=sys.stderr)
    except FileNotFoundError as exc:
        print(t("cli_file_not_found", args.lang, file=exc.filename or str(exc)), file=sys.stderr)
    except (OperationalError, InterfaceError):  # the database went away while the command ran
        print(t("hardening_db_outage", args.lang), file=sys.stderr)
    except Explained as exc:  # access refused, period closed, a refused write, a bad account, …
        print(exc.message(args.lang), file=sys.stderr)
    return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
