"""Which 시도 (province or metropolitan city) a district lies in.

Names repeat across cities (중구 is in six of them), and boundary files use different
code systems (KOSTAT census codes put Busan at 21, the MOIS codes at 26), so the
province is found by containment in the shipped KOSTAT 2018 province outlines
(``resources/boundaries/``, KOGL Type 1, credited in About), never from a code.
"""

from __future__ import annotations

from functools import lru_cache

import shapely
from shapely.geometry.base import BaseGeometry

from desktop.core import kostat, paths

FILE = kostat.FILES[kostat.SIDO]
CREDIT = kostat.CREDIT


@lru_cache(maxsize=1)
def _provinces() -> tuple[list[str], list[str], shapely.STRtree, list[BaseGeometry]]:
    import geopandas as gpd

    gdf = gpd.read_file(paths.resources_dir() / "boundaries" / FILE)
    geoms = [shapely.make_valid(g) for g in gdf.geometry]
    return list(gdf["name"]), list(gdf["name_eng"]), shapely.STRtree(geoms), geoms


def province_names(geometries: list[BaseGeometry], english: bool = False) -> list[str | None]:
    """The province holding each geometry's representative point (None outside Korea or
    when the outlines are not there)."""
    try:
        ko, en, tree, geoms = _provinces()
    except Exception:  # a damaged install must not stop a dialog: the names are a help, not data
        return [None] * len(geometries)
    names = en if english else ko
    out: list[str | None] = []
    for g in geometries:
        if g is None or g.is_empty:
            out.append(None)
            continue
        pt = g.representative_point()
        hit = next((int(i) for i in tree.query(pt, predicate="intersects")), None)
        out.append(names[hit] if hit is not None else None)
    return out


def qualified(name: str, province: str | None) -> str:
    """"서울특별시 중구"; a name that already says its province is left alone."""
    if not province or name.startswith(province) or province.startswith(name):
        return name
    return f"{province} {name}"
