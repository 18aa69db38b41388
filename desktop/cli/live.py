"""``sitmap replay``, ``sitmap listen`` and ``sitmap responder``: the live feeds from
the command line.

:func:`register` adds them to the ``sitmap`` parser; ``listen`` runs the inputs
headless into the cache until Ctrl+C (or ``--duration``), printing one status line per
feed every few seconds and following taskings; ``responder`` plays a field unit that
answers taskings, so the loop with the field can be shown without a phone.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from pathlib import Path

from desktop.cli.common import EXIT_ERROR, EXIT_OK, audit_fields
from desktop.cli.common import db_path as _db


def _hostport(spec: str, default_port: int, what: str) -> tuple[str, int]:
    host, sep, port = spec.rpartition(":")
    if not sep or not host:
        return spec or "127.0.0.1", default_port
    try:
        return host.strip("[]"), int(port)
    except ValueError:
        raise ValueError(f"{what} {spec!r}: expected HOST:PORT") from None


def register(subparsers) -> None:
    """Add ``replay`` and ``listen`` to the ``sitmap`` sub-command parsers."""
    r = subparsers.add_parser("replay", help="send a cache's field updates as CoT and its posts as JSON lines")
    r.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS, help="the cache to replay (e.g. the demo)")
    r.add_argument("--cot", metavar="URL", help="udp://239.2.3.1:6969 or tcp://127.0.0.1:8087")
    r.add_argument("--jsonl", metavar="FILE", help="append the posts to this JSON-lines file (X v1.1 post JSON)")
    r.add_argument("--speed", type=float, default=60.0, help="60 plays an hour in a minute; 0 sends without waiting")
    r.add_argument("--max-seconds", type=float, default=600.0, help="stop after this long (default 600)")
    r.add_argument("--limit", type=int, default=None, help="stop after this many messages")
    r.add_argument("--keep-times", action="store_true", help="send the stored times instead of moving them to now")
    r.add_argument("--allow-remote", action="store_true", help="allow a target that is not on this machine")
    r.set_defaults(func=cmd_replay)

    ls = subparsers.add_parser("listen", help="run live inputs into the cache until Ctrl+C")
    ls.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS, help="the cache to write to")
    ls.add_argument("--udp", action="append", default=[], metavar="GROUP:PORT",
                    help="CoT over UDP, e.g. 239.2.3.1:6969 (multicast is joined on --interface)")
    ls.add_argument("--interface", default="127.0.0.1", help="address of the interface for multicast")
    ls.add_argument("--tcp", action="append", default=[], metavar="HOST:PORT", help="accept CoT over TCP here")
    ls.add_argument("--tak", action="append", default=[], metavar="HOST:PORT", help="connect to a TAK server")
    ls.add_argument("--ca", help="CA certificate (PEM) for --tak over TLS")
    ls.add_argument("--cert", help="client certificate (PEM) for --tak over TLS")
    ls.add_argument("--key", help="client key (PEM) for --tak over TLS")
    ls.add_argument("--key-password", help="password of an encrypted --key")
    ls.add_argument("--folder", action="append", default=[], metavar="DIR", help="import files dropped here")
    ls.add_argument("--jsonl", action="append", default=[], metavar="FILE", help="follow a JSON-lines capture")
    ls.add_argument("--publish-shapes", action="store_true",
                    help="send the saved areas and open incidents to the --tak servers as CoT shapes, kept up to "
                         "date (shapes drawn in the field become saved areas either way)")
    ls.add_argument("--shared", metavar="URL", default=None,
                    help="also keep the cache in step with the command post's shared store "
                         "(postgresql://user@host:port/database): a headless ingest node")
    ls.add_argument("--every", type=float, default=5.0, help="seconds between status lines")
    ls.add_argument("--duration", type=float, default=None, help="stop after this many seconds")
    ls.set_defaults(func=cmd_listen)

    rs = subparsers.add_parser("responder", help="play a field unit that answers taskings (receipt, reply, moving there)")
    rs.add_argument("--tcp", required=True, metavar="HOST:PORT", help="the TAK feed to connect to (plain TCP)")
    rs.add_argument("--serve", action="store_true",
                    help="listen on --tcp instead, for Sitmap's TAK connection (no TAK server needed)")
    rs.add_argument("--uid", required=True, help="the unit's uid (taskings addressed to it are answered)")
    rs.add_argument("--callsign", required=True, help="the unit's callsign, e.g. 기동7")
    rs.add_argument("--at", default="37.5665,126.9780", metavar="LAT,LON", help="where the unit starts")
    rs.add_argument("--speed-mps", type=float, default=25.0, help="how fast it moves to a task (metres a second)")
    rs.add_argument("--reply-delay", type=float, default=2.0, help="seconds between the receipt and the reply")
    rs.add_argument("--duration", type=float, default=None, help="stop after this many seconds")
    rs.add_argument("--allow-remote", action="store_true", help="allow a feed that is not on this machine")
    rs.set_defaults(func=cmd_responder)


def cmd_replay(args) -> int:
    from desktop.live.replay import replay

    def progress(st) -> None:
        print(f"  {st.cot_sent} CoT sent, {st.posts_written} posts written…", file=sys.stderr, flush=True)

    stop = threading.Event()
    try:
        st = replay(_db(args), cot=args.cot, jsonl=args.jsonl, speed=args.speed, max_seconds=args.max_seconds,
                    limit=args.limit, keep_times=args.keep_times, allow_remote=args.allow_remote, stop=stop,
                    progress=progress)
    except OSError as exc:
        print(f"sitmap: replay failed: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    print(f"replay finished ({st.stopped_by}) after {st.elapsed_s:.1f} s: {st.cot_sent} CoT messages sent, "
          f"{st.posts_written} posts written, {st.skipped} skipped")
    return EXIT_OK


def build_inputs(args, writer) -> list:
    """The inputs ``listen`` asked for, not yet started."""
    from desktop.live.cot_net import MulticastListener, TakClient, TcpServer, TlsConfig
    from desktop.live.files import DropFolderWatcher, JsonlTailer

    inputs: list = []
    parsers = None
    if args.udp or args.tcp or args.tak:  # CoT is parsed in worker processes, as in the window
        from desktop.live.parse_pool import shared_pool

        parsers = shared_pool()
    for spec in args.udp:
        group, port = _hostport(spec, 6969, "--udp")
        inputs.append(MulticastListener(writer, group, port, args.interface, parsers=parsers))
    for spec in args.tcp:
        host, port = _hostport(spec, 4242, "--tcp")
        inputs.append(TcpServer(writer, host, port, parsers=parsers))
    tls = None
    if args.ca or args.cert or args.key:
        if not (args.ca and args.cert and args.key):
            raise ValueError("TLS needs all of --ca, --cert and --key")
        tls = TlsConfig(args.ca, args.cert, args.key, password=args.key_password)
    for spec in args.tak:
        host, port = _hostport(spec, 8089 if tls else 8087, "--tak")
        inputs.append(TakClient(writer, host, port, tls, parsers=parsers))
    for folder in args.folder:
        inputs.append(DropFolderWatcher(folder, writer.import_file))
    for path in args.jsonl:
        inputs.append(JsonlTailer(path, writer))
    return inputs


def _shape_publisher(args, inputs, writer):
    """The publisher of areas and incidents to the TAK clients among ``inputs``, or None."""
    from desktop.live.shapes import ShapePublisher, ensure_station
    from desktop.live.tak_client import TakClient

    if not args.publish_shapes:
        return None
    links = [inp for inp in inputs if isinstance(inp, TakClient)]
    if not links:
        raise ValueError("--publish-shapes sends to TAK servers: give --tak HOST:PORT")
    station = writer.run_on_writer(lambda cache: ensure_station(cache.conn)).result(15)
    return ShapePublisher(links, station=station, sender_uid=f"SITMAP-{station}")


def _publish(publisher, cache) -> None:
    import sqlite3

    try:
        st = publisher.publish(cache.conn)
    except sqlite3.Error as exc:  # a busy cache: the next round tries again
        print(f"shapes not published: {exc}", flush=True)
        return
    if st.sent:
        print(f"SHAPES {st.shapes} published ({st.changed} new or changed, {st.removed} removed), "
              f"{st.sent} CoT sent", flush=True)


def _print_area(change) -> None:
    print(f"AREA {change.action} {change.name!r} (from TAK {change.uid})", flush=True)


def cmd_listen(args) -> int:
    from desktop.cache import Cache
    from desktop.core import purposes
    from desktop.live.alerts import AlertEngine
    from desktop.live.shapes import ShapeReceiver
    from desktop.live.tasking import TaskTracker
    from desktop.live.writer import LiveWriter

    operator, purpose, case_ref = audit_fields(args)
    writer = LiveWriter(_db(args), operator=operator, purpose=purpose, case_ref=case_ref)
    purposes.require(purpose, f"listening into {writer.db_path}", case_ref)  # before any input opens
    inputs = []
    stop = threading.Event()
    try:
        inputs = build_inputs(args, writer)
        if not inputs:
            raise ValueError("nothing to listen to: give --udp, --tcp, --tak, --folder or --jsonl")
        writer.start()
        engine = AlertEngine(_db(args), on_alert=lambda a: print(f"ALERT {a.message}", flush=True))
        writer.add_listener(engine.on_commit)
        engine.start()
        writer.add_record_listener(TaskTracker(on_change=_print_task).on_records)
        writer.add_record_listener(ShapeReceiver(on_change=_print_area).on_records)
        publisher = _shape_publisher(args, inputs, writer)
        for inp in inputs:
            inp.start()
        sync_thread = _start_sync(args, writer.db_path, operator, stop)
    except (OSError, ValueError) as exc:
        for inp in inputs:
            inp.stop()
        writer.stop()
        print(f"sitmap: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
        return EXIT_ERROR
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set()) if threading.current_thread() is threading.main_thread() else None
    print(f"listening into {writer.db_path} (Ctrl+C to stop)", flush=True)
    began = time.monotonic()
    end = None if args.duration is None else began + args.duration
    next_status = began + args.every
    shapes_cache = Cache.open_readonly(writer.db_path) if publisher is not None else None
    try:
        while True:
            now = time.monotonic()
            wake = min(next_status, now + 1.0) if publisher is not None else next_status  # shapes: every second
            if end is not None:
                wake = min(wake, end)
            if stop.wait(max(0.05, wake - now)):
                break
            if publisher is not None:
                _publish(publisher, shapes_cache)
            now = time.monotonic()
            if now >= next_status or (end is not None and now >= end):
                _print_status(inputs, writer)
                next_status = now + args.every
            if end is not None and now >= end:
                break
    except KeyboardInterrupt:
        pass
    finally:
        for inp in inputs:
            inp.stop()
        writer.stop()
        if sync_thread is not None:  # what the last commits wrote goes up before the end
            _stop_sync(sync_thread, stop)
        engine.close()
        if shapes_cache is not None:
            shapes_cache.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    _print_status(inputs, writer)
    return EXIT_OK


def _start_sync(args, db_path, operator, stop: threading.Event):
    """With --shared: the sync (desktop.sync) on its own thread, printing its status lines;
    what the feeds commit goes up, what the others do comes down. Stops with ``stop``."""
    url = getattr(args, "shared", None)
    if not url:
        return None
    from desktop.sync.runner import Sync

    sync = Sync(db_path, url, operator=operator, on_status=lambda s: print(s.line(), flush=True))

    def run() -> None:
        try:
            sync.run(stop)
        except Exception as exc:  # noqa: BLE001 - one line, the feeds go on into the cache
            print(f"sitmap: {exc}", file=sys.stderr, flush=True)

    t = threading.Thread(target=run, name="sitmap-sync", daemon=True)
    t.sync = sync
    t.start()
    return t


def _stop_sync(thread, stop: threading.Event) -> None:
    stop.set()
    thread.join(timeout=15)
    try:
        print(thread.sync.once().line(), flush=True)
    except Exception as exc:  # noqa: BLE001 - the cache has everything; the next sync sends it
        print(f"sitmap: {exc}", file=sys.stderr, flush=True)


def _print_task(change) -> None:
    t = change.task
    line = f"TASK {t['code']} {t.get('callsign') or t['unit_uid']}: {change.previous} -> {t['state']} ({change.cause})"
    if change.cause == "reply" and t.get("reply"):
        line += f": {t['reply']}"
    print(line + (f", item marked {change.verdict}" if change.verdict else ""), flush=True)


def cmd_responder(args) -> int:
    from desktop.live.replay import Responder

    try:
        host, port = _hostport(args.tcp, 8087, "--tcp")
        lat_s, _, lon_s = args.at.partition(",")
        try:
            lat, lon = float(lat_s), float(lon_s)
        except ValueError:
            raise ValueError(f"--at {args.at!r}: expected LAT,LON") from None
        responder = Responder(host, port, uid=args.uid, callsign=args.callsign, lat=lat, lon=lon,
                              speed_mps=args.speed_mps, reply_delay_s=args.reply_delay,
                              allow_remote=args.allow_remote, serve=args.serve).start()
    except (OSError, ValueError) as exc:
        print(f"sitmap: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
        return EXIT_ERROR
    how = "listening on" if args.serve else "on the TAK feed at"
    print(f"responder {args.callsign} ({args.uid}) {how} {host}:{port} (Ctrl+C to stop)", flush=True)
    stop = threading.Event()
    began = time.monotonic()
    seen = (0, 0)
    try:
        while not stop.wait(0.5):
            now = (len(responder.answered), len(responder.arrived))
            if now != seen:
                if now[0] > seen[0]:
                    print(f"answered {responder.answered[-1]}", flush=True)
                if now[1] > seen[1]:
                    print(f"arrived at {responder.arrived[-1]}", flush=True)
                seen = now
            if args.duration is not None and time.monotonic() - began >= args.duration:
                break
    except KeyboardInterrupt:
        pass
    finally:
        responder.stop()
    print(f"responder stopped: {len(responder.answered)} taskings answered, {responder.sent} CoT sent", flush=True)
    return EXIT_OK


def _print_status(inputs, writer) -> None:
    for inp in inputs:
        print(inp.status.line(), flush=True)
    w = writer.stats()
    print(f"cache: {w.committed} records committed ({w.accepted} new), {w.dropped} dropped, "
          f"{w.batches} batches, last commit {w.last_latency_ms:.0f} ms after arrival"
          + (f" - {w.last_error}" if w.last_error else ""), flush=True)
