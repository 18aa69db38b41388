"""The session model: evented fields, one filter for the window and the command line."""

from __future__ import annotations

import json

import pytest

from desktop.cache import Cache
from desktop.core.errors import OptionError, SitmapError
from desktop.core.filters import Filter
from desktop.core.geo import circle
from desktop.session import FILTER_FIELDS, Session
from desktop.session.options import FilterOptions, apply_options, session_from_options, split_area


def test_fields_announce_changes_once_and_only_when_they_change():
    s = Session()
    seen, any_ = [], []
    s.events.connect("text", seen.append)
    s.events.connect(None, any_.append)
    s.text = "집회"
    s.text = "집회"  # the same value: nothing to announce
    assert seen == ["집회"] and any_ == [frozenset({"text"})]
    with s.batch():
        s.text = "충돌"
        s.hashtags = ("seoul",)
        s.text = "충돌 현장"
    assert seen == ["집회", "충돌 현장"]  # one event per field, with the final value
    assert any_[-1] == frozenset({"text", "hashtags"}) and len(any_) == 2
    s.update(kinds=("post",), live=True)
    assert any_[-1] == frozenset({"kinds", "live"})
    assert any_[-1] & FILTER_FIELDS == {"kinds"}


def test_unknown_fields_are_refused():
    s = Session()
    with pytest.raises(AttributeError):
        s.events.connect("nonsense", print)
    with pytest.raises(AttributeError):
        s.update(nonsense=1)


def test_listener_may_change_the_model_it_observes():
    s = Session()
    s.events.connect("span", lambda span: setattr(s, "window", span))
    s.span = (1_000, 5_000)
    assert s.window == (1_000, 5_000)


def test_filter_is_built_from_the_session():
    s = Session()
    gwang = circle("광화문", 37.5759, 126.9769, 300)
    s.add_area(gwang)
    s.add_area(circle("시청", 37.5663, 126.9779, 200), active=False)
    s.update(window=(1_000, 9_000), hashtags=("#광화문", "seoul"), kinds=("post",), text="  충돌 ")
    f = s.filter()
    assert f == Filter(start_ms=1_000, end_ms=9_000, areas=(gwang,), hashtags=("광화문", "seoul"),
                       kinds=("post",), text="충돌")
    s.change_area("시청", active=True, exclude=True)
    assert [a.name for a in s.filter().areas] == ["광화문", "시청"] and s.filter().areas[1].exclude
    s.remove_area("광화문")
    assert s.area_names() == ("시청",)


def test_selection_carries_its_origin():
    s = Session()
    got = []
    s.events.connect("selected", lambda i: got.append((i, s.selection_origin)))
    s.select(42, "map")
    s.select(43, "feed")
    assert got == [(42, "map"), (43, "feed")]


def test_options_and_the_window_give_the_same_filter(tmp_path):
    """What a user types on the command line and what they click in the window meet in
    the same session fields, so both produce one Filter."""
    db = tmp_path / "c.db"
    area = circle("광장", 37.5759, 126.9769, 300)
    with Cache.open(db) as c:
        with c.transaction() as conn:
            conn.execute("INSERT INTO areas (name, geometry, exclude, created_ms) VALUES (?,?,?,?)",
                         ("광장", json.dumps(area.to_geojson()), 0, 0))
        notes: list[str] = []
        typed = session_from_options(FilterOptions(start="2026-11-14T14:00", end="2026-11-14T15:00",
                                                   saved_area=["광장"], hashtag=["집회"], kind=["post"],
                                                   text="충돌"), c, notes)
    clicked = Session()
    clicked.add_area(area)
    clicked.update(window=(1_794_632_400_000, 1_794_636_000_000), hashtags=("집회",), kinds=("post",), text="충돌")
    assert typed.filter().start_ms == 1_794_632_400_000  # 14:00 KST = 05:00 UTC
    assert typed.filter().describe() == clicked.filter().describe()
    assert typed.filter().where() == clicked.filter().where()
    assert any("Asia/Seoul" in n for n in notes)


@pytest.mark.parametrize("opts, message", [
    (FilterOptions(start="yesterday-ish"), "time 'yesterday-ish'"),
    (FilterOptions(bbox="1,2,3"), "--bbox takes four numbers"),
    (FilterOptions(bbox="0,0,200,10"), "bbox"),
    (FilterOptions(start="2026-11-14T15:00", end="2026-11-14T14:00"), "ends before it starts"),
    (FilterOptions(saved_area=["없는 구역"]), "--saved-area needs a cache"),
])
def test_bad_options_say_which(opts, message):
    with pytest.raises(OptionError) as err:
        session_from_options(opts)
    assert message in str(err.value)
    assert isinstance(err.value, SitmapError)


def test_area_spec_keeps_drive_letters():
    assert split_area("gu.json:code=11110") == ("gu.json", "code=11110")
    assert split_area(r"C:\data\gu.json") == (r"C:\data\gu.json", None)
    assert split_area(r"C:\data\gu.json:code=1") == (r"C:\data\gu.json", "code=1")


def test_applying_options_replaces_the_previous_filter():
    s = Session(text="old", hashtags=("a",))
    apply_options(s, FilterOptions(text="new"))
    assert s.text == "new" and s.hashtags == () and s.window is None


def test_triage_options_give_the_same_filter_as_the_session_fields(tmp_path):
    from desktop.cache import incidents
    from desktop.core.triage import TriageError

    with Cache.open(tmp_path / "c.db") as c:
        iid = incidents.create(c.conn, "광화문 충돌", by="kim")
        typed = session_from_options(FilterOptions(state=["verified", "false"], priority=["urgent"], tag=["crowd"],
                                                   incident="광화문 충돌"), c)
        assert session_from_options(FilterOptions(incident=str(iid)), c).incident == iid
        for opts, message in [(FilterOptions(incident="없는 사건"), "--incident: no incident named or numbered '없는 사건'"),
                              (FilterOptions(state=["done"]), "--state: unknown triage state 'done'"),
                              (FilterOptions(priority=["asap"]), "--priority: unknown priority 'asap'"),
                              (FilterOptions(tag=["riot"]), "--tag: unknown category 'riot'")]:
            with pytest.raises(OptionError, match=message):
                session_from_options(opts, c)
    with pytest.raises(OptionError, match="--incident needs a cache"):
        session_from_options(FilterOptions(incident="광화문 충돌"))
    clicked = Session()
    clicked.update(states=("verified", "false"), priorities=("urgent",), triage_tags=("crowd",), incident=iid,
                   incident_name="광화문 충돌")
    assert typed.filter() == clicked.filter() and typed.filter().where() == clicked.filter().where()
    assert typed.filter().describe() == ("posts and field updates, state verified/false, priority urgent, "
                                         "tagged crowd, in incident 1 (광화문 충돌)")
    assert {"states", "priorities", "triage_tags", "incident"} <= FILTER_FIELDS
    with pytest.raises(TriageError, match="unknown triage state"):
        Filter(states=("done",))
