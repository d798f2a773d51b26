"""The sync loop's upstream side: health checks and idle eviction.

Every sweep (each `SWEEP_S`): a ready server unused for `idleTimeout` seconds is stopped
(it restarts on next use; this also stops servers started only to learn their tools); a
ready server not heard from for `HEALTH_EVERY_S` is pinged, and one that does not answer
is stopped so that the next use starts a fresh one. A session's own instance lives as
long as its session; a project's is idle only once no open session uses it.
"""

from __future__ import annotations

import logging
import time

import anyio

from mcpod.daemon.upstream.connection import Upstream
from mcpod.daemon.upstream.pool import Pool

log = logging.getLogger(__name__)

SWEEP_S = 1.0
HEALTH_EVERY_S = 30.0


class Supervisor:
    def __init__(self, pool: Pool) -> None:
        self._pool = pool
        self._checked: dict[str, float] = {}  # server -> monotonic time of its last ping

    async def run(self) -> None:
        while True:
            await anyio.sleep(SWEEP_S)
            await self.sweep()

    async def sweep(self) -> None:
        async with anyio.create_task_group() as tg:
            for upstream in self._pool:
                upstream.note_stable()
                if _idle_for(upstream) is not None:
                    tg.start_soon(self._evict, upstream)
                elif self._due_for_ping(upstream):
                    tg.start_soon(self._check, upstream)

    async def _evict(self, upstream: Upstream) -> None:
        since = time.strftime("%H:%M:%S", time.localtime(time.time() - (_idle_for(upstream) or 0)))
        log.info("server %s idle since %s: stopping it (idleTimeout)", upstream.name, since)
        await self._pool.evict(upstream, f"idle since {since}; starts again on next use")

    def _due_for_ping(self, upstream: Upstream) -> bool:
        if upstream.state != "ready" or upstream.inflight:
            return False
        now = time.monotonic()
        last = max(self._checked.get(_label(upstream), 0.0), upstream.last_used)
        return now - last >= HEALTH_EVERY_S

    async def _check(self, upstream: Upstream) -> None:
        self._checked[_label(upstream)] = time.monotonic()
        if not await upstream.ping():
            log.warning("server %s does not answer ping: restarting it on next use", upstream.name)
            upstream.last_error = "did not answer a health check (ping)"
            await upstream.stop("did not answer a health check; starts again on next use")


def _idle_for(upstream: Upstream) -> float | None:
    """Seconds since last use, when that is past the server's idleTimeout (else None)."""
    timeout = upstream.config.idle_timeout
    if not timeout or upstream.state != "ready" or upstream.inflight:
        return None
    private = upstream.key and upstream.config.scope != "global"  # not a replica
    if private and (upstream.config.scope == "session" or upstream.served):
        return None  # a private instance in use by its session(s)
    idle = time.monotonic() - upstream.last_used
    return idle if idle >= timeout else None


def _label(upstream: Upstream) -> str:
    return f"{upstream.name} {upstream.key}" if upstream.key else upstream.name
