"""``sitmap stats``: what the cache holds, by kind, source, precision and time; with
``--area``, how many items each area holds (exact, place, inferred, and "possibly in")."""

from __future__ import annotations

from desktop.cli.common import EXIT_OK, add_db, add_filter_args, db_path, filter_from_args


def format_areas(rows: list[dict]) -> str:
    """'종로구: 9,102 items (exact 8,725, place 377, inferred 0); possibly in: 3,064 more'."""
    out = []
    for r in rows:
        out.append(f"{r['area']}: {r['items']:,} items (exact {r['exact']:,}, place {r['place']:,}, "
                   f"inferred {r['inferred']:,}); possibly in: {r['possibly_in']:,} more, not counted")
    return "\n".join(out)


def run(args) -> int:
    import json

    from desktop.cache import Cache
    from desktop.cache.query import area_breakdown
    from desktop.cache.stats import format_summary, summary

    with Cache.open_readonly(db_path(args)) as cache:
        s = summary(cache.conn)
        path = str(cache.path)
        flt = filter_from_args(args, cache)
        areas = [area_breakdown(cache.conn, flt, a) for a in flt.areas if not a.exclude]
    if args.json:
        print(json.dumps({**s, "per_area": areas} if areas else s, ensure_ascii=False, indent=2))
    else:
        print(format_summary(s, path))
        if areas:
            print(f"per area ({flt.with_(areas=()).describe()}):")
            print(format_areas(areas))
    return EXIT_OK


def register(sub) -> None:
    s = sub.add_parser("stats", help="summarise the cache (with --area: items per area)")
    add_db(s)
    s.add_argument("--json", action="store_true")
    add_filter_args(s)
    s.set_defaults(func=run)
