"""The live writer: one thread owning one write connection, committing whatever the
inputs hand it in small batches and only then telling its listeners.

Producers call :meth:`LiveWriter.put` from any thread. Records wait in a bounded
queue (counted in records, so memory stays bounded whatever arrives); when it is full
a producer waits briefly, then its records are dropped and counted. The writer takes
everything queued at most every ``batch_s`` (or as soon as ``batch_max`` records
wait), writes each feed's share through :func:`desktop.cache.writer.write_records`
(one transaction per feed and batch, batch rows with format ``live:<feed>``) and then
calls each listener with the new item ids: a stored message is committed before
anything anywhere is told about it. With ``process=True`` the statements run in a
writer process of their own (one spawned process with its own connection; this thread
hands it each feed's batch as compact tuples and waits), so the writing takes no
interpreter time from the process that owns the window; everything else (queue,
listeners, jobs, audit) stays here. Record listeners (task tracking) then get the
cycle's records themselves, on the writer thread with its connection, including what
the cache does not store (chat receipts).
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import threading
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable

from desktop.audit import AuditLog
from desktop.cache import Cache, CacheError
from desktop.cache.writer import write_records
from desktop.core import purposes
from desktop.core.pipes import exit_with_parent
from desktop.core.model import DeleteItem, DeleteUnit, Item, Record, ScrubGeo, Unit

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CommitStats:
    """What one commit cycle did, handed to listeners, plus running totals."""

    records: int  # records written this cycle
    accepted: int  # new items this cycle
    duplicates: int
    units: int
    feeds: tuple[str, ...]
    latency_ms: float  # from the oldest record's put() to its commit
    queued: int  # records still waiting after this cycle
    committed_total: int
    dropped_total: int
    batches_total: int


@dataclass(frozen=True, slots=True)
class WriterStats:
    queued: int
    committed: int  # records committed so far
    accepted: int  # new items so far
    dropped: int  # records refused because the queue stayed full (or a write failed)
    batches: int
    last_latency_ms: float
    max_latency_ms: float
    last_error: str | None


AUDIT_EVERY_S = 60.0  # one collect entry per feed per minute (and at stop), whatever the rate

Listener = Callable[[list[int], bool, CommitStats], None]
# fn(conn, records, now_ms): the writer's own connection, outside any transaction.
RecordListener = Callable[[object, list[Record], int], None]
_STORED = (Item, Unit, DeleteItem, DeleteUnit, ScrubGeo)


class LiveWriter:
    """Batching writer for live records. ``start()`` before use, ``stop()`` to flush and end."""

    def __init__(self, db_path: str | Path, *, max_queue: int = 50_000, batch_s: float = 0.05,
                 batch_max: int = 2_000, put_wait_s: float = 0.25, keep_raw: bool = False,
                 operator: str | None = None, purpose: str | None = None, case_ref: str | None = None,
                 audit_every_s: float = AUDIT_EVERY_S, process: bool = False):
        """``operator``, ``purpose`` and ``case_ref`` say who collects and why: ``start()``
        refuses without a purpose (PurposeError, nothing opened or written), every batch row
        keeps the three, and the audit log beside the cache gets one ``collect`` entry per
        feed every ``audit_every_s`` seconds and at stop (counts and the batch id range)."""
        self.db_path = Path(db_path)
        self.operator = (operator or "").strip() or None
        self.purpose = (purpose or "").strip() or None
        self.case_ref = (case_ref or "").strip() or None
        self.audit_every_s = audit_every_s
        self._audit_log = None  # desktop.audit.AuditLog, opened by start()
        self._collected: dict[str, dict] = {}  # feed -> counts since its last collect entry
        self._audit_due = 0.0  # monotonic time the pending collect entries are written
        self.max_queue = max_queue
        self.batch_s = batch_s
        self.batch_max = batch_max
        self.put_wait_s = put_wait_s
        self.keep_raw = keep_raw
        self.geoparse = True  # place live posts without coordinates from their text, inside their batch
        # Items before the unit reports between them, so a batch inserts its items in a few
        # statements (False: one insert per CoT message, the earlier design; benchmarks' peer).
        self.group_items = True
        self.process = process  # write in a process of its own (the window's writer does)
        self._proc: ProcessPoolExecutor | None = None
        self.process_restarts = 0
        self._cond = threading.Condition()
        self._queue: deque[tuple[float, str, list[Record], int]] = deque()
        self._queued = 0
        self._seq = 0  # puts accepted so far; a job waits for the puts before it
        self._written_seq = 0
        self._jobs: deque[tuple[Callable[[Cache], object], Future, int]] = deque()
        self._listeners: list[Listener] = []
        self._record_listeners: list[RecordListener] = []
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._cache: Cache | None = None
        self._committed = self._accepted = self._dropped = self._batches = 0
        self._last_latency = self._max_latency = 0.0
        self._error: str | None = None
        # Another process's writer whose commits this one relays (desktop.live.ingest):
        # fn() -> (records it holds, records it dropped), added to stats().
        self.external: Callable[[], tuple[int, int]] | None = None

    # --- producers ---------------------------------------------------------------------
    def put(self, records: Iterable[Record], source_label: str, wait_s: float | None = None) -> bool:
        """Queue records from feed ``source_label``; False when they were dropped because
        the queue stayed full for ``put_wait_s`` (or ``wait_s``: a stream input waits longer,
        so its sender slows down instead of losing messages) or the writer is stopped."""
        recs = list(records)
        if not recs:
            return True
        n = len(recs)
        deadline = time.monotonic() + (self.put_wait_s if wait_s is None else wait_s)
        with self._cond:
            while self._queued + n > self.max_queue and not self._stopping:
                left = deadline - time.monotonic()
                if left <= 0 or n > self.max_queue:
                    break
                self._cond.wait(left)
            if self._stopping or self._queued + n > self.max_queue:
                self._dropped += n
                return False
            self._seq += 1
            self._queue.append((time.monotonic(), source_label, recs, self._seq))
            self._queued += n
            if self._queued == n or self._queued >= self.batch_max:  # first of a batch, or a full one
                self._cond.notify_all()
        return True

    __call__ = put  # a LiveWriter is itself a sink: sink(records, label)

    def add_listener(self, fn: Listener) -> None:
        """``fn(new_item_ids, units_changed, stats)``, called on the writer thread after each commit."""
        with self._cond:
            self._listeners.append(fn)

    def remove_listener(self, fn: Listener) -> None:
        with self._cond:
            if fn in self._listeners:
                self._listeners.remove(fn)

    def add_record_listener(self, fn: RecordListener) -> None:
        """``fn(conn, records, now_ms)``, called on the writer thread after each commit (and
        after the id listeners) with the records committed, plus those the cache does not
        store (chat receipts). ``conn`` is the writer's connection, free of any transaction:
        a listener may write in a short transaction of its own."""
        with self._cond:
            self._record_listeners.append(fn)

    def remove_record_listener(self, fn: RecordListener) -> None:
        with self._cond:
            if fn in self._record_listeners:
                self._record_listeners.remove(fn)

    def run_on_writer(self, job: Callable[[Cache], object]) -> Future:
        """Run ``job(cache)`` on the writer thread between batches (used for whole-file
        imports, which must not hold a second write transaction against this one)."""
        fut: Future = Future()
        with self._cond:
            if self._stopping or self._thread is None:
                fut.set_exception(RuntimeError("the live writer is not running"))
                return fut
            self._jobs.append((job, fut, self._seq))
            self._cond.notify_all()
        return fut

    def relay(self, kind: str, *payload) -> Future:
        """Tell this writer's listeners what another process's writer committed (the
        window's ingest process, desktop.live.ingest), on this writer's thread and in order
        with its own commits: ``relay("ids", ids, units_changed, stats)`` calls the id
        listeners and counts the commit; ``relay("records", records)`` the record
        listeners, with this writer's connection."""
        if kind == "ids":
            ids, units_changed, stats = payload

            def job(_cache) -> None:
                with self._cond:
                    self._committed += stats.records
                    self._accepted += stats.accepted
                    self._batches += len(stats.feeds)
                    self._last_latency = stats.latency_ms
                    self._max_latency = max(self._max_latency, stats.latency_ms)
                self._notify(list(ids), units_changed, stats)
        elif kind == "records":
            (records,) = payload

            def job(_cache) -> None:
                self._notify_records(list(records))
        else:
            raise ValueError(f"nothing to relay as {kind!r}")
        return self.run_on_writer(job)

    def import_file(self, path: str | Path, **kwargs) -> object:
        """Import one file atomically on the writer thread, tell listeners about its new
        items, and return the :class:`~desktop.importers.ImportResult` (blocks until done)."""
        from desktop.importers import import_file

        for key, value in (("operator", self.operator), ("purpose", self.purpose), ("case_ref", self.case_ref)):
            kwargs.setdefault(key, value)  # a dropped file is collected for the feeds' purpose

        def job(cache: Cache):
            before = cache.conn.execute("SELECT coalesce(max(id), 0) FROM batches").fetchone()[0]
            result = import_file(cache, path, **kwargs)
            ids = [r[0] for r in cache.conn.execute(
                "SELECT i.id FROM items i JOIN batches b ON b.id = i.batch_id WHERE b.id > ? AND b.path = ?",
                (before, result.path))]
            self._notify(ids, result.stats.units > 0, CommitStats(
                result.stats.accepted + result.stats.duplicates, result.stats.accepted, result.stats.duplicates,
                result.stats.units, (f"file:{Path(path).name}",), 0.0, self._queued, self._committed,
                self._dropped, self._batches))
            return result

        return self.run_on_writer(job).result()

    # --- lifecycle ---------------------------------------------------------------------
    def start(self) -> "LiveWriter":
        if self._thread is not None:
            return self
        purposes.require(self.purpose, "the live feeds", self.case_ref)  # no purpose, no collection
        self._cache = Cache.open(self.db_path)  # opened (and migrated) here so errors reach the caller
        try:
            AuditLog.open(self.db_path).close()  # the same: the writer thread opens its own connection
        except BaseException:
            self._cache.close()
            self._cache = None
            raise
        self._stopping = False
        if self.process:
            self._proc = self._new_process()
        self._thread = threading.Thread(target=self._run, name="sitmap-live-writer", daemon=True)
        self._thread.start()
        if self.geoparse and not self.process:
            from desktop.geoparse.run import warm

            threading.Thread(target=warm, name="sitmap-geoparse-warm", daemon=True).start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Commit what is queued, then end the thread and close the connection."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._proc is not None:
            proc, self._proc = self._proc, None
            try:
                proc.submit(_proc_close).result(timeout)
            except Exception:  # a dead writer process has nothing to close
                pass
            proc.shutdown(wait=True, cancel_futures=True)
        if self._cache is not None:
            self._cache.close()
            self._cache = None

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued so far is committed; False on timeout."""
        done = self.run_on_writer(lambda cache: None)
        try:
            done.result(timeout)
            return True
        except Exception:
            return False

    def stats(self) -> WriterStats:
        held, dropped = self.external() if self.external is not None else (0, 0)
        with self._cond:
            return WriterStats(self._queued + held, self._committed, self._accepted, self._dropped + dropped,
                               self._batches, self._last_latency, self._max_latency, self._error)

    # --- the writer thread -------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._audit_log = AuditLog.open(self.db_path)
        except Exception as exc:  # checked by start(); a feed still must not end for it
            log.error("the audit log of %s could not be opened: %s", self.db_path, exc)
        try:
            self._loop()
        finally:
            if self._audit_log is not None:
                self._record_collected(force=True)
                self._audit_log.close()
                self._audit_log = None

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._jobs and not self._stopping:
                    if not self._collected:
                        self._cond.wait()
                        continue
                    left = self._audit_due - time.monotonic()
                    if left <= 0:
                        break  # a feed's collect entry is due
                    self._cond.wait(left)
                if self._queue and not self._stopping and not (self._jobs and self._jobs[0][2] <= self._written_seq):
                    # Let a batch gather: until batch_s after its first record or batch_max records.
                    deadline = self._queue[0][0] + self.batch_s
                    while self._queued < self.batch_max and not self._stopping and not self._jobs:
                        left = deadline - time.monotonic()
                        if left <= 0:
                            break
                        self._cond.wait(left)
                # Whole puts up to batch_max records: a backlog becomes several bounded commits.
                taken = []
                n = 0
                while self._queue and (n == 0 or n + len(self._queue[0][2]) <= self.batch_max):
                    entry = self._queue.popleft()
                    taken.append(entry)
                    n += len(entry[2])
                self._queued -= n
                if taken:
                    self._written_seq = taken[-1][3]
                # A job runs once every record queued before it is written, even under a flood.
                jobs = []
                while self._jobs and self._jobs[0][2] <= self._written_seq:
                    jobs.append(self._jobs.popleft())
                stopping = self._stopping
                self._cond.notify_all()  # producers waiting for room
            if taken:
                self._write(taken)
            if self._collected and time.monotonic() >= self._audit_due:
                self._record_collected()
            for job, fut, _ in jobs:
                if fut.set_running_or_notify_cancel():
                    try:
                        fut.set_result(job(self._cache))
                    except BaseException as exc:  # handed to the caller, never kills the thread
                        fut.set_exception(exc)
            if stopping:
                with self._cond:
                    if not self._queue and not self._jobs:
                        return

    def _write(self, taken: list[tuple[float, str, list[Record], int]]) -> None:
        by_feed: dict[str, list[Record]] = {}
        for _, label, recs, _seq in taken:
            by_feed.setdefault(label, []).extend(recs)
        oldest = taken[0][0]
        ids: list[int] = []
        units_changed = False
        n = accepted = dups = units = 0
        seen: list[Record] = []  # what record listeners hear of: the feeds that were committed
        for label, recs in by_feed.items():
            fmt = f"live:{label}"
            given = len(recs)  # counted as received: coalesced unit reports are committed too
            original = recs
            recs = [r for r in recs if isinstance(r, _STORED)]
            if len(recs) < given and not recs:
                n += given  # only receipts: nothing to store
                seen += original
                continue
            try:
                recs = coalesce_units(recs)
                if self.group_items:
                    recs = items_first(recs)
                opts = {"keep_raw": self.keep_raw, "operator": self.operator, "purpose": self.purpose,
                        "case_ref": self.case_ref, "geoparse": self.geoparse}
                if self._proc is not None:
                    st, new_ids = self._write_in_process(recs, label, fmt, opts)
                else:
                    st, new_ids = write_feed(self._cache, recs, label, fmt, **opts)
                batch = st.batch_id
                ids += new_ids
            except (CacheError, Exception) as exc:  # a locked or full disk must not end the feed
                log.error("live write of %d records from %s failed: %s", len(recs), label, exc)
                with self._cond:
                    self._dropped += given
                    self._error = str(exc)
                continue
            self._count_collected(label, batch, given, st)
            n += given
            seen += original
            accepted += st.accepted
            dups += st.duplicates
            units += st.units
            units_changed |= st.units > 0 or any(isinstance(r, DeleteUnit) for r in recs)
        latency = (time.monotonic() - oldest) * 1000
        with self._cond:
            self._committed += n
            self._accepted += accepted
            self._batches += len(by_feed)
            self._last_latency = latency
            self._max_latency = max(self._max_latency, latency)
            stats = CommitStats(n, accepted, dups, units, tuple(by_feed), latency, self._queued, self._committed,
                                self._dropped, self._batches)
        if n:
            self._notify(ids, units_changed, stats)
        if seen:
            self._notify_records(seen)

    # --- the collect entries ---------------------------------------------------------------
    def _count_collected(self, label: str, batch: int | None, received: int, st) -> None:
        """Add one committed batch to its feed's pending collect entry (writer thread)."""
        c = self._collected.get(label)
        if c is None:
            if not self._collected:
                self._audit_due = time.monotonic() + self.audit_every_s
            c = self._collected[label] = {"records": 0, "new": 0, "duplicates": 0, "units": 0, "withdrawn": 0,
                                          "batches": 0, "first_batch": batch, "last_batch": batch,
                                          "from_ms": int(time.time() * 1000)}
        c["records"] += received
        c["new"] += st.accepted
        c["duplicates"] += st.duplicates
        c["units"] += st.units
        c["withdrawn"] += st.deleted
        c["batches"] += 1
        if batch is not None:
            c["first_batch"] = batch if c["first_batch"] is None else min(c["first_batch"], batch)
            c["last_batch"] = batch if c["last_batch"] is None else max(c["last_batch"], batch)

    def _record_collected(self, force: bool = False) -> None:
        """Write the pending collect entries, one per feed (due every ``audit_every_s``; at stop
        ``force``). A failure is logged and the counts are kept for the next try."""
        if not self._collected or self._audit_log is None:
            return
        if not force and time.monotonic() < self._audit_due:
            return
        now = int(time.time() * 1000)
        for label in list(self._collected):
            c = self._collected[label]
            try:
                self._audit_log.record(
                    "collect", operator=self.operator, purpose=self.purpose, case_ref=self.case_ref,
                    objects={"feed": label, "batches": [c["first_batch"], c["last_batch"]]},
                    detail={"format": f"live:{label}", "from_ms": c["from_ms"], "to_ms": now,
                            "records": c["records"], "new": c["new"], "duplicates": c["duplicates"],
                            "units": c["units"], "withdrawn": c["withdrawn"], "commits": c["batches"]})
            except Exception as exc:  # the feed goes on; the counts wait for the next try
                log.error("live collect entry for %s could not be written: %s", label, exc)
                with self._cond:
                    self._error = str(exc)
                self._audit_due = time.monotonic() + self.audit_every_s
                return
            del self._collected[label]
        self._audit_due = time.monotonic() + self.audit_every_s

    # --- the writer process ------------------------------------------------------------------
    def _new_process(self) -> ProcessPoolExecutor:
        proc = ProcessPoolExecutor(1, mp_context=mp.get_context("spawn"), initializer=exit_with_parent)
        proc.submit(_proc_open, str(self.db_path), self.geoparse)  # imports and opens meanwhile
        return proc

    def _write_in_process(self, recs: list[Record], label: str, fmt: str, opts: dict):
        """One feed's batch through the writer process. A process that died is replaced and
        the batch written again: its items are unique by source and id, unit reports keep
        the newest, so a batch the dead process had committed is not stored twice (its new
        ids are then missing from this commit's notice; the index reads new rows by id)."""
        from desktop.live.parse_pool import pack

        packed = pack(recs)
        for attempt in range(2):
            proc = self._proc
            try:
                return proc.submit(_proc_write, str(self.db_path), packed, label, fmt, opts).result()
            except BrokenProcessPool:
                log.warning("the live writer process ended; starting it again")
                self.process_restarts += 1
                proc.shutdown(wait=False, cancel_futures=True)
                self._proc = self._new_process()
        # Twice in a row: write here rather than lose the batch.
        return write_feed(self._cache, recs, label, fmt, **opts)

    def process_pid(self) -> int | None:
        """The writer process's id (None when writing in this process or not started)."""
        proc = self._proc
        procs = getattr(proc, "_processes", None) if proc is not None else None
        return next(iter(procs)) if procs else None

    def _notify(self, ids: list[int], units_changed: bool, stats: CommitStats) -> None:
        with self._cond:
            listeners = list(self._listeners)
        for fn in listeners:
            try:
                fn(ids, units_changed, stats)
            except Exception:  # one broken listener must not stop the others or the writer
                log.exception("live commit listener %r failed", fn)


    def _notify_records(self, records: list[Record]) -> None:
        with self._cond:
            listeners = list(self._record_listeners)
        if not listeners:
            return
        now = int(time.time() * 1000)
        for fn in listeners:
            try:
                fn(self._cache.conn, records, now)
            except Exception:  # never kills the writer; a half-done transaction is rolled back
                log.exception("live record listener %r failed", fn)
                if self._cache.conn.in_transaction:
                    self._cache.conn.rollback()


def write_feed(cache: Cache, recs: list[Record], label: str, fmt: str, *, keep_raw: bool, operator, purpose,
               case_ref, geoparse: bool):
    """Write one feed's batch in one transaction; (stats, the new item ids)."""
    st = write_records(cache, recs, path=label, fmt=fmt, keep_raw=keep_raw, operator=operator, purpose=purpose,
                       case_ref=case_ref, after_batch=_place if geoparse else None,
                       merge_withdrawals=False)  # merged at the next compaction
    # The batch row write_records made (no lookup by format).
    ids = [r[0] for r in cache.conn.execute("SELECT id FROM items WHERE batch_id = ?", (st.batch_id,))]
    return st, ids


# In the writer process: its one connection.
_PROC: dict = {}


def _proc_open(db_path: str, geoparse: bool) -> int:
    import os

    if _PROC.get("path") != db_path:
        _proc_close()
        _PROC["cache"], _PROC["path"] = Cache.open(db_path), db_path
    if geoparse:  # as the writer thread does in its own process
        from desktop.geoparse.run import warm

        threading.Thread(target=warm, name="sitmap-geoparse-warm", daemon=True).start()
    return os.getpid()


def _proc_write(db_path: str, packed: list, label: str, fmt: str, opts: dict):
    from desktop.live.parse_pool import unpack

    _proc_open(db_path, False)
    return write_feed(_PROC["cache"], unpack(packed), label, fmt, **opts)


def _proc_close() -> None:
    cache = _PROC.pop("cache", None)
    _PROC.pop("path", None)
    if cache is not None:
        cache.close()


def _place(conn, batch_id: int) -> None:
    """Live posts without coordinates are placed from their text within their batch
    (desktop.geoparse; about 0.1 ms a post, the analyser only where a name needs it)."""
    from desktop.geoparse.run import place_batch

    _summary, error = place_batch(conn, batch_id)
    if error:
        log.warning("live batch %d: %s", batch_id, error)


def items_first(recs: list[Record]) -> list[Record]:
    """A CoT message is an item and a unit report, so a batch alternates them and the cache
    writer, which applies control records in order, inserted one item per statement. Unit
    reports and unit deletes touch only the units table, so they may follow the items; the
    items keep their order, the unit records theirs, and nothing crosses an item withdrawal
    or a geo scrub (those apply in order, to what came before them)."""
    out: list[Record] = []
    units: list[Record] = []
    for r in recs:
        if isinstance(r, (Unit, DeleteUnit)):
            units.append(r)
            continue
        if not isinstance(r, Item) and units:  # an ordered control record: the units before it go first
            out += units
            units = []
        out.append(r)
    return out + units


def coalesce_units(recs: list[Record]) -> list[Record]:
    """Keep one unit state per uid in a batch: the newest, with a callsign, team or role
    it lacks taken from the older ones (as the cache's upsert would have). A flood of
    position reports then costs one upsert per unit instead of one per report. Units
    with a delete in the same batch keep every record, so the order stays meaningful."""
    newest: dict[str, int] = {}
    deleted: set[str] = set()
    for i, r in enumerate(recs):
        if isinstance(r, Unit):
            j = newest.get(r.uid)
            if j is None or r.t_ms >= recs[j].t_ms:
                newest[r.uid] = i
        elif isinstance(r, DeleteUnit):
            deleted.add(r.uid)
    if len(newest) == sum(1 for r in recs if isinstance(r, Unit)):
        return recs  # nothing to merge
    # The newest non-empty callsign/team/role per uid (the upsert keeps old ones over None).
    fill: dict[str, dict[str, tuple[int, str]]] = {}
    for r in recs:
        if isinstance(r, Unit) and r.uid not in deleted:
            f = fill.setdefault(r.uid, {})
            for name in ("callsign", "team", "role"):
                value = getattr(r, name)
                if value is not None and (name not in f or r.t_ms >= f[name][0]):
                    f[name] = (r.t_ms, value)
    out: list[Record] = []
    for i, r in enumerate(recs):
        if not isinstance(r, Unit) or r.uid in deleted:
            out.append(r)
        elif newest[r.uid] == i:
            missing = {k: v[1] for k, v in fill.get(r.uid, {}).items() if getattr(r, k) is None}
            out.append(replace(r, **missing) if missing else r)
    return out
