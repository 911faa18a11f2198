"""Directions, meetings and the digest (issue 15), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import date
from email import message_from_bytes, policy

import pytest
from docx import Document

from data_access import db, followup
from data_access.access import AccessDenied, scope_for_user, using_scope
from data_access.digest import build_digest, send
from tests.access_util import make_user
from tests.cli_util import run_cli as cli


def _add(engine, area: str, due: date, text: str = "Rà soát điểm nước nguy hiểm", **kw) -> int:
    return followup.add_direction(engine, None, area_code=area, year=2025, text=text, owner="UBND xã", due=due, **kw)


def test_a_commune_viewer_sees_only_its_own_directions(seeded_url):
    engine = db.ready_engine(seeded_url)
    mine = _add(engine, "07615", date(2025, 6, 30), indicator_id="drowning_deaths")
    _add(engine, "07621", date(2025, 6, 30))
    _add(engine, "220", date(2025, 6, 30), text="Toàn huyện")
    make_user(seeded_url, "xem.anchau", [("07615", "viewer")])
    scope = scope_for_user(engine, "xem.anchau")
    assert [d.id for d in followup.list_directions(engine, scope)] == [mine]
    with pytest.raises(AccessDenied):
        followup.list_directions(engine, scope, area_code="220")
    # the district's own list holds all three
    assert len(followup.list_directions(engine, None, area_code="220")) == 3
    # a viewer may not add or update, and another commune's direction is "not found"
    with pytest.raises(AccessDenied):
        followup.add_direction(engine, scope, area_code="07615", year=2025, text="x", owner="y", due=date(2025, 1, 1))
    with pytest.raises(AccessDenied):
        followup.update_direction(engine, scope, mine, status="done")
    others = [d.id for d in followup.list_directions(engine, None) if d.area_code == "07621"]
    with pytest.raises(followup.FollowUpError):
        followup.update_direction(engine, scope, others[0], status="done")


def test_status_overdue_and_the_history_of_changes(seeded_url):
    engine = db.ready_engine(seeded_url)
    did = _add(engine, "07615", date(2025, 6, 30))
    assert followup.list_directions(engine, None, on=date(2025, 6, 30))[0].status == "in_progress"
    assert followup.list_directions(engine, None, on=date(2025, 7, 1))[0].status == "overdue"
    followup.update_direction(engine, None, did, note="Đã rà soát 8/14 điểm", by="an")
    followup.update_direction(engine, None, did, status="done", note="Xong", by="binh")
    row = followup.list_directions(engine, None, on=date(2025, 7, 1))[0]
    assert (row.status, row.last_note) == ("done", "Xong")
    events = followup.direction_events(engine, None, did)
    assert [(e.action, e.old_status, e.new_status, e.author) for e in events] == [
        ("created", None, "in_progress", "system"),
        ("note", None, None, "an"),
        ("status", "in_progress", "done", "binh"),
    ]
    followup.update_direction(engine, None, did, status="cancelled")
    assert followup.list_directions(engine, None, status="cancelled")[0].id == did  # never deleted


def test_the_command_line_add_update_list_as_a_commune_editor(seeded_url):
    make_user(seeded_url, "ed.anchau", [("07615", "editor")])
    env = {"DATA_ACCESS_AS": "ed.anchau"}
    def add(area: str, text: str, owner: str, due: str, *extra: str, **kw: object):
        """`directions add` on the command line (as the editor unless `env` says otherwise)."""
        args = ("--area", area, *extra, "--year", "2025", "--text", text, "--owner", owner, "--due", due)
        return cli("directions", "add", *args, db_url=seeded_url, **({"env": env} | kw))

    ok = add("07615", "Rà soát lại các điểm nước nguy hiểm", "UBND thị trấn", "30/06/2025", "--indicator", "drowning_deaths")
    assert ok.returncode == 0, ok.stderr
    refused = add("07621", "x", "y", "30/06/2025")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    bad = add("07615", "x", "y", "31/02/2025")
    assert bad.returncode == 1 and "31/02/2025" in bad.stderr
    add("07621", "Xã khác", "y", "01/07/2025", env=None)  # the operator, not the editor
    upd = cli(
        "directions", "update", "1", "--status", "done", "--note", "Đã rà soát 14 điểm", db_url=seeded_url, env=env
    )
    assert upd.returncode == 0, upd.stderr
    listed = cli("directions", "list", "--format", "csv", db_url=seeded_url, env=env)
    rows = list(csv.DictReader(io.StringIO(listed.stdout)))
    assert {"id", "area_code", "indicator_id", "year", "text", "owner", "due", "status"} <= set(rows[0])
    assert [(r["area_code"], r["indicator_id"], r["due"], r["status"]) for r in rows] == [
        ("07615", "drowning_deaths", "30/06/2025", "done")
    ]
    everyone = cli("directions", "list", "--format", "csv", db_url=seeded_url)
    assert len(list(csv.DictReader(io.StringIO(everyone.stdout)))) == 2


def test_a_meeting_keeps_its_snapshot_and_the_next_one_checks_its_directions(seeded_url, tmp_path):
    engine = db.ready_engine(seeded_url)
    snap = [
        {"area_code": "220", "indicator_id": "swim_safe_rate", "value": "41,0", "target": ">= 50", "status": "not_met"}
    ]
    m1 = followup.open_meeting(
        engine,
        None,
        area_code="220",
        meeting_date=date(2025, 5, 20),
        year=2024,
        period="FY",
        snapshot=snap,
        chaired_by="Nguyễn Văn An",
    )
    d1 = _add(engine, "07615", date(2025, 6, 30), meeting_id=m1, indicator_id="swim_safe_rate")
    _add(engine, "07621", date(2025, 9, 30), text="Mở lớp dạy bơi", meeting_id=m1)
    followup.close_meeting(engine, None, m1, conclusions="Tập trung dạy bơi trước hè.")
    with pytest.raises(followup.FollowUpError):
        followup.close_meeting(engine, None, m1, conclusions="again")
    assert followup.meeting_snapshot(engine, None, m1) == snap
    m2 = followup.open_meeting(
        engine, None, area_code="220", meeting_date=date(2025, 8, 1), year=2025, period="H1", snapshot=[]
    )
    due = followup.due_for_meeting(engine, None, followup.get_meeting(engine, None, m2))
    assert [(d.id, d.status) for d in due] == [(d1, "overdue")]  # the September one is not due yet
    out = tmp_path / "bien-ban.docx"
    result = cli("meeting", "export", "--id", str(m1), "--out", str(out), db_url=seeded_url)
    assert result.returncode == 0, result.stderr
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    tables = "\n".join(c.text for t in Document(str(out)).tables for r in t.rows for c in r.cells)
    assert "THÔNG BÁO KẾT LUẬN" in text and "Tập trung dạy bơi trước hè." in text
    assert "Mở lớp dạy bơi" in tables and "30/09/2025" in tables and "Nguyễn Văn An" in tables
    assert "41,0" in text  # the figure the committee saw, from the snapshot
    make_user(seeded_url, "xem.vanson", [("07621", "viewer")])
    with using_scope(scope_for_user(engine, "xem.vanson")), pytest.raises(followup.FollowUpError):
        followup.get_meeting(engine, None, m1)


def test_the_digest_reaches_a_local_smtp_server(seeded_url, monkeypatch):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received: list = []

    class Keep(Message):
        def handle_message(self, message) -> None:
            received.append(message)

    engine = db.ready_engine(seeded_url)
    _add(engine, "07621", date(2025, 6, 3), text="Họp phụ huynh về phòng đuối nước")
    _add(engine, "07615", date(2025, 12, 31), text="Chưa đến hạn")
    import socket

    with socket.socket() as probe:  # a free port for the throwaway server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Keep(message_class=None), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SMTP_PORT", str(port))
        monkeypatch.setenv("SMTP_FROM", "bang-theo-doi@son-dong.vn")
        msg = build_digest(engine, None, "220", to="lanh.dao@son-dong.vn", since=date(2020, 1, 1), on=date(2025, 6, 5))
        send(msg)
    finally:
        controller.stop()
    assert len(received) == 1
    mail = message_from_bytes(received[0].as_bytes(), policy=policy.default)
    assert mail["To"] == "lanh.dao@son-dong.vn"
    assert "Huyện Sơn Động" in mail["Subject"]
    body = mail.get_content()
    assert "QUÁ HẠN" in body and "Họp phụ huynh về phòng đuối nước" in body
    assert "Chưa đến hạn" not in body  # due in December, not in the next 7 days
    assert "Xã Vân Sơn" in body and "/directions?area=220" in body


def test_the_digest_without_a_server_says_so_plainly(shared_seeded_url):
    result = cli("digest", "--area", "220", "--to", "a@b.vn", db_url=shared_seeded_url, env={"SMTP_HOST": ""})
    assert result.returncode == 1 and "SMTP_HOST" in result.stderr and "Traceback" not in result.stderr
    dry = cli("digest", "--area", "220", "--to", "a@b.vn", "--dry-run", db_url=shared_seeded_url)
    assert dry.returncode == 0 and "Subject: Tóm tắt" in dry.stdout
