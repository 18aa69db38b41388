"""Turning network payloads into records: CoT XML events and TAK Protocol v1
protobuf messages (mesh datagrams ``0xBF 0x01 0xBF <TakMessage>`` and stream frames
``0xBF <varint length> <TakMessage>``).

Protobuf is decoded with the ``takproto`` package's generated ``TakMessage`` class;
framing is our own, so a hostile length can never make us buffer or read more than
the size cap. A decoded message is rebuilt as a CoT XML element tree (the free-form
``xmlDetail`` parsed on its own with the safe parser) and then read by
:func:`desktop.importers.cot.parse_event`, so both encodings get exactly the same
checks and produce the same records.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone

from desktop.importers import xmlsafe
from desktop.importers.base import BadRecord
from desktop.importers.cot import parse_event
from desktop.importers.xmlsafe import MAX_EVENT_BYTES, CotStreamParser, Dropped
from desktop.core.model import Item, Record

MAGIC = 0xBF
AUTH_PLAIN = "unauthenticated"
AUTH_TLS = "tls"


class Malformed(ValueError):
    """A payload that cannot be used; the message says why."""


def tag_records(records: list[Record], feed: str, auth: str) -> list[Record]:
    """Mark every item with the feed it came from and how that feed was authenticated."""
    for rec in records:
        if isinstance(rec, Item):
            extra = rec.extra if rec.extra is not None else {}
            extra["feed"] = feed
            extra["auth"] = auth
            rec.extra = extra
    return records


def xml_records(frame: bytes, max_bytes: int = MAX_EVENT_BYTES) -> list[Record]:
    """Records of one CoT XML event; :class:`Malformed` when it cannot be used."""
    try:
        return parse_event(frame, where="event", max_bytes=max_bytes)
    except BadRecord as exc:
        raise Malformed(str(exc)) from None


# --- TAK Protocol v1 -------------------------------------------------------------------

def _tak_message_class():
    from takproto.proto import TakMessage  # imported on first use: protobuf costs ~50 ms

    return TakMessage


def read_varint(buf: bytes | bytearray, i: int) -> tuple[int, int] | None:
    """(value, next index) of the varint at ``buf[i]``; None when more bytes are needed.
    Raises Malformed past ten bytes (no 64-bit varint is longer)."""
    value = shift = 0
    for k in range(10):
        if i + k >= len(buf):
            return None
        b = buf[i + k]
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, i + k + 1
        shift += 7
    raise Malformed("varint longer than ten bytes")


def mesh_payload(datagram: bytes) -> bytes:
    """The TakMessage bytes of a mesh datagram ``0xBF <varint version> 0xBF ...``."""
    got = read_varint(datagram, 1)
    if datagram[:1] != b"\xbf" or got is None:
        raise Malformed("not a TAK protocol header")
    version, i = got
    if version != 1:
        raise Malformed(f"TAK protocol version {version} is not supported (only version 1)")
    if datagram[i:i + 1] != b"\xbf":
        raise Malformed("TAK protocol header lacks its closing 0xBF")
    return datagram[i + 1:]


def _iso(ms: int) -> str:
    try:
        dt = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise Malformed(f"time {ms} ms is out of range") from None
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def proto_to_xml(payload: bytes, max_bytes: int = MAX_EVENT_BYTES) -> bytes | None:
    """CoT XML for one serialised TakMessage; None for a control-only message."""
    if len(payload) > max_bytes:
        raise Malformed(f"message is {len(payload)} bytes, over the {max_bytes}-byte limit")
    msg = _tak_message_class()()
    try:
        msg.ParseFromString(bytes(payload))
    except Exception as exc:  # protobuf's DecodeError and friends
        raise Malformed(f"not a TAK protocol message ({type(exc).__name__})") from None
    if not msg.HasField("cotEvent"):
        return None  # protocol control only
    ev = msg.cotEvent
    root = ET.Element("event", {"version": "2.0"})
    for name in ("uid", "type", "how", "access", "qos", "opex"):
        if getattr(ev, name):
            root.set(name, getattr(ev, name))
    for name, field in (("time", "sendTime"), ("start", "startTime"), ("stale", "staleTime")):
        ms = getattr(ev, field)
        if ms:
            root.set(name, _iso(ms))
    ET.SubElement(root, "point", {k: repr(float(getattr(ev, k))) for k in ("lat", "lon", "hae", "ce", "le")})
    if ev.HasField("detail"):
        root.append(_detail(ev.detail, max_bytes))
    return ET.tostring(root, encoding="utf-8")


def _detail(d, max_bytes: int) -> ET.Element:
    detail = ET.Element("detail")
    if d.xmlDetail:
        # Parsed as its own document and only its children copied over, so the text
        # can never close our elements or add attributes to them.
        try:
            wrapper = xmlsafe.parse_bytes(b"<detail>" + d.xmlDetail.encode("utf-8") + b"</detail>",
                                          max_bytes=max_bytes)
        except xmlsafe.XmlError as exc:
            raise Malformed(f"xmlDetail: {exc.reason}") from None
        detail.extend(list(wrapper))
    if d.HasField("contact"):
        _sub(detail, "contact", callsign=d.contact.callsign, endpoint=d.contact.endpoint)
    if d.HasField("group"):
        _sub(detail, "__group", name=d.group.name, role=d.group.role)
    if d.HasField("precisionLocation"):
        _sub(detail, "precisionlocation", geopointsrc=d.precisionLocation.geopointsrc,
             altsrc=d.precisionLocation.altsrc)
    if d.HasField("status"):
        _sub(detail, "status", battery=str(d.status.battery))
    if d.HasField("takv"):
        t = d.takv
        _sub(detail, "takv", device=t.device, platform=t.platform, os=t.os, version=t.version)
    if d.HasField("track"):
        _sub(detail, "track", speed=repr(d.track.speed), course=repr(d.track.course))
    return detail


def _sub(parent: ET.Element, tag: str, **attrs: str) -> None:
    ET.SubElement(parent, tag, {k: v for k, v in attrs.items() if v})


def proto_records(payload: bytes, max_bytes: int = MAX_EVENT_BYTES) -> list[Record]:
    """Records of one serialised TakMessage; Malformed when it cannot be used."""
    xml = proto_to_xml(payload, max_bytes)
    return [] if xml is None else xml_records(xml, max_bytes)


def datagram_records(datagram: bytes, max_bytes: int = MAX_EVENT_BYTES) -> list[Record]:
    """Records of one UDP datagram: a mesh protobuf packet or one XML event."""
    if datagram[:1] == b"\xbf":
        return proto_records(mesh_payload(datagram), max_bytes)
    return xml_records(datagram, max_bytes)


@dataclass(frozen=True, slots=True)
class Frame:
    """One framed message from a stream: XML event bytes or a TakMessage's bytes."""

    data: bytes
    proto: bool


class ProtoStreamFramer:
    """Frames ``0xBF <varint length> <TakMessage>`` messages from reads split anywhere.

    A byte other than 0xBF where a frame should start is garbage: it is skipped up to
    the next 0xBF (one drop per run). A frame longer than the cap is skipped without
    being buffered. Framing never depends on how the bytes were split.
    """

    def __init__(self, max_message_bytes: int = MAX_EVENT_BYTES):
        self.max_message_bytes = max_message_bytes
        self._buf = bytearray()
        self._skip = 0  # bytes of an oversized frame still to throw away
        self._in_garbage = False

    def feed_detailed(self, data: bytes) -> list[bytes | Dropped]:
        out: list[bytes | Dropped] = []
        self._buf += data
        buf = self._buf
        i = 0
        while True:
            if self._skip:
                k = min(self._skip, len(buf) - i)
                self._skip -= k
                i += k
                if self._skip:
                    break
            if i >= len(buf):
                break
            if buf[i] != MAGIC:
                if not self._in_garbage:
                    self._in_garbage = True
                    out.append(Dropped("garbage"))
                j = buf.find(b"\xbf", i)
                i = len(buf) if j < 0 else j
                continue
            try:
                got = read_varint(buf, i + 1)
            except Malformed:
                self._in_garbage = False
                out.append(Dropped("garbage"))
                i += 1
                continue
            if got is None:
                break
            self._in_garbage = False
            length, start = got
            if length > self.max_message_bytes:
                out.append(Dropped("oversized"))
                self._skip = length
                i = start
                continue
            if len(buf) - start < length:
                break
            out.append(bytes(buf[start:start + length]))
            i = start + length
        del buf[:i]
        return out

    def close(self) -> list[Dropped]:
        unfinished = bool(self._buf) or self._skip > 0
        self._buf.clear()
        self._skip = 0
        self._in_garbage = False
        return [Dropped("unfinished")] if unfinished else []


class StreamFramer:
    """Per-connection framing that picks XML or TAK protocol streams from the first
    byte that is not whitespace (0xBF means protobuf), then keeps that choice."""

    def __init__(self, max_event_bytes: int = MAX_EVENT_BYTES):
        self.max_event_bytes = max_event_bytes
        self._framer: CotStreamParser | ProtoStreamFramer | None = None
        self._pending = b""

    @property
    def proto(self) -> bool | None:
        """True for protobuf, False for XML, None until the first byte arrived."""
        return None if self._framer is None else isinstance(self._framer, ProtoStreamFramer)

    def feed(self, data: bytes) -> list[Frame | Dropped]:
        if self._framer is None:
            data = self._pending + data
            stripped = data.lstrip(b" \t\r\n")
            if not stripped:
                self._pending = data[-64:]  # keep-alive whitespace before anything else
                return []
            self._pending = b""
            if stripped[0] == MAGIC:
                self._framer = ProtoStreamFramer(self.max_event_bytes)
                data = stripped
            else:
                self._framer = CotStreamParser(self.max_event_bytes)
        is_proto = isinstance(self._framer, ProtoStreamFramer)
        return [Frame(x, is_proto) if isinstance(x, bytes) else x for x in self._framer.feed_detailed(data)]

    def close(self) -> list[Dropped]:
        return [] if self._framer is None else list(self._framer.close())


def frame_records(frame: Frame, max_bytes: int = MAX_EVENT_BYTES) -> list[Record]:
    return proto_records(frame.data, max_bytes) if frame.proto else xml_records(frame.data, max_bytes)
