"""Incidents and saved areas on the TAK network, and shapes drawn in the field back as
areas, over real loopback sockets: a peer on a relay receives the published shapes
(types, vertices, names, stale times, updates and removals, everything again after a
reconnect); polygons, rectangles and circles sent to Sitmap's live input become saved
areas, updated in place by uid and removed by a delete or a stale copy; open lines and
Sitmap's own shapes are not taken in; hostile names stay text; a pytak peer receives
the shapes."""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
import time
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest

from desktop.cache import Cache, incidents
from desktop.core.geo import area_from_geojson, circle
from desktop.importers.cot import DrawnShape, parse_event
from desktop.importers.xmlsafe import CotStreamParser, Dropped
from desktop.live.cot_net import TcpServer
from desktop.live.shapes import (ShapePublisher, ShapeReceiver, area_uid, ensure_station, incident_uid, shape_event,
                                 shapes_of, tak_areas)
from desktop.live.tak_client import TakClient
from desktop.live.writer import LiveWriter
from tests.live.helpers import wait_for
from tests.live.test_tasking import Hub, Peer

HOSTILE = '<img src=x onerror="alert(1)">광장 & "앞" </remarks><script>'
SQUARE = [(37.5660, 126.9770), (37.5660, 126.9790), (37.5675, 126.9790), (37.5675, 126.9770)]


def _ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _save_area(db, name, geometry, exclude=False):
    with Cache.open(db) as c, c.transaction() as conn:
        conn.execute("INSERT OR REPLACE INTO areas (name, geometry, exclude, created_ms) VALUES (?, ?, ?, ?)",
                     (name, json.dumps(geometry, ensure_ascii=False), int(exclude), int(time.time() * 1000)))
        return conn.execute("SELECT id FROM areas WHERE name = ?", (name,)).fetchone()[0]


def _square_geojson(points=SQUARE):
    ring = [[lon, lat] for lat, lon in points] + [[points[0][1], points[0][0]]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "shapes.db"
    with Cache.open(path) as c:
        ensure_station(c.conn)
    return path


def _station(db) -> str:
    with Cache.open_readonly(db) as c:
        from desktop.live.shapes import station_of

        return station_of(c.conn)


class Relay:
    """Sitmap's TAK client and a peer device on a loopback relay, and the publisher."""

    def __init__(self, db):
        self.db = db
        self.hub = Hub()
        self.peer = Peer(self.hub.port)
        self.client = TakClient(lambda recs, label: True, "127.0.0.1", self.hub.port, backoff_initial=0.05).start()
        assert wait_for(lambda: len(self.hub.clients) == 2)
        assert wait_for(lambda: self.client.connected)
        self.station = _station(db)
        self.pub = ShapePublisher([self.client], station=self.station, sender_uid="SITMAP-TEST")

    def publish(self, **kw):
        with Cache.open_readonly(self.db) as c:
            return self.pub.publish(c.conn, **kw)

    def received(self, n, timeout=5.0) -> list[ET.Element]:
        return [ET.fromstring(f) for f in self.peer.events(n, timeout)]

    def close(self):
        self.client.stop()
        self.peer.close()
        self.hub.close()


@pytest.fixture
def relay(db):
    r = Relay(db)
    yield r
    r.close()


def _vertices(ev: ET.Element) -> list[tuple[float, float]]:
    return [tuple(map(float, ln.get("point").split(","))) for ln in ev.find("detail").findall("link")
            if ln.get("point")]


def test_areas_and_incidents_reach_the_peer_as_shapes(relay, db):
    aid = _save_area(db, "광장 구역", _square_geojson())
    cid = _save_area(db, "집결지", circle("집결지", 37.57, 126.98, 150).to_geojson())
    with Cache.open(db) as c:
        iid = incidents.create(c.conn, "광화문 집회", by="상황실", lat=37.5759, lon=126.9769, priority="urgent")
        jid = incidents.create(c.conn, "시청 행진", by="상황실", area=_square_geojson(), priority="critical")
    st = relay.publish()
    assert st.shapes == 5 and st.sent == 5
    got = {ev.get("uid"): ev for ev in relay.received(5)}
    s = relay.station
    assert set(got) == {area_uid("광장 구역"), area_uid("집결지"), incident_uid(s, iid), incident_uid(s, jid),
                        incident_uid(s, jid, outline=True)}

    poly = got[area_uid("광장 구역")]
    assert poly.get("type") == "u-d-f"
    ring = _vertices(poly)
    assert ring[0] == ring[-1] and len(ring) == 5 and set(ring[:-1]) == set(SQUARE)
    assert poly.find("detail/contact").get("callsign") == "광장 구역"
    assert "광장 구역" in poly.find("detail/remarks").text
    t, stale = _ts(poly.get("time")), _ts(poly.get("stale"))
    assert 86000 < stale - t < 86800  # a day: refreshed while Sitmap runs

    assert got[area_uid("집결지")].get("type") == "u-d-f" and len(_vertices(got[area_uid("집결지")])) == 73
    marker = got[incident_uid(s, iid)]
    assert marker.get("type") == "b-m-p-s-m" and marker.find("detail/contact").get("callsign") == "광화문 집회"
    assert (float(marker.find("point").get("lat")), float(marker.find("point").get("lon"))) == (37.5759, 126.9769)
    assert "urgent" in marker.find("detail/remarks").text
    assert got[incident_uid(s, jid, outline=True)].get("type") == "u-d-f"
    # The incident with only an area has its marker inside it.
    m2 = got[incident_uid(s, jid)].find("point")
    assert 37.5660 <= float(m2.get("lat")) <= 37.5675 and 126.9770 <= float(m2.get("lon")) <= 126.9790

    # Nothing changed: nothing is sent again.
    assert relay.publish().sent == 0

    # A changed area is sent again under the same uid; a closed incident goes stale and is deleted.
    moved = [(la + 0.001, lo) for la, lo in SQUARE]
    with Cache.open(db) as c, c.transaction() as conn:
        conn.execute("UPDATE areas SET geometry = ? WHERE id = ?", (json.dumps(_square_geojson(moved)), aid))
    with Cache.open(db) as c:
        incidents.set_state(c.conn, iid, "closed", by="상황실")
    st = relay.publish()
    assert (st.changed, st.removed, st.sent) == (1, 1, 3)
    evs = relay.received(3)
    again = next(e for e in evs if e.get("uid") == area_uid("광장 구역"))
    assert set(_vertices(again)[:-1]) == {(round(a, 7), b) for a, b in moved}
    gone = next(e for e in evs if e.get("uid") == incident_uid(s, iid))
    assert gone.get("stale") == gone.get("time")
    delete = next(e for e in evs if e.get("type") == "t-x-d-d")
    assert delete.find("detail/link").get("uid") == incident_uid(s, iid)
    assert delete.find("detail/__forcedelete") is not None

    # A deleted area goes the same way.
    with Cache.open(db) as c, c.transaction() as conn:
        conn.execute("DELETE FROM areas WHERE id = ?", (cid,))
    assert relay.publish().removed == 1
    evs = relay.received(2)
    assert {e.get("type") for e in evs} == {"u-d-f", "t-x-d-d"}
    assert all(e.get("uid") == area_uid("집결지") or e.find("detail/link").get("uid") == area_uid("집결지") for e in evs)


def test_hostile_names_stay_text_in_the_published_xml(relay, db):
    aid = _save_area(db, HOSTILE, _square_geojson())
    relay.publish()
    (ev,) = relay.received(1)
    assert ev.find("detail/contact").get("callsign") == HOSTILE
    assert ev.find("detail/script") is None and ev.find("detail/img") is None
    assert HOSTILE in ev.find("detail/remarks").text
    assert ev.get("uid") == area_uid(HOSTILE)


def test_a_reconnected_link_gets_everything_again(db):
    hub = Hub()
    port = hub.port
    _save_area(db, "광장 구역", _square_geojson())
    client = TakClient(lambda recs, label: True, "127.0.0.1", port, backoff_initial=0.05, backoff_max=0.2).start()
    pub = ShapePublisher(lambda: [client], station=_station(db))
    try:
        with Cache.open_readonly(db) as c:
            assert wait_for(lambda: pub.publish(c.conn).sent == 1)
            hub.close()  # the server goes away…
            assert wait_for(lambda: not client.connected)
            assert pub.publish(c.conn).sent == 0
            hub2 = Hub.__new__(Hub)  # …and comes back on the same port
            hub2.lsock = socket.create_server(("127.0.0.1", port))
            hub2.lsock.setblocking(False)
            hub2.port, hub2.clients, hub2.stop = port, [], threading.Event()
            hub2.thread = threading.Thread(target=hub2._run, daemon=True)
            hub2.thread.start()
            peer = Peer(port)
            assert wait_for(lambda: len(hub2.clients) == 2, 10)
            assert wait_for(lambda: pub.publish(c.conn).sent == 1, 5)
            (ev,) = [ET.fromstring(f) for f in peer.events(1)]
            assert ev.find("detail/contact").get("callsign") == "광장 구역"
            peer.close()
            hub2.close()
    finally:
        client.stop()


# --- shapes from the field ---------------------------------------------------------------

def _drawing(uid, ctype, *, points=(), center=(37.57, 126.98), radius=None, name=None, remarks="", t="2026-05-01T03:00:00.000Z",
             stale="2026-05-02T03:00:00.000Z") -> bytes:
    ev = ET.Element("event", {"version": "2.0", "uid": uid, "type": ctype, "how": "h-e", "time": t, "start": t,
                              "stale": stale})
    ET.SubElement(ev, "point", {"lat": str(center[0]), "lon": str(center[1]), "hae": "9999999.0", "ce": "9999999.0",
                                "le": "9999999.0"})
    d = ET.SubElement(ev, "detail")
    for la, lo in points:
        ET.SubElement(d, "link", {"point": f"{la},{lo},0"})
    if radius is not None:
        ET.SubElement(ET.SubElement(d, "shape"), "ellipse", {"major": str(radius), "minor": str(radius),
                                                             "angle": "360"})
    if name is not None:
        ET.SubElement(d, "contact", {"callsign": name})
    ET.SubElement(d, "link", {"uid": "ANDROID-field-1", "type": "a-f-G-U-C", "relation": "p-p"})
    if remarks:
        ET.SubElement(d, "remarks").text = remarks
    return ET.tostring(ev, encoding="utf-8", xml_declaration=True)


CLOSED = SQUARE + [SQUARE[0]]


def test_drawings_parse_as_shapes():
    (poly,) = parse_event(_drawing("p1", "u-d-f", points=CLOSED, name="폴리곤"))
    assert isinstance(poly, DrawnShape) and poly.kind == "polygon" and poly.points[0] == poly.points[-1]
    assert poly.sender_uid == "ANDROID-field-1" and poly.name == "폴리곤" and not poly.removed
    (line,) = parse_event(_drawing("l1", "u-d-f", points=SQUARE))
    assert line.kind == "line"
    (rect,) = parse_event(_drawing("r1", "u-d-r", points=SQUARE))
    assert rect.kind == "rectangle" and len(rect.points) == 5
    (circ,) = parse_event(_drawing("c1", "u-d-c-c", radius=250))
    assert circ.kind == "circle" and circ.radius_m == 250 and circ.center == (37.57, 126.98)
    (gone,) = parse_event(_drawing("p1", "u-d-f", points=CLOSED, stale="2026-05-01T03:00:00.000Z"))
    assert gone.removed


@pytest.fixture
def inbound(db):
    """Sitmap's live input (a real TCP server) with the writer and a shape receiver."""
    writer = LiveWriter(db, batch_s=0.01, purpose="public-order").start()
    changes = []
    receiver = ShapeReceiver(on_change=changes.append)  # Sitmap's own shapes (sitmap-…) never come back in
    writer.add_record_listener(receiver.on_records)
    server = TcpServer(writer, "127.0.0.1", 0).start()
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    yield sock, changes, receiver
    sock.close()
    server.stop()
    writer.stop()


def _areas(db) -> dict[str, dict]:
    conn = sqlite3.connect(db)
    try:
        return {n: json.loads(g) for n, g in conn.execute("SELECT name, geometry FROM areas")}
    finally:
        conn.close()


def test_drawn_shapes_become_saved_areas_updated_and_removed(inbound, db):
    sock, changes, receiver = inbound
    sock.sendall(_drawing("ANDROID-poly-1", "u-d-f", points=CLOSED, name="통제선 A", remarks="북측 차단")
                 + _drawing("ANDROID-rect-1", "u-d-r", points=SQUARE, name="사각 구역")
                 + _drawing("ANDROID-circle-1", "u-d-c-c", center=(37.5665, 126.978), radius=300, name="집결 원")
                 + _drawing("ANDROID-line-1", "u-d-f", points=SQUARE, name="행진로"))
    assert wait_for(lambda: len(changes) == 3)
    areas = _areas(db)
    assert set(areas) == {"통제선 A", "사각 구역", "집결 원"}  # the open line is not an area
    assert receiver.ignored == 1
    poly = areas["통제선 A"]
    assert poly["properties"]["from"] == "TAK ANDROID-poly-1" and poly["properties"]["remarks"] == "북측 차단"
    a = area_from_geojson("통제선 A", poly)
    assert a.geometry.geom_type == "Polygon" and len(a.geometry.exterior.coords) == 5
    assert a.geometry.contains(area_from_geojson("x", _square_geojson()).geometry.centroid)
    circ = area_from_geojson("집결 원", areas["집결 원"])
    assert areas["집결 원"]["properties"]["shape"] == "circle" and areas["집결 원"]["properties"]["radius_m"] == 300
    # About pi r^2 (in degrees at Seoul's latitude: 1e-5 deg ~ 1.11 m north, 0.88 m east).
    area_m2 = circ.geometry.area * 111_320 * 111_320 * 0.7907
    assert abs(area_m2 - 3.14159 * 300 ** 2) / (3.14159 * 300 ** 2) < 0.02
    assert area_from_geojson("사각 구역", areas["사각 구역"]).geometry.area > 0

    # The same uid again, moved and renamed: the same row, updated in place.
    with Cache.open_readonly(db) as c:
        before = tak_areas(c.conn)["ANDROID-poly-1"][0]
    moved = [(la + 0.01, lo) for la, lo in CLOSED]
    sock.sendall(_drawing("ANDROID-poly-1", "u-d-f", points=moved, name="통제선 B"))
    assert wait_for(lambda: len(changes) == 4)
    assert changes[-1].action == "updated"
    with Cache.open_readonly(db) as c:
        assert tak_areas(c.conn)["ANDROID-poly-1"] == (before, "통제선 B")
    assert "통제선 A" not in _areas(db) and len(_areas(db)) == 3

    # A delete removes the area; a copy sent already stale does too.
    delete = (b'<event version="2.0" uid="del-1" type="t-x-d-d" how="h-g-i-g-o" time="2026-05-01T03:01:00Z" '
              b'start="2026-05-01T03:01:00Z" stale="2026-05-01T03:02:00Z"><point lat="0" lon="0" ce="9999999" '
              b'hae="0" le="9999999"/><detail><link uid="ANDROID-rect-1" relation="none" type="u-d-r"/>'
              b'<__forcedelete/></detail></event>')
    sock.sendall(delete + _drawing("ANDROID-circle-1", "u-d-c-c", radius=300, t="2026-05-01T03:05:00.000Z",
                                   stale="2026-05-01T03:05:00.000Z"))
    assert wait_for(lambda: len(changes) == 6)
    assert [c.action for c in changes[-2:]] == ["removed", "removed"]
    assert set(_areas(db)) == {"통제선 B"}


def test_hostile_names_and_clashes_stay_plain_text(inbound, db):
    sock, changes, _ = inbound
    _save_area(db, "광장", _square_geojson())  # the commander's own area of that name stays as it is
    sock.sendall(_drawing("ANDROID-x", "u-d-f", points=CLOSED, name=HOSTILE)
                 + _drawing("ANDROID-y", "u-d-f", points=CLOSED, name="광장")
                 + _drawing("ANDROID-z", "u-d-f", points=CLOSED, remarks="이름 없음\n둘째 줄"))
    assert wait_for(lambda: len(changes) == 3)
    areas = _areas(db)
    assert " ".join(HOSTILE.split()) in areas  # the name as it was sent, as text (one line)
    assert areas["광장"]["type"] == "Polygon"  # not replaced
    assert "광장 (TAK ANDROID-y)" in areas
    assert "이름 없음" in areas


def test_own_shapes_are_not_taken_back_in(inbound, db):
    sock, changes, receiver = inbound
    aid = _save_area(db, "광장 구역", _square_geojson())
    with Cache.open_readonly(db) as c:
        (shape,) = shapes_of(c.conn, _station(db))
    sock.sendall(shape_event(shape) + _drawing("ANDROID-poly-9", "u-d-f", points=CLOSED, name="현장"))
    assert wait_for(lambda: len(changes) == 1)
    assert receiver.ignored == 1 and set(_areas(db)) == {"광장 구역", "현장"}
    # An area from TAK is not published back.
    with Cache.open_readonly(db) as c:
        assert [s.uid for s in shapes_of(c.conn, _station(db))] == [area_uid("광장 구역")]


def test_pytak_peer_receives_the_shapes(relay, db):
    pytak = pytest.importorskip("pytak")
    import asyncio
    from configparser import ConfigParser

    relay.peer.close()
    assert wait_for(lambda: len(relay.hub.clients) == 1)
    _save_area(db, "광장 구역", _square_geojson())
    _save_area(db, HOSTILE, circle("c", 37.57, 126.98, 100).to_geojson())

    async def field(ready: threading.Event) -> list[bytes]:
        cp = ConfigParser()
        cp["field"] = {"COT_URL": f"tcp://127.0.0.1:{relay.hub.port}"}
        reader, w = await pytak.protocol_factory(cp["field"])
        ready.set()
        got = [await asyncio.wait_for(reader.readuntil(b"</event>"), 5) for _ in range(2)]
        w.close()
        return got

    ready, out = threading.Event(), []
    th = threading.Thread(target=lambda: out.append(asyncio.run(field(ready))))
    th.start()
    assert ready.wait(5) and wait_for(lambda: len(relay.hub.clients) == 2)
    assert relay.publish().sent == 2
    th.join(10)
    frames = [f for f in CotStreamParser().feed(b"".join(out[0])) if not isinstance(f, Dropped)]
    names = sorted(ET.fromstring(f).find("detail/contact").get("callsign") for f in frames)
    assert names == sorted(["광장 구역", HOSTILE])
    assert all(ET.fromstring(f).get("type") == "u-d-f" for f in frames)


def test_sitmap_listen_publishes_shapes_and_keeps_drawings(db, capsys):
    import argparse

    from desktop.cli.live import register

    aid = _save_area(db, "광장 구역", _square_geojson())
    hub = Hub()
    peer = Peer(hub.port)
    p = argparse.ArgumentParser()
    register(p.add_subparsers(dest="command"))
    args = p.parse_args(["listen", "--db", str(db), "--tak", f"127.0.0.1:{hub.port}", "--publish-shapes",
                         "--duration", "4", "--every", "1"])
    args.purpose = "public-order"  # (the top-level parser adds --purpose to every command)
    rc = []
    th = threading.Thread(target=lambda: rc.append(args.func(args)))
    th.start()
    try:
        (ev,) = [ET.fromstring(f) for f in peer.events(1, 5)]
        assert ev.get("uid") == area_uid("광장 구역") and ev.get("type") == "u-d-f"
        assert ev.find("detail/contact").get("callsign") == "광장 구역"
        peer.send(_drawing("ANDROID-poly-cli", "u-d-f", points=CLOSED, name="현장 통제선"))
        assert wait_for(lambda: "현장 통제선" in _areas(db), 5)
    finally:
        th.join(10)
        peer.close()
        hub.close()
    assert rc == [0]
    out = capsys.readouterr().out
    assert "SHAPES 1 published" in out and "AREA saved '현장 통제선' (from TAK ANDROID-poly-cli)" in out


def test_publish_shapes_needs_a_tak_server(db, capsys):
    import argparse

    from desktop.cli.live import register

    p = argparse.ArgumentParser()
    register(p.add_subparsers(dest="command"))
    args = p.parse_args(["listen", "--db", str(db), "--tcp", "127.0.0.1:0", "--publish-shapes"])
    args.purpose = "public-order"
    assert args.func(args) == 1
    assert "--publish-shapes sends to TAK servers" in capsys.readouterr().err


def test_circles_multipolygons_and_big_outlines(db):
    from shapely.geometry import Point

    from desktop.live.shapes import MAX_VERTICES, circle_properties

    station = _station(db)
    ring = circle("x", 37.57, 126.98, 150).to_geojson()
    cid = _save_area(db, "원", {"type": "Feature", "geometry": ring, "properties": circle_properties(37.57, 126.98, 150)})
    two = {"type": "MultiPolygon", "coordinates": [_square_geojson()["coordinates"],
                                                   _square_geojson([(la + 0.01, lo) for la, lo in SQUARE])["coordinates"]]}
    mid = _save_area(db, "두 곳", two)
    big = Point(126.98, 37.6).buffer(0.01, 2000)  # 8,000 vertices
    bid = _save_area(db, "큰 구역", {"type": "Polygon", "coordinates": [list(big.exterior.coords)]})
    with Cache.open_readonly(db) as c:
        shapes = {s.uid: s for s in shapes_of(c.conn, station)}
    assert set(shapes) == {area_uid("원"), area_uid("두 곳"), area_uid("두 곳", 1),
                           area_uid("큰 구역")}
    ev = ET.fromstring(shape_event(shapes[area_uid("원")]))
    assert ev.get("type") == "u-d-c-c" and ev.find("detail/shape/ellipse").get("major") == "150.0"
    assert (float(ev.find("point").get("lat")), float(ev.find("point").get("lon"))) == (37.57, 126.98)
    assert shapes[area_uid("두 곳", 1)].name == "두 곳 (2)"
    xml = shape_event(shapes[area_uid("큰 구역")])
    n = len(_vertices(ET.fromstring(xml)))
    assert 100 < n <= MAX_VERTICES + 1 and len(xml) < 64 * 1024
    (back,) = parse_event(xml)  # and it reads back as the closed polygon it is
    assert back.kind == "polygon" and len(back.points) == n


def test_a_file_with_drawings_counts_them(tmp_path):
    from desktop.importers import import_file

    path = tmp_path / "drawings.cot"
    path.write_bytes(_drawing("a", "u-d-f", points=CLOSED, name="x") + _drawing("b", "u-d-c-c", radius=10))
    with Cache.open(tmp_path / "c.db") as c:
        result = import_file(c, path, purpose="public-order")
    assert result.stats.accepted == 0
    assert any("2 drawn shapes" in n for n in result.stats.notes)


def test_workstations_sharing_a_store_publish_one_shape_each(db):
    """Areas are named the same everywhere; an incident shared through the store keeps its
    shared uid, so two workstations on one TAK network do not draw it twice."""
    with Cache.open(db) as c:
        mine = incidents.create(c.conn, "여기서 연 사건", by="kim", lat=37.57, lon=126.98)
        theirs = incidents.create(c.conn, "저기서 온 사건", by="lee", lat=37.56, lon=126.97)
        with c.transaction() as conn:
            conn.execute("INSERT INTO meta (key, value) VALUES ('sync.workstation', 'ws-a 1')")
            conn.execute("INSERT INTO meta (key, value) VALUES (?, 'ws-b:7')", (f"sync.store1.inc.l{theirs}",))
    _save_area(db, "광장", _square_geojson())
    with Cache.open_readonly(db) as c:
        uids = {s.name: s.uid for s in shapes_of(c.conn, _station(db))}
    assert uids == {"광장": area_uid("광장"), "여기서 연 사건": f"sitmap-incident-ws-a_1:{mine}",
                    "저기서 온 사건": "sitmap-incident-ws-b:7"}
