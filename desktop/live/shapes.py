"""Incidents and saved areas on the TAK network, and shapes drawn in the field back as
areas, without Qt.

Publishing: :func:`shapes_of` reads what Sitmap shows the field — every saved area (a
polygon ``u-d-f`` per part, vertices as ``<link point="lat,lon"/>``, the ring closed; a
circle drawn on the map or received as one is a circle ``u-d-c-c`` with
``<shape><ellipse/></shape>``)
and every incident that is not closed (a marker at its point, or its area's centre, and
its area as a polygon). Each shape has a stable uid: an area's from its name
(``sitmap-area-<hash>``; names are unique, and the shared store matches areas by name,
so workstations sharing one publish it once), an incident's from its shared uid when the
cache syncs with a shared store, else ``sitmap-<station>-incident-<id>`` (``-area`` for
its outline), the station a short id kept in the cache's meta table so two unrelated
Sitmaps on one network do not overwrite each other's incidents.

:class:`ShapePublisher` sends them over the TAK links (anything with ``send(bytes) ->
bool``): all of them to a link that has just connected,
then only what changed, and for a shape that went away (area deleted, incident closed)
the shape once more with a stale time of now and a ``t-x-d-d`` delete. Names and remarks
go in through ElementTree (:mod:`desktop.live.cot_out`), never pasted into markup.

Receiving: :class:`ShapeReceiver` is a record listener of the live writer. A
:class:`~desktop.importers.cot.DrawnShape` (``u-d-f`` closed, ``u-d-r``, ``u-d-c-c``)
becomes a saved area named from the shape's callsign (else its remarks), kept with
``from: TAK <uid>`` in the area's GeoJSON Feature properties, updated in place when the
same uid arrives again and removed when a delete (``t-x-d-d``) or an already stale copy
arrives. Open lines (``u-d-f`` whose first vertex is not its last) are not areas and are
counted as ignored. Shapes Sitmap published itself, and areas that came from TAK, are
never sent back.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import secrets
import sqlite3
import time
import xml.etree.ElementTree as ET
import zlib
from dataclasses import dataclass
from typing import Callable, Iterable

from shapely.geometry import MultiPolygon, Polygon, mapping

from desktop.cache.triage import transaction
from desktop.core.geo import GeoError, area_from_geojson, circle, clean_geometry
from desktop.core.model import DeleteUnit, Record, nfc
from desktop.importers.cot import DrawnShape
from desktop.live.cot_out import _bytes, _event, clean_text

log = logging.getLogger(__name__)

STATION_KEY = "tak_station"
_UID_UNSAFE = re.compile(r"[^A-Za-z0-9._:-]+")
POLYGON_TYPE = "u-d-f"
CIRCLE_TYPE = "u-d-c-c"
INCIDENT_MARKER_TYPE = "b-m-p-s-m"
DELETE_TYPE = "t-x-d-d"
SENDER_TYPE = "a-f-G-U-C"
MAX_VERTICES = 500  # per ring sent: an event stays far below the receivers' 64 KiB cap
MAX_NAME = 80
# Colours as TAK devices write them: a signed 32-bit ARGB integer.
AREA_COLOUR = 0xFF2563EB  # blue
EXCLUDE_COLOUR = 0xFF6B7280  # grey
PRIORITY_COLOURS = {"routine": 0xFFF59E0B, "urgent": 0xFFEA580C, "critical": 0xFFDC2626}


def _argb(colour: int) -> str:
    return str(colour - (1 << 32) if colour >= 1 << 31 else colour)


# --- the station id ------------------------------------------------------------------------

def station_of(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (STATION_KEY,)).fetchone()
    return row[0] if row else None


def ensure_station(conn: sqlite3.Connection) -> str:
    """This cache's station id (eight hex digits), made the first time it is asked for."""
    got = station_of(conn)
    if got:
        return got
    with transaction(conn):
        conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (STATION_KEY, secrets.token_hex(4)))
    return station_of(conn) or ""


def uid_prefix(station: str) -> str:
    return f"sitmap-{station}-"


def area_uid(name: str, part: int = 0) -> str:
    """A saved area's uid, from its name: area names are unique in a cache and are the key
    the shared store matches areas by, so every workstation publishes an area under the
    same uid and saving it again moves the same shape."""
    digest = hashlib.sha256(name.encode("utf-8", "replace")).hexdigest()[:16]
    return f"sitmap-area-{digest}" + (f".{part + 1}" if part else "")


def incident_uid(station: str, incident_id: int, outline: bool = False, shared: str | None = None) -> str:
    """An incident's uid: from its shared uid when the cache syncs with a shared store (the
    same on every workstation), else from the station and its id."""
    if shared:
        base = f"sitmap-incident-{_UID_UNSAFE.sub('_', shared)[:120]}"
    else:
        base = f"{uid_prefix(station)}incident-{incident_id}"
    return base + ("-area" if outline else "")


def shared_incident_uids(conn: sqlite3.Connection) -> dict[int, str]:
    """Local incident id -> its uid in the shared store, for a cache that syncs with one
    (the sync keeps ``sync.workstation`` and ``sync.<store>.inc.l<id>`` in the meta table;
    an incident opened here is ``<workstation>:<id>``). Empty for a cache that does not."""
    ws = conn.execute("SELECT value FROM meta WHERE key = 'sync.workstation'").fetchone()
    if not ws:
        return {}
    out = {iid: f"{ws[0]}:{iid}" for (iid,) in conn.execute("SELECT id FROM incidents")}
    for key, value in conn.execute("SELECT key, value FROM meta WHERE key LIKE 'sync.%.inc.l%'"):
        try:
            out[int(key.rsplit(".inc.l", 1)[1])] = value
        except ValueError:
            continue
    return out


# --- what is published -----------------------------------------------------------------------

@dataclass(frozen=True)
class Shape:
    """One CoT shape Sitmap publishes: a polygon (``ring`` of (lat, lon), closed), a
    circle (``center``, ``radius_m``) or a marker (``center``)."""

    uid: str
    kind: str  # polygon, circle, marker
    name: str
    remarks: str
    ring: tuple[tuple[float, float], ...] = ()
    center: tuple[float, float] | None = None
    radius_m: float | None = None
    colour: int = AREA_COLOUR
    what: str = "area"  # area or incident

    @property
    def cot_type(self) -> str:
        return {"polygon": POLYGON_TYPE, "circle": CIRCLE_TYPE}.get(self.kind, INCIDENT_MARKER_TYPE)


def circle_properties(lat: float, lon: float, radius_m: float) -> dict:
    """What a saved area keeps of a circle (in its GeoJSON Feature's properties), so it is
    published as a circle: ``shape``, ``center`` [lon, lat] and ``radius_m``."""
    return {"shape": "circle", "center": [float(lon), float(lat)], "radius_m": float(radius_m)}


def saved_circle(geometry_text: str) -> dict | None:
    """The circle properties of a saved area's geometry (a Feature), or None."""
    try:
        obj = json.loads(geometry_text)
        props = (obj.get("properties") or {}) if obj.get("type") == "Feature" else {}
        if props.get("shape") == "circle" and len(props["center"]) == 2 and float(props["radius_m"]) > 0:
            return circle_properties(props["center"][1], props["center"][0], props["radius_m"])
    except (ValueError, TypeError, KeyError, AttributeError):
        pass
    return None


def saved_properties(geometry_text: str) -> dict:
    """What the window keeps of a saved area's Feature properties: a circle's centre and
    radius, and for an area from TAK where it came from (``from``: ``TAK <uid>``)."""
    props = dict(saved_circle(geometry_text) or {})
    try:
        obj = json.loads(geometry_text)
        got = (obj.get("properties") or {}) if obj.get("type") == "Feature" else {}
        if got.get("tak_uid") and got.get("from"):
            props["from"] = clean_text(got["from"], 300)
    except (ValueError, TypeError, AttributeError):
        pass
    return props


def _ring(poly: Polygon) -> tuple[tuple[float, float], ...]:
    """The outer ring as (lat, lon), at most MAX_VERTICES points (simplified when longer;
    holes cannot be drawn by a TAK shape and are left out)."""
    ring = poly.exterior
    tol = 1e-6
    while len(ring.coords) > MAX_VERTICES and tol < 1.0:
        ring = poly.exterior.simplify(tol, preserve_topology=False)
        tol *= 2
    coords = [(round(y, 7), round(x, 7)) for x, y in ring.coords]
    if coords[0] != coords[-1]:
        coords.append(coords[0])
    return tuple(coords)


def _parts(geom) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [geom]
    if isinstance(geom, MultiPolygon):
        return sorted(geom.geoms, key=lambda p: -p.area)
    return []


def shapes_of(conn: sqlite3.Connection, station: str) -> list[Shape]:
    """The saved areas (not those that came from TAK) and the incidents that are not
    closed, as the shapes to publish."""
    out: list[Shape] = []
    for aid, name, geom_text, exclude in conn.execute("SELECT id, name, geometry, exclude FROM areas ORDER BY id"):
        try:
            obj = json.loads(geom_text)
            props = (obj.get("properties") or {}) if obj.get("type") == "Feature" else {}
            if props.get("tak_uid"):
                continue  # the field's own drawing: it is on the network already
            area = area_from_geojson(name, obj, bool(exclude))
        except (GeoError, ValueError, AttributeError) as exc:
            log.warning("saved area %s not published: %s", name, exc)
            continue
        colour = EXCLUDE_COLOUR if exclude else AREA_COLOUR
        remarks = f"Sitmap area{' (excluded)' if exclude else ''}: {name}"
        if props.get("shape") == "circle" and props.get("center") and props.get("radius_m"):
            lon, lat = props["center"]
            out.append(Shape(area_uid(name), "circle", name, remarks, center=(lat, lon),
                             radius_m=float(props["radius_m"]), colour=colour))
            continue
        for k, part in enumerate(_parts(area.geometry)):
            out.append(Shape(area_uid(name, k), "polygon", name if not k else f"{name} ({k + 1})", remarks,
                             ring=_ring(part), colour=colour))
    rows = conn.execute("SELECT id, name, state, priority, lat, lon, area FROM incidents WHERE state != 'closed' "
                        "ORDER BY id").fetchall()
    shared = shared_incident_uids(conn) if rows else {}
    for iid, name, state, priority, lat, lon, area_text in rows:
        colour = PRIORITY_COLOURS.get(priority, PRIORITY_COLOURS["routine"])
        remarks = f"Sitmap incident {iid}: {name} — {state}, {priority}"
        geom = None
        if area_text:
            try:
                geom = area_from_geojson(name, area_text).geometry
            except (GeoError, ValueError) as exc:
                log.warning("incident %s: area not published: %s", iid, exc)
        if lat is None and geom is not None:
            p = geom.representative_point()
            lat, lon = p.y, p.x
        if lat is not None:
            out.append(Shape(incident_uid(station, iid, shared=shared.get(iid)), "marker", name, remarks, center=(float(lat), float(lon)),
                             colour=colour, what="incident"))
        if geom is not None:
            for k, part in enumerate(_parts(geom)):
                uid = incident_uid(station, iid, outline=True, shared=shared.get(iid)) + (f".{k + 1}" if k else "")
                out.append(Shape(uid, "polygon", name, remarks, ring=_ring(part), colour=colour, what="incident"))
    return out


def shape_event(shape: Shape, *, t_ms: int | None = None, stale_s: float = 86400.0, stale_ms: int | None = None,
                sender_uid: str | None = None) -> bytes:
    """The CoT XML of ``shape``; ``stale_ms`` (e.g. the time itself) overrides ``stale_s``."""
    t = int(time.time() * 1000) if t_ms is None else int(t_ms)
    stale = t + int(stale_s * 1000) if stale_ms is None else int(stale_ms)
    if shape.kind == "polygon":
        lats = [p[0] for p in shape.ring[:-1]] or [0.0]
        lons = [p[1] for p in shape.ring[:-1]] or [0.0]
        lat, lon = sum(lats) / len(lats), sum(lons) / len(lons)
    else:
        lat, lon = shape.center
    ev, detail = _event(shape.uid, shape.cot_type, t, stale, "h-e", lat, lon)
    if shape.kind == "polygon":
        for la, lo in shape.ring:
            ET.SubElement(detail, "link", {"point": f"{la!r},{lo!r}"})
    elif shape.kind == "circle":
        r = repr(float(shape.radius_m))
        ET.SubElement(ET.SubElement(detail, "shape"), "ellipse", {"major": r, "minor": r, "angle": "360"})
    ET.SubElement(detail, "contact", {"callsign": clean_text(shape.name, 200)})
    if shape.kind != "marker":
        ET.SubElement(detail, "strokeColor", {"value": _argb(shape.colour)})
        ET.SubElement(detail, "strokeWeight", {"value": "3.0"})
        ET.SubElement(detail, "fillColor", {"value": _argb((shape.colour & 0x00FFFFFF) | 0x40000000)})
        ET.SubElement(detail, "labels_on", {"value": "true"})
    else:
        ET.SubElement(detail, "color", {"argb": _argb(shape.colour)})
    if sender_uid:
        ET.SubElement(detail, "link", {"uid": clean_text(sender_uid, 200), "type": SENDER_TYPE, "relation": "p-p"})
    ET.SubElement(detail, "remarks").text = clean_text(shape.remarks)
    return _bytes(ev)


def delete_event(uid: str, cot_type: str, *, t_ms: int | None = None, sender_uid: str | None = None) -> bytes:
    """A ``t-x-d-d`` telling receivers to remove the shape ``uid``."""
    t = int(time.time() * 1000) if t_ms is None else int(t_ms)
    ev, detail = _event(f"{clean_text(uid, 200)}-delete-{t}", DELETE_TYPE, t, t + 60_000, "h-g-i-g-o", 0.0, 0.0)
    ET.SubElement(detail, "link", {"uid": clean_text(uid, 200), "type": clean_text(cot_type, 60), "relation": "none"})
    ET.SubElement(detail, "__forcedelete")
    if sender_uid:
        ET.SubElement(detail, "link", {"uid": clean_text(sender_uid, 200), "type": SENDER_TYPE, "relation": "p-p"})
    return _bytes(ev)


def removal_events(shape: Shape, *, t_ms: int | None = None, sender_uid: str | None = None) -> list[bytes]:
    """What takes ``shape`` off the receivers' maps: the shape with a stale time of now, and a delete."""
    t = int(time.time() * 1000) if t_ms is None else int(t_ms)
    return [shape_event(shape, t_ms=t, stale_ms=t, sender_uid=sender_uid),
            delete_event(shape.uid, shape.cot_type, t_ms=t, sender_uid=sender_uid)]


def _fingerprint(conn: sqlite3.Connection) -> tuple:
    """A summary that changes when an area or an incident that is published changes (a
    CRC of each area's text: milliseconds for megabytes of outlines)."""
    areas = tuple((aid, name, exclude, zlib.crc32(geom.encode("utf-8", "replace")))
                  for aid, name, exclude, geom in conn.execute("SELECT id, name, exclude, geometry FROM areas"))
    incidents = tuple(conn.execute("SELECT id, name, state, priority, lat, lon, updated_ms, area FROM incidents "
                                   "WHERE state != 'closed'"))
    return areas, incidents


@dataclass
class PublishStats:
    shapes: int = 0  # published now
    sent: int = 0  # events handed to links
    changed: int = 0  # shapes new or changed in this round
    removed: int = 0  # shapes taken off in this round


class ShapePublisher:
    """Keeps the TAK links' picture of Sitmap's areas and incidents up to date.

    ``links`` is a list, or a callable returning the current list, of objects with
    ``send(bytes) -> bool`` (:class:`~desktop.live.tak_client.TakClient`, the responder's
    serve link). Call :meth:`publish` with a connection to the cache whenever something
    may have changed (a timer, a saved area): a link that has just connected (or whose
    last send failed) gets every shape and the removals of the last ``keep_removed_s``;
    the others get only what changed. Everything is sent again every ``refresh_s`` so
    the receivers' stale times (``stale_s``) never run out while Sitmap runs.
    """

    def __init__(self, links, *, station: str, sender_uid: str | None = None, stale_s: float = 86400.0,
                 refresh_s: float = 3600.0, keep_removed_s: float = 86400.0):
        self._links = links if callable(links) else (lambda: links)
        self.station = station
        self.sender_uid = sender_uid
        self.stale_s, self.refresh_s, self.keep_removed_s = stale_s, refresh_s, keep_removed_s
        self._current: dict[str, Shape] = {}
        self._removed: dict[str, tuple[Shape, int]] = {}
        self._fresh: dict[int, object] = {}  # link id -> the session in which it got the full picture
        self._seen: tuple | None = None
        self._last_full = 0.0
        self.last = PublishStats()

    def links(self) -> list:
        return [ln for ln in (self._links() or []) if hasattr(ln, "send")]

    @staticmethod
    def session_of(link) -> object:
        """What changes when a link connects again: whether it is connected and, for a
        client, how many times it has connected (a drop between two rounds is noticed)."""
        up = getattr(link, "connected", True)
        status = getattr(link, "status", None)
        return (up, getattr(status, "connections", None))

    def publish(self, conn: sqlite3.Connection, *, now_ms: int | None = None, force: bool = False) -> PublishStats:
        now = int(time.time() * 1000) if now_ms is None else int(now_ms)
        links = self.links()
        sessions = {id(ln): self.session_of(ln) for ln in links}
        self._fresh = {k: v for k, v in self._fresh.items() if sessions.get(k) == v}
        refresh = time.monotonic() - self._last_full >= self.refresh_s
        seen = _fingerprint(conn)
        if not force and not refresh and seen == self._seen and all(k in self._fresh for k in sessions):
            return PublishStats(shapes=len(self._current))
        shapes = {s.uid: s for s in shapes_of(conn, self.station)}
        changed = [s for uid, s in shapes.items() if self._current.get(uid) != s]
        gone = [s for uid, s in self._current.items() if uid not in shapes]
        for s in gone:
            self._removed[s.uid] = (s, now)
        for uid in list(self._removed):
            if uid in shapes or now - self._removed[uid][1] > self.keep_removed_s * 1000:
                del self._removed[uid]
        self._current, self._seen = shapes, seen
        if refresh or force:
            self._fresh = {}
            self._last_full = time.monotonic()
        full = [self._event(s, now) for s in shapes.values()]
        full += [ev for s, t in self._removed.values() for ev in removal_events(s, t_ms=now, sender_uid=self.sender_uid)]
        delta = [self._event(s, now) for s in changed]
        delta += [ev for s in gone for ev in removal_events(s, t_ms=now, sender_uid=self.sender_uid)]
        st = PublishStats(shapes=len(shapes), changed=len(changed), removed=len(gone))
        for ln in links:
            todo = delta if id(ln) in self._fresh else full
            ok = True
            for ev in todo:
                if not ln.send(ev):
                    ok = False
                    break
                st.sent += 1
            if ok:
                self._fresh[id(ln)] = self.session_of(ln)
            else:
                self._fresh.pop(id(ln), None)  # not connected: everything again once it is
        if st.changed or st.removed:
            log.info("TAK shapes: %d published (%d new or changed, %d removed), %d events sent", st.shapes, st.changed,
                     st.removed, st.sent)
        self.last = st
        return st

    def _event(self, s: Shape, now: int) -> bytes:
        return shape_event(s, t_ms=now, stale_s=self.stale_s, sender_uid=self.sender_uid)


# --- shapes from the field -----------------------------------------------------------------

@dataclass(frozen=True)
class AreaChange:
    """An area a TAK shape saved, changed or removed (after the commit)."""

    action: str  # saved, updated, removed
    name: str
    uid: str
    previous: str | None = None  # the area's name before an update renamed it


def area_name(text: str | None) -> str:
    """A shape's name as an area name: one line of plain text, at most MAX_NAME characters."""
    s = clean_text(nfc(text) or "", 1000)
    s = " ".join(s.split())
    return s if len(s) <= MAX_NAME else s[:MAX_NAME - 1] + "…"


def ellipse(name: str, lat: float, lon: float, major_m: float, minor_m: float, angle_deg: float | None,
            segments: int = 72) -> Polygon:
    """An ellipse (semi-axes in metres, ``angle`` of the major axis clockwise from north) as
    a polygon, on a local flat approximation (good at the sizes people draw)."""
    if major_m == minor_m or not minor_m:
        return circle(name, lat, lon, major_m, segments=segments).geometry
    a = math.radians(angle_deg or 0.0)
    m_lat = 111_320.0
    m_lon = 111_320.0 * max(0.01, math.cos(math.radians(lat)))
    pts = []
    for k in range(segments):
        t = 2 * math.pi * k / segments
        x, y = minor_m * math.cos(t), major_m * math.sin(t)  # east, north before rotation
        e = x * math.cos(a) + y * math.sin(a)
        n = -x * math.sin(a) + y * math.cos(a)
        pts.append((lon + e / m_lon, lat + n / m_lat))
    return Polygon(pts)


def shape_geometry(s: DrawnShape):
    """The polygon a drawn shape covers (GeoError when it is not usable as an area)."""
    name = s.name or s.uid
    if s.kind == "circle":
        lat, lon = s.center
        if not (s.radius_m and s.radius_m > 0):
            raise GeoError(f"shape {s.uid!r}: the circle has no radius")
        geom = ellipse(name, lat, lon, s.radius_m, s.minor_m or s.radius_m, s.angle)
    elif s.kind in ("polygon", "rectangle"):
        ring = [(lon, lat) for lat, lon in s.points]
        if len(ring) < 4:
            raise GeoError(f"shape {s.uid!r}: a polygon needs at least three corners")
        geom = Polygon(ring)
    else:
        raise GeoError(f"shape {s.uid!r}: an open line is not an area")
    return clean_geometry(name, geom)


def tak_areas(conn: sqlite3.Connection) -> dict[str, tuple[int, str]]:
    """Areas that came from TAK: uid -> (area id, name)."""
    out = {}
    for aid, name, uid in conn.execute("SELECT id, name, json_extract(geometry, '$.properties.tak_uid') FROM areas "
                                       "WHERE json_valid(geometry) AND json_extract(geometry, '$.properties.tak_uid') "
                                       "IS NOT NULL"):
        out[uid] = (aid, name)
    return out


class ShapeReceiver:
    """Keeps shapes drawn on TAK devices as saved areas (see the module's docstring).

    ``on_records(conn, records, now_ms)`` is a LiveWriter record listener (writer thread,
    the writer's connection, outside any transaction); each shape is one short
    transaction. ``ignore_prefix`` (Sitmap's own uids) are never taken in; ``on_change``
    is told of every area saved, updated or removed, after the commit.
    """

    def __init__(self, on_change: Callable[[AreaChange], None] | None = None, *, ignore_prefix: str = "sitmap-"):
        self.on_change = on_change
        self.ignore_prefix = ignore_prefix
        self.ignored = 0  # lines, unusable shapes and Sitmap's own shapes

    def on_records(self, conn: sqlite3.Connection, records: Iterable[Record], now_ms: int) -> list[AreaChange]:
        changes: list[AreaChange] = []
        for rec in records:
            try:
                if isinstance(rec, DrawnShape):
                    ch = self._shape(conn, rec)
                elif isinstance(rec, DeleteUnit):
                    ch = self._remove(conn, rec.uid)
                else:
                    continue
            except sqlite3.Error as exc:  # a locked or full disk must not end the feed
                log.error("TAK shape %s not kept: %s", getattr(rec, "uid", "?")[:80], exc)
                continue
            if ch is not None:
                changes.append(ch)
        for ch in changes:
            if self.on_change is not None:
                try:
                    self.on_change(ch)
                except Exception:
                    log.exception("area change callback failed")
        return changes

    def _shape(self, conn: sqlite3.Connection, s: DrawnShape) -> AreaChange | None:
        if self.ignore_prefix and s.uid.startswith(self.ignore_prefix):
            self.ignored += 1
            return None
        if s.removed:
            return self._remove(conn, s.uid)
        try:
            geom = shape_geometry(s)
        except GeoError as exc:
            self.ignored += 1
            log.info("TAK shape %s not kept as an area: %s", s.uid[:80], exc)
            return None
        props = {"tak_uid": s.uid, "from": f"TAK {s.uid}", "cot_type": s.cot_type, "shape": s.kind,
                 "sender_uid": s.sender_uid, "time_ms": s.t_ms}
        if s.kind == "circle":
            props["center"] = [s.center[1], s.center[0]]
            props["radius_m"] = s.radius_m
            if s.minor_m and s.minor_m != s.radius_m:
                props.update(minor_m=s.minor_m, angle=s.angle)
        if s.remarks:
            props["remarks"] = clean_text(s.remarks, 2000)
        feature = json.dumps({"type": "Feature", "geometry": mapping(geom), "properties": props}, ensure_ascii=False)
        base = area_name(s.name) or area_name(s.remarks.splitlines()[0] if s.remarks.strip() else "")
        base = base or f"TAK {area_name(s.uid)[:40]}"
        with transaction(conn):
            mine = tak_areas(conn).get(s.uid)
            name = self._free_name(conn, base, s.uid, mine[0] if mine else None)
            if mine is not None:
                conn.execute("UPDATE areas SET name = ?, geometry = ? WHERE id = ?", (name, feature, mine[0]))
            else:
                conn.execute("INSERT INTO areas (name, geometry, exclude, created_ms) VALUES (?, ?, 0, ?)",
                             (name, feature, int(time.time() * 1000)))
        log.info("TAK shape %s kept as area %r", s.uid[:80], name)
        return AreaChange("updated" if mine else "saved", name, s.uid, mine[1] if mine else None)

    @staticmethod
    def _free_name(conn: sqlite3.Connection, base: str, uid: str, own_id: int | None) -> str:
        """``base``, or ``base (TAK …)`` when another area holds that name."""
        candidates = [base, f"{base} (TAK {area_name(uid)[:12]})"]
        candidates += [f"{base} (TAK {area_name(uid)[:12]} {n})" for n in range(2, 100)]
        for name in candidates:
            row = conn.execute("SELECT id FROM areas WHERE name = ?", (name,)).fetchone()
            if row is None or row[0] == own_id:
                return name
        return f"{base} ({secrets.token_hex(4)})"

    def _remove(self, conn: sqlite3.Connection, uid: str) -> AreaChange | None:
        with transaction(conn):
            mine = tak_areas(conn).get(uid)
            if mine is None:
                return None
            conn.execute("DELETE FROM areas WHERE id = ?", (mine[0],))
        log.info("TAK shape %s removed: area %r deleted", uid[:80], mine[1])
        return AreaChange("removed", mine[1], uid)
