"""Memory of a process and everything it started (the QtWebEngine renderer and GPU
processes are children of the window's process), read from /proc.

RSS counts a page shared by several processes once in each; PSS divides it among them,
so the tree's PSS is what the tree costs the machine. Linux only (other systems: None)."""

from __future__ import annotations

import os
from pathlib import Path


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def tree(pid: int | None = None) -> list[int]:
    """``pid`` (default: this process) and its descendants."""
    seen, todo = [], [pid or os.getpid()]
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.append(p)
        todo += _children(p)
    return seen


def _kb(path: Path, key: str) -> int:
    for line in path.read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def tree_memory(pid: int | None = None) -> dict | None:
    """{'processes', 'rss_mb', 'pss_mb', 'self_rss_mb', 'by_name': {name: pss MB}} or None."""
    if not Path("/proc/self/smaps_rollup").exists():
        return None
    me = pid or os.getpid()
    rss = pss = 0
    by_name: dict[str, float] = {}
    procs = 0
    for p in tree(me):
        base = Path(f"/proc/{p}")
        try:
            r = _kb(base / "status", "VmRSS")
            s = _kb(base / "smaps_rollup", "Pss")
            name = (base / "comm").read_text().strip()
        except OSError:
            continue  # ended meanwhile
        procs += 1
        rss += r
        pss += s
        by_name[name] = by_name.get(name, 0.0) + s / 1024
    return {"processes": procs, "rss_mb": rss / 1024, "pss_mb": pss / 1024,
            "self_rss_mb": _kb(Path(f"/proc/{me}/status"), "VmRSS") / 1024,
            "by_name": {k: round(v, 1) for k, v in sorted(by_name.items(), key=lambda kv: -kv[1])}}


def thread_cpu(pid: int | None = None) -> dict[int, tuple[str, float]] | None:
    """{native thread id: (its kernel name, CPU seconds so far)} for one process, or None
    off Linux. Python threads keep the process's name in the kernel; map them by
    ``threading.Thread.native_id``."""
    base = Path(f"/proc/{pid or os.getpid()}/task")
    if not base.exists():
        return None
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[int, tuple[str, float]] = {}
    for task in base.iterdir():
        try:
            stat = (task / "stat").read_text()
        except OSError:
            continue  # ended meanwhile
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        out[int(task.name)] = (name, (int(fields[11]) + int(fields[12])) / tick)  # utime + stime
    return out


def thread_cpu_report(before: dict, after: dict, wall_s: float, n: int = 12) -> list[str]:
    """Lines naming the threads that used the most CPU between two ``thread_cpu`` readings
    (Python threads by their ``threading`` name)."""
    import threading

    names = {t.native_id: t.name for t in threading.enumerate()}
    main = threading.main_thread().native_id
    rows = []
    for tid, (kname, cpu) in after.items():
        used = cpu - before.get(tid, (kname, 0.0))[1]
        label = "GUI (main thread)" if tid == main else names.get(tid, kname)
        rows.append((used, label))
    merged: dict[str, float] = {}
    for used, label in rows:
        merged[label] = merged.get(label, 0.0) + used
    total = sum(merged.values())
    lines = [f"window process CPU over {wall_s:.1f} s: {total:.1f} s ({total / wall_s:.2f} cores)"]
    for label, used in sorted(merged.items(), key=lambda kv: -kv[1])[:n]:
        lines.append(f"  {used:6.2f} s  {label}")
    return lines
