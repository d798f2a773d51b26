from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from mcpod.daemon.store import SCHEMA_VERSION, Store, StoreError


def tool(name: str, description: str) -> dict[str, object]:
    return {"name": name, "description": description, "inputSchema": {"type": "object"}}


def test_store_persists_catalog_stats_and_history(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = Store(path)
    store.catalog.save("github", "h1", {"name": "gh"}, {"tools": [tool("a", "b")]})
    store.stats.count("github", "a", 12.5, ok=True)
    store.stats.count("github", "a", 7.5, ok=False)
    store.history.record("s1", "cursor", ["github", "slack"], "task")
    store.close()  # flushes the counted calls
    again = Store(path)
    assert again.catalog.load()["github"]["lists"]["tools"][0]["name"] == "a"
    assert again.stats.per_tool()[("github", "a")] | {"last_called": None} == {
        "calls": 2, "errors": 1, "total_ms": 20.0, "last_called": None,
        "p50_ms": 8.6498, "p95_ms": 12.9746,  # the buckets of 7.5 ms and 12.5 ms
    }  # fmt: skip
    again.stats.count("github", "b", 900.0, ok=True)  # not flushed yet: counted too
    again.stats.count("github", "b", 950.0, ok=True)
    p50, p95 = again.stats.latency("github")
    assert p50 == 12.9746 and p95 is not None and 900 <= p95 < 1500
    assert again.stats.latency("nobody") == (None, None)
    assert again.history.co_activations()[("github", "slack")] == 1
    again.catalog.forget_all_but({"slack"})
    assert again.catalog.load() == {}
    again.close()


def test_co_activations_see_a_new_record_at_once(tmp_path: Path) -> None:
    store = Store(tmp_path / "state.db")
    assert store.history.co_activations() == {}
    store.history.record("s1", None, ["a", "b"], None)
    assert store.history.co_activations()[("b", "a")] == 1
    store.close()


def test_store_refuses_a_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    Store(path).close()
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer than this mcpod"):
        Store(path)


def test_the_activation_history_keeps_only_the_newest_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mcpod.daemon.store import history

    monkeypatch.setattr(history, "MAX_ROWS", 5)
    store = Store(tmp_path / "state.db")
    for n in range(12):
        store.history.record(f"s{n}", None, ["a", "b"], None)
    (count,) = store._db.connection.execute("SELECT COUNT(*) FROM activations").fetchone()
    assert count == 5
    store.close()


def test_a_sessions_activations_survive_for_its_next_daemon(tmp_path: Path) -> None:
    store = Store(tmp_path / "state.db")
    store.sessions.save("0123456789ab", {"github", "slack"})
    store.close()
    assert Store(tmp_path / "state.db").sessions.active("0123456789ab") == {"github", "slack"}
