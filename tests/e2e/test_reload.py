"""Hot reload with real processes: edit the config while calls run."""

from __future__ import annotations

import json
import os
import signal
import threading
from typing import Any

import pytest

from tests.conftest import DaemonHome, probe_server, time_server, wait_for
from tests.rawclient import ShimProcess

pytestmark = pytest.mark.e2e


def write(home: DaemonHome, servers: dict[str, Any]) -> None:
    """As an editor saves: a new file renamed over the old one."""
    tmp = home.home / "config.json.tmp"
    tmp.write_text(json.dumps({"mcpServers": servers}))
    os.replace(tmp, home.home / "config.json")


def pids(home: DaemonHome) -> dict[str, int | None]:
    return {s["name"]: s.get("pid") for s in home.status()["servers"]}


def test_an_edit_applies_while_calls_run_and_the_rest_stays_warm(mcpod_home: DaemonHome) -> None:
    write(mcpod_home, {"probe": probe_server(), "time": time_server()})
    mcpod_home.start()
    caller, watcher = ShimProcess(mcpod_home.env), ShimProcess(mcpod_home.env)
    failures: list[Any] = []
    stop = threading.Event()

    def call_in_a_loop() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            caller.raw_request(n, "tools/call", {"name": "probe__whoami", "arguments": {}})
            answer = caller.response(n, timeout=30)
            if "error" in answer or answer["result"].get("isError"):
                failures.append(answer)

    try:
        caller.initialize()
        watcher.initialize()
        watcher.raw_request(1, "tools/list")
        assert "time__get_current_time" in {
            t["name"] for t in watcher.response(1)["result"]["tools"]
        }
        before = pids(mcpod_home)
        loop = threading.Thread(target=call_in_a_loop)
        loop.start()
        memory = {"command": time_server()["command"], "args": time_server()["args"],
                  "title": "a second clock"}  # fmt: skip
        write(mcpod_home, {"probe": probe_server(), "clock": memory})  # time removed, clock added
        changed = watcher.next(timeout=15)
        assert changed["method"] == "notifications/tools/list_changed"
        watcher.raw_request(2, "tools/list")
        names = {t["name"] for t in watcher.response(2)["result"]["tools"]}
        assert "time__get_current_time" not in names
        wait_for(lambda: "clock" in pids(mcpod_home), 10, "the added server")
        stop.set()
        loop.join(timeout=30)
        assert failures == [], failures
        assert pids(mcpod_home)["probe"] == before["probe"], "an unchanged server kept its pid"
        assert "time" not in pids(mcpod_home)
    finally:
        stop.set()
        caller.close()
        watcher.close()


def test_a_broken_edit_keeps_the_last_good_config(mcpod_home: DaemonHome) -> None:
    write(mcpod_home, {"probe": probe_server()})
    mcpod_home.start()
    (mcpod_home.home / "config.json").write_text('{"mcpServers": {"probe": ')
    wait_for(lambda: mcpod_home.status().get("config_error"), 10, "the error in status")
    error = mcpod_home.status()["config_error"]
    assert "config.json" in error and "not valid JSON at line 1" in error
    shim = ShimProcess(mcpod_home.env)
    try:
        shim.initialize()
        shim.raw_request(1, "tools/call", {"name": "probe__whoami", "arguments": {}})
        assert shim.response(1)["result"]["content"][0]["text"].isdigit()
    finally:
        shim.close()
    result = mcpod_home.mcpod("reload", "--json", check=False)
    assert result.returncode == 1 and "not valid JSON" in json.loads(result.stdout)["error"]


def test_reload_and_sighup_apply_on_demand(mcpod_home: DaemonHome) -> None:
    write(mcpod_home, {"probe": probe_server()})
    mcpod_home.start()
    shim = ShimProcess(mcpod_home.env)
    try:
        shim.initialize()
        first = whoami(shim, 1)
        config = {"probe": {**probe_server(), "env": {"CHANGED": "1"}}}
        (mcpod_home.home / "config.json").write_text(json.dumps({"mcpServers": config}))
        out = mcpod_home.mcpod("reload").stdout  # the watcher may have applied it already
        assert "changed probe" in out or "nothing changed" in out
        assert whoami(shim, 2) != first, "the changed server was restarted with its new config"
        config["time"] = time_server()
        (mcpod_home.home / "config.json").write_text(json.dumps({"mcpServers": config}))
        assert mcpod_home.process is not None
        os.kill(mcpod_home.process.pid, signal.SIGHUP)
        wait_for(lambda: "time" in pids(mcpod_home), 10, "SIGHUP's (or the watcher's) reload")
        assert mcpod_home.status()["config_error"] is None
    finally:
        shim.close()


def whoami(shim: ShimProcess, request_id: int) -> int:
    shim.raw_request(request_id, "tools/call", {"name": "probe__whoami", "arguments": {}})
    return int(shim.response(request_id, timeout=30)["result"]["content"][0]["text"])
