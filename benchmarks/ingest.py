"""How fast items get into a fresh cache.

    .venv/bin/python -m benchmarks.ingest [--size 1000000] [--tweets 200000] [--design old|new|both]
                                          [--repeat N] [--geoparse] [--variants]

Measures (a) the demo incident written by write_demo into a new cache file, with the
time spent on derived indexes (hashtag rows, R-tree, full-text) reported on their own
rows; (b) an X v1.1 streaming capture made from the demo's posts, imported through
``desktop.importers.import_file``; and, for context, (c) the floor: plain
``executemany`` of the same rows into a bare table without indexes or constraints.
``--variants`` also runs the demo insert the slower ways it avoids (one row per
statement; indexes kept during the insert) so the choices stay justified.

``--design`` picks what is measured: ``new`` (the full-text index without positions,
schema 9; the X file read in a worker process while this one writes; the items indexes
made once after a big load into an empty cache), ``old`` (the positional full-text index
of schemas 1-8, the file read and written in one process, indexes kept during the
insert), or ``both`` in the same run (the default). The geoparser (placing posts without
coordinates from their text, on by default in the app) is measured on its own row with
``--geoparse``; the other rows leave it off, so they time the writing itself.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import re
import resource
import subprocess
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from desktop.cache import Cache, fts_build, writer  # noqa: E402
from desktop.cache.fts import OLD_DDL  # noqa: E402
from desktop.demo import generator, scenario  # noqa: E402
from desktop.demo.generator import chunks, write_demo  # noqa: E402

TARGET_DEMO = 100_000  # issue 17: demo generation with every index
SOURCES = ("mobile app", "tablet app", "web app")  # the client named in each post's "source"


# --- measuring ------------------------------------------------------------------------------

class _TimedConn:
    """Stands in for the connection given to derive_batch and times each statement by
    the table it fills, so the derived indexes can be reported one by one."""

    def __init__(self, conn: sqlite3.Connection, into: dict[str, float]):
        self._conn, self._into = conn, into

    def execute(self, sql: str, *args):
        m = re.search(r"INSERT\s+(?:OR\s+\w+\s+)?INTO\s+(\w+)", sql, re.I)
        label = m.group(1) if m else sql.split()[0]
        t0 = time.perf_counter()
        try:
            return self._conn.execute(sql, *args)
        finally:
            self._into[label] = self._into.get(label, 0.0) + time.perf_counter() - t0

    def __getattr__(self, name):
        return getattr(self._conn, name)


def fresh_cache(d: Path, name: str, design: str = "new") -> Cache:
    p = d / name
    for suffix in ("", "-wal", "-shm"):
        Path(str(p) + suffix).unlink(missing_ok=True)
    cache = Cache.open(p)
    if design == "old":  # the full-text index of schemas 1-8 (positions kept)
        cache.conn.execute("DROP TABLE items_fts")
        cache.conn.execute(OLD_DDL)
    return cache


def run_demo(d: Path, size: int, *, rows_per_insert: int | None = None, keep_indexes: bool = False,
             design: str = "new", geoparse: bool = False):
    """write_demo into a fresh cache; returns (stats, seconds per derived table)."""
    parts: dict[str, float] = {}
    orig_deriving, orig_defer, orig_rows = generator.Deriving, generator._defer_item_indexes, generator.ROWS_PER_INSERT
    orig_worker, orig_free, orig_beside = generator.WORKER_AT, generator.a_core_is_free, generator.BUILD_AT
    if design == "old":  # the rows drawn in this process, the full text indexed by it
        generator.WORKER_AT = generator.BUILD_AT = 2**62
    elif design == "one-writer":  # drawn in a worker, the full text indexed by the writer
        generator.a_core_is_free = lambda: True
        generator.BUILD_AT = 2**62
    else:  # drawn in a worker whatever the machine's load (the app asks a_core_is_free first)
        generator.a_core_is_free = lambda: True
    generator.Deriving = lambda conn, batch_id, beside=False: orig_deriving(_TimedConn(conn, parts), batch_id, beside)
    orig_add, orig_finish = fts_build.SideBuild.add_range, fts_build.SideBuild.finish

    def timed(f, label):
        def run(*a, **k):
            t0 = time.perf_counter()
            try:
                return f(*a, **k)
            finally:
                parts[label] = parts.get(label, 0.0) + time.perf_counter() - t0
        return run

    fts_build.SideBuild.add_range = timed(orig_add, "handing rows to the index builder (another process)")
    fts_build.SideBuild.finish = timed(orig_finish, "waiting for the index builder, copying its index in")
    if keep_indexes:
        generator._defer_item_indexes = lambda conn: []
    if rows_per_insert:
        generator.ROWS_PER_INSERT = rows_per_insert
    try:
        cache = fresh_cache(d, "demo.db", design)
        stats = write_demo(cache, seed=7, size=size, geoparse=geoparse)
        cache.close()
    finally:
        generator.Deriving, generator._defer_item_indexes = orig_deriving, orig_defer
        fts_build.SideBuild.add_range, fts_build.SideBuild.finish = orig_add, orig_finish
        generator.ROWS_PER_INSERT = orig_rows
        generator.WORKER_AT, generator.a_core_is_free, generator.BUILD_AT = orig_worker, orig_free, orig_beside
    return stats, parts


def run_floor(d: Path, size: int) -> float:
    """Seconds spent in plain executemany of the demo rows into one bare table."""
    p = d / "floor.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(p) + suffix).unlink(missing_ok=True)
    conn = sqlite3.connect(p, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    cols = generator.ROW_COLUMNS
    conn.execute(f"CREATE TABLE items ({', '.join(cols)})")
    sql = f"INSERT INTO items VALUES ({', '.join('?' * len(cols))})"
    spent = 0.0
    conn.execute("BEGIN")
    for chunk in chunks(7, size):
        t0 = time.perf_counter()
        conn.executemany(sql, chunk.rows)
        spent += time.perf_counter() - t0
    t0 = time.perf_counter()
    conn.execute("COMMIT")
    spent += time.perf_counter() - t0
    conn.close()
    return spent


# --- an X v1.1 capture from the demo's posts -------------------------------------------------

def _created_at(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%a %b %d %H:%M:%S +0000 %Y")


class _Places:
    """v1.1 place objects for the scenario's areas, boxes sized to their radius."""

    def __init__(self, sc: dict):
        self.by_name: dict[str, dict] = {}
        for key, a in sc["areas"].items():
            h = a["radius_m"] / math.sqrt(2)  # half a side: the box's half-diagonal is the radius
            dlat = h / scenario.M_PER_DEG_LAT
            dlon = h / (scenario.M_PER_DEG_LON_EQ * math.cos(math.radians(a["lat"])))
            w, s, e, n = a["lon"] - dlon, a["lat"] - dlat, a["lon"] + dlon, a["lat"] + dlat
            pid = hashlib.sha1(key.encode()).hexdigest()[:16]  # stable across runs, unlike hash()
            for lang, full in (("ko", a["name_ko"]), ("en", a["name_en"])):
                self.by_name[full] = {
                    "id": pid, "url": f"https://api.example.com/1.1/geo/id/{pid}.json",
                    "place_type": "city" if "," in full or " " not in full else "admin",
                    "name": full.split(",")[0].split(" ")[-1], "full_name": full, "country_code": "KR",
                    "country": "대한민국" if lang == "ko" else "Republic of Korea",
                    "bounding_box": {"type": "Polygon", "coordinates": [[[w, s], [w, n], [e, n], [e, s]]]},
                    "attributes": {},
                }
        self.region = {("seoul", "ko"): self.by_name[sc["areas"]["seoul_centre"]["name_ko"]],
                       ("seoul", "en"): self.by_name[sc["areas"]["seoul_centre"]["name_en"]],
                       ("busan", "ko"): self.by_name[sc["areas"]["busan"]["name_ko"]],
                       ("busan", "en"): self.by_name[sc["areas"]["busan"]["name_en"]]}


_TAG_RE = re.compile(r"#(\w+)")
_URL_RE = re.compile(r"https://t\.co/\w+")


def tweet(row: tuple, places: _Places) -> dict:
    """A demo post row as a v1.1 streaming Tweet object."""
    c = dict(zip(generator.ROW_COLUMNS, row))
    tid, uid, text, t = int(c["source_id"]), int(c["author_id"]), c["text"], c["t_ms"]
    ents = {"hashtags": [{"text": m.group(1), "indices": [m.start(), m.end()]} for m in _TAG_RE.finditer(text)],
            "urls": [{"url": m.group(0), "expanded_url": f"https://photos.example.com/{m.group(0)[13:]}",
                      "display_url": f"photos.example.com/{m.group(0)[13:]}", "indices": [m.start(), m.end()]}
                     for m in _URL_RE.finditer(text)],
            "user_mentions": [], "symbols": []}
    coords = geo = place = None
    if c["precision"] == "exact":
        coords = {"type": "Point", "coordinates": [c["lon"], c["lat"]]}
        geo = {"type": "Point", "coordinates": [c["lat"], c["lon"]]}
        place = places.region[("busan" if c["lat"] < 36 else "seoul", c["lang"])]
    elif c["precision"] == "place":
        place = places.by_name[c["place_name"]]
    tw = {
        "created_at": _created_at(t), "id": tid, "id_str": str(tid), "text": text,
        "source": f'<a href="https://example.com/app" rel="nofollow">{SOURCES[tid % 3]}</a>',
        "truncated": False, "in_reply_to_status_id": None, "in_reply_to_status_id_str": None,
        "in_reply_to_user_id": None, "in_reply_to_user_id_str": None, "in_reply_to_screen_name": None,
        "user": {"id": uid, "id_str": str(uid), "name": c["author"].replace("_", " ").title(),
                 "screen_name": c["author"], "location": None, "url": None, "description": None,
                 "protected": False, "verified": False, "followers_count": uid % 4000,
                 "friends_count": uid % 900, "listed_count": uid % 7, "favourites_count": uid % 12000,
                 "statuses_count": 50 + uid % 30000, "created_at": _created_at(1262304000000 + uid % 400_000_000_000),
                 "utc_offset": None, "time_zone": None, "geo_enabled": coords is not None, "lang": None,
                 "profile_image_url_https": f"https://images.example.com/profile/{uid % 10**12}/a_normal.jpg",
                 "default_profile": True},
        "geo": geo, "coordinates": coords, "place": place, "contributors": None, "is_quote_status": False,
        "quote_count": 0, "reply_count": 0, "retweet_count": 0, "favorite_count": 0,
        "entities": ents, "favorited": False, "retweeted": False, "filter_level": "low", "lang": c["lang"],
        "timestamp_ms": str(t),
    }
    if len(text) > 140:  # compatibility mode: the whole text moves to extended_tweet
        tw.update(truncated=True, text=text[:139] + "…",
                  extended_tweet={"full_text": text, "display_text_range": [0, len(text)], "entities": ents})
        tw["entities"] = {"hashtags": [], "urls": [], "user_mentions": [], "symbols": []}
    return tw


def write_capture(path: Path, n: int) -> int:
    """Write n demo posts as a v1.1 stream capture (CRLF lines, escaped slashes)."""
    sc = scenario.load()
    places = _Places(sc)
    size = math.ceil(n / (1 - sc["field_update_share"])) + 1000
    written = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        for chunk in chunks(11, size, sc):
            lines = []
            for row in chunk.rows:
                if row[0] != "post":
                    continue
                lines.append(json.dumps(tweet(row, places), ensure_ascii=False, separators=(",", ":")).replace("/", "\\/"))
                written += 1
                if written == n:
                    break
            fh.write("\r\n".join(lines) + "\r\n")
            if written == n:
                break
    return written


def run_x_import(d: Path, capture: Path, design: str = "new", geoparse: bool = False):
    """(items accepted, seconds, CPU seconds of this process)."""
    from desktop.importers import import_file
    from desktop.importers.base import ImportOptions

    from desktop.importers import pipeline

    cache = fresh_cache(d, "x.db", "old" if design == "old" else "new")
    defer, readers = writer.DEFER_INDEXES_AT, pipeline.READERS
    if design == "old":
        writer.DEFER_INDEXES_AT = 2**62
    if design == "one-reader":  # the reader in one worker process (the design before pieces)
        pipeline.READERS = 1
    try:
        k0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0, c0 = time.perf_counter(), time.process_time()
        result = import_file(cache, capture, fmt="x-v1", purpose="public-order", parallel=design != "old",
                             options=ImportOptions(geoparse=geoparse))
        spent, cpu = time.perf_counter() - t0, time.process_time() - c0
        k1 = resource.getrusage(resource.RUSAGE_CHILDREN)  # the reading worker, ended and waited for
        worker = (k1.ru_utime + k1.ru_stime) - (k0.ru_utime + k0.ru_stime)
    finally:
        writer.DEFER_INDEXES_AT, pipeline.READERS = defer, readers
        cache.close()
    return result.stats.accepted, spent, cpu, worker


def _tree_at(ref: str, d: Path) -> Path:
    """The Sitmap tree at commit ``ref``, extracted into ``d`` (the working tree is left alone)."""
    out = d / f"tree-{ref}"
    out.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive, check=True)
    return out


def run_x_at(root: Path, capture: Path, d: Path):
    """(items accepted, seconds, CPU of the writing process, CPU of its workers) of one import by
    the tree at ``root``, in a process of its own (``benchmarks/x_import_at.py``)."""
    db = d / "x-ref.db"
    for p in d.glob("x-ref.db*"):
        p.unlink()
    child = Path(__file__).resolve().parent / "x_import_at.py"
    out = subprocess.run([sys.executable, str(child), str(root), str(capture), str(db)], check=True,
                         capture_output=True, text=True).stdout
    got = json.loads(out.strip().splitlines()[-1])
    return got["accepted"], got["seconds"], got["cpu"], got["workers"]


# --- reporting ------------------------------------------------------------------------------

def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or cpu
    load = " / ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return (f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}; SQLite {sqlite3.sqlite_version}; "
            f"numpy {np.__version__}; load average {load}")


def table(rows: list[tuple]) -> str:
    head = ("measure", "items", "seconds", "items/s", "target")
    cells = [head]
    for name, items, secs, target in rows:
        if isinstance(secs, str):
            cells.append((name, "—", "—", secs, target))
        else:
            cells.append((name, f"{items:,}", f"{secs:.2f}", f"{items / secs:,.0f}" if secs else "—", target))
    widths = [max(len(r[i]) for r in cells) for i in range(5)]
    out = []
    for k, r in enumerate(cells):
        out.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if k == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=1_000_000, help="demo items (default 1,000,000)")
    ap.add_argument("--tweets", type=int, default=200_000, help="posts in the X v1.1 capture (default 200,000)")
    ap.add_argument("--design", default="both",
                    help="demo designs, comma-separated: old (one process, positions kept), one-writer (drawn in a "
                         "worker, the full text indexed by the writer), new (the full text indexed by a process of "
                         "its own); both = old,new")
    ap.add_argument("--geoparse", action="store_true", help="also time the geoparser on the demo and the X import")
    ap.add_argument("--repeat", type=int, default=1, help="rounds over the designs; the best run of each is shown")
    ap.add_argument("--x-designs", default="old,one-reader,new",
                    help="X import designs: old (one process), one-reader (the reader in one worker process), "
                         "new (JSON lines read in pieces by several reading processes)")
    ap.add_argument("--x-ref", default=None,
                    help="also import the capture with the tree at this commit (its shipped design, in a process "
                         "of its own), in the same rounds: the earlier design as the peer")
    ap.add_argument("--variants", action="store_true", help="also run the slower insert strategies")
    ap.add_argument("--dir", type=Path, default=None, help="where the caches go (default: a temporary folder)")
    args = ap.parse_args(argv)
    designs = ("old", "new") if args.design == "both" else tuple(args.design.split(","))

    before = machine()
    rows: list[tuple] = []
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        d = Path(tmp)
        best: dict[str, tuple] = {}
        for rnd in range(args.repeat):  # round robin, the best run of each: the machine's load moves
            for design in designs:
                print(f"round {rnd + 1}: demo ({design}): {args.size:,} items …", file=sys.stderr)
                got_demo = run_demo(d, args.size, design=design)
                if design not in best or got_demo[0].total_s < best[design][0].total_s:
                    best[design] = got_demo
        for design in designs:
            st, parts = best[design]
            n = st.items
            rest = st.total_s - st.derive_s
            fts = "full-text (FTS5 trigram, positions)" if design == "old" else "full-text (FTS5 trigram, detail=none)"
            rows += [
                (f"[{design}] demo → cache, total with every index", n, st.total_s, f"≥{TARGET_DEMO:,}"),
                ("  generating rows (numpy)" if design == "old" or n < generator.WORKER_AT else
                 "  waiting for rows (drawn in a worker process)", n, st.generate_s, ""),
                (f"  items insert ({generator.ROWS_PER_INSERT} rows/statement)", n, st.insert_s, ""),
                ("  items indexes made after insert", n, st.index_s, ""),
                ("  units, batch row and commit", n, rest - st.generate_s - st.insert_s - st.index_s, ""),
            ]
            names = {"item_tags": "hashtag rows", "items_fts": fts}
            shown: dict[str, float] = {}
            for table_name, secs in parts.items():
                if table_name in ("SELECT", "DROP", "CREATE", "DELETE", "PRAGMA"):
                    continue  # the index builder's own statements, timed whole above
                label = names.get(table_name, table_name)
                shown[label] = shown.get(label, 0.0) + secs
            for label, secs in shown.items():
                rows.append((f"  {label}", n, secs, ""))
            derived = sum(shown.values())
            if abs(st.derive_s - derived) > 0.05:
                rows.append(("  other derived (campaigns)", n, st.derive_s - derived, ""))
        if args.geoparse:
            print("demo with the geoparser …", file=sys.stderr)
            st, parts = run_demo(d, args.size, design=designs[-1], geoparse=True)
            rows.append((f"[{designs[-1]}] demo → cache with the geoparser", st.items, st.total_s, ""))
            rows.append(("  geoparser alone (placing posts from their text)", st.items,
                         st.derive_s - sum(parts.values()), ""))
        if args.variants:
            print("variants …", file=sys.stderr)
            v1, _ = run_demo(d, args.size, rows_per_insert=1)
            rows.append(("variant: 1 row/statement (insert only)", n, v1.insert_s, ""))
            v2, _ = run_demo(d, args.size, keep_indexes=True)
            rows.append(("variant: indexes kept during insert (insert only)", n, v2.insert_s, ""))
        print(f"x-v1 capture: {args.tweets:,} posts …", file=sys.stderr)
        capture = d / "capture.jsonl"
        t0 = time.perf_counter()
        write_capture(capture, args.tweets)
        setup = time.perf_counter() - t0
        mb = capture.stat().st_size / 2**20
        best_x: dict[str, tuple] = {}
        x_designs = args.x_designs.split(",")
        ref_root = _tree_at(args.x_ref, d) if args.x_ref else None
        for rnd in range(args.repeat):
            # With a peer tree, this tree is also measured the same way: a fresh process each.
            for design in (["ref", "here"] if ref_root else []) + x_designs:
                print(f"round {rnd + 1}: x-v1 import ({design}) …", file=sys.stderr)
                if design in ("ref", "here"):
                    got_x = run_x_at(ref_root if design == "ref" else ROOT, capture, d)
                else:
                    got_x = run_x_import(d, capture, design)
                if design not in best_x or got_x[1] < best_x[design][1]:
                    best_x[design] = got_x
        if ref_root:
            for design, label in (("ref", f"the tree at {args.x_ref}"), ("here", "this tree")):
                got, secs, cpu, worker = best_x[design]
                rows.append((f"[{design}] x-v1 JSONL → import_file ({label}, a fresh process)", got, secs, "≥40,000"))
                rows.append(("  CPU of the writing process / of the reading processes", got, cpu, f"{worker:.2f} s"))
        for design in x_designs:
            got, secs, cpu, worker = best_x[design]
            how = {"new": "JSON lines in pieces, reading processes", "one-reader": "reader in a worker process",
                   "old": "one process"}[design]
            rows.append((f"[{design}] x-v1 JSONL → import_file ({how})", got, secs, "≥40,000"))
            rows.append((f"  CPU of the writing process ({cpu / secs:.0%} of the time)", got, cpu, ""))
            if design != "old":
                rows.append(("  CPU of the reading worker processes", got, worker, ""))
            if design != "new":
                rows.append(("  bound by CPU alone (each process on a core of its own)", got, max(cpu, worker), ""))
        if args.geoparse:
            got, secs, _, _ = run_x_import(d, capture, x_designs[-1], geoparse=True)
            rows.append((f"[{x_designs[-1]}] x-v1 import with the geoparser", got, secs, ""))
        rows.append((f"  (setup: writing the {mb:,.0f} MB capture, not timed above)", args.tweets, setup, ""))
        print("floor …", file=sys.stderr)
        rows.append(("peer: bare executemany, 1 table, no indexes", args.size, run_floor(d, args.size), "floor"))
    print(table(rows))
    print(f"\nmachine: {before}")
    print(f"after:   load average {' / '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
