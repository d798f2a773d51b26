"""Upstream notifications and requests to the sessions that should hear them.

list_changed goes to every session that sees the server (once it has listed that kind);
resources/updated to the sessions subscribed to the URI (of those the instance serves,
for a private one); a log message, which names no request, to the one session with
requests in flight on that server, or else to the sessions that asked for logs. A
request from a server (sampling, elicitation, roots) goes to the session the upstream
chose, bounded by the server's call timeout.
"""

from __future__ import annotations

import logging
from typing import Any

import anyio.abc

from mcpod.daemon.server.session import Session
from mcpod.daemon.server.sessions import Sessions
from mcpod.daemon.upstream import ListKind, Upstream
from mcpod.protocol import ErrorCode, RpcError

log = logging.getLogger(__name__)


class Fanout:
    def __init__(self, sessions: Sessions, task_group: anyio.abc.TaskGroup) -> None:
        self._sessions = sessions
        self._tg = task_group

    def lists_changed(self, server: str, kinds: set[ListKind]) -> None:
        """Tell the sessions that see `server` (in the background: never block the upstream)."""
        if kinds:
            self._tg.start_soon(self._broadcast, server, kinds)

    async def _broadcast(self, server: str, kinds: set[ListKind]) -> None:
        # Templates have no list_changed of their own: clients re-list them with resources.
        notified = {"resources" if k == "resourceTemplates" else k for k in kinds}
        for session in self._sessions:
            try:
                for kind in notified:
                    if server in session.surface.listing(kind):
                        await session.notify_list_changed(kind)
            except Exception:  # one session's trouble must not cost the others their news
                log.exception("session %s: list_changed not sent", session.id)

    async def notification(self, upstream: Upstream, method: str, params: dict[str, Any]) -> None:
        if method == "notifications/resources/updated":
            for session in self._served_by(upstream):
                await session.notify_resource_updated(params)
        elif method == "notifications/message":
            for session in self._log_recipients(upstream):
                await session.send_notification(method, params)

    async def client_request(
        self, upstream: Upstream, session_id: str, method: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        session = self._sessions.get(session_id)
        if session is None:
            raise RpcError(f"client session {session_id} has ended",
                           code=ErrorCode.CONNECTION_CLOSED)  # fmt: skip
        log.info("server %s: %s goes to session %s", upstream.name, method, session_id)
        return await session.forward_server_request(
            upstream.name, method, params, timeout_s=upstream.config.call_timeout
        )

    def capabilities(self) -> list[dict[str, Any]]:
        """The forwardable capabilities of every open session."""
        return [session.client_capabilities for session in self._sessions]

    def _served_by(self, upstream: Upstream) -> list[Session]:
        if not upstream.key:
            return list(self._sessions)
        return [s for s in map(self._sessions.get, sorted(upstream.served)) if s is not None]

    def _log_recipients(self, upstream: Upstream) -> list[Session]:
        active = [s for s in map(self._sessions.get, upstream.active_sessions) if s is not None]
        if len(active) == 1:
            return active
        return [s for s in self._served_by(upstream) if s.log_level is not None]
