"""``sitmap appeal``: appeals for help on the agency's own X account or Facebook Page.

    sitmap appeal account add NAME --channel x|facebook [--page-id ID] [--base-url URL]   (asks for the token)
    sitmap appeal account list | remove NAME
    sitmap appeal add --account NAME --ko TEXT [--en TEXT] [--image FILE] [--area NAME] [--tag TAG] [--queue]
    sitmap appeal list | show ID | queue ID
    sitmap appeal publish ID --yes      (shows the exact text and account; --yes confirms them)
    sitmap appeal collect ID            (replies into the cache, placed, linked to the appeal)

Tokens are read from standard input or asked for without echo, never taken as an option,
and go to the system keyring. Publication attempts and collections are audited.
"""

from __future__ import annotations

import json
import sys

from desktop.cli.common import EXIT_OK, add_audit_args, add_by, add_db, audit, audit_fields, db_path, operator


def _recorder(args):
    def record(action: str, objects: dict, detail: dict) -> None:
        audit(args, action, objects=objects, detail=detail)
    return record


def _read_token(args) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().strip()
    import getpass

    return getpass.getpass(f"token for {args.name} (not shown): ").strip()


def run_account(args) -> int:
    from desktop.channels import accounts

    if args.account_cmd == "add":
        acc = accounts.Account(args.name, args.channel, args.page_id, args.base_url, args.label)
        accounts.add(acc, _read_token(args))
        print(f"account {acc.shown()} saved; its token is in the system keyring")
        audit(args, "alter", objects={"channel_account": acc.name}, detail={"change": "account added",
                                                                            "channel": acc.channel})
    elif args.account_cmd == "remove":
        accounts.remove(args.name)
        print(f"account {args.name} removed (and its token from the keyring)")
        audit(args, "alter", objects={"channel_account": args.name}, detail={"change": "account removed"})
    else:
        for acc in accounts.accounts():
            print(acc.shown() + (f", Page {acc.page_id}" if acc.page_id else ""))
    return EXIT_OK


def _line(a) -> str:
    first = (a.text_ko or a.text_en).splitlines()[0][:50]
    tail = f" {a.remote_id}" if a.remote_id else ""
    err = f" — {a.error}" if a.error and a.state != "sent" else ""
    return f"{a.id}\t{a.state}\t{a.account} ({a.channel}){tail}\t{first}{err}"


def run(args) -> int:
    from desktop.cache import Cache
    from desktop.channels import accounts, appeals

    cmd = args.appeal_cmd
    if cmd == "account":
        return run_account(args)
    create = cmd == "add"
    with Cache.open(db_path(args), create=create) as cache:
        conn = cache.conn
        if cmd == "add":
            acc = accounts.get(args.account)
            a = appeals.add(conn, text_ko=args.ko or "", text_en=args.en or "", account=acc, by=operator(args),
                            image_path=args.image, area=args.area, hashtag=args.tag, queue=args.queue)
            audit(args, "alter", objects={"appeal": a.id}, detail={"change": "appeal " + a.state,
                                                                   "account": a.account})
            print(f"appeal {a.id} ({a.state}) through {acc.shown()}:\n\n{a.text}")
        elif cmd == "list":
            for a in appeals.list_appeals(conn):
                print(_line(a))
        elif cmd == "show":
            a = appeals.get(conn, args.id)
            audit(args, "consult", objects={"appeal": a.id})
            if args.json:
                print(json.dumps(a.as_dict() | {"responses": appeals.responses(conn, a.id)}, ensure_ascii=False,
                                 indent=2))
            else:
                print(_line(a))
                print()
                print(a.text)
                n = len(appeals.responses(conn, a.id))
                print(f"\nresponses linked: {n}" + (f"; {a.remote_url}" if a.remote_url else ""))
        elif cmd == "queue":
            a = appeals.queue(conn, args.id)
            audit(args, "alter", objects={"appeal": a.id}, detail={"change": "appeal queued"})
            print(_line(a))
        elif cmd == "publish":
            a = appeals.get(conn, args.id)
            acc = accounts.get(a.account)
            print(appeals.confirmation(a, acc))
            if not args.yes:
                print("\nnot published: run again with --yes to publish exactly this text through this account")
                return 2
            for r in appeals.recover(conn, lambda ap: accounts.client(accounts.get(ap.account)), _recorder(args)):
                if r.id != a.id:
                    print(f"appeal {r.id} was left sending: now {r.state}")
            a = appeals.get(conn, a.id)
            if a.state == "sent":
                print(f"\nappeal {a.id} was already published ({a.remote_id})")
                return EXIT_OK
            a = appeals.publish(conn, a.id, accounts.client(acc), acc, confirmed_text=a.text,
                                confirmed_account=acc.name, record=_recorder(args))
            if a.state != "sent":
                print(f"\nappeal {a.id} is still queued: {a.error}", file=sys.stderr)
                return 1
            print(f"\npublished: {a.remote_id}" + (f" {a.remote_url}" if a.remote_url else ""))
        elif cmd == "collect":
            a = appeals.get(conn, args.id)
            who, purpose, case_ref = audit_fields(args)
            got = appeals.collect(cache, a.id, accounts.client(accounts.get(a.account)), operator=who,
                                  purpose=purpose, case_ref=case_ref, record=_recorder(args))
            print(got.line())
    return EXIT_OK


def register(sub) -> None:
    p = sub.add_parser("appeal", help="appeals for help on the agency's X account or Facebook Page",
                       description="Compose, queue, publish (with confirmation) and collect the replies of appeals "
                                   "for help. Tokens live in the system keyring.")
    s = p.add_subparsers(dest="appeal_cmd", required=True, metavar="ACTION")

    acc = s.add_parser("account", help="the accounts appeals go out through")
    acc_sub = acc.add_subparsers(dest="account_cmd", required=True, metavar="ACTION")
    a_add = acc_sub.add_parser("add", help="add or replace an account (the token is read from standard input)")
    a_add.add_argument("name")
    a_add.add_argument("--channel", required=True, choices=["x", "facebook"])
    a_add.add_argument("--page-id", help="the Facebook Page's id")
    a_add.add_argument("--base-url", help="another API base (a test account's stand-in); default the service")
    a_add.add_argument("--label", help="shown with the name when confirming, e.g. @busanpolice")
    a_rm = acc_sub.add_parser("remove", help="forget an account and its token")
    a_rm.add_argument("name")
    acc_sub.add_parser("list", help="the configured accounts")
    for q in (a_add, a_rm):
        add_audit_args(q)
        add_db(q)

    add = s.add_parser("add", help="a new appeal (a draft unless --queue)")
    add.add_argument("--account", required=True, metavar="NAME")
    add.add_argument("--ko", metavar="TEXT", help="the Korean text")
    add.add_argument("--en", metavar="TEXT", help="the English text")
    add.add_argument("--image", metavar="FILE", help="an image posted with it")
    add.add_argument("--area", metavar="NAME", help="the area it is about (a saved area or a district)")
    add.add_argument("--tag", metavar="HASHTAG", help="a hashtag added once, e.g. 부산경찰")
    add.add_argument("--queue", action="store_true", help="ready to publish (otherwise a draft)")
    add_by(add)
    s.add_parser("list", help="every appeal with its state")
    show = s.add_parser("show", help="one appeal, its exact text and its responses")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true")
    qu = s.add_parser("queue", help="a draft is ready to publish")
    qu.add_argument("id", type=int)
    pub = s.add_parser("publish", help="publish a queued appeal (shows it; --yes confirms)")
    pub.add_argument("id", type=int)
    pub.add_argument("--yes", action="store_true", help="publish exactly the text and account shown")
    col = s.add_parser("collect", help="collect the replies to a published appeal into the cache")
    col.add_argument("id", type=int)
    for q in (add, s.choices["list"], show, qu, pub, col):
        add_db(q)
        add_audit_args(q)
    p.set_defaults(func=run)
