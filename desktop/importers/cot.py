"""Cursor-on-Target (CoT) XML: officer position reports, GeoChat, deletions and
emergency alerts, from a file holding one event, many concatenated events, or an
``<events>`` element wrapping them.

A point's ``ce`` (circular error, metres) is the item's ``radius_m``. ``ce="9999999"``
(what iTAK and many ATAK reports send), a missing or unreadable ``ce`` mean the sender
does not know how good the fix is: the position is kept (precision stays ``exact``, a
device's fix rather than a place or a guess; ``unknown`` means no position at all), no
radius is stored, and ``extra["accuracy"] = "unknown"`` says so in the details.

Pings, protocol and other ``t-x-…`` control messages and chat receipts are read but not
stored; a file import counts them (and the deletes it applies) in its notes.

:func:`parse_event` turns one framed event into records; live network listeners
reuse it with :class:`~desktop.importers.xmlsafe.CotStreamParser`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Iterable, Iterator

from desktop.importers import xmlsafe
from desktop.importers.base import (
    MAX_XML_BYTES, BadRecord, ImportContext, ImportFailed, check_latlon, hashtags_in, links_in, parse_time,
    read_bytes,
)
from desktop.importers.xmlsafe import CotStreamParser, Dropped
from desktop.core.model import DeleteUnit, Item, Kind, Precision, Record, Unit, nfc

NAME = "cot"
SOURCE = "tak"
# A file may hold events bigger than a live feed allows (routes and drawings carry
# many points), but one event is still never a whole file's worth.
FILE_EVENT_BYTES = 4 * 1024 * 1024
# ce/hae/le at or above this mean "unknown" (9999999 in XML, 999999 in protobuf).
UNKNOWN_ERROR = 999_999.0

EMERGENCY_TYPES = {"b-a-o-tbl", "b-a-o-pan", "b-a-o-opn", "b-a-g"}
CANCEL_TYPE = "b-a-o-can"
# Emergency names devices put in detail/emergency/@type, mapped to the type codes.
_EMERGENCY_NAMES = {
    "911 alert": "b-a-o-tbl", "ring the bell": "b-a-o-pan", "in contact": "b-a-o-opn",
    "troops in contact": "b-a-o-opn", "geo-fence breached": "b-a-g", "cancel": "cancel", CANCEL_TYPE: "cancel",
}
_SKIP_REASONS = {
    "oversized": f"larger than {FILE_EVENT_BYTES // (1024 * 1024)} MiB; dropped",
    "truncated": "cut short: the next document began before this event ended",
    "unfinished": "cut short at the end of the file",
}


@dataclass(frozen=True, slots=True)
class ChatReceipt:
    """A GeoChat delivery (``b-t-f-d``) or read (``b-t-f-r``) receipt: the messageId it
    names and who sent it. Not stored; the live path hands it to record listeners
    (task tracking) and a file import counts it as a control message."""

    message_id: str
    kind: str  # "delivered" or "read"
    sender_uid: str | None
    sender_callsign: str | None
    t_ms: int | None


# Drawings a TAK user makes: a free shape or polygon (a list of vertices; closed when the
# first equals the last), a rectangle (four corners) and a circle (centre and radius).
SHAPE_TYPES = ("u-d-f", "u-d-r", "u-d-c-c")
MAX_SHAPE_POINTS = 5000


@dataclass(frozen=True, slots=True)
class DrawnShape:
    """A shape drawn on a TAK device (``u-d-f``, ``u-d-r``, ``u-d-c-c``): its uid, what it
    is, its vertices or centre and radius, and its name. Not stored as an item; the live
    path hands it to record listeners, which keep it as a saved area
    (:mod:`desktop.live.shapes`), and a file import counts it.

    ``kind`` is ``polygon`` (closed), ``line`` (an open ``u-d-f``), ``rectangle`` or
    ``circle``; ``points`` are ``(lat, lon)`` pairs (a polygon's ring closed), a circle's
    ``center`` is ``(lat, lon)`` with ``radius_m`` (``minor_m``, ``angle``: an ellipse).
    ``removed`` is true when the event was sent already stale (the sender took it away).
    """

    uid: str
    cot_type: str
    kind: str
    points: tuple[tuple[float, float], ...]
    center: tuple[float, float] | None
    radius_m: float | None
    minor_m: float | None
    angle: float | None
    name: str | None
    remarks: str
    sender_uid: str | None
    t_ms: int
    stale_ms: int | None
    removed: bool = False


def sniff(head: bytes, path: Path) -> int:
    """70 when the first element is ``<event>``, or ``<events>`` wrapping several."""
    return 70 if xmlsafe.first_element_name(head) in ("event", "events") else 0


# Read and understood, but nothing to store: counted for the import summary by type.
CONTROL_KINDS = (("t-x-c-t", "ping"), ("t-x-takp", "protocol message"), ("b-t-f-d", "chat delivery receipt"),
                 ("b-t-f-r", "chat read receipt"))


def _control_kind(ctype: str) -> str:
    return next((name for prefix, name in CONTROL_KINDS if ctype.startswith(prefix)), "other control message")


def _event_type(frame: bytes) -> str:
    """The type of an event that parsed once already (a control message: small)."""
    try:
        return (xmlsafe.parse_bytes(bytes(frame), max_bytes=FILE_EVENT_BYTES).get("type") or "").strip()
    except xmlsafe.XmlError:
        return ""


def read(path: Path, ctx: ImportContext) -> Iterator[Record]:
    """Frame and check the whole file first (so a refused file raises here), then
    return an iterator over its records."""
    data = read_bytes(path, MAX_XML_BYTES)
    framer = CotStreamParser(max_event_bytes=FILE_EVENT_BYTES)
    frames = framer.feed_detailed(data) + framer.close()
    if framer.saw_dtd:
        raise ImportFailed(path, xmlsafe.DTD_REASON + " (a DOCTYPE or entity declaration was found)")
    if not any(not (isinstance(f, Dropped) and f.reason == "garbage") for f in frames):
        raise ImportFailed(path, "not Cursor-on-Target XML: no <event> element found")
    if xmlsafe.first_element_name(data[:64 * 1024]) == "events":  # as much as detection reads
        # <events> … </events>: the wrapper before the first event and after the last is not data lost.
        real = [i for i, f in enumerate(frames) if not (isinstance(f, Dropped) and f.reason == "garbage")]
        frames = frames[real[0]: real[-1] + 1]
        ctx.note("events read from an <events> wrapper")
    return _records(frames, ctx)


def _records(frames: Iterable[bytes | Dropped], ctx: ImportContext) -> Iterator[Record]:
    n = 0
    control: dict[str, int] = {}
    deletes = unknown_accuracy = 0
    for frame in frames:
        if isinstance(frame, Dropped):
            if frame.reason == "garbage":
                ctx.skip(f"after event {n}" if n else "before event 1", "data that is not a CoT event was dropped")
            else:
                n += 1
                ctx.skip(f"event {n}", _SKIP_REASONS.get(frame.reason, frame.reason))
            continue
        n += 1
        where = f"event {n}"
        try:
            records = parse_event(frame, where=where, keep_raw=ctx.options.keep_raw)
        except BadRecord as exc:
            ctx.skip(where, str(exc))
            continue
        shapes = sum(1 for r in records if isinstance(r, DrawnShape))
        records = [r for r in records if not isinstance(r, (ChatReceipt, DrawnShape))]  # nothing to import
        if shapes:
            control["drawn shape"] = control.get("drawn shape", 0) + shapes
        elif not records:
            kind = _control_kind(_event_type(frame))
            control[kind] = control.get(kind, 0) + 1
        for r in records:
            if isinstance(r, DeleteUnit):
                deletes += 1
            elif isinstance(r, Item) and r.extra.get("accuracy") == "unknown":
                unknown_accuracy += 1
        yield from records
    if control or deletes:
        parts = [f"{v:,} {k}{'s' if v > 1 else ''}" for k, v in sorted(control.items())]
        if deletes:
            parts.append(f"{deletes:,} delete{'s' if deletes > 1 else ''} (the units were removed from the map)")
        total = sum(control.values()) + deletes
        ctx.note(f"{total:,} control message{'s' if total > 1 else ''} read, not stored as items: " + ", ".join(parts))
    if unknown_accuracy:
        ctx.note(f"{unknown_accuracy:,} position{'s' if unknown_accuracy > 1 else ''} with accuracy unknown "
                 "(ce=9999999, or no ce): no error radius stored, marked 'accuracy unknown'")


def parse_event(xml_bytes: bytes, *, where: str = "event", keep_raw: bool = False,
                max_bytes: int = FILE_EVENT_BYTES) -> list[Record]:
    """Records for one CoT event document (bytes from ``<event`` to its end).

    Returns ``[]`` for protocol control messages and keep-alives, which are never
    mapped. Raises :class:`BadRecord` (with ``.where`` set to ``where``) for an event
    that cannot be used; nothing else escapes.
    """
    try:
        return _parse(xml_bytes, keep_raw, max_bytes)
    except BadRecord as exc:
        exc.where = where  # type: ignore[attr-defined]
        raise
    except RecursionError:  # serialising a detail nested thousands of levels deep
        exc = BadRecord("event is nested too deeply")
        exc.where = where  # type: ignore[attr-defined]
        raise exc from None


def _parse(xml_bytes: bytes, keep_raw: bool, max_bytes: int) -> list[Record]:
    try:
        root = xmlsafe.parse_bytes(bytes(xml_bytes), max_bytes=max_bytes)
    except xmlsafe.XmlError as exc:
        raise BadRecord(exc.reason) from None
    if xmlsafe.local_name(root.tag) != "event":
        raise BadRecord(f"not a CoT event (the element is <{xmlsafe.local_name(root.tag)[:40]}>)")
    detail = xmlsafe.child(root, "detail")
    detail_xml = None
    if detail is not None:
        # Kept verbatim (before namespaces are stripped) so children Sitmap does not read survive.
        detail.tail = None
        detail_xml = ET.tostring(detail, encoding="unicode")
    xmlsafe.strip_namespaces(root)
    uid = _attr(root, "uid")
    ctype = _attr(root, "type")
    if not uid:
        raise BadRecord("event has no uid")
    if not ctype:
        raise BadRecord(f"event {uid[:80]!r} has no type")
    if ctype.startswith("t-x-") and not ctype.startswith("t-x-d-d"):
        return []  # protocol negotiation, pings and other control messages: never mapped, counted by file imports
    if ctype.startswith(("b-t-f-d", "b-t-f-r")):
        return _receipt(root, detail, ctype)  # chat delivery and read receipts carry no message
    t_ms = _time(root.get("time") or root.get("start"), "time")
    stale_ms = _opt_time(root.get("stale"))
    if ctype == "t-x-d-d":
        target = _attr(detail.find("link") if detail is not None else None, "uid")
        if not target:
            raise BadRecord("delete message names no uid (detail/link/@uid)")
        return [DeleteUnit(uid=target)]
    if ctype.startswith("t-"):
        raise BadRecord(f"tasking message {ctype[:40]} is not shown on the map")
    if ctype in SHAPE_TYPES:
        return [_shape(root, detail, uid, ctype, t_ms, stale_ms)]

    d = detail if detail is not None else ET.Element("detail")
    callsign = _attr(d.find("contact"), "callsign")
    group = d.find("__group")
    team, role = _attr(group, "name"), _attr(group, "role")
    track = d.find("track")
    speed = _num(_attr(track, "speed"), low=0.0)
    course = _num(_attr(track, "course"))
    battery = _num(_attr(d.find("status"), "battery"))
    if battery is not None and battery.is_integer():
        battery = int(battery)
    remarks = nfc(xmlsafe.text_of(d.find("remarks"))) or ""
    emergency = _emergency(ctype, d)
    chat_el = d.find("__chat")
    link_p = next((ln for ln in d.findall("link") if ln.get("relation") == "p-p"), d.find("link"))
    sender_uid = _attr(link_p, "uid")

    point = root.find("point")
    lat = lon = radius = hae = accuracy = None
    precision = Precision.UNKNOWN
    try:
        if point is None:
            raise BadRecord("event has no point")
        lat, lon = check_latlon(point.get("lat"), point.get("lon"))
        precision = Precision.EXACT
        ce = _num(point.get("ce"), low=0.0)
        radius = ce if ce is not None and ce < UNKNOWN_ERROR else None
        accuracy = "unknown" if ce is None or ce >= UNKNOWN_ERROR else None
        hae = _num(point.get("hae"))
        hae = hae if hae is not None and abs(hae) < UNKNOWN_ERROR else None
    except BadRecord:
        # A chat message without a position fix is still worth reading; a position report is not.
        if chat_el is None and ctype != "b-t-f":
            raise

    extra = {
        "cot_type": ctype, "how": _attr(root, "how"), "stale_ms": stale_ms, "team": team, "role": role,
        "course": course, "speed": speed, "battery": battery, "emergency": emergency, "hae": hae,
        "detail": detail_xml,
    }
    if accuracy:
        extra["accuracy"] = accuracy  # the sender does not know how good the fix is
    item = Item(
        kind=Kind.FIELD_UPDATE, source=SOURCE, source_id=f"{uid}@{t_ms}", t_ms=t_ms, text=remarks,
        lat=lat, lon=lon, precision=precision, radius_m=radius, author=callsign, author_id=uid,
        hashtags=tuple(hashtags_in(remarks)), links=tuple(links_in(remarks)), unit_uid=uid, callsign=callsign,
        extra=extra, raw=bytes(xml_bytes).decode("utf-8", "replace") if keep_raw else None,
    )
    if chat_el is not None or ctype == "b-t-f":
        chatgrp = chat_el.find("chatgrp") if chat_el is not None else None
        sender_uid = sender_uid or _attr(chatgrp, "uid0")
        sender = _attr(chat_el, "senderCallsign")
        item.author = item.callsign = nfc(sender) or item.callsign
        item.author_id = item.unit_uid = sender_uid
        extra["chat"] = {
            "room": _attr(chat_el, "chatroom"), "id": _attr(chat_el, "id"), "sender_uid": sender_uid,
            "message_id": _attr(chat_el, "messageId"), "parent": _attr(chat_el, "parent"),
        }
        return [item]
    if not ctype.startswith("a-"):
        # Alerts, markers and drawings belong to the unit that sent them, not to a map unit of their own.
        if sender_uid:
            item.author_id = item.unit_uid = sender_uid
        return [item]
    parts = ctype.split("-")
    affiliation = parts[1] if len(parts) > 1 and parts[1] else "u"
    unit = Unit(uid=uid, callsign=nfc(callsign), cot_type=ctype, affiliation=affiliation, t_ms=t_ms,
                stale_ms=stale_ms, lat=lat, lon=lon, team=nfc(team), role=nfc(role), course=course, speed=speed)
    return [item, unit]



def _receipt(root: ET.Element, detail: ET.Element | None, ctype: str) -> list[Record]:
    """A receipt naming the messageId it answers (ATAK writes ``__chatreceipt``, WinTAK
    ``__chat``); ``[]`` when it names none."""
    if detail is None:
        return []
    chat = detail.find("__chatreceipt")
    if chat is None:
        chat = detail.find("__chat")
    mid = _attr(chat, "messageId")
    if not mid or len(mid) > 200:
        return []
    link_p = next((ln for ln in detail.findall("link") if ln.get("relation") == "p-p"), detail.find("link"))
    chatgrp = chat.find("chatgrp")
    sender = _attr(link_p, "uid") or _attr(chatgrp, "uid0")
    return [ChatReceipt(message_id=mid, kind="read" if ctype.startswith("b-t-f-r") else "delivered",
                        sender_uid=sender, sender_callsign=nfc(_attr(chat, "senderCallsign")),
                        t_ms=_opt_time(root.get("time") or root.get("start")))]

def _shape(root: ET.Element, detail: ET.Element | None, uid: str, ctype: str, t_ms: int,
           stale_ms: int | None) -> DrawnShape:
    """A drawing: vertices from ``detail/link/@point`` (``lat,lon[,hae]``), or for a circle
    the event's point and ``detail/shape/ellipse`` (major, minor in metres, angle)."""
    d = detail if detail is not None else ET.Element("detail")
    name = nfc(_attr(d.find("contact"), "callsign"))
    remarks = nfc(xmlsafe.text_of(d.find("remarks"))) or ""
    links = d.findall("link")
    sender = next((_attr(ln, "uid") for ln in links if ln.get("relation") == "p-p" and _attr(ln, "uid")), None)
    removed = stale_ms is not None and stale_ms <= t_ms
    common = dict(uid=uid, cot_type=ctype, name=name, remarks=remarks, sender_uid=sender, t_ms=t_ms,
                  stale_ms=stale_ms, removed=removed)
    if ctype == "u-d-c-c":
        point = root.find("point")
        if point is None:
            raise BadRecord(f"circle {uid[:80]!r} has no centre point")
        center = check_latlon(point.get("lat"), point.get("lon"))
        shape = d.find("shape")
        ellipse = shape.find("ellipse") if shape is not None else None
        major = _num(_attr(ellipse, "major"), low=0.0)
        minor = _num(_attr(ellipse, "minor"), low=0.0)
        if not major and not minor:
            raise BadRecord(f"circle {uid[:80]!r} has no radius (detail/shape/ellipse/@major)")
        major = major or minor
        return DrawnShape(kind="circle", points=(), center=center, radius_m=major, minor_m=minor or major,
                          angle=_num(_attr(ellipse, "angle")), **common)
    points: list[tuple[float, float]] = []
    for ln in links:
        spec = _attr(ln, "point")
        if spec is None:
            continue
        parts = spec.split(",")
        if len(parts) < 2:
            raise BadRecord(f"shape {uid[:80]!r}: vertex {spec[:40]!r} is not lat,lon")
        points.append(check_latlon(parts[0].strip(), parts[1].strip()))
        if len(points) > MAX_SHAPE_POINTS:
            raise BadRecord(f"shape {uid[:80]!r} has more than {MAX_SHAPE_POINTS} vertices")
    if ctype == "u-d-r":
        if len(points) < 4:
            raise BadRecord(f"rectangle {uid[:80]!r} has {len(points)} corners, not 4")
        ring = points[:4] + [points[0]]
        return DrawnShape(kind="rectangle", points=tuple(ring), center=None, radius_m=None, minor_m=None,
                          angle=None, **common)
    if len(points) < 2:
        raise BadRecord(f"shape {uid[:80]!r} has {len(points)} vertices")
    closed = len(points) >= 4 and points[0] == points[-1]
    return DrawnShape(kind="polygon" if closed else "line", points=tuple(points), center=None, radius_m=None,
                      minor_m=None, angle=None, **common)


def _attr(el: ET.Element | None, name: str) -> str | None:
    """An attribute's stripped value; None when absent or blank."""
    if el is None:
        return None
    value = (el.get(name) or "").strip()
    return value or None


def _num(value: str | None, *, low: float | None = None) -> float | None:
    """A finite number, or None for anything else (a bad speed never costs the report)."""
    if value is None:
        return None
    try:
        num = float(value)
    except ValueError:
        return None
    if not math.isfinite(num) or (low is not None and num < low):
        return None
    return num


def _time(value: str | None, what: str) -> int:
    if not value:
        raise BadRecord(f"event has no {what}")
    try:
        # CoT times are UTC; one written without a zone is read as UTC too.
        return parse_time(value.strip(), None, assume_utc=True)
    except BadRecord:
        raise
    except (ValueError, OverflowError):  # offsets of a day or more, years out of range
        raise BadRecord(f"invalid {what} {value[:40]!r}") from None


def _opt_time(value: str | None) -> int | None:
    try:
        return _time(value, "stale") if value else None
    except BadRecord:
        return None  # a broken stale time only loses the greying-out, not the report


def _emergency(ctype: str, detail: ET.Element) -> str | None:
    """The emergency code (``b-a-o-tbl`` …), ``'cancel'``, or None."""
    if ctype == CANCEL_TYPE:
        return "cancel"
    if ctype in EMERGENCY_TYPES:
        return ctype
    em = detail.find("emergency")
    if em is None:
        return None
    if (em.get("cancel") or "").strip().lower() in ("true", "1", "yes"):
        return "cancel"
    name = (em.get("type") or "").strip()
    return _EMERGENCY_NAMES.get(name.casefold(), name[:60]) or "emergency"
