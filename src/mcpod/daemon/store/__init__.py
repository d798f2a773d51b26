"""The state store: one SQLite file (WAL) under the state dir.

`Store` opens it and hands out one object per table family: `catalog` (each server's
lists), `stats` (call statistics), `history` (activations), `sessions` (what each
session activated) and `embeddings` (the semantic index's vectors).
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from mcpod.daemon.store.catalog import CatalogStore
from mcpod.daemon.store.db import SCHEMA_VERSION, Database, StoreError
from mcpod.daemon.store.embeddings import EmbeddingStore
from mcpod.daemon.store.history import ActivationHistory
from mcpod.daemon.store.sessions import SessionState
from mcpod.daemon.store.stats import CallStats

log = logging.getLogger(__name__)

__all__ = [
    "SCHEMA_VERSION",
    "ActivationHistory",
    "CallStats",
    "CatalogStore",
    "EmbeddingStore",
    "SessionState",
    "Store",
    "StoreError",
]


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = Database(path)
        self.catalog = CatalogStore(self._db)
        self.stats = CallStats(self._db)
        self.history = ActivationHistory(self._db)
        self.sessions = SessionState(self._db)
        self.embeddings = EmbeddingStore(self._db)

    def close(self) -> None:
        try:
            self.stats.flush()
            self.history.flush()
        except sqlite3.Error as exc:
            log.warning("state store %s: last writes lost at close: %s", self.path, exc)
        finally:
            self._db.close()
