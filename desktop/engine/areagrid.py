"""Exact point-in-area masks for millions of points, testing only points near the edge.

An area filter must select exactly the items SQL plus shapely select (boundary points
count as inside). Testing every point with shapely costs about a microsecond each, so
instead the points near the area are binned into a grid of cells by their Web Mercator
pixel coordinates (precomputed integers, so binning is a subtraction and a shift);
each occupied cell is classified once against the area (wholly inside, wholly outside,
or crossing its edge), crossing cells are split again, and only the points left in
crossing cells at the finest level are tested one by one. A cell's box is padded by
more than any rounding in the pixel coordinates, so "wholly inside" is never wrong.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from desktop.core.geo import AreaMask

WORLD = 2.0 ** 32  # Web Mercator pixels across the world at zoom 24: positions fit uint32
NO_XY = 2**32 - 1  # pixel coordinate of an item without a position
MAX_LAT = 85.05112878
FIRST = 32  # cells per axis of the first grid
SPLIT_BITS = 3  # each crossing cell is split into 8 x 8 at the next level
LEVELS = 3
EXACT_BELOW = 4096  # fewer candidate points than this: test them all directly
BLOCK = 1 << 20  # points per pass: temporaries of a few megabytes are reused
PAD_PX = 4  # pixels (zoom 24, a few centimetres) a cell box is padded by


def mercator(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator pixel coordinates at zoom 24 (uint32, floored); NO_XY where there is no position."""
    ok = ~(np.isnan(lat) | np.isnan(lon))
    x = (np.nan_to_num(lon) + 180.0) / 360.0 * WORLD
    s = np.sin(np.radians(np.clip(np.nan_to_num(lat), -MAX_LAT, MAX_LAT)))
    y = (0.5 - np.log((1 + s) / (1 - s)) / (4 * np.pi)) * WORLD
    mx = np.where(ok, np.clip(np.floor(x), 0, NO_XY - 1), NO_XY).astype(np.uint32)
    my = np.where(ok, np.clip(np.floor(y), 0, NO_XY - 1), NO_XY).astype(np.uint32)
    return mx, my


def _px(lon: float, lat: float) -> tuple[float, float]:
    s = math.sin(math.radians(min(max(lat, -MAX_LAT), MAX_LAT)))
    return (lon + 180.0) / 360.0 * WORLD, (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * WORLD


def _lon(x: np.ndarray) -> np.ndarray:
    return x / WORLD * 360.0 - 180.0


def _lat(y: np.ndarray) -> np.ndarray:
    return np.degrees(np.arctan(np.sinh(np.pi * (1.0 - 2.0 * y / WORLD))))


def area_contains(mask: AreaMask, lat: np.ndarray, lon: np.ndarray, mx: np.ndarray | None = None,
                  my: np.ndarray | None = None) -> np.ndarray:
    """``mask.contains(lat, lon)``, the same answer, with far fewer exact point tests.
    ``mx``/``my`` are the points' :func:`mercator` coordinates (computed if not given)."""
    if mx is None or my is None:
        mx, my = mercator(lat, lon)
    out = np.empty(lat.shape[0], bool)
    for a in range(0, lat.shape[0], BLOCK):
        s = slice(a, a + BLOCK)
        la, lo, x, y = lat[s], lon[s], mx[s], my[s]
        ok = within(mask.include, la, lo, x, y) if mask.include is not None else ~(np.isnan(la) | np.isnan(lo))
        if mask.exclude is not None:
            ok &= ~within(mask.exclude, la, lo, x, y)
        out[s] = ok
    return out


def within(geom: BaseGeometry, lat: np.ndarray, lon: np.ndarray, mx: np.ndarray, my: np.ndarray) -> np.ndarray:
    """Boolean mask of the points that intersect ``geom`` (inside or on its boundary)."""
    out = np.zeros(lat.shape[0], bool)
    minx, miny, maxx, maxy = geom.bounds
    (x0, y0), (x1, y1) = _px(minx, maxy), _px(maxx, miny)
    X0, Y0 = max(int(x0) - PAD_PX, 0), max(int(y0) - PAD_PX, 0)
    X1, Y1 = min(int(x1) + PAD_PX, NO_XY - 1), min(int(y1) + PAD_PX, NO_XY - 1)
    cand = np.flatnonzero((mx >= X0) & (mx <= X1) & (my >= Y0) & (my <= Y1))
    if not cand.size:
        return out
    shapely.prepare(geom)
    if cand.size < EXACT_BELOW:
        out[cand] = shapely.intersects_xy(geom, lon[cand], lat[cand])
        return out
    dx = mx[cand] - np.uint32(X0)  # within [0, X1 - X0]: no wrap-around
    dy = my[cand] - np.uint32(Y0)
    res = np.zeros(cand.size, bool)
    # Pixel coordinates clamped at the poles or the antimeridian say nothing about the
    # true position: those points are always tested exactly.
    clamp = (mx[cand] == 0) | (mx[cand] == NO_XY - 1) | (my[cand] == 0) | (my[cand] == NO_XY - 1)
    active = np.flatnonzero(~clamp)
    shift = max(0, math.ceil(math.log2(max(X1 - X0, Y1 - Y0, 1) + 1)) - int(math.log2(FIRST)))
    pad_lon = PAD_PX * 360.0 / WORLD + 1e-9
    for _ in range(LEVELS):
        if active.size < EXACT_BELOW:
            break
        g = ((max(X1 - X0, Y1 - Y0)) >> shift) + 1  # cells per axis at this level
        cx = (dx[active] >> np.uint32(shift)).astype(np.int64)
        cy = (dy[active] >> np.uint32(shift)).astype(np.int64)
        key = cy * g + cx
        if g * g <= 1 << 22:  # occupied cells by counting: cheaper than sorting the keys
            cells = np.flatnonzero(np.bincount(key, minlength=g * g))
        else:
            cells = np.unique(key)
        ox, oy = (cells % g).astype(np.float64), (cells // g).astype(np.float64)
        size = float(1 << shift)
        west, east = _lon(X0 + ox * size) - pad_lon, _lon(X0 + (ox + 1) * size) + pad_lon
        north, south = _lat(Y0 + oy * size - PAD_PX), _lat(Y0 + (oy + 1) * size + PAD_PX)
        boxes = shapely.box(west, south, east, north)
        inside = shapely.contains(geom, boxes)
        crossing = shapely.intersects(geom, boxes) & ~inside
        if g * g <= 1 << 22:
            state = np.zeros(g * g, np.uint8)
            state[cells[inside]] = 1
            state[cells[crossing]] = 2
            s = state[key]
        else:
            s = np.where(inside, 1, np.where(crossing, 2, 0)).astype(np.uint8)[np.searchsorted(cells, key)]
        res[active[s == 1]] = True
        active = active[s == 2]  # crossing cells go on to the next level
        if shift < SPLIT_BITS:
            break
        shift -= SPLIT_BITS
    rest = np.concatenate([active, np.flatnonzero(clamp)])
    if rest.size:
        res[rest] = shapely.intersects_xy(geom, lon[cand[rest]], lat[cand[rest]])
    out[cand] = res
    return out
