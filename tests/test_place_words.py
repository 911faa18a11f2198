"""Words for places come from the tree, not from the code (issue 12, item 5).

The new Bắc Ninh province (2026) is a province of xã and phường: its help page,
overview (with the scorecard), reports page, Excel template and Word report must say
"tỉnh" and "xã, phường", never "huyện" or "thị trấn"; the 2024 Sơn Động district still
says "huyện" and "xã, thị trấn". What is left after taking out what the data itself says
(units' names such as "Thị trấn An Châu", the plan's own source texts, sentences about the
old units before the merger) must hold neither word. And no Vietnamese entry of the
catalogue may write "huyện" or "thị trấn" into a sentence, except those listed below
(entries for a district level, or for the type words themselves).
"""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from data_access import db, queries
from data_access.exports import load_inputs, report_docx
from data_access.intake.template import write_template
from data_access.targets import load_plan
from i18n import catalogue, place_words, unit_words
from tests.apptest_util import all_text, run_app
from tests.conftest import REPO

BAC_NINH = REPO / "sample_data" / "plans" / "bac_ninh_2026.yaml"
SON_DONG = REPO / "targets.yaml"
FIXED = re.compile(r"huyện|thị trấn", re.IGNORECASE)

# Entries that may say "huyện"/"thị trấn" in Vietnamese: the type words themselves, the
# level's own name, entries chosen because the parts shown ARE districts (`*_district`),
# and command-line texts about codes and the synthetic generator's districts.
ALLOWED = {
    "level_district",
    "access_cli_help_area",
    "generate_help",
    "generate_done",
}


def _allowed(key: str) -> bool:
    return key in ALLOWED or key.endswith("_district") or key.startswith("reform_type_")


def test_no_vietnamese_entry_hard_codes_huyen_or_thi_tran():
    offending = {k: v["vi"] for k, v in catalogue().items() if FIXED.search(v["vi"]) and not _allowed(k)}
    assert not offending, offending


def test_no_english_entry_hard_codes_district():
    offending = {k: v["en"] for k, v in catalogue().items() if re.search(r"district", v["en"], re.I) and not _allowed(k)}
    # The targets file's keyword `district` (applies_to) is a word of the file, not a place.
    offending = {k: v for k, v in offending.items() if not k.startswith("targets_applies_to")}
    assert not offending, offending


def test_place_words_are_the_units_types():
    assert place_words("tỉnh", ["phường", "xã", "xã"], "vi") == {
        "area_level": "tỉnh",
        "units": "xã, phường",
        "Units": "Xã, phường",
        "UNITS": "XÃ, PHƯỜNG",
    }
    assert place_words("huyện", ["thị trấn", "xã"], "en")["area_level"] == "district"
    assert place_words(None, [], "vi") == {"area_level": "địa bàn", "units": "xã", "Units": "Xã", "UNITS": "XÃ"}
    assert unit_words(["đặc khu", None, "xã"], "vi") == "xã, đặc khu"


# --------------------------------------------------------------------------- what the data says


def _data_words(url: str, plan_path: Path) -> list[str]:
    """Texts the data itself holds that may name a district or a township: every unit's
    name with its type, of both eras ('Thị trấn An Châu', 'huyện Sơn Động'), and the
    plan's own texts (sources, document). Longest first, so a name goes whole."""
    engine = db.get_engine(url)
    units = [u for day in (date(2024, 12, 31), date(2026, 6, 30)) for u in queries.list_org_units(engine, day)]
    names = {f"{u.type} {u.name}" for u in units if u.type} | {u.full_name for u in units}
    plan = load_plan(plan_path)
    texts = {plan.document or "", plan.issued_by or "", plan.title}
    texts |= {ind.source or "" for ind in plan.indicators if getattr(ind, "source", None)}
    return sorted((x for x in names | texts if x), key=len, reverse=True)


def _left_over(text: str, data_words: list[str]) -> list[str]:
    """The lines that still say 'huyện'/'thị trấn' once the data's own words are out;
    sentences about the old units before the merger ('cộng từ 85 phường, 19 thị trấn
    cũ') name the old units' types, rightly."""
    text = re.sub(r"cộng từ [^\n]*? cũ", "", text)
    low = text.lower()
    for word in data_words:
        low = low.replace(word.lower(), "")
    low = re.sub(r"(kh|hd|ubnd) (huyện|thị trấn) [^,;)\n]*", "", low)  # plan sources naming their issuer
    return [line for line in low.splitlines() if FIXED.search(line)]


def _page_text(at: AppTest) -> str:
    parts = [all_text(at)]
    for box in at.selectbox:
        parts.append(f"{box.label} {' | '.join(map(str, box.options))}")
    return "\n".join(parts)


def _page_saying(monkeypatch, url: str, page: str, view: dict[str, str], says: list[str]) -> str:
    """The page's text, once each phrase of `says` is checked to be in it."""
    at = run_app(monkeypatch, url, page=page, timeout=240, **view)
    text = _page_text(at)
    for phrase in says:
        assert phrase in text, (phrase, text[:3000])
    return text


@pytest.fixture
def sqlite_both(_both_samples_copies) -> str:
    return _both_samples_copies["sqlite"]


BAC_NINH_VIEW = {"plan": "bac_ninh_2026", "year": "2026", "period": "H1"}
SON_DONG_VIEW = {"plan": "targets", "year": "2024", "period": "FY"}


@pytest.mark.parametrize(
    ("page", "says"),
    [
        ("help", ["lãnh đạo tỉnh nắm tiến độ", "theo từng xã, phường", "các xã, phường gửi báo cáo", "của tỉnh nhập"]),
        ("overview", ["99 xã, phường"]),
        ("reports", ["xã, phường đã báo cáo", "Tất cả 99 xã, phường"]),
        ("import", ["99 xã, phường"]),
    ],
)
def test_bac_ninh_2026_pages_say_tinh_and_xa_phuong(monkeypatch, sqlite_both, page, says):
    text = _page_saying(monkeypatch, sqlite_both, page, BAC_NINH_VIEW, says)
    assert _left_over(text, _data_words(sqlite_both, BAC_NINH)) == []


def test_the_scorecard_heads_its_commune_column_with_the_units_types(monkeypatch, sqlite_both):
    at = run_app(monkeypatch, sqlite_both, page="overview", timeout=240, **BAC_NINH_VIEW)
    columns = [str(c) for df in at.dataframe for c in df.value.columns]
    assert "Xã, phường" in columns, columns
    assert not any(FIXED.search(c) for c in columns), columns


def test_help_in_english_names_the_province_not_a_district(monkeypatch, sqlite_both):
    at = run_app(monkeypatch, sqlite_both, page="help", lang="en", timeout=240, **BAC_NINH_VIEW)
    text = all_text(at)
    assert "the province's leaders" in text
    assert "district" not in text.lower()


@pytest.mark.parametrize(
    ("page", "says"),
    [
        ("help", ["lãnh đạo huyện nắm tiến độ", "theo từng xã, thị trấn", "các xã, thị trấn gửi báo cáo"]),
        ("reports", ["xã, thị trấn đã báo cáo"]),
    ],
)
def test_son_dong_2024_still_says_huyen_and_thi_tran(monkeypatch, sqlite_both, page, says):
    _page_saying(monkeypatch, sqlite_both, page, SON_DONG_VIEW, says)


# --------------------------------------------------------------------------- files


def _xlsx_text(data: bytes) -> str:
    wb = load_workbook(io.BytesIO(data))
    return "\n".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)


def _docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.append(" | ".join(c.text for c in row.cells))
    return "\n".join(parts)


def test_the_template_of_bac_ninh_2026_says_xa_phuong_and_tinh(both_samples_url):
    engine = db.get_engine(both_samples_url)
    # No area given: the plan's "Bắc Ninh" is the province valid on the period's last day.
    data, _name = write_template(engine, load_plan(BAC_NINH), 2026, "H1")
    text = _xlsx_text(data)
    assert "Tên xã, phường" in text
    assert "99 xã, phường ×" in text
    assert "Mỗi xã, phường điền số liệu" in text
    assert "cán bộ phụ trách trẻ em của tỉnh" in text
    assert _left_over(text, _data_words(both_samples_url, BAC_NINH)) == []


def test_the_template_of_son_dong_2024_says_xa_thi_tran_and_huyen(both_samples_url):
    engine = db.get_engine(both_samples_url)
    text = _xlsx_text(write_template(engine, load_plan(SON_DONG), 2024, "FY")[0])
    assert "Tên xã, thị trấn" in text
    assert "cán bộ phụ trách trẻ em của huyện" in text


def test_the_word_report_of_bac_ninh_2026_says_xa_phuong(both_samples_url):
    engine = db.get_engine(both_samples_url)
    inputs = load_inputs(engine, load_plan(BAC_NINH), 2026, "H1", None, "vi", date(2026, 7, 1))
    text = _docx_text(report_docx(inputs))
    assert "THEO XÃ, PHƯỜNG" in text
    assert "Xã, phường | " in text  # the appendix's commune column
    assert _left_over(text, _data_words(both_samples_url, BAC_NINH)) == []


def test_the_word_report_of_son_dong_2024_says_xa_thi_tran(both_samples_url):
    engine = db.get_engine(both_samples_url)
    inputs = load_inputs(engine, load_plan(SON_DONG), 2024, "FY", None, "vi", date(2025, 1, 15))
    text = _docx_text(report_docx(inputs))
    assert "THEO XÃ, THỊ TRẤN" in text
    assert "Xã, thị trấn | " in text


def test_a_ward_page_calls_the_ward_by_its_own_word(monkeypatch, sqlite_both):
    """Phường Bắc Giang (07210) is a ward: its page says "Các chỉ tiêu của phường", not "của xã"."""
    at = run_app(monkeypatch, sqlite_both, page="commune", timeout=240, commune="07210", **BAC_NINH_VIEW)
    headers = [h.value for h in at.header]
    assert any(h.startswith("Các chỉ tiêu của phường") for h in headers), headers
    assert any("được đánh giá cho phường" in c.value for c in at.caption)
