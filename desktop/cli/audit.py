"""``sitmap audit verify|head|export|show``: the audit trail beside the cache (docs/AUDIT.md)."""

from __future__ import annotations

import json

from desktop.cli.common import EXIT_ERROR, EXIT_OK, EXIT_USAGE, add_audit_args, add_db, audit_fields, db_path


def _open(args):
    from desktop.audit import AuditLog

    return AuditLog.open(db_path(args), create=False)


def _accessed(log, args, verb: str, **detail) -> None:
    """Reading the audit trail is itself recorded (who looked at the log, and how)."""
    op, purpose, case_ref = audit_fields(args)
    log.record("consult", operator=op, purpose=purpose, case_ref=case_ref, objects={"audit": verb},
               detail={k: v for k, v in detail.items() if v is not None})


def _time(value: str | None, opt: str, tz: str | None) -> int | None:
    from pathlib import Path

    from desktop.core.errors import OptionError
    from desktop.importers.base import BadRecord, ImportContext, ImportOptions, parse_time

    if value is None:
        return None
    try:
        return parse_time(value, ImportContext(path=Path(opt), options=ImportOptions(tz=tz)))
    except BadRecord as exc:
        raise OptionError(f"{opt} {value!r}: {exc}") from None


def run_verify(args) -> int:
    with _open(args) as log:
        res = log.verify(head=args.head)  # read only: a check must not change what it checks
    print(f"{log.path}: {res}")
    return EXIT_OK if res.ok else EXIT_ERROR


def run_head(args) -> int:
    with _open(args) as log:
        head = log.head()
    print(f"{head[0]}:{head[1]}" if head else "the audit log is empty")
    return EXIT_OK


def run_export(args) -> int:
    with _open(args) as log:
        n = log.export(args.out, t_from=_time(args.start, "--from", args.tz), t_to=_time(args.end, "--to", args.tz))
        res = log.verify()
        _accessed(log, args, "export", file=str(args.out), entries=n, start=args.start, end=args.end)
    print(f"{args.out}: {n} entries; the log's head {res.head[0]}:{res.head[1]}" if res.head else f"{args.out}: empty")
    if not res.ok:
        print(f"{log.path}: {res}")
        return EXIT_ERROR
    return EXIT_OK


def run_show(args) -> int:
    from desktop.core.timefmt import fmt

    with _open(args) as log:
        entries = log.entries(action=args.action, operator=args.who, limit=args.limit, newest_first=True)
        _accessed(log, args, "show", action=args.action, who=args.who, entries=len(entries))
    if args.json:
        print(json.dumps([e.as_dict() for e in entries], ensure_ascii=False, indent=2))
        return EXIT_OK
    for e in entries:
        why = " ".join(x for x in (e.purpose and f"purpose {e.purpose}", e.case_ref and f"case {e.case_ref}") if x)
        print(f"{e.seq:>6}  {fmt(e.t_ms, seconds=True)}  {e.action:<8} {e.operator or '(unnamed)'}@{e.workstation}"
              f"{'  ' + why if why else ''}  {json.dumps(e.objects, ensure_ascii=False)}"
              f"{'  ' + json.dumps(e.detail, ensure_ascii=False) if e.detail else ''}")
    if not entries:
        print("no audit entries")
    return EXIT_OK


def register(sub) -> None:
    from desktop.audit import ACTIONS

    p = sub.add_parser("audit", help="verify, export and show the audit trail (who did what, and why)")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    p.set_defaults(func=lambda _args: p.print_help() or EXIT_USAGE)

    v = verbs.add_parser("verify", help="check the hash chain (exit 0 or 1, naming the first entry at fault)")
    add_db(v)
    v.add_argument("--head", metavar="HASH", help="a head noted earlier (HASH or SEQ:HASH): it must be in the log")
    add_audit_args(v)
    v.set_defaults(func=run_verify)

    h = verbs.add_parser("head", help="print the newest entry as SEQ:HASH, to be noted by a supervisor")
    add_db(h)
    h.set_defaults(func=run_head)

    e = verbs.add_parser("export", help="write the entries as JSON lines (check with scripts/verify_audit.py)")
    add_db(e)
    e.add_argument("--out", required=True, metavar="FILE")
    e.add_argument("--from", dest="start", metavar="TIME", help="entries from this time, ISO 8601")
    e.add_argument("--to", dest="end", metavar="TIME", help="entries before this time, ISO 8601")
    e.add_argument("--tz", default=None, help="zone for times written without one (default Asia/Seoul)")
    add_audit_args(e)
    e.set_defaults(func=run_export)

    s = verbs.add_parser("show", help="list entries, newest first")
    add_db(s)
    s.add_argument("--action", choices=list(ACTIONS))
    s.add_argument("--who", metavar="NAME", help="only the entries of this operator")
    s.add_argument("--limit", type=int, default=50, metavar="N", help="at most N entries (default 50)")
    s.add_argument("--json", action="store_true")
    add_audit_args(s)
    s.set_defaults(func=run_show)
