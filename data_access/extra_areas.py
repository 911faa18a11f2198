"""Areas inside a district that belong to no commune (e.g. a military training ground).

They are not org units, so they are not in the database; the map draws them in grey
so the district outline has no hole. They come from `*non_commune*.geojson` files
beside the sample boundaries, each feature naming its district in `properties.district`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from data_access.db import REPO_ROOT

BOUNDARY_DIR = REPO_ROOT / "sample_data" / "boundaries"


@dataclass(frozen=True)
class ExtraArea:
    name: str
    district: str
    geometry: dict


def non_commune_areas(district_names: Iterable[str], directory: Path = BOUNDARY_DIR) -> list[ExtraArea]:
    """The non-commune areas of the named districts; [] when there are none or a file is unreadable."""
    wanted = {n.strip().casefold() for n in district_names if n}
    out: list[ExtraArea] = []
    for path in sorted(directory.glob("*non_commune*.geojson")):
        try:
            features = json.loads(path.read_text(encoding="utf-8")).get("features") or []
        except (OSError, ValueError, AttributeError):
            continue  # a broken optional file must not break the map
        for feature in features:
            props = feature.get("properties") or {}
            district = str(props.get("district") or "")
            geometry = feature.get("geometry")
            if district.strip().casefold() in wanted and isinstance(geometry, dict):
                out.append(ExtraArea(str(props.get("name") or ""), district, geometry))
    return out
