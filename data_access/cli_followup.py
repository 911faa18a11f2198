"""`python -m data_access directions …`, `meeting export` and `digest` (issue 15).

    python -m data_access directions add --area 07615 --indicator drowning_rate --year 2025 \\
        --text "Rà soát lại các điểm nước nguy hiểm" --owner "UBND xã" --due 30/06/2025
    python -m data_access directions update 12 --status done --note "Đã rà soát 14 điểm"
    python -m data_access directions list --area 220 --status overdue --format csv
    python -m data_access meeting export --id 3 --out bien-ban.docx
    python -m data_access digest --area 220 --to lanh.dao@example.vn [--since 01/06/2025] [--dry-run]

Every command honours `--as USER` like the rest: a commune account lists and changes
only its commune's directions. Dates are written dd/mm/yyyy as Vietnamese offices do.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from datetime import date, datetime
from pathlib import Path

from data_access import db
from data_access.followup import STATUSES, FollowUpError, add_direction, list_directions, update_direction
from i18n import fmt_date, t

EXIT_OK, EXIT_ERROR = 0, 1
LIST_COLUMNS = [
    "id",
    "area_code",
    "area_name",
    "indicator_id",
    "year",
    "text",
    "owner",
    "due",
    "status",
    "meeting_id",
    "created_by",
    "last_note",
]
CLI_STATUS = {"done": "done", "cancelled": "cancelled", "in_progress": "in_progress"}


def parse_day(text: str) -> date:
    """dd/mm/yyyy (also d/m/yyyy and yyyy-mm-dd); `FollowUpError` otherwise."""
    raw = (text or "").strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise FollowUpError("followup_bad_date", value=raw)


def _resolve(engine, area: str) -> str:  # noqa: ANN001
    from data_access.progress import resolve_area

    return resolve_area(engine, area).code


def _plan_indicators(args: argparse.Namespace) -> list[str] | None:
    from data_access.__main__ import targets_path
    from data_access.targets import load_plan

    try:
        return [ind.id for ind in load_plan(targets_path(getattr(args, "targets", None))).indicators]
    except Exception:  # no readable plan: the id is kept as given (the pages show it raw)
        return None


def cmd_directions_add(args: argparse.Namespace) -> int:
    from data_access.cli_access import acting_user

    engine = db.ready_engine()
    code = _resolve(engine, args.area)
    new_id = add_direction(
        engine,
        None,
        area_code=code,
        year=args.year,
        text=args.text,
        owner=args.owner,
        due=parse_day(args.due),
        indicator_id=args.indicator,
        meeting_id=args.meeting,
        by=acting_user(),
        known_indicators=_plan_indicators(args) if args.indicator else None,
    )
    print(t("followup_cli_added", args.lang, id=new_id, area=code, due=fmt_date(parse_day(args.due), args.lang)))
    return EXIT_OK


def cmd_directions_update(args: argparse.Namespace) -> int:
    from data_access.cli_access import acting_user

    engine = db.ready_engine()
    update_direction(engine, None, args.id, status=args.status, note=args.note, by=acting_user())
    row = next((r for r in list_directions(engine, None) if r.id == args.id), None)
    status = t(f"followup_status_{row.status}", args.lang) if row else ""
    print(t("followup_cli_updated", args.lang, id=args.id, status=status))
    return EXIT_OK


def direction_records(rows) -> list[dict[str, object]]:  # noqa: ANN001
    """The rows as the CSV columns (dates dd/mm/yyyy, status as a code)."""
    return [
        {
            "id": r.id,
            "area_code": r.area_code,
            "area_name": r.area_name,
            "indicator_id": r.indicator_id or "",
            "year": r.year,
            "text": r.text,
            "owner": r.owner,
            "due": fmt_date(r.due),
            "status": r.status,
            "meeting_id": r.meeting_id or "",
            "created_by": r.created_by,
            "last_note": r.last_note or "",
        }
        for r in rows
    ]


def cmd_directions_list(args: argparse.Namespace) -> int:
    engine = db.ready_engine()
    code = _resolve(engine, args.area) if args.area else None
    rows = list_directions(engine, None, area_code=code, status=args.status, year=args.year)
    if args.format == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=LIST_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(direction_records(rows))
        sys.stdout.write(buf.getvalue())
        return EXIT_OK
    if not rows:
        print(t("followup_cli_none", args.lang))
        return EXIT_OK
    print(t("followup_cli_list_title", args.lang, count=len(rows)))
    for r in rows:
        where = r.area_name + (f" · {r.indicator_id}" if r.indicator_id else "")
        print(
            f"#{r.id:<5} {fmt_date(r.due, args.lang)}  {t('followup_status_' + r.status, args.lang):<12} "
            f"{where}  — {r.owner}: {r.text}"
        )
        if r.last_note:
            print(f"        {t('followup_cli_last_note', args.lang)}: {r.last_note}")
    return EXIT_OK


def cmd_meeting_export(args: argparse.Namespace) -> int:
    from data_access.meeting_docx import meeting_record

    engine = db.ready_engine()
    data = meeting_record(engine, None, args.id, lang=args.lang)
    out = Path(args.out)
    out.write_bytes(data)
    print(t("followup_cli_meeting_exported", args.lang, id=args.id, file=str(out)))
    return EXIT_OK


def cmd_digest(args: argparse.Namespace) -> int:
    from data_access import digest

    engine = db.ready_engine()
    code = _resolve(engine, args.area)
    since = parse_day(args.since) if args.since else None
    message = digest.build_digest(engine, None, code, to=args.to, since=since, lang=args.lang)
    if args.dry_run:
        sys.stdout.write(digest.as_text(message) + "\n")
        return EXIT_OK
    digest.send(message)
    print(t("digest_cli_sent", args.lang, to=args.to, area=code))
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    directions = sub.add_parser("directions", help=t("followup_cli_help_directions"))
    dsub = directions.add_subparsers(dest="directions_command", required=True)
    p = dsub.add_parser("add", help=t("followup_cli_help_add"))
    p.add_argument("--area", required=True, help=t("cli_help_area"))
    p.add_argument("--indicator")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--text", required=True)
    p.add_argument("--owner", required=True)
    p.add_argument("--due", required=True, metavar="DD/MM/YYYY")
    p.add_argument("--meeting", type=int)
    p.add_argument("--targets")
    p.set_defaults(func=cmd_directions_add)
    p = dsub.add_parser("update", help=t("followup_cli_help_update"))
    p.add_argument("id", type=int)
    p.add_argument("--status", choices=sorted(CLI_STATUS))
    p.add_argument("--note")
    p.set_defaults(func=cmd_directions_update)
    p = dsub.add_parser("list", help=t("followup_cli_help_list"))
    p.add_argument("--area", help=t("cli_help_area"))
    p.add_argument("--status", choices=list(STATUSES))
    p.add_argument("--year", type=int)
    p.add_argument("--format", choices=["table", "csv"], default="table")
    p.set_defaults(func=cmd_directions_list)
    meeting = sub.add_parser("meeting", help=t("followup_cli_help_meeting"))
    msub = meeting.add_subparsers(dest="meeting_command", required=True)
    p = msub.add_parser("export", help=t("followup_cli_help_meeting_export"))
    p.add_argument("--id", type=int, required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_meeting_export)
    p = sub.add_parser("digest", help=t("digest_cli_help"))
    p.add_argument("--area", required=True, help=t("cli_help_area"))
    p.add_argument("--to", required=True, metavar="EMAIL")
    p.add_argument("--since", metavar="DD/MM/YYYY")
    p.add_argument("--dry-run", action="store_true")
    p.set_defaults(func=cmd_digest)
