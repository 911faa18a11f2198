"""What an aggregates-only reader can work out from the protected figures (issue 16 item 10).

An attacker's count, kept so the protection can be re-measured: over the sample
district(s) and a generated district, with the figures masked exactly as the app
masks them for an aggregates-only account (the whole-tree decision of
`data_access.protect.tree_decisions_for_year`, i.e. H1 and FY of a year decided
together), it counts

* ``narrowed``: groups (a unit and its children, one element, one period) where the
  shown cells and total leave a "<5" cell only 1 or 2 possible values;
* ``pinned``: "<5" cells whose value follows exactly from everything shown in both
  periods of the year (brute force on small groups, constraint propagation elsewhere);
* ``h2_exact``: second-half counts FY − H1 that come out exact and small (1–4),
  from the commune and area figures shown in both periods;
* ``comparisons``: area values compared with the year before ("không đổi",
  "↑ 1 · xấu đi", trend arrows, what-if differences) that the app computes from a
  masked cell — a comparison shown as if real.

Run: ``.venv/bin/python -m tools.small_count_attack [--before]`` (``--before``: masks each
period on its own, as the app did before periods were protected together).
"""

from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def sample_tree() -> tuple[dict[str, str | None], dict[tuple[int, str], dict[str, dict[str, float]]]]:
    """(unit → parent, (year, period) → commune → element → value) of sample_data/."""
    with open(REPO / "sample_data" / "org_units.csv", encoding="utf-8") as f:
        units = {r["code"]: (r["parent_code"] or None) for r in csv.DictReader(f)}
    figures: dict[tuple[int, str], dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    with open(REPO / "sample_data" / "data_values.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            figures[(int(r["year"]), r["period"])][r["commune_code"]][r["data_element"]] = float(r["value"])
    return units, {k: {c: dict(v) for c, v in fig.items()} for k, fig in figures.items()}


def generated_tree(communes: int = 30, seed: int = 7):  # noqa: ANN201 - same shape as sample_tree
    """A generated district of `communes` communes, years 2021-2025 (data_access.generate)."""
    from data_access.generate import ELEMENTS, build_country, generate_figures

    country = build_country(communes, seed)
    units = {u.code: u.parent for u in country.units}
    years = [2021, 2022, 2023, 2024, 2025]
    arrays = generate_figures(len(country.communes), years, seed)
    figures: dict[tuple[int, str], dict[str, dict[str, float]]] = {}
    for yi, year in enumerate(years):
        for pi, period in enumerate(("FY", "H1")):
            figures[(year, period)] = {
                u.code: {de: float(arrays[de][ci, yi, pi]) for de in ELEMENTS if de in arrays}
                for ci, u in enumerate(country.communes)
            }
    return units, figures


def _decisions(units, figures, sensitive, *, before: bool):  # noqa: ANN001, ANN202
    from data_access.protect import tree_decisions_for_year, tree_suppression

    out = {}
    for year in sorted({y for y, _ in figures}):
        if before:
            for period in ("H1", "FY"):
                if (year, period) in figures:
                    out[(year, period)] = tree_suppression(figures[(year, period)], units, sensitive)
        else:
            out.update(
                tree_decisions_for_year(figures.get((year, "H1")), figures.get((year, "FY")), units, sensitive, year)
            )
    return out


def _unit_totals(figures: Mapping[str, Mapping[str, float]], units, de: str) -> dict[str, float | None]:  # noqa: ANN001
    children: dict[str, list[str]] = defaultdict(list)
    for code, parent in units.items():
        if parent is not None and parent in units:
            children[parent].append(code)
    out: dict[str, float | None] = {}

    def total(code: str) -> float | None:
        if code not in children:
            v = (figures.get(code) or {}).get(de)
            out[code] = v
            return v
        parts = [total(c) for c in children[code]]
        known = [p for p in parts if p is not None]
        out[code] = sum(known) if known else None
        return out[code]

    for root in [c for c, p in units.items() if p is None or p not in units]:
        total(root)
    return out


def measure(units, figures, sensitive, *, before: bool) -> dict[str, int]:  # noqa: ANN001
    """The four counts of the module docstring for one tree."""
    from rules.suppression import PRIMARY, Group, Suppression, domain_size, period_domains, possible_values

    decisions = _decisions(units, figures, sensitive, before=before)
    children: dict[str, list[str]] = defaultdict(list)
    for code, parent in units.items():
        if parent is not None and parent in units:
            children[parent].append(code)
    counts = {"groups": 0, "narrowed": 0, "pinned": 0, "h2_small": 0, "h2_exact": 0}
    for (year, period), figs in sorted(figures.items()):
        sup = decisions.get((year, period), Suppression())
        for de in sensitive:
            totals = _unit_totals(figs, units, de)
            for parent, kids in children.items():
                cells = [(k, de) for k in sorted(kids) if totals.get(k) is not None]
                if not cells or totals.get(parent) is None:
                    continue
                values = {(k, de): totals[k] for k in kids if totals.get(k) is not None}
                values[(parent, de)] = totals[parent]
                group = Group(tuple(cells), (parent, de))
                smalls = [c for c in cells if sup.kind(c) == PRIMARY]
                if not smalls:
                    continue
                counts["groups"] += 1
                if any(len(possible_values(group, values, sup, c)) <= 2 for c in smalls):
                    counts["narrowed"] += 1
    # Across the two periods of a year: what follows from everything shown in both.
    from data_access.protect import _tree_values

    for year in sorted({y for y, _ in figures}):
        h1, fy = figures.get((year, "H1")), figures.get((year, "FY"))
        if h1 is None or fy is None:
            continue
        s1, s2 = decisions[(year, "H1")], decisions[(year, "FY")]
        for de in sensitive:
            first, groups = _tree_values(h1, units, [de])
            second, _ = _tree_values(fy, units, [de])
            domains = period_domains(first, second, groups, s1, s2)
            for key in first:
                a, f = first.get(key), second.get(key)
                if a is not None and f is not None and 1 <= f - a <= 4:
                    counts["h2_small"] += 1
                    if domain_size(domains[("H2", key)]) < 2:
                        counts["h2_exact"] += 1
                for tag, sup in (("H1", s1), ("FY", s2)):
                    if sup.kind(key) == PRIMARY and domain_size(domains[(tag, key)]) < 2:
                        counts["pinned"] += 1
    return counts


def comparisons(units, figures, sensitive, *, before: bool) -> tuple[int, int]:  # noqa: ANN001
    """(area comparisons computed from a masked cell and shown as a number, all area comparisons)."""
    from data_access.protect import mask_figures
    from data_access.targets import load_plan
    from rules.columnar import area_value_columnar
    from rules.scorecard import change_between
    from rules.suppression import is_masked

    plan = load_plan(REPO / "targets.yaml")
    decisions = _decisions(units, figures, sensitive, before=before)
    children: dict[str, list[str]] = defaultdict(list)
    for code, parent in units.items():
        if parent is not None and parent in units:
            children[parent].append(code)

    def communes_under(code: str) -> list[str]:
        if code not in children:
            return [code]
        return [c for k in children[code] for c in communes_under(k)]

    shown = leaked = 0
    for (year, period), figs in sorted(figures.items()):
        if (year - 1, period) not in figures:
            continue
        now, _ = mask_figures(figs, sensitive, decisions[(year, period)])
        then, _ = mask_figures(figures[(year - 1, period)], sensitive, decisions[(year - 1, period)])
        for area in children:
            codes = communes_under(area)
            if len(codes) < 2:
                continue
            for ind in plan.indicators:
                elements = {ind.numerator, ind.denominator}
                a, b = area_value_columnar(ind, codes, now), area_value_columnar(ind, codes, then)
                ch = change_between(ind, a, b)
                if ch is None:
                    continue
                shown += 1
                from_masked = any(
                    is_masked((fig.get(c) or {}).get(de)) for fig in (now, then) for c in codes for de in elements
                )
                if from_masked and not (is_masked(a.value) or is_masked(b.value)):
                    leaked += 1
    return leaked, shown


def main(argv: list[str] | None = None) -> int:
    from rules.suppression import DEFAULT_SENSITIVE

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", action="store_true", help="each period masked on its own")
    args = parser.parse_args(argv)
    sensitive = list(DEFAULT_SENSITIVE)
    for name, (units, figures) in (("sample", sample_tree()), ("generated", generated_tree())):
        counts = measure(units, figures, sensitive, before=args.before)
        leaked, shown = comparisons(units, figures, sensitive, before=args.before)
        print(
            f"{name}: {counts['narrowed']} of {counts['groups']} groups narrow a '<5' cell to 1-2 values; "
            f"{counts['pinned']} '<5' cells pinned across H1+FY; "
            f"{counts['h2_exact']} of {counts['h2_small']} small H2 counts (FY-H1 in 1..4) exact; "
            f"{leaked} of {shown} area comparisons computed from masked cells"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


