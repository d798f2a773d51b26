"""The daemon's life as users meet it: spawned by the first shim, raced, stopped, killed."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys

import psutil
import pytest
from mcp import Client

from mcpod.client.stdio import StdioClient
from tests.conftest import (
    DaemonHome,
    daemon_processes,
    everything_server,
    probe_server,
    time_server,
    wait_for,
)
from tests.rawclient import RAW_INIT, ShimProcess

pytestmark = pytest.mark.e2e


def tree(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


@pytest.mark.anyio
async def test_the_first_shim_starts_the_daemon(mcpod_home: DaemonHome) -> None:
    mcpod_home.write_config({"time": time_server()})
    assert not mcpod_home.socket.exists()
    async with Client(mcpod_home.shim_params(), mode="legacy", cache=None) as client:
        result = await client.call_tool("time__get_current_time", {"timezone": "UTC"})
        assert '"timezone": "UTC"' in result.content[0].text  # type: ignore[union-attr]
    daemons = daemon_processes(mcpod_home.home)
    assert len(daemons) == 1
    assert daemons[0].pid == mcpod_home.status()["pid"]


def test_shims_racing_to_start_end_with_one_daemon(mcpod_home: DaemonHome) -> None:
    mcpod_home.write_config({"probe": probe_server()})
    shims = [ShimProcess(mcpod_home.env) for _ in range(4)]
    try:
        for shim in shims:
            assert shim.initialize()["serverInfo"]["name"] == "mcpod"
        status = mcpod_home.status()
        assert status["sessions"] == 4
        # The losers of the race exit once they see the winner's lock and socket.
        wait_for(lambda: len(daemon_processes(mcpod_home.home)) == 1, 15, "one daemon left")
        assert [p.pid for p in daemon_processes(mcpod_home.home)] == [status["pid"]]
    finally:
        for shim in shims:
            shim.close()


def test_stop_leaves_no_process_behind(daemon: DaemonHome) -> None:
    shim = ShimProcess(daemon.env)
    shim.initialize()
    shim.raw_request(1, "tools/list")
    shim.response(1)
    pids = [s["pid"] for s in daemon.status()["servers"]]
    assert all(pids), "both upstreams were started by tools/list"
    # Upstream stderr goes to the server's log, never to the client.
    log = (daemon.home / "logs" / "servers" / "everything.log").read_text()
    assert "Starting default (STDIO) server" in log
    upstreams = tree(pids[0]) + tree(pids[1])  # servers may have children of their own
    shim.close()
    out = daemon.mcpod("stop").stdout
    assert "stopped" in out
    _, alive = psutil.wait_procs(upstreams, timeout=10)
    assert not alive
    assert daemon.process is not None and daemon.process.wait(timeout=10) == 0
    assert not daemon.socket.exists()


def test_sigterm_shuts_down_in_order_and_the_session_carries_on(daemon: DaemonHome) -> None:
    shim = ShimProcess(daemon.env)
    shim.initialize()
    shim.raw_request(1, "tools/list")
    shim.response(1)
    upstreams = [psutil.Process(s["pid"]) for s in daemon.status()["servers"]]
    assert daemon.process is not None
    daemon.process.send_signal(signal.SIGTERM)
    assert daemon.process.wait(timeout=20) == 0
    _, alive = psutil.wait_procs(upstreams, timeout=10)
    assert not alive
    # The session goes on: the shim starts a daemon again and replays its handshake.
    shim.raw_request(2, "tools/call", {"name": "everything__echo", "arguments": {"message": "on"}})
    assert shim.response(2, timeout=60)["result"]["content"][0]["text"] == "Echo: on"
    assert shim.close() == 0
    assert "reconnected" in shim.proc.stderr.read().decode()  # type: ignore[union-attr]


def test_a_killed_daemon_is_replaced_by_the_next_shim(mcpod_home: DaemonHome) -> None:
    mcpod_home.write_config({"everything": everything_server()})
    first = ShimProcess(mcpod_home.env)
    first.initialize()
    first.raw_request(1, "tools/list")
    first.response(1)
    status = mcpod_home.status()
    upstream = psutil.Process(status["servers"][0]["pid"])
    os.kill(status["pid"], signal.SIGKILL)
    first.close()
    assert mcpod_home.socket.exists(), "a SIGKILL leaves the socket file behind"
    _, alive = psutil.wait_procs([upstream], timeout=15)
    assert not alive, "upstreams exit when the daemon that owned their stdin dies"
    second = ShimProcess(mcpod_home.env)
    try:
        second.initialize()
        second.raw_request(
            2, "tools/call", {"name": "everything__echo", "arguments": {"message": "back"}}
        )
        assert second.response(2)["result"]["content"][0]["text"] == "Echo: back"
        assert mcpod_home.status()["pid"] != status["pid"]
    finally:
        second.close()


def test_a_daemon_that_cannot_start_gives_the_client_a_jsonrpc_error(
    mcpod_home: DaemonHome,
) -> None:
    (mcpod_home.home / "config.json").write_text('{"mcpServers": {"x": {"args": []}}}')
    shim = ShimProcess(mcpod_home.env)
    shim.raw_request(1, "initialize", {"protocolVersion": "2025-11-25", "capabilities": {}})
    error = shim.response(1)["error"]
    assert error["code"] == -32099
    assert "config.json" in error["message"] and "'command'" in error["message"]
    assert shim.close() == 1
    assert "cannot reach the mcpod daemon" in shim.proc.stderr.read().decode()  # type: ignore[union-attr]


def test_socket_is_private_to_its_user(daemon: DaemonHome) -> None:
    assert stat.S_IMODE(os.stat(daemon.socket).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(daemon.socket.parent).st_mode) == 0o700
    if os.geteuid() == 0:  # as root we can try as another user; others cannot switch
        assert connect_as_nobody(str(daemon.socket)) == "PermissionError"


def connect_as_nobody(path: str) -> str:
    pid = os.fork()
    if pid == 0:  # the child drops to uid 65534 and reports how connect() ended
        code = 1
        try:
            os.setgid(65534)
            os.setuid(65534)
            socket.socket(socket.AF_UNIX).connect(path)
            code = 0
        except PermissionError:
            code = 13
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return {0: "connected", 13: "PermissionError"}.get(os.waitstatus_to_exitcode(status), "other")


def test_a_client_of_another_protocol_is_told_what_to_do(daemon: DaemonHome) -> None:
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(str(daemon.socket))
    hello = {"type": "hello", "protocol": 999, "version": "9.9", "role": "session"}
    sock.sendall(json.dumps(hello).encode() + b"\n")
    answer = json.loads(sock.makefile().readline())
    sock.close()
    assert answer["type"] == "error" and answer["code"] == -32098
    assert "mcpod stop" in answer["message"]


def test_a_socket_path_over_the_os_limit_is_a_clear_error(mcpod_home: DaemonHome) -> None:
    env = {**mcpod_home.env, "MCPOD_SOCKET": "/tmp/" + "d" * 120 + "/mcpod.sock"}
    result = subprocess.run(
        [sys.executable, "-m", "mcpod", "daemon"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "over the OS limit" in result.stderr and "MCPOD_SOCKET" in result.stderr


def test_the_default_config_works_out_of_the_box(mcpod_home: DaemonHome) -> None:
    assert not (mcpod_home.home / "config.json").exists()
    out = mcpod_home.mcpod("check", "--json", "--call", "time__get_current_time",
                           "--args", '{"timezone": "Europe/Paris"}').stdout  # fmt: skip
    report = json.loads(out)
    assert "time__get_current_time" in report["tools"]
    assert "Europe/Paris" in report["call_result"]["content"][0]["text"]
    config = json.loads((mcpod_home.home / "config.json").read_text())
    assert "time" in config["mcpServers"]


def test_status_reports_servers_and_sessions(daemon: DaemonHome) -> None:
    shim = ShimProcess(daemon.env)
    try:
        shim.initialize()
        shim.raw_request(
            1, "tools/call", {"name": "everything__echo", "arguments": {"message": "x"}}
        )
        shim.response(1)
        status = daemon.status()
        assert {"pid", "version", "uptime_s", "sessions", "servers"} <= status.keys()
        assert status["sessions"] == 1
        everything = next(s for s in status["servers"] if s["name"] == "everything")
        assert everything["state"] == "ready" and everything["calls"] == 1 and everything["pid"]
        assert status["session_details"][0]["client"] == "raw-test"
        table = daemon.mcpod("status").stdout
        assert "everything" in table and "ready" in table
    finally:
        shim.close()
    wait_for(lambda: daemon.status()["sessions"] == 0, 10, "the session to close")


@pytest.mark.skipif(os.geteuid() != 0, reason="switching to another uid needs root")
def test_the_daemon_itself_refuses_another_uid(daemon: DaemonHome) -> None:
    """Even past the file permissions (opened up here on purpose), the peer uid check holds."""
    opened = [(daemon.home, 0o711), (daemon.socket.parent, 0o711), (daemon.socket, 0o666)]
    modes = [(path, stat.S_IMODE(os.stat(path).st_mode)) for path, _ in opened]
    for path, mode in opened:
        os.chmod(path, mode)
    try:
        answer = hello_as_nobody(str(daemon.socket))
    finally:
        for path, mode in modes:
            os.chmod(path, mode)
    assert answer["type"] == "error" and answer["code"] == -32093, answer
    assert "only its own user" in answer["message"]
    assert daemon.status()["pid"] > 0  # and it goes on serving


def hello_as_nobody(path: str) -> dict[str, object]:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child drops to uid 65534 and reports what the daemon answered
        try:
            os.close(read_end)
            os.setgid(65534)
            os.setuid(65534)
            sock = socket.socket(socket.AF_UNIX)
            sock.connect(path)
            # The uid is checked before the hello is read: the refusal comes first (and a
            # hello sent now could race the daemon's close).
            os.write(write_end, sock.makefile("rb").readline())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as answer:
        data = answer.read()
    os.waitpid(pid, 0)
    result: dict[str, object] = json.loads(data)
    return result


NEWER_SHIM = (
    "import sys, mcpod; mcpod.__version__ = '9.9.9'; "
    "from mcpod.shim.__main__ import main; sys.exit(main())"
)


def newer_shim(env: dict[str, str]) -> ShimProcess:
    """A shim of another version than the daemon (as after an upgrade)."""
    shim = ShimProcess.__new__(ShimProcess)
    StdioClient.__init__(
        shim, [sys.executable, "-c", NEWER_SHIM], env=env, stderr=subprocess.PIPE, timeout=30
    )
    ShimProcess.started.append(shim)
    return shim


def test_an_idle_daemon_of_another_version_is_restarted(daemon: DaemonHome) -> None:
    old = daemon.status()["pid"]
    shim = newer_shim(daemon.env)
    try:
        shim.initialize()
        shim.raw_request(1, "ping")
        assert shim.response(1)["result"] == {}
        assert daemon.status()["pid"] != old
    finally:
        shim.close()
    assert "restarted the idle mcpod daemon (0.1.0)" in shim.proc.stderr.read().decode()  # type: ignore[union-attr]


def test_a_busy_daemon_of_another_version_keeps_serving(daemon: DaemonHome) -> None:
    old = daemon.status()["pid"]
    busy = ShimProcess(daemon.env)
    busy.initialize()
    shim = newer_shim(daemon.env)
    try:
        shim.initialize()
        assert daemon.status()["pid"] == old
    finally:
        shim.close()
        busy.close()
    assert "serves other sessions" in shim.proc.stderr.read().decode()  # type: ignore[union-attr]


# What a shim imports on its way to a warm daemon, measured in `BENCHMARKS.md`: each of
# these costs it milliseconds of the 20 ms it has (json pulls in re).
SLOW_IMPORTS = ("json", "re", "socket", "selectors", "enum", "pathlib", "typing", "subprocess")


def test_a_shim_reaches_a_warm_daemon_without_the_slow_imports(daemon: DaemonHome) -> None:
    shim = os.path.join(os.path.dirname(sys.executable), "mcpod-shim")  # the console script
    proc = subprocess.Popen(
        [shim, "--mode", "all"],
        env={**daemon.shim_env(), "PYTHONPROFILEIMPORTTIME": "1"},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    request = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": RAW_INIT}
    proc.stdin.write(json.dumps(request).encode() + b"\n")
    proc.stdin.flush()
    answer = json.loads(proc.stdout.readline())
    proc.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
    proc.stdin.write(b'{"jsonrpc":"2.0","id":2,"method":"tools/list"}\n')
    proc.stdin.close()
    tools = json.loads(proc.stdout.readline())
    assert proc.wait(timeout=30) == 0
    assert proc.stderr is not None
    stderr = proc.stderr.read()
    assert answer["result"]["serverInfo"]["name"] == "mcpod"
    assert any(t["name"] == "everything__echo" for t in tools["result"]["tools"])
    imported = {line.rsplit("|", 1)[1].strip() for line in stderr.decode().splitlines()
                if line.startswith("import time:") and "|" in line}  # fmt: skip
    assert "mcpod.shim.pump" in imported  # the profile covers the forwarding, too
    assert sorted(imported & set(SLOW_IMPORTS)) == []
