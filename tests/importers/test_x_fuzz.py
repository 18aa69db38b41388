"""Fuzzing the X/Twitter importers: whatever the bytes, only ImportFailed may escape,
and a refused file leaves nothing in the cache."""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.cache import Cache
from desktop.importers import import_file
from desktop.importers.base import ImportFailed
from tests.importers.tabular_helpers import FIXTURES, counts

FORMATS = ("x-v1", "x-v2", "x-archive")
SEEDS = sorted(p for p in (FIXTURES / "x").rglob("*") if p.suffix in (".jsonl", ".json", ".js"))
# Characters that matter to these parsers: JSON syntax, line ends, digits, NUL, BOM,
# Hangul (decomposed too), emoji, a lone surrogate.
TRICKY = list('"{}[],:\\\n\r 0123456789.-+eE\x00\ufeff광화문\u1100\u1161😀👩\u200d👩#&;') + ["\ud800"]
# Pieces inserted into real files: escapes (a lone surrogate escape among them), entities, keys.
SNIPPETS = TRICKY + ["\\ud83d", "\\u0000", "&amp;", "null", "true", "[]", "{}", '"id_str":',
                     "window.YTD.tweets.part0 = ", '{"delete":{"status":{"id_str":"1"}}}']

FUZZ = settings(max_examples=100, deadline=None)


def check(data: bytes, fmt: str, suffix: str = ".jsonl") -> None:
    """Import ``data`` as ``fmt`` into a fresh cache; assert the all-or-nothing contract."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"input{suffix}"
        path.write_bytes(data)
        cache = Cache.open(Path(d) / "c.db")
        try:
            try:
                result = import_file(cache, path, fmt=fmt, purpose="public-order")
            except ImportFailed as exc:
                assert exc.path == str(path)
                assert counts(cache) == (0, 0)
                return
            n_items, n_batches = counts(cache)
            assert n_batches == 1 and n_items == result.stats.accepted
            for sid, lat, lon, precision, t_ms in cache.conn.execute(
                    "SELECT source_id, lat, lon, precision, t_ms FROM items"):
                assert sid.isascii() and sid.isdigit()  # ids are digit strings, never floats
                assert (lat is None) == (lon is None) == (precision == "unknown")
                if lat is not None:
                    assert -90 <= lat <= 90 and -180 <= lon <= 180 and math.isfinite(lat + lon)
                assert isinstance(t_ms, int)
        finally:
            cache.close()


@FUZZ
@given(data=st.binary(max_size=3000), fmt=st.sampled_from(FORMATS))
def test_arbitrary_bytes(data, fmt):
    check(data, fmt)


@st.composite
def mutated_fixture(draw):
    seed = draw(st.sampled_from(SEEDS))
    text = seed.read_bytes().decode("utf-8", "replace")
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["insert", "delete", "replace", "dup-line", "drop-line", "cut"]))
        at = draw(st.integers(0, max(0, len(text))))
        if kind == "insert":
            text = text[:at] + "".join(draw(st.lists(st.sampled_from(SNIPPETS), min_size=1, max_size=4))) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)):]
        elif kind == "replace" and text:
            at = min(at, len(text) - 1)
            text = text[:at] + draw(st.sampled_from(TRICKY)) + text[at + 1:]
        elif kind == "cut":
            text = text[:at]
        elif kind in ("dup-line", "drop-line"):
            lines = text.split("\n")
            i = draw(st.integers(0, len(lines) - 1))
            lines[i:i + 1] = [lines[i], lines[i]] if kind == "dup-line" else []
            text = "\n".join(lines)
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()):  # cut the bytes too, possibly inside a multi-byte character
        data = data[:draw(st.integers(0, len(data)))]
    return seed, data


@FUZZ
@given(case=mutated_fixture(), fmt=st.sampled_from(FORMATS))
def test_mutated_fixtures(case, fmt):
    seed, data = case
    check(data, fmt, seed.suffix)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet=st.sampled_from(TRICKY), max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def mostly(good, bad):
    """Usually a well-formed value, so the conversion is reached; sometimes anything."""
    return st.one_of(good, good, good, bad)


ids = mostly(st.integers(1, 2**63 - 1).map(str),
             st.integers(-5, 2**64 + 5) | st.text(alphabet="0123456789.E+-", max_size=22) | json_values)
text = mostly(st.text(alphabet=st.sampled_from(TRICKY), max_size=30), json_values)
lonlat = mostly(st.tuples(st.floats(-180, 180), st.floats(-90, 90)).map(list),
                st.lists(st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(10**400), 10**400)
                         | st.text(alphabet="0123456789.-e", max_size=8), max_size=3))
point = mostly(st.fixed_dictionaries({"type": st.just("Point"), "coordinates": lonlat}), json_values)
v1_place = mostly(st.fixed_dictionaries(
    {"full_name": text,
     "bounding_box": mostly(st.fixed_dictionaries(
         {"type": st.just("Polygon"), "coordinates": st.lists(st.lists(lonlat, max_size=5), max_size=2)}),
         json_values)}), json_values)
v1_tweet = st.fixed_dictionaries(
    {"id_str": ids,
     "created_at": mostly(st.just("Sat Jul 23 05:02:11 +0000 2022"),
                          st.sampled_from(["Sat Jul 99 05:02:11 +0000 2022", "2022-07-23T05:02:11Z"]) | json_values),
     "text": text,
     "user": mostly(st.fixed_dictionaries({"screen_name": text, "id_str": ids}), json_values)},
    optional={"id": ids, "timestamp_ms": st.text(alphabet="0123456789", max_size=15) | json_values,
              "full_text": text, "extended_tweet": json_values,
              "coordinates": point, "geo": point, "place": v1_place,
              "entities": mostly(st.fixed_dictionaries(
                  {"hashtags": st.lists(st.fixed_dictionaries({"text": text}), max_size=3) | json_values,
                   "urls": st.lists(st.fixed_dictionaries({"expanded_url": text}), max_size=2) | json_values}),
                  json_values),
              "in_reply_to_status_id_str": ids, "quoted_status_id_str": ids, "lang": text})
v1_record = st.one_of(
    v1_tweet,
    st.builds(lambda t, rt: {**t, "retweeted_status": rt}, v1_tweet, v1_tweet),
    st.builds(lambda body: {"delete": body}, st.one_of(json_values, st.fixed_dictionaries(
        {"status": st.one_of(json_values, st.fixed_dictionaries({"id_str": ids}))}))),
    st.builds(lambda body: {"scrub_geo": body}, st.one_of(json_values, st.fixed_dictionaries(
        {"user_id_str": ids, "up_to_status_id_str": ids}))),
    st.builds(lambda k, v: {k: v}, st.sampled_from(["limit", "warning", "disconnect", "status_withheld"]), json_values),
    json_values,
)


@FUZZ
@given(records=st.lists(v1_record, max_size=6), as_array=st.booleans())
def test_structured_v1(records, as_array):
    if as_array:
        data = json.dumps(records)
    else:
        data = "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n"
    check(data.encode("utf-8", "surrogatepass"), "x-v1")


@FUZZ
@given(records=st.lists(v1_tweet, max_size=5), wrap=st.booleans())
def test_structured_archive(records, wrap):
    body = json.dumps([{"tweet": r} if wrap else r for r in records], indent=1)
    check(("window.YTD.tweets.part0 = " + body).encode("utf-8", "surrogatepass"), "x-archive", ".js")


bbox = st.tuples(st.floats(-180, 180), st.floats(-90, 90), st.floats(-180, 180), st.floats(-90, 90)).map(list)
v2_post = st.fixed_dictionaries(
    {"id": ids},
    optional={"text": text, "created_at": mostly(st.just("2022-07-23T06:20:00.000Z"), json_values),
              "author_id": ids, "note_tweet": json_values,
              "geo": st.one_of(json_values, st.fixed_dictionaries({}, optional={
                  "place_id": st.sampled_from(["p1", "missing"]) | json_values, "coordinates": point})),
              "entities": st.one_of(json_values, st.fixed_dictionaries(
                  {"hashtags": st.lists(st.fixed_dictionaries({"tag": text}), max_size=3) | json_values})),
              "referenced_tweets": st.lists(st.fixed_dictionaries(
                  {"type": st.sampled_from(["retweeted", "quoted", "replied_to"]) | json_values, "id": ids}),
                  max_size=2) | json_values})
v2_page = st.fixed_dictionaries({}, optional={
    "data": mostly(v2_post | st.lists(v2_post, max_size=4), json_values),
    "includes": st.one_of(json_values, st.fixed_dictionaries({}, optional={
        "places": st.lists(st.fixed_dictionaries({"id": st.just("p1") | json_values, "geo": st.one_of(
            json_values, st.fixed_dictionaries({"bbox": mostly(bbox, st.lists(st.floats(), max_size=5))}))}),
            max_size=2) | json_values,
        "users": st.lists(st.fixed_dictionaries({"id": ids, "username": text}), max_size=2) | json_values,
        "tweets": st.lists(v2_post, max_size=2) | json_values})),
    "errors": json_values, "meta": json_values,
    "matching_rules": st.lists(st.fixed_dictionaries({"id": st.integers(0, 10**19), "tag": json_values}), max_size=2)})


@FUZZ
@given(pages=st.lists(v2_page, max_size=4), as_array=st.booleans())
def test_structured_v2(pages, as_array):
    if as_array:
        data = json.dumps(pages)
    else:
        data = "\r\n".join(json.dumps(p) for p in pages) + "\r\n"
    check(data.encode("utf-8", "surrogatepass"), "x-v2")


# JSON values as they come in post data, and the ones where decoders part ways: integers
# past 64 bits, floats out of range, NaN, a lone surrogate escape, deep nesting.
_SCALARS = (st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
            | st.floats(allow_nan=False) | st.text(alphabet=st.sampled_from(TRICKY + list("abc")), max_size=20))
_VALUES = st.recursive(_SCALARS, lambda kids: st.lists(kids, max_size=4)
                       | st.dictionaries(st.text(max_size=5), kids, max_size=4), max_leaves=25)
_ODD_LINES = ['{"x": 1e400}', '{"x": NaN}', '{"x": -Infinity}', '{"x": "\\ud800"}', '{"x": "\\udc00\\ud83d"}',
              '{"x": 99999999999999999999}', '{"x": 18446744073709551616}', '{"x": -9223372036854775809}',
              '{"x": 18446744073709551615, "y": -9223372036854775808}', "[" * 3000 + "]" * 3000,
              '{"a": 1, "a": 2}', '{"x": 1', '{"x": "\\u0000"}', '{"x": 1.0e5, "y": 5E-324, "z": -0.0}',
              '{"k": "12345678901234567890"}', '{"x": 1e-400, "y": 2.4703282292062328e-324, "z": 1.7976931348623157e308}',
              '{"x": 0.1000000000000000055511151231257827, "y": 123456789012345678e-5}']


def _decoded(line: str):
    from desktop.importers.jsonfile import loads_line

    try:
        return ("value", loads_line(line.encode("utf-8"), line))
    except RecursionError:
        return ("error", "RecursionError")
    except ValueError as exc:
        return ("error", str(exc))


def _standard(line: str):
    try:
        return ("value", json.loads(line))
    except RecursionError:
        return ("error", "RecursionError")
    except ValueError as exc:
        return ("error", str(exc))


def _same(a, b) -> bool:
    """Equal values of equal types all the way down (1 == 1.0 is not enough)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


@FUZZ
@given(value=_VALUES, ascii_only=st.booleans())
def test_a_line_decodes_as_the_standard_decoder_gives_it(value, ascii_only):
    line = json.dumps(value, ensure_ascii=ascii_only)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate as a character: no UTF-8 file holds one
        line = json.dumps(value)
    assert _same(_decoded(line), _standard(line))


def test_the_lines_where_decoders_part_ways_decode_as_the_standard_decoder_gives_them():
    for line in _ODD_LINES:
        got, want = _decoded(line), _standard(line)
        assert _same(got, want), line[:60]
    assert _decoded('{"x": 99999999999999999999}') == ("value", {"x": 99999999999999999999})


@FUZZ
@given(value=_VALUES, tags=st.lists(st.text(alphabet=st.sampled_from(TRICKY + list("abc")), max_size=8), max_size=5))
def test_a_rows_json_is_the_text_the_standard_encoder_writes(value, tags):
    from desktop.cache.writer import _json_list, _json_text

    assert _json_text(value) == json.dumps(value, ensure_ascii=False)
    assert _json_list(tuple(tags)) == (json.dumps(tags, ensure_ascii=False) if tags else "[]")
