"""Keeping the catalog's semantic indexes current, in the background (the sync loop).

When the catalog changes, the tools without a vector get one: from the state store if an
earlier run computed it, else from the model in a worker thread (in batches, so a big
catalog never holds the event loop or a core for long), then saved. The multilingual
model goes first (it is the faster; its index also holds the catalog's words), then the
English one. Until the first pass is done, search is lexical.
"""

from __future__ import annotations

import logging
import sqlite3

import anyio
import anyio.to_thread

from mcpod.daemon.catalog import Catalog
from mcpod.daemon.catalog.semantic import SemanticIndex, load_english_model, load_model
from mcpod.daemon.store import EmbeddingStore

log = logging.getLogger(__name__)

CHECK_EVERY_S = 2.0
BATCH = 64
# (the catalog's attribute, the loader, whether the catalog's words are embedded too):
# the multilingual model first, it is the faster, and it relates a query's unknown words.
MODELS = (("semantic", load_model, True), ("english", load_english_model, False))


class Embedder:
    def __init__(self, catalog: Catalog, stored: EmbeddingStore) -> None:
        self._catalog = catalog
        self._stored = stored
        self.computed = 0  # vectors made by the model (not read from the store), for tests

    async def run(self) -> None:
        indexes = []
        for attribute, load, with_words in MODELS:
            model = await anyio.to_thread.run_sync(load)
            if model is not None:
                indexes.append((attribute, SemanticIndex(model), with_words))
        if not indexes:
            log.info("semantic search: off (the `semantic` extra is not installed)")
            return
        log.info("semantic search: %s", ", ".join(i.model.model_id for _, i, _ in indexes))
        while True:
            if self._catalog.semantic_stale:
                self._catalog.semantic_stale = False
                for attribute, index, with_words in indexes:
                    was_ready = index.ready
                    await self.update(index, with_words=with_words)
                    setattr(self._catalog, attribute, index)
                    if index.ready and not was_ready:
                        log.info("semantic search, %s: ready (%d tools)", index.model.model_id,
                                 index.tools)  # fmt: skip
            await anyio.sleep(CHECK_EVERY_S)

    async def update(self, index: SemanticIndex, *, with_words: bool = True) -> None:
        """Vectors for every tool and, `with_words`, every catalog word."""
        docs = self._catalog.semantic_docs()
        # Words are cached like tools: by the hash of their text.
        words = self._catalog.semantic_words() if with_words else []
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
                log.info("semantic search, %s: %d vectors computed, %d from the store",
                         index.model.model_id, len(todo), len(saved))  # fmt: skip
        index.rebuild(docs, words)


def _vector(blob: bytes) -> object:
    import numpy as np

    return np.frombuffer(blob, dtype=np.float32)


def _blob(vector: object) -> bytes:
    import numpy as np

    return np.asarray(vector, dtype=np.float32).tobytes()
