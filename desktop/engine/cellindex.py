"""Coarse map cells, so a new area filter classifies cells instead of testing items.

Every positioned item carries the number of its cell (the index's ``cell`` column, in
time order like every other column); cells are squares of 2**14 zoom-24 Web Mercator
pixels, about 120 m at Seoul's latitude, and ``keys[cell]`` holds ``cx << 18 | cy``.
A new polygon then costs: the cells in its bounding box, classified against it (first
by blocks of 16 x 16 cells, then the cells of blocks that cross its edge); one pass
over the items reading their cell's verdict from a small table; and exact tests only
for the items of cells that cross the edge (``areagrid.within``, which splits those
cells finer still before testing single points). No scattering into the time order,
and nothing to rebuild when live items arrive: they get their cells as they come.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from desktop.engine.areagrid import NO_XY, PAD_PX, _lat, _lon, _px, within
from desktop.core.geo import AreaMask
from desktop.engine.columns import ColumnIndex

SHIFT = 14  # cell size: 2**14 zoom-24 pixels
YBITS = 18  # cy < 2**18 because pixel coordinates are below 2**32
BLOCK_BITS = 4  # first pass classifies blocks of 16 x 16 cells
NO_CELL = -1  # an item without a position
ODD = -2  # an item whose pixel position is clamped (poles, antimeridian): always tested exactly
ITEMS_PER_PASS = 1 << 20
OUT, IN, EDGE = 0, 1, 2


def _keys(mx: np.ndarray, my: np.ndarray) -> np.ndarray:
    return ((mx >> np.uint32(SHIFT)).astype(np.int64) << YBITS) | (my >> np.uint32(SHIFT)).astype(np.int64)


class CellIndex:
    """The cell table: ``keys[c]`` is the position of cell ``c`` (numbered as first seen)."""

    def __init__(self, keys: np.ndarray | None = None) -> None:
        self.keys = np.zeros(0, np.int64) if keys is None else keys
        self._order: np.ndarray | None = None  # argsort of keys, for lookups

    def __len__(self) -> int:
        return int(self.keys.size)

    def assign(self, mx: np.ndarray, my: np.ndarray) -> np.ndarray:
        """Cell numbers (int32) for these points, adding cells not seen before."""
        out = np.full(mx.shape[0], NO_CELL, np.int32)
        edge = (mx == 0) | (my == 0) | (mx >= NO_XY - 1) | (my >= NO_XY - 1)
        out[edge & (mx != NO_XY)] = ODD
        ok = ~edge
        uk, inv = np.unique(_keys(mx[ok], my[ok]), return_inverse=True)
        if self._order is None:
            self._order = np.argsort(self.keys, kind="stable")
        known = self.keys[self._order]
        i = np.minimum(np.searchsorted(known, uk), max(known.size - 1, 0))
        found = (known[i] == uk) if known.size else np.zeros(uk.size, bool)
        cid = np.empty(uk.size, np.int64)
        cid[found] = self._order[i[found]]
        fresh = np.flatnonzero(~found)
        if fresh.size:
            cid[fresh] = np.arange(self.keys.size, self.keys.size + fresh.size)
            self.keys = np.concatenate([self.keys, uk[fresh]])
            self._order = None
        out[ok] = cid[inv]
        return out

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "keys.npy", self.keys)

    @classmethod
    def open(cls, folder: Path) -> "CellIndex":
        return cls(np.load(folder / "keys.npy"))

    # the question --------------------------------------------------------------------
    @staticmethod
    def _classify(geom: BaseGeometry, cx: np.ndarray, cy: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
        """(inside, crossing) for squares of 2**(SHIFT + bits) pixels at (cx, cy) in their own units."""
        size = float(1 << (SHIFT + bits))
        pad = PAD_PX * 360.0 / 2.0 ** 32 + 1e-9
        west, east = _lon(cx * size) - pad, _lon((cx + 1) * size) + pad
        north, south = _lat(cy * size - PAD_PX), _lat((cy + 1) * size + PAD_PX)
        boxes = shapely.box(west, south, east, north)
        inside = shapely.contains(geom, boxes)
        return inside, shapely.intersects(geom, boxes) & ~inside

    def verdicts(self, geom: BaseGeometry) -> np.ndarray:
        """OUT/IN/EDGE per cell, then EDGE for ODD and OUT for NO_CELL (read with negative numbers)."""
        state = np.zeros(self.keys.size + 2, np.uint8)
        state[-2] = EDGE
        minx, miny, maxx, maxy = geom.bounds
        (x0, y0), (x1, y1) = _px(minx, maxy), _px(maxx, miny)
        cx, cy = self.keys >> YBITS, self.keys & ((1 << YBITS) - 1)
        near = np.flatnonzero((cx >= (max(int(x0) - PAD_PX, 0) >> SHIFT)) & (cx <= (min(int(x1) + PAD_PX, NO_XY - 1) >> SHIFT))
                              & (cy >= (max(int(y0) - PAD_PX, 0) >> SHIFT)) & (cy <= (min(int(y1) + PAD_PX, NO_XY - 1) >> SHIFT)))
        if not near.size:
            return state
        cx, cy = cx[near], cy[near]
        # Blocks of 16 x 16 cells first: a district is mostly whole blocks.
        blocks, inv = np.unique(((cx >> BLOCK_BITS) << YBITS) | (cy >> BLOCK_BITS), return_inverse=True)
        b_in, b_cross = self._classify(geom, blocks >> YBITS, blocks & ((1 << YBITS) - 1), BLOCK_BITS)
        state[near[b_in[inv]]] = IN
        edge = np.flatnonzero(b_cross[inv])
        c_in, c_cross = self._classify(geom, cx[edge], cy[edge], 0)
        state[near[edge[c_in]]] = IN
        state[near[edge[c_cross]]] = EDGE
        return state

    def within(self, geom: BaseGeometry, index: ColumnIndex) -> np.ndarray:
        """Mask over the index of the items that intersect ``geom`` (inside or on its edge)."""
        shapely.prepare(geom)
        state = self.verdicts(geom)
        cell = index.cols["cell"]
        out = np.empty(len(index), bool)
        for a in range(0, out.size, ITEMS_PER_PASS):
            s = state[cell[a: a + ITEMS_PER_PASS]]
            out[a: a + ITEMS_PER_PASS] = s == IN
            check = a + np.flatnonzero(s == EDGE)
            if check.size:
                out[check] = within(geom, index.lat64[check], index.lon64[check], index.mx[check], index.my[check])
        return out

    def contains(self, mask: AreaMask, index: ColumnIndex) -> np.ndarray:
        """``mask.contains`` over every item of the index."""
        ok = self.within(mask.include, index) if mask.include is not None else ~np.isnan(index.lat64)
        if mask.exclude is not None:
            ok &= ~self.within(mask.exclude, index)
        return ok
