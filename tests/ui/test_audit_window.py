"""The audit trail of the window: every window action writes exactly its entry (a table:
a new action without an entry fails), the filter is recorded once it settles, the
Audit trail dock filters and finds who saw an item, the start dialog, the daily purge."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop.audit import AuditLog
from desktop.cache import Cache
from desktop.cache.writer import write_records
from desktop.core.model import Item, Kind, Precision
from tests.ui.test_triage import T0, _items

pytestmark = pytest.mark.webengine
KEY = Qt.Key


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "audit.db"
    with Cache.open(path) as c:
        write_records(c, _items(), path="fixture", fmt="test")
    return path


def _open(qtbot, db, **kw):
    from desktop.ui.main_window import MainWindow

    win = MainWindow(db, restore=False, **kw)
    win.resize(1400, 900)
    win.show()
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.bridge.is_ready and win.last_result is not None and win.last_result.page is not None,
                    timeout=60000)
    return win


@pytest.fixture
def window(qtbot, db, js_errors, tmp_path, monkeypatch):
    monkeypatch.setenv("SITMAP_DATA_DIR", str(tmp_path / "data"))
    win = _open(qtbot, db)
    yield win
    win.close()


def _entries(db, after: int = 0) -> list:
    with AuditLog.open(db) as log:
        return [e for e in log.entries() if e.seq > after]


def _head(db) -> int:
    with AuditLog.open(db) as log:
        h = log.head()
    return h[0] if h else 0


def _fresh(qtbot, win):
    qtbot.wait(30)
    qtbot.waitUntil(lambda: win.last_result is not None and win.last_result.gen == win.gen
                    and not win._submit_timer.isActive(), timeout=20000)


def _ids(db) -> dict[str, int]:
    with Cache.open_readonly(db) as c:
        return {sid: i for i, sid in c.conn.execute("SELECT id, source_id FROM items")}


def _close_modal_soon(found: list) -> None:
    """Close the next modal box (an import's result) once it shows, noting its text."""
    def close() -> None:
        boxes = [w for w in QApplication.topLevelWidgets()
                 if isinstance(w, QMessageBox) and w.isVisible() and w.windowTitle() == "Import"]
        if not boxes:  # (still importing)
            QTimer.singleShot(50, close)
            return
        found.append(boxes[0].text())
        boxes[0].done(0)

    QTimer.singleShot(50, close)


# --- the table: each window action and the one entry it must write ----------------------------

def _covers(ranges, item_id) -> bool:
    return any(lo <= item_id <= hi for lo, hi in ranges)


def drive_filter(qtbot, win, ids, tmp):
    win.session.text = "광화문"
    _fresh(qtbot, win)
    win.flush_audit()


def drive_open(qtbot, win, ids, tmp):
    win.session.select(ids["p2"], "feed")


def drive_triage_key(qtbot, win, ids, tmp):
    panel = win.panel("triage")
    qtbot.waitUntil(lambda: ids["p5"] in panel.ids(), timeout=10000)
    panel.focus_queue()
    panel.view.select_row(panel.model.row_of(ids["p5"]))
    qtbot.keyClick(panel.view, KEY.Key_V)


def drive_triage_priority(qtbot, win, ids, tmp):
    panel = win.panel("triage")
    panel.view.select_row(panel.model.row_of(ids["p4"]))
    qtbot.keyClick(panel.view, KEY.Key_3)


def drive_incident_create(qtbot, win, ids, tmp):
    panel = win.panel("incidents")
    win.session.select(ids["p1"], "map")
    panel._from_queue = False
    drive_incident_create.before = _head(win.db_path)  # (after the consult entry of the selection)
    panel.new_from_selection()
    panel.dialog.edit.setText("광화문 <b>북측</b>")
    panel.dialog.accept()


def drive_incident_note(qtbot, win, ids, tmp):
    panel = win.panel("incidents")
    panel.add_note()
    panel.dialog.edit.setText("현장 확인 중")
    panel.dialog.accept()


def drive_incident_state(qtbot, win, ids, tmp):
    panel = win.panel("incidents")
    panel.change_state()
    panel.dialog.choice.setCurrentIndex(panel.dialog.choice.findData("monitoring"))
    panel.dialog.accept()


def drive_export(qtbot, win, ids, tmp):
    job = win.panel("export").start_export(tmp / "out.geojson", "geojson")
    qtbot.waitUntil(lambda: job.done, timeout=30000)


def drive_report(qtbot, win, ids, tmp):
    job = win.panel("report").start_report(tmp / "sitrep.pdf", "en", "op", "handover")
    qtbot.waitUntil(lambda: job.done, timeout=60000)


def drive_task(qtbot, win, ids, tmp):
    tasks = win.panels["tasks"]
    target = {"incident_id": None, "item_id": ids["p3"], "text": "확인 바람", "lat": 37.57, "lon": 126.97}
    assert tasks.assign(target, {"uid": "U1", "callsign": "종로1"}, "현장 확인 바람") is not None


def drive_push(qtbot, win, ids, tmp):
    win.session.select(ids["p0"], "feed")
    drive_push.before = _head(win.db_path)  # (after the consult entry of the selection)
    win.panel("live").push_selected()


def drive_import(qtbot, win, ids, tmp):
    f = tmp / "more.csv"
    f.write_text("id,time,lat,lon,text\n" + "".join(f"n{k},2026-11-14 15:0{k}:00,37.57,126.98,추가 {k}\n"
                                                       for k in range(3)), encoding="utf-8")
    seen: list = []
    _close_modal_soon(seen)
    assert win.panel("imports").import_files([str(f)])
    assert seen and "3" in seen[0]


def drive_who(qtbot, win, ids, tmp):
    win.set_who("op-park", "traffic-safety", None)


ROWS = [
    # (name, drive, expected action, predicate on (objects, detail, ids))
    ("filter applied", drive_filter, "consult", lambda o, d, ids: "광화문" in o["filter"]),
    ("details opened", drive_open, "consult", lambda o, d, ids: o == {"items": [ids["p2"]]}),
    ("triage key V", drive_triage_key, "alter",
     lambda o, d, ids: o == {"items": [ids["p5"]]} and d["triage"]["state"] == "verified"),
    ("triage key 3", drive_triage_priority, "alter",
     lambda o, d, ids: o == {"items": [ids["p4"]]} and d["triage"]["priority"] == "critical"),
    ("incident created", drive_incident_create, "alter",
     lambda o, d, ids: o["items"] == [ids["p1"]] and isinstance(o["incident"], int) and d["change"] == "create"),
    ("incident note", drive_incident_note, "alter",
     lambda o, d, ids: d == {"change": "note", "note": "현장 확인 중"} and o["items"] == []),
    ("incident state", drive_incident_state, "alter", lambda o, d, ids: d["state"] == "monitoring"),
    ("show all", lambda qtbot, win, ids, tmp: (win.panel("incidents").show_all(), _fresh(qtbot, win),
                                               win.flush_audit()),
     "consult", lambda o, d, ids: "incident" not in o["filter"]),
    ("export", drive_export, "disclose",
     lambda o, d, ids: d["format"] == "geojson" and all(_covers(o["items"], ids[f"p{k}"]) for k in range(6))
     and "filter" in o),
    ("report", drive_report, "disclose",
     lambda o, d, ids: d["format"] == "report" and _covers(o["items"], ids["p3"])),
    ("task to a unit", drive_task, "disclose",
     lambda o, d, ids: o == {"items": [ids["p3"]], "unit": "U1"} and d["task"].startswith("T-")),
    ("post to the field", drive_push, "disclose", lambda o, d, ids: o["items"] == [ids["p0"]] and d["to"] == "field"),
    ("import", drive_import, "collect",
     lambda o, d, ids: o["file"].endswith("more.csv") and isinstance(o["batch"], int) and d["new"] == 3),
    ("operator and purpose changed", drive_who, "session",
     lambda o, d, ids: d["event"] == "change" and d["to"] == {"operator": "op-park", "purpose": "traffic-safety",
                                                                "case_ref": None}),
]


def test_each_window_action_writes_exactly_its_entry(qtbot, window, db, tmp_path):
    win = window
    ids = _ids(db)
    _fresh(qtbot, win)
    win.flush_audit()
    start = _entries(db)
    assert [e.action for e in start][:1] == ["session"] and start[0].detail["event"] == "start"
    assert start[0].operator == "test-operator" and start[0].purpose == "public-order" and start[0].workstation
    for name, drive, action, ok in ROWS:
        _fresh(qtbot, win)
        win.flush_audit()  # a filter changed by the row before is recorded before this row
        before = _head(db)
        drive(qtbot, win, ids, tmp_path)
        before = max(before, getattr(drive, "before", before))
        qtbot.wait(50)
        new = _entries(db, before)
        assert len(new) == 1, f"{name}: expected one {action} entry, got {[(e.action, e.objects) for e in new]}"
        e = new[0]
        assert e.action == action, f"{name}: {e.action} instead of {action}"
        assert ok(e.objects, e.detail, ids), f"{name}: {e.objects} {e.detail}"
        who = ("op-park", "traffic-safety") if name.startswith("operator") else ("test-operator", "public-order")
        assert (e.operator, e.purpose) == who, name
    # Closing ends the session; the chain holds.
    win.close()
    last = _entries(db)[-1]
    assert last.action == "session" and last.detail == {"event": "end"}
    with AuditLog.open(db) as log:
        assert log.verify().ok


def test_a_slider_drag_is_one_consult_entry_once_it_settles(qtbot, window, db):
    win = window
    _fresh(qtbot, win)
    qtbot.wait(1700)  # the start's own filter settles first
    before = _head(db)
    t0, t1 = win.session.span
    for k in range(60):  # sixty frames of a drag, 16 ms apart
        win.timeline.set_window(t0 + k * 10_000, t1)
        qtbot.wait(16)
    assert _entries(db, before) == []  # nothing while dragging
    qtbot.waitUntil(lambda: len(_entries(db, before)) >= 1, timeout=5000)
    qtbot.wait(300)
    new = _entries(db, before)
    assert len(new) == 1 and new[0].action == "consult"
    assert new[0].objects == {"filter": win.session.filter().describe()}
    win.flush_audit()  # the same filter again: nothing more
    assert len(_entries(db, before)) == 1


def test_the_audit_dock_filters_and_finds_who_saw_an_item(qtbot, window, db, tmp_path):
    win = window
    ids = _ids(db)
    panel = win.panel("audit")
    action = win.findChild(type(win.who_action), "auditAction")
    assert action in win.menus["view"].actions() and action.shortcut().toString() == "Ctrl+Shift+A"
    action.trigger()
    assert win.docks["auditDock"].isVisible()
    assert _entries(db)[-1].objects == {"audit": "view"}  # reading the trail is recorded too
    win.session.select(ids["p2"], "feed")  # opened
    job = win.panel("export").start_export(tmp_path / "x.csv", "csv")  # exported, as a range
    qtbot.waitUntil(lambda: job.done, timeout=30000)
    win.set_who("op-lee", "public-order", None)
    win.session.select(ids["p3"], "feed")  # someone else opens another
    qtbot.waitUntil(lambda: panel.entries and panel.entries[0].objects == {"items": [ids["p3"]]}, timeout=5000)
    rows = panel.rows()
    assert rows[0][1] == "op-lee" and rows[0][3] == "consult" and rows[0][6] == f'items: {ids["p3"]}'
    assert "KST" in panel.table.horizontalHeaderItem(0).text() and rows[0][0].startswith("20")
    # by operator, by action
    panel.operator.setCurrentIndex(panel.operator.findData("op-lee"))
    assert {e.operator for e in panel.entries} == {"op-lee"} and len(panel.entries) == 2  # the change and the opening
    panel.operator.setCurrentIndex(0)
    panel.action.setCurrentIndex(panel.action.findData("disclose"))
    assert [e.action for e in panel.entries] == ["disclose"]
    panel.clear_filters()
    # a time range that ends before everything: nothing
    panel.use_to.setChecked(True)
    panel.t_to.setDateTime(panel.t_to.dateTime().addDays(-2))
    assert panel.entries == []
    panel.clear_filters()
    # From the item: who saw it — the opening and the export whose range covers it, not p3's opening.
    win.session.select(ids["p2"], "feed")
    win.details.who_saw_button.click()
    assert panel.item.text() == str(ids["p2"])
    got = [(e.operator, e.action) for e in panel.entries]
    assert got == [("op-lee", "consult"), ("op-lee", "consult"), ("test-operator", "disclose"),
                   ("test-operator", "consult")], got
    assert panel.entries[0].objects == {"audit": "who saw", "items": [ids["p2"]]}  # the question itself
    assert panel.count.text() == f"4 entries naming item {ids['p2']}"
    # The lookup reads the index, not every entry: a second question parses nothing new.
    lookup = panel.lookup()
    assert lookup.update() == 0
    # Verify, the head and its copy.
    assert panel.verify().startswith("OK: ")
    head = panel.copy_head()
    with AuditLog.open(db) as log:
        seq, h = log.head()
    assert head == f"{seq}:{h}" and QApplication.clipboard().text() == head
    # Another program's entry shows within the poll.
    with AuditLog.open(db) as log:
        log.record("consult", operator="cli-user", objects={"items": [ids["p2"]]})
    qtbot.waitUntil(lambda: panel.entries and panel.entries[0].operator == "cli-user", timeout=5000)
    # A tampered entry: verify says FAILED and names it.
    conn = sqlite3.connect(win.audit.log.path)
    conn.execute("DROP TRIGGER entries_no_update")
    conn.execute("UPDATE entries SET operator = 'someone else' WHERE seq = 2")
    conn.commit()
    conn.close()
    text = panel.verify()
    assert text.startswith("FAILED") and "entry 2" in text


def test_start_dialog_prefills_needs_the_case_and_view_only_refuses_imports(qtbot, db, js_errors, tmp_path,
                                                                            monkeypatch):
    from desktop.ui.main_window import settings

    monkeypatch.setenv("SITMAP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SITMAP_OPERATOR")
    monkeypatch.delenv("SITMAP_PURPOSE")
    s = settings()
    s.setValue("session/operator", "경위 김민수")
    s.setValue("session/purpose", "missing-person")
    s.sync()
    win = _open(qtbot, db)
    try:
        qtbot.waitUntil(lambda: win.who_dialog is not None and win.who_dialog.isVisible(), timeout=5000)
        dlg = win.who_dialog
        assert dlg.operator.text() == "경위 김민수" and dlg.purpose.currentData() == "missing-person"
        assert "Missing Children" in dlg.basis.text()
        assert dlg.ok.isEnabled()
        dlg.purpose.setCurrentIndex(dlg.purpose.findData("investigation"))  # needs a case reference
        assert not dlg.ok.isEnabled() and dlg.case_label.text() == "Case reference (required)"
        assert "Criminal Procedure Act" in dlg.basis.text()
        dlg.case.setText("2026-형-1114")
        assert dlg.ok.isEnabled()
        dlg.reject()  # View only
        assert win.session.purpose is None and win.session.operator == "경위 김민수"
        assert "view only" in win.who_status.text()
        [start] = _entries(db)
        assert start.detail == {"event": "start", "view_only": True} and start.purpose is None
        # No purpose, no collection: the import is refused and says why, offering the purpose.
        f = tmp_path / "x.csv"
        f.write_text("id,time,lat,lon,text\na,2026-11-14 15:00:00,37.57,126.98,t\n", encoding="utf-8")
        panel = win.panel("imports")
        assert panel.import_files([str(f)]) is False
        box = panel.refused
        assert "no purpose" in box.text() and "nothing is collected" in box.text()
        assert len(_entries(db)) == 1  # nothing collected, nothing recorded
        box.findChild(type(box.buttons()[0]), "setPurposeButton").click()
        qtbot.waitUntil(lambda: win.who_dialog.isVisible(), timeout=5000)
        win.who_dialog.purpose.setCurrentIndex(win.who_dialog.purpose.findData("public-order"))
        win.who_dialog.accept()
        assert win.session.purpose == "public-order"
        change = _entries(db)[-1]
        assert change.action == "session" and change.detail["to"]["purpose"] == "public-order"
        assert "경위 김민수 · Public order" in win.who_status.text()
        assert settings().value("session/purpose") == "public-order"
        # The live feeds too, while there is no purpose.
        win.set_who("경위 김민수", None, None)
        refused = win.panel("live").open_feeds()
        assert isinstance(refused, QMessageBox) and "Live feeds" in refused.text()
    finally:
        win.close()


def test_options_skip_the_dialog(qtbot, db, js_errors, tmp_path, monkeypatch):
    monkeypatch.delenv("SITMAP_OPERATOR")
    win = _open(qtbot, db, who={"operator": "op-choi", "purpose": "investigation", "case": "C-7"})
    try:
        qtbot.wait(50)
        assert win.who_dialog is None
        assert (win.session.operator, win.session.purpose, win.session.case_ref) == ("op-choi", "investigation", "C-7")
        [start] = _entries(db)
        assert (start.operator, start.purpose, start.case_ref) == ("op-choi", "investigation", "C-7")
    finally:
        win.close()


def test_the_daily_purge_erases_expired_items_and_records_it(qtbot, tmp_path, js_errors, monkeypatch):
    monkeypatch.setenv("SITMAP_DAILY_PURGE", "1")
    db = tmp_path / "old.db"
    old = int(time.time() * 1000) - 4 * 365 * 86_400_000
    with Cache.open(db) as c:
        write_records(c, [Item(kind=Kind.POST, source="x", source_id=f"old{k}", t_ms=old + k, text=f"오래된 {k}",
                               lat=37.57, lon=126.98, precision=Precision.EXACT) for k in range(4)]
                      + [Item(kind=Kind.POST, source="x", source_id="new", t_ms=int(time.time() * 1000) - 60_000,
                              text="새 글", lat=37.57, lon=126.98, precision=Precision.EXACT)],
                      path="fixture", fmt="test")
    win = _open(qtbot, db)
    try:
        qtbot.waitUntil(lambda: win.daily_purge.last is not None, timeout=30000)
        stats, entries = win.daily_purge.last
        assert stats.items == 4 and stats.compacted  # the window's idle readers did not hold the rewrite back
        [e] = [x for x in _entries(db) if x.action == "erase"]
        assert e.objects["items"] == 4 and e.detail["counts"]["items"] == 4 and "오래된" not in json.dumps(
            e.as_dict(), ensure_ascii=False)
        qtbot.waitUntil(lambda: win.last_result is not None and win.last_result.total == 1, timeout=20000)
        assert win.daily_purge.timer.isActive() and win.daily_purge.timer.interval() == 24 * 3600 * 1000
    finally:
        win.close()
    with Cache.open_readonly(db) as c:
        assert c.conn.execute("SELECT count(*) FROM items").fetchone()[0] == 1
    # Nothing of the erased posts in any file of the cache's folder or the data folder.
    import os
    from pathlib import Path

    marker = "오래된".encode()
    for folder in (tmp_path, Path(os.environ["SITMAP_DATA_DIR"])):
        for f in folder.rglob("*"):
            if f.is_file():
                assert marker not in f.read_bytes(), f


def test_the_daily_run_also_minimises_when_the_cache_asks_for_it(qtbot, tmp_path, js_errors, monkeypatch):
    from desktop.cache import minimise

    monkeypatch.setenv("SITMAP_DAILY_PURGE", "1")
    db = tmp_path / "min.db"
    forty_days = int(time.time() * 1000) - 40 * 86_400_000
    with Cache.open(db) as c:
        write_records(c, [Item(kind=Kind.POST, source="x", source_id=f"p{k}", t_ms=forty_days + k, text=f"글 {k}",
                               author="handle_visible", author_id="777", lat=37.57, lon=126.98,
                               precision=Precision.EXACT) for k in range(3)], path="fixture", fmt="test")
        minimise.set_settings(c, {"pseudonymise_after_days": "30"})
    win = _open(qtbot, db)
    try:
        qtbot.waitUntil(lambda: win.daily_purge.last is not None, timeout=30000)
        stats, entries = win.daily_purge.last
        assert stats is None  # nothing was past its retention period
        assert win.daily_purge.job.minimised.pseudonymised == 3
        [e] = [x for x in _entries(db) if x.action == "alter" and x.objects == {"minimise": "run"}]
        assert e.detail["counts"]["pseudonymised"] == 3 and e.operator == win.session.operator
    finally:
        win.close()
    with Cache.open_readonly(db) as c:
        authors = {r[0] for r in c.conn.execute("SELECT author FROM items")}
    assert len(authors) == 1 and next(iter(authors)).startswith("~")
