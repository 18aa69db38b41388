"""Replaying a cache (normally the demo incident) as a live feed: its field updates
as CoT XML over UDP or TCP, its posts appended to a JSON-lines file as X v1.1 post
JSON, in real or accelerated time.

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
