"""The semantic index's vectors, cached by the hash of the model and the tool's text (a
restart, or a catalog that comes back, recomputes nothing)."""

from __future__ import annotations

from collections.abc import Iterable

from mcpod.daemon.store.db import Database

BATCH = 500  # hashes per SELECT (SQLite's variable limit is 999 on old builds)


class EmbeddingStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def load(self, digests: Iterable[str]) -> dict[str, bytes]:
        wanted = list(digests)
        found: dict[str, bytes] = {}
        for start in range(0, len(wanted), BATCH):
            chunk = wanted[start : start + BATCH]
            marks = ",".join("?" * len(chunk))
            rows = self._db.connection.execute(
                f"SELECT hash, vector FROM embeddings WHERE hash IN ({marks})", chunk
            )
            found.update((digest, bytes(vector)) for digest, vector in rows)
        return found

    def save(self, items: Iterable[tuple[str, bytes]]) -> None:
        with self._db.transaction():
            self._db.connection.executemany(
                "INSERT OR REPLACE INTO embeddings (hash, vector) VALUES (?, ?)", list(items)
            )

    def count(self) -> int:
        row = self._db.connection.execute("SELECT COUNT(*) FROM embeddings").fetchone()
        return int(row[0])
