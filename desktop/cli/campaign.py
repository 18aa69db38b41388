"""``sitmap campaign add|edit|list|show|remove|compare|report|volume``: hashtag campaigns and their figures.

``sitmap campaign add "부산경찰 #byhand" --tag busanpolice --tag byhand --from 2026-11-14T14:00 --to 2026-11-14T19:00``
defines one; ``show`` prints its figures (times in KST, ``--utc`` for UTC), ``compare A B``
two side by side, ``report NAME --format json|csv|pdf --out FILE`` writes them. Changes are
``alter`` entries in the audit trail, committed with the change; ``show`` and ``compare``
are ``consult`` entries and a report a ``disclose`` entry, naming the posts they covered.
``volume NAME --account X`` asks X how many posts match the campaign (the last 7 days) and
sets that beside what the cache holds (a ``collect`` entry: counts, no posts).
"""

from __future__ import annotations

import json
import os

from desktop.cli.common import (EXIT_OK, EXIT_USAGE, add_audit_args, add_by, add_db, audit, audit_head, db_path,
                                drain, staged)


def _time(value: str | None, option: str, tz: str | None) -> int | None:
    from pathlib import Path

    from desktop.core.errors import OptionError
    from desktop.importers.base import BadRecord, ImportContext, ImportOptions, parse_time

    if value is None:
        return None
    try:
        return parse_time(value, ImportContext(Path(option), ImportOptions(tz=tz)))
    except BadRecord as exc:
        raise OptionError(f"{option} {value!r}: {exc}") from None


def _who(args) -> str | None:
    return (getattr(args, "by", None) or os.environ.get("SITMAP_OPERATOR") or "").strip() or None


def _figures(conn, name: str, level: str, boundaries=None):
    from desktop.campaigns import compute, get

    return compute(conn, get(conn, name), level=level, boundaries=boundaries)


def _boundaries(args):
    """--boundaries FILE read once (a command comparing two campaigns counts both over it)."""
    path = getattr(args, "boundaries", None)
    if not path:
        return None
    from desktop.campaigns.figures import BoundarySet
    from desktop.core.errors import OptionError
    from desktop.core.geo import GeoError

    try:
        return BoundarySet.read(path)
    except GeoError as exc:
        raise OptionError(f"--boundaries {path!r}: {exc}") from None


def _ranges(ids) -> list[list[int]]:
    from desktop.cache.erase import id_ranges

    return [list(r) for r in id_ranges(sorted(int(i) for i in ids))]


def run_add(args) -> int:
    from desktop.cache import Cache
    from desktop.campaigns import store

    start, end = _time(args.start, "--from", args.tz), _time(args.end, "--to", args.tz)
    if start is None or end is None:
        raise ValueError("a campaign needs its period: --from TIME --to TIME")
    with Cache.open(db_path(args)) as cache:
        c = store.add(cache, args.name, hashtags=args.tag, keywords=args.keyword, from_ms=start, to_ms=end,
                      areas=args.area, by=_who(args), audit=staged(args, "alter"))
        drain(args, cache)
    print(f"campaign {c.name!r} defined: {_line(c)}")
    return EXIT_OK


def run_edit(args) -> int:
    from desktop.cache import Cache
    from desktop.campaigns import store

    areas = [] if args.no_areas else (args.area or None)
    with Cache.open(db_path(args)) as cache:
        c = store.update(cache, args.name, new_name=args.new_name, hashtags=args.tag or None,
                         keywords=args.keyword or None, from_ms=_time(args.start, "--from", args.tz),
                         to_ms=_time(args.end, "--to", args.tz), areas=areas, audit=staged(args, "alter"))
        drain(args, cache)
    print(f"campaign {c.name!r} changed: {_line(c)}")
    return EXIT_OK


def run_remove(args) -> int:
    from desktop.cache import Cache
    from desktop.campaigns import store

    with Cache.open(db_path(args)) as cache:
        c = store.remove(cache, args.name, audit=staged(args, "alter"))
        drain(args, cache)
    print(f"campaign {c.name!r} removed (its posts stay in the cache)")
    return EXIT_OK


def _district_name(code: str) -> str:
    from desktop.campaigns.figures import _district_name as name

    return name(code)


def _line(c, zone: str = "Asia/Seoul") -> str:
    from desktop.core.timefmt import fmt_range

    what = " ".join("#" + t for t in c.hashtags)
    if c.keywords:
        what += (" " if what else "") + " ".join(f'"{k}"' for k in c.keywords)
    where = f" in {', '.join(v if k == 'saved' else _district_name(v) for k, v in c.areas)}" if c.areas else ""
    return f"{what}, {fmt_range(c.from_ms, c.to_ms, zone)}{where}"


def run_list(args) -> int:
    from desktop.cache import Cache
    from desktop.campaigns import list_campaigns

    with Cache.open_readonly(db_path(args)) as cache:
        cs = list_campaigns(cache.conn)
    if args.json:
        print(json.dumps([c.to_json() for c in cs], ensure_ascii=False, indent=1))
        return EXIT_OK
    if not cs:
        print("no campaigns (sitmap campaign add NAME --tag TAG --from TIME --to TIME)")
    zone = "UTC" if args.utc else "Asia/Seoul"
    for c in cs:
        print(f"{c.name}: {_line(c, zone)}")
    return EXIT_OK


def _show_text(f, zone: str) -> list[str]:
    from desktop.core.timefmt import fmt, fmt_range

    c = f.campaign
    other = "UTC" if zone != "UTC" else "Asia/Seoul"
    lines = [f"{c.name}", f"  hashtags {' '.join('#' + t for t in c.hashtags) or '–'}; keywords "
             f"{', '.join(c.keywords) or '–'}; areas {', '.join(a['name'] for a in f.area_names) or 'anywhere'}",
             f"  period {fmt_range(c.from_ms, c.to_ms, zone)} ({fmt_range(c.from_ms, c.to_ms, other)})",
             f"  posts {f.posts}"]
    a = f.authors
    lines.append(f"  authors {a['unique']}: {a['new']} new (first seen in the period, {a['posts_by_new']} posts), "
                 f"{a['returning']} returning (seen before it, {a['posts_by_returning']} posts)")
    g = f.precision
    lines.append(f"  located exactly {g['exact']}, by place {g['place']}, by inference {g['inferred']}, "
                 f"not located {g['unknown']}")
    peak = f.peak()
    if peak:
        lines.append(f"  busiest {f.bin_ms // 60_000} min: {fmt(peak[0], zone)} with {peak[1]} posts")
    p = f.placement
    lines.append(f"  districts ({f.boundaries or f.level}): {p['in_districts']} posts in one, {p['vague']} too vague for any "
                 f"(counted as possibly in), {p['outside']} outside every district, {p['unplaced']} without a position")
    for d in f.districts[:15]:
        lines.append(f"    {d['name']}: {d['in']} (exact {d['exact']}, place {d['place']}, inferred {d['inferred']})"
                     f"; possibly in {d['possibly_in']}")
    lines.append("  languages " + ", ".join(f"{k} {v}" for k, v in f.languages[:8]))
    e = f.engagement
    lines.append(f"  engagement {e['total']} over {e['posts_with_counts']} posts with counts "
                 f"({e['posts_without_counts']} without); impressions (estimated) {e['impressions_estimated']}")
    if e.get("posts_with_followers"):
        lines.append(f"  audience (estimated, from {e['posts_with_followers']} posts' author follower counts): "
                     f"potential impressions {e['potential_impressions_estimated']}, reach {e['reach_estimated']}")
    for i, t in enumerate(f.top_posts[:5], 1):
        text = " ".join((t["text"] or "").split())[:80]
        cap = f", counts as of {fmt(t['captured_ms'], zone)}" if t.get("captured_ms") else ""
        lines.append(f"    {i}. {t['engagement']}  @{t['author'] or '?'} {fmt(t['t_ms'], zone)}: {text}{cap}")
    return lines


def run_show(args) -> int:
    from desktop.cache import Cache

    with Cache.open_readonly(db_path(args)) as cache:
        f = _figures(cache.conn, args.name, args.level, _boundaries(args))
    audit(args, "consult", objects={"campaign": f.campaign.name, "items": _ranges(f.ids)},
          detail={"view": "campaign show", "count": f.posts})
    if args.json:
        print(json.dumps(f.to_json(), ensure_ascii=False, indent=1))
    else:
        print("\n".join(_show_text(f, "UTC" if args.utc else "Asia/Seoul")))
    return EXIT_OK


def run_compare(args) -> int:
    from desktop.cache import Cache
    from desktop.campaigns import compare

    with Cache.open_readonly(db_path(args)) as cache:
        bs = _boundaries(args)
        a, b = _figures(cache.conn, args.a, args.level, bs), _figures(cache.conn, args.b, args.level, bs)
    cmp = compare(a, b)
    audit(args, "consult", objects={"campaigns": [a.campaign.name, b.campaign.name],
                                    "items": _ranges(set(a.ids.tolist()) | set(b.ids.tolist()))},
          detail={"view": "campaign compare", "count": [a.posts, b.posts]})
    if args.json:
        print(json.dumps(cmp, ensure_ascii=False, indent=1))
        return EXIT_OK
    width = max(len(r[0]) for r in cmp["rows"])
    wa, wb = max(len(cmp["a"]), 8), max(len(cmp["b"]), 8)
    print(f"{'':{width}}  {cmp['a']:>{wa}}  {cmp['b']:>{wb}}")
    for label, va, vb in cmp["rows"]:
        print(f"{label:{width}}  {va!s:>{wa}}  {vb!s:>{wb}}")
    print(f"{'top districts':{width}}  {', '.join(cmp['top_districts'][0][:3]) or '–'} | "
          f"{', '.join(cmp['top_districts'][1][:3]) or '–'}")
    return EXIT_OK


def run_volume(args) -> int:
    """X's counts of the campaign beside the cache's X posts of it, per bin, and the coverage."""
    from desktop.cache import Cache
    from desktop.campaigns import get
    from desktop.channels import accounts
    from desktop.channels.volume import volume
    from desktop.core.timefmt import fmt

    acc = accounts.get(args.account)
    if acc.channel != "x":
        raise ValueError(f"--account {args.account!r} is a {acc.channel} account; counting posts needs an X account")
    with Cache.open_readonly(db_path(args)) as cache:
        c = get(cache.conn, args.name)
        client = accounts.client(acc)
        try:
            v = volume(cache.conn, c, client, granularity=args.granularity)
        finally:
            client.close()
    audit(args, "collect", objects={"campaign": c.name, "x_counts": v.on_x},
          detail={"what": "X post counts (no posts)", "account": acc.name, "query": v.query,
                  "granularity": v.granularity, "from_ms": v.start_ms, "to_ms": v.end_ms})
    if args.json:
        print(json.dumps(v.to_json(), ensure_ascii=False, indent=1))
        return EXIT_OK
    zone = "UTC" if args.utc else "Asia/Seoul"
    cov = f"{v.coverage:.0%}" if v.coverage is not None else "–"
    print(f"{c.name}: X counts {v.on_x} posts for {v.query} from {fmt(v.start_ms, zone)} to {fmt(v.end_ms, zone)}; "
          f"the cache holds {v.in_cache} of them ({cov})")
    for b in v.bins:
        if b["on_x"] or b["in_cache"]:
            print(f"  {fmt(b['start_ms'], zone)}  X {b['on_x']:>6}  cache {b['in_cache']:>6}")
    return EXIT_OK


def run_report(args) -> int:
    from pathlib import Path

    from desktop.cache import Cache
    from desktop.campaigns import compare

    out = Path(args.out)
    if not (out.parent if str(out.parent) else Path(".")).is_dir():
        raise ValueError(f"--out: the folder {out.parent} does not exist")
    with Cache.open_readonly(db_path(args)) as cache:
        bs = _boundaries(args)
        f = _figures(cache.conn, args.name, args.level, bs)
        other = _figures(cache.conn, args.compare, args.level, bs) if args.compare else None
    cmp = compare(f, other) if other is not None else None
    fig = f.to_json()
    if args.format == "pdf":
        from desktop.report.campaign import build_campaign_report

        operator = args.operator if args.operator is not None else os.environ.get("SITMAP_OPERATOR", "")
        build_campaign_report(fig, out, lang=args.lang, operator=operator or "", purpose=args.purpose or "",
                              comparison=cmp, audit_head=audit_head(args))
    else:
        from desktop.exports.campaign import write

        write(fig, out, args.format, cmp)
    ids = set(f.ids.tolist()) | (set(other.ids.tolist()) if other is not None else set())
    entry = audit(args, "disclose", objects={"campaign": f.campaign.name, "items": _ranges(ids)},
                  detail={"format": f"campaign {args.format}", "file": str(out), "count": f.posts,
                          **({"compared_with": other.campaign.name} if other is not None else {}),
                          **({"lang": args.lang} if args.format == "pdf" else {})})
    print(f"{out}: campaign {f.campaign.name!r}, {f.posts} posts ({args.format})")
    print(f"audit head {entry.seq}:{entry.hash} (this report's entry)")
    return EXIT_OK


def _definition_args(p, required: bool) -> None:
    p.add_argument("--tag", action="append", default=[], metavar="HASHTAG",
                   help="a hashtag of the campaign (with or without #); repeat for more")
    p.add_argument("--keyword", action="append", default=[], metavar="WORD",
                   help="a word or phrase whose presence in a post's text makes it part of the campaign")
    p.add_argument("--from", dest="start", metavar="TIME", required=required,
                   help="start of the period, ISO 8601 (no zone: --tz, default Asia/Seoul)")
    p.add_argument("--to", dest="end", metavar="TIME", required=required, help="end of the period (exclusive)")
    p.add_argument("--tz", default=None, help="zone for times written without one (default Asia/Seoul)")
    p.add_argument("--area", action="append", default=[], metavar="NAME",
                   help="only posts in this area: a saved area's name or a built-in district (name or KOSTAT code); "
                        "repeat for more")


def register(sub) -> None:
    p = sub.add_parser("campaign", help="define hashtag campaigns and see, compare and report their figures")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    p.set_defaults(func=lambda _args: p.print_help() or EXIT_USAGE)

    a = verbs.add_parser("add", help="define a campaign: its hashtags and keywords, period and areas")
    add_db(a)
    a.add_argument("name", metavar="NAME")
    _definition_args(a, True)
    add_by(a)
    add_audit_args(a)
    a.set_defaults(func=run_add)

    e = verbs.add_parser("edit", help="change a campaign (the options given replace what it had)")
    add_db(e)
    e.add_argument("name", metavar="NAME")
    e.add_argument("--name", dest="new_name", metavar="NEW", default=None, help="rename it")
    _definition_args(e, False)
    e.add_argument("--no-areas", action="store_true", help="drop its areas (posts anywhere count)")
    add_by(e)
    add_audit_args(e)
    e.set_defaults(func=run_edit)

    r = verbs.add_parser("remove", help="remove a campaign's definition (its posts stay)")
    add_db(r)
    r.add_argument("name", metavar="NAME")
    add_by(r)
    add_audit_args(r)
    r.set_defaults(func=run_remove)

    ls = verbs.add_parser("list", help="the campaigns defined in the cache")
    add_db(ls)
    ls.add_argument("--json", action="store_true", help="as JSON")
    ls.add_argument("--utc", action="store_true", help="times in UTC (default KST)")
    ls.set_defaults(func=run_list)

    for verb, helptext, fn in (("show", "a campaign's figures", run_show),
                               ("compare", "two campaigns side by side", run_compare)):
        s = verbs.add_parser(verb, help=helptext)
        add_db(s)
        if verb == "show":
            s.add_argument("name", metavar="NAME")
            s.add_argument("--utc", action="store_true", help="times in UTC (default KST, with UTC beside)")
        else:
            s.add_argument("a", metavar="A")
            s.add_argument("b", metavar="B")
        s.add_argument("--json", action="store_true", help="as JSON")
        s.add_argument("--level", default="sigungu", choices=["sido", "sigungu", "emd"],
                       help="the districts to count by (default 시군구)")
        s.add_argument("--boundaries", metavar="FILE", default=None,
                       help="count by the features of this boundary file instead (GeoJSON, Shapefile, GeoPackage…; "
                            "e.g. police station precincts), named by their name property")
        add_audit_args(s)
        s.set_defaults(func=fn)

    vo = verbs.add_parser("volume", help="X's counts of a campaign's posts (last 7 days) beside the cache's: its "
                                         "coverage (asks X through a configured account)")
    add_db(vo)
    vo.add_argument("name", metavar="NAME")
    vo.add_argument("--account", required=True, metavar="NAME", help="the X account to ask with (sitmap appeal account)")
    vo.add_argument("--granularity", choices=["minute", "hour", "day"], default="hour")
    vo.add_argument("--utc", action="store_true", help="times in UTC (default KST)")
    vo.add_argument("--json", action="store_true", help="as JSON")
    add_audit_args(vo)
    vo.set_defaults(func=run_volume)

    rp = verbs.add_parser("report", help="write a campaign's figures as JSON, CSV or a PDF report")
    add_db(rp)
    rp.add_argument("name", metavar="NAME")
    rp.add_argument("--format", choices=["json", "csv", "pdf"], required=True)
    rp.add_argument("--out", required=True, metavar="FILE", help="the file to write (replaced when complete)")
    rp.add_argument("--lang", choices=["ko", "en"], default="ko", help="the PDF's language (default ko)")
    rp.add_argument("--compare", metavar="OTHER", default=None, help="add another campaign side by side")
    rp.add_argument("--level", default="sigungu", choices=["sido", "sigungu", "emd"],
                    help="the districts to count by (default 시군구)")
    rp.add_argument("--boundaries", metavar="FILE", default=None,
                    help="count by the features of this boundary file instead (named by their name property)")
    rp.add_argument("--operator", metavar="NAME", default=None, help="who makes the report (default: $SITMAP_OPERATOR)")
    rp.add_argument("--purpose", metavar="TEXT", default="", help="what the report is for")
    add_audit_args(rp)
    rp.set_defaults(func=run_report)
