"""Incidents and areas on the TAK network, and shapes drawn in the field as areas, in the
window (the Qt-free work is :mod:`desktop.live.shapes`).

While a TAK connection is open (Feeds…), the saved areas and the incidents that are not
closed are published as CoT shapes and kept up to date: the cache is looked at every two
seconds and right after the session's areas change (an area saved), and only what changed
is sent, on the live writer's thread, never on the GUI thread. Shapes drawn on TAK
devices become saved areas (the live writer's record listener stores them) and appear in
the Filters dock's list, inactive, named as the field named them; a shape removed there
leaves the list.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.cache import CacheError
from desktop.core.geo import GeoError, area_from_geojson
from desktop.live.shapes import AreaChange, ShapePublisher, ShapeReceiver, ensure_station, saved_properties
from desktop.ui.panels.base import Panel

log = logging.getLogger("sitmap.tak")
PUBLISH_MS = 2000
SOON_MS = 200


class _Relay(QObject):
    """Carries area changes from the writer thread to the GUI thread (a queued signal)."""

    areaChanged = Signal(object)


class TakShapesPanel(Panel):
    name = "tak_shapes"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.live = ctx.services["live"]
        ctx.services["tak_shapes"] = self
        self.relay = _Relay(ctx.window)
        self.relay.areaChanged.connect(self._area_changed)
        self.receiver = ShapeReceiver(on_change=self.relay.areaChanged.emit)
        self.publisher: ShapePublisher | None = None
        self.last_stats = None
        self._hooked = None  # the live writer the receiver listens to
        self._station = None  # the future of the cache's station id
        self._pending = None  # the publish running on the writer thread
        self._links: list = []
        self._closed = False
        self.timer = QTimer(ctx.window, interval=PUBLISH_MS)
        self.timer.timeout.connect(self.publish)
        self.timer.start()
        self._soon = QTimer(ctx.window, singleShot=True, interval=SOON_MS)
        self._soon.timeout.connect(self.publish)
        # An input started (the writer exists from then on): listen at once.
        self.live.statusChanged.connect(lambda _s: self._hook())
        self.session.events.connect("areas", lambda _a: self._soon.start())

    def _hook(self) -> None:
        writer = self.live.writer
        if writer is None or writer is self._hooked or self._closed:
            return
        writer.add_record_listener(self.receiver.on_records)
        self._hooked = writer
        if self.publisher is None and self._station is None:
            self._station = writer.run_on_writer(lambda cache: ensure_station(cache.conn))

    def tak_links(self) -> list:
        return self.live.tak_links()

    def publish(self) -> None:
        """Send what changed to the open TAK connections (on the writer thread)."""
        self._hook()
        writer = self._hooked
        if self._closed or writer is None or writer is not self.live.writer:
            return
        self._links = self.tak_links()  # read here, on the GUI thread that changes the inputs
        if not self._links:
            return
        if self.publisher is None:
            if self._station is None or not self._station.done():
                return
            try:
                station = self._station.result()
            except Exception as exc:  # a cache that cannot be written: say so once, try no more
                log.error("TAK shapes not published: %s", exc)
                self._station = None
                return
            self.publisher = ShapePublisher(lambda: self._links, station=station, sender_uid=self.live.uid)
        if self._pending is not None and not self._pending.done():
            return
        publisher = self.publisher
        self._pending = writer.run_on_writer(lambda cache: publisher.publish(cache.conn))
        self._pending.add_done_callback(self._published)

    def _published(self, fut) -> None:  # the writer thread
        try:
            self.last_stats = fut.result()
        except Exception as exc:
            log.error("TAK shapes not published: %s", exc)

    def _area_changed(self, change: AreaChange) -> None:
        """A shape from the field was saved, changed or removed: the session's list follows."""
        if self._closed:
            return
        s = self.session
        if change.action == "removed":
            s.remove_area(change.name)
            self.ctx.status(self.tr("Area “{name}” removed on TAK").format(name=change.name), 8000)
            return
        try:
            row = self.ctx.writer().conn.execute("SELECT geometry, exclude FROM areas WHERE name = ?",
                                                 (change.name,)).fetchone()
            if row is None:
                return
            area = area_from_geojson(change.name, json.loads(row[0]), bool(row[1]))
            area = replace(area, properties=saved_properties(row[0]))  # "from TAK <uid>" for the list
        except (CacheError, GeoError, ValueError) as exc:
            log.warning("area %s from TAK not shown: %s", change.name, exc)
            return
        old = s.area(change.previous or change.name)
        with s.batch():
            if change.previous and change.previous != change.name:
                s.remove_area(change.previous)
            s.add_area(area, active=bool(old and old.active), visible=True if old is None else old.visible,
                       saved=True)
        self.ctx.status(self.tr("Area “{name}” received from TAK").format(name=change.name), 8000)

    def shutdown(self) -> None:
        self._closed = True
        self.timer.stop()
        self._soon.stop()
        if self._hooked is not None:
            self._hooked.remove_record_listener(self.receiver.on_records)
            self._hooked = None


PANEL = TakShapesPanel
