"""`instances: N`: a busy stateless server gets more copies, calls go to the least busy."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.conftest import DaemonHome, probe_server, wait_for
from tests.rawclient import ShimProcess

pytestmark = pytest.mark.e2e


def copies(home: DaemonHome) -> list[dict[str, Any]]:
    return [s for s in home.status()["servers"] if s["name"] == "probe"]


def test_busy_copies_make_more_up_to_the_limit_and_idle_ones_take_the_next_calls(
    mcpod_home: DaemonHome,
) -> None:
    mcpod_home.write_config({"probe": {**probe_server(), "instances": 3}})
    mcpod_home.start()
    wait_for(lambda: copies(mcpod_home)[0]["state"] == "ready", 30, "the probe to be indexed")
    shims = [ShimProcess(mcpod_home.env) for _ in range(4)]
    answers: dict[int, Any] = {}

    def sleep_on(index: int) -> None:
        shim = shims[index]
        shim.raw_request(1, "tools/call", {"name": "probe__sleep", "arguments": {"seconds": 3}})
        answers[index] = shim.response(1, timeout=60)

    try:
        for shim in shims:
            shim.initialize()
        threads = [threading.Thread(target=sleep_on, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()

        def three_busy() -> bool:
            running = [c for c in copies(mcpod_home) if c["state"] == "ready" and c["inflight"]]
            return len(running) == 3

        wait_for(three_busy, 30, "three busy copies")
        shown = copies(mcpod_home)
        assert len(shown) == 3, "never more than `instances` copies"
        assert len({c["pid"] for c in shown}) == 3
        assert sorted(c["instance"] or "shared" for c in shown) == ["replica 2", "replica 3",
                                                                    "shared"]  # fmt: skip
        assert sum(c["inflight"] for c in shown) == 4, "the fourth call waits on a busy copy"
        for thread in threads:
            thread.join(timeout=60)
        assert all("result" in a for a in answers.values()) and len(answers) == 4

        # Idle now: the next calls go to ready copies that are idle, not to new ones.
        shims[0].raw_request(2, "tools/call", {"name": "probe__whoami", "arguments": {}})
        pid = int(shims[0].response(2)["result"]["content"][0]["text"])
        assert pid in {c["pid"] for c in copies(mcpod_home)} and len(copies(mcpod_home)) == 3
    finally:
        for shim in shims:
            shim.close()
