"""The window as a shell: panels plug in with one registration and meet in the session."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QLabel

from desktop.ui.panels import PANELS
from desktop.ui.panels.base import Area, Dock, MenuEntry, Panel
from tests.ui.test_window import _items  # the same small incident as the window tests

pytestmark = pytest.mark.webengine


class TallyPanel(Panel):
    """What a new dock looks like: a label that counts items in the current filter."""

    name = "tally"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.label = QLabel("–")
        self.results = []
        self.only_seoul = QAction("Only #명동", ctx.window, checkable=True)
        self.only_seoul.setShortcut(QKeySequence("Ctrl+Alt+T"))
        self.only_seoul.toggled.connect(lambda on: setattr(self.session, "hashtags", ("명동",) if on else ()))

    def docks(self):
        return [Dock("tallyDock", "Tally", self.label, Area.RightDockWidgetArea)]

    def actions(self):
        return [MenuEntry("view", self.only_seoul)]

    def on_result(self, res) -> None:
        self.results.append(res)
        self.label.setText(str(res.total))

    def save(self, settings: QSettings) -> None:
        settings.setValue("seen", len(self.results))


@pytest.fixture
def db(tmp_path):
    from desktop.cache import Cache
    from desktop.cache.writer import write_records

    path = tmp_path / "incident.db"
    with Cache.open(path) as c:
        write_records(c, _items(), path="fixture", fmt="test")
    return path


@pytest.fixture
def shell(qtbot, db, js_errors, tmp_path, monkeypatch):
    monkeypatch.setenv("SITMAP_DATA_DIR", str(tmp_path / "data"))
    from desktop.ui.main_window import MainWindow

    win = MainWindow(db, restore=False, panels=PANELS + (TallyPanel,))
    win.resize(1400, 900)
    win.show()
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.bridge.is_ready and win.last_result is not None, timeout=60000)
    yield win
    win.close()


def test_a_new_panel_gets_its_dock_menu_entry_results_and_settings(qtbot, shell, tmp_path):
    win = shell
    tally = win.panel("tally")
    assert isinstance(win.findChild(QDockWidget, "tallyDock"), QDockWidget)
    assert tally.only_seoul in win.menus["view"].actions()
    qtbot.waitUntil(lambda: tally.label.text() == str(win.last_result.total), timeout=10000)
    all_items = win.last_result.total
    tally.only_seoul.setChecked(True)  # the panel changes the session; the shell re-queries
    qtbot.waitUntil(lambda: win.last_result.flt.hashtags == ("명동",), timeout=10000)
    assert 0 < win.last_result.total < all_items
    assert tally.label.text() == str(win.last_result.total)
    # The filters panel shows the session's hashtags, though the tally panel set them.
    assert "명동" in win.filters.active_tags()
    win.save_state()
    s = QSettings(str(tmp_path / "data" / "settings.ini"), QSettings.Format.IniFormat)
    assert int(s.value("tally/seen")) == len(tally.results)


def test_session_set_anywhere_shows_in_every_panel(qtbot, shell):
    win = shell
    win.session.text = "현장"
    assert win.filters.search.text() == "현장"
    qtbot.waitUntil(lambda: win.last_result.flt.text == "현장", timeout=10000)
    win.filters.kind_field.setChecked(False)
    assert win.session.kinds == ("post",)
    qtbot.waitUntil(lambda: win.last_result.flt.kinds == ("post",), timeout=10000)
    win.session.kinds = ()
    assert win.filters.kind_field.isChecked()
    # A selection from any panel reaches the feed, the details and the map.
    first = win.feed_model.id_at(0)
    win.session.select(first, "chat")
    assert win.details.item()["id"] == first
    assert win.feed.selected_id() == first


def test_help_lists_every_shortcut(qtbot, shell):
    dlg = shell.panel("help").show_shortcuts()
    qtbot.addWidget(dlg)
    rows = dict((w, k) for k, w in shell.panel("help").shortcut_rows())
    for what in ("Import…", "Feeds…", "Heatmap", "Search text", "Play / pause", "Only #명동", "Keyboard shortcuts"):
        assert what in rows, what
    assert rows["Only #명동"] == QKeySequence("Ctrl+Alt+T").toString(QKeySequence.SequenceFormat.NativeText)
    dlg.close()


def test_menus_and_about_with_credits(qtbot, shell):
    titles = [m.title().replace("&", "") for m in shell.menus.values()]
    assert titles == ["File", "View", "Map", "Feeds", "Tools", "Help"]
    file_actions = [a.text() for a in shell.menus["file"].actions()]
    assert "Import…" in file_actions and "Save map image…" in file_actions and "Quit" in file_actions
    assert "Alert rules…" in [a.text() for a in shell.menus["tools"].actions()]
    box = shell.panel("help").show_about(modal=False)
    qtbot.addWidget(box)
    text = box.text()
    for credit in ("Leaflet", "protomaps-leaflet", "Natural Earth", "GeoNames", "NanumGothic", "Noto Emoji", "통계청",
                   "OpenStreetMap"):
        assert credit in text
    # the built-in districts' credit as their README names it (KOGL Type 1 asks for it)
    from desktop.core.kostat import CREDIT

    assert CREDIT in text and "KOSTAT 2018" in text and "southkorea-maps" in text
    box.close()


def test_save_map_image_writes_what_the_map_shows(qtbot, shell, tmp_path):
    from PySide6.QtGui import QImage

    out = tmp_path / "map.png"
    assert shell.panel("map_tools").save_image(out)
    img = QImage(str(out))
    assert (img.width(), img.height()) == (shell.map.width(), shell.map.height()) and img.width() > 100
    assert str(out) in shell.statusBar().currentMessage()
