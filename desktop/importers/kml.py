"""KML and KMZ: timestamped Point placemarks, at any depth of Folders and Documents.

A KMZ is read in memory with caps (archive size, document size, compression ratio)
and refused when an entry's name leaves the archive. Descriptions are HTML: they are
reduced to plain text and never rendered.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
import struct
import xml.etree.ElementTree as ET
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterator

from desktop.importers import xmlsafe
from desktop.importers.base import (
    MAX_XML_BYTES, BadRecord, ImportContext, ImportFailed, check_latlon, hashtags_in, links_in, parse_time,
    read_bytes,
)
from desktop.core.model import Item, Kind, Precision, nfc

NAME = "kml"
SOURCE = "kml"
MAX_KMZ_ENTRIES = 10_000
# Real KML deflates 5-30x; zip bombs reach 1000x. Small documents are exempt up to
# RATIO_FREE_BYTES so a tiny, very repetitive file is not refused.
MAX_RATIO = 200
RATIO_FREE_BYTES = 1024 * 1024
MAX_FOLDER_DEPTH = 8  # folder names kept in extra["folder"]

_AUTHOR_KEYS = ("author", "작성자", "reporter", "보고자", "callsign", "user", "username")
_AUTHOR_ID_KEYS = ("author_id", "user_id")
_TAG_KEYS = ("hashtags", "tags", "해시태그", "태그")


def sniff(head: bytes, path: Path) -> int:
    """60 for a ``<kml`` document, or a zip named .kmz or holding a .kml entry."""
    if head.startswith(b"PK\x03\x04"):
        return 60 if str(path).lower().endswith(".kmz") or _zip_head_has_kml(head) else 0
    return 60 if xmlsafe.first_element_name(head) == "kml" else 0


def _zip_head_has_kml(head: bytes) -> bool:
    """Walk the local file headers in the first bytes of a zip looking for a .kml name."""
    i = 0
    while i + 30 <= len(head) and head[i:i + 4] == b"PK\x03\x04":
        flags, csize, nlen, xlen = (struct.unpack_from("<H", head, i + 6)[0], struct.unpack_from("<I", head, i + 18)[0],
                                    *struct.unpack_from("<HH", head, i + 26))
        if head[i + 30:i + 30 + nlen].lower().endswith(b".kml"):
            return True
        if flags & 0x08 and csize == 0:  # size only in a trailing descriptor: cannot skip ahead
            return False
        i += 30 + nlen + xlen + csize
    return False


def read(path: Path, ctx: ImportContext) -> Iterator[Item]:
    """Parse and check the whole document first (so a refused file raises here), then
    return an iterator over its placemarks."""
    data = read_bytes(path, MAX_XML_BYTES)
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        data = _kmz_document(path, data)
    try:
        root = xmlsafe.parse_bytes(data)
    except xmlsafe.XmlError as exc:
        raise ImportFailed(path, exc.reason) from None
    xmlsafe.strip_namespaces(root)
    if root.tag not in ("kml", "Document", "Folder", "Placemark"):
        raise ImportFailed(path, f"not KML: the document's root element is <{str(root.tag)[:40]}>")
    return _items(root, ctx, ctx.options.source or SOURCE)


def _unsafe_name(name: str) -> bool:
    parts = re.split(r"[\\/]", name)
    return name.startswith(("/", "\\")) or bool(re.match(r"^[A-Za-z]:", name)) or ".." in parts


def _kmz_document(path: Path, data: bytes) -> bytes:
    """The KMZ's document: ``doc.kml`` if present, else the first ``.kml`` entry."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_KMZ_ENTRIES:
                raise ImportFailed(path, f"KMZ archive has {len(infos)} entries, over the {MAX_KMZ_ENTRIES} limit")
            for info in infos:
                if _unsafe_name(info.filename):
                    raise ImportFailed(path, f"KMZ entry {info.filename[:80]!r} points outside the archive; refused")
            kmls = [i for i in infos if not i.is_dir() and i.filename.lower().endswith(".kml")]
            if not kmls:
                raise ImportFailed(path, "KMZ archive holds no .kml document")
            doc = next((i for i in kmls if i.filename.lower() == "doc.kml"), kmls[0])
            limit = min(MAX_XML_BYTES, max(RATIO_FREE_BYTES, MAX_RATIO * doc.compress_size))
            if doc.file_size > limit:
                raise ImportFailed(path, _too_big(doc.filename, doc.file_size, doc.compress_size))
            # The header's size can lie: read at most one byte past the limit.
            with zf.open(doc) as fh:
                out = fh.read(limit + 1)
            if len(out) > limit:
                raise ImportFailed(path, _too_big(doc.filename, len(out), doc.compress_size))
            return out
    except ImportFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - zipfile raises a dozen types for damaged archives
        raise ImportFailed(path, f"not a readable KMZ (zip) archive: {type(exc).__name__}: {exc}"[:300]) from None


def _too_big(name: str, size: int, csize: int) -> str:
    if size > MAX_XML_BYTES:
        return f"KMZ document {name[:80]!r} unpacks to more than {MAX_XML_BYTES} bytes; refused"
    return (f"KMZ document {name[:80]!r} unpacks to over {MAX_RATIO} times its packed size "
            f"({csize} bytes); refused as a possible zip bomb")


def _placemarks(root: ET.Element) -> Iterator[tuple[ET.Element, tuple[str, ...]]]:
    """Placemarks in document order with the names of the Folders/Documents around them
    (an explicit stack: a deeply nested file must not exhaust recursion)."""
    stack: list[tuple[ET.Element, tuple[str, ...]]] = [(root, ())]
    while stack:
        el, folders = stack.pop()
        if el.tag == "Placemark":
            yield el, folders
            continue
        if el.tag in ("Folder", "Document") and len(folders) < MAX_FOLDER_DEPTH:
            name = xmlsafe.text_of(el.find("name"))
            if name:
                folders = folders + (nfc(name),)
        stack.extend((c, folders) for c in reversed(el) if isinstance(c.tag, str))


def _items(root: ET.Element, ctx: ImportContext, source: str) -> Iterator[Item]:
    for n, (pm, folders) in enumerate(_placemarks(root), 1):
        try:
            yield _item(pm, folders, ctx, source)
        except BadRecord as exc:
            ctx.skip(f"Placemark {n}", str(exc))


def _extended_data(pm: ET.Element) -> dict[str, str]:
    """ExtendedData Data/value and SchemaData/SimpleData as {casefolded name: value}."""
    out: dict[str, str] = {}
    ext = pm.find("ExtendedData")
    if ext is None:
        return out
    for el in ext.iter():
        if el.tag == "Data":
            key, value = el.get("name"), xmlsafe.text_of(el.find("value"))
        elif el.tag == "SimpleData":
            key, value = el.get("name"), xmlsafe.text_of(el)
        else:
            continue
        if key and value:
            out.setdefault(nfc(key.strip()).casefold(), nfc(value))
    return out


def _item(pm: ET.Element, folders: tuple[str, ...], ctx: ImportContext, source: str) -> Item:
    opts = ctx.options
    data = _extended_data(pm)
    name = nfc(xmlsafe.text_of(pm.find("name"))) or ""
    desc_raw = xmlsafe.text_of(pm.find("description"))
    desc, hrefs = html_to_text(desc_raw)
    if opts.text_field and data.get(opts.text_field.casefold()):
        desc = data[opts.text_field.casefold()]

    point = pm.find("Point")
    if point is None:
        point = next(pm.iter("Point"), None)  # inside MultiGeometry
    if point is None:
        raise BadRecord("no Point geometry (only points are shown)")
    coords = xmlsafe.text_of(point.find("coordinates"))
    if not coords:
        raise BadRecord("no coordinates")
    lat, lon = _coordinates(coords)

    t_ms, time_precision = _when(pm, data, ctx)

    text = "\n".join(p for p in (name, desc if desc != name else "") if p)
    author = _first(data, (opts.author_field.casefold(),) if opts.author_field else _AUTHOR_KEYS)
    if author is None:
        author_el = pm.find("author")  # atom:author/atom:name
        author = xmlsafe.text_of(author_el.find("name")) if author_el is not None else None
    tags = hashtags_in(text)
    raw_tags = _first(data, _TAG_KEYS)
    if raw_tags:
        tags += [t for t in re.split(r"[\s,;]+", raw_tags) if t.strip("#＃")]
    links = hrefs + [u for u in links_in(text) if u not in hrefs]

    pid = (data.get(opts.id_field.casefold()) if opts.id_field else None) or (pm.get("id") or "").strip()
    # Placemark ids are only unique within one document (exporters number them 1, 2, 3),
    # so the id is qualified by a hash of the content; without an id the hash alone.
    digest = hashlib.sha1("\x1f".join((name, desc_raw, f"{lon:.7f},{lat:.7f}", str(t_ms))).encode()).hexdigest()
    source_id = f"{pid[:200]}#{digest[:12]}" if pid else digest

    extra: dict = {"time_precision": time_precision}
    if folders:
        extra["folder"] = " / ".join(folders)
    if data:
        extra["data"] = data
    raw = None
    if opts.keep_raw:
        try:
            raw = ET.tostring(pm, encoding="unicode")
        except RecursionError:
            raw = None
    return Item(
        kind=Kind.POST, source=source, source_id=source_id, t_ms=t_ms, text=text, lat=lat, lon=lon,
        precision=Precision.EXACT, author=author, author_id=_first(data, _AUTHOR_ID_KEYS),
        hashtags=tuple(tags), links=tuple(links[:50]), extra=extra, raw=raw,
    )


def _first(data: dict[str, str], keys: tuple[str, ...]) -> str | None:
    return next((data[k] for k in keys if data.get(k)), None)


def _coordinates(text: str) -> tuple[float, float]:
    """``lon,lat[,alt]`` (the first tuple if several) -> (lat, lon), range-checked."""
    first = re.sub(r"\s*,\s*", ",", text.strip()).split()[0]
    parts = first.split(",")
    if len(parts) < 2:
        raise BadRecord(f"coordinates {text[:60]!r} are not lon,lat")
    return check_latlon(parts[1], parts[0])


_YEAR = re.compile(r"\d{4}")
_YEAR_MONTH = re.compile(r"\d{4}-\d{2}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:Z|[+-]\d{2}:?\d{2})?")


def _when(pm: ET.Element, data: dict[str, str], ctx: ImportContext) -> tuple[int, str]:
    """The placemark's time (TimeStamp/when, gx:TimeStamp, TimeSpan/begin) and how precise it is."""
    value = ""
    stamp = pm.find("TimeStamp")
    if stamp is not None:
        value = xmlsafe.text_of(stamp.find("when"))
    span = pm.find("TimeSpan")
    if not value and span is not None:
        value = xmlsafe.text_of(span.find("begin")) or xmlsafe.text_of(span.find("end"))
    if not value and ctx.options.time_field:
        value = data.get(ctx.options.time_field.casefold(), "")
    if not value:
        raise BadRecord("no time (TimeStamp or TimeSpan)")
    return kml_time(value, ctx)


def kml_time(value: str, ctx: ImportContext | None) -> tuple[int, str]:
    """An xsd:dateTime/date/gYearMonth/gYear as UTC ms, with its precision
    (``year``, ``month``, ``day`` or ``time``). Times without a zone take the naive zone."""
    v = value.strip()
    precision = "time"
    if _YEAR.fullmatch(v):
        v, precision = v + "-01-01", "year"
    elif _YEAR_MONTH.fullmatch(v):
        v, precision = v + "-01", "month"
    elif _DATE.fullmatch(v):
        precision = "day"
    try:
        return parse_time(v, ctx), precision
    except BadRecord:
        raise
    except (ValueError, OverflowError):  # offsets of a day or more, years out of range
        raise BadRecord(f"invalid time {value[:40]!r}") from None


# --- HTML descriptions to plain text ------------------------------------------------------

_BLOCK = {"br", "p", "div", "li", "tr", "table", "ul", "ol", "dd", "dt", "blockquote", "pre", "hr", "h1", "h2",
          "h3", "h4", "h5", "h6", "section", "article", "header", "footer", "td", "th"}
_DROP = {"script", "style", "template", "head", "title"}  # code and metadata, not text
_TAG_RE = re.compile(r"<[A-Za-z/!?]")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hrefs: list[str] = []
        self._drop = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _DROP:
            self._drop += 1
        elif tag in _BLOCK:
            self.parts.append("\n")
        if tag == "a":
            href = (dict(attrs).get("href") or "").strip()
            if re.match(r"https?://", href, re.I) and href not in self.hrefs:
                self.hrefs.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP:
            self._drop = max(0, self._drop - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._drop:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(description: str) -> tuple[str, list[str]]:
    """A description as plain text (tags stripped, entities unescaped, scripts dropped)
    and the http(s) links of its anchors. Plain-text descriptions keep their lines."""
    if not description:
        return "", []
    if not _TAG_RE.search(description):
        return nfc(html.unescape(description).strip()) or "", []
    parser = _TextExtractor()
    try:
        parser.feed(description)
        parser.close()
        text = "".join(parser.parts)
    except Exception:  # noqa: BLE001 - the stdlib parser has raised on odd marked sections
        text = html.unescape(re.sub(r"<[^>]*>", " ", description))
    lines = [ln.strip() for ln in text.replace("\xa0", " ").split("\n")]
    text = re.sub(r"\n{2,}", "\n", "\n".join(lines)).strip()
    return nfc(text) or "", parser.hrefs
