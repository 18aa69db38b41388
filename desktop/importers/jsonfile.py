"""Reading JSON the ways post data is saved: JSON lines (a stream capture, one record
a line), a JSON array (a REST response or an archive), or one document.

JSON lines are read line by line so a capture of several gigabytes never sits in
memory. Arrays are read element by element so a truncated file keeps the records
before the break. Every record comes with its ``where`` ("line 12", "record 5") and
its original JSON text.
"""

from __future__ import annotations

import io
import json
import operator
import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, BinaryIO, Iterator

from desktop.importers.base import MAX_FILE_BYTES, BadRecord, ImportContext, ImportFailed, decode_utf8, read_bytes
from desktop.importers.fields import clean
from desktop.core.model import Item

# A pretty-printed document is parsed whole; past this size a file that does not read
# as JSON lines is not worth loading just to find out it is not one document either.
MAX_DOCUMENT_BYTES = 256 * 1024**2

# What a malformed record can raise inside a converter. The reader turns each into a
# skip so that no single record can stop a file.
RECORD_ERRORS = (BadRecord, KeyError, TypeError, AttributeError, ValueError, IndexError, OverflowError,
                 RecursionError)

_BOM = b"\xef\xbb\xbf"
_TRUNCATED = "truncated: the file ends in the middle of a record"
_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
try:  # a compiled JSON decoder, about three times the standard one's speed on a post
    from orjson import JSONDecodeError as _FastError, loads as _fast_loads
except ImportError:  # pragma: no cover - a build without it reads the same, slower
    _fast_loads = None
# The compiled decoder reads an integer outside [-2**63, 2**64) as a float: a line with a
# run of 20 digits, or 19 after a minus sign (digits mapped to "0", then two searches), is
# decoded by the standard one. Ids of 19 digits, the usual case, pass.
_DIGITS_TO_0 = bytes.maketrans(b"123456789", b"000000000")
_LONG_RUNS = (b"0" * 20, b"-" + b"0" * 19)
Record3 = tuple[str, Any, str]  # (where, decoded value, original JSON text)


def head_text(head: bytes) -> str:
    """The sniffed head as text, without BOM or leading whitespace (a cut character is dropped)."""
    if head.startswith(_BOM):
        head = head[3:]
    return head.decode("utf-8", "ignore").lstrip()


def reason(exc: BaseException) -> str:
    """A skip reason for an exception raised while converting one record."""
    if isinstance(exc, BadRecord):
        return str(exc)
    if isinstance(exc, KeyError):
        return f"missing field {exc}"
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return f"unexpected structure ({type(exc).__name__}: {exc})"


class OneProcess(Exception):
    """A piece of a JSON-lines file read in parallel holds a line that is not UTF-8: whether
    the file is refused depends on the lines before it, so the file is read again whole
    in one process (``desktop.importers.pipeline``)."""


@dataclass
class Piece:
    """A byte range of a JSON-lines file starting at a line, read on its own (in one of
    several reading processes): ``first_line`` numbers its first line as in the whole
    file. Reading it fills ``decoded`` and ``first_bad`` (the whole-file checks are made
    once every piece is in) and ``tally`` (what the format reports once, merged)."""

    start: int
    end: int
    first_line: int = 1
    decoded: int = 0
    first_bad: str | None = None
    tally: object = None
    seen: set | None = None  # nested posts already read by this reader (its earlier pieces too)
    lines: int = 0  # line ends in the piece (the next piece's first line follows them)


def pieces(path: Path, size: int) -> list[tuple[int, int]]:
    """Byte ranges of about ``size`` bytes, each starting at a line."""
    out = []
    total = path.stat().st_size
    with open(path, "rb") as fh:
        start = 0
        while start < total:
            fh.seek(min(total, start + size))
            if start + size < total:
                fh.readline()  # to the end of the line the cut fell in
            end = min(total, fh.tell()) if start + size < total else total
            out.append((start, end))
            start = end
    return out


def is_json_lines(path: Path) -> bool:
    """Whether ``path`` is JSON lines (its first line a whole JSON object), which can be read in pieces."""
    try:
        if _first_char(path) != "{":
            return False
        with open(path, "rb") as fh:
            for n, line in enumerate(fh, 1):
                line = line.removeprefix(_BOM) if n == 1 else line
                if line.strip():
                    json.loads(line.decode("utf-8"))
                    return True
    except (ImportFailed, ValueError, RecursionError, OSError):
        return False
    return False


def records(path: Path, ctx: ImportContext) -> Iterator[Record3]:
    """Each record of a JSON array, a JSON-lines file or a single JSON document (or of
    the JSON-lines ``ctx.piece`` only, when set)."""
    piece = ctx.piece
    if piece is not None:
        try:
            with open(path, "rb") as fh:
                fh.seek(piece.start)
                data = fh.read(piece.end - piece.start)
        except OSError as exc:
            raise ImportFailed(path, f"cannot read: {exc.strerror or exc}") from None
        piece.lines = data.count(b"\n")
        yield from json_lines(path, io.BytesIO(data), ctx, piece=piece)
        return
    ch = _first_char(path)
    if ch == "[":
        text = decode_utf8(path, read_bytes(path))
        yield from array_items(path, text, text.index("["), ctx)
    elif ch == "{":
        yield from _lines_or_document(path, ctx)
    else:
        raise ImportFailed(path, f"not JSON (the file starts with {ch!r})")


def array_items(path: Path, text: str, start: int, ctx: ImportContext) -> Iterator[Record3]:
    """Elements of the JSON array at ``text[start] == '['`` as ("record N", value, raw).

    A break in the middle keeps what came before it and reports where it stopped; a
    break before the first element means the file is not JSON at all.
    """
    idx = _WS.match(text, start + 1).end()
    n = 0
    while idx < len(text) and text[idx] != "]":
        n += 1
        try:
            value, end = _DECODER.raw_decode(text, idx)
        except (ValueError, RecursionError) as exc:
            why = _json_error(exc)
            if n == 1:
                raise ImportFailed(path, f"not valid JSON: {why}") from None
            ctx.skip(f"record {n}", f"not valid JSON ({why}); the rest of the file could not be read")
            return
        yield f"record {n}", value, text[idx:end]
        idx = _WS.match(text, end).end()
        if idx < len(text) and text[idx] == ",":
            idx = _WS.match(text, idx + 1).end()
        elif idx >= len(text) or text[idx] != "]":
            ctx.skip(f"record {n + 1}", "the file ends or breaks off after the previous record")
            return


def _first_char(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportFailed(path, f"file is {size} bytes, over the {MAX_FILE_BYTES}-byte limit")
        with open(path, "rb") as fh:
            chunk = fh.read(4096)
            if chunk.startswith(_BOM):
                chunk = chunk[3:]
            while chunk:
                stripped = chunk.lstrip()
                if stripped:
                    return chr(stripped[0])
                chunk = fh.read(65536)
    except OSError as exc:
        raise ImportFailed(path, f"cannot read: {exc.strerror or exc}") from None
    raise ImportFailed(path, "file is empty")


def _lines_or_document(path: Path, ctx: ImportContext) -> Iterator[Record3]:
    # A file starting with '{' is JSON lines if its first line is a whole JSON value;
    # otherwise it may be one pretty-printed document.
    doc_error = None
    try:
        with open(path, "rb") as fh:
            first = b""
            for n, first in enumerate(fh, 1):
                first = first.removeprefix(_BOM) if n == 1 else first
                if first.strip():
                    break
            try:
                json.loads(first.decode("utf-8"))
                is_lines = True
            except (ValueError, RecursionError):
                is_lines = False
            if not is_lines and path.stat().st_size <= MAX_DOCUMENT_BYTES:
                text = decode_utf8(path, read_bytes(path))
                try:
                    value = json.loads(text)
                except (ValueError, RecursionError) as exc:
                    doc_error = _json_error(exc)
                else:
                    yield "record 1", value, text
                    return
            fh.seek(0)
            yield from json_lines(path, fh, ctx, doc_error)
    except OSError as exc:
        raise ImportFailed(path, f"cannot read: {exc.strerror or exc}") from None


def json_lines(path: Path, fh: BinaryIO, ctx: ImportContext, doc_error: str | None = None, *,
               piece: Piece | None = None) -> Iterator[Record3]:
    """Records of a JSON-lines stream as ("line N", value, raw); blank keep-alive lines are passed over.

    A line that does not parse is skipped with its reason; a cut-off last line is called
    truncated. If no line parses at all, or most lines are not UTF-8, the file is refused.
    Reading a ``piece``, the counts go into it instead (the file is judged once all its
    pieces are read) and a line that is not UTF-8 raises :class:`OneProcess`.
    """
    decoded = 0
    first_bad = None
    not_utf8 = 0
    first_not_utf8 = ""
    for n, line in enumerate(fh, piece.first_line if piece is not None else 1):
        if n == 1:
            line = line.removeprefix(_BOM)
        s = line.strip()
        if not s:
            continue
        cut = not line.endswith(b"\n")  # only the last line can lack its newline
        try:
            text = s.decode("utf-8")
        except UnicodeDecodeError as exc:
            if cut:  # a capture cut inside a multi-byte character
                ctx.skip(f"line {n}", _TRUNCATED)
                break
            if piece is not None:
                raise OneProcess(f"line {n} is not UTF-8") from None
            # A capture resumed after a dropped connection can hold one record cut inside a
            # character; a file in another encoding fails on line after line.
            not_utf8 += 1
            col = exc.start + len(line) - len(line.lstrip()) + 1
            first_not_utf8 = first_not_utf8 or f"invalid byte at line {n}, column {col}"
            if not_utf8 > decoded + 10:
                break
            ctx.skip(f"line {n}", f"not UTF-8 text (invalid byte at column {col}; a record cut off mid-character?)")
            continue
        try:
            value = loads_line(s, text)
        except (ValueError, RecursionError) as exc:
            why = _TRUNCATED if cut else f"not valid JSON ({_json_error(exc)})"
            first_bad = first_bad or f"line {n}: {why}"
            ctx.skip(f"line {n}", why)
            continue
        decoded += 1
        yield f"line {n}", value, text
    if piece is not None:
        piece.decoded, piece.first_bad = decoded, first_bad
        return
    if not_utf8 and not_utf8 >= decoded:
        raise ImportFailed(path, f"not UTF-8 text ({first_not_utf8})")
    if not decoded and first_bad:
        raise ImportFailed(path, f"not valid JSON: {doc_error or first_bad}")


def loads_line(line: bytes, text: str) -> Any:
    """The JSON value of one line (``text`` is ``line`` decoded), exactly as ``json.loads(text)``
    gives it or raising what it raises, through the compiled decoder where the two agree.

    They agree on every line the compiled decoder accepts, save integers past 64 bits
    (screened out above); what it refuses (NaN, a lone surrogate escape, nesting past its
    limit, an error) goes to the standard decoder, whose value or message is the one kept.
    """
    if _fast_loads is not None:
        zeros = line.translate(_DIGITS_TO_0)
        if _LONG_RUNS[0] in zeros or _LONG_RUNS[1] in zeros:
            return json.loads(text)
        try:
            return _fast_loads(line)
        except _FastError:
            pass
    return json.loads(text)


def _json_error(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return str(exc)


_STR_FIELDS = tuple(f.name for f in fields(Item) if f.name not in ("kind", "hashtags", "links", "extra", "precision"))
_get_fields = operator.attrgetter(*_STR_FIELDS)


def _strings(value: Any, out: list) -> None:
    """Every string in ``value`` (dicts' keys too, lists and tuples) appended to ``out``."""
    for k, v in value.items() if value.__class__ is dict else enumerate(value):
        if k.__class__ is str:
            out.append(k)
        t = v.__class__
        if t is str:
            out.append(v)
        elif t is dict or t is list or t is tuple:
            _strings(v, out)


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {_cleaned(k): _cleaned(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cleaned(v) for v in value)
    return value


# A JSON escape of a surrogate (\uD800-\uDFFF, any case): the only way a decoded string can
# hold one (the file's text is UTF-8, which has none).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def may_hold_surrogates(raw: str | None) -> bool:
    """Whether a record decoded from JSON text ``raw`` can hold a surrogate: only if the text
    escapes one (False lets :func:`clean_surrogates` be passed over; None: cannot tell)."""
    return raw is None or ("\\u" in raw and _SURROGATE_ESCAPE.search(raw) is not None)


def clean_surrogates(item: Item) -> Item:
    """Replace lone surrogates with U+FFFD so SQLite can store the item.

    JSON escapes such as ``\\ud83d`` without their partner decode to lone surrogates,
    which cannot be encoded as UTF-8. Checking the item's short fields (every text field,
    hashtags, links and the strings of ``extra``, where an importer keeps a permalink or a
    client's name) is far cheaper than scanning each record's JSON text for escapes.
    """
    texts = [v for v in _get_fields(item) if v.__class__ is str]
    texts += item.hashtags
    texts += item.links
    if item.extra:
        _strings(item.extra, texts)
    try:
        "\x00".join(texts).encode("utf-8")
    except UnicodeEncodeError:
        pass
    else:
        return item
    for name in _STR_FIELDS:
        value = getattr(item, name)
        if isinstance(value, str):
            setattr(item, name, clean(value))
    item.hashtags = tuple(clean(t) for t in item.hashtags)
    item.links = tuple(clean(u) for u in item.links)
    if item.extra:
        item.extra = _cleaned(item.extra)
    return item


def raw_json(value: Any) -> str:
    """JSON text for a record nested in another (kept only with keep_raw).

    ASCII escapes keep lone surrogates from reaching the cache as characters.
    """
    return json.dumps(value)
