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
from desktop.engine.mapdata import MapData, Request

log = logging.getLogger("sitmap.worker")
APPEND_BITE = 2500  # rows merged per step (about 28 ms at 10M items)


class QueryWorker(QObject):
    indexReady = Signal(object)  # dict: span, sources, count, load_ms
    resultReady = Signal(object)  # mapdata.Result
    failed = Signal(str)
    _wake = Signal()
    _more = Signal()

    def __init__(self, db_path: Path) -> None:
        super().__init__()
        self.db_path = Path(db_path)
        self._lock = threading.Lock()
        self._pending: Request | None = None
        self.data: MapData | None = None
        self.cache: Cache | None = None
        self._wake.connect(self._process)
        self._more.connect(self.append, Qt.ConnectionType.QueuedConnection)

    @Slot()
    def load(self) -> None:
        t0 = time.perf_counter()
        try:
            if self.cache is None:
                self.cache = Cache.open_readonly(self.db_path)
            index = ItemIndex.load(self.cache.conn)
        except CacheError as exc:
            self.failed.emit(str(exc))
            return
        except Exception as exc:  # a worker must report, never die silently
            log.exception("index load failed")
            self.failed.emit(f"cannot load the cache: {exc}")
            return
        self.data = MapData(index, self.cache.conn)
        self.indexReady.emit({"span": index.span(), "sources": list(index.sources), "count": len(index),
                              "load_ms": (time.perf_counter() - t0) * 1000})
        self._process()

    @Slot()
    def append(self) -> None:
        """New rows were committed (a live feed, an import): merge them, then redraw."""
        if self.data is None or self.cache is None:
            self.load()
            return
        # A waiting request is answered first; new rows then go in bites so a flood never
        # holds the worker long, and the window's sums take them in without starting over.
        self._process()
        t0 = time.perf_counter()
        try:
            added = self.data.append_new(APPEND_BITE)
        except Exception as exc:
            log.exception("index update failed")
            self.failed.emit(f"cannot update the index: {exc}")
            return
        if added:
            idx = self.data.index
            self.indexReady.emit({"span": idx.span(), "sources": list(idx.sources), "count": len(idx),
                                  "load_ms": (time.perf_counter() - t0) * 1000, "added": added})
        if added >= APPEND_BITE:
            self._more.emit()  # the rest after whatever is queued meanwhile
            return
        self._process()

    def submit(self, req: Request) -> None:
        """Thread-safe; replaces any request not yet started."""
        with self._lock:
            self._pending = req
        self._wake.emit()

    @Slot()
    def _process(self) -> None:
        with self._lock:
            req, self._pending = self._pending, None
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
        self.resultReady.emit(res)

    def close(self) -> None:
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

    def stop(self) -> None:
        if self.thread.isRunning():
            self.thread.quit()
            self.thread.wait(10000)
        self.worker.close()
