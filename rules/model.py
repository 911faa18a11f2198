"""Plain domain types shared by the targets loader, the rules and the pages.

They carry no behaviour beyond small conveniences, so the rules stay pure
functions over plain data and can be tested without Streamlit or a database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["stock", "flow"]
ValueType = Literal["count", "yes_no", "number"]
Unit = Literal["percent", "per_1000", "per_100000", "count"]
Period = Literal["H1", "FY"]
Status = Literal["met", "at_risk", "not_met", "no_data", "no_target", "not_applicable"]
Better = Literal["higher", "lower"]
H1Rule = Literal["half", "full"]

PERIODS: tuple[str, ...] = ("H1", "FY")
# `not_applicable`: reported, but nothing to measure (a denominator of 0: no abuse case,
# so no share of cases with a support plan). Neither for nor against the area.
# Legend order (best first, then what cannot be judged); the orders below are the only
# spellings of these lists, so every page, export and the CLI count and sort alike.
STATUSES: tuple[str, ...] = ("met", "at_risk", "not_met", "no_data", "not_applicable", "no_target")
STATUS_WORST_FIRST: tuple[str, ...] = ("not_met", "at_risk", "met", "no_data", "not_applicable", "no_target")
JUDGED_STATUSES: tuple[str, ...] = ("met", "at_risk", "not_met")  # held against a target
OFF_TRACK: tuple[str, ...] = ("not_met", "at_risk")  # what a leader must act on
UNIT_SCALE: dict[str, float] = {"percent": 100.0, "per_1000": 1000.0, "per_100000": 100000.0, "count": 1.0}
COMPARISON_OPS: tuple[str, ...] = (">=", ">", "<=", "<", "==")
TREND_OPS: tuple[str, ...] = ("decrease", "increase", "maintain")
# The built-in denominator: 1 for every commune in scope, never reported.
COMMUNES = "communes"


@dataclass(frozen=True)
class LocalText:
    """A label in Vietnamese with its English beside it."""

    vi: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" and self.en else self.vi


@dataclass(frozen=True)
class DataElement:
    """A raw figure communes report (see ../shared/spec/data-elements.md)."""

    id: str
    name: LocalText
    kind: Kind = "stock"
    type: ValueType = "count"
    standard: bool = True


@dataclass(frozen=True)
class Target:
    """One year's target as written in the plan: `OP NUMBER` or a trend word."""

    op: str  # one of COMPARISON_OPS or TREND_OPS
    number: float | None  # None for trend words
    text: str  # exactly as written in the plan, e.g. ">= 80" or "decrease"

    @property
    def is_trend(self) -> bool:
        return self.op in TREND_OPS


@dataclass(frozen=True)
class Indicator:
    """An indicator of the plan: sum(numerator) / sum(denominator) x scale."""

    id: str
    name: LocalText
    numerator: str
    unit: str
    denominator: str | None = None
    group: LocalText | None = None
    targets: dict[int, Target] = field(default_factory=dict)
    tolerance: float | None = None  # in the indicator's unit; None = 10 % of the target number
    better: Better | None = None  # stated in the plan, else inferred from the operator
    applies_to: tuple[str, ...] = ("area", "commune")
    requires_zero: tuple[str, ...] = ()
    source: str | None = None
    description: LocalText | None = None
    line: int = 0  # line in the targets file, for messages
    # `h1: half | full` in the plan: how an H1 figure is held to a `>=` / `>` target,
    # overriding the rule of `rules.accumulates_over_year`; None = the rule decides.
    h1: H1Rule | None = None

    @property
    def scale(self) -> float:
        return UNIT_SCALE[self.unit]

    @property
    def applies_to_communes(self) -> bool:
        return "commune" in self.applies_to


@dataclass(frozen=True)
class Check:
    """A consistency rule `left OP right` between two data elements (or a number)."""

    left: str
    op: str
    right: str  # a data element id or a number, as text
    text: str
    line: int = 0


@dataclass(frozen=True)
class Plan:
    """A whole targets file after validation."""

    id: str
    title: str
    area: str
    years: tuple[int, ...]
    data_elements: dict[str, DataElement]
    indicators: tuple[Indicator, ...]
    checks: tuple[Check, ...] = ()
    issued_by: str | None = None
    document: str | None = None
    # Report deadlines as (day, month) per period, e.g. {"H1": (15, 5), "FY": (15, 11)}.
    deadlines: dict[str, tuple[int, int]] = field(default_factory=lambda: {"H1": (15, 5), "FY": (15, 11)})
    area_line: int = 0  # line of `plan.area` in the targets file, for the area check's message

    def indicator(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    def indicator_counting(self, element: str) -> Indicator | None:
        """The indicator whose numerator is `element`: a count first, else a rate on it
        (the projector's trend of drownings reads the count's pooled, protected total)."""
        found = [ind for ind in self.indicators if ind.numerator == element]
        found.sort(key=lambda ind: ind.unit != "count")
        return found[0] if found else None

    def groups(self) -> list[LocalText]:
        """Sections in the order the plan first uses them."""
        seen: list[LocalText] = []
        for ind in self.indicators:
            g = ind.group or LocalText("Chỉ tiêu khác", "Other indicators")
            if g not in seen:
                seen.append(g)
        return seen

    def used_data_elements(self) -> list[str]:
        """Every data element an indicator or a check needs, in plan order."""
        out: list[str] = []
        for ind in self.indicators:
            for de in (ind.numerator, ind.denominator, *ind.requires_zero):
                if de and de != COMMUNES and de not in out:
                    out.append(de)
        for chk in self.checks:
            for de in (chk.left, chk.right):
                if de in self.data_elements and de not in out:
                    out.append(de)
        return out


@dataclass(frozen=True)
class OrgUnitRef:
    """An org unit as the rules and pages see it (no geometry)."""

    code: str
    name: str  # "An Châu"
    full_name: str  # "Thị trấn An Châu"
    type: str  # "xã", "phường", "thị trấn", "huyện", "tỉnh", "quốc gia"
    level: str  # "country" | "province" | "district" | "commune"
    parent_code: str | None = None
    depth: int = 0  # 0 = root of the tree; higher = further down
