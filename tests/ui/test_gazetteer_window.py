"""File → Import places… in the window: the agency's landmarks into the gazetteer, the posts
without coordinates placed again on a thread, the map's index read again; a bad file named
by its line, nothing changed."""

from __future__ import annotations

import sqlite3

import pytest

from desktop.audit import AuditLog
from desktop.cache import Cache
from desktop.cache.writer import write_records
from desktop.core.model import Item, Kind, Precision

pytestmark = pytest.mark.webengine
T0 = 1_794_632_400_000
PRECISIONS = ("inferred",)


@pytest.fixture
def window(qtbot, tmp_path, js_errors):
    from desktop.ui.main_window import MainWindow

    db = tmp_path / "c.db"
    items = [Item(kind=Kind.POST, source="x", source_id=f"u{k}", t_ms=T0 + k * 1000, text=f"대한문 앞 인파 {k}")
             for k in range(5)]
    items.append(Item(kind=Kind.POST, source="x", source_id="e", t_ms=T0, text="대한문 exact", lat=37.5, lon=127.0,
                      precision=Precision.EXACT))
    with Cache.open(db) as c:
        write_records(c, items, path="t", fmt="test")  # written without the geoparser: all unknown
    win = MainWindow(db, restore=False)
    win.resize(1200, 800)
    win.show()
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.bridge.is_ready and win.last_result is not None, timeout=60000)
    yield win, db
    win.close()


def _precisions(db) -> list[str]:
    c = sqlite3.connect(db)
    try:
        return sorted(r[0] for r in c.execute("SELECT precision FROM items"))
    finally:
        c.close()


def test_import_places_then_posts_placed_on_a_thread(qtbot, window, tmp_path):
    win, db = window
    panel = win.panels["gazetteer"]
    bad = tmp_path / "bad.csv"
    bad.write_text("name,aliases,lat,lon,radius_m\n대한문,,37.5658,east,80\n", encoding="utf-8")
    assert not panel.import_places(str(bad), place_again=True)
    assert f"{bad}: line 2: lon 'east' is not a number" == panel.last_error
    with Cache.open(db) as c:
        assert c.conn.execute("SELECT count(*) FROM gazetteer WHERE origin = 'user'").fetchone()[0] == 0
    good = tmp_path / "places.csv"
    good.write_text("name,aliases,lat,lon,radius_m\n덕수궁 대한문,대한문|Daehanmun,37.5658,126.9767,80\n",
                    encoding="utf-8")
    assert panel.import_places(str(good), place_again=True)
    qtbot.waitUntil(lambda: panel.last_summary is not None, timeout=120000)
    assert panel.last_summary.placed == 5 and panel.last_error is None
    assert _precisions(db) == ["exact"] + ["inferred"] * 5
    # The window's index is read again: the five posts are inferred positions on the map now.
    assert "5 of 5 posts placed" in win.statusBar().currentMessage()
    win.session.precisions = PRECISIONS
    qtbot.waitUntil(lambda: win.last_result is not None and win.last_result.flt.precisions == PRECISIONS
                    and win.last_result.total == 5, timeout=30000)
    with AuditLog.open(db) as log:
        alters = log.entries(action="alter")
    assert len(alters) == 2  # the places, then the posts placed again
