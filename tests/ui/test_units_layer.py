"""Unit markers and tracks on the real page: updated in place by uid, hostile text stays text.

Each test sends ``units`` messages over the bridge as the window does and looks at the
Leaflet layers. Markers and track lines are tagged from JavaScript (constant scripts) so
a later check can tell the same object from a new one.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from desktop.engine.unit_tracks import pack_track, pack_tracks, unpack_track
from tests.ui.conftest import run_js

pytestmark = pytest.mark.webengine

HOSTILE_IMG = "<img src=x onerror=alert(1)>"
HOSTILE_PWN = '<img src=x onerror="window.__pwned=1"><b>굵게</b>'
SEOUL = (37.5700, 126.9770)
BUSAN = (35.1587, 129.1604)

# What every marker on the page shows: its tag (set by a test), label text, position and
# the element it draws into, in label order. A constant script.
MARKERS = """JSON.stringify((function () {
  var out = [];
  sitmap.layers.units.group.eachLayer(function (m) {
    var el = m.getElement(), ll = m.getLatLng();
    out.push({ tag: m.__testTag || null, elTag: el ? el.dataset.testTag || null : null,
               label: el ? el.querySelector('.sitmap-unit-label').textContent : null,
               cls: el ? el.querySelector('.sitmap-unit').className : null,
               lat: ll.lat, lon: ll.lng });
  });
  out.sort(function (a, b) { return a.label < b.label ? -1 : 1; });
  return out;
})())"""

# Tag every marker (and its element) and every track line with the unit's label text.
TAG = """(function () {
  var n = 0;
  sitmap.layers.units.byKey.forEach(function (e) {
    var label = e.label.textContent;
    e.marker.__testTag = label; e.marker.getElement().dataset.testTag = label;
    if (e.line) e.line.__testTag = label;
    n++;
  });
  return n;
})()"""

LINES = """JSON.stringify((function () {
  var out = [];
  sitmap.layers.units.tracks.eachLayer(function (l) {
    out.push({ tag: l.__testTag || null, n: l.getLatLngs().length,
               first: [l.getLatLngs()[0].lat, l.getLatLngs()[0].lng],
               dash: l.options.dashArray || null });
  });
  out.sort(function (a, b) { return String(a.tag) < String(b.tag) ? -1 : 1; });
  return out;
})())"""


def track(lat: float, lon: float, n: int = 5, step: float = 0.0004) -> str:
    k = np.arange(n)
    return pack_track(lat + k * step, lon + k * step)


def unit(uid: str, callsign: str, lat: float, lon: float, trk, **kw) -> dict:
    return {"uid": uid, "callsign": callsign, "lat": lat, "lon": lon, "track": trk, "team": "Cyan",
            "course": 90.0, "speed": 1.2, "stale": False, "emergency": False, "t_ms": 1, **kw}


def send_units(qtbot, view, units: list[dict]) -> dict:
    """Send a units message and wait until the page applied it; returns its update counts."""
    got = []
    view.bridge.rendered.connect(got.append)
    view.bridge.send({"type": "units", "units": units})
    qtbot.waitUntil(lambda: bool(got), timeout=10000)  # the page reports once it has drawn them
    view.bridge.rendered.disconnect(got.append)
    assert got[-1]["units"] == len(units)
    return json.loads(run_js(qtbot, view, "JSON.stringify(sitmap.state.unitUpdate)"))


def markers(qtbot, view) -> list[dict]:
    return json.loads(run_js(qtbot, view, MARKERS))


def at_seoul(qtbot, view) -> None:
    views = []
    view.bridge.viewChanged.connect(views.append)
    view.bridge.send({"type": "view", "center": list(SEOUL), "zoom": 14})
    qtbot.waitUntil(lambda: bool(views) and views[-1]["zoom"] == 14, timeout=10000)


def test_pack_track_round_trips_microdegrees():
    lat, lon = np.array([37.5700004, -33.9, np.nan, 89.999999]), np.array([126.9770004, 151.2, 1.0, -179.999999])
    assert unpack_track(pack_track(lat, lon)) == [(37.57, 126.977), (-33.9, 151.2), (89.999999, -179.999999)]
    assert pack_track(np.zeros(0), np.zeros(0)) == ""


def test_tracks_packed_together_are_each_packed_alone():
    rng = np.random.default_rng(3)
    lats, lons = [], []
    for n in (0, 1, 7, 301, 40):
        lat, lon = rng.uniform(-90, 90, n), rng.uniform(-180, 180, n)
        if n > 5:
            lat[2], lon[4] = np.nan, np.inf  # a report without a usable position is left out
        lats.append(lat)
        lons.append(lon)
    got = pack_tracks(lats, lons, [a.size for a in lats])
    assert got == [pack_track(a, b) for a, b in zip(lats, lons)] and got[0] == "" and got[1]
    assert pack_tracks([], [], []) == []


def test_moved_units_reuse_their_markers_and_lines(qtbot, map_view):
    view = map_view
    at_seoul(qtbot, view)
    a0 = track(*SEOUL)
    first = [
        unit("U1", "Alpha", SEOUL[0], SEOUL[1], a0),
        unit("U2", "Bravo", SEOUL[0] + 0.003, SEOUL[1], track(SEOUL[0] + 0.003, SEOUL[1])),
        unit("U3", "Charlie", SEOUL[0] - 0.003, SEOUL[1], [[SEOUL[0] - 0.003, SEOUL[1]], [SEOUL[0] - 0.004, SEOUL[1]]]),
    ]
    st = send_units(qtbot, view, first)
    assert (st["added"], st["tracks"], st["removed"]) == (3, 3, 0)
    assert run_js(qtbot, view, TAG) == 3

    # Alpha moves and is renamed and its track grows; Bravo goes stale (same track);
    # Charlie leaves the window; Delta appears.
    a1 = track(SEOUL[0], SEOUL[1], n=7)
    second = [
        unit("U1", "Alpha-2", SEOUL[0] + 0.001, SEOUL[1] + 0.002, a1),
        dict(first[1], stale=True),
        unit("U4", "Delta", SEOUL[0], SEOUL[1] - 0.003, track(SEOUL[0], SEOUL[1] - 0.003)),
    ]
    st = send_units(qtbot, view, second)
    assert (st["added"], st["kept"], st["removed"], st["moved"]) == (1, 2, 1, 1)
    assert st["tracks"] == 2  # Alpha's new points and Delta's line; Bravo's line kept its points
    got = {m["label"]: m for m in markers(qtbot, view)}
    assert set(got) == {"Alpha-2", "Bravo", "Delta"}
    alpha = got["Alpha-2"]
    assert alpha["tag"] == alpha["elTag"] == "Alpha"  # the same marker and element, relabelled in place
    assert (alpha["lat"], alpha["lon"]) == pytest.approx((SEOUL[0] + 0.001, SEOUL[1] + 0.002))
    assert got["Bravo"]["tag"] == "Bravo" and "stale" in got["Bravo"]["cls"]
    assert got["Delta"]["tag"] is None  # new
    assert run_js(qtbot, view, "sitmap.layers.units.group.getLayers().length") == 3
    lines = {ln["tag"]: ln for ln in json.loads(run_js(qtbot, view, LINES))}
    assert set(lines) == {"Alpha", "Bravo", None}  # Charlie's line went with it; Delta's is new
    assert lines["Alpha"]["n"] == 7  # the same polyline, given the longer track
    assert lines["Bravo"]["dash"] == "4 6"  # restyled as stale, not rebuilt
    assert run_js(qtbot, view, "sitmap.state.units") == 3

    # The same message again changes nothing.
    st = send_units(qtbot, view, second)
    assert (st["added"], st["moved"], st["restyled"], st["tracks"], st["removed"]) == (0, 0, 0, 0, 0)


def test_hostile_callsigns_are_text_only(qtbot, map_view):
    view = map_view
    at_seoul(qtbot, view)
    units = [unit("H1", HOSTILE_IMG, SEOUL[0], SEOUL[1], track(*SEOUL)),
             unit("H2", HOSTILE_PWN, SEOUL[0] + 0.002, SEOUL[1], ""),
             unit('"><script>window.__pwned=2</script>', "", SEOUL[0] - 0.002, SEOUL[1], "")]
    send_units(qtbot, view, units)
    labels = sorted(m["label"] for m in markers(qtbot, view))
    assert labels == sorted([HOSTILE_IMG, HOSTILE_PWN, '"><script>window.__pwned=2</script>'])
    # Renamed to another hostile text in place: still text.
    send_units(qtbot, view, [dict(units[0], callsign=HOSTILE_PWN), units[1], dict(units[2], uid="__proto__")])
    labels = sorted(m["label"] for m in markers(qtbot, view))
    assert labels == sorted([HOSTILE_PWN, HOSTILE_PWN, "__proto__"])
    qtbot.wait(300)
    assert run_js(qtbot, view, "String(window.__pwned)") == "undefined"
    assert run_js(qtbot, view, "document.querySelectorAll('.sitmap-unit-label *').length") == 0
    assert run_js(qtbot, view, "document.querySelectorAll('img[src=x], .leaflet-pane script').length") == 0


def test_far_track_waits_for_the_map_to_move_there(qtbot, map_view):
    view = map_view
    at_seoul(qtbot, view)
    far = unit("B1", "Busan", BUSAN[0], BUSAN[1], track(*BUSAN))
    send_units(qtbot, view, [far])
    run_js(qtbot, view, TAG)
    moved = track(BUSAN[0] + 0.01, BUSAN[1], n=9)
    st = send_units(qtbot, view, [dict(far, lat=BUSAN[0] + 0.01, track=moved)])
    assert (st["moved"], st["deferred"], st["tracks"]) == (1, 1, 0)
    line = json.loads(run_js(qtbot, view, LINES))[0]
    assert line["tag"] == "Busan" and line["n"] == 5  # nothing on screen changed: the old points wait
    view.bridge.send({"type": "view", "center": list(BUSAN), "zoom": 14})
    qtbot.waitUntil(lambda: json.loads(run_js(qtbot, view, LINES))[0]["n"] == 9, timeout=10000)
    line = json.loads(run_js(qtbot, view, LINES))[0]
    assert line["tag"] == "Busan" and line["first"] == pytest.approx([BUSAN[0] + 0.01, BUSAN[1]])


def test_reloaded_page_rebuilds_units_from_scratch(qtbot, map_view):
    view = map_view
    units = [unit("U1", "Alpha", SEOUL[0], SEOUL[1], track(*SEOUL)),
             unit("U2", "Bravo", SEOUL[0] + 0.003, SEOUL[1], track(SEOUL[0] + 0.003, SEOUL[1]))]
    send_units(qtbot, view, units)
    assert run_js(qtbot, view, TAG) == 2
    view.load_page()  # what the view does when the renderer dies
    view.bridge.send({"type": "units", "units": units})  # queued until the new page is ready
    qtbot.waitUntil(lambda: view.bridge.is_ready, timeout=30000)
    qtbot.waitUntil(lambda: run_js(qtbot, view, "sitmap.state.units") == 2, timeout=10000)
    st = json.loads(run_js(qtbot, view, "JSON.stringify(sitmap.state.unitUpdate)"))
    assert (st["added"], st["kept"], st["tracks"]) == (2, 0, 2)
    assert [(m["label"], m["tag"]) for m in markers(qtbot, view)] == [("Alpha", None), ("Bravo", None)]


def test_full_rebuild_flag_makes_new_markers(qtbot, map_view):
    """The benchmark's "old page": every message throws away and rebuilds every marker."""
    view = map_view
    units = [unit("U1", "Alpha", SEOUL[0], SEOUL[1], track(*SEOUL))]
    send_units(qtbot, view, units)
    run_js(qtbot, view, TAG)
    run_js(qtbot, view, "sitmap.debug.unitsFullRebuild = true; 1")
    st = send_units(qtbot, view, units)
    assert st["added"] == 1 and markers(qtbot, view)[0]["tag"] is None
    run_js(qtbot, view, "sitmap.debug.unitsFullRebuild = false; 1")


def _points(ids, lats, lons, gen=7) -> dict:
    import base64

    def b64(a):
        return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode()

    n = len(ids)
    return {"type": "items", "gen": gen, "mode": "points", "total": n,
            "ids": b64(np.array(ids, dtype=np.float64)), "lat": b64(np.array(lats, dtype=np.float32)),
            "lon": b64(np.array(lons, dtype=np.float32)), "kind": b64(np.zeros(n, dtype=np.uint8)),
            "prec": b64(np.zeros(n, dtype=np.uint8)), "radius": b64(np.zeros(n, dtype=np.float32))}


def _click_at(qtbot, view, lat: float, lon: float) -> None:
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    pt = json.loads(run_js(qtbot, view, "JSON.stringify(sitmap.map.latLngToContainerPoint(["
                                        f"{float(lat)!r}, {float(lon)!r}]))"))
    QTest.mouseClick(view.focusProxy(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(round(pt["x"]), round(pt["y"])))


def test_a_click_on_a_unit_is_the_units_not_the_post_underneath(qtbot, map_view):
    at_seoul(qtbot, map_view)
    lat, lon = SEOUL
    other = (lat + 0.003, lon + 0.004)
    got = []
    map_view.bridge.rendered.connect(got.append)
    map_view.bridge.send(_points([41, 42], [lat, other[0]], [lon, other[1]]))
    qtbot.waitUntil(lambda: any(r["gen"] == 7 for r in got), timeout=10000)
    send_units(qtbot, map_view, [unit("U1", "종로1", lat, lon, track(lat - 0.002, lon - 0.002))])
    clicked, units = [], []
    map_view.bridge.itemClicked.connect(clicked.append)
    map_view.bridge.unitClicked.connect(units.append)
    _click_at(qtbot, map_view, lat, lon)  # the unit's badge sits on the post
    qtbot.waitUntil(lambda: bool(units), timeout=5000)
    assert units == ["U1"] and clicked == []
    _click_at(qtbot, map_view, *other)  # a post with no unit on it is still picked
    qtbot.waitUntil(lambda: bool(clicked), timeout=5000)
    assert clicked == [42]


LABEL_BOXES = """JSON.stringify((function () {
  var out = [];
  sitmap.layers.units.byKey.forEach(function (e) {
    var r = e.label.getBoundingClientRect();
    if (getComputedStyle(e.label).display !== 'none') out.push([r.left, r.top, r.right, r.bottom, e.label.textContent]);
  });
  return {boxes: out, state: sitmap.state.unitLabels,
          tracksOn: sitmap.map.hasLayer(sitmap.layers.units.tracks)};
})())"""


def test_unit_labels_never_pile_up_and_far_out_units_are_dots(qtbot, map_view):
    """Eight units within a few metres at street zoom: the labels that would overlap are
    hidden (the most important kept), so no two visible labels overlap; at city zoom the
    units are dots without labels or tracks, but an emergency keeps its label."""
    at_seoul(qtbot, map_view)
    lat, lon = SEOUL
    crowd = [unit(f"U{k}", f"기동{k}중대", lat + k * 0.00004, lon + k * 0.00003, track(lat - 0.002, lon, 6))
             for k in range(8)]
    crowd.append(unit("E1", "긴급1", lat + 0.00002, lon - 0.00002, track(lat, lon - 0.002, 6), emergency=True))
    crowd.append(unit("FAR", "외곽", lat + 0.01, lon + 0.012, track(lat + 0.01, lon + 0.01, 6)))
    send_units(qtbot, map_view, crowd)
    got = json.loads(run_js(qtbot, map_view, LABEL_BOXES))
    boxes = got["boxes"]
    names = [b[4] for b in boxes]
    assert "긴급1" in names and "외곽" in names  # the emergency first; a unit alone keeps its label
    assert got["state"]["hidden"] >= 6
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a[0] < b[2] and a[2] > b[0] and a[1] < b[3] and a[3] > b[1]), (a, b)
    assert got["tracksOn"]
    views = []
    map_view.bridge.viewChanged.connect(views.append)
    map_view.bridge.send({"type": "view", "center": list(SEOUL), "zoom": 10})
    qtbot.waitUntil(lambda: bool(views) and views[-1]["zoom"] == 10, timeout=10000)
    far = json.loads(run_js(qtbot, map_view, LABEL_BOXES))
    assert [b[4] for b in far["boxes"]] == ["긴급1"] and far["state"]["far"] is True and not far["tracksOn"]


def test_at_national_zoom_the_count_is_not_hidden_by_units_or_a_neighbour(qtbot, map_view):
    from tests.ui.test_page import _density

    views = []
    map_view.bridge.viewChanged.connect(views.append)
    map_view.bridge.send({"type": "view", "center": [36.4, 127.8], "zoom": 7})
    qtbot.waitUntil(lambda: bool(views) and views[-1]["zoom"] == 7, timeout=10000)
    lat, lon = SEOUL
    got = []
    map_view.bridge.rendered.connect(got.append)
    map_view.bridge.send(_density([15321, 1], [lat, lat + 0.02], [lon, lon + 0.02]))
    qtbot.waitUntil(lambda: any(r["gen"] == 5 for r in got), timeout=10000)
    send_units(qtbot, map_view, [unit("U1", "종로1", lat, lon, track(lat, lon)),
                                 unit("E1", "긴급1", lat + 0.01, lon, track(lat, lon), emergency=True)])
    # One count is written (the crowd's, "15k"); the neighbour's "1" does not cut it.
    assert run_js(qtbot, map_view, "sitmap.state.cellLabels") == 1
    shown = json.loads(run_js(qtbot, map_view, """JSON.stringify((function () {
      var out = [];
      sitmap.layers.units.byKey.forEach(function (e) {
        if (getComputedStyle(e.el).display !== 'none') out.push(e.label.textContent);
      });
      return out;
    })())"""))
    assert shown == ["긴급1"]  # only the emergency is drawn over the counts
