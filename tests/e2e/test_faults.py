"""Fault injection with real processes: upstreams that die, hang or crash-loop, a daemon
killed under two live sessions, idle eviction. The fixture asserts no orphan after each."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.conftest import DaemonHome, probe_server, wait_for
from tests.rawclient import ShimProcess

pytestmark = pytest.mark.e2e

CRASHING = Path(__file__).resolve().parents[1] / "servers" / "crashing_server.py"


def call(shim: ShimProcess, request_id: int, tool: str, **arguments: Any) -> dict[str, Any]:
    shim.raw_request(request_id, "tools/call", {"name": tool, "arguments": arguments})
    return shim.response(request_id, timeout=30)


def server_status(home: DaemonHome, name: str) -> dict[str, Any]:
    return next(s for s in home.status()["servers"] if s["name"] == name)


def test_an_upstream_killed_mid_call_fails_that_call_at_once(mcpod_home: DaemonHome) -> None:
    marks = mcpod_home.home / "marks"
    marks.mkdir()
    mcpod_home.write_config({"probe": probe_server(marks)})
    mcpod_home.start()
    shim = ShimProcess(mcpod_home.env)
    try:
        shim.initialize()
        shim.raw_request(1, "tools/call", {"name": "probe__sleep",
                                           "arguments": {"seconds": 60, "tag": "k"}})  # fmt: skip
        wait_for((marks / "started-k").exists, 30, "the call to reach the server")
        pid = server_status(mcpod_home, "probe")["pid"]
        os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()
        answer = shim.response(1, timeout=10)
        assert time.monotonic() - killed < 1.0, "the in-flight call got its error at once"
        assert "error" in answer or answer["result"].get("isError")
        again = call(shim, 2, "probe__whoami")
        assert int(again["result"]["content"][0]["text"]) != pid  # a fresh server answers
    finally:
        shim.close()


def test_a_hanging_call_times_out_alone_and_a_cancel_reaches_the_server(
    mcpod_home: DaemonHome,
) -> None:
    marks = mcpod_home.home / "marks"
    marks.mkdir()
    mcpod_home.write_config({"probe": {**probe_server(marks), "timeout": 1}})
    mcpod_home.start()
    slow, other = ShimProcess(mcpod_home.env), ShimProcess(mcpod_home.env)
    try:
        slow.initialize()
        other.initialize()
        slow.raw_request(1, "tools/call", {"name": "probe__sleep",
                                           "arguments": {"seconds": 30, "tag": "t"}})  # fmt: skip
        wait_for((marks / "started-t").exists, 30, "the hanging call to start")
        started = time.monotonic()
        assert call(other, 1, "probe__whoami")["result"]["content"][0]["text"].isdigit()
        assert time.monotonic() - started < 1.0, "another session is not held up"
        timed_out = slow.response(1, timeout=10)
        assert "error" in timed_out and time.monotonic() - started < 5
        wait_for((marks / "cancelled-t").exists, 10, "the server to hear of the timeout")
    finally:
        slow.close()
        other.close()


def test_a_client_cancel_stops_the_upstream_call(daemon: DaemonHome) -> None:
    marks = daemon.home / "marks"
    shim = ShimProcess(daemon.env)
    try:
        shim.initialize()
        shim.raw_request(7, "tools/call", {"name": "probe__sleep",
                                           "arguments": {"seconds": 30, "tag": "c"}})  # fmt: skip
        wait_for((marks / "started-c").exists, 30, "the call to start")
        shim.send({"jsonrpc": "2.0", "method": "notifications/cancelled",
                   "params": {"requestId": 7, "reason": "user pressed stop"}})  # fmt: skip
        wait_for((marks / "cancelled-c").exists, 10, "the server to hear of the cancel")
    finally:
        shim.close()


def test_a_crash_looping_server_backs_off_visibly(mcpod_home: DaemonHome) -> None:
    crashing = {"command": sys.executable, "args": [str(CRASHING)]}
    mcpod_home.write_config({"crashing": crashing, "probe": probe_server()})
    mcpod_home.start()
    shim = ShimProcess(mcpod_home.env)
    try:
        shim.initialize()
        deadline = time.monotonic() + 30
        while server_status(mcpod_home, "crashing")["failures"] < 2:
            assert time.monotonic() < deadline, server_status(mcpod_home, "crashing")
            call(shim, 1, "crashing__boom")  # each call starts it again, until it backs off
            time.sleep(0.2)
        status = server_status(mcpod_home, "crashing")
        assert status["state"] == "failed" and status["retry_at"] > time.time()
        assert "next try at" in status["reason"]
        refused = call(shim, 2, "crashing__boom")
        assert "next try" in refused["error"]["message"]
        assert call(shim, 3, "probe__whoami")["result"]["content"][0]["text"].isdigit()
    finally:
        shim.close()


def test_a_killed_daemon_is_invisible_to_two_live_sessions(mcpod_home: DaemonHome) -> None:
    mcpod_home.write_config({"probe": probe_server()})
    lazy = ShimProcess(mcpod_home.env, "--mode", "lazy")
    plain = ShimProcess(mcpod_home.env)
    try:
        lazy.initialize()
        plain.initialize()
        activated = call(lazy, 1, "mcpod_activate", servers=["probe"])
        assert "Activated" in activated["result"]["content"][0]["text"]
        assert call(plain, 1, "probe__whoami")["result"]["content"][0]["text"].isdigit()
        old = mcpod_home.status()
        os.kill(old["pid"], signal.SIGKILL)
        killed = time.monotonic()
        for shim in (lazy, plain):
            assert ping_through_restart(shim, 2) == {}
        assert time.monotonic() - killed < 2.0, "both sessions work again within 2 s"
        assert mcpod_home.status()["pid"] != old["pid"]
        lazy.raw_request(3, "tools/list")
        names = {t["name"] for t in lazy.response(3)["result"]["tools"]}
        assert "probe__whoami" in names, "the activation survived the restart"
        assert call(plain, 4, "probe__whoami")["result"]["content"][0]["text"].isdigit()
        assert "reconnected" in _stderr_so_far(plain)
    finally:
        lazy.close()
        plain.close()
    old_children = [s["pid"] for s in old["servers"] if s.get("pid")]
    assert not [p for p in old_children if psutil.pid_exists(p) and _is_probe(p)]
    # The killed daemon was the lazy shim's child: reaped on reconnect, not left a zombie.
    assert not psutil.pid_exists(old["pid"]) or psutil.Process(old["pid"]).status() != "zombie"


def test_an_idle_server_is_stopped_and_started_again_on_next_use(mcpod_home: DaemonHome) -> None:
    mcpod_home.write_config({"probe": {**probe_server(), "idleTimeout": 1}})
    mcpod_home.start()
    shim = ShimProcess(mcpod_home.env)
    try:
        shim.initialize()
        first = int(call(shim, 1, "probe__whoami")["result"]["content"][0]["text"])
        wait_for(lambda: server_status(mcpod_home, "probe")["state"] == "stopped", 10, "eviction")
        assert "idle since" in server_status(mcpod_home, "probe")["reason"]
        assert not psutil.pid_exists(first) or not _is_probe(first)
        second = int(call(shim, 2, "probe__whoami")["result"]["content"][0]["text"])
        assert second != first
    finally:
        shim.close()


def ping_through_restart(shim: ShimProcess, request_id: int) -> dict[str, Any]:
    """A ping that the dying daemon may have swallowed is answered with the restart error
    (the client's only sign of it); sent again, it works."""
    shim.raw_request(request_id, "ping")
    answer = shim.response(request_id, timeout=10)
    if "error" in answer:
        assert (
            "restarted" in answer["error"]["message"]
            and "send it again" in answer["error"]["message"]
        )
        shim.raw_request(request_id + 100, "ping")
        answer = shim.response(request_id + 100, timeout=10)
    result: dict[str, Any] = answer["result"]
    return result


def _is_probe(pid: int) -> bool:
    try:
        return "probe_server.py" in " ".join(psutil.Process(pid).cmdline())
    except psutil.Error:
        return False


def _stderr_so_far(shim: ShimProcess) -> str:
    assert shim.proc.stderr is not None
    os.set_blocking(shim.proc.stderr.fileno(), False)
    return (shim.proc.stderr.read() or b"").decode(errors="replace")


def test_running_out_of_file_descriptors_at_accept_is_survived(mcpod_home: DaemonHome) -> None:
    import resource
    import socket
    import subprocess

    mcpod_home.write_config({})
    log = open(mcpod_home.home / "daemon-fg.log", "ab")  # noqa: SIM115
    limit = 48  # enough to start, far fewer than the connections below
    mcpod_home.process = subprocess.Popen(
        [sys.executable, "-m", "mcpod", "daemon"], env=mcpod_home.env, stdout=log, stderr=log,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit)),
    )  # fmt: skip
    log.close()
    wait_for(mcpod_home.socket.exists, 30, "the daemon's socket")
    held = []
    for _ in range(limit + 20):
        sock = socket.socket(socket.AF_UNIX)
        sock.connect(str(mcpod_home.socket))  # the backlog takes them; accept runs dry of fds
        held.append(sock)
    wait_for(lambda: "cannot accept a connection" in mcpod_home.daemon_log(), 20, "EMFILE")
    for sock in held:
        sock.close()
    shim = ShimProcess(mcpod_home.env)
    try:
        shim.initialize()
        shim.raw_request(1, "ping")
        assert shim.response(1, timeout=30)["result"] == {}
    finally:
        shim.close()
    assert mcpod_home.process.poll() is None, "the daemon is still up"
