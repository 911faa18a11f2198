"""Small-count protection: which figures to hide so that no child can be picked out.

Pure functions over plain data (no Streamlit, no database, no pandas).

* **Primary suppression.** A *sensitive* count (abuse, drowning, HIV, child labour…)
  from 1 to 4 is shown as "<5". Zero stays visible: "nobody" identifies nobody.
* **Secondary suppression.** Hiding one cell is not enough where a total is shown:
  total − the visible cells = the hidden cell. More cells (marked "*") are hidden
  until no hidden small count can be worked out *exactly* from what is shown.
* **Unstable rates.** A rate on fewer than 5 events, or over a very small base, is
  flagged so a page can say "không ổn định" (unstable) next to it.

What a reader is assumed to know (the model behind `exposed_cells`): every visible
number exactly; that a "<5" cell is between 1 and 4; that a "*" cell is not between
1 and 4 (otherwise it would say "<5"), i.e. 0 or at least 5 — except a total, which
may also be a small total hidden as "*" (so a "*" total can be anything); and that
each group's cells add up to its total. A small count is protected when, under that
knowledge, it could still take at least two values. When four communes show "<5"
and the total is 4, "<5" on the total would give every commune away (1 each): the
total is then shown as "*" instead.

**Across the two periods of a year** (`suppress_periods`). H1 and FY of the same year
are counts of the same events, FY including H1, so a reader also knows that for every
cell FY = H1 + H2 with H2 ≥ 0, and that the H2 cells add up like the others. The
second half is never shown, yet H1 = 5 beside FY = 6 tells "one drowning in the second
half" as surely as a "1" would; and a cell hidden in one period but shown in the other
may be worked out through the H2 sums. So the two periods are decided together: each
reader's knowledge is a set of possible values per cell (visible: one value; "<5":
1–4; "*": 0 or ≥ 5, any for a total; H2: any ≥ 0), narrowed by every sum until
nothing changes (each sum exactly, over unions of intervals). A "<5" cell of either
period, and a sensitive H2 count from 1 to 4, is safe when it keeps at least two
possible values. Where one is not, more cells are hidden ("*"), the FY side first:
H1 figures have usually gone out already, and hiding them afterwards would not
unsay them. Differencing across years is not a disclosure of this kind (two years
are two different sets of children); comparisons with a masked side are not shown.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

SMALL_MIN = 1
SMALL_MAX = 4  # "<5"
MIN_EVENTS = 5  # a rate on fewer events than this is unstable
MIN_BASE = 20  # ... and so is a rate over a base smaller than this
PRIMARY = "primary"
SECONDARY = "secondary"
TOTAL = "__total__"  # the code under which an area's total sits in `protect_figures`

# The figures about children that can identify a child in a small commune.
DEFAULT_SENSITIVE: tuple[str, ...] = (
    "abuse_cases",
    "abuse_cases_with_plan",
    "drowning_deaths",
    "injury_deaths",
    "new_hiv_children",
    "child_labour_cases",
    "child_labour_supported",
)


class Masked(float):
    """A hidden figure: NaN to arithmetic (so it can never be summed back), its mask
    ("*") as text. `fmt_number`/`fmt_value` print the mask; a dataframe sees NaN."""

    mask_text = "*"
    kind = SECONDARY

    def __new__(cls, _value: object = None) -> Masked:
        return super().__new__(cls, math.nan)

    def __repr__(self) -> str:
        return self.mask_text

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return self.mask_text

    def __reduce__(self) -> tuple[type, tuple]:
        return (type(self), ())


class SmallCount(Masked):
    """A sensitive count from 1 to 4, shown as "<5"."""

    mask_text = "<5"
    kind = PRIMARY


class Hidden(Masked):
    """A figure hidden so that a small count elsewhere cannot be worked out ("*")."""


def masked(kind: str | None) -> Masked | None:
    """The mask for a suppression kind ("primary" → "<5", "secondary" → "*")."""
    if kind == PRIMARY:
        return SmallCount()
    if kind == SECONDARY:
        return Hidden()
    return None


def is_masked(value: object) -> bool:
    return isinstance(value, Masked)


def _number(value: object) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def is_small(value: object) -> bool:
    """A count from 1 to 4 (what "<5" stands for); None, NaN and 0 are not small."""
    number = _number(value)
    return number is not None and SMALL_MIN <= number < SMALL_MAX + 1


@dataclass(frozen=True)
class Group:
    """Cells that add up to a total that is (or may be) shown beside them.

    `total` is the key of that total in the values, or None when no total is shown
    (then the group constrains nothing).
    """

    cells: tuple[Hashable, ...]
    total: Hashable | None = None


@dataclass(frozen=True)
class Suppression:
    """Which keys to hide: `primary` ("<5") and `secondary` ("*").

    `later`: the same period's decision as shown on the units of a later day, from that
    day on (`(day, decision)`, oldest first): after the 2025 reform a period's figures
    are shown carried onto the new communes, keyed by their codes, and decided with the
    other period of the year on that tree (`on` picks the one a view needs).
    """

    primary: frozenset = field(default_factory=frozenset)
    secondary: frozenset = field(default_factory=frozenset)
    later: tuple[tuple[date, Suppression], ...] = ()

    def on(self, day: date | None) -> Suppression:
        """The decision for figures shown on the units valid on `day` (this one unless
        a later tree had begun by then)."""
        chosen = self
        for start, decision in self.later:
            if day is not None and start <= day:
                chosen = decision
        return chosen

    @property
    def hidden(self) -> frozenset:
        return self.primary | self.secondary

    def kind(self, key: Hashable) -> str | None:
        if key in self.primary:
            return PRIMARY
        if key in self.secondary:
            return SECONDARY
        return None

    def __bool__(self) -> bool:
        return bool(self.primary or self.secondary)


def _whole(value: float | None) -> int:
    return 0 if value is None else max(0, round(value))


def _sums(allowed: Sequence[str], cap: int) -> int:
    """A bitset of the sums the hidden cells can reach (bit i set = sum i possible).

    A "<5" cell adds 1..4; a "*" cell adds 0 or anything from 5 up.
    """
    full = (1 << (cap + 1)) - 1
    reach = 1  # the empty sum is 0
    for kind in allowed:
        if kind == PRIMARY:
            reach = ((reach << 1) | (reach << 2) | (reach << 3) | (reach << 4)) & full
        else:
            low = (reach & -reach).bit_length() - 1  # the smallest reachable sum
            from_low = full & ~((1 << min(low + 5, cap + 1)) - 1)
            reach = (reach | from_low) & full
    return reach


def _allowed_totals(kind: str | None, value: int, cap: int) -> list[int]:
    if kind is None:
        return [value]
    if kind == PRIMARY:
        return list(range(SMALL_MIN, SMALL_MAX + 1))
    return list(range(0, cap + 1))  # a "*" total may be a small one hidden


def exposed_cells(group: Group, values: Mapping[Hashable, object], suppression: Suppression) -> list[Hashable]:
    """The "<5" cells of `group` whose exact value follows from what is shown."""
    if group.total is None:
        return []
    hidden = [c for c in group.cells if suppression.kind(c)]
    primaries = [c for c in hidden if suppression.kind(c) == PRIMARY]
    if not primaries:
        return []
    visible_sum = sum(_whole(_number(values.get(c))) for c in group.cells if not suppression.kind(c))
    true_total = sum(_whole(_number(values.get(c))) for c in group.cells)
    cap = max(true_total, _whole(_number(values.get(group.total)))) + 2 * (SMALL_MAX + 5)
    totals = _allowed_totals(suppression.kind(group.total), _whole(_number(values.get(group.total))), cap)
    out = []
    for cell in primaries:
        others = [suppression.kind(c) or SECONDARY for c in hidden if c != cell]
        reach = _sums(others, cap)
        feasible = 0
        for x in range(SMALL_MIN, SMALL_MAX + 1):
            if any(0 <= t - visible_sum - x <= cap and reach >> (t - visible_sum - x) & 1 for t in totals):
                feasible += 1
                if feasible > 1:
                    break
        if feasible <= 1:
            out.append(cell)
    return out


def _next_candidate(group: Group, values: Mapping[Hashable, object], suppression: Suppression) -> Hashable | None:
    """The cell to hide next: the smallest visible non-zero cell, else the total, else a zero."""
    visible = [c for c in group.cells if not suppression.kind(c) and _number(values.get(c)) is not None]
    nonzero = sorted(
        (c for c in visible if _whole(_number(values.get(c))) > 0),
        key=lambda c: (_whole(_number(values.get(c))), group.cells.index(c)),
    )
    if nonzero:
        return nonzero[0]
    if group.total is not None and suppression.kind(group.total) != SECONDARY:
        return group.total  # hide the total ("*"), even a small one shown as "<5"
    zeros = [c for c in visible]
    return zeros[0] if zeros else None


def suppress(
    values: Mapping[Hashable, object],
    sensitive: Collection[Hashable] | Callable[[Hashable], bool],
    groups: Sequence[Group] = (),
) -> Suppression:
    """Primary suppression of sensitive small counts, then secondary across `groups`.

    `values` holds every cell and every total of the groups (a missing or None cell
    is "not reported" and counts as a visible 0 in its group's total). Groups may
    overlap (rows and columns of a table, a district inside a province): the search
    repeats until every group is safe.
    """
    is_sensitive = sensitive if callable(sensitive) else (lambda key, s=frozenset(sensitive): key in s)
    keys = set(values)
    for g in groups:
        keys.update(g.cells)
        if g.total is not None:
            keys.add(g.total)
    primary = {k for k in keys if is_sensitive(k) and is_small(values.get(k))}
    secondary: set[Hashable] = set()
    changed = True
    while changed:
        changed = False
        for group in groups:
            while exposed_cells(group, values, Suppression(frozenset(primary), frozenset(secondary))):
                candidate = _next_candidate(group, values, Suppression(frozenset(primary), frozenset(secondary)))
                if candidate is None:
                    break
                primary.discard(candidate)  # a small total moves from "<5" to "*"
                secondary.add(candidate)
                changed = True
    return Suppression(frozenset(primary), frozenset(secondary))


def element_totals(figures: Mapping[str, Mapping[str, float]], elements: Collection[str]) -> dict[str, float | None]:
    """Sum of each element over the communes that reported it (None: nobody did)."""
    out: dict[str, float | None] = {}
    for de in elements:
        reported = [_number(f.get(de)) for f in figures.values() if f and _number(f.get(de)) is not None]
        out[de] = sum(v for v in reported if v is not None) if reported else None
    return out


def protect_figures(
    figures: Mapping[str, Mapping[str, float]],
    sensitive_elements: Collection[str],
    subtotals: Mapping[str, Collection[str]] | None = None,
) -> Suppression:
    """What to hide in one period's figures (commune → element → value) for an area.

    Keys are `(commune_code, element)` and `(TOTAL, element)` for the area's total;
    with `subtotals` (name → commune codes, e.g. each district of a province) also
    `(name, element)` for each subtotal shown.
    """
    values: dict[Hashable, object] = {}
    groups: list[Group] = []
    elements = [de for de in sensitive_elements if any(de in (f or {}) for f in figures.values())]
    totals = element_totals(figures, elements)
    for de in elements:
        cells = tuple((code, de) for code in sorted(figures) if _number((figures[code] or {}).get(de)) is not None)
        for code, _ in cells:
            values[(code, de)] = figures[code][de]
        values[(TOTAL, de)] = totals[de]
        if subtotals:
            parts = []
            for name, codes in subtotals.items():
                sub_cells = tuple(c for c in cells if c[0] in set(codes))
                sub_total = sum(_whole(_number(values[c])) for c in sub_cells)
                values[(name, de)] = sub_total
                groups.append(Group(sub_cells, (name, de)))
                parts.append((name, de))
            groups.append(Group(tuple(parts), (TOTAL, de)))
        groups.append(Group(cells, (TOTAL, de)))
    return suppress(values, lambda key: isinstance(key, tuple) and key[-1] in elements, groups)


def unstable_rate(
    numerator: float | None, denominator: float | None, *, min_events: int = MIN_EVENTS, min_base: int = MIN_BASE
) -> bool:
    """A rate worth a warning: fewer than `min_events` events or a base under `min_base`.

    No rate (a missing figure, a zero denominator) is not "unstable"; it is absent.
    """
    num, den = _number(numerator), _number(denominator)
    if num is None or den is None or den <= 0:
        return False
    return num < min_events or den < min_base


# --------------------------------------------------------------------------- two periods of a year

H1, FY, H2 = "H1", "FY", "H2"  # the tags of `suppress_periods`' keys; H2 = FY − H1, never shown
INF = math.inf
Interval = tuple[float, float]
Domain = tuple[Interval, ...]  # sorted, disjoint, non-adjacent closed integer intervals (hi may be INF)

ANY: Domain = ((0, INF),)
SMALL: Domain = ((SMALL_MIN, SMALL_MAX),)
NOT_SMALL: Domain = ((0, 0), (SMALL_MAX + 1, INF))


def _domain(intervals: Collection[Interval]) -> Domain:
    """Intervals clipped at 0, sorted and merged (adjacent integer intervals join)."""
    out: list[list[float]] = []
    for lo, hi in sorted((max(0, lo), hi) for lo, hi in intervals if hi >= max(0, lo)):
        if out and lo <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return tuple((lo, hi) for lo, hi in out)


def _one(lo: float, hi: float) -> Domain:
    """`_domain([(lo, hi)])` without the sort: most domains are one interval, and a whole
    tree's two periods call these a million times."""
    lo = max(0, lo)
    return ((lo, hi),) if hi >= lo else ()


def domain_add(a: Domain, b: Domain) -> Domain:
    """Every sum of a value of `a` and a value of `b` (exact for integer intervals)."""
    if len(a) == 1 and len(b) == 1:
        return _one(a[0][0] + b[0][0], a[0][1] + b[0][1])
    return _domain([(x0 + y0, x1 + y1) for x0, x1 in a for y0, y1 in b])


def domain_sub(a: Domain, b: Domain) -> Domain:
    """Every non-negative difference of a value of `a` minus a value of `b`."""
    if len(a) == 1 and len(b) == 1:
        return _one(a[0][0] - b[0][1], a[0][1] - b[0][0])
    return _domain([(x0 - y1, x1 - y0) for x0, x1 in a for y0, y1 in b])


def domain_meet(a: Domain, b: Domain) -> Domain:
    """The values in both."""
    if len(a) == 1 and len(b) == 1:
        lo, hi = max(a[0][0], b[0][0]), min(a[0][1], b[0][1])
        return _one(lo, hi)
    return _domain([(max(x0, y0), min(x1, y1)) for x0, x1 in a for y0, y1 in b if max(x0, y0) <= min(x1, y1)])


def domain_size(d: Domain) -> float:
    return sum(hi - lo + 1 for lo, hi in d)


def domain_values(d: Domain, limit: int = 64) -> list[int]:
    """The first `limit` values of a domain (for messages and tests)."""
    out: list[int] = []
    for lo, hi in d:
        v = int(lo)
        while v <= hi and len(out) < limit:
            out.append(v)
            v += 1
    return out


def known_domain(kind: str | None, value: object, *, is_total: bool) -> Domain:
    """What a reader knows of one shown cell from what it shows."""
    if kind == PRIMARY:
        return SMALL
    if kind == SECONDARY:
        return ANY if is_total else NOT_SMALL
    v = _whole(_number(value))
    return ((v, v),)


def propagate(domains: dict[Hashable, Domain], sums: Sequence[tuple[tuple[Hashable, ...], Hashable]]) -> bool:
    """Narrow `domains` in place by every sum `cells → total` until nothing changes.

    Each sum is made exactly consistent (every value left in a cell's domain occurs in
    some assignment of the sum's other cells); the sums are revisited while any cell
    they hold narrowed. False when the knowledge contradicts itself (never for true
    figures). What a reader could work out by combining sums more cleverly than one at
    a time is not found here; the brute-force tests check small cases in full.
    """
    by_key: dict[Hashable, list[int]] = {}
    for i, (cells, total) in enumerate(sums):
        for key in (*cells, total):
            by_key.setdefault(key, []).append(i)
    queue = list(range(len(sums)))
    queued = set(queue)
    while queue:
        i = queue.pop()
        queued.discard(i)
        cells, total = sums[i]
        cell_domains = [domains.get(c, ANY) for c in cells]
        prefix = [((0, 0),)]
        for d in cell_domains:
            prefix.append(domain_add(prefix[-1], d))
        suffix = [((0, 0),)]
        for d in reversed(cell_domains):
            suffix.append(domain_add(suffix[-1], d))
        suffix.reverse()
        changed = []
        t = domain_meet(domains.get(total, ANY), prefix[-1])
        if not t:
            return False
        if t != domains.get(total, ANY):
            domains[total] = t
            changed.append(total)
        for j, c in enumerate(cells):
            others = domain_add(prefix[j], suffix[j + 1])
            d = domain_meet(cell_domains[j], domain_sub(t, others))
            if not d:
                return False
            if d != cell_domains[j]:
                domains[c] = d
                changed.append(c)
        for key in changed:
            for k in by_key.get(key, ()):
                if k not in queued:
                    queued.add(k)
                    queue.append(k)
    return True


def possible_values(
    group: Group, values: Mapping[Hashable, object], suppression: Suppression, cell: Hashable
) -> list[int]:
    """The values a hidden `cell` of one group can still take, from that group alone."""
    if group.total is None:
        return domain_values(SMALL)
    domains = {
        k: known_domain(suppression.kind(k), values.get(k), is_total=k == group.total)
        for k in (*group.cells, group.total)
    }
    propagate(domains, [(group.cells, group.total)])
    return domain_values(domains[cell])


def period_domains(
    first: Mapping[Hashable, object],
    second: Mapping[Hashable, object],
    groups: Sequence[Group],
    hidden_first: Suppression,
    hidden_second: Suppression,
) -> dict[tuple[str, Hashable], Domain]:
    """What a reader knows of every cell of H1 (`first`), FY (`second`) and H2 = FY − H1
    from both periods shown with these suppressions; keys `(H1|FY|H2, key)`."""
    totals = {g.total for g in groups if g.total is not None}
    keys = set(first) | set(second)
    for g in groups:
        keys.update(g.cells)
        if g.total is not None:
            keys.add(g.total)
    domains: dict[tuple[str, Hashable], Domain] = {}
    for key in keys:
        domains[(H1, key)] = known_domain(hidden_first.kind(key), first.get(key), is_total=key in totals)
        domains[(FY, key)] = known_domain(hidden_second.kind(key), second.get(key), is_total=key in totals)
        domains[(H2, key)] = ANY
    propagate(domains, _period_sums(keys, groups))
    return domains


def _period_sums(keys: Collection[Hashable], groups: Sequence[Group]) -> list[tuple[tuple[Hashable, ...], Hashable]]:
    sums: list[tuple[tuple[Hashable, ...], Hashable]] = [(((H1, k), (H2, k)), (FY, k)) for k in keys]
    for g in groups:
        if g.total is None:
            continue
        for tag in (H1, FY, H2):
            sums.append((tuple((tag, c) for c in g.cells), (tag, g.total)))
    return sums


def suppress_periods(
    first: Mapping[Hashable, object],
    second: Mapping[Hashable, object],
    sensitive: Collection[Hashable] | Callable[[Hashable], bool],
    groups: Sequence[Group] = (),
    start: tuple[Suppression, Suppression] | None = None,
) -> tuple[Suppression, Suppression]:
    """What to hide in H1 (`first`) and FY (`second`) of one year, decided together.

    Both hold the same keys and the same `groups` (cells adding up to totals). `start`
    is each period's own decision (`suppress`), computed when not given. More cells
    are hidden ("*") until every "<5" cell of either period and every sensitive
    second-half count from 1 to 4 keeps at least two possible values (module docstring).
    """
    is_sensitive = sensitive if callable(sensitive) else (lambda key, s=frozenset(sensitive): key in s)
    if start is None:
        start = (suppress(first, is_sensitive, groups), suppress(second, is_sensitive, groups))
    hidden = {H1: dict.fromkeys(start[0].primary, PRIMARY), FY: dict.fromkeys(start[1].primary, PRIMARY)}
    for tag, sup in ((H1, start[0]), (FY, start[1])):
        hidden[tag].update(dict.fromkeys(sup.secondary, SECONDARY))
    shown = {H1: first, FY: second}
    keys = set(first) | set(second)
    for g in groups:
        keys.update(g.cells)
        if g.total is not None:
            keys.add(g.total)
    sums = _period_sums(keys, groups)
    near: dict[Hashable, set[int]] = {}
    for i, (cells, total) in enumerate(sums):
        for k in (*cells, total):
            near.setdefault(k, set()).add(i)
    h2_small = {
        k
        for k in keys
        if is_sensitive(k)
        and _number(first.get(k)) is not None
        and _number(second.get(k)) is not None
        and is_small(_whole(_number(second.get(k))) - _whole(_number(first.get(k))))
    }

    def decision() -> tuple[Suppression, Suppression]:
        return tuple(  # type: ignore[return-value]
            Suppression(
                frozenset(k for k, v in hidden[tag].items() if v == PRIMARY),
                frozenset(k for k, v in hidden[tag].items() if v == SECONDARY),
            )
            for tag in (H1, FY)
        )

    def exposed() -> list[tuple[str, Hashable]]:
        domains = period_domains(first, second, groups, *decision())
        out = [(H2, k) for k in sorted(h2_small, key=repr) if domain_size(domains[(H2, k)]) < 2]
        for tag in (FY, H1):
            out += [(tag, k) for k, v in sorted(hidden[tag].items(), key=repr) if v == PRIMARY]
        return [x for x in out if domain_size(domains[x]) < 2]

    def candidates(target: tuple[str, Hashable]) -> list[tuple[str, Hashable]]:
        """Shown cells near `target` (sums it is in, then sums of their hidden cells),
        non-zero before zero (a zero said is worth keeping), nearest first, FY before H1; "<5" totals last (to "*")."""
        seen, ring, out = {target}, [target], []
        for distance in range(4):
            nxt = []
            for var in ring:
                for i in near.get(var, ()):
                    cells, total = sums[i]
                    for k in (*cells, total):
                        if k in seen:
                            continue
                        seen.add(k)
                        tag, key = k
                        kind = hidden[tag].get(key) if tag != H2 else SECONDARY
                        if kind is None or (kind == PRIMARY and key in totals):
                            value = _whole(_number(shown[tag].get(key)))
                            out.append(((kind is not None, value == 0, distance, tag != FY, value, repr(key)), k))
                        if kind is not None or tag == H2:
                            nxt.append(k)
            ring = nxt
        return [k for _, k in sorted(out)]

    def _first_that_frees(options: list[tuple[str, Hashable]], target: tuple[str, Hashable]) -> list:
        """The first option that alone leaves `target` two values (tried one by one)."""
        for tag, key in options:
            before = hidden[tag].get(key)
            hidden[tag][key] = SECONDARY
            domains = period_domains(first, second, groups, *decision())
            if before is None:
                del hidden[tag][key]
            else:
                hidden[tag][key] = before
            if domain_size(domains[target]) >= 2:
                return [(tag, key)]
        return []

    totals = {g.total for g in groups if g.total is not None}
    for _ in range(4 * len(keys) + 8):  # each round hides at least one more cell: this ends
        bad = exposed()
        if not bad:
            break
        # One cell more near each exposed one per round (not one per round in all):
        # a round recomputes what the reader knows over the whole tree.
        chosen: list[tuple[str, Hashable]] = []
        for target in bad:
            options = [o for o in candidates(target) if o not in chosen]
            if len(bad) == 1:
                options = _first_that_frees(options[:8], target) + options
            if options:
                chosen.append(options[0])
        if not chosen:
            break  # nothing left to hide around them (cannot happen with a total shown)
        for tag, key in chosen:
            hidden[tag][key] = SECONDARY
    return decision()
    return decision()
