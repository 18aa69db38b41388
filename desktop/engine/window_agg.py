"""The map's window aggregates, kept up to date by differences.

A slider step moves a one-hour window by a minute: almost every item stays inside. The
numbers the map shows (items in the window, per density cell, per hashtag, per listed
area) are sums over the items in the window, so a step adds the minute that entered and
subtracts the minute that left instead of recounting the hour. Live items that land in
the window are added the same way. Another filter or another view starts over.

Density cells are a grid fixed in Web Mercator pixel space at the view's zoom (so
panning does not move items between cells), computed from per-item zoom-24 pixel
coordinates by integer division: no trigonometry per item per update.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from desktop.engine.index import ItemIndex

CELL_PX = 56
BLOCK = 1 << 20  # items per pass over a long range: temporaries stay small and are reused
MARGIN = 0.15  # of the view on each side, so a small pan does not reveal an empty edge


def _px(lon: float, lat: float, scale: float) -> tuple[float, float]:
    s = math.sin(math.radians(min(max(lat, -85.05112878), 85.05112878)))
    return (lon + 180.0) / 360.0 * scale, (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * scale


@dataclass(frozen=True)
class Grid:
    """Density cells covering a view and its margin."""

    zoom: int
    cw: int  # cell size in zoom-24 pixels
    x0: int  # zoom-24 pixel of the first cell's corner
    y0: int
    ncols: int
    nrows: int
    box: tuple[float, float, float, float]  # west, south, east, north: an item in it counts as in view

    @classmethod
    def for_view(cls, bounds: tuple[float, float, float, float], zoom: float) -> "Grid":
        w, s, e, n = bounds
        dx, dy = (e - w) * MARGIN, (n - s) * MARGIN
        box = (max(w - dx, -180.0), max(s - dy, -90.0), min(e + dx, 180.0), min(n + dy, 90.0))
        z = int(min(max(round(zoom), 0), 24))
        cw = CELL_PX << (24 - z)
        world = float(2**32)
        xa, ya = _px(box[0], box[3], world)  # north-west corner: smallest pixel y
        xb, yb = _px(box[2], box[1], world)
        # One spare cell on every side: an item inside the box then always lands inside the
        # grid, whatever the rounding of its pixel position, so no clipping is needed.
        cx0, cy0 = max(int(xa // cw) - 1, 0), max(int(ya // cw) - 1, 0)
        return cls(z, cw, cx0 * cw, cy0 * cw, int(xb // cw) + 2 - cx0, int(yb // cw) + 2 - cy0, box)

    @property
    def cells(self) -> int:
        return self.ncols * self.nrows

    def centroids(self, nz: np.ndarray, count: np.ndarray, sx: np.ndarray, sy: np.ndarray):
        """Lat/lon of the mean position of the items in cells ``nz``."""
        world = float(2**32)
        x = (self.x0 + sx / count) / world
        y = (self.y0 + sy / count) / world
        lon = x * 360.0 - 180.0
        lat = np.degrees(np.arctan(np.sinh(np.pi * (1.0 - 2.0 * y))))
        return lat, lon


class Sums:
    """Additive numbers over a set of items."""

    def __init__(self, ntags: int, ncells: int, nareas: int) -> None:
        self.count = 0
        self.tags = np.zeros(ntags, np.int64)
        self.cells = np.zeros(ncells, np.int64)
        self.field = np.zeros(ncells, np.int64)
        # Position sums relative to the grid corner: integers below 2**53 stay exact in
        # float64, so adding and subtracting never drifts.
        self.sx = np.zeros(ncells, np.float64)
        self.sy = np.zeros(ncells, np.float64)
        self.areas = np.zeros(nareas, np.int64)
        self.area_prec = np.zeros((nareas, 4), np.int64)  # of those, by precision code (exact, place, inferred, unknown)
        self.area_possible = np.zeros(nareas, np.int64)  # place/inferred items only "possibly in" each area

    def grow_tags(self, ntags: int) -> None:
        if ntags > self.tags.size:
            self.tags = np.concatenate([self.tags, np.zeros(ntags - self.tags.size, np.int64)])


class WindowAgg:
    """Sums over the items of a time window that pass a fixed filter, for one view grid."""

    def __init__(self, index: ItemIndex, key: tuple, grid: Grid | None, nareas: int) -> None:
        self.index = index
        self.key = key
        self.grid = grid
        self.nareas = nareas
        self.window: tuple[int, int] | None = None  # (start, end) ms the sums describe
        self.epoch, self.max_id = index.epoch, index.max_id  # the index as the sums saw it
        self.sums = Sums(len(index.tags), grid.cells if grid else 0, nareas)
        self.last_cost = 0  # items visited by the last update (for benchmarks)

    # one set of items -----------------------------------------------------------------
    def _add(self, sign: int, static, areas, a: int = 0, b: int = 0, pos: np.ndarray | None = None) -> None:
        """Add (sign +1) or remove (-1) the items at positions [a, b) or ``pos`` that pass ``static``."""
        if pos is None and b - a > BLOCK:
            for start in range(a, b, BLOCK):
                self._add(sign, static, areas, start, min(start + BLOCK, b))
            return
        idx = self.index
        if pos is None:
            def take(arr):
                return arr[a:b]
            size = b - a
        else:
            def take(arr):
                return arr[pos]
            size = pos.size
        if not size:
            return
        self.last_cost += size
        s = self.sums
        keep = take(static) if static is not None else None
        s.count += sign * (int(np.count_nonzero(keep)) if keep is not None else size)
        # hashtags: entries are sorted by item position, so a range of items is a range of entries
        ti = idx.tag_item
        if pos is None:
            entries = slice(int(np.searchsorted(ti, a)), int(np.searchsorted(ti, b)))
        else:
            lo, hi = np.searchsorted(ti, pos, "left"), np.searchsorted(ti, pos, "right")
            n = hi - lo
            entries = np.repeat(lo - np.cumsum(n) + n, n) + np.arange(int(n.sum()))
        codes = idx.tag_of[entries]
        if static is not None:
            codes = codes[static[ti[entries]]]
        s.grow_tags(len(idx.tags))
        if codes.size:
            s.tags += sign * np.bincount(codes, minlength=s.tags.size)
        prec = take(idx.prec) if areas else None
        for i, (base, m, poss) in enumerate(areas):
            hit = take(m) if base is None else take(m) & take(base)
            n_hit = int(np.count_nonzero(hit))
            s.areas[i] += sign * n_hit
            if n_hit:
                s.area_prec[i] += sign * np.bincount(prec[hit], minlength=4)[:4]
            if poss is not None:
                ph = take(poss) if base is None else take(poss) & take(base)
                s.area_possible[i] += sign * int(np.count_nonzero(ph))
        g = self.grid
        if g is None:
            return
        w, so, e, n = g.box
        lon, lat = take(idx.lon64), take(idx.lat64)
        v = (lon >= w) & (lon <= e) & (lat >= so) & (lat <= n)
        if keep is not None:
            v &= keep
        inside = np.flatnonzero(v)
        if not inside.size:
            return
        inside = pos[inside] if pos is not None else inside + a
        # uint32 throughout: in-box items lie right of and below the grid corner (see Grid).
        x = idx.mx[inside] - np.uint32(g.x0)
        y = idx.my[inside] - np.uint32(g.y0)
        k = idx.kind[inside]
        cell = (y // np.uint32(g.cw)) * np.uint32(g.ncols) + x // np.uint32(g.cw)
        s.cells += sign * np.bincount(cell, minlength=g.cells)
        s.field += sign * np.bincount(cell[k == 1], minlength=g.cells)
        s.sx += sign * np.bincount(cell, weights=x, minlength=g.cells)
        s.sy += sign * np.bincount(cell, weights=y, minlength=g.cells)

    # the window --------------------------------------------------------------------
    def update(self, start: int | None, end: int | None, static, areas) -> None:
        """Make the sums describe [start, end), by differences when that is cheaper."""
        idx = self.index
        self.last_cost = 0
        lo1, hi1 = idx.time_slice(start, end)
        if self.window is not None and (self.epoch, self.max_id) == (idx.epoch, idx.max_id):
            lo0, hi0 = idx.time_slice(*self.window)
            gone = [(lo0, min(hi0, lo1)), (max(lo0, hi1), hi0)]
            came = [(lo1, min(hi1, lo0)), (max(lo1, hi0), hi1)]
            cost = sum(max(0, b - a) for a, b in gone + came)
            if cost < hi1 - lo1:
                for a, b in gone:
                    if a < b:
                        self._add(-1, static, areas, a, b)
                for a, b in came:
                    if a < b:
                        self._add(+1, static, areas, a, b)
                self.window = (start, end)
                return
        self.sums = Sums(len(idx.tags), self.grid.cells if self.grid else 0, self.nareas)
        self._add(+1, static, areas, lo1, hi1)
        self.window = (start, end)
        self.epoch, self.max_id = idx.epoch, idx.max_id

    def catch_up(self, static, areas) -> bool:
        """After live appends (any number): add the new items that fall inside the window.
        False if the sums cannot be carried over (the index was reloaded): the next update
        then starts over."""
        idx = self.index
        if self.window is None or self.epoch != idx.epoch:
            self.window = None
            return False
        pos = idx.added_since(self.max_id)
        t = idx.t[pos]
        start, end = self.window
        inside = np.ones(t.size, bool)
        if start is not None:
            inside &= t >= start
        if end is not None:
            inside &= t < end
        self._add(+1, static, areas, pos=pos[inside])
        self.max_id = idx.max_id
        return True
