"""Semantic search in a real daemon: computed once in the background, reused after a
restart, and "nothing fits" said for a request no tool answers."""

from __future__ import annotations

import json

import pytest

from tests.conftest import DaemonHome, probe_server, wait_for

pytestmark = pytest.mark.e2e


def search(home: DaemonHome, query: str) -> dict[str, object]:
    from mcpod.client import ControlClient
    from mcpod.protocol import resolve_paths

    with ControlClient.open(resolve_paths(home.env)) as client:
        found: dict[str, object] = client.call("search", {"query": query, "limit": 3})
    return found


def test_vectors_are_computed_once_and_reused_after_a_restart(mcpod_home: DaemonHome) -> None:
    mcpod_home.env["MCPOD_SEMANTIC"] = "on"
    mcpod_home.write_config({"probe": probe_server()})
    mcpod_home.start()
    wait_for(lambda: search(mcpod_home, "bake a chocolate cake")["fits"] is not None, 60,
             "the semantic index")  # fmt: skip
    assert search(mcpod_home, "bake a chocolate cake")["fits"] is False
    found = search(mcpod_home, "which process number are you running as")
    assert found["fits"] is True
    assert found["results"][0]["tool"] == "whoami"  # type: ignore[index]
    assert "vectors (tools, words) computed, 0 from the store" in mcpod_home.daemon_log()
    mcpod_home.mcpod("stop")
    assert mcpod_home.process is not None
    mcpod_home.process.wait(timeout=30)
    (mcpod_home.home / "daemon-fg.log").unlink()
    (mcpod_home.home / "logs" / "daemon.jsonl").unlink()

    mcpod_home.start()
    wait_for(lambda: search(mcpod_home, "bake a chocolate cake")["fits"] is not None, 60,
             "the semantic index after the restart")  # fmt: skip
    assert "vectors (tools, words) computed" not in mcpod_home.daemon_log(), "nothing recomputed"
    cli = json.loads(mcpod_home.mcpod("search", "bake a chocolate cake", "--json").stdout)
    assert isinstance(cli, list)
