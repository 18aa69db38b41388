"""What every live input shares: a label, a sink, a status tracker and one thread
that a peer can never end."""

from __future__ import annotations

import logging
import threading
from typing import Callable

from desktop.importers.xmlsafe import MAX_EVENT_BYTES
from desktop.live import codec
from desktop.live.codec import AUTH_PLAIN
from desktop.live.status import FeedState, FeedStatus, StatusTracker, TokenBucket
from desktop.core.model import Record

log = logging.getLogger(__name__)

Sink = Callable[[list[Record], str], object]
READ_BYTES = 65536
POLL_S = 0.25  # how often a blocked thread checks whether it was asked to stop


class NetInput:
    """What every input shares: a label, a sink, a status tracker and one thread."""

    kind = "input"

    def __init__(self, sink: Sink, label: str | None, max_event_bytes: int = MAX_EVENT_BYTES, *,
                 default_label: str = "feed"):
        self.sink = sink
        self._auto_label = label is None
        self.label = label or default_label
        self.max_event_bytes = max_event_bytes
        self._status = StatusTracker(self.label)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._buckets: dict[str, TokenBucket] = {}
        self.rate, self.burst = 1000.0, 5000.0  # messages a second per remote address

    def _bound(self, label: str) -> None:
        """Name the feed after the port actually bound (port 0 asks for any free one)."""
        if self._auto_label:
            self.label = self._status.label = label

    @property
    def status(self) -> FeedStatus:
        return self._status.snapshot()

    def start(self) -> "NetInput":
        if self._thread is None:
            self._stop.clear()
            self._open()  # bind errors reach the caller here, not a log line
            self._thread = threading.Thread(target=self._guarded, name=f"sitmap-{self.label}", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._close()
        self._status.state(FeedState.OFF)

    def _open(self) -> None:
        pass

    def _close(self) -> None:
        pass

    def _guarded(self) -> None:
        try:
            self._run()
        except Exception as exc:  # a bug, not a peer: say so in the status instead of dying silently
            log.exception("%s stopped", self.label)
            self._status.error(f"stopped by an internal error: {exc}")

    def _run(self) -> None:
        raise NotImplementedError

    def _emit(self, records: list[Record], auth: str = AUTH_PLAIN, messages: int | None = None) -> None:
        """Hand records to the sink; when it refuses them, the ``messages`` they came from
        (default: one per record) are counted as dropped, as every other drop is counted."""
        if records:
            codec.tag_records(records, self.label, auth)
            put = getattr(self.sink, "put", None) if self.stream_wait_s else None
            refused = (put(records, self.label, wait_s=self.stream_wait_s) if put is not None
                       else self.sink(records, self.label)) is False
            if refused:
                self._status.dropped(len(records) if messages is None else messages)

    _ordered = None  # an OrderedParser while the input parses in worker processes
    # A stream input waits this long for room in a LiveWriter (backpressure: it stops reading
    # and its sender slows); a datagram input waits the writer's short default, then drops.
    stream_wait_s: float | None = None

    auth = AUTH_PLAIN  # how the peer was authenticated, tagged on its records

    def _parsed(self, records: list[Record], messages: int, malformed: int) -> None:
        """Records parsed in a worker process (OrderedParser's thread, in the input's order)."""
        if malformed:
            self._status.malformed(malformed)
        if messages:
            self._status.messages(messages)
        self._emit(records, self.auth, messages=messages)

    def _bucket(self, ip: str) -> TokenBucket:
        """The rate limit of one remote address (used only on the input's own thread)."""
        bucket = self._buckets.get(ip)
        if bucket is None:
            if len(self._buckets) > 4096:
                self._buckets.clear()  # bounded; a forgotten sender only gets a fresh burst
            bucket = self._buckets[ip] = TokenBucket(self.rate, self.burst)
        return bucket
