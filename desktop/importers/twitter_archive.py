"""X/Twitter account archives: ``data/tweets.js`` (older ``tweet.js``, large archives
``tweets-part1.js`` and on).

The file is JavaScript, ``window.YTD.tweets.part0 = [ {"tweet": {...}}, ... ]``
(older archives leave out the ``{"tweet": ...}`` wrapper). Everything up to the first
``[`` is dropped and the rest read as JSON; it is never evaluated. The tweets are
v1.1 objects with every number written as a string and no ``user``: the author comes
from ``--author-field`` or from ``account.js`` beside the file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterator

from desktop.importers import jsonfile, twitter_v1
from desktop.importers.base import ImportContext, ImportFailed, decode_utf8, read_bytes
from desktop.core.model import Record

NAME = "x-archive"

_HEADER = re.compile(r"\s*window\.YTD\.(\w+)\.part(\d+)\s*=\s*")
_POST_KINDS = frozenset(("tweets", "tweet"))
_ACCOUNT_MAX_BYTES = 1024 * 1024


def sniff(head: bytes, path: Path) -> int:
    """100 for an archive post file; 10 for another archive file (read() says why it is refused)."""
    m = _HEADER.match(jsonfile.head_text(head))
    if not m:
        return 0
    return 100 if m.group(1) in _POST_KINDS else 10


def read(path: Path, ctx: ImportContext) -> Iterator[Record]:
    """The archive's posts, in file order."""
    text = decode_utf8(path, read_bytes(path))
    m = _HEADER.match(text)
    if not m:
        raise ImportFailed(path, "not an archive file: it does not start with window.YTD.")
    if m.group(1) not in _POST_KINDS:
        raise ImportFailed(path, f"this archive file holds {m.group(1)!r} data, not posts (import data/tweets.js)")
    start = text.find("[", m.start(1))
    if start < 0:
        raise ImportFailed(path, "no '[' after the window.YTD header: the list of posts is missing")
    author, author_id = _account(path, ctx)
    for where, obj, raw in jsonfile.array_items(path, text, start, ctx):
        tw = obj.get("tweet", obj) if isinstance(obj, dict) else obj
        if not isinstance(tw, dict):
            ctx.skip(where, "not a JSON object")
            continue
        yield from twitter_v1.tweet_items(tw, ctx, where, raw, author=author, author_id=author_id)


def _account(path: Path, ctx: ImportContext) -> tuple[str | None, str | None]:
    # Archive posts name no author. The user may give one; otherwise account.js in the
    # same folder holds the account's username and id (other fields are not read).
    if ctx.options.author_field:
        ctx.note(f"archive posts carry no author: {ctx.options.author_field!r} was used as given")
        return ctx.options.author_field, None
    account = path.with_name("account.js")
    try:
        if account.stat().st_size <= _ACCOUNT_MAX_BYTES:
            text = account.read_bytes().decode("utf-8-sig")
            value, _ = json.JSONDecoder().raw_decode(text, text.index("["))
            acc = value[0]["account"]
            username, account_id = acc.get("username"), twitter_v1.id_of(acc, "accountId")
            if isinstance(username, str) and username:
                ctx.note(f"archive posts carry no author: @{username} was taken from {account.name}")
                return username, account_id
    except (OSError, UnicodeDecodeError, ValueError, LookupError, TypeError, AttributeError, RecursionError):
        pass
    ctx.note("archive posts carry no author and no usable account.js was found beside the file: "
             "the posts are stored without one (give it with --author-field)")
    return None, None
