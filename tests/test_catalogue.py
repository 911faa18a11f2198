"""The text catalogue: every key in both languages, every key the code uses exists."""

from __future__ import annotations

import re

from i18n import LANGUAGES, catalogue, fmt_date, fmt_number, fmt_value, t
from tests.conftest import REPO

KEY_USE = re.compile(r"""\bt\(\s*["']([a-z0-9_]+)["']\s*[,)]""")


def test_every_entry_has_vietnamese_and_english():
    for key, texts in catalogue().items():
        for lang in LANGUAGES:
            assert lang in texts, key


def test_every_literal_key_used_in_code_is_in_the_catalogue():
    known = catalogue()
    missing = []
    for path in [*REPO.glob("*.py"), *REPO.glob("pages/*.py"), *REPO.glob("ui/*.py"), *REPO.glob("data_access/*.py")]:
        for key in KEY_USE.findall(path.read_text(encoding="utf-8")):
            if key not in known:
                missing.append(f"{path.name}: {key}")
    assert not missing


def test_vietnamese_number_and_date_formats():
    from datetime import date

    assert fmt_number(1234.5, lang="vi") == "1.234,5"
    assert fmt_number(1234.5, lang="en") == "1,234.5"
    assert fmt_number(1234567) == "1.234.567"
    assert fmt_value(70.588, "percent") == "70,6 %"
    assert fmt_date(date(2024, 11, 5)) == "05/11/2024"
    assert fmt_number(None) == "–"


def test_statuses_read_as_words_in_both_languages():
    assert t("status_not_met") == "Chưa đạt"
    assert t("status_not_met", "en") == "Not met"


def test_english_counts_agree_with_one():
    """"1 commune", never "1 communes" or "1 commune(s)"; other numbers keep the plural."""
    from i18n import t

    assert t("scorecard_n_communes", "en", n=1) == "1 commune"
    assert t("scorecard_n_communes", "en", n=11) == "11 communes"
    assert t("scorecard_n_communes", "en", n="1.021") == "1.021 communes"
    assert t("intake_comp_overdue", "en", period="H1", count=1, names="An Lạc") == "H1 — 1 commune overdue: An Lạc"
    assert t("intake_comp_overdue", "en", period="H1", count=3, names="…") == "H1 — 3 communes overdue: …"
    assert t("scorecard_head_reported", "en", n=1, total=17, when="").startswith("1 of 17 communes")
    assert t("scorecard_n_communes", "vi", n=1) == "1 xã"


def test_one_clock_vietnam_time_for_today_and_timestamps():
    """A timestamp stored in UTC late on 15/11 is already 16/11 in Vietnam (the FY
    deadline day and the day after): every date shown uses Asia/Ho_Chi_Minh."""
    from datetime import UTC, datetime, timedelta

    from i18n import fmt_date, local_now, local_today

    stored = datetime(2024, 11, 15, 17, 30)  # naive, as SQLite hands back UTC
    assert fmt_date(stored) == "16/11/2024"
    assert fmt_date(stored, with_time=True) == "16/11/2024 00:30"
    assert fmt_date(stored.replace(tzinfo=UTC), with_time=True) == "16/11/2024 00:30"
    assert local_now().utcoffset() == timedelta(hours=7)
    assert local_today() == (datetime.now(UTC) + timedelta(hours=7)).date()
