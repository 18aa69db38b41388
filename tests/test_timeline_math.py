"""The time slider's arithmetic, without Qt."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from desktop.core import timeline_math as tm
from desktop.core.timeline_math import DAY_MS, HOUR_MS, MINUTE_MS

KST = ZoneInfo("Asia/Seoul")
UTC = ZoneInfo("UTC")
T0 = int(datetime(2026, 11, 14, 6, 0, tzinfo=KST).timestamp() * 1000)
T1 = T0 + DAY_MS


def kst(h: int, m: int = 0, day: int = 14) -> int:
    return int(datetime(2026, 11, day, h, m, tzinfo=KST).timestamp() * 1000)


def test_module_is_qt_free():
    source = Path(tm.__file__).read_text(encoding="utf-8")
    assert "PySide6" not in source and "Qt" + "Core" not in source


# ----------------------------------------------------------------- windows


def test_clamp_keeps_width_by_shifting_inside_span():
    assert tm.clamp_window(T0 - HOUR_MS, T0 + HOUR_MS, T0, T1) == (T0, T0 + 2 * HOUR_MS)
    assert tm.clamp_window(T1 - HOUR_MS, T1 + HOUR_MS, T0, T1) == (T1 - 2 * HOUR_MS, T1)


def test_clamp_orders_widens_to_minimum_and_caps_at_span():
    assert tm.clamp_window(T0 + 5000, T0 + 2000, T0, T1) == (T0 + 2000, T0 + 2000 + MINUTE_MS)
    assert tm.clamp_window(T0 - DAY_MS, T1 + DAY_MS, T0, T1) == (T0, T1)


def test_minimum_width_never_exceeds_a_tiny_span():
    assert tm.min_width(0, 30_000) == 30_000
    assert tm.clamp_window(0, 10, 0, 30_000) == (0, 30_000)


def test_shift_stops_at_edges_and_keeps_width():
    s, e = tm.shift_window(T0, T0 + HOUR_MS, 10 * DAY_MS, T0, T1)
    assert (s, e) == (T1 - HOUR_MS, T1)
    s, e = tm.shift_window(T1 - HOUR_MS, T1, -10 * DAY_MS, T0, T1)
    assert (s, e) == (T0, T0 + HOUR_MS)


def test_handles_move_alone_clamped_to_span_and_minimum_width():
    s, e = kst(12), kst(14)
    assert tm.move_start(kst(11), e, T0, T1) == (kst(11), e)
    assert tm.move_start(T0 - HOUR_MS, e, T0, T1) == (T0, e)
    assert tm.move_start(e + HOUR_MS, e, T0, T1) == (e - MINUTE_MS, e)
    assert tm.move_end(s, kst(15), T0, T1) == (s, kst(15))
    assert tm.move_end(s, T1 + HOUR_MS, T0, T1) == (s, T1)
    assert tm.move_end(s, s - HOUR_MS, T0, T1) == (s, s + MINUTE_MS)


def test_centre_window_keeps_width():
    s, e = tm.centre_window(kst(8), kst(10), kst(18), T0, T1)
    assert (s, e) == (kst(17), kst(19))
    assert tm.centre_window(kst(8), kst(10), T1, T0, T1) == (T1 - 2 * HOUR_MS, T1)


def test_zoom_keeps_anchor_fraction_and_limits():
    s, e = tm.zoom_window(kst(10), kst(14), kst(11), 0.5, T0, T1)
    assert e - s == 2 * HOUR_MS
    assert (kst(11) - s) / (e - s) == pytest.approx(0.25)
    assert tm.zoom_window(kst(10), kst(10, 2), kst(10, 1), 0.01, T0, T1)[1] - kst(10) >= MINUTE_MS
    assert tm.zoom_window(kst(10), kst(14), kst(12), 100, T0, T1) == (T0, T1)


@pytest.mark.parametrize(
    "name,width", [("15m", 15 * MINUTE_MS), ("1h", HOUR_MS), ("6h", 6 * HOUR_MS), ("24h", DAY_MS)]
)
def test_presets_end_at_span_end(name, width):
    assert tm.preset_window(name, T0, T1) == (T1 - width, T1)


def test_preset_ends_at_now_inside_span_and_is_cut_at_span_start():
    assert tm.preset_window("1h", T0, T1, now_ms=kst(12)) == (kst(11), kst(12))
    assert tm.preset_window("1h", T0, T1, now_ms=T1 + DAY_MS) == (T1 - HOUR_MS, T1)
    assert tm.preset_window("6h", T0, T1, now_ms=T0 + HOUR_MS) == (T0, T0 + HOUR_MS)
    assert tm.preset_window("24h", T0, T0 + 6 * HOUR_MS) == (T0, T0 + 6 * HOUR_MS)
    assert tm.preset_window("all", T0, T1, now_ms=kst(12)) == (T0, T1)
    with pytest.raises(ValueError):
        tm.preset_window("2h", T0, T1)


def test_snap_and_advance():
    assert tm.snap(90_001, MINUTE_MS) == 2 * MINUTE_MS
    assert tm.snap(1234.6, 0) == 1235
    step = tm.advance(T0, T0 + HOUR_MS, MINUTE_MS, T0, T1)
    assert step == (T0 + MINUTE_MS, T0 + HOUR_MS + MINUTE_MS, False)
    assert tm.advance(T1 - HOUR_MS - 5, T1 - 5, MINUTE_MS, T0, T1) == (T1 - HOUR_MS, T1, True)


# ----------------------------------------------------------------- pixels


def test_time_scale_round_trip_and_clamp():
    scale = tm.TimeScale(T0, T1, 10.0, 800.0)
    assert scale.to_x(T0) == 10.0 and scale.to_x(T1) == 810.0
    assert scale.to_time(scale.to_x(kst(12))) == pytest.approx(kst(12))
    assert scale.to_time(-50) == T0 and scale.to_time(5000) == T1
    assert scale.to_time(-50, clamp=False) < T0
    assert scale.ms_per_px == DAY_MS / 800


# ----------------------------------------------------------------- ticks and labels


def test_tick_step_grows_with_span_and_keeps_spacing():
    assert tm.choose_tick_step(HOUR_MS, 800, 70) == 10 * MINUTE_MS
    assert tm.choose_tick_step(DAY_MS, 800, 70) == 3 * HOUR_MS
    assert tm.choose_tick_step(14 * DAY_MS, 800, 70) == 2 * DAY_MS
    for span in (10 * MINUTE_MS, HOUR_MS, DAY_MS, 7 * DAY_MS):
        step = tm.choose_tick_step(span, 600, 70)
        assert step * 600 / span >= 70
    assert all(DAY_MS % s == 0 for s in tm.TICK_STEPS if s < DAY_MS)


def test_ticks_fall_on_round_local_hours():
    ticks = tm.tick_times(kst(6, 17), kst(12, 40), HOUR_MS, KST)
    assert ticks == [kst(h) for h in range(7, 13)]
    ticks = tm.tick_times(T0, T1, 3 * HOUR_MS, KST)
    assert all(datetime.fromtimestamp(t / 1000, KST).hour % 3 == 0 for t in ticks)
    assert kst(0, day=15) in ticks


def test_ticks_respect_half_hour_zones_and_dst():
    india = ZoneInfo("Asia/Kolkata")
    ticks = tm.tick_times(T0, T0 + 6 * HOUR_MS, HOUR_MS, india)
    assert all(datetime.fromtimestamp(t / 1000, india).minute == 0 for t in ticks)
    ny = ZoneInfo("America/New_York")  # DST ended 2026-11-01
    start = int(datetime(2026, 10, 30, tzinfo=ny).timestamp() * 1000)
    days = tm.tick_times(start, start + 5 * DAY_MS, DAY_MS, ny)
    assert all(tm.is_local_midnight(t, ny) for t in days)
    assert len(days) == 5  # one of the days is 25 h long, so the last midnight is past


def test_day_ticks_and_labels():
    ticks = tm.tick_times(kst(0), kst(0, day=20), DAY_MS, KST)
    assert len(ticks) == 7
    assert tm.format_tick(ticks[1], DAY_MS, KST) == "11-15"
    assert tm.format_tick(kst(14), HOUR_MS, KST) == "14:00"
    assert tm.format_tick(kst(0, day=15), HOUR_MS, KST) == "11-15"  # midnight shows the date


def test_clock_and_range_labels():
    assert tm.format_clock(kst(14, 5), KST) == "14:05 KST"
    assert tm.format_clock(kst(14, 5), UTC) == "05:05 UTC"
    assert tm.format_clock(kst(14, 5), KST, with_date=True) == "11-14 14:05 KST"
    assert tm.format_range(kst(14, 5), kst(14, 10), KST) == "14:05\u201314:10 KST"
    assert tm.format_range(kst(23), kst(1, day=15), KST, True) == "11-14 23:00\u201311-15 01:00 KST"
    assert tm.local_date(kst(7), UTC).day == 13 and tm.local_date(kst(7), KST).day == 14
    assert tm.spans_days(T0, T1, KST) and not tm.spans_days(kst(7), kst(9), KST)


# ----------------------------------------------------------------- histogram


def test_make_bins_validates():
    with pytest.raises(ValueError):
        tm.make_bins(0, 60_000, np.ones(3), np.ones(4))
    with pytest.raises(ValueError):
        tm.make_bins(0, 0, np.ones(3), np.ones(3))
    bins = tm.make_bins(0, 60_000, [1, -2, 3], np.array([0, 0, 1], dtype=np.int32))
    assert bins.posts.dtype == np.int64 and bins.posts.tolist() == [1, 0, 3]


def test_index_at():
    bins = tm.make_bins(1000, 100, [1, 2, 3], [0, 0, 0])
    assert bins.index_at(1000) == 0 and bins.index_at(1299) == 2
    assert bins.index_at(999) is None and bins.index_at(1300) is None


def test_display_bins_merge_conserves_counts_on_round_boundaries():
    n = DAY_MS // MINUTE_MS
    rng = np.random.default_rng(1)
    posts, updates = rng.integers(0, 50, n), rng.integers(0, 5, n)
    bins = tm.make_bins(T0, MINUTE_MS, posts, updates)
    shown = tm.display_bins(bins, T0, T1, 800, min_bar_px=3)
    assert shown.bin_ms in tm.TICK_STEPS and shown.bin_ms * 800 / DAY_MS >= 3
    assert shown.bin0 % shown.bin_ms == 0
    assert shown.posts.sum() == posts.sum() and shown.updates.sum() == updates.sum()


def test_display_bins_crop_to_span_and_pass_wide_bins_through():
    bins = tm.make_bins(T0 - HOUR_MS, HOUR_MS, np.arange(26), np.zeros(26))
    shown = tm.display_bins(bins, T0, T1, 1000)
    assert shown.bin_ms == HOUR_MS and shown.bin0 == T0 and len(shown) == 24
    assert shown.posts[0] == 1
    empty = tm.display_bins(tm.make_bins(0, 1000, [], []), T0, T1, 800)
    assert len(empty) == 0


def test_stack_fractions_linear_and_sqrt():
    posts, updates = np.array([0, 30, 100]), np.array([0, 10, 300])
    p, t = tm.stack_fractions(posts, updates)
    assert t.tolist() == pytest.approx([0, 0.1, 1.0]) and p.tolist() == pytest.approx([0, 0.075, 0.25])
    p, t = tm.stack_fractions(posts, updates, sqrt=True)
    assert t[1] == pytest.approx(np.sqrt(0.1)) and p[1] / t[1] == pytest.approx(0.75)
    p, t = tm.stack_fractions(np.zeros(3, int), np.zeros(3, int))
    assert not t.any()


def test_refit_window_after_span_change():
    new_t1 = T1 + HOUR_MS
    assert tm.refit_window(None, (0, 0), T0, T1) == (T0, T1)
    assert tm.refit_window((T0, T1), (T0, T1), T0, new_t1) == (T0, new_t1)  # "all" stays all
    assert tm.refit_window((T1 - HOUR_MS, T1), (T0, T1), T0, new_t1) == (T1, new_t1)  # follows live end
    assert tm.refit_window((kst(9), kst(10)), (T0, T1), T0, new_t1) == (kst(9), kst(10))
    assert tm.refit_window((kst(9), kst(10)), (T0, T1), kst(9, 30), new_t1) == (kst(9, 30), kst(10, 30))


def test_with_utc_and_window_labels():
    assert tm.with_utc(kst(14, 5), kst(14, 10), KST) == "14:05\u201314:10 KST (05:05\u201305:10 UTC)"
    assert tm.with_utc(kst(14, 5), None, KST) == "14:05 KST (05:05 UTC)"
    assert tm.with_utc(kst(14, 5), None, UTC) == "05:05 UTC"
    assert tm.with_utc(kst(7), None, KST, with_date=True) == "11-14 07:00 KST (11-13 22:00 UTC)"
    assert tm.with_utc(kst(14), None, KST, with_date=True) == "11-14 14:00 KST (05:00 UTC)"
    assert tm.window_labels(kst(13), kst(16), KST) == ("13:00 KST", "16:00 KST", "13:00\u201316:00 KST")
    left, right, _ = tm.window_labels(kst(22), kst(2, day=15), KST)
    assert (left, right) == ("11-14 22:00 KST", "11-15 02:00 KST")
