"""Learning servers' tools: start the servers the catalog knows nothing (current) about.

Shared by the session handlers (a tools/list waits for first indexing, bounded) and the
meta-tools (browsing and activation), and run once in the background at start-up.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterable
from typing import Any

import anyio

from mcpod.daemon.catalog import KINDS, Catalog
from mcpod.daemon.store import CatalogStore
from mcpod.daemon.upstream.connection import Upstream
from mcpod.daemon.upstream.pool import Pool

log = logging.getLogger(__name__)

INDEX_WAIT_S = 60.0
INDEX_CONCURRENCY = 3  # servers started at once to learn their tools
IDENTITY = {"tools": "name", "prompts": "name", "resources": "uri",
            "resourceTemplates": "uriTemplate"}  # fmt: skip


class Indexer:
    def __init__(self, catalog: Catalog, pool: Pool, stored: CatalogStore) -> None:
        self._catalog = catalog
        self._pool = pool
        self._stored = stored
        self._unsaved: dict[str, dict[str, Any]] = {}  # server -> its serverInfo

    def absorb(self, upstream: Upstream) -> bool:
        """Take a running server's lists into the catalog and the store; True if changed.

        A private instance (a session's or a project's) only adds to what is known: what
        it does not offer, another session's instance (or the shared one) may still.
        A store that fails to save is the store's problem, not the server's: the catalog
        in memory is current, and the save is retried by `retry_saves`.
        """
        lists = {kind: upstream.lists[kind] for kind in KINDS}
        entry = self._catalog.entries.get(upstream.name)
        if upstream.key and entry is not None and entry.indexed:
            lists = _added_to(entry.lists, lists)
        changed = self._catalog.update(upstream.name, lists, upstream.server_info, time.time())
        self._unsaved[upstream.name] = upstream.server_info
        self.retry_saves()
        return changed

    def retry_saves(self) -> None:
        """Write the catalog entries not saved yet (called again from the sync loop)."""
        for name, server_info in list(self._unsaved.items()):
            entry = self._catalog.entries.get(name)
            if entry is None:
                del self._unsaved[name]
                continue
            try:
                self._stored.save(name, entry.config_hash, server_info, entry.lists)
            except sqlite3.Error as exc:
                log.warning(
                    "state store: cannot save the catalog of %s (%s); will retry", name, exc
                )
                return
            del self._unsaved[name]

    def missing(self, names: Iterable[str]) -> list[str]:
        """The servers among `names` whose tools are not known yet."""
        return [
            n
            for n in names
            if n in self._pool.upstreams and n in self._catalog.entries
            and not self._catalog.entries[n].indexed
        ]  # fmt: skip

    async def ensure_indexed(
        self, names: Iterable[str], *, wait: bool, bound_s: float = INDEX_WAIT_S
    ) -> None:
        """Start the servers among `names` whose tools are not known yet (to learn them).

        Waits (bounded) only for servers that have not failed: one whose last start
        failed is retried in the background, so it cannot stall every client's tools/list.
        """
        missing = self.missing(names)
        first_tries = [n for n in missing if not self._pool.upstreams[n].failing]
        retries = [n for n in missing if self._pool.upstreams[n].failing]
        if retries:
            self._pool.start_in_background(retries)
        if not first_tries or not wait:
            return
        with anyio.move_on_after(bound_s):
            await self._pool.ensure(first_tries)

    async def index_all_missing(self) -> None:
        """At start-up: learn every server the store had nothing current for."""
        missing = self.missing(self._catalog.entries)
        if not missing:
            return
        log.info("indexing %d server(s) in the background: %s", len(missing), ", ".join(missing))
        limiter = anyio.CapacityLimiter(INDEX_CONCURRENCY)
        async with anyio.create_task_group() as tg:
            for name in missing:
                tg.start_soon(self._index_one, name, limiter)

    async def _index_one(self, name: str, limiter: anyio.CapacityLimiter) -> None:
        async with limiter:
            await self._pool.ensure([name])


def _added_to(
    known: dict[str, list[dict[str, Any]]], new: dict[str, list[dict[str, Any]]]
) -> dict[str, list[dict[str, Any]]]:
    """`known`, plus the items of `new` it lacks (by name or URI) and new versions of
    the ones it has."""
    merged = {}
    for kind in KINDS:
        key = IDENTITY[kind]
        fresh = {item.get(key): item for item in new.get(kind, [])}
        kept = [fresh.pop(item.get(key), item) for item in known.get(kind, [])]
        merged[kind] = kept + list(fresh.values())
    return merged
