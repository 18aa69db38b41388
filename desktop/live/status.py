"""Feed status shared by every live input: a thread-safe tracker whose snapshot the
window (or ``sitmap listen``) reads, a message-rate meter and a token bucket."""

from __future__ import annotations

import enum
import threading
import time
from dataclasses import dataclass


class FeedState(str, enum.Enum):
    OFF = "off"
    LISTENING = "listening"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """One input's state at one moment (an immutable copy; safe to hand to any thread)."""

    label: str
    state: FeedState
    peer: str | None
    last_message_ms: int | None
    messages: int
    rate: float  # messages per second over the last few seconds
    dropped: int  # well-formed messages thrown away (rate cap, size cap, writer full)
    malformed: int  # messages that could not be used (broken XML or protobuf, bad fields)
    last_error: str | None
    connections: int = 0  # open connections (servers) or connects so far (clients)
    refused: int = 0  # connections refused by the per-peer cap

    def line(self) -> str:
        """A one-line summary for logs and the command line."""
        parts = [f"{self.label}: {self.state.value}"]
        if self.peer:
            parts.append(f"({self.peer})")
        parts.append(f"{self.messages} msgs, {self.rate:.1f}/s")
        if self.dropped:
            parts.append(f"{self.dropped} dropped")
        if self.malformed:
            parts.append(f"{self.malformed} malformed")
        if self.refused:
            parts.append(f"{self.refused} connections refused")
        if self.last_message_ms:
            parts.append(f"last {max(0.0, time.time() - self.last_message_ms / 1000):.0f} s ago")
        if self.last_error:
            parts.append(f"- {self.last_error}")
        return " ".join(parts)


class RateMeter:
    """Messages per second over a sliding window of one-second buckets."""

    def __init__(self, window_s: int = 5):
        self._window = window_s
        self._buckets: dict[int, int] = {}

    def add(self, n: int, now: float) -> None:
        sec = int(now)
        self._buckets[sec] = self._buckets.get(sec, 0) + n
        if len(self._buckets) > self._window + 2:
            for k in [k for k in self._buckets if k <= sec - self._window - 1]:
                del self._buckets[k]

    def rate(self, now: float) -> float:
        sec = int(now)
        # Whole past seconds only, so the figure does not jump at each second's start.
        total = sum(v for k, v in self._buckets.items() if sec - self._window <= k < sec)
        return total / self._window


class StatusTracker:
    """The mutable side of :class:`FeedStatus`, updated from an input's own threads."""

    def __init__(self, label: str):
        self._lock = threading.Lock()
        self.label = label
        self._state = FeedState.OFF
        self._peer: str | None = None
        self._last_ms: int | None = None
        self._messages = self._dropped = self._malformed = self._refused = self._connections = 0
        self._error: str | None = None
        self._meter = RateMeter()

    def state(self, state: FeedState, *, peer: str | None = ..., error: str | None = ...) -> None:  # type: ignore[assignment]
        """Set the state; ``peer``/``error`` change only when given (None clears them)."""
        with self._lock:
            self._state = state
            if peer is not ...:
                self._peer = peer
            if error is not ...:
                self._error = error

    def error(self, message: str, *, state: FeedState | None = FeedState.ERROR) -> None:
        with self._lock:
            self._error = message
            if state is not None:
                self._state = state

    def messages(self, n: int = 1) -> None:
        now = time.time()
        with self._lock:
            self._messages += n
            self._last_ms = int(now * 1000)
            self._meter.add(n, now)

    def dropped(self, n: int = 1) -> None:
        with self._lock:
            self._dropped += n

    def malformed(self, n: int = 1) -> None:
        with self._lock:
            self._malformed += n

    def refused(self, n: int = 1) -> None:
        with self._lock:
            self._refused += n

    def connections(self, delta: int) -> None:
        with self._lock:
            self._connections += delta

    def snapshot(self) -> FeedStatus:
        now = time.time()
        with self._lock:
            return FeedStatus(self.label, self._state, self._peer, self._last_ms, self._messages,
                              self._meter.rate(now), self._dropped, self._malformed, self._error,
                              self._connections, self._refused)


class TokenBucket:
    """``rate`` tokens a second, holding at most ``burst``; not thread-safe (one per peer,
    used on the thread that reads that peer)."""

    def __init__(self, rate: float, burst: float):
        self.rate = float(rate)
        self.burst = float(burst)
        self._tokens = float(burst)
        self._t = time.monotonic()

    def take(self, n: float = 1.0) -> bool:
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._t) * self.rate)
        self._t = now
        if self._tokens >= n:
            self._tokens -= n
            return True
        return False
