"""The time slider: a histogram of posts and field updates over the incident's span,
with a two-handled window the commander drags, zooms, steps and plays back.

The arithmetic lives in :mod:`desktop.core.timeline_math`; this module only maps mouse,
keyboard and timer input onto it and paints the result.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import numpy as np
from PySide6.QtCore import QElapsedTimer, QEvent, QPointF, QRect, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import QMenu, QSizePolicy, QToolTip, QWidget

from desktop.core import timeline_math as tm


class TimelineWidget(QWidget):
    """Time window selector over a stacked posts / field-updates histogram.

    Signals carry UTC milliseconds as 64-bit integers (a plain ``int`` signal is 32-bit
    in Qt and would overflow on epoch milliseconds).

    * ``windowChanged(start, end)`` -- on every change: each drag step, wheel notch,
      playback frame, and ``set_window(..., emit=True)``. Start and end always travel
      together, so listeners never see a half-updated window.
    * ``windowCommitted(start, end)`` -- when a gesture settles: mouse release, a short
      pause after wheel zooming, key steps, presets, and playback stopping. Expensive
      work (re-querying the cache) belongs here.
    * ``playingChanged(playing)``.
    """

    windowChanged = Signal("qlonglong", "qlonglong")
    windowCommitted = Signal("qlonglong", "qlonglong")
    playingChanged = Signal(bool)

    POSTS_COLOUR = QColor("#3b82f6")
    UPDATES_COLOUR = QColor("#f59e0b")
    #: Bars outside the window keep this much opacity, so the window reads at a glance.
    DIM_ALPHA = 105
    #: Half of the handle hit area; 7 px gives a 14 px target, comfortable on a touchpad.
    HANDLE_HIT_PX = 7
    MARGIN_X = 14
    FRAME_MS = 50  # ~20 fps playback
    WHEEL_ZOOM = 0.8  # window width factor per wheel notch (towards the user = zoom in)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._t0 = self._t1 = 0
        self._has_span = False
        self._start = self._end = 0
        self._bins = tm.make_bins(0, tm.MINUTE_MS, [], [])
        self._shown: tm.Bins | None = None  # display bins, rebuilt on data/size change
        self._sqrt = False
        self._zone = ZoneInfo("Asia/Seoul")
        self._step_ms: int | None = None
        self.snap_ms = tm.MINUTE_MS  # mouse edits land on whole minutes, as labels show
        self._drag: str | None = None
        self._grab_dx = 0.0
        self._anchor_t = 0.0
        self._press_window = (0, 0)

        self._speed = 10 * tm.MINUTE_MS
        self._carry = 0.0
        self._clock = QElapsedTimer()
        self._timer = self._make_timer(self.FRAME_MS, self._on_frame)
        # Wheel zooming has no release; commit once the wheel has been still a moment.
        self._wheel_commit = self._make_timer(300, self._commit, single_shot=True)

        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(self.tr("Time window"))
        self._update_accessible()

    def _make_timer(self, interval_ms: int, slot, single_shot: bool = False) -> QTimer:
        timer = QTimer(self)
        timer.setInterval(interval_ms)
        timer.setSingleShot(single_shot)
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        timer.timeout.connect(slot)
        return timer

    # ------------------------------------------------------------------ model API

    def set_span(self, t0_ms: int, t1_ms: int, emit: bool = True) -> None:
        """Set the full time range. The first call selects all of it; later calls keep
        the window, and a window that ended at the old span end follows the new end
        (so a live incident stays in view as data arrives)."""
        t0, t1 = int(t0_ms), int(t1_ms)
        if t1 < t0:
            raise ValueError("span end before span start")
        window = self.window() if self._has_span else None
        new_window = tm.refit_window(window, self.span(), t0, t1)
        self._t0, self._t1, self._has_span = t0, t1, True
        self._shown = None
        self.update()  # the scale changed even if the window did not
        self._set(*new_window, emit=emit)

    def span(self) -> tuple[int, int]:
        return self._t0, self._t1

    def window(self) -> tuple[int, int]:
        return self._start, self._end

    def set_window(self, start_ms: int, end_ms: int, emit: bool = True) -> None:
        """Select ``[start, end]`` (clamped to the span, at least one minute wide)."""
        if self._has_span:
            self._set(*tm.clamp_window(int(start_ms), int(end_ms), self._t0, self._t1), emit=emit)

    def select_all(self) -> None:
        self._user_set(self._t0, self._t1)

    def apply_preset(self, name: str, now_ms: int | None = None) -> None:
        """"15m", "1h", "6h", "24h" or "all": a window of that width ending at ``now_ms``
        (when inside the span) or at the span end; the span grows back to fit it."""
        if not self._has_span:
            return
        width = tm.PRESET_WIDTHS.get(name)
        if width is not None and width > self._t1 - self._t0:
            # Less data than the preset: the band still covers the whole preset (empty to
            # the left), so "last 15 min" means 15 minutes, in live mode too.
            self.set_span(self._t1 - width, self._t1, emit=True)
        self._user_set(*tm.preset_window(name, self._t0, self._t1, now_ms))

    def set_histogram(self, bin0_ms: int, bin_ms: int, posts, field_updates) -> None:
        """Counts per bin of ``bin_ms`` starting at ``bin0_ms`` (numpy int arrays of equal
        length). Bins thinner than a few pixels are merged for drawing."""
        self._bins = tm.make_bins(bin0_ms, bin_ms, posts, field_updates)
        self._shown = None
        self.update()

    def set_sqrt_scale(self, on: bool) -> None:
        """Square-root vertical scale, so one spike does not flatten the rest."""
        self._sqrt = bool(on)
        self.update()

    def sqrt_scale(self) -> bool:
        return self._sqrt

    def set_display_zone(self, name: str) -> None:
        """Zone for ticks and labels (an IANA name such as "Asia/Seoul" or "UTC")."""
        self._zone = ZoneInfo(name)
        self._update_accessible()
        self.update()

    def display_zone(self) -> str:
        return self._zone.key

    def set_step_ms(self, ms: int | None) -> None:
        """Fixed step for :meth:`step` and Left/Right; None steps by the window width."""
        self._step_ms = int(ms) if ms else None

    def step(self, direction: int = 1) -> None:
        """Move the window one step forward (+1) or back (-1), keeping its width."""
        size = self._step_ms or (self._end - self._start)
        self._shift(size if direction >= 0 else -size)

    # ------------------------------------------------------------------ playback

    def play(self) -> None:
        """Move the window forward at the play speed until it reaches the span end.
        From the end, playback starts over at the span start."""
        width = self._end - self._start
        if self.is_playing() or not self._has_span or width >= self._t1 - self._t0:
            return
        if self._end >= self._t1:
            self._set(self._t0, self._t0 + width, emit=True)
        self._carry = 0.0
        self._clock.start()
        self._timer.start()
        self.playingChanged.emit(True)

    def pause(self) -> None:
        if self.is_playing():
            self._timer.stop()
            self.playingChanged.emit(False)
            self._commit()

    def toggle_play(self) -> None:
        self.pause() if self.is_playing() else self.play()

    def is_playing(self) -> bool:
        return self._timer.isActive()

    def set_play_speed(self, sim_ms_per_real_s: int) -> None:
        """Simulated milliseconds per real second: 1000 (real time) to 6 hours/s."""
        self._speed = max(tm.MIN_PLAY_SPEED, min(int(sim_ms_per_real_s), tm.MAX_PLAY_SPEED))

    def play_speed(self) -> int:
        return self._speed

    def _on_frame(self) -> None:
        # Advance by real elapsed time, not by tick count, so a busy UI thread slows
        # the frame rate but not the simulated clock; cap catch-up after a long stall.
        self._carry += self._speed * min(self._clock.restart(), 250) / 1000.0
        delta = int(self._carry)
        if delta <= 0:
            return
        self._carry -= delta
        s, e, done = tm.advance(self._start, self._end, delta, self._t0, self._t1)
        self._set(s, e, emit=True)
        if done:
            self.pause()

    # ------------------------------------------------------------------ geometry

    def time_to_x(self, t_ms: float) -> float:
        return self._scale().to_x(t_ms)

    def x_to_time(self, x: float) -> int:
        return int(round(self._scale().to_time(x)))

    def histogram_rect(self) -> QRectF:
        """Where bars, band and handles live; the label row is above, the axis below."""
        line = QFontMetrics(self._small_font()).height()
        top, bottom = line + 5, self.height() - line - 8
        return QRectF(self.MARGIN_X, top, max(1, self.width() - 2 * self.MARGIN_X), max(8, bottom - top))

    def sizeHint(self) -> QSize:
        return QSize(640, 90)

    def minimumSizeHint(self) -> QSize:
        return QSize(200, 72)

    def _scale(self) -> tm.TimeScale:
        r = self.histogram_rect()
        return tm.TimeScale(self._t0, self._t1, r.left(), r.width())

    def _small_font(self) -> QFont:
        font = QFont(self.font())  # the app font, so Korean text has its glyphs
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        return font

    def _display_bins(self) -> tm.Bins:
        if self._shown is None:
            self._shown = tm.display_bins(self._bins, self._t0, self._t1, self.histogram_rect().width())
        return self._shown

    def _hit(self, x: float) -> str:
        """"start", "end", "band" or "outside" for a pointer at ``x``."""
        xs, xe = self.time_to_x(self._start), self.time_to_x(self._end)
        near_s, near_e = abs(x - xs) <= self.HANDLE_HIT_PX, abs(x - xe) <= self.HANDLE_HIT_PX
        if near_s and near_e:  # handles overlap on a narrow window: pick by side
            return "end" if x >= (xs + xe) / 2 else "start"
        if near_s or near_e:
            return "start" if near_s else "end"
        return "band" if xs < x < xe else "outside"

    # ------------------------------------------------------------------ input

    def mousePressEvent(self, event) -> None:
        if not self._has_span or event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        self.pause()  # the user takes over; playback must not fight the drag
        QToolTip.hideText()
        x = event.position().x()
        hit = self._hit(x)
        if hit == "outside":
            t = tm.snap(self._scale().to_time(x), self.snap_ms)
            self._user_set(*tm.centre_window(self._start, self._end, t, self._t0, self._t1), commit=False)
            hit = "band"  # keep the button down to carry on dragging from here
        self._drag = hit
        self._press_window = (self._start, self._end)
        self._anchor_t = self._scale().to_time(x, clamp=False)
        self._grab_dx = x - self.time_to_x(self._start if hit == "start" else self._end)
        self._update_cursor(x)
        event.accept()

    def mouseMoveEvent(self, event) -> None:
        x = event.position().x()
        if self._drag and event.buttons() & Qt.MouseButton.LeftButton:
            scale, g = self._scale(), self.snap_ms
            t = tm.snap(scale.to_time(x - self._grab_dx), g)
            if self._drag == "start":
                window = tm.move_start(t, self._end, self._t0, self._t1)
            elif self._drag == "end":
                window = tm.move_end(self._start, t, self._t0, self._t1)
            else:  # band: offset from the press, so rounding never accumulates drift
                delta = tm.snap(scale.to_time(x, clamp=False) - self._anchor_t, g)
                window = tm.shift_window(*self._press_window, delta, self._t0, self._t1)
            self._set(*window, emit=True)
        elif self._has_span:
            self._update_cursor(x)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._drag and event.button() == Qt.MouseButton.LeftButton:
            self._drag = None
            self._update_cursor(event.position().x())
            self._commit()
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:
        if self._has_span and event.button() == Qt.MouseButton.LeftButton:
            self._drag = None
            self.select_all()

    def wheelEvent(self, event) -> None:
        notches = event.angleDelta().y() / 120.0
        if not self._has_span or notches == 0:
            return super().wheelEvent(event)
        anchor = int(self._scale().to_time(event.position().x()))
        factor = self.WHEEL_ZOOM**notches
        self._set(*tm.zoom_window(self._start, self._end, anchor, factor, self._t0, self._t1), emit=True)
        self._wheel_commit.start()
        event.accept()

    def keyPressEvent(self, event) -> None:
        key, shift = event.key(), bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        width = self._end - self._start
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and self._has_span:
            sign = 1 if key == Qt.Key.Key_Right else -1
            self._shift(sign * max(1, width // 10)) if shift else self.step(sign)
        elif key == Qt.Key.Key_Home and self._has_span:
            self._user_set(self._t0, self._t0 + width)
        elif key == Qt.Key.Key_End and self._has_span:
            self._user_set(self._t1 - width, self._t1)
        elif key == Qt.Key.Key_Space:
            self.toggle_play()
        else:
            return super().keyPressEvent(event)
        event.accept()

    def contextMenuEvent(self, event) -> None:
        menu = QMenu(self)
        menu.addAction(self.tr("Select all"), self.select_all)
        sqrt = menu.addAction(self.tr("Square-root scale"), lambda: self.set_sqrt_scale(not self._sqrt))
        sqrt.setCheckable(True)
        sqrt.setChecked(self._sqrt)
        menu.exec(event.globalPos())

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            x = event.pos().x()
            if self._has_span and not self._drag:
                # A narrow rect: moving on hides the tip, so it never shows a stale bar.
                rect = QRect(x - 3, 0, 7, self.height())
                QToolTip.showText(event.globalPos(), self.hover_text(x), self, rect)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    def resizeEvent(self, event) -> None:
        self._shown = None  # bar merging depends on the pixel width
        super().resizeEvent(event)

    def hover_text(self, x: float) -> str:
        """Tooltip for pointer ``x``: the bar's time range in the display zone and UTC,
        with its counts; just the instant where there is no bar."""
        t = int(self._scale().to_time(x))
        dated = tm.spans_days(self._t0, self._t1, self._zone)
        bins = self._display_bins()
        i = bins.index_at(t)
        if i is None:
            return tm.with_utc(t, None, self._zone, dated)
        a = bins.bin0 + i * bins.bin_ms
        return " \u00b7 ".join((
            tm.with_utc(a, a + bins.bin_ms, self._zone, dated),
            self.tr("posts {n}").format(n=f"{int(bins.posts[i]):,}"),
            self.tr("field updates {n}").format(n=f"{int(bins.updates[i]):,}"),
        ))

    # ------------------------------------------------------------------ state changes

    def _set(self, start: int, end: int, emit: bool) -> None:
        """The single place the window changes, so the signal carries both ends at once."""
        if (start, end) != (self._start, self._end):
            self._start, self._end = int(start), int(end)
            self._update_accessible()
            self.update()
            if emit:
                self.windowChanged.emit(self._start, self._end)

    def _user_set(self, start: int, end: int, commit: bool = True) -> None:
        self._set(*tm.clamp_window(start, end, self._t0, self._t1), emit=True)
        if commit:
            self._commit()

    def _shift(self, delta: int) -> None:
        if self._has_span:
            self._user_set(*tm.shift_window(self._start, self._end, delta, self._t0, self._t1))

    def _commit(self) -> None:
        if self._has_span:
            self.windowCommitted.emit(self._start, self._end)

    def _update_cursor(self, x: float) -> None:
        shapes = Qt.CursorShape
        hit = self._drag or self._hit(x)
        if hit == "band":
            self.setCursor(shapes.ClosedHandCursor if self._drag else shapes.OpenHandCursor)
        else:
            self.setCursor(shapes.PointingHandCursor if hit == "outside" else shapes.SizeHorCursor)

    def _update_accessible(self) -> None:
        keys = self.tr("Left/Right: step; Shift+Left/Right: nudge; Home/End: jump; Space: play or pause.")
        if self._has_span:
            window = tm.format_range(self._start, self._end, self._zone, with_date=True)
            self.setAccessibleDescription(f"{window}. {keys}")
        else:
            self.setAccessibleDescription(keys)

    # ------------------------------------------------------------------ painting

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.WindowText)
        r = self.histogram_rect()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(_alpha(text, 40), 1))
        p.setBrush(pal.color(QPalette.ColorRole.Base))
        p.drawRoundedRect(r.adjusted(-0.5, -0.5, 0.5, 0.5), 3, 3)
        if not self._has_span:
            p.setPen(_alpha(text, 140))
            p.drawText(r, Qt.AlignmentFlag.AlignCenter, self.tr("No timeline data"))
            return
        p.setFont(self._small_font())
        self._paint_axis(p, r, text)
        xs, xe = self.time_to_x(self._start), self.time_to_x(self._end)
        band = QRectF(xs, r.top(), max(1.0, xe - xs), r.height())
        p.fillRect(band, _alpha(pal.color(QPalette.ColorRole.Highlight), 26))
        # The bars, dim outside the window and bright inside it (a bar the handle cuts
        # through is split at the handle), as one image: one call into Qt, not two per bar.
        bars = self._bars_image(r, xs, xe)
        if bars is not None:
            image, left, top, _pixels = bars
            p.save()
            p.setClipRect(r)
            p.drawImage(QPointF(left, top), image)
            p.restore()
        self._paint_handle(p, r, xs, text, pal)
        self._paint_handle(p, r, xe, text, pal)
        self._paint_window_labels(p, xs, xe, text)
        if self.hasFocus():
            p.setPen(QPen(_alpha(pal.color(QPalette.ColorRole.Highlight), 170), 1.2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(r.adjusted(-1.5, -1.5, 1.5, 1.5), 4, 4)

    def _paint_axis(self, p: QPainter, r: QRectF, text: QColor) -> None:
        fm = p.fontMetrics()
        scale = self._scale()
        step = tm.choose_tick_step(self._t1 - self._t0, r.width(), fm.horizontalAdvance("00-00") * 2.2)
        last_right = -1e9
        for t in tm.tick_times(self._t0, self._t1, step, self._zone):
            x = round(scale.to_x(t)) + 0.5
            major = step >= tm.DAY_MS or tm.is_local_midnight(t, self._zone)
            p.setPen(QPen(_alpha(text, 22 if not major else 45), 1))
            p.drawLine(QPointF(x, r.top() + 1), QPointF(x, r.bottom() - 1))
            p.setPen(QPen(_alpha(text, 90), 1))
            p.drawLine(QPointF(x, r.bottom() + 1), QPointF(x, r.bottom() + 4))
            label = tm.format_tick(t, step, self._zone)
            w = fm.horizontalAdvance(label)
            left = min(max(x - w / 2, 2), self.width() - w - 2)
            if left < last_right + 6:  # never overlap the previous label
                continue
            last_right = left + w
            p.setPen(_alpha(text, 230 if major else 160))
            p.drawText(QPointF(left, r.bottom() + 5 + fm.ascent()), label)

    def _bars_image(self, r: QRectF, xs: float, xe: float):
        """The histogram's bars as an RGBA image (with its left and top on the widget and
        the array behind it, which must live as long as the image), or None.

        Each bar is drawn as integer columns: posts from the bottom, field updates above
        them, both kinds keeping at least a pixel however lopsided the bar, a hairline gap
        between bars three pixels wide or more; columns whose centre is outside the window
        ``[xs, xe]`` keep ``DIM_ALPHA``. Computed with numpy for all bars at once."""
        bins = self._display_bins()
        if len(bins) == 0:
            return None
        total = bins.posts + bins.updates
        nz = np.flatnonzero(total)
        if nz.size == 0:
            return None
        posts_frac, total_frac = tm.stack_fractions(bins.posts, bins.updates, self._sqrt)
        scale, inner = self._scale(), r.height() - 4
        edges = bins.bin0 + np.arange(len(bins) + 1, dtype=np.float64) * bins.bin_ms
        xpix = np.round(scale.to_x(edges)).astype(np.int64)
        x0, x1 = xpix[nz], xpix[nz + 1]
        width = np.maximum(1, x1 - x0 - (x1 - x0 >= 3))
        h_all = np.maximum(1, np.round(total_frac[nz] * inner)).astype(np.int64)
        posts, updates = bins.posts[nz] > 0, bins.updates[nz] > 0
        h_both = np.minimum(np.maximum(1, np.round(posts_frac[nz] * inner)), h_all - 1).astype(np.int64)
        h_posts = np.where(posts & updates, h_both, np.where(posts, h_all, 0))
        left, top, bottom = int(np.floor(r.left())), int(np.floor(r.top())), int(r.bottom())
        w_img = max(1, int(np.ceil(r.right())) - left)
        h_img = max(1, bottom - top)
        # Every bar's columns, in bar order (a later bar wins a shared column, as it did when painted).
        bar = np.repeat(np.arange(nz.size), width)
        col = np.repeat(x0 - left, width) + (np.arange(bar.size) - np.repeat(np.cumsum(width) - width, width))
        keep = (col >= 0) & (col < w_img)
        top_all = np.full(w_img, h_img, np.int64)  # first row of the bar in each column (h_img: none)
        top_posts = np.full(w_img, h_img, np.int64)
        top_all[col[keep]] = np.maximum(0, h_img - h_all[bar[keep]])
        top_posts[col[keep]] = np.maximum(0, h_img - h_posts[bar[keep]])
        rows = np.arange(h_img)[:, None]
        blue = rows >= top_posts[None, :]
        orange = (rows >= top_all[None, :]) & ~blue
        centre = left + np.arange(w_img) + 0.5
        alpha = np.where((centre >= xs) & (centre < xs + max(1.0, xe - xs)), 255, self.DIM_ALPHA).astype(np.uint8)
        rgba = np.zeros((h_img, w_img, 4), np.uint8)
        for mask, colour in ((blue, self.POSTS_COLOUR), (orange, self.UPDATES_COLOUR)):
            rgba[..., 0][mask] = colour.red()
            rgba[..., 1][mask] = colour.green()
            rgba[..., 2][mask] = colour.blue()
        rgba[..., 3] = np.where(blue | orange, alpha[None, :], 0)
        image = QImage(rgba.data, w_img, h_img, 4 * w_img, QImage.Format.Format_RGBA8888)
        return image, left, top, rgba

    def _paint_handle(self, p: QPainter, r: QRectF, x: float, text: QColor, pal: QPalette) -> None:
        p.setPen(QPen(_alpha(text, 200), 1.5))
        p.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom()))
        grip = QRectF(x - 4, r.center().y() - 11, 8, 22)
        p.setPen(QPen(_alpha(text, 220), 1))
        p.setBrush(pal.color(QPalette.ColorRole.Base))
        p.drawRoundedRect(grip, 2.5, 2.5)
        p.setPen(QPen(_alpha(text, 160), 1))
        for dx in (-1.5, 1.5):
            p.drawLine(QPointF(x + dx, grip.top() + 6), QPointF(x + dx, grip.bottom() - 6))

    def _paint_window_labels(self, p: QPainter, xs: float, xe: float, text: QColor) -> None:
        """Start and end times above their handles; merged into one range label when
        the window is too narrow for both."""
        font = self._small_font()
        font.setWeight(QFont.Weight.DemiBold)
        p.setFont(font)
        fm, y = p.fontMetrics(), 2 + p.fontMetrics().ascent()
        left_text, right_text, merged = tm.window_labels(self._start, self._end, self._zone)
        lw, rw = fm.horizontalAdvance(left_text), fm.horizontalAdvance(right_text)

        def left_of(centre: float, w: float) -> float:  # centred, but kept on the widget
            return min(max(centre - w / 2, 2), self.width() - w - 2)

        p.setPen(text)
        if left_of(xs, lw) + lw + 8 <= left_of(xe, rw):
            p.drawText(QPointF(left_of(xs, lw), y), left_text)
            p.drawText(QPointF(left_of(xe, rw), y), right_text)
        else:
            p.drawText(QPointF(left_of((xs + xe) / 2, fm.horizontalAdvance(merged)), y), merged)


def _alpha(colour: QColor, alpha: int) -> QColor:
    c = QColor(colour)
    c.setAlpha(alpha)
    return c
