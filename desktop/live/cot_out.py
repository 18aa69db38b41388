"""Outgoing Cursor-on-Target: markers the commander places, GeoChat messages (and
the receipts a unit sends for them), public posts pushed to the field.

Every document is built with ElementTree, which escapes attribute values and text,
so nothing a person typed (or a post said) can change the document's structure.
Characters XML 1.0 cannot carry (most control characters, lone surrogates) are
removed first, and long texts are cut so an event stays well under the receivers'
size caps.
"""

from __future__ import annotations

import re
import time
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

from desktop.core.model import Item

ALL_CHAT_ROOMS = "All Chat Rooms"
UNKNOWN = "9999999.0"  # ce/hae/le: not known
MAX_TEXT = 8000  # characters of remarks; a receiver's event cap is 64 KiB
DEFAULT_SENDER_TYPE = "a-f-G-U-C"
# Control characters (tab, newline and carriage return stay), surrogates, U+FFFE/U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: object, limit: int = MAX_TEXT) -> str:
    """Text XML can carry, at most ``limit`` characters (an ellipsis marks a cut)."""
    s = _NOT_XML.sub("", "" if text is None else str(text))
    s = s.replace("\r\n", "\n").replace("\r", "\n")  # what an XML parser would make of them anyway
    return s if len(s) <= limit else s[:limit - 1] + "…"


def cot_time(ms: int) -> str:
    dt = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _now_ms() -> int:
    return int(time.time() * 1000)


def _event(uid: str, cot_type: str, t_ms: int, stale_ms: int, how: str, lat: float | None, lon: float | None,
           ce: float | None = None, hae: float | None = None) -> tuple[ET.Element, ET.Element]:
    if not uid or not cot_type:
        raise ValueError("an event needs a uid and a type")
    if lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"position out of range: {lat}, {lon}")
    ev = ET.Element("event", {
        "version": "2.0", "uid": clean_text(uid, 200), "type": clean_text(cot_type, 60), "how": how,
        "time": cot_time(t_ms), "start": cot_time(t_ms), "stale": cot_time(stale_ms),
    })
    ET.SubElement(ev, "point", {
        "lat": "0.0" if lat is None else repr(float(lat)), "lon": "0.0" if lon is None else repr(float(lon)),
        "hae": UNKNOWN if hae is None else repr(float(hae)), "ce": UNKNOWN if ce is None else repr(float(ce)),
        "le": UNKNOWN,
    })
    return ev, ET.SubElement(ev, "detail")


def _bytes(ev: ET.Element) -> bytes:
    return ET.tostring(ev, encoding="utf-8", xml_declaration=True)


def marker_event(uid: str, lat: float, lon: float, *, cot_type: str = "b-m-p-s-m", callsign: str | None = None,
                 remarks: str = "", stale_s: float = 3600.0, t_ms: int | None = None, how: str = "h-g-i-g-o",
                 sender_uid: str | None = None, ce: float | None = None, hae: float | None = None,
                 team: str | None = None, role: str | None = None, course: float | None = None,
                 speed: float | None = None) -> bytes:
    """A marker or position report (``a-u-G``, ``b-m-p-s-m`` spot marker …) as CoT XML.

    ``sender_uid`` links the marker to the unit that placed it (``link relation="p-p"``);
    team/role/course/speed describe a unit's own report.
    """
    t = _now_ms() if t_ms is None else int(t_ms)
    ev, detail = _event(uid, cot_type, t, t + int(stale_s * 1000), how, lat, lon, ce, hae)
    if callsign:
        ET.SubElement(detail, "contact", {"callsign": clean_text(callsign, 200)})
    if team or role:
        ET.SubElement(detail, "__group", {k: clean_text(v, 100) for k, v in (("name", team), ("role", role)) if v})
    if course is not None or speed is not None:
        ET.SubElement(detail, "track", {k: repr(float(v)) for k, v in (("course", course), ("speed", speed))
                                        if v is not None})
    if sender_uid:
        ET.SubElement(detail, "link", {"uid": clean_text(sender_uid, 200), "type": DEFAULT_SENDER_TYPE,
                                       "relation": "p-p"})
    if remarks:
        ET.SubElement(detail, "remarks").text = clean_text(remarks)
    return _bytes(ev)


def chat_event(message: str, *, sender_uid: str, sender_callsign: str, to_uid: str | None = None,
               to_callsign: str | None = None, lat: float | None = None, lon: float | None = None,
               t_ms: int | None = None, message_id: str | None = None, stale_s: float = 86400.0) -> bytes:
    """A GeoChat message (``b-t-f``) to All Chat Rooms, or to one unit when ``to_uid`` is given.

    Laid out as field devices write it: ``__chat`` with chatroom/id/senderCallsign, a
    ``chatgrp`` naming sender (uid0) and recipient (uid1), the sender's ``link``,
    ``remarks`` with source/to/time attributes, and for a direct message
    ``marti/dest`` with the recipient's callsign so a server routes it to that unit only.
    """
    t = _now_ms() if t_ms is None else int(t_ms)
    mid = message_id or str(uuid.uuid4())
    room = ALL_CHAT_ROOMS
    room_id = ALL_CHAT_ROOMS
    if to_uid:
        room, room_id = clean_text(to_callsign or to_uid, 200), clean_text(to_uid, 200)
    sender = clean_text(sender_uid, 200)
    ev, detail = _event(f"GeoChat.{sender}.{room_id}.{mid}", "b-t-f", t, t + int(stale_s * 1000), "h-g-i-g-o",
                        lat, lon)
    chat = ET.SubElement(detail, "__chat", {
        "parent": "RootContactGroup", "groupOwner": "false", "messageId": clean_text(mid, 100),
        "chatroom": room, "id": room_id, "senderCallsign": clean_text(sender_callsign, 200),
    })
    ET.SubElement(chat, "chatgrp", {"uid0": sender, "uid1": room_id, "id": room_id})
    ET.SubElement(detail, "link", {"uid": sender, "type": DEFAULT_SENDER_TYPE, "relation": "p-p"})
    remarks = ET.SubElement(detail, "remarks", {"source": f"BAO.F.ATAK.{sender}", "to": room_id, "time": cot_time(t)})
    remarks.text = clean_text(message)
    if to_uid:
        marti = ET.SubElement(detail, "marti")
        ET.SubElement(marti, "dest", {"callsign": clean_text(to_callsign or to_uid, 200)})
    return _bytes(ev)


RECEIPT_TYPES = {"delivered": "b-t-f-d", "read": "b-t-f-r"}


def receipt_event(message_id: str, *, sender_uid: str, sender_callsign: str, to_uid: str,
                  to_callsign: str | None = None, kind: str = "delivered", lat: float | None = None,
                  lon: float | None = None, t_ms: int | None = None, stale_s: float = 300.0) -> bytes:
    """A GeoChat delivery (``b-t-f-d``) or read (``b-t-f-r``) receipt for ``message_id``,
    laid out as ATAK writes it: ``__chatreceipt`` naming the messageId, a ``chatgrp``
    (uid0 the unit answering, uid1 the one that sent the message) and the sender's
    ``link``, addressed back with ``marti/dest``."""
    if kind not in RECEIPT_TYPES:
        raise ValueError(f"unknown receipt kind {kind!r}: use delivered or read")
    if not message_id:
        raise ValueError("a receipt names the messageId it answers")
    t = _now_ms() if t_ms is None else int(t_ms)
    mid = clean_text(message_id, 100)
    sender, to = clean_text(sender_uid, 200), clean_text(to_uid, 200)
    ev, detail = _event(mid, RECEIPT_TYPES[kind], t, t + int(stale_s * 1000), "h-g-i-g-o", lat, lon)
    chat = ET.SubElement(detail, "__chatreceipt", {
        "parent": "RootContactGroup", "groupOwner": "false", "messageId": mid,
        "chatroom": clean_text(to_callsign or to_uid, 200), "id": to, "senderCallsign": clean_text(sender_callsign, 200),
    })
    ET.SubElement(chat, "chatgrp", {"uid0": sender, "uid1": to, "id": to})
    ET.SubElement(detail, "link", {"uid": sender, "type": DEFAULT_SENDER_TYPE, "relation": "p-p"})
    marti = ET.SubElement(detail, "marti")
    ET.SubElement(marti, "dest", {"callsign": clean_text(to_callsign or to_uid, 200)})
    return _bytes(ev)


def post_marker_event(post: Item, *, sender_uid: str, lat: float | None = None, lon: float | None = None,
                      label: str | None = None, stale_s: float = 3600.0, t_ms: int | None = None,
                      cot_type: str = "b-m-p-s-m", verified_by: str | None = None) -> bytes:
    """A marker carrying a public post's text to the field.

    The officer reading it must know what it is: the remarks end with the author, time
    and source, and say "unverified public post" unless ``verified_by`` names who
    verified it; the callsign starts with "게시물" (post), or "검증" (verified) only then.
    The marker's uid is derived from the post (``sitmap-post-<source>-<id>``), so
    pushing the same post again moves the same marker instead of adding one. The
    position is the post's unless ``lat``/``lon`` are given; a post without one needs them.
    """
    plat = post.lat if lat is None else lat
    plon = post.lon if lon is None else lon
    if plat is None or plon is None:
        raise ValueError("the post has no position: give lat and lon for the marker")
    author = f"@{post.author}" if post.author else "unknown author"
    when = cot_time(post.t_ms)
    status = f"verified by {verified_by}" if verified_by else "unverified public post"
    lines = [post.text, "", f"— {author}, {when} ({post.source} {post.source_id}), {status}"]
    if post.links:
        lines.append(" ".join(post.links[:3]))
    return marker_event(
        f"sitmap-post-{post.source}-{post.source_id}", plat, plon, cot_type=cot_type,
        callsign=label or f"{'검증' if verified_by else '게시물'} {author}", remarks="\n".join(lines), stale_s=stale_s, t_ms=t_ms,
        sender_uid=sender_uid, ce=post.radius_m,
    )
