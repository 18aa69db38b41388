"""The filter panel: search, kinds, sources, precision, top hashtags and areas.

It owns no filter logic: what the user chooses goes into the session, and the panel
shows what the session holds (so a filter set elsewhere, e.g. restored or from an alert,
shows here too) with the counts it is given.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QLabel,
    QMenu,
    QSlider,
    QToolButton,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.geo import Area
from desktop.core.triage import PRIORITIES, STATES
from desktop.session import Session
from desktop.ui.feed_model import triage_names
from desktop.ui.plain import plain_tooltip

PRECISIONS = ("exact", "place", "inferred", "unknown")
CONFIDENCE_STEPS = 20  # the confidence slider moves in steps of 0.05 (0 = no minimum)


class FiltersPanel(QWidget):
    drawRequested = Signal(str)  # noqa: N815
    loadBoundaryRequested = Signal()  # noqa: N815
    saveAreaRequested = Signal(str)  # noqa: N815
    removeAreaRequested = Signal(str)  # noqa: N815
    zoomToAreaRequested = Signal(str)  # noqa: N815

    def __init__(self, session: Session | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filtersPanel")
        self.session = session if session is not None else Session()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)

        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText(self.tr("Search text, Hangul included (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self._text_changed)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.search.returnPressed.connect(self._text_changed)
        lay.addWidget(self.search)

        show = QGroupBox(self.tr("Show"))
        sl = QVBoxLayout(show)
        self.kind_posts = QCheckBox(self.tr("Public posts"), checked=True)
        self.kind_field = QCheckBox(self.tr("Officer field updates"), checked=True)
        for cb in (self.kind_posts, self.kind_field):
            cb.toggled.connect(self._kind_toggled)
            sl.addWidget(cb)
        prow = QHBoxLayout()
        self.precision_boxes: dict[str, QCheckBox] = {}
        labels = {"exact": self.tr("exact"), "place": self.tr("place-only"), "inferred": self.tr("inferred"),
                  "unknown": self.tr("no position")}
        for p in PRECISIONS:
            cb = QCheckBox(labels[p], checked=True)
            cb.setToolTip(self.tr("Location precision"))
            cb.toggled.connect(self._precision_toggled)
            self.precision_boxes[p] = cb
            prow.addWidget(cb)
        sl.addLayout(prow)
        # Location confidence: hides weak guesses (place and inferred positions), in 0.05 steps.
        crow = QHBoxLayout()
        self.confidence = QSlider(Qt.Orientation.Horizontal)
        self.confidence.setObjectName("minConfidence")
        self.confidence.setRange(0, CONFIDENCE_STEPS)
        self.confidence.setPageStep(2)
        self.confidence.setToolTip(self.tr("Hide place and inferred positions less sure than this "
                                           "(exact positions always show; a place from the source counts as 0.5)"))
        self.confidence_label = QLabel()
        self.confidence_label.setObjectName("minConfidenceLabel")
        self.confidence_label.setTextFormat(Qt.TextFormat.PlainText)
        self.confidence.valueChanged.connect(self._confidence_moved)
        self._confidence_debounce = QTimer(self, singleShot=True, interval=150)
        self._confidence_debounce.timeout.connect(self._confidence_changed)
        crow.addWidget(self.confidence_label)
        crow.addWidget(self.confidence, 1)
        sl.addLayout(crow)
        self._show_confidence(self.session.min_confidence)
        # Triage: none ticked means every state (priority); the button says what is chosen.
        trow = QHBoxLayout()
        names = triage_names()
        self.state_button, self.state_actions = self._choice_button("stateFilter", STATES, names.state, "states")
        self.priority_button, self.priority_actions = self._choice_button("priorityFilter", PRIORITIES,
                                                                          names.priority, "priorities")
        trow.addWidget(self.state_button)
        trow.addWidget(self.priority_button)
        trow.addStretch(1)
        sl.addLayout(trow)
        lay.addWidget(show)

        src = QGroupBox(self.tr("Sources"))
        srl = QVBoxLayout(src)
        self.sources = QListWidget()
        self.sources.setMaximumHeight(90)
        self.sources.itemChanged.connect(lambda _i: self._sources_toggled())
        srl.addWidget(self.sources)
        lay.addWidget(src)

        tags = QGroupBox(self.tr("Hashtags in the window"))
        tl = QVBoxLayout(tags)
        self.tags = QListWidget()
        self.tags.setObjectName("hashtags")
        self.tags.itemChanged.connect(self._tag_toggled)
        tl.addWidget(self.tags)
        lay.addWidget(tags, 2)

        areas = QGroupBox(self.tr("Areas"))
        al = QVBoxLayout(areas)
        row = QHBoxLayout()
        for mode, text in (("polygon", self.tr("Polygon")), ("rectangle", self.tr("Rectangle")), ("circle", self.tr("Circle"))):
            b = QPushButton(text)
            b.setObjectName(f"draw_{mode}")
            b.setToolTip(self.tr("Draw an area on the map (Esc cancels)"))
            b.clicked.connect(lambda _c=False, m=mode: self.drawRequested.emit(m))
            row.addWidget(b)
        al.addLayout(row)
        self.area_tree = QTreeWidget()
        self.area_tree.setObjectName("areas")
        self.area_tree.setColumnCount(4)
        self.area_tree.setHeaderLabels([self.tr("Area"), self.tr("Items"), self.tr("Exclude"), self.tr("Outline")])
        self.area_tree.setRootIsDecorated(False)
        self.area_tree.itemChanged.connect(self._area_item_changed)
        # Room for six areas, and every column readable: the name takes what is left.
        self.area_tree.setMinimumHeight(self.area_tree.fontMetrics().height() * 8 + 12)
        hdr = self.area_tree.header()
        hdr.setStretchLastSection(False)
        hdr.setSectionResizeMode(0, hdr.ResizeMode.Stretch)
        for c in (1, 2, 3):
            hdr.setSectionResizeMode(c, hdr.ResizeMode.ResizeToContents)
        self.area_tree.itemDoubleClicked.connect(lambda it, _c: self.zoomToAreaRequested.emit(it.data(0, Qt.ItemDataRole.UserRole)))
        al.addWidget(self.area_tree)
        row2 = QHBoxLayout()
        load = QPushButton(self.tr("Districts…"))
        load.setObjectName("load_boundaries")
        load.setToolTip(self.tr("Pick districts: the built-in Korean districts (시도, 시군구, 읍면동) or a boundary file"))
        load.clicked.connect(self.loadBoundaryRequested)
        save = QPushButton(self.tr("Save"))
        save.setToolTip(self.tr("Save the selected area in the cache"))
        save.clicked.connect(lambda: self._with_current(self.saveAreaRequested))
        rm = QPushButton(self.tr("Remove"))
        rm.clicked.connect(lambda: self._with_current(self.removeAreaRequested))
        for b in (load, save, rm):
            row2.addWidget(b)
        al.addLayout(row2)
        lay.addWidget(areas, 2)

        self._top_tags: list[tuple[str, int]] = []
        self._counts: dict[str, int] = {}
        self._detail: dict[str, dict] = {}
        ss = self.session
        ss.events.connect("areas", lambda _a: self._show_areas())
        ss.events.connect("hashtags", lambda _t: self.set_top_tags(self._top_tags))
        ss.events.connect("known_sources", self.set_sources)
        ss.events.connect("text", self._show_text)
        ss.events.connect("kinds", self._show_kinds)
        ss.events.connect("precisions", self._show_precisions)
        ss.events.connect("min_confidence", self._show_confidence)
        ss.events.connect("states", lambda _v: self._show_choice("states"))
        ss.events.connect("priorities", lambda _v: self._show_choice("priorities"))
        self._show_choice("states")
        self._show_choice("priorities")

    # widget → session ---------------------------------------------------------------
    def _text_changed(self) -> None:
        self._debounce.stop()
        self.session.text = self.search.text().strip()

    def _sources_toggled(self) -> None:
        self.session.sources = self.selected_sources()

    def _precision_toggled(self, _on: bool) -> None:
        on = tuple(p for p, cb in self.precision_boxes.items() if cb.isChecked())
        self.session.precisions = () if len(on) == len(PRECISIONS) else on

    def _confidence_moved(self, step: int) -> None:
        self.confidence_label.setText(self.tr("Location confidence ≥ %1").replace("%1", f"{step / CONFIDENCE_STEPS:.2f}"))
        self._confidence_debounce.start()

    def _confidence_changed(self) -> None:
        self._confidence_debounce.stop()
        step = self.confidence.value()
        self.session.min_confidence = None if step == 0 else step / CONFIDENCE_STEPS

    def min_confidence(self) -> float | None:
        step = self.confidence.value()
        return None if step == 0 else step / CONFIDENCE_STEPS

    def _show_confidence(self, value: float | None) -> None:
        step = 0 if value is None else int(round(value * CONFIDENCE_STEPS))
        self.confidence.blockSignals(True)
        self.confidence.setValue(step)
        self.confidence.blockSignals(False)
        self.confidence_label.setText(self.tr("Location confidence ≥ %1").replace("%1", f"{step / CONFIDENCE_STEPS:.2f}"))

    def _choice_button(self, name: str, values: tuple[str, ...], label, field: str):
        """A menu button of checkable values bound to the session field ``field``."""
        button = QToolButton()
        button.setObjectName(name)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(button)
        actions = {}
        for v in values:
            a = menu.addAction(label(v))
            a.setCheckable(True)
            a.setData(v)
            a.toggled.connect(lambda _on, f=field: self._choice_toggled(f))
            actions[v] = a
        button.setMenu(menu)
        return button, actions

    def _choice_toggled(self, field: str) -> None:
        actions = self.state_actions if field == "states" else self.priority_actions
        setattr(self.session, field, tuple(v for v, a in actions.items() if a.isChecked()))

    # session → widget ---------------------------------------------------------------
    def _show_choice(self, field: str) -> None:
        names = triage_names()
        if field == "states":
            actions, button, label, head = self.state_actions, self.state_button, names.state, self.tr("State")
        else:
            actions, button, label, head = self.priority_actions, self.priority_button, names.priority, self.tr("Priority")
        chosen = getattr(self.session, field)
        for v, a in actions.items():
            a.blockSignals(True)
            a.setChecked(v in chosen)
            a.blockSignals(False)
        what = "/".join(label(v) for v in chosen) if chosen else self.tr("all")
        button.setText(self.tr("{field}: {values}").format(field=head, values=what))

    def _show_text(self, text: str) -> None:
        if self.search.text().strip() != text:
            self.search.blockSignals(True)
            self.search.setText(text)
            self.search.blockSignals(False)

    def _show_kinds(self, kinds: tuple[str, ...]) -> None:
        for cb, k in ((self.kind_posts, "post"), (self.kind_field, "field_update")):
            cb.blockSignals(True)
            cb.setChecked(not kinds or k in kinds)
            cb.blockSignals(False)

    def _show_precisions(self, precs: tuple[str, ...]) -> None:
        for p, cb in self.precision_boxes.items():
            cb.blockSignals(True)
            cb.setChecked(not precs or p in precs)
            cb.blockSignals(False)

    # sources and tags -------------------------------------------------------------
    def set_sources(self, sources: list[str]) -> None:
        # Remember what the user turned off, not what is on: a source that appears later
        # (a live feed starting) must show up, not be hidden by an old choice.
        off = {self.sources.item(i).text() for i in range(self.sources.count())
               if self.sources.item(i).checkState() != Qt.CheckState.Checked}
        self.sources.blockSignals(True)
        self.sources.clear()
        for s in sources:
            it = QListWidgetItem(s)
            it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            it.setCheckState(Qt.CheckState.Unchecked if s in off else Qt.CheckState.Checked)
            self.sources.addItem(it)
        self.sources.blockSignals(False)
        if self.session.known_sources != tuple(sources):
            self.session.known_sources = tuple(sources)
        self.session.sources = self.selected_sources()

    def selected_sources(self, all_if_none: bool = True) -> tuple[str, ...]:
        items = [self.sources.item(i) for i in range(self.sources.count())]
        on = tuple(i.text() for i in items if i.checkState() == Qt.CheckState.Checked)
        if all_if_none and len(on) == len(items):
            return ()  # all sources: no restriction (new sources appear without surprises)
        return on

    def set_top_tags(self, tags: list[tuple[str, int]]) -> None:
        """Refresh the list; checked tags stay listed (with their count in the window) on top."""
        self._top_tags = list(tags)
        counts = dict(tags)
        active = self.session.hashtags
        self.tags.blockSignals(True)
        self.tags.clear()
        ordered = [(t, counts.get(t, 0)) for t in active] + [(t, n) for t, n in tags if t not in active]
        for t, n in ordered:
            it = QListWidgetItem(f"#{t}  {n:,}")
            it.setData(Qt.ItemDataRole.UserRole, t)
            it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            it.setCheckState(Qt.CheckState.Checked if t in active else Qt.CheckState.Unchecked)
            self.tags.addItem(it)
        self.tags.blockSignals(False)

    def _tag_toggled(self, it: QListWidgetItem) -> None:
        t = it.data(Qt.ItemDataRole.UserRole)
        self.session.toggle_hashtag(t, it.checkState() == Qt.CheckState.Checked)

    def set_active_tags(self, tags: list[str]) -> None:
        self.session.hashtags = tuple(tags)

    def active_tags(self) -> tuple[str, ...]:
        return self.session.hashtags

    def _kind_toggled(self, on: bool) -> None:
        # Keep at least one kind on: an empty map with no hint why helps nobody.
        if not on and not (self.kind_posts.isChecked() or self.kind_field.isChecked()):
            self.sender().setChecked(True)
            return
        self.session.kinds = self.kinds()

    def kinds(self) -> tuple[str, ...]:
        k = []
        if self.kind_posts.isChecked():
            k.append("post")
        if self.kind_field.isChecked():
            k.append("field_update")
        return tuple(k) if len(k) == 1 else ()

    def precisions(self) -> tuple[str, ...]:
        on = tuple(p for p, cb in self.precision_boxes.items() if cb.isChecked())
        return () if len(on) == len(PRECISIONS) else on

    # areas --------------------------------------------------------------------------
    @property
    def areas(self) -> dict[str, Area]:
        return {e.name: e.area for e in self.session.areas}

    def add_area(self, area: Area, active: bool = True, visible: bool = True, saved: bool = False) -> None:
        self.session.add_area(area, active=active, visible=visible, saved=saved)

    def remove_area(self, name: str) -> None:
        self.session.remove_area(name)

    def _items(self):
        return [self.area_tree.topLevelItem(i) for i in range(self.area_tree.topLevelItemCount())]

    def _show_areas(self) -> None:
        """The tree shows the session's areas, in order, keeping the current row."""
        cur = self.area_tree.currentItem()
        current = cur.data(0, Qt.ItemDataRole.UserRole) if cur is not None else None
        C = Qt.CheckState
        self.area_tree.blockSignals(True)
        self.area_tree.clear()
        for e in self.session.areas:
            it = QTreeWidgetItem([e.name, "", "", ""])
            self._show_count(it, e.name)
            it.setData(0, Qt.ItemDataRole.UserRole, e.name)
            it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            it.setCheckState(0, C.Checked if e.active else C.Unchecked)
            it.setCheckState(2, C.Checked if e.area.exclude else C.Unchecked)
            it.setCheckState(3, C.Checked if e.visible else C.Unchecked)
            tip = self.tr("Saved in the cache") if e.saved else self.tr("Not saved")
            if e.area.properties.get("from"):  # e.g. "TAK ANDROID-…": where a received area came from (data)
                tip += "\n" + str(e.area.properties["from"])
            it.setToolTip(0, plain_tooltip(tip))
            self.area_tree.addTopLevelItem(it)
            if e.name == current:
                self.area_tree.setCurrentItem(it)
        self.area_tree.blockSignals(False)

    def _area_item_changed(self, it: QTreeWidgetItem, col: int) -> None:
        name = it.data(0, Qt.ItemDataRole.UserRole)
        on = it.checkState(col) == Qt.CheckState.Checked
        if col == 0:
            self.session.change_area(name, active=on)
        elif col == 2:
            self.session.change_area(name, exclude=on)
        elif col == 3:
            self.session.change_area(name, visible=on)

    def active_areas(self) -> tuple[Area, ...]:
        return self.session.active_areas()

    def area_rows(self) -> list[dict]:
        return [{"name": e.name, "active": e.active, "visible": e.visible, "area": e.area} for e in self.session.areas]

    def set_area_counts(self, counts: dict[str, int], detail: dict[str, dict] | None = None) -> None:
        """Items per area; ``detail`` (mapdata.Result.area_detail) adds exact/place/inferred and
        the place or inferred items only "possibly in" the area (never in its count)."""
        self._counts = dict(counts)
        if detail is not None:
            self._detail = dict(detail)
        self.area_tree.blockSignals(True)
        for i in self._items():
            self._show_count(i, i.data(0, Qt.ItemDataRole.UserRole))
        self.area_tree.blockSignals(False)

    def _show_count(self, it: QTreeWidgetItem, name: str) -> None:
        n = self._counts.get(name)
        d = self._detail.get(name) if n is not None else None
        text = "" if n is None else f"{n:,}"
        tip = ""
        if d:
            if d.get("possibly_in"):
                text = self.tr("%1 (+%2 possibly in)").replace("%1", text).replace("%2", f"{d['possibly_in']:,}")
            tip = (self.tr("exact %1, place %2, inferred %3").replace("%1", f"{d['exact']:,}")
                   .replace("%2", f"{d['place']:,}").replace("%3", f"{d['inferred']:,}"))
            if d.get("possibly_in"):
                tip += "\n" + self.tr("possibly in: %1 more place or inferred items whose circle reaches the area "
                                       "but is too large to count").replace("%1", f"{d['possibly_in']:,}")
        it.setText(1, text)
        it.setToolTip(1, tip)

    def area_count_text(self, name: str) -> tuple[str, str] | None:
        """(text, tooltip) of an area's count cell, for tests and the status bar."""
        it = next((i for i in self._items() if i.data(0, Qt.ItemDataRole.UserRole) == name), None)
        return None if it is None else (it.text(1), it.toolTip(1))

    def _with_current(self, signal) -> None:
        it = self.area_tree.currentItem()
        if it is not None:
            signal.emit(it.data(0, Qt.ItemDataRole.UserRole))
