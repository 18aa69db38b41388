"""The shared store in the real window: the sync runs on its own thread, the status bar says
online / offline since HH:MM with the changes waiting, and what another workstation pushed
reaches this window's index."""

from __future__ import annotations

import re
import threading

import pytest

from desktop.cache import Cache
from desktop.cache import triage
from desktop.core.triage import TriageChange
from desktop.sync.runner import Sync
from tests.sync.conftest import pg_server, shared_url  # noqa: F401 (fixtures)
from tests.sync.helpers import add_items, local_id, posts, q

pytestmark = pytest.mark.webengine


def waiting_in(label: str) -> int:
    m = re.search(r"offline since \d\d:\d\d, (\d+) changes waiting", label)
    return int(m.group(1)) if m else -1


def test_window_syncs_with_shared_store(qtbot, tmp_path, pg_server, shared_url, js_errors):  # noqa: F811
    from desktop.ui.main_window import MainWindow

    mine, other = tmp_path / "mine.db", tmp_path / "other.db"
    add_items(mine, posts("m", 3))
    add_items(other, posts("o", 4))
    Sync(other, shared_url).once()
    win = MainWindow(mine, restore=False)
    qtbot.addWidget(win)
    win.show()
    panel = win.panel("shared_store")
    gui = threading.current_thread()
    seen_threads = []
    panel.relay.status.connect(lambda s: seen_threads.append(threading.current_thread()))
    try:
        panel.connect_to(shared_url)
        assert panel._thread is not None and panel._thread is not gui
        qtbot.waitUntil(lambda: panel.label.text() == "Shared store: online", timeout=20000)
        # The other workstation's items are in this window's index, as after a live commit.
        # (The index, not the time window: the window was set from the first span, and
        # whether the pull came before or after that is a race.)
        counts = []
        win.worker.worker.indexReady.connect(lambda info: counts.append(info["count"]))
        qtbot.waitUntil(lambda: 7 in counts or (win.worker.worker.data is not None
                                                and len(win.worker.worker.data.index) == 7), timeout=20000)
        win.session.window = win.session.span  # all of it: the map shows the 7
        qtbot.waitUntil(lambda: win.last_result is not None and win.last_result.total == 7, timeout=20000)
        assert all(t is gui for t in seen_threads)  # the label is set on the GUI thread only
        # A triage change made here goes up; one made there comes down.
        with Cache.open(other) as c:
            triage.apply(c.conn, [local_id(other, "o1")],
                         TriageChange(state="verified"), by="other-analyst")
        Sync(other, shared_url).once()
        qtbot.waitUntil(lambda: q(mine, "SELECT count(*) FROM triage WHERE state = 'verified'")[0][0] == 1,
                        timeout=20000)
        # Someone else changed it: the status bar says so, and so do the post's details.
        o1 = local_id(mine, "o1")
        qtbot.waitUntil(lambda: o1 in panel.changed, timeout=20000)
        assert "1 post(s) triaged on another workstation (other-analyst)" in win.statusBar().currentMessage()
        feed = win.panel("feed")
        win.session.select(o1, "map")
        qtbot.waitUntil(lambda: (feed.details.field_text("changed_elsewhere") or "").startswith("other-analyst, "),
                        timeout=10000)
        # This operator's own triage overtaken by a later change there: said as such.
        with Cache.open(mine) as c:
            triage.apply(c.conn, [local_id(mine, "o2")], TriageChange(state="verified"), by=win.session.operator)
        qtbot.waitUntil(lambda: Sync(other, shared_url).once() and  # takes this window's change ...
                        q(other, "SELECT count(*) FROM triage WHERE state = 'verified'")[0][0] == 2, timeout=20000)
        with Cache.open(other) as c:  # ... and overrides it
            triage.apply(c.conn, [local_id(other, "o2")], TriageChange(state="false"), by="other-analyst")
        Sync(other, shared_url).once()
        o2 = local_id(mine, "o2")
        qtbot.waitUntil(lambda: o2 in panel.changed and panel.changed[o2].superseded, timeout=20000)
        assert "other-analyst changed your triage of 1 post(s) on another workstation: now false" in \
            win.statusBar().currentMessage()
        win.session.select(o2, "map")
        qtbot.waitUntil(lambda: "(replaced your triage)" in (feed.details.field_text("changed_elsewhere") or ""),
                        timeout=10000)
        # The store goes away: offline since HH:MM, and the changes made meanwhile are counted.
        pg_server.stop()
        try:
            qtbot.waitUntil(lambda: "offline since" in panel.label.text(), timeout=30000)
            before = waiting_in(panel.label.text())
            add_items(mine, posts("late", 2), name="late.json")
            qtbot.waitUntil(lambda: waiting_in(panel.label.text()) >= before + 2, timeout=30000)
        finally:
            pg_server.start()
        qtbot.waitUntil(lambda: panel.label.text() == "Shared store: online", timeout=40000)
    finally:
        win.close()
    assert panel._thread is None  # stopped with the window
    Sync(other, shared_url).once()
    with Cache.open(other) as c:
        assert c.conn.execute("SELECT count(*) FROM items").fetchone()[0] == 9


def test_window_joins_with_the_last_day_and_fetches_older_when_the_slider_goes_there(
        qtbot, tmp_path, shared_url):  # noqa: F811
    import time

    from desktop.ui.main_window import MainWindow

    mine, other = tmp_path / "mine.db", tmp_path / "other.db"
    now = int(time.time() * 1000)
    hour = 3_600_000
    for d, back in enumerate((54 * hour, 30 * hour, 1 * hour)):
        add_items(other, posts(f"d{d}-", 10, t0=now - back), name=f"day{d}.json")
    Sync(other, shared_url).once()
    add_items(mine, posts("m", 1, t0=now - 2 * hour))
    win = MainWindow(mine, restore=False)
    qtbot.addWidget(win)
    win.show()
    panel = win.panel("shared_store")
    try:
        panel.connect_to(shared_url)
        qtbot.waitUntil(lambda: panel.last_status is not None and panel.last_status.online, timeout=20000)
        # Only the last day came: the mine one and d2.
        qtbot.waitUntil(lambda: q(mine, "SELECT count(*) FROM items")[0][0] == 11, timeout=20000)
        assert panel.last_status.have_from is not None and panel.last_status.have_from > now - 25 * hour
        # The slider reaches back to the store's first item ...
        qtbot.waitUntil(lambda: win.session.span is not None and win.session.span[0] <= now - 54 * hour,
                        timeout=10000)
        # ... while a window that showed everything stays on what the cache holds: widening
        # is not going there, and joining does not fetch the whole store.
        assert win.session.window[0] >= panel.last_status.have_from
        assert panel._sync._want is None
        assert q(mine, "SELECT count(*) FROM items")[0][0] == 11
        # ... and going there fetches the older posts into the index.
        win.session.window = (now - 55 * hour, now - 50 * hour)
        qtbot.waitUntil(lambda: q(mine, "SELECT count(*) FROM items")[0][0] == 31, timeout=30000)
        qtbot.waitUntil(lambda: win.last_result is not None and win.last_result.total == 10, timeout=20000)
        # (the cycle's own status, after the fetch's progress ones)
        qtbot.waitUntil(lambda: panel.last_status.fetching is None
                        and panel.last_status.have_from <= now - 55 * hour, timeout=20000)
    finally:
        win.close()


def test_an_alert_fired_on_another_workstation_is_told_in_this_window(qtbot, tmp_path, shared_url):  # noqa: F811
    import time

    from desktop.live.alerts import AlertEngine, AlertRule, save_rule
    from desktop.ui.main_window import MainWindow

    mine, node = tmp_path / "mine.db", tmp_path / "node.db"
    now = int(time.time() * 1000)
    with Cache.open(node) as c:
        save_rule(c, AlertRule(name="광화문 집결", kind="count", params={"min_count": 3, "minutes": 30}))
    engine = AlertEngine(node, clock=lambda: now)
    add_items(node, posts("n", 3, t0=now - 60_000))
    with Cache.open(node) as c:
        (fired,) = engine.on_commit([r[0] for r in c.conn.execute("SELECT id FROM items")], False)
    engine.close()
    Sync(node, shared_url, operator="ingest-node").once()
    add_items(mine, posts("m", 1, t0=now - 120_000))
    win = MainWindow(mine, restore=False)
    qtbot.addWidget(win)
    win.show()
    told = []
    win.ctx.services["live"].alertFired.connect(told.append)
    pane = win.panel("alerts").widget.list
    try:
        win.panel("shared_store").connect_to(shared_url)
        qtbot.waitUntil(lambda: pane.count() == 1, timeout=30000)
        (alert,) = told
        assert alert.message == fired.message and len(alert.item_ids) == 3
        assert alert.rule_name == "광화문 집결 (on ingest-node)"
        assert pane.item(0).text().endswith("광화문 집결 (on ingest-node)\n" + fired.message)
    finally:
        win.close()


def test_the_dialog_joins_for_an_area_and_says_so(qtbot, tmp_path, shared_url):  # noqa: F811
    import time

    from desktop.ui.main_window import MainWindow
    from tests.sync.test_fetch import busan_posts

    mine, other = tmp_path / "mine.db", tmp_path / "other.db"
    now = int(time.time() * 1000)
    add_items(other, posts("seoul", 3, t0=now - 60_000) + busan_posts("busan", 2, now - 60_000))
    Sync(other, shared_url).once()
    Cache.open(mine).close()
    win = MainWindow(mine, restore=False)
    qtbot.addWidget(win)
    win.show()
    panel = win.panel("shared_store")
    try:
        dlg = panel.ask_url()
        dlg.url.setText(shared_url)
        assert dlg.everywhere.isChecked()
        qtbot.keyClicks(dlg.area, "x")  # typing an area chooses "only in an area"
        assert dlg.in_area.isChecked()
        dlg.area.setText("어디에도없는구")
        dlg._ok()  # not understood: said in the dialog, which stays open
        assert dlg.result() == 0, dlg.error.text()
        assert "not a box W,S,E,N, a saved area or a built-in district" in dlg.error.text()
        dlg.area.setText("부산 중구")
        dlg._ok()
        assert dlg.result() == 1
        qtbot.waitUntil(lambda: panel.label.text() == "Shared store: online (holding 부산광역시 중구 only)",
                        timeout=30000)
        assert sorted(r[0] for r in q(mine, "SELECT source_id FROM items")) == ["busan0", "busan1"]
        # Everywhere again: what the area left out comes.
        dlg = panel.ask_url()
        assert dlg.in_area.isChecked()  # it says what the cache holds now
        dlg.everywhere.setChecked(True)
        dlg._ok()
        qtbot.waitUntil(lambda: q(mine, "SELECT count(*) FROM items")[0][0] == 5, timeout=30000)
        qtbot.waitUntil(lambda: panel.label.text() == "Shared store: online", timeout=30000)
    finally:
        win.close()


def test_two_windows_show_each_others_verified_posts_incidents_and_areas(qtbot, tmp_path, shared_url):  # noqa: F811
    """Two Sitmap windows on two caches, one store: what the commander verifies, groups into
    an incident or saves as an area in one window shows in the other's map and panels."""
    import time

    from dataclasses import replace

    from desktop.cache import incidents as cache_incidents
    from desktop.core.geo import circle
    from desktop.live.shapes import circle_properties
    from desktop.ui.main_window import MainWindow

    def drawn(radius_m: float):  # as a circle drawn on the map is kept
        return replace(circle("집결지 A", 37.5705, 126.9705, radius_m),
                       properties=circle_properties(37.5705, 126.9705, radius_m))

    now = int(time.time() * 1000)
    paths = {"a": tmp_path / "commander.db", "b": tmp_path / "analyst.db"}
    add_items(paths["a"], posts("a", 3, t0=now - 600_000))
    add_items(paths["b"], posts("b", 2, t0=now - 300_000))
    wins = {}
    try:
        for k, who in (("a", "commander-kim"), ("b", "analyst-park")):
            w = wins[k] = MainWindow(paths[k], restore=False)
            qtbot.addWidget(w)
            w.resize(1000, 700)
            w.show()
            w.session.operator = who
            w.panel("shared_store").connect_to(shared_url)
        for w in wins.values():
            def online(w=w) -> None:  # on a timeout the message is what the label says
                text = w.panel("shared_store").label.text()
                assert text.startswith("Shared store: online"), text

            qtbot.waitUntil(online, timeout=60000)
            qtbot.waitUntil(lambda w=w: w.worker.worker.data is not None and len(w.worker.worker.data.index) == 5,
                            timeout=60000)
        a, b = wins["a"], wins["b"]

        # The commander verifies the analyst's post b1 in the review queue.
        queue = a.panel("triage")
        b1 = local_id(paths["a"], "b1")
        qtbot.waitUntil(lambda: b1 in queue.ids(), timeout=20000)
        queue.view.select_row(queue.ids().index(b1))
        queue.mark("verified")
        assert q(paths["a"], "SELECT state, updated_by FROM triage WHERE item_id = ?", (b1,)) == \
            [("verified", "commander-kim")]
        # ... the analyst's map, filtered to verified posts, shows it.
        b.session.window = (now - 3_600_000, now + 60_000)
        b.session.states = ("verified",)
        b1_there = local_id(paths["b"], "b1")
        qtbot.waitUntil(lambda: b.last_result is not None and list(b.last_result.feed_ids) == [b1_there],
                        timeout=20000)
        feed = b.panel("feed")
        b.session.select(b1_there, "map")
        qtbot.waitUntil(lambda: (feed.details.field_text("changed_elsewhere") or "").startswith("commander-kim, "),
                        timeout=10000)

        # The analyst opens an incident with a0 and a1; the commander's Incidents list has it.
        ids = [local_id(paths["b"], "a0"), local_id(paths["b"], "a1")]
        b.panel("incidents").new_from(ids, name="광화문 북측 <b>집결</b>")
        b.panel("incidents").dialog.accept()
        qtbot.waitUntil(lambda: len(q(paths["b"], "SELECT id FROM incidents")) == 1, timeout=10000)
        incidents = a.panel("incidents")

        def listed() -> list[str]:
            return [incidents.list.topLevelItem(i).text(0) for i in range(incidents.list.topLevelItemCount())]

        qtbot.waitUntil(lambda: listed() == ["광화문 북측 <b>집결</b>"], timeout=20000)
        with Cache.open_readonly(paths["a"]) as c:
            (inc,) = cache_incidents.list_incidents(c.conn)
            assert inc["created_by"] == "analyst-park"
            assert sorted(cache_incidents.items_of(c.conn, inc["id"])) == \
                sorted(local_id(paths["a"], s) for s in ("a0", "a1"))

        # The commander saves a circle as an area; it joins the analyst's saved areas, outlined.
        a.session.add_area(drawn(200), active=False)
        a.panel("filters").save_area("집결지 A")
        qtbot.waitUntil(lambda: b.session.area("집결지 A") is not None, timeout=20000)
        entry = b.session.area("집결지 A")
        assert entry.saved and entry.visible and not entry.active
        assert entry.area.properties.get("shape") == "circle"
        # Switched on there, it filters the analyst's map; a later edit here keeps it on.
        b.session.states = ()
        b.session.change_area("집결지 A", active=True)
        a.session.add_area(drawn(400), active=False)
        a.panel("filters").save_area("집결지 A")
        qtbot.waitUntil(lambda: b.session.area("집결지 A").area.properties.get("radius_m") == 400.0, timeout=20000)
        assert b.session.area("집결지 A").active
        assert "Area(s) from the shared store: 집결지 A" in b.statusBar().currentMessage()
    finally:
        for w in wins.values():
            w.close()
