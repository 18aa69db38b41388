"""Areas: boundary files through geopandas (any format it reads, reprojected to WGS84),
drawn shapes, and fast point-in-area tests with shapely.

geopandas is imported lazily: it costs about a second and most commands never need it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

from desktop.core.errors import SitmapError
from desktop.core.uncertainty import AreaRule

NAME_FIELDS = ("name", "name_eng", "NAME", "SIG_KOR_NM", "sig_kor_nm", "adm_nm", "title", "label")


class GeoError(SitmapError):
    """A boundary file or area cannot be used; the message says which and why."""


@dataclass(frozen=True, eq=False)
class Area:
    """A named WGS84 area. ``exclude`` areas are subtracted from the included union."""

    name: str
    geometry: BaseGeometry
    exclude: bool = False
    properties: dict = field(default_factory=dict)

    def to_geojson(self) -> dict:
        return mapping(self.geometry)

    def key(self) -> tuple:
        return (self.name, self.exclude, self.geometry.wkb)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Area) and self.key() == other.key()

    def __hash__(self) -> int:
        return hash(self.key())


def area_from_geojson(name: str, geometry: dict | str, exclude: bool = False) -> Area:
    """An area from a GeoJSON geometry (or Feature); validates and repairs self-intersections."""
    try:
        obj = json.loads(geometry) if isinstance(geometry, str) else geometry
        if obj.get("type") == "Feature":
            obj = obj["geometry"]
        geom = shape(obj)
    except Exception as exc:  # shapely raises several types for bad input
        raise GeoError(f"area {name!r}: not a GeoJSON geometry ({exc})") from None
    return Area(name, clean_geometry(name, geom), exclude)


def clean_geometry(name: str, geom: BaseGeometry) -> BaseGeometry:
    if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise GeoError(f"area {name!r}: needs a polygon, got {geom.geom_type}")
    minx, miny, maxx, maxy = geom.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise GeoError(f"area {name!r}: coordinates are not longitude/latitude degrees (projected data?)")
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
        if geom.geom_type == "GeometryCollection":
            geom = shapely.union_all([g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")])
    return geom


def circle(name: str, lat: float, lon: float, radius_m: float, exclude: bool = False, segments: int = 72) -> Area:
    """A circle as a polygon, spherical offsets (good to well under a metre at city scale)."""
    if not (radius_m > 0):
        raise GeoError(f"area {name!r}: the radius must be positive")
    r = radius_m / 6_371_008.8
    la, lo = math.radians(lat), math.radians(lon)
    pts = []
    for k in range(segments):
        b = 2 * math.pi * k / segments
        lat2 = math.asin(math.sin(la) * math.cos(r) + math.cos(la) * math.sin(r) * math.cos(b))
        lon2 = lo + math.atan2(math.sin(b) * math.sin(r) * math.cos(la), math.cos(r) - math.sin(la) * math.sin(lat2))
        pts.append((math.degrees(lon2), math.degrees(lat2)))
    return Area(name, Polygon(pts), exclude)


def read_boundaries(path: str | Path, layer: str | None = None):
    """Read any boundary file geopandas reads, reprojected to WGS84 (EPSG:4326)."""
    import geopandas as gpd  # lazy: heavy import

    p = Path(path)
    if not p.exists():
        raise GeoError(f"{p}: no such boundary file")
    try:
        gdf = gpd.read_file(p, layer=layer) if layer else gpd.read_file(p)
    except Exception as exc:
        raise GeoError(f"{p}: cannot read as a boundary file ({exc})") from None
    if gdf.crs is None:
        minx, miny, maxx, maxy = gdf.total_bounds
        if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
            raise GeoError(f"{p}: has no coordinate reference system and its coordinates are not degrees")
        gdf = gdf.set_crs(4326)
    elif gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    gdf = gdf[gdf.geometry.notna() & gdf.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    if gdf.empty:
        raise GeoError(f"{p}: holds no polygons")
    return gdf


def name_field(gdf) -> str | None:
    for f in NAME_FIELDS:
        if f in gdf.columns:
            return f
    return None


def parse_pick(pick: str) -> tuple[str, str]:
    if "=" not in pick:
        raise GeoError(f"pick {pick!r}: write it as PROPERTY=VALUE, e.g. code=11110")
    key, value = pick.split("=", 1)
    return key.strip(), value.strip()


def areas_from_file(path: str | Path, pick: str | None = None, *, layer: str | None = None,
                    exclude: bool = False, name_by: str | None = None) -> list[Area]:
    """One area per polygon feature, optionally only those where PROPERTY=VALUE."""
    gdf = read_boundaries(path, layer)
    if pick:
        key, value = parse_pick(pick)
        if key not in gdf.columns:
            cols = ", ".join(c for c in gdf.columns if c != "geometry")
            raise GeoError(f"{path}: no property {key!r} (properties: {cols})")
        gdf = gdf[gdf[key].astype(str) == value]
        if gdf.empty:
            raise GeoError(f"{path}: no feature with {key}={value}")
    nf = name_by or name_field(gdf)
    out = []
    for idx, row in gdf.iterrows():
        props = {k: _plain(v) for k, v in row.items() if k != "geometry"}
        name = str(props.get(nf)) if nf and props.get(nf) is not None else f"{Path(path).stem} #{idx}"
        out.append(Area(name, clean_geometry(name, row.geometry), exclude, props))
    return out


def _plain(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    return v


def union(areas) -> BaseGeometry | None:
    geoms = [a.geometry for a in areas]
    if not geoms:
        return None
    return shapely.union_all(geoms) if len(geoms) > 1 else geoms[0]


class AreaMask:
    """Vectorised membership test for a set of include/exclude areas."""

    def __init__(self, areas) -> None:
        areas = tuple(areas)
        self.include = union([a for a in areas if not a.exclude])
        self.exclude = union([a for a in areas if a.exclude])
        for g in (self.include, self.exclude):
            if g is not None:
                shapely.prepare(g)
        # When a place or inferred item's circle counts as in the included areas
        # (core.uncertainty: the one rule of the index, the queries and the counts).
        self.rule = AreaRule([a.geometry for a in areas if not a.exclude])

    @property
    def active(self) -> bool:
        return self.include is not None or self.exclude is not None

    def envelope(self) -> tuple[float, float, float, float] | None:
        """(west, south, east, north) that any included point lies in, or None if unbounded."""
        return tuple(self.include.bounds) if self.include is not None else None  # type: ignore[return-value]

    def contains(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Boolean mask; NaN positions are never inside. Boundary points count as inside."""
        lat = np.asarray(lat, dtype=np.float64)
        lon = np.asarray(lon, dtype=np.float64)
        ok = ~(np.isnan(lat) | np.isnan(lon))
        if self.include is not None:
            ok &= shapely.intersects_xy(self.include, lon, lat)
        if self.exclude is not None:
            ok &= ~shapely.intersects_xy(self.exclude, lon, lat)
        return ok

    def admits(self, lat: np.ndarray, lon: np.ndarray, uncertain: np.ndarray, radius: np.ndarray) -> np.ndarray:
        """Which items count as in the areas: :meth:`contains` for their centre, and for a
        place or inferred item (``uncertain``) a circle not much larger than the areas
        (:class:`desktop.core.uncertainty.AreaRule`)."""
        return self.rule.admit(self.contains(lat, lon), uncertain, radius, lat, lon)
