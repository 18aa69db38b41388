"""The query worker: one thread owns the index and a read connection; the window
submits requests and the newest always wins, so a slider drag never queues up work
and the GUI never waits on SQLite or numpy."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from desktop.cache import Cache, CacheError
from desktop.engine.index import ItemIndex
from desktop.engine.loading import CacheChanged, Cancelled, IndexLoad
from desktop.engine.mapdata import MapData, Request

log = logging.getLogger("sitmap.worker")
APPEND_BITE = 2500  # rows merged per step (about 28 ms at 10M items)
MERGE_TELL_S = 0.5  # while bites keep coming, the window hears of the rows merged at least this often
PUBLISH_EVERY_S = 2.0  # while a load runs, the map gets the part loaded this often (and after the first chunk)


class QueryWorker(QObject):
    indexReady = Signal(object)  # dict: span, sources, count, load_ms
    resultReady = Signal(object)  # mapdata.Result
    failed = Signal(str)
    loadProgress = Signal(object)  # dict: done, total, eta_s, span, complete, cancelled, seconds
    _wake = Signal()
    _more = Signal()
    _step_next = Signal()

    def __init__(self, db_path: Path) -> None:
        super().__init__()
        self.db_path = Path(db_path)
        self._lock = threading.Lock()
        self._pending: Request | None = None
        self.data: MapData | None = None
        self.cache: Cache | None = None
        self._wake.connect(self._process)
        self._more.connect(self.append, Qt.ConnectionType.QueuedConnection)
        self._step_next.connect(self._step, Qt.ConnectionType.QueuedConnection)
        self._load: IndexLoad | None = None  # a chunked load under way
        self._stopped: IndexLoad | None = None  # a cancelled one (its part is shown; it can go on)
        self._append_due = False
        self._merged = 0  # rows merged by the bites of this update, not yet told to the window
        self._merge_t0 = 0.0
        self._load_t0 = 0.0
        self._published_at: float | None = None

    @Slot()
    def load(self) -> None:
        """(Re)build the index: from its snapshot at once when that still describes the cache,
        else read in chunks, most recent first (engine.loading), one chunk per step so the
        map is answered in between; the part already in is shown from the first chunk on."""
        t0 = time.perf_counter()
        self._end_load()
        self._merged = 0  # the new index holds them
        try:
            if self.cache is None:
                self.cache = Cache.open_readonly(self.db_path)
            conn = self.cache.conn
            if ItemIndex.snapshot_usable(conn):
                index = ItemIndex.load(conn)
            else:
                self._load = ItemIndex.start_load(conn, like=self.data.index if self.data else None)
                self._load_t0, self._published_at = t0, None
                self._emit_progress()
                self._step_next.emit()
                return
        except CacheError as exc:
            self.failed.emit(str(exc))
            return
        except Exception as exc:  # a worker must report, never die silently
            log.exception("index load failed")
            self.failed.emit(f"cannot load the cache: {exc}")
            return
        self._publish(index, t0)

    def _publish(self, index: ItemIndex, t0: float, **extra) -> None:
        self.data = MapData(index, self.cache.conn)
        self.indexReady.emit({"span": index.span(), "sources": list(index.sources), "count": len(index),
                              "load_ms": (time.perf_counter() - t0) * 1000, "partial": index.loaded_from_ms is not None,
                              "loaded_from": index.loaded_from_ms, **extra})
        self._process()

    def _emit_progress(self, **extra) -> None:
        p = self._load.progress() if self._load is not None else None
        if p is None:
            return
        self.loadProgress.emit({"done": p.done, "total": p.total, "eta_s": p.eta_s, "span": p.span,
                                "complete": p.complete, "seconds": p.seconds, "cancelled": False, **extra})

    @Slot()
    def _step(self) -> None:
        """One chunk of a running load; answers waiting requests, then queues the next."""
        load = self._load
        if load is None:
            return
        try:
            done = load.step()
        except Cancelled:
            self._cancelled()
            return
        except CacheChanged:
            log.info("the cache changed under the index load: starting again")
            self.load()
            return
        except Exception as exc:
            log.exception("index load failed")
            self.failed.emit(f"cannot load the cache: {exc}")
            self._cancelled()
            return
        now = time.perf_counter()
        if done:
            self._load = None
            self._emit_progress_of(load)
            self._publish(load.index, self._load_t0)
            # Rows committed during the load (or merged into a cancelled part) come in now.
            self._append_due = False
            self._more.emit()
            return
        if self._published_at is None or now - self._published_at >= PUBLISH_EVERY_S:
            self._published_at = now
            self._publish(load.partial(), self._load_t0)
        self._emit_progress()
        self._process()
        self._step_next.emit()

    def _emit_progress_of(self, load, **extra) -> None:
        keep, self._load = self._load, load
        try:
            self._emit_progress(**extra)
        finally:
            self._load = keep

    def _cancelled(self) -> None:
        """The load stopped: the part already in stays in use (and can be completed)."""
        load = self._load
        if load is None:
            return
        self._stopped = load
        self._load = None
        if load.placed:
            self._publish(load.partial(), self._load_t0)
        self._emit_progress_of(load, cancelled=True)
        if self._append_due:
            self._append_due = False
            self._more.emit()

    def cancel_load(self) -> None:
        """Thread-safe: stop the running load after (or inside) the chunk being read."""
        load = self._load
        if load is not None:
            load.request_cancel()

    @Slot()
    def load_rest(self) -> None:
        """After a cancel: go on from where the load stopped (or start again if the cache
        changed meanwhile)."""
        load, self._stopped = self._stopped, None
        if load is None or self._load is not None:
            return
        if load.resume():
            self._load = load
            self._load_t0, self._published_at = time.perf_counter(), time.perf_counter()
            self._emit_progress()
            self._step_next.emit()
        else:
            load.close()
            self.load()

    def _end_load(self) -> None:
        for load in (self._load, self._stopped):
            if load is not None:
                load.close()
        self._load = self._stopped = None

    @property
    def loading(self) -> bool:
        return self._load is not None

    @Slot()
    def append(self) -> None:
        """New rows were committed (a live feed, an import): merge them, then redraw."""
        if self._load is not None:  # merged when the load is complete (or cancelled)
            self._append_due = True
            return
        if self.data is None or self.cache is None:
            self.load()
            return
        # A waiting request is answered first; new rows then go in bites so a flood never
        # holds the worker long, and the window's sums take them in without starting over.
        # The window hears once the bites have caught up (or every MERGE_TELL_S while they
        # keep coming): a redraw per bite was a redraw the window's thread drew for nothing.
        self._process()
        t0 = time.perf_counter()
        try:
            added = self.data.append_new(APPEND_BITE)
        except Exception as exc:
            log.exception("index update failed")
            self.failed.emit(f"cannot update the index: {exc}")
            return
        if added:
            if not self._merged:
                self._merge_t0 = t0
            self._merged += added
        if added >= APPEND_BITE and time.perf_counter() - self._merge_t0 < MERGE_TELL_S:
            self._more.emit()  # the rest after whatever is queued meanwhile
            return
        if self._merged:
            idx = self.data.index
            self.indexReady.emit({"span": idx.span(), "sources": list(idx.sources), "count": len(idx),
                                  "load_ms": (time.perf_counter() - self._merge_t0) * 1000, "added": self._merged})
            self._merged = 0
        if added >= APPEND_BITE:
            self._more.emit()
            return
        self._process()

    def submit(self, req: Request) -> None:
        """Thread-safe; replaces any request not yet started."""
        with self._lock:
            self._pending = req
            self._submitted = time.perf_counter()
        self._wake.emit()

    @Slot()
    def _process(self) -> None:
        with self._lock:
            req, self._pending = self._pending, None
            submitted = getattr(self, "_submitted", None)
        if req is None or self.data is None:
            if req is not None:
                with self._lock:
                    self._pending = self._pending or req
            return
        t0 = time.perf_counter()
        try:
            res = self.data.compute(req)
        except Exception as exc:
            log.exception("query failed")
            self.failed.emit(f"query failed: {exc}")
            return
        res.compute_ms = (time.perf_counter() - t0) * 1000
        res.waited_ms = (t0 - submitted) * 1000 if submitted is not None else 0.0
        self.resultReady.emit(res)

    def close(self) -> None:
        self._end_load()
        if self.cache is not None:
            self.cache.close()
            self.cache = None


class WorkerThread:
    """Owns the thread; stops it cleanly (tests fail on dangling threads)."""

    def __init__(self, db_path: Path) -> None:
        self.thread = QThread()
        self.thread.setObjectName("sitmap-query")
        self.worker = QueryWorker(db_path)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.load)
        self.thread.start()

    def reload(self) -> None:
        from PySide6.QtCore import QMetaObject, Qt

        QMetaObject.invokeMethod(self.worker, "load", Qt.ConnectionType.QueuedConnection)

    def append(self) -> None:
        from PySide6.QtCore import QMetaObject, Qt

        QMetaObject.invokeMethod(self.worker, "append", Qt.ConnectionType.QueuedConnection)

    def cancel_load(self) -> None:
        self.worker.cancel_load()

    def load_rest(self) -> None:
        from PySide6.QtCore import QMetaObject, Qt

        QMetaObject.invokeMethod(self.worker, "load_rest", Qt.ConnectionType.QueuedConnection)

    def stop(self) -> None:
        self.worker.cancel_load()  # a load under way stops at once
        if self.thread.isRunning():
            self.thread.quit()
            self.thread.wait(10000)
        self.worker.close()
