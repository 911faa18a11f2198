"""Across the 2025 reform: the words saying where earlier figures were carried from.

A new commune's figures before it existed are its predecessors' figures times their
shares (`data_access.progress.across_reform`). Wherever a page compares with such a
year it says so, e.g. "2024: cộng từ 3 xã cũ", the old units' names on hover, so that a
leader never reads a sum of old communes as one commune's own past.

Which predecessors and which years come from data_access (`Progress.carried_from`,
`ui.data.carried_sources`); the unit types ("xã", "thị trấn", "phường") are the tree's
own, so nothing here guesses a place word. The pure helpers take plain data and are
tested directly; `show` and `compare_note` draw them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta

import streamlit as st

import i18n
from data_access.progress import Predecessor, Progress
from i18n import fmt_date, fmt_number, t
from rules.model import OrgUnitRef

# Sources as data_access gives them: (year, period) -> new commune -> its predecessors.
Sources = Mapping[tuple[int, str], Mapping[str, Sequence[Predecessor]]]

MAX_NAMES = 12  # names in a hover text; the expander lists every one
# The type words are the vocabulary's (i18n), shared with the exports and the template.
TYPE_ORDER = i18n.TYPE_ORDER
type_key = i18n.type_key
type_word = i18n.type_word
_ordered = i18n.ordered_types


def count_words(types: Sequence[str], lang: str) -> str:
    """'2 xã, 1 thị trấn' from the types of the units counted."""
    counts = Counter(types)
    parts = []
    for unit_type in _ordered(types):
        n = counts[unit_type]
        key = "reform_units_count_one" if n == 1 else "reform_units_count"
        parts.append(t(key, lang, n=fmt_number(n, 0, lang), type=type_word(unit_type, lang)))
    return t("reform_and", lang).join(parts)


def unit_words(units: Iterable[OrgUnitRef], lang: str, capital: bool = False, default: str | None = None) -> str:
    """The kinds of unit a view holds, as the tree names them: 'xã, thị trấn', 'xã,
    phường, đặc khu' (`i18n.unit_words` over the units' types)."""
    return i18n.unit_words((u.type for u in units), lang, capital=capital, default=default)


def year_ranges(years: Iterable[int]) -> str:
    """2020, 2021, 2022, 2024 -> '2020–2022, 2024'."""
    ys = sorted(set(years))
    out: list[str] = []
    start = prev = None
    for y in ys:
        if start is None:
            start = prev = y
        elif y == prev + 1:
            prev = y
        else:
            out.append(str(start) if start == prev else f"{start}–{prev}")
            start = prev = y
    if start is not None:
        out.append(str(start) if start == prev else f"{start}–{prev}")
    return ", ".join(out)


def _name(p: Predecessor, lang: str) -> str:
    if p.share < 0.999:  # a commune split between several new ones: only its share came
        return t("reform_share", lang, name=p.full_name, share=fmt_number(100 * p.share, 0, lang))
    return p.full_name


def names_text(predecessors: Sequence[Predecessor], lang: str, limit: int = MAX_NAMES) -> str:
    names = [_name(p, lang) for p in predecessors]
    if len(names) <= limit:
        return ", ".join(names)
    return t("reform_names_more", lang, names=", ".join(names[:limit]), n=fmt_number(len(names) - limit, 0, lang))


def commune_lines(sources: Sources, code: str, lang: str) -> list[tuple[str, str]]:
    """(sentence, hover text) per run of years carried with the same predecessors into
    commune `code`: [('2020–2024: cộng từ 2 xã, 1 thị trấn cũ', 'Đơn vị cũ: …')]."""
    by_parts: dict[tuple[Predecessor, ...], list[int]] = {}
    for (year, _period), found in sources.items():
        parts = tuple(found.get(code, ()))
        if parts:
            by_parts.setdefault(parts, []).append(year)
    out = []
    for parts, years in sorted(by_parts.items(), key=lambda kv: min(kv[1])):
        text = t("reform_carried_commune", lang, years=year_ranges(years), parts=count_words([p.type for p in parts], lang))
        out.append((text, t("reform_carried_help", lang, names=names_text(parts, lang))))
    return out


def area_lines(sources: Sources, communes: Sequence[OrgUnitRef], lang: str) -> list[tuple[str, str]]:
    """The same for a whole area: '2024: số liệu của 12 xã mới cộng từ 40 xã, 5 thị trấn cũ'."""
    by_type = {c.code: c.type for c in communes}
    runs: dict[tuple[tuple[str, ...], tuple[Predecessor, ...]], list[int]] = {}
    for (year, _period), found in sources.items():
        new = tuple(sorted(c for c in found if c in by_type and found[c]))
        if not new:
            continue
        olds = tuple(dict.fromkeys(p for c in new for p in found[c]))
        runs.setdefault((new, olds), []).append(year)
    out = []
    for (new, olds), years in sorted(runs.items(), key=lambda kv: min(kv[1])):
        unique = list({p.code + p.full_name: p for p in olds}.values())
        text = t(
            "reform_carried_area",
            lang,
            years=year_ranges(years),
            new=count_words([by_type[c] for c in new], lang),
            parts=count_words([p.type for p in unique], lang),
        )
        out.append((text, t("reform_carried_help", lang, names=names_text(unique, lang))))
    return out


# --------------------------------------------------------------------------- Streamlit blocks


def area_labels(areas: Sequence[OrgUnitRef], on_day: Iterable[OrgUnitRef]) -> dict[str, str]:
    """The area picker's label of each area code: the unit that code meant on the view's
    day (`on_day`: the units valid that day, e.g. `data_access.progress.view_day`'s), so
    "24" of a 2024 view is Tỉnh Bắc Giang, of a 2026 view Tỉnh Bắc Ninh; an area not
    valid that day keeps its own name. Two labels alike get the code beside them:
    Streamlit tells options apart by their label, and picking one would open the other."""
    then = {u.code: u.full_name for u in on_day}
    names = {a.code: then.get(a.code, a.full_name) for a in areas}
    seen = Counter(names.values())
    return {code: name if seen[name] == 1 else f"{name} ({code})" for code, name in names.items()}


def show_lines(lines: Sequence[tuple[str, str]]) -> None:
    """Each sentence as a caption, the old units' names on hover (the ⓘ beside it)."""
    for text, names in lines:
        st.caption(f":material/merge_type: {text}", help=names)


def show_commune(sources: Sources, commune: OrgUnitRef, lang: str) -> None:
    show_lines(commune_lines(sources, commune.code, lang))


def show_area(sources: Sources, communes: Sequence[OrgUnitRef], lang: str, key: str) -> None:
    """The area's sentences, and an expander naming each new commune's old units."""
    lines = area_lines(sources, communes, lang)
    if not lines:
        return
    show_lines(lines)
    names = {c.code: c.full_name for c in communes}
    latest: dict[str, Sequence[Predecessor]] = {}
    for _key, found in sorted(sources.items()):
        latest.update({c: v for c, v in found.items() if c in names and v})
    with st.expander(t("reform_carried_expander", lang), icon=":material/merge_type:"):
        st.dataframe(
            {
                t("reform_col_new", lang): [names[c] for c in sorted(latest, key=names.get)],
                t("reform_col_old", lang): [names_text(latest[c], lang, limit=100) for c in sorted(latest, key=names.get)],
            },
            hide_index=True,
            width="stretch",
            key=key,
        )


def compare_sources(url: str, progress: Progress, compare_year: int, elements: Sequence[str]) -> Sources:
    """Where the compared year's figures were carried from: the year before is in the
    progress itself; another year is read through the same carry (`ui.data`)."""
    from ui import data

    # The viewed period itself, when its units are older than the area (the new province
    # viewed for 2025 H1): its figures are carried too.
    now = {(progress.year, progress.period): progress.carried_now} if progress.carried_now else {}
    if compare_year == progress.year - 1:
        return {(compare_year, progress.period): progress.carried_from, **now} if progress.carried_from else now
    return {
        **data.carried_sources(
            url, progress.area.code, [compare_year], progress.period, list(elements), viewed_year=progress.year
        ),
        **now,
    }


def show_area_ended(progress: Progress, when: str, lang: str) -> None:
    """Under the title: an area abolished before the period (a 2024 district viewed for
    2025 FY) stands for the communes that replaced it; say so, and which. An area that
    did not exist yet (the new province viewed for 2025 H1): say so, and that its
    figures are its predecessors' added up."""
    if progress.began_on is not None:
        olds = list({p.code + p.full_name: p for found in progress.carried_now.values() for p in found}.values())
        st.info(
            t(
                "reform_area_began",
                lang,
                area=progress.area.full_name,
                day=fmt_date(progress.began_on, lang),
                when=when,
                n=fmt_number(len(progress.communes), lang=lang),
                units=unit_words(progress.communes, lang),
                parts=count_words([p.type for p in olds], lang),
            ),
            icon=":material/merge:",
        )
    if progress.ended_on is None:
        return
    communes = progress.communes
    names = ", ".join(c.full_name for c in communes[:MAX_NAMES])
    if len(communes) > MAX_NAMES:
        names += " …"
    st.info(
        t(
            "reform_area_ended",
            lang,
            area=progress.area.full_name,
            day=fmt_date(progress.ended_on + timedelta(days=1), lang),
            when=when,
            n=fmt_number(len(communes), lang=lang),
            units=unit_words(communes, lang),
            names=names,
        ),
        icon=":material/merge:",
    )
