"""Schema migrations. Each entry upgrades the file by one version; never edit a
shipped entry, append a new one. ``PRAGMA user_version`` holds the version."""

from __future__ import annotations

APPLICATION_ID = 0x5349544D  # "SITM": tells our caches from other SQLite files


_V1 = """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);

        CREATE TABLE batches (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL,
            format TEXT NOT NULL,
            started_ms INTEGER NOT NULL,
            finished_ms INTEGER,
            accepted INTEGER NOT NULL DEFAULT 0,
            duplicates INTEGER NOT NULL DEFAULT 0,
            skipped INTEGER NOT NULL DEFAULT 0,
            notes TEXT
        );

        CREATE TABLE items (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind = 'post' OR kind = 'field_update'),
            source TEXT NOT NULL,
            source_id TEXT NOT NULL,
            t_ms INTEGER NOT NULL,
            lat REAL,
            lon REAL,
            -- OR rather than IN: SQLite re-evaluates an IN list for every inserted row.
            precision TEXT NOT NULL CHECK (precision = 'exact' OR precision = 'place' OR precision = 'inferred'
                                           OR precision = 'unknown'),
            radius_m REAL,
            text TEXT NOT NULL DEFAULT '',
            author TEXT,
            author_id TEXT,
            lang TEXT,
            place_name TEXT,
            hashtags TEXT NOT NULL DEFAULT '[]',
            links TEXT NOT NULL DEFAULT '[]',
            reply_to TEXT,
            quote_of TEXT,
            retweet_of TEXT,
            unit_uid TEXT,
            callsign TEXT,
            extra TEXT,
            raw TEXT,
            batch_id INTEGER REFERENCES batches(id),
            UNIQUE (source, source_id),
            CHECK ((lat IS NULL) = (lon IS NULL))
        );
        CREATE INDEX items_t ON items (t_ms);
        CREATE INDEX items_kind_t ON items (kind, t_ms);
        CREATE INDEX items_source_t ON items (source, t_ms);
        CREATE INDEX items_batch ON items (batch_id);
        CREATE INDEX items_unit_t ON items (unit_uid, t_ms) WHERE unit_uid IS NOT NULL;
        CREATE INDEX items_author ON items (source, author_id) WHERE author_id IS NOT NULL;

        -- Hashtags as rows so '#busanpolice' is an index lookup, not a text scan.
        CREATE TABLE item_tags (
            tag TEXT NOT NULL,
            item_id INTEGER NOT NULL,
            t_ms INTEGER NOT NULL,
            PRIMARY KEY (tag, item_id)
        ) WITHOUT ROWID;
        CREATE INDEX item_tags_item ON item_tags (item_id);

        -- Bounding-box lookups: a B-tree on (lat, lon) answers city-scale boxes well and costs a
        -- tenth of an R-tree to build (measured: 0.2 s against 3.2 s for 300k points). The view
        -- keeps the box-query shape that filters use.
        CREATE INDEX items_lat_lon ON items (lat, lon) WHERE lat IS NOT NULL;
        CREATE VIEW items_geo AS
            SELECT id, lon AS min_lon, lon AS max_lon, lat AS min_lat, lat AS max_lat FROM items WHERE lat IS NOT NULL;

        -- Substring search that works for Hangul: unicode61 does not split Korean words,
        -- the trigram tokenizer matches any substring of three or more characters.
        CREATE VIRTUAL TABLE items_fts USING fts5 (
            text, author, content='items', content_rowid='id', tokenize='trigram'
        );

        -- Derived rows follow deletes; inserts are derived in bulk
        -- at the end of each import (see writer.py), which is much faster than triggers.
        CREATE TRIGGER items_ad AFTER DELETE ON items BEGIN
            INSERT INTO items_fts (items_fts, rowid, text, author) VALUES ('delete', old.id, old.text, coalesce(old.author, ''));
            DELETE FROM item_tags WHERE item_id = old.id;
        END;

        -- Withdrawn items (tweet deletes): a delete may arrive before its tweet.
        CREATE TABLE tombstones (source TEXT NOT NULL, source_id TEXT NOT NULL, batch_id INTEGER,
                                 PRIMARY KEY (source, source_id)) WITHOUT ROWID;
        CREATE INDEX tombstones_batch ON tombstones (batch_id);
        -- scrub_geo: a user's positions up to a status id are to be forgotten.
        CREATE TABLE scrubs (source TEXT NOT NULL, author_id TEXT NOT NULL, up_to_id INTEGER NOT NULL,
                             PRIMARY KEY (source, author_id)) WITHOUT ROWID;

        CREATE TABLE units (
            uid TEXT PRIMARY KEY,
            callsign TEXT,
            cot_type TEXT NOT NULL,
            affiliation TEXT NOT NULL,
            t_ms INTEGER NOT NULL,
            stale_ms INTEGER,
            lat REAL,
            lon REAL,
            team TEXT,
            role TEXT,
            course REAL,
            speed REAL,
            batch_id INTEGER REFERENCES batches(id)
        );
        CREATE INDEX units_callsign ON units (callsign);

        -- Named areas the commander saved (GeoJSON geometry in WGS84).
        CREATE TABLE areas (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            geometry TEXT NOT NULL,
            exclude INTEGER NOT NULL DEFAULT 0,
            created_ms INTEGER NOT NULL
        );
"""

# Version 2: alert rules and the alerts they fired (the live picture).
_V2 = """
        -- A rule is a value: its kind, parameters (JSON) and optional area (GeoJSON geometry).
        CREATE TABLE alert_rules (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('count', 'spike', 'emergency', 'empty_area')),
            params TEXT NOT NULL DEFAULT '{}',
            area_name TEXT,
            area TEXT,
            enabled INTEGER NOT NULL DEFAULT 1,
            created_ms INTEGER NOT NULL
        );

        -- One row per episode: fired once, cleared_ms set when the condition ended.
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            rule_id INTEGER REFERENCES alert_rules(id) ON DELETE SET NULL,
            episode TEXT NOT NULL DEFAULT '',
            t_ms INTEGER NOT NULL,
            area_name TEXT,
            message TEXT NOT NULL,
            item_ids TEXT NOT NULL DEFAULT '[]',
            cleared_ms INTEGER,
            acknowledged_ms INTEGER
        );
        CREATE INDEX alerts_t ON alerts (t_ms);
        CREATE INDEX alerts_open ON alerts (rule_id, episode) WHERE cleared_ms IS NULL;
"""

# SQL scripts, one per version; run by Cache._migrate inside one transaction each.
MIGRATIONS = [_V1, _V2]
SCHEMA_VERSION = len(MIGRATIONS)
