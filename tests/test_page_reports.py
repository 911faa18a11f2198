"""The "Xuất báo cáo" page in AppTest on SQLite and PostgreSQL: what it says about the
period (checked against the sample files, not the page's own output), its download
buttons in both languages, the commune picker bound to the URL, and the reusable
commune-sheet button."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.apptest_util import REPO, all_text, run_app
from tests.sample_figures import communes_of, figures

SD = communes_of()


def test_the_page_offers_the_five_documents(monkeypatch, shared_seeded_url):
    at = run_app(monkeypatch, shared_seeded_url, page="reports", year="2024", period="FY")
    labels = [b.label for b in at.download_button]
    assert labels == [
        "Tải bản tóm tắt (.pdf)",
        "Tải dự thảo báo cáo (.docx)",
        "Tải bộ trình chiếu (.pdf)",
        "Tải phụ lục (.xlsx)",
        "Tải phiếu kết quả (.pdf)",
    ]
    reported = len(figures(2024, "FY"))
    text = all_text(at)
    assert f"**{reported}/{len(SD)}** xã, thị trấn đã báo cáo" in text
    assert "Cần bổ sung" in text  # the card says what is left for a person to write
    assert "export-report --year 2024 --period FY --area 220" in at.code[0].value
    assert at.selectbox(key="w_commune").value == "all"


def test_the_page_names_the_communes_that_have_not_reported(monkeypatch, shared_seeded_url):
    at = run_app(monkeypatch, shared_seeded_url, page="reports", year="2025", period="H1")
    sent = figures(2025, "H1")
    missing = sorted(SD[c]["full_name"] for c in SD if c not in sent)
    assert missing == ["Xã An Lạc"]
    assert f"{len(missing)} đơn vị chưa gửi báo cáo" in all_text(at)
    assert ", ".join(missing) in [t.value for t in at.text]


def test_the_commune_picker_follows_the_url(monkeypatch, _shared_copies):
    at = run_app(monkeypatch, _shared_copies["sqlite"], page="reports", year="2024", period="FY", commune="07648")
    assert at.selectbox(key="w_commune").value == "07648"
    assert at.selectbox(key="w_commune").format_func("07648") == SD["07648"]["full_name"]


def test_the_page_in_english(monkeypatch, _shared_copies):
    at = run_app(monkeypatch, _shared_copies["sqlite"], page="reports", year="2024", period="H1", lang="en")
    labels = [b.label for b in at.download_button]
    assert labels[:2] == ["Download the summary (.pdf)", "Download the report draft (.docx)"]
    text = all_text(at)
    assert "Tải" not in text and "Xuất báo cáo" not in text
    assert "communes reported" in text


def test_the_commune_sheet_button_is_reusable_on_another_page(monkeypatch, _shared_copies, tmp_path):
    """A probe page beside the real pages/ (Streamlit finds pages next to the script)."""
    monkeypatch.setenv("DATABASE_URL", _shared_copies["sqlite"])
    monkeypatch.chdir(REPO)
    (tmp_path / "pages").symlink_to(REPO / "pages")
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from ui.exports import commune_sheet_button\n"
        "from ui.frame import page_context\n"
        "ctx = page_context('commune')\n"
        "commune_sheet_button(ctx, '07648')\n"
        "commune_sheet_button(ctx, '99999', key='nobody')  # not in the area: no button\n",
        encoding="utf-8",
    )
    at = AppTest.from_file(str(probe), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [b.label for b in at.download_button] == ["Phiếu kết quả của xã (PDF)"]
