"""Appeals end to end in a real cache against the loopback stand-in: draft → queued →
sent with the exact text confirmed; an outage (5xx, a closed service) leaves it queued
with the error and it is then sent exactly once; a failure after the post went out and a
crash while sending are found among the account's own posts, never posted twice; replies
collected into items linked to the appeal and placed by the built-in gazetteer
("남포동 근처에서 아이를 봤어요" lands at 남포동); tokens only in the keyring."""

from __future__ import annotations

import pytest

from desktop.cache import Cache
from desktop.channels import accounts, appeals
from desktop.channels.accounts import Account
from tests.channels.server import FB_TOKEN, PAGE_ID, X_TOKEN, StandIn

FAST = {"timeout": (2.0, 1.0), "backoff": 0.01, "retries": 1}
KO = "실종 아동을 찾습니다. 7세 남아, 노란 점퍼. 보신 분은 112 또는 스마트 국민제보 앱으로 알려 주세요"
EN = "Missing child, 7, yellow jacket. Call 112."
NAMPO = (35.097411, 129.030189)


@pytest.fixture
def cache(tmp_path):
    c = Cache.open(tmp_path / "c.db")
    yield c
    c.close()


@pytest.fixture
def x_account(standin, file_keyring):
    return accounts.add(Account("busan-x", "x", base_url=standin.url, label="@busanpolice"), X_TOKEN)


@pytest.fixture
def fb_account(standin, file_keyring):
    return accounts.add(Account("busan-page", "facebook", page_id=PAGE_ID, base_url=standin.url), FB_TOKEN)


def _publish(cache, a, account, log):
    return appeals.publish(cache.conn, a.id, accounts.client(account, **FAST), account, confirmed_text=a.text,
                           confirmed_account=account.name, record=lambda *e: log.append(e))


def test_draft_queue_publish_collect_x(cache, standin, x_account, tmp_path):
    log = []
    a = appeals.add(cache.conn, text_ko=KO, text_en=EN, hashtag="#부산경찰", account=x_account, by="kim")
    assert a.state == "draft" and a.text == f"{KO}\n\n{EN} #부산경찰"
    a = appeals.queue(cache.conn, a.id)
    with pytest.raises(appeals.AppealError, match="not what would be published"):
        appeals.publish(cache.conn, a.id, accounts.client(x_account), x_account, confirmed_text=KO,
                        confirmed_account="busan-x")
    assert standin.state.requests == []  # nothing left before the exact text was confirmed
    a = _publish(cache, a, x_account, log)
    assert a.state == "sent" and a.remote_id == standin.state.tweets[0]["id"] and a.error is None
    assert standin.state.tweets[0]["text"] == a.text and a.attempts == 1
    assert log == [("disclose", {"appeal": a.id, "channel": "x", "account": "busan-x", "remote_id": a.remote_id},
                    {"client_key": a.client_key, "outcome": "sent", "attempt": 1})]
    with pytest.raises(appeals.AppealError, match="already sent"):
        _publish(cache, a, x_account, log)
    # People answer; the replies come back as items placed from their text.
    seen = {"id": "3300000002", "username": "seen_it", "name": "목격자"}
    r1 = standin.add_reply(a.remote_id, "@busanpolice 남포동 근처에서 아이를 봤어요", user=seen)
    standin.add_reply(a.remote_id, "@busanpolice I saw the child near 남포동 too", user=seen, reply_to=r1["id"])
    standin.add_reply(a.remote_id, "@busanpolice 힘내세요 🙏", user={"id": "3300000003", "username": "b"})
    got = appeals.collect(cache, a.id, accounts.client(x_account, **FAST), operator="kim", purpose="missing-person",
                          record=lambda *e: log.append(e))
    assert (got.new, got.linked) == (3, 3)
    rows = cache.conn.execute(
        "SELECT i.text, i.precision, i.lat, i.lon, i.reply_to FROM appeal_responses r JOIN items i ON i.id = r.item_id "
        "WHERE r.appeal_id = ? ORDER BY i.source_id", (a.id,)).fetchall()
    assert rows[0][:4] == ("@busanpolice 남포동 근처에서 아이를 봤어요", "inferred", *NAMPO)
    assert rows[0][4] == a.remote_id and rows[1][1:4] == ("inferred", *NAMPO)
    assert rows[2][1] == "unknown"  # names no place
    assert log[-1][0] == "collect" and log[-1][2]["linked"] == 3 and log[-1][1]["remote_id"] == a.remote_id
    # Collecting again adds nothing new and links the same three.
    again = appeals.collect(cache, a.id, accounts.client(x_account, **FAST), operator="kim", purpose="missing-person")
    assert (again.new, again.linked) == (0, 3)
    # The token is in the keyring file, nowhere in the cache or its audit file.
    for f in tmp_path.glob("c.db*"):
        assert X_TOKEN.encode() not in f.read_bytes()


def test_an_outage_leaves_it_queued_then_it_is_sent_exactly_once(cache, standin, x_account):
    log = []
    a = appeals.add(cache.conn, text_ko=KO, account=x_account, by="kim", queue=True)
    standin.fault("POST", "/2/tweets", "503")
    a = _publish(cache, a, x_account, log)
    assert a.state == "queued" and "the service failed (503" in a.error and a.remote_id is None
    # The service goes away altogether (closed): still queued, with the reason.
    url = standin.url
    standin.stop()
    a = _publish(cache, a, x_account, log)
    assert a.state == "queued" and "connection failed" in a.error
    # Back: the earlier attempts are checked (nothing was published), then it is sent once.
    back = StandIn(int(url.rsplit(":", 1)[1])).start()  # the same address, nothing published
    try:
        a = _publish(cache, a, x_account, log)
        assert a.state == "sent" and len(back.state.tweets) == 1 and a.remote_id == back.state.tweets[0]["id"]
        paths = [(r.method, r.path) for r in back.state.requests]
        assert paths == [("GET", "/2/users/me"), ("GET", "/2/users/3300000001/tweets"), ("POST", "/2/tweets")]
    finally:
        back.stop()
    assert [e[2]["outcome"] for e in log] == ["queued", "queued", "sent"]


def test_a_post_whose_answer_was_lost_is_found_not_reposted(cache, standin, x_account):
    log = []
    a = appeals.add(cache.conn, text_ko=KO, account=x_account, by="kim", queue=True)
    standin.fault("POST", "/2/tweets", "500-after")  # X published it, the answer failed
    a = _publish(cache, a, x_account, log)
    assert a.state == "queued" and "may have reached the service" in a.error and len(standin.state.tweets) == 1
    a = _publish(cache, a, x_account, log)
    assert a.state == "sent" and a.remote_id == standin.state.tweets[0]["id"] and len(standin.state.tweets) == 1
    assert log[-1][2]["found"] == "among the account's own posts"


def test_a_crash_while_sending_is_checked_on_restart(cache, standin, x_account):
    a = appeals.add(cache.conn, text_ko=KO, account=x_account, by="kim", queue=True)
    # The process died after the request left: the appeal says 'sending' and X has the post.
    accounts.client(x_account, **FAST).post(a.text)
    with cache.conn:
        cache.conn.execute("UPDATE appeals SET state = 'sending', attempts = 1 WHERE id = ?", (a.id,))
    b = appeals.add(cache.conn, text_ko="다른 호소문", account=x_account, by="kim", queue=True)
    with cache.conn:  # died before the request left: not published
        cache.conn.execute("UPDATE appeals SET state = 'sending', attempts = 1 WHERE id = ?", (b.id,))
    done = {r.id: r for r in appeals.recover(cache.conn, lambda ap: accounts.client(accounts.get(ap.account), **FAST))}
    assert done[a.id].state == "sent" and done[a.id].remote_id == standin.state.tweets[0]["id"]
    assert done[b.id].state == "queued" and "not among the account's posts" in done[b.id].error
    b = _publish(cache, appeals.get(cache.conn, b.id), x_account, [])
    assert b.state == "sent" and len(standin.state.tweets) == 2


def test_facebook_appeal_with_image_and_comments(cache, standin, fb_account, tmp_path):
    img = tmp_path / "poster.png"
    img.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16)
    a = appeals.add(cache.conn, text_ko=KO, account=fb_account, by="kim", image_path=str(img), queue=True)
    a = _publish(cache, a, fb_account, [])
    assert a.state == "sent" and a.remote_id == standin.state.fb_posts[0]["id"]
    assert standin.state.requests[-1].path == f"/{PAGE_ID}/photos"
    c1 = standin.add_comment(a.remote_id, "남포동 근처에서 아이를 봤어요")  # no 'from': the app cannot moderate
    standin.add_comment(a.remote_id, "어느 쪽이요?", author={"name": "이서연", "id": "5550003"}, parent=c1["id"])
    got = appeals.collect(cache, a.id, accounts.client(fb_account, **FAST), operator="kim", purpose="missing-person")
    assert (got.new, got.linked) == (2, 2)
    rows = dict(cache.conn.execute("SELECT source_id, reply_to FROM items"))
    assert rows[c1["id"]] == a.remote_id and len(rows) == 2
    lat, lon = cache.conn.execute("SELECT lat, lon FROM items WHERE source_id = ?", (c1["id"],)).fetchone()
    assert (lat, lon) == NAMPO


def test_no_keyring_backend_is_said_plainly(tmp_path, monkeypatch):
    import keyring
    from keyring.backends import fail

    monkeypatch.setenv("SITMAP_DATA_DIR", str(tmp_path / "data"))
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(accounts.ChannelError, match="no system keyring is available on this machine"):
            accounts.add(Account("busan-x", "x"), "tok")
        assert not (tmp_path / "data" / "channels.json").exists()
    finally:
        keyring.set_keyring(before)
