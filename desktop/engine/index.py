"""The interactive path: an in-memory, time-sorted index of every item.

SQLite stays the durable store; this index answers the questions a slider drag asks
(which items are in the window, in these areas, with these tags; how many per time
bin; which hashtags lead) with numpy over columns, so a step costs what the screen
needs rather than a query over the whole cache. Counts match ``desktop.cache.query``
exactly (tests check it).

Opening a big cache would mean reading every row; instead the columns are saved as a
snapshot (``index_snapshot``) and memory-mapped on the next start. Live items are
merged in with :meth:`ItemIndex.append_new`, which reads only rows newer than the
index and moves only the rows that sort after them.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

import numpy as np

from desktop.cache import triage as triage_store
from desktop.engine import snapshot as index_snapshot
from desktop.engine.areagrid import area_contains, mercator
from desktop.engine.cellindex import CellIndex
from desktop.engine.columns import Columns, merge_slots, moved_positions
from desktop.engine.loading import CacheChanged, IndexLoad
from desktop.core.filters import Filter
from desktop.core.geo import AreaMask
from desktop.engine.source import Rows, cache_state, give_back_memory, read_all, read_since, read_tx, rewrites
from desktop.core.model import KIND_CODES, PRECISION_CODES, Kind, Precision
from desktop.core.triage import PRIORITY_CODE, STATE_CODE
from desktop.core.uncertainty import PLACE_CONFIDENCE, circle_reaches, is_uncertain, passes_confidence, possibly_in
from desktop.engine.unit_tracks import UnitTracks

log = logging.getLogger("sitmap.index")

KIND_OF = {k.value: c for k, c in KIND_CODES.items()}
PREC_OF = {p.value: c for p, c in PRECISION_CODES.items()}
BASE = {"t": np.int64, "id": np.int64, "lat64": np.float64, "lon64": np.float64, "mx": np.uint32, "my": np.uint32,
        "kind": np.uint8, "prec": np.uint8, "radius": np.float32, "conf": np.float32, "src": np.uint16,
        "cell": np.int32}  # conf: location confidence (core.uncertainty; NaN: none)
TAGS = {"tag_item": np.int64, "tag_of": np.int32}
# Triage codes (positions in core.triage STATES / PRIORITIES; 0 = new / routine). Not in the
# snapshot: they change without new items, so they are read from the (small) triage table
# whenever the index is built or opened, and kept current by set_triage / sync_triage.
TRIAGE = {"state": np.uint8, "priority": np.uint8}
MAX_MASKS = {"static": 6, "area": 8, "possibly": 8, "text": 4}  # cached masks per kind (each one byte per item)


@dataclass
class Selection:
    """Positions (into the index arrays) of the items a filter matched, in time order."""

    pos: np.ndarray

    def __len__(self) -> int:
        return int(self.pos.size)


@dataclass(frozen=True)
class Change:
    """What the last :meth:`ItemIndex.append_new` did: the new rows' positions (sorted)."""

    version: int
    new_pos: np.ndarray
    first_moved: int  # rows from here on moved (positions before it are unchanged)


class _NewRows:
    """New rows in id order, shaped like the index for mask evaluation."""

    def __init__(self, rows: Rows, cols: dict[str, np.ndarray]) -> None:
        c = cols
        self.id, self.kind, self.prec, self.src = c["id"], c["kind"], c["prec"], c["src"]
        self.radius, self.conf = c["radius"], c["conf"]
        self.state, self.priority = c["state"], c["priority"]
        self.lat64, self.lon64, self.mx, self.my = c["lat64"], c["lon64"], c["mx"], c["my"]
        self.tag_item = np.searchsorted(self.id, rows.tag_ids)
        self.tag_of = rows.tag_codes
        self.n = self.id.shape[0]


def _default_conf(prec: np.ndarray) -> np.ndarray:
    """Confidence by precision alone, for rows read without one (1 exact, the fixed place
    value, NaN otherwise: an inferred item's own value comes from the cache)."""
    return np.select([prec == PREC_OF["exact"], prec == PREC_OF["place"]], [1.0, PLACE_CONFIDENCE],
                     np.nan).astype(np.float32)


def _per_bin(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Sum of boolean ``x`` between consecutive ``edges`` (the last edge is ``x.size``)."""
    # One count per bin (a few hundred bins): count_nonzero runs at memory speed, where a
    # running sum would write eight bytes per item and reduceat converts item by item.
    return np.fromiter((np.count_nonzero(x[a:b]) for a, b in zip(edges[:-1].tolist(), edges[1:].tolist())),
                       np.int64, edges.size - 1)


def _area_on(flt: Filter, r) -> np.ndarray:
    am = flt.area_mask or AreaMask(())
    if not am.active:
        return ~np.isnan(r.lat64)
    if isinstance(r, ItemIndex):  # the whole index: by cell (see cellindex)
        centre = r.cells.contains(am, r)
    else:
        centre = area_contains(am, r.lat64, r.lon64, r.mx, r.my)
    # A place or inferred item's circle must not be much larger than the area (the same rule
    # as AreaMask.admits, which the cache's queries apply).
    return am.rule.admit(centre, is_uncertain(r.prec), r.radius, r.lat64, r.lon64)


def _possibly_on(flt: Filter, r) -> np.ndarray:
    """Place and inferred items "possibly in" the filter's areas: their circle reaches the
    included areas, but the rule does not count them in (core.uncertainty.possibly_in)."""
    n = r.n if isinstance(r, _NewRows) else len(r)
    out = np.zeros(n, bool)
    am = flt.area_mask
    if am is None or am.include is None:
        return out
    cand = is_uncertain(r.prec) & (r.radius > 0)
    k = np.flatnonzero(cand)
    if not k.size:
        return out
    if isinstance(r, ItemIndex):
        return _possibly_on_index(flt, r, out)
    admitted = _area_on(flt, r)[k]
    excluded = None
    if am.exclude is not None:
        excluded = AreaMask([a for a in flt.areas if a.exclude]).contains(r.lat64[k], r.lon64[k])
    out[k] = possibly_in(am.include, admitted, np.ones(k.size, bool), r.lat64[k], r.lon64[k], r.radius[k], excluded)
    return out


def _possibly_on_index(flt: Filter, idx: "ItemIndex", out: np.ndarray) -> np.ndarray:
    """:func:`_possibly_on` over the whole index, testing each distinct circle once: places
    and gazetteer matches repeat (a district's centre, a landmark), so at 1M there are a few
    thousand circles for hundreds of thousands of items. The same answer as
    core.uncertainty.possibly_in, which tests every candidate's circle."""
    am = flt.area_mask
    k, rep, inv = idx.circle_groups()
    if not k.size:
        return out
    cand = ~idx._area_mask(flt)[k]
    if am.exclude is not None:
        cand &= ~AreaMask([a for a in flt.areas if a.exclude]).contains(idx.lat64[k], idx.lon64[k])
    if not cand.any():
        return out
    needed = np.zeros(rep.size, bool)
    needed[inv[cand]] = True
    need = np.flatnonzero(needed)
    at = k[rep[need]]
    reach = np.zeros(rep.size, bool)
    reach[need] = circle_reaches(am.include, idx.lat64[at], idx.lon64[at], idx.radius[at].astype(np.float64))
    out[k] = cand & reach[inv]
    return out


def _text_on(ids: np.ndarray, r: _NewRows) -> np.ndarray:
    """Mask over new rows (id order) of those whose id is in ``ids``."""
    k = np.searchsorted(r.id, ids)
    hit = k < r.n
    hit[hit] = r.id[k[hit]] == ids[hit]
    m = np.zeros(r.n, bool)
    m[k[hit]] = True
    return m


class ItemIndex:
    """Columns of all items sorted by (time, id). Items without a position are kept too
    (the feed lists them) and have NaN lat/lon."""

    def __init__(self) -> None:
        self.cols = Columns(0)
        for name, dt in {**BASE, **TRIAGE}.items():
            self.cols.add(name, np.zeros(0, dt))
        self.tagc = Columns(0)
        for name, dt in TAGS.items():
            self.tagc.add(name, np.zeros(0, dt))
        self.ids = index_snapshot.IdMap()
        self.units = UnitTracks()
        self.cells = CellIndex()
        self.sources: list[str] = []
        self.tags: list[str] = []
        self.tag_code: dict[str, int] = {}
        self._tag_rank = np.zeros(0, np.int64)
        self._masks: OrderedDict[tuple, str] = OrderedDict()  # key -> mask column name
        self._mask_eval: dict[str, Callable[[_NewRows, sqlite3.Connection, int], np.ndarray]] = {}
        self._mask_seq = 0
        self.max_id = 0
        self.version = 0  # grows with every change
        self.epoch = 0  # grows with every full (re)load: positions and ids seen before mean nothing
        self.last_change: Change | None = None
        self.generation = 0
        self.rewrites = 0
        self.snapshot_state: str = "none"  # how the last load went: none, rebuilt, snapshot, snapshot+append, partial
        self.loaded_from_ms: int | None = None  # a partial index (a load cancelled or under way): its oldest time
        self.triage_version = 0  # grows whenever triage or incident membership changed
        self._triage_stamp: tuple[int, int] | None = None  # the cache's triage stamp the columns describe
        self._f32: tuple | None = None

    # columns ----------------------------------------------------------------------
    t = property(lambda self: self.cols["t"])
    id = property(lambda self: self.cols["id"])
    lat64 = property(lambda self: self.cols["lat64"])
    lon64 = property(lambda self: self.cols["lon64"])
    mx = property(lambda self: self.cols["mx"])
    my = property(lambda self: self.cols["my"])
    kind = property(lambda self: self.cols["kind"])
    prec = property(lambda self: self.cols["prec"])
    radius = property(lambda self: self.cols["radius"])
    conf = property(lambda self: self.cols["conf"])  # location confidence (float32; NaN: none)
    src = property(lambda self: self.cols["src"])
    state = property(lambda self: self.cols["state"])  # triage state code per item (core.triage.STATES)
    priority = property(lambda self: self.cols["priority"])  # triage priority code (core.triage.PRIORITIES)
    tag_item = property(lambda self: self.tagc["tag_item"])  # position of the item of each tag entry (sorted)
    tag_of = property(lambda self: self.tagc["tag_of"])  # tag code of each entry

    @property
    def lat(self) -> np.ndarray:
        return self._float32()[0]

    @property
    def lon(self) -> np.ndarray:
        return self._float32()[1]

    def _float32(self) -> tuple:
        if self._f32 is None or self._f32[0] != self.version:
            self._f32 = (self.version, self.lat64.astype(np.float32), self.lon64.astype(np.float32))
        return self._f32[1:]

    def __len__(self) -> int:
        return self.cols.n

    # building -----------------------------------------------------------------------
    @classmethod
    def load(cls, conn: sqlite3.Connection, *, snapshot: bool = True, progress=None) -> "ItemIndex":
        """The index of the cache behind ``conn``; from its snapshot when that is still valid
        (else read in chunks; ``progress`` as in :meth:`reload`)."""
        idx = cls()
        idx.reload(conn, snapshot=snapshot, progress=progress)
        idx.circle_groups()  # while loading, so the first district filter does not pay for it
        return idx

    @staticmethod
    def snapshot_usable(conn: sqlite3.Connection) -> bool:
        """Whether :meth:`load` would open a saved snapshot (or the cache has no file, which
        the one-shot read serves) rather than read every row in chunks."""
        with read_tx(conn):
            state = cache_state(conn)
            return state is None or index_snapshot.open_valid(state) is not None

    @classmethod
    def start_load(cls, conn: sqlite3.Connection, **kw) -> IndexLoad:
        """A chunked load of every row, most recent first (``engine.loading``), not yet run:
        step it, or ``run`` it. Keywords go to :class:`IndexLoad`."""
        return IndexLoad(conn, cls, BASE, TRIAGE, **kw)

    def circle_groups(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The place and inferred items with a radius (positions ``k``) grouped by distinct
        circle (centre and radius): ``rep`` one member of each group (positions into
        ``k``), ``inv`` each member's group. Kept until the index changes."""
        key = (self.epoch, self.version, len(self), self.max_id)
        got = getattr(self, "_circles", None)
        if got is not None and got[0] == key:
            return got[1]
        k = np.flatnonzero(is_uncertain(self.prec) & (self.radius > 0))
        if k.size:
            la, lo, rk = self.lat64[k], self.lon64[k], self.radius[k]
            order = np.lexsort((rk, lo, la))
            sla, slo, srk = la[order], lo[order], rk[order]
            first = np.ones(order.size, bool)
            first[1:] = (sla[1:] != sla[:-1]) | (slo[1:] != slo[:-1]) | (srk[1:] != srk[:-1])
            inv = np.empty(order.size, np.intp)
            inv[order] = np.cumsum(first) - 1
            rep = order[first]
        else:
            rep, inv = np.zeros(0, np.intp), np.zeros(0, np.intp)
        value = (k, rep, inv)
        self._circles = (key, value)
        return value

    def reload(self, conn: sqlite3.Connection, *, snapshot: bool = True, chunked: bool = True,
               progress=None) -> None:
        """Bring the index to the cache's current state: the saved snapshot if it still
        describes the cache (plus rows added since), otherwise every row, then saved.

        Every row is read in time chunks on reader threads (``engine.loading``; ``progress``
        gets a ``loading.Progress`` after each chunk), or with ``chunked=False`` (and for a
        cache without a file, or inside the caller's transaction) in one read in id order."""
        if chunked and not conn.in_transaction:
            with read_tx(conn):
                state = cache_state(conn)
                snap_ok = snapshot and state is not None and index_snapshot.open_valid(state) is not None
            if state is not None and not snap_ok:
                for attempt in (1, 2):
                    load = self.start_load(conn, snapshot=snapshot, like=self)
                    try:
                        new = load.run(progress)
                        break
                    except CacheChanged:  # older items deleted while reading: once more, from that state
                        if attempt == 2:
                            raise
                    finally:
                        load.close()
                self.__dict__.clear()
                self.__dict__.update(new.__dict__)
                self.last_change = None
                return
        with read_tx(conn):
            state = cache_state(conn)
            snap = index_snapshot.open_valid(state) if snapshot and state is not None else None
            if snap is None:
                rows = read_all(conn)
            tri, tri_stamp = triage_store.codes(conn), triage_store.stamp(conn)
        version, epoch = self.version + 1, self.epoch + 1  # what was computed before is out of date
        tri_version = self.triage_version + 1
        if snap is not None:
            self._adopt(snap)
            self.version, self.epoch, self.triage_version = version, epoch, tri_version
            self._apply_codes(*tri)
            self._triage_stamp = tri_stamp
            extra = self.append_new(conn) if snap.stale else 0
            self.snapshot_state = "snapshot+append" if snap.stale else "snapshot"
            if extra > max(100_000, len(self) // 50):  # many rows since: save so the next start skips them
                self._save(state)
            return
        self.__init__()
        self.version, self.epoch, self.triage_version = version, epoch, tri_version
        self._build(rows)
        del rows
        self._apply_codes(*tri)
        self._triage_stamp = tri_stamp
        give_back_memory()
        self.generation, self.rewrites = (state.generation, state.rewrites) if state else (0, rewrites(conn))
        self.snapshot_state = "rebuilt"
        if snapshot and state is not None and len(self):
            self._save(state)

    def _build(self, rows: Rows) -> None:
        c = rows.cols
        order = np.argsort(c["t"], kind="stable")  # rows come in id order: ties stay in id order
        n = order.size
        self.cols = Columns(n)
        mx, my = mercator(c["lat64"], c["lon64"])
        self.cells = CellIndex()
        c = {"conf": _default_conf(c["prec"]), **c, "mx": mx, "my": my, "cell": self.cells.assign(mx, my)}
        for name in BASE:
            self.cols.add(name, c[name][order])
        for name, dt in TRIAGE.items():
            self.cols.add(name, np.zeros(n, dt))
        self.ids = index_snapshot.IdMap.build(self.id)
        self._set_tags(rows.tags)
        self.sources = rows.sources
        tag_pos = self.ids.get(rows.tag_ids)
        ok = tag_pos >= 0
        tag_pos, tag_codes = tag_pos[ok], rows.tag_codes[ok]
        t_order = np.argsort(tag_pos, kind="stable")
        self.tagc = Columns(int(t_order.size))
        self.tagc.add("tag_item", tag_pos[t_order].astype(np.int64))
        self.tagc.add("tag_of", tag_codes[t_order].astype(np.int32))
        self.units = UnitTracks()
        self.units.add(rows.units, c["unit"], c["t"], c["id"], c["lat64"], c["lon64"])
        self.max_id = int(c["id"].max()) if n else 0

    def _set_tags(self, tags: list[str]) -> None:
        self.tags = list(tags)
        self.tag_code = {t: i for i, t in enumerate(self.tags)}
        rank = np.empty(len(self.tags), np.int64)
        rank[np.argsort(np.array(self.tags, dtype=object), kind="stable")] = np.arange(len(self.tags))
        self._tag_rank = rank

    def _adopt(self, snap: "index_snapshot.Snapshot") -> None:
        self.__init__()
        self.cols, self.tagc, self.ids, self.units, self.cells = snap.cols, snap.tagc, snap.ids, snap.units, snap.cells
        for name, dt in TRIAGE.items():
            self.cols.add(name, np.zeros(len(self), dt), spare=max(0, self.cols.capacity() - len(self)))
        self.sources = snap.sources
        self._set_tags(snap.tags)
        self.max_id, self.generation, self.rewrites = snap.max_id, snap.generation, snap.rewrites

    def _save(self, state) -> None:
        try:
            snap = index_snapshot.save(self, state)
        except OSError as exc:  # a read-only or full disk only costs the next start its speed
            log.warning("index snapshot not saved: %s", exc)
            return
        masks = {name: self.cols[name] for name in self.cols.names() if name not in BASE}
        self.cols, self.tagc, self.ids = snap.cols, snap.tagc, snap.ids  # same data, now file-backed
        for name, m in masks.items():
            self.cols.add(name, m)

    # live ingest --------------------------------------------------------------------
    def append_new(self, conn: sqlite3.Connection, limit: int | None = None) -> int:
        """Merge rows added to the cache since the index was built (ids above ``max_id``),
        keeping time order; at most ``limit`` of them per call, so a caller that also
        answers the map can bound each call's time. Returns how many were added. If the
        cache deleted or changed older items meanwhile (its 'rewrites' count moved),
        everything is read again."""
        with read_tx(conn):
            if rewrites(conn) != self.rewrites:
                full = True
            elif (conn.execute("SELECT max(id) FROM items").fetchone()[0] or 0) <= self.max_id:
                return 0  # nothing new: the usual answer, in two lookups
            else:
                full = False
                rows = read_since(conn, self.max_id, self.sources, self.tags, self.units.names, limit)
                gen = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        if full:
            log.info("cache rewritten since the index was built: reading it again")
            before = len(self)
            self.reload(conn)
            self.last_change = None
            return max(0, len(self) - before)
        self.generation = int(gen[0]) if gen else self.generation
        if not len(rows):
            return 0
        self._merge(rows, conn)
        return len(rows)

    def _merge(self, rows: Rows, conn: sqlite3.Connection) -> None:
        c = rows.cols
        k, n_old = len(rows), len(self)
        after = self.max_id
        mx, my = mercator(c["lat64"], c["lon64"])
        c = {"conf": _default_conf(c["prec"]), **c, "mx": mx, "my": my, "cell": self.cells.assign(mx, my),
             **self._new_codes(conn, c["id"], after)}
        self.sources = rows.sources
        self._set_tags(rows.tags)
        new = _NewRows(rows, c)
        order = np.argsort(c["t"], kind="stable")
        values = {name: c[name][order] for name in {**BASE, **TRIAGE}}
        for name, evaluate in list(self._mask_eval.items()):  # cached masks learn the new rows too
            values[name] = evaluate(new, conn, after)[order]
        p, slots = merge_slots(self.t, values["t"])
        self.cols.merge(p, slots, values)
        moved, new_pos = moved_positions(p, slots, n_old, k)
        self.ids.set(self.id[moved], moved, len(self))
        self.ids.set(values["id"], new_pos, len(self))
        # Hashtag entries stay sorted by item position: renumber the moved ones, merge the new.
        if moved.size:
            q = int(np.searchsorted(self.tag_item, p))
            self.tagc["tag_item"][q:] = moved[self.tag_item[q:] - p]
        rank = np.empty(k, np.int64)
        rank[order] = np.arange(k)
        e_pos = new_pos[rank[new.tag_item]]
        e_order = np.argsort(e_pos, kind="stable")
        e_pos, e_codes = e_pos[e_order], rows.tag_codes[e_order]
        tp, tslots = merge_slots(self.tag_item, e_pos)
        self.tagc.merge(tp, tslots, {"tag_item": e_pos.astype(np.int64), "tag_of": e_codes.astype(np.int32)})
        self.units.add(rows.units, c["unit"], c["t"], c["id"], c["lat64"], c["lon64"])
        self.max_id = max(self.max_id, int(c["id"].max()))
        self.version += 1
        self.last_change = Change(self.version, new_pos, p)

    # triage --------------------------------------------------------------------------
    def _new_codes(self, conn: sqlite3.Connection | None, ids: np.ndarray, after: int) -> dict[str, np.ndarray]:
        """State and priority codes of new rows (``ids`` in id order, all above ``after``):
        an item may be triaged before the index has merged it."""
        out = {name: np.zeros(ids.shape[0], dt) for name, dt in TRIAGE.items()}
        if conn is None or not ids.size:
            return out
        rows = conn.execute("SELECT item_id, state, priority FROM triage WHERE item_id > ?", (after,)).fetchall()
        if rows:
            tid = np.fromiter((r[0] for r in rows), np.int64, len(rows))
            k = np.searchsorted(ids, tid)
            ok = k < ids.shape[0]
            ok[ok] = ids[k[ok]] == tid[ok]
            out["state"][k[ok]] = np.fromiter((STATE_CODE[r[1]] for r in rows), np.uint8, len(rows))[ok]
            out["priority"][k[ok]] = np.fromiter((PRIORITY_CODE[r[2]] for r in rows), np.uint8, len(rows))[ok]
        return out

    def _apply_codes(self, ids: np.ndarray, states: np.ndarray, priorities: np.ndarray) -> None:
        """Set every item's codes from the triage table's (items without a row: 0, 0)."""
        self.cols["state"][:] = 0
        self.cols["priority"][:] = 0
        pos = self.ids.get(np.asarray(ids, np.int64)) if len(self) else np.zeros(0, np.int64)
        ok = pos >= 0
        self.cols["state"][pos[ok]] = states[ok]
        self.cols["priority"][pos[ok]] = priorities[ok]

    def set_triage(self, item_ids, state_code: int | None = None, priority_code: int | None = None) -> None:
        """Give these items a new state and/or priority code (None: unchanged), in place, after
        the cache's triage changed (ids not in the index are ignored: they arrive with their
        codes). Masks that depend on triage are computed afresh at their next use."""
        pos = self.positions_of(np.atleast_1d(np.asarray(item_ids, np.int64)))
        if state_code is not None:
            self.cols["state"][pos] = np.uint8(state_code)
        if priority_code is not None:
            self.cols["priority"][pos] = np.uint8(priority_code)
        self.triage_changed()

    def triage_changed(self) -> None:
        """Forget what was derived from triage or incidents (a category or an incident's items
        changed): the cached masks of such filters, and ``triage_version`` moves on."""
        for key in [k for k in self._masks if k[0] == "static" and k[1].uses_triage]:
            name = self._masks.pop(key)
            self.cols.drop(name)
            self._mask_eval.pop(name, None)
        self.triage_version += 1

    def sync_triage(self, conn: sqlite3.Connection) -> bool:
        """Catch up with triage and incident changes written by any connection (two key
        lookups when nothing changed); True if something had."""
        with read_tx(conn):
            stamp = triage_store.stamp(conn)
            if stamp == self._triage_stamp:
                return False
            tri = triage_store.codes(conn)
        self._apply_codes(*tri)
        self._triage_stamp = stamp
        self.triage_changed()
        return True

    def _triage_ids(self, flt: Filter, conn: sqlite3.Connection, after: int) -> np.ndarray:
        """Ids above ``after`` with any of the filter's triage categories and in its incident."""
        where, params = Filter(triage_tags=flt.triage_tags, incident=flt.incident).where("i")
        rows = conn.execute(f"SELECT i.id FROM items i WHERE {where} AND i.id > ?", params + [after]).fetchall()
        return np.fromiter((r[0] for r in rows), np.int64, len(rows))

    # lookups -------------------------------------------------------------------------
    def positions_of(self, ids: np.ndarray) -> np.ndarray:
        """Index positions for item ids (ids not in the index are dropped)."""
        pos = self.ids.get(np.asarray(ids, np.int64))
        return pos if not pos.size or pos.min() >= 0 else pos[pos >= 0]

    def added_since(self, max_id: int) -> np.ndarray:
        """Positions (sorted) of the items appended after the one with id ``max_id``: ids are
        given in commit order, so whatever was merged meanwhile is one id range."""
        if max_id >= self.max_id:
            return np.zeros(0, np.int64)
        return np.sort(self.positions_of(np.arange(max_id + 1, self.max_id + 1, dtype=np.int64)))

    def span(self) -> tuple[int, int] | None:
        return (int(self.t[0]), int(self.t[-1])) if len(self) else None

    def time_slice(self, start_ms: int | None, end_ms: int | None) -> tuple[int, int]:
        t = self.t
        lo = 0 if start_ms is None else int(np.searchsorted(t, start_ms, "left"))
        hi = t.size if end_ms is None else int(np.searchsorted(t, end_ms, "left"))
        return lo, max(lo, hi)

    # masks -----------------------------------------------------------------------------
    def _cached(self, key: tuple, build: Callable[[], np.ndarray],
                evaluate: Callable[[_NewRows, sqlite3.Connection, int], np.ndarray]) -> np.ndarray:
        name = self._masks.get(key)
        if name is not None:
            self._masks.move_to_end(key)
            return self.cols[name]
        m = build()
        same = [k for k in self._masks if k[0] == key[0]]
        if len(same) >= MAX_MASKS[key[0]]:
            old = self._masks.pop(same[0])
            self.cols.drop(old)
            self._mask_eval.pop(old, None)
        self._mask_seq += 1
        name = f"mask{self._mask_seq}"
        self.cols.add(name, m, spare=max(0, self.cols.capacity() - len(self)))
        self._masks[key] = name
        self._mask_eval[name] = evaluate
        return self.cols[name]

    def _area_mask(self, flt: Filter) -> np.ndarray:
        return self._cached(("area", tuple(a.key() for a in flt.areas)), lambda: _area_on(flt, self),
                            lambda r, _c, _a: _area_on(flt, r))

    def possibly_mask(self, flt: Filter) -> np.ndarray:
        """Items "possibly in" the filter's areas (see :func:`_possibly_on`), cached like area masks."""
        return self._cached(("possibly", tuple(a.key() for a in flt.areas)), lambda: _possibly_on(flt, self),
                            lambda r, _c, _a: _possibly_on(flt, r))

    def _text_ids(self, text: str, conn: sqlite3.Connection, after: int) -> np.ndarray:
        where, params = Filter(text=text).where("i")
        rows = conn.execute(f"SELECT i.id FROM items i WHERE {where} AND i.id > ?", params + [after]).fetchall()
        return np.fromiter((r[0] for r in rows), np.int64, len(rows))

    def _text_mask(self, flt: Filter, conn: sqlite3.Connection) -> np.ndarray:
        def full() -> np.ndarray:
            m = np.zeros(len(self), bool)
            m[self.positions_of(self._text_ids(flt.text, conn, 0))] = True
            return m

        return self._cached(("text", flt.text), full, lambda r, c, after: _text_on(self._text_ids(flt.text, c, after), r))

    def _eval(self, flt: Filter, r, conn: sqlite3.Connection | None, after: int | None) -> np.ndarray | None:
        """Everything in ``flt`` but time, over the index (``after`` None) or over new rows."""
        m: np.ndarray | None = None

        def both(x: np.ndarray) -> None:
            nonlocal m
            m = x if m is None else (m & x)

        if flt.kinds:
            both(np.isin(r.kind, [KIND_OF[k] for k in flt.kinds]))
        if flt.precisions:
            both(np.isin(r.prec, [PREC_OF[p] for p in flt.precisions]))
        if flt.min_confidence is not None:
            both(passes_confidence(r.conf, is_uncertain(r.prec), flt.min_confidence))
        if flt.sources:
            both(np.isin(r.src, [self.sources.index(s) for s in flt.sources if s in self.sources]))
        if flt.hashtags:
            tm = np.zeros(r.n if after is not None else len(self), bool)
            codes = [self.tag_code[t] for t in flt.hashtags if t in self.tag_code]
            if codes:
                tm[r.tag_item[np.isin(r.tag_of, codes)]] = True
            both(tm)
        if flt.areas:
            both(self._area_mask(flt) if after is None else _area_on(flt, r))
        if flt.bbox is not None:
            w, s, e, n = flt.bbox
            lon, lat = r.lon64, r.lat64
            both((lon >= w) & (lon <= e) & (lat >= s) & (lat <= n))
        if flt.text:
            if conn is None:
                raise ValueError("a text filter needs the cache connection")
            both(self._text_mask(flt, conn) if after is None else _text_on(self._text_ids(flt.text, conn, after), r))
        if flt.states:
            both(np.isin(r.state, [STATE_CODE[x] for x in flt.states]))
        if flt.priorities:
            both(np.isin(r.priority, [PRIORITY_CODE[x] for x in flt.priorities]))
        if flt.triage_tags or flt.incident is not None:
            if conn is None:
                raise ValueError("a triage category or incident filter needs the cache connection")
            ids = self._triage_ids(flt, conn, 0 if after is None else after)
            if after is None:
                tm = np.zeros(len(self), bool)
                tm[self.positions_of(ids)] = True
                both(tm)
            else:
                both(_text_on(ids, r))
        return m

    def static_mask(self, flt: Filter, conn: sqlite3.Connection | None = None) -> np.ndarray | None:
        """Everything but time, as one mask over all items (None = no restriction).
        Cached per filter and kept up to date by :meth:`append_new`."""
        key = flt.with_(start_ms=None, end_ms=None)
        if not (key.kinds or key.precisions or key.sources or key.hashtags or key.areas or key.bbox or key.text
                or key.uses_triage or key.min_confidence is not None):
            return None
        if (key.text or key.triage_tags or key.incident is not None) and conn is None:
            raise ValueError("a text, triage category or incident filter needs the cache connection")

        def new(r: _NewRows, c: sqlite3.Connection, after: int) -> np.ndarray:
            m = self._eval(key, r, c, after)
            return np.ones(r.n, bool) if m is None else m

        return self._cached(("static", key), lambda: self._eval(key, self, conn, None), new)

    def select(self, flt: Filter, conn: sqlite3.Connection | None = None, static: np.ndarray | None = None) -> Selection:
        lo, hi = self.time_slice(flt.start_ms, flt.end_ms)
        m = static if static is not None else self.static_mask(flt, conn)
        if m is None:
            return Selection(np.arange(lo, hi, dtype=np.int64))
        return Selection(lo + np.flatnonzero(m[lo:hi]))

    # aggregates ------------------------------------------------------------------------
    def histogram(self, bin0_ms: int, bin_ms: int, nbins: int, static: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Counts per time bin for posts and field updates (everything but the time filter)."""
        lo, hi = self.time_slice(bin0_ms, bin0_ms + bin_ms * nbins)
        fld = self.kind[lo:hi] == 1
        if static is None:
            # Time is sorted: bin edges are binary searches; only field updates need counting.
            edges = np.searchsorted(self.t[lo:hi], bin0_ms + bin_ms * np.arange(nbins + 1, dtype=np.int64))
            field = _per_bin(fld, edges)
            return np.diff(edges) - field, field
        # Sums between the bin edges: no per-item bin arithmetic, no per-item output.
        edges = np.searchsorted(self.t[lo:hi], bin0_ms + bin_ms * np.arange(nbins + 1, dtype=np.int64))
        keep = static[lo:hi]
        field = _per_bin(keep & fld, edges)
        return _per_bin(keep, edges) - field, field

    def tag_counts(self, lo: int, hi: int, static: np.ndarray | None) -> np.ndarray:
        """Hashtag entries per tag code among items at positions [lo, hi) that pass ``static``."""
        ti = self.tag_item
        a, b = np.searchsorted(ti, lo), np.searchsorted(ti, hi)
        codes = self.tag_of[a:b]
        if static is not None:
            codes = codes[static[ti[a:b]]]
        return np.bincount(codes, minlength=len(self.tags))

    def top_from_counts(self, counts: np.ndarray, n: int = 20) -> list[tuple[str, int]]:
        """The ``n`` most used tags, ties in alphabetical order."""
        if not counts.size:
            return []
        top = np.lexsort((self._tag_rank[: counts.size], -counts))[:n]
        return [(self.tags[c], int(counts[c])) for c in top if counts[c] > 0]

    def top_tags(self, sel: Selection, n: int = 20) -> list[tuple[str, int]]:
        if not len(sel) or not self.tag_of.size:
            return []
        inside = np.zeros(len(self), bool)
        inside[sel.pos] = True
        return self.top_from_counts(np.bincount(self.tag_of[inside[self.tag_item]], minlength=len(self.tags)), n)

    def in_view(self, sel: Selection, bounds: tuple[float, float, float, float]) -> np.ndarray:
        """Positions of selected items with a position inside the view bounds."""
        w, s, e, n = bounds
        p = sel.pos
        la, lo = self.lat64[p], self.lon64[p]
        return p[(la >= s) & (la <= n) & (lo >= w) & (lo <= e)]

    def density(self, pos: np.ndarray, bounds, zoom: float, cell_px: int = 56):
        """Aggregate points into a screen-aligned grid of about ``cell_px`` pixels.

        Cells are fixed in Web Mercator pixel space at this zoom, so panning does not make
        counts jump between cells. Returns centroid lat/lon, count and field-update count.
        """
        shift = 24 - int(round(zoom))
        cw = cell_px << shift if shift >= 0 else max(1, cell_px >> -shift)
        key = (self.mx[pos].astype(np.int64) // cw) * 4_000_000_000 + self.my[pos].astype(np.int64) // cw
        uniq, inv, counts = np.unique(key, return_inverse=True, return_counts=True)
        lat_sum = np.bincount(inv, weights=self.lat64[pos], minlength=uniq.size)
        lon_sum = np.bincount(inv, weights=self.lon64[pos], minlength=uniq.size)
        field = np.bincount(inv, weights=(self.kind[pos] == 1), minlength=uniq.size)
        return (lat_sum / counts).astype(np.float32), (lon_sum / counts).astype(np.float32), \
            counts.astype(np.uint32), field.astype(np.uint32)


__all__ = ["ItemIndex", "Selection", "Change", "Kind", "Precision", "mercator", "read_tx"]
