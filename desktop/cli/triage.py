"""``sitmap triage ID...``: set items' triage state, priority and categories, with a note."""

from __future__ import annotations

from desktop.cli.common import EXIT_OK, add_audit_args, add_by, add_db, audit, db_path, operator


def _ids(values: list[str], what: str = "item") -> list[int]:
    from desktop.core.triage import TriageError

    out = []
    for v in values:
        for part in str(v).replace(",", " ").split():
            if not part.isdigit():
                raise TriageError(f"{what} id {part!r} is not a number")
            out.append(int(part))
    return out


def describe_change(before, after) -> str:
    """'state new → verified, priority routine → urgent, +crowd -traffic' (or 'unchanged')."""
    parts = []
    if before.state != after.state:
        parts.append(f"state {before.state} → {after.state}")
    if before.priority != after.priority:
        parts.append(f"priority {before.priority} → {after.priority}")
    added = [t for t in after.tags if t not in before.tags]
    removed = [t for t in before.tags if t not in after.tags]
    if added or removed:
        parts.append(" ".join([f"+{t}" for t in added] + [f"-{t}" for t in removed]))
    if before.duplicate_of != after.duplicate_of and after.duplicate_of is not None:
        parts.append(f"duplicate of {after.duplicate_of}")
    if after.officer and not before.officer:
        parts.append("confirmed in the field")
    return ", ".join(parts) or "unchanged"


def run(args) -> int:
    from desktop.cache import Cache
    from desktop.cache import triage
    from desktop.core.triage import TriageChange, TriageError

    by = operator(args)
    ids = _ids(args.ids)
    dup = None
    if args.duplicate_of is not None:
        [dup] = _ids([args.duplicate_of])
    state = args.state or ("duplicate" if dup is not None else None)
    if args.replied is not None and args.unreplied:
        raise TriageError("--replied and --unreplied exclude each other")
    reply_only = (state is None and args.priority is None and not args.tag and not args.untag and dup is None
                  and not args.note and (args.replied is not None or args.unreplied))  # no triage change of its own
    change = None if reply_only else TriageChange(
        state=state, priority=args.priority, add_tags=tuple(args.tag), remove_tags=tuple(args.untag),
        duplicate_of=dup, note=args.note)
    with Cache.open(db_path(args), create=False) as cache:
        before = triage.get(cache.conn, ids)
        unmarked: set[int] = set()
        with triage.transaction(cache.conn):  # the triage and the reply change together or not at all
            if change is not None:
                triage.apply(cache.conn, ids, change, by=by, origin=args.origin)
            if args.replied is not None:
                triage.replied(cache.conn, ids, args.replied, by=by)
            elif args.unreplied:
                unmarked = set(triage.unreplied(cache.conn, ids, by=by))
        now = triage.get(cache.conn, ids)
        after = [now[i] for i in ids]
    if not after:
        raise TriageError("no items to triage")
    reply = {"replied": args.replied.strip()} if args.replied is not None else (
        {"replied": None} if args.unreplied else {})
    audit(args, "alter", objects={"items": [t.item_id for t in after]},
          detail={"triage": {k: v for k, v in (("state", state), ("priority", args.priority),
                                                ("add_tags", list(args.tag)), ("remove_tags", list(args.untag)),
                                                ("duplicate_of", dup), ("note", args.note), ("origin", args.origin))
                             if v not in (None, [], "")} | reply})
    for t in after:
        line = f"item {t.item_id}: {describe_change(before[t.item_id], t)}"
        if args.replied is not None:
            line += " · replied"
        elif args.unreplied:
            line += " · reply withdrawn" if t.item_id in unmarked else " · was not replied to"
        print(line + (f" (note: {args.note.strip()})" if args.note and args.note.strip() else ""))
    return EXIT_OK


def register(sub) -> None:
    p = sub.add_parser("triage", help="set items' triage state, priority and categories",
                       description="States: new, review, verified, false, duplicate, actioned, closed. "
                                   "Priorities: routine, urgent, critical. Every change is kept in the history.")
    add_db(p)
    p.add_argument("ids", nargs="+", metavar="ID", help="item ids (as `sitmap query` prints them)")
    p.add_argument("--state", metavar="STATE", help="new, review, verified, false, duplicate, actioned or closed")
    p.add_argument("--priority", metavar="PRIORITY", help="routine, urgent or critical")
    p.add_argument("--tag", action="append", default=[], metavar="CATEGORY",
                   help="add a category (crowd, violence, traffic, missing_person, medical…)")
    p.add_argument("--untag", action="append", default=[], metavar="CATEGORY", help="remove a category")
    p.add_argument("--duplicate-of", metavar="ID", help="the item these repeat (sets the state duplicate)")
    p.add_argument("--note", metavar="TEXT", help="a note kept with the change")
    p.add_argument("--replied", metavar="NOTE", help="mark the items replied to (a complaint answered), with what "
                                                     "was replied; again to change the note")
    p.add_argument("--unreplied", action="store_true", help="take the replied mark off")
    p.add_argument("--origin", choices=["commander", "officer"], default="commander",
                   help="officer: the change was reported by a unit in the field")
    add_by(p)
    add_audit_args(p)
    p.set_defaults(func=run)
