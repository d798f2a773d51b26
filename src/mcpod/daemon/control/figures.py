"""Process figures for `status`: memory and CPU of the daemon and of each server's whole
process tree (`npx` starts node, `uvx` starts python: the leader alone says little).

CPU is a percentage since the previous look at the same process (psutil's way), so the
first `mcpod status` after a start shows 0.0; `psutil.Process` objects are kept for that.
"""

from __future__ import annotations

import os

import psutil

_seen: dict[int, psutil.Process] = {}


def tree(pid: int | None) -> tuple[int | None, float | None]:
    """RSS bytes and CPU % of `pid` and its descendants; (None, None) if it is gone."""
    if pid is None:
        return None, None
    try:
        leader = _process(pid)
        members = [leader, *leader.children(recursive=True)]
    except psutil.Error:
        _seen.pop(pid, None)
        return None, None
    rss, cpu = 0, 0.0
    for member in members:
        try:
            process = _process(member.pid)
            rss += process.memory_info().rss
            cpu += process.cpu_percent(interval=None)
        except psutil.Error:
            continue
    return rss, round(cpu, 1)


def daemon() -> dict[str, float | int | None]:
    """The daemon's own figures."""
    me = _process(os.getpid())
    with me.oneshot():
        return {
            "rss_bytes": me.memory_info().rss,
            "cpu_percent": round(me.cpu_percent(interval=None), 1),
            "threads": me.num_threads(),
            "open_files": me.num_fds(),
        }


def forget_gone() -> None:
    for pid in [p for p, proc in _seen.items() if not proc.is_running()]:
        del _seen[pid]


def _process(pid: int) -> psutil.Process:
    process = _seen.get(pid)
    if process is None or not process.is_running():
        process = _seen[pid] = psutil.Process(pid)
    return process
