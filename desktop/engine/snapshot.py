"""The map index saved next to the app's data, so a big cache opens in seconds.

Reading ten million rows out of SQLite takes most of a minute; the same columns saved
as ``.npy`` files open memory-mapped at once, and pages load as they are used. A
snapshot is tied to one cache file (its path and inode) and to the cache's write
counters (``meta`` keys 'generation' and 'rewrites', see ``cache.writer``):

- same generation and newest id: used as it is;
- only newer rows since (same 'rewrites'): used, then the newer rows are merged in;
- anything else (older items deleted or moved, another file): rebuilt from SQLite.

Files are written into a temporary folder that then replaces the old one, so a crash
while saving leaves either the old snapshot or none, never half of one.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from desktop.engine.cellindex import CellIndex
from desktop.engine.columns import ColumnIndex, Columns
from desktop.engine.source import CacheState, snapshot_dir
from desktop.engine.unit_tracks import UnitTracks

FORMAT = 4  # 4: the location confidence column
BASE_NAMES = ("t", "id", "lat64", "lon64", "mx", "my", "kind", "prec", "radius", "conf", "src", "cell")
TAG_NAMES = ("tag_item", "tag_of")
SPARE_MIN = 65_536  # rows of room saved after the last one, for live items to land in


class IdMap:
    """Item id -> index position. Ids are SQLite rowids, nearly dense, so an array indexed
    by id answers a lookup with one gather; a very sparse id range keeps sorted pairs."""

    def __init__(self) -> None:
        self.base = 0
        self.size = 0  # ids covered: base .. base + size - 1
        self.buf = np.zeros(0, np.int32)
        self.dense = True
        self.sorted_ids = np.zeros(0, np.int64)  # sparse mode only
        self.sorted_pos = np.zeros(0, np.int64)

    @classmethod
    def build(cls, ids_by_pos: np.ndarray) -> "IdMap":
        m = cls()
        if not ids_by_pos.size:
            return m
        lo, hi = int(ids_by_pos.min()), int(ids_by_pos.max())
        pos = np.arange(ids_by_pos.size, dtype=np.int64)
        if hi - lo + 1 > 4 * ids_by_pos.size + 1_000_000 or ids_by_pos.size >= 2**31:
            m.dense = False
            order = np.argsort(ids_by_pos, kind="stable")
            m.sorted_ids, m.sorted_pos = ids_by_pos[order], pos[order]
            return m
        m.base, m.size = lo, hi - lo + 1
        m.buf = np.full(m.size, -1, np.int32)
        m.buf[ids_by_pos - lo] = pos
        return m

    def get(self, ids: np.ndarray) -> np.ndarray:
        """Positions of ``ids``, -1 where an id is not in the index."""
        if self.dense and ids.size:
            k = ids - self.base
            if int(k.min()) >= 0 and int(k.max()) < self.size:  # the usual case: one gather
                return self.buf[k]
        out = np.full(ids.shape[0], -1, np.int64)
        if self.dense:
            k = ids - self.base
            ok = (k >= 0) & (k < self.size)
            out[ok] = self.buf[k[ok]]
            return out
        if self.sorted_ids.size:
            k = np.clip(np.searchsorted(self.sorted_ids, ids), 0, self.sorted_ids.size - 1)
            ok = self.sorted_ids[k] == ids
            out[ok] = self.sorted_pos[k[ok]]
        return out

    def set(self, ids: np.ndarray, pos: np.ndarray, n_total: int) -> None:
        """Record that ``ids`` now sit at ``pos`` (existing ids move; new ids are the highest)."""
        if not ids.size:
            return
        if not self.dense:
            k = np.searchsorted(self.sorted_ids, ids)
            old = (k < self.sorted_ids.size)
            old[old] = self.sorted_ids[k[old]] == ids[old]
            self.sorted_pos[k[old]] = pos[old]
            order = np.argsort(ids[~old], kind="stable")
            self.sorted_ids = np.concatenate([self.sorted_ids, ids[~old][order]])
            self.sorted_pos = np.concatenate([self.sorted_pos, pos[~old][order]])
            return
        if self.size == 0:
            self.base = int(ids.min())
        need = int(ids.max()) - self.base + 1
        if need > self.buf.shape[0] or not self.buf.flags.writeable:
            grown = np.full(max(need, int(need * 1.25), self.size + 4096), -1, np.int32)
            grown[: self.size] = self.buf[: self.size]
            self.buf = grown
        if need > self.size:
            self.buf[self.size: need] = -1
            self.size = need
        self.buf[ids - self.base] = pos

    def save(self, folder: Path, spare: int) -> dict:
        if not self.dense:
            np.save(folder / "sorted_ids.npy", self.sorted_ids)
            np.save(folder / "sorted_pos.npy", self.sorted_pos)
            return {"dense": False}
        out = np.lib.format.open_memmap(folder / "idmap.npy", mode="w+", dtype=np.int32, shape=(self.size + spare,))
        out[: self.size] = self.buf[: self.size]
        out[self.size:] = -1
        out.flush()
        del out
        return {"dense": True, "base": self.base, "size": self.size}

    @classmethod
    def open(cls, folder: Path, meta: dict) -> "IdMap":
        m = cls()
        if not meta["dense"]:
            m.dense = False
            m.sorted_ids = np.load(folder / "sorted_ids.npy")
            m.sorted_pos = np.load(folder / "sorted_pos.npy")
            return m
        m.base, m.size = meta["base"], meta["size"]
        m.buf = np.asarray(np.load(folder / "idmap.npy", mmap_mode="c"))
        return m


@dataclass
class Snapshot:
    cols: Columns
    tagc: Columns
    ids: IdMap
    units: UnitTracks
    cells: CellIndex
    sources: list[str]
    tags: list[str]
    max_id: int
    generation: int
    rewrites: int
    stale: bool  # the cache has rows newer than the snapshot


def _open(folder: Path, meta: dict, stale: bool) -> Snapshot:
    cols = Columns.open(folder / "items", list(BASE_NAMES), meta["n"])
    tagc = Columns.open(folder / "tags", list(TAG_NAMES), meta["n_tags"])
    return Snapshot(cols, tagc, IdMap.open(folder, meta["idmap"]),
                    UnitTracks.open(folder, meta["units"], meta["unit_spans"]), CellIndex.open(folder / "cells"),
                    meta["sources"], meta["tags"],
                    meta["max_id"], meta["generation"], meta["rewrites"], stale)


def open_valid(state: CacheState) -> Snapshot | None:
    """The saved snapshot of this cache if it can be used (see the module text), else None."""
    folder = snapshot_dir(state)
    try:
        meta = json.loads((folder / "meta.json").read_text("utf-8"))
        if meta.get("format") != FORMAT or not state.same_file(meta) or meta["rewrites"] != state.rewrites \
                or meta["max_id"] > state.max_id or meta["generation"] > state.generation:
            return None
        stale = (meta["generation"], meta["max_id"]) != (state.generation, state.max_id)
        return _open(folder, meta, stale)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing or damaged: rebuilt from the cache


def save(index: ColumnIndex, state: CacheState) -> Snapshot:
    """Write the index's columns for this cache file and open them again (memory-mapped)."""
    folder = snapshot_dir(state)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(f"{folder.name}.tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    n = len(index)
    spare = max(SPARE_MIN, n // 8)
    base = Columns(n)
    for name in BASE_NAMES:
        base.adopt(name, index.cols[name])
    base.save(tmp / "items", spare)
    return _finish(index, state, tmp, spare)


def _finish(index: ColumnIndex, state: CacheState, tmp: Path, spare: int) -> Snapshot:
    """Write everything but the item columns (already in ``tmp/items``), then put the
    folder in place: its ``meta.json`` is written last, and only a complete folder is renamed."""
    folder = snapshot_dir(state)
    n = len(index)
    index.tagc.save(tmp / "tags", max(SPARE_MIN, index.tagc.n // 8))
    index.cells.save(tmp / "cells")
    meta = {
        "format": FORMAT, "path": state.path, "device": state.device, "inode": state.inode,
        "generation": index.generation, "rewrites": index.rewrites, "max_id": index.max_id,
        "n": n, "n_tags": index.tagc.n, "sources": index.sources, "tags": index.tags,
        "units": index.units.names, "unit_spans": index.units.save(tmp),
        "idmap": index.ids.save(tmp, spare), "cells": len(index.cells),
    }
    (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
    old = folder.with_name(f"{folder.name}.old{os.getpid()}")
    if folder.exists():
        os.replace(folder, old)
    os.replace(tmp, folder)
    shutil.rmtree(old, ignore_errors=True)
    return _open(folder, meta, False)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


class Draft:
    """A snapshot written while the index loads: the item columns are memory-mapped files
    in a temporary folder that the loader fills chunk by chunk (at their final positions),
    so nothing is copied when the load completes. Only :meth:`commit` (after the last
    chunk) writes ``meta.json`` and renames the folder into place: a cancelled or crashed
    load leaves a temporary folder that :func:`open_valid` never reads (and the next draft
    of the same cache, or :func:`discard`, removes)."""

    _seq = 0

    def __init__(self, state: CacheState, n: int, dtypes: dict[str, np.dtype]) -> None:
        folder = snapshot_dir(state)
        folder.parent.mkdir(parents=True, exist_ok=True)
        for p in folder.parent.glob(f"{folder.name}.tmp*"):  # left by a load that did not finish
            pid = p.name[len(folder.name) + 4:].split("-")[0]
            if not pid.isdigit() or int(pid) == os.getpid() or not _alive(int(pid)):
                shutil.rmtree(p, ignore_errors=True)
        Draft._seq += 1
        self.state = state
        self.tmp = folder.with_name(f"{folder.name}.tmp{os.getpid()}-{Draft._seq}")
        self.spare = max(SPARE_MIN, n // 8)
        (self.tmp / "items").mkdir(parents=True)
        self.bufs = {name: np.lib.format.open_memmap(self.tmp / "items" / f"{name}.npy", mode="w+", dtype=dtypes[name],
                                                     shape=(n + self.spare,)) for name in BASE_NAMES}

    def commit(self, index: ColumnIndex) -> Snapshot:
        """The index is complete (its base columns are this draft's buffers): save the rest
        and open the snapshot."""
        for buf in self.bufs.values():
            buf.flush()
        self.bufs = {}
        if not (self.tmp / "items").is_dir():  # discarded meanwhile (an erasure): save nothing
            raise FileNotFoundError(f"index snapshot draft {self.tmp} was removed")
        return _finish(index, self.state, self.tmp, self.spare)

    def abandon(self) -> None:
        self.bufs = {}
        shutil.rmtree(self.tmp, ignore_errors=True)


def discard(state: CacheState) -> bool:
    """Delete the saved snapshot of this cache file, and any half-written one (after an
    erasure: the snapshot holds the erased items' hashtags and positions). True if one was there."""
    folder = snapshot_dir(state)
    found = False
    for p in (folder, *folder.parent.glob(f"{folder.name}.tmp*"), *folder.parent.glob(f"{folder.name}.old*")):
        if p.exists():
            found = True
            shutil.rmtree(p)
    return found
