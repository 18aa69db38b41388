"""What one map update contains, computed off the GUI thread from the index (Qt-free).

``compute`` answers a request (filter + view) with everything the window shows: the
page payload (points when few are in view, density cells otherwise), the feed's ids,
the histogram, top hashtags, per-area counts and unit positions with tracks.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from dataclasses import dataclass, field

import numpy as np

from desktop.filters import Filter
from desktop.geo import Area
from desktop.index import ItemIndex

MAX_POINTS = 4000  # above this many in view the page gets density cells instead
TRACK_POINTS = 300
NICE_BINS_MS = [60_000 * m for m in (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440)]


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
    units: list = field(default_factory=list)
    compute_ms: float = 0.0


class MapData:
    """Holds the index and the last static mask so slider steps only re-slice time."""

    def __init__(self, index: ItemIndex, conn: sqlite3.Connection) -> None:
        self.index = index
        self.conn = conn
        self._static_key: Filter | None = None
        self._static: np.ndarray | None = None
        self._hist_key: object = None

    def static(self, flt: Filter) -> np.ndarray | None:
        key = flt.with_(start_ms=None, end_ms=None)
        if key != self._static_key:
            self._static = self.index.static_mask(key, self.conn)
            self._static_key = key
            self._hist_key = None
        return self._static

    def invalidate(self) -> None:
        self._static_key = None
        self._static = None
        self._hist_key = None

    def compute(self, req: Request) -> Result:
        idx = self.index
        flt = req.flt
        static = self.static(flt)
        sel = idx.select(flt, static=static)
        res = Result(gen=req.gen, flt=flt, total=len(sel))
        res.feed_ids = idx.id[sel.pos][::-1].copy()
        span = idx.span()
        hist_key = (self._static_key, span)
        if span and hist_key != self._hist_key:
            self._hist_key = hist_key
            bms = bin_size(span[1] - span[0] + 1)
            bin0 = span[0] - span[0] % bms
            nb = int((span[1] - bin0) // bms) + 1
            posts, fld = idx.histogram(bin0, bms, nb, static)
            res.histogram = (bin0, bms, posts, fld)
        res.top_tags = idx.top_tags(sel, 25)
        if req.view is not None:
            res.page = self._page_payload(req, sel)
            res.in_view = res.page["total"]
        res.area_counts = self._area_counts(req, flt)
        res.units = self.units(flt)
        return res

    def _page_payload(self, req: Request, sel) -> dict:
        idx = self.index
        v = req.view
        assert v is not None
        w, s, e, n = v.bounds
        # A margin so panning a little does not reveal an empty edge before the next update.
        dx, dy = (e - w) * 0.15, (n - s) * 0.15
        pos = idx.in_view(sel, (w - dx, s - dy, e + dx, n + dy))
        base = {"type": "items", "gen": req.gen, "total": int(pos.size), "selected": req.selected}
        if pos.size <= MAX_POINTS:
            return {**base, "mode": "points", "ids": b64(idx.id[pos].astype(np.float64)), "lat": b64(idx.lat[pos]),
                    "lon": b64(idx.lon[pos]), "kind": b64(idx.kind[pos]), "prec": b64(idx.prec[pos]),
                    "radius": b64(idx.radius[pos])}
        lat, lon, count, fld = idx.density(pos, v.bounds, v.zoom)
        return {**base, "mode": "density", "cells": {"lat": b64(lat), "lon": b64(lon), "count": b64(count),
                                                      "field": b64(fld)}}

    def _area_counts(self, req: Request, flt: Filter) -> dict:
        """Items per listed area in the current window, with every other filter but areas."""
        if not req.areas:
            return {}
        base = flt.with_(areas=())
        static = self.index.static_mask(base.with_(start_ms=None, end_ms=None), self.conn)
        lo, hi = self.index.time_slice(flt.start_ms, flt.end_ms)
        out = {}
        for a in req.areas:
            m = self.index._area_mask(Filter(areas=(Area(a.name, a.geometry, False),)))[lo:hi]
            if static is not None:
                m = m & static[lo:hi]
            out[a.name] = int(m.sum())
        return out

    def units(self, flt: Filter) -> list[dict]:
        """Each unit's latest report in the window, its track, and whether it is stale at the window's end."""
        start = flt.start_ms if flt.start_ms is not None else -(2**62)
        end = flt.end_ms if flt.end_ms is not None else 2**62
        rows = self.conn.execute(
            "SELECT i.unit_uid, i.callsign, i.t_ms, i.lat, i.lon, i.extra, u.team FROM items i "
            "LEFT JOIN units u ON u.uid = i.unit_uid WHERE i.kind = 'field_update' AND i.unit_uid IS NOT NULL "
            "AND i.lat IS NOT NULL AND i.t_ms >= ? AND i.t_ms < ? ORDER BY i.unit_uid, i.t_ms", (start, end)).fetchall()
        units: dict[str, dict] = {}
        for uid, callsign, t, lat, lon, extra, team in rows:
            u = units.setdefault(uid, {"uid": uid, "track": []})
            ex = json.loads(extra) if extra else {}
            if ex.get("chat"):
                continue
            u.update(callsign=callsign, t_ms=t, lat=lat, lon=lon, team=ex.get("team") or team,
                     course=ex.get("course"), speed=ex.get("speed"), stale_ms=ex.get("stale_ms"),
                     emergency=bool(ex.get("emergency")) and ex.get("emergency") != "cancel")
            u["track"].append([round(lat, 6), round(lon, 6)])
        out = []
        now = min(end, self.index.span()[1] + 1) if self.index.span() else end
        for u in units.values():
            if "lat" not in u:
                continue
            tr = u["track"]
            if len(tr) > TRACK_POINTS:
                step = len(tr) / TRACK_POINTS
                u["track"] = [tr[int(i * step)] for i in range(TRACK_POINTS)] + [tr[-1]]
            stale_ms = u.get("stale_ms") or (u["t_ms"] + 5 * 60_000)
            u["stale"] = bool(stale_ms < now)
            out.append(u)
        return out
