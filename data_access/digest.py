"""The weekly digest: an e-mail to a leader of what changed in their area (issue 15).

    python -m data_access digest --area 220 --to lanh.dao@example.vn [--since 01/06/2025] [--dry-run]

What it says, in Vietnamese (English with `--lang en`), for the area and since a day
(default: seven days ago):

- new reports: communes whose figures changed since then (from the audit trail);
- indicators in the red: (commune or area, indicator) now `not_met` whose figures
  arrived since then, for the year and period the new figures are for;
- directions due in the next seven days or overdue, with who is responsible;
- links to the views (`APP_BASE_URL`, default http://localhost:8501).

The SMTP server comes from the environment: `SMTP_HOST` (required to send),
`SMTP_PORT` (default 25; 465 means implicit TLS), `SMTP_USER` / `SMTP_PASSWORD`
(login, after STARTTLS when the server offers it), `SMTP_FROM`. A schedule is the
operating system's: e.g. a cron line `0 7 * * 1 python -m data_access digest …`
(see the help page); the digest itself keeps no state, so sending twice is harmless.
"""

from __future__ import annotations

import os
import smtplib
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import urlencode

from sqlalchemy import Engine, bindparam, func, select

from data_access.access import AccessScope, current_scope, require_area
from data_access.audit import LOCAL_TZ
from data_access.followup import list_directions, today
from data_access.models import AuditEntry, OrgUnit
from i18n import DEFAULT_LANG, Explained, fmt_date, fmt_number, t

DEFAULT_DAYS = 7
DUE_AHEAD_DAYS = 7
MAX_NAMES = 8  # communes named per indicator; the link shows them all


class DigestError(Explained, RuntimeError):
    """The digest cannot be sent (no SMTP server set, the server refused); plain message."""


@dataclass(frozen=True)
class Changes:
    communes: list[tuple[str, str, int]]  # code, name, figures changed
    periods: list[tuple[int, str]]  # the (year, period) the new figures are for


def base_url() -> str:
    return os.environ.get("APP_BASE_URL", "http://localhost:8501").rstrip("/")


def view_link(page: str, **params: object) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{base_url()}/{page}" + (f"?{query}" if query else "")


def changed_figures(engine: Engine, area_code: str, since: date) -> Changes:
    """Communes under the area with figures changed on or after `since` (local day)."""
    start = datetime.combine(since, time(0), LOCAL_TZ).astimezone(UTC)
    with engine.connect() as conn:
        prefix = conn.execute(
            OrgUnit.by_code(area_code, OrgUnit.path)
        ).scalar()
        rows = conn.execute(
            select(OrgUnit.code, OrgUnit.full_name, AuditEntry.year, AuditEntry.period, func.count())
            .join(OrgUnit, OrgUnit.id == AuditEntry.org_unit_id)
            .where(
                OrgUnit.path.like(bindparam("prefix")),
                AuditEntry.changed_at >= bindparam("start"),
                AuditEntry.data_element_id != "*",  # period locks are not figures
            )
            .group_by(OrgUnit.code, OrgUnit.full_name, AuditEntry.year, AuditEntry.period),
            {"prefix": (prefix or "\0") + "%", "start": start},
        ).all()
    per_commune: dict[tuple[str, str], int] = defaultdict(int)
    periods: set[tuple[int, str]] = set()
    for code, name, year, period, n in rows:
        per_commune[(code, name)] += int(n)
        if period in ("H1", "FY"):
            periods.add((int(year), period))
    communes = sorted(((c, n, k) for (c, n), k in per_commune.items()), key=lambda x: x[1])
    return Changes(communes, sorted(periods))


def build_digest(
    engine: Engine,
    scope: AccessScope | None,
    area_code: str,
    *,
    to: str,
    since: date | None = None,
    lang: str = DEFAULT_LANG,
    plan=None,  # noqa: ANN001 - rules.model.Plan; loaded from TARGETS_FILE when None
    on: date | None = None,
) -> EmailMessage:
    """The digest e-mail for `area_code` (the scope must read it)."""
    scope = scope or current_scope()
    require_area(engine, scope, area_code)
    if "@" not in (to or ""):
        raise DigestError("digest_bad_address", to=to)
    on = on or today()
    since = since or (on - timedelta(days=DEFAULT_DAYS))
    if plan is None:
        from data_access.__main__ import targets_path
        from data_access.targets import load_plan

        plan = load_plan(targets_path())
    from data_access.access import compute_progress

    area_name = _area_name(engine, area_code)
    changes = changed_figures(engine, area_code, since)
    tr = lambda key, **v: t(key, lang, **v)  # noqa: E731
    lines = [tr("digest_greeting"), "", tr("digest_intro", area=area_name, since=fmt_date(since, lang), on=fmt_date(on, lang)), ""]

    lines.append("1. " + tr("digest_section_reports"))
    if changes.communes:
        for _code, name, n in changes.communes:
            lines.append("   - " + tr("digest_report_line", commune=name, count=fmt_number(n, lang=lang)))
    else:
        lines.append("   - " + tr("digest_none"))
    lines.append("")

    lines.append("2. " + tr("digest_section_red"))
    changed_codes = {c for c, _n, _k in changes.communes}
    reds: list[str] = []
    for year, period in changes.periods:
        if year not in plan.years:
            continue
        progress = compute_progress(engine, scope, plan, year, period, area_code)
        for ind in plan.indicators:
            rows = [r for r in progress.rows if r.indicator_id == ind.id and r.status == "not_met"]
            area_red = any(r.is_area for r in rows)
            communes = sorted(r.area_name for r in rows if not r.is_area and r.area_code in changed_codes)
            if not area_red and not communes:
                continue
            target = next((r.target_text for r in rows), "")
            where = [area_name] if area_red else []
            if communes:
                shown = ", ".join(communes[:MAX_NAMES]) + (" …" if len(communes) > MAX_NAMES else "")
                where.append(tr("digest_red_communes", count=len(communes), names=shown))
            reds.append(
                "   - "
                + tr(
                    "digest_red_line",
                    indicator=ind.name.get(lang),
                    area="; ".join(where),
                    period=t(f"period_{period}", lang),
                    year=year,
                    target=target,
                )
            )
            reds.append("     " + view_link("indicator", area=area_code, year=year, period=period, indicator=ind.id, lang=lang))
    lines.extend(reds or ["   - " + tr("digest_none")])
    lines.append("")

    lines.append("3. " + tr("digest_section_directions"))
    due = [
        d
        for d in list_directions(engine, scope, area_code=area_code, on=on)
        if d.status == "overdue" or (d.status == "in_progress" and d.due <= on + timedelta(days=DUE_AHEAD_DAYS))
    ]
    for d in due:
        lines.append(
            "   - "
            + tr(
                "digest_direction_line",
                status=t(f"followup_status_{d.status}", lang).upper() if d.status == "overdue" else t(f"followup_status_{d.status}", lang),
                due=fmt_date(d.due, lang),
                area=d.area_name,
                owner=d.owner,
                text=d.text,
            )
        )
    if not due:
        lines.append("   - " + tr("digest_none"))
    lines.append("     " + view_link("directions", area=area_code, lang=lang))
    lines += ["", tr("digest_overview_link") + " " + view_link("overview", area=area_code, lang=lang), "", tr("digest_footer")]

    msg = EmailMessage()
    msg["Subject"] = tr("digest_subject", area=area_name, on=fmt_date(on, lang))
    msg["From"] = os.environ.get("SMTP_FROM", "bang-theo-doi@localhost")
    msg["To"] = to
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain="bang-theo-doi")
    msg.set_content("\n".join(lines), charset="utf-8")
    return msg


def _area_name(engine: Engine, code: str) -> str:
    with engine.connect() as conn:
        return conn.execute(
            OrgUnit.by_code(code, OrgUnit.full_name)
        ).scalar_one()


def as_text(msg: EmailMessage) -> str:
    """The message as a person reads it (headers decoded, then the body)."""
    head = "\n".join(f"{k}: {msg[k]}" for k in ("From", "To", "Subject"))
    return head + "\n\n" + msg.get_content()


def send(msg: EmailMessage) -> None:
    """Send through the SMTP server of the environment; `DigestError` on any failure."""
    host = os.environ.get("SMTP_HOST", "").strip()
    if not host:
        raise DigestError("digest_no_smtp")
    try:
        port = int(os.environ.get("SMTP_PORT", "25") or 25)
    except ValueError:
        raise DigestError("digest_bad_port", port=os.environ.get("SMTP_PORT")) from None
    user = os.environ.get("SMTP_USER", "").strip()
    password = os.environ.get("SMTP_PASSWORD", "")
    try:
        smtp_cls = smtplib.SMTP_SSL if port == 465 else smtplib.SMTP
        with smtp_cls(host, port, timeout=30) as smtp:
            if port != 465:
                smtp.ehlo()
                if smtp.has_extn("starttls"):
                    smtp.starttls()
                    smtp.ehlo()
            if user:
                smtp.login(user, password)
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise DigestError("digest_send_failed", host=host, port=port, reason=str(exc) or type(exc).__name__) from None
