"""Equal-length numpy columns kept in one sort order, with spare room at the end.

The map's index holds tens of millions of rows in parallel arrays. Live items arrive
a few thousand at a time; copying every array for each batch would cost far more than
the batch, so each column keeps spare capacity. Rows that sort after the last one are
written in place; rows that sort earlier move only the rows after them (for live data,
the last few minutes), never the whole array.

Columns can be saved as ``.npy`` files and opened again memory-mapped copy-on-write:
nothing is read until it is used, and a later append changes only private pages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import numpy as np

GROW = 1.25  # capacity after a reallocation, relative to the rows needed
MIN_SPARE = 4096


class ColumnIndex(Protocol):
    """What the cell index and the snapshot read from an index: its columns and
    positions. :class:`desktop.engine.index.ItemIndex` is one; naming the shape here
    keeps the lower modules from importing the index that builds on them."""

    cols: Any
    lat64: np.ndarray
    lon64: np.ndarray
    mx: np.ndarray
    my: np.ndarray

    def __len__(self) -> int: ...


class Columns:
    """Named 1-D arrays that all have ``n`` rows. ``cols[name]`` is a view of the rows in use."""

    def __init__(self, n: int = 0) -> None:
        self.n = n
        self._buf: dict[str, np.ndarray] = {}

    # access ---------------------------------------------------------------------
    def __getitem__(self, name: str) -> np.ndarray:
        return self._buf[name][: self.n]

    def __contains__(self, name: str) -> bool:
        return name in self._buf

    def names(self) -> list[str]:
        return list(self._buf)

    def capacity(self) -> int:
        return min((b.shape[0] for b in self._buf.values()), default=0)

    # columns --------------------------------------------------------------------
    def add(self, name: str, values: np.ndarray, spare: int = 0) -> None:
        """A new column holding ``values`` (exactly ``n`` of them)."""
        values = np.asarray(values)
        if values.shape[0] != self.n:
            raise ValueError(f"column {name}: {values.shape[0]} values for {self.n} rows")
        buf = np.empty(self.n + spare, values.dtype)
        buf[: self.n] = values
        self._buf[name] = buf

    def adopt(self, name: str, buf: np.ndarray) -> None:
        """Use ``buf`` (at least ``n`` long, e.g. a memory map) as the column's storage."""
        if buf.shape[0] < self.n:
            raise ValueError(f"column {name}: storage for {buf.shape[0]} rows, need {self.n}")
        self._buf[name] = buf

    def drop(self, name: str) -> None:
        self._buf.pop(name, None)

    # growing --------------------------------------------------------------------
    def _reserve(self, extra: int) -> None:
        need = self.n + extra
        for name, buf in self._buf.items():
            writable = buf.flags.writeable
            if buf.shape[0] >= need and writable:
                continue
            cap = max(need, int(need * GROW), self.n + MIN_SPARE)
            grown = np.empty(cap, buf.dtype)
            grown[: self.n] = buf[: self.n]
            self._buf[name] = grown

    def merge(self, p: int, slots: np.ndarray | None, new: dict[str, np.ndarray]) -> None:
        """Add ``k`` rows; rows ``[p, n)`` and the new ones become rows ``[p, n + k)``.

        ``slots`` (length ``n - p + k``) is True where a new row lands, in the new order;
        None means all new rows go after the last (``p == n``). ``new`` gives the new
        rows' values for every column, in their own sorted order.
        """
        k = next(iter(new.values())).shape[0] if new else 0
        if set(new) != set(self._buf):
            raise ValueError(f"merge needs values for {sorted(self._buf)}, got {sorted(new)}")
        if not k:
            return
        self._reserve(k)
        n = self.n
        keep = None if slots is None else ~slots
        for name, buf in self._buf.items():
            vals = new[name]
            if slots is None:
                buf[n: n + k] = vals
                continue
            tail = buf[p:n].copy()
            dst = buf[p: n + k]
            dst[keep] = tail
            dst[slots] = vals
        self.n = n + k

    # files ----------------------------------------------------------------------
    def save(self, folder: Path, spare: int) -> None:
        """One ``<name>.npy`` per column, ``n + spare`` long (the spare rows are zero)."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, buf in self._buf.items():
            if self.n + spare == 0:
                np.save(folder / f"{name}.npy", buf[:0])
                continue
            out = np.lib.format.open_memmap(folder / f"{name}.npy", mode="w+", dtype=buf.dtype, shape=(self.n + spare,))
            out[: self.n] = buf[: self.n]
            out.flush()
            del out

    @classmethod
    def open(cls, folder: Path, names: list[str], n: int) -> "Columns":
        """Memory-map saved columns copy-on-write (the files are never changed)."""
        cols = cls(n)
        for name in names:
            path = folder / f"{name}.npy"
            try:
                buf = np.asarray(np.load(path, mmap_mode="c"))  # a plain array over the map
            except ValueError:  # zero-length data cannot be mapped
                buf = np.load(path)
            cols.adopt(name, buf)
        return cols


def merge_slots(old_keys: np.ndarray, new_keys: np.ndarray) -> tuple[int, np.ndarray | None]:
    """Where sorted ``new_keys`` go among sorted ``old_keys`` (new after equal old ones).

    Returns ``(p, slots)`` for :meth:`Columns.merge`: ``p`` is the first old row that
    moves, ``slots`` marks the new rows in ``[p, n + k)`` (None when all go at the end).
    """
    n, k = old_keys.shape[0], new_keys.shape[0]
    if not k:
        return n, None
    p = int(np.searchsorted(old_keys, new_keys[0], "right"))
    if p == n:
        return n, None
    at = np.searchsorted(old_keys[p:], new_keys, "right") + np.arange(k)
    slots = np.zeros(n - p + k, bool)
    slots[at] = True
    return p, slots


def moved_positions(p: int, slots: np.ndarray | None, n_old: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """After a merge: the new positions of old rows ``[p, n_old)`` and of the ``k`` new rows."""
    if slots is None:
        return np.zeros(0, np.int64), np.arange(n_old, n_old + k, dtype=np.int64)
    idx = np.arange(p, p + slots.shape[0], dtype=np.int64)
    return idx[~slots], idx[slots]
