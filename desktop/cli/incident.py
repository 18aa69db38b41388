"""``sitmap incident create|list|add|remove|note|close|show``: the incidents the commander tracks."""

from __future__ import annotations

import json

from desktop.cli.common import EXIT_OK, EXIT_USAGE, add_audit_args, add_by, add_db, audit, db_path, operator
from desktop.cli.triage import _ids


def _point(value: str | None) -> tuple[float | None, float | None]:
    from desktop.core.errors import OptionError

    if not value:
        return None, None
    try:
        lat, lon = (float(v) for v in value.split(","))
    except ValueError:
        raise OptionError(f"--point {value!r}: give LAT,LON in degrees, e.g. 37.5759,126.9769") from None
    return lat, lon


def _area(spec: str | None) -> dict | None:
    """A GeoJSON geometry from a boundary file (FILE or FILE:PROP=VALUE; several features are joined)."""
    if not spec:
        return None
    from shapely.geometry import mapping

    from desktop.core.geo import areas_from_file, union
    from desktop.session.options import split_area

    path, pick = split_area(spec)
    return mapping(union(areas_from_file(path, pick)))


def _when(ms: int | None) -> str:
    from desktop.core.timefmt import fmt

    return fmt(ms) if ms is not None else "–"


def run_create(args) -> int:
    from desktop.cache import Cache
    from desktop.cache import incidents

    by = operator(args)
    lat, lon = _point(args.point)
    area = _area(args.area)
    with Cache.open(db_path(args), create=False) as cache:
        iid = incidents.create(cache.conn, args.name, by=by, item_ids=_ids(args.items), lat=lat, lon=lon, area=area,
                               priority=args.priority)
        n = len(incidents.items_of(cache.conn, iid))
    audit(args, "alter", objects={"incident": iid, "items": _ids(args.items)},
          detail={"change": "create", "name": args.name.strip(), "priority": args.priority,
                  "place": "point" if lat is not None else "area" if area else None})
    print(f"incident {iid} ({args.name.strip()}) opened, {args.priority}, {n} item{'s' if n != 1 else ''}")
    return EXIT_OK


def run_list(args) -> int:
    from desktop.cache import Cache
    from desktop.cache import incidents

    with Cache.open_readonly(db_path(args)) as cache:
        rows = incidents.list_incidents(cache.conn, None if args.all else ("open", "monitoring"))
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        print("no incidents" if args.all else "no open incidents (--all lists closed ones too)")
        return EXIT_OK
    for r in rows:
        print(f"{r['id']:>4}  {r['state']:<10} {r['priority']:<8} {r['items']:>5} items  latest {_when(r['latest_ms'])}"
              f"  {r['name']}")
    return EXIT_OK


def run_add(args) -> int:
    from desktop.cache import Cache
    from desktop.cache import incidents

    by = operator(args)
    with Cache.open(db_path(args), create=False) as cache:
        inc = incidents.resolve(cache.conn, args.incident)
        added = incidents.add_items(cache.conn, inc["id"], _ids(args.items), by=by)
        n = len(incidents.items_of(cache.conn, inc["id"]))
    audit(args, "alter", objects={"incident": inc["id"], "items": list(added)}, detail={"change": "add"})
    print(f"incident {inc['id']} ({inc['name']}): {len(added)} added, {n} item{'s' if n != 1 else ''} in all")
    return EXIT_OK


def run_remove(args) -> int:
    from desktop.cache import Cache
    from desktop.cache import incidents

    by = operator(args)
    with Cache.open(db_path(args), create=False) as cache:
        inc = incidents.resolve(cache.conn, args.incident)
        gone = incidents.remove_items(cache.conn, inc["id"], _ids(args.items), by=by)
    audit(args, "alter", objects={"incident": inc["id"], "items": list(gone)}, detail={"change": "remove"})
    print(f"incident {inc['id']} ({inc['name']}): {len(gone)} removed")
    return EXIT_OK


def run_note(args) -> int:
    from desktop.cache import Cache
    from desktop.cache import incidents

    by = operator(args)
    with Cache.open(db_path(args), create=False) as cache:
        inc = incidents.resolve(cache.conn, args.incident)
        incidents.log(cache.conn, inc["id"], args.text, by=by)
    audit(args, "alter", objects={"incident": inc["id"]}, detail={"change": "note", "note": args.text})
    print(f"incident {inc['id']} ({inc['name']}): note added")
    return EXIT_OK


def run_close(args) -> int:
    from desktop.cache import Cache
    from desktop.cache import incidents

    by = operator(args)
    with Cache.open(db_path(args), create=False) as cache:
        inc = incidents.resolve(cache.conn, args.incident)
        incidents.set_state(cache.conn, inc["id"], "closed", by=by, note=args.note)
    audit(args, "alter", objects={"incident": inc["id"]}, detail={"change": "close", "note": args.note})
    print(f"incident {inc['id']} ({inc['name']}) closed")
    return EXIT_OK


def run_show(args) -> int:
    from desktop.cache import Cache
    from desktop.cache import incidents, triage

    with Cache.open_readonly(db_path(args)) as cache:
        conn = cache.conn
        inc = incidents.resolve(conn, args.incident)
        ids = incidents.items_of(conn, inc["id"])
        tri = triage.get(conn, ids)
        rows = {r[0]: r for r in conn.execute(
            f"SELECT id, t_ms, kind, source, author, callsign, text FROM items WHERE id IN ({','.join('?' * len(ids))})",
            ids)} if ids else {}
        log = incidents.log_of(conn, inc["id"])
    if args.json:
        print(json.dumps({**inc, "items": [{"id": i, "t_ms": rows[i][1] if i in rows else None,
                                             "state": tri[i].state, "priority": tri[i].priority,
                                             "tags": list(tri[i].tags)} for i in ids], "log": log},
                         ensure_ascii=False, indent=2))
        return EXIT_OK
    where = (f"at {inc['lat']:.5f},{inc['lon']:.5f}" if inc["lat"] is not None else
             "an area" if inc["area"] else "no place given")
    print(f"incident {inc['id']}: {inc['name']}  [{inc['state']}, {inc['priority']}]  {where}")
    print(f"opened {_when(inc['created_ms'])} by {inc['created_by']}"
          + (f", closed {_when(inc['closed_ms'])}" if inc["closed_ms"] else ""))
    print(f"items ({len(ids)}):")
    for i in ids:
        r = rows.get(i)
        if r is None:
            print(f"  {i:>8}  (no longer in the cache)")
            continue
        who = r[5] or r[4] or r[3]
        text = " ".join((r[6] or "").split())
        text = text if len(text) <= 60 else text[:59] + "…"
        t = tri[i]
        print(f"  {i:>8}  {_when(r[1])}  {t.state:<9} {t.priority:<8} {who}: {text}"
              + (f"  [{', '.join(t.tags)}]" if t.tags else ""))
    print("log:")
    for e in log:
        print(f"  {_when(e['t_ms'])}  {e['by']}: {e['text']}")
    return EXIT_OK


def register(sub) -> None:
    p = sub.add_parser("incident", help="create, list, show and close incidents")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    p.set_defaults(func=lambda _args: p.print_help() or EXIT_USAGE)  # each verb sets its own

    c = verbs.add_parser("create", help="open an incident")
    add_db(c)
    c.add_argument("name", metavar="NAME")
    c.add_argument("--items", nargs="+", default=[], metavar="ID", help="items that belong to it")
    c.add_argument("--area", metavar="FILE[:PROP=VALUE]", help="its area, from a boundary file (GeoJSON…)")
    c.add_argument("--point", metavar="LAT,LON", help="its place, e.g. 37.5759,126.9769")
    c.add_argument("--priority", default="routine", metavar="PRIORITY", help="routine (default), urgent or critical")
    add_by(c)
    add_audit_args(c)
    c.set_defaults(func=run_create)

    ls = verbs.add_parser("list", help="open and monitored incidents (most urgent first)")
    add_db(ls)
    ls.add_argument("--all", action="store_true", help="closed ones too")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=run_list)

    for verb, func, helptext in (("add", run_add, "add items to an incident"),
                                 ("remove", run_remove, "take items out of an incident")):
        a = verbs.add_parser(verb, help=helptext)
        add_db(a)
        a.add_argument("incident", metavar="NAME|ID")
        a.add_argument("--items", nargs="+", required=True, metavar="ID")
        add_by(a)
        add_audit_args(a)
        a.set_defaults(func=func)

    n = verbs.add_parser("note", help="add a line to an incident's log")
    add_db(n)
    n.add_argument("incident", metavar="NAME|ID")
    n.add_argument("text", metavar="TEXT")
    add_by(n)
    add_audit_args(n)
    n.set_defaults(func=run_note)

    cl = verbs.add_parser("close", help="close an incident, saying why")
    add_db(cl)
    cl.add_argument("incident", metavar="NAME|ID")
    cl.add_argument("--note", required=True, metavar="TEXT", help="why it is closed (kept in its log)")
    add_by(cl)
    add_audit_args(cl)
    cl.set_defaults(func=run_close)

    s = verbs.add_parser("show", help="an incident's items and log")
    add_db(s)
    s.add_argument("incident", metavar="NAME|ID")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=run_show)
