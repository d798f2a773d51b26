"""Activation history: which servers sessions activated together, to rank them for a task."""

from __future__ import annotations

import time
from collections import Counter

from mcpod.daemon.store.db import Database


class ActivationHistory:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._together: Counter[tuple[str, str]] | None = None  # cached until the next record

    def record(
        self, session: str, client: str | None, servers: list[str], task: str | None
    ) -> None:
        now = time.time()
        with self._db.transaction():
            for server in servers:
                self._db.connection.execute(
                    "INSERT INTO activations (session, client, server, task, at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (session, client, server, task, now),
                )
        self._together = None

    def co_activations(self) -> Counter[tuple[str, str]]:
        """How often two servers were activated in the same session (both orders)."""
        if self._together is None:
            rows = self._db.connection.execute(
                "SELECT a.server, b.server, COUNT(DISTINCT a.session) FROM activations a "
                "JOIN activations b ON a.session = b.session AND a.server != b.server "
                "GROUP BY a.server, b.server"
            )
            self._together = Counter({(a, b): n for a, b, n in rows})
        return self._together
