"""The details pane: everything known about the selected post or field update.

Item text is hostile. A post may contain ``<img src=x onerror=…>``, ``</script>``,
``${…}`` or a ``javascript:`` link, and it must show exactly as written. So every
label here is forced to plain text (a QLabel's default "auto" format would render
anything that looks like markup), links are listed as text and never clickable, and
the one way out to the web -- "Open source in browser…" -- accepts only http(s)
addresses and asks first, showing the address in its encoded ASCII form so a
look-alike host or a right-to-left trick cannot disguise it.
"""

from __future__ import annotations

import json
import re
from typing import Callable

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QFont
from PySide6.QtWidgets import (QFormLayout, QFrame, QHBoxLayout, QLabel, QMessageBox, QPlainTextEdit, QPushButton,
                               QScrollArea, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget)

from desktop.cache.threads import has_thread
from desktop.engine import feed_rows
from desktop.ui.plain import plain_label
from desktop.core.timefmt import KST

SELECTABLE = Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
# extra keys shown in their own rows; any others are listed under "Other".
KNOWN_EXTRA = {"cot_type", "how", "team", "role", "course", "speed", "stale_ms", "emergency", "chat", "remarks",
               "accuracy"}


class DetailsPane(QWidget):
    """Shows one item; :meth:`show_item` with None shows the empty state.

    ``confirm(url) -> bool`` and ``opener(QUrl)`` are attributes so tests (and a
    future policy of "never open links") can replace the dialog and the browser.
    ``whoSaw(id)``: "Who saw this…" was pressed (the audit trail of the item).
    """

    whoSaw = Signal(int)  # noqa: N815
    threadRequested = Signal(int)  # noqa: N815  "Thread…": the conversation this item is in

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.confirm: Callable[[str], bool] = self._ask_to_open
        self.opener: Callable[[QUrl], object] = QDesktopServices.openUrl
        self._item: dict | None = None
        self._url: str | None = None

        self.stack = QStackedWidget(self)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)

        self.empty_label = plain_label(self.tr("Select an item in the feed or on the map to see its details."))
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setEnabled(False)  # greyed: it is a hint, not content
        self.stack.addWidget(self.empty_label)

        page = QWidget()
        col = QVBoxLayout(page)
        col.setContentsMargins(8, 8, 8, 8)
        self.header_label = plain_label()  # kind and source, e.g. "Post · x"
        bold = QFont(self.header_label.font())
        bold.setBold(True)
        self.header_label.setFont(bold)
        self.header_label.setTextInteractionFlags(SELECTABLE)
        col.addWidget(self.header_label)

        self.emergency_label = plain_label()
        self.emergency_label.setWordWrap(True)
        self.emergency_label.setTextInteractionFlags(SELECTABLE)
        # Our own constant style, never built from item data.
        self.emergency_label.setStyleSheet("QLabel { background: #dc2626; color: white; font-weight: bold;"
                                           " padding: 6px; border-radius: 3px; }")
        self.emergency_label.hide()
        col.addWidget(self.emergency_label)

        self.outside_label = plain_label(self.tr("Not in the current view: outside the time window or the filters."))
        self.outside_label.setObjectName("outsideNotice")
        self.outside_label.setWordWrap(True)
        self.outside_label.setStyleSheet("QLabel { background: #fef3c7; color: #78350f; padding: 4px; border-radius: 3px; }")
        self.outside_label.hide()
        col.addWidget(self.outside_label)

        self.text_caption = plain_label(self.tr("Text"))
        col.addWidget(self.text_caption)
        self.text_edit = QPlainTextEdit()
        self.text_edit.setReadOnly(True)
        self.text_edit.setTextInteractionFlags(SELECTABLE)
        self.text_edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        col.addWidget(self.text_edit, 1)

        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.fields: dict[str, QLabel] = {}
        self.captions: dict[str, QLabel] = {}
        for key, caption in self._field_captions():
            value = plain_label()
            value.setWordWrap(True)
            value.setTextInteractionFlags(SELECTABLE)
            # Long unbroken strings (links, ids) must not widen the pane; they stay selectable.
            value.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            cap = plain_label(caption)
            self.form.addRow(cap, value)
            self.fields[key] = value
            self.captions[key] = cap
        form_host = QWidget()
        form_host.setLayout(self.form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(form_host)
        col.addWidget(scroll, 2)

        buttons = QHBoxLayout()
        self.who_saw_button = QPushButton(self.tr("Who saw this…"))
        self.who_saw_button.setObjectName("whoSawButton")
        self.who_saw_button.setToolTip(self.tr("Everyone who viewed, changed, exported or sent this item (audit trail)"))
        self.who_saw_button.clicked.connect(lambda: self._item and self.whoSaw.emit(int(self._item["id"])))
        buttons.addWidget(self.who_saw_button)
        self.thread_button = QPushButton(self.tr("Thread…"))
        self.thread_button.setObjectName("threadButton")
        self.thread_button.setToolTip(self.tr("The post and the replies or comments of its conversation"))
        self.thread_button.clicked.connect(lambda: self._item and self.threadRequested.emit(int(self._item["id"])))
        buttons.addWidget(self.thread_button)
        buttons.addStretch(1)
        self.open_button = QPushButton(self.tr("Open source in browser…"))
        self.open_button.clicked.connect(self.open_source)
        buttons.addWidget(self.open_button)
        col.addLayout(buttons)
        self.stack.addWidget(page)
        self.show_item(None)

    def _field_captions(self) -> list[tuple[str, str]]:
        return [
            ("time", self.tr("Time")),
            ("author", self.tr("Author")),
            ("author_id", self.tr("Author ID")),
            ("callsign", self.tr("Callsign")),
            ("unit_uid", self.tr("Unit UID")),
            ("cot_type", self.tr("CoT type")),
            ("team_role", self.tr("Team / role")),
            ("course_speed", self.tr("Course / speed")),
            ("how", self.tr("Position source")),
            ("stale", self.tr("Stale after")),
            ("chat", self.tr("Chat")),
            ("unit", self.tr("Unit now")),
            ("source", self.tr("Source")),
            ("source_id", self.tr("Source ID")),
            ("lang", self.tr("Language")),
            ("hashtags", self.tr("Hashtags")),
            ("location", self.tr("Location")),
            ("placed", self.tr("How placed")),
            ("coords", self.tr("Coordinates")),
            ("place", self.tr("Place")),
            ("links", self.tr("Links")),
            ("reply_to", self.tr("Reply to")),
            ("quote_of", self.tr("Quote of")),
            ("retweet_of", self.tr("Retweet of")),
            ("other", self.tr("Other")),
            ("changed_elsewhere", self.tr("Changed elsewhere")),
            ("replied", self.tr("Replied")),
        ]

    # -- public -------------------------------------------------------------------------

    def item(self) -> dict | None:
        return self._item

    def source_url(self) -> str | None:
        return self._url

    def set_outside(self, outside: bool) -> None:
        """Say so when the item shown has left the time window or the filter."""
        self.outside_label.setVisible(bool(outside) and self._item is not None)

    def is_marked_outside(self) -> bool:
        return not self.outside_label.isHidden()

    def field_text(self, key: str) -> str | None:
        """The value shown for ``key``, or None when that row is hidden (no value)."""
        label = self.fields[key]
        return label.text() if self.form.isRowVisible(label) else None

    def show_item(self, item: dict | None, unit: dict | None = None) -> None:
        """Show ``item`` (a decoded cache row) and, for a field update, its unit's latest state."""
        self._item = item
        self.outside_label.hide()
        self._url = feed_rows.source_url(item) if item else None
        self.open_button.setEnabled(self._url is not None)
        self.thread_button.setEnabled(has_thread(item))
        if item is None:
            self.stack.setCurrentIndex(0)
            return
        self.stack.setCurrentIndex(1)
        update = item.get("kind") == "field_update"
        extra = item.get("extra") if isinstance(item.get("extra"), dict) else {}
        kind = self.tr("Field update") if update else self.tr("Post")
        self.header_label.setText(f"{kind} · {item.get('source') or ''}")

        text = item.get("text") or ""
        if update and not text and isinstance(extra.get("remarks"), str):
            text = extra["remarks"]
        self.text_caption.setText(self.tr("Remarks") if update else self.tr("Text"))
        self.text_edit.setPlainText(text)

        emergency = extra.get("emergency") if update else None
        if emergency:
            banner = self.tr("EMERGENCY")
            if isinstance(emergency, str) and emergency.strip().lower() not in ("true", "1", "yes"):
                banner += f": {emergency}"
            self.emergency_label.setText(banner)
        self.emergency_label.setVisible(bool(emergency))

        values = self._post_values(item) | (self._update_values(item, extra, unit) if update else {})
        for key, label in self.fields.items():
            value = values.get(key) or ""
            label.setText(value)
            self.form.setRowVisible(label, bool(value))

    # -- building the rows ----------------------------------------------------------------

    def _post_values(self, item: dict) -> dict[str, str]:
        precision = item.get("precision") or "unknown"
        words = {"exact": self.tr("exact"), "place": self.tr("place"), "inferred": self.tr("inferred"),
                 "unknown": self.tr("unknown")}
        lat, lon = item.get("lat"), item.get("lon")
        return {
            "time": feed_rows.dual_time(item["t_ms"], KST) if item.get("t_ms") is not None else "",
            "author": item.get("author") or "",
            "author_id": item.get("author_id") or "",
            "source": item.get("source") or "",
            "source_id": str(item.get("source_id") or ""),
            "lang": item.get("lang") or "",
            "hashtags": ", ".join("#" + t for t in item.get("hashtags") or ()),
            "location": (self.tr("exact position, accuracy unknown (the sender did not say)")
                         if (item.get("extra") or {}).get("accuracy") == "unknown" and lat is not None
                         else feed_rows.location_text(words.get(precision, precision), item.get("radius_m"))),
            "coords": f"{lat:.5f}, {lon:.5f}" if lat is not None and lon is not None else "",
            "place": item.get("place_name") or "",
            "placed": self.placed_text(item),
            "links": "\n".join(str(u) for u in item.get("links") or ()),
            "reply_to": item.get("reply_to") or "",
            "quote_of": item.get("quote_of") or "",
            "retweet_of": item.get("retweet_of") or "",
            "changed_elsewhere": item.get("changed_elsewhere") or "",
            "replied": self.replied_text(item.get("replied")),
        }

    def replied_text(self, reply: dict | None) -> str:
        """'the note — by, when' for a complaint that was answered ('' when it was not)."""
        if not isinstance(reply, dict):
            return ""
        when = feed_rows.dual_time(reply["replied_ms"], KST) if reply.get("replied_ms") is not None else ""
        return _fill(self.tr("%1 (%2, %3)"), str(reply.get("note") or ""), str(reply.get("replied_by") or ""), when)

    def placed_text(self, item: dict) -> str:
        """How an uncertain position was reached: "placed from '광화문' in the text, ±250 m,
        confidence 0.8" and the gazetteer entry, or "place from the source: 서울특별시, ±4.5 km".
        Words from the post fill the template in one pass, so a "%2" in them stays literal."""
        f = feed_rows.inference_facts(item)
        if f is None:
            return ""
        if f["kind"] == "place":
            return _fill(self.tr("place from the source: %1, %2"), f["name"] or "?", f["radius"] or "?")
        words = ", ".join(f"'{w}'" for w in f["matched"])
        if words:
            line = _fill(self.tr("placed from %1 in the text, %2, confidence %3"), words, f["radius"] or "?",
                         f["confidence"] or "?")
        else:
            line = _fill(self.tr("placed from the text, %2, confidence %3"), "", f["radius"] or "?", f["confidence"] or "?")
        if f["profile"]:
            line += " " + self.tr("(weak: the author's profile location)")
        if f["entry"]:
            own = self.tr("the agency's own") if f["entry_origin"] == "user" else ""
            detail = ", ".join(x for x in (f["entry_kind"], own) if x)
            line += "\n" + _fill(self.tr("gazetteer entry: %1"), f["entry"]) + (f" ({detail})" if detail else "")
        return line

    def _update_values(self, item: dict, extra: dict, unit: dict | None) -> dict[str, str]:
        unit = unit or {}
        team = extra.get("team") or unit.get("team")
        role = extra.get("role") or unit.get("role")
        stale = extra.get("stale_ms")
        chat = extra.get("chat")
        other = {k: v for k, v in extra.items() if k not in KNOWN_EXTRA and v not in (None, "", [], {})}
        return {
            "callsign": item.get("callsign") or unit.get("callsign") or "",
            "unit_uid": item.get("unit_uid") or "",
            "cot_type": _text(extra.get("cot_type") or unit.get("cot_type")),
            "team_role": " / ".join(_text(v) for v in (team, role) if v),
            "course_speed": feed_rows.course_speed(extra.get("course"), extra.get("speed")),
            "how": _text(extra.get("how")),
            "stale": feed_rows.dual_time(stale, KST) if isinstance(stale, int) and not isinstance(stale, bool) else "",
            "chat": _text(chat),
            "unit": self._unit_text(unit),
            "other": "\n".join(f"{k}: {_text(v)}" for k, v in sorted(other.items())),
        }

    def _unit_text(self, unit: dict) -> str:
        t = unit.get("t_ms")
        if not isinstance(t, int):
            return ""
        text = self.tr("last report %1").replace("%1", feed_rows.dual_time(t, KST))
        stale = unit.get("stale_ms")
        if isinstance(stale, int):
            text += "\n" + self.tr("stale after %1").replace("%1", feed_rows.dual_time(stale, KST))
        return text

    # -- opening the source ---------------------------------------------------------------

    def open_source(self) -> bool:
        """Ask, then open the item's web address; True if it was handed to the browser."""
        if not self._url:
            return False
        url = QUrl(self._url, QUrl.ParsingMode.StrictMode)
        # Checked again as Qt parses it: what gets opened is what was checked.
        if not url.isValid() or url.scheme().lower() not in feed_rows.WEB_SCHEMES or not url.host():
            return False
        shown = bytes(url.toEncoded()).decode("ascii")
        if not self.confirm(shown):
            return False
        self.opener(url)
        return True

    def _ask_to_open(self, url: str) -> bool:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Open source in browser"))
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(self.tr("Open this address in your web browser?") + "\n\n" + url + "\n\n"
                    + self.tr("The page is outside Sitmap and may be hostile."))
        box.setStandardButtons(QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        return box.exec() == QMessageBox.StandardButton.Open


def _fill(template: str, *values: str) -> str:
    """``template`` with %1, %2… replaced by ``values`` in one pass (values are never read as markers)."""
    return re.sub(r"%(\d)", lambda m: values[int(m.group(1)) - 1] if 0 < int(m.group(1)) <= len(values) else m.group(0),
                  template)


def _text(value: object) -> str:
    """A value from ``extra`` as plain display text (nested data as compact JSON)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else str(value)
