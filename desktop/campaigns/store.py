"""Campaign definitions in the cache's ``campaigns`` table: add, update, remove, get, list.

A campaign is a name, the hashtags and keywords that make a post part of it (a post with
any of the hashtags or any of the keywords in its text), a period ``[from_ms, to_ms)`` and
optionally areas: saved areas by name (``{"saved": name}``) and built-in KOSTAT districts
by code (``{"district": code}``). Everything is checked before anything is written; a bad
value raises :class:`CampaignError` naming it and the cache is left as it was. A change can
stage its audit entry (``audit=``, :mod:`desktop.cache.outbox`) in its own transaction.
"""

from __future__ import annotations

import json
import sqlite3
import time
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from desktop.cache.db import Cache, explain
from desktop.cache.outbox import Staged, stage
from desktop.core.errors import SitmapError
from desktop.core.model import normalise_tag

MAX_NAME = 100
MAX_TERMS = 50


class CampaignError(SitmapError, ValueError):
    """A campaign that cannot be defined as given (a bad name, period, hashtag or area), or
    one that does not exist."""


@dataclass(frozen=True)
class Campaign:
    name: str
    hashtags: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    from_ms: int = 0
    to_ms: int = 0
    areas: tuple[tuple[str, str], ...] = ()  # ("saved", name) or ("district", code)
    created_by: str | None = None
    created_ms: int = 0
    updated_ms: int | None = None
    id: int | None = field(default=None, compare=False)

    def to_json(self) -> dict:
        """The definition as plain JSON values (what ``sitmap campaign show`` and reports print)."""
        return {"name": self.name, "hashtags": list(self.hashtags), "keywords": list(self.keywords),
                "from_ms": self.from_ms, "to_ms": self.to_ms,
                "areas": [{kind: value} for kind, value in self.areas],
                "created_by": self.created_by, "created_ms": self.created_ms, "updated_ms": self.updated_ms}


def _clean_text(value: str, what: str, limit: int) -> str:
    s = unicodedata.normalize("NFC", str(value)).strip()
    if not s:
        raise CampaignError(f"{what}: empty")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in s):
        raise CampaignError(f"{what} {s[:40]!r}: control characters are not allowed")
    if len(s) > limit:
        raise CampaignError(f"{what} {s[:40]!r}…: longer than {limit} characters")
    return s


def clean_name(name: str) -> str:
    return _clean_text(name, "campaign name", MAX_NAME)


def clean_hashtags(tags: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for t in tags:
        n = normalise_tag(_clean_text(t, "hashtag", 100))
        if not n or any(c.isspace() or c == "#" for c in n):
            raise CampaignError(f"hashtag {t!r}: one word, without spaces")
        if n not in out:
            out.append(n)
    if len(out) > MAX_TERMS:
        raise CampaignError(f"at most {MAX_TERMS} hashtags")
    return tuple(out)


def clean_keywords(words: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for w in words:
        k = _clean_text(w, "keyword", 100)
        if k not in out:
            out.append(k)
    if len(out) > MAX_TERMS:
        raise CampaignError(f"at most {MAX_TERMS} keywords")
    return tuple(out)


def clean_areas(conn: sqlite3.Connection, areas: Iterable) -> tuple[tuple[str, str], ...]:
    """``areas`` as (kind, value) pairs: ``("saved", name)`` must be a saved area,
    ``("district", code-or-name)`` a built-in district (stored by its code). A bare string is
    a saved area when one has that name, else a district."""
    from desktop.core import kostat
    from desktop.core.geo import GeoError

    out: list[tuple[str, str]] = []
    for a in areas:
        if isinstance(a, dict) and len(a) == 1:
            a = next(iter(a.items()))
        if isinstance(a, str):
            a = ("saved", a) if conn.execute("SELECT 1 FROM areas WHERE name = ?", (a,)).fetchone() else ("district", a)
        kind, value = a
        value = _clean_text(value, "area", 200)
        if kind == "saved":
            if not conn.execute("SELECT 1 FROM areas WHERE name = ?", (value,)).fetchone():
                raise CampaignError(f"area {value!r}: no saved area has that name")
        elif kind == "district":
            try:
                value = kostat.resolve(value)["code"]
            except GeoError as exc:
                raise CampaignError(f"area: {exc}") from None
        else:
            raise CampaignError(f"area kind {kind!r}: 'saved' or 'district'")
        if (kind, value) not in out:
            out.append((kind, value))
    return tuple(out)


def _check_period(from_ms: int, to_ms: int) -> None:
    if not isinstance(from_ms, int) or not isinstance(to_ms, int) or isinstance(from_ms, bool):
        raise CampaignError("the period's times are whole milliseconds")
    if to_ms <= from_ms:
        raise CampaignError("the period ends before it starts (--to must be after --from)")


def _row(r: tuple) -> Campaign:
    (cid, name, tags, words, f, t, areas, by, created, updated) = r
    return Campaign(name=name, hashtags=tuple(json.loads(tags)), keywords=tuple(json.loads(words)), from_ms=f,
                    to_ms=t, areas=tuple((k, v) for a in json.loads(areas) for k, v in a.items()), created_by=by,
                    created_ms=created, updated_ms=updated, id=cid)


_COLS = "id, name, hashtags, keywords, from_ms, to_ms, areas, created_by, created_ms, updated_ms"


@contextmanager
def _txn(cache: Cache) -> Iterator[sqlite3.Connection]:
    if cache.conn.in_transaction:
        yield cache.conn
    else:
        with cache.transaction() as conn:
            yield conn


def _areas_json(areas) -> str:
    return json.dumps([{k: v} for k, v in areas], ensure_ascii=False)


def add(cache: Cache, name: str, *, hashtags: Iterable[str] = (), keywords: Iterable[str] = (), from_ms: int,
        to_ms: int, areas: Iterable = (), by: str | None = None, audit: Staged | None = None) -> Campaign:
    """Define a campaign. Raises CampaignError (a name in use, no hashtag or keyword, a bad period or area)."""
    name = clean_name(name)
    tags, words = clean_hashtags(hashtags), clean_keywords(keywords)
    if not tags and not words:
        raise CampaignError(f"campaign {name!r}: give at least one hashtag or keyword")
    _check_period(from_ms, to_ms)
    try:
        with _txn(cache) as conn:
            where = clean_areas(conn, areas)
            if conn.execute("SELECT 1 FROM campaigns WHERE name = ?", (name,)).fetchone():
                raise CampaignError(f"a campaign named {name!r} exists already (edit or remove it)")
            now = int(time.time() * 1000)
            cid = conn.execute(
                "INSERT INTO campaigns (name, hashtags, keywords, from_ms, to_ms, areas, created_by, created_ms) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (name, json.dumps(tags, ensure_ascii=False), json.dumps(words, ensure_ascii=False), from_ms, to_ms,
                 _areas_json(where), by, now)).lastrowid
            c = Campaign(name, tags, words, from_ms, to_ms, where, by, now, None, cid)
            if audit is not None:
                stage(conn, audit, objects={"campaign": name}, detail={"change": "campaign add", **_detail(c)})
    except sqlite3.Error as exc:
        raise explain(cache.path, exc) from None
    return c


def _detail(c: Campaign) -> dict:
    d = c.to_json()
    return {k: d[k] for k in ("hashtags", "keywords", "from_ms", "to_ms", "areas")}


def update(cache: Cache, name: str, *, new_name: str | None = None, hashtags: Iterable[str] | None = None,
           keywords: Iterable[str] | None = None, from_ms: int | None = None, to_ms: int | None = None,
           areas: Iterable | None = None, audit: Staged | None = None) -> Campaign:
    """Change a campaign's fields (those given). Raises CampaignError."""
    try:
        with _txn(cache) as conn:
            old = get(conn, name)
            c = Campaign(
                name=clean_name(new_name) if new_name is not None else old.name,
                hashtags=clean_hashtags(hashtags) if hashtags is not None else old.hashtags,
                keywords=clean_keywords(keywords) if keywords is not None else old.keywords,
                from_ms=old.from_ms if from_ms is None else from_ms, to_ms=old.to_ms if to_ms is None else to_ms,
                areas=clean_areas(conn, areas) if areas is not None else old.areas, created_by=old.created_by,
                created_ms=old.created_ms, updated_ms=int(time.time() * 1000), id=old.id)
            if not c.hashtags and not c.keywords:
                raise CampaignError(f"campaign {c.name!r}: give at least one hashtag or keyword")
            _check_period(c.from_ms, c.to_ms)
            if c.name != old.name and conn.execute("SELECT 1 FROM campaigns WHERE name = ?", (c.name,)).fetchone():
                raise CampaignError(f"a campaign named {c.name!r} exists already")
            conn.execute("UPDATE campaigns SET name = ?, hashtags = ?, keywords = ?, from_ms = ?, to_ms = ?, areas = ?, "
                         "updated_ms = ? WHERE id = ?",
                         (c.name, json.dumps(c.hashtags, ensure_ascii=False), json.dumps(c.keywords, ensure_ascii=False),
                          c.from_ms, c.to_ms, _areas_json(c.areas), c.updated_ms, old.id))
            if audit is not None:
                det = {"change": "campaign edit", **_detail(c)}
                if c.name != old.name:
                    det["renamed_from"] = old.name
                stage(conn, audit, objects={"campaign": c.name}, detail=det)
    except sqlite3.Error as exc:
        raise explain(cache.path, exc) from None
    return c


def remove(cache: Cache, name: str, *, audit: Staged | None = None) -> Campaign:
    """Remove a campaign's definition (its posts stay). Raises CampaignError when there is none."""
    try:
        with _txn(cache) as conn:
            c = get(conn, name)
            conn.execute("DELETE FROM campaigns WHERE id = ?", (c.id,))
            if audit is not None:
                stage(conn, audit, objects={"campaign": c.name}, detail={"change": "campaign remove"})
    except sqlite3.Error as exc:
        raise explain(cache.path, exc) from None
    return c


def get(conn: sqlite3.Connection, name: str) -> Campaign:
    r = conn.execute(f"SELECT {_COLS} FROM campaigns WHERE name = ?",
                     (unicodedata.normalize("NFC", str(name)).strip(),)).fetchone()
    if r is None:
        names = [n for (n,) in conn.execute("SELECT name FROM campaigns ORDER BY name LIMIT 20")]
        hint = f" (there are: {', '.join(names)})" if names else " (none is defined: sitmap campaign add)"
        raise CampaignError(f"no campaign named {name!r}{hint}")
    return _row(r)


def list_campaigns(conn: sqlite3.Connection) -> list[Campaign]:
    """Every campaign, the latest period first."""
    try:
        rows = conn.execute(f"SELECT {_COLS} FROM campaigns ORDER BY from_ms DESC, name").fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):  # a read-only cache of an older schema
            return []
        raise
    return [_row(r) for r in rows]
