"""The Alerts dock: rules that watch the live picture, and the alerts they raise.

Activating an alert shows its moment (leaving live mode) and its area or last item. An
emergency alert, when it fires and when it is activated, rings its unit on the map and
pans to it; the ring goes when the emergency ends or its rule is switched off."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from desktop.cache import CacheError
from desktop.live.alerts import load_rules
from desktop.ui.live_widgets import AlertsPane, RulesDialog
from desktop.ui.panels.base import Area, Dock, MenuEntry, Panel


class AlertsPanel(Panel):
    name = "alerts"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.live = ctx.services["live"]
        self.widget = AlertsPane()
        self.dock: object | None = None
        self.rules_dialog: RulesDialog | None = None
        self.highlighted: dict | None = None  # the last highlightUnit message, with the alert it is for
        self.live.alertFired.connect(self._alert)
        self.live.alertCleared.connect(self._cleared)
        self.widget.alertActivated.connect(self.show_alert)
        self.widget.rulesRequested.connect(self.open_rules)

    def docks(self) -> list[Dock]:
        return [Dock("alertsDock", self.tr("Alerts"), self.widget, Area.LeftDockWidgetArea)]

    def actions(self) -> list[MenuEntry]:
        rules = QAction(self.tr("Alert rules…"), self.ctx.window)
        rules.setObjectName("alertRulesAction")
        rules.setShortcut(QKeySequence("Ctrl+Shift+R"))
        rules.triggered.connect(self.open_rules)
        incident = QAction(self.tr("New incident from the selected alert…"), self.ctx.window)
        incident.setObjectName("incidentFromAlertAction")
        incident.triggered.connect(self.incident_from_alert)
        return [MenuEntry("tools", rules), MenuEntry("tools", incident)]

    def incident_from_alert(self) -> None:
        """The alert chosen in the Alerts dock becomes an incident: its items, in its area."""
        item = self.widget.list.currentItem()
        alert = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        incidents = self.ctx.services.get("incidents")
        if alert is None or incidents is None:
            self.ctx.status(self.tr("Choose an alert in the Alerts list first"), 8000)
            return
        incidents.new_from_alert(alert)

    def _alert(self, alert) -> None:
        self.widget.add_alert(alert)
        dock = self.widget.parentWidget()
        if dock is not None:
            dock.raise_()
        if alert.kind == "emergency":
            self.highlight_unit(alert)
        self.live.notify(alert)

    # rules --------------------------------------------------------------------------
    def open_rules(self) -> RulesDialog:
        """The rules dialog: every stored rule, to add, edit, switch on or off and delete."""
        if self.rules_dialog is not None and self.rules_dialog.isVisible():
            self.rules_dialog.raise_()
            self.rules_dialog.activateWindow()
            return self.rules_dialog
        dlg = self.rules_dialog = RulesDialog(self.ctx.writer, {e.name: e.area for e in self.session.areas},
                                              self._rules_changed, self.ctx.window)
        dlg.open()
        return dlg

    def _rules_changed(self) -> None:
        """The stored rules changed: the running engine reads them again (a rule switched
        off stops firing at once)."""
        try:
            enabled = load_rules(self.ctx.writer().conn)
        except CacheError as exc:
            self.ctx.status(str(exc), 10000)
            return
        if self.live.engine is None:
            if enabled:
                self.live.ensure_writer()  # starts the engine, which reads the rules
        else:
            self.live.engine.reload_rules()
        h = self.highlighted
        if h is not None and all(r.id != h["rule_id"] for r in enabled):
            self.clear_highlight()
        self.ctx.status(self.tr("{n} alert rules are on").format(n=f"{len(enabled):,}"), 6000)

    # the alert on the map -------------------------------------------------------------
    def show_alert(self, alert) -> None:
        """Show the alert's time (and area) on the map; leaves live mode."""
        s = self.session
        start, end = s.window or (alert.t_ms, alert.t_ms)
        width = max(end - start, 15 * 60_000)
        with s.batch():
            s.live = False
            s.window = (alert.t_ms - width * 3 // 4, alert.t_ms + width // 4)
        rule = next((r for r in (self.live.engine.rules if self.live.engine else []) if r.id == alert.rule_id), None)
        if alert.kind == "emergency":
            if alert.item_ids:
                s.select(alert.item_ids[-1], "alerts")
            self.highlight_unit(alert)
        elif rule is not None and rule.area:
            from shapely.geometry import shape

            self.ctx.bridge.send({"type": "fit", "bounds": list(shape(rule.area).bounds), "maxZoom": 17})
        elif alert.item_ids:
            s.select(alert.item_ids[-1], "alerts")

    def highlight_unit(self, alert, *, pan: bool = True) -> None:
        """Ring the unit of an emergency alert on the map and pan to it."""
        uid, lat, lon = alert.episode or None, None, None
        if alert.item_ids:
            item = self.ctx.loader.load([alert.item_ids[-1]]).get(alert.item_ids[-1])
            if item:
                uid = item.get("unit_uid") or uid
                lat, lon = item.get("lat"), item.get("lon")
        if not uid:
            return
        msg = {"type": "highlightUnit", "uid": str(uid), "lat": lat, "lon": lon, "pan": pan}
        self.highlighted = {"msg": msg, "rule_id": alert.rule_id, "episode": alert.episode}
        self.ctx.bridge.send(msg)

    def clear_highlight(self) -> None:
        if self.highlighted is not None:
            self.highlighted = None
            self.ctx.bridge.send({"type": "highlightUnit", "uid": None})

    def _cleared(self, alert) -> None:
        h = self.highlighted
        if h is not None and h["rule_id"] == alert.rule_id and h["episode"] == alert.episode:
            self.clear_highlight()

    def on_page_ready(self) -> None:
        if self.highlighted is not None:  # a reloaded page starts without the ring
            self.ctx.bridge.send({**self.highlighted["msg"], "pan": False})


PANEL = AlertsPanel
