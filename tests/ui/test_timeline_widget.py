"""The time slider driven like a commander would: real widget, offscreen, real mouse
and keyboard events at computed pixel positions."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import datetime  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QHelpEvent, QImage, QWheelEvent  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QToolTip  # noqa: E402

from desktop.core.timeline_math import DAY_MS, HOUR_MS, MINUTE_MS  # noqa: E402
from desktop.ui.timeline_widget import TimelineWidget  # noqa: E402

KST = ZoneInfo("Asia/Seoul")
LEFT = Qt.MouseButton.LeftButton
NOMOD = Qt.KeyboardModifier.NoModifier


def kst(h: int, m: int = 0, day: int = 14) -> int:
    return int(datetime(2026, 11, day, h, m, tzinfo=KST).timestamp() * 1000)


T0, T1 = kst(6), kst(6, day=15)
BIN_MS = 5 * MINUTE_MS


def realistic_counts() -> tuple[np.ndarray, np.ndarray]:
    """Two humps (late morning, evening) and a spike at 14:05, five-minute bins."""
    hours = 6 + np.arange(DAY_MS // BIN_MS) * BIN_MS / HOUR_MS
    lam = 40 + 260 * np.exp(-(((hours - 10.5) / 1.3) ** 2)) + 180 * np.exp(-(((hours - 19) / 2.0) ** 2))
    lam[(hours >= 14 + 5 / 60) & (hours < 14.5)] += 600
    rng = np.random.default_rng(7)
    return rng.poisson(lam), rng.poisson(2 + 0.06 * lam)


@pytest.fixture
def widget(qtbot):
    w = TimelineWidget()
    qtbot.addWidget(w)
    w.resize(1000, 90)  # five-minute bars stay unmerged at this width
    w.set_span(T0, T1)
    w.set_histogram(T0, BIN_MS, *realistic_counts())
    w.show()
    qtbot.waitExposed(w)
    return w


class Recorder:
    def __init__(self, signal):
        self.calls: list[tuple] = []
        signal.connect(lambda *args: self.calls.append(args))


def mid_y(w: TimelineWidget) -> int:
    return int(w.histogram_rect().center().y())


def drag(w: TimelineWidget, x_from: float, x_to: float, steps: int = 8) -> None:
    y = mid_y(w)
    QTest.mousePress(w, LEFT, NOMOD, QPoint(round(x_from), y))
    for i in range(1, steps + 1):
        QTest.mouseMove(w, QPoint(round(x_from + (x_to - x_from) * i / steps), y))
    QTest.mouseRelease(w, LEFT, NOMOD, QPoint(round(x_to), y))


def test_dragging_right_handle_changes_only_end(widget):
    widget.set_window(kst(12), kst(14))
    changed, committed = Recorder(widget.windowChanged), Recorder(widget.windowCommitted)
    x = widget.time_to_x(kst(14))
    drag(widget, x, x + 100)
    start, end = widget.window()
    assert start == kst(12)
    assert end > kst(16) and end % MINUTE_MS == 0
    assert len(changed.calls) >= 5
    assert changed.calls[-1] == (start, end)
    assert all(s == kst(12) for s, _ in changed.calls)
    assert committed.calls == [(start, end)]


def test_dragging_left_handle_changes_only_start_and_stops_at_span(widget):
    widget.set_window(kst(12), kst(14))
    drag(widget, widget.time_to_x(kst(12)), -50)
    assert widget.window() == (T0, kst(14))


def test_handle_cannot_cross_the_other(widget):
    widget.set_window(kst(12), kst(14))
    drag(widget, widget.time_to_x(kst(14)), widget.time_to_x(kst(10)))
    assert widget.window() == (kst(12), kst(12) + MINUTE_MS)


def test_dragging_band_moves_both_keeping_width(widget):
    widget.set_window(kst(12), kst(14))
    changed = Recorder(widget.windowChanged)
    x = widget.time_to_x(kst(13))
    drag(widget, x, x + 120)
    start, end = widget.window()
    assert end - start == 2 * HOUR_MS
    assert start > kst(14)
    assert len(changed.calls) >= 5 and changed.calls[-1] == (start, end)
    assert all(e - s == 2 * HOUR_MS for s, e in changed.calls)  # never half-updated
    drag(widget, widget.time_to_x(start + HOUR_MS), widget.width() + 200)
    assert widget.window() == (T1 - 2 * HOUR_MS, T1)


def test_click_outside_centres_window(widget):
    widget.set_window(kst(8), kst(9))
    committed = Recorder(widget.windowCommitted)
    x = round(widget.time_to_x(kst(18)))
    QTest.mouseClick(widget, LEFT, NOMOD, QPoint(x, mid_y(widget)))
    start, end = widget.window()
    assert end - start == HOUR_MS
    assert abs((start + end) / 2 - kst(18)) <= 2 * MINUTE_MS
    assert committed.calls == [(start, end)]


def test_double_click_selects_all(widget):
    widget.set_window(kst(8), kst(9))
    QTest.mouseDClick(widget, LEFT, NOMOD, QPoint(round(widget.time_to_x(kst(8, 30))), mid_y(widget)))
    assert widget.window() == (T0, T1)


def test_wheel_zooms_around_cursor(widget):
    widget.set_window(kst(10), kst(14))
    pos = QPointF(widget.time_to_x(kst(11)), mid_y(widget))
    event = QWheelEvent(
        pos, widget.mapToGlobal(pos), QPoint(), QPoint(0, 120), Qt.MouseButton.NoButton, NOMOD,
        Qt.ScrollPhase.NoScrollPhase, False,
    )
    QApplication.sendEvent(widget, event)
    start, end = widget.window()
    assert end - start < 4 * HOUR_MS
    assert (widget.x_to_time(pos.x()) - start) / (end - start) == pytest.approx(0.25, abs=0.02)


def test_set_window_emits_once_with_both_ends_or_not_at_all(widget):
    changed = Recorder(widget.windowChanged)
    widget.set_window(kst(9), kst(10))
    widget.set_window(kst(11), kst(12), emit=False)
    assert changed.calls == [(kst(9), kst(10))]
    assert widget.window() == (kst(11), kst(12))
    widget.set_window(kst(11), kst(11))  # too narrow: widened to the minimum
    assert widget.window() == (kst(11), kst(11) + MINUTE_MS)


@pytest.mark.parametrize(
    "name,width", [("15m", 15 * MINUTE_MS), ("1h", HOUR_MS), ("6h", 6 * HOUR_MS), ("24h", DAY_MS)]
)
def test_presets(widget, name, width):
    committed = Recorder(widget.windowCommitted)
    widget.apply_preset(name)
    assert widget.window() == (T1 - width, T1)
    assert committed.calls == [(T1 - width, T1)]


def test_preset_now_and_all(widget):
    widget.apply_preset("1h", now_ms=kst(15))
    assert widget.window() == (kst(14), kst(15))
    widget.apply_preset("all")
    assert widget.window() == (T0, T1)


def test_keyboard_steps(widget, qtbot):
    widget.setFocus()
    widget.set_window(kst(10), kst(11))
    QTest.keyClick(widget, Qt.Key.Key_Right)
    assert widget.window() == (kst(11), kst(12))
    QTest.keyClick(widget, Qt.Key.Key_Left)
    QTest.keyClick(widget, Qt.Key.Key_Left)
    assert widget.window() == (kst(9), kst(10))
    QTest.keyClick(widget, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert widget.window() == (kst(9, 6), kst(10, 6))
    widget.set_step_ms(15 * MINUTE_MS)
    QTest.keyClick(widget, Qt.Key.Key_Right)
    assert widget.window() == (kst(9, 21), kst(10, 21))
    QTest.keyClick(widget, Qt.Key.Key_End)
    assert widget.window() == (T1 - HOUR_MS, T1)
    QTest.keyClick(widget, Qt.Key.Key_Home)
    assert widget.window() == (T0, T0 + HOUR_MS)
    QTest.keyClick(widget, Qt.Key.Key_Space)
    assert widget.is_playing()
    QTest.keyClick(widget, Qt.Key.Key_Space)
    assert not widget.is_playing()


def test_playback_advances_and_stops_at_end(widget, qtbot):
    widget.set_window(T1 - 3 * HOUR_MS, T1 - 2 * HOUR_MS)
    playing, changed = Recorder(widget.playingChanged), Recorder(widget.windowChanged)
    committed = Recorder(widget.windowCommitted)
    widget.set_play_speed(10**12)  # clamped to the fastest: six hours per second
    assert widget.play_speed() == 6 * HOUR_MS
    widget.play()
    assert widget.is_playing()
    qtbot.waitUntil(lambda: widget.window()[0] > T1 - 3 * HOUR_MS, timeout=2000)
    qtbot.waitUntil(lambda: not widget.is_playing(), timeout=5000)
    assert widget.window() == (T1 - HOUR_MS, T1)
    assert playing.calls == [(True,), (False,)]
    assert len(changed.calls) >= 3 and all(e - s == HOUR_MS for s, e in changed.calls)
    assert committed.calls[-1] == (T1 - HOUR_MS, T1)


def test_play_from_the_end_starts_over_and_mouse_press_pauses(widget, qtbot):
    widget.set_play_speed(1000)
    widget.apply_preset("1h")
    widget.toggle_play()
    assert widget.is_playing() and widget.window() == (T0, T0 + HOUR_MS)
    QTest.mousePress(widget, LEFT, NOMOD, QPoint(round(widget.time_to_x(kst(20))), mid_y(widget)))
    assert not widget.is_playing()


def test_tooltip_shows_both_zones_and_counts(widget, qtbot):
    x = widget.time_to_x(kst(14, 7))
    text = widget.hover_text(x)
    assert "KST" in text and "UTC" in text
    # The span covers two local days, so the date leads; UTC repeats it only if it differs.
    assert text.startswith("11-14 14:05\u201314:10 KST (05:05\u201305:10 UTC) \u00b7 ")
    early = widget.hover_text(widget.time_to_x(kst(7, 2)))
    assert early.startswith("11-14 07:00\u201307:05 KST (11-13 22:00\u201322:05 UTC)")
    posts, updates = realistic_counts()
    i = (kst(14, 5) - T0) // BIN_MS
    assert f"posts {posts[i]:,}" in text and f"field updates {updates[i]:,}" in text
    pos = QPoint(round(x), mid_y(widget))
    QApplication.sendEvent(widget, QHelpEvent(QEvent.Type.ToolTip, pos, widget.mapToGlobal(pos)))
    qtbot.waitUntil(QToolTip.isVisible, timeout=2000)
    assert QToolTip.text() == text
    QToolTip.hideText()


def test_display_zone_utc(widget):
    widget.set_display_zone("UTC")
    text = widget.hover_text(widget.time_to_x(kst(14, 7)))
    assert "KST" not in text and "05:05\u201305:10 UTC" in text
    assert widget.display_zone() == "UTC"


def colour_pixels(image: QImage, colour: str) -> int:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    arr = np.frombuffer(image.constBits(), dtype=np.uint32, count=image.sizeInBytes() // 4)
    return int(np.count_nonzero((arr & 0xFFFFFF) == (QColor(colour).rgb() & 0xFFFFFF)))


def test_paint_draws_stacked_bars_in_both_colours(widget):
    widget.set_window(kst(13), kst(16))
    image = widget.grab().toImage()
    assert colour_pixels(image, "#3b82f6") > 200
    assert colour_pixels(image, "#f59e0b") > 10
    widget.set_sqrt_scale(True)
    assert widget.sqrt_scale()
    assert colour_pixels(widget.grab().toImage(), "#3b82f6") > 200


def test_bars_outside_window_are_dimmer(widget):
    widget.set_window(T0, T0 + HOUR_MS)  # the spike at 14:05 is outside
    image = widget.grab().toImage()
    x = round(widget.time_to_x(kst(14, 7)))
    bottom = int(widget.histogram_rect().bottom()) - 1
    outside = image.pixelColor(x, bottom)
    assert outside != QColor("#3b82f6") and outside.blue() > outside.red()


def test_histogram_with_narrow_bins_and_resizes(widget, qtbot):
    n = DAY_MS // 1000  # one-second bins: merged for drawing, counts kept
    widget.set_histogram(T0, 1000, np.ones(n, dtype=np.int32), np.zeros(n, dtype=np.int64))
    widget.resize(300, 90)
    assert colour_pixels(widget.grab().toImage(), "#3b82f6") > 50
    assert "posts" in widget.hover_text(widget.time_to_x(kst(12)))


def test_empty_widget_paints_and_ignores_input(qtbot):
    w = TimelineWidget()
    qtbot.addWidget(w)
    w.resize(400, 90)
    w.show()
    qtbot.waitExposed(w)
    changed = Recorder(w.windowChanged)
    QTest.mouseClick(w, LEFT, NOMOD, QPoint(200, 40))
    w.play()
    w.apply_preset("1h")
    assert not w.is_playing() and changed.calls == []
    assert not w.grab().isNull()


def test_size_focus_and_accessibility(widget):
    assert widget.sizeHint().height() == 90
    assert widget.focusPolicy() == Qt.FocusPolicy.StrongFocus
    assert widget.accessibleName()
    assert "KST" in widget.accessibleDescription()


def test_span_growth_keeps_a_live_window_at_the_end(widget):
    widget.apply_preset("1h")
    widget.set_span(T0, T1 + HOUR_MS)
    assert widget.window() == (T1, T1 + HOUR_MS)
    widget.set_window(kst(9), kst(10))
    widget.set_span(T0, T1 + 2 * HOUR_MS)
    assert widget.window() == (kst(9), kst(10))


def _bars_one_by_one(w: TimelineWidget, p, r, alpha: int) -> None:
    """The bars as they were painted before they became one image: two rectangles a bar."""
    from desktop.core import timeline_math as tm

    bins = w._display_bins()
    posts_frac, total_frac = tm.stack_fractions(bins.posts, bins.updates, w._sqrt)
    scale, inner = w._scale(), r.height() - 4
    edges = bins.bin0 + np.arange(len(bins) + 1, dtype=np.float64) * bins.bin_ms
    xs = np.round(scale.to_x(edges)).astype(int)
    bottom = int(r.bottom())
    total = bins.posts + bins.updates
    blue, orange = QColor(w.POSTS_COLOUR), QColor(w.UPDATES_COLOUR)
    blue.setAlpha(alpha)
    orange.setAlpha(alpha)
    for i in np.flatnonzero(total):
        x0, x1 = xs[i], xs[i + 1]
        width = x1 - x0 - (1 if x1 - x0 >= 3 else 0)
        h_all = max(1, round(total_frac[i] * inner))
        if not bins.updates[i] or not bins.posts[i]:
            h_posts = h_all if bins.posts[i] else 0
        else:
            h_posts = min(max(1, round(posts_frac[i] * inner)), h_all - 1)
        p.fillRect(x0, bottom - h_posts, max(1, width), h_posts, blue)
        p.fillRect(x0, bottom - h_all, max(1, width), h_all - h_posts, orange)


@pytest.mark.parametrize("width, sqrt", [(1000, False), (1000, True), (333, False), (2600, False)])
def test_bars_image_is_the_bars_painted_one_by_one(widget, width, sqrt):
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QPainter

    widget.resize(width, 90)
    widget._shown = None
    widget.set_sqrt_scale(sqrt)
    widget.set_window(kst(9), kst(13, day=14))
    r = widget.histogram_rect()
    xs, xe = widget.time_to_x(widget.window()[0]), widget.time_to_x(widget.window()[1])
    images = []
    for how in ("image", "one by one"):
        img = QImage(widget.width(), widget.height(), QImage.Format.Format_ARGB32)
        img.fill(0)
        p = QPainter(img)
        p.setClipRect(r)
        if how == "image":
            bars, left, top, _keep = widget._bars_image(r, xs, xe)
            p.drawImage(QPointF(left, top), bars)
        else:
            _bars_one_by_one(widget, p, r, widget.DIM_ALPHA)
            p.setClipRect(QRectF(xs, r.top(), max(1.0, xe - xs), r.height()))
            _bars_one_by_one(widget, p, r, 255)
        p.end()
        images.append(img)
    a, b = (np.frombuffer(i.constBits(), np.uint8).reshape(i.height(), i.width(), 4).astype(int) for i in images)
    assert (a[..., 3] > 0).sum() > 500  # bars were drawn
    differ = np.abs(a - b).max(axis=2) > 2
    assert differ.sum() == 0, f"{differ.sum()} pixels differ"
