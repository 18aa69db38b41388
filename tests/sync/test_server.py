"""The test server itself: PostGIS is there, LISTEN/NOTIFY works, a wrong password is refused."""

from __future__ import annotations

import psycopg
import pytest


def test_postgis_and_notify(shared_url):
    with psycopg.connect(shared_url, autocommit=True) as a, psycopg.connect(shared_url, autocommit=True) as b:
        assert a.execute("SELECT postgis_lib_version()").fetchone()[0].startswith("3.")
        d = a.execute("SELECT ST_Distance('SRID=4326;POINT(126.97 37.56)'::geography, "
                      "'SRID=4326;POINT(126.98 37.56)'::geography)").fetchone()[0]
        assert 800 < d < 1000
        a.execute("LISTEN sitmap_test")
        b.execute("NOTIFY sitmap_test, '42'")
        got = [n.payload for n in a.notifies(timeout=5, stop_after=1)]
        assert got == ["42"]


def test_wrong_password_refused(pg_server):
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(pg_server.url(password="wrong"), connect_timeout=5)
