"""How sure a position is, and when an uncertain position counts as inside an area.

An exact item is a point: it is in an area when the point is. A place item (the centre of
a named place the source gave, ``radius_m`` its size) and an inferred item (placed from
its text, ``radius_m`` what matched) are circles. Such an item counts as **in** an area
only when

    its centre is in the area (the same test as an exact point), and
    its radius is at most ``K_AREA`` times the area's equivalent radius
    (the radius of a disc as large as the area: sqrt(area / pi)).

So a post placed "somewhere in 서울특별시" (a circle of ~14 km) is not counted in 종로구
(equivalent radius ~2.8 km) just because Seoul's centre point lies there, while a post
placed at 광화문 (±250 m) or in 종로구 itself (a circle the size of the district) is.
An uncertain item whose circle reaches the area but that fails the rule is **possibly
in** it: never in the count or in a filter's result, reported apart. An item with a
radius of 0 is a point whatever its precision.

Radii are compared as float32 (the index keeps them so), in every path, so the index,
``sitmap query`` and the per-area counts give the same answer to the last bit. With
several areas an item is in their union when it is in one of them by this rule
(:class:`AreaRule`), so per-area counts add up; excluded areas take out the items whose
centre lies in them, as for exact points.

Confidence: exact items are 1.0, place items :data:`PLACE_CONFIDENCE`, inferred items
the value the geoparser wrote (``geo_inferences.confidence``; NaN when there is none).
A minimum confidence hides place and inferred items below it; exact items and items
without a position are not location guesses and always pass.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from desktop.core.model import PRECISION_CODES, Precision

K_AREA = 1.5  # an uncertain item counts as in an area when radius <= K_AREA x the area's equivalent radius
PLACE_CONFIDENCE = 0.5  # the confidence of a place the source gave (a named area, not a point)
UNCERTAIN = ("place", "inferred")  # the precisions that carry a circle
UNCERTAIN_CODES = tuple(PRECISION_CODES[Precision(p)] for p in UNCERTAIN)  # their codes in the index
M_PER_DEG = 111_320.0  # metres per degree of latitude (and of longitude at the equator)


def is_uncertain(prec_codes: np.ndarray) -> np.ndarray:
    """Which precision codes (the index's uint8 column) are place or inferred."""
    p = np.asarray(prec_codes)
    return (p == UNCERTAIN_CODES[0]) | (p == UNCERTAIN_CODES[1])


def equivalent_radius_m(geom: BaseGeometry | None) -> float:
    """The radius (m) of a disc with the area of ``geom`` (inf for None: no bound)."""
    if geom is None or geom.is_empty:
        return math.inf
    lat0 = geom.centroid.y
    area = geom.area * M_PER_DEG * M_PER_DEG * math.cos(math.radians(lat0))
    return math.sqrt(max(area, 0.0) / math.pi)


def radius_limit(geom: BaseGeometry | None) -> np.float32:
    """The largest radius (float32, m) an uncertain item may have to count as in ``geom``."""
    r = equivalent_radius_m(geom)
    return np.float32(np.inf) if math.isinf(r) else np.float32(K_AREA * r)


def admit(centre_in: np.ndarray, uncertain: np.ndarray, radius: np.ndarray, limit: float) -> np.ndarray:
    """THE rule for one area: which items count as in it. ``centre_in``: the centre (or
    point) is in it; ``uncertain``: the item is a place or inferred one; ``radius``: its
    radius (m; compared as float32); ``limit``: :func:`radius_limit` of the area."""
    r = np.asarray(radius).astype(np.float32, copy=False)
    return np.asarray(centre_in, bool) & ~(np.asarray(uncertain, bool) & (r > 0) & ~(r <= np.float32(limit)))


class AreaRule:
    """:func:`admit` over several included areas: an item is in their union when it is in
    at least one of them by the rule (so per-area counts add up to the union's). Items
    whose radius fits the smallest area's limit are decided by the union's centre test
    alone; only the few larger circles are tested against each area."""

    def __init__(self, geoms) -> None:
        self.parts = [(g, radius_limit(g)) for g in geoms if g is not None and not g.is_empty]
        for g, _ in self.parts:
            shapely.prepare(g)
        self.limit = min((lim for _, lim in self.parts), default=np.float32(np.inf))

    def admit(self, centre_in: np.ndarray, uncertain: np.ndarray, radius: np.ndarray, lat: np.ndarray,
              lon: np.ndarray) -> np.ndarray:
        """``centre_in``: the union's centre test (with excluded areas already taken out)."""
        inside = admit(centre_in, uncertain, radius, self.limit)
        if len(self.parts) < 2:
            return inside
        r = np.asarray(radius).astype(np.float32, copy=False)
        k = np.flatnonzero(np.asarray(centre_in, bool) & ~inside)  # circles larger than the smallest limit
        if not k.size:
            return inside
        la, lo, rk = np.asarray(lat, np.float64)[k], np.asarray(lon, np.float64)[k], r[k]
        ok = np.zeros(k.size, bool)
        for g, lim in self.parts:
            sel = np.flatnonzero(~ok & (rk <= lim))
            if sel.size:
                ok[sel] = shapely.intersects_xy(g, lo[sel], la[sel])
        inside[k] = ok
        return inside


def circle_reaches(geom: BaseGeometry, lat: np.ndarray, lon: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """Whether each circle (centre, radius in m) touches ``geom``: distances in a local
    metric projection around the area (good to a fraction of a percent at city scale)."""
    lat = np.asarray(lat, np.float64)
    lon = np.asarray(lon, np.float64)
    out = np.zeros(lat.shape[0], bool)
    ok = ~(np.isnan(lat) | np.isnan(lon))
    if not ok.any() or geom is None or geom.is_empty:
        return out
    c = geom.centroid
    lat0, lon0 = c.y, c.x
    kx, ky = M_PER_DEG * math.cos(math.radians(lat0)), M_PER_DEG
    r = np.asarray(radius, np.float64)
    # Only circles that reach the area's envelope (padded by a tenth for the projection) can
    # reach the area; then each distinct circle once: places and gazetteer matches repeat.
    w, s, e, n = geom.bounds
    x = (lon - lon0) * kx
    y = (lat - lat0) * ky
    dx = np.maximum(0.0, np.maximum((w - lon0) * kx - x, x - (e - lon0) * kx))
    dy = np.maximum(0.0, np.maximum((s - lat0) * ky - y, y - (n - lat0) * ky))
    near = ok & (np.hypot(dx, dy) <= r * 1.1 + 1.0)
    k = np.flatnonzero(near)
    if not k.size:
        return out
    g = shapely.transform(geom, lambda xy: np.column_stack([(xy[:, 0] - lon0) * kx, (xy[:, 1] - lat0) * ky]))
    shapely.prepare(g)
    xk, yk, rk = x[k], y[k], r[k]
    order = np.lexsort((rk, yk, xk))
    xs, ys, rs = xk[order], yk[order], rk[order]
    first = np.ones(order.size, bool)
    first[1:] = (xs[1:] != xs[:-1]) | (ys[1:] != ys[:-1]) | (rs[1:] != rs[:-1])
    group = np.cumsum(first) - 1
    hit = shapely.dwithin(g, shapely.points(xs[first], ys[first]), rs[first])
    res = np.empty(order.size, bool)
    res[order] = hit[group]
    out[k] = res
    return out


def possibly_in(geom: BaseGeometry | None, admitted: np.ndarray, uncertain: np.ndarray, lat: np.ndarray,
                lon: np.ndarray, radius: np.ndarray, excluded: np.ndarray | None = None) -> np.ndarray:
    """Uncertain items not admitted by :func:`admit` whose circle still reaches ``geom``
    (and whose centre is not in an excluded area): "possibly in", counted apart."""
    r = np.asarray(radius).astype(np.float32, copy=False)
    cand = np.asarray(uncertain, bool) & (r > 0) & ~np.asarray(admitted, bool)
    if excluded is not None:
        cand &= ~np.asarray(excluded, bool)
    out = np.zeros(cand.shape[0], bool)
    if geom is None or not cand.any():
        return out
    k = np.flatnonzero(cand)
    out[k] = circle_reaches(geom, np.asarray(lat)[k], np.asarray(lon)[k], r[k].astype(np.float64))
    return out


# --- confidence ----------------------------------------------------------------------

def confidence_threshold(value: float) -> np.float32:
    """The float32 the index compares confidences (float32) against."""
    return np.float32(value)


def passes_confidence(conf: np.ndarray, uncertain: np.ndarray, min_confidence: float | None) -> np.ndarray:
    """Items a minimum confidence keeps: every item that is not uncertain, and uncertain
    ones whose (float32) confidence is at least it (NaN: never)."""
    u = np.asarray(uncertain, bool)
    if min_confidence is None:
        return np.ones(u.shape[0], bool)
    c = np.asarray(conf).astype(np.float32, copy=False)
    return ~u | (c >= confidence_threshold(min_confidence))


def confidence_sql(min_confidence: float) -> tuple[str, float]:
    """(operator, bound) such that ``c <op> bound`` on a float64 confidence in SQL holds
    exactly when ``float32(c) >= float32(min_confidence)`` does: the index and the cache
    agree even on values that round across the threshold."""
    t = np.float32(min_confidence)
    if not np.isfinite(t) or t <= 0:
        return ">=", float(min(float(t), 0.0)) if np.isfinite(t) else float("-inf")
    below = np.nextafter(t, np.float32(-np.inf), dtype=np.float32)
    mid = (float(t) + float(below)) / 2.0  # exact in float64; the rounding boundary
    # Ties round to even: the midpoint itself rounds up to t only if t's mantissa is even.
    return (">=" if np.float32(mid) == t else ">"), mid


def confidence_where(alias: str, min_confidence: float) -> tuple[str, list]:
    """The SQL clause of a minimum confidence over ``items AS alias``."""
    op, bound = confidence_sql(min_confidence)
    a = alias
    return (f"({a}.precision NOT IN ('place', 'inferred') OR CASE {a}.precision WHEN 'place' THEN ? "
            f"ELSE (SELECT g.confidence FROM geo_inferences g WHERE g.item_id = {a}.id) END {op} ?)",
            [PLACE_CONFIDENCE, bound])
