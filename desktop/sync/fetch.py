"""Fetching a time span from the shared store on demand.

A workstation joining mid-incident pulls only the items of the recent past (``--since``,
24 hours by default in the window): the change log's older item rows are passed over.
The cache remembers from when it holds the store's items (``sync.<store>.have_from``;
absent: everything). Asking for an earlier time (``sitmap sync --since 7d`` again, or the
window's slider going before ``have_from``) streams the missing span from the store with
:func:`fetch_span`: newest first, in pages, each page one cache transaction written as a
pull writes items (a ``sync`` batch, derived rows, the generation counted), with progress
and cancel. ``have_from`` moves back as pages commit, so a stop keeps what was fetched and
a rerun fetches only the rest. The store answers from its B-tree index on ``t_ms``.

A join can also be limited to an area (``sitmap sync --area 종로구``, a saved area or a box
``W,S,E,N``): the cache then holds the store's items whose position is inside it
(``sync.<store>.area``; the store answers from its GiST index on ``geom``), and items
without a position only when asked (``--with-unplaced``). Pulls and fetches apply the same
condition; items a pulled triage row, incident or alert names come whatever their place.
Changing the area later (``--area all`` lifts it) fetches the held span again under the new
one (``sync.<store>.area_refetch`` until done; items already held are not fetched twice,
and none is removed).
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from typing import Callable

from desktop.sync.pull import _ITEM_SELECT, Pulled, _write_items

PAGE = 20_000
HAVE_FROM = "have_from"
AREA = "area"
AREA_REFETCH = "area_refetch"


@dataclass(frozen=True)
class JoinArea:
    """Where the cache holds the store's items: a GeoJSON geometry (WGS84) and its name."""

    name: str
    geometry: str
    unplaced: bool = False  # items without a position come too

    def sql(self, col: str = "geom") -> tuple[str, list]:
        """An SQL condition (`` AND …``) and its parameters for the store's items."""
        cond = f"ST_Intersects({col}, ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326))"
        if self.unplaced:
            cond = f"({cond} OR {col} IS NULL)"
        return " AND " + cond, [self.geometry]

    def to_json(self) -> str:
        return json.dumps({"name": self.name, "geometry": json.loads(self.geometry), "unplaced": self.unplaced},
                          ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "JoinArea":
        d = json.loads(text)
        return cls(d["name"], json.dumps(d["geometry"], sort_keys=True), bool(d.get("unplaced")))

    def describe(self) -> str:
        return self.name + (" and items without a position" if self.unplaced else "")


_BOX = re.compile(r"^\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*$")


def resolve_area(conn, text: str, *, unplaced: bool = False) -> JoinArea:
    """``W,S,E,N`` (degrees), a saved area of the cache, or a built-in district, as a join
    area; ValueError naming what was not understood."""
    m = _BOX.match(text)
    if m:
        w, s_, e, n = (float(v) for v in m.groups())
        if not (-180 <= w < e <= 180 and -90 <= s_ < n <= 90):
            raise ValueError(f"--area {text!r}: a box is W,S,E,N in degrees, west below east and south below north")
        ring = [[w, s_], [e, s_], [e, n], [w, n], [w, s_]]
        return JoinArea(f"{w:g},{s_:g},{e:g},{n:g}", json.dumps({"type": "Polygon", "coordinates": [ring]}),
                        unplaced)
    row = conn.execute("SELECT geometry FROM areas WHERE name = ?", (text,)).fetchone()
    if row is not None:
        geometry = json.loads(row[0])
        if geometry.get("type") == "Feature":  # a circle or a shape from TAK keeps its properties beside it
            geometry = geometry["geometry"]
        return JoinArea(text, json.dumps(geometry, sort_keys=True), unplaced)
    from shapely.geometry import mapping

    from desktop.core import kostat
    from desktop.core.geo import GeoError

    try:
        u = kostat.resolve(text)
    except GeoError as exc:
        raise ValueError(f"--area {text!r}: not a box W,S,E,N, a saved area or a built-in district ({exc})") from None
    return JoinArea(u["qualified"], json.dumps(mapping(u["geometry"]), sort_keys=True), unplaced)


def join_area(link) -> JoinArea | None:
    v = link.state.get_key(AREA)
    return JoinArea.from_json(v) if v else None


def area_sql(link) -> tuple[str, list]:
    """The link's area condition for the store's items ("" when it holds every place)."""
    a = getattr(link, "area", None)
    return a.sql() if a is not None else ("", [])


@dataclass
class Fetched:
    items: int = 0  # written into the cache (already there: not counted)
    seen: int = 0  # read from the store
    total: int = 0  # in the span, as the store counted it at the start
    complete: bool = True  # False: cancelled before the end


def have_from(link) -> int | None:
    """The earliest time (UTC ms) from which the cache holds the store's items; None: all."""
    v = link.state.get_key(HAVE_FROM)
    return int(v) if v is not None else None


def store_span(link) -> tuple[int, int] | None:
    """The first and last item time in the store (from its index), or None when it is empty."""
    with link.pg.transaction():
        row = link.pg.execute("SELECT min(t_ms), max(t_ms) FROM items").fetchone()
    return (int(row[0]), int(row[1])) if row and row[0] is not None else None


def fetch_span(link, start_ms: int, end_ms: int, *, on_progress: Callable[[Fetched], None] | None = None,
               cancel: threading.Event | None = None, page: int = PAGE) -> Fetched:
    """Bring the store's items with ``start_ms <= t_ms < end_ms`` (in the link's area, if it
    has one) into the cache, newest first; ``have_from`` moves back to the oldest time
    fetched as each page commits."""
    out = Fetched()
    pg = link.pg
    where, wp = area_sql(link)
    with pg.transaction():
        out.total = int(pg.execute("SELECT count(*) FROM items WHERE t_ms >= %s AND t_ms < %s" + where,
                                   (start_ms, end_ms, *wp)).fetchone()[0])
    upper = end_ms
    while True:
        if cancel is not None and cancel.is_set():
            out.complete = False
            break
        with pg.transaction():
            rows = pg.execute(_ITEM_SELECT + " WHERE t_ms >= %s AND t_ms < %s" + where +
                              " ORDER BY t_ms DESC, id DESC LIMIT %s", (start_ms, upper, *wp, page)).fetchall()
        if not rows:
            break
        oldest = int(rows[-1][4])
        # A page that ends inside a run of equal times stops before that time; the next takes it whole.
        full = len(rows) >= page
        if full:
            keep = [r for r in rows if int(r[4]) > oldest]
            if keep:  # everything from oldest + 1 on is in this page
                rows, oldest = keep, oldest + 1
            else:  # one instant holds more than a page: that instant whole
                with pg.transaction():
                    rows = pg.execute(_ITEM_SELECT + " WHERE t_ms = %s" + where + " ORDER BY id",
                                      (oldest, *wp)).fetchall()
        sink = Pulled()
        with link.cache.transaction():
            _write_items(link, rows, sink)
            mark = oldest if full else start_ms
            now = have_from(link)
            if now is None or mark < now:
                link.state.put_key(HAVE_FROM, mark)
        out.items += sink.counts.get("items", 0)
        out.seen += len(rows)
        if on_progress is not None:
            on_progress(out)
        if not full:
            break
        upper = oldest
    if out.complete:  # the whole span is in (also when the store had nothing in it)
        now = have_from(link)
        if now is None or start_ms < now:
            with link.cache.transaction():
                link.state.put_key(HAVE_FROM, start_ms)
    link.since_ms = have_from(link)
    return out
