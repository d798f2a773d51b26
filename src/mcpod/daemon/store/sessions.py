"""Each session's activated servers, so a session survives a daemon restart.

The shim reconnects to the next daemon with its old session id (`Hello.resume`), and
that daemon gives the session back what it had activated. Rows older than `KEEP_S` go.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time

from mcpod.daemon.store.db import Database

log = logging.getLogger(__name__)

KEEP_S = 7 * 24 * 3600.0


class SessionState:
    def __init__(self, db: Database) -> None:
        self._db = db

    def save(self, session: str, active: set[str]) -> None:
        """Best effort: a store that fails costs the session its activations on restart."""
        try:
            with self._db.transaction():
                self._db.connection.execute(
                    "INSERT OR REPLACE INTO session_state (session, active, updated_at) "
                    "VALUES (?, ?, ?)",
                    (session, json.dumps(sorted(active)), time.time()),
                )
        except sqlite3.Error as exc:
            log.warning("state store: session %s's activations not saved: %s", session, exc)

    def active(self, session: str) -> set[str]:
        try:
            row = self._db.connection.execute(
                "SELECT active FROM session_state WHERE session = ?", (session,)
            ).fetchone()
        except sqlite3.Error as exc:
            log.warning("state store: session %s's activations not read: %s", session, exc)
            return set()
        if row is None:
            return set()
        try:
            names = json.loads(row[0])
        except json.JSONDecodeError:
            return set()
        return {n for n in names if isinstance(n, str)} if isinstance(names, list) else set()

    def forget_old(self) -> None:
        try:
            with self._db.transaction():
                self._db.connection.execute(
                    "DELETE FROM session_state WHERE updated_at < ?", (time.time() - KEEP_S,)
                )
        except sqlite3.Error as exc:
            log.warning("state store: old session state not pruned: %s", exc)
