"""The Time dock: the histogram slider, playback, window presets and live mode.

Writes the session's ``window`` as the user drags, plays or picks a preset; follows the
session's ``window`` when something else moves it (an alert, a restored view), and its
``span`` as the cache grows. Live mode (``session.live``) keeps the window's end at now.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QStyle, QToolButton, QVBoxLayout, QWidget

from desktop.core.timefmt import fmt_range
from desktop.ui.panels.base import Area, Dock, Panel
from desktop.ui.plain import plain_label
from desktop.ui.timeline_widget import TimelineWidget

SPEEDS = [("1×", 1_000), ("10×", 10_000), ("1 min/s", 60_000), ("5 min/s", 300_000), ("15 min/s", 900_000),
          ("1 h/s", 3_600_000), ("6 h/s", 21_600_000)]
LIVE_TICK_MS = 1000


class TimelinePanel(Panel):
    name = "timeline"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.timeline = TimelineWidget()
        self.timeline.setObjectName("timeline")
        self.widget = QWidget()
        lay = QVBoxLayout(self.widget)
        lay.setContentsMargins(6, 2, 6, 4)
        lay.addLayout(self._playback_bar())
        lay.addWidget(self.timeline)
        self._moving = False  # the window is being moved by live mode, not by the user
        self._has_span = False
        self._live_timer = QTimer(self.widget, interval=LIVE_TICK_MS)
        self._live_timer.timeout.connect(self.live_tick)

        self.timeline.windowChanged.connect(self._widget_moved)
        self.timeline.windowCommitted.connect(self._committed)
        self.timeline.playingChanged.connect(lambda on: self.play_btn.setIcon(self._icons["pause" if on else "play"]))
        s = self.session
        s.events.connect("span", self._span_changed)
        s.events.connect("window", self._window_changed)
        s.events.connect("live", self._live_changed)
        s.events.connect("zone", self.timeline.set_display_zone)

    def _playback_bar(self) -> QHBoxLayout:
        row = QHBoxLayout()
        st = self.widget.style()
        SP = QStyle.StandardPixmap
        self._icons = {"play": st.standardIcon(SP.SP_MediaPlay), "pause": st.standardIcon(SP.SP_MediaPause)}
        self.play_btn = QToolButton()
        self.play_btn.setIcon(self._icons["play"])
        self.play_btn.setObjectName("play")
        self.play_btn.setToolTip(self.tr("Play / pause (Space)"))
        self.play_btn.clicked.connect(lambda: self.timeline.toggle_play())
        back = QToolButton()
        back.setIcon(st.standardIcon(SP.SP_MediaSkipBackward))
        back.setToolTip(self.tr("Step back (Left)"))
        back.clicked.connect(lambda: self.timeline.step(-1))
        fwd = QToolButton()
        fwd.setIcon(st.standardIcon(SP.SP_MediaSkipForward))
        fwd.setToolTip(self.tr("Step forward (Right)"))
        fwd.clicked.connect(lambda: self.timeline.step(+1))
        for b in (back, self.play_btn, fwd):
            row.addWidget(b)
        row.addWidget(QLabel(self.tr("Speed")))
        self.speed = QComboBox()
        self.speed.setObjectName("speed")
        for label, v in SPEEDS:
            self.speed.addItem(label, v)
        self.speed.currentIndexChanged.connect(lambda _i: self.timeline.set_play_speed(self.speed.currentData()))
        self.speed.setCurrentIndex(3)
        self.timeline.set_play_speed(self.speed.currentData())  # the box, not the widget's default, rules
        row.addWidget(self.speed)
        row.addSpacing(12)
        for name, label in (("15m", self.tr("15 min")), ("1h", self.tr("1 h")), ("6h", self.tr("6 h")),
                            ("24h", self.tr("24 h")), ("all", self.tr("All"))):
            b = QToolButton(text=label)
            b.setObjectName(f"preset_{name}")
            b.setToolTip(self.tr("Window: last {label}").format(label=label) if name != "all" else self.tr("Whole incident"))
            b.clicked.connect(lambda _c=False, n=name: self.timeline.apply_preset(n))
            row.addWidget(b)
        row.addSpacing(12)
        self.live_btn = QToolButton(text=self.tr("● Live"))
        self.live_btn.setObjectName("live")
        self.live_btn.setCheckable(True)
        self.live_btn.setShortcut(QKeySequence("L"))
        self.live_btn.setToolTip(self.tr("Follow now, keeping the window's width (L); scrubbing back leaves live mode"))
        self.live_btn.toggled.connect(lambda on: setattr(self.session, "live", on))
        row.addWidget(self.live_btn)
        row.addStretch(1)
        self.window_label = plain_label()
        self.window_label.setObjectName("windowLabel")
        row.addWidget(self.window_label)
        return row

    def docks(self) -> list[Dock]:
        return [Dock("timeDock", self.tr("Time"), self.widget, Area.BottomDockWidgetArea)]

    def shortcuts(self):
        """Window-wide keys (the shell installs them): Space plays, the arrows step."""
        from PySide6.QtCore import Qt

        return [(QKeySequence(Qt.Key.Key_Space), self.timeline.toggle_play, self.tr("Play / pause")),
                (QKeySequence(Qt.Key.Key_Left), lambda: self.timeline.step(-1), self.tr("Step back")),
                (QKeySequence(Qt.Key.Key_Right), lambda: self.timeline.step(+1), self.tr("Step forward"))]

    # session → widget ---------------------------------------------------------------
    def _span_changed(self, span) -> None:
        if span is None:
            return
        first = not self._has_span
        self._has_span = True
        # The widget keeps the window on a wider span, and a window that ended at the old
        # end follows the new one (a live incident stays in view as data arrives).
        self.timeline.set_span(*span, emit=False)
        w = self.session.window
        if first and w and None not in w:  # e.g. restored from the last run
            s, e = max(w[0], span[0]), min(w[1], span[1])
            self.timeline.set_window(*((s, e) if s < e else span), emit=False)
        self.session.window = tuple(int(v) for v in self.timeline.window())

    def _window_changed(self, window) -> None:
        if window is None or self.session.span is None or None in window:
            return
        if tuple(self.timeline.window()) != tuple(window):
            self.timeline.set_window(*window, emit=False)
            shown = tuple(int(v) for v in self.timeline.window())
            if shown != tuple(window):  # clamped to the span
                self.session.window = shown

    def _widget_moved(self, start: int, end: int) -> None:
        span = self.session.span
        if span is None:
            return
        with self.session.batch():
            if start < span[0]:  # a preset wider than the data widened the band
                self.session.span = (int(start), span[1])
            self.session.window = (int(start), int(end))

    def _committed(self, start: int, end: int) -> None:
        # A user gesture that moves the window's end away from now leaves live mode.
        span = self.session.span
        if self.session.live and not self._moving and span and end < span[1] - 2_000:
            self.session.live = False

    # live mode ------------------------------------------------------------------------
    def _live_changed(self, on: bool) -> None:
        if self.live_btn.isChecked() != on:
            self.live_btn.setChecked(on)
        self.live_btn.setStyleSheet("QToolButton { color: #dc2626; font-weight: bold; }" if on else "")
        if on:
            self.timeline.pause()
            self._live_timer.start()
            self.live_tick()
        else:
            self._live_timer.stop()

    def on_index(self, info: dict) -> None:
        # New rows merged while live: follow now in the same turn, so the window's move and
        # the rows reach the worker as one request; the periodic tick waits a whole interval
        # again (under a flood it never fires, and each merge is one redraw instead of two).
        if info.get("added") and self.session.live and self._live_timer.isActive():
            self._live_timer.start()
            self.live_tick()

    def live_tick(self, now_ms: int | None = None) -> None:
        span = self.session.span
        if span is None:
            return
        now = int(now_ms if now_ms is not None else time.time() * 1000)
        start, end = self.timeline.window()
        width = max(end - start, 60_000)
        span_end = max(now, span[1])
        self._moving = True
        try:
            self.session.span = (span[0], span_end)
            self.session.window = (span_end - width, span_end)
        finally:
            self._moving = False

    # results --------------------------------------------------------------------------
    def on_result(self, res) -> None:
        if res.histogram is not None:
            bin0, bms, posts, fld = res.histogram
            self.timeline.set_histogram(bin0, bms, posts, fld)
        if res.flt.start_ms is not None:
            self.window_label.setText(fmt_range(res.flt.start_ms, res.flt.end_ms, self.session.zone))

    def restore(self, settings) -> None:
        i = self.speed.findData(int(settings.value("speed", SPEEDS[3][1]) or SPEEDS[3][1]))
        if i >= 0:
            self.speed.setCurrentIndex(i)

    def save(self, settings) -> None:
        settings.setValue("speed", self.speed.currentData())

    def shutdown(self) -> None:
        self._live_timer.stop()
        self.timeline.pause()


PANEL = TimelinePanel
