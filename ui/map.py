"""The commune map: a pydeck Deck of commune polygons coloured by status or by value,
the legend beside it, and the commune table under it for those who cannot see the map.

* **Offline, no basemap.** `map_provider=None` and pydeck's default map style, which is
  a sentinel the Streamlit frontend drops. (`map_style=None` would make Streamlit 1.67
  fetch a Carto basemap from the internet.) The initial view is fitted to the area.
* **District outline** without a geometry library: every commune is drawn first with a
  thick dark edge, then filled opaque on top; inner edges are covered by the neighbours'
  fills, so only the outer edge stays visible. Non-commune areas (a training ground)
  are drawn in grey inside the outline.
* **Labels** keep their Vietnamese diacritics: deck.gl's TextLayer builds its font
  atlas from the text itself (`characterSet: "auto"`) with a font that has the glyphs.
  pydeck turns every plain string into a JS expression, so literal strings go through
  `pdk.types.String`.
* **Status is never colour alone**: the label carries the status symbol, the tooltip
  the word, the legend all three, and the table under the map the symbol and word.
* **Small payload**: coordinates rounded to 5 decimals, only the properties the tooltip
  and the drill-down need.

The pure helpers (`polygons_of`, `fit_view`, `project`, `value_classes`, ...) have no
Streamlit in them and are tested directly.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

import pandas as pd
import pydeck as pdk
import streamlit as st
from pydeck.bindings.json_tools import default_serialize

from data_access.extra_areas import ExtraArea, non_commune_areas
from data_access.progress import Progress
from i18n import fmt_number, t
from rules.indicators import EPS, better_direction
from rules.model import Indicator, OrgUnitRef
from ui import data, reform
from ui.scorecard import STATUS_TINT, commune_value, fmt_target
from ui.status import STATUS_COLOR, STATUS_ORDER, STATUS_SYMBOL, status_label, status_rank

MAP_HEIGHT = 420  # with the title above it, the whole map fits a 1280x720 screen
# Above this many communes (a large province, the country) each commune is drawn as a
# dot at its centroid instead of a polygon: a national map would otherwise send
# ~6 MB of polygons, labels and outlines, and draw 10,600 labels (benchmarks/RESULTS.md).
MAX_POLYGONS = 1000
POINTS_LAYER = "commune_points"  # communes drawn as a dot (no boundary loaded); clickable too
DOT_RADIUS = 9  # pixels: large enough to see its colour and to click
MAX_TABLE_ROWS = 40  # the commune table under the map scrolls beyond this many rows
# The view is fitted for the narrowest map we expect (1280 px screen, sidebar open: the
# map column is 552 px wide there, measured in Chromium); wider screens show a little
# more margin around the area. Labels are kept inside this box too (`label_offsets`).
FIT_WIDTH = 540
LABEL_MARGIN = 4  # pixels between a label and the canvas edge
TILE_SIZE = 512  # deck.gl's Web Mercator world is 512 px wide at zoom 0
FONT_FAMILY = "DejaVu Sans, Arial, sans-serif"
LABEL_SIZE = 14
# ColorBrewer "Blues" (without its near-white step): one hue from light to dark reads
# the same with every colour-vision deficiency and never looks like a status colour.
VALUE_RAMP = ("#C6DBEF", "#9ECAE1", "#6BAED6", "#3182BD", "#08519C")
OUTLINE_RGB = [30, 30, 30]
BORDER_RGB = [255, 255, 255]
NON_COMMUNE_RGB = [205, 205, 205]
LABEL_RGB = [17, 17, 17]


def hex_rgb(color: str) -> list[int]:
    return [int(color[i : i + 2], 16) for i in (1, 3, 5)]


# --------------------------------------------------------------------------- geometry


def polygons_of(geometry: Mapping | None, digits: int = 5) -> list[list[list[list[float]]]]:
    """A GeoJSON Polygon or MultiPolygon as a list of polygons (rings of [lon, lat]), rounded."""
    if not geometry:
        return []
    kind = geometry.get("type")
    coords = geometry.get("coordinates") or []
    parts = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    return [
        [[[round(float(x), digits), round(float(y), digits)] for x, y, *_ in ring] for ring in part] for part in parts
    ]


def bounds_of(polygons: Iterable[list[list[list[float]]]]) -> tuple[float, float, float, float] | None:
    """(min_lon, min_lat, max_lon, max_lat) over the outer rings, or None when empty."""
    xs: list[float] = []
    ys: list[float] = []
    for polygon in polygons:
        if polygon:
            xs.extend(p[0] for p in polygon[0])
            ys.extend(p[1] for p in polygon[0])
    if not xs:
        return None
    return min(xs), min(ys), max(xs), max(ys)


def _merc_y(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _merc_lat(y: float) -> float:
    return math.degrees(2 * math.atan(math.exp(y)) - math.pi / 2)


def fit_view(
    bounds: tuple[float, float, float, float],
    width: float = FIT_WIDTH,
    height: float = MAP_HEIGHT,
    padding: float = 0.03,
) -> dict[str, float]:
    """Centre and zoom that fit `bounds` in a `width` x `height` pixel Web Mercator view."""
    min_lon, min_lat, max_lon, max_lat = bounds
    y0, y1 = _merc_y(min_lat), _merc_y(max_lat)
    dx = max(max_lon - min_lon, 1e-6) / 360.0  # fraction of the world width
    dy = max(y1 - y0, 1e-6) / (2 * math.pi)
    usable = 1 - 2 * padding
    zoom = math.log2(min(width * usable / (TILE_SIZE * dx), height * usable / (TILE_SIZE * dy)))
    return {
        "longitude": round((min_lon + max_lon) / 2, 5),
        "latitude": round(_merc_lat((y0 + y1) / 2), 5),
        "zoom": round(zoom, 3),
    }


def project(lon: float, lat: float, view: Mapping[str, float], width: float, height: float) -> tuple[float, float]:
    """Where (lon, lat) lands, in pixels from the top-left of a `width` x `height` map."""
    scale = TILE_SIZE * 2 ** view["zoom"]
    x = width / 2 + (lon - view["longitude"]) / 360.0 * scale
    y = height / 2 - (_merc_y(lat) - _merc_y(view["latitude"])) / (2 * math.pi) * scale
    return x, y


def _mercator(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    """Pixel position at `zoom` (deck.gl's 512-pixel world at zoom 0)."""
    world = TILE_SIZE * 2**zoom
    return (lon + 180) / 360 * world, (1 - _merc_y(lat) / math.pi) / 2 * world


def view_frame(
    view: Mapping[str, float], width: float = FIT_WIDTH, height: float = MAP_HEIGHT, margin: float = LABEL_MARGIN
) -> tuple[float, float, float, float]:
    """The canvas a `width` x `height` map of `view` shows, as (left, top, right, bottom)
    in `_mercator` pixels at the view's zoom, `margin` pixels inside its edges."""
    cx, cy = _mercator(view["longitude"], view["latitude"], view["zoom"])
    return (cx - width / 2 + margin, cy - height / 2 + margin, cx + width / 2 - margin, cy + height / 2 - margin)


def label_box(text: str, size: float) -> tuple[float, float]:
    """(half width, height) in pixels of a label of `size` px, lines split on newlines
    (a bold sans character is about 0.6 of the size wide; background padding included)."""
    lines = text.split("\n")
    return max(len(line) for line in lines) * size * 0.3 + 6, len(lines) * size * 1.15 + 6


def label_offsets(
    labels: list[dict],
    zoom: float,
    size: float,
    band: float | None = None,
    frame: tuple[float, float, float, float] | None = None,
) -> list[tuple[list[int], str] | None]:
    """Where each label ({lon, lat, text, short?, area}) goes so that no two overlap
    (greedy): ([dx, dy] pixel offset, the text drawn), or None when none fits.

    The zoom is fixed, so label distances in pixels are the same on every screen.
    Smaller areas choose first (they have the least room to move a label within). A
    label stays on its own spot: it moves at most a line up or down and half its width
    sideways (its box still touches the spot), so it never names a neighbour; when its
    text fits nowhere, its `short` text (the status symbol) is tried the same way.
    Labels stay within their own band (or `band` pixels centred on it: the map's height),
    and inside `frame` (left, top, right, bottom in the same pixels as `_mercator`: the
    canvas), so that a commune near the edge is never named by half a word.
    """
    # A name drawn above its dot (`lift` pixels up) is placed where it will be drawn.
    points = [
        (x, y - label.get("lift", 0.0))
        for label in labels
        for x, y in [_mercator(label["lon"], label["lat"], zoom)]
    ]
    pad = max((label_box(label["text"], size)[1] for label in labels), default=0.0) / 2
    top = min((y for _, y in points), default=0.0) - pad
    bottom = max((y for _, y in points), default=0.0) + pad
    if band is not None and points:
        middle = (top + bottom) / 2
        top, bottom = min(top, middle - band / 2), max(bottom, middle + band / 2)
    boxes: list[tuple[float, float, float, float]] = []
    placed: list[tuple[list[int], str] | None] = [None for _ in labels]
    order = sorted(range(len(labels)), key=lambda i: (labels[i].get("area", 0.0), -labels[i]["lat"]))
    for i in order:
        x, y = points[i]
        for text in (labels[i]["text"], labels[i].get("short")):
            if not text or placed[i] is not None:
                continue
            half, height = label_box(text, size)
            steps = [(0.0, 0.0)] + [
                (dx * half, dy * height) for dy in (0, 0.5, -0.5, 1, -1) for dx in (0, -0.5, 0.5, -1, 1) if dx or dy
            ]
            for dx, dy in steps:
                box = (x + dx - half, y + dy - height / 2, x + dx + half, y + dy + height / 2)
                inside = box[1] >= top and box[3] <= bottom
                if frame is not None:
                    inside = frame[0] <= box[0] and box[2] <= frame[2] and frame[1] <= box[1] and box[3] <= frame[3]
                if inside and all(box[2] <= b[0] or box[0] >= b[2] or box[3] <= b[1] or box[1] >= b[3] for b in boxes):
                    boxes.append(box)
                    placed[i] = ([int(dx), int(dy)], text)
                    break
    return placed


# --------------------------------------------------------------------------- value classes


@dataclass(frozen=True)
class ValueClass:
    low: float
    high: float
    color: str


def value_classes(values: Iterable[float | None], whole: bool = False, n: int = len(VALUE_RAMP)) -> list[ValueClass]:
    """Up to `n` equal-interval classes from the smallest to the largest value.

    Whole-number values (counts) get whole-number classes, one per value when there are
    few ("0", "1", "2"). Colours spread over the whole ramp whatever the class count.
    """
    vals = sorted({float(v) for v in values if v is not None and not math.isnan(float(v))})
    if not vals:
        return []
    low, high = vals[0], vals[-1]
    bounds: list[tuple[float, float]]
    if high - low <= EPS:
        bounds = [(low, high)]
    elif whole:
        lo, hi = math.floor(low), math.ceil(high)
        step = max(1, math.ceil((hi - lo + 1) / n))
        bounds = [(float(a), float(min(a + step - 1, hi))) for a in range(lo, hi + 1, step)]
    else:
        step = (high - low) / n
        bounds = [(low + i * step, high if i == n - 1 else low + (i + 1) * step) for i in range(n)]
    k = len(bounds)
    picks = [VALUE_RAMP[round(i * (len(VALUE_RAMP) - 1) / (k - 1))] if k > 1 else VALUE_RAMP[2] for i in range(k)]
    return [ValueClass(a, b, c) for (a, b), c in zip(bounds, picks, strict=True)]


def class_of(value: float | None, classes: Sequence[ValueClass]) -> ValueClass | None:
    if value is None or not classes:
        return None
    for cls in classes:
        if value <= cls.high + EPS:
            return cls
    return classes[-1]


def class_label(cls: ValueClass, unit: str, whole: bool, lang: str, first: bool = True) -> str:
    """'3', '3–5', '12,5 – 25,0 %', then '> 25,0 – 37,5 %'.

    A class after the first holds values above the previous class's top (see
    `class_of`), so its range starts with '>': two rows never share an end value.
    Whole-number classes do not touch ('0 – 2', '3 – 5').
    """
    decimals = 0 if whole else 1
    suffix = t(f"unit_{unit}", lang) if unit in ("percent", "per_1000", "per_100000") else ""
    low = fmt_number(cls.low, decimals, lang)
    if abs(cls.high - cls.low) <= EPS:
        return f"{low}{suffix}"
    above = "" if first or whole else "> "
    return f"{above}{low} – {fmt_number(cls.high, decimals, lang)}{suffix}"


# --------------------------------------------------------------------------- what is drawn


class CompactDeck(pdk.Deck):
    """pydeck's JSON is indented and escapes non-ASCII; compact UTF-8 is about 3x smaller."""

    def to_json(self) -> str:
        # One pass with pydeck's own serializer (sorted keys, as pydeck writes them):
        # the same text as re-encoding pydeck's indented JSON, in half the time.
        return json.dumps(self, sort_keys=True, default=default_serialize, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class CommunePaint:
    """One commune as the map and the table show it for the chosen indicator."""

    code: str
    name: str
    full_name: str
    status: str
    value: float | None
    value_text: str
    target_text: str
    fill: str  # hex colour
    type: str = ""  # the unit's type from the tree (xã, phường, thị trấn …)


@st.cache_data(show_spinner=False, max_entries=32)
def _extra_areas(district_names: tuple[str, ...]) -> list[ExtraArea]:
    return non_commune_areas(district_names)


def district_names(url: str, area: OrgUnitRef) -> tuple[str, ...]:
    """The area itself and every district under it (to find their non-commune areas)."""
    units = data.org_units(url)
    by_code = {u.code: u for u in units}
    names = {area.name} if area.level == "district" else set()
    for u in units:
        if u.level != "district":
            continue
        parent = u.parent_code
        while parent and parent != area.code:
            parent = by_code[parent].parent_code if parent in by_code else None
        if parent == area.code:
            names.add(u.name)
    return tuple(sorted(names))


def paint_communes(
    ind: Indicator, progress: Progress, mode: str, lang: str, classes: Sequence[ValueClass]
) -> list[CommunePaint]:
    """Status, value, target and fill colour of every commune for one indicator."""
    out = []
    for c in progress.communes:
        row = progress.row(ind.id, c.code)
        if mode == "value":
            cls = class_of(row.value, classes)
            fill = cls.color if cls else STATUS_COLOR["no_data"]
        else:
            fill = STATUS_COLOR[row.status]
        out.append(
            CommunePaint(
                code=c.code,
                name=c.name,
                full_name=c.full_name,
                status=row.status,
                value=row.value,
                value_text=commune_value(ind, row, progress.plan, progress.figures, lang),
                target_text=fmt_target(
                    ind,
                    ind.targets.get(progress.year),
                    lang,
                    expected=row.expected,
                    prorated=row.prorated,
                    year=progress.year,
                ),
                fill=fill,
                type=c.type,
            )
        )
    return out


def _ring_area(polygons: Sequence[list]) -> float:
    """Rough size of a commune in square degrees (outer rings, shoelace): small ones
    place their label first."""
    total = 0.0
    for polygon in polygons:
        ring = polygon[0] if polygon and isinstance(polygon[0][0], (list, tuple)) else polygon
        total += abs(sum(x1 * y2 - x2 * y1 for (x1, y1, *_), (x2, y2, *_) in pairwise(ring))) / 2
    return total


def _label(p: CommunePaint, mode: str) -> str:
    if mode == "value":
        return f"{p.name}\n{p.value_text}" if p.value is not None else f"{p.name}\n{STATUS_SYMBOL['no_data']}"
    return f"{STATUS_SYMBOL[p.status]} {p.name}"


def _safe(text: str) -> str:
    """Catalogue or plan text placed in the tooltip template: escaped, and braces kept literal."""
    return html.escape(text).replace("{", "&#123;").replace("}", "&#125;")


def build_deck(
    shapes: Mapping[str, tuple[list, tuple[float, float] | None]],
    painted: Sequence[CommunePaint],
    extra: Sequence[ExtraArea],
    mode: str,
    indicator_name: str,
    lang: str,
) -> tuple[pdk.Deck, dict[str, float] | None]:
    """The Deck (layers outline, non-commune areas, communes, labels) and its initial view.

    `shapes` maps a commune code to (polygons, centroid as (lat, lon) or None).
    """
    if len(painted) > MAX_POLYGONS:
        return _dot_deck(shapes, painted, indicator_name, lang)
    rows, labels, points = [], [], []
    for p in painted:
        polygons, centroid = shapes.get(p.code, ([], None))
        if not polygons and centroid is not None:
            # No boundary loaded: a dot at the unit's coordinates (official list), same
            # colour, tooltip and click as a polygon; its name beside it.
            position = [round(centroid[1], 5), round(centroid[0], 5)]
            points.append({"code": p.code, "position": position, "fill": hex_rgb(p.fill), **_tip_fields(p, lang)})
            short = STATUS_SYMBOL[p.status] if mode == "status" else p.value_text
            labels.append({"position": position, "label": _label(p, mode), "short": short, "area": 0.0, "dot": True})
        for polygon in polygons:
            rows.append(
                {
                    "code": p.code,
                    "polygon": polygon,
                    "fill": hex_rgb(p.fill),
                    **_tip_fields(p, lang),
                }
            )
        if polygons:
            if centroid is None:
                b = bounds_of(polygons)
                centroid = ((b[1] + b[3]) / 2, (b[0] + b[2]) / 2) if b else None
            if centroid is not None:
                labels.append(
                    {
                        "position": [round(centroid[1], 5), round(centroid[0], 5)],
                        "label": _label(p, mode),
                        "short": STATUS_SYMBOL[p.status] if mode == "status" else p.value_text,
                        "area": _ring_area(polygons),
                    }
                )
    extra_polys = [{"polygon": poly, "name": a.name} for a in extra for poly in polygons_of(a.geometry)]
    extra_labels = []
    for a in extra:
        b = bounds_of(polygons_of(a.geometry))
        if b:
            extra_labels.append(
                {"position": [round((b[0] + b[2]) / 2, 5), round((b[1] + b[3]) / 2, 5)], "label": a.name}
            )
    every = [r["polygon"] for r in rows] + [r["polygon"] for r in extra_polys]
    box = _with_points(bounds_of(every), [q["position"] for q in points])
    view = fit_view(box) if box else None
    if view is not None:  # names moved apart so that none covers another
        # The labels of areas outside every commune choose first (area -1), then the communes'.
        spots = [{"lon": r["position"][0], "lat": r["position"][1], "text": r["label"], "area": -1.0} for r in extra_labels]
        spots += [
            {
                "lon": r["position"][0],
                "lat": r["position"][1],
                "text": r["label"],
                "short": r["short"],
                "area": r["area"],
                "lift": DOT_RADIUS + LABEL_SIZE if r.get("dot") else 0.0,
            }
            for r in labels
        ]
        found = label_offsets(spots, view["zoom"], LABEL_SIZE, frame=view_frame(view))
        extra_labels = [
            {**r, "offset": f[0] if f else [0, 0]} for r, f in zip(extra_labels, found, strict=False) if f is not None
        ]
        # A name with no room is drawn as its status symbol alone, or left out if even that
        # does not fit (the commune keeps its tooltip and its row in the table below).
        labels = [
            {**r, "offset": f[0], "label": f[1]}
            for r, f in zip(labels, found[len(spots) - len(labels) :], strict=True)
            if f is not None
        ]
    # One text layer for every name (one font atlas to build, one layer to draw); each row
    # carries its own colour, size and background: grey for the areas outside the communes.
    for label in extra_labels:
        label.update(kind="area", color=[90, 90, 90], size=LABEL_SIZE - 2, bg=[235, 235, 235, 200])
    for label in labels:
        label.update(color=LABEL_RGB, size=LABEL_SIZE, bg=[255, 255, 255, 210])
    for label in [*labels, *extra_labels]:
        label.pop("area", None)
        label.pop("short", None)
        label.setdefault("offset", [0, 0])
        if label.pop("dot", False):  # the name sits above its dot, not on it
            label["offset"] = [label["offset"][0], label["offset"][1] - DOT_RADIUS - LABEL_SIZE]
    text_style = {
        "font_family": pdk.types.String(FONT_FAMILY),
        "character_set": pdk.types.String("auto"),
        "get_position": "position",
        "get_text": "label",
        "background": True,
        "background_padding": [4, 2, 4, 2],
        "line_height": 1.15,
    }
    layers = [
        # Drawn first and thick: only its outer half survives the opaque fills on top.
        pdk.Layer(
            "PolygonLayer",
            [{"polygon": poly} for poly in every],
            id="outline",
            get_polygon="polygon",
            filled=False,
            stroked=True,
            get_line_color=OUTLINE_RGB,
            get_line_width=0,
            line_width_min_pixels=6,
        ),
        pdk.Layer(
            "PolygonLayer",
            extra_polys,
            id="non_commune",
            get_polygon="polygon",
            get_fill_color=NON_COMMUNE_RGB,
            get_line_color=BORDER_RGB,
            line_width_min_pixels=1,
        ),
        pdk.Layer(
            "PolygonLayer",
            rows,
            id="communes",
            get_polygon="polygon",
            get_fill_color="fill",
            get_line_color=BORDER_RGB,
            get_line_width=0,
            line_width_min_pixels=1.5,
            pickable=True,
            auto_highlight=True,
            highlight_color=[0, 0, 0, 60],
        ),
        pdk.Layer(
            "ScatterplotLayer",
            points,
            id=POINTS_LAYER,
            get_position="position",
            get_fill_color="fill",
            get_line_color=OUTLINE_RGB,
            stroked=True,
            line_width_min_pixels=1.5,
            # The same size at every zoom: 1 m clamped to DOT_RADIUS pixels either way
            # (pydeck would read a plain "pixels" for radius_units as a data field).
            get_radius=1,
            radius_min_pixels=DOT_RADIUS,
            radius_max_pixels=DOT_RADIUS,
            pickable=True,
            auto_highlight=True,
            highlight_color=[0, 0, 0, 60],
        ),
        pdk.Layer(
            "TextLayer",
            [*extra_labels, *labels],  # the communes' names drawn last, on top
            id="labels",
            get_pixel_offset="offset",
            get_color="color",
            get_size="size",
            get_background_color="bg",
            **text_style,
        ),
    ]
    tooltip = _tooltip(indicator_name, lang)
    deck = CompactDeck(
        layers=layers,
        initial_view_state=pdk.ViewState(**view, min_zoom=6, max_zoom=14) if view else None,
        # No scroll zoom: scrolling the page over the map must scroll the page.
        views=[pdk.View(type="MapView", controller={"scrollZoom": False, "doubleClickZoom": True, "dragPan": True})],
        map_provider=None,  # default map style = a sentinel meaning "no basemap"
        tooltip=tooltip,
    )
    return deck, view


def _with_points(
    box: tuple[float, float, float, float] | None, positions: Sequence[Sequence[float]]
) -> tuple[float, float, float, float] | None:
    """The box over polygons grown to hold the dots ([lon, lat]); a lone dot gets a
    commune-sized box (~5 km) so the view does not zoom in to the street."""
    if not positions:
        return box
    xs = [q[0] for q in positions] + ([box[0], box[2]] if box else [])
    ys = [q[1] for q in positions] + ([box[1], box[3]] if box else [])
    pad = 0.03 if len(positions) == 1 and box is None else 0.01
    return (min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad)


def how_drawn(painted: Sequence[CommunePaint], shapes: Mapping[str, tuple[list, tuple[float, float] | None]]) -> dict:
    """How many communes are drawn as polygons, as dots (coordinates only) and not at all."""
    out = {"polygons": [], "points": [], "missing": []}
    for p in painted:
        polygons, centroid = shapes.get(p.code, ([], None))
        out["polygons" if polygons else "points" if centroid is not None else "missing"].append(p.code)
    return out


def drawn_caption(
    painted: Sequence[CommunePaint],
    shapes: Mapping[str, tuple[list, tuple[float, float] | None]],
    communes: Sequence[OrgUnitRef],
    lang: str,
) -> str | None:
    """What the map shows, when it is not every boundary: 'Vị trí trung tâm xã — chưa có
    ranh giới', or for a mix how many of each; the unit words come from the tree."""
    drawn = how_drawn(painted, shapes)
    if not drawn["points"]:
        return None
    by_code = {c.code: c for c in communes}
    dots = [by_code[c] for c in drawn["points"] if c in by_code]
    if not drawn["polygons"]:
        return t("map_points_only", lang, units=reform.unit_words(dots, lang))
    with_shape = [by_code[c] for c in drawn["polygons"] if c in by_code]
    return t(
        "map_points_mix",
        lang,
        shapes=reform.count_words([c.type for c in with_shape], lang),
        points=reform.count_words([c.type for c in dots], lang),
    )


def _tip_fields(p: CommunePaint, lang: str) -> dict[str, str]:
    """The tooltip's fields. deck.gl fills `{field}` into the HTML one field after the
    other, so data (the name, the plan's target text) is HTML-escaped with its braces as
    entities: a name containing `{value_text}` or `<img …>` shows as written."""
    return {
        "full_name": _safe(p.full_name),
        "value_text": p.value_text,  # our own number formatting ("82,4 %", "<5")
        "target_text": _safe(p.target_text),
        "status_text": status_label(p.status, lang),
    }


def _tooltip(indicator_name: str, lang: str) -> dict:
    """The tooltip of a commune: name, indicator, value, target and status in words."""
    tip = (
        "<b>{full_name}</b><br/>"
        f"{_safe(indicator_name)}<br/>"
        f"{_safe(t('map_tip_value', lang))}: <b>{{value_text}}</b><br/>"
        f"{_safe(t('map_tip_target', lang))}: {{target_text}}<br/>"
        f"{_safe(t('map_tip_status', lang))}: <b>{{status_text}}</b>"
    )
    tooltip = {
        "html": tip,
        "style": {
            "backgroundColor": "#FFFFFF",
            "color": "#111111",
            "fontSize": "15px",
            "border": "1px solid #888888",
            "borderRadius": "4px",
            "padding": "8px 10px",
            "maxWidth": "320px",
        },
    }
    return tooltip


def _dot_deck(
    shapes: Mapping[str, tuple[list, tuple[float, float] | None]],
    painted: Sequence[CommunePaint],
    indicator_name: str,
    lang: str,
) -> tuple[pdk.Deck, dict[str, float] | None]:
    """Many communes: one dot per commune at its centroid, same colours, tooltip and
    click (layer id "communes", objects with "code") as the polygon map; no labels
    (unreadable at this scale; the table under the map has every name and status)."""
    points = []
    for p in painted:
        polygons, centroid = shapes.get(p.code, ([], None))
        if centroid is None and polygons:
            b = bounds_of(polygons)
            centroid = ((b[1] + b[3]) / 2, (b[0] + b[2]) / 2) if b else None
        if centroid is None:
            continue
        points.append(
            {
                "code": p.code,
                "position": [round(centroid[1], 4), round(centroid[0], 4)],
                "fill": hex_rgb(p.fill),
                **_tip_fields(p, lang),
            }
        )
    xs = [q["position"][0] for q in points]
    ys = [q["position"][1] for q in points]
    view = fit_view((min(xs), min(ys), max(xs), max(ys))) if points else None
    layer = pdk.Layer(
        "ScatterplotLayer",
        points,
        id="communes",
        get_position="position",
        get_fill_color="fill",
        get_line_color=OUTLINE_RGB,
        stroked=True,
        line_width_min_pixels=0.5,
        get_radius=1200,  # metres; clamped to a few pixels at every zoom
        radius_min_pixels=2.5,
        radius_max_pixels=9,
        pickable=True,
        auto_highlight=True,
        highlight_color=[0, 0, 0, 60],
    )
    deck = CompactDeck(
        layers=[layer],
        initial_view_state=pdk.ViewState(**view, min_zoom=min(view["zoom"], 6), max_zoom=14) if view else None,
        views=[pdk.View(type="MapView", controller={"scrollZoom": False, "doubleClickZoom": True, "dragPan": True})],
        map_provider=None,
        tooltip=_tooltip(indicator_name, lang),
    )
    return deck, view


# --------------------------------------------------------------------------- Streamlit blocks


def _swatch(color: str, border: str = "#666666", height: int = 18) -> str:
    return (
        f'<span style="display:inline-block;width:26px;height:{height}px;background:{color};'
        f'border:1px solid {border};vertical-align:middle;margin-right:8px"></span>'
    )


def legend(
    painted: Sequence[CommunePaint],
    mode: str,
    ind: Indicator,
    classes: Sequence[ValueClass],
    whole: bool,
    extra: Sequence[ExtraArea],
    lang: str,
    area: OrgUnitRef | None = None,
    dots: bool = False,
    outline: bool = True,
) -> None:
    """The legend beside the map: swatch + symbol + word (+ how many communes).

    Built as HTML only from catalogue words, numbers and colour codes, all escaped; no
    data text (commune or plan names) goes into it.
    """

    def item(swatch: str, text: str) -> str:
        return f"<div style='margin:6px 0;line-height:1.3'>{swatch}{html.escape(text)}</div>"

    def count(what: str, members: Sequence[CommunePaint]) -> str:
        # The members' own types from the tree: "1 xã", "12 xã, thị trấn", "4 xã, phường".
        n, units = len(members), reform.unit_words(members, lang)
        return t("map_legend_count_one" if n == 1 else "map_legend_count", lang, what=what, n=n, units=units)

    lines = [f"<div style='font-size:1rem'><div><b>{html.escape(t('map_legend_title', lang))}</b></div>"]
    if mode == "value":
        lines.append(item("", t("map_legend_unit", lang, unit=t(f"unit_name_{ind.unit}", lang))))
        for i, cls in enumerate(classes):
            members = [p for p in painted if p.value is not None and class_of(p.value, classes) == cls]
            label = class_label(cls, ind.unit, whole, lang, first=i == 0)
            lines.append(item(_swatch(cls.color), count(label, members)))
        missing = [p for p in painted if p.value is None]
        if missing:
            lines.append(item(_swatch(STATUS_COLOR["no_data"]), count(status_label("no_data", lang), missing)))
    else:
        for status in STATUS_ORDER:
            members = [p for p in painted if p.status == status]
            if members:
                lines.append(item(_swatch(STATUS_COLOR[status]), count(status_label(status, lang), members)))
    edge = _swatch("#FFFFFF", border="#1E1E1E", height=8).replace("border:1px", "border:3px")
    # The outline is the area's own (its name from the tree: huyện, tỉnh, xã …).
    if outline:  # only where a polygon is drawn (a map of dots has no outline)
        lines.append(item(edge, t("map_legend_outline", lang, area=area.full_name if area else "")))
    if dots:
        dot = (
            '<span style="display:inline-block;width:16px;height:16px;border-radius:50%;background:#FFFFFF;'
            'border:2px solid #1E1E1E;vertical-align:middle;margin:0 14px 0 5px"></span>'
        )
        lines.append(item(dot, t("map_legend_dot", lang)))
    if extra:
        lines.append(item(_swatch("#CDCDCD"), t("map_legend_non_commune", lang)))
    if mode == "value":
        key = "map_legend_darker_lower" if better_direction(ind) == "lower" else "map_legend_darker_higher"
        lines.append(f"<div style='font-size:0.9rem;line-height:1.35;margin-top:8px'>{html.escape(t(key, lang))}</div>")
    lines.append("</div>")
    st.markdown("".join(lines), unsafe_allow_html=True)


def commune_table(painted: Sequence[CommunePaint], lang: str) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The map as a table, communes off track first: (frame, commune codes, statuses) by row."""
    ordered = sorted(painted, key=lambda p: (status_rank(p.status), p.name))
    units = reform.unit_words(painted, lang, capital=True)  # the tree's words: "Xã, phường"
    cols = {k: t(f"map_col_{k}", lang, units=units) for k in ("commune", "status", "value", "target")}
    return (
        pd.DataFrame(
            {
                cols["commune"]: [p.full_name for p in ordered],
                cols["status"]: [status_label(p.status, lang) for p in ordered],
                cols["value"]: [p.value_text for p in ordered],
                cols["target"]: [p.target_text for p in ordered],
            }
        ),
        [p.code for p in ordered],
        [p.status for p in ordered],
    )


def show_table(frame: pd.DataFrame, statuses: Sequence[str], key: str) -> list[int]:
    """The commune table with status tints; returns the chosen row positions."""
    status_col = frame.columns[1]

    def tint(df: pd.DataFrame) -> pd.DataFrame:
        out = pd.DataFrame("", index=df.index, columns=df.columns)
        out[status_col] = [f"background-color: {STATUS_TINT[s]}; color: #111111" for s in statuses]
        return out

    # Above a province's size the tint is left out (the status column still reads symbol
    # and word): a Styler sends CSS for every cell, ~1 MB more and ~1 s of server time
    # for 10,600 communes.
    shown = frame.style.apply(tint, axis=None) if len(frame) <= MAX_POLYGONS else frame
    event = st.dataframe(
        shown,
        key=key,
        on_select="rerun",
        selection_mode="single-row",
        hide_index=True,
        row_height=36,
        # Every row at once up to a district's size; a scrolling table beyond: a
        # 10,600-row table drawn at full height kept Chromium busy for ~40 s.
        height=36 * (min(len(frame), MAX_TABLE_ROWS) + 1) + 3,
        width="stretch",
    )
    return list(event["selection"]["rows"])


def commune_shapes(
    url: str, area_code: str, year: int | None = None, period: str | None = None
) -> dict[str, tuple[list, tuple[float, float] | None]]:
    """Commune code -> (polygons rounded to 5 decimals, centroid (lat, lon) or None).

    With `on` (the viewed period's last day): the communes valid that day, those with
    no boundary loaded by their coordinates alone (no polygons), for the dots.
    """
    data.require_read(url, area_code)
    if year is not None and period is not None:
        on = data.view_day(url, year, period)  # the units of the view (the new province's, before it began)
        return _commune_places(url, area_code, on, data.data_version(url))
    return _commune_shapes(url, area_code, data.data_version(url))


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=16)
def _commune_places(url: str, area_code: str, on: date, version: int) -> dict[str, tuple[list, tuple[float, float] | None]]:
    return {b.code: (polygons_of(b.geometry), b.centroid) for b in data.places_on(url, area_code, on)}


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=16)
def _commune_shapes(url: str, area_code: str, version: int) -> dict[str, tuple[list, tuple[float, float] | None]]:
    # Shared by every session, read-only: rounding 10,600 boundaries per run cost ~0.3 s.
    return {b.code: (polygons_of(b.geometry), b.centroid) for b in data.boundaries(url, area_code)}


def extra_areas(url: str, area: OrgUnitRef) -> list[ExtraArea]:
    return _extra_areas(district_names(url, area))
