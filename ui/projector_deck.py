"""The projector's map decks (pydeck) and the geometry they need: the view that fits a
set of boundaries, rough polygon areas for label placement, a centroid where none is
stored, and the area's parts' outlines simplified for a slide (cached per data version).

The only projector module that imports pydeck, so that what shares the projector's
selections (the overview) never loads it.
"""

from __future__ import annotations

import math
from dataclasses import replace
from itertools import pairwise

import pandas as pd
import pydeck as pdk
import streamlit as st

from data_access.progress import Progress
from rules import ProgressRow
from ui import data
from ui.frame import PageContext
from ui.map import CompactDeck, label_offsets, polygons_of
from ui.status import STATUS_RGB, STATUS_SYMBOL

# Two renderings of the map (the zoom is fixed when the page is drawn): one sized for
# screens up to 1280x720-ish, one for 1920x1080; CSS shows the one that fits the screen.
# Each: (name, pixels the district must fit in, label size in pixels).
MAP_SIZES = (("s", (820, 400), 18), ("l", (1250, 600), 24))
# Names on the map only while they can be read (a district: 17 communes); the status
# symbol alone up to MAX_SYMBOLS shapes (a province's communes, a country's provinces);
# colour alone beyond, with the legend. A province's hundreds of names overlapped.
MAX_LABELS = 40
MAX_SYMBOLS = 300
# Above `ui.map.MAX_POLYGONS` communes (the country) the map shows the area's provinces
# (or districts), each in the colour of its own pooled status: two decks of 10,600
# labelled commune polygons sent ~23 MB and took 20-30 s to show. Without such parts,
# a dot per commune at its centroid.
DOT_RADIUS_PX = 2.0  # on the small rendering; 10,600 dots about tile the country


def _view(geometries: list[dict], fit: tuple[int, int]) -> pdk.ViewState:
    """Centre and zoom that fit every boundary in `fit` (width, height) pixels."""
    lons, lats = [], []

    def walk(coords: object) -> None:
        if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
            lons.append(float(coords[0]))
            lats.append(float(coords[1]))
        elif isinstance(coords, (list, tuple)):
            for c in coords:
                walk(c)

    for g in geometries:
        walk(g.get("coordinates"))
    if not lons:
        return pdk.ViewState(latitude=21.0, longitude=106.0, zoom=6)
    dx = max(max(lons) - min(lons), 0.01)
    dy = max(max(lats) - min(lats), 0.01) / math.cos(math.radians((max(lats) + min(lats)) / 2))
    zoom = min(math.log2(fit[0] * 360 / (512 * dx)), math.log2(fit[1] * 360 / (512 * dy)))  # 512-px world at zoom 0
    return pdk.ViewState(latitude=(max(lats) + min(lats)) / 2, longitude=(max(lons) + min(lons)) / 2, zoom=zoom)


def _area(geometry: dict) -> float:
    """Rough size of a (multi)polygon in square degrees (outer rings, shoelace)."""
    polygons = geometry.get("coordinates") or []
    if geometry.get("type") == "Polygon":
        polygons = [polygons]
    total = 0.0
    for poly in polygons:
        ring = poly[0] if poly else []
        total += abs(sum(x1 * y2 - x2 * y1 for (x1, y1, *_), (x2, y2, *_) in pairwise(ring))) / 2
    return total


def commune_map(rows: dict[str, ProgressRow], bounds: list, fit: tuple[int, int], label_size: int) -> pdk.Deck:
    """Areas (communes, or the provinces of a country) filled with their status colour
    and labelled with symbol and name; with many, the symbol alone, in black on the fill."""
    features, labels = [], []
    named, marked = len(bounds) <= MAX_LABELS, len(bounds) <= MAX_SYMBOLS
    for b in bounds:
        s = rows[b.code].status if b.code in rows else "no_data"
        features.append({"type": "Feature", "geometry": b.geometry, "properties": {"fill": [*STATUS_RGB[s], 210]}})
        if b.centroid and marked:
            text = f"{STATUS_SYMBOL[s]} {b.name}" if named else STATUS_SYMBOL[s]
            labels.append({"lat": b.centroid[0], "lon": b.centroid[1], "text": text, "area": _area(b.geometry)})
    view = _view([b.geometry for b in bounds], fit)
    # A symbol sits inside its own shape: only names need moving apart.
    found = label_offsets(labels, view.zoom, label_size) if named else [None for _ in labels]
    offsets = [f[0] if f is not None else [0, 0] for f in found]  # every commune keeps its name
    for label, offset in zip(labels, offsets, strict=True):
        label["offset"] = offset
        del label["area"]
    layers = [
        pdk.Layer(
            "GeoJsonLayer",
            {"type": "FeatureCollection", "features": features},
            id="proj_communes",
            filled=True,
            stroked=True,
            get_fill_color="properties.fill",
            get_line_color=[255, 255, 255],
            line_width_min_pixels=2 if marked else 1,
        ),
    ]
    if labels:
        box = (
            {"background": True, "get_background_color": [255, 255, 255, 225], "background_padding": [4, 2]}
            if named
            else {}  # a white box would hide the small shape's colour
        )
        layers.append(
            pdk.Layer(
                "TextLayer",
                pd.DataFrame(labels),
                id="proj_labels",
                get_position=["lon", "lat"],
                get_text="text",
                get_pixel_offset="offset",
                get_size=label_size if named else round(label_size * 0.8),
                get_color=[20, 20, 20],
                # pydeck turns bare strings into accessors; quoted ones stay literal.
                font_family="'sans-serif'",
                font_weight=700,
                # Every character the labels use (Vietnamese letters, status symbols).
                character_set='"' + "".join(sorted({ch for item in labels for ch in item["text"]} - {'"'})) + '"',
                **box,
            )
        )
    # No basemap and no tile requests: map_provider=None with pydeck's default map_style
    # sentinel (map_style=None makes Streamlit fetch a Carto style from the internet).
    return CompactDeck(layers=layers, initial_view_state=view, map_provider=None, tooltip=False)


def _centroid(b: data.Boundary) -> tuple[float, float] | None:
    """(lat, lon) of a boundary: its stored centroid, else the middle of its extent."""
    if b.centroid:
        return b.centroid
    lons: list[float] = []
    lats: list[float] = []
    for polygon in polygons_of(b.geometry):
        for lon, lat in polygon[0] if polygon else []:
            lons.append(lon)
            lats.append(lat)
    return ((min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2) if lons else None


def commune_dots(rows: dict[str, ProgressRow], bounds: list, fit: tuple[int, int]) -> pdk.Deck:
    """Many communes and no provinces or districts to show instead: a dot per commune in
    its status colour, in code order (no status drawn over another, so the mix of colours
    shows the real shares); no labels."""
    points = []
    for b in bounds:
        where = _centroid(b)
        if where is not None:
            s = rows[b.code].status if b.code in rows else "no_data"
            points.append({"p": [round(where[1], 3), round(where[0], 3)], "f": [*STATUS_RGB[s], 230]})
    view = _view([{"coordinates": item["p"]} for item in points], fit)
    radius = DOT_RADIUS_PX * fit[1] / MAP_SIZES[0][1][1]  # the same share of the map on every screen
    layer = pdk.Layer(
        "ScatterplotLayer",
        points,
        id="proj_commune_dots",
        get_position="p",
        get_fill_color="f",
        stroked=False,
        get_radius=1,
        radius_min_pixels=radius,
        radius_max_pixels=radius,
    )
    return CompactDeck(layers=[layer], initial_view_state=view, map_provider=None, tooltip=False)


def part_bounds(ctx: PageContext, progress: Progress) -> tuple[str, list[data.Boundary]]:
    """The level ('province', 'district') and boundaries of the area's parts, when they
    are all of one level and have boundaries; else ('', [])."""
    levels = {p.level for p in progress.parts}
    if len(levels) != 1:
        return "", []
    level = levels.pop()
    data.require_read(ctx.db_url, ctx.area.code)  # before the shared cache, for every viewer
    bounds = _part_bounds(ctx.db_url, ctx.area.code, level, data.data_version(ctx.db_url))
    codes = {p.code for p in progress.parts}
    return level, [b for b in bounds if b.code in codes]


@st.cache_resource(ttl="1h", show_spinner=False, max_entries=8)
def _part_bounds(url: str, area_code: str, level: str, version: int) -> list[data.Boundary]:
    # Rounded to 4 decimals (~10 m): a province's outline needs no more on a slide.
    return [
        replace(
            b,
            geometry={"type": "MultiPolygon", "coordinates": polygons_of(b.geometry, digits=4)},
            centroid=_centroid(b),  # where its symbol goes
        )
        for b in data.part_boundaries(url, area_code, level)
    ]
