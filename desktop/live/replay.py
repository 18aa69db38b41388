"""Replaying a cache (normally the demo incident) as a live feed: its field updates
as CoT XML over UDP or TCP, its posts appended to a JSON-lines file as X v1.1 post
JSON, in real or accelerated time. :class:`Responder` plays a field unit that answers
taskings (receipt, reply, driving to the place).

A replay is bounded (``max_seconds``, ``limit``) and stops by itself. Targets must be
loopback or local multicast addresses unless ``allow_remote`` is set, and multicast
goes out on the loopback interface with TTL 0, so a demo never leaves the machine.
"""

from __future__ import annotations

import ipaddress
import json
import math
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import urlsplit

from desktop.cache import Cache
from desktop.importers.xmlsafe import Dropped
from desktop.live.cot_out import chat_event, marker_event

_COLUMNS = ("kind, source, source_id, t_ms, lat, lon, precision, radius_m, text, author, author_id, lang, "
            "place_name, hashtags, links, unit_uid, callsign, extra")
_LOCAL_MULTICAST = (ipaddress.ip_network("239.0.0.0/8"), ipaddress.ip_network("224.0.0.0/24"))
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass
class ReplayStats:
    cot_sent: int = 0
    posts_written: int = 0
    skipped: int = 0  # rows that could not be expressed (no position, non-numeric post id)
    elapsed_s: float = 0.0
    stopped_by: str = "end"  # end | limit | time | stop


def parse_target(url: str, allow_remote: bool = False) -> tuple[str, str, int]:
    """``udp://239.2.3.1:6969`` or ``tcp://127.0.0.1:8087`` -> (scheme, host, port)."""
    parts = urlsplit(url)
    if parts.scheme not in ("udp", "tcp") or not parts.hostname or not parts.port:
        raise ValueError(f"--cot {url!r}: expected udp://HOST:PORT or tcp://HOST:PORT")
    host = "127.0.0.1" if parts.hostname == "localhost" else parts.hostname
    if not allow_remote:
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            raise ValueError(f"--cot {url!r}: give an IP address (names are not resolved for a replay)") from None
        local = ip.is_loopback or (parts.scheme == "udp" and any(ip in n for n in _LOCAL_MULTICAST))
        if not local:
            raise ValueError(f"--cot {url!r}: {host} is not a loopback or local multicast address; "
                             "a replay stays on this machine unless --allow-remote is given")
    return parts.scheme, host, parts.port


def _rows(conn, kinds: tuple[str, ...]) -> Iterator[dict]:
    sql = f"SELECT {_COLUMNS} FROM items WHERE kind IN ({','.join('?' * len(kinds))}) ORDER BY t_ms, id"
    names = [c.strip() for c in _COLUMNS.split(",")]
    for r in conn.execute(sql, kinds):
        yield dict(zip(names, r))


def field_update_xml(row: dict, t_ms: int, stale_ms: int | None) -> bytes | None:
    """CoT XML for a stored field update at time ``t_ms``; None when it cannot be sent."""
    extra = json.loads(row["extra"] or "{}")
    ctype = extra.get("cot_type") or "a-f-G-U-C"
    uid = row["source_id"].rpartition("@")[0] or row["unit_uid"]
    stale_s = max(60.0, ((stale_ms or t_ms + 300_000) - t_ms) / 1000)
    if ctype == "b-t-f":
        chat = extra.get("chat") or {}
        room_id = chat.get("id")
        direct = room_id if room_id and room_id != "All Chat Rooms" else None
        return chat_event(row["text"], sender_uid=row["unit_uid"] or uid, sender_callsign=row["callsign"] or uid,
                          to_uid=direct, to_callsign=chat.get("room") if direct else None, lat=row["lat"],
                          lon=row["lon"], t_ms=t_ms, message_id=chat.get("message_id"))
    if row["lat"] is None:
        return None
    is_unit = ctype.startswith("a-")
    return marker_event(
        row["unit_uid"] if is_unit and row["unit_uid"] else uid, row["lat"], row["lon"], cot_type=ctype,
        callsign=row["callsign"], remarks=row["text"], stale_s=stale_s, t_ms=t_ms, how=extra.get("how") or "m-g",
        sender_uid=None if is_unit else row["unit_uid"], ce=row["radius_m"], hae=extra.get("hae"),
        team=extra.get("team"), role=extra.get("role"), course=extra.get("course"), speed=extra.get("speed"))


def _created_at(ms: int) -> str:
    dt = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return f"{_DAYS[dt.weekday()]} {_MONTHS[dt.month - 1]} {dt.day:02d} {dt:%H:%M:%S} +0000 {dt.year}"


def post_json(row: dict, t_ms: int) -> dict | None:
    """A stored post as an X v1.1 post object (as a stream delivers it); None without a numeric id."""
    sid = row["source_id"]
    if not sid.isdigit():
        return None
    text = row["text"].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    links = json.loads(row["links"] or "[]")
    tw: dict = {
        "created_at": _created_at(t_ms), "timestamp_ms": str(t_ms), "id": int(sid), "id_str": sid, "text": text,
        "lang": row["lang"] or "und",
        "entities": {"hashtags": [{"text": h} for h in json.loads(row["hashtags"] or "[]")],
                     "urls": [{"url": u, "expanded_url": u} for u in links]},
        "user": {"id_str": row["author_id"] or "0", "screen_name": row["author"] or "unknown"},
        "coordinates": None, "place": None,
    }
    if row["author_id"] and row["author_id"].isdigit():
        tw["user"]["id"] = int(row["author_id"])
    lat, lon = row["lat"], row["lon"]
    if lat is not None and row["precision"] == "exact":
        tw["coordinates"] = {"type": "Point", "coordinates": [lon, lat]}
    elif lat is not None and row["precision"] == "place":
        r = row["radius_m"] or 1000.0
        dlat, dlon = r / 111_320 / math.sqrt(2), r / (111_320 * max(0.01, math.cos(math.radians(lat)))) / math.sqrt(2)
        w, e, s, n = lon - dlon, lon + dlon, lat - dlat, lat + dlat
        tw["place"] = {"full_name": row["place_name"] or "", "place_type": "city", "bounding_box": {
            "type": "Polygon", "coordinates": [[[w, s], [w, n], [e, n], [e, s]]]}}
    return tw


class _Sender:
    def __init__(self, scheme: str, host: str, port: int, allow_remote: bool):
        self.scheme, self.addr = scheme, (host, port)
        if scheme == "udp":
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            if ipaddress.ip_address(host).is_multicast:
                # TTL 0 on the loopback interface: the datagrams never leave this host.
                self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1 if allow_remote else 0)
                self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
                if not allow_remote:
                    self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
        else:
            self.sock = socket.create_connection(self.addr, timeout=10)

    def send(self, data: bytes) -> None:
        if self.scheme == "udp":
            self.sock.sendto(data, self.addr)
        else:
            self.sock.sendall(data)

    def close(self) -> None:
        self.sock.close()


def replay(db: str | Path, *, cot: str | None = None, jsonl: str | Path | None = None, speed: float = 60.0,
           max_seconds: float = 600.0, limit: int | None = None, keep_times: bool = False,
           allow_remote: bool = False, stop: threading.Event | None = None,
           progress: Callable[[ReplayStats], None] | None = None) -> ReplayStats:
    """Replay ``db``'s items in time order; ``speed`` 60 plays an hour in a minute (0: no waiting).

    Times are moved so the first item is "now" and later ones follow at the replay's
    pace (``keep_times`` sends the stored times instead).
    """
    if not cot and not jsonl:
        raise ValueError("nothing to replay to: give --cot and/or --jsonl")
    target = parse_target(cot, allow_remote) if cot else None
    kinds = tuple(k for k, on in (("field_update", bool(cot)), ("post", bool(jsonl))) if on)
    stats = ReplayStats()
    stop = stop or threading.Event()
    cache = Cache.open_readonly(db)
    sender = _Sender(*target, allow_remote) if target else None
    out = open(jsonl, "a", encoding="utf-8") if jsonl else None
    began = time.monotonic()
    wall0 = int(time.time() * 1000)
    t0 = None
    try:
        for row in _rows(cache.conn, kinds):
            if t0 is None:
                t0 = row["t_ms"]
            if limit is not None and stats.cot_sent + stats.posts_written >= limit:
                stats.stopped_by = "limit"
                break
            due = (row["t_ms"] - t0) / 1000 / speed if speed > 0 else 0.0
            if due > max_seconds:
                stats.stopped_by = "time"
                break
            wait = due - (time.monotonic() - began)
            if wait > 0 and stop.wait(wait):
                stats.stopped_by = "stop"
                break
            if stop.is_set():
                stats.stopped_by = "stop"
                break
            t_ms = row["t_ms"] if keep_times else wall0 + int((row["t_ms"] - t0) / (speed if speed > 0 else 1))
            if row["kind"] == "field_update":
                extra = json.loads(row["extra"] or "{}")
                stale = extra.get("stale_ms")
                stale = stale - row["t_ms"] + t_ms if isinstance(stale, int) else None
                xml = field_update_xml(row, t_ms, stale)
                if xml is None:
                    stats.skipped += 1
                    continue
                sender.send(xml)
                stats.cot_sent += 1
            else:
                tw = post_json(row, t_ms)
                if tw is None:
                    stats.skipped += 1
                    continue
                out.write(json.dumps(tw, ensure_ascii=False) + "\n")
                out.flush()  # a tailer sees whole lines as soon as they are due
                stats.posts_written += 1
            if progress and (stats.cot_sent + stats.posts_written) % 500 == 0:
                progress(stats)
    finally:
        stats.elapsed_s = time.monotonic() - began
        if sender:
            sender.close()
        if out:
            out.close()
        cache.close()
    return stats


# --- a simulated unit answering taskings -----------------------------------------------

class ServeLink:
    """The responder's end when there is no TAK server: it listens on ``host:port`` and
    talks CoT with whoever connects (Sitmap's TAK client), like a server of one unit.
    The same interface as :class:`~desktop.live.tak_client.TakClient`: start, stop, send."""

    MAX_PEERS = 4

    def __init__(self, sink, host: str, port: int):
        self.sink = sink
        self.lsock = socket.create_server((host, port))
        self.lsock.setblocking(False)
        self.port = self.lsock.getsockname()[1]
        self._peers: dict[socket.socket, object] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "ServeLink":
        self._thread = threading.Thread(target=self._run, name="sitmap-responder-serve", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    @property
    def connected(self) -> int:
        with self._lock:
            return len(self._peers)

    def send(self, xml: bytes) -> bool:
        with self._lock:
            peers = list(self._peers)
        ok = False
        for sock in peers:
            try:
                sock.sendall(xml)
                ok = True
            except OSError:
                pass  # the reader notices the closed connection
        return ok

    def _run(self) -> None:
        import selectors

        from desktop.live import codec
        from desktop.live.codec import Malformed, StreamFramer

        sel = selectors.DefaultSelector()
        sel.register(self.lsock, selectors.EVENT_READ)
        try:
            while not self._stop.is_set():
                for key, _ in sel.select(0.1):
                    if key.fileobj is self.lsock:
                        try:
                            conn, _ = self.lsock.accept()
                        except OSError:
                            continue
                        if self.connected >= self.MAX_PEERS:
                            conn.close()
                            continue
                        conn.settimeout(5)
                        with self._lock:
                            self._peers[conn] = StreamFramer()
                        sel.register(conn, selectors.EVENT_READ)
                        continue
                    sock = key.fileobj
                    try:
                        data = sock.recv(65536)
                    except OSError:
                        data = b""
                    if not data:
                        sel.unregister(sock)
                        with self._lock:
                            self._peers.pop(sock, None)
                        sock.close()
                        continue
                    records = []
                    for frame in self._peers[sock].feed(data):
                        if isinstance(frame, Dropped):
                            continue
                        try:
                            records += codec.frame_records(frame)
                        except Malformed:
                            pass
                    if records:
                        self.sink(records, "responder")
        finally:
            with self._lock:
                for sock in self._peers:
                    sock.close()
                self._peers.clear()
            sel.close()
            self.lsock.close()


class Responder:
    """A field unit played by the machine, so the tasking loop can be shown without a phone.

    It connects to a TAK feed (``host:port``, TCP, loopback unless ``allow_remote``),
    or with ``serve`` listens there for Sitmap's TAK client to connect; it reports its position every ``report_s`` seconds and, when a GeoChat addressed to
    its ``uid`` names a task code, answers as ATAK would: a delivery receipt for the
    messageId at once, after ``reply_delay_s`` a GeoChat "확인 T-xxxx, 이동 중" to the
    sender, then position reports moving at ``speed_mps`` towards the task's place (the
    task marker's, else the message's point) until it is there.
    """

    def __init__(self, host: str, port: int, *, uid: str, callsign: str, lat: float, lon: float,
                 speed_mps: float = 25.0, step_s: float = 1.0, report_s: float = 10.0, reply_delay_s: float = 2.0,
                 allow_remote: bool = False, tls=None, serve: bool = False):
        from desktop.live.tak_client import TakClient

        if tls is None:  # the same rule as a replay: this machine only, unless allowed
            try:
                _, host, _ = parse_target(f"tcp://{host}:{port or 1}", allow_remote)
            except ValueError as exc:
                raise ValueError(str(exc).replace("--cot", "--tcp", 1)) from None
        if not uid or not callsign:
            raise ValueError("a responder needs a uid and a callsign")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError(f"start position {lat},{lon} is not latitude,longitude")
        self.uid, self.callsign = uid, callsign
        self.lat, self.lon = float(lat), float(lon)
        self.speed_mps, self.step_s, self.report_s, self.reply_delay_s = speed_mps, step_s, report_s, reply_delay_s
        self.client = (ServeLink(self._on_records, host, port) if serve else
                       TakClient(self._on_records, host, port, tls, label=f"responder {callsign}",
                                 backoff_initial=0.2, backoff_max=5.0))
        self.answered: list[str] = []  # task codes answered, in order
        self.arrived: list[str] = []  # task codes whose place was reached
        self.sent = 0
        self._lock = threading.Lock()
        self._places: dict[str, tuple[float, float]] = {}  # task code -> the task marker's position
        self._due: list[tuple[float, bytes]] = []  # (monotonic time, CoT) waiting to be sent
        self._target: tuple[str, float, float] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_report = float("-inf")

    def start(self) -> "Responder":
        self.client.start()
        self._thread = threading.Thread(target=self._run, name=f"sitmap-responder-{self.uid}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        self.client.stop()

    @property
    def position(self) -> tuple[float, float]:
        with self._lock:
            return self.lat, self.lon

    # --- what arrives --------------------------------------------------------------------
    def _on_records(self, records, label) -> bool:
        from desktop.core.model import Item
        from desktop.live.tasking import codes_in

        for rec in records:
            if not isinstance(rec, Item):
                continue
            extra = rec.extra or {}
            chat = extra.get("chat")
            codes = codes_in(rec.text)
            if not codes:
                continue
            if chat is None:
                if rec.lat is not None and extra.get("cot_type", "").startswith("b-m-p"):
                    with self._lock:
                        self._places[codes[-1]] = (rec.lat, rec.lon)  # the marker's remarks end with [code]
                continue
            if chat.get("id") != self.uid or rec.unit_uid == self.uid:
                continue  # not addressed to this unit (or its own message coming back)
            self._answer(codes[0], chat, rec)
        return True

    def _answer(self, code: str, chat: dict, rec) -> None:
        from desktop.live.cot_out import chat_event, receipt_event

        sender, sender_cs = rec.unit_uid, rec.callsign or rec.unit_uid
        now = time.monotonic()
        with self._lock:
            if code in self.answered:
                return
            self.answered.append(code)
            lat, lon = self.lat, self.lon
            if chat.get("message_id") and sender:
                self._due.append((now, receipt_event(chat["message_id"], sender_uid=self.uid,
                                                     sender_callsign=self.callsign, to_uid=sender,
                                                     to_callsign=sender_cs, lat=lat, lon=lon)))
            if sender:
                self._due.append((now + self.reply_delay_s, chat_event(
                    f"확인 {code}, 이동 중", sender_uid=self.uid, sender_callsign=self.callsign, to_uid=sender,
                    to_callsign=sender_cs, lat=lat, lon=lon)))
            place = self._places.get(code)
            if place is None and rec.lat is not None and (rec.lat, rec.lon) != (0.0, 0.0):
                place = (rec.lat, rec.lon)
            if place is not None:
                self._target = (code, place[0], place[1])
            self._due.sort(key=lambda d: d[0])

    # --- what goes out -------------------------------------------------------------------
    def _run(self) -> None:
        step_at = time.monotonic()
        while not self._stop.wait(min(0.05, self.step_s)):
            now = time.monotonic()
            with self._lock:
                ready = [x for t, x in self._due if t <= now]
                self._due = [(t, x) for t, x in self._due if t > now]
            for xml in ready:
                self._send(xml)
            if now - step_at >= self.step_s:
                dt, step_at = now - step_at, now
                if self._target is not None and not self._replying():
                    self._step(dt)
                    self._report()
                    continue
            if now - self._last_report >= self.report_s:
                self._report()  # the first one as soon as the feed is connected

    def _replying(self) -> bool:
        """True while the reply is still waiting: the unit answers before it moves."""
        with self._lock:
            return bool(self._due)

    def _step(self, dt: float) -> None:
        from desktop.live.tasking import distance_m

        with self._lock:
            code, tlat, tlon = self._target
            d = distance_m(self.lat, self.lon, tlat, tlon)
            step = self.speed_mps * dt
            if d <= step or d < 1.0:
                self.lat, self.lon, self._target = tlat, tlon, None
                self.arrived.append(code)
            else:
                f = step / d
                self.lat += (tlat - self.lat) * f
                self.lon += (tlon - self.lon) * f

    def _report(self) -> None:
        from desktop.live.cot_out import marker_event

        with self._lock:
            lat, lon, moving = self.lat, self.lon, self._target is not None
        if self._send(marker_event(self.uid, lat, lon, cot_type="a-f-G-U-C", callsign=self.callsign, how="m-g",
                                   stale_s=max(60.0, self.report_s * 6), team="Cyan", role="Team Member",
                                   speed=self.speed_mps if moving else 0.0)):
            self._last_report = time.monotonic()

    def _send(self, xml: bytes) -> bool:
        ok = self.client.send(xml)
        if ok:
            self.sent += 1
        return ok
