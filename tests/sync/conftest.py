"""The sync tests run against a real PostgreSQL with PostGIS (tests/sync/pg.py), started
once per session; each test gets its own database. Where the server packages are
absent the tests skip, saying which package is missing."""

from __future__ import annotations

import pytest

from tests.sync import pg


@pytest.fixture(scope="session")
def pg_server():
    why = pg.missing()
    if why:
        pytest.skip(f"shared store tests need PostgreSQL with PostGIS: {why}")
    server = pg.Server()
    try:
        server.init()
        server.start()
        server.make_template()
    except Exception as exc:
        log = server.log.read_text(errors="replace")[-2000:] if server.log.exists() else ""
        server.cleanup()
        pytest.fail(f"could not start PostgreSQL: {exc} {getattr(exc, 'stderr', '')} {log}")
    yield server
    server.cleanup()


@pytest.fixture
def shared_url(pg_server) -> str:
    """The URL of a fresh shared database (PostGIS enabled, no Sitmap schema yet)."""
    return pg_server.new_database()
