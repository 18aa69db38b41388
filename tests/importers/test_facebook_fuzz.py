"""Fuzzing the Facebook importers: whatever the bytes or the JSON, only ImportFailed may
escape, a refused file leaves nothing in the cache, ids stay Graph ids or content hashes,
and no ``upload_ip`` value is ever stored."""

from __future__ import annotations

import json
import math
import re
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.cache import Cache
from desktop.importers import import_file
from desktop.importers.base import ImportFailed
from tests.importers.tabular_helpers import FIXTURES, counts

FORMATS = ("facebook-graph", "facebook-export")
SEEDS = sorted((FIXTURES / "facebook").glob("*.json"))
TRICKY = list('"{}[],:\\\n\r 0123456789.-+_eE\x00\ufeff남포동\u1102\u1161😀👩\u200d👩#&;') + ["\ud800", "\u00ec", "\u0095"]
SNIPPETS = TRICKY + ["\\ud83d", "\\u00ec\\u0095", "\\u0000", "null", "true", "[]", "{}", '"from":', '"comments":',
                     '"paging":', '"created_time": "2026-12-06T10:00:00+0000"', '"upload_ip": "10.9.8.7"',
                     '"comments_v2":', '"timestamp": 1796551200']
FUZZ = settings(max_examples=100, deadline=None)
_SID = re.compile(r"\d+(_\d+){0,2}|sha1:[0-9a-f]{32}")


def check(data: bytes, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "input.json"
        path.write_bytes(data)
        cache = Cache.open(Path(d) / "c.db")
        cache.set_meta("geoparse.on_import", "off")
        try:
            try:
                result = import_file(cache, path, fmt=fmt, purpose="public-order")
            except ImportFailed as exc:
                assert exc.path == str(path)
                assert counts(cache) == (0, 0)
                return
            n_items, n_batches = counts(cache)
            assert n_batches == 1 and n_items == result.stats.accepted
            for sid, lat, lon, precision, t_ms, text, extra, source in cache.conn.execute(
                    "SELECT source_id, lat, lon, precision, t_ms, text, extra, source FROM items"):
                assert source == "facebook" and _SID.fullmatch(sid)
                assert (lat is None) == (lon is None) == (precision == "unknown")
                if lat is not None:
                    assert -90 <= lat <= 90 and -180 <= lon <= 180 and math.isfinite(lat + lon)
                assert isinstance(t_ms, int)
                assert "10.9.8.7" not in (extra or "") or fmt == "facebook-graph"
        finally:
            cache.close()


@FUZZ
@given(data=st.binary(max_size=3000), fmt=st.sampled_from(FORMATS))
def test_arbitrary_bytes(data, fmt):
    check(data, fmt)


@st.composite
def mutated_fixture(draw):
    text = draw(st.sampled_from(SEEDS)).read_bytes().decode("utf-8")
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["insert", "delete", "replace", "cut"]))
        at = draw(st.integers(0, len(text)))
        if kind == "insert":
            text = text[:at] + "".join(draw(st.lists(st.sampled_from(SNIPPETS), min_size=1, max_size=4))) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 60)):]
        elif kind == "replace" and text:
            at = min(at, len(text) - 1)
            text = text[:at] + draw(st.sampled_from(TRICKY)) + text[at + 1:]
        elif kind == "cut":
            text = text[:at]
    return text.encode("utf-8", "surrogatepass")


@FUZZ
@given(data=mutated_fixture(), fmt=st.sampled_from(FORMATS))
def test_mutated_fixtures(data, fmt):
    check(data, fmt)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet=st.sampled_from(TRICKY), max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def mostly(good, bad):
    return st.one_of(good, good, good, bad)


ids = mostly(st.from_regex(r"\A\d{1,16}_\d{1,16}\Z"), json_values | st.text(alphabet="0123456789_.E", max_size=30))
text = mostly(st.text(alphabet=st.sampled_from(TRICKY), max_size=30), json_values)
when = mostly(st.sampled_from(["2026-12-06T10:00:00+0000", "2026-12-06T10:00:00+09:00"]), json_values)
person = mostly(st.fixed_dictionaries({"name": text, "id": ids}), json_values)
location = mostly(st.fixed_dictionaries({"latitude": mostly(st.floats(-90, 90), json_values),
                                         "longitude": mostly(st.floats(-180, 180), json_values)},
                                        optional={"street": text}), json_values)
comment = st.fixed_dictionaries({"id": ids, "created_time": when, "message": text},
                                optional={"from": person, "parent": st.fixed_dictionaries({"id": ids}),
                                          "like_count": json_values})
edge = mostly(st.fixed_dictionaries({"data": st.lists(comment, max_size=3)},
                                    optional={"paging": json_values}), json_values)
post = st.fixed_dictionaries({"id": ids, "created_time": when},
                             optional={"message": text, "story": text, "from": person, "comments": edge,
                                       "place": mostly(st.fixed_dictionaries({"name": text, "location": location}),
                                                       json_values),
                                       "permalink_url": text, "reactions": json_values, "shares": json_values})
graph_page = st.fixed_dictionaries({"data": st.lists(st.one_of(post, comment), max_size=4)},
                                   optional={"paging": mostly(st.fixed_dictionaries(
                                       {"next": st.sampled_from(["https://graph.facebook.com/v21.0/1_2/comments?a=b",
                                                                 "https://graph.facebook.com/v21.0/1/feed"])}),
                                       json_values)})
dyi_comment = st.fixed_dictionaries({"timestamp": mostly(st.integers(10**9, 2 * 10**9), json_values),
                                     "data": st.lists(st.fixed_dictionaries({"comment": mostly(
                                         st.fixed_dictionaries({"comment": text, "author": text,
                                                                "timestamp": st.integers(10**9, 2 * 10**9)}),
                                         json_values)}), max_size=2)})
dyi_post = st.fixed_dictionaries({"timestamp": mostly(st.integers(10**9, 2 * 10**9), json_values),
                                  "data": st.lists(st.fixed_dictionaries({"post": text}), max_size=2)},
                                 optional={"attachments": json_values, "comments": st.lists(dyi_comment, max_size=2),
                                           "upload_ip": st.just("10.9.8.7")})


@FUZZ
@given(page=graph_page)
def test_structured_graph_pages(page):
    check(json.dumps(page).encode("utf-8", "surrogatepass"), "facebook-graph")


@FUZZ
@given(doc=st.one_of(st.lists(dyi_post, max_size=4), st.fixed_dictionaries({"comments_v2": st.lists(dyi_comment,
                                                                                                    max_size=4)})))
def test_structured_exports(doc):
    check(json.dumps(doc).encode("utf-8", "surrogatepass"), "facebook-export")


def test_lone_surrogates_anywhere_are_stored_as_replacement_characters(tmp_path):
    """A JSON escape of half a surrogate pair (\\ud800) in any string a record keeps: the
    permalink in extra, the author's id and name, a comment's text. Found by the fuzzer: a
    permalink's was not cleaned and the insert failed with a traceback."""
    page = ('{"data": [{"id": "1_2", "created_time": "2026-12-06T10:00:00+0000", "message": "ok",'
            ' "permalink_url": "https://www.facebook.com/\\ud800", "from": {"name": "\\udfff", "id": "7\\ud800"},'
            ' "comments": {"data": [{"id": "1_2_3", "created_time": "2026-12-06T10:01:00+0000",'
            ' "message": "\\ud83d near 남포동"}]}}]}')
    check(page.encode("utf-8"), "facebook-graph")
    path = tmp_path / "feed.json"
    path.write_text(page, "utf-8")
    with Cache.open(tmp_path / "c.db") as cache:
        cache.set_meta("geoparse.on_import", "off")
        assert import_file(cache, path, fmt="facebook-graph", purpose="public-order").stats.accepted == 2
        rows = cache.conn.execute("SELECT text, author, author_id, extra FROM items ORDER BY id").fetchall()
    assert rows[0][1] == "\ufffd" and json.loads(rows[0][3])["permalink_url"] == "https://www.facebook.com/\ufffd"
    assert rows[1][0] == "\ufffd near 남포동"
