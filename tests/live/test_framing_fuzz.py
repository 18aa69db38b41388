"""Stream framing under arbitrary read boundaries and junk: the same frames however
the bytes were split, every clean frame recovered, bounded buffers, no exceptions."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.importers.xmlsafe import Dropped
from desktop.live.codec import Frame, Malformed, ProtoStreamFramer, StreamFramer, frame_records
from tests.live.helpers import cot, proto_message, stream_frame

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CAP = 2048


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    out, prev = [], 0
    for p in points + [len(data)]:
        out.append(data[prev:p])
        prev = p
    return out


def _run(data: bytes, cuts: list[int]) -> list:
    f = StreamFramer(CAP)
    out = []
    for chunk in _split(data, cuts):
        out += f.feed(chunk)
    out += f.close()
    return out


def _norm(frames: list) -> list:
    return [x.data if isinstance(x, Frame) else x.reason for x in frames]


_PB = [stream_frame(proto_message(f"F-{k}", t_ms=1_777_777_777_000 + k, callsign=f"콜{k}")) for k in range(6)]
# CDATA holding "</event>" and a self-closing child must not end an event early.
_XML = [cot(f"X-{k}", remarks=f"<![CDATA[메모 {k} </event>]]><br/>", decl=k % 2 == 0) for k in range(6)]
junk_no_magic = st.binary(max_size=40).map(lambda b: b.replace(b"\xbf", b""))
cuts = st.lists(st.integers(min_value=0, max_value=10_000), max_size=40)


@SETTINGS
@given(st.lists(st.sampled_from(range(6)), min_size=1, max_size=8), st.lists(junk_no_magic, max_size=8), cuts)
def test_protobuf_frames_survive_any_split_and_junk_between(order, junks, cut):
    parts = [_PB[order[0]]]
    for k, i in enumerate(order[1:]):
        parts.append(junks[k] if k < len(junks) else b"")
        parts.append(_PB[i])
    data = b"".join(parts)
    frames = [x for x in _run(data, cut) if isinstance(x, Frame)]
    assert [f.data for f in frames] == [_PB[i][len(_PB[i]) - len(f.data):] for i, f in zip(order, frames)]
    assert len(frames) == len(order) and all(f.proto for f in frames)
    uids = [frame_records(f)[0].unit_uid for f in frames]
    assert uids == [f"F-{i}" for i in order]


@SETTINGS
@given(st.lists(st.sampled_from(range(6)), min_size=1, max_size=8),
       st.lists(st.sampled_from([b"", b"\n", b"  \r\n", b"<!-- keep-alive -->", b'<?xml version="1.0"?>']),
                max_size=8), cuts)
def test_xml_events_survive_any_split_with_keepalives(order, seps, cut):
    parts = []
    for k, i in enumerate(order):
        parts.append(_XML[i])
        parts.append(seps[k] if k < len(seps) else b"")
    frames = [x for x in _run(b"".join(parts), cut) if isinstance(x, Frame)]
    assert [frame_records(f)[0].unit_uid for f in frames] == [f"X-{i}" for i in order]


@SETTINGS
@given(st.binary(max_size=3000), cuts, cuts)
def test_any_bytes_frame_the_same_however_split(data, cut_a, cut_b):
    a, b = _run(data, cut_a), _run(data, cut_b)
    assert _norm(a) == _norm(b)
    for f in a:
        if isinstance(f, Frame):
            assert len(f.data) <= CAP
            try:
                frame_records(f, CAP)
            except Malformed:
                pass


@SETTINGS
@given(st.lists(st.one_of(st.sampled_from(_PB), st.binary(max_size=60)), max_size=12), cuts)
def test_protobuf_framer_with_mixed_junk_never_raises_and_stays_bounded(pieces, cut):
    data = b"\xbf" + b"".join(pieces)
    f = ProtoStreamFramer(CAP)
    for chunk in _split(data, cut):
        for x in f.feed_detailed(chunk):
            assert isinstance(x, (bytes, Dropped))
            if isinstance(x, bytes):
                try:
                    frame_records(Frame(x, True), CAP)
                except Malformed:
                    pass
        assert len(f._buf) <= CAP + 16  # a frame's header and body, never more
    f.close()


def test_oversized_length_is_skipped_without_buffering():
    f = ProtoStreamFramer(1000)
    out = f.feed_detailed(b"\xbf" + bytes([0x80 | 0x10, 0x27]) + b"z" * 3000)  # length 5008
    assert [getattr(x, "reason", None) for x in out] == ["oversized"] and len(f._buf) == 0
    out = f.feed_detailed(b"z" * 2008 + _PB[0])
    assert isinstance(out[-1], bytes) and len(f._buf) == 0
