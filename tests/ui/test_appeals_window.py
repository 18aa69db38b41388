"""Tools → Appeals… in the window, against the loopback stand-in and a real file-backed
keyring: an appeal composed in the dialog, published only after the confirmation showing
its exact text and account (an outage leaves it queued and says so, then it goes out
once), its replies collected and shown on the map as an incident, each step audited."""

from __future__ import annotations

import keyring
import pytest
from keyrings.alt.file import PlaintextKeyring

from desktop.audit import AuditLog
from desktop.cache import Cache
from desktop.channels import accounts
from desktop.channels.accounts import Account
from tests.channels.server import X_TOKEN, StandIn

pytestmark = pytest.mark.webengine


@pytest.fixture
def setup(qtbot, tmp_path, js_errors, monkeypatch):
    monkeypatch.setenv("SITMAP_DATA_DIR", str(tmp_path / "data"))
    before = keyring.get_keyring()
    kr = PlaintextKeyring()
    kr.file_path = str(tmp_path / "keyring.cfg")
    keyring.set_keyring(kr)
    standin = StandIn().start()
    accounts.add(Account("busan-x", "x", base_url=standin.url, label="@busanpolice"), X_TOKEN)
    db = tmp_path / "a.db"
    Cache.open(db).close()
    from desktop.ui.main_window import MainWindow

    win = MainWindow(db, restore=False)
    win.resize(1400, 900)
    win.show()
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.bridge.is_ready, timeout=60000)
    yield win, standin, db
    win.close()
    standin.stop()
    keyring.set_keyring(before)


def test_appeal_from_the_window(qtbot, setup):
    win, standin, db = setup
    panel = win.panel("appeals")
    panel.action.trigger()
    dlg = panel.dialog
    assert dlg.isVisible() and dlg.tree.topLevelItemCount() == 0
    dlg.new_button.click()
    new = panel.new_dialog
    new.ko.setPlainText("실종 아동을 찾습니다. 노란 점퍼 7세 남아")
    new.en.setPlainText("Missing boy, 7, yellow jacket")
    new.tag.setText("부산경찰")
    new.accept()
    assert dlg.tree.topLevelItemCount() == 1 and dlg.tree.topLevelItem(0).text(1) == "queued"
    shown = []
    panel.confirm = lambda title, text: shown.append(text) or False
    dlg.publish_button.click()
    assert standin.state.requests == [] and "Not published" in dlg.status.text()
    assert "busan-x (x, @busanpolice" in shown[0]
    assert "실종 아동을 찾습니다. 노란 점퍼 7세 남아\n\nMissing boy, 7, yellow jacket #부산경찰" in shown[0]
    panel.confirm = lambda title, text: True
    standin.fault("POST", "/2/tweets", "503")
    dlg.publish_button.click()
    qtbot.waitUntil(lambda: not panel.busy(), timeout=30000)
    assert "still queued" in dlg.status.text() and "503" in dlg.status.text() and standin.state.tweets == []
    # The service answers slowly: the click returns at once, the window says what it is
    # doing and sends nothing else meanwhile, and the post goes out once.
    standin.fault("POST", "/2/tweets", ("sleep", 1.5))
    dlg.publish_button.click()
    assert panel.busy() and not dlg.publish_button.isEnabled() and standin.state.tweets == []
    assert "Publishing appeal 1 on busan-x" in dlg.status.text()
    dlg.publish_button.click()  # disabled: nothing happens
    qtbot.waitUntil(lambda: not panel.busy(), timeout=30000)
    assert len(standin.state.tweets) == 1 and "published" in dlg.status.text() and dlg.publish_button.isEnabled()
    assert dlg.tree.topLevelItem(0).text(1) == "sent"
    tid = standin.state.tweets[0]["id"]
    standin.add_reply(tid, "남포동 근처에서 아이를 봤어요", user={"id": "3300000002", "username": "seen_it"})
    dlg.collect_button.click()
    qtbot.waitUntil(lambda: not panel.busy(), timeout=30000)
    assert "1 response(s) linked" in dlg.status.text()
    dlg.map_button.click()
    assert win.session.incident is not None and win.session.incident_name == "Appeal 1 responses"
    qtbot.waitUntil(lambda: win.last_result is not None and len(win.feed_model.ids()) == 1, timeout=20000)
    with AuditLog.open(db) as log:
        acts = [(e.action, (e.detail or {}).get("outcome")) for e in log.entries() if e.action != "consult"]
    assert acts[1:] == [("alter", None), ("disclose", "queued"), ("disclose", "sent"), ("collect", None),
                        ("alter", None)]
    dlg.close()


def test_an_appeal_left_sending_is_checked_when_the_dialog_opens(qtbot, setup):
    from desktop.channels import appeals

    win, standin, db = setup
    conn = win.panel("appeals").ctx.writer().conn
    acc = accounts.get("busan-x")
    a = appeals.add(conn, text_ko="목격자를 찾습니다", account=acc, by="kim", queue=True)
    accounts.client(acc).post(a.text)  # it went out, then the process stopped
    with conn:
        conn.execute("UPDATE appeals SET state = 'sending', attempts = 1 WHERE id = ?", (a.id,))
    win.panel("appeals").action.trigger()
    qtbot.waitUntil(lambda: not win.panel("appeals").busy(), timeout=30000)
    got = appeals.get(conn, a.id)
    assert got.state == "sent" and got.remote_id == standin.state.tweets[0]["id"] and len(standin.state.tweets) == 1
    assert "left sending: now sent" in win.panel("appeals").dialog.status.text()
