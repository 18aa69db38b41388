"""The Alerts dock: rules that watch the live picture, and the alerts they raise.

Activating an alert shows its moment (leaving live mode) and its area or last item."""

from __future__ import annotations

from desktop.cache import CacheError
from desktop.live.alerts import save_rule
from desktop.ui.live_widgets import AlertsPane, RuleDialog
from desktop.ui.panels.base import Area, Dock, Panel


class AlertsPanel(Panel):
    name = "alerts"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.live = ctx.services["live"]
        self.widget = AlertsPane()
        self.dock: object | None = None
        self.live.alertFired.connect(self._alert)
        self.widget.alertActivated.connect(self.show_alert)
        self.widget.rulesRequested.connect(self.new_rule)

    def docks(self) -> list[Dock]:
        return [Dock("alertsDock", self.tr("Alerts"), self.widget, Area.LeftDockWidgetArea)]

    def _alert(self, alert) -> None:
        self.widget.add_alert(alert)
        dock = self.widget.parentWidget()
        if dock is not None:
            dock.raise_()
        self.live.notify(alert)

    def new_rule(self) -> RuleDialog:
        dlg = RuleDialog({e.name: e.area for e in self.session.areas}, self.ctx.window)

        def save() -> None:
            try:
                save_rule(self.ctx.writer(), dlg.rule)
            except CacheError as exc:
                self.ctx.status(str(exc), 10000)
                return
            self.live.ensure_writer()
            self.live.engine.reload_rules()
            self.ctx.status(self.tr("Alert rule “{name}” is active").format(name=dlg.rule.name), 6000)

        dlg.accepted.connect(save)
        dlg.open()
        return dlg

    def show_alert(self, alert) -> None:
        """Show the alert's time (and area) on the map; leaves live mode."""
        s = self.session
        start, end = s.window or (alert.t_ms, alert.t_ms)
        width = max(end - start, 15 * 60_000)
        with s.batch():
            s.live = False
            s.window = (alert.t_ms - width * 3 // 4, alert.t_ms + width // 4)
        rule = next((r for r in (self.live.engine.rules if self.live.engine else []) if r.id == alert.rule_id), None)
        if rule is not None and rule.area:
            from shapely.geometry import shape

            self.ctx.bridge.send({"type": "fit", "bounds": list(shape(rule.area).bounds), "maxZoom": 17})
        elif alert.item_ids:
            s.select(alert.item_ids[-1], "alerts")


PANEL = AlertsPanel
