"""Minimisation across the command post: one policy, applied in the store and on every cache.

A cache's minimisation settings (:mod:`desktop.cache.minimise`: keep raw payloads or not,
pseudonymise authors after N days, coarsen exact positions after N days) would otherwise
stop at its own file: the store, and every workstation that joined later, would keep the
handles and positions this workstation let go. So the settings travel as campaigns do
(few, edited in place): a push sends them when they differ from what the cache last agreed
with the store (``sync.<store>.minimise``: their signature), the store keeps the latest
(``store_meta`` 'minimise') and logs a change; a pull adopts the store's settings unless
this cache changed its own since it last agreed (they go up with its next push), and says
so in this workstation's audit trail. The cache's own runs (the window's daily run,
``sitmap minimise``, ``sitmap purge``) then minimise its copies, with its own secret.

The store minimises its own rows (:func:`run_in_store`) whenever the settings reach it and at
least hourly (all of them; posts age past the limits), and after every push that brought
items (those items): posts older than the limits, not in an incident, get
a pseudonym from the store's own secret (``store_meta`` 'minimise_secret', made at the first
run that needs it) and lose their raw payload; exact positions are snapped to the grid.
PostgreSQL frees the old row versions at its next VACUUM (see ARCHITECTURE).
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
import time

from desktop.cache import minimise as local

KEY = "minimise"
_DAY_MS = 86_400_000


def _settings(conn) -> dict[str, str]:
    s = local.settings(conn)
    return {k: s[k] for k in local.DEFAULTS}


def _sig(s: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(s, sort_keys=True).encode()).hexdigest()[:16]


def _is_default(s: dict[str, str]) -> bool:
    return not local.active(s) and s.get("keep_raw") == local.DEFAULTS["keep_raw"]


def _changed_here(st, mine: dict[str, str]) -> bool:
    """This cache's settings differ from what it last agreed with the store (never agreed:
    when it has settings of its own)."""
    agreed = st.get_key(KEY)
    return (not _is_default(mine)) if agreed is None else _sig(mine) != agreed


def push(link, cur, out, marks: dict, log_changes) -> dict | None:
    """Inside the push's transaction: the settings if they changed here (``marks[KEY]``: the
    signature now agreed); returns the settings in force in the store (None: none yet)."""
    mine = _settings(link.cache.conn)
    sig = _sig(mine)
    store = fetch(cur)
    if store is not None and store["settings"] == mine:
        if link.state.get_key(KEY) != sig:
            marks[KEY] = sig
        return mine
    if _changed_here(link.state, mine):
        store = {"settings": mine, "changed_ms": int(time.time() * 1000), "workstation": link.ws,
                 "operator": link.operator}
        cur.execute("INSERT INTO store_meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE "
                    "SET value = excluded.value", (KEY, json.dumps(store, ensure_ascii=False, sort_keys=True)))
        seq = cur.execute("SELECT nextval('sitmap_seq')").fetchone()[0]
        out.counts[KEY] = log_changes(cur, KEY, link.ws, link.operator, [(0, seq)])
        marks[KEY] = sig
    return store["settings"] if store is not None else None


def waiting(link) -> int:
    return int(_changed_here(link.state, _settings(link.cache.conn)))


def fetch(cur) -> dict | None:
    row = cur.execute("SELECT value FROM store_meta WHERE key = %s", (KEY,)).fetchone()
    return json.loads(row[0]) if row else None


def apply(link, store: dict | None, out) -> bool:
    """Inside the pull's transaction: adopt the store's settings unless this cache changed
    its own since it last agreed. Returns whether the settings changed here."""
    if not store:
        return False
    from desktop.cache.outbox import Staged, Who, stage

    conn, st = link.cache.conn, link.state
    mine, theirs = _settings(conn), {k: str(v) for k, v in store["settings"].items() if k in local.DEFAULTS}
    if _changed_here(st, mine):
        return False  # changed here since: this cache's settings go up with its next push
    if theirs == mine:
        st.put_key(KEY, _sig(mine))
        return False
    checked = {k: local._check(k, v) for k, v in theirs.items()}
    for k, v in checked.items():
        conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                     (local.PREFIX + k, v))
    st.put_key(KEY, _sig(_settings(conn)))
    stage(conn, Staged("alter", Who(operator=link.operator)), objects={"minimise": sorted(checked)},
          detail={"settings": checked, "from": "shared store", "store": link.store_id,
                  "set_by": store.get("operator") or store.get("workstation")})
    out.counts[KEY] = out.counts.get(KEY, 0) + 1
    return True


def _secret(cur) -> bytes:
    row = cur.execute("SELECT value FROM store_meta WHERE key = 'minimise_secret'").fetchone()
    if row is None:
        cur.execute("INSERT INTO store_meta (key, value) VALUES ('minimise_secret', %s) ON CONFLICT (key) DO NOTHING",
                    (secrets.token_hex(32),))
        row = cur.execute("SELECT value FROM store_meta WHERE key = 'minimise_secret'").fetchone()
    return bytes.fromhex(row[0])


_SPARED = "i.id NOT IN (SELECT item_id FROM incident_items WHERE NOT removed)"
FULL_PASS_MS = 3_600_000  # posts age past the limits: the whole store is looked at hourly


def full_pass_due(cur, s: dict | None, *, now_ms: int | None = None) -> bool:
    """Whether the store's last whole pass is older than FULL_PASS_MS (posts age past the
    limits with no new settings and no new items)."""
    if not s or not (local.active(s) or s.get("keep_raw") == "no"):
        return False
    row = cur.execute("SELECT value FROM store_meta WHERE key = 'minimise_ran_ms'").fetchone()
    now = int(time.time() * 1000) if now_ms is None else int(now_ms)
    return row is None or now - int(row[0]) >= FULL_PASS_MS


def run_in_store(cur, s: dict | None, *, ids: list[int] | None = None, now_ms: int | None = None) -> dict[str, int]:
    """Apply the settings to the store's items (``ids``: only those; inside the push's
    transaction); the counts."""
    counts = {"pseudonymised": 0, "coarsened": 0, "raw_dropped": 0}
    if not s or not (local.active(s) or s.get("keep_raw") == "no"):
        return counts
    only, only_p = (" AND i.id = ANY(%s)", [list(ids)]) if ids is not None else ("", [])
    now = int(time.time() * 1000) if now_ms is None else int(now_ms)
    pseudo, coarse = local._days(s.get("pseudonymise_after_days", "off")), local._days(s.get("coarsen_after_days", "off"))
    if pseudo is not None:
        rows = cur.execute(
            f"SELECT i.id, i.source, i.author_id, i.author FROM items i WHERE i.kind = 'post' AND i.t_ms < %s "
            f"AND {_SPARED} AND ((i.author_id IS NOT NULL AND left(i.author_id, 1) != '~') "
            "OR (i.author_id IS NULL AND i.author IS NOT NULL AND left(i.author, 1) != '~'))" + only,
            (now - int(pseudo * _DAY_MS), *only_p)).fetchall()
        if rows:
            key = _secret(cur)
            cur.execute("CREATE TEMP TABLE tmp_pseudo (id bigint, p text) ON COMMIT DROP")
            with cur.copy("COPY tmp_pseudo (id, p) FROM STDIN") as cp:
                for iid, source, author_id, author in rows:
                    cp.write_row((iid, local.pseudonym(key, source, author_id, author)))
            counts["pseudonymised"] = cur.execute(
                "UPDATE items i SET author = t.p, author_id = t.p, raw = NULL FROM tmp_pseudo t WHERE i.id = t.id").rowcount
    if coarse is not None:
        grid = float(s.get("coarsen_grid_m", local.DEFAULTS["coarsen_grid_m"]))
        rows = cur.execute(f"SELECT i.id, i.lat, i.lon FROM items i WHERE i.kind = 'post' AND i.precision = 'exact' "
                           f"AND i.lat IS NOT NULL AND i.t_ms < %s AND {_SPARED}" + only,
                           (now - int(coarse * _DAY_MS), *only_p)).fetchall()
        if rows:
            cur.execute("CREATE TEMP TABLE tmp_coarse (id bigint, lat double precision, lon double precision) "
                        "ON COMMIT DROP")
            with cur.copy("COPY tmp_coarse (id, lat, lon) FROM STDIN") as cp:
                for iid, lat, lon in rows:
                    cp.write_row((iid, *local.snap(lat, lon, grid)))
            counts["coarsened"] = cur.execute(
                "UPDATE items i SET lat = t.lat, lon = t.lon, geom = ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326), "
                "precision = 'place', radius_m = %s FROM tmp_coarse t WHERE i.id = t.id",
                (grid * math.sqrt(2) / 2,)).rowcount
    if ids is None:
        cur.execute("INSERT INTO store_meta (key, value) VALUES ('minimise_ran_ms', %s) ON CONFLICT (key) DO UPDATE "
                    "SET value = excluded.value", (str(now),))
    if s.get("keep_raw") == "no":
        counts["raw_dropped"] = cur.execute("UPDATE items i SET raw = NULL WHERE raw IS NOT NULL" + only,
                                            only_p).rowcount
    return counts
