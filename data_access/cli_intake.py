"""`python -m data_access import …` and `… template …`: commune reports in, from a terminal.

`register(subparsers)` is called by `data_access.__main__` (its `COMMAND_MODULES`).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from data_access import db
from data_access.access import AccessDenied
from data_access.intake import ImportConflict, ImportPreview, upload_limit_bytes
from data_access.locks import PeriodLocked
from i18n import fmt_date, fmt_number, t

EXIT_OK, EXIT_ERROR = 0, 1
MAX_CHANGES_SHOWN = 200


def _plan(args: argparse.Namespace):  # noqa: ANN202 - Plan
    from data_access.__main__ import targets_path  # the one rule for TARGETS_FILE
    from data_access.targets import load_plan

    return load_plan(targets_path(getattr(args, "targets", None)))


def _num(value: float | None, lang: str) -> str:
    return fmt_number(value, lang=lang) if value is not None else "–"


def print_preview(preview: ImportPreview, lang: str, *, out=None) -> None:  # noqa: ANN001
    """The dry run as a person reads it: counts, then every error or every change."""
    out = out or sys.stdout
    if not preview.ok:
        print(t("intake_cli_errors", lang, file=preview.filename, count=preview.error_count), file=out)
        for issue in preview.issues:
            print("  - " + issue.message(lang), file=out)
        if preview.issues_more:
            print("  … " + preview.more_text(lang), file=out)
        return
    print(
        t(
            "intake_cli_summary",
            lang,
            file=preview.filename,
            figures=fmt_number(len(preview.changes), lang=lang),
            new=fmt_number(preview.new, lang=lang),
            changed=fmt_number(preview.changed, lang=lang),
            unchanged=fmt_number(preview.unchanged, lang=lang),
            empty=fmt_number(preview.empty_skipped, lang=lang),
        ),
        file=out,
    )
    for when, who in preview.previous_imports[-1:]:
        from data_access.audit import local_time

        stamp = local_time(when)
        print(
            t("intake_cli_seen_before", lang, when=fmt_date(stamp, with_time=True) if stamp else "?", who=who),
            file=out,
        )
    writes = preview.writes
    for c in writes[:MAX_CHANGES_SHOWN]:
        key = "intake_cli_change_new" if c.action == "new" else "intake_cli_change_changed"
        print(
            "  "
            + t(
                key,
                lang,
                row=c.row,
                code=c.code,
                commune=c.commune,
                period=c.period,
                year=c.year,
                element=c.element,
                old=_num(c.old, lang),
                new=_num(c.new, lang),
            ),
            file=out,
        )
    if len(writes) > MAX_CHANGES_SHOWN:
        print("  " + t("intake_cli_more", lang, count=fmt_number(len(writes) - MAX_CHANGES_SHOWN, lang=lang)), file=out)


def cmd_import(args: argparse.Namespace) -> int:
    from data_access.access import current_scope
    from data_access.store import Store

    lang = args.lang
    path = Path(args.file)
    data = path.read_bytes()  # FileNotFoundError is turned into a message by main()
    plan = _plan(args)
    # The same door as the import page, for the person `--as` names (or the operator,
    # stated by `python -m data_access`): the scope is handed over, not looked up below.
    store = Store(db.ready_engine(), current_scope())
    preview = store.preview_import(plan, data, path.name, max_bytes=upload_limit_bytes())
    print_preview(preview, lang)
    if not preview.ok:
        print(t("intake_cli_nothing_written", lang))
        return EXIT_ERROR
    if args.dry_run:
        print(t("intake_cli_dry_run", lang))
        return EXIT_OK
    by = args.by or os.environ.get("IMPORT_BY") or _scope_name() or _login()
    try:
        result = store.write_import(preview, by)
    except (ImportConflict, AccessDenied, PeriodLocked, db.DatabaseWriteFailed) as exc:
        print(exc.message(lang), file=sys.stderr)
        return EXIT_ERROR
    print(
        t(
            "intake_cli_done",
            lang,
            changes=fmt_number(result.changes, lang=lang),
            new=fmt_number(result.inserted, lang=lang),
            changed=fmt_number(result.updated, lang=lang),
            by=by,
            batch=result.batch_id,
        )
    )
    return EXIT_OK


def _scope_name() -> str | None:
    """The person given with `--as USER` (the access helper's option), if any."""
    from data_access.access import current_scope

    scope = current_scope()
    return (scope.display_name or scope.user) if scope.kind == "user" else None


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in a container: still say something
        return "cli"


def cmd_template(args: argparse.Namespace) -> int:
    from data_access.intake.template import write_template

    plan = _plan(args)
    engine = db.ready_engine()
    content, _name = write_template(engine, plan, args.year, args.period, args.area)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(content)
    print(
        t(
            "intake_cli_template_done",
            args.lang,
            file=str(out),
            year=args.year,
            period=t(f"period_{args.period}", args.lang),
        )
    )
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help=t("intake_cli_help_import"))
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help=t("intake_cli_help_dry_run"))
    p.add_argument("--by", help=t("intake_cli_help_by"))
    p.add_argument("--targets")
    p.set_defaults(func=cmd_import)
    p = sub.add_parser("template", help=t("intake_cli_help_template"))
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--period", choices=["FY", "H1"], required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--area", help=t("cli_help_area"))
    p.add_argument("--targets")
    p.set_defaults(func=cmd_template)
