"""The help page: generated from the current plan (every indicator with its source), in
Vietnamese by default and in English with lang=en; another targets file, another page."""

from __future__ import annotations

import pytest

from data_access.targets import load_plan
from i18n import area_word, t
from tests.apptest_util import REPO, all_text, run_app


def _plain(text: str) -> str:
    """The page's markdown without the backslashes that keep plan text from being markup."""
    return text.replace("\\", "")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_help_lists_every_indicator_of_the_plan_with_its_source(monkeypatch, shared_seeded_url, lang):
    plan = load_plan(REPO / "targets.yaml")
    at = run_app(monkeypatch, shared_seeded_url, page="help", lang=lang)
    text = _plain(all_text(at))
    assert t("help_title", lang) in text
    for ind in plan.indicators:
        assert ind.name.get(lang) in text, ind.id
        assert ind.source and ind.source in text, ind.id
    for key in ("met", "at_risk", "not_met", "no_data", "no_target"):
        # The sample's area is a district: "toàn huyện", "the whole district" (from the tree).
        assert t(f"help_status_{key}", lang, area_level=area_word("huyện", lang)).replace("\\", "") in text
    if lang == "en":
        assert "Cách tính" not in text and "Nguồn của mức chỉ tiêu" not in text
    else:
        assert "Computed as" not in text


def test_help_explains_the_targets_tolerance_and_eligibility_from_the_plan(monkeypatch, _shared_copies):
    plan = load_plan(REPO / "targets.yaml")
    at = run_app(monkeypatch, _shared_copies["sqlite"], page="help", year="2024")
    text = _plain(all_text(at))
    # Targets per year in words ("từ 80 % trở lên"), eligibility blockers by name.
    cfc = next(i for i in plan.indicators if i.requires_zero)
    for year, target in cfc.targets.items():
        assert f"năm {year}: " + t("help_op_ge", "vi", n=f"{target.number:g} %") in text
    for de in cfc.requires_zero:
        assert plan.data_elements[de].name.vi in text
    assert "SYNTHETIC" not in text and "GIẢ LẬP" in text
    assert "ranh giới minh họa, không phải bản đồ chính thức" in text


def test_a_different_targets_file_gives_a_different_help_page(monkeypatch, _shared_copies):
    other = REPO / "sample_data" / "plans" / "chi_lang_2025.yaml"
    plan = load_plan(other)
    monkeypatch.setenv("TARGETS_FILE", str(other))
    at = run_app(monkeypatch, _shared_copies["sqlite"], page="help")
    assert other.name in _plain(all_text(at))
    # Each indicator block starts with its name in bold.
    shown = {_plain(m.value).split("\n")[0].strip("*") for m in at.markdown if m.value.startswith("**")}
    assert {i.name.vi for i in plan.indicators} <= shown
    own = load_plan(REPO / "targets.yaml")
    only_ours = {i.name.vi for i in own.indicators} - {i.name.vi for i in plan.indicators}
    assert only_ours and not (only_ours & shown)
