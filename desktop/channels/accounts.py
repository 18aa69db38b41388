"""The agency's accounts on the public channel, and their tokens.

An account is a name (how the agency calls it: ``busan-x``, ``busan-page``), its channel
(``x`` or ``facebook``), the Page id for a Facebook Page, and optionally its own base URL
(a test account or a stand-in service first). They are kept in ``channels.json`` in the
data folder (``SITMAP_DATA_DIR``), which holds no secret. The token (an X OAuth 2.0 user
access token, a Page access token) goes to the system keyring through ``keyring``, under
the service ``sitmap-channels`` — never into the cache, the audit trail or a log. On a
machine without a keyring backend this says so and stores nothing.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from desktop.channels.http import ChannelError
from desktop.core.paths import data_dir

KEYRING_SERVICE = "sitmap-channels"
CHANNELS = ("x", "facebook")
_NAME = re.compile(r"[\w.@-]{1,64}")


@dataclass(frozen=True)
class Account:
    name: str
    channel: str
    page_id: str | None = None  # Facebook: the Page the token speaks for
    base_url: str | None = None  # None: SITMAP_X_API_BASE / SITMAP_GRAPH_API_BASE or the service
    label: str | None = None  # shown beside the name when confirming (e.g. "@busanpolice")

    def shown(self) -> str:
        where = f" at {self.base_url}" if self.base_url else ""
        return f"{self.name} ({self.channel}{', ' + self.label if self.label else ''}{where})"


def config_path() -> Path:
    return data_dir() / "channels.json"


def _load() -> dict:
    p = config_path()
    if not p.exists():
        return {"accounts": {}}
    try:
        obj = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ChannelError(f"{p}: the account settings cannot be read ({exc})") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("accounts"), dict):
        raise ChannelError(f"{p}: not Sitmap's account settings")
    return obj


def _save(obj: dict) -> None:
    p = config_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, p)


def accounts() -> list[Account]:
    out = []
    for name, a in sorted(_load()["accounts"].items()):
        if isinstance(a, dict) and a.get("channel") in CHANNELS:
            out.append(Account(name, a["channel"], a.get("page_id"), a.get("base_url"), a.get("label")))
    return out


def get(name: str) -> Account:
    for a in accounts():
        if a.name == name:
            return a
    known = ", ".join(a.name for a in accounts()) or "none yet (sitmap appeal account add)"
    raise ChannelError(f"no account named {name!r} (accounts: {known})")


def add(account: Account, token: str | None = None) -> Account:
    """Save the account (replacing one of that name) and, when given, its token in the keyring."""
    if not _NAME.fullmatch(account.name or ""):
        raise ChannelError(f"account name {account.name!r}: use letters, digits and . _ - @ (up to 64)")
    if account.channel not in CHANNELS:
        raise ChannelError(f"unknown channel {account.channel!r}: use x or facebook")
    if account.channel == "facebook" and not (account.page_id and account.page_id.isdigit()):
        raise ChannelError("a Facebook account needs its Page id (digits, --page-id)")
    if account.base_url and not account.base_url.startswith(("https://", "http://127.", "http://localhost")):
        raise ChannelError(f"base URL {account.base_url!r}: https, or http on this machine only")
    if token is not None:
        set_token(account, token)
    obj = _load()
    d = {k: v for k, v in asdict(account).items() if k != "name" and v is not None}
    obj["accounts"][account.name] = d
    _save(obj)
    return account


def remove(name: str) -> None:
    acc = get(name)
    obj = _load()
    obj["accounts"].pop(name, None)
    _save(obj)
    try:
        _keyring().delete_password(KEYRING_SERVICE, _key(acc))
    except Exception:  # noqa: BLE001 - no token stored, or the backend cannot delete: the account is gone
        pass


def _key(account: Account) -> str:
    return f"{account.channel}:{account.name}"


def _keyring():
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        raise ChannelError("the keyring package is not installed, so tokens cannot be stored") from None
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring) or type(backend).__name__ == "ChainerBackend" and not backend.backends:
        raise ChannelError("no system keyring is available on this machine (a Secret Service such as GNOME "
                           "Keyring or KWallet on Linux, the Keychain on macOS, the Credential Locker on Windows), "
                           "so the account's token cannot be stored; nothing was saved")
    return keyring


def set_token(account: Account, token: str) -> None:
    token = (token or "").strip()
    if not token or any(c.isspace() for c in token):
        raise ChannelError("the token is empty or has spaces in it")
    kr = _keyring()
    try:
        kr.set_password(KEYRING_SERVICE, _key(account), token)
    except Exception as exc:  # noqa: BLE001 - locked keyring, denied access: say so, keep nothing
        raise ChannelError(f"the system keyring refused the token ({type(exc).__name__}: {exc})") from None


def token(account: Account) -> str:
    kr = _keyring()
    try:
        value = kr.get_password(KEYRING_SERVICE, _key(account))
    except Exception as exc:  # noqa: BLE001
        raise ChannelError(f"the system keyring could not be read ({type(exc).__name__}: {exc})") from None
    if not value:
        raise ChannelError(f"no token for account {account.name!r} in the keyring (sitmap appeal account add "
                           f"{account.name} --channel {account.channel} … asks for it)")
    return value


def client(account: Account, **http_kw):
    """The account's client (an :class:`~desktop.channels.x.XClient` or
    :class:`~desktop.channels.facebook.FacebookClient`) with its token from the keyring."""
    if account.channel == "x":
        from desktop.channels.x import XClient

        return XClient(token(account), base=account.base_url, **http_kw)
    from desktop.channels.facebook import FacebookClient

    return FacebookClient(token(account), account.page_id or "", base=account.base_url, **http_kw)
