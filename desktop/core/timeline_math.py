"""Arithmetic behind the time slider: window clamping, presets, pixel/time mapping,
axis ticks, time labels and histogram re-binning.

Nothing here touches Qt, so every rule the slider follows can be unit-tested on its
own and the widget in ``desktop/ui/timeline_widget.py`` stays a thin shell around it.
All instants are UTC milliseconds since the epoch; zones only matter for labels and
for where ticks fall.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np

SECOND_MS = 1_000
MINUTE_MS = 60 * SECOND_MS
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS

#: Narrowest window the handles can make; a commander never needs less than a minute.
MIN_WINDOW_MS = MINUTE_MS

#: Preset name -> window width; None means the whole span.
PRESET_WIDTHS: dict[str, int | None] = {
    "15m": 15 * MINUTE_MS,
    "1h": HOUR_MS,
    "6h": 6 * HOUR_MS,
    "24h": DAY_MS,
    "all": None,
}

#: Playback speed bounds in simulated ms per real second (real time .. 6 hours/s).
MIN_PLAY_SPEED = SECOND_MS
MAX_PLAY_SPEED = 6 * HOUR_MS

#: Tick intervals the axis may use. Every entry below one day divides a day, so ticks
#: can be aligned to local midnight; longer ones are whole days.
TICK_STEPS = (
    MINUTE_MS, 2 * MINUTE_MS, 5 * MINUTE_MS, 10 * MINUTE_MS, 15 * MINUTE_MS, 30 * MINUTE_MS,
    HOUR_MS, 2 * HOUR_MS, 3 * HOUR_MS, 6 * HOUR_MS, 12 * HOUR_MS,
    DAY_MS, 2 * DAY_MS, 7 * DAY_MS, 14 * DAY_MS, 28 * DAY_MS,
)

_UTC = timezone.utc


# --------------------------------------------------------------------------- windows


def min_width(t0: int, t1: int) -> int:
    """The narrowest allowed window for a span (the span itself if it is shorter)."""
    return max(0, min(MIN_WINDOW_MS, t1 - t0))


def clamp_window(start: int, end: int, t0: int, t1: int) -> tuple[int, int]:
    """Put a window inside ``[t0, t1]``, at least ``min_width`` wide, keeping its width
    where it fits (shifting rather than shrinking, so a dragged band never deforms)."""
    if end < start:
        start, end = end, start
    span = t1 - t0
    width = max(end - start, min_width(t0, t1))
    if width >= span:
        return t0, t1
    if start < t0:
        start = t0
    if start + width > t1:
        start = t1 - width
    return int(start), int(start + width)


def shift_window(start: int, end: int, delta: int, t0: int, t1: int) -> tuple[int, int]:
    """Move the window by ``delta`` keeping its width, stopping at the span's edges."""
    return clamp_window(start + delta, end + delta, t0, t1)


def move_start(new_start: int, end: int, t0: int, t1: int) -> tuple[int, int]:
    """Drag the left handle: only the start moves; it stops at the span start and one
    minimum width before the end (it never pushes the other handle)."""
    new_start = max(t0, min(new_start, end - min_width(t0, t1)))
    return int(new_start), int(end)


def move_end(start: int, new_end: int, t0: int, t1: int) -> tuple[int, int]:
    """Drag the right handle: the mirror of :func:`move_start`."""
    new_end = min(t1, max(new_end, start + min_width(t0, t1)))
    return int(start), int(new_end)


def centre_window(start: int, end: int, t: int, t0: int, t1: int) -> tuple[int, int]:
    """Centre the window on instant ``t`` keeping its width (click outside the band)."""
    width = end - start
    new_start = t - width // 2
    return clamp_window(new_start, new_start + width, t0, t1)


def zoom_window(start: int, end: int, anchor: int, factor: float, t0: int, t1: int) -> tuple[int, int]:
    """Scale the window width by ``factor`` around ``anchor`` so the instant under the
    cursor stays under the cursor (mouse wheel)."""
    width = end - start
    new_width = int(round(width * factor))
    new_width = max(min_width(t0, t1), min(new_width, t1 - t0))
    # Keep the anchor at the same fraction of the window; an anchor outside the window
    # is pulled to the nearer edge so zooming never jumps the band across the span.
    anchor = max(start, min(anchor, end))
    frac = (anchor - start) / width if width > 0 else 0.5
    new_start = int(round(anchor - frac * new_width))
    return clamp_window(new_start, new_start + new_width, t0, t1)


def preset_window(name: str, t0: int, t1: int, now_ms: int | None = None) -> tuple[int, int]:
    """The window for a preset: it ends at ``now_ms`` when that lies in the span, else at
    the span end, and is the preset's width, cut at the span start."""
    if name not in PRESET_WIDTHS:
        raise ValueError(f"unknown preset {name!r}; expected one of {sorted(PRESET_WIDTHS)}")
    width = PRESET_WIDTHS[name]
    if width is None:
        return t0, t1
    end = now_ms if now_ms is not None and t0 <= now_ms <= t1 else t1
    start = max(t0, end - width)
    return clamp_window(start, end, t0, t1)


def refit_window(
    window: tuple[int, int] | None, old_span: tuple[int, int], t0: int, t1: int
) -> tuple[int, int]:
    """The window after the span changes from ``old_span`` to ``[t0, t1]``: everything
    if there was no window or it was everything; pinned to the new end (same width) if
    it ended at the old end, so a live incident stays in view as data arrives;
    otherwise unchanged, clamped."""
    if window is None or window == old_span:
        return t0, t1
    s, e = window
    if e == old_span[1]:
        s, e = t1 - (e - s), t1
    return clamp_window(s, e, t0, t1)


def snap(t: float, grid: int) -> int:
    """Round an instant to the nearest multiple of ``grid`` ms (no-op when grid <= 0)."""
    if grid <= 0:
        return int(round(t))
    return int(round(t / grid)) * grid


def advance(start: int, end: int, delta: int, t0: int, t1: int) -> tuple[int, int, bool]:
    """One playback step: shift forward keeping width; the flag says the end was reached."""
    s, e = shift_window(start, end, delta, t0, t1)
    return s, e, e >= t1


# --------------------------------------------------------------------------- pixels


@dataclass(frozen=True, slots=True)
class TimeScale:
    """Linear map between the span ``[t0, t1]`` and pixels ``[x0, x0 + width]``."""

    t0: int
    t1: int
    x0: float
    width: float

    @property
    def ms_per_px(self) -> float:
        return (self.t1 - self.t0) / self.width if self.width > 0 else 0.0

    def to_x(self, t: float) -> float:
        span = self.t1 - self.t0
        if span <= 0:
            return self.x0
        return self.x0 + (t - self.t0) * self.width / span

    def to_time(self, x: float, clamp: bool = True) -> float:
        if self.width <= 0:
            return float(self.t0)
        t = self.t0 + (x - self.x0) * (self.t1 - self.t0) / self.width
        if clamp:
            t = max(self.t0, min(t, self.t1))
        return t


# --------------------------------------------------------------------------- ticks and labels


def choose_tick_step(span_ms: int, width_px: float, min_px: float = 72.0) -> int:
    """The smallest interval in :data:`TICK_STEPS` whose ticks are at least ``min_px``
    apart, so labels never collide; the largest one if even that is too dense."""
    if span_ms <= 0 or width_px <= 0:
        return TICK_STEPS[0]
    px_per_ms = width_px / span_ms
    for step in TICK_STEPS:
        if step * px_per_ms >= min_px:
            return step
    return TICK_STEPS[-1]


def _local(ms: int, zone: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=_UTC).astimezone(zone)


def _wall_to_ms(wall: datetime, zone: ZoneInfo) -> int:
    """A naive local wall-clock time in ``zone`` as UTC ms (DST folds take fold=0)."""
    return int(round(wall.replace(tzinfo=zone).timestamp() * 1000))


def tick_times(t0: int, t1: int, step: int, zone: ZoneInfo) -> list[int]:
    """Tick instants within ``[t0, t1]`` on round local times of ``zone`` (15:00, not
    14:37), so the axis reads naturally in the commander's zone, DST included."""
    if t1 < t0:
        return []
    first = _local(t0, zone)
    ticks: list[int] = []
    if step < DAY_MS:
        midnight = datetime(first.year, first.month, first.day)
        into_day = (first.replace(tzinfo=None) - midnight) // timedelta(milliseconds=1)
        k = into_day // step
        while True:
            t = _wall_to_ms(midnight + timedelta(milliseconds=k * step), zone)
            if t > t1:
                break
            if t >= t0 and (not ticks or t > ticks[-1]):
                ticks.append(t)
            k += 1
    else:
        days = step // DAY_MS
        d = first.date()
        d = date.fromordinal(d.toordinal() - d.toordinal() % days)
        while True:
            t = _wall_to_ms(datetime(d.year, d.month, d.day), zone)
            if t > t1:
                break
            if t >= t0:
                ticks.append(t)
            d = date.fromordinal(d.toordinal() + days)
    return ticks


def is_local_midnight(ms: int, zone: ZoneInfo) -> bool:
    loc = _local(ms, zone)
    return loc.hour == 0 and loc.minute == 0 and loc.second == 0


def format_tick(ms: int, step: int, zone: ZoneInfo) -> str:
    """Axis label: the date on day ticks and at local midnight (so day changes stand
    out), otherwise the clock time."""
    loc = _local(ms, zone)
    if step >= DAY_MS or is_local_midnight(ms, zone):
        return loc.strftime("%m-%d")
    return loc.strftime("%H:%M")


def local_date(ms: int, zone: ZoneInfo) -> date:
    return _local(ms, zone).date()


def format_clock(ms: int, zone: ZoneInfo, with_date: bool = False, with_zone: bool = True) -> str:
    """"14:05 KST", or "06-14 14:05 KST" when the date is needed to be unambiguous."""
    loc = _local(ms, zone)
    text = loc.strftime("%m-%d %H:%M" if with_date else "%H:%M")
    return f"{text} {loc.tzname()}" if with_zone else text


def format_range(a: int, b: int, zone: ZoneInfo, with_date: bool = False) -> str:
    """"14:05–14:10 KST"; the second date is shown only when it differs."""
    la, lb = _local(a, zone), _local(b, zone)
    left = la.strftime("%m-%d %H:%M" if with_date else "%H:%M")
    right = lb.strftime("%m-%d %H:%M" if with_date and lb.date() != la.date() else "%H:%M")
    return f"{left}\u2013{right} {la.tzname()}"


def with_utc(a: int, b: int | None, zone: ZoneInfo, with_date: bool = False) -> str:
    """An instant (``b`` None) or range in ``zone`` followed by UTC in brackets:
    "14:05–14:10 KST (05:05–05:10 UTC)". UTC repeats the date only when it differs,
    and is not repeated at all when ``zone`` is UTC."""
    utc = ZoneInfo("UTC")
    utc_date = with_date and local_date(a, utc) != local_date(a, zone)
    if b is None:
        here, there = format_clock(a, zone, with_date), format_clock(a, utc, utc_date)
    else:
        here, there = format_range(a, b, zone, with_date), format_range(a, b, utc, utc_date)
    return here if zone.key == "UTC" else f"{here} ({there})"


def window_labels(start: int, end: int, zone: ZoneInfo) -> tuple[str, str, str]:
    """Labels for the handles and the merged one used when they would collide; dated
    when the window crosses midnight or is a day or longer."""
    dated = spans_days(start, end, zone) or end - start >= DAY_MS
    return (
        format_clock(start, zone, dated),
        format_clock(end, zone, dated),
        format_range(start, end, zone, dated),
    )


def spans_days(t0: int, t1: int, zone: ZoneInfo) -> bool:
    """Whether ``[t0, t1]`` touches more than one local calendar day (labels then need
    dates)."""
    return _local(t0, zone).date() != _local(t1, zone).date()


# --------------------------------------------------------------------------- histogram


@dataclass(frozen=True, slots=True)
class Bins:
    """Stacked histogram counts on a regular grid: bin ``i`` covers
    ``[bin0 + i*bin_ms, bin0 + (i+1)*bin_ms)``."""

    bin0: int
    bin_ms: int
    posts: np.ndarray
    updates: np.ndarray

    def __len__(self) -> int:
        return len(self.posts)

    def index_at(self, t: float) -> int | None:
        """The bin holding instant ``t``, or None outside the histogram."""
        if self.bin_ms <= 0 or len(self) == 0:
            return None
        i = math.floor((t - self.bin0) / self.bin_ms)
        return i if 0 <= i < len(self) else None


def make_bins(bin0: int, bin_ms: int, posts, updates) -> Bins:
    """Validate and normalise histogram input to int64 arrays of equal length."""
    p = np.asarray(posts, dtype=np.int64).ravel()
    u = np.asarray(updates, dtype=np.int64).ravel()
    if bin_ms <= 0:
        raise ValueError("bin_ms must be positive")
    if p.shape != u.shape:
        raise ValueError(f"posts and field_updates differ in length: {p.size} != {u.size}")
    return Bins(int(bin0), int(bin_ms), np.clip(p, 0, None), np.clip(u, 0, None))


def display_bins(bins: Bins, t0: int, t1: int, width_px: float, min_bar_px: float = 3.0) -> Bins:
    """The bins as drawn: cropped to the span and merged so no bar is thinner than
    ``min_bar_px`` (sub-pixel bars render as mush and cannot be hovered). Merged bins
    are aligned to multiples of their new width so they start on round times, and the
    hover tooltip reports exactly the merged bar it is over."""
    if len(bins) == 0 or t1 <= t0 or width_px <= 0:
        return Bins(bins.bin0, bins.bin_ms, bins.posts[:0], bins.updates[:0])
    lo = max(0, math.floor((t0 - bins.bin0) / bins.bin_ms))
    hi = min(len(bins), math.ceil((t1 - bins.bin0) / bins.bin_ms))
    if hi <= lo:
        return Bins(bins.bin0, bins.bin_ms, bins.posts[:0], bins.updates[:0])
    posts, updates = bins.posts[lo:hi], bins.updates[lo:hi]
    bin0 = bins.bin0 + lo * bins.bin_ms
    px_per_bin = bins.bin_ms * width_px / (t1 - t0)
    k = max(1, math.ceil(min_bar_px / px_per_bin)) if px_per_bin > 0 else 1
    if k == 1:
        return Bins(bin0, bins.bin_ms, posts, updates)
    # Prefer a merged width that is a round tick interval (5 min, 1 h, ...).
    for step in TICK_STEPS:
        if step >= k * bins.bin_ms and step % bins.bin_ms == 0:
            k = step // bins.bin_ms
            break
    new_ms = k * bins.bin_ms
    starts = bin0 + np.arange(len(posts), dtype=np.int64) * bins.bin_ms
    group = starts // new_ms
    g0 = int(group[0])
    idx = group - g0
    n = int(idx[-1]) + 1
    return Bins(
        g0 * new_ms,
        new_ms,
        np.bincount(idx, weights=posts, minlength=n).astype(np.int64),
        np.bincount(idx, weights=updates, minlength=n).astype(np.int64),
    )


def stack_fractions(
    posts: np.ndarray, updates: np.ndarray, sqrt: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Bar heights as fractions of the tallest stacked bar: ``(posts_part, total)``.

    With ``sqrt`` the total height follows the square root of the count (so a spike does
    not flatten everything else) and the posts part keeps its share of the bar.
    """
    total = posts.astype(np.float64) + updates
    peak = float(total.max()) if total.size else 0.0
    if peak <= 0:
        zero = np.zeros_like(total)
        return zero, zero
    height = np.sqrt(total / peak) if sqrt else total / peak
    share = np.divide(posts, total, out=np.zeros_like(total), where=total > 0)
    return height * share, height
