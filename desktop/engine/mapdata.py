"""What one map update contains, computed off the GUI thread from the index (Qt-free).

``compute`` answers a request (filter + view) with everything the window shows: the
page payload (points when few are in view, density cells otherwise), the feed's ids,
the histogram, top hashtags, per-area counts and unit positions with tracks.

What it costs follows what changed, not the size of the cache: a slider step updates
the window's sums by the items that entered and left (``window_agg``), the histogram
is recomputed only when the filter changes (live items are added to it), units come
from per-unit time-sorted tracks, and the page gets at most a screenful of points or
cells.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from dataclasses import dataclass, field

import numpy as np

from desktop.core.filters import Filter
from desktop.core.geo import Area
from desktop.engine.index import ItemIndex
from desktop.engine.unit_tracks import TRACK_POINTS
from desktop.engine.window_agg import Grid, WindowAgg

MAX_POINTS = 4000  # above this many in view the page gets density cells instead
NICE_BINS_MS = [60_000 * m for m in (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440)]


try:
    from orjson import dumps as _fast_dumps
except ImportError:  # pragma: no cover - the standard encoder, slower
    _fast_dumps = None


def page_json(message: dict) -> str:
    """A message for the page as the bridge sends it (compact JSON, text as is).

    Through the compiled encoder (a redraw's units message of 1.5 MB took the standard one
    3 ms); what it cannot write (an integer past 64 bits, a key that is not text) goes
    through the standard one. A float that is not finite becomes null, which the page's
    JSON parser reads (the standard encoder's NaN it refuses)."""
    if _fast_dumps is not None:
        try:
            return _fast_dumps(message).decode("utf-8")
        except TypeError:
            pass
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")


def bin_size(span_ms: int, target_bins: int = 240) -> int:
    for b in NICE_BINS_MS:
        if span_ms / b <= target_bins:
            return b
    return int(np.ceil(span_ms / target_bins / 86_400_000) * 86_400_000)


@dataclass
class View:
    bounds: tuple[float, float, float, float]
    zoom: float
    width: int = 1000
    height: int = 700


@dataclass
class Request:
    gen: int
    flt: Filter
    view: View | None = None
    selected: int | None = None
    areas: tuple[Area, ...] = ()  # all listed areas, for per-area counts


@dataclass
class Result:
    gen: int
    flt: Filter
    page: dict | None = None
    feed_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    total: int = 0
    in_view: int = 0
    histogram: tuple | None = None  # (bin0_ms, bin_ms, posts, field)
    top_tags: list = field(default_factory=list)
    area_counts: dict = field(default_factory=dict)
    # per listed area: {"items", "exact", "place", "inferred", "possibly_in"} (core.uncertainty)
    area_detail: dict = field(default_factory=dict)
    units: list = field(default_factory=list)
    # The page's "units" message, serialised on the worker's thread (not the window's) so
    # the window only hands it on, and only when it differs from the last one sent.
    units_json: str = ""
    compute_ms: float = 0.0
    waited_ms: float = 0.0  # from the request's submission to the start of its computation


@dataclass
class _Hist:
    key: tuple | None
    epoch: int
    max_id: int
    layout: tuple[int, int, int]  # bin0_ms, bin_ms, bins
    posts: np.ndarray
    field: np.ndarray


def _triage_arrays(idx: ItemIndex, pos: np.ndarray) -> dict:
    """Each point's triage state and priority codes (uint8) for the page's marker style;
    nothing when the index has no triage columns."""
    out = {}
    for key, column in (("state", "state"), ("prio", "priority")):
        col = getattr(idx, column, None)
        if isinstance(col, np.ndarray) and col.shape[0] == idx.id.shape[0]:
            out[key] = b64(col[pos].astype(np.uint8))
    return out


class MapData:
    """Holds the index and what the last update computed, so the next one only does
    the difference: a slider step re-slices time, a live append adds its rows."""

    def __init__(self, index: ItemIndex, conn: sqlite3.Connection) -> None:
        self.index = index
        self.conn = conn
        self._static_key: tuple[Filter, int] | None = None  # the filter but time, and the triage it saw
        self._static: np.ndarray | None = None
        self._hist: _Hist | None = None
        self._agg: WindowAgg | None = None

    def static(self, flt: Filter) -> np.ndarray | None:
        """The mask for everything in ``flt`` but time (cached by the index)."""
        key = flt.with_(start_ms=None, end_ms=None)
        self._static = self.index.static_mask(key, self.conn)
        # A triage filter's mask changes when triage does, with no new items: its sums start over.
        self._static_key = (key, self.index.triage_version if key.uses_triage else 0)
        return self._static

    def invalidate(self) -> None:
        self._static_key = None
        self._static = None
        self._hist = None
        self._agg = None

    def append_new(self, limit: int | None = None) -> int:
        """Merge rows the cache gained since the index was built (see ItemIndex.append_new);
        the next ``compute`` adds them to its sums and histogram instead of starting over,
        however many calls came in between. Do not call :meth:`invalidate` after it."""
        return self.index.append_new(self.conn, limit)

    def compute(self, req: Request) -> Result:
        idx = self.index
        flt = req.flt
        idx.sync_triage(self.conn)  # triage written by the window or the field since the last update
        static = self.static(flt)
        areas = self._area_masks(req, flt)
        grid = Grid.for_view(req.view.bounds, req.view.zoom) if req.view is not None else None
        key = (self._static_key, grid, tuple(a.key() for a in req.areas))
        agg = self._agg
        if agg is None or agg.key != key:
            agg = self._agg = WindowAgg(idx, key, grid, len(req.areas))
        elif agg.max_id != idx.max_id or agg.epoch != idx.epoch:
            agg.catch_up(static, areas)
        agg.update(flt.start_ms, flt.end_ms, static, areas)
        sums = agg.sums
        lo, hi = idx.time_slice(flt.start_ms, flt.end_ms)
        res = Result(gen=req.gen, flt=flt, total=sums.count)
        ids = idx.id[lo:hi]
        res.feed_ids = (ids if static is None else ids[static[lo:hi]])[::-1].copy()  # newest first
        res.histogram = self._histogram(static)
        res.top_tags = idx.top_from_counts(sums.tags, 25)
        if grid is not None:
            res.page = self._page_payload(req, grid, sums, lo, hi, static)
            res.in_view = res.page["total"]
        res.area_counts = {a.name: int(sums.areas[i]) for i, a in enumerate(req.areas)}
        res.area_detail = {a.name: {"items": int(sums.areas[i]), "exact": int(sums.area_prec[i, 0]),
                                    "place": int(sums.area_prec[i, 1]), "inferred": int(sums.area_prec[i, 2]),
                                    "possibly_in": int(sums.area_possible[i])} for i, a in enumerate(req.areas)}
        res.units = self.units(flt)
        res.units_json = page_json({"type": "units", "units": res.units})
        return res

    def _area_masks(self, req: Request, flt: Filter) -> list:
        """(other filters, area, possibly in) masks for the per-area counts of the listed areas."""
        if not req.areas:
            return []
        base = self.index.static_mask(flt.with_(areas=(), start_ms=None, end_ms=None), self.conn)
        out = []
        for a in req.areas:
            one = Filter(areas=(Area(a.name, a.geometry, False),))
            out.append((base, self.index._area_mask(one), self.index.possibly_mask(one)))
        return out

    def _histogram(self, static: np.ndarray | None) -> tuple | None:
        """Counts per time bin over the whole span; None when unchanged since the last update."""
        idx = self.index
        span = idx.span()
        if span is None:
            return None
        bms = bin_size(span[1] - span[0] + 1)
        bin0 = span[0] - span[0] % bms
        layout = (bin0, bms, int((span[1] - bin0) // bms) + 1)
        h = self._hist
        same = h is not None and h.key == self._static_key
        if same and (h.epoch, h.max_id) == (idx.epoch, idx.max_id) and h.layout == layout:
            return None
        if same and h.epoch == idx.epoch and h.layout[:2] == layout[:2] and layout[2] >= h.layout[2]:
            pos = idx.added_since(h.max_id)  # live items since: add them to the counts
            pos = pos if static is None else pos[static[pos]]
            b = (idx.t[pos] - bin0) // bms
            k = idx.kind[pos] == 1
            nb = layout[2]
            posts = np.bincount(b[~k], minlength=nb)
            fld = np.bincount(b[k], minlength=nb)
            posts[: h.layout[2]] += h.posts
            fld[: h.layout[2]] += h.field
        else:
            posts, fld = idx.histogram(bin0, bms, layout[2], static)
        self._hist = _Hist(self._static_key, idx.epoch, idx.max_id, layout, posts, fld)
        return (bin0, bms, posts, fld)

    def _page_payload(self, req: Request, g: Grid, sums, lo: int, hi: int, static) -> dict:
        idx = self.index
        in_view = int(sums.cells.sum())
        base = {"type": "items", "gen": req.gen, "total": in_view, "selected": req.selected, "bbox": list(g.box)}
        if in_view <= MAX_POINTS:
            w, s, e, n = g.box
            lat, lon = idx.lat64[lo:hi], idx.lon64[lo:hi]
            v = (lon >= w) & (lon <= e) & (lat >= s) & (lat <= n)
            if static is not None:
                v &= static[lo:hi]
            pos = lo + np.flatnonzero(v)
            return {**base, "mode": "points", "ids": b64(idx.id[pos].astype(np.float64)),
                    "lat": b64(idx.lat64[pos].astype(np.float32)), "lon": b64(idx.lon64[pos].astype(np.float32)),
                    "kind": b64(idx.kind[pos]), "prec": b64(idx.prec[pos]), "radius": b64(idx.radius[pos]),
                    "conf": b64(idx.conf[pos].astype(np.float32)),
                    **_triage_arrays(idx, pos)}
        nz = np.flatnonzero(sums.cells)
        count = sums.cells[nz]
        lat, lon = g.centroids(nz, count, sums.sx[nz], sums.sy[nz])
        return {**base, "mode": "density", "cells": {
            "lat": b64(lat.astype(np.float32)), "lon": b64(lon.astype(np.float32)),
            "count": b64(count.astype(np.uint32)), "field": b64(sums.field[nz].astype(np.uint32))}}

    def units(self, flt: Filter) -> list[dict]:
        """Each unit's latest report in the window, its track, and whether it is stale at the window's end."""
        start = flt.start_ms if flt.start_ms is not None else -(2**62)
        end = flt.end_ms if flt.end_ms is not None else 2**62
        span = self.index.span()
        now = min(end, span[1] + 1) if span else end
        return self.index.units.window(self.conn, start, end, now)


__all__ = ["MapData", "Request", "Result", "View", "MAX_POINTS", "TRACK_POINTS", "bin_size", "b64", "page_json"]
