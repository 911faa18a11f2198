"""The decimals needed to see a status, on the projector and in the map's tooltip
(issue 13, item 4): never "2,0 %" with "Có nguy cơ" against "< 2 %"."""

from __future__ import annotations

from dataclasses import replace

from rules import ProgressRow
from rules.model import Indicator, LocalText
from rules.suppression import SmallCount
from ui import projector_slides as projector
from ui.map import paint_communes

RATE = Indicator(id="rate", name=LocalText("Tỷ lệ", "Rate"), numerator="a", denominator="b", unit="percent")
ROW = ProgressRow(
    area_code="07645",
    area_name="An Lạc",
    area_level="commune",
    indicator_id="rate",
    year=2025,
    period="FY",
    value=2.04,
    target_text="< 2",
    status="at_risk",
    numerator=51,
    denominator=2500,
    reported=1,
    total=1,
    previous_value=None,
    expected=2.0,
    gap=0.04,
    communes_met=None,
    communes_with_target=None,
    blocking=(),
    is_area=False,
)


def test_projector_values_show_why_they_miss_the_target():
    assert projector.shown_value(RATE, ROW, "vi") == "2,04 %"
    assert projector.shown_value(RATE, replace(ROW, value=1.96, status="met"), "vi") == "1,96 %"
    assert projector.shown_value(RATE, replace(ROW, value=2.5), "vi") == "2,5 %"  # one decimal is enough
    assert projector.shown_value(RATE, replace(ROW, value=SmallCount()), "vi") == "<5"
    assert projector.shown_value(RATE, replace(ROW, value=None), "vi") == "–"


class _Progress:
    """The little of `Progress` that `paint_communes` reads."""

    year = 2025
    plan = None

    def __init__(self, row: ProgressRow) -> None:
        self._row = row
        self.figures: dict = {}
        self.communes = [type("C", (), {"code": "07645", "name": "An Lạc", "full_name": "Xã An Lạc", "type": "xã"})()]

    def row(self, _ind: str, _code: str | None = None) -> ProgressRow:
        return self._row


def test_the_map_tooltip_value_shows_why(monkeypatch):
    monkeypatch.setattr("ui.scorecard.is_commune_flag", lambda *_: False)
    painted = paint_communes(RATE, _Progress(ROW), "status", "vi", [])
    assert painted[0].value_text == "2,04 %" and painted[0].status == "at_risk"


def test_a_small_real_change_is_not_written_as_zero():
    """'↑ 0,00 điểm % · xấu đi' (seen on the Bắc Ninh 2026 indicator page: 1,98 % against
    1,976 %) reads as a mistake; the change shows the decimals that make it a change."""
    from ui.scorecard import delta_text

    rate = Indicator(id="r", name=LocalText("r", "r"), unit="percent", numerator="a", denominator="b", targets={})
    assert delta_text(rate, 0.004, None, "vi") == "0,004 điểm %"
    assert delta_text(rate, -0.04, None, "vi") == "0,04 điểm %"
    assert delta_text(rate, 1.26, None, "vi") == "1,3 điểm %"


def test_trend_labels_show_why_a_year_missed_the_line():
    """The indicator page's trend: 1,98 % beside the "< 2 %" line reads "1,98 %" (the
    status said met; "2,0 %" looked like a miss), a value far from it keeps one decimal,
    a count none, and the target line's own label stays "2,0 %"."""
    import pandas as pd

    from ui.charts import trend_chart

    frame = pd.DataFrame({"year": [2023, 2024, 2025], "value": [1.98, 2.04, 2.5], "target": [2.0, 2.0, 2.0]})
    spec = trend_chart(frame, "percent", None, "vi").to_dict()
    rows = next(iter(spec["datasets"].values()))
    texts = {(r["series"], r["year"]): r["text"] for r in rows}
    assert texts[("Kết quả", "2023")] == "1,98 %"
    assert texts[("Kết quả", "2024")] == "2,04 %"
    assert texts[("Kết quả", "2025")] == "2,5 %"
    assert {texts[(s, y)] for s, y in texts if s != "Kết quả"} == {"2,0 %"}
    counts = trend_chart(pd.DataFrame({"year": [2024], "value": [3.0]}), "count", 2.0, "vi").to_dict()
    assert next(iter(counts["datasets"].values()))[0]["text"] == "3"
