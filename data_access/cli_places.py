"""`python -m data_access places …`: the official list, your own units, lineage, boundaries.

Added to the command line by `data_access.__main__` (`COMMAND_MODULES`). Every command
changes the tree for everybody, so only a whole-tree account (or the system, without
`--as`) may run the ones that write; `places list` is open to all.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from data_access import db, migrations, places
from data_access.access import WHOLE_TREE, AccessDenied, current_scope
from data_access.models import ImportBatch
from i18n import fmt_number, local_today, spreadsheet_row, t

if TYPE_CHECKING:
    from sqlalchemy import Engine

EXIT_OK, EXIT_ERROR = 0, 1
MAX_LISTED = 50


def _engine():  # noqa: ANN202
    engine = db.get_engine(db.database_url())
    migrations.upgrade(engine)
    db.forget_ready(db.database_url())
    return engine


def _require_admin() -> None:
    if not current_scope().whole_tree:
        raise AccessDenied("access_denied_admin", area=WHOLE_TREE)


def _n(value: int, lang: str) -> str:
    return fmt_number(value, lang=lang)


def _print_issues(result: places.LoadResult, file: str, lang: str) -> int:
    print(t("places_cli_errors", lang, file=file, count=len(result.issues)), file=sys.stderr)
    for issue in result.issues:
        print("  - " + issue.message(lang), file=sys.stderr)
    return EXIT_ERROR


def _record(engine, filename: str, rows: int, result: places.LoadResult) -> None:  # noqa: ANN001
    """The audit trail: one import batch per places command that wrote something."""
    who = getattr(current_scope(), "user", None) or "cli"
    with engine.begin() as conn:
        conn.execute(
            ImportBatch.__table__.insert().values(
                filename=filename[:300],
                imported_by=str(who)[:120],
                imported_at=datetime.now(UTC),
                rows=rows,
                inserted=result.added + result.lineage_added,
                updated=result.changed + result.boundaries,
                unchanged=result.unchanged + result.lineage_unchanged,
            )
        )


def _print_counts(result: places.LoadResult, lang: str) -> None:
    print(
        t(
            "places_cli_units_done",
            lang,
            added=_n(result.added, lang),
            changed=_n(result.changed, lang),
            unchanged=_n(result.unchanged, lang),
        )
    )
    if result.lineage_added or result.lineage_unchanged:
        print(
            t(
                "places_cli_lineage_done",
                lang,
                added=_n(result.lineage_added, lang),
                unchanged=_n(result.lineage_unchanged, lang),
            )
        )


def cmd_load_official(args: argparse.Namespace) -> int:
    _require_admin()
    engine = _engine()
    try:
        result, listing = places.load_official(engine, args.province or (), args.era)
    except LookupError as exc:
        print(t("places_cli_province_unknown", args.lang, province=str(exc.args[0])), file=sys.stderr)
        return EXIT_ERROR
    if not result.ok:
        return _print_issues(result, places.official_source(), args.lang)
    print(t("places_cli_source", args.lang, source=places.official_source()))
    if args.province:
        print(
            t(
                "places_cli_provinces",
                args.lang,
                new=", ".join(listing.provinces_new),
                old=", ".join(listing.provinces_old),
            )
        )
    _print_counts(result, args.lang)
    print(t("places_cli_seconds", args.lang, seconds=fmt_number(result.seconds, 1, lang=args.lang)))
    if result.added or result.changed or result.lineage_added:
        _record(engine, f"places load-official {' '.join(args.province or [])}".strip(), len(listing.units), result)
    return EXIT_OK


def _file(path_text: str) -> Path:
    path = Path(path_text)
    if not path.is_file():
        raise FileNotFoundError(2, "not found", path_text)
    return path


def _load_file(
    args: argparse.Namespace, load: Callable[..., places.LoadResult], *extra: object
) -> tuple[Engine, Path, places.LoadResult, int | None]:
    """An admin loads `args.file` with `load`: (engine, path, result), the refusals
    already printed (`code` is the exit code then, else None)."""
    _require_admin()
    path = _file(args.file)
    engine = _engine()
    result = load(engine, path, *extra)
    code = None if result.ok else _print_issues(result, path.name, args.lang)
    return engine, path, result, code


def cmd_import(args: argparse.Namespace) -> int:
    engine, path, result, refused = _load_file(args, places.import_units)
    if refused is not None:
        return refused
    _print_counts(result, args.lang)
    _record(engine, f"places import {path.name}", result.added + result.changed + result.unchanged, result)
    return EXIT_OK


def cmd_lineage(args: argparse.Namespace) -> int:
    engine, path, result, refused = _load_file(args, places.import_lineage)
    if refused is not None:
        return refused
    print(
        t(
            "places_cli_lineage_done",
            args.lang,
            added=_n(result.lineage_added, args.lang),
            unchanged=_n(result.lineage_unchanged, args.lang),
        )
    )
    _record(engine, f"places lineage {path.name}", result.lineage_added + result.lineage_unchanged, result)
    return EXIT_OK


def cmd_boundaries(args: argparse.Namespace) -> int:
    engine, path, result, refused = _load_file(args, places.attach_boundaries, args.era, args.code_property)
    if refused is not None:
        return refused
    print(t("places_cli_boundaries_done", args.lang, count=_n(result.boundaries, args.lang), file=path.name))
    for label, items in (
        ("places_cli_unmatched", result.unmatched),
        ("places_cli_without_boundary", result.without_boundary),
    ):
        if items:
            print(t(label, args.lang, count=_n(len(items), args.lang)))
            for item in items[:MAX_LISTED]:
                print("  - " + item)
            if len(items) > MAX_LISTED:
                print(t("places_cli_more", args.lang, count=_n(len(items) - MAX_LISTED, args.lang)))
    if result.boundaries:
        _record(engine, f"places boundaries {path.name}", result.boundaries + len(result.unmatched), result)
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    try:
        day = places.parse_day(args.on) if args.on else local_today()
    except ValueError:
        print(t("places_error_date", args.lang, value=args.on), file=sys.stderr)
        return EXIT_ERROR
    engine = db.ready_engine(db.database_url())
    rows = places.tree_on(engine, day or local_today(), args.area)
    if rows is None:
        print(t("places_cli_area_unknown", args.lang, area=args.area, day=day.strftime("%d/%m/%Y")), file=sys.stderr)
        return EXIT_ERROR
    if args.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=places.LIST_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(spreadsheet_row(r) for r in rows)
        return EXIT_OK
    print(t("places_cli_list_title", args.lang, day=day.strftime("%d/%m/%Y"), count=_n(len(rows), args.lang)))
    widths = {c: max([len(c), *(len(r[c]) for r in rows)]) for c in places.LIST_COLUMNS}
    print("  ".join(t(f"places_col_{c}", args.lang).ljust(widths[c]) for c in places.LIST_COLUMNS).rstrip())
    for r in rows:
        print("  ".join(r[c].ljust(widths[c]) for c in places.LIST_COLUMNS).rstrip())
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("places", help=t("places_cli_help"))
    cmds = group.add_subparsers(dest="places_command", required=True)
    p = cmds.add_parser("load-official", help=t("places_cli_help_load"))
    p.add_argument("--province", action="append", help=t("places_cli_help_province"))
    p.add_argument("--era", choices=["2024", "2025", "both"], default="both")
    p.set_defaults(func=cmd_load_official)
    p = cmds.add_parser("import", help=t("places_cli_help_import"))
    p.add_argument("file")
    p.set_defaults(func=cmd_import)
    p = cmds.add_parser("lineage", help=t("places_cli_help_lineage"))
    p.add_argument("file")
    p.set_defaults(func=cmd_lineage)
    p = cmds.add_parser("boundaries", help=t("places_cli_help_boundaries"))
    p.add_argument("file")
    p.add_argument("--era", choices=["2024", "2025"])
    p.add_argument("--code-property", default="code")
    p.set_defaults(func=cmd_boundaries)
    p = cmds.add_parser("list", help=t("places_cli_help_list"))
    p.add_argument("--area")
    p.add_argument("--on", help="DD/MM/YYYY")
    p.add_argument("--format", choices=["table", "csv"], default="table")
    p.set_defaults(func=cmd_list)
