"""One cache linked to one shared store: the two connections, this workstation's id and
the sync state. :meth:`Link.open` connects, creates or migrates the shared schema, and
registers the workstation; a newer shared schema is refused with a clear message."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from desktop.cache import Cache
from desktop.sync import schema, state
from desktop.sync.connect import SyncError, connect, display, explain, is_driver_error


KEEP = object()  # Link.open(area=KEEP): the area this cache joined with before


@dataclass
class Link:
    url: str
    cache: Cache
    pg: object  # psycopg.Connection
    store_id: str
    ws: str
    state: state.State
    operator: str | None = None
    since_ms: int | None = None  # items older than this are not pulled (the cache's have_from)
    want_from: int | None = None  # the earliest time asked for (None: all); older than since_ms: fetched
    area: object = None  # fetch.JoinArea: the cache holds the store's items there only (None: everywhere)

    @property
    def where(self) -> str:
        return f"shared store {display(self.url)}"

    @classmethod
    def open(cls, cache_path: str | Path, url: str, *, operator: str | None = None,
             since_ms: int | None = None, area: object = KEEP) -> "Link":
        """``area``: a fetch.JoinArea to hold the store's items there only, None for every
        place, KEEP (the default) for what this cache chose before."""
        cache = Cache.open(cache_path)
        try:
            pg = connect(url)
        except BaseException:
            cache.close()
            raise
        try:
            store_id = ensure_schema(pg, url, operator)
            ws = state.workstation(cache.conn)
            with cache.transaction():
                state.put(cache.conn, "sync.last_store", store_id)
            with pg.transaction():
                pg.execute("INSERT INTO workstations (id, host, operator) VALUES (%s, %s, %s) ON CONFLICT (id) "
                           "DO UPDATE SET last_seen = now(), operator = coalesce(excluded.operator, workstations.operator)",
                           (ws, ws.rsplit("-", 1)[0], operator))
        except BaseException as exc:
            _close(pg)
            cache.close()
            if isinstance(exc, SyncError) or not is_driver_error(exc):
                raise
            raise explain(url, exc) from None
        st = state.State(cache.conn, store_id)
        have = st.get_key("have_from")
        if have is None and since_ms is not None and st.cursor() == 0:
            # Joining now, for the recent past only: the cache holds the store's items from then on.
            with cache.transaction():
                st.put_key("have_from", int(since_ms))
            have = since_ms
        link = cls(url, cache, pg, store_id, ws, st, operator, int(have) if have is not None else None)
        link.want_from = since_ms
        from desktop.sync.fetch import AREA, AREA_REFETCH, join_area

        if area is not KEEP:
            new = area.to_json() if area is not None else None
            if new != st.get_key(AREA):
                with cache.transaction():
                    if new is None:
                        cache.conn.execute("DELETE FROM meta WHERE key = ?", (st.prefix + AREA,))
                    else:
                        st.put_key(AREA, new)
                    if st.cursor() > 0:  # held already: fetch the span again under the new area
                        st.put_key(AREA_REFETCH, 1)
        link.area = join_area(link)
        return link

    def reconnect(self) -> None:
        _close(self.pg)
        self.pg = connect(self.url)
        sid = ensure_schema(self.pg, self.url, self.operator)
        if sid != self.store_id:
            raise SyncError(f"{self.where} is another store than the one this cache synced with "
                            f"({sid} instead of {self.store_id}); start the sync again")

    def close(self) -> None:
        _close(self.pg)
        self.cache.close()


def _close(pg) -> None:
    try:
        pg.close()
    except Exception:
        pass


def ensure_schema(pg, url: str, client: str | None = None) -> str:
    """Create or migrate the shared schema (under the push lock); returns the store's id.
    A store at a newer version than this Sitmap knows raises SyncError and is left alone."""
    where = f"shared store {display(url)}"
    try:
        with pg.transaction():
            pg.execute("SELECT pg_advisory_xact_lock(%s)", (schema.PUSH_LOCK,))
            have = pg.execute("SELECT to_regclass('sitmap_schema') IS NOT NULL").fetchone()[0]
            version, store_id = 0, None
            if have:
                row = pg.execute("SELECT max(version), max(store_id) FROM sitmap_schema").fetchone()
                version, store_id = int(row[0] or 0), row[1]
            if version > schema.SCHEMA_VERSION:
                raise SyncError(f"{where} uses shared schema {version}, newer than this Sitmap knows "
                                f"({schema.SCHEMA_VERSION}); it was not changed: update Sitmap on this workstation")
            if version < schema.SCHEMA_VERSION:
                if version == 0:
                    ext = pg.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone()
                    if not ext:
                        avail = pg.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'").fetchone()
                        if not avail:
                            raise SyncError(f"{where}: PostGIS is not installed on that server")
                        pg.execute("CREATE EXTENSION postgis")
                store_id = store_id or uuid.uuid4().hex[:12]
                while version < schema.SCHEMA_VERSION:
                    pg.execute(schema.MIGRATIONS[version])
                    version += 1
                    pg.execute("INSERT INTO sitmap_schema (version, store_id, migrated_by) VALUES (%s, %s, %s)",
                               (version, store_id, client))
            return str(store_id)
    except SyncError:
        raise
    except Exception as exc:
        if is_driver_error(exc):
            raise explain(url, exc) from None
        raise

