"""A local shared store for trying Sitmap's sync on one machine: PostgreSQL 15 with PostGIS
from the system packages, in a folder of its own, listening on loopback only, with a
password (scram-sha-256) made on first start and kept in that folder (mode 0600).

    scripts/local-store [--port 55432] [--reset]

PostgreSQL refuses to run as root: as root the server runs as the ``postgres`` system user
(the Debian package makes it) in /var/lib/sitmap-local-store; otherwise in
~/.local/state/sitmap/local-store. It runs until Ctrl+C.
"""

from __future__ import annotations

import argparse
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

PG_BIN = Path(os.environ.get("SITMAP_PG_BIN", "/usr/lib/postgresql/15/bin"))
POSTGIS = Path("/usr/share/postgresql/15/extension/postgis.control")
USER = "sitmap"


def main() -> int:
    ap = argparse.ArgumentParser(description="a local PostgreSQL + PostGIS to try the shared store")
    ap.add_argument("--port", type=int, default=55432)
    ap.add_argument("--reset", action="store_true", help="start with an empty store")
    args = ap.parse_args()
    if not (PG_BIN / "initdb").exists() or not POSTGIS.exists():
        print("PostgreSQL 15 with PostGIS is not installed: sudo apt-get install postgresql-15 "
              "postgresql-15-postgis-3", file=sys.stderr)
        return 1
    root = os.geteuid() == 0
    as_user: list[str] = []
    if root:
        folder = Path("/var/lib/sitmap-local-store")
        as_user = ["runuser", "-u", "postgres", "--"]
    else:
        folder = Path(os.environ.get("XDG_STATE_HOME", Path.home() / ".local" / "state")) / "sitmap" / "local-store"
    data, pwfile = folder / "data", folder / "password"
    if args.reset and folder.exists():
        shutil.rmtree(folder)
    run = lambda *cmd, **kw: subprocess.run([*as_user, *cmd], check=True, capture_output=True, text=True, **kw)  # noqa: E731
    fresh = not data.exists()
    if fresh:
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
        password = secrets.token_urlsafe(18)
        pwfile.write_text(password + "\n")
        os.chmod(pwfile, 0o600)
        if root:
            pw = pwd.getpwnam("postgres")
            os.chown(folder, pw.pw_uid, pw.pw_gid)
            os.chown(pwfile, pw.pw_uid, pw.pw_gid)
        run(str(PG_BIN / "initdb"), "-D", str(data), "-U", USER, f"--pwfile={pwfile}", "--auth=scram-sha-256",
            "-E", "UTF8", "--locale=C.UTF-8")
    password = pwfile.read_text().strip()
    log = folder / "server.log"
    run(str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o",
        f"-c listen_addresses=127.0.0.1 -p {args.port} -c unix_socket_directories={folder}", "start")
    stopped = False

    def stop(*_a) -> None:
        nonlocal stopped
        if not stopped:
            stopped = True
            subprocess.run([*as_user, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                           capture_output=True)

    signal.signal(signal.SIGTERM, lambda *_a: (stop(), sys.exit(0)))
    try:
        import psycopg

        admin = f"postgresql://{USER}:{password}@127.0.0.1:{args.port}/postgres"
        with psycopg.connect(admin, autocommit=True) as c:
            if not c.execute("SELECT 1 FROM pg_database WHERE datname = 'sitmap'").fetchone():
                c.execute("CREATE DATABASE sitmap")
        with psycopg.connect(admin.rsplit("/", 1)[0] + "/sitmap", autocommit=True) as c:
            c.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        url = f"postgresql://{USER}@127.0.0.1:{args.port}/sitmap"
        print(f"Shared store running ({folder}); Ctrl+C stops it.\n")
        print(f"  export PGPASSWORD='{password}'")
        print(f"  .venv/bin/sitmap sync --db incident.db --shared {url}")
        print(f"  .venv/bin/sitmap open --db incident.db --shared {url}\n", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
