"""The interactive path: an in-memory, time-sorted index of every positioned item.

SQLite stays the durable store; this index answers the questions a slider drag asks
(which items are in the window, in these areas, with these tags; how many per time
bin; which hashtags lead) with numpy over columns, so a step costs what the screen
needs rather than a query over the whole cache. Counts match ``desktop.query``
exactly (tests check it).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import numpy as np

from desktop.filters import Filter
from desktop.geo import AreaMask
from desktop.model import KIND_CODES, PRECISION_CODES, Kind, Precision

KIND_OF = {k.value: c for k, c in KIND_CODES.items()}
PREC_OF = {p.value: c for p, c in PRECISION_CODES.items()}
LOAD_CHUNK = 200_000


@dataclass
class Selection:
    """Positions (into the index arrays) of the items a filter matched, in time order."""

    pos: np.ndarray

    def __len__(self) -> int:
        return int(self.pos.size)


class ItemIndex:
    """Columns of all items sorted by (time, id). Items without a position are kept too
    (the feed lists them) and have NaN lat/lon."""

    def __init__(self) -> None:
        self.t = np.zeros(0, np.int64)
        self.id = np.zeros(0, np.int64)
        self.lat = np.zeros(0, np.float32)
        self.lon = np.zeros(0, np.float32)
        self.lat64 = np.zeros(0, np.float64)
        self.lon64 = np.zeros(0, np.float64)
        self.kind = np.zeros(0, np.uint8)
        self.prec = np.zeros(0, np.uint8)
        self.radius = np.zeros(0, np.float32)
        self.src = np.zeros(0, np.uint16)
        self.sources: list[str] = []
        self.tags: list[str] = []
        self.tag_code: dict[str, int] = {}
        self.tag_item = np.zeros(0, np.int64)  # position of the item of each tag entry
        self.tag_of = np.zeros(0, np.int32)  # tag code of each entry
        self._id_order = np.zeros(0, np.int64)
        self._area_cache: dict[tuple, np.ndarray] = {}
        self._text_cache: dict[str, np.ndarray] = {}
        self.max_id = 0

    # building -----------------------------------------------------------------
    @classmethod
    def load(cls, conn: sqlite3.Connection) -> "ItemIndex":
        idx = cls()
        idx.reload(conn)
        return idx

    def reload(self, conn: sqlite3.Connection) -> None:
        """Read every item's columns from the cache (time order).

        Text columns are mapped to small integers inside SQLite and rows arrive as numbers
        only, so a chunk becomes one 2-D float array without per-value Python work.
        """
        self.sources = [r[0] for r in conn.execute("SELECT DISTINCT source FROM items ORDER BY source")]
        src_case = "CASE source " + " ".join(f"WHEN ? THEN {i}" for i in range(len(self.sources))) + " ELSE 0 END" \
            if self.sources else "0"
        prec_case = "CASE precision " + " ".join(f"WHEN '{p}' THEN {c}" for p, c in PREC_OF.items()) + " END"
        sql = (f"SELECT t_ms, id, coalesce(lat, 999.0), coalesce(lon, 999.0), kind = 'field_update', {prec_case}, "
               f"coalesce(radius_m, 0), {src_case} FROM items ORDER BY t_ms, id")
        cur = conn.execute(sql, self.sources)
        chunks = []
        while True:
            rows = cur.fetchmany(LOAD_CHUNK)
            if not rows:
                break
            chunks.append(np.array(rows, dtype=np.float64))
        if not chunks:
            self.__init__()
            return
        a = np.concatenate(chunks) if len(chunks) > 1 else chunks[0]
        self.t = a[:, 0].astype(np.int64)
        self.id = a[:, 1].astype(np.int64)
        self.lat64 = np.where(a[:, 2] == 999.0, np.nan, a[:, 2])
        self.lon64 = np.where(a[:, 3] == 999.0, np.nan, a[:, 3])
        self.lat, self.lon = self.lat64.astype(np.float32), self.lon64.astype(np.float32)
        self.kind = a[:, 4].astype(np.uint8)
        self.prec = a[:, 5].astype(np.uint8)
        self.radius = a[:, 6].astype(np.float32)
        self.src = a[:, 7].astype(np.uint16)
        del a, chunks
        self._id_order = np.argsort(self.id, kind="stable")
        self.max_id = int(self.id.max())
        self._load_tags(conn)
        self._area_cache.clear()
        self._text_cache.clear()

    def _load_tags(self, conn: sqlite3.Connection) -> None:
        self.tags = [r[0] for r in conn.execute("SELECT DISTINCT tag FROM item_tags ORDER BY tag")]
        self.tag_code = {t: i for i, t in enumerate(self.tags)}
        # Codes are positions in the sorted distinct list: computed by SQLite with a window function.
        cur = conn.execute(
            "WITH d AS (SELECT tag, row_number() OVER (ORDER BY tag) - 1 AS code FROM (SELECT DISTINCT tag FROM item_tags)) "
            "SELECT t.item_id, d.code FROM item_tags t JOIN d USING (tag)")
        chunks = []
        while True:
            rows = cur.fetchmany(LOAD_CHUNK)
            if not rows:
                break
            chunks.append(np.array(rows, dtype=np.int64))
        pairs = np.concatenate(chunks) if chunks else np.zeros((0, 2), np.int64)
        self.tag_of = pairs[:, 1].astype(np.int32)
        self.tag_item = self.positions_of(pairs[:, 0])

    def __len__(self) -> int:
        return int(self.pos.size)


class ItemIndex:
    """Columns of all items sorted by (time, id). Items without a position are kept too
    (the feed lists them) and have NaN lat/lon."""

    def __init__(self) -> None:
        self.t = np.zeros(0, np.int64)
        self.id = np.zeros(0, np.int64)
        self.lat = np.zeros(0, np.float32)
        self.lon = np.zeros(0, np.float32)
        self.lat64 = np.zeros(0, np.float64)
        self.lon64 = np.zeros(0, np.float64)
        self.kind = np.zeros(0, np.uint8)
        self.prec = np.zeros(0, np.uint8)
        self.radius = np.zeros(0, np.float32)
        self.src = np.zeros(0, np.uint16)
        self.sources: list[str] = []
        self.tags: list[str] = []
        self.tag_code: dict[str, int] = {}
        self.tag_item = np.zeros(0, np.int64)  # position of the item of each tag entry
        self.tag_of = np.zeros(0, np.int32)  # tag code of each entry
        self._id_order = np.zeros(0, np.int64)
        self._area_cache: dict[tuple, np.ndarray] = {}
        self._text_cache: dict[str, np.ndarray] = {}
        self.max_id = 0

    # building -----------------------------------------------------------------
    @classmethod
    def load(cls, conn: sqlite3.Connection) -> "ItemIndex":
        idx = cls()
        idx.reload(conn)
        return idx

    def reload(self, conn: sqlite3.Connection) -> None:
        """Read every item's columns from the cache (time order)."""
        self.sources = [r[0] for r in conn.execute("SELECT DISTINCT source FROM items ORDER BY source")]
        src_code = {s: i for i, s in enumerate(self.sources)}
        cols: list[list] = [[] for _ in range(8)]
        cur = conn.execute(
            "SELECT t_ms, id, lat, lon, kind, precision, coalesce(radius_m, 0), source FROM items ORDER BY t_ms, id")
        while True:
            rows = cur.fetchmany(LOAD_CHUNK)
            if not rows:
                break
            t, i, la, lo, k, p, r, s = zip(*rows)
            cols[0].append(np.array(t, np.int64))
            cols[1].append(np.array(i, np.int64))
            cols[2].append(np.array([np.nan if v is None else v for v in la], np.float64))
            cols[3].append(np.array([np.nan if v is None else v for v in lo], np.float64))
            cols[4].append(np.array([KIND_OF[v] for v in k], np.uint8))
            cols[5].append(np.array([PREC_OF[v] for v in p], np.uint8))
            cols[6].append(np.array(r, np.float32))
            cols[7].append(np.array([src_code[v] for v in s], np.uint16))
        cat = [np.concatenate(c) if c else None for c in cols]
        if cat[0] is None:
            self.__init__()
            return
        self.t, self.id = cat[0], cat[1]
        self.lat64, self.lon64 = cat[2], cat[3]
        self.lat, self.lon = self.lat64.astype(np.float32), self.lon64.astype(np.float32)
        self.kind, self.prec, self.radius, self.src = cat[4], cat[5], cat[6], cat[7]
        self._id_order = np.argsort(self.id, kind="stable")
        self.max_id = int(self.id.max())
        self._load_tags(conn)
        self._area_cache.clear()
        self._text_cache.clear()

    def _load_tags(self, conn: sqlite3.Connection) -> None:
        self.tags = [r[0] for r in conn.execute("SELECT DISTINCT tag FROM item_tags ORDER BY tag")]
        self.tag_code = {t: i for i, t in enumerate(self.tags)}
        items, codes = [], []
        cur = conn.execute("SELECT item_id, tag FROM item_tags")
        while True:
            rows = cur.fetchmany(LOAD_CHUNK)
            if not rows:
                break
            items.append(np.fromiter((r[0] for r in rows), np.int64, len(rows)))
            codes.append(np.fromiter((self.tag_code[r[1]] for r in rows), np.int32, len(rows)))
        ids = np.concatenate(items) if items else np.zeros(0, np.int64)
        self.tag_of = np.concatenate(codes) if codes else np.zeros(0, np.int32)
        self.tag_item = self.positions_of(ids)

    def __len__(self) -> int:
        return int(self.t.size)

    def positions_of(self, ids: np.ndarray) -> np.ndarray:
        """Index positions for item ids (ids not in the index are dropped)."""
        ids = np.asarray(ids, np.int64)
        if not self.id.size or not ids.size:
            return np.zeros(0, np.int64)
        sorted_ids = self.id[self._id_order]
        k = np.searchsorted(sorted_ids, ids)
        k = np.clip(k, 0, sorted_ids.size - 1)
        ok = sorted_ids[k] == ids
        return self._id_order[k[ok]]

    def span(self) -> tuple[int, int] | None:
        return (int(self.t[0]), int(self.t[-1])) if self.t.size else None

    # filtering ----------------------------------------------------------------
    def time_slice(self, start_ms: int | None, end_ms: int | None) -> tuple[int, int]:
        lo = 0 if start_ms is None else int(np.searchsorted(self.t, start_ms, "left"))
        hi = self.t.size if end_ms is None else int(np.searchsorted(self.t, end_ms, "left"))
        return lo, max(lo, hi)

    def _tag_mask(self, tags: tuple[str, ...]) -> np.ndarray:
        m = np.zeros(self.t.size, bool)
        codes = [self.tag_code[t] for t in tags if t in self.tag_code]
        if codes:
            m[self.tag_item[np.isin(self.tag_of, codes)]] = True
        return m

    def _area_mask(self, flt: Filter) -> np.ndarray:
        key = tuple(a.key() for a in flt.areas)
        m = self._area_cache.get(key)
        if m is None:
            am = flt.area_mask or AreaMask(())
            m = am.contains(self.lat64, self.lon64) if am.active else ~np.isnan(self.lat64)
            if len(self._area_cache) > 32:
                self._area_cache.clear()
            self._area_cache[key] = m
        return m

    def _text_mask(self, flt: Filter, conn: sqlite3.Connection) -> np.ndarray:
        key = flt.text
        m = self._text_cache.get(key)
        if m is None:
            where, params = Filter(text=flt.text).where("i")
            ids = np.fromiter((r[0] for r in conn.execute(f"SELECT i.id FROM items i WHERE {where}", params)), np.int64)
            m = np.zeros(self.t.size, bool)
            m[self.positions_of(ids)] = True
            if len(self._text_cache) > 16:
                self._text_cache.clear()
            self._text_cache[key] = m
        return m

    def static_mask(self, flt: Filter, conn: sqlite3.Connection | None = None) -> np.ndarray | None:
        """Everything but time, as one mask over all items (None = no restriction)."""
        m: np.ndarray | None = None

        def both(x: np.ndarray) -> None:
            nonlocal m
            m = x if m is None else (m & x)

        if flt.kinds:
            both(np.isin(self.kind, [KIND_OF[k] for k in flt.kinds]))
        if flt.precisions:
            both(np.isin(self.prec, [PREC_OF[p] for p in flt.precisions]))
        if flt.sources:
            codes = [self.sources.index(s) for s in flt.sources if s in self.sources]
            both(np.isin(self.src, codes))
        if flt.hashtags:
            both(self._tag_mask(flt.hashtags))
        if flt.areas:
            both(self._area_mask(flt))
        if flt.bbox is not None:
            w, s, e, n = flt.bbox
            both((self.lon64 >= w) & (self.lon64 <= e) & (self.lat64 >= s) & (self.lat64 <= n))
        if flt.text:
            if conn is None:
                raise ValueError("a text filter needs the cache connection")
            both(self._text_mask(flt, conn))
        return m

    def select(self, flt: Filter, conn: sqlite3.Connection | None = None, static: np.ndarray | None = None) -> Selection:
        lo, hi = self.time_slice(flt.start_ms, flt.end_ms)
        m = static if static is not None else self.static_mask(flt, conn)
        if m is None:
            return Selection(np.arange(lo, hi, dtype=np.int64))
        return Selection(lo + np.flatnonzero(m[lo:hi]))

    # aggregates ---------------------------------------------------------------
    def histogram(self, bin0_ms: int, bin_ms: int, nbins: int, static: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Counts per time bin for posts and field updates (everything but the time filter)."""
        lo, hi = self.time_slice(bin0_ms, bin0_ms + bin_ms * nbins)
        t = self.t[lo:hi]
        k = self.kind[lo:hi]
        if static is not None:
            keep = static[lo:hi]
            t, k = t[keep], k[keep]
        b = ((t - bin0_ms) // bin_ms).astype(np.int64)
        posts = np.bincount(b[k == 0], minlength=nbins)[:nbins]
        field = np.bincount(b[k == 1], minlength=nbins)[:nbins]
        return posts, field

    def top_tags(self, sel: Selection, n: int = 20) -> list[tuple[str, int]]:
        if not len(sel) or not self.tag_of.size:
            return []
        inside = np.zeros(self.t.size, bool)
        inside[sel.pos] = True
        codes = self.tag_of[inside[self.tag_item]]
        if not codes.size:
            return []
        counts = np.bincount(codes, minlength=len(self.tags))
        top = np.argsort(-counts, kind="stable")[:n]
        return [(self.tags[c], int(counts[c])) for c in top if counts[c] > 0]

    def in_view(self, sel: Selection, bounds: tuple[float, float, float, float]) -> np.ndarray:
        """Positions of selected items with a position inside the view bounds."""
        w, s, e, n = bounds
        p = sel.pos
        la, lo = self.lat[p], self.lon[p]
        return p[(la >= s) & (la <= n) & (lo >= w) & (lo <= e)]

    def density(self, pos: np.ndarray, bounds, zoom: float, cell_px: int = 56):
        """Aggregate points into a screen-aligned grid of about ``cell_px`` pixels.

        Cells are fixed in Web Mercator pixel space at this zoom, so panning does not make
        counts jump between cells. Returns centroid lat/lon, count and field-update count.
        """
        scale = 256.0 * 2.0 ** round(zoom)
        x = (self.lon64[pos] + 180.0) / 360.0 * scale
        s = np.sin(np.radians(np.clip(self.lat64[pos], -85.05, 85.05)))
        y = (0.5 - np.log((1 + s) / (1 - s)) / (4 * np.pi)) * scale
        cx = np.floor(x / cell_px).astype(np.int64)
        cy = np.floor(y / cell_px).astype(np.int64)
        key = cx * 4_000_000_000 + cy
        uniq, inv, counts = np.unique(key, return_inverse=True, return_counts=True)
        lat_sum = np.bincount(inv, weights=self.lat64[pos], minlength=uniq.size)
        lon_sum = np.bincount(inv, weights=self.lon64[pos], minlength=uniq.size)
        field = np.bincount(inv, weights=(self.kind[pos] == 1), minlength=uniq.size)
        return (lat_sum / counts).astype(np.float32), (lon_sum / counts).astype(np.float32), \
            counts.astype(np.uint32), field.astype(np.uint32)


__all__ = ["ItemIndex", "Selection", "Kind", "Precision"]
