"""Tasks over TAK: a tasking to a unit over a real loopback TAK relay, the unit's
receipt, reply and position moving the task on, bad answers changing nothing, hostile
task text staying text, and the responder answering end to end."""

from __future__ import annotations

import logging
import selectors
import socket
import sqlite3
import threading
import xml.etree.ElementTree as ET

import pytest

from desktop.cache import Cache, incidents, tasks, triage
from desktop.cache.writer import write_records
from desktop.core.model import Item, Kind, Precision
from desktop.importers.cot import ChatReceipt, parse_event
from desktop.importers.xmlsafe import CotStreamParser, Dropped
from desktop.live.cot_out import chat_event, clean_text, marker_event, receipt_event
from desktop.live.replay import Responder
from desktop.live.tak_client import TakClient
from desktop.live.tasking import TaskTracker, codes_in, marker_uid, send_tasking, tasking_events, verdict_of
from desktop.live.writer import LiveWriter
from tests.live.helpers import wait_for

UNIT, UNIT_CS = "ANDROID-unit-7", "기동7"
ME, ME_CS = "sitmap-commander", "상황실"
PLACE = (37.5759, 126.9769)  # 광화문 북측
T0 = 1_800_000_000_000


class Hub:
    """A loopback stand-in for a TAK server: whatever one client sends goes to all the others."""

    def __init__(self):
        self.lsock = socket.create_server(("127.0.0.1", 0))
        self.lsock.setblocking(False)
        self.port = self.lsock.getsockname()[1]
        self.clients: list[socket.socket] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        sel = selectors.DefaultSelector()
        sel.register(self.lsock, selectors.EVENT_READ)
        while not self.stop.is_set():
            for key, _ in sel.select(0.05):
                if key.fileobj is self.lsock:
                    conn, _ = self.lsock.accept()
                    conn.setblocking(True)
                    self.clients.append(conn)
                    sel.register(conn, selectors.EVENT_READ)
                    continue
                src = key.fileobj
                try:
                    data = src.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    sel.unregister(src)
                    self.clients.remove(src)
                    src.close()
                    continue
                for c in list(self.clients):
                    if c is not src:
                        try:
                            c.sendall(data)
                        except OSError:
                            pass
        for c in self.clients:
            c.close()
        self.lsock.close()
        sel.close()

    def close(self):
        self.stop.set()
        self.thread.join(5)


class Peer:
    """A unit's device on the hub, written by hand: reads CoT, sends what it is told."""

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.settimeout(0.1)
        self.framer = CotStreamParser()

    def events(self, n: int, timeout: float = 5.0) -> list[bytes]:
        got: list[bytes] = []

        def more():
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                return len(got) >= n
            got.extend(f for f in self.framer.feed(data) if not isinstance(f, Dropped))
            return len(got) >= n

        assert wait_for(more, timeout), f"received {len(got)} of {n} events"
        return got

    def send(self, data: bytes):
        self.sock.sendall(data)

    def close(self):
        self.sock.close()


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "live.db"
    with Cache.open(path) as c:
        write_records(c, [Item(kind=Kind.POST, source="x", source_id="101", t_ms=T0, text="광화문 북측 인파 몰림",
                               lat=PLACE[0], lon=PLACE[1], precision=Precision.EXACT)], path="seed", fmt="test")
        incidents.create(c.conn, "광화문 집회", by="상황실", lat=PLACE[0], lon=PLACE[1])
    return path


def _item_id(db) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT id FROM items WHERE source = 'x'").fetchone()[0]
    finally:
        conn.close()


def _task(db, code) -> dict:
    conn = sqlite3.connect(db)
    try:
        return tasks.get(conn, code)
    finally:
        conn.close()


@pytest.fixture
def live(db):
    """The live writer with a task tracker, a TAK client on a hub, and a peer there."""
    hub = Hub()
    writer = LiveWriter(db, batch_s=0.01, purpose="public-order").start()
    tracker = TaskTracker()
    writer.add_record_listener(tracker.on_records)
    peer = Peer(hub.port)
    client = TakClient(writer, "127.0.0.1", hub.port, backoff_initial=0.05).start()
    assert wait_for(lambda: len(hub.clients) == 2)
    yield writer, tracker, client, peer, hub
    client.stop()
    peer.close()
    writer.stop()
    hub.close()


def _send_task(writer, client, **kw) -> tuple[dict, list[bytes]]:
    args = dict(unit_uid=UNIT, callsign=UNIT_CS, text="광화문 북측 인파 확인 바람", lat=PLACE[0], lon=PLACE[1],
                by="상황실", sender_uid=ME, sender_callsign=ME_CS, incident_id=1)
    args.update(kw)
    task, events = writer.run_on_writer(lambda cache: send_tasking(cache.conn, **args)).result(5)
    for ev in events:
        assert wait_for(lambda: client.send(ev)), "the TAK client never connected"
    return task, events


def test_tasking_over_tak_is_received_acknowledged_and_reaches_the_scene(live, db):
    writer, tracker, client, peer, _ = live
    task, _ = _send_task(writer, client, item_id=_item_id(db))
    code = task["code"]
    assert task["state"] == "sent" and task["message_id"] and codes_in(code) == [code]

    # The unit's device receives a marker at the place and a GeoChat addressed to it.
    marker, chat = [parse_event(e)[0] for e in peer.events(2)]
    assert marker.source_id.startswith(marker_uid(code) + "@")
    assert (marker.lat, marker.lon) == PLACE and marker.text == f"광화문 북측 인파 확인 바람 [{code}]"
    assert marker.extra["cot_type"] == "b-m-p-s-m"
    assert chat.extra["chat"]["id"] == UNIT and chat.extra["chat"]["room"] == UNIT_CS
    assert chat.extra["chat"]["message_id"] == task["message_id"] and chat.unit_uid == ME
    assert chat.text == f"[{code}] 광화문 북측 인파 확인 바람 — 답장: 확인 {code}"
    chat_xml = ET.fromstring(tasking_events(task, sender_uid=ME, sender_callsign=ME_CS)[1])
    assert chat_xml.find("detail/marti/dest").get("callsign") == UNIT_CS

    # Delivery receipt naming the messageId: delivered.
    peer.send(receipt_event(task["message_id"], sender_uid=UNIT, sender_callsign=UNIT_CS, to_uid=ME,
                            to_callsign=ME_CS))
    assert wait_for(lambda: _task(db, code)["state"] == "delivered")
    # A GeoChat quoting the code: acknowledged, the reply kept and logged; 확인됨 verifies the item.
    peer.send(chat_event(f"확인 {code}, 확인됨 인파 약 300명", sender_uid=UNIT, sender_callsign=UNIT_CS, to_uid=ME,
                         to_callsign=ME_CS))
    assert wait_for(lambda: _task(db, code)["state"] == "acknowledged")
    t = _task(db, code)
    assert t["reply"] == f"확인 {code}, 확인됨 인파 약 300명"
    assert t["sent_ms"] <= t["delivered_ms"] <= t["acknowledged_ms"]
    # A position 500 m away is not there; one inside the radius is.
    peer.send(marker_event(UNIT, PLACE[0] - 0.0045, PLACE[1], cot_type="a-f-G-U-C", callsign=UNIT_CS, how="m-g"))
    peer.send(marker_event(UNIT, PLACE[0] - 0.0004, PLACE[1], cot_type="a-f-G-U-C", callsign=UNIT_CS, how="m-g"))
    assert wait_for(lambda: _task(db, code)["state"] == "on_scene")

    conn = sqlite3.connect(db)
    try:
        tl = tasks.timeline(conn, code)
        assert [s["state"] for s in tl["steps"]] == ["sent", "delivered", "acknowledged", "on_scene", "done"]
        assert all(s["after_ms"] >= 0 for s in tl["steps"][:4]) and tl["steps"][4]["t_ms"] is None
        kinds = [r["kind"] for r in incidents.log_of(conn, 1)]
        texts = [r["text"] for r in incidents.log_of(conn, 1)]
        assert "reply" in kinds and any(f"확인 {code}" in x for x in texts)
        assert any("acknowledged → on_scene" in x for x in texts)
        tri = triage.get(conn, [_item_id(db)])[_item_id(db)]
        assert tri.state == "verified" and tri.officer
        assert triage.history(conn, _item_id(db))[-1]["origin"] == "officer"
    finally:
        conn.close()


def test_late_delivery_receipt_keeps_the_task_acknowledged(live, db):
    writer, tracker, client, peer, _ = live
    task, _ = _send_task(writer, client)
    peer.events(2)
    peer.send(chat_event(f"확인 {task['code']}", sender_uid=UNIT, sender_callsign=UNIT_CS, to_uid=ME))
    assert wait_for(lambda: _task(db, task["code"])["state"] == "acknowledged")
    peer.send(receipt_event(task["message_id"], sender_uid=UNIT, sender_callsign=UNIT_CS, to_uid=ME))
    assert wait_for(lambda: _task(db, task["code"])["delivered_ms"] is not None)
    assert _task(db, task["code"])["state"] == "acknowledged"
    # Receipts are not stored as items.
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM items WHERE json_extract(extra, '$.cot_type') LIKE 'b-t-f-%'"
                            ).fetchone()[0] == 0
    finally:
        conn.close()


def _records(xml: bytes):
    return parse_event(xml)


def test_replies_naming_no_task_or_an_unknown_code_change_nothing(db, caplog):
    tracker = TaskTracker()
    with Cache.open(db) as c:
        task = tasks.create(c.conn, unit_uid=UNIT, callsign=UNIT_CS, text="현장 확인", lat=PLACE[0], lon=PLACE[1],
                            by="상황실", item_id=_item_id(db), t_ms=T0)
        code = task["code"]
        other = "T-0000" if code != "T-0000" else "T-FFFF"
        bad = [
            chat_event("확인, 이동 중 허위", sender_uid=UNIT, sender_callsign=UNIT_CS, to_uid=ME),  # no code
            chat_event(f"확인 {other} 허위", sender_uid=UNIT, sender_callsign=UNIT_CS, to_uid=ME),  # unknown code
            chat_event(f"확인 {code} 허위", sender_uid="ANDROID-other", sender_callsign="기동9", to_uid=ME),  # not its unit
            chat_event(f"확인 {code}X 허위", sender_uid=UNIT, sender_callsign=UNIT_CS, to_uid=ME),  # not a code
            receipt_event(task["message_id"], sender_uid="ANDROID-other", sender_callsign="기동9", to_uid=ME),
            receipt_event("no-such-message", sender_uid=UNIT, sender_callsign=UNIT_CS, to_uid=ME),
            marker_event(UNIT, PLACE[0], PLACE[1], cot_type="b-m-p-s-m", callsign=UNIT_CS),  # a marker, not a position
            marker_event(UNIT, PLACE[0] + 0.01, PLACE[1], cot_type="a-f-G-U-C", callsign=UNIT_CS),  # 1.1 km away
        ]
        with caplog.at_level(logging.INFO, logger="desktop.live.tasking"):
            for xml in bad:
                assert tracker.on_records(c.conn, _records(xml), T0 + 1000) == []
        assert tracker.ignored == 5
        assert "names no task code" in caplog.text and f"unknown task {other}" in caplog.text
        after = tasks.get(c.conn, code)
        assert after == task
        assert triage.get(c.conn, [_item_id(db)])[_item_id(db)].state == "new"
        assert c.conn.execute("SELECT count(*) FROM incident_log WHERE task_id IS NOT NULL").fetchone()[0] == 0

        # The same reply from the right unit with the code does move it, and 허위 marks the item false.
        ch = tracker.on_records(c.conn, _records(chat_event(f"{code.lower()} 허위 신고입니다", sender_uid=UNIT,
                                                              sender_callsign=UNIT_CS, to_uid=ME)), T0 + 2000)
        assert [(x.previous, x.task["state"], x.verdict) for x in ch] == [("sent", "acknowledged", "false")]
        tri = triage.get(c.conn, [_item_id(db)])[_item_id(db)]
        assert tri.state == "false" and tri.officer


def test_wintak_read_receipt_acknowledges(db):
    with Cache.open(db) as c:
        task = tasks.create(c.conn, unit_uid=UNIT, callsign=UNIT_CS, text="x", lat=None, lon=None, by="상황실",
                            t_ms=T0)
        xml = (f'<event version="2.0" uid="r1" type="b-t-f-r" how="h-g-i-g-o" time="2027-01-15T08:00:00Z" '
               f'start="2027-01-15T08:00:00Z" stale="2027-01-15T08:05:00Z"><point lat="0" lon="0" hae="0" '
               f'ce="9999999" le="9999999"/><detail><__chat messageId="{task["message_id"]}" senderCallsign="{UNIT_CS}">'
               f'<chatgrp uid0="{UNIT}" uid1="{ME}"/></__chat></detail></event>').encode()
        recs = parse_event(xml)
        assert recs == [ChatReceipt(task["message_id"], "read", UNIT, UNIT_CS, recs[0].t_ms)]
        TaskTracker().on_records(c.conn, recs, T0 + 5000)
        assert tasks.get(c.conn, task["id"])["state"] == "acknowledged"


def test_task_states_only_move_forward_and_the_timeline(db):
    with Cache.open(db) as c:
        t = tasks.create(c.conn, unit_uid=UNIT, callsign=UNIT_CS, text="순찰", lat=PLACE[0], lon=PLACE[1],
                         by="상황실", t_ms=T0)
        assert t["code"].startswith("T-") and len(t["code"]) == 6
        assert tasks.by_message_id(c.conn, t["message_id"])["id"] == t["id"]
        assert [x["id"] for x in tasks.open_tasks(c.conn, UNIT)] == [t["id"]]
        tasks.mark(c.conn, t["id"], "acknowledged", t_ms=T0 + 5000, reply="확인")
        late = tasks.mark(c.conn, t["code"], "delivered", t_ms=T0 + 6000)
        assert late["state"] == "acknowledged" and late["delivered_ms"] == T0 + 6000
        tasks.mark(c.conn, t["id"], "on_scene", t_ms=T0 + 65_000)
        tl = tasks.timeline(c.conn, t["id"])
        steps = {s["state"]: s for s in tl["steps"]}
        assert steps["acknowledged"]["since_sent_ms"] == 5000 and steps["on_scene"]["after_ms"] == 59_000
        assert tl["total_ms"] == 65_000
        done = tasks.mark(c.conn, t["id"], "done", t_ms=T0 + 70_000)
        assert done["state"] == "done" and tasks.open_tasks(c.conn, UNIT) == []
        assert tasks.mark(c.conn, t["id"], "cancelled", t_ms=T0 + 80_000)["state"] == "done"
        with pytest.raises(tasks.TaskError):
            tasks.mark(c.conn, t["id"], "lost", t_ms=T0)
        with pytest.raises(tasks.TaskError):
            tasks.create(c.conn, unit_uid="", callsign=None, text="x", lat=None, lon=None, by="상황실")
        with pytest.raises(tasks.TaskError):
            tasks.create(c.conn, unit_uid=UNIT, callsign=None, text="x", lat=None, lon=None, by="상황실", item_id=999)
        assert tasks.get(c.conn, "T-ZZZZ") is None


HOSTILE = ('인파 </remarks><remarks>가짜</remarks> <?xml version="1.0"?> <!DOCTYPE x [<!ENTITY e "boom">]> &e; '
           '"quoted" \'single\' ]]> \x00\x01\x1b[31m T-0000 \ud800 끝')


def test_hostile_task_text_stays_plain_text(db):
    with Cache.open(db) as c:
        task, events = send_tasking(c.conn, unit_uid=UNIT + '"/><x y="', callsign='기동"7<', text=HOSTILE,
                                    lat=PLACE[0], lon=PLACE[1], by="상황실", sender_uid=ME, sender_callsign=ME_CS)
    clean = clean_text(HOSTILE).strip()
    marker, chat = (ET.fromstring(e) for e in events)
    for ev in (marker, chat):
        assert ev.tag == "event" and [ch.tag for ch in ev] == ["point", "detail"]
        assert ev.find("detail/remarks") is not None and len(ev.findall("detail/remarks")) == 1
        assert ev.find(".//x") is None and ev.find(".//script") is None
    assert marker.find("detail/remarks").text == f"{clean} [{task['code']}]"
    assert chat.find("detail/remarks").text == f"[{task['code']}] {clean} — 답장: 확인 {task['code']}"
    assert chat.find("detail/__chat").get("id") == UNIT + '"/><x y="'
    assert chat.find("detail/marti/dest").get("callsign") == '기동"7<'
    # The safe parser reads them back to the same text; the stray code in the text is not the task's.
    back = parse_event(events[1])[0]
    assert back.text == chat.find("detail/remarks").text
    assert codes_in(back.text)[0] == task["code"]


def test_verdict_words():
    assert verdict_of("확인 T-1A2B 허위") == "false" and verdict_of("T-1A2B confirmed") == "verified"
    assert verdict_of("확인 T-1A2B, 이동 중") is None and verdict_of("확인됨? 허위?") is None
    assert codes_in("t-1a2b, T-1A2B and T-ABCDEF; xT-1234 T-12345") == ["T-1A2B", "T-ABCDEF"]


@pytest.mark.parametrize("serve", [False, True], ids=["via-tak-relay", "responder-serves"])
def test_responder_answers_a_tasking_end_to_end(db, serve):
    hub = Hub()
    writer = LiveWriter(db, batch_s=0.01, purpose="public-order").start()
    changes = []
    writer.add_record_listener(TaskTracker(on_change=changes.append).on_records)
    start = (PLACE[0] - 0.003, PLACE[1])  # about 330 m south
    unit = Responder("127.0.0.1", 0 if serve else hub.port, uid=UNIT, callsign=UNIT_CS, lat=start[0], lon=start[1],
                     speed_mps=400.0, step_s=0.1, reply_delay_s=0.2, serve=serve).start()
    # Sitmap's TAK client: on the relay with the unit, or connected to the unit itself.
    client = TakClient(writer, "127.0.0.1", unit.client.port if serve else hub.port, backoff_initial=0.05).start()
    try:
        assert wait_for(lambda: unit.client.connected == 1) if serve else wait_for(lambda: len(hub.clients) == 2)
        # The responder's first position report reaches the cache as a unit.
        assert wait_for(lambda: _unit_count(db) == 1)
        task, _ = _send_task(writer, client, radius_m=50.0)
        code = task["code"]
        assert wait_for(lambda: _task(db, code)["state"] == "on_scene", timeout=10)
        assert wait_for(lambda: unit.arrived == [code])
    finally:
        unit.stop()
        client.stop()
        writer.stop()
        hub.close()
    t = _task(db, code)
    assert t["delivered_ms"] is not None and t["acknowledged_ms"] is not None
    assert t["delivered_ms"] <= t["acknowledged_ms"] <= t["on_scene_ms"]
    assert t["reply"] == f"확인 {code}, 이동 중"
    assert unit.answered == [code] and unit.arrived == [code] and unit.position == PLACE
    assert [(c.previous, c.task["state"], c.cause) for c in changes] == [
        ("sent", "delivered", "receipt"), ("delivered", "acknowledged", "reply"), ("acknowledged", "on_scene", "position")]


def _unit_count(db) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM units").fetchone()[0]
    finally:
        conn.close()


def test_cli_responder(db, capsys):
    import argparse

    from desktop.cli.live import register

    def parse(argv):
        p = argparse.ArgumentParser()
        register(p.add_subparsers(dest="command"))
        return p.parse_args(argv)

    args = parse(["responder", "--tcp", "10.0.0.5:8087", "--uid", UNIT, "--callsign", UNIT_CS])
    assert args.func(args) == 1
    assert "not a loopback" in capsys.readouterr().err
    with socket.socket() as s:  # a free port for the responder to listen on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = parse(["responder", "--serve", "--tcp", f"127.0.0.1:{port}", "--uid", UNIT, "--callsign", UNIT_CS,
                  "--at", f"{PLACE[0] - 0.0005},{PLACE[1]}", "--reply-delay", "0.1", "--speed-mps", "200",
                  "--duration", "8"])  # (room for a loaded machine: it answers and arrives in well under 1 s)
    result = []
    th = threading.Thread(target=lambda: result.append(args.func(args)))
    th.start()
    writer = LiveWriter(db, batch_s=0.01, purpose="public-order").start()
    writer.add_record_listener(TaskTracker().on_records)
    client = TakClient(writer, "127.0.0.1", port, backoff_initial=0.05).start()
    try:
        task, _ = _send_task(writer, client)
        assert wait_for(lambda: _task(db, task["code"])["state"] == "on_scene", timeout=20)
    finally:
        client.stop()
        th.join(30)
        writer.stop()
    assert result == [0]
    out = capsys.readouterr().out
    assert f"listening on 127.0.0.1:{port}" in out and f"answered {task['code']}" in out
    assert f"arrived at {task['code']}" in out and "1 taskings answered" in out


def test_writer_hands_receipts_to_record_listeners_only(db):
    writer = LiveWriter(db, batch_s=0.01, purpose="public-order").start()
    got = []

    def broken(conn, records, now_ms):
        conn.execute("BEGIN IMMEDIATE")
        raise RuntimeError("a listener bug")

    writer.add_record_listener(broken)
    writer.add_record_listener(lambda conn, records, now_ms: got.extend(records))
    try:
        before = _count_batches(db)
        rcpt = parse_event(receipt_event("m-1", sender_uid=UNIT, sender_callsign=UNIT_CS, to_uid=ME))
        assert writer.put(rcpt, "tcp://test") and writer.flush()
        assert got == rcpt and _count_batches(db) == before  # nothing stored for a receipt
        pos = parse_event(marker_event(UNIT, PLACE[0], PLACE[1], cot_type="a-f-G-U-C", callsign=UNIT_CS))
        assert writer.put(pos, "tcp://test") and writer.flush()  # the broken listener's transaction was undone
        assert got[1:] == pos and _unit_count(db) == 1
    finally:
        writer.stop()


def _count_batches(db) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM batches").fetchone()[0]
    finally:
        conn.close()


def test_pytak_peer_receives_the_tasking_and_answers(live, db):
    pytak = pytest.importorskip("pytak")
    import asyncio
    from configparser import ConfigParser

    writer, tracker, client, peer, hub = live
    peer.close()  # this time the unit's device is a pytak client
    assert wait_for(lambda: len(hub.clients) == 1)

    async def unit(ready: threading.Event, task_box: list) -> list[bytes]:
        cp = ConfigParser()
        cp["unit"] = {"COT_URL": f"tcp://127.0.0.1:{hub.port}"}
        reader, w = await pytak.protocol_factory(cp["unit"])
        ready.set()
        got = [await asyncio.wait_for(reader.readuntil(b"</event>"), 5) for _ in range(2)]
        while not task_box:  # the test thread notes the task once it was sent
            await asyncio.sleep(0.01)
        task = task_box[0]
        tx = pytak.TXWorker(asyncio.Queue(), cp["unit"], w)
        await tx.send_data(receipt_event(task["message_id"], sender_uid=UNIT, sender_callsign=UNIT_CS, to_uid=ME))
        await tx.send_data(chat_event(f"확인 {task['code']}", sender_uid=UNIT, sender_callsign=UNIT_CS, to_uid=ME))
        await asyncio.sleep(0.2)
        w.close()
        return got

    ready, box, out = threading.Event(), [], []
    th = threading.Thread(target=lambda: out.append(asyncio.run(unit(ready, box))))
    th.start()
    assert ready.wait(5) and wait_for(lambda: len(hub.clients) == 2)
    task, _ = _send_task(writer, client)
    box.append(task)
    th.join(10)
    frames = [f for f in CotStreamParser().feed(b"".join(out[0])) if not isinstance(f, Dropped)]
    marker, chat = [parse_event(f)[0] for f in frames]
    assert task["code"] in marker.text and chat.extra["chat"]["id"] == UNIT and task["code"] in chat.text
    assert wait_for(lambda: _task(db, task["code"])["state"] == "acknowledged")
    assert _task(db, task["code"])["delivered_ms"] is not None
