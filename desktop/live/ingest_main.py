"""What runs in the ingest process (:mod:`desktop.live.ingest` is the window's side): the
inputs, their parsers and their writer until the window says stop or goes, and
:class:`_Relay`, which tells the window what the writer committed."""

from __future__ import annotations

import logging
import os
import threading
import time
from array import array
from dataclasses import dataclass

from desktop.core.model import DeleteUnit, Item, Unit

log = logging.getLogger("desktop.live.ingest")

POSITIONS_EVERY_S = 1.0  # unit positions are told coalesced, the newest per unit, this often
STATUS_EVERY_S = 0.5


@dataclass(frozen=True)
class WriterCounts:
    """The ingest process's writer, as last reported."""

    queued: int = 0
    dropped: int = 0
    restarts: int = 0


def main(db_path: str, options: dict, commands, events) -> None:
    """The ingest process: inputs, parsers and writer until the window says stop or goes."""
    from desktop.live.parse_pool import ParsePool
    from desktop.live.writer import LiveWriter

    if options.get("nice") and hasattr(os, "nice"):
        try:
            os.nice(options["nice"])
        except OSError:  # not allowed here: same priority as the window
            pass
    send_lock = threading.Lock()

    def send(message) -> None:
        with send_lock:
            events.send(message)

    writer = LiveWriter(db_path, operator=options["operator"], purpose=options["purpose"],
                        case_ref=options["case_ref"], keep_raw=options["keep_raw"],
                        process=options["writer_process"])
    writer.geoparse = options["geoparse"]
    pool = ParsePool(options["parse_workers"])
    inputs: dict[str, object] = {}
    relay = _Relay(send)
    stop = threading.Event()
    try:
        writer.start()
    except Exception as exc:  # no purpose, a cache that cannot be opened: every start says so
        writer = None
        error = str(exc)
    else:
        error = None
        writer.add_listener(relay.on_ids)
        writer.add_record_listener(relay.on_records)

        def warm() -> None:  # the parsers start, and the inputs' code loads, after the window has its answer
            try:
                pool.start()
                import desktop.live.cot_net  # noqa: F401
                import desktop.live.files  # noqa: F401
                import desktop.live.tak_client  # noqa: F401
            except Exception:  # a parser that cannot start is started again by its first batch
                log.exception("the parsers did not start")

        threading.Thread(target=warm, name="sitmap-ingest-warm", daemon=True).start()

    def statuses() -> None:
        while not stop.wait(STATUS_EVERY_S):
            relay.flush_positions(force=False)
            try:
                send(("status", {k: i.status for k, i in list(inputs.items())}, _counts(writer)))
            except (OSError, ValueError):
                return

    threading.Thread(target=statuses, name="sitmap-ingest-status", daemon=True).start()
    try:
        while True:
            try:
                msg = commands.recv()
            except (EOFError, OSError):
                break  # the window's process ended
            if msg[0] != "req":
                continue
            rid, what = msg[1], msg[2]
            if what == "hello":
                reply = True if error is None else error
            elif what == "start":
                reply = error or _start(inputs, writer, pool, *msg[3:])
            elif what == "send":
                inp = inputs.get(msg[3])
                reply = ((bool(hasattr(inp, "send") and inp.send(msg[4])), inp.status) if inp is not None
                         else "no such input")
            elif what == "pids":  # for tests and benchmarks: the processes under this one
                reply = {"parsers": pool.pids(), "writer": writer.process_pid() if writer is not None else None}
            elif what == "stop_input":
                inp = inputs.pop(msg[3], None)
                if inp is not None:
                    inp.stop()
                reply = True
            elif what == "stop":
                _stop_all(inputs, writer, relay)
                writer = None
                send(("reply", rid, True))
                break
            else:
                reply = f"unknown request {what!r}"
            send(("reply", rid, reply))
    finally:
        stop.set()
        _stop_all(inputs, writer, relay)
        pool.close()
        try:
            events.close()
        except OSError:
            pass


def _start(inputs: dict, writer, pool, key: str, kind: str, config: dict):
    """Start one input; its FeedStatus, or the reason it could not start."""
    from desktop.live.cot_net import MulticastListener, TcpServer
    from desktop.live.files import DropFolderWatcher, JsonlTailer
    from desktop.live.tak_client import TakClient, TlsConfig

    old = inputs.pop(key, None)
    if old is not None:
        old.stop()
    cfg = dict(config)
    try:
        if kind == "udp":
            inp = MulticastListener(writer, cfg.pop("group"), cfg.pop("port"), cfg.pop("interface"), parsers=pool,
                                    **cfg)
        elif kind == "tcp":
            inp = TcpServer(writer, cfg.pop("host"), cfg.pop("port"), parsers=pool, **cfg)
        elif kind == "jsonl":
            inp = JsonlTailer(cfg.pop("path"), writer, **cfg)
        elif kind == "folder":  # each file imported on the writer's thread, in one transaction
            inp = DropFolderWatcher(cfg.pop("path"), writer.import_file, **cfg)
        else:
            t = cfg.pop("tls", None)
            tls = TlsConfig(t["ca"], t["cert"], t["key"]) if t else None
            inp = TakClient(writer, cfg.pop("host"), cfg.pop("port"), tls=tls, parsers=pool, **cfg)
        inp.start()
    except Exception as exc:  # a port in use, a certificate that cannot be read: the window says it
        return f"{type(exc).__name__}: {exc}" if not str(exc) else str(exc)
    inputs[key] = inp
    return inp.status


def _stop_all(inputs: dict, writer, relay: "_Relay") -> None:
    for key in list(inputs):
        try:
            inputs.pop(key).stop()
        except Exception:
            log.exception("input %s did not stop cleanly", key)
    if writer is not None:
        writer.stop()
        relay.flush_positions(force=True)


def _counts(writer) -> WriterCounts:
    if writer is None:
        return WriterCounts()
    st = writer.stats()
    return WriterCounts(st.queued, st.dropped, writer.process_restarts)


class _Relay:
    """The ingest writer's listeners: what the window's listeners need, told in order."""

    def __init__(self, send):
        self.send = send
        self._positions: dict[str, Unit] = {}
        self._due = time.monotonic() + POSITIONS_EVERY_S
        self._lock = threading.Lock()

    def on_ids(self, ids, units_changed, stats) -> None:  # the writer thread
        self.send(("ids", array("q", ids).tobytes(), bool(units_changed), stats))

    def on_records(self, _conn, records, _now_ms) -> None:  # the writer thread, after on_ids
        keep = []
        with self._lock:
            for r in records:
                if isinstance(r, Unit):
                    if r.lat is not None and r.lon is not None:
                        old = self._positions.get(r.uid)
                        if old is None or r.t_ms >= old.t_ms:
                            self._positions[r.uid] = r
                elif isinstance(r, Item):
                    extra = r.extra or {}
                    if "chat" in extra or extra.get("cot_type") == "b-t-f":  # as task tracking reads chat
                        keep.append(r)
                else:  # receipts, shapes drawn on TAK, unit deletes, withdrawals
                    if isinstance(r, DeleteUnit):
                        self._positions.pop(r.uid, None)
                    keep.append(r)
        if keep:
            self.send(("records", keep))
        self.flush_positions(force=False)

    def flush_positions(self, force: bool) -> None:
        with self._lock:
            if not self._positions or (not force and time.monotonic() < self._due):
                return
            out, self._positions = list(self._positions.values()), {}
            self._due = time.monotonic() + POSITIONS_EVERY_S
        try:
            self.send(("records", out))
        except (OSError, ValueError):
            pass
