"""A real PostgreSQL with PostGIS for the sync tests: ``initdb`` into a temporary folder,
``pg_ctl start`` on a free loopback port, password authentication (scram-sha-256), a
template database with the PostGIS extension that each test copies (fast), and
``pg_ctl stop`` at the end. PostgreSQL refuses to run as root: as root the server runs as
the ``postgres`` system user (the Debian package creates it), owning its folder."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PG_BIN = Path(os.environ.get("SITMAP_PG_BIN", "/usr/lib/postgresql/15/bin"))
POSTGIS_CONTROL = Path("/usr/share/postgresql/15/extension/postgis.control")
USER = "sitmap"
PASSWORD = "correct-horse-battery"
TEMPLATE = "sitmap_template"


def missing() -> str | None:
    """Why the server cannot run here, or None."""
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists():
        return f"PostgreSQL 15 not installed ({PG_BIN}/initdb missing: apt-get install postgresql-15)"
    if not POSTGIS_CONTROL.exists():
        return "PostGIS not installed (apt-get install postgresql-15-postgis-3)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'psycopg[binary]')"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run the server as"
        if not shutil.which("runuser"):
            return "running as root and runuser is missing"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="sitmap-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.port = free_port()
        self._counter = 0
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *cmd: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([*self.as_user, *cmd], check=check, capture_output=True, text=True, timeout=120)

    def init(self) -> None:
        pwfile = self.dir / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if self.as_user:
            pw = pwd.getpwnam("postgres")
            os.chown(pwfile, pw.pw_uid, pw.pw_gid)
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", USER, f"--pwfile={pwfile}",
                  "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        pwfile.unlink()
        self._tls()
        with open(self.data / "postgresql.conf", "a") as f:
            f.write(f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = '{self.dir}'\n"
                    "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 60\n"
                    "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n")

    def _tls(self) -> None:
        """A throwaway CA and a server certificate for 127.0.0.1 (TLS is on, not required);
        ``ca_file`` verifies it, ``other_ca_file`` is a CA that did not sign it."""
        from tests.live.helpers import issue, make_ca, write_pem

        ca = make_ca("Sitmap test store CA")
        key, cert = issue(ca, "127.0.0.1", server=True)
        kp, cp = write_pem(self.data, "server", key, cert)
        os.chmod(kp, 0o600)
        if self.as_user:
            pw = pwd.getpwnam("postgres")
            for f in (kp, cp):
                os.chown(f, pw.pw_uid, pw.pw_gid)
        client = self.dir / "client"
        client.mkdir()
        self.ca_file = write_pem(client, "ca", *ca)[1]
        self.other_ca_file = write_pem(client, "other", *make_ca("Someone else's CA"))[1]

    def start(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def url(self, db: str = "postgres", *, password: str | None = PASSWORD, port: int | None = None) -> str:
        auth = f"{USER}:{password}" if password is not None else USER
        return f"postgresql://{auth}@127.0.0.1:{port or self.port}/{db}"

    def admin(self):
        import psycopg

        return psycopg.connect(self.url(), autocommit=True)

    def make_template(self) -> None:
        with self.admin() as c:
            c.execute(f"CREATE DATABASE {TEMPLATE}")
        import psycopg

        with psycopg.connect(self.url(TEMPLATE), autocommit=True) as c:
            c.execute("CREATE EXTENSION postgis")

    def new_database(self) -> str:
        """A fresh database with PostGIS (a copy of the template); returns its URL."""
        self._counter += 1
        name = f"sitmap_t{self._counter}"
        with self.admin() as c:
            c.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return self.url(name)

    def cleanup(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


def wait_port(port: int, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    return False
