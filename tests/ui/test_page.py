"""The map page itself: offline assets, the bridge handshake, and the locks on it."""

from __future__ import annotations

import json

import pytest

from tests.ui.conftest import run_js

pytestmark = pytest.mark.webengine


def test_page_boots_offline_with_leaflet_and_bridge(qtbot, map_view):
    assert run_js(qtbot, map_view, "typeof L") == "object"
    assert run_js(qtbot, map_view, "L.version") == "1.9.3"
    assert run_js(qtbot, map_view, "sitmap.state.ready") is True
    # Everything came through the app scheme; nothing went anywhere else.
    assert "/vendor/leaflet/leaflet.js" in map_view.scheme_handler.served
    assert map_view.guard.blocked == []
    assert map_view.guard.external == []


def test_view_reports_bounds(qtbot, map_view):
    got = []
    map_view.bridge.viewChanged.connect(got.append)
    map_view.bridge.send({"type": "view", "center": [37.5663, 126.9779], "zoom": 15})
    qtbot.waitUntil(lambda: bool(got) and got[-1]["zoom"] == 15, timeout=10000)
    w, s, e, n = got[-1]["bounds"]
    assert w < 126.9779 < e and s < 37.5663 < n


def test_navigation_away_is_refused(qtbot, map_view):
    from PySide6.QtCore import QUrl

    map_view.page().setUrl(QUrl("https://example.org/"))
    qtbot.waitUntil(lambda: bool(map_view.map_page.refused), timeout=10000)
    assert map_view.map_page.refused[0].startswith("https://example.org")
    assert run_js(qtbot, map_view, "typeof sitmap") == "object"


def test_page_cannot_open_windows_or_fetch_files(qtbot, map_view):
    run_js(qtbot, map_view, "window.open('sitmap://app/index.html'); 1")
    res = run_js(qtbot, map_view, "fetch('file:///etc/passwd').then(()=>'read', ()=>'refused'); 'started'")
    assert res == "started"
    qtbot.wait(300)
    assert len(map_view.map_page.refused) == 0  # window.open never produced a navigation


def test_points_message_draws(qtbot, map_view):
    import base64

    import numpy as np

    def b64(a):
        return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode()

    got = []
    map_view.bridge.rendered.connect(got.append)
    map_view.bridge.send({
        "type": "items", "gen": 3, "mode": "points", "total": 2,
        "ids": b64(np.array([11, 12], dtype=np.float64)),
        "lat": b64(np.array([37.5663, 37.5720], dtype=np.float32)),
        "lon": b64(np.array([126.9779, 126.9769], dtype=np.float32)),
        "kind": b64(np.array([0, 1], dtype=np.uint8)),
        "prec": b64(np.array([0, 0], dtype=np.uint8)),
        "radius": b64(np.array([0, 0], dtype=np.float32)),
    })
    qtbot.waitUntil(lambda: any(r["gen"] == 3 for r in got), timeout=10000)
    assert got[-1]["points"] == 2 and got[-1]["mode"] == "points"
    assert json.loads(run_js(qtbot, map_view, "JSON.stringify(sitmap.state)"))["points"] == 2


def _density(counts, lats, lons):
    import base64

    import numpy as np

    def b64(a):
        return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode()

    return {"type": "items", "gen": 5, "mode": "density", "total": int(sum(counts)), "cell_deg": 0.005,
            "cells": {"count": b64(np.array(counts, dtype=np.uint32)),
                      "field": b64(np.zeros(len(counts), dtype=np.uint32)),
                      "lat": b64(np.array(lats, dtype=np.float32)), "lon": b64(np.array(lons, dtype=np.float32))}}


HEAT_STATS = """(function () {
  var c = sitmap.layers.items._canvas, x = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  var any = 0, strong = 0;
  for (var i = 3; i < x.length; i += 4) { if (x[i] > 0) { any++; if (x[i] >= 128) strong++; } }
  return JSON.stringify({any: any, strong: strong});
})()"""


def test_heatmap_is_strong_where_people_are_not_just_at_the_peak(qtbot, map_view):
    """One crowded cell (5,000) and twenty quiet ones (20–200): the quiet ones must still
    read as heat, not a faint haze (most of the heat's pixels at least half opaque)."""
    import numpy as np

    rng = np.random.default_rng(3)
    counts = [5000] + [int(v) for v in rng.integers(20, 200, 20)]
    lats = [37.5663] + list(37.54 + rng.random(20) * 0.05)
    lons = [126.9779] + list(126.95 + rng.random(20) * 0.06)
    got = []
    map_view.bridge.rendered.connect(got.append)
    map_view.bridge.send({"type": "view", "center": [37.565, 126.98], "zoom": 13})
    map_view.bridge.send({"type": "settings", "heat": True})
    map_view.bridge.send(_density(counts, lats, lons))
    qtbot.waitUntil(lambda: any(r["gen"] == 5 for r in got), timeout=10000)
    stats = json.loads(run_js(qtbot, map_view, HEAT_STATS))
    assert stats["any"] > 0
    assert stats["strong"] / stats["any"] >= 0.5, stats


def test_the_page_has_an_emoji_font_of_its_own(qtbot, map_view):
    """Labels on the map (callsigns, area names) with emoji load the bundled Noto Emoji."""
    script = """(function () {
      window.__emoji = null;
      document.fonts.load('12px "Noto Emoji"', '🚨👮').then(function (f) { window.__emoji = f.length; });
      return 1;
    })()"""
    run_js(qtbot, map_view, script)
    qtbot.waitUntil(lambda: bool(run_js(qtbot, map_view, "window.__emoji")), timeout=10000)
    assert any(p.startswith("/fonts/emoji/") for p in map_view.scheme_handler.served)
    assert run_js(qtbot, map_view, "document.fonts.check('12px \\u0022Noto Emoji\\u0022', '🚨')") is True
    assert map_view.guard.blocked == [] and map_view.guard.external == []


def test_frames_after_drew_are_said_only_when_asked(qtbot, map_view):
    """sitmap.debug.framesAfterDrew (benchmarks): the page says when the frame that shows an
    update is done, after its drew; a bad value from the page is refused, not emitted."""
    drew, frames = [], []
    map_view.bridge.rendered.connect(lambda r: drew.append((r["gen"], len(frames))))
    map_view.bridge.framed.connect(frames.append)
    map_view.bridge.send(_density([4], [37.57], [126.98]))  # gen 5
    qtbot.waitUntil(lambda: any(g == 5 for g, _ in drew), timeout=10000)
    qtbot.wait(200)
    assert frames == []  # not asked
    run_js(qtbot, map_view, "sitmap.debug.framesAfterDrew = true; 1")
    msg = _density([7], [37.57], [126.98])
    msg["gen"] = 6
    map_view.bridge.send(msg)
    qtbot.waitUntil(lambda: frames == [6], timeout=10000)
    assert (6, 0) in drew  # drew first, then the frame
    run_js(qtbot, map_view, "sitmap.bridge.frameDone(-1); sitmap.bridge.frameDone(1e300); 1")
    qtbot.wait(200)
    assert frames == [6]


def test_an_asset_built_after_its_page_closed_is_dropped_quietly(qapp):
    """A slow asset (the built-in districts) finishing after its window closed: nobody to tell."""
    import shiboken6

    from desktop.page.assets import AssetStore
    from desktop.ui.webpage import SchemeHandler, _AssetBuild

    handler = SchemeHandler(AssetStore("<html></html>"))
    job = _AssetBuild(handler, 7, "/no-such-asset")
    got = []
    handler.assetReady.connect(lambda key, found: got.append((key, found)))
    job.run()  # while the page is there: it is told (a missing asset is None)
    assert got == [(7, None)]
    shiboken6.delete(handler)
    job.run()  # afterwards: no exception reaches Qt's event loop
