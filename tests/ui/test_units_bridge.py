"""Units reach the real page only when they changed: the window hands on the message the
query worker serialised (``Result.units_json``), and the bridge skips a text the page has
already (a reloaded page gets it again)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.engine.mapdata import page_json
from tests.ui.conftest import run_js
from tests.ui.test_units_layer import SEOUL, TAG, markers, track, unit

pytestmark = pytest.mark.webengine


def _message(units):
    return page_json({"type": "units", "units": units})


def _send_text_and_wait(qtbot, view, text: str) -> dict:
    got = []
    view.bridge.rendered.connect(got.append)
    view.bridge.send_text("units", text)
    qtbot.waitUntil(lambda: bool(got), timeout=10000)
    view.bridge.rendered.disconnect(got.append)
    return json.loads(run_js(qtbot, view, "JSON.stringify(sitmap.state.unitUpdate)"))


def test_the_same_units_are_sent_once_and_a_change_goes_through(qtbot, map_view):
    view = map_view
    first = [unit("U1", "Alpha", SEOUL[0], SEOUL[1], track(*SEOUL)),
             unit("U2", "Bravo", SEOUL[0] + 0.003, SEOUL[1], track(SEOUL[0] + 0.003, SEOUL[1]))]
    st = _send_text_and_wait(qtbot, view, _message(first))
    assert st["added"] == 2
    assert run_js(qtbot, view, TAG) == 2
    sent = view.bridge.sent
    texts = []
    view.bridge.toPage.connect(texts.append)
    view.bridge.send_text("units", _message(first))  # the next result, units unchanged
    view.bridge.send_text("units", _message([dict(u) for u in first]))  # an equal copy
    assert view.bridge.sent == sent and texts == [] and view.bridge.unchanged == 2
    # Bravo moves and its track grows: the message goes, the page moves the same marker.
    second = [first[0], unit("U2", "Bravo", SEOUL[0] + 0.004, SEOUL[1], track(SEOUL[0] + 0.003, SEOUL[1], n=6))]
    st = _send_text_and_wait(qtbot, view, _message(second))
    assert texts == [_message(second)]  # exactly the worker's text, as Bridge.send would have made it
    assert json.loads(texts[0]) == {"type": "units", "units": second}
    assert (st["added"], st["kept"], st["moved"], st["tracks"]) == (0, 2, 1, 1)
    got = {m["label"]: m for m in markers(qtbot, view)}
    assert got["Bravo"]["tag"] == "Bravo" and got["Bravo"]["lat"] == pytest.approx(SEOUL[0] + 0.004)
    view.bridge.toPage.disconnect(texts.append)


def test_a_reloaded_page_gets_the_units_again(qtbot, map_view):
    view = map_view
    units = [unit("U1", "Alpha", SEOUL[0], SEOUL[1], track(*SEOUL))]
    text = _message(units)
    _send_text_and_wait(qtbot, view, text)
    view.load_page()  # the renderer died: a new page has no units
    view.bridge.send_text("units", text)  # the same text as before: queued for the new page, not skipped
    qtbot.waitUntil(lambda: view.bridge.is_ready, timeout=30000)
    qtbot.waitUntil(lambda: run_js(qtbot, view, "sitmap.state.units") == 1, timeout=10000)
    assert [m["label"] for m in markers(qtbot, view)] == ["Alpha"]


def test_a_plain_units_message_resets_what_the_page_is_known_to_have(qtbot, map_view):
    view = map_view
    a = [unit("U1", "Alpha", SEOUL[0], SEOUL[1], track(*SEOUL))]
    _send_text_and_wait(qtbot, view, _message(a))
    got = []
    view.bridge.rendered.connect(got.append)
    view.bridge.send({"type": "units", "units": []})  # e.g. a snapshot or a video frame
    qtbot.waitUntil(lambda: bool(got), timeout=10000)
    view.bridge.rendered.disconnect(got.append)
    assert run_js(qtbot, view, "sitmap.state.units") == 0
    _send_text_and_wait(qtbot, view, _message(a))  # not skipped: the page no longer has it
    assert run_js(qtbot, view, "sitmap.state.units") == 1


_JSONABLE = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70) | st.floats(allow_nan=False,
                                                                                             allow_infinity=False)
    | st.text(alphabet=st.sampled_from(list('"\\\n\x00\u2028</script>광화문😀ab')), max_size=12),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=4), kids, max_size=4), max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(value=_JSONABLE)
def test_a_page_message_reads_back_as_what_was_sent(value):
    text = page_json({"type": "x", "v": value})
    assert json.loads(text) == {"type": "x", "v": value}
    assert "\n" not in text  # one line; text escaped as JSON


def test_a_page_message_never_holds_what_the_page_cannot_parse():
    assert json.loads(page_json({"type": "x", "v": [float("nan"), float("inf")]})) == {"type": "x", "v": [None, None]}
    assert json.loads(page_json({"type": "x", 7: 2**70})) == {"type": "x", "7": 2**70}  # the standard encoder's way
