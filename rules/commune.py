"""One commune among the others: its rank per indicator and how complete its report is.

Pure functions over plain data (no Streamlit, pandas or database), used by the Commune
and Map pages.

* **Rank**: "3/17" = third best of the 17 communes that have a value, best first by the
  indicator's better direction; communes with the same value share a rank (1, 2, 2, 4).
  Shares of communes (`denominator: communes`) are yes/no for one commune, so they are
  not ranked.
* **Report completeness**: which of the data elements the plan uses the commune has
  reported for the period ("30 of 34").
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from rules.indicators import EPS
from rules.model import COMMUNES, Indicator


def is_rankable(ind: Indicator) -> bool:
    """A share of communes is 0 % or 100 % for one commune: ranking it says nothing."""
    return ind.denominator != COMMUNES


def _has_value(value: float | None) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def rank_of(values: Mapping[str, float | None], code: str, better: str) -> tuple[int, int] | None:
    """(rank, out of) of `code` among the communes with a value; None if it has none.

    `better` is "higher" or "lower". Ties share the better rank (competition ranking).
    """
    ranked = {c: float(v) for c, v in values.items() if _has_value(v)}
    if code not in ranked:
        return None
    mine = ranked[code]
    if better == "lower":
        ahead = sum(1 for v in ranked.values() if v < mine - EPS)
    else:
        ahead = sum(1 for v in ranked.values() if v > mine + EPS)
    return ahead + 1, len(ranked)


def report_completeness(expected: Sequence[str], figures: Mapping[str, float] | None) -> tuple[list[str], list[str]]:
    """(reported, missing) among `expected` data elements, in the order given.

    A figure that is NaN counts as missing, like everywhere else in the rules.
    """
    reported: list[str] = []
    missing: list[str] = []
    for de in dict.fromkeys(expected):
        value = (figures or {}).get(de)
        (reported if _has_value(value) else missing).append(de)
    return reported, missing
