"""Carrying figures across a merger of communes, so years either side compare.

When old communes A and B became new commune N, last year's figures of A and B are
added up as N's figures (counts and flows add; a yes/no status holds for N only if it
held for every part). `share` splits an old commune that went into several new ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rules.model import DataElement

Figures = Mapping[str, Mapping[str, float]]


@dataclass(frozen=True)
class Merger:
    old_code: str
    new_code: str
    share: float = 1.0  # of the old commune's figures that went to the new one


def carry_forward(
    figures: Figures, mergers: Sequence[Merger], data_elements: Mapping[str, DataElement]
) -> dict[str, dict[str, float]]:
    """`figures` keyed by old communes → the same figures keyed by their successors.

    Communes untouched by any merger keep their own figures. A successor gets a data
    element only if every one of its predecessors reported it (a partial sum would
    look like a fall).
    """
    parts: dict[str, list[Merger]] = {}
    for m in mergers:
        parts.setdefault(m.new_code, []).append(m)
    merged_away = {m.old_code for m in mergers}
    out: dict[str, dict[str, float]] = {code: dict(v) for code, v in figures.items() if code not in merged_away}
    for new_code, pieces in parts.items():
        reported = [figures.get(p.old_code) or {} for p in pieces]
        common = set.intersection(*(set(r) for r in reported)) if reported else set()
        combined: dict[str, float] = {}
        for de in common:
            element = data_elements.get(de)
            if element is not None and element.type == "yes_no":
                combined[de] = 1.0 if all(r[de] >= 1 for r in reported) else 0.0
            else:
                combined[de] = sum(r[de] * p.share for r, p in zip(reported, pieces, strict=True))
        out[new_code] = combined
    return out
