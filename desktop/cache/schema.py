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

# Version 3: triage, incidents and tasks (the loop with the field).
_V3 = """
        -- Each item's current triage; no row means new, routine, no categories.
        CREATE TABLE triage (
            item_id INTEGER PRIMARY KEY,  -- items.id
            state TEXT NOT NULL DEFAULT 'new'
                CHECK (state IN ('new', 'review', 'verified', 'false', 'duplicate', 'actioned', 'closed')),
            priority TEXT NOT NULL DEFAULT 'routine' CHECK (priority IN ('routine', 'urgent', 'critical')),
            tags TEXT NOT NULL DEFAULT '[]',  -- JSON list of category names (triage_categories)
            duplicate_of INTEGER,  -- items.id of the item this one repeats
            officer INTEGER NOT NULL DEFAULT 0,  -- 1: the state was confirmed by a unit in the field
            updated_ms INTEGER NOT NULL,
            updated_by TEXT NOT NULL
        );
        CREATE INDEX triage_state ON triage (state, priority);

        -- Every triage change, in order. Append-only: rows are added, never rewritten.
        CREATE TABLE triage_history (
            id INTEGER PRIMARY KEY,
            item_id INTEGER NOT NULL,
            t_ms INTEGER NOT NULL,
            by TEXT NOT NULL,
            origin TEXT NOT NULL DEFAULT 'commander' CHECK (origin IN ('commander', 'officer')),
            state TEXT,          -- the new value of each field that changed, else NULL
            priority TEXT,
            tags TEXT,
            duplicate_of INTEGER,
            note TEXT
        );
        CREATE INDEX triage_history_item ON triage_history (item_id, id);
        CREATE TRIGGER triage_history_append_only BEFORE UPDATE ON triage_history
        BEGIN SELECT RAISE(ABORT, 'triage history is append-only'); END;

        -- The categories a commander tags items with: data, editable.
        CREATE TABLE triage_categories (
            name TEXT PRIMARY KEY,
            label_ko TEXT NOT NULL,
            sort INTEGER NOT NULL DEFAULT 0
        );
        INSERT INTO triage_categories (name, label_ko, sort) VALUES
            ('crowd', '인파', 1), ('violence', '폭력', 2), ('traffic', '교통', 3),
            ('missing_person', '실종자', 4), ('medical', '응급 의료', 5);

        CREATE TABLE incidents (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'monitoring', 'closed')),
            priority TEXT NOT NULL DEFAULT 'routine' CHECK (priority IN ('routine', 'urgent', 'critical')),
            lat REAL,   -- a point, or
            lon REAL,
            area TEXT,  -- a GeoJSON geometry (WGS84)
            created_ms INTEGER NOT NULL,
            created_by TEXT NOT NULL,
            updated_ms INTEGER NOT NULL,
            closed_ms INTEGER
        );
        CREATE INDEX incidents_state ON incidents (state);

        CREATE TABLE incident_items (
            incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
            item_id INTEGER NOT NULL,
            added_ms INTEGER NOT NULL,
            added_by TEXT NOT NULL,
            PRIMARY KEY (incident_id, item_id)
        ) WITHOUT ROWID;
        CREATE INDEX incident_items_item ON incident_items (item_id);

        -- An incident's running log: notes, state changes, task replies.
        CREATE TABLE incident_log (
            id INTEGER PRIMARY KEY,
            incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
            t_ms INTEGER NOT NULL,
            by TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'note',  -- note, state, task, reply
            text TEXT NOT NULL,
            item_id INTEGER,
            task_id INTEGER
        );
        CREATE INDEX incident_log_incident ON incident_log (incident_id, id);

        -- An item or incident assigned to a unit over TAK, and what came back.
        CREATE TABLE tasks (
            id INTEGER PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,  -- the id Sitmap puts in every message about the task
            incident_id INTEGER REFERENCES incidents(id) ON DELETE SET NULL,
            item_id INTEGER,
            unit_uid TEXT NOT NULL,
            callsign TEXT,
            text TEXT NOT NULL,
            lat REAL,
            lon REAL,
            radius_m REAL NOT NULL DEFAULT 100,
            message_id TEXT,  -- the GeoChat messageId sent, which delivery and read receipts name
            state TEXT NOT NULL DEFAULT 'sent'
                CHECK (state IN ('sent', 'delivered', 'acknowledged', 'on_scene', 'done', 'cancelled')),
            sent_ms INTEGER NOT NULL,
            sent_by TEXT NOT NULL,
            delivered_ms INTEGER,
            acknowledged_ms INTEGER,
            on_scene_ms INTEGER,
            done_ms INTEGER,
            reply TEXT
        );
        CREATE INDEX tasks_unit ON tasks (unit_uid, state);
        CREATE INDEX tasks_message ON tasks (message_id);
"""

# Version 4: accountability (purposes on batches, the audit outbox, minimisation) and
# geo-location (the gazetteer and the evidence of inferred positions).
_V4 = """
        -- Why and by whom each batch was collected (retention follows the purpose).
        ALTER TABLE batches ADD COLUMN operator TEXT;
        ALTER TABLE batches ADD COLUMN purpose TEXT;
        ALTER TABLE batches ADD COLUMN case_ref TEXT;

        -- Audit entries committed in the same transaction as the change they describe; moved
        -- into the audit log (<cache>.audit.db) right after, and at the next open if Sitmap
        -- stopped in between. ``txn`` makes the move idempotent.
        CREATE TABLE audit_outbox (
            id INTEGER PRIMARY KEY,
            txn TEXT NOT NULL UNIQUE,
            t_ms INTEGER NOT NULL,
            workstation TEXT NOT NULL,
            operator TEXT,
            purpose TEXT,
            case_ref TEXT,
            action TEXT NOT NULL,
            objects TEXT NOT NULL,
            detail TEXT NOT NULL
        );

        -- Items held as evidence: retention never purges them while the hold stands.
        CREATE TABLE holds (
            item_id INTEGER PRIMARY KEY,   -- items.id
            reason TEXT NOT NULL,          -- e.g. 'evidence package <file>', a case reference
            t_ms INTEGER NOT NULL,
            by TEXT
        );

        -- Places that text is matched against: built-in administrative names (loaded from
        -- the shipped boundaries) and the agency's own landmarks (origin 'user'), kept apart
        -- so that a data update never loses a user entry.
        CREATE TABLE gazetteer (
            id INTEGER PRIMARY KEY,
            origin TEXT NOT NULL CHECK (origin = 'builtin' OR origin = 'user'),
            kind TEXT NOT NULL,        -- 'landmark', 'sido', 'sigungu', 'emd', 'legal_dong'…
            name TEXT NOT NULL,
            aliases TEXT NOT NULL DEFAULT '[]',  -- JSON list of other names (Korean, English)
            code TEXT,                 -- the administrative code, where there is one
            parent TEXT,               -- the enclosing unit's name ("부산광역시 중구"), for disambiguation
            lat REAL NOT NULL,
            lon REAL NOT NULL,
            radius_m REAL NOT NULL,
            added_ms INTEGER NOT NULL,
            added_by TEXT
        );
        CREATE INDEX gazetteer_origin ON gazetteer (origin, kind);
        CREATE UNIQUE INDEX gazetteer_user_name ON gazetteer (name, lat, lon) WHERE origin = 'user';

        -- How an inferred position (items.precision 'inferred') was reached.
        CREATE TABLE geo_inferences (
            item_id INTEGER PRIMARY KEY,   -- items.id
            confidence REAL NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
            radius_m REAL NOT NULL,
            evidence TEXT NOT NULL,        -- JSON: matched words, gazetteer entry, method
            gazetteer_id INTEGER,
            t_ms INTEGER NOT NULL          -- when it was inferred
        );
"""

_V5 = """
        -- Erasures waiting to reach the shared store: written in the erasure's own transaction
        -- only while the cache is linked to a shared store, removed as soon as the shared store
        -- has them (so no identifier of an erased item outlives its erasure by more than one
        -- push). ``reason`` is the audit action ('erase', 'purge', 'withdraw', 'minimise').
        CREATE TABLE sync_erasures (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            source_id TEXT NOT NULL,
            reason TEXT NOT NULL,
            t_ms INTEGER NOT NULL
        );
"""

_V6 = """
        -- Campaigns (hashtag drives such as #busanpolice #byhand): what makes a post part of one
        -- (its hashtags, lower case without '#', and keywords, both JSON lists; any match counts),
        -- the period [from_ms, to_ms) and optional areas, a JSON list of {"saved": name} (a row
        -- of ``areas``) or {"district": code} (a built-in KOSTAT code). The figures are computed
        -- from the items whenever they are asked for, never stored.
        CREATE TABLE campaigns (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            hashtags TEXT NOT NULL DEFAULT '[]',
            keywords TEXT NOT NULL DEFAULT '[]',
            from_ms INTEGER NOT NULL,
            to_ms INTEGER NOT NULL,
            areas TEXT NOT NULL DEFAULT '[]',
            created_by TEXT,
            created_ms INTEGER NOT NULL,
            updated_ms INTEGER,
            CHECK (to_ms > from_ms)
        );
"""

# Version 7: the public channel. A complaint's reply (the "replied" mark beside its triage)
# and appeals for help with the items that answer them.
_V7 = """
        -- A complaint answered: one row per item (no row: not replied). Each change is also a
        -- triage_history row (note 'replied: …'), so the history stays the one record.
        CREATE TABLE triage_replies (
            item_id INTEGER PRIMARY KEY,   -- items.id
            note TEXT NOT NULL,
            replied_ms INTEGER NOT NULL,
            replied_by TEXT NOT NULL
        );

        -- Appeals for help: draft -> queued -> sending -> sent (or failed when given up).
        -- ``client_key`` is made with the appeal and goes out with it, so a 'sending' appeal
        -- found on restart is looked for among the account's own posts before it is sent
        -- again; ``remote_id`` is recorded before (in the same statement as) the state sent.
        CREATE TABLE appeals (
            id INTEGER PRIMARY KEY,
            state TEXT NOT NULL DEFAULT 'draft'
                CHECK (state IN ('draft', 'queued', 'sending', 'sent', 'failed')),
            text_ko TEXT NOT NULL DEFAULT '',
            text_en TEXT NOT NULL DEFAULT '',
            image_path TEXT,
            area TEXT,
            hashtag TEXT,
            channel TEXT NOT NULL CHECK (channel IN ('x', 'facebook')),
            account TEXT NOT NULL,
            client_key TEXT NOT NULL UNIQUE,
            remote_id TEXT,
            remote_url TEXT,
            error TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            created_ms INTEGER NOT NULL,
            created_by TEXT NOT NULL,
            updated_ms INTEGER NOT NULL,
            sent_ms INTEGER,
            collected_ms INTEGER
        );
        CREATE INDEX appeals_state ON appeals (state);

        -- The items (replies, comments) collected as an appeal's responses.
        CREATE TABLE appeal_responses (
            appeal_id INTEGER NOT NULL,
            item_id INTEGER NOT NULL,
            PRIMARY KEY (appeal_id, item_id)
        ) WITHOUT ROWID;
        CREATE INDEX appeal_responses_item ON appeal_responses (item_id);

        -- An erased item takes its reply note and its appeal link with it.
        CREATE TRIGGER items_ad_channel AFTER DELETE ON items BEGIN
            DELETE FROM triage_replies WHERE item_id = old.id;
            DELETE FROM appeal_responses WHERE item_id = old.id;
        END;
"""

# Version 8: conversation threads (a post and the replies and comments that answer it) are
# followed down reply_to; replies are a small part of a cache, so the index holds only them.
_V8 = """
        CREATE INDEX items_reply_to ON items (source, reply_to) WHERE reply_to IS NOT NULL;
"""

# Version 9: the full-text index keeps no positions and no column sizes (a third of the
# size, built faster); searches check the candidate rows' text instead (desktop.core.textsearch).
# Rebuilt from the items for existing caches; the items_ad trigger is unchanged.
_V9 = """
        DROP TABLE items_fts;
        CREATE VIRTUAL TABLE items_fts USING fts5 (
            text, author, content='items', content_rowid='id', tokenize='trigram', detail=none, columnsize=0
        );
        INSERT INTO items_fts (items_fts) VALUES ('rebuild');
"""

# SQL scripts, one per version; run by Cache._migrate inside one transaction each.
MIGRATIONS = [_V1, _V2, _V3, _V4, _V5, _V6, _V7, _V8, _V9]
SCHEMA_VERSION = len(MIGRATIONS)
