"""The X and Graph clients against the loopback stand-in: each request checked byte for
byte against the documentation (method, path, query, headers, body), and the faults a
real service has: a 429 with its reset, a 5xx, a timeout, a malformed body, a closed
connection, a refused token, Graph's app-usage header."""

from __future__ import annotations

import json
import time

import pytest

from desktop.channels.facebook import COMMENT_FIELDS, FacebookClient
from desktop.channels.http import ChannelError, Http, RateLimited
from desktop.channels.x import TWEET_FIELDS, XClient, weighted_length
from tests.channels.server import FB_TOKEN, PAGE_ID, X_TOKEN, X_USER

FAST = {"timeout": (2.0, 1.0), "backoff": 0.01}


def x(standin, **kw):
    return XClient(X_TOKEN, base=standin.url, **(FAST | kw))


def fb(standin, **kw):
    return FacebookClient(FB_TOKEN, PAGE_ID, base=standin.url, **(FAST | kw))


def test_x_post_request_as_documented(standin):
    c = x(standin)
    got = c.post("실종 아동을 찾습니다 #부산경찰", media_ids=("1880000000000000001",))
    (req,) = standin.state.requests
    assert (req.method, req.path, req.query) == ("POST", "/2/tweets", "")
    assert req.headers["authorization"] == f"Bearer {X_TOKEN}"
    assert req.headers["content-type"] == "application/json"
    assert req.headers["accept"] == "application/json"
    assert req.body == ('{"text":"실종 아동을 찾습니다 #부산경찰","media":{"media_ids":["1880000000000000001"]}}'
                        ).encode("utf-8")
    assert int(req.headers["content-length"]) == len(req.body)
    assert got["id"] == standin.state.tweets[0]["id"] and got["text"] == "실종 아동을 찾습니다 #부산경찰"
    assert c.http.limits.remaining == 298 and c.http.limits.reset_at > time.time()
    c.post("답글", reply_to=got["id"])
    assert standin.state.requests[-1].body == ('{"text":"답글","reply":{"in_reply_to_tweet_id":"%s"}}'
                                               % got["id"]).encode("utf-8")


def test_x_search_by_conversation_pages(standin):
    standin.state.page_size = 2
    user = {"id": "3300000002", "username": "seen_it", "name": "목격자"}
    for k in range(3):
        standin.add_reply("1864700000000000002", f"답글 {k}", user=user)
    pages = list(x(standin).conversation("1864700000000000002"))
    assert [len(p.get("data", [])) for p in pages] == [2, 1]
    first, second = standin.state.requests
    assert (first.method, first.path) == ("GET", "/2/tweets/search/recent")
    assert first.query == ("query=conversation_id:1864700000000000002&max_results=100&tweet.fields="
                           + TWEET_FIELDS + "&expansions=author_id,geo.place_id&user.fields=username"
                           "&place.fields=full_name,geo,country_code")
    assert "public_metrics" in first.params["tweet.fields"] and "created_at" in first.params["tweet.fields"]
    assert "geo" in first.params["tweet.fields"].split(",")
    assert second.params["next_token"] == "2" and first.body == b"" and "content-type" not in first.headers


def test_x_me_and_own_posts(standin):
    c = x(standin)
    assert c.me() == X_USER
    c.post("첫 글")
    own = c.own_recent(X_USER["id"], "2020-01-01T00:00:00Z")
    assert [t["text"] for t in own] == ["첫 글"]
    assert standin.state.requests[-1].query == "start_time=2020-01-01T00:00:00Z&max_results=100&tweet.fields=created_at,text"


def test_x_image_upload_multipart(standin, tmp_path):
    img = tmp_path / "child.png"
    img.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    mid = x(standin).upload_image(img)
    (req,) = standin.state.requests
    assert (req.method, req.path) == ("POST", "/2/media/upload") and mid.isdigit()
    assert req.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert b'Content-Disposition: form-data; name="media_category"\r\n\r\ntweet_image\r\n' in req.body
    assert b'name="media"; filename="child.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG' in req.body
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ChannelError, match="not a JPEG"):
        x(standin).upload_image(tmp_path / "notes.txt")


def test_x_weighs_hangul_double():
    assert weighted_length("abc") == 3 and weighted_length("부산") == 4
    assert weighted_length("see https://example.com/a/very/long/path") == 4 + 23
    with pytest.raises(ChannelError, match="weighs 282 of 280"):
        XClient("t", base="http://127.0.0.1:9").post("가" * 141)


def test_graph_post_and_comments_as_documented(standin):
    c = fb(standin)
    pid = c.post("남포동 일대 실종 아동을 찾습니다 & 제보 부탁드립니다")
    (req,) = standin.state.requests
    assert (req.method, req.path, req.query) == ("POST", f"/{PAGE_ID}/feed", "")
    assert req.headers["authorization"] == f"Bearer {FB_TOKEN}"
    assert req.headers["content-type"] == "application/x-www-form-urlencoded"
    assert req.body == ("message=%EB%82%A8%ED%8F%AC%EB%8F%99+%EC%9D%BC%EB%8C%80+%EC%8B%A4%EC%A2%85+%EC%95%84%EB%8F%99"
                        "%EC%9D%84+%EC%B0%BE%EC%8A%B5%EB%8B%88%EB%8B%A4+%26+%EC%A0%9C%EB%B3%B4+%EB%B6%80%ED%83%81"
                        "%EB%93%9C%EB%A6%BD%EB%8B%88%EB%8B%A4").encode("ascii")
    assert pid.startswith(PAGE_ID + "_") and "access_token" not in req.query  # the token never in a URL
    standin.state.page_size = 2
    for k in range(3):
        standin.add_comment(pid, f"댓글 {k}")
    pages = list(c.comments(pid))
    assert [len(p["data"]) for p in pages] == [2, 1]
    a, b = standin.state.requests[1:]
    assert (a.method, a.path) == ("GET", f"/{pid}/comments")
    assert a.query == "fields=" + COMMENT_FIELDS.replace("{", "%7B").replace("}", "%7D") + "&filter=stream&limit=100"
    assert b.params["after"] == "2"
    assert c.http.limits.usage_pct == 3


def test_graph_photo_post(standin, tmp_path):
    img = tmp_path / "poster.jpg"
    img.write_bytes(b"\xff\xd8\xff" + b"\x00" * 32)
    pid = fb(standin).post_photo("전단", img)
    (req,) = standin.state.requests
    assert (req.method, req.path) == ("POST", f"/{PAGE_ID}/photos") and pid.startswith(PAGE_ID + "_")
    assert b'name="message"\r\n\r\n\xec\xa0\x84\xeb\x8b\xa8\r\n' in req.body
    assert b'name="source"; filename="poster.jpg"\r\nContent-Type: image/jpeg' in req.body


def test_refused_tokens_are_clear(standin):
    with pytest.raises(ChannelError) as e:
        XClient("wrong", base=standin.url, **FAST).post("글")
    assert str(e.value) == "X: publishing a post: refused (401: Unauthorized)" and e.value.status == 401
    with pytest.raises(ChannelError) as e:
        FacebookClient("wrong", PAGE_ID, base=standin.url, **FAST).post("글")
    assert "Invalid OAuth access token" in str(e.value) and not e.value.transient


def test_429_waits_for_the_reset_then_succeeds(standin):
    slept = []
    c = x(standin, sleep=slept.append)
    standin.fault("GET", "/2/users/me", ("429", 2))
    assert c.me() == X_USER
    assert len(slept) == 1 and 0 <= slept[0] <= 2.01 and len(standin.state.requests) == 2
    standin.fault("POST", "/2/tweets", ("429", 3600))  # too long to wait: an error with the time
    with pytest.raises(RateLimited, match="rate limit reached; try again after"):
        c.post("글")
    assert standin.state.tweets == []


def test_remaining_zero_is_honoured_before_the_next_request(standin):
    c = x(standin, max_wait=5)
    c.http.limits.remaining, c.http.limits.reset_at = 0, time.time() + 3600
    with pytest.raises(RateLimited):
        c.me()
    assert standin.state.requests == []  # nothing was sent


def test_get_retries_5xx_timeouts_and_closed_connections(standin):
    c = x(standin)
    standin.fault("GET", "/2/users/me", "500")
    standin.fault("GET", "/2/users/me", ("sleep", 1.5))  # longer than the read timeout
    standin.fault("GET", "/2/users/me", "close")
    assert c.me() == X_USER
    assert len(standin.state.requests) == 4
    for _ in range(4):
        standin.fault("GET", "/2/users/me", "503")
    with pytest.raises(ChannelError, match=r"X: who the token belongs to: the service failed \(503"):
        c.me()


def test_a_post_that_may_have_gone_out_is_not_retried(standin):
    c = x(standin)
    standin.fault("POST", "/2/tweets", "500-after")
    with pytest.raises(ChannelError, match="it may have reached the service") as e:
        c.post("한 번만")
    assert e.value.transient and len(standin.state.tweets) == 1 and len(standin.state.requests) == 1
    standin.fault("POST", "/2/tweets", ("sleep-after", 1.5))
    with pytest.raises(ChannelError, match="no answer in time"):
        c.post("두 번째")
    assert len(standin.state.tweets) == 2 and len(standin.state.requests) == 2


def test_malformed_body(standin):
    standin.fault("POST", "/2/tweets", "malformed")
    with pytest.raises(ChannelError, match=r"X: publishing a post: the answer is not JSON \(status 200"):
        x(standin).post("글")


def test_graph_app_usage_stops_calls_at_100_percent(standin):
    c = fb(standin, max_wait=1)
    standin.state.app_usage = {"call_count": 100, "total_cputime": 20, "total_time": 30}
    c.own_recent(0)
    assert c.http.limits.usage_pct == 100
    with pytest.raises(RateLimited, match="Facebook: publishing a post: rate limit reached"):
        c.post("글")
    assert len(standin.state.requests) == 1 and standin.state.fb_posts == []


def test_connection_refused_is_offline_and_a_post_is_retried_safely():
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there
    slept = []
    c = XClient(X_TOKEN, base=f"http://127.0.0.1:{port}", sleep=slept.append, **FAST)
    with pytest.raises(ChannelError, match="the connection failed") as e:
        c.post("글")
    assert e.value.transient and "may have reached" not in str(e.value) and len(slept) == 3


def test_base_url_must_be_https_off_this_machine():
    with pytest.raises(ChannelError, match="not https"):
        Http("X", "http://api.example.org")
    assert json.loads(json.dumps({"ok": True}))
