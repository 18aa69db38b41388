"""The shared store's schema, versioned like the cache's: ``sitmap_schema`` holds the
version; each entry of :data:`MIGRATIONS` upgrades the store by one, run on connect under
an advisory lock (two workstations connecting at once migrate once). A store written by a
newer Sitmap is refused, never downgraded.

One sequence, ``sitmap_seq``, numbers every change: ``changes.seq`` (the change log) and
each row's ``seq`` (its latest change) come from it. Pushes hold one transaction-level
advisory lock from their first ``nextval`` to their commit, so sequence order is commit
order and a reader that has seen seq N has seen everything below N.
"""

from __future__ import annotations

PUSH_LOCK = 0x5349544D  # pg_advisory_xact_lock key held by every push (and by migrations)
ERASURE_HORIZON_DAYS = 30  # erasure records wait this long for a workstation that is away
CHANNEL = "sitmap_changes"  # NOTIFY channel; the payload is the newest seq, nothing else

_V1 = """
CREATE TABLE sitmap_schema (
    version integer NOT NULL,
    store_id text NOT NULL,
    migrated_at timestamptz NOT NULL DEFAULT now(),
    migrated_by text
);
CREATE SEQUENCE sitmap_seq;

-- The change log: one row per changed row, in commit order. Pullers read seq > cursor.
CREATE TABLE changes (
    seq bigint PRIMARY KEY DEFAULT nextval('sitmap_seq'),
    tbl text NOT NULL,
    row_id bigint NOT NULL,
    workstation text NOT NULL,
    operator text,
    t timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE workstations (
    id text PRIMARY KEY,
    host text,
    operator text,
    first_seen timestamptz NOT NULL DEFAULT now(),
    last_seen timestamptz NOT NULL DEFAULT now()
);

-- Posts and field updates, once per (source, source_id) however many workstations import them.
CREATE TABLE items (
    id bigserial PRIMARY KEY,
    seq bigint NOT NULL,
    kind text NOT NULL,
    source text NOT NULL,
    source_id text NOT NULL,
    t_ms bigint NOT NULL,
    lat double precision,
    lon double precision,
    geom geometry(Point, 4326),
    precision text NOT NULL,
    radius_m double precision,
    text text NOT NULL DEFAULT '',
    author text,
    author_id text,
    lang text,
    place_name text,
    hashtags text NOT NULL DEFAULT '[]',
    links text NOT NULL DEFAULT '[]',
    reply_to text,
    quote_of text,
    retweet_of text,
    unit_uid text,
    callsign text,
    extra text,
    raw text,
    workstation text NOT NULL,
    operator text,
    purpose text,
    case_ref text,
    UNIQUE (source, source_id)
);
CREATE INDEX items_geom ON items USING gist (geom);
CREATE INDEX items_t ON items (t_ms);

-- Append-only: the current triage of an item is its history folded in seq order.
CREATE TABLE triage_history (
    id bigserial PRIMARY KEY,
    seq bigint NOT NULL,
    workstation text NOT NULL,
    local_id bigint NOT NULL,
    item_id bigint NOT NULL REFERENCES items (id),
    t_ms bigint NOT NULL,
    by text NOT NULL,
    origin text NOT NULL,
    state text,
    priority text,
    tags text,
    duplicate_of bigint REFERENCES items (id),
    note text,
    UNIQUE (workstation, local_id)
);
CREATE INDEX triage_history_item ON triage_history (item_id, seq);

CREATE TABLE incidents (
    id bigserial PRIMARY KEY,
    seq bigint NOT NULL,
    uid text NOT NULL UNIQUE,  -- workstation:local id where it was opened
    name text NOT NULL,
    state text NOT NULL,
    priority text NOT NULL,
    lat double precision,
    lon double precision,
    area text,
    geom geometry(Geometry, 4326),
    created_ms bigint NOT NULL,
    created_by text NOT NULL,
    updated_ms bigint NOT NULL,
    closed_ms bigint,
    workstation text NOT NULL
);
CREATE INDEX incidents_geom ON incidents USING gist (geom);

CREATE TABLE incident_items (
    id bigserial PRIMARY KEY,
    seq bigint NOT NULL,
    incident_id bigint NOT NULL REFERENCES incidents (id),
    item_id bigint NOT NULL REFERENCES items (id),
    added_ms bigint NOT NULL,
    added_by text NOT NULL,
    removed boolean NOT NULL DEFAULT false,
    workstation text NOT NULL,
    UNIQUE (incident_id, item_id)
);

CREATE TABLE incident_log (
    id bigserial PRIMARY KEY,
    seq bigint NOT NULL,
    workstation text NOT NULL,
    local_id bigint NOT NULL,
    incident_id bigint NOT NULL REFERENCES incidents (id),
    t_ms bigint NOT NULL,
    by text NOT NULL,
    kind text NOT NULL,
    text text NOT NULL,
    item_id bigint REFERENCES items (id),
    task_code text,
    UNIQUE (workstation, local_id)
);
CREATE INDEX incident_log_incident ON incident_log (incident_id, seq);

CREATE TABLE tasks (
    id bigserial PRIMARY KEY,
    seq bigint NOT NULL,
    code text NOT NULL UNIQUE,
    incident_id bigint REFERENCES incidents (id),
    item_id bigint REFERENCES items (id),
    unit_uid text NOT NULL,
    callsign text,
    text text NOT NULL,
    lat double precision,
    lon double precision,
    geom geometry(Point, 4326),
    radius_m double precision NOT NULL,
    message_id text,
    state text NOT NULL,
    sent_ms bigint NOT NULL,
    sent_by text NOT NULL,
    delivered_ms bigint,
    acknowledged_ms bigint,
    on_scene_ms bigint,
    done_ms bigint,
    reply text,
    workstation text NOT NULL
);

CREATE TABLE areas (
    id bigserial PRIMARY KEY,
    seq bigint NOT NULL,
    name text NOT NULL UNIQUE,
    geometry text NOT NULL,
    geom geometry(Geometry, 4326),
    exclude boolean NOT NULL,
    created_ms bigint NOT NULL,
    workstation text NOT NULL
);
CREATE INDEX areas_geom ON areas USING gist (geom);

CREATE TABLE alert_rules (
    id bigserial PRIMARY KEY,
    seq bigint NOT NULL,
    workstation text NOT NULL,
    local_id bigint NOT NULL,
    name text NOT NULL,
    kind text NOT NULL,
    params text NOT NULL,
    area_name text,
    area text,
    enabled boolean NOT NULL,
    created_ms bigint NOT NULL,
    UNIQUE (workstation, local_id)
);

CREATE TABLE gazetteer (
    id bigserial PRIMARY KEY,
    seq bigint NOT NULL,
    kind text NOT NULL,
    name text NOT NULL,
    aliases text NOT NULL,
    code text,
    parent text,
    lat double precision NOT NULL,
    lon double precision NOT NULL,
    geom geometry(Point, 4326),
    radius_m double precision NOT NULL,
    added_ms bigint NOT NULL,
    added_by text,
    workstation text NOT NULL,
    UNIQUE (name, lat, lon)
);

-- Every workstation's audit entries, as their own chains recorded them (pushed, never pulled).
CREATE TABLE audit_entries (
    id bigserial PRIMARY KEY,
    seq bigint NOT NULL,
    workstation text NOT NULL,  -- the sync workstation that pushed it
    local_seq bigint NOT NULL,  -- the entry's seq in that workstation's chain
    t_ms bigint NOT NULL,
    operator text,
    purpose text,
    case_ref text,
    entry_workstation text NOT NULL,
    action text NOT NULL,
    objects text NOT NULL,
    detail text NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL,
    UNIQUE (workstation, local_seq)
);
CREATE INDEX audit_entries_t ON audit_entries (t_ms);
"""

_V2 = """
-- Erasures (a user's erase, a retention purge, a source's withdrawal) made on one
-- workstation, for the others to apply: the item's identity only. The push that brings one
-- removes the item and what refers to it here; pullers erase their copy. A row is kept
-- until every workstation seen within ERASURE_HORIZON_DAYS has pulled past it, then pruned
-- (``store_meta`` 'erasures_pruned_to' remembers how far, so a workstation that was away
-- longer checks its cache against the store instead).
CREATE TABLE erasures (
    id bigserial PRIMARY KEY,
    seq bigint NOT NULL,
    source text NOT NULL,
    source_id text NOT NULL,
    reason text NOT NULL,
    workstation text NOT NULL,
    t_ms bigint NOT NULL
);
CREATE INDEX erasures_key ON erasures (source, source_id);
CREATE INDEX erasures_seq ON erasures (seq);
ALTER TABLE workstations ADD COLUMN pulled_seq bigint NOT NULL DEFAULT 0;
CREATE TABLE store_meta (key text PRIMARY KEY, value text NOT NULL);

-- scrub_geo from a source: an author's positions up to a post id are forgotten, in the
-- store's items now and in any pushed later (the rule stays, as it does in each cache).
CREATE TABLE scrubs (
    id bigserial PRIMARY KEY,
    seq bigint NOT NULL,
    source text NOT NULL,
    author_id text NOT NULL,
    up_to_id numeric NOT NULL,
    workstation text NOT NULL,
    UNIQUE (source, author_id)
);

-- Campaign definitions, by name; the latest change wins (``changed_ms``); a removal is a
-- row with ``removed`` so that the other workstations remove theirs too.
CREATE TABLE campaigns (
    id bigserial PRIMARY KEY,
    seq bigint NOT NULL,
    name text NOT NULL UNIQUE,
    hashtags text NOT NULL,
    keywords text NOT NULL,
    from_ms bigint NOT NULL,
    to_ms bigint NOT NULL,
    areas text NOT NULL,
    created_by text,
    created_ms bigint NOT NULL,
    changed_ms bigint NOT NULL,
    removed boolean NOT NULL DEFAULT false,
    workstation text NOT NULL
);
"""

# Version 3: fired alerts, so that an alert raised on one workstation (or the headless
# ingest node) reaches them all (desktop.sync.alerts). Their items are the store's own rows:
# an erasure there takes the reference with the item.
_V3 = """
CREATE TABLE alerts (
    id bigserial PRIMARY KEY,
    seq bigint NOT NULL,
    workstation text NOT NULL,
    local_id bigint NOT NULL,
    operator text,
    rule_name text NOT NULL,
    kind text NOT NULL,
    episode text NOT NULL,
    t_ms bigint NOT NULL,
    area_name text,
    message text NOT NULL,
    cleared_ms bigint,
    UNIQUE (workstation, local_id)
);
CREATE INDEX alerts_t ON alerts (t_ms);
CREATE TABLE alert_items (
    alert_id bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    item_id bigint NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    PRIMARY KEY (alert_id, item_id)
);
CREATE INDEX alert_items_item ON alert_items (item_id);
"""

# One SQL script per version; never edit a shipped entry, append a new one.
MIGRATIONS = [_V1, _V2, _V3]
SCHEMA_VERSION = len(MIGRATIONS)

# Tables a pull reads, in the order their rows are applied (what a row refers to first).
PULL_ORDER = ("items", "areas", "gazetteer", "alert_rules", "incidents", "incident_items", "tasks", "incident_log",
              "triage_history")
