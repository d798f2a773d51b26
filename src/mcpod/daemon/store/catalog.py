"""Each server's lists (tools, prompts, resources, templates), with the hash of the config
they were fetched under, so the catalog works before any server has started."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from mcpod.daemon.store.db import Database

log = logging.getLogger(__name__)


class CatalogStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def load(self) -> dict[str, dict[str, Any]]:
        rows = self._db.connection.execute(
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
                log.warning("state store: unreadable catalog entry for %s; re-indexing it", server)
        return catalog

    def save(
        self, server: str, config_hash: str, server_info: dict[str, Any], lists: dict[str, Any]
    ) -> None:
        with self._db.transaction():
            self._db.connection.execute(
                "INSERT OR REPLACE INTO catalog VALUES (?, ?, ?, ?, ?)",
                (server, config_hash, time.time(), json.dumps(server_info), json.dumps(lists)),
            )

    def forget_all_but(self, keep: set[str]) -> None:
        """Drop the entries of servers no longer configured."""
        names = [row[0] for row in self._db.connection.execute("SELECT server FROM catalog")]
        with self._db.transaction():
            for name in names:
                if name not in keep:
                    self._db.connection.execute("DELETE FROM catalog WHERE server = ?", (name,))
