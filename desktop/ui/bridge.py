"""The one object shared between Python and the page over QWebChannel.

Python → page: ``send(dict)`` → the ``toPage`` signal carries one JSON message; until
the page says ``ready`` messages wait in a queue (the newest of each kind wins).
Page → Python: slots that take strings and numbers only; every argument is checked
here before anything else sees it, and a bad one is logged and dropped.
"""

from __future__ import annotations

import json
import logging
import math

from PySide6.QtCore import QObject, Signal, Slot

from desktop.engine.mapdata import page_json

log = logging.getLogger("sitmap.bridge")

MAX_MESSAGE = 2_000_000  # characters from the page in one call
MAX_VERTICES = 20_000
LOG_LEVELS = {"debug", "info", "warning", "error"}
DRAW_KINDS = {"polygon", "rectangle", "circle"}
# Messages where only the latest matters while the page is not ready yet.
COALESCE = {"items", "units", "areas", "view", "select", "settings", "draw", "fit", "i18n", "tiles", "districts",
            "builtinDistricts", "choropleth"}
MAX_CHOROPLETH = 4000  # districts in one choropleth message (읍면동: 3,504)
_CODE_LEN = {"sido": 2, "sigungu": 5, "emd": 7}


def choropleth_message(level: str, counts: dict[str, int] | None) -> dict:
    """The page message that colours the built-in districts of ``level`` by ``counts``
    (KOSTAT code -> count), or with ``level`` "loaded" the features of the loaded boundary
    layer (its ``k``, the feature's row -> count); ``counts`` None or empty clears it. Checked
    here: the level is one of four, every code is that level's digits (a row: 1 to 7), every
    count a positive whole number."""
    if not counts:
        return {"type": "choropleth", "level": "", "codes": [], "counts": []}
    if level not in _CODE_LEN and level != "loaded":
        raise BridgeError(f"choropleth: unknown district level {level!r}")
    if len(counts) > MAX_CHOROPLETH:
        raise BridgeError(f"choropleth: {len(counts)} districts, at most {MAX_CHOROPLETH}")
    codes, ns = [], []
    for code, n in counts.items():
        if not (isinstance(code, str) and code.isascii() and code.isdigit()
                and (len(code) == _CODE_LEN[level] if level in _CODE_LEN else 1 <= len(code) <= 7)):
            raise BridgeError(f"choropleth: {code!r} is not a {level} code")
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise BridgeError(f"choropleth: the count of {code} is not a whole number")
        if n:
            codes.append(code)
            ns.append(n)
    return {"type": "choropleth", "level": level, "codes": codes, "counts": ns}


_TEXT = "\x00text"  # key of a queued message that is already serialised (send_text)


class BridgeError(ValueError):
    pass


def _num(v, lo: float, hi: float, what: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not (lo <= v <= hi):
        raise BridgeError(f"{what} out of range: {v!r}")
    return float(v)


def _loads(text: str, what: str):
    if not isinstance(text, str) or len(text) > MAX_MESSAGE:
        raise BridgeError(f"{what}: not a string or too long")
    try:
        return json.loads(text)
    except ValueError:
        raise BridgeError(f"{what}: not JSON") from None


def validate_view(obj) -> dict:
    if not isinstance(obj, dict):
        raise BridgeError("view: not an object")
    b = obj.get("bounds")
    if not isinstance(b, list) or len(b) != 4:
        raise BridgeError("view: bounds must be [west, south, east, north]")
    w = _num(b[0], -540, 540, "west")
    s = _num(b[1], -90, 90, "south")
    e = _num(b[2], -540, 540, "east")
    n = _num(b[3], -90, 90, "north")
    return {
        "bounds": (max(w, -180.0), s, min(e, 180.0), n),
        "zoom": _num(obj.get("zoom"), 0, 24, "zoom"),
        "width": int(_num(obj.get("width"), 1, 20000, "width")),
        "height": int(_num(obj.get("height"), 1, 20000, "height")),
        "center": (_num(obj["center"][1], -90, 90, "lat"), _num(obj["center"][0], -540, 540, "lon"))
        if isinstance(obj.get("center"), list) and len(obj["center"]) == 2 else None,
    }


def _ring(coords) -> list[tuple[float, float]]:
    if not isinstance(coords, list) or not (3 <= len(coords) <= MAX_VERTICES):
        raise BridgeError("area: a ring needs 3 to 20000 points")
    out = []
    for p in coords:
        if not isinstance(p, list) or len(p) != 2:
            raise BridgeError("area: points must be [lon, lat]")
        out.append((_num(p[0], -180, 180, "lon"), _num(p[1], -90, 90, "lat")))
    return out


def validate_area(obj) -> dict:
    """A drawn shape: {'kind': 'polygon'|'rectangle', 'ring': [[lon,lat]…]} or a circle."""
    if not isinstance(obj, dict) or obj.get("kind") not in DRAW_KINDS:
        raise BridgeError("area: unknown kind")
    if obj["kind"] == "circle":
        c = obj.get("center")
        if not isinstance(c, list) or len(c) != 2:
            raise BridgeError("area: circle needs a center [lon, lat]")
        return {"kind": "circle", "center": (_num(c[0], -180, 180, "lon"), _num(c[1], -90, 90, "lat")),
                "radius_m": _num(obj.get("radius_m"), 1, 2_000_000, "radius")}
    return {"kind": obj["kind"], "ring": _ring(obj.get("ring"))}


def validate_rendered(obj) -> dict:
    if not isinstance(obj, dict):
        raise BridgeError("rendered: not an object")
    out = {}
    for k in ("gen", "points", "cells", "cell_total", "units", "areas", "total", "ms"):
        v = obj.get(k, 0)
        out[k] = _num(v, 0, 1e12, k)
    out["mode"] = obj.get("mode") if obj.get("mode") in ("points", "density", "heat", "empty") else "empty"
    for k in ("gen", "points", "cells", "cell_total", "units", "areas", "total"):
        out[k] = int(out[k])
    return out


class Bridge(QObject):
    """Registered on the page's web channel as ``sitmap`` before the page loads."""

    toPage = Signal(str)  # noqa: N815 (JS-visible name)

    pageReady = Signal(dict)
    viewChanged = Signal(dict)
    itemClicked = Signal(int)
    unitClicked = Signal(str)  # a unit marker was clicked: its uid
    areaDrawn = Signal(dict)
    drawEnded = Signal()
    contextRequested = Signal(float, float)
    rendered = Signal(dict)
    framed = Signal(int)  # the frame showing update ``gen`` is done (benchmarks: sitmap.debug.framesAfterDrew)
    pageLog = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.is_ready = False
        self._queue: list[dict] = []
        self.rejected = 0
        self.last_rendered: dict | None = None
        self.sent = 0
        self.unchanged = 0  # messages not sent because the page already had them (send_text)
        self._last_text: dict[str, str] = {}  # kind -> the text the page last got (send_text)

    # Python → page --------------------------------------------------------------
    def send(self, message: dict) -> None:
        kind = message.get("type")
        if _TEXT not in message:
            self._last_text.pop(kind, None)  # the page's copy now comes from this message
        if not self.is_ready:
            if kind in COALESCE:
                self._queue = [m for m in self._queue if m.get("type") != kind]
            self._queue.append(message)
            return
        self.sent += 1
        text = message.get(_TEXT)
        self.toPage.emit(text if text is not None else page_json(message))

    def send_text(self, kind: str, text: str) -> None:
        """Send a message already serialised (elsewhere than on the window's thread, e.g.
        ``engine.mapdata.page_json``), and only when the page does not have that very text
        already: a page that is reloading gets it again once ready."""
        if self._last_text.get(kind) == text:
            self.unchanged += 1
            return
        self.send({"type": kind, _TEXT: text})
        self._last_text[kind] = text

    def reset(self) -> None:
        """The page is reloading (or its renderer died): queue again until it is ready."""
        self.is_ready = False
        self._last_text.clear()  # a new page has nothing yet

    # page → Python --------------------------------------------------------------
    def _reject(self, what: str, exc: Exception) -> None:
        self.rejected += 1
        log.warning("bridge dropped %s: %s", what, exc)

    @Slot(str)
    def ready(self, info: str) -> None:
        try:
            obj = _loads(info, "ready")
            if not isinstance(obj, dict):
                raise BridgeError("ready: not an object")
        except BridgeError as exc:
            self._reject("ready", exc)
            return
        self.is_ready = True
        queued, self._queue = self._queue, []
        for m in queued:
            self.send(m)
        self.pageReady.emit(obj)

    @Slot(str, str)
    def log(self, level: str, message: str) -> None:
        if level not in LOG_LEVELS or not isinstance(message, str):
            self._reject("log", BridgeError("bad level"))
            return
        message = message[:4000]
        logging.getLogger("sitmap.page.js").log(getattr(logging, level.upper()), "%s", message)
        self.pageLog.emit(level, message)

    @Slot(str)
    def view(self, payload: str) -> None:
        try:
            v = validate_view(_loads(payload, "view"))
        except (BridgeError, KeyError, TypeError, IndexError) as exc:
            self._reject("view", exc)
            return
        self.viewChanged.emit(v)

    @Slot(str)
    def unit(self, uid: str) -> None:
        """A unit marker was clicked (the click is the unit's, not the post's underneath)."""
        if not isinstance(uid, str) or not uid or len(uid) > 200:
            self._reject("unit", BridgeError("bad unit uid"))
            return
        self.unitClicked.emit(uid)

    @Slot(float)
    def click(self, item_id: float) -> None:
        if not (isinstance(item_id, (int, float)) and math.isfinite(item_id) and item_id == int(item_id) and 0 < item_id < 2**53):
            self._reject("click", BridgeError(f"bad id {item_id!r}"))
            return
        self.itemClicked.emit(int(item_id))

    @Slot(str)
    def area(self, payload: str) -> None:
        try:
            a = validate_area(_loads(payload, "area"))
        except (BridgeError, KeyError, TypeError, IndexError) as exc:
            self._reject("area", exc)
            return
        self.areaDrawn.emit(a)

    @Slot()
    def drawDone(self) -> None:  # noqa: N802
        self.drawEnded.emit()

    @Slot(float, float)
    def context(self, lat: float, lon: float) -> None:
        try:
            self.contextRequested.emit(_num(lat, -90, 90, "lat"), _num(lon, -180, 180, "lon"))
        except BridgeError as exc:
            self._reject("context", exc)

    @Slot(float)
    def frameDone(self, gen: float) -> None:  # noqa: N802
        try:
            self.framed.emit(int(_num(gen, 0, 1e12, "gen")))
        except BridgeError as exc:
            self._reject("framed", exc)

    @Slot(str)
    def drew(self, payload: str) -> None:
        try:
            r = validate_rendered(_loads(payload, "rendered"))
        except BridgeError as exc:
            self._reject("rendered", exc)
            return
        self.last_rendered = r
        self.rendered.emit(r)
