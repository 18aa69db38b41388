"""Widgets of the live picture: the feeds dialog, the chat pane, the alert list and rule
editor, and the marker dialog. They hold no network code (see live_panel.LiveController)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
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
    QListView,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.cache import Cache, CacheError
from desktop.live.alert_rules import AlertRule
from desktop.live.alerts import delete_rule, load_rules, save_rule, set_rule_enabled
from desktop.live.tak_client import TlsConfig
from desktop.core.model import normalise_tag
from desktop.core.timefmt import fmt
from desktop.ui.plain import make_plain, message, plain_label, plain_tooltip

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
        # The recipients only: a result under a flood of position reports brings the same
        # units with new positions twice a second, and the list is rebuilt only when they change.
        wanted = sorted(((u.get("callsign") or u["uid"]), u["uid"], u.get("callsign") or "") for u in units)
        if wanted == getattr(self, "_recipients", None):
            return
        self._recipients = wanted
        current = self.to.currentData()
        self.to.blockSignals(True)
        self.to.clear()
        self.to.addItem(self.tr("All Chat Rooms"), ("", ""))
        for label, uid, callsign in wanted:
            self.to.addItem(label, (uid, callsign))
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
    """Fired alerts, newest first; activating one shows its area and time on the map.
    Each alert's text wraps to the pane's width and its tooltip holds all of it."""

    alertActivated = Signal(object)
    rulesRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        self.list = QListWidget()
        self.list.setObjectName("alerts")
        self.list.setWordWrap(True)  # an alert's text is read in full, never cut off at the pane's edge
        self.list.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.itemActivated.connect(lambda it: self.alertActivated.emit(it.data(Qt.ItemDataRole.UserRole)))
        self.list.itemClicked.connect(lambda it: self.alertActivated.emit(it.data(Qt.ItemDataRole.UserRole)))
        lay.addWidget(self.list)
        self.rules_button = QPushButton(self.tr("Alert rules…"))
        self.rules_button.clicked.connect(self.rulesRequested)
        lay.addWidget(self.rules_button)

    def add_alert(self, alert) -> None:
        text = f"⚠ {fmt(alert.t_ms, date=False, seconds=True)}  {alert.rule_name}\n{alert.message}"
        it = QListWidgetItem(text)  # item text is shown literally
        it.setToolTip(plain_tooltip(text))
        it.setData(Qt.ItemDataRole.UserRole, alert)
        it.setForeground(Qt.GlobalColor.darkRed)
        self.list.insertItem(0, it)


def kind_name(kind: str) -> str:
    names = {
        "count": QCoreApplication.translate("RulesDialog", "Count"),
        "spike": QCoreApplication.translate("RulesDialog", "Spike"),
        "emergency": QCoreApplication.translate("RulesDialog", "Emergency"),
        "empty_area": QCoreApplication.translate("RulesDialog", "Empty area"),
    }
    return names.get(kind, kind)


def emergency_names() -> dict[str, str]:
    """The emergencies a rule can watch for, by CoT type, in the interface's language."""
    return {
        "b-a-o-tbl": QCoreApplication.translate("RulesDialog", "911 alert"),
        "b-a-o-pan": QCoreApplication.translate("RulesDialog", "Ring the bell"),
        "b-a-o-opn": QCoreApplication.translate("RulesDialog", "In contact"),
        "b-a-g": QCoreApplication.translate("RulesDialog", "Geo-fence breached"),
    }


def describe_rule(rule: AlertRule) -> str:
    """What a rule watches for, in words (its parameters are data: shown as plain text)."""
    try:
        return _describe(rule)
    except (TypeError, ValueError, AttributeError):  # parameters stored by hand: show them as they are
        return json.dumps(rule.params, ensure_ascii=False)


def _describe(rule: AlertRule) -> str:
    p = rule.params
    if rule.area:
        area = rule.area_name or QCoreApplication.translate("RulesDialog", "its area")
        where = QCoreApplication.translate("RulesDialog", "in {area}").format(area=area)
    else:
        where = QCoreApplication.translate("RulesDialog", "everywhere")
    filters = ""
    tags = " ".join("#" + str(t).lstrip("#") for t in p.get("hashtags", ()))
    words = ", ".join(str(w) for w in p.get("keywords", ()))
    if tags and words:
        filters = " " + QCoreApplication.translate("RulesDialog", "matching {tags} or the words {words}").format(tags=tags, words=words)
    elif tags:
        filters = " " + QCoreApplication.translate("RulesDialog", "matching {tags}").format(tags=tags)
    elif words:
        filters = " " + QCoreApplication.translate("RulesDialog", "with the words {words}").format(words=words)
    m = f"{float(p.get('minutes', 0) or 0):g}"
    if rule.kind == "count":
        return QCoreApplication.translate("RulesDialog", "{n} or more items{filters} within {m} min, {where}").format(
            n=p.get("min_count", "?"), filters=filters, m=m, where=where)
    if rule.kind == "spike":
        return QCoreApplication.translate("RulesDialog", "Rate over {m} min at least ×{f} the {b} min before, with at least {n} items{filters}, {where}").format(
            m=m, f=f"{float(p.get('factor', 0) or 0):g}", b=f"{float(p.get('baseline_minutes', 60) or 0):g}",
            n=p.get("min_count", "?"), filters=filters, where=where)
    if rule.kind == "emergency":
        names = emergency_names()
        types = p.get("types") or ()
        what = ", ".join(names.get(t, str(t)) for t in types) if types else QCoreApplication.translate("RulesDialog", "any emergency")
        return QCoreApplication.translate("RulesDialog", "A unit's emergency ({what}), {where}").format(what=what, where=where)
    if rule.kind == "empty_area":
        return QCoreApplication.translate("RulesDialog", "No unit in {area} for {m} min or longer").format(
            area=rule.area_name or QCoreApplication.translate("RulesDialog", "the area"), m=m)
    return json.dumps(p, ensure_ascii=False)


class RuleDialog(QDialog):
    """Define or change one alert rule; areas come from the window's area list. The form
    shows only the fields the chosen kind uses."""

    KINDS = ("count", "spike", "emergency", "empty_area")
    # The form's fields each kind uses (name, kind and area are always shown).
    FIELDS = {"count": ("count", "minutes", "hashtags", "keywords"),
              "spike": ("minutes", "factor", "baseline", "count", "hashtags", "keywords"),
              "emergency": ("types",),
              "empty_area": ("minutes",)}
    # Parameters the form does not edit but keeps when a rule is changed without changing its kind.
    KEPT = {"count": ("kinds", "sources"), "spike": ("kinds", "sources"), "emergency": (),
            "empty_area": ("unit_types", "teams")}
    _STORED = "\x00stored"  # the area data of the rule's own (stored) area

    def __init__(self, areas: dict, parent: QWidget | None = None, rule: AlertRule | None = None) -> None:
        super().__init__(parent)
        self.original = rule
        self.setWindowTitle(self.tr("Edit alert rule") if rule else self.tr("New alert rule"))
        self.areas = areas
        f = self.form = QFormLayout(self)
        self.name = QLineEdit(placeholderText=self.tr("e.g. Crowd building up at the square"))
        self.kind = QComboBox()
        labels = {"count": self.tr("N or more matching items in M minutes"), "spike": self.tr("Rate spike against the area's baseline"),
                  "emergency": self.tr("A unit's emergency"), "empty_area": self.tr("No unit in the area for T minutes")}
        for k in self.KINDS:
            self.kind.addItem(labels[k], k)
        self.area = QComboBox()
        self.area.addItem(self.tr("Everywhere"), None)
        if rule is not None and rule.area:
            self.area.addItem(self.tr("{name} (this rule's area)").format(name=rule.area_name or self.tr("unnamed")),
                              self._STORED)
        for name in areas:
            self.area.addItem(name, name)
        self.count = QSpinBox(minimum=1, maximum=1_000_000, value=20)
        self.minutes = QDoubleSpinBox(minimum=0.5, maximum=1440, value=10)
        self.factor = QDoubleSpinBox(minimum=1.1, maximum=100, value=3)
        self.baseline = QDoubleSpinBox(minimum=1, maximum=7 * 1440, value=60)
        self.hashtags = QLineEdit(placeholderText="#집회 #rally")
        self.keywords = QLineEdit(placeholderText=self.tr("words, comma separated"))
        self.types = QWidget()
        tl = QVBoxLayout(self.types)
        tl.setContentsMargins(0, 0, 0, 0)
        self.type_boxes: dict[str, QCheckBox] = {}
        for code, label in emergency_names().items():
            box = QCheckBox(label, checked=True)
            self.type_boxes[code] = box
            tl.addWidget(box)
        self.labels = {
            "name": self.tr("Name"), "kind": self.tr("When"), "area": self.tr("Area"), "count": self.tr("N items"),
            "minutes": self.tr("Minutes"), "factor": self.tr("Spike factor"), "baseline": self.tr("Baseline minutes"),
            "hashtags": self.tr("Hashtags"), "keywords": self.tr("Keywords"), "types": self.tr("Emergencies"),
        }
        self.fields = {"name": self.name, "kind": self.kind, "area": self.area, "count": self.count,
                       "minutes": self.minutes, "factor": self.factor, "baseline": self.baseline,
                       "hashtags": self.hashtags, "keywords": self.keywords, "types": self.types}
        for key, w in self.fields.items():
            f.addRow(self.labels[key], w)
        self.error = make_plain(QLabel())  # exception messages carry names the user typed
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b91c1c")
        f.addRow(self.error)
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        bb.accepted.connect(self._ok)
        bb.rejected.connect(self.reject)
        self.buttons = bb
        f.addRow(bb)
        self.rule: AlertRule | None = None
        self.error_field: str | None = None
        if rule is not None:
            self._fill(rule)
        self.kind.currentIndexChanged.connect(self._show_fields)
        self._show_fields()

    def _fill(self, rule: AlertRule) -> None:
        p = rule.params
        self.name.setText(rule.name)
        self.kind.setCurrentIndex(max(self.kind.findData(rule.kind), 0))
        if rule.area:
            self.area.setCurrentIndex(self.area.findData(self._STORED))
        if "min_count" in p:
            self.count.setValue(int(p["min_count"]))
        if "minutes" in p:
            self.minutes.setValue(float(p["minutes"]))
        if "factor" in p:
            self.factor.setValue(float(p["factor"]))
        if "baseline_minutes" in p:
            self.baseline.setValue(float(p["baseline_minutes"]))
        self.hashtags.setText(" ".join("#" + str(t).lstrip("#") for t in p.get("hashtags", ())))
        self.keywords.setText(", ".join(str(w) for w in p.get("keywords", ())))
        types = set(p.get("types") or ())
        for code, box in self.type_boxes.items():
            box.setChecked(not types or code in types)

    def _show_fields(self) -> None:
        kind = self.kind.currentData()
        used = self.FIELDS[kind]
        for key in ("count", "minutes", "factor", "baseline", "hashtags", "keywords", "types"):
            self.form.setRowVisible(self.fields[key], key in used)
        # The same field means a little different things to different kinds.
        self._label("count", self.tr("N items") if kind == "count" else self.tr("At least N items"))
        self._label("minutes", {"count": self.tr("Within minutes"), "spike": self.tr("Recent minutes"),
                                "empty_area": self.tr("Empty for minutes")}.get(kind, self.tr("Minutes")))
        self._label("area", self.tr("Area (required)") if kind == "empty_area" else self.tr("Area"))
        self._set_error(None, "")
        self.adjustSize()

    def _label(self, key: str, text: str) -> None:
        self.labels[key] = text
        label = self.form.labelForField(self.fields[key])
        if label is not None:
            label.setText(text)

    def _set_error(self, key: str | None, text: str) -> None:
        """Show ``text`` as what is wrong with field ``key`` (named in the message)."""
        self.error_field = key
        self.error.setText(text)
        self.error.setVisible(bool(text))
        for k, w in self.fields.items():
            w.setStyleSheet("QLineEdit, QComboBox, QAbstractSpinBox { border: 1px solid #b91c1c; }"
                            if k == key else "")
        if key is not None:
            self.fields[key].setFocus()
        if text:
            self.adjustSize()  # room for a message of two lines

    def _fail(self, key: str, problem: str) -> "_FieldError":
        label = self.labels[key].replace("&", "")
        return _FieldError(key, self.tr("{field}: {problem}").format(field=label, problem=problem))

    def build(self) -> AlertRule:
        kind = self.kind.currentData()
        choice = self.area.currentData()
        if choice == self._STORED:
            area, area_name = self.original.area, self.original.area_name
        elif choice:
            area, area_name = json.loads(json.dumps(self.areas[choice].to_geojson())), choice
        else:
            area = area_name = None
        name = self.name.text().strip()
        if not name:
            raise self._fail("name", self.tr("give the rule a name."))
        kept = {}
        if self.original is not None and self.original.kind == kind:
            kept = {k: v for k, v in self.original.params.items() if k in self.KEPT[kind]}
        filters = dict(kept)
        if kind in ("count", "spike"):
            raw = self.hashtags.text().replace(",", " ").split()
            bad = [t for t in raw if not normalise_tag(t)]
            if bad:
                raise self._fail("hashtags", self.tr("“{tag}” is not a hashtag.").format(tag=bad[0]))
            tags = [t.lstrip("#＃") for t in raw]
            words = [w.strip() for w in self.keywords.text().split(",") if w.strip()]
            if tags:
                filters["hashtags"] = tags
            if words:
                filters["keywords"] = words
        if kind == "count":
            rule = AlertRule.count(name, self.count.value(), self.minutes.value(), area=area, area_name=area_name,
                                   **filters)
        elif kind == "spike":
            rule = AlertRule.spike(name, self.minutes.value(), self.factor.value(), self.count.value(),
                                   baseline_minutes=self.baseline.value(), area=area, area_name=area_name, **filters)
        elif kind == "emergency":
            ticked = [code for code, box in self.type_boxes.items() if box.isChecked()]
            if not ticked:
                raise self._fail("types", self.tr("tick at least one kind of emergency."))
            if len(ticked) < len(self.type_boxes):
                filters["types"] = ticked
            rule = AlertRule.emergency(name, area=area, area_name=area_name, **filters)
        else:
            if area is None:
                raise self._fail("area", self.tr("a rule for an empty area needs an area: draw one on the map "
                                                 "or pick districts first."))
            rule = AlertRule.empty_area(name, area, self.minutes.value(), area_name=area_name, **filters)
        if self.original is not None:
            rule = replace(rule, id=self.original.id, enabled=self.original.enabled)
        try:
            rule.check()
        except ValueError as exc:  # what is left to go wrong is the area's geometry
            if area is not None:
                raise self._fail("area", str(exc)) from None
            raise
        return rule

    def _ok(self) -> None:
        try:
            self.rule = self.build()
        except _FieldError as exc:
            self._set_error(exc.field, str(exc))
            return
        except ValueError as exc:
            self._set_error(None, str(exc))
            return
        self.accept()


class _FieldError(ValueError):
    def __init__(self, field: str, text: str) -> None:
        super().__init__(text)
        self.field = field


class RulesDialog(QDialog):
    """Every stored alert rule: add, edit, switch on or off and delete (after asking).

    ``store()`` gives the window's write connection; ``changed()`` is called after each
    stored change so the running alert engine reads the rules again. Keys in the list:
    Enter edits, Delete deletes, Space switches the rule on or off."""

    COLUMNS = 4  # on, name, kind, what it watches for

    def __init__(self, store: Callable[[], Cache], areas: dict, changed: Callable[[], None] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Alert rules"))
        self.resize(760, 360)
        self.store = store
        self.areas = areas
        self.changed = changed or (lambda: None)
        self.editor: RuleDialog | None = None
        self.confirm: QMessageBox | None = None
        lay = QVBoxLayout(self)
        self.tree = QTreeWidget()
        self.tree.setObjectName("alertRules")
        self.tree.setColumnCount(self.COLUMNS)
        self.tree.setHeaderLabels([self.tr("On"), self.tr("Name"), self.tr("Kind"), self.tr("Watches for")])
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setWordWrap(True)
        self.tree.setAllColumnsShowFocus(True)
        self.tree.header().setStretchLastSection(True)
        self.tree.itemChanged.connect(self._check_changed)
        self.tree.itemDoubleClicked.connect(lambda *_: self.edit_current())
        self.tree.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.tree.installEventFilter(self)
        lay.addWidget(self.tree)
        self.empty = plain_label(self.tr("No alert rules yet: add one to be told when something happens."))
        lay.addWidget(self.empty)
        self.error = plain_label()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b91c1c")
        self.error.hide()
        lay.addWidget(self.error)
        row = QHBoxLayout()
        self.add_button = QPushButton(self.tr("Add…"))
        self.edit_button = QPushButton(self.tr("Edit…"))
        self.toggle_button = QPushButton(self.tr("Disable"))
        self.delete_button = QPushButton(self.tr("Delete…"))
        for b, slot in ((self.add_button, self.add), (self.edit_button, self.edit_current),
                        (self.toggle_button, self.toggle_current), (self.delete_button, self.delete_current)):
            b.setAutoDefault(False)
            b.clicked.connect(slot)
            row.addWidget(b)
        row.addStretch(1)
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        bb.rejected.connect(self.reject)
        bb.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)
        row.addWidget(bb)
        lay.addLayout(row)
        self.rules: list[AlertRule] = []
        self.refresh()

    # the list -------------------------------------------------------------------------
    def refresh(self, select_id: int | None = None) -> None:
        current = self.current_rule()
        keep = select_id if select_id is not None else (current.id if current else None)
        try:
            self.rules = load_rules(self.store().conn, enabled_only=False)
        except (CacheError, sqlite3.Error) as exc:
            self._show_error(str(exc))
            self.rules = []
        self.tree.blockSignals(True)
        self.tree.clear()
        chosen = None
        for rule in self.rules:
            desc = describe_rule(rule)
            it = QTreeWidgetItem(["", rule.name, kind_name(rule.kind), desc])  # item text is shown literally
            it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            it.setCheckState(0, Qt.CheckState.Checked if rule.enabled else Qt.CheckState.Unchecked)
            it.setToolTip(0, plain_tooltip(self.tr("On: the rule raises alerts") if rule.enabled
                                           else self.tr("Off: the rule raises no alerts")))
            it.setToolTip(1, plain_tooltip(rule.name))
            it.setToolTip(3, plain_tooltip(desc))
            it.setData(0, Qt.ItemDataRole.UserRole, rule.id)
            if not rule.enabled:
                for c in range(1, self.COLUMNS):
                    it.setForeground(c, Qt.GlobalColor.gray)
            self.tree.addTopLevelItem(it)
            if rule.id == keep:
                chosen = it
        self.tree.blockSignals(False)
        if chosen is None and self.tree.topLevelItemCount():
            chosen = self.tree.topLevelItem(0)
        if chosen is not None:
            self.tree.setCurrentItem(chosen)
        for c, w in ((0, 40), (1, 180), (2, 90)):
            self.tree.setColumnWidth(c, w)
        self.empty.setVisible(not self.rules)
        self._update_buttons()

    def current_rule(self) -> AlertRule | None:
        it = self.tree.currentItem()
        if it is None:
            return None
        rid = it.data(0, Qt.ItemDataRole.UserRole)
        return next((r for r in self.rules if r.id == rid), None)

    def _update_buttons(self) -> None:
        rule = self.current_rule()
        for b in (self.edit_button, self.toggle_button, self.delete_button):
            b.setEnabled(rule is not None)
        self.toggle_button.setText(self.tr("Enable") if rule is not None and not rule.enabled else self.tr("Disable"))

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if obj is self.tree and event.type() == QEvent.Type.KeyPress and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.edit_current()
                return True
            if key == Qt.Key.Key_Delete:
                self.delete_current()
                return True
            if key == Qt.Key.Key_Space:
                self.toggle_current()
                return True
        return super().eventFilter(obj, event)

    # changes --------------------------------------------------------------------------
    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def _write(self, fn) -> bool:
        """Run one change on the write connection; tell the engine. False when it failed."""
        try:
            fn(self.store())
        except (CacheError, sqlite3.Error, ValueError) as exc:
            self._show_error(str(exc))
            return False
        self._show_error("")
        self.changed()
        return True

    def add(self) -> RuleDialog:
        return self._open_editor(None)

    def edit_current(self) -> RuleDialog | None:
        rule = self.current_rule()
        return self._open_editor(rule) if rule is not None else None

    def _open_editor(self, rule: AlertRule | None) -> RuleDialog:
        dlg = self.editor = RuleDialog(self.areas, self, rule)

        def save() -> None:
            stored = {}
            if self._write(lambda cache: stored.setdefault("rule", save_rule(cache, dlg.rule))):
                self.refresh(stored["rule"].id)
            self.tree.setFocus()

        dlg.accepted.connect(save)
        dlg.open()
        return dlg

    def set_enabled(self, rule: AlertRule, enabled: bool) -> None:
        if rule.enabled != enabled:
            self._write(lambda cache: set_rule_enabled(cache, rule.id, enabled))
        self.refresh(rule.id)  # the stored state, also after a refused change

    def toggle_current(self) -> None:
        rule = self.current_rule()
        if rule is not None:
            self.set_enabled(rule, not rule.enabled)

    def _check_changed(self, it: QTreeWidgetItem, column: int) -> None:
        if column != 0:
            return
        rid = it.data(0, Qt.ItemDataRole.UserRole)
        rule = next((r for r in self.rules if r.id == rid), None)
        if rule is not None:
            on = it.checkState(0) == Qt.CheckState.Checked
            # The list is rebuilt after storing: not inside the item's own signal.
            QTimer.singleShot(0, self, lambda: self.set_enabled(rule, on))

    def delete_current(self) -> QMessageBox | None:
        """Ask, then delete the current rule (its alerts stay in the list)."""
        rule = self.current_rule()
        if rule is None:
            return None
        box = self.confirm = QMessageBox(QMessageBox.Icon.Question, self.tr("Delete alert rule"),
                                         self.tr("Delete the alert rule “{name}”? It raises no more alerts; the alerts "
                                                 "it raised stay in the list.").format(name=rule.name),
                                         QMessageBox.StandardButton.NoButton, self)
        box.setTextFormat(Qt.TextFormat.PlainText)  # the rule's name is data
        yes = box.addButton(self.tr("Delete"), QMessageBox.ButtonRole.DestructiveRole)
        no = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(no)
        box.setEscapeButton(no)

        def done() -> None:
            self.confirm = None
            if box.clickedButton() is yes and self._write(lambda cache: delete_rule(cache, rule.id)):
                self.refresh()
            self.tree.setFocus()

        box.finished.connect(done)
        box.open()
        return box


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


__all__ = ["FeedsDialog", "ChatPane", "AlertsPane", "RuleDialog", "RulesDialog", "describe_rule", "marker_dialog",
           "Path"]
