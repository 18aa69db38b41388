"""The first open of a cache without a snapshot, in the real window: the index comes in
chunks on the query worker, the status bar shows progress and Cancel; a cancel keeps the
part loaded on the map (and says which span it is), Load the rest completes it."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt

from desktop.cache import Cache
from desktop.cache.query import count
from desktop.cache.writer import write_records
from desktop.engine import loading
from desktop.engine.source import SpanReader, cache_state, snapshot_dir
from tests.test_index import make_items

pytestmark = pytest.mark.webengine


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "big.db"
    c = Cache.open(path)
    write_records(c, make_items(24_000, 5, "a", t_span=48 * 3600_000), path="fixture", fmt="test")
    c.close()
    return path


@pytest.fixture
def small_chunks(monkeypatch):
    """Many chunks, and a gate: readers hold after the first three chunks until the test
    opens it (the real read then runs), so the window is seen mid-load on any machine."""
    monkeypatch.setattr(loading, "FIRST_ROWS", 600)
    monkeypatch.setattr(loading, "CHUNK_ROWS", 300)
    monkeypatch.setattr(loading, "READERS", 1)
    gate, calls = threading.Event(), []
    real = SpanReader.read

    def gated(self, *a):
        calls.append(threading.get_ident())
        if len(calls) > 3:
            gate.wait(30)
        return real(self, *a)

    monkeypatch.setattr(SpanReader, "read", gated)
    gate.calls = calls
    yield gate
    gate.set()


def _window(qtbot, db):
    from desktop.ui.main_window import MainWindow

    win = MainWindow(db, restore=False)
    win.resize(1400, 900)
    win.show()
    qtbot.addWidget(win)
    return win


def test_cancel_keeps_the_recent_part_then_load_the_rest(qtbot, db, small_chunks, js_errors):
    seen: list[dict] = []
    gui = threading.get_ident()
    win = _window(qtbot, db)
    status = win.load_status
    win.worker.worker.loadProgress.connect(seen.append)
    # The load runs on the worker thread: the status bar shows it while the window stays live.
    qtbot.waitUntil(lambda: status.state == "loading" and win.worker.worker.data is not None, timeout=30000)
    assert status.isVisible() and status.bar.isVisible() and status.cancel.isVisible()
    assert "of 24,000 items" in status.text.text()
    qtbot.mouseClick(status.cancel, Qt.MouseButton.LeftButton)
    small_chunks.set()
    qtbot.waitUntil(lambda: status.state != "loading", timeout=20000)
    assert status.state == "cancelled", (status.state, seen[-3:])
    assert status.rest.isVisible() and not status.bar.isVisible()
    assert "older items not loaded" in status.text.text()
    idx = win.worker.worker.data.index
    assert idx.loaded_from_ms is not None and 0 < len(idx) < 24_000
    assert gui not in small_chunks.calls  # the reading is never on the window's thread
    # The map answers on the part that is in, exactly as the cache does for that span.
    win.schedule()
    qtbot.waitUntil(lambda: win.last_result is not None and win.last_result.gen == win.gen, timeout=20000)
    with Cache.open_readonly(db) as c:
        t_last = c.conn.execute("SELECT max(t_ms) FROM items").fetchone()[0]
        f = win.last_result.flt
        want = count(c.conn, f.with_(start_ms=max(f.start_ms or idx.loaded_from_ms, idx.loaded_from_ms)))
        state = cache_state(c.conn)
    assert idx.span()[1] == t_last
    assert win.last_result.total == want
    assert not (snapshot_dir(state) / "meta.json").exists()  # nothing adoptable from a cancelled load
    qtbot.mouseClick(status.rest, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: status.state == "idle" and len(win.worker.worker.data.index) == 24_000, timeout=60000)
    assert not status.isVisible()
    full = win.worker.worker.data.index
    assert full.loaded_from_ms is None and np.all(np.diff(full.t) >= 0)
    assert (snapshot_dir(state) / "meta.json").exists()
    win.schedule()
    qtbot.waitUntil(lambda: win.last_result is not None and win.last_result.gen == win.gen, timeout=20000)
    with Cache.open_readonly(db) as c:
        assert win.last_result.total == count(c.conn, win.last_result.flt)
    win.close()


def test_closing_the_window_mid_load_stops_it_and_leaves_no_snapshot(qtbot, db, small_chunks, js_errors):
    win = _window(qtbot, db)
    qtbot.waitUntil(lambda: win.load_status.state == "loading", timeout=30000)
    small_chunks.set()
    win.close()
    with Cache.open_readonly(db) as c:
        state = cache_state(c.conn)
    folder = snapshot_dir(state)
    assert not any(p.name.startswith(folder.name + ".tmp") for p in folder.parent.iterdir()) if folder.parent.exists() else True
    assert not (folder / "meta.json").exists() or win.load_status.state == "idle"
