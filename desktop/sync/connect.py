"""Connecting to the shared store: the URL, the password, TLS, and errors a person can read.

The URL is libpq's (``postgresql://user@host:port/db?sslmode=verify-full&sslrootcert=…``):
TLS options (``sslmode``, ``sslrootcert``, ``sslcert``, ``sslkey``) pass through it. The
password comes from the URL, from ``$PGPASSWORD`` (read by the driver), or from the system
keyring (service ``sitmap-shared-store``, user ``user@host:port/db``) where the ``keyring``
package is installed. It is never written to the cache, a log or a message: every message
names the store by :func:`display` (the URL without its password).
"""

from __future__ import annotations

import os
from urllib.parse import unquote, urlsplit, urlunsplit

from desktop.core.errors import SitmapError

KEYRING_SERVICE = "sitmap-shared-store"
CONNECT_TIMEOUT_S = 5


class SyncError(SitmapError):
    """The shared store cannot be used; the message names the store and the cause."""


class StoreOffline(SyncError):
    """The store cannot be reached now (network, server down): local work goes on, the sync retries."""


def driver():
    """The psycopg module, or SyncError saying what is missing."""
    try:
        import psycopg
    except ImportError:
        raise SyncError("the shared store needs the psycopg package (pip install 'psycopg[binary]'); "
                        "this installation of Sitmap does not include it") from None
    return psycopg


def display(url: str) -> str:
    """The URL without its password (for messages, status lines and logs)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(an unreadable URL)"
    netloc = parts.netloc
    if "@" in netloc:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.split(':', 1)[0]}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def without_password(url: str) -> tuple[str, str | None]:
    """(the URL with its password taken out, query kept; the password or None): what may be saved."""
    parts = urlsplit(url)
    if parts.password is None:
        return url, None
    user, _, host = parts.netloc.rpartition("@")
    netloc = f"{user.split(':', 1)[0]}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)), unquote(parts.password)


def save_password(url: str, password: str) -> bool:
    """Keep the password in the system keyring (True), or say it could not be (False)."""
    try:
        import keyring  # optional
    except ImportError:
        return False
    try:
        keyring.set_password(KEYRING_SERVICE, _keyring_user(urlsplit(url)), password)
        return True
    except Exception:  # no usable keyring backend
        return False


def check_url(url: str) -> None:
    try:
        parts = urlsplit(url)
    except ValueError:
        raise SyncError(f"shared store {url!r} is not a URL (expected postgresql://user@host:port/database)") from None
    if parts.scheme not in ("postgresql", "postgres"):
        raise SyncError(f"shared store {display(url)}: expected a postgresql://user@host:port/database URL")
    if not parts.hostname:
        raise SyncError(f"shared store {display(url)}: the URL names no host")
    if not parts.path.strip("/"):
        raise SyncError(f"shared store {display(url)}: the URL names no database (…/sitmap)")


def keyring_password(url: str) -> str | None:
    """The password the system keyring holds for this store, if the keyring package is there."""
    try:
        import keyring  # optional
    except ImportError:
        return None
    parts = urlsplit(url)
    try:
        return keyring.get_password(KEYRING_SERVICE, _keyring_user(parts))
    except Exception:  # a keyring backend that cannot be used: no password from it
        return None


def _keyring_user(parts) -> str:
    return f"{unquote(parts.username or '')}@{parts.hostname}:{parts.port or 5432}{parts.path}"


def explain(url: str, exc: BaseException) -> SyncError:
    """A driver error as one line naming the store; StoreOffline where retrying may help."""
    if isinstance(exc, SyncError):
        return exc
    where = f"shared store {display(url)}"
    msg = " ".join(str(exc).split())
    low = msg.lower()
    if "password authentication failed" in low or "no password supplied" in low:
        return SyncError(f"{where}: the password was refused (give it in the URL, $PGPASSWORD or the system keyring)")
    if "certificate" in low or "ssl" in low and ("verify" in low or "handshake" in low or "alert" in low):
        return SyncError(f"{where}: the TLS certificate was refused ({_short(msg)})")
    if "invalid response to ssl negotiation" in low or "unsupported frontend protocol" in low:
        return SyncError(f"{where}: what answers at that address is not a PostgreSQL server ({_short(msg)})")
    if "does not exist" in low and "database" in low:
        return SyncError(f"{where}: the database does not exist on that server")
    if "role" in low and "does not exist" in low:
        return SyncError(f"{where}: the server knows no such user")
    if "permission denied" in low:
        return SyncError(f"{where}: permission denied ({_short(msg)})")
    if "extension" in low and "postgis" in low:
        return SyncError(f"{where}: PostGIS is not installed on that server (CREATE EXTENSION postgis needs it)")
    if ("connection refused" in low or "could not connect" in low or "timeout" in low or "timed out" in low
            or "could not translate host name" in low or "no route to host" in low or "network is unreachable" in low
            or "server closed the connection" in low or "terminating connection" in low
            or "connection is closed" in low or "the connection is lost" in low or "consuming input failed" in low
            or "shutting down" in low or "starting up" in low or "connection reset" in low):
        return StoreOffline(f"{where} cannot be reached ({_short(msg)})")
    return SyncError(f"{where}: {_short(msg)}")


def _short(msg: str) -> str:
    msg = msg.split("DETAIL:")[0].strip()
    for prefix in ("connection failed: ",):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    return msg[:300]


def connect(url: str, *, autocommit: bool = False):
    """A psycopg connection to the store, or SyncError / StoreOffline in one line."""
    psycopg = driver()
    check_url(url)
    kwargs: dict = {"autocommit": autocommit, "connect_timeout": CONNECT_TIMEOUT_S,
                    "application_name": "sitmap sync"}
    if not urlsplit(url).password and not os.environ.get("PGPASSWORD"):
        pw = keyring_password(url)
        if pw:
            kwargs["password"] = pw
    try:
        return psycopg.connect(url, **kwargs)
    except psycopg.Error as exc:
        raise explain(url, exc) from None
    except (OSError, ValueError) as exc:
        raise explain(url, exc) from None


def is_driver_error(exc: BaseException) -> bool:
    """Whether ``exc`` came from the database driver (what :func:`explain` turns into one line)."""
    try:
        import psycopg
    except ImportError:
        return False
    return isinstance(exc, psycopg.Error)
