"""The live picture in the window: feeds (TAK/CoT, drop folder, JSON-lines capture),
the single live writer, alert rules, chat with field units and markers for the field.

The inputs (UDP, TCP, TAK, the drop folder, JSON-lines captures), their parsers and their
writer run in a process of their own (desktop.live.ingest), which tells this process's
writer what it committed; the commander's own items and the tasks go through that writer
here. This module only starts and stops them, carries their commits and alerts to the GUI
thread with queued signals, and shows their state.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from desktop.live.alerts import Alert, AlertEngine
from desktop.live.cot_net import MulticastListener, TcpServer
from desktop.live.cot_out import chat_event, marker_event, post_marker_event
from desktop.live.files import DropFolderWatcher, JsonlTailer
from desktop.live.ingest import IngestProcess
from desktop.live.parse_pool import shared_pool
from desktop.live.tak_client import TakClient, TlsConfig
from desktop.live.writer import LiveWriter
from desktop.core.model import Item, Kind, Precision

log = logging.getLogger("sitmap.live")


class LiveController(QObject):
    """Owns the live writer, the inputs and the alert engine for one cache."""

    committed = Signal(list, bool)  # new item ids, units changed (GUI thread)
    chatCommitted = Signal(list)  # ids of new chat messages among them (found on the writer thread)
    alertFired = Signal(object)  # desktop.live.alerts.Alert
    alertCleared = Signal(object)  # the Alert whose episode ended (cleared_ms set)
    statusChanged = Signal(list)  # FeedStatus per input

    def __init__(self, db_path: Path, parent: QObject | None = None, *, callsign: str = "상황실",
                 uid: str | None = None) -> None:
        super().__init__(parent)
        self.db_path = Path(db_path)
        self.callsign = callsign
        self.uid = uid or f"SITMAP-{uuid.uuid4().hex[:8].upper()}"
        self.writer: LiveWriter | None = None
        self.ingest: IngestProcess | None = None
        self._ingest_lock = threading.Lock()
        self.engine: AlertEngine | None = None
        self.inputs: dict[str, object] = {}
        self.configs: dict[str, dict] = {}  # how each running input was started (the Feeds dialog shows it)
        self._status_timer = QTimer(self, interval=1000)
        self._status_timer.timeout.connect(self._poll_status)
        self._tray: QSystemTrayIcon | None = None
        # Who collects and why (operator, purpose, case reference): the window's session says;
        # a controller on its own (a script) takes the environment's.
        self.who = lambda: tuple(os.environ.get(k) for k in ("SITMAP_OPERATOR", "SITMAP_PURPOSE", "SITMAP_CASE"))

    # lifecycle --------------------------------------------------------------------------
    def ensure_writer(self) -> LiveWriter:
        if self.writer is None:
            operator, purpose, case_ref = self.who()
            # The statements run in a writer process: no interpreter time taken from the window.
            self.writer = LiveWriter(self.db_path, operator=operator, purpose=purpose, case_ref=case_ref,
                                     process=self.write_in_process).start()
            # Listeners run on the writer thread, after the commit: emit, Qt queues it.
            self.writer.add_listener(lambda ids, units, _stats: self.committed.emit(list(ids), bool(units)))
            self.writer.add_listener(self._find_chat)
            self.engine = AlertEngine(self.db_path, on_alert=self.alertFired.emit, on_clear=self.alertCleared.emit)
            self.writer.add_listener(self.engine.on_commit)
            self.engine.start(5.0)
            self._status_timer.start()
        return self.writer

    def _find_chat(self, ids: list, _units, _stats) -> None:
        """Writer thread, after a commit: which new rows are chat messages (read on a
        connection of this thread's own, so the window's thread never scans a flood's rows)."""
        if not ids:
            return
        conn = getattr(self, "_chat_conn", None)
        if conn is None:
            from desktop.cache import Cache

            conn = self._chat_conn = Cache.open_readonly(self.db_path)
        rows = conn.conn.execute(
            "SELECT id FROM items WHERE id >= ? AND id <= ? AND kind = 'field_update' AND extra LIKE '%\"chat\":%'",
            (min(ids), max(ids))).fetchall()
        wanted = set(ids)
        found = [r[0] for r in rows if r[0] in wanted]
        if found:
            self.chatCommitted.emit(found)

    def _add(self, key: str, config: dict, make) -> object:
        """Start input ``key`` as ``config`` says; one already running that way is kept
        (its connections and read position survive a second OK in the Feeds dialog)."""
        if key in self.inputs and self.configs.get(key) == config:
            return self.inputs[key]
        self.stop_input(key)
        self.inputs[key] = make().start()
        self.configs[key] = dict(config)
        self._poll_status()
        return self.inputs[key]

    write_in_process = True  # False: the writer's statements on its thread here (the earlier design)
    # The inputs, their parsers and their writer in a process of their own (False:
    # their threads in this process, the earlier design and the benchmark's peer).
    ingest_in_process = True

    def _ingest(self) -> IngestProcess:
        writer = self.ensure_writer()
        with self._ingest_lock:  # the GUI thread, or prepare()'s thread
            if self.ingest is None:
                operator, purpose, case_ref = self.who()
                ingest = IngestProcess(self.db_path, writer.relay, operator=operator, purpose=purpose,
                                       case_ref=case_ref, keep_raw=writer.keep_raw, geoparse=writer.geoparse)
                ingest.start()
                writer.external = lambda: (ingest.counts.queued, ingest.counts.dropped)
                self.ingest = ingest
            return self.ingest

    def prepare(self) -> None:
        """Start the feeds' process on a thread (it takes a second or two), so the first
        input the commander starts does not wait for it on the window's thread."""
        if not self.ingest_in_process or self.ingest is not None:
            return
        try:
            self.ensure_writer()  # here, on the GUI thread: it starts the status timer
        except Exception as exc:  # no purpose, a cache that cannot be written: the dialog says so on OK
            log.info("live feeds not prepared: %s", exc)
            return

        def start() -> None:
            try:
                self._ingest()
            except Exception as exc:  # said again, to the commander, when an input is started
                log.warning("the feeds' process did not start: %s", exc)

        threading.Thread(target=start, name="sitmap-ingest-start", daemon=True).start()

    def _net(self, key: str, config: dict, make):
        """Input ``key`` in the ingest process, or made by ``make`` here (the earlier design)."""
        if self.ingest_in_process:
            return self._add(key, config, lambda: self._ingest().start_input(key, key, config))
        return self._add(key, config, make)

    # CoT is parsed in worker processes (desktop.live.parse_pool), never on this process's
    # threads beside the window; False parses on each input's thread (the benchmark's peer).
    parse_in_workers = True

    def _parsers(self):
        return shared_pool() if self.parse_in_workers else None

    def start_multicast(self, group: str = "239.2.3.1", port: int = 6969, interface: str = "127.0.0.1"):
        return self._net("udp", {"group": group, "port": port, "interface": interface},
                         lambda: MulticastListener(self.ensure_writer(), group, port, interface, parsers=self._parsers()))

    def start_tcp_server(self, host: str = "127.0.0.1", port: int = 4242, **caps):
        """``caps``: per-peer limits (rate, burst, max_per_peer) for trusted high-volume peers."""
        return self._net("tcp", {"host": host, "port": port, **caps},
                         lambda: TcpServer(self.ensure_writer(), host, port, parsers=self._parsers(), **caps))

    def start_tak(self, host: str, port: int, tls: TlsConfig | None = None):
        cfg = {"host": host, "port": port, "tls": None if tls is None else
               {"ca": tls.ca_file, "cert": tls.cert_file, "key": tls.key_file}}
        return self._net("tak", cfg, lambda: TakClient(self.ensure_writer(), host, port, tls=tls,
                                                       parsers=self._parsers()))

    def start_folder(self, folder: str):
        return self._net("folder", {"path": folder},
                         lambda: DropFolderWatcher(folder, self.ensure_writer().import_file))

    def start_jsonl(self, path: str):
        return self._net("jsonl", {"path": path}, lambda: JsonlTailer(path, self.ensure_writer()))

    def resume(self, configs: dict[str, dict]) -> None:
        """Start inputs as another controller ran them (the window rebuilt in another language)."""
        for key, cfg in configs.items():
            cfg = dict(cfg)
            if key == "udp":
                self.start_multicast(cfg["group"], cfg["port"], cfg["interface"])
            elif key == "tcp":
                self.start_tcp_server(cfg.pop("host"), cfg.pop("port"), **cfg)
            elif key == "tak":
                t = cfg.get("tls")
                self.start_tak(cfg["host"], cfg["port"], TlsConfig(t["ca"], t["cert"], t["key"]) if t else None)
            elif key == "folder":
                self.start_folder(cfg["path"])
            elif key == "jsonl":
                self.start_jsonl(cfg["path"])

    def stop_input(self, key: str) -> None:
        inp = self.inputs.pop(key, None)
        self.configs.pop(key, None)
        if inp is not None:
            inp.stop()

    def stop(self) -> None:
        for key in list(self.inputs):
            self.stop_input(key)
        self._status_timer.stop()
        with self._ingest_lock:  # a start prepare() began finishes first, then ends here
            ingest, self.ingest = self.ingest, None
        if ingest is not None:
            ingest.stop()
        if self.engine is not None:
            self.engine.close()
            self.engine = None
        if self.writer is not None:
            self.writer.stop()
            self.writer = None
        conn = getattr(self, "_chat_conn", None)
        if conn is not None:  # the writer thread that used it has ended
            self._chat_conn = None
            conn.close()

    def _poll_status(self) -> None:
        self.statusChanged.emit([inp.status for inp in self.inputs.values()])

    # two-way ----------------------------------------------------------------------------
    def _send(self, xml: bytes) -> int:
        """Send to every connected TAK server; returns how many took it."""
        sent = 0
        for inp in self.tak_links():
            if inp.send(xml):
                sent += 1
        return sent

    def tak_links(self) -> list:
        """The TAK connections (here or in the ingest process): anything with ``send``."""
        return [inp for inp in list(self.inputs.values()) if isinstance(inp, TakClient)
                or getattr(inp, "kind", None) == "tak"]

    def _store(self, item: Item) -> None:
        self.ensure_writer().put([item], "commander")

    def place_marker(self, lat: float, lon: float, text: str, cot_type: str = "b-m-p-s-m") -> tuple[Item, int]:
        """A field update from the commander at a map position; sent as CoT when connected."""
        now = int(time.time() * 1000)
        uid = f"{self.uid}-{uuid.uuid4().hex[:10]}"
        item = Item(kind=Kind.FIELD_UPDATE, source="sitmap", source_id=uid, t_ms=now, text=text, lat=lat, lon=lon,
                    precision=Precision.EXACT, author=self.callsign, author_id=self.uid, callsign=self.callsign,
                    extra={"cot_type": cot_type, "placed_by": "commander", "marker_uid": uid})
        self._store(item)
        sent = self._send(marker_event(uid, lat, lon, cot_type=cot_type, callsign=self.callsign, remarks=text,
                                       sender_uid=self.uid))
        return item, sent

    def send_chat(self, text: str, to_uid: str | None = None, to_callsign: str | None = None) -> int:
        now = int(time.time() * 1000)
        msg_id = uuid.uuid4().hex
        room = to_callsign or "All Chat Rooms"
        item = Item(kind=Kind.FIELD_UPDATE, source="sitmap", source_id=f"chat-{msg_id}", t_ms=now, text=text,
                    author=self.callsign, author_id=self.uid, callsign=self.callsign,
                    extra={"cot_type": "b-t-f", "chat": {"room": room, "id": msg_id, "sender_uid": self.uid,
                                                         "to_uid": to_uid, "outgoing": True}})
        self._store(item)
        return self._send(chat_event(text, sender_uid=self.uid, sender_callsign=self.callsign, to_uid=to_uid,
                                     to_callsign=to_callsign, t_ms=now, message_id=msg_id))

    def push_post(self, post: dict) -> int:
        """Send a public post to the field as a CoT marker carrying its text, marked unverified."""
        item = Item(kind=Kind.POST, source=post["source"], source_id=post["source_id"], t_ms=post["t_ms"],
                    text=post["text"], lat=post["lat"], lon=post["lon"], author=post["author"],
                    precision=Precision(post["precision"]), hashtags=tuple(post["hashtags"]))
        return self._send(post_marker_event(item, sender_uid=self.uid))

    # alerts -----------------------------------------------------------------------------
    def notify(self, alert: Alert) -> None:
        """Desktop notification and a sound, wherever the platform offers them."""
        QApplication.beep()
        if QSystemTrayIcon.isSystemTrayAvailable():
            if self._tray is None:
                self._tray = QSystemTrayIcon(QApplication.windowIcon(), self)
                self._tray.show()
            self._tray.showMessage("Sitmap", f"{alert.rule_name}: {alert.message}",
                                   QSystemTrayIcon.MessageIcon.Warning, 10000)
