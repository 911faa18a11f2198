"""The chairman's one-page summary (`export-report --summary`, the overview's button).

Read back with poppler's `pdftotext`: exactly one page; the verdict is the count of met
area rows that `progress --format csv` prints; the indicators named are the worst
off-track rows of that CSV; the commune most behind (counted by the test from the CSV)
is named; an overdue direction appears with its owner and due date, a done one does
not; on SQLite and PostgreSQL. A plan three times as long still fits one page.
"""

from __future__ import annotations

import csv
import io
import subprocess
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

from data_access import db, followup
from data_access.__main__ import main
from data_access.export_brief import directions_to_list, write_chairman_brief
from data_access.exports import chairman_brief_pdf, load_inputs
from data_access.targets import load_plan
from tests.apptest_util import run_app
from tests.conftest import REPO

PLAN = load_plan(REPO / "targets.yaml")


def pdf_pages(data: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "brief.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [p for p in out.split("\f") if p.strip()]


def flat(text: str) -> str:
    """pdftotext breaks table cells over lines: compare on words only."""
    return " ".join(text.split())


def progress_rows(monkeypatch, capsys, url: str, year: int = 2025) -> list[dict[str, str]]:
    monkeypatch.setenv("DATABASE_URL", url)
    capsys.readouterr()
    assert main(["progress", "--year", str(year), "--period", "FY", "--format", "csv"]) == 0
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def test_the_summary_is_one_page_with_the_verdict_the_worst_and_the_overdue(
    seeded_url, monkeypatch, capsys, tmp_path
):
    rows = progress_rows(monkeypatch, capsys, seeded_url)
    area = [r for r in rows if r["area_level"] != "commune"]
    then = [r for r in progress_rows(monkeypatch, capsys, seeded_url, 2024) if r["area_level"] != "commune"]
    engine = db.get_engine(seeded_url)
    area_code = area[0]["area_code"]
    commune_code = next(r["area_code"] for r in rows if r["area_level"] == "commune")
    followup.add_direction(
        engine, None, area_code=commune_code, year=2025, text="Rà soát các điểm nước nguy hiểm",
        owner="Công an xã", due=date(2025, 6, 30),
    )
    done = followup.add_direction(
        engine, None, area_code=area_code, year=2025, text="Việc đã xong từ lâu",
        owner="Phòng VHXH", due=date(2025, 3, 1),
    )
    followup.update_direction(engine, None, done, status="done")

    out = tmp_path / "tom-tat.pdf"
    assert main(["export-report", "--year", "2025", "--period", "FY", "--summary", "--out", str(out)]) == 0
    assert "bản tóm tắt một trang" in capsys.readouterr().out
    pages = pdf_pages(out.read_bytes(), tmp_path)
    assert len(pages) == 1
    text = flat(pages[0])

    met = sum(r["status"] == "met" for r in area)
    met_then = sum(r["status"] == "met" for r in then)
    assert f"{met}/{len(area)} chỉ tiêu đạt — cùng kỳ năm 2024: {met_then}/{len(then)}" in text

    # The first indicator listed is one of the area's not-met rows (worst first).
    not_met = [PLAN.indicator(r["indicator_id"]).name.get("vi") for r in area if r["status"] == "not_met"]
    assert not_met, "the sample has indicators not met in 2025"
    listed = text.split("Các chỉ tiêu cần tập trung chỉ đạo", 1)[1].split("Địa bàn cần tập trung hỗ trợ", 1)[0]
    assert any(flat(n)[:25] in listed for n in not_met), "a not-met indicator is named"
    # Not met before at risk, five at most, the rest counted.
    at_risk = sum(r["status"] == "at_risk" for r in area)
    shown_not_met = min(5, len(not_met))
    assert listed.count("✖ Chưa đạt") == shown_not_met
    assert listed.count("▲ Có nguy cơ") == min(5 - shown_not_met, at_risk)
    if len(not_met) + at_risk > 5:
        assert f"và {len(not_met) + at_risk - 5} chỉ tiêu khác" in listed

    # The commune with the most indicators not met (the test's own count) is named first.
    counts = Counter(r["area_name"] for r in rows if r["area_level"] == "commune" and r["status"] == "not_met")
    most = max(counts.values())
    leaders = {name for name, n in counts.items() if n == most}
    places = text.split("Địa bàn cần tập trung hỗ trợ", 1)[1]
    first_named = min((places.find(name), name) for name in counts if name in places)[1]
    assert first_named in leaders

    # The overdue direction, with owner and due date; the done one is not there.
    assert "Rà soát các điểm nước nguy hiểm" in text
    assert "Công an xã" in text and "30/06/2025" in text and "Quá hạn" in text
    assert "Việc đã xong từ lâu" not in text


def test_a_long_plan_still_fits_one_page(shared_seeded_url, tmp_path):
    engine = db.get_engine(shared_seeded_url)
    inputs = load_inputs(engine, PLAN, 2025, "FY", None, "vi", date(2025, 11, 20))
    # Every row three times over, and thirty open directions: the page shrinks, it never spills.
    progress = inputs.progress
    tripled = replace(progress, rows=progress.rows * 3)
    many = [
        followup.DirectionRow(
            id=i, area_code=progress.area.code, area_name=progress.area.full_name, area_level="district",
            indicator_id=None, year=2025, text=f"Việc số {i}", owner="UBND", due=date(2025, 1, 1 + i % 28),
            status="overdue", stored_status="in_progress", meeting_id=None, created_by="x",
            created_at=inputs.today, updated_at=inputs.today,  # type: ignore[arg-type]
        )
        for i in range(30)
    ]
    data = write_chairman_brief(replace(inputs, progress=tripled), many)
    pages = pdf_pages(data, tmp_path)
    assert len(pages) == 1
    assert "và 24 việc khác" in flat(pages[0])  # six listed, the rest counted


def test_english_is_one_click_away(shared_seeded_url, tmp_path):
    inputs = load_inputs(db.get_engine(shared_seeded_url), PLAN, 2025, "FY", None, "en", date(2025, 11, 20))
    text = flat(pdf_pages(chairman_brief_pdf(inputs), tmp_path)[0])
    assert "targets met" in text and "Indicators that need attention" in text
    assert "chỉ tiêu đạt" not in text


def test_a_summary_asked_as_word_is_refused_in_vietnamese(seeded_url, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DATABASE_URL", seeded_url)
    code = main(["export-report", "--year", "2025", "--summary", "--out", str(tmp_path / "x.docx")])
    err = capsys.readouterr().err
    assert code != 0 and "chỉ xuất ra tệp .pdf" in err and "Traceback" not in err
    assert not (tmp_path / "x.docx").exists()


def test_overdue_first_then_due_within_a_month():
    def d(i: int, status: str, due: date) -> followup.DirectionRow:
        now = date(2026, 5, 1)
        return followup.DirectionRow(
            id=i, area_code="1", area_name="A", area_level="commune", indicator_id=None, year=2026,
            text=str(i), owner="", due=due, status=status, stored_status=status, meeting_id=None,
            created_by="x", created_at=now, updated_at=now,  # type: ignore[arg-type]
        )

    today = date(2026, 5, 1)
    rows = [
        d(1, "in_progress", date(2026, 5, 20)),
        d(2, "overdue", date(2026, 4, 1)),
        d(3, "in_progress", date(2026, 8, 1)),  # due in three months: not yet
        d(4, "overdue", date(2026, 3, 1)),
        d(5, "done", date(2026, 4, 1)),
    ]
    assert [r.id for r in directions_to_list(rows, today)] == [4, 2, 1]


def test_the_overview_offers_the_summary_beside_the_print_button(monkeypatch, shared_seeded_url):
    at = run_app(monkeypatch, shared_seeded_url, year="2025", period="FY")
    buttons = [b for b in at.download_button if b.label == "Tóm tắt 1 trang (PDF)"]
    assert len(buttons) == 1
