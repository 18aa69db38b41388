"""Appeals for help: composed, kept as drafts, queued while offline, published exactly once
through a configured account, and answered.

States: ``draft`` (being written) → ``queued`` (ready; waits for a publish) → ``sending``
(written before the request leaves) → ``sent`` (the service's id is recorded, then the
state) — or back to ``queued`` with the error when the network or the service failed.
``failed`` is an appeal given up (:func:`give_up`), kept for the record.

Exactly once: a request that timed out or got a 5xx may still have been published, and a
crash can leave an appeal ``sending``. So before an appeal that was tried before is sent
again, the account's own recent posts are searched for its text (links aside, as X
rewrites them), from its first attempt on; a post found is recorded as the appeal's and
nothing is sent. ``client_key`` (made with the appeal) names the appeal in the audit
trail and in the messages.

Publishing is never automatic: :func:`publish` takes the exact text and account the user
confirmed and refuses when they differ from what would be sent. Replies are collected by
:func:`collect` (X: the search by ``conversation_id``; Facebook: the post's comments) into
items of the cache, through the importers' own conversion and the geoparser, and linked
to the appeal (``appeal_responses``). Each publication attempt and each collection is
handed to ``record(action, objects, detail)`` for the audit trail.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
import uuid
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from desktop.channels.accounts import Account
from desktop.channels.http import ChannelError
from desktop.core.errors import SitmapError

STATES = ("draft", "queued", "sending", "sent", "failed")
SMART_TIP_APP = "스마트 국민제보"  # the police's tip app ("목격자를 찾습니다"): an appeal may point people there
LOOKBACK_MS = 2 * 60_000  # own posts searched from this long before the first attempt (clock skew)
Record = Callable[[str, dict, dict], None]


class AppealError(SitmapError):
    pass


@dataclass
class Appeal:
    id: int
    state: str
    text_ko: str
    text_en: str
    image_path: str | None
    area: str | None
    hashtag: str | None
    channel: str
    account: str
    client_key: str
    remote_id: str | None
    remote_url: str | None
    error: str | None
    attempts: int
    created_ms: int
    created_by: str
    updated_ms: int
    sent_ms: int | None
    collected_ms: int | None

    @property
    def text(self) -> str:
        """What is published: the Korean text, the English text, the hashtag (once)."""
        return compose(self.text_ko, self.text_en, self.hashtag)

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)} | {"text": self.text}


_COLS = ", ".join(f.name for f in fields(Appeal))


def now_ms() -> int:
    return int(time.time() * 1000)


def compose(text_ko: str, text_en: str, hashtag: str | None) -> str:
    parts = [t.strip() for t in (text_ko or "", text_en or "") if t and t.strip()]
    text = "\n\n".join(parts)
    tag = (hashtag or "").strip().lstrip("#＃")
    if tag and f"#{tag}".casefold() not in text.casefold():
        text = f"{text} #{tag}" if text else f"#{tag}"
    return text


def _row(r: tuple | None) -> Appeal | None:
    return Appeal(*r) if r is not None else None


def get(conn: sqlite3.Connection, appeal_id: int) -> Appeal:
    a = _row(conn.execute(f"SELECT {_COLS} FROM appeals WHERE id = ?", (int(appeal_id),)).fetchone())
    if a is None:
        raise AppealError(f"no appeal {appeal_id} in the cache (sitmap appeal list)")
    return a


def list_appeals(conn: sqlite3.Connection, states: tuple[str, ...] | None = None) -> list[Appeal]:
    rows = conn.execute(f"SELECT {_COLS} FROM appeals ORDER BY id").fetchall()
    out = [Appeal(*r) for r in rows]
    return [a for a in out if states is None or a.state in states]


def responses(conn: sqlite3.Connection, appeal_id: int) -> list[int]:
    return [r[0] for r in conn.execute("SELECT item_id FROM appeal_responses WHERE appeal_id = ? ORDER BY item_id",
                                       (int(appeal_id),))]


def _check_text(channel: str, text: str) -> None:
    if channel == "x":
        from desktop.channels.x import check_text

        check_text(text)
    elif not text.strip():
        raise ChannelError("Facebook: the post has no text")


def add(conn: sqlite3.Connection, *, text_ko: str, text_en: str = "", account: Account, by: str,
        image_path: str | None = None, area: str | None = None, hashtag: str | None = None,
        queue: bool = False) -> Appeal:
    """A new appeal (a draft, or queued at once with ``queue``)."""
    if not by or not by.strip():
        raise AppealError("say who writes the appeal (--by or the session's operator)")
    if not (text_ko or "").strip() and not (text_en or "").strip():
        raise AppealError("the appeal has no text")
    if image_path:
        p = Path(image_path)
        if not p.is_file():
            raise AppealError(f"{p}: no such image file")
        image_path = str(p.resolve())
    tag = (hashtag or "").strip().lstrip("#＃") or None
    if tag and not re.fullmatch(r"[\w\u00b7]+", tag):
        raise AppealError(f"hashtag {hashtag!r}: letters and digits only")
    _check_text(account.channel, compose(text_ko, text_en, tag))
    t = now_ms()
    with conn:
        cur = conn.execute(
            "INSERT INTO appeals (state, text_ko, text_en, image_path, area, hashtag, channel, account, client_key, "
            "created_ms, created_by, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ("queued" if queue else "draft", (text_ko or "").strip(), (text_en or "").strip(), image_path,
             area or None, tag, account.channel, account.name, uuid.uuid4().hex, t, by.strip(), t))
    return get(conn, cur.lastrowid)


def queue(conn: sqlite3.Connection, appeal_id: int) -> Appeal:
    a = get(conn, appeal_id)
    if a.state == "queued":
        return a
    if a.state != "draft":
        raise AppealError(f"appeal {a.id} is {a.state}: only a draft can be queued")
    _check_text(a.channel, a.text)
    _set(conn, a.id, state="queued")
    return get(conn, a.id)


def give_up(conn: sqlite3.Connection, appeal_id: int, reason: str) -> Appeal:
    a = get(conn, appeal_id)
    if a.state not in ("draft", "queued"):
        raise AppealError(f"appeal {a.id} is {a.state}: only a draft or a queued appeal can be given up")
    _set(conn, a.id, state="failed", error=reason or "given up")
    return get(conn, a.id)


def _set(conn: sqlite3.Connection, appeal_id: int, **values: Any) -> None:
    cols = ", ".join(f"{k} = ?" for k in values)
    with conn:
        conn.execute(f"UPDATE appeals SET {cols}, updated_ms = ? WHERE id = ?", (*values.values(), now_ms(), appeal_id))


# -- publishing -------------------------------------------------------------------------------
def confirmation(a: Appeal, account: Account) -> str:
    """What the user must see before publishing: the account and the exact text."""
    image = f"\nImage: {a.image_path}" if a.image_path else ""
    return f"Publish appeal {a.id} as {account.shown()}:\n\n{a.text}{image}"


def publish(conn: sqlite3.Connection, appeal_id: int, client, account: Account, *, confirmed_text: str,
            confirmed_account: str, record: Record | None = None) -> Appeal:
    """Publish a queued (or draft) appeal once. ``confirmed_text`` and ``confirmed_account``
    are what the user was shown and agreed to; they must be exactly what goes out.

    A network or service error leaves the appeal queued with the error (and raises nothing:
    the returned appeal says so); a post found among the account's own posts from an
    earlier attempt is recorded instead of sending again."""
    a = get(conn, appeal_id)
    if a.state in ("sent", "failed"):
        raise AppealError(f"appeal {a.id} is already {a.state}" + (f" ({a.remote_id})" if a.remote_id else ""))
    if account.name != a.account or account.channel != a.channel:
        raise AppealError(f"appeal {a.id} goes out through {a.account} ({a.channel}), not {account.name}")
    if confirmed_account != a.account or confirmed_text != a.text:
        raise AppealError(f"appeal {a.id}: the text or account confirmed is not what would be published; "
                          "show it again and confirm")
    _check_text(a.channel, a.text)
    rec = record or (lambda *_: None)
    objects = {"appeal": a.id, "channel": a.channel, "account": a.account}
    if a.attempts > 0 or a.state == "sending":
        try:
            found = find_published(client, a)
        except ChannelError as exc:
            _set(conn, a.id, state="queued", error=f"could not check whether an earlier attempt was published: {exc}")
            rec("disclose", objects, {"client_key": a.client_key, "outcome": "queued", "error": str(exc),
                                      "check": "own posts"})
            return get(conn, a.id)
        if found is not None:
            _sent(conn, a, found, account)
            rec("disclose", objects | {"remote_id": found}, {"client_key": a.client_key, "outcome": "sent",
                                                             "found": "among the account's own posts"})
            return get(conn, a.id)
    with conn:  # written before the request leaves, so a crash is seen as 'sending' on restart
        conn.execute("UPDATE appeals SET state = 'sending', attempts = attempts + 1, updated_ms = ? WHERE id = ?",
                     (now_ms(), a.id))
    try:
        remote = _send(client, a)
    except ChannelError as exc:
        _set(conn, a.id, state="queued", error=str(exc))
        rec("disclose", objects, {"client_key": a.client_key, "outcome": "queued", "attempt": a.attempts + 1,
                                  "error": str(exc)})
        return get(conn, a.id)
    _sent(conn, a, remote, account)
    rec("disclose", objects | {"remote_id": remote}, {"client_key": a.client_key, "outcome": "sent",
                                                      "attempt": a.attempts + 1})
    return get(conn, a.id)


def _send(client, a: Appeal) -> str:
    if a.channel == "x":
        media = (client.upload_image(a.image_path),) if a.image_path else ()
        return client.post(a.text, media_ids=media)["id"]
    if a.image_path:
        return client.post_photo(a.text, a.image_path)
    return client.post(a.text)


def _sent(conn: sqlite3.Connection, a: Appeal, remote_id: str, account: Account) -> None:
    url = (f"https://x.com/i/web/status/{remote_id}" if a.channel == "x"
           else f"https://www.facebook.com/{remote_id}")
    if account.base_url:
        url = None  # a stand-in service: there is no public page to point at
    with conn:  # the id first: an appeal never says sent without the id that proves it
        conn.execute("UPDATE appeals SET remote_id = ?, remote_url = ?, error = NULL, updated_ms = ? WHERE id = ?",
                     (remote_id, url, now_ms(), a.id))
    with conn:
        conn.execute("UPDATE appeals SET state = 'sent', sent_ms = ?, updated_ms = ? WHERE id = ?",
                     (now_ms(), now_ms(), a.id))


def _same(a: str, b: str) -> bool:
    def norm(s: str) -> str:
        return " ".join(re.sub(r"https?://\S+", "", s or "").split())
    return norm(a) == norm(b)


def find_published(client, a: Appeal) -> str | None:
    """The id of a post of the account that is this appeal (same text, since its first
    attempt), or None."""
    since_ms = a.created_ms - LOOKBACK_MS
    if a.channel == "x":
        me = client.me()
        start = datetime.fromtimestamp(since_ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        for t in client.own_recent(me["id"], start):
            if _same(t.get("text") or "", a.text) and isinstance(t.get("id"), str):
                return t["id"]
        return None
    for p in client.own_recent(since_ms // 1000):
        if _same(p.get("message") or "", a.text) and isinstance(p.get("id"), str):
            return p["id"]
    return None


def recover(conn: sqlite3.Connection, client_for: Callable[[Appeal], Any],
            record: Record | None = None) -> list[Appeal]:
    """At start: appeals left ``sending`` by a crash are checked against the account's own
    posts — recorded as sent when found, queued again (to be sent on the next publish,
    which checks once more) when not."""
    out = []
    rec = record or (lambda *_: None)
    for a in list_appeals(conn, ("sending",)):
        try:
            client = client_for(a)
            found = find_published(client, a)
        except (ChannelError, SitmapError) as exc:
            _set(conn, a.id, state="queued", error=f"interrupted while sending; not checked yet: {exc}")
            out.append(get(conn, a.id))
            continue
        objects = {"appeal": a.id, "channel": a.channel, "account": a.account}
        if found is not None:
            from desktop.channels.accounts import get as get_account

            _sent(conn, a, found, get_account(a.account))
            rec("disclose", objects | {"remote_id": found},
                {"client_key": a.client_key, "outcome": "sent", "found": "among the account's own posts"})
        else:
            _set(conn, a.id, state="queued", error="interrupted while sending; not among the account's posts, "
                                                   "so it will be sent on the next publish")
        out.append(get(conn, a.id))
    return out


# -- collecting the answers -------------------------------------------------------------------
@dataclass
class Collected:
    appeal: Appeal
    pages: int
    new: int
    linked: int
    skipped: int
    placed: str | None

    def line(self) -> str:
        s = f"appeal {self.appeal.id}: {self.linked} response(s) linked ({self.new} new in the cache"
        s += f", {self.skipped} skipped)" if self.skipped else ")"
        return s + (f"; geoparser: {self.placed}" if self.placed else "")


def collect(cache, appeal_id: int, client, *, operator: str | None, purpose: str | None,
            case_ref: str | None = None, record: Record | None = None) -> Collected:
    """Read the replies to a sent appeal into the cache (one batch), place them from their
    text, link them to the appeal. A failed request stores nothing and raises ChannelError."""
    from desktop.cache.writer import write_records
    from desktop.core import purposes
    from desktop.importers.base import ImportContext

    conn = cache.conn
    a = get(conn, appeal_id)
    if a.state != "sent" or not a.remote_id:
        raise AppealError(f"appeal {a.id} is {a.state}: replies are collected once it is sent")
    purposes.require(purpose, f"collecting the replies to appeal {a.id}", case_ref)
    label = f"appeal {a.id} replies ({a.channel} {a.remote_id})"
    ctx = ImportContext(path=Path(label))
    pages = list(_pages(client, a))  # every request first: a failure stores nothing
    items = list(_items(a, pages, ctx))
    sids = [it.source_id for it in items]
    placed: list[str] = []

    def geoparse(c, batch_id: int) -> None:
        from desktop.geoparse.run import place_batch

        summary, error = place_batch(c, batch_id)
        if error:
            placed.append(error)
        elif summary is not None and summary.posts:
            placed.append(summary.line())

    stats = write_records(cache, items, path=label, fmt="x-v2" if a.channel == "x" else "facebook-graph",
                          notes=lambda: ctx.notes, skipped=lambda: ctx.skipped, operator=operator, purpose=purpose,
                          case_ref=case_ref, after_batch=geoparse)
    source = "x" if a.channel == "x" else "facebook"
    linked = 0
    with conn:
        for k in range(0, len(sids), 500):
            part = sids[k:k + 500]
            q = ",".join("?" * len(part))
            linked += conn.execute(f"INSERT OR IGNORE INTO appeal_responses (appeal_id, item_id) SELECT ?, id "
                                   f"FROM items WHERE source = ? AND source_id IN ({q})", (a.id, source, *part)).rowcount
        conn.execute("UPDATE appeals SET collected_ms = ?, updated_ms = ? WHERE id = ?", (now_ms(), now_ms(), a.id))
    total = len(responses(conn, a.id))
    batch = conn.execute("SELECT max(id) FROM batches WHERE path = ?", (label,)).fetchone()[0]
    (record or (lambda *_: None))("collect", {"appeal": a.id, "channel": a.channel, "remote_id": a.remote_id,
                                              "batch": batch},
                                  {"new": stats.accepted, "linked": linked, "responses": total, "pages": len(pages),
                                   "skipped": ctx.skipped})
    return Collected(get(conn, a.id), len(pages), stats.accepted, total, ctx.skipped, "; ".join(placed) or None)


def _pages(client, a: Appeal) -> Iterator[dict]:
    if a.channel == "x":
        yield from client.conversation(a.remote_id)
    else:
        yield from client.comments(a.remote_id)


def _items(a: Appeal, pages: list[dict], ctx) -> Iterator:
    if a.channel == "x":
        from desktop.importers.twitter_v2 import record_items

        for n, page in enumerate(pages, 1):
            for it in record_items(page, json.dumps(page), f"page {n}", ctx):
                if it.source_id != a.remote_id:  # the appeal itself is not its own answer
                    yield it
    else:
        from desktop.importers.facebook_graph import comment_page_items

        for n, page in enumerate(pages, 1):
            yield from comment_page_items(page, a.remote_id, f"page {n}", ctx)
