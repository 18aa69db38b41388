"""How fast, and in how much memory, `sitmap export` writes a large filter: GeoJSON and CSV.

    .venv/bin/python -m benchmarks.exports [--size 1M] [--formats geojson,csv] [--no-peers] [--no-docs]

The cache is the interactive benchmark's ``var/benchmarks/demo-<size>.db`` when it exists
(read only here), else the demo incident is written there with
``desktop.demo.generator.write_demo``. Each export runs in a fresh child process, which
reports its wall time and peak resident memory (``ru_maxrss``): Sitmap's streaming
export (:func:`desktop.exports.export_cache`, the whole cache as the filter) against a
naive peer in the same run that loads every record into a list first (GeoJSON: one
``json.dump`` of the whole collection; CSV: a pandas DataFrame and ``to_csv``). The peers
write the same records (the same fields, triage and incidents), so the difference is
the streaming. A table goes to stdout and the "Exports" section of docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH = ROOT / "var" / "benchmarks"
DOC = ROOT / "docs" / "BENCHMARKS.md"
START, END = "<!-- exports:start -->", "<!-- exports:end -->"
SIZES = {"100k": 100_000, "200k": 200_000, "1M": 1_000_000}


def ensure_cache(label: str) -> tuple[Path, str]:
    path = BENCH / f"demo-{label}.db"
    if path.exists():
        return path, "reused from the interactive benchmark"
    from desktop.cache import Cache
    from desktop.demo.generator import write_demo

    BENCH.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".partial.db")
    for suffix in ("", "-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    cache = Cache.open(tmp)
    st = write_demo(cache, seed=7, size=SIZES[label])
    cache.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    cache.close()
    os.replace(tmp, path)
    return path, f"written in {st.total_s:.0f} s"


# --- the child: one export, then its time and peak memory as JSON on stdout ------------------

def naive(db: Path, fmt: str, out: Path) -> int:
    from desktop.cache import Cache
    from desktop.core.filters import Filter
    from desktop.exports import fields

    with Cache.open_readonly(db) as cache:
        recs = list(fields.records(cache.conn, Filter()))  # every record in memory
    if fmt == "geojson":
        feats = [{"type": "Feature", "id": r["id"], "properties": r,
                  "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]} if fields.has_position(r) else None}
                 for r in recs]
        with open(out, "w", encoding="utf-8") as fh:
            json.dump({"type": "FeatureCollection", "name": "items", "features": feats}, fh, ensure_ascii=False)
    else:
        import pandas as pd

        pd.DataFrame([fields.flat(r) for r in recs], columns=list(fields.FIELDS)).to_csv(
            out, index=False, encoding="utf-8-sig")
    return len(recs)


def child(mode: str, db: Path, fmt: str, out: Path) -> None:
    t0 = time.perf_counter()
    if mode == "sitmap":
        from desktop.core.filters import Filter
        from desktop.exports import export_cache

        n = export_cache(db, Filter(), fmt, out).count
    else:
        n = naive(db, fmt, out)
    secs = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"items": n, "seconds": secs, "peak_mb": peak_mb, "bytes": out.stat().st_size}))


def run_child(mode: str, db: Path, fmt: str, tmp: Path) -> dict:
    out = tmp / f"{mode}.{fmt}"
    proc = subprocess.run([sys.executable, "-m", "benchmarks.exports", "--child", mode, str(db), fmt, str(out)],
                          cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{mode} {fmt} failed:\n{proc.stderr}")
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    out.unlink(missing_ok=True)
    return res


# --- reporting --------------------------------------------------------------------------------

def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "?")
    mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
               if line.startswith("MemTotal"))
    import pandas
    import pyogrio

    return (f"{cpu}, {os.cpu_count()} cores, {mem / 2**20:.1f} GB RAM; Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}, pandas {pandas.__version__}, pyogrio {pyogrio.__version__}")


def load() -> str:
    return "load average " + " / ".join(f"{v:.2f}" for v in os.getloadavg())


def table(rows: list[tuple]) -> str:
    head = ("export", "items", "seconds", "items/s", "peak RSS", "file", "vs peer")
    cells = [head] + rows
    widths = [max(len(str(r[i])) for r in cells) for i in range(len(head))]
    lines = ["| " + " | ".join(str(r[i]).ljust(widths[i]) for i in range(len(head))) + " |" for r in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def rows_for(results: dict) -> list[tuple]:
    out = []
    for fmt, by_mode in results.items():
        s = by_mode["sitmap"]
        peer = by_mode.get("naive")
        ratio = (f"{peer['seconds'] / s['seconds']:.2f}× time, {peer['peak_mb'] / s['peak_mb']:.1f}× memory"
                 if peer else "")
        out.append((f"{fmt}: sitmap export (streamed)", f"{s['items']:,}", f"{s['seconds']:.1f}",
                    f"{s['items'] / s['seconds']:,.0f}", f"{s['peak_mb']:,.0f} MB", f"{s['bytes'] / 2**20:,.0f} MB",
                    ratio))
        if peer:
            what = "json.dump of a list" if fmt == "geojson" else "pandas DataFrame.to_csv"
            out.append((f"{fmt}: peer, all rows in a list, {what}", f"{peer['items']:,}", f"{peer['seconds']:.1f}",
                        f"{peer['items'] / peer['seconds']:,.0f}", f"{peer['peak_mb']:,.0f} MB",
                        f"{peer['bytes'] / 2**20:,.0f} MB", ""))
    return out


def write_doc(tbl: str, label: str, cache_note: str, mach: str, before: str, after: str, command: str) -> None:
    body = [START, "## Exports: GeoJSON and CSV of a whole cache", "", "```", command, "```", "",
            f"Machine: {mach}.", f"Run on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {before} at the start, "
            f"{after} at the end; the cache ({label} demo items) {cache_note}. Each row is one fresh child "
            "process; peak RSS is its `ru_maxrss` (Python, the libraries and the rows).", "", tbl, "",
            "The streamed export keeps a batch of 2,000 records in memory (rows, their triage and incident "
            "names), so its peak does not grow with the filter; the peer's grows with every row. Time is "
            "the same work in both: a profile of the GeoJSON export (20k items) spends about a third reading and "
            "decoding rows (`iter_items`), a quarter building records (two time formats each), a fifth in "
            "`json.dumps`; the peer pays the same plus holding and then walking its list.", END]
    text = DOC.read_text("utf-8") if DOC.exists() else "# Benchmarks\n\nOne section per benchmark, each with its command.\n"
    if START in text and END in text:
        text = text[: text.index(START)] + "\n".join(body) + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + "\n".join(body) + "\n"
    DOC.write_text(text, "utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--child", nargs=4, metavar=("MODE", "DB", "FORMAT", "OUT"), help=argparse.SUPPRESS)
    ap.add_argument("--size", default="1M", choices=list(SIZES))
    ap.add_argument("--formats", default="geojson,csv")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--no-docs", action="store_true")
    args = ap.parse_args(argv)
    if args.child:
        mode, db, fmt, out = args.child
        child(mode, Path(db), fmt, Path(out))
        return 0
    mach, before = machine(), load()
    db, note = ensure_cache(args.size)
    print(f"cache: {db} ({note})", file=sys.stderr)
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(dir=BENCH) as tmp:
        for fmt in args.formats.split(","):
            results[fmt] = {}
            for mode in ("sitmap",) + (() if args.no_peers else ("naive",)):
                print(f"{fmt} {mode} …", file=sys.stderr, flush=True)
                results[fmt][mode] = r = run_child(mode, db, fmt, Path(tmp))
                print(f"   {r['items']:,} items in {r['seconds']:.1f} s, peak {r['peak_mb']:,.0f} MB", file=sys.stderr)
    after = load()
    tbl = table(rows_for(results))
    print(tbl)
    print(f"\nmachine: {mach}\nbefore: {before}\nafter:  {after}")
    (BENCH / "exports.json").write_text(json.dumps({"size": args.size, "results": results, "machine": mach,
                                                    "before": before, "after": after}, indent=1))
    if not args.no_docs:
        cmd = ".venv/bin/python -m benchmarks.exports" + (f" --size {args.size}" if args.size != "1M" else "")
        write_doc(tbl, args.size, note, mach, before, after, cmd)
        print(f"\nwritten: {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
