"""A cache's summary for `sitmap stats` (and the window's status line)."""

from __future__ import annotations

import sqlite3

from desktop.core.timefmt import fmt, iso_utc


def summary(conn: sqlite3.Connection) -> dict:
    q = lambda sql, *a: conn.execute(sql, a).fetchall()  # noqa: E731
    span = q("SELECT min(t_ms), max(t_ms), count(*) FROM items")[0]
    return {
        "items": span[2],
        "first_ms": span[0],
        "last_ms": span[1],
        "by_kind": dict(q("SELECT kind, count(*) FROM items GROUP BY kind")),
        "by_source": dict(q("SELECT source, count(*) FROM items GROUP BY source ORDER BY 2 DESC")),
        "by_precision": dict(q("SELECT precision, count(*) FROM items GROUP BY precision ORDER BY 2 DESC")),
        "top_hashtags": q("SELECT tag, count(*) FROM item_tags GROUP BY tag ORDER BY 2 DESC, 1 LIMIT 10"),
        "units": q("SELECT count(*) FROM units")[0][0],
        "batches": q("SELECT count(*) FROM batches")[0][0],
        "areas": q("SELECT count(*) FROM areas")[0][0],
    }


def format_summary(s: dict, path: str) -> str:
    lines = [f"cache: {path}", f"items: {s['items']}"]
    if s["items"]:
        lines.append(f"span:  {fmt(s['first_ms'])} – {fmt(s['last_ms'])}  ({iso_utc(s['first_ms'])} – {iso_utc(s['last_ms'])})")
    for key, label in (("by_kind", "kinds"), ("by_source", "sources"), ("by_precision", "precision")):
        if s[key]:
            lines.append(f"{label}: " + ", ".join(f"{k} {v}" for k, v in s[key].items()))
    if s["top_hashtags"]:
        lines.append("top hashtags: " + ", ".join(f"#{t} {n}" for t, n in s["top_hashtags"]))
    lines.append(f"units: {s['units']}   imports: {s['batches']}   saved areas: {s['areas']}")
    return "\n".join(lines)
