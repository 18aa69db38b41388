"""Flood the live inputs over loopback and report what the cache keeps up with.

    .venv/bin/python benchmarks/live_flood.py --transport udp --rate 10000 --seconds 5
    .venv/bin/python benchmarks/live_flood.py --transport tcp --proto protobuf

A separate process sends valid CoT position reports (``--rate`` a second, in 10 ms
ticks) to a MulticastListener (239.2.3.1 on the loopback interface, TTL 0) or a
TcpServer on 127.0.0.1, which parse them and hand them to one LiveWriter. Printed:
messages sent / parsed / committed, drops at each stage (socket buffer, input,
writer queue), achieved ingest rate (items committed over the time from the first
message sent to the last commit) and commit latency (put -> commit, p50/p95/max).
Everything stays on this machine and the run stops by itself.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

GROUP = "239.2.3.1"


def _message(k: int, t0_ms: int, proto: bool) -> bytes:
    uid = f"FLOOD-{k % 500}"
    t = t0_ms + k  # unique (uid, time) per message, so nothing is a duplicate
    if proto:
        from takproto.proto import TakMessage

        m = TakMessage()
        ev = m.cotEvent
        ev.type, ev.uid, ev.how = "a-f-G-U-i-l", uid, "m-g"
        ev.sendTime = ev.startTime = t
        ev.staleTime = t + 300_000
        ev.lat, ev.lon, ev.hae, ev.ce, ev.le = 37.55 + (k % 997) * 1e-5, 126.97 + (k % 991) * 1e-5, 999999, 10, 999999
        ev.detail.contact.callsign = f"순찰{k % 500}"
        ev.detail.track.speed, ev.detail.track.course = 1.2, 45.0
        return m.SerializeToString()
    from desktop.live.cot_out import marker_event

    return marker_event(uid, 37.55 + (k % 997) * 1e-5, 126.97 + (k % 991) * 1e-5, cot_type="a-f-G-U-i-l",
                        callsign=f"순찰{k % 500}", t_ms=t, how="m-g", ce=10, course=45, speed=1.2)


def _sender(transport: str, port: int, rate: int, seconds: float, proto: bool, out, ready=None) -> None:
    """Runs in its own process: build the messages first, then pace them out. ``ready`` (an
    event) is set once the messages are built, just before the first is sent; the result
    says when (wall clock) the first was sent, so a run counts from there to its last commit."""
    total = int(rate * seconds)
    t0_ms = int(time.time() * 1000) - total  # times in the recent past
    msgs = [_message(k, t0_ms, proto) for k in range(total)]
    if proto:
        def varint(n: int) -> bytes:
            b = bytearray()
            while True:
                x, n = n & 0x7F, n >> 7
                b.append(x | (0x80 if n else 0))
                if not n:
                    return bytes(b)

        msgs = [(b"\xbf\x01\xbf" + m) if transport == "udp" else (b"\xbf" + varint(len(m)) + m) for m in msgs]
    if transport == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 0)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
        send = lambda batch: [s.sendto(m, (GROUP, port)) for m in batch]  # noqa: E731
    else:
        s = socket.create_connection(("127.0.0.1", port))
        send = lambda batch: s.sendall(b"".join(batch))  # noqa: E731
    tick = 0.01
    per_tick = max(1, int(rate * tick))
    if ready is not None:
        ready.set()
    first_wall = time.time()
    began = time.monotonic()
    sent = errors = 0
    for i in range(0, total, per_tick):
        due = began + (i // per_tick) * tick
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        try:
            send(msgs[i:i + per_tick])
            sent += len(msgs[i:i + per_tick])
        except OSError:
            errors += 1
    s.close()
    out.put({"sent": sent, "send_errors": errors, "send_s": time.monotonic() - began, "first_wall": first_wall})


def socket_drops(port: int) -> int | None:
    """Datagrams the kernel dropped for the UDP sockets bound to ``port`` (Linux), or None."""
    try:
        lines = Path("/proc/net/udp").read_text().splitlines()[1:]
    except OSError:
        return None
    total = 0
    for line in lines:
        f = line.split()
        if len(f) >= 13 and int(f[1].split(":")[1], 16) == port:
            total += int(f[12])
    return total


# The UDP input before and after its receive loop moved into a process of its own: the earlier
# design received and parsed on one thread with the old default buffer request (4 MiB).
UDP_DESIGNS = {"old": {"receiver": "thread", "rcvbuf": 4 << 20}, "new": {}}


def run(transport: str, rate: int, seconds: float, proto: bool, db: Path, design: str = "new",
        parsers: str = "inline", writer_in: str = "thread") -> dict:
    from desktop.live.cot_net import MulticastListener, TcpServer
    from desktop.live.writer import LiveWriter

    from desktop.live.parse_pool import ParsePool

    pool = ParsePool().start() if parsers == "pool" else None  # started before the clock
    writer = LiveWriter(db, purpose="public-order", process=writer_in == "process").start()
    if writer_in == "process":
        assert writer.flush(120)  # the writer process's start-up is not the flood's
    latencies: list[float] = []
    lock = threading.Lock()

    last_commit = [0.0]

    def on_commit(ids, units, stats):
        with lock:
            latencies.append(stats.latency_ms)
            last_commit[0] = time.time()

    writer.add_listener(on_commit)
    if transport == "udp":
        inp = MulticastListener(writer, GROUP, 0, "127.0.0.1", rate=1e9, burst=1e9, parsers=pool,
                                **UDP_DESIGNS[design]).start()
    else:
        inp = TcpServer(writer, "127.0.0.1", 0, rate=1e9, burst=1e9, parsers=pool).start()
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_sender, args=(transport, inp.port, rate, seconds, proto, q))
    began = time.monotonic()
    p.start()
    res = q.get(timeout=seconds * 10 + 120)
    p.join(30)
    # Let the inputs and the writer drain: until nothing moved for 2 s (at most 120 s).
    last, still, limit = None, time.monotonic(), time.monotonic() + 120
    while time.monotonic() - still < 2.0 and time.monotonic() < limit:
        now = (writer.stats().committed, inp.status.messages, writer.stats().queued)
        if now != last:
            last, still = now, time.monotonic()
        time.sleep(0.1)
    st = inp.status
    kernel_drops = socket_drops(inp.port) if transport == "udp" else None
    inp.stop()
    writer.stop()
    if pool is not None:
        pool.close()
    ws = writer.stats()
    with lock:
        lat = sorted(latencies)
    # From the first message sent to the last commit: the drain counts (dividing by the send
    # time alone hid a backlog committed seconds later).
    elapsed = max(last_commit[0] - res["first_wall"], res["send_s"])
    q95 = lat[int(0.95 * (len(lat) - 1))] if lat else 0.0
    return {
        "transport": transport,
        "design": (design if transport == "udp" else "-") + f"/{parsers}" + ("/writer process" if writer_in == "process"
                                                                             else ""),
        "receive_buffer": getattr(inp, "receive_buffer", 0), "encoding": "protobuf" if proto else "xml",
        "target_rate": rate,
        "seconds": seconds, **res, "parsed": st.messages, "input_dropped": st.dropped, "malformed": st.malformed,
        "lost_before_input": res["sent"] - st.messages - st.dropped - st.malformed,
        "socket_drops": kernel_drops,
        "writer_dropped": ws.dropped, "committed_items": ws.accepted, "batches": ws.batches,
        "ingest_rate": round(ws.accepted / elapsed, 1) if elapsed else 0.0, "first_send_to_last_commit_s": round(elapsed, 2),
        "commit_latency_ms": {"p50": round(statistics.median(lat), 1) if lat else 0.0, "p95": round(q95, 1),
                              "max": round(lat[-1], 1) if lat else 0.0},
        "wall_s": round(time.monotonic() - began, 2),
    }


def table(results: list[dict]) -> str:
    head = ("transport", "design", "rcvbuf MiB", "sent", "parsed", "lost in socket", "loss %", "input drops",
            "writer drops", "stored", "stored/s", "commit p95 ms")
    cells = [head]
    for r in results:
        lost = r["socket_drops"] if r.get("socket_drops") is not None else r["lost_before_input"]
        cells.append((f"{r['transport']}/{r['encoding']}", r["design"],
                      f"{r['receive_buffer'] / 2**20:.1f}" if r["receive_buffer"] else "-", f"{r['sent']:,}",
                      f"{r['parsed']:,}", f"{lost:,}",
                      f"{100 * lost / r['sent']:.2f}" if r["sent"] else "-", f"{r['input_dropped']:,}",
                      f"{r['writer_dropped']:,}", f"{r['committed_items']:,}", f"{r['ingest_rate']:,.0f}",
                      f"{r['commit_latency_ms']['p95']}"))
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    out = []
    for k, row in enumerate(cells):
        out.append("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
        if k == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--transport", choices=["udp", "tcp", "both"], default="both")
    ap.add_argument("--proto", choices=["xml", "protobuf"], default="xml")
    ap.add_argument("--rate", type=int, default=10_000, help="messages a second (default 10,000)")
    ap.add_argument("--seconds", type=float, default=5.0, help="how long to send (at most 60)")
    ap.add_argument("--udp-design", choices=["old", "new", "both"], default="both",
                    help="UDP: receive and parse on one thread (old) or receive in a process of its own (new)")
    ap.add_argument("--parsers", choices=["inline", "pool", "both"], default="both",
                    help="parse on the input's thread (inline, the single-process path) or in worker processes")
    ap.add_argument("--writer", choices=["thread", "process", "both"], default="thread",
                    help="the writer's statements on its thread in this process (thread) or in a writer process")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    ap.add_argument("--switch-interval", type=float, default=None, metavar="S",
                    help="sys.setswitchinterval for this process (e.g. 0.0005; the default is 0.005)")
    args = ap.parse_args(argv)
    if args.switch_interval:
        # The writer releases the interpreter lock around every SQLite step; a parser thread
        # holding it for the whole default interval makes each step wait (commit latency).
        sys.setswitchinterval(args.switch_interval)
    seconds = min(args.seconds, 60.0)
    results = []
    for transport in (["udp", "tcp"] if args.transport == "both" else [args.transport]):
        designs = (["old", "new"] if args.udp_design == "both" else [args.udp_design]) if transport == "udp" else ["new"]
        for design in designs:
            for parsers in (["inline", "pool"] if args.parsers == "both" else [args.parsers]):
                if design == "old" and parsers == "pool":
                    continue  # the old UDP receive loop parses on its own thread
                for writer_in in (["thread", "process"] if args.writer == "both" else [args.writer]):
                    with tempfile.TemporaryDirectory() as d:
                        results.append(run(transport, args.rate, seconds, args.proto == "protobuf",
                                           Path(d) / "flood.db", design, parsers, writer_in))
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(table(results))
    print(f"load average {' / '.join(f'{v:.2f}' for v in os.getloadavg())}\n")
    for r in results:
        lat = r["commit_latency_ms"]
        print(f"{r['transport']}/{r['encoding']}: sent {r['sent']} at {r['target_rate']}/s for {r['send_s']:.1f} s; "
              f"parsed {r['parsed']}, committed {r['committed_items']} ({r['ingest_rate']:.0f}/s from the first send "
              f"to the last commit, {r['first_send_to_last_commit_s']:.1f} s); "
              f"lost before the input {r['lost_before_input']}, input drops {r['input_dropped']}, "
              f"malformed {r['malformed']}, writer drops {r['writer_dropped']}; {r['batches']} batches, "
              f"commit latency p50 {lat['p50']} ms, p95 {lat['p95']} ms, max {lat['max']} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
