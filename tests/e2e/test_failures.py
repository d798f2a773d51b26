"""Broken upstreams: they are reported clearly and never stall the servers that work."""

from __future__ import annotations

import sys
import time

import pytest

from tests.conftest import DaemonHome, probe_server
from tests.rawclient import ShimProcess

pytestmark = pytest.mark.e2e

HANGS = {
    "command": sys.executable,
    "args": ["-c", "import time; time.sleep(600)"],
    "startupTimeout": 2,
}


def test_broken_servers_do_not_stall_or_hide_the_good_ones(mcpod_home: DaemonHome) -> None:
    mcpod_home.write_config(
        {"good": probe_server(), "missing": {"command": "/nonexistent/mcp-server"}, "hangs": HANGS}
    )
    mcpod_home.start()
    shim = ShimProcess(mcpod_home.env)
    try:
        shim.initialize()
        started = time.monotonic()
        shim.raw_request(1, "tools/list")
        names = {t["name"] for t in shim.response(1)["result"]["tools"]}
        first = time.monotonic() - started
        assert "good__whoami" in names and not any(
            n.startswith(("missing", "hangs")) for n in names
        )
        time.sleep(1.2)  # past the first retry backoff
        started = time.monotonic()
        shim.raw_request(2, "tools/list")
        shim.response(2)
        second = time.monotonic() - started
        assert second < 1.5 < first + 0.5, (first, second)  # only the first list waited (~2 s)
        shim.raw_request(3, "tools/call", {"name": "good__whoami", "arguments": {}})
        assert shim.response(3)["result"]["content"][0]["text"].isdigit()
    finally:
        shim.close()
    servers = {s["name"]: s for s in mcpod_home.status()["servers"]}
    assert servers["good"]["state"] == "ready"
    assert servers["missing"]["state"] == "failed"
    assert (
        "nonexistent" in servers["missing"]["last_error"]
        or "No such file" in servers["missing"]["last_error"]
    )
    assert servers["hangs"]["last_error"] == "timed out while starting"


def test_a_broken_server_is_an_error_result_in_lazy_mode(mcpod_home: DaemonHome) -> None:
    mcpod_home.write_config(
        {"good": probe_server(), "missing": {"command": "/nonexistent/mcp-server"}}
    )
    mcpod_home.start()
    shim = ShimProcess(mcpod_home.env, "--mode", "lazy")
    try:
        shim.initialize()
        shim.raw_request(
            1, "tools/call", {"name": "mcpod_activate", "arguments": {"servers": ["missing"]}}
        )
        text = shim.response(1)["result"]["content"][0]["text"]
        assert "missing: not available" in text and "Nothing activated" in text
        shim.raw_request(
            2, "tools/call", {"name": "mcpod_call", "arguments": {"server": "missing", "tool": "x"}}
        )
        error = shim.response(2)
        message = error.get("error", {}).get("message") or error["result"]["content"][0]["text"]
        assert "'missing' is not available" in message and "missing.log" in message
        shim.raw_request(3, "tools/call", {"name": "mcpod_catalog", "arguments": {}})
        assert "missing [failed]" in shim.response(3)["result"]["content"][0]["text"]
    finally:
        shim.close()
