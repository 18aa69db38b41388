"""Widgets of the live picture: the feeds dialog, the chat pane, the alert list and rule
editor, and the marker dialog. They hold no network code (see live_panel.LiveController)."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.live.alert_rules import AlertRule
from desktop.live.tak_client import TlsConfig
from desktop.core.timefmt import fmt
from desktop.ui.plain import make_plain, message

MARKER_TYPES = [("b-m-p-s-m", "Spot marker"), ("a-h-G", "Hostile / incident"), ("a-u-G", "Unknown"),
                ("b-m-p-w", "Waypoint")]


def _file_row(edit: QLineEdit, parent: QWidget, caption: str, folder: bool = False) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(edit)
    b = QPushButton("…")
    b.setMaximumWidth(30)

    def pick() -> None:
        p = QFileDialog.getExistingDirectory(parent, caption) if folder else QFileDialog.getOpenFileName(parent, caption)[0]
        if p:
            edit.setText(p)

    b.clicked.connect(pick)
    row.addWidget(b)
    return row


class FeedsDialog(QDialog):
    """Turn live inputs on or off. Everything is off until the commander turns it on, and
    listeners bind only to the interface given here."""

    def __init__(self, live, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.live = live
        self.setWindowTitle(self.tr("Live feeds"))
        lay = QVBoxLayout(self)
        on = live.inputs

        self.udp = QGroupBox(self.tr("TAK position reports (UDP multicast, unauthenticated)"), checkable=True)
        self.udp.setChecked("udp" in on)
        f = QFormLayout(self.udp)
        self.udp_group = QLineEdit("239.2.3.1")
        self.udp_port = QSpinBox(maximum=65535, value=6969)
        self.udp_iface = QLineEdit("127.0.0.1")
        f.addRow(self.tr("Group"), self.udp_group)
        f.addRow(self.tr("Port"), self.udp_port)
        f.addRow(self.tr("Interface address"), self.udp_iface)
        lay.addWidget(self.udp)

        self.tcp = QGroupBox(self.tr("Direct CoT over TCP (unauthenticated)"), checkable=True)
        self.tcp.setChecked("tcp" in on)
        f = QFormLayout(self.tcp)
        self.tcp_host = QLineEdit("127.0.0.1")
        self.tcp_port = QSpinBox(maximum=65535, value=4242)
        f.addRow(self.tr("Listen on"), self.tcp_host)
        f.addRow(self.tr("Port"), self.tcp_port)
        lay.addWidget(self.tcp)

        self.tak = QGroupBox(self.tr("TAK server (client connection)"), checkable=True)
        self.tak.setChecked("tak" in on)
        f = QFormLayout(self.tak)
        self.tak_host = QLineEdit()
        self.tak_port = QSpinBox(maximum=65535, value=8089)
        self.tak_tls = QCheckBox(self.tr("TLS with a client certificate"), checked=True)
        self.ca, self.cert, self.key = QLineEdit(), QLineEdit(), QLineEdit()
        f.addRow(self.tr("Server"), self.tak_host)
        f.addRow(self.tr("Port"), self.tak_port)
        f.addRow(self.tak_tls)
        f.addRow(self.tr("CA certificate"), _file_row(self.ca, self, self.tr("CA certificate")))
        f.addRow(self.tr("Client certificate"), _file_row(self.cert, self, self.tr("Client certificate")))
        f.addRow(self.tr("Client key"), _file_row(self.key, self, self.tr("Client key")))
        lay.addWidget(self.tak)

        self.folder = QGroupBox(self.tr("Drop folder (files are imported as they land)"), checkable=True)
        self.folder.setChecked("folder" in on)
        f = QFormLayout(self.folder)
        self.folder_path = QLineEdit()
        f.addRow(self.tr("Folder"), _file_row(self.folder_path, self, self.tr("Drop folder"), folder=True))
        lay.addWidget(self.folder)

        self.jsonl = QGroupBox(self.tr("Stream capture (JSON lines, followed as it grows)"), checkable=True)
        self.jsonl.setChecked("jsonl" in on)
        f = QFormLayout(self.jsonl)
        self.jsonl_path = QLineEdit()
        f.addRow(self.tr("File"), _file_row(self.jsonl_path, self, self.tr("Capture file")))
        lay.addWidget(self.jsonl)

        self._show_running(getattr(live, "configs", {}))
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        bb.accepted.connect(self.apply)
        bb.rejected.connect(self.reject)
        lay.addWidget(bb)

    def _show_running(self, configs: dict) -> None:
        """A running input shows how it runs, so OK again keeps it as it is."""
        if c := configs.get("udp"):
            self.udp_group.setText(c["group"])
            self.udp_port.setValue(int(c["port"]))
            self.udp_iface.setText(c["interface"])
        if c := configs.get("tcp"):
            self.tcp_host.setText(c["host"])
            self.tcp_port.setValue(int(c["port"]))
        if c := configs.get("tak"):
            self.tak_host.setText(c["host"])
            self.tak_port.setValue(int(c["port"]))
            tls = c.get("tls")
            self.tak_tls.setChecked(tls is not None)
            if tls:
                self.ca.setText(tls["ca"])
                self.cert.setText(tls["cert"])
                self.key.setText(tls["key"])
        if c := configs.get("folder"):
            self.folder_path.setText(c["path"])
        if c := configs.get("jsonl"):
            self.jsonl_path.setText(c["path"])

    def apply(self) -> None:
        live = self.live
        try:
            if self.udp.isChecked():
                live.start_multicast(self.udp_group.text().strip(), self.udp_port.value(), self.udp_iface.text().strip())
            else:
                live.stop_input("udp")
            if self.tcp.isChecked():
                live.start_tcp_server(self.tcp_host.text().strip(), self.tcp_port.value())
            else:
                live.stop_input("tcp")
            if self.tak.isChecked() and self.tak_host.text().strip():
                tls = TlsConfig(self.ca.text(), self.cert.text(), self.key.text()) if self.tak_tls.isChecked() else None
                live.start_tak(self.tak_host.text().strip(), self.tak_port.value(), tls)
            else:
                live.stop_input("tak")
            if self.folder.isChecked() and self.folder_path.text().strip():
                live.start_folder(self.folder_path.text().strip())
            else:
                live.stop_input("folder")
            if self.jsonl.isChecked() and self.jsonl_path.text().strip():
                live.start_jsonl(self.jsonl_path.text().strip())
            else:
                live.stop_input("jsonl")
        except (OSError, ValueError) as exc:
            message(self, self.tr("Live feeds"), str(exc))
            return
        self.accept()


class ChatPane(QWidget):
    """GeoChat with field units: received messages, and replies to all or to one unit."""

    sendRequested = Signal(str, str, str)  # text, to uid ("" = all), to callsign
    messageClicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        self.list = QListWidget()
        self.list.setObjectName("chat")
        self.list.setWordWrap(True)
        self.list.itemActivated.connect(lambda it: self.messageClicked.emit(it.data(Qt.ItemDataRole.UserRole)))
        lay.addWidget(self.list)
        row = QHBoxLayout()
        self.to = QComboBox()
        self.to.addItem(self.tr("All Chat Rooms"), ("", ""))
        self.text = QLineEdit(placeholderText=self.tr("Message to the field…"))
        self.text.returnPressed.connect(self._send)
        send = QPushButton(self.tr("Send"))
        send.clicked.connect(self._send)
        row.addWidget(self.to)
        row.addWidget(self.text, 1)
        row.addWidget(send)
        lay.addLayout(row)
        self._seen: set[int] = set()

    def set_units(self, units: list[dict]) -> None:
        current = self.to.currentData()
        self.to.blockSignals(True)
        self.to.clear()
        self.to.addItem(self.tr("All Chat Rooms"), ("", ""))
        for u in sorted(units, key=lambda u: u.get("callsign") or u["uid"]):
            self.to.addItem(u.get("callsign") or u["uid"], (u["uid"], u.get("callsign") or ""))
        i = self.to.findData(current)
        self.to.setCurrentIndex(max(i, 0))
        self.to.blockSignals(False)

    def add_message(self, item: dict) -> None:
        if item["id"] in self._seen:
            return
        self._seen.add(item["id"])
        chat = (item.get("extra") or {}).get("chat") or {}
        who = item.get("author") or chat.get("sender") or "?"
        room = chat.get("room") or ""
        arrow = "→" if chat.get("outgoing") else "←"
        # Plain text only: QListWidgetItem shows its text literally.
        it = QListWidgetItem(f"{fmt(item['t_ms'], date=False, seconds=True)} {arrow} {who} [{room}]\n{item['text']}")
        it.setData(Qt.ItemDataRole.UserRole, item["id"])
        self.list.insertItem(0, it)

    def _send(self) -> None:
        text = self.text.text().strip()
        if not text:
            return
        uid, callsign = self.to.currentData() or ("", "")
        self.sendRequested.emit(text, uid, callsign)
        self.text.clear()


class AlertsPane(QWidget):
    """Fired alerts, newest first; activating one shows its area and time on the map."""

    alertActivated = Signal(object)
    rulesRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        self.list = QListWidget()
        self.list.setObjectName("alerts")
        self.list.itemActivated.connect(lambda it: self.alertActivated.emit(it.data(Qt.ItemDataRole.UserRole)))
        self.list.itemClicked.connect(lambda it: self.alertActivated.emit(it.data(Qt.ItemDataRole.UserRole)))
        lay.addWidget(self.list)
        b = QPushButton(self.tr("Alert rules…"))
        b.clicked.connect(self.rulesRequested)
        lay.addWidget(b)

    def add_alert(self, alert) -> None:
        it = QListWidgetItem(f"⚠ {fmt(alert.t_ms, date=False, seconds=True)}  {alert.rule_name}\n{alert.message}")
        it.setData(Qt.ItemDataRole.UserRole, alert)
        it.setForeground(Qt.GlobalColor.darkRed)
        self.list.insertItem(0, it)


class RuleDialog(QDialog):
    """Define one alert rule; areas come from the window's area list."""

    KINDS = ("count", "spike", "emergency", "empty_area")

    def __init__(self, areas: dict, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("New alert rule"))
        self.areas = areas
        f = QFormLayout(self)
        self.name = QLineEdit(self.tr("Crowd building up"))
        self.kind = QComboBox()
        labels = {"count": self.tr("N or more matching items in M minutes"), "spike": self.tr("Rate spike against the area's baseline"),
                  "emergency": self.tr("A unit's emergency"), "empty_area": self.tr("No unit in the area for T minutes")}
        for k in self.KINDS:
            self.kind.addItem(labels[k], k)
        self.area = QComboBox()
        self.area.addItem(self.tr("Everywhere"), None)
        for name in areas:
            self.area.addItem(name, name)
        self.count = QSpinBox(minimum=1, maximum=1_000_000, value=20)
        self.minutes = QDoubleSpinBox(minimum=0.5, maximum=1440, value=10)
        self.factor = QDoubleSpinBox(minimum=1.1, maximum=100, value=3)
        self.hashtags = QLineEdit(placeholderText="#집회 #rally")
        self.keywords = QLineEdit(placeholderText=self.tr("words, comma separated"))
        for label, w in ((self.tr("Name"), self.name), (self.tr("When"), self.kind), (self.tr("Area"), self.area),
                         (self.tr("N items"), self.count), (self.tr("Minutes"), self.minutes),
                         (self.tr("Spike factor"), self.factor), (self.tr("Hashtags"), self.hashtags),
                         (self.tr("Keywords"), self.keywords)):
            f.addRow(label, w)
        self.error = make_plain(QLabel())  # exception messages carry names the user typed
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setStyleSheet("color: #b91c1c")
        f.addRow(self.error)
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        bb.accepted.connect(self._ok)
        bb.rejected.connect(self.reject)
        f.addRow(bb)
        self.rule: AlertRule | None = None

    def build(self) -> AlertRule:
        kind = self.kind.currentData()
        area_name = self.area.currentData()
        area = json.loads(json.dumps(self.areas[area_name].to_geojson())) if area_name else None
        filters = {}
        tags = [t.lstrip("#") for t in self.hashtags.text().split() if t.strip("#")]
        words = [w.strip() for w in self.keywords.text().split(",") if w.strip()]
        if tags:
            filters["hashtags"] = tags
        if words:
            filters["keywords"] = words
        name = self.name.text().strip() or kind
        if kind == "count":
            return AlertRule.count(name, self.count.value(), self.minutes.value(), area=area, area_name=area_name, **filters)
        if kind == "spike":
            return AlertRule.spike(name, self.minutes.value(), self.factor.value(), self.count.value(), area=area,
                                   area_name=area_name, **filters)
        if kind == "emergency":
            return AlertRule.emergency(name, area=area, area_name=area_name)
        if area is None:
            raise ValueError(self.tr("An empty-area rule needs an area"))
        return AlertRule.empty_area(name, area, self.minutes.value(), area_name=area_name)

    def _ok(self) -> None:
        try:
            self.rule = self.build()
            self.rule.check()
        except ValueError as exc:
            self.error.setText(str(exc))
            return
        self.accept()


def marker_dialog(parent: QWidget, lat: float, lon: float) -> tuple[str, str] | None:
    """Ask what to place at a map position: text and CoT type. None when cancelled."""
    dlg = QDialog(parent)
    dlg.setWindowTitle(QCoreApplication.translate("MarkerDialog", "Field update at {lat:.5f}, {lon:.5f}").format(lat=lat, lon=lon))
    f = QFormLayout(dlg)
    text = QLineEdit()
    text.setPlaceholderText(QCoreApplication.translate("MarkerDialog", "What is here (sent to field units when connected)"))
    kind = QComboBox()
    for code, label in MARKER_TYPES:
        kind.addItem(label, code)
    f.addRow(QCoreApplication.translate("MarkerDialog", "Text"), text)
    f.addRow(QCoreApplication.translate("MarkerDialog", "Type"), kind)
    bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    bb.accepted.connect(dlg.accept)
    bb.rejected.connect(dlg.reject)
    f.addRow(bb)
    if dlg.exec() != QDialog.DialogCode.Accepted or not text.text().strip():
        return None
    return text.text().strip(), kind.currentData()


__all__ = ["FeedsDialog", "ChatPane", "AlertsPane", "RuleDialog", "marker_dialog", "Path"]
