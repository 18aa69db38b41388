"""Hostile text in the window's own widgets: nothing a post, a boundary file, a unit, a
chat or an error carries is ever rendered as markup by Qt.

Qt renders a string as HTML whenever it looks like HTML (labels, message boxes and
tooltips default to "auto"). This loads hostile values into every field that shows data,
then walks every label, message box, tooltip and item-view cell of every window and
checks that wherever the hostile text shows, its tags show literally with it.
"""

from __future__ import annotations

import json
import sys

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLabel, QWidget

from desktop.cache import Cache, CacheError
from desktop.cache.writer import write_records
from desktop.core.model import Item, Kind, Precision, Unit
from desktop.live.alerts import Alert

pytestmark = pytest.mark.webengine

ORDER = "전원 철수 명령"  # "all units withdraw": a fake order
HOSTILE = f"<h1 style='color:red'>{ORDER}</h1><img src='file:///etc/hostname'>"
T0 = 1_794_632_400_000


def _records():
    out = []
    for k in range(30):
        out.append(Item(kind=Kind.POST, source="x", source_id=str(5000 + k), t_ms=T0 + k * 60_000,
                        lat=37.5759 + k * 1e-4, lon=126.9769, precision=Precision.EXACT,
                        text=f"{HOSTILE} {k}", hashtags=("집회",), author=HOSTILE))
    out.append(Item(kind=Kind.FIELD_UPDATE, source="tak", source_id="chat-1", t_ms=T0 + 100_000,
                    lat=37.5701, lon=126.977, precision=Precision.EXACT, text=HOSTILE, author=HOSTILE,
                    extra={"chat": {"room": HOSTILE, "sender": HOSTILE}}))
    out.append(Unit(uid="U1", callsign=HOSTILE, cot_type="a-f-G-U-i-l", affiliation="f", t_ms=T0 + 120_000,
                    stale_ms=T0 + 999_000_000, lat=37.574, lon=126.977, team="Cyan"))
    return out


@pytest.fixture
def hostile_window(qtbot, tmp_path, js_errors, monkeypatch):
    monkeypatch.setenv("SITMAP_DATA_DIR", str(tmp_path / "data"))
    db = tmp_path / "incident<b>x</b>.db"  # file names are data too
    with Cache.open(db) as c:
        write_records(c, _records(), path="fixture", fmt="test")
    boundary = tmp_path / "districts.geojson"
    boundary.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"name": HOSTILE, "code": "11010"},
        "geometry": {"type": "Polygon", "coordinates": [[[126.96, 37.56], [126.99, 37.56], [126.99, 37.59],
                                                         [126.96, 37.59], [126.96, 37.56]]]}}]}), encoding="utf-8")
    from desktop.ui.main_window import MainWindow

    win = MainWindow(db, restore=False)
    win.resize(1400, 900)
    win.show()
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.bridge.is_ready and win.last_result is not None, timeout=60000)
    win.boundary = boundary
    yield win
    for w in QApplication.topLevelWidgets():
        if w is not win and w.isVisible():
            w.close()
    win.close()


def _shown(text: str, fmt) -> str:
    """What Qt puts on the screen for ``text`` in a widget of text format ``fmt``."""
    if fmt == Qt.TextFormat.PlainText or (fmt == Qt.TextFormat.AutoText and not GuiQt.mightBeRichText(text)):
        return text
    doc = QTextDocument()
    doc.setHtml(text)
    return doc.toPlainText()


def _strings(widgets):
    """(where, source, shown) for every label, tooltip and item-view cell."""
    for top in widgets:
        for w in [top, *top.findChildren(QWidget)]:
            if isinstance(w, QLabel) and w.text():
                yield f"label {w.objectName() or type(w.parent()).__name__}", w.text(), _shown(w.text(), w.textFormat())
            if w.toolTip():
                yield f"tooltip of {w.objectName() or type(w).__name__}", w.toolTip(), _shown(w.toolTip(), Qt.TextFormat.AutoText)
            if isinstance(w, QAbstractItemView) and w.model() is not None:
                m = w.model()
                try:
                    cols = m.columnCount(QModelIndex())
                except TypeError:  # list models hide it
                    cols = 1
                for r in range(min(m.rowCount(QModelIndex()), 60)):
                    for c in range(cols):
                        ix = m.index(r, c)
                        for role, fmt in ((Qt.ItemDataRole.DisplayRole, Qt.TextFormat.PlainText),
                                          (Qt.ItemDataRole.ToolTipRole, Qt.TextFormat.AutoText)):
                            v = m.data(ix, role)
                            if isinstance(v, str) and v:
                                yield f"{w.objectName() or type(w).__name__}[{r},{c}] role {int(role)}", v, _shown(v, fmt)


def test_no_widget_renders_data_as_markup(qtbot, hostile_window):
    win = hostile_window
    # A district with a hostile name, picked: it names the area, the filter, the status line.
    dlg = win.pick_districts(str(win.boundary))
    dlg.select_codes(["11010"])
    dlg.accept()
    qtbot.waitUntil(lambda: len(win.session.active_areas()) == 1 and bool(win.last_result.flt.areas), timeout=10000)
    # A post selected: details pane; the feed's rows and tooltips carry text and author.
    qtbot.waitUntil(lambda: win.feed_model.rowCount() > 0, timeout=10000)
    win.session.select(win.feed_model.id_at(0), "feed")
    # The chat message, an alert with a hostile rule name, an import that names a hostile file.
    chat_item = win.loader.load([r[0] for r in win.loader.conn.execute(
        "SELECT id FROM items WHERE source_id = 'chat-1'")]).popitem()[1]
    win.live.chat.add_message(chat_item)
    win.live.alerts.add_alert(Alert(id=1, rule_id=1, rule_name=HOSTILE, kind="count", t_ms=T0, area_name=HOSTILE,
                                    message=HOSTILE, item_ids=()))
    win.live.panel.status.setText(f"tcp {HOSTILE}: 3 peers")
    from desktop.ui.import_dialog import show_result

    boxes = [show_result(win, [f"rejected {HOSTILE}.csv: line 3: {HOSTILE}"], modal=False),
             win.panel("help").show_about(modal=False)]
    from desktop.ui.app import ErrorReporter

    rep = ErrorReporter()
    try:
        raise CacheError(f"{HOSTILE}: database is locked")
    except CacheError:
        rep.hook(*sys.exc_info())
    boxes.append(rep.box)
    qtbot.wait(200)

    seen = []
    for where, source, shown in _strings(QApplication.topLevelWidgets()):
        if ORDER in source:
            seen.append(where)
            assert "<h1" in shown, f"{where} renders markup: {shown!r}"
    # The test means something only if the hostile text reached the fields it is about.
    places = " ".join(seen)
    for expected in ("statusText", "alerts", "chat", "feedStatus", "areas", "role 3", "qt_msgbox_label"):
        assert expected in places, f"hostile text never reached {expected}: {sorted(set(seen))}"
    details = [lab for lab in win.details.findChildren(QLabel) if ORDER in lab.text()]
    assert details and all(lab.textFormat() == Qt.TextFormat.PlainText for lab in details)
    for b in boxes:
        b.close()
