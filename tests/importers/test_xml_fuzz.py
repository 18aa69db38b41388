"""Property tests for the XML readers: the CoT framer, parse_event, and whole-file imports
of arbitrary bytes (only ImportFailed may escape, and a failed file leaves nothing)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.cache import Cache
from desktop.importers import import_file
from desktop.importers.base import BadRecord, ImportFailed
from desktop.importers.cot import parse_event
from desktop.importers.kml import html_to_text
from desktop.importers.xmlsafe import CotStreamParser, first_element_name

FIX = Path(__file__).parent.parent / "fixtures"
STREAM = (FIX / "cot" / "stream.xml").read_bytes()
SINGLE = (FIX / "cot" / "single_event.xml").read_bytes()
KML = (FIX / "kml" / "no_namespace.kml").read_bytes()

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces that exercise every branch of the framer when shuffled together.
PIECES = [
    b"<?xml version='1.0' encoding='UTF-8'?>", b"\n", b"  ", b"\xef\xbb\xbf", b"<event", b"<event ", b"<event/>",
    b"</event>", b'<event uid="a" type="a-f-G" time="2024-06-01T05:00:00Z">', b"<detail>", b"</detail>",
    b'<point lat="37.5" lon="127.0"/>', b"<![CDATA[</event>]]>", b"<!-- </event> -->", b"<!DOCTYPE x>", b"<?pi x?>",
    b'"', b"'", b"<", b">", b"/>", b"&lt;", b"\xea\xb0\x80", b"\xff", b"\x00", b"garbage", b"<remarks>",
    b"</remarks>", b"<a b='>'>", b"</a>", b"<?xml ", SINGLE, b"<![CDATA[", b"]]>", b"<!--", b"-->",
]
streams = st.one_of(
    st.binary(max_size=400),
    st.lists(st.sampled_from(PIECES), max_size=40).map(b"".join),
    st.lists(st.one_of(st.sampled_from(PIECES), st.binary(max_size=8)), max_size=30).map(b"".join),
)


def run(data: bytes, cuts: list[int], max_event_bytes: int = 64 * 1024):
    """Feed ``data`` split at ``cuts``; return (frames, counters)."""
    p = CotStreamParser(max_event_bytes=max_event_bytes)
    out = []
    prev = 0
    for c in sorted(set(cuts)) + [len(data)]:
        out += p.feed_detailed(data[prev:c])
        prev = c
    out += p.close()
    return out, (p.dropped, p.oversized, p.events, p.saw_dtd)


@FUZZ
@given(st.lists(st.integers(min_value=0, max_value=len(STREAM)), max_size=60))
def test_valid_stream_split_anywhere_gives_the_same_events(cuts):
    whole, counts = run(STREAM, [])
    split, split_counts = run(STREAM, cuts)
    assert split == whole and split_counts == counts
    assert len(whole) == 12 and counts[:3] == (0, 0, 12)


@FUZZ
@given(streams, st.lists(st.integers(min_value=0, max_value=2000), max_size=30),
       st.sampled_from([64 * 1024, 300, 40]))
def test_any_stream_split_anywhere_frames_the_same(data, cuts, cap):
    cuts = [c % (len(data) + 1) for c in cuts]
    whole, counts = run(data, [], cap)
    split, split_counts = run(data, cuts, cap)
    assert split == whole and split_counts == counts
    one_by_one, one_counts = run(data, list(range(len(data))), cap)
    assert one_by_one == whole and one_counts == counts
    for frame in whole:
        if isinstance(frame, bytes):
            assert frame.startswith(b"<event") and frame.endswith(b">") and len(frame) <= cap


@FUZZ
@given(st.binary(max_size=2000))
def test_feed_never_raises(data):
    p = CotStreamParser(max_event_bytes=128)
    for i in range(0, len(data), 7):
        for ev in p.feed(data[i:i + 7]):
            assert isinstance(ev, bytes)
    p.close()
    assert first_element_name(data) is None or isinstance(first_element_name(data), str)


def mutate(data: bytes, edits: list[tuple[int, bytes]]) -> bytes:
    out = bytearray(data)
    for pos, ins in edits:
        pos %= len(out) + 1
        out[pos:pos + len(ins)] = ins
    return bytes(out)


edits = st.lists(st.tuples(st.integers(min_value=0), st.sampled_from(
    [b"", b"<", b">", b'"', b"&", b"&lol;", b"0", b"-", b"\xff", b"\x00", b"9999999", b"nan", b"1e999", b"</detail>",
     b"<detail>", b"Z", b"+99:00", b"t-x-d-d", b"b-t-f", b"<__chat/>", b"<![CDATA[", b"\xea\xb0"])), max_size=6)


@FUZZ
@given(st.one_of(st.binary(max_size=600), st.builds(mutate, st.just(SINGLE), edits)))
def test_parse_event_raises_only_bad_record(data):
    try:
        records = parse_event(data, where="event 1")
    except BadRecord as exc:
        assert exc.where == "event 1"
    else:
        assert isinstance(records, list)


def import_bytes(data: bytes, fmt: str, name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        cache = Cache.open(Path(tmp) / "c.db")
        try:
            try:
                import_file(cache, path, fmt=fmt, purpose="public-order")
            except ImportFailed:
                conn = cache.conn
                assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == 0
                assert conn.execute("SELECT count(*) FROM batches").fetchone()[0] == 0
                assert conn.execute("SELECT count(*) FROM units").fetchone()[0] == 0
        finally:
            cache.close()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(streams, st.builds(mutate, st.just(STREAM), edits)))
def test_cot_import_of_any_bytes(data):
    import_bytes(data, "cot", "feed.xml")


def zip_prefixed(data: bytes) -> bytes:
    return b"PK\x03\x04" + data


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=400), st.builds(mutate, st.just(KML), edits), st.binary(max_size=300).map(zip_prefixed)))
def test_kml_import_of_any_bytes(data):
    import_bytes(data, "kml", "layer.kmz")


@FUZZ
@given(st.text(max_size=300))
def test_html_to_text_never_raises(text):
    plain, links = html_to_text(text)
    assert isinstance(plain, str) and all(link.lower().startswith(("http://", "https://")) for link in links)
