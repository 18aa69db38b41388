"""Incidents made from the other two places the issue names: a drawn area and an alert."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from desktop.cache import Cache
from desktop.core.geo import area_from_geojson
from desktop.live.alerts import Alert
from tests.ui.test_triage import db, window  # noqa: F401 (fixtures)

pytestmark = pytest.mark.webengine

BOX = {"type": "Polygon", "coordinates": [[[126.9, 37.5], [127.1, 37.5], [127.1, 37.7], [126.9, 37.7], [126.9, 37.5]]]}


def _accept(qtbot, panel, name: str) -> None:
    dlg = panel.dialog
    qtbot.waitUntil(dlg.isVisible, timeout=5000)
    dlg.edit.selectAll()
    qtbot.keyClicks(dlg.edit, name)
    qtbot.keyClick(dlg.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=5000)


def _incident(db_path, name):
    with Cache.open_readonly(db_path) as c:
        row = c.conn.execute("SELECT id, area FROM incidents WHERE name = ?", (name,)).fetchone()
        items = [r[0] for r in c.conn.execute("SELECT item_id FROM incident_items WHERE incident_id = ?", (row[0],))]
    return row[0], (json.loads(row[1]) if row[1] else None), sorted(items)


def test_incident_from_the_checked_areas_and_from_an_alert(qtbot, window, db):  # noqa: F811
    win = window
    panel = win.panel("incidents")
    win.session.add_area(area_from_geojson("광화문 일대", BOX))
    qtbot.waitUntil(lambda: win.last_result is not None and bool(win.last_result.flt.areas), timeout=10000)
    shown = sorted(int(i) for i in win.last_result.feed_ids)
    assert shown
    panel.new_from_areas()
    _accept(qtbot, panel, "Area incident")
    iid, area, items = _incident(db, "Area incident")
    assert area["type"] == "Polygon" and items == shown
    assert win.session.incident == iid  # chosen at once: the map and feed show its items

    with Cache.open_readonly(db) as c:
        two = [r[0] for r in c.conn.execute("SELECT id FROM items WHERE kind = 'post' ORDER BY id LIMIT 2")]
    alert = Alert(id=1, rule_id=1, rule_name="인파", kind="count", t_ms=0, area_name="광화문 일대",
                  message="30분에 50건 이상", item_ids=tuple(two))
    win.panel("alerts").widget.add_alert(alert)
    win.panel("alerts").widget.list.setCurrentRow(0)
    win.panel("alerts").incident_from_alert()
    _accept(qtbot, panel, "Alert incident")
    _iid, area2, items2 = _incident(db, "Alert incident")
    assert items2 == sorted(two) and area2["type"] == "Polygon"
