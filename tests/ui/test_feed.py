"""The feed table and the details pane: real widgets offscreen over a real cache file."""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QPlainTextEdit

from desktop.cache import Cache
from desktop.cache.writer import write_records
from desktop.engine.feed_rows import RowLoader
from desktop.core.model import Item, Kind, Precision
from desktop.ui.details_pane import DetailsPane
from desktop.ui.feed_model import PAGE_ROWS, FeedModel, FeedView, ItemRole

KST = ZoneInfo("Asia/Seoul")
DISPLAY = Qt.ItemDataRole.DisplayRole
TOOLTIP = Qt.ItemDataRole.ToolTipRole
N_PLAIN = 1000


def kst(h: int, m: int = 0, s: int = 0, day: int = 14) -> int:
    return int(datetime(2026, 11, day, h, m, s, tzinfo=KST).timestamp() * 1000)


HOSTILE_TEXT = "<img src=x onerror=alert(1)>\n${alert(1)}\n</script><script>alert(1)</script>"
REMARKS = "서면교차로 인파 밀집\n차량 통제 요청\n  — 부산11"


class CountingLoader(RowLoader):
    """A real loader that records which ids each call asked for."""

    def __init__(self, path):
        super().__init__(path)
        self.calls: list[list[int]] = []

    def load(self, ids):
        self.calls.append(list(ids))
        return super().load(ids)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """1000 ordinary posts plus a hostile post, an X post and a field update."""
    path = tmp_path_factory.mktemp("feed") / "feed.db"
    cache = Cache.open(path)
    items = [Item(kind=Kind.POST, source="csv", source_id=f"p{i}", t_ms=kst(6) + i * 60_000, text=f"post {i}\nsecond line",
                  author=f"user{i}") for i in range(N_PLAIN)]
    items += [
        Item(kind=Kind.POST, source="csv", source_id="hostile", t_ms=kst(16, 40), text=HOSTILE_TEXT,
             author="<b>x</b>", author_id="<i>1</i>", links=("javascript:alert(1)",),
             place_name="<a href='javascript:alert(1)'>서면</a>", lat=35.15, lon=129.06,
             precision=Precision.PLACE, radius_m=3200.0),
        Item(kind=Kind.POST, source="x", source_id="1857000000000000001", t_ms=kst(16, 42, 5),
             text="서면 쪽 사람이 너무 많아요 #부산 #서면", author="busan_citizen", author_id="42",
             hashtags=("부산", "서면"), lat=35.1577, lon=129.0592, precision=Precision.EXACT, radius_m=8.0,
             lang="ko", reply_to="1856999999999999999"),
        Item(kind=Kind.FIELD_UPDATE, source="cot", source_id="cot-1", t_ms=kst(16, 45), text=REMARKS,
             unit_uid="ANDROID-0042", callsign="부산11", lat=35.1578, lon=129.0593, precision=Precision.EXACT,
             extra={"cot_type": "a-f-G-U-C", "how": "m-g", "team": "Cyan", "role": "Team Lead", "course": 245.0,
                    "speed": 1.5, "emergency": "911 Alert", "stale_ms": kst(16, 50)}),
    ]
    write_records(cache, items, path="t", fmt="test")
    rows = {sid: (i, kind) for i, sid, kind in cache.conn.execute("SELECT id, source_id, kind FROM items")}
    cache.close()
    return path, rows


@pytest.fixture
def loader(db):
    loader = CountingLoader(db[0])
    yield loader
    loader.close()


def item_by_sid(db, sid: str) -> dict:
    with RowLoader(db[0]) as lo:
        item_id = db[1][sid][0]
        return lo.load([item_id])[item_id]


def plain_ids(db) -> np.ndarray:
    return np.array([db[1][f"p{i}"][0] for i in range(N_PLAIN)], dtype=np.int64)


def test_a_million_rows_are_instant_and_lazy(db, loader):
    model = FeedModel(loader)
    ids = np.tile(plain_ids(db)[::-1], 1000)  # 1,000,000 rows over 1000 real items
    t = time.perf_counter()
    model.set_ids(ids)
    assert time.perf_counter() - t < 0.05
    assert model.rowCount() == 1_000_000 and model.columnCount() == FeedModel.COLUMNS == 7
    assert loader.calls == []  # nothing read until asked

    row = 500_123
    expected = N_PLAIN - 1 - row % N_PLAIN
    assert model.data(model.index(row, FeedModel.COL_TEXT)) == f"post {expected}"
    assert model.data(model.index(row, FeedModel.COL_WHO)) == f"user{expected}"
    assert len(loader.calls) == 1 and len(loader.calls[0]) == PAGE_ROWS
    assert loader.calls[0][row % PAGE_ROWS] == int(ids[row])
    model.data(model.index(row + 5, FeedModel.COL_TIME))  # same page: no new query
    assert len(loader.calls) == 1
    model.data(model.index(0, FeedModel.COL_TEXT))  # the same 200 items: their rows are known by id
    assert len(loader.calls) == 1 and model.loaded_pages() == [row // PAGE_ROWS, 0]

    assert model.id_at(row) == int(ids[row])
    assert model.id_at(-1) is None and model.id_at(1_000_000) is None
    t = time.perf_counter()
    assert model.row_of(int(ids[row])) == row % N_PLAIN  # first row listing that id
    assert time.perf_counter() - t < 0.05
    assert model.row_of(987654321) is None


def test_page_cache_is_bounded(db, loader, monkeypatch):
    from desktop.ui import feed_model

    monkeypatch.setattr(feed_model, "ROW_CACHE", 0)  # every page reads its rows (the rows' own cache is tested below)
    model = FeedModel(loader)
    model.set_ids(np.tile(plain_ids(db), 100))
    for page in range(60):
        model.data(model.index(page * PAGE_ROWS, FeedModel.COL_TEXT))
    assert len(loader.calls) == 60 and len(model.loaded_pages()) == 50
    model.data(model.index(59 * PAGE_ROWS, FeedModel.COL_TEXT))  # recent: cached
    assert len(loader.calls) == 60
    model.data(model.index(0, FeedModel.COL_TEXT))  # evicted: read again
    assert len(loader.calls) == 61


def test_a_new_id_list_reads_only_rows_not_seen_until_items_are_rewritten(db, loader):
    """Live mode: each commit gives the feed a new id list with a few new rows on top; only
    those are read. Triage is read again with every page (it changes without rewriting
    items); a rewrite (erasure, geoparse, minimisation) makes every row read again."""
    from desktop.cache import Cache, triage
    from desktop.cache.generation import bump_generation
    from desktop.core.triage import TriageChange

    ids = plain_ids(db)[::-1]  # newest first
    model = FeedModel(loader)
    model.set_ids(ids[50:])
    model.data(model.index(0, FeedModel.COL_TEXT))
    assert [len(c) for c in loader.calls] == [PAGE_ROWS]
    model.set_ids(ids[45:])  # five new rows on top
    assert model.data(model.index(0, FeedModel.COL_TEXT)) == f"post {N_PLAIN - 1 - 45}"
    assert loader.calls[-1] == [int(i) for i in ids[45:50]]
    with Cache.open(db[0]) as c:
        triage.apply(c.conn, [int(ids[47])], TriageChange(state="verified"), by="kim")
    try:
        model.set_ids(ids[44:])
        assert model.data(model.index(3, FeedModel.COL_STATE)) == "verified"  # ids[47], with its new triage
        assert loader.calls[-1] == [int(ids[44])]
        with Cache.open(db[0]) as c, c.transaction() as conn:
            bump_generation(conn, rewrote=True)
        model.set_ids(ids[44:])
        model.data(model.index(0, FeedModel.COL_TEXT))
        assert len(loader.calls[-1]) == PAGE_ROWS  # everything read again
    finally:
        with Cache.open(db[0]) as c, c.transaction() as conn:
            conn.execute("DELETE FROM triage WHERE item_id = ?", (int(ids[47]),))
            conn.execute("DELETE FROM triage_history WHERE item_id = ?", (int(ids[47]),))


def test_view_reads_only_what_it_shows(qtbot, db, loader):
    model = FeedModel(loader)
    view = FeedView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(900, 500)
    view.show()
    qtbot.waitExposed(view)
    model.set_ids(np.tile(plain_ids(db), 1000))
    qtbot.wait(50)
    assert {tuple(c) for c in loader.calls} <= {tuple(model.ids()[:PAGE_ROWS].tolist())}
    view.scrollToBottom()
    qtbot.wait(50)
    pages = model.loaded_pages()
    assert len(loader.calls) <= 3 and pages[-1] == (1_000_000 - 1) // PAGE_ROWS


def test_time_kind_and_tooltips(qtbot, db, loader):
    model = FeedModel(loader)
    hostile, xpost, update = (db[1][s][0] for s in ("hostile", "1857000000000000001", "cot-1"))
    first = db[1]["p0"][0]  # 06:00 KST on the 14th
    model.set_ids(np.array([update, xpost, hostile, first], dtype=np.int64))
    model.set_span(kst(6, day=13), kst(18))
    assert model.data(model.index(1, FeedModel.COL_TIME)) == "16:42:05"
    model.set_span(kst(6, day=13), kst(1, day=15))  # the span ends on the 15th: the 14th needs a date
    assert model.data(model.index(1, FeedModel.COL_TIME)) == "2026-11-14 16:42:05"
    model.set_display_zone("UTC")
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Time (UTC)"
    assert model.data(model.index(1, FeedModel.COL_TIME)) == "07:42:05"  # the 15th KST 01:00 is the 14th UTC
    tip = model.data(model.index(1, FeedModel.COL_TIME), TOOLTIP)
    assert "2026-11-14 16:42:05 KST" in tip and "2026-11-14 07:42:05 UTC" in tip

    assert model.data(model.index(0, FeedModel.COL_KIND)) == "Field update"
    assert model.data(model.index(1, FeedModel.COL_KIND)) == "Post"
    assert model.data(model.index(0, FeedModel.COL_WHO)) == "부산11"
    assert model.data(model.index(0, FeedModel.COL_TEXT)) == "서면교차로 인파 밀집"
    dot = model.data(model.index(1, FeedModel.COL_KIND), Qt.ItemDataRole.DecorationRole)
    diamond = model.data(model.index(0, FeedModel.COL_KIND), Qt.ItemDataRole.DecorationRole)
    assert not dot.isNull() and not diamond.isNull()
    assert dot.pixmap(12, 12).toImage() != diamond.pixmap(12, 12).toImage()
    assert model.data(model.index(0, FeedModel.COL_TEXT), Qt.ItemDataRole.ForegroundRole) is not None  # emergency
    assert model.data(model.index(0, FeedModel.COL_TEXT), ItemRole)["callsign"] == "부산11"

    # Hostile text: the display string is the raw first line; tooltips render back to the raw text.
    assert model.data(model.index(2, FeedModel.COL_TEXT)) == "<img src=x onerror=alert(1)>"
    assert model.data(model.index(2, FeedModel.COL_WHO)) == "<b>x</b>"
    for col, raw in ((FeedModel.COL_TEXT, HOSTILE_TEXT), (FeedModel.COL_WHO, "<b>x</b>")):
        tip = model.data(model.index(2, col), TOOLTIP)
        assert "<img" not in tip and "<script" not in tip and "<b>" not in tip
        doc = QTextDocument()
        doc.setHtml(tip)
        assert doc.toPlainText() == raw


def test_selection_signal_and_select_item(qtbot, db, loader):
    model = FeedModel(loader)
    ids = plain_ids(db)[::-1].copy()
    model.set_ids(ids)
    view = FeedView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(800, 400)
    view.show()
    qtbot.waitExposed(view)
    got: list[int] = []
    view.itemSelected.connect(got.append)

    rect = view.visualRect(model.index(3, FeedModel.COL_TEXT))
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, rect.center())
    assert got == [int(ids[3])]
    QTest.keyClick(view, Qt.Key.Key_Down)
    assert got == [int(ids[3]), int(ids[4])]

    assert view.select_item(int(ids[700])) is True  # programmatic: no echo back to the caller
    assert got == [int(ids[3]), int(ids[4])]
    assert view.currentIndex().row() == 700 and view.selected_id() == int(ids[700])
    assert view.rowViewportPosition(700) >= 0  # scrolled into view
    assert view.select_item(987654321) is False and view.selected_id() is None

    view.select_item(int(ids[10]), scroll=False)
    model.set_ids(ids[::-1].copy())  # a new filter result still listing the item keeps it selected
    assert view.currentIndex().row() == N_PLAIN - 1 - 10 and view.selected_id() == int(ids[10])
    assert got == [int(ids[3]), int(ids[4])]

    state = view.horizontalHeader().saveState()
    view.setColumnWidth(FeedModel.COL_WHO, 321)
    assert view.horizontalHeader().restoreState(state)
    assert view.columnWidth(FeedModel.COL_WHO) != 321


@pytest.fixture
def pane(qtbot):
    pane = DetailsPane()
    qtbot.addWidget(pane)
    pane.resize(420, 640)
    pane.show()
    qtbot.waitExposed(pane)
    return pane


def assert_all_plain(pane: DetailsPane) -> None:
    for label in pane.findChildren(QLabel):
        assert label.textFormat() == Qt.TextFormat.PlainText, label.text()
        assert not label.openExternalLinks()
    for edit in pane.findChildren(QPlainTextEdit):
        assert edit.isReadOnly()


def test_details_empty_state(pane):
    pane.show_item(None)
    assert pane.stack.currentWidget() is pane.empty_label
    assert not pane.open_button.isEnabled()
    assert_all_plain(pane)


def test_details_show_hostile_post_literally(pane, db):
    opened = []
    pane.opener = opened.append
    pane.confirm = lambda url: True
    item = item_by_sid(db, "hostile")
    pane.show_item(item)
    assert pane.text_edit.toPlainText() == HOSTILE_TEXT
    assert pane.fields["author"].text() == "<b>x</b>"
    assert pane.fields["author_id"].text() == "<i>1</i>"
    assert pane.fields["links"].text() == "javascript:alert(1)"
    assert pane.fields["place"].text() == "<a href='javascript:alert(1)'>서면</a>"
    assert pane.field_text("location") == "place, ±3.2 km"
    assert pane.field_text("callsign") is None  # post: no field-update rows
    assert_all_plain(pane)
    assert not pane.open_button.isEnabled()
    assert pane.open_source() is False and opened == []


def test_details_x_post_opens_after_confirmation(qtbot, pane, db):
    asked, opened = [], []
    pane.opener = opened.append
    pane.confirm = lambda url: asked.append(url) or False
    pane.show_item(item_by_sid(db, "1857000000000000001"))
    assert pane.header_label.text() == "Post · x"
    assert pane.field_text("time") == "2026-11-14 16:42:05 KST · 07:42:05 UTC"
    assert pane.field_text("hashtags") == "#부산, #서면"
    assert pane.field_text("location") == "exact, ±8 m"
    assert pane.field_text("reply_to") == "1856999999999999999"
    assert pane.open_button.isEnabled()
    qtbot.mouseClick(pane.open_button, Qt.MouseButton.LeftButton)
    assert asked == ["https://x.com/busan_citizen/status/1857000000000000001"] and opened == []
    pane.confirm = lambda url: True
    qtbot.mouseClick(pane.open_button, Qt.MouseButton.LeftButton)
    assert [u.toString() for u in opened] == ["https://x.com/busan_citizen/status/1857000000000000001"]


def test_details_field_update(pane, db):
    unit = {"uid": "ANDROID-0042", "callsign": "부산11", "cot_type": "a-f-G-U-C", "t_ms": kst(16, 47),
            "stale_ms": kst(16, 52), "team": "Cyan", "role": "Team Lead"}
    pane.show_item(item_by_sid(db, "cot-1"), unit)
    assert pane.header_label.text() == "Field update · cot"
    assert pane.text_caption.text() == "Remarks"
    assert pane.text_edit.toPlainText() == REMARKS
    assert pane.field_text("callsign") == "부산11"
    assert pane.field_text("unit_uid") == "ANDROID-0042"
    assert pane.field_text("cot_type") == "a-f-G-U-C"
    assert pane.field_text("team_role") == "Cyan / Team Lead"
    assert pane.field_text("course_speed") == "245° · 1.5 m/s (5.4 km/h)"
    assert pane.field_text("stale") == "2026-11-14 16:50:00 KST · 07:50:00 UTC"
    assert "2026-11-14 16:47:00 KST" in pane.field_text("unit")
    assert pane.emergency_label.isVisible() and pane.emergency_label.text() == "EMERGENCY: 911 Alert"
    assert not pane.open_button.isEnabled()
    assert_all_plain(pane)
    pane.show_item(item_by_sid(db, "p1"))  # back to a post: the banner goes away
    assert not pane.emergency_label.isVisible() and pane.field_text("callsign") is None


def test_rows_under_the_pointer_stay_put_as_new_items_arrive(qtbot):
    """Scrolled down, the user reads row N; new items land above it without moving it,
    and a "N new" button jumps back to the newest."""
    import numpy as np

    from desktop.ui.feed_model import FeedModel, FeedView

    model = FeedModel()
    view = FeedView()
    view.setModel(model)
    view.resize(600, 400)
    view.show()
    qtbot.addWidget(view)
    ids = np.arange(1000, 0, -1, dtype=np.int64)  # newest first
    model.set_ids(ids)
    qtbot.waitUntil(lambda: view.verticalScrollBar().maximum() > 200, timeout=5000)
    view.verticalScrollBar().setValue(200)
    qtbot.waitUntil(lambda: view.rowAt(0) == 200, timeout=5000)
    top_before = model.id_at(view.rowAt(0))
    view.select_item(int(ids[205]), scroll=False)
    model.set_ids(np.concatenate([np.arange(1012, 1000, -1, dtype=np.int64), ids]))  # twelve new on top
    qtbot.wait(10)
    assert model.id_at(view.rowAt(0)) == top_before
    assert view.selected_id() == int(ids[205])
    assert view.newer_count() == 12 and view.newer_button.isVisible() and "12" in view.newer_button.text()
    view.newer_button.click()
    assert view.rowAt(0) == 0 and not view.newer_button.isVisible()
    # At the top, new items simply show at the top.
    model.set_ids(np.concatenate([np.arange(1015, 1012, -1, dtype=np.int64), model.ids()]))
    qtbot.wait(10)
    assert model.id_at(view.rowAt(0)) == 1015 and not view.newer_button.isVisible()
