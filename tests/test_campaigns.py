"""Campaigns: definitions in the cache (schema 6) and their figures computed from real items."""

from __future__ import annotations

import sqlite3

import pytest

from desktop.cache import SCHEMA_VERSION, Cache


def test_schema_has_campaigns_with_unique_names_and_a_period(tmp_path):
    with Cache.open(tmp_path / "c.db") as c:
        assert SCHEMA_VERSION >= 6
        c.conn.execute("INSERT INTO campaigns (name, from_ms, to_ms, created_ms) VALUES ('a', 1, 2, 0)")
        with pytest.raises(sqlite3.IntegrityError):
            c.conn.execute("INSERT INTO campaigns (name, from_ms, to_ms, created_ms) VALUES ('a', 1, 2, 0)")
        with pytest.raises(sqlite3.IntegrityError):
            c.conn.execute("INSERT INTO campaigns (name, from_ms, to_ms, created_ms) VALUES ('b', 2, 2, 0)")


# --- definitions and figures over a real cache ------------------------------------------

import json
from datetime import datetime, timezone

from desktop.campaigns import CampaignError, compare, compute, store
from desktop.cache.outbox import Staged, Who
from desktop.cache.writer import write_records
from desktop.core import kostat
from desktop.core.model import Item, Kind, Precision

DAY = int(datetime(2026, 11, 14, 4, 0, tzinfo=timezone.utc).timestamp() * 1000)  # 13:00 KST
H = 3_600_000


def _unit(name):
    return kostat.resolve(name)


def post(sid, t, *, tags=(), text="", lat=None, lon=None, prec=Precision.UNKNOWN, r=None, author="a", aid=None,
         lang="ko", metrics=None, kind=Kind.POST, source="x", followers=None):
    extra = {"metrics": metrics} if metrics else {}
    if followers is not None:
        extra["author_followers"] = {"n": followers, "captured_ms": DAY + 9 * H}
    return Item(kind=kind, source=source, source_id=sid, t_ms=t, text=text or " ".join("#" + x for x in tags),
                lat=lat, lon=lon, precision=prec, radius_m=r, author=author, author_id=aid or author, lang=lang,
                hashtags=tuple(tags), extra=extra or None)


@pytest.fixture
def busan(tmp_path):
    jung, haeundae, jin = _unit("부산 중구"), _unit("해운대구"), _unit("부산진구")
    recs = [
        # before the period: the author 'old' was seen already
        post("p0", DAY - 5 * H, tags=("부산",), author="old"),
        # in the period, with a campaign tag
        post("p1", DAY + 10 * 60_000, tags=("busanpolice", "byhand"), lat=jung["lat"], lon=jung["lon"],
             prec=Precision.EXACT, author="old", metrics={"likes": 5, "reposts": 1, "impressions": 900,
                                                           "captured_ms": DAY + 9 * H, "from": "x-v2"}, followers=1200),
        post("p2", DAY + 20 * 60_000, tags=("BusanPolice",), lat=haeundae["lat"], lon=haeundae["lon"],
             prec=Precision.PLACE, r=300.0, author="new1", lang="en",
             metrics={"likes": 40, "reposts": 9, "replies": 2, "captured_ms": DAY + 9 * H, "from": "x-v2"},
             followers=300),
        # an inferred circle far larger than 부산진구 (centre inside it): vague, possibly in its neighbours
        post("p3", DAY + 2 * H, tags=("kids",), lat=jin["lat"], lon=jin["lon"], prec=Precision.INFERRED, r=9000.0,
             author="new2"),
        # no position at all; matched by a keyword in the text, no hashtag
        post("p4", DAY + 3 * H, text="아동학대 예방 손팻말 만들었어요", author="new1", followers=350),
        # exact, at sea off Busan: outside every district
        post("p5", DAY + 3 * H + 1, tags=("byhand",), lat=34.9, lon=129.3, prec=Precision.EXACT, author="new3",
             lang=None),
        # not part of it: after the period, another tag, a field update with the tag
        post("p6", DAY + 6 * H, tags=("busanpolice",), author="late"),
        post("p7", DAY + H, tags=("서울",), author="seoul"),
        post("p8", DAY + H, tags=("busanpolice",), kind=Kind.FIELD_UPDATE, source="tak", author="unit"),
    ]
    cache = Cache.open(tmp_path / "busan.db")
    write_records(cache, recs, path="campaign-test", fmt="test")
    yield cache
    cache.close()


def test_add_checks_everything_and_writes_nothing_on_error(busan):
    with pytest.raises(CampaignError, match="hashtag or keyword"):
        store.add(busan, "x", from_ms=DAY, to_ms=DAY + H)
    with pytest.raises(CampaignError, match="ends before it starts"):
        store.add(busan, "x", hashtags=["a"], from_ms=DAY, to_ms=DAY)
    with pytest.raises(CampaignError, match="no saved area"):
        store.add(busan, "x", hashtags=["a"], from_ms=DAY, to_ms=DAY + H, areas=[("saved", "광장")])
    with pytest.raises(CampaignError, match="no built-in district"):
        store.add(busan, "x", hashtags=["a"], from_ms=DAY, to_ms=DAY + H, areas=[("district", "없는구")])
    with pytest.raises(CampaignError, match="control characters"):
        store.add(busan, "a\u202eb", hashtags=["a"], from_ms=DAY, to_ms=DAY + H)
    with pytest.raises(CampaignError, match="one word"):
        store.add(busan, "x", hashtags=["two words"], from_ms=DAY, to_ms=DAY + H)
    assert busan.conn.execute("SELECT count(*) FROM campaigns").fetchone()[0] == 0
    assert busan.conn.execute("SELECT count(*) FROM audit_outbox").fetchone()[0] == 0
    c = store.add(busan, "부산", hashtags=["#BusanPolice", "busanpolice", "ByHand"], from_ms=DAY, to_ms=DAY + H,
                  areas=["해운대구"], by="김경위", audit=Staged("alter", Who("김경위", "campaign", None)))
    assert c.hashtags == ("busanpolice", "byhand")
    assert c.areas == (("district", _unit("해운대구")["code"]),)
    with pytest.raises(CampaignError, match="exists already"):
        store.add(busan, "부산", hashtags=["a"], from_ms=DAY, to_ms=DAY + H)
    staged = busan.conn.execute("SELECT action, objects, detail FROM audit_outbox").fetchall()
    assert [(a, json.loads(o)) for a, o, _ in staged] == [("alter", {"campaign": "부산"})]
    assert json.loads(staged[0][2])["change"] == "campaign add"
    assert store.get(busan.conn, "부산") == c


def test_update_and_remove(busan):
    store.add(busan, "a", hashtags=["x"], from_ms=DAY, to_ms=DAY + H)
    store.add(busan, "b", hashtags=["y"], from_ms=DAY, to_ms=DAY + H)
    with pytest.raises(CampaignError, match="exists already"):
        store.update(busan, "a", new_name="b")
    c = store.update(busan, "a", new_name="c", keywords=["손팻말"], to_ms=DAY + 2 * H)
    assert (c.name, c.hashtags, c.keywords, c.to_ms) == ("c", ("x",), ("손팻말",), DAY + 2 * H)
    assert c.updated_ms is not None
    assert [x.name for x in store.list_campaigns(busan.conn)] == ["b", "c"] or \
        {x.name for x in store.list_campaigns(busan.conn)} == {"b", "c"}
    store.remove(busan, "c")
    with pytest.raises(CampaignError, match="no campaign named 'c'"):
        store.get(busan.conn, "c")
    with pytest.raises(CampaignError):
        store.remove(busan, "c")


def test_figures_count_every_post_once_and_honestly(busan):
    c = store.add(busan, "부산", hashtags=["busanpolice", "byhand", "kids"], keywords=["아동학대"], from_ms=DAY,
                  to_ms=DAY + 5 * H)
    f = compute(busan.conn, c)
    ids = {sid for (sid,) in busan.conn.execute(
        f"SELECT source_id FROM items WHERE id IN ({','.join(map(str, f.ids.tolist()))})")}
    assert ids == {"p1", "p2", "p3", "p4", "p5"}
    assert f.posts == 5
    assert sum(f.bins) == 5 and f.bin_ms == 5 * 60_000 and len(f.bins) == 60
    assert f.bins[2] == 1 and f.bins[4] == 1  # 13:10 and 13:20 KST
    assert f.precision == {"exact": 2, "place": 1, "inferred": 1, "unknown": 1}
    by = {d["code"]: d for d in f.districts}
    jung, haeundae, jin = _unit("부산 중구")["code"], _unit("해운대구")["code"], _unit("부산진구")["code"]
    assert by[jung]["in"] == by[jung]["exact"] == 1
    assert by[haeundae]["in"] == by[haeundae]["place"] == 1
    # the 9 km circle is no district's: 부산진구 does not count it, it and its neighbours say "possibly"
    assert by[jin]["in"] == 0 and by[jin]["possibly_in"] == 1
    assert sum(1 for d in f.districts if d["possibly_in"]) > 3
    assert f.placement == {"in_districts": 2, "vague": 1, "outside": 1, "unplaced": 1}
    assert sum(d["in"] for d in f.districts) + f.placement["vague"] + f.placement["outside"] \
        + f.placement["unplaced"] == f.posts
    assert f.authors["unique"] == 4  # old, new1, new2, new3
    assert (f.authors["returning"], f.authors["new"]) == (1, 3)
    assert (f.authors["posts_by_returning"], f.authors["posts_by_new"]) == (1, 4)
    assert dict(map(tuple, f.languages)) == {"ko": 3, "en": 1, "und": 1}
    assert f.engagement["posts_with_counts"] == 2 and f.engagement["total"] == 6 + 51
    assert f.engagement["impressions_estimated"] == 900
    # the estimated audience from the authors' follower counts: per post, then each author once
    assert f.engagement["posts_with_followers"] == 3
    assert f.engagement["potential_impressions_estimated"] == 1200 + 300 + 350
    assert f.engagement["reach_estimated"] == 1200 + 350  # new1 once, at the larger count
    assert [p["source_id"] for p in f.top_posts] == ["p2", "p1"]
    assert f.top_posts[0]["metrics"] == {"likes": 40, "reposts": 9, "replies": 2}
    assert f.top_posts[0]["captured_ms"] == DAY + 9 * H
    json.dumps(f.to_json())  # plain JSON values all through


def test_areas_keep_only_posts_that_count_there(busan):
    c = store.add(busan, "해운대", hashtags=["busanpolice", "byhand", "kids"], from_ms=DAY, to_ms=DAY + 5 * H,
                  areas=[("district", "해운대구")])
    f = compute(busan.conn, c)
    assert f.posts == 1 and f.districts[0]["code"] == _unit("해운대구")["code"]
    # saved areas too, and a removed one is named
    with busan.transaction() as conn:
        conn.execute("INSERT INTO areas (name, geometry, exclude, created_ms) VALUES (?, ?, 0, 0)",
                     ("바다", json.dumps({"type": "Polygon", "coordinates": [[[129.2, 34.8], [129.4, 34.8], [129.4, 35.0],
                                                                          [129.2, 35.0], [129.2, 34.8]]]})))
    c = store.add(busan, "바다", hashtags=["byhand"], from_ms=DAY, to_ms=DAY + 5 * H, areas=["바다"])
    assert compute(busan.conn, c).posts == 1
    with busan.transaction() as conn:
        conn.execute("DELETE FROM areas WHERE name = '바다'")
    with pytest.raises(CampaignError, match="'바다' no longer exists"):
        compute(busan.conn, c)


def test_compare_side_by_side(busan):
    a = compute(busan.conn, store.add(busan, "a", hashtags=["busanpolice"], from_ms=DAY, to_ms=DAY + 5 * H))
    b = compute(busan.conn, store.add(busan, "b", hashtags=["byhand"], from_ms=DAY, to_ms=DAY + 5 * H))
    cmp = compare(a, b)
    rows = {r[0]: (r[1], r[2]) for r in cmp["rows"]}
    assert rows["posts"] == (2, 2)  # p1 p2 / p1 p5
    assert rows["unique authors"] == (2, 2)
    assert rows["authors in both"] == (1, 1)  # 'old' wrote p1, in both
    assert rows["engagement"] == (57, 6)
    assert (cmp["a"], cmp["b"]) == ("a", "b")


def test_x_imports_keep_engagement_counts_with_their_capture_time(tmp_path):
    import time as _time
    from pathlib import Path

    from desktop.importers import import_file

    before = int(_time.time() * 1000)
    with Cache.open(tmp_path / "x.db") as cache:
        import_file(cache, Path(__file__).parent / "fixtures" / "x" / "stream_v2.jsonl", purpose="campaign")
        rows = cache.conn.execute("SELECT source_id, extra, retweet_of FROM items").fetchall()
    kept = {sid: json.loads(e)["metrics"] for sid, e, _ in rows if e and "metrics" in e}
    src = {}
    for line in (Path(__file__).parent / "fixtures" / "x" / "stream_v2.jsonl").read_text().splitlines():
        try:
            d = json.loads(line).get("data")
        except (ValueError, AttributeError):  # the fixture's deliberately broken lines
            continue
        if isinstance(d, dict) and "public_metrics" in d and not any(
                r.get("type") == "retweeted" for r in d.get("referenced_tweets") or ()):
            src[d["id"]] = d["public_metrics"]
    stored = {sid for sid, _, _ in rows}
    src = {k: v for k, v in src.items() if k in stored}  # the fixture's skipped records are not there
    assert src and set(src) <= set(kept)
    for sid, pm in src.items():
        m = kept[sid]
        assert m["likes"] == pm["like_count"] and m["reposts"] == pm["retweet_count"]
        assert m["from"] == "x-v2" and m["captured_ms"] >= before
    assert not any(rt and e and "metrics" in e for _, e, rt in rows)  # reposts carry none


def test_the_demo_defines_its_busan_campaign(tmp_path):
    from desktop.demo.generator import write_demo

    with Cache.open(tmp_path / "demo.db") as cache:
        write_demo(cache, seed=7, size=4000)
        write_demo(cache, seed=7, size=4000)  # again: nothing new, the campaigns are not doubled
        names = [c.name for c in store.list_campaigns(cache.conn)]
        assert sorted(names) == sorted(["부산경찰 아동학대 예방 #byhand", "안전부산"])
        f = compute(cache.conn, store.get(cache.conn, "부산경찰 아동학대 예방 #byhand"))
        tagged = cache.conn.execute(
            "SELECT count(DISTINCT i.id) FROM items i JOIN item_tags t ON t.item_id = i.id WHERE i.kind = 'post' "
            "AND t.tag IN ('busanpolice', 'byhand', 'kids', 'childabuseprevention') AND i.t_ms >= ? AND i.t_ms < ?",
            (f.campaign.from_ms, f.campaign.to_ms)).fetchone()[0]
        assert f.posts >= tagged > 100
        busan = [d for d in f.districts if d["in"] and d["code"].startswith("21")]
        assert len(busan) >= 6 and not [d for d in f.districts if d["in"] and not d["code"].startswith("21")]
        assert f.engagement["posts_with_counts"] > 0 and f.top_posts[0]["engagement"] >= f.top_posts[-1]["engagement"]
        assert f.authors["returning"] > 0 and f.authors["new"] > 0  # the campaign starts an hour into the day
        assert {"busanpolice", "byhand", "kids", "childabuseprevention"} <= {
            t for (t,) in cache.conn.execute("SELECT DISTINCT tag FROM item_tags")}


def test_x_imports_keep_the_authors_follower_counts_for_the_estimated_audience(tmp_path):
    from pathlib import Path

    from desktop.importers import import_file

    fixture = Path(__file__).parent / "fixtures" / "x" / "stream_v1.jsonl"
    expect = {}
    for line in fixture.read_bytes().decode("utf-8", "replace").splitlines():  # (it has broken lines)
        try:
            tw = json.loads(line)
        except ValueError:
            continue
        if isinstance(tw, dict) and isinstance(tw.get("user"), dict) and "followers_count" in tw["user"]:
            expect[tw.get("id_str")] = tw["user"]["followers_count"]
    page = {"data": [
        {"id": "1864000000000000001", "text": "#busanpolice 손팻말", "author_id": "11", "created_at": "2026-11-14T01:00:00.000Z"},
        {"id": "1864000000000000002", "text": "RT @a: #busanpolice", "author_id": "12",
         "created_at": "2026-11-14T01:05:00.000Z", "referenced_tweets": [{"type": "retweeted", "id": "1864000000000000001"}]},
        {"id": "1864000000000000003", "text": "no metrics asked", "author_id": "13", "created_at": "2026-11-14T01:06:00.000Z"}],
        "includes": {"users": [{"id": "11", "username": "a", "public_metrics": {"followers_count": 5120}},
                               {"id": "12", "username": "b", "public_metrics": {"followers_count": 40}},
                               {"id": "13", "username": "c"}]}}
    v2 = tmp_path / "search.json"
    v2.write_text(json.dumps(page, ensure_ascii=False), encoding="utf-8")
    with Cache.open(tmp_path / "x.db") as cache:
        import_file(cache, fixture, purpose="campaign")
        import_file(cache, v2, purpose="campaign")
        got = {sid: (json.loads(e) or {}).get("author_followers", {}).get("n") if e else None
               for sid, e in cache.conn.execute("SELECT source_id, extra FROM items")}
    stored_v1 = {k: v for k, v in expect.items() if k in got}
    assert stored_v1 and all(got[k] == v for k, v in stored_v1.items())  # retweets too: the retweeter's own
    assert (got["1864000000000000001"], got["1864000000000000002"], got["1864000000000000003"]) == (5120, 40, None)


def _precincts(path, jung, haeundae) -> None:
    """Two police precincts as boxes around two districts' label points, and a feature
    without a name (left out)."""
    def box(u, d=0.02):
        la, lo = u["lat"], u["lon"]
        return {"type": "Polygon", "coordinates": [[[lo - d, la - d], [lo + d, la - d], [lo + d, la + d],
                                                     [lo - d, la + d], [lo - d, la - d]]]}
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "중부경찰서 관할", "code": "P-21"}, "geometry": box(jung)},
        {"type": "Feature", "properties": {"name": "해운대경찰서 관할"}, "geometry": box(haeundae)},
        {"type": "Feature", "properties": {"note": "no name"}, "geometry": box(jung, 0.5)}]}
    path.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")


def test_figures_by_the_features_of_a_loaded_boundary_file(busan, tmp_path):
    from desktop.basemap.places import boundary_context
    from desktop.campaigns.figures import BoundarySet
    from desktop.ui.bridge import choropleth_message

    path = tmp_path / "precincts.geojson"
    _precincts(path, _unit("부산 중구"), _unit("해운대구"))
    bs = BoundarySet.read(path)
    assert [u["qualified"] for u in bs.units] == ["중부경찰서 관할", "해운대경찰서 관할"]
    c = store.add(busan, "부산", hashtags=["busanpolice", "byhand", "kids"], keywords=["아동학대"], from_ms=DAY,
                  to_ms=DAY + 5 * H)
    f = compute(busan.conn, c, boundaries=bs)
    assert f.level == "loaded" and f.to_json()["boundaries"] == "precincts.geojson"
    by = {d["name"]: d for d in f.districts}
    assert by["중부경찰서 관할"]["exact"] == 1 and by["중부경찰서 관할"]["code"] == "P-21"
    assert by["해운대경찰서 관할"]["place"] == 1 and by["해운대경찰서 관할"]["code"] == by["해운대경찰서 관할"]["key"]
    built_in = compute(busan.conn, c)
    assert f.placement["unplaced"] == built_in.placement["unplaced"]  # the same posts, other units
    # The map colours the loaded layer's features by the same keys the page's layer carries.
    keys = {ft["properties"]["k"]: ft["properties"]["name"] for ft in boundary_context(path)["features"]}
    msg = choropleth_message("loaded", {d["key"]: d["in"] for d in f.districts if d["in"]})
    assert {keys[k] for k in msg["codes"]} == {"중부경찰서 관할", "해운대경찰서 관할"}


def test_campaign_cli_counts_by_a_boundary_file(busan, tmp_path, capsys):
    from desktop.cli import main

    path = tmp_path / "precincts.geojson"
    _precincts(path, _unit("부산 중구"), _unit("해운대구"))
    db = str(busan.path)
    store.add(busan, "부산", hashtags=["busanpolice", "byhand", "kids"], from_ms=DAY, to_ms=DAY + 5 * H)
    NAME = "부산"
    assert main(["campaign", "show", NAME, "--db", db, "--boundaries", str(path), "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["boundaries"] == "precincts.geojson" and {d["name"] for d in got["districts"]} == {
        "중부경찰서 관할", "해운대경찰서 관할"}
    assert main(["campaign", "show", NAME, "--db", db, "--boundaries", str(tmp_path / "none.json")]) != 0
    assert "--boundaries" in capsys.readouterr().err
