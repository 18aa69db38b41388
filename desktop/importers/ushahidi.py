"""Ushahidi report exports (CSV), both layouts.

* v2: ``#,INCIDENT TITLE,INCIDENT DATE,LOCATION,DESCRIPTION,CATEGORY,LATITUDE,LONGITUDE,
  …,APPROVED,VERIFIED``. Dates are the server's local time with no zone; categories
  are comma-joined in one cell.
* v3 and later: headers are the survey's field labels, row 2 is an HXL tag row, and a
  location field becomes two columns ``<Label>.lat`` and ``<Label>.lon``.

Decoding and row reading are the CSV importer's (:func:`csvfile.open_table`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from desktop.importers import fields as F
from desktop.importers.base import BadRecord, ImportContext, ImportFailed, hashtags_in, links_in
from desktop.importers.csvfile import Table, cell, head_rows, open_table
from desktop.core.model import Item, Kind, Precision, Record

NAME = "ushahidi"

_HXL_TAG_RE = re.compile(r"#[A-Za-z][\w]*")
V3_ID = ("post id", "id")
V3_TITLE = ("title", "제목")
V3_DESCRIPTION = ("description", "설명", "내용")
# The post date is when the reported event happened; created is when it was entered.
V3_TIME = ("post date", "post date (utc)", "created (utc)", "created", "date", "작성일시", "일시")
V3_CATEGORIES = ("categories", "category", "tags", "카테고리", "분류")
V3_AUTHOR = ("contact", "author", "작성자")
V3_STATUS = ("post status", "status")
V3_SURVEY = ("survey",)


def _is_hxl(row: list[str]) -> bool:
    """An HXL hashtag row: every non-empty cell is a tag like ``#geo +lat``."""
    cells = [c.strip() for c in row if c.strip()]
    return bool(cells) and all(c.startswith("#") for c in cells) and any(_HXL_TAG_RE.match(c) for c in cells)


def _location_pairs(header: list[str]) -> list[tuple[str, int, int]]:
    """(label, lat column, lon column) for every ``<Label>.lat`` with a matching ``<Label>.lon``."""
    keys = [F.key(h) for h in header]
    pairs = []
    for i, k in enumerate(keys):
        if k.endswith(".lat") and len(k) > 4:
            lon_key = k[:-4] + ".lon"
            if lon_key in keys:
                pairs.append((header[i][:-4], i, keys.index(lon_key)))
    return pairs


def _is_v2(header: list[str]) -> bool:
    keys = {F.key(h) for h in header}
    return "incident title" in keys and "latitude" in keys


def sniff(head: bytes, path: Path) -> int:
    """50 for a v2 header, an HXL second row, or ``.lat``/``.lon`` column pairs (beats plain CSV)."""
    rows = head_rows(head, 2)
    if not rows:
        return 0
    if _is_v2(rows[0]) or _location_pairs(rows[0]) or (len(rows) > 1 and _is_hxl(rows[1])):
        return 50
    return 0


@dataclass
class _Layout:
    version: int
    id: int | None
    title: int | None
    description: int | None
    time: int
    time_utc: bool
    lat: int | None
    lon: int | None
    place: int | None = None
    categories: int | None = None
    authors: list[int] = field(default_factory=list)
    flags: dict[str, int] = field(default_factory=dict)  # extra name -> column


def _layout(path: Path, t: Table, ctx: ImportContext) -> _Layout:
    if _is_v2(t.header):
        time = t.find(("incident date",))
        if time is None:
            raise ImportFailed(path, "Ushahidi v2 export without an INCIDENT DATE column")
        flags = {name: idx for name, idx in (("approved", t.find(("approved",))), ("verified", t.find(("verified",))))
                 if idx is not None}
        authors = [i for i in (t.find(("first name",)), t.find(("last name",))) if i is not None]
        return _Layout(2, t.find(("#",)), t.find(("incident title",)), t.find(("description",)), time, False,
                       t.find(("latitude",)), t.find(("longitude",)), place=t.find(("location",)),
                       categories=t.find(("category",)), authors=authors, flags=flags)
    time_name = F.pick(t.names, V3_TIME)
    id_col = t.find(V3_ID)
    pairs = _location_pairs(t.header)
    if time_name is None or (id_col is None and not pairs):
        raise ImportFailed(path, "not an Ushahidi export: no INCIDENT TITLE/LATITUDE (v2) and no Post ID, "
                                 "Post date or <Location>.lat/.lon columns (v3)")
    if len(pairs) > 1:
        ctx.note(f"several location fields; positions are taken from {pairs[0][0]!r}")
    lat, lon = (pairs[0][1], pairs[0][2]) if pairs else (None, None)
    author = t.find(V3_AUTHOR)
    flags = {name: idx for name, idx in (("status", t.find(V3_STATUS)), ("survey", t.find(V3_SURVEY)))
             if idx is not None}
    return _Layout(3, id_col, t.find(V3_TITLE), t.find(V3_DESCRIPTION), t.column(time_name),
                   "utc" in F.key(time_name), lat, lon, categories=t.find(V3_CATEGORIES),
                   authors=[author] if author is not None else [], flags=flags)


def _categories(value: str) -> list[str]:
    """Category names from one comma-joined cell, as hashtags (inner spaces become '_')."""
    return [re.sub(r"\s+", "_", c.strip()) for c in value.split(",") if c.strip()]


def _flag(value: str) -> bool | str:
    v = value.strip().casefold()
    if v in ("yes", "y", "true", "1"):
        return True
    if v in ("no", "n", "false", "0"):
        return False
    return value.strip()


def _item(fields: list[str], lay: _Layout, ctx: ImportContext, ids: F.MangledIds) -> Item:
    lat = lon = None
    raw_lat, raw_lon = cell(fields, lay.lat), cell(fields, lay.lon)
    if raw_lat or raw_lon:
        if not (raw_lat and raw_lon):
            raise BadRecord("only one of latitude and longitude is given")
        lat, lon = F.latlon(raw_lat, raw_lon)
    t_raw = cell(fields, lay.time)
    if not t_raw:
        raise BadRecord("no date")
    # v2 servers wrote their local time with no zone: ctx.naive_zone() decides and says so.
    t_ms = F.time_ms(t_raw, ctx, assume_utc=lay.time_utc)
    title, description = cell(fields, lay.title), cell(fields, lay.description)
    text = "\n".join(p for p in (title, description) if p)
    tags = _categories(cell(fields, lay.categories)) + hashtags_in(text)
    author = " ".join(p for p in (cell(fields, i) for i in lay.authors) if p) or None
    extra = {name: _flag(cell(fields, idx)) for name, idx in lay.flags.items() if cell(fields, idx)}
    sid = ids.usable(cell(fields, lay.id))
    return Item(
        kind=Kind.POST, source=NAME, source_id=F.record_id(sid, t_ms, lat, lon, text), t_ms=t_ms, text=text,
        lat=lat, lon=lon, precision=Precision.EXACT if lat is not None else Precision.UNKNOWN,
        author=author, place_name=cell(fields, lay.place) or None, hashtags=tuple(tags),
        links=tuple(links_in(text)), extra=extra or None,
    )


def read(path: Path, ctx: ImportContext) -> Iterator[Record]:
    """Yield one POST item per report row."""
    F.check_options(path, ctx)
    no_position = 0
    ids = F.MangledIds()
    with open_table(path, ctx) as table:
        lay = _layout(path, table, ctx)
        first = True
        for line, fields in table.rows:
            if first:
                first = False
                if lay.version == 3 and _is_hxl(fields):
                    continue  # the HXL tag row describes the columns; it is not a report
            try:
                item = _item(fields, lay, ctx, ids)
            except BadRecord as exc:
                ctx.skip(f"line {line}", F.reason(exc))
                continue
            if item.lat is None:
                no_position += 1
            if ctx.options.keep_raw:
                item.raw = table.delimiter.join(fields)
            yield item
    ids.report(ctx)
    if no_position:
        ctx.note(f"{no_position} report(s) have no location: on the timeline but not on the map")
