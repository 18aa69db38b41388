"""Watched files: a drop folder whose new files are imported once each, and a
JSON-lines capture followed as it grows (X v1.1 or v2 stream lines).

Both poll (no extra dependencies, the same on every platform) and run on their own
thread with the same status as the network inputs.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Callable, Iterator

from desktop.importers import twitter_v1, twitter_v2
from desktop.importers.base import ImportContext, ImportFailed
from desktop.live.netbase import Sink
from desktop.live.status import FeedState, FeedStatus, StatusTracker
from desktop.core.model import Item, Record

# Names a writer uses while a file is still being written (browsers, rsync, editors).
_PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".download", "~", ".swp")
MAX_LINE_BYTES = 1 << 20  # one post with its includes is a few KiB
READ_CHUNK = 4 << 20  # bytes read per poll, so a huge backlog never stalls stopping


class _Poller:
    """A thread calling ``poll()`` every ``interval`` seconds until stopped."""

    def __init__(self, label: str, interval: float):
        self.label = label
        self.interval = interval
        self._status = StatusTracker(label)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def status(self) -> FeedStatus:
        return self._status.snapshot()

    def start(self):
        if self._thread is None:
            self._stop.clear()
            self._status.state(FeedState.LISTENING, error=None)
            self._thread = threading.Thread(target=self._loop, name=f"sitmap-{self.label}", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._status.state(FeedState.OFF)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll()
            except Exception as exc:  # a bug or a vanished disk: shown, and the next poll tries again
                self._status.error(f"{type(exc).__name__}: {exc}", state=None)
            self._stop.wait(self.interval)

    def poll(self) -> int:
        raise NotImplementedError


class DropFolderWatcher(_Poller):
    """Imports each new file in ``folder`` once, after its size stopped changing.

    ``importer(path)`` does the import (e.g. :meth:`LiveWriter.import_file`, atomic per
    file) and raises :class:`ImportFailed` for a file it refuses. Done files are
    remembered by (name, size, mtime); a file that changes is imported again, which
    adds only what is new because re-import is a no-op. Nothing is moved or deleted.
    """

    def __init__(self, folder: str | Path, importer: Callable[[Path], object], *, interval: float = 0.5,
                 label: str | None = None):
        super().__init__(label or f"folder:{Path(folder).name}", interval)
        self.folder = Path(folder)
        self.importer = importer
        self.results: list[tuple[Path, object]] = []  # (file, ImportResult or the ImportFailed), newest last
        self._done: set[tuple[str, int, int]] = set()
        self._seen: dict[str, tuple[int, int]] = {}  # name -> (size, mtime_ns) at the last poll

    def poll(self) -> int:
        """Import the files whose size held since the last poll; the number imported."""
        try:
            entries = list(os.scandir(self.folder))
        except OSError as exc:
            self._status.error(f"cannot read {self.folder}: {exc.strerror or exc}")
            return 0
        self._status.state(FeedState.LISTENING, peer=str(self.folder))
        now: dict[str, tuple[int, int]] = {}
        imported = 0
        for e in sorted(entries, key=lambda e: e.name):
            if e.name.startswith(".") or e.name.endswith(_PARTIAL_SUFFIXES):
                continue
            try:
                if not e.is_file():
                    continue
                st = e.stat()
            except OSError:
                continue
            sig = (st.st_size, st.st_mtime_ns)
            now[e.name] = sig
            if st.st_size == 0 or (e.name, *sig) in self._done or self._seen.get(e.name) != sig:
                continue  # empty, done, or still changing since the last look
            imported += self._import(Path(e.path), (e.name, *sig))
        self._seen = now
        return imported

    def _import(self, path: Path, sig: tuple) -> int:
        try:
            result = self.importer(path)
        except ImportFailed as exc:
            self._done.add(sig)  # refused for what it holds: not tried again until it changes
            self._status.malformed()
            self._status.error(f"{path.name} refused: {exc.reason}", state=None)
            self._record(path, exc)
            return 0
        except Exception as exc:  # the cache is locked or the writer stopped: try again next poll
            self._status.error(f"{path.name} not imported yet: {exc}", state=None)
            return 0
        self._done.add(sig)
        self._status.messages()
        self._record(path, result)
        return 1

    def _record(self, path: Path, result: object) -> None:
        self.results.append((path, result))
        del self.results[:-100]


class JsonlTailer(_Poller):
    """Follows a growing JSON-lines capture of X posts and hands new records to ``sink``.

    Only complete lines are read (a partial last line waits for its newline). When the
    file shrinks it was truncated: reading restarts at its start. When the path names a
    new file (rotation), the rest of the old one is read first, then the new one from
    its start. Lines are read as X v2 when they carry ``data``, otherwise as v1.1.
    """

    def __init__(self, path: str | Path, sink: Sink | None = None, *, label: str | None = None,
                 interval: float = 0.25, from_start: bool = True):
        super().__init__(label or f"jsonl:{Path(path).name}", interval)
        self.path = Path(path)
        self.sink = sink
        self.from_start = from_start
        self._fh = None
        self._ident: tuple[int, int] | None = None
        self._pos = 0
        self._partial = b""
        self._overlong = False
        self._line_no = 0

    def stop(self, timeout: float = 10.0) -> None:
        super().stop(timeout)
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    # --- lines -------------------------------------------------------------------------
    def lines(self) -> Iterator[bytes]:
        """The complete lines added since the last call (without their newline)."""
        try:
            st = os.stat(self.path)
        except OSError:
            st = None
        if self._fh is not None and st is not None and (st.st_dev, st.st_ino) != self._ident:
            yield from self._drain(final=True)  # rotated: finish the old file first
            self._fh.close()
            self._fh = None
        if self._fh is None:
            if st is None:
                return
            try:
                self._fh = open(self.path, "rb")
            except OSError as exc:
                self._status.error(f"cannot open {self.path}: {exc.strerror or exc}", state=None)
                return
            self._ident = (os.fstat(self._fh.fileno()).st_dev, os.fstat(self._fh.fileno()).st_ino)
            self._pos, self._partial, self._overlong = 0, b"", False
            if not self.from_start:
                self._pos = os.fstat(self._fh.fileno()).st_size
                self.from_start = True  # a later rotation starts the new file at its beginning
        elif st is not None and st.st_size < self._pos:
            self._pos, self._partial, self._overlong = 0, b"", False  # truncated: start over
        yield from self._drain(final=False)

    def _drain(self, final: bool) -> Iterator[bytes]:
        self._fh.seek(self._pos)
        while True:
            chunk = self._fh.read(READ_CHUNK)
            if not chunk:
                break
            self._pos += len(chunk)
            parts = (self._partial + chunk).split(b"\n")
            self._partial = parts.pop()
            for line in parts:
                if self._overlong:  # the tail of a line already dropped as too long
                    self._overlong = False
                elif len(line) > MAX_LINE_BYTES:
                    self._status.dropped()
                else:
                    yield line
            if len(self._partial) > MAX_LINE_BYTES:
                self._status.dropped()
                self._partial, self._overlong = b"", True
            if len(chunk) < READ_CHUNK:
                break
        if final and self._partial.strip():
            if not self._overlong:
                yield self._partial  # the old file's last line will never get its newline
            self._partial, self._overlong = b"", False

    # --- records -----------------------------------------------------------------------
    def poll(self) -> int:
        """Read new lines and hand their records to the sink; the number of records."""
        ctx = ImportContext(path=self.path)
        records: list[Record] = []
        good = 0
        for line in self.lines():
            self._line_no += 1
            if not line.strip():
                continue  # keep-alive
            before = ctx.skipped
            records += self.convert(line, ctx, f"line {self._line_no}")
            if ctx.skipped > before:
                self._status.malformed(ctx.skipped - before)
            else:
                good += 1
            if ctx.skips:
                self._status.error(str(ctx.skips[-1]), state=None)
                ctx.skips.clear()
        if self._fh is not None:
            self._status.state(FeedState.LISTENING, peer=str(self.path))
        if good:
            self._status.messages(good)
        for rec in records:
            if isinstance(rec, Item):
                rec.extra = {**(rec.extra or {}), "feed": self.label}
        if records and self.sink is not None and self.sink(records, self.label) is False:
            self._status.dropped(len(records))
        return len(records)

    @staticmethod
    def convert(line: bytes, ctx: ImportContext, where: str) -> list[Record]:
        """Records of one line: X v2 when it carries ``data``, else v1.1."""
        try:
            text = line.decode("utf-8").strip()
            obj = json.loads(text)
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            ctx.skip(where, f"not a JSON line ({type(exc).__name__})")
            return []
        if isinstance(obj, dict) and "data" in obj:
            out = list(twitter_v2.record_items(obj, None, where, ctx))
        else:
            out = list(twitter_v1.record_items(obj, None, where, ctx))
        return out
