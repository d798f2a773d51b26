"""Semantic search in a real daemon: computed once in the background, reused after a
restart, and "nothing fits" said for a request no tool answers."""

from __future__ import annotations

import json

import pytest

from mcpod.daemon.catalog import minilm, semantic
from tests.conftest import DaemonHome, probe_server, wait_for

pytestmark = pytest.mark.e2e


def search(home: DaemonHome, query: str) -> dict[str, object]:
    from mcpod.client import ControlClient
    from mcpod.protocol import resolve_paths

    with ControlClient.open(resolve_paths(home.env)) as client:
        found: dict[str, object] = client.call("search", {"query": query, "limit": 3})
    return found


MODELS = (semantic.MODEL_ID, minilm.MODEL_ID)


def _lines(home: DaemonHome, words: str) -> list[str]:
    return [line for line in home.daemon_log().splitlines() if words in line]


def _ready(home: DaemonHome) -> bool:
    return all(_lines(home, f"semantic search, {model}: ready") for model in MODELS)


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
    # Each model's vectors, computed in the background, none found in the (new) store.
    wait_for(lambda: _ready(mcpod_home), 60, "both models' indexes")
    computed = _lines(mcpod_home, "vectors computed")
    for model in MODELS:
        assert any(f"{model}: " in line and "0 from the store" in line for line in computed), model
    mcpod_home.mcpod("stop")
    assert mcpod_home.process is not None
    mcpod_home.process.wait(timeout=30)
    (mcpod_home.home / "daemon-fg.log").unlink()
    (mcpod_home.home / "logs" / "daemon.jsonl").unlink()

    mcpod_home.start()
    wait_for(lambda: search(mcpod_home, "bake a chocolate cake")["fits"] is not None, 60,
             "the semantic index after the restart")  # fmt: skip
    wait_for(lambda: _ready(mcpod_home), 60, "both models' indexes after the restart")
    assert _lines(mcpod_home, "vectors computed") == [], "nothing recomputed"
    cli = json.loads(mcpod_home.mcpod("search", "bake a chocolate cake", "--json").stdout)
    assert isinstance(cli, list)
