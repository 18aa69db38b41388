"""A loopback stand-in for the X API v2 and the Graph API, implementing the documented
endpoints the channel clients use (status codes, JSON bodies, rate-limit headers), with
faults on demand: a 429 with its reset, a 5xx, a 5xx after the post was made (the
ambiguous failure), a timeout, a malformed body, a connection closed without an answer.

Every request is kept as received (method, path, raw query, headers, body bytes) so a
test can check it byte for byte against the documentation.

X (https://docs.x.com/x-api): ``POST /2/tweets`` → 201 ``{"data": {"id", "text",
"edit_history_tweet_ids"}}``; ``POST /2/media/upload`` (multipart) → ``{"data": {"id",
"media_key", "size", "expires_after_secs", "image"}}``; ``GET /2/users/me``;
``GET /2/users/{id}/tweets``; ``GET /2/tweets/search/recent`` (``meta.next_token`` paging).
Errors are problem objects ``{"title", "detail", "type", "status"}``; rate limits in
``x-rate-limit-limit``/``-remaining``/``-reset``.

Graph (https://developers.facebook.com/docs/graph-api): ``POST /{page-id}/feed`` →
``{"id": "{page-id}_{post-id}"}``; ``POST /{page-id}/photos`` → ``{"id", "post_id"}``;
``GET /{page-id}/posts``; ``GET /{post-id}/comments`` (``paging.cursors``, ``next``).
Errors are ``{"error": {"message", "type", "code", "fbtrace_id"}}``; usage in ``x-app-usage``.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

X_TOKEN = "x-user-token-abc123"
FB_TOKEN = "EAAGpagetoken456"
PAGE_ID = "104857600123456"
X_USER = {"id": "3300000001", "name": "부산경찰", "username": "busanpolice"}


@dataclass
class Seen:
    method: str
    path: str
    query: str
    headers: dict
    body: bytes

    @property
    def params(self) -> dict:
        return {k: v[0] for k, v in parse_qs(self.query, keep_blank_values=True).items()}


@dataclass
class State:
    requests: list[Seen] = field(default_factory=list)
    faults: list[tuple[str, str, object]] = field(default_factory=list)  # (method, path prefix, fault)
    tweets: list[dict] = field(default_factory=list)  # published by the account
    replies: dict[str, list[dict]] = field(default_factory=dict)  # conversation id -> reply posts
    users: dict[str, dict] = field(default_factory=dict)
    fb_posts: list[dict] = field(default_factory=list)
    comments: dict[str, list[dict]] = field(default_factory=dict)  # post id -> comments
    page_size: int = 100
    public: list[dict] = field(default_factory=list)  # every public post X would count: created_at, text
    count_page_bins: int = 24  # bins per counts page (the rest behind meta.next_token)
    next_id: int = 1864700000000000001
    remaining: int = 299
    app_usage: dict = field(default_factory=lambda: {"call_count": 3, "total_cputime": 1, "total_time": 2})


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "StandIn"

    def log_message(self, *_):  # quiet
        pass

    def do_GET(self):  # noqa: N802
        self._handle("GET")

    def do_POST(self):  # noqa: N802
        self._handle("POST")

    # -- plumbing ---------------------------------------------------------------------------
    def _handle(self, method: str) -> None:
        st = self.server.state
        parts = urlsplit(self.path)
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        seen = Seen(method, parts.path, parts.query, {k.lower(): v for k, v in self.headers.items()}, body)
        with self.server.lock:
            st.requests.append(seen)
            fault = None
            for i, (m, prefix, f) in enumerate(st.faults):
                if m == method and parts.path.startswith(prefix):
                    fault = st.faults.pop(i)[2]
                    break
        if fault == "close":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if isinstance(fault, tuple) and fault[0] == "sleep":
            time.sleep(fault[1])
        if fault == "500":
            return self._json(500, {"title": "Internal Server Error", "detail": "Internal Server Error",
                                    "type": "about:blank", "status": 500})
        if fault == "503":
            return self._json(503, {"title": "Service Unavailable", "type": "about:blank", "status": 503})
        if fault == "malformed":
            return self._raw(200, b'{"data": {"id": "1864', "application/json")
        if isinstance(fault, tuple) and fault[0] == "429":
            reset = int(time.time() + fault[1])
            return self._json(429, {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank",
                                    "status": 429}, {"x-rate-limit-limit": "300", "x-rate-limit-remaining": "0",
                                                     "x-rate-limit-reset": str(reset)})
        try:
            if parts.path.startswith("/2/"):
                self._x(method, parts.path, seen, after_fault=fault)
            else:
                self._graph(method, parts.path, seen, after_fault=fault)
        except BrokenPipeError:
            pass

    def _raw(self, status: int, body: bytes, ctype: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, obj, headers: dict | None = None) -> None:
        self._raw(status, json.dumps(obj, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8",
                  headers)

    def _new_id(self) -> str:
        st = self.server.state
        with self.server.lock:
            st.next_id += 1
            return str(st.next_id)

    # -- X API v2 ---------------------------------------------------------------------------
    def _x_limits(self) -> dict:
        st = self.server.state
        st.remaining = max(0, st.remaining - 1)
        return {"x-rate-limit-limit": "300", "x-rate-limit-remaining": str(st.remaining),
                "x-rate-limit-reset": str(int(time.time()) + 900)}

    def _x(self, method: str, path: str, seen: Seen, *, after_fault) -> None:
        st = self.server.state
        if seen.headers.get("authorization") != f"Bearer {X_TOKEN}":
            return self._json(401, {"title": "Unauthorized", "type": "about:blank", "status": 401,
                                    "detail": "Unauthorized"})
        if method == "POST" and path == "/2/tweets":
            if not seen.headers.get("content-type", "").startswith("application/json"):
                return self._json(400, {"title": "Invalid Request", "detail": "JSON body expected", "status": 400})
            try:
                req = json.loads(seen.body)
            except ValueError:
                return self._json(400, {"title": "Invalid Request", "detail": "body is not JSON", "status": 400})
            if not isinstance(req.get("text"), str) and "media" not in req:
                return self._json(400, {"errors": [{"message": "$.text: is missing but it is required"}],
                                        "title": "Invalid Request", "detail": "One or more parameters to your "
                                        "request was invalid.", "type": "https://api.twitter.com/2/problems/"
                                        "invalid-request"})
            tid = self._new_id()
            tweet = {"id": tid, "text": req.get("text", ""), "edit_history_tweet_ids": [tid],
                     "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()), "author_id": X_USER["id"],
                     "conversation_id": tid}
            with self.server.lock:
                st.tweets.append(tweet)
            if after_fault == "500-after":  # published, but the answer is lost in a failure
                return self._json(500, {"title": "Internal Server Error", "type": "about:blank", "status": 500})
            if isinstance(after_fault, tuple) and after_fault[0] == "sleep-after":
                time.sleep(after_fault[1])
            return self._json(201, {"data": {"id": tid, "text": tweet["text"], "edit_history_tweet_ids": [tid]}},
                              self._x_limits())
        if method == "POST" and path == "/2/media/upload":
            if b'name="media"' not in seen.body or b"tweet_image" not in seen.body:
                return self._json(400, {"title": "Invalid Request", "detail": "media is required", "status": 400})
            mid = self._new_id()
            return self._json(200, {"data": {"id": mid, "media_key": f"3_{mid}", "size": len(seen.body),
                                             "expires_after_secs": 86400,
                                             "image": {"image_type": "image/png", "w": 1, "h": 1}}}, self._x_limits())
        if method == "GET" and path == "/2/users/me":
            return self._json(200, {"data": X_USER}, self._x_limits())
        if method == "GET" and path.startswith("/2/users/") and path.endswith("/tweets"):
            start = seen.params.get("start_time", "")
            own = [{"id": t["id"], "text": t["text"], "created_at": t["created_at"], "edit_history_tweet_ids": [t["id"]]}
                   for t in reversed(st.tweets) if t["created_at"] >= start]
            return self._json(200, {"data": own, "meta": {"result_count": len(own)}} if own else
                              {"meta": {"result_count": 0}}, self._x_limits())
        if method == "GET" and path == "/2/tweets/counts/recent":
            return self._counts(seen)
        if method == "GET" and path == "/2/tweets/search/recent":
            q = seen.params.get("query", "")
            if not q.startswith("conversation_id:"):
                return self._json(400, {"title": "Invalid Request", "detail": "query", "status": 400})
            posts = st.replies.get(q.split(":", 1)[1], [])
            start = int(seen.params.get("next_token", "0") or 0)
            size = min(int(seen.params.get("max_results", "10")), st.page_size)
            chunk = posts[start:start + size]
            page: dict = {"meta": {"result_count": len(chunk)}}
            if chunk:
                page["data"] = chunk
                ids = {p["author_id"] for p in chunk}
                page["includes"] = {"users": [u for uid, u in st.users.items() if uid in ids]}
                page["meta"] |= {"newest_id": chunk[0]["id"], "oldest_id": chunk[-1]["id"]}
            if start + size < len(posts):
                page["meta"]["next_token"] = str(start + size)
            return self._json(200, page, self._x_limits())
        return self._json(404, {"title": "Not Found Error", "type": "about:blank", "status": 404,
                                "detail": f"no route {path}"})

    def _counts(self, seen: Seen) -> None:
        """``/2/tweets/counts/recent`` as documented: bins of the granularity between start_time
        (default: 7 days ago) and end_time (default: now - 30 s), a query of terms joined by
        OR (a hashtag, a word or a "quoted phrase"), at most 7 days back, paged by next_token."""
        from datetime import datetime, timedelta, timezone

        st = self.server.state
        p = seen.params
        q = p.get("query", "")
        gran = p.get("granularity", "hour")
        if not q or gran not in ("minute", "hour", "day"):
            return self._json(400, {"title": "Invalid Request", "detail": "query/granularity", "status": 400})

        def t(v, default):
            return datetime.fromisoformat(v.replace("Z", "+00:00")) if v else default

        now = datetime.now(timezone.utc)
        start, end = t(p.get("start_time"), now - timedelta(days=7)), t(p.get("end_time"), now - timedelta(seconds=30))
        if start < now - timedelta(days=7, seconds=5) or end > now - timedelta(seconds=10) or start >= end:
            return self._json(400, {"title": "Invalid Request", "status": 400,
                                    "detail": "start_time must be within the last 7 days and end_time 10 s before now"})
        terms = [x.strip().strip('"').lower() for x in q.split(" OR ")]
        step = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}[gran]
        floor = start.replace(second=0, microsecond=0)
        if gran in ("hour", "day"):
            floor = floor.replace(minute=0)
        if gran == "day":
            floor = floor.replace(hour=0)
        bins, at = [], floor
        while at < end:
            bins.append([max(at, start), min(at + step, end), 0])
            at += step
        for post in st.public:
            when = datetime.fromisoformat(post["created_at"].replace("Z", "+00:00"))
            text = post["text"].lower()
            if start <= when < end and any(term in text for term in terms):
                for b in bins:
                    if b[0] <= when < b[1]:
                        b[2] += 1
        first = int(p.get("next_token", "0") or 0)
        chunk = bins[first:first + st.count_page_bins]

        def iso(d):
            return d.strftime("%Y-%m-%dT%H:%M:%S.000Z")

        page = {"data": [{"end": iso(b[1]), "start": iso(b[0]), "tweet_count": b[2]} for b in chunk],
                "meta": {"total_tweet_count": sum(b[2] for b in chunk)}}
        if first + st.count_page_bins < len(bins):
            page["meta"]["next_token"] = str(first + st.count_page_bins)
        return self._json(200, page, self._x_limits())

    # -- Graph API --------------------------------------------------------------------------
    def _graph(self, method: str, path: str, seen: Seen, *, after_fault) -> None:
        st = self.server.state
        usage = {"x-app-usage": json.dumps(st.app_usage)}
        if seen.headers.get("authorization") != f"Bearer {FB_TOKEN}":
            return self._json(400, {"error": {"message": "Invalid OAuth access token - Cannot parse access token",
                                              "type": "OAuthException", "code": 190, "fbtrace_id": "AbCdEf"}}, usage)
        bits = path.strip("/").split("/")
        if len(bits) == 3 and bits[0].startswith("v"):
            bits = bits[1:]
        if len(bits) != 2:
            return self._json(400, {"error": {"message": "Unknown path components", "type": "OAuthException",
                                              "code": 2500}}, usage)
        node, edge = bits
        if method == "POST" and edge in ("feed", "photos") and node == PAGE_ID:
            if edge == "feed":
                form = {k: v[0] for k, v in parse_qs(seen.body.decode("ascii")).items()}
                message = form.get("message", "")
            else:
                if b'name="source"' not in seen.body:
                    return self._json(400, {"error": {"message": "(#324) Requires upload file", "type": "OAuthException",
                                                      "code": 324}}, usage)
                message = seen.body.split(b'name="message"\r\n\r\n', 1)[1].split(b"\r\n--", 1)[0].decode("utf-8")
            if not message:
                return self._json(400, {"error": {"message": "(#100) Missing message or attachment",
                                                  "type": "OAuthException", "code": 100}}, usage)
            pid = f"{PAGE_ID}_{self._new_id()}"
            with self.server.lock:
                st.fb_posts.append({"id": pid, "message": message,
                                    "created_time": time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime())})
            if after_fault == "500-after":
                return self._json(500, {"error": {"message": "An unknown error has occurred.", "type": "OAuthException",
                                                  "code": 1, "is_transient": True}}, usage)
            if edge == "photos":
                return self._json(200, {"id": self._new_id(), "post_id": pid}, usage)
            return self._json(200, {"id": pid}, usage)
        if method == "GET" and edge == "posts" and node == PAGE_ID:
            since = int(seen.params.get("since", "0"))
            own = [p for p in reversed(st.fb_posts)
                   if time.mktime(time.strptime(p["created_time"], "%Y-%m-%dT%H:%M:%S+0000")) - time.timezone >= since]
            return self._json(200, {"data": own, "paging": {"cursors": {"before": "QVFI", "after": "QVFJ"}}}, usage)
        if method == "GET" and edge == "comments":
            comments = st.comments.get(node, [])
            start = int(seen.params.get("after", "0") or 0)
            size = min(int(seen.params.get("limit", "25")), st.page_size)
            chunk = comments[start:start + size]
            page: dict = {"data": chunk, "paging": {"cursors": {"before": str(start), "after": str(start + size)}}}
            if start + size < len(comments):
                page["paging"]["next"] = (f"https://graph.facebook.com/v21.0/{node}/comments?limit={size}"
                                          f"&after={start + size}")
            return self._json(200, page, usage)
        return self._json(400, {"error": {"message": f"Unsupported {method} request.", "type": "GraphMethodException",
                                          "code": 100}}, usage)


class StandIn(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int = 0):
        super().__init__(("127.0.0.1", port), Handler)
        self.state = State()
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> "StandIn":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def fault(self, method: str, path_prefix: str, what) -> None:
        with self.lock:
            self.state.faults.append((method, path_prefix, what))

    def add_reply(self, conversation_id: str, text: str, *, user: dict, reply_to: str | None = None,
                  created_at: str = "2026-12-06T09:12:30.000Z") -> dict:
        tid = str(int(conversation_id) + 1000 + len(self.state.replies.get(conversation_id, [])))
        post = {"id": tid, "text": text, "author_id": user["id"], "conversation_id": conversation_id,
                "created_at": created_at, "edit_history_tweet_ids": [tid], "lang": "ko",
                "referenced_tweets": [{"type": "replied_to", "id": reply_to or conversation_id}],
                "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 1, "quote_count": 0,
                                   "bookmark_count": 0, "impression_count": 40}}
        self.state.users[user["id"]] = user
        self.state.replies.setdefault(conversation_id, []).append(post)
        return post

    def add_comment(self, post_id: str, text: str, *, author: dict | None = None, parent: str | None = None,
                    created_time: str = "2026-12-06T09:20:00+0000") -> dict:
        cid = f"{post_id.split('_')[-1]}_{900 + len(self.state.comments.get(post_id, []))}"
        c = {"id": cid, "message": text, "created_time": created_time, "like_count": 0, "comment_count": 0}
        if author:
            c["from"] = author
        if parent:
            c["parent"] = {"id": parent}
        self.state.comments.setdefault(post_id, []).append(c)
        return c
