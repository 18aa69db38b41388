"""One HTTP layer for the channel clients.

Every request has a connect and a read timeout. A GET is retried with exponential backoff
on a timeout, a dropped connection or a 5xx answer; a POST only when it cannot have
reached the service (the connection was refused or never made) or when the service said
429 (it did nothing), because a post that timed out may have been published: the appeal
logic checks before sending again. Rate limits are honoured before and after a request:
X says ``x-rate-limit-remaining`` and ``x-rate-limit-reset`` (epoch seconds); Graph says
``x-app-usage`` (and ``x-page-usage``), a JSON object of percentages of its hourly budget.
A wait longer than ``max_wait`` is not slept through: it is an error naming the time.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlencode

import requests
from urllib3.exceptions import NewConnectionError

from desktop.core.errors import SitmapError

DEFAULT_TIMEOUT = (5.0, 30.0)  # connect, read (seconds)
USER_AGENT = "Sitmap/0.1 (public channel)"
GRAPH_LIMIT_PCT = 100  # x-app-usage at this share of the hourly budget: stop calling
GRAPH_COOLDOWN_S = 300.0  # then wait this long before the next call (Graph gives no reset time)


class ChannelError(SitmapError):
    """A request to a service that did not work; the message says which and why."""

    def __init__(self, message: str, *, status: int | None = None, transient: bool = False,
                 retry_at: float | None = None):
        super().__init__(message)
        self.status = status
        self.transient = transient  # a network or service fault: the same request may work later
        self.retry_at = retry_at  # epoch seconds a rate limit lifts, when known


class RateLimited(ChannelError):
    pass


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    data: Any = None  # the decoded JSON body


@dataclass
class Limits:
    """What the service last said about its rate limits."""

    remaining: int | None = None
    reset_at: float | None = None  # epoch seconds
    usage_pct: float | None = None  # Graph: the highest share of x-app-usage / x-page-usage
    blocked_until: float | None = None
    notes: list[str] = field(default_factory=list)


class Http:
    """Requests to one service (``name`` is how messages call it: "X", "Facebook")."""

    def __init__(self, name: str, base_url: str, *, token: str | None = None, timeout=DEFAULT_TIMEOUT,
                 retries: int = 3, backoff: float = 0.5, max_wait: float = 60.0,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.time):
        if not base_url.startswith(("https://", "http://127.", "http://localhost", "http://[::1]")):
            raise ChannelError(f"{name}: the base URL {base_url!r} is not https (plain http only on loopback)")
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.sleep = sleep
        self.clock = clock
        self.limits = Limits()
        self.session = requests.Session()
        self.session.trust_env = False  # no proxy or .netrc credentials picked up behind the user's back

    def close(self) -> None:
        self.session.close()

    # -- the request ------------------------------------------------------------------------
    def request(self, method: str, path: str, *, params: dict | None = None, json_body: Any = None,
                form: dict | None = None, files: dict | None = None, what: str | None = None) -> Response:
        """Send one request and return its decoded answer (2xx with a JSON body), or raise
        :class:`ChannelError`. ``what`` names the request in messages (default METHOD path)."""
        label = f"{self.name}: {what or (method + ' ' + path)}"
        url = self.base_url + path
        if params:
            url += "?" + urlencode(params, safe=":,")
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body: bytes | None = None
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            headers["Content-Type"] = "application/json"
        elif form is not None and files is None:
            body = urlencode(form).encode("ascii")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        attempt = 0
        while True:
            self._wait_for_limits(label)
            attempt += 1
            try:
                r = self.session.request(method, url, data=body if files is None else form, files=files,
                                         headers=headers, timeout=self.timeout, allow_redirects=False)
            except requests.exceptions.RequestException as exc:
                sent = not _never_sent(exc)
                why = _network_reason(exc)
                if attempt <= self.retries and (method == "GET" or not sent):
                    self.sleep(self.backoff * 2 ** (attempt - 1))
                    continue
                raise ChannelError(f"{label}: {why}" + ("" if method == "GET" or not sent else
                                   " (it may have reached the service)"), transient=True) from None
            resp = Response(r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.content)
            self._note_limits(resp)
            if r.status_code == 429:
                wait = self._retry_after(resp)
                if attempt <= self.retries and wait is not None and wait <= self.max_wait:
                    self.sleep(max(wait, 0.0))
                    self.limits.remaining = None  # the wait was for this reset
                    continue
                at = self.clock() + wait if wait is not None else None
                raise RateLimited(f"{label}: rate limit reached" + (f"; try again after {_hhmm(at)}" if at else ""),
                                  status=429, transient=True, retry_at=at)
            if 500 <= r.status_code < 600:
                if attempt <= self.retries and method == "GET":
                    self.sleep(self.backoff * 2 ** (attempt - 1))
                    continue
                raise ChannelError(f"{label}: the service failed ({r.status_code}{_reason(r)})"
                                   + (" (it may have reached the service)" if method != "GET" else ""),
                                   status=r.status_code, transient=True)
            try:
                resp.data = json.loads(r.content.decode("utf-8")) if r.content else None
            except (UnicodeDecodeError, ValueError):
                if 200 <= r.status_code < 300:
                    raise ChannelError(f"{label}: the answer is not JSON (status {r.status_code}, "
                                       f"{len(r.content)} bytes)", status=r.status_code, transient=True) from None
                resp.data = None
            if not 200 <= r.status_code < 300:
                raise self._refused(label, resp)
            if not isinstance(resp.data, (dict, list)):
                raise ChannelError(f"{label}: the answer is not a JSON object (status {r.status_code})",
                                   status=r.status_code, transient=True)
            return resp

    # -- rate limits --------------------------------------------------------------------------
    def _note_limits(self, resp: Response) -> None:
        h = resp.headers
        lim = self.limits
        if "x-rate-limit-remaining" in h:
            lim.remaining = _int(h.get("x-rate-limit-remaining"))
            lim.reset_at = _float(h.get("x-rate-limit-reset"))
        usage = []
        for key in ("x-app-usage", "x-page-usage"):
            if key in h:
                try:
                    obj = json.loads(h[key])
                except ValueError:
                    continue
                if isinstance(obj, dict):
                    usage += [float(v) for v in obj.values() if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if usage:
            lim.usage_pct = max(usage)
            if lim.usage_pct >= GRAPH_LIMIT_PCT:
                lim.blocked_until = self.clock() + GRAPH_COOLDOWN_S
            elif lim.usage_pct >= 80:
                note = f"{self.name}: the app has used {lim.usage_pct:.0f}% of its hourly call budget"
                if note not in lim.notes:
                    lim.notes.append(note)

    def _wait_for_limits(self, label: str) -> None:
        lim, now = self.limits, self.clock()
        until = None
        if lim.remaining is not None and lim.remaining <= 0 and lim.reset_at and lim.reset_at > now:
            until = lim.reset_at
        if lim.blocked_until and lim.blocked_until > now:
            until = max(until or 0.0, lim.blocked_until)
        if until is None:
            return
        wait = until - now
        if wait > self.max_wait:
            raise RateLimited(f"{label}: rate limit reached; try again after {_hhmm(until)}", transient=True,
                              retry_at=until)
        self.sleep(wait)
        lim.remaining = None
        lim.blocked_until = None

    def _retry_after(self, resp: Response) -> float | None:
        h, now = resp.headers, self.clock()
        ra = _float(h.get("retry-after"))
        if ra is not None:
            return ra
        reset = _float(h.get("x-rate-limit-reset"))
        if reset is not None:
            return max(0.0, reset - now)
        return None

    def _refused(self, label: str, resp: Response) -> ChannelError:
        """A 4xx answer as a message: the service's own words where it gave them."""
        detail = _detail(resp.data)
        if resp.status in (401, 403) and not detail:
            detail = "the token was refused (expired, revoked or without the permission)"
        data = resp.data if isinstance(resp.data, dict) else {}
        err = data.get("error") if isinstance(data.get("error"), dict) else {}
        if err.get("code") in (4, 17, 32, 613):  # Graph's own rate-limit codes (answered as 400/403)
            self.limits.blocked_until = self.clock() + GRAPH_COOLDOWN_S
            return RateLimited(f"{label}: rate limit reached ({detail}); try again after "
                               f"{_hhmm(self.limits.blocked_until)}", status=resp.status, transient=True,
                               retry_at=self.limits.blocked_until)
        return ChannelError(f"{label}: refused ({resp.status}{': ' + detail if detail else ''})", status=resp.status)


def _detail(data: Any) -> str:
    if not isinstance(data, dict):
        return ""
    err = data.get("error")
    if isinstance(err, dict):  # Graph: {"error": {"message", "type", "code", "fbtrace_id"}}
        return str(err.get("message") or err.get("type") or "")[:300]
    for key in ("detail", "title", "message"):  # X v2 problem objects
        if isinstance(data.get(key), str):
            return data[key][:300]
    errs = data.get("errors")
    if isinstance(errs, list) and errs and isinstance(errs[0], dict):
        return str(errs[0].get("message") or errs[0].get("detail") or "")[:300]
    return ""


def _never_sent(exc: Exception) -> bool:
    """Whether a failed request cannot have reached the service (no connection was made)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError):
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        return isinstance(reason, NewConnectionError) or "Connection refused" in str(exc)
    return False


def _network_reason(exc: Exception) -> str:
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "could not connect in time (offline?)"
    if isinstance(exc, requests.exceptions.Timeout):
        return "no answer in time"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "the connection failed (offline, or the service is unreachable)"
    return f"the request failed ({type(exc).__name__})"


def _reason(r) -> str:
    return f" {r.reason}" if getattr(r, "reason", None) else ""


def _int(v: Any) -> int | None:
    try:
        return int(str(v).strip())
    except (TypeError, ValueError):
        return None


def _float(v: Any) -> float | None:
    try:
        f = float(str(v).strip())
    except (TypeError, ValueError):
        return None
    return f if f == f and abs(f) < 1e12 else None


def _hhmm(epoch: float | None) -> str:
    if epoch is None:
        return "later"
    from datetime import datetime

    from desktop.core.timefmt import KST

    return datetime.fromtimestamp(epoch, KST).strftime("%H:%M:%S KST")
