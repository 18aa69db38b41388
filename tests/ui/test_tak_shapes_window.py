"""The window and the TAK network over real loopback sockets: with a TAK connection open,
a saved area and an incident reach a peer as CoT shapes, a change is sent again, and a
polygon drawn on the peer (with a hostile name) appears in the Filters list as a saved
area, then leaves it when the peer deletes it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from desktop.cache import Cache, incidents
from desktop.core.geo import circle
from desktop.importers.xmlsafe import Dropped
from desktop.live.shapes import area_uid
from tests.live.test_shapes import CLOSED, HOSTILE, _drawing
from tests.live.test_tasking import Hub, Peer

pytestmark = pytest.mark.webengine


@pytest.fixture
def window_on_tak(qtbot, tmp_path, js_errors):
    from desktop.ui.main_window import MainWindow

    db = tmp_path / "tak.db"
    Cache.open(db).close()
    hub = Hub()
    peer = Peer(hub.port)
    win = MainWindow(db, restore=False)
    win.resize(1200, 800)
    win.show()
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.bridge.is_ready, timeout=60000)
    win.live.live.start_tak("127.0.0.1", hub.port)
    qtbot.waitUntil(lambda: len(hub.clients) == 2, timeout=10000)
    yield win, peer, db
    win.close()
    peer.close()
    hub.close()


def _events(qtbot, peer, n) -> list[ET.Element]:
    """The next ``n`` events the peer receives, while the window's event loop runs."""
    got = []

    def more():
        try:
            data = peer.sock.recv(65536)
        except OSError:  # the socket's short timeout: nothing yet
            return len(got) >= n
        got.extend(f for f in peer.framer.feed(data) if not isinstance(f, Dropped))
        return len(got) >= n

    peer.sock.settimeout(0.01)
    qtbot.waitUntil(more, timeout=10000)
    return [ET.fromstring(f) for f in got]


def test_areas_and_incidents_go_out_and_drawings_come_in(qtbot, window_on_tak):
    win, peer, db = window_on_tak
    win.session.add_area(circle("집결지", 37.57, 126.98, 150), active=False)
    win.panels["filters"].save_area("집결지")
    (ev,) = _events(qtbot, peer, 1)
    assert ev.get("type") == "u-d-f" and ev.find("detail/contact").get("callsign") == "집결지"
    assert ev.get("uid") == area_uid("집결지")

    # A circle drawn on the map and saved goes out as a circle.
    filters = win.panels["filters"]
    filters._area_drawn({"kind": "circle", "center": (126.99, 37.56), "radius_m": 250.0})
    (drawn,) = [e.name for e in win.session.areas if e.area.properties.get("shape") == "circle"]
    filters.save_area(drawn)
    (ev,) = _events(qtbot, peer, 1)
    assert ev.get("type") == "u-d-c-c" and ev.find("detail/contact").get("callsign") == drawn
    assert float(ev.find("detail/shape/ellipse").get("major")) == 250.0
    assert (float(ev.find("point").get("lat")), float(ev.find("point").get("lon"))) == (37.56, 126.99)

    with Cache.open(db) as c:
        incidents.create(c.conn, "광화문 집회", by="상황실", lat=37.5759, lon=126.9769)
    (marker,) = _events(qtbot, peer, 1)  # the next round of the two-second look
    assert marker.get("type") == "b-m-p-s-m" and marker.find("detail/contact").get("callsign") == "광화문 집회"

    peer.send(_drawing("ANDROID-win-1", "u-d-f", points=CLOSED, name=HOSTILE))
    name = " ".join(HOSTILE.split())
    qtbot.waitUntil(lambda: win.session.area(name) is not None, timeout=10000)
    entry = win.session.area(name)
    assert entry.saved and not entry.active and entry.area.geometry.geom_type == "Polygon"
    assert name in win.statusBar().currentMessage()
    assert entry.area.properties["from"] == "TAK ANDROID-win-1"
    tree = win.panels["filters"].widget.area_tree
    (row,) = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount()) if tree.topLevelItem(i).text(0) == name]
    tip = row.toolTip(0)
    assert "TAK ANDROID-win-1" in tip and tip.startswith("<p")  # escaped into a plain-text tooltip

    delete = (b'<event version="2.0" uid="d1" type="t-x-d-d" how="h-g-i-g-o" time="2026-05-01T03:01:00Z" '
              b'start="2026-05-01T03:01:00Z" stale="2026-05-01T03:02:00Z"><point lat="0" lon="0" ce="9999999" '
              b'hae="0" le="9999999"/><detail><link uid="ANDROID-win-1" relation="none" type="u-d-f"/>'
              b'</detail></event>')
    peer.send(delete)
    qtbot.waitUntil(lambda: win.session.area(name) is None, timeout=10000)
    with Cache.open_readonly(db) as c:
        assert {r[0] for r in c.conn.execute("SELECT name FROM areas")} == {"집결지", drawn}
