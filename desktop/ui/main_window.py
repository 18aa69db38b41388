"""The situation map window: the shell the panels plug into.

The map is in the centre; everything else is a panel (:mod:`desktop.ui.panels`). The
shell owns the session, the map page and its bridge, the query worker and the row
loader; it turns every change of the session's filter or the map's view into one
request (coalesced per event-loop turn), draws only the newest answer, and tells each
panel about it. It lays out the panels' docks, fills the menus and the toolbar with
their actions, and saves the window between runs.
"""

from __future__ import annotations

import gc
import json
import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QShortcut
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QToolBar

from desktop.basemap.tiles import TileRegistry
from desktop.core import paths
from desktop.engine.feed_rows import RowLoader
from desktop.engine.mapdata import Request, Result, View
from desktop.session import FILTER_FIELDS, Session
from desktop.ui.filter_text import describe as describe_filter
from desktop.ui.map_view import MapView
from desktop.ui.panels import PANELS, panel_classes
from desktop.ui.panels.base import MENUS, Panel, WindowContext
from desktop.ui.plain import plain_label
from desktop.ui.worker import WorkerThread

log = logging.getLogger("sitmap.window")

# Session fields that need a new answer from the worker.
REQUERY_FIELDS = FILTER_FIELDS | {"view", "selected", "zone"}
# Session fields kept per cache file between runs.
SAVED_FIELDS = ("text", "hashtags", "heat", "zone", "window")
CONSULT_SETTLE_MS = 1500  # a filter is recorded as consulted once it stayed this long


def settings() -> QSettings:
    return QSettings(str(paths.data_dir() / "settings.ini"), QSettings.Format.IniFormat)


class MainWindow(QMainWindow):
    resultApplied = Signal(object)  # noqa: N815 (for tests and benchmarks)

    def __init__(self, db_path: Path, *, restore: bool = True, panels: tuple[str, ...] = PANELS,
                 who: dict | None = None) -> None:
        """``who``: the window command's operator/purpose/case options (see :mod:`desktop.ui.start_dialog`)."""
        super().__init__()
        self.db_path = Path(db_path)
        self.setWindowTitle(self.tr("Sitmap — {name}").format(name=self.db_path.name))
        self.resize(1500, 950)
        self.session = Session(db_path=self.db_path)
        # Who works and why: from the options or the environment, else asked once the window shows.
        from desktop.session.audit import SessionAudit
        from desktop.ui.start_dialog import resolve

        self.audit = SessionAudit(self.session)
        self._who_values, self._who_known = resolve(who, self._saved_who())
        if self._who_known:
            v = self._who_values
            self.session.update(operator=v["operator"], purpose=v["purpose"], case_ref=v["case"])
        self.who_dialog = None
        self._consult_timer = QTimer(self, singleShot=True, interval=CONSULT_SETTLE_MS)
        self._consult_timer.timeout.connect(self._filter_settled)
        self.gen = 0
        self.applied_gen = -1
        self.last_result: Result | None = None
        self._restored_view: tuple[list, float] | None = None
        self._last_center: list | None = None
        self._submit_timer = QTimer(self, singleShot=True, interval=0)
        self._submit_timer.timeout.connect(self._submit)
        self._frozen = False  # gc.freeze() once the first whole index is in

        self.tiles = TileRegistry()
        self.map = MapView(parent=self, tiles=self.tiles)
        self.setCentralWidget(self.map)
        self.bridge = self.map.bridge
        self.loader = RowLoader(self.db_path)
        self.panels: dict[str, Panel] = {}
        self.worker = WorkerThread(self.db_path)
        # Connected at once: the thread starts loading now, and its answers are queued to
        # this (GUI) thread, so none is lost while the panels are being built.
        self.worker.worker.indexReady.connect(self._index_ready)
        self.worker.worker.resultReady.connect(self._apply)
        self.worker.worker.failed.connect(self._failed)
        self.ctx = WindowContext(session=self.session, window=self, map=self.map, bridge=self.bridge,
                                 worker=self.worker, loader=self.loader, tiles=self.tiles,
                                 _result=lambda: self.last_result)
        self.ctx.services["audit"] = self.audit
        self.ctx.services["ask_who"] = lambda: self.ask_who()

        self.toolbar = QToolBar(self.tr("Map"))
        self.toolbar.setObjectName("mapToolbar")
        self.addToolBar(self.toolbar)
        self.menus = {key: self.menuBar().addMenu(title) for key, title in zip(MENUS, (
            self.tr("&File"), self.tr("&View"), self.tr("&Map"), self.tr("F&eeds"), self.tr("&Tools"), self.tr("&Help")))}
        self.status = plain_label()  # the filter's description names areas and hashtags: data
        self.status.setObjectName("statusText")
        self.statusBar().addWidget(self.status, 1)
        from desktop.ui.load_status import LoadStatus

        self.load_status = LoadStatus(self.worker, lambda: self.session.zone)  # the first open's progress and Cancel
        self.statusBar().addPermanentWidget(self.load_status)
        self.counts = plain_label()
        self.statusBar().addPermanentWidget(self.counts)
        self.who_status = plain_label()  # the operator's name is data
        self.who_status.setObjectName("whoStatus")
        self.statusBar().addPermanentWidget(self.who_status)

        self._panel_entries = panels
        for cls in panel_classes(panels):
            self.panels[cls.name] = cls(self.ctx)
        self._lay_out()
        self.bridge.pageReady.connect(self._page_ready)
        self.bridge.viewChanged.connect(self._view_changed)
        self.bridge.itemClicked.connect(lambda i: self.session.select(int(i), "map"))
        self.bridge.unitClicked.connect(self._unit_clicked)
        self.session.events.connect(None, self._session_changed)
        self.session.events.connect("selected", self._send_selection)
        if restore:
            self._restore()
        self._show_who()
        from desktop.ui.daily_purge import DailyPurge

        self.daily_purge = DailyPurge(self, settings())
        if self._who_known:
            self.audit.start()
        else:
            QTimer.singleShot(0, lambda: self.ask_who(start=True))

    # layout -----------------------------------------------------------------------------
    def _lay_out(self) -> None:
        docks: dict[str, QDockWidget] = {}
        widths: list[tuple[QDockWidget, int]] = []
        shortcuts = []
        for p in self.panels.values():
            for d in p.docks():
                dock = QDockWidget(d.title, self)
                dock.setObjectName(d.object_name)
                dock.setWidget(d.widget)
                dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                                 | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                                 | QDockWidget.DockWidgetFeature.DockWidgetClosable)
                self.addDockWidget(d.area, dock)
                if d.tabify_with in docks:
                    self.tabifyDockWidget(docks[d.tabify_with], dock)
                    docks[d.tabify_with].raise_()
                docks[d.object_name] = dock
                if d.width:
                    widths.append((dock, d.width))
                if d.hidden:
                    dock.hide()
            for e in p.actions():
                menu = self.menus[e.menu]
                if e.separator_before and not menu.isEmpty():
                    menu.addSeparator()
                menu.addAction(e.action)
                if e.toolbar:
                    self.toolbar.addAction(e.action)
            for w in getattr(p, "toolbar_widgets", lambda: [])():
                self.toolbar.addWidget(w)
            for key, sub in getattr(p, "menus", lambda: [])():
                self.menus[key].addMenu(sub)
            for w in p.status_widgets():
                self.statusBar().addPermanentWidget(w)
            shortcuts += getattr(p, "shortcuts", lambda: [])()
        for seq, fn, _what in shortcuts:
            QShortcut(seq, self, activated=fn, context=Qt.ShortcutContext.WindowShortcut)
        self.ctx.services["shortcuts"] = shortcuts
        self.docks = docks
        view = self.menus["view"]
        view.addSeparator()
        panels_menu = QMenu(self.tr("Panels"), self)
        for dock in docks.values():
            panels_menu.addAction(dock.toggleViewAction())
        panels_menu.addAction(self.toolbar.toggleViewAction())
        view.addMenu(panels_menu)
        self.who_action = self.menus["file"].addAction(self.tr("Operator and purpose…"), lambda: self.ask_who())
        self.who_action.setObjectName("whoAction")
        quit_ = self.menus["file"].addAction(self.tr("Quit"), self.close)
        quit_.setShortcut("Ctrl+Q")
        if widths:
            self.resizeDocks([d for d, _ in widths], [w for _, w in widths], Qt.Orientation.Horizontal)

    def panel(self, name: str) -> Panel:
        return self.panels[name]

    # the query loop ------------------------------------------------------------------------
    def _session_changed(self, names: frozenset) -> None:
        if names & REQUERY_FIELDS:
            self.schedule()
        if names & FILTER_FIELDS:
            self._consult_timer.start()  # (re)started: logged once the filter stops changing
        if names & {"operator", "purpose", "case_ref"}:
            self._show_who()

    # who works and why -------------------------------------------------------------------------
    def _saved_who(self) -> dict:
        s = settings()
        return {k: s.value(f"session/{k}", "", type=str) for k in ("operator", "purpose", "case")}

    def _show_who(self) -> None:
        from desktop.ui.start_dialog import purpose_label

        s = self.session
        name = s.operator or self.tr("no operator")
        text = name + " · " + purpose_label(s.purpose)
        if s.case_ref:
            text += f" · {s.case_ref}"
        self.who_status.setText(text)

    def ask_who(self, start: bool = False):
        """The operator-and-purpose dialog (window-modal, returns at once). At start, Cancel
        means a view-only session; later, Cancel changes nothing."""
        from desktop.ui.start_dialog import StartDialog

        if self.who_dialog is not None and self.who_dialog.isVisible():
            return self.who_dialog
        s = self.session
        v = self._who_values if start else {"operator": s.operator, "purpose": s.purpose, "case": s.case_ref}
        dlg = StartDialog(self, v.get("operator"), v.get("purpose"), v.get("case"))
        self.who_dialog = dlg

        def accepted() -> None:
            self.set_who(*dlg.values())
            if start:
                self.audit.start()

        def rejected() -> None:
            if start:  # view only: who looks is still recorded, nothing can be collected
                operator = dlg.values()[0]
                self.session.update(operator=operator, purpose=None, case_ref=None)
                self.audit.start(view_only=True)

        dlg.accepted.connect(accepted)
        dlg.rejected.connect(rejected)
        dlg.open()
        return dlg

    def set_who(self, operator: str | None, purpose: str | None, case_ref: str | None) -> None:
        """Change who works and why (recorded as a session change) and keep them for next time."""
        self.session.update(operator=operator or None, purpose=purpose or None, case_ref=case_ref or None)
        s = settings()
        for key, value in (("operator", operator), ("purpose", purpose), ("case", case_ref)):
            s.setValue(f"session/{key}", value or "")
        s.sync()

    def _filter_settled(self) -> None:
        if self.session.span is not None and self.audit.started:
            self.audit.filter_settled(self.session.filter())

    def flush_audit(self) -> None:
        """Record a filter still settling now (before closing, or in tests)."""
        if self._consult_timer.isActive():
            self._consult_timer.stop()
            self._filter_settled()

    def schedule(self) -> None:
        """Coalesce changes made in one event-loop turn into one request."""
        if not self._submit_timer.isActive():
            self._submit_timer.start()

    def current_filter(self):
        return self.session.filter()

    def _submit(self) -> None:
        s = self.session
        if s.span is None:
            return
        self.gen += 1
        req = Request(gen=self.gen, flt=s.filter(), view=s.view, selected=s.selected,
                      areas=tuple(e.area for e in s.areas))
        self.worker.worker.submit(req)

    def _apply(self, res: Result) -> None:
        if res.gen <= self.applied_gen:
            return  # an older answer overtaken by a newer one
        self.applied_gen = res.gen
        self.last_result = res
        if res.page is not None:
            self.bridge.send(res.page)
        if res.units_json:  # serialised by the worker; sent only when the units or their tracks changed
            self.bridge.send_text("units", res.units_json)
        else:
            self.bridge.send({"type": "units", "units": res.units})
        for p in self.panels.values():
            p.on_result(res)
        self.status.setText(describe_filter(res.flt, self.session.zone))
        self.counts.setText(self.tr("{n} items · {v} in view · {ms:.0f} ms").format(
            n=f"{res.total:,}", v=f"{res.in_view:,}", ms=res.compute_ms))
        self.resultApplied.emit(res)

    def _failed(self, msg: str) -> None:
        self.statusBar().showMessage(msg, 15000)
        log.error(msg)

    # index and page ------------------------------------------------------------------------
    def _index_ready(self, info: dict) -> None:
        for p in self.panels.values():
            p.on_index(info)
        span = info["span"]
        if span is None:
            self.statusBar().showMessage(self.tr("The cache is empty: import files (Ctrl+I) or run 'sitmap demo'."))
            return
        if self.session.span is None:
            self.statusBar().clearMessage()  # e.g. "the cache is empty", now outdated
        self.session.widen_span(span[0], span[1] + 1)
        self.schedule()
        if not info.get("partial"):  # not while the first open is still reading the cache
            self.daily_purge.index_ready()
            if not self._frozen:
                # What exists once the window is built and its index loaded (modules, widgets,
                # the panels' state) lives as long as the window: kept out of the collector's
                # full passes, one of which took 149 ms of the window's thread in a flood.
                self._frozen = True
                gc.freeze()

    def _page_ready(self, _info: dict) -> None:
        # A reloaded page (renderer crash) starts empty: replay everything.
        for p in self.panels.values():
            p.on_page_ready()
        if self._restored_view:
            c, z = self._restored_view
            self.bridge.send({"type": "view", "center": c, "zoom": z})
        self.schedule()

    def _unit_clicked(self, uid: str) -> None:
        """A unit marker was clicked: say who it is and when it last reported (plain text)."""
        from desktop.core.timefmt import fmt

        units = (self.last_result.units if self.last_result is not None else None) or []
        u = next((u for u in units if str(u.get("uid")) == uid), None)
        if u is None:
            return
        when = fmt(int(u["t_ms"]), self.session.zone, seconds=True) if u.get("t_ms") else "?"
        state = self.tr("stale") if u.get("stale") else self.tr("reporting")
        self.statusBar().showMessage(self.tr("Unit {callsign}: last report {when} ({state})").format(
            callsign=u.get("callsign") or uid, when=when, state=state), 15000)

    def _view_changed(self, v: dict) -> None:
        self._last_center = v.get("center")
        self.session.view = View(bounds=v["bounds"], zoom=v["zoom"], width=v["width"], height=v["height"])

    def _send_selection(self, item_id: int | None) -> None:
        from_map = self.session.selection_origin == "map"
        msg = {"type": "select", "id": item_id, "pan": not from_map}
        item = self.loader.load([item_id]).get(item_id) if item_id is not None else None
        if item and item.get("lat") is not None:
            msg.update(lat=item["lat"], lon=item["lon"])
        self.bridge.send(msg)

    # language ---------------------------------------------------------------------------------
    def switch_language(self, code: str) -> "MainWindow":
        """Korean or English now, without a restart: the window is built again in the new
        language, with its state (filter, window, view, docks) and running live feeds."""
        from PySide6.QtWidgets import QApplication

        from desktop.ui.translations import install_translations
        from desktop.ui.settings import save_language

        save_language(code)
        self.save_state()
        feeds = dict(self.panels["live"].live.configs) if "live" in self.panels else {}
        if "live" in self.panels:  # free the ports and files before the new window takes them
            self.panels["live"].live.stop()
        install_translations(QApplication.instance(), code)
        s = self.session
        new = type(self)(self.db_path, restore=True, panels=tuple(self._panel_entries),
                         who={"operator": s.operator, "purpose": s.purpose, "case": s.case_ref})
        new.resize(self.size())
        new.move(self.pos())
        if "live" in new.panels:
            new.panels["live"].live.resume(feeds)
        QApplication.instance()._sitmap_window = new  # the app keeps the window alive
        new.show()
        self.close()
        return new

    # what tests, scripts and older callers use -----------------------------------------------
    def select_item(self, item_id: int | None, from_map: bool = False) -> None:
        self.session.select(item_id, "map" if from_map else "window")

    @property
    def view(self) -> View | None:
        return self.session.view

    @property
    def selected(self) -> int | None:
        return self.session.selected

    @property
    def zone(self) -> str:
        return self.session.zone

    @property
    def _span(self):
        return self.session.span

    def is_live(self) -> bool:
        return self.session.live

    def set_live(self, on: bool) -> None:
        self.session.live = on

    def _writer(self):
        return self.ctx.writer()

    @property
    def filters(self):
        return self.panels["filters"].widget

    def pick_districts(self, path: str | None = None):
        return self.panels["filters"].pick_districts(path)

    def focus_search(self) -> None:
        self.panels["filters"].focus_search()

    def zoom_to_items(self) -> None:
        self.panels["map_tools"].zoom_to_items()

    @property
    def feed(self):
        return self.panels["feed"].view

    @property
    def feed_model(self):
        return self.panels["feed"].model

    @property
    def details(self):
        return self.panels["feed"].details

    @property
    def timeline(self):
        return self.panels["timeline"].timeline

    @property
    def heat_action(self):
        return self.panels["map_tools"].heat_action

    @property
    def utc_action(self):
        return self.panels["map_tools"].utc_action

    @property
    def live(self):
        """The live parts as one object (controller, status line, chat and alert panes)."""
        from types import SimpleNamespace

        lp = self.panels["live"]
        return SimpleNamespace(live=lp.live, status=lp.status, chat=self.panels["chat"].widget,
                               alerts=self.panels["alerts"].widget, chat_dock=self.docks.get("chatDock"),
                               alerts_dock=self.docks.get("alertsDock"), panel=lp)

    # state between runs -----------------------------------------------------------------------
    def _restore(self) -> None:
        s = settings()
        geo = s.value("window/geometry")
        if isinstance(geo, QByteArray):
            self.restoreGeometry(geo)
        state = s.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        for name, p in self.panels.items():
            s.beginGroup(name)
            try:
                p.restore(s)
            except Exception as exc:  # a damaged setting must not stop the window
                log.warning("settings of panel %s unusable: %s", name, exc)
            finally:
                s.endGroup()
        try:
            view = json.loads(s.value("map/view", "") or "null")
            if view:
                self._restored_view = (view["center"], view["zoom"])
            saved = json.loads(s.value(f"filters/{self.db_path.resolve()}", "") or "null")
        except (ValueError, KeyError, TypeError):
            saved = None
        if saved:
            changes = {}
            if isinstance(saved.get("text"), str):
                changes["text"] = saved["text"]
            if isinstance(saved.get("hashtags"), list):
                changes["hashtags"] = tuple(str(t) for t in saved["hashtags"])
            changes["heat"] = bool(saved.get("heat"))
            changes["zone"] = "UTC" if saved.get("utc") else "Asia/Seoul"
            w = saved.get("window")
            if isinstance(w, list) and len(w) == 2 and all(isinstance(v, int) for v in w) and w[0] < w[1]:
                changes["window"] = (w[0], w[1])
            self.session.update(**changes)

    def save_state(self) -> None:
        s = settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        for name, p in self.panels.items():
            s.beginGroup(name)
            p.save(s)
            s.endGroup()
        if self._last_center and self.session.view:
            c = self._last_center
            s.setValue("map/view", json.dumps({"center": [c[0], c[1]], "zoom": self.session.view.zoom}))
        ss = self.session
        saved = {"text": ss.text, "hashtags": list(ss.hashtags), "heat": ss.heat, "utc": ss.zone == "UTC",
                 "window": list(ss.window) if ss.span and ss.window else None}
        s.setValue(f"filters/{self.db_path.resolve()}", json.dumps(saved, ensure_ascii=False))
        s.sync()

    def closeEvent(self, ev) -> None:  # noqa: N802
        self.save_state()
        self.daily_purge.stop()
        try:
            self.flush_audit()
            self.audit.end()
        except Exception as exc:  # noqa: BLE001 - the window still closes; the log says why
            log.error("the session's end was not recorded: %s", exc)
        self.audit.close()
        for p in self.panels.values():
            p.shutdown()
        self.worker.stop()
        self.loader.close()
        self.ctx.close()
        self.map.shutdown()
        super().closeEvent(ev)
