"""Take the screenshots in docs/ from the demo incident, offscreen.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py [--boundaries FILE]

Each shot drives the real window the way a user would (slider, districts, selection).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if hasattr(os, "geteuid") and os.geteuid() == 0:  # only for taking pictures here, never in the app
    os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox")


def settle(app, win, seconds: float = 1.5, gen: bool = True) -> None:
    end = time.time() + 60
    while gen and time.time() < end:
        app.processEvents()
        r = win.bridge.last_rendered
        if win.last_result is not None and win.last_result.gen == win.gen and r and r["gen"] >= win.gen:
            break
        time.sleep(0.02)
    end = time.time() + seconds
    while time.time() < end:
        app.processEvents()
        time.sleep(0.02)


SHOTS = ("window", "selected-post", "inferred", "area-filter", "density", "heatmap", "triage-queue", "incidents",
         "tasks", "audit-trail", "thread", "campaign", "campaign-precincts", "appeal", "first-open")


def first_open(app, db: Path, out: Path) -> None:
    """The first open of a cache without an index snapshot: mid-load (progress, time left,
    Cancel; the map already on the newest part), then after Cancel (what is shown, Load the
    rest). The demo is small, so the load is cut into small chunks and held after the
    third chunk for the picture (the real reading code runs before and after)."""
    import threading

    from desktop.engine import loading
    from desktop.engine.source import SpanReader
    from desktop.ui.main_window import MainWindow

    saved = loading.FIRST_ROWS, loading.CHUNK_ROWS, loading.READERS, SpanReader.read
    gate, calls, real = threading.Event(), [], SpanReader.read

    def gated(self, *a):
        calls.append(1)
        if len(calls) > 3:
            gate.wait(60)
        return real(self, *a)

    loading.FIRST_ROWS, loading.CHUNK_ROWS, loading.READERS = 1500, 1200, 1
    SpanReader.read = gated
    try:
        win = MainWindow(db, restore=False)
        win.resize(1600, 1000)
        win.show()
        end = time.time() + 60
        while time.time() < end and not (win.load_status.state == "loading" and win.worker.worker.data is not None):
            app.processEvents()
            time.sleep(0.02)
        win.bridge.send({"type": "view", "center": [37.5695, 126.9775], "zoom": 15})
        settle(app, win, 2.5)
        win.grab().save(str(out / "screenshot-first-open.png"))
        win.load_status.cancel.click()
        gate.set()
        end = time.time() + 30
        while time.time() < end and win.load_status.state != "cancelled":
            app.processEvents()
            time.sleep(0.02)
        settle(app, win, 2.0)
        win.grab().save(str(out / "screenshot-first-open-cancelled.png"))
        win.close()
    finally:
        gate.set()
        loading.FIRST_ROWS, loading.CHUNK_ROWS, loading.READERS, SpanReader.read = saved


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--boundaries", default=str(ROOT.parent / "shared/data/boundaries/skorea_municipalities_geo_simple.json"))
    ap.add_argument("--out", default=str(ROOT / "docs"))
    ap.add_argument("--only", nargs="+", choices=SHOTS, help="take only these shots")
    args = ap.parse_args()
    only = set(args.only or SHOTS)
    out = Path(args.out)
    tmp = Path(tempfile.mkdtemp())
    os.environ["SITMAP_DATA_DIR"] = str(tmp)
    # Who works and why, so the window starts without asking; no retention purge of the demo.
    os.environ.setdefault("SITMAP_OPERATOR", "상황실1")
    os.environ.setdefault("SITMAP_PURPOSE", "public-order")
    os.environ["SITMAP_DAILY_PURGE"] = "0"

    from desktop.cache import Cache
    from desktop.demo.generator import write_demo
    from desktop.ui.app import install_translations, make_app

    db = tmp / "demo.db"
    with Cache.open(db) as c:
        write_demo(c, seed=7)
        if "thread" in only:  # a Page's complaint board beside the demo incident
            from desktop.importers import import_file

            import_file(c, ROOT / "tests/fixtures/facebook/page_feed.json", purpose="public-order")
            import_file(c, ROOT / "tests/fixtures/facebook/post_comments.json", purpose="public-order")
    app = make_app()
    install_translations(app, "en")
    from desktop.ui.main_window import MainWindow

    if "first-open" in only:
        first_open(app, db, out)
        if only == {"first-open"}:
            return 0

    win = MainWindow(db, restore=False)
    win.resize(1600, 1000)
    win.show()
    settle(app, win, 2.5)
    T0 = win._span[0]

    # 1. The whole window: the afternoon up to the scuffle, zoomed on the rallies.
    win.bridge.send({"type": "view", "center": [37.5695, 126.9775], "zoom": 16})
    win.timeline.set_window(T0 + int(3.5 * 3600_000), T0 + int(3.9 * 3600_000))
    settle(app, win, 2.5)
    if "window" in only:
        win.grab().save(str(out / "screenshot-window.png"))

    # 2. A selected post with its details.
    ids = win.feed_model.ids()
    for i in range(min(200, len(ids))):
        item = win.loader.load([int(ids[i])]).get(int(ids[i]))
        if item and item["kind"] == "post" and item["precision"] == "exact" and item["hashtags"]:
            win.feed.selectRow(i)
            break
    settle(app, win, 2.0)
    if "selected-post" in only:
        win.grab().save(str(out / "screenshot-selected-post.png"))

    # 2b. Posts placed from their text: dashed violet markers with their uncertainty circles,
    # one selected (the details say what matched, how far and how sure).
    if "inferred" in only:
        win.bridge.send({"type": "view", "center": [37.5725, 126.9790], "zoom": 15})
        win.timeline.set_window(T0 + int(3.6 * 3600_000), T0 + int(3.7 * 3600_000))
        settle(app, win, 2.5)
        ids = [int(x) for x in win.feed_model.ids()[:600]]
        rows = win.loader.load(ids)
        units = [(u["lat"], u["lon"]) for u in win.last_result.units or () if u.get("lat") is not None]
        w, so, e, no = win.view.bounds

        def clear_of_units(it):  # a sure guess with a visible circle, away from the unit markers
            if not (it["precision"] == "inferred" and (it.get("inference") or {}).get("confidence", 0) >= 0.6
                    and (it.get("radius_m") or 0) >= 150 and w < it["lon"] < e and so < it["lat"] < no):
                return -1.0
            return min((((it["lat"] - a) * 111.0) ** 2 + ((it["lon"] - b) * 88.0) ** 2 for a, b in units), default=1.0)

        best = max(ids, key=lambda i: clear_of_units(rows[i]) if i in rows else -1.0, default=None)
        if best is not None and best in rows:
            win.session.select(best, "map")
        settle(app, win, 1.5)
        from PySide6.QtWidgets import QScrollArea

        details = win.panels["feed"].details
        for sa in details.findChildren(QScrollArea):
            sa.ensureWidgetVisible(details.fields["placed"])
        settle(app, win, 1.0)
        win.grab().save(str(out / "screenshot-inferred.png"))

    # 3. An area filter: Jongno-gu and Jung-gu picked from the district file.
    if "area-filter" in only and Path(args.boundaries).exists():
        dlg = win.pick_districts(args.boundaries)
        dlg.select_codes(["11010", "11020"])
        dlg.accept()
        win.bridge.send({"type": "view", "center": [37.575, 126.985], "zoom": 13})
        settle(app, win, 2.5)
        win.grab().save(str(out / "screenshot-area-filter.png"))
        for r in win.filters.area_rows():
            win.filters.remove_area(r["name"])

    # 4. The density view: the whole afternoon, Seoul and Busan.
    win.timeline.select_all()
    win.bridge.send({"type": "fit", "bounds": [126.0, 34.8, 129.8, 38.0]})
    settle(app, win, 2.5)
    if "density" in only:
        win.grab().save(str(out / "screenshot-density.png"))
    if "heatmap" in only:
        win.heat_action.setChecked(True)
        win.bridge.send({"type": "view", "center": [37.5695, 126.9775], "zoom": 15})
        settle(app, win, 2.5)
        win.grab().save(str(out / "screenshot-heatmap.png"))
        win.heat_action.setChecked(False)

    # 5. The review queue: a few items triaged with its keys, the rest waiting; the map
    # shows verified, false, urgent and critical points.
    if only & {"triage-queue", "incidents", "tasks"}:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        win.session.operator = "상황실1"
        win.bridge.send({"type": "view", "center": [37.5705, 126.9772], "zoom": 17})
        win.timeline.set_window(T0 + int(3.5 * 3600_000), T0 + int(3.9 * 3600_000))
        settle(app, win, 2.0)
        queue = win.panel("triage")
        queue.focus_queue()
        settle(app, win, 0.5, gen=False)
        for key in ("V", "V", "3", "J", "F", "2", "J", "D", "J", "V", "2", "J", "J", "3"):
            QTest.keyClick(queue.view, getattr(Qt.Key, f"Key_{key}"))
            settle(app, win, 0.2, gen=False)
        QTest.keyClick(queue.view, Qt.Key.Key_J, Qt.KeyboardModifier.ShiftModifier)
        settle(app, win, 2.0)
        if "triage-queue" in only:
            win.grab().save(str(out / "screenshot-triage-queue.png"))

    # 6. Incidents: two made from the queue's rows, one chosen (map and feed show only its
    # items), its log below.
    if only & {"incidents", "tasks"}:
        from desktop.cache import incidents as cache_incidents

        panel = win.panel("incidents")
        conn = win.ctx.writer().conn
        ids = queue.ids()
        first = cache_incidents.create(conn, "광화문 북측 인파 밀집", by="상황실1", item_ids=ids[:6], priority="urgent")
        cache_incidents.log(conn, first, "종로1 현장 확인 요청", by="상황실1")
        second = cache_incidents.create(conn, "세종대로 차량 통제", by="상황실1", item_ids=ids[6:9])
        cache_incidents.set_state(conn, second, "monitoring", by="상황실1", note="통제 유지, 30분마다 확인")
        panel.refresh()
        win.docks["incidentsDock"].raise_()
        win.session.update(incident=first, incident_name="광화문 북측 인파 밀집")
        settle(app, win, 1.5)
        win.zoom_to_items()
        settle(app, win, 2.5)
        if "incidents" in only:
            win.grab().save(str(out / "screenshot-incidents.png"))

    # 7. The incident assigned to 기동7 (played by the simulated responder over TAK on this
    # machine): delivered, acknowledged and on scene, with the times, in the Tasks dock.
    if "tasks" in only:
        from desktop.live.replay import Responder

        place = (37.5702, 126.9771)
        unit = Responder("127.0.0.1", 0, uid="ANDROID-GIDONG7", callsign="기동7", lat=place[0] - 0.004,
                         lon=place[1], speed_mps=60.0, step_s=0.2, report_s=0.5, reply_delay_s=1.5,
                         serve=True).start()
        try:
            win.set_live(True)
            win.live.live.start_tak("127.0.0.1", unit.client.port)
            end = time.time() + 20
            while time.time() < end and not any(u["uid"] == "ANDROID-GIDONG7" for u in (win.last_result.units or [])):
                settle(app, win, 0.3, gen=False)
            k7 = next(u for u in win.last_result.units if u["uid"] == "ANDROID-GIDONG7")
            tasks = win.panel("tasks")
            target = {"incident_id": first, "item_id": None, "text": "광화문 북측 인파 밀집: 현장 확인 후 보고",
                      "lat": place[0], "lon": place[1]}
            task = tasks.assign(target, k7, target["text"], radius_m=60)
            end = time.time() + 30
            while time.time() < end:
                settle(app, win, 0.3, gen=False)
                row = conn.execute("SELECT state FROM tasks WHERE id = ?", (task["id"],)).fetchone()
                if row and row[0] == "on_scene":
                    break
            settle(app, win, 1.5, gen=False)
            tasks.refresh()
            win.docks["tasksDock"].raise_()
            win.bridge.send({"type": "view", "center": list(place), "zoom": 16})
            settle(app, win, 2.0)
            win.grab().save(str(out / "screenshot-tasks.png"))
        finally:
            unit.stop()
    # 8. The audit trail of a commander's session: filters, posts opened, triage, an export
    # and the chain verified, newest first.
    if "audit-trail" in only:
        from PySide6.QtCore import Qt

        from desktop.core.triage import TriageChange

        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication, QMessageBox

        win.session.update(incident=None, incident_name=None)
        reports = tmp / "현장보고.csv"  # field reports from a spreadsheet, imported from File → Import…
        reports.write_text("id,time,lat,lon,text\n" + "".join(
            f"r{k},2026-11-14 17:{10 + k}:00,37.571,126.977,세종대로 현장 보고 {k}\n" for k in range(4)),
            encoding="utf-8")

        def close_result() -> None:
            boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
            if boxes:
                boxes[0].done(0)
            else:
                QTimer.singleShot(100, close_result)

        QTimer.singleShot(100, close_result)
        win.panel("imports").import_files([str(reports)])
        settle(app, win, 2.0)
        win.session.text = "광화문"
        settle(app, win, 2.0)
        win.flush_audit()
        ids = [int(i) for i in win.feed_model.ids()[:3]]
        for i in ids:
            win.session.select(i, "feed")
            settle(app, win, 0.3, gen=False)
        win.panel("triage").apply(ids[:2], TriageChange(state="verified"), "")
        job = win.panel("export").start_export(tmp / "광화문.geojson", "geojson")
        while not job.done:
            settle(app, win, 0.2, gen=False)
        win.session.text = ""
        settle(app, win, 1.0)
        win.flush_audit()
        audit = win.panel("audit")
        audit.show_dock()
        win.resize(1600, 1300)
        settle(app, win, 0.5, gen=False)
        win.resizeDocks([win.docks["timeDock"], win.docks["auditDock"]], [150, 440], Qt.Orientation.Vertical)
        win.bridge.send({"type": "view", "center": [37.5695, 126.9775], "zoom": 15})
        audit.verify()
        settle(app, win, 1.5, gen=False)
        win.grab().save(str(out / "screenshot-audit.png"))
    # 9. A complaint's conversation on a Page: Thread… from the Page's answer to a comment.
    if "thread" in only:
        with Cache.open_readonly(db) as c:
            answer = c.conn.execute("SELECT id FROM items WHERE source_id = '201234567890123_300000000000002'"
                                    ).fetchone()[0]
        win.session.update(incident=None, incident_name=None, text="")
        win.session.select(int(answer), "feed")
        settle(app, win, 1.0, gen=False)
        win.details.thread_button.click()
        dlg = win.panel("feed").thread_dialog
        settle(app, win, 1.0, gen=False)
        dlg.grab().save(str(out / "screenshot-thread.png"))
        dlg.close()
    # 10. The demo's Busan campaign beside Safe Busan: its districts coloured on the map by
    # their posts, the two time series, the figures side by side and the top posts.
    if "campaign" in only:
        from PySide6.QtCore import Qt

        win.session.update(incident=None, incident_name=None, text="")
        panel = win.panel("campaigns")
        dock = win.docks["campaignsDock"]
        dock.show()
        dock.raise_()
        win.resizeDocks([dock], [620], Qt.Orientation.Horizontal)
        panel.reload(select="부산경찰 아동학대 예방 #byhand")
        panel.compare.setCurrentText("안전부산")
        win.bridge.send({"type": "view", "center": [35.150, 129.050], "zoom": 11})
        settle(app, win, 3.0, gen=False)
        win.grab().save(str(out / "screenshot-campaign.png"))
    # 10b. The same campaign counted by a loaded boundary file: police precincts made here
    # from unions of Busan's 시군구 (an agency loads its own), coloured on the loaded layer.
    if "campaign-precincts" in only:
        import json as _json

        import shapely
        from PySide6.QtCore import Qt
        from shapely.geometry import mapping

        from desktop.core import kostat
        from desktop.core.geo import read_boundaries

        pairs = [("중부경찰서", ["부산 중구", "부산 동구"]), ("영도경찰서", ["영도구"]), ("해운대경찰서", ["해운대구"]),
                 ("부산진경찰서", ["부산진구"]), ("남부경찰서", ["부산 남구", "수영구"]),
                 ("서부경찰서", ["부산 서구", "사하구"]), ("동래경찰서", ["동래구", "연제구"])]
        feats = [{"type": "Feature", "properties": {"name": n}, "geometry": mapping(shapely.union_all(
            [kostat.resolve(x)["geometry"] for x in xs]))} for n, xs in pairs]
        precincts = tmp / "busan-precincts.geojson"
        precincts.write_text(_json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False),
                             encoding="utf-8")
        win.session.update(incident=None, incident_name=None, text="")
        dock = win.docks["campaignsDock"]
        dock.show()
        dock.raise_()
        win.resizeDocks([dock], [620], Qt.Orientation.Horizontal)
        settle(app, win, 1.0, gen=False)
        win.panels["filters"].show_districts(read_boundaries(precincts), precincts)
        panel = win.panel("campaigns")
        panel.compare.setCurrentIndex(0)
        panel.reload(select="부산경찰 아동학대 예방 #byhand")
        win.bridge.send({"type": "view", "center": [35.150, 129.060], "zoom": 11})
        settle(app, win, 3.0, gen=False)
        win.grab().save(str(out / "screenshot-campaign-precincts.png"))
        panel.by.setCurrentIndex(0)  # back to the built-in districts for what follows
        win.bridge.send({"type": "districts", "features": None})
    # 11. An appeal for help published (to the loopback stand-in of X, never a real account),
    # its replies collected and shown on the map as the appeal's responses.
    if "appeal" in only:
        import keyring
        from keyrings.alt.file import PlaintextKeyring

        from desktop.channels import accounts
        from desktop.channels.accounts import Account
        from tests.channels.server import X_TOKEN, StandIn

        kr = PlaintextKeyring()
        kr.file_path = str(tmp / "keyring.cfg")
        keyring.set_keyring(kr)
        standin = StandIn().start()
        accounts.add(Account("busan-x", "x", base_url=standin.url, label="@busanpolice"), X_TOKEN)
        panel = win.panel("appeals")
        panel.confirm = lambda title, text: True
        win.session.update(incident=None, incident_name=None, text="")
        win.panel("campaigns").on_map.setChecked(False)  # no campaign's districts from an earlier step
        win.docks["feedDock"].raise_()

        def wait_for(job) -> None:  # publishing and collecting run on a thread of their own
            import time

            while job is not None and not job.done:
                app.processEvents()
                time.sleep(0.02)

        dlg = panel.open()
        dlg.new_button.click()
        new = panel.new_dialog
        new.ko.setPlainText("실종 아동을 찾습니다. 7세 남아, 노란 점퍼. 보신 분은 112 또는 스마트 국민제보 앱으로 알려 주세요")
        new.en.setPlainText("Missing boy, 7, yellow jacket. Please call 112.")
        new.tag.setText("부산경찰")
        new.accept()
        dlg.publish_button.click()
        wait_for(panel.job)
        tid = standin.state.tweets[-1]["id"]
        for k, (text, name) in enumerate((("남포동 근처에서 아이를 봤어요", "seen_it"),
                                          ("자갈치역 3번 출구 쪽으로 걸어갔어요", "jagalchi_m"),
                                          ("I saw a boy in a yellow jacket near BIFF square, 남포동", "visitor_bsn"),
                                          ("광복로 쪽에서도 본 것 같아요", "gwangbok"))):
            standin.add_reply(tid, text, user={"id": f"33000001{k}", "username": name},
                              created_at=f"2026-11-14T08:{10 + k * 7}:00.000Z")
        dlg.collect_button.click()
        wait_for(panel.job)
        dlg.map_button.click()
        settle(app, win, 2.0)
        win.bridge.send({"type": "view", "center": [35.0985, 129.030], "zoom": 15})
        settle(app, win, 2.5, gen=False)
        dlg.grab().save(str(out / "screenshot-appeals-dialog.png"))
        dlg.hide()
        import sqlite3

        with sqlite3.connect(f"file:{win.ctx.db_path}?mode=ro", uri=True) as ro:  # the response that names 남포동
            rid = ro.execute("SELECT id FROM items WHERE text = '남포동 근처에서 아이를 봤어요'").fetchone()[0]
        win.session.select(int(rid), "map")
        settle(app, win, 1.5, gen=False)
        win.grab().save(str(out / "screenshot-appeal-responses.png"))
        standin.stop()
    win.close()
    print("screenshots written to", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
