"""Safe XML for importers: parsing with DTDs, entities and external references
refused, size caps, namespace helpers, and :class:`CotStreamParser`, which frames a
byte stream of Cursor-on-Target events (a file or a live TCP feed) into documents.

A DOCTYPE is refused outright rather than parsed carefully: an internal subset can
define entities that expand without limit ("billion laughs") or read local files,
and no format Sitmap reads needs one.
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import defusedxml.ElementTree as DET
from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

from desktop.importers.base import MAX_XML_BYTES

MAX_EVENT_BYTES = 64 * 1024  # one CoT event on a live feed; real position reports are < 4 KiB


class XmlError(ValueError):
    """The document cannot be used; ``reason`` says why in words fit for an import report."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class XmlRefused(XmlError):
    """The document was refused for safety (DOCTYPE, entities, external references, size)."""


DTD_REASON = ("contains a DOCTYPE declaration; refused because document type declarations can define "
               "entities that expand without limit or read other files")

# Encodings expat reads by itself; anything else declared is transcoded to UTF-8 first.
_EXPAT_ENCODINGS = {"utf-8", "utf8", "us-ascii", "ascii", "utf-16", "utf-16le", "utf-16be", "iso-8859-1", "latin-1",
                    "latin1"}
_DECL_ENC_RE = re.compile(rb"""^(?:\xef\xbb\xbf)?\s*<\?xml[^>?]*?encoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]{0,39})["']""")


def _to_utf8(data: bytes) -> bytes:
    """Transcode a document that declares an encoding expat lacks (EUC-KR, CP949)."""
    m = _DECL_ENC_RE.match(data[:512])
    if not m:
        return data
    enc = m.group(1).decode("ascii").lower().replace("_", "-")
    if enc in _EXPAT_ENCODINGS:
        return data
    try:
        codecs.lookup(enc)
        text = data.decode(enc)
    except (LookupError, UnicodeError) as exc:
        raise XmlError(f"declared encoding {enc!r} cannot be read ({exc})") from None
    # Rewrite the declaration so the parser reads the UTF-8 it is given.
    text = re.sub(r"^(\ufeff?\s*<\?xml[^>?]*?encoding\s*=\s*)[\"'][^\"']*[\"']", r'\1"UTF-8"', text, count=1)
    return text.encode("utf-8")


def parse_bytes(data: bytes, *, max_bytes: int = MAX_XML_BYTES) -> ET.Element:
    """Parse one XML document into an element tree, refusing anything unsafe.

    Raises :class:`XmlRefused` for a DOCTYPE, entity declarations, external references
    or a document over ``max_bytes``; :class:`XmlError` when it is not well-formed.
    """
    if len(data) > max_bytes:
        raise XmlRefused(f"XML document is {len(data)} bytes, over the {max_bytes}-byte limit")
    data = _to_utf8(data)
    try:
        return DET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DTDForbidden:
        raise XmlRefused(DTD_REASON) from None
    except EntitiesForbidden:
        raise XmlRefused("declares entities; refused because entities can expand without limit") from None
    except ExternalReferenceForbidden:
        raise XmlRefused("refers to an external resource; refused") from None
    except ET.ParseError as exc:
        raise XmlError(f"not well-formed XML ({exc})") from None
    except (ValueError, LookupError, UnicodeError) as exc:  # odd encodings, bad characters
        raise XmlError(f"not readable XML ({exc})") from None


def local_name(tag: object) -> str:
    """``'{http://www.opengis.net/kml/2.2}Placemark'`` -> ``'Placemark'``."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def strip_namespaces(root: ET.Element) -> ET.Element:
    """Drop namespaces from every tag and attribute name in place (so ``gx:TimeStamp``
    reads as ``TimeStamp``) and return ``root``."""
    for el in root.iter():
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = local_name(el.tag)
        if any("}" in k for k in el.attrib):
            el.attrib = {local_name(k): v for k, v in el.attrib.items()}
    return root


def child(el: ET.Element | None, name: str) -> ET.Element | None:
    """The first direct child whose local name is ``name`` (namespaces ignored)."""
    if el is None:
        return None
    for c in el:
        if local_name(c.tag) == name:
            return c
    return None


def text_of(el: ET.Element | None) -> str:
    """All text inside an element (CDATA included), stripped; '' for None."""
    return "".join(el.itertext()).strip() if el is not None else ""


_NAME_RE = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")


def first_element_name(head: bytes) -> str | None:
    """Local name of the first element in a document's opening bytes, skipping the XML
    declaration, comments, processing instructions and a DOCTYPE; None when there is none.
    Used by sniffers, so it never raises and never backtracks on hostile input."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            head = head.decode("utf-16", "ignore").encode("utf-8")
        except UnicodeError:
            return None
    i = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    n = len(head)
    while i < n:
        if head[i] in b" \t\r\n":
            i += 1
        elif head.startswith(b"<?", i):
            j = head.find(b"?>", i + 2)
            if j < 0:
                return None
            i = j + 2
        elif head.startswith(b"<!--", i):
            j = head.find(b"-->", i + 4)
            if j < 0:
                return None
            i = j + 3
        elif head.startswith(b"<!", i):
            # A DOCTYPE may carry an internal subset in [...] that itself contains '>'.
            k = head.find(b">", i)
            b = head.find(b"[", i)
            if 0 <= b < k:
                close = head.find(b"]", b)
                k = head.find(b">", close) if close >= 0 else -1
            if k < 0:
                return None
            i = k + 1
        else:
            m = _NAME_RE.match(head, i)
            return m.group(1).decode("ascii") if m else None
    return None


# --- Cursor-on-Target stream framing ---------------------------------------------------

@dataclass(frozen=True, slots=True)
class Dropped:
    """Bytes the framer threw away. ``reason``: ``garbage`` (data between events that is
    not an event), ``oversized`` (an event over the cap), ``truncated`` (a new document
    began before the event ended) or ``unfinished`` (the stream ended inside an event)."""

    reason: str


_OUT, _EVENT = 0, 1
_PI, _XMLDECL, _COMMENT, _CDATA, _DECL, _END, _START, _START_EVENT, _TEXT_LT = range(9)
_TERMS = {_PI: b"?>", _XMLDECL: b"?>", _COMMENT: b"-->", _CDATA: b"]]>", _DECL: b">"}
_BODY = {_PI: 2, _XMLDECL: 2, _COMMENT: 4, _CDATA: 9, _DECL: 2, _END: 2, _START: 1}
_BOM = b"\xef\xbb\xbf"
_WS_RUN = re.compile(rb"[ \t\r\n]*")
# What ends each stretch of a tag: outside quotes, and inside "..." or '...'.
_STOPS = {None: re.compile(rb"[\"'<>]"), 0x22: re.compile(rb'["<]'), 0x27: re.compile(rb"['<]")}


def _pending(buf: bytearray, i: int, pat: bytes) -> bool:
    """The bytes from ``i`` to the end are a proper prefix of ``pat``: wait for more."""
    rest = buf[i:i + len(pat)]
    return len(rest) < len(pat) and pat.startswith(rest)


def _classify(buf: bytearray, i: int, in_event: bool) -> int | None:
    """What markup starts at ``buf[i] == '<'``; None until enough bytes have arrived.

    Decisions wait for every byte they depend on, so the framing is the same however
    the stream was split into reads.
    """
    if len(buf) - i < 2:
        return None
    c = buf[i + 1]
    if c == 0x3F:  # '?'
        if buf.startswith(b"<?xml", i):
            if len(buf) - i < 6:
                return None
            return _XMLDECL if buf[i + 5] in b" \t\r\n" else _PI
        return None if _pending(buf, i, b"<?xml") else _PI
    if c == 0x21:  # '!'
        if buf.startswith(b"<!--", i):
            return _COMMENT
        if _pending(buf, i, b"<!--"):
            return None
        if buf.startswith(b"<![CDATA[", i):
            return _CDATA
        return None if _pending(buf, i, b"<![CDATA[") else _DECL
    if c == 0x2F:  # '/'
        return _END
    if c >= 0x80 or c in b"_:" or 0x41 <= c <= 0x5A or 0x61 <= c <= 0x7A:  # a name starts here
        if buf.startswith(b"<event", i):
            if len(buf) - i < 7:
                return None
            return _START_EVENT if buf[i + 6] in b" \t\r\n/>" else _START
        return None if _pending(buf, i, b"<event") else _START
    # '<' not followed by a name: text in a (malformed) event, garbage between events.
    return _TEXT_LT if in_event else _START


class CotStreamParser:
    """Frames a byte stream into complete CoT ``<event>`` documents.

    :meth:`feed` takes reads of any size, split anywhere (inside a tag, inside a
    multibyte character), and returns the events completed so far, each as the bytes
    from ``<event`` to its end (``</event>`` or ``/>``). Between events, whitespace,
    XML declarations, comments and keep-alives are skipped; anything else is garbage,
    dropped and counted in :attr:`dropped`. Markup is tokenised (quoted attributes,
    comments, CDATA, processing instructions) and element depth counted, so
    ``</event>`` inside text or CDATA and ``<event>`` elements nested in detail do
    not end the outer event.

    An event over ``max_event_bytes`` is dropped (counted in :attr:`oversized` too)
    and the framer resyncs at its end. An XML declaration, an ``<event>`` directly
    inside an event, or a ``<`` inside a tag means the sender lost the rest of the
    event: that partial event is dropped and framing restarts there. (An event cut
    off deeper inside its detail is only found at the next declaration or the size
    cap.) :attr:`saw_dtd` records any DOCTYPE or other declaration seen, so a file
    reader can refuse the file. Framing never depends on how the bytes were split.
    """

    def __init__(self, max_event_bytes: int = MAX_EVENT_BYTES):
        self.max_event_bytes = max_event_bytes
        # Past this, an unterminated oversized event is abandoned and framing restarts.
        self._giveup = 16 * max_event_bytes
        self.dropped = 0
        self.oversized = 0
        self.events = 0
        self.saw_dtd = False
        self.reset()

    def reset(self) -> None:
        """Forget buffered bytes (call when a connection drops); counters are kept."""
        self._buf = bytearray()
        self._base = 0  # stream offset of _buf[0]; all positions below are stream offsets
        self._pos = 0
        self._mode = _OUT
        self._depth = 0
        self._tok: int | None = None
        self._resume = 0
        self._quote: int | None = None
        self._event_start = 0
        self._discarding = False
        self._in_garbage = False

    def feed(self, data: bytes) -> list[bytes]:
        """Add bytes; return the events completed by them, in order."""
        return [x for x in self.feed_detailed(data) if isinstance(x, bytes)]

    def feed_detailed(self, data: bytes) -> list[bytes | Dropped]:
        """Like :meth:`feed`, with a :class:`Dropped` marker where something was thrown away."""
        out: list[bytes | Dropped] = []
        if data:
            self._buf += data
        while self._step(out):
            pass
        self._compact()
        return out

    def close(self) -> list[Dropped]:
        """End of stream: an unfinished event or stray bytes left over are dropped."""
        out: list[Dropped] = []
        if self._mode == _EVENT:
            self.dropped += 1
            if self._base + len(self._buf) - self._event_start > self.max_event_bytes or self._discarding:
                self.oversized += 1
            out.append(Dropped("unfinished"))
        elif self._tok is None and self._buf[self._pos - self._base:].strip(b" \t\r\n"):
            self._garbage(out)
        self.reset()
        return out

    # The scanner: each step consumes one token or one run of text/garbage, or returns
    # False when it needs more bytes.
    def _step(self, out: list) -> bool:
        if self._tok is not None:
            return self._scan_token(out)
        buf, base = self._buf, self._base
        i, n = self._pos - base, len(buf)
        if self._mode == _OUT:
            if not self._in_garbage:
                i = _WS_RUN.match(buf, i).end()
                if buf.startswith(_BOM, i):
                    self._pos = base + i + 3
                    return True
                if i < n and _pending(buf, i, _BOM):
                    self._pos = base + i
                    return False
            if i >= n:
                self._pos = base + n
                return False
            if buf[i] != 0x3C:
                return self._skip_garbage(out, i, i)
            kind = _classify(buf, i, in_event=False)
            if kind is None:
                self._pos = base + i
                return False
            if kind in (_PI, _XMLDECL, _COMMENT):
                self._in_garbage = False
                self._start_token(kind, i)
            elif kind == _START_EVENT:
                self._in_garbage = False
                self._mode, self._depth, self._discarding = _EVENT, 0, False
                self._event_start = base + i
                self._start_token(_START, i)
            else:
                if kind == _DECL:
                    self.saw_dtd = True
                return self._skip_garbage(out, i, i + 1)
            return True
        j = buf.find(b"<", i)
        if j < 0:
            self._pos = base + n
            return False
        kind = _classify(buf, j, in_event=True)
        if kind is None:
            self._pos = base + j
            return False
        if kind == _TEXT_LT:
            self._pos = base + j + 1
            return True
        if (kind == _XMLDECL or (kind == _START_EVENT and self._depth == 1)
                or base + j - self._event_start > self._giveup):
            # A new document began before this event ended: the sender lost the rest of it.
            self._finish_event(out, base + j, complete=False)
            return True
        if kind == _DECL:
            self.saw_dtd = True
        self._start_token(_START if kind == _START_EVENT else kind, j)
        return True

    def _skip_garbage(self, out: list, i: int, search_from: int) -> bool:
        self._garbage(out)
        j = self._buf.find(b"<", search_from)
        self._pos = self._base + (len(self._buf) if j < 0 else j)
        return j >= 0

    def _garbage(self, out: list) -> None:
        if not self._in_garbage:  # one count per run, however it was split into reads
            self._in_garbage = True
            self.dropped += 1
            out.append(Dropped("garbage"))

    def _start_token(self, kind: int, i: int) -> None:
        self._tok = kind
        self._resume = self._base + i + _BODY[kind]
        self._quote = None

    def _scan_token(self, out: list) -> bool:
        buf, base, kind = self._buf, self._base, self._tok
        r = self._resume - base
        if kind in (_START, _END):
            # A tag ends at the first '>' outside a quoted attribute value. '<' is never
            # legal inside a tag, so one there means the sender lost the rest of this event.
            q = self._quote
            while True:
                m = _STOPS[q].search(buf, r)
                if m is None:
                    self._resume, self._quote = base + len(buf), q
                    return False
                e = m.start()
                c = buf[e]
                if c == 0x3C:  # '<'
                    self._tok = None
                    self._finish_event(out, base + e, complete=False)
                    return True
                if q is not None:
                    q, r = None, e + 1
                elif c == 0x3E:  # '>'
                    break
                else:
                    q, r = c, e + 1
        else:
            term = _TERMS[kind]
            k = buf.find(term, r)
            if k < 0:
                self._resume = base + max(r, len(buf) - len(term) + 1)
                return False
            e = k + len(term) - 1
        self._tok = None
        self._pos = base + e + 1
        if self._mode == _EVENT:
            if kind == _START:
                if buf[e - 1] != 0x2F:  # not '/>'
                    self._depth += 1
                elif self._depth == 0:  # a self-closing <event .../>
                    self._finish_event(out, base + e + 1, complete=True)
            elif kind == _END:
                self._depth -= 1
                if self._depth == 0:
                    self._finish_event(out, base + e + 1, complete=True)
        return True

    def _finish_event(self, out: list, end: int, *, complete: bool) -> None:
        size = end - self._event_start
        if complete and size <= self.max_event_bytes and not self._discarding:
            out.append(bytes(self._buf[self._event_start - self._base:end - self._base]))
            self.events += 1
        else:
            self.dropped += 1
            if size > self.max_event_bytes or self._discarding:
                self.oversized += 1
                out.append(Dropped("oversized"))
            else:
                out.append(Dropped("truncated"))
        self._mode, self._depth, self._discarding, self._tok = _OUT, 0, False, None
        self._pos = end

    def _compact(self) -> None:
        """Free consumed bytes; an event past the cap stops being kept (memory stays bounded)."""
        if self._mode == _EVENT and not self._discarding:
            if self._base + len(self._buf) - self._event_start > self.max_event_bytes:
                self._discarding = True
        if self._mode == _EVENT and not self._discarding:
            keep = self._event_start
        elif self._tok is None:
            keep = self._pos
        else:
            keep = self._resume - 1  # one byte before the resume point: the '/' of '/>'
        k = keep - self._base
        if k > 0:
            del self._buf[:k]
            self._base += k
