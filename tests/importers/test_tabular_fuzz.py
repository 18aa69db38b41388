"""Fuzzing the GeoJSON, CSV and Ushahidi importers: whatever the bytes, only
ImportFailed may escape, and a refused file leaves nothing in the cache."""

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

FORMATS = ("geojson", "csv", "ushahidi")
SEEDS = sorted(p for sub in ("geojson", "csv", "ushahidi") for p in (FIXTURES / sub).iterdir()
               if p.suffix in (".geojson", ".csv", ".tsv"))
# Characters that matter to the parsers: quotes, delimiters, line ends, JSON syntax,
# digits and signs, NUL, Hangul (decomposed too), emoji.
TRICKY = list('",;\t\n\r#{}[]:0123456789.-+eE \x00\ufeffé광화문\u1100\u1161😀👩\u200d👩') + ["\ud800"]

FUZZ = settings(max_examples=100, deadline=None)


def check(data: bytes, fmt: str, suffix: str = ".txt") -> None:
    """Import ``data`` as ``fmt`` into a fresh cache; assert the all-or-nothing contract."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"input{suffix}"
        path.write_bytes(data)
        cache = Cache.open(Path(d) / "c.db")
        try:
            try:
                result = import_file(cache, path, fmt=fmt, purpose="public-order")
            except ImportFailed:
                assert counts(cache) == (0, 0)
                return
            n_items, n_batches = counts(cache)
            assert n_batches == 1 and n_items == result.stats.accepted
            for lat, lon, t_ms in cache.conn.execute("SELECT lat, lon, t_ms FROM items"):
                assert (lat is None) == (lon is None)
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
    text = seed.read_bytes().decode("cp949" if "cp949" in seed.name else "utf-8-sig")
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["insert", "delete", "replace", "dup-line", "drop-line"]))
        at = draw(st.integers(0, max(0, len(text))))
        if kind == "insert":
            text = text[:at] + draw(st.text(alphabet=st.sampled_from(TRICKY), min_size=1, max_size=8)) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)):]
        elif kind == "replace" and text:
            at = min(at, len(text) - 1)
            text = text[:at] + draw(st.sampled_from(TRICKY)) + text[at + 1:]
        else:
            lines = text.split("\n")
            i = draw(st.integers(0, len(lines) - 1))
            lines[i:i + 1] = [lines[i], lines[i]] if kind == "dup-line" else []
            text = "\n".join(lines)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp949"]))
    errors = "replace" if encoding == "cp949" else "surrogatepass"  # keep lone surrogates as bad bytes
    return seed, text.encode(encoding, errors)


@FUZZ
@given(case=mutated_fixture(), fmt=st.sampled_from(FORMATS))
def test_mutated_fixtures(case, fmt):
    seed, data = case
    check(data, fmt, seed.suffix)


@FUZZ
@given(case=mutated_fixture())
def test_mutated_fixtures_in_their_own_format(case):
    seed, data = case
    fmt = {"geojson": "geojson", "csv": "csv", "ushahidi": "ushahidi"}[seed.parent.name]
    check(data, fmt, seed.suffix)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet=st.sampled_from(TRICKY), max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
prop_keys = st.sampled_from(["time", "Timestamp", "date", "text", "내용", "author", "id", "tags", "hashtags",
                             "radius_m", "precision", "place", "일시"]) | st.text(max_size=6)
geometry = st.one_of(
    json_values,
    st.fixed_dictionaries({"type": st.sampled_from(["Point", "MultiPoint", "LineString", "Polygon"]),
                           "coordinates": json_values}),
    st.fixed_dictionaries({"type": st.just("Point"),
                           "coordinates": st.lists(st.floats(allow_nan=True, allow_infinity=True)
                                                   | st.integers(-(10**400), 10**400), max_size=3)}),
)
feature = st.one_of(
    json_values,
    st.fixed_dictionaries({"type": st.just("Feature"), "geometry": geometry,
                           "properties": st.dictionaries(prop_keys, json_values, max_size=6) | json_values},
                          optional={"id": json_values}),
)
crs = st.one_of(
    st.none(), json_values,
    st.fixed_dictionaries({"type": st.sampled_from(["name", "EPSG", "link"]),
                           "properties": st.fixed_dictionaries({}, optional={
                               "name": st.sampled_from(["EPSG:5179", "urn:ogc:def:crs:EPSG::5186", "EPSG:4326",
                                                        "EPSG:0", "+proj=longlat", "nonsense"]) | st.text(max_size=10),
                               "code": json_values})}),
)


@FUZZ
@given(features=st.lists(feature, max_size=6), crs=crs)
def test_structured_geojson(features, crs):
    doc = {"type": "FeatureCollection", "features": features}
    if crs is not None:
        doc["crs"] = crs
    check(json.dumps(doc, allow_nan=True).encode("utf-8"), "geojson", ".geojson")
