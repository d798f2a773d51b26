"""The open sessions, by id: who gets fan-out from upstreams, and what status reports."""

from __future__ import annotations

from collections.abc import Iterator

from mcpod.daemon.server.session import Session
from mcpod.protocol.control import SessionStatus


class Sessions:
    def __init__(self) -> None:
        self._by_id: dict[str, Session] = {}

    def add(self, session: Session) -> None:
        self._by_id[session.id] = session

    def remove(self, session: Session) -> None:
        self._by_id.pop(session.id, None)

    def get(self, session_id: str) -> Session | None:
        return self._by_id.get(session_id)

    def __iter__(self) -> Iterator[Session]:
        return iter(list(self._by_id.values()))  # a copy: sessions come and go during fan-out

    def __len__(self) -> int:
        return len(self._by_id)

    def describe(self) -> list[SessionStatus]:
        return [session.describe() for session in self]
