"""Activation history: which servers sessions activated together, to rank them for a task.

Best effort and bounded: a record that the store cannot take now is kept and written by
the next `flush`; the table keeps the newest `MAX_ROWS` activations.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections import Counter

from mcpod.daemon.store.db import Database

log = logging.getLogger(__name__)

MAX_ROWS = 10_000
MAX_PENDING = 1_000  # records kept in memory while the store fails

Row = tuple[str, str | None, str, str | None, float]


class ActivationHistory:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._pending: list[Row] = []
        self._together: Counter[tuple[str, str]] | None = None  # cached until the next record

    def record(
        self, session: str, client: str | None, servers: list[str], task: str | None
    ) -> None:
        now = time.time()
        self._pending.extend((session, client, server, task, now) for server in servers)
        del self._pending[:-MAX_PENDING]
        self._together = None
        try:
            self.flush()
        except sqlite3.Error as exc:
            log.warning("state store: activation history not saved yet (%s); will retry", exc)

    def flush(self) -> None:
        if not self._pending:
            return
        with self._db.transaction():
            self._db.connection.executemany(
                "INSERT INTO activations (session, client, server, task, at) "
                "VALUES (?, ?, ?, ?, ?)",
                self._pending,
            )
            self._db.connection.execute(
                "DELETE FROM activations WHERE id <= (SELECT MAX(id) FROM activations) - ?",
                (MAX_ROWS,),
            )
        self._pending.clear()

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
