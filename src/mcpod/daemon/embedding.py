"""Keeping the catalog's semantic index current, in the background (the sync loop).

When the catalog changes, the tools without a vector get one: from the state store if an
earlier run computed it, else from the model in a worker thread (in batches, so a big
catalog never holds the event loop or a core for long), then saved. Until the first pass
is done, search is lexical.
"""

from __future__ import annotations

import logging
import sqlite3

import anyio
import anyio.to_thread

from mcpod.daemon.catalog import Catalog
from mcpod.daemon.catalog.semantic import SemanticIndex, load_model
from mcpod.daemon.store import EmbeddingStore

log = logging.getLogger(__name__)

CHECK_EVERY_S = 2.0
BATCH = 64


class Embedder:
    def __init__(self, catalog: Catalog, stored: EmbeddingStore) -> None:
        self._catalog = catalog
        self._stored = stored
        self.computed = 0  # vectors made by the model (not read from the store), for tests

    async def run(self) -> None:
        model = await anyio.to_thread.run_sync(load_model)
        if model is None:
            log.info("semantic search: off (the `semantic` extra is not installed)")
            return
        index = SemanticIndex(model)
        while True:
            if self._catalog.semantic_stale:
                self._catalog.semantic_stale = False
                await self._update(index)
                self._catalog.semantic = index
            await anyio.sleep(CHECK_EVERY_S)

    async def _update(self, index: SemanticIndex) -> None:
        docs = self._catalog.semantic_docs()
        words = self._catalog.semantic_words()  # cached like tools: by the hash of their text
        missing = index.missing(docs, words)
        if missing:
            saved = self._stored.load(digest for digest, _ in missing)
            for digest, blob in saved.items():
                index.add(digest, _vector(blob))
            todo = [(d, t) for d, t in missing if d not in saved]
            for start in range(0, len(todo), BATCH):
                batch = todo[start : start + BATCH]
                vectors = await anyio.to_thread.run_sync(index.embed, [t for _, t in batch])
                for (digest, _), vector in zip(batch, vectors, strict=True):
                    index.add(digest, vector)
                self.computed += len(batch)
                try:
                    self._stored.save((d, _blob(index.vectors[d])) for d, _ in batch)
                except sqlite3.Error as exc:  # the index works; the cache waits for next time
                    log.warning("state store: semantic vectors not saved: %s", exc)
            if todo:
                log.info("semantic search: %d vectors (tools, words) computed, %d from the store",
                         len(todo), len(saved))  # fmt: skip
        index.rebuild(docs, words)


def _vector(blob: bytes) -> object:
    import numpy as np

    return np.frombuffer(blob, dtype=np.float32)


def _blob(vector: object) -> bytes:
    import numpy as np

    return np.asarray(vector, dtype=np.float32).tobytes()
