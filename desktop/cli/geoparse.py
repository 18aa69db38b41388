"""``sitmap geoparse [--since TIME] [--dry-run]``: place the cache's posts without
coordinates from their text (again, after a gazetteer change); ``--evaluate FILE``
scores the geoparser on a labelled set instead (precision, recall, the confusion cases,
posts per second)."""

from __future__ import annotations

import json
import sys
import time

from desktop.cli.common import EXIT_OK, add_audit_args, add_db, audit, db_path


def _evaluate(args) -> int:
    from desktop.core import paths
    from desktop.geoparse import gazetteer
    from desktop.geoparse.evaluate import evaluate, load
    from desktop.geoparse.parser import Geoparser
    from desktop.geoparse.run import in_memory_builtin

    posts = load(args.evaluate)
    landmarks = args.landmarks or str(paths.project_data_dir() / "demo_gazetteer.csv")
    user = [gazetteer.Entry(100_000 + i, "user", "landmark", r["name"], tuple(r["aliases"]), None, None, r["lat"],
                            r["lon"], r["radius_m"]) for i, r in enumerate(gazetteer.read_csv(landmarks))]
    parser = Geoparser(in_memory_builtin() + user)
    rep = evaluate(parser, posts, min_seconds=args.seconds)
    if args.json:
        print(json.dumps(rep.as_json(), ensure_ascii=False, indent=1))
    else:
        print(f"{args.evaluate} against the built-in districts and {landmarks}:")
        print(rep.table())
    return EXIT_OK


def run(args) -> int:
    if args.evaluate:
        return _evaluate(args)
    from desktop.cache import Cache
    from desktop.geoparse.run import geoparse_cache
    from desktop.importers.base import ImportContext, parse_time

    since = parse_time(args.since, ImportContext(path=db_path(args))) if args.since else None
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if args.progress or now - last[0] > 0.5 or done == total:
            last[0] = now
            print(f"geoparse: {done}/{total} posts", end="\n" if args.progress or not sys.stderr.isatty() else "\r",
                  file=sys.stderr, flush=True)

    with Cache.open(db_path(args), create=False) as cache:
        summary = geoparse_cache(cache, since_ms=since, dry_run=args.dry_run, progress=progress)
    if sys.stderr.isatty() and not args.progress:
        print(file=sys.stderr)
    # A run changes positions (alter); a dry run only reads the posts and counts (consult).
    audit(args, "consult" if args.dry_run else "alter", objects={"geoparse": str(db_path(args))},
          detail=dict(summary.as_json(), since=args.since, dry_run=args.dry_run))
    print(("dry run (nothing written): " if args.dry_run else "") + summary.line())
    if not args.dry_run:
        print(f"  {summary.changed} positions written or changed, {summary.cleared} earlier inferences withdrawn")
    return EXIT_OK


def register(sub) -> None:
    p = sub.add_parser("geoparse", help="place posts without coordinates from their text (or --evaluate a labelled set)")
    add_db(p)
    p.add_argument("--since", metavar="TIME", help="only posts from this time on (ISO 8601; no zone: Asia/Seoul)")
    p.add_argument("--dry-run", action="store_true", help="count what would be placed, write nothing")
    p.add_argument("--progress", action="store_true", help="print progress lines")
    p.add_argument("--evaluate", metavar="FILE.jsonl",
                   help="score the geoparser on a labelled set (text, truth) instead of placing the cache's posts")
    p.add_argument("--landmarks", metavar="FILE.csv",
                   help="with --evaluate: the agency gazetteer to use (default: the demo's, data/demo_gazetteer.csv)")
    p.add_argument("--seconds", type=float, default=1.0, help="with --evaluate: how long to time the parser for the posts/second figure (default 1)")
    p.add_argument("--json", action="store_true", help="with --evaluate: the results as JSON")
    add_audit_args(p)
    p.set_defaults(func=run)


