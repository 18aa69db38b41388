"""The Campaigns dock: the cache's campaigns, a dialog to add or edit one, and the campaign
view — posts over time, the districts coloured on the map by their count (a ``choropleth``
bridge message: data only), the figures, the top posts by engagement, and a second campaign
side by side. The figures come from :mod:`desktop.campaigns` (Qt-free), read through a
read-only connection of its own. Viewing a campaign is a ``consult`` entry naming its posts;
adding, editing and removing one are ``alter`` entries."""

from __future__ import annotations

import threading
from datetime import datetime

from PySide6.QtCore import QDateTime, QObject, QSize, Qt, QTimer, QTimeZone, Signal
from PySide6.QtGui import QAction, QColor, QPainter
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDateTimeEdit, QDialog, QDialogButtonBox,
                               QFormLayout, QHBoxLayout, QHeaderView, QLineEdit, QPushButton, QSizePolicy,
                               QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from desktop.core.errors import SitmapError
from desktop.core.timefmt import fmt, fmt_range
from desktop.ui.panels.base import Area, Dock, MenuEntry, Panel
from desktop.ui.plain import ask, message, plain_label

KST = QTimeZone(b"Asia/Seoul")


class SeriesChart(QWidget):
    """Posts per bin as bars (like the time slider's histogram), one or two campaigns."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("campaignHistogram")
        self.series: list[list[int]] = []
        self.setMinimumHeight(90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(360, 100)

    def set_series(self, series: list[list[int]]) -> None:
        self.series = [list(s) for s in series]
        self.update()

    def paintEvent(self, _ev) -> None:  # noqa: N802
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().base())
        peak = max((max(s) for s in self.series if s), default=0)
        if not peak:
            return
        w, h = self.width() - 4, self.height() - 6
        colours = (QColor(70, 110, 170), QColor(220, 120, 40, 170))
        for k, s in enumerate(self.series):
            bw = w / max(1, len(s))
            for i, c in enumerate(s):
                if c:
                    bh = h * c / peak
                    p.fillRect(int(2 + i * bw + (bw * 0.5 if k else 0)), int(3 + h - bh),
                               max(1, int(bw * (0.5 if len(self.series) > 1 else 0.85))), max(1, int(bh)), colours[k % 2])
        p.end()


def _table(name: str, headers: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setObjectName(name)
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().setVisible(False)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    return t


def _fill(t: QTableWidget, rows: list[list]) -> None:
    t.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            it = QTableWidgetItem(str(v))  # table cells are plain text
            if isinstance(v, int):
                it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            t.setItem(r, c, it)


class CampaignDialog(QDialog):
    """Name, hashtags, keywords, period (KST) and areas of a campaign."""

    def __init__(self, parent, title: str, campaign=None, span: tuple[int, int] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("campaignDialog")
        form = QFormLayout(self)
        self.name = QLineEdit(objectName="campaignName")
        self.tags = QLineEdit(objectName="campaignTags")
        self.tags.setPlaceholderText("#busanpolice #byhand #kids")
        self.keywords = QLineEdit(objectName="campaignKeywords")
        self.keywords.setPlaceholderText(self.tr("words, separated by commas"))
        self.start = QDateTimeEdit(objectName="campaignFrom")
        self.end = QDateTimeEdit(objectName="campaignTo")
        for e in (self.start, self.end):
            e.setTimeZone(KST)
            e.setDisplayFormat("yyyy-MM-dd HH:mm 'KST'")
            e.setCalendarPopup(True)
        self.areas = QLineEdit(objectName="campaignAreas")
        self.areas.setPlaceholderText(self.tr("saved areas or districts, separated by commas (empty: anywhere)"))
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Hashtags"), self.tags)
        form.addRow(self.tr("Keywords"), self.keywords)
        form.addRow(self.tr("From"), self.start)
        form.addRow(self.tr("To"), self.end)
        form.addRow(self.tr("Areas"), self.areas)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        a, b = span or (0, 3_600_000)
        if campaign is not None:
            self.name.setText(campaign.name)
            self.tags.setText(" ".join("#" + t for t in campaign.hashtags))
            self.keywords.setText(", ".join(campaign.keywords))
            a, b = campaign.from_ms, campaign.to_ms
            self.areas.setText(", ".join(v for _, v in campaign.areas))
        self.start.setDateTime(QDateTime.fromMSecsSinceEpoch(a, KST))
        self.end.setDateTime(QDateTime.fromMSecsSinceEpoch(b, KST))

    def values(self) -> dict:
        return {"name": self.name.text(), "hashtags": [t for t in self.tags.text().replace(",", " ").split() if t.strip("#")],
                "keywords": [k.strip() for k in self.keywords.text().split(",") if k.strip()],
                "from_ms": int(self.start.dateTime().toMSecsSinceEpoch()),
                "to_ms": int(self.end.dateTime().toMSecsSinceEpoch()),
                "areas": [a.strip() for a in self.areas.text().split(",") if a.strip()]}


class _Figures(QObject):
    """Carries figures computed on a helper thread back to the window's thread."""

    ready = Signal(object)  # (generation, figures, other) or (generation, SitmapError)


class CampaignsPanel(Panel):
    name = "campaigns"
    # New rows (a live feed, an import) refresh the shown campaign at most this often, only
    # while the dock is visible, computed on a helper thread: computing the figures on the
    # window's thread at every index update stalled it for seconds under a live flood.
    # 0: on the window's thread at every index update (the earlier design).
    live_refresh_ms = 5000

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.figures = None
        self.other = None
        w = self.widget = QWidget()
        w.setObjectName("campaignsPanel")
        top = QHBoxLayout()
        self.list = QComboBox(objectName="campaignList")
        self.list.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.list.setMinimumContentsLength(14)
        self.add_btn = QPushButton(self.tr("New…"), objectName="campaignNew")
        self.edit_btn = QPushButton(self.tr("Edit…"), objectName="campaignEdit")
        self.remove_btn = QPushButton(self.tr("Remove"), objectName="campaignRemove")
        self.report_btn = QPushButton(self.tr("Report…"), objectName="campaignReport")
        top.addWidget(self.list, 1)
        for b in (self.add_btn, self.edit_btn, self.remove_btn, self.report_btn):
            top.addWidget(b)
        second = QHBoxLayout()
        self.compare = QComboBox(objectName="campaignCompare")
        self.on_map = QCheckBox(self.tr("Districts on the map"), objectName="campaignOnMap")
        self.on_map.setChecked(True)
        # By what the posts are counted: a built-in level, or the boundary file loaded on the
        # map (Districts… → From a file), e.g. a police station's precincts.
        self.by = QComboBox(objectName="campaignDistricts")
        for label, level in ((self.tr("시군구 (built-in)"), "sigungu"), (self.tr("시도 (built-in)"), "sido"),
                             (self.tr("읍면동 (built-in)"), "emd")):
            self.by.addItem(label, level)
        self._boundary_sets: dict = {}  # path -> desktop.campaigns.figures.BoundarySet, read once
        self._seen = False  # the user has looked at the dock this session (the map is coloured from then)
        second.addWidget(plain_label(self.tr("Compare with")))
        second.addWidget(self.compare, 1)
        second.addWidget(self.by)
        second.addWidget(self.on_map)
        self.summary = plain_label()
        self.summary.setObjectName("campaignSummary")
        self.summary.setWordWrap(True)
        self.chart = SeriesChart()
        self.table = _table("campaignFigures", [self.tr("Figure"), "A", "B"])
        self.districts = _table("campaignDistricts", [self.tr("District"), self.tr("In"), self.tr("Exact"),
                                                      self.tr("Place"), self.tr("Inferred"), self.tr("Possibly in")])
        self.top = _table("campaignTopPosts", [self.tr("Time"), self.tr("Author"), self.tr("Engagement"),
                                               self.tr("Text")])
        split = QSplitter(Qt.Orientation.Vertical)
        for t in (self.table, self.districts, self.top):
            split.addWidget(t)
        lay = QVBoxLayout(w)
        lay.addLayout(top)
        lay.addLayout(second)
        lay.addWidget(self.summary)
        lay.addWidget(self.chart)
        lay.addWidget(split, 1)
        self.by.currentIndexChanged.connect(lambda _i: self.show_selected())
        self.session.events.connect("boundaries", self._boundaries_loaded)
        self.list.currentIndexChanged.connect(lambda _i: self.show_selected())
        self.compare.currentIndexChanged.connect(lambda _i: self.show_selected())
        self.on_map.toggled.connect(lambda _on: self._send_map())
        self.add_btn.clicked.connect(self.add_campaign)
        self.edit_btn.clicked.connect(self.edit_campaign)
        self.remove_btn.clicked.connect(self.remove_campaign)
        self.report_btn.clicked.connect(self.ask_report)
        self._loading = False
        self._stale = False  # rows came in while the dock was hidden
        self._gen = 0  # the newest figures asked for; older answers are dropped
        self._busy = False
        self._carrier = _Figures()
        self._carrier.ready.connect(self._refreshed)
        self._live_timer = QTimer(ctx.window, singleShot=True)
        self._live_timer.timeout.connect(self._live_refresh)
        self._watching = False

    def docks(self) -> list[Dock]:
        return [Dock("campaignsDock", self.tr("Campaigns"), self.widget, Area.RightDockWidgetArea,
                     tabify_with="feedDock")]

    def _on_screen(self) -> bool:
        """The dock is on screen: shown, and its tab the current one (a dock behind another
        tab is 'visible' to Qt, with nothing of it on screen)."""
        return self.widget.isVisible() and not self.widget.visibleRegion().isEmpty()

    # -- by what districts -------------------------------------------------------------------
    def _boundaries_loaded(self, path) -> None:
        """A boundary file loaded on the map becomes a choice (and the choice, when the dock is
        on screen: the user is looking at both)."""
        if not path:
            return
        from pathlib import Path

        name = self.tr("{file} (loaded)").format(file=Path(path).name)
        i = self.by.findData(str(path))
        if i < 0:
            self.by.addItem(name, str(path))
            i = self.by.count() - 1
        if self._on_screen():
            self.by.setCurrentIndex(i)

    def _counting(self) -> dict:
        """compute()'s keywords for the choice: a built-in level, or the loaded file's features."""
        choice = self.by.currentData() or "sigungu"
        if choice in ("sido", "sigungu", "emd"):
            return {"level": choice}
        bs = self._boundary_sets.get(choice)
        if bs is None:
            from desktop.campaigns.figures import BoundarySet
            from desktop.core.geo import GeoError

            try:
                bs = BoundarySet.read(choice)
            except GeoError as exc:
                from desktop.campaigns.store import CampaignError

                raise CampaignError(str(exc)) from None
            self._boundary_sets[choice] = bs
        return {"boundaries": bs}

    def actions(self) -> list[MenuEntry]:
        act = QAction(self.tr("Campaigns"), self.ctx.window)
        act.setObjectName("campaignsAction")
        act.triggered.connect(self.raise_dock)
        return [MenuEntry("tools", act)]

    def raise_dock(self) -> None:
        dock = self.ctx.window.findChild(QWidget, "campaignsDock")
        if dock is not None:
            dock.show()
            dock.raise_()
        self.reload()

    def on_index(self, info: dict | None = None, *_args) -> None:
        if info and info.get("added") and self.live_refresh_ms > 0:
            if not self._live_timer.isActive():
                self._live_timer.start(self.live_refresh_ms)
            return
        if not self._on_screen():
            self._stale = True  # a hidden dock is computed when it is shown (the live path's rule)
            self._watch()
            return
        self.reload()

    def _watch(self) -> None:
        if not self._watching:
            dock = self.ctx.window.findChild(QWidget, "campaignsDock")
            if dock is not None:
                self._watching = True
                dock.visibilityChanged.connect(  # after the dock is on screen
                    lambda shown: shown and self._stale and QTimer.singleShot(0, self._on_shown))

    # -- refreshing for new rows, off the window's thread ---------------------------------
    def _on_shown(self) -> None:
        """A dock shown after data came while it was hidden: the campaigns read (when they never
        were), the shown one's figures refreshed off the window's thread."""
        if self.list.count() == 0:
            self._stale = False
            self.reload()
        else:
            self._live_refresh()

    def _live_refresh(self) -> None:
        self._watch()
        name = self.list.currentText()
        if not name or self._loading:
            return
        if not self._on_screen():
            self._stale = True  # refreshed when the dock is shown
            return
        if self._busy:  # one computation at a time; ask again later
            self._live_timer.start(self.live_refresh_ms)
            return
        self._stale = False
        self._busy = True
        self._gen += 1
        gen, other = self._gen, self.compare.currentText() if self.compare.currentIndex() > 0 else ""
        try:
            counting = self._counting()
        except SitmapError as exc:
            self._busy = False
            self.summary.setText(str(exc))
            return
        threading.Thread(target=self._compute, args=(gen, name, other, counting), name="sitmap-campaign-figures",
                         daemon=True).start()

    def _compute(self, gen: int, name: str, other: str, counting: dict) -> None:  # helper thread
        from desktop.campaigns import compute, get

        try:
            with self._conn() as cache:
                f = compute(cache.conn, get(cache.conn, name), **counting)
                g = compute(cache.conn, get(cache.conn, other), **counting) if other and other != name else None
            out = (gen, f, g)
        except SitmapError as exc:
            out = (gen, exc)
        except Exception as exc:  # a helper thread reports, never dies silently
            out = (gen, SitmapError(f"cannot compute the campaign's figures: {exc}"))
        self._carrier.ready.emit(out)

    def _refreshed(self, out) -> None:
        self._busy = False
        if out[0] != self._gen:
            return  # the user chose another campaign meanwhile (or the window closed)
        if len(out) == 2:
            self.summary.setText(str(out[1]))
            return
        # The campaign the user consulted (its consult entry was written then), with newer rows.
        def same(a, b) -> bool:
            if a is None or b is None:
                return a is b
            ja, jb = a.to_json(), b.to_json()
            ja.pop("computed_ms", None), jb.pop("computed_ms", None)
            return ja == jb

        if same(out[1], self.figures) and same(out[2], self.other):
            return  # rows came that are not the campaign's (a flood of unit reports): nothing to redraw
        self.figures, self.other = out[1], out[2]
        self._show()

    def shutdown(self) -> None:
        super().shutdown()
        self._live_timer.stop()
        self._gen += 1  # a computation still running is not shown

    # -- data ----------------------------------------------------------------------------
    def _conn(self):
        from desktop.cache import Cache

        return Cache.open_readonly(self.ctx.db_path)

    def reload(self, select: str | None = None) -> None:
        from desktop.campaigns import list_campaigns

        try:
            with self._conn() as cache:
                names = [c.name for c in list_campaigns(cache.conn)]
        except SitmapError as exc:
            self.summary.setText(str(exc))
            return
        keep = select or self.list.currentText()
        other = self.compare.currentText()
        self._loading = True
        self.list.clear()
        self.list.addItems(names)
        self.compare.clear()
        self.compare.addItem(self.tr("(none)"))
        self.compare.addItems(names)
        if keep in names:
            self.list.setCurrentText(keep)
        if other in names:
            self.compare.setCurrentText(other)
        self._loading = False
        self.show_selected()

    def show_selected(self) -> None:
        if self._loading:
            return
        self._gen += 1  # a refresh still computing for the previous choice is not shown
        from desktop.campaigns import compute, get

        name = self.list.currentText()
        other = self.compare.currentText() if self.compare.currentIndex() > 0 else ""
        if not name:
            self.figures = self.other = None
            self._show()
            return
        try:
            counting = self._counting()
            with self._conn() as cache:
                self.figures = compute(cache.conn, get(cache.conn, name), **counting)
                self.other = compute(cache.conn, get(cache.conn, other), **counting) \
                    if other and other != name else None
        except SitmapError as exc:
            self.figures = self.other = None
            self.summary.setText(str(exc))
            return
        ids = set(self.figures.ids.tolist()) | (set(self.other.ids.tolist()) if self.other else set())
        from desktop.cache.erase import id_ranges

        objects = {"campaign": name, "items": id_ranges(ids)}
        if self.other is not None:
            objects["compared_with"] = self.other.campaign.name
        self.record("record", "consult", objects=objects, detail={"view": "campaign"})
        self._show()

    def _show(self) -> None:
        f, g = self.figures, self.other
        if f is None:
            self.summary.setText(self.tr("No campaign. New… defines one by its hashtags and period."))
            self.chart.set_series([])
            for t in (self.table, self.districts, self.top):
                t.setRowCount(0)
            self._send_map()
            return
        c = f.campaign
        self.summary.setText(self.tr("{name}: {tags}, {period} ({utc}); {n} posts").format(
            name=c.name, tags=" ".join("#" + t for t in c.hashtags) + (" " + ", ".join(c.keywords) if c.keywords else ""),
            period=fmt_range(c.from_ms, c.to_ms), utc=fmt_range(c.from_ms, c.to_ms, "UTC"), n=f.posts))
        series = [f.bins]
        if g is not None and g.bin_ms == f.bin_ms:
            series.append(g.bins)
        self.chart.set_series(series)
        from desktop.campaigns.figures import COMPARE_ROWS

        labels = {"posts": self.tr("Posts"), "unique authors": self.tr("Unique authors"),
                  "new authors": self.tr("New authors"), "returning authors": self.tr("Returning authors"),
                  "exact": self.tr("Located exactly"), "by place": self.tr("Located by place"),
                  "by inference": self.tr("Located by inference"), "not located": self.tr("Not located"),
                  "in districts": self.tr("In a district"), "districts reached": self.tr("Districts with posts"),
                  "posts with engagement counts": self.tr("Posts with engagement counts"),
                  "engagement": self.tr("Engagement"), "impressions (estimated)": self.tr("Impressions (estimated)"),
                  "busiest bin": self.tr("Busiest interval"), "authors in both": self.tr("Authors in both")}
        self.table.setHorizontalHeaderLabels([self.tr("Figure"), c.name, g.campaign.name if g else ""])
        self.table.setColumnHidden(2, g is None)
        rows = [[labels.get(label, label), get(f), get(g) if g else ""] for label, get in COMPARE_ROWS]
        if g is not None:
            shared = len(f.author_keys & g.author_keys)
            rows.append([labels["authors in both"], shared, shared])
        _fill(self.table, rows)
        _fill(self.districts, [[d["name"], d["in"], d["exact"], d["place"], d["inferred"], d["possibly_in"]]
                               for d in f.districts])
        _fill(self.top, [[fmt(p["t_ms"]), p["author"] or "", p["engagement"], " ".join((p["text"] or "").split())]
                         for p in f.top_posts])
        self._send_map()

    def _send_map(self) -> None:
        from desktop.ui.bridge import choropleth_message

        f = self.figures
        # On the map once the user has looked at the campaigns (the dock shown this session),
        # and while "Districts on the map" stays checked: not at start, unasked.
        self._seen = self._seen or self._on_screen()
        show = f is not None and self.on_map.isChecked() and self._seen
        key = "key" if f is not None and f.level == "loaded" else "code"
        counts = {d[key]: d["in"] for d in f.districts if d["in"]} if show else None
        self.ctx.bridge.send(choropleth_message(f.level if f is not None else "sigungu", counts))

    # -- changes -------------------------------------------------------------------------
    def _span(self) -> tuple[int, int] | None:
        s = self.ctx.session
        return s.window if getattr(s, "window", None) else None

    def _save(self, dlg: CampaignDialog, old: str | None) -> bool:
        from desktop.campaigns import store

        v = dlg.values()
        try:
            if old is None:
                c = store.add(self.ctx.writer(), v["name"], hashtags=v["hashtags"], keywords=v["keywords"],
                              from_ms=v["from_ms"], to_ms=v["to_ms"], areas=v["areas"],
                              by=self.ctx.session.operator or None)
            else:
                c = store.update(self.ctx.writer(), old, new_name=v["name"], hashtags=v["hashtags"],
                                 keywords=v["keywords"], from_ms=v["from_ms"], to_ms=v["to_ms"], areas=v["areas"])
        except SitmapError as exc:
            message(self.ctx.window, self.tr("Campaign"), str(exc))
            return False
        self.record("record", "alter", objects={"campaign": c.name},
                    detail={"change": "campaign add" if old is None else "campaign edit", "hashtags": list(c.hashtags),
                            "keywords": list(c.keywords), "from_ms": c.from_ms, "to_ms": c.to_ms,
                            "areas": [{k: a} for k, a in c.areas]})
        self.reload(select=c.name)
        return True

    def add_campaign(self) -> None:
        dlg = CampaignDialog(self.ctx.window, self.tr("New campaign"), span=self._span())
        while dlg.exec() == QDialog.DialogCode.Accepted:
            if self._save(dlg, None):
                return

    def edit_campaign(self) -> None:
        from desktop.campaigns import get

        if self.figures is None:
            return
        with self._conn() as cache:
            c = get(cache.conn, self.figures.campaign.name)
        dlg = CampaignDialog(self.ctx.window, self.tr("Edit campaign"), c)
        while dlg.exec() == QDialog.DialogCode.Accepted:
            if self._save(dlg, c.name):
                return

    def ask_report(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        if self.figures is None:
            return
        path, _ = QFileDialog.getSaveFileName(self.ctx.window, self.tr("Campaign report"), "",
                                              self.tr("PDF report (*.pdf);;JSON (*.json);;CSV (*.csv)"))
        if path:
            self.write_report(path)

    def write_report(self, path: str, lang: str | None = None) -> bool:
        """The shown campaign's figures (and the compared one's, side by side) to ``path``: a
        PDF, JSON or CSV by its suffix; a ``disclose`` entry names the posts it covers."""
        from pathlib import Path

        from desktop.campaigns import compare

        f, g = self.figures, self.other
        if f is None:
            return False
        fmt_name = Path(path).suffix.lower().lstrip(".")
        cmp = compare(f, g) if g is not None else None
        if lang is None:  # the window's language (Korean unless the window speaks English)
            from PySide6.QtWidgets import QApplication

            lang = "ko" if getattr(QApplication.instance(), "_sitmap_translators", None) else "en"
        try:
            if fmt_name == "pdf":
                from desktop.report.campaign import build_campaign_report

                build_campaign_report(f.to_json(), path, lang=lang, operator=self.ctx.session.operator or "",
                                      purpose=self.ctx.session.purpose or "", comparison=cmp)
            elif fmt_name in ("json", "csv"):
                from desktop.exports.campaign import write

                write(f.to_json(), path, fmt_name, cmp)
            else:
                raise SitmapError(f"{path}: a campaign report is .pdf, .json or .csv")
        except SitmapError as exc:
            message(self.ctx.window, self.tr("Campaign report"), str(exc))
            return False
        ids = set(f.ids.tolist()) | (set(g.ids.tolist()) if g is not None else set())
        detail = {"format": f"campaign {fmt_name}", "file": str(path), "count": f.posts}
        if g is not None:
            detail["compared_with"] = g.campaign.name
        self.record("disclosed", sorted(ids), detail, campaign=f.campaign.name)
        self.ctx.status(self.tr("Campaign report written: {path}").format(path=path))
        return True

    def remove_campaign(self) -> None:
        from desktop.campaigns import store

        name = self.list.currentText()
        if not name or not ask(self.ctx.window, self.tr("Remove campaign"),
                               self.tr("Remove the campaign {name}? Its posts stay.").format(name=name)):
            return
        try:
            store.remove(self.ctx.writer(), name)
        except SitmapError as exc:
            message(self.ctx.window, self.tr("Campaign"), str(exc))
            return
        self.record("record", "alter", objects={"campaign": name}, detail={"change": "campaign remove"})
        self.reload()


PANEL = CampaignsPanel
