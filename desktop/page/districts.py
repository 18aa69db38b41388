"""The built-in districts as the page's offline context layer: one compact JSON file per
level (시도, 시군구, 읍면동), served by the app scheme at ``/basemap/districts/<level>.json``
and drawn by basemap.js on a canvas under the posts (outlines, and names with fillText).

Each feature: ``c`` code, ``n`` Korean name, ``e`` English name, ``p`` [lat, lon] of its
label (the pole of inaccessibility: inside the unit, far from its edges), ``a`` its area
in km² (the page drops labels of units too small on screen), ``b`` [west, south, east,
north], ``g`` its outer and inner rings as flat [lon, lat, lon, lat…] lists of integers in
units of 1e-5 degree (about a metre; the outlines are simplified by tens of metres anyway).

Built once per level from :mod:`desktop.core.kostat` and kept in memory, on a thread as
soon as a map is made (:func:`prepare`).
"""

from __future__ import annotations

import json
import math
import logging
import threading

import numpy as np
import shapely

from desktop.core import kostat

URL_PREFIX = "/basemap/districts/"
log = logging.getLogger("sitmap.page")


def _rings(geom) -> list[list[float]]:
    polys = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom] if geom.geom_type == "Polygon" else []
    out = []
    for poly in polys:
        for ring in [poly.exterior, *poly.interiors]:
            out.append(np.rint(shapely.get_coordinates(ring) * 1e5).astype(np.int64).ravel().tolist())
    return out


def _label_point(geom) -> tuple[float, float]:
    polys = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
    big = max(polys, key=lambda p: p.area)
    try:
        pt = shapely.polylabel(big, tolerance=0.0005)
    except Exception:  # a degenerate ring: any point inside will do
        pt = big.representative_point()
    return pt.y, pt.x


_built: dict[str, bytes] = {}
_locks = {level: threading.Lock() for level in kostat.LEVELS}


def _build(level: str) -> bytes:
    gdf = kostat.frame(level)
    feats = []
    for row in gdf.itertuples(index=False):
        g = row.geometry
        lat, lon = _label_point(g)
        feats.append({"c": row.code, "n": row.name, "e": row.name_eng, "p": [round(lat, 5), round(lon, 5)],
                      "a": round(math.pi * row.radius_m ** 2 / 1e6, 3),
                      "b": [round(v, 5) for v in g.bounds], "g": _rings(g)})
    doc = {"level": level, "attribution": kostat.ATTRIBUTION, "features": feats}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def layer_json(level: str) -> bytes:
    """A level's compact JSON, built once. A request that arrives while :func:`prepare`
    is building it waits for that build instead of doing it again."""
    level = kostat.level_of(level)
    with _locks[level]:
        if level not in _built:
            _built[level] = _build(level)
        return _built[level]


def prepare() -> None:
    """Build the coarsest level on a thread as soon as a map is made, so the page's request
    for it is answered at once instead of holding the window's thread (where the page's
    requests are served) while the boundary file is read."""
    global _preparing
    if not _preparing:
        _preparing = True
        threading.Thread(target=_quietly, args=((kostat.SIDO,),), name="sitmap-districts", daemon=True).start()


def warm_up(delay_s: float = 5.0) -> None:
    """The page has asked for the first level: build the finer ones a little later (after
    the first frame; zooming to a city or a street then finds them ready). A request that
    comes sooner builds its level itself."""
    global _warming
    if not _warming:
        _warming = True
        t = threading.Timer(delay_s, _quietly, args=((kostat.SIGUNGU, kostat.EMD),))
        t.daemon = True
        t.name = "sitmap-districts"
        t.start()


def _quietly(levels) -> None:
    try:
        for level in levels:
            layer_json(level)
    except Exception:  # the request itself will report it
        pass


_preparing = False
_warming = False


def asset(url_path: str) -> tuple[bytes, str] | None:
    """``/basemap/districts/sido.json`` (or sigungu, emd); None for any other path."""
    if not url_path.startswith(URL_PREFIX) or not url_path.endswith(".json"):
        return None
    name = url_path[len(URL_PREFIX):-len(".json")]
    if name not in kostat.LEVELS:
        return None
    try:
        data = layer_json(name)
    except Exception as exc:  # a damaged install: the page says so in its log, the map goes on
        log.error("built-in districts %s unavailable: %s", name, exc)
        return None
    if name == kostat.SIDO:
        warm_up()
    return data, "application/json"
