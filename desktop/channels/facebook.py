"""The Graph API for a Facebook Page, with a Page access token (``Authorization: Bearer …``;
permissions ``pages_manage_posts`` to publish, ``pages_read_engagement`` and
``pages_read_user_content`` to read comments).

- ``POST /{page-id}/feed`` (form ``message``) → ``{"id": "{page-id}_{post-id}"}``.
- ``POST /{page-id}/photos`` (multipart ``source``, ``message``) → ``{"id": photo id, "post_id": …}``.
- ``GET /{page-id}/posts?fields=id,message,created_time&since=…`` — the Page's own recent posts,
  to find an appeal that was published but not recorded.
- ``GET /{post-id}/comments?fields=…&filter=stream&limit=100`` — every comment (replies to
  comments too, each with its ``parent``), paged by ``paging.cursors.after``; the pages are
  read by the Graph importer. A ``next`` URL is never followed as given: the cursor goes to
  the configured base, so a redirected answer cannot send the token elsewhere.
"""

from __future__ import annotations

import mimetypes
import os
import re
from pathlib import Path
from typing import Iterator

from desktop.channels.http import ChannelError, Http

DEFAULT_BASE = "https://graph.facebook.com/v21.0"
MAX_TEXT = 63206  # Graph's limit for a post's message
MAX_IMAGE_BYTES = 10 * 1024 * 1024
COMMENT_FIELDS = "id,message,created_time,from,parent{id},like_count,comment_count,permalink_url"
_ID = re.compile(r"\d{1,24}(_\d{1,24})?")


def base_url() -> str:
    return os.environ.get("SITMAP_GRAPH_API_BASE") or DEFAULT_BASE


def check_id(value: str, what: str) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise ChannelError(f"Facebook: {what} {value!r} is not a Graph id")
    return value


class FacebookClient:
    def __init__(self, token: str, page_id: str, *, base: str | None = None, **http_kw):
        self.page_id = check_id(page_id, "the Page id")
        self.http = Http("Facebook", base or base_url(), token=token, **http_kw)

    def close(self) -> None:
        self.http.close()

    def post(self, message: str) -> str:
        """Publish ``message`` on the Page; returns the post's id. Not retried once it may have reached Graph."""
        if not message.strip():
            raise ChannelError("Facebook: the post has no text")
        if len(message) > MAX_TEXT:
            raise ChannelError(f"Facebook: the post has {len(message)} characters, over {MAX_TEXT}")
        r = self.http.request("POST", f"/{self.page_id}/feed", form={"message": message}, what="publishing a post")
        pid = r.data.get("id") if isinstance(r.data, dict) else None
        if not isinstance(pid, str) or not _ID.fullmatch(pid):
            raise ChannelError("Facebook: publishing answered without the post's id (it may have been published)",
                               transient=True)
        return pid

    def post_photo(self, message: str, path: str | Path) -> str:
        p = Path(path)
        try:
            size = p.stat().st_size
        except OSError as exc:
            raise ChannelError(f"Facebook: cannot read the image {p}: {exc.strerror or exc}") from None
        if size > MAX_IMAGE_BYTES:
            raise ChannelError(f"Facebook: the image {p} is {size} bytes, over {MAX_IMAGE_BYTES}")
        mime = mimetypes.guess_type(p.name)[0] or "application/octet-stream"
        if not mime.startswith("image/"):
            raise ChannelError(f"Facebook: {p} is not an image")
        with open(p, "rb") as fh:
            r = self.http.request("POST", f"/{self.page_id}/photos", form={"message": message},
                                  files={"source": (p.name, fh, mime)}, what="publishing a photo post")
        data = r.data if isinstance(r.data, dict) else {}
        pid = data.get("post_id") or data.get("id")
        if not isinstance(pid, str) or not _ID.fullmatch(pid):
            raise ChannelError("Facebook: publishing answered without the post's id (it may have been published)",
                               transient=True)
        return pid if "_" in pid else f"{self.page_id}_{pid}"

    def own_recent(self, since_epoch: int) -> list[dict]:
        r = self.http.request("GET", f"/{self.page_id}/posts",
                              params={"fields": "id,message,created_time", "since": int(since_epoch), "limit": 100},
                              what="the Page's recent posts")
        data = r.data.get("data") if isinstance(r.data, dict) else None
        return [p for p in data if isinstance(p, dict)] if isinstance(data, list) else []

    def comments(self, post_id: str, *, max_pages: int = 50) -> Iterator[dict]:
        """The comments pages of one post, each ``{"data": [...], "paging": {...}}``."""
        check_id(post_id, "the post id")
        params: dict = {"fields": COMMENT_FIELDS, "filter": "stream", "limit": 100}
        for _ in range(max_pages):
            r = self.http.request("GET", f"/{post_id}/comments", params=params, what="reading the comments")
            page = r.data if isinstance(r.data, dict) else {}
            yield page
            paging = page.get("paging") if isinstance(page.get("paging"), dict) else {}
            cursors = paging.get("cursors") if isinstance(paging.get("cursors"), dict) else {}
            after = cursors.get("after")
            if not paging.get("next") or not isinstance(after, str) or not after:
                return
            params = {**params, "after": after}
