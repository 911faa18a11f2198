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
