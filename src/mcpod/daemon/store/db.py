"""The state store's SQLite file: one connection (WAL), transactions and migrations.

Every write is one transaction, so a crash loses at most the write in flight;
`user_version` carries the schema version and `MIGRATIONS` moves old files forward.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from types import TracebackType

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
    # 2: what each session has activated, restored when it reconnects to a new daemon
    """
    CREATE TABLE session_state (
        session    TEXT PRIMARY KEY,
        active     TEXT NOT NULL,
        updated_at REAL NOT NULL
    );
    """,
    # 3: a latency histogram per tool (JSON: counts per bucket of `stats.BUCKETS_MS`)
    """
    ALTER TABLE tool_stats ADD COLUMN histogram TEXT NOT NULL DEFAULT '[]';
    """,
    # 4: the semantic index's vectors (float32), by hash of the model and the tool's text
    """
    CREATE TABLE embeddings (
        hash   TEXT PRIMARY KEY,
        vector BLOB NOT NULL
    );
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


class StoreError(Exception):
    pass


class Database:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        # One connection, used from the event loop's thread: every statement is small.
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.connection.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL: durable at checkpoints, never corrupt.
        self.connection.execute("PRAGMA synchronous=NORMAL")
        self.connection.execute("PRAGMA busy_timeout=5000")
        self._migrate()

    def _migrate(self) -> None:
        version = self.connection.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has schema version {version}, newer than this mcpod's "
                f"({SCHEMA_VERSION}); upgrade mcpod or move the file aside"
            )
        for number in range(version, SCHEMA_VERSION):
            with self.transaction():
                for statement in _statements(MIGRATIONS[number]):
                    self.connection.execute(statement)
                self.connection.execute(f"PRAGMA user_version={number + 1}")
            log.info("state store %s migrated to schema %d", self.path, number + 1)

    def transaction(self) -> Transaction:
        return Transaction(self.connection)

    def close(self) -> None:
        self.connection.close()


class Transaction:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def __enter__(self) -> None:
        self._connection.execute("BEGIN IMMEDIATE")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._connection.execute("ROLLBACK" if exc_type else "COMMIT")


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
