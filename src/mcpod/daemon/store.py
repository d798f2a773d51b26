"""The state store: one SQLite file (WAL) under the state dir.

It holds each server's catalog (tools, prompts, resources and templates, with the hash
of the config they were fetched under), call statistics per tool, and activation
history. Every write is one transaction, so a crash loses at most the write in flight;
`user_version` carries the schema version and `MIGRATIONS` moves old files forward.
Calls are counted in memory and flushed in batches: a call must not wait on a disk write.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections import Counter
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MIGRATIONS: list[str] = [
    # 1: catalog, call statistics, activation history
    """
    CREATE TABLE catalog (
        server      TEXT PRIMARY KEY,
        config_hash TEXT NOT NULL,
        fetched_at  REAL NOT NULL,
        server_info TEXT NOT NULL,
        lists       TEXT NOT NULL
    );
    CREATE TABLE tool_stats (
        server      TEXT NOT NULL,
        tool        TEXT NOT NULL,
        calls       INTEGER NOT NULL DEFAULT 0,
        errors      INTEGER NOT NULL DEFAULT 0,
        total_ms    REAL NOT NULL DEFAULT 0,
        last_called REAL,
        PRIMARY KEY (server, tool)
    );
    CREATE TABLE activations (
        id        INTEGER PRIMARY KEY,
        session   TEXT NOT NULL,
        client    TEXT,
        server    TEXT NOT NULL,
        task      TEXT,
        at        REAL NOT NULL
    );
    CREATE INDEX activations_session ON activations (session);
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


class StoreError(Exception):
    pass


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        # One connection, used from the event loop's thread: every statement is small.
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "PRAGMA synchronous=NORMAL"
        )  # WAL + NORMAL: durable at checkpoints, never corrupt
        self._db.execute("PRAGMA busy_timeout=5000")
        self._migrate()
        self._pending_calls: Counter[tuple[str, str, str]] = Counter()
        self._pending_ms: dict[tuple[str, str], float] = {}

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has schema version {version}, newer than this mcpod's "
                f"({SCHEMA_VERSION}); "
                "upgrade mcpod or move the file aside"
            )
        for number in range(version, SCHEMA_VERSION):
            with self._transaction():
                for statement in _statements(MIGRATIONS[number]):
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version={number + 1}")
            log.info("state store %s migrated to schema %d", self.path, number + 1)

    def _transaction(self) -> Any:
        return _Transaction(self._db)

    # -- catalog -------------------------------------------------------------------------

    def load_catalog(self) -> dict[str, dict[str, Any]]:
        rows = self._db.execute(
            "SELECT server, config_hash, fetched_at, server_info, lists FROM catalog"
        )
        catalog = {}
        for server, config_hash, fetched_at, server_info, lists in rows:
            try:
                catalog[server] = {
                    "config_hash": config_hash,
                    "fetched_at": fetched_at,
                    "server_info": json.loads(server_info),
                    "lists": json.loads(lists),
                }
            except json.JSONDecodeError:
                log.warning(
                    "state store: unreadable catalog entry for %s; it will be re-indexed", server
                )
        return catalog

    def save_catalog(
        self, server: str, config_hash: str, server_info: dict[str, Any], lists: dict[str, Any]
    ) -> None:
        with self._transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO catalog VALUES (?, ?, ?, ?, ?)",
                (server, config_hash, time.time(), json.dumps(server_info), json.dumps(lists)),
            )

    def forget_servers(self, keep: set[str]) -> None:
        """Drop catalog entries of servers no longer configured."""
        names = [row[0] for row in self._db.execute("SELECT server FROM catalog")]
        with self._transaction():
            for name in names:
                if name not in keep:
                    self._db.execute("DELETE FROM catalog WHERE server = ?", (name,))

    # -- statistics ----------------------------------------------------------------------

    def count_call(self, server: str, tool: str, ms: float, ok: bool) -> None:
        self._pending_calls[(server, tool, "calls")] += 1
        if not ok:
            self._pending_calls[(server, tool, "errors")] += 1
        self._pending_ms[(server, tool)] = self._pending_ms.get((server, tool), 0.0) + ms

    def flush(self) -> None:
        if not self._pending_calls:
            return
        calls, ms = self._pending_calls, self._pending_ms
        self._pending_calls, self._pending_ms = Counter(), {}
        now = time.time()
        with self._transaction():
            for (server, tool), total in ms.items():
                self._db.execute(
                    "INSERT INTO tool_stats (server, tool, calls, errors, total_ms, last_called) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (server, tool) DO UPDATE SET "
                    "calls = calls + excluded.calls, errors = errors + excluded.errors, "
                    "total_ms = total_ms + excluded.total_ms, last_called = excluded.last_called",
                    (
                        server,
                        tool,
                        calls[(server, tool, "calls")],
                        calls[(server, tool, "errors")],
                        total,
                        now,
                    ),
                )

    def tool_stats(self) -> dict[tuple[str, str], dict[str, Any]]:
        rows = self._db.execute(
            "SELECT server, tool, calls, errors, total_ms, last_called FROM tool_stats"
        )
        return {
            (server, tool): {
                "calls": calls,
                "errors": errors,
                "total_ms": total,
                "last_called": last,
            }
            for server, tool, calls, errors, total, last in rows
        }

    # -- activation history --------------------------------------------------------------

    def record_activation(
        self, session: str, client: str | None, servers: list[str], task: str | None
    ) -> None:
        now = time.time()
        with self._transaction():
            for server in servers:
                self._db.execute(
                    "INSERT INTO activations (session, client, server, task, at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (session, client, server, task, now),
                )

    def co_activations(self) -> Counter[tuple[str, str]]:
        """How often two servers were activated in the same session (both orders)."""
        rows = self._db.execute(
            "SELECT a.server, b.server, COUNT(DISTINCT a.session) FROM activations a "
            "JOIN activations b ON a.session = b.session AND a.server != b.server "
            "GROUP BY a.server, b.server"
        )
        return Counter({(a, b): n for a, b, n in rows})

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._db.close()


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *_: object) -> None:
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
