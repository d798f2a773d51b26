"""Call statistics per tool: counts, errors and a latency histogram, counted in memory
and flushed in batches (a call must not wait on a disk write).

The histogram has fixed log-scale buckets (`BUCKETS_MS`), so histograms of any number of
tools and flushes add up bucket by bucket, and percentiles of a whole server come from
their sum: an estimate within one bucket (a factor of 1.5), which is what a status line
needs.
"""

from __future__ import annotations

import bisect
import json
import sqlite3
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from mcpod.daemon.store.db import Database

# Upper bounds (ms) of the buckets: 0.1 ms .. ~10 min in steps of 1.5x; one more for slower.
BUCKETS_MS: tuple[float, ...] = tuple(round(0.1 * 1.5**i, 4) for i in range(39))

_UPSERT = (
    "INSERT INTO tool_stats (server, tool, calls, errors, total_ms, last_called, histogram) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (server, tool) DO UPDATE SET "
    "calls = calls + excluded.calls, errors = errors + excluded.errors, "
    "total_ms = total_ms + excluded.total_ms, last_called = excluded.last_called, "
    "histogram = ?"
)

Histogram = list[int]


def empty() -> Histogram:
    return [0] * (len(BUCKETS_MS) + 1)


def add(into: Histogram, other: Iterable[int]) -> Histogram:
    for index, count in enumerate(other):
        if index < len(into):
            into[index] += count
    return into


def percentile(histogram: Histogram, fraction: float) -> float | None:
    """The bucket bound below which `fraction` of the calls fell (None: no calls)."""
    total = sum(histogram)
    if not total:
        return None
    wanted = fraction * total
    seen = 0
    for index, count in enumerate(histogram):
        seen += count
        if seen >= wanted:
            return BUCKETS_MS[min(index, len(BUCKETS_MS) - 1)]
    return BUCKETS_MS[-1]


class CallStats:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._calls: Counter[tuple[str, str]] = Counter()
        self._errors: Counter[tuple[str, str]] = Counter()
        self._ms: defaultdict[tuple[str, str], float] = defaultdict(float)
        self._histograms: defaultdict[tuple[str, str], Histogram] = defaultdict(empty)
        self._saved: dict[str, Histogram] | None = None  # per server, from the store

    def count(self, server: str, tool: str, ms: float, ok: bool) -> None:
        key = (server, tool)
        self._calls[key] += 1
        self._errors[key] += 0 if ok else 1
        self._ms[key] += ms
        self._histograms[key][bisect.bisect_left(BUCKETS_MS, ms)] += 1

    def latency(self, server: str) -> tuple[float | None, float | None]:
        """The server's p50 and p95 in ms, over every call the store has counted."""
        histogram = add(empty(), self._saved_per_server().get(server, empty()))
        for (name, _), counts in self._histograms.items():
            if name == server:
                add(histogram, counts)
        return percentile(histogram, 0.5), percentile(histogram, 0.95)

    def flush(self) -> None:
        """Write the counts so far; on a store error they are kept for the next flush."""
        if not self._calls:
            return
        calls, errors, ms, histograms = self._calls, self._errors, self._ms, self._histograms
        self._calls, self._errors, self._ms = Counter(), Counter(), defaultdict(float)
        self._histograms = defaultdict(empty)
        now = time.time()
        try:
            with self._db.transaction():
                for (server, tool), count in calls.items():
                    key = (server, tool)
                    merged = add(self._stored_histogram(server, tool), histograms[key])
                    encoded = json.dumps(merged)
                    row = (server, tool, count, errors[key], ms[key], now, encoded, encoded)
                    self._db.connection.execute(_UPSERT, row)
        except sqlite3.Error:
            self._calls.update(calls)  # the transaction rolled back: nothing was counted
            self._errors.update(errors)
            for key, value in ms.items():
                self._ms[key] += value
            for key, counts in histograms.items():
                add(self._histograms[key], counts)
            raise
        self._saved = None  # read again on next use

    def _stored_histogram(self, server: str, tool: str) -> Histogram:
        row = self._db.connection.execute(
            "SELECT histogram FROM tool_stats WHERE server = ? AND tool = ?", (server, tool)
        ).fetchone()
        return add(empty(), _decoded(row[0])) if row else empty()

    def _saved_per_server(self) -> dict[str, Histogram]:
        if self._saved is None:
            saved: dict[str, Histogram] = defaultdict(empty)
            try:
                rows = self._db.connection.execute("SELECT server, histogram FROM tool_stats")
                for server, encoded in rows:
                    add(saved[server], _decoded(encoded))
            except sqlite3.Error:
                return {}
            self._saved = dict(saved)
        return self._saved

    def per_tool(self) -> dict[tuple[str, str], dict[str, Any]]:
        rows = self._db.connection.execute(
            "SELECT server, tool, calls, errors, total_ms, last_called, histogram FROM tool_stats"
        )
        return {
            (server, tool): {
                "calls": calls,
                "errors": errors,
                "total_ms": total,
                "last_called": last,
                "p50_ms": percentile(add(empty(), _decoded(encoded)), 0.5),
                "p95_ms": percentile(add(empty(), _decoded(encoded)), 0.95),
            }
            for server, tool, calls, errors, total, last, encoded in rows
        }


def _decoded(encoded: Any) -> list[int]:
    try:
        value = json.loads(encoded)
    except (TypeError, ValueError):
        return []
    return [v for v in value if isinstance(v, int)] if isinstance(value, list) else []
