"""Exact point-in-area masks for millions of points, testing only points near the edge.

An area filter must select exactly the items SQL plus shapely select (boundary points
count as inside). Testing every point with shapely costs about a microsecond each, so
points inside the area's bounding box are binned into a grid of cells instead; each
occupied cell is classified once against the area (wholly inside, wholly outside, or
crossing its edge), crossing cells are split again, and only the points left in
crossing cells at the finest level are tested one by one.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from desktop.geo import AreaMask

# Cells per axis of the first grid, then how many sub-cells per axis each crossing cell
# is split into at each further level (32, 256, 2048 cells across the bounding box).
LEVELS = (32, 8, 8)
EXACT_BELOW = 4096  # fewer candidate points than this: test them all directly
BLOCK = 1 << 20  # points per pass
PAD = 1e-9  # degrees a cell is padded by: more than any rounding when binning a point


def area_contains(mask: AreaMask, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """``mask.contains(lat, lon)``, the same answer, with far fewer exact point tests."""
    out = np.empty(lat.shape[0], bool)
    # In blocks: a few megabytes of temporaries are reused, where ten-million-row ones would
    # each be fresh memory the kernel has to hand over page by page (slower than the work).
    for a in range(0, lat.shape[0], BLOCK):
        la, lo = lat[a: a + BLOCK], lon[a: a + BLOCK]
        ok = within(mask.include, la, lo) if mask.include is not None else ~(np.isnan(la) | np.isnan(lo))
        if mask.exclude is not None:
            ok &= ~within(mask.exclude, la, lo)
        out[a: a + BLOCK] = ok
    return out


def within(geom: BaseGeometry, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Boolean mask of the points that intersect ``geom`` (inside or on its boundary)."""
    out = np.zeros(lat.shape[0], bool)
    minx, miny, maxx, maxy = geom.bounds
    cand = np.flatnonzero((lon >= minx) & (lon <= maxx) & (lat >= miny) & (lat <= maxy))  # NaN is never inside
    if not cand.size:
        return out
    shapely.prepare(geom)
    x, y = lon[cand], lat[cand]
    if cand.size < EXACT_BELOW:
        out[cand] = shapely.intersects_xy(geom, x, y)
        return out
    res = np.zeros(cand.size, bool)
    active = np.arange(cand.size)  # candidates not yet decided
    g = 1
    w, h = max(maxx - minx, 1e-12), max(maxy - miny, 1e-12)
    for split in LEVELS:
        g *= split
        if active.size < EXACT_BELOW:
            break
        cw, ch = w / g, h / g
        cx = np.clip(((x[active] - minx) / cw).astype(np.int64), 0, g - 1)
        cy = np.clip(((y[active] - miny) / ch).astype(np.int64), 0, g - 1)
        key = cy * g + cx
        if g * g <= 1 << 20:  # occupied cells by counting: cheaper than sorting the keys
            cells = np.flatnonzero(np.bincount(key, minlength=g * g))
        else:
            cells = np.unique(key)
        ox, oy = cells % g, cells // g
        boxes = shapely.box(minx + ox * cw - PAD, miny + oy * ch - PAD,
                            minx + (ox + 1) * cw + PAD, miny + (oy + 1) * ch + PAD)
        inside = shapely.contains(geom, boxes)
        crossing = shapely.intersects(geom, boxes) & ~inside
        if g * g <= 1 << 20:
            state = np.zeros(g * g, np.uint8)
            state[cells[inside]] = 1
            state[cells[crossing]] = 2
            s = state[key]
        else:
            s = np.where(inside, 1, np.where(crossing, 2, 0)).astype(np.uint8)[np.searchsorted(cells, key)]
        res[active[s == 1]] = True
        active = active[s == 2]  # crossing cells go on to the next level
    if active.size:
        res[active] = shapely.intersects_xy(geom, x[active], y[active])
    out[cand] = res
    return out
