"""Call statistics per tool: counted in memory, flushed in batches (a call must not wait
on a disk write)."""

from __future__ import annotations

import sqlite3
import time
from collections import Counter, defaultdict
from typing import Any

from mcpod.daemon.store.db import Database

_UPSERT = (
    "INSERT INTO tool_stats (server, tool, calls, errors, total_ms, last_called) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (server, tool) DO UPDATE SET "
    "calls = calls + excluded.calls, errors = errors + excluded.errors, "
    "total_ms = total_ms + excluded.total_ms, last_called = excluded.last_called"
)


class CallStats:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._calls: Counter[tuple[str, str]] = Counter()
        self._errors: Counter[tuple[str, str]] = Counter()
        self._ms: defaultdict[tuple[str, str], float] = defaultdict(float)

    def count(self, server: str, tool: str, ms: float, ok: bool) -> None:
        key = (server, tool)
        self._calls[key] += 1
        self._errors[key] += 0 if ok else 1
        self._ms[key] += ms

    def flush(self) -> None:
        """Write the counts so far; on a store error they are kept for the next flush."""
        if not self._calls:
            return
        calls, errors, ms = self._calls, self._errors, self._ms
        self._calls, self._errors, self._ms = Counter(), Counter(), defaultdict(float)
        now = time.time()
        try:
            with self._db.transaction():
                for (server, tool), count in calls.items():
                    key = (server, tool)
                    row = (server, tool, count, errors[key], ms[key], now)
                    self._db.connection.execute(_UPSERT, row)
        except sqlite3.Error:
            self._calls.update(calls)  # the transaction rolled back: nothing was counted
            self._errors.update(errors)
            for key, value in ms.items():
                self._ms[key] += value
            raise

    def per_tool(self) -> dict[tuple[str, str], dict[str, Any]]:
        rows = self._db.connection.execute(
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
