"""Delimited text (CSV, TSV, semicolon) with one post per row.

The file is streamed: only encoding detection reads it through once before the
rows are parsed. Columns are found by name (English or Korean, any case) and a
position that is out of range is kept aside, never swapped. The reading helpers
here (:func:`open_table`, :func:`head_text`) are shared with the Ushahidi importer.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from desktop.importers import fields as F
from desktop.importers.base import (
    MAX_FILE_BYTES, TIME_OF_DAY, BadRecord, ImportContext, ImportFailed, hashtags_in, links_in,
)
from desktop.core.model import Item, Kind, Precision, Record

NAME = "csv"
CHUNK = 1 << 20
DELIMITERS = ",\t;"

LAT_NAMES = ("lat", "latitude", "y", "위도")
LON_NAMES = ("lon", "lng", "long", "longitude", "x", "경도")
# Combined columns, compared with spaces, '_', '/', ',' and '-' removed.
LATLON_NAMES = ("latlon", "latlng", "latlong", "coordinates", "coords", "좌표")
LONLAT_NAMES = ("lonlat", "lnglat", "longlat")
WKT_NAMES = ("geometry", "wkt", "geom", "the_geom", "shape")
# The moment of a row, surest first. Names match in any case and with spaces, '_', '-',
# '/' or '.' left out, so 'Created At', 'createdAt', 'date_time', '작성 일시' count too.
CSV_TIME_NAMES = (
    # a full date and time (작성: written, 등록: registered, 발생: occurred, 접수: received, 신고: reported)
    "timestamp", "datetime", "created_at", "created_time", "create_time", "creation_time", "created", "posted_at",
    "post_time", "published_at", "reported_at", "occurred_at", "event_time", "time_utc", "utc_time",
    "작성일시", "등록일시", "발생일시", "접수일시", "신고일시", "게시일시", "수집일시", "보고일시", "일시",
    # usually a date and time, sometimes only the time of day (then a date column completes it)
    "time", "작성시간", "작성시각", "등록시간", "등록시각", "발생시간", "발생시각", "접수시간", "접수시각", "신고시간",
    "신고시각", "게시시간", "시각", "시간", "when",
    # only a date
    "date", "날짜", "일자", "작성일", "작성일자", "등록일", "등록일자", "발생일", "발생일자", "접수일", "접수일자",
)
# A date column that goes with a time-of-day column (date + time split over two columns).
CSV_DATE_NAMES = ("date", "날짜", "일자", "작성일", "작성일자", "등록일", "등록일자", "발생일", "발생일자", "접수일",
                  "접수일자", "신고일", "신고일자", "게시일")
_TIME_OF_DAY = re.compile(r"\s*(?:1899-12-3[01][ T])?(" + TIME_OF_DAY + r")\s*", re.I)  # Excel's day zero: no date
_MIDNIGHT = re.compile(r"[ T]0?0:00(?::00(?:\.0+)?)?$")  # a date cell Excel wrote with 00:00:00

_WKT_RE = re.compile(
    r"\s*(?:SRID=(\d+)\s*;\s*)?POINT\s*(?:Z|M|ZM)?\s*\(\s*([-+0-9.eE]+)[\s,]+([-+0-9.eE]+)(?:\s+[-+0-9.eE]+)*\s*\)\s*",
    re.I,
)


# ---- shared reading helpers ----------------------------------------------------------

def head_text(head: bytes) -> str | None:
    """The sniffed head as text (UTF-8, else CP949), or None for binary or other encodings."""
    for codec in ("utf-8-sig", "cp949"):
        try:
            text = codecs.getincrementaldecoder(codec)().decode(head, False)  # the head may end mid-character
        except UnicodeDecodeError:
            continue
        return None if "\x00" in text else text
    return None


def sniff_delimiter(line: str) -> str | None:
    """The delimiter used most in a header line outside quotes (ties favour the comma)."""
    unquoted = re.sub(r'"[^"]*"', "", line)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else None


def head_rows(head: bytes, n: int = 2) -> list[list[str]]:
    """The first ``n`` records of a sniffed head, or [] when it is not delimited text."""
    text = head_text(head)
    if text is None:
        return []
    stripped = text.lstrip()
    if not stripped or stripped[0] in "{[<":
        return []
    first = text.splitlines()[0] if text.splitlines() else ""
    delim = sniff_delimiter(first)
    if delim is None:
        return []
    try:
        return list(itertools.islice(csv.reader(text.splitlines(), delimiter=delim), n))
    except csv.Error:
        return []


@dataclass
class Table:
    """An open delimited file: its header and an iterator of (line number, fields)."""

    header: list[str]
    delimiter: str
    encoding: str
    rows: Iterator[tuple[int, list[str]]] = field(repr=False)
    names: dict[str, str] = field(default_factory=dict)  # key(name) -> name
    _squashed: dict[str, int] | None = field(default=None, repr=False)  # squashed name -> first index

    def column(self, name: str | None) -> int | None:
        """Index of a header name (case-insensitive), or None."""
        if name is None:
            return None
        real = self.names.get(F.key(name))
        return None if real is None else self.header.index(real)

    def find(self, candidates: tuple[str, ...]) -> int | None:
        """Index of the first candidate present in the header: as written (any case), else with
        spaces, '_', '-', '/' and '.' left out ('작성 시간', 'Created At', 'createdAt', 'Date/Time')."""
        if self._squashed is None:
            self._squashed = {}
            for i, h in enumerate(self.header):
                self._squashed.setdefault(_squash(h), i)
        for c in candidates:
            hit = self.names.get(F.key(c))
            if hit is not None:
                return self.header.index(hit)
            i = self._squashed.get(_squash(c))
            if i is not None:
                return i
        return None

    def label(self, idx: int) -> str:
        """A column's name for a note: quoted, one line, at most 40 characters."""
        name = " ".join(self.header[idx].split())
        return repr(name if len(name) <= 40 else name[:39] + "…")

    def named(self, path: Path, name: str, flag: str) -> int:
        """Index of a column the user named; a name that is not there refuses the file."""
        idx = self.column(name)
        if idx is None:
            raise ImportFailed(path, f"no column named {name!r} (given by {flag}); the columns are: "
                                     + ", ".join(self.header)[:300])
        return idx


def _scan(path: Path, codec: str) -> tuple[int, int] | None:
    """Decode the whole file; None when it is clean, else (byte offset, line) of the first bad byte."""
    dec = codecs.getincrementaldecoder(codec)()
    offset = newlines = 0
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(CHUNK)
            final = not chunk
            pending = len(dec.getstate()[0])
            try:
                dec.decode(chunk, final)
            except UnicodeDecodeError as exc:
                rel = max(0, exc.start - pending)
                return offset - pending + exc.start, newlines + chunk[:rel].count(b"\n") + 1
            if final:
                return None
            offset += len(chunk)
            newlines += chunk.count(b"\n")


def detect_encoding(path: Path, ctx: ImportContext) -> str:
    """The codec to read the file with: --encoding, else UTF-8 (BOM or not), else CP949."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportFailed(path, f"file is {size} bytes, over the {MAX_FILE_BYTES}-byte limit")
        given = ctx.options.encoding
        if given:
            try:
                codecs.lookup(given)
            except LookupError:
                raise ImportFailed(path, f"unknown encoding {given!r}") from None
            bad = _scan(path, given)
            if bad:
                raise ImportFailed(path, f"not {given} text (invalid byte at line {bad[1]}, offset {bad[0]})")
            ctx.note(f"text read as {given} (as given by --encoding)")
            return given
        bad_utf8 = _scan(path, "utf-8")
        if bad_utf8 is None:
            with open(path, "rb") as fh:
                bom = fh.read(3) == codecs.BOM_UTF8
            ctx.note("text read as UTF-8 with a byte-order mark" if bom else "text read as UTF-8")
            return "utf-8-sig"
        bad_cp949 = _scan(path, "cp949")
    except OSError as exc:
        raise ImportFailed(path, f"cannot read: {exc.strerror or exc}") from None
    if bad_cp949 is not None:
        raise ImportFailed(path, f"neither UTF-8 (invalid byte at line {bad_utf8[1]}, offset {bad_utf8[0]}) nor CP949 "
                                 f"(invalid byte at line {bad_cp949[1]}, offset {bad_cp949[0]}); "
                                 "name the encoding with --encoding")
    # Korean government and spreadsheet exports are often CP949 (a superset of EUC-KR).
    ctx.note(f"text read as CP949 (Korean Windows encoding): not UTF-8 from line {bad_utf8[1]}")
    return "cp949"


def _lines(path: Path, fh, encoding: str) -> Iterator[str]:
    n = 0
    while True:
        try:
            line = fh.readline()
        except UnicodeDecodeError:  # only if the file changed since it was scanned
            raise ImportFailed(path, f"not {encoding} text near line {n + 1}") from None
        except OSError as exc:
            raise ImportFailed(path, f"cannot read: {exc.strerror or exc}") from None
        if not line:
            return
        n += 1
        yield line


@contextmanager
def open_table(path: Path, ctx: ImportContext) -> Iterator[Table]:
    """Open a delimited file: encoding and delimiter detected, header read, rows streamed.

    Rows are checked against the header's field count; a quote that is never closed
    (Python's csv module would merge the following rows into one field) is reported
    with the line where it opened.
    """
    encoding = detect_encoding(path, ctx)
    try:
        fh = open(path, encoding=encoding, newline="", errors="strict")
    except OSError as exc:
        raise ImportFailed(path, f"cannot read: {exc.strerror or exc}") from None
    with fh:
        lines = _lines(path, fh, encoding)
        first = next(lines, None)
        if first is None or not first.strip():
            raise ImportFailed(path, "file is empty or its first line (the header) is blank")
        delimiter = sniff_delimiter(first) or ","
        # strict: a closing quote must be followed by a delimiter, so a quote that was
        # never closed stops the merge at the next quote instead of eating the file.
        reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter, strict=True)
        try:
            header = next(reader)
        except csv.Error as exc:
            raise ImportFailed(path, f"line 1: the header cannot be read ({exc})") from None
        header = [F.clean(h).replace("\ufeff", "").strip() for h in header]
        if not any(header):
            raise ImportFailed(path, "the header (line 1) has no column names")
        table = Table(header, delimiter, encoding, _rows(path, ctx, reader, len(header)), F.index_names(header))
        yield table


def _records(path: Path, reader) -> Iterator[tuple[int, int, list[str] | None, str | None]]:
    """(first line, last line, fields or None, csv error) for each record after the header."""
    end = reader.line_num
    while True:
        start = end + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            msg = str(exc)
            if "unexpected end of data" in msg:
                raise ImportFailed(path, f"line {start}: a quote opened on this line is never closed and swallows "
                                         f"the rest of the file (through line {reader.line_num})") from None
            if "field larger than field limit" in msg:
                # The limit bounds memory; a real post is never this long, an unclosed quote is.
                raise ImportFailed(path, f"line {start}: a field starting here runs on past {csv.field_size_limit()} "
                                         "characters (probably a quote opened on this line that is never closed)") from None
            end = max(reader.line_num, start)
            yield start, end, None, msg
            continue
        end = reader.line_num
        yield start, end, fields, None


def _rows(path: Path, ctx: ImportContext, reader, ncols: int) -> Iterator[tuple[int, list[str]]]:
    """Good rows as (first line, fields); refused rows go to ``ctx.skip`` as "line N"."""
    for start, end, fields, error in _records(path, reader):
        where_many = f"lines {start}–{end}"
        if error is not None:
            if start == end:
                reason = f"stray quote character ({error})"
            else:
                reason = (f"a quote opened on line {start} is not closed where expected, so {where_many} "
                          f"ran together; skipped ({error})")
            ctx.skip(f"line {start}", reason)
            continue
        if not fields or not any(f.strip() for f in fields):
            continue  # blank lines and rows of bare delimiters carry nothing
        if len(fields) > ncols and not any(f.strip() for f in fields[ncols:]):
            fields = fields[:ncols]  # trailing delimiters some exporters add to every row
        if len(fields) != ncols:
            if start != end:
                reason = (f"{where_many} read as one record with {len(fields)} fields (header has {ncols}): "
                          f"probably a quote opened on line {start} that is never closed")
            else:
                reason = f"{len(fields)} fields, the header has {ncols}"
            ctx.skip(f"line {start}", reason)
            continue
        yield start, fields


def cell(fields: list[str], idx: int | None) -> str:
    """A stripped cell, or '' when the column is absent."""
    return fields[idx].strip() if idx is not None else ""


# ---- the generic CSV importer --------------------------------------------------------

def _squash(name: str) -> str:
    return re.sub(r"[\s_/,;.\-]+", "", F.key(name))


def _has_position_columns(header: list[str]) -> bool:
    keys = {F.key(h) for h in header}
    squashed = {_squash(h) for h in header}
    return bool((keys & set(LAT_NAMES) and keys & set(LON_NAMES)) or squashed & set(LATLON_NAMES + LONLAT_NAMES)
                or keys & set(WKT_NAMES))


def sniff(head: bytes, path: Path) -> int:
    """10 for any delimited text with a header and a row; 15 when position columns are named."""
    rows = head_rows(head, 2)
    if len(rows) < 2 or len(rows[0]) < 2:
        return 0
    return 15 if _has_position_columns(rows[0]) else 10


@dataclass
class _Columns:
    lat: int | None = None
    lon: int | None = None
    pair: int | None = None  # one column holding both numbers
    pair_lon_first: bool = False
    wkt: int | None = None
    time: int | None = None
    date: int | None = None  # a separate date column, when the time column holds only the time of day
    text: int | None = None
    author: int | None = None
    id: int | None = None
    tags: int | None = None
    place: int | None = None
    precision: int | None = None
    radius: int | None = None


def _columns(path: Path, ctx: ImportContext, t: Table) -> _Columns:
    o = ctx.options
    c = _Columns()
    if o.lat_field or o.lon_field:
        if o.lat_field and o.lon_field and F.key(o.lat_field) == F.key(o.lon_field):
            c.pair = t.named(path, o.lat_field, "--lat-field")
        else:
            c.lat = t.named(path, o.lat_field, "--lat-field") if o.lat_field else t.find(LAT_NAMES)
            c.lon = t.named(path, o.lon_field, "--lon-field") if o.lon_field else t.find(LON_NAMES)
            if c.lat is None or c.lon is None:
                raise ImportFailed(path, "name both position columns with --lat-field and --lon-field")
    else:
        c.lat, c.lon = t.find(LAT_NAMES), t.find(LON_NAMES)
        if c.lat is None or c.lon is None:
            c.lat = c.lon = None
            squashed = [_squash(h) for h in t.header]
            for i, s in enumerate(squashed):
                if s in LATLON_NAMES or s in LONLAT_NAMES:
                    c.pair, c.pair_lon_first = i, s in LONLAT_NAMES
                    break
            else:
                c.wkt = t.find(WKT_NAMES)
                if c.wkt is None:
                    raise ImportFailed(path, "no position columns: looked for lat/latitude/y/위도 and "
                                             "lon/lng/long/longitude/x/경도, a combined 'lat lon' or 좌표 column, "
                                             "or a WKT geometry column; name them with --lat-field/--lon-field")
    c.time = t.named(path, o.time_field, "--time-field") if o.time_field else t.find(CSV_TIME_NAMES)
    if c.time is None:
        raise ImportFailed(path, "no time column (looked for " + ", ".join(CSV_TIME_NAMES)
                                 + "); name it with --time-field")
    date = t.find(CSV_DATE_NAMES)
    if date is not None and date != c.time:
        c.date = date
    c.text = t.named(path, o.text_field, "--text-field") if o.text_field else t.find(F.TEXT_NAMES)
    c.author = t.named(path, o.author_field, "--author-field") if o.author_field else t.find(F.AUTHOR_NAMES)
    c.id = t.named(path, o.id_field, "--id-field") if o.id_field else t.find(F.ID_NAMES)
    c.tags = t.find(F.TAG_NAMES)
    c.place = t.find(F.PLACE_NAMES)
    c.precision = t.find(F.PRECISION_NAMES)
    c.radius = t.find(F.RADIUS_NAMES)
    ctx.note(_columns_note(t, c))
    if c.text is None:
        ctx.note("no text column (looked for " + ", ".join(F.TEXT_NAMES) + "); name it with --text-field")
    return c


def _columns_note(t: Table, c: _Columns) -> str:
    """Which column gave what, for the import report (the time is reported at the end)."""
    if c.pair is not None:
        parts = [f"position from {t.label(c.pair)}" + (" (longitude first)" if c.pair_lon_first else "")]
    elif c.wkt is not None:
        parts = [f"position from {t.label(c.wkt)} (WKT)"]
    else:
        parts = [f"position from {t.label(c.lat)}/{t.label(c.lon)}"]
    for what, idx in (("text", c.text), ("author", c.author), ("id", c.id), ("hashtags", c.tags),
                      ("place", c.place), ("precision", c.precision), ("radius", c.radius)):
        if idx is not None:
            parts.append(f"{what} from {t.label(idx)}")
    return "columns: " + ", ".join(parts)


def _time_note(t: Table, c: _Columns, ctx: ImportContext, tally: "_Tally") -> str:
    """Which column(s) gave the time: one, or a date column and a time-of-day column."""
    given = " (as given by --time-field)" if ctx.options.time_field else ""
    if c.date is None or not tally.joined:
        return f"time from column {t.label(c.time)}{given}"
    if tally.joined == tally.timed:
        return f"time from columns {t.label(c.date)} (date) and {t.label(c.time)} (time of day){given}"
    return (f"time from column {t.label(c.time)}{given}; for {tally.joined:,} row(s) that give only the time of day, "
            f"the date from {t.label(c.date)}")


def number(value: str, delimiter: str) -> str:
    """A coordinate cell as Python reads numbers: '37,57' is a decimal comma outside comma files."""
    v = value.strip()
    if delimiter != "," and re.fullmatch(r"[-+]?\d+,\d+", v):
        v = v.replace(",", ".")
    return v


def position(fields: list[str], c: _Columns, delimiter: str) -> tuple[str, str] | None:
    """The raw (lat, lon) of a row, or None when the row gives no position at all."""
    if c.pair is not None:
        raw = cell(fields, c.pair).strip("()[] ")
        if not raw:
            return None
        parts = [p for p in re.split(r"[,;\s]+", raw) if p]
        if len(parts) != 2:
            raise BadRecord(f"cannot read coordinates {raw[:60]!r} (want 'lat lon' or 'lat,lon')")
        return (parts[1], parts[0]) if c.pair_lon_first else (parts[0], parts[1])
    if c.wkt is not None:
        raw = cell(fields, c.wkt)
        if not raw or re.fullmatch(r"(?:SRID=\d+\s*;\s*)?POINT\s*(?:Z|M|ZM)?\s*EMPTY", raw, re.I):
            return None
        m = _WKT_RE.fullmatch(raw)
        if not m:
            raise BadRecord(f"not a WKT point: {raw[:60]!r}")
        if m.group(1) and m.group(1) not in ("4326", "4258", "4737"):
            raise BadRecord(f"WKT point in SRID {m.group(1)}, not WGS84 longitude/latitude")
        return m.group(3), m.group(2)  # WKT is x y = lon lat
    lat, lon = cell(fields, c.lat), cell(fields, c.lon)
    if not lat and not lon:
        return None
    if not lat or not lon:
        raise BadRecord("only one of latitude and longitude is given")
    return number(lat, delimiter), number(lon, delimiter)


class _Tally:
    """Counts that decide, at the end, whether the position columns were wrong for every row."""

    def __init__(self) -> None:
        self.positioned = self.unusable = self.swapped = self.no_position = 0
        self.timed = self.joined = 0  # rows with a usable time; of them, dated from the date column
        self.ids = F.MangledIds()


def _item(fields: list[str], c: _Columns, ctx: ImportContext, source: str, delimiter: str, tally: _Tally) -> Item:
    raw_pos = position(fields, c, delimiter)
    lat = lon = None
    if raw_pos is not None:
        tally.positioned += 1
        try:
            lat, lon = F.latlon(*raw_pos)
        except BadRecord as exc:
            tally.unusable += 1
            if "swapped" in str(exc):
                tally.swapped += 1
            raise
    t_raw = cell(fields, c.time)
    if not t_raw:
        raise BadRecord("no time")
    joined = False
    if c.date is not None and (tod := _TIME_OF_DAY.fullmatch(t_raw)):
        day = cell(fields, c.date)
        if not day:
            raise BadRecord(f"time of day {F.short(t_raw)} without a date")
        midnight = _MIDNIGHT.search(day)
        day = day[: midnight.start()] if midnight else day
        t_raw, joined = f"{day} {tod.group(1)}", True
    t_ms = F.time_ms(t_raw, ctx)
    tally.timed += 1
    tally.joined += joined
    text = cell(fields, c.text) if c.text is not None else ""
    tags = F.split_tags(cell(fields, c.tags)) + hashtags_in(text)
    if lat is None:
        tally.no_position += 1
        precision, radius = Precision.UNKNOWN, None
    else:
        where = {F.PRECISION_NAMES: c.precision, F.RADIUS_NAMES: c.radius}
        precision, radius = F.precision_of(lambda names: cell(fields, where.get(names)) or None)
    sid = tally.ids.usable(cell(fields, c.id))
    return Item(
        kind=Kind.POST, source=source, source_id=F.record_id(sid, t_ms, lat, lon, text), t_ms=t_ms, text=text,
        lat=lat, lon=lon, precision=precision, radius_m=radius, author=cell(fields, c.author) or None,
        place_name=cell(fields, c.place) or None, hashtags=tuple(tags), links=tuple(links_in(text)),
    )


def read(path: Path, ctx: ImportContext) -> Iterator[Record]:
    """Yield one POST item per usable row."""
    F.check_options(path, ctx)
    source = F.source_name(ctx, NAME)
    tally = _Tally()
    with open_table(path, ctx) as table:
        cols = _columns(path, ctx, table)
        for line, fields in table.rows:
            try:
                item = _item(fields, cols, ctx, source, table.delimiter, tally)
            except BadRecord as exc:
                ctx.skip(f"line {line}", F.reason(exc))
                continue
            if ctx.options.keep_raw:
                item.raw = table.delimiter.join(fields)
            yield item
    if tally.positioned and tally.swapped == tally.positioned:
        raise ImportFailed(path, "every row's position looks swapped (the latitude column holds longitudes): "
                                 "check the columns and name them with --lat-field/--lon-field")
    if tally.positioned and tally.unusable == tally.positioned:
        raise ImportFailed(path, "no row has a usable position (projected metres, or the wrong columns?); "
                                 "name the columns with --lat-field/--lon-field")
    ctx.note(_time_note(table, cols, ctx, tally))
    tally.ids.report(ctx)
    if tally.no_position:
        ctx.note(f"{tally.no_position} row(s) have no position: on the timeline but not on the map")
