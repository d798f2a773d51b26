"""Orphans of a daemon that died without stopping its servers (SIGKILL, a crash).

Every stdio server carries two markers in its environment: which server it is
(`MCPOD_UPSTREAM`) and which daemon started it (`MCPOD_OWNER`, the socket path). Most
servers exit when the daemon's end of their stdin closes; the next daemon on the same
socket stops the ones that did not, at start-up, before it starts servers of its own.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal

import psutil

from mcpod.daemon.upstream.transports import MARKER_ENV, OWNER_ENV

log = logging.getLogger(__name__)

TERM_WAIT_S = 2.0


def reap_orphans(owner: str) -> list[int]:
    """Stop this user's processes that an earlier daemon on `owner` started; their pids."""
    me = os.getpid()
    orphans = []
    for proc in psutil.process_iter(["uids", "environ"]):
        try:
            env = proc.info["environ"] or {}
            ours = proc.info["uids"] is not None and proc.info["uids"].real == os.getuid()
        except psutil.Error:
            continue
        if ours and proc.pid != me and env.get(OWNER_ENV) == owner and MARKER_ENV in env:
            orphans.append(proc)
    for proc in orphans:
        log.warning(
            "stopping pid %d, server %s of an earlier daemon that died without stopping it",
            proc.pid, proc.info["environ"].get(MARKER_ENV, "?").split(":")[0],
        )  # fmt: skip
        _signal(proc, signal.SIGTERM)
    _, alive = psutil.wait_procs(orphans, timeout=TERM_WAIT_S)
    for proc in alive:
        _signal(proc, signal.SIGKILL)
    return [proc.pid for proc in orphans]


def _signal(proc: psutil.Process, signum: int) -> None:
    with contextlib.suppress(psutil.Error):  # gone already
        proc.send_signal(signum)
