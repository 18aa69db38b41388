"""The pipe a worker process sends back through (desktop.core.pipes): a worker that ends,
even killed in the middle of a message, ends the read; nothing it sent in whole is lost.
Real spawned processes, real pipes."""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import signal
import time

import pytest

from desktop.core.pipes import BufferedSender, ChildPipe, WorkerGone

BIG = 32 << 20  # far more than a pipe holds: the sender is blocked in the middle of it


def _send_then_big(conn) -> None:
    conn.send("first")
    conn.send("second")
    conn.send(b"x" * BIG)  # blocks until read, or until killed half-way


def _buffered(conn, n: int) -> None:
    out = BufferedSender(conn)
    t0 = time.monotonic()
    for i in range(n):
        out.put(("batch", i, b"y" * 4096))
    conn_wait = time.monotonic() - t0
    out.put(("put took", conn_wait))
    out.close(timeout=30)


def _start(target, *args):
    ctx = mp.get_context("spawn")
    pipe = ChildPipe(ctx)
    proc = ctx.Process(target=target, args=(pipe.sending_end, *args), daemon=True)
    proc.start()
    pipe.started()
    return pipe, proc


def _get(pipe, deadline_s: float = 20.0):
    end = time.monotonic() + deadline_s
    while True:
        try:
            return pipe.get(0.2)
        except queue.Empty:
            assert time.monotonic() < end, "no message and no end"


def test_a_worker_killed_mid_message_ends_the_read():
    pipe, proc = _start(_send_then_big)
    try:
        assert _get(pipe) == "first" and _get(pipe) == "second"
        time.sleep(1.0)  # the worker is inside the big send now, the pipe full
        assert proc.is_alive()
        os.kill(proc.pid, signal.SIGKILL)
        t0 = time.monotonic()
        with pytest.raises(WorkerGone):
            _get(pipe)  # reads the half it wrote, then the end: never waits for the rest
        assert time.monotonic() - t0 < 10
        with pytest.raises(WorkerGone):
            pipe.get(0.1)
    finally:
        proc.join(5)
        pipe.close()


def test_everything_sent_in_whole_arrives_before_the_end():
    pipe, proc = _start(_send_then_big)
    try:
        got = [_get(pipe) for _ in range(3)]
        assert got[:2] == ["first", "second"] and len(got[2]) == BIG
        with pytest.raises(WorkerGone):
            _get(pipe)
    finally:
        proc.join(5)
        pipe.close()
    assert proc.exitcode == 0


def test_a_buffered_sender_never_waits_and_keeps_the_order():
    n = 2000  # 8 MB: the pipe fills while nobody reads
    pipe, proc = _start(_buffered, n)
    try:
        time.sleep(1.0)
        seen = [_get(pipe) for _ in range(n + 1)]
        assert [s[1] for s in seen[:n]] == list(range(n))
        label, put_s = seen[n]
        assert label == "put took" and put_s < 1.0  # handed over without waiting for this reader
        with pytest.raises(WorkerGone):
            _get(pipe)
    finally:
        proc.join(5)
        pipe.close()
