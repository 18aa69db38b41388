"""The Campaigns dock on the real window and page: the demo's campaigns listed, the view's
figures equal to desktop.campaigns' own, the districts coloured on the map through the
validated choropleth message (numbers and codes only), a campaign added from the dialog,
the audit entries."""

from __future__ import annotations

import json

import pytest

from desktop.audit import AuditLog
from desktop.cache import Cache
from desktop.cache.writer import write_records
from desktop.core.model import Item, Kind, Precision
from desktop.ui.bridge import BridgeError, choropleth_message
from tests.ui.conftest import run_js

pytestmark = pytest.mark.webengine
NAME = "부산경찰 아동학대 예방 #byhand"
HOSTILE = '<img src=x onerror="window.pwned=1">손팻말 #busanpolice'


@pytest.fixture
def window(qtbot, tmp_path, js_errors):
    from desktop.demo.generator import write_demo
    from desktop.ui.main_window import MainWindow

    db = tmp_path / "c.db"
    with Cache.open(db) as c:
        write_demo(c, seed=7, size=3000)
        t = c.conn.execute("SELECT from_ms FROM campaigns WHERE name = ?", (NAME,)).fetchone()[0] + 60_000
        write_records(c, [Item(kind=Kind.POST, source="x", source_id="hostile", t_ms=t, text=HOSTILE,
                               lat=35.1631, lon=129.1636, precision=Precision.EXACT, author="<b>x</b>",
                               hashtags=("busanpolice",),
                               extra={"metrics": {"likes": 100000, "captured_ms": t, "from": "x-v2"}})],
                      path="t", fmt="test")
    win = MainWindow(db, restore=False)
    win.resize(1400, 900)
    win.show()
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.bridge.is_ready and win.last_result is not None, timeout=60000)
    yield win, db
    win.close()


def _choro(qtbot, win) -> dict:
    return json.loads(run_js(qtbot, win.map, "JSON.stringify(sitmap.state.basemap.districts.choropleth)"))


def _cell(table, row, col) -> str:
    return table.item(row, col).text()


def test_campaign_view_and_its_districts_on_the_map(qtbot, window):
    from desktop.campaigns import compute, get

    win, db = window
    panel = win.panels["campaigns"]
    win.docks["campaignsDock"].raise_()  # the user looks at the campaigns
    qtbot.waitUntil(panel._on_screen, timeout=10000)
    panel.reload()
    names = [panel.list.itemText(i) for i in range(panel.list.count())]
    assert sorted(names) == sorted([NAME, "안전부산"])
    panel.list.setCurrentText(NAME)
    with Cache.open_readonly(db) as c:
        f = compute(c.conn, get(c.conn, NAME))
    assert panel.figures.posts == f.posts
    assert _cell(panel.table, 0, 1) == str(f.posts)
    assert panel.districts.rowCount() == len(f.districts)
    assert [_cell(panel.districts, r, 0) for r in range(3)] == [d["name"] for d in f.districts[:3]]
    assert panel.chart.series == [f.bins]
    # the hostile post leads the top posts, as plain text in the table
    assert _cell(panel.top, 0, 3) == HOSTILE and _cell(panel.top, 0, 1) == "<b>x</b>"
    # the map: the districts with posts are filled, by their counts, and nothing else came to the page
    win.bridge.send({"type": "view", "center": [35.15, 129.06], "zoom": 11})
    expect = {d["code"]: d["in"] for d in f.districts if d["in"]}
    qtbot.waitUntil(lambda: _choro(qtbot, win)["filled"] > 0, timeout=20000)
    st = _choro(qtbot, win)
    assert st["level"] == "sigungu" and st["counts"] == expect and st["max"] == max(expect.values())
    assert st["filled"] == len(expect)  # all of them are in view over Busan
    assert run_js(qtbot, win.map, "window.pwned === undefined") is True
    assert run_js(qtbot, win.map, "document.body.innerText.indexOf('손팻말') < 0") is True
    # compare: a second column with the other campaign's figures
    panel.compare.setCurrentText("안전부산")
    assert panel.other is not None and not panel.table.isColumnHidden(2)
    assert _cell(panel.table, 0, 2) == str(panel.other.posts)
    # off the map
    panel.on_map.setChecked(False)
    qtbot.waitUntil(lambda: _choro(qtbot, win)["max"] == 0, timeout=10000)
    assert _choro(qtbot, win)["filled"] == 0
    with AuditLog.open(db) as log:
        consults = [e.objects for e in log.entries(action="consult") if isinstance(e.objects, dict)
                    and e.objects.get("campaign")]
    assert consults and consults[-1]["campaign"] == NAME and consults[-1]["compared_with"] == "안전부산"
    assert consults[-1]["items"]


def test_add_a_campaign_from_the_dialog(qtbot, window):
    from desktop.ui.panels.campaigns import CampaignDialog

    win, db = window
    panel = win.panels["campaigns"]
    with Cache.open_readonly(db) as c:
        a, b = c.conn.execute("SELECT from_ms, to_ms FROM campaigns WHERE name = ?", (NAME,)).fetchone()
    dlg = CampaignDialog(win, "new", span=(a, b))
    qtbot.addWidget(dlg)
    dlg.name.setText("해운대 kids")
    dlg.tags.setText("#kids, #byhand")
    dlg.areas.setText("해운대구")
    assert panel._save(dlg, None)
    assert panel.list.currentText() == "해운대 kids"
    f = panel.figures
    assert f.campaign.hashtags == ("kids", "byhand") and (f.campaign.from_ms, f.campaign.to_ms) == (a, b)
    assert f.posts > 0 and {d["code"] for d in f.districts if d["in"]} == {"21090"}
    with AuditLog.open(db) as log:
        alters = [e.detail["change"] for e in log.entries(action="alter")]
    assert alters == ["campaign add"]


def test_choropleth_message_is_checked():
    assert choropleth_message("sigungu", {"21090": 3, "21050": 0}) == {
        "type": "choropleth", "level": "sigungu", "codes": ["21090"], "counts": [3]}
    assert choropleth_message("sigungu", None)["codes"] == []
    for level, counts in (("gu", {"21090": 1}), ("sigungu", {"2109": 1}), ("sigungu", {"21090": -1}),
                          ("sigungu", {"2109x": 1}), ("sido", {"21": 1.5}), ("sigungu", {"<b>": 1})):
        with pytest.raises(BridgeError):
            choropleth_message(level, counts)


@pytest.mark.parametrize("suffix", ["pdf", "json", "csv"])
def test_report_from_the_dock(qtbot, window, tmp_path, suffix):
    import shutil
    import subprocess

    win, db = window
    panel = win.panels["campaigns"]
    panel.reload(select=NAME)
    panel.compare.setCurrentText("안전부산")
    out = tmp_path / f"r.{suffix}"
    assert panel.write_report(str(out), lang="en")
    if suffix == "pdf" and shutil.which("pdftotext"):
        text = " ".join(subprocess.run(["pdftotext", "-enc", "UTF-8", str(out), "-"], capture_output=True, text=True,
                                       check=True).stdout.split())
        assert "Campaign report" in text and NAME in text and "Compared with 안전부산" in text
        assert f"{panel.figures.posts:,}" in text
    elif suffix == "json":
        assert json.loads(out.read_text(encoding="utf-8"))["posts"] == panel.figures.posts
    else:
        assert out.read_text(encoding="utf-8-sig").startswith("section,key,label,metric,value")
    with AuditLog.open(db) as log:
        (e,) = [e for e in log.entries(action="disclose")]
    assert e.objects["campaign"] == NAME and e.objects["items"] and e.detail["format"] == f"campaign {suffix}"
    assert e.detail["compared_with"] == "안전부산"


def test_live_rows_refresh_a_shown_campaign_off_the_window_thread(qtbot, window):
    """Posts arriving through the live writer: a visible campaign's figures follow (computed
    on a helper thread, no new consult entry); a hidden dock waits until it is shown."""
    win, db = window
    panel = win.panels["campaigns"]
    panel.live_refresh_ms = 50
    panel.raise_dock()
    panel.list.setCurrentText(NAME)
    before = panel.figures.posts
    def campaign_consults() -> int:
        with AuditLog.open(db) as log:
            return sum(1 for e in log.entries(action="consult") if isinstance(e.objects, dict)
                       and e.objects.get("campaign"))

    consults = campaign_consults()
    t = panel.figures.campaign.from_ms + 120_000
    win.session.purpose = win.session.purpose or "public-order"
    writer = win.live.live.ensure_writer()

    def post(k: int) -> Item:
        return Item(kind=Kind.POST, source="x", source_id=f"live-{k}", t_ms=t + k, text=f"현장 {k} #busanpolice",
                    lat=35.1631, lon=129.1636, precision=Precision.EXACT, author=f"a{k}", hashtags=("busanpolice",))

    threads = set()
    real = panel._compute

    def spy(*args):
        import threading

        threads.add(threading.current_thread().name)
        real(*args)

    panel._compute = spy
    assert writer.put([post(k) for k in range(3)], "test") and writer.flush(60)
    qtbot.waitUntil(lambda: panel.figures.posts == before + 3, timeout=30000)
    assert threads == {"sitmap-campaign-figures"}
    assert _cell(panel.table, 0, 1) == str(before + 3)
    assert campaign_consults() == consults  # a refresh of what the user chose is not a new consultation
    # hidden: new rows wait; shown again: refreshed
    from PySide6.QtWidgets import QDockWidget

    win.findChild(QDockWidget, "campaignsDock").hide()
    assert writer.put([post(k) for k in range(3, 5)], "test") and writer.flush(60)
    qtbot.waitUntil(lambda: panel._stale, timeout=30000)
    assert panel.figures.posts == before + 3
    dock = win.findChild(QDockWidget, "campaignsDock")
    dock.show()
    dock.raise_()
    qtbot.waitUntil(lambda: panel.figures.posts == before + 5, timeout=30000)
    assert _cell(panel.table, 0, 1) == str(before + 5)


def test_a_hidden_dock_computes_nothing_and_colours_nothing_until_shown(qtbot, tmp_path, js_errors):
    """At start the dock is a tab behind the feed: no figures are computed on the window's
    thread and no district is coloured; showing it reads the campaigns and colours the map.
    A boundary file loaded on the map becomes a way to count (police precincts, say)."""
    from desktop.demo.generator import write_demo
    from desktop.ui.main_window import MainWindow
    from tests.test_campaigns import _precincts

    db = tmp_path / "c.db"
    with Cache.open(db) as c:
        write_demo(c, seed=7, size=3000)
    win = MainWindow(db, restore=False)
    win.resize(1400, 900)
    win.show()
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.bridge.is_ready and win.last_result is not None, timeout=60000)
    panel = win.panels["campaigns"]
    assert not panel._on_screen() and panel.figures is None and panel.list.count() == 0
    assert _choro(qtbot, win)["max"] == 0
    win.docks["campaignsDock"].raise_()
    qtbot.waitUntil(lambda: panel.figures is not None, timeout=20000)
    assert panel.list.count() == 2
    qtbot.waitUntil(lambda: _choro(qtbot, win)["max"] > 0, timeout=20000)
    # A boundary file loaded as the map's districts: counted by its features, coloured on its layer.
    from desktop.core import kostat

    path = tmp_path / "precincts.geojson"
    _precincts(path, kostat.resolve("부산 중구"), kostat.resolve("해운대구"))
    from desktop.core.geo import read_boundaries

    win.panels["filters"].show_districts(read_boundaries(path), path)
    assert panel.by.currentData() == str(path)
    qtbot.waitUntil(lambda: panel.figures is not None and panel.figures.level == "loaded", timeout=20000)
    assert {d["name"] for d in panel.figures.districts} <= {"중부경찰서 관할", "해운대경찰서 관할"}
    qtbot.waitUntil(lambda: run_js(qtbot, win.map, "sitmap.state.basemap.contextChoropleth.filled") >= 1,
                    timeout=20000)
    assert _choro(qtbot, win)["max"] == 0  # the built-in districts' fill went
    win.close()
