"""Conversation threads: a post and the replies and comments that answer it.

A thread is found from any of its items. Its root is the post that opened it: a Facebook
item's ``extra["thread"]`` (the importers write it on posts and comments), an X reply's
``extra["conversation_id"]``, else the top of its ``reply_to`` chain as far as the cache
holds it. The members are the root and everything below it along ``reply_to`` (indexed,
``items_reply_to``), plus replies that name the root as their thread or conversation but
whose parent is not in the cache. A Facebook comments response read without its paging
names its post by the post's object id (the part after the Page id), which counts too.
"""

from __future__ import annotations

import json
import sqlite3

MAX_ITEMS = 2000  # a thread longer than this is cut (and says so)
MAX_DEPTH = 30
_COLS = "id, source, source_id, t_ms, author, text, reply_to, extra, precision, lat, lon"


def _row(r: tuple) -> dict:
    d = dict(zip(("id", "source", "source_id", "t_ms", "author", "text", "reply_to", "extra", "precision", "lat",
                  "lon"), r))
    try:
        d["extra"] = json.loads(d["extra"]) if d["extra"] else {}
    except ValueError:
        d["extra"] = {}
    if not isinstance(d["extra"], dict):
        d["extra"] = {}
    return d


def root_of(conn: sqlite3.Connection, item: dict) -> str:
    """The source id of the post that opened ``item``'s conversation."""
    extra = item.get("extra") or {}
    for key in ("thread", "conversation_id"):
        v = extra.get(key)
        if isinstance(v, str) and v:
            return v
    sid, parent = item["source_id"], item.get("reply_to")
    seen = {sid}
    while parent and parent not in seen and len(seen) < MAX_DEPTH:
        seen.add(parent)
        r = conn.execute("SELECT source_id, reply_to FROM items WHERE source = ? AND source_id = ?",
                         (item["source"], parent)).fetchone()
        if r is None:
            return parent  # the parent is not in the cache: it is still the thread's top
        sid, parent = r
    return sid


def has_thread(item: dict | None) -> bool:
    """Whether an item can be part of a thread worth showing (a reply, a comment, a post
    that opened one). Cheap: looks at the item only."""
    if not item or item.get("kind") not in (None, "post"):
        return False
    extra = item.get("extra") if isinstance(item.get("extra"), dict) else {}
    return bool(item.get("reply_to") or extra.get("thread") or extra.get("conversation_id")
                or item.get("source") == "facebook")


def thread(conn: sqlite3.Connection, item_id: int) -> dict:
    """``{"root": source_id, "items": [row, …], "cut": bool}`` for the thread ``item_id`` is in.

    Rows are in conversation order (a depth-first walk, each level by time) with ``depth``
    (0 for the root; replies whose parent is missing hang under the root at depth 1).
    """
    r = conn.execute(f"SELECT {_COLS} FROM items WHERE id = ?", (int(item_id),)).fetchone()
    if r is None:
        return {"root": None, "items": [], "cut": False}
    item = _row(r)
    source = item["source"]
    root = root_of(conn, item)
    keys = {root}
    if source == "facebook" and "_" in root:
        keys.add(root.split("_", 1)[1])  # the post's object id, as a comments file names it
    rows: dict[str, dict] = {}
    rr = conn.execute(f"SELECT {_COLS} FROM items WHERE source = ? AND source_id = ?", (source, root)).fetchone()
    if rr is not None:
        rows[root] = _row(rr)
    frontier = list(keys)
    cut = False
    for _depth in range(MAX_DEPTH):
        if not frontier:
            break
        nxt = []
        for i in range(0, len(frontier), 500):
            part = frontier[i:i + 500]
            q = ",".join("?" * len(part))
            for rr in conn.execute(f"SELECT {_COLS} FROM items INDEXED BY items_reply_to "
                                   f"WHERE source = ? AND reply_to IN ({q}) AND reply_to IS NOT NULL",
                                   (source, *part)):
                d = _row(rr)
                if d["source_id"] not in rows:
                    rows[d["source_id"]] = d
                    nxt.append(d["source_id"])
        if len(rows) > MAX_ITEMS:
            cut = True
            break
        frontier = nxt
    # Replies that name the thread but whose parent the cache does not hold.
    if not cut:
        for rr in conn.execute(
                f"SELECT {_COLS} FROM items INDEXED BY items_reply_to WHERE source = ? AND reply_to IS NOT NULL "
                "AND extra IS NOT NULL AND (json_extract(extra, '$.thread') = ? "
                "OR json_extract(extra, '$.conversation_id') = ?) LIMIT ?", (source, root, root, MAX_ITEMS)):
            d = _row(rr)
            rows.setdefault(d["source_id"], d)
    return {"root": root, "items": _ordered(rows, root, keys)[:MAX_ITEMS], "cut": cut or len(rows) > MAX_ITEMS}


def _ordered(rows: dict[str, dict], root: str, keys: set[str]) -> list[dict]:
    children: dict[str, list[dict]] = {}
    orphans = []
    for d in rows.values():
        if d["source_id"] == root:
            continue
        parent = d.get("reply_to")
        if parent in keys:
            parent = root
        if parent in rows or parent == root:
            children.setdefault(parent, []).append(d)
        else:
            orphans.append(d)
    for lst in children.values():
        lst.sort(key=lambda d: (d["t_ms"], d["id"]))
    out: list[dict] = []

    def walk(sid: str, depth: int) -> None:
        if depth > MAX_DEPTH + 2:
            return
        for d in children.get(sid, ()):
            if len(out) > MAX_ITEMS:
                return
            out.append({**d, "depth": depth})
            walk(d["source_id"], depth + 1)

    if root in rows:
        out.append({**rows[root], "depth": 0})
    walk(root, 1)
    for d in sorted(orphans, key=lambda d: (d["t_ms"], d["id"])):
        out.append({**d, "depth": 1})
        walk(d["source_id"], 2)
    return out
